"""Field-type classes, the compile context, and resolution of object names and
field paths.

_resolve() turns a (possibly dotted) path into a _Path whose getter follows
parent references through the store (None through a null parent: parent
filters act like outer joins); _norm_func()/_sort_key_func() give the keys
text compares and sorts by (upper-cased unless the describe says
caseSensitive; picklists sort in definition order).
"""

try:
    from ..store import UTC
except ImportError:                         # the package imported as a top-level one
    from store import UTC

from .dates import DATE_FUNCTIONS
from .errors import _bad_relationship, _bad_type, _fail, _no_such_column
from .parser import FieldItem

STRING_TYPES = frozenset(["string", "textarea", "picklist", "multipicklist", "email", "phone",
                          "url", "combobox", "encryptedstring"])
ID_TYPES = frozenset(["id", "reference"])
NUMBER_TYPES = frozenset(["int", "long", "double", "currency", "percent"])
COMPOUND_TYPES = frozenset(["address", "location"])

# Salesforce's type words in "must be of type X" messages.
_TYPE_WORD = {"int": "integer", "long": "long", "double": "double", "currency": "double",
              "percent": "double", "boolean": "boolean", "date": "date", "datetime": "dateTime",
              "time": "time", "id": "id", "reference": "id"}


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
    """record -> parent record through reference field `ref_name` (or None);
    `prev`, when given, first steps to the record that holds `ref_name`."""
    def parent(rec):
        pid = rec.get(ref_name)
        if pid is None:
            return None
        hit = by_id.get(pid)
        return hit[1] if hit else None
    if prev is None:
        return parent

    def step(rec):
        rec = prev(rec)
        return None if rec is None else parent(rec)
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


def _sobject(ctx, q):
    so = ctx.store.get_sobject(q.sobject)
    if so is None:
        _fail("INVALID_TYPE", ctx.text, q.sobject_pos, _bad_type(q.sobject))
    return so


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
