/*-------------------------------------------------------------------------
 *
 * salesforce_fdw.h
 *		  Internal API between the files of salesforce_fdw.
 *
 * Each .c file owns one concern (see the comment at its top).  This header
 * holds only what crosses files, in dependency order: the option defaults,
 * the PG_VERSION_NUM shims used in planning, scans and writes, then the
 * structs and functions of each file, grouped under "in file.c" comments.
 * What one file uses stays static in it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SALESFORCE_FDW_H
#define SALESFORCE_FDW_H

#include "postgres.h"

/*
 * PostgreSQL's fmgrprotos.h (pulled in by utils/builtins.h) declares the SQL
 * function json_object(), which collides with json-c's type of that name.
 * Include it first with the function renamed; its include guard keeps later
 * #includes of utils/builtins.h from declaring it again.  So every .c file
 * includes this header right after postgres.h, before any other header.
 */
#define json_object pg_json_object_sqlfn
#include "utils/builtins.h"
#undef json_object

#include <json-c/json.h>

#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "nodes/execnodes.h"
#include "commands/explain.h"
#include "nodes/pathnodes.h"
#include "utils/relcache.h"
#include "utils/tuplestore.h"

#define SALESFORCE_FDW_VERSION "1.2"

/* Defaults and ranges of the options (option.c validates against these). */
#define SF_DEFAULT_API_VERSION		"66.0"	/* Spring '26 */
#define SF_DEFAULT_FETCH_SIZE		2000
#define SF_MIN_FETCH_SIZE			200
#define SF_MAX_FETCH_SIZE			2000
#define SF_DEFAULT_CONNECT_TIMEOUT	30	/* seconds */
#define SF_DEFAULT_REQUEST_TIMEOUT	300 /* seconds */
#define SF_DEFAULT_BATCH_SIZE		200 /* records per sObject Collections
										 * call */
#define SF_MIN_BATCH_SIZE			1
#define SF_MAX_BATCH_SIZE			200
#define SF_DEFAULT_MAX_RETRIES		3	/* retries of a request safe to repeat */
#define SF_MAX_RETRIES				10
#define SF_DEFAULT_BULK_READ_THRESHOLD	50000	/* records a scan expects */
#define SF_DEFAULT_BULK_WRITE_THRESHOLD	5000	/* rows a statement writes */
#define SF_MAX_BULK_THRESHOLD		1000000000

/* Values of the option "bulk": when Bulk API 2.0 jobs replace REST calls */
#define SF_BULK_AUTO	0		/* above bulk_read/write_threshold */
#define SF_BULK_ON		1		/* whenever Bulk can serve the statement */
#define SF_BULK_OFF		2		/* never */

/* PostgreSQL version shims (13 through 18 build from the same sources) */
#if PG_VERSION_NUM < 130000
#error "salesforce_fdw requires PostgreSQL 13 or later"
#endif

/*
 * PostgreSQL 18 dropped pg_attribute_noreturn() (placed after the
 * declarator) for pg_noreturn (placed before it).  GCC and Clang accept the
 * attribute after the declarator, so keep the old spelling working.
 */
#if PG_VERSION_NUM >= 180000 && !defined(pg_attribute_noreturn)
#if defined(__GNUC__)
#define pg_attribute_noreturn() __attribute__((noreturn))
#else
#define pg_attribute_noreturn()
#endif
#endif

/*
 * PostgreSQL 17 added the fdw_restrictinfo argument, 18 the disabled_nodes
 * count.
 */
#if PG_VERSION_NUM >= 180000
#define sf_create_foreignscan_path(root, rel, target, rows, startup, total, \
								   pathkeys, outer, outerpath, priv) \
	create_foreignscan_path(root, rel, target, rows, 0, startup, total, \
							pathkeys, outer, outerpath, NIL, priv)
#elif PG_VERSION_NUM >= 170000
#define sf_create_foreignscan_path(root, rel, target, rows, startup, total, \
								   pathkeys, outer, outerpath, priv) \
	create_foreignscan_path(root, rel, target, rows, startup, total, \
							pathkeys, outer, outerpath, NIL, priv)
#else
#define sf_create_foreignscan_path(root, rel, target, rows, startup, total, \
								   pathkeys, outer, outerpath, priv) \
	create_foreignscan_path(root, rel, target, rows, startup, total, \
							pathkeys, outer, outerpath, priv)
#endif

#if PG_VERSION_NUM >= 180000
#define sf_create_foreign_upper_path(root, rel, target, rows, startup, \
									 total, pathkeys, outerpath, priv) \
	create_foreign_upper_path(root, rel, target, rows, 0, startup, total, \
							  pathkeys, outerpath, NIL, priv)
#elif PG_VERSION_NUM >= 170000
#define sf_create_foreign_upper_path(root, rel, target, rows, startup, \
									 total, pathkeys, outerpath, priv) \
	create_foreign_upper_path(root, rel, target, rows, startup, total, \
							  pathkeys, outerpath, NIL, priv)
#else
#define sf_create_foreign_upper_path(root, rel, target, rows, startup, \
									 total, pathkeys, outerpath, priv) \
	create_foreign_upper_path(root, rel, target, rows, startup, total, \
							  pathkeys, outerpath, priv)
#endif

/* PostgreSQL 14 made string keys of hash tables explicit */
#if PG_VERSION_NUM >= 140000
#define SF_HASH_STRINGS HASH_STRINGS
#else
#define SF_HASH_STRINGS 0
#endif

/*
 * PostgreSQL 18 moved the ExplainProperty* functions and ExplainState to
 * headers of their own
 */
#if PG_VERSION_NUM >= 180000
#include "commands/explain_format.h"
#include "commands/explain_state.h"
#endif

/*
 * PostgreSQL 18 gave PathKey a CompareType (COMPARE_LT, COMPARE_GT) where a
 * btree strategy number was
 */
#if PG_VERSION_NUM >= 180000
#define sf_pathkey_is_asc(pk)	((pk)->pk_cmptype == COMPARE_LT)
#define sf_pathkey_is_desc(pk)	((pk)->pk_cmptype == COMPARE_GT)
#else
#define sf_pathkey_is_asc(pk)	((pk)->pk_strategy == BTLessStrategyNumber)
#define sf_pathkey_is_desc(pk)	((pk)->pk_strategy == BTGreaterStrategyNumber)
#endif

/* PostgreSQL 18 tells vacuum_delay_point() whether ANALYZE calls it */
#if PG_VERSION_NUM >= 180000
#define sf_analyze_delay_point()	vacuum_delay_point(true)
#else
#define sf_analyze_delay_point()	vacuum_delay_point()
#endif

/*
 * Before PostgreSQL 14 the aggregate functions had no fmgroids.h names of
 * their own; their OIDs have not changed since
 */
#if PG_VERSION_NUM < 140000
#define F_MAX_INT8			2115
#define F_MAX_INT4			2116
#define F_MAX_INT2			2117
#define F_MAX_DATE			2122
#define F_MAX_TIMESTAMP		2126
#define F_MAX_TIMESTAMPTZ	2127
#define F_MIN_INT8			2131
#define F_MIN_INT4			2132
#define F_MIN_INT2			2133
#define F_MIN_DATE			2138
#define F_MIN_TIMESTAMP		2142
#define F_MIN_TIMESTAMPTZ	2143
#define F_COUNT_ANY			2147
#define F_COUNT_			2803
#endif

/* numeric has infinities since PostgreSQL 14 */
#if PG_VERSION_NUM < 140000
#define numeric_is_inf(num)		((void) (num), false)
#endif

/* strtoi64() is a macro of c.h since PostgreSQL 15 */
#ifndef strtoi64
#define strtoi64(str, endptr, base)	((int64) strtoll((str), (endptr), (base)))
#endif

/* PostgreSQL 16 moved checkAsUser from the RTE to the ForeignScan */
#if PG_VERSION_NUM >= 160000
#define sf_scan_check_as_user(fsplan, rte)	((fsplan)->checkAsUser)
#else
#define sf_scan_check_as_user(fsplan, rte)	((rte)->checkAsUser)
#endif

/* PostgreSQL 16 replaced the per-object ACL checks by object_aclcheck */
#if PG_VERSION_NUM >= 160000
#define sf_server_aclcheck(serverid, roleid, mode) \
	object_aclcheck(ForeignServerRelationId, (serverid), (roleid), (mode))
#else
#define sf_server_aclcheck(serverid, roleid, mode) \
	pg_foreign_server_aclcheck((serverid), (roleid), (mode))
#endif

/* Columns of an UPDATE's SET list (modify.c), offset by
 * FirstLowInvalidHeapAttributeNumber; PostgreSQL 16 moved them out of the RTE */
#if PG_VERSION_NUM >= 160000
#define sf_updated_columns(root, rti, rte) \
	get_rel_all_updated_cols((root), find_base_rel((root), (rti)))
#else
#define sf_updated_columns(root, rti, rte) \
	bms_union((rte)->updatedCols, (rte)->extraUpdatedCols)
#endif

/* The plan feeding a ModifyTable (one subplan since PostgreSQL 14) */
#if PG_VERSION_NUM >= 140000
#define sf_modify_subplan(mtstate, subplan_index) \
	(outerPlanState(mtstate)->plan)
#else
#define sf_modify_subplan(mtstate, subplan_index) \
	((mtstate)->mt_plans[(subplan_index)]->plan)
#endif

/*
 * Options that decide how to reach and authenticate with one org: the
 * server's options, overridden by the user mapping's.  Strings are palloc'd
 * in the context the caller chose.
 */
typedef struct SfConnOptions
{
	char	   *url;			/* My Domain URL, no trailing slash */
	char	   *api_version;	/* "66.0" (a leading 'v' is stripped) */
	char	   *client_id;
	char	   *client_secret;
	int			connect_timeout;	/* seconds */
	int			request_timeout;	/* seconds, for one HTTP request */
	int			fetch_size;		/* records per query page */
	int			max_retries;	/* retries of a request safe to repeat */
	int			max_api_calls;	/* API requests per statement, 0: no limit */
	int			api_reserve_percent;	/* share of the daily allowance kept */
} SfConnOptions;

/* Options of one foreign table, resolved (defaults applied). */
typedef struct SfTableOptions
{
	char	   *sobject;		/* API name of the sObject */
	bool		query_all;		/* use queryAll: deleted and archived rows too */
	int			fetch_size;		/* records per page (table, else server) */
	int			batch_size;		/* records per write request (table, else
								 * server), 1..200 */
	bool		all_or_none;	/* send writes with allOrNone (table, else
								 * server) */
	char	   *upsert_field;	/* INSERT upserts by this external id field,
								 * or NULL */
	int			max_api_calls;	/* the table's own per-statement API request
								 * limit, 0 if unset (the server's applies) */
	int			bulk;			/* SF_BULK_* (table, else server) */
	int			bulk_read_threshold;	/* records (table, else server) */
	int			bulk_write_threshold;	/* rows (table, else server) */
} SfTableOptions;

/*
 * One HTTP response, copied into palloc'd memory after the transfer ended.
 */
typedef struct SfHttpResponse
{
	long		status;			/* HTTP status, 0 if no response */
	StringInfoData body;		/* raw body (decoded if it was gzip'd) */
	char	   *limit_info;		/* Sforce-Limit-Info header or NULL */
	char	   *locator;		/* Sforce-Locator header or NULL */
	int			retry_after;	/* Retry-After in seconds, -1 if none */
	bool		sent;			/* did any byte of the request leave? */
} SfHttpResponse;

/* Flags for SfHttpPerform */
#define SF_HTTP_FRESH_CONNECT	0x01	/* never over a reused connection */

/* Size of a curl error buffer (CURL_ERROR_SIZE; http.c checks it). */
#define SF_CURL_ERROR_SIZE			256

/* Opaque libcurl wrapper owned by a connection (http.c). */
typedef struct SfHttp SfHttp;

/*
 * A per-backend connection to one org for one user mapping: the cached
 * access token and a reusable HTTP handle.  Opaque outside connection.c.
 */
typedef struct SfConnection SfConnection;

/* Flags for SfPerformRequest */
#define SF_REQ_RETURN_ERRORS	0x01	/* return non-2xx statuses to the
										 * caller */
#define SF_REQ_RAW_BODY			0x02	/* body as a json string, unparsed
										 * (CSV) */
#define SF_REQ_CLEANUP			0x04	/* counted but never refused by the
										 * budget; no retries (job aborts) */

/*
 * One REST request.  'path' is either a path on the instance
 * ("/services/data/v66.0/query?q=...") or, if it starts with "http", a full
 * URL.  'body' may be NULL.  'headers' is a NULL-terminated array of extra
 * "Name: value" headers or NULL.
 */
typedef struct SfRequest
{
	const char *method;			/* "GET", "POST", "PATCH", "PUT", "DELETE" */
	const char *path;
	const char *body;
	const char *content_type;	/* default "application/json" with a body */
	const char *const *headers;
	bool		retryable;		/* safe to send again (a read); a request that
								 * is neither this nor a GET is a write */
	char	  **locator_out;	/* if not NULL: receives the Sforce-Locator
								 * header (palloc'd) or NULL */
	int			timeout;		/* seconds for this request, 0: the server's
								 * request_timeout */
} SfRequest;

/* Opaque cursor over the pages of one SOQL query (connection.c). */
typedef struct SfQueryCursor SfQueryCursor;

/*
 * How one column is filled from a JSON value of a record (convert.c).  Set
 * up once per scan; the names are for error messages.
 */
typedef struct SfColumnConv
{
	Oid			typid;
	int32		typmod;
	int			kind;			/* SF_CONV_* in convert.c */
	FmgrInfo	infunc;			/* input function (of the element type for
								 * arrays) */
	Oid			ioparam;
	Oid			elemtype;		/* arrays: element type */
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;
	const char *sobject;
	const char *field;
	const char *column;
} SfColumnConv;

/*
 * in option.c
 */
extern void SfGetConnOptions(ForeignServer *server, UserMapping *user,
							 SfConnOptions *opts);
extern void SfGetTableOptions(Oid relid, SfTableOptions *opts);
extern char *SfColumnField(Oid relid, AttrNumber attnum);
extern const char *SfUrlProblem(const char *url);
extern bool SfIsApiName(const char *s, int len);
extern int	SfParseIntOption(DefElem *def, int min, int max);
extern bool SfParseBoolOption(DefElem *def);
extern int	SfParseBulkOption(DefElem *def);

/*
 * in convert.c
 */
extern void SfInitColumnConv(SfColumnConv *conv, Oid typid, int32 typmod,
							 const char *sobject, const char *field,
							 const char *column);
extern Datum SfJsonToDatum(SfColumnConv *conv, json_object *value,
						   bool *isnull);
extern Datum SfTextToDatum(SfColumnConv *conv, const char *text, size_t len,
						   bool is_string, bool *isnull);
typedef struct SfRecordWalk SfRecordWalk;
extern SfRecordWalk *SfRecordWalkCreate(int ncolumns,
										const char *const *fields);
extern void SfRecordWalkRecord(SfRecordWalk *walk, json_object *record,
							   json_object **values);

/*
 * in http.c: the transport.  libcurl only; no ereport, no palloc inside curl
 * callbacks.  Returns 0 on a completed exchange (any HTTP status) or a
 * CURLcode; 'errbuf' (CURL_ERROR_SIZE bytes) receives curl's message.
 * A pending cancel or termination aborts the transfer (CURLE_ABORTED_BY_CALLBACK).
 */
extern SfHttp *SfHttpCreate(void);
extern int	SfHttpPerform(SfHttp *http, const char *method, const char *url,
						  const char *const *headers, const char *body,
						  long connect_timeout, long request_timeout,
						  int flags, SfHttpResponse *resp, char *errbuf);
extern int	SfHttpStart(SfHttp *http, const void *owner, const char *url,
						const char *const *headers, long connect_timeout,
						long request_timeout);
extern void SfHttpPoll(SfHttp *http);
extern const void *SfHttpBackgroundOwner(SfHttp *http);
extern int	SfHttpFinish(SfHttp *http, const void *owner,
						 SfHttpResponse *resp, char *errbuf);
extern void SfHttpAbandon(SfHttp *http, const void *owner);

/*
 * in connection.c: authentication, the connection cache, requests with
 * re-authentication, and the one place Salesforce errors become ereports.
 */
extern SfConnection *SfGetConnection(UserMapping *user);
extern int	SfPerformRequest(SfConnection *conn, const SfRequest *req,
							 int flags, json_object **json_out,
							 const char *failure);
extern bool SfRequestAhead(SfConnection *conn, const SfRequest *req,
						   const void *owner, const char *failure);
extern int	SfPerformRequestAhead(SfConnection *conn, const SfRequest *req,
								  int flags, json_object **json_out,
								  const char *failure, const void *owner);
extern void SfPollAhead(SfConnection *conn);
extern void SfAbandonAhead(SfConnection *conn, const void *owner);
extern char *SfApiPath(SfConnection *conn, const char *resource);
extern json_object *SfJsonParse(const char *text, size_t len);
extern const char *SfJsonGetString(json_object *obj, const char *key);
extern void SfReportError(SfConnection *conn, const char *failure,
						  int status, json_object *body) pg_attribute_noreturn();
extern int	SfErrorCodeSqlstate(const char *code, const char **hint);
extern void SfAppendRemoteText(StringInfo buf, const char *s);
extern bool SfRetryWait(SfConnection *conn, int attempt, int retry_after,
						const char *reason);
extern const char *SfTransportError(SfConnection *conn);
extern Oid	SfConnectionUserMapping(SfConnection *conn);
extern const char *SfConnectionServerName(SfConnection *conn);
extern uint64 SfConnectionRequests(SfConnection *conn);
extern void SfLimitStatementApiCalls(int limit);
extern bool SfSoqlNeedsComposite(const char *soql);
extern SfConnection *SfConnectionForServer(const char *server_name);
extern Tuplestorestate *SfBeginMaterialize(FunctionCallInfo fcinfo,
										   TupleDesc *tupdesc);

extern SfQueryCursor *SfQueryOpen(SfConnection *conn, const char *soql,
								  bool query_all, int fetch_size,
								  const char *sobject);
extern json_object *SfQueryNextPage(SfQueryCursor *cursor,
									MemoryContext page_cxt);
extern void SfQueryPoll(SfQueryCursor *cursor);
extern int64 SfQueryTotalSize(SfQueryCursor *cursor);
extern uint64 SfQueryRequests(SfQueryCursor *cursor);
extern uint64 SfQueryRetries(SfQueryCursor *cursor);
extern void SfQueryClose(SfQueryCursor *cursor);

/*
 * in bulk.c: the life of a Bulk API 2.0 job (query or ingest) and a reader
 * of its CSV results.  A job not yet terminal is aborted when the
 * (sub)transaction that created it ends first, for whatever reason.
 */
#define SF_BULK_JOB_ID_SIZE		32

typedef struct SfBulkJob
{
	SfConnection *conn;
	bool		ingest;			/* jobs/ingest, else jobs/query */
	char	   *sobject;		/* for messages */
	char		id[SF_BULK_JOB_ID_SIZE];
	char		state[32];		/* last state seen: "UploadComplete", ... */
	int64		records_processed;	/* numberRecordsProcessed */
	int64		records_failed; /* numberRecordsFailed (ingest) */
	char	   *error_message;	/* errorMessage of a Failed job, or NULL */
	/* API requests about this job, for EXPLAIN ANALYZE */
	uint64		create_requests;
	uint64		poll_requests;
	uint64		result_requests;
	uint64		other_requests; /* uploads, state changes, abort */
	bool		registered;		/* in the abort registry (not terminal) */
	char	   *ahead_path;		/* results page asked for ahead, or NULL */
} SfBulkJob;

/* A CSV text read one row at a time (values valid until the next row) */
typedef struct SfCsvReader
{
	const char *data;
	size_t		len;
	size_t		pos;
	int64		row;			/* rows read so far, the header included */
	StringInfoData buf;			/* the values of the current row */
	int			capacity;
	char	  **values;
	int		   *lengths;
	bool	   *quoted;
} SfCsvReader;

extern SfBulkJob *SfBulkCreateJob(SfConnection *conn, bool ingest,
								  const char *sobject, json_object *spec);
extern void SfBulkRefreshJob(SfBulkJob *job);
extern bool SfBulkJobIsTerminal(SfBulkJob *job);
extern void SfBulkWaitJob(SfBulkJob *job);
extern void SfBulkSetJobState(SfBulkJob *job, const char *state);
extern void SfBulkAbortJob(SfBulkJob *job);
extern char *SfBulkJobPath(SfBulkJob *job, const char *suffix);
extern const char *SfBulkFetchResults(SfBulkJob *job, const char *which,
									  char **locator, int max_records,
									  size_t *len);
extern int	SfBulkRequest(SfBulkJob *job, const char *method,
						  const char *suffix, const char *body,
						  const char *content_type, bool retryable,
						  int flags, json_object **json_out,
						  const char *failure);

/* A query job read row by row (bulk.c) */
typedef struct SfBulkQuery
{
	SfBulkJob  *job;
	char	  **fields;			/* the SELECT list's paths */
	int			nfields;
	int			max_records;	/* records per result page */
	MemoryContext page_cxt;		/* the current page; reset per page */
	char	   *locator;		/* of the next page, NULL after the last */
	SfCsvReader reader;			/* over the current page */
	int			header_width;	/* values per CSV row */
	int		   *columns;		/* [field]: its CSV column */
	char	  **values;			/* [field]: current row's value or NULL */
	int		   *lengths;
	uint64		pages;			/* result pages read */
	int64		rows;			/* rows read */
	MemoryContextCallback cleanup;	/* drops the page asked for ahead */
} SfBulkQuery;

extern SfBulkQuery *SfBulkQueryOpen(SfConnection *conn, const char *soql,
									bool query_all, const char *sobject,
									char **fields, int nfields,
									int max_records,
									MemoryContext page_cxt);
extern bool SfBulkQueryNextRow(SfBulkQuery *query);
extern void SfBulkQueryClose(SfBulkQuery *query);
extern void SfBulkFetchAhead(SfBulkJob *job, const char *which,
							 const char *locator, int max_records);

/* How a query job's CSV value maps to what REST's JSON gives */
#define SF_CSV_STRING		0	/* a JSON string: the same text */
#define SF_CSV_LITERAL		1	/* a JSON number or boolean literal */
#define SF_CSV_DATETIME		2	/* a JSON string ending "+0000", not "Z" */

extern const char *SfBulkFieldsProblem(SfConnection *conn,
									   const char *sobject, List *fields,
									   List **value_classes);
extern void SfCsvInit(SfCsvReader *reader, const char *data, size_t len);
extern int	SfCsvNextRow(SfCsvReader *reader);

/*
 * in describe.c: sObject describes, parsed into C structs and cached per
 * backend and user mapping.  The structs are read-only and stay valid at
 * least until the end of the current transaction.
 */
typedef struct SfFieldDesc
{
	char	   *name;			/* API name, canonical casing */
	char	   *type;			/* describe type: "string", "reference", ... */
	char	   *soap_type;		/* "xsd:string", "tns:ID", ... or NULL */
	char	   *label;
	int			length;			/* text types: maximum characters */
	int			precision;		/* double, currency, percent */
	int			scale;
	int			digits;			/* int, long */
	bool		nillable;
	bool		createable;
	bool		updateable;
	bool		filterable;
	bool		sortable;
	bool		groupable;
	bool		aggregatable;
	bool		case_sensitive;
	bool		calculated;		/* formula or roll-up */
	bool		auto_number;
	bool		external_id;
	bool		id_lookup;
	bool		unique;
	bool		custom;
	bool		defaulted_on_create;
	char	   *relationship_name;	/* "Account", "Parent__r" or NULL */
	char	  **reference_to;	/* target sObjects of a reference */
	int			nreference_to;
	char	   *compound_field_name;	/* component: its compound, else NULL */
} SfFieldDesc;

typedef struct SfSObjectDesc
{
	char	   *name;			/* API name, canonical casing */
	char	   *label;
	char	   *key_prefix;		/* NULL for objects without records */
	bool		custom;
	bool		queryable;
	bool		createable;
	bool		updateable;
	bool		deletable;
	int			nfields;
	SfFieldDesc *fields;		/* in describe order */
} SfSObjectDesc;

/* One entry of the global describe. */
typedef struct SfGlobalSObject
{
	char	   *name;
	char	   *label;
	char	   *key_prefix;
	bool		custom;
	bool		queryable;
	bool		createable;
	bool		updateable;
	bool		deletable;
	bool		deprecated_and_hidden;
} SfGlobalSObject;

typedef struct SfGlobalDesc
{
	int			nsobjects;
	SfGlobalSObject *sobjects;	/* in the order Salesforce listed them */
} SfGlobalDesc;

extern const SfGlobalDesc *SfDescribeGlobal(SfConnection *conn);
extern const SfSObjectDesc *SfDescribeSObject(SfConnection *conn,
											  const char *name);
extern const SfSObjectDesc **SfDescribeMany(SfConnection *conn,
											const char *const *names, int n);
extern const SfFieldDesc *SfDescribeField(const SfSObjectDesc *desc,
										  const char *name);
extern void SfDescribeForget(SfConnection *conn);

/*
 * in deparse.c: what Salesforce may evaluate, and every byte of SOQL
 */
/* Salesforce returns at most this many aggregate rows, in one page */
#define SF_MAX_AGGREGATE_ROWS	2000

/*
 * Everything the SOQL emitters need to know about one foreign table: its
 * range table index, and per column (1-based attnum) the field and its
 * class.  At execution 'value_hook' evaluates the non-constant values
 * (parameters, now(), outer columns of a parameterized join); at plan time
 * it is NULL and such values are written as placeholders $1, $2, ...
 */
typedef bool (*SfValueHook) (Expr *expr, void *arg, Datum *value,
							 bool *isnull);

typedef struct SfDeparseInfo
{
	Index		varno;
	int			natts;
	char	  **fields;			/* [attnum]: API name, or NULL */
	int		   *classes;		/* [attnum]: field class (deparse.c) */
	SfValueHook value_hook;
	void	   *value_arg;
	int			nplaceholders;	/* placeholders written so far */
	/* a long constant IN list sent in chunks, one query per chunk */
	Expr	   *chunk_target;	/* the ScalarArrayOpExpr, or NULL: set by the
								 * planner (see SfClassifyClause) */
	int			chunk;			/* the chunk to write (execution) */
	int			nchunks;		/* chunks found when writing (execution) */
} SfDeparseInfo;

/* What SfClassifyClause found out about a clause it can write */
typedef struct SfClausePushdown
{
	bool		exact;			/* Salesforce's answer is PostgreSQL's (else a
								 * superset, rechecked locally) */
	bool		has_values;		/* needs values known only at execution */
	bool		chunked;		/* a long IN list sent in chunks */
} SfClausePushdown;

/*
 * One SOQL statement as planned: head + WHERE + tail.  The scan writes the
 * WHERE again between head and tail when it takes values known only at
 * execution.
 */
typedef struct SfSoqlStmt
{
	char	   *head;			/* "SELECT ... FROM X" */
	char	   *tail;			/* " GROUP BY ... ORDER BY ... LIMIT n" */
	char	   *text;			/* the whole statement, $n placeholders */
	bool		never_true;		/* the WHERE is never true: send nothing */
} SfSoqlStmt;

extern void SfResolveFields(SfDeparseInfo *info, Oid relid, Relation rel,
							const SfSObjectDesc *desc);
extern bool SfClassifyClause(SfDeparseInfo *info, Expr *clause,
							 SfClausePushdown *pushdown);
extern int	SfColumnOf(SfDeparseInfo *info, Expr *expr);
extern bool SfColumnIsLookup(SfDeparseInfo *info, int attno);
extern bool SfAggregateShippable(SfDeparseInfo *info, Expr *expr);
extern bool SfHavingShippable(SfDeparseInfo *info, Expr *clause);
extern bool SfGroupKeyShippable(SfDeparseInfo *info, Expr *expr);
extern bool SfPathkeysShippable(RelOptInfo *rel, SfDeparseInfo *info,
								List *pathkeys);
extern void SfDeparseRecordsStmt(SfSoqlStmt *stmt, SfDeparseInfo *info,
								 const char *sobject, List *fields,
								 List *remote_exprs, RelOptInfo *rel,
								 List *pathkeys, int64 limit, int64 offset);
extern void SfDeparseCountStmt(SfSoqlStmt *stmt, SfDeparseInfo *info,
							   const char *sobject, List *remote_exprs);
extern List *SfDeparseAggregateStmt(SfSoqlStmt *stmt, SfDeparseInfo *info,
									const char *sobject, List *agg_exprs,
									List *group_exprs, List *having,
									List *remote_exprs);
extern bool SfDeparseWhere(StringInfo buf, SfDeparseInfo *info,
						   List *clauses);
extern void SfDeparseStringLiteral(StringInfo buf, const char *val);

/*
 * in local_group.c: GROUP BY computed by the scan when Salesforce has more
 * groups than it returns.  SfLocalGroupPlan says, per column of the scan,
 * how it is computed and from which field of which type (InvalidOid: no
 * value needed); the scan converts those fields of every record and adds
 * them; then the groups come out one by one.
 */
#define SF_MAX_GROUP_KEYS		8	/* GROUP BY columns pushed down at most */

typedef struct SfLocalGroups SfLocalGroups;

extern void SfLocalGroupPlan(SfDeparseInfo *info, List *agg_exprs,
							 List **ops, List **infields, List **intypes);
extern SfLocalGroups *SfLocalGroupBegin(List *ops, List *intypes);
extern void SfLocalGroupAdd(SfLocalGroups *groups, Datum *values,
							bool *nulls);
extern bool SfLocalGroupNext(SfLocalGroups *groups, Datum *values,
							 bool *nulls);

/*
 * in modify.c: INSERT, UPDATE, DELETE, COPY FROM and upsert through sObject
 * Collections (assigned in the handler)
 */
#if PG_VERSION_NUM >= 140000
extern void SfAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
									  RangeTblEntry *target_rte,
									  Relation target_relation);
#else
extern void SfAddForeignUpdateTargets(Query *parsetree,
									  RangeTblEntry *target_rte,
									  Relation target_relation);
#endif
extern List *SfPlanForeignModify(PlannerInfo *root, ModifyTable *plan,
								 Index resultRelation, int subplan_index);
extern void SfBeginForeignModify(ModifyTableState *mtstate,
								 ResultRelInfo *rinfo, List *fdw_private,
								 int subplan_index, int eflags);
extern TupleTableSlot *SfExecForeignInsert(EState *estate,
										   ResultRelInfo *rinfo,
										   TupleTableSlot *slot,
										   TupleTableSlot *planSlot);
extern TupleTableSlot **SfExecForeignBatchInsert(EState *estate,
												 ResultRelInfo *rinfo,
												 TupleTableSlot **slots,
												 TupleTableSlot **planSlots,
												 int *numSlots);
extern int	SfGetForeignModifyBatchSize(ResultRelInfo *rinfo);
extern TupleTableSlot *SfExecForeignUpdate(EState *estate,
										   ResultRelInfo *rinfo,
										   TupleTableSlot *slot,
										   TupleTableSlot *planSlot);
extern TupleTableSlot *SfExecForeignDelete(EState *estate,
										   ResultRelInfo *rinfo,
										   TupleTableSlot *slot,
										   TupleTableSlot *planSlot);
extern void SfEndForeignModify(EState *estate, ResultRelInfo *rinfo);
extern void SfBeginForeignInsert(ModifyTableState *mtstate,
								 ResultRelInfo *rinfo);
extern void SfEndForeignInsert(EState *estate, ResultRelInfo *rinfo);
extern int	SfIsForeignRelUpdatable(Relation rel);
extern bool SfScanNeedsWholeRow(PlannerInfo *root, RelOptInfo *baserel);
extern void SfExplainForeignModify(ModifyTableState *mtstate,
								   ResultRelInfo *rinfo, List *fdw_private,
								   int subplan_index,
								   ExplainState *es);

/*
 * in ingest.c: writes through Bulk API 2.0 ingest jobs
 */
typedef struct SfIngest SfIngest;

/* What the ingest jobs of a statement did */
typedef struct SfIngestOutcome
{
	int64		written;		/* records Salesforce wrote */
	int64		failed;			/* records it refused */
	int64		first_position; /* row number of the first refused, or -1 */
	char	   *first_id;		/* its Id, or NULL */
	char	   *first_code;
	char	   *first_message;
	char	   *first_fields;	/* comma-separated */
} SfIngestOutcome;

extern SfIngest *SfIngestBegin(SfConnection *conn, Oid relid,
							   const char *sobject, const char *operation,
							   const char *external_id, const char *header);
extern void SfIngestAddRow(SfIngest *ing, int64 position, const char *line,
						   size_t len);
extern void SfIngestFinish(SfIngest *ing, SfIngestOutcome *out);
extern char *SfIngestJobs(SfIngest *ing, uint64 *requests);
extern void SfCsvAppendValue(StringInfo buf, const char *value);

/*
 * in failures.c: the records Salesforce refused in the last write statement
 */
extern void SfFailuresBeginStatement(EState *estate);
extern void SfFailuresAdd(Oid relid, int64 position, const char *id,
						  const char *code, const char *message,
						  const char *fields);
extern int64 SfFailuresCount(void);
extern Datum salesforce_last_failures(PG_FUNCTION_ARGS);

/*
 * in sync.c: the replication resources (Get Updated, Get Deleted) and
 * salesforce_sync, as SQL-callable functions
 */
extern Datum salesforce_updated(PG_FUNCTION_ARGS);
extern Datum salesforce_deleted(PG_FUNCTION_ARGS);
extern Datum salesforce_sync(PG_FUNCTION_ARGS);

/*
 * in import.c
 */
extern List *SfImportForeignSchema(ImportForeignSchemaStmt *stmt,
								   Oid serverOid);

#endif							/* SALESFORCE_FDW_H */
