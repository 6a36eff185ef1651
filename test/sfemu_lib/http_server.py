"""The emulator's HTTP front: one threaded server, one handler per connection.

Rules:
- HTTP/1.1 keep-alive with Content-Length on every response (libcurl reuses
  connections); request bodies may be chunked or gzipped; responses of
  GZIP_MIN bytes or more are gzipped when the client accepts it.
- A URI over MAX_URI bytes answers 414, URI and headers together 431.
- Armed fault rules (control.py) are applied here, on the wire: delay, drop
  before or after carrying the request out, a status instead of serving,
  extra headers, a truncated body.
- Every Salesforce request is logged (client secrets masked) before its answer
  leaves, so a client that has the answer finds it in the log; /__emu/ is
  loopback-only and never logged.  What a request means is rest.py's.
"""

import gzip
import http.server
import re
import socket
import sys
import time
import traceback
import urllib.parse

from . import control, rest
from .messages import Reply, error, parse_form

MAX_URI = 16384             # URI (and URI + headers) limit, bytes
LOG_BODY_LIMIT = 65536
GZIP_MIN = 1024
LOGGED_HEADERS = ("Sforce-Query-Options", "Accept-Encoding", "Content-Type",
                  "Content-Encoding", "Sforce-Call-Options", "If-Modified-Since",
                  "If-Unmodified-Since", "Sforce-Auto-Assign")


class Handler(http.server.BaseHTTPRequestHandler):
    """One connection: size checks, body decoding, latency, faults, gzip, the
    request log; what a request means is rest.serve's or control.serve's."""

    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: without TCP_NODELAY, Nagle
    # and the client's delayed ACK would add ~40 ms to every response.
    disable_nagle_algorithm = True
    server_version = "sfemu/1.0"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    @property
    def emu(self):
        return self.server.emu

    def parse_request(self):
        if not super().parse_request():
            return False
        # URI over 16,384 bytes -> 414; URI + headers -> 431.
        target = self.path
        status = None
        if len(target) > MAX_URI:
            status = 414
        elif len(target) + self._header_bytes() > MAX_URI:
            status = 431
        if status is None:
            return True
        start = time.monotonic()
        self._read_body()
        text = {414: "URI Too Long", 431: "Request Header Fields Too Large"}[status]
        data = ("<html><body><h1>%d %s</h1></body></html>" % (status, text)).encode()
        self._send(status, data, "text/html;charset=UTF-8", {},
                   on_ready=lambda n: self._log(urllib.parse.urlsplit(target).path, None,
                                                status, n, start, b""))
        return False

    def _header_bytes(self):
        """The size of the request's header lines as received."""
        return sum(len(k) + len(v) + 4 for k, v in self.headers.items())

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            data = b"".join(chunks)
        else:
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length) if length > 0 else b""
        if self.headers.get("Content-Encoding", "").lower() == "gzip" and data:
            data = gzip.decompress(data)
        return data

    def do_GET(self):
        self.handle_any()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_GET

    def _send(self, status, data, ctype, headers, gzip_ok=False, on_ready=None, truncate=None):
        """Write a response; on_ready(body length) runs just before, so the
        request log holds the entry by the time the client has the answer.
        With truncate=N only the first N bytes of the body (as it goes on the
        wire, gzipped or not) follow the full Content-Length, and the
        connection is closed: what a proxy resetting mid-answer does."""
        if gzip_ok and len(data) >= GZIP_MIN:
            data = gzip.compress(data, compresslevel=5)
            headers = dict(headers, **{"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        if on_ready is not None:
            on_ready(len(data))
        self.send_response(status)
        self.send_header("Date", self.date_time_string())
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data if truncate is None else data[:truncate])
        self.wfile.flush()
        if truncate is not None:
            self._hang_up()
        return len(data)

    def _hang_up(self):
        """Close the connection now, whatever the client expects next."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def send_response(self, code, message=None):
        # Like the base class but without its Server/Date duplicates.
        self.log_request(code)
        self.send_response_only(code, message)

    def _log(self, path, query, status, nbytes, start, body, records=None, fault=None):
        headers = {h: self.headers[h] for h in LOGGED_HEADERS if self.headers.get(h) is not None}
        text = body[:LOG_BODY_LIMIT].decode("utf-8", "replace") if body else None
        if text and path.endswith("/oauth2/token"):
            text = re.sub(r"(client_secret=)[^&]*", r"\1***", text)
        entry = {"method": self.command, "path": path, "query": query, "status": status,
                 "bytes": nbytes, "ms": round((time.monotonic() - start) * 1000, 1),
                 "headers": headers, "body": text, "records": records,
                 "uri_bytes": len(self.path),
                 "header_bytes": self._header_bytes(),
                 "fault": fault}
        with self.emu.lock:
            self.emu.log.append(entry)

    def handle_any(self):
        start = time.monotonic()
        emu = self.emu
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        parts = urllib.parse.urlsplit(self.path)
        path = parts.path
        params = parse_form(parts.query)
        gzip_ok = "gzip" in (self.headers.get("Accept-Encoding") or "").lower()
        if path == "/__emu" or path.startswith("/__emu/"):
            if not is_loopback(self.client_address[0]):
                reply = Reply(403, error("FORBIDDEN", "control endpoints are loopback only"))
            else:
                reply = control.serve(emu, self.command, path, body)
            data, ctype = reply.encode()
            self._send(reply.status, data, ctype, reply.headers)
            return
        query = None
        if re.match(r"^/services/data/v\d+\.\d+/query(All)?/?$", path):
            query = params.get("q")
        fault = control.take_fault(emu, self.command, self.path) or {}
        if emu.latency:
            time.sleep(emu.latency)
        if fault.get("delay_ms"):
            time.sleep(fault["delay_ms"] / 1000.0)
        drop = fault.get("drop")
        if drop and drop != "after":
            # Dropped before the request was carried out: nothing happened.
            self._log(path, query, 0, 0, start, body, fault="drop")
            self._hang_up()
            return
        if fault.get("status"):
            reply = _fault_reply(fault)
        else:
            try:
                reply = rest.serve(emu, self.command, path, params, self.headers, body)
            except Exception as e:     # an emulator bug: answer like Salesforce's 500
                traceback.print_exc()
                reply = Reply(500, error("UNKNOWN_EXCEPTION", "An unexpected error occurred: %s: %s"
                                         % (type(e).__name__, e)))
        reply.headers.update(fault.get("headers") or {})
        if drop == "after":
            # Carried out (a write is applied), then the connection dies
            # before the answer leaves: the client cannot know the outcome.
            self._log(path, query, 0, 0, start, body, fault="drop-after")
            self._hang_up()
            return
        data, ctype = reply.encode()
        # How many records a query page carried, so tests can weigh what
        # crossed the wire against what a statement returned.
        records = None
        if isinstance(reply.body, dict) and isinstance(reply.body.get("records"), list) \
                and re.match(r"^/services/data/v\d+\.\d+/query(All)?(/|$)", path):
            records = len(reply.body["records"])
        truncate = fault.get("truncate")
        label = ("truncate" if truncate is not None else
                 "status" if fault.get("status") else
                 "delay" if fault.get("delay_ms") else "headers" if fault else None)
        self._send(reply.status, data, ctype, reply.headers, gzip_ok,
                   on_ready=lambda n: self._log(path, query, reply.status, n, start, body, records,
                                                label),
                   truncate=truncate)


def _fault_reply(fault):
    """The answer a fault rule with a "status" gives instead of serving: a
    string body goes raw, as HTML when it starts with '<', else as text."""
    fbody = fault.get("body")
    if isinstance(fbody, str):
        ctype = fault.get("content_type") or (
            "text/html;charset=UTF-8" if fbody.lstrip().startswith("<")
            else "text/plain;charset=UTF-8")
        return Reply(fault["status"], raw=fbody.encode(), content_type=ctype)
    return Reply(fault["status"], fbody, content_type=fault.get("content_type"))


def is_loopback(addr):
    """Whether a client address is this machine's (IPv4, IPv6 or mapped)."""
    return addr.startswith("127.") or addr in ("::1", "localhost") or addr.startswith("::ffff:127.")


class Server(http.server.ThreadingHTTPServer):
    """Threaded: a thread per connection, none waited for at shutdown."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that went away (cancelled query, dropped connection) is
        # normal in these tests; anything else is an emulator bug worth a trace.
        if isinstance(sys.exc_info()[1], (ConnectionError, socket.timeout)):
            return
        super().handle_error(request, client_address)


def make_server(emu, host="127.0.0.1", port=0):
    """A Server for emu bound to host:port (0: a free port), not yet serving;
    emu.base_url becomes its address."""
    server = Server((host, port), Handler)
    server.emu = emu
    host, port = server.server_address[:2]
    emu.base_url = "http://%s:%d" % (host if ":" not in host else "[%s]" % host, port)
    return server
