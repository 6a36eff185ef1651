"""The REST API (sfemu_lib/rest.py): over HTTP, sessions, versions, describe,
query paging, limits, sObject rows and field errors; in process, serve() and
its helpers.  Composite and collections, the token endpoint, the HTTP front
and the control API have files of their own."""

import base64
import time
import unittest

from emulator.emu_fixture import API, Emu
from sfemu_lib import rest, schema
from sfemu_lib.org import Emulator
from sfemu_lib.messages import VERSIONS, Headers
from sfemu_lib.store import json_dumps

ACCOUNT = {"name": "Account", "keyPrefix": "001", "fields": [
    {"name": "Industry", "type": "picklist", "picklistValues": ["Banking", "Energy"]},
    {"name": "AccountNumber", "type": "string", "length": 40},
]}
WIDGET = {"name": "Widget__c", "keyPrefix": "a01", "fields": [
    {"name": "Name", "type": "string", "length": 20, "nillable": False},
    {"name": "Code__c", "type": "string", "length": 20, "externalId": True},
    {"name": "Serial__c", "type": "string", "length": 20, "unique": True},
    {"name": "Price__c", "type": "currency", "precision": 10, "scale": 2},
    {"name": "Qty__c", "type": "int"},
    {"name": "Active__c", "type": "boolean"},
    {"name": "Color__c", "type": "picklist", "picklistValues": ["Red", "Green"],
     "restrictedPicklist": True},
    {"name": "Due__c", "type": "date"},
    {"name": "Seen__c", "type": "datetime"},
    {"name": "Account__c", "type": "reference", "referenceTo": ["Account"]},
    {"name": "Total__c", "type": "currency", "calculated": True, "createable": False,
     "updateable": False},
    {"name": "Blob__c", "type": "base64"},
]}


def make_org(emu, widgets=0):
    emu.reset("none")
    emu.define([ACCOUNT, WIDGET])
    if widgets:
        return emu.load("Widget__c", [{"Name": "W%04d" % i, "Qty__c": i} for i in range(widgets)])
    return []


class SessionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emu.start_for(cls, "--dataset", "none")

    def setUp(self):
        make_org(self.emu)

    def test_versions_and_resources(self):
        status, _, body = self.emu.get("/services/data/", token=False)
        self.assertEqual(status, 200)
        self.assertIn({"label": "Spring '26", "url": "/services/data/v66.0", "version": "66.0"}, body)
        self.assertIn({"label": "Summer '14", "url": "/services/data/v31.0", "version": "31.0"}, body)
        self.assertEqual(body[-1]["version"], "67.0")
        status, _, body = self.emu.get("/services/data/v66.0/", token=False)
        self.assertEqual(status, 200)
        self.assertEqual(body["query"], "/services/data/v66.0/query")
        status, _, body = self.emu.get("/services/data/v99.0/sobjects")
        self.assertEqual((status, body[0]["errorCode"]), (404, "NOT_FOUND"))

    def test_401(self):
        expected = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
        for token in (False, "00Dbogus!token"):
            status, _, body = self.emu.get(API + "/sobjects", token=token)
            self.assertEqual((status, body), (401, expected))
        tok = self.emu.token(refresh=True)
        self.assertEqual(self.emu.get(API + "/sobjects", token=tok)[0], 200)
        self.emu.control("POST", "tokens/expire")
        status, _, body = self.emu.get(API + "/sobjects", token=tok)
        self.assertEqual((status, body), (401, expected))

    def test_token_ttl(self):
        emu = Emu("--dataset", "none", "--token-ttl", "0.5")
        try:
            tok = emu.token()
            self.assertEqual(emu.get(API + "/limits", token=tok)[0], 200)
            time.sleep(0.7)
            self.assertEqual(emu.get(API + "/limits", token=tok)[0], 401)
        finally:
            emu.stop()

    def test_limits_header_and_exhaustion(self):
        self.emu.token()
        status, headers, body = self.emu.get(API + "/limits")
        self.assertEqual(status, 200)
        self.assertEqual(headers["sforce-limit-info"], "api-usage=1/100000")
        self.assertEqual(body["DailyApiRequests"], {"Max": 100000, "Remaining": 99999})
        self.emu.control("POST", "limits", {"max": 5, "used": 3})
        _, headers, _ = self.emu.get(API + "/sobjects")
        self.assertEqual(headers["sforce-limit-info"], "api-usage=4/5")
        self.assertEqual(self.emu.get(API + "/sobjects")[0], 200)
        status, headers, body = self.emu.get(API + "/sobjects")
        self.assertEqual((status, body), (403, [{"message": "TotalRequests Limit exceeded.",
                                                 "errorCode": "REQUEST_LIMIT_EXCEEDED"}]))
        self.assertEqual(headers["sforce-limit-info"], "api-usage=5/5")

    def test_record_count(self):
        self.emu.load("Widget__c", [{"Name": "a"}, {"Name": "b"}, {"Name": "c", "IsDeleted": True}])
        status, _, body = self.emu.get(API + "/limits/recordCount?sObjects=Widget__c,Nope,account")
        self.assertEqual(body, {"sObjects": [{"count": 2, "name": "Widget__c"},
                                             {"count": 0, "name": "Account"}]})
        _, _, body = self.emu.get(API + "/limits/recordCount")
        self.assertEqual(len(body["sObjects"]), 2)

    def test_describe(self):
        status, _, body = self.emu.get(API + "/sobjects")
        self.assertEqual(status, 200)
        names = [s["name"] for s in body["sobjects"]]
        self.assertEqual(names, ["Account", "Widget__c"])
        self.assertEqual(body["sobjects"][1]["urls"]["describe"],
                         "/services/data/v66.0/sobjects/Widget__c/describe")
        status, _, body = self.emu.get("/services/data/v60.0/sobjects/widget__C/describe")
        self.assertEqual(status, 200)
        self.assertEqual(body["name"], "Widget__c")
        self.assertEqual(body["urls"]["sobject"], "/services/data/v60.0/sobjects/Widget__c")
        self.assertIn("Price__c", [f["name"] for f in body["fields"]])
        status, _, body = self.emu.get(API + "/sobjects/Widget__c")
        self.assertEqual(body["objectDescribe"]["name"], "Widget__c")
        future = {"If-Modified-Since": "Mon, 30 Nov 2099 08:34:54 GMT"}
        past = {"If-Modified-Since": "Mon, 30 Nov 2020 08:34:54 GMT"}
        self.assertEqual(self.emu.get(API + "/sobjects/Widget__c/describe", headers=future)[:3:2],
                         (304, ""))
        self.assertEqual(self.emu.get(API + "/sobjects", headers=future)[0], 304)
        self.assertEqual(self.emu.get(API + "/sobjects/Widget__c/describe", headers=past)[0], 200)
        status, _, body = self.emu.get(API + "/sobjects/Nope/describe")
        self.assertEqual((status, body), (404, [{"errorCode": "NOT_FOUND",
                                                 "message": "The requested resource does not exist"}]))

class QueryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emu.start_for(cls, "--dataset", "none")

    def setUp(self):
        make_org(self.emu, widgets=450)
        self.emu.token()
        self.emu.clear_log()

    def test_paging(self):
        status, _, page = self.emu.query("SELECT Id, Name FROM Widget__c ORDER BY Name",
                                         {"Sforce-Query-Options": "batchSize=200"})
        self.assertEqual(status, 200)
        self.assertEqual((page["totalSize"], page["done"], len(page["records"])), (450, False, 200))
        self.assertRegex(page["nextRecordsUrl"], r"^/services/data/v66\.0/query/0r8\w+-200$")
        names = [r["Name"] for r in page["records"]]
        # Writes after the first page do not change later pages: no re-run.
        self.emu.load("Widget__c", [{"Name": "W0000a"}])
        while not page["done"]:
            status, _, page = self.emu.get(page["nextRecordsUrl"])
            self.assertEqual(status, 200)
            self.assertEqual(page["totalSize"], 450)
            names += [r["Name"] for r in page["records"]]
        self.assertNotIn("nextRecordsUrl", page)
        self.assertEqual(names, ["W%04d" % i for i in range(450)])
        log = self.emu.requests()
        self.assertEqual([e["path"].split("/")[-1].split("-")[-1] for e in log[1:] if "/query/" in e["path"]],
                         ["200", "400"])
        self.assertEqual(log[0]["query"], "SELECT Id, Name FROM Widget__c ORDER BY Name")
        self.assertEqual(log[0]["headers"]["Sforce-Query-Options"], "batchSize=200")
        self.assertIsNone(log[-1]["query"])
        # The log weighs every page: records carried per response.
        self.assertEqual([e["records"] for e in log if "/query" in e["path"]], [200, 200, 50])

    def test_batch_size_clamped(self):
        _, _, page = self.emu.query("SELECT Id FROM Widget__c", {"Sforce-Query-Options": "batchSize=5"})
        self.assertEqual(len(page["records"]), 200)
        _, _, page = self.emu.query("SELECT Id FROM Widget__c")
        self.assertEqual((len(page["records"]), page["done"]), (450, True))

    def test_query_all_and_invalid_locator(self):
        self.emu.load("Widget__c", [{"Name": "gone", "IsDeleted": True}])
        _, _, page = self.emu.query("SELECT Id FROM Widget__c", {"Sforce-Query-Options": "batchSize=300"},
                                    all_rows=True)
        self.assertEqual(page["totalSize"], 451)
        self.assertIn("/query/", page["nextRecordsUrl"])
        self.emu.control("POST", "locators/expire")
        status, _, body = self.emu.get(page["nextRecordsUrl"])
        self.assertEqual((status, body), (400, [{"errorCode": "INVALID_QUERY_LOCATOR",
                                                 "message": "invalid query locator"}]))
        status, _, body = self.emu.get(API + "/query/0r8xx0000000001AAA-200")
        self.assertEqual(status, 400)

    def test_count_aggregate_error(self):
        _, _, body = self.emu.query("SELECT COUNT() FROM Widget__c")
        self.assertEqual(body, {"totalSize": 450, "done": True, "records": []})
        _, _, body = self.emu.query("SELECT COUNT(Id) n FROM Widget__c",
                                    {"Sforce-Query-Options": "batchSize=200"})
        self.assertEqual(body["records"][0]["n"], 450)
        self.assertTrue(body["done"])
        status, _, body = self.emu.query("SELECT Nope FROM Widget__c")
        self.assertEqual((status, body[0]["errorCode"]), (400, "INVALID_FIELD"))


class RowsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emu.start_for(cls, "--dataset", "none")

    def setUp(self):
        make_org(self.emu)
        self.account = self.emu.load("Account", [{"Name": "Acme"}])[0]

    def create(self, body, status=201):
        s, _, out = self.emu.post(API + "/sobjects/Widget__c", body)
        self.assertEqual(s, status, out)
        return out

    def test_crud(self):
        out = self.create({"Name": "one", "Price__c": "12.5", "Qty__c": 3, "Active__c": True,
                           "Due__c": "2024-01-15", "Seen__c": "2024-01-15T10:30:00Z",
                           "Account__c": self.account[:15], "Color__c": "Red", "Code__c": ""})
        self.assertEqual(sorted(out), ["errors", "id", "success"])
        wid = out["id"]
        self.assertTrue(wid.startswith("a01") and len(wid) == 18)
        status, _, rec = self.emu.get(API + "/sobjects/Widget__c/" + wid)
        self.assertEqual(status, 200)
        self.assertEqual(rec["attributes"], {"type": "Widget__c",
                                             "url": "/services/data/v66.0/sobjects/Widget__c/" + wid})
        self.assertEqual(str(rec["Price__c"]), "12.5")
        self.assertEqual(rec["Seen__c"], "2024-01-15T10:30:00.000+0000")
        self.assertEqual(rec["Account__c"], self.account)
        self.assertIsNone(rec["Code__c"])
        self.assertFalse(rec["IsDeleted"])
        self.assertRegex(rec["CreatedDate"], r"\.\d{3}\+0000$")
        status, _, rec = self.emu.get(API + "/sobjects/Widget__c/%s?fields=Name,Qty__c" % wid)
        self.assertEqual(sorted(rec), ["Name", "Qty__c", "attributes"])
        status, _, body = self.emu.get(API + "/sobjects/Widget__c/%s?fields=Bogus" % wid)
        self.assertEqual((status, body[0]["errorCode"]), (400, "INVALID_FIELD"))
        status, _, body = self.emu.patch(API + "/sobjects/Widget__c/" + wid, {"Qty__c": "7", "Name": "uno"})
        self.assertEqual((status, body), (204, ""))
        _, _, rec = self.emu.get(API + "/sobjects/Widget__c/%s?fields=Name,Qty__c" % wid)
        self.assertEqual((rec["Name"], rec["Qty__c"]), ("uno", 7))
        self.assertEqual(self.emu.delete(API + "/sobjects/Widget__c/" + wid)[0], 204)
        deleted = [{"message": "entity is deleted", "errorCode": "ENTITY_IS_DELETED", "fields": []}]
        for method in ("GET", "PATCH", "DELETE"):
            status, _, body = self.emu.request(method, API + "/sobjects/Widget__c/" + wid,
                                               {"Name": "x"} if method == "PATCH" else None)
            self.assertEqual((status, body), (404, deleted))
        _, _, page = self.emu.query("SELECT Id, IsDeleted FROM Widget__c", all_rows=True)
        self.assertEqual(page["records"][0]["IsDeleted"], True)
        _, _, page = self.emu.query("SELECT Id FROM Widget__c")
        self.assertEqual(page["totalSize"], 0)
        status, _, body = self.emu.get(API + "/sobjects/Widget__c/a01RO0000000zzzAAA")
        self.assertEqual(status, 404)
        self.assertEqual(body[0]["errorCode"], "NOT_FOUND")

    def check(self, body, code, fields=None):
        status, _, out = self.emu.post(API + "/sobjects/Widget__c", body)
        self.assertEqual(status, 400, out)
        self.assertEqual(len(out), 1)
        self.assertEqual(out[0]["errorCode"], code, out)
        if fields is not None:
            self.assertEqual(out[0]["fields"], fields)
        return out[0]["message"]

    def test_field_errors(self):
        msg = self.check({"Name": "x", "Bogus__c": 1}, "INVALID_FIELD", [])
        self.assertEqual(msg, "No such column 'Bogus__c' on sobject of type Widget__c")
        msg = self.check({"Name": "x", "Total__c": 1}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["Total__c"])
        self.assertTrue(msg.startswith("Unable to create/update fields: Total__c."))
        self.check({"Name": "x", "CreatedDate": "2024-01-01T00:00:00Z"},
                   "INVALID_FIELD_FOR_INSERT_UPDATE", ["CreatedDate"])
        msg = self.check({"Qty__c": 1}, "REQUIRED_FIELD_MISSING", ["Name"])
        self.assertEqual(msg, "Required fields are missing: [Name]")
        self.check({"Name": ""}, "REQUIRED_FIELD_MISSING", ["Name"])
        msg = self.check({"Name": "x" * 21}, "STRING_TOO_LONG", ["Name"])
        self.assertEqual(msg, "Name: data value too large: %s (max length=20)" % ("x" * 21))
        self.check({"Name": "x", "Qty__c": "many"}, "INVALID_TYPE_ON_FIELD_IN_RECORD", ["Qty__c"])
        self.check({"Name": "x", "Due__c": "15/01/2024"}, "INVALID_TYPE_ON_FIELD_IN_RECORD", ["Due__c"])
        self.check({"Name": "x", "Active__c": "maybe"}, "INVALID_TYPE_ON_FIELD_IN_RECORD")
        msg = self.check({"Name": "x", "Account__c": "001xyz"}, "MALFORMED_ID", ["Account__c"])
        self.assertEqual(msg, "Account: id value of incorrect type: 001xyz")
        self.check({"Name": "x", "Account__c": "a01RO0000000001AAA"}, "MALFORMED_ID")
        msg = self.check({"Name": "x", "Color__c": "Blue"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                         ["Color__c"])
        self.assertEqual(msg, "Color: bad value for restricted picklist field: Blue")
        self.create({"Name": "x", "Serial__c": "S1"})
        msg = self.check({"Name": "y", "Serial__c": "s1"}, "DUPLICATE_VALUE", [])
        self.assertTrue(msg.startswith("duplicate value found: Serial__c duplicates value on record with id: a01"))
        self.check({"Name": "x", "Price__c": "123456789"}, "NUMBER_OUTSIDE_VALID_RANGE")
        _, _, page = self.emu.query("SELECT COUNT() FROM Widget__c")
        self.assertEqual(page["totalSize"], 1)

    def test_blob(self):
        wid = self.create({"Name": "b", "Blob__c": base64.b64encode(b"\x00\x01binary").decode()})["id"]
        status, headers, data = self.emu.request("GET", API + "/sobjects/Widget__c/%s/Blob__c" % wid,
                                                 raw=True)
        self.assertEqual((status, data), (200, b"\x00\x01binary"))
        _, _, rec = self.emu.get(API + "/sobjects/Widget__c/%s?fields=Blob__c" % wid)
        self.assertEqual(rec["Blob__c"], "/services/data/v66.0/sobjects/Widget__c/%s/Blob__c" % wid)

    def test_exact_numbers(self):
        wid = self.create({"Name": "n", "Price__c": 12345678.91})["id"]
        status, _, rec = self.emu.request("GET", API + "/sobjects/Widget__c/%s?fields=Price__c" % wid,
                                          raw=True)
        self.assertIn(b'"Price__c":1.234567891E7', rec)
        wid = self.create({"Name": "n", "Price__c": "0.125"})["id"]
        _, _, rec = self.emu.get(API + "/sobjects/Widget__c/%s?fields=Price__c" % wid)
        self.assertEqual(str(rec["Price__c"]), "0.13")

    def test_upsert(self):
        path = API + "/sobjects/Widget__c/Code__c/C-1"
        status, _, out = self.emu.patch(path, {"Name": "first"})
        self.assertEqual(status, 201)
        self.assertEqual((out["success"], out["created"], out["errors"]), (True, True, []))
        status, _, out2 = self.emu.patch(path, {"Name": "second"})
        self.assertEqual((status, out2["created"], out2["id"]), (200, False, out["id"]))
        _, _, rec = self.emu.get(API + "/sobjects/Widget__c/%s?fields=Name,Code__c" % out["id"])
        self.assertEqual((rec["Name"], rec["Code__c"]), ("second", "C-1"))
        status, _, rec = self.emu.get(path)
        self.assertEqual((status, rec["Id"]), (200, out["id"]))
        self.emu.load("Widget__c", [{"Name": "dup", "Code__c": "C-2"}, {"Name": "dup", "Code__c": "c-2"}])
        status, _, body = self.emu.patch(API + "/sobjects/Widget__c/Code__c/C-2", {"Name": "z"})
        self.assertEqual(status, 300)
        self.assertEqual(len(body), 2)
        self.assertTrue(body[0].startswith("/services/data/v66.0/sobjects/Widget__c/a01"))
        status, _, body = self.emu.patch(API + "/sobjects/Widget__c/Nope__c/1", {"Name": "z"})
        self.assertEqual((status, body), (404, [{"errorCode": "NOT_FOUND", "message":
                                                 "Provided external ID field does not exist or "
                                                 "is not accessible: Nope__c"}]))
        status, _, out = self.emu.patch(API + "/sobjects/Widget__c/Code__c/a%2Fb%25c", {"Name": "slash"})
        self.assertEqual(status, 201)
        _, _, rec = self.emu.get(API + "/sobjects/Widget__c/%s?fields=Code__c" % out["id"])
        self.assertEqual(rec["Code__c"], "a/b%c")
        status, _, out = self.emu.post(API + "/sobjects/Widget__c/Id", {"Name": "by-id"})
        self.assertEqual((status, out["success"]), (201, True))
        status, _, out = self.emu.patch(API + "/sobjects/Widget__c/Id/" + out["id"], {"Name": "by-id2"})
        self.assertEqual((status, out["created"]), (200, False))
        status, _, body = self.emu.patch(API + "/sobjects/Widget__c/Code__c/C-9", {"Name": ""})
        self.assertEqual((status, body[0]["errorCode"]), (400, "REQUIRED_FIELD_MISSING"))

class InProcessOrg:
    """An Emulator with Account and Widget__c, a token, and serve() calling
    rest.serve() as the HTTP front would: no socket."""

    def setUp(self):
        self.emu = Emulator(dataset="none")
        for d in (ACCOUNT, WIDGET):
            self.emu.store.define(schema.normalize_describe(d))
        self.auth = {"Authorization": "Bearer " + self.emu.issue_token()}

    def serve(self, method, path, body=None, params=None, headers=None):
        data = json_dumps(body).encode() if body is not None else b""
        return rest.serve(self.emu, method, path, params or {},
                          Headers(headers if headers is not None else self.auth), data)


class ServeInProcessTest(InProcessOrg, unittest.TestCase):
    """rest.serve() without a socket: what the HTTP front hands it is all it needs."""

    def test_versions_need_no_token_and_are_not_counted(self):
        reply = self.serve("GET", "/services/data/", headers={})
        self.assertEqual((reply.status, reply.body[-1]["version"]), (200, VERSIONS[-1]))
        self.assertEqual(self.emu.api_used, 0)
        self.assertEqual(rest.version_label("66.0"), "Spring '26")
        self.assertEqual(rest.version_label("31.0"), "Summer '14")
        self.assertEqual(rest.version_label("32.0"), "Winter '15")

    def test_token_checked_then_counted_once(self):
        self.assertEqual(self.serve("GET", API + "/limits", headers={}).status, 401)
        self.assertEqual(self.serve("GET", API + "/limits", headers={"authorization": "Bearer x"})
                         .status, 401)
        reply = self.serve("GET", API + "/limits")
        self.assertEqual((reply.status, reply.headers["Sforce-Limit-Info"]),
                         (200, "api-usage=1/100000"))
        self.emu.api_max = 1
        reply = self.serve("GET", API + "/limits")
        self.assertEqual((reply.status, reply.body[0]["errorCode"]), (403, "REQUEST_LIMIT_EXCEEDED"))
        self.assertEqual(self.emu.api_used, 1)

    def test_method_override_and_not_allowed(self):
        wid = self.emu.dml("Widget__c", "insert", [{"Name": "w"}])[0]["id"]
        path = API + "/sobjects/Widget__c/" + wid
        reply = self.serve("POST", path, {"Name": "v"}, params={"_HttpMethod": "PATCH"})
        self.assertEqual(reply.status, 204)
        self.assertEqual(self.emu.store.get_record(wid)[1]["Name"], "v")
        reply = self.serve("PUT", path, {"Name": "u"})
        self.assertEqual((reply.status, reply.body), (405, [{
            "message": "HTTP Method 'PUT' not allowed. Allowed are GET,PATCH,DELETE,HEAD",
            "errorCode": "METHOD_NOT_ALLOWED"}]))
        reply = self.serve("GET", "/services/oauth2/token")
        self.assertEqual((reply.status, reply.body[0]["errorCode"]), (405, "METHOD_NOT_ALLOWED"))

    def test_malformed_json_body(self):
        reply = self.serve("POST", API + "/sobjects/Widget__c", None)
        self.assertEqual((reply.status, reply.body), (400, rest.NOT_AN_OBJECT))
        reply = rest.serve(self.emu, "POST", API + "/sobjects/Widget__c", {},
                           Headers(self.auth), b"{nope")
        self.assertEqual((reply.status, reply.body[0]["errorCode"]), (400, "JSON_PARSER_ERROR"))


class HelpersTest(unittest.TestCase):
    def test_batch_size(self):
        self.assertEqual([rest._batch_size(h) for h in (None, "batchSize=5", "batchSize = 500",
                                                        "batchSize=99999", "other=1")],
                         [2000, 200, 500, 2000, 2000])



if __name__ == "__main__":
    unittest.main()
