"""Composite, Composite Batch and sObject Collections (sfemu_lib/composite.py):
over HTTP, and in process through rest.serve()."""

import unittest
import urllib.parse

from emulator.emu_fixture import API, Emu
from emulator.test_rest import InProcessOrg, make_org
from sfemu_lib import composite


class CollectionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emu.start_for(cls, "--dataset", "none")

    def setUp(self):
        make_org(self.emu)

    def records(self, *names):
        return [{"attributes": {"type": "Widget__c"}, "Name": n} for n in names]

    def count(self):
        return self.emu.query("SELECT COUNT() FROM Widget__c")[2]["totalSize"]

    def test_create_partial(self):
        status, _, out = self.emu.post(API + "/composite/sobjects",
                                       {"allOrNone": False, "records": self.records("a", "", "c")})
        self.assertEqual(status, 200)
        self.assertEqual([r["success"] for r in out], [True, False, True])
        self.assertEqual(out[1]["errors"], [{"statusCode": "REQUIRED_FIELD_MISSING",
                                             "message": "Required fields are missing: [Name]",
                                             "fields": ["Name"]}])
        self.assertEqual(self.count(), 2)

    def test_create_all_or_none(self):
        status, _, out = self.emu.post(API + "/composite/sobjects",
                                       {"allOrNone": True, "records": self.records("a", "", "c")})
        self.assertEqual(status, 200)
        self.assertEqual([r["success"] for r in out], [False, False, False])
        self.assertEqual(out[0]["errors"][0]["statusCode"], "ALL_OR_NONE_OPERATION_ROLLED_BACK")
        self.assertEqual(out[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING")
        self.assertEqual(self.count(), 0)

    def test_update_delete_upsert_retrieve(self):
        _, _, out = self.emu.post(API + "/composite/sobjects", {"records": self.records("a", "b")})
        ids = [r["id"] for r in out]
        status, _, out = self.emu.patch(API + "/composite/sobjects", {"allOrNone": True, "records": [
            {"attributes": {"type": "Widget__c"}, "id": ids[0], "Qty__c": 1},
            {"attributes": {"type": "Widget__c"}, "id": ids[1], "Qty__c": "x"}]})
        self.assertEqual(out[0], {"id": ids[0], "success": False, "errors": [
            {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message":
             "Record rolled back because not all records were valid and the request was using "
             "AllOrNone header", "fields": []}]})
        _, _, got = self.emu.get(API + "/composite/sobjects/Widget__c?ids=%s,%s,001RO0000000001AAA"
                                 "&fields=Name,Qty__c" % tuple(ids))
        self.assertEqual([g and (g["Name"], g["Qty__c"]) for g in got], [("a", None), ("b", None), None])
        status, _, out = self.emu.patch(API + "/composite/sobjects/Widget__c/Code__c", {"records": [
            {"attributes": {"type": "Widget__c"}, "Code__c": "K1", "Name": "k1"}]})
        self.assertEqual((out[0]["success"], out[0]["created"]), (True, True))
        status, _, out = self.emu.delete(API + "/composite/sobjects?ids=%s,%s&allOrNone=false"
                                         % (ids[0], ids[0]))
        self.assertEqual([r["success"] for r in out], [True, False])
        self.assertEqual(out[1]["errors"][0]["statusCode"], "ENTITY_IS_DELETED")
        status, _, out = self.emu.delete(API + "/composite/sobjects?ids=%s,a01RO0000000zzzAAA&allOrNone=true"
                                         % ids[1])
        self.assertEqual(out[0]["errors"][0]["statusCode"], "ALL_OR_NONE_OPERATION_ROLLED_BACK")
        self.assertEqual(self.count(), 2)

    def test_limit(self):
        expected = [{"message": "record limit reached. cannot submit more than 200 records into this call",
                     "errorCode": "EXCEEDED_ID_LIMIT"}]
        status, _, out = self.emu.post(API + "/composite/sobjects",
                                       {"records": self.records(*["n%d" % i for i in range(201)])})
        self.assertEqual((status, out), (400, expected))
        status, _, out = self.emu.delete(API + "/composite/sobjects?ids=" +
                                         ",".join(["a01RO0000000001AAA"] * 201))
        self.assertEqual((status, out), (400, expected))
        self.assertEqual(self.count(), 0)

    def test_composite_batch(self):
        used_before = self.emu.control("GET", "limits")["used"]
        status, _, out = self.emu.post(API + "/composite/batch", {"batchRequests": [
            {"method": "POST", "url": "v66.0/sobjects/Widget__c", "richInput": {"Name": "b1"}},
            {"method": "GET", "url": "v66.0/query?q=SELECT+Name+FROM+Widget__c"},
            {"method": "GET", "url": "v66.0/sobjects/Nope/describe"},
        ]})
        self.assertEqual(status, 200)
        # every subrequest of a batch is a call against the daily allowance
        self.assertEqual(self.emu.control("GET", "limits")["used"] - used_before, 3)
        self.assertTrue(out["hasErrors"])
        self.assertEqual([r["statusCode"] for r in out["results"]], [201, 200, 404])
        self.assertEqual(out["results"][1]["result"]["records"][0]["Name"], "b1")
        self.emu.clear_log()
        status, _, out = self.emu.post(API + "/composite/batch", {"haltOnError": True, "batchRequests": [
            {"method": "GET", "url": "v66.0/sobjects/Nope/describe"},
            {"method": "GET", "url": "v66.0/limits"}]})
        self.assertEqual([r["statusCode"] for r in out["results"]], [404, 412])
        status, _, out = self.emu.post(API + "/composite/batch", {"batchRequests": [
            {"method": "GET", "url": "v66.0/limits"}] * 26})
        self.assertEqual(status, 400)
        self.assertEqual(len(self.emu.requests()), 2)

    def test_composite(self):
        long_in = ",".join(["'%s'" % ("x" * 18)] * 900)
        status, headers, out = self.emu.post(API + "/composite", {"allOrNone": False, "compositeRequest": [
            {"method": "POST", "url": "/services/data/v66.0/sobjects/Widget__c", "referenceId": "w",
             "body": {"Name": "c1"}},
            {"method": "GET", "url": "/services/data/v66.0/sobjects/Widget__c/@{w.id}?fields=Name",
             "referenceId": "r"},
            {"method": "GET", "url": "/services/data/v66.0/query?q=" + urllib.parse.quote(
                "SELECT Id FROM Widget__c WHERE Name IN (%s)" % long_in), "referenceId": "q"},
        ]})
        self.assertEqual(status, 200)
        self.assertEqual(headers["sforce-limit-info"], "api-usage=1/100000")  # one call
        res = out["compositeResponse"]
        self.assertEqual([r["httpStatusCode"] for r in res], [201, 200, 200])
        self.assertTrue(res[0]["httpHeaders"]["Location"].endswith(res[0]["body"]["id"]))
        self.assertEqual(res[1]["body"]["Name"], "c1")
        self.assertEqual(res[2]["body"]["totalSize"], 0)
        self.emu.load("Widget__c", [{"Name": "p%03d" % i} for i in range(300)])
        status, _, out = self.emu.post(API + "/composite", {"compositeRequest": [
            {"method": "GET", "url": "/services/data/v66.0/query?q=SELECT+Id+FROM+Widget__c",
             "referenceId": "q", "httpHeaders": {"Sforce-Query-Options": "batchSize=200"}},
            {"method": "GET", "url": "@{q.nextRecordsUrl}", "referenceId": "more"},
            {"method": "POST", "url": "/services/data/v66.0/composite", "referenceId": "nested",
             "body": {"compositeRequest": []}}]})
        res = out["compositeResponse"]
        self.assertEqual([r["httpStatusCode"] for r in res], [200, 200, 400])
        self.assertEqual((len(res[0]["body"]["records"]), len(res[1]["body"]["records"])), (200, 101))
        status, _, out = self.emu.post(API + "/composite", {"allOrNone": True, "compositeRequest": [
            {"method": "POST", "url": "/services/data/v66.0/sobjects/Widget__c", "referenceId": "a",
             "body": {"Name": "c2"}},
            {"method": "POST", "url": "/services/data/v66.0/sobjects/Widget__c", "referenceId": "b",
             "body": {"Qty__c": 1}},
        ]})
        res = out["compositeResponse"]
        self.assertEqual([r["httpStatusCode"] for r in res], [400, 400])
        self.assertEqual(res[0]["body"][0]["errorCode"], "PROCESSING_HALTED")
        self.assertEqual(res[1]["body"][0]["errorCode"], "REQUIRED_FIELD_MISSING")
        self.assertEqual(self.count(), 301)      # c1 and the 300 loaded; c2 rolled back
        status, _, out = self.emu.post(API + "/composite", {"compositeRequest": [
            {"method": "GET", "url": "/services/data/v66.0/limits", "referenceId": "l%d" % i}
            for i in range(26)]})
        self.assertEqual((status, out[0]["errorCode"]), (400, "LIMIT_EXCEEDED"))
        status, _, out = self.emu.post(API + "/composite", {"allOrNone": True})
        self.assertEqual((status, out[0]["errorCode"]), (400, "JSON_PARSER_ERROR"))


class SubrequestTest(InProcessOrg, unittest.TestCase):
    def test_subrequests_share_the_router_but_not_jobs(self):
        reply = self.serve("POST", API + "/composite/batch", {"batchRequests": [
            {"method": "GET", "url": "v66.0/limits"},
            {"method": "GET", "url": "/services/data/v66.0/jobs/ingest"},
            {"method": "GET", "url": "/services/data/v12.0/limits"}]})
        self.assertEqual([r["statusCode"] for r in reply.body["results"]], [200, 400, 404])
        self.assertEqual(self.emu.api_used, 3)      # the call, and each subrequest but one

    def test_composite_counts_once(self):
        reply = self.serve("POST", API + "/composite", {"compositeRequest": [
            {"method": "GET", "url": "/services/data/v66.0/limits", "referenceId": "l%d" % i}
            for i in range(3)]})
        self.assertEqual([r["httpStatusCode"] for r in reply.body["compositeResponse"]], [200] * 3)
        self.assertEqual(self.emu.api_used, 1)


class HelpersTest(unittest.TestCase):
    def test_resolve_refs(self):
        refs = {"a": {"id": "001A", "list": [{"n": 1}]}, "b": {"name": "x y"}}
        self.assertEqual(composite._resolve_refs("@{a.list[0].n}", refs), 1)
        self.assertEqual(composite._resolve_refs({"k": ["@{a.id}", "id=@{a.id}"]}, refs),
                         {"k": ["001A", "id=001A"]})
        # In a URL, values after the '?' are percent-encoded; a whole ref stays text.
        self.assertEqual(composite._resolve_refs("/x/@{b.name}?q=@{b.name}", refs, in_url=True),
                         "/x/x y?q=x%20y")
        self.assertEqual(composite._resolve_refs("@{a.list[0].n}", refs, in_url=True), "1")
        for missing in ("@{c.id}", "@{a.nope}", "@{a.list[3].n}"):
            with self.assertRaises(KeyError):
                composite._resolve_refs(missing, refs)
        self.assertEqual(composite._resolve_refs("no refs", refs), "no refs")

    def test_collection_body(self):
        self.assertEqual(composite._collection_body({"records": [1], "allOrNone": 1}), ([1], True, None))
        for body in (None, [], {"records": {}}, {"records": [{}] * 201}):
            records, _, err = composite._collection_body(body)
            self.assertIsNone(records)
            self.assertEqual(err.status, 400)


if __name__ == "__main__":
    unittest.main()
