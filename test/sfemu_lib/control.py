"""The control API under /__emu/: how tests drive the emulated org.

Rules:
- Loopback clients only (checked by http_server.py); no token; a control
  request is neither counted against the API allowance nor logged.
- Reset, sObject definitions and record loads, the request log, fault rules,
  tokens, the allowance, the OAuth switch, locators, Bulk job timing and
  upload limit (bulk.py), the clock and the replication settings; --help of
  test/sfemu documents each endpoint.
- A fault rule is checked whole when armed (check_fault), so a typo fails the
  test that armed it instead of silently never matching; take_fault() is the
  one place rules are matched against requests.
"""

import base64
import re
import traceback
import urllib.parse

from . import bulk, replication, schema, values
from .messages import Reply, parse_json
from .values import FieldError


def serve(emu, method, path, body):
    """Answer one /__emu/ request; a malformed one answers 400 with
    {"error": ...}, an emulator bug 500 (its traceback on stderr)."""
    try:
        return Control(emu).route(method, path, body)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        return Reply(400, {"error": "%s: %s" % (type(e).__name__, e)})
    except Exception as e:
        traceback.print_exc()
        return Reply(500, {"error": "%s: %s" % (type(e).__name__, e)})


class Control:
    """The /__emu/ endpoints (see the --help text of test/sfemu)."""

    def __init__(self, emu):
        self.emu = emu

    def route(self, method, path, body):
        emu = self.emu
        seg = [urllib.parse.unquote(s) for s in path.strip("/").split("/")[1:]]
        data = parse_json(body) if body.strip() else None
        key = (method, seg[0] if seg else "")
        if key == ("POST", "reset"):
            emu.reset((data or {}).get("dataset"))
            bulk.set_durations({"reset": True})
            return Reply(200, {"ok": True})
        if key == ("POST", "sobjects"):
            describes = data if isinstance(data, list) else [data]
            names = []
            for d in describes:
                names.append(emu.store.define(schema.normalize_describe(d)).name)
                emu.changed_at[names[-1].lower()] = emu.now()
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
                check_fault(f)
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


def check_fault(f):
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


def take_fault(emu, method, target):
    """The first armed fault matching the request (its count decremented).
    The path regex is searched in the request target as sent and with its
    percent-encoding decoded (so it can name words of a SOQL query).  A
    fault with "skip": K lets its first K matching requests through (each
    decrements skip) before it starts to apply."""
    decoded = urllib.parse.unquote_plus(target)
    with emu.lock:
        for fault in emu.faults:
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


def _dump_record(rec):
    """A record as JSON for GET /__emu/records/NAME (blobs in base64)."""
    out = {}
    for k, v in rec.items():
        out[k] = base64.b64encode(v).decode() if isinstance(v, bytes) else v
    return out
