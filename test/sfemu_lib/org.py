"""The state of one emulated org, and the one DML path every API writes through.

Rules:
- An Emulator holds the org: its Store of sObjects and records, access tokens,
  query locators (a bounded LRU: later pages come from the stored result of
  the first, a query is never re-run), the API allowance, the request log,
  the armed fault rules and the clock; reset() puts all of it back.
- REST rows, sObject Collections, Composite and Bulk API ingest all write
  through dml_items(), under the store lock, so they behave alike; an
  all-or-none call or a composite transaction() undoes what it wrote.
- Nothing here speaks HTTP: replies are rest.py's, the wire is http_server.py's.
"""

import collections
import datetime
import secrets
import threading
import time

from . import dataset as dataset_module
from . import replication, values
from .store import UTC, Store, make_id, to_id18
from .values import FieldError

DEFAULT_CLIENT_ID = "emu-client-id"
DEFAULT_CLIENT_SECRET = "emu-client-secret"
DEFAULT_API_LIMIT = 100000
QUIRKS = ("ne-null-exclude", "desc-nulls-first")
MAX_LOCATORS = 500
ORG_ID = make_id("00D", 1, pod="EM0")
USER_ID = make_id("005", 1, pod="EM0")
NO_SUCH_MATCH_KEY = "Provided external ID field does not exist or is not accessible: %s"
ROLLED_BACK = {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
               "message": "Record rolled back because not all records were valid and the "
                          "request was using AllOrNone header", "fields": []}


def is_match_key(field):
    """Whether upserts and /sobjects/NAME/FIELD/VALUE may match records on
    field (a describe entry or None): Id, an external id or an idLookup field."""
    return field is not None and bool(field.get("externalId") or field.get("idLookup")
                                      or field["name"] == "Id")


class Emulator:
    """State of one emulated org: data, tokens, locators, limits, log, faults."""

    def __init__(self, client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET,
                 dataset="demo", latency_ms=0, quirks=(), token_ttl=None,
                 api_limit=DEFAULT_API_LIMIT):
        self.client_id = client_id
        self.client_secret = client_secret
        self.dataset = dataset
        self.latency = (latency_ms or 0) / 1000.0
        self.quirks = frozenset(quirks)
        self.token_ttl = token_ttl
        self.initial_api_limit = api_limit
        self.base_url = "http://127.0.0.1"
        self.org_id = ORG_ID
        self.user_id = USER_ID
        self.lock = threading.RLock()
        self._tx = threading.local()
        self._locator_serial = 0
        self._bulk = None
        self.clock_offset = datetime.timedelta(0)
        self.store = Store()
        self.reset(dataset)

    # ------------------------------------------------------------ state

    def now(self):
        """The current time, UTC, millisecond precision (Salesforce keeps ms)."""
        n = datetime.datetime.now(UTC) + self.clock_offset
        return n.replace(microsecond=n.microsecond // 1000 * 1000)

    def reset(self, dataset=None):
        """Back to the start-up data set; tokens, log, faults, locators and
        limits cleared."""
        store = Store()
        self.clock_offset = datetime.timedelta(0)
        self.replication = replication.Replication(self)
        name = dataset or self.dataset
        if name == "demo":
            dataset_module.load_demo(store, self.now())
        elif name != "none":
            raise ValueError("unknown dataset %r" % name)
        user_so = store.get_sobject("User")
        with self.lock:
            self.store = store
            # The Run As user: the data set's first User when it has one.
            self.user_id = user_so.records[0]["Id"] if user_so and user_so.records else USER_ID
            self.tokens = {}
            self.locators = collections.OrderedDict()
            self.log = []
            self.faults = []
            self.api_max = self.initial_api_limit
            self.api_used = 0
            self.run_as_user = True
            self._bulk = None
            self.reset_at = self.now()
            self.changed_at = {}        # lower-case sObject name -> last (re)definition

    @property
    def bulk(self):
        with self.lock:
            if self._bulk is None:
                from . import bulk
                self._bulk = bulk.BulkApi(self)
            return self._bulk

    def issue_token(self):
        token = "%s!%s" % (self.org_id[:15], secrets.token_urlsafe(72).replace("-", "A").replace("_", "z"))
        expires = time.monotonic() + self.token_ttl if self.token_ttl else None
        with self.lock:
            self.tokens[token] = expires
        return token

    def token_valid(self, token):
        with self.lock:
            if token not in self.tokens:
                return False
            expires = self.tokens[token]
            if expires is not None and time.monotonic() >= expires:
                del self.tokens[token]
                return False
            return True

    def store_locator(self, records, batch, total):
        with self.lock:
            self._locator_serial += 1
            loc = make_id("0r8", self._locator_serial, pod="EM0")
            self.locators[loc] = {"records": records, "batch": batch, "total": total}
            while len(self.locators) > MAX_LOCATORS:
                self.locators.popitem(last=False)
            return loc

    def get_locator(self, loc):
        with self.lock:
            entry = self.locators.get(loc)
            if entry is not None:
                self.locators.move_to_end(loc)
            return entry

    # ------------------------------------------------------------ DML

    def dml(self, sobject, operation, rows, all_or_none=False, ext_field=None):
        """Insert/update/upsert/delete/hardDelete JSON-shaped rows of one
        sObject; per-row results [{"id","success","errors",("created")}]
        in order, errors as {"statusCode","message","fields"}."""
        return self.dml_items([(sobject, operation, row) for row in rows],
                              all_or_none, ext_field)

    def dml_items(self, items, all_or_none=False, ext_field=None):
        """DML over (sobject_or_None, operation, row) items, all under the store
        lock; with all_or_none nothing stays written unless every item succeeds.
        Inside a composite transaction (see transaction()) the undo entries are
        kept so the whole composite can be rolled back."""
        store = self.store
        with store.lock:
            undo = []
            results = []
            for sobject, op, row in items:
                try:
                    res = self._dml_one(store, sobject, op, row, ext_field, undo)
                except FieldError as e:
                    res = {"success": False, "errors": [e.collection()]}
                    rid = _row_id(row) if op not in ("insert", "upsert") else None
                    if rid is not None:
                        res = {"id": to_id18(rid) or rid, "success": False,
                               "errors": [e.collection()]}
                results.append(res)
            if all_or_none and not all(r["success"] for r in results):
                self._undo(undo)
                for i, res in enumerate(results):
                    if res["success"]:
                        out = {"success": False, "errors": [dict(ROLLED_BACK)]}
                        if items[i][1] not in ("insert",) and not res.get("created"):
                            out = {"id": res["id"], "success": False, "errors": [dict(ROLLED_BACK)]}
                        results[i] = out
            else:
                pending = getattr(self._tx, "undo", None)
                if pending is not None:
                    pending.extend(undo)
            return results

    def transaction(self):
        """Context manager: an all-or-none scope over several dml_items calls."""
        emu = self

        class Tx:
            def __enter__(self):
                self.lock = emu.store.lock      # a reset may replace the store meanwhile
                self.lock.acquire()
                emu._tx.undo = []
                return self

            def rollback(self):
                emu._undo(emu._tx.undo)
                emu._tx.undo = []

            def __exit__(self, *exc):
                emu._tx.undo = None
                self.lock.release()
                return False
        return Tx()

    def _undo(self, undo):
        store = self.store
        for entry in reversed(undo):
            kind = entry[0]
            if kind == "insert":
                _, so, rec = entry
                so.records = [r for r in so.records if r is not rec]
                so.by_id.pop(rec["Id"], None)
                store.by_id.pop(rec["Id"], None)
            elif kind == "update":
                _, rec, old = entry
                rec.clear()
                rec.update(old)
            elif kind == "harddelete":
                _, so, rec, index = entry
                records = list(so.records)
                records.insert(index, rec)
                so.records = records
                so.by_id[rec["Id"]] = rec
                store.by_id[rec["Id"]] = (so, rec)
            elif kind == "replication":
                _, repl, rid, old = entry
                repl.restore(rid, old)

    def find_by_external(self, so, field, value):
        """Live records whose external id field equals value (strings compare
        case-insensitively unless the field is caseSensitive)."""
        typed = values.coerce(field, value, None, strict_reference=False)
        if typed is None:
            return []
        name = field["name"]
        if name == "Id":
            rso, rec = self.store.get_record(typed)
            return [rec] if rec is not None and rso is so and not rec.get("IsDeleted") else []
        ci = isinstance(typed, str) and not field.get("caseSensitive")
        key = typed.lower() if ci else typed
        if field.get("unique") or field.get("externalId"):
            candidates = values.field_index(so, field).get(key, ())
        else:
            candidates = so.records
        out = []
        for r in candidates:
            v = r.get(name)
            if r.get("IsDeleted") or v is None or any(r is o for o in out):
                continue
            if ci and isinstance(v, str):
                v = v.lower()
            if v == key:
                out.append(r)
        # The index lists records in write order; Salesforce reports matches by id.
        return sorted(out, key=lambda r: r["Id"])

    def _dml_one(self, store, sobject, op, row, ext_field, undo):
        if not isinstance(row, dict):
            raise FieldError("INVALID_FIELD", "record is not a JSON object", [])
        so = None
        if sobject:
            so = store.get_sobject(sobject)
            if so is None:
                raise FieldError("INVALID_TYPE", "sObject type '%s' is not supported." % sobject, [])
        now = self.now()
        if op == "insert":
            typed = values.typed_values(store, so, values.check_body(so, row, "insert"))
            rec = _completed(so, values.new_record(so, now, self.user_id), typed)
            store.add_record(so, rec)
            undo.append(("insert", so, rec))
            return {"id": rec["Id"], "success": True, "errors": []}
        if op == "upsert":
            field = so.field(ext_field or "Id")
            if not is_match_key(field):
                raise FieldError("NOT_FOUND", NO_SUCH_MATCH_KEY % ext_field, [])
            value = None
            for key, v in row.items():
                if key.lower() == field["name"].lower():
                    value = v
            if value is None or value == "":
                raise FieldError("MISSING_ARGUMENT", "%s not specified" % field["name"], [])
            matches = self.find_by_external(so, field, value)
            if len(matches) > 1:
                raise FieldError("DUPLICATE_EXTERNAL_ID",
                                 "%s: more than one record found for external id field: [%s]"
                                 % (field["name"], ", ".join(r["Id"] for r in matches)),
                                 [field["name"]])
            if not matches:
                if field["name"] == "Id":
                    raise FieldError("NOT_FOUND", "The requested resource does not exist", [])
                res = self._dml_one(store, so.name, "insert", row, None, undo)
                res["created"] = True
                return res
            body = {k: v for k, v in row.items() if k.lower() != field["name"].lower()}
            body["Id"] = matches[0]["Id"]
            res = self._dml_one(store, so.name, "update", body, None, undo)
            res["created"] = False
            return res
        rid = _row_id(row)
        if rid is None:
            raise FieldError("MISSING_ARGUMENT", "Id not specified in an %s call" % op, [])
        full = to_id18(rid)
        if full is None:
            raise FieldError("MALFORMED_ID", "malformed id %s" % rid, [])
        rso, rec = store.get_record(full)
        if rec is None or (so is not None and rso is not so):
            raise FieldError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [])
        so = rso
        if op == "hardDelete":
            index = next(i for i, r in enumerate(so.records) if r is rec)
            so.records = [r for r in so.records if r is not rec]
            so.by_id.pop(full, None)
            store.by_id.pop(full, None)
            undo.append(("harddelete", so, rec, index))
            self.replication.note_delete(so, full, now, undo)
            return {"id": full, "success": True, "errors": []}
        if rec.get("IsDeleted"):
            raise FieldError("ENTITY_IS_DELETED", "entity is deleted", [])
        if op == "delete":
            undo.append(("update", rec, dict(rec)))
            rec["IsDeleted"] = True
            if so.field("SystemModstamp") is not None:
                rec["SystemModstamp"] = now
            self.replication.note_delete(so, full, now, undo)
            return {"id": full, "success": True, "errors": []}
        if op != "update":
            raise FieldError("INVALID_OPERATION", "unsupported operation %s" % op, [])
        typed = values.typed_values(store, so, values.check_body(so, row, "update"))
        new = _completed(so, dict(rec), typed)
        for name in ("LastModifiedDate", "SystemModstamp"):
            if so.field(name) is not None:
                new[name] = now
        if so.field("LastModifiedById") is not None:
            new["LastModifiedById"] = self.user_id
        undo.append(("update", rec, dict(rec)))
        rec.update(new)
        values.note_unique(so, rec)
        return {"id": full, "success": True, "errors": []}


def _completed(so, rec, typed):
    """rec with the typed values of a write, its derived fields computed and
    its required and unique fields checked (raises FieldError)."""
    rec.update(typed)
    values.derive(so, rec)
    values.check_required(so, rec)
    values.check_unique(so, rec)
    return rec


def _row_id(row):
    if not isinstance(row, dict):
        return None
    for key, v in row.items():
        if key.lower() == "id":
            return v
    return None

