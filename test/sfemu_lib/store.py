"""In-memory org: sObject definitions (describe-shaped) and their records.

This is the data model shared by every part of the emulator (SOQL engine,
REST handlers, Bulk API, datasets).  Records are dicts keyed by the field's
canonical API name and hold typed Python values:

    id, reference, string, textarea, picklist, multipicklist, email, phone,
    url, combobox, encryptedstring   -> str (multipicklist "A;B")
    boolean                          -> bool (never None)
    int, long                        -> int
    double, currency, percent        -> decimal.Decimal (exact digits)
    date                             -> datetime.date
    datetime                         -> datetime.datetime, tz-aware UTC, ms precision
    time                             -> datetime.time (ms precision)
    address, location                -> computed from component fields on read
    base64                           -> bytes (served as a blob URL)

Every record also carries 'Id' and 'IsDeleted'.  Salesforce stores no empty
strings: writing '' stores None (see reference section 4.2).
"""

import base64
import datetime
import decimal
import itertools
import json
import re
import threading

ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
UTC = datetime.timezone.utc


def id_checksum(id15):
    """The 3-character case-safe suffix of a 15-character Salesforce id."""
    suffix = ""
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(id15[chunk * 5:chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        suffix += ID_CHARS[bits]
    return suffix


def to_id18(value):
    """Normalise a 15- or 18-character id to 18 characters; None if malformed."""
    if not isinstance(value, str) or len(value) not in (15, 18) or not value.isalnum():
        return None
    id15 = value[:15]
    full = id15 + id_checksum(id15)
    if len(value) == 18 and value[15:].upper() != full[15:]:
        return None
    return full


def make_id(key_prefix, serial, pod="RO0"):
    """An 18-character id: 3-char key prefix, 3-char pod, 9-char base62 serial, checksum."""
    digits = ""
    n = serial
    for _ in range(9):
        digits = BASE62[n % 62] + digits
        n //= 62
    id15 = key_prefix + pod + digits
    return id15 + id_checksum(id15)


class SObject:
    """One sObject type: its describe and its records (in insertion order)."""

    def __init__(self, describe):
        self.describe = describe
        self.name = describe["name"]
        self.key_prefix = describe.get("keyPrefix") or "a00"
        self.fields = {}            # lower-case API name -> field describe
        for f in describe["fields"]:
            self.fields[f["name"].lower()] = f
        self.relationships = {}     # lower-case relationshipName -> reference field describe
        for f in describe["fields"]:
            if f.get("type") == "reference" and f.get("relationshipName"):
                self.relationships[f["relationshipName"].lower()] = f
        self.records = []
        self.by_id = {}

    def field(self, name):
        """The field describe for an API name, matched case-insensitively, or None."""
        return self.fields.get(name.lower())

    def relationship(self, name):
        """The reference field describe whose relationshipName matches, or None."""
        return self.relationships.get(name.lower())

    def live_records(self, include_deleted=False):
        if include_deleted:
            return self.records
        return [r for r in self.records if not r.get("IsDeleted")]


class Store:
    """The whole org.  A single lock serialises writers; readers work on lists
    that writers only append to or replace, which is safe under the GIL."""

    def __init__(self):
        self.lock = threading.RLock()
        self.sobjects = {}          # lower-case name -> SObject
        self.by_id = {}             # 18-char id -> (SObject, record)
        self.serial = itertools.count(1)

    def define(self, describe):
        with self.lock:
            so = SObject(describe)
            old = self.sobjects.get(so.name.lower())
            if old is not None:
                for r in old.records:
                    self.by_id.pop(r["Id"], None)
            self.sobjects[so.name.lower()] = so
            return so

    def get_sobject(self, name):
        """The SObject for a name, matched case-insensitively, or None."""
        return self.sobjects.get(name.lower())

    def new_id(self, so):
        return make_id(so.key_prefix, next(self.serial))

    def add_record(self, so, record):
        """Append a fully typed record (assigning Id/IsDeleted when absent); returns its Id."""
        with self.lock:
            if not record.get("Id"):
                record["Id"] = self.new_id(so)
            record.setdefault("IsDeleted", False)
            so.records.append(record)
            so.by_id[record["Id"]] = record
            self.by_id[record["Id"]] = (so, record)
            return record["Id"]

    def get_record(self, record_id):
        """(SObject, record) for a 15/18-char id, deleted rows included, or (None, None)."""
        full = to_id18(record_id)
        if full is None:
            return None, None
        return self.by_id.get(full, (None, None))


def format_datetime(value):
    """Salesforce's JSON datetime: UTC, milliseconds, '+0000'."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+0000" % (value.microsecond // 1000)


def format_time(value):
    return value.strftime("%H:%M:%S.") + "%03dZ" % (value.microsecond // 1000)


# Decimals and temporal values leave the C encoder as marked strings that one
# regular-expression pass turns into bare numbers / Salesforce's formats; a
# record of plain values never touches Python code per field.
_MARK = "\u0001\u0002\u0003"
_MARKED_NUMBER = re.compile(r'"\\u0001\\u0002\\u0003([^"\\]*)\\u0001\\u0002\\u0003"')


def _encode_default(obj):
    if isinstance(obj, decimal.Decimal):
        return _MARK + _decimal_text(obj) + _MARK
    if isinstance(obj, datetime.datetime):
        return format_datetime(obj)
    if isinstance(obj, datetime.date):
        return obj.isoformat()
    if isinstance(obj, datetime.time):
        return format_time(obj)
    if isinstance(obj, (bytes, bytearray)):
        return base64.b64encode(obj).decode()
    raise TypeError("not JSON serialisable: %r" % type(obj))


_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_encode_default)


def json_dumps(obj):
    """JSON text with Decimals written as exact numbers and dates in
    Salesforce's formats."""
    return _MARKED_NUMBER.sub(r"\1", _encoder.encode(obj))


def _decimal_text(d):
    """A Decimal written the way Java's Double.toString shapes a number (which
    is what Salesforce's JSON looks like: 15000.0, 1.5E7, 1.0E-4) but keeping
    every digit, so clients that parse the text exactly get the stored value."""
    if not d.is_finite():
        raise ValueError("non-finite number")
    if d == 0:
        return "0.0"
    sign, digits, exp = d.normalize().as_tuple()
    text = "".join(map(str, digits))
    point = len(text) + exp          # position of the decimal point in 'text'
    mag = abs(d)
    if decimal.Decimal("0.001") <= mag < decimal.Decimal(10) ** 7:
        if point <= 0:
            body = "0." + "0" * (-point) + text
        elif point >= len(text):
            body = text + "0" * (point - len(text)) + ".0"
        else:
            body = text[:point] + "." + text[point:]
    else:
        frac = text[1:] or "0"
        body = "%s.%sE%d" % (text[0], frac, point - 1)
    return ("-" if sign else "") + body
