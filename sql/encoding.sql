--
-- encoding: a database that does not speak UTF-8 still sends SOQL, and
-- reads records, in UTF-8 (Salesforce's encoding)
--
\getenv sfemu_url SFEMU_URL
\set regress_db :DBNAME
\! test/emuctl reset
CREATE DATABASE sf_enc_latin1 TEMPLATE template0 ENCODING 'LATIN1'
  LC_COLLATE 'C' LC_CTYPE 'C';
\c sf_enc_latin1
SET client_encoding = 'UTF8';
SHOW server_encoding;
CREATE EXTENSION salesforce_fdw;
CREATE SERVER enc_srv FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (url :'sfemu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER enc_srv
  OPTIONS (client_id 'emu-client-id', client_secret 'emu-client-secret');
CREATE FOREIGN TABLE enc_account (
  id text OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name')
) SERVER enc_srv OPTIONS (sobject 'Account');

-- the literal goes to Salesforce as UTF-8: the record is found
\! test/emuctl clear-log
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM enc_account WHERE name = 'Müller Maschinenbau GmbH';
SELECT name FROM enc_account WHERE name = 'Müller Maschinenbau GmbH';
SELECT name FROM enc_account WHERE name IN ('Müller Maschinenbau GmbH', 'x');
SELECT name FROM enc_account WHERE name ILIKE 'müller%';
\! test/emuctl log --soql

-- Salesforce's error texts are UTF-8: shown with '?' for what is not
-- ASCII; a JSON null among the fields is left out
\set VERBOSITY default
\! test/emuctl fault '{"method": "GET", "path": "/query", "status": 400, "times": 1, "body": [{"errorCode": "INVALID_FIELD", "message": "Feld «Größe» unbekannt", "fields": ["Größe__c", null]}]}'
SELECT name FROM enc_account;
\echo :LAST_ERROR_SQLSTATE
\! test/emuctl fault '{"method": "POST", "path": "/composite/sobjects$", "status": 200, "times": 1, "body": [{"success": false, "errors": [{"statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "message": "Größe muss positiv sein", "fields": ["Größe__c", null]}]}]}'
INSERT INTO enc_account (name) VALUES ('Größe');
\echo :LAST_ERROR_SQLSTATE
\! test/emuctl fault '{"method": "POST", "path": "/composite/sobjects$", "status": 400, "times": 1, "body": [{"errorCode": "JSON_PARSER_ERROR", "message": null}]}'
INSERT INTO enc_account (name) VALUES ('Größe');
\echo :LAST_ERROR_SQLSTATE
\! test/emuctl clear-faults

\c :regress_db
DROP DATABASE sf_enc_latin1;
