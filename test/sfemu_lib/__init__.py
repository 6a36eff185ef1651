"""sfemu: an in-memory Salesforce org behind the REST API, for tests.

Modules: store (data model), soql (SOQL engine), schema and dataset
(describes, demo data), values (field coercion and checks), server (HTTP
server, REST surface, /__emu/ controls), bulk (Bulk API 2.0).
"""
