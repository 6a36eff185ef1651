/* salesforce_fdw--1.2.sql */

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
    OUT live_json_documents bigint, OUT api_usage text,
    OUT retries bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

-- Salesforce's replication resources: ids of the records changed (Get
-- Updated) or deleted (Get Deleted) in [since, until).  Long windows and
-- answers over Salesforce's id limit take several API calls.
CREATE FUNCTION salesforce_updated(server_name text, sobject text,
    since timestamptz, until timestamptz DEFAULT now())
RETURNS TABLE (id varchar(18))
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION salesforce_deleted(server_name text, sobject text,
    since timestamptz, until timestamptz DEFAULT now())
RETURNS TABLE (id varchar(18), deleted_at timestamptz)
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

-- What salesforce_sync remembers per (foreign table, local table).  Written
-- by salesforce_sync only (as the table's owner), in the caller's
-- transaction; readable by everyone.
CREATE TABLE salesforce_sync_state (
    foreign_table regclass NOT NULL,
    local_table regclass NOT NULL,
    watermark timestamptz,       -- largest SystemModstamp Salesforce reported
    deleted_until timestamptz,   -- Get Deleted has been read up to here
    last_run timestamptz NOT NULL,
    last_mode text NOT NULL,     -- full, incremental or reconcile
    upserted bigint NOT NULL,
    deleted bigint NOT NULL,
    api_calls bigint NOT NULL,
    PRIMARY KEY (foreign_table, local_table)
);
SELECT pg_catalog.pg_extension_config_dump('salesforce_sync_state', '');
REVOKE ALL ON salesforce_sync_state FROM PUBLIC;
GRANT SELECT ON salesforce_sync_state TO PUBLIC;

-- Bring local_table up to date with a foreign table (created when missing).
CREATE FUNCTION salesforce_sync(foreign_table regclass, local_table text,
    full_refresh boolean DEFAULT false,
    lookback interval DEFAULT '5 minutes')
RETURNS TABLE (mode text, upserted bigint, deleted bigint,
    api_calls bigint, watermark timestamptz)
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

-- The records Salesforce refused in this session's last write statement
-- (INSERT, UPDATE, DELETE, COPY), one row each, in row order.
CREATE FUNCTION salesforce_last_failures(
    OUT foreign_table regclass, OUT row_number bigint, OUT id text,
    OUT status_code text, OUT message text, OUT fields text[])
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;
