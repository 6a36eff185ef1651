"""Tests of the emulator's SOQL engine (test/sfemu_lib/soql/), end to end through execute().

Each test builds on a small hand-made org (Account, Contact, User) whose
describes are written out here, so the tests depend on store.py only.
Run: python3 -m unittest discover -s test/emulator -t test
"""

import datetime
import decimal
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from sfemu_lib import soql  # noqa: E402
from sfemu_lib import store as st  # noqa: E402

D = decimal.Decimal
UTC = datetime.timezone.utc
NOW = datetime.datetime(2024, 3, 13, 15, 30, tzinfo=UTC)     # a Wednesday


def fd(name, ftype, **kw):
    d = {"name": name, "type": ftype, "filterable": True, "sortable": True, "groupable": True,
         "aggregatable": True, "nillable": True, "caseSensitive": False, "referenceTo": [],
         "relationshipName": None, "compoundFieldName": None, "custom": name.endswith("__c"),
         "picklistValues": []}
    if ftype in ("double", "currency", "percent", "datetime", "textarea", "time"):
        d["groupable"] = False
    if ftype == "multipicklist":
        d["sortable"] = d["groupable"] = d["aggregatable"] = False
    if ftype in ("address", "location", "base64"):
        d["filterable"] = d["sortable"] = d["groupable"] = d["aggregatable"] = False
    d.update(kw)
    return d


def picklist(values):
    return [{"value": v, "label": v, "active": True, "defaultValue": False, "validFor": None}
            for v in values]


def build_store():
    s = st.Store()
    user = s.define({"name": "User", "keyPrefix": "005", "fields": [
        fd("Id", "id"), fd("IsDeleted", "boolean"), fd("Name", "string"), fd("Email", "email")]})
    address = [fd("Billing" + p, t, compoundFieldName="BillingAddress")
               for p, t in (("Street", "textarea"), ("City", "string"), ("State", "string"),
                            ("StateCode", "picklist"), ("PostalCode", "string"),
                            ("Country", "string"), ("CountryCode", "picklist"),
                            ("Latitude", "double"), ("Longitude", "double"),
                            ("GeocodeAccuracy", "picklist"))]
    acc = s.define({"name": "Account", "keyPrefix": "001", "fields": [
        fd("Id", "id"), fd("IsDeleted", "boolean"), fd("Name", "string"),
        fd("Industry", "picklist", picklistValues=picklist(["Tech", "Banking", "Retail"])),
        fd("AnnualRevenue", "currency"), fd("NumberOfEmployees", "int"),
        fd("Rating__c", "percent"), fd("Active__c", "boolean"),
        fd("Colors__c", "multipicklist", picklistValues=picklist(["Red", "Green", "Blue"])),
        fd("Founded__c", "date"), fd("LastSeen__c", "datetime"), fd("OpensAt__c", "time"),
        fd("Description", "textarea", filterable=False, sortable=False),
        fd("Code__c", "string", caseSensitive=True),
        fd("ParentId", "reference", referenceTo=["Account"], relationshipName="Parent"),
        fd("OwnerId", "reference", referenceTo=["User"], relationshipName="Owner"),
        fd("Logo__c", "base64")] + address + [fd("BillingAddress", "address"),
                                             fd("Loc__Latitude__s", "double", compoundFieldName="Loc__c"),
                                             fd("Loc__Longitude__s", "double", compoundFieldName="Loc__c"),
                                             fd("Loc__c", "location")],
        "childRelationships": [{"childSObject": "Contact", "field": "AccountId",
                                "relationshipName": "Contacts"}]})
    con = s.define({"name": "Contact", "keyPrefix": "003", "fields": [
        fd("Id", "id"), fd("IsDeleted", "boolean"), fd("LastName", "string"),
        fd("AccountId", "reference", referenceTo=["Account"], relationshipName="Account")]})
    u1 = s.add_record(user, {"Name": "Ann", "Email": "ann@example.com"})
    a = {}
    a["acme"] = s.add_record(acc, {
        "Name": "Acme", "Industry": "Tech", "AnnualRevenue": D("1000.50"), "NumberOfEmployees": 10,
        "Rating__c": D("12.5"), "Active__c": True, "Colors__c": "Red;Blue",
        "Founded__c": datetime.date(2024, 3, 13),
        "LastSeen__c": datetime.datetime(2024, 3, 13, 9, 0, tzinfo=UTC),
        "OpensAt__c": datetime.time(9, 0), "Code__c": "AbC", "OwnerId": u1,
        "BillingCity": "Paris", "BillingCountry": "France", "BillingCountryCode": "FR",
        "Logo__c": b"png", "Loc__Latitude__s": D("48.85"), "Loc__Longitude__s": D("2.35"),
        "Description": "long text"})
    a["beta"] = s.add_record(acc, {
        "Name": "beta", "Industry": "Banking", "AnnualRevenue": D("250"), "NumberOfEmployees": 5,
        "Active__c": False, "Colors__c": "Green", "Founded__c": datetime.date(2024, 3, 12),
        "LastSeen__c": datetime.datetime(2024, 3, 12, 23, 59, 59, 999000, tzinfo=UTC),
        "OpensAt__c": datetime.time(10, 30), "Code__c": "abc", "ParentId": a["acme"]})
    a["gamma"] = s.add_record(acc, {
        "Name": "Gamma", "Industry": "Retail", "NumberOfEmployees": 7, "Active__c": False,
        "Colors__c": "Blue;Green;Red", "Founded__c": datetime.date(2023, 12, 31),
        "ParentId": a["beta"]})
    a["delta"] = s.add_record(acc, {"Name": "delta", "Active__c": True, "Industry": "Tech",
                                    "NumberOfEmployees": 1})
    a["gone"] = s.add_record(acc, {"Name": "Gone", "Active__c": False, "IsDeleted": True,
                                   "Industry": "Tech"})
    c = {}
    c["x"] = s.add_record(con, {"LastName": "Xu", "AccountId": a["acme"]})
    c["y"] = s.add_record(con, {"LastName": "Young", "AccountId": a["beta"]})
    c["z"] = s.add_record(con, {"LastName": "Zed"})
    c["w"] = s.add_record(con, {"LastName": "Wu", "AccountId": a["acme"]})
    return s, a, c, u1


class SoqlCase(unittest.TestCase):
    def setUp(self):
        self.store, self.acc, self.con, self.user = build_store()

    def run_q(self, q, **kw):
        kw.setdefault("now", NOW)
        return soql.execute(self.store, q, **kw)

    def names(self, q, key="Name", **kw):
        return [r[key] for r in self.run_q(q, **kw).records]

    def error(self, q, code, **kw):
        kw.setdefault("now", NOW)
        with self.assertRaises(soql.SoqlError) as cm:
            soql.execute(self.store, q, **kw)
        self.assertEqual(cm.exception.error_code, code, cm.exception.message)
        self.assertEqual(cm.exception.body()[0]["errorCode"], code)
        return cm.exception


class TestSelect(SoqlCase):
    def test_canonical_keys_and_attributes(self):
        r = self.run_q("select id, NAME, industry from account where name = 'acme'")
        self.assertEqual(r.sobject, "Account")
        self.assertEqual(r.columns, ["Id", "Name", "Industry"])
        self.assertEqual(r.total_size, 1)
        rec = r.records[0]
        self.assertEqual(list(rec), ["attributes", "Id", "Name", "Industry"])
        self.assertEqual(rec["attributes"], {
            "type": "Account", "url": "/services/data/v66.0/sobjects/Account/%s" % self.acc["acme"]})
        self.assertFalse(r.is_aggregate)
        self.assertFalse(r.count_only)

    def test_api_version_in_url(self):
        r = self.run_q("SELECT Id FROM Account LIMIT 1", api_version="60.0")
        self.assertTrue(r.records[0]["attributes"]["url"].startswith("/services/data/v60.0/sobjects/Account/"))

    def test_insertion_order_limit_offset(self):
        self.assertEqual(self.names("SELECT Name FROM Account"), ["Acme", "beta", "Gamma", "delta"])
        self.assertEqual(self.names("SELECT Name FROM Account LIMIT 2 OFFSET 1"), ["beta", "Gamma"])
        self.assertEqual(self.run_q("SELECT Name FROM Account LIMIT 0").total_size, 0)

    def test_query_vs_query_all(self):
        self.assertNotIn("Gone", self.names("SELECT Name FROM Account"))
        r = self.run_q("SELECT Name, IsDeleted FROM Account WHERE IsDeleted = true", query_all=True)
        self.assertEqual([(x["Name"], x["IsDeleted"]) for x in r.records], [("Gone", True)])
        self.assertEqual(self.run_q("SELECT COUNT() FROM Account", query_all=True).total_size, 5)

    def test_nested_parent_and_null_parent(self):
        r = self.run_q("SELECT LastName, account.name, Account.Owner.Email FROM Contact ORDER BY LastName")
        self.assertEqual(r.columns, ["LastName", "Account.Name", "Account.Owner.Email"])
        wu, xu, young, zed = r.records
        self.assertEqual(list(xu["Account"]), ["attributes", "Name", "Owner"])
        self.assertEqual(xu["Account"]["attributes"]["url"],
                         "/services/data/v66.0/sobjects/Account/%s" % self.acc["acme"])
        self.assertEqual(xu["Account"]["Name"], "Acme")
        self.assertEqual(xu["Account"]["Owner"]["attributes"]["type"], "User")
        self.assertEqual(xu["Account"]["Owner"]["Email"], "ann@example.com")
        self.assertEqual(young["Account"]["Owner"], None)
        self.assertIsNone(zed["Account"])

    def test_parent_filter_is_outer_join(self):
        self.assertEqual(self.names("SELECT LastName FROM Contact WHERE Account.Name = null", "LastName"),
                         ["Zed"])
        self.assertEqual(self.names("SELECT LastName FROM Contact WHERE LastName = 'Zed' OR Account.Name = 'beta'",
                                    "LastName"), ["Young", "Zed"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Parent.Parent.Name = 'ACME'"), ["Gamma"])

    def test_object_name_prefix(self):
        self.assertEqual(self.names("SELECT Account.Name FROM Account WHERE Account.Name = 'beta'"), ["beta"])
        self.assertEqual(self.names("SELECT a.Name FROM Account a WHERE a.Name = 'beta'"), ["beta"])

    def test_compound_and_base64(self):
        r = self.run_q("SELECT BillingAddress, Loc__c, Logo__c FROM Account WHERE Name IN ('Acme', 'beta') "
                       "ORDER BY Name")
        acme, beta = r.records
        self.assertEqual(acme["BillingAddress"], {
            "city": "Paris", "country": "France", "countryCode": "FR", "geocodeAccuracy": None,
            "latitude": None, "longitude": None, "postalCode": None, "state": None, "stateCode": None,
            "street": None})
        self.assertEqual(acme["Loc__c"], {"latitude": D("48.85"), "longitude": D("2.35")})
        self.assertEqual(acme["Logo__c"], "/services/data/v66.0/sobjects/Account/%s/Logo__c" % self.acc["acme"])
        self.assertIsNone(beta["BillingAddress"])
        self.assertIsNone(beta["Logo__c"])

    def test_record_json(self):
        so, rec = self.store.get_record(self.acc["acme"])
        out = soql.record_json(so, rec, self.store, fields=["name", "BillingAddress"], api_version="61.0")
        self.assertEqual(list(out), ["attributes", "Name", "BillingAddress"])
        self.assertEqual(out["attributes"]["url"], "/services/data/v61.0/sobjects/Account/%s" % rec["Id"])
        self.assertEqual(out["BillingAddress"]["city"], "Paris")
        full = soql.record_json(so, rec, self.store)
        self.assertEqual(full["Logo__c"], "/services/data/v66.0/sobjects/Account/%s/Logo__c" % rec["Id"])
        self.assertIn("IsDeleted", full)
        self.assertIsNone(full["ParentId"])
        with self.assertRaises(soql.SoqlError) as cm:
            soql.record_json(so, rec, self.store, fields=["Nope"])
        self.assertEqual(cm.exception.error_code, "INVALID_FIELD")

    def test_json_dump_of_typed_values(self):
        r = self.run_q("SELECT AnnualRevenue, Founded__c, LastSeen__c, OpensAt__c FROM Account WHERE Name = 'beta'")
        text = st.json_dumps(r.records[0])
        self.assertIn('"AnnualRevenue":250.0', text)
        self.assertIn('"Founded__c":"2024-03-12"', text)
        self.assertIn('"LastSeen__c":"2024-03-12T23:59:59.999+0000"', text)
        self.assertIn('"OpensAt__c":"10:30:00.000Z"', text)

    def test_duplicate_field(self):
        e = self.error("SELECT Id, Name, name FROM Account", "INVALID_FIELD")
        self.assertIn("duplicate field selected: Name", e.message)

    def test_fields_function(self):
        r = self.run_q("SELECT FIELDS(STANDARD) FROM Account WHERE Name = 'Acme'")
        self.assertIn("Name", r.columns)
        self.assertNotIn("Rating__c", r.columns)
        r = self.run_q("SELECT FIELDS(CUSTOM) FROM Account LIMIT 200")
        self.assertIn("Rating__c", r.columns)
        self.assertNotIn("Name", r.columns)
        r = self.run_q("SELECT FIELDS(ALL) FROM Account LIMIT 1")
        self.assertIn("BillingAddress", r.records[0])
        self.error("SELECT FIELDS(ALL) FROM Account", "MALFORMED_QUERY")
        self.error("SELECT FIELDS(CUSTOM) FROM Account LIMIT 201", "MALFORMED_QUERY")

    def test_child_subquery(self):
        r = self.run_q("SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account "
                       "WHERE Name IN ('Acme', 'Gamma') ORDER BY Name")
        self.assertEqual(r.columns, ["Name", "Contacts"])
        acme, gamma = r.records
        self.assertEqual(acme["Contacts"]["totalSize"], 2)
        self.assertTrue(acme["Contacts"]["done"])
        self.assertEqual([c["LastName"] for c in acme["Contacts"]["records"]], ["Wu", "Xu"])
        self.assertIsNone(gamma["Contacts"])


class TestWhere(SoqlCase):
    def test_text_equality_case_insensitive(self):
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Name = 'BETA'"), ["beta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Name IN ('acme', 'DELTA')"), ["Acme", "delta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Industry = 'tech'"), ["Acme", "delta"])

    def test_case_sensitive_field(self):
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Code__c = 'abc'"), ["beta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Code__c LIKE 'A%'"), ["Acme"])

    def test_text_ordering_operators(self):
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Name > 'b'"), ["beta", "Gamma", "delta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Name <= 'BETA'"), ["Acme", "beta"])

    def test_ne_keeps_nulls_by_default(self):
        self.assertEqual(self.names("SELECT Name FROM Account WHERE AnnualRevenue != 250"),
                         ["Acme", "Gamma", "delta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE AnnualRevenue != 250",
                                    quirks={"ne-null-exclude"}), ["Acme"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Industry <> 'Tech'"), ["beta", "Gamma"])

    def test_not_is_two_valued_by_default_three_valued_with_quirk(self):
        q = "SELECT Name FROM Account WHERE NOT AnnualRevenue = 250"
        self.assertEqual(self.names(q), ["Acme", "Gamma", "delta"])
        self.assertEqual(self.names(q, quirks={"ne-null-exclude"}), ["Acme"])
        q = "SELECT Name FROM Account WHERE NOT (AnnualRevenue = 250 AND Name = 'x')"
        self.assertEqual(self.names(q, quirks={"ne-null-exclude"}), ["Acme", "beta", "Gamma", "delta"])
        q = "SELECT Name FROM Account WHERE AnnualRevenue != 250 OR Name = 'Gamma'"
        self.assertEqual(self.names(q, quirks={"ne-null-exclude"}), ["Acme", "Gamma"])
        q = "SELECT Name FROM Account WHERE NOT Colors__c INCLUDES ('Green') AND AnnualRevenue = null"
        self.assertEqual(self.names(q, quirks={"ne-null-exclude"}), [])
        self.assertEqual(self.names(q), ["delta"])

    def test_not_in_nulls(self):
        q = "SELECT Name FROM Account WHERE AnnualRevenue NOT IN (250, 1)"
        self.assertEqual(self.names(q), ["Acme", "Gamma", "delta"])
        self.assertEqual(self.names(q, quirks={"ne-null-exclude"}), ["Acme"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE AnnualRevenue NOT IN (250, null)"), ["Acme"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE AnnualRevenue IN (250, null)"),
                         ["beta", "Gamma", "delta"])

    def test_null_comparisons(self):
        self.assertEqual(self.names("SELECT Name FROM Account WHERE AnnualRevenue = null"), ["Gamma", "delta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE AnnualRevenue != null"), ["Acme", "beta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE AnnualRevenue < 100000"), ["Acme", "beta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE AnnualRevenue >= -5.5"), ["Acme", "beta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Name = ''"), [])
        # reference 4.2 / trap 6: no empty strings; '' is taken as null (belief).
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Code__c = ''"), ["Gamma", "delta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Code__c != ''"), ["Acme", "beta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Code__c IN ('', 'abc')"),
                         ["beta", "Gamma", "delta"])

    def test_numbers(self):
        self.assertEqual(self.names("SELECT Name FROM Account WHERE AnnualRevenue = 1000.5"), ["Acme"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE NumberOfEmployees > 5"), ["Acme", "Gamma"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE NumberOfEmployees <= 5"), ["beta", "delta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Rating__c = 12.5"), ["Acme"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE NumberOfEmployees IN (1, 7)"), ["Gamma", "delta"])

    def test_boolean_null(self):
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Active__c = null"), ["beta", "Gamma"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Active__c != null"), ["Acme", "delta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Active__c = TRUE"), ["Acme", "delta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Active__c != true"), ["beta", "Gamma"])
        r = self.run_q("SELECT Active__c FROM Account WHERE Name = 'beta'")
        self.assertIs(r.records[0]["Active__c"], False)

    def test_logic_and_parentheses(self):
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Industry = 'Tech' AND (NumberOfEmployees > 5 "
                                    "OR Name = 'delta')"), ["Acme", "delta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE NOT Industry = 'Tech'"), ["beta", "Gamma"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE NOT (Industry = 'Tech' OR Industry = 'Retail')"),
                         ["beta"])
        self.error("SELECT Name FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'", "MALFORMED_QUERY")

    def test_like(self):
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Name LIKE 'a%'"), ["Acme"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Name LIKE '%A'"), ["beta", "Gamma", "delta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Name LIKE '_eta'"), ["beta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Name LIKE 'cme'"), [])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE NOT Name LIKE '%a'"), ["Acme"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Industry LIKE 'T%'"), ["Acme", "delta"])

    def test_like_escapes(self):
        s = self.store
        so = s.get_sobject("Account")
        s.add_record(so, {"Name": "50% off_now", "Active__c": False})
        s.add_record(so, {"Name": "50X offXnow", "Active__c": False})
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Name LIKE '50\\% off\\_%'"), ["50% off_now"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Name LIKE '50_ off_now'"),
                         ["50% off_now", "50X offXnow"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Name LIKE '%.%'"), [])

    def test_string_escapes(self):
        s = self.store
        so = s.get_sobject("Account")
        s.add_record(so, {"Name": "O'Brien \"Q\"\\\n\tA", "Active__c": False})
        self.assertEqual(len(self.names("SELECT Name FROM Account WHERE Name = 'O\\'Brien \\\"Q\\\"\\\\\\n\\t\\u0041'")),
                         1)
        e = self.error("SELECT Name FROM Account WHERE Name = 'a\\d'", "MALFORMED_QUERY")
        self.assertIn("Illegal character sequence '\\d'", e.message)
        self.assertIn("ERROR at Row:1:Column:39", e.message)
        self.error("SELECT Name FROM Account WHERE Name = '50\\%'", "MALFORMED_QUERY")
        self.error('SELECT Name FROM Account WHERE Name = "x"', "MALFORMED_QUERY")
        self.error("SELECT Name FROM Account WHERE Name = 'open", "MALFORMED_QUERY")

    def test_multipicklist(self):
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Colors__c = 'blue;red'"), ["Acme"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Colors__c != 'Red;Blue'"),
                         ["beta", "Gamma", "delta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Colors__c INCLUDES ('Red')"), ["Acme", "Gamma"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Colors__c INCLUDES ('Red;Green', 'Green')"),
                         ["beta", "Gamma"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Colors__c INCLUDES ('Red;Green')"), ["Gamma"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Colors__c EXCLUDES ('Green')"), ["Acme", "delta"])
        self.error("SELECT Name FROM Account WHERE Name INCLUDES ('a')", "INVALID_QUERY_FILTER_OPERATOR")
        self.error("SELECT Name FROM Account ORDER BY Colors__c", "INVALID_FIELD")

    def test_ids(self):
        acme = self.acc["acme"]
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Id = '%s'" % acme), ["Acme"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Id = '%s'" % acme[:15]), ["Acme"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Id = '%s'" % (acme[:15] + acme[15:].lower())),
                         ["Acme"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE ParentId IN ('%s')" % acme[:15]), ["beta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE ParentId != '%s'" % acme),
                         ["Acme", "Gamma", "delta"])
        e = self.error("SELECT Name FROM Account WHERE Id = 'Acme'", "INVALID_QUERY_FILTER_OPERATOR")
        self.assertTrue(e.message.endswith("\ninvalid ID field: Acme"))
        self.error("SELECT Name FROM Account WHERE OwnerId IN ('%s', 'bad')" % self.user,
                   "INVALID_QUERY_FILTER_OPERATOR")
        e = self.error("SELECT Name FROM Account WHERE Id LIKE '001%'", "INVALID_QUERY_FILTER_OPERATOR")
        self.assertTrue(e.message.endswith("\ninvalid operator on id field"))

    def test_dates(self):
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Founded__c = 2024-03-12"), ["beta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Founded__c < 2024-03-12"), ["Gamma"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Founded__c IN (2024-03-12, 2023-12-31)"),
                         ["beta", "Gamma"])

    def test_datetimes(self):
        q = "SELECT Name FROM Account WHERE LastSeen__c %s"
        self.assertEqual(self.names(q % "= 2024-03-13T09:00:00Z"), ["Acme"])
        self.assertEqual(self.names(q % "= 2024-03-13T10:00:00+01:00"), ["Acme"])
        self.assertEqual(self.names(q % "= 2024-03-13T01:00:00-08:00"), ["Acme"])
        self.assertEqual(self.names(q % "> 2024-03-12T23:59:59.998Z"), ["Acme", "beta"])
        self.assertEqual(self.names(q % "> 2024-03-12T23:59:59.999Z"), ["Acme"])
        self.error(q % "= 2024-03-13T09:00:00", "MALFORMED_QUERY")

    def test_time(self):
        self.assertEqual(self.names("SELECT Name FROM Account WHERE OpensAt__c = 09:00:00.000Z"), ["Acme"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE OpensAt__c > 09:00:00Z"), ["beta"])

    def test_date_literals(self):
        q = "SELECT Name FROM Account WHERE Founded__c %s"
        self.assertEqual(self.names(q % "= TODAY"), ["Acme"])
        self.assertEqual(self.names(q % "= YESTERDAY"), ["beta"])
        self.assertEqual(self.names(q % "< TODAY"), ["beta", "Gamma"])
        self.assertEqual(self.names(q % "<= TODAY"), ["Acme", "beta", "Gamma"])
        self.assertEqual(self.names(q % "> YESTERDAY"), ["Acme"])
        self.assertEqual(self.names(q % ">= YESTERDAY"), ["Acme", "beta"])
        self.assertEqual(self.names(q % "= TOMORROW"), [])
        self.assertEqual(self.names(q % "= LAST_N_DAYS:1"), ["Acme", "beta"])
        self.assertEqual(self.names(q % "= N_DAYS_AGO:1"), ["beta"])
        self.assertEqual(self.names(q % "= NEXT_N_DAYS:3"), [])
        self.assertEqual(self.names(q % "= THIS_MONTH"), ["Acme", "beta"])
        self.assertEqual(self.names(q % "= LAST_YEAR"), ["Gamma"])
        self.assertEqual(self.names(q % "= THIS_YEAR"), ["Acme", "beta"])
        self.assertEqual(self.names(q % "= LAST_MONTH"), [])
        self.assertEqual(self.names(q % "= THIS_WEEK"), ["Acme", "beta"])   # week of Sun 10 March
        self.assertEqual(self.names(q % "= LAST_WEEK"), [])
        self.assertEqual(self.names(q % "IN (TODAY, LAST_YEAR)"), ["Acme", "Gamma"])
        self.assertEqual(self.names(q % "!= TODAY"), ["beta", "Gamma", "delta"])
        # on a datetime field the range is in UTC
        self.assertEqual(self.names("SELECT Name FROM Account WHERE LastSeen__c = TODAY"), ["Acme"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE LastSeen__c = YESTERDAY"), ["beta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE LastSeen__c > YESTERDAY"), ["Acme"])

    def test_literal_type_checks(self):
        e = self.error("SELECT Name FROM Account WHERE AnnualRevenue = '5'", "INVALID_FIELD")
        self.assertTrue(e.message.endswith("value of filter criterion for field 'AnnualRevenue' must be of type "
                                           "double and should not be enclosed in quotes"))
        self.error("SELECT Name FROM Account WHERE Active__c = 'true'", "INVALID_FIELD")
        self.error("SELECT Name FROM Account WHERE Founded__c = '2024-01-01'", "INVALID_FIELD")
        self.error("SELECT Name FROM Account WHERE Founded__c = 2024-01-01T00:00:00Z", "INVALID_FIELD")
        e = self.error("SELECT Name FROM Account WHERE LastSeen__c > 2024-01-01", "INVALID_FIELD")
        self.assertIn("must be of type dateTime", e.message)
        self.error("SELECT Name FROM Account WHERE OpensAt__c = 2024-01-01", "INVALID_FIELD")
        e = self.error("SELECT Name FROM Account WHERE Name = 5", "INVALID_FIELD")
        self.assertIn("must be of type string and should be enclosed in quotes", e.message)
        self.error("SELECT Name FROM Account WHERE Name = TODAY", "INVALID_FIELD")
        self.error("SELECT Name FROM Account WHERE NumberOfEmployees LIKE '5'", "INVALID_QUERY_FILTER_OPERATOR")
        self.error("SELECT Name FROM Account WHERE Active__c > false", "INVALID_QUERY_FILTER_OPERATOR")

    def test_not_filterable(self):
        e = self.error("SELECT Name FROM Account WHERE Description = 'x'", "INVALID_FIELD")
        self.assertTrue(e.message.endswith("\nfield 'Description' can not be filtered in query call"))
        self.assertIn("ERROR at Row:1:Column:32", e.message)

    def test_is_null_rejected(self):
        e = self.error("SELECT Name FROM Account WHERE Name IS NULL", "MALFORMED_QUERY")
        self.assertTrue(e.message.endswith("unexpected token: 'IS'"))

    def test_semi_join(self):
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact "
                                    "WHERE LastName LIKE '%u')"), ["Acme"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact)"),
                         ["Gamma", "delta"])
        self.error("SELECT Name FROM Account WHERE Id IN (SELECT LastName FROM Contact)", "INVALID_FIELD")

    def test_semi_join_restrictions(self):
        two = ("SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact) "
               "AND Id NOT IN (SELECT AccountId FROM Contact WHERE LastName = 'Young')")
        self.assertEqual(self.names(two), ["Acme"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE (Name = 'x' OR Name = 'Acme') "
                                    "AND Id IN (SELECT AccountId FROM Contact)"), ["Acme"])
        e = self.error(two + " AND ParentId IN (SELECT AccountId FROM Contact)", "MALFORMED_QUERY")
        self.assertIn("No more than two", e.message)
        e = self.error("SELECT Name FROM Account WHERE Name = 'x' OR Id IN (SELECT AccountId FROM Contact)",
                       "MALFORMED_QUERY")
        self.assertTrue(e.message.endswith("Semi join sub-selects are not allowed with the 'OR' operator"))
        self.error("SELECT Name FROM Account WHERE NOT Id IN (SELECT AccountId FROM Contact)", "MALFORMED_QUERY")
        e = self.error("SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE "
                       "AccountId IN (SELECT Id FROM Account))", "MALFORMED_QUERY")
        self.assertIn("Nesting of semi join sub-selects", e.message)


class TestOrderBy(SoqlCase):
    def test_case_insensitive_text(self):
        self.assertEqual(self.names("SELECT Name FROM Account ORDER BY Name"), ["Acme", "beta", "delta", "Gamma"])
        self.assertEqual(self.names("SELECT Name FROM Account ORDER BY Name DESC"), ["Gamma", "delta", "beta", "Acme"])

    def test_picklist_definition_order(self):
        self.assertEqual(self.names("SELECT Name FROM Account ORDER BY Industry, Name"),
                         ["Acme", "delta", "beta", "Gamma"])

    def test_nulls_default_and_quirk(self):
        q = "SELECT Name FROM Account ORDER BY AnnualRevenue%s"
        self.assertEqual(self.names(q % ""), ["Gamma", "delta", "beta", "Acme"])
        self.assertEqual(self.names(q % " ASC NULLS LAST"), ["beta", "Acme", "Gamma", "delta"])
        self.assertEqual(self.names(q % " DESC"), ["Acme", "beta", "Gamma", "delta"])
        self.assertEqual(self.names(q % " DESC", quirks={"desc-nulls-first"}), ["Gamma", "delta", "Acme", "beta"])
        self.assertEqual(self.names(q % " DESC NULLS FIRST"), ["Gamma", "delta", "Acme", "beta"])
        self.assertEqual(self.names(q % " DESC NULLS LAST", quirks={"desc-nulls-first"}),
                         ["Acme", "beta", "Gamma", "delta"])

    def test_multiple_keys_and_parent(self):
        self.assertEqual(self.names("SELECT Name FROM Account ORDER BY Active__c DESC, NumberOfEmployees"),
                         ["delta", "Acme", "beta", "Gamma"])
        self.assertEqual(self.names("SELECT LastName FROM Contact ORDER BY Account.Name DESC NULLS LAST, LastName",
                                    "LastName"), ["Young", "Wu", "Xu", "Zed"])

    def test_not_sortable(self):
        e = self.error("SELECT Name FROM Account ORDER BY Description", "INVALID_FIELD")
        self.assertTrue(e.message.endswith("field 'Description' can not be sorted in a query call"))


class TestAggregates(SoqlCase):
    def test_group_by_with_expr_numbering_and_alias(self):
        r = self.run_q("SELECT Industry, COUNT(Id), SUM(AnnualRevenue) total, MAX(NumberOfEmployees) "
                       "FROM Account GROUP BY Industry ORDER BY Industry")
        self.assertTrue(r.is_aggregate)
        self.assertEqual(r.sobject, "Account")
        self.assertEqual(r.columns, ["Industry", "expr0", "total", "expr1"])
        self.assertEqual(r.records[0], {"attributes": {"type": "AggregateResult"}, "Industry": "Tech",
                                        "expr0": 2, "total": D("1000.50"), "expr1": 10})
        self.assertEqual([x["Industry"] for x in r.records], ["Tech", "Banking", "Retail"])
        self.assertIsNone(r.records[2]["total"])

    def test_avg_count_distinct_min_max(self):
        r = self.run_q("SELECT AVG(NumberOfEmployees), SUM(NumberOfEmployees), COUNT(AnnualRevenue), "
                       "COUNT_DISTINCT(Industry), MIN(Industry), MAX(Name), MIN(Founded__c) FROM Account")
        rec = r.records[0]
        self.assertEqual(rec["expr0"], D("5.75"))
        self.assertIsInstance(rec["expr0"], decimal.Decimal)
        self.assertEqual(rec["expr1"], 23)
        self.assertEqual(rec["expr2"], 2)
        self.assertEqual(rec["expr3"], 3)
        self.assertEqual(rec["expr4"], "Tech")          # picklist order, not alphabetical
        self.assertEqual(rec["expr5"], "Gamma")
        self.assertEqual(rec["expr6"], datetime.date(2023, 12, 31))
        self.assertEqual(r.total_size, 1)

    def test_no_rows_no_group(self):
        r = self.run_q("SELECT COUNT(Id), SUM(AnnualRevenue) FROM Account WHERE Name = 'none'")
        self.assertEqual(r.records, [{"attributes": {"type": "AggregateResult"}, "expr0": 0, "expr1": None}])

    def test_having_and_order_by_aggregate(self):
        r = self.run_q("SELECT Industry, COUNT(Id) n FROM Account GROUP BY Industry HAVING COUNT(Id) > 1")
        self.assertEqual([(x["Industry"], x["n"]) for x in r.records], [("Tech", 2)])
        r = self.run_q("SELECT Industry i FROM Account GROUP BY Industry HAVING Industry IN ('banking', 'retail') "
                       "ORDER BY Industry DESC")
        self.assertEqual([x["i"] for x in r.records], ["Retail", "Banking"])
        r = self.run_q("SELECT Industry, SUM(NumberOfEmployees) FROM Account GROUP BY Industry "
                       "ORDER BY SUM(NumberOfEmployees) DESC LIMIT 2")
        self.assertEqual([x["Industry"] for x in r.records], ["Tech", "Retail"])

    def test_group_by_parent_field(self):
        r = self.run_q("SELECT Account.Name, COUNT(Id) FROM Contact GROUP BY Account.Name ORDER BY Account.Name")
        self.assertEqual(r.columns, ["Name", "expr0"])
        self.assertEqual([(x["Name"], x["expr0"]) for x in r.records], [(None, 1), ("Acme", 2), ("beta", 1)])

    def test_group_by_case_insensitive(self):
        so = self.store.get_sobject("Contact")
        self.store.add_record(so, {"LastName": "XU"})
        r = self.run_q("SELECT LastName, COUNT(Id) FROM Contact WHERE LastName = 'xu' GROUP BY LastName")
        self.assertEqual([(x["LastName"], x["expr0"]) for x in r.records], [("Xu", 2)])

    def test_date_functions(self):
        r = self.run_q("SELECT CALENDAR_YEAR(Founded__c), COUNT(Id), CALENDAR_MONTH(Founded__c) m FROM Account "
                       "GROUP BY CALENDAR_YEAR(Founded__c), CALENDAR_MONTH(Founded__c) "
                       "ORDER BY CALENDAR_YEAR(Founded__c) DESC")
        self.assertEqual(r.columns, ["expr0", "expr1", "m"])
        self.assertEqual([(x["expr0"], x["expr1"], x["m"]) for x in r.records],
                         [(2024, 2, 3), (2023, 1, 12), (None, 1, None)])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE DAY_IN_WEEK(Founded__c) = 4"), ["Acme"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE DAY_ONLY(LastSeen__c) = 2024-03-12"), ["beta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE DAY_ONLY(LastSeen__c) = YESTERDAY"), ["beta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE HOUR_IN_DAY(LastSeen__c) > 12"), ["beta"])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE CALENDAR_QUARTER(Founded__c) = 4"), ["Gamma"])
        r = self.run_q("SELECT DAY_ONLY(LastSeen__c) d, COUNT(Id) FROM Account GROUP BY DAY_ONLY(LastSeen__c) "
                       "HAVING DAY_ONLY(LastSeen__c) != null ORDER BY DAY_ONLY(LastSeen__c)")
        self.assertEqual([x["d"] for x in r.records], [datetime.date(2024, 3, 12), datetime.date(2024, 3, 13)])
        self.error("SELECT CALENDAR_YEAR(Founded__c) FROM Account", "MALFORMED_QUERY")
        self.error("SELECT Name FROM Account WHERE HOUR_IN_DAY(Founded__c) = 1", "MALFORMED_QUERY")
        self.error("SELECT Name FROM Account WHERE CALENDAR_YEAR(Name) = 1", "MALFORMED_QUERY")
        self.error("SELECT Name FROM Account WHERE CALENDAR_YEAR(Founded__c) = '2024'", "INVALID_FIELD")

    def test_aggregate_errors(self):
        e = self.error("SELECT Name, COUNT(Id) FROM Account GROUP BY Industry", "MALFORMED_QUERY")
        self.assertIn("Field must be grouped or aggregated: Name", e.message)
        self.error("SELECT MAX(NumberOfEmployees) FROM Account LIMIT 1", "MALFORMED_QUERY")
        e = self.error("SELECT AnnualRevenue FROM Account GROUP BY AnnualRevenue", "INVALID_FIELD")
        self.assertIn("field 'AnnualRevenue' can not be grouped in a query call", e.message)
        self.error("SELECT SUM(Name) FROM Account", "INVALID_FIELD")
        self.error("SELECT Industry, COUNT(Id) c FROM Account GROUP BY Industry ORDER BY c", "INVALID_FIELD")

    def test_exceeded_id_limit(self):
        so = self.store.get_sobject("Contact")
        for i in range(2001):
            self.store.add_record(so, {"LastName": "L%05d" % i})
        e = self.error("SELECT LastName, COUNT(Id) FROM Contact GROUP BY LastName", "EXCEEDED_ID_LIMIT")
        self.assertEqual(e.message, "Aggregate query does not support queryMore(), use LIMIT to restrict "
                                    "the results to a single batch")
        r = self.run_q("SELECT LastName, COUNT(Id) FROM Contact GROUP BY LastName LIMIT 2000")
        self.assertEqual(r.total_size, 2000)

    def test_count_only(self):
        r = self.run_q("SELECT COUNT() FROM Account")
        self.assertTrue(r.count_only)
        self.assertEqual((r.total_size, r.records), (4, []))
        self.assertEqual(self.run_q("SELECT count() FROM Account WHERE Industry = 'Tech'").total_size, 2)
        self.assertEqual(self.run_q("SELECT COUNT() FROM Account LIMIT 3").total_size, 3)
        self.assertEqual(self.run_q("SELECT COUNT() FROM Account GROUP BY Industry").total_size, 3)
        self.error("SELECT COUNT() FROM Account ORDER BY Name", "MALFORMED_QUERY")
        self.error("SELECT COUNT(), Name FROM Account", "MALFORMED_QUERY")


class TestErrors(SoqlCase):
    def test_invalid_type(self):
        e = self.error("SELECT Id, Name FROM AccountOpps WHERE Name like 'x%'", "INVALID_TYPE")
        self.assertEqual(e.message, "\nSELECT Id, Name FROM AccountOpps WHERE Name like 'x%'\n" + " " * 21 +
                         "^\nERROR at Row:1:Column:22\nsObject type 'AccountOpps' is not supported. If you are "
                         "attempting to use a custom object, be sure to append the '__c' after the entity name. "
                         "Please reference your WSDL or the describe call for the appropriate names.")
        self.assertEqual(e.status, 400)
        self.assertEqual(e.body(), [{"message": e.message, "errorCode": "INVALID_TYPE"}])

    def test_invalid_field(self):
        e = self.error("SELECT Bacon__c FROM Account LIMIT 2", "INVALID_FIELD")
        self.assertEqual(e.message, "\nSELECT Bacon__c FROM Account LIMIT 2\n       ^\nERROR at Row:1:Column:8\n"
                         "No such column 'Bacon__c' on entity 'Account'. If you are attempting to use a custom "
                         "field, be sure to append the '__c' after the custom field name. Please reference your "
                         "WSDL or the describe call for the appropriate names.")
        e = self.error("SELECT Account.Nope FROM Contact", "INVALID_FIELD")
        self.assertIn("No such column 'Nope' on entity 'Account'", e.message)
        e = self.error("SELECT Acct.Name FROM Contact", "INVALID_FIELD")
        self.assertIn("Didn't understand relationship 'Acct' in field path", e.message)
        self.error("SELECT Id FROM Account WHERE Nope = 1", "INVALID_FIELD")
        self.error("SELECT Id FROM Account ORDER BY Nope", "INVALID_FIELD")

    def test_leftmost_error_wins(self):
        e = self.error("SELECT Bad FROM Account WHERE Bad2 = 1 ORDER BY Bad3", "INVALID_FIELD")
        self.assertIn("Column:8\n", e.message)
        e = self.error("SELECT Name FROM Account WHERE Bad2 = 1 ORDER BY Bad3", "INVALID_FIELD")
        self.assertIn("No such column 'Bad2'", e.message)
        e = self.error("SELECT Name, COUNT(Id) FROM Account WHERE Bad2 = 1 GROUP BY Name", "INVALID_FIELD")
        self.assertIn("No such column 'Bad2'", e.message)

    def test_from_order_object(self):
        # Order is a reserved word and an object name
        e = self.error("SELECT Id FROM Order", "INVALID_TYPE")
        self.assertIn("sObject type 'Order' is not supported", e.message)

    def test_malformed(self):
        e = self.error("SELECT ,    FROM Account", "MALFORMED_QUERY")
        self.assertEqual(e.message, "\nSELECT ,    FROM Account\n       ^\nERROR at Row:1:Column:8\n"
                         "unexpected token: ','")
        e = self.error("SELECT Id, FROM Account", "MALFORMED_QUERY")
        self.assertTrue(e.message.endswith("ERROR at Row:1:Column:12\nunexpected token: 'FROM'"))
        e = self.error("SELECT Id FROM Account WHERE", "MALFORMED_QUERY")
        self.assertTrue(e.message.endswith("unexpected token: '<EOF>'"))
        self.error("SELECT Id FROM Account LIMIT -1", "MALFORMED_QUERY")
        self.error("SELECT Id FROM Account extra junk", "MALFORMED_QUERY")
        self.error("", "MALFORMED_QUERY")
        self.error("UPDATE Account", "MALFORMED_QUERY")
        e = self.error("SELECT Id\nFROM Account\nWHERE Name = 5", "INVALID_FIELD")
        self.assertIn("\nWHERE Name = 5\n             ^\nERROR at Row:3:Column:14\n", e.message)

    def test_alias_outside_aggregate(self):
        e = self.error("SELECT Name n FROM Account", "MALFORMED_QUERY")
        self.assertTrue(e.message.endswith("Only aggregate expressions use field aliasing"))

    def test_too_long(self):
        e = self.error("SELECT Id FROM Account WHERE Name IN (%s)" % ",".join(["'abcdefghij'"] * 9000),
                       "MALFORMED_QUERY")
        self.assertEqual(e.message, "SOQL statements can not be longer than 100000 characters.")

    def test_string_literal_limit(self):
        # reference 3.5 / trap 24: a string in WHERE holds 4,000 characters at most.
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Name = '%s'" % ("x" * 4000)), [])
        self.assertEqual(self.names("SELECT Name FROM Account WHERE Name LIKE '%s'" % ("\\'" * 2500)), [])
        e = self.error("SELECT Name FROM Account WHERE Name = '%s'" % ("x" * 4001), "MALFORMED_QUERY")
        self.assertIn("ERROR at Row:1:Column:39\n", e.message)
        self.assertTrue(e.message.endswith("longer than 4000 characters"))
        self.error("SELECT Name FROM Account WHERE Name IN ('a', '%s')" % ("y" * 4001), "MALFORMED_QUERY")
        self.error("SELECT Name FROM Account WHERE NOT Name LIKE '%s'" % ("%" * 4001), "MALFORMED_QUERY")
        self.error("SELECT Industry FROM Account GROUP BY Industry HAVING Industry = '%s'" % ("z" * 4001),
                   "MALFORMED_QUERY")

    def test_unknown_child_relationship(self):
        e = self.error("SELECT Id, (SELECT Id FROM Kids) FROM Account", "INVALID_TYPE")
        self.assertIn("Didn't understand relationship 'Kids' in FROM part of query call", e.message)

    def test_offset_limit(self):
        e = self.error("SELECT Id FROM Account OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE")
        self.assertTrue(e.message.endswith("ERROR at Row:1:Column:24\nMaximum SOQL offset allowed is 2000"))
        self.assertEqual(self.run_q("SELECT Id FROM Account OFFSET 2000").total_size, 0)

    def test_parse_is_syntax_only(self):
        q = soql.parse("SELECT Nope FROM NoSuchThing WHERE x = 1")
        self.assertEqual(q.sobject, "NoSuchThing")
        with self.assertRaises(soql.SoqlError):
            soql.parse("SELECT FROM")
        r = soql.execute(self.store, soql.parse("SELECT Name FROM Account WHERE Name = 'beta'"), now=NOW)
        self.assertEqual(r.total_size, 1)


class TestSpeed(unittest.TestCase):
    def test_50k_rows(self):
        s = st.Store()
        so = s.define({"name": "Item__c", "keyPrefix": "a01", "fields": [
            fd("Id", "id"), fd("IsDeleted", "boolean"), fd("Name", "string"), fd("Amount__c", "currency"),
            fd("Qty__c", "int"), fd("Day__c", "date")]})
        base = datetime.date(2020, 1, 1)
        for i in range(50000):
            s.add_record(so, {"Name": "Item %05d" % ((i * 7919) % 50000), "Amount__c": D(i % 997) / 4,
                              "Qty__c": i % 100 if i % 10 else None,
                              "Day__c": base + datetime.timedelta(days=i % 1500)})
        t0 = time.perf_counter()
        r = soql.execute(s, "SELECT Id, Name, Amount__c, Qty__c, Day__c FROM Item__c WHERE Amount__c > 10 "
                            "AND Name LIKE 'item%' AND Day__c != 2020-01-01 ORDER BY Name DESC")
        t1 = time.perf_counter()
        st.json_dumps(r.records)
        t2 = time.perf_counter()
        self.assertGreater(r.total_size, 40000)
        sys.stderr.write("\n[soql timing] 50k rows: query %.3fs (%d rows), json %.3fs\n"
                         % (t1 - t0, r.total_size, t2 - t1))


if __name__ == "__main__":
    unittest.main()
