"""Requests and replies (sfemu_lib/messages.py): the vocabulary the HTTP
front, the REST API, composite and the control API share."""

import decimal
import unittest

from sfemu_lib.messages import Ctx, Headers, Reply, check_method, error, parse_form, parse_json


class MessagesTest(unittest.TestCase):
    def test_headers_case_insensitive(self):
        h = Headers({"Sforce-Query-Options": "batchSize=200"})
        self.assertEqual(h.get("sforce-query-options"), "batchSize=200")
        self.assertIsNone(h.get("Accept"))
        self.assertEqual(Headers([("A-B", "1")]).get("a-b"), "1")

    def test_ctx_json_exact_and_lazy(self):
        ctx = Ctx("GET", [], {}, Headers(), b' {"a": 1.10} ', "66.0")
        self.assertEqual(ctx.json(), {"a": decimal.Decimal("1.10")})
        self.assertIs(ctx.json(), ctx.json())
        self.assertIsNone(Ctx("GET", [], {}, Headers(), None, "66.0").json())
        with self.assertRaises(ValueError):
            parse_json(b"{nope")

    def test_reply_encoding(self):
        self.assertEqual(Reply(204).encode(), (b"", None))
        self.assertEqual(Reply(200, {"n": decimal.Decimal("1.50")}).encode(),
                         (b'{"n":1.5}', "application/json;charset=UTF-8"))
        self.assertEqual(Reply(200, raw=b"x").encode(), (b"x", "application/octet-stream"))
        self.assertEqual(Reply(200, raw=b"<a/>", content_type="text/xml").encode(),
                         (b"<a/>", "text/xml"))
        self.assertEqual(Reply(200, raw=b'{"a": 1}').json(), {"a": 1})
        self.assertEqual(Reply(500, raw=b"<html>").json(), "<html>")

    def test_errors_forms_and_methods(self):
        self.assertEqual(error("X", "y"), [{"message": "y", "errorCode": "X"}])
        self.assertEqual(error("X", "y", []), [{"message": "y", "errorCode": "X", "fields": []}])
        self.assertEqual(parse_form("a=1&a=2&b=&c=%20"), {"a": "1", "b": "", "c": " "})
        self.assertIsNone(check_method("GET", ("GET", "HEAD")))
        reply = check_method("PUT", ("GET", "HEAD"))
        self.assertEqual((reply.status, reply.body[0]["message"]),
                         (405, "HTTP Method 'PUT' not allowed. Allowed are GET,HEAD"))


if __name__ == "__main__":
    unittest.main()
