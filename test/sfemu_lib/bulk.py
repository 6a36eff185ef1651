"""Bulk API 2.0: query jobs and ingest jobs (reference section 9).

The server routes /services/data/vNN.N/jobs/... here after authenticating
and counting the call:

    status, headers, body = BulkApi(emu).handle(method, subpath, params,
                                                headers, body, api_version)

Design rules kept here:
- Jobs move through their states over time, as Salesforce's do, never
  instantly: a query job is UploadComplete when created, InProgress after
  DURATIONS["in_progress"] seconds and JobComplete after
  DURATIONS["complete"]; an ingest job does the same counted from its
  UploadComplete.  The state is computed lazily from timestamps on every
  request (no threads); `advance()` lets the server settle due jobs before
  any request so REST readers see ingested data without a poll.  Tests
  shorten the durations by assigning to DURATIONS.
- A query job's SOQL is validated and evaluated when the job is created
  (invalid SOQL fails the create with the SOQL engine's error); the rows are
  served once the job is JobComplete.  Ingest rows are written through
  emu.dml() (REST-identical semantics) when the job reaches JobComplete.
- CSV output follows section 9.1: header = select paths in SELECT order,
  every value double-quoted, nulls empty, datetimes "....000Z", numbers of
  double/currency/percent fields as Java prints doubles ("23.0", "1.5E7"),
  booleans true/false.  Results are paged with maxRecords and opaque
  locators (base64 of the next offset, like Salesforce's "MTAwMDA"), the
  literal string "null" ending the chain.
- Error bodies are JSON arrays of {errorCode, message}.  Where Salesforce's
  exact code or wording is not documented the choice is marked UNCONFIRMED.
"""

import base64
import csv
import decimal
import datetime
import email.parser
import email.policy
import io
import json
import re
import threading
import time

from . import soql
from .store import format_time, make_id, _decimal_text, UTC

# Seconds from the start of processing to InProgress / JobComplete.
DURATIONS = {"in_progress": 0.3, "complete": 1.0}
DEFAULT_DURATIONS = dict(DURATIONS)
# Rows per results chunk when the client gives no maxRecords (Salesforce
# picks its own size; any value works for clients that follow the locator).
DEFAULT_MAX_RECORDS = 10000
# Rows handed to emu.dml() at a time (Salesforce processes ingest data in
# chunks of 200 records for triggers).
DML_CHUNK = 200
# Largest CSV accepted inside a multipart job-creation request.
MULTIPART_MAX_CHARS = 100000
# An ingest job's uploads may total at most 150 MB once base64-encoded (as
# Salesforce stores them); /__emu/bulk {"upload_max_bytes": N} lowers it.
DEFAULT_UPLOAD_MAX_BYTES = 150 * 1000 * 1000
UPLOAD_LIMIT = {"upload_max_bytes": DEFAULT_UPLOAD_MAX_BYTES}

DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";",
              "CARET": "^", "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
QUERY_OPERATIONS = ("query", "queryAll")
INGEST_OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
TERMINAL = ("JobComplete", "Failed", "Aborted")
NUMBER_TYPES = ("double", "currency", "percent")

NOT_FOUND = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]


def set_durations(spec):
    """The /__emu/bulk control: set the seconds until InProgress and
    JobComplete ({"in_progress": S, "complete": S}) and perhaps an ingest
    job's upload limit ({"upload_max_bytes": N}); {"reset": true} restores
    the defaults.  Returns (status, body)."""
    if not isinstance(spec, dict):
        return 400, {"error": "expected a JSON object"}
    if spec.get("reset"):
        DURATIONS.update(DEFAULT_DURATIONS)
        UPLOAD_LIMIT["upload_max_bytes"] = DEFAULT_UPLOAD_MAX_BYTES
    if "upload_max_bytes" in spec:
        value = spec["upload_max_bytes"]
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            return 400, {"error": "upload_max_bytes must be a positive integer"}
    new = dict(DURATIONS)
    for key in ("in_progress", "complete"):
        if key in spec:
            try:
                new[key] = float(spec[key])
            except (TypeError, ValueError):
                return 400, {"error": "%s must be a number of seconds" % key}
            if new[key] < 0:
                return 400, {"error": "%s must not be negative" % key}
    if new["in_progress"] > new["complete"]:
        return 400, {"error": "in_progress must not come after complete"}
    DURATIONS.update(new)
    if "upload_max_bytes" in spec:
        UPLOAD_LIMIT["upload_max_bytes"] = spec["upload_max_bytes"]
        return 200, dict(DURATIONS, **UPLOAD_LIMIT)
    return 200, dict(DURATIONS)


def _base64_size(nbytes):
    """Bytes of the base64 form of nbytes bytes."""
    return (nbytes + 2) // 3 * 4


def _error(code, message):
    return [{"errorCode": code, "message": message}]


def _json(status, body):
    return (status, {"Content-Type": "application/json;charset=UTF-8"},
            _dumps(body).encode("utf-8"))


def _dumps(obj):
    from .store import json_dumps
    return json_dumps(obj)


def encode_locator(offset):
    """Opaque locator for a row offset: base64 of its decimal text, no padding."""
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def decode_locator(loc):
    """Row offset of a locator, or None when it is not one of ours."""
    if not isinstance(loc, str) or not re.fullmatch(r"[A-Za-z0-9+/]+", loc):
        return None
    try:
        text = base64.b64decode(loc + "=" * (-len(loc) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not text.isdigit():
        return None
    return int(text)


def _strip_literals(text):
    """SOQL text with the content of string literals blanked, so keyword
    checks cannot match inside a literal."""
    out = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "'":
            out.append("'")
            i += 1
            while i < n and text[i] != "'":
                if text[i] == "\\":
                    i += 1
                out.append(" ")
                i += 1
            out.append("'")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _top_level_select_list(text):
    """The SELECT list of the outer query (text between SELECT and the FROM
    at parenthesis depth 0), or None."""
    m = re.match(r"\s*SELECT\b", text, re.I)
    if not m:
        return None
    depth = 0
    i = m.end()
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and re.match(r"FROM\b", text[i:i + 5], re.I) and \
                not (text[i - 1].isalnum() or text[i - 1] == "_"):
            return text[m.end():i]
        i += 1
    return None


def unsupported_reason(query):
    """(errorCode, message) when the SOQL uses something Bulk API 2.0 does
    not support (GROUP BY, OFFSET, TYPEOF, aggregates including COUNT(),
    FIELDS(), parent-to-child subqueries), else None.  Compound fields are
    detected after resolution (see _check_compound)."""
    bare = _strip_literals(query)
    select_list = _top_level_select_list(bare) or ""
    # The error codes and texts below are UNCONFIRMED except the subquery
    # one, which clients have reported verbatim; Salesforce reports these
    # with errorCode API_ERROR as it does for compound fields.
    if re.search(r"\(\s*SELECT\b", select_list, re.I):
        return ("API_ERROR", "Aggregate Relationships not supported in Bulk V2 Query "
                             "with CSV content type.")
    if re.search(r"\bFIELDS\s*\(", select_list, re.I):
        return ("API_ERROR", "FIELDS() is not supported by Bulk API 2.0 queries.")
    if re.search(r"\b(COUNT|COUNT_DISTINCT|SUM|AVG|MIN|MAX)\s*\(", select_list, re.I):
        return ("API_ERROR", "Aggregate queries are not supported by Bulk API 2.0.")
    if re.search(r"\bTYPEOF\b", select_list, re.I):
        return ("API_ERROR", "TYPEOF is not supported by Bulk API 2.0 queries.")
    if re.search(r"\bGROUP\s+BY\b", bare, re.I):
        return ("API_ERROR", "GROUP BY is not supported by Bulk API 2.0 queries.")
    if re.search(r"\bOFFSET\b", bare, re.I):
        return ("API_ERROR", "OFFSET is not supported by Bulk API 2.0 queries.")
    return None


def _header(headers, name):
    """A request header by name, whatever the mapping's key casing."""
    if not headers:
        return None
    value = headers.get(name)
    if value is None:
        for k, v in headers.items():
            if k.lower() == name.lower():
                return v
    return value


def _get_ci(d, key):
    """d[key] matched case-insensitively (records use canonical casing)."""
    if key in d:
        return d[key]
    low = key.lower()
    for k, v in d.items():
        if k.lower() == low:
            return v
    return None


class Job:
    """One Bulk API 2.0 job; times are time.monotonic() seconds."""

    def __init__(self, kind, job_id, info, api_version):
        self.kind = kind                    # "query" or "ingest"
        self.id = job_id
        self.info = info                    # static part of the job info
        self.api_version = api_version
        self.state = "UploadComplete" if kind == "query" else "Open"
        self.started = time.monotonic() if kind == "query" else None
        self.finished = None
        self.error_message = None
        # query jobs
        self.columns = []
        self.rows = []                      # list of lists of rendered strings (None = null)
        # ingest jobs
        self.uploads = []                   # raw CSV texts
        self.header = None
        self.data_rows = []                 # list of lists of strings as uploaded
        self.successes = []                 # (id, created, row)
        self.failures = []                  # (id, error text, row)
        self.unprocessed = []               # rows
        self.processed = False


class BulkApi:
    """Bulk API 2.0 endpoints over an emulator (`emu.store`, `emu.dml`, ...)."""

    def __init__(self, emu):
        self.emu = emu
        self.jobs = {}
        self.lock = threading.RLock()
        self.serial = 0

    # ------------------------------------------------------------ routing

    def handle(self, method, subpath, params, headers, body, api_version):
        """Serve one request whose path below /services/data/vNN.N is `subpath`
        (starting with /jobs/).  Returns (status, headers, body bytes)."""
        params = params or {}
        body = body or b""
        parts = [p for p in subpath.split("/") if p]
        if not parts or parts[0] != "jobs" or len(parts) < 2:
            return _json(404, NOT_FOUND)
        kind = parts[1]
        if kind not in ("query", "ingest"):
            return _json(404, NOT_FOUND)
        with self.lock:
            self.advance()
            if len(parts) == 2:
                if method == "POST":
                    ctype = _header(headers, "Content-Type") or ""
                    if kind == "ingest" and ctype.lower().startswith("multipart/"):
                        return self.create_multipart(body, ctype, api_version)
                    return self.create(kind, body, api_version)
                if method == "GET":
                    return self.list_jobs(kind, params)
                return _json(405, _error("METHOD_NOT_ALLOWED",
                                         "HTTP Method '%s' not allowed. Allowed are GET,POST" % method))
            job = self.jobs.get(parts[2])
            if job is None or job.kind != kind:
                return _json(404, NOT_FOUND)
            rest = parts[3:]
            if not rest:
                if method == "GET":
                    return _json(200, self.job_info(job))
                if method == "PATCH":
                    return self.change_state(job, body)
                if method == "DELETE":
                    return self.delete(job)
                return _json(405, _error("METHOD_NOT_ALLOWED",
                                         "HTTP Method '%s' not allowed. Allowed are GET,PATCH,DELETE"
                                         % method))
            if len(rest) == 1 and kind == "query" and rest[0] == "results" and method == "GET":
                return self.query_results(job, params, api_version)
            if len(rest) == 1 and kind == "ingest" and rest[0] == "batches" and method == "PUT":
                return self.upload(job, body, headers)
            if len(rest) == 1 and kind == "ingest" and method == "GET" and rest[0] in (
                    "successfulResults", "failedResults", "unprocessedrecords"):
                return self.ingest_results(job, rest[0])
            return _json(404, NOT_FOUND)

    # ------------------------------------------------------------ states

    def advance(self):
        """Bring every job's state up to date with the clock; ingest jobs
        whose processing time has come write their rows now."""
        with self.lock:
            for job in list(self.jobs.values()):
                self._update(job)

    def _update(self, job):
        if job.started is None or job.state in TERMINAL:
            return
        elapsed = time.monotonic() - job.started
        if elapsed >= DURATIONS["complete"]:
            if job.kind == "ingest":
                self._process_ingest(job)
            if job.state not in TERMINAL:
                job.state = "JobComplete"
            job.finished = job.started + DURATIONS["complete"]
        elif elapsed >= DURATIONS["in_progress"]:
            job.state = "InProgress"

    def job_info(self, job):
        info = dict(job.info)
        info["state"] = job.state
        if job.kind == "query":
            done = job.state == "JobComplete"
            out = {k: info[k] for k in ("id", "operation", "object", "createdById", "createdDate",
                                        "systemModstamp", "state", "concurrencyMode",
                                        "contentType", "apiVersion")}
            out["jobType"] = "V2Query"
            out["lineEnding"] = info["lineEnding"]
            out["columnDelimiter"] = info["columnDelimiter"]
            out["numberRecordsProcessed"] = len(job.rows) if done else 0
            out["retries"] = 0
            out["totalProcessingTime"] = self._processing_ms(job)
            out["isPkChunkingSupported"] = True
            if job.state == "Failed":
                out["errorMessage"] = job.error_message
            return out
        out = {k: info[k] for k in ("id", "operation", "object", "createdById", "createdDate",
                                    "systemModstamp", "state")}
        if "externalIdFieldName" in info:
            out["externalIdFieldName"] = info["externalIdFieldName"]
        out.update({
            "concurrencyMode": "Parallel", "contentType": "CSV",
            "apiVersion": info["apiVersion"], "jobType": "V2Ingest",
            "contentUrl": info["contentUrl"], "lineEnding": info["lineEnding"],
            "columnDelimiter": info["columnDelimiter"],
            "numberRecordsProcessed": len(job.successes) + len(job.failures),
            "numberRecordsFailed": len(job.failures),
            "retries": 0,
            "totalProcessingTime": self._processing_ms(job),
            "apiActiveProcessingTime": self._processing_ms(job),
            "apexProcessingTime": 0,
        })
        if job.state == "Failed":
            out["errorMessage"] = job.error_message
        return out

    @staticmethod
    def _processing_ms(job):
        if job.started is None:
            return 0
        end = job.finished if job.finished is not None else time.monotonic()
        return max(0, int((end - job.started) * 1000))

    def _new_job(self, kind, info, api_version):
        self.serial += 1
        job_id = make_id("750", self.serial, pod="EM0")
        now = self.emu.now()
        stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
            "%03d+0000" % (now.microsecond // 1000)
        base = {"id": job_id, "operation": info["operation"], "object": info["object"],
                "createdById": self._user_id(), "createdDate": stamp,
                "systemModstamp": stamp, "state": None,
                "concurrencyMode": "Parallel", "contentType": "CSV",
                "apiVersion": decimal.Decimal(api_version)}
        for k, v in info.items():
            if k not in base:
                base[k] = v
        job = Job(kind, job_id, base, api_version)
        self.jobs[job_id] = job
        return job

    def _user_id(self):
        uid = getattr(self.emu, "user_id", None)
        if uid:
            return uid
        users = self.emu.store.get_sobject("User")
        if users is not None and users.records:
            return users.records[0]["Id"]
        return make_id("005", 1)

    # ------------------------------------------------------------ create

    def create(self, kind, body, api_version):
        try:
            spec = json.loads(body.decode("utf-8")) if body.strip() else None
        except (ValueError, UnicodeDecodeError) as e:
            return _json(400, _error("JSON_PARSER_ERROR", "Unexpected character: %s" % e))
        if not isinstance(spec, dict):
            return _json(400, _error("JSON_PARSER_ERROR", "The request body must be a JSON object"))
        delim = spec.get("columnDelimiter") or "COMMA"
        ending = spec.get("lineEnding") or "LF"
        ctype = spec.get("contentType") or "CSV"
        # Wording of these validation errors is UNCONFIRMED.
        if delim not in DELIMITERS:
            return _json(400, _error("INVALIDJOB", "Invalid column delimiter: %s" % delim))
        if ending not in LINE_ENDINGS:
            return _json(400, _error("INVALIDJOB", "Invalid line ending: %s" % ending))
        if ctype != "CSV":
            return _json(400, _error("INVALIDJOB", "Invalid content type: %s" % ctype))
        if kind == "query":
            return self._create_query(spec, delim, ending, api_version)
        return self._create_ingest(spec, delim, ending, api_version)

    def create_multipart(self, body, content_type, api_version):
        """Create an ingest job and upload its data in one multipart/form-data
        request (parts "job": JSON, "content": CSV); the job starts in
        UploadComplete.  Salesforce allows this for small data sets only
        (documented as under 100,000 characters)."""
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
        parts = {}
        if msg.is_multipart():
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name:
                    parts[name] = part.get_payload(decode=True) or b""
        if "job" not in parts:
            # Wording UNCONFIRMED.
            return _json(400, _error("INVALIDJOB", "Multipart request must contain a job part"))
        content = parts.get("content", b"")
        if len(content.decode("utf-8", "replace")) > MULTIPART_MAX_CHARS:
            return _json(400, _error("INVALIDJOB", "The content part of a multipart request "
                                                   "must be under %d characters" % MULTIPART_MAX_CHARS))
        status, headers, out = self.create("ingest", parts["job"], api_version)
        if status != 200:
            return status, headers, out
        job = self.jobs[json.loads(out)["id"]]
        if content:
            job.uploads.append(content.decode("utf-8", "replace"))
        job.state = "UploadComplete"
        job.started = time.monotonic()
        return _json(200, self._state_reply(job))

    def _create_query(self, spec, delim, ending, api_version):
        operation = spec.get("operation")
        query = spec.get("query")
        if operation not in QUERY_OPERATIONS:
            return _json(400, _error("INVALIDJOB", "Invalid operation: %s" % operation))
        if not isinstance(query, str) or not query.strip():
            return _json(400, _error("INVALIDJOB", "Query is required"))
        bad = unsupported_reason(query)
        if bad:
            return _json(400, _error(*bad))
        try:
            result = soql.execute(self.emu.store, query, query_all=operation == "queryAll",
                                  api_version=api_version, quirks=self.emu.quirks,
                                  now=self.emu.now())
        except soql.SoqlError as e:
            return _json(getattr(e, "status", 400) or 400, _error(e.error_code, e.message))
        if result.is_aggregate or result.count_only:
            return _json(400, _error("API_ERROR", "Aggregate queries are not supported by "
                                                  "Bulk API 2.0."))
        columns = list(result.columns)
        types = self._column_types(result.sobject, columns)
        if any(t in ("address", "location") for t in types):
            # Reported verbatim by several clients.
            return _json(400, _error("API_ERROR",
                                     "Selecting compound data not supported in Bulk Query"))
        job = self._new_job("query", {"operation": operation, "object": result.sobject,
                                      "lineEnding": ending, "columnDelimiter": delim},
                            api_version)
        job.info["query"] = query
        job.columns = columns
        job.rows = [[self._render(_path_value(rec, col), t) for col, t in zip(columns, types)]
                    for rec in result.records]
        job.state = "UploadComplete"
        info = self.job_info(job)
        created = {k: info[k] for k in ("id", "operation", "object", "createdById", "createdDate",
                                        "systemModstamp", "state", "concurrencyMode",
                                        "contentType", "apiVersion", "lineEnding",
                                        "columnDelimiter")}
        return _json(200, created)

    def _column_types(self, sobject, columns):
        """The describe type of each select path (None when unknown)."""
        store = self.emu.store
        out = []
        for col in columns:
            so = store.get_sobject(sobject)
            parts = col.split(".")
            ftype = None
            for i, part in enumerate(parts):
                if so is None:
                    break
                if i == len(parts) - 1:
                    f = so.field(part)
                    ftype = f["type"] if f else None
                else:
                    ref = so.relationship(part)
                    if ref is None and i == 0 and part.lower() == sobject.lower():
                        continue        # "Account.Name" with the object's own name/alias
                    targets = (ref or {}).get("referenceTo") or []
                    so = store.get_sobject(targets[0]) if targets else None
            out.append(ftype)
        return out

    @staticmethod
    def _render(value, ftype):
        """One query value as Bulk API CSV text; None for null."""
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, datetime.datetime):
            v = value.astimezone(UTC)
            return v.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (v.microsecond // 1000)
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, datetime.time):
            return format_time(value)
        if isinstance(value, decimal.Decimal):
            if ftype in ("int", "long") and value == value.to_integral_value():
                return str(int(value))
            return _decimal_text(value)
        if isinstance(value, float):
            if ftype in ("int", "long") and value.is_integer():
                return str(int(value))
            return _decimal_text(decimal.Decimal(repr(value)))
        if isinstance(value, int):
            if ftype in NUMBER_TYPES:
                return _decimal_text(decimal.Decimal(value))
            return str(value)
        if isinstance(value, str):
            if ftype == "datetime" and value.endswith("+0000"):
                return value[:-5] + "Z"
            return value
        if isinstance(value, (dict, list)):
            return _dumps(value)
        return str(value)

    def _create_ingest(self, spec, delim, ending, api_version):
        operation = spec.get("operation")
        obj = spec.get("object")
        # Error codes and wording of ingest job validation: UNCONFIRMED
        # (INVALIDJOB mirrors the Bulk API's InvalidJob exception code).
        if operation not in INGEST_OPERATIONS:
            return _json(400, _error("INVALIDJOB", "Invalid operation: %s" % operation))
        if not isinstance(obj, str) or not obj:
            return _json(400, _error("INVALIDJOB", "Object is required"))
        so = self.emu.store.get_sobject(obj)
        if so is None:
            return _json(400, _error("INVALIDJOB", "Unable to find object: %s" % obj))
        info = {"operation": operation, "object": so.name,
                "lineEnding": ending, "columnDelimiter": delim}
        if operation == "upsert":
            ext = spec.get("externalIdFieldName")
            if not ext:
                return _json(400, _error("INVALIDJOB",
                                         "External ID field name is required for upsert"))
            field = so.field(ext)
            if field is None or not (field.get("externalId") or field["name"] == "Id"
                                     or field.get("idLookup")):
                return _json(400, _error("INVALIDJOB", "Invalid external ID field: %s" % ext))
            info["externalIdFieldName"] = field["name"]
        job = self._new_job("ingest", info, api_version)
        job.info["contentUrl"] = "services/data/v%s/jobs/ingest/%s/batches" % (api_version, job.id)
        info = self.job_info(job)
        keys = ["id", "operation", "object", "createdById", "createdDate", "systemModstamp",
                "state"]
        if "externalIdFieldName" in info:
            keys.append("externalIdFieldName")
        keys += ["concurrencyMode", "contentType", "apiVersion", "contentUrl", "lineEnding",
                 "columnDelimiter"]
        return _json(200, {k: info[k] for k in keys})

    # ------------------------------------------------------------ list, patch, delete

    def list_jobs(self, kind, params):
        records = []
        for job in self.jobs.values():
            if job.kind != kind:
                continue
            info = self.job_info(job)
            if params.get("jobType") and info["jobType"] != params["jobType"]:
                continue
            keys = ["id", "operation", "object", "createdById", "createdDate", "systemModstamp",
                    "state", "concurrencyMode", "contentType", "apiVersion", "jobType",
                    "lineEnding", "columnDelimiter"]
            if kind == "ingest":
                keys.insert(keys.index("lineEnding"), "contentUrl")
            records.append({k: info[k] for k in keys})
        return _json(200, {"done": True, "records": records, "nextRecordsUrl": None})

    def change_state(self, job, body):
        try:
            spec = json.loads(body.decode("utf-8")) if body.strip() else {}
        except (ValueError, UnicodeDecodeError) as e:
            return _json(400, _error("JSON_PARSER_ERROR", "Unexpected character: %s" % e))
        target = spec.get("state") if isinstance(spec, dict) else None
        # Codes and wording for refused transitions are UNCONFIRMED.
        if target == "Aborted":
            if job.state in TERMINAL:
                return _json(400, _error("INVALIDJOBSTATE",
                                         "Job is already in a terminal state: %s" % job.state))
            if job.kind == "ingest" and not job.processed:
                self._parse_uploads(job, quiet=True)
            if job.kind == "ingest" and not job.processed:
                job.unprocessed = list(job.data_rows)
            job.state = "Aborted"
            job.finished = time.monotonic()
            return _json(200, self._state_reply(job))
        if target == "UploadComplete" and job.kind == "ingest":
            if job.state != "Open":
                return _json(400, _error("INVALIDJOBSTATE",
                                         "Job is not open: current state is %s" % job.state))
            job.state = "UploadComplete"
            job.started = time.monotonic()
            return _json(200, self._state_reply(job))
        return _json(400, _error("INVALIDJOBSTATE", "Invalid job state transition: %s" % target))

    def _state_reply(self, job):
        info = self.job_info(job)
        keys = ["id", "operation", "object", "createdById", "createdDate", "systemModstamp",
                "state"]
        if "externalIdFieldName" in info:
            keys.append("externalIdFieldName")
        keys += ["concurrencyMode", "contentType", "apiVersion"]
        if job.kind == "ingest":
            keys.append("contentUrl")
        keys += ["lineEnding", "columnDelimiter"]
        return {k: info[k] for k in keys}

    def delete(self, job):
        # Salesforce deletes only jobs that are no longer running
        # (UploadComplete, JobComplete, Aborted, Failed); code UNCONFIRMED.
        if job.state in ("Open", "InProgress"):
            return _json(400, _error("INVALIDJOBSTATE",
                                     "Job cannot be deleted in state %s" % job.state))
        del self.jobs[job.id]
        return 204, {}, b""

    # ------------------------------------------------------------ query results

    def query_results(self, job, params, api_version):
        if api_version != job.api_version:
            # Documented as a 409; the body's code is UNCONFIRMED.
            return _json(409, _error("INVALIDJOB", "Use the API version the job was created "
                                                   "with (%s) to get its results" % job.api_version))
        if job.state != "JobComplete":
            status = {"UploadComplete": "UPLOAD_COMPLETE", "InProgress": "IN_PROGRESS",
                      "Aborted": "ABORTED", "Failed": "FAILED"}.get(job.state, job.state.upper())
            # Status 412 as an older document shows it (UNCONFIRMED).
            return _json(412, _error("JOB_NOT_COMPLETE",
                                     "can only download query results of successfully completed "
                                     "bulk job with status: JOB_COMPLETE. Current status: %s" % status))
        offset = 0
        if params.get("locator"):
            offset = decode_locator(params["locator"])
            if offset is None or offset > len(job.rows):
                return _json(400, _error("INVALID_LOCATOR", "Invalid locator: %s" % params["locator"]))
        size = DEFAULT_MAX_RECORDS
        if params.get("maxRecords") not in (None, ""):
            text = str(params["maxRecords"])
            if not text.isdigit() or int(text) <= 0:
                return _json(400, _error("INVALIDREQUEST",
                                         "maxRecords must be a positive integer: %s" % text))
            size = int(text)
        chunk = job.rows[offset:offset + size]
        nxt = offset + len(chunk)
        locator = encode_locator(nxt) if nxt < len(job.rows) else "null"
        body = self._csv(job, job.columns, chunk)
        return (200, {"Content-Type": "text/csv",
                      "Sforce-NumberOfRecords": str(len(chunk)),
                      "Sforce-Locator": locator}, body)

    def _csv(self, job, header, rows):
        delim = DELIMITERS[job.info["columnDelimiter"]]
        eol = LINE_ENDINGS[job.info["lineEnding"]]
        out = []

        def q(v):
            if v is None:
                return ""
            return '"' + v.replace('"', '""') + '"'
        out.append(delim.join(q(h) for h in header) + eol)
        for row in rows:
            out.append(delim.join(q(v) for v in row) + eol)
        return "".join(out).encode("utf-8")

    # ------------------------------------------------------------ ingest

    def upload(self, job, body, headers):
        if job.state != "Open":
            # Code UNCONFIRMED; uploads are accepted only while the job is Open.
            return _json(409, _error("INVALIDJOBSTATE",
                                     "Upload is allowed only when the job state is Open. "
                                     "Current state: %s" % job.state))
        try:
            text = body.decode("utf-8") if isinstance(body, bytes) else body
        except UnicodeDecodeError:
            return _json(400, _error("INVALIDREQUEST", "Job data must be UTF-8"))
        total = sum(len(t.encode("utf-8")) for t in job.uploads) + len(text.encode("utf-8"))
        if _base64_size(total) > UPLOAD_LIMIT["upload_max_bytes"]:
            # Salesforce documents the limit, not the error: code, status and
            # wording are UNCONFIRMED.
            return _json(400, _error("INVALIDREQUEST",
                                     "Job data exceeds the limit of %d bytes of base64 "
                                     "encoded content" % UPLOAD_LIMIT["upload_max_bytes"]))
        job.uploads.append(text)
        return 201, {}, b""

    def _parse_uploads(self, job, quiet=False):
        """Parse the uploaded CSV texts into job.header/job.data_rows; a
        problem fails the job as Salesforce does (errorMessage set)."""
        if job.header is not None or not job.uploads:
            return
        delim = DELIMITERS[job.info["columnDelimiter"]]
        ending = job.info["lineEnding"]
        so = self.emu.store.get_sobject(job.info["object"])
        for text in job.uploads:
            if text.startswith("\ufeff"):
                text = text[1:]
            if not quiet and not self._line_ending_ok(text, ending):
                return self._fail(job, "ClientInputError : LineEnding is invalid on user data. "
                                       "Current LineEnding setting is %s" % ending)
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, quotechar='"',
                                doublequote=True, strict=False)
            rows = [r for r in reader if r and any(c != "" for c in r)]
            if not rows:
                continue
            header = rows[0]
            if job.header is None:
                job.header = header
            elif [h.lower() for h in header] != [h.lower() for h in job.header]:
                return self._fail(job, "InvalidBatch : Column headers differ between uploads")
            for r in rows[1:]:
                if len(r) != len(header):
                    r = (r + [""] * len(header))[:len(header)]
                job.data_rows.append(r)
        if job.header is None:
            return
        for col in job.header:
            if not self._column_ok(so, col, job):
                # Wording as the Bulk API reports unknown columns (UNCONFIRMED for 2.0).
                job.unprocessed = list(job.data_rows)
                return self._fail(job, "InvalidBatch : Field name not found : %s" % col)
        if job.info["operation"] in ("delete", "hardDelete") and \
                [c.lower() for c in job.header] != ["id"]:
            job.unprocessed = list(job.data_rows)
            return self._fail(job, "InvalidBatch : The '%s' batch must contain only the Id field"
                              % job.info["operation"])

    @staticmethod
    def _line_ending_ok(text, ending):
        # Look at line breaks outside quoted values only.
        bare = re.sub(r'"(?:[^"]|"")*"', '""', text)
        has_crlf = "\r\n" in bare
        has_lone_lf = re.search(r"(?<!\r)\n", bare) is not None
        if ending == "LF":
            return not has_crlf
        return not has_lone_lf

    def _column_ok(self, so, col, job):
        if "." in col:
            rel, _, ext = col.partition(".")
            ref = so.relationship(rel)
            if ref is None:
                return False
            targets = ref.get("referenceTo") or []
            tso = self.emu.store.get_sobject(targets[0]) if targets else None
            return tso is not None and tso.field(ext) is not None
        return so.field(col) is not None

    def _fail(self, job, message):
        job.state = "Failed"
        job.error_message = message
        job.finished = time.monotonic()
        if not job.processed and not job.unprocessed:
            job.unprocessed = list(job.data_rows)

    def _process_ingest(self, job):
        if job.processed or job.state in TERMINAL:
            return
        self._parse_uploads(job)
        if job.state == "Failed":
            return
        job.processed = True
        so = self.emu.store.get_sobject(job.info["object"])
        if so is None:
            return self._fail(job, "InvalidJob : Unable to find object: %s" % job.info["object"])
        op = job.info["operation"]
        ext = job.info.get("externalIdFieldName")
        header = job.header or []
        # Salesforce processes the chunks in parallel and reports results in
        # no particular order: here the last chunk's come first (each chunk's
        # in row order), so clients cannot rely on the input order.
        chunk_results = []
        for start in range(0, len(job.data_rows), DML_CHUNK):
            job.successes, job.failures = [], []
            chunk_results.append((job.successes, job.failures))
            chunk = job.data_rows[start:start + DML_CHUNK]
            prepared = []
            for raw in chunk:
                row, err = self._row_to_json(so, header, raw)
                prepared.append((raw, row, err))
            valid_rows = [row for raw, row, err in prepared if err is None]
            results = iter(self.emu.dml(so.name, op, valid_rows, all_or_none=False, ext_field=ext)
                           if valid_rows else [])
            for raw, row, err in prepared:
                given_id = _get_ci(row or {}, "Id") if op not in ("insert",) else None
                if err is not None:
                    job.failures.append((given_id or "", err, raw))
                    continue
                res = next(results)
                if res.get("success"):
                    created = res.get("created")
                    if created is None:
                        created = op == "insert"
                    job.successes.append((res.get("id") or "", bool(created), raw))
                else:
                    job.failures.append((res.get("id") or given_id or "",
                                         self._error_text(res.get("errors") or []), raw))
        job.successes = [r for ok, _ in reversed(chunk_results) for r in ok]
        job.failures = [r for _, bad in reversed(chunk_results) for r in bad]

    def _row_to_json(self, so, header, raw):
        """A JSON-shaped row for emu.dml from uploaded values: empty = leave
        the field alone, "#N/A" = null, "Rel.ExtField" = lookup by external
        id.  Returns (row, None) or (None, sf__Error text)."""
        row = {}
        for col, value in zip(header, raw):
            if value == "":
                continue
            if value == "#N/A":
                value = None
            if "." in col:
                rel, _, ext_name = col.partition(".")
                ref = so.relationship(rel)
                tso = self.emu.store.get_sobject(ref["referenceTo"][0])
                if value is None:
                    row[ref["name"]] = None
                    continue
                field = tso.field(ext_name)
                matches = self.emu.find_by_external(tso, field, value) \
                    if hasattr(self.emu, "find_by_external") else \
                    [r for r in tso.live_records() if str(r.get(field["name"])) == value]
                if len(matches) != 1:
                    # Wording UNCONFIRMED.
                    return None, self._error_text([{
                        "statusCode": "INVALID_FIELD",
                        "message": "Foreign key external ID: %s not found for field %s in entity %s"
                                   % (value, field["name"], tso.name),
                        "fields": []}])
                row[ref["name"]] = matches[0]["Id"]
                continue
            row[col] = value
        return row, None

    @staticmethod
    def _error_text(errors):
        """sf__Error text: CODE:message:field,field -- (format UNCONFIRMED)."""
        parts = []
        for e in errors:
            parts.append("%s:%s:%s --" % (e.get("statusCode") or e.get("errorCode"),
                                          e.get("message", ""), ",".join(e.get("fields") or [])))
        return " ".join(parts)

    def ingest_results(self, job, which):
        header = list(job.header or [])
        if which == "successfulResults":
            cols = ["sf__Id", "sf__Created"] + header
            rows = [[rid, "true" if created else "false"] + list(raw)
                    for rid, created, raw in job.successes]
        elif which == "failedResults":
            cols = ["sf__Id", "sf__Error"] + header
            rows = [[rid, err] + list(raw) for rid, err, raw in job.failures]
        else:
            cols = header
            rows = [list(raw) for raw in job.unprocessed]
        # Uploaded values are echoed as they were sent; empty stays empty.
        rows = [[v if v != "" else None for v in r] for r in rows]
        if not cols:
            return 200, {"Content-Type": "text/csv"}, b""
        return 200, {"Content-Type": "text/csv"}, self._csv(job, cols, rows)


def _path_value(rec, path):
    """The value at a select path of a JSON-ready query record ("Account.Name"
    walks the nested parent; a null parent gives null)."""
    cur = rec
    parts = path.split(".")
    for i, part in enumerate(parts):
        if not isinstance(cur, dict):
            return None
        val = _get_ci(cur, part)
        if val is None and i == 0 and len(parts) > 1 and \
                (cur.get("attributes") or {}).get("type", "").lower() == part.lower():
            continue
        cur = val
    return cur
