"""Bulk API 2.0 writes: an ingest job still running when its statement is
cancelled or times out is aborted (PATCH {"state":"Aborted"}) promptly,
writes nothing, and the session goes on working without leaking json-c
documents.

The emulator's jobs are made slow (/__emu/bulk: InProgress after 0.05 s,
JobComplete after 60 s) so the statement is waiting between polls of its
ingest job when it is interrupted.
"""

import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ClusterTestCase, emu, psql, wait_for_backend  # noqa: E402

INSERT = ("INSERT INTO account_bw (name) "
          "SELECT 'bw cancel ' || g FROM generate_series(1, 500) g")


class BulkWriteAbortTest(ClusterTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        psql("""
            CREATE FOREIGN TABLE account_bw (
                id varchar(18) OPTIONS (field 'Id'),
                name text OPTIONS (field 'Name')
            ) SERVER sf OPTIONS (sobject 'Account', bulk 'on');
        """, db=cls.db)

    def setUp(self):
        emu("POST", "/__emu/bulk", {"in_progress": 0.05, "complete": 60})
        emu("DELETE", "/__emu/requests")

    def tearDown(self):
        emu("POST", "/__emu/bulk", {"reset": True})

    def job_requests(self):
        return [e for e in emu("GET", "/__emu/requests") or []
                if "/jobs/ingest" in (e.get("path") or "")]

    def wait_for_polls(self, polls=2, timeout=10):
        """Wait until the job was created, filled, closed and polled."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.job_requests()
            if len([e for e in log if e["method"] == "GET"]) >= polls:
                return log
            time.sleep(0.05)
        self.fail("the ingest job was never polled: %r" % self.job_requests())

    def interrupt_and_check(self, app, options, interrupt, message):
        env = dict(os.environ, PGAPPNAME=app)
        if options:
            env["PGOPTIONS"] = options
        proc = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-d", self.db, "-c", INSERT],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env)
        pid = wait_for_backend(self.db, app)
        self.wait_for_polls()
        started = time.monotonic()
        if interrupt:
            self.assertEqual(self.sql("SELECT pg_cancel_backend(%d)" % pid).stdout.strip(), "t")
        out, err = proc.communicate(timeout=60)
        stopped = time.monotonic() - started
        self.assertIn(message, err)
        self.assertLess(stopped, 3.0, "the interrupt took %.2f s" % stopped)
        log = self.job_requests()
        self.assertEqual([e["method"] for e in log[:3]], ["POST", "PUT", "PATCH"], log)
        self.assertEqual(json.loads(log[2]["body"]), {"state": "UploadComplete"})
        aborts = [e for e in log[3:] if e["method"] == "PATCH"]
        self.assertEqual(len(aborts), 1, "no abort: %r" % log)
        self.assertEqual(json.loads(aborts[0]["body"]), {"state": "Aborted"})
        self.assertEqual(aborts[0]["status"], 200)
        job_id = re.search(r"/jobs/ingest/([^/]+)$", aborts[0]["path"]).group(1)
        self.assertIn(job_id, log[1]["path"])
        # the aborted job wrote nothing, and the session still works, leak-free
        emu("POST", "/__emu/bulk", {"reset": True})
        after = self.sql("SELECT count(*) FROM account WHERE name LIKE 'bw cancel %'; "
                         "SELECT live_json_documents FROM salesforce_connection_stats();")
        self.assertEqual(after.stdout.split(), ["0", "0"])

    def test_cancel_aborts_the_job(self):
        self.interrupt_and_check("bulkw_cancel", None, True,
                                 "canceling statement due to user request")

    def test_statement_timeout_aborts_the_job(self):
        self.interrupt_and_check("bulkw_timeout", "-c statement_timeout=2500", False,
                                 "canceling statement due to statement timeout")


if __name__ == "__main__":
    import unittest
    unittest.main()
