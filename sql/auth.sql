--
-- auth: OAuth 2.0 client credentials, the token cache and re-authentication,
-- every token error with its hint, API limits, error bodies, the limits
-- functions; and no secret or token in any message.
--
\getenv sfemu_url SFEMU_URL
\! test/emuctl reset
CREATE SERVER auth_sf FOREIGN DATA WRAPPER salesforce_fdw
  OPTIONS (url :'sfemu_url', client_id 'emu-client-id');
CREATE USER MAPPING FOR CURRENT_USER SERVER auth_sf
  OPTIONS (client_secret 'emu-client-secret');
CREATE FOREIGN TABLE auth_account (
  id varchar(18) OPTIONS (field 'Id'),
  name text OPTIONS (field 'Name')
) SERVER auth_sf OPTIONS (sobject 'Account');

-- Every error text of a statement (message, detail, hint, context), to
-- prove that neither the client secret nor an access token is in it.
CREATE FUNCTION auth_error_text(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  m text; d text; h text; c text;
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL,
                          h = PG_EXCEPTION_HINT, c = PG_EXCEPTION_CONTEXT;
  RETURN concat_ws(' | ', m, d, h, c);
END $$;
CREATE FUNCTION auth_leaks(stmt text) RETURNS boolean
LANGUAGE sql AS $$
  SELECT t ~ 'wrong-secret-4711|emu-client-secret' OR t ~* 'bearer'
         OR t ~ '00D[A-Za-z0-9]{12}!'
  FROM auth_error_text(stmt) AS t
$$;
CREATE VIEW auth_stats AS
  SELECT server_name, has_token, api_requests, token_requests,
         live_json_documents
  FROM salesforce_connection_stats() WHERE server_name LIKE 'auth%';

-- No token before the first API call: connecting costs nothing.
SELECT * FROM auth_stats;

-- Token caching: many statements, one token request.
\! test/emuctl clear-log
SELECT count(*) FROM auth_account;
SELECT name FROM auth_account WHERE id = '001RO000000000aYAA';
SELECT count(*) FROM auth_account;
SELECT count(*) FROM auth_account;
\! test/emuctl count 'POST /services/oauth2/token'
\! test/emuctl count '^GET /services/data/'
SELECT * FROM auth_stats;

-- An expired session: one new token, one retry, and the query succeeds.
\! test/emuctl expire-tokens
\! test/emuctl clear-log
SELECT count(*) FROM auth_account;
\! test/emuctl log
\! test/emuctl count 'POST /services/oauth2/token'
SELECT * FROM auth_stats;

-- A session that stays invalid is retried once, not in a loop.
\! test/emuctl fault '{"method": "GET", "path": "/query", "status": 401, "times": 2, "body": [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]}'
\! test/emuctl clear-log
SELECT count(*) FROM auth_account;
\! test/emuctl log
-- "not valid for use with the REST API" is not cured by a new token
\! test/emuctl fault '{"method": "GET", "path": "/query", "status": 401, "body": [{"message": "This session is not valid for use with the REST API", "errorCode": "INVALID_SESSION_ID"}]}'
\! test/emuctl clear-log
SELECT count(*) FROM auth_account;
\! test/emuctl log
\! test/emuctl fault '{"method": "GET", "path": "/query", "status": 401, "body": [{"message": "This session is not valid for use with the REST API", "errorCode": "INVALID_SESSION_ID"}]}'
SELECT auth_leaks('SELECT count(*) FROM auth_account') AS leaks;
\! test/emuctl clear-faults

-- ALTER SERVER drops the cached token; so does ALTER USER MAPPING.
SELECT has_token, token_requests FROM auth_stats;
ALTER SERVER auth_sf OPTIONS (ADD request_timeout '120');
SELECT has_token, token_requests FROM auth_stats;
SELECT count(*) FROM auth_account;
SELECT has_token, token_requests FROM auth_stats;
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_sf
  OPTIONS (ADD client_id 'emu-client-id');
SELECT has_token, token_requests FROM auth_stats;
SELECT count(*) FROM auth_account;
SELECT has_token, token_requests FROM auth_stats;

-- The user mapping's client_id overrides the server's.
ALTER SERVER auth_sf OPTIONS (SET client_id 'not-the-consumer-key');
SELECT count(*) FROM auth_account;
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_sf OPTIONS (DROP client_id);

-- Every token error, with Salesforce's error verbatim and a hint.
-- unknown consumer key
SELECT count(*) FROM auth_account;
ALTER SERVER auth_sf OPTIONS (SET client_id 'emu-client-id');
-- wrong consumer secret
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_sf
  OPTIONS (SET client_secret 'wrong-secret-4711');
SELECT count(*) FROM auth_account;
SELECT auth_leaks('SELECT count(*) FROM auth_account') AS leaks;
-- no secret at all
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_sf
  OPTIONS (DROP client_secret);
SELECT count(*) FROM auth_account;
ALTER USER MAPPING FOR CURRENT_USER SERVER auth_sf
  OPTIONS (ADD client_secret 'emu-client-secret');
-- no Run As user in the app's policies
\! test/emuctl raw POST /__emu/oauth '{"run_as_user": false}'
SELECT count(*) FROM auth_account;
\! test/emuctl raw POST /__emu/oauth '{"run_as_user": true}'
-- the login host instead of My Domain
\! test/emuctl fault '{"method": "POST", "path": "/services/oauth2/token", "status": 400, "body": {"error": "invalid_grant", "error_description": "request not supported on this domain"}}'
SELECT count(*) FROM auth_account;
-- a grant type Salesforce does not accept
\! test/emuctl fault '{"method": "POST", "path": "/services/oauth2/token", "status": 400, "body": {"error": "unsupported_grant_type", "error_description": "grant type not supported"}}'
SELECT count(*) FROM auth_account;
-- any other OAuth error
\! test/emuctl fault '{"method": "POST", "path": "/services/oauth2/token", "status": 400, "body": {"error": "inactive_user", "error_description": "user is inactive"}}'
SELECT count(*) FROM auth_account;
-- the token endpoint down for maintenance (an HTML page)
-- refused four times: the first try and max_retries (3) retries
\! test/emuctl fault '{"times": 4, "method": "POST", "path": "/services/oauth2/token", "status": 503, "body": "<html>\n<head><title>Maintenance</title></head>\n<body><h1>Service   Unavailable</h1></body></html>"}'
SELECT count(*) FROM auth_account;
-- an instance URL that would send the token in clear text
\! test/emuctl fault '{"method": "POST", "path": "/services/oauth2/token", "status": 200, "body": {"access_token": "00DRO0000000001!fake", "instance_url": "http://salesforce.example.com", "token_type": "Bearer"}}'
SELECT count(*) FROM auth_account;
SELECT count(*) FROM auth_account;

-- The daily API request limit: 403 REQUEST_LIMIT_EXCEEDED.
\! test/emuctl limits 15000 15000
SELECT count(*) FROM auth_account;
SELECT * FROM salesforce_api_usage('auth_sf');

-- Salesforce unavailable: an HTML 503 page, shortened in the detail.
\! test/emuctl limits 15000 100
-- refused four times: the first try and max_retries (3) retries
\! test/emuctl fault '{"times": 4, "method": "GET", "path": "/query", "status": 503, "body": "<!DOCTYPE html>\n<html><head><title>Down for Maintenance</title></head>\n<body><p>salesforce.com is down for maintenance. We apologize for any inconvenience. This is a long page whose text goes on and on, longer than anybody wants to read in an error message, so the extension shortens it.</p></body></html>"}'
SELECT count(*) FROM auth_account;
-- the same as JSON
-- refused four times: the first try and max_retries (3) retries
\! test/emuctl fault '{"times": 4, "method": "GET", "path": "/query", "status": 503, "body": [{"errorCode": "SERVER_UNAVAILABLE", "message": "Server is temporarily unavailable"}]}'
SELECT count(*) FROM auth_account;

-- Every error of the array, with its fields; text beyond ASCII intact.
\! test/emuctl fault '{"method": "GET", "path": "/query", "status": 400, "body": [{"errorCode": "INVALID_FIELD", "message": "Feld \u00abGr\u00f6\u00dfe\u00bb unbekannt", "fields": ["Gr\u00f6\u00dfe__c", "Name"]}, {"errorCode": "MALFORMED_QUERY", "message": "second error"}]}'
SELECT count(*) FROM auth_account;

-- A next-page URL on another host is refused: the token stays home.
-- (terse: the detail names the emulator's port)
\! test/emuctl fault '{"method": "GET", "path": "/query", "status": 200, "body": {"totalSize": 4000, "done": false, "nextRecordsUrl": "https://elsewhere.example.com/services/data/v66.0/query/0r8RO0000000001-2000", "records": []}}'
\! test/emuctl clear-log
\set VERBOSITY terse
SELECT count(id) FROM auth_account;   -- count(*) would be one COUNT() request
\set VERBOSITY default
\! test/emuctl count elsewhere

-- The limits functions (each is one API request).
\! test/emuctl limits 15000 100
SELECT * FROM salesforce_limits('auth_sf') WHERE name = 'DailyApiRequests';
SELECT count(*) > 1 AS several FROM salesforce_limits('auth_sf');
SELECT * FROM salesforce_api_usage('auth_sf');
-- every response reports the usage too (Sforce-Limit-Info), at no cost
SELECT api_usage FROM salesforce_connection_stats() WHERE server_name = 'auth_sf';
SELECT * FROM salesforce_api_usage('no_such_server');

-- Nothing leaked: no json-c document is alive between statements.
SELECT live_json_documents FROM auth_stats;

-- The functions naming a server need USAGE on it, even with a mapping FOR
-- PUBLIC (which a foreign table's SELECT privilege does not need).
CREATE ROLE regress_auth_nousage;
CREATE USER MAPPING FOR PUBLIC SERVER auth_sf
  OPTIONS (client_id 'emu-client-id', client_secret 'emu-client-secret');
SET ROLE regress_auth_nousage;
SELECT used > 0 AS used FROM salesforce_api_usage('auth_sf');
SELECT count(*) > 1 AS several FROM salesforce_limits('auth_sf');
RESET ROLE;
GRANT USAGE ON FOREIGN SERVER auth_sf TO regress_auth_nousage;
SET ROLE regress_auth_nousage;
SELECT used > 0 AS used FROM salesforce_api_usage('auth_sf');
RESET ROLE;
REVOKE USAGE ON FOREIGN SERVER auth_sf FROM regress_auth_nousage;
DROP USER MAPPING FOR PUBLIC SERVER auth_sf;
DROP ROLE regress_auth_nousage;

DROP VIEW auth_stats;
DROP FUNCTION auth_leaks(text);
DROP FUNCTION auth_error_text(text);
DROP FOREIGN TABLE auth_account;
DROP USER MAPPING FOR CURRENT_USER SERVER auth_sf;
DROP SERVER auth_sf;
\! test/emuctl reset
