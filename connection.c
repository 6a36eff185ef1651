/*-------------------------------------------------------------------------
 *
 * connection.c
 *		  Connection cache, OAuth 2.0 authentication and REST requests.
 *
 * One SfConnection per user mapping and backend (as in postgres_fdw);
 * syscache invalidation only marks an entry, the next SfGetConnection
 * re-reads it.  The token comes from the client credentials flow, lazily,
 * and an expired one is replaced once per request.  Requests safe to repeat
 * are retried with backoff; a write is never sent twice.  Every request is
 * charged to the statement's API budget.  Secrets never reach a message and
 * are zeroed before they are freed; every json-c tree is owned by a memory
 * context.  This is the one place Salesforce errors become ereports.
 * A query reads ahead: the next page is asked for in the background as
 * soon as a page arrives, and dropped with the cursor.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "salesforce_fdw.h"

#include <curl/curl.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/acl.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#if PG_VERSION_NUM >= 150000
#include "common/pg_prng.h"
#endif

/* nesting allowed in a response (relationships and subqueries nest) */
#define SF_JSON_MAX_DEPTH		128

/* how much of a non-JSON error body (e.g. an HTML 503 page) to show */
#define SF_MAX_RAW_DETAIL		200

/*
 * Retry waits: the first about SF_RETRY_BASE_MS, doubling, none longer than
 * SF_RETRY_MAX_MS; a Retry-After longer than SF_RETRY_AFTER_MAX_S is not
 * waited for (the statement fails and says so).
 */
#define SF_RETRY_BASE_MS		250
#define SF_RETRY_MAX_MS			30000
#define SF_RETRY_AFTER_MAX_S	60

/*
 * The longest request target (path and query string) sent as such: half of
 * Salesforce's 16,384 bytes for the URI and the headers together, leaving
 * the other half for the headers (the access token, the host).  A query
 * whose target would be longer travels in the body of a Composite request.
 */
#define SF_MAX_REQUEST_TARGET	8192

/*
 * A per-backend connection to one org for one user mapping: the cached
 * access token and instance URL, and a reusable HTTP handle.  The entry
 * lives in the hash table, its strings in 'cxt' (under CacheMemoryContext),
 * the handle in malloc'd memory; the options are re-read when the server or
 * the user mapping changes.
 */
struct SfConnection
{
	Oid			umid;			/* user mapping this entry serves */
	Oid			serverid;
	char	   *server_name;	/* for error messages */
	SfConnOptions opts;			/* resolved options (secret never printed) */
	char	   *instance_url;	/* from the token response; NULL: no token */
	char	   *access_token;	/* never printed anywhere */
	char	   *api_path;		/* "/services/data/v66.0" */
	SfHttp	   *http;
	uint64		request_count;	/* API requests made by this backend */
	uint64		token_requests; /* token requests made by this backend */
	uint64		retry_count;	/* requests retried by this backend */
	bool		invalidated;	/* options changed: re-read before use */
	MemoryContext cxt;			/* holds the strings above; reset on re-read */
	uint32		server_hashvalue;	/* syscache hash of the server's OID */
	uint32		mapping_hashvalue;	/* syscache hash of the mapping's OID */
	char		errbuf[SF_CURL_ERROR_SIZE]; /* curl's message of the last
											 * failure */
	char		limit_info[64]; /* last Sforce-Limit-Info, "api-usage=N/M" */
};

/*
 * The API requests of the current statement, told apart by
 * statement_timestamp(): every top-level statement a client sends starts a
 * new count; functions and triggers run inside it count with it.
 */
typedef struct SfStatementBudget
{
	TimestampTz statement_start;
	uint64		calls;			/* API requests sent by this statement */
	int			table_limit;	/* smallest max_api_calls of its tables, 0:
								 * none */
} SfStatementBudget;

static SfStatementBudget statement_budget;

/* The connection cache: user mapping OID -> SfConnection. */
static HTAB *ConnectionHash = NULL;

/* json-c documents parsed and not yet freed, in this backend */
static int64 live_json_documents = 0;

/* A json-c document owned by a memory context. */
typedef struct SfJsonOwner
{
	MemoryContextCallback callback;
	json_object *doc;
} SfJsonOwner;

/* The cursor behind SfQueryOpen and friends. */
struct SfQueryCursor
{
	SfConnection *conn;
	MemoryContext cxt;			/* holds this struct and its strings */
	char	   *soql;			/* for error context */
	char	   *failure;		/* the primary message of its errors */
	char	   *next_path;		/* the next page's path; NULL when done */
	char	   *composite_body; /* first page through Composite, or NULL */
	char	   *options_header; /* "Sforce-Query-Options: batchSize=N" */
	int64		total_size;		/* -1 until the first page arrived */
	uint64		requests;		/* API requests made for this query */
	int			empty_pages;	/* non-final pages in a row without records */
	uint64		retries;		/* of which retries */
	int			pages;			/* pages returned so far */
	bool		prefetched;		/* prefetch_path's request is in flight */
	char	   *prefetch_path;	/* the page asked for ahead, or NULL */
	MemoryContextCallback cleanup;	/* drops it with the cursor */
	bool		done;
};

/*
 * Non-final pages without records in a row that end a query: Salesforce
 * does not send them, so a server that does makes no progress.
 */
#define SF_MAX_EMPTY_PAGES	2

/* How a Salesforce errorCode becomes an ereport. */
typedef struct SfErrorCodeMap
{
	const char *code;
	int			sqlstate;
	const char *hint;
} SfErrorCodeMap;

/*
 * Every Salesforce errorCode (REST errors) and statusCode (per record of
 * sObject Collections) the extension knows, with its SQLSTATE and, where
 * the user can act on it, a hint: one table for queries and writes.
 */
static const SfErrorCodeMap error_code_map[] =
{
	{"REQUEST_LIMIT_EXCEEDED", ERRCODE_CONFIGURATION_LIMIT_EXCEEDED, NULL},
	{"INVALID_FIELD", ERRCODE_FDW_INVALID_COLUMN_NAME,
	"Check the \"field\" options of the foreign table's columns against the fields of the sObject."},
	{"INVALID_TYPE", ERRCODE_FDW_TABLE_NOT_FOUND,
	"Check the foreign table's \"sobject\" option: it must be the API name of an sObject the Run As user can query."},
	{"INVALID_SESSION_ID", ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
	"A new access token was refused too; check the session policies of the External Client App and its Run As user."},
	{"INVALID_QUERY_LOCATOR", ERRCODE_FDW_INVALID_HANDLE,
	"The query's cursor on Salesforce is gone; run the statement again."},
	{"QUERY_TIMEOUT", ERRCODE_FDW_ERROR,
	"Salesforce gave up on the query as too slow: narrow it with a more selective condition, filter on an indexed field (Id, Name, a lookup, an external id, CreatedDate or SystemModstamp), or read the object with the Bulk API."},
	{"MALFORMED_QUERY", ERRCODE_FDW_ERROR, NULL},
	{"INVALID_QUERY_FILTER_OPERATOR", ERRCODE_FDW_ERROR, NULL},
	{"NUMBER_OUTSIDE_VALID_RANGE", ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, NULL},
	{"EXCEEDED_ID_LIMIT", ERRCODE_PROGRAM_LIMIT_EXCEEDED, NULL},
	{"REQUIRED_FIELD_MISSING", ERRCODE_NOT_NULL_VIOLATION, NULL},
	{"MISSING_ARGUMENT", ERRCODE_NOT_NULL_VIOLATION, NULL},
	{"DUPLICATE_VALUE", ERRCODE_UNIQUE_VIOLATION, NULL},
	{"DUPLICATES_DETECTED", ERRCODE_UNIQUE_VIOLATION, NULL},
	{"DUPLICATE_EXTERNAL_ID", ERRCODE_CARDINALITY_VIOLATION, NULL},
	{"FIELD_CUSTOM_VALIDATION_EXCEPTION", ERRCODE_CHECK_VIOLATION, NULL},
	{"FIELD_INTEGRITY_EXCEPTION", ERRCODE_CHECK_VIOLATION, NULL},
	{"INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ERRCODE_CHECK_VIOLATION, NULL},
	{"STRING_TOO_LONG", ERRCODE_STRING_DATA_RIGHT_TRUNCATION, NULL},
	{"INVALID_CROSS_REFERENCE_KEY", ERRCODE_FOREIGN_KEY_VIOLATION, NULL},
	{"DELETE_FAILED", ERRCODE_FOREIGN_KEY_VIOLATION, NULL},
	{"MALFORMED_ID", ERRCODE_INVALID_TEXT_REPRESENTATION, NULL},
	{"INVALID_ID_FIELD", ERRCODE_INVALID_TEXT_REPRESENTATION, NULL},
	{"INVALID_TYPE_ON_FIELD_IN_RECORD", ERRCODE_INVALID_TEXT_REPRESENTATION, NULL},
	{"ENTITY_IS_DELETED", ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, NULL},
	{"NOT_FOUND", ERRCODE_UNDEFINED_OBJECT, NULL},
	{"CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY", ERRCODE_TRIGGERED_ACTION_EXCEPTION, NULL},
	{"INVALID_FIELD_FOR_INSERT_UPDATE", ERRCODE_INSUFFICIENT_PRIVILEGE,
	"Check the field-level security of the Run As user."},
	/* every other INSUFFICIENT_ACCESS* code too: see SfErrorCodeSqlstate */
	{"INSUFFICIENT_ACCESS_OR_READONLY", ERRCODE_INSUFFICIENT_PRIVILEGE, NULL},
	{"INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY", ERRCODE_INSUFFICIENT_PRIVILEGE, NULL},
	{"UNABLE_TO_LOCK_ROW", ERRCODE_LOCK_NOT_AVAILABLE,
	"Another transaction on Salesforce holds the record; retry the statement."},
	{"STORAGE_LIMIT_EXCEEDED", ERRCODE_DISK_FULL, NULL},
	{"SERVER_UNAVAILABLE", ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION,
	"Salesforce is temporarily unavailable (for example during maintenance); retry later."},
	{NULL, 0, NULL}
};

static void connection_inval_callback(Datum arg, int cacheid,
									  uint32 hashvalue);
static void drop_token(SfConnection *conn);
static void authenticate(SfConnection *conn);
static void report_auth_error(SfConnection *conn, long status,
							  json_object *json) pg_attribute_noreturn();
static void report_transport_error(SfConnection *conn, int rc,
								   const char *failure) pg_attribute_noreturn();
static char *request_url(SfConnection *conn, const char *path,
						 const char *failure);
static bool session_expired(json_object *json);
static json_object *adopt_json(SfJsonOwner *owner, json_object *doc);
static void release_json(void *arg);
static json_object *raw_text_json(const char *text, size_t len,
								  bool truncate);
static void append_urlencoded(StringInfo buf, const char *s);
static void append_raw_text(StringInfo buf, const char *s, size_t len);
static void append_status_detail(StringInfo buf, long status,
								 json_object *body);
static void query_error_callback(void *arg);
static json_object *composite_query_page(SfQueryCursor *cursor,
										 json_object *json);
static const char *transient_failure(long status, json_object *json);
static void charge_api_call(SfConnection *conn, const char *failure,
							bool refusable);
static int	statement_call_limit(SfConnection *conn);
static bool api_call_allowed(SfConnection *conn);
static int	perform_request(SfConnection *conn, const SfRequest *req,
							int flags, const char *failure,
							json_object **json_out, const void *started,
							SfQueryCursor *ahead);
static void query_prefetch(SfQueryCursor *cursor, const char *path);
static bool start_ahead(SfConnection *conn, const void *owner,
						const char *path, const char *const *headers,
						const char *failure);
static void query_prefetch_early(SfQueryCursor *cursor, const char *body,
								 size_t len);
static void query_abandon_prefetch(void *arg);
static bool parse_api_usage(const char *info, int64 *used, int64 *max);
static void report_outcome_unknown(SfConnection *conn, const char *failure)
			pg_attribute_noreturn();

static json_object *fetch_limits(SfConnection *conn);
static void limit_values(json_object *entry, Datum *values, bool *nulls);

/*
 * SfGetConnection
 *		The cached connection for a user mapping, created on first use and
 *		refreshed (options re-read, token dropped) after the server or the
 *		user mapping changed.  No network traffic happens here: the token is
 *		requested by the first SfPerformRequest().
 */
SfConnection *
SfGetConnection(UserMapping *user)
{
	SfConnection *conn;
	bool		found;
	Oid			key = user->umid;

	if (ConnectionHash == NULL)
	{
		HASHCTL		ctl;

		MemSet(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(SfConnection);
		ConnectionHash = hash_create("salesforce_fdw connections", 8, &ctl,
									 HASH_ELEM | HASH_BLOBS);
		CacheRegisterSyscacheCallback(FOREIGNSERVEROID,
									  connection_inval_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(USERMAPPINGOID,
									  connection_inval_callback, (Datum) 0);
	}

	conn = hash_search(ConnectionHash, &key, HASH_ENTER, &found);
	if (!found)
	{
		/* make the entry consistent before anything can fail */
		memset(conn, 0, sizeof(SfConnection));
		conn->umid = key;
		conn->invalidated = true;
	}

	if (conn->cxt == NULL)
		conn->cxt = AllocSetContextCreate(CacheMemoryContext,
										  "salesforce_fdw connection",
										  ALLOCSET_SMALL_SIZES);
	if (conn->http == NULL)
	{
		conn->http = SfHttpCreate();
		if (conn->http == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory"),
					 errdetail("Could not initialize libcurl.")));
	}

	if (conn->invalidated)
	{
		ForeignServer *server = GetForeignServer(user->serverid);
		MemoryContext oldcxt;

		drop_token(conn);
		if (conn->opts.client_secret != NULL)
			explicit_bzero(conn->opts.client_secret,
						   strlen(conn->opts.client_secret));
		MemoryContextReset(conn->cxt);
		memset(&conn->opts, 0, sizeof(SfConnOptions));
		conn->server_name = NULL;
		conn->api_path = NULL;

		conn->serverid = server->serverid;
		conn->server_hashvalue =
			GetSysCacheHashValue1(FOREIGNSERVEROID,
								  ObjectIdGetDatum(server->serverid));
		conn->mapping_hashvalue =
			GetSysCacheHashValue1(USERMAPPINGOID,
								  ObjectIdGetDatum(user->umid));

		oldcxt = MemoryContextSwitchTo(conn->cxt);
		conn->server_name = pstrdup(server->servername);
		SfGetConnOptions(server, user, &conn->opts);
		conn->api_path = psprintf("/services/data/v%s",
								  conn->opts.api_version);
		MemoryContextSwitchTo(oldcxt);

		conn->invalidated = false;
	}

	return conn;
}

/*
 * connection_inval_callback
 *		Syscache callback for pg_foreign_server and pg_user_mapping: mark the
 *		entries that depend on the changed object (all of them on a cache
 *		reset).  Only marks: the entry may be in use right now.
 */
static void
connection_inval_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS scan;
	SfConnection *conn;

	if (ConnectionHash == NULL)
		return;

	hash_seq_init(&scan, ConnectionHash);
	while ((conn = (SfConnection *) hash_seq_search(&scan)) != NULL)
	{
		if (hashvalue == 0 ||
			(cacheid == FOREIGNSERVEROID &&
			 conn->server_hashvalue == hashvalue) ||
			(cacheid == USERMAPPINGOID &&
			 conn->mapping_hashvalue == hashvalue))
			conn->invalidated = true;
	}
}

/*
 * drop_token
 *		Forget the access token (zeroing it) and the instance URL.
 */
static void
drop_token(SfConnection *conn)
{
	if (conn->access_token != NULL)
	{
		explicit_bzero(conn->access_token, strlen(conn->access_token));
		pfree(conn->access_token);
		conn->access_token = NULL;
	}
	if (conn->instance_url != NULL)
	{
		pfree(conn->instance_url);
		conn->instance_url = NULL;
	}
}

/*
 * append_urlencoded
 *		Append 's' percent-encoded: everything but RFC 3986's unreserved
 *		characters is escaped, which is right both for a query string and for
 *		an application/x-www-form-urlencoded body.
 */
static void
append_urlencoded(StringInfo buf, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
			c == '~')
			appendStringInfoChar(buf, (char) c);
		else
		{
			appendStringInfoChar(buf, '%');
			appendStringInfoChar(buf, hex[c >> 4]);
			appendStringInfoChar(buf, hex[c & 15]);
		}
	}
}

/*
 * authenticate
 *		Get an access token with the OAuth 2.0 client credentials flow:
 *		POST <url>/services/oauth2/token with a form body.  On success the
 *		token and instance URL are kept in the connection; anything else
 *		raises an error whose detail is Salesforce's error and
 *		error_description.
 */
static void
authenticate(SfConnection *conn)
{
	MemoryContext tmpcxt;
	MemoryContext oldcxt;
	StringInfoData body;
	SfHttpResponse resp;
	json_object *json;
	const char *token;
	const char *instance_url;
	const char *problem;
	char	   *url;
	char	   *failure;
	int			rc;
	size_t		len;
	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded",
		"Accept: application/json",
		NULL
	};

	if (conn->opts.client_id == NULL || conn->opts.client_secret == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("could not authenticate with Salesforce server \"%s\"",
						conn->server_name),
				 conn->opts.client_id == NULL
				 ? errdetail("Option \"client_id\" is set neither on the server nor on the user mapping.")
				 : errdetail("Option \"client_secret\" is not set on the user mapping."),
				 errhint("Set the External Client App's consumer key as option \"client_id\" and its consumer secret as option \"client_secret\" of the user mapping.")));

	/* everything palloc'd here, the secret-bearing body included, dies here */
	tmpcxt = AllocSetContextCreate(CurrentMemoryContext,
								   "salesforce_fdw authentication",
								   ALLOCSET_SMALL_SIZES);
	oldcxt = MemoryContextSwitchTo(tmpcxt);

	failure = psprintf("could not authenticate with Salesforce server \"%s\"",
					   conn->server_name);
	url = psprintf("%s/services/oauth2/token", conn->opts.url);
	initStringInfo(&body);
	appendStringInfoString(&body, "grant_type=client_credentials&client_id=");
	append_urlencoded(&body, conn->opts.client_id);
	appendStringInfoString(&body, "&client_secret=");
	append_urlencoded(&body, conn->opts.client_secret);

	/* asking for a token again is harmless: transient failures are retried */
	for (int attempt = 0;; attempt++)
	{
		const char *reason = NULL;

		conn->token_requests++;
		rc = SfHttpPerform(conn->http, "POST", url, headers, body.data,
						   conn->opts.connect_timeout,
						   conn->opts.request_timeout, 0, &resp, conn->errbuf);
		if (rc == CURLE_ABORTED_BY_CALLBACK)
			CHECK_FOR_INTERRUPTS();
		if (rc != 0)
			reason = conn->errbuf;
		else if (resp.status == 502 || resp.status == 503 ||
				 resp.status == 504 || resp.status == 429)
			reason = psprintf("HTTP status %ld", resp.status);
		if (reason == NULL ||
			!SfRetryWait(conn, attempt, rc == 0 ? resp.retry_after : -1,
						 reason))
			break;
		if (rc == 0)
		{
			explicit_bzero(resp.body.data, resp.body.len);
			pfree(resp.body.data);
		}
	}
	explicit_bzero(body.data, body.len);
	if (rc != 0)
		report_transport_error(conn, rc, failure);

	json = SfJsonParse(resp.body.data, resp.body.len);
	if (resp.status != 200)
	{
		if (json == NULL && resp.body.len > 0)
			json = raw_text_json(resp.body.data, resp.body.len, true);
		report_auth_error(conn, resp.status, json);
	}
	explicit_bzero(resp.body.data, resp.body.len);

	token = SfJsonGetString(json, "access_token");
	instance_url = SfJsonGetString(json, "instance_url");
	if (token == NULL || token[0] == '\0' ||
		instance_url == NULL || instance_url[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("could not authenticate with Salesforce server \"%s\"",
						conn->server_name),
				 errdetail("The token response lacks \"access_token\" or \"instance_url\".")));

	/* API calls carry the token: the url option's rule */
	problem = SfUrlProblem(instance_url);
	if (problem != NULL)
	{
		explicit_bzero((char *) token, strlen(token));
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("could not authenticate with Salesforce server \"%s\"",
						conn->server_name),
				 errdetail("The token response names instance URL \"%s\", which cannot be used. %s",
						   instance_url, problem)));
	}

	drop_token(conn);
	conn->access_token = MemoryContextStrdup(conn->cxt, token);
	conn->instance_url = MemoryContextStrdup(conn->cxt, instance_url);
	len = strlen(conn->instance_url);
	while (len > 0 && conn->instance_url[len - 1] == '/')
		conn->instance_url[--len] = '\0';

	/* json-c frees its copy of the token without zeroing it: do it here */
	explicit_bzero((char *) token, strlen(token));

	/* frees the json-c tree through its reset callback */
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(tmpcxt);
}

/*
 * report_auth_error
 *		Raise the error for a failed token request, with a hint for each
 *		known cause.  'json' is the parsed body, a raw-text string, or NULL.
 */
static void
report_auth_error(SfConnection *conn, long status, json_object *json)
{
	const char *error = SfJsonGetString(json, "error");
	const char *description = SfJsonGetString(json, "error_description");
	const char *hint = NULL;
	StringInfoData text;

	if (error == NULL)
	{
		StringInfoData detail;

		initStringInfo(&detail);
		append_status_detail(&detail, status, json);
		if (status >= 500)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
					 errmsg("could not authenticate with Salesforce server \"%s\"",
							conn->server_name),
					 errdetail_internal("%s", detail.data),
					 errhint("Salesforce is temporarily unavailable (for example during maintenance); retry later.")));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("could not authenticate with Salesforce server \"%s\"",
						conn->server_name),
				 errdetail_internal("%s", detail.data),
				 errhint("Check that option \"url\" is the My Domain URL of the org.")));
	}

	if (strcmp(error, "invalid_client_id") == 0)
		hint = "Check option \"client_id\": it must be the consumer key of the External Client App. A new or changed app can take a few minutes to become active.";
	else if (strcmp(error, "invalid_client") == 0)
		hint = "Check option \"client_secret\": it must be the consumer secret of the External Client App.";
	else if (strcmp(error, "invalid_grant") == 0 && description != NULL &&
			 strstr(description, "no client credentials user enabled") != NULL)
		hint = "In the External Client App's OAuth policies, enable the client credentials flow and select a Run As user.";
	else if (strcmp(error, "invalid_grant") == 0 && description != NULL &&
			 strstr(description, "not supported on this domain") != NULL)
		hint = "Set option \"url\" to the org's My Domain URL (https://MyDomain.my.salesforce.com), not login.salesforce.com or test.salesforce.com.";
	else if (strcmp(error, "unsupported_grant_type") == 0)
		hint = "Enable the client credentials flow in the External Client App's OAuth settings, and check that option \"url\" is the org's My Domain URL.";
	else
		hint = "Check options \"url\", \"client_id\" and \"client_secret\" and the External Client App's OAuth policies.";

	initStringInfo(&text);
	SfAppendRemoteText(&text, error);
	appendStringInfoString(&text, ": ");
	SfAppendRemoteText(&text, description ? description : "");
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
			 errmsg("could not authenticate with Salesforce server \"%s\"",
					conn->server_name),
			 errdetail_internal("%s", text.data),
			 errhint("%s", hint)));
}

/*
 * report_transport_error
 *		Raise the error for a request that got no HTTP response.  An abort by
 *		a pending interrupt lets CHECK_FOR_INTERRUPTS() report the cancel,
 *		timeout or termination instead.  The http handle has already been
 *		cleaned up by SfHttpPerform.
 */
static void
report_transport_error(SfConnection *conn, int rc, const char *failure)
{
	if (rc == CURLE_ABORTED_BY_CALLBACK)
		CHECK_FOR_INTERRUPTS();

	ereport(ERROR,
			(errcode(ERRCODE_CONNECTION_FAILURE),
			 errmsg("%s", failure),
			 errdetail_internal("Connection to Salesforce server \"%s\" failed: %s.",
								conn->server_name, conn->errbuf),
			 rc == CURLE_OPERATION_TIMEDOUT ?
			 errhint("The request took longer than options \"connect_timeout\" (%d s) or \"request_timeout\" (%d s) allow.",
					 conn->opts.connect_timeout, conn->opts.request_timeout) : 0));
}

/*
 * request_url
 *		The absolute URL of a request path on the instance.  A full URL (a
 *		nextRecordsUrl may be one) must point to the same instance: the
 *		token must never travel to another host.
 */
static char *
request_url(SfConnection *conn, const char *path, const char *failure)
{
	size_t		len = strlen(conn->instance_url);

	if (pg_strncasecmp(path, "http://", 7) == 0 ||
		pg_strncasecmp(path, "https://", 8) == 0)
	{
		if (pg_strncasecmp(path, conn->instance_url, len) != 0 ||
			path[len] != '/')
			ereport(ERROR,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 errmsg("%s", failure),
					 errdetail("URL \"%s\" is not on instance \"%s\".",
							   path, conn->instance_url)));
		return pstrdup(path);
	}
	return psprintf("%s%s%s", conn->instance_url, path[0] == '/' ? "" : "/",
					path);
}

/*
 * session_expired
 *		Is this 401 body the "Session expired or invalid" that a new token
 *		cures?  "This session is not valid for use with the REST API" (a
 *		token without the api scope) would come back with any new token.
 */
static bool
session_expired(json_object *json)
{
	json_object *first;
	const char *code;
	const char *message;

	if (json == NULL || !json_object_is_type(json, json_type_array) ||
		json_object_array_length(json) == 0)
		return false;
	first = json_object_array_get_idx(json, 0);
	code = SfJsonGetString(first, "errorCode");
	message = SfJsonGetString(first, "message");
	if (code == NULL || strcmp(code, "INVALID_SESSION_ID") != 0)
		return false;
	return message == NULL ||
		strstr(message, "not valid for use with the REST API") == NULL;
}

/*
 * SfPerformRequest
 *		Send one REST request with the cached token (getting one first if
 *		needed) and return the HTTP status.
 *
 * '*json_out' (if not NULL) receives the parsed body, owned by
 * CurrentMemoryContext, or NULL for an empty body; a non-JSON error body
 * comes back as a json string holding its (truncated) text; with
 * SF_REQ_RAW_BODY every body comes back unparsed as a json string (for CSV
 * results).  The caller's "Accept:" or "Content-Type:" header replaces the
 * default one (application/json).  A 401
 * INVALID_SESSION_ID gets a new token and one retry.  Statuses other than
 * 2xx raise an error through SfReportError unless SF_REQ_RETURN_ERRORS is
 * set.  'failure' is the primary message of every error raised, written
 * whole by the caller ("could not query Salesforce object \"Account\"").
 *
 * A request marked retryable is sent again after transient failures (see
 * transient_failure), at most max_retries times.  Any other request that is
 * not a GET is a write: it goes over a new connection, is repeated only
 * when it provably never left (connection refused), and when its answer is
 * lost after it left (connection dropped, truncated or unreadable 2xx
 * body) the outcome is unknown: with SF_REQ_RETURN_ERRORS the function
 * returns 0 and SfTransportError() tells what happened, so the caller can
 * name the rows in flight; otherwise it raises that error itself.
 *
 * SF_REQ_CLEANUP marks a request that undoes work (aborting a Bulk API
 * job): it is counted but never refused by the statement's budget, and is
 * sent once, without retries.
 */
int
SfPerformRequest(SfConnection *conn, const SfRequest *req, int flags,
				 json_object **json_out, const char *failure)
{
	return perform_request(conn, req, flags, failure, json_out, NULL, NULL);
}

/*
 * perform_request
 *		SfPerformRequest, whose first attempt may have been started ahead in
 *		the background by 'started' (a GET already charged and counted; see
 *		query_prefetch): its answer is taken as that attempt's.  With
 *		'ahead', a 200 answer is first shown to query_prefetch_early, so the
 *		next page can be asked for before this one is parsed.
 */
static int
perform_request(SfConnection *conn, const SfRequest *req, int flags,
				const char *failure, json_object **json_out,
				const void *started, SfQueryCursor *ahead)
{
	SfHttpResponse resp;
	json_object *json = NULL;
	bool		retried = false;
	bool		write = !req->retryable && strcmp(req->method, "GET") != 0;
	int			attempt = 0;

	if (json_out != NULL)
		*json_out = NULL;
	if (failure == NULL)
		failure = "could not complete a Salesforce request";

	for (;;)
	{
		const char **headers;
		char	   *url;
		char	   *auth;
		int			nextra = 0;
		int			n = 0;
		int			rc;
		bool		own_accept = false;
		bool		own_content_type = false;
		const char *reason = NULL;

		if (started != NULL)
		{
			/* the first attempt went out ahead (a prefetch): wait for it */
			rc = SfHttpFinish(conn->http, started, &resp, conn->errbuf);
			started = NULL;
			if (rc >= 0)
				goto received;
		}

		if (conn->access_token == NULL)
			authenticate(conn);

		charge_api_call(conn, failure, !(flags & SF_REQ_CLEANUP));

		url = request_url(conn, req->path, failure);
		if (req->headers != NULL)
		{
			for (; req->headers[nextra] != NULL; nextra++)
			{
				if (pg_strncasecmp(req->headers[nextra], "Accept:", 7) == 0)
					own_accept = true;
				else if (pg_strncasecmp(req->headers[nextra],
										"Content-Type:", 13) == 0)
					own_content_type = true;
			}
		}
		headers = palloc((nextra + 4) * sizeof(char *));
		auth = psprintf("Authorization: Bearer %s", conn->access_token);
		headers[n++] = auth;
		if (!own_accept)
			headers[n++] = "Accept: application/json";
		if (req->body != NULL && !own_content_type)
			headers[n++] = psprintf("Content-Type: %s",
									req->content_type ? req->content_type :
									"application/json");
		for (int i = 0; i < nextra; i++)
			headers[n++] = req->headers[i];
		headers[n] = NULL;

		conn->request_count++;
		rc = SfHttpPerform(conn->http, req->method, url,
						   (const char *const *) headers, req->body,
						   conn->opts.connect_timeout,
						   req->timeout > 0 ?
						   Min(req->timeout, conn->opts.request_timeout) :
						   conn->opts.request_timeout,
						   write ? SF_HTTP_FRESH_CONNECT : 0,
						   &resp, conn->errbuf);
		explicit_bzero(auth, strlen(auth));
		pfree(auth);
		pfree(headers);
		pfree(url);
received:
		if (rc == CURLE_ABORTED_BY_CALLBACK)
			CHECK_FOR_INTERRUPTS();
		if (rc != 0)
		{
			/* a request that never left may go again, a write included */
			if ((req->retryable || !resp.sent) &&
				!(flags & SF_REQ_CLEANUP) &&
				SfRetryWait(conn, attempt++, -1, conn->errbuf))
				continue;
			if (write && resp.sent)
			{
				if (flags & SF_REQ_RETURN_ERRORS)
					return 0;
				report_outcome_unknown(conn, failure);
			}
			report_transport_error(conn, rc, failure);
		}
		if (resp.limit_info != NULL)
			strlcpy(conn->limit_info, resp.limit_info, sizeof(conn->limit_info));
		if (req->locator_out != NULL)
			*req->locator_out = resp.locator;

		if (ahead != NULL && resp.status == 200)
			query_prefetch_early(ahead, resp.body.data, resp.body.len);

		json = NULL;
		if (resp.body.len > 0 && (flags & SF_REQ_RAW_BODY))
			json = raw_text_json(resp.body.data, resp.body.len, false);
		else if (resp.body.len > 0)
		{
			json = SfJsonParse(resp.body.data, resp.body.len);
			if (json == NULL)
			{
				if (resp.status >= 200 && resp.status < 300)
				{
					/* an answer cut short on the way is a transport failure */
					if (req->retryable &&
						SfRetryWait(conn, attempt++, -1,
									"the response is not valid JSON"))
					{
						pfree(resp.body.data);
						continue;
					}
					if (write)
					{
						snprintf(conn->errbuf, sizeof(conn->errbuf),
								 "the response (HTTP status %ld) is not valid JSON",
								 resp.status);
						pfree(resp.body.data);
						if (flags & SF_REQ_RETURN_ERRORS)
							return 0;
						report_outcome_unknown(conn, failure);
					}
					ereport(ERROR,
							(errcode(ERRCODE_PROTOCOL_VIOLATION),
							 errmsg("%s", failure),
							 errdetail("Salesforce returned a response that is not valid JSON (HTTP status %ld).",
									   resp.status)));
				}
				json = raw_text_json(resp.body.data, resp.body.len, true);
			}
		}
		pfree(resp.body.data);

		if (resp.status == 401 && !retried && session_expired(json))
		{
			/* the token expired: one new token, one more try */
			drop_token(conn);
			retried = true;
			continue;
		}
		if (req->retryable)
			reason = transient_failure(resp.status, json);
		if (reason != NULL &&
			SfRetryWait(conn, attempt++, resp.retry_after, reason))
			continue;
		break;
	}

	if ((resp.status < 200 || resp.status >= 300) &&
		!(flags & SF_REQ_RETURN_ERRORS))
		SfReportError(conn, failure, (int) resp.status, json);

	if (json_out != NULL)
		*json_out = json;
	return (int) resp.status;
}

/*
 * transient_failure
 *		Why an answer to a request safe to repeat is worth retrying, or NULL
 *		if it is not: 502, 503 and 504 (maintenance, a proxy), 429, and a
 *		REQUEST_LIMIT_EXCEEDED that names a concurrency limit (the daily
 *		TotalRequests limit is not cured by retrying).
 */
static const char *
transient_failure(long status, json_object *json)
{
	if (status == 502 || status == 503 || status == 504 || status == 429)
		return psprintf("HTTP status %ld", status);
	if (status == 403 && json != NULL &&
		json_object_is_type(json, json_type_array) &&
		json_object_array_length(json) > 0)
	{
		json_object *first = json_object_array_get_idx(json, 0);
		const char *code = SfJsonGetString(first, "errorCode");
		const char *message = SfJsonGetString(first, "message");

		if (code != NULL && strcmp(code, "REQUEST_LIMIT_EXCEEDED") == 0 &&
			message != NULL && strstr(message, "Concurrent") != NULL &&
			strstr(message, "TotalRequests") == NULL)
			return "REQUEST_LIMIT_EXCEEDED for concurrent requests";
	}
	return NULL;
}

/*
 * SfRetryWait
 *		Decide whether retry number 'attempt' (0 for the first) of a request
 *		may happen and, if so, log it and wait: about SF_RETRY_BASE_MS times
 *		2^attempt with jitter (half of it fixed, half random), at most
 *		SF_RETRY_MAX_MS, or the server's Retry-After (seconds, -1 if none)
 *		when that is longer.  Returns false (without waiting) when
 *		max_retries are used up or Retry-After asks for more than
 *		SF_RETRY_AFTER_MAX_S.  The wait ends early for a cancel, a
 *		statement_timeout or a termination, which CHECK_FOR_INTERRUPTS()
 *		then raises; postmaster death ends the backend.  'reason' and
 *		goes into the log line and must not hold a secret.
 */
bool
SfRetryWait(SfConnection *conn, int attempt, int retry_after,
			const char *reason)
{
	long		wait_ms;
	double		jitter;
	TimestampTz end;

	if (attempt >= conn->opts.max_retries ||
		retry_after > SF_RETRY_AFTER_MAX_S)
		return false;

#if PG_VERSION_NUM >= 150000
	jitter = pg_prng_double(&pg_global_prng_state);
#else
	jitter = (double) random() / ((double) MAX_RANDOM_VALUE + 1.0);
#endif
	wait_ms = SF_RETRY_BASE_MS << Min(attempt, 16);
	wait_ms = Min(wait_ms, SF_RETRY_MAX_MS);
	wait_ms = wait_ms / 2 + (long) (jitter * (wait_ms / 2));
	if (retry_after >= 0)
		wait_ms = Max(wait_ms, retry_after * 1000L);

	conn->retry_count++;
	ereport(LOG,
			(errmsg("salesforce_fdw: retry %d of %d of a request to Salesforce server \"%s\" in %ld ms",
					attempt + 1, conn->opts.max_retries, conn->server_name,
					wait_ms),
			 errdetail_internal("The request failed: %s.", reason)));

	end = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), wait_ms);
	for (;;)
	{
		long		left;

		CHECK_FOR_INTERRUPTS();
		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), end);
		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	CHECK_FOR_INTERRUPTS();
	return true;
}

/*
 * parse_api_usage
 *		Read "api-usage=USED/MAX" from a Sforce-Limit-Info value.
 */
static bool
parse_api_usage(const char *info, int64 *used, int64 *max)
{
	const char *p = strstr(info, "api-usage=");
	char	   *end;

	if (p == NULL)
		return false;
	p += strlen("api-usage=");
	errno = 0;
	*used = strtoll(p, &end, 10);
	if (errno != 0 || end == p || *end != '/')
		return false;
	p = end + 1;
	*max = strtoll(p, &end, 10);
	if (errno != 0 || end == p || *max <= 0)
		return false;
	return true;
}

/*
 * statement_budget_sync
 *		Start a new count when a new statement began.
 */
static void
statement_budget_sync(void)
{
	TimestampTz start = GetCurrentStatementStartTimestamp();

	if (statement_budget.statement_start != start)
	{
		statement_budget.statement_start = start;
		statement_budget.calls = 0;
		statement_budget.table_limit = 0;
	}
}

/*
 * SfLimitStatementApiCalls
 *		A foreign table's max_api_calls (0: none) joins the limits of the
 *		current statement: the smallest limit among the server's and the
 *		tables' wins.
 */
void
SfLimitStatementApiCalls(int limit)
{
	statement_budget_sync();
	if (limit > 0 && (statement_budget.table_limit == 0 ||
					  limit < statement_budget.table_limit))
		statement_budget.table_limit = limit;
}

/*
 * statement_call_limit
 *		The number of API requests the running statement may make on 'conn'
 *		(max_api_calls, or the lower limit of a foreign table it reads), 0 for
 *		no limit.
 */
static int
statement_call_limit(SfConnection *conn)
{
	int			limit = conn->opts.max_api_calls;

	statement_budget_sync();
	if (statement_budget.table_limit > 0 &&
		(limit == 0 || statement_budget.table_limit < limit))
		limit = statement_budget.table_limit;
	return limit;
}

/*
 * api_call_allowed
 *		Would charge_api_call() let one more request go (without raising)?
 */
static bool
api_call_allowed(SfConnection *conn)
{
	int			limit = statement_call_limit(conn);
	int64		used;
	int64		max;

	if (limit > 0 && statement_budget.calls >= (uint64) limit)
		return false;
	if (conn->opts.api_reserve_percent > 0 &&
		parse_api_usage(conn->limit_info, &used, &max) &&
		(max - used) * 100 < (int64) conn->opts.api_reserve_percent * max)
		return false;
	return true;
}

/*
 * charge_api_call
 *		Count one API request against the statement's budget, or raise
 *		configuration_limit_exceeded if it would exceed max_api_calls or
 *		the org's remaining daily allowance (as the last response said) fell
 *		below api_reserve_percent.  A request that is not 'refusable' (a
 *		cleanup) is only counted.
 */
static void
charge_api_call(SfConnection *conn, const char *failure, bool refusable)
{
	int			limit = statement_call_limit(conn);
	int64		used = 0;
	int64		max = 0;
	bool		known;

	known = parse_api_usage(conn->limit_info, &used, &max);

	if (!refusable)
	{
		statement_budget.calls++;
		return;
	}

	if (limit > 0 && statement_budget.calls >= (uint64) limit)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("%s", failure),
				 errdetail_plural("The statement made %llu API request to Salesforce server \"%s\", as many as option \"max_api_calls\" allows; 0 remain.",
								  "The statement made %llu API requests to Salesforce server \"%s\", as many as option \"max_api_calls\" allows; 0 remain.",
								  (unsigned long) statement_budget.calls,
								  (unsigned long long) statement_budget.calls,
								  conn->server_name),
				 errhint("Raise \"max_api_calls\" of the server or of the foreign tables, or make the statement read fewer pages.")));

	if (conn->opts.api_reserve_percent > 0 && known &&
		(max - used) * 100 < (int64) conn->opts.api_reserve_percent * max)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("%s", failure),
				 errdetail("The org of Salesforce server \"%s\" has %lld of its %lld daily API requests left, less than the %d%% kept in reserve by option \"api_reserve_percent\"; the statement made %llu API requests.",
						   conn->server_name, (long long) Max(max - used, 0),
						   (long long) max, conn->opts.api_reserve_percent,
						   (unsigned long long) statement_budget.calls),
				 errhint("Wait until the org's rolling 24-hour allowance frees up, or lower \"api_reserve_percent\".")));

	statement_budget.calls++;
}

/*
 * report_outcome_unknown
 *		Raise the error for a write whose answer was lost after it left.
 */
static void
report_outcome_unknown(SfConnection *conn, const char *failure)
{
	ereport(ERROR,
			(errcode(ERRCODE_CONNECTION_FAILURE),
			 errmsg("%s", failure),
			 errdetail_internal("The outcome is unknown: the request reached Salesforce server \"%s\" but its answer was lost (%s); it was not sent again.",
								conn->server_name, conn->errbuf),
			 errhint("Check on Salesforce which records were written before running the statement again.")));
}

/*
 * SfConnectionUserMapping
 *		The OID of the user mapping the connection serves.
 */
Oid
SfConnectionUserMapping(SfConnection *conn)
{
	return conn->umid;
}

/*
 * SfConnectionServerName
 *		The name of the connection's foreign server, for messages.
 */
const char *
SfConnectionServerName(SfConnection *conn)
{
	return conn->server_name;
}

/*
 * SfConnectionRequests
 *		API requests made through the connection by this backend so far.
 */
uint64
SfConnectionRequests(SfConnection *conn)
{
	return conn->request_count;
}

/*
 * SfTransportError
 *		curl's (or our) text for the last request that got no usable answer.
 */
const char *
SfTransportError(SfConnection *conn)
{
	return conn->errbuf;
}

/*
 * SfApiPath
 *		"/services/data/vXX.X/<resource>" (palloc'd); the bare API path when
 *		'resource' is NULL or empty.
 */
char *
SfApiPath(SfConnection *conn, const char *resource)
{
	if (resource == NULL || resource[0] == '\0')
		return pstrdup(conn->api_path);
	return psprintf("%s%s%s", conn->api_path, resource[0] == '/' ? "" : "/",
					resource);
}

/*
 * SfJsonParse
 *		Parse one JSON document; NULL if the text is not exactly one JSON
 *		value.  The tree is owned by CurrentMemoryContext: a reset callback
 *		frees it, so it goes away with the context even after an error.
 *		Borrowed pointers into it stay valid until then.  'text' must be
 *		NUL-terminated at text[len] (a StringInfo is).
 */
json_object *
SfJsonParse(const char *text, size_t len)
{
	SfJsonOwner *owner;
	json_tokener *tok;
	json_object *doc;
	size_t		end;

	if (text == NULL || len == 0 || len >= (size_t) INT_MAX)
		return NULL;

	/* allocate the owner first: after the parse nothing may throw */
	owner = palloc0(sizeof(SfJsonOwner));
	tok = json_tokener_new_ex(SF_JSON_MAX_DEPTH);
	if (tok == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));

	/* include the terminating NUL so a top-level number is complete */
	doc = json_tokener_parse_ex(tok, text, (int) len + 1);
	if (doc != NULL && json_tokener_get_error(tok) == json_tokener_success)
	{
#if defined(JSON_C_VERSION_NUM) && JSON_C_VERSION_NUM >= ((0 << 16) | (15 << 8))
		end = json_tokener_get_parse_end(tok);
#else
		end = (size_t) tok->char_offset;
#endif
		while (end < len && (text[end] == ' ' || text[end] == '\t' ||
							 text[end] == '\r' || text[end] == '\n'))
			end++;
		if (end < len)
		{
			json_object_put(doc);
			doc = NULL;
		}
	}
	else if (doc != NULL)
	{
		json_object_put(doc);
		doc = NULL;
	}
	json_tokener_free(tok);

	if (doc == NULL)
	{
		pfree(owner);
		return NULL;
	}
	return adopt_json(owner, doc);
}

/*
 * adopt_json
 *		Make CurrentMemoryContext the owner of 'doc' (cannot fail).
 */
static json_object *
adopt_json(SfJsonOwner *owner, json_object *doc)
{
	owner->doc = doc;
	owner->callback.func = release_json;
	owner->callback.arg = owner;
	MemoryContextRegisterResetCallback(CurrentMemoryContext,
									   &owner->callback);
	live_json_documents++;
	return doc;
}

/* Memory context reset callback: free an owned json-c document. */
static void
release_json(void *arg)
{
	SfJsonOwner *owner = (SfJsonOwner *) arg;

	if (owner->doc != NULL)
	{
		json_object_put(owner->doc);
		owner->doc = NULL;
		live_json_documents--;
	}
}

/*
 * raw_text_json
 *		A json string holding a non-JSON body (an HTML error page, shortened
 *		when 'truncate', or a CSV result), owned like a parsed document.
 */
static json_object *
raw_text_json(const char *text, size_t len, bool truncate)
{
	SfJsonOwner *owner = palloc0(sizeof(SfJsonOwner));
	json_object *doc;

	if (truncate && len > 4 * SF_MAX_RAW_DETAIL)
		len = 4 * SF_MAX_RAW_DETAIL;
	doc = json_object_new_string_len(text, (int) len);
	if (doc == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	return adopt_json(owner, doc);
}

/*
 * SfJsonGetString
 *		The string member 'key' of a json object, or NULL when 'obj' is not an
 *		object or the member is absent or not a string.  The pointer is
 *		borrowed: valid as long as the document.
 */
const char *
SfJsonGetString(json_object *obj, const char *key)
{
	json_object *val;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
		!json_object_object_get_ex(obj, key, &val) ||
		!json_object_is_type(val, json_type_string))
		return NULL;
	return json_object_get_string(val);
}

/*
 * append_raw_text
 *		Append a short, printable excerpt of a body that is not ours to
 *		trust: whitespace runs collapse to one space, other control and
 *		non-ASCII bytes become '?', and the text stops after
 *		SF_MAX_RAW_DETAIL characters.
 */
static void
append_raw_text(StringInfo buf, const char *s, size_t len)
{
	size_t		shown = 0;
	bool		space = false;

	for (size_t i = 0; i < len && s[i] != '\0'; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
		{
			space = true;
			continue;
		}
		if (shown >= SF_MAX_RAW_DETAIL)
		{
			appendStringInfoString(buf, "...");
			return;
		}
		if (space && shown > 0)
		{
			appendStringInfoChar(buf, ' ');
			shown++;
		}
		space = false;
		appendStringInfoChar(buf, (c < 0x20 || c >= 0x7f) ? '?' : (char) c);
		shown++;
	}
}

/*
 * append_status_detail
 *		"Salesforce returned HTTP status N: <excerpt>" for an error response
 *		that names no error code: the excerpt is the raw text of a non-JSON
 *		body (a json string, see raw_text_json) or the JSON text.
 */
static void
append_status_detail(StringInfo buf, long status, json_object *body)
{
	appendStringInfo(buf, "Salesforce returned HTTP status %ld", status);
	if (body != NULL && json_object_is_type(body, json_type_string))
	{
		appendStringInfoString(buf, ": ");
		append_raw_text(buf, json_object_get_string(body),
						json_object_get_string_len(body));
	}
	else if (body != NULL)
	{
		const char *text = json_object_to_json_string(body);

		appendStringInfoString(buf, ": ");
		append_raw_text(buf, text, strlen(text));
	}
	else
		appendStringInfoString(buf, " with an empty body.");
}

/*
 * SfAppendRemoteText
 *		Append a string Salesforce sent (UTF-8) to an error message: as is
 *		when the database speaks UTF-8 (or SQL_ASCII), otherwise with the
 *		non-ASCII bytes replaced by '?', since a failed conversion must not
 *		replace the error being reported.  NULL (a JSON null) appends
 *		nothing.
 */
void
SfAppendRemoteText(StringInfo buf, const char *s)
{
	int			encoding = GetDatabaseEncoding();
	int			len;

	if (s == NULL)
		return;
	len = (int) strlen(s);

	if (encoding == PG_SQL_ASCII ||
		(encoding == PG_UTF8 && pg_verify_mbstr(PG_UTF8, s, len, true)))
	{
		appendBinaryStringInfo(buf, s, len);
		return;
	}
	for (int i = 0; i < len; i++)
		appendStringInfoChar(buf, IS_HIGHBIT_SET(s[i]) ? '?' : s[i]);
}

/*
 * SfErrorCodeSqlstate
 *		The SQLSTATE of a Salesforce errorCode or statusCode, or 0 when it
 *		is not one we know; *hint (if not NULL) gets its hint or NULL.
 */
int
SfErrorCodeSqlstate(const char *code, const char **hint)
{
	if (hint != NULL)
		*hint = NULL;
	if (code == NULL)
		return 0;
	for (const SfErrorCodeMap *m = error_code_map; m->code; m++)
	{
		if (strcmp(m->code, code) == 0)
		{
			if (hint != NULL)
				*hint = m->hint;
			return m->sqlstate;
		}
	}
	if (strncmp(code, "INSUFFICIENT_ACCESS", 19) == 0)
		return ERRCODE_INSUFFICIENT_PRIVILEGE;
	return 0;
}

/*
 * SfReportError
 *		Raise the error for a Salesforce error response: 'failure' as the
 *		primary message, a SQLSTATE and hint chosen from the first errorCode (or
 *		the HTTP status), and every error's errorCode and message in the
 *		detail.  'body' is the parsed body (an array of {errorCode, message}
 *		for REST errors), a json string with a non-JSON body's text, or NULL.
 */
void
SfReportError(SfConnection *conn, const char *failure, int status,
			  json_object *body)
{
	StringInfoData detail;
	const char *first_code = NULL;
	const char *first_message = NULL;
	int			sqlstate;
	const char *hint = NULL;

	initStringInfo(&detail);
	if (failure == NULL)
		failure = "could not complete a Salesforce request";

	if (body != NULL && json_object_is_type(body, json_type_array))
	{
		size_t		n = json_object_array_length(body);

		for (size_t i = 0; i < n; i++)
		{
			json_object *err = json_object_array_get_idx(body, i);
			const char *code = SfJsonGetString(err, "errorCode");
			const char *message = SfJsonGetString(err, "message");
			json_object *fields;

			/* sObject Collections name it statusCode */
			if (code == NULL)
				code = SfJsonGetString(err, "statusCode");
			if (code == NULL && message == NULL)
				continue;
			if (first_code == NULL)
			{
				first_code = code;
				first_message = message;
			}
			if (detail.len > 0)
				appendStringInfoChar(&detail, '\n');
			SfAppendRemoteText(&detail, code ? code : "(no errorCode)");
			appendStringInfoString(&detail, ": ");
			SfAppendRemoteText(&detail, message ? message : "");
			if (json_object_object_get_ex(err, "fields", &fields) &&
				json_object_is_type(fields, json_type_array) &&
				json_object_array_length(fields) > 0)
			{
				const char *sep = " ";

				appendStringInfoString(&detail, " (fields:");
				for (size_t j = 0; j < json_object_array_length(fields); j++)
				{
					const char *f = json_object_get_string(json_object_array_get_idx(fields, j));

					if (f == NULL)
						continue;	/* a JSON null */
					appendStringInfoString(&detail, sep);
					SfAppendRemoteText(&detail, f);
					sep = ", ";
				}
				appendStringInfoChar(&detail, ')');
			}
		}
	}
	else if (body != NULL && json_object_is_type(body, json_type_object) &&
			 (SfJsonGetString(body, "error") != NULL ||
			  SfJsonGetString(body, "errorCode") != NULL))
	{
		/*
		 * OAuth-style {"error", "error_description"} or a lone {"errorCode",
		 * "message"}
		 */
		bool		oauth = SfJsonGetString(body, "error") != NULL;

		first_code = SfJsonGetString(body, oauth ? "error" : "errorCode");
		first_message = SfJsonGetString(body, oauth ? "error_description" : "message");
		SfAppendRemoteText(&detail, first_code);
		appendStringInfoString(&detail, ": ");
		SfAppendRemoteText(&detail, first_message ? first_message : "");
	}

	if (detail.len == 0)
		append_status_detail(&detail, status, body);

	/* the SQLSTATE and hint: by errorCode first, else by HTTP status */
	if (status == 401)
		sqlstate = ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
	else if (status == 403)
		sqlstate = ERRCODE_INSUFFICIENT_PRIVILEGE;
	else if (status == 404)
		sqlstate = ERRCODE_FDW_ERROR;
	else if (status >= 500)
	{
		sqlstate = ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION;
		if (status == 502 || status == 503 || status == 504)
			hint = "Salesforce is temporarily unavailable (for example during maintenance); retry later.";
	}
	else
		sqlstate = ERRCODE_FDW_ERROR;

	if (first_code != NULL)
	{
		const char *code_hint = NULL;
		int			code_sqlstate = SfErrorCodeSqlstate(first_code,
														&code_hint);

		if (code_sqlstate != 0)
			sqlstate = code_sqlstate;
		if (code_hint != NULL)
			hint = code_hint;
		if (strcmp(first_code, "INVALID_SESSION_ID") == 0 &&
			first_message != NULL &&
			strstr(first_message, "not valid for use with the REST API") != NULL)
			hint = "Add the \"Manage user data via APIs (api)\" scope to the External Client App's OAuth scopes.";
		if (strcmp(first_code, "REQUEST_LIMIT_EXCEEDED") == 0)
		{
			if (first_message != NULL &&
				strstr(first_message, "ConcurrentPerOrgLongTxn") != NULL)
				hint = "Too many long-running requests are running in the org at once; retry when fewer run.";
			else
				hint = "The org's daily API request quota (DailyApiRequests, a rolling 24-hour window) is used up; wait for it to free up or ask Salesforce for a higher limit.";
		}
	}

	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("%s", failure),
			 errdetail_internal("%s", detail.data),
			 hint ? errhint("%s", hint) : 0));
}

/*
 * SfQueryOpen
 *		Prepare a cursor over the pages of a SOQL query (query, or queryAll
 *		to include deleted and archived records).  Nothing is sent until the
 *		first SfQueryNextPage().  The cursor lives in a child of
 *		CurrentMemoryContext; 'sobject' (may be NULL) names the object in
 *		error messages.
 */
SfQueryCursor *
SfQueryOpen(SfConnection *conn, const char *soql, bool query_all,
			int fetch_size, const char *sobject)
{
	MemoryContext cxt;
	MemoryContext oldcxt;
	SfQueryCursor *cursor;
	StringInfoData path;

	cxt = AllocSetContextCreate(CurrentMemoryContext,
								"salesforce_fdw query cursor",
								ALLOCSET_SMALL_SIZES);
	oldcxt = MemoryContextSwitchTo(cxt);

	cursor = palloc0(sizeof(SfQueryCursor));
	cursor->conn = conn;
	cursor->cxt = cxt;
	cursor->soql = pstrdup(soql);
	cursor->failure = sobject ?
		psprintf("could not query Salesforce object \"%s\"", sobject) :
		pstrdup("could not run a SOQL query");
	cursor->total_size = -1;
	cursor->cleanup.func = query_abandon_prefetch;
	cursor->cleanup.arg = cursor;
	MemoryContextRegisterResetCallback(cxt, &cursor->cleanup);

	/* Salesforce clamps batchSize to 200..2000; so do we */
	fetch_size = Max(SF_MIN_FETCH_SIZE, Min(SF_MAX_FETCH_SIZE, fetch_size));
	cursor->options_header = psprintf("Sforce-Query-Options: batchSize=%d",
									  fetch_size);

	/* Salesforce reads the query as UTF-8, whatever the database speaks */
	initStringInfo(&path);
	appendStringInfo(&path, "%s/%s?q=", conn->api_path,
					 query_all ? "queryAll" : "query");
	append_urlencoded(&path, pg_server_to_any(soql, strlen(soql), PG_UTF8));
	cursor->next_path = path.data;
	if (path.len > SF_MAX_REQUEST_TARGET)
	{
		StringInfoData body;

		/*
		 * Too long for a URI: the query goes as a GET subrequest in the body
		 * of a Composite request (one API call); its nextRecordsUrl pages are
		 * short again.
		 */
		initStringInfo(&body);
		appendStringInfoString(&body, "{\"allOrNone\":false,\"compositeRequest\":[{\"method\":\"GET\",\"url\":");
		escape_json(&body, path.data);
		appendStringInfo(&body, ",\"referenceId\":\"query\",\"httpHeaders\":{\"Sforce-Query-Options\":\"batchSize=%d\"}}]}",
						 fetch_size);
		cursor->composite_body = body.data;
	}

	MemoryContextSwitchTo(oldcxt);
	return cursor;
}

/* Error context of a query's requests: the SOQL (never a token). */
static void
query_error_callback(void *arg)
{
	SfQueryCursor *cursor = (SfQueryCursor *) arg;

	errcontext("SOQL query: %s", cursor->soql);
}

/*
 * SfQueryNextPage
 *		Fetch the next page and return its "records" array (possibly empty),
 *		or NULL when the query has no more pages.  The whole response is
 *		owned by 'page_cxt': the array is valid until that context is reset.
 *		Numbers keep their original text (json_object_to_json_string of a
 *		double returns the digits Salesforce sent, with json-c 0.13+).
 */
json_object *
SfQueryNextPage(SfQueryCursor *cursor, MemoryContext page_cxt)
{
	SfRequest	req;
	const char *headers[2];
	json_object *json = NULL;
	json_object *records;
	json_object *val;
	MemoryContext oldcxt;
	ErrorContextCallback errcallback;
	uint64		before = cursor->conn->request_count;
	uint64		retries_before = cursor->conn->retry_count;
	const void *started = NULL;
	uint64		before_prefetch;

	if (cursor->done)
		return NULL;
	if (cursor->prefetched &&
		SfHttpBackgroundOwner(cursor->conn->http) == (const void *) cursor)
		started = cursor;
	cursor->prefetched = false;

	headers[0] = cursor->options_header;
	headers[1] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = cursor->next_path;
	req.headers = headers;
	req.retryable = true;
	if (cursor->composite_body != NULL)
	{
		/* the query does not fit in a URI: a GET subrequest of Composite */
		req.method = "POST";
		req.path = SfApiPath(cursor->conn, "composite");
		req.body = cursor->composite_body;
	}

	errcallback.callback = query_error_callback;
	errcallback.arg = cursor;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	oldcxt = MemoryContextSwitchTo(page_cxt);
	perform_request(cursor->conn, &req, 0, cursor->failure, &json, started,
					cursor);
	MemoryContextSwitchTo(oldcxt);
	cursor->requests += cursor->conn->request_count - before;
	cursor->retries += cursor->conn->retry_count - retries_before;
	if (cursor->composite_body != NULL)
	{
		json = composite_query_page(cursor, json);
		pfree(cursor->composite_body);
		cursor->composite_body = NULL;
	}

	if (json == NULL || !json_object_is_type(json, json_type_object) ||
		!json_object_object_get_ex(json, "records", &records) ||
		!json_object_is_type(records, json_type_array))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("%s", cursor->failure),
				 errdetail("The query response has no \"records\" array.")));

	/*
	 * A page of the wrong shape must not pass for a short answer: "done" is a
	 * boolean, a page that is not the last names the next one, and every
	 * record is an object.
	 */
	if (!json_object_object_get_ex(json, "done", &val) ||
		!json_object_is_type(val, json_type_boolean))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("%s", cursor->failure),
				 errdetail("The query response has no boolean \"done\".")));
	if (!json_object_get_boolean(val) &&
		(!json_object_object_get_ex(json, "nextRecordsUrl", &val) ||
		 !json_object_is_type(val, json_type_string) ||
		 json_object_get_string_len(val) == 0))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("%s", cursor->failure),
				 errdetail("The query response is not the last page but has no \"nextRecordsUrl\".")));
	for (size_t i = 0; i < json_object_array_length(records); i++)
	{
		if (!json_object_is_type(json_object_array_get_idx(records, i),
								 json_type_object))
			ereport(ERROR,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 errmsg("%s", cursor->failure),
					 errdetail("Record %zu of the query response is not a JSON object.",
							   i + 1)));
	}

	error_context_stack = errcallback.previous;

	if (json_object_object_get_ex(json, "totalSize", &val))
		cursor->total_size = json_object_get_int64(val);

	if (json_object_object_get_ex(json, "done", &val) &&
		!json_object_get_boolean(val) &&
		json_object_object_get_ex(json, "nextRecordsUrl", &val) &&
		json_object_is_type(val, json_type_string))
	{
		const char *next = json_object_get_string(val);

		/*
		 * A server that makes no progress would be asked again until the
		 * statement is cancelled, each time an API call: a page naming itself
		 * as the next one, or pages without records that are not the last,
		 * end the query.
		 */
		if (json_object_array_length(records) > 0)
			cursor->empty_pages = 0;
		else
			cursor->empty_pages++;
		if (strcmp(next, cursor->next_path) == 0 ||
			cursor->empty_pages >= SF_MAX_EMPTY_PAGES)
		{
			error_context_stack = &errcallback;
			ereport(ERROR,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 errmsg("%s", cursor->failure),
					 strcmp(next, cursor->next_path) == 0
					 ? errdetail("Salesforce answered a query page with a link to the same page as the next one; the query was stopped after " UINT64_FORMAT " API requests.",
								 cursor->requests)
					 : errdetail("Salesforce answered %d query pages in a row that hold no records and are not the last; the query was stopped after " UINT64_FORMAT " API requests.",
								 cursor->empty_pages, cursor->requests)));
		}
		pfree(cursor->next_path);
		cursor->next_path = MemoryContextStrdup(cursor->cxt, next);
	}
	else
	{
		pfree(cursor->next_path);
		cursor->next_path = NULL;
		cursor->done = true;
	}

	/*
	 * A scan that came back for a second page is likely to want the rest:
	 * from then on the next page is asked for while this one is returned.
	 * (Asking ahead after the first page would cost an API call for every
	 * scan that a LIMIT or a join stops within its first page.)
	 */
	cursor->pages++;
	before_prefetch = cursor->conn->request_count;
	if (cursor->prefetched &&
		(cursor->done || strcmp(cursor->prefetch_path, cursor->next_path) != 0))
	{
		/* asked ahead for a page the parsed answer does not name */
		SfHttpAbandon(cursor->conn->http, cursor);
		cursor->prefetched = false;
	}
	if (!cursor->done && cursor->pages >= 2 && !cursor->prefetched)
	{
		query_prefetch(cursor, cursor->next_path);
		cursor->requests += cursor->conn->request_count - before_prefetch;
	}

	return records;
}

/*
 * query_prefetch_early
 *		Ask for the next page as soon as this page's answer arrived, before
 *		it is parsed: Salesforce writes "nextRecordsUrl" near the start of a
 *		query page, ahead of the records.  Only a plainly written URL is
 *		taken; SfQueryNextPage checks it against the parsed page (and drops
 *		the request if they differ).  Applies to the second page on, as
 *		query_prefetch does, and not to a page without records or naming
 *		itself as the next (SfQueryNextPage stops such queries).
 */
static void
query_prefetch_early(SfQueryCursor *cursor, const char *body, size_t len)
{
	static const char key[] = "\"nextRecordsUrl\":\"";
	const char *start;
	const char *end;
	char	   *path;
	size_t		window = Min(len, 1024);

	if (cursor->pages < 1 || cursor->prefetched || cursor->composite_body)
		return;
	start = memmem(body, window, key, sizeof(key) - 1);
	if (start == NULL)
		return;
	start += sizeof(key) - 1;
	end = memchr(start, '"', len - (start - body));
	if (end == NULL || end == start || end - start > SF_MAX_REQUEST_TARGET ||
		memchr(start, '\\', end - start) != NULL ||
		memmem(body, window, "\"records\":[]", 12) != NULL)
		return;
	path = pnstrdup(start, end - start);
	if (strcmp(path, cursor->next_path) == 0)
	{
		pfree(path);
		return;
	}
	query_prefetch(cursor, path);
	pfree(path);
}

/*
 * query_prefetch
 *		Ask for the query page at 'path' in the background (start_ahead).
 */
static void
query_prefetch(SfQueryCursor *cursor, const char *path)
{
	const char *headers[2];

	headers[0] = cursor->options_header;
	headers[1] = NULL;
	if (start_ahead(cursor->conn, cursor, path, headers, cursor->failure))
	{
		cursor->prefetched = true;
		if (cursor->prefetch_path != NULL)
			pfree(cursor->prefetch_path);
		cursor->prefetch_path = MemoryContextStrdup(cursor->cxt, path);
	}
}

/*
 * start_ahead
 *		Send a GET of 'path' (with 'headers', which may replace the default
 *		Accept) in the background for 'owner', as perform_request would send
 *		it, if nothing stands in the way: a token, a free background slot,
 *		room in the statement's API budget, a path on the instance.  Returns
 *		whether it went out; if not, the request is made when it is needed,
 *		and any error is raised then.
 */
static bool
start_ahead(SfConnection *conn, const void *owner, const char *path,
			const char *const *headers, const char *failure)
{
	size_t		len;
	const char *all[8];
	int			n = 0;
	bool		own_accept = false;
	char	   *url;
	char	   *auth;
	bool		started;

	if (conn->access_token == NULL || conn->instance_url == NULL ||
		SfHttpBackgroundOwner(conn->http) != NULL || !api_call_allowed(conn))
		return false;
	/* a full URL must be on the instance (request_url raises otherwise) */
	len = strlen(conn->instance_url);
	if ((pg_strncasecmp(path, "http://", 7) == 0 ||
		 pg_strncasecmp(path, "https://", 8) == 0) &&
		(pg_strncasecmp(path, conn->instance_url, len) != 0 ||
		 path[len] != '/'))
		return false;

	url = request_url(conn, path, failure);
	auth = psprintf("Authorization: Bearer %s", conn->access_token);
	all[n++] = auth;
	for (int i = 0; headers != NULL && headers[i] != NULL && n < 6; i++)
	{
		if (pg_strncasecmp(headers[i], "Accept:", 7) == 0)
			own_accept = true;
		all[n++] = headers[i];
	}
	if (!own_accept)
		all[n++] = "Accept: application/json";
	all[n] = NULL;
	charge_api_call(conn, failure, true);
	conn->request_count++;
	started = SfHttpStart(conn->http, owner, url, all,
						  conn->opts.connect_timeout,
						  conn->opts.request_timeout) == 0;
	explicit_bzero(auth, strlen(auth));
	pfree(auth);
	pfree(url);
	return started;
}

/*
 * SfRequestAhead
 *		Start the GET 'req' in the background on behalf of 'owner' (any
 *		pointer naming the caller), to be taken with SfPerformRequestAhead or
 *		dropped with SfAbandonAhead.  One request ahead per connection: false
 *		when it could not go out (then nothing is pending for 'owner').
 */
bool
SfRequestAhead(SfConnection *conn, const SfRequest *req, const void *owner,
			   const char *failure)
{
	Assert(strcmp(req->method, "GET") == 0 && req->retryable);
	return start_ahead(conn, owner, req->path, req->headers, failure);
}

/*
 * SfPerformRequestAhead
 *		SfPerformRequest for a request that SfRequestAhead may have started
 *		for 'owner': its answer, when still pending, is taken as the first
 *		attempt's (with the same retries and errors).  'req' must be the
 *		request that was started.
 */
int
SfPerformRequestAhead(SfConnection *conn, const SfRequest *req, int flags,
					  json_object **json_out, const char *failure,
					  const void *owner)
{
	const void *started = NULL;

	if (owner != NULL && SfHttpBackgroundOwner(conn->http) == owner)
		started = owner;
	return perform_request(conn, req, flags, failure, json_out, started,
						   NULL);
}

/*
 * SfPollAhead
 *		Let a request sent ahead make progress (call it between rows).
 */
void
SfPollAhead(SfConnection *conn)
{
	SfHttpPoll(conn->http);
}

/*
 * SfAbandonAhead
 *		Drop 'owner's request sent ahead, if any (never fails: it may run
 *		in a memory context callback).
 */
void
SfAbandonAhead(SfConnection *conn, const void *owner)
{
	SfHttpAbandon(conn->http, owner);
}

/*
 * SfQueryPoll
 *		Let the next page's request make progress (call it between rows):
 *		keeps the socket drained while the current page is returned.
 */
void
SfQueryPoll(SfQueryCursor *cursor)
{
	if (cursor->prefetched)
		SfHttpPoll(cursor->conn->http);
}

/*
 * query_abandon_prefetch
 *		Memory context callback of a cursor: drop its request in flight.
 */
static void
query_abandon_prefetch(void *arg)
{
	SfQueryCursor *cursor = (SfQueryCursor *) arg;

	if (cursor->prefetched)
		SfHttpAbandon(cursor->conn->http, cursor);
	cursor->prefetched = false;
}

/*
 * composite_query_page
 *		The query page inside a Composite answer of one GET subrequest; a
 *		failed subrequest raises its error as a direct query would.
 */
static json_object *
composite_query_page(SfQueryCursor *cursor, json_object *json)
{
	json_object *results;
	json_object *sub;
	json_object *val;
	json_object *body = NULL;
	int			status;

	if (json == NULL || !json_object_is_type(json, json_type_object) ||
		!json_object_object_get_ex(json, "compositeResponse", &results) ||
		!json_object_is_type(results, json_type_array) ||
		json_object_array_length(results) != 1 ||
		(sub = json_object_array_get_idx(results, 0)) == NULL ||
		!json_object_object_get_ex(sub, "httpStatusCode", &val))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("%s", cursor->failure),
				 errdetail("The Composite response has no \"compositeResponse\" array of 1 item.")));
	status = json_object_get_int(val);
	(void) json_object_object_get_ex(sub, "body", &body);
	if (status < 200 || status >= 300)
		SfReportError(cursor->conn, cursor->failure, status, body);
	return body;
}

/*
 * SfSoqlNeedsComposite
 *		Would the query's request target exceed SF_MAX_REQUEST_TARGET bytes
 *		(percent-encoded, in UTF-8)?  Such a query's first page is fetched
 *		through Composite; EXPLAIN says so.
 */
bool
SfSoqlNeedsComposite(const char *soql)
{
	const char *utf8 = pg_server_to_any(soql, strlen(soql), PG_UTF8);
	size_t		len = strlen("/services/data/v66.0/queryAll?q=");

	for (const unsigned char *p = (const unsigned char *) utf8; *p; p++)
	{
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
			*p == '_' || *p == '~')
			len += 1;
		else
			len += 3;
	}
	return len > SF_MAX_REQUEST_TARGET;
}

/*
 * SfQueryTotalSize
 *		The query's totalSize (all matching rows; for COUNT() the count), or
 *		-1 before the first page was fetched.
 */
int64
SfQueryTotalSize(SfQueryCursor *cursor)
{
	return cursor->total_size;
}

/*
 * SfQueryRequests
 *		API requests made for this query so far (re-authentication retries
 *		included).
 */
uint64
SfQueryRequests(SfQueryCursor *cursor)
{
	return cursor->requests;
}

/*
 * SfQueryRetries
 *		Retries among the requests of this query so far.
 */
uint64
SfQueryRetries(SfQueryCursor *cursor)
{
	return cursor->retries;
}

/*
 * SfQueryClose
 *		Free the cursor.  REST query locators need no closing on Salesforce's
 *		side (they expire by themselves).
 */
void
SfQueryClose(SfQueryCursor *cursor)
{
	if (cursor != NULL)
		MemoryContextDelete(cursor->cxt);
}

/* ---------------------------------------------------------------------
 * SQL-callable functions
 * ---------------------------------------------------------------------
 */

/*
 * SfConnectionForServer
 *		The connection of the current user for a server named in SQL.  These
 *		functions reach the server directly (not through a foreign table the
 *		user was granted), so, as dblink does, they need USAGE on it: a user
 *		mapping FOR PUBLIC must not let every role spend the org's API quota.
 */
SfConnection *
SfConnectionForServer(const char *server_name)
{
	ForeignServer *server = GetForeignServerByName(server_name, false);
	UserMapping *user;
	AclResult	aclresult;

	aclresult = sf_server_aclcheck(server->serverid, GetUserId(), ACL_USAGE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FOREIGN_SERVER, server->servername);
	user = GetUserMapping(GetUserId(), server->serverid);
	return SfGetConnection(user);
}

/* GET /limits: the org's limits as a json object (owned by the context). */
static json_object *
fetch_limits(SfConnection *conn)
{
	SfRequest	req;
	json_object *json = NULL;
	char	   *failure;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = SfApiPath(conn, "limits");
	req.retryable = true;
	failure = psprintf("could not read the limits of Salesforce server \"%s\"",
					   conn->server_name);
	SfPerformRequest(conn, &req, 0, &json, failure);
	if (json == NULL || !json_object_is_type(json, json_type_object))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("%s", failure),
				 errdetail("The limits response is not a JSON object.")));
	return json;
}

/* values[0..2] = max, remaining, used of one {Max, Remaining} entry */
static void
limit_values(json_object *entry, Datum *values, bool *nulls)
{
	json_object *max;
	json_object *remaining;
	bool		has_max = json_object_object_get_ex(entry, "Max", &max) &&
	!json_object_is_type(max, json_type_null);
	bool		has_remaining = json_object_object_get_ex(entry, "Remaining",
														  &remaining) &&
	!json_object_is_type(remaining, json_type_null);

	nulls[0] = !has_max;
	nulls[1] = !has_remaining;
	nulls[2] = !(has_max && has_remaining);
	values[0] = has_max ? Int64GetDatum(json_object_get_int64(max)) : (Datum) 0;
	values[1] = has_remaining ?
		Int64GetDatum(json_object_get_int64(remaining)) : (Datum) 0;
	values[2] = (has_max && has_remaining) ?
		Int64GetDatum(json_object_get_int64(max) -
					  json_object_get_int64(remaining)) : (Datum) 0;
}

/*
 * SfBeginMaterialize
 *		Set up a materialized set-returning function call (PostgreSQL
 *		13..18): the tuplestore to fill and its descriptor.
 */
Tuplestorestate *
SfBeginMaterialize(FunctionCallInfo fcinfo, TupleDesc *tupdesc)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext oldcxt;
	Tuplestorestate *tupstore;
	TupleDesc	desc;
	TypeFuncClass result_class;
	Oid			result_type;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	result_class = get_call_result_type(fcinfo, &result_type, &desc);
	if (result_class != TYPEFUNC_COMPOSITE && result_class != TYPEFUNC_SCALAR)
		elog(ERROR, "return type must be a row type");

	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	if (result_class == TYPEFUNC_SCALAR)
	{
		/* RETURNS TABLE with one column: rows of that one value */
		desc = CreateTemplateTupleDesc(1);
		TupleDescInitEntry(desc, (AttrNumber) 1, "value", result_type, -1, 0);
	}
	else
		desc = CreateTupleDescCopy(desc);
	tupstore = tuplestore_begin_heap(rsinfo->allowedModes & SFRM_Materialize_Random,
									 false, work_mem);
	MemoryContextSwitchTo(oldcxt);

	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tupstore;
	rsinfo->setDesc = desc;
	*tupdesc = desc;
	return tupstore;
}

PG_FUNCTION_INFO_V1(salesforce_limits);
PG_FUNCTION_INFO_V1(salesforce_api_usage);
PG_FUNCTION_INFO_V1(salesforce_connection_stats);

/*
 * salesforce_limits(server_name text)
 *		One row per entry of the org's /limits resource: name, max,
 *		remaining, used.  Per-app sub-entries come as "Entry.App".
 */
Datum
salesforce_limits(PG_FUNCTION_ARGS)
{
	char	   *server_name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	SfConnection *conn = SfConnectionForServer(server_name);
	TupleDesc	tupdesc;
	Tuplestorestate *tupstore = SfBeginMaterialize(fcinfo, &tupdesc);
	json_object *limits = fetch_limits(conn);
	struct json_object_iterator it = json_object_iter_begin(limits);
	struct json_object_iterator end = json_object_iter_end(limits);

	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
	{
		const char *name = json_object_iter_peek_name(&it);
		json_object *entry = json_object_iter_peek_value(&it);
		struct json_object_iterator sub;
		struct json_object_iterator subend;
		Datum		values[4];
		bool		nulls[4];

		if (!json_object_is_type(entry, json_type_object))
			continue;
		values[0] = CStringGetTextDatum(name);
		nulls[0] = false;
		limit_values(entry, values + 1, nulls + 1);
		tuplestore_putvalues(tupstore, tupdesc, values, nulls);

		sub = json_object_iter_begin(entry);
		subend = json_object_iter_end(entry);
		for (; !json_object_iter_equal(&sub, &subend);
			 json_object_iter_next(&sub))
		{
			json_object *app = json_object_iter_peek_value(&sub);

			if (!json_object_is_type(app, json_type_object))
				continue;
			values[0] = CStringGetTextDatum(psprintf("%s.%s", name,
													 json_object_iter_peek_name(&sub)));
			limit_values(app, values + 1, nulls + 1);
			tuplestore_putvalues(tupstore, tupdesc, values, nulls);
		}
	}

	return (Datum) 0;
}

/*
 * salesforce_api_usage(server_name text)
 *		The DailyApiRequests entry of /limits: used, max, remaining.
 */
Datum
salesforce_api_usage(PG_FUNCTION_ARGS)
{
	char	   *server_name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	SfConnection *conn = SfConnectionForServer(server_name);
	json_object *limits = fetch_limits(conn);
	json_object *entry;
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3];
	Datum		limit[3];
	bool		limit_nulls[3];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);

	if (!json_object_object_get_ex(limits, "DailyApiRequests", &entry) ||
		!json_object_is_type(entry, json_type_object))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("could not read the API usage of Salesforce server \"%s\"",
						server_name),
				 errdetail("The limits response has no \"DailyApiRequests\" entry.")));

	/*
	 * limit_values gives max, remaining, used; the function returns used
	 * first
	 */
	limit_values(entry, limit, limit_nulls);
	values[0] = limit[2];
	nulls[0] = limit_nulls[2];
	values[1] = limit[0];
	nulls[1] = limit_nulls[0];
	values[2] = limit[1];
	nulls[2] = limit_nulls[1];

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * salesforce_connection_stats()
 *		One row per cached connection of this backend: server_name,
 *		user_mapping, has_token, api_requests, token_requests, the
 *		backend-wide count of live json-c documents (0 between statements
 *		unless something leaks), the last Sforce-Limit-Info value and the
 *		requests retried.
 */
Datum
salesforce_connection_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Tuplestorestate *tupstore = SfBeginMaterialize(fcinfo, &tupdesc);
	HASH_SEQ_STATUS scan;
	SfConnection *conn;

	if (ConnectionHash == NULL)
		return (Datum) 0;

	hash_seq_init(&scan, ConnectionHash);
	while ((conn = (SfConnection *) hash_seq_search(&scan)) != NULL)
	{
		Datum		values[8];
		bool		nulls[8];

		memset(nulls, 0, sizeof(nulls));
		if (conn->server_name != NULL)
			values[0] = CStringGetTextDatum(conn->server_name);
		else
			nulls[0] = true;
		values[1] = ObjectIdGetDatum(conn->umid);
		values[2] = BoolGetDatum(conn->access_token != NULL &&
								 !conn->invalidated);
		values[3] = Int64GetDatum((int64) conn->request_count);
		values[4] = Int64GetDatum((int64) conn->token_requests);
		values[5] = Int64GetDatum(live_json_documents);
		if (conn->limit_info[0] != '\0')
			values[6] = CStringGetTextDatum(conn->limit_info);
		else
			nulls[6] = true;
		values[7] = Int64GetDatum((int64) conn->retry_count);
		tuplestore_putvalues(tupstore, tupdesc, values, nulls);
	}

	return (Datum) 0;
}
