"""execute(): check a parsed query against the org and evaluate it.

Clauses are checked in the order they are written so the first error
reported is the leftmost one; plain queries and child subqueries are
evaluated here, aggregate ones by aggregate.py.
"""

import datetime

try:
    from ..store import UTC
except ImportError:                         # the package imported as a top-level one
    from store import UTC

from .aggregate import _execute_aggregate
from .conditions import _compile_where, _matching_rows
from .errors import _bad_type, _fail
from .fields import _Ctx, _resolve, _resolve_operand, _sobject, _sort_key_func
from .order import _check_sortable, _ordered_window, _window_count
from .output import Result, _OutNode
from .parser import AggItem, CountAll, FieldItem, FieldsItem, FuncItem, Query, SubqueryItem, parse

MAX_OFFSET = 2000
MAX_FIELDS_LIMIT = 200


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
        _check_sortable(ctx, path, ob.expr.pos)
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

    rows = _matching_rows(ctx, so, pred)
    rows = _ordered_window(ctx, rows, specs, q)
    if rows_out is not None:
        rows_out.extend(rows)

    url = "/services/data/v%s/sobjects/" % ctx.api_version
    by_id = ctx.store.by_id
    tree.finish(so)
    build = tree.build
    records = [build(r, so, url, by_id) for r in rows]
    return Result(so.name, records, len(records), columns=columns)


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
