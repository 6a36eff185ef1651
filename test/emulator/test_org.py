"""The org state (sfemu_lib/org.py), in process: the DML entry point every
API writes through, all-or-none and composite transactions, tokens, query
locators, reset and the clock."""

import time
import unittest

from emulator.test_rest import WIDGET
from sfemu_lib import org, schema
from sfemu_lib.org import Emulator


class DmlTest(unittest.TestCase):
    def setUp(self):
        self.emu = Emulator(dataset="none")
        self.emu.store.define(schema.normalize_describe(WIDGET))

    def test_dml_interface(self):
        # The entry point Bulk API ingest uses: strings coerced like REST values.
        emu = Emulator(dataset="none")
        emu.store.define(schema.normalize_describe(WIDGET))
        res = emu.dml("Widget__c", "insert", [{"Name": "a", "Qty__c": "4", "Active__c": "true"},
                                              {"Qty__c": "1"}])
        self.assertTrue(res[0]["success"])
        self.assertEqual(res[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING")
        wid = res[0]["id"]
        res = emu.dml("Widget__c", "update", [{"Id": wid, "Qty__c": "5"}])
        self.assertTrue(res[0]["success"])
        self.assertEqual(emu.store.get_record(wid)[1]["Qty__c"], 5)
        res = emu.dml("Widget__c", "upsert", [{"Code__c": "K", "Name": "k"}], ext_field="Code__c")
        self.assertEqual(res[0]["created"], True)
        res = emu.dml("Widget__c", "delete", [{"Id": wid}, {"Id": wid}])
        self.assertEqual([r["success"] for r in res], [True, False])
        self.assertEqual(res[1]["errors"][0]["statusCode"], "ENTITY_IS_DELETED")
        res = emu.dml("Widget__c", "hardDelete", [{"Id": wid}])
        self.assertTrue(res[0]["success"])
        self.assertEqual(emu.store.get_record(wid), (None, None))

    def test_all_or_none_rolls_back_and_says_so(self):
        emu = self.emu
        wid = emu.dml("Widget__c", "insert", [{"Name": "keep"}])[0]["id"]
        res = emu.dml("Widget__c", "update", [{"Id": wid, "Name": "changed"}, {"Id": wid, "Name": ""}],
                      all_or_none=True)
        self.assertEqual([r["success"] for r in res], [False, False])
        self.assertEqual(res[0]["errors"][0]["statusCode"], "ALL_OR_NONE_OPERATION_ROLLED_BACK")
        self.assertEqual(res[0]["id"], wid)
        self.assertEqual(res[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING")
        self.assertEqual(emu.store.get_record(wid)[1]["Name"], "keep")
        res = emu.dml("Widget__c", "insert", [{"Name": "a"}, {"Qty__c": "x"}], all_or_none=True)
        self.assertEqual(res[0], {"success": False, "errors": [org.ROLLED_BACK]})
        self.assertEqual(len(emu.store.get_sobject("Widget__c").records), 1)

    def test_transaction_spans_calls(self):
        emu = self.emu
        with emu.transaction() as tx:
            first = emu.dml("Widget__c", "insert", [{"Name": "one"}])[0]["id"]
            emu.dml("Widget__c", "delete", [{"Id": first}])
            tx.rollback()
        self.assertEqual(emu.store.get_record(first), (None, None))
        with emu.transaction():
            kept = emu.dml("Widget__c", "insert", [{"Name": "two"}])[0]["id"]
        self.assertEqual(emu.store.get_record(kept)[1]["Name"], "two")

    def test_rows_that_are_not_objects_or_of_unknown_sobjects(self):
        res = self.emu.dml_items([(None, "insert", [1]), ("Nope__c", "insert", {"Name": "x"}),
                                  ("Widget__c", "merge", {"Id": "a01000000000001AAA"})])
        self.assertEqual([r["errors"][0]["statusCode"] for r in res],
                         ["INVALID_FIELD", "INVALID_TYPE", "INVALID_CROSS_REFERENCE_KEY"])

    def test_match_keys(self):
        so = self.emu.store.get_sobject("Widget__c")
        self.assertEqual([org.is_match_key(so.field(n)) for n in ("Id", "Code__c", "Qty__c", "Nope")],
                         [True, True, False, False])
        res = self.emu.dml("Widget__c", "upsert", [{"Name": "x", "Qty__c": 1}], ext_field="Qty__c")
        self.assertEqual(res[0]["errors"][0]["message"], org.NO_SUCH_MATCH_KEY % "Qty__c")


class StateTest(unittest.TestCase):
    def test_tokens_expire_and_reset_forgets_them(self):
        emu = Emulator(dataset="none", token_ttl=0.2)
        tok = emu.issue_token()
        self.assertTrue(tok.startswith(emu.org_id[:15] + "!"))
        self.assertTrue(emu.token_valid(tok))
        self.assertFalse(emu.token_valid("00Dnope!x"))
        time.sleep(0.3)
        self.assertFalse(emu.token_valid(tok))
        emu = Emulator(dataset="none")
        tok = emu.issue_token()
        emu.reset()
        self.assertFalse(emu.token_valid(tok))

    def test_locators_are_a_bounded_lru(self):
        emu = Emulator(dataset="none")
        first = emu.store_locator([1, 2], 1, 2)
        second = emu.store_locator([3], 1, 1)
        self.assertEqual(emu.get_locator(first)["records"], [1, 2])     # now the most recent
        for _ in range(org.MAX_LOCATORS - 1):
            emu.store_locator([], 1, 0)
        self.assertIsNone(emu.get_locator(second))
        self.assertIsNotNone(emu.get_locator(first))
        self.assertTrue(first.startswith("0r8"))

    def test_reset_and_datasets(self):
        emu = Emulator(dataset="none", api_limit=10)
        emu.api_used, emu.api_max = 5, 6
        emu.log.append({})
        emu.faults.append({"status": 500})
        emu.reset()
        self.assertEqual((emu.api_used, emu.api_max, emu.log, emu.faults), (0, 10, [], []))
        self.assertEqual(emu.store.sobjects, {})
        self.assertEqual(emu.user_id, org.USER_ID)
        emu.reset("demo")
        self.assertIsNotNone(emu.store.get_sobject("Account"))
        self.assertNotEqual(emu.user_id, org.USER_ID)       # the data set's first User
        with self.assertRaises(ValueError):
            emu.reset("bogus")

    def test_clock_keeps_milliseconds(self):
        emu = Emulator(dataset="none")
        self.assertEqual(emu.now().microsecond % 1000, 0)
        self.assertIsNotNone(emu.now().tzinfo)


if __name__ == "__main__":
    unittest.main()
