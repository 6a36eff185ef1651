--
-- failures: salesforce_last_failures() lists every record Salesforce refused
-- in the session's last write statement (here through sObject Collections)
--
\getenv sfemu_url SFEMU_URL
SET DateStyle = ISO;
\set VERBOSITY terse
\! test/emuctl reset
\! test/emuctl define test/fixtures/dml_object.json
CREATE SERVER fail_srv FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (url :'sfemu_url', all_or_none 'false', batch_size '3');
CREATE USER MAPPING FOR CURRENT_USER SERVER fail_srv
  OPTIONS (client_id 'emu-client-id', client_secret 'emu-client-secret');
CREATE FOREIGN TABLE fail_t (
  id varchar(18) OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name'),
  code text OPTIONS (field 'Code__c'),
  qty integer OPTIONS (field 'Qty__c')
) SERVER fail_srv OPTIONS (sobject 'DmlTest__c');

-- nothing written yet: nothing failed
SELECT * FROM salesforce_last_failures();

-- two bad rows of three in one request: the error names the first, the
-- function lists both (the good row stays written: no all_or_none)
INSERT INTO fail_t (name, code) VALUES
  ('f1', 'ok'), (NULL, 'x'), ('f3', 'ABCDEFGHIJK');
SELECT foreign_table, row_number, id, status_code, message, fields
  FROM salesforce_last_failures();
SELECT name FROM fail_t ORDER BY name;

-- a statement stops at its first failed request: rows 1-3 go, 4-6 fail
-- (two of them), 7 is never sent
INSERT INTO fail_t (name, code) VALUES
  ('g1', 'ok'), ('g2', 'ok'), ('g3', 'ok'),
  (NULL, 'x'), ('g5', 'ok'), ('g6', 'ABCDEFGHIJK'), ('g7', 'ok');
SELECT row_number, id IS NULL AS no_id, status_code, fields
  FROM salesforce_last_failures();

-- an UPDATE names each failed record's Id
UPDATE fail_t SET code = code || 'ABCDEFGHIJ' WHERE name IN ('f1', 'g2');
SELECT f.row_number, t.name, f.status_code, f.fields
  FROM salesforce_last_failures() f JOIN fail_t t ON t.id = f.id
  ORDER BY t.name;

-- a statement without failures empties the list
INSERT INTO fail_t (name) VALUES ('ok');
SELECT count(*) FROM salesforce_last_failures();

-- a request refused as a whole: each of its records is listed with the
-- request's error
\! test/emuctl fault '{"method": "POST", "path": "/composite/sobjects$", "status": 400, "times": 1, "body": [{"errorCode": "JSON_PARSER_ERROR", "message": "Unexpected character"}]}'
INSERT INTO fail_t (name) VALUES ('r1'), ('r2');
\! test/emuctl clear-faults
SELECT row_number, id, status_code, message, fields
  FROM salesforce_last_failures();

-- all_or_none: the records rolled back with the bad one are listed too
ALTER FOREIGN TABLE fail_t OPTIONS (ADD all_or_none 'true');
INSERT INTO fail_t (name) VALUES ('a1'), (NULL), ('a3');
SELECT row_number, status_code FROM salesforce_last_failures();
ALTER FOREIGN TABLE fail_t OPTIONS (DROP all_or_none);

-- the list survives the transaction's abort and other (non-write)
-- statements, and belongs to this session only
BEGIN;
INSERT INTO fail_t (name) VALUES (NULL);
ROLLBACK;
SELECT row_number, status_code FROM salesforce_last_failures();
SELECT count(*) FROM fail_t;
SELECT row_number, status_code FROM salesforce_last_failures();
\c
SELECT count(*) FROM salesforce_last_failures();

-- EXPLAIN without ANALYZE writes nothing and keeps the list
INSERT INTO fail_t (name) VALUES (NULL);
EXPLAIN (COSTS OFF) INSERT INTO fail_t (name) VALUES ('x');
SELECT count(*) FROM salesforce_last_failures();

DROP FOREIGN TABLE fail_t;
DROP USER MAPPING FOR CURRENT_USER SERVER fail_srv;
DROP SERVER fail_srv;
