"""Hostile input: the SOQL string quoting and the JSON-to-Datum converter.

The test-only module test/fuzz (sf_fuzz.so, installed by test/run-tests)
calls the installed salesforce_fdw library's own SfDeparseStringLiteral() and
SfJsonParse() + SfInitColumnConv() + SfJsonToDatum().

- Quoting: FUZZ_COUNT generated strings (quotes, backslashes, every control
  character, LIKE wildcards, multibyte and astral characters, very long
  values, random mixes and mutations of real Salesforce names) are quoted;
  every literal must contain no raw control character and must read back,
  through the emulator's SOQL tokenizer and string decoder (an independent
  implementation of SOQL's escapes), to exactly the input.  Strings SOQL
  cannot carry never reach the quoting: PostgreSQL refuses invalid UTF-8 and
  NUL first, with a clean error (checked too).
- Conversion: FUZZ_COUNT generated Salesforce query responses (real-shaped
  records whose values are mutated: wrong JSON types, huge exponents,
  out-of-range dates, deep nesting, invalid UTF-8, \\u0000, truncated and
  byte-flipped bodies, very long values) are converted into every column
  type a foreign table can declare.  Each conversion either succeeds or
  raises a clean error (an SQLSTATE other than XX000); the backend never
  crashes (the same backend pid answers afterwards) and no json-c document
  is left alive.

Under `test/run-tests --sanitize` the same inputs run through the ASan/UBSan
build; any sanitizer report fails the run.
"""

import io
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from harness import ClusterTestCase, psql  # noqa: E402
from sfemu_lib import soql  # noqa: E402
from sfemu_lib.soql import lexer as soql_lexer  # noqa: E402

FUZZ_COUNT = int(os.environ.get("SF_FUZZ_COUNT", "100000"))
SEED = int(os.environ.get("SF_FUZZ_SEED", "20261203"))

REAL_NAMES = ["O'Brien & Sons", 'The "Quoted" Company', "Back\\Slash Partners",
              "C:\\Temp\\Files Ltd", "Müller Maschinenbau GmbH", "東京データ株式会社",
              "Rocket 🚀 Launchers", "100% Pure_Unders", "Trailing Space ", "Ωmega Λabs",
              "a\tb\nc\rd", "\\'", "'\\", "%_%", "\\u0041", "\\n"]
ALPHABET = (["'", '"', "\\", "%", "_", "\n", "\r", "\t", "\b", "\f", "\x7f", " ", "u", "0",
             "A", "z", "é", "東", "🚀", "\u2028", "\ufeff", "\U0010fffd"]
            + [chr(c) for c in range(1, 32)])


def random_string(rng):
    kind = rng.random()
    if kind < 0.005:
        # very long values, well past SOQL's 4,000-character literals
        n = rng.choice([4000, 4001, 20000, 100000])
        return "".join(rng.choice(ALPHABET) for _ in range(n // 50)) * 50
    if kind < 0.3:
        base = rng.choice(REAL_NAMES)
        chars = list(base)
        for _ in range(rng.randint(1, 6)):
            op = rng.randint(0, 2)
            pos = rng.randint(0, len(chars))
            if op == 0:
                chars.insert(pos, rng.choice(ALPHABET))
            elif op == 1 and chars:
                del chars[min(pos, len(chars) - 1)]
            elif chars:
                chars[min(pos, len(chars) - 1)] = rng.choice(ALPHABET)
        return "".join(chars)
    if kind < 0.45:
        return "".join(chr(rng.randint(1, 0x10FFFF)) for _ in range(rng.randint(0, 30))
                       ).encode("utf-8", "ignore").decode("utf-8")
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))


def copy_text_escape(s):
    """A value in COPY's text format."""
    return (s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
            .replace("\t", "\\t"))


COPY_ESCAPE_RE = re.compile(r"\\([0-7]{1,3}|.)", re.S)
COPY_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v"}


def copy_text_unescape(s):
    """A value of COPY's text format output."""
    if "\\" not in s:
        return s
    return COPY_ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 8)) if m.group(1)[0] in "01234567"
                              else COPY_SIMPLE.get(m.group(1), m.group(1)), s)


def soql_read_back(literal):
    """The value the emulator's SOQL reader sees in a literal, or raises."""
    query = "SELECT Id FROM Account WHERE Name = " + literal
    tokens = soql_lexer._tokenize(query)
    strings = [t for t in tokens if t.kind == "string"]
    if len(strings) != 1 or strings[0].text != literal or tokens[-1].kind != "eof" \
            or tokens[-2] is not strings[0]:
        raise AssertionError("literal does not tokenize as one string: %r" % literal[:200])
    lit = soql.Lit("STRING", literal[1:-1], strings[0].pos, literal)
    return soql_lexer._decode_string(lit, query)


# --- converter inputs ------------------------------------------------------

COLUMN_TYPES = [("text", -1), ("varchar", 8), ("bool", -1), ("int2", -1), ("int4", -1),
                ("int8", -1), ("numeric", -1), ("numeric", (10 << 16 | 2) + 4),
                ("float4", -1), ("float8", -1), ("date", -1), ("timestamp", -1),
                ("timestamptz", -1), ("time", -1), ("json", -1), ("jsonb", -1),
                ("text[]", -1), ("int4[]", -1), ("money", -1), ("uuid", -1),
                ("bytea", -1), ("interval", -1), ("fuzz_positive", -1)]

GOOD_VALUES = ['"001RO000000000LYAQ"', '"Acme"', "true", "false", "null", "42", "-7",
               "15000.0", "1.5E7", "3.14159", "0.000001", "1.0E-5", '"2024-01-15"',
               '"2024-01-15T10:30:00.000+0000"', '"10:30:00.000Z"', '"A;B;C"', '"1;2;3"',
               '{"city":"Paris","street":"1 rue"}', "[1,2,3]", '"dGVzdA=="', '""',
               '"1 day"', '"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"', "999999999999999999"]
HOSTILE_VALUES = ["1e400", "-1e400", "1e-400", "123456789012345678901234567890",
                  "9223372036854775807", "-9223372036854775808", "18446744073709551615",
                  "9223372036854775808", "32768", "-32769", "2147483648", "1.5", "-0.0",
                  "1E+2147483648", "0.1e-2147483649", '"NaN"', '"Infinity"', '"-Infinity"',
                  '"0000-00-00"', '"2024-02-30"', '"+275760-09-13"', '"294277-01-01"',
                  '"4714-11-24 BC"', '"9999-12-31T23:59:59.999+0000"',
                  '"2024-01-15T25:61:61.000+0000"', '"2024-01-15T10:30:00.000+9999"',
                  '"T"', '"-"', '"2024-01-15T"', '"T+"', '"Z"', '"\\u0000"', '"a\\u0000b"',
                  '"\\ud800"', '"\\udc00\\ud800"', '"\\uffff"', '";"', '";;;"', '"{}"',
                  '"{1,2"', '"1;;2"', '"; ;"', '"\\\\"', '"\'"', '"\\""', "{}", "[]",
                  "[null]", "[[1]]", '[{"a":1}]', '{"a":{"b":{"c":[1,{"d":null}]}}}', "0",
                  "-1", "1.7976931348623157E308", "4.9E-324", "true", '"yes"', '"t"',
                  '"TRUE"', '"  12  "', '" 1.5E7 "', '"1,000"', '"$1.00"', '"12:00:00 PM"']


def deep(rng):
    depth = rng.choice([10, 100, 127, 128, 129, 1000, 5000]) if rng.random() < 0.3 \
        else rng.choice([126, 127, 128, 129])
    opener, closer = rng.choice([("[", "]"), ('{"a":', "}")])
    return opener * depth + "1" + closer * depth


def value_text(rng):
    r = rng.random()
    if r < 0.25:
        return rng.choice(GOOD_VALUES)
    if r < 0.6:
        return rng.choice(HOSTILE_VALUES)
    if r < 0.65:
        return deep(rng)
    if r < 0.66:
        n = rng.choice([5000, 70000]) if rng.random() < 0.1 else rng.choice([300, 4001])
        return '"' + rng.choice(["x", "é", "\\\\", "\\u00e9", "9"]) * n + '"'
    if r < 0.72:
        return "".join(rng.choice("0123456789") for _ in range(rng.randint(19, 400)))
    if r < 0.78:
        return "%s.%se%d" % (rng.randint(0, 10 ** 6), rng.randint(0, 10 ** 6),
                             rng.randint(-100000, 100000))
    # a random JSON string of hostile characters
    return json.dumps(random_string(rng)[:300], ensure_ascii=rng.random() < 0.5)


def body_bytes(rng):
    """A query response body (bytes) carrying FuzzField values, maybe mutated."""
    n = rng.choice([1, 1, 1, 2, 3])
    records = ",".join('{"attributes":{"type":"FuzzObject","url":"/x"},"Id":"001RO000000000LYAQ",'
                       '"FuzzField":%s}' % value_text(rng) for _ in range(n))
    text = '{"totalSize":%d,"done":true,"records":[%s]}' % (n, records)
    data = bytearray(text.encode("utf-8", "surrogatepass"))
    r = rng.random()
    if r < 0.08:
        del data[rng.randint(0, len(data)):]                       # truncated
    elif r < 0.16:
        for _ in range(rng.randint(1, 4)):                          # byte flips
            i = rng.randrange(len(data))
            data[i] = rng.choice([0x00, 0x22, 0x5c, 0x7b, 0x7d, 0x80, 0xc3, 0xff, 0xed, 0x20])
    elif r < 0.22:
        i = data.find(b'"FuzzField":"')                            # invalid UTF-8 in a string
        if i >= 0:
            i += len(b'"FuzzField":"')
            data[i:i] = rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
                                    b"\xc0\xaf", b"\x80"])
    elif r < 0.25:
        data = bytearray(rng.choice([b"[1,2]", b'"x"', b"null", b"{}", b'{"records":{}}',
                                     b'{"records":[1,"a",null,[]]}', b"<html>503</html>",
                                     b"", b"\x00", b"{" * 300]))
    return bytes(data)


def sql_literal(text):
    return "'" + text.replace("'", "''") + "'"


class FuzzTest(ClusterTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        enc = psql("SHOW server_encoding", db=cls.db).stdout.strip()
        if enc != "UTF8":
            psql("DROP DATABASE %s" % cls.db)
            psql("CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
                 % cls.db)
            psql("CREATE EXTENSION salesforce_fdw", db=cls.db)
        psql("""
            CREATE FUNCTION fuzz_quote(text) RETURNS text
                AS '$libdir/sf_fuzz' LANGUAGE C STRICT;
            CREATE FUNCTION fuzz_convert(bytea, text, regtype, int) RETURNS text
                AS '$libdir/sf_fuzz' LANGUAGE C;
            CREATE FUNCTION fuzz_convert_text(bytea, text, regtype, int) RETURNS text
                AS '$libdir/sf_fuzz' LANGUAGE C;
            CREATE DOMAIN fuzz_positive AS int CHECK (VALUE > 0);
            -- a conversion's output, or the SQLSTATE of its error
            CREATE FUNCTION fuzz_result(b bytea, t regtype, tm int, via_text bool)
            RETURNS text LANGUAGE plpgsql AS $$
            BEGIN
                IF via_text THEN
                    RETURN coalesce(fuzz_convert_text(b, 'FuzzField', t, tm), 'NULL');
                END IF;
                RETURN coalesce(fuzz_convert(b, 'FuzzField', t, tm), 'NULL');
            EXCEPTION WHEN OTHERS THEN
                RETURN SQLSTATE;
            END $$;
            -- one conversion: 'ok' or the SQLSTATE of its error
            CREATE FUNCTION fuzz_try(b bytea, t regtype, tm int) RETURNS text
            LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM fuzz_convert(b, 'FuzzField', t, tm);
                RETURN 'ok';
            EXCEPTION WHEN OTHERS THEN
                RETURN SQLSTATE;
            END $$;
            CREATE FUNCTION fuzz_try_utf8(b bytea) RETURNS text
            LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM fuzz_quote(convert_from(b, 'UTF8'));
                RETURN 'ok';
            EXCEPTION WHEN OTHERS THEN
                RETURN SQLSTATE;
            END $$;
        """, db=cls.db)

    def copy_in(self, table, columns, rows):
        """COPY rows (already in text format) into a new table; one psql."""
        buf = io.StringIO()
        buf.write("CREATE TABLE %s (%s);\nCOPY %s FROM STDIN;\n" % (table, columns, table))
        for row in rows:
            buf.write("\t".join(row) + "\n")
        buf.write("\\.\n")
        self.sql(buf.getvalue(), timeout=600)

    def test_quoting_round_trips(self):
        rng = random.Random(SEED)
        inputs = [random_string(rng) for _ in range(FUZZ_COUNT)]
        self.copy_in("quote_in", "id int, s text",
                     ((str(i), copy_text_escape(s)) for i, s in enumerate(inputs)))
        out = self.sql("COPY (SELECT id, fuzz_quote(s) FROM quote_in ORDER BY id) TO STDOUT;",
                       timeout=600).stdout
        lines = out.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        self.assertEqual(len(lines), len(inputs))
        bad = []
        for line in lines:
            i, lit = line.split("\t", 1)
            lit = copy_text_unescape(lit)
            value = inputs[int(i)]
            try:
                if any(ord(c) < 0x20 or ord(c) == 0x7f for c in lit):
                    raise AssertionError("raw control character in the literal")
                back = soql_read_back(lit)
                if back != value:
                    raise AssertionError("read back %r" % back[:80])
            except (AssertionError, soql.SoqlError) as e:
                bad.append("%r -> %r: %s" % (value[:80], lit[:80], e))
        print("\nquoting: %d inputs, %d round trips exact, %d longer than 4,000 characters"
              % (len(inputs), len(inputs) - len(bad), sum(len(s) > 4000 for s in inputs)),
              file=sys.stderr)
        self.assertEqual(bad[:10], [])

        # what SOQL cannot carry is refused by PostgreSQL before any quoting
        rng = random.Random(SEED + 1)
        invalid = []
        for _ in range(2000):
            good = random_string(rng)[:20].encode("utf-8")
            cut = rng.randint(0, len(good))
            junk = rng.choice([b"\xff", b"\xfe", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80",
                               b"\xf4\x90\x80\x80", b"\x80", b"\x00", b"\xe2\x82"])
            invalid.append((good[:cut] + junk + good[cut:]).hex())
        self.copy_in("utf8_in", "b bytea", (("\\\\x" + h,) for h in invalid))
        out = self.sql("SELECT fuzz_try_utf8(b), count(*) FROM utf8_in GROUP BY 1 ORDER BY 1",
                       timeout=600).stdout.strip()
        states = dict(line.split("|") for line in out.splitlines())
        print("invalid UTF-8 / NUL: %s" % states, file=sys.stderr)
        self.assertEqual(set(states), {"22021"}, "invalid UTF-8 must be refused as 22021")

    def test_text_conversion_matches_json(self):
        """SfTextToDatum on a value's text gives what SfJsonToDatum gives for
        the JSON value (the same output or the same error), and the Bulk
        API's CSV forms read as REST's do."""
        rng = random.Random(SEED + 3)
        rows = []
        count = max(FUZZ_COUNT // 5, 1000)
        for i in range(count):
            typ, typmod = COLUMN_TYPES[i % len(COLUMN_TYPES)]
            rows.append((str(i), "\\\\x" + body_bytes(rng).hex(), typ, str(typmod)))
        self.copy_in("text_in", "id int, b bytea, t regtype, tm int", rows)
        out = self.sql("""
            SELECT count(*) FILTER (WHERE j = x), count(*) FILTER (WHERE j IS DISTINCT FROM x)
            FROM (SELECT fuzz_result(b, t, tm, false) j, fuzz_result(b, t, tm, true) x
                  FROM text_in) s;
            SELECT id, t, fuzz_result(b, t, tm, false), fuzz_result(b, t, tm, true)
            FROM text_in
            WHERE fuzz_result(b, t, tm, false) IS DISTINCT FROM fuzz_result(b, t, tm, true)
            LIMIT 5;
        """, timeout=1800).stdout.strip().splitlines()
        self.assertEqual(out[0], "%d|0" % count, out[1:])
        forms = self.sql("""
            SELECT fuzz_convert_text(convert_to('{"FuzzField":23.0}', 'UTF8'), 'FuzzField', 'int4', -1),
                   fuzz_convert_text(convert_to('{"FuzzField":"2024-04-16T19:00:00.000Z"}', 'UTF8'),
                                     'FuzzField', 'timestamptz', -1)
                   = fuzz_convert(convert_to('{"FuzzField":"2024-04-16T19:00:00.000+0000"}', 'UTF8'),
                                  'FuzzField', 'timestamptz', -1),
                   fuzz_convert_text(convert_to('{"FuzzField":"2024-04-16T19:00:00.000Z"}', 'UTF8'),
                                     'FuzzField', 'timestamp', -1);
        """).stdout.strip()
        self.assertEqual(forms, "23\n|t|2024-04-16 19:00:00")

    def test_number_fast_paths_match_input_functions(self):
        """A JSON double read from json-c's own value (float8) or its kept
        text (other types) gives what the type's input function gives for
        the number's text: the same output, or the same error."""
        numbers = ["1.5", "-1.5", "1.5E7", "-2.5e-3", "0.1", "0.0", "-0.0", "007.5",
                   "1e-310", "4.9E-324", "2.2250738585072014E-308", "1.7976931348623157E308",
                   "1e400", "-1e400", "1e-400", "NaN", "Infinity", "-Infinity",
                   "9007199254740993.0", "123456789012345678901234567890.123",
                   "3.141592653589793238462643383279", "15000.0", "1.0E-5"]
        types = ["float8", "numeric", "int4", "text"]
        rows = []
        for n in numbers:
            for t in types:
                body = '{"FuzzField":%s}' % n
                rows.append("SELECT %s n, %s t, "
                            "rtrim(fuzz_result(convert_to(%s, 'UTF8'), %s, -1, false), E'\\n') j, "
                            "rtrim(fuzz_result(convert_to(%s, 'UTF8'), %s, -1, true), E'\\n') x, "
                            "fuzz_input(%s, %s) i"
                            % (sql_literal(n), sql_literal(t), sql_literal(body), sql_literal(t),
                               sql_literal(body), sql_literal(t), sql_literal(n), sql_literal(t)))
        out = self.sql("""
            CREATE FUNCTION fuzz_input(v text, t regtype) RETURNS text LANGUAGE plpgsql AS $$
            DECLARE r text;
            BEGIN
                EXECUTE format('SELECT %%L::%%s::text', v, t) INTO r;
                RETURN r;
            EXCEPTION WHEN OTHERS THEN
                RETURN SQLSTATE;
            END $$;
            SELECT n || ' ' || t || ': ' || j || ' / ' || x || ' / ' || i FROM (%s) s
            WHERE (j IS DISTINCT FROM x AND n !~ '^-?(NaN|Infinity)$')
               OR (t IN ('float8', 'numeric') AND j IS DISTINCT FROM i);
            SELECT j FROM (%s) s WHERE t = 'float8' AND n IN ('1.5E7', '-2.5e-3', '1e-310', '1e400');
        """ % (" UNION ALL ".join(rows), " UNION ALL ".join(rows))).stdout.strip().splitlines()
        # NaN and Infinity are not JSON (json-c reads them): only float8 and
        # numeric, against their input functions, are asked to agree there;
        # the Bulk CSV text "NaN" reads as an integer's text (22P02 for int4)
        self.assertEqual(out[:-4], [])
        self.assertEqual(out[-4:], ["15000000", "-0.0025", "1e-310", "22003"])

    def test_string_checks_keep_their_errors(self):
        """A string is verified as UTF-8 in one pass; a NUL still gives its
        own error (22P05), before an invalid byte (22021) in the same value."""
        bodies = [b'{"FuzzField":"caf\xc3\xa9"}', b'{"FuzzField":"a\\u0000b"}',
                  b'{"FuzzField":"a\xffb"}', b'{"FuzzField":"\xff\\u0000"}',
                  b'{"FuzzField":"\\u0000\xc3"}']
        query = " UNION ALL ".join(
            "SELECT %d k, fuzz_result('\\x%s'::bytea, 'text', -1, %s) r" % (i * 2 + v, b.hex(), via)
            for i, b in enumerate(bodies) for v, via in enumerate(("false", "true")))
        out = self.sql("SELECT rtrim(r, E'\\n') FROM (%s) s ORDER BY k;" % query).stdout.split()
        self.assertEqual(out, ["café", "café", "22P05", "22P05", "22021", "22021",
                               "22P05", "22P05", "22P05", "22P05"])

    def test_converter_survives_hostile_responses(self):
        rng = random.Random(SEED + 2)
        rows = []
        for i in range(FUZZ_COUNT):
            typ, typmod = COLUMN_TYPES[i % len(COLUMN_TYPES)]
            rows.append((str(i), "\\\\x" + body_bytes(rng).hex(), typ, str(typmod)))
        self.copy_in("conv_in", "id int, b bytea, t regtype, tm int", rows)
        pid_before = self.sql("SELECT pg_backend_pid()").stdout.strip()
        out = self.sql("""
            SELECT pg_backend_pid();
            SELECT r, count(*) FROM (SELECT fuzz_try(b, t, tm) AS r FROM conv_in) s
                GROUP BY r ORDER BY count(*) DESC, r;
            SELECT count(*) FROM account;  -- a connection, so the stats have a row
            SELECT 'live', max(live_json_documents) FROM salesforce_connection_stats();
            SELECT 'pid', pg_backend_pid();
        """, timeout=1800).stdout.split("\n")
        pid = out[0].strip()
        counts = {}
        live = None
        pid_after = None
        for line in out[1:]:
            parts = line.split("|")
            if len(parts) != 2:
                continue
            if parts[0] == "live":
                live = int(parts[1])
            elif parts[0] == "pid":
                pid_after = parts[1]
            else:
                counts[parts[0]] = int(parts[1])
        total = sum(counts.values())
        print("\nconverter: %d inputs over %d column types: %s"
              % (total, len(COLUMN_TYPES), ", ".join("%s %d" % kv for kv in sorted(counts.items()))),
              file=sys.stderr)
        self.assertNotEqual(pid_before, "")
        self.assertEqual(pid_after, pid, "the backend did not survive")
        self.assertEqual(total, FUZZ_COUNT)
        self.assertNotIn("XX000", counts, "an internal error (elog) instead of a clean one")
        self.assertGreater(counts.get("ok", 0), FUZZ_COUNT // 10)
        self.assertEqual(live, 0, "json-c documents leaked")
