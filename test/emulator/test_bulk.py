"""Tests of the emulator's Bulk API 2.0 (sfemu_lib/bulk.py).

Most tests drive BulkApi in-process over an Emulator with the demo data and
shortened state durations; the last class goes through HTTP (test/sfemu)
with the real durations.
"""

import csv
import io
import json
import time
import unittest

from sfemu_lib import bulk
from sfemu_lib.org import Emulator

from .emu_fixture import Emu, API

FAST = {"in_progress": 0.02, "complete": 0.05}


def parse_csv(text):
    return list(csv.reader(io.StringIO(text, newline="")))


class BulkTestBase(unittest.TestCase):

    def setUp(self):
        self.saved = dict(bulk.DURATIONS)
        bulk.DURATIONS.update(FAST)
        self.emu = Emulator(dataset="demo")
        self.api = self.emu.bulk

    def tearDown(self):
        bulk.DURATIONS.clear()
        bulk.DURATIONS.update(self.saved)

    def call(self, method, path, body=b"", params=None, version="66.0", headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        status, hdrs, data = self.api.handle(method, path, params or {}, headers or {}, body, version)
        text = data.decode("utf-8")
        if hdrs.get("Content-Type", "").startswith("application/json") and text:
            return status, hdrs, json.loads(text)
        return status, hdrs, text

    def wait_complete(self, kind, job_id):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            status, _, info = self.call("GET", "/jobs/%s/%s" % (kind, job_id))
            self.assertEqual(status, 200)
            if info["state"] in bulk.TERMINAL:
                return info
            time.sleep(0.01)
        self.fail("job did not finish")

    def query_job(self, soql, operation="query", **extra):
        body = {"operation": operation, "query": soql}
        body.update(extra)
        status, _, info = self.call("POST", "/jobs/query", body)
        self.assertEqual(status, 200, info)
        return info

    def all_results(self, job_id, max_records=None):
        rows, header, locator, calls = [], None, None, 0
        while True:
            params = {}
            if max_records:
                params["maxRecords"] = str(max_records)
            if locator:
                params["locator"] = locator
            status, hdrs, text = self.call("GET", "/jobs/query/%s/results" % job_id, params=params)
            self.assertEqual(status, 200, text)
            self.assertEqual(hdrs["Content-Type"], "text/csv")
            part = parse_csv(text)
            header = header or part[0]
            self.assertEqual(part[0], header)
            self.assertEqual(int(hdrs["Sforce-NumberOfRecords"]), len(part) - 1)
            rows.extend(part[1:])
            calls += 1
            locator = hdrs["Sforce-Locator"]
            if locator == "null":
                return header, rows, calls


class QueryJobTest(BulkTestBase):

    def test_state_progression(self):
        bulk.DURATIONS.update({"in_progress": 0.1, "complete": 0.3})
        info = self.query_job("SELECT Id, Name FROM Account")
        self.assertEqual(info["state"], "UploadComplete")
        self.assertTrue(info["id"].startswith("750"))
        self.assertEqual(len(info["id"]), 18)
        for key in ("operation", "object", "createdById", "createdDate", "systemModstamp",
                    "concurrencyMode", "contentType", "apiVersion", "lineEnding", "columnDelimiter"):
            self.assertIn(key, info)
        self.assertEqual(info["object"], "Account")
        status, _, err = self.call("GET", "/jobs/query/%s/results" % info["id"])
        self.assertEqual(status, 412)
        self.assertEqual(err[0]["errorCode"], "JOB_NOT_COMPLETE")
        time.sleep(0.15)
        _, _, mid = self.call("GET", "/jobs/query/" + info["id"])
        self.assertEqual(mid["state"], "InProgress")
        self.assertEqual(mid["jobType"], "V2Query")
        self.assertEqual(mid["numberRecordsProcessed"], 0)
        status, _, err = self.call("GET", "/jobs/query/%s/results" % info["id"])
        self.assertIn("IN_PROGRESS", err[0]["message"])
        time.sleep(0.2)
        _, _, done = self.call("GET", "/jobs/query/" + info["id"])
        self.assertEqual(done["state"], "JobComplete")
        live = len(self.emu.store.get_sobject("Account").live_records())
        self.assertEqual(done["numberRecordsProcessed"], live)

    def test_results_csv_and_locator_paging(self):
        soql = ("SELECT Id, Name, Account.Name, Email, CreatedDate, Birthdate, "
                "HasOptedOutOfEmail FROM Contact")
        info = self.query_job(soql)
        self.wait_complete("query", info["id"])
        header, rows, calls = self.all_results(info["id"], max_records=200)
        self.assertEqual(header, ["Id", "Name", "Account.Name", "Email", "CreatedDate",
                                  "Birthdate", "HasOptedOutOfEmail"])
        contacts = self.emu.store.get_sobject("Contact")
        live = contacts.live_records()
        self.assertEqual(len(rows), len(live))
        self.assertEqual(calls, (len(live) + 199) // 200)
        self.assertEqual(len({r[0] for r in rows}), len(rows))
        by_id = {r["Id"]: r for r in live}
        for row in rows:
            rec = by_id[row[0]]
            created = rec["CreatedDate"]
            self.assertEqual(row[4], created.strftime("%Y-%m-%dT%H:%M:%S.")
                             + "%03dZ" % (created.microsecond // 1000))
            self.assertEqual(row[6], "true" if rec["HasOptedOutOfEmail"] else "false")
            self.assertEqual(row[3], rec["Email"] or "")
            if rec["AccountId"] is None:
                self.assertEqual(row[2], "")
        # Same rows in one go; the locator is stable and reusable.
        _, all_rows, one = self.all_results(info["id"])
        self.assertEqual(one, 1)
        self.assertEqual(all_rows, rows)
        status, hdrs, text = self.call("GET", "/jobs/query/%s/results" % info["id"],
                                       params={"maxRecords": "200"})
        loc = hdrs["Sforce-Locator"]
        first = self.call("GET", "/jobs/query/%s/results" % info["id"],
                          params={"maxRecords": "200", "locator": loc})[2]
        again = self.call("GET", "/jobs/query/%s/results" % info["id"],
                          params={"maxRecords": "200", "locator": loc})[2]
        self.assertEqual(first, again)

    def test_csv_quoting_and_nulls(self):
        info = self.query_job("SELECT Id, Name, Description, AnnualRevenue FROM Account "
                              "WHERE Name = 'The \"Quoted\" Company'")
        self.wait_complete("query", info["id"])
        text = self.call("GET", "/jobs/query/%s/results" % info["id"])[2]
        lines = text.split("\n")
        self.assertEqual(lines[0], '"Id","Name","Description","AnnualRevenue"')
        self.assertIn('"The ""Quoted"" Company"', lines[1])
        self.assertTrue(text.endswith("\n"))
        # every non-null value double-quoted, null empty
        for line in lines[1:-1]:
            self.assertTrue(line.startswith('"001'))
            self.assertNotIn('""', line.replace('"The ""Quoted"" Company"', ""))

    def test_numbers_as_java_doubles(self):
        render = bulk.BulkApi._render
        import decimal
        D = decimal.Decimal
        self.assertEqual(render(D("23"), "double"), "23.0")
        self.assertEqual(render(D("100"), "currency"), "100.0")
        self.assertEqual(render(D("12.50"), "currency"), "12.5")
        self.assertEqual(render(D("15000000"), "currency"), "1.5E7")
        self.assertEqual(render(D("0.0001"), "double"), "1.0E-4")
        self.assertEqual(render(42, "int"), "42")
        self.assertEqual(render(7, "percent"), "7.0")
        self.assertEqual(render(True, "boolean"), "true")
        self.assertIsNone(render(None, "string"))
        self.assertEqual(render("2024-01-15T10:30:00.000+0000", "datetime"),
                         "2024-01-15T10:30:00.000Z")

    def test_query_all_includes_deleted(self):
        a = self.query_job("SELECT Id FROM Account")
        b = self.query_job("SELECT Id, IsDeleted FROM Account", operation="queryAll")
        self.wait_complete("query", a["id"])
        info = self.wait_complete("query", b["id"])
        self.assertEqual(info["operation"], "queryAll")
        _, live_rows, _ = self.all_results(a["id"])
        _, all_rows, _ = self.all_results(b["id"])
        self.assertGreater(len(all_rows), len(live_rows))
        self.assertIn("true", [r[1] for r in all_rows])

    def test_unsupported_soql(self):
        cases = [
            "SELECT COUNT() FROM Account",
            "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry",
            "SELECT MAX(AnnualRevenue) FROM Account",
            "SELECT Id FROM Account LIMIT 10 OFFSET 5",
            "SELECT FIELDS(STANDARD) FROM Account",
            "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
            "SELECT Id, BillingAddress FROM Account",
            "SELECT Id, Location__c FROM Invoice__c",
        ]
        for soql in cases:
            status, _, err = self.call("POST", "/jobs/query", {"operation": "query", "query": soql})
            self.assertEqual(status, 400, soql)
            self.assertIsInstance(err, list)
            self.assertEqual(set(err[0]), {"errorCode", "message"})
        status, _, err = self.call("POST", "/jobs/query", {"operation": "query",
                                                           "query": "SELECT Id, BillingCity FROM Account"})
        self.assertEqual(status, 200)
        # semi-joins and strings that merely look like keywords are fine
        self.query_job("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)")
        self.query_job("SELECT Id FROM Account WHERE Name = 'GROUP BY OFFSET COUNT()'")

    def test_invalid_requests(self):
        status, _, err = self.call("POST", "/jobs/query", {"operation": "query",
                                                           "query": "SELECT Nope FROM Account"})
        self.assertEqual(status, 400)
        self.assertEqual(err[0]["errorCode"], "INVALID_FIELD")
        self.assertIn("ERROR at Row:1:Column:8", err[0]["message"])
        status, _, err = self.call("POST", "/jobs/query", {"operation": "query",
                                                           "query": "SELECT Id FROM Nope__c"})
        self.assertEqual(err[0]["errorCode"], "INVALID_TYPE")
        status, _, err = self.call("POST", "/jobs/query", {"operation": "select", "query": "SELECT Id FROM Account"})
        self.assertEqual(status, 400)
        status, _, err = self.call("POST", "/jobs/query", b"{not json")
        self.assertEqual((status, err[0]["errorCode"]), (400, "JSON_PARSER_ERROR"))
        status, _, err = self.call("GET", "/jobs/query/750EM0000000999AAA")
        self.assertEqual((status, err[0]["errorCode"]), (404, "NOT_FOUND"))

    def test_locator_and_version_errors(self):
        info = self.query_job("SELECT Id FROM User")
        self.wait_complete("query", info["id"])
        status, _, err = self.call("GET", "/jobs/query/%s/results" % info["id"],
                                   params={"locator": "!!bogus"})
        self.assertEqual(status, 400)
        status, _, err = self.call("GET", "/jobs/query/%s/results" % info["id"],
                                   params={"maxRecords": "0"})
        self.assertEqual(status, 400)
        status, _, err = self.call("GET", "/jobs/query/%s/results" % info["id"], version="60.0")
        self.assertEqual(status, 409)

    def test_abort_delete_list(self):
        bulk.DURATIONS.update({"in_progress": 5, "complete": 10})
        info = self.query_job("SELECT Id FROM Account")
        other = self.query_job("SELECT Id FROM Contact")
        status, _, out = self.call("PATCH", "/jobs/query/" + info["id"], {"state": "Aborted"})
        self.assertEqual((status, out["state"]), (200, "Aborted"))
        status, _, err = self.call("GET", "/jobs/query/%s/results" % info["id"])
        self.assertEqual(err[0]["errorCode"], "JOB_NOT_COMPLETE")
        status, _, listing = self.call("GET", "/jobs/query")
        self.assertEqual(status, 200)
        self.assertTrue(listing["done"])
        self.assertIsNone(listing["nextRecordsUrl"])
        ids = {j["id"]: j["state"] for j in listing["records"]}
        self.assertEqual(ids, {info["id"]: "Aborted", other["id"]: "UploadComplete"})
        status, _, body = self.call("DELETE", "/jobs/query/" + info["id"])
        self.assertEqual((status, body), (204, ""))
        self.assertEqual(self.call("GET", "/jobs/query/" + info["id"])[0], 404)
        self.assertEqual(self.call("GET", "/jobs/ingest")[2]["records"], [])

    def test_delimiter_and_line_ending(self):
        info = self.query_job("SELECT Id, Name FROM User WHERE IsActive = true",
                              columnDelimiter="PIPE", lineEnding="CRLF")
        self.wait_complete("query", info["id"])
        text = self.call("GET", "/jobs/query/%s/results" % info["id"])[2]
        self.assertTrue(text.startswith('"Id"|"Name"\r\n'))


class IngestJobTest(BulkTestBase):

    def ingest(self, operation, obj, csv_text, **extra):
        body = {"object": obj, "operation": operation, "contentType": "CSV", "lineEnding": "LF"}
        body.update(extra)
        status, _, info = self.call("POST", "/jobs/ingest", body)
        self.assertEqual(status, 200, info)
        self.assertEqual(info["state"], "Open")
        self.assertEqual(info["contentUrl"],
                         "services/data/v66.0/jobs/ingest/%s/batches" % info["id"])
        status, _, out = self.call("PUT", "/jobs/ingest/%s/batches" % info["id"], csv_text,
                                   headers={"Content-Type": "text/csv"})
        self.assertEqual((status, out), (201, ""))
        status, _, closed = self.call("PATCH", "/jobs/ingest/" + info["id"], {"state": "UploadComplete"})
        self.assertEqual((status, closed["state"]), (200, "UploadComplete"))
        return info["id"]

    def results(self, job_id, which):
        status, hdrs, text = self.call("GET", "/jobs/ingest/%s/%s" % (job_id, which))
        self.assertEqual(status, 200)
        return parse_csv(text)

    def test_insert_successes_and_failures(self):
        bulk.DURATIONS.update({"in_progress": 0.1, "complete": 0.3})
        accounts = self.emu.store.get_sobject("Account")
        before = len(accounts.records)
        job = self.ingest("insert", "Account",
                          'Name,Industry,AnnualRevenue,Parent.ERP_Id__c\n'
                          '"Bulk One",Banking,12.5,ERP-00002\n'
                          ',Banking,1,\n'
                          '"Bulk, ""Two""",#N/A,abc,\n'
                          'Bulk Three,,,ERP-XXXXX\n'
                          '"Multi\nline",Energy,,\n')
        # nothing is written before the job has run
        self.assertEqual(len(accounts.records), before)
        _, _, info = self.call("GET", "/jobs/ingest/" + job)
        self.assertEqual(info["state"], "UploadComplete")
        self.assertEqual(info["jobType"], "V2Ingest")
        time.sleep(0.15)
        self.assertEqual(self.call("GET", "/jobs/ingest/" + job)[2]["state"], "InProgress")
        info = self.wait_complete("ingest", job)
        self.assertEqual(info["state"], "JobComplete")
        self.assertEqual(info["numberRecordsProcessed"], 5)
        self.assertEqual(info["numberRecordsFailed"], 3)
        ok = self.results(job, "successfulResults")
        self.assertEqual(ok[0], ["sf__Id", "sf__Created", "Name", "Industry", "AnnualRevenue",
                                 "Parent.ERP_Id__c"])
        self.assertEqual(len(ok), 3)
        names = sorted(r[2] for r in ok[1:])
        self.assertEqual(names, ["Bulk One", "Multi\nline"])
        for row in ok[1:]:
            self.assertTrue(row[0].startswith("001"))
            self.assertEqual(row[1], "true")
            so, rec = self.emu.store.get_record(row[0])
            self.assertEqual(rec["Name"], row[2])
        one = next(r for r in ok[1:] if r[2] == "Bulk One")
        rec = self.emu.store.get_record(one[0])[1]
        parent = self.emu.store.get_record(rec["ParentId"])[1]
        self.assertEqual(parent["ERP_Id__c"], "ERP-00002")
        # AnnualRevenue has scale 0: Salesforce rounds the value on save
        self.assertEqual(str(rec["AnnualRevenue"]), "13")
        bad = self.results(job, "failedResults")
        self.assertEqual(bad[0][:2], ["sf__Id", "sf__Error"])
        self.assertEqual(len(bad), 4)
        errors = " ".join(r[1] for r in bad[1:])
        self.assertIn("REQUIRED_FIELD_MISSING", errors)
        self.assertIn("ERP-XXXXX", errors)
        # the uploaded values are echoed back as sent
        self.assertIn(["#N/A", "abc"], [r[3:5] for r in bad[1:]])
        self.assertEqual(self.results(job, "unprocessedrecords"),
                         [["Name", "Industry", "AnnualRevenue", "Parent.ERP_Id__c"]])
        self.assertEqual(len(accounts.records), before + 2)

    def test_update_null_and_ignore(self):
        accounts = self.emu.store.get_sobject("Account")
        target = next(r for r in accounts.live_records()
                      if r["Industry"] and r["Phone"] and r["Website"])
        phone = target["Phone"]
        job = self.ingest("update", "Account",
                          "Id,Industry,Phone,Website\n%s,Energy,,#N/A\n001RO0000000zzzAAA,Energy,,\n"
                          % target["Id"][:15])
        info = self.wait_complete("ingest", job)
        self.assertEqual((info["numberRecordsProcessed"], info["numberRecordsFailed"]), (2, 1))
        self.assertEqual(target["Industry"], "Energy")
        self.assertEqual(target["Phone"], phone)          # empty = leave alone
        self.assertIsNone(target["Website"])              # #N/A = null
        ok = self.results(job, "successfulResults")
        self.assertEqual(ok[1][:2], [target["Id"], "false"])
        bad = self.results(job, "failedResults")
        self.assertEqual(bad[1][0], "001RO0000000zzzAAA")

    def test_upsert_created_and_updated(self):
        invoices = self.emu.store.get_sobject("Invoice__c")
        existing = next(r for r in invoices.live_records() if r["External_Ref__c"])
        job = self.ingest("upsert", "Invoice__c",
                          "External_Ref__c,Name,Amount__c\n%s,INV-UPDATED,10.25\nNEW-REF-1,INV-NEW,99.99\n"
                          % existing["External_Ref__c"].lower(),
                          externalIdFieldName="External_Ref__c")
        _, _, info = self.call("GET", "/jobs/ingest/" + job)
        self.assertEqual(info["externalIdFieldName"], "External_Ref__c")
        info = self.wait_complete("ingest", job)
        self.assertEqual(info["numberRecordsFailed"], 0)
        ok = self.results(job, "successfulResults")
        created = {r[3]: r[1] for r in ok[1:]}
        self.assertEqual(created, {"INV-UPDATED": "false", "INV-NEW": "true"})
        self.assertEqual(existing["Name"], "INV-UPDATED")
        status, _, err = self.call("POST", "/jobs/ingest", {"object": "Invoice__c", "operation": "upsert"})
        self.assertEqual(status, 400)
        status, _, err = self.call("POST", "/jobs/ingest", {"object": "Invoice__c", "operation": "upsert",
                                                            "externalIdFieldName": "Notes__c"})
        self.assertEqual(status, 400)

    def test_delete_and_hard_delete(self):
        contacts = self.emu.store.get_sobject("Contact")
        live = contacts.live_records()
        a, b = live[0], live[1]
        job = self.ingest("delete", "Contact", "Id\n%s\n003RO0000000zzzAAA\n" % a["Id"])
        info = self.wait_complete("ingest", job)
        self.assertEqual((info["numberRecordsProcessed"], info["numberRecordsFailed"]), (2, 1))
        self.assertTrue(a["IsDeleted"])
        self.assertIn(a, contacts.records)
        job = self.ingest("hardDelete", "Contact", "Id\n%s\n" % b["Id"])
        self.wait_complete("ingest", job)
        self.assertNotIn(b["Id"], contacts.by_id)
        self.assertEqual(self.emu.store.get_record(b["Id"]), (None, None))
        # both are in the delete log Get Deleted reads, with their deletion time
        log = self.emu.replication.log
        self.assertLessEqual({a["Id"], b["Id"]}, set(log))
        self.assertEqual(log[a["Id"]][0], "contact")

    def test_job_failures(self):
        # CRLF data for an LF job
        job = self.ingest("insert", "Account", "Name\r\nA\r\nB\r\n")
        info = self.wait_complete("ingest", job)
        self.assertEqual(info["state"], "Failed")
        self.assertIn("LineEnding", info["errorMessage"])
        # unknown column: the job fails, every row unprocessed
        job = self.ingest("insert", "Account", "Name,Bogus__c\nA,1\nB,2\n")
        info = self.wait_complete("ingest", job)
        self.assertEqual(info["state"], "Failed")
        self.assertIn("Bogus__c", info["errorMessage"])
        self.assertEqual(len(self.results(job, "unprocessedrecords")), 3)
        # delete jobs take only an Id column
        job = self.ingest("delete", "Account", "Id,Name\n001RO0000000zzzAAA,x\n")
        self.assertEqual(self.wait_complete("ingest", job)["state"], "Failed")

    def test_state_rules(self):
        bulk.DURATIONS.update({"in_progress": 5, "complete": 10})
        status, _, info = self.call("POST", "/jobs/ingest", {"object": "Account", "operation": "insert"})
        self.assertEqual(info["lineEnding"], "LF")
        self.assertEqual(info["columnDelimiter"], "COMMA")
        job = info["id"]
        status, _, err = self.call("DELETE", "/jobs/ingest/" + job)
        self.assertEqual(status, 400)
        self.call("PUT", "/jobs/ingest/%s/batches" % job, "Name\nX\n")
        self.call("PATCH", "/jobs/ingest/" + job, {"state": "UploadComplete"})
        status, _, err = self.call("PUT", "/jobs/ingest/%s/batches" % job, "Name\nY\n")
        self.assertGreaterEqual(status, 400)
        status, _, err = self.call("PATCH", "/jobs/ingest/" + job, {"state": "UploadComplete"})
        self.assertEqual(status, 400)
        status, _, out = self.call("PATCH", "/jobs/ingest/" + job, {"state": "Aborted"})
        self.assertEqual(out["state"], "Aborted")
        self.assertEqual(self.results(job, "unprocessedrecords"), [["Name"], ["X"]])
        self.assertEqual(self.results(job, "successfulResults"), [["sf__Id", "sf__Created", "Name"]])
        status, _, err = self.call("POST", "/jobs/ingest", {"object": "Nope__c", "operation": "insert"})
        self.assertEqual(status, 400)
        status, _, err = self.call("POST", "/jobs/ingest", {"object": "Account", "operation": "merge"})
        self.assertEqual(status, 400)
        self.assertEqual(self.call("DELETE", "/jobs/ingest/" + job)[0], 204)

    def test_semicolon_delimiter(self):
        job = self.ingest("insert", "Account", 'Name;Description\n"Semi; colon";"a ""b"""\n',
                          columnDelimiter="SEMICOLON")
        self.wait_complete("ingest", job)
        ok = self.results(job, "successfulResults")
        rec = self.emu.store.get_record(parse_csv(
            self.call("GET", "/jobs/ingest/%s/successfulResults" % job)[2])[1][0].split(";")[0]
            .strip('"'))[1]
        self.assertEqual(rec["Name"], "Semi; colon")
        self.assertEqual(rec["Description"], 'a "b"')
        self.assertEqual(len(ok), 2)


    def test_results_not_in_input_order(self):
        # 450 rows in three chunks of 200; rows 5 and 420 fail.  Salesforce
        # reports results in no particular order: the emulator gives the last
        # chunk's first, each result echoing its row as uploaded.
        lines = ["Name,Industry"]
        for i in range(1, 451):
            lines.append(",Bad%d" % i if i in (5, 420) else '"Row %d, ok",Banking' % i)
        job = self.ingest("insert", "Account", "\n".join(lines) + "\n")
        info = self.wait_complete("ingest", job)
        self.assertEqual((info["numberRecordsProcessed"], info["numberRecordsFailed"]), (450, 2))
        bad = self.results(job, "failedResults")
        self.assertEqual([r[2:] for r in bad[1:]], [["", "Bad420"], ["", "Bad5"]])
        self.assertTrue(bad[1][1].startswith("REQUIRED_FIELD_MISSING:"))
        ok = self.results(job, "successfulResults")
        self.assertEqual(len(ok), 449)
        self.assertEqual(ok[1][2], "Row 401, ok")
        self.assertEqual(ok[-1][2], "Row 200, ok")

    def test_upload_limit(self):
        # 150 MB of base64 per job: lowered here to 40 bytes (30 raw bytes)
        status, body = bulk.set_durations({"upload_max_bytes": 40})
        self.assertEqual((status, body["upload_max_bytes"]), (200, 40))
        try:
            _, _, info = self.call("POST", "/jobs/ingest", {"object": "Account",
                                                           "operation": "insert"})
            path = "/jobs/ingest/%s/batches" % info["id"]
            status, _, _ = self.call("PUT", path, "Name\nAlpha\nBeta\n")
            self.assertEqual(status, 201)
            # the second upload would take the job's data past the limit
            status, _, err = self.call("PUT", path, "Name\nGamma\nDelta\n")
            self.assertEqual(status, 400)
            self.assertEqual(err[0]["errorCode"], "INVALIDREQUEST")
            self.assertIn("40 bytes", err[0]["message"])
            self.assertEqual(bulk.set_durations({"upload_max_bytes": 0})[0], 400)
            self.assertEqual(bulk.set_durations({"upload_max_bytes": "9"})[0], 400)
        finally:
            bulk.set_durations({"reset": True})
        self.assertEqual(bulk.UPLOAD_LIMIT["upload_max_bytes"], 150 * 1000 * 1000)


class MultipartIngestTest(BulkTestBase):

    def test_create_with_data(self):
        body = (b'--BOUNDARY\r\nContent-Type: application/json\r\n'
                b'Content-Disposition: form-data; name="job"\r\n\r\n'
                b'{"object":"Contact","contentType":"CSV","operation":"insert","lineEnding":"CRLF"}\r\n'
                b'--BOUNDARY\r\nContent-Type: text/csv\r\n'
                b'Content-Disposition: form-data; name="content"; filename="content"\r\n\r\n'
                b'LastName,FirstName\r\nMultipart,Ada\r\n\r\n--BOUNDARY--\r\n')
        status, _, info = self.call("POST", "/jobs/ingest", body,
                                    headers={"Content-Type": "multipart/form-data; boundary=BOUNDARY"})
        self.assertEqual(status, 200, info)
        self.assertEqual(info["state"], "UploadComplete")
        done = self.wait_complete("ingest", info["id"])
        self.assertEqual((done["state"], done["numberRecordsProcessed"]), ("JobComplete", 1))
        names = [r["FirstName"] for r in self.emu.store.get_sobject("Contact").records
                 if r["LastName"] == "Multipart"]
        self.assertEqual(names, ["Ada"])


class BulkOverHttpTest(unittest.TestCase):
    """Bulk API 2.0 through the running emulator, real state durations."""

    @classmethod
    def setUpClass(cls):
        cls.emu = Emu.start_for(cls, "--dataset", "demo")

    def poll(self, kind, job_id):
        deadline = time.monotonic() + 10
        states = []
        while time.monotonic() < deadline:
            status, _, info = self.emu.get("%s/jobs/%s/%s" % (API, kind, job_id))
            self.assertEqual(status, 200, info)
            if not states or states[-1] != info["state"]:
                states.append(info["state"])
            if info["state"] in bulk.TERMINAL:
                return info, states
            time.sleep(0.05)
        self.fail("job did not finish: %s" % states)

    def test_query_job(self):
        status, _, info = self.emu.post(API + "/jobs/query",
                                        {"operation": "query", "query": "SELECT Id, Name FROM Opportunity"})
        self.assertEqual(status, 200, info)
        info, states = self.poll("query", info["id"])
        self.assertEqual(states[-1], "JobComplete")
        self.assertIn("InProgress", states)
        status, headers, text = self.emu.get("%s/jobs/query/%s/results?maxRecords=500" % (API, info["id"]),
                                             headers={"Accept": "text/csv"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["sforce-numberofrecords"], "500")
        self.assertNotEqual(headers["sforce-locator"], "null")
        self.assertTrue(headers["content-type"].startswith("text/csv"))
        rows = parse_csv(text)
        self.assertEqual(rows[0], ["Id", "Name"])
        status, headers, text = self.emu.get("%s/jobs/query/%s/results?maxRecords=500&locator=%s"
                                             % (API, info["id"], headers["sforce-locator"]))
        self.assertEqual(headers["sforce-locator"], "null")
        self.assertEqual(info["numberRecordsProcessed"],
                         500 + int(headers["sforce-numberofrecords"]))

    def test_timing_control_and_abort(self):
        self.addCleanup(self.emu.control, "POST", "bulk", {"reset": True})
        out = self.emu.control("POST", "bulk", {"in_progress": 0.1, "complete": 30})
        self.assertEqual({k: float(v) for k, v in out.items()},
                         {"in_progress": 0.1, "complete": 30.0})
        with self.assertRaises(RuntimeError):
            self.emu.control("POST", "bulk", {"in_progress": 5, "complete": 1})
        status, _, info = self.emu.post(API + "/jobs/query",
                                        {"operation": "query", "query": "SELECT Id FROM Account"})
        self.assertEqual(status, 200, info)
        time.sleep(0.3)
        status, _, now = self.emu.get("%s/jobs/query/%s" % (API, info["id"]))
        self.assertEqual(now["state"], "InProgress")
        status, _, out = self.emu.patch("%s/jobs/query/%s" % (API, info["id"]), {"state": "Aborted"})
        self.assertEqual((status, out["state"]), (200, "Aborted"))
        status, _, out = self.emu.get("%s/jobs/query/%s/results" % (API, info["id"]))
        self.assertEqual(status, 412)
        # reset restores the documented timing
        self.emu.control("POST", "reset")
        out = self.emu.control("POST", "bulk", {})
        self.assertEqual({k: float(v) for k, v in out.items()}, bulk.DEFAULT_DURATIONS)

    def test_results_gzip(self):
        status, _, info = self.emu.post(API + "/jobs/query",
                                        {"operation": "query", "query": "SELECT Id, Name FROM Account"})
        self.assertEqual(status, 200, info)
        self.poll("query", info["id"])
        status, headers, raw = self.emu.request("GET", "%s/jobs/query/%s/results" % (API, info["id"]),
                                                headers={"Accept-Encoding": "gzip"}, raw=True)
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("content-encoding"), "gzip")
        self.assertTrue(raw.decode("utf-8").startswith('"Id","Name"'))

    def test_ingest_job(self):
        status, _, info = self.emu.post(API + "/jobs/ingest", {"object": "Contact", "operation": "insert"})
        self.assertEqual(status, 200, info)
        status, _, _ = self.emu.request("PUT", "%s/jobs/ingest/%s/batches" % (API, info["id"]),
                                        "LastName,FirstName\nBulkhttp,Ada\n",
                                        {"Content-Type": "text/csv"})
        self.assertEqual(status, 201)
        status, _, out = self.emu.patch("%s/jobs/ingest/%s" % (API, info["id"]), {"state": "UploadComplete"})
        self.assertEqual(status, 200, out)
        info, states = self.poll("ingest", info["id"])
        self.assertEqual(info["state"], "JobComplete")
        status, _, res = self.emu.query("SELECT Id, FirstName FROM Contact WHERE LastName = 'Bulkhttp'")
        self.assertEqual(status, 200)
        self.assertEqual(res["totalSize"], 1)


if __name__ == "__main__":
    unittest.main()
