"""What every part of the emulator answers with: a Reply, and the error body.

Rules:
- A Reply holds a status, a JSON-able body (or raw bytes) and headers; it is
  encoded once, by the HTTP front (http_server.py), or read back as JSON by
  a composite request that ran it as a subrequest (rest.py).
- Request JSON is read with exact numbers (Decimal), never floats; a query
  string or form body gives each name its first value.
- Salesforce's REST error body is a list of {"message", "errorCode"}.
"""

import decimal
import json
import urllib.parse

from .store import json_dumps


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

