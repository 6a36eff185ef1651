"""Requests and replies as the emulator's parts hand them to each other.

Rules:
- A Ctx is one API request below /services/data/vNN.N/ (from HTTP or a
  composite subrequest); header lookups are case-insensitive everywhere.
- A Reply holds a status, a JSON-able body (or raw bytes) and headers; it is
  encoded once, by the HTTP front (http_server.py), or read back as JSON by
  the composite request that ran it as a subrequest (composite.py).
- Request JSON is read with exact numbers (Decimal), never floats; a query
  string or form body gives each name its first value.
- Salesforce's REST error body is a list of {"message", "errorCode"}.
"""

import decimal
import json
import urllib.parse

from .store import json_dumps

VERSIONS = ["%d.0" % v for v in range(31, 68)]      # API versions served: 31.0 .. 67.0
NOT_FOUND = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]


def error(code, message, fields=None):
    """A REST error body: [{"message", "errorCode"(, "fields")}]."""
    e = {"message": message, "errorCode": code}
    if fields is not None:
        e["fields"] = fields
    return [e]


def parse_json(data):
    """Request JSON with exact numbers (Decimal); raises ValueError."""
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    return json.loads(data, parse_float=decimal.Decimal)


def parse_form(text):
    """A query string or form body as name -> first value (blank values kept)."""
    return {k: v[0] for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items()}


def check_method(method, allowed):
    """None when a resource takes method, else the 405 Salesforce answers."""
    if method in allowed:
        return None
    return Reply(405, error("METHOD_NOT_ALLOWED", "HTTP Method '%s' not allowed. Allowed are %s"
                            % (method, ",".join(allowed))))


class Reply:
    """A response: status, a JSON-able body (or raw bytes) and headers."""

    def __init__(self, status, body=None, headers=None, raw=None, content_type=None):
        self.status = status
        self.body = body
        self.raw = raw
        self.headers = dict(headers or {})
        self.content_type = content_type

    def encode(self):
        if self.raw is not None:
            return self.raw, self.content_type or "application/octet-stream"
        if self.body is None:
            return b"", None
        return json_dumps(self.body).encode("utf-8"), \
            self.content_type or "application/json;charset=UTF-8"

    def json(self):
        """The body as a JSON value (composite results)."""
        if self.raw is not None:
            try:
                return parse_json(self.raw)
            except ValueError:
                return self.raw.decode("utf-8", "replace")
        return self.body


class Ctx:
    """One API request as the router sees it (HTTP request or subrequest)."""

    def __init__(self, method, segments, params, headers, body, version):
        self.method = method
        self.segments = segments        # path after /services/data/vNN.N/, split on '/'
        self.params = params            # name -> first value
        self.headers = headers          # case-insensitive .get()
        self.body = body or b""
        self.version = version
        self._json = None

    def json(self):
        if self._json is None:
            self._json = parse_json(self.body) if self.body.strip() else None
        return self._json


class Headers(dict):
    """Case-insensitive header dict with .get()."""

    def __init__(self, items=()):
        super().__init__()
        for k, v in (items.items() if isinstance(items, dict) else items):
            self[k.lower()] = v

    def get(self, key, default=None):
        return super().get(key.lower(), default)
