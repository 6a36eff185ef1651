"""The OAuth token endpoint (sfemu_lib/oauth.py): the client credentials
flow over HTTP, its error answers, and token() called in process."""

import base64
import json
import unittest

from emulator.emu_fixture import API, CLIENT_ID, CLIENT_SECRET, Emu
from sfemu_lib import oauth
from sfemu_lib.org import Emulator
from sfemu_lib.messages import Headers

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def token_request(emu, body, headers=FORM):
    return emu.post("/services/oauth2/token", body, headers, token=False)


class TokenTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emu.start_for(cls, "--dataset", "none")

    def setUp(self):
        self.emu.reset("none")

    def test_success_shape(self):
        status, _, body = token_request(self.emu, "grant_type=client_credentials&client_id=%s"
                                        "&client_secret=%s" % (CLIENT_ID, CLIENT_SECRET))
        self.assertEqual(status, 200)
        self.assertEqual(sorted(body), ["access_token", "id", "instance_url", "issued_at",
                                        "scope", "signature", "token_format", "token_type"])
        self.assertTrue(body["access_token"].startswith("00D"))
        self.assertIn("!", body["access_token"])
        self.assertEqual(body["instance_url"], self.emu.url)
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["scope"], "api")
        self.assertEqual(body["token_format"], "opaque")
        self.assertRegex(body["issued_at"], r"^\d{13}$")
        org, user = body["id"].split("/")[-2:]
        self.assertTrue(org.startswith("00D") and len(org) == 18)
        self.assertTrue(user.startswith("005") and len(user) == 18)
        import hashlib
        import hmac
        sig = base64.b64encode(hmac.new(CLIENT_SECRET.encode(),
                                        (body["id"] + body["issued_at"]).encode(),
                                        hashlib.sha256).digest()).decode()
        self.assertEqual(body["signature"], sig)
        _, _, again = token_request(self.emu, "grant_type=client_credentials&client_id=%s"
                                    "&client_secret=%s" % (CLIENT_ID, CLIENT_SECRET))
        self.assertNotEqual(again["access_token"], body["access_token"])

    def test_basic_auth(self):
        auth = base64.b64encode(("%s:%s" % (CLIENT_ID, CLIENT_SECRET)).encode()).decode()
        status, _, body = token_request(self.emu, "grant_type=client_credentials",
                                        dict(FORM, Authorization="Basic " + auth))
        self.assertEqual(status, 200, body)
        status, _, _ = self.emu.get(API + "/limits", token=body["access_token"])
        self.assertEqual(status, 200)

    def check_error(self, body, error, description, headers=FORM):
        status, _, out = token_request(self.emu, body, headers)
        self.assertEqual((status, out), (400, {"error": error, "error_description": description}))

    def test_errors(self):
        ok = "grant_type=client_credentials&client_id=%s&client_secret=%s" % (CLIENT_ID, CLIENT_SECRET)
        self.check_error("grant_type=client_credentials&client_id=nope&client_secret=x",
                         "invalid_client_id", "client identifier invalid")
        self.check_error("grant_type=client_credentials&client_id=%s&client_secret=bad" % CLIENT_ID,
                         "invalid_client", "invalid client credentials")
        self.check_error("grant_type=password&client_id=%s&client_secret=%s" % (CLIENT_ID, CLIENT_SECRET),
                         "unsupported_grant_type", "grant type not supported")
        self.check_error("client_id=%s&client_secret=%s" % (CLIENT_ID, CLIENT_SECRET),
                         "invalid_request", "grant type is missing")
        self.check_error(json.dumps({"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                     "client_secret": CLIENT_SECRET}),
                         "unsupported_grant_type", "grant type not supported",
                         {"Content-Type": "application/json"})
        for host in ("login.salesforce.com", "test.salesforce.com"):
            self.check_error(ok, "invalid_grant", "request not supported on this domain",
                             dict(FORM, Host=host))
        self.emu.control("POST", "oauth", {"run_as_user": False})
        self.check_error(ok, "invalid_grant", "no client credentials user enabled")
        self.emu.control("POST", "oauth", {"run_as_user": True})
        status, _, _ = token_request(self.emu, ok)
        self.assertEqual(status, 200)

    def test_token_not_counted_and_logged(self):
        self.emu.clear_log()
        self.emu.token(refresh=True)
        log = self.emu.requests()
        self.assertEqual([(e["method"], e["path"], e["status"]) for e in log],
                         [("POST", "/services/oauth2/token", 200)])
        self.assertNotIn(CLIENT_SECRET, log[0]["body"])


class TokenInProcessTest(unittest.TestCase):
    """oauth.token() takes the org, the headers and the body; nothing else."""

    def setUp(self):
        self.emu = Emulator("id-1", "secret-1", dataset="none")

    def token(self, body, headers=FORM):
        return oauth.token(self.emu, Headers(headers), body.encode())

    def test_form_wins_over_basic(self):
        basic = base64.b64encode(b"id-1:wrong").decode()
        reply = self.token("grant_type=client_credentials&client_secret=secret-1",
                           dict(FORM, Authorization="Basic " + basic))
        self.assertEqual(reply.status, 200, reply.body)
        self.assertTrue(self.emu.token_valid(reply.body["access_token"]))

    def test_secret_never_echoed(self):
        for body in ("grant_type=client_credentials&client_id=id-1&client_secret=secret-2",
                     "grant_type=client_credentials&client_id=id-2&client_secret=secret-1"):
            reply = self.token(body)
            self.assertEqual(reply.status, 400)
            self.assertNotIn("secret", json.dumps(reply.body))

    def test_bad_basic_header(self):
        reply = self.token("grant_type=client_credentials", dict(FORM, Authorization="Basic abc"))
        self.assertEqual((reply.status, reply.body["error"]), (400, "invalid_client"))

    def test_identity_names_org_and_run_as_user(self):
        self.emu.base_url = "http://127.0.0.1:1"
        body = self.token("grant_type=client_credentials&client_id=id-1&client_secret=secret-1").body
        self.assertEqual(body["id"], "http://127.0.0.1:1/id/%s/%s"
                         % (self.emu.org_id, self.emu.user_id))
        self.assertEqual(body["instance_url"], "http://127.0.0.1:1")


if __name__ == "__main__":
    unittest.main()
