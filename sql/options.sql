--
-- options: the validator of salesforce_fdw at every level
--
\getenv sfemu_url SFEMU_URL
SELECT salesforce_fdw_version();

-- the wrapper itself takes no options
ALTER FOREIGN DATA WRAPPER salesforce_fdw OPTIONS (url 'https://acme.my.salesforce.com');

-- server: every option with a good value
CREATE SERVER opt_srv FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (url 'https://acme.my.salesforce.com', api_version '66.0',
           client_id 'id', connect_timeout '10',
           request_timeout '60', fetch_size '500');
SELECT srvoptions FROM pg_foreign_server WHERE srvname = 'opt_srv';
-- unknown option: the hint lists the valid ones
ALTER SERVER opt_srv OPTIONS (ADD uri 'https://acme.my.salesforce.com');
-- options of other levels
ALTER SERVER opt_srv OPTIONS (ADD sobject 'Account');
ALTER SERVER opt_srv OPTIONS (ADD query_all 'true');
ALTER SERVER opt_srv OPTIONS (ADD field 'Name');

-- url: https, a trailing slash, loopback http, the emulator's url
ALTER SERVER opt_srv OPTIONS (SET url 'https://acme.my.salesforce.com/');
ALTER SERVER opt_srv OPTIONS (SET url 'HTTPS://acme--dev.sandbox.my.salesforce.com:443');
ALTER SERVER opt_srv OPTIONS (SET url 'http://127.0.0.1:8080');
ALTER SERVER opt_srv OPTIONS (SET url 'http://127.1.2.3');
ALTER SERVER opt_srv OPTIONS (SET url 'http://localhost:8080/');
ALTER SERVER opt_srv OPTIONS (SET url 'http://[::1]:8080');
ALTER SERVER opt_srv OPTIONS (SET url :'sfemu_url');
-- no user name, path, percent-encoding or backslash: libcurl would connect elsewhere
ALTER SERVER opt_srv OPTIONS (SET url 'http://127.0.0.1@elsewhere.example');
ALTER SERVER opt_srv OPTIONS (SET url 'http://127.0.0.1:8080@elsewhere.example');
ALTER SERVER opt_srv OPTIONS (SET url 'https://user@acme.my.salesforce.com');
ALTER SERVER opt_srv OPTIONS (SET url 'http://[::1]@elsewhere.example');
ALTER SERVER opt_srv OPTIONS (SET url 'http://127.0.0.1%2f@elsewhere.example');
ALTER SERVER opt_srv OPTIONS (SET url 'http://127.0.0.1\@elsewhere.example');
ALTER SERVER opt_srv OPTIONS (SET url 'https://acme.my.salesforce.com/services');
-- url: bad values
ALTER SERVER opt_srv OPTIONS (SET url 'http://acme.my.salesforce.com');
ALTER SERVER opt_srv OPTIONS (SET url 'http://128.0.0.1');
ALTER SERVER opt_srv OPTIONS (SET url 'http://localhost.example.com');
ALTER SERVER opt_srv OPTIONS (SET url 'https://login.salesforce.com');
ALTER SERVER opt_srv OPTIONS (SET url 'https://TEST.salesforce.com/');
ALTER SERVER opt_srv OPTIONS (SET url 'acme.my.salesforce.com');
ALTER SERVER opt_srv OPTIONS (SET url 'ftp://acme.my.salesforce.com');
ALTER SERVER opt_srv OPTIONS (SET url 'https://');
ALTER SERVER opt_srv OPTIONS (SET url 'https://acme.my.salesforce.com/services/data');
ALTER SERVER opt_srv OPTIONS (SET url 'https://acme.my.salesforce.com?x=1');
ALTER SERVER opt_srv OPTIONS (SET url 'https://acme.my.salesforce.com:abc');
ALTER SERVER opt_srv OPTIONS (SET url '');
ALTER SERVER opt_srv OPTIONS (SET url 'https://acme.my.salesforce.com/');

-- api_version
ALTER SERVER opt_srv OPTIONS (SET api_version 'v66.0');
ALTER SERVER opt_srv OPTIONS (SET api_version 'V59.0');
ALTER SERVER opt_srv OPTIONS (SET api_version '66');
ALTER SERVER opt_srv OPTIONS (SET api_version '66.0.1');
ALTER SERVER opt_srv OPTIONS (SET api_version 'vv66.0');
ALTER SERVER opt_srv OPTIONS (SET api_version '6.0');
ALTER SERVER opt_srv OPTIONS (SET api_version 'latest');

-- timeouts: positive integers of seconds
ALTER SERVER opt_srv OPTIONS (SET connect_timeout '1');
ALTER SERVER opt_srv OPTIONS (SET request_timeout '86400');
ALTER SERVER opt_srv OPTIONS (SET connect_timeout '0');
ALTER SERVER opt_srv OPTIONS (SET connect_timeout '-5');
ALTER SERVER opt_srv OPTIONS (SET request_timeout '86401');
ALTER SERVER opt_srv OPTIONS (SET request_timeout '1.5');
ALTER SERVER opt_srv OPTIONS (SET request_timeout 'ten');
ALTER SERVER opt_srv OPTIONS (SET request_timeout '99999999999999999999');

-- fetch_size: 200 to 2000
ALTER SERVER opt_srv OPTIONS (SET fetch_size '200');
ALTER SERVER opt_srv OPTIONS (SET fetch_size '2000');
ALTER SERVER opt_srv OPTIONS (SET fetch_size '199');
ALTER SERVER opt_srv OPTIONS (SET fetch_size '2001');
ALTER SERVER opt_srv OPTIONS (SET fetch_size '');

-- credentials: never empty; a bad secret is not echoed
ALTER SERVER opt_srv OPTIONS (SET client_id '');
ALTER SERVER opt_srv OPTIONS (DROP client_id);
-- the secret only in a user mapping: every role can read server options
ALTER SERVER opt_srv OPTIONS (ADD client_secret 'secret');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (url 'https://acme.my.salesforce.com', client_secret 'secret');
SELECT srvoptions FROM pg_foreign_server WHERE srvname = 'opt_srv';

-- user mapping: client_id and client_secret only
CREATE USER MAPPING FOR PUBLIC SERVER opt_srv
  OPTIONS (client_id 'emu-client-id', client_secret 'emu-client-secret');
ALTER USER MAPPING FOR PUBLIC SERVER opt_srv OPTIONS (ADD url 'https://acme.my.salesforce.com');
ALTER USER MAPPING FOR PUBLIC SERVER opt_srv OPTIONS (ADD fetch_size '500');
ALTER USER MAPPING FOR PUBLIC SERVER opt_srv OPTIONS (ADD user 'someone');
ALTER USER MAPPING FOR PUBLIC SERVER opt_srv OPTIONS (SET client_secret '');
ALTER USER MAPPING FOR PUBLIC SERVER opt_srv OPTIONS (SET client_secret 'other-secret');

-- foreign table: sobject, query_all, fetch_size
CREATE FOREIGN TABLE opt_account (id text, name text)
  SERVER opt_srv OPTIONS (sobject 'Account', query_all 'false', fetch_size '1000');
ALTER FOREIGN TABLE opt_account OPTIONS (SET query_all 'on');
ALTER FOREIGN TABLE opt_account OPTIONS (SET query_all 'maybe');
ALTER FOREIGN TABLE opt_account OPTIONS (SET fetch_size '100');
ALTER FOREIGN TABLE opt_account OPTIONS (SET fetch_size '2000');
ALTER FOREIGN TABLE opt_account OPTIONS (SET sobject 'Invoice__c');
ALTER FOREIGN TABLE opt_account OPTIONS (SET sobject 'ns__Thing__c');
ALTER FOREIGN TABLE opt_account OPTIONS (SET sobject 'Account; DELETE');
ALTER FOREIGN TABLE opt_account OPTIONS (SET sobject '');
ALTER FOREIGN TABLE opt_account OPTIONS (SET sobject '_Account');
ALTER FOREIGN TABLE opt_account OPTIONS (ADD url 'https://acme.my.salesforce.com');
ALTER FOREIGN TABLE opt_account OPTIONS (ADD client_secret 'x');
ALTER FOREIGN TABLE opt_account OPTIONS (ADD field 'Name');
ALTER FOREIGN TABLE opt_account OPTIONS (ADD table_name 'Account');
-- bulk: auto, on or off; its thresholds 1 to 1000000000 (server, table)
ALTER SERVER opt_srv OPTIONS (ADD bulk 'off', ADD bulk_read_threshold '100000', ADD bulk_write_threshold '1');
ALTER SERVER opt_srv OPTIONS (SET bulk 'sometimes');
ALTER SERVER opt_srv OPTIONS (SET bulk_read_threshold '0');
ALTER SERVER opt_srv OPTIONS (SET bulk_write_threshold '1000000001');
ALTER FOREIGN TABLE opt_account OPTIONS (ADD bulk 'ON', ADD bulk_read_threshold '10', ADD bulk_write_threshold '1000000000');
ALTER FOREIGN TABLE opt_account OPTIONS (SET bulk '');
ALTER FOREIGN TABLE opt_account OPTIONS (SET bulk_write_threshold 'many');
ALTER USER MAPPING FOR PUBLIC SERVER opt_srv OPTIONS (ADD bulk 'on');
ALTER FOREIGN TABLE opt_account ALTER COLUMN name OPTIONS (ADD bulk 'on');
SELECT ftoptions FROM pg_foreign_table WHERE ftrelid = 'opt_account'::regclass;

-- column: field, a name or a relationship path
ALTER FOREIGN TABLE opt_account ALTER COLUMN name OPTIONS (ADD field 'Name');
ALTER FOREIGN TABLE opt_account ALTER COLUMN name OPTIONS (SET field 'Owner.Name');
ALTER FOREIGN TABLE opt_account ALTER COLUMN name OPTIONS (SET field 'Parent.Parent.Parent.Parent.Owner.Email');
ALTER FOREIGN TABLE opt_account ALTER COLUMN name OPTIONS (SET field 'A.B.C.D.E.F.Name');
ALTER FOREIGN TABLE opt_account ALTER COLUMN name OPTIONS (SET field 'Owner..Name');
ALTER FOREIGN TABLE opt_account ALTER COLUMN name OPTIONS (SET field 'Owner.');
ALTER FOREIGN TABLE opt_account ALTER COLUMN name OPTIONS (SET field 'Name, Phone');
ALTER FOREIGN TABLE opt_account ALTER COLUMN name OPTIONS (SET field '');
ALTER FOREIGN TABLE opt_account ALTER COLUMN name OPTIONS (ADD sobject 'Account');
ALTER FOREIGN TABLE opt_account ALTER COLUMN name OPTIONS (ADD column_name 'Name');
SELECT attname, attfdwoptions FROM pg_attribute
 WHERE attrelid = 'opt_account'::regclass AND attnum > 0 ORDER BY attnum;

-- options are also checked at CREATE
CREATE FOREIGN TABLE opt_bad (id text OPTIONS (field 'Id; x')) SERVER opt_srv;
CREATE FOREIGN TABLE opt_bad (id text) SERVER opt_srv OPTIONS (query_all 'yes please');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER salesforce_fdw OPTIONS (url 'https://login.salesforce.com/');

-- a server without url is accepted, but cannot be used
CREATE SERVER opt_nourl FOREIGN DATA WRAPPER salesforce_fdw;
CREATE USER MAPPING FOR PUBLIC SERVER opt_nourl
  OPTIONS (client_id 'emu-client-id', client_secret 'emu-client-secret');
CREATE FOREIGN TABLE opt_nourl_account (id text) SERVER opt_nourl OPTIONS (sobject 'Account');
SELECT id FROM opt_nourl_account;

-- a table or column name that is no API name needs the option
CREATE FOREIGN TABLE "opt account" (id text) SERVER opt_srv;
SELECT id FROM "opt account";
CREATE FOREIGN TABLE opt_named (id text, "first name" text) SERVER opt_srv OPTIONS (sobject 'Contact');
SELECT "first name" FROM opt_named;

-- every boolean spelling the validator accepts works at use too
CREATE SERVER opt_bool_srv FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (url :'sfemu_url', all_or_none 'no');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_bool_srv
  OPTIONS (client_id 'emu-client-id', client_secret 'emu-client-secret');
CREATE FOREIGN TABLE opt_bool (id text OPTIONS (field 'Id'))
  SERVER opt_bool_srv OPTIONS (sobject 'Account', query_all 'yes');
SELECT count(*) > 0 AS found FROM opt_bool;
ALTER FOREIGN TABLE opt_bool OPTIONS (SET query_all 'f', ADD all_or_none 't');
SELECT count(*) > 0 AS found FROM opt_bool;
-- a secret stored on the server before the validator refused it is not used
UPDATE pg_foreign_server SET srvoptions = srvoptions || '{client_secret=emu-client-secret}'
 WHERE srvname = 'opt_bool_srv';
SELECT count(*) > 0 AS found FROM opt_bool;
UPDATE pg_foreign_server SET srvoptions = array_remove(srvoptions, 'client_secret=emu-client-secret')
 WHERE srvname = 'opt_bool_srv';
SELECT count(*) > 0 AS found FROM opt_bool;

DROP SERVER opt_srv CASCADE;
DROP SERVER opt_nourl CASCADE;
DROP SERVER opt_bool_srv CASCADE;
