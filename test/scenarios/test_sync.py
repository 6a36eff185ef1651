"""salesforce_sync across sessions: two syncs of the same tables serialise
(or fail with a clear error under lock_timeout), a record changed while a
sync runs arrives with the next one, and version 1.1 comes from 1.0 by
ALTER EXTENSION UPDATE with the state table dumped by pg_dump.
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ClusterTestCase, ROOT, emu, psql, psql_background  # noqa: E402

API = "/services/data/v66.0"
DIFF = ("SELECT count(*) FROM ((TABLE sync_src EXCEPT ALL TABLE sync_copy) "
        "UNION ALL (TABLE sync_copy EXCEPT ALL TABLE sync_src)) d")


def rest(method, path, body=None):
    """A REST call to the emulator with a token minted by the control endpoint."""
    import urllib.request
    token = emu("POST", "/__emu/tokens")["access_token"]
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(os.environ["SFEMU_URL"] + API + path, data=data, method=method,
                                 headers={"Authorization": "Bearer " + token,
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        text = resp.read().decode()
    return json.loads(text) if text else None


class SyncTest(ClusterTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with open(os.path.join(ROOT, "test", "fixtures", "sync_object.json")) as f:
            emu("POST", "/__emu/sobjects", json.load(f))
        emu("POST", "/__emu/clock", {"advance_seconds": -3600})
        cls.ids = emu("POST", "/__emu/records/SyncTest__c",
                      [{"Name": "R%03d" % i, "Qty__c": i} for i in range(50)])
        emu("POST", "/__emu/clock", {"offset_seconds": 0})
        cls.sql_cls("""
            CREATE FOREIGN TABLE sync_src (
                id varchar(18) OPTIONS (field 'Id'),
                name text OPTIONS (field 'Name'),
                qty integer OPTIONS (field 'Qty__c')
            ) SERVER sf OPTIONS (sobject 'SyncTest__c');
            SELECT mode FROM salesforce_sync('sync_src', 'sync_copy');
        """)

    @classmethod
    def sql_cls(cls, text, **kw):
        return psql(text, db=cls.db, **kw)

    def setUp(self):
        emu("DELETE", "/__emu/faults")

    def tearDown(self):
        emu("DELETE", "/__emu/faults")

    def test_concurrent_syncs_serialise(self):
        # the first sync holds the pair's lock until its transaction ends
        holder = psql_background("BEGIN; SELECT mode FROM salesforce_sync('sync_src', 'sync_copy'); "
                                 "SELECT pg_sleep(3); COMMIT;", self.db, "sync_holder")
        try:
            # wait until the holder sleeps, its sync done and the lock held
            deadline = time.time() + 30
            while time.time() < deadline:
                if self.sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                            "'sync_holder' AND wait_event = 'PgSleep'").stdout.strip() == "1":
                    break
                time.sleep(0.05)
            out = self.sql("SET lock_timeout = '200ms'; "
                           "SELECT mode FROM salesforce_sync('sync_src', 'sync_copy');", check=False)
            self.assertNotEqual(out.returncode, 0)
            self.assertIn('could not lock the sync of foreign table "sync_src" into "public.sync_copy"',
                          out.stderr)
            # without a timeout the second one waits, then runs
            start = time.time()
            out = self.sql("SELECT mode FROM salesforce_sync('sync_src', 'sync_copy');")
            self.assertGreater(time.time() - start, 0.3)
            self.assertEqual(out.stdout.strip(), "incremental")
        finally:
            holder.communicate(timeout=30)
        self.assertEqual(holder.returncode, 0)
        self.assertEqual(self.sql(DIFF).stdout.strip(), "0")

    def test_record_changed_while_a_sync_runs(self):
        # the sync's Get Deleted answer is late; meanwhile a record changes
        # after the changes were read
        emu("POST", "/__emu/faults", {"method": "GET", "path": "/deleted/", "delay_ms": 1500})
        runner = psql_background("SELECT mode FROM salesforce_sync('sync_src', 'sync_copy');",
                                 self.db, "sync_runner")
        time.sleep(0.7)
        rest("PATCH", "/sobjects/SyncTest__c/%s" % self.ids[7], {"Name": "changed meanwhile"})
        out, err = runner.communicate(timeout=30)
        self.assertEqual(runner.returncode, 0, err)
        # the next sync brings it (the lookback covers a running sync)
        self.sql("SELECT mode FROM salesforce_sync('sync_src', 'sync_copy');")
        self.assertEqual(self.sql("SELECT name FROM sync_copy WHERE id = '%s'" % self.ids[7]).stdout.strip(),
                         "changed meanwhile")
        self.assertEqual(self.sql(DIFF).stdout.strip(), "0")

    def test_update_from_1_0_and_dump(self):
        db = self.db + "_upgrade"
        psql("DROP DATABASE IF EXISTS %s" % db)
        psql("CREATE DATABASE %s" % db)
        try:
            psql("CREATE EXTENSION salesforce_fdw VERSION '1.0'", db=db)
            self.assertEqual(psql("SELECT salesforce_fdw_version() IS NOT NULL; "
                                  "SELECT count(*) FROM pg_proc WHERE proname = 'salesforce_sync'",
                                  db=db).stdout.split(), ["t", "0"])
            psql("ALTER EXTENSION salesforce_fdw UPDATE", db=db)
            out = psql("SELECT extversion FROM pg_extension WHERE extname = 'salesforce_fdw'; "
                       "SELECT count(*) FROM pg_proc WHERE proname IN "
                       "('salesforce_sync', 'salesforce_updated', 'salesforce_deleted'); "
                       "SELECT count(*) FROM salesforce_sync_state", db=db).stdout.split()
            self.assertEqual(out, ["1.2", "3", "0"])
            # pg_dump dumps the state rows (pg_extension_config_dump)
            dump = subprocess.run(["pg_dump", "--data-only", "-d", self.db],
                                  capture_output=True, text=True, timeout=120)
            self.assertEqual(dump.returncode, 0, dump.stderr)
            self.assertIn("salesforce_sync_state", dump.stdout)
            self.assertIn("sync_src", dump.stdout)
        finally:
            psql("DROP DATABASE IF EXISTS %s" % db, check=False)
