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
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bulk_case import SlowBulkJobCase  # noqa: E402
from harness import emu  # noqa: E402

INSERT = ("INSERT INTO account_bw (name) "
          "SELECT 'bw cancel ' || g FROM generate_series(1, 500) g")


class BulkWriteAbortTest(SlowBulkJobCase):
    table = "account_bw"
    jobs = "ingest"

    def interrupt_and_check(self, app, options, interrupt, message):
        log = self.run_interrupted(INSERT, app, options, interrupt, message)
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
