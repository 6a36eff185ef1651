"""Data of the differential suite: one sObject, a few hundred records, twice.

The same records go into the emulator (as JSON through /__emu/records) and
into a local PostgreSQL table (as SQL literals), so that every query of
diffqueries.py must return the same text over the foreign table and over
the local one.  Everything is generated from a seeded random.Random: a run
is reproducible except for the few values placed around "now" (so that
now()/current_date comparisons split the data), which are computed at
generation time and are identical on both sides anyway.

Values are chosen for what breaks a SQL-to-SOQL translator (reference
sections 4 and 12): case variants of one word, nulls, unicode whose upper
and lower case differ in length or by locale (ß, İ/ı, ﬁ), emoji, CJK,
quotes, backslashes, LIKE wildcards, leading and trailing spaces, datetimes
on DST switches and around midnight in several zones with milliseconds,
extreme numbers.  There are no empty strings: Salesforce stores null.

Doubles are multiples of 1/64 below 2**37 in magnitude, so every sum of a
subset is exact in a C double whatever the order of addition: sum() and
avg() over them must agree to the last digit between the two sides.
"""

import datetime
import decimal
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from sfemu_lib.store import make_id  # noqa: E402

SOBJECT = "Diff__c"
KEY_PREFIX = "a0D"
SEED = 20240310
NRECORDS = 360

PICKLIST = ["Red", "green", "Blue", "ÉTÉ", "zeta"]  # definition order is not alphabetical

# (column, PostgreSQL type, Salesforce field, kind used by the query grammar)
COLUMNS = [
    ("id", "varchar(18)", "Id", "id"),
    ("seq", "integer", "Seq__c", "int"),       # unique: a total order SOQL can sort by
    ("txt", "text", "Txt__c", "text"),
    # the same field under ICU's root collation (upper/lower of İ, ß differ from libc's)
    ("txt_icu", 'text COLLATE "und-x-icu"', "Txt__c", "text"),
    ("code", "varchar(40)", "Code__c", "text"),
    ("pick", "text", "Pick__c", "text"),
    ("amt", "numeric(18,2)", "Amt__c", "numeric"),
    ("dbl", "double precision", "Dbl__c", "float"),
    ("num", "integer", "Num__c", "int"),
    ("big", "bigint", "Big__c", "bigint"),
    ("flag", "boolean", "Flag__c", "bool"),
    ("day", "date", "Day__c", "date"),
    ("dt", "timestamp with time zone", "Dt__c", "tstz"),
    ("dts", "timestamp without time zone", "Dt__c", "ts"),
    ("tm", "time without time zone", "Tm__c", "time"),
    ("mail", "text", "Mail__c", "text"),
    ("ref", "varchar(18)", "Ref__c", "id"),
    # parent fields through the self-lookup: null when Ref__c is null
    ("ref_txt", "text", "Ref__r.Txt__c", "text"),
    ("ref_num", "integer", "Ref__r.Num__c", "int"),
    # columns that round or reinterpret what Salesforce holds: a condition
    # on them cannot simply be sent as is
    ("amt1", "numeric(18,1)", "Amt__c", "numeric"),
    ("dbl4", "real", "Dbl__c", "float"),
    ("dt0", "timestamp(0) with time zone", "Dt__c", "tstz"),
    ("tm0", "time(0) without time zone", "Tm__c", "time"),
    ("dtd", "date", "Dt__c", "date"),
    ("days", "timestamp without time zone", "Day__c", "ts"),
]
# columns that read another column's field (not loaded into the emulator as such)
DERIVED = {"dts", "txt_icu", "ref_txt", "ref_num", "amt1", "dbl4", "dt0", "tm0", "dtd", "days"}

DESCRIBE = {
    "name": SOBJECT,
    "keyPrefix": KEY_PREFIX,
    "label": "Differential",
    "nameField": False,
    "fields": [
        {"name": "Seq__c", "type": "int", "digits": 9, "unique": True},
        {"name": "Txt__c", "type": "string", "length": 255, "caseSensitive": False},
        {"name": "Code__c", "type": "string", "length": 40, "caseSensitive": False},
        {"name": "Pick__c", "type": "picklist", "picklistValues": PICKLIST},
        {"name": "Amt__c", "type": "currency", "precision": 18, "scale": 2},
        {"name": "Dbl__c", "type": "double", "precision": 18, "scale": 6},
        {"name": "Num__c", "type": "int", "digits": 9},
        {"name": "Big__c", "type": "long", "digits": 18},
        {"name": "Flag__c", "type": "boolean"},
        {"name": "Day__c", "type": "date"},
        {"name": "Dt__c", "type": "datetime"},
        {"name": "Tm__c", "type": "time"},
        {"name": "Mail__c", "type": "email", "length": 80},
        {"name": "Ref__c", "type": "reference", "referenceTo": [SOBJECT],
         "relationshipName": "Ref__r"},
    ],
}

WORDS = [
    "apple", "Apple", "APPLE", "aPpLe", "apples", "banana", "Banana", "cherry",
    "é", "É", "café", "CAFÉ", "Café", "cafe", "straße", "STRASSE", "Strasse", "strasse",
    "İstanbul", "istanbul", "ISTANBUL", "ılık", "Ilık", "ﬁne", "FINE",
    "😀", "😀 smile", "日本語", "中文", "한국어", "ångström", "Ångström", "naïve", "NAÏVE",
    "O'Brien", "o'brien", "it's", 'say "hi"', '"quoted"', "''", "back\\slash", "C:\\path\\to",
    "\\", "ends\\", "\\n", "100%", "50% off", "%", "a_b", "a_b_c", "_", "__init__", "a%b",
    "a\\%b", " lead", " Lead", "trail ", "TRAIL ", "  both  ", "zzz", "Zebra", "zebra",
    "x", "X", "1", "10", "2", "-1", "null", "NULL", "tab\there",
]

CODES = ["A1", "a1", "B2", "b2", "C_3", "C%3", "D\\4", "E'5", "F 6", "G7 ", " H8",
         "ÄÖÜ", "äöü", "ß", "SS", "İ", "i", "ı", "I", "Ω", "ω"]

MAILS = ["Bob@Example.com", "bob@example.com", "BOB@EXAMPLE.COM", "o'neil@example.org",
         "x_y@test.io", "x%y@test.io", "émile@exemple.fr"]

AMT_EXTREMES = ["0", "0.01", "-0.01", "9999999999999999.99", "-9999999999999999.99",
                "1234567890123456.78", "100", "100.50", "-100.5", "0.10"]
BIG_EXTREMES = [999999999999999999, -999999999999999999, 9007199254740993, -9007199254740993,
                0, 1, -1]
NUM_EXTREMES = [999999999, -999999999, 0, 1, -1]
DBL_EXTREMES = [0, 1, -1, 2 ** 43 - 1, -(2 ** 43 - 1), 7901234496769, 64 * 123456789, 1, -64]

UTC = datetime.timezone.utc
DT_SPECIAL = [
    # America/New_York DST: spring forward 2024-03-10 07:00Z, fall back 2024-11-03 06:00Z
    "2024-03-10T06:59:59.999Z", "2024-03-10T07:00:00.000Z", "2024-03-10T07:30:00.500Z",
    "2024-11-03T05:59:59.999Z", "2024-11-03T06:00:00.000Z", "2024-11-03T06:30:00.001Z",
    # Europe/Berlin DST: 2024-03-31 01:00Z, 2024-10-27 01:00Z
    "2024-03-31T00:59:59.999Z", "2024-03-31T01:00:00.000Z", "2024-10-27T00:30:00.000Z",
    "2024-10-27T01:00:00.000Z",
    # midnight in UTC, New York, Kolkata (+05:30) and Kiritimati (+14)
    "2024-01-01T00:00:00.000Z", "2023-12-31T23:59:59.999Z", "2024-01-01T05:00:00.000Z",
    "2024-01-01T04:59:59.999Z", "2023-12-31T18:30:00.000Z", "2023-12-31T10:00:00.000Z",
    "2024-02-29T12:00:00.000Z", "1970-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z",
    "2038-01-19T03:14:08.000Z", "2000-01-01T00:00:00.001Z",
]
DAY_SPECIAL = ["2024-02-29", "2024-03-10", "2024-03-31", "2024-11-03", "2024-10-27",
               "1999-12-31", "2000-01-01", "1700-01-01", "4000-12-31", "2023-12-31", "2024-01-01"]
TM_SPECIAL = ["00:00:00.000", "23:59:59.999", "12:00:00.000", "11:59:59.999", "00:00:00.001",
              "07:00:00.000", "06:59:59.999"]


def _pick(rng, values, null_rate):
    if rng.random() < null_rate:
        return None
    return rng.choice(values)


def _dbl_text(k):
    """k/64 as an exact decimal string."""
    return format(decimal.Decimal(k) / 64, "f") if k else "0"


def _fmt_dt(value):
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (value.microsecond // 1000)


def generate(seed=SEED, n=NRECORDS, now=None):
    """The records as dicts keyed by column name, values as canonical strings
    (or bool / int / None): the same text feeds JSON and SQL."""
    rng = random.Random(seed)
    now = now or datetime.datetime.now(UTC)
    ids = [make_id(KEY_PREFIX, 1000 + i * 7) for i in range(n)]
    seqs = list(range(1, n + 1))
    rng.shuffle(seqs)
    rows = []
    for i in range(n):
        r = {"id": ids[i], "seq": seqs[i]}
        r["txt"] = _pick(rng, WORDS, 0.12)
        r["code"] = _pick(rng, CODES, 0.15)
        r["pick"] = _pick(rng, PICKLIST, 0.15)
        roll = rng.random()
        if roll < 0.1:
            r["amt"] = None
        elif roll < 0.25:
            r["amt"] = rng.choice(AMT_EXTREMES)
        else:
            r["amt"] = str(decimal.Decimal(rng.randint(-100000, 100000)) / 100)
        roll = rng.random()
        if roll < 0.1:
            r["dbl"] = None
        elif roll < 0.2:
            r["dbl"] = _dbl_text(rng.choice(DBL_EXTREMES))
        else:
            r["dbl"] = _dbl_text(rng.randint(-2 ** 20, 2 ** 20))
        roll = rng.random()
        r["num"] = (None if roll < 0.1 else rng.choice(NUM_EXTREMES) if roll < 0.18
                    else rng.randint(-50, 50))
        roll = rng.random()
        r["big"] = (None if roll < 0.1 else rng.choice(BIG_EXTREMES) if roll < 0.2
                    else rng.randint(-10 ** 12, 10 ** 12))
        r["flag"] = rng.random() < 0.5
        roll = rng.random()
        if roll < 0.1:
            r["day"] = None
        elif roll < 0.3:
            r["day"] = rng.choice(DAY_SPECIAL)
        elif roll < 0.4:
            r["day"] = (now.date() + datetime.timedelta(days=rng.randint(-3, 3))).isoformat()
        else:
            r["day"] = (datetime.date(1990, 1, 1)
                        + datetime.timedelta(days=rng.randint(0, 16000))).isoformat()
        roll = rng.random()
        if roll < 0.1:
            r["dt"] = None
        elif roll < 0.35:
            r["dt"] = rng.choice(DT_SPECIAL)
        elif roll < 0.45:
            # whole hours plus 10..20 minutes from now: queries compare with
            # now() +/- whole hours (also in zones with half-hour offsets), so
            # the few minutes between the two runs never move a row across
            near = now + datetime.timedelta(hours=rng.randint(-72, 72),
                                            minutes=rng.randint(10, 19),
                                            milliseconds=rng.randint(0, 59999))
            r["dt"] = _fmt_dt(near)
        else:
            base = datetime.datetime(1990, 1, 1, tzinfo=UTC)
            r["dt"] = _fmt_dt(base + datetime.timedelta(seconds=rng.randint(0, 40 * 365 * 86400),
                                                        milliseconds=rng.randint(0, 999)))
        roll = rng.random()
        if roll < 0.1:
            r["tm"] = None
        elif roll < 0.3:
            r["tm"] = rng.choice(TM_SPECIAL)
        else:
            r["tm"] = "%02d:%02d:%02d.%03d" % (rng.randint(0, 23), rng.randint(0, 59),
                                               rng.randint(0, 59), rng.choice([0, 0, rng.randint(0, 999)]))
        r["mail"] = _pick(rng, MAILS, 0.2)
        r["ref"] = None if rng.random() < 0.3 else rng.choice(ids)
        rows.append(r)
    by_id = {r["id"]: r for r in rows}
    for r in rows:
        parent = by_id.get(r["ref"]) or {}
        r["txt_icu"] = r["txt"]
        r["dts"] = r["dt0"] = r["dt"]
        r["dtd"] = r["dt"][:10] if r["dt"] else None
        r["amt1"], r["dbl4"], r["tm0"], r["days"] = r["amt"], r["dbl"], r["tm"], r["day"]
        r["ref_txt"] = parent.get("txt")
        r["ref_num"] = parent.get("num")
    return rows


def emulator_records(rows):
    """The records in /__emu/records shape (API field names, JSON values)."""
    out = []
    for r in rows:
        rec = {}
        for col, _pgtype, field, _kind in COLUMNS:
            if col in DERIVED:
                continue
            rec[field] = r[col]
        out.append(rec)
    return out


def sql_literal(value):
    """A standard-conforming SQL literal for a canonical value (or NULL)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


def _local_value(col, value):
    if value is None:
        return None
    if col in ("dt", "dt0"):
        return value.replace("T", " ").replace("Z", "+00")
    if col == "dts":
        return value.replace("T", " ").replace("Z", "")
    return value


def local_table_sql(rows, table):
    """CREATE TABLE and INSERT for the local twin of the foreign table."""
    cols = ", ".join("%s %s" % (c, t) for c, t, _f, _k in COLUMNS)
    lines = ["CREATE TABLE %s (%s);" % (table, cols)]
    names = [c for c, _t, _f, _k in COLUMNS]
    values = []
    for r in rows:
        vals = []
        for c in names:
            v = r[c]
            vals.append(sql_literal(_local_value(c, v)))
        values.append("(" + ", ".join(vals) + ")")
    lines.append("INSERT INTO %s (%s) VALUES\n%s;" % (table, ", ".join(names), ",\n".join(values)))
    lines.append("ANALYZE %s;" % table)
    return "\n".join(lines)


def foreign_table_sql(table, server, options=""):
    def column(c, t, f):
        # the grammar wants a foreign column's COLLATE after its OPTIONS
        t, _, collation = t.partition(" COLLATE ")
        return "%s %s OPTIONS (field '%s')%s" % (c, t, f, " COLLATE " + collation if collation else "")
    cols = ",\n  ".join(column(c, t, f) for c, t, f, _k in COLUMNS)
    return "CREATE FOREIGN TABLE %s (\n  %s\n) SERVER %s OPTIONS (sobject '%s'%s);" % (
        table, cols, server, SOBJECT, options)


def join_tables_sql(rows, seed=SEED):
    """Two local tables to join with: `small` (10 rows) and `big` (300 rows).
    Their keys are ids (some 15-character, some lower-cased, some absent),
    words, codes and numbers taken from the data, plus values that match
    nothing."""
    rng = random.Random(seed + 1)
    ids = [r["id"] for r in rows]

    def key_row(i):
        rid = rng.choice(ids)
        roll = rng.random()
        if roll < 0.08:
            rid = rid[:15]
        elif roll < 0.14:
            rid = rid.lower()
        elif roll < 0.2:
            rid = None
        word = None if rng.random() < 0.1 else rng.choice(WORDS + ["nothing", "Nothing"])
        code = None if rng.random() < 0.1 else rng.choice(CODES + ["zz"])
        num = None if rng.random() < 0.1 else rng.choice([-2, -1, 0, 1, 2, 3, 50, 999999999, 77])
        return "(%d, %s, %s, %s, %s)" % (i, sql_literal(rid), sql_literal(word),
                                         sql_literal(code), sql_literal(num) if num is not None else "NULL")
    out = []
    for name, size in (("small", 10), ("big", 300)):
        out.append("CREATE TABLE %s (k int PRIMARY KEY, rid varchar(18), word text, code varchar(40), "
                   "n integer);" % name)
        out.append("INSERT INTO %s VALUES\n%s;" % (name, ",\n".join(key_row(i) for i in range(size))))
        out.append("ANALYZE %s;" % name)
    return "\n".join(out)


# A second sObject with more records than one aggregate answer (2000 rows)
# and than the largest OFFSET (2000) may hold: 2600 records, 2300 distinct
# Grp__c values, Key__c values that differ only in case.
MANY_SOBJECT = "Many__c"
MANY_COLUMNS = [
    ("id", "varchar(18)", "Id"),
    ("grp", "integer", "Grp__c"),
    ("key", "text", "Key__c"),
    ("val", "numeric(18,2)", "Val__c"),
]
MANY_DESCRIBE = {
    "name": MANY_SOBJECT,
    "keyPrefix": "a0M",
    "label": "Many",
    "nameField": False,
    "fields": [
        {"name": "Grp__c", "type": "int", "digits": 9},
        {"name": "Key__c", "type": "string", "length": 20, "caseSensitive": False},
        {"name": "Val__c", "type": "currency", "precision": 18, "scale": 2},
    ],
}


def generate_many(n=2600):
    rows = []
    for i in range(n):
        rows.append({"id": make_id("a0M", 5000 + i * 3), "grp": i % 2300,
                     "key": ("K" if i % 3 == 0 else "k") + "%04d" % (i % 2100),
                     "val": str(decimal.Decimal((i * 37) % 10000) / 100 - 50)})
    return rows


def many_emulator_records(rows):
    return [{f: r[c] for c, _t, f in MANY_COLUMNS} for r in rows]


def many_local_sql(rows, table):
    lines = ["CREATE TABLE %s (%s);" % (table, ", ".join("%s %s" % (c, t) for c, t, _f in MANY_COLUMNS))]
    lines.append("INSERT INTO %s VALUES\n%s;" % (table, ",\n".join(
        "(" + ", ".join(sql_literal(r[c]) for c, _t, _f in MANY_COLUMNS) + ")" for r in rows)))
    lines.append("ANALYZE %s;" % table)
    return "\n".join(lines)


def many_foreign_sql(table, server, options=""):
    cols = ",\n  ".join("%s %s OPTIONS (field '%s')" % (c, t, f) for c, t, f in MANY_COLUMNS)
    return "CREATE FOREIGN TABLE %s (\n  %s\n) SERVER %s OPTIONS (sobject '%s'%s);" % (
        table, cols, server, MANY_SOBJECT, options)
