/* salesforce_fdw--1.1--1.2.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION salesforce_fdw UPDATE TO '1.2'" to load this file. \quit

-- The records Salesforce refused in this session's last write statement
-- (INSERT, UPDATE, DELETE, COPY), one row each, in row order.
CREATE FUNCTION salesforce_last_failures(
    OUT foreign_table regclass, OUT row_number bigint, OUT id text,
    OUT status_code text, OUT message text, OUT fields text[])
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;
