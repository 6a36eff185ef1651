"""The shared set-up of the Bulk API 2.0 interrupt scenarios (test_bulk.py,
test_bulk_write.py): a foreign table on Account with bulk 'on', emulator jobs
made slow (/__emu/bulk: InProgress after 0.05 s, JobComplete after 60 s) so a
statement is waiting between polls of its job when it is interrupted, and
one way to run a statement in its own session and interrupt it there.
"""

import os
import subprocess
import time

from harness import ClusterTestCase, emu, psql, wait_for_backend


class SlowBulkJobCase(ClusterTestCase):
    table = None        # the foreign table the subclass's statements use
    jobs = None         # "query" or "ingest": the job requests to look at

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        psql("""
            CREATE FOREIGN TABLE %s (
                id varchar(18) OPTIONS (field 'Id'),
                name text OPTIONS (field 'Name')
            ) SERVER sf OPTIONS (sobject 'Account', bulk 'on');
        """ % cls.table, db=cls.db)

    def setUp(self):
        emu("POST", "/__emu/bulk", {"in_progress": 0.05, "complete": 60})
        emu("DELETE", "/__emu/requests")

    def tearDown(self):
        emu("POST", "/__emu/bulk", {"reset": True})

    def job_requests(self):
        return [e for e in emu("GET", "/__emu/requests") or []
                if "/jobs/%s" % self.jobs in (e.get("path") or "")]

    def wait_for_polls(self, polls=2, timeout=10):
        """Wait until the job was polled `polls` times."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.job_requests()
            if len([e for e in log if e["method"] == "GET"]) >= polls:
                return log
            time.sleep(0.05)
        self.fail("the %s job was never polled: %r" % (self.jobs, self.job_requests()))

    def run_interrupted(self, statement, app, options, interrupt, message):
        """Run `statement` in a session of its own, interrupt it (cancel, or
        let its statement_timeout from `options` fire) while its job is being
        polled, check that it stopped within 3 s with `message`, and return
        the job requests the emulator logged."""
        env = dict(os.environ, PGAPPNAME=app)
        if options:
            env["PGOPTIONS"] = options
        proc = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-d", self.db,
                                 "-c", statement],
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
        return self.job_requests()
