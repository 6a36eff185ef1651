"""The emulator's HTTP server: Salesforce's REST surface and the /__emu/ controls.

Design rules:
- Salesforce's documented behaviour wins (reference /work/shared/reference/
  salesforce-api.md): status codes, JSON shapes and error bodies are those of
  the reference; where it says UNCONFIRMED the comment says what is assumed.
- One router serves the HTTP requests and the subrequests of /composite and
  /composite/batch, and one DML path (Emulator.dml_items) serves REST rows,
  sObject Collections, Composite and Bulk API ingest, so they all behave alike.
- Query pages after the first come from the stored result list of the query
  (a bounded LRU of locators); a query is never re-run for a later page.
- Control endpoints under /__emu/ are loopback-only, need no token, and are
  neither counted against the API limit nor written to the request log.
- Python standard library only; HTTP/1.1 keep-alive with Content-Length on
  every response (libcurl reuses connections).
"""

import argparse
import base64
import collections
import datetime
import decimal
import email.utils
import gzip
import hashlib
import hmac
import http.server
import json
import re
import secrets
import signal
import socket
import sys
import threading
import time
import traceback
import urllib.parse

from . import replication, values
from .store import UTC, Store, json_dumps, make_id, to_id18
from .values import FieldError

try:
    from . import schema
except ImportError:         # pragma: no cover - schema.py is another engineer's
    schema = None

DEFAULT_CLIENT_ID = "emu-client-id"
DEFAULT_CLIENT_SECRET = "emu-client-secret"
DEFAULT_API_LIMIT = 100000
QUIRKS = ("ne-null-exclude", "desc-nulls-first")
MAX_URI = 16384             # reference 3.5: URI (and URI + headers) limit
MAX_LOCATORS = 500
MAX_COLLECTION = 200
MAX_SUBREQUESTS = 25
LOG_BODY_LIMIT = 65536
GZIP_MIN = 1024
VERSIONS = ["%d.0" % v for v in range(31, 68)]
ORG_ID = make_id("00D", 1, pod="EM0")
USER_ID = make_id("005", 1, pod="EM0")
LOGGED_HEADERS = ("Sforce-Query-Options", "Accept-Encoding", "Content-Type",
                  "Content-Encoding", "Sforce-Call-Options", "If-Modified-Since",
                  "If-Unmodified-Since", "Sforce-Auto-Assign")

NOT_FOUND = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
LIMIT_EXCEEDED = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
INVALID_LOCATOR = [{"errorCode": "INVALID_QUERY_LOCATOR", "message": "invalid query locator"}]
EXCEEDED_ID_LIMIT = [{"message": "record limit reached. cannot submit more than 200 records "
                                 "into this call", "errorCode": "EXCEEDED_ID_LIMIT"}]
ROLLED_BACK = {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
               "message": "Record rolled back because not all records were valid and the "
                          "request was using AllOrNone header", "fields": []}
PROCESSING_HALTED = [{"errorCode": "PROCESSING_HALTED",
                      "message": "The transaction was rolled back since another operation in "
                                 "the same transaction failed."}]
BATCH_HALTED = [{"errorCode": "BATCH_PROCESSING_HALTED",
                 "message": "Batch processing halted per request"}]


def version_label(version):
    """Release name of an API version: 31.0 is Summer '14, 66.0 Spring '26."""
    k, r = divmod(int(float(version)) - 31, 3)
    season, year = (("Summer", 14 + k), ("Winter", 15 + k), ("Spring", 15 + k))[r]
    return "%s '%02d" % (season, year)


def error(code, message, fields=None):
    e = {"message": message, "errorCode": code}
    if fields is not None:
        e["fields"] = fields
    return [e]


def parse_json(data):
    """Request JSON with exact numbers (Decimal); raises ValueError."""
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    return json.loads(data, parse_float=decimal.Decimal)


class Reply:
    """A response: status, a JSON-able body (or raw bytes) and headers."""

    def __init__(self, status, body=None, headers=None, raw=None, content_type=None):
        self.status = status
        self.body = body
        self.raw = raw
        self.headers = dict(headers or {})
        self.content_type = content_type

    def encode(self):
        if self.raw is not None:
            return self.raw, self.content_type or "application/octet-stream"
        if self.body is None:
            return b"", None
        return json_dumps(self.body).encode("utf-8"), \
            self.content_type or "application/json;charset=UTF-8"

    def json(self):
        """The body as a JSON value (composite results)."""
        if self.raw is not None:
            try:
                return parse_json(self.raw)
            except ValueError:
                return self.raw.decode("utf-8", "replace")
        return self.body


class Ctx:
    """One API request as the router sees it (HTTP request or subrequest)."""

    def __init__(self, method, segments, params, headers, body, version):
        self.method = method
        self.segments = segments        # path after /services/data/vNN.N/, split on '/'
        self.params = params            # name -> first value
        self.headers = headers          # case-insensitive .get()
        self.body = body or b""
        self.version = version
        self._json = None

    def json(self):
        if self._json is None:
            self._json = parse_json(self.body) if self.body.strip() else None
        return self._json


class Headers(dict):
    """Case-insensitive header dict with .get()."""

    def __init__(self, items=()):
        super().__init__()
        for k, v in (items.items() if isinstance(items, dict) else items):
            self[k.lower()] = v

    def get(self, key, default=None):
        return super().get(key.lower(), default)


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
            try:
                from . import dataset as demo
            except ImportError:
                sys.stderr.write("sfemu: dataset.py not available; starting empty\n")
            else:
                demo.load_demo(store, self.now())
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

    def take_fault(self, method, target):
        """The first armed fault matching the request (its count decremented).
        The path regex is searched in the request target as sent and with its
        percent-encoding decoded (so it can name words of a SOQL query).  A
        fault with "skip": K lets its first K matching requests through (each
        decrements skip) before it starts to apply."""
        decoded = urllib.parse.unquote_plus(target)
        with self.lock:
            for fault in self.faults:
                if fault.get("method") and fault["method"].upper() != method:
                    continue
                if fault.get("path") and not (re.search(fault["path"], target)
                                              or re.search(fault["path"], decoded)):
                    continue
                times = fault.get("times", 1)
                if times is not None and times <= 0:
                    continue
                skip = fault.get("skip") or 0
                if skip > 0:
                    # Let this matching request through untouched.
                    fault["skip"] = skip - 1
                    continue
                if times is not None:
                    fault["times"] = times - 1
                return dict(fault)
        return None

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
            items = values.check_body(so, row, "insert")
            typed = values.typed_values(store, so, items)
            rec = values.new_record(so, now, self.user_id)
            rec.update(typed)
            values.derive(so, rec)
            values.check_required(so, rec)
            values.check_unique(so, rec)
            store.add_record(so, rec)
            undo.append(("insert", so, rec))
            return {"id": rec["Id"], "success": True, "errors": []}
        if op == "upsert":
            field = so.field(ext_field or "Id")
            if field is None or not (field.get("externalId") or field["name"] == "Id"
                                     or field.get("idLookup")):
                raise FieldError("NOT_FOUND", "Provided external ID field does not exist or "
                                 "is not accessible: %s" % ext_field, [])
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
        items = values.check_body(so, row, "update")
        typed = values.typed_values(store, so, items)
        new = dict(rec)
        new.update(typed)
        values.derive(so, new)
        values.check_required(so, new)
        values.check_unique(so, new)
        for name in ("LastModifiedDate", "SystemModstamp"):
            if so.field(name) is not None:
                new[name] = now
        if so.field("LastModifiedById") is not None:
            new["LastModifiedById"] = self.user_id
        undo.append(("update", rec, dict(rec)))
        rec.update(new)
        values.note_unique(so, rec)
        return {"id": full, "success": True, "errors": []}


def _row_id(row):
    if not isinstance(row, dict):
        return None
    for key, v in row.items():
        if key.lower() == "id":
            return v
    return None


def _rest_errors(result):
    """Collection-style errors of a dml result as a REST error array."""
    return [{"message": e["message"], "errorCode": e["statusCode"], "fields": e.get("fields", [])}
            for e in result["errors"]]


def _dml_status(result):
    """HTTP status for a single-record DML failure."""
    codes = {e["statusCode"] for e in result["errors"]}
    if "ENTITY_IS_DELETED" in codes or "NOT_FOUND" in codes:
        return 404
    return 400


# ================================================================ router

class Api:
    """The Salesforce REST surface below /services/data/vNN.N/ (after auth)."""

    def __init__(self, emu):
        self.emu = emu

    def route(self, ctx):
        """Dispatch one API request; returns a Reply."""
        seg = ctx.segments
        if ctx.method == "POST" and ctx.params.get("_HttpMethod"):
            ctx.method = ctx.params["_HttpMethod"].upper()
        head = seg[0] if seg else ""
        try:
            if head == "sobjects":
                return self.sobjects(ctx, seg[1:])
            if head in ("query", "queryAll"):
                if len(seg) == 1:
                    return self.query(ctx, head == "queryAll")
                if len(seg) == 2:
                    return self.query_more(ctx, seg[1])
            if head == "limits":
                if len(seg) == 1:
                    return self.limits(ctx)
                if seg[1:] == ["recordCount"]:
                    return self.record_count(ctx)
            if head == "composite":
                return self.composite(ctx, seg[1:])
            if head == "jobs":
                return self.jobs(ctx)
        except ValueError as e:
            return Reply(400, error("JSON_PARSER_ERROR", "Unexpected character in request body: %s" % e))
        return Reply(404, NOT_FOUND)

    def _allow(self, ctx, allowed):
        if ctx.method in allowed:
            return None
        return Reply(405, error("METHOD_NOT_ALLOWED", "HTTP Method '%s' not allowed. Allowed are %s"
                                % (ctx.method, ",".join(allowed))))

    # ---------------------------------------------------------- describe

    def sobjects(self, ctx, seg):
        emu = self.emu
        store = emu.store
        if not seg:
            bad = self._allow(ctx, ("GET",))
            if bad:
                return bad
            if self._not_modified(ctx, store.sobjects):
                return Reply(304)
            describes = [so.describe for so in store.sobjects.values()]
            if schema is not None:
                return Reply(200, schema.global_describe(describes, ctx.version))
            return Reply(200, {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": describes})
        so = store.get_sobject(seg[0])
        if so is None:
            return Reply(404, NOT_FOUND)
        if len(seg) == 1:
            if ctx.method == "POST":
                return self.create(ctx, so)
            bad = self._allow(ctx, ("GET", "POST"))
            if bad:
                return bad
            entry = self._versioned(schema.global_entry(so.describe) if schema else so.describe, ctx)
            return Reply(200, {"objectDescribe": entry, "recentItems": []})
        if len(seg) == 2 and seg[1] == "describe":
            bad = self._allow(ctx, ("GET",))
            if bad:
                return bad
            if self._not_modified(ctx, [so.name.lower()]):
                return Reply(304)
            return Reply(200, self._versioned(so.describe, ctx))
        if len(seg) in (2, 3) and seg[1] in ("updated", "deleted") and seg[2:] in ([], [""]):
            return self.replicated(ctx, so, seg[1])
        if len(seg) == 2 and seg[1] == "Id" and ctx.method == "POST":
            return self.create(ctx, so)         # reference 7: upsert by Id, no value, creates
        if len(seg) == 2:
            return self.row(ctx, so, seg[1])
        if len(seg) == 3:
            field = so.field(seg[2])
            if (ctx.method == "GET" and to_id18(seg[1]) and field is not None
                    and field.get("type") == "base64"):
                return self.blob(ctx, so, seg[1], field)
            return self.by_external(ctx, so, seg[1], seg[2])
        return Reply(404, NOT_FOUND)

    def replicated(self, ctx, so, kind):
        """Get Updated / Get Deleted (replication.py)."""
        bad = self._allow(ctx, ("GET",))
        if bad:
            return bad
        status, body = self.emu.replication.serve(ctx, so, kind)
        return Reply(status, body)

    def _not_modified(self, ctx, names):
        """If-Modified-Since on describes (reference 6.1): True when no named
        sObject was (re)defined after the given time."""
        text = ctx.headers.get("If-Modified-Since")
        if not text:
            return False
        try:
            since = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        emu = self.emu
        changed = max([emu.changed_at.get(n, emu.reset_at) for n in names] or [emu.reset_at])
        return changed.replace(microsecond=0) <= since

    @staticmethod
    def _versioned(obj, ctx):
        if schema is not None:
            return schema.describe_for_version(obj, ctx.version)
        return obj

    # ---------------------------------------------------------- rows

    def create(self, ctx, so):
        body = ctx.json()
        if not isinstance(body, dict):
            return Reply(400, error("JSON_PARSER_ERROR", "The request body must be a JSON object"))
        res = self.emu.dml(so.name, "insert", [body])[0]
        if not res["success"]:
            return Reply(_dml_status(res), _rest_errors(res))
        return Reply(201, {"id": res["id"], "success": True, "errors": []},
                     headers={"Location": "/services/data/v%s/sobjects/%s/%s"
                              % (ctx.version, so.name, res["id"])})

    def _find_row(self, so, rid):
        """(record, error Reply) for an id in a URL path."""
        full = to_id18(rid)
        if full is None:
            # reference 7: a path segment that is no id is read as an external id.
            return None, Reply(404, error("NOT_FOUND", "Provided external ID field does not "
                                          "exist or is not accessible: %s" % rid))
        rso, rec = self.emu.store.get_record(full)
        if rec is None or rso is not so:
            return None, Reply(404, NOT_FOUND)
        if rec.get("IsDeleted"):
            return None, Reply(404, error("ENTITY_IS_DELETED", "entity is deleted", []))
        return rec, None

    def _fields_param(self, ctx, so):
        """The ?fields= list validated against the describe, or an error Reply."""
        text = ctx.params.get("fields")
        if text is None:
            return None, None
        names = [n.strip() for n in text.split(",") if n.strip()]
        for n in names:
            if so.field(n) is None:
                return None, Reply(400, error(
                    "INVALID_FIELD",
                    "\n%s\n^\nERROR at Row:1:Column:1\nNo such column '%s' on entity '%s'. If you "
                    "are attempting to use a custom field, be sure to append the '__c' after the "
                    "custom field name. Please reference your WSDL or the describe call for the "
                    "appropriate names." % (n, n, so.name)))
        return names, None

    def _record_json(self, ctx, so, rec, fields):
        from . import soql
        return soql.record_json(so, rec, self.emu.store, fields=fields, api_version=ctx.version)

    def row(self, ctx, so, rid):
        bad = self._allow(ctx, ("GET", "PATCH", "DELETE", "HEAD"))
        if bad:
            return bad
        rec, err = self._find_row(so, rid)
        if err:
            return err
        if ctx.method in ("GET", "HEAD"):
            fields, err = self._fields_param(ctx, so)
            if err:
                return err
            return Reply(200, self._record_json(ctx, so, rec, fields))
        if ctx.method == "DELETE":
            res = self.emu.dml(so.name, "delete", [{"Id": rec["Id"]}])[0]
        else:
            body = ctx.json()
            if not isinstance(body, dict):
                return Reply(400, error("JSON_PARSER_ERROR", "The request body must be a JSON object"))
            body = {k: v for k, v in body.items() if k.lower() != "id"}
            body["Id"] = rec["Id"]
            res = self.emu.dml(so.name, "update", [body])[0]
        if not res["success"]:
            return Reply(_dml_status(res), _rest_errors(res))
        return Reply(204)

    def blob(self, ctx, so, rid, field):
        """GET /sobjects/{name}/{id}/{base64 field}: the blob's bytes."""
        rec, err = self._find_row(so, rid)
        if err:
            return err
        data = rec.get(field["name"])
        if data is None:
            return Reply(404, NOT_FOUND)
        # Salesforce labels blobs "application/octetstream" (sic; UNCONFIRMED for every object).
        return Reply(200, raw=bytes(data), content_type="application/octetstream")

    def by_external(self, ctx, so, field_name, value):
        """GET/PATCH (upsert)/DELETE /sobjects/{name}/{extField}/{value}."""
        bad = self._allow(ctx, ("GET", "PATCH", "DELETE", "POST"))
        if bad:
            return bad
        field = so.field(field_name)
        if field is None or not (field.get("externalId") or field.get("idLookup")
                                 or field["name"] == "Id"):
            return Reply(404, error("NOT_FOUND", "Provided external ID field does not exist or "
                                    "is not accessible: %s" % field_name))
        try:
            matches = self.emu.find_by_external(so, field, value)
        except FieldError as e:
            return Reply(400, [e.rest()])
        if len(matches) > 1:
            return Reply(300, ["/services/data/v%s/sobjects/%s/%s" % (ctx.version, so.name, r["Id"])
                               for r in matches])
        if ctx.method == "GET":
            if not matches:
                return Reply(404, NOT_FOUND)
            fields, err = self._fields_param(ctx, so)
            if err:
                return err
            return Reply(200, self._record_json(ctx, so, matches[0], fields))
        if ctx.method == "DELETE":
            if not matches:
                return Reply(404, NOT_FOUND)
            res = self.emu.dml(so.name, "delete", [{"Id": matches[0]["Id"]}])[0]
            if not res["success"]:
                return Reply(_dml_status(res), _rest_errors(res))
            return Reply(204)
        body = ctx.json()
        if not isinstance(body, dict):
            return Reply(400, error("JSON_PARSER_ERROR", "The request body must be a JSON object"))
        if ctx.params.get("updateOnly") == "true" and not matches:
            return Reply(404, NOT_FOUND)
        row = {k: v for k, v in body.items() if k.lower() != field["name"].lower()}
        row[field["name"]] = value
        res = self.emu.dml(so.name, "upsert", [row], ext_field=field["name"])[0]
        if not res["success"]:
            return Reply(_dml_status(res), _rest_errors(res))
        # reference 7: v46.0+ answers 201 created:true / 200 created:false.
        return Reply(201 if res["created"] else 200,
                     {"id": res["id"], "success": True, "errors": [], "created": res["created"]})

    # ---------------------------------------------------------- query

    def query(self, ctx, query_all):
        from . import soql
        bad = self._allow(ctx, ("GET",))
        if bad:
            return bad
        q = ctx.params.get("q")
        if q is None or not q.strip():
            return Reply(400, error("MALFORMED_QUERY", "A query string has to be specified"))
        emu = self.emu
        try:
            result = soql.execute(emu.store, q, query_all=query_all, api_version=ctx.version,
                                  quirks=emu.quirks, now=emu.now())
        except soql.SoqlError as e:
            return Reply(e.status, e.body())
        records = list(result.records)
        if result.count_only:
            return Reply(200, {"totalSize": result.total_size, "done": True, "records": []})
        if result.is_aggregate:
            return Reply(200, {"totalSize": result.total_size, "done": True, "records": records})
        batch = _batch_size(ctx.headers.get("Sforce-Query-Options"))
        return Reply(200, self._page(ctx, records, 0, batch, result.total_size, None))

    def _page(self, ctx, records, offset, batch, total, locator):
        end = offset + batch
        page = {"totalSize": total, "done": end >= len(records)}
        if not page["done"]:
            if locator is None:
                locator = self.emu.store_locator(records, batch, total)
            page["nextRecordsUrl"] = "/services/data/v%s/query/%s-%d" % (ctx.version, locator, end)
        page["records"] = records[offset:end]
        return page

    def query_more(self, ctx, token):
        bad = self._allow(ctx, ("GET",))
        if bad:
            return bad
        loc, _, offset = token.rpartition("-")
        entry = self.emu.get_locator(loc) if loc else None
        if entry is None or not offset.isdigit():
            return Reply(400, INVALID_LOCATOR)
        offset = int(offset)
        if offset > len(entry["records"]):
            return Reply(400, INVALID_LOCATOR)
        return Reply(200, self._page(ctx, entry["records"], offset, entry["batch"],
                                     entry["total"], loc))

    # ---------------------------------------------------------- limits

    def limits(self, ctx):
        bad = self._allow(ctx, ("GET",))
        if bad:
            return bad
        emu = self.emu
        with emu.lock:
            api = {"Max": emu.api_max, "Remaining": max(emu.api_max - emu.api_used, 0)}
        return Reply(200, {
            "ConcurrentAsyncGetReportInstances": {"Max": 200, "Remaining": 200},
            "DailyApiRequests": api,
            "DailyAsyncApexExecutions": {"Max": 250000, "Remaining": 250000},
            "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
            "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            "DataStorageMB": {"Max": 1024, "Remaining": 1024},
            "FileStorageMB": {"Max": 1024, "Remaining": 1024},
        })

    def record_count(self, ctx):
        bad = self._allow(ctx, ("GET",))
        if bad:
            return bad
        store = self.emu.store
        wanted = ctx.params.get("sObjects")
        if wanted is None:
            sobjects = sorted(store.sobjects.values(), key=lambda so: so.name)
        else:
            sobjects = [store.get_sobject(n.strip()) for n in wanted.split(",") if n.strip()]
            sobjects = [so for so in sobjects if so is not None]
        return Reply(200, {"sObjects": [{"count": len(so.live_records()), "name": so.name}
                                        for so in sobjects]})

    # ---------------------------------------------------------- composite

    def composite(self, ctx, seg):
        if not seg:
            bad = self._allow(ctx, ("POST",))
            return bad or self.composite_request(ctx)
        if seg == ["batch"]:
            bad = self._allow(ctx, ("POST",))
            return bad or self.composite_batch(ctx)
        if seg[0] == "sobjects":
            return self.collections(ctx, seg[1:])
        return Reply(404, NOT_FOUND)

    def collections(self, ctx, seg):
        emu = self.emu
        if not seg:
            bad = self._allow(ctx, ("POST", "PATCH", "DELETE"))
            if bad:
                return bad
            if ctx.method == "DELETE":
                ids = [i for i in (ctx.params.get("ids") or "").split(",") if i]
                if not ids:
                    return Reply(400, error("MISSING_ARGUMENT", "ids parameter is required"))
                if len(ids) > MAX_COLLECTION:
                    return Reply(400, EXCEEDED_ID_LIMIT)
                all_or_none = (ctx.params.get("allOrNone") or "").lower() == "true"
                return Reply(200, emu.dml_items([(None, "delete", {"Id": i}) for i in ids],
                                                all_or_none))
            body = ctx.json()
            records, all_or_none, err = _collection_body(body)
            if err:
                return err
            items = []
            for rec in records:
                stype = ((rec.get("attributes") or {}).get("type")
                         if isinstance(rec, dict) else None)
                if not stype:
                    return Reply(400, error("INVALID_TYPE", "Must send a concrete entity type.", []))
                items.append((stype, "insert" if ctx.method == "POST" else "update", rec))
            return Reply(200, emu.dml_items(items, all_or_none))
        so = emu.store.get_sobject(seg[0])
        if so is None:
            return Reply(404, NOT_FOUND)
        if len(seg) == 2:
            bad = self._allow(ctx, ("PATCH",))
            if bad:
                return bad
            field = so.field(seg[1])
            if field is None or not (field.get("externalId") or field.get("idLookup")
                                     or field["name"] == "Id"):
                return Reply(404, error("NOT_FOUND", "Provided external ID field does not "
                                        "exist or is not accessible: %s" % seg[1]))
            records, all_or_none, err = _collection_body(ctx.json())
            if err:
                return err
            return Reply(200, emu.dml_items([(so.name, "upsert", r) for r in records],
                                            all_or_none, ext_field=field["name"]))
        if len(seg) != 1:
            return Reply(404, NOT_FOUND)
        bad = self._allow(ctx, ("GET", "POST"))
        if bad:
            return bad
        if ctx.method == "GET":
            ids = [i for i in (ctx.params.get("ids") or "").split(",") if i]
            fields, err = self._fields_param(ctx, so)
        else:
            body = ctx.json() or {}
            ids = body.get("ids") or []
            ctx.params["fields"] = ",".join(body.get("fields") or [])
            fields, err = self._fields_param(ctx, so)
        if err:
            return err
        if not fields:
            return Reply(400, error("MISSING_ARGUMENT", "fields parameter is required"))
        limit = 2000       # reference 8.1: up to 2,000 ids (GET: the URI limit comes first)
        if len(ids) > limit:
            return Reply(400, EXCEEDED_ID_LIMIT)
        out = []
        for rid in ids:
            full = to_id18(rid)
            rso, rec = emu.store.get_record(full) if full else (None, None)
            if rec is None or rso is not so or rec.get("IsDeleted"):
                out.append(None)
            else:
                out.append(self._record_json(ctx, so, rec, fields))
        return Reply(200, out)

    def _subrequest(self, ctx, method, url, body, sub_headers=None):
        """Run a composite subrequest through the router (no auth, no count).
        Its headers are the request's Sforce-Query-Options overridden by the
        subrequest's own httpHeaders."""
        parts = urllib.parse.urlsplit(url)
        path = parts.path
        if not path.startswith("/"):
            path = "/services/data/" + path
        m = re.match(r"^/services/data/v(\d+\.\d+)(?:/(.*))?$", path)
        if not m or m.group(1) not in VERSIONS:
            return Reply(404, NOT_FOUND)
        segments = [urllib.parse.unquote(s) for s in (m.group(2) or "").split("/") if s]
        params = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query, keep_blank_values=True).items()}
        data = json_dumps(body).encode() if body is not None else b""
        headers = Headers({})
        if ctx.headers.get("Sforce-Query-Options"):
            headers["sforce-query-options"] = ctx.headers.get("Sforce-Query-Options")
        for k, v in (sub_headers or {}).items():
            headers[k.lower()] = v
        sub = Ctx(method.upper(), segments, params, headers, data, m.group(1))
        if segments[:1] == ["jobs"] or (segments[:1] == ["composite"]
                                        and segments[1:2] != ["sobjects"]):
            return Reply(400, error("INVALID_API_INPUT", "this resource is not supported "
                                    "in a composite or batch request"))
        return self.route(sub)

    @staticmethod
    def _subrequests(ctx, key, too_many):
        """(body, its list of subrequests under `key`, error Reply): the
        checks /composite and /composite/batch share."""
        body = ctx.json()
        if not isinstance(body, dict) or not isinstance(body.get(key), list):
            return None, None, Reply(400, error("JSON_PARSER_ERROR", "%s is required" % key))
        if len(body[key]) > MAX_SUBREQUESTS:
            return None, None, Reply(400, too_many)
        return body, body[key], None

    def composite_batch(self, ctx):
        body, subs, err = self._subrequests(ctx, "batchRequests", error(
            "INVALID_API_INPUT", "Batch requests cannot exceed 25 subrequests"))
        if err:
            return err
        halt = bool(body.get("haltOnError"))
        results = []
        halted = False
        for sub in subs:
            if halted:
                results.append({"statusCode": 412, "result": BATCH_HALTED})
                continue
            reply = self._subrequest(ctx, sub.get("method", "GET"), sub.get("url", ""),
                                     sub.get("richInput"))
            results.append({"statusCode": reply.status,
                            "result": reply.json() if reply.status != 204 else None})
            if reply.status >= 400 and halt:
                halted = True
        # Salesforce counts every subrequest of a Composite/Batch call against
        # the daily allowance (a Composite call counts once); the call itself
        # was counted on arrival.
        with self.emu.lock:
            self.emu.api_used += max(len(subs) - 1, 0)
        return Reply(200, {"hasErrors": any(r["statusCode"] >= 400 for r in results),
                           "results": results})

    def composite_request(self, ctx):
        body, subs, err = self._subrequests(ctx, "compositeRequest", error(
            "LIMIT_EXCEEDED", "Limit Exceeded. Maximum number of subrequests allowed in a "
            "composite request is 25"))
        if err:
            return err
        all_or_none = bool(body.get("allOrNone"))
        out = []
        refs = {}
        with self.emu.transaction() as tx:
            failed = False
            for sub in subs:
                ref_id = sub.get("referenceId")
                if failed and all_or_none:
                    out.append({"body": PROCESSING_HALTED, "httpHeaders": {},
                                "httpStatusCode": 400, "referenceId": ref_id})
                    continue
                try:
                    url = _resolve_refs(sub.get("url", ""), refs, in_url=True)
                    sub_body = _resolve_refs(sub.get("body"), refs)
                except KeyError as e:
                    reply = Reply(400, error("PROCESSING_HALTED", "Invalid reference specified. "
                                             "No value for %s found in any previous subrequest"
                                             % e.args[0]))
                else:
                    reply = self._subrequest(ctx, sub.get("method", "GET"), url, sub_body,
                                             sub.get("httpHeaders"))
                result_body = reply.json() if reply.status != 204 else None
                if ref_id and reply.status < 400:
                    refs[ref_id] = result_body
                out.append({"body": result_body, "httpHeaders": dict(reply.headers),
                            "httpStatusCode": reply.status, "referenceId": ref_id})
                if reply.status >= 400:
                    failed = True
            if failed and all_or_none:
                tx.rollback()
                for item in out:
                    if item["httpStatusCode"] < 400:
                        item.update({"body": PROCESSING_HALTED, "httpHeaders": {},
                                     "httpStatusCode": 400})
        return Reply(200, {"compositeResponse": out})

    # ---------------------------------------------------------- bulk

    def jobs(self, ctx):
        try:
            api = self.emu.bulk
        except ImportError:
            return Reply(404, NOT_FOUND)
        status, headers, data = api.handle(ctx.method, "/" + "/".join(ctx.segments), ctx.params,
                                           ctx.headers, ctx.body, ctx.version)
        headers = dict(headers or {})
        ctype = headers.pop("Content-Type", None) or headers.pop("content-type", None)
        if isinstance(data, str):
            data = data.encode("utf-8")
        return Reply(status, raw=data or b"", headers=headers,
                     content_type=ctype or ("application/json;charset=UTF-8" if data else None))


_REF_RE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")


def _resolve_refs(value, refs, in_url=False):
    """Replace @{ref.path} in a composite subrequest's url or body."""
    if isinstance(value, dict):
        return {k: _resolve_refs(v, refs, in_url) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_refs(v, refs, in_url) for v in value]
    if not isinstance(value, str) or "@{" not in value:
        return value

    def lookup(m):
        if m.group(1) not in refs:
            raise KeyError(m.group(0))
        v = refs[m.group(1)]
        for step in re.findall(r"\.([A-Za-z0-9_]+)|\[(\d+)\]", m.group(2)):
            try:
                v = v[step[0]] if step[0] else v[int(step[1])]
            except (KeyError, IndexError, TypeError):
                raise KeyError(m.group(0))
        return v

    whole = _REF_RE.fullmatch(value)
    if whole and not in_url:
        return lookup(whole)

    def text(m):
        v = lookup(m)
        s = v if isinstance(v, str) else json_dumps(v)
        return urllib.parse.quote(s, safe="") if in_url and "?" in value[:m.start()] else s
    return _REF_RE.sub(text, value)


def _collection_body(body):
    """(records, allOrNone, error Reply) of a collections request body."""
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        return None, False, Reply(400, error("JSON_PARSER_ERROR", "records is required"))
    if len(body["records"]) > MAX_COLLECTION:
        return None, False, Reply(400, EXCEEDED_ID_LIMIT)
    return body["records"], bool(body.get("allOrNone")), None


def _batch_size(header):
    """batchSize of a Sforce-Query-Options header, clamped to 200..2000."""
    size = 2000
    if header:
        m = re.search(r"batchSize\s*=\s*(\d+)", header)
        if m:
            size = min(max(int(m.group(1)), 200), 2000)
    return size


# ================================================================ HTTP

class Handler(http.server.BaseHTTPRequestHandler):
    """HTTP front: size checks, faults, latency, auth, limits, gzip, log."""

    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: without TCP_NODELAY, Nagle
    # and the client's delayed ACK would add ~40 ms to every response.
    disable_nagle_algorithm = True
    server_version = "sfemu/1.0"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    @property
    def emu(self):
        return self.server.emu

    def parse_request(self):
        if not super().parse_request():
            return False
        # reference 3.5: URI over 16,384 bytes -> 414; URI + headers -> 431.
        target = self.path
        header_bytes = sum(len(k) + len(v) + 4 for k, v in self.headers.items())
        status = None
        if len(target) > MAX_URI:
            status = 414
        elif len(target) + header_bytes > MAX_URI:
            status = 431
        if status is None:
            return True
        start = time.monotonic()
        self._read_body()
        text = {414: "URI Too Long", 431: "Request Header Fields Too Large"}[status]
        data = ("<html><body><h1>%d %s</h1></body></html>" % (status, text)).encode()
        self._send(status, data, "text/html;charset=UTF-8", {},
                   on_ready=lambda n: self._log(urllib.parse.urlsplit(target).path, None,
                                                status, n, start, b""))
        return False

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            data = b"".join(chunks)
        else:
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length) if length > 0 else b""
        if self.headers.get("Content-Encoding", "").lower() == "gzip" and data:
            data = gzip.decompress(data)
        return data

    def do_GET(self):
        self.handle_any()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_GET

    def _send(self, status, data, ctype, headers, gzip_ok=False, on_ready=None, truncate=None):
        """Write a response; on_ready(body length) runs just before, so the
        request log holds the entry by the time the client has the answer.
        With truncate=N only the first N bytes of the body (as it goes on the
        wire, gzipped or not) follow the full Content-Length, and the
        connection is closed: what a proxy resetting mid-answer does."""
        if gzip_ok and len(data) >= GZIP_MIN:
            data = gzip.compress(data, compresslevel=5)
            headers = dict(headers, **{"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        if on_ready is not None:
            on_ready(len(data))
        self.send_response(status)
        self.send_header("Date", self.date_time_string())
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data if truncate is None else data[:truncate])
        self.wfile.flush()
        if truncate is not None:
            self._hang_up()
        return len(data)

    def _hang_up(self):
        """Close the connection now, whatever the client expects next."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def send_response(self, code, message=None):
        # Like the base class but without its Server/Date duplicates.
        self.log_request(code)
        self.send_response_only(code, message)

    def _log(self, path, query, status, nbytes, start, body, records=None, fault=None):
        headers = {h: self.headers[h] for h in LOGGED_HEADERS if self.headers.get(h) is not None}
        text = body[:LOG_BODY_LIMIT].decode("utf-8", "replace") if body else None
        if text and path.endswith("/oauth2/token"):
            text = re.sub(r"(client_secret=)[^&]*", r"\1***", text)
        entry = {"method": self.command, "path": path, "query": query, "status": status,
                 "bytes": nbytes, "ms": round((time.monotonic() - start) * 1000, 1),
                 "headers": headers, "body": text, "records": records,
                 "uri_bytes": len(self.path),
                 "header_bytes": sum(len(k) + len(v) + 4 for k, v in self.headers.items()),
                 "fault": fault}
        with self.emu.lock:
            self.emu.log.append(entry)

    def handle_any(self):
        start = time.monotonic()
        emu = self.emu
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        parts = urllib.parse.urlsplit(self.path)
        path = parts.path
        params = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query, keep_blank_values=True).items()}
        gzip_ok = "gzip" in (self.headers.get("Accept-Encoding") or "").lower()
        if path == "/__emu" or path.startswith("/__emu/"):
            if not _loopback(self.client_address[0]):
                reply = Reply(403, error("FORBIDDEN", "control endpoints are loopback only"))
            else:
                try:
                    reply = Control(emu).route(self.command, path, params, body)
                except (ValueError, KeyError, TypeError, AttributeError) as e:
                    reply = Reply(400, {"error": "%s: %s" % (type(e).__name__, e)})
                except Exception as e:
                    traceback.print_exc()
                    reply = Reply(500, {"error": "%s: %s" % (type(e).__name__, e)})
            data, ctype = reply.encode()
            self._send(reply.status, data, ctype, reply.headers)
            return
        query = None
        if re.match(r"^/services/data/v\d+\.\d+/query(All)?/?$", path):
            query = params.get("q")
        fault = emu.take_fault(self.command, self.path) or {}
        if emu.latency:
            time.sleep(emu.latency)
        if fault.get("delay_ms"):
            time.sleep(fault["delay_ms"] / 1000.0)
        drop = fault.get("drop")
        if drop and drop != "after":
            # Dropped before the request was carried out: nothing happened.
            self._log(path, query, 0, 0, start, body, fault="drop")
            self._hang_up()
            return
        if fault.get("status"):
            fbody = fault.get("body")
            if isinstance(fbody, str):
                ctype = fault.get("content_type") or (
                    "text/html;charset=UTF-8" if fbody.lstrip().startswith("<")
                    else "text/plain;charset=UTF-8")
                reply = Reply(fault["status"], raw=fbody.encode(), content_type=ctype)
            else:
                reply = Reply(fault["status"], fbody, content_type=fault.get("content_type"))
        else:
            try:
                reply = self.serve(path, params, body)
            except Exception as e:     # an emulator bug: answer like Salesforce's 500
                traceback.print_exc()
                reply = Reply(500, error("UNKNOWN_EXCEPTION", "An unexpected error occurred: %s: %s"
                                         % (type(e).__name__, e)))
        reply.headers.update(fault.get("headers") or {})
        if drop == "after":
            # Carried out (a write is applied), then the connection dies
            # before the answer leaves: the client cannot know the outcome.
            self._log(path, query, 0, 0, start, body, fault="drop-after")
            self._hang_up()
            return
        data, ctype = reply.encode()
        # How many records a query page carried, so tests can weigh what
        # crossed the wire against what a statement returned.
        records = None
        if isinstance(reply.body, dict) and isinstance(reply.body.get("records"), list) \
                and re.match(r"^/services/data/v\d+\.\d+/query(All)?(/|$)", path):
            records = len(reply.body["records"])
        truncate = fault.get("truncate")
        label = ("truncate" if truncate is not None else
                 "status" if fault.get("status") else
                 "delay" if fault.get("delay_ms") else "headers" if fault else None)
        self._send(reply.status, data, ctype, reply.headers, gzip_ok,
                   on_ready=lambda n: self._log(path, query, reply.status, n, start, body, records,
                                                label),
                   truncate=truncate)

    def serve(self, path, params, body):
        """The Salesforce surface: token endpoint, versions, API resources."""
        emu = self.emu
        if path == "/services/oauth2/token":
            if self.command != "POST":
                return Reply(405, error("METHOD_NOT_ALLOWED", "HTTP Method '%s' not allowed. "
                                        "Allowed are POST" % self.command))
            return self.token(body)
        if path in ("/services/data", "/services/data/"):
            return Reply(200, [{"label": version_label(v), "url": "/services/data/v%s" % v,
                                "version": v} for v in VERSIONS])
        m = re.match(r"^/services/data/v(\d+\.\d+)(/.*)?$", path)
        if not m:
            return Reply(404, NOT_FOUND)
        version = m.group(1)
        if version not in VERSIONS:
            return Reply(404, NOT_FOUND)
        rest = (m.group(2) or "/").strip("/")
        if not rest:
            return Reply(200, {name: "/services/data/v%s/%s" % (version, name)
                               for name in ("sobjects", "query", "queryAll", "limits",
                                            "composite", "jobs")})
        auth = self.headers.get("Authorization") or ""
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        if not token or not emu.token_valid(token):
            return Reply(401, INVALID_SESSION)
        with emu.lock:
            if emu.api_used >= emu.api_max:
                return Reply(403, LIMIT_EXCEEDED, headers=self._limit_header())
            emu.api_used += 1
        if emu._bulk is not None:
            # Ingest jobs whose time has come write their rows before any
            # API request reads (bulk.py computes job states lazily).
            emu._bulk.advance()
        segments = [urllib.parse.unquote(s) for s in rest.split("/")]
        ctx = Ctx(self.command, segments, params, self.headers, body, version)
        reply = Api(emu).route(ctx)
        reply.headers.update(self._limit_header())
        return reply

    def _limit_header(self):
        emu = self.emu
        with emu.lock:
            return {"Sforce-Limit-Info": "api-usage=%d/%d" % (emu.api_used, emu.api_max)}

    def token(self, body):
        """POST /services/oauth2/token, client credentials flow (reference 1)."""
        emu = self.emu

        def fail(code, text):
            return Reply(400, {"error": code, "error_description": text})
        ctype = (self.headers.get("Content-Type") or "").lower()
        stripped = body.strip()
        if "json" in ctype or stripped.startswith(b"{") or stripped.startswith(b"["):
            # reference 1.1: a JSON body is believed refused (UNCONFIRMED).
            return fail("unsupported_grant_type", "grant type not supported")
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace"),
                                                          keep_blank_values=True).items()}
        client_id = form.get("client_id")
        client_secret = form.get("client_secret")
        auth = self.headers.get("Authorization") or ""
        if auth[:6].lower() == "basic ":
            try:
                pair = base64.b64decode(auth[6:].strip()).decode("utf-8")
                bid, _, bsecret = pair.partition(":")
                client_id = client_id or urllib.parse.unquote(bid)
                client_secret = client_secret or urllib.parse.unquote(bsecret)
            except ValueError:
                return fail("invalid_client", "invalid client credentials")
        grant = form.get("grant_type")
        if not grant:
            return fail("invalid_request", "grant type is missing")
        if grant != "client_credentials":
            return fail("unsupported_grant_type", "grant type not supported")
        host = (self.headers.get("Host") or "").lower()
        if host.startswith("login.") or host.startswith("test."):
            return fail("invalid_grant", "request not supported on this domain")
        # A missing client_id is treated like an unknown one, a missing secret
        # like a wrong one (what clients observe; UNCONFIRMED in the reference).
        if client_id != emu.client_id:
            return fail("invalid_client_id", "client identifier invalid")
        if not client_secret or not hmac.compare_digest(client_secret, emu.client_secret):
            return fail("invalid_client", "invalid client credentials")
        if not emu.run_as_user:
            return fail("invalid_grant", "no client credentials user enabled")
        issued_at = str(int(time.time() * 1000))
        identity = "%s/id/%s/%s" % (emu.base_url, emu.org_id, emu.user_id)
        signature = base64.b64encode(hmac.new(emu.client_secret.encode(),
                                              (identity + issued_at).encode(),
                                              hashlib.sha256).digest()).decode()
        return Reply(200, {
            "access_token": emu.issue_token(),
            "signature": signature,
            "scope": "api",
            "instance_url": emu.base_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "token_format": "opaque",
        })


def _loopback(addr):
    return addr.startswith("127.") or addr in ("::1", "localhost") or addr.startswith("::ffff:127.")


# ================================================================ controls

class Control:
    """The /__emu/ endpoints (see the --help text of test/sfemu)."""

    def __init__(self, emu):
        self.emu = emu

    def route(self, method, path, params, body):
        emu = self.emu
        seg = [urllib.parse.unquote(s) for s in path.strip("/").split("/")[1:]]
        data = parse_json(body) if body.strip() else None
        key = (method, seg[0] if seg else "")
        if key == ("POST", "reset"):
            emu.reset((data or {}).get("dataset"))
            from . import bulk
            bulk.set_durations({"reset": True})
            return Reply(200, {"ok": True})
        if key == ("POST", "sobjects"):
            describes = data if isinstance(data, list) else [data]
            names = []
            for d in describes:
                full = schema.normalize_describe(d) if schema is not None else d
                names.append(emu.store.define(full).name)
                emu.changed_at[names[-1].lower()] = emu.now()
            if schema is not None:
                schema.link_child_relationships(emu.store)
            return Reply(200, {"defined": names})
        if seg and seg[0] == "records" and len(seg) == 2:
            so = emu.store.get_sobject(seg[1])
            if so is None:
                return Reply(404, {"error": "unknown sObject %s" % seg[1]})
            if method == "GET":
                return Reply(200, [_dump_record(r) for r in so.records])
            if method == "POST":
                rows = data if isinstance(data, list) else [data]
                now = emu.now()
                ids = []
                with emu.store.lock:
                    try:
                        recs = [values.load_record(emu.store, so, row, now, emu.user_id)
                                for row in rows]
                    except FieldError as e:
                        return Reply(400, {"error": e.code, "message": e.message})
                    for rec in recs:
                        ids.append(emu.store.add_record(so, rec))
                return Reply(200, ids)
        if key == ("GET", "requests"):
            with emu.lock:
                return Reply(200, list(emu.log))
        if key == ("DELETE", "requests"):
            with emu.lock:
                emu.log = []
            return Reply(200, {"ok": True})
        if key == ("POST", "faults"):
            faults = data if isinstance(data, list) else [data]
            for f in faults:
                _check_fault(f)
            with emu.lock:
                emu.faults.extend(dict(f) for f in faults)
            return Reply(200, {"armed": len(faults)})
        if key == ("DELETE", "faults"):
            with emu.lock:
                emu.faults = []
            return Reply(200, {"ok": True})
        if key == ("POST", "tokens") and seg[1:] == ["expire"]:
            with emu.lock:
                emu.tokens = {}
            return Reply(200, {"ok": True})
        if key == ("POST", "tokens") and not seg[1:]:
            # For tools (emuctl raw): a token without a logged token request.
            return Reply(200, {"access_token": emu.issue_token(), "instance_url": emu.base_url})
        if key == ("POST", "limits"):
            with emu.lock:
                if "max" in data:
                    emu.api_max = int(data["max"])
                if "used" in data:
                    emu.api_used = int(data["used"])
            return Reply(200, {"max": emu.api_max, "used": emu.api_used})
        if key == ("GET", "limits"):
            with emu.lock:
                return Reply(200, {"max": emu.api_max, "used": emu.api_used})
        if key == ("POST", "oauth"):
            if "run_as_user" in (data or {}):
                emu.run_as_user = bool(data["run_as_user"])
            return Reply(200, {"run_as_user": emu.run_as_user})
        if seg and seg[0] in ("clock", "undelete", "replication"):
            return self.replication(method, seg, data or {})
        if key == ("POST", "bulk"):
            from . import bulk
            return Reply(*bulk.set_durations(data or {}))
        if key == ("POST", "locators") and seg[1:] == ["expire"]:
            with emu.lock:
                emu.locators.clear()
            return Reply(200, {"ok": True})
        return Reply(404, {"error": "unknown control endpoint %s %s" % (method, path)})

    def replication(self, method, seg, data):
        """/__emu/clock, /__emu/undelete, /__emu/replication (replication.py)."""
        emu = self.emu
        if seg == ["clock"] and method in ("GET", "POST"):
            if method == "POST":
                try:
                    offset = replication.parse_clock(data, emu)
                except (ValueError, TypeError, AttributeError) as e:
                    return Reply(400, {"error": "invalid clock setting: %s" % e})
                with emu.lock:
                    emu.clock_offset = offset
            return Reply(200, {"now": replication.format_datetime(emu.now()),
                               "offset_seconds": emu.clock_offset.total_seconds()})
        if seg == ["undelete"] and method == "POST":
            return Reply(200, emu.replication.undelete(data.get("ids", [])))
        if seg == ["replication"] and method == "POST":
            repl = emu.replication
            with emu.store.lock:
                if "id_limit" in data:
                    repl.id_limit = int(data["id_limit"])
                if data.get("purge"):
                    before = replication.parse_date(data.get("before")) or emu.now()
                    repl.purge(data["purge"], before)
                emptied = repl.empty_recycle_bin(data["empty_recycle_bin"]) \
                    if data.get("empty_recycle_bin") else 0
            return Reply(200, {"id_limit": repl.id_limit, "emptied": emptied})
        return Reply(404, {"error": "unknown control endpoint %s /__emu/%s" % (method, "/".join(seg))})


FAULT_KEYS = ("method", "path", "status", "body", "headers", "content_type", "delay_ms",
              "drop", "truncate", "times", "skip")


def _check_fault(f):
    """Refuse a fault rule the handler would misread (raises ValueError)."""
    if not isinstance(f, dict):
        raise ValueError("a fault is a JSON object")
    unknown = sorted(set(f) - set(FAULT_KEYS))
    if unknown:
        raise ValueError("unknown fault key(s) %s; known: %s" % (", ".join(unknown),
                                                                ", ".join(FAULT_KEYS)))
    if f.get("path"):
        re.compile(f["path"])
    if f.get("drop") not in (None, False, True, "before", "after"):
        raise ValueError('"drop" is true, "before" or "after"')
    for key in ("truncate", "skip", "delay_ms", "status"):
        v = f.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
            raise ValueError('"%s" is a non-negative integer' % key)
    times = f.get("times", 1)
    if times is not None and (isinstance(times, bool) or not isinstance(times, int)):
        raise ValueError('"times" is an integer or null')
    if f.get("headers") is not None and not isinstance(f["headers"], dict):
        raise ValueError('"headers" is an object of header names and values')


def _dump_record(rec):
    out = {}
    for k, v in rec.items():
        out[k] = base64.b64encode(v).decode() if isinstance(v, bytes) else v
    return out


# ================================================================ main

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that went away (cancelled query, dropped connection) is
        # normal in these tests; anything else is an emulator bug worth a trace.
        if isinstance(sys.exc_info()[1], (ConnectionError, socket.timeout)):
            return
        super().handle_error(request, client_address)


HELP_EPILOG = """\
Salesforce surface (see the reference): POST /services/oauth2/token (client
credentials, form-encoded or HTTP Basic), GET /services/data/ (versions, no
token), /services/data/vNN.N/{sobjects,query,queryAll,limits,composite,jobs}/...
(Bearer token; each call counts against the daily allowance and carries
Sforce-Limit-Info: api-usage=N/M; a spent allowance answers 403
REQUEST_LIMIT_EXCEEDED).  A request URI over 16,384 bytes answers 414, URI and
headers together over that 431.  Responses of 1 KB or more are gzipped when
the client sends Accept-Encoding: gzip.  Default credentials: client id
emu-client-id, secret emu-client-secret.

Quirks (reference 4.2 marks these UNCONFIRMED; the default is its belief):
  ne-null-exclude: != and NOT IN (and NOT over a comparison) drop rows whose
                   field is null; by default they keep them
  desc-nulls-first: ORDER BY ... DESC without NULLS puts nulls first; by
                   default they come last (ASC always puts them first)

Control endpoints (loopback only, no token, never counted or logged):
  POST   /__emu/reset              back to the start-up data set; tokens, log,
                                   faults, locators, bulk jobs, limits and
                                   oauth switch reset; body {"dataset":"none"}
                                   picks another data set
  POST   /__emu/sobjects           define sObject(s) from describe-shaped JSON
  POST   /__emu/records/NAME       load a JSON array of records (IsDeleted
                                   allowed); returns their 18-char ids in order
  GET    /__emu/records/NAME       dump every record (deleted too)
  GET    /__emu/requests           request log since the last clear, token
                                   requests included: [{"method","path",
                                   "query" (decoded SOQL),"status" (0: dropped),
                                   "bytes","ms","headers","body","records",
                                   "uri_bytes","header_bytes" (as received),
                                   "fault" (null, "drop", "drop-after",
                                   "truncate", "status", "delay", "headers")}]
  DELETE /__emu/requests           clear the request log
  POST   /__emu/faults             arm faults: [{"method","path":regex,"status",
                                   "body","headers","content_type","delay_ms",
                                   "drop","truncate","times","skip"}] for the
                                   next `times` (default 1, null: all) matching
                                   requests, after letting the first `skip`
                                   (default 0) through; the regex is searched in
                                   the target, raw and percent-decoded.
                                   status: answer it instead of serving; a
                                     string body is sent raw as text/html (if it
                                     starts with '<') or text/plain unless
                                     content_type says otherwise; headers (e.g.
                                     Retry-After) are added to any answer
                                   delay_ms: wait before answering
                                   drop: true or "before": close the connection
                                     without carrying the request out; "after":
                                     carry it out (a write is applied), then
                                     close without answering
                                   truncate: N: send the full Content-Length but
                                     only the first N bytes of the body (as on
                                     the wire, after gzip), then close
  DELETE /__emu/faults             disarm every fault
  POST   /__emu/tokens/expire      every token becomes invalid
  POST   /__emu/tokens             mint a token without a logged token request
  POST   /__emu/limits             {"max":N,"used":N} API request allowance
  GET    /__emu/limits             the allowance: {"max":N,"used":N}
  POST   /__emu/oauth              {"run_as_user":false} breaks the token flow
  POST   /__emu/locators/expire    every query locator becomes invalid
  POST   /__emu/bulk               {"in_progress":S,"complete":S} Bulk job timing
  GET    /__emu/clock              the emulator's clock: {"now","offset_seconds"}
  POST   /__emu/clock              move it: {"advance_seconds":N}, {"now":iso}
                                   or {"offset_seconds":N}; stamps of writes and
                                   the replication windows follow it (reset: 0)
  POST   /__emu/undelete           {"ids":[...]} undelete from the Recycle Bin
                                   (IsDeleted false, new SystemModstamp, out of
                                   the delete log)
  POST   /__emu/replication        {"id_limit":N} ids per Get Updated/Deleted
                                   answer (600000); {"purge":"Obj","before":iso}
                                   empties its delete log up to then;
                                   {"empty_recycle_bin":"Obj"} hard-deletes its
                                   soft-deleted records (kept in the delete log)
"""


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="sfemu", description="Salesforce REST API emulator for salesforce_fdw tests. "
        "Prints 'listening on http://HOST:PORT' as its first line.",
        epilog=HELP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (0)")
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID, help="consumer key accepted (%s)" % DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET, help="consumer secret accepted (%s)" % DEFAULT_CLIENT_SECRET)
    parser.add_argument("--dataset", choices=("demo", "none"), default="demo",
                        help="data loaded at start and on reset (demo)")
    parser.add_argument("--latency-ms", type=int, default=0, metavar="N",
                        help="delay every Salesforce response by N ms (0)")
    parser.add_argument("--quirk", action="append", default=[], choices=QUIRKS,
                        help="SOQL behaviour switch, repeatable (see Quirks below)")
    parser.add_argument("--token-ttl", type=float, default=None, metavar="SECONDS",
                        help="access tokens expire after SECONDS (never)")
    parser.add_argument("--api-limit", type=int, default=DEFAULT_API_LIMIT,
                        help="daily API request allowance (%d)" % DEFAULT_API_LIMIT)
    args = parser.parse_args(argv)

    emu = Emulator(args.client_id, args.client_secret, args.dataset, args.latency_ms,
                   args.quirk, args.token_ttl, args.api_limit)
    server = Server((args.host, args.port), Handler)
    server.emu = emu
    host, port = server.server_address[:2]
    emu.base_url = "http://%s:%d" % (host if ":" not in host else "[%s]" % host, port)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stdout.write("listening on %s\n" % emu.base_url)
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0
