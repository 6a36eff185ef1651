"""soql/parser.py: the syntax tree parse() builds, and its syntax errors.
(Name and type checks belong to the evaluator: test_soql.py.)"""

import datetime
import decimal
import unittest

from sfemu_lib.soql import SoqlError, parse
from sfemu_lib.soql.parser import (AggItem, Cmp, CountAll, FieldItem, FieldsItem, FuncItem, Lit, Logic,
                                   Not, SemiJoin, SubqueryItem)
from sfemu_lib.store import UTC


class ParseTest(unittest.TestCase):
    def test_clauses(self):
        q = parse("SELECT Id, Account.Name, (SELECT LastName FROM Contacts) FROM Account a "
                  "WHERE Name LIKE 'A%' ORDER BY Name DESC NULLS LAST, Id LIMIT 5 OFFSET 10")
        self.assertEqual((q.sobject, q.alias, q.limit, q.offset), ("Account", "a", 5, 10))
        self.assertIsInstance(q.items[0], FieldItem)
        self.assertEqual(q.items[1].path, "Account.Name")
        self.assertIsInstance(q.items[2], SubqueryItem)
        self.assertEqual(q.items[2].query.sobject, "Contacts")
        self.assertEqual([(o.expr.path, o.desc, o.nulls) for o in q.order_by],
                         [("Name", True, "LAST"), ("Id", False, None)])
        self.assertFalse(q.is_aggregate)
        self.assertFalse(q.count_only)

    def test_aggregate_items(self):
        q = parse("SELECT Industry, COUNT(Id) n, CALENDAR_YEAR(CreatedDate) FROM Account "
                  "GROUP BY Industry, CALENDAR_YEAR(CreatedDate) HAVING COUNT(Id) > 1")
        agg = q.items[1]
        self.assertIsInstance(agg, AggItem)
        self.assertEqual((agg.func, agg.path, agg.alias, agg.key()), ("COUNT", "Id", "n", ("COUNT", "id")))
        self.assertIsInstance(q.items[2], FuncItem)
        self.assertEqual(q.items[2].func, "CALENDAR_YEAR")
        self.assertTrue(q.is_aggregate)
        self.assertIsInstance(q.having.lhs, AggItem)
        self.assertTrue(parse("SELECT COUNT() FROM Account").count_only)
        self.assertIsInstance(parse("SELECT COUNT() FROM Account").items[0], CountAll)
        self.assertEqual(parse("SELECT FIELDS(all) FROM Account LIMIT 1").items[0].kind, "ALL")
        self.assertIsInstance(parse("SELECT FIELDS(ALL) FROM Account LIMIT 1").items[0], FieldsItem)

    def test_conditions(self):
        w = parse("SELECT Id FROM A WHERE NOT (x = 1 OR y <> 'b') AND z IN (SELECT Id FROM B) "
                  "AND m NOT IN (1, 2) AND p INCLUDES ('a;b', 'c')").where
        self.assertIsInstance(w, Logic)
        self.assertEqual(w.op, "AND")
        neg, semi, notin, inc = w.children
        self.assertIsInstance(neg, Not)
        self.assertEqual([c.op for c in neg.child.children], ["=", "!="])      # <> is !=
        self.assertIsInstance(semi.value, SemiJoin)
        self.assertEqual(notin.op, "NOT IN")
        self.assertEqual([v.value for v in notin.value], [decimal.Decimal(1), decimal.Decimal(2)])
        self.assertEqual(inc.op, "INCLUDES")
        with self.assertRaises(SoqlError):      # AND and OR mixed without parentheses
            parse("SELECT Id FROM A WHERE x = 1 AND y = 2 OR z = 3")

    def literal(self, text):
        cmp = parse("SELECT Id FROM A WHERE f = " + text).where
        self.assertIsInstance(cmp, Cmp)
        self.assertIsInstance(cmp.value, Lit)
        return cmp.value.kind, cmp.value.value

    def test_literals(self):
        self.assertEqual(self.literal("'x\\'y'"), ("STRING", "x\\'y"))       # raw until checked
        self.assertEqual(self.literal("-2.50"), ("NUMBER", decimal.Decimal("-2.50")))
        self.assertEqual(self.literal("null"), ("NULL", None))
        self.assertEqual(self.literal("TRUE"), ("BOOL", True))
        self.assertEqual(self.literal("2024-02-29"), ("DATE", datetime.date(2024, 2, 29)))
        self.assertEqual(self.literal("2024-01-01T01:30:00.1234567+02:00"),
                         ("DATETIME", datetime.datetime(2023, 12, 31, 23, 30, 0, 123456, UTC)))
        self.assertEqual(self.literal("10:11:12.5Z"), ("TIME", datetime.time(10, 11, 12, 500000)))
        self.assertEqual(self.literal("LAST_N_DAYS:7"), ("DATELIT", ("LAST_N_DAYS", 7)))
        self.assertEqual(self.literal("this_month"), ("DATELIT", ("THIS_MONTH", None)))
        for bad in ("2024-13-01", "2024-01-01T10:00:00+25:00", "25:00:00Z"):
            with self.assertRaises(SoqlError) as cm:
                parse("SELECT Id FROM A WHERE f = " + bad)
            self.assertTrue(cm.exception.message.endswith(
                "ERROR at Row:1:Column:28\nline 1:27 no viable alternative at character '2'"), bad)

    def test_unsupported(self):
        for text, tail in [("SELECT toLabel(Name) FROM A", "Unknown function: toLabel"),
                           ("SELECT Id FROM A WHERE COUNT(Id) > 1", "unexpected token: '('"),
                           ("SELECT Id FROM A WHERE x = 1 WITH SECURITY_ENFORCED", "unexpected token: 'WITH'"),
                           ("SELECT Id FROM A WHERE x IN (1) OR", "unexpected token: '<EOF>'"),
                           ("SELECT Id FROM A WHERE d = LAST_N_DAYS", "unexpected token: '<EOF>'")]:
            with self.assertRaises(SoqlError) as cm:
                parse(text)
            self.assertEqual(cm.exception.error_code, "MALFORMED_QUERY")
            self.assertTrue(cm.exception.message.endswith(tail), (text, cm.exception.message))


if __name__ == "__main__":
    unittest.main()
