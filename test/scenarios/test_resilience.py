"""Resilience scenarios: retries, writes never applied twice, the API budget,
wide objects and long queries, QUERY_TIMEOUT.

The emulator's fault rules play a busy production org: 503 pages in JSON and
HTML, 502/504 from a proxy, concurrency limits, truncated and malformed
bodies, connections dropped before and after the request was carried out.
Each test checks what the statement returned against a fault-free run, and
what reached Salesforce against the emulator's request log.
"""

import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ClusterTestCase, emu, psql, server_log_text  # noqa: E402

EMUCTL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "emuctl")
MAX_URI = 16384         # Salesforce: request URI and headers together
TOKEN_RE = re.compile(r"00D[A-Za-z0-9]{12}!")

RESIL = {"name": "Resil__c", "label": "Resilience", "keyPrefix": "a0R", "fields": [
    {"name": "Name", "type": "string", "length": 80},
    {"name": "Ext__c", "type": "string", "length": 20, "externalId": True, "unique": True}]}

# 700 fields with names as long as real orgs' custom fields: SELECT * is
# over 21,000 bytes once percent-encoded
WIDE_FIELDS = ["Wide_Object_Field_%03d__c" % i for i in range(700)]
WIDE = {"name": "Wide__c", "label": "Wide", "keyPrefix": "a0W",
        "fields": [{"name": f, "type": "string", "length": 40} for f in WIDE_FIELDS]}
WIDE_ROWS = 250


def run_script(db, sql):
    """psql without ON_ERROR_STOP (every statement runs, in one session),
    errors verbose; returns (rc, out, err)."""
    proc = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-d", db, "-v", "VERBOSITY=verbose"],
                          input=sql, capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def requests(pattern=""):
    rx = re.compile(pattern)
    return [e for e in emu("GET", "/__emu/requests")
            if rx.search("%s %s" % (e["method"], e["path"]))]


class ResilienceTest(ClusterTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        emu("POST", "/__emu/limits", {"max": 100000, "used": 0})
        emu("POST", "/__emu/sobjects", [RESIL, WIDE])
        rows = [dict({"Name": "W%04d" % i},
                     **{f: "r%d-%d" % (i, j) for j, f in enumerate(WIDE_FIELDS)}) for i in range(WIDE_ROWS)]
        emu("POST", "/__emu/records/Wide__c", rows)
        columns = ",\n".join("c%03d text OPTIONS (field '%s')" % (i, f)
                             for i, f in enumerate(WIDE_FIELDS))
        psql("""
            ALTER FOREIGN TABLE account OPTIONS (ADD fetch_size '200');
            CREATE FOREIGN TABLE resil (
                id varchar(18) OPTIONS (field 'Id'),
                name text OPTIONS (field 'Name')
            ) SERVER sf OPTIONS (sobject 'Resil__c');
            CREATE FOREIGN TABLE resil_upsert (
                id varchar(18) OPTIONS (field 'Id'),
                name text OPTIONS (field 'Name'),
                ext text OPTIONS (field 'Ext__c')
            ) SERVER sf OPTIONS (sobject 'Resil__c', upsert_field 'Ext__c');
            CREATE FOREIGN TABLE wide (
                id varchar(18) OPTIONS (field 'Id'),
                name text OPTIONS (field 'Name'),
                %s
            ) SERVER sf OPTIONS (sobject 'Wide__c', fetch_size '200');
        """ % columns, db=cls.db)
        cls.log_start = len(server_log_text())
        # a fault-free run to compare with
        cls.accounts = psql("SELECT id, name FROM account ORDER BY id", db=cls.db).stdout
        assert cls.accounts.count("\n") == 478, cls.accounts

    @classmethod
    def tearDownClass(cls):
        emu("POST", "/__emu/limits", {"max": 100000, "used": 0})
        super().tearDownClass()

    def setUp(self):
        emu("DELETE", "/__emu/faults")
        emu("DELETE", "/__emu/requests")

    def tearDown(self):
        emu("DELETE", "/__emu/faults")

    def set_server_option(self, name, value):
        self.sql("ALTER SERVER sf OPTIONS (ADD %s '%s')" % (name, value))
        self.addCleanup(self.sql, "ALTER SERVER sf OPTIONS (DROP %s)" % name)

    def assert_no_secrets(self, *texts):
        for text in texts:
            self.assertIsNone(TOKEN_RE.search(text), "an access token was printed")
            self.assertNotIn("emu-client-secret", text)

    # ------------------------------------------------------------ retries

    def test_transient_failures_are_retried(self):
        """Pages 2 and 3 each fail three times, in every transient way; the
        scan returns exactly the fault-free rows and EXPLAIN ANALYZE counts
        the retries."""
        page = "^/services/data/v[0-9.]+/query/"
        page2 = page + ".*-200$"
        page3 = page + ".*-400$"
        unavailable = [{"errorCode": "SERVER_UNAVAILABLE", "message": "down"}]
        faults = [
            {"method": "GET", "path": page2, "status": 503, "body": unavailable},
            {"method": "GET", "path": page2, "status": 502,
             "body": "<html><body><h1>502 Bad Gateway</h1></body></html>"},
            {"method": "GET", "path": page2, "status": 504, "body": "<html>Gateway Timeout</html>"},
            {"method": "GET", "path": page3, "status": 403,
             "body": [{"message": "ConcurrentPerOrgLongTxn Limit exceeded.",
                       "errorCode": "REQUEST_LIMIT_EXCEEDED"}]},
            {"method": "GET", "path": page3, "status": 429, "headers": {"Retry-After": "1"}},
            {"method": "GET", "path": page3, "truncate": 200},
        ]
        emu("POST", "/__emu/faults", faults)
        out = self.sql("SELECT id, name FROM account ORDER BY id").stdout
        self.assertEqual(out, self.accounts)
        statuses = [e["status"] for e in requests("/query")]
        self.assertEqual(statuses, [200, 503, 502, 504, 200, 403, 429, 200, 200], statuses)

        # the first page: a malformed body (a truncated answer); page 2
        # twice unavailable
        emu("POST", "/__emu/faults", [
            {"method": "GET", "path": "/query\\?", "status": 200, "body": '{"totalSize": 478, "rec',
             "content_type": "application/json;charset=UTF-8"},
            {"method": "GET", "path": page, "status": 503, "body": unavailable, "times": 2}])
        rc, out, err = run_script(self.db, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
                                           "SELECT id, name FROM account;\n"
                                           "SELECT 'stats', retries, live_json_documents "
                                           "FROM salesforce_connection_stats();\n")
        self.assertIn("Salesforce API requests: 6", out, err)
        self.assertIn("Salesforce retries: 3", out, err)
        self.assertIn("stats|3|0", out, err)
        log = server_log_text()[self.log_start:]
        self.assertRegex(log, r"LOG:  salesforce_fdw: retry 1 of 3 of a request to Salesforce "
                              r"server \"sf\" in \d+ ms")
        self.assertIn("The request failed: HTTP status 503.", log)
        self.assertIn("REQUEST_LIMIT_EXCEEDED for concurrent requests", log)
        self.assertIn("the response is not valid JSON", log)
        self.assert_no_secrets(log, out, err)

    def test_not_retried(self):
        """The daily limit, a 500, a query error and max_retries 0 fail at once."""
        for fault, text in [
                ({"status": 403, "body": [{"message": "TotalRequests Limit exceeded.",
                                           "errorCode": "REQUEST_LIMIT_EXCEEDED"}]},
                 "TotalRequests Limit exceeded"),
                ({"status": 500, "body": [{"errorCode": "UNKNOWN_EXCEPTION", "message": "boom"}]},
                 "UNKNOWN_EXCEPTION: boom"),
                ({"status": 400, "body": [{"errorCode": "QUERY_TIMEOUT",
                                           "message": "Your query request was running for too long."}]},
                 "QUERY_TIMEOUT: Your query request was running for too long.")]:
            emu("DELETE", "/__emu/requests")
            emu("POST", "/__emu/faults", dict(fault, method="GET", path="/query"))
            # count(*) alone is one COUNT() request
            rc, out, err = run_script(self.db, "SELECT count(*) FROM account;\n"
                                               "SELECT count(*) FROM account;\n")
            self.assertIn(text, err)
            self.assertEqual(out, "478\n", err)
            self.assertEqual(len(requests("/query")), 2, (err, requests()))
        self.assertIn("filter on an indexed field", err)
        self.assertIn("Bulk API", err)

        self.set_server_option("max_retries", "0")
        emu("DELETE", "/__emu/requests")
        emu("POST", "/__emu/faults", {"method": "GET", "path": "/query", "status": 503})
        rc, out, err = run_script(self.db, "SELECT count(*) FROM account;\n")
        self.assertIn("HTTP status 503", err)
        self.assertEqual(len(requests("/query")), 1)

    def test_max_retries_option(self):
        for bad in ("-1", "11", "three"):
            proc = self.sql("ALTER SERVER sf OPTIONS (ADD max_retries '%s')" % bad, check=False)
            self.assertIn('invalid value for option "max_retries"', proc.stderr)
        proc = self.sql("ALTER FOREIGN TABLE account OPTIONS (ADD max_retries '1')", check=False)
        self.assertIn('option "max_retries" cannot be set on a foreign table', proc.stderr)
        self.set_server_option("max_retries", "1")
        emu("POST", "/__emu/faults", {"method": "GET", "path": "/query", "status": 503, "times": 2})
        rc, out, err = run_script(self.db, "SELECT count(*) FROM account;\n")
        self.assertIn("HTTP status 503", err)
        self.assertEqual(len(requests("/query")), 2, requests())

    def test_retry_after_is_honoured_and_interruptible(self):
        emu("POST", "/__emu/faults", {"method": "GET", "path": "/query", "status": 503,
                                       "headers": {"Retry-After": "2"}})
        started = time.monotonic()
        self.assertEqual(self.sql("SELECT count(*) FROM account").stdout.strip(), "478")
        self.assertGreaterEqual(time.monotonic() - started, 2.0)

        # a long wait ends with statement_timeout, promptly; the session goes on
        emu("POST", "/__emu/faults", {"method": "GET", "path": "/query", "status": 503,
                                       "headers": {"Retry-After": "50"}})
        started = time.monotonic()
        rc, out, err = run_script(self.db, "SET statement_timeout = 500;\n"
                                           "SELECT count(*) FROM account;\n"
                                           "RESET statement_timeout;\n"
                                           "SELECT 'after', count(*) FROM account;\n")
        self.assertLess(time.monotonic() - started, 3.0)
        self.assertIn("canceling statement due to statement timeout", err)
        self.assertIn("after|478", out, err)

        # a Retry-After beyond a minute is not waited for
        emu("DELETE", "/__emu/requests")
        emu("POST", "/__emu/faults", {"method": "GET", "path": "/query", "status": 503,
                                       "headers": {"Retry-After": "3600"}})
        started = time.monotonic()
        rc, out, err = run_script(self.db, "SELECT count(*) FROM account;\n")
        self.assertLess(time.monotonic() - started, 3.0)
        self.assertIn("HTTP status 503", err)
        self.assertEqual(len(requests("/query")), 1)

    def test_token_request_retried(self):
        emu("POST", "/__emu/tokens/expire")
        emu("POST", "/__emu/faults", {"method": "POST", "path": "/oauth2/token", "status": 503,
                                       "body": "<html>Maintenance</html>", "times": 2})
        self.assertEqual(self.sql("SELECT count(*) FROM account").stdout.strip(), "478")
        self.assertEqual([e["status"] for e in requests("oauth2/token")], [503, 503, 200])

    # ------------------------------------------------------------ writes

    def count_resil(self):
        return len([r for r in emu("GET", "/__emu/records/Resil__c") if not r["IsDeleted"]])

    def test_write_answer_lost_is_never_resent(self):
        """The connection dies after Salesforce carried the insert out: the
        statement fails saying the outcome is unknown, Salesforce holds each
        record once, and the session goes on."""
        before = self.count_resil()
        emu("POST", "/__emu/faults", {"method": "POST", "path": "/composite/sobjects$",
                                       "drop": "after"})
        rc, out, err = run_script(self.db,
                                  # warm a keep-alive connection first
                                  "SELECT count(*) FROM account;\n"
                                  "INSERT INTO resil (name) SELECT 'lost' || g "
                                  "FROM generate_series(1, 10) g;\n"
                                  "SELECT 'after', count(*) FROM resil WHERE name LIKE 'lost%';\n")
        self.assertEqual(self.count_resil() - before, 10)
        self.assertIn('the outcome of a write to Salesforce object "Resil__c" is unknown', err)
        self.assertIn("The request for rows 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 "
                      "reached Salesforce but its answer was lost", err)
        self.assertIn("No records of this statement were written.", err)
        self.assertIn("08006", err)
        self.assertIn("after|10", out, err)
        posts = requests("^POST .*/composite/sobjects$")
        self.assertEqual(len(posts), 1)

        # a truncated answer to a delete: the same, the ids named
        emu("POST", "/__emu/faults", {"method": "DELETE", "path": "/composite/sobjects",
                                       "truncate": 5})
        rc, out, err = run_script(self.db, "DELETE FROM resil WHERE name = 'lost1';\n"
                                           "SELECT 'after', count(*) FROM resil WHERE name LIKE 'lost%';\n")
        self.assertIn("is unknown", err)
        self.assertRegex(err, r"The request for row 1 \(Id a0R[A-Za-z0-9]{15}\) reached Salesforce")
        self.assertIn("after|9", out, err)
        self.assertEqual(len(requests("^DELETE ")), 1)

    def test_write_answered_503_is_not_resent(self):
        emu("POST", "/__emu/faults", {"method": "POST", "path": "/composite/sobjects$",
                                       "status": 503})
        rc, out, err = run_script(self.db, "INSERT INTO resil (name) VALUES ('no503');\n")
        self.assertIn("HTTP status 503", err)
        self.assertEqual(len(requests("^POST .*/composite/sobjects$")), 1)

    def test_lock_errors_and_upserts_are_retried(self):
        locked = {"success": False, "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW", "message":
                                                "unable to obtain exclusive access to this record",
                                                "fields": []}]}
        rolled = {"success": False, "errors": [{"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                                                "message": "Record rolled back", "fields": []}]}
        before = self.count_resil()
        emu("POST", "/__emu/faults", {"method": "POST", "path": "/composite/sobjects$",
                                       "status": 200, "body": [locked, rolled]})
        self.sql("INSERT INTO resil (name) VALUES ('lock1'), ('lock2')")
        self.assertEqual(self.count_resil() - before, 2)
        self.assertEqual(len(requests("^POST .*/composite/sobjects$")), 2)

        emu("DELETE", "/__emu/requests")
        emu("POST", "/__emu/faults", {"method": "PATCH", "path": "/composite/sobjects/Resil__c/Ext__c",
                                       "status": 503})
        self.sql("INSERT INTO resil_upsert (name, ext) VALUES ('up1', 'U1'), ('up2', 'U2')")
        self.assertEqual(self.count_resil() - before, 4)
        self.assertEqual(len(requests("^PATCH ")), 2)

    # ------------------------------------------------------------ budget

    def test_max_api_calls(self):
        """Three pages need three requests: a budget of two stops the
        statement before the third, the table's smaller limit wins, and the
        next statement has a budget of its own."""
        # pages only: with bulk 'off' planning asks no /limits/recordCount
        self.set_server_option("bulk", "off")
        self.set_server_option("max_api_calls", "2")
        rc, out, err = run_script(self.db, "SELECT id FROM account;\n"
                                           "SELECT count(*) FROM account;\n")
        self.assertIn("53400", err)
        self.assertIn('The statement made 2 API requests to Salesforce server "sf", as many as '
                      'option "max_api_calls" allows; 0 remain.', err)
        self.assertEqual(out, "478\n", err)
        self.assertEqual(len(requests("/query")), 3)

        emu("DELETE", "/__emu/requests")
        self.sql("ALTER SERVER sf OPTIONS (SET max_api_calls '100')")
        self.sql("ALTER FOREIGN TABLE account OPTIONS (ADD max_api_calls '1')")
        self.addCleanup(self.sql, "ALTER FOREIGN TABLE account OPTIONS (DROP max_api_calls)")
        rc, out, err = run_script(self.db, "SELECT id FROM account;\n")
        self.assertIn("The statement made 1 API request to", err)
        self.assertEqual(len(requests("/query")), 1)
        for bad in ("0", "-5", "lots"):
            proc = self.sql("ALTER SERVER sf OPTIONS (SET max_api_calls '%s')" % bad, check=False)
            self.assertIn('invalid value for option "max_api_calls"', proc.stderr)

    def test_api_reserve_percent(self):
        # pages only: with bulk 'off' planning asks no /limits/recordCount
        self.set_server_option("bulk", "off")
        self.set_server_option("api_reserve_percent", "10")
        emu("POST", "/__emu/limits", {"max": 1000, "used": 950})
        self.addCleanup(emu, "POST", "/__emu/limits", {"max": 100000, "used": 0})
        # the first request of a new session learns the usage; the second
        # page is refused, and so is the next statement, before it sends
        rc, out, err = run_script(self.db, "SELECT id FROM account;\n"
                                           "SELECT count(*) FROM account;\n")
        self.assertEqual(err.count("53400"), 2, err)
        self.assertIn('The org of Salesforce server "sf" has 49 of its 1000 daily API requests '
                      'left, less than the 10% kept in reserve by option "api_reserve_percent"; '
                      'the statement made 1 API requests.', err)
        self.assertIn("the statement made 0 API requests.", err)
        self.assertEqual(len(requests("/query")), 1)
        for bad in ("-1", "101"):
            proc = self.sql("ALTER SERVER sf OPTIONS (SET api_reserve_percent '%s')" % bad,
                            check=False)
            self.assertIn('invalid value for option "api_reserve_percent"', proc.stderr)

    # ------------------------------------------------------------ long queries

    def assert_requests_fit(self):
        entries = emu("GET", "/__emu/requests")
        self.assertTrue(entries)
        for e in entries:
            self.assertLess(e["uri_bytes"] + e["header_bytes"], MAX_URI, e["path"])
            self.assertNotIn(e["status"], (414, 431), e["path"])

    def test_wide_object(self):
        """SELECT * of 700 fields: the SOQL goes through Composite, every
        row and value arrives, and no request exceeds the URI limit."""
        out = self.sql("EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM wide").stdout
        self.assertIn("Salesforce request: Composite (the query does not fit in a URI)", out)
        narrow = self.sql("EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM account").stdout
        self.assertNotIn("Composite", narrow)

        emu("DELETE", "/__emu/requests")
        got = self.sql("SELECT * FROM wide ORDER BY id").stdout.splitlines()
        records = sorted(emu("GET", "/__emu/records/Wide__c"), key=lambda r: r["Id"])
        want = ["|".join([r["Id"], r["Name"]] + [r[f] for f in WIDE_FIELDS]) for r in records]
        self.assertEqual(len(got), WIDE_ROWS)
        self.assertEqual(got, want)
        self.assert_requests_fit()
        sent = [e["method"] + " " + e["path"].rsplit("/", 1)[-1] for e in emu("GET", "/__emu/requests")]
        self.assertIn("POST composite", sent)
        self.assertNotIn("GET query", sent)

        # IMPORT FOREIGN SCHEMA of the object works and its SELECT * too
        self.sql("CREATE SCHEMA wide_imp; IMPORT FOREIGN SCHEMA salesforce LIMIT TO (Wide__c) "
                 "FROM SERVER sf INTO wide_imp")
        self.addCleanup(self.sql, "DROP SCHEMA wide_imp CASCADE")
        emu("DELETE", "/__emu/requests")
        table = self.sql("SELECT relname FROM pg_class "
                         "WHERE relnamespace = 'wide_imp'::regnamespace").stdout.strip()
        out = self.sql('SELECT count(*), count(DISTINCT t) FROM wide_imp."%s" t' % table).stdout
        self.assertEqual(out.strip(), "%d|%d" % (WIDE_ROWS, WIDE_ROWS))
        self.assert_requests_fit()

        # an error of the query inside Composite is reported as usual (the
        # fault armed once the describes are cached)
        fault = json.dumps({"method": "POST", "path": "/composite$", "status": 200,
                            "body": {"compositeResponse": [{
                                "body": [{"errorCode": "QUERY_TIMEOUT",
                                          "message": "Your query request was running for too long."}],
                                "httpHeaders": {}, "httpStatusCode": 400,
                                "referenceId": "query"}]}})
        rc, out, err = run_script(self.db, "SELECT * FROM wide LIMIT 1;\n"
                                           "\\! %s fault '%s'\n"
                                           "SELECT * FROM wide;\n" % (EMUCTL, fault))
        self.assertIn('could not query Salesforce object "Wide__c"', err)
        self.assertIn("QUERY_TIMEOUT: Your query request was running for too long.", err)

    def test_long_where_on_a_narrow_object(self):
        names = [line.split("|")[1] for line in self.accounts.splitlines()[:40]]
        names += ["Nobody %04d with a long made-up name" % i for i in range(600)]
        cond = " OR ".join("name = '%s'" % n.replace("'", "''") for n in names)
        out = self.sql("EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM account WHERE %s" % cond).stdout
        self.assertIn("Composite (the query does not fit in a URI)", out)
        emu("DELETE", "/__emu/requests")
        got = self.sql("SELECT id FROM account WHERE %s ORDER BY id" % cond).stdout
        # the same condition evaluated here, on every row
        local = self.sql("SELECT id FROM (SELECT id, name FROM account OFFSET 0) a "
                         "WHERE %s ORDER BY id" % cond).stdout
        self.assertEqual(got, local)
        self.assertGreaterEqual(got.count("\n"), 40)
        self.assert_requests_fit()

        # beyond SOQL's 100,000 characters the long condition stays here
        many = names + ["Somebody %04d with another long made-up name" % i for i in range(2400)]
        cond = " OR ".join("name = '%s'" % n.replace("'", "''") for n in many)
        out = self.sql("EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM account "
                       "WHERE (%s) AND name LIKE '%%e%%'" % cond).stdout
        soql = [line for line in out.splitlines() if "Salesforce SOQL:" in line][0]
        self.assertNotIn("Somebody", soql)
        self.assertIn("LIKE", soql.split("FROM Account", 1)[1])   # the short one still sent
        filt = [line for line in out.splitlines() if "Filter:" in line][0]
        self.assertIn("Somebody 2399", filt)
        emu("DELETE", "/__emu/requests")
        got = self.sql("SELECT id FROM account WHERE %s ORDER BY id" % cond).stdout
        self.assertEqual(got, local)
        # every page of the whole object (nothing to filter by), none refused
        self.assertEqual({e["status"] for e in requests("/query")}, {200})


if __name__ == "__main__":
    import unittest
    unittest.main()
