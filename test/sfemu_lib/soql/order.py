"""ORDER BY, OFFSET and LIMIT over rows or aggregate groups.

Nulls sort first for ASC and (belief) last for DESC unless NULLS FIRST/LAST
says otherwise; quirk "desc-nulls-first" puts them first for DESC too.
"""

from .errors import _fail


def _check_sortable(ctx, path, pos):
    """INVALID_FIELD unless the field's describe lets it be sorted."""
    if not path.field.get("sortable", True):
        _fail("INVALID_FIELD", ctx.text, pos, "field '%s' can not be sorted in a query call"
              % path.field["name"])


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


def _window_count(count, q):
    if q.offset:
        count = max(0, count - q.offset)
    if q.limit is not None:
        count = min(count, q.limit)
    return count
