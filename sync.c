/*-------------------------------------------------------------------------
 *
 * sync.c
 *		  Salesforce's replication resources (Get Updated, Get Deleted) and
 *		  salesforce_sync, which keeps a local table equal to a foreign table.
 *
 * A sync reads records only through the foreign table (SPI).  Its
 * watermark is the largest SystemModstamp Salesforce reported, never a
 * local clock, read again minus a lookback.  Hard deletes come from Get
 * Deleted, or, when that no longer reaches back, from comparing every Id.
 * Everything happens in the caller's transaction under an advisory lock on
 * the pair of tables.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "salesforce_fdw.h"		/* first: see the json_object note there */

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"
#include "utils/varlena.h"

/* How far back Salesforce answers: Get Updated 30 days, Get Deleted 15 */
#define SF_UPDATED_DAYS			30
#define SF_DELETED_DAYS			15

/* Ids read through the foreign table per query (deparse.c sends 200) */
#define SF_SYNC_ID_BATCH		200

/*
 * More changed records than this are not read by Id (one request per 200)
 * but by reading the whole table (one request per 2,000).
 */
#define SF_SYNC_MAX_ID_FETCH	2000

/* Outcome of one replication request */
#define SF_REPL_OK				0
#define SF_REPL_TOO_OLD			1	/* INVALID_REPLICATION_DATE */
#define SF_REPL_TOO_MANY		2	/* EXCEEDED_ID_LIMIT */
#define SF_REPL_UNSUPPORTED		3	/* INVALID_TYPE: not replicateable */

/* What one Get Updated / Get Deleted pass over a window found */
typedef struct SfReplication
{
	ArrayBuildState *ids;		/* text ids */
	List	   *deleted_at;		/* TimestampTz * per id (Get Deleted) */
	int64		nids;
	TimestampTz latest;			/* latestDateCovered of the last request */
	bool		too_old;		/* Salesforce no longer covers the start */
	char	   *message;		/* Salesforce's message when too_old */
} SfReplication;

/* A foreign table as the sync sees it */
typedef struct SfSyncTable
{
	Oid			ftoid;
	char	   *ftname;			/* qualified and quoted, for SQL */
	char	   *sobject;
	bool		query_all;
	int			natts;
	char	  **columns;		/* quoted column names */
	char	  **attnames;		/* plain column names */
	char	  **fields;			/* Salesforce field of each column */
	Oid		   *types;
	int32	   *typmods;
	int			id_index;		/* index of the column mapped to Id */
	bool		comparable;		/* every column type has an = operator */
} SfSyncTable;

static const char *sync_modes[] = {"full", "incremental", "reconcile"};

#define SF_SYNC_FULL		0
#define SF_SYNC_INCREMENTAL	1
#define SF_SYNC_RECONCILE	2

static char *utc_text(TimestampTz t, bool soql);
static TimestampTz parse_sf_datetime(const char *text);
static TimestampTz minute_floor(TimestampTz t);
static int	replication_request(SfConnection *conn, const char *sobject,
								bool deleted, TimestampTz start,
								TimestampTz end, bool for_sync,
								SfReplication *out);
static void replication_window(SfConnection *conn, const char *sobject,
							   bool deleted, TimestampTz since,
							   TimestampTz until, bool for_sync,
							   SfReplication *out);
static void replication_function(FunctionCallInfo fcinfo, bool deleted);

/* ---------------------------------------------------------------------
 * Dates
 * ---------------------------------------------------------------------
 */

/*
 * utc_text
 *		A timestamp in UTC: SOQL's literal ("2024-05-01T10:30:00.123Z") or
 *		a replication parameter ("2024-05-01T10:30:00+00:00").
 */
static char *
utc_text(TimestampTz t, bool soql)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (TIMESTAMP_NOT_FINITE(t) ||
		timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range for Salesforce")));
	if (soql)
		return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
						tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour,
						tm.tm_min, tm.tm_sec, (int) (fsec / 1000));
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d+00:00",
					tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour,
					tm.tm_min, tm.tm_sec);
}

/* A Salesforce datetime ("2013-05-07T22:07:19.000+0000") */
static TimestampTz
parse_sf_datetime(const char *text)
{
	return DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in,
												   CStringGetDatum(text),
												   ObjectIdGetDatum(InvalidOid),
												   Int32GetDatum(-1)));
}

/* Salesforce truncates replication dates to the minute; so do we */
static TimestampTz
minute_floor(TimestampTz t)
{
	TimestampTz r = t - t % USECS_PER_MINUTE;

	return (t < 0 && r != t) ? r - USECS_PER_MINUTE : r;
}

/* ---------------------------------------------------------------------
 * Get Updated and Get Deleted
 * ---------------------------------------------------------------------
 */

/*
 * replication_request
 *		One GET .../sobjects/X/updated/ or .../deleted/ over [start, end):
 *		the ids go to 'out'.  Returns SF_REPL_TOO_OLD or SF_REPL_TOO_MANY
 *		for the two errors a caller can act on (a window Salesforce no
 *		longer covers, too many ids), and for a sync SF_REPL_UNSUPPORTED
 *		when the object is not replicateable; every other error is raised.
 */
static int
replication_request(SfConnection *conn, const char *sobject, bool deleted,
					TimestampTz start, TimestampTz end, bool for_sync,
					SfReplication *out)
{
	SfRequest	req;
	json_object *json = NULL;
	json_object *list;
	json_object *val;
	char	   *resource;
	char	   *failure;
	int			status;
	size_t		i;

	resource = psprintf("sobjects/%s/%s/?start=%s&end=%s", sobject,
						deleted ? "deleted" : "updated",
						utc_text(start, false), utc_text(end, false));
	/* ':' and '+' must travel encoded */
	{
		StringInfoData enc;
		const char *p;

		initStringInfo(&enc);
		for (p = resource; *p; p++)
		{
			if (*p == ':')
				appendStringInfoString(&enc, "%3A");
			else if (*p == '+')
				appendStringInfoString(&enc, "%2B");
			else
				appendStringInfoChar(&enc, *p);
		}
		resource = enc.data;
	}
	failure = deleted ?
		psprintf("could not read the deleted records of Salesforce object \"%s\"", sobject) :
		psprintf("could not read the updated records of Salesforce object \"%s\"", sobject);

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = SfApiPath(conn, resource);
	status = SfPerformRequest(conn, &req, SF_REQ_RETURN_ERRORS, &json,
							  failure);

	if (status == 400 && json != NULL &&
		json_object_is_type(json, json_type_array) &&
		json_object_array_length(json) > 0)
	{
		json_object *first = json_object_array_get_idx(json, 0);
		const char *code = SfJsonGetString(first, "errorCode");

		if (code != NULL && strcmp(code, "INVALID_REPLICATION_DATE") == 0)
		{
			StringInfoData msg;

			initStringInfo(&msg);
			SfAppendRemoteText(&msg, SfJsonGetString(first, "message"));
			out->message = msg.data;
			return SF_REPL_TOO_OLD;
		}
		if (code != NULL && strcmp(code, "EXCEEDED_ID_LIMIT") == 0)
			return SF_REPL_TOO_MANY;
		if (for_sync && code != NULL && strcmp(code, "INVALID_TYPE") == 0)
			return SF_REPL_UNSUPPORTED;
	}
	if (status < 200 || status >= 300)
		SfReportError(conn, failure, status, json);

	if (json == NULL || !json_object_is_type(json, json_type_object) ||
		!json_object_object_get_ex(json, deleted ? "deletedRecords" : "ids",
								   &list) ||
		!json_object_is_type(list, json_type_array))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("%s", failure),
				 errdetail("The response has no \"%s\" array.",
						   deleted ? "deletedRecords" : "ids")));

	for (i = 0; i < json_object_array_length(list); i++)
	{
		json_object *item = json_object_array_get_idx(list, i);
		const char *id = NULL;

		if (deleted)
		{
			TimestampTz *at = palloc(sizeof(TimestampTz));

			id = SfJsonGetString(item, "id");
			if (!json_object_object_get_ex(item, "deletedDate", &val) ||
				!json_object_is_type(val, json_type_string))
				id = NULL;
			if (id != NULL)
			{
				*at = parse_sf_datetime(json_object_get_string(val));
				out->deleted_at = lappend(out->deleted_at, at);
			}
		}
		else if (json_object_is_type(item, json_type_string))
			id = json_object_get_string(item);
		if (id == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 errmsg("%s", failure),
					 errdetail("An entry of the response has no id.")));
		out->ids = accumArrayResult(out->ids, CStringGetTextDatum(id), false,
									TEXTOID, CurrentMemoryContext);
		out->nids++;
	}

	out->latest = end;
	if (json_object_object_get_ex(json, "latestDateCovered", &val) &&
		json_object_is_type(val, json_type_string))
		out->latest = parse_sf_datetime(json_object_get_string(val));
	if (deleted &&
		json_object_object_get_ex(json, "earliestDateAvailable", &val) &&
		json_object_is_type(val, json_type_string) &&
		parse_sf_datetime(json_object_get_string(val)) > minute_floor(start))
	{
		out->message = psprintf("The delete log starts at %s.",
								json_object_get_string(val));
		return SF_REPL_TOO_OLD;
	}
	return SF_REPL_OK;
}

/*
 * replication_window
 *		Every id of Get Updated or Get Deleted over [since, until), in as
 *		many requests as Salesforce needs: windows longer than it answers
 *		are cut, and one with too many ids is halved until it fits.  A
 *		window Salesforce no longer covers, or an object it does not
 *		replicate, sets out->too_old when 'for_sync', else raises an error.
 */
static void
replication_window(SfConnection *conn, const char *sobject, bool deleted,
				   TimestampTz since, TimestampTz until, bool for_sync,
				   SfReplication *out)
{
	TimestampTz longest = (TimestampTz) (deleted ? SF_DELETED_DAYS :
										 SF_UPDATED_DAYS) * USECS_PER_DAY;
	TimestampTz span = longest;
	TimestampTz start = minute_floor(since);

	memset(out, 0, sizeof(SfReplication));
	out->latest = start;
	until = minute_floor(until);
	while (start < until)
	{
		TimestampTz end = (until - start > span) ? start + span : until;
		int			rc;

		CHECK_FOR_INTERRUPTS();
		rc = replication_request(conn, sobject, deleted, start, end, for_sync,
								 out);
		if (rc == SF_REPL_TOO_MANY)
		{
			span = minute_floor((end - start) / 2);
			if (span < USECS_PER_MINUTE)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 deleted ?
						 errmsg("could not read the deleted records of Salesforce object \"%s\"",
								sobject) :
						 errmsg("could not read the updated records of Salesforce object \"%s\"",
								sobject),
						 errdetail("More records changed in one minute than Salesforce returns in one answer (EXCEEDED_ID_LIMIT).")));
			continue;
		}
		if (rc == SF_REPL_UNSUPPORTED)
		{
			/* no Get Deleted for this object: the sync compares Ids */
			out->too_old = true;
			return;
		}
		if (rc == SF_REPL_TOO_OLD)
		{
			if (for_sync)
			{
				out->too_old = true;
				return;
			}
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 deleted ?
					 errmsg("Salesforce no longer covers the deleted records of object \"%s\" that far back",
							sobject) :
					 errmsg("Salesforce no longer covers the updated records of object \"%s\" that far back",
							sobject),
					 errdetail_internal("%s", out->message ? out->message : ""),
					 deleted ?
					 errhint("Get Deleted answers for at most %d days back, less when the Recycle Bin was emptied; compare every Id instead (salesforce_sync does so in mode \"reconcile\").",
							 SF_DELETED_DAYS) :
					 errhint("Get Updated answers for at most %d days back; read the records by SystemModstamp instead.",
							 SF_UPDATED_DAYS)));
		}
		/* latestDateCovered can lag behind 'end' while transactions run */
		start = end;
		span = longest;
	}
}

/* salesforce_updated / salesforce_deleted: one row per id */
static void
replication_function(FunctionCallInfo fcinfo, bool deleted)
{
	char	   *server_name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *sobject = text_to_cstring(PG_GETARG_TEXT_PP(1));
	TimestampTz since = PG_GETARG_TIMESTAMPTZ(2);
	TimestampTz until = PG_GETARG_TIMESTAMPTZ(3);
	SfConnection *conn;
	TupleDesc	tupdesc;
	Tuplestorestate *tupstore;
	SfReplication repl;
	ListCell   *lc;
	Datum	   *ids = NULL;
	bool	   *nulls;
	int			n = 0;

	if (!SfIsApiName(sobject, strlen(sobject)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid Salesforce object name \"%s\"", sobject)));
	if (TIMESTAMP_NOT_FINITE(since) || TIMESTAMP_NOT_FINITE(until) ||
		since >= until)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"since\" must be a finite time earlier than \"until\"")));

	conn = SfConnectionForServer(server_name);
	tupstore = SfBeginMaterialize(fcinfo, &tupdesc);
	replication_window(conn, sobject, deleted, since, until, false, &repl);

	if (repl.ids != NULL)
		deconstruct_array(DatumGetArrayTypeP(makeArrayResult(repl.ids,
															 CurrentMemoryContext)),
						  TEXTOID, -1, false, TYPALIGN_INT, &ids, &nulls, &n);
	lc = list_head(repl.deleted_at);
	for (int i = 0; i < n; i++)
	{
		Datum		values[2];
		bool		isnull[2] = {false, false};

		values[0] = ids[i];
		if (deleted)
		{
			values[1] = TimestampTzGetDatum(*(TimestampTz *) lfirst(lc));
			lc = lnext(repl.deleted_at, lc);
		}
		tuplestore_putvalues(tupstore, tupdesc, values, isnull);
	}
}

PG_FUNCTION_INFO_V1(salesforce_updated);
PG_FUNCTION_INFO_V1(salesforce_deleted);
PG_FUNCTION_INFO_V1(salesforce_sync);

/*
 * salesforce_updated(server_name, sobject, since, until)
 *		Ids of the records added or changed in [since, until): the Get
 *		Updated resource, in as many requests as the window needs.
 */
Datum
salesforce_updated(PG_FUNCTION_ARGS)
{
	replication_function(fcinfo, false);
	return (Datum) 0;
}

/*
 * salesforce_deleted(server_name, sobject, since, until)
 *		Ids and deletion times of the records deleted in [since, until):
 *		the Get Deleted resource.
 */
Datum
salesforce_deleted(PG_FUNCTION_ARGS)
{
	replication_function(fcinfo, true);
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * salesforce_sync
 * ---------------------------------------------------------------------
 */

/* The foreign table's columns, its Id column and its options. */
static void
sync_table(Oid ftoid, SfSyncTable *t)
{
	Relation	rel;
	TupleDesc	desc;
	SfTableOptions opts;

	if (get_rel_relkind(ftoid) != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a foreign table", get_rel_name(ftoid))));
	{
		ForeignTable *ft = GetForeignTable(ftoid);
		ForeignServer *server = GetForeignServer(ft->serverid);
		ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);
		char	   *handler = OidIsValid(fdw->fdwhandler) ?
		get_func_name(fdw->fdwhandler) : NULL;

		if (handler == NULL || strcmp(handler, "salesforce_fdw_handler") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("foreign table \"%s\" does not belong to salesforce_fdw",
							get_rel_name(ftoid))));
	}

	SfGetTableOptions(ftoid, &opts);
	t->ftoid = ftoid;
	t->ftname = quote_qualified_identifier(get_namespace_name(get_rel_namespace(ftoid)),
										   get_rel_name(ftoid));
	t->sobject = opts.sobject;
	t->query_all = opts.query_all;
	t->id_index = -1;
	t->comparable = true;

	rel = table_open(ftoid, AccessShareLock);
	desc = RelationGetDescr(rel);
	t->columns = palloc(sizeof(char *) * desc->natts);
	t->attnames = palloc(sizeof(char *) * desc->natts);
	t->fields = palloc(sizeof(char *) * desc->natts);
	t->types = palloc(sizeof(Oid) * desc->natts);
	t->typmods = palloc(sizeof(int32) * desc->natts);
	t->natts = 0;
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		char	   *field;

		if (att->attisdropped)
			continue;
		field = SfColumnField(ftoid, att->attnum);
		if (pg_strcasecmp(field, "Id") == 0 && t->id_index < 0)
			t->id_index = t->natts;
		t->attnames[t->natts] = pstrdup(NameStr(att->attname));
		t->fields[t->natts] = field;
		t->columns[t->natts] = pstrdup(quote_identifier(NameStr(att->attname)));
		t->types[t->natts] = att->atttypid;
		t->typmods[t->natts] = att->atttypmod;
		if (!OidIsValid(lookup_type_cache(att->atttypid,
										  TYPECACHE_EQ_OPR)->eq_opr))
			t->comparable = false;
		t->natts++;
	}
	table_close(rel, AccessShareLock);

	if (t->id_index < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
				 errmsg("foreign table \"%s\" has no column for the field \"Id\"",
						get_rel_name(ftoid)),
				 errhint("salesforce_sync matches records by Id: add a column with OPTIONS (field 'Id').")));
}

/*
 * check_local_table
 *		The local table must have every column of the foreign table, of the
 *		same type, and a unique key on exactly the Id column (ON CONFLICT's
 *		arbiter); the error names everything that is missing.
 */
static void
check_local_table(Oid localoid, const char *localname, SfSyncTable *t)
{
	Relation	rel;
	StringInfoData problems;
	AttrNumber	id_attnum = InvalidAttrNumber;
	List	   *indexes;
	ListCell   *lc;
	bool		has_key = false;
	char		relkind = get_rel_relkind(localoid);

	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", localname)));

	initStringInfo(&problems);
	rel = table_open(localoid, AccessShareLock);
	for (int i = 0; i < t->natts; i++)
	{
		AttrNumber	attnum = get_attnum(localoid, t->attnames[i]);
		Oid			typid;
		int32		typmod;
		Oid			collid;

		if (attnum == InvalidAttrNumber)
		{
			appendStringInfo(&problems, "%sColumn \"%s\" is missing.",
							 problems.len ? " " : "", t->attnames[i]);
			continue;
		}
		get_atttypetypmodcoll(localoid, attnum, &typid, &typmod, &collid);
		if (typid != t->types[i])
			appendStringInfo(&problems,
							 "%sColumn \"%s\" has type %s, the foreign table's has type %s.",
							 problems.len ? " " : "", t->attnames[i],
							 format_type_with_typemod(typid, typmod),
							 format_type_with_typemod(t->types[i], t->typmods[i]));
		if (i == t->id_index)
			id_attnum = attnum;
	}

	indexes = RelationGetIndexList(rel);
	foreach(lc, indexes)
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID,
										  ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_index index;

		if (!HeapTupleIsValid(tup))
			continue;
		index = (Form_pg_index) GETSTRUCT(tup);
		if (index->indisunique && index->indimmediate && index->indisvalid &&
			index->indnkeyatts == 1 && id_attnum != InvalidAttrNumber &&
			index->indkey.values[0] == id_attnum &&
			heap_attisnull(tup, Anum_pg_index_indpred, NULL) &&
			heap_attisnull(tup, Anum_pg_index_indexprs, NULL))
			has_key = true;
		ReleaseSysCache(tup);
	}
	table_close(rel, AccessShareLock);

	if (!has_key && id_attnum != InvalidAttrNumber)
		appendStringInfo(&problems,
						 "%sThere is no unique key on column \"%s\" alone (a primary key, or a unique constraint or index that is not deferrable, partial or on an expression).",
						 problems.len ? " " : "", t->attnames[t->id_index]);
	if (problems.len > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
				 errmsg("table \"%s\" cannot hold a copy of foreign table \"%s\"",
						localname, get_rel_name(t->ftoid)),
				 errdetail("%s", problems.data),
				 errhint("Give it the foreign table's columns and a primary key on the Id column, or name a table that does not exist yet: salesforce_sync creates it.")));
}

/* CREATE TABLE with the foreign table's columns and a primary key on Id */
static void
create_local_table(const char *qualname, SfSyncTable *t)
{
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE TABLE %s (", qualname);
	for (int i = 0; i < t->natts; i++)
		appendStringInfo(&sql, "%s %s%s, ", t->columns[i],
						 format_type_with_typemod(t->types[i], t->typmods[i]),
						 i == t->id_index ? " NOT NULL" : "");
	appendStringInfo(&sql, "PRIMARY KEY (%s))", t->columns[t->id_index]);
	if (SPI_execute(sql.data, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not create table %s", qualname);
}

/*
 * lock_pair
 *		A transaction-level advisory lock on (foreign table, local table),
 *		the one pg_advisory_xact_lock(oid::int, hashtext(name)) takes: a
 *		second sync of the pair waits, or fails when lock_timeout says so.
 */
static void
lock_pair(Oid ftoid, const char *qualname, const char *ftname)
{
	LOCKTAG		tag;
	MemoryContext cxt = CurrentMemoryContext;
	uint32		key = DatumGetUInt32(hash_any((const unsigned char *) qualname,
											  strlen(qualname)));

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) ftoid, key, 2);
	PG_TRY();
	{
		(void) LockAcquire(&tag, ExclusiveLock, false, false);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			PG_RE_THROW();
		FlushErrorState();
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("could not lock the sync of foreign table \"%s\" into \"%s\"",
						ftname, qualname),
				 errdetail("Another salesforce_sync of the same tables held the lock for longer than lock_timeout."),
				 errhint("Wait for the other sync to end, or raise lock_timeout.")));
	}
	PG_END_TRY();
}

/* SPI_execute_with_args that must succeed; returns SPI_processed */
static uint64
run_sql(const char *sql, int nargs, Oid *types, Datum *values, int expect)
{
	int			rc;

	rc = SPI_execute_with_args(sql, nargs, types, values, NULL, false, 0);
	if (rc != expect)
		elog(ERROR, "salesforce_sync: SPI_execute failed (%d): %s", rc, sql);
	return SPI_processed;
}

/* An array of the ids (text) as an array of the Id column's type */
static Datum
id_array(Datum *ids, int n, Oid elemtype)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_array(ids, n, elemtype, typlen, typbyval,
										   typalign));
}

/*
 * upsert_sql
 *		"INSERT INTO local AS l (cols) SELECT cols FROM <source> ON CONFLICT
 *		(id) DO UPDATE ...": rows that did not change are not written again.
 */
static char *
upsert_sql(SfSyncTable *t, const char *local, const char *source)
{
	StringInfoData sql;
	StringInfoData cols;
	StringInfoData set;
	StringInfoData old;
	StringInfoData new;

	initStringInfo(&cols);
	initStringInfo(&set);
	initStringInfo(&old);
	initStringInfo(&new);
	for (int i = 0; i < t->natts; i++)
	{
		appendStringInfo(&cols, "%s%s", i ? ", " : "", t->columns[i]);
		if (i == t->id_index)
			continue;
		appendStringInfo(&set, "%s%s = EXCLUDED.%s", set.len ? ", " : "",
						 t->columns[i], t->columns[i]);
		appendStringInfo(&old, "%sl.%s", old.len ? ", " : "", t->columns[i]);
		appendStringInfo(&new, "%sEXCLUDED.%s", new.len ? ", " : "",
						 t->columns[i]);
	}
	initStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s AS l (%s) SELECT %s FROM %s ON CONFLICT (%s) ",
					 local, cols.data, cols.data, source,
					 t->columns[t->id_index]);
	if (set.len == 0)
		appendStringInfoString(&sql, "DO NOTHING");
	else
	{
		appendStringInfo(&sql, "DO UPDATE SET %s", set.data);
		if (t->comparable)
			appendStringInfo(&sql, " WHERE ROW(%s) IS DISTINCT FROM ROW(%s)",
							 old.data, new.data);
	}
	return sql.data;
}

/*
 * full_copy
 *		Read every record through the foreign table, upsert it and remove
 *		the local rows whose record was not read, in one statement.
 */
static void
full_copy(SfSyncTable *t, const char *local, int64 *upserted, int64 *deleted)
{
	const char *id = t->columns[t->id_index];
	char	   *sql;
	bool		isnull;

	sql = psprintf("WITH src AS MATERIALIZED (SELECT * FROM %s), "
				   "up AS (%s RETURNING 1), "
				   "gone AS (DELETE FROM %s AS d WHERE NOT EXISTS "
				   "(SELECT 1 FROM src WHERE src.%s = d.%s) RETURNING 1) "
				   "SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM gone)",
				   t->ftname, upsert_sql(t, local, "src"), local, id, id);
	run_sql(sql, 0, NULL, NULL, SPI_OK_SELECT);
	*upserted = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
											SPI_tuptable->tupdesc, 1, &isnull));
	*deleted = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 2, &isnull));
}

/*
 * read_ids
 *		Run a SOQL query of Id (and, when 'stamp' is set, that field and
 *		IsDeleted) through the query cursor.  Live ids go to 'live', soft
 *		deleted ones (IsDeleted) to 'gone'; *max_stamp gets the largest
 *		stamp seen.
 */
static void
read_ids(SfConnection *conn, const char *soql, bool query_all,
		 const char *sobject, const char *stamp, bool has_isdeleted,
		 ArrayBuildState **live, ArrayBuildState **gone,
		 TimestampTz *max_stamp, bool *has_max)
{
	MemoryContext page_cxt = AllocSetContextCreate(CurrentMemoryContext,
												   "salesforce_sync page",
												   ALLOCSET_DEFAULT_SIZES);
	MemoryContext cxt = CurrentMemoryContext;
	SfQueryCursor *cursor = SfQueryOpen(conn, soql, query_all, SF_MAX_FETCH_SIZE,
										sobject);
	json_object *records;

	while ((records = SfQueryNextPage(cursor, page_cxt)) != NULL)
	{
		for (size_t i = 0; i < json_object_array_length(records); i++)
		{
			json_object *rec = json_object_array_get_idx(records, i);
			json_object *val;
			bool		is_deleted = false;
			Datum		id;
			MemoryContext old;

			if (!json_object_object_get_ex(rec, "Id", &val) ||
				!json_object_is_type(val, json_type_string))
				ereport(ERROR,
						(errcode(ERRCODE_PROTOCOL_VIOLATION),
						 errmsg("could not query Salesforce object \"%s\"", sobject),
						 errdetail("A record has no Id.")));
			old = MemoryContextSwitchTo(cxt);
			id = CStringGetTextDatum(json_object_get_string(val));
			if (has_isdeleted && json_object_object_get_ex(rec, "IsDeleted", &val))
				is_deleted = json_object_get_boolean(val);
			if (is_deleted)
				*gone = accumArrayResult(*gone, id, false, TEXTOID, cxt);
			else
				*live = accumArrayResult(*live, id, false, TEXTOID, cxt);
			if (stamp != NULL && json_object_object_get_ex(rec, stamp, &val) &&
				json_object_is_type(val, json_type_string))
			{
				TimestampTz ts = parse_sf_datetime(json_object_get_string(val));

				if (!*has_max || ts > *max_stamp)
					*max_stamp = ts;
				*has_max = true;
			}
			MemoryContextSwitchTo(old);
		}
		MemoryContextReset(page_cxt);
	}
	SfQueryClose(cursor);
	MemoryContextDelete(page_cxt);
}

/* The ids an ArrayBuildState holds, as a Datum array (n = 0 when none) */
static Datum *
ids_of(ArrayBuildState *state, int *n)
{
	Datum	   *ids = NULL;
	bool	   *nulls;

	*n = 0;
	if (state == NULL)
		return NULL;
	deconstruct_array(DatumGetArrayTypeP(makeArrayResult(state,
														 CurrentMemoryContext)),
					  TEXTOID, -1, false, TYPALIGN_INT, &ids, &nulls, n);
	return ids;
}

/* DELETE the local rows of these ids; returns how many went */
static int64
delete_ids(SfSyncTable *t, const char *local, Datum *ids, int n)
{
	Oid			idtype = t->types[t->id_index];
	Oid			types[1];
	Datum		values[1];
	char	   *sql;

	if (n == 0)
		return 0;
	types[0] = get_array_type(idtype);
	values[0] = id_array(ids, n, idtype);
	sql = psprintf("DELETE FROM %s WHERE %s = ANY ($1)", local,
				   t->columns[t->id_index]);
	return (int64) run_sql(sql, 1, types, values, SPI_OK_DELETE);
}

/* Read these ids through the foreign table, SF_SYNC_ID_BATCH per query */
static int64
upsert_ids(SfSyncTable *t, const char *local, Datum *ids, int n)
{
	Oid			idtype = t->types[t->id_index];
	Oid			types[1];
	char	   *sql;
	int64		count = 0;

	types[0] = get_array_type(idtype);
	sql = upsert_sql(t, local, psprintf("%s WHERE %s = ANY ($1)", t->ftname,
										t->columns[t->id_index]));
	for (int i = 0; i < n; i += SF_SYNC_ID_BATCH)
	{
		Datum		values[1];

		values[0] = id_array(ids + i, Min(SF_SYNC_ID_BATCH, n - i), idtype);
		count += run_sql(sql, 1, types, values, SPI_OK_INSERT);
	}
	return count;
}

/*
 * upsert_since
 *		Read the records stamped at or after 'since' through the foreign
 *		table's column of the stamp field (column 'col'), all of them when
 *		'since' is NULL.
 */
static int64
upsert_since(SfSyncTable *t, const char *local, int col,
			 const TimestampTz *since)
{
	Oid			types[1];
	Datum		values[1];

	if (since == NULL)
		return (int64) run_sql(upsert_sql(t, local, t->ftname), 0, NULL, NULL,
							   SPI_OK_INSERT);
	/* a timestamp column holds the UTC wall time: the same number */
	types[0] = t->types[col];
	values[0] = TimestampTzGetDatum(*since);
	return (int64) run_sql(upsert_sql(t, local,
									  psprintf("%s WHERE %s >= $1", t->ftname,
											   t->columns[col])),
						   1, types, values, SPI_OK_INSERT);
}

/* DELETE the local rows whose id is not among 'ids' */
static int64
delete_missing(SfSyncTable *t, const char *local, Datum *ids, int n)
{
	Oid			types[1] = {TEXTARRAYOID};
	Datum		values[1];
	char	   *sql;

	values[0] = PointerGetDatum(construct_array(ids, n, TEXTOID, -1, false,
												TYPALIGN_INT));
	sql = psprintf("DELETE FROM %s AS d WHERE NOT EXISTS "
				   "(SELECT 1 FROM unnest($1) AS u(id) WHERE u.id = d.%s::text)",
				   local, t->columns[t->id_index]);
	return (int64) run_sql(sql, 1, types, values, SPI_OK_DELETE);
}

/*
 * as_state_owner
 *		Run one statement on salesforce_sync_state as its owner: callers of
 *		salesforce_sync may not write the table themselves (it would let
 *		them move another user's watermark).
 */
static uint64
as_state_owner(Oid stateoid, const char *sql, int nargs, Oid *types,
			   Datum *values, char *nulls, int expect)
{
	Oid			save_userid;
	int			save_sec_context;
	HeapTuple	tup;
	Oid			owner;
	int			rc;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(stateoid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", stateoid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	if (rc != expect)
		elog(ERROR, "salesforce_sync: SPI_execute failed (%d): %s", rc, sql);
	return SPI_processed;
}

/*
 * salesforce_sync(foreign_table regclass, local_table text,
 *				   full_refresh boolean, lookback interval)
 *		Bring local_table up to date with the foreign table; one row: mode,
 *		upserted, deleted, api_calls, watermark.
 */
Datum
salesforce_sync(PG_FUNCTION_ARGS)
{
	Oid			ftoid = PG_GETARG_OID(0);
	bool		full_refresh = PG_GETARG_BOOL(2);
	Interval   *lookback = PG_GETARG_INTERVAL_P(3);
	TimestampTz started = GetCurrentTimestamp();
	SfSyncTable t;
	ForeignTable *ft;
	UserMapping *user;
	SfConnection *conn;
	uint64		requests_before;
	RangeVar   *rv;
	Oid			localoid;
	Oid			nspoid;
	char	   *local;
	char	   *state_table;
	Oid			stateoid;
	const SfSObjectDesc *desc;
	const char *stamp = NULL;
	bool		has_isdeleted;
	bool		has_state = false;
	bool		watermark_null = true;
	TimestampTz watermark = 0;
	TimestampTz deleted_until = 0;
	bool		deleted_until_null = true;
	int			mode;
	int64		upserted = 0;
	int64		deleted = 0;
	AclResult	aclresult;
	TupleDesc	tupdesc;
	Tuplestorestate *tupstore;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	if (lookback->month != 0 || lookback->day != 0 || lookback->time < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid lookback \"%s\"",
						DatumGetCString(DirectFunctionCall1(interval_out,
															IntervalPGetDatum(lookback)))),
				 errhint("Use a non-negative interval of hours, minutes or seconds, such as '5 minutes'.")));

	sync_table(ftoid, &t);
	aclresult = pg_class_aclcheck(ftoid, GetUserId(), ACL_SELECT);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FOREIGN_TABLE, get_rel_name(ftoid));

	/* the local table, as it is named once created */
	rv = makeRangeVarFromNameList(textToQualifiedNameList(PG_GETARG_TEXT_PP(1)));
	localoid = RangeVarGetRelid(rv, NoLock, true);
	nspoid = OidIsValid(localoid) ? get_rel_namespace(localoid) :
		RangeVarGetCreationNamespace(rv);
	local = quote_qualified_identifier(get_namespace_name(nspoid), rv->relname);

	lock_pair(ftoid, local, get_rel_name(ftoid));

	ft = GetForeignTable(ftoid);
	user = GetUserMapping(GetUserId(), ft->serverid);
	conn = SfGetConnection(user);
	requests_before = SfConnectionRequests(conn);

	tupstore = SfBeginMaterialize(fcinfo, &tupdesc);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/* look again under the lock: a sync that held it may have created it */
	localoid = RangeVarGetRelid(rv, NoLock, true);
	if (!OidIsValid(localoid))
	{
		create_local_table(local, &t);
		CommandCounterIncrement();
		localoid = RangeVarGetRelid(rv, NoLock, false);
	}
	else
		check_local_table(localoid, local, &t);

	/* the state table lives in the extension's schema, next to us */
	state_table = quote_qualified_identifier(get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid)),
											 "salesforce_sync_state");
	stateoid = get_relname_relid("salesforce_sync_state",
								 get_func_namespace(fcinfo->flinfo->fn_oid));
	if (!OidIsValid(stateoid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table \"salesforce_sync_state\" of extension salesforce_fdw is missing"),
				 errhint("Update the extension: ALTER EXTENSION salesforce_fdw UPDATE.")));
	{
		Oid			types[2] = {REGCLASSOID, REGCLASSOID};
		Datum		args[2] = {ObjectIdGetDatum(ftoid), ObjectIdGetDatum(localoid)};
		char	   *sql = psprintf("SELECT watermark, deleted_until FROM %s "
								   "WHERE foreign_table = $1 AND local_table = $2 FOR UPDATE",
								   state_table);

		if (as_state_owner(stateoid, sql, 2, types, args, NULL,
						   SPI_OK_SELECT) > 0)
		{
			bool		isnull;
			Datum		d;

			has_state = true;
			d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
			watermark_null = isnull;
			if (!isnull)
				watermark = DatumGetTimestampTz(d);
			d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
			deleted_until_null = isnull;
			if (!isnull)
				deleted_until = DatumGetTimestampTz(d);
		}
	}

	desc = SfDescribeSObject(conn, t.sobject);
	if (SfDescribeField(desc, "SystemModstamp") != NULL)
		stamp = "SystemModstamp";
	else if (SfDescribeField(desc, "LastModifiedDate") != NULL)
		stamp = "LastModifiedDate";
	has_isdeleted = SfDescribeField(desc, "IsDeleted") != NULL;

	if (!has_state || full_refresh)
		mode = SF_SYNC_FULL;
	else if (stamp == NULL)
		mode = SF_SYNC_RECONCILE;
	else
		mode = SF_SYNC_INCREMENTAL;

	if (mode != SF_SYNC_INCREMENTAL)
	{
		/*
		 * Every record is read.  The watermark is the largest stamp before
		 * the read: whatever changes during it is stamped later.
		 */
		if (stamp != NULL)
		{
			ArrayBuildState *none = NULL;
			bool		has_max = false;
			char	   *soql = psprintf("SELECT Id, %s FROM %s ORDER BY %s DESC LIMIT 1",
										stamp, t.sobject, stamp);

			read_ids(conn, soql, has_isdeleted, t.sobject, stamp, false,
					 &none, &none, &watermark, &has_max);
			watermark_null = !has_max;
		}
		else
			watermark_null = true;
		full_copy(&t, local, &upserted, &deleted);
		deleted_until = started;
		deleted_until_null = false;
	}
	else
	{
		ArrayBuildState *live = NULL;
		ArrayBuildState *gone = NULL;
		ArrayBuildState *all = NULL;
		bool		has_max = false;
		TimestampTz max_stamp = 0;
		TimestampTz since;
		StringInfoData soql;
		SfReplication repl;
		bool		reconcile = false;
		bool		has_since = false;
		TimestampTz changes_since = 0;
		int			stamp_col = -1;
		Datum	   *ids;
		int			n;

		/* the foreign table's column of the stamp field, if it has one */
		for (int i = 0; i < t.natts; i++)
			if (pg_strcasecmp(t.fields[i], stamp) == 0 &&
				(t.types[i] == TIMESTAMPTZOID || t.types[i] == TIMESTAMPOID))
				stamp_col = i;

		/*
		 * 1. what changed since the watermark, soft deletes included (a
		 * query_all table shows them: they are read like the others)
		 */
		initStringInfo(&soql);
		appendStringInfo(&soql, "SELECT Id, %s%s FROM %s", stamp,
						 has_isdeleted ? ", IsDeleted" : "", t.sobject);
		if (!watermark_null)
		{
			changes_since = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
																	TimestampTzGetDatum(watermark),
																	IntervalPGetDatum(lookback)));
			has_since = true;
			appendStringInfo(&soql, " WHERE %s >= %s", stamp,
							 utc_text(changes_since, true));
		}
		read_ids(conn, soql.data, has_isdeleted, t.sobject, stamp,
				 has_isdeleted && !t.query_all, &live, &gone, &max_stamp,
				 &has_max);
		if (has_max && (watermark_null || max_stamp > watermark))
		{
			watermark = max_stamp;
			watermark_null = false;
		}

		/* 2. hard deletes and the Recycle Bin: Get Deleted */
		memset(&repl, 0, sizeof(repl));
		since = deleted_until_null ? 0 :
			DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
													TimestampTzGetDatum(deleted_until),
													IntervalPGetDatum(lookback)));
		if (deleted_until_null ||
			since < started - (TimestampTz) SF_DELETED_DAYS * USECS_PER_DAY)
			reconcile = true;
		else
		{
			/*
			 * Salesforce truncates the end to the minute: end at the next
			 * one, so deletes of the current minute are in this answer.
			 */
			replication_window(conn, t.sobject, true, since,
							   minute_floor(started) + USECS_PER_MINUTE, true,
							   &repl);
			if (repl.too_old)
				reconcile = true;
			else
				deleted_until = repl.latest;
		}

		/* 3. deletes first: a record deleted and undeleted ends present */
		ids = ids_of(gone, &n);
		deleted += delete_ids(&t, local, ids, n);
		if (!reconcile && repl.ids != NULL)
		{
			ids = ids_of(repl.ids, &n);
			deleted += delete_ids(&t, local, ids, n);
			if (t.query_all)
				upserted += upsert_ids(&t, local, ids, n);
		}
		if (reconcile)
		{
			/* every Id, cheaply; local rows whose record is gone go */
			read_ids(conn, psprintf("SELECT Id FROM %s", t.sobject),
					 t.query_all, t.sobject, NULL, false, &all, &all,
					 &max_stamp, &has_max);
			ids = ids_of(all, &n);
			deleted += delete_missing(&t, local, ids, n);
			deleted_until = started;
			mode = SF_SYNC_RECONCILE;
		}

		/*
		 * 4. the changed records, through the foreign table: by their stamp
		 * when the table maps it, else by Id, or all of them when that takes
		 * fewer requests
		 */
		ids = ids_of(live, &n);
		if (n > 0 && stamp_col >= 0)
			upserted += upsert_since(&t, local, stamp_col,
									 has_since ? &changes_since : NULL);
		else if (n > SF_SYNC_MAX_ID_FETCH)
		{
			int64		more_upserted;
			int64		more_deleted;

			full_copy(&t, local, &more_upserted, &more_deleted);
			upserted += more_upserted;
			deleted += more_deleted;
		}
		else
			upserted += upsert_ids(&t, local, ids, n);
	}

	/* the state, in the same transaction as the local table */
	{
		Oid			types[8] = {REGCLASSOID, REGCLASSOID, TIMESTAMPTZOID,
		TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID, INT8OID, INT8OID};
		Datum		args[8];
		char		argnulls[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
		char	   *sql;

		args[0] = ObjectIdGetDatum(ftoid);
		args[1] = ObjectIdGetDatum(localoid);
		args[2] = TimestampTzGetDatum(watermark);
		if (watermark_null)
			argnulls[2] = 'n';
		args[3] = TimestampTzGetDatum(deleted_until);
		if (deleted_until_null)
			argnulls[3] = 'n';
		args[4] = TimestampTzGetDatum(started);
		args[5] = CStringGetTextDatum(sync_modes[mode]);
		args[6] = Int64GetDatum(upserted);
		args[7] = Int64GetDatum(deleted);
		sql = psprintf("INSERT INTO %s AS s (foreign_table, local_table, watermark, "
					   "deleted_until, last_run, last_mode, upserted, deleted, api_calls) "
					   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, %lld) "
					   "ON CONFLICT (foreign_table, local_table) DO UPDATE SET "
					   "watermark = EXCLUDED.watermark, deleted_until = EXCLUDED.deleted_until, "
					   "last_run = EXCLUDED.last_run, last_mode = EXCLUDED.last_mode, "
					   "upserted = EXCLUDED.upserted, deleted = EXCLUDED.deleted, "
					   "api_calls = EXCLUDED.api_calls",
					   state_table,
					   (long long) (SfConnectionRequests(conn) - requests_before));
		as_state_owner(stateoid, sql, 8, types, args, argnulls, SPI_OK_INSERT);
	}

	SPI_finish();

	values[0] = CStringGetTextDatum(sync_modes[mode]);
	values[1] = Int64GetDatum(upserted);
	values[2] = Int64GetDatum(deleted);
	values[3] = Int64GetDatum((int64) (SfConnectionRequests(conn) - requests_before));
	values[4] = TimestampTzGetDatum(watermark);
	nulls[4] = watermark_null;
	tuplestore_putvalues(tupstore, tupdesc, values, nulls);
	return (Datum) 0;
}
