"""Replication resources of the emulator: Get Updated, Get Deleted, the delete log.

GET /services/data/vNN.N/sobjects/{sObject}/updated/?start=...&end=...
GET /services/data/vNN.N/sobjects/{sObject}/deleted/?start=...&end=...

Rules kept (reference section 9.3):
- start and end are ISO 8601 date-times with an offset (or Z); their seconds
  are truncated (12:30:15 counts as 12:30:00); start must be before end, else
  INVALID_REPLICATION_DATE.  A window is start <= t < end (assumed: the
  reference does not say which end is open; half-open windows chain without
  overlap when the next one starts at latestDateCovered).
- Get Updated answers for no more than 30 days back, Get Deleted for no more
  than 15; a start older than that is INVALID_REPLICATION_DATE (assumed code
  for both).  earliestDateAvailable is where the delete log still reaches:
  15 days back, or later when the log was purged (control endpoint).
- latestDateCovered is the end, or the current minute when the end lies in
  the future (no transaction can still commit before it then).
- Get Updated judges by SystemModstamp, LastModifiedDate where the object has
  none; deleted records are not "updated".  More ids than the limit (600,000;
  a control endpoint lowers it for tests) is EXCEEDED_ID_LIMIT.
- Only objects whose describe says replicateable (assumed error: INVALID_TYPE).
- Every delete (REST, collections, composite, Bulk ingest: they share
  Emulator.dml_items) writes the delete log with the deletion time; an
  undelete (control endpoint, as Salesforce's UI or Apex would) takes the
  record out of it and stamps SystemModstamp.
"""

import datetime
import re

from .store import UTC, format_datetime

UPDATED_DAYS = 30
DELETED_DAYS = 15
ID_LIMIT = 600000

_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?"
                      r"(Z|[+-]\d{2}:?\d{2})$")


def _error(code, message):
    return [{"message": message, "errorCode": code}]


def parse_date(text):
    """A replication date parameter as an aware UTC datetime, seconds
    truncated; None when it is not an ISO 8601 date-time with an offset."""
    if text is None:
        return None
    m = _DATE_RE.match(text.strip().replace(" ", "+"))
    if not m:
        return None
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    zone = m.group(8)
    try:
        value = datetime.datetime(y, mo, d, h, mi, s, tzinfo=UTC)
    except ValueError:
        return None
    if zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        value -= sign * offset
    return value.replace(second=0, microsecond=0)


def _minute(value):
    return value.replace(second=0, microsecond=0)


def _stamp_field(so):
    for name in ("SystemModstamp", "LastModifiedDate"):
        if so.field(name) is not None:
            return so.field(name)["name"]
    return None


class Replication:
    """Delete log and replication windows of one emulated org."""

    def __init__(self, emu):
        self.emu = emu
        self.log = {}               # 18-char id -> (lower-case sObject name, deleted at)
        self.purged_before = {}     # lower-case sObject name -> earliest available
        self.id_limit = ID_LIMIT

    # ------------------------------------------------------------ delete log

    def note_delete(self, so, rid, when, undo):
        """Log the deletion of record rid (kept if already logged)."""
        if rid in self.log:
            return
        self.log[rid] = (so.name.lower(), when)
        undo.append(("replication", self, rid, None))

    def forget(self, rid, undo=None):
        old = self.log.pop(rid, None)
        if undo is not None and old is not None:
            undo.append(("replication", self, rid, old))

    def restore(self, rid, old):
        """Undo of note_delete/forget (Emulator._undo)."""
        if old is None:
            self.log.pop(rid, None)
        else:
            self.log[rid] = old

    def undelete(self, ids):
        """Undelete records from the Recycle Bin: IsDeleted false, a new
        SystemModstamp, out of the delete log.  Returns per-id results."""
        emu = self.emu
        out = []
        with emu.store.lock:
            now = emu.now()
            for rid in ids:
                so, rec = emu.store.get_record(rid)
                if rec is None or not rec.get("IsDeleted"):
                    out.append({"id": rid, "success": False,
                                "errors": [{"statusCode": "UNDELETE_FAILED",
                                            "message": "Entity is not in the recycle bin"}]})
                    continue
                rec["IsDeleted"] = False
                if so.field("SystemModstamp") is not None:
                    rec["SystemModstamp"] = now
                self.forget(rec["Id"])
                out.append({"id": rec["Id"], "success": True, "errors": []})
        return out

    def empty_recycle_bin(self, sobject):
        """Hard-delete every soft-deleted record of an sObject (Salesforce's
        Empty Recycle Bin): gone from queryAll, still in the delete log."""
        store = self.emu.store
        with store.lock:
            so = store.get_sobject(sobject)
            if so is None:
                return 0
            gone = [r for r in so.records if r.get("IsDeleted")]
            so.records = [r for r in so.records if not r.get("IsDeleted")]
            for r in gone:
                so.by_id.pop(r["Id"], None)
                store.by_id.pop(r["Id"], None)
            return len(gone)

    def purge(self, sobject, before):
        """Empty the delete log of an sObject up to 'before' (as emptying the
        Recycle Bin or the log's purge job does)."""
        key = sobject.lower()
        for rid, (name, when) in list(self.log.items()):
            if name == key and when < before:
                del self.log[rid]
        self.purged_before[key] = max(before, self.purged_before.get(key, before))

    # ------------------------------------------------------------ resources

    def window(self, ctx, days):
        """(start, end, now, None) or (.., reply body) for a bad window."""
        start = parse_date(ctx.params.get("start"))
        end = parse_date(ctx.params.get("end"))
        now = self.emu.now()
        if start is None or end is None:
            return None, None, now, _error(
                "INVALID_REPLICATION_DATE",
                "start and end must be ISO 8601 date-times with a time zone offset, "
                "e.g. 2013-05-05T00:00:00+00:00")
        if start >= end:
            return None, None, now, _error(
                "INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate")
        if start < _minute(now) - datetime.timedelta(days=days):
            return None, None, now, _error(
                "INVALID_REPLICATION_DATE",
                "startDate cannot be more than %d days ago" % days)
        return start, end, now, None

    def updated(self, ctx, so):
        start, end, now, err = self.window(ctx, UPDATED_DAYS)
        if err:
            return 400, err
        field = _stamp_field(so)
        ids = []
        if field is not None:
            ids = [r["Id"] for r in so.records
                   if not r.get("IsDeleted") and r.get(field) is not None
                   and start <= r[field] < end]
        if len(ids) > self.id_limit:
            return 400, _error("EXCEEDED_ID_LIMIT",
                               "Id limit exceeded: choose start and end dates closer together")
        return 200, {"ids": sorted(ids), "latestDateCovered": format_datetime(min(end, _minute(now)))}

    def deleted(self, ctx, so):
        start, end, now, err = self.window(ctx, DELETED_DAYS)
        if err:
            return 400, err
        key = so.name.lower()
        earliest = _minute(now) - datetime.timedelta(days=DELETED_DAYS)
        earliest = max(earliest, self.purged_before.get(key, earliest))
        if start < earliest:
            # the log no longer reaches back to start: the client must resync
            return 400, _error("INVALID_REPLICATION_DATE",
                               "The delete log was purged after the start date %s; "
                               "earliestDateAvailable is %s"
                               % (format_datetime(start), format_datetime(earliest)))
        found = sorted(((when, rid) for rid, (name, when) in self.log.items()
                        if name == key and when >= earliest and start <= when < end),
                       key=lambda t: (t[0], t[1]))
        if len(found) > self.id_limit:
            return 400, _error("EXCEEDED_ID_LIMIT",
                               "Id limit exceeded: choose start and end dates closer together")
        return 200, {"deletedRecords": [{"id": rid, "deletedDate": format_datetime(when)}
                                        for when, rid in found],
                     "earliestDateAvailable": format_datetime(earliest),
                     "latestDateCovered": format_datetime(min(end, _minute(now)))}

    def serve(self, ctx, so, kind):
        """(status, body) of GET .../sobjects/{so}/updated|deleted/."""
        if not so.describe.get("replicateable", True):
            return 400, _error("INVALID_TYPE",
                               "sObject type '%s' is not supported for replication" % so.name)
        if kind == "updated":
            return self.updated(ctx, so)
        return self.deleted(ctx, so)


def parse_clock(data, emu):
    """New clock offset from a control body {"advance_seconds": N},
    {"now": iso} or {"offset_seconds": N}."""
    offset = emu.clock_offset
    if "offset_seconds" in data:
        offset = datetime.timedelta(seconds=float(data["offset_seconds"]))
    if "advance_seconds" in data:
        offset += datetime.timedelta(seconds=float(data["advance_seconds"]))
    if "now" in data:
        text = data["now"].replace("Z", "+00:00")
        target = datetime.datetime.fromisoformat(text)
        if target.tzinfo is None:
            target = target.replace(tzinfo=UTC)
        offset = target - datetime.datetime.now(UTC)
    return offset
