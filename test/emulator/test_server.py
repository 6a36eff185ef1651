"""The emulator's HTTP surface: token flow, sessions, describe, query paging,
limits, sObject rows and field errors, collections, composite, gzip, faults,
request log (emuctl has its own file)."""

import base64
import gzip
import http.client
import json
import time
import unittest
import urllib.parse

from emulator.emu_fixture import API, CLIENT_ID, CLIENT_SECRET, Emu

FORM = {"Content-Type": "application/x-www-form-urlencoded"}

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


def token_request(emu, body, headers=FORM):
    return emu.post("/services/oauth2/token", body, headers, token=False)


class TokenTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emu.start_for(cls, "--dataset", "none")

    def setUp(self):
        self.emu.reset("none")

    def test_success_shape(self):
        status, _, body = token_request(self.emu, "grant_type=client_credentials&client_id=%s"
                                        "&client_secret=%s" % (CLIENT_ID, CLIENT_SECRET))
        self.assertEqual(status, 200)
        self.assertEqual(sorted(body), ["access_token", "id", "instance_url", "issued_at",
                                        "scope", "signature", "token_format", "token_type"])
        self.assertTrue(body["access_token"].startswith("00D"))
        self.assertIn("!", body["access_token"])
        self.assertEqual(body["instance_url"], self.emu.url)
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["scope"], "api")
        self.assertEqual(body["token_format"], "opaque")
        self.assertRegex(body["issued_at"], r"^\d{13}$")
        org, user = body["id"].split("/")[-2:]
        self.assertTrue(org.startswith("00D") and len(org) == 18)
        self.assertTrue(user.startswith("005") and len(user) == 18)
        import hashlib
        import hmac
        sig = base64.b64encode(hmac.new(CLIENT_SECRET.encode(),
                                        (body["id"] + body["issued_at"]).encode(),
                                        hashlib.sha256).digest()).decode()
        self.assertEqual(body["signature"], sig)
        _, _, again = token_request(self.emu, "grant_type=client_credentials&client_id=%s"
                                    "&client_secret=%s" % (CLIENT_ID, CLIENT_SECRET))
        self.assertNotEqual(again["access_token"], body["access_token"])

    def test_basic_auth(self):
        auth = base64.b64encode(("%s:%s" % (CLIENT_ID, CLIENT_SECRET)).encode()).decode()
        status, _, body = token_request(self.emu, "grant_type=client_credentials",
                                        dict(FORM, Authorization="Basic " + auth))
        self.assertEqual(status, 200, body)
        status, _, _ = self.emu.get(API + "/limits", token=body["access_token"])
        self.assertEqual(status, 200)

    def check_error(self, body, error, description, headers=FORM):
        status, _, out = token_request(self.emu, body, headers)
        self.assertEqual((status, out), (400, {"error": error, "error_description": description}))

    def test_errors(self):
        ok = "grant_type=client_credentials&client_id=%s&client_secret=%s" % (CLIENT_ID, CLIENT_SECRET)
        self.check_error("grant_type=client_credentials&client_id=nope&client_secret=x",
                         "invalid_client_id", "client identifier invalid")
        self.check_error("grant_type=client_credentials&client_id=%s&client_secret=bad" % CLIENT_ID,
                         "invalid_client", "invalid client credentials")
        self.check_error("grant_type=password&client_id=%s&client_secret=%s" % (CLIENT_ID, CLIENT_SECRET),
                         "unsupported_grant_type", "grant type not supported")
        self.check_error("client_id=%s&client_secret=%s" % (CLIENT_ID, CLIENT_SECRET),
                         "invalid_request", "grant type is missing")
        self.check_error(json.dumps({"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                     "client_secret": CLIENT_SECRET}),
                         "unsupported_grant_type", "grant type not supported",
                         {"Content-Type": "application/json"})
        for host in ("login.salesforce.com", "test.salesforce.com"):
            self.check_error(ok, "invalid_grant", "request not supported on this domain",
                             dict(FORM, Host=host))
        self.emu.control("POST", "oauth", {"run_as_user": False})
        self.check_error(ok, "invalid_grant", "no client credentials user enabled")
        self.emu.control("POST", "oauth", {"run_as_user": True})
        status, _, _ = token_request(self.emu, ok)
        self.assertEqual(status, 200)

    def test_token_not_counted_and_logged(self):
        self.emu.clear_log()
        self.emu.token(refresh=True)
        log = self.emu.requests()
        self.assertEqual([(e["method"], e["path"], e["status"]) for e in log],
                         [("POST", "/services/oauth2/token", 200)])
        self.assertNotIn(CLIENT_SECRET, log[0]["body"])


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

    def test_uri_too_long(self):
        soql = "SELECT Id FROM Widget__c WHERE Name IN (%s)" % ",".join(["'abcdefgh'"] * 1700)
        status, _, _ = self.emu.query(soql)
        self.assertEqual(status, 414)
        status, _, _ = self.emu.query("SELECT Id FROM Widget__c")
        self.assertEqual(status, 200)

    def test_gzip(self):
        self.emu.load("Widget__c", [{"Name": "W%d" % i} for i in range(50)])
        path = API + "/query?q=" + urllib.parse.quote("SELECT Id, Name FROM Widget__c")
        status, headers, raw = self.emu.request("GET", path, headers={"Accept-Encoding": "gzip"},
                                                raw=True)
        self.assertEqual(headers.get("content-encoding"), "gzip")
        self.assertEqual(int(headers["content-length"]), len(gzip.compress(b"x")) and
                         int(headers["content-length"]))
        self.assertEqual(json.loads(raw)["totalSize"], 50)
        _, headers, _ = self.emu.request("GET", path, raw=True)
        self.assertNotIn("content-encoding", headers)
        # Small bodies are sent as they are.
        _, headers, _ = self.emu.request("GET", API + "/limits/recordCount?sObjects=Account",
                                         headers={"Accept-Encoding": "gzip"}, raw=True)
        self.assertNotIn("content-encoding", headers)

    def test_concurrent_clients(self):
        import threading
        errors = []
        token = self.emu.token()        # the fixture's connection is not shared by threads

        def work(n):
            try:
                conn = http.client.HTTPConnection(self.emu.host, self.emu.port, timeout=60)
                auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
                for i in range(10):
                    conn.request("POST", API + "/sobjects/Widget__c",
                                 json.dumps({"Name": "t%d-%d" % (n, i)}), auth)
                    resp = conn.getresponse()
                    resp.read()
                    if resp.status != 201:
                        errors.append(resp.status)
                    conn.request("GET", API + "/query?q=SELECT+Id+FROM+Widget__c", headers=auth)
                    resp = conn.getresponse()
                    resp.read()
                    if resp.status != 200:
                        errors.append(resp.status)
                conn.close()
            except Exception as e:      # reported below
                errors.append(e)
        threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(self.emu.query("SELECT COUNT() FROM Widget__c")[2]["totalSize"], 60)

    def test_keep_alive(self):
        conn = http.client.HTTPConnection(self.emu.host, self.emu.port)
        for _ in range(3):
            conn.request("GET", "/services/data/")
            resp = conn.getresponse()
            resp.read()
            self.assertEqual(resp.status, 200)
            self.assertIsNotNone(resp.getheader("Content-Length"))
        conn.close()


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

    def test_dml_interface(self):
        # The entry point Bulk API ingest uses: strings coerced like REST values.
        from sfemu_lib.server import Emulator
        emu = Emulator(dataset="none")
        from sfemu_lib import schema
        emu.store.define(schema.normalize_describe(WIDGET))
        res = emu.dml("Widget__c", "insert", [{"Name": "a", "Qty__c": "4", "Active__c": "true"},
                                              {"Qty__c": "1"}])
        self.assertTrue(res[0]["success"])
        self.assertEqual(res[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING")
        wid = res[0]["id"]
        res = emu.dml("Widget__c", "update", [{"Id": wid, "Qty__c": "5"}])
        self.assertTrue(res[0]["success"])
        self.assertEqual(emu.store.get_record(wid)[1]["Qty__c"], 5)
        res = emu.dml("Widget__c", "upsert", [{"Code__c": "K", "Name": "k"}], ext_field="Code__c")
        self.assertEqual(res[0]["created"], True)
        res = emu.dml("Widget__c", "delete", [{"Id": wid}, {"Id": wid}])
        self.assertEqual([r["success"] for r in res], [True, False])
        self.assertEqual(res[1]["errors"][0]["statusCode"], "ENTITY_IS_DELETED")
        res = emu.dml("Widget__c", "hardDelete", [{"Id": wid}])
        self.assertTrue(res[0]["success"])
        self.assertEqual(emu.store.get_record(wid), (None, None))


class CollectionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emu.start_for(cls, "--dataset", "none")

    def setUp(self):
        make_org(self.emu)

    def records(self, *names):
        return [{"attributes": {"type": "Widget__c"}, "Name": n} for n in names]

    def count(self):
        return self.emu.query("SELECT COUNT() FROM Widget__c")[2]["totalSize"]

    def test_create_partial(self):
        status, _, out = self.emu.post(API + "/composite/sobjects",
                                       {"allOrNone": False, "records": self.records("a", "", "c")})
        self.assertEqual(status, 200)
        self.assertEqual([r["success"] for r in out], [True, False, True])
        self.assertEqual(out[1]["errors"], [{"statusCode": "REQUIRED_FIELD_MISSING",
                                             "message": "Required fields are missing: [Name]",
                                             "fields": ["Name"]}])
        self.assertEqual(self.count(), 2)

    def test_create_all_or_none(self):
        status, _, out = self.emu.post(API + "/composite/sobjects",
                                       {"allOrNone": True, "records": self.records("a", "", "c")})
        self.assertEqual(status, 200)
        self.assertEqual([r["success"] for r in out], [False, False, False])
        self.assertEqual(out[0]["errors"][0]["statusCode"], "ALL_OR_NONE_OPERATION_ROLLED_BACK")
        self.assertEqual(out[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING")
        self.assertEqual(self.count(), 0)

    def test_update_delete_upsert_retrieve(self):
        _, _, out = self.emu.post(API + "/composite/sobjects", {"records": self.records("a", "b")})
        ids = [r["id"] for r in out]
        status, _, out = self.emu.patch(API + "/composite/sobjects", {"allOrNone": True, "records": [
            {"attributes": {"type": "Widget__c"}, "id": ids[0], "Qty__c": 1},
            {"attributes": {"type": "Widget__c"}, "id": ids[1], "Qty__c": "x"}]})
        self.assertEqual(out[0], {"id": ids[0], "success": False, "errors": [
            {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message":
             "Record rolled back because not all records were valid and the request was using "
             "AllOrNone header", "fields": []}]})
        _, _, got = self.emu.get(API + "/composite/sobjects/Widget__c?ids=%s,%s,001RO0000000001AAA"
                                 "&fields=Name,Qty__c" % tuple(ids))
        self.assertEqual([g and (g["Name"], g["Qty__c"]) for g in got], [("a", None), ("b", None), None])
        status, _, out = self.emu.patch(API + "/composite/sobjects/Widget__c/Code__c", {"records": [
            {"attributes": {"type": "Widget__c"}, "Code__c": "K1", "Name": "k1"}]})
        self.assertEqual((out[0]["success"], out[0]["created"]), (True, True))
        status, _, out = self.emu.delete(API + "/composite/sobjects?ids=%s,%s&allOrNone=false"
                                         % (ids[0], ids[0]))
        self.assertEqual([r["success"] for r in out], [True, False])
        self.assertEqual(out[1]["errors"][0]["statusCode"], "ENTITY_IS_DELETED")
        status, _, out = self.emu.delete(API + "/composite/sobjects?ids=%s,a01RO0000000zzzAAA&allOrNone=true"
                                         % ids[1])
        self.assertEqual(out[0]["errors"][0]["statusCode"], "ALL_OR_NONE_OPERATION_ROLLED_BACK")
        self.assertEqual(self.count(), 2)

    def test_limit(self):
        expected = [{"message": "record limit reached. cannot submit more than 200 records into this call",
                     "errorCode": "EXCEEDED_ID_LIMIT"}]
        status, _, out = self.emu.post(API + "/composite/sobjects",
                                       {"records": self.records(*["n%d" % i for i in range(201)])})
        self.assertEqual((status, out), (400, expected))
        status, _, out = self.emu.delete(API + "/composite/sobjects?ids=" +
                                         ",".join(["a01RO0000000001AAA"] * 201))
        self.assertEqual((status, out), (400, expected))
        self.assertEqual(self.count(), 0)

    def test_composite_batch(self):
        used_before = self.emu.control("GET", "limits")["used"]
        status, _, out = self.emu.post(API + "/composite/batch", {"batchRequests": [
            {"method": "POST", "url": "v66.0/sobjects/Widget__c", "richInput": {"Name": "b1"}},
            {"method": "GET", "url": "v66.0/query?q=SELECT+Name+FROM+Widget__c"},
            {"method": "GET", "url": "v66.0/sobjects/Nope/describe"},
        ]})
        self.assertEqual(status, 200)
        # every subrequest of a batch is a call against the daily allowance
        self.assertEqual(self.emu.control("GET", "limits")["used"] - used_before, 3)
        self.assertTrue(out["hasErrors"])
        self.assertEqual([r["statusCode"] for r in out["results"]], [201, 200, 404])
        self.assertEqual(out["results"][1]["result"]["records"][0]["Name"], "b1")
        self.emu.clear_log()
        status, _, out = self.emu.post(API + "/composite/batch", {"haltOnError": True, "batchRequests": [
            {"method": "GET", "url": "v66.0/sobjects/Nope/describe"},
            {"method": "GET", "url": "v66.0/limits"}]})
        self.assertEqual([r["statusCode"] for r in out["results"]], [404, 412])
        status, _, out = self.emu.post(API + "/composite/batch", {"batchRequests": [
            {"method": "GET", "url": "v66.0/limits"}] * 26})
        self.assertEqual(status, 400)
        self.assertEqual(len(self.emu.requests()), 2)

    def test_composite(self):
        long_in = ",".join(["'%s'" % ("x" * 18)] * 900)
        status, headers, out = self.emu.post(API + "/composite", {"allOrNone": False, "compositeRequest": [
            {"method": "POST", "url": "/services/data/v66.0/sobjects/Widget__c", "referenceId": "w",
             "body": {"Name": "c1"}},
            {"method": "GET", "url": "/services/data/v66.0/sobjects/Widget__c/@{w.id}?fields=Name",
             "referenceId": "r"},
            {"method": "GET", "url": "/services/data/v66.0/query?q=" + urllib.parse.quote(
                "SELECT Id FROM Widget__c WHERE Name IN (%s)" % long_in), "referenceId": "q"},
        ]})
        self.assertEqual(status, 200)
        self.assertEqual(headers["sforce-limit-info"], "api-usage=1/100000")  # one call
        res = out["compositeResponse"]
        self.assertEqual([r["httpStatusCode"] for r in res], [201, 200, 200])
        self.assertTrue(res[0]["httpHeaders"]["Location"].endswith(res[0]["body"]["id"]))
        self.assertEqual(res[1]["body"]["Name"], "c1")
        self.assertEqual(res[2]["body"]["totalSize"], 0)
        self.emu.load("Widget__c", [{"Name": "p%03d" % i} for i in range(300)])
        status, _, out = self.emu.post(API + "/composite", {"compositeRequest": [
            {"method": "GET", "url": "/services/data/v66.0/query?q=SELECT+Id+FROM+Widget__c",
             "referenceId": "q", "httpHeaders": {"Sforce-Query-Options": "batchSize=200"}},
            {"method": "GET", "url": "@{q.nextRecordsUrl}", "referenceId": "more"},
            {"method": "POST", "url": "/services/data/v66.0/composite", "referenceId": "nested",
             "body": {"compositeRequest": []}}]})
        res = out["compositeResponse"]
        self.assertEqual([r["httpStatusCode"] for r in res], [200, 200, 400])
        self.assertEqual((len(res[0]["body"]["records"]), len(res[1]["body"]["records"])), (200, 101))
        status, _, out = self.emu.post(API + "/composite", {"allOrNone": True, "compositeRequest": [
            {"method": "POST", "url": "/services/data/v66.0/sobjects/Widget__c", "referenceId": "a",
             "body": {"Name": "c2"}},
            {"method": "POST", "url": "/services/data/v66.0/sobjects/Widget__c", "referenceId": "b",
             "body": {"Qty__c": 1}},
        ]})
        res = out["compositeResponse"]
        self.assertEqual([r["httpStatusCode"] for r in res], [400, 400])
        self.assertEqual(res[0]["body"][0]["errorCode"], "PROCESSING_HALTED")
        self.assertEqual(res[1]["body"][0]["errorCode"], "REQUIRED_FIELD_MISSING")
        self.assertEqual(self.count(), 301)      # c1 and the 300 loaded; c2 rolled back
        status, _, out = self.emu.post(API + "/composite", {"compositeRequest": [
            {"method": "GET", "url": "/services/data/v66.0/limits", "referenceId": "l%d" % i}
            for i in range(26)]})
        self.assertEqual((status, out[0]["errorCode"]), (400, "LIMIT_EXCEEDED"))
        status, _, out = self.emu.post(API + "/composite", {"allOrNone": True})
        self.assertEqual((status, out[0]["errorCode"]), (400, "JSON_PARSER_ERROR"))


class FaultAndLogTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emu.start_for(cls, "--dataset", "none")

    def setUp(self):
        make_org(self.emu)
        self.emu.token()
        self.emu.clear_log()

    def test_status_fault(self):
        body = [{"errorCode": "SERVER_UNAVAILABLE", "message": "down"}]
        self.emu.control("POST", "faults", [{"method": "GET", "path": "/limits$", "status": 503,
                                             "body": body, "times": 2}])
        self.assertEqual(self.emu.get(API + "/limits")[:3:2], (503, body))
        self.assertEqual(self.emu.get(API + "/limits")[0], 503)
        self.assertEqual(self.emu.get(API + "/limits")[0], 200)
        self.emu.control("POST", "faults", {"path": "sobjects", "status": 503, "body": "<html>down</html>"})
        status, headers, text = self.emu.get(API + "/sobjects")
        self.assertEqual((status, text), (503, "<html>down</html>"))
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.emu.control("POST", "faults", {"path": "FROM Widget__c WHERE", "status": 500})
        self.assertEqual(self.emu.query("SELECT Id FROM Widget__c")[0], 200)
        self.assertEqual(self.emu.query("SELECT Id FROM Widget__c WHERE Name = 'x'")[0], 500)
        self.emu.control("POST", "faults", {"path": "sobjects", "status": 500, "times": 5})
        self.emu.control("DELETE", "faults")
        self.assertEqual(self.emu.get(API + "/sobjects")[0], 200)

    def test_delay_and_drop(self):
        self.emu.control("POST", "faults", {"path": "limits", "delay_ms": 300})
        start = time.monotonic()
        self.assertEqual(self.emu.get(API + "/limits")[0], 200)
        self.assertGreaterEqual(time.monotonic() - start, 0.3)
        self.emu.control("POST", "faults", {"path": "limits", "drop": True})
        conn = http.client.HTTPConnection(self.emu.host, self.emu.port, timeout=10)
        conn.request("GET", API + "/limits", headers={"Authorization": "Bearer " + self.emu.token()})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            conn.getresponse()
        conn.close()
        self.assertEqual(self.emu.get(API + "/limits")[0], 200)
        self.assertEqual([e["status"] for e in self.emu.requests()], [200, 0, 200])

    def _raw(self, method, path, body=None):
        """(response or the exception raised, connection) on a new connection."""
        conn = http.client.HTTPConnection(self.emu.host, self.emu.port, timeout=10)
        headers = {"Authorization": "Bearer " + self.emu.token()}
        if body is not None:
            body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=headers)
        try:
            return conn.getresponse(), conn
        except (http.client.HTTPException, ConnectionError) as e:
            return e, conn

    def test_drop_after_carries_the_request_out(self):
        self.emu.control("POST", "faults", {"method": "POST", "path": "/composite/sobjects$",
                                            "drop": "after"})
        rows = {"allOrNone": False, "records": [{"attributes": {"type": "Widget__c"},
                                                 "Name": "N%d" % i} for i in range(3)]}
        resp, conn = self._raw("POST", API + "/composite/sobjects", rows)
        conn.close()
        self.assertIsInstance(resp, (http.client.RemoteDisconnected, ConnectionError))
        self.assertEqual(len(self.emu.control("GET", "records/Widget__c")), 3)
        self.assertEqual([(e["status"], e["fault"]) for e in self.emu.requests()],
                         [(0, "drop-after")])
        # "drop": true and "before" carry nothing out
        for drop in (True, "before"):
            self.emu.control("POST", "faults", {"method": "POST", "drop": drop})
            resp, conn = self._raw("POST", API + "/composite/sobjects", rows)
            conn.close()
            self.assertIsInstance(resp, (http.client.RemoteDisconnected, ConnectionError))
        self.assertEqual(len(self.emu.control("GET", "records/Widget__c")), 3)
        self.assertEqual(self.emu.post(API + "/composite/sobjects", rows)[0], 200)
        self.assertEqual(len(self.emu.control("GET", "records/Widget__c")), 6)

    def test_truncate(self):
        make_org(self.emu, widgets=50)
        self.emu.token()
        self.emu.clear_log()
        self.emu.control("POST", "faults", {"path": "/query", "truncate": 100})
        resp, conn = self._raw("GET", API + "/query?q=" + urllib.parse.quote("SELECT Name FROM Widget__c"))
        self.assertEqual(resp.status, 200)
        length = int(resp.getheader("Content-Length"))
        self.assertGreater(length, 100)
        with self.assertRaises(http.client.IncompleteRead) as cm:
            resp.read()
        self.assertEqual(len(cm.exception.partial), 100)
        conn.close()
        # truncated on the wire, after gzip; the log says what was done
        self.emu.control("POST", "faults", {"path": "/query", "truncate": 10})
        conn = http.client.HTTPConnection(self.emu.host, self.emu.port, timeout=10)
        conn.request("GET", API + "/query?q=" + urllib.parse.quote("SELECT Name FROM Widget__c"),
                     headers={"Authorization": "Bearer " + self.emu.token(),
                              "Accept-Encoding": "gzip"})
        resp = conn.getresponse()
        self.assertEqual(resp.getheader("Content-Encoding"), "gzip")
        with self.assertRaises(http.client.IncompleteRead) as cm:
            resp.read()
        self.assertEqual(len(cm.exception.partial), 10)
        conn.close()
        self.assertEqual([e["fault"] for e in self.emu.requests()], ["truncate", "truncate"])
        self.assertEqual(self.emu.query("SELECT Name FROM Widget__c")[0], 200)

    def test_skip_html_body_and_retry_after(self):
        self.emu.control("POST", "faults", {"path": "/limits$", "skip": 2, "times": 1, "status": 502,
                                            "body": "<html><body>Bad Gateway</body></html>",
                                            "headers": {"Retry-After": "2"}})
        got = [self.emu.get(API + "/limits") for _ in range(4)]
        self.assertEqual([g[0] for g in got], [200, 200, 502, 200])
        self.assertTrue(got[2][1]["content-type"].startswith("text/html"))
        self.assertEqual((got[2][1]["retry-after"], got[2][2]),
                         ("2", "<html><body>Bad Gateway</body></html>"))
        # malformed JSON labelled as JSON
        self.emu.control("POST", "faults", {"path": "/limits$", "status": 200, "body": '{"Daily',
                                            "content_type": "application/json;charset=UTF-8"})
        status, headers, text = self.emu.request("GET", API + "/limits", raw=True)
        self.assertEqual((status, text), (200, b'{"Daily'))
        self.assertTrue(headers["content-type"].startswith("application/json"))
        self.assertEqual([e["fault"] for e in self.emu.requests()],
                         [None, None, "status", None, "status"])
        for bad in ({"drop": "later"}, {"truncate": -1}, {"skip": "x"}, {"bogus": 1},
                    {"headers": ["Retry-After"]}):
            with self.assertRaises(RuntimeError):
                self.emu.control("POST", "faults", bad)

    def test_request_log_sizes(self):
        q = "SELECT Id FROM Widget__c WHERE Name = '%s'" % ("x" * 300)
        self.emu.query(q)
        entry = self.emu.requests()[-1]
        self.assertEqual(entry["uri_bytes"], len(API + "/query?q=" + urllib.parse.quote(q)))
        self.assertGreater(entry["header_bytes"], len("Authorization") + 7)

    def test_latency(self):
        emu = Emu("--dataset", "none", "--latency-ms", "200")
        try:
            start = time.monotonic()
            emu.get("/services/data/")
            self.assertGreaterEqual(time.monotonic() - start, 0.2)
            start = time.monotonic()
            emu.requests()
            self.assertLess(time.monotonic() - start, 0.2)
        finally:
            emu.stop()

    def test_request_log(self):
        self.emu.query("SELECT Id FROM Widget__c WHERE Name = 'a b'", {"Accept-Encoding": "gzip"})
        self.emu.post(API + "/sobjects/Widget__c", {"Name": "logged"})
        self.emu.control("GET", "records/Widget__c")
        log = self.emu.requests()
        self.assertEqual(len(log), 2)
        q = log[0]
        self.assertEqual((q["method"], q["path"], q["query"], q["status"]),
                         ("GET", API + "/query", "SELECT Id FROM Widget__c WHERE Name = 'a b'", 200))
        self.assertEqual(q["headers"]["Accept-Encoding"], "gzip")
        self.assertIsInstance(q["bytes"], int)
        self.assertIn("ms", q)
        self.assertEqual(json.loads(log[1]["body"]), {"Name": "logged"})
        self.assertIsNone(log[1]["query"])
        self.emu.clear_log()
        self.assertEqual(self.emu.requests(), [])

    def test_reset_and_dump(self):
        self.emu.load("Widget__c", [{"Name": "d1"}, {"Name": "d2", "IsDeleted": True}])
        dump = self.emu.control("GET", "records/Widget__c")
        self.assertEqual([(r["Name"], r["IsDeleted"]) for r in dump], [("d1", False), ("d2", True)])
        old = self.emu.token()
        self.emu.reset("none")
        status, _, _ = self.emu.get(API + "/sobjects/Widget__c/describe", token=old)
        self.assertEqual(status, 401)        # tokens cleared too
        status, _, _ = self.emu.get(API + "/sobjects/Widget__c/describe", token=self.emu.token(True))
        self.assertEqual(status, 404)


if __name__ == "__main__":
    unittest.main()
