"""The built-in "demo" dataset: a small, realistic and deterministic org.

`load_demo(store, now)` defines Account, Contact, Opportunity, Case, User
and the custom object Invoice__c, and fills them with a few thousand
records generated from a fixed seed, so every run (and every machine) sees
exactly the same ids and values.  Dates are fixed (2023-2026); `now` is
accepted for the loader interface but does not influence anything.

What the data is meant to exercise:
- every describe type the FDW's IMPORT FOREIGN SCHEMA maps (the rarer ones
  - int/long on a custom object, time, encryptedstring, combobox, base64,
  location - live on Invoice__c);
- mixed case, unicode (including 4-byte characters), quotes, backslashes,
  newlines; currency with cents and very large values; percent points;
  datetimes with and without milliseconds; nulls in every nillable field;
- valid lookups (some null), a self lookup (Account.ParentId), compound
  address and geolocation fields;
- soft-deleted rows (IsDeleted = true) so queryAll differs from query.
No value is the empty string: Salesforce stores none.
"""

import datetime
import decimal
import random

from . import schema
from .schema import field, reference, address, location, sobject

D = decimal.Decimal
UTC = datetime.timezone.utc
SEED = 20260101

COUNTS = {"User": 20, "Account": 500, "Contact": 1500, "Opportunity": 800,
          "Case": 300, "Invoice__c": 400}

KEY_PREFIXES = {"User": "005", "Account": "001", "Contact": "003",
                "Opportunity": "006", "Case": "500", "Invoice__c": "a01"}

INDUSTRIES = ["Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals",
              "Communications", "Construction", "Consulting", "Education",
              "Electronics", "Energy", "Engineering", "Entertainment",
              "Environmental", "Finance", "Food & Beverage", "Government",
              "Healthcare", "Hospitality", "Insurance", "Machinery",
              "Manufacturing", "Media", "Not For Profit", "Recreation", "Retail",
              "Shipping", "Technology", "Telecommunications", "Transportation",
              "Utilities", "Other"]
ACCOUNT_TYPES = ["Prospect", "Customer - Direct", "Customer - Channel",
                 "Channel Partner / Reseller", "Installation Partner",
                 "Technology Partner", "Other"]
RATINGS = ["Hot", "Warm", "Cold"]
OWNERSHIP = ["Public", "Private", "Subsidiary", "Other"]
LEAD_SOURCES = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]
SALUTATIONS = ["Mr.", "Ms.", "Mrs.", "Dr.", "Prof.", "Mx."]
LANGUAGES = ["English", "French", "German", "Spanish", "Japanese", "Portuguese"]
STAGES = [  # (name, probability, forecast category, closed, won)
    ("Prospecting", 10, "Pipeline", False, False),
    ("Qualification", 10, "Pipeline", False, False),
    ("Needs Analysis", 20, "Pipeline", False, False),
    ("Value Proposition", 50, "Pipeline", False, False),
    ("Id. Decision Makers", 60, "Pipeline", False, False),
    ("Perception Analysis", 70, "Pipeline", False, False),
    ("Proposal/Price Quote", 75, "Pipeline", False, False),
    ("Negotiation/Review", 90, "Commit", False, False),
    ("Closed Won", 100, "Closed", True, True),
    ("Closed Lost", 0, "Omitted", True, False),
]
OPP_TYPES = ["Existing Customer - Upgrade", "Existing Customer - Replacement",
             "Existing Customer - Downgrade", "New Customer"]
FORECAST = ["Omitted", "Pipeline", "Best Case", "Commit", "Closed"]
CASE_STATUS = ["New", "Working", "Escalated", "Closed"]
CASE_PRIORITY = ["High", "Medium", "Low"]
CASE_ORIGIN = ["Phone", "Email", "Web"]
CASE_TYPES = ["Mechanical", "Electrical", "Electronic", "Structural", "Other"]
CASE_REASONS = ["Installation", "Equipment Complexity", "Performance",
                "Breakdown", "Equipment Design", "Feedback", "Other"]
INVOICE_STATUS = ["Draft", "Sent", "Paid", "Overdue", "Void"]
INVOICE_TAGS = ["Urgent", "Recurring", "Disputed", "Export", "Government", "Manual Review"]
DELIVERY = ["Email", "Post", "Portal", "EDI"]
TIMEZONES = ["America/Los_Angeles", "America/New_York", "Europe/London",
             "Europe/Paris", "Asia/Tokyo", "Australia/Sydney"]
LOCALES = ["en_US", "en_GB", "fr_FR", "de_DE", "ja_JP"]

FIRST_NAMES = ["James", "Mary", "john", "PATRICIA", "Robert", "Jennifer", "Michael",
               "Linda", "William", "Elizabeth", "Zoë", "José", "Björn", "Ægir",
               "Siobhán", "François", "Małgorzata", "Øystein", "Renée", "Chloé",
               "İlker", "Ngọc", "Ana-María", "D'Arcy", "Jean-Luc", "Yūki",
               "Åsa", "Ólafur", "Nuño", "Łukasz", "Günther", "Amélie"]
LAST_NAMES = ["Smith", "Johnson", "williams", "BROWN", "Jones", "García", "Miller",
              "Davis", "O'Brien", "O'Neil", "Müller", "Schröder", "Dubois",
              "Nakamura", "佐藤", "Иванов", "Kowalski", "van der Berg",
              "De La Cruz", "MacDonald", "Ng", "Łęcki", "Þórsson", "Smith-Jones",
              "D'Angelo", "Nguyễn", "Papadopoulos", "Østergaard", "Ruiz", "Lee"]
COMPANY_WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne",
                 "Tyrell", "Cyberdyne", "Soylent", "Hooli", "Vandelay", "Wonka",
                 "Aperture", "Black Mesa", "Monarch", "Oscorp", "Gringotts",
                 "Nakatomi", "Duff", "Pied Piper", "Blue Sun", "Weyland", "Zorg",
                 "Massive Dynamic", "Dunder Mifflin", "Sterling Cooper", "Prestige"]
COMPANY_SUFFIXES = ["Inc.", "LLC", "Ltd", "GmbH", "S.A.", "Corp", "Holdings",
                    "Group", "& Co.", "Partners", "AG", "KK", "Pty Ltd", "plc"]
# Names that exercise quoting, escaping, case and unicode; placed at fixed
# positions so tests can find them by name.
SPECIAL_ACCOUNTS = [
    "O'Brien & Sons",
    'The "Quoted" Company',
    "Back\\Slash Partners",
    "C:\\Temp\\Files Ltd",
    "acme corp",
    "ACME CORP",
    "Acme Corp",
    "Müller Maschinenbau GmbH",
    "Société Générale d'Essai",
    "東京データ株式会社",
    "Ωmega Λabs",
    "Rocket 🚀 Launchers",
    "100% Pure_Underscore Ltd",
    "Trailing Space Co ",
    "Semi;Colon, Comma Inc.",
]
CITIES = [  # (city, state, state code, postal, country, country code, lat, lon)
    ("San Francisco", "California", "CA", "94105", "United States", "US", "37.789900", "-122.394200"),
    ("New York", "New York", "NY", "10001", "United States", "US", "40.750600", "-73.997200"),
    ("Austin", "Texas", "TX", "78701", "United States", "US", "30.267200", "-97.743100"),
    ("Chicago", "Illinois", "IL", "60601", "United States", "US", "41.885500", "-87.621700"),
    ("Paris", None, None, "75001", "France", "FR", "48.860600", "2.337600"),
    ("München", "Bayern", None, "80331", "Germany", "DE", "48.137100", "11.575400"),
    ("London", None, None, "EC1A 1BB", "United Kingdom", "GB", "51.520100", "-0.097600"),
    ("Tōkyō", "東京都", None, "100-0005", "Japan", "JP", "35.681200", "139.767100"),
    ("São Paulo", "SP", None, "01310-100", "Brazil", "BR", "-23.561400", "-46.655900"),
    ("Sydney", "New South Wales", "NSW", "2000", "Australia", "AU", "-33.868800", "151.209300"),
    ("Reykjavík", None, None, "101", "Iceland", "IS", "64.146600", "-21.942600"),
    ("Zürich", "ZH", None, "8001", "Switzerland", "CH", "47.376900", "8.541700"),
]
STREETS = ["Main Street", "Market St", "Rue de Rivoli", "Baker Street",
           "Königsallee", "Avenida Paulista", "Sunset Blvd", "O'Connell Street",
           "Elm Street", "Broadway"]


# ------------------------------------------------------------------ schema

def _picklist(name, values, **kw):
    return field(name, "picklist", picklistValues=values, **kw)


def describes():
    """The demo objects' describes (child relationships linked)."""
    ro = dict(createable=False, updateable=False)
    user = sobject("User", "005", "User", fields=[
        field("Username", "string", length=80, nillable=False, unique=True, idLookup=True),
        field("LastName", "string", length=80, nillable=False, compoundFieldName="Name"),
        field("FirstName", "string", length=40, compoundFieldName="Name"),
        field("Name", "string", label="Full Name", length=121, extraTypeInfo="personname", **ro),
        field("Alias", "string", length=8, nillable=False),
        field("Email", "email", length=128, nillable=False),
        field("IsActive", "boolean", label="Active", defaultValue=True),
        field("Title", "string", length=80),
        field("Department", "string", length=80),
        field("CompanyName", "string", label="Company Name", length=80),
        field("Phone", "phone"),
        _picklist("TimeZoneSidKey", TIMEZONES, label="Time Zone", length=40, nillable=False,
                  restrictedPicklist=True),
        _picklist("LocaleSidKey", LOCALES, label="Locale", length=40, nillable=False,
                  restrictedPicklist=True),
        reference("ManagerId", "User", "Manager", label="Manager ID"),
        field("LastLoginDate", "datetime", label="Last Login", **ro),
    ], mergeable=False)

    account = sobject("Account", "001", "Account", fields=[
        field("Name", "string", label="Account Name", length=255, nillable=False),
        _picklist("Type", ACCOUNT_TYPES, label="Account Type"),
        reference("ParentId", "Account", "Parent", label="Parent Account ID"),
    ] + address("Billing") + address("Shipping") + [
        field("Phone", "phone", label="Account Phone"),
        field("Fax", "phone", label="Account Fax"),
        field("AccountNumber", "string", label="Account Number", length=40),
        field("Website", "url"),
        field("Sic", "string", label="SIC Code", length=20),
        _picklist("Industry", INDUSTRIES),
        field("AnnualRevenue", "currency", label="Annual Revenue", precision=18, scale=0),
        field("NumberOfEmployees", "int", label="Employees", digits=8),
        _picklist("Ownership", OWNERSHIP),
        _picklist("Rating", RATINGS, label="Account Rating"),
        field("Description", "textarea", label="Account Description", length=32000),
        reference("OwnerId", "User", "Owner", label="Owner ID", nillable=False,
                  defaultedOnCreate=True),
        field("ERP_Id__c", "string", label="ERP Id", length=20, externalId=True, unique=True),
        field("Customer_Since__c", "date", label="Customer Since"),
    ])

    contact = sobject("Contact", "003", "Contact", name_field=False, fields=[
        reference("AccountId", "Account", "Account", label="Account ID"),
        field("LastName", "string", label="Last Name", length=80, nillable=False,
              compoundFieldName="Name"),
        field("FirstName", "string", label="First Name", length=40, compoundFieldName="Name"),
        _picklist("Salutation", SALUTATIONS, length=40, compoundFieldName="Name"),
        field("Name", "string", label="Full Name", length=121, extraTypeInfo="personname",
              nameField=True, idLookup=False, **ro),
    ] + address("Mailing") + [
        field("Phone", "phone", label="Business Phone"),
        field("MobilePhone", "phone", label="Mobile Phone"),
        field("Email", "email", idLookup=True),
        field("Title", "string", length=128),
        field("Department", "string", length=80),
        field("Birthdate", "date"),
        _picklist("LeadSource", LEAD_SOURCES, label="Lead Source"),
        field("HasOptedOutOfEmail", "boolean", label="Email Opt Out"),
        field("DoNotCall", "boolean", label="Do Not Call"),
        reference("ReportsToId", "Contact", "ReportsTo", label="Reports To ID"),
        field("Description", "textarea", length=32000, label="Contact Description"),
        reference("OwnerId", "User", "Owner", label="Owner ID", nillable=False,
                  defaultedOnCreate=True),
        field("Languages__c", "multipicklist", label="Languages", length=4099,
              picklistValues=LANGUAGES),
    ])

    opportunity = sobject("Opportunity", "006", "Opportunity", fields=[
        reference("AccountId", "Account", "Account", label="Account ID"),
        field("Name", "string", length=120, nillable=False),
        field("Description", "textarea", length=32000),
        _picklist("StageName", [s[0] for s in STAGES], label="Stage", nillable=False),
        field("Amount", "currency", precision=18, scale=2),
        field("Probability", "percent", label="Probability (%)", precision=3, scale=0),
        field("ExpectedRevenue", "currency", label="Expected Amount", precision=18, scale=2,
              calculated=True, **ro),
        field("TotalOpportunityQuantity", "double", label="Quantity", precision=18, scale=2),
        field("CloseDate", "date", label="Close Date", nillable=False),
        _picklist("Type", OPP_TYPES, label="Opportunity Type"),
        field("NextStep", "string", label="Next Step", length=255),
        _picklist("LeadSource", LEAD_SOURCES, label="Lead Source"),
        field("IsClosed", "boolean", label="Closed", calculated=True, **ro),
        field("IsWon", "boolean", label="Won", calculated=True, **ro),
        _picklist("ForecastCategoryName", FORECAST, label="Forecast Category"),
        reference("OwnerId", "User", "Owner", label="Owner ID", nillable=False,
                  defaultedOnCreate=True),
        field("Discount__c", "percent", label="Discount", precision=5, scale=2),
    ])

    case = sobject("Case", "500", "Case", name_field=False, fields=[
        field("CaseNumber", "string", label="Case Number", length=30, autoNumber=True,
              nillable=False, defaultedOnCreate=True, nameField=True, idLookup=True, **ro),
        reference("ContactId", "Contact", "Contact", label="Contact ID"),
        reference("AccountId", "Account", "Account", label="Account ID"),
        reference("ParentId", "Case", "Parent", label="Parent Case ID"),
        field("SuppliedName", "string", label="Web Name", length=80),
        field("SuppliedEmail", "email", label="Web Email"),
        field("SuppliedPhone", "phone", label="Web Phone"),
        _picklist("Type", CASE_TYPES, label="Case Type"),
        _picklist("Status", CASE_STATUS),
        _picklist("Reason", CASE_REASONS, label="Case Reason"),
        _picklist("Origin", CASE_ORIGIN, label="Case Origin"),
        field("Subject", "string", length=255),
        _picklist("Priority", CASE_PRIORITY),
        field("Description", "textarea", length=32000),
        field("IsClosed", "boolean", label="Closed", **ro),
        field("ClosedDate", "datetime", label="Closed Date", **ro),
        field("IsEscalated", "boolean", label="Escalated"),
        reference("OwnerId", "User", "Owner", label="Owner ID", nillable=False,
                  defaultedOnCreate=True),
    ])

    invoice = sobject("Invoice__c", "a01", "Invoice", fields=[
        field("Name", "string", label="Invoice Number", length=80, nillable=False),
        reference("Account__c", "Account", "Account__r", label="Account"),
        reference("Primary_Contact__c", "Contact", "Primary_Contact__r", label="Primary Contact"),
        _picklist("Status__c", INVOICE_STATUS, label="Status", restrictedPicklist=True),
        field("Tags__c", "multipicklist", label="Tags", picklistValues=INVOICE_TAGS),
        field("Amount__c", "currency", label="Amount", precision=18, scale=2),
        field("Tax_Rate__c", "percent", label="Tax Rate", precision=5, scale=2),
        field("Exchange_Rate__c", "double", label="Exchange Rate", precision=18, scale=6),
        field("Line_Count__c", "int", label="Line Count", digits=9),
        field("Ledger_Sequence__c", "long", label="Ledger Sequence", digits=18),
        field("Issued_On__c", "date", label="Issued On"),
        field("Due_On__c", "date", label="Due On"),
        field("Paid_At__c", "datetime", label="Paid At"),
        field("Cutoff_Time__c", "time", label="Cutoff Time"),
        field("Is_Paid__c", "boolean", label="Paid"),
        field("Notes__c", "textarea", label="Notes", length=255),
        field("Details__c", "textarea", label="Details", length=32768),
        field("Billing_Email__c", "email", label="Billing Email"),
        field("Billing_Phone__c", "phone", label="Billing Phone"),
        field("Portal_Url__c", "url", label="Portal URL"),
        field("Card_Number__c", "encryptedstring", label="Card Number", length=20),
        field("Delivery_Method__c", "combobox", label="Delivery Method",
              picklistValues=DELIVERY),
        field("Scan__c", "base64", label="Scan", length=32000000),
        field("External_Ref__c", "string", label="External Ref", length=40,
              externalId=True, unique=True),
    ] + location("Location__c", label="Location", scale=6), label_plural="Invoices")

    schema.set_child_relationship_name("Account", "ParentId", "ChildAccounts")
    schema.set_child_relationship_name("Invoice__c", "Account__c", "Invoices__r")
    schema.set_child_relationship_name("Invoice__c", "Primary_Contact__c", "Invoices__r")
    schema.set_child_relationship_name("User", "ManagerId", "ManagedUsers")
    all_describes = [user, account, contact, opportunity, case, invoice]
    schema.link_child_relationships(all_describes)
    return all_describes


# ------------------------------------------------------------------ values

BASE = datetime.datetime(2023, 1, 1, tzinfo=UTC)
SPAN_SECONDS = int((datetime.datetime(2026, 6, 30, tzinfo=UTC) - BASE).total_seconds())


def _datetime(rng, start=BASE, span=SPAN_SECONDS, ms=True):
    """A UTC datetime with ms precision; about a third have non-zero ms."""
    dt = start + datetime.timedelta(seconds=rng.randrange(span))
    if ms and rng.random() < 0.35:
        dt = dt.replace(microsecond=rng.randrange(1, 1000) * 1000)
    return dt


def _audit(rng, users, rec):
    created = _datetime(rng, span=SPAN_SECONDS - 86400 * 30)
    modified = created + datetime.timedelta(seconds=rng.randrange(0, 86400 * 30),
                                            milliseconds=rng.randrange(1000))
    creator = rng.choice(users)
    rec["CreatedDate"] = created
    rec["CreatedById"] = creator
    rec["LastModifiedDate"] = modified
    rec["LastModifiedById"] = rng.choice([creator, rng.choice(users)])
    rec["SystemModstamp"] = modified
    return rec


def _maybe(rng, p, value):
    """value with probability p, else None."""
    return value if rng.random() < p else None


def _phone(rng):
    style = rng.randrange(4)
    if style == 0:
        return "(%03d) 555-%04d" % (rng.randrange(201, 990), rng.randrange(10000))
    if style == 1:
        return "+33 1 %02d %02d %02d %02d" % tuple(rng.randrange(100) for _ in range(4))
    if style == 2:
        return "+49 89 %07d" % rng.randrange(10 ** 7)
    return "555.%03d.%04d ext. %d" % (rng.randrange(1000), rng.randrange(10000), rng.randrange(1, 99))


def _money(rng, low, high, cents=True):
    value = D(rng.randrange(low * 100, high * 100)) / 100
    return value.quantize(D("0.01")) if cents else value.quantize(D("1"))


def _slug(text):
    out = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "-" for ch in text)
    out = "-".join(p for p in out.split("-") if p)
    return out or "org"


def _address(rng, rec, prefix, p=0.9):
    keys = ("Street", "City", "State", "StateCode", "PostalCode", "Country",
            "CountryCode", "Latitude", "Longitude", "GeocodeAccuracy")
    for k in keys:
        rec[prefix + k] = None
    if rng.random() >= p:
        return
    city, state, scode, postal, country, ccode, lat, lon = rng.choice(CITIES)
    street = "%d %s" % (rng.randrange(1, 2500), rng.choice(STREETS))
    if rng.random() < 0.2:
        street += "\nSuite %d" % rng.randrange(100, 999)
    rec[prefix + "Street"] = street
    rec[prefix + "City"] = city
    rec[prefix + "State"] = state
    rec[prefix + "StateCode"] = scode
    rec[prefix + "PostalCode"] = _maybe(rng, 0.95, postal)
    rec[prefix + "Country"] = country
    rec[prefix + "CountryCode"] = ccode
    if rng.random() < 0.6:
        rec[prefix + "Latitude"] = D(lat) + D(rng.randrange(-5000, 5000)) / 10 ** 6
        rec[prefix + "Longitude"] = D(lon) + D(rng.randrange(-5000, 5000)) / 10 ** 6
        rec[prefix + "GeocodeAccuracy"] = rng.choice(["Address", "NearAddress", "Street", "Zip", "City"])


def _description(rng, subject):
    style = rng.randrange(6)
    if style == 0:
        return None
    if style == 1:
        return "Notes on %s:\n- first line\n- second line with \"quotes\"" % subject
    if style == 2:
        return "Path C:\\Users\\%s\\docs; 50%% done_ok" % _slug(subject)
    if style == 3:
        return ("Long text. " * rng.randrange(20, 400)).strip()
    if style == 4:
        return "Résumé: naïve café — “smart quotes” and ‘single’ ✓"
    return "%s\ttab\tseparated\r\nCRLF line" % subject


def _person(rng):
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def _email(rng, first, last, domain):
    local = "%s.%s" % (_slug(first or "x"), _slug(last))
    if rng.random() < 0.1:
        local = local.upper()
    return "%s%d@%s" % (local, rng.randrange(100), domain)


def load_demo(store, now=None):
    """Define the demo objects in `store` and add their records.  Returns
    {object name: [ids in creation order]}.  `now` is ignored (the data uses
    fixed dates so runs are comparable)."""
    rng = random.Random(SEED)
    sos = {}
    for d in describes():
        sos[d["name"]] = store.define(d)
    ids = {name: [] for name in sos}

    def add(name, rec):
        rid = store.add_record(sos[name], rec)
        ids[name].append(rid)
        return rid

    # Users: created first so every audit field can point at one.
    users = []
    so_user = sos["User"]
    for i in range(COUNTS["User"]):
        first, last = _person(rng)
        if i == 0:
            first, last = None, "Integration User"
        rec = {"Id": store.new_id(so_user)}
        users.append(rec["Id"])
        created = BASE + datetime.timedelta(days=i)
        rec.update({
            "Username": "%s.%s.%d@demo.example.com" % (_slug(first or "integration"), _slug(last), i),
            "LastName": last, "FirstName": first,
            "Name": ("%s %s" % (first, last)) if first else last,
            "Alias": (_slug(first or "int")[:4] + _slug(last)[:4])[:8],
            "Email": _email(rng, first or "integration", last, "demo.example.com"),
            "IsActive": i < 17,
            "Title": rng.choice(["Sales Rep", "Account Executive", "Support Engineer",
                                 "VP Sales", "Director, EMEA", None]),
            "Department": rng.choice(["Sales", "Support", "Finance", None]),
            "CompanyName": "Demo Org",
            "Phone": _maybe(rng, 0.7, _phone(rng)),
            "TimeZoneSidKey": rng.choice(TIMEZONES),
            "LocaleSidKey": rng.choice(LOCALES),
            "ManagerId": users[0] if i > 0 and rng.random() < 0.8 else None,
            "LastLoginDate": _maybe(rng, 0.8, _datetime(rng)),
            "IsDeleted": False,
            "CreatedDate": created, "CreatedById": users[0],
            "LastModifiedDate": created, "LastModifiedById": users[0],
            "SystemModstamp": created,
        })
        add("User", rec)

    # Accounts; about 3% soft-deleted.  Live children point at live parents.
    accounts_live, accounts_all = [], []
    for i in range(COUNTS["Account"]):
        if i < len(SPECIAL_ACCOUNTS) * 3 and i % 3 == 0:
            name = SPECIAL_ACCOUNTS[i // 3]
        else:
            name = "%s %s" % (rng.choice(COMPANY_WORDS), rng.choice(COMPANY_SUFFIXES))
            if rng.random() < 0.3:
                name = "%s %s %d" % (rng.choice(COMPANY_WORDS), rng.choice(COMPANY_SUFFIXES), i)
        deleted = i >= 40 and rng.random() < 0.03
        rec = {"Name": name, "Type": _maybe(rng, 0.85, rng.choice(ACCOUNT_TYPES))}
        rec["ParentId"] = rng.choice(accounts_live) if accounts_live and rng.random() < 0.1 else None
        _address(rng, rec, "Billing")
        _address(rng, rec, "Shipping", p=0.5)
        revenue = None
        r = rng.random()
        if r < 0.6:
            revenue = D(rng.randrange(10, 5000) * 10000)
        elif r < 0.7:
            revenue = D(rng.randrange(1, 999)) * D(10) ** 9      # large, up to 1e12
        industry = _maybe(rng, 0.85, rng.choice(INDUSTRIES))
        rec.update({
            "Phone": _maybe(rng, 0.8, _phone(rng)),
            "Fax": _maybe(rng, 0.2, _phone(rng)),
            "AccountNumber": _maybe(rng, 0.7, "CD%06d" % rng.randrange(10 ** 6)),
            "Website": _maybe(rng, 0.7, rng.choice(["https://www.%s.example.com",
                                                    "www.%s.example", "http://%s.example.org/home"])
                              % _slug(name)),
            "Sic": _maybe(rng, 0.4, "%04d" % rng.randrange(100, 9999)),
            "Industry": industry,
            "AnnualRevenue": revenue,
            "NumberOfEmployees": _maybe(rng, 0.75, rng.choice([1, 12, 250, 1200, 98000,
                                                               rng.randrange(1, 500000)])),
            "Ownership": _maybe(rng, 0.5, rng.choice(OWNERSHIP)),
            "Rating": _maybe(rng, 0.6, rng.choice(RATINGS)),
            "Description": _description(rng, name),
            "OwnerId": rng.choice(users),
            "ERP_Id__c": None if rng.random() < 0.1 else "ERP-%05d" % (i + 1),
            "Customer_Since__c": _maybe(rng, 0.5, datetime.date(2005, 1, 1)
                                        + datetime.timedelta(days=rng.randrange(7500))),
            "IsDeleted": deleted,
        })
        _audit(rng, users, rec)
        rid = add("Account", rec)
        accounts_all.append(rid)
        if not deleted:
            accounts_live.append(rid)

    # Contacts
    contacts_live, contacts_by_account = [], {}
    for i in range(COUNTS["Contact"]):
        deleted = rng.random() < 0.02
        pool = accounts_all if deleted else accounts_live
        account = rng.choice(pool) if rng.random() < 0.9 else None
        first, last = _person(rng)
        if rng.random() < 0.08:
            first = None
        salutation = _maybe(rng, 0.4, rng.choice(SALUTATIONS))
        name = " ".join(p for p in (salutation, first, last) if p)
        langs = [l for l in LANGUAGES if rng.random() < 0.25]
        rec = {
            "AccountId": account, "LastName": last, "FirstName": first,
            "Salutation": salutation, "Name": name,
        }
        _address(rng, rec, "Mailing", p=0.6)
        rec.update({
            "Phone": _maybe(rng, 0.7, _phone(rng)),
            "MobilePhone": _maybe(rng, 0.4, _phone(rng)),
            "Email": _maybe(rng, 0.85, _email(rng, first or "contact", last,
                                              rng.choice(["example.com", "example.org",
                                                          "EXAMPLE.NET", "müller.example"]))),
            "Title": _maybe(rng, 0.6, rng.choice(["CEO", "CFO", "VP, Engineering",
                                                  "Buyer", "Head of IT", "Directeur Général"])),
            "Department": _maybe(rng, 0.5, rng.choice(["Finance", "IT", "Procurement", "R&D"])),
            "Birthdate": _maybe(rng, 0.5, datetime.date(1950, 1, 1)
                                + datetime.timedelta(days=rng.randrange(18000))),
            "LeadSource": _maybe(rng, 0.6, rng.choice(LEAD_SOURCES)),
            "HasOptedOutOfEmail": rng.random() < 0.15,
            "DoNotCall": rng.random() < 0.1,
            "ReportsToId": rng.choice(contacts_live) if contacts_live and rng.random() < 0.1 else None,
            "Description": _description(rng, last) if rng.random() < 0.3 else None,
            "OwnerId": rng.choice(users),
            "Languages__c": ";".join(langs) if langs else None,
            "IsDeleted": deleted,
        })
        _audit(rng, users, rec)
        rid = add("Contact", rec)
        if not deleted:
            contacts_live.append(rid)
            if account:
                contacts_by_account.setdefault(account, []).append(rid)

    # Opportunities
    for i in range(COUNTS["Opportunity"]):
        deleted = rng.random() < 0.02
        account = rng.choice(accounts_all if deleted else accounts_live) if rng.random() < 0.95 else None
        stage, prob, forecast, closed, won = rng.choice(STAGES)
        amount = None
        r = rng.random()
        if r < 0.75:
            amount = _money(rng, 500, 250000)
        elif r < 0.85:
            amount = _money(rng, 10 ** 8, 10 ** 10)          # large with cents
        elif r < 0.9:
            amount = D(rng.randrange(1, 100) * 1000)         # whole thousands
        rec = {
            "AccountId": account,
            "Name": "%s - %s" % (rng.choice(["Renewal", "Upsell", "New Business",
                                             "Pilot", "Expansion", "Migración"]), i + 1),
            "Description": _maybe(rng, 0.2, _description(rng, "deal %d" % i)),
            "StageName": stage,
            "Amount": amount,
            "Probability": D(prob),
            "ExpectedRevenue": (amount * prob / 100).quantize(D("0.01")) if amount is not None else None,
            "TotalOpportunityQuantity": _maybe(rng, 0.3, D(rng.randrange(1, 10000)) / 4),
            "CloseDate": datetime.date(2023, 1, 1) + datetime.timedelta(days=rng.randrange(1300)),
            "Type": _maybe(rng, 0.8, rng.choice(OPP_TYPES)),
            "NextStep": _maybe(rng, 0.3, rng.choice(["Call back Monday", "Send \"final\" quote",
                                                    "Legal review", "Demo at 10:00"])),
            "LeadSource": _maybe(rng, 0.6, rng.choice(LEAD_SOURCES)),
            "IsClosed": closed, "IsWon": won,
            "ForecastCategoryName": forecast,
            "OwnerId": rng.choice(users),
            "Discount__c": _maybe(rng, 0.4, D(rng.randrange(0, 5000)) / 100),
            "IsDeleted": deleted,
        }
        _audit(rng, users, rec)
        add("Opportunity", rec)

    # Cases
    cases_live = []
    for i in range(COUNTS["Case"]):
        deleted = rng.random() < 0.02
        account = rng.choice(accounts_all if deleted else accounts_live) if rng.random() < 0.85 else None
        candidates = contacts_by_account.get(account, [])
        contact = rng.choice(candidates) if candidates and rng.random() < 0.8 else None
        status = rng.choice(CASE_STATUS)
        rec = {
            "CaseNumber": "%08d" % (1001 + i),
            "ContactId": contact, "AccountId": account,
            "ParentId": rng.choice(cases_live) if cases_live and rng.random() < 0.05 else None,
            "SuppliedName": _maybe(rng, 0.2, " ".join(_person(rng))),
            "SuppliedEmail": _maybe(rng, 0.2, "web%d@example.com" % i),
            "SuppliedPhone": _maybe(rng, 0.1, _phone(rng)),
            "Type": _maybe(rng, 0.7, rng.choice(CASE_TYPES)),
            "Status": status,
            "Reason": _maybe(rng, 0.6, rng.choice(CASE_REASONS)),
            "Origin": rng.choice(CASE_ORIGIN),
            "Subject": _maybe(rng, 0.95, rng.choice(["Printer on fire", "Can't log in",
                                                     "Invoice question: 'VAT'",
                                                     "Überweisung fehlgeschlagen",
                                                     "Slow dashboard \\ reports",
                                                     "Feature request"]) + " #%d" % i),
            "Priority": rng.choice(CASE_PRIORITY),
            "Description": _description(rng, "case %d" % i),
            "IsClosed": status == "Closed",
            "IsEscalated": status == "Escalated",
            "OwnerId": rng.choice(users),
            "IsDeleted": deleted,
        }
        _audit(rng, users, rec)
        rec["ClosedDate"] = rec["LastModifiedDate"] if status == "Closed" else None
        rid = add("Case", rec)
        if not deleted:
            cases_live.append(rid)

    # Invoices (the custom object with the rarer types)
    for i in range(COUNTS["Invoice__c"]):
        deleted = rng.random() < 0.03
        account = rng.choice(accounts_all if deleted else accounts_live) if rng.random() < 0.9 else None
        candidates = contacts_by_account.get(account, [])
        status = rng.choice(INVOICE_STATUS)
        issued = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randrange(900))
        paid = status == "Paid"
        tags = [t for t in INVOICE_TAGS if rng.random() < 0.2]
        r = rng.random()
        if r < 0.7:
            amount = _money(rng, 10, 90000)
        elif r < 0.8:
            amount = D(rng.randrange(10 ** 12, 10 ** 15)) / 100         # up to 9,999,999,999,999.99
        elif r < 0.9:
            amount = D(rng.randrange(1, 50) * 100)
        else:
            amount = None
        ledger = rng.choice([rng.randrange(1, 2 ** 31), rng.randrange(2 ** 31, 2 ** 53),
                             9007199254740993 + i, None])
        lat = lon = None
        if rng.random() < 0.7:
            c = rng.choice(CITIES)
            lat = (D(c[6]) + D(rng.randrange(-9999, 9999)) / 10 ** 6).quantize(D("0.000001"))
            lon = (D(c[7]) + D(rng.randrange(-9999, 9999)) / 10 ** 6).quantize(D("0.000001"))
        rec = {
            "Name": "INV-%06d" % (i + 1),
            "Account__c": account,
            "Primary_Contact__c": rng.choice(candidates) if candidates and rng.random() < 0.7 else None,
            "Status__c": status,
            "Tags__c": ";".join(tags) if tags else None,
            "Amount__c": amount,
            "Tax_Rate__c": rng.choice([D("0"), D("5.5"), D("7.25"), D("19.6"), D("20"), None]),
            "Exchange_Rate__c": _maybe(rng, 0.8, (D(rng.randrange(500000, 2000000)) / 10 ** 6)),
            "Line_Count__c": _maybe(rng, 0.9, rng.randrange(0, 500)),
            "Ledger_Sequence__c": ledger,
            "Issued_On__c": issued if status != "Draft" else None,
            "Due_On__c": issued + datetime.timedelta(days=rng.choice([15, 30, 45, 60])),
            "Paid_At__c": _datetime(rng, datetime.datetime(issued.year, issued.month, issued.day,
                                                           tzinfo=UTC), 86400 * 40) if paid else None,
            "Cutoff_Time__c": _maybe(rng, 0.7, datetime.time(rng.randrange(24), rng.choice([0, 15, 30, 45]),
                                                              rng.randrange(60),
                                                              rng.choice([0, 0, 500, 123]) * 1000)),
            "Is_Paid__c": paid,
            "Notes__c": _maybe(rng, 0.4, rng.choice(["Paid by wire", "Client says \"next week\"",
                                                     "Ref: A\\B\\C", "Escompte 2 % — 10 jours",
                                                     "see attached\nsecond line"])),
            "Details__c": _maybe(rng, 0.5, _description(rng, "invoice %d" % i)),
            "Billing_Email__c": _maybe(rng, 0.7, "billing%d@%s" % (i, rng.choice(["example.com", "Example.ORG"]))),
            "Billing_Phone__c": _maybe(rng, 0.5, _phone(rng)),
            "Portal_Url__c": _maybe(rng, 0.4, "https://portal.example.com/invoices/%d?lang=fr&x=a%%20b" % (i + 1)),
            "Card_Number__c": _maybe(rng, 0.3, "4111%012d" % rng.randrange(10 ** 12)),
            "Delivery_Method__c": _maybe(rng, 0.8, rng.choice(DELIVERY + ["Courier (same day)", "fax"])),
            "Scan__c": (b"%PDF-1.4\n" + bytes(rng.randrange(256) for _ in range(rng.randrange(8, 64))))
            if rng.random() < 0.1 else None,
            "External_Ref__c": _maybe(rng, 0.8, "EXT-%04d-%s" % (i + 1, rng.choice("ABCDEFGH"))),
            "Location__Latitude__s": lat,
            "Location__Longitude__s": lon,
            "IsDeleted": deleted,
        }
        _audit(rng, users, rec)
        add("Invoice__c", rec)
    return ids
