"""Prefetch scenarios: the next query page is asked for while a page is returned.

A cursor over a foreign table of 1,000 records in pages of 200 lets the test
stop the scan at a known row: after FETCH 201 the scan has returned page 1
and one row of page 2, and page 3 must already have been requested (the
emulator's request log says so).  A delayed page 3 then stays in flight
while the session cancels, closes the cursor or rolls back: the session
must stay usable, answer the next query right away (the abandoned request's
connection is closed, never read by someone else) and hold no json-c
document.  A LIMIT that stops a scan within its first page sends no request
ahead.
"""

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ClusterTestCase, emu, psql, wait_for_backend  # noqa: E402

SOBJECT = "Prefetch__c"
RECORDS = 1000
PAGE = 200


def query_requests():
    """The query and query-locator requests the emulator logged, in order."""
    return [e for e in emu("GET", "/__emu/requests")
            if e["path"].rstrip("/").split("/")[-1] == "query"
            or "/query/" in e["path"]]


class PrefetchTest(ClusterTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        emu("POST", "/__emu/sobjects", {
            "name": SOBJECT, "keyPrefix": "a0P",
            "fields": [{"name": "Seq__c", "type": "int"}]})
        emu("POST", "/__emu/records/" + SOBJECT,
            [{"Name": "row %04d" % i, "Seq__c": i} for i in range(RECORDS)])
        psql("""
            CREATE FOREIGN TABLE prefetch_t (
                id varchar(18) OPTIONS (field 'Id'),
                name text OPTIONS (field 'Name'),
                seq integer OPTIONS (field 'Seq__c')
            ) SERVER sf OPTIONS (sobject '%s', fetch_size '%d');
        """ % (SOBJECT, PAGE), db=cls.db)

    def setUp(self):
        emu("DELETE", "/__emu/faults")
        emu("DELETE", "/__emu/requests")

    def tearDown(self):
        emu("DELETE", "/__emu/faults")

    def test_next_page_requested_before_the_page_is_consumed(self):
        self.sql("""
            BEGIN;
            DECLARE c CURSOR FOR SELECT seq FROM prefetch_t;
            MOVE 201 IN c;
            SELECT pg_sleep(0.5);
            COMMIT;
        """)
        reqs = query_requests()
        # page 1, page 2 (the scan came back for more), and page 3 already
        # asked for although only one row of page 2 was returned
        self.assertEqual(len(reqs), 3, reqs)
        self.assertEqual(sum(e["records"] or 0 for e in reqs), 3 * PAGE)

    def test_whole_scan_same_rows_and_requests(self):
        out = self.sql("SELECT count(*), sum(seq), count(DISTINCT id) FROM "
                       "(SELECT * FROM prefetch_t OFFSET 0) s").stdout.strip()
        self.assertEqual(out, "%d|%d|%d" % (RECORDS, sum(range(RECORDS)), RECORDS))
        self.assertEqual(len(query_requests()), RECORDS // PAGE)

    def test_limit_within_first_page_sends_nothing_ahead(self):
        out = self.sql("SELECT count(*) FROM (SELECT seq FROM prefetch_t "
                       "WHERE seq::text <> 'x' LIMIT 50) s").stdout.strip()
        self.assertEqual(out, "50")
        self.assertEqual(len(query_requests()), 1)

    def test_close_with_request_in_flight(self):
        # page 3 (the third query request) answers after 5 s
        emu("POST", "/__emu/faults", {"method": "GET", "path": "/query/", "skip": 1,
                                      "delay_ms": 5000})
        started = time.monotonic()
        out = self.sql("""
            BEGIN;
            DECLARE c CURSOR FOR SELECT seq FROM prefetch_t;
            MOVE 201 IN c;
            CLOSE c;
            COMMIT;
            SELECT count(*), sum(seq) FROM (SELECT seq FROM prefetch_t OFFSET 0) s;
            SELECT live_json_documents FROM salesforce_connection_stats();
        """).stdout.split()
        elapsed = time.monotonic() - started
        self.assertEqual(out, ["%d|%d" % (RECORDS, sum(range(RECORDS))), "0"])
        # the delayed answer was never waited for: the scan after CLOSE read
        # its pages over another connection meanwhile
        self.assertLess(elapsed, 4.5)
        self.assertEqual(len(query_requests()), 2 + RECORDS // PAGE)
        # and page 3 had been asked for: the emulator logs it once answered
        deadline = time.monotonic() + 15
        while len(query_requests()) < 3 + RECORDS // PAGE and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(len(query_requests()), 3 + RECORDS // PAGE)

    def test_cancel_with_request_in_flight(self):
        emu("POST", "/__emu/faults", {"method": "GET", "path": "/query/", "skip": 1,
                                      "delay_ms": 8000})
        script = """
            BEGIN;
            DECLARE c CURSOR FOR SELECT seq FROM prefetch_t;
            MOVE 201 IN c;
            SELECT pg_sleep(30);
            ROLLBACK;
            SELECT 'after', count(*), sum(seq) FROM (SELECT seq FROM prefetch_t OFFSET 0) s;
            SELECT 'live', live_json_documents FROM salesforce_connection_stats();
        """
        env = dict(os.environ, PGAPPNAME="prefetch_cancel")
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
            f.write(script)
        self.addCleanup(os.unlink, f.name)
        proc = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-d", self.db, "-f", f.name],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env)
        pid = wait_for_backend(self.db, "prefetch_cancel")
        # wait until the backend sleeps, with page 3's request in flight
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.sql("SELECT query FROM pg_stat_activity WHERE pid = %d" % pid
                        ).stdout.strip().startswith("SELECT pg_sleep"):
                break
            time.sleep(0.05)
        self.sql("SELECT pg_cancel_backend(%d)" % pid)
        out, err = proc.communicate(timeout=60)
        self.assertIn("canceling statement due to user request", err)
        lines = out.split()
        self.assertIn("after|%d|%d" % (RECORDS, sum(range(RECORDS))), lines)
        self.assertIn("live|0", lines)
        # page 3 was in flight (asked for before the sleep) when the cancel came
        deadline = time.monotonic() + 15
        while len(query_requests()) < 3 + RECORDS // PAGE and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(len(query_requests()), 3 + RECORDS // PAGE)

    def test_statement_timeout_waiting_for_a_prefetched_page(self):
        emu("POST", "/__emu/faults", {"method": "GET", "path": "/query/", "skip": 1,
                                      "delay_ms": 8000})
        started = time.monotonic()
        proc = self.sql("""
            SET statement_timeout = '1s';
            SELECT sum(seq) FROM (SELECT seq FROM prefetch_t OFFSET 0) s;
            RESET statement_timeout;
            SELECT 'after', count(*), sum(seq) FROM (SELECT seq FROM prefetch_t OFFSET 0) s;
            SELECT 'live', live_json_documents FROM salesforce_connection_stats();
        """, check=False)
        self.assertIn("canceling statement due to statement timeout", proc.stderr)
        self.assertLess(time.monotonic() - started, 6)
        self.sql("SELECT 1")
        out = self.sql("""
            SELECT 'after', count(*), sum(seq) FROM (SELECT seq FROM prefetch_t OFFSET 0) s;
            SELECT 'live', live_json_documents FROM salesforce_connection_stats();
        """).stdout.split()
        self.assertEqual(out, ["after|%d|%d" % (RECORDS, sum(range(RECORDS))), "live|0"])
        # the delayed page 3 was in flight when the timeout came: wait until
        # the emulator logs it, so it does not land in the next test's log
        deadline = time.monotonic() + 15
        while (not any(e.get("fault") == "delay" for e in query_requests())
               and time.monotonic() < deadline):
            time.sleep(0.2)
        self.assertTrue(any(e.get("fault") == "delay" for e in query_requests()))


BULK_SOBJECT = "BulkPrefetch__c"
BULK_RECORDS = 50500     # two result pages: 50,000 records, then 500


def results_requests():
    """The Bulk API query job result pages the emulator logged, in order."""
    return [e for e in emu("GET", "/__emu/requests")
            if e["path"].split("?")[0].endswith("/results")]


class BulkPrefetchTest(ClusterTestCase):
    """The same for the result pages of a Bulk API 2.0 query job: page 2 is
    asked for as soon as page 1 arrived, and dropped cleanly by CLOSE."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        emu("POST", "/__emu/sobjects", {
            "name": BULK_SOBJECT, "keyPrefix": "a0Q",
            "fields": [{"name": "Seq__c", "type": "int"}]})
        emu("POST", "/__emu/records/" + BULK_SOBJECT,
            [{"Name": "b", "Seq__c": i} for i in range(BULK_RECORDS)])
        psql("""
            CREATE FOREIGN TABLE bulk_prefetch_t (
                seq integer OPTIONS (field 'Seq__c')
            ) SERVER sf OPTIONS (sobject '%s', bulk 'on');
        """ % BULK_SOBJECT, db=cls.db)

    def setUp(self):
        emu("POST", "/__emu/bulk", {"in_progress": 0.01, "complete": 0.05})
        emu("DELETE", "/__emu/faults")
        emu("DELETE", "/__emu/requests")

    def tearDown(self):
        emu("DELETE", "/__emu/faults")
        emu("POST", "/__emu/bulk", {"reset": True})

    def test_next_result_page_requested_before_the_page_is_consumed(self):
        self.sql("""
            BEGIN;
            DECLARE c CURSOR FOR SELECT seq FROM bulk_prefetch_t;
            FETCH 1 FROM c;
            SELECT pg_sleep(0.5);
            COMMIT;
        """)
        reqs = results_requests()
        self.assertEqual(len(reqs), 2, reqs)
        # the second is page 2 (500 records, after a locator), not page 1 again
        self.assertGreater(reqs[1]["uri_bytes"], reqs[0]["uri_bytes"], reqs)
        self.assertLess(reqs[1]["bytes"], reqs[0]["bytes"], reqs)

    def test_close_with_result_page_in_flight(self):
        # result page 2 answers after 5 s
        emu("POST", "/__emu/faults", {"method": "GET", "path": "/results", "skip": 1,
                                      "delay_ms": 5000})
        started = time.monotonic()
        out = self.sql("""
            BEGIN;
            DECLARE c CURSOR FOR SELECT seq FROM bulk_prefetch_t;
            FETCH 1 FROM c;
            CLOSE c;
            COMMIT;
            SELECT live_json_documents FROM salesforce_connection_stats();
        """).stdout.split()
        self.assertLess(time.monotonic() - started, 4.5)
        self.assertEqual(out[-1], "0")
        emu("DELETE", "/__emu/faults")
        out = self.sql("SELECT count(*), sum(seq) FROM bulk_prefetch_t").stdout.strip()
        self.assertEqual(out, "%d|%d" % (BULK_RECORDS, sum(range(BULK_RECORDS))))
        # page 2 had been asked for: the emulator logs it once answered (so
        # wait for it here, not in the next test's request log)
        deadline = time.monotonic() + 15
        while len(results_requests()) < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(len(results_requests()), 4)
