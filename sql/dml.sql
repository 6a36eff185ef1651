--
-- dml: INSERT, UPDATE, DELETE, COPY FROM and upsert through sObject
-- Collections, checked against the emulator's request log.
--
\getenv sfemu_url SFEMU_URL
SET DateStyle = ISO;
\! test/emuctl reset
-- an sObject of our own, so the demo data stays untouched
\! test/emuctl define test/fixtures/dml_object.json
CREATE SERVER dml_srv FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (url :'sfemu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER dml_srv
  OPTIONS (client_id 'emu-client-id', client_secret 'emu-client-secret');

CREATE FOREIGN TABLE dml_t (
  id varchar(18) OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name'),
  ext_id text OPTIONS (field 'Ext_Id__c'),
  code text OPTIONS (field 'Code__c'),
  amount numeric OPTIONS (field 'Amount__c'),
  qty integer OPTIONS (field 'Qty__c'),
  active boolean OPTIONS (field 'Active__c')
) SERVER dml_srv OPTIONS (sobject 'DmlTest__c');

-- options: batch_size 1..200 on server and table, all_or_none a boolean
ALTER SERVER dml_srv OPTIONS (ADD batch_size '0');
ALTER SERVER dml_srv OPTIONS (ADD batch_size '201');
ALTER SERVER dml_srv OPTIONS (ADD all_or_none 'maybe');
ALTER FOREIGN TABLE dml_t OPTIONS (ADD upsert_field 'Ext Id');
ALTER SERVER dml_srv OPTIONS (ADD upsert_field 'Ext_Id__c');

-- EXPLAIN shows the sObject and the batch size
EXPLAIN (VERBOSE, COSTS OFF) INSERT INTO dml_t (name) VALUES ('x');
EXPLAIN (COSTS OFF) UPDATE dml_t SET code = 'x';
EXPLAIN (COSTS OFF) DELETE FROM dml_t;
-- RETURNING sends each row at once
EXPLAIN (VERBOSE, COSTS OFF) INSERT INTO dml_t (name) VALUES ('x') RETURNING id;

--
-- INSERT
--
-- a single-row INSERT is one request; nulls are left out of the record
\! test/emuctl clear-log
INSERT INTO dml_t (name, code, amount, qty) VALUES ('first', 'c1', 1.25, NULL);
\! test/emuctl count 'composite/sobjects'
\! test/fixtures/dml_bodies.py

-- 1,000 rows from INSERT ... SELECT: 5 requests of 200
\! test/emuctl clear-log
INSERT INTO dml_t (name, qty, active)
  SELECT 'bulk ' || g, g, g % 2 = 0 FROM generate_series(1, 1000) g;
\! test/emuctl count 'composite/sobjects'
\! test/fixtures/dml_bodies.py --records 2
SELECT count(*), sum(qty), count(*) FILTER (WHERE active) AS active
  FROM dml_t WHERE name LIKE 'bulk %';

-- a multi-row VALUES list is batched too
\! test/emuctl clear-log
INSERT INTO dml_t (name, qty) VALUES ('v1', 1), ('v2', 2), ('v3', 3);
\! test/emuctl count 'composite/sobjects'

-- RETURNING gives the new Id and the values written
\! test/emuctl clear-log
INSERT INTO dml_t (name, code, amount) VALUES ('returned', 'r1', 9.99)
  RETURNING length(id) AS id_length, id LIKE 'a0D%' AS our_prefix, name, code, amount;
INSERT INTO dml_t (name) VALUES ('r2'), ('r3') RETURNING name, id IS NOT NULL AS has_id;
\! test/emuctl count 'composite/sobjects'
SELECT name, code, amount FROM dml_t WHERE name IN ('returned', 'r2', 'r3') ORDER BY name;

-- EXPLAIN ANALYZE counts the requests (the last batch is sent before it
-- prints); on an object of its own
CREATE FOREIGN TABLE dml_scratch (
  id varchar(18) OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name'),
  qty integer OPTIONS (field 'Qty__c')
) SERVER dml_srv OPTIONS (sobject 'DmlScratch__c');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  INSERT INTO dml_scratch (name, qty) SELECT 'explained ' || g, g FROM generate_series(1, 450) g;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  UPDATE dml_scratch SET qty = qty + 1;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  DELETE FROM dml_scratch;
SELECT count(*) FROM dml_scratch;

--
-- UPDATE: one query (the object holds fewer than 2,000 records here, so
-- one page), then one PATCH per 200 rows; only the SET columns travel, and
-- NULL clears the field
--
\! test/emuctl clear-log
UPDATE dml_t SET code = 'b', amount = NULL WHERE name LIKE 'bulk %';
\! test/emuctl count '/query'
\! test/emuctl count 'PATCH .*/composite/sobjects'
\! test/fixtures/dml_bodies.py --records 2
SELECT count(*) FROM dml_t WHERE code = 'b' AND amount IS NULL;
-- only the changed column, even when others are read
\! test/emuctl clear-log
UPDATE dml_t SET qty = coalesce(qty, 0) + 1000 WHERE name = 'first';
\! test/fixtures/dml_bodies.py
SELECT name, code, amount, qty FROM dml_t WHERE name = 'first';
-- clearing fields, with RETURNING
UPDATE dml_t SET code = NULL, amount = NULL WHERE name = 'first'
  RETURNING name, code, amount, qty;
SELECT name, code IS NULL AS code_cleared, amount IS NULL AS amount_cleared
  FROM dml_t WHERE name = 'first';

--
-- DELETE: one query, then one DELETE per 200 ids
--
\! test/emuctl clear-log
DELETE FROM dml_t WHERE name LIKE 'bulk %';
\! test/emuctl count '/query'
\! test/emuctl count 'DELETE .*/composite/sobjects'
SELECT count(*) FROM dml_t WHERE name LIKE 'bulk %';
-- RETURNING gives the deleted row
DELETE FROM dml_t WHERE name = 'v1' RETURNING name, qty;
SELECT name FROM dml_t WHERE name LIKE 'v_' ORDER BY name;

-- a join can produce a row twice: its second UPDATE goes into the next
-- request (and wins), its second DELETE is dropped
\! test/emuctl clear-log
UPDATE dml_t SET qty = s.n FROM (VALUES (10), (20)) s(n) WHERE name = 'v3';
\! test/fixtures/dml_bodies.py
SELECT name, qty FROM dml_t WHERE name = 'v3';
\! test/emuctl clear-log
DELETE FROM dml_t USING (VALUES (1), (2)) s(n) WHERE name = 'v3';
\! test/emuctl count 'composite/sobjects'

--
-- COPY FROM: batched like INSERT
--
\! test/emuctl clear-log
COPY dml_t (name, code, qty) FROM STDIN;
copy 1	k1	1
copy 2	\N	2
copy 3	k3	3
\.
\! test/emuctl count 'composite/sobjects'
\! test/fixtures/dml_bodies.py --records 3
-- 1,000 rows through COPY FROM STDIN (fed by psql's \copy): 5 requests
\! test/emuctl clear-log
\copy dml_t (qty, name) FROM PROGRAM 'awk ''BEGIN { for (i = 1; i <= 1000; i++) print i ",copied " i }''' WITH (FORMAT csv)
\! test/emuctl count 'composite/sobjects'
SELECT count(*), sum(qty) FROM dml_t WHERE name LIKE 'copied %';
-- and UPDATE of those 1,000 rows: one query, 5 requests
\! test/emuctl clear-log
UPDATE dml_t SET active = true WHERE name LIKE 'copied %';
\! test/emuctl count '/query'
\! test/emuctl count 'PATCH .*/composite/sobjects'
SELECT count(*) FROM dml_t WHERE name LIKE 'copied %' AND active;
-- the query of an UPDATE names only the Id and the fields the statement
-- reads, not the whole row; with RETURNING the whole row is needed
EXPLAIN (VERBOSE, COSTS OFF) UPDATE dml_t SET active = false WHERE qty = 7;
\! test/emuctl clear-log
UPDATE dml_t SET active = false WHERE qty = 7;
\! test/emuctl log --soql
UPDATE dml_t SET active = true WHERE qty = 7 RETURNING name, code;
\! test/emuctl log --soql

-- batch_size 150 on the table: 1,000 rows take 7 requests each way
ALTER FOREIGN TABLE dml_t OPTIONS (ADD batch_size '150');
\! test/emuctl clear-log
INSERT INTO dml_t (name, qty) SELECT 'small ' || g, g FROM generate_series(1, 1000) g;
\! test/emuctl count 'composite/sobjects'
\! test/emuctl clear-log
DELETE FROM dml_t WHERE name LIKE 'small %';
\! test/emuctl count 'composite/sobjects'
ALTER FOREIGN TABLE dml_t OPTIONS (DROP batch_size);
-- batch_size on the server applies to its tables that set none
ALTER SERVER dml_srv OPTIONS (ADD batch_size '100');
\! test/emuctl clear-log
INSERT INTO dml_t (name, qty) SELECT 'server ' || g, g FROM generate_series(1, 250) g;
DELETE FROM dml_t WHERE name LIKE 'server %';
\! test/fixtures/dml_bodies.py --records 0
ALTER SERVER dml_srv OPTIONS (DROP batch_size);

--
-- upsert by an external id: PATCH .../composite/sobjects/DmlTest__c/Ext_Id__c
--
CREATE FOREIGN TABLE dml_up (
  id varchar(18) OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name'),
  ext_id text OPTIONS (field 'Ext_Id__c'),
  qty integer OPTIONS (field 'Qty__c')
) SERVER dml_srv OPTIONS (sobject 'DmlTest__c', upsert_field 'Ext_Id__c');
EXPLAIN (VERBOSE, COSTS OFF) INSERT INTO dml_up (name, ext_id) VALUES ('x', 'E-1');
\! test/emuctl clear-log
INSERT INTO dml_up (name, ext_id, qty) VALUES ('up 1', 'E-1', 1), ('up 2', 'E-2', 2);
\! test/fixtures/dml_bodies.py --records 2
-- E-2 exists: updated; E-3 is new: inserted
INSERT INTO dml_up (name, ext_id, qty) VALUES ('up 2 again', 'E-2', 20), ('up 3', 'E-3', 3);
SELECT name, ext_id, qty FROM dml_up WHERE ext_id LIKE 'E-%' ORDER BY ext_id;
-- RETURNING the Id of the record upserted
WITH r AS (
  INSERT INTO dml_up (name, ext_id, qty) VALUES ('up 3 again', 'E-3', 30) RETURNING id
)
SELECT r.id = u.id AS same_record FROM r, dml_up u WHERE u.ext_id = 'E-3';
-- ON CONFLICT has no Salesforce meaning: upsert_field is the way
INSERT INTO dml_t (name) VALUES ('x') ON CONFLICT DO NOTHING;
-- an upsert needs the external id
INSERT INTO dml_up (name, qty) VALUES ('no ext', 1);
\echo :LAST_ERROR_SQLSTATE

--
-- local refusals: nothing is sent
--
CREATE FOREIGN TABLE dml_ro (
  id varchar(18) OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name'),
  formula text OPTIONS (field 'Formula__c'),
  serial text OPTIONS (field 'Serial__c'),
  locked text OPTIONS (field 'Locked__c'),
  created timestamptz OPTIONS (field 'CreatedDate'),
  account_name text OPTIONS (field 'Account__r.Name'),
  nosuch text OPTIONS (field 'No_Such__c')
) SERVER dml_srv OPTIONS (sobject 'DmlTest__c');
\! test/emuctl clear-log
INSERT INTO dml_ro (name, formula) VALUES ('x', 'f');
INSERT INTO dml_ro (name, serial) VALUES ('x', 'A-0001');
INSERT INTO dml_ro (id, name) VALUES ('a0D000000000001AAA', 'x');
INSERT INTO dml_ro (name, created) VALUES ('x', now());
INSERT INTO dml_ro (name, account_name) VALUES ('x', 'Acme');
INSERT INTO dml_ro (name, nosuch) VALUES ('x', 'y');
UPDATE dml_ro SET locked = 'z';
UPDATE dml_ro SET formula = 'z';
UPDATE dml_ro SET id = 'a0D000000000001AAA';
UPDATE dml_ro SET account_name = 'z';
-- COPY has no column list to check before it starts: each row is checked
COPY dml_ro (name, formula) FROM STDIN;
ok	\N
bad	formula value
\.
\! test/emuctl count 'composite/sobjects'
-- a createable but not updateable field can be inserted
INSERT INTO dml_ro (name, locked) VALUES ('locked row', 'set once');
SELECT name, locked, serial IS NOT NULL AS has_serial FROM dml_ro WHERE name = 'locked row';
-- a table without an Id column can be inserted into, not changed
CREATE FOREIGN TABLE dml_noid (
  name text OPTIONS (field 'Name')
) SERVER dml_srv OPTIONS (sobject 'DmlTest__c');
INSERT INTO dml_noid VALUES ('no id column');
UPDATE dml_noid SET name = 'x';
DELETE FROM dml_noid;
\echo :LAST_ERROR_SQLSTATE

--
-- errors from Salesforce: the sObject, the row, its Id, statusCode, message,
-- fields, a fitting SQLSTATE, and how much was already written
--
-- required field missing
INSERT INTO dml_t (code) VALUES ('no name');
\echo :LAST_ERROR_SQLSTATE
-- in a request of several records, all_or_none keeps the others out too
INSERT INTO dml_t (name, code) VALUES ('aon 1', 'x'), (NULL, 'y'), ('aon 3', 'z');
SELECT count(*) FROM dml_t WHERE name LIKE 'aon %';
-- duplicate external id (a unique field)
INSERT INTO dml_t (name, ext_id) VALUES ('dup', 'D-1');
INSERT INTO dml_t (name, ext_id) VALUES ('dup again', 'D-1');
\echo :LAST_ERROR_SQLSTATE
-- string too long (Code__c holds 10 characters)
INSERT INTO dml_t (name, code) VALUES ('long', 'ABCDEFGHIJK');
\echo :LAST_ERROR_SQLSTATE
-- an UPDATE names the row's Id
UPDATE dml_t SET code = 'ABCDEFGHIJK' WHERE name = 'dup';
\echo :LAST_ERROR_SQLSTATE
-- restricted picklist
CREATE FOREIGN TABLE dml_pick (
  id varchar(18) OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name'),
  status text OPTIONS (field 'Status__c')
) SERVER dml_srv OPTIONS (sobject 'DmlTest__c');
INSERT INTO dml_pick (name, status) VALUES ('pick', 'Bogus');
\echo :LAST_ERROR_SQLSTATE
-- errors only Salesforce itself produces (validation rules, sharing, row
-- locks) are played back by the emulator's fault injection
\! test/emuctl fault '{"method": "POST", "path": "/composite/sobjects$", "status": 200, "times": 1, "body": [{"success": false, "errors": [{"statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "message": "Quantity must be positive", "fields": ["Qty__c"]}]}]}'
INSERT INTO dml_t (name, qty) VALUES ('validated', -1);
\echo :LAST_ERROR_SQLSTATE
\! test/emuctl fault '{"method": "POST", "path": "/composite/sobjects$", "status": 200, "times": 1, "body": [{"success": false, "errors": [{"statusCode": "INSUFFICIENT_ACCESS_OR_READONLY", "message": "insufficient access rights on object id", "fields": []}]}]}'
INSERT INTO dml_t (name) VALUES ('no access');
\echo :LAST_ERROR_SQLSTATE
-- refused four times: the first try and max_retries (3) retries
\! test/emuctl fault '{"method": "DELETE", "path": "/composite/sobjects", "status": 200, "times": 4, "body": [{"id": "a0D000000000001AAA", "success": false, "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW", "message": "unable to obtain exclusive access to this record", "fields": []}]}]}'
DELETE FROM dml_t WHERE name = 'dup';
\echo :LAST_ERROR_SQLSTATE
-- a request refused as a whole
\! test/emuctl fault '{"method": "POST", "path": "/composite/sobjects$", "status": 400, "times": 1, "body": [{"errorCode": "JSON_PARSER_ERROR", "message": "Unexpected character"}]}'
INSERT INTO dml_t (name) VALUES ('refused');
\! test/emuctl clear-faults
-- deleting a deleted record
CREATE TABLE dml_gone AS SELECT id FROM dml_t WHERE name = 'v2';
DELETE FROM dml_t WHERE name = 'v2';
CREATE FOREIGN TABLE dml_del (
  id varchar(18) OPTIONS (field 'Id')
) SERVER dml_srv OPTIONS (sobject 'DmlTest__c', query_all 'true');
DELETE FROM dml_del WHERE id IN (SELECT id FROM dml_gone);
\echo :LAST_ERROR_SQLSTATE

--
-- partial failure: Salesforce commits each request on its own
--
CREATE TABLE dml_src (n int, name text);
INSERT INTO dml_src SELECT g, 'part ' || g FROM generate_series(1, 7) g;
UPDATE dml_src SET name = NULL WHERE n = 5;    -- row 5 lacks the required Name
ALTER FOREIGN TABLE dml_t OPTIONS (ADD batch_size '3');
-- all_or_none (the default): rows 1-3 are written by the first request; the
-- second request (rows 4-6) writes nothing
\! test/emuctl clear-log
INSERT INTO dml_t (name, qty) SELECT name, n FROM dml_src ORDER BY n;
\echo :LAST_ERROR_SQLSTATE
\! test/fixtures/dml_bodies.py --records 0
SELECT qty FROM dml_t WHERE name LIKE 'part %' ORDER BY qty;
DELETE FROM dml_t WHERE name LIKE 'part %';
-- all_or_none off: row 4 and row 6 of the failing request are written too
ALTER FOREIGN TABLE dml_t OPTIONS (ADD all_or_none 'false');
\! test/emuctl clear-log
INSERT INTO dml_t (name, qty) SELECT name, n FROM dml_src ORDER BY n;
\! test/fixtures/dml_bodies.py --records 0
SELECT qty FROM dml_t WHERE name LIKE 'part %' ORDER BY qty;
DELETE FROM dml_t WHERE name LIKE 'part %';
-- a transaction does not undo what Salesforce committed
ALTER FOREIGN TABLE dml_t OPTIONS (SET all_or_none 'true');
BEGIN;
INSERT INTO dml_t (name, qty) VALUES ('in tx', 1);
ROLLBACK;
SELECT name FROM dml_t WHERE name = 'in tx';
-- an UPDATE failing in its second request
UPDATE dml_t SET code = CASE WHEN qty = 5 THEN 'way too long' ELSE 'ok' END
  WHERE name LIKE 'copied %' AND qty <= 6;
SELECT count(*) FROM dml_t WHERE name LIKE 'copied %' AND code = 'ok';
ALTER FOREIGN TABLE dml_t OPTIONS (DROP batch_size, DROP all_or_none);

--
-- a foreign table as a partition: routed INSERT and COPY are batched too,
-- and an UPDATE can move a row into it
--
CREATE TABLE dml_parted (id varchar(18), name text, qty int) PARTITION BY RANGE (qty);
CREATE TABLE dml_parted_local PARTITION OF dml_parted FOR VALUES FROM (0) TO (100);
CREATE FOREIGN TABLE dml_parted_sf PARTITION OF dml_parted
  FOR VALUES FROM (100) TO (MAXVALUE) SERVER dml_srv OPTIONS (sobject 'DmlScratch__c');
ALTER FOREIGN TABLE dml_parted_sf ALTER COLUMN id OPTIONS (ADD field 'Id'),
  ALTER COLUMN name OPTIONS (ADD field 'Name'), ALTER COLUMN qty OPTIONS (ADD field 'Qty__c');
\! test/emuctl clear-log
INSERT INTO dml_parted (name, qty) SELECT 'p' || g, g FROM generate_series(1, 500) g;
\! test/emuctl count 'composite/sobjects'
\! test/emuctl clear-log
\copy dml_parted (name, qty) FROM PROGRAM 'awk ''BEGIN { for (i = 1; i <= 300; i++) print "c" i "," i }''' WITH (FORMAT csv)
\! test/emuctl count 'composite/sobjects'
SELECT count(*) FROM dml_parted_sf;
UPDATE dml_parted SET qty = 150 WHERE name = 'p5';
SELECT name, qty FROM dml_parted_sf WHERE name = 'p5';
\! test/emuctl clear-log
DELETE FROM dml_parted WHERE qty >= 100;
\! test/emuctl count 'composite/sobjects'
SELECT count(*) FROM dml_parted_sf;
DROP TABLE dml_parted;

--
-- round trip: every type written reads back equal
--
SET TimeZone = 'America/New_York';
CREATE FOREIGN TABLE dml_types (
  id varchar(18) OPTIONS (field 'Id'),
  name varchar(80) OPTIONS (field 'Name'),
  notes text OPTIONS (field 'Notes__c'),
  email text OPTIONS (field 'Email__c'),
  amount numeric(18,2) OPTIONS (field 'Amount__c'),
  ratio double precision OPTIONS (field 'Ratio__c'),
  pct numeric OPTIONS (field 'Pct__c'),
  qty integer OPTIONS (field 'Qty__c'),
  big bigint OPTIONS (field 'Big__c'),
  active boolean OPTIONS (field 'Active__c'),
  due date OPTIONS (field 'Due__c'),
  stamp timestamptz OPTIONS (field 'Stamp__c'),
  local_stamp timestamp OPTIONS (field 'Local_Stamp__c'),
  at time OPTIONS (field 'At__c'),
  colors text[] OPTIONS (field 'Colors__c'),
  status text OPTIONS (field 'Status__c'),
  doc jsonb OPTIONS (field 'Code__c')
) SERVER dml_srv OPTIONS (sobject 'DmlTest__c');
CREATE TABLE dml_expected (
  name varchar(80), notes text, email text, amount numeric(18,2),
  ratio double precision, pct numeric, qty integer, big bigint,
  active boolean, due date, stamp timestamptz, local_stamp timestamp,
  at time, colors text[], status text, doc jsonb);
INSERT INTO dml_expected VALUES
  ('types 1', E'line 1\nline "2" \\ ünïcødé ✓', 'a@example.com', 12345678.91,
   0.1, 12.5, -123456789, 9007199254740993, true, '2024-02-29',
   '2024-01-15 10:30:00.123+01', '1999-12-31 23:59:59.999', '00:00:00.001',
   ARRAY['Red', 'Blue'], 'Open', '"json"'),
  ('types 2', 'x', NULL, -0.01, 1e-6, 0, 999999999, -9007199254740993, false,
   '0001-01-01', '1970-01-01 00:00:00+00', '2038-01-19 03:14:07', '23:59:59.999',
   ARRAY['Green'], NULL, NULL),
  -- a checkbox is never null: left out, it takes its default, false
  ('types 3', NULL, NULL, NULL, 123456789.123456, NULL, NULL, NULL, false,
   '9999-12-31', '9999-12-31 23:59:59.999+00', NULL, NULL, NULL, NULL, '"7"');
\! test/emuctl clear-log
INSERT INTO dml_types (name, notes, email, amount, ratio, pct, qty, big, active,
                       due, stamp, local_stamp, at, colors, status, doc)
  SELECT * FROM dml_expected;
\! test/fixtures/dml_bodies.py --records 3
SELECT e.name,
       (e.notes, e.email, e.amount, e.ratio, e.pct, e.qty, e.big, e.active,
        e.due, e.stamp, e.local_stamp, e.at, e.colors, e.status, e.doc)
       IS NOT DISTINCT FROM
       (t.notes, t.email, t.amount, t.ratio, t.pct, t.qty, t.big, t.active,
        t.due, t.stamp, t.local_stamp, t.at, t.colors, t.status, t.doc) AS equal
  FROM dml_expected e LEFT JOIN dml_types t USING (name) ORDER BY e.name;
-- and the same through UPDATE: the values of types 1 and types 3 swap
CREATE TABLE dml_swap (name text, other text);
INSERT INTO dml_swap VALUES ('types 1', 'types 3'), ('types 2', 'types 2'),
  ('types 3', 'types 1');
UPDATE dml_types t SET notes = e.notes, email = e.email, amount = e.amount,
    ratio = e.ratio, pct = e.pct, qty = e.qty, big = e.big, active = e.active,
    due = e.due, stamp = e.stamp, local_stamp = e.local_stamp, at = e.at,
    colors = e.colors, status = e.status, doc = e.doc
  FROM dml_swap s JOIN dml_expected e ON e.name = s.other
  WHERE t.name = s.name;
SELECT e.name,
       (e.notes, e.email, e.amount, e.ratio, e.pct, e.qty, e.big, e.active,
        e.due, e.stamp, e.local_stamp, e.at, e.colors, e.status, e.doc)
       IS NOT DISTINCT FROM
       (t.notes, t.email, t.amount, t.ratio, t.pct, t.qty, t.big, t.active,
        t.due, t.stamp, t.local_stamp, t.at, t.colors, t.status, t.doc) AS equal
  FROM dml_expected e JOIN dml_swap s ON s.other = e.name
  LEFT JOIN dml_types t ON t.name = s.name
  ORDER BY e.name;
-- values Salesforce cannot hold are refused before sending
INSERT INTO dml_types (name, ratio) VALUES ('nan', 'NaN');
INSERT INTO dml_types (name, stamp) VALUES ('inf', 'infinity');
INSERT INTO dml_types (name, colors) VALUES ('semi', ARRAY['a;b']);
-- microseconds round to the millisecond Salesforce keeps
INSERT INTO dml_types (name, stamp, at)
  VALUES ('rounding', '2024-01-15 10:30:00.1235+00', '10:00:00.0004');
SELECT stamp AT TIME ZONE 'UTC' AS stamp_utc, at FROM dml_types WHERE name = 'rounding';
RESET TimeZone;

-- The row context of a write lives through every batch sent (resetting
-- the batch must not delete it): a row trigger counts it as rows go by.
CREATE FOREIGN TABLE dml_mem (
  id varchar(18) OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name'),
  code text OPTIONS (field 'Code__c')
) SERVER dml_srv OPTIONS (sobject 'DmlTest__c', batch_size '2');
INSERT INTO dml_mem (name) SELECT 'mem' || i FROM generate_series(1, 5) i;
CREATE TABLE dml_mem_seen (n bigint);
CREATE FUNCTION dml_mem_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO dml_mem_seen SELECT count(*) FROM pg_backend_memory_contexts
    WHERE name = 'salesforce_fdw modify row';
  RETURN NEW;
END $$;
CREATE TRIGGER dml_mem_trg BEFORE UPDATE ON dml_mem
  FOR EACH ROW EXECUTE FUNCTION dml_mem_count();
UPDATE dml_mem SET code = 'm' WHERE name LIKE 'mem%';
SELECT count(*) AS triggered, min(n), max(n) FROM dml_mem_seen;
SELECT name, code FROM dml_mem WHERE name LIKE 'mem%' ORDER BY name;
-- a BEFORE ROW UPDATE trigger may change a column outside the SET list:
-- it is written too (the Id, which Salesforce won't update, is left out)
CREATE FUNCTION dml_mem_code() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.code := 'trg';
  RETURN NEW;
END $$;
CREATE TRIGGER dml_mem_code_trg BEFORE UPDATE ON dml_mem
  FOR EACH ROW EXECUTE FUNCTION dml_mem_code();
UPDATE dml_mem SET name = 'mem1x' WHERE name = 'mem1';
SELECT name, code FROM dml_mem WHERE name LIKE 'mem1%' ORDER BY name;
DELETE FROM dml_mem WHERE name LIKE 'mem%';
DROP TABLE dml_mem_seen;
DROP FOREIGN TABLE dml_mem;
DROP FUNCTION dml_mem_count();
DROP FUNCTION dml_mem_code();

-- clean up
DROP TABLE dml_src, dml_gone, dml_expected, dml_swap;
DROP FOREIGN TABLE dml_t, dml_scratch, dml_up, dml_ro, dml_noid, dml_pick, dml_del, dml_types;
DROP USER MAPPING FOR CURRENT_USER SERVER dml_srv;
DROP SERVER dml_srv;
