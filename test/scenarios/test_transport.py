"""Transport scenarios: cancel, statement_timeout, dropped connections, leaks, secrets.

The emulator delays or drops a response on request (faults); the extension
must stop a waiting request within about a second when the statement is
cancelled or times out, turn a dropped connection into a clean
connection-failure error, keep working afterwards, free every json-c
document, and never print the client secret or an access token: not in
psql's output and not in the server log.
"""

import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (CLIENT_SECRET, ClusterTestCase, emu, psql,  # noqa: E402
                     server_log_text, wait_for_backend)

# An emulator access token is "<15-char org id>!<random>" (as Salesforce's are).
TOKEN_RE = re.compile(r"00D[A-Za-z0-9]{12}!")
SLOW_QUERY = {"method": "GET", "path": "/query", "delay_ms": 10000}


def run_script(db, sql, application_name=None, options=None):
    """psql without ON_ERROR_STOP: every statement runs; returns (rc, out, err)."""
    env = dict(os.environ)
    if application_name:
        env["PGAPPNAME"] = application_name
    if options:
        env["PGOPTIONS"] = options
    proc = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-d", db,
                           "-v", "VERBOSITY=verbose"],
                          input=sql, capture_output=True, text=True, timeout=120, env=env)
    return proc.returncode, proc.stdout, proc.stderr


class TransportTest(ClusterTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Only the log written from here on is this class's business.
        cls.log_start = len(server_log_text())

    def setUp(self):
        emu("DELETE", "/__emu/faults")

    def tearDown(self):
        emu("DELETE", "/__emu/faults")

    def assert_no_secrets(self, *texts):
        for text in texts:
            self.assertNotIn(CLIENT_SECRET, text)
            self.assertIsNone(TOKEN_RE.search(text), "an access token was printed")
            self.assertNotIn("Bearer", text)

    def new_log(self):
        return server_log_text()[self.log_start:]

    def test_cancel_stops_a_slow_request(self):
        emu("POST", "/__emu/faults", SLOW_QUERY)
        # the statement after the cancelled one shows the session still works
        script = ("SELECT count(*) FROM account;\n"
                  "SELECT 'after', count(*) FROM account;\n"
                  "SELECT 'live', live_json_documents FROM salesforce_connection_stats();\n")
        env = dict(os.environ, PGAPPNAME="transport_cancel")
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
            f.write(script)
        self.addCleanup(os.unlink, f.name)
        proc = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-d", self.db, "-f", f.name],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env)
        pid = wait_for_backend(self.db, "transport_cancel")
        time.sleep(0.5)         # the request is now waiting for the delayed response
        started = time.monotonic()
        self.assertEqual(self.sql("SELECT pg_cancel_backend(%d)" % pid).stdout.strip(), "t")
        # the cancelled statement ends promptly; wait for its error line
        while time.monotonic() - started < 5:
            if psql("SELECT state FROM pg_stat_activity WHERE pid = %d" % pid,
                    db=self.db).stdout.strip() != "active" or proc.poll() is not None:
                break
            time.sleep(0.02)
        stopped = time.monotonic() - started
        out, err = proc.communicate(timeout=60)
        self.assertLess(stopped, 2.0, "cancel took %.2f s" % stopped)
        self.assertIn("canceling statement due to user request", err)
        self.assertIn("after|478", out)
        self.assertIn("live|0", out)
        self.assert_no_secrets(out, err)

    def test_terminate_stops_a_slow_request(self):
        emu("POST", "/__emu/faults", SLOW_QUERY)
        proc = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-d", self.db,
                                 "-c", "SELECT count(*) FROM account"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, PGAPPNAME="transport_terminate"))
        pid = wait_for_backend(self.db, "transport_terminate")
        time.sleep(0.5)
        started = time.monotonic()
        self.assertEqual(self.sql("SELECT pg_terminate_backend(%d)" % pid).stdout.strip(), "t")
        while time.monotonic() - started < 5:
            if not psql("SELECT 1 FROM pg_stat_activity WHERE pid = %d" % pid,
                        db=self.db).stdout.strip():
                break
            time.sleep(0.02)
        stopped = time.monotonic() - started
        out, err = proc.communicate(timeout=60)
        self.assertLess(stopped, 2.0, "terminate took %.2f s" % stopped)
        self.assertIn("terminating connection due to administrator command", err)
        self.assert_no_secrets(out, err)

    def test_statement_timeout_stops_a_slow_request(self):
        emu("POST", "/__emu/faults", SLOW_QUERY)
        started = time.monotonic()
        rc, out, err = run_script(self.db,
                                  "SET statement_timeout = 300;\n"
                                  "SELECT count(*) FROM account;\n"
                                  "RESET statement_timeout;\n"
                                  "SELECT 'after', count(*) FROM account;\n"
                                  "SELECT 'live', live_json_documents FROM salesforce_connection_stats();\n")
        elapsed = time.monotonic() - started
        self.assertIn("canceling statement due to statement timeout", err)
        self.assertIn("57014", err)
        self.assertIn("after|478", out)
        self.assertIn("live|0", out)
        # psql start-up and the two other queries included
        self.assertLess(elapsed, 4.0, "statement_timeout took %.2f s" % elapsed)
        self.assert_no_secrets(out, err)

    def test_statement_timeout_during_token_request(self):
        emu("POST", "/__emu/faults", {"method": "POST", "path": "/oauth2/token",
                                       "delay_ms": 10000})
        started = time.monotonic()
        rc, out, err = run_script(self.db,
                                  "SET statement_timeout = 300;\n"
                                  "SELECT count(*) FROM account;\n")
        elapsed = time.monotonic() - started
        self.assertIn("canceling statement due to statement timeout", err)
        self.assertLess(elapsed, 3.0, "statement_timeout took %.2f s" % elapsed)
        self.assert_no_secrets(out, err)

    def test_dropped_connection(self):
        # libcurl retries a request once on a fresh connection when a reused
        # one dies before any response byte, so drop twice; without retries
        # of our own (test_resilience covers those)
        emu("POST", "/__emu/faults", {"method": "GET", "path": "/query", "drop": True,
                                       "times": 2})
        self.sql("ALTER SERVER sf OPTIONS (ADD max_retries '0')")
        self.addCleanup(self.sql, "ALTER SERVER sf OPTIONS (DROP max_retries)")
        rc, out, err = run_script(self.db,
                                  "SELECT count(*) FROM account;\n"
                                  "SELECT 'after', count(*) FROM account;\n"
                                  "SELECT 'live', live_json_documents FROM salesforce_connection_stats();\n")
        self.assertIn('could not query Salesforce object "Account"', err)
        self.assertIn("08006", err)
        self.assertIn('Connection to Salesforce server "sf" failed', err)
        self.assertIn("after|478", out)
        self.assertIn("live|0", out)
        self.assert_no_secrets(out, err)

    def test_unreachable_server(self):
        # nothing listens on port 9 of the loopback: connection refused
        self.sql("CREATE SERVER sf_down FOREIGN DATA WRAPPER salesforce_fdw "
                 "OPTIONS (url 'http://127.0.0.1:9', client_id 'emu-client-id');"
                 "CREATE USER MAPPING FOR CURRENT_USER SERVER sf_down "
                 "OPTIONS (client_secret '%s');"
                 "CREATE FOREIGN TABLE account_down (id varchar(18) OPTIONS (field 'Id')) "
                 "SERVER sf_down OPTIONS (sobject 'Account');" % CLIENT_SECRET)
        try:
            rc, out, err = run_script(self.db, "SELECT count(*) FROM account_down;\n")
            self.assertIn('could not authenticate with Salesforce server "sf_down"', err)
            self.assertIn("08006", err)
            self.assert_no_secrets(out, err)
        finally:
            self.sql("DROP SERVER sf_down CASCADE")

    def test_errors_free_every_json_document(self):
        faults = [
            # four times: the first try and max_retries (3) retries
            {"method": "GET", "path": "/query", "status": 503, "times": 4,
             "body": [{"errorCode": "SERVER_UNAVAILABLE", "message": "down"}]},
            {"method": "GET", "path": "/query", "status": 400,
             "body": [{"errorCode": "INVALID_FIELD", "message": "No such column"}]},
            {"method": "GET", "path": "/query", "status": 200, "body": "not json", "times": 4},
            {"method": "GET", "path": "/limits", "status": 500, "body": "<html>oops</html>"},
        ]
        emu("POST", "/__emu/faults", faults)
        rc, out, err = run_script(self.db,
                                  "SELECT count(*) FROM account;\n"
                                  "SELECT count(*) FROM account;\n"
                                  "SELECT count(*) FROM account;\n"
                                  "SELECT * FROM salesforce_api_usage('sf');\n"
                                  "SELECT 'after', count(*) FROM account;\n"
                                  "SELECT 'live', live_json_documents FROM salesforce_connection_stats();\n")
        self.assertEqual(err.count("ERROR:"), 4, err)
        self.assertIn("SERVER_UNAVAILABLE: down", err)
        self.assertIn("INVALID_FIELD: No such column", err)
        self.assertIn("not valid JSON", err)
        self.assertIn("after|478", out)
        self.assertIn("live|0", out)
        self.assert_no_secrets(out, err)

    def test_secrets_never_logged(self):
        # errors of every kind, logged verbosely
        emu("POST", "/__emu/faults", [
            {"method": "GET", "path": "/query", "status": 401,
             "body": [{"message": "This session is not valid for use with the REST API",
                       "errorCode": "INVALID_SESSION_ID"}]},
            {"method": "GET", "path": "/query", "drop": True, "times": 2},
        ])
        emu("POST", "/__emu/tokens/expire")
        rc, out, err = run_script(self.db,
                                  "SET log_error_verbosity = verbose;\n"
                                  "SET log_min_messages = debug1;\n"
                                  "SET client_min_messages = debug1;\n"
                                  "SELECT count(*) FROM account;\n"
                                  "SELECT count(*) FROM account;\n"
                                  "SELECT count(*) FROM account;\n"
                                  "EXPLAIN (VERBOSE, ANALYZE) SELECT * FROM account;\n"
                                  "SELECT * FROM salesforce_connection_stats();\n"
                                  "SELECT * FROM salesforce_limits('sf');\n")
        self.sql("ALTER USER MAPPING FOR CURRENT_USER SERVER sf "
                 "OPTIONS (SET client_secret 'wrong-secret-4711')")
        try:
            rc2, out2, err2 = run_script(self.db,
                                         "SET log_error_verbosity = verbose;\n"
                                         "SELECT count(*) FROM account;\n")
            self.assertIn("invalid_client: invalid client credentials", err2)
            self.assertNotIn("wrong-secret-4711", out2 + err2)
        finally:
            self.sql("ALTER USER MAPPING FOR CURRENT_USER SERVER sf "
                     "OPTIONS (SET client_secret '%s')" % CLIENT_SECRET)
        log = self.new_log()
        self.assertIn("could not query Salesforce object", log)
        self.assertNotIn("wrong-secret-4711", log)
        self.assert_no_secrets(out, err, log)


if __name__ == "__main__":
    import unittest
    unittest.main()
