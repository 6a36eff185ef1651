"""Describe builders: sObject and field describes shaped like Salesforce's.

Salesforce's describe results carry the same set of keys for every field and
every object whatever their type; clients (jsforce, simple-salesforce, the
FDW's IMPORT FOREIGN SCHEMA) read many of them.  The builders here therefore
always emit the full key set of the reference (section 6.1/6.2) and derive
the type-dependent defaults the way Salesforce does:

- soapType from the type (xsd:string, tns:ID, xsd:double, urn:address, ...);
- length/byteLength for text types (byteLength = 3 * length), precision and
  scale for double/currency/percent, digits for int/long;
- filterable / sortable / groupable / aggregatable per type (section 4.5):
  long text areas, base64 and encrypted strings cannot be filtered, multi-
  select picklists cannot be sorted, doubles and datetimes cannot be grouped,
  compound (address/location) fields can do none of these.

A describe built here is version-neutral: its URLs name API version 66.0 and
`describe_for_version()` rewrites them for the version a request used.
`normalize_describe()` accepts the terse describe-shaped dicts that tests
post to /__emu/sobjects and fills in everything else.
"""

import copy
import re
import zlib

DEFAULT_API_VERSION = "66.0"

# Keys of one field describe, in the order Salesforce writes them.
FIELD_KEYS = (
    "aggregatable", "aiPredictionField", "autoNumber", "byteLength",
    "calculated", "calculatedFormula", "cascadeDelete", "caseSensitive",
    "compoundFieldName", "controllerName", "createable", "custom",
    "defaultValue", "defaultValueFormula", "defaultedOnCreate",
    "dependentPicklist", "deprecatedAndHidden", "digits",
    "displayLocationInDecimal", "encrypted", "externalId", "extraTypeInfo",
    "filterable", "filteredLookupInfo", "formulaTreatNullNumberAsZero",
    "groupable", "highScaleNumber", "htmlFormatted", "idLookup",
    "inlineHelpText", "label", "length", "mask", "maskType", "name",
    "nameField", "namePointing", "nillable", "permissionable",
    "picklistValues", "polymorphicForeignKey", "precision", "queryByDistance",
    "referenceTargetField", "referenceTo", "relationshipName",
    "relationshipOrder", "restrictedDelete", "restrictedPicklist", "scale",
    "searchPrefilterable", "soapType", "sortable", "type", "unique",
    "updateable", "writeRequiresMasterRead",
)

# Keys of one entry of the global describe's "sobjects" list.
GLOBAL_KEYS = (
    "activateable", "associateEntityType", "associateParentEntity",
    "createable", "custom", "customSetting", "deepCloneable", "deletable",
    "deprecatedAndHidden", "feedEnabled", "hasSubtypes", "isInterface",
    "isSubtype", "keyPrefix", "label", "labelPlural", "layoutable",
    "mergeable", "mruEnabled", "name", "queryable", "replicateable",
    "retrieveable", "searchable", "triggerable", "undeletable", "updateable",
    "urls",
)

# Keys a full object describe adds to the global ones.
DESCRIBE_KEYS = GLOBAL_KEYS + (
    "actionOverrides", "childRelationships", "compactLayoutable",
    "defaultImplementation", "extendedBy", "extendsInterfaces", "fields",
    "implementedBy", "implementsInterfaces", "listviewable",
    "lookupLayoutable", "namedLayoutInfos", "networkScopeFieldName",
    "recordTypeInfos", "searchLayoutable", "sobjectDescribeOption",
    "supportedScopes",
)

CHILD_RELATIONSHIP_KEYS = (
    "cascadeDelete", "childSObject", "deprecatedAndHidden", "field",
    "junctionIdListNames", "junctionReferenceTo", "relationshipName",
    "restrictedDelete",
)

SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "string": "xsd:string",
    "textarea": "xsd:string",
    "picklist": "xsd:string",
    "multipicklist": "xsd:string",
    "combobox": "xsd:string",
    "email": "xsd:string",
    "phone": "xsd:string",
    "url": "xsd:string",
    "encryptedstring": "xsd:string",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "long": "xsd:long",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "time": "xsd:time",
    "base64": "xsd:base64Binary",
    "address": "urn:address",
    "location": "urn:location",
    "anyType": "xsd:anyType",
    "complexvalue": "urn:JsonNode",
    "datacategorygroupreference": "xsd:string",
}

# Default maximum length (characters) of the text types.
TEXT_LENGTHS = {
    "id": 18, "reference": 18, "string": 255, "textarea": 255,
    "picklist": 255, "multipicklist": 4099, "combobox": 255, "email": 80,
    "phone": 40, "url": 255, "encryptedstring": 175,
}

NUMBER_TYPES = ("double", "currency", "percent")
COMPOUND_TYPES = ("address", "location")

# Component suffix (after the address prefix) -> key in the address value.
ADDRESS_COMPONENTS = (
    ("Street", "street"), ("City", "city"), ("State", "state"),
    ("StateCode", "stateCode"), ("PostalCode", "postalCode"),
    ("Country", "country"), ("CountryCode", "countryCode"),
    ("Latitude", "latitude"), ("Longitude", "longitude"),
    ("GeocodeAccuracy", "geocodeAccuracy"),
)

# A text area longer than this is a "long text area": not filterable,
# sortable or groupable (section 4.5).
LONG_TEXTAREA = 255


def _capabilities(ftype, length):
    """(filterable, sortable, groupable, aggregatable) Salesforce reports for a type."""
    long_text = ftype == "textarea" and length > LONG_TEXTAREA
    if ftype in COMPOUND_TYPES or ftype in ("base64", "encryptedstring",
                                            "anyType", "complexvalue"):
        return False, False, False, False
    if long_text:
        return False, False, False, False
    filterable = True
    sortable = ftype != "multipicklist"
    # Numbers with decimals, datetimes and text areas cannot be grouped;
    # checkboxes can be grouped but not aggregated.
    groupable = ftype not in NUMBER_TYPES + ("datetime", "textarea", "multipicklist", "time")
    aggregatable = ftype not in ("boolean", "multipicklist", "textarea")
    return filterable, sortable, groupable, aggregatable


def field(name, ftype, **overrides):
    """A complete field describe for an API name and a describe type.

    Keyword arguments override any key (label, length, precision, scale,
    nillable, picklistValues, referenceTo, relationshipName, ...).  A list of
    strings given as `picklistValues` is expanded into picklist entries;
    `referenceTo` may be a single name.  `custom` defaults to whether the name
    ends in __c (or __s for compound components)."""
    if ftype not in SOAP_TYPES:
        raise ValueError("unknown field type %r" % ftype)
    length = overrides.get("length", TEXT_LENGTHS.get(ftype, 0))
    filterable, sortable, groupable, aggregatable = _capabilities(ftype, length)
    custom = name.endswith("__c") or name.endswith("__s")
    precision = scale = digits = 0
    if ftype in NUMBER_TYPES:
        precision, scale = 18, 2 if ftype != "percent" else 0
    elif ftype == "int":
        digits = 9
    elif ftype == "long":
        digits = 18
    boolean = ftype == "boolean"
    system = ftype == "id"
    d = {
        "aggregatable": aggregatable,
        "aiPredictionField": False,
        "autoNumber": False,
        "byteLength": length * 3 if ftype not in ("id", "reference") else length,
        "calculated": False,
        "calculatedFormula": None,
        "cascadeDelete": False,
        "caseSensitive": False,
        "compoundFieldName": None,
        "controllerName": None,
        "createable": not system and ftype not in COMPOUND_TYPES,
        "custom": custom,
        "defaultValue": False if boolean else None,
        "defaultValueFormula": None,
        "defaultedOnCreate": boolean or system,
        "dependentPicklist": False,
        "deprecatedAndHidden": False,
        "digits": digits,
        "displayLocationInDecimal": False,
        "encrypted": ftype == "encryptedstring",
        "externalId": False,
        "extraTypeInfo": "plaintextarea" if ftype == "textarea" else None,
        "filterable": filterable,
        "filteredLookupInfo": None,
        "formulaTreatNullNumberAsZero": False,
        "groupable": groupable,
        "highScaleNumber": False,
        "htmlFormatted": False,
        "idLookup": system,
        "inlineHelpText": None,
        "label": _default_label(name),
        "length": length,
        # Classic encrypted fields come back masked; the mask settings are
        # an assumption (UNCONFIRMED which defaults an org shows).
        "mask": "X" if ftype == "encryptedstring" else None,
        "maskType": "all" if ftype == "encryptedstring" else None,
        "name": name,
        "nameField": False,
        "namePointing": False,
        "nillable": not (boolean or system),
        "permissionable": custom and not boolean,
        "picklistValues": [],
        "polymorphicForeignKey": False,
        "precision": precision,
        "queryByDistance": ftype == "location",
        "referenceTargetField": None,
        "referenceTo": [],
        "relationshipName": None,
        "relationshipOrder": None,
        "restrictedDelete": False,
        "restrictedPicklist": False,
        "scale": scale,
        "searchPrefilterable": False,
        "soapType": SOAP_TYPES[ftype],
        "sortable": sortable,
        "type": ftype,
        "unique": False,
        "updateable": not system and ftype not in COMPOUND_TYPES,
        "writeRequiresMasterRead": False,
    }
    for key, value in overrides.items():
        if key == "picklistValues":
            value = picklist_values(value)
        elif key == "referenceTo" and isinstance(value, str):
            value = [value]
        d[key] = value
    if "length" in overrides and "byteLength" not in overrides and ftype not in ("id", "reference"):
        d["byteLength"] = d["length"] * 3
    if d["type"] == "reference" and len(d["referenceTo"]) > 1 and "polymorphicForeignKey" not in overrides:
        d["polymorphicForeignKey"] = True
    if d["externalId"] and "idLookup" not in overrides:
        d["idLookup"] = True
    if not d["nillable"] and custom and "permissionable" not in overrides:
        d["permissionable"] = False
    return {k: d[k] for k in FIELD_KEYS}


def picklist_values(values, default=None):
    """Picklist entries for a list of values (strings or ready entry dicts)."""
    out = []
    for v in values:
        if isinstance(v, dict):
            entry = {"active": True, "defaultValue": False, "label": v.get("value"),
                     "validFor": None, "value": None}
            entry.update(v)
        else:
            entry = {"active": True, "defaultValue": v == default, "label": v,
                     "validFor": None, "value": v}
        out.append({k: entry[k] for k in ("active", "defaultValue", "label", "validFor", "value")})
    return out


def _default_label(name):
    """Salesforce-like label from an API name: 'Tax_Rate__c' -> 'Tax Rate'."""
    base = re.sub(r"__(c|s|r)$", "", name)
    if base.endswith("Id") and len(base) > 2 and base != "Id":
        base = base[:-2] + " ID"
    base = base.replace("_", " ")
    base = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", base)
    return base


# ---------------------------------------------------------------- fields

def id_field():
    return field("Id", "id", label="Record ID", nillable=False, filterable=True,
                 groupable=True, sortable=True, aggregatable=True, idLookup=True,
                 defaultedOnCreate=True)


def reference(name, target, relationship_name=None, **overrides):
    """A lookup field to `target` (a name or a list for polymorphic lookups)."""
    if relationship_name is None:
        relationship_name = (name[:-3] + "__r") if name.endswith("__c") else \
            (name[:-2] if name.endswith("Id") else name)
    return field(name, "reference", referenceTo=target,
                 relationshipName=relationship_name, **overrides)


def system_fields():
    """IsDeleted, CreatedDate, CreatedById, LastModifiedDate, LastModifiedById, SystemModstamp."""
    ro = dict(createable=False, updateable=False, nillable=False, defaultedOnCreate=True)
    return [
        field("IsDeleted", "boolean", label="Deleted", **ro),
        field("CreatedDate", "datetime", label="Created Date", **ro),
        reference("CreatedById", "User", "CreatedBy", label="Created By ID", **ro),
        field("LastModifiedDate", "datetime", label="Last Modified Date", **ro),
        reference("LastModifiedById", "User", "LastModifiedBy", label="Last Modified By ID", **ro),
        field("SystemModstamp", "datetime", label="System Modstamp", **ro),
    ]


def address(prefix, label=None, state_country_codes=True):
    """The component fields of a compound address plus the compound field
    itself (e.g. prefix 'Billing' -> BillingStreet ... BillingAddress)."""
    compound = prefix + "Address"
    lab = label or (prefix + " Address")
    out = []
    for suffix, _key in ADDRESS_COMPONENTS:
        if not state_country_codes and suffix in ("StateCode", "CountryCode"):
            continue
        name = prefix + suffix
        lbl = "%s %s" % (prefix, re.sub(r"(?<=[a-z])(?=[A-Z])", " ", suffix))
        if suffix == "Street":
            f = field(name, "textarea", label=lbl, length=255)
        elif suffix in ("Latitude", "Longitude"):
            f = field(name, "double", label=lbl, precision=18, scale=15)
        elif suffix == "GeocodeAccuracy":
            f = field(name, "picklist", label=lbl, length=40, picklistValues=[
                "Address", "NearAddress", "Block", "Street", "ExtendedZip", "Zip",
                "Neighborhood", "City", "County", "State", "Unknown"], restrictedPicklist=True)
        elif suffix in ("StateCode", "CountryCode"):
            f = field(name, "picklist", label=lbl, length=10)
        elif suffix == "PostalCode":
            f = field(name, "string", label=lbl, length=20)
        elif suffix in ("City",):
            f = field(name, "string", label=lbl, length=40)
        else:
            f = field(name, "string", label=lbl, length=80)
        f["compoundFieldName"] = compound
        out.append(f)
    out.append(field(compound, "address", label=lab))
    return out


def location(name, label=None, scale=6, display_decimal=True):
    """A geolocation custom field `X__c` with X__Latitude__s / X__Longitude__s."""
    base = name[:-3] if name.endswith("__c") else name
    lab = label or _default_label(name)
    comp = []
    for part in ("Latitude", "Longitude"):
        f = field("%s__%s__s" % (base, part), "double", label="%s (%s)" % (lab, part),
                  precision=scale + 3, scale=scale)
        f["compoundFieldName"] = name
        comp.append(f)
    loc = field(name, "location", label=lab, displayLocationInDecimal=display_decimal,
                precision=scale + 3, scale=scale)
    return comp + [loc]


# ---------------------------------------------------------------- objects

def urls(name, custom=False, version=DEFAULT_API_VERSION):
    base = "/services/data/v%s/sobjects/%s" % (version, name)
    return {
        "compactLayouts": base + "/describe/compactLayouts",
        "rowTemplate": base + "/{ID}",
        "approvalLayouts": base + "/describe/approvalLayouts",
        "uiDetailTemplate": None,
        "uiEditTemplate": None,
        "listviews": base + "/listviews",
        "describe": base + "/describe",
        "uiNewRecord": None,
        "quickActions": base + "/quickActions",
        "layouts": base + "/describe/layouts",
        "sobject": base,
    }


def sobject(name, key_prefix, label=None, fields=(), custom=None, label_plural=None,
            name_field=True, system=True, **overrides):
    """A complete object describe.

    `fields` are field describes (from `field()` and friends) added after
    the standard Id and before the system fields.  With `name_field` a
    `Name` string field is added unless `fields` already has one (then it is
    marked as the name field).  `childRelationships` starts empty: call
    `link_child_relationships()` once the related objects exist."""
    if custom is None:
        custom = name.endswith("__c")
    label = label or _default_label(name)
    all_fields = [id_field()]
    given = {f["name"].lower(): f for f in fields}
    if name_field and "name" not in given:
        all_fields.append(field("Name", "string", label=label + " Name" if custom else "Name",
                                length=80, nillable=False, nameField=True,
                                idLookup=True))
    for f in fields:
        if f["name"] == "Name":
            f["nameField"] = True
            f["idLookup"] = True
        all_fields.append(f)
    if system:
        have = {f["name"].lower() for f in all_fields}
        all_fields.extend(f for f in system_fields() if f["name"].lower() not in have)
    d = {
        "actionOverrides": [],
        "activateable": False,
        "associateEntityType": None,
        "associateParentEntity": None,
        "childRelationships": [],
        "compactLayoutable": True,
        "createable": True,
        "custom": custom,
        "customSetting": False,
        "deepCloneable": False,
        "defaultImplementation": None,
        "deletable": True,
        "deprecatedAndHidden": False,
        "extendedBy": None,
        "extendsInterfaces": None,
        "feedEnabled": not custom,
        "fields": all_fields,
        "hasSubtypes": False,
        "implementedBy": None,
        "implementsInterfaces": None,
        "isInterface": False,
        "isSubtype": False,
        "keyPrefix": key_prefix,
        "label": label,
        "labelPlural": label_plural or _plural(label),
        "layoutable": True,
        "listviewable": None,
        "lookupLayoutable": None,
        "mergeable": name in ("Account", "Contact", "Lead", "Case"),
        "mruEnabled": True,
        "name": name,
        "namedLayoutInfos": [],
        "networkScopeFieldName": None,
        "queryable": True,
        "recordTypeInfos": [master_record_type(name)],
        "replicateable": True,
        "retrieveable": True,
        "searchLayoutable": True,
        "searchable": True,
        "sobjectDescribeOption": "FULL",
        "supportedScopes": [
            {"label": "All %s" % (label_plural or _plural(label)).lower(), "name": "everything"},
            {"label": "My %s" % (label_plural or _plural(label)).lower(), "name": "mine"},
        ],
        "triggerable": True,
        "undeletable": True,
        "updateable": True,
        "urls": urls(name, custom),
    }
    d.update(overrides)
    return {k: d[k] for k in DESCRIBE_KEYS}


def master_record_type(name):
    return {
        "active": True, "available": True, "defaultRecordTypeMapping": True,
        "developerName": "Master", "master": True, "name": "Master",
        "recordTypeId": "012000000000000AAA",
        "urls": {"layout": "/services/data/v%s/sobjects/%s/describe/layouts/012000000000000AAA"
                 % (DEFAULT_API_VERSION, name)},
    }


def _plural(label):
    if label.endswith("y") and not label.endswith(("ay", "ey", "oy", "uy")):
        return label[:-1] + "ies"
    if label.endswith(("s", "x", "ch", "sh")):
        return label + "es"
    return label + "s"


def global_entry(describe):
    """The object's entry in the global describe (GET /sobjects)."""
    out = {k: describe[k] for k in GLOBAL_KEYS}
    u = describe["urls"]
    out["urls"] = {k: u[k] for k in ("rowTemplate", "describe", "sobject") if u.get(k)}
    return out


def global_describe(describes, version=DEFAULT_API_VERSION):
    """The body of GET /services/data/vXX.X/sobjects for a list of describes."""
    entries = [global_entry(d) for d in sorted(describes, key=lambda d: d["name"].lower())]
    return describe_for_version({"encoding": "UTF-8", "maxBatchSize": 200,
                                 "sobjects": entries}, version)


_VERSION_RE = re.compile(r"/services/data/v\d+\.\d+/")


def describe_for_version(obj, version):
    """A deep copy of a describe-shaped value whose URLs name `version`."""
    if version == DEFAULT_API_VERSION:
        return copy.deepcopy(obj)
    repl = "/services/data/v%s/" % version

    def walk(v):
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, str) and "/services/data/v" in v:
            return _VERSION_RE.sub(repl, v)
        return v
    return walk(obj)


# ---------------------------------------------------------- relationships

# Child relationship names chosen explicitly, keyed by (child object lower,
# reference field lower).  Salesforce keeps that name with the lookup's
# metadata, not in the field describe, so it lives here.
_CHILD_NAMES = {}


def set_child_relationship_name(child, field_name, relationship_name):
    _CHILD_NAMES[(child.lower(), field_name.lower())] = relationship_name


def _default_child_name(child_describe, field_describe):
    plural = re.sub(r"[^A-Za-z0-9]", "", child_describe.get("labelPlural") or
                    _plural(child_describe["name"]))
    if field_describe.get("custom"):
        return plural + "__r"
    return plural


def link_child_relationships(describes):
    """Recompute every describe's childRelationships from the reference
    fields of all of them (a list of describes, or a Store).  Names already
    present for a (childSObject, field) pair are kept."""
    if hasattr(describes, "sobjects"):
        describes = [so.describe for so in describes.sobjects.values()]
    describes = list(describes)
    by_name = {d["name"].lower(): d for d in describes}
    existing = {}
    for d in describes:
        for rel in d.get("childRelationships") or []:
            if rel.get("relationshipName"):
                existing[(rel["childSObject"].lower(), rel["field"].lower())] = rel["relationshipName"]
    new = {name: [] for name in by_name}
    for child in describes:
        for f in child["fields"]:
            if f["type"] != "reference":
                continue
            for target in f.get("referenceTo") or []:
                if target.lower() not in new:
                    continue
                key = (child["name"].lower(), f["name"].lower())
                relname = _CHILD_NAMES.get(key) or existing.get(key)
                if relname is None and f["name"] in ("CreatedById", "LastModifiedById"):
                    relname = None      # Salesforce names none for these
                elif relname is None:
                    relname = _default_child_name(child, f)
                new[target.lower()].append({
                    "cascadeDelete": bool(f.get("cascadeDelete")),
                    "childSObject": child["name"],
                    "deprecatedAndHidden": False,
                    "field": f["name"],
                    "junctionIdListNames": [],
                    "junctionReferenceTo": [],
                    "relationshipName": relname,
                    "restrictedDelete": bool(f.get("restrictedDelete")),
                })
    for name, rels in new.items():
        rels.sort(key=lambda r: (r["childSObject"].lower(), r["field"].lower()))
        by_name[name]["childRelationships"] = rels


def child_relationship(describe, name):
    """The childRelationships entry named `name` (case-insensitive), or None."""
    for rel in describe.get("childRelationships") or []:
        if rel.get("relationshipName") and rel["relationshipName"].lower() == name.lower():
            return rel
    return None


# ---------------------------------------------------------- normalizing

def normalize_describe(partial):
    """A full object describe from a terse describe-shaped dict.

    `partial` needs "name" and may give "keyPrefix", "label", "custom",
    "fields" (each needing "name" and "type", any other field key
    optional), and any other object key.  Missing standard fields (Id, the
    system fields; Name unless `"nameField": false` is given at the top
    level) are added.  A reference field may carry "childRelationshipName",
    which is remembered for `link_child_relationships()` and not kept in the
    field.  Address fields listed without components get their component
    fields; location fields get their __Latitude__s/__Longitude__s."""
    partial = copy.deepcopy(partial)
    name = partial.pop("name")
    key_prefix = partial.pop("keyPrefix", None) or default_key_prefix(name)
    label = partial.pop("label", None)
    custom = partial.pop("custom", None)
    add_name = partial.pop("nameField", True)
    raw_fields = partial.pop("fields", [])
    given = {f["name"].lower() for f in raw_fields}
    built = []
    for f in raw_fields:
        f = dict(f)
        fname = f.pop("name")
        ftype = f.pop("type", "string")
        childname = f.pop("childRelationshipName", None)
        if fname.lower() == "id":
            continue
        if ftype == "reference":
            target = f.pop("referenceTo", None) or ["Account"]
            relname = f.pop("relationshipName", None)
            fd = reference(fname, target, relname, **f)
            if childname:
                set_child_relationship_name(name, fname, childname)
        elif ftype == "address":
            prefix = fname[:-len("Address")] if fname.endswith("Address") else fname
            comps = address(prefix, label=f.get("label"))
            for c in comps[:-1]:
                if c["name"].lower() not in given:
                    built.append(c)
            fd = comps[-1]
            fd.update(f)
        elif ftype == "location":
            comps = location(fname, label=f.get("label"), scale=f.get("scale", 6))
            for c in comps[:-1]:
                if c["name"].lower() not in given:
                    built.append(c)
            fd = comps[-1]
            fd.update(f)
        else:
            fd = field(fname, ftype, **f)
        built.append(fd)
    return sobject(name, key_prefix, label=label, fields=built, custom=custom,
                   name_field=add_name, **partial)


def default_key_prefix(name):
    """A stable custom-object key prefix ("a" + 2 base-36 characters) derived
    from the object name, for describes posted without one."""
    n = zlib.crc32(name.lower().encode("utf-8")) % (36 * 36)
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "a" + digits[n // 36] + digits[n % 36]


def compound_value(so, field_describe, record):
    """The JSON value of a compound (address or location) field for a record,
    built from its component fields; None when every component is null."""
    ftype = field_describe["type"]
    name = field_describe["name"]
    describe = so.describe if hasattr(so, "describe") else so
    comps = [f for f in describe["fields"] if f.get("compoundFieldName") == name]
    if ftype == "location":
        lat = lon = None
        for f in comps:
            if f["name"].endswith("Latitude__s") or f["name"].endswith("Latitude"):
                lat = record.get(f["name"])
            elif f["name"].endswith("Longitude__s") or f["name"].endswith("Longitude"):
                lon = record.get(f["name"])
        if lat is None and lon is None:
            return None
        return {"latitude": lat, "longitude": lon}
    prefix = name[:-len("Address")] if name.endswith("Address") else name
    values = {key: None for _suffix, key in ADDRESS_COMPONENTS}
    for suffix, key in ADDRESS_COMPONENTS:
        values[key] = record.get(prefix + suffix)
    if all(v is None for v in values.values()):
        return None
    return {k: values[k] for k in sorted(values)}
