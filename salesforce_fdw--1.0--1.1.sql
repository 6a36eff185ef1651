/* salesforce_fdw--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION salesforce_fdw UPDATE TO '1.1'" to load this file. \quit

-- salesforce_connection_stats() gains the number of requests retried.
DROP FUNCTION salesforce_connection_stats();
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
