"""soql/lexer.py: tokens and string-literal decoding, and soql/errors.py's
located messages for text the tokenizer cannot read."""

import unittest

from sfemu_lib.soql import SoqlError, parse
from sfemu_lib.soql.lexer import _decode_string, _tokenize
from sfemu_lib.soql.parser import Lit


def lit(raw):
    return Lit("STRING", raw, 0, "'%s'" % raw)


class TokenizeTest(unittest.TestCase):
    def test_kinds_and_positions(self):
        toks = _tokenize("SELECT a.B, COUNT(Id) FROM X WHERE d >= 2024-01-02T03:04:05.5+01:00 "
                         "AND n != -1.5 AND s = 'it\\'s' AND t < 10:11:12Z AND e = 2024-01-02")
        self.assertEqual([(t.kind, t.text) for t in toks[:7]],
                         [("ident", "SELECT"), ("ident", "a.B"), ("op", ","), ("ident", "COUNT"),
                          ("op", "("), ("ident", "Id"), ("op", ")")])
        by_kind = {t.kind: t for t in toks}
        self.assertEqual(by_kind["datetime"].text, "2024-01-02T03:04:05.5+01:00")
        self.assertEqual(by_kind["datetime"].pos, 40)
        self.assertEqual(by_kind["number"].text, "-1.5")
        self.assertEqual(by_kind["string"].text, "'it\\'s'")
        self.assertEqual(by_kind["time"].text, "10:11:12Z")
        self.assertEqual(by_kind["date"].text, "2024-01-02")
        self.assertEqual(toks[-1].kind, "eof")
        self.assertEqual(_tokenize("select")[0].upper, "SELECT")

    def malformed(self, text):
        with self.assertRaises(SoqlError) as cm:
            parse(text)
        self.assertEqual(cm.exception.error_code, "MALFORMED_QUERY")
        return cm.exception.message

    def test_unreadable_text_is_located(self):
        self.assertEqual(self.malformed("SELECT Id FROM Account WHERE Name = 'abc"),
                         "\nSELECT Id FROM Account WHERE Name = 'abc\n" + " " * 40 + "^\n"
                         "ERROR at Row:1:Column:41\nline 1:40 no viable alternative at character '<EOF>'")
        self.assertTrue(self.malformed("SELECT Id FROM Account WHERE # = 1").endswith(
            "ERROR at Row:1:Column:30\nline 1:29 no viable alternative at character '#'"))
        # a dateTime needs its zone
        self.assertTrue(self.malformed("SELECT Id FROM Account WHERE D = 2024-01-01T10:00:00 AND x = 1")
                        .endswith("ERROR at Row:1:Column:53\nline 1:52 no viable alternative at character ' '"))
        msg = self.malformed("SELECT Id\nFROM Account WHERE D = 2024-01-01T10:00")
        self.assertIn("ERROR at Row:2:Column:40\n", msg)
        self.assertTrue(msg.endswith("no viable alternative at character '<EOF>'"))


class DecodeStringTest(unittest.TestCase):
    def test_escapes(self):
        self.assertEqual(_decode_string(lit("plain"), ""), "plain")
        self.assertEqual(_decode_string(lit("a\\'b\\\\c\\n\\T\\u00e9"), ""), "a'b\\c\n\t\u00e9")
        with self.assertRaises(SoqlError) as cm:
            _decode_string(lit("a\\qb"), "SELECT x")
        self.assertIn("Illegal character sequence '\\q' in string literal.", cm.exception.message)
        with self.assertRaises(SoqlError):
            _decode_string(lit("\\u12"), "")
        with self.assertRaises(SoqlError):        # wildcard escapes belong to LIKE only
            _decode_string(lit("50\\%"), "")

    def test_like_pieces(self):
        self.assertEqual(_decode_string(lit("a%b_c"), "", like=True), ["a", None, "b", Ellipsis, "c"])
        self.assertEqual(_decode_string(lit("50\\%\\_"), "", like=True), ["50%_"])
        self.assertEqual(_decode_string(lit("%"), "", like=True), [None])


if __name__ == "__main__":
    unittest.main()
