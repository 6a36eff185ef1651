"""WHERE and HAVING compilation into predicates record -> bool.

A condition is compiled once into closures, so a 50,000-row query costs no
per-row parsing.  Literals are checked against the field's type here.  The
logic is two-valued by default: `!=`, NOT IN and EXCLUDES keep rows whose
value is null, `<`/`>` never match null, boolean null means false; quirk
"ne-null-exclude" switches to SQL's three-valued logic.
"""

import datetime
import re

try:
    from ..store import UTC, to_id18
except ImportError:                         # the package imported as a top-level one
    from store import UTC, to_id18

from .dates import _date_range
from .errors import _fail
from .fields import ID_TYPES, STRING_TYPES, _TYPE_WORD, _norm_func, _resolve, _resolve_operand, _sobject
from .lexer import _decode_string
from .parser import AggItem, Cmp, FieldItem, Logic, Not, SemiJoin


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
        _fail("INVALID_FIELD", ctx.text, lit.pos,
              "value of filter criterion for field '%s' must be of type %s and should not be enclosed in quotes"
              % (fname, _TYPE_WORD[ftype]))
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
    rows = _matching_rows(ctx, so, pred)
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


def _matching_rows(ctx, so, pred):
    """A new list of the records of `so` (deleted ones too for queryAll) that
    the compiled WHERE `pred` selects (all of them when it is None)."""
    rows = so.live_records(ctx.query_all)
    return list(rows) if pred is None else [r for r in rows if pred(r)]
