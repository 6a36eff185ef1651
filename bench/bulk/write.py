#!/usr/bin/env python3
"""bench/bulk/write.py: API calls and wall time of inserting 10,000 and
100,000 rows through sObject Collections (bulk 'off': 200 records per
request) and through Bulk API 2.0 ingest jobs (bulk 'on': create, upload,
close, polls), printed as one table.

Runs inside bench/bulk/run's cluster: PG* and SFEMU_URL are set, server
bench_srv and its user mapping exist, and the emulator holds BulkRow__c.
Each measurement inserts `INSERT INTO bench_w SELECT ... FROM
generate_series(1, N)` into a fresh foreign table; API calls are the
requests the emulator logged under /services/data (describe included,
token not), what an org charges against its daily limit; each INSERT runs
in a new session, so its object's describe is among them.  The rows written
are deleted through the emulator's control afterwards.  Nothing is
asserted.

Usage: python3 bench/bulk/write.py [--rows 10000,100000]
"""

import argparse
import os
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EMUCTL = os.path.join(ROOT, "test", "emuctl")

TABLE = """
DROP FOREIGN TABLE IF EXISTS bench_w;
CREATE FOREIGN TABLE bench_w (
  id varchar(18) OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name'),
  qty integer OPTIONS (field 'Qty__c'),
  amount numeric(18,2) OPTIONS (field 'Amount__c'),
  ratio double precision OPTIONS (field 'Ratio__c'),
  flag boolean OPTIONS (field 'Flag__c'),
  day date OPTIONS (field 'Day__c'),
  stamp timestamptz OPTIONS (field 'Stamp__c'),
  note text OPTIONS (field 'Note__c')
) SERVER bench_srv OPTIONS (sobject 'BulkRow__c', bulk '%s');
"""

INSERT = """
INSERT INTO bench_w (name, qty, amount, ratio, flag, day, stamp, note)
SELECT 'write ' || g, g, g * 1.25, g / 3.0, g %% 2 = 0, DATE '2024-01-01' + g %% 1000,
       TIMESTAMPTZ '2024-01-01 00:00:00+00' + g * INTERVAL '1.001 seconds',
       'note "' || g || '", with a comma'
  FROM generate_series(1, %d) g;
"""


def psql(sql):
    env = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                   check=True, stdout=subprocess.DEVNULL, env=env)


def emuctl(*args):
    return subprocess.run([EMUCTL] + list(args), check=True, capture_output=True,
                          text=True).stdout.strip()


def measure(rows, bulk):
    psql(TABLE % bulk)
    emuctl("clear-log")
    start = time.monotonic()
    psql(INSERT % rows)
    seconds = time.monotonic() - start
    calls = int(emuctl("count", "/services/data/"))
    describes = int(emuctl("count", "/describe$"))
    if bulk == "on":
        detail = "%s jobs: %s create, %s upload, %s close, %s polls" % (
            emuctl("count", "POST .*/jobs/ingest$"), emuctl("count", "POST .*/jobs/ingest$"),
            emuctl("count", "PUT .*/batches$"), emuctl("count", "PATCH .*/jobs/ingest/"),
            emuctl("count", "GET .*/jobs/ingest/[^/]+$"))
    else:
        detail = "%s collection requests" % emuctl("count", "composite/sobjects")
    if describes:
        detail += ", %d describe" % describes
    # leave BulkRow__c as the read benchmark loaded it
    psql("ALTER FOREIGN TABLE bench_w OPTIONS (SET bulk 'on')")
    psql("DELETE FROM bench_w WHERE name LIKE 'write %'")
    return calls, seconds, detail


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,100000",
                        help="comma-separated row counts (default 10000,100000)")
    args = parser.parse_args()
    counts = [int(n) for n in args.rows.split(",") if n]

    print("insert N rows: INSERT INTO bench_w SELECT ... FROM generate_series(1, N)")
    print("%-28s %8s %10s %9s %10s   %s" % ("transport", "rows", "API calls", "seconds",
                                           "rows/s", "requests"))
    for rows in counts:
        for name, bulk in (("Collections (bulk 'off')", "off"),
                           ("Bulk API 2.0 (bulk 'on')", "on")):
            calls, seconds, detail = measure(rows, bulk)
            print("%-28s %8d %10d %9.2f %10d   %s" % (name, rows, calls, seconds,
                                                      rows / seconds, detail), flush=True)
    psql("DROP FOREIGN TABLE bench_w")


if __name__ == "__main__":
    main()
