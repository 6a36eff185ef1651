"""values.py: coercion of JSON-shaped and string values per field type."""

import datetime
import decimal
import unittest

from sfemu_lib import schema, values
from sfemu_lib.store import UTC, Store
from sfemu_lib.values import FieldError

D = decimal.Decimal


def f(ftype, **kw):
    return schema.field("F__c", ftype, **kw)


class CoerceTest(unittest.TestCase):
    def bad(self, field, value, code="INVALID_TYPE_ON_FIELD_IN_RECORD"):
        with self.assertRaises(FieldError) as cm:
            values.coerce(field, value)
        self.assertEqual(cm.exception.code, code)
        return cm.exception

    def test_strings(self):
        self.assertEqual(values.coerce(f("string"), "abc"), "abc")
        self.assertIsNone(values.coerce(f("string"), ""))
        self.assertEqual(values.coerce(f("string"), D("12.50")), "12.50")
        self.assertEqual(values.coerce(f("string"), True), "true")
        e = self.bad(f("string", length=3), "abcd", "STRING_TOO_LONG")
        self.assertEqual(e.fields, ["F__c"])
        self.bad(f("string"), {"a": 1})
        pick = f("multipicklist", picklistValues=["A", "B"], restrictedPicklist=True)
        self.assertEqual(values.coerce(pick, "A;B"), "A;B")
        self.bad(pick, "A;C", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
        self.assertEqual(values.coerce(f("picklist", picklistValues=["A"]), "Z"), "Z")

    def test_numbers(self):
        self.assertEqual(values.coerce(f("int"), "42"), 42)
        self.assertEqual(values.coerce(f("int"), D("5.0")), 5)
        self.bad(f("int"), D("5.5"))
        self.bad(f("int"), True)
        self.assertEqual(values.coerce(f("currency"), "1234.5"), D("1234.50"))
        self.assertEqual(values.coerce(f("double", precision=18, scale=6), D("0.1234567")), D("0.123457"))
        self.assertEqual(values.coerce(f("currency"), " 1e3 "), D("1000.00"))
        self.bad(f("currency"), "12,5")
        self.bad(f("currency", precision=5, scale=2), "1234", "NUMBER_OUTSIDE_VALID_RANGE")
        self.assertEqual(values.coerce(f("currency", precision=5, scale=2), "-999.99"), D("-999.99"))

    def test_booleans(self):
        self.assertIs(values.coerce(f("boolean"), "TRUE"), True)
        self.assertIs(values.coerce(f("boolean"), "false"), False)
        self.assertIs(values.coerce(f("boolean"), None), False)
        self.assertIs(values.coerce(f("boolean"), ""), False)
        self.bad(f("boolean"), "yes")

    def test_dates_and_times(self):
        self.assertEqual(values.coerce(f("date"), "2024-02-29"), datetime.date(2024, 2, 29))
        self.assertEqual(values.coerce(f("date"), "2024-02-29T23:00:00Z"), datetime.date(2024, 2, 29))
        self.bad(f("date"), "2023-02-29")
        self.bad(f("date"), 20240101)
        dt = values.coerce(f("datetime"), "2024-01-15T10:30:00.123456+02:00")
        self.assertEqual(dt, datetime.datetime(2024, 1, 15, 8, 30, 0, 123000, tzinfo=UTC))
        self.assertEqual(values.coerce(f("datetime"), "2024-01-15T10:30:00.000+0000"),
                         datetime.datetime(2024, 1, 15, 10, 30, tzinfo=UTC))
        self.assertEqual(values.coerce(f("datetime"), "2024-01-15"),
                         datetime.datetime(2024, 1, 15, tzinfo=UTC))
        self.bad(f("datetime"), "yesterday")
        self.assertEqual(values.coerce(f("time"), "01:02:03.5Z"), datetime.time(1, 2, 3, 500000))
        self.bad(f("time"), "25:00:00Z")

    def test_references_and_base64(self):
        store = Store()
        acc = store.define(schema.normalize_describe({"name": "Account", "keyPrefix": "001"}))
        rid = store.add_record(acc, {"Name": "A"})
        ref = schema.reference("Account__c", "Account")
        self.assertEqual(values.coerce(ref, rid[:15], store), rid)
        self.bad(ref, "001abc", "MALFORMED_ID")
        with self.assertRaises(FieldError) as cm:
            values.coerce(ref, "a01RO0000000001", store)
        self.assertEqual(cm.exception.code, "MALFORMED_ID")
        with self.assertRaises(FieldError) as cm:
            values.coerce(ref, "001RO0000000zzz", store)
        self.assertEqual(cm.exception.code, "INVALID_CROSS_REFERENCE_KEY")
        self.assertEqual(values.coerce(f("base64"), "aGk="), b"hi")
        self.bad(f("base64"), "not base64!")


class RecordTest(unittest.TestCase):
    def setUp(self):
        self.store = Store()
        self.so = self.store.define(schema.normalize_describe({
            "name": "Contact", "keyPrefix": "003", "nameField": False, "fields": [
                {"name": "FirstName", "type": "string"},
                {"name": "LastName", "type": "string", "nillable": False},
                {"name": "Name", "type": "string", "createable": False, "updateable": False},
                {"name": "Number__c", "type": "string", "autoNumber": True, "createable": False},
                {"name": "Level__c", "type": "picklist", "picklistValues": [
                    {"value": "Low", "defaultValue": True}, {"value": "High"}]},
                {"name": "Flag__c", "type": "boolean", "defaultValue": True}]}))

    def test_body_checks(self):
        with self.assertRaises(FieldError) as cm:
            values.check_body(self.so, {"Nope": 1, "Name": "x"}, "insert")
        self.assertEqual(cm.exception.code, "INVALID_FIELD")
        with self.assertRaises(FieldError) as cm:
            values.check_body(self.so, {"Name": "x", "CreatedDate": None}, "update")
        self.assertEqual((cm.exception.code, cm.exception.fields),
                         ("INVALID_FIELD_FOR_INSERT_UPDATE", ["Name", "CreatedDate"]))
        self.assertEqual([r["name"] for r in values.required_fields(self.so)], ["LastName"])

    def test_new_record_defaults(self):
        rec = values.new_record(self.so)
        self.assertEqual((rec["Level__c"], rec["Flag__c"], rec["Number__c"]), ("Low", True, "00000001"))
        rec.update({"FirstName": "Ada", "LastName": "Lovelace"})
        values.derive(self.so, rec)
        self.assertEqual(rec["Name"], "Ada Lovelace")
        loaded = values.load_record(self.store, self.so, {"LastName": "X", "Number__c": "C-0041",
                                                          "IsDeleted": True}, None, None)
        self.assertTrue(loaded["IsDeleted"])
        self.store.add_record(self.so, loaded)
        self.assertEqual(values.next_auto_number(self.so, "Number__c"), "C-0042")


class UniqueTest(unittest.TestCase):
    def test_index_follows_writes(self):
        from sfemu_lib.org import Emulator
        emu = Emulator(dataset="none")
        emu.store.define(schema.normalize_describe({"name": "U__c", "fields": [
            {"name": "Key__c", "type": "string", "unique": True}]}))
        ids = [r["id"] for r in emu.dml("U__c", "insert", [{"Name": "a", "Key__c": "K1"},
                                                           {"Name": "b", "Key__c": "K2"}])]
        self.assertEqual(emu.dml("U__c", "insert", [{"Name": "c", "Key__c": "k1"}])[0]["errors"][0]
                         ["statusCode"], "DUPLICATE_VALUE")
        self.assertTrue(emu.dml("U__c", "update", [{"Id": ids[0], "Key__c": "K3"}])[0]["success"])
        self.assertTrue(emu.dml("U__c", "insert", [{"Name": "c", "Key__c": "K1"}])[0]["success"])
        res = emu.dml("U__c", "update", [{"Id": ids[1], "Key__c": "k3"}])
        self.assertEqual(res[0]["errors"][0]["statusCode"], "DUPLICATE_VALUE")
        self.assertTrue(emu.dml("U__c", "delete", [{"Id": ids[0]}])[0]["success"])
        self.assertTrue(emu.dml("U__c", "update", [{"Id": ids[1], "Key__c": "K3"}])[0]["success"])
        res = emu.dml("U__c", "insert", [{"Name": "d", "Key__c": "K9"}, {"Name": "e", "Key__c": "K9"}],
                      all_or_none=True)
        self.assertEqual([r["success"] for r in res], [False, False])
        self.assertTrue(emu.dml("U__c", "insert", [{"Name": "f", "Key__c": "K9"}])[0]["success"])


if __name__ == "__main__":
    unittest.main()
