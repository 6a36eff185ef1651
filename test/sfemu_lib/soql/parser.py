"""SOQL syntax tree and recursive-descent parser.

parse() checks syntax only (names and literal types are checked against the
org by the evaluator) and raises SoqlError(MALFORMED_QUERY) located at the
first token it cannot use.  Literals are typed here: NUMBER as Decimal,
DATE/DATETIME/TIME as datetime values in UTC.
"""

import datetime
import decimal

try:
    from ..store import UTC
except ImportError:                         # the package imported as a top-level one
    from store import UTC

from .dates import DATE_FUNCTIONS, DATE_LITERALS, DATE_N_LITERALS
from .errors import SoqlError, _fail, _no_viable
from .lexer import _TOKEN_RE, _decode_string, _tokenize

MAX_SOQL_LENGTH = 100000            # reference 3.5; error text as clients report it
# "Strings in WHERE clauses can't exceed 4,000 characters" (SOQL reference,
# WHERE; reference 3.5).  Counted after unescaping.  The errorCode and wording
# of the error are Assumed (MALFORMED_QUERY, like the statement-length error).
MAX_STRING_LITERAL = 4000

RESERVED = frozenset("""AND ASC BY DESC EXCLUDES FALSE FIRST FOR FROM GROUP HAVING IN INCLUDES LAST
    LIKE LIMIT NOT NULL NULLS OFFSET OR ORDER SELECT TRUE USING WHERE WITH""".split())

AGGREGATES = frozenset(["COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"])


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
        _no_viable(self.text, tok.pos, tok.text[0])

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
