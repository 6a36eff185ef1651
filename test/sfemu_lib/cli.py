"""The command line of test/sfemu: options, --help, start-up and shutdown.

Rules:
- The first line on stdout is "listening on http://HOST:PORT" (port 0 picks
  a free one); callers read the address from it.
- SIGTERM and SIGINT stop the server cleanly; the exit status is then 0.
- --help documents every option and every /__emu/ control endpoint, so a test
  author never needs to read the source.
"""

import argparse
import signal
import sys
import threading

from .http_server import make_server
from .org import DEFAULT_API_LIMIT, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, QUIRKS, Emulator


HELP_EPILOG = """\
Salesforce surface (see the reference): POST /services/oauth2/token (client
credentials, form-encoded or HTTP Basic), GET /services/data/ (versions, no
token), /services/data/vNN.N/{sobjects,query,queryAll,limits,composite,jobs}/...
(Bearer token; each call counts against the daily allowance and carries
Sforce-Limit-Info: api-usage=N/M; a spent allowance answers 403
REQUEST_LIMIT_EXCEEDED).  A request URI over 16,384 bytes answers 414, URI and
headers together over that 431.  Responses of 1 KB or more are gzipped when
the client sends Accept-Encoding: gzip.  Default credentials: client id
emu-client-id, secret emu-client-secret.

Quirks (reference 4.2 marks these UNCONFIRMED; the default is its belief):
  ne-null-exclude: != and NOT IN (and NOT over a comparison) drop rows whose
                   field is null; by default they keep them
  desc-nulls-first: ORDER BY ... DESC without NULLS puts nulls first; by
                   default they come last (ASC always puts them first)

Control endpoints (loopback only, no token, never counted or logged):
  POST   /__emu/reset              back to the start-up data set; tokens, log,
                                   faults, locators, bulk jobs, limits and
                                   oauth switch reset; body {"dataset":"none"}
                                   picks another data set
  POST   /__emu/sobjects           define sObject(s) from describe-shaped JSON
  POST   /__emu/records/NAME       load a JSON array of records (IsDeleted
                                   allowed); returns their 18-char ids in order
  GET    /__emu/records/NAME       dump every record (deleted too)
  GET    /__emu/requests           request log since the last clear, token
                                   requests included: [{"method","path",
                                   "query" (decoded SOQL),"status" (0: dropped),
                                   "bytes","ms","headers","body","records",
                                   "uri_bytes","header_bytes" (as received),
                                   "fault" (null, "drop", "drop-after",
                                   "truncate", "status", "delay", "headers")}]
  DELETE /__emu/requests           clear the request log
  POST   /__emu/faults             arm faults: [{"method","path":regex,"status",
                                   "body","headers","content_type","delay_ms",
                                   "drop","truncate","times","skip"}] for the
                                   next `times` (default 1, null: all) matching
                                   requests, after letting the first `skip`
                                   (default 0) through; the regex is searched in
                                   the target, raw and percent-decoded.
                                   status: answer it instead of serving; a
                                     string body is sent raw as text/html (if it
                                     starts with '<') or text/plain unless
                                     content_type says otherwise; headers (e.g.
                                     Retry-After) are added to any answer
                                   delay_ms: wait before answering
                                   drop: true or "before": close the connection
                                     without carrying the request out; "after":
                                     carry it out (a write is applied), then
                                     close without answering
                                   truncate: N: send the full Content-Length but
                                     only the first N bytes of the body (as on
                                     the wire, after gzip), then close
  DELETE /__emu/faults             disarm every fault
  POST   /__emu/tokens/expire      every token becomes invalid
  POST   /__emu/tokens             mint a token without a logged token request
  POST   /__emu/limits             {"max":N,"used":N} API request allowance
  GET    /__emu/limits             the allowance: {"max":N,"used":N}
  POST   /__emu/oauth              {"run_as_user":false} breaks the token flow
  POST   /__emu/locators/expire    every query locator becomes invalid
  POST   /__emu/bulk               {"in_progress":S,"complete":S} Bulk job timing
                                   (seconds until InProgress and JobComplete);
                                   {"upload_max_bytes":N} an ingest job's upload
                                   limit (150,000,000 bytes of base64);
                                   {"reset":true} and /__emu/reset restore both
  GET    /__emu/clock              the emulator's clock: {"now","offset_seconds"}
  POST   /__emu/clock              move it: {"advance_seconds":N}, {"now":iso}
                                   or {"offset_seconds":N}; stamps of writes and
                                   the replication windows follow it (reset: 0)
  POST   /__emu/undelete           {"ids":[...]} undelete from the Recycle Bin
                                   (IsDeleted false, new SystemModstamp, out of
                                   the delete log)
  POST   /__emu/replication        {"id_limit":N} ids per Get Updated/Deleted
                                   answer (600000); {"purge":"Obj","before":iso}
                                   empties its delete log up to then;
                                   {"empty_recycle_bin":"Obj"} hard-deletes its
                                   soft-deleted records (kept in the delete log)
"""


def parse_args(argv=None):
    """The options of argv (sys.argv[1:] when None); --help and errors exit."""
    parser = argparse.ArgumentParser(
        prog="sfemu", description="Salesforce REST API emulator for salesforce_fdw tests. "
        "Prints 'listening on http://HOST:PORT' as its first line.",
        epilog=HELP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (0)")
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID, help="consumer key accepted (%s)" % DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET, help="consumer secret accepted (%s)" % DEFAULT_CLIENT_SECRET)
    parser.add_argument("--dataset", choices=("demo", "none"), default="demo",
                        help="data loaded at start and on reset (demo)")
    parser.add_argument("--latency-ms", type=int, default=0, metavar="N",
                        help="delay every Salesforce response by N ms (0)")
    parser.add_argument("--quirk", action="append", default=[], choices=QUIRKS,
                        help="SOQL behaviour switch, repeatable (see Quirks below)")
    parser.add_argument("--token-ttl", type=float, default=None, metavar="SECONDS",
                        help="access tokens expire after SECONDS (never)")
    parser.add_argument("--api-limit", type=int, default=DEFAULT_API_LIMIT,
                        help="daily API request allowance (%d)" % DEFAULT_API_LIMIT)
    return parser.parse_args(argv)


def emulator(args):
    """The org the options describe."""
    return Emulator(args.client_id, args.client_secret, args.dataset, args.latency_ms,
                    args.quirk, args.token_ttl, args.api_limit)


def main(argv=None):
    """Run the emulator until SIGTERM or SIGINT; returns the exit status."""
    args = parse_args(argv)
    emu = emulator(args)
    server = make_server(emu, args.host, args.port)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stdout.write("listening on %s\n" % emu.base_url)
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0
