"""Differential suite (issue 4): a foreign table answers exactly like a local one.

The records of diffdata.py live in an emulator and, with identical values, in
a local table; the several hundred queries of diffqueries.py run over both
and must print the same text (in the same order when the query orders
totally, as the same multiset otherwise).  Whatever the extension pushes
down to Salesforce and whatever it rechecks locally, the answer must not
change; without any pushdown everything is evaluated locally and must
already match.

The suite runs once per emulator setting (default, --quirk ne-null-exclude,
--quirk desc-nulls-first, both, and bulk: every table with bulk 'on', so
scans run as Bulk API 2.0 query jobs), each its own emulator, server object
and schema, so the extension is right whichever way Salesforce's
unconfirmed behaviours turn out (the last one also reads in pages of 200
records, so results span pages).  For each setting it also asserts that the
emulator accepted every SOQL the extension sent (no 4xx on a query), and
prints what the queries cost: queries, rows returned, requests, records
that crossed the wire.

Efficiency: every setting is one psql process running one script; the
local results are computed once.  A query that differs is run again alone
to show the SOQL it sent.  One that reads the clock (current_date, now())
is first run again on both sides back to back: a day may have begun, in
its session's zone, between the two runs.

Set DIFF_QUERIES=N to change the number of generated queries (default 1000),
DIFF_SETTINGS=default,both to run only some settings, DIFF_JOBS=N to run N
settings side by side (default 2), DIFF_VERBOSE=1 to
print every difference found (default: the first 10 in detail),
DIFF_SELFTEST=1 to change a local value first and watch the suite fail.
"""

import collections
import concurrent.futures
import difflib
import json
import os
import re
import select
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import CLIENT_ID, CLIENT_SECRET, EMU_URL, ROOT, psql  # noqa: E402

import diffdata  # noqa: E402
import diffqueries  # noqa: E402

SETTINGS = [
    ("default", []),
    ("ne_null_exclude", ["ne-null-exclude"]),
    ("desc_nulls_first", ["desc-nulls-first"]),
    ("both", ["ne-null-exclude", "desc-nulls-first"]),
    # every table with bulk 'on': scans Bulk API 2.0 can serve run as query
    # jobs (shortened to a few milliseconds), the others stay on REST
    ("bulk", []),
]
NQUERIES = int(os.environ.get("DIFF_QUERIES", "1000"))
DB = "scenario_differential"
SEP = "\x1f"
NULL = "<NULL>"
MARK = "@@Q "
ERR = "~~ERROR "
DETAILS = 10
TIME_DEPENDENT = re.compile(r"current_date|current_timestamp|localtimestamp|now\(\)", re.I)


class Emulator:
    """One test/sfemu process of our own (--dataset none) with quirks."""

    def __init__(self, quirks):
        cmd = [os.path.join(ROOT, "test", "sfemu"), "--host", "127.0.0.1", "--port", "0",
               "--dataset", "none"]
        for quirk in quirks:
            cmd += ["--quirk", quirk]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)
        ready, _w, _x = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("listening on "):
            self.proc.kill()
            raise RuntimeError("emulator did not start: %r" % line)
        self.url = line.split("listening on ", 1)[1].strip()
        # keep draining stdout so the emulator never blocks on a full pipe
        threading.Thread(target=self.drain, daemon=True).start()

    def drain(self):
        with self.proc.stdout:
            self.proc.stdout.read()

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                text = resp.read().decode()
        except urllib.error.HTTPError as err:
            raise AssertionError("emulator %s %s: %d %s" % (method, path, err.code, err.read()[:500]))
        return json.loads(text) if text else None

    def soql(self, text):
        """Run SOQL directly (a token minted through the control endpoint)."""
        token = self.call("POST", "/__emu/tokens")["access_token"]
        req = urllib.request.Request(
            self.url + "/services/data/v66.0/query?q=" + urllib.parse.quote(text),
            headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read().decode())

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def script(blocks):
    """One psql script for all blocks: a marker line before each, the error
    (if any) after it, so one process runs them all and errors stay in place."""
    out = ["\\pset null '%s'" % NULL, "\\pset fieldsep '%s'" % SEP,
           "SET statement_timeout = '120s';", "SET DateStyle = ISO;"]
    for b in blocks:
        out.append("\\echo '%s%d'" % (MARK, b.id))
        for statement in b.sql.split("\n"):     # one statement per line
            out.append(statement)
            out.append("\\if :ERROR")
            out.append("\\echo '%s' :'LAST_ERROR_SQLSTATE' :'LAST_ERROR_MESSAGE'" % ERR.strip())
            out.append("\\endif")
    return "\n".join(out) + "\n"


def run_script(text, search_path, timeout=900):
    env = dict(os.environ, PGOPTIONS="-c search_path=%s,public" % search_path)
    proc = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=0", "-d", DB],
                          input=text, capture_output=True, text=True, timeout=timeout, env=env)
    return proc.stdout, proc.stderr


def split_output(stdout):
    """{block id: [lines]} from a script's output."""
    results = {}
    current = None
    for line in stdout.split("\n"):
        if line.startswith(MARK) and line[len(MARK):].isdigit():
            current = int(line[len(MARK):])
            results[current] = []
        elif current is not None:
            results[current].append(line)
    for lines in results.values():
        while lines and lines[-1] == "":
            lines.pop()
    return results


def same(block, local, remote):
    if block.ordered:
        return local == remote
    return sorted(local) == sorted(remote)


def difference(block, local, remote, n=16):
    """The lines that differ: a short unified diff when order matters, the
    lines missing on either side when comparing multisets."""
    if block.ordered:
        out = [line for line in difflib.unified_diff(local, remote, "local", "foreign", n=1,
                                                     lineterm="")][2:]
    else:
        lo, re_ = collections.Counter(local), collections.Counter(remote)
        out = (["-" + line for line in sorted((lo - re_).elements())]
               + ["+" + line for line in sorted((re_ - lo).elements())])
    shown = [line.replace(SEP, " | ") for line in out[:n]]
    if len(out) > n:
        shown.append("... (%d more)" % (len(out) - n))
    return "\n      ".join(shown)


def clip(lines, n=12):
    shown = [line.replace(SEP, " | ") for line in lines[:n]]
    if len(lines) > n:
        shown.append("... (%d lines)" % len(lines))
    return "\n      ".join(shown) if shown else "(no rows)"


class DifferentialTest(unittest.TestCase):
    """One test per emulator setting; the local answers are shared."""

    emulators = {}
    blocks = []
    local = {}
    remote = {}
    summary = []

    @classmethod
    def setUpClass(cls):
        if not EMU_URL or not os.environ.get("PGPORT"):
            raise unittest.SkipTest("run through test/run-tests (needs SFEMU_URL and a cluster)")
        wanted = os.environ.get("DIFF_SETTINGS")
        cls.settings = [s for s in SETTINGS if not wanted or s[0] in wanted.split(",")]
        try:
            cls.prepare()
        except BaseException:
            # unittest skips tearDownClass when setUpClass fails
            cls.tearDownClass()
            raise

    @classmethod
    def prepare(cls):
        """Data into the emulators and the local tables, the queries generated,
        run over the local tables and then over each setting's foreign table."""
        rows = diffdata.generate()
        cls.rows = rows
        many = diffdata.generate_many()
        psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % DB)
        psql("CREATE DATABASE %s" % DB)
        if psql("SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = '%s'"
                % DB).stdout.strip() != "UTF8":
            # the data is unicode: a cluster made under LANG=C is SQL_ASCII
            psql("DROP DATABASE %s" % DB)
            psql("CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'" % DB)
        if not psql("SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu'").stdout.strip():
            diffdata.COLUMNS[:] = [(c, t.replace('"und-x-icu"', '"C"'), f, k)
                                   for c, t, f, k in diffdata.COLUMNS]
        ddl = ["CREATE EXTENSION salesforce_fdw;", "CREATE SCHEMA loc;",
               diffdata.local_table_sql(rows, "loc.diff"), diffdata.join_tables_sql(rows),
               diffdata.many_local_sql(many, "loc.many")]
        for name, quirks in cls.settings:
            # one setting also reads in the smallest pages (200 records)
            options = ", fetch_size '200'" if name == "both" else ""
            emu = Emulator(quirks)
            cls.emulators[name] = emu
            if name == "bulk":
                options = ", bulk 'on'"
                emu.call("POST", "/__emu/bulk", {"in_progress": 0.005, "complete": 0.01})
            emu.call("POST", "/__emu/sobjects", diffdata.DESCRIBE)
            emu.call("POST", "/__emu/records/" + diffdata.SOBJECT,
                     diffdata.emulator_records(rows))
            emu.call("POST", "/__emu/sobjects", diffdata.MANY_DESCRIBE)
            emu.call("POST", "/__emu/records/" + diffdata.MANY_SOBJECT,
                     diffdata.many_emulator_records(many))
            ddl += ["CREATE SERVER sf_%s FOREIGN DATA WRAPPER salesforce_fdw OPTIONS (url '%s', client_id '%s');"
                    % (name, emu.url, CLIENT_ID),
                    "CREATE USER MAPPING FOR CURRENT_USER SERVER sf_%s OPTIONS (client_secret '%s');"
                    % (name, CLIENT_SECRET),
                    "CREATE SCHEMA f_%s;" % name,
                    diffdata.foreign_table_sql("f_%s.diff" % name, "sf_%s" % name, options),
                    diffdata.many_foreign_sql("f_%s.many" % name, "sf_%s" % name, options)]
        psql("\n".join(ddl), db=DB)
        if os.environ.get("DIFF_SELFTEST") == "1":
            # shows the suite failing: one local value no longer matches
            psql("UPDATE loc.diff SET txt = 'Apple' WHERE txt = 'apple';", db=DB)
        cls.blocks = diffqueries.generate(rows, n=NQUERIES)
        started = time.time()
        out, err = run_script(script(cls.blocks), "loc")
        cls.local = split_output(out)
        cls.local_seconds = time.time() - started
        missing = [b.id for b in cls.blocks if b.id not in cls.local]
        if missing:
            raise AssertionError("local run lost queries %s: %s" % (missing[:10], err[-2000:]))
        # A query the local table cannot answer is a bug of the generator.
        broken = [b for b in cls.blocks if any(l.startswith(ERR) for l in cls.local[b.id])]
        if broken:
            raise AssertionError("generated queries fail on the local table:\n" + "\n".join(
                "  %s\n    %s" % (b.sql, clip(cls.local[b.id])) for b in broken[:10]))
        empty = len([b for b in cls.blocks if not cls.local[b.id]])
        sys.stderr.write("\n[differential] %d + %d records, %d queries (%d print no rows locally); "
                         "local run %.1fs\n" % (len(rows), len(many), len(cls.blocks), empty, cls.local_seconds))
        # What each emulator says to the two unconfirmed behaviours, asked
        # directly: the settings must really differ for the suite to mean much.
        cls.behaviour = {}
        for name, _quirks in cls.settings:
            emu = cls.emulators[name]
            ne = emu.soql("SELECT COUNT() FROM %s WHERE Txt__c != 'apple'" % diffdata.SOBJECT)
            desc = emu.soql("SELECT Amt__c FROM %s ORDER BY Amt__c DESC LIMIT 1" % diffdata.SOBJECT)
            cls.behaviour[name] = (ne["totalSize"], desc["records"][0]["Amt__c"] is None)
        # The settings run side by side (2 cores: two at a time by default).
        cls.remote = {}
        with concurrent.futures.ThreadPoolExecutor(int(os.environ.get("DIFF_JOBS", "2"))) as pool:
            for f in [pool.submit(cls.run_foreign, name) for name, _q in cls.settings]:
                f.result()

    @classmethod
    def stop_emulators(cls):
        for emu in cls.emulators.values():
            emu.stop()
        cls.emulators = {}

    @classmethod
    def tearDownClass(cls):
        if cls.summary:
            sys.stderr.write("\n[differential] summary (records = records that crossed the wire)\n"
                             "  %-17s %6s %8s %8s %10s %6s\n%s\n" % (
                                 "setting", "queries", "rows", "requests", "records", "diffs",
                                 "\n".join(sorted(cls.summary))))
        cls.stop_emulators()
        if os.environ.get("DIFF_KEEP_DB") != "1":
            psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % DB, check=False)

    # ------------------------------------------------------------------

    @classmethod
    def run_foreign(cls, name):
        """Run every query over setting `name`'s foreign table; keep its
        output and the emulator's request log."""
        emu = cls.emulators[name]
        emu.call("DELETE", "/__emu/requests")
        started = time.time()
        out, err = run_script(script(cls.blocks), "f_" + name)
        seconds = time.time() - started
        cls.remote[name] = (split_output(out), err, emu.call("GET", "/__emu/requests"), seconds)

    def run_setting(self, name):
        if name not in self.remote:
            self.skipTest("setting %s not selected by DIFF_SETTINGS" % name)
        emu = self.emulators[name]
        remote, err, log, seconds = self.remote[name]

        diffs = [b for b in self.blocks
                 if not same(b, self.local.get(b.id, []), remote.get(b.id, ["(query never ran)"]))]
        diffs = [b for b in diffs if not self.clock_artifact(name, b)]
        rows_returned = sum(len([l for l in remote.get(b.id, []) if not l.startswith(ERR)])
                            for b in self.blocks)
        queries = [e for e in log if "/query" in (e.get("path") or "")]
        counted = [e["records"] for e in queries if isinstance(e.get("records"), int)]
        records = "%d" % sum(counted)
        if len(counted) < len(queries):
            records += " (+ %d pages the log gives no count for)" % (len(queries) - len(counted))
        rejected = [e for e in log if (e.get("status") or 0) >= 400]
        jobs = [e for e in log if e.get("method") == "POST" and
                re.search(r"/jobs/query$", e.get("path") or "")]
        if name == "bulk":
            sys.stderr.write("\n[differential bulk] %d query jobs" % len(jobs))
            self.assertGreater(len(jobs), len(self.blocks) // 4,
                               "bulk 'on' ran few scans as query jobs")
        clauses = collections.Counter()
        for e in queries:
            soql = (e.get("query") or "").upper()
            for clause in ("WHERE", "ORDER BY", "LIMIT", "OFFSET", "GROUP BY", "COUNT()"):
                if (" %s " % clause if clause != "COUNT()" else clause) in soql + " ":
                    clauses[clause] += 1
        sys.stderr.write(
            "\n[differential %s] SOQL sent: %d with WHERE, %d ORDER BY, %d LIMIT, %d OFFSET, "
            "%d GROUP BY, %d COUNT()" % ((name,) + tuple(clauses[c] for c in (
                "WHERE", "ORDER BY", "LIMIT", "OFFSET", "GROUP BY", "COUNT()"))))
        sys.stderr.write(
            "\n[differential %s] %d queries, %d rows returned; %d API requests (%d query pages), "
            "%s records crossed the wire, %d bytes; %d differences, %d requests rejected; "
            "%.1fs\n" % (
                name, len(self.blocks), rows_returned, len(log), len(queries),
                records, sum(e.get("bytes") or 0 for e in log), len(diffs), len(rejected), seconds))
        self.summary.append("  %-17s %6d %8d %8d %10s %6d" % (
            name, len(self.blocks), rows_returned, len(log), sum(counted), len(diffs)))

        report = []
        verbose = os.environ.get("DIFF_VERBOSE") == "1"
        for n, b in enumerate(diffs):
            if n < DETAILS or verbose:
                report.append(self.describe_difference(emu, name, b, remote.get(b.id)))
            else:
                report.append("query %d (%s): %s" % (b.id, b.shape, b.sql[:300].replace("\n", " ")))
        if rejected:
            report.append("requests the emulator rejected (invalid SOQL or worse):")
            for e in rejected[:20]:
                report.append("  %s %s -> %s  %s" % (e.get("method"), e.get("path"), e.get("status"),
                                                    (e.get("query") or "")[:400]))
        if any(b.id not in remote for b in self.blocks):
            last = max(remote) if remote else None
            report.insert(0, "psql stopped early, in query %s (a crash?); its stderr ends with:\n%s"
                          % (last, err[-2000:]))
            report = report[:DETAILS + 1]
        if report:
            self.fail("setting %s: %d of %d queries differ between the foreign and the local table, "
                      "%d requests rejected\n\n%s" % (name, len(diffs), len(self.blocks),
                                                     len(rejected), "\n\n".join(report)))

    def clock_artifact(self, name, block):
        """A query reading the clock may have seen a day (in its session's
        zone) begin between the local and the foreign run: run both again
        back to back and believe that answer if it agrees."""
        if not TIME_DEPENDENT.search(block.sql):
            return False
        local = split_output(run_script(script([block]), "loc")[0]).get(block.id, [])
        remote = split_output(run_script(script([block]), "f_" + name)[0]).get(block.id)
        if remote is not None and same(block, local, remote):
            sys.stderr.write("\n[differential %s] query %d reads the clock; it agreed when run "
                             "again back to back\n" % (name, block.id))
            return True
        return False

    def describe_difference(self, emu, name, block, remote):
        """The query, both answers (first lines) and the SOQL it sent, from a
        run of this query alone."""
        emu.call("DELETE", "/__emu/requests")
        run_script(script([block]), "f_" + name, timeout=300)
        log = emu.call("GET", "/__emu/requests")
        soql = ["%s %s%s" % (e.get("status"), e.get("query") or e.get("path"),
                             " (%s records)" % e["records"] if "records" in e else "")
                for e in log if "/query" in (e.get("path") or "")]
        sql = block.sql if len(block.sql) < 1500 else block.sql[:1500] + " ..."
        local = self.local.get(block.id, [])
        remote = remote or ["(query never ran)"]
        return ("query %d (%s, compared %s):\n  %s\n  local (%d lines):\n      %s\n"
                "  foreign (%d lines):\n      %s\n  difference (-local +foreign):\n      %s\n"
                "  SOQL sent:\n      %s"
                % (block.id, block.shape, "in order" if block.ordered else "as a multiset",
                   sql.replace("\n", "\n  "), len(local), clip(local, 6), len(remote),
                   clip(remote, 6), difference(block, local, remote),
                   "\n      ".join(s[:600] for s in soql[:8]) or "(none)"))

    def test_settings_differ(self):
        """The quirks change what the emulator answers (else four runs prove
        no more than one): `!=` keeps or drops nulls, DESC puts nulls first
        or last."""
        b = self.behaviour
        if "default" not in b or "both" not in b:
            self.skipTest("needs the default and both settings")
        nulls = len([r for r in self.rows if r["txt"] is None])
        self.assertEqual(b["default"][0] - b["both"][0], nulls, "!= with nulls: %r" % b)
        self.assertEqual((b["default"][1], b["both"][1]), (False, True), "DESC nulls: %r" % b)

    def test_default(self):
        self.run_setting("default")

    def test_ne_null_exclude(self):
        self.run_setting("ne_null_exclude")

    def test_desc_nulls_first(self):
        self.run_setting("desc_nulls_first")

    def test_both_quirks(self):
        self.run_setting("both")

    def test_bulk(self):
        self.run_setting("bulk")


if __name__ == "__main__":
    unittest.main()
