"""sfemu: an in-memory Salesforce org behind the REST API, for tests.

Modules: store (data model), soql (SOQL engine), schema and dataset
(describes, demo data), values (field coercion and checks), org (org state,
DML), rest (REST API resources), composite (Composite, Batch, sObject
Collections), oauth (token endpoint), messages (requests, replies, error
bodies), http_server (HTTP front, faults applied), control (/__emu/
control API), cli (command line), bulk (Bulk API 2.0), replication (Get
Updated/Deleted); server only keeps older imports working.
"""
