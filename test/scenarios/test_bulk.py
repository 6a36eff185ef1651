"""Bulk API 2.0 scenarios: a query job still running when its statement is
cancelled or times out is aborted (PATCH {"state":"Aborted"}), promptly, and
the session goes on working without leaking json-c documents.

The emulator's jobs are made slow (/__emu/bulk: InProgress after 0.05 s,
JobComplete after 60 s) so the statement is waiting between polls when it
is interrupted.
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bulk_case import SlowBulkJobCase  # noqa: E402
from harness import emu  # noqa: E402


class BulkJobAbortTest(SlowBulkJobCase):
    table = "account_bulk"
    jobs = "query"

    def interrupt_and_check(self, app, options, interrupt, message):
        log = self.run_interrupted("SELECT * FROM account_bulk", app, options,
                                   interrupt, message)
        creates = [e for e in log if e["method"] == "POST"]
        self.assertEqual(len(creates), 1, log)
        aborts = [e for e in log if e["method"] == "PATCH"]
        self.assertEqual(len(aborts), 1, "no abort: %r" % log)
        self.assertEqual(json.loads(aborts[0]["body"]), {"state": "Aborted"})
        self.assertEqual(aborts[0]["status"], 200)
        job_id = re.search(r"/jobs/query/([^/]+)$", aborts[0]["path"]).group(1)
        self.assertIn(job_id, log[-1]["path"])
        # no result was downloaded, and the session still works, leak-free
        self.assertFalse([e for e in log if e["path"].endswith("/results")])
        emu("POST", "/__emu/bulk", {"reset": True})
        after = self.sql("SELECT count(*) FROM account_bulk; "
                         "SELECT live_json_documents FROM salesforce_connection_stats();")
        self.assertEqual(after.stdout.split()[-1], "0")

    def test_cancel_aborts_the_job(self):
        self.interrupt_and_check("bulk_cancel", None, True,
                                 "canceling statement due to user request")

    def test_statement_timeout_aborts_the_job(self):
        self.interrupt_and_check("bulk_timeout", "-c statement_timeout=1500", False,
                                 "canceling statement due to statement timeout")

    def test_error_in_a_subtransaction_aborts_its_job(self):
        # the job of a scan cancelled inside a savepoint is aborted when the
        # savepoint rolls back, and the transaction goes on
        out = self.sql("""
            BEGIN;
            SAVEPOINT s;
            SET LOCAL statement_timeout = 800;
            SELECT * FROM account_bulk;
            ROLLBACK TO SAVEPOINT s;
            SELECT 'still here';
            COMMIT;
        """, check=False)
        self.assertIn("statement timeout", out.stderr)
        log = self.job_requests()
        self.assertEqual(len([e for e in log if e["method"] == "PATCH"]), 1, log)


if __name__ == "__main__":
    import unittest
    unittest.main()
