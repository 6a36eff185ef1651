"""Tests of the describe builders (schema.py) and the demo dataset (dataset.py)."""

import datetime
import decimal
import time
import unittest

from sfemu_lib import dataset, schema, store

# Python types store.py documents for each describe type.
PY_TYPES = {
    "id": str, "reference": str, "string": str, "textarea": str, "picklist": str,
    "multipicklist": str, "combobox": str, "email": str, "phone": str, "url": str,
    "encryptedstring": str, "boolean": bool, "int": int, "long": int,
    "double": decimal.Decimal, "currency": decimal.Decimal, "percent": decimal.Decimal,
    "date": datetime.date, "datetime": datetime.datetime, "time": datetime.time,
    "base64": bytes,
}

IMPORT_TYPES = ["id", "reference", "string", "textarea", "picklist", "multipicklist",
                "combobox", "email", "phone", "url", "encryptedstring", "boolean", "int",
                "long", "double", "currency", "percent", "date", "datetime", "time",
                "address", "location", "base64"]


class DemoDatasetTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.store = store.Store()
        start = time.monotonic()
        cls.ids = dataset.load_demo(cls.store, None)
        cls.load_seconds = time.monotonic() - start

    def all_records(self, st=None):
        st = st or self.store
        for so in st.sobjects.values():
            for rec in so.records:
                yield so, rec

    def test_counts_and_prefixes(self):
        for name, n in dataset.COUNTS.items():
            so = self.store.get_sobject(name)
            self.assertEqual(len(so.records), n, name)
            prefix = dataset.KEY_PREFIXES[name]
            self.assertEqual(so.describe["keyPrefix"], prefix)
            for rec in so.records:
                self.assertTrue(rec["Id"].startswith(prefix))
                self.assertEqual(store.to_id18(rec["Id"]), rec["Id"])

    def test_loads_fast(self):
        self.assertLess(self.load_seconds, 1.0)

    def test_deterministic(self):
        other = store.Store()
        dataset.load_demo(other, datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc))
        for name in dataset.COUNTS:
            a = self.store.get_sobject(name).records
            b = other.get_sobject(name).records
            self.assertEqual(repr(a), repr(b), name)
            self.assertEqual(store.json_dumps(self.store.get_sobject(name).describe),
                             store.json_dumps(other.get_sobject(name).describe))

    def test_every_import_type_present(self):
        types = set()
        for so in self.store.sobjects.values():
            types.update(f["type"] for f in so.describe["fields"])
        for t in IMPORT_TYPES:
            self.assertIn(t, types)

    def test_every_type_has_values_and_nulls(self):
        """Each scalar field type holds both non-null values and (where
        nillable) nulls somewhere in the data."""
        seen_value, seen_null = set(), set()
        for so, rec in self.all_records():
            for f in so.describe["fields"]:
                if f["type"] in ("address", "location"):
                    continue
                v = rec.get(f["name"])
                (seen_null if v is None else seen_value).add(f["type"])
        for t in IMPORT_TYPES:
            if t in ("address", "location"):
                continue
            self.assertIn(t, seen_value, t)
        for t in ("string", "reference", "currency", "date", "datetime", "time", "base64",
                  "multipicklist", "long", "percent"):
            self.assertIn(t, seen_null, t)

    def test_values_typed_as_store_documents(self):
        for so, rec in self.all_records():
            fields = {f["name"]: f for f in so.describe["fields"]}
            for key, value in rec.items():
                self.assertIn(key, fields, "%s.%s" % (so.name, key))
                f = fields[key]
                self.assertNotIn(f["type"], ("address", "location"),
                                 "compound fields are computed, not stored")
                if value is None:
                    self.assertTrue(f["nillable"] or f["type"] == "boolean" and False,
                                    "%s.%s is not nillable" % (so.name, key))
                    continue
                self.assertIsInstance(value, PY_TYPES[f["type"]], "%s.%s" % (so.name, key))
                if f["type"] == "int":
                    self.assertNotIsInstance(value, bool)
                if f["type"] == "datetime":
                    self.assertEqual(value.utcoffset(), datetime.timedelta(0))
                    self.assertEqual(value.microsecond % 1000, 0)
                if f["type"] == "time":
                    self.assertEqual(value.microsecond % 1000, 0)
                if f["type"] in ("string", "textarea", "email", "phone", "url") and f["length"]:
                    self.assertLessEqual(len(value), f["length"], "%s.%s" % (so.name, key))
                if f["type"] in ("picklist",) and f["picklistValues"]:
                    allowed = [p["value"] for p in f["picklistValues"]]
                    self.assertIn(value, allowed, "%s.%s" % (so.name, key))
                if f["type"] == "multipicklist":
                    allowed = [p["value"] for p in f["picklistValues"]]
                    for part in value.split(";"):
                        self.assertIn(part, allowed)
            for f in so.describe["fields"]:
                if f["type"] == "boolean":
                    self.assertIsInstance(rec.get(f["name"]), bool, "%s.%s" % (so.name, f["name"]))

    def test_no_empty_strings(self):
        for so, rec in self.all_records():
            for key, value in rec.items():
                self.assertNotEqual(value, "", "%s.%s of %s" % (so.name, key, rec["Id"]))

    def test_required_fields_filled(self):
        for so, rec in self.all_records():
            for f in so.describe["fields"]:
                if not f["nillable"] and f["type"] not in ("address", "location"):
                    self.assertIsNotNone(rec.get(f["name"]), "%s.%s" % (so.name, f["name"]))

    def test_referential_integrity(self):
        nulls = 0
        for so, rec in self.all_records():
            for f in so.describe["fields"]:
                if f["type"] != "reference":
                    continue
                value = rec.get(f["name"])
                if value is None:
                    nulls += 1
                    continue
                target_so, target = self.store.get_record(value)
                self.assertIsNotNone(target, "%s.%s -> %s" % (so.name, f["name"], value))
                self.assertIn(target_so.name, f["referenceTo"])
                if not rec["IsDeleted"]:
                    self.assertFalse(target["IsDeleted"],
                                     "live %s.%s points at a deleted row" % (so.name, f["name"]))
        self.assertGreater(nulls, 100)

    def test_soft_deleted_rows_exist(self):
        for name in ("Account", "Contact", "Opportunity", "Invoice__c"):
            so = self.store.get_sobject(name)
            deleted = [r for r in so.records if r["IsDeleted"]]
            self.assertTrue(deleted, name)
            self.assertLess(len(so.live_records()), len(so.records))

    def test_special_values(self):
        names = [r["Name"] for r in self.store.get_sobject("Account").records]
        for special in ("O'Brien & Sons", 'The "Quoted" Company', "Back\\Slash Partners",
                        "acme corp", "ACME CORP", "東京データ株式会社", "Rocket 🚀 Launchers"):
            self.assertIn(special, names)
        invoices = self.store.get_sobject("Invoice__c").records
        amounts = [r["Amount__c"] for r in invoices if r["Amount__c"] is not None]
        self.assertTrue(any(a >= 10 ** 10 for a in amounts), "large currency values")
        self.assertTrue(any(a != a.to_integral_value() for a in amounts), "cents")
        self.assertTrue(any(r["Ledger_Sequence__c"] and r["Ledger_Sequence__c"] > 2 ** 53
                            for r in invoices))
        dts = [r["CreatedDate"] for so, r in self.all_records()]
        self.assertTrue(any(d.microsecond for d in dts))
        self.assertTrue(any(not d.microsecond for d in dts))

    def test_compound_values(self):
        acc = self.store.get_sobject("Account")
        f = acc.field("BillingAddress")
        rec = next(r for r in acc.records if r["BillingCity"] and r["BillingLatitude"] is not None)
        value = schema.compound_value(acc, f, rec)
        self.assertEqual(value["city"], rec["BillingCity"])
        self.assertEqual(sorted(value), sorted(["city", "country", "countryCode", "geocodeAccuracy",
                                                "latitude", "longitude", "postalCode", "state",
                                                "stateCode", "street"]))
        empty = next(r for r in acc.records if r["ShippingCity"] is None)
        self.assertIsNone(schema.compound_value(acc, acc.field("ShippingAddress"), empty))
        inv = self.store.get_sobject("Invoice__c")
        rec = next(r for r in inv.records if r["Location__Latitude__s"] is not None)
        self.assertEqual(schema.compound_value(inv, inv.field("Location__c"), rec),
                         {"latitude": rec["Location__Latitude__s"],
                          "longitude": rec["Location__Longitude__s"]})

    def test_child_relationships(self):
        acc = self.store.get_sobject("Account").describe
        rels = {r["relationshipName"]: r for r in acc["childRelationships"] if r["relationshipName"]}
        self.assertEqual(rels["Contacts"]["childSObject"], "Contact")
        self.assertEqual(rels["Contacts"]["field"], "AccountId")
        self.assertEqual(rels["Invoices__r"]["field"], "Account__c")
        self.assertEqual(rels["Opportunities"]["childSObject"], "Opportunity")
        self.assertEqual(rels["ChildAccounts"]["field"], "ParentId")
        for r in acc["childRelationships"]:
            self.assertEqual(tuple(r), schema.CHILD_RELATIONSHIP_KEYS)
        self.assertIsNotNone(schema.child_relationship(acc, "contacts"))
        inv = self.store.get_sobject("Invoice__c")
        self.assertEqual(inv.relationship("account__r")["name"], "Account__c")


class DescribeBuilderTest(unittest.TestCase):

    def test_field_keys_complete(self):
        for so in dataset.describes():
            self.assertEqual(tuple(so), schema.DESCRIBE_KEYS)
            for f in so["fields"]:
                self.assertEqual(tuple(f), schema.FIELD_KEYS, f["name"])
            names = [f["name"] for f in so["fields"]]
            self.assertEqual(len(names), len(set(names)))
            for std in ("Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate",
                        "LastModifiedById", "SystemModstamp"):
                self.assertIn(std, names)

    def test_type_defaults(self):
        f = schema.field("Notes__c", "textarea", length=32768)
        self.assertFalse(f["filterable"])
        self.assertFalse(f["sortable"])
        self.assertEqual(f["byteLength"], 3 * 32768)
        self.assertTrue(schema.field("Short__c", "textarea")["filterable"])
        self.assertFalse(schema.field("Tags__c", "multipicklist")["sortable"])
        self.assertTrue(schema.field("Tags__c", "multipicklist")["filterable"])
        self.assertFalse(schema.field("Blob__c", "base64")["filterable"])
        self.assertFalse(schema.field("Secret__c", "encryptedstring")["filterable"])
        self.assertTrue(schema.field("Secret__c", "encryptedstring")["encrypted"])
        amount = schema.field("Amount", "currency")
        self.assertEqual((amount["soapType"], amount["precision"], amount["scale"]),
                         ("xsd:double", 18, 2))
        self.assertFalse(amount["groupable"])
        self.assertTrue(amount["aggregatable"])
        self.assertFalse(amount["custom"])
        flag = schema.field("Flag__c", "boolean")
        self.assertEqual((flag["nillable"], flag["defaultValue"], flag["soapType"]),
                         (False, False, "xsd:boolean"))
        self.assertEqual(schema.field("Seq__c", "long")["soapType"], "xsd:long")
        self.assertEqual(schema.field("Id", "id")["soapType"], "tns:ID")
        self.assertEqual(schema.field("X__c", "date")["soapType"], "xsd:date")
        self.assertEqual(schema.field("X__c", "datetime")["soapType"], "xsd:dateTime")
        self.assertEqual(schema.field("X__c", "time")["soapType"], "xsd:time")
        self.assertEqual(schema.field("Who", "reference", referenceTo=["Contact", "Lead"])
                         ["polymorphicForeignKey"], True)
        with self.assertRaises(ValueError):
            schema.field("X", "nosuchtype")

    def test_normalize_describe(self):
        d = schema.normalize_describe({
            "name": "Widget__c", "keyPrefix": "a05",
            "fields": [{"name": "Qty__c", "type": "double", "scale": 0},
                       {"name": "Account__c", "type": "reference", "referenceTo": ["Account"],
                        "childRelationshipName": "Widgets__r"},
                       {"name": "Spot__c", "type": "location"},
                       {"name": "Code__c", "type": "string", "length": 10, "externalId": True}]})
        self.assertEqual(tuple(d), schema.DESCRIBE_KEYS)
        self.assertTrue(d["custom"])
        names = [f["name"] for f in d["fields"]]
        self.assertEqual(names[:2], ["Id", "Name"])
        for n in ("Spot__Latitude__s", "Spot__Longitude__s", "Spot__c", "SystemModstamp"):
            self.assertIn(n, names)
        by = {f["name"]: f for f in d["fields"]}
        self.assertEqual(by["Account__c"]["relationshipName"], "Account__r")
        self.assertTrue(by["Code__c"]["idLookup"])
        self.assertEqual(by["Code__c"]["byteLength"], 30)
        for f in d["fields"]:
            self.assertEqual(tuple(f), schema.FIELD_KEYS)
        account = schema.sobject("Account", "001")
        schema.link_child_relationships([account, d])
        self.assertEqual(schema.child_relationship(account, "Widgets__r")["childSObject"],
                         "Widget__c")

    def test_global_describe_and_versions(self):
        g = schema.global_describe(dataset.describes(), "61.0")
        self.assertEqual(g["encoding"], "UTF-8")
        self.assertEqual(g["maxBatchSize"], 200)
        entry = next(e for e in g["sobjects"] if e["name"] == "Account")
        self.assertEqual(tuple(entry), schema.GLOBAL_KEYS)
        self.assertEqual(entry["urls"]["describe"], "/services/data/v61.0/sobjects/Account/describe")


if __name__ == "__main__":
    unittest.main()
