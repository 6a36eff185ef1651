--
-- sync: salesforce_sync keeps a local table equal to a foreign table;
-- salesforce_updated / salesforce_deleted read the replication resources.
-- After every sync the local table is compared row by row with the foreign
-- table (sync_diff: rows in one and not the other, both ways).
--
\getenv sfemu_url SFEMU_URL
\set VERBOSITY terse
SET DateStyle = ISO;
\! test/emuctl reset
\! test/emuctl define test/fixtures/sync_object.json
-- the records were created three, two and one hour ago (the emulator's
-- clock moves)
\! test/emuctl clock advance -10800
\! test/fixtures/sync_records.py small 100 0 > results/sync_small.json && test/emuctl load SyncTest__c results/sync_small.json
\! test/emuctl clock advance 3600
\! test/fixtures/sync_records.py small 100 100 > results/sync_small.json && test/emuctl load SyncTest__c results/sync_small.json
\! test/emuctl clock advance 3600
\! test/fixtures/sync_records.py small 100 200 > results/sync_small.json && test/emuctl load SyncTest__c results/sync_small.json
\! test/emuctl clock reset
CREATE SERVER sync_srv FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (url :'sfemu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER sync_srv
  OPTIONS (client_id 'emu-client-id', client_secret 'emu-client-secret');

-- SystemModstamp is not mapped: the sync finds changes all the same
CREATE FOREIGN TABLE sync_ft (
  id varchar(18) OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name'),
  amount numeric OPTIONS (field 'Amount__c'),
  qty integer OPTIONS (field 'Qty__c')
) SERVER sync_srv OPTIONS (sobject 'SyncTest__c');

CREATE FUNCTION sync_diff(ft regclass, lt text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM ((TABLE %s EXCEPT ALL TABLE %s) '
                 'UNION ALL (TABLE %s EXCEPT ALL TABLE %s)) d', ft, lt, lt, ft)
    INTO n;
  RETURN n;
END $$;

-- the state table is dumped with the extension's data
SELECT c.relname FROM pg_extension e, unnest(e.extconfig) AS t(oid)
  JOIN pg_class c ON c.oid = t.oid WHERE e.extname = 'salesforce_fdw';

-- validation
SELECT * FROM salesforce_sync('pg_class', 'x');
CREATE FOREIGN TABLE sync_noid (name text OPTIONS (field 'Name'))
  SERVER sync_srv OPTIONS (sobject 'SyncTest__c');
SELECT * FROM salesforce_sync('sync_noid', 'x');
\set VERBOSITY default
CREATE TABLE sync_bad1 (id varchar(18), name varchar(10), qty integer);
SELECT * FROM salesforce_sync('sync_ft', 'sync_bad1');
CREATE TABLE sync_bad2 (id varchar(18), name text, amount numeric, qty integer);
SELECT * FROM salesforce_sync('sync_ft', 'sync_bad2');
\set VERBOSITY terse
SELECT * FROM salesforce_sync('sync_ft', 'sync_local', lookback => '-1 minute');
SELECT * FROM salesforce_sync('sync_ft', 'sync_local', lookback => '1 day');
SELECT count(*) FROM salesforce_sync_state;

-- first run: the table is created and every record copied
SELECT mode, upserted, deleted, api_calls FROM salesforce_sync('sync_ft', 'sync_local');
\d sync_local
SELECT sync_diff('sync_ft', 'sync_local');
SELECT foreign_table, local_table, last_mode, upserted, deleted,
       watermark IS NOT NULL AS has_watermark
  FROM salesforce_sync_state;

-- nothing changed: nothing written
SELECT mode, upserted, deleted FROM salesforce_sync('sync_ft', 'sync_local');

-- inserts, updates, deletes
INSERT INTO sync_ft (name, amount, qty) VALUES ('new one', 1.25, 1000), ('new two', NULL, 1001);
UPDATE sync_ft SET qty = -qty WHERE name IN ('S0001', 'S0002', 'S0003');
DELETE FROM sync_ft WHERE name IN ('S0004', 'S0005');
SELECT mode, upserted, deleted FROM salesforce_sync('sync_ft', 'sync_local');
SELECT sync_diff('sync_ft', 'sync_local');
SELECT name, qty FROM sync_local WHERE name IN ('new one', 'S0001', 'S0004') ORDER BY name;

-- the watermark is what Salesforce stamped, not our clock
\set max_stamp `test/emuctl dump SyncTest__c | python3 -c "import sys, json; print(max(json.loads(l)['SystemModstamp'] for l in sys.stdin))"`
SELECT watermark = :'max_stamp'::timestamptz AS watermark_is_max_modstamp
  FROM salesforce_sync_state WHERE foreign_table = 'sync_ft'::regclass;

-- a record changed in the same second as the watermark arrives (>=), even
-- without a lookback; records read again but unchanged are not written
UPDATE sync_ft SET name = 'same second A' WHERE name = 'S0010';
SELECT mode, upserted, deleted FROM salesforce_sync('sync_ft', 'sync_local', lookback => '0');
UPDATE sync_ft SET name = 'same second B' WHERE name = 'S0011';
SELECT mode, upserted, deleted FROM salesforce_sync('sync_ft', 'sync_local', lookback => '0');
SELECT sync_diff('sync_ft', 'sync_local');

-- undelete (from the Recycle Bin, as the UI does): the record comes back
SELECT id AS undelete_id FROM sync_local WHERE name = 'S0020' \gset
DELETE FROM sync_ft WHERE name = 'S0020';
SELECT mode, upserted, deleted FROM salesforce_sync('sync_ft', 'sync_local');
\setenv UNDELETE_ID :undelete_id
\! test/emuctl undelete $UNDELETE_ID
SELECT mode, upserted, deleted FROM salesforce_sync('sync_ft', 'sync_local');
SELECT name FROM sync_local WHERE id = :'undelete_id';
SELECT sync_diff('sync_ft', 'sync_local');

-- deleted, then undeleted between two syncs: present
DELETE FROM sync_ft WHERE name = 'S0021';
SELECT id AS undelete_id FROM sync_local WHERE name = 'S0021' \gset
\setenv UNDELETE_ID :undelete_id
\! test/emuctl undelete $UNDELETE_ID
SELECT mode, upserted, deleted FROM salesforce_sync('sync_ft', 'sync_local');
SELECT sync_diff('sync_ft', 'sync_local');

-- hard deletes (Recycle Bin emptied) reach the copy through Get Deleted only
DELETE FROM sync_ft WHERE name IN ('S0030', 'S0031');
\! test/emuctl empty-recycle-bin SyncTest__c
\! test/emuctl clear-log
SELECT mode, upserted, deleted FROM salesforce_sync('sync_ft', 'sync_local');
\! test/emuctl count '/sobjects/SyncTest__c/deleted/$'
SELECT sync_diff('sync_ft', 'sync_local');

-- a failing sync changes nothing: neither the copy nor the state
CREATE TEMP TABLE before_state AS SELECT * FROM salesforce_sync_state;
CREATE TEMP TABLE before_local AS SELECT * FROM sync_local;
UPDATE sync_ft SET qty = 7 WHERE name = 'S0040';
DELETE FROM sync_ft WHERE name = 'S0041';
\! test/emuctl fault '{"method": "GET", "path": "/deleted/", "status": 503, "body": [{"errorCode": "SERVER_UNAVAILABLE", "message": "Server is temporarily unavailable"}]}'
SELECT mode FROM salesforce_sync('sync_ft', 'sync_local');
\! test/emuctl clear-faults
SELECT count(*) FROM ((TABLE before_state EXCEPT ALL TABLE salesforce_sync_state)
  UNION ALL (TABLE salesforce_sync_state EXCEPT ALL TABLE before_state)) d;
SELECT count(*) FROM ((TABLE before_local EXCEPT ALL TABLE sync_local)
  UNION ALL (TABLE sync_local EXCEPT ALL TABLE before_local)) d;
-- rolled back by the caller: the same
BEGIN;
SELECT mode, upserted, deleted FROM salesforce_sync('sync_ft', 'sync_local');
ROLLBACK;
SELECT count(*) FROM ((TABLE before_state EXCEPT ALL TABLE salesforce_sync_state)
  UNION ALL (TABLE salesforce_sync_state EXCEPT ALL TABLE before_state)) d;
-- the next one redoes it
SELECT mode, upserted, deleted FROM salesforce_sync('sync_ft', 'sync_local');
SELECT sync_diff('sync_ft', 'sync_local');

-- a table of our own with the right shape; full_refresh; SystemModstamp mapped
CREATE FOREIGN TABLE sync_ft2 (
  id varchar(18) OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name'),
  modstamp timestamptz OPTIONS (field 'SystemModstamp')
) SERVER sync_srv OPTIONS (sobject 'SyncTest__c');
CREATE TABLE sync_local2 (id varchar(18) UNIQUE, name text, modstamp timestamptz, note text DEFAULT 'mine');
INSERT INTO sync_local2 VALUES ('a0SRO0000000000AAA', 'stale', now(), 'x');
SELECT mode, upserted, deleted FROM salesforce_sync('sync_ft2', 'sync_local2');
SELECT count(*) FROM sync_local2 WHERE note = 'mine';
UPDATE sync_ft SET name = 'mapped' WHERE name = 'S0050';
SELECT mode, upserted, deleted FROM salesforce_sync('sync_ft2', 'sync_local2');
SELECT count(*) FROM ((SELECT * FROM sync_ft2 EXCEPT ALL SELECT id, name, modstamp FROM sync_local2)
  UNION ALL (SELECT id, name, modstamp FROM sync_local2 EXCEPT ALL SELECT * FROM sync_ft2)) d;
SELECT mode, upserted, deleted FROM salesforce_sync('sync_ft', 'sync_local', full_refresh => true);
SELECT sync_diff('sync_ft', 'sync_local');

-- a query_all table shows deleted records (IsDeleted): so does its copy
CREATE FOREIGN TABLE sync_all (
  id varchar(18) OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name'),
  is_deleted boolean OPTIONS (field 'IsDeleted')
) SERVER sync_srv OPTIONS (sobject 'SyncTest__c', query_all 'true');
SELECT mode FROM salesforce_sync('sync_all', 'sync_all_local');
DELETE FROM sync_ft WHERE name = 'S0070';
SELECT mode FROM salesforce_sync('sync_all', 'sync_all_local');
SELECT name, is_deleted FROM sync_all_local WHERE name = 'S0070';
SELECT sync_diff('sync_all', 'sync_all_local');

-- an object with neither SystemModstamp nor LastModifiedDate: every later
-- run reconciles (reads every record again and removes the gone ones)
\! test/fixtures/sync_records.py big 30 > results/sync_nostamp.json && test/emuctl load NoStamp__c results/sync_nostamp.json
CREATE FOREIGN TABLE sync_nostamp (
  id varchar(18) OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name'),
  qty integer OPTIONS (field 'Qty__c')
) SERVER sync_srv OPTIONS (sobject 'NoStamp__c');
SELECT mode, upserted, deleted FROM salesforce_sync('sync_nostamp', 'sync_nostamp_local');
UPDATE sync_nostamp SET qty = -1 WHERE name = 'B000001';
DELETE FROM sync_nostamp WHERE name = 'B000002';
SELECT mode, upserted, deleted, watermark FROM salesforce_sync('sync_nostamp', 'sync_nostamp_local');
SELECT sync_diff('sync_nostamp', 'sync_nostamp_local');

-- an object Salesforce does not replicate (no Get Deleted): later runs
-- compare Ids
\! test/fixtures/sync_records.py big 20 > results/sync_norepl.json && test/emuctl load NoRepl__c results/sync_norepl.json
CREATE FOREIGN TABLE sync_norepl (
  id varchar(18) OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name'),
  qty integer OPTIONS (field 'Qty__c')
) SERVER sync_srv OPTIONS (sobject 'NoRepl__c');
SELECT mode, upserted, deleted FROM salesforce_sync('sync_norepl', 'sync_norepl_local');
DELETE FROM sync_norepl WHERE name = 'B000003';
\! test/emuctl empty-recycle-bin NoRepl__c
UPDATE sync_norepl SET qty = -1 WHERE name = 'B000004';
SELECT mode, upserted, deleted FROM salesforce_sync('sync_norepl', 'sync_norepl_local');
SELECT sync_diff('sync_norepl', 'sync_norepl_local');
SELECT * FROM salesforce_deleted('sync_srv', 'NoRepl__c', now() - interval '1 day');

-- salesforce_updated and salesforce_deleted (Salesforce counts whole
-- minutes: the window ends a minute ahead so this one's changes are in)
SELECT count(*) FROM salesforce_updated('sync_srv', 'SyncTest__c', now() - interval '90 minutes', now() + interval '1 minute');
SELECT count(*) FROM salesforce_deleted('sync_srv', 'SyncTest__c', now() - interval '90 minutes', now() + interval '1 minute');
SELECT count(*) FROM salesforce_deleted('sync_srv', 'SyncTest__c', now() - interval '90 minutes', now() + interval '1 minute')
  WHERE deleted_at > now() - interval '90 minutes';
-- windows longer than Salesforce answers are split; answers over the id
-- limit are halved until they fit
SELECT count(*) FROM salesforce_updated('sync_srv', 'SyncTest__c', now() - interval '29 days', now() + interval '1 minute');
\! test/emuctl raw POST /__emu/replication '{"id_limit": 150}' > /dev/null
\! test/emuctl clear-log
SELECT count(*) FROM salesforce_updated('sync_srv', 'SyncTest__c', now() - interval '29 days', now() + interval '1 minute');
\! test/emuctl count '/updated/$' | awk '{ print ($1 > 2 ? "split into several requests" : "one request") }'
-- more than that in one minute: an error
\! test/emuctl raw POST /__emu/replication '{"id_limit": 5}' > /dev/null
SELECT count(*) FROM salesforce_updated('sync_srv', 'SyncTest__c', now() - interval '29 days', now() + interval '1 minute');
\! test/emuctl raw POST /__emu/replication '{"id_limit": 600000}' > /dev/null
-- too old: an error that says so
SELECT * FROM salesforce_deleted('sync_srv', 'SyncTest__c', now() - interval '20 days');
SELECT * FROM salesforce_updated('sync_srv', 'SyncTest__c', now() - interval '40 days');
\set VERBOSITY default
SELECT * FROM salesforce_deleted('sync_srv', 'SyncTest__c', now() - interval '20 days');
\set VERBOSITY terse
SELECT * FROM salesforce_deleted('sync_srv', 'SyncTest__c', now(), now() - interval '1 day');
SELECT * FROM salesforce_deleted('sync_srv', 'Bad Name', now() - interval '1 day');

-- cost: 10 changed records of a 100,000-record object in at most 3 API calls
\! test/emuctl clock advance -7200
\! test/fixtures/sync_records.py big 100000 > results/sync_big.json && test/emuctl load SyncBig__c results/sync_big.json
\! test/emuctl clock reset
CREATE FOREIGN TABLE sync_big (
  id varchar(18) OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name'),
  qty integer OPTIONS (field 'Qty__c')
) SERVER sync_srv OPTIONS (sobject 'SyncBig__c');
-- one record changed since the load, so the watermark is not the load's
UPDATE sync_big SET qty = 0 WHERE name = 'B000000';
SELECT mode, upserted, deleted FROM salesforce_sync('sync_big', 'sync_big_local');
UPDATE sync_big SET qty = -qty WHERE name IN ('B000001', 'B000002', 'B000003', 'B000004',
  'B000005', 'B000006', 'B000007', 'B000008', 'B000009', 'B000010');
\! test/emuctl clear-log
SELECT mode, upserted, deleted, api_calls FROM salesforce_sync('sync_big', 'sync_big_local');
\! test/emuctl log | sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/<time>/g'
SELECT api_calls FROM salesforce_sync_state WHERE foreign_table = 'sync_big'::regclass;
SELECT sync_diff('sync_big', 'sync_big_local');

-- a gap longer than Get Deleted covers (15 days): reconcile by Id
DELETE FROM sync_ft WHERE name IN ('S0060', 'S0061');
\! test/emuctl empty-recycle-bin SyncTest__c
\! test/emuctl clock advance 1382400
UPDATE sync_ft SET qty = 0 WHERE name = 'S0062';
SELECT mode, upserted, deleted FROM salesforce_sync('sync_ft', 'sync_local');
SELECT sync_diff('sync_ft', 'sync_local');
SELECT last_mode FROM salesforce_sync_state WHERE foreign_table = 'sync_ft'::regclass;
\! test/emuctl reset
