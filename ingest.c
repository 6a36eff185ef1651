/*-------------------------------------------------------------------------
 *
 * ingest.c
 *		  Writes through Bulk API 2.0 ingest jobs: CSV rows in, the records
 *		  Salesforce refused out.
 *
 * modify.c turns rows into CSV lines (SfCsvAppendValue quotes them) and
 * hands them here with their row numbers.  Lines collect in memory until
 * the next one would take the upload past salesforce_fdw.bulk_upload_bytes
 * (Salesforce takes at most 150 MB per job; the default stays well below):
 * then that much goes out as one job (create, one upload, close), and the
 * rest into the next job.  SfIngestFinish sends the last job, waits for
 * all of them (bulk.c polls, interruptibly, and aborts jobs a failed
 * statement leaves behind) and reads the failedResults of jobs that
 * refused records.  failedResults come in no particular order and carry no
 * row number, but echo each record's values as uploaded: a hash of the
 * line, quoted the same way, finds the row again (identical lines are
 * matched in order).  Jobs never retry: a record is sent once.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "salesforce_fdw.h"		/* first: see the json_object note there */

#include "common/hashfn.h"
#include "mb/pg_wchar.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

/* Largest CSV upload of one job, in bytes (salesforce_fdw.bulk_upload_bytes) */
static int	bulk_upload_bytes = 100 * 1000 * 1000;
static bool guc_defined = false;

/* One ingest job of the statement */
typedef struct SfIngestJob
{
	SfBulkJob  *job;
	int64		nrows;
	int64	   *positions;		/* row number of each uploaded line */
	uint64	   *hashes;			/* hash of each uploaded line */
} SfIngestJob;

struct SfIngest
{
	SfConnection *conn;
	Oid			relid;
	char	   *sobject;
	char	   *operation;		/* insert, update, upsert, delete */
	char	   *external_id;	/* upsert: externalIdFieldName */
	char	   *header;			/* the CSV header line, with its newline */
	MemoryContext cxt;			/* everything above and below */

	/* the lines of the job being filled */
	StringInfoData csv;
	int64		nrows;
	int64		maxrows;
	int64	   *positions;
	uint64	   *hashes;

	List	   *jobs;			/* SfIngestJob, in upload order */
	uint64		requests;		/* API requests of finished jobs */
};

/* An entry of read_failures' table of lines */
typedef struct SfLineEntry
{
	uint64		hash;			/* key */
	int64		head;			/* first row not yet matched, or -1 */
} SfLineEntry;

static void send_job(SfIngest *ing);
static void read_failures(SfIngest *ing, SfIngestJob *ij,
						  SfIngestOutcome *out);
static void parse_error_text(const char *text, char **code, char **message,
							 char **fields);
static uint64 line_hash(const char *line, size_t len);

/*
 * define_guc
 *		salesforce_fdw.bulk_upload_bytes, defined at first use (a SET before
 *		the library is loaded is kept as a placeholder until then).
 */
static void
define_guc(void)
{
	if (guc_defined)
		return;
	DefineCustomIntVariable("salesforce_fdw.bulk_upload_bytes",
							"Largest CSV upload of one Bulk API ingest job, in bytes.",
							"A write with more data is split into several jobs.",
							&bulk_upload_bytes,
							100 * 1000 * 1000, 100, 150 * 1000 * 1000,
							PGC_USERSET, GUC_NOT_IN_SAMPLE,
							NULL, NULL, NULL);
	guc_defined = true;
}

/*
 * SfIngestBegin
 *		Prepare the ingest jobs of one statement writing 'sobject' of
 *		foreign table 'relid': 'operation' is insert, update, upsert (by
 *		'external_id') or delete; 'header' the CSV header line (no newline).
 *		Nothing is sent yet.  Lives in CurrentMemoryContext.
 */
SfIngest *
SfIngestBegin(SfConnection *conn, Oid relid, const char *sobject,
			  const char *operation, const char *external_id,
			  const char *header)
{
	SfIngest   *ing;
	MemoryContext cxt;
	MemoryContext oldcxt;

	define_guc();
	cxt = AllocSetContextCreate(CurrentMemoryContext,
								"salesforce_fdw ingest",
								ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(cxt);
	ing = palloc0(sizeof(SfIngest));
	ing->cxt = cxt;
	ing->conn = conn;
	ing->relid = relid;
	ing->sobject = pstrdup(sobject);
	ing->operation = pstrdup(operation);
	ing->external_id = external_id ? pstrdup(external_id) : NULL;
	ing->header = psprintf("%s\n", header);
	initStringInfo(&ing->csv);
	MemoryContextSwitchTo(oldcxt);
	return ing;
}

/*
 * SfIngestAddRow
 *		Add the CSV line (no newline) of row 'position'.  Sends the job
 *		being filled first if the line would take it past the upload limit.
 */
void
SfIngestAddRow(SfIngest *ing, int64 position, const char *line, size_t len)
{
	MemoryContext oldcxt;

	if (ing->nrows > 0 &&
		ing->csv.len + len + 1 > (size_t) bulk_upload_bytes)
		send_job(ing);

	oldcxt = MemoryContextSwitchTo(ing->cxt);
	if (ing->nrows == 0)
	{
		resetStringInfo(&ing->csv);
		appendStringInfoString(&ing->csv, ing->header);
	}
	if (ing->nrows >= ing->maxrows)
	{
		ing->maxrows = ing->maxrows == 0 ? 1024 : ing->maxrows * 2;
		if (ing->positions == NULL)
		{
			ing->positions = palloc_extended(sizeof(int64) * ing->maxrows,
											 MCXT_ALLOC_HUGE);
			ing->hashes = palloc_extended(sizeof(uint64) * ing->maxrows,
										  MCXT_ALLOC_HUGE);
		}
		else
		{
			ing->positions = repalloc_huge(ing->positions,
										   sizeof(int64) * ing->maxrows);
			ing->hashes = repalloc_huge(ing->hashes,
										sizeof(uint64) * ing->maxrows);
		}
	}
	ing->positions[ing->nrows] = position;
	ing->hashes[ing->nrows] = line_hash(line, len);
	ing->nrows++;
	appendBinaryStringInfo(&ing->csv, line, len);
	appendStringInfoChar(&ing->csv, '\n');
	MemoryContextSwitchTo(oldcxt);
}

/*
 * send_job
 *		Create a job for the lines collected, upload them, and close the
 *		upload so that Salesforce starts processing.
 */
static void
send_job(SfIngest *ing)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(ing->cxt);
	SfIngestJob *ij = palloc0(sizeof(SfIngestJob));
	json_object *spec = json_object_new_object();
	const char *body = ing->csv.data;
	char	   *failure;

	json_object_object_add(spec, "object", json_object_new_string(ing->sobject));
	json_object_object_add(spec, "operation",
						   json_object_new_string(ing->operation));
	if (ing->external_id != NULL)
		json_object_object_add(spec, "externalIdFieldName",
							   json_object_new_string(ing->external_id));
	ij->job = SfBulkCreateJob(ing->conn, true, ing->sobject, spec);
	ij->nrows = ing->nrows;
	ij->positions = ing->positions;
	ij->hashes = ing->hashes;
	ing->jobs = lappend(ing->jobs, ij);

	/* the next job gets arrays of its own */
	ing->positions = NULL;
	ing->hashes = NULL;
	ing->nrows = 0;
	ing->maxrows = 0;

	/* Salesforce reads UTF-8 */
	if (GetDatabaseEncoding() != PG_UTF8)
		body = pg_server_to_any(ing->csv.data, ing->csv.len, PG_UTF8);
	failure = psprintf("could not upload data to Bulk API ingest job %s",
					   ij->job->id);
	(void) SfBulkRequest(ij->job, "PUT", "batches", body, "text/csv", false,
						 0, NULL, failure);
	SfBulkSetJobState(ij->job, "UploadComplete");
	if (body != ing->csv.data)
		pfree((char *) body);
	resetStringInfo(&ing->csv);
	MemoryContextSwitchTo(oldcxt);
}

/*
 * SfIngestFinish
 *		Send the last job, wait for every job of the statement and gather
 *		what they did into 'out': the records written, the records refused
 *		(each one also goes to salesforce_last_failures()) and the first of
 *		them by row number.  A job that failed as a whole raises an error
 *		(bulk.c), as does a cancel during the wait.
 */
void
SfIngestFinish(SfIngest *ing, SfIngestOutcome *out)
{
	ListCell   *lc;

	memset(out, 0, sizeof(*out));
	out->first_position = -1;
	if (ing->nrows > 0)
		send_job(ing);

	foreach(lc, ing->jobs)
	{
		SfIngestJob *ij = (SfIngestJob *) lfirst(lc);

		SfBulkWaitJob(ij->job);
		out->written += ij->job->records_processed - ij->job->records_failed;
		if (ij->job->records_failed > 0)
			read_failures(ing, ij, out);
	}
}

/*
 * SfIngestJobs
 *		The ids of the statement's jobs, comma-separated (for EXPLAIN), and
 *		the API requests they made.
 */
char *
SfIngestJobs(SfIngest *ing, uint64 *requests)
{
	StringInfoData ids;
	ListCell   *lc;

	initStringInfo(&ids);
	*requests = 0;
	foreach(lc, ing->jobs)
	{
		SfIngestJob *ij = (SfIngestJob *) lfirst(lc);
		SfBulkJob  *job = ij->job;

		if (ids.len > 0)
			appendStringInfoString(&ids, ", ");
		appendStringInfoString(&ids, job->id);
		*requests += job->create_requests + job->poll_requests +
			job->result_requests + job->other_requests;
	}
	return ids.data;
}

/*
 * read_failures
 *		Read a job's failedResults, find each record's row by its echoed
 *		values, and record the failures.
 */
static void
read_failures(SfIngest *ing, SfIngestJob *ij, SfIngestOutcome *out)
{
	MemoryContext cxt;
	MemoryContext oldcxt;
	HTAB	   *lines;
	HASHCTL		ctl;
	int64	   *next;
	char	   *locator = NULL;

	cxt = AllocSetContextCreate(CurrentMemoryContext,
								"salesforce_fdw ingest results",
								ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(cxt);

	/*
	 * Rows by line hash: each entry heads a chain of the rows with that hash
	 * in row order; a failed record takes the first one left.
	 */
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(SfLineEntry);
	ctl.hcxt = cxt;
	lines = hash_create("salesforce_fdw ingest lines", Max(ij->nrows, 16),
						&ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	next = palloc_extended(sizeof(int64) * Max(ij->nrows, 1), MCXT_ALLOC_HUGE);
	for (int64 r = ij->nrows - 1; r >= 0; r--)
	{
		bool		found;
		SfLineEntry *e = hash_search(lines, &ij->hashes[r], HASH_ENTER, &found);

		next[r] = found ? e->head : -1;
		e->head = r;
	}
	do
	{
		size_t		len;
		const char *data;
		SfCsvReader reader;
		int			ncols;
		int			id_col = -1;
		int			error_col = -1;
		int			echo_id_col = -1;
		int			first_data;

		data = SfBulkFetchResults(ij->job, "failedResults", &locator, 0, &len);
		SfCsvInit(&reader, data, len);
		ncols = SfCsvNextRow(&reader);
		first_data = ncols;
		for (int i = 0; i < ncols; i++)
		{
			if (strcmp(reader.values[i], "sf__Id") == 0)
				id_col = i;
			else if (strcmp(reader.values[i], "sf__Error") == 0)
				error_col = i;
			else if (strncmp(reader.values[i], "sf__", 4) != 0)
			{
				first_data = i;
				break;
			}
		}
		for (int i = first_data; i < ncols; i++)
		{
			if (pg_strcasecmp(reader.values[i], "Id") == 0)
				echo_id_col = i;
		}

		while ((ncols = SfCsvNextRow(&reader)) > 0)
		{
			StringInfoData line;
			uint64		hash;
			int64		index = -1;
			char	   *code;
			char	   *message;
			char	   *fields;
			const char *id;

			/* the line as we wrote it, from the echoed values */
			initStringInfo(&line);
			for (int i = first_data; i < ncols; i++)
			{
				char	   *value = reader.values[i];

				if (GetDatabaseEncoding() != PG_UTF8)
					value = pg_any_to_server(value, reader.lengths[i], PG_UTF8);
				if (i > first_data)
					appendStringInfoChar(&line, ',');
				SfCsvAppendValue(&line, value);
			}
			hash = line_hash(line.data, line.len);
			{
				SfLineEntry *e = hash_search(lines, &hash, HASH_FIND, NULL);

				if (e != NULL && e->head >= 0)
				{
					index = e->head;
					e->head = next[index];
				}
			}
			pfree(line.data);

			parse_error_text(error_col >= 0 ? reader.values[error_col] : "",
							 &code, &message, &fields);
			/* the Id Salesforce names, else the one the row was sent with */
			id = id_col >= 0 ? reader.values[id_col] : NULL;
			if ((id == NULL || id[0] == '\0') && echo_id_col >= 0 &&
				echo_id_col < ncols)
				id = reader.values[echo_id_col];
			SfFailuresAdd(ing->relid,
						  index >= 0 ? ij->positions[index] : 0,
						  id, code, message, fields);
			out->failed++;
			if (index >= 0 &&
				(out->first_position < 0 ||
				 ij->positions[index] < out->first_position))
			{
				MemoryContextSwitchTo(oldcxt);
				out->first_position = ij->positions[index];
				out->first_id = (id && id[0]) ? pstrdup(id) : NULL;
				out->first_code = pstrdup(code);
				out->first_message = pstrdup(message);
				out->first_fields = pstrdup(fields);
				MemoryContextSwitchTo(cxt);
			}
		}
	} while (locator != NULL);

	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(cxt);
}

/*
 * parse_error_text
 *		Split an sf__Error value, "CODE:message:Field1,Field2 --" (the
 *		message may hold colons itself; several errors are separated by
 *		" --"), into its first error's code, message and fields.
 */
static void
parse_error_text(const char *text, char **code, char **message,
				 char **fields)
{
	char	   *copy = pstrdup(text);
	char	   *end = strstr(copy, " --");
	char	   *colon;
	char	   *last;

	if (end != NULL)
		*end = '\0';
	colon = strchr(copy, ':');
	if (colon == NULL)
	{
		*code = copy[0] ? copy : "UNKNOWN_EXCEPTION";
		*message = "";
		*fields = "";
		return;
	}
	*colon = '\0';
	*code = copy;
	last = strrchr(colon + 1, ':');
	if (last != NULL && strchr(last + 1, ' ') == NULL)
	{
		/* the text after the last colon is a list of field names */
		*last = '\0';
		*fields = last + 1;
	}
	else
		*fields = "";
	*message = colon + 1;
}

/*
 * SfCsvAppendValue
 *		Append one CSV value: quoted (with '"' doubled) when it holds a
 *		comma, a double quote or a line break, as is otherwise.
 */
void
SfCsvAppendValue(StringInfo buf, const char *value)
{
	if (strpbrk(value, ",\"\r\n") == NULL)
	{
		appendStringInfoString(buf, value);
		return;
	}
	appendStringInfoChar(buf, '"');
	for (const char *p = value; *p; p++)
	{
		if (*p == '"')
			appendStringInfoChar(buf, '"');
		appendStringInfoChar(buf, *p);
	}
	appendStringInfoChar(buf, '"');
}

/* Hash of one CSV line */
static uint64
line_hash(const char *line, size_t len)
{
	return hash_bytes_extended((const unsigned char *) line, (int) len, 0);
}
