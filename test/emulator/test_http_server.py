"""The HTTP front (sfemu_lib/http_server.py): URI limits, gzip, keep-alive,
concurrent clients, fault rules applied on the wire, latency and the request
log; and a server made in process around an Emulator."""

import gzip
import http.client
import json
import threading
import time
import unittest
import urllib.parse

from emulator.emu_fixture import API, Emu
from emulator.test_rest import make_org
from sfemu_lib import http_server
from sfemu_lib.org import Emulator


class HttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emu.start_for(cls, "--dataset", "none")

    def setUp(self):
        make_org(self.emu)

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


class InProcessServerTest(unittest.TestCase):
    """make_server() around an Emulator, served from a thread of this process."""

    def setUp(self):
        self.emu = Emulator(dataset="none")
        self.server = http_server.make_server(self.emu)
        thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        host, port = self.server.server_address[:2]
        self.conn = http.client.HTTPConnection(host, port, timeout=10)
        self.addCleanup(self.conn.close)

    def request(self, method, path, body=None, headers=None):
        self.conn.request(method, path, body=body, headers=headers or {})
        resp = self.conn.getresponse()
        return resp, resp.read()

    def test_base_url_is_the_bound_address(self):
        host, port = self.server.server_address[:2]
        self.assertEqual(self.emu.base_url, "http://%s:%d" % (host, port))
        self.assertNotEqual(port, 0)

    def test_log_masks_secret_and_controls_are_not_logged(self):
        resp, data = self.request("POST", "/services/oauth2/token",
                                  "grant_type=client_credentials&client_id=emu-client-id"
                                  "&client_secret=emu-client-secret",
                                  {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(resp.status, 200)
        token = json.loads(data)["access_token"]
        resp, _ = self.request("GET", "/__emu/limits")
        self.assertEqual(resp.status, 200)
        resp, _ = self.request("GET", API + "/limits", headers={"Authorization": "Bearer " + token})
        self.assertEqual(resp.getheader("Sforce-Limit-Info"), "api-usage=1/100000")
        self.assertEqual([e["path"] for e in self.emu.log], ["/services/oauth2/token", API + "/limits"])
        self.assertIn("client_secret=***", self.emu.log[0]["body"])
        self.assertNotIn("emu-client-secret", self.emu.log[0]["body"])

    def test_chunked_and_gzipped_request_bodies(self):
        body = gzip.compress(b'{"max": 7}')
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        resp, data = self.request("POST", "/__emu/limits", chunked,
                                  {"Transfer-Encoding": "chunked", "Content-Encoding": "gzip"})
        self.assertEqual((resp.status, json.loads(data)["max"]), (200, 7))

    def test_control_errors_answer_400(self):
        resp, data = self.request("POST", "/__emu/faults", b'{"bogus": 1}')
        self.assertEqual(resp.status, 400)
        self.assertIn("unknown fault key(s) bogus", json.loads(data)["error"])
        resp, data = self.request("GET", "/__emu/nothing")
        self.assertEqual(resp.status, 404)


if __name__ == "__main__":
    unittest.main()
