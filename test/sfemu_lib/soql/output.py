"""Query results and the JSON shape of records.

Records come out as Salesforce writes them: "attributes" first, then the
selected fields under their canonical names, parent relationships as nested
objects (null when the reference is), address/location as compound objects
and base64 as a blob URL.
"""

from .errors import SoqlError
from .fields import COMPOUND_TYPES


class Result:
    """What execute() returns: the sObject's name, the records (JSON-ready
    dicts), totalSize, whether they are AggregateResults or a COUNT() (no
    records) and the column names in select order."""

    def __init__(self, sobject, records, total_size, is_aggregate=False, count_only=False, columns=()):
        self.sobject = sobject
        self.records = records
        self.total_size = total_size
        self.is_aggregate = is_aggregate
        self.count_only = count_only
        self.columns = list(columns)

    def __repr__(self):
        return "Result(%s, %d rows)" % (self.sobject, self.total_size)


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
