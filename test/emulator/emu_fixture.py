"""Start a private emulator (test/sfemu) for a test and talk to it.

    emu = Emu("--dataset", "none")      # starts test/sfemu --port 0 ...
    status, headers, body = emu.get("/services/data/v66.0/limits")
    emu.stop()

or, in a unittest.TestCase:  cls.emu = Emu.start_for(cls, "--dataset", "none")
(stopped by addClassCleanup).  Requests to /services/data/vNN.N/... carry a
Bearer token fetched once (token=False to send none, or a string to send that
one).  Bodies: dict/list -> JSON, str/bytes sent as is.  The result body is
parsed JSON when the response is JSON, else text.
"""

import gzip
import http.client
import json
import decimal
import os
import signal
import subprocess
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SFEMU = os.path.join(os.path.dirname(HERE), "sfemu")
EMUCTL = os.path.join(os.path.dirname(HERE), "emuctl")
API = "/services/data/v66.0"
CLIENT_ID = "emu-client-id"
CLIENT_SECRET = "emu-client-secret"


class Emu:
    def __init__(self, *args):
        self.proc = subprocess.Popen([sys.executable, SFEMU, "--port", "0"] + list(args),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.proc.kill()
            raise RuntimeError("sfemu did not start: %r %s" % (line, self.proc.stderr.read()))
        self.url = line[len("listening on "):]
        parts = urllib.parse.urlsplit(self.url)
        self.host, self.port = parts.hostname, parts.port
        self._token = None
        self._conn = None

    @classmethod
    def start_for(cls, testcase, *args):
        emu = cls(*args)
        testcase.addClassCleanup(emu.stop)
        return emu

    def stop(self):
        if self._conn is not None:
            self._conn.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()

    # ------------------------------------------------------------ requests

    def token(self, refresh=False):
        if self._token is None or refresh:
            status, _, body = self.request("POST", "/services/oauth2/token",
                                           "grant_type=client_credentials&client_id=%s&client_secret=%s"
                                           % (CLIENT_ID, CLIENT_SECRET),
                                           {"Content-Type": "application/x-www-form-urlencoded"},
                                           token=False)
            if status != 200:
                raise RuntimeError("token request failed: %s %s" % (status, body))
            self._token = body["access_token"]
        return self._token

    def request(self, method, path, body=None, headers=None, token=True, raw=False):
        """(status, headers dict with lower-case names, body).  Uses one
        keep-alive connection (like libcurl), reconnecting when needed."""
        headers = dict(headers or {})
        if isinstance(body, (dict, list)):
            data = json.dumps(body, default=_json_default).encode()
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body
        if path.startswith("/services/data/v") and token is not False and path.count("/") > 3:
            tok = self.token() if token is True else token
            headers.setdefault("Authorization", "Bearer " + tok)
        elif isinstance(token, str):
            headers.setdefault("Authorization", "Bearer " + token)
        for attempt in (0, 1):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self._conn.request(method, path, body=data, headers=headers)
                resp = self._conn.getresponse()
                payload = resp.read()
                break
            except (http.client.HTTPException, ConnectionError, OSError):
                self._conn.close()
                self._conn = None
                if attempt:
                    raise
        rheaders = {k.lower(): v for k, v in resp.getheaders()}
        if resp.getheader("Connection", "").lower() == "close":
            self._conn.close()
            self._conn = None
        if rheaders.get("content-encoding") == "gzip":
            payload = gzip.decompress(payload)
        if raw:
            return resp.status, rheaders, payload
        text = payload.decode("utf-8")
        if "json" in rheaders.get("content-type", "") and text:
            return resp.status, rheaders, json.loads(text, parse_float=decimal.Decimal)
        return resp.status, rheaders, text

    def get(self, path, body=None, headers=None, token=True):
        return self.request("GET", path, body, headers, token)

    def post(self, path, body=None, headers=None, token=True):
        return self.request("POST", path, body, headers, token)

    def patch(self, path, body=None, headers=None, token=True):
        return self.request("PATCH", path, body, headers, token)

    def delete(self, path, body=None, headers=None, token=True):
        return self.request("DELETE", path, body, headers, token)

    # ------------------------------------------------------------ controls

    def control(self, method, path, body=None):
        status, _, out = self.request(method, "/__emu/" + path.lstrip("/"), body, token=False)
        if status != 200:
            raise RuntimeError("control %s %s: %s %s" % (method, path, status, out))
        return out

    def reset(self, dataset=None):
        self._token = None          # the emulator forgets every token
        return self.control("POST", "reset", {"dataset": dataset} if dataset else None)

    def define(self, describe):
        return self.control("POST", "sobjects", describe)

    def load(self, sobject, records):
        return self.control("POST", "records/" + sobject, records)

    def requests(self):
        return self.control("GET", "requests")

    def clear_log(self):
        return self.control("DELETE", "requests")

    def query(self, soql, headers=None, all_rows=False):
        resource = "queryAll" if all_rows else "query"
        return self.get("%s/%s?q=%s" % (API, resource, urllib.parse.quote(soql)), headers=headers)


def _json_default(obj):
    if isinstance(obj, decimal.Decimal):
        return float(obj)
    raise TypeError(repr(obj))
