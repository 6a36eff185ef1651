--
-- bulk: reads through Bulk API 2.0 query jobs (option bulk, bulk_read_threshold)
--
\getenv sfemu_url SFEMU_URL
SET DateStyle = ISO;
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
\! test/emuctl reset
\! test/emuctl define test/fixtures/bulk_object.json
\! test/fixtures/bulk_records.py 60000 > results/bulk_rows.json && test/emuctl load BulkRow__c results/bulk_rows.json > /dev/null
\! test/emuctl define test/fixtures/types_object.json
\! test/emuctl load Type_Lab__c test/fixtures/types_records.json
CREATE SERVER blk_srv FOREIGN DATA WRAPPER salesforce_fdw OPTIONS (url :'sfemu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER blk_srv
  OPTIONS (client_id 'emu-client-id', client_secret 'emu-client-secret');
CREATE FOREIGN TABLE blk_row (
  id text OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name'),
  qty integer OPTIONS (field 'Qty__c'),
  amount numeric(18,2) OPTIONS (field 'Amount__c'),
  ratio double precision OPTIONS (field 'Ratio__c'),
  flag boolean OPTIONS (field 'Flag__c'),
  day date OPTIONS (field 'Day__c'),
  stamp timestamptz OPTIONS (field 'Stamp__c'),
  stamp_text text OPTIONS (field 'Stamp__c'),
  note text OPTIONS (field 'Note__c')
) SERVER blk_srv OPTIONS (sobject 'BulkRow__c');

-- EXPLAIN ANALYZE with the number of polls (timing-dependent) masked
CREATE FUNCTION blk_explain(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || query
  LOOP
    line := regexp_replace(line, '\d+ polls', 'N polls');
    line := regexp_replace(line, 'Salesforce API requests: \d+', 'Salesforce API requests: N');
    RETURN NEXT line;
  END LOOP;
END
$$;

-- the transport: with bulk 'auto' (the default) by the estimated record count
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM blk_row;
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM blk_row LIMIT 10;
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM blk_row WHERE name = 'R000001';
-- what Bulk cannot serve stays on REST in every mode
ALTER FOREIGN TABLE blk_row OPTIONS (ADD bulk 'on');
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM blk_row;
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM blk_row ORDER BY qty, day OFFSET 5 LIMIT 3;
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM blk_row WHERE name = 'R000001';
-- the table's option wins over the server's
ALTER FOREIGN TABLE blk_row OPTIONS (DROP bulk);
ALTER SERVER blk_srv OPTIONS (ADD bulk 'off');
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM blk_row;
ALTER FOREIGN TABLE blk_row OPTIONS (ADD bulk 'auto');
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM blk_row;
ALTER SERVER blk_srv OPTIONS (ADD bulk_read_threshold '100000');
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM blk_row;
ALTER FOREIGN TABLE blk_row OPTIONS (ADD bulk_read_threshold '60000');
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM blk_row;
ALTER FOREIGN TABLE blk_row OPTIONS (DROP bulk, DROP bulk_read_threshold);
ALTER SERVER blk_srv OPTIONS (DROP bulk, DROP bulk_read_threshold);

-- a 60,000-record scan with bulk 'auto': one query job (create, polls,
-- result pages), no REST query request; the same rows as with bulk 'off'
\! test/emuctl clear-log
CREATE TEMP TABLE via_bulk AS SELECT * FROM blk_row;
\! test/emuctl log | test/fixtures/bulk_log.py
ALTER FOREIGN TABLE blk_row OPTIONS (ADD bulk 'off');
\! test/emuctl clear-log
CREATE TEMP TABLE via_rest AS SELECT * FROM blk_row;
\! test/emuctl log | test/fixtures/bulk_log.py
SELECT (SELECT count(*) FROM via_bulk) AS bulk_rows, (SELECT count(*) FROM via_rest) AS rest_rows,
       (SELECT count(*) FROM (SELECT * FROM via_bulk EXCEPT ALL SELECT * FROM via_rest) d) AS only_bulk,
       (SELECT count(*) FROM (SELECT * FROM via_rest EXCEPT ALL SELECT * FROM via_bulk) d) AS only_rest;
-- nulls, quotes, commas, newlines, non-ASCII text, milliseconds
SELECT name, qty, amount, ratio, flag, day, stamp, stamp_text, note
  FROM via_bulk WHERE name BETWEEN 'R000001' AND 'R000006' ORDER BY name;
ALTER FOREIGN TABLE blk_row OPTIONS (DROP bulk);

-- EXPLAIN ANALYZE: the job, its records and its requests
SELECT blk_explain('SELECT name FROM blk_row');

-- every field type REST gives, through a query job, compared with REST
CREATE FOREIGN TABLE blk_types (
  name text OPTIONS (field 'Name'),
  txt text OPTIONS (field 'Text__c'),
  area text OPTIONS (field 'Area__c'),
  email varchar(80) OPTIONS (field 'Email__c'),
  phone character(20) OPTIONS (field 'Phone__c'),
  url text OPTIONS (field 'Url__c'),
  pick text OPTIONS (field 'Pick__c'),
  combo text OPTIONS (field 'Combo__c'),
  cipher text OPTIONS (field 'Cipher__c'),
  num_as_text text OPTIONS (field 'Money__c'),
  bool_as_text text OPTIONS (field 'Flag__c'),
  big_as_text text OPTIONS (field 'Big__c'),
  flag boolean OPTIONS (field 'Flag__c'),
  i4 integer OPTIONS (field 'Int__c'),
  i8 bigint OPTIONS (field 'Long__c'),
  big_int8 bigint OPTIONS (field 'Big__c'),
  dbl numeric OPTIONS (field 'Dbl__c'),
  big numeric OPTIONS (field 'Big__c'),
  tiny numeric OPTIONS (field 'Tiny__c'),
  money numeric(18,2) OPTIONS (field 'Money__c'),
  pct numeric(5,2) OPTIONS (field 'Pct__c'),
  f4 real OPTIONS (field 'Dbl__c'),
  f8 double precision OPTIONS (field 'Tiny__c'),
  day date OPTIONS (field 'Day__c'),
  stamp timestamptz OPTIONS (field 'Stamp__c'),
  stamp_local timestamp OPTIONS (field 'Stamp__c'),
  stamp_text text OPTIONS (field 'Stamp__c'),
  clock time OPTIONS (field 'Clock__c'),
  clock_tz timetz OPTIONS (field 'Clock__c'),
  clock_text text OPTIONS (field 'Clock__c'),
  multi text[] OPTIONS (field 'Multi__c'),
  multi_text text OPTIONS (field 'Multi__c'),
  num_json jsonb OPTIONS (field 'Big__c'),
  text_json jsonb OPTIONS (field 'Text__c'),
  flag_json jsonb OPTIONS (field 'Flag__c'),
  ref text OPTIONS (field 'Ref__c')
) SERVER blk_srv OPTIONS (sobject 'Type_Lab__c', bulk 'on');
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM blk_types;
\! test/emuctl clear-log
CREATE TEMP TABLE types_bulk AS SELECT * FROM blk_types;
\! test/emuctl log | test/fixtures/bulk_log.py
ALTER FOREIGN TABLE blk_types OPTIONS (SET bulk 'off');
CREATE TEMP TABLE types_rest AS SELECT * FROM blk_types;
SELECT (SELECT count(*) FROM types_bulk) AS bulk_rows,
       (SELECT count(*) FROM (SELECT * FROM types_bulk EXCEPT ALL SELECT * FROM types_rest) d) AS only_bulk,
       (SELECT count(*) FROM (SELECT * FROM types_rest EXCEPT ALL SELECT * FROM types_bulk) d) AS only_rest;
-- text forms must match to the byte, not only compare equal
SELECT count(*) AS text_mismatches FROM types_bulk b JOIN types_rest r USING (name)
 WHERE (b.*)::text IS DISTINCT FROM (r.*)::text;
-- compound fields stay on REST
CREATE FOREIGN TABLE blk_compound (
  name text OPTIONS (field 'Name'),
  address jsonb OPTIONS (field 'ShipAddress')
) SERVER blk_srv OPTIONS (sobject 'Type_Lab__c', bulk 'on');
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM blk_compound;
-- parent-relationship columns and queryAll
CREATE FOREIGN TABLE blk_contact (
  id text OPTIONS (field 'Id'),
  last_name text OPTIONS (field 'LastName'),
  account_name text OPTIONS (field 'Account.Name'),
  owner_email text OPTIONS (field 'Owner.Email'),
  is_deleted boolean OPTIONS (field 'IsDeleted')
) SERVER blk_srv OPTIONS (sobject 'Contact', bulk 'on', query_all 'true');
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM blk_contact;
CREATE TEMP TABLE contact_bulk AS SELECT * FROM blk_contact;
ALTER FOREIGN TABLE blk_contact OPTIONS (SET bulk 'off');
CREATE TEMP TABLE contact_rest AS SELECT * FROM blk_contact;
SELECT (SELECT count(*) FROM contact_bulk) AS bulk_rows,
       (SELECT count(*) FROM contact_bulk WHERE account_name IS NOT NULL) AS with_account,
       (SELECT count(*) FROM (SELECT * FROM contact_bulk EXCEPT ALL SELECT * FROM contact_rest) d) AS only_bulk,
       (SELECT count(*) FROM (SELECT * FROM contact_rest EXCEPT ALL SELECT * FROM contact_bulk) d) AS only_rest;

-- a wide object: 400 fields make SOQL too long for a URI; a query job takes
-- it in its body
\! python3 -c "import json; print(json.dumps({'name': 'Wide__c', 'label': 'Wide', 'keyPrefix': 'a0W', 'fields': [{'name': 'Name', 'type': 'string', 'length': 80}] + [{'name': 'Wide_Field_With_A_Long_Name_%03d__c' % i, 'type': 'double', 'precision': 18, 'scale': 2} for i in range(400)]}))" > results/wide_object.json && test/emuctl define results/wide_object.json
\! python3 -c "import json; print(json.dumps([dict({'Name': 'W%d' % r}, **{'Wide_Field_With_A_Long_Name_%03d__c' % i: r * 1000 + i + 0.5 for i in range(0, 400, r + 1)}) for r in range(3)]))" > results/wide_records.json && test/emuctl load Wide__c results/wide_records.json
DO $$
BEGIN
  EXECUTE format('CREATE FOREIGN TABLE blk_wide (name text OPTIONS (field %L), %s) SERVER blk_srv OPTIONS (sobject %L, bulk %L)',
                 'Name',
                 (SELECT string_agg(format('f%s numeric OPTIONS (field %L)', i,
                                           format('Wide_Field_With_A_Long_Name_%s__c', lpad(i::text, 3, '0'))), ', ')
                    FROM generate_series(0, 399) i),
                 'Wide__c', 'on');
END
$$;
SELECT line FROM (SELECT blk_explain('SELECT * FROM blk_wide') AS line) l
 WHERE line ~ 'transport|Bulk API job|request';
CREATE TEMP TABLE wide_bulk AS SELECT * FROM blk_wide;
ALTER FOREIGN TABLE blk_wide OPTIONS (SET bulk 'off');
CREATE TEMP TABLE wide_rest AS SELECT * FROM blk_wide;
SELECT (SELECT count(*) FROM wide_bulk) AS bulk_rows,
       (SELECT count(*) FROM (SELECT * FROM wide_bulk EXCEPT ALL SELECT * FROM wide_rest) d) AS only_bulk,
       (SELECT count(*) FROM (SELECT * FROM wide_rest EXCEPT ALL SELECT * FROM wide_bulk) d) AS only_rest,
       (SELECT count(f399) FROM wide_bulk) AS f399_values;

-- a Failed job is an error carrying Salesforce's errorMessage
ALTER FOREIGN TABLE blk_row OPTIONS (ADD bulk 'on');
\! test/emuctl fault '{"method": "GET", "path": "/jobs/query/[^/]+$", "status": 200, "body": {"id": "750000000000001AAA", "state": "Failed", "errorMessage": "INVALID_FIELD: No such column"}}'
SELECT name FROM blk_row WHERE qty = 1;
\! test/emuctl clear-faults

-- statement_timeout while the job runs: the job is aborted
\! test/emuctl bulk-timing 0.1 30
\! test/emuctl clear-log
SET statement_timeout = '1s';
SELECT name FROM blk_row WHERE qty = 1;
RESET statement_timeout;
\! test/emuctl log | test/fixtures/bulk_log.py
\! test/emuctl bulk-timing 0.3 1.0
ALTER FOREIGN TABLE blk_row OPTIONS (DROP bulk);
