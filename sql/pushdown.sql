--
-- pushdown: what is sent to Salesforce as SOQL, what is rechecked locally,
-- and the traps where SOQL does not mean what SQL means
--
\getenv sfemu_url SFEMU_URL
SET DateStyle = ISO;
SET TimeZone = 'UTC';
\! test/emuctl reset
\! test/emuctl define test/fixtures/pushdown_object.json
\! test/emuctl load Push_Lab__c test/fixtures/pushdown_records.json
CREATE SERVER pd_srv FOREIGN DATA WRAPPER salesforce_fdw OPTIONS (url :'sfemu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER pd_srv
  OPTIONS (client_id 'emu-client-id', client_secret 'emu-client-secret');

CREATE FOREIGN TABLE pl (
  id varchar(18) OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name'),
  txt text OPTIONS (field 'Text__c'),
  code text OPTIONS (field 'Code__c'),       -- caseSensitive
  pick text OPTIONS (field 'Pick__c'),
  note text OPTIONS (field 'Note__c'),       -- long text area: not filterable
  flag boolean OPTIONS (field 'Flag__c'),
  num integer OPTIONS (field 'Num__c'),
  num_n numeric OPTIONS (field 'Num__c'),    -- numeric column on an int field
  amt numeric OPTIONS (field 'Amt__c'),
  dbl float8 OPTIONS (field 'Dbl__c'),
  day date OPTIONS (field 'Day__c'),
  stamp timestamptz OPTIONS (field 'Stamp__c'),
  stamp_utc timestamp OPTIONS (field 'Stamp__c'),
  clock time OPTIONS (field 'Clock__c'),
  ref text OPTIONS (field 'Ref__c')
) SERVER pd_srv OPTIONS (sobject 'Push_Lab__c');

CREATE FOREIGN TABLE pd_account (
  id text OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name'),
  revenue numeric OPTIONS (field 'AnnualRevenue'),
  employees integer OPTIONS (field 'NumberOfEmployees'),
  created timestamptz OPTIONS (field 'CreatedDate')
) SERVER pd_srv OPTIONS (sobject 'Account');

CREATE FOREIGN TABLE pd_contact (
  id text OPTIONS (field 'Id'),
  lastname text OPTIONS (field 'LastName'),
  accountid text OPTIONS (field 'AccountId')
) SERVER pd_srv OPTIONS (sobject 'Contact');

-- exact quals: sent, not rechecked (no Filter line)
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pl WHERE num >= 3 AND (amt < 10 OR day = '2024-02-29') AND NOT flag;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pl WHERE NOT (num < 5 OR num IS NULL) AND code IN ('P1', 'S1');
-- NOT is pushed down to the leaves; != always excludes nulls
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pl WHERE NOT (num = 1 AND code = 'P1');
SELECT name, num, code FROM pl WHERE NOT (num = 1 AND code = 'P1') ORDER BY name;
SELECT name, num FROM pl WHERE num <> 1 ORDER BY name;
SELECT name, num FROM pl WHERE num NOT IN (1, 2, 3) ORDER BY name;
SELECT name FROM pl WHERE num NOT IN (1, NULL);       -- never true
SELECT name FROM pl WHERE num IN (1, NULL) ORDER BY name;
\! test/emuctl clear-log
SELECT count(*) FROM pl WHERE num <> ALL ('{}');      -- true for nulls too
\! test/emuctl log --soql
-- empty arrays and null elements answer what a local table answers:
-- <> ALL ('{}') is true and = ANY ('{}') false for every row, null or not;
-- <> ALL over an array with a null is never true
CREATE TEMP TABLE pl_local AS SELECT * FROM pl;
CREATE FUNCTION pl_compare(cond text, OUT remote bigint, OUT local bigint,
                           OUT same boolean) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT count(*) FROM pl WHERE %s', cond) INTO remote;
  EXECUTE format('SELECT count(*) FROM pl_local WHERE %s', cond) INTO local;
  EXECUTE format('SELECT NOT EXISTS ((SELECT id FROM pl WHERE %1$s EXCEPT ALL '
                 'SELECT id FROM pl_local WHERE %1$s) UNION ALL '
                 '(SELECT id FROM pl_local WHERE %1$s EXCEPT ALL '
                 'SELECT id FROM pl WHERE %1$s))', cond) INTO same;
END $$;
SELECT c, (pl_compare(c)).* FROM (VALUES
  ('num <> ALL (''{}'')'), ('NOT (num = ANY (''{}''))'), ('num = ANY (''{}'')'),
  ('NOT (num <> ALL (''{}''))'), ('ref <> ALL (''{}''::text[])'),
  ('id <> ALL (''{}''::text[])'), ('txt <> ALL (''{}''::text[])'),
  ('code <> ALL (''{}''::text[])'), ('day <> ALL (''{}''::date[])'),
  ('num <> ALL (''{1,NULL}'')'), ('txt <> ALL (''{plain,NULL}'')'),
  ('NOT (num = ANY (''{1,NULL}''))'), ('num = ANY (''{1,NULL}'')'),
  ('ref <> ALL (''{bogus}'')'), ('txt <> ALL (''{plain}'')')) AS v(c);
-- a parameter array that is empty at run time
SET plan_cache_mode = force_generic_plan;
PREPARE q_notin(int[]) AS SELECT count(*) FROM pl WHERE num <> ALL ($1);
PREPARE q_notin_txt(text[]) AS SELECT count(*) FROM pl WHERE NOT (txt = ANY ($1));
EXECUTE q_notin('{}');
EXECUTE q_notin('{1}');
EXECUTE q_notin('{1,NULL}');
EXECUTE q_notin_txt('{}');
EXECUTE q_notin_txt('{plain}');
SELECT count(*) FROM pl_local WHERE num <> ALL ('{1}');
SELECT count(*) FROM pl_local WHERE NOT (txt = ANY ('{plain}'));
RESET plan_cache_mode;
-- literals too long for a request URI, or numbers with more digits than
-- SOQL takes, are decided here (no error): the rows are the local table's
\! test/emuctl clear-log
SELECT name FROM pl WHERE code = 'P1' OR code = repeat('€', 3000);
\! test/emuctl log --soql
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pl WHERE amt < 123456789012345678901234567890 AND num < 123456789012345678901234567890;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pl WHERE amt <> 0.1234567890123456789012345;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pl WHERE amt = 10.50000000000000000000000000;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name FROM pl WHERE num_n > -9223372036854775807::int8;
SELECT c, (pl_compare(c)).* FROM (VALUES
  ('code = ''P1'' OR code = repeat(''€'', 3000)'),
  ('txt = ''plain'' OR txt = repeat(''x'', 3000)'),
  ('code IN (''P1'', repeat(''€'', 3000))'),
  ('code <> repeat(''€'', 3000)'),
  ('txt LIKE repeat(''€'', 3000) || ''%'' OR num = 1'),
  ('amt < 123456789012345678901234567890'),
  ('amt > -123456789012345678901234567890'),
  ('num <> 123456789012345678901234567890'),
  ('amt <> 0.1234567890123456789012345'),
  ('amt = 10.50000000000000000000000000'),
  ('num_n > -9223372036854775807::int8')) AS v(c);

-- text is compared case-insensitively by Salesforce: = IN LIKE are sent
-- as a superset and rechecked (Filter); <> and ranges only as "not null"
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM pl WHERE txt = 'plain';
SELECT name, txt FROM pl WHERE txt = 'plain';
SELECT name, txt FROM pl WHERE txt IN ('PLAIN', 'straße') ORDER BY name;
SELECT name, txt FROM pl WHERE txt ILIKE 'plain' ORDER BY name;
SELECT name, txt FROM pl WHERE txt ILIKE 'STRASSE' ORDER BY name;
SELECT name, txt FROM pl WHERE txt ILIKE '%k%' ORDER BY name;
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM pl WHERE txt <> 'plain' OR txt < 'b';
SELECT name, txt FROM pl WHERE txt <> 'plain' ORDER BY name;
-- a case-sensitive field: = and <> are exact
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM pl WHERE code = 'P1' OR code <> 'p1';
SELECT name, code FROM pl WHERE code = 'P1';
SELECT name, code FROM pl WHERE code <> 'P1' ORDER BY name;
-- picklists: = is sent (and rechecked), never sorted remotely
SELECT name, pick FROM pl WHERE pick = 'red' ORDER BY name;
SELECT name, pick FROM pl WHERE pick = 'Red' ORDER BY name;

-- hostile literals: one quoting function for every value
\! test/emuctl clear-log
SELECT name, txt FROM pl WHERE txt = 'O''Brien';
SELECT name, txt FROM pl WHERE txt = 'back\slash';
SELECT name FROM pl WHERE txt = E'line\nbreak';
SELECT name, txt FROM pl WHERE txt = 'Ünïcødé ✓';
SELECT name, txt FROM pl WHERE txt = '  padded  ';
SELECT name, txt FROM pl WHERE txt LIKE '100\% %';
SELECT name, txt FROM pl WHERE txt LIKE 'under\_score';
SELECT name, txt FROM pl WHERE txt LIKE 'under_score';
SELECT name, txt FROM pl WHERE txt LIKE '%''%';
SELECT name, txt FROM pl WHERE txt LIKE E'%\\\\%';
SELECT name FROM pl WHERE txt = E'\u0001\t"\\''%_';
\! test/emuctl log --soql
-- a LIKE pattern ending in the escape character: PostgreSQL decides
-- (the clause is rechecked here, Salesforce gets a superset)
SELECT name FROM pl WHERE txt LIKE 'plain\';

-- no empty strings in Salesforce (stored as null): = '' is never true,
-- and '' is never sent; a WHERE that is never true sends no request
\! test/emuctl clear-log
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT name FROM pl WHERE txt = '';
SELECT name FROM pl WHERE txt = '';
SELECT name FROM pl WHERE txt IN ('', 'plain');
SELECT count(*) FROM pl WHERE code <> '';
\! test/emuctl log --soql

-- checkboxes are never null; IS NULL is false, never "= null"
\! test/emuctl clear-log
SELECT count(*) FROM pl WHERE flag IS NULL;
SELECT count(*) FROM pl WHERE flag IS NOT NULL;
SELECT count(*) FROM pl WHERE flag IS NOT TRUE;
SELECT count(*) FROM pl WHERE txt IS NULL;
SELECT count(*) FROM pl WHERE pick IS NOT NULL;
\! test/emuctl log --soql

-- ids: a malformed id is no error and matches nothing; LIKE only as
-- "not null"
\! test/emuctl clear-log
SELECT count(*) FROM pl WHERE ref = 'bogus';
SELECT count(*) FROM pl WHERE ref = '001RO000000000L';            -- 15 chars
SELECT count(*) FROM pl WHERE ref = '001RO000000000LYAq';         -- bad checksum
SELECT count(*) FROM pl WHERE ref <> 'bogus';
SELECT count(*) FROM pl WHERE ref LIKE '001%';
SELECT count(*) FROM pl WHERE ref = '001RO000000000LYAQ';
SELECT count(*) FROM pl WHERE ref IN ('001RO000000000LYAQ', '001RO000000000MYAQ', 'x');
SELECT id AS r03_id FROM pl WHERE name = 'R03' \gset
SELECT name FROM pl WHERE id IN ('bogus', :'r03_id');
SELECT name FROM pl WHERE id = lower(:'r03_id');
\! test/emuctl log --soql

-- not filterable (long text area) and float columns: evaluated here
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM pl WHERE note = 'note 1' AND dbl > 1;
SELECT name FROM pl WHERE note = 'note 1' AND dbl > 0;

-- numbers: a fraction against an integer field, NaN and infinities
\! test/emuctl clear-log
SELECT name, num_n FROM pl WHERE num_n < 2.5 ORDER BY name;
SELECT name, num_n FROM pl WHERE num_n > 99.5 ORDER BY name;
SELECT count(*) FROM pl WHERE num_n = 2.5;
SELECT count(*) FROM pl WHERE amt < 'Infinity';
SELECT count(*) FROM pl WHERE amt = 'NaN';
SELECT count(*) FROM pl WHERE amt > '-Infinity';
SELECT name, amt FROM pl WHERE amt = 9999999.99;
SELECT name, amt FROM pl WHERE amt = 9999999.990;
SELECT count(*) FROM pl WHERE day > 'infinity' OR day < '-infinity';
\! test/emuctl log --soql

-- datetimes: UTC literals without fraction; a finer value is widened and
-- rechecked; timestamp without time zone is UTC wall time
\! test/emuctl clear-log
SELECT name, stamp FROM pl WHERE stamp = '2024-01-15 10:00:00.5+00';
SELECT name, stamp FROM pl WHERE stamp > '2024-01-15 10:00:00.4+00' AND stamp < '2024-01-16';
SELECT name, stamp FROM pl WHERE stamp >= '2024-01-15 11:00:00+01' AND stamp <= '2024-01-15 10:00:00.5+00' ORDER BY name;
SELECT name, stamp FROM pl WHERE stamp <= '2023-12-31 23:59:59.9989+00' ORDER BY name;
SELECT name, stamp_utc FROM pl WHERE stamp_utc = '2024-03-31 01:30:00';
SELECT name, clock FROM pl WHERE clock > '00:00:00.0005' AND clock < '01:00' ORDER BY name;
SELECT name, clock FROM pl WHERE clock = '12:34:56.789';
\! test/emuctl log --soql
-- now() and current_date: sent as concrete values at execution, never TODAY
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM pl WHERE day < current_date AND stamp < now();
SELECT count(*) FROM pl WHERE day > current_date;

-- prepared statements, generic plans: values written at execution
SET plan_cache_mode = force_generic_plan;
PREPARE q_code(text) AS SELECT name, code FROM pl WHERE code = $1;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE q_code('P1');
EXECUTE q_code('P1');
EXECUTE q_code('p1');
EXECUTE q_code(NULL);
EXECUTE q_code('');
EXECUTE q_code('O''Brien');
PREPARE q_nums(int[]) AS SELECT name FROM pl WHERE num = ANY ($1) ORDER BY name;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE q_nums('{1,2}');
EXECUTE q_nums('{1,2,NULL}');
EXECUTE q_nums('{}');
\! test/emuctl clear-log
SELECT array_agg(g)::text AS big FROM generate_series(1, 3000) g \gset
PREPARE q_count(int[]) AS SELECT count(*) FROM pl WHERE num = ANY ($1);
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE q_count(:'big');
EXECUTE q_nums(:'big');
\! test/emuctl log --soql
RESET plan_cache_mode;
-- a long constant IN list is evaluated here, the URI stays short
EXPLAIN (VERBOSE, COSTS OFF)
SELECT count(*) FROM pl WHERE num = ANY (ARRAY(SELECT generate_series(1, 3000)));
SELECT count(*) FROM pl WHERE num IN (SELECT generate_series(1, 3000));

-- a long constant IN list on an id field: sent in chunks of distinct
-- values, one query each, every URI short; the rows are those of one list
SELECT string_agg(quote_literal(id), ', ') AS many_ids
  FROM (SELECT id FROM pd_account UNION ALL SELECT 'bogus'
        UNION ALL SELECT id FROM pd_account) s \gset
\! test/emuctl clear-log
SELECT count(*), count(DISTINCT id) FROM pd_account WHERE id IN (:many_ids);
\! test/emuctl log --soql | awk '{ n++; if (length($0) > max) max = length($0) } END { print n " queries, longest " max " characters" }'
SELECT count(*) FROM pd_account WHERE id IN (:many_ids) AND employees > 50000;

-- ORDER BY: numbers, dates, datetimes with explicit NULLS FIRST/LAST;
-- never text or picklists
EXPLAIN (VERBOSE, COSTS OFF) SELECT name, amt FROM pl ORDER BY amt DESC NULLS LAST, day;
EXPLAIN (VERBOSE, COSTS OFF) SELECT name, amt FROM pl WHERE amt IS NOT NULL ORDER BY amt NULLS FIRST, day DESC;
SELECT name, amt FROM pl WHERE amt IS NOT NULL ORDER BY amt NULLS FIRST, day DESC;
SELECT name, num FROM pl WHERE num IS NOT NULL ORDER BY num DESC;
SELECT name, day FROM pl WHERE day IS NOT NULL ORDER BY day DESC NULLS FIRST LIMIT 4;
SELECT name, stamp FROM pl WHERE stamp IS NOT NULL ORDER BY stamp LIMIT 4;
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM pl ORDER BY txt;
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM pl ORDER BY pick;
-- currency: in a multi-currency org (the object has CurrencyIsoCode)
-- Salesforce sorts by the converted value, so the sort stays here; in a
-- single-currency org (pl above, no CurrencyIsoCode) it is sent
\! test/emuctl raw POST /__emu/sobjects '{"name": "Push_Money__c", "label": "Pushdown Money", "keyPrefix": "a0M", "fields": [{"name": "Amt__c", "type": "currency", "precision": 18, "scale": 2}, {"name": "CurrencyIsoCode", "type": "picklist", "picklistValues": [{"value": "EUR", "active": true}, {"value": "JPY", "active": true}]}]}'
\! test/emuctl raw POST /__emu/records/Push_Money__c '[{"Name": "m1", "Amt__c": 100, "CurrencyIsoCode": "JPY"}, {"Name": "m2", "Amt__c": 5, "CurrencyIsoCode": "EUR"}, {"Name": "m3", "Amt__c": 50, "CurrencyIsoCode": "JPY"}]'
CREATE FOREIGN TABLE pd_money (
  name text OPTIONS (field 'Name'),
  amt numeric OPTIONS (field 'Amt__c'),
  currency text OPTIONS (field 'CurrencyIsoCode')
) SERVER pd_srv OPTIONS (sobject 'Push_Money__c');
EXPLAIN (VERBOSE, COSTS OFF) SELECT name, amt FROM pd_money ORDER BY amt DESC;
SELECT name, amt, currency FROM pd_money ORDER BY amt DESC;
-- comparisons without an ISO code compare the stored number: still sent
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM pd_money WHERE amt > 10;

-- LIMIT and OFFSET: sent when nothing is filtered or sorted above the scan
\! test/emuctl clear-log
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM pd_contact LIMIT 10;
\! test/emuctl log --soql
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name, amt FROM pl WHERE num > 0 ORDER BY amt DESC NULLS LAST LIMIT 3 OFFSET 1;
SELECT name, amt FROM pl WHERE num > 0 ORDER BY amt DESC NULLS LAST LIMIT 3 OFFSET 1;
-- OFFSET above 2,000 (Salesforce's maximum) is skipped here
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM pd_contact LIMIT 2 OFFSET 2500;
-- a rechecked qual or a local sort keeps the LIMIT here
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM pl WHERE txt = 'plain' LIMIT 1;
EXPLAIN (VERBOSE, COSTS OFF) SELECT name FROM pl ORDER BY txt LIMIT 1;
SELECT name FROM pl WHERE txt = 'plain' LIMIT 1;

-- count(*) as COUNT(): the count comes in totalSize, no record travels
\! test/emuctl clear-log
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM pd_contact;
SELECT count(*) FROM pl WHERE num > 3;
\! test/emuctl log --soql
-- count(column), min and max of integers, dates and datetimes: one
-- AggregateResult row, aliased columns
EXPLAIN (VERBOSE, COSTS OFF)
SELECT count(*), count(pick), min(num), max(num), min(day), max(stamp), max(stamp_utc)
  FROM pl WHERE num > 0;
SELECT count(*), count(pick), min(num), max(num), min(day), max(stamp), max(stamp_utc)
  FROM pl WHERE num > 0;
SELECT count(*), count(pick), min(num), max(day) FROM pl WHERE num > 1000;
-- not with a recheck, nor SUM/AVG (doubles in SOQL), MIN/MAX of text or
-- numeric
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM pl WHERE txt = 'plain';
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*), sum(amt) FROM pl;
EXPLAIN (VERBOSE, COSTS OFF) SELECT min(txt), max(amt) FROM pl;
-- GROUP BY integers, dates, datetimes, ids and checkboxes (not text: SOQL
-- groups it case-insensitively), with LIMIT 2000: Salesforce won't page
-- aggregate rows
EXPLAIN (VERBOSE, COSTS OFF) SELECT flag, count(*) FROM pl GROUP BY flag;
SELECT flag, count(*), count(pick), min(num), max(day) FROM pl GROUP BY flag ORDER BY flag;
SELECT ref, count(*) FROM pl GROUP BY ref ORDER BY ref COLLATE "C";
SELECT day, count(*) FROM pl WHERE num > 5 GROUP BY day ORDER BY day;
EXPLAIN (VERBOSE, COSTS OFF) SELECT txt, count(*) FROM pl GROUP BY txt;
-- HAVING made of comparisons of a sent aggregate with a constant: in the
-- SOQL with the aggregate itself (no alias in HAVING), also checked here
-- (that check is the HAVING when more than 2,000 groups are aggregated here)
EXPLAIN (VERBOSE, COSTS OFF) SELECT num, count(*) FROM pl GROUP BY num HAVING count(*) > 1;
SELECT num, count(*) FROM pl GROUP BY num HAVING count(*) > 1 ORDER BY num;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT flag, count(*) FROM pl GROUP BY flag
HAVING max(day) >= '2020-01-01' AND 1 < count(pick) AND count(*) <> 3 AND min(num) <= 5;
SELECT flag, count(*) FROM pl GROUP BY flag
HAVING max(day) >= '2020-01-01' AND 1 < count(pick) AND count(*) <> 3 AND min(num) <= 5
 ORDER BY flag;
SELECT flag, max(day) FROM pl GROUP BY flag ORDER BY flag;
SELECT day, count(*) FROM pl GROUP BY day HAVING max(stamp) > '2020-01-01 00:00:00+00'
 ORDER BY day;
-- kept here: <> on max (null for a group without values: SOQL's != is
-- true there), OR, sum
EXPLAIN (VERBOSE, COSTS OFF) SELECT flag, count(*) FROM pl GROUP BY flag HAVING max(num) <> 3;
SELECT flag, count(*) FROM pl GROUP BY flag HAVING max(num) <> 3 ORDER BY flag;
EXPLAIN (VERBOSE, COSTS OFF) SELECT flag FROM pl GROUP BY flag HAVING count(*) > 1 OR sum(num) > 0;
-- more than 2,000 groups: all 2,000 came, there may be more; the scan reads
-- the records and aggregates them itself
\! test/emuctl define test/fixtures/pushdown_many_object.json
\! test/emuctl load Push_Many__c test/fixtures/pushdown_many_records.json
CREATE FOREIGN TABLE pd_many (
  num integer OPTIONS (field 'Num__c'),
  day date OPTIONS (field 'Day__c')
) SERVER pd_srv OPTIONS (sobject 'Push_Many__c');
\! test/emuctl clear-log
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT num, count(*), max(day) FROM pd_many GROUP BY num;
\! test/emuctl log --soql
SELECT count(*), sum(c), count(num), min(num), max(num), max(m)
  FROM (SELECT num, count(*) c, max(day) m FROM pd_many GROUP BY num) s;
SELECT num, count(*), max(day), min(day) FROM pd_many GROUP BY num
 ORDER BY num NULLS FIRST LIMIT 3;
SELECT day, count(*), count(num), max(num) FROM pd_many GROUP BY day
 ORDER BY day LIMIT 3;
-- with HAVING: still 2,000 groups or more, the scan checks the HAVING
\! test/emuctl clear-log
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT num FROM pd_many GROUP BY num HAVING max(day) >= '2020-01-03';
\! test/emuctl log --soql
SELECT count(*), min(num), max(num), sum(c) FROM (SELECT num, count(*) c FROM pd_many
  GROUP BY num HAVING max(day) >= '2020-01-03' AND count(*) >= 1) s;
SELECT count(*), min(num), max(num), sum(c) FROM (SELECT num, count(*) c FROM pd_many
  GROUP BY num HAVING max(day) + 0 >= '2020-01-03' AND count(*) + 0 >= 1) s;  -- local
SELECT num, count(*) FROM pd_many GROUP BY num HAVING count(*) > 1;
-- whether there may be more than 2,000 groups is read from totalSize, not
-- from how many records the first page holds
\! test/emuctl fault '{"method": "GET", "path": "GROUP BY Num__c", "status": 200, "body": {"totalSize": 2000, "done": false, "nextRecordsUrl": "/services/data/v66.0/query/0r8RO00000000AGG-2", "records": [{"attributes": {"type": "AggregateResult"}, "Num__c": 1, "expr0": 1}, {"attributes": {"type": "AggregateResult"}, "Num__c": 2, "expr0": 1}]}}'
SELECT count(*), sum(c) FROM (SELECT num, count(*) c FROM pd_many GROUP BY num) s;
\! test/emuctl clear-faults

-- a selective WHERE transfers only the matching records
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM pd_account WHERE revenue >= 9e11;

-- joins with a small local table: a parameterized path on an Id or
-- reference field, one request per outer row at most
CREATE TEMP TABLE pd_keys AS
  SELECT id FROM pd_account WHERE revenue IS NOT NULL ORDER BY revenue DESC LIMIT 10;
ANALYZE pd_keys;
ALTER FOREIGN TABLE pd_contact OPTIONS (ADD fetch_size '200');
\! test/emuctl clear-log
SELECT count(*) FROM pd_keys k JOIN pd_contact c ON c.accountid = k.id;
\! test/emuctl count '/query'
CREATE TEMP TABLE pd_keys5 AS SELECT id FROM pd_keys ORDER BY id COLLATE "C" LIMIT 5;
ANALYZE pd_keys5;
\! test/emuctl clear-log
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT c.lastname FROM pd_keys5 k JOIN pd_contact c ON c.accountid = k.id;
\! test/emuctl count '/query'
SELECT c.lastname, k.id FROM pd_keys5 k JOIN pd_contact c ON c.accountid = k.id
 ORDER BY c.lastname COLLATE "C", k.id COLLATE "C";

-- ANALYZE: a record count and the first records as the sample
\! test/emuctl clear-log
SET default_statistics_target = 2;    -- a sample of 600 records
ANALYZE VERBOSE pd_contact;
RESET default_statistics_target;
\! test/emuctl log
SELECT reltuples FROM pg_class WHERE oid = 'pd_contact'::regclass;
SELECT attname, null_frac > 0 AS has_nulls FROM pg_stats
 WHERE tablename = 'pd_contact' ORDER BY attname;

\! test/emuctl reset
DROP SERVER pd_srv CASCADE;
