"""Get Updated, Get Deleted, the delete log and the movable clock (replication.py)."""

import datetime
import unittest
import urllib.parse

from emulator.emu_fixture import API, Emu

WIDGET = {"name": "Widget__c", "keyPrefix": "a01", "fields": [
    {"name": "Name", "type": "string", "length": 20},
]}
HIDDEN = {"name": "Hidden__c", "keyPrefix": "a02", "replicateable": False, "fields": [
    {"name": "Name", "type": "string", "length": 20},
]}


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def parse(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


class ReplicationTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.emu = Emu.start_for(cls, "--dataset", "none")

    def setUp(self):
        self.emu.reset("none")
        self.emu.define([WIDGET, HIDDEN])
        self.ids = self.emu.load("Widget__c", [{"Name": "W%d" % i} for i in range(5)])
        # later windows start in a minute after the records' creation
        self.emu.control("POST", "clock", {"advance_seconds": 120})

    def now(self):
        return parse(self.emu.control("GET", "clock")["now"])

    def window(self, kind, start, end, obj="Widget__c"):
        path = "%s/sobjects/%s/%s/?start=%s&end=%s" % (
            API, obj, kind, urllib.parse.quote(start, safe=""), urllib.parse.quote(end, safe=""))
        status, _, body = self.emu.get(path)
        return status, body

    def test_updated_window_and_latest_date_covered(self):
        start = self.now()
        self.emu.patch("%s/sobjects/Widget__c/%s" % (API, self.ids[1]), {"Name": "changed"})
        end = self.now() + datetime.timedelta(minutes=2)
        status, body = self.window("updated", iso(start), iso(end))
        self.assertEqual(status, 200)
        self.assertEqual(body["ids"], [self.ids[1]])
        # the end lies in the future: covered up to the current minute
        self.assertLessEqual(parse(body["latestDateCovered"]), self.now())
        self.assertEqual(parse(body["latestDateCovered"]).second, 0)

    def test_deleted_log_from_rest_and_collections(self):
        before = self.now()
        self.emu.delete("%s/sobjects/Widget__c/%s" % (API, self.ids[0]))
        self.emu.delete("%s/composite/sobjects?ids=%s" % (API, self.ids[2]))
        end = self.now() + datetime.timedelta(minutes=1)
        status, body = self.window("deleted", iso(before), iso(end))
        self.assertEqual(status, 200)
        self.assertEqual(sorted(r["id"] for r in body["deletedRecords"]),
                         sorted([self.ids[0], self.ids[2]]))
        self.assertIn("earliestDateAvailable", body)
        # deleted records are not "updated"
        status, body = self.window("updated", iso(before), iso(end))
        self.assertEqual(body["ids"], [])

    def test_undelete(self):
        before = self.now()
        self.emu.delete("%s/sobjects/Widget__c/%s" % (API, self.ids[3]))
        out = self.emu.control("POST", "undelete", {"ids": [self.ids[3]]})
        self.assertTrue(out[0]["success"])
        end = self.now() + datetime.timedelta(minutes=1)
        _, body = self.window("deleted", iso(before), iso(end))
        self.assertEqual(body["deletedRecords"], [])
        _, body = self.window("updated", iso(before), iso(end))
        self.assertEqual(body["ids"], [self.ids[3]])

    def test_seconds_truncated_and_start_before_end(self):
        now = self.now().replace(second=30)
        status, body = self.window("updated", iso(now), iso(now + datetime.timedelta(seconds=20)))
        self.assertEqual(status, 400)
        self.assertEqual(body[0]["errorCode"], "INVALID_REPLICATION_DATE")
        status, body = self.window("deleted", "2024-01-01", "2024-01-02")
        self.assertEqual(status, 400)
        self.assertEqual(body[0]["errorCode"], "INVALID_REPLICATION_DATE")

    def test_windows_30_and_15_days(self):
        now = self.now()
        status, _ = self.window("updated", iso(now - datetime.timedelta(days=29)), iso(now))
        self.assertEqual(status, 200)
        status, body = self.window("updated", iso(now - datetime.timedelta(days=31)), iso(now))
        self.assertEqual((status, body[0]["errorCode"]), (400, "INVALID_REPLICATION_DATE"))
        status, _ = self.window("deleted", iso(now - datetime.timedelta(days=14)), iso(now))
        self.assertEqual(status, 200)
        status, body = self.window("deleted", iso(now - datetime.timedelta(days=16)), iso(now))
        self.assertEqual((status, body[0]["errorCode"]), (400, "INVALID_REPLICATION_DATE"))
        # moving the clock moves the windows
        self.emu.control("POST", "clock", {"advance_seconds": 3 * 86400})
        status, _ = self.window("deleted", iso(now - datetime.timedelta(days=14)), iso(now))
        self.assertEqual(status, 400)

    def test_clock_stamps_writes(self):
        self.emu.control("POST", "clock", {"now": "2030-01-02T03:04:05Z"})
        self.emu.patch("%s/sobjects/Widget__c/%s" % (API, self.ids[4]), {"Name": "later"})
        rec = [r for r in self.emu.control("GET", "records/Widget__c") if r["Id"] == self.ids[4]][0]
        self.assertTrue(rec["SystemModstamp"].startswith("2030-01-02T03:04:"))
        self.emu.reset("none")
        self.assertEqual(self.emu.control("GET", "clock")["offset_seconds"], 0)

    def test_id_limit_and_purge(self):
        now = self.now()
        self.emu.control("POST", "replication", {"id_limit": 3})
        status, body = self.window("updated", iso(now - datetime.timedelta(days=1)),
                                   iso(now + datetime.timedelta(minutes=1)))
        self.assertEqual((status, body[0]["errorCode"]), (400, "EXCEEDED_ID_LIMIT"))
        self.emu.control("POST", "replication", {"purge": "Widget__c", "before": iso(now)})
        status, body = self.window("deleted", iso(now - datetime.timedelta(days=1)),
                                   iso(now + datetime.timedelta(minutes=1)))
        self.assertEqual((status, body[0]["errorCode"]), (400, "INVALID_REPLICATION_DATE"))

    def test_replicateable_only(self):
        now = self.now()
        status, body = self.window("updated", iso(now - datetime.timedelta(days=1)), iso(now),
                                   obj="Hidden__c")
        self.assertEqual(status, 400)
        self.assertEqual(body[0]["errorCode"], "INVALID_TYPE")


if __name__ == "__main__":
    unittest.main()
