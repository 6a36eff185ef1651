/*-------------------------------------------------------------------------
 *
 * bulk.c
 *		  The life of a Bulk API 2.0 job, shared by query and ingest jobs,
 *		  and the CSV reader of their results.
 *
 * Design rules kept here:
 *
 * - A job is created (never retried: a second create would start a second
 *   job), then polled until it reaches a terminal state.  The waits between
 *   polls start short and grow to a cap, and each one is interruptible, so
 *   a cancel or statement_timeout ends it at once.  Polls and result
 *   downloads are reads: SfPerformRequest retries them like query pages.
 * - Every job that is not yet terminal is listed in a backend-wide
 *   registry, outside any memory context a statement owns.  When the
 *   transaction or subtransaction that created it ends with the job still
 *   open (an error, a cancel, a timeout, a scan left early) it is aborted
 *   with PATCH {"state":"Aborted"}.  That abort runs inside PostgreSQL's
 *   abort processing, so it never throws: one short request, no retries,
 *   no budget refusal, failures reported as a WARNING.
 * - A Failed job is an error carrying Salesforce's errorMessage in the
 *   detail.  Results are CSV; SfCsvNextRow reads one row at a time from a
 *   page held in memory, so a scan holds one page and one row at most.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "salesforce_fdw.h"		/* first: see the json_object note there */

#include "access/xact.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/*
 * Waits between polls of a job: the first SF_BULK_POLL_FIRST_MS (a query
 * job) or SF_BULK_INGEST_POLL_FIRST_MS (an ingest job: Salesforce queues its
 * data for processing after the upload closes, so it is never done sooner),
 * each next one twice as long, none longer than SF_BULK_POLL_MAX_MS.
 */
#define SF_BULK_POLL_FIRST_MS	100
#define SF_BULK_INGEST_POLL_FIRST_MS	500
#define SF_BULK_POLL_MAX_MS		10000

/* Time allowed for the abort of a job during abort processing. */
#define SF_BULK_ABORT_TIMEOUT	10	/* seconds */

/* A job that may still be running, and who must abort it. */
typedef struct SfBulkOpenJob
{
	struct SfBulkOpenJob *next;
	SfConnection *conn;			/* lives in the connection cache */
	bool		ingest;
	SubTransactionId subxid;	/* subtransaction that created it */
	char		id[SF_BULK_JOB_ID_SIZE];
} SfBulkOpenJob;

static SfBulkOpenJob *open_jobs = NULL;
static bool callbacks_registered = false;
static MemoryContext cleanup_cxt = NULL;

static void register_open_job(SfBulkJob *job);
static void forget_open_job(SfBulkJob *job);
static bool abort_job_quietly(SfConnection *conn, bool ingest,
							  const char *id);
static void bulk_xact_callback(XactEvent event, void *arg);
static void bulk_subxact_callback(SubXactEvent event,
								  SubTransactionId mySubid,
								  SubTransactionId parentSubid, void *arg);
static void apply_job_info(SfBulkJob *job, json_object *info);
static void wait_ms(long ms);
static bool job_id_is_valid(const char *id);
static void results_request(SfRequest *req, SfBulkJob *job,
							const char *which, const char *locator,
							int max_records);
static void drop_page_ahead(void *arg);

/*
 * SfBulkJobPath
 *		"/services/data/vXX.X/jobs/<query|ingest>/<id>[/<suffix>]", palloc'd.
 */
char *
SfBulkJobPath(SfBulkJob *job, const char *suffix)
{
	char	   *resource;

	resource = psprintf("jobs/%s/%s%s%s", job->ingest ? "ingest" : "query",
						job->id, suffix ? "/" : "", suffix ? suffix : "");
	return SfApiPath(job->conn, resource);
}

/*
 * SfBulkCreateJob
 *		Create a query job (ingest false: 'spec' holds operation and query)
 *		or an ingest job (ingest true: 'spec' holds object, operation and
 *		perhaps externalIdFieldName) for 'sobject', and register it for
 *		abort.  contentType CSV, columnDelimiter COMMA and lineEnding LF are
 *		added to 'spec' (which this function frees).  The create is never
 *		retried.  Returns the job, palloc'd in CurrentMemoryContext.
 */
SfBulkJob *
SfBulkCreateJob(SfConnection *conn, bool ingest, const char *sobject,
				json_object *spec)
{
	SfBulkJob  *job = palloc0(sizeof(SfBulkJob));
	SfRequest	req;
	json_object *info = NULL;
	char	   *body;
	const char *id;

	/* json-c mallocs: take the text over and free the tree before any throw */
	json_object_object_add(spec, "contentType",
						   json_object_new_string("CSV"));
	json_object_object_add(spec, "columnDelimiter",
						   json_object_new_string("COMMA"));
	json_object_object_add(spec, "lineEnding", json_object_new_string("LF"));
	body = pstrdup(json_object_to_json_string_ext(spec,
												  JSON_C_TO_STRING_PLAIN));
	json_object_put(spec);

	job->conn = conn;
	job->ingest = ingest;
	job->sobject = pstrdup(sobject);
	strlcpy(job->state, "Open", sizeof(job->state));

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = SfApiPath(conn, ingest ? "jobs/ingest" : "jobs/query");
	req.body = body;
	req.retryable = false;
	job->create_requests++;
	if (ingest)
		(void) SfPerformRequest(conn, &req, 0, &info,
								psprintf("could not create a Bulk API ingest job for Salesforce object \"%s\"",
										 sobject));
	else
		(void) SfPerformRequest(conn, &req, 0, &info,
								psprintf("could not create a Bulk API query job for Salesforce object \"%s\"",
										 sobject));

	id = SfJsonGetString(info, "id");
	if (id == NULL || !job_id_is_valid(id))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("could not create a Bulk API job for Salesforce object \"%s\"",
						sobject),
				 errdetail("Salesforce's answer has no valid job id.")));
	strlcpy(job->id, id, sizeof(job->id));
	register_open_job(job);
	apply_job_info(job, info);
	pfree(body);
	return job;
}

/*
 * SfBulkRefreshJob
 *		GET the job's info and update its state, record counts and error
 *		message.  A job found terminal leaves the abort registry.
 */
void
SfBulkRefreshJob(SfBulkJob *job)
{
	SfRequest	req;
	json_object *info = NULL;
	char	   *failure;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = SfBulkJobPath(job, NULL);
	req.retryable = true;
	failure = psprintf("could not get the state of Bulk API job %s", job->id);
	job->poll_requests++;
	(void) SfPerformRequest(job->conn, &req, 0, &info, failure);
	apply_job_info(job, info);
	pfree(failure);
}

/*
 * SfBulkJobIsTerminal
 *		Has the job reached JobComplete, Failed or Aborted?
 */
bool
SfBulkJobIsTerminal(SfBulkJob *job)
{
	return strcmp(job->state, "JobComplete") == 0 ||
		strcmp(job->state, "Failed") == 0 ||
		strcmp(job->state, "Aborted") == 0;
}

/*
 * SfBulkWaitJob
 *		Poll the job until it is terminal, waiting longer between polls as
 *		time goes by.  Returns when it is JobComplete; a Failed job raises
 *		an error with Salesforce's errorMessage, an Aborted one (by someone
 *		else) an error saying so.  Interruptible: a cancel or timeout raises
 *		its own error, and the job is then aborted at transaction end.
 */
void
SfBulkWaitJob(SfBulkJob *job)
{
	long		delay = job->ingest ? SF_BULK_INGEST_POLL_FIRST_MS :
	SF_BULK_POLL_FIRST_MS;

	while (!SfBulkJobIsTerminal(job))
	{
		wait_ms(delay);
		delay = Min(delay * 2, SF_BULK_POLL_MAX_MS);
		SfBulkRefreshJob(job);
	}

	if (strcmp(job->state, "Failed") == 0)
	{
		if (job->ingest)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("could not write to Salesforce object \"%s\" through Bulk API ingest job %s",
							job->sobject, job->id),
					 errdetail_internal("The job failed: %s",
										job->error_message ? job->error_message :
										"(no errorMessage)")));
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("could not query Salesforce object \"%s\" through Bulk API query job %s",
						job->sobject, job->id),
				 errdetail_internal("The job failed: %s",
									job->error_message ? job->error_message :
									"(no errorMessage)")));
	}
	if (strcmp(job->state, "Aborted") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("Bulk API job %s for Salesforce object \"%s\" was aborted",
						job->id, job->sobject),
				 errdetail("Someone else aborted the job while it ran.")));
}

/*
 * SfBulkSetJobState
 *		PATCH the job to 'state' ("UploadComplete" closes an ingest job's
 *		upload).  Not retried.
 */
void
SfBulkSetJobState(SfBulkJob *job, const char *state)
{
	SfRequest	req;
	json_object *info = NULL;

	memset(&req, 0, sizeof(req));
	req.method = "PATCH";
	req.path = SfBulkJobPath(job, NULL);
	req.body = psprintf("{\"state\":\"%s\"}", state);
	job->other_requests++;
	(void) SfPerformRequest(job->conn, &req, 0, &info,
							psprintf("could not change the state of Bulk API job %s",
									 job->id));
	apply_job_info(job, info);
}

/*
 * SfBulkAbortJob
 *		Abort the job if it may still be running, and forget it.  Never
 *		throws: a failure to abort is a WARNING (the job then runs to its
 *		end on Salesforce, and nothing reads its results).
 */
void
SfBulkAbortJob(SfBulkJob *job)
{
	if (job->registered)
	{
		job->other_requests++;
		if (abort_job_quietly(job->conn, job->ingest, job->id))
			strlcpy(job->state, "Aborted", sizeof(job->state));
		forget_open_job(job);
	}
}

/* Results come as CSV. */
static const char *const csv_accept[] = {"Accept: text/csv", NULL};

/*
 * results_request
 *		Fill 'req' with the GET of one page of a job's results (see
 *		SfBulkFetchResults); its path is palloc'd.
 */
static void
results_request(SfRequest *req, SfBulkJob *job, const char *which,
				const char *locator, int max_records)
{
	StringInfoData path;
	char		sep = '?';

	initStringInfo(&path);
	appendStringInfoString(&path, SfBulkJobPath(job, which));
	if (locator != NULL)
	{
		/* locators are opaque but URL-safe base64-ish text; encode anyway */
		appendStringInfo(&path, "%clocator=", sep);
		sep = '&';
		for (const char *p = locator; *p; p++)
		{
			if (isalnum((unsigned char) *p) || *p == '-' || *p == '_' ||
				*p == '.' || *p == '~')
				appendStringInfoChar(&path, *p);
			else
				appendStringInfo(&path, "%%%02X", (unsigned char) *p);
		}
	}
	if (max_records > 0)
		appendStringInfo(&path, "%cmaxRecords=%d", sep, max_records);

	memset(req, 0, sizeof(*req));
	req->method = "GET";
	req->path = path.data;
	req->retryable = true;
	req->headers = csv_accept;
}

/*
 * SfBulkFetchResults
 *		GET one page of a job's CSV results: 'which' is "results" for a
 *		query job, "successfulResults", "failedResults" or
 *		"unprocessedrecords" for an ingest job.  '*locator' is the page's
 *		locator (NULL for the first) and receives the next one, or NULL
 *		after the last page; 'max_records' (0: Salesforce's choice) bounds
 *		the page.  A page SfBulkFetchAhead asked for is taken from its
 *		request in flight.  Returns the CSV text and its length; it belongs
 *		to CurrentMemoryContext (reset it to free the page).
 */
const char *
SfBulkFetchResults(SfBulkJob *job, const char *which, char **locator,
				   int max_records, size_t *len)
{
	SfRequest	req;
	json_object *body = NULL;
	char	   *next = NULL;
	char	   *failure;
	const void *ahead = NULL;

	results_request(&req, job, which, *locator, max_records);
	req.locator_out = &next;
	if (job->ahead_path != NULL)
	{
		if (strcmp(job->ahead_path, req.path) == 0)
			ahead = job;
		else
			SfAbandonAhead(job->conn, job);
		pfree(job->ahead_path);
		job->ahead_path = NULL;
	}
	failure = psprintf("could not read the results of Bulk API job %s",
					   job->id);
	if (ahead == NULL)
		job->result_requests++;
	(void) SfPerformRequestAhead(job->conn, &req, SF_REQ_RAW_BODY, &body,
								 failure, ahead);
	pfree(failure);
	pfree((char *) req.path);

	if (next != NULL && (next[0] == '\0' || strcmp(next, "null") == 0))
		next = NULL;
	*locator = next;
	if (body == NULL)
	{
		*len = 0;
		return "";
	}
	*len = (size_t) json_object_get_string_len(body);
	return json_object_get_string(body);
}

/*
 * SfBulkFetchAhead
 *		Ask for the results page at 'locator' in the background, so that it
 *		arrives while the current page is read; SfBulkFetchResults takes it.
 *		Nothing happens when it cannot go out (the page is fetched when
 *		needed).  At most one page is asked for ahead.
 */
void
SfBulkFetchAhead(SfBulkJob *job, const char *which, const char *locator,
				 int max_records)
{
	SfRequest	req;
	char	   *failure;

	if (job->ahead_path != NULL)
		return;
	results_request(&req, job, which, locator, max_records);
	failure = psprintf("could not read the results of Bulk API job %s",
					   job->id);
	if (SfRequestAhead(job->conn, &req, job, failure))
	{
		job->result_requests++;
		job->ahead_path = MemoryContextStrdup(GetMemoryChunkContext(job),
											  req.path);
	}
	pfree(failure);
	pfree((char *) req.path);
}

/*
 * SfBulkRequest
 *		Send another request about the job (an ingest job's upload:
 *		PUT "batches" with a CSV body) through SfPerformRequest, counted
 *		with the job's requests.  Arguments as SfPerformRequest's.
 */
int
SfBulkRequest(SfBulkJob *job, const char *method, const char *suffix,
			  const char *body, const char *content_type, bool retryable,
			  int flags, json_object **json_out, const char *failure)
{
	SfRequest	req;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = SfBulkJobPath(job, suffix);
	req.body = body;
	req.content_type = content_type;
	req.retryable = retryable;
	job->other_requests++;
	return SfPerformRequest(job->conn, &req, flags, json_out, failure);
}

/*
 * apply_job_info
 *		Take state, numberRecordsProcessed, numberRecordsFailed and
 *		errorMessage from a job info answer.
 */
static void
apply_job_info(SfBulkJob *job, json_object *info)
{
	const char *state = SfJsonGetString(info, "state");
	const char *message = SfJsonGetString(info, "errorMessage");
	json_object *val;

	if (state != NULL)
		strlcpy(job->state, state, sizeof(job->state));
	if (info != NULL &&
		json_object_object_get_ex(info, "numberRecordsProcessed", &val))
		job->records_processed = json_object_get_int64(val);
	if (info != NULL &&
		json_object_object_get_ex(info, "numberRecordsFailed", &val))
		job->records_failed = json_object_get_int64(val);
	if (message != NULL)
		job->error_message = pstrdup(message);
	if (SfBulkJobIsTerminal(job))
		forget_open_job(job);
}

/*
 * job_id_is_valid
 *		Is 'id' a record id (letters and digits) that fits a job's id
 *		buffer?  It goes into URLs unquoted.
 */
static bool
job_id_is_valid(const char *id)
{
	size_t		len = strlen(id);

	if (len == 0 || len >= SF_BULK_JOB_ID_SIZE)
		return false;
	for (size_t i = 0; i < len; i++)
	{
		if (!isalnum((unsigned char) id[i]))
			return false;
	}
	return true;
}

/*
 * wait_ms
 *		Sleep 'ms' milliseconds, ending early for a cancel, a
 *		statement_timeout or a termination (raised by CHECK_FOR_INTERRUPTS).
 */
static void
wait_ms(long ms)
{
	TimestampTz end = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);

	for (;;)
	{
		long		left;

		CHECK_FOR_INTERRUPTS();
		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), end);
		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	CHECK_FOR_INTERRUPTS();
}

/*
 * register_open_job
 *		List the job as one to abort if its (sub)transaction ends first.
 */
static void
register_open_job(SfBulkJob *job)
{
	SfBulkOpenJob *entry;

	if (!callbacks_registered)
	{
		RegisterXactCallback(bulk_xact_callback, NULL);
		RegisterSubXactCallback(bulk_subxact_callback, NULL);
		callbacks_registered = true;
	}
	entry = MemoryContextAllocZero(TopMemoryContext, sizeof(SfBulkOpenJob));
	entry->conn = job->conn;
	entry->ingest = job->ingest;
	entry->subxid = GetCurrentSubTransactionId();
	strlcpy(entry->id, job->id, sizeof(entry->id));
	entry->next = open_jobs;
	open_jobs = entry;
	job->registered = true;
}

/* Take the job off the abort registry (it is terminal or aborted). */
static void
forget_open_job(SfBulkJob *job)
{
	SfBulkOpenJob **link;

	if (!job->registered)
		return;
	for (link = &open_jobs; *link != NULL; link = &(*link)->next)
	{
		SfBulkOpenJob *entry = *link;

		if (entry->conn == job->conn && strcmp(entry->id, job->id) == 0)
		{
			*link = entry->next;
			pfree(entry);
			break;
		}
	}
	job->registered = false;
}

/*
 * abort_job_quietly
 *		PATCH the job to Aborted: one request with a short timeout, never
 *		refused by the budget, never retried.  Safe inside abort processing:
 *		any error is caught, reported as a WARNING and forgotten.  True if
 *		Salesforce accepted the abort (or the job had ended already).
 */
static bool
abort_job_quietly(SfConnection *conn, bool ingest, const char *id)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	int			holdoff = InterruptHoldoffCount;
	int			cancel_holdoff = QueryCancelHoldoffCount;
	int			crit = CritSectionCount;
	volatile bool ok = false;

	if (cleanup_cxt == NULL)
		cleanup_cxt = AllocSetContextCreate(TopMemoryContext,
											"salesforce_fdw bulk cleanup",
											ALLOCSET_SMALL_SIZES);
	MemoryContextSwitchTo(cleanup_cxt);
	PG_TRY();
	{
		SfRequest	req;
		int			status;

		memset(&req, 0, sizeof(req));
		req.method = "PATCH";
		req.path = SfApiPath(conn, psprintf("jobs/%s/%s",
											ingest ? "ingest" : "query", id));
		req.body = "{\"state\":\"Aborted\"}";
		req.timeout = SF_BULK_ABORT_TIMEOUT;
		status = SfPerformRequest(conn, &req,
								  SF_REQ_RETURN_ERRORS | SF_REQ_CLEANUP, NULL,
								  "could not abort a Bulk API job");
		/* 400: already terminal, nothing left to stop */
		ok = (status >= 200 && status < 300) || status == 400;
		if (!ok)
			ereport(WARNING,
					(errmsg("could not abort Bulk API job %s", id),
					 status == 0
					 ? errdetail_internal("%s", SfTransportError(conn))
					 : errdetail("Salesforce answered with HTTP status %d.",
								 status)));
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		/* errfinish() cleared these; abort processing relies on them */
		InterruptHoldoffCount = holdoff;
		QueryCancelHoldoffCount = cancel_holdoff;
		CritSectionCount = crit;
		MemoryContextSwitchTo(cleanup_cxt);
		edata = CopyErrorData();
		FlushErrorState();
		ereport(WARNING,
				(errmsg("could not abort Bulk API job %s", id),
				 errdetail_internal("%s", edata->message)));
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(cleanup_cxt);
	return ok;
}

/*
 * bulk_xact_callback
 *		At the end of a transaction, abort every job still open: a statement
 *		that failed, was cancelled or timed out, or a scan left before its
 *		job ended.
 */
static void
bulk_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PREPARE:
			break;
		default:
			return;
	}
	while (open_jobs != NULL)
	{
		SfBulkOpenJob *entry = open_jobs;

		open_jobs = entry->next;
		(void) abort_job_quietly(entry->conn, entry->ingest, entry->id);
		pfree(entry);
	}
}

/*
 * bulk_subxact_callback
 *		When a subtransaction aborts, abort the jobs it created.
 */
static void
bulk_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	SfBulkOpenJob **link = &open_jobs;

	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	while (*link != NULL)
	{
		SfBulkOpenJob *entry = *link;

		if (entry->subxid == mySubid)
		{
			*link = entry->next;
			(void) abort_job_quietly(entry->conn, entry->ingest, entry->id);
			pfree(entry);
		}
		else
			link = &entry->next;
	}
}

/*
 * SfCsvInit
 *		Start reading the CSV text data[0..len) (RFC 4180: comma, quotes
 *		doubled inside quoted values, LF or CRLF line ends).
 */
void
SfCsvInit(SfCsvReader *reader, const char *data, size_t len)
{
	memset(reader, 0, sizeof(SfCsvReader));
	reader->data = data;
	reader->len = len;
	initStringInfo(&reader->buf);
}

/*
 * SfCsvNextRow
 *		Read the next row: returns its number of values (0 at the end of the
 *		text), with reader->values[i] (NUL-terminated, valid until the next
 *		call) and reader->lengths[i].  reader->quoted[i] says whether the
 *		value was quoted.  Raises an error for an unterminated quote.
 */
int
SfCsvNextRow(SfCsvReader *reader)
{
	const char *p = reader->data + reader->pos;
	const char *end = reader->data + reader->len;
	int			n = 0;
	int		   *offsets;

	if (p >= end)
		return 0;

	resetStringInfo(&reader->buf);
	if (reader->capacity == 0)
	{
		reader->capacity = 16;
		reader->values = palloc(reader->capacity * sizeof(char *));
		reader->lengths = palloc(reader->capacity * sizeof(int));
		reader->quoted = palloc(reader->capacity * sizeof(bool));
	}
	offsets = reader->lengths;	/* holds offsets until the row is read */

	for (;;)
	{
		int			start = reader->buf.len;
		bool		quoted = false;

		if (n == reader->capacity)
		{
			reader->capacity *= 2;
			reader->values = repalloc(reader->values,
									  reader->capacity * sizeof(char *));
			reader->lengths = repalloc(reader->lengths,
									   reader->capacity * sizeof(int));
			reader->quoted = repalloc(reader->quoted,
									  reader->capacity * sizeof(bool));
			offsets = reader->lengths;
		}

		if (p < end && *p == '"')
		{
			quoted = true;
			p++;
			for (;;)
			{
				const char *q = memchr(p, '"', end - p);

				if (q == NULL)
					ereport(ERROR,
							(errcode(ERRCODE_PROTOCOL_VIOLATION),
							 errmsg("could not read a Bulk API result"),
							 errdetail("A quoted CSV value does not end.")));
				appendBinaryStringInfo(&reader->buf, p, (int) (q - p));
				p = q + 1;
				if (p < end && *p == '"')
				{
					appendStringInfoChar(&reader->buf, '"');
					p++;
					continue;
				}
				break;
			}
		}
		while (p < end && *p != ',' && *p != '\n' &&
			   !(*p == '\r' && p + 1 < end && p[1] == '\n'))
			appendStringInfoChar(&reader->buf, *p++);

		offsets[n] = start;
		reader->quoted[n] = quoted;
		appendStringInfoChar(&reader->buf, '\0');
		n++;

		if (p < end && *p == ',')
		{
			p++;
			continue;
		}
		if (p < end && *p == '\r')
			p++;
		if (p < end && *p == '\n')
			p++;
		break;
	}
	reader->pos = p - reader->data;

	for (int i = 0; i < n; i++)
	{
		reader->values[i] = reader->buf.data + offsets[i];
		/* the terminating NUL of each value marks its end */
		reader->lengths[i] = (int) strlen(reader->values[i]);
	}
	reader->row++;
	return n;
}

/*
 * SfBulkQueryOpen
 *		Start a query job (queryAll with 'query_all') for 'soql', whose rows
 *		the caller will read as the values of 'fields' (the SELECT list's
 *		paths, matched to the CSV header case-insensitively).  Pages of at
 *		most 'max_records' records are read into 'page_cxt', which is reset
 *		for every page.  The job is created at once; SfBulkQueryNextRow waits
 *		for it.
 */
SfBulkQuery *
SfBulkQueryOpen(SfConnection *conn, const char *soql, bool query_all,
				const char *sobject, char **fields, int nfields,
				int max_records, MemoryContext page_cxt)
{
	SfBulkQuery *query = palloc0(sizeof(SfBulkQuery));
	json_object *spec = json_object_new_object();

	json_object_object_add(spec, "operation",
						   json_object_new_string(query_all ? "queryAll" :
												  "query"));
	json_object_object_add(spec, "query", json_object_new_string(soql));
	query->job = SfBulkCreateJob(conn, false, sobject, spec);
	query->fields = fields;
	query->nfields = nfields;
	query->max_records = max_records;
	query->page_cxt = page_cxt;
	query->columns = palloc(Max(nfields, 1) * sizeof(int));
	query->values = palloc0(Max(nfields, 1) * sizeof(char *));
	query->lengths = palloc0(Max(nfields, 1) * sizeof(int));
	/* a scan ended early (LIMIT, rescan, error) drops its page in flight */
	query->cleanup.func = drop_page_ahead;
	query->cleanup.arg = query;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &query->cleanup);
	return query;
}

/*
 * drop_page_ahead
 *		Drop the results page a query asked for ahead, if any; also its
 *		memory context callback, so it never fails.
 */
static void
drop_page_ahead(void *arg)
{
	SfBulkQuery *query = (SfBulkQuery *) arg;

	if (query->job != NULL && query->job->ahead_path != NULL)
	{
		SfAbandonAhead(query->job->conn, query->job);
		query->job->ahead_path = NULL;	/* freed with the job's context */
	}
}

/*
 * next_page
 *		Read the next page of results into page_cxt and its header; false
 *		when there is none.
 */
static bool
next_page(SfBulkQuery *query)
{
	MemoryContext oldcxt;
	const char *csv;
	size_t		len;
	int			n;

	if (query->pages > 0 && query->locator == NULL)
		return false;

	/* the locator lives in page_cxt: copy it out before the reset */
	if (query->locator != NULL)
	{
		char	   *locator = pstrdup(query->locator);

		MemoryContextReset(query->page_cxt);
		oldcxt = MemoryContextSwitchTo(query->page_cxt);
		query->locator = pstrdup(locator);
		pfree(locator);
	}
	else
	{
		MemoryContextReset(query->page_cxt);
		oldcxt = MemoryContextSwitchTo(query->page_cxt);
	}

	csv = SfBulkFetchResults(query->job, "results", &query->locator,
							 query->max_records, &len);
	query->pages++;
	/* the next page comes in while this one is read */
	if (query->locator != NULL)
		SfBulkFetchAhead(query->job, "results", query->locator,
						 query->max_records);
	SfCsvInit(&query->reader, csv, len);
	n = SfCsvNextRow(&query->reader);
	MemoryContextSwitchTo(oldcxt);

	/* map the header to the fields once: every page repeats it */
	for (int i = 0; i < query->nfields; i++)
	{
		int			found = -1;

		for (int j = 0; j < n; j++)
		{
			if (pg_strcasecmp(query->reader.values[j],
							  query->fields[i]) == 0)
			{
				found = j;
				break;
			}
		}
		if (found < 0)
			ereport(ERROR,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 errmsg("could not read the results of Bulk API query job %s",
							query->job->id),
					 errdetail("The CSV header has no column \"%s\".",
							   query->fields[i])));
		query->columns[i] = found;
	}
	query->header_width = n;
	return true;
}

/*
 * SfBulkQueryNextRow
 *		Read the next result row: false at the end.  Otherwise
 *		query->values[i] (NUL-terminated, NULL for an empty value, which is
 *		how Bulk API results write null) and query->lengths[i] hold the value
 *		of fields[i], valid until the next call.  The first call waits for
 *		the job to complete.
 */
bool
SfBulkQueryNextRow(SfBulkQuery *query)
{
	int			n;

	if (query->pages == 0)
	{
		SfBulkWaitJob(query->job);
		if (!next_page(query))
			return false;
	}

	for (;;)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(query->page_cxt);

		n = SfCsvNextRow(&query->reader);
		MemoryContextSwitchTo(oldcxt);
		if (n > 0)
			break;
		if (!next_page(query))
			return false;
	}

	if (n != query->header_width)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("could not read the results of Bulk API query job %s",
						query->job->id),
				 errdetail("A CSV row has %d values, the header %d.",
						   n, query->header_width)));
	for (int i = 0; i < query->nfields; i++)
	{
		int			c = query->columns[i];

		query->lengths[i] = query->reader.lengths[c];
		query->values[i] = query->lengths[i] > 0 ?
			query->reader.values[c] : NULL;
	}
	query->rows++;
	if (query->job->ahead_path != NULL && query->rows % 32 == 0)
		SfPollAhead(query->job->conn);
	return true;
}

/*
 * SfBulkQueryClose
 *		End the query: a job still running is aborted (never throws).
 */
void
SfBulkQueryClose(SfBulkQuery *query)
{
	drop_page_ahead(query);
	SfBulkAbortJob(query->job);
}

/*
 * field_of_path
 *		The describe of the field at the end of 'path' ("Name",
 *		"Account.Owner.Email") on 'sobject', walking child-to-parent
 *		relationships (a polymorphic one by its first target), or NULL.
 */
static const SfFieldDesc *
field_of_path(SfConnection *conn, const char *sobject, const char *path)
{
	const SfSObjectDesc *desc = SfDescribeSObject(conn, sobject);
	char	   *copy = pstrdup(path);
	char	   *part = copy;
	char	   *dot;

	while (desc != NULL && (dot = strchr(part, '.')) != NULL)
	{
		const SfFieldDesc *ref = NULL;

		*dot = '\0';
		for (int i = 0; i < desc->nfields; i++)
		{
			if (desc->fields[i].relationship_name != NULL &&
				desc->fields[i].nreference_to > 0 &&
				pg_strcasecmp(desc->fields[i].relationship_name, part) == 0)
			{
				ref = &desc->fields[i];
				break;
			}
		}
		if (ref == NULL)
			return NULL;
		desc = SfDescribeSObject(conn, ref->reference_to[0]);
		part = dot + 1;
	}
	return desc ? SfDescribeField(desc, part) : NULL;
}

/*
 * SfBulkFieldsProblem
 *		NULL if a query job can return every field of 'fields' (Strings:
 *		paths) of 'sobject', with '*value_classes' (IntList) set to the
 *		SF_CSV_* class of each; else why not, a phrase for EXPLAIN.  Bulk API
 *		2.0 refuses compound fields (address, location) and does not return
 *		base64 fields.
 */
const char *
SfBulkFieldsProblem(SfConnection *conn, const char *sobject, List *fields,
					List **value_classes)
{
	ListCell   *lc;

	*value_classes = NIL;
	foreach(lc, fields)
	{
		const char *path = strVal(lfirst(lc));
		const SfFieldDesc *field = field_of_path(conn, sobject, path);
		int			cls = SF_CSV_STRING;

		if (field == NULL)
			return "a field is not in the describe";
		if (strcmp(field->type, "address") == 0 ||
			strcmp(field->type, "location") == 0)
			return psprintf("compound field %s", path);
		if (strcmp(field->type, "base64") == 0)
			return psprintf("base64 field %s", path);
		if (strcmp(field->type, "int") == 0 ||
			strcmp(field->type, "long") == 0 ||
			strcmp(field->type, "double") == 0 ||
			strcmp(field->type, "currency") == 0 ||
			strcmp(field->type, "percent") == 0 ||
			strcmp(field->type, "boolean") == 0)
			cls = SF_CSV_LITERAL;
		else if (strcmp(field->type, "datetime") == 0)
			cls = SF_CSV_DATETIME;
		*value_classes = lappend_int(*value_classes, cls);
	}
	return NULL;
}
