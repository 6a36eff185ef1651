"""Fault injection: FAULT_COUNT faults through the emulator's fault rules.

Every kind of failure Salesforce's network and front ends produce (503 with
a JSON and with an HTML body, 502, 504, 429 and 403 concurrency limits,
connections dropped before and after the request was carried out, slow
answers, truncated and malformed JSON, bodies of the wrong shape, and the
access token expiring between two pages of a scan) is injected into every
kind of statement: multi-page scans, aggregates, IMPORT FOREIGN SCHEMA,
INSERT, COPY, UPDATE, DELETE and upsert by external id.  Each statement
must either return exactly what the fault-free run returns, or fail with a
clean error (an SQLSTATE other than XX000, recorded); afterwards the same
backend answers the next statement (a query to Salesforce), no json-c
document is left alive, and no record was written twice or lost: a write
that failed is absent, unless its error says its outcome is unknown.

The statements of a batch run in one psql session (faults are armed from it
with curl, so the order is exact); reads with retries enabled (max_retries
3) and disabled (0) alternate, so both the retry and the clean-error paths
are taken within the time budget.  Bulk API 2.0 statements join the
rotation once the extension sends any (BULK_STATEMENTS below).

The counts are printed at the end: faults injected, survived by retry,
clean errors, wrong answers (must be 0), duplicates (must be 0).
"""

import collections
import json
import os
import random
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import EMU_URL, ClusterTestCase, emu, psql, server_log_text  # noqa: E402

FAULT_COUNT = int(os.environ.get("SF_FAULT_COUNT", "1000"))
SEED = int(os.environ.get("SF_FAULT_SEED", "9"))
BATCH = 100
RETRY_EVERY = 5         # one read fault in RETRY_EVERY runs with max_retries 3

FAULT_OBJ = {"name": "Fault__c", "label": "Fault", "keyPrefix": "a0F", "fields": [
    {"name": "Name", "type": "string", "length": 80},
    {"name": "Ext__c", "type": "string", "length": 40, "externalId": True, "unique": True}]}

UNAVAILABLE = [{"errorCode": "SERVER_UNAVAILABLE", "message": "Server unavailable, retry later"}]
CONCURRENT = [{"errorCode": "REQUEST_LIMIT_EXCEEDED",
               "message": "ConcurrentPerOrgLongTxn Limit exceeded."}]
HTML_503 = "<html><head><title>Maintenance</title></head><body>Service Unavailable</body></html>"
HTML_502 = "<html><body><h1>502 Bad Gateway</h1></body></html>"

# (name, fault rule without method/path): every kind of failure
FAULT_KINDS = [
    ("503-json", {"status": 503, "body": UNAVAILABLE}),
    ("503-html", {"status": 503, "body": HTML_503}),
    ("502-html", {"status": 502, "body": HTML_502}),
    ("504", {"status": 504, "body": "<html>Gateway Timeout</html>"}),
    ("429", {"status": 429, "body": CONCURRENT, "headers": {"Retry-After": "0"}}),
    ("403-concurrent", {"status": 403, "body": CONCURRENT}),
    ("drop-before", {"drop": "before"}),
    ("drop-after", {"drop": "after"}),
    ("slow", {"delay_ms": 150}),
    ("truncate", {"truncate": None}),        # N filled in at random
    ("malformed", {"status": 200, "body": '{"totalSize": 3, "done": fa',
                   "content_type": "application/json;charset=UTF-8"}),
    ("wrong-shape", {"status": 200, "body": None}),     # picked per statement
]
WRONG_SHAPE_READ = [{"totalSize": 1, "done": True, "records": {}},
                    {"records": [1, "a", None]},
                    {"totalSize": 5, "done": False, "records": []},
                    ["not", "a", "page"],
                    {"done": True}]
WRONG_SHAPE_WRITE = [[], {"id": "x"}, [{"success": True}] * 7, ["x"],
                     [{"success": False}], {"errorCode": "X"}]
WRONG_SHAPE_DESCRIBE = [{"fields": {}}, {"fields": [1, 2]}, [], {"name": 5}]

QUERY_PATH = r"/query(All)?([/?]|$)"
STATEMENT_KINDS = ["scan", "scan", "aggregate", "import", "insert", "copy", "update",
                   "delete", "upsert", "token-expiry"]
# Bulk API 2.0: no statement of the extension sends a Bulk request yet.
# When one does, add its statement kinds here (faults on /jobs/ingest and
# /jobs/query paths) with their checks in statement_script().
BULK_STATEMENTS = []

ERROR_RE = re.compile(r"ERROR:  ([0-9A-Z]{5}): (.*)")


def curl(method, path, body=None):
    """A psql meta-command that calls the emulator's control surface."""
    data = ""
    if body is not None:
        data = " -H 'Content-Type: application/json' --data-binary '%s'" % \
            json.dumps(body).replace("'", "'\\''")
    return "\\! curl -s -o /dev/null -X %s%s %s/__emu/%s\n" % (method, data, EMU_URL, path)


class FaultInjectionTest(ClusterTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        emu("POST", "/__emu/limits", {"max": 10000000, "used": 0})
        emu("POST", "/__emu/sobjects", [FAULT_OBJ])
        psql("""
            CREATE FOREIGN TABLE acct (
                id varchar(18) OPTIONS (field 'Id'),
                name text OPTIONS (field 'Name'),
                industry text OPTIONS (field 'Industry')
            ) SERVER sf OPTIONS (sobject 'Account', fetch_size '200');
            CREATE FOREIGN TABLE fobj (
                id varchar(18) OPTIONS (field 'Id'),
                name text OPTIONS (field 'Name')
            ) SERVER sf OPTIONS (sobject 'Fault__c');
            CREATE FOREIGN TABLE fup (
                id varchar(18) OPTIONS (field 'Id'),
                name text OPTIONS (field 'Name'),
                ext text OPTIONS (field 'Ext__c')
            ) SERVER sf OPTIONS (sobject 'Fault__c', upsert_field 'Ext__c');
            CREATE SCHEMA imp;
            ALTER SERVER sf OPTIONS (ADD max_retries '3');
        """, db=cls.db)

    def setUp(self):
        emu("DELETE", "/__emu/faults")

    def tearDown(self):
        emu("DELETE", "/__emu/faults")

    # --- statements ---------------------------------------------------------

    READS = {
        "scan": "SELECT 'R', md5(string_agg(id || ':' || name, ',' ORDER BY id)), count(*) FROM acct;\n",
        "aggregate": "SELECT 'R', industry, count(*), min(name) FROM acct GROUP BY industry "
                     "ORDER BY industry COLLATE \"C\";\n",
        "import": "IMPORT FOREIGN SCHEMA salesforce LIMIT TO (\"Account\") FROM SERVER sf INTO imp;\n"
                  "SELECT 'R', md5(string_agg(table_name || '.' || column_name || ':' || data_type, ','"
                  " ORDER BY table_name, ordinal_position)) FROM information_schema.columns"
                  " WHERE table_schema = 'imp';\n",
        "token-expiry": "BEGIN;\nDECLARE c CURSOR FOR SELECT 'R', id, name FROM acct ORDER BY id;\n"
                        "FETCH 250 FROM c;\n" + "%EXPIRE%" + "FETCH ALL FROM c;\nCOMMIT;\n",
    }
    READ_CLEANUP = {"import": "DROP SCHEMA imp CASCADE;\nCREATE SCHEMA imp;\n"}

    def read_target(self, kind, rng):
        """(method, path regex, skip) of the request a read fault hits."""
        if kind == "import":
            return "GET", r"/sobjects/Account/describe|/sobjects/?$", 0
        if kind == "scan":
            # the first page or one of the two nextRecordsUrl pages
            return "GET", QUERY_PATH, rng.randint(0, 2)
        return "GET", QUERY_PATH, 0

    def write_statement(self, kind, tag, n):
        """(setup SQL, the faulted statement, method, path regex)."""
        names = ", ".join("('%s-%d')" % (tag, i) for i in range(n))
        setup = "INSERT INTO fobj (name) VALUES %s;\n" % names
        if kind == "insert":
            return "", "INSERT INTO fobj (name) VALUES %s;\n" % names, "POST", r"/composite/sobjects$"
        if kind == "copy":
            rows = "".join("%s-%d\n" % (tag, i) for i in range(n))
            return "", "COPY fobj (name) FROM STDIN;\n%s\\.\n" % rows, "POST", r"/composite/sobjects$"
        if kind == "update":
            return (setup, "UPDATE fobj SET name = name || '-u' WHERE name LIKE '%s-%%';\n" % tag,
                    "PATCH", r"/composite/sobjects$")
        if kind == "delete":
            return (setup, "DELETE FROM fobj WHERE name LIKE '%s-%%';\n" % tag,
                    "DELETE", r"/composite/sobjects")
        if kind == "upsert":
            vals = ", ".join("('%s-%d', '%s-%d')" % (tag, i, tag, i) for i in range(n))
            return ("", "INSERT INTO fup (name, ext) VALUES %s;\n" % vals,
                    "PATCH", r"/composite/sobjects/Fault__c/Ext__c")
        raise ValueError(kind)

    def rule(self, kind_name, rule, method, path, skip, rng, shapes):
        fault = dict(rule, method=method, path=path)
        if skip:
            fault["skip"] = skip
        if kind_name == "truncate":
            fault["truncate"] = rng.choice([0, 1, 10, 60, 200, 1000])
        if kind_name == "wrong-shape":
            fault["body"] = rng.choice(shapes)
        return fault

    # --- the run ------------------------------------------------------------

    def baseline(self):
        out = {}
        for kind, sql in self.READS.items():
            text = sql.replace("%EXPIRE%", "")
            proc = psql(text + self.READ_CLEANUP.get(kind, ""), db=self.db)
            out[kind] = [line for line in proc.stdout.splitlines() if line.startswith("R|")]
            self.assertTrue(out[kind], kind)
        return out

    def test_faults(self):
        """FAULT_COUNT faults of every kind but wrong-shaped bodies."""
        self.run_faults([k for k in FAULT_KINDS if k[0] != "wrong-shape"], FAULT_COUNT, 0)

    def test_wrong_shape_bodies(self):
        """Well-formed JSON of the wrong shape as a 200 answer: a query page
        without "records", without a boolean "done", not the last but without
        "nextRecordsUrl", or with records that are not objects; write results
        claiming success without an Id.  Each must fail with an error, never
        pass for a short answer or a write that did not happen."""
        self.run_faults([k for k in FAULT_KINDS if k[0] == "wrong-shape"], 120, 100000)

    def run_faults(self, fault_kinds, count, first):
        started = time.monotonic()
        rng = random.Random(SEED + first)
        baseline = self.baseline()
        kinds = STATEMENT_KINDS + BULK_STATEMENTS
        plan = []
        for i in range(first, first + count):
            stmt = kinds[i % len(kinds)]
            fault_kind = fault_kinds[(i // len(kinds) + i) % len(fault_kinds)]
            plan.append((i, stmt, fault_kind))

        counts = collections.Counter()
        errors = collections.Counter()
        problems = []
        emu("DELETE", "/__emu/requests")
        for start in range(0, len(plan), BATCH):
            self.run_batch(plan[start:start + BATCH], baseline, rng, counts, errors, problems)

        applied = [e for e in emu("GET", "/__emu/requests") if e.get("fault")]
        # fault rules the emulator applied, and the token expiries between pages
        counts["injected (emulator log)"] = len(applied) + sum(1 for p in plan if p[1] == "token-expiry")
        elapsed = time.monotonic() - started
        print("\nfault injection: %d statements in %.1f s" % (len(plan), elapsed), file=sys.stderr)
        for key in ("faults injected", "injected (emulator log)", "survived by retry",
                    "survived without retry", "clean errors", "wrong answers", "duplicates",
                    "lost records", "crashes", "leaks", "dead sessions"):
            print("  %-26s %d" % (key, counts[key]), file=sys.stderr)
        print("  clean errors by SQLSTATE and message:", file=sys.stderr)
        for (state, msg), n in errors.most_common(25):
            print("    %5d  %s %s" % (n, state, msg[:110]), file=sys.stderr)
        for p in problems[:10]:
            print("  PROBLEM: " + p[:600], file=sys.stderr)
        log = server_log_text()
        self.assertNotRegex(log, r"terminated by signal|exited with exit code [1-9]")
        self.assertEqual(problems[:15], [])
        self.assertGreaterEqual(counts["faults injected"], count)
        self.assertGreaterEqual(counts["injected (emulator log)"], count * 0.85)
        self.assertEqual(counts["wrong answers"], 0)
        self.assertEqual(counts["duplicates"], 0)

    def run_batch(self, batch, baseline, rng, counts, errors, problems):
        script = [curl("DELETE", "faults"), "ALTER SERVER sf OPTIONS (SET max_retries '3');\n"]
        retries_now = 3
        expect = {}
        for i, stmt, (fkind, rule) in batch:
            tag = "f%d" % i
            script.append("\\echo ##BEGIN %d\n" % i)
            if stmt in self.READS:
                retry = (i // len(STATEMENT_KINDS)) % RETRY_EVERY == 0
                if retries_now != (3 if retry else 0):
                    retries_now = 3 if retry else 0
                    script.append("ALTER SERVER sf OPTIONS (SET max_retries '%d');\n" % retries_now)
                body = self.READS[stmt]
                if stmt == "token-expiry":
                    # the token runs out between two pages, and a fault hits the next page too
                    fault = self.rule(fkind, rule, "GET", QUERY_PATH, 0, rng, WRONG_SHAPE_READ)
                    body = body.replace("%EXPIRE%", curl("POST", "tokens/expire")
                                        + curl("POST", "faults", fault))
                    script.append("\\echo ##STMT\n" + body)
                else:
                    method, path, skip = self.read_target(stmt, rng)
                    shapes = WRONG_SHAPE_DESCRIBE if stmt == "import" else WRONG_SHAPE_READ
                    fault = self.rule(fkind, rule, method, path, skip, rng, shapes)
                    script.append(curl("POST", "faults", fault) + "\\echo ##STMT\n" + body)
                script.append("\\echo ##END\n" + curl("DELETE", "faults")
                              + self.READ_CLEANUP.get(stmt, ""))
                expect[i] = (stmt, None, fkind, fault)
            else:
                n = rng.choice([1, 3, 7])
                setup, sql, method, path = self.write_statement(stmt, tag, n)
                fault = self.rule(fkind, rule, method, path, 0, rng, WRONG_SHAPE_WRITE)
                if retries_now != 3:
                    retries_now = 3
                    script.append("ALTER SERVER sf OPTIONS (SET max_retries '3');\n")
                script.append(setup + curl("POST", "faults", fault) + "\\echo ##STMT\n" + sql
                              + "\\echo ##END\n" + curl("DELETE", "faults"))
                col = "ext" if stmt == "upsert" else "name"
                table = "fup" if stmt == "upsert" else "fobj"
                script.append("SELECT 'W', count(*), count(DISTINCT %s), count(*) FILTER (WHERE name LIKE '%%-u')"
                              " FROM %s WHERE name LIKE '%s-%%';\n" % (col, table, tag))
                expect[i] = (stmt, n, fkind, fault)
            script.append("SELECT 'live', max(live_json_documents) FROM salesforce_connection_stats();\n"
                          "SELECT 'pid', pg_backend_pid();\n")
        script.append("\\echo ##DONE\n")
        proc = subprocess.run(["stdbuf", "-o0", "psql", "-X", "-q", "-A", "-t", "-d", self.db,
                               "-v", "VERBOSITY=verbose"],
                              input="".join(script), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=900)
        out = proc.stdout
        if "##DONE" not in out:
            counts["dead sessions"] += 1
            problems.append("session of faults %d.. ended early: %s" % (batch[0][0], out[-800:]))
        sections = re.split(r"^##BEGIN (\d+)$", out, flags=re.M)
        pids = set()
        for k in range(1, len(sections), 2):
            i = int(sections[k])
            self.check_one(i, sections[k + 1], expect[i], baseline, counts, errors, problems, pids)
        if len(pids) > 1:
            counts["crashes"] += 1
            problems.append("backend pid changed within a session: %s" % sorted(pids))

    def check_one(self, i, text, expected, baseline, counts, errors, problems, pids):
        stmt, n, fkind, fault = expected
        label = "%s, fault %s" % (stmt, json.dumps(fault)[:150])
        # a fault the statement got through: by a retry (a re-authentication
        # for the expired token), unless it only slowed the answer down
        survived = "survived without retry" if fkind == "slow" else "survived by retry"
        counts["faults injected"] += 1
        before, _, rest = text.partition("##STMT\n")
        during, _, after = rest.partition("##END\n")
        m = re.search(r"^pid\|(\d+)", after, re.M)
        if not m:
            counts["dead sessions"] += 1
            problems.append("fault %d (%s): no answer after the statement: %s" % (i, label, text[-500:]))
            return
        pids.add(m.group(1))
        live = re.search(r"^live\|(\d*)", after, re.M)
        if live and live.group(1) not in ("", "0"):
            counts["leaks"] += 1
            problems.append("fault %d (%s): %s live json documents" % (i, label, live.group(1)))
        err = ERROR_RE.search(during)
        if "server closed the connection" in text or "connection to server was lost" in text:
            counts["crashes"] += 1
            problems.append("fault %d (%s): backend crash: %s" % (i, label, text[-500:]))
            return
        if err and err.group(1) == "XX000":
            problems.append("fault %d (%s): internal error: %s" % (i, label, err.group(0)))
        if n is None:
            got = [line for line in during.splitlines() if line.startswith("R|")]
            if err:
                counts["clean errors"] += 1
                errors[(err.group(1), err.group(2))] += 1
            elif got == baseline[stmt]:
                counts[survived] += 1
            else:
                counts["wrong answers"] += 1
                problems.append("fault %d (%s): wrong answer: %s" % (i, label, "\n".join(got)[:400]))
            return
        # writes: the records tagged f<i> in Salesforce after the statement
        w = re.search(r"^W\|(\d+)\|(\d+)\|(\d+)", after, re.M)
        if not w:
            problems.append("fault %d (%s): the check after the write failed: %s" % (i, label, after[:600]))
            counts["dead sessions"] += 1
            return
        total, distinct, updated = map(int, w.groups())
        if total != distinct:
            counts["duplicates"] += 1
            problems.append("fault %d (%s): %d records for %d distinct values" % (i, label, total, distinct))
        unknown = bool(err) and "is unknown" in during
        if stmt in ("insert", "copy", "upsert"):
            done = distinct == n
            nothing = total == 0
        elif stmt == "update":
            done = total == n and updated == n
            nothing = total == n and updated == 0
        else:   # delete
            done = total == 0
            nothing = total == n
        if err:
            counts["clean errors"] += 1
            errors[(err.group(1), err.group(2))] += 1
            if not (nothing or (unknown and done)):
                counts["lost records"] += 1
                problems.append("fault %d (%s, %d rows): failed (%s) but Salesforce holds %d/%d/%d"
                                % (i, label, n, err.group(0), total, distinct, updated))
        elif done:
            counts[survived] += 1
        else:
            counts["wrong answers"] += 1
            problems.append("fault %d (%s, %d rows): succeeded but Salesforce holds %d/%d/%d"
                            % (i, label, n, total, distinct, updated))
