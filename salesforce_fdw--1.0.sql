/* salesforce_fdw--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION salesforce_fdw" to load this file. \quit

CREATE FUNCTION salesforce_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION salesforce_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER salesforce_fdw
  HANDLER salesforce_fdw_handler
  VALIDATOR salesforce_fdw_validator;

CREATE FUNCTION salesforce_fdw_version()
RETURNS text
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT IMMUTABLE;

-- The org's limits from the REST /limits resource (one API call), e.g. the
-- daily API request quota: SELECT * FROM salesforce_limits('my_org');
CREATE FUNCTION salesforce_limits(server_name text,
    OUT name text, OUT max bigint, OUT remaining bigint, OUT used bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

-- The daily API request usage alone: one row.
CREATE FUNCTION salesforce_api_usage(server_name text,
    OUT used bigint, OUT max bigint, OUT remaining bigint)
RETURNS record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

-- The connections this backend has cached (one per user mapping): whether a
-- token is held, how many API and token requests were made, and how many
-- json-c documents are alive right now (backend-wide; 0 between statements),
-- and the org's API usage as the last response reported it (Sforce-Limit-Info).
-- Never shows a token or a secret.
CREATE FUNCTION salesforce_connection_stats(
    OUT server_name text, OUT user_mapping oid, OUT has_token boolean,
    OUT api_requests bigint, OUT token_requests bigint,
    OUT live_json_documents bigint, OUT api_usage text)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;
