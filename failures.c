/*-------------------------------------------------------------------------
 *
 * failures.c
 *		  The failed records of this backend's last write statement, and
 *		  salesforce_last_failures() that returns them.
 *
 * A write statement stops at its first failed request (sObject
 * Collections) or fails after its ingest jobs (Bulk API 2.0), but either
 * may have several refused records; the error names the first, this list
 * keeps them all.  It lives in a backend-lifetime memory context so that
 * it survives the statement's abort, and is emptied when the next write
 * statement begins: "a statement" is one executor state, so the several
 * foreign tables one statement writes (partitions, a CTE) share the list.
 * Texts Salesforce sent are kept in the database encoding (non-ASCII bytes
 * become '?' where that encoding cannot take UTF-8 as is).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "salesforce_fdw.h"		/* first: see the json_object note there */

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

/* One refused record */
typedef struct SfFailure
{
	Oid			relid;			/* the foreign table written */
	int64		position;		/* row number within the statement */
	char	   *id;				/* record Id, or NULL when unknown */
	char	   *code;			/* Salesforce's statusCode */
	char	   *message;
	char	   *fields;			/* comma-separated field names, or "" */
	int64		seq;			/* order of arrival, among equal positions */
} SfFailure;

static MemoryContext failures_cxt = NULL;
static SfFailure *failures = NULL;
static int64 nfailures = 0;
static int64 maxfailures = 0;

/* The executor state of the statement the list belongs to, while it runs */
static EState *failures_estate = NULL;

static void forget_statement(void *arg);
static int	compare_failures(const void *a, const void *b);
static char *remote_text(const char *s);

/*
 * SfFailuresBeginStatement
 *		A write through 'estate' begins: unless the list already belongs to
 *		that statement, empty it and make it that statement's.
 */
void
SfFailuresBeginStatement(EState *estate)
{
	MemoryContextCallback *callback;

	if (estate == failures_estate)
		return;

	if (failures_cxt == NULL)
		failures_cxt = AllocSetContextCreate(TopMemoryContext,
											 "salesforce_fdw last failures",
											 ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(failures_cxt);
	failures = NULL;
	nfailures = 0;
	maxfailures = 0;

	/*
	 * The executor state's memory goes away when the statement ends, normally
	 * or by an error; from then on the next write is a new statement, even
	 * one whose EState lands at the same address.
	 */
	failures_estate = estate;
	callback = (MemoryContextCallback *)
		MemoryContextAlloc(estate->es_query_cxt, sizeof(MemoryContextCallback));
	callback->func = forget_statement;
	callback->arg = estate;
	MemoryContextRegisterResetCallback(estate->es_query_cxt, callback);
}

/* Reset callback of the statement's executor memory */
static void
forget_statement(void *arg)
{
	if (failures_estate == (EState *) arg)
		failures_estate = NULL;
}

/*
 * SfFailuresAdd
 *		Remember one record Salesforce refused.  'id' may be NULL or "";
 *		'code', 'message' and 'fields' (comma-separated) are Salesforce's
 *		UTF-8 texts, NULL meaning none.
 */
void
SfFailuresAdd(Oid relid, int64 position, const char *id, const char *code,
			  const char *message, const char *fields)
{
	MemoryContext oldcxt;
	SfFailure  *f;

	if (failures_cxt == NULL)
		failures_cxt = AllocSetContextCreate(TopMemoryContext,
											 "salesforce_fdw last failures",
											 ALLOCSET_SMALL_SIZES);
	oldcxt = MemoryContextSwitchTo(failures_cxt);
	if (nfailures >= maxfailures)
	{
		maxfailures = maxfailures == 0 ? 64 : maxfailures * 2;
		if (failures == NULL)
			failures = (SfFailure *) palloc(sizeof(SfFailure) * maxfailures);
		else
			failures = (SfFailure *) repalloc_huge(failures,
												   sizeof(SfFailure) * maxfailures);
	}
	f = &failures[nfailures];
	f->relid = relid;
	f->position = position;
	f->id = (id != NULL && id[0] != '\0') ? remote_text(id) : NULL;
	f->code = remote_text(code ? code : "UNKNOWN_EXCEPTION");
	f->message = remote_text(message ? message : "");
	f->fields = remote_text(fields ? fields : "");
	f->seq = nfailures;
	nfailures++;
	MemoryContextSwitchTo(oldcxt);
}

/*
 * SfFailuresCount
 *		How many failures the list holds.
 */
int64
SfFailuresCount(void)
{
	return nfailures;
}

/* A Salesforce text, in the current context and the database encoding */
static char *
remote_text(const char *s)
{
	StringInfoData buf;

	initStringInfo(&buf);
	SfAppendRemoteText(&buf, s);
	return buf.data;
}

PG_FUNCTION_INFO_V1(salesforce_last_failures);

/*
 * salesforce_last_failures()
 *		One row per record Salesforce refused in this backend's last write
 *		statement, in row order: foreign_table, row_number, id, status_code,
 *		message, fields.
 */
Datum
salesforce_last_failures(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Tuplestorestate *tupstore = SfBeginMaterialize(fcinfo, &tupdesc);

	/* Bulk API reports failures in no particular order */
	if (nfailures > 1)
		qsort(failures, nfailures, sizeof(SfFailure), compare_failures);

	for (int64 i = 0; i < nfailures; i++)
	{
		SfFailure  *f = &failures[i];
		Datum		values[6];
		bool		nulls[6];
		List	   *names = NIL;
		Datum	   *elems;
		int			n = 0;
		ListCell   *lc;

		memset(nulls, 0, sizeof(nulls));
		values[0] = ObjectIdGetDatum(f->relid);
		values[1] = Int64GetDatum(f->position);
		if (f->id != NULL)
			values[2] = CStringGetTextDatum(f->id);
		else
			nulls[2] = true;
		values[3] = CStringGetTextDatum(f->code);
		values[4] = CStringGetTextDatum(f->message);

		if (f->fields[0] != '\0')
		{
			char	   *copy = pstrdup(f->fields);
			char	   *tok;
			char	   *save;

			for (tok = strtok_r(copy, ",", &save); tok != NULL;
				 tok = strtok_r(NULL, ",", &save))
			{
				while (*tok == ' ')
					tok++;
				if (*tok != '\0')
					names = lappend(names, tok);
			}
		}
		elems = (Datum *) palloc(sizeof(Datum) * Max(list_length(names), 1));
		foreach(lc, names)
			elems[n++] = CStringGetTextDatum((char *) lfirst(lc));
		values[5] = PointerGetDatum(construct_array(elems, n, TEXTOID, -1,
													false, TYPALIGN_INT));
		tuplestore_putvalues(tupstore, tupdesc, values, nulls);
	}

	return (Datum) 0;
}

/* qsort comparator: by row number, then by arrival */
static int
compare_failures(const void *a, const void *b)
{
	const SfFailure *fa = (const SfFailure *) a;
	const SfFailure *fb = (const SfFailure *) b;

	if (fa->position != fb->position)
		return fa->position < fb->position ? -1 : 1;
	if (fa->seq != fb->seq)
		return fa->seq < fb->seq ? -1 : 1;
	return 0;
}
