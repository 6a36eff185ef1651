"""Queries of the differential suite, generated from a small grammar.

generate(rows) returns a list of Block: one or more SQL statements whose
output is compared between the foreign table and its local twin (both are
called `diff`; the search_path decides which one a run sees).  A block is
`ordered` when every statement that prints rows orders them totally (the
last sort key is the unique `id` or `seq`, or the keys are the GROUP BY keys), so its
output is compared line by line; otherwise it is compared as a multiset.

The grammar covers what issue 4 lists: comparisons = <> < <= > >= on every
column type, IS [NOT] NULL, IN / = ANY, NOT IN / <> ALL (with and without
NULL in the list), LIKE / ILIKE / NOT LIKE, boolean columns, AND/OR/NOT
nests, BETWEEN, ORDER BY with ASC/DESC and NULLS FIRST/LAST, LIMIT/OFFSET,
count/sum/avg/min/max with GROUP BY and HAVING, joins with local tables of 10
and 300 rows, PREPARE/EXECUTE under each plan_cache_mode, now()/current_date,
arrays of thousands of values, and other TimeZone settings.  A few shapes
that cannot be pushed down (functions of a column, COLLATE "C", column
against column) keep the local recheck path honest too.

Values compared with now() are whole hours plus 10 to 20 minutes away from
it (see diffdata.py), and every expression of now() here moves by whole or
half hours, so the minutes between the local and the foreign run never
move a row across a boundary (date_trunc('hour', now()) would).
"""

import random
import re

import diffdata

SEED = 4

# Zones for SET TimeZone: DST in both hemispheres, half-hour and +14 offsets.
ZONES = ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "Pacific/Kiritimati",
         "Australia/Sydney", "America/Los_Angeles"]

KINDS = {c: k for c, _t, _f, k in diffdata.COLUMNS}
PGTYPES = {c: t for c, t, _f, _k in diffdata.COLUMNS}
SORTABLE = [c for c, _t, _f, _k in diffdata.COLUMNS]
GROUPABLE = ["pick", "flag", "txt", "code", "day", "num", "mail", "ref", "tm", "ref_txt"]


class Block:
    """Statements run as one unit; `ordered` says how to compare their output."""

    def __init__(self, shape, sql, ordered):
        self.shape = shape
        self.sql = sql
        self.ordered = ordered
        self.id = None

    def __repr__(self):
        return "Block(%s, %r)" % (self.shape, self.sql[:80])


def q(s):
    """A standard-conforming SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


class Grammar:
    def __init__(self, rows, seed=SEED):
        self.rng = random.Random(seed)
        self.rows = rows
        self.ids = [r["id"] for r in rows]
        self.values = {c: sorted({r[c] for r in rows if r[c] is not None}, key=str)
                       for c in KINDS}
        self.nprep = 0

    # ------------------------------------------------------------ literals

    def literal(self, col, allow_null=False):
        """A constant (or stable expression) comparable with column `col`."""
        rng = self.rng
        kind = KINDS[col]
        if allow_null and rng.random() < 0.08:
            return "NULL"
        data = self.values[col]
        if kind == "text":
            pool = {"txt": diffdata.WORDS, "code": diffdata.CODES, "mail": diffdata.MAILS,
                    "pick": diffdata.PICKLIST, "ref_txt": diffdata.WORDS, "txt_icu": diffdata.WORDS}[col]
            extra = ["APPLE", "Apple ", "nothing", "STRASSE", "İSTANBUL", "ISTANBUL", "istanbul",
                     "ILIK", "red", "RED", "été", "Été", "ÄÖÜ", "ss", "FINE", "fine", "m", "N",
                     "😀", "\\", "%", "_", "a", "Z", "é", "'"]
            return q(rng.choice(pool if rng.random() < 0.75 else extra))
        if kind == "numeric":
            return rng.choice(data + ["0", "0.005", "100.5", "-0.01", "1e3", "99.999", "-1.5",
                                      "9999999999999999.99", "12345678901234567890.5", "0.1"])
        if kind == "float":
            return rng.choice(data + ["0.015625", "1e-300", "-1e300", "0.1", "1.5", "-0.5",
                                      "137438953471.984375", "'Infinity'::float8",
                                      "'-Infinity'::float8"])
        if kind == "int":
            return str(rng.choice(data + [0, -1, 50, 999999999, 2147483647, -2147483648, 7])) \
                if rng.random() < 0.9 else rng.choice(["5.5", "-0.5", "49.999"])
        if kind == "bigint":
            return str(rng.choice(data + [9007199254740992, 9007199254740993,
                                          9223372036854775807, -9223372036854775808, 0]))
        if kind == "date":
            roll = rng.random()
            if roll < 0.15:
                return rng.choice(["current_date", "current_date - 1", "current_date + 2",
                                   "current_date - 400"])
            return "DATE " + q(rng.choice(data + ["2024-03-10", "2024-02-29", "1700-01-01",
                                                  "4000-12-31", "2000-01-01"]))
        if kind == "tstz":
            roll = rng.random()
            if roll < 0.15:
                return rng.choice(["now()", "now() - interval '1 hour'",
                                   "now() + interval '2 days'", "current_timestamp",
                                   "now() - interval '3 days'", "now() - interval '7 hours'"])
            if roll < 0.4:
                return "TIMESTAMPTZ " + q(rng.choice([
                    "2024-03-10 02:30:00-05", "2024-03-10 01:59:59.999-05",
                    "2024-03-10 03:00:00 America/New_York", "2024-11-03 01:30:00-04",
                    "2024-11-03 01:30:00-05", "2024-01-01 00:00:00.0005+00",
                    "2023-12-31 23:59:59.9995+00", "2024-01-01 05:30:00+05:30",
                    "2024-03-31 02:30:00 Europe/Berlin", "1970-01-01 00:00:00+00",
                    "2024-01-01 00:00:00.999999+00", "infinity", "-infinity"]))
            if roll < 0.5:
                # untyped: read in the session's TimeZone
                return q(rng.choice(["2024-03-10 02:30:00", "2024-11-03 01:30:00",
                                     "2024-01-01", "2023-12-31 19:00:00"]))
            v = rng.choice(data).replace("T", " ").replace("Z", "+00")
            return "TIMESTAMPTZ " + q(v)
        if kind == "ts":
            roll = rng.random()
            if roll < 0.12:
                return rng.choice(["localtimestamp", "now()::timestamp",
                                   "current_date::timestamp", "localtimestamp - interval '5 hours'"])
            if roll < 0.4:
                return "TIMESTAMP " + q(rng.choice([
                    "2024-03-10 07:00:00", "2024-03-10 06:59:59.9995", "2024-03-10 02:30:00",
                    "2024-11-03 06:00:00", "2024-01-01 00:00:00", "2024-01-01 00:00:00.0001",
                    "1970-01-01", "2024-02-29 12:00:00.000001", "infinity"]))
            v = rng.choice(data).replace("T", " ").replace("Z", "")
            return "TIMESTAMP " + q(v)
        if kind == "time":
            return "TIME " + q(rng.choice(data + ["12:00", "00:00:00.0005", "06:59:59.9995",
                                                  "23:59:59.999999", "24:00:00", "00:00"]))
        if kind == "id":
            v = rng.choice(self.ids)
            roll = rng.random()
            if roll < 0.1:
                v = v[:15]
            elif roll < 0.15:
                v = v.lower()
            elif roll < 0.2:
                v = rng.choice(["not-an-id", "a0D", "001000000000000AAA", "a0DRO0000000zzzzzz"])
            return q(v)
        raise AssertionError(kind)

    def literal_list(self, col, n, allow_null=True):
        items = [self.literal(col) for _ in range(n)]
        if allow_null and self.rng.random() < 0.15:
            items.insert(self.rng.randrange(len(items) + 1), "NULL")
        return items

    def like_pattern(self, col):
        """A LIKE pattern built from a value: prefix, suffix, infix, with `_`
        and with the value's own wildcards escaped or not."""
        rng = self.rng
        pool = {"txt": diffdata.WORDS, "code": diffdata.CODES, "mail": diffdata.MAILS,
                "pick": diffdata.PICKLIST, "ref_txt": diffdata.WORDS, "txt_icu": diffdata.WORDS}[col]
        v = rng.choice(pool)
        if rng.random() < 0.6:
            v = v.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        roll = rng.random()
        if roll < 0.25:
            p = v[:max(1, len(v) // 2)]
            if p.endswith("\\") and not p.endswith("\\\\"):
                p = p[:-1]
            p += "%"
        elif roll < 0.5:
            p = "%" + v[len(v) // 2:]
        elif roll < 0.7:
            p = "%" + v[1:-1] + "%" if len(v) > 2 else "%" + v + "%"
        elif roll < 0.8:
            p = "_" + v[1:] if len(v) > 1 and v[0] != "\\" else v
        elif roll < 0.9:
            p = v
        else:
            p = rng.choice(["%\\%%", "%\\_%", "%\\\\%", "%'%", "% ", " %", "%" + '"' + "%",
                            "_", "__", "%", "%é%", "%ß%", "%SS%", "i%", "I%", "%😀%", "%\t%"])
        if p.endswith("\\") and not p.endswith("\\\\"):
            p += "%"
        return q(p)

    # ---------------------------------------------------------- predicates

    def atom(self, cols=None, alias=""):
        rng = self.rng
        col = rng.choice(cols or SORTABLE)
        kind = KINDS[col]
        c = alias + col
        if kind == "bool":
            return rng.choice([c, "NOT " + c, c + " = true", c + " = false", c + " <> true",
                               c + " IS TRUE", c + " IS NOT FALSE", c + " IS NULL",
                               c + " IS NOT NULL", c + " IS DISTINCT FROM false"])
        roll = rng.random()
        if roll < 0.35:
            return "%s %s %s" % (c, rng.choice(["=", "<>", "<", "<=", ">", ">=", "!="]),
                                 self.literal(col))
        if roll < 0.45:
            return "%s IS %sNULL" % (c, rng.choice(["", "NOT "]))
        if roll < 0.55:
            return "%s %sIN (%s)" % (c, rng.choice(["", "NOT "]),
                                     ", ".join(self.literal_list(col, rng.randint(1, 6))))
        if roll < 0.65:
            op = rng.choice(["= ANY", "<> ALL", "< ANY", ">= ALL"]) if rng.random() < 0.3 \
                else rng.choice(["= ANY", "<> ALL"])
            return "%s %s (ARRAY[%s]::%s[])" % (
                c, op, ", ".join(self.literal_list(col, rng.randint(1, 8))), self.array_type(col))
        if roll < 0.72:
            lo, hi = self.literal(col), self.literal(col)
            return "%s %sBETWEEN %s AND %s" % (c, rng.choice(["", "NOT "]), lo, hi)
        if kind == "text" and roll < 0.9:
            op = rng.choice(["LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE", "LIKE", "ILIKE", "~~", "~~*"])
            return "%s %s %s" % (c, op, self.like_pattern(col))
        if roll < 0.95:
            return self.nonpushable(col, alias)
        return "%s %s %s" % (c, rng.choice(["=", "<>", "<", ">"]), self.literal(col))

    def array_type(self, col):
        t = PGTYPES[col]
        if " COLLATE " in t:
            return "text"
        t = re.sub(r"\(\d+(,\d+)?\)", "", t)
        return {"timestamp with time zone": "timestamptz",
                "timestamp without time zone": "timestamp",
                "time without time zone": "time"}.get(t, t)

    def nonpushable(self, col, alias=""):
        """Conditions PostgreSQL must evaluate itself (functions, collations,
        columns compared with columns)."""
        rng = self.rng
        kind = KINDS[col]
        c = alias + col
        if kind == "text":
            return rng.choice([
                "lower(%s) = lower(%s)" % (c, self.literal(col)),
                "upper(%s) LIKE %s" % (c, self.like_pattern(col)),
                "length(%s) > %d" % (c, rng.randint(1, 6)),
                "%s < %s COLLATE \"C\"" % (c, self.literal(col)),
                "%s = %s COLLATE \"C\"" % (c, self.literal(col)),
                "%s ~ '^[A-Z]'" % c,
                "%s || 'x' = %s" % (c, q("applex")),
                "%s SIMILAR TO '%%(a|A)%%'" % c,
                "%s LIKE %s ESCAPE '#'" % (c, q(rng.choice(["#%%", "%#_%", "a#_b", "%\\%"]))),
            ])
        if kind in ("numeric", "float", "int", "bigint"):
            return rng.choice([
                "abs(%s) > 100" % c,
                "%s + 1 > %s" % (c, self.literal(col)),
                "%s::text LIKE '%%5%%'" % c,
                "%snum < %sbig" % (alias, alias),
                "%s %% 2 = 0" % c if kind in ("int", "bigint") else "round(%s) = %s" % (c, c),
            ])
        if kind in ("date", "tstz", "ts"):
            return rng.choice([
                "extract(year FROM %s) = 2024" % c,
                "%sdt::date = %sday" % (alias, alias),
                "date_trunc('day', %s) = %s" % (c, c),
                "%sdts = %sdt" % (alias, alias),
            ])
        if kind == "time":
            return "extract(hour FROM %s) < 12" % c
        if kind == "id":
            return rng.choice(["%s = %sref" % (alias + "id", alias), "left(%s, 3) = 'a0D'" % c,
                               "%s > %sref" % (alias + "id", alias)])
        return "true"

    def predicate(self, depth=0, cols=None, alias=""):
        rng = self.rng
        roll = rng.random()
        if depth >= 2 or roll < 0.45:
            return self.atom(cols, alias)
        if roll < 0.7:
            return "(%s AND %s)" % (self.predicate(depth + 1, cols, alias),
                                    self.predicate(depth + 1, cols, alias))
        if roll < 0.9:
            return "(%s OR %s)" % (self.predicate(depth + 1, cols, alias),
                                   self.predicate(depth + 1, cols, alias))
        return "NOT (%s)" % self.predicate(depth + 1, cols, alias)

    # ------------------------------------------------------------- shapes

    def order_by(self, alias="", keys=None):
        """ORDER BY keys, then a unique key (id or seq): a total order."""
        rng = self.rng
        keys = keys if keys is not None else rng.sample(SORTABLE, rng.randint(0, 3))
        parts = []
        for k in keys:
            expr = alias + k
            if KINDS.get(k) == "text" and rng.random() < 0.15:
                expr = rng.choice(["lower(%s)" % expr, "%s COLLATE \"C\"" % expr])
            item = expr + rng.choice(["", " ASC", " DESC"])
            item += rng.choice(["", "", " NULLS FIRST", " NULLS LAST"])
            parts.append(item)
        if "id" not in keys and "seq" not in keys:
            # id is text (sorted by PostgreSQL's collation), seq an integer
            # Salesforce can sort by too
            parts.append(alias + rng.choice(["id", "seq"]) + rng.choice(["", " DESC"]))
        return "ORDER BY " + ", ".join(parts)

    def select_list(self, alias=""):
        rng = self.rng
        if rng.random() < 0.4:
            return alias + "*" if alias else "*"
        cols = ["id"] + rng.sample(SORTABLE[1:], rng.randint(1, 5))
        return ", ".join(alias + c for c in cols)

    def limit(self):
        rng = self.rng
        roll = rng.random()
        if roll < 0.5:
            return ""
        lim = " LIMIT %d" % rng.choice([0, 1, 5, 10, 10, 50, 200, 1000])
        if rng.random() < 0.4:
            lim += " OFFSET %d" % rng.choice([0, 1, 3, 100, 350, 2000, 2001])
        elif rng.random() < 0.1:
            lim = " OFFSET %d" % rng.choice([5, 300])
        return lim

    def filter_query(self):
        rng = self.rng
        where = "" if rng.random() < 0.05 else " WHERE " + self.predicate()
        if rng.random() < 0.3:
            return Block("filter", "SELECT %s FROM diff%s;" % (self.select_list(), where), False)
        return Block("filter-ordered", "SELECT %s FROM diff%s %s%s;" % (
            self.select_list(), where, self.order_by(), self.limit()), True)

    def limit_count(self):
        """LIMIT without ORDER BY: only the number of rows is determined."""
        return Block("limit-count", "SELECT count(*) FROM (SELECT id FROM diff WHERE %s LIMIT %d) s;"
                     % (self.predicate(), self.rng.choice([1, 10, 100])), True)

    def aggregate(self):
        rng = self.rng
        keys = rng.sample(GROUPABLE, rng.choice([0, 1, 1, 1, 2]))
        if rng.random() < 0.1:
            keys.append("(num % 3)")
        aggs = []
        for _ in range(rng.randint(1, 4)):
            col = rng.choice(SORTABLE)
            fn = rng.choice(["count", "count", "min", "max", "sum", "avg"])
            if fn in ("sum", "avg"):
                col = rng.choice(["amt", "dbl", "num", "big"])
            elif fn in ("min", "max") and col == "flag":
                col = "num"
            if fn == "count" and rng.random() < 0.4:
                aggs.append("count(*)")
            elif fn == "count" and rng.random() < 0.2:
                aggs.append("count(DISTINCT %s)" % col)
            else:
                aggs.append("%s(%s)" % (fn, col))
        where = " WHERE " + self.predicate() if rng.random() < 0.5 else ""
        sql = "SELECT %s FROM diff%s" % (", ".join(keys + aggs), where)
        if keys:
            sql += " GROUP BY " + ", ".join(keys)
            if rng.random() < 0.35:
                sql += " HAVING " + rng.choice([
                    "count(*) > %d" % rng.randint(1, 20), "sum(amt) > 0", "min(day) < DATE '2000-01-01'",
                    "max(num) >= %d" % rng.randint(-5, 50), "avg(dbl) < 0",
                    "count(*) > 3 AND max(amt) > 100", "count(txt) = 0 OR min(num) < 0",
                    "NOT (sum(big) > 0)", "count(DISTINCT pick) > 1"])
            parts = []
            if rng.random() < 0.2:
                parts.append("count(*) DESC")
            for k in keys:
                parts.append(k + rng.choice(["", " DESC"]) + rng.choice(["", " NULLS FIRST", " NULLS LAST"]))
            sql += " ORDER BY " + ", ".join(parts)
            if rng.random() < 0.2:
                sql += " LIMIT %d" % rng.choice([1, 3, 10])
        return Block("aggregate", sql + ";", True)

    def join(self):
        rng = self.rng
        local = rng.choice(["small", "small", "big"])
        on = rng.choice([("d.id", "s.rid"), ("d.ref", "s.rid"), ("d.txt", "s.word"),
                         ("d.code", "s.code"), ("d.num", "s.n"), ("d.id", "s.rid")])
        where = (" WHERE " + self.predicate(1, alias="d.")) if rng.random() < 0.4 else ""
        roll = rng.random()
        if roll < 0.45:
            sql = "SELECT s.k, d.id, d.txt, d.num, d.dt FROM %s s JOIN diff d ON %s = %s%s ORDER BY s.k, d.id;" % (
                local, on[0], on[1], where)
        elif roll < 0.6:
            sql = ("SELECT s.k, d.id, d.code, d.amt FROM %s s LEFT JOIN diff d ON %s = %s%s "
                   "ORDER BY s.k, d.id NULLS FIRST;") % (local, on[0], on[1],
                                                         (" AND " + self.atom(alias="d.")) if where else "")
        elif roll < 0.7:
            sql = ("SELECT s.k, count(d.id), sum(d.amt), max(d.day) FROM %s s LEFT JOIN diff d ON %s = %s "
                   "GROUP BY s.k ORDER BY s.k;") % (local, on[0], on[1])
        elif roll < 0.8:
            sql = "SELECT d.id, d.txt FROM diff d WHERE %s %sIN (SELECT %s FROM %s s%s)%s ORDER BY d.id;" % (
                on[0], rng.choice(["", "NOT "]), on[1], local,
                " WHERE %s IS NOT NULL" % on[1], (" AND " + self.atom(alias="d.")) if where else "")
        elif roll < 0.88:
            sql = ("SELECT d.id, d.pick FROM diff d WHERE %sEXISTS (SELECT 1 FROM %s s WHERE %s = %s)%s "
                   "ORDER BY d.id;") % (rng.choice(["", "NOT "]), local, on[0], on[1],
                                        (" AND " + self.atom(alias="d.")) if where else "")
        elif roll < 0.92:
            sql = ("SELECT d.id, d.txt, r.id, r.txt, r.num FROM diff d JOIN diff r ON d.ref = r.id%s "
                   "ORDER BY d.id;") % where
        elif roll < 0.96:
            # a parameterized scan per outer row, each with its own ORDER BY/LIMIT
            col = rng.choice(["num", "seq", "amt", "day", "txt", "code"])
            outer = {"num": "s.n", "seq": "s.n", "amt": "s.n", "day": "DATE '2024-01-01' + s.n",
                     "txt": "s.word", "code": "s.code"}[col]
            sql = ("SELECT s.k, x.id, x.%s FROM %s s CROSS JOIN LATERAL (SELECT d.id, d.%s FROM diff d "
                   "WHERE d.%s %s %s %s LIMIT %d) x ORDER BY s.k, x.id;") % (
                       col, local, col, col, rng.choice(["=", "<", ">=", "<>"]), outer,
                       self.order_by(alias="d.", keys=[col]), rng.choice([1, 2, 5]))
        else:
            # values known only at execution time: an initplan's result
            sql = rng.choice([
                "SELECT id, num FROM diff WHERE num = (SELECT max(n) FROM %s) ORDER BY id;",
                "SELECT id, txt FROM diff WHERE txt = (SELECT min(word) FROM %s) ORDER BY id;",
                "SELECT id, ref FROM diff WHERE ref = ANY (ARRAY(SELECT rid FROM %s)) ORDER BY id;",
                "SELECT id, num FROM diff WHERE num > (SELECT avg(n) FROM %s) ORDER BY seq LIMIT 7;",
            ]) % local
        return Block("join", sql, True)

    def prepared(self):
        rng = self.rng
        self.nprep += 1
        name = "p%d" % self.nprep
        mode = rng.choice(["force_generic_plan", "force_generic_plan", "force_custom_plan", "auto"])
        col = rng.choice([c for c in SORTABLE if KINDS[c] != "bool"])
        pgtype = self.array_type(col)
        form = rng.random()
        if form < 0.55:
            op = rng.choice(["=", "<>", "<", "<=", ">", ">="])
            cond = "%s %s $1" % (col, op)
            params = [self.literal(col) for _ in range(3)] + ["NULL"]
            types = pgtype
        elif form < 0.7 and KINDS[col] == "text":
            cond = "%s %s $1" % (col, rng.choice(["LIKE", "ILIKE"]))
            params = [self.like_pattern(col) for _ in range(3)]
            types = pgtype
        elif form < 0.85:
            cond = "%s %s ($1)" % (col, rng.choice(["= ANY", "<> ALL"]))
            params = ["ARRAY[%s]::%s[]" % (", ".join(self.literal_list(col, rng.randint(1, 5))), pgtype)
                      for _ in range(2)]
            types = pgtype + "[]"
        else:
            cond = "(%s BETWEEN $1 AND $2 OR flag = $3)" % col
            params = ["%s, %s, %s" % (self.literal(col), self.literal(col), rng.choice(["true", "false"]))
                      for _ in range(2)]
            types = "%s, %s, boolean" % (pgtype, pgtype)
        extra = (" AND " + self.predicate(1)) if rng.random() < 0.3 else ""
        lines = ["SET plan_cache_mode = %s;" % mode,
                 "PREPARE %s(%s) AS SELECT id, %s, num FROM diff WHERE %s%s %s%s;" % (
                     name, types, col, cond, extra, self.order_by(keys=[col] if rng.random() < 0.5 else []),
                     self.limit())]
        # auto switches to a generic plan after five executions: run six
        runs = params * (2 if mode == "auto" else 1)
        for p in runs:
            lines.append("EXECUTE %s(%s);" % (name, p))
        lines += ["DEALLOCATE %s;" % name, "RESET plan_cache_mode;"]
        return Block("prepared", "\n".join(lines), True)

    def stable(self):
        rng = self.rng
        cond = rng.choice([
            "dt > now() - interval '1 day'", "dt <= now()", "dt BETWEEN now() - interval '2 days' AND now()",
            "dt >= now() + interval '1 hour'", "day >= current_date",
            "day = current_date", "day < current_date - 2", "day > current_date + 1",
            "dts < localtimestamp", "dts >= now() - interval '30 hours'", "dt < current_timestamp",
            "dt > now() OR day > current_date", "NOT (dt < now() - interval '48 hours')",
            "day IN (current_date, current_date - 1)", "dt = ANY (ARRAY[now(), now() - interval '1 day'])",
            "day <> current_date"])
        return Block("stable", "SELECT id, day, dt, dts FROM diff WHERE %s %s%s;" % (
            cond, self.order_by(keys=rng.sample(["day", "dt", "dts"], 1)), self.limit()), True)

    def timezone(self):
        rng = self.rng
        zone = rng.choice(ZONES)
        cols = ["dt", "dts", "day"]
        cond = self.predicate(1, cols=cols)
        if rng.random() < 0.3:
            cond = rng.choice(["dt::date = DATE '2024-03-10'", "dts::timestamptz < TIMESTAMPTZ '2024-03-10 03:00:00'",
                               "dt < '2024-11-03 01:30:00'", "dts > '2024-03-10 02:30:00'::timestamptz",
                               "dt >= now() - interval '5 hours'", "day = current_date"])
        sql = "SET TimeZone = %s;\nSELECT id, dt, dts, day, dt::date AS dt_day FROM diff WHERE %s %s%s;\nRESET TimeZone;" % (
            q(zone), cond, self.order_by(keys=rng.sample(cols, 1)), self.limit())
        return Block("timezone", sql, True)

    def big_array(self):
        rng = self.rng
        roll = rng.random()
        if roll < 0.35:
            vals = [rng.choice(self.ids) if rng.random() < 0.3
                    else diffdata.make_id(diffdata.KEY_PREFIX, 900000 + i) for i in range(3000)]
            col, arr = rng.choice(["id", "ref"]), "ARRAY[%s]::varchar[]" % ", ".join(q(v) for v in vals)
        elif roll < 0.6:
            vals = [rng.choice(diffdata.WORDS) + ("" if rng.random() < 0.2 else " %d" % i) for i in range(2000)]
            col, arr = "txt", "ARRAY[%s]" % ", ".join(q(v) for v in vals)
        elif roll < 0.8:
            col, arr = "num", "'{%s}'::int[]" % ",".join(str(rng.randint(-60, 60) * 7 + i * 1000)
                                                         for i in range(5000))
        else:
            col, arr = "big", "ARRAY[%s]::bigint[]" % ", ".join(
                str(rng.choice([r["big"] for r in self.rows if r["big"] is not None]) if rng.random() < 0.2
                    else rng.randint(-10 ** 15, 10 ** 15)) for _ in range(2500))
        op = rng.choice(["= ANY", "= ANY", "<> ALL"])
        if rng.random() < 0.25:
            self.nprep += 1
            name = "pa%d" % self.nprep
            elem = self.array_type(col)
            sql = ("SET plan_cache_mode = force_generic_plan;\n"
                   "PREPARE %s(%s[]) AS SELECT id, %s FROM diff WHERE %s %s ($1) ORDER BY id;\n"
                   "EXECUTE %s(%s);\nDEALLOCATE %s;\nRESET plan_cache_mode;") % (
                       name, elem, col, col, op, name, arr, name)
        else:
            sql = "SELECT id, %s FROM diff WHERE %s %s (%s) ORDER BY id;" % (col, col, op, arr)
        return Block("big-array", sql, True)


def fixed(rows):
    """Hand-written queries, one per known trap (reference section 12), so
    each is asked whatever the random draw."""
    some = rows[7]["id"]
    ref = next(r["ref"] for r in rows if r["ref"])
    sqls = [
        "SELECT count(*) FROM diff;",
        "SELECT count(*) FROM diff WHERE txt = 'apple';",
        "SELECT count(txt), count(DISTINCT txt), count(*) FROM diff WHERE num > 0;",
        "SELECT * FROM diff ORDER BY id LIMIT 10;",
        "SELECT id, txt FROM diff WHERE txt <> 'apple' ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt != 'apple' AND code <> 'A1' ORDER BY id;",
        "SELECT id, txt FROM diff WHERE NOT (txt = 'apple') ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt NOT IN ('apple', 'Apple') ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt NOT IN ('apple', NULL) ORDER BY id;",
        "SELECT id, pick FROM diff WHERE pick <> ALL (ARRAY['Red', 'green']) ORDER BY id;",
        "SELECT id FROM diff WHERE flag IS NULL ORDER BY id;",
        "SELECT id FROM diff WHERE flag IS NOT NULL AND NOT flag ORDER BY id;",
        "SELECT id, num FROM diff WHERE num <> 0 OR num IS NULL ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt = 'APPLE' ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt IN ('apple', 'STRASSE', 'İSTANBUL') ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt ILIKE 'istanbul' ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt ILIKE 'STRASSE' OR txt ILIKE 'straße' ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt LIKE 'App%' ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt LIKE '100\\%' ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt LIKE '%\\_%' ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt LIKE '%\\\\%' ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt LIKE '%''%' ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt NOT LIKE 'a%' ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt NOT ILIKE '%A%' ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt = 'trail' OR txt = 'trail ' OR txt = ' lead' ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt = '' OR txt IS NULL ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt = 'back\\slash' OR txt = 'C:\\path\\to' OR txt = '\\n' ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt > 'm' AND txt < 'z' ORDER BY id;",
        "SELECT id, txt FROM diff ORDER BY txt, id;",
        "SELECT id, txt FROM diff ORDER BY txt DESC NULLS LAST, id LIMIT 25;",
        "SELECT id, pick FROM diff ORDER BY pick NULLS FIRST, id LIMIT 20;",
        "SELECT id, pick FROM diff ORDER BY pick DESC, id LIMIT 20;",
        "SELECT id, amt FROM diff ORDER BY amt DESC, id LIMIT 5;",
        "SELECT id, amt FROM diff ORDER BY amt, id LIMIT 5;",
        "SELECT id, amt FROM diff ORDER BY amt NULLS FIRST, id LIMIT 5 OFFSET 30;",
        "SELECT id, day FROM diff ORDER BY day DESC NULLS LAST, id LIMIT 7;",
        "SELECT id, dt FROM diff ORDER BY dt ASC NULLS FIRST, id LIMIT 7;",
        "SELECT id FROM diff ORDER BY id LIMIT 5 OFFSET 2001;",
        "SELECT seq, amt FROM diff ORDER BY amt DESC, seq LIMIT 5;",
        "SELECT seq, amt FROM diff ORDER BY amt, seq LIMIT 5 OFFSET 300;",
        "SELECT seq, day FROM diff ORDER BY day NULLS FIRST, seq LIMIT 10;",
        "SELECT seq, dt FROM diff WHERE num > 0 ORDER BY dt DESC NULLS LAST, seq DESC LIMIT 10 OFFSET 5;",
        "SELECT seq, dts FROM diff ORDER BY dts DESC, seq LIMIT 10;",
        "SELECT seq, big FROM diff ORDER BY big, seq LIMIT 3;",
        "SELECT seq, tm FROM diff ORDER BY tm DESC, seq LIMIT 4;",
        "SELECT seq, flag FROM diff ORDER BY flag, seq LIMIT 4;",
        "SELECT seq, flag FROM diff ORDER BY flag DESC NULLS LAST, seq DESC LIMIT 4;",
        "SELECT seq, dbl FROM diff ORDER BY dbl NULLS FIRST, seq LIMIT 4;",
        "SELECT seq FROM diff ORDER BY seq LIMIT 10 OFFSET 355;",
        "SELECT seq FROM diff WHERE seq > 100 ORDER BY seq DESC LIMIT 1;",
        "SELECT seq, pick FROM diff ORDER BY pick, seq LIMIT 10;",
        "SELECT seq, txt FROM diff WHERE txt IS NOT NULL ORDER BY txt, seq LIMIT 10;",
        "SELECT seq, ref_num FROM diff ORDER BY ref_num NULLS FIRST, seq LIMIT 10;",
        "SELECT seq, ref_txt FROM diff WHERE ref_txt = 'apple' OR ref_txt IS NULL ORDER BY seq;",
        "SELECT seq, ref_num FROM diff WHERE ref_num <> 0 ORDER BY seq;",
        # columns that round what Salesforce holds: equal after rounding,
        # ordered by the rounded value and then by seq
        "SELECT seq, amt, amt1 FROM diff WHERE amt1 = 100.5 OR amt1 = -0.0 ORDER BY seq;",
        "SELECT seq, amt1 FROM diff WHERE amt1 > 100 AND amt1 <= 100.5 ORDER BY seq;",
        "SELECT seq, dt, dt0 FROM diff WHERE dt0 = '2024-03-10 07:00:00+00' ORDER BY seq;",
        "SELECT seq, dt0 FROM diff WHERE dt0 < '2024-01-01 00:00:00+00' AND dt0 > '2023-12-31 23:59:59+00' ORDER BY seq;",
        "SELECT seq, tm, tm0 FROM diff WHERE tm0 = '07:00:00' OR tm0 = '24:00:00' OR tm0 = '00:00:00' ORDER BY seq;",
        "SELECT seq, dt, dtd FROM diff WHERE dtd = '2024-03-10' OR dtd = '2024-01-01' ORDER BY seq;",
        "SELECT seq, dtd FROM diff WHERE dtd > '2024-03-09' AND dtd < '2024-03-11' ORDER BY seq;",
        "SELECT seq, day, days FROM diff WHERE days > '2024-03-10 12:00' ORDER BY days, seq LIMIT 5;",
        "SELECT seq, days FROM diff WHERE days = '2024-02-29' ORDER BY seq;",
        "SELECT seq, dbl, dbl4 FROM diff WHERE dbl4 = 0.1 OR dbl4 > 1234.5678 ORDER BY seq;",
        "SELECT seq, dbl4 FROM diff WHERE dbl4 = 137438953471.984375 ORDER BY seq;",
        "SELECT seq, amt1 FROM diff ORDER BY amt1, seq LIMIT 20;",
        "SELECT seq, dt0 FROM diff ORDER BY dt0 DESC, seq LIMIT 20;",
        "SELECT seq, tm0 FROM diff ORDER BY tm0, seq LIMIT 20;",
        "SELECT seq, dtd FROM diff ORDER BY dtd, seq LIMIT 20;",
        "SELECT seq, dbl4 FROM diff ORDER BY dbl4, seq LIMIT 20;",
        "SELECT amt1, count(*), sum(amt1) FROM diff GROUP BY amt1 ORDER BY amt1;",
        "SELECT dtd, count(*), min(dt0), max(tm0) FROM diff GROUP BY dtd ORDER BY dtd;",
        "SELECT id FROM diff ORDER BY id OFFSET 350;",
        "SELECT id, dt FROM diff WHERE dt > '2024-01-01 00:00:00.0005+00' AND dt < '2024-01-01 05:00:00+00' ORDER BY id;",
        "SELECT id, dt FROM diff WHERE dt >= '2023-12-31 23:59:59.9995+00' AND dt <= '2024-01-01 00:00:00.0004+00' ORDER BY id;",
        "SELECT id, dt FROM diff WHERE dt = '2024-03-10 06:59:59.999+00' ORDER BY id;",
        "SELECT id, dts FROM diff WHERE dts > '2024-03-10 06:59:59.9991' AND dts < '2024-03-10 07:00:00.0001' ORDER BY id;",
        "SELECT id, tm FROM diff WHERE tm > '23:59:59.9985' OR tm < '00:00:00.0005' ORDER BY id;",
        "SELECT id FROM diff WHERE id = %s;" % q(some[:15]),
        "SELECT id FROM diff WHERE id = %s;" % q(some.lower()),
        "SELECT id FROM diff WHERE id = %s;" % q(some),
        "SELECT id FROM diff WHERE id IN (%s, 'not-an-id', '') ORDER BY id;" % q(some),
        "SELECT id FROM diff WHERE ref = %s ORDER BY id;" % q(ref),
        "SELECT id FROM diff WHERE ref LIKE 'a0D%%' AND id LIKE %s ORDER BY id;" % q(some[:10] + "%"),
        "SELECT pick, count(*) FROM diff GROUP BY pick ORDER BY pick;",
        "SELECT txt, count(*) FROM diff GROUP BY txt ORDER BY txt;",
        "SELECT code, count(*), min(txt), max(txt) FROM diff GROUP BY code ORDER BY code NULLS FIRST;",
        "SELECT min(pick), max(pick), min(txt), max(txt), min(mail), max(mail) FROM diff;",
        "SELECT sum(amt), avg(amt), sum(num), avg(num), sum(big), avg(big), sum(dbl), avg(dbl) FROM diff;",
        "SELECT min(amt), max(amt), min(dbl), max(dbl), min(big), max(big), min(day), max(day), "
        "min(dt), max(dt), min(dts), max(dts), min(tm), max(tm) FROM diff;",
        "SELECT flag, count(*), sum(amt) FROM diff GROUP BY flag HAVING count(*) > 1 ORDER BY flag;",
        "SELECT day, count(*) FROM diff GROUP BY day HAVING count(*) > 1 ORDER BY day NULLS FIRST;",
        "SELECT count(*) FROM diff WHERE amt > 0 AND dbl < 0;",
        "SELECT sum(amt) FROM diff WHERE amt = 9999999999999999.99 OR amt = 1234567890123456.78;",
        "SELECT id, big FROM diff WHERE big = 9007199254740993 OR big = 9007199254740992 ORDER BY id;",
        "SELECT id, dbl FROM diff WHERE dbl = 137438953471.984375 OR dbl = -137438953471.984375 ORDER BY id;",
        "SELECT id, amt FROM diff WHERE amt = 100.5 OR amt = 100.505 ORDER BY id;",
        "SELECT id, num FROM diff WHERE num = 5.5 OR num > 49.5 ORDER BY id;",
        "SELECT count(*) FROM (SELECT id FROM diff LIMIT 10) s;",
        "SELECT count(*) FROM (SELECT id FROM diff WHERE txt ILIKE 'a%' LIMIT 3) s;",
        "SELECT s.k, d.id FROM small s JOIN diff d ON d.id = s.rid ORDER BY s.k, d.id;",
        "SELECT s.k, d.id FROM small s JOIN diff d ON d.txt = s.word ORDER BY s.k, d.id;",
        "SELECT s.k, d.id FROM big s JOIN diff d ON d.ref = s.rid ORDER BY s.k, d.id;",
        "SET TimeZone = 'America/New_York';\nSELECT id, dt, dts FROM diff WHERE dt >= '2024-03-10 01:00' AND dt < '2024-03-10 04:00' ORDER BY id;\nRESET TimeZone;",
        "SET TimeZone = 'America/New_York';\nSELECT id, dt, dts FROM diff WHERE dts >= '2024-11-03 05:00' AND dts < '2024-11-03 07:00' ORDER BY id;\nRESET TimeZone;",
        "SET TimeZone = 'Asia/Kolkata';\nSELECT id, dt FROM diff WHERE dt::date = DATE '2024-01-01' ORDER BY id;\nRESET TimeZone;",
        "SET TimeZone = 'Pacific/Kiritimati';\nSELECT id, day, dt FROM diff WHERE day = current_date OR dt > now() ORDER BY id;\nRESET TimeZone;",
    ]
    return [Block("fixed", s, True) for s in sqls]


def many():
    """Queries over `many` (2600 records): more than 2000 groups, OFFSET
    beyond 2000, results of several pages."""
    sqls = [
        "SELECT count(*) FROM many;",
        "SELECT grp, count(*), sum(val) FROM many GROUP BY grp ORDER BY grp;",
        "SELECT key, count(*), min(val) FROM many GROUP BY key ORDER BY key;",
        "SELECT count(*) FROM (SELECT key FROM many GROUP BY key) s;",
        "SELECT count(DISTINCT key), count(DISTINCT grp), count(*) FROM many;",
        "SELECT grp, max(key), min(key) FROM many WHERE grp > 100 GROUP BY grp HAVING count(*) > 1 ORDER BY grp;",
        "SELECT grp, count(*) FROM many GROUP BY grp ORDER BY count(*) DESC, grp LIMIT 10;",
        "SELECT grp, count(*) FROM many GROUP BY grp ORDER BY grp DESC LIMIT 5 OFFSET 2100;",
        "SELECT id, grp FROM many ORDER BY grp, id OFFSET 2100 LIMIT 20;",
        "SELECT id FROM many ORDER BY id LIMIT 5 OFFSET 2000;",
        "SELECT id FROM many ORDER BY id DESC LIMIT 3 OFFSET 2001;",
        "SELECT id, key FROM many ORDER BY key DESC, id LIMIT 2001;",
        "SELECT sum(val), avg(val), min(key), max(key), min(grp), max(grp) FROM many;",
        "SELECT id, key FROM many WHERE key = 'k0001' ORDER BY id;",
        "SELECT id, key FROM many WHERE key ILIKE 'K000%' ORDER BY id;",
        "SELECT id, key FROM many WHERE key IN ('K0003', 'k0003', 'K0004') ORDER BY id;",
        "SELECT key, count(*) FROM many WHERE key LIKE 'K%' GROUP BY key ORDER BY key;",
        "SELECT d.id, m.id, m.grp FROM diff d JOIN many m ON m.grp = d.num ORDER BY d.id, m.id;",
        "SELECT m.id FROM many m WHERE m.grp IN (SELECT n FROM small WHERE n IS NOT NULL) ORDER BY m.id;",
    ]
    return [Block("many", s, True) for s in sqls]


def huge():
    """Constants past Salesforce's size limits: a string literal over 4,000
    characters, and lists that make a SOQL statement of more than 100,000
    characters (and a URI far over 16 KB)."""
    nums = ",".join(str(i * 13 - 60000) for i in range(12000))
    return [Block("huge", s, True) for s in [
        "SELECT id, txt FROM diff WHERE txt = repeat('x', 5000) OR txt = 'apple' ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt IN (repeat('y', 4001), 'Apple', 'APPLE') ORDER BY id;",
        "SELECT id, txt FROM diff WHERE txt LIKE repeat('%', 4500) || 'e' ORDER BY id;",
        "SELECT id, num FROM diff WHERE num = ANY ('{%s}'::int[]) ORDER BY id;" % nums,
        "SELECT id, num FROM diff WHERE num <> ALL ('{%s}'::int[]) ORDER BY id;" % nums,
    ]]


SHAPES = [("filter_query", 36), ("limit_count", 3), ("aggregate", 20), ("join", 12),
          ("prepared", 10), ("stable", 5), ("timezone", 8)]


def generate(rows, n=600, seed=SEED, big_arrays=10):
    """The fixed trap queries, n blocks from the grammar and `big_arrays`
    blocks with thousands of values; deterministic for a given seed and data."""
    g = Grammar(rows, seed)
    names = [s for s, _w in SHAPES]
    weights = [w for _s, w in SHAPES]
    blocks = fixed(rows) + many() + huge()
    blocks += [getattr(g, g.rng.choices(names, weights)[0])() for _ in range(n)]
    blocks += [g.big_array() for _ in range(big_arrays)]
    for i, b in enumerate(blocks):
        b.id = i + 1
    return blocks
