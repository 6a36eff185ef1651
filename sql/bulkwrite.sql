--
-- bulkwrite: INSERT, UPDATE, DELETE, COPY and upsert through Bulk API 2.0
-- ingest jobs store exactly what sObject Collections store; refused records
-- are all reported; the threshold and the upload limit decide the jobs.
--
\getenv sfemu_url SFEMU_URL
SET DateStyle = ISO;
SET TimeZone = 'America/New_York';
\! test/emuctl reset
\! test/emuctl define test/fixtures/dml_object.json
-- jobs complete within the first poll, so request counts are stable
\! test/emuctl bulk-timing 0.01 0.05
CREATE SERVER bw_srv FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (url :'sfemu_url', all_or_none 'false');
CREATE USER MAPPING FOR CURRENT_USER SERVER bw_srv
  OPTIONS (client_id 'emu-client-id', client_secret 'emu-client-secret');

-- one table per transport over the same sObject, every type
CREATE FOREIGN TABLE bw_coll (
  id varchar(18) OPTIONS (field 'Id'),
  name varchar(80) OPTIONS (field 'Name'),
  ext_id text OPTIONS (field 'Ext_Id__c'),
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
) SERVER bw_srv OPTIONS (sobject 'DmlTest__c', bulk 'off');
CREATE FOREIGN TABLE bw_bulk (
  id varchar(18) OPTIONS (field 'Id'),
  name varchar(80) OPTIONS (field 'Name'),
  ext_id text OPTIONS (field 'Ext_Id__c'),
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
) SERVER bw_srv OPTIONS (sobject 'DmlTest__c', bulk 'on');

-- 10,000 rows of every type, with the values CSV must quote or clear:
-- quotes, commas, line breaks, unicode, empty strings and arrays, nulls
CREATE TABLE bw_src AS
SELECT g,
  'X' || g AS ext_id,
  (ARRAY[E'say "hi"', 'a,b', E'two\nlines', E'cr\r\nlf', 'ünïcødé ✓ 日本',
         '', NULL, '  padded  ', 'plain', 'x' || repeat('y', g % 50)])[g % 10 + 1] AS notes,
  CASE WHEN g % 4 = 0 THEN NULL ELSE 'u' || g || '@example.com' END AS email,
  CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 12.34 - 50000)::numeric(18,2) END AS amount,
  CASE WHEN g % 5 = 0 THEN NULL ELSE g / 7.0::float8 END AS ratio,
  (g % 10000) / 100.0 AS pct,
  CASE WHEN g % 9 = 0 THEN NULL ELSE g - 5000 END AS qty,
  g::bigint * 922337203685 AS big,
  g % 3 = 0 AS active,
  DATE '2000-01-01' + g AS due,
  TIMESTAMPTZ '2024-01-01 00:00:00.123+00' + g * INTERVAL '61.001 seconds' AS stamp,
  CASE WHEN g % 6 = 0 THEN NULL ELSE TIMESTAMP '1999-12-31 23:59:59.999' - g * INTERVAL '1 day' END AS local_stamp,
  TIME '00:00:00.001' + g * INTERVAL '7.003 seconds' AS at,
  (ARRAY['{Red}', '{Red,Blue}', '{}', NULL, '{Green,Blue,Red}'])[g % 5 + 1]::text[] AS colors,
  (ARRAY['New', 'Open', 'Closed', NULL])[g % 4 + 1] AS status,
  (ARRAY['"json"', '7', 'null', NULL, '"a,\"b\""'])[g % 5 + 1]::jsonb AS doc
FROM generate_series(1, 10000) g;

-- INSERT: Collections (50 requests) and Bulk (one job: create, upload,
-- close, a poll; no failedResults to read)
\! test/emuctl clear-log
INSERT INTO bw_coll (name, ext_id, notes, email, amount, ratio, pct, qty, big,
                     active, due, stamp, local_stamp, at, colors, status, doc)
  SELECT 'C' || g, 'C' || ext_id, notes, email, amount, ratio, pct, qty, big,
         active, due, stamp, local_stamp, at, colors, status, doc FROM bw_src;
\! test/emuctl count 'composite/sobjects'
\! test/emuctl clear-log
INSERT INTO bw_bulk (name, ext_id, notes, email, amount, ratio, pct, qty, big,
                     active, due, stamp, local_stamp, at, colors, status, doc)
  SELECT 'B' || g, 'B' || ext_id, notes, email, amount, ratio, pct, qty, big,
         active, due, stamp, local_stamp, at, colors, status, doc FROM bw_src;
\! test/emuctl log | grep jobs/ingest
\! test/emuctl count 'composite/sobjects'

-- the org holds the same records either way
CREATE VIEW bw_diff AS
WITH c AS (SELECT substr(name, 2) AS k, substr(ext_id, 2) AS ext, notes, email,
                  amount, ratio, pct, qty, big, active, due, stamp, local_stamp,
                  at, colors, status, doc::text AS doc
             FROM bw_coll WHERE name LIKE 'C%'),
     b AS (SELECT substr(name, 2) AS k, substr(ext_id, 2) AS ext, notes, email,
                  amount, ratio, pct, qty, big, active, due, stamp, local_stamp,
                  at, colors, status, doc::text AS doc
             FROM bw_coll WHERE name LIKE 'B%')
SELECT 'only collections' AS side, count(*) FROM (SELECT * FROM c EXCEPT ALL SELECT * FROM b) x
UNION ALL
SELECT 'only bulk', count(*) FROM (SELECT * FROM b EXCEPT ALL SELECT * FROM c) y;
SELECT substr(name, 1, 1) AS side, count(*) FROM bw_coll GROUP BY 1 ORDER BY 1;
SELECT * FROM bw_diff;
-- the values came through, not just equally wrong
SELECT count(*) FILTER (WHERE notes LIKE '%"hi"%') AS quotes,
       count(*) FILTER (WHERE notes LIKE E'%\n%') AS newlines,
       count(*) FILTER (WHERE notes LIKE '%日本%') AS unicode,
       count(*) FILTER (WHERE notes IS NULL) AS null_notes,
       count(*) FILTER (WHERE colors IS NULL) AS null_colors,
       count(*) FILTER (WHERE doc IS NULL) AS null_doc
  FROM bw_coll WHERE name LIKE 'B%';

-- UPDATE: nulls clear fields ("#N/A" in CSV), empty strings and arrays too
\! test/emuctl clear-log
UPDATE bw_coll SET notes = CASE WHEN qty % 2 = 0 THEN NULL ELSE notes || ',"' END,
    amount = NULL, colors = CASE WHEN active THEN ARRAY[]::text[] ELSE ARRAY['Blue'] END,
    email = CASE WHEN qty % 3 = 0 THEN '' ELSE email END,
    active = NOT active, stamp = stamp + INTERVAL '1.5 seconds', status = NULL
  WHERE name LIKE 'C%';
\! test/emuctl count 'composite/sobjects'
\! test/emuctl clear-log
UPDATE bw_bulk SET notes = CASE WHEN qty % 2 = 0 THEN NULL ELSE notes || ',"' END,
    amount = NULL, colors = CASE WHEN active THEN ARRAY[]::text[] ELSE ARRAY['Blue'] END,
    email = CASE WHEN qty % 3 = 0 THEN '' ELSE email END,
    active = NOT active, stamp = stamp + INTERVAL '1.5 seconds', status = NULL
  WHERE name LIKE 'B%';
\! test/emuctl log | grep jobs/ingest
\! test/emuctl count 'composite/sobjects'
SELECT * FROM bw_diff;

-- upsert by external id: half the rows exist (updated), half are new
CREATE FOREIGN TABLE bw_up_coll (
  id varchar(18) OPTIONS (field 'Id'),
  name varchar(80) OPTIONS (field 'Name'),
  ext_id text OPTIONS (field 'Ext_Id__c'),
  qty integer OPTIONS (field 'Qty__c')
) SERVER bw_srv OPTIONS (sobject 'DmlTest__c', upsert_field 'Ext_Id__c', bulk 'off');
CREATE FOREIGN TABLE bw_up_bulk (
  id varchar(18) OPTIONS (field 'Id'),
  name varchar(80) OPTIONS (field 'Name'),
  ext_id text OPTIONS (field 'Ext_Id__c'),
  qty integer OPTIONS (field 'Qty__c')
) SERVER bw_srv OPTIONS (sobject 'DmlTest__c', upsert_field 'Ext_Id__c', bulk 'on');
INSERT INTO bw_up_coll (name, ext_id, qty)
  SELECT 'C' || g, 'CX' || g, -g FROM generate_series(5001, 15000) g;
\! test/emuctl clear-log
INSERT INTO bw_up_bulk (name, ext_id, qty)
  SELECT 'B' || g, 'BX' || g, -g FROM generate_series(5001, 15000) g;
\! test/emuctl log | grep jobs/ingest
SELECT substr(name, 1, 1) AS side, count(*), sum(qty) FROM bw_coll GROUP BY 1 ORDER BY 1;
SELECT * FROM bw_diff;

-- DELETE through one job; Collections deletes the same
\! test/emuctl clear-log
DELETE FROM bw_bulk WHERE name LIKE 'B%' AND qty < 0;
\! test/emuctl log | grep jobs/ingest
DELETE FROM bw_coll WHERE name LIKE 'C%' AND qty < 0;
SELECT * FROM bw_diff;

-- COPY goes through Bulk too
\! test/emuctl clear-log
COPY bw_bulk (name, notes, qty) FROM STDIN (FORMAT csv);
copy 1,"with ""quotes"", commas",1
copy 2,"and a
line break",2
\.
\! test/emuctl count 'POST .*/jobs/ingest$'
SELECT name, notes, qty FROM bw_bulk WHERE name LIKE 'copy%' ORDER BY name;

--
-- refused records: the first by row number fails the statement, with its
-- SQLSTATE; salesforce_last_failures() lists them all, wherever
-- Salesforce put them in failedResults
--
CREATE FOREIGN TABLE bw_small (
  id varchar(18) OPTIONS (field 'Id'),
  name varchar(80) OPTIONS (field 'Name'),
  code text OPTIONS (field 'Code__c'),
  status text OPTIONS (field 'Status__c')
) SERVER bw_srv OPTIONS (sobject 'DmlTest__c', bulk 'on');
INSERT INTO bw_small (name, code, status)
  SELECT CASE WHEN g = 999 THEN NULL ELSE 'bad ' || g END,
         CASE WHEN g = 450 THEN 'ABCDEFGHIJK' ELSE 'ok' END,
         CASE WHEN g = 7 THEN 'Bogus' ELSE 'New' END
    FROM generate_series(1, 1000) g;
\echo :LAST_ERROR_SQLSTATE
SELECT foreign_table, row_number, id, status_code, message, fields
  FROM salesforce_last_failures();
SELECT count(*) FROM bw_small WHERE name LIKE 'bad %';
-- an UPDATE names the record's Id
\set VERBOSITY terse
UPDATE bw_small SET code = code || 'ABCDEFGHIJ' WHERE name IN ('bad 10', 'bad 20');
\echo :LAST_ERROR_SQLSTATE
SELECT f.row_number IN (1, 2) AS row_ok, t.name, f.status_code, f.fields
  FROM salesforce_last_failures() f JOIN bw_small t ON t.id = f.id ORDER BY t.name;
\set VERBOSITY default
DELETE FROM bw_small;

--
-- bulk 'auto': below bulk_write_threshold rows go through Collections,
-- from it on through one job (never both)
--
ALTER FOREIGN TABLE bw_small OPTIONS (SET bulk 'auto', ADD bulk_write_threshold '100');
\! test/emuctl clear-log
INSERT INTO bw_small (name) SELECT 'auto ' || g FROM generate_series(1, 99) g;
\! test/emuctl count 'composite/sobjects'
\! test/emuctl count 'jobs/ingest'
\! test/emuctl clear-log
INSERT INTO bw_small (name) SELECT 'auto ' || g FROM generate_series(100, 199) g;
\! test/emuctl count 'composite/sobjects'
\! test/emuctl count 'POST .*/jobs/ingest$'
SELECT count(*), count(DISTINCT name) FROM bw_small;
-- RETURNING and row triggers keep per-row Collections
\! test/emuctl clear-log
UPDATE bw_small SET code = 'r' WHERE name LIKE 'auto 1%' RETURNING name = name AS ok \g /dev/null
\! test/emuctl count 'jobs/ingest'
CREATE FUNCTION bw_noop() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RETURN NEW;
END $$;
CREATE TRIGGER bw_row AFTER UPDATE ON bw_small FOR EACH ROW EXECUTE FUNCTION bw_noop();
\! test/emuctl clear-log
UPDATE bw_small SET code = 't';
\! test/emuctl count 'jobs/ingest'
\! test/emuctl count 'composite/sobjects'
DROP TRIGGER bw_row ON bw_small;
DROP FUNCTION bw_noop();

-- the upload limit splits a statement's data into several jobs
SET salesforce_fdw.bulk_upload_bytes = 2000;
\! test/emuctl clear-log
UPDATE bw_small SET code = 'split';
\! test/emuctl count 'POST .*/jobs/ingest$'
\! test/emuctl count 'PUT .*/batches$'
SELECT code, count(*) FROM bw_small GROUP BY code;
RESET salesforce_fdw.bulk_upload_bytes;

-- EXPLAIN ANALYZE shows the jobs and their requests
CREATE FUNCTION bw_explain(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    RETURN NEXT regexp_replace(line, '750[A-Za-z0-9]{15}', '{job}', 'g');
  END LOOP;
END $$;
SELECT bw_explain('DELETE FROM bw_small');
SELECT count(*) FROM bw_small;

\! test/emuctl reset
DROP FUNCTION bw_explain(text);
DROP VIEW bw_diff;
DROP TABLE bw_src;
DROP FOREIGN TABLE bw_coll, bw_bulk, bw_up_coll, bw_up_bulk, bw_small;
DROP USER MAPPING FOR CURRENT_USER SERVER bw_srv;
DROP SERVER bw_srv;
