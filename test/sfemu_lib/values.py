"""Field values written through the API: coercion and field-level checks.

Every write path of the emulator (REST sObject rows, sObject Collections,
Composite, Bulk API 2.0 ingest and the /__emu/records loader) turns
JSON-shaped values into the typed values of store.py here, so they all
reject the same things with the same error codes (reference section 7.1):

    INVALID_FIELD                        unknown field in the body
    INVALID_FIELD_FOR_INSERT_UPDATE      field not createable / updateable
    REQUIRED_FIELD_MISSING               nillable false, createable, not
                                         defaultedOnCreate, not boolean
    STRING_TOO_LONG                      text longer than the describe length
    INVALID_TYPE_ON_FIELD_IN_RECORD      value of the wrong JSON type / syntax
    MALFORMED_ID                         reference value that is no id of a
                                         referenced object
    INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST
    NUMBER_OUTSIDE_VALID_RANGE           more integer digits than the
                                         describe's precision - scale allows
    DUPLICATE_VALUE                      'unique' field value already used

Salesforce is lenient about JSON types: numbers may arrive as numeric
strings, booleans as "true"/"false" (Bulk API CSV values are all strings).
Numbers are kept exact as decimal.Decimal (parse request bodies with
parse_float=decimal.Decimal).  '' stores null (Salesforce has no empty
strings).
"""

import base64
import datetime
import decimal
import re

from .store import UTC, to_id18

STRING_TYPES = {"string", "textarea", "email", "phone", "url", "picklist",
                "multipicklist", "combobox", "encryptedstring"}
DECIMAL_TYPES = {"double", "currency", "percent"}
INT_TYPES = {"int", "long"}
COMPOUND_TYPES = {"address", "location"}

# Fields the server maintains itself (set on every write when the describe has them).
AUDIT_FIELDS = ("CreatedDate", "CreatedById", "LastModifiedDate",
                "LastModifiedById", "SystemModstamp")
SYSTEM_FIELDS = {"id", "isdeleted", "createddate", "createdbyid",
                 "lastmodifieddate", "lastmodifiedbyid", "systemmodstamp"}

UPDATE_MESSAGE = ("Unable to create/update fields: %s. Please check the security "
                  "settings of this field and verify that it is read/write for "
                  "your profile or permission set.")

_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$")
_TIME_RE = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z)?$")
_NUMBER_RE = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")


class FieldError(Exception):
    """One record-level error: errorCode, message and the fields concerned."""

    def __init__(self, code, message, fields=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = list(fields or [])

    def rest(self):
        """The element of a REST error array (key 'errorCode')."""
        return {"message": self.message, "errorCode": self.code, "fields": self.fields}

    def collection(self):
        """The element of a collections errors[] list (key 'statusCode')."""
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}


def _label(field):
    return field.get("label") or field["name"]


def _type_error(field, value):
    # Wording UNCONFIRMED (reference 7.1); believed "<Label>: value not of required type: <value>".
    return FieldError("INVALID_TYPE_ON_FIELD_IN_RECORD",
                      "%s: value not of required type: %s" % (_label(field), _show(value)),
                      [field["name"]])


def _show(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "{...}" if isinstance(value, dict) else "[...]"
    return str(value)


def _to_decimal(field, value):
    if isinstance(value, bool) or value is None:
        raise _type_error(field, value)
    if isinstance(value, decimal.Decimal):
        return value
    if isinstance(value, int):
        return decimal.Decimal(value)
    if isinstance(value, float):
        return decimal.Decimal(repr(value))
    if isinstance(value, str) and _NUMBER_RE.match(value):
        return decimal.Decimal(value.strip())
    raise _type_error(field, value)


def _check_range(field, number):
    """Round to the describe's scale like Salesforce does on save, and refuse
    more integer digits than precision - scale."""
    precision = field.get("precision") or 0
    scale = field.get("scale")
    if scale is not None and precision:
        try:
            number = number.quantize(decimal.Decimal(1).scaleb(-scale),
                                     rounding=decimal.ROUND_HALF_UP)
        except decimal.InvalidOperation:
            raise FieldError("NUMBER_OUTSIDE_VALID_RANGE",
                             "%s: value outside of valid range on numeric field: %s"
                             % (_label(field), number), [field["name"]])
        int_digits = len(str(abs(number).to_integral_value(rounding=decimal.ROUND_DOWN)))
        if abs(number) >= 1 and int_digits > precision - scale:
            raise FieldError("NUMBER_OUTSIDE_VALID_RANGE",
                             "%s: value outside of valid range on numeric field: %s"
                             % (_label(field), number), [field["name"]])
    return number


def _parse_datetime(text):
    m = _DATETIME_RE.match(text)
    if not m:
        if _DATE_RE.match(text):
            d = datetime.date.fromisoformat(text)
            return datetime.datetime(d.year, d.month, d.day, tzinfo=UTC)
        return None
    year, month, day, hour, minute, sec, frac, zone = m.groups()
    micro = int(((frac or "") + "000")[:3]) * 1000
    tz = UTC
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        tz = datetime.timezone(sign * datetime.timedelta(hours=int(digits[:2]),
                                                          minutes=int(digits[2:])))
    try:
        value = datetime.datetime(int(year), int(month), int(day), int(hour),
                                  int(minute), int(sec or 0), micro, tzinfo=tz)
    except ValueError:
        return None
    return value.astimezone(UTC)


def coerce(field, value, store=None, strict_reference=True):
    """The typed value for a JSON-shaped (or string) 'value' of 'field'.
    Raises FieldError.  None means null; booleans are never null."""
    ftype = field.get("type", "string")
    if isinstance(value, str) and value == "" and ftype != "boolean":
        return None
    if value is None:
        return False if ftype == "boolean" else None
    if ftype in STRING_TYPES or ftype == "id":
        if isinstance(value, (dict, list)):
            raise _type_error(field, value)
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, decimal.Decimal):
            value = str(value)
        elif not isinstance(value, str):
            value = str(value)
        if ftype == "id":
            full = to_id18(value)
            if full is None:
                raise FieldError("MALFORMED_ID", "%s: id value of incorrect type: %s"
                                 % (_label(field), value), [field["name"]])
            return full
        length = field.get("length") or 0
        if length and len(value) > length:
            raise FieldError("STRING_TOO_LONG", "%s: data value too large: %s (max length=%d)"
                             % (_label(field), value, length), [field["name"]])
        if field.get("restrictedPicklist") and ftype in ("picklist", "multipicklist"):
            allowed = {p["value"] for p in field.get("picklistValues") or [] if p.get("active", True)}
            items = value.split(";") if ftype == "multipicklist" else [value]
            for item in items:
                if item not in allowed:
                    raise FieldError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                                     "%s: bad value for restricted picklist field: %s"
                                     % (_label(field), item), [field["name"]])
        return value
    if ftype == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", ""):
            return value.strip().lower() in ("true", "1")
        if isinstance(value, (int, decimal.Decimal)) and value in (0, 1):
            return bool(value)
        raise _type_error(field, value)
    if ftype in INT_TYPES:
        number = _to_decimal(field, value)
        if number != number.to_integral_value():
            raise _type_error(field, value)
        return int(number)
    if ftype in DECIMAL_TYPES:
        return _check_range(field, _to_decimal(field, value))
    if ftype == "date":
        if isinstance(value, datetime.datetime):
            return value.astimezone(UTC).date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            text = value.strip()
            try:
                if _DATE_RE.match(text):
                    return datetime.date.fromisoformat(text)
            except ValueError:
                raise _type_error(field, value)
            parsed = _parse_datetime(text)
            if parsed is not None:
                return parsed.date()
        raise _type_error(field, value)
    if ftype == "datetime":
        if isinstance(value, datetime.datetime):
            value = value if value.tzinfo else value.replace(tzinfo=UTC)
            return value.astimezone(UTC).replace(microsecond=value.microsecond // 1000 * 1000)
        if isinstance(value, str):
            parsed = _parse_datetime(value.strip())
            if parsed is not None:
                return parsed
        raise _type_error(field, value)
    if ftype == "time":
        if isinstance(value, datetime.time):
            return value
        if isinstance(value, str):
            m = _TIME_RE.match(value.strip())
            if m:
                hour, minute, sec, frac, _ = m.groups()
                try:
                    return datetime.time(int(hour), int(minute), int(sec or 0),
                                         int(((frac or "") + "000")[:3]) * 1000)
                except ValueError:
                    pass
        raise _type_error(field, value)
    if ftype == "reference":
        if not isinstance(value, str):
            raise _type_error(field, value)
        full = to_id18(value)
        if full is None:
            raise FieldError("MALFORMED_ID", "%s: id value of incorrect type: %s"
                             % (_label(field), value), [field["name"]])
        if store is not None and strict_reference:
            _check_reference(field, full, value, store)
        return full
    if ftype == "base64":
        if isinstance(value, bytes):
            return value
        if isinstance(value, str):
            try:
                return base64.b64decode(value, validate=True)
            except ValueError:
                pass
        raise _type_error(field, value)
    # anyType, complexvalue and anything unknown: keep the JSON value.
    return value


def _check_reference(field, full, shown, store):
    """A reference must carry the key prefix of one of the referenced objects
    (when they are all defined here) and, when the target object is defined,
    name an existing record."""
    targets = [store.get_sobject(n) for n in field.get("referenceTo") or []]
    if not targets or any(t is None for t in targets):
        return
    if not any(full.startswith(t.key_prefix) for t in targets):
        raise FieldError("MALFORMED_ID", "%s: id value of incorrect type: %s"
                         % (_label(field), shown), [field["name"]])
    so, record = store.get_record(full)
    if record is None or record.get("IsDeleted"):
        raise FieldError("INVALID_CROSS_REFERENCE_KEY",
                         "invalid cross reference id", [field["name"]])


def check_body(so, body, mode):
    """Reject unknown and non-writable keys of a request body ('insert' or
    'update'); returns [(field_describe, json_value)] in body order.
    'attributes' is ignored; 'Id' is allowed on update (it names the record)."""
    unknown = []
    readonly = []
    items = []
    for key, value in body.items():
        if key == "attributes":
            continue
        field = so.field(key)
        if field is None:
            unknown.append(key)
            continue
        if field["name"] == "Id":
            if mode == "update":
                continue
            raise FieldError("INVALID_FIELD_FOR_INSERT_UPDATE",
                             "cannot specify Id in an insert call", ["Id"])
        writable = field.get("createable") if mode == "insert" else field.get("updateable")
        if not writable:
            readonly.append(field["name"])
            continue
        items.append((field, value))
    if unknown:
        raise FieldError("INVALID_FIELD", "No such column '%s' on sobject of type %s"
                         % (unknown[0], so.name), [])
    if readonly:
        raise FieldError("INVALID_FIELD_FOR_INSERT_UPDATE",
                         UPDATE_MESSAGE % ", ".join(readonly), readonly)
    return items


def required_fields(so):
    """Fields an insert must set (reference 7.1)."""
    out = []
    for f in so.describe["fields"]:
        if (not f.get("nillable", True) and f.get("createable")
                and not f.get("defaultedOnCreate") and f.get("type") != "boolean"
                and f["name"].lower() not in SYSTEM_FIELDS):
            out.append(f)
    return out


def new_record(so, now=None, user_id=None, auto_number=True):
    """An empty typed record with every stored field present: nulls, booleans
    false or their default, picklist defaults, audit fields."""
    rec = {}
    for f in so.describe["fields"]:
        ftype = f.get("type")
        if ftype in COMPOUND_TYPES:
            continue
        name = f["name"]
        if ftype == "boolean":
            default = f.get("defaultValue")
            rec[name] = default is True or str(default).lower() == "true"
        else:
            rec[name] = None
            if ftype in ("picklist", "multipicklist"):
                for p in f.get("picklistValues") or []:
                    if p.get("defaultValue") and p.get("active", True):
                        rec[name] = p["value"]
                        break
            elif f.get("autoNumber") and auto_number:
                rec[name] = next_auto_number(so, name)
    if now is not None:
        for name in ("CreatedDate", "LastModifiedDate", "SystemModstamp"):
            if so.field(name) is not None:
                rec[name] = now
    if user_id is not None:
        for name in ("CreatedById", "LastModifiedById", "OwnerId"):
            if so.field(name) is not None:
                rec[name] = user_id
    rec["IsDeleted"] = False
    return rec


def next_auto_number(so, name):
    """The next value of an auto-number field: the highest number used so
    far plus one, keeping the prefix and zero padding of the existing values
    (8 digits when there are none).  Records are only appended, so the scan
    resumes where the previous one stopped."""
    cache = so.__dict__.setdefault("_auto_numbers", {})
    best, prefix, width, seen = cache.get(name, (0, "", 8, 0))
    records = so.records
    if seen > len(records):
        best, prefix, width, seen = 0, "", 8, 0
    for r in records[seen:]:
        m = re.match(r"^(.*?)(\d+)$", r.get(name) or "")
        if m and int(m.group(2)) >= best:
            best, prefix, width = int(m.group(2)), m.group(1), len(m.group(2))
    value = "%s%0*d" % (prefix, width, best + 1)
    cache[name] = (best + 1, prefix, width, len(records))
    return value


def derive(so, rec):
    """Recompute derived values: a non-createable Name built from FirstName
    and LastName (Contact, Lead, User)."""
    name = so.field("Name")
    if (name is not None and not name.get("createable")
            and so.field("LastName") is not None):
        parts = [rec.get(n) for n in ("Salutation", "FirstName", "LastName")
                 if so.field(n) is not None]
        rec["Name"] = " ".join(p for p in parts if p) or None


def typed_values(store, so, items, strict_reference=True):
    """Coerce [(field, json_value)] to {api_name: typed value}; FieldError on
    the first bad value."""
    out = {}
    for field, value in items:
        out[field["name"]] = coerce(field, value, store, strict_reference)
    return out


def check_required(so, rec):
    missing = [f["name"] for f in required_fields(so) if rec.get(f["name"]) is None]
    if missing:
        raise FieldError("REQUIRED_FIELD_MISSING",
                         "Required fields are missing: [%s]" % ", ".join(missing), missing)


def _fold(field, value):
    if isinstance(value, str) and not field.get("caseSensitive"):
        return value.lower()
    return value


def field_index(so, field):
    """{folded value: [records]} for a unique or external id field.  Built lazily and
    extended with records appended since (the records list only grows; a
    replaced list means a rebuild); note_unique() adds updated values.
    Entries may be stale: callers re-check every candidate."""
    cache = so.__dict__.setdefault("_unique_index", {})
    name = field["name"]
    entry = cache.get(name)
    records = so.records
    if entry is None or entry[0] is not records:
        entry = [records, 0, {}]
        cache[name] = entry
    index = entry[2]
    for r in records[entry[1]:]:
        value = r.get(name)
        if value is not None:
            index.setdefault(_fold(field, value), []).append(r)
    entry[1] = len(records)
    return index


def _unique_fields(so):
    return [f for f in so.describe["fields"] if f.get("unique") and f["name"] != "Id"]


def _indexed_fields(so):
    return [f for f in so.describe["fields"]
            if (f.get("unique") or f.get("externalId")) and f["name"] != "Id"]


def check_unique(so, rec):
    """DUPLICATE_VALUE when a 'unique' field value is already used by another
    live record (case-insensitively unless the field is caseSensitive)."""
    for f in _unique_fields(so):
        value = rec.get(f["name"])
        if value is None:
            continue
        key = _fold(f, value)
        for other in field_index(so, f).get(key, ()):
            if other is rec or other.get("Id") == rec.get("Id") or other.get("IsDeleted"):
                continue
            ov = other.get(f["name"])
            if ov is not None and type(ov) is type(value) and _fold(f, ov) == key:
                raise FieldError("DUPLICATE_VALUE",
                                 "duplicate value found: %s duplicates value on record with id: %s"
                                 % (f["name"], other["Id"]), [])


def note_unique(so, rec):
    """Record the unique and external id values of a record just updated."""
    for f in _indexed_fields(so):
        value = rec.get(f["name"])
        if value is not None:
            field_index(so, f).setdefault(_fold(f, value), []).append(rec)


def load_record(store, so, data, now, user_id):
    """A typed record from a JSON-shaped dict for the /__emu/records loader:
    no createable/required checks, system fields accepted, references not
    checked for existence (data sets load in any order)."""
    rec = new_record(so, now, user_id, auto_number=False)
    for key, value in data.items():
        if key == "attributes":
            continue
        if key.lower() == "isdeleted":
            rec["IsDeleted"] = value is True or str(value).lower() == "true"
            continue
        field = so.field(key)
        if field is None:
            raise FieldError("INVALID_FIELD", "No such column '%s' on sobject of type %s"
                             % (key, so.name), [])
        if field.get("type") in COMPOUND_TYPES:
            continue
        rec[field["name"]] = coerce(field, value, store, strict_reference=False)
    if "name" not in {k.lower() for k in data}:
        derive(so, rec)
    for f in so.describe["fields"]:
        if f.get("autoNumber") and rec.get(f["name"]) is None:
            rec[f["name"]] = next_auto_number(so, f["name"])
    return rec
