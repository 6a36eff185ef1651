--
-- types: Salesforce field types into PostgreSQL column types
--
\getenv sfemu_url SFEMU_URL
SET DateStyle = ISO;
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
SET lc_monetary = 'C';
\! test/emuctl reset
\! test/emuctl define test/fixtures/types_object.json
\! test/emuctl load Type_Lab__c test/fixtures/types_records.json
CREATE SERVER typ_srv FOREIGN DATA WRAPPER salesforce_fdw OPTIONS (url :'sfemu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER typ_srv
  OPTIONS (client_id 'emu-client-id', client_secret 'emu-client-secret');

-- text types
CREATE FOREIGN TABLE typ_text (
  name text OPTIONS (field 'Name'),
  txt text OPTIONS (field 'Text__c'),
  area varchar OPTIONS (field 'Area__c'),
  email varchar(80) OPTIONS (field 'Email__c'),
  phone character(20) OPTIONS (field 'Phone__c'),
  url name OPTIONS (field 'Url__c'),
  pick text OPTIONS (field 'Pick__c'),
  combo text OPTIONS (field 'Combo__c'),
  cipher text OPTIONS (field 'Cipher__c'),
  num_as_text text OPTIONS (field 'Money__c'),
  bool_as_text text OPTIONS (field 'Flag__c'),
  address_as_text text OPTIONS (field 'ShipAddress')
) SERVER typ_srv OPTIONS (sobject 'Type_Lab__c');
SELECT name, txt, length(txt) AS len, email, '[' || phone || ']' AS phone, url, pick, combo, cipher
  FROM typ_text ORDER BY name COLLATE "C";
SELECT name, area, num_as_text, bool_as_text, address_as_text
  FROM typ_text ORDER BY name COLLATE "C";

-- booleans and numbers: from the JSON number's text, never a double
CREATE FOREIGN TABLE typ_num (
  name text OPTIONS (field 'Name'),
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
  f8 double precision OPTIONS (field 'Tiny__c')
) SERVER typ_srv OPTIONS (sobject 'Type_Lab__c');
SELECT name, flag, i4, i8, dbl, big, tiny, money, pct, f4, f8
  FROM typ_num ORDER BY name COLLATE "C";
-- integral doubles fit integer columns: 15000.0, 1.23456789012345678E17, -1.0E15
SELECT name, big_int8 FROM typ_num WHERE name IN ('a typical', 'c extremes', 'd negative')
 ORDER BY name COLLATE "C";
-- exactness: the 18 digits survive
SELECT big = 123456789012345678 AS exact_big, money = 9999999999999999.99 AS exact_money,
       i8 = 999999999999999999 AS exact_long
  FROM typ_num WHERE name = 'c extremes';
SELECT name, i8 FROM typ_num WHERE i8 = 9007199254740993;

-- dates and times
CREATE FOREIGN TABLE typ_time (
  name text OPTIONS (field 'Name'),
  day date OPTIONS (field 'Day__c'),
  stamp timestamptz OPTIONS (field 'Stamp__c'),
  stamp_local timestamp OPTIONS (field 'Stamp__c'),
  stamp_day date OPTIONS (field 'Stamp__c'),
  stamp0 timestamp(0) OPTIONS (field 'Stamp__c'),
  day_stamp timestamp OPTIONS (field 'Day__c'),
  clock time OPTIONS (field 'Clock__c'),
  clock_tz timetz OPTIONS (field 'Clock__c')
) SERVER typ_srv OPTIONS (sobject 'Type_Lab__c');
SELECT * FROM typ_time ORDER BY name COLLATE "C";
-- timestamp without time zone is the UTC wall time, whatever the session zone
SET TimeZone = 'America/New_York';
SELECT name, stamp, stamp_local FROM typ_time WHERE stamp IS NOT NULL ORDER BY name COLLATE "C";
SET TimeZone = 'UTC';

-- JSON: compound fields, and any value as JSON
CREATE FOREIGN TABLE typ_json (
  name text OPTIONS (field 'Name'),
  address jsonb OPTIONS (field 'ShipAddress'),
  geo json OPTIONS (field 'Geo__c'),
  num_json jsonb OPTIONS (field 'Big__c'),
  text_json jsonb OPTIONS (field 'Text__c'),
  flag_json json OPTIONS (field 'Flag__c')
) SERVER typ_srv OPTIONS (sobject 'Type_Lab__c');
SELECT * FROM typ_json ORDER BY name COLLATE "C";
SELECT address->>'street' AS street, address->>'city' AS city, (geo->>'latitude')::numeric AS lat
  FROM typ_json WHERE address IS NOT NULL;

-- multi-select picklists: split on ';' into arrays
CREATE FOREIGN TABLE typ_array (
  name text OPTIONS (field 'Name'),
  multi text[] OPTIONS (field 'Multi__c'),
  multi_vc varchar(10)[] OPTIONS (field 'Multi__c'),
  pick text[] OPTIONS (field 'Pick__c')
) SERVER typ_srv OPTIONS (sobject 'Type_Lab__c');
SELECT name, multi, cardinality(multi) AS n, multi_vc, pick FROM typ_array ORDER BY name COLLATE "C";

-- other types through their input functions, domains with their checks
CREATE DOMAIN typ_small_int AS integer CHECK (VALUE BETWEEN -1000 AND 1000);
CREATE TYPE typ_color AS ENUM ('Red', 'Green', 'Blue', 'Purple');
CREATE FOREIGN TABLE typ_other (
  name text OPTIONS (field 'Name'),
  color typ_color OPTIONS (field 'Pick__c'),
  small typ_small_int OPTIONS (field 'Int__c'),
  amount money OPTIONS (field 'Money__c')
) SERVER typ_srv OPTIONS (sobject 'Type_Lab__c');
SELECT name, color FROM typ_other ORDER BY name COLLATE "C";
SELECT name, amount FROM typ_other ORDER BY name COLLATE "C";
SELECT name, small FROM typ_other;

-- values that cannot be converted: the error names sObject, field, column
-- and value
CREATE FOREIGN TABLE typ_bad (
  name text OPTIONS (field 'Name'),
  text_int integer OPTIONS (field 'Text__c'),
  frac_int integer OPTIONS (field 'Dbl__c'),
  long_int integer OPTIONS (field 'Long__c'),
  pct_int2 smallint OPTIONS (field 'Pct__c'),
  short varchar(3) OPTIONS (field 'Text__c'),
  text_date date OPTIONS (field 'Text__c'),
  flag_int integer OPTIONS (field 'Flag__c'),
  address_int integer OPTIONS (field 'ShipAddress'),
  money_small numeric(5,2) OPTIONS (field 'Money__c'),
  huge_real real OPTIONS (field 'Big__c'),
  stamp_time time OPTIONS (field 'Stamp__c')
) SERVER typ_srv OPTIONS (sobject 'Type_Lab__c');
SELECT text_int FROM typ_bad;
SELECT frac_int FROM typ_bad;
SELECT long_int FROM typ_bad;
SELECT pct_int2 FROM typ_bad;
SELECT short FROM typ_bad;
SELECT text_date FROM typ_bad;
SELECT flag_int FROM typ_bad;
SELECT address_int FROM typ_bad;
SELECT money_small FROM typ_bad;
SELECT name, huge_real FROM typ_bad ORDER BY name COLLATE "C";
SELECT name, stamp_time FROM typ_bad ORDER BY name COLLATE "C";
-- a bad value in a column the query does not need is never read
SELECT count(*) FROM typ_bad;
-- the pages of the failed scans were freed
SELECT live_json_documents FROM salesforce_connection_stats();

\! test/emuctl reset
DROP SERVER typ_srv CASCADE;
DROP DOMAIN typ_small_int;
DROP TYPE typ_color;
