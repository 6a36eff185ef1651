"""SOQL parser and evaluator for the Salesforce emulator.

parse() turns SOQL text into a Query (syntax only); execute() checks the
names and literal types against a Store and evaluates the query with
Salesforce's semantics, which differ from SQL's in ways a translator can
trip over (reference sections 4 and 12):

  * text comparison, LIKE and ORDER BY are case-insensitive (upper-cased),
    except on fields whose describe says caseSensitive;
  * the logic is two-valued: `!=` and `NOT IN` keep rows whose value is null
    (quirk "ne-null-exclude" drops them), `<`/`>` never match null;
  * boolean fields are never null, `= null` means `= false`;
  * parent-field filters act like outer joins;
  * ORDER BY puts nulls first for ASC and (belief) last for DESC (quirk
    "desc-nulls-first" puts them first), picklists sort in definition order;
  * multi-select picklists compare as sets, INCLUDES/EXCLUDES take ';' as
    AND inside a literal and ',' as OR between literals;
  * literal types are checked against the field type and mistakes are 400s
    with Salesforce's error codes and its "ERROR at Row:1:Column:N" shape.

Supported: SELECT of fields, parent paths (Account.Owner.Email), child
subqueries ((SELECT ... FROM Contacts)), FIELDS(STANDARD|ALL|CUSTOM),
COUNT(), COUNT/COUNT_DISTINCT/SUM/AVG/MIN/MAX with aliases, date functions
(CALENDAR_YEAR(...), DAY_ONLY(...), ...); WHERE with = != <> < <= > >= LIKE
IN NOT IN INCLUDES EXCLUDES AND OR NOT, date literals, semi/anti-joins
(two at most, not under OR or NOT, not nested); GROUP BY, HAVING,
ORDER BY ... NULLS FIRST|LAST, LIMIT, OFFSET (2,000 at most).  Size limits:
100,000 characters of SOQL, 4,000 characters per string in WHERE/HAVING.
Not supported (MALFORMED_QUERY): TYPEOF, WITH, USING SCOPE, FOR VIEW/UPDATE,
GROUP BY ROLLUP/CUBE, toLabel/FORMAT/convertCurrency/DISTANCE, bind variables.

Modules, each importing only those above it: errors, lexer, dates, parser
(text -> Query); fields (types, paths, sort keys), order (ORDER BY, OFFSET,
LIMIT), conditions (WHERE/HAVING), output (Result, record JSON), aggregate
(GROUP BY), evaluator (execute).  This file is the public API; the names
with a leading underscore are the package's own.

Assumptions where the reference is silent (UNCONFIRMED) are marked with
"Assumed:" in comments.
"""

from .aggregate import MAX_AGGREGATE_ROWS
from .dates import DATE_FUNCTIONS, DATE_LITERALS, DATE_N_LITERALS
from .errors import SoqlError
from .evaluator import MAX_FIELDS_LIMIT, MAX_OFFSET, execute
from .fields import COMPOUND_TYPES, ID_TYPES, NUMBER_TYPES, STRING_TYPES
from .lexer import Token
from .output import Result, record_json
from .parser import (AGGREGATES, MAX_SOQL_LENGTH, MAX_STRING_LITERAL, RESERVED, AggItem, Cmp,
                     CountAll, FieldItem, FieldsItem, FuncItem, Lit, Logic, Not, OrderItem, Query,
                     SemiJoin, SubqueryItem, parse)

__all__ = ["SoqlError", "Query", "Result", "parse", "execute", "record_json"]
