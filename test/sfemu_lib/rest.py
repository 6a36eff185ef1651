"""The Salesforce REST API: the token endpoint's door, versions, and the
resources below /services/data/vNN.N/ (sObjects, query, limits; composite
and Bulk API 2.0 jobs handed on).

Rules:
- Salesforce's documented behaviour wins: status codes, JSON shapes and error
  bodies are Salesforce's; where it is unconfirmed the comment says so.
- serve() authenticates and counts a request once; Api.route() dispatches it
  (the many-record resources below /composite are composite.py's).
- Every write goes through Emulator.dml()/dml_items() (org.py); query pages
  after the first come from the locator's stored result (org.py).
- Takes plain values (method, path, params, headers, body), never a socket.
"""

import email.utils
import re
import urllib.parse

from . import composite, oauth, schema, soql
from .messages import NOT_FOUND, VERSIONS, Ctx, Reply, check_method, error
from .org import NO_SUCH_MATCH_KEY, is_match_key
from .store import UTC, to_id18
from .values import FieldError

INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
LIMIT_EXCEEDED = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
INVALID_LOCATOR = [{"errorCode": "INVALID_QUERY_LOCATOR", "message": "invalid query locator"}]
NOT_AN_OBJECT = [{"message": "The request body must be a JSON object",
                  "errorCode": "JSON_PARSER_ERROR"}]


def version_label(version):
    """Release name of an API version: 31.0 is Summer '14, 66.0 Spring '26."""
    k, r = divmod(int(float(version)) - 31, 3)
    season, year = (("Summer", 14 + k), ("Winter", 15 + k), ("Spring", 15 + k))[r]
    return "%s '%02d" % (season, year)


def serve(emu, method, path, params, headers, body):
    """The Salesforce surface for one request: the token endpoint, the version
    list, and the API resources below /services/data/vNN.N/ behind the Bearer
    token and the daily allowance.  headers: case-insensitive .get()."""
    if path == "/services/oauth2/token":
        return check_method(method, ("POST",)) or oauth.token(emu, headers, body)
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
    auth = headers.get("Authorization") or ""
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
    if not token or not emu.token_valid(token):
        return Reply(401, INVALID_SESSION)
    with emu.lock:
        if emu.api_used >= emu.api_max:
            return Reply(403, LIMIT_EXCEEDED, headers=_limit_header(emu))
        emu.api_used += 1
    if emu._bulk is not None:
        # Ingest jobs whose time has come write their rows before any
        # API request reads (bulk.py computes job states lazily).
        emu._bulk.advance()
    segments = [urllib.parse.unquote(s) for s in rest.split("/")]
    ctx = Ctx(method, segments, params, headers, body, version)
    reply = Api(emu).route(ctx)
    reply.headers.update(_limit_header(emu))
    return reply


def _limit_header(emu):
    with emu.lock:
        return {"Sforce-Limit-Info": "api-usage=%d/%d" % (emu.api_used, emu.api_max)}


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
                return composite.Composite(self).route(ctx, seg[1:])
            if head == "jobs":
                return self.jobs(ctx)
        except ValueError as e:
            return Reply(400, error("JSON_PARSER_ERROR", "Unexpected character in request body: %s" % e))
        return Reply(404, NOT_FOUND)

    # ---------------------------------------------------------- describe

    def sobjects(self, ctx, seg):
        emu = self.emu
        store = emu.store
        if not seg:
            bad = check_method(ctx.method, ("GET",))
            if bad:
                return bad
            if self._not_modified(ctx, store.sobjects):
                return Reply(304)
            describes = [so.describe for so in store.sobjects.values()]
            return Reply(200, schema.global_describe(describes, ctx.version))
        so = store.get_sobject(seg[0])
        if so is None:
            return Reply(404, NOT_FOUND)
        if len(seg) == 1:
            if ctx.method == "POST":
                return self.create(ctx, so)
            bad = check_method(ctx.method, ("GET", "POST"))
            if bad:
                return bad
            entry = schema.describe_for_version(schema.global_entry(so.describe), ctx.version)
            return Reply(200, {"objectDescribe": entry, "recentItems": []})
        if len(seg) == 2 and seg[1] == "describe":
            bad = check_method(ctx.method, ("GET",))
            if bad:
                return bad
            if self._not_modified(ctx, [so.name.lower()]):
                return Reply(304)
            return Reply(200, schema.describe_for_version(so.describe, ctx.version))
        if len(seg) in (2, 3) and seg[1] in ("updated", "deleted") and seg[2:] in ([], [""]):
            return self.replicated(ctx, so, seg[1])
        if len(seg) == 2 and seg[1] == "Id" and ctx.method == "POST":
            return self.create(ctx, so)         # upsert by Id without a value creates
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
        bad = check_method(ctx.method, ("GET",))
        if bad:
            return bad
        status, body = self.emu.replication.serve(ctx, so, kind)
        return Reply(status, body)

    def _not_modified(self, ctx, names):
        """If-Modified-Since on describes: True when no named
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

    # ---------------------------------------------------------- rows

    def create(self, ctx, so):
        body = ctx.json()
        if not isinstance(body, dict):
            return Reply(400, NOT_AN_OBJECT)
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
            # A path segment that is no id is read as an external id.
            return None, Reply(404, error("NOT_FOUND", NO_SUCH_MATCH_KEY % rid))
        rso, rec = self.emu.store.get_record(full)
        if rec is None or rso is not so:
            return None, Reply(404, NOT_FOUND)
        if rec.get("IsDeleted"):
            return None, Reply(404, error("ENTITY_IS_DELETED", "entity is deleted", []))
        return rec, None

    def fields_param(self, ctx, so):
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

    def record_json(self, ctx, so, rec, fields):
        return soql.record_json(so, rec, self.emu.store, fields=fields, api_version=ctx.version)

    def row(self, ctx, so, rid):
        bad = check_method(ctx.method, ("GET", "PATCH", "DELETE", "HEAD"))
        if bad:
            return bad
        rec, err = self._find_row(so, rid)
        if err:
            return err
        if ctx.method in ("GET", "HEAD"):
            fields, err = self.fields_param(ctx, so)
            if err:
                return err
            return Reply(200, self.record_json(ctx, so, rec, fields))
        if ctx.method == "DELETE":
            res = self.emu.dml(so.name, "delete", [{"Id": rec["Id"]}])[0]
        else:
            body = ctx.json()
            if not isinstance(body, dict):
                return Reply(400, NOT_AN_OBJECT)
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
        bad = check_method(ctx.method, ("GET", "PATCH", "DELETE", "POST"))
        if bad:
            return bad
        field = so.field(field_name)
        if not is_match_key(field):
            return Reply(404, error("NOT_FOUND", NO_SUCH_MATCH_KEY % field_name))
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
            fields, err = self.fields_param(ctx, so)
            if err:
                return err
            return Reply(200, self.record_json(ctx, so, matches[0], fields))
        if ctx.method == "DELETE":
            if not matches:
                return Reply(404, NOT_FOUND)
            res = self.emu.dml(so.name, "delete", [{"Id": matches[0]["Id"]}])[0]
            if not res["success"]:
                return Reply(_dml_status(res), _rest_errors(res))
            return Reply(204)
        body = ctx.json()
        if not isinstance(body, dict):
            return Reply(400, NOT_AN_OBJECT)
        if ctx.params.get("updateOnly") == "true" and not matches:
            return Reply(404, NOT_FOUND)
        row = {k: v for k, v in body.items() if k.lower() != field["name"].lower()}
        row[field["name"]] = value
        res = self.emu.dml(so.name, "upsert", [row], ext_field=field["name"])[0]
        if not res["success"]:
            return Reply(_dml_status(res), _rest_errors(res))
        # v46.0+ answers 201 created:true / 200 created:false.
        return Reply(201 if res["created"] else 200,
                     {"id": res["id"], "success": True, "errors": [], "created": res["created"]})

    # ---------------------------------------------------------- query

    def query(self, ctx, query_all):
        bad = check_method(ctx.method, ("GET",))
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
        bad = check_method(ctx.method, ("GET",))
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
        bad = check_method(ctx.method, ("GET",))
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
        bad = check_method(ctx.method, ("GET",))
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

    # ---------------------------------------------------------- bulk

    def jobs(self, ctx):
        status, headers, data = self.emu.bulk.handle(ctx.method, "/" + "/".join(ctx.segments), ctx.params,
                                           ctx.headers, ctx.body, ctx.version)
        headers = dict(headers or {})
        ctype = headers.pop("Content-Type", None) or headers.pop("content-type", None)
        if isinstance(data, str):
            data = data.encode("utf-8")
        return Reply(status, raw=data or b"", headers=headers,
                     content_type=ctype or ("application/json;charset=UTF-8" if data else None))


def _batch_size(header):
    """batchSize of a Sforce-Query-Options header, clamped to 200..2000."""
    size = 2000
    if header:
        m = re.search(r"batchSize\s*=\s*(\d+)", header)
        if m:
            size = min(max(int(m.group(1)), 200), 2000)
    return size
