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

The WHERE clause is compiled once into closures and ORDER BY into key
functions, so a 50,000-row query costs no per-row parsing.

Assumptions where the reference is silent (UNCONFIRMED) are marked with
"Assumed:" in comments.
"""

import datetime
import decimal
import re

try:
    from .store import UTC, to_id18
except ImportError:                         # imported as a top-level module
    from store import UTC, to_id18

__all__ = ["SoqlError", "Query", "Result", "parse", "execute", "record_json"]

MAX_OFFSET = 2000
MAX_AGGREGATE_ROWS = 2000
MAX_FIELDS_LIMIT = 200
MAX_SOQL_LENGTH = 100000            # reference 3.5; error text as clients report it
# "Strings in WHERE clauses can't exceed 4,000 characters" (SOQL reference,
# WHERE; reference 3.5).  Counted after unescaping.  The errorCode and wording
# of the error are Assumed (MALFORMED_QUERY, like the statement-length error).
MAX_STRING_LITERAL = 4000

STRING_TYPES = frozenset(["string", "textarea", "picklist", "multipicklist", "email", "phone",
                          "url", "combobox", "encryptedstring"])
ID_TYPES = frozenset(["id", "reference"])
NUMBER_TYPES = frozenset(["int", "long", "double", "currency", "percent"])
COMPOUND_TYPES = frozenset(["address", "location"])

# Salesforce's type words in "must be of type X" messages.
_TYPE_WORD = {"int": "integer", "long": "long", "double": "double", "currency": "double",
              "percent": "double", "boolean": "boolean", "date": "date", "datetime": "dateTime",
              "time": "time", "id": "id", "reference": "id"}

RESERVED = frozenset("""AND ASC BY DESC EXCLUDES FALSE FIRST FOR FROM GROUP HAVING IN INCLUDES LAST
    LIKE LIMIT NOT NULL NULLS OFFSET OR ORDER SELECT TRUE USING WHERE WITH""".split())

AGGREGATES = frozenset(["COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"])

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


# ----------------------------------------------------------------------------
# Errors

class SoqlError(Exception):
    """A query failure as Salesforce reports it: HTTP status, errorCode, message."""

    def __init__(self, error_code, message, status=400):
        super().__init__("%s: %s" % (error_code, message))
        self.error_code = error_code
        self.message = message
        self.status = status

    def body(self):
        return [{"message": self.message, "errorCode": self.error_code}]


def _located(text, pos, explanation):
    """Salesforce's query-error message: the line of the query, a caret under
    the offending column, its 1-based row/column, then the explanation."""
    pos = max(0, min(pos, len(text)))
    row = text.count("\n", 0, pos) + 1
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    if end < 0:
        end = len(text)
    col = pos - start + 1
    return "\n%s\n%s^\nERROR at Row:%d:Column:%d\n%s" % (
        text[start:end], " " * (col - 1), row, col, explanation)


def _fail(code, text, pos, explanation):
    raise SoqlError(code, _located(text, pos, explanation))


def _no_such_column(name, entity):
    return ("No such column '%s' on entity '%s'. If you are attempting to use a custom field, be "
            "sure to append the '__c' after the custom field name. Please reference your WSDL or "
            "the describe call for the appropriate names." % (name, entity))


def _bad_relationship(name):
    return ("Didn't understand relationship '%s' in field path. If you are attempting to use a "
            "custom relationship, be sure to append the '__r' after the custom relationship name. "
            "Please reference your WSDL or the describe call for the appropriate names." % name)


def _bad_type(name):
    return ("sObject type '%s' is not supported. If you are attempting to use a custom object, be "
            "sure to append the '__c' after the entity name. Please reference your WSDL or the "
            "describe call for the appropriate names." % name)


# ----------------------------------------------------------------------------
# Tokenizer

_TOKEN_RE = re.compile(r"""
   (?P<ws>\s+)
  |(?P<datetime>(?P<dt_d>\d{4}-\d{2}-\d{2})T(?P<dt_t>\d{2}:\d{2}:\d{2})(?:\.(?P<dt_f>\d+))?
       (?P<dt_z>Z|[+-]\d{2}:\d{2}))
  |(?P<baddatetime>\d{4}-\d{2}-\d{2}T[0-9:.]*)
  |(?P<date>\d{4}-\d{2}-\d{2})
  |(?P<time>\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z)
  |(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))
  |(?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  |(?P<string>'(?:[^'\\]|\\.)*')
  |(?P<op>!=|<>|<=|>=|=|<|>|\(|\)|,|:)
""", re.X | re.S)


class Token:
    __slots__ = ("kind", "text", "pos", "upper")

    def __init__(self, kind, text, pos):
        self.kind = kind
        self.text = text
        self.pos = pos
        self.upper = text.upper()

    def __repr__(self):
        return "Token(%s,%r,%d)" % (self.kind, self.text, self.pos)


def _tokenize(text):
    tokens = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            ch = text[pos]
            if ch == "'":
                # an unterminated string runs to the end of the query
                _fail("MALFORMED_QUERY", text, n, "line %d:%d no viable alternative at character '<EOF>'"
                      % (text.count("\n", 0, n) + 1, n))
            _fail("MALFORMED_QUERY", text, pos, "line %d:%d no viable alternative at character '%s'"
                  % (text.count("\n", 0, pos) + 1, pos, ch))
        kind = m.lastgroup
        if kind in ("dt_d", "dt_t", "dt_f", "dt_z"):
            kind = "datetime"
        if kind == "baddatetime":
            # a dateTime needs its zone (reference 4.4)
            end = m.end()
            _fail("MALFORMED_QUERY", text, end, "line %d:%d no viable alternative at character '%s'"
                  % (text.count("\n", 0, end) + 1, end, text[end] if end < n else "<EOF>"))
        if kind != "ws":
            tokens.append(Token(kind, m.group(0), pos))
        pos = m.end()
    tokens.append(Token("eof", "<EOF>", n))
    return tokens


# ----------------------------------------------------------------------------
# Syntax tree

class Query:
    """A parsed SELECT.  `text` is the SOQL it came from (error positions refer to it)."""

    def __init__(self, text):
        self.text = text
        self.items = []             # FieldItem, AggItem, CountAll, FieldsItem, SubqueryItem
        self.sobject = None
        self.sobject_pos = 0
        self.alias = None
        self.where = None
        self.group_by = []          # list of FieldItem
        self.having = None
        self.having_pos = 0
        self.order_by = []          # list of OrderItem
        self.limit = None
        self.limit_pos = None
        self.offset = None
        self.offset_pos = None
        self.count_only = False

    @property
    def is_aggregate(self):
        return bool(self.group_by) or any(isinstance(i, AggItem) for i in self.items)


class _Node:
    """A syntax-tree node: its fields are named by __slots__ and set from the
    constructor's arguments in that order; trailing ones left out are None."""
    __slots__ = ()

    def __init__(self, *args):
        if len(args) > len(self.__slots__):
            raise TypeError("%s takes at most %d arguments" % (type(self).__name__, len(self.__slots__)))
        for i, name in enumerate(self.__slots__):
            setattr(self, name, args[i] if i < len(args) else None)


class FieldItem(_Node):
    __slots__ = ("path", "pos", "alias")


class AggItem(_Node):
    __slots__ = ("func", "path", "pos", "arg_pos", "alias")

    def key(self):
        return (self.func, self.path.lower())


class FuncItem(_Node):
    """A date function over a field: CALENDAR_YEAR(CloseDate)."""
    __slots__ = ("func", "path", "pos", "arg_pos", "alias")


class CountAll(_Node):
    __slots__ = ("pos",)


class FieldsItem(_Node):
    __slots__ = ("kind", "pos")


class SubqueryItem(_Node):
    __slots__ = ("query", "pos")


class OrderItem(_Node):
    # expr: FieldItem or AggItem; nulls: None, "FIRST" or "LAST"
    __slots__ = ("expr", "desc", "nulls")


class Logic(_Node):
    __slots__ = ("op", "children")


class Not(_Node):
    __slots__ = ("child", "pos")


class Cmp(_Node):
    # lhs: FieldItem or AggItem; op: "=", "!=", "<", "<=", ">", ">=", "LIKE",
    # "IN", "NOT IN", "INCLUDES", "EXCLUDES"; value: Lit, list of Lit, or SemiJoin
    __slots__ = ("lhs", "op", "value", "op_pos")


class Lit(_Node):
    """A literal.  kind: STRING (value = raw text between the quotes), NUMBER
    (Decimal), DATE, DATETIME, TIME, NULL, BOOL, DATELIT (value = (NAME, n))."""
    __slots__ = ("kind", "value", "pos", "text")


class SemiJoin(_Node):
    __slots__ = ("query", "pos")


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


# ----------------------------------------------------------------------------
# Parser

class _Parser:
    def __init__(self, text):
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0

    def peek(self, k=0):
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self):
        tok = self.toks[self.i]
        if tok.kind != "eof":
            self.i += 1
        return tok

    def is_kw(self, word, k=0):
        tok = self.peek(k)
        return tok.kind == "ident" and tok.upper == word

    def accept_kw(self, word):
        if self.is_kw(word):
            return self.next()
        return None

    def expect_kw(self, word):
        if not self.is_kw(word):
            self.unexpected()
        return self.next()

    def is_op(self, op, k=0):
        tok = self.peek(k)
        return tok.kind == "op" and tok.text == op

    def expect_op(self, op):
        if not self.is_op(op):
            self.unexpected()
        return self.next()

    def unexpected(self, tok=None):
        tok = tok or self.peek()
        _fail("MALFORMED_QUERY", self.text, tok.pos, "unexpected token: '%s'" % tok.text)

    def name_token(self):
        """An identifier that is not a reserved word (a field path or object name)."""
        tok = self.peek()
        if tok.kind != "ident" or tok.upper in RESERVED:
            self.unexpected()
        return self.next()

    # -- query ----------------------------------------------------------------

    def query(self, nested=False):
        q = Query(self.text)
        self.expect_kw("SELECT")
        q.items = self.select_list()
        self.expect_kw("FROM")
        tok = self.peek()
        if tok.kind != "ident":         # any word: Order and Group are objects
            self.unexpected()
        self.next()
        q.sobject, q.sobject_pos = tok.text, tok.pos
        if self.peek().kind == "ident" and self.peek().upper not in RESERVED:
            q.alias = self.next().text
        if self.accept_kw("WHERE"):
            q.where = self.condition(having=False)
        if self.is_kw("GROUP"):
            self.next()
            self.expect_kw("BY")
            while True:
                q.group_by.append(self.operand(allow_agg=False))
                if not self.is_op(","):
                    break
                self.next()
        if self.is_kw("HAVING"):
            q.having_pos = self.next().pos
            q.having = self.condition(having=True)
        if self.is_kw("ORDER"):
            self.next()
            self.expect_kw("BY")
            while True:
                expr = self.operand(allow_agg=True)
                desc = False
                if self.accept_kw("ASC"):
                    pass
                elif self.accept_kw("DESC"):
                    desc = True
                nulls = None
                if self.accept_kw("NULLS"):
                    if self.accept_kw("FIRST"):
                        nulls = "FIRST"
                    elif self.accept_kw("LAST"):
                        nulls = "LAST"
                    else:
                        self.unexpected()
                q.order_by.append(OrderItem(expr, desc, nulls))
                if not self.is_op(","):
                    break
                self.next()
        if self.is_kw("LIMIT"):
            q.limit_pos = self.next().pos
            q.limit = self.integer()
        if self.is_kw("OFFSET"):
            q.offset_pos = self.next().pos
            q.offset = self.integer()
        if not nested and self.peek().kind != "eof":
            self.unexpected()
        q.count_only = any(isinstance(i, CountAll) for i in q.items)
        return q

    def integer(self):
        tok = self.peek()
        if tok.kind != "number" or not tok.text.isdigit():
            self.unexpected()
        self.next()
        return int(tok.text)

    def select_list(self):
        items = []
        while True:
            items.append(self.select_item())
            if not self.is_op(","):
                break
            self.next()
        return items

    def alias(self):
        tok = self.peek()
        if tok.kind == "ident" and tok.upper not in RESERVED and "." not in tok.text:
            return self.next().text
        return None

    def select_item(self):
        tok = self.peek()
        if tok.kind == "op" and tok.text == "(":
            self.next()
            if not self.is_kw("SELECT"):
                self.unexpected()
            sub = self.query(nested=True)
            self.expect_op(")")
            return SubqueryItem(sub, tok.pos)
        if tok.kind == "ident" and self.is_op("(", 1):
            if tok.upper == "COUNT" and self.is_op(")", 2):
                self.i += 3
                return CountAll(tok.pos)
            if tok.upper == "FIELDS":
                self.i += 2
                kind = self.peek()
                if kind.kind != "ident" or kind.upper not in ("ALL", "STANDARD", "CUSTOM"):
                    self.unexpected()
                self.next()
                self.expect_op(")")
                return FieldsItem(kind.upper, tok.pos)
            expr = self.operand(allow_agg=True)
            expr.alias = self.alias()
            return expr
        name = self.name_token()
        return FieldItem(name.text, name.pos, self.alias())

    def operand(self, allow_agg):
        """A field path, a date function of one, or (when allowed) an aggregate
        function call."""
        tok = self.peek()
        if tok.kind == "ident" and self.is_op("(", 1):
            if tok.upper in DATE_FUNCTIONS:
                self.i += 2
                arg = self.name_token()
                self.expect_op(")")
                return FuncItem(tok.upper, arg.text, tok.pos, arg.pos)
            if not allow_agg or tok.upper not in AGGREGATES:
                # Assumed: other functions (toLabel, FORMAT, DISTANCE, ...) are unsupported.
                _fail("MALFORMED_QUERY", self.text, tok.pos, "unexpected token: '('"
                      if tok.upper in AGGREGATES else "Unknown function: %s" % tok.text)
            self.i += 2
            arg = self.name_token()
            self.expect_op(")")
            return AggItem(tok.upper, arg.text, tok.pos, arg.pos)
        name = self.name_token()
        return FieldItem(name.text, name.pos)

    # -- conditions -----------------------------------------------------------

    def condition(self, having):
        """AND/OR chains; mixing AND and OR without parentheses is rejected
        (Assumed: Salesforce answers it with unexpected token)."""
        first = self.unary(having)
        if not (self.is_kw("AND") or self.is_kw("OR")):
            return first
        op = self.peek().upper
        children = [first]
        while self.is_kw("AND") or self.is_kw("OR"):
            if self.peek().upper != op:
                self.unexpected()
            self.next()
            children.append(self.unary(having))
        return Logic(op, children)

    def unary(self, having):
        tok = self.peek()
        if tok.kind == "ident" and tok.upper == "NOT":
            self.next()
            return Not(self.unary(having), tok.pos)
        if tok.kind == "op" and tok.text == "(":
            self.next()
            cond = self.condition(having)
            self.expect_op(")")
            return cond
        return self.comparison(having)

    def comparison(self, having):
        cmp = self._comparison(having)
        for lit in (cmp.value if isinstance(cmp.value, list) else [cmp.value]):
            if isinstance(lit, Lit) and lit.kind == "STRING" and len(lit.value) > MAX_STRING_LITERAL \
                    and len(_decode_string(lit, self.text)) > MAX_STRING_LITERAL:
                _fail("MALFORMED_QUERY", self.text, lit.pos,
                      "String literal in WHERE clause is longer than %d characters"
                      % MAX_STRING_LITERAL)
        return cmp

    def _comparison(self, having):
        lhs = self.operand(allow_agg=having)
        tok = self.peek()
        if tok.kind == "op" and tok.text in ("=", "!=", "<>", "<", "<=", ">", ">="):
            self.next()
            op = "!=" if tok.text == "<>" else tok.text
            return Cmp(lhs, op, self.literal(), tok.pos)
        if tok.kind == "ident":
            if tok.upper == "LIKE":
                self.next()
                return Cmp(lhs, "LIKE", self.literal(), tok.pos)
            if tok.upper == "NOT" and self.is_kw("IN", 1):
                self.i += 2
                return Cmp(lhs, "NOT IN", self.list_value(True), tok.pos)
            if tok.upper in ("IN", "INCLUDES", "EXCLUDES"):
                self.next()
                return Cmp(lhs, tok.upper, self.list_value(tok.upper == "IN"), tok.pos)
        self.unexpected()

    def list_value(self, allow_semijoin):
        open_tok = self.expect_op("(")
        if self.is_kw("SELECT"):
            if not allow_semijoin:
                self.unexpected()
            sub = self.query(nested=True)
            self.expect_op(")")
            return SemiJoin(sub, open_tok.pos)
        values = [self.literal()]
        while self.is_op(","):
            self.next()
            values.append(self.literal())
        self.expect_op(")")
        return values

    def literal(self):
        tok = self.peek()
        kind = tok.kind
        if kind == "string":
            self.next()
            return Lit("STRING", tok.text[1:-1], tok.pos, tok.text)
        if kind == "number":
            self.next()
            return Lit("NUMBER", decimal.Decimal(tok.text), tok.pos, tok.text)
        if kind == "date":
            self.next()
            return Lit("DATE", self._date(tok), tok.pos, tok.text)
        if kind == "datetime":
            self.next()
            return Lit("DATETIME", self._datetime(tok), tok.pos, tok.text)
        if kind == "time":
            self.next()
            return Lit("TIME", self._time(tok), tok.pos, tok.text)
        if kind == "ident":
            word = tok.upper
            if word == "NULL":
                self.next()
                return Lit("NULL", None, tok.pos, tok.text)
            if word in ("TRUE", "FALSE"):
                self.next()
                return Lit("BOOL", word == "TRUE", tok.pos, tok.text)
            if word in DATE_LITERALS:
                self.next()
                return Lit("DATELIT", (word, None), tok.pos, tok.text)
            if word in DATE_N_LITERALS:
                self.next()
                self.expect_op(":")
                n = self.peek()
                if n.kind != "number" or not n.text.isdigit():
                    self.unexpected()
                self.next()
                return Lit("DATELIT", (word, int(n.text)), tok.pos, tok.text + ":" + n.text)
        self.unexpected()

    def _bad_literal(self, tok):
        _fail("MALFORMED_QUERY", self.text, tok.pos, "line %d:%d no viable alternative at character '%s'"
              % (self.text.count("\n", 0, tok.pos) + 1, tok.pos, tok.text[0]))

    def _date(self, tok):
        try:
            return datetime.date.fromisoformat(tok.text)
        except ValueError:
            self._bad_literal(tok)

    def _datetime(self, tok):
        # Assumed: fractional seconds are accepted in dateTime literals (the
        # reference leaves this unconfirmed); digits beyond microseconds are cut.
        m = _TOKEN_RE.match(tok.text)
        try:
            d = datetime.date.fromisoformat(m.group("dt_d"))
            t = datetime.time.fromisoformat(m.group("dt_t"))
            frac = m.group("dt_f") or ""
            micro = int((frac + "000000")[:6])
            zone = m.group("dt_z")
            if zone == "Z":
                tz = UTC
            else:
                sign = -1 if zone[0] == "-" else 1
                hours, minutes = int(zone[1:3]), int(zone[4:6])
                if hours > 23 or minutes > 59:
                    raise ValueError
                tz = datetime.timezone(sign * datetime.timedelta(hours=hours, minutes=minutes))
            value = datetime.datetime.combine(d, t.replace(microsecond=micro), tz)
            return value.astimezone(UTC)
        except ValueError:
            self._bad_literal(tok)

    def _time(self, tok):
        try:
            return datetime.time.fromisoformat(tok.text[:-1])
        except ValueError:
            self._bad_literal(tok)


def parse(text):
    """Parse SOQL text into a Query; raises SoqlError(MALFORMED_QUERY) on bad syntax."""
    if isinstance(text, str) and len(text) > MAX_SOQL_LENGTH:
        raise SoqlError("MALFORMED_QUERY", "SOQL statements can not be longer than %d characters."
                        % MAX_SOQL_LENGTH)
    if not isinstance(text, str) or not text.strip():
        raise SoqlError("MALFORMED_QUERY", "\n%s\n^\nERROR at Row:1:Column:1\nunexpected token: '<EOF>'"
                        % (text or ""))
    return _Parser(text).query()


# ----------------------------------------------------------------------------
# String literals

_SIMPLE_ESCAPES = {"'": "'", '"': '"', "\\": "\\", "n": "\n", "N": "\n", "r": "\r", "R": "\r",
                   "t": "\t", "T": "\t", "b": "\b", "B": "\b", "f": "\f", "F": "\f"}


def _decode_string(lit, text, like=False):
    """The value of a quoted literal.  With like=True the result is a list of
    pieces: str for literal text, None for '%', Ellipsis for '_' (so escaped
    wildcards stay literal).  Any escape outside the documented set is an error."""
    raw = lit.value
    if "\\" not in raw and not like:
        return raw
    out = []
    buf = []
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\":
            nxt = raw[i + 1] if i + 1 < n else ""
            if nxt in _SIMPLE_ESCAPES:
                buf.append(_SIMPLE_ESCAPES[nxt])
                i += 2
                continue
            if nxt == "u" and re.match(r"[0-9A-Fa-f]{4}", raw[i + 2:i + 6]) and len(raw[i + 2:i + 6]) == 4:
                buf.append(chr(int(raw[i + 2:i + 6], 16)))
                i += 6
                continue
            if like and nxt in ("%", "_"):
                buf.append(nxt)
                i += 2
                continue
            _fail("MALFORMED_QUERY", text, lit.pos,
                  "Invalid string literal '%s'. Illegal character sequence '\\%s' in string literal."
                  % (raw, nxt))
        if like and ch in ("%", "_"):
            if buf:
                out.append("".join(buf))
                buf = []
            out.append(None if ch == "%" else Ellipsis)
            i += 1
            continue
        buf.append(ch)
        i += 1
    if not like:
        return "".join(buf)
    if buf:
        out.append("".join(buf))
    return out


# ----------------------------------------------------------------------------
# Date literals

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


# ----------------------------------------------------------------------------
# Results

class Result:
    """What execute() returns (see the module's interface contract)."""

    def __init__(self, sobject, records, total_size, is_aggregate=False, count_only=False, columns=()):
        self.sobject = sobject
        self.records = records
        self.total_size = total_size
        self.is_aggregate = is_aggregate
        self.count_only = count_only
        self.columns = list(columns)

    def __repr__(self):
        return "Result(%s, %d rows)" % (self.sobject, self.total_size)


# ----------------------------------------------------------------------------
# Field resolution

_COMPOUND_KEYS = {
    "address": ["city", "country", "countryCode", "geocodeAccuracy", "latitude", "longitude",
                "postalCode", "state", "stateCode", "street"],
    "location": ["latitude", "longitude"],
}


def _compound_parts(so, fd):
    """[(json key, component field name)] of an address/location field, from
    the components whose describe names it as compoundFieldName."""
    cache = so.__dict__.setdefault("_sfemu_compound", {})
    parts = cache.get(fd["name"])
    if parts is None:
        keys = _COMPOUND_KEYS.get(fd["type"], [])
        by_key = {}
        for comp in so.fields.values():
            if comp.get("compoundFieldName") != fd["name"]:
                continue
            base = comp["name"].lower()
            if base.endswith("__s"):
                base = base[:-3]
            for key in sorted(keys, key=len, reverse=True):
                if base.endswith(key.lower()):
                    by_key.setdefault(key, comp["name"])
                    break
        parts = [(k, by_key.get(k)) for k in keys]
        cache[fd["name"]] = parts
    return parts


def _compound_value(so, fd, rec):
    out = {}
    empty = True
    for key, comp in _compound_parts(so, fd):
        v = rec.get(comp) if comp else None
        if v is not None:
            empty = False
        out[key] = v
    # Assumed: a compound value whose components are all null is null.
    return None if empty else out


def _output_getter(so, fd, api_version):
    """rec -> JSON-ready value of field fd of an sObject `so` record."""
    name = fd["name"]
    ftype = fd.get("type")
    if ftype in COMPOUND_TYPES:
        return lambda rec, rso: _compound_value(rso, rso.field(name) or fd, rec)
    if ftype == "base64":
        prefix = "/services/data/v%s/sobjects/" % api_version

        def blob(rec, rso):
            if rec.get(name) is None:
                return None
            return "%s%s/%s/%s" % (prefix, rso.name, rec["Id"], name)
        return blob
    return lambda rec, rso: rec.get(name)


def record_json(so, record, store, fields=None, api_version="66.0"):
    """One record as GET /sobjects/{T}/{id} writes it: attributes, then the
    listed fields (every field when None) with canonical names."""
    out = {"attributes": {"type": so.name,
                          "url": "/services/data/v%s/sobjects/%s/%s" % (api_version, so.name, record["Id"])}}
    if fields is None:
        fds = list(so.fields.values())
    else:
        fds = []
        for f in fields:
            fd = so.field(f.strip())
            if fd is None:
                raise SoqlError("INVALID_FIELD", "No such column '%s' on sobject of type %s" % (f.strip(), so.name))
            fds.append(fd)
    for fd in fds:
        out[fd["name"]] = _output_getter(so, fd, api_version)(record, so)
    return out


class _Path:
    """A resolved field path: the chain of reference fields to follow, the
    final field's describe and the object that owns it."""
    __slots__ = ("refs", "field", "owner", "canonical", "getter")

    def __init__(self, refs, field, owner, canonical, getter):
        self.refs = refs            # list of (reference field describe, relationshipName)
        self.field = field
        self.owner = owner          # SObject of the final field
        self.canonical = canonical  # "Account.Owner.Email"
        self.getter = getter        # record -> typed value (None through null parents)


def _parent_step(prev, ref_name, by_id):
    """record -> parent record through reference field `ref_name` (or None)."""
    if prev is None:
        def step(rec):
            pid = rec.get(ref_name)
            if pid is None:
                return None
            hit = by_id.get(pid)
            return hit[1] if hit else None
    else:
        def step(rec):
            rec = prev(rec)
            if rec is None:
                return None
            pid = rec.get(ref_name)
            if pid is None:
                return None
            hit = by_id.get(pid)
            return hit[1] if hit else None
    return step


class _Ctx:
    """Everything compilation needs: the store, the query text, options."""

    def __init__(self, store, text, quirks, now, api_version, query_all):
        self.store = store
        self.text = text
        self.quirks = quirks
        self.now = now
        self.today = now.astimezone(UTC).date()
        self.api_version = api_version
        self.query_all = query_all
        self.ne_null_exclude = "ne-null-exclude" in quirks
        # What a comparison yields for a null value.  By default (two-valued
        # logic, reference 4.2) `!=`/NOT IN/EXCLUDES keep the row and every
        # other operator drops it.  With quirk "ne-null-exclude" the org acts
        # like SQL: the comparison is unknown (None), and AND/OR/NOT follow
        # three-valued logic, so NOT (f = 'x') drops nulls too.
        self.null_ne = None if self.ne_null_exclude else True
        self.null_cmp = None if self.ne_null_exclude else False
        self.desc_nulls_first = "desc-nulls-first" in quirks


def _resolve(ctx, so, alias, path, pos):
    """Resolve a (possibly dotted) field path on `so`; raises INVALID_FIELD."""
    parts = path.split(".")
    if len(parts) > 1 and so.relationship(parts[0]) is None and (
            parts[0].lower() == so.name.lower() or (alias and parts[0].lower() == alias.lower())):
        parts = parts[1:]           # "Account.Name" on FROM Account, or "a.Name" on FROM Account a
    cur = so
    refs = []
    canon = []
    step = None
    by_id = ctx.store.by_id
    for rel in parts[:-1]:
        fd = cur.relationship(rel)
        if fd is None:
            _fail("INVALID_FIELD", ctx.text, pos, _bad_relationship(rel))
        target = None
        for tname in fd.get("referenceTo") or []:
            target = ctx.store.get_sobject(tname)
            if target is not None:
                break
        if target is None:
            _fail("INVALID_FIELD", ctx.text, pos, _bad_relationship(rel))
        refs.append((fd, fd["relationshipName"]))
        canon.append(fd["relationshipName"])
        step = _parent_step(step, fd["name"], by_id)
        cur = target
    fd = cur.field(parts[-1])
    if fd is None:
        _fail("INVALID_FIELD", ctx.text, pos, _no_such_column(parts[-1], cur.name))
    canon.append(fd["name"])
    name = fd["name"]
    if step is None:
        def getter(rec):
            return rec.get(name)
        getter.sf_field = name
    else:
        def getter(rec, step=step):
            parent = step(rec)
            return None if parent is None else parent.get(name)
    return _Path(refs, fd, cur, ".".join(canon), getter)


def _resolve_operand(ctx, so, alias, item):
    """A _Path for a FieldItem, or for a FuncItem a path whose getter applies
    the date function and whose describe-like field says what it yields."""
    if isinstance(item, FieldItem):
        return _resolve(ctx, so, alias, item.path, item.pos)
    path = _resolve(ctx, so, alias, item.path, item.arg_pos)
    fd = path.field
    ftype = fd.get("type")
    if ftype not in ("date", "datetime") or (item.func == "HOUR_IN_DAY" and ftype != "datetime"):
        # Assumed wording.
        _fail("MALFORMED_QUERY", ctx.text, item.arg_pos, "Invalid field %s for date function %s"
              % (fd["name"], item.func))
    fn = DATE_FUNCTIONS[item.func]
    inner = path.getter

    def getter(rec):
        v = inner(rec)
        return None if v is None else fn(v)
    out_fd = {"name": fd["name"], "type": "date" if item.func == "DAY_ONLY" else "int",
              "filterable": fd.get("filterable", True), "sortable": True, "groupable": True,
              "aggregatable": True}
    return _Path(path.refs, out_fd, path.owner, "%s(%s)" % (item.func, path.canonical), getter)


# ----------------------------------------------------------------------------
# Value normalisation for comparison and sorting

def _norm_func(fd):
    """The function that maps a stored value to its comparison key (None-free)."""
    ftype = fd.get("type")
    if ftype == "multipicklist":
        if fd.get("caseSensitive"):
            return lambda v: frozenset(p for p in v.split(";") if p)
        return lambda v: frozenset(p for p in v.upper().split(";") if p)
    if ftype in STRING_TYPES or ftype not in _TYPE_WORD:
        if fd.get("caseSensitive"):
            return None
        return str.upper
    return None


def _sort_key_func(fd):
    """value -> sort key for ORDER BY (value is never None)."""
    ftype = fd.get("type")
    if ftype == "picklist":
        order = {}
        for i, pv in enumerate(fd.get("picklistValues") or []):
            order.setdefault(pv["value"], i)
        last = len(order)
        return lambda v: (order.get(v, last), v.upper())
    norm = _norm_func(fd)
    if norm is not None and ftype != "multipicklist":
        return norm
    if ftype in ID_TYPES:
        return lambda v: v
    return None


# ----------------------------------------------------------------------------
# WHERE / HAVING compilation

def _lit_value(ctx, fd, lit, op):
    """Check a literal against the field's type and return its typed value
    (None for null).  Date literals come back as ("range", start, end)."""
    ftype = fd.get("type")
    kind = lit.kind
    fname = fd["name"]
    if kind == "NULL":
        return None
    if ftype in STRING_TYPES or ftype not in _TYPE_WORD:
        if kind != "STRING":
            _fail("INVALID_FIELD", ctx.text, lit.pos,
                  "value of filter criterion for field '%s' must be of type string and should be enclosed in quotes"
                  % fname)
        value = _decode_string(lit, ctx.text, like=(op == "LIKE"))
        if op != "LIKE" and value == "":
            return None             # Salesforce stores no empty strings (reference 4.2)
        return value
    if ftype in ID_TYPES:
        if kind != "STRING":
            _fail("INVALID_FIELD", ctx.text, lit.pos,
                  "value of filter criterion for field '%s' must be of type id and should be enclosed in quotes"
                  % fname)
        raw = _decode_string(lit, ctx.text)
        if raw == "":
            return None
        full = to_id18(raw)
        if full is None:
            _fail("INVALID_QUERY_FILTER_OPERATOR", ctx.text, lit.pos, "invalid ID field: %s" % raw)
        return full
    expected = {"int": "NUMBER", "long": "NUMBER", "double": "NUMBER", "currency": "NUMBER",
                "percent": "NUMBER", "boolean": "BOOL", "date": "DATE", "datetime": "DATETIME",
                "time": "TIME"}[ftype]
    if kind == "DATELIT" and ftype in ("date", "datetime"):
        start, end = _date_range(lit.value[0], lit.value[1], ctx.today)
        if ftype == "datetime":
            start = datetime.datetime.combine(start, datetime.time(), UTC)
            end = datetime.datetime.combine(end, datetime.time(), UTC)
        return ("range", start, end)
    if kind != expected:
        if kind == "STRING":
            tail = "should not be enclosed in quotes"
        else:
            tail = "should not be enclosed in quotes"
        _fail("INVALID_FIELD", ctx.text, lit.pos,
              "value of filter criterion for field '%s' must be of type %s and %s"
              % (fname, _TYPE_WORD[ftype], tail))
    return lit.value


def _like_regex(pieces, case_sensitive):
    parts = []
    for p in pieces:
        if p is None:
            parts.append(".*")
        elif p is Ellipsis:
            parts.append(".")
        else:
            parts.append(re.escape(p if case_sensitive else p.upper()))
    return re.compile("".join(parts), re.S)


def _cmp_pred(ctx, getter, fd, node, lhs_pos):
    """Compile one comparison into a predicate record -> bool."""
    text = ctx.text
    ftype = fd.get("type")
    op = node.op
    fname = fd["name"]
    if not fd.get("filterable", True):
        _fail("INVALID_FIELD", text, lhs_pos, "field '%s' can not be filtered in query call" % fname)
    if op == "LIKE":
        if ftype in ID_TYPES:
            _fail("INVALID_QUERY_FILTER_OPERATOR", text, node.op_pos, "invalid operator on id field")
        if not (ftype in STRING_TYPES or ftype not in _TYPE_WORD):
            # Assumed wording, by analogy with the documented id-field message.
            _fail("INVALID_QUERY_FILTER_OPERATOR", text, node.op_pos,
                  "invalid operator on %s field" % _TYPE_WORD.get(ftype, ftype))
        lit = node.value
        if lit.kind == "NULL":
            _fail("MALFORMED_QUERY", text, lit.pos, "unexpected token: 'null'")
        pieces = _lit_value(ctx, fd, lit, op)
        cs = bool(fd.get("caseSensitive"))
        rx = _like_regex(pieces, cs).fullmatch
        if cs:
            return _null_aware(getter, lambda v: rx(v) is not None, ctx.null_cmp)
        return _null_aware(getter, lambda v: rx(v.upper()) is not None, ctx.null_cmp)

    if op in ("INCLUDES", "EXCLUDES"):
        if ftype != "multipicklist":
            _fail("INVALID_QUERY_FILTER_OPERATOR", text, node.op_pos,
                  "includes or excludes operator only valid on multipicklist field")
        norm = _norm_func(fd)
        wanted = []
        for lit in node.value:
            v = _lit_value(ctx, fd, lit, op)
            if v is not None:
                wanted.append(norm(v))

        def includes(v):
            have = norm(v)
            for w in wanted:
                if w <= have:
                    return True
            return False
        if op == "INCLUDES":
            return _null_aware(getter, includes, ctx.null_cmp)
        # Two-valued logic: a null selection excludes everything.
        return _null_aware(getter, lambda v: not includes(v), ctx.null_ne)

    if ftype == "multipicklist" and op not in ("=", "!=", "IN", "NOT IN"):
        _fail("INVALID_QUERY_FILTER_OPERATOR", text, node.op_pos, "invalid operator on multipicklist field")
    if ftype == "boolean" and op not in ("=", "!=", "IN", "NOT IN"):
        _fail("INVALID_QUERY_FILTER_OPERATOR", text, node.op_pos, "invalid operator on boolean field")

    norm = _norm_func(fd)
    null_ne, null_cmp = ctx.null_ne, ctx.null_cmp

    if op in ("IN", "NOT IN"):
        if isinstance(node.value, SemiJoin):
            return _semijoin_pred(ctx, getter, fd, node, lhs_pos)
        exact = set()
        ranges = []
        has_null = False
        for lit in node.value:
            v = _lit_value(ctx, fd, lit, op)
            if v is None:
                has_null = True
            elif isinstance(v, tuple):
                ranges.append((v[1], v[2]))
            else:
                exact.add(norm(v) if norm else v)
        if ftype == "boolean" and has_null:
            exact.add(False)        # boolean null means false
            has_null = False
        if ranges:
            def member(v):
                if (norm(v) if norm else v) in exact:
                    return True
                for lo, hi in ranges:
                    if lo <= v < hi:
                        return True
                return False
        elif norm:
            def member(v):
                return norm(v) in exact
        else:
            member = exact.__contains__
        if op == "IN":
            return _null_aware(getter, member, True if has_null else null_cmp)
        return _null_aware(getter, lambda v: not member(v), (not has_null) if null_ne else null_ne)

    lit = node.value
    value = _lit_value(ctx, fd, lit, op)
    if value is None:
        if op not in ("=", "!="):
            return lambda r: False   # Assumed: ordering against null matches nothing
        if ftype == "boolean":
            if op == "=":
                return lambda r: not getter(r)
            return lambda r: getter(r) is True
        if op == "=":
            return lambda r: getter(r) is None
        return lambda r: getter(r) is not None

    if isinstance(value, tuple):     # date literal range [lo, hi)
        lo, hi = value[1], value[2]
        test = {"=": lambda v: lo <= v < hi, "!=": lambda v: not (lo <= v < hi),
                "<": lambda v: v < lo, "<=": lambda v: v < hi,
                ">": lambda v: v >= hi, ">=": lambda v: v >= lo}[op]
        return _null_aware(getter, test, null_ne if op == "!=" else null_cmp)

    key = norm(value) if norm else value
    if norm:
        test = {"=": lambda v: norm(v) == key, "!=": lambda v: norm(v) != key,
                "<": lambda v: norm(v) < key, "<=": lambda v: norm(v) <= key,
                ">": lambda v: norm(v) > key, ">=": lambda v: norm(v) >= key}[op]
    else:
        test = {"=": key.__eq__, "!=": lambda v: v != key,
                "<": lambda v: v < key, "<=": lambda v: v <= key,
                ">": lambda v: v > key, ">=": lambda v: v >= key}[op]
        if op == "=" and type(key) is not str:
            test = lambda v: v == key
    return _null_aware(getter, test, null_ne if op == "!=" else null_cmp)


def _null_aware(getter, test, null_result):
    """record -> bool: `null_result` when the value is null, else test(value).
    Plain fields read the record dict directly (the hot path of big scans)."""
    name = getattr(getter, "sf_field", None)
    if name is not None:
        def pred(r):
            v = r.get(name)
            if v is None:
                return null_result
            return test(v)
    else:
        def pred(r):
            v = getter(r)
            if v is None:
                return null_result
            return test(v)
    return pred


def _semijoin_pred(ctx, getter, fd, node, lhs_pos):
    """Id IN (SELECT ref FROM Child WHERE ...) and its NOT IN anti-join."""
    if fd.get("type") not in ID_TYPES:
        _fail("INVALID_FIELD", ctx.text, lhs_pos,
              "The left operand of a semi join must be an id or reference field: '%s'" % fd["name"])
    sub = node.value.query
    if sub.is_aggregate or sub.order_by or sub.limit is not None or sub.offset is not None \
            or len(sub.items) != 1 or not isinstance(sub.items[0], FieldItem):
        # Assumed wording for the documented semi-join restrictions.
        _fail("MALFORMED_QUERY", ctx.text, node.value.pos,
              "semi join sub-selects must select exactly one id or reference field, "
              "without ORDER BY, LIMIT, OFFSET or aggregates")
    so = _sobject(ctx, sub)
    path = _resolve(ctx, so, sub.alias, sub.items[0].path, sub.items[0].pos)
    if path.field.get("type") not in ID_TYPES:
        _fail("INVALID_FIELD", ctx.text, sub.items[0].pos,
              "semi join sub-selects can only select id or reference fields: '%s'" % path.field["name"])
    pred = _compile_where(ctx, so, sub.alias, sub.where, nested=True)
    rows = so.live_records(ctx.query_all)
    if pred is not None:
        rows = [r for r in rows if pred(r)]
    pget = path.getter
    ids = set(v for v in map(pget, rows) if v is not None)
    if node.op == "IN":
        return _null_aware(getter, ids.__contains__, ctx.null_cmp)
    return _null_aware(getter, lambda v: v not in ids, ctx.null_ne)


def _compile_cond(ctx, node, leaf):
    """Compile a condition tree; `leaf(Cmp) -> predicate` handles comparisons."""
    if ctx.ne_null_exclude:
        return _compile_cond3(ctx, node, leaf)
    if isinstance(node, Logic):
        preds = [_compile_cond(ctx, c, leaf) for c in node.children]
        pred = preds[0]
        for nxt in preds[1:]:
            if node.op == "AND":
                pred = (lambda a, b: lambda r: a(r) and b(r))(pred, nxt)
            else:
                pred = (lambda a, b: lambda r: a(r) or b(r))(pred, nxt)
        return pred
    if isinstance(node, Not):
        inner = _compile_cond(ctx, node.child, leaf)
        return lambda r: not inner(r)
    return leaf(node)


def _compile_cond3(ctx, node, leaf):
    """Three-valued (Kleene) compilation used with quirk ne-null-exclude:
    predicates return True, False or None (unknown); only True selects."""
    if isinstance(node, Logic):
        preds = [_compile_cond3(ctx, c, leaf) for c in node.children]
        want = node.op == "OR"       # the value that decides at once

        def logic(r):
            unknown = False
            for p in preds:
                x = p(r)
                if x is None:
                    unknown = True
                elif x == want:
                    return want
            return None if unknown else (not want)
        return logic
    if isinstance(node, Not):
        inner = _compile_cond3(ctx, node.child, leaf)

        def negate(r):
            x = inner(r)
            return None if x is None else not x
        return negate
    return leaf(node)


def _check_semijoins(ctx, where, nested):
    """The documented semi-join/anti-join restrictions (SOQL reference,
    "Semi-Join and Anti-Join Restrictions"): at most two per WHERE clause,
    none combined with OR or under NOT, none nested inside another.  All
    answer MALFORMED_QUERY; the OR wording is the one clients report, the
    others are Assumed."""
    found = []

    def walk(node, under):
        if isinstance(node, Logic):
            for child in node.children:
                walk(child, under or (node.op if node.op == "OR" else None))
        elif isinstance(node, Not):
            walk(node.child, under or "NOT")
        elif isinstance(node, Cmp) and isinstance(node.value, SemiJoin):
            pos = node.value.pos
            if nested:
                _fail("MALFORMED_QUERY", ctx.text, pos, "Nesting of semi join sub-selects is not supported")
            if under:
                _fail("MALFORMED_QUERY", ctx.text, pos,
                      "Semi join sub-selects are not allowed with the '%s' operator" % under)
            found.append(node)
            if len(found) > 2:
                _fail("MALFORMED_QUERY", ctx.text, pos,
                      "No more than two semi join or anti join sub-selects are allowed per WHERE clause")
    walk(where, None)


def _compile_where(ctx, so, alias, where, nested=False):
    if where is None:
        return None
    _check_semijoins(ctx, where, nested)

    def leaf(node):
        if isinstance(node.lhs, AggItem):
            _fail("MALFORMED_QUERY", ctx.text, node.lhs.pos,
                  "Aggregate functions are not allowed in the WHERE clause")
        path = _resolve_operand(ctx, so, alias, node.lhs)
        return _cmp_pred(ctx, path.getter, path.field, node, node.lhs.pos)
    return _compile_cond(ctx, where, leaf)


def _sobject(ctx, q):
    so = ctx.store.get_sobject(q.sobject)
    if so is None:
        _fail("INVALID_TYPE", ctx.text, q.sobject_pos, _bad_type(q.sobject))
    return so


# ----------------------------------------------------------------------------
# ORDER BY

def _ordered_window(ctx, rows, specs, q):
    """rows (a list, sorted in place) in ORDER BY order, then q's OFFSET and LIMIT."""
    if specs:
        _sort_rows(ctx, rows, specs)
    if q.offset:
        rows = rows[q.offset:]
    if q.limit is not None:
        rows = rows[:q.limit]
    return rows


def _sort_rows(ctx, rows, specs):
    """Sort rows in place.  specs: list of (getter, key_func, desc, nulls)."""
    for getter, keyf, desc, nulls in reversed(specs):
        if nulls is None:
            nulls = "FIRST" if (not desc or ctx.desc_nulls_first) else "LAST"
        # With reverse=True the largest key comes first, so the null marker
        # flips to land on the requested side.
        null_big = (nulls == "FIRST") == desc
        null_key = (1,) if null_big else (-1,)
        if keyf is None:
            def key(r, getter=getter, null_key=null_key):
                v = getter(r)
                return null_key if v is None else (0, v)
        else:
            def key(r, getter=getter, keyf=keyf, null_key=null_key):
                v = getter(r)
                return null_key if v is None else (0, keyf(v))
        rows.sort(key=key, reverse=desc)


# ----------------------------------------------------------------------------
# execute

def execute(store, soql, *, query_all=False, api_version="66.0", quirks=frozenset(), now=None):
    """Validate `soql` (text or Query) against `store` and evaluate it."""
    q = parse(soql) if isinstance(soql, str) else soql
    if now is None:
        now = datetime.datetime.now(UTC)
    ctx = _Ctx(store, q.text, frozenset(quirks), now, api_version, query_all)
    so = _sobject(ctx, q)
    _check_clauses(ctx, q)
    if q.is_aggregate or (q.count_only and q.group_by):
        return _execute_aggregate(ctx, q, so)
    if q.count_only:
        pred = _compile_where(ctx, so, q.alias, q.where)
        rows = so.live_records(query_all)
        count = len(rows) if pred is None else sum(1 for r in rows if pred(r))
        count = _window_count(count, q)
        return Result(so.name, [], count, is_aggregate=False, count_only=True, columns=[])
    return _execute_rows(ctx, q, so)


def _check_clauses(ctx, q):
    text = ctx.text
    if q.offset is not None and q.offset > MAX_OFFSET:
        _fail("NUMBER_OUTSIDE_VALID_RANGE", text, q.offset_pos,
              "Maximum SOQL offset allowed is %d" % MAX_OFFSET)
    if q.count_only:
        if len(q.items) != 1:
            other = [i for i in q.items if not isinstance(i, CountAll)][0]
            # Assumed wording; COUNT() must stand alone (reference 3.4).
            _fail("MALFORMED_QUERY", text, other.pos if hasattr(other, "pos") else 0,
                  "COUNT() must be the only element in the SELECT list")
        if q.order_by:
            ob = q.order_by[0].expr
            _fail("MALFORMED_QUERY", text, ob.pos, "ORDER BY not allowed in a COUNT() query")
    has_agg = any(isinstance(i, AggItem) for i in q.items)
    if has_agg and not q.group_by and q.limit is not None:
        _fail("MALFORMED_QUERY", text, q.limit_pos,
              "LIMIT is not allowed with an aggregate function unless the query has a GROUP BY clause")
    if q.having is not None and not q.group_by:
        # Assumed wording.
        _fail("MALFORMED_QUERY", text, q.having_pos, "HAVING requires a GROUP BY clause")


def _window_count(count, q):
    if q.offset:
        count = max(0, count - q.offset)
    if q.limit is not None:
        count = min(count, q.limit)
    return count


def _expand_items(ctx, q, so):
    """Select items with FIELDS() expanded into FieldItems."""
    out = []
    for item in q.items:
        if isinstance(item, FieldsItem):
            if item.kind in ("ALL", "CUSTOM") and (q.limit is None or q.limit > MAX_FIELDS_LIMIT):
                _fail("MALFORMED_QUERY", ctx.text, item.pos,
                      "The SOQL FIELDS function must have a LIMIT of at most %d" % MAX_FIELDS_LIMIT)
            for fd in so.describe["fields"]:
                custom = bool(fd.get("custom"))
                if item.kind == "ALL" or (item.kind == "CUSTOM") == custom:
                    out.append(FieldItem(fd["name"], item.pos))
        else:
            out.append(item)
    return out


def _execute_rows(ctx, q, so, rows_out=None):
    """A plain (non-aggregate) query.  Clauses are checked in the order they
    are written (select list, WHERE, ORDER BY) so the first error reported is
    the leftmost one.  rows_out, when given, receives the matching raw records."""
    text = ctx.text
    items = _expand_items(ctx, q, so)
    tree = _OutNode()
    columns = []
    seen = set()
    subqueries = []
    for item in items:
        if isinstance(item, SubqueryItem):
            subqueries.append(item)
            columns.append(None)
            continue
        if isinstance(item, FuncItem):
            # Assumed wording: date functions select only in grouped queries.
            _fail("MALFORMED_QUERY", text, item.pos,
                  "Date functions are only supported in a SELECT list with GROUP BY")
        if item.alias is not None:
            _fail("MALFORMED_QUERY", text, item.pos, "Only aggregate expressions use field aliasing")
        path = _resolve(ctx, so, q.alias, item.path, item.pos)
        low = path.canonical.lower()
        if low in seen:
            _fail("INVALID_FIELD", text, item.pos, "duplicate field selected: %s" % path.field["name"])
        seen.add(low)
        columns.append(path.canonical)
        tree.add(ctx, path)
    pred = _compile_where(ctx, so, q.alias, q.where)
    specs = []
    for ob in q.order_by:
        if isinstance(ob.expr, AggItem):
            _fail("MALFORMED_QUERY", text, ob.expr.pos,
                  "Ordered field must be grouped or aggregated: %s" % ob.expr.path)
        path = _resolve_operand(ctx, so, q.alias, ob.expr)
        if not path.field.get("sortable", True):
            _fail("INVALID_FIELD", text, ob.expr.pos,
                  "field '%s' can not be sorted in a query call" % path.field["name"])
        specs.append((path.getter, _sort_key_func(path.field), ob.desc, ob.nulls))
    # Child subqueries last: they are evaluated, not just checked.
    if subqueries:
        tree = _OutNode()
        sub_iter = iter(subqueries)
        for i, item in enumerate(items):
            if isinstance(item, SubqueryItem):
                columns[i] = _add_subquery(ctx, so, tree, next(sub_iter))
            else:
                tree.add(ctx, _resolve(ctx, so, q.alias, item.path, item.pos))

    rows = so.live_records(ctx.query_all)
    rows = list(rows) if pred is None else [r for r in rows if pred(r)]
    rows = _ordered_window(ctx, rows, specs, q)
    if rows_out is not None:
        rows_out.extend(rows)

    url = "/services/data/v%s/sobjects/" % ctx.api_version
    by_id = ctx.store.by_id
    tree.finish(so)
    build = tree.build
    records = [build(r, so, url, by_id) for r in rows]
    return Result(so.name, records, len(records), columns=columns)


class _OutNode:
    """Output shape of one (parent) record: fields and nested relationships in select order."""

    def __init__(self):
        self.entries = []           # ("f", key, getter) | ("r", key, ref field name, _OutNode) | ("s", key, fn)
        self.rels = {}
        self.plain = []             # names of fields copied as stored (when every entry is one)

    def add(self, ctx, path, depth=0):
        if depth == len(path.refs):
            fd = path.field
            self.entries.append(("f", fd["name"], _output_getter(path.owner, fd, ctx.api_version)))
            return
        ref, relname = path.refs[depth]
        child = self.rels.get(relname)
        if child is None:
            child = _OutNode()
            self.rels[relname] = child
            self.entries.append(("r", relname, ref["name"], child))
        child.add(ctx, path, depth + 1)

    def add_entry(self, entry):
        self.entries.append(entry)

    def finish(self, so):
        """Note whether every entry is a stored field, so build() can copy them in one go."""
        simple = True
        for e in self.entries:
            if e[0] == "r":
                e[3].finish(None)
            if e[0] != "f" or (so is not None and (so.field(e[1]) or {}).get("type") in COMPOUND_TYPES
                                                    | {"base64"}):
                simple = False
        self.plain = [e[1] for e in self.entries] if simple and so is not None else None
        return self

    def build(self, rec, so, url, by_id):
        out = {"attributes": {"type": so.name, "url": url + so.name + "/" + rec["Id"]}}
        plain = self.plain
        if plain is not None:
            out.update(zip(plain, map(rec.get, plain)))
            return out
        for e in self.entries:
            kind = e[0]
            if kind == "f":
                out[e[1]] = e[2](rec, so)
            elif kind == "r":
                pid = rec.get(e[2])
                hit = by_id.get(pid) if pid is not None else None
                out[e[1]] = e[3].build(hit[1], hit[0], url, by_id) if hit else None
            else:
                out[e[1]] = e[2](rec)
        return out


def _add_subquery(ctx, so, tree, item):
    """Parent-to-child subquery `(SELECT ... FROM Contacts)`: each parent gets
    {"totalSize", "done", "records"} or null when it has no children."""
    sub = item.query
    rel = None
    for cr in so.describe.get("childRelationships") or []:
        if (cr.get("relationshipName") or "").lower() == sub.sobject.lower():
            rel = cr
            break
    if rel is None:
        _fail("INVALID_TYPE", ctx.text, sub.sobject_pos,
              "Didn't understand relationship '%s' in FROM part of query call. If you are attempting to use "
              "a custom relationship, be sure to append the '__r' after the custom relationship name. "
              "Please reference your WSDL or the describe call for the appropriate names." % sub.sobject)
    child_so = ctx.store.get_sobject(rel["childSObject"])
    if child_so is None:
        _fail("INVALID_TYPE", ctx.text, sub.sobject_pos, _bad_type(rel["childSObject"]))
    if sub.is_aggregate or sub.count_only or sub.offset is not None:
        _fail("MALFORMED_QUERY", ctx.text, item.pos, "unexpected token: 'SELECT'")
    link = child_so.field(rel["field"])["name"]
    # Evaluate the subquery once over all children, then bucket them per parent.
    inner = Query(ctx.text)
    inner.items = sub.items
    inner.sobject = child_so.name
    inner.sobject_pos = sub.sobject_pos
    inner.alias = sub.alias
    inner.where = sub.where
    inner.order_by = sub.order_by
    raw_rows = []
    result = _execute_rows(ctx, inner, child_so, raw_rows)
    buckets = {}
    for raw, rec in zip(raw_rows, result.records):
        buckets.setdefault(raw.get(link), []).append(rec)
    limit = sub.limit

    def value(parent):
        recs = buckets.get(parent["Id"])
        if not recs:
            return None
        if limit is not None:
            recs = recs[:limit]
        return {"totalSize": len(recs), "done": True, "records": recs}
    tree.add_entry(("s", rel["relationshipName"], value))
    return rel["relationshipName"]


# ----------------------------------------------------------------------------
# Aggregates

_NUMERIC_AGG = frozenset(["SUM", "AVG"])


def _agg_result_field(func, fd):
    """A describe-like dict for the value an aggregate yields (for HAVING literals)."""
    if func in ("COUNT", "COUNT_DISTINCT"):
        return {"name": func, "type": "int", "filterable": True}
    if func in _NUMERIC_AGG:
        return {"name": fd["name"], "type": "double", "filterable": True}
    out = dict(fd)
    out["filterable"] = True
    return out


def _aggregate_fn(func, fd):
    """rows-values -> aggregate value (nulls ignored, COUNT counts non-null)."""
    ftype = fd.get("type")
    if func == "COUNT":
        return lambda vals: sum(1 for v in vals if v is not None)
    if func == "COUNT_DISTINCT":
        norm = _norm_func(fd) if ftype != "multipicklist" else None
        if norm:
            return lambda vals: len(set(norm(v) for v in vals if v is not None))
        return lambda vals: len(set(v for v in vals if v is not None))
    if func == "SUM":
        def total(vals):
            vals = [v for v in vals if v is not None]
            if not vals:
                return None
            s = sum(vals)
            return s if ftype in ("int", "long") else decimal.Decimal(s)
        return total
    if func == "AVG":
        def avg(vals):
            vals = [v for v in vals if v is not None]
            if not vals:
                return None
            # Salesforce computes AVG as a double.
            return decimal.Decimal(repr(float(sum(vals)) / len(vals)))
        return avg
    keyf = _sort_key_func(fd)
    pick = min if func == "MIN" else max

    def extreme(vals):
        vals = [v for v in vals if v is not None]
        if not vals:
            return None
        return pick(vals, key=keyf) if keyf else pick(vals)
    return extreme


def _execute_aggregate(ctx, q, so):
    """A GROUP BY / aggregate query (or COUNT() with GROUP BY)."""
    text = ctx.text

    # GROUP BY fields
    groups_paths = []
    for g in q.group_by:
        path = _resolve_operand(ctx, so, q.alias, g)
        if not path.field.get("groupable", True):
            _fail("INVALID_FIELD", text, g.pos, "field '%s' can not be grouped in a query call"
                  % path.field["name"])
        groups_paths.append(path)
    group_index = {p.canonical.lower(): i for i, p in enumerate(groups_paths)}

    # Aggregates referenced anywhere (select, HAVING, ORDER BY), computed once each.
    aggs = {}

    def agg_slot(item):
        if item.func == "COUNT" and item.path is None:
            return None
        path = _resolve(ctx, so, q.alias, item.path, item.arg_pos)
        k = (item.func, path.canonical.lower())
        if k not in aggs:
            fd = path.field
            ftype = fd.get("type")
            if item.func in _NUMERIC_AGG and ftype not in NUMBER_TYPES:
                # Assumed code/wording for SUM/AVG on a non-numeric field.
                _fail("INVALID_FIELD", text, item.pos, "field %s does not support aggregate operator %s"
                      % (fd["name"], item.func))
            if item.func in ("MIN", "MAX", "SUM", "AVG") and (not fd.get("aggregatable", True)
                                                              or ftype in ("boolean", "multipicklist")
                                                              or ftype in COMPOUND_TYPES):
                _fail("INVALID_FIELD", text, item.pos, "field %s does not support aggregate operator %s"
                      % (fd["name"], item.func))
            aggs[k] = (len(aggs), path, _aggregate_fn(item.func, fd), _agg_result_field(item.func, fd))
        return aggs[k]

    # Select list: output key, kind, slot
    out_cols = []
    expr_n = 0
    for item in q.items:
        if isinstance(item, CountAll):
            continue
        if isinstance(item, (FieldsItem, SubqueryItem)):
            _fail("MALFORMED_QUERY", text, item.pos, "unexpected token: '('")
        if isinstance(item, AggItem):
            slot = agg_slot(item)
            if item.alias:
                key = item.alias
            else:
                key = "expr%d" % expr_n
                expr_n += 1
            out_cols.append((key, "a", slot[0]))
        else:
            path = _resolve_operand(ctx, so, q.alias, item)
            gi = group_index.get(path.canonical.lower())
            if gi is None:
                _fail("MALFORMED_QUERY", text, item.pos,
                      "Field must be grouped or aggregated: %s" % path.field["name"])
            if item.alias:
                key = item.alias
            elif isinstance(item, FuncItem):
                key = "expr%d" % expr_n         # expressions share the exprN numbering
                expr_n += 1
            else:
                key = path.field["name"]
            out_cols.append((key, "g", gi))

    pred = _compile_where(ctx, so, q.alias, q.where)
    rows = so.live_records(ctx.query_all)
    rows = list(rows) if pred is None else [r for r in rows if pred(r)]

    having = None
    if q.having is not None:
        def leaf(node):
            lhs = node.lhs
            if isinstance(lhs, AggItem):
                idx, _, _, rfd = agg_slot(lhs)
                return _cmp_pred(ctx, lambda grp, idx=idx: grp[1][idx], rfd, node, lhs.pos)
            path = _resolve_operand(ctx, so, q.alias, lhs)
            gi = group_index.get(path.canonical.lower())
            if gi is None:
                _fail("MALFORMED_QUERY", text, lhs.pos,
                      "Field must be grouped or aggregated: %s" % path.field["name"])
            return _cmp_pred(ctx, lambda grp, gi=gi: grp[0][gi], path.field, node, lhs.pos)
        having = _compile_cond(ctx, q.having, leaf)

    order_specs = []
    aliases = set(i.alias.lower() for i in q.items
                  if isinstance(i, (AggItem, FieldItem, FuncItem)) and i.alias)
    for ob in q.order_by:
        e = ob.expr
        if isinstance(e, AggItem):
            idx, path, _, rfd = agg_slot(e)
            order_specs.append((lambda grp, idx=idx: grp[1][idx], _sort_key_func(rfd), ob.desc, ob.nulls))
            continue
        if isinstance(e, FieldItem) and e.path.lower() in aliases and e.path.lower() not in group_index:
            _fail("INVALID_FIELD", text, e.pos, "Aggregate alias cannot be used in ORDER BY: %s" % e.path)
        path = _resolve_operand(ctx, so, q.alias, e)
        gi = group_index.get(path.canonical.lower())
        if gi is None:
            _fail("MALFORMED_QUERY", text, e.pos,
                  "Ordered field must be grouped or aggregated: %s" % path.field["name"])
        if not path.field.get("sortable", True):
            _fail("INVALID_FIELD", text, e.pos, "field '%s' can not be sorted in a query call"
                  % path.field["name"])
        order_specs.append((lambda grp, gi=gi: grp[0][gi], _sort_key_func(path.field), ob.desc, ob.nulls))

    # Group the rows: text groups case-insensitively (Assumed), first value seen is shown.
    gkeys = []
    for p in groups_paths:
        norm = _norm_func(p.field)
        gkeys.append((p.getter, norm))
    buckets = {}
    order = []
    if gkeys:
        for r in rows:
            vals = []
            keyparts = []
            for getter, norm in gkeys:
                v = getter(r)
                vals.append(v)
                keyparts.append(None if v is None else (norm(v) if norm else v))
            k = tuple(keyparts)
            b = buckets.get(k)
            if b is None:
                b = (vals, [])
                buckets[k] = b
                order.append(k)
            b[1].append(r)
    else:
        buckets[()] = ([], rows)
        order.append(())

    slots = sorted(aggs.values(), key=lambda s: s[0])
    groups = []
    for k in order:
        gvals, grows = buckets[k]
        avals = [fn([path.getter(r) for r in grows]) for _, path, fn, _ in slots]
        groups.append((gvals, avals, len(grows)))
    if having is not None:
        groups = [g for g in groups if having(g)]
    groups = _ordered_window(ctx, groups, order_specs, q)

    if q.count_only:
        return Result(so.name, [], len(groups), is_aggregate=False, count_only=True, columns=[])
    if len(groups) > MAX_AGGREGATE_ROWS:
        raise SoqlError("EXCEEDED_ID_LIMIT", "Aggregate query does not support queryMore(), use LIMIT "
                        "to restrict the results to a single batch")
    records = []
    for gvals, avals, _ in groups:
        rec = {"attributes": {"type": "AggregateResult"}}
        for key, kind, idx in out_cols:
            rec[key] = gvals[idx] if kind == "g" else avals[idx]
        records.append(rec)
    # COUNT(*)-style COUNT(Id) without a path is not SOQL; COUNT() was handled above.
    return Result(so.name, records, len(records), is_aggregate=True, count_only=False,
                  columns=[k for k, _, _ in out_cols])
