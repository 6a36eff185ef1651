"""The control API (sfemu_lib/control.py): fault rules checked when armed and
matched against requests, each /__emu/ endpoint called in process, and reset
and record dumps over HTTP (emuctl, its command-line client, has its own file)."""

import json
import unittest

from emulator.emu_fixture import API, Emu
from emulator.test_rest import WIDGET, make_org
from sfemu_lib import bulk, control
from sfemu_lib.org import Emulator


class FaultRuleTest(unittest.TestCase):
    def test_valid_rules(self):
        for rule in ({}, {"path": "/query", "status": 503, "times": None}, {"drop": "after"},
                     {"drop": True, "method": "post"}, {"truncate": 0, "skip": 2, "delay_ms": 10},
                     {"headers": {"Retry-After": "1"}, "body": "<html/>", "content_type": "x"}):
            control.check_fault(rule)

    def test_invalid_rules(self):
        cases = [([], "a fault is a JSON object"),
                 ({"paht": "x", "bogus": 1}, "unknown fault key(s) bogus, paht; known: method"),
                 ({"drop": "later"}, '"drop" is true, "before" or "after"'),
                 ({"truncate": -1}, '"truncate" is a non-negative integer'),
                 ({"skip": "1"}, '"skip" is a non-negative integer'),
                 ({"status": True}, '"status" is a non-negative integer'),
                 ({"delay_ms": 1.5}, '"delay_ms" is a non-negative integer'),
                 ({"times": False}, '"times" is an integer or null'),
                 ({"headers": ["Retry-After"]}, '"headers" is an object')]
        for rule, message in cases:
            with self.assertRaises(ValueError, msg=rule) as cm:
                control.check_fault(rule)
            self.assertIn(message, str(cm.exception))
        with self.assertRaises(Exception):
            control.check_fault({"path": "("})         # re.error

    def test_matching(self):
        emu = Emulator(dataset="none")
        emu.faults = [{"method": "post", "path": "/composite", "status": 500},
                      {"path": "FROM Widget__c WHERE", "status": 502, "times": 2, "skip": 1},
                      {"path": "limits", "status": 503, "times": None}]
        q = API + "/query?q=SELECT+Id+FROM+Widget__c+WHERE+Name%3D%27x%27"
        self.assertIsNone(control.take_fault(emu, "GET", API + "/composite"))
        self.assertEqual(control.take_fault(emu, "POST", API + "/composite")["status"], 500)
        self.assertIsNone(control.take_fault(emu, "POST", API + "/composite"))     # times: 1
        got = [control.take_fault(emu, "GET", q) for _ in range(4)]
        self.assertEqual([g and g["status"] for g in got], [None, 502, 502, None])
        self.assertEqual([control.take_fault(emu, "GET", API + "/limits")["status"]
                          for _ in range(3)], [503] * 3)
        taken = control.take_fault(emu, "GET", API + "/limits")
        taken["status"] = 200                           # a copy: the rule stays armed
        self.assertEqual(emu.faults[2]["status"], 503)


class EndpointTest(unittest.TestCase):
    """control.serve() in process."""

    def setUp(self):
        self.emu = Emulator(dataset="none")

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        reply = control.serve(self.emu, method, "/__emu/" + path, data)
        return reply.status, reply.body

    def test_define_load_dump(self):
        self.assertEqual(self.call("POST", "sobjects", WIDGET), (200, {"defined": ["Widget__c"]}))
        status, ids = self.call("POST", "records/Widget__c", [{"Name": "a", "Blob__c": "AAE="}])
        self.assertEqual((status, len(ids), ids[0][:3]), (200, 1, "a01"))
        status, dump = self.call("GET", "records/Widget__c")
        self.assertEqual((dump[0]["Id"], dump[0]["Blob__c"]), (ids[0], "AAE="))
        status, body = self.call("POST", "records/Widget__c", [{"Name": "b", "Qty__c": "x"}])
        self.assertEqual((status, body["error"]), (400, "INVALID_TYPE_ON_FIELD_IN_RECORD"))
        self.assertEqual(self.call("GET", "records/Nope")[0], 404)

    def test_faults_limits_tokens_locators(self):
        self.assertEqual(self.call("POST", "faults", [{"status": 500}, {"drop": True}]),
                         (200, {"armed": 2}))
        status, body = self.call("POST", "faults", [{"status": 500}, {"drop": "later"}])
        self.assertEqual(status, 400)
        self.assertIn("drop", body["error"])
        self.assertEqual(len(self.emu.faults), 2)      # a bad list arms nothing
        self.assertEqual(self.call("DELETE", "faults")[0], 200)
        self.assertEqual(self.emu.faults, [])
        self.assertEqual(self.call("POST", "limits", {"max": 9}), (200, {"max": 9, "used": 0}))
        self.assertEqual(self.call("GET", "limits"), (200, {"max": 9, "used": 0}))
        tok = self.call("POST", "tokens")[1]["access_token"]
        self.assertTrue(self.emu.token_valid(tok))
        self.call("POST", "tokens/expire")
        self.assertFalse(self.emu.token_valid(tok))
        loc = self.emu.store_locator([], 1, 0)
        self.call("POST", "locators/expire")
        self.assertIsNone(self.emu.get_locator(loc))
        self.assertEqual(self.call("POST", "oauth", {"run_as_user": False}),
                         (200, {"run_as_user": False}))

    def test_log_clock_and_unknown(self):
        self.emu.log.append({"path": "/x"})
        self.assertEqual(self.call("GET", "requests"), (200, [{"path": "/x"}]))
        self.call("DELETE", "requests")
        self.assertEqual(self.emu.log, [])
        status, body = self.call("POST", "clock", {"offset_seconds": 3600})
        self.assertEqual((status, body["offset_seconds"]), (200, 3600.0))
        self.assertEqual(self.call("POST", "clock", {"now": "not a time"})[0], 400)
        self.assertEqual(self.call("POST", "replication", {"id_limit": 5})[1]["id_limit"], 5)
        self.assertEqual(self.call("GET", "nothing"),
                         (404, {"error": "unknown control endpoint GET /__emu/nothing"}))
        self.assertEqual(self.call("POST", "reset", {"dataset": "bogus"})[0], 400)

    def test_bulk_timing_and_upload_limit(self):
        self.addCleanup(bulk.set_durations, {"reset": True})
        status, body = self.call("POST", "bulk", {"in_progress": 0.5, "complete": 2})
        self.assertEqual((status, body), (200, {"in_progress": 0.5, "complete": 2.0}))
        self.assertEqual(bulk.DURATIONS, {"in_progress": 0.5, "complete": 2.0})
        self.assertEqual(self.call("POST", "bulk")[1], {"in_progress": 0.5, "complete": 2.0})
        status, body = self.call("POST", "bulk", {"upload_max_bytes": 4096})
        self.assertEqual((status, body["upload_max_bytes"]), (200, 4096))
        self.assertEqual(bulk.UPLOAD_LIMIT["upload_max_bytes"], 4096)
        # a refused setting changes nothing
        for bad, message in (({"in_progress": 3}, "in_progress must not come after complete"),
                             ({"complete": -1}, "complete must not be negative"),
                             ({"in_progress": "soon"}, "in_progress must be a number"),
                             ({"upload_max_bytes": 0}, "upload_max_bytes must be a positive"),
                             ({"upload_max_bytes": True}, "upload_max_bytes must be a positive"),
                             ([1], "expected a JSON object")):
            status, body = self.call("POST", "bulk", bad)
            self.assertEqual(status, 400, bad)
            self.assertIn(message, body["error"])
        self.assertEqual(bulk.DURATIONS, {"in_progress": 0.5, "complete": 2.0})
        self.assertEqual(bulk.UPLOAD_LIMIT["upload_max_bytes"], 4096)
        self.assertEqual(self.call("GET", "bulk")[0], 404)
        # /__emu/reset restores the defaults, as {"reset": true} does
        self.assertEqual(self.call("POST", "reset"), (200, {"ok": True}))
        self.assertEqual(bulk.DURATIONS, bulk.DEFAULT_DURATIONS)
        self.assertEqual(bulk.UPLOAD_LIMIT["upload_max_bytes"], bulk.DEFAULT_UPLOAD_MAX_BYTES)
        self.call("POST", "bulk", {"complete": 9, "upload_max_bytes": 1})
        status, body = self.call("POST", "bulk", {"reset": True})
        self.assertEqual((status, body), (200, bulk.DEFAULT_DURATIONS))
        self.assertEqual(bulk.UPLOAD_LIMIT["upload_max_bytes"], bulk.DEFAULT_UPLOAD_MAX_BYTES)


class OverHttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emu.start_for(cls, "--dataset", "none")

    def setUp(self):
        make_org(self.emu)

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
