--
-- select: scans of the demo org (Account, Contact, Invoice__c)
--
\getenv sfemu_url SFEMU_URL
SET DateStyle = ISO;
\! test/emuctl reset
-- a trailing slash on url and a 'v' on api_version are accepted
\set sel_url :sfemu_url /
CREATE SERVER sel_srv FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (url :'sel_url', api_version 'v66.0');
CREATE USER MAPPING FOR CURRENT_USER SERVER sel_srv
  OPTIONS (client_id 'emu-client-id', client_secret 'emu-client-secret');

CREATE FOREIGN TABLE sel_account (
  id text OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name'),
  type text OPTIONS (field 'Type'),
  industry text OPTIONS (field 'industry'),     -- JSON key is "Industry"
  revenue numeric OPTIONS (field 'AnnualRevenue'),
  employees integer OPTIONS (field 'NumberOfEmployees'),
  billing_city text OPTIONS (field 'BILLINGCITY'),
  parent_id text OPTIONS (field 'ParentId'),
  parent_name text OPTIONS (field 'Parent.Name'),
  owner_email text OPTIONS (field 'Owner.Email'),
  customer_since date OPTIONS (field 'Customer_Since__c'),
  created timestamptz OPTIONS (field 'CreatedDate'),
  is_deleted boolean OPTIONS (field 'IsDeleted')
) SERVER sel_srv OPTIONS (sobject 'Account');

-- the sObject defaults to the table's name, the field to the column's
CREATE FOREIGN TABLE contact (
  id text,
  lastname text,
  firstname text,
  accountid text,
  account_name text OPTIONS (field 'Account.Name'),
  account_owner_email text OPTIONS (field 'Account.Owner.Email'),
  account_name_lower text OPTIONS (field 'account.name'),  -- JSON: "Account", "Name"
  languages text[] OPTIONS (field 'Languages__c'),
  birthdate date,
  isdeleted boolean
) SERVER sel_srv;

-- only the fields the query needs are selected, in column order;
-- no column at all selects Id
\! test/emuctl clear-log
SELECT count(*) FROM sel_account;
SELECT name, industry FROM sel_account WHERE name ILIKE 'acme corp' ORDER BY name COLLATE "C";
SELECT id, name, revenue FROM sel_account WHERE revenue >= 9e11 ORDER BY id COLLATE "C";
SELECT upper(name) AS upper_name FROM sel_account WHERE employees = 98000 AND industry = 'Banking'
 ORDER BY upper(name) COLLATE "C";
\! test/emuctl log --soql

-- names with quotes, backslashes, unicode, trailing space
SELECT id, name, length(name) FROM sel_account
 WHERE name ~ '[''"\\;%🚀Ωü東]|Space' ORDER BY id COLLATE "C";

-- columns whose JSON keys differ in case from the field option, and
-- the same field twice (selected once)
CREATE FOREIGN TABLE sel_account_case (
  id text OPTIONS (field 'ID'),
  name1 text OPTIONS (field 'name'),
  name2 text OPTIONS (field 'NAME'),
  city text OPTIONS (field 'billingCity')
) SERVER sel_srv OPTIONS (sobject 'account');
\! test/emuctl clear-log
SELECT * FROM sel_account_case WHERE id = '001RO000000000LYAQ';
\! test/emuctl log --soql

-- whole-row references need every column
\! test/emuctl clear-log
SELECT a FROM sel_account_case a WHERE a.id = '001RO000000000LYAQ';
\! test/emuctl log --soql

-- relationship columns: parent fields, two levels, null parents
SELECT count(*) AS with_parent, count(parent_name) AS parent_named,
       count(*) FILTER (WHERE parent_id IS NOT NULL AND parent_name IS NULL) AS mismatch
  FROM sel_account WHERE parent_id IS NOT NULL;
SELECT a.name, a.parent_name, p.name AS checked
  FROM sel_account a JOIN sel_account p ON p.id = a.parent_id
 ORDER BY a.id COLLATE "C" LIMIT 5;
SELECT lastname, account_name, account_owner_email FROM contact
 WHERE accountid IS NULL ORDER BY id COLLATE "C" LIMIT 3;
SELECT count(*) FROM contact c JOIN sel_account a ON a.id = c.accountid
 WHERE c.account_name IS DISTINCT FROM a.name
    OR c.account_name_lower IS DISTINCT FROM a.name
    OR c.account_owner_email IS DISTINCT FROM a.owner_email;

-- a multi-select picklist into text[]
SELECT languages, count(*) FROM contact
 WHERE cardinality(languages) >= 3 GROUP BY 1 ORDER BY 2 DESC, languages::text COLLATE "C" LIMIT 4;

-- paging: Contact has about 1500 records; with fetch_size 200 the scan
-- walks every page (the first request plus one per nextRecordsUrl)
ALTER FOREIGN TABLE contact OPTIONS (ADD fetch_size '200');
\! test/emuctl clear-log
SELECT count(*), count(DISTINCT id), min(birthdate), max(birthdate) FROM contact;
\! test/emuctl count 'GET /services/data/v66.0/query$'
\! test/emuctl count 'GET /services/data/v66.0/query/'
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM contact;
-- a LIMIT stops after the first page
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM contact LIMIT 10;

-- query_all: deleted records too
CREATE FOREIGN TABLE sel_account_all (id text, isdeleted boolean)
  SERVER sel_srv OPTIONS (sobject 'Account', query_all 'true');
\! test/emuctl clear-log
SELECT isdeleted, count(*) FROM sel_account_all GROUP BY 1 ORDER BY 1;
SELECT is_deleted, count(*) FROM sel_account GROUP BY 1 ORDER BY 1;
\! test/emuctl log
ALTER FOREIGN TABLE sel_account_all OPTIONS (SET query_all 'false');
SELECT isdeleted, count(*) FROM sel_account_all GROUP BY 1 ORDER BY 1;

-- without a table fetch_size, the server's applies (1469 records: 3 pages)
ALTER FOREIGN TABLE contact OPTIONS (DROP fetch_size);
ALTER SERVER sel_srv OPTIONS (ADD fetch_size '500');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM contact;
ALTER SERVER sel_srv OPTIONS (DROP fetch_size);

-- the custom object
CREATE FOREIGN TABLE sel_invoice (
  name text OPTIONS (field 'Name'),
  status text OPTIONS (field 'Status__c'),
  tags text[] OPTIONS (field 'Tags__c'),
  amount numeric(18,2) OPTIONS (field 'Amount__c'),
  ledger bigint OPTIONS (field 'Ledger_Sequence__c'),
  paid_at timestamptz OPTIONS (field 'Paid_At__c'),
  cutoff time OPTIONS (field 'Cutoff_Time__c'),
  account_name text OPTIONS (field 'Account__r.Name')
) SERVER sel_srv OPTIONS (sobject 'Invoice__c');
SET TimeZone = 'UTC';
SELECT * FROM sel_invoice ORDER BY name COLLATE "C" LIMIT 6;
SELECT max(amount), max(ledger), count(*) FILTER (WHERE account_name IS NULL)
  FROM sel_invoice;

-- EXPLAIN shows the SOQL (never a secret)
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name, revenue FROM sel_account WHERE industry = 'Banking' ORDER BY revenue;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT count(*) FROM sel_account;

-- rescans: the foreign table as the inner side of a nested loop is
-- queried again for every outer row
CREATE TEMP TABLE sel_names (name text);
INSERT INTO sel_names VALUES ('acme corp'), ('O''Brien & Sons'), ('Ωmega Λabs');
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_material = off;
\! test/emuctl clear-log
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT n.name, a.id FROM sel_names n,
       LATERAL (SELECT id FROM sel_account a WHERE a.name = n.name OFFSET 0) a;
\! test/emuctl count '/query'
SELECT n.name, a.id FROM sel_names n,
       LATERAL (SELECT id FROM sel_account a WHERE a.name = n.name OFFSET 0) a
 ORDER BY n.name COLLATE "C", a.id COLLATE "C";
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_material;

-- a cursor read part way, then closed
BEGIN;
DECLARE c CURSOR FOR SELECT id FROM contact ORDER BY id COLLATE "C";
FETCH 2 FROM c;
CLOSE c;
COMMIT;
-- no page stays in memory after a statement, finished or not
SELECT live_json_documents FROM salesforce_connection_stats();

-- errors from Salesforce: unknown sObject, unknown field
CREATE FOREIGN TABLE sel_nosuch (id text) SERVER sel_srv OPTIONS (sobject 'NoSuchObject__c');
SELECT * FROM sel_nosuch;
CREATE FOREIGN TABLE sel_badfield (id text, bacon text OPTIONS (field 'Bacon__c'))
  SERVER sel_srv OPTIONS (sobject 'Account');
SELECT bacon FROM sel_badfield;
SELECT count(*) > 0 FROM sel_badfield;   -- fine: Bacon__c is not needed
SELECT live_json_documents FROM salesforce_connection_stats();

DROP SERVER sel_srv CASCADE;
