"""Helpers for cluster-level scenario tests (faults, cancel, concurrency, leaks).

The tests run inside `test/run-tests`, which starts the emulator (SFEMU_URL)
and a throw-away cluster (PGHOST/PGPORT/PGUSER from pg_virtualenv).  Each test
class gets its own database with the extension, a server pointing at the
emulator and a user mapping, so classes never see each other's objects.
"""

import json
import os
import subprocess
import time
import unittest
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EMU_URL = os.environ.get("SFEMU_URL")
CLIENT_ID = "emu-client-id"
CLIENT_SECRET = "emu-client-secret"


def psql(sql, db="postgres", check=True, timeout=120, options=None):
    """Run SQL through psql (unaligned, tuples only); returns CompletedProcess."""
    env = dict(os.environ)
    if options:
        env["PGOPTIONS"] = options
    proc = subprocess.run(
        ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db],
        input=sql, capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError("psql failed (%d): %s\nSQL: %s" % (proc.returncode, proc.stderr, sql))
    return proc


def psql_background(sql, db, application_name):
    """Start psql running SQL without waiting; tag its backend for lookup."""
    env = dict(os.environ, PGAPPNAME=application_name)
    return subprocess.Popen(
        ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def wait_for_backend(db, application_name, timeout=10):
    """The pid of the backend tagged application_name once it is active."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = psql("SELECT pid FROM pg_stat_activity WHERE application_name = '%s' "
                   "AND state = 'active'" % application_name, db=db).stdout.strip()
        if out:
            return int(out.splitlines()[0])
        time.sleep(0.05)
    raise AssertionError("backend %s never became active" % application_name)


def emu(method, path, body=None):
    """Call the emulator (control endpoints or the REST surface); returns parsed JSON or text."""
    data = None
    headers = {}
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(EMU_URL + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read().decode()
    except urllib.error.HTTPError as err:
        text = err.read().decode()
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def server_log_text():
    """The whole server log of the private cluster (logging_collector is on)."""
    logfile = psql("SELECT current_setting('data_directory') || '/' || pg_current_logfile()").stdout.strip()
    with open(logfile, errors="replace") as f:
        return f.read()


class ClusterTestCase(unittest.TestCase):
    """A database of its own with salesforce_fdw, server `sf` and a user mapping."""

    db = None

    @classmethod
    def setUpClass(cls):
        if not EMU_URL or not os.environ.get("PGPORT"):
            raise unittest.SkipTest("run through test/run-tests (needs SFEMU_URL and a cluster)")
        cls.db = "scenario_" + cls.__name__.lower()
        psql("DROP DATABASE IF EXISTS %s" % cls.db)
        psql("CREATE DATABASE %s" % cls.db)
        psql("""
            CREATE EXTENSION salesforce_fdw;
            CREATE SERVER sf FOREIGN DATA WRAPPER salesforce_fdw
                OPTIONS (url '%s', client_id '%s');
            CREATE USER MAPPING FOR CURRENT_USER SERVER sf
                OPTIONS (client_secret '%s');
            CREATE FOREIGN TABLE account (
                id varchar(18) OPTIONS (field 'Id'),
                name text OPTIONS (field 'Name')
            ) SERVER sf OPTIONS (sobject 'Account');
        """ % (EMU_URL, CLIENT_ID, CLIENT_SECRET), db=cls.db)

    @classmethod
    def tearDownClass(cls):
        if cls.db:
            emu("DELETE", "/__emu/faults")
            psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % cls.db, check=False)

    def sql(self, text, **kw):
        return psql(text, db=self.db, **kw)
