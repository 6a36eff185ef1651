"""The OAuth 2.0 token endpoint: the client credentials flow, and nothing else.

Rules:
- Credentials come form-encoded in the body or as HTTP Basic (the body wins);
  a JSON body is refused, as Salesforce is believed to (unconfirmed).
- Errors are OAuth's {"error", "error_description"} with status 400, never
  Salesforce's REST error list.
- The client secret is compared in constant time and never echoed; the
  request log masks it (http_server.py).
"""

import base64
import hashlib
import hmac
import time
import urllib.parse

from .messages import Reply, parse_form


def token(emu, headers, body):
    """POST /services/oauth2/token: the client credentials flow.  headers:
    case-insensitive .get(); body: the request's bytes."""

    def fail(code, text):
        return Reply(400, {"error": code, "error_description": text})
    ctype = (headers.get("Content-Type") or "").lower()
    stripped = body.strip()
    if "json" in ctype or stripped.startswith(b"{") or stripped.startswith(b"["):
        # A JSON body is believed refused (unconfirmed).
        return fail("unsupported_grant_type", "grant type not supported")
    form = parse_form(body.decode("utf-8", "replace"))
    client_id = form.get("client_id")
    client_secret = form.get("client_secret")
    auth = headers.get("Authorization") or ""
    if auth[:6].lower() == "basic ":
        try:
            pair = base64.b64decode(auth[6:].strip()).decode("utf-8")
            bid, _, bsecret = pair.partition(":")
            client_id = client_id or urllib.parse.unquote(bid)
            client_secret = client_secret or urllib.parse.unquote(bsecret)
        except ValueError:
            return fail("invalid_client", "invalid client credentials")
    grant = form.get("grant_type")
    if not grant:
        return fail("invalid_request", "grant type is missing")
    if grant != "client_credentials":
        return fail("unsupported_grant_type", "grant type not supported")
    host = (headers.get("Host") or "").lower()
    if host.startswith("login.") or host.startswith("test."):
        return fail("invalid_grant", "request not supported on this domain")
    # A missing client_id is treated like an unknown one, a missing secret
    # like a wrong one (what clients observe; unconfirmed).
    if client_id != emu.client_id:
        return fail("invalid_client_id", "client identifier invalid")
    if not client_secret or not hmac.compare_digest(client_secret, emu.client_secret):
        return fail("invalid_client", "invalid client credentials")
    if not emu.run_as_user:
        return fail("invalid_grant", "no client credentials user enabled")
    issued_at = str(int(time.time() * 1000))
    identity = "%s/id/%s/%s" % (emu.base_url, emu.org_id, emu.user_id)
    signature = base64.b64encode(hmac.new(emu.client_secret.encode(),
                                          (identity + issued_at).encode(),
                                          hashlib.sha256).digest()).decode()
    return Reply(200, {
        "access_token": emu.issue_token(),
        "signature": signature,
        "scope": "api",
        "instance_url": emu.base_url,
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued_at,
        "token_format": "opaque",
    })

