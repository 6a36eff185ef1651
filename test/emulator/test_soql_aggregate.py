"""soql/aggregate.py and the checks it shares with plain queries (order.py,
conditions.py): the errors of a grouped query, aggregates over null values,
semi-joins over queryAll.  The org is test_soql.py's."""

import unittest

from emulator.test_soql import SoqlCase


class AggregateChecksTest(SoqlCase):
    def test_not_grouped(self):
        e = self.error("SELECT Industry FROM Account GROUP BY Industry HAVING Name = 'x'", "MALFORMED_QUERY")
        self.assertTrue(e.message.endswith("ERROR at Row:1:Column:55\nField must be grouped or aggregated: Name"))
        e = self.error("SELECT Industry FROM Account GROUP BY Industry ORDER BY Name", "MALFORMED_QUERY")
        self.assertTrue(e.message.endswith("Ordered field must be grouped or aggregated: Name"))

    def test_not_sortable(self):
        self.store.get_sobject("Account").field("Industry")["sortable"] = False
        for q in ("SELECT Industry FROM Account GROUP BY Industry ORDER BY Industry",
                  "SELECT Industry FROM Account ORDER BY Industry"):
            e = self.error(q, "INVALID_FIELD")
            self.assertTrue(e.message.endswith("field 'Industry' can not be sorted in a query call"), q)

    def test_operator_not_supported(self):
        for func, field in (("SUM", "Name"), ("AVG", "Founded__c"), ("MAX", "Active__c"),
                            ("MIN", "Colors__c"), ("MAX", "BillingAddress")):
            e = self.error("SELECT %s(%s) FROM Account" % (func, field), "INVALID_FIELD")
            self.assertTrue(e.message.endswith("ERROR at Row:1:Column:8\nfield %s does not support aggregate "
                                               "operator %s" % (field, func)), e.message)
        self.store.get_sobject("Account").field("NumberOfEmployees")["aggregatable"] = False
        self.error("SELECT MIN(NumberOfEmployees) FROM Account", "INVALID_FIELD")
        self.assertEqual(self.run_q("SELECT COUNT(NumberOfEmployees) FROM Account").records[0]["expr0"], 4)

    def test_all_null_values(self):
        r = self.run_q("SELECT AVG(AnnualRevenue), MIN(AnnualRevenue), MAX(Code__c), SUM(NumberOfEmployees), "
                       "COUNT_DISTINCT(AnnualRevenue), COUNT(AnnualRevenue) FROM Account WHERE Name = 'Gamma'")
        self.assertEqual([r.records[0]["expr%d" % i] for i in range(6)], [None, None, None, 7, 0, 0])

    def test_expr_names_count_aggregates_and_date_functions_together(self):
        r = self.run_q("SELECT CALENDAR_YEAR(Founded__c), MAX(Name) top, COUNT(Id) FROM Account "
                       "GROUP BY CALENDAR_YEAR(Founded__c)")
        self.assertEqual(r.columns, ["expr0", "top", "expr1"])

    def test_semi_join_query_all(self):
        deleted = self.acc["gone"]
        so = self.store.get_sobject("Contact")
        self.store.add_record(so, {"LastName": "Orphan", "AccountId": deleted})
        q = "SELECT LastName FROM Contact WHERE AccountId IN (SELECT Id FROM Account WHERE Active__c = false)"
        self.assertEqual(self.names(q, key="LastName"), ["Young"])
        self.assertEqual(self.names(q, key="LastName", query_all=True), ["Young", "Orphan"])


if __name__ == "__main__":
    unittest.main()
