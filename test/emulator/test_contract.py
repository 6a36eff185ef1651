"""The emulator's test-driving contract (issue 2) checked from outside: the
command line and --help, SIGTERM, custom credentials, the --quirk flags as a
client sees them, Sforce-Limit-Info on every data response, the 431 limit,
18-character ids with their checksum, fault rules (method, times, headers),
record loading and the loopback-only rule of the control endpoints.

Run: python3 -m unittest discover -s test/emulator -t test
"""

import gzip
import http.client
import json
import os
import signal
import subprocess
import sys
import unittest
import urllib.parse

from emulator.emu_fixture import API, CLIENT_ID, CLIENT_SECRET, SFEMU, Emu

sys.path.insert(0, os.path.dirname(SFEMU))

from sfemu_lib import store  # noqa: E402

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
GADGET = {"name": "Gadget__c", "keyPrefix": "a07", "fields": [
    {"name": "Name", "type": "string", "length": 20, "nillable": False},
    {"name": "Qty__c", "type": "int"},
    {"name": "Serial__c", "type": "string", "length": 10, "updateable": False},
    {"name": "Kind__c", "type": "picklist", "picklistValues": ["A", "B"]},
]}
ROWS = [{"Name": "one", "Qty__c": 1, "Kind__c": "A"},
        {"Name": "two", "Qty__c": 2, "Kind__c": "B"},
        {"Name": "none"}]


def gadget_org(emu):
    emu.reset("none")
    emu.define(GADGET)
    return emu.load("Gadget__c", ROWS)


def names(emu, soql):
    status, _, body = emu.query(soql)
    assert status == 200, body
    return [r["Name"] for r in body["records"]]


class CommandLineTest(unittest.TestCase):
    def test_help_documents_every_option_and_control(self):
        out = subprocess.run([sys.executable, SFEMU, "--help"], capture_output=True, text=True,
                             check=True).stdout
        flat = " ".join(out.split())
        for option in ("--host", "--port", "--client-id", "--client-secret", "--dataset",
                       "--latency-ms", "--quirk", "--token-ttl", "--api-limit"):
            self.assertIn(option, out)
        self.assertIn("listening on http://HOST:PORT", out)
        self.assertIn("emu-client-id", flat)
        self.assertIn("emu-client-secret", flat)
        # Each quirk is named with what it changes.
        self.assertRegex(flat, r"ne-null-exclude: .*NOT IN")
        self.assertRegex(flat, r"desc-nulls-first: .*DESC")
        for endpoint in ("POST /__emu/reset", "POST /__emu/sobjects", "POST /__emu/records/NAME",
                         "GET /__emu/records/NAME", "GET /__emu/requests",
                         "DELETE /__emu/requests", "POST /__emu/faults", "DELETE /__emu/faults",
                         "POST /__emu/tokens/expire", "POST /__emu/tokens", "POST /__emu/limits",
                         "GET /__emu/limits", "POST /__emu/oauth", "POST /__emu/locators/expire"):
            self.assertIn(endpoint, flat)
        for field in ("method", "path", "query", "status", "bytes", "ms", "headers", "body",
                      "records"):
            self.assertIn('"%s"' % field, flat)

    def test_custom_credentials_limit_and_sigterm(self):
        emu = Emu("--dataset", "none", "--client-id", "my-id", "--client-secret", "my-secret",
                  "--api-limit", "2")
        try:
            self.assertRegex(emu.url, r"^http://127\.0\.0\.1:\d+$")
            status, _, body = emu.post("/services/oauth2/token", "grant_type=client_credentials"
                                       "&client_id=%s&client_secret=%s" % (CLIENT_ID, CLIENT_SECRET),
                                       FORM, token=False)
            self.assertEqual((status, body["error"]), (400, "invalid_client_id"))
            status, _, body = emu.post("/services/oauth2/token", "grant_type=client_credentials"
                                       "&client_id=my-id&client_secret=my-secret", FORM, token=False)
            self.assertEqual(status, 200)
            token = body["access_token"]
            self.assertEqual(emu.get(API + "/limits", token=token)[1]["sforce-limit-info"],
                             "api-usage=1/2")
            self.assertEqual(emu.get(API + "/limits", token=token)[0], 200)
            self.assertEqual(emu.get(API + "/limits", token=token)[0], 403)
        finally:
            emu._conn and emu._conn.close()
            emu._conn = None
            emu.proc.send_signal(signal.SIGTERM)
            rc = emu.proc.wait(10)
            emu.stop()
        self.assertEqual(rc, 0)


class QuirkFlagTest(unittest.TestCase):
    """The UNCONFIRMED behaviours of reference 4.2 as selected at start-up."""

    @classmethod
    def setUpClass(cls):
        cls.default = Emu.start_for(cls, "--dataset", "none")
        cls.quirky = Emu.start_for(cls, "--dataset", "none", "--quirk", "ne-null-exclude",
                                   "--quirk", "desc-nulls-first")
        gadget_org(cls.default)
        gadget_org(cls.quirky)

    def test_ne_and_not_in(self):
        for soql in ("SELECT Name FROM Gadget__c WHERE Qty__c != 1",
                     "SELECT Name FROM Gadget__c WHERE Kind__c NOT IN ('A')",
                     "SELECT Name FROM Gadget__c WHERE Kind__c != 'a'"):
            self.assertEqual(sorted(names(self.default, soql)), ["none", "two"], soql)
            self.assertEqual(names(self.quirky, soql), ["two"], soql)

    def test_desc_nulls(self):
        soql = "SELECT Name FROM Gadget__c ORDER BY Qty__c DESC"
        self.assertEqual(names(self.default, soql), ["two", "one", "none"])
        self.assertEqual(names(self.quirky, soql), ["none", "two", "one"])
        # Explicit NULLS and ASC are the same under both.
        for soql in ("SELECT Name FROM Gadget__c ORDER BY Qty__c",
                     "SELECT Name FROM Gadget__c ORDER BY Qty__c DESC NULLS LAST",
                     "SELECT Name FROM Gadget__c ORDER BY Qty__c ASC NULLS LAST"):
            self.assertEqual(names(self.default, soql), names(self.quirky, soql), soql)
        self.assertEqual(names(self.default, "SELECT Name FROM Gadget__c ORDER BY Qty__c"),
                         ["none", "one", "two"])


class SurfaceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emu.start_for(cls, "--dataset", "none")

    def setUp(self):
        self.ids = gadget_org(self.emu)
        self.emu.token(refresh=True)

    def test_limit_info_on_every_data_response(self):
        emu = self.emu
        emu.load("Gadget__c", [{"Name": "p%d" % i} for i in range(300)])
        used = emu.control("GET", "limits")["used"]
        _, _, first = emu.query("SELECT Id FROM Gadget__c", {"Sforce-Query-Options": "batchSize=200"})
        calls = [
            ("GET", API + "/query?q=" + urllib.parse.quote("SELECT Id FROM Gadget__c"), None),
            ("GET", first["nextRecordsUrl"], None),
            ("GET", API + "/queryAll?q=" + urllib.parse.quote("SELECT Nope FROM Gadget__c"), None),
            ("GET", API + "/query/0r8EM0000000zzzAAA-200", None),
            ("GET", API + "/sobjects", None),
            ("GET", API + "/sobjects/Gadget__c/describe", None),
            ("GET", API + "/sobjects/Nope/describe", None),
            ("POST", API + "/sobjects/Gadget__c", {"Name": "new"}),
            ("POST", API + "/sobjects/Gadget__c", {"Name": "x" * 21}),
            ("GET", API + "/sobjects/Gadget__c/" + self.ids[0], None),
            ("PATCH", API + "/sobjects/Gadget__c/" + self.ids[0], {"Qty__c": 5}),
            ("DELETE", API + "/sobjects/Gadget__c/" + self.ids[1], None),
            ("PUT", API + "/limits", None),
            ("POST", API + "/composite/sobjects",
             {"records": [{"attributes": {"type": "Gadget__c"}, "Name": "c"}]}),
            ("POST", API + "/composite", {"compositeRequest": []}),
            ("GET", API + "/jobs/query", None),
            ("POST", API + "/jobs/query", {"operation": "query", "query": "SELECT Id FROM Gadget__c"}),
            ("GET", API + "/limits/recordCount", None),
            ("GET", API + "/nothing/here", None),
        ]
        statuses = set()
        for i, (method, path, body) in enumerate(calls):
            status, headers, out = emu.request(method, path, body)
            statuses.add(status)
            self.assertEqual(headers.get("sforce-limit-info"),
                             "api-usage=%d/100000" % (used + 2 + i), (method, path, status, out))
        self.assertTrue({200, 201, 204, 400, 404, 405} <= statuses, statuses)
        # Neither the token request nor the version list is a data call.
        self.assertNotIn("sforce-limit-info", emu.get("/services/data/", token=False)[1])
        emu.token(refresh=True)
        self.assertEqual(emu.control("GET", "limits")["used"], used + 1 + len(calls))

    def test_default_and_largest_page(self):
        self.emu.load("Gadget__c", [{"Name": "p%d" % i} for i in range(2500)])
        for header in ({}, {"Sforce-Query-Options": "batchSize=5000"}):
            _, _, page = self.emu.query("SELECT Id FROM Gadget__c", header)
            self.assertEqual((page["totalSize"], len(page["records"]), page["done"]), (2503, 2000, False))
            self.assertTrue(page["nextRecordsUrl"].endswith("-2000"))
            _, _, page = self.emu.get(page["nextRecordsUrl"])
            self.assertEqual((len(page["records"]), page["done"]), (503, True))

    def test_update_checks(self):
        path = API + "/sobjects/Gadget__c/" + self.ids[0]
        status, _, body = self.emu.patch(path, {"Serial__c": "S2"})
        self.assertEqual((status, body[0]["errorCode"], body[0]["fields"]),
                         (400, "INVALID_FIELD_FOR_INSERT_UPDATE", ["Serial__c"]))
        status, _, body = self.emu.patch(path, {"Name": None})
        self.assertEqual((status, body[0]["errorCode"]), (400, "REQUIRED_FIELD_MISSING"))
        status, _, body = self.emu.patch(path, {"Name": "y" * 21})
        self.assertEqual((status, body[0]["errorCode"]), (400, "STRING_TOO_LONG"))
        status, _, body = self.emu.patch(path, {"Qty__c": "many"})
        self.assertEqual((status, body[0]["errorCode"]), (400, "INVALID_TYPE_ON_FIELD_IN_RECORD"))
        self.assertEqual(self.emu.post(API + "/sobjects/Gadget__c", {"Name": "s", "Serial__c": "S1"})[0], 201)

    def test_collection_limit_on_every_verb(self):
        too_many = {"records": [{"attributes": {"type": "Gadget__c"}, "id": self.ids[0], "Name": "n"}] * 201}
        for method, path in (("PATCH", API + "/composite/sobjects"),
                             ("PATCH", API + "/composite/sobjects/Gadget__c/Id")):
            status, _, body = self.emu.request(method, path, too_many)
            self.assertEqual((status, body[0]["errorCode"]), (400, "EXCEEDED_ID_LIMIT"), path)
        _, _, page = self.emu.query("SELECT Name FROM Gadget__c WHERE Name = 'n'")
        self.assertEqual(page["totalSize"], 0)

    def test_gzip_request_body(self):
        # reference 10: requests may be sent with Content-Encoding: gzip.
        body = gzip.compress(json.dumps({"Name": "zipped", "Qty__c": 9}).encode())
        status, _, out = self.emu.post(API + "/sobjects/Gadget__c", body,
                                       {"Content-Type": "application/json", "Content-Encoding": "gzip"})
        self.assertEqual(status, 201, out)
        _, headers, page = self.emu.query("SELECT Qty__c FROM Gadget__c WHERE Name = 'zipped'",
                                          {"Accept-Encoding": "deflate, gzip;q=1.0"})
        self.assertEqual(page["records"][0]["Qty__c"], 9)

    def test_headers_too_large(self):
        status, _, body = self.emu.request("GET", API + "/limits", headers={"X-Big": "a" * 16400})
        self.assertEqual(status, 431)
        self.assertIn("431", body)
        self.assertEqual(self.emu.get(API + "/limits")[0], 200)

    def test_ids_have_prefix_and_checksum(self):
        # Documented ids (reference 5.1).
        self.assertEqual(store.to_id18("001D000000IRFma"), "001D000000IRFmaIAH")
        self.assertEqual(store.to_id18("003RO0000035WQg"), "003RO0000035WQgYAM")
        self.assertEqual(store.to_id18("001D000000IRFmaIAH"), "001D000000IRFmaIAH")
        _, _, out = self.emu.post(API + "/sobjects/Gadget__c", {"Name": "new"})
        for rid in self.ids + [out["id"]]:
            self.assertEqual(len(rid), 18)
            self.assertTrue(rid.startswith("a07"))
            self.assertEqual(store.to_id18(rid[:15]), rid)
        _, _, page = self.emu.query("SELECT Id FROM Gadget__c")
        self.assertEqual(sorted(r["Id"] for r in page["records"]), sorted(self.ids + [out["id"]]))

    def test_records_load_ids_in_order(self):
        given = store.make_id("a07", 999)
        ids = self.emu.load("Gadget__c", [{"Name": "x"}, {"Name": "y", "Id": given[:15]}, {"Name": "z"}])
        self.assertEqual(ids[1], given)
        dump = self.emu.control("GET", "records/Gadget__c")
        self.assertEqual([r["Id"] for r in dump[-3:]], ids)
        self.assertEqual([r["Name"] for r in dump[-3:]], ["x", "y", "z"])

    def test_fault_method_times_and_headers(self):
        emu = self.emu
        emu.control("POST", "faults", {"method": "POST", "path": "/limits$", "status": 500})
        self.assertEqual(emu.get(API + "/limits")[0], 200)          # method differs
        emu.control("DELETE", "faults")
        emu.control("POST", "faults", {"path": "/limits$", "status": 503, "times": None,
                                       "headers": {"Retry-After": "1"},
                                       "body": [{"errorCode": "SERVER_UNAVAILABLE", "message": "x"}]})
        for _ in range(4):
            status, headers, _ = emu.get(API + "/limits")
            self.assertEqual((status, headers.get("retry-after")), (503, "1"))
        emu.control("DELETE", "faults")
        self.assertEqual(emu.get(API + "/limits")[0], 200)
        emu.control("POST", "faults", [{"path": "/limits$", "status": 502, "times": 2},
                                       {"path": "/limits$", "status": 504}])
        self.assertEqual([emu.get(API + "/limits")[0] for _ in range(4)], [502, 502, 504, 200])
        emu.control("POST", "faults", {"path": "/limits$", "status": 503, "skip": 2})
        self.assertEqual([emu.get(API + "/limits")[0] for _ in range(4)], [200, 200, 503, 200])


class LoopbackOnlyTest(unittest.TestCase):
    """Control endpoints answer loopback clients only.  Checked on the
    address test itself: tests never send traffic to a non-loopback address."""

    def test_loopback_addresses(self):
        from sfemu_lib.http_server import is_loopback
        for addr in ("127.0.0.1", "127.5.6.7", "::1", "::ffff:127.0.0.1"):
            self.assertTrue(is_loopback(addr), addr)
        for addr in ("192.0.2.2", "10.0.0.1", "::ffff:10.0.0.1", "2001:db8::1", "128.0.0.1"):
            self.assertFalse(is_loopback(addr), addr)


if __name__ == "__main__":
    unittest.main()
