"""Aggregate queries: GROUP BY, HAVING and COUNT/COUNT_DISTINCT/SUM/AVG/MIN/MAX.

Every aggregate is computed once per group however often it is named (select
list, HAVING, ORDER BY); text groups case-insensitively (Assumed) and shows
the first value seen; unaliased expressions are named expr0, expr1, ... in
select order; more than 2,000 groups is EXCEEDED_ID_LIMIT.
"""

import decimal
import itertools

from .conditions import _cmp_pred, _compile_cond, _compile_where, _matching_rows
from .errors import SoqlError, _fail
from .fields import COMPOUND_TYPES, NUMBER_TYPES, _norm_func, _resolve, _resolve_operand, _sort_key_func
from .order import _check_sortable, _ordered_window
from .output import Result
from .parser import AggItem, CountAll, FieldItem, FieldsItem, FuncItem, SubqueryItem

MAX_AGGREGATE_ROWS = 2000
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


def _over_values(fn):
    """values -> fn(the non-null values), or None when there are none."""
    def aggregate(vals):
        vals = [v for v in vals if v is not None]
        if not vals:
            return None
        return fn(vals)
    return aggregate


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
            s = sum(vals)
            return s if ftype in ("int", "long") else decimal.Decimal(s)
        return _over_values(total)
    if func == "AVG":
        def avg(vals):
            # Salesforce computes AVG as a double.
            return decimal.Decimal(repr(float(sum(vals)) / len(vals)))
        return _over_values(avg)
    keyf = _sort_key_func(fd)
    pick = min if func == "MIN" else max

    def extreme(vals):
        return pick(vals, key=keyf) if keyf else pick(vals)
    return _over_values(extreme)


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

    def group_slot(path, pos, message):
        """The GROUP BY position of `path`; MALFORMED_QUERY `message` when it has none."""
        gi = group_index.get(path.canonical.lower())
        if gi is None:
            _fail("MALFORMED_QUERY", text, pos, message % path.field["name"])
        return gi

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
            # Assumed code/wording for SUM/AVG on a non-numeric field.
            if (item.func in _NUMERIC_AGG and ftype not in NUMBER_TYPES) or \
                    (item.func in ("MIN", "MAX", "SUM", "AVG") and (not fd.get("aggregatable", True)
                                                                    or ftype in ("boolean", "multipicklist")
                                                                    or ftype in COMPOUND_TYPES)):
                _fail("INVALID_FIELD", text, item.pos, "field %s does not support aggregate operator %s"
                      % (fd["name"], item.func))
            aggs[k] = (len(aggs), path, _aggregate_fn(item.func, fd), _agg_result_field(item.func, fd))
        return aggs[k]

    # Select list: output key, kind, slot
    out_cols = []
    expr_names = ("expr%d" % n for n in itertools.count())     # unaliased expressions, in order
    for item in q.items:
        if isinstance(item, CountAll):
            continue
        if isinstance(item, (FieldsItem, SubqueryItem)):
            _fail("MALFORMED_QUERY", text, item.pos, "unexpected token: '('")
        if isinstance(item, AggItem):
            slot = agg_slot(item)
            key = item.alias or next(expr_names)
            out_cols.append((key, "a", slot[0]))
        else:
            path = _resolve_operand(ctx, so, q.alias, item)
            gi = group_slot(path, item.pos, "Field must be grouped or aggregated: %s")
            if item.alias:
                key = item.alias
            elif isinstance(item, FuncItem):
                key = next(expr_names)          # expressions share the exprN numbering
            else:
                key = path.field["name"]
            out_cols.append((key, "g", gi))

    pred = _compile_where(ctx, so, q.alias, q.where)
    rows = _matching_rows(ctx, so, pred)

    having = None
    if q.having is not None:
        def leaf(node):
            lhs = node.lhs
            if isinstance(lhs, AggItem):
                idx, _, _, rfd = agg_slot(lhs)
                return _cmp_pred(ctx, lambda grp, idx=idx: grp[1][idx], rfd, node, lhs.pos)
            path = _resolve_operand(ctx, so, q.alias, lhs)
            gi = group_slot(path, lhs.pos, "Field must be grouped or aggregated: %s")
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
        gi = group_slot(path, e.pos, "Ordered field must be grouped or aggregated: %s")
        _check_sortable(ctx, path, e.pos)
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
