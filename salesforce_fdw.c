/*-------------------------------------------------------------------------
 *
 * salesforce_fdw.c
 *		  Foreign-data wrapper for Salesforce: handler, planning, scan and
 *		  EXPLAIN.
 *
 * Planning resolves everything once: the table's options, the API field
 * of every column the query needs (target list and local quals, as
 * postgres_fdw's attrs_used) and the SOQL text all go into fdw_private.
 * The scan opens its query cursor lazily on the first row and keeps one
 * page of records in memory at a time: a batch context is reset for every
 * page, a temporary context for every row.  Columns are matched to the
 * record's JSON keys case-insensitively once (SOQL names are
 * case-insensitive, the JSON uses the canonical case), after which the exact
 * key is used.
 *
 * EXPLAIN VERBOSE shows the SOQL; EXPLAIN ANALYZE also the number of API
 * requests the scan made.  Neither ever shows a secret.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "salesforce_fdw.h"		/* first: see the json_object note there */

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

PG_MODULE_MAGIC;

/*
 * Row count assumed for every foreign table.  A later version asks
 * /limits/recordCount; until then a fixed guess keeps plans stable.
 */
#define SF_DEFAULT_ROWS			1000

/* Cost of one round trip to Salesforce, and of moving one record. */
#define SF_STARTUP_COST			100.0
#define SF_PER_ROW_COST			0.01

/*
 * One column filled from the records: where to find it in a record and how
 * to convert it.
 */
typedef struct SfScanColumn
{
	AttrNumber	attnum;			/* 1-based column number */
	int			nsegments;		/* parts of the field path */
	char	  **segments;		/* "Account", "Owner", "Email" */
	char	  **keys;			/* exact JSON key per part, once found */
	SfColumnConv conv;
} SfScanColumn;

/* Execution state of a foreign scan */
typedef struct SfScanState
{
	SfConnection *conn;
	char	   *soql;
	char	   *sobject;
	bool		query_all;
	int			fetch_size;

	int			ncolumns;
	SfScanColumn *columns;

	SfQueryCursor *cursor;		/* NULL until the first row is asked for */
	json_object *records;		/* the current page's records array */
	size_t		nrecords;
	size_t		next_record;
	bool		eof;			/* the last page has been consumed */
	uint64		closed_requests;	/* requests of cursors closed by rescans */

	MemoryContext scan_cxt;		/* the scan's lifetime (query context) */
	MemoryContext batch_cxt;	/* the current page, reset per page */
	MemoryContext temp_cxt;		/* one row's conversions, reset per row */
} SfScanState;

static void sfGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
								Oid foreigntableid);
static void sfGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
							  Oid foreigntableid);
static ForeignScan *sfGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
									 Oid foreigntableid,
									 ForeignPath *best_path, List *tlist,
									 List *scan_clauses, Plan *outer_plan);
static void sfBeginForeignScan(ForeignScanState *node, int eflags);
static TupleTableSlot *sfIterateForeignScan(ForeignScanState *node);
static void sfReScanForeignScan(ForeignScanState *node);
static void sfEndForeignScan(ForeignScanState *node);
static void sfExplainForeignScan(ForeignScanState *node, ExplainState *es);

static bool fetch_next_page(SfScanState *fsstate);
static json_object *record_field(SfScanColumn *col, json_object *record);
static void close_cursor(SfScanState *fsstate);

PG_FUNCTION_INFO_V1(salesforce_fdw_handler);
PG_FUNCTION_INFO_V1(salesforce_fdw_version);

/*
 * salesforce_fdw_handler
 *		The FdwRoutine: scans here, writes in modify.c, IMPORT FOREIGN
 *		SCHEMA in import.c.
 */
Datum
salesforce_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = sfGetForeignRelSize;
	routine->GetForeignPaths = sfGetForeignPaths;
	routine->GetForeignPlan = sfGetForeignPlan;
	routine->BeginForeignScan = sfBeginForeignScan;
	routine->IterateForeignScan = sfIterateForeignScan;
	routine->ReScanForeignScan = sfReScanForeignScan;
	routine->EndForeignScan = sfEndForeignScan;
	routine->ExplainForeignScan = sfExplainForeignScan;
	routine->AddForeignUpdateTargets = sfAddForeignUpdateTargets;
	routine->PlanForeignModify = sfPlanForeignModify;
	routine->BeginForeignModify = sfBeginForeignModify;
	routine->ExecForeignInsert = sfExecForeignInsert;
#if PG_VERSION_NUM >= 140000
	routine->ExecForeignBatchInsert = sfExecForeignBatchInsert;
	routine->GetForeignModifyBatchSize = sfGetForeignModifyBatchSize;
#endif
	routine->ExecForeignUpdate = sfExecForeignUpdate;
	routine->ExecForeignDelete = sfExecForeignDelete;
	routine->EndForeignModify = sfEndForeignModify;
	routine->BeginForeignInsert = sfBeginForeignInsert;
	routine->EndForeignInsert = sfEndForeignInsert;
	routine->IsForeignRelUpdatable = sfIsForeignRelUpdatable;
	routine->ExplainForeignModify = sfExplainForeignModify;
	routine->ImportForeignSchema = sfImportForeignSchema;

	PG_RETURN_POINTER(routine);
}

/*
 * salesforce_fdw_version
 *		The version of the loaded library.
 */
Datum
salesforce_fdw_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(SALESFORCE_FDW_VERSION));
}

/*
 * sfGetForeignRelSize
 *		Resolve the table's options, split the quals, note the columns the
 *		query needs and estimate the row count.
 */
static void
sfGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
					Oid foreigntableid)
{
	SfFdwRelationInfo *fpinfo;
	ListCell   *lc;

	fpinfo = (SfFdwRelationInfo *) palloc0(sizeof(SfFdwRelationInfo));
	baserel->fdw_private = (void *) fpinfo;

	SfGetTableOptions(foreigntableid, &fpinfo->table);

	classifyConditions(root, baserel, baserel->baserestrictinfo,
					   &fpinfo->remote_conds, &fpinfo->local_conds);

	/* columns of the target list and of the quals evaluated here */
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid,
				   &fpinfo->attrs_used);
	foreach(lc, fpinfo->local_conds)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);

		pull_varattnos((Node *) rinfo->clause, baserel->relid,
					   &fpinfo->attrs_used);
	}

	/* a fixed guess until the record count is asked for (see above) */
	baserel->tuples = SF_DEFAULT_ROWS;
	baserel->rows = clamp_row_est(SF_DEFAULT_ROWS *
								  clauselist_selectivity(root,
														 fpinfo->local_conds,
														 baserel->relid,
														 JOIN_INNER,
														 NULL));
}

/*
 * sfGetForeignPaths
 *		One path: fetch every record and filter locally.
 */
static void
sfGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	Cost		startup_cost = SF_STARTUP_COST;
	Cost		total_cost;

	total_cost = startup_cost +
		(baserel->tuples * (SF_PER_ROW_COST + cpu_tuple_cost));

	add_path(baserel, (Path *)
			 sf_create_foreignscan_path(root, baserel, NULL, baserel->rows,
										startup_cost, total_cost,
										NIL, NULL, NULL, NIL));
}

/*
 * sfGetForeignPlan
 *		Build the SOQL of the columns needed and keep it, with everything the
 *		scan needs to know, in fdw_private.
 */
static ForeignScan *
sfGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
				 ForeignPath *best_path, List *tlist, List *scan_clauses,
				 Plan *outer_plan)
{
	SfFdwRelationInfo *fpinfo = (SfFdwRelationInfo *) baserel->fdw_private;
	List	   *retrieved_attrs = NIL;
	List	   *fields = NIL;
	List	   *fdw_private;
	StringInfoData soql;
	Relation	rel;
	TupleDesc	tupdesc;
	bool		whole_row;
	int			i;

	/* nothing is pushed down: every clause is checked locally */
	scan_clauses = extract_actual_clauses(scan_clauses, false);

	whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber,
							  fpinfo->attrs_used);

	rel = table_open(foreigntableid, NoLock);
	tupdesc = RelationGetDescr(rel);
	for (i = 1; i <= tupdesc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(tupdesc, i - 1);

		if (attr->attisdropped)
			continue;
		if (whole_row ||
			bms_is_member(i - FirstLowInvalidHeapAttributeNumber,
						  fpinfo->attrs_used))
		{
			retrieved_attrs = lappend_int(retrieved_attrs, i);
			fields = lappend(fields,
							 makeString(SfColumnField(foreigntableid, i)));
		}
	}
	table_close(rel, NoLock);

	initStringInfo(&soql);
	(void) deparseSelectSoql(&soql, fpinfo->table.sobject, fields);

	/* in the order of enum SfScanPrivateIndex */
	fdw_private = list_make4(makeString(soql.data),
							 makeString(fpinfo->table.sobject),
							 makeInteger(fpinfo->table.query_all ? 1 : 0),
							 makeInteger(fpinfo->table.fetch_size));
	fdw_private = lappend(fdw_private, retrieved_attrs);
	fdw_private = lappend(fdw_private, fields);

	return make_foreignscan(tlist, scan_clauses, baserel->relid,
							NIL, fdw_private, NIL, NIL, outer_plan);
}

/*
 * sfBeginForeignScan
 *		Get the connection and prepare the column conversions; the query is
 *		sent by the first IterateForeignScan.
 */
static void
sfBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	List	   *fdw_private = fsplan->fdw_private;
	SfScanState *fsstate;
	RangeTblEntry *rte;
	Oid			userid;
	ForeignTable *table;
	UserMapping *user;
	TupleDesc	tupdesc;
	List	   *retrieved_attrs;
	List	   *fields;
	ListCell   *lc1;
	ListCell   *lc2;
	int			i;

	/* EXPLAIN without ANALYZE needs only fdw_private */
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	fsstate = (SfScanState *) palloc0(sizeof(SfScanState));
	node->fdw_state = (void *) fsstate;

	rte = exec_rt_fetch(fsplan->scan.scanrelid, estate);
	userid = OidIsValid(sf_scan_check_as_user(fsplan, rte)) ?
		sf_scan_check_as_user(fsplan, rte) : GetUserId();
	table = GetForeignTable(rte->relid);
	user = GetUserMapping(userid, table->serverid);
	fsstate->conn = GetSalesforceConnection(user);

	fsstate->soql = strVal(list_nth(fdw_private, SfScanPrivateSoql));
	fsstate->sobject = strVal(list_nth(fdw_private, SfScanPrivateSObject));
	fsstate->query_all =
		intVal(list_nth(fdw_private, SfScanPrivateQueryAll)) != 0;
	fsstate->fetch_size = intVal(list_nth(fdw_private, SfScanPrivateFetchSize));
	retrieved_attrs = (List *) list_nth(fdw_private,
										SfScanPrivateRetrievedAttrs);
	fields = (List *) list_nth(fdw_private, SfScanPrivateFields);

	tupdesc = RelationGetDescr(node->ss.ss_currentRelation);
	fsstate->ncolumns = list_length(retrieved_attrs);
	fsstate->columns = (SfScanColumn *)
		palloc0(sizeof(SfScanColumn) * Max(fsstate->ncolumns, 1));

	i = 0;
	forboth(lc1, retrieved_attrs, lc2, fields)
	{
		SfScanColumn *col = &fsstate->columns[i++];
		AttrNumber	attnum = lfirst_int(lc1);
		Form_pg_attribute attr = TupleDescAttr(tupdesc, attnum - 1);
		char	   *field = strVal(lfirst(lc2));
		char	   *copy = pstrdup(field);
		char	   *p;
		int			n;

		col->attnum = attnum;

		/* split the relationship path at its dots */
		col->nsegments = 1;
		for (p = copy; *p; p++)
			if (*p == '.')
				col->nsegments++;
		col->segments = (char **) palloc(sizeof(char *) * col->nsegments);
		col->keys = (char **) palloc0(sizeof(char *) * col->nsegments);
		p = copy;
		for (n = 0; n < col->nsegments; n++)
		{
			char	   *dot = strchr(p, '.');

			if (dot)
				*dot = '\0';
			col->segments[n] = p;
			if (dot)
				p = dot + 1;
		}

		SfInitColumnConv(&col->conv, attr->atttypid, attr->atttypmod,
						 fsstate->sobject, field,
						 pstrdup(NameStr(attr->attname)));
	}

	fsstate->scan_cxt = estate->es_query_cxt;
	fsstate->batch_cxt = AllocSetContextCreate(estate->es_query_cxt,
											   "salesforce_fdw page",
											   ALLOCSET_DEFAULT_SIZES);
	fsstate->temp_cxt = AllocSetContextCreate(estate->es_query_cxt,
											  "salesforce_fdw row",
											  ALLOCSET_SMALL_SIZES);
}

/*
 * fetch_next_page
 *		Replace the current page by the next one.  False when there is none.
 */
static bool
fetch_next_page(SfScanState *fsstate)
{
	json_object *page;
	json_object *records;

	fsstate->records = NULL;
	fsstate->nrecords = 0;
	fsstate->next_record = 0;
	MemoryContextReset(fsstate->batch_cxt);

	page = SfQueryNextPage(fsstate->cursor, fsstate->batch_cxt);
	if (page == NULL)
	{
		fsstate->eof = true;
		return false;
	}

	/* a page is the query response; accept a bare records array as well */
	if (json_object_is_type(page, json_type_array))
		records = page;
	else if (!json_object_object_get_ex(page, "records", &records) ||
			 !json_object_is_type(records, json_type_array))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_REPLY_HANDLE),
				 errmsg("unexpected reply to a query on Salesforce object \"%s\"",
						fsstate->sobject),
				 errdetail("The reply has no \"records\" array.")));

	fsstate->records = records;
	fsstate->nrecords = json_object_array_length(records);
	return true;
}

/*
 * record_field
 *		The JSON value of a column in a record, following its relationship
 *		path; NULL for a null parent.  The exact keys are found
 *		case-insensitively the first time and remembered.
 */
static json_object *
record_field(SfScanColumn *col, json_object *record)
{
	json_object *obj = record;
	int			n;

	for (n = 0; n < col->nsegments; n++)
	{
		json_object *value = NULL;

		if (obj == NULL || !json_object_is_type(obj, json_type_object))
			return NULL;		/* a null parent */

		if (col->keys[n] == NULL ||
			!json_object_object_get_ex(obj, col->keys[n], &value))
		{
			struct json_object_iterator it = json_object_iter_begin(obj);
			struct json_object_iterator end = json_object_iter_end(obj);

			value = NULL;
			while (!json_object_iter_equal(&it, &end))
			{
				const char *key = json_object_iter_peek_name(&it);

				if (pg_strcasecmp(key, col->segments[n]) == 0)
				{
					/* the scan state outlives the page: copy the key there */
					col->keys[n] =
						MemoryContextStrdup(GetMemoryChunkContext(col->keys),
											key);
					value = json_object_iter_peek_value(&it);
					break;
				}
				json_object_iter_next(&it);
			}
		}
		obj = value;
	}
	return obj;
}

/*
 * sfIterateForeignScan
 *		The next row, fetching the next page when the current one is used up.
 */
static TupleTableSlot *
sfIterateForeignScan(ForeignScanState *node)
{
	SfScanState *fsstate = (SfScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	json_object *record;
	MemoryContext oldcxt;
	int			i;

	ExecClearTuple(slot);

	if (fsstate->cursor == NULL && !fsstate->eof)
	{
		/* the cursor lives as long as the scan, not the per-tuple context */
		oldcxt = MemoryContextSwitchTo(fsstate->scan_cxt);
		fsstate->cursor = SfQueryOpen(fsstate->conn, fsstate->soql,
									  fsstate->query_all,
									  fsstate->fetch_size, fsstate->sobject);
		MemoryContextSwitchTo(oldcxt);
		fsstate->records = NULL;
		fsstate->nrecords = 0;
		fsstate->next_record = 0;
	}

	/* pages may be empty (only the last one should be): skip them */
	while (fsstate->next_record >= fsstate->nrecords)
	{
		if (fsstate->eof || !fetch_next_page(fsstate))
			return slot;
	}

	record = json_object_array_get_idx(fsstate->records,
									   fsstate->next_record++);

	MemoryContextReset(fsstate->temp_cxt);
	oldcxt = MemoryContextSwitchTo(fsstate->temp_cxt);

	memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
	for (i = 0; i < fsstate->ncolumns; i++)
	{
		SfScanColumn *col = &fsstate->columns[i];
		int			idx = col->attnum - 1;

		slot->tts_values[idx] = SfJsonToDatum(&col->conv,
											  record_field(col, record),
											  &slot->tts_isnull[idx]);
	}

	MemoryContextSwitchTo(oldcxt);
	ExecStoreVirtualTuple(slot);
	return slot;
}

/*
 * close_cursor
 *		Close the query cursor, if any, keeping its request count.
 */
static void
close_cursor(SfScanState *fsstate)
{
	if (fsstate->cursor != NULL)
	{
		fsstate->closed_requests += SfQueryRequests(fsstate->cursor);
		SfQueryClose(fsstate->cursor);
		fsstate->cursor = NULL;
	}
	fsstate->records = NULL;
	fsstate->nrecords = 0;
	fsstate->next_record = 0;
	fsstate->eof = false;
	MemoryContextReset(fsstate->batch_cxt);
}

/*
 * sfReScanForeignScan
 *		Start over: the query is sent again on the next row.
 */
static void
sfReScanForeignScan(ForeignScanState *node)
{
	SfScanState *fsstate = (SfScanState *) node->fdw_state;

	if (fsstate != NULL)
		close_cursor(fsstate);
}

/*
 * sfEndForeignScan
 *		Close the cursor.  The memory contexts go with the query's.
 */
static void
sfEndForeignScan(ForeignScanState *node)
{
	SfScanState *fsstate = (SfScanState *) node->fdw_state;

	if (fsstate != NULL)
		close_cursor(fsstate);
}

/*
 * sfExplainForeignScan
 *		The SOQL under VERBOSE; the API requests made under ANALYZE.
 */
static void
sfExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	SfScanState *fsstate = (SfScanState *) node->fdw_state;

	if (es->verbose)
		ExplainPropertyText("Salesforce SOQL",
							strVal(list_nth(fsplan->fdw_private,
											SfScanPrivateSoql)),
							es);

	if (es->analyze)
	{
		uint64		requests = 0;

		if (fsstate != NULL)
		{
			requests = fsstate->closed_requests;
			if (fsstate->cursor != NULL)
				requests += SfQueryRequests(fsstate->cursor);
		}
		ExplainPropertyInteger("Salesforce API requests", NULL,
							   (int64) requests, es);
	}
}
