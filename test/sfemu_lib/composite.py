"""Many records a call: Composite, Composite Batch and sObject Collections
(/services/data/vNN.N/composite/...).

Rules:
- A subrequest runs through the same router as an HTTP request (rest.py's
  Api.route), with no token check; Composite counts once against the daily
  allowance, Composite Batch once per subrequest.
- At most 25 subrequests, 200 records a collection write, 2,000 ids a
  retrieve; Bulk API jobs and nested composites are refused as subrequests.
- All-or-none: a collection call through dml_items(all_or_none=True), a
  Composite request through one Emulator.transaction() (org.py).
"""

import re
import urllib.parse

from .messages import NOT_FOUND, VERSIONS, Ctx, Headers, Reply, check_method, error, parse_form
from .org import NO_SUCH_MATCH_KEY, is_match_key
from .store import json_dumps, to_id18

MAX_COLLECTION = 200
MAX_SUBREQUESTS = 25
EXCEEDED_ID_LIMIT = [{"message": "record limit reached. cannot submit more than 200 records "
                                 "into this call", "errorCode": "EXCEEDED_ID_LIMIT"}]
PROCESSING_HALTED = [{"errorCode": "PROCESSING_HALTED",
                      "message": "The transaction was rolled back since another operation in "
                                 "the same transaction failed."}]
BATCH_HALTED = [{"errorCode": "BATCH_PROCESSING_HALTED",
                 "message": "Batch processing halted per request"}]


class Composite:
    """The /composite resources of one request, over the API router."""

    def __init__(self, api):
        self.api = api
        self.emu = api.emu

    def route(self, ctx, seg):
        if not seg:
            bad = check_method(ctx.method, ("POST",))
            return bad or self.request(ctx)
        if seg == ["batch"]:
            bad = check_method(ctx.method, ("POST",))
            return bad or self.batch(ctx)
        if seg[0] == "sobjects":
            return self.collections(ctx, seg[1:])
        return Reply(404, NOT_FOUND)

    def collections(self, ctx, seg):
        emu = self.emu
        if not seg:
            bad = check_method(ctx.method, ("POST", "PATCH", "DELETE"))
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
            bad = check_method(ctx.method, ("PATCH",))
            if bad:
                return bad
            field = so.field(seg[1])
            if not is_match_key(field):
                return Reply(404, error("NOT_FOUND", NO_SUCH_MATCH_KEY % seg[1]))
            records, all_or_none, err = _collection_body(ctx.json())
            if err:
                return err
            return Reply(200, emu.dml_items([(so.name, "upsert", r) for r in records],
                                            all_or_none, ext_field=field["name"]))
        if len(seg) != 1:
            return Reply(404, NOT_FOUND)
        bad = check_method(ctx.method, ("GET", "POST"))
        if bad:
            return bad
        if ctx.method == "GET":
            ids = [i for i in (ctx.params.get("ids") or "").split(",") if i]
            fields, err = self.api.fields_param(ctx, so)
        else:
            body = ctx.json() or {}
            ids = body.get("ids") or []
            ctx.params["fields"] = ",".join(body.get("fields") or [])
            fields, err = self.api.fields_param(ctx, so)
        if err:
            return err
        if not fields:
            return Reply(400, error("MISSING_ARGUMENT", "fields parameter is required"))
        limit = 2000       # up to 2,000 ids (GET: the URI limit comes first)
        if len(ids) > limit:
            return Reply(400, EXCEEDED_ID_LIMIT)
        out = []
        for rid in ids:
            full = to_id18(rid)
            rso, rec = emu.store.get_record(full) if full else (None, None)
            if rec is None or rso is not so or rec.get("IsDeleted"):
                out.append(None)
            else:
                out.append(self.api.record_json(ctx, so, rec, fields))
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
        params = parse_form(parts.query)
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
        return self.api.route(sub)

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

    def batch(self, ctx):
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

    def request(self, ctx):
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
