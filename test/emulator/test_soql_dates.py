"""soql/dates.py: date-literal ranges and date functions."""

import datetime
import unittest

from sfemu_lib.soql.dates import DATE_FUNCTIONS, DATE_LITERALS, DATE_N_LITERALS, _date_range

d = datetime.date
TODAY = d(2024, 3, 13)      # a Wednesday


class DateRangeTest(unittest.TestCase):
    def test_plain_literals(self):
        cases = {"TODAY": (d(2024, 3, 13), d(2024, 3, 14)),
                 "YESTERDAY": (d(2024, 3, 12), d(2024, 3, 13)),
                 "THIS_WEEK": (d(2024, 3, 10), d(2024, 3, 17)),          # weeks start on Sunday
                 "LAST_MONTH": (d(2024, 2, 1), d(2024, 3, 1)),
                 "NEXT_QUARTER": (d(2024, 4, 1), d(2024, 7, 1)),
                 "LAST_FISCAL_YEAR": (d(2023, 1, 1), d(2024, 1, 1)),
                 "LAST_90_DAYS": (d(2023, 12, 14), d(2024, 3, 14))}
        for name, want in cases.items():
            self.assertEqual(_date_range(name, None, TODAY), want, name)

    def test_n_literals(self):
        self.assertEqual(_date_range("LAST_N_DAYS", 2, TODAY), (d(2024, 3, 11), d(2024, 3, 14)))
        self.assertEqual(_date_range("NEXT_N_WEEKS", 1, TODAY), (d(2024, 3, 17), d(2024, 3, 24)))
        self.assertEqual(_date_range("N_MONTHS_AGO", 3, TODAY), (d(2023, 12, 1), d(2024, 1, 1)))
        self.assertEqual(_date_range("LAST_N_FISCAL_QUARTERS", 2, TODAY), (d(2023, 7, 1), d(2024, 1, 1)))

    def test_every_literal_has_a_range(self):
        for name in DATE_LITERALS:
            start, end = _date_range(name, None, TODAY)
            self.assertLess(start, end, name)
        for name in DATE_N_LITERALS:
            start, end = _date_range(name, 2, TODAY)
            self.assertLess(start, end, name)

    def test_date_functions(self):
        dt = datetime.datetime(2024, 3, 13, 15, 30, tzinfo=datetime.timezone.utc)
        self.assertEqual(DATE_FUNCTIONS["DAY_IN_WEEK"](TODAY), 4)            # 1 = Sunday
        self.assertEqual(DATE_FUNCTIONS["CALENDAR_QUARTER"](TODAY), 1)
        self.assertEqual(DATE_FUNCTIONS["WEEK_IN_MONTH"](TODAY), 2)
        self.assertEqual(DATE_FUNCTIONS["DAY_IN_YEAR"](TODAY), 73)
        self.assertEqual(DATE_FUNCTIONS["DAY_ONLY"](dt), TODAY)
        self.assertEqual(DATE_FUNCTIONS["HOUR_IN_DAY"](dt), 15)


if __name__ == "__main__":
    unittest.main()
