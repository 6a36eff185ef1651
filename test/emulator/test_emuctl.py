"""test/emuctl against a private emulator: every subcommand, stable output."""

import json
import os
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

from emulator.emu_fixture import API, EMUCTL, Emu

WIDGET = {"name": "Widget__c", "keyPrefix": "a01", "fields": [
    {"name": "Code__c", "type": "string", "externalId": True}]}


class EmuctlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emu.start_for(cls, "--dataset", "none")
        cls.tmp = tempfile.TemporaryDirectory()
        cls.addClassCleanup(cls.tmp.cleanup)

    def setUp(self):
        self.emu.reset("none")

    def ctl(self, *args, ok=True):
        env = dict(os.environ, SFEMU_URL=self.emu.url)
        proc = subprocess.run([sys.executable, EMUCTL] + list(args), env=env,
                              capture_output=True, text=True, timeout=60)
        if ok:
            self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc

    def file(self, name, value):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            json.dump(value, f)
        return path

    def test_define_load_dump(self):
        self.ctl("define", self.file("w.json", WIDGET))
        out = self.ctl("load", "Widget__c", self.file("r.json", [{"Name": "a", "Code__c": "A"},
                                                                  {"Name": "b"}])).stdout
        self.assertEqual(out, "loaded 2 Widget__c records\n")
        rows = [json.loads(line) for line in self.ctl("dump", "Widget__c").stdout.splitlines()]
        self.assertEqual([(r["Name"], r["Code__c"], r["IsDeleted"]) for r in rows],
                         [("a", "A", False), ("b", None, False)])
        bad = self.ctl("load", "Nope", self.file("r.json", []), ok=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("emuctl:", bad.stderr)

    def test_log_count_clear(self):
        self.ctl("define", self.file("w.json", WIDGET))
        ids = self.emu.load("Widget__c", [{"Name": "a"}] * 3)
        self.emu.token()
        self.ctl("clear-log")
        self.emu.query("SELECT Id FROM Widget__c WHERE Id = '%s'" % ids[0])
        self.emu.get(API + "/sobjects/Widget__c/" + ids[1])
        self.emu.query("SELECT Id FROM Widget__c", {"Sforce-Query-Options": "batchSize=200"})
        self.emu.load("Widget__c", [{"Name": "x"}] * 300)
        _, _, page = self.emu.query("SELECT Id FROM Widget__c", {"Sforce-Query-Options": "batchSize=200"})
        self.emu.get(page["nextRecordsUrl"])
        out = self.ctl("log").stdout
        self.assertEqual(out, "GET /services/data/v66.0/query q=SELECT Id FROM Widget__c WHERE Id = '{id}'\n"
                              "GET /services/data/v66.0/sobjects/Widget__c/{id}\n"
                              "GET /services/data/v66.0/query q=SELECT Id FROM Widget__c\n"
                              "GET /services/data/v66.0/query q=SELECT Id FROM Widget__c\n"
                              "GET /services/data/v66.0/query/{locator}-200\n")
        out = self.ctl("log", "--soql").stdout
        self.assertEqual(out.splitlines(), ["SELECT Id FROM Widget__c WHERE Id = '{id}'",
                                            "SELECT Id FROM Widget__c", "SELECT Id FROM Widget__c"])
        self.assertEqual(self.ctl("count").stdout, "5\n")
        self.assertEqual(self.ctl("count", "^GET .*/query$").stdout, "3\n")
        self.ctl("clear-log")
        self.assertEqual(self.ctl("log").stdout, "")

    def test_fault_tokens_limits_oauth(self):
        tok = self.emu.token(refresh=True)
        self.ctl("fault", '{"path": "/limits$", "status": 503, "body": [{"errorCode": "SERVER_UNAVAILABLE", '
                          '"message": "x"}]}')
        self.assertEqual(self.emu.get(API + "/limits")[0], 503)
        self.ctl("fault", '[{"path": "/limits$", "status": 500, "times": 3}]')
        self.ctl("clear-faults")
        self.assertEqual(self.emu.get(API + "/limits")[0], 200)
        self.ctl("expire-tokens")
        self.assertEqual(self.emu.get(API + "/limits", token=tok)[0], 401)
        self.ctl("limits", "10", "10")
        self.assertEqual(self.emu.get(API + "/limits", token=self.emu.token(True))[0], 403)
        self.ctl("oauth", "off")
        status, _, body = self.emu.post("/services/oauth2/token", "grant_type=client_credentials&"
                                        "client_id=emu-client-id&client_secret=emu-client-secret",
                                        {"Content-Type": "application/x-www-form-urlencoded"}, token=False)
        self.assertEqual(body["error_description"], "no client credentials user enabled")
        self.ctl("reset")
        self.assertEqual(self.emu.get(API + "/limits", token=self.emu.token(True))[0], 200)
        bad = self.ctl("fault", "{not json", ok=False)
        self.assertNotEqual(bad.returncode, 0)
        bad = self.ctl("fault", '{"drop": "sometimes"}', ok=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn('drop', bad.stderr)
        self.ctl("fault", '{"path": "/limits$", "skip": 1, "drop": "after"}')
        self.assertEqual(self.emu.get(API + "/limits", token=self.emu.token(True))[0], 200)
        self.ctl("fault", '{"path": "/limits$", "truncate": 5}')
        self.ctl("clear-faults")
        self.assertEqual(self.emu.get(API + "/limits")[0], 200)

    def test_raw(self):
        self.ctl("define", self.file("w.json", WIDGET))
        out = self.ctl("raw", "POST", API + "/sobjects/Widget__c", '{"Name": "raw"}').stdout
        self.assertTrue(json.loads(out)["success"])
        q = urllib.parse.quote("SELECT Name FROM Widget__c")
        out = self.ctl("raw", "GET", API + "/query?q=" + q).stdout
        self.assertEqual(json.loads(out)["records"][0]["Name"], "raw")
        bad = self.ctl("raw", "GET", API + "/sobjects/Nope/describe", ok=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("NOT_FOUND", bad.stdout)
        self.assertEqual(self.ctl("raw", "GET", "/services/data/").returncode, 0)

    def test_no_url(self):
        env = {k: v for k, v in os.environ.items() if k != "SFEMU_URL"}
        proc = subprocess.run([sys.executable, EMUCTL, "log"], env=env, capture_output=True, text=True)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("SFEMU_URL", proc.stderr)


if __name__ == "__main__":
    unittest.main()
