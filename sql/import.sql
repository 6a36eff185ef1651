--
-- import: IMPORT FOREIGN SCHEMA against the emulator's demo org
--
-- The demo org holds Account, Contact, Opportunity, Case, User and the
-- custom object Invoice__c, which has a field of every describe type.
--
\getenv sfemu_url SFEMU_URL
\! test/emuctl reset
CREATE SERVER imp_srv FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (url :'sfemu_url', client_id 'emu-client-id',
           client_secret 'emu-client-secret');
CREATE USER MAPPING FOR CURRENT_USER SERVER imp_srv;

-- default naming (snake), every queryable object: one global describe and
-- one Composite request for the six describes
CREATE SCHEMA imp_snake;
\! test/emuctl clear-log
IMPORT FOREIGN SCHEMA salesforce FROM SERVER imp_srv INTO imp_snake;
\! test/emuctl log
\! test/emuctl count 'describe|/composite$|/sobjects$'
\det+ imp_snake.*
\d+ imp_snake.*

-- naming lower: the API names in lower case
CREATE SCHEMA imp_lower;
IMPORT FOREIGN SCHEMA salesforce FROM SERVER imp_srv INTO imp_lower
  OPTIONS (naming 'lower');
\d+ imp_lower.*

-- naming exact: the API names, quoted
CREATE SCHEMA imp_exact;
IMPORT FOREIGN SCHEMA salesforce FROM SERVER imp_srv INTO imp_exact
  OPTIONS (naming 'exact');
\d+ imp_exact.*

-- LIMIT TO matches sObject names case-insensitively, whatever the naming;
-- a name given twice is imported once
CREATE SCHEMA imp_limit;
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (ACCOUNT, "invoice__C", Contact, account)
  FROM SERVER imp_srv INTO imp_limit;
\det imp_limit.*
CREATE SCHEMA imp_limit_exact;
IMPORT FOREIGN SCHEMA "SalesForce" LIMIT TO (opportunity, "USER")
  FROM SERVER imp_srv INTO imp_limit_exact OPTIONS (naming 'exact');
\det imp_limit_exact.*

-- EXCEPT: likewise; names the org does not have are ignored
CREATE SCHEMA imp_except;
IMPORT FOREIGN SCHEMA salesforce EXCEPT ("User", "CASE", no_such_object)
  FROM SERVER imp_srv INTO imp_except;
\det imp_except.*

-- objects standard / custom
CREATE SCHEMA imp_standard;
IMPORT FOREIGN SCHEMA salesforce FROM SERVER imp_srv INTO imp_standard
  OPTIONS (objects 'standard');
\det imp_standard.*
CREATE SCHEMA imp_custom;
IMPORT FOREIGN SCHEMA salesforce FROM SERVER imp_srv INTO imp_custom
  OPTIONS (objects 'custom');
\det imp_custom.*
-- LIMIT TO and objects together: both must select an object
CREATE SCHEMA imp_both;
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (Account, Invoice__c)
  FROM SERVER imp_srv INTO imp_both OPTIONS (objects 'custom');
\det imp_both.*

-- table options passed to every table
CREATE SCHEMA imp_opts;
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (Account, Invoice__c)
  FROM SERVER imp_srv INTO imp_opts OPTIONS (query_all 'on', fetch_size '500');
\det+ imp_opts.*

-- include_compound false: no address/location columns, their components
-- stay
CREATE SCHEMA imp_nocompound;
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (Account, Invoice__c)
  FROM SERVER imp_srv INTO imp_nocompound OPTIONS (include_compound 'false');
SELECT attname, format_type(atttypid, atttypmod) AS type
  FROM pg_attribute
 WHERE attrelid = 'imp_nocompound.account'::regclass AND attnum > 0
   AND (attname LIKE 'billing%' OR attname LIKE 'shipping%')
 ORDER BY attnum;
SELECT attname FROM pg_attribute
 WHERE attrelid = 'imp_nocompound.invoice__c'::regclass AND attname LIKE 'location%'
 ORDER BY attnum;
SELECT count(*) FROM imp_nocompound.account WHERE billing_city = 'Paris';

-- errors
\set VERBOSITY default
CREATE SCHEMA imp_err;
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (Account, Invoices__c)
  FROM SERVER imp_srv INTO imp_err;
IMPORT FOREIGN SCHEMA public FROM SERVER imp_srv INTO imp_err;
IMPORT FOREIGN SCHEMA salesforce FROM SERVER imp_srv INTO imp_err
  OPTIONS (naming 'camel');
IMPORT FOREIGN SCHEMA salesforce FROM SERVER imp_srv INTO imp_err
  OPTIONS (objects 'managed');
IMPORT FOREIGN SCHEMA salesforce FROM SERVER imp_srv INTO imp_err
  OPTIONS (include_compound 'maybe');
IMPORT FOREIGN SCHEMA salesforce FROM SERVER imp_srv INTO imp_err
  OPTIONS (query_all 'yes please');
IMPORT FOREIGN SCHEMA salesforce FROM SERVER imp_srv INTO imp_err
  OPTIONS (fetch_size '100');
IMPORT FOREIGN SCHEMA salesforce FROM SERVER imp_srv INTO imp_err
  OPTIONS (fetch_size 'many');
IMPORT FOREIGN SCHEMA salesforce FROM SERVER imp_srv INTO imp_err
  OPTIONS (sobject 'Account');
IMPORT FOREIGN SCHEMA salesforce FROM SERVER imp_srv INTO imp_err
  OPTIONS (nameing 'snake');
-- Salesforce fails the Composite request: nothing is created
-- refused four times: the first try and max_retries (3) retries
\! test/emuctl fault '{"method": "POST", "path": "/composite$", "status": 503, "body": [{"errorCode": "SERVER_UNAVAILABLE", "message": "The server is down for maintenance."}], "times": 4}'
IMPORT FOREIGN SCHEMA salesforce FROM SERVER imp_srv INTO imp_err;
\! test/emuctl clear-faults
-- a table that exists already: PostgreSQL's own error
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (Account)
  FROM SERVER imp_srv INTO imp_snake;
-- nothing was created by the failed imports
SELECT count(*) FROM pg_class WHERE relnamespace = 'imp_err'::regnamespace;
\set VERBOSITY terse

-- end to end: queries over the imported tables
SELECT a.name, a.billing_city, count(c.id) AS contacts
  FROM imp_snake.account a JOIN imp_snake.contact c ON c.account_id = a.id
 GROUP BY a.name, a.billing_city
 ORDER BY contacts DESC, a.name
 LIMIT 5;
SELECT stage_name, count(*), sum(amount)
  FROM imp_snake.opportunity GROUP BY stage_name ORDER BY stage_name;
SELECT "Name", "Status__c", "Amount__c", "Tags__c", "Cutoff_Time__c", "Location__c"
  FROM imp_exact."Invoice__c" ORDER BY "Name" LIMIT 3;
SELECT count(*) AS users, count(*) FILTER (WHERE isactive) AS active
  FROM imp_lower."user";

-- round trip: every value of every type of Invoice__c (deleted rows too,
-- through query_all) equals what the emulator holds
CREATE TEMP TABLE inv_dump (r jsonb);
\copy inv_dump FROM PROGRAM 'test/emuctl dump Invoice__c' WITH (FORMAT csv, QUOTE e'\x01', DELIMITER e'\x02')
\x on
SELECT count(*) AS rows,
  count(*) FILTER (WHERE t.id IS NULL) AS only_in_org,
  count(*) FILTER (WHERE d.r IS NULL) AS only_in_table,
  count(*) FILTER (WHERE t.name IS DISTINCT FROM d.r->>'Name') AS name,
  count(*) FILTER (WHERE t.account__c IS DISTINCT FROM d.r->>'Account__c') AS account__c,
  count(*) FILTER (WHERE t.primary_contact__c IS DISTINCT FROM d.r->>'Primary_Contact__c') AS primary_contact__c,
  count(*) FILTER (WHERE t.status__c IS DISTINCT FROM d.r->>'Status__c') AS status__c,
  count(*) FILTER (WHERE t.tags__c IS DISTINCT FROM string_to_array(d.r->>'Tags__c', ';')) AS tags__c,
  count(*) FILTER (WHERE t.amount__c IS DISTINCT FROM (d.r->>'Amount__c')::numeric) AS amount__c,
  count(*) FILTER (WHERE t.tax_rate__c IS DISTINCT FROM (d.r->>'Tax_Rate__c')::numeric) AS tax_rate__c,
  count(*) FILTER (WHERE t.exchange_rate__c IS DISTINCT FROM (d.r->>'Exchange_Rate__c')::numeric) AS exchange_rate__c,
  count(*) FILTER (WHERE t.line_count__c IS DISTINCT FROM (d.r->>'Line_Count__c')::integer) AS line_count__c,
  count(*) FILTER (WHERE t.ledger_sequence__c IS DISTINCT FROM (d.r->>'Ledger_Sequence__c')::bigint) AS ledger_sequence__c,
  count(*) FILTER (WHERE t.issued_on__c IS DISTINCT FROM (d.r->>'Issued_On__c')::date) AS issued_on__c,
  count(*) FILTER (WHERE t.due_on__c IS DISTINCT FROM (d.r->>'Due_On__c')::date) AS due_on__c,
  count(*) FILTER (WHERE t.paid_at__c IS DISTINCT FROM (d.r->>'Paid_At__c')::timestamptz) AS paid_at__c,
  count(*) FILTER (WHERE t.cutoff_time__c IS DISTINCT FROM (d.r->>'Cutoff_Time__c')::time) AS cutoff_time__c,
  count(*) FILTER (WHERE t.is_paid__c IS DISTINCT FROM (d.r->>'Is_Paid__c')::boolean) AS is_paid__c,
  count(*) FILTER (WHERE t.notes__c IS DISTINCT FROM d.r->>'Notes__c') AS notes__c,
  count(*) FILTER (WHERE t.details__c IS DISTINCT FROM d.r->>'Details__c') AS details__c,
  count(*) FILTER (WHERE t.billing_email__c IS DISTINCT FROM d.r->>'Billing_Email__c') AS billing_email__c,
  count(*) FILTER (WHERE t.billing_phone__c IS DISTINCT FROM d.r->>'Billing_Phone__c') AS billing_phone__c,
  count(*) FILTER (WHERE t.portal_url__c IS DISTINCT FROM d.r->>'Portal_Url__c') AS portal_url__c,
  count(*) FILTER (WHERE t.card_number__c IS DISTINCT FROM d.r->>'Card_Number__c') AS card_number__c,
  count(*) FILTER (WHERE t.delivery_method__c IS DISTINCT FROM d.r->>'Delivery_Method__c') AS delivery_method__c,
  count(*) FILTER (WHERE t.external_ref__c IS DISTINCT FROM d.r->>'External_Ref__c') AS external_ref__c,
  count(*) FILTER (WHERE t.location__latitude__s IS DISTINCT FROM (d.r->>'Location__Latitude__s')::numeric) AS location__latitude__s,
  count(*) FILTER (WHERE t.location__longitude__s IS DISTINCT FROM (d.r->>'Location__Longitude__s')::numeric) AS location__longitude__s,
  count(*) FILTER (WHERE t.location__c IS DISTINCT FROM
      CASE WHEN d.r->'Location__Latitude__s' = 'null' AND d.r->'Location__Longitude__s' = 'null' THEN NULL
           ELSE jsonb_build_object('latitude', d.r->'Location__Latitude__s',
                                   'longitude', d.r->'Location__Longitude__s') END) AS location__c,
  count(*) FILTER (WHERE t.is_deleted IS DISTINCT FROM (d.r->>'IsDeleted')::boolean) AS is_deleted,
  count(*) FILTER (WHERE t.created_date IS DISTINCT FROM (d.r->>'CreatedDate')::timestamptz) AS created_date,
  count(*) FILTER (WHERE t.created_by_id IS DISTINCT FROM d.r->>'CreatedById') AS created_by_id,
  count(*) FILTER (WHERE t.last_modified_date IS DISTINCT FROM (d.r->>'LastModifiedDate')::timestamptz) AS last_modified_date,
  count(*) FILTER (WHERE t.last_modified_by_id IS DISTINCT FROM d.r->>'LastModifiedById') AS last_modified_by_id,
  count(*) FILTER (WHERE t.system_modstamp IS DISTINCT FROM (d.r->>'SystemModstamp')::timestamptz) AS system_modstamp
  FROM imp_opts.invoice__c t FULL JOIN inv_dump d ON t.id = d.r->>'Id';
-- the data exercises every column: each holds values, and nulls where it may
SELECT count(*) FILTER (WHERE is_deleted) AS deleted,
  count(DISTINCT tags__c) > 3 AS tags, count(cutoff_time__c) > 0 AS times,
  count(ledger_sequence__c) > 0 AS longs, count(location__c) > 0 AS locations,
  count(card_number__c) > 0 AS encrypted, count(delivery_method__c) > 0 AS combobox,
  count(*) FILTER (WHERE paid_at__c IS NULL) > 0 AS null_datetimes
  FROM imp_opts.invoice__c;
\x off

-- naming rules and the less common types on objects defined for this test:
-- acronyms stay one word, digits stick to the word before, namespaces and
-- suffixes keep their double underscores, collisions get _2 in describe
-- order (tables: in API-name order), base64 is left out, a non-queryable
-- object is never imported
\! test/emuctl define test/fixtures/import_edge.json
CREATE SCHEMA imp_edge;
IMPORT FOREIGN SCHEMA salesforce EXCEPT (Account, Contact, Opportunity, "Case", "User", Invoice__c)
  FROM SERVER imp_srv INTO imp_edge;
\det+ imp_edge.*
\d+ imp_edge.naming_lab__c
CREATE SCHEMA imp_edge_exact;
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (naming_lab__c)
  FROM SERVER imp_srv INTO imp_edge_exact OPTIONS (naming 'exact', include_compound 'false');
\d imp_edge_exact.*
\set VERBOSITY default
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (Account, Secret_Audit__c)
  FROM SERVER imp_srv INTO imp_err;
\set VERBOSITY terse
-- values of the rarer types (complexvalue, anyType) through renamed columns
\! test/emuctl load Naming_Lab__c test/fixtures/import_edge_records.json
SELECT name, sla_expiration_date__c, sla_expiration_date__c_2, level2_name__c,
       acme__invoice_line__c, payload__c, legacy_value__c, free_number__c,
       opt_in__c, geo__c
  FROM imp_edge.naming_lab__c ORDER BY name;

-- the describe cache: an import inside a transaction, after the server
-- changed, and after an aborted transaction; the describes replaced are
-- freed when the transaction ends
CREATE SCHEMA imp_tx1;
CREATE SCHEMA imp_tx2;
BEGIN;
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (Account, Contact)
  FROM SERVER imp_srv INTO imp_tx1;
ALTER SERVER imp_srv OPTIONS (ADD fetch_size '1000');
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (Account, Contact)
  FROM SERVER imp_srv INTO imp_tx2;
COMMIT;
-- this one describes Account, then fails on the existing table
BEGIN;
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (Account) FROM SERVER imp_srv INTO imp_tx1;
ROLLBACK;
\det imp_tx*.*
-- one cached describe (Account's, from the last import), nothing retired
SELECT name, count(*) FROM pg_backend_memory_contexts
 WHERE name LIKE 'salesforce_fdw%describe%' GROUP BY name ORDER BY name;
SELECT count(*) FROM pg_backend_memory_contexts
 WHERE parent = 'salesforce_fdw retired describes';
SELECT count(*) FROM imp_tx2.contact WHERE account_id IS NULL;

-- many objects: 200 more custom objects cost one global describe and one
-- Composite request per 25 describes
\! test/emuctl define test/fixtures/import_many.json
CREATE SCHEMA imp_many;
SELECT used AS used_before FROM salesforce_api_usage('imp_srv') \gset
\! test/emuctl clear-log
IMPORT FOREIGN SCHEMA salesforce FROM SERVER imp_srv INTO imp_many;
-- calls against the daily API allowance: the import's, plus this query's
SELECT used - :used_before AS api_calls FROM salesforce_api_usage('imp_srv');
SELECT count(*) AS tables FROM information_schema.foreign_tables
 WHERE foreign_table_schema = 'imp_many';
\! test/emuctl count 'describe|/composite$|/sobjects$'
\! test/emuctl count '/composite$'
SELECT count(*) FROM imp_many.load_test_137__c;

-- clean up
\! test/emuctl reset
SET client_min_messages = warning;
DROP SCHEMA imp_snake, imp_lower, imp_exact, imp_limit, imp_limit_exact,
  imp_except, imp_standard, imp_custom, imp_both, imp_opts, imp_nocompound, imp_err,
  imp_edge, imp_edge_exact, imp_tx1, imp_tx2, imp_many CASCADE;
DROP SERVER imp_srv CASCADE;
RESET client_min_messages;
