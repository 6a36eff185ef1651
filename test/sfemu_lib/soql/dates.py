"""Date functions and date literals (SOQL "Date Functions", "Date Formats
and Date Literals").

Everything is computed in UTC, the emulated user's zone; weeks start on
Sunday and fiscal years are calendar years (both Assumed, Salesforce's
defaults).
"""

import datetime

# Date functions (SOQL "Date Functions"): value from a date/datetime field, in
# UTC (the emulated user's zone).  Fiscal years are calendar years (Assumed:
# Salesforce's default fiscal year starts in January).
DATE_FUNCTIONS = {
    "CALENDAR_MONTH": lambda d: d.month,
    "CALENDAR_QUARTER": lambda d: (d.month - 1) // 3 + 1,
    "CALENDAR_YEAR": lambda d: d.year,
    "DAY_IN_MONTH": lambda d: d.day,
    "DAY_IN_WEEK": lambda d: d.isoweekday() % 7 + 1,          # 1 = Sunday
    "DAY_IN_YEAR": lambda d: d.timetuple().tm_yday,
    "DAY_ONLY": lambda d: d.date() if isinstance(d, datetime.datetime) else d,
    "FISCAL_MONTH": lambda d: d.month,
    "FISCAL_QUARTER": lambda d: (d.month - 1) // 3 + 1,
    "FISCAL_YEAR": lambda d: d.year,
    "HOUR_IN_DAY": lambda d: d.hour,
    "WEEK_IN_MONTH": lambda d: (d.day - 1) // 7 + 1,
    "WEEK_IN_YEAR": lambda d: (d.timetuple().tm_yday - 1) // 7 + 1,
}

# Date literals (reference 4.4): plain ones and those taking ":n".
DATE_LITERALS = frozenset("""YESTERDAY TODAY TOMORROW LAST_WEEK THIS_WEEK NEXT_WEEK LAST_MONTH
    THIS_MONTH NEXT_MONTH LAST_90_DAYS NEXT_90_DAYS THIS_QUARTER LAST_QUARTER NEXT_QUARTER
    THIS_YEAR LAST_YEAR NEXT_YEAR THIS_FISCAL_QUARTER LAST_FISCAL_QUARTER NEXT_FISCAL_QUARTER
    THIS_FISCAL_YEAR LAST_FISCAL_YEAR NEXT_FISCAL_YEAR""".split())
DATE_N_LITERALS = frozenset("""LAST_N_DAYS NEXT_N_DAYS N_DAYS_AGO LAST_N_WEEKS NEXT_N_WEEKS
    N_WEEKS_AGO LAST_N_MONTHS NEXT_N_MONTHS N_MONTHS_AGO LAST_N_QUARTERS NEXT_N_QUARTERS
    N_QUARTERS_AGO LAST_N_YEARS NEXT_N_YEARS N_YEARS_AGO LAST_N_FISCAL_QUARTERS
    NEXT_N_FISCAL_QUARTERS N_FISCAL_QUARTERS_AGO LAST_N_FISCAL_YEARS NEXT_N_FISCAL_YEARS
    N_FISCAL_YEARS_AGO""".split())


def _month_start(d, delta_months=0):
    m = d.year * 12 + (d.month - 1) + delta_months
    return datetime.date(m // 12, m % 12 + 1, 1)


def _date_range(name, n, today):
    """[start, end) of a date literal such as TODAY or LAST_N_DAYS:5.
    Weeks start on Sunday (en_US, Assumed); fiscal years are calendar years
    (Salesforce's default fiscal year, Assumed)."""
    day = datetime.timedelta(days=1)
    name = name.replace("_FISCAL", "")
    name, n = {"TODAY": ("THIS_DAY", n), "YESTERDAY": ("LAST_DAY", n), "TOMORROW": ("NEXT_DAY", n),
               "LAST_90_DAYS": ("LAST_N_DAYS", 90), "NEXT_90_DAYS": ("NEXT_N_DAYS", 90)}.get(name, (name, n))
    if name == "LAST_N_DAYS":
        # Assumed (common reading of the docs): unlike LAST_N_WEEKS and the
        # others, the range includes the current day.
        return today - n * day, today + day
    week = today - datetime.timedelta(days=(today.weekday() + 1) % 7)
    quarter = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    # unit -> the current period's first day and a function giving the first
    # day of the period k periods away
    units = {"DAY": (today, lambda s, k: s + k * day),
             "WEEK": (week, lambda s, k: s + 7 * k * day),
             "MONTH": (_month_start(today), _month_start),
             "QUARTER": (quarter, lambda s, k: _month_start(s, 3 * k)),
             "YEAR": (datetime.date(today.year, 1, 1), lambda s, k: _month_start(s, 12 * k))}
    for unit, (start, at) in units.items():
        if name == "THIS_" + unit:
            return start, at(start, 1)
        if name == "LAST_" + unit:
            return at(start, -1), start
        if name == "NEXT_" + unit:
            return at(start, 1), at(start, 2)
        if name == "LAST_N_%sS" % unit:
            return at(start, -n), start
        if name == "NEXT_N_%sS" % unit:
            return at(start, 1), at(start, n + 1)
        if name == "N_%sS_AGO" % unit:
            return at(start, -n), at(start, -n + 1)
    raise AssertionError("unhandled date literal " + name)

