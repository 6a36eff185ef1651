-- salesforce_fdw demo: run by demo/run-demo against the Salesforce emulator
-- (test/sfemu, demo dataset).  psql passes the emulator's URL as :sfemu_url;
-- against a real org it would be your My Domain URL, https://acme.my.salesforce.com.

CREATE EXTENSION salesforce_fdw;

-- The org: its My Domain URL and the External Client App's consumer key.
CREATE SERVER salesforce FOREIGN DATA WRAPPER salesforce_fdw
    OPTIONS (url :'sfemu_url', client_id 'emu-client-id');

-- The consumer secret goes into the user mapping: other roles can't read it.
CREATE USER MAPPING FOR CURRENT_USER SERVER salesforce
    OPTIONS (client_secret 'emu-client-secret');

-- One foreign table per sObject; each column names its API field.
CREATE FOREIGN TABLE account (
    id              varchar(18) OPTIONS (field 'Id'),
    name            text        OPTIONS (field 'Name'),
    industry        text        OPTIONS (field 'Industry'),
    annual_revenue  numeric     OPTIONS (field 'AnnualRevenue'),
    employees       integer     OPTIONS (field 'NumberOfEmployees'),
    billing_city    text        OPTIONS (field 'BillingCity'),
    billing_address jsonb       OPTIONS (field 'BillingAddress'),
    owner_email     text        OPTIONS (field 'Owner.Email'),
    created         timestamptz OPTIONS (field 'CreatedDate')
) SERVER salesforce OPTIONS (sobject 'Account');

CREATE FOREIGN TABLE contact (
    id           varchar(18) OPTIONS (field 'Id'),
    first_name   text        OPTIONS (field 'FirstName'),
    last_name    text        OPTIONS (field 'LastName'),
    email        text        OPTIONS (field 'Email'),
    languages    text[]      OPTIONS (field 'Languages__c'),
    account_id   varchar(18) OPTIONS (field 'AccountId'),
    account_name text        OPTIONS (field 'Account.Name')
) SERVER salesforce OPTIONS (sobject 'Contact');

-- Plain SQL over Salesforce data.
SELECT name, industry, annual_revenue, employees, billing_city
FROM account
ORDER BY annual_revenue DESC NULLS LAST, name
LIMIT 5;

-- Compound fields arrive as jsonb, parent fields through relationships.
SELECT name, billing_address ->> 'city' AS city, billing_address ->> 'country' AS country, owner_email
FROM account
WHERE billing_address IS NOT NULL
ORDER BY name
LIMIT 3;

-- Multi-select picklists are text[].
SELECT first_name, last_name, languages, account_name
FROM contact
WHERE languages IS NOT NULL
ORDER BY last_name, first_name
LIMIT 5;

-- Aggregates and joins work like on any table.
SELECT a.industry, count(*) AS contacts
FROM contact c JOIN account a ON a.id = c.account_id
GROUP BY a.industry
ORDER BY contacts DESC, a.industry NULLS LAST
LIMIT 5;

-- EXPLAIN VERBOSE shows the SOQL sent to Salesforce: only the fields the query needs.
EXPLAIN (VERBOSE, COSTS OFF)
SELECT name, industry FROM account WHERE employees > 1000;

-- EXPLAIN ANALYZE also counts the API requests (contacts come 2000 a page).
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM contact;

-- Watch the org's daily API quota from SQL.
SELECT * FROM salesforce_api_usage('salesforce');

-- IMPORT FOREIGN SCHEMA: typed foreign tables straight from the describes.
CREATE SCHEMA sf;
IMPORT FOREIGN SCHEMA salesforce LIMIT TO (Opportunity, Invoice__c)
    FROM SERVER salesforce INTO sf;
\det+ sf.*
SELECT name, status__c, amount__c, tags__c, issued_on__c
FROM sf.invoice__c
WHERE amount__c > 10000
ORDER BY amount__c DESC
LIMIT 3;

-- Writes go through sObject Collections, up to 200 records a request.
INSERT INTO contact (first_name, last_name, email, languages)
VALUES ('Ada', 'Lovelace', 'ada@example.com', '{English,French}'),
       ('Charles', 'Babbage', 'charles@example.com', NULL);
UPDATE contact SET email = 'ada.lovelace@example.com' WHERE last_name = 'Lovelace';
SELECT first_name, last_name, email, languages FROM contact
WHERE last_name IN ('Lovelace', 'Babbage') ORDER BY last_name;
DELETE FROM contact WHERE last_name IN ('Lovelace', 'Babbage');
