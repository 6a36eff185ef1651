/*-------------------------------------------------------------------------
 *
 * salesforce_fdw.c
 *		  Foreign-data wrapper for Salesforce: handler, planning, scan,
 *		  EXPLAIN and ANALYZE.
 *
 * Planning decides, once, what Salesforce does (which conditions, order,
 * limit, aggregates: deparse.c says what it can do and writes the SOQL) and
 * keeps everything the scan needs in fdw_private.  The scan sends its query
 * on the first row and returns rows by scan mode, one iterate function per
 * mode; it keeps one page of records in memory, in a context reset per
 * page, and converts each row in a context reset per row.  A scan of
 * records may instead run as a Bulk API 2.0 query job (bulk.c), decided at
 * plan time by choose_transport.  EXPLAIN VERBOSE shows the SOQL and the
 * transport, EXPLAIN ANALYZE the API requests; neither ever a secret.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "salesforce_fdw.h"		/* first: see the json_object note there */

#include <math.h>

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/transam.h"
#include "access/table.h"
#include "commands/explain.h"
#include "commands/vacuum.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_opfamily.h"
#include "commands/defrem.h"
#include "access/stratnum.h"
#include "optimizer/cost.h"
#include "optimizer/paths.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/date.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/rel.h"

PG_MODULE_MAGIC;

/*
 * Row count assumed for a foreign table neither analyzed nor joined (a
 * join asks Salesforce's record count: see sfGetForeignRelSize).
 */
#define SF_DEFAULT_ROWS			1000

/*
 * SOQL stops at 100,000 characters; the WHERE clause may use what the
 * select list leaves, less room for ORDER BY, LIMIT and the like.
 */
#define SF_MAX_SOQL_CHARS		100000
#define SF_SOQL_TAIL_ROOM		2000

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

/*
 * Planner information about one foreign table (baserel->fdw_private),
 * filled by sfGetForeignRelSize.
 */
typedef struct SfFdwRelationInfo
{
	SfTableOptions table;		/* resolved table options */
	List	   *remote_conds;	/* RestrictInfos Salesforce evaluates */
	List	   *local_conds;	/* RestrictInfos PostgreSQL evaluates
								 * (including rechecks of remote ones) */
	bool		remote_values;	/* a remote cond needs execution-time values */
	Bitmapset  *attrs_used;		/* columns the query needs, offset by
								 * FirstLowInvalidHeapAttributeNumber */
	SfDeparseInfo deparse;		/* fields and their classes */
	double		record_count;	/* records of the sObject (estimate) */
	bool		count_known;	/* record_count is ANALYZE's or Salesforce's */
	UserMapping *user;			/* for the record count, or NULL */
} SfFdwRelationInfo;

/*
 * Items of a ForeignScan's fdw_private list, resolved once at plan time.
 */
enum SfScanPrivateIndex
{
	SfScanPrivateSoql,			/* SOQL text as planned (String) */
	SfScanPrivateSObject,		/* sObject API name (String) */
	SfScanPrivateQueryAll,		/* use queryAll (Integer 0/1) */
	SfScanPrivateFetchSize,		/* records per page (Integer) */
	SfScanPrivateRetrievedAttrs,	/* attnums filled from records (IntList) */
	SfScanPrivateFields,		/* field path per retrieved attr (Strings) */
	SfScanPrivateMode,			/* SF_SCAN_* (Integer) */
	SfScanPrivateSoqlHead,		/* "SELECT ... FROM X" (String) */
	SfScanPrivateSoqlTail,		/* " ORDER BY ... LIMIT n" (String) */
	SfScanPrivateColumnFields,	/* field per attnum, "" for none (Strings) */
	SfScanPrivateColumnClasses, /* SF_FIELD_* per attnum (IntList) */
	SfScanPrivateChunkClause,	/* fdw_exprs index of the chunked IN, or -1
								 * (Integer) */
	SfScanPrivateGroupSoql,		/* GROUP BY: the SOQL of the records, for
								 * aggregating here (String, "" if none) */
	SfScanPrivateGroupOps,		/* GROUP BY: SfLocalGroupPlan's ops */
	SfScanPrivateGroupFields,	/* GROUP BY: input field per column (Strings) */
	SfScanPrivateGroupTypes,	/* GROUP BY: input type per column (OidList) */
	SfScanPrivateNeverTrue,		/* the planned WHERE is never true: send
								 * nothing (Integer 0/1) */
	SfScanPrivateTransport,		/* EXPLAIN's transport line, "" for none
								 * (String) */
	SfScanPrivateCsvClasses		/* SF_SCAN_BULK: SF_CSV_* per retrieved attr
								 * (IntList) */
};

/*
 * What a ForeignScan returns: its scan mode.  Each mode has its iterate
 * function (see sfIterateForeignScan).
 */
#define SF_SCAN_RECORDS		0	/* records of the sObject */
#define SF_SCAN_COUNT		1	/* one row: count(*) from COUNT()'s totalSize */
#define SF_SCAN_AGGREGATE	2	/* AggregateResult rows, aliases a0, a1.. */
#define SF_SCAN_BULK		3	/* records of the sObject, from a Bulk API 2.0
								 * query job */

/*
 * Records per result page of a query job: a page is held in memory whole,
 * so wide records get smaller pages.
 */
#define SF_BULK_PAGE_RECORDS	50000
#define SF_BULK_PAGE_VALUES		2000000

/* What sfGetForeignPlan decided, to pack into the ForeignScan */
typedef struct SfScanPlan
{
	int			mode;			/* SF_SCAN_* */
	SfSoqlStmt	soql;
	List	   *retrieved_attrs;	/* attnums filled from records */
	List	   *fields;			/* record key per retrieved attr */
	List	   *remote_exprs;	/* conditions Salesforce evaluates */
	List	   *local_exprs;	/* conditions checked here */
	List	   *fdw_scan_tlist; /* aggregates: the scan's columns */
	char	   *group_soql;		/* GROUP BY: records to aggregate here */
	List	   *group_ops;		/* GROUP BY: SfLocalGroupPlan's lists */
	List	   *group_infields;
	List	   *group_types;
	int64		limit;			/* the LIMIT sent, 0 for none */
	int64		offset;			/* the OFFSET sent, 0 for none */
	char	   *transport;		/* EXPLAIN's transport line, "" for none */
	List	   *csv_classes;	/* SF_SCAN_BULK: SF_CSV_* per field */
} SfScanPlan;

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
	SfRecordWalk *walk;			/* finds the plain fields of a record */
	json_object **walk_values;	/* [column]: its value in the record */

	int			mode;			/* SF_SCAN_* */
	char	   *soql_head;		/* "SELECT ... FROM X" */
	char	   *soql_tail;		/* " ORDER BY ... LIMIT n" */
	List	   *remote_exprs;	/* quals written with execution-time values,
								 * NIL when soql is complete */
	SfDeparseInfo deparse;		/* fields and classes for remote_exprs */
	List	   *value_exprs;	/* Exprs evaluated for the SOQL ... */
	List	   *value_states;	/* ... and their ExprStates */
	ForeignScanState *node;

	SfQueryCursor *cursor;		/* NULL until the first row is asked for */
	json_object *records;		/* the current page's records array */
	size_t		nrecords;
	size_t		next_record;
	bool		eof;			/* the last page has been consumed */
	uint64		closed_requests;	/* requests of cursors closed by rescans */
	uint64		closed_retries; /* retries among them */
	char	   *last_soql;		/* the SOQL last sent */
	bool		row_returned;	/* the current query gave a row */
	bool	   *is_count;		/* aggregate mode: [column] is a count */
	char	   *group_soql;		/* GROUP BY: records to aggregate here */
	List	   *group_ops;		/* GROUP BY: SfLocalGroupPlan's lists */
	List	   *group_infields;
	List	   *group_types;
	SfLocalGroups *local_groups;	/* the groups aggregated here, which
									 * replace the reply, or NULL */
	bool		planned_never;	/* the planned WHERE is never true */
	bool		never_true;		/* the current WHERE is never true */
	SfBulkQuery *bulk;			/* SF_SCAN_BULK: the query job, once sent */
	int		   *csv_classes;	/* SF_SCAN_BULK: SF_CSV_* per column */
	uint64		closed_bulk_requests;	/* requests of jobs closed by rescans */

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

static void sfGetForeignUpperPaths(PlannerInfo *root,
								   UpperRelationKind stage,
								   RelOptInfo *input_rel,
								   RelOptInfo *output_rel, void *extra);
static bool eval_value(Expr *expr, void *arg, Datum *value, bool *isnull);
static void keep_long_conds_local(SfFdwRelationInfo *fpinfo);
static void add_final_path(PlannerInfo *root, RelOptInfo *input_rel,
						   RelOptInfo *final_rel, FinalPathExtraData *extra);
static void init_columns(SfScanState *fsstate, TupleDesc tupdesc,
						 List *retrieved_attrs, List *fields);
static bool sfAnalyzeForeignTable(Relation relation,
								  AcquireSampleRowsFunc *func,
								  BlockNumber *totalpages);
static int	sf_acquire_sample_rows(Relation relation, int elevel,
								   HeapTuple *rows, int targrows,
								   double *totalrows, double *totaldeadrows);
static void add_parameterized_paths(PlannerInfo *root, RelOptInfo *baserel);
static char *current_soql(SfScanState *fsstate);
static void open_cursor(SfScanState *fsstate);
static void aggregate_locally(SfScanState *fsstate);
static bool fetch_next_page(SfScanState *fsstate);
static json_object *record_field(SfScanColumn *col, json_object *record);
static json_object *column_value(SfScanState *fsstate, int i,
								 json_object *record);
static void close_query(SfScanState *fsstate);
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
	routine->GetForeignUpperPaths = sfGetForeignUpperPaths;
	routine->AnalyzeForeignTable = sfAnalyzeForeignTable;
	routine->AddForeignUpdateTargets = SfAddForeignUpdateTargets;
	routine->PlanForeignModify = SfPlanForeignModify;
	routine->BeginForeignModify = SfBeginForeignModify;
	routine->ExecForeignInsert = SfExecForeignInsert;
#if PG_VERSION_NUM >= 140000
	routine->ExecForeignBatchInsert = SfExecForeignBatchInsert;
	routine->GetForeignModifyBatchSize = SfGetForeignModifyBatchSize;
#endif
	routine->ExecForeignUpdate = SfExecForeignUpdate;
	routine->ExecForeignDelete = SfExecForeignDelete;
	routine->EndForeignModify = SfEndForeignModify;
	routine->BeginForeignInsert = SfBeginForeignInsert;
	routine->EndForeignInsert = SfEndForeignInsert;
	routine->IsForeignRelUpdatable = SfIsForeignRelUpdatable;
	routine->ExplainForeignModify = SfExplainForeignModify;
	routine->ImportForeignSchema = SfImportForeignSchema;

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
 * Record counts of sObjects, per backend: one /limits/recordCount request
 * per sObject and user mapping for the life of the backend.  The count is
 * approximate (Salesforce says so), which is all the planner needs.
 */
typedef struct RecordCountEntry
{
	Oid			umid;
	char	   *sobject;
	double		count;
} RecordCountEntry;

static List *record_counts = NIL;	/* in TopMemoryContext */

/*
 * sobject_record_count
 *		Salesforce's record count of 'sobject', or -1 when it has none.
 */
static double
sobject_record_count(UserMapping *user, const char *sobject)
{
	ListCell   *lc;
	SfConnection *conn;
	SfRequest	req;
	json_object *json = NULL;
	json_object *list;
	double		count = -1;
	MemoryContext oldcxt;
	RecordCountEntry *entry;
	char	   *failure;
	size_t		i;

	foreach(lc, record_counts)
	{
		entry = (RecordCountEntry *) lfirst(lc);
		if (entry->umid == user->umid &&
			pg_strcasecmp(entry->sobject, sobject) == 0)
			return entry->count;
	}

	conn = SfGetConnection(user);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.retryable = true;
	req.path = psprintf("%s?sObjects=%s",
						SfApiPath(conn, "limits/recordCount"), sobject);
	failure = psprintf("could not read the record count of Salesforce object \"%s\"",
					   sobject);
	if (SfPerformRequest(conn, &req, SF_REQ_RETURN_ERRORS, &json,
						 failure) / 100 == 2 &&
		json != NULL && json_object_is_type(json, json_type_object) &&
		json_object_object_get_ex(json, "sObjects", &list) &&
		json_object_is_type(list, json_type_array))
	{
		for (i = 0; i < json_object_array_length(list); i++)
		{
			json_object *item = json_object_array_get_idx(list, i);
			json_object *name;
			json_object *n;

			if (json_object_object_get_ex(item, "name", &name) &&
				json_object_is_type(name, json_type_string) &&
				pg_strcasecmp(json_object_get_string(name), sobject) == 0 &&
				json_object_object_get_ex(item, "count", &n))
				count = json_object_get_double(n);
		}
	}

	oldcxt = MemoryContextSwitchTo(TopMemoryContext);
	entry = (RecordCountEntry *) palloc(sizeof(RecordCountEntry));
	entry->umid = user->umid;
	entry->sobject = pstrdup(sobject);
	entry->count = count;
	record_counts = lappend(record_counts, entry);
	MemoryContextSwitchTo(oldcxt);
	return count;
}

/*
 * query_has_field_aggregates
 *		Does the query compute an aggregate other than count(*)?  Then the
 *		describe tells whether Salesforce may compute it.
 */
static bool
query_has_field_aggregates(PlannerInfo *root)
{
	List	   *vars;
	ListCell   *lc;

	if (!root->parse->hasAggs)
		return false;
	vars = pull_var_clause((Node *) root->parse->targetList,
						   PVC_INCLUDE_AGGREGATES |
						   PVC_RECURSE_WINDOWFUNCS |
						   PVC_RECURSE_PLACEHOLDERS);
	foreach(lc, vars)
	{
		Node	   *node = (Node *) lfirst(lc);

		if (IsA(node, Aggref) && !((Aggref *) node)->aggstar)
			return true;
	}
	return false;
}

/*
 * sfGetForeignRelSize
 *		Resolve the table's options and its fields' classes, split the quals
 *		into those Salesforce evaluates and those checked here, note the
 *		columns the query needs and estimate the row count.
 *
 * The describe of the sObject (cached per backend) is asked for only when
 * something could be pushed down: a qual, a join clause or an ORDER BY.
 */
static void
sfGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
					Oid foreigntableid)
{
	SfFdwRelationInfo *fpinfo;
	ListCell   *lc;
	Relation	rel;
	const SfSObjectDesc *desc = NULL;

	fpinfo = (SfFdwRelationInfo *) palloc0(sizeof(SfFdwRelationInfo));
	baserel->fdw_private = (void *) fpinfo;

	SfGetTableOptions(foreigntableid, &fpinfo->table);

	if (baserel->baserestrictinfo != NIL || baserel->joininfo != NIL ||
		baserel->has_eclass_joins || root->query_pathkeys != NIL ||
		(root->parse->hasAggs && root->parse->groupClause != NIL) ||
		query_has_field_aggregates(root))
	{
		ForeignTable *table = GetForeignTable(foreigntableid);
		Oid			userid = OidIsValid(baserel->userid) ?
		baserel->userid : GetUserId();

		fpinfo->user = GetUserMapping(userid, table->serverid);
		desc = SfDescribeSObject(SfGetConnection(fpinfo->user),
								 fpinfo->table.sobject);
	}

	rel = table_open(foreigntableid, NoLock);
	fpinfo->deparse.varno = baserel->relid;
	SfResolveFields(&fpinfo->deparse, foreigntableid, rel, desc);
	table_close(rel, NoLock);

	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		SfClausePushdown pushdown;

		if (SfClassifyClause(&fpinfo->deparse, ri->clause, &pushdown))
		{
			fpinfo->remote_conds = lappend(fpinfo->remote_conds, ri);
			if (pushdown.has_values)
				fpinfo->remote_values = true;
			if (!pushdown.exact)
				fpinfo->local_conds = lappend(fpinfo->local_conds, ri);
			/* one long IN list at most is sent in chunks: the first */
			if (pushdown.chunked)
				fpinfo->deparse.chunk_target = ri->clause;
		}
		else
			fpinfo->local_conds = lappend(fpinfo->local_conds, ri);
	}
	keep_long_conds_local(fpinfo);

	/* columns of the target list and of the quals evaluated here */
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid,
				   &fpinfo->attrs_used);

	/*
	 * UPDATE asks for the whole old row, but modify.c sends only the SET
	 * columns: unless something really reads the whole row, fetch just the
	 * fields the statement uses.
	 */
	if (!SfScanNeedsWholeRow(root, baserel))
		fpinfo->attrs_used = bms_del_member(fpinfo->attrs_used,
											0 - FirstLowInvalidHeapAttributeNumber);
	foreach(lc, fpinfo->local_conds)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);

		pull_varattnos((Node *) rinfo->clause, baserel->relid,
					   &fpinfo->attrs_used);
	}

	/*
	 * The number of records: ANALYZE's, else, where a join makes it matter (a
	 * parameterized path against a full scan), Salesforce's record count.
	 */
	fpinfo->record_count = SF_DEFAULT_ROWS;
	if (baserel->tuples > 0)
	{
		fpinfo->record_count = baserel->tuples;
		fpinfo->count_known = true;
	}
	else if (fpinfo->user != NULL &&
			 (baserel->joininfo != NIL || baserel->has_eclass_joins))
	{
		double		n = sobject_record_count(fpinfo->user,
											 fpinfo->table.sobject);

		if (n >= 0)
		{
			fpinfo->record_count = Max(n, 1.0);
			fpinfo->count_known = true;
		}
	}
	baserel->tuples = fpinfo->record_count;
	baserel->rows = clamp_row_est(fpinfo->record_count *
								  clauselist_selectivity(root,
														 baserel->baserestrictinfo,
														 baserel->relid,
														 JOIN_INNER,
														 NULL));
}

/*
 * scan_cost
 *		Startup and total cost of fetching 'rows' records in one query:
 *		one round trip per page, a little per record.
 */
static void
scan_cost(SfFdwRelationInfo *fpinfo, double rows, Cost *startup,
		  Cost *total)
{
	double		pages = ceil(Max(rows, 1.0) / fpinfo->table.fetch_size);

	*startup = SF_STARTUP_COST;
	*total = SF_STARTUP_COST * pages + rows * (SF_PER_ROW_COST + cpu_tuple_cost);
}

/* generate_implied_equalities_for_column callback: this column? */
static bool
ec_member_is_column(PlannerInfo *root, RelOptInfo *rel,
					EquivalenceClass *ec, EquivalenceMember *em, void *arg)
{
	SfFdwRelationInfo *fpinfo = (SfFdwRelationInfo *) rel->fdw_private;

	return SfColumnOf(&fpinfo->deparse, em->em_expr) == *(int *) arg;
}

/*
 * add_parameterized_paths
 *		Paths taking the value of an Id, reference or external id field from
 *		the outer side of a nested loop: one small query per outer row
 *		(Memoize above saves repeated keys) instead of every record.
 */
static void
add_parameterized_paths(PlannerInfo *root, RelOptInfo *baserel)
{
	SfFdwRelationInfo *fpinfo = (SfFdwRelationInfo *) baserel->fdw_private;
	List	   *clauses = NIL;
	List	   *ppis = NIL;
	ListCell   *lc;
	int			attno;

	if (!baserel->has_eclass_joins && baserel->joininfo == NIL)
		return;

	/* equijoins live in equivalence classes */
	for (attno = 1; attno <= fpinfo->deparse.natts; attno++)
	{
		if (!SfColumnIsLookup(&fpinfo->deparse, attno))
			continue;
		clauses = list_concat(clauses,
							  generate_implied_equalities_for_column(root,
																	 baserel,
																	 ec_member_is_column,
																	 (void *) &attno,
																	 baserel->lateral_referencers));
	}
	/* other join clauses on such a column (outer joins) */
	foreach(lc, baserel->joininfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		OpExpr	   *op = (OpExpr *) ri->clause;

		if (IsA(op, OpExpr) && list_length(op->args) == 2 &&
			SfColumnIsLookup(&fpinfo->deparse,
							 SfColumnOf(&fpinfo->deparse, linitial(op->args))))
			clauses = lappend(clauses, ri);
	}

	foreach(lc, clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		Relids		required_outer;
		ParamPathInfo *ppi;
		SfClausePushdown pushdown;

		if (!join_clause_is_movable_to(ri, baserel))
			continue;
		if (!SfClassifyClause(&fpinfo->deparse, ri->clause, &pushdown))
			continue;
		required_outer = bms_union(ri->clause_relids, baserel->lateral_relids);
		required_outer = bms_del_member(required_outer, baserel->relid);
		if (bms_is_empty(required_outer))
			continue;
		ppi = get_baserel_parampathinfo(root, baserel, required_outer);
		ppis = list_append_unique_ptr(ppis, ppi);
	}

	foreach(lc, ppis)
	{
		ParamPathInfo *ppi = (ParamPathInfo *) lfirst(lc);
		double		rows = ppi->ppi_rows;
		Cost		startup_cost;
		Cost		total_cost;

		scan_cost(fpinfo, rows, &startup_cost, &total_cost);
		add_path(baserel, (Path *)
				 sf_create_foreignscan_path(root, baserel, NULL, rows,
											startup_cost, total_cost, NIL,
											ppi->ppi_req_outer, NULL, NIL));
	}
}

/*
 * sfGetForeignPaths
 *		A path fetching every record that passes the remote quals, and one
 *		sorted by Salesforce when the query's ORDER BY can be sent.
 */
static void
sfGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	SfFdwRelationInfo *fpinfo = (SfFdwRelationInfo *) baserel->fdw_private;
	Cost		startup_cost;
	Cost		total_cost;
	double		fetched;
	Selectivity remote_sel;

	remote_sel = clauselist_selectivity(root, fpinfo->remote_conds,
										baserel->relid, JOIN_INNER, NULL);
	fetched = clamp_row_est(baserel->tuples * remote_sel);
	scan_cost(fpinfo, fetched, &startup_cost, &total_cost);

	add_path(baserel, (Path *)
			 sf_create_foreignscan_path(root, baserel, NULL, baserel->rows,
										startup_cost, total_cost,
										NIL, NULL, NULL, NIL));

	add_parameterized_paths(root, baserel);

	/* chunks of a long IN list come one after the other: not sorted */
	if (root->query_pathkeys != NIL &&
		fpinfo->deparse.chunk_target == NULL &&
		SfPathkeysShippable(baserel, &fpinfo->deparse, root->query_pathkeys))
	{
		/* sorting costs Salesforce a little, and saves a local Sort */
		add_path(baserel, (Path *)
				 sf_create_foreignscan_path(root, baserel, NULL,
											baserel->rows,
											startup_cost,
											total_cost + fetched * cpu_operator_cost,
											root->query_pathkeys,
											NULL, NULL, NIL));
	}
}

/*
 * remote_limit_count
 *		The LIMIT Salesforce may apply to this scan, or 0: the query reads
 *		this one table, needs no local filter, and the plan neither sorts,
 *		groups nor filters above the scan before the LIMIT (OFFSET is done
 *		here: the LIMIT covers the skipped rows too).
 */
static int64
remote_limit_count(PlannerInfo *root, RelOptInfo *baserel,
				   ForeignPath *best_path, List *local_exprs)
{
	Query	   *parse = root->parse;

	if (root->limit_tuples <= 0 || root->limit_tuples > 50000000.0 ||
		parse->commandType != CMD_SELECT ||
		parse->limitOption != LIMIT_OPTION_COUNT ||
		baserel->reloptkind != RELOPT_BASEREL ||
		bms_membership(root->all_baserels) != BMS_SINGLETON ||
		!bms_equal(root->all_baserels, baserel->relids) ||
		best_path->path.param_info != NULL ||
		local_exprs != NIL || parse->hasTargetSRFs || parse->rowMarks != NIL)
		return 0;
	/* limit_tuples may be an estimate of a parameter or a stable function */
	if (parse->limitCount == NULL || !IsA(parse->limitCount, Const) ||
		(parse->limitOffset != NULL && !IsA(parse->limitOffset, Const)))
		return 0;
	if (root->query_pathkeys != NIL &&
		!pathkeys_contained_in(root->query_pathkeys,
							   best_path->path.pathkeys))
		return 0;
	return (int64) root->limit_tuples;
}

/*
 * plan_records_scan
 *		A scan of records: split the conditions into those Salesforce
 *		evaluates and those checked here, choose the fields, the order and
 *		the LIMIT, and have deparse.c write the SOQL.
 */
static void
plan_records_scan(PlannerInfo *root, RelOptInfo *baserel,
				  SfFdwRelationInfo *fpinfo, ForeignPath *best_path,
				  List *scan_clauses, SfScanPlan *plan)
{
	Index		relid = baserel->relid;
	bool		whole_row;
	List	   *pathkeys;
	int64		limit;
	int64		offset = 0;
	ListCell   *lc;
	int			i;

	/*
	 * Quals of the relation were classified by sfGetForeignRelSize; join
	 * clauses of a parameterized path are classified here.
	 */
	foreach(lc, scan_clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		SfClausePushdown pushdown;

		if (ri->pseudoconstant)
			continue;			/* a gating Result above checks it */
		if (list_member_ptr(fpinfo->remote_conds, ri))
		{
			plan->remote_exprs = lappend(plan->remote_exprs, ri->clause);
			if (list_member_ptr(fpinfo->local_conds, ri))
				plan->local_exprs = lappend(plan->local_exprs, ri->clause);
		}
		else if (list_member_ptr(fpinfo->local_conds, ri))
			plan->local_exprs = lappend(plan->local_exprs, ri->clause);
		else if (SfClassifyClause(&fpinfo->deparse, ri->clause, &pushdown))
		{
			plan->remote_exprs = lappend(plan->remote_exprs, ri->clause);
			if (!pushdown.exact)
			{
				plan->local_exprs = lappend(plan->local_exprs, ri->clause);
				pull_varattnos((Node *) ri->clause, relid,
							   &fpinfo->attrs_used);
			}
		}
		else
		{
			plan->local_exprs = lappend(plan->local_exprs, ri->clause);
			pull_varattnos((Node *) ri->clause, relid, &fpinfo->attrs_used);
		}
	}

	whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber,
							  fpinfo->attrs_used);

	/* the fields sfGetForeignRelSize resolved (NULL: dropped column) */
	for (i = 1; i <= fpinfo->deparse.natts; i++)
	{
		if (fpinfo->deparse.fields[i] == NULL)
			continue;
		if (whole_row ||
			bms_is_member(i - FirstLowInvalidHeapAttributeNumber,
						  fpinfo->attrs_used))
		{
			plan->retrieved_attrs = lappend_int(plan->retrieved_attrs, i);
			plan->fields = lappend(plan->fields,
								   makeString(pstrdup(fpinfo->deparse.fields[i])));
		}
	}

	if (best_path->fdw_private != NIL)
	{
		/*
		 * The final path (add_final_path): ORDER BY, LIMIT and OFFSET all
		 * done by Salesforce, no Limit node above.
		 */
		pathkeys = root->sort_pathkeys;
		limit = intVal(linitial(best_path->fdw_private));
		offset = intVal(lsecond(best_path->fdw_private));
	}
	else
	{
		pathkeys = best_path->path.pathkeys;
		limit = remote_limit_count(root, baserel, best_path,
								   plan->local_exprs);
	}

	plan->mode = SF_SCAN_RECORDS;
	plan->limit = limit;
	plan->offset = offset;
	SfDeparseRecordsStmt(&plan->soql, &fpinfo->deparse,
						 fpinfo->table.sobject, plan->fields,
						 plan->remote_exprs, baserel, pathkeys, limit,
						 offset);
}

/*
 * plan_aggregate_scan
 *		Aggregates (sfGetForeignUpperPaths): count(*) alone is COUNT() (no
 *		record travels, the count is totalSize); other aggregates make an
 *		aggregate query, whose GROUP BY comes with the SOQL of its records
 *		for aggregating here when Salesforce has too many groups.
 */
static void
plan_aggregate_scan(PlannerInfo *root, RelOptInfo *upperrel,
					SfFdwRelationInfo *fpinfo, SfScanPlan *plan)
{
	bool		count_only = (root->parse->groupClause == NIL);
	List	   *having = (List *) root->parse->havingQual;
	List	   *agg_exprs;
	List	   *group_exprs = NIL;
	List	   *group_fields = NIL;
	SfSoqlStmt	group_stmt;
	ListCell   *lc;

	/*
	 * The aggregates of HAVING (sent by sfGetForeignUpperPaths only when it
	 * all is) are columns of the scan too, and HAVING is also checked here as
	 * the scan's qual: when more than 2,000 groups make the scan aggregate
	 * the records itself, that check is the HAVING; otherwise it keeps every
	 * group Salesforce returned.
	 */
	agg_exprs = list_copy(upperrel->reltarget->exprs);
	foreach(lc, pull_var_clause((Node *) having, PVC_INCLUDE_AGGREGATES))
	{
		if (IsA(lfirst(lc), Aggref) && !list_member(agg_exprs, lfirst(lc)))
			agg_exprs = lappend(agg_exprs, lfirst(lc));
	}
	plan->local_exprs = list_copy(having);
	foreach(lc, fpinfo->remote_conds)
		plan->remote_exprs = lappend(plan->remote_exprs,
									 lfirst_node(RestrictInfo, lc)->clause);
	foreach(lc, agg_exprs)
	{
		Expr	   *expr = (Expr *) lfirst(lc);

		plan->fdw_scan_tlist = lappend(plan->fdw_scan_tlist,
									   makeTargetEntry(expr,
													   foreach_current_index(lc) + 1,
													   NULL, false));
		if (!IsA(expr, Aggref) || !((Aggref *) expr)->aggstar)
			count_only = false;
	}

	if (count_only)
	{
		plan->mode = SF_SCAN_COUNT;
		SfDeparseCountStmt(&plan->soql, &fpinfo->deparse,
						   fpinfo->table.sobject, plan->remote_exprs);
		return;
	}

	plan->mode = SF_SCAN_AGGREGATE;
	foreach(lc, root->parse->groupClause)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		Expr	   *expr = (Expr *) get_sortgroupclause_expr(sgc,
															 root->parse->targetList);

		group_exprs = lappend(group_exprs, expr);
		group_fields = lappend(group_fields,
							   makeString(fpinfo->deparse.fields[SfColumnOf(&fpinfo->deparse,
																			expr)]));
	}
	plan->fields = SfDeparseAggregateStmt(&plan->soql, &fpinfo->deparse,
										  fpinfo->table.sobject, agg_exprs,
										  group_exprs, having,
										  plan->remote_exprs);
	foreach(lc, agg_exprs)
		plan->retrieved_attrs = lappend_int(plan->retrieved_attrs,
											foreach_current_index(lc) + 1);
	if (group_exprs == NIL)
		return;

	/*
	 * Salesforce returns at most 2,000 groups and won't page them: when they
	 * all come there may be more, and the scan reads these records and
	 * aggregates them itself instead.
	 */
	SfLocalGroupPlan(&fpinfo->deparse, agg_exprs, &plan->group_ops,
					 &plan->group_infields, &plan->group_types);
	SfDeparseRecordsStmt(&group_stmt, &fpinfo->deparse,
						 fpinfo->table.sobject,
						 list_concat(group_fields, plan->group_infields),
						 plan->remote_exprs, upperrel, NIL, 0, 0);
	plan->group_soql = group_stmt.text;
}

/*
 * choose_transport
 *		Decide whether a scan of records runs as a Bulk API 2.0 query job
 *		(plan->mode becomes SF_SCAN_BULK) and say why in plan->transport.
 *		Bulk serves a scan whose SOQL is complete at plan time and asks for
 *		no OFFSET, compound or base64 field; with bulk 'auto' it must also
 *		be expected to return at least bulk_read_threshold records: the
 *		record count (ANALYZE's, else Salesforce's /limits/recordCount)
 *		times the selectivity of the conditions, capped by a LIMIT.  The
 *		line is left out of EXPLAIN ("") when Bulk was never in play: bulk
 *		'auto' or 'off' on an sObject smaller than the threshold.
 */
static void
choose_transport(PlannerInfo *root, RelOptInfo *baserel,
				 SfFdwRelationInfo *fpinfo, bool remote_values,
				 SfScanPlan *plan)
{
	SfTableOptions *opts = &fpinfo->table;
	double		count = fpinfo->record_count;
	double		estimate;
	double		selectivity;
	const char *problem = NULL;
	bool		analyzed = fpinfo->count_known;

	plan->transport = "";
	if (opts->bulk == SF_BULK_OFF && !analyzed)
	{
		/* no record count is asked for a table that never uses Bulk */
		return;
	}

	selectivity = fpinfo->record_count > 0 ?
		baserel->rows / fpinfo->record_count : 1.0;
	if (!analyzed &&
		!(root->limit_tuples > 0 &&
		  root->limit_tuples < opts->bulk_read_threshold))
	{
		UserMapping *user = fpinfo->user;
		double		n;

		if (user == NULL)
		{
			ForeignTable *table = GetForeignTable(
												  planner_rt_fetch(baserel->relid, root)->relid);

			user = GetUserMapping(OidIsValid(baserel->userid) ?
								  baserel->userid : GetUserId(),
								  table->serverid);
		}
		n = sobject_record_count(user, opts->sobject);
		if (n >= 0)
			count = Max(n, 1.0);
	}
	estimate = clamp_row_est(count * selectivity);
	if (plan->limit > 0 && plan->limit < estimate)
		estimate = (double) plan->limit;
	if (root->limit_tuples > 0 && root->limit_tuples < estimate)
		estimate = root->limit_tuples;

	if (opts->bulk != SF_BULK_ON && count < opts->bulk_read_threshold)
		return;					/* Bulk not in play: no line */

	if (opts->bulk == SF_BULK_OFF)
	{
		plan->transport = psprintf("REST API (bulk 'off', estimated %.0f records)",
								   estimate);
		return;
	}
	if (plan->offset > 0)
		problem = "Bulk API 2.0 cannot skip records (OFFSET)";
	else if (remote_values)
		problem = "the SOQL needs values known only at execution";
	else if (plan->soql.never_true)
		problem = "the WHERE is never true";
	else if (fpinfo->deparse.chunk_target != NULL)
		problem = "a long IN list is sent in chunks, one query each";
	else
	{
		const char *field_problem;
		UserMapping *user = fpinfo->user;

		if (user == NULL)
		{
			ForeignTable *table = GetForeignTable(
												  planner_rt_fetch(baserel->relid, root)->relid);

			user = GetUserMapping(OidIsValid(baserel->userid) ?
								  baserel->userid : GetUserId(),
								  table->serverid);
		}
		field_problem = SfBulkFieldsProblem(SfGetConnection(user),
											opts->sobject, plan->fields,
											&plan->csv_classes);
		if (field_problem != NULL)
			problem = psprintf("Bulk API 2.0 cannot return %s",
							   field_problem);
	}
	if (problem != NULL)
	{
		plan->transport = psprintf("REST API (%s)", problem);
		return;
	}
	if (opts->bulk == SF_BULK_AUTO && estimate < opts->bulk_read_threshold)
	{
		plan->transport = psprintf("REST API (estimated %.0f records, below bulk_read_threshold %d)",
								   estimate, opts->bulk_read_threshold);
		return;
	}
	plan->mode = SF_SCAN_BULK;
	if (opts->bulk == SF_BULK_ON)
		plan->transport = psprintf("Bulk API 2.0 (bulk 'on', estimated %.0f records)",
								   estimate);
	else
		plan->transport = psprintf("Bulk API 2.0 (estimated %.0f records)",
								   estimate);
}

/*
 * pack_fdw_private
 *		The ForeignScan's fdw_private list (enum SfScanPrivateIndex) for
 *		'plan'; with 'remote_values', what the scan needs to write the WHERE
 *		again with the values known at execution.
 */
static List *
pack_fdw_private(SfFdwRelationInfo *fpinfo, SfScanPlan *plan,
				 bool remote_values)
{
	List	   *fdw_private;
	List	   *column_fields = NIL;
	List	   *column_classes = NIL;
	int			chunk_clause = -1;
	ListCell   *lc;
	int			i;

	if (remote_values)
	{
		for (i = 1; i <= fpinfo->deparse.natts; i++)
		{
			column_fields = lappend(column_fields,
									makeString(fpinfo->deparse.fields[i] ?
											   pstrdup(fpinfo->deparse.fields[i]) :
											   pstrdup("")));
			column_classes = lappend_int(column_classes,
										 fpinfo->deparse.classes[i]);
		}
		foreach(lc, plan->remote_exprs)
		{
			if (fpinfo->deparse.chunk_target != NULL &&
				lfirst(lc) == (void *) fpinfo->deparse.chunk_target)
				chunk_clause = foreach_current_index(lc);
		}
	}

	fdw_private = list_make4(makeString(plan->soql.text),
							 makeString(fpinfo->table.sobject),
							 makeInteger(fpinfo->table.query_all ? 1 : 0),
							 makeInteger(fpinfo->table.fetch_size));
	fdw_private = lappend(fdw_private, plan->retrieved_attrs);
	fdw_private = lappend(fdw_private, plan->fields);
	fdw_private = lappend(fdw_private, makeInteger(plan->mode));
	fdw_private = lappend(fdw_private, makeString(plan->soql.head));
	fdw_private = lappend(fdw_private, makeString(plan->soql.tail));
	fdw_private = lappend(fdw_private, column_fields);
	fdw_private = lappend(fdw_private, column_classes);
	fdw_private = lappend(fdw_private, makeInteger(chunk_clause));
	fdw_private = lappend(fdw_private, makeString(plan->group_soql));
	fdw_private = lappend(fdw_private, plan->group_ops);
	fdw_private = lappend(fdw_private, plan->group_infields);
	fdw_private = lappend(fdw_private, plan->group_types);
	fdw_private = lappend(fdw_private,
						  makeInteger(plan->soql.never_true ? 1 : 0));
	fdw_private = lappend(fdw_private, makeString(plan->transport));
	fdw_private = lappend(fdw_private, plan->csv_classes);
	return fdw_private;
}

/*
 * sfGetForeignPlan
 *		Decide what Salesforce does (records or aggregates, conditions,
 *		order, limit), have deparse.c write the SOQL, and keep it, with
 *		everything the scan needs to know, in fdw_private.  Quals whose
 *		values are known only at execution also go to fdw_exprs: the scan
 *		writes their SOQL again with the values (EXPLAIN shows $n
 *		placeholders).
 */
static ForeignScan *
sfGetForeignPlan(PlannerInfo *root, RelOptInfo *foreignrel,
				 Oid foreigntableid, ForeignPath *best_path, List *tlist,
				 List *scan_clauses, Plan *outer_plan)
{
	SfFdwRelationInfo *fpinfo = (SfFdwRelationInfo *) foreignrel->fdw_private;
	SfScanPlan	plan;
	Index		scan_relid = 0;
	bool		remote_values = false;
	ListCell   *lc;

	memset(&plan, 0, sizeof(plan));
	plan.group_soql = "";
	plan.transport = "";
	if (IS_UPPER_REL(foreignrel))
		plan_aggregate_scan(root, foreignrel, fpinfo, &plan);
	else
	{
		scan_relid = foreignrel->relid;
		plan_records_scan(root, foreignrel, fpinfo, best_path, scan_clauses,
						  &plan);
	}

	/* does a remote qual need values known only at execution? */
	foreach(lc, plan.remote_exprs)
	{
		SfClausePushdown pushdown;

		if (SfClassifyClause(&fpinfo->deparse, (Expr *) lfirst(lc),
							 &pushdown) && pushdown.has_values)
			remote_values = true;
	}
	if (scan_relid > 0)
		choose_transport(root, foreignrel, fpinfo, remote_values, &plan);

	/*
	 * The quals Salesforce evaluated are rechecked locally only when an
	 * EvalPlanQual recheck (a concurrent update of a joined local row) asks:
	 * fdw_recheck_quals, as postgres_fdw does.
	 */
	return make_foreignscan(tlist, plan.local_exprs, scan_relid,
							remote_values ? plan.remote_exprs : NIL,
							pack_fdw_private(fpinfo, &plan, remote_values),
							plan.fdw_scan_tlist,
							scan_relid > 0 ? plan.remote_exprs : NIL,
							outer_plan);
}

/* a pushable condition and the length of its SOQL */
typedef struct SfCondLength
{
	RestrictInfo *ri;
	int			len;
} SfCondLength;

static int
cond_length_cmp(const void *a, const void *b)
{
	int			la = ((const SfCondLength *) a)->len;
	int			lb = ((const SfCondLength *) b)->len;

	return (la < lb) - (la > lb);	/* longest first */
}

/*
 * keep_long_conds_local
 *		When the pushable conditions would make the SOQL longer than
 *		Salesforce accepts (with every column selected), keep the longest of
 *		them here instead, until the rest fits: the rows stay right, only
 *		more of them travel.
 */
static void
keep_long_conds_local(SfFdwRelationInfo *fpinfo)
{
	int			n = list_length(fpinfo->remote_conds);
	SfCondLength *conds;
	long		room = SF_MAX_SOQL_CHARS - SF_SOQL_TAIL_ROOM;
	long		total = 0;
	ListCell   *lc;
	int			i = 0;

	if (n == 0)
		return;
	room -= strlen("SELECT  FROM ") + strlen(fpinfo->table.sobject);
	for (i = 1; i <= fpinfo->deparse.natts; i++)
	{
		if (fpinfo->deparse.fields[i] != NULL)
			room -= strlen(fpinfo->deparse.fields[i]) + 2;
	}

	conds = palloc(n * sizeof(SfCondLength));
	i = 0;
	foreach(lc, fpinfo->remote_conds)
	{
		/* a scratch copy: writing counts placeholders and chunks */
		SfDeparseInfo scratch = fpinfo->deparse;
		StringInfoData buf;

		initStringInfo(&buf);
		(void) SfDeparseWhere(&buf, &scratch,
							  list_make1(lfirst_node(RestrictInfo, lc)->clause));
		conds[i].ri = lfirst_node(RestrictInfo, lc);
		conds[i].len = buf.len;
		total += buf.len;
		pfree(buf.data);
		i++;
	}
	if (total <= room)
		return;

	qsort(conds, n, sizeof(SfCondLength), cond_length_cmp);
	for (i = 0; i < n && total > room; i++)
	{
		fpinfo->remote_conds = list_delete_ptr(fpinfo->remote_conds,
											   conds[i].ri);
		if (!list_member_ptr(fpinfo->local_conds, conds[i].ri))
			fpinfo->local_conds = lappend(fpinfo->local_conds, conds[i].ri);
		total -= conds[i].len;
	}
}

/*
 * add_final_path
 *		LIMIT n OFFSET m of a query reading one foreign table, with the ORDER
 *		BY (if any) sent too and nothing checked locally: one path doing all
 *		of it in SOQL, so no Limit node skips the OFFSET rows here.
 *		Salesforce accepts OFFSET up to 2,000; a larger one stays local
 *		(the scan then gets LIMIT n+m, see remote_limit_count).
 */
static void
add_final_path(PlannerInfo *root, RelOptInfo *input_rel,
			   RelOptInfo *final_rel, FinalPathExtraData *extra)
{
	Query	   *parse = root->parse;
	RelOptInfo *baserel;
	SfFdwRelationInfo *fpinfo;
	int64		count;
	int64		offset = 0;
	List	   *pathkeys = NIL;
	Cost		startup_cost;
	Cost		total_cost;
	double		rows;
	ForeignPath *path;

	if (!extra->limit_needed || extra->count_est <= 0 ||
		extra->offset_est < 0 || extra->offset_est > 2000 ||
		extra->count_est > 50000000 ||
		parse->limitCount == NULL || !IsA(parse->limitCount, Const) ||
		(parse->limitOffset != NULL && !IsA(parse->limitOffset, Const)) ||
		parse->limitOption != LIMIT_OPTION_COUNT ||
		parse->commandType != CMD_SELECT || parse->rowMarks != NIL ||
		parse->hasTargetSRFs || parse->hasAggs || parse->groupClause != NIL ||
		parse->groupingSets != NIL || root->hasHavingQual ||
		parse->distinctClause != NIL || parse->hasWindowFuncs ||
		parse->setOperations != NULL ||
		bms_membership(root->all_baserels) != BMS_SINGLETON)
		return;

	baserel = find_base_rel(root, bms_singleton_member(root->all_baserels));
	if (baserel->reloptkind != RELOPT_BASEREL ||
		baserel->fdw_private == NULL || baserel->fdwroutine == NULL ||
		baserel->fdwroutine->GetForeignUpperPaths != sfGetForeignUpperPaths ||
		(input_rel != baserel && input_rel->reloptkind != RELOPT_UPPER_REL))
		return;
	fpinfo = (SfFdwRelationInfo *) baserel->fdw_private;
	if (fpinfo->local_conds != NIL || fpinfo->deparse.chunk_target != NULL)
		return;

	/*
	 * The values themselves, not the planner's estimates (LIMIT 0 is
	 * estimated as 1); a negative one is PostgreSQL's error to raise.
	 */
	if (((Const *) parse->limitCount)->constisnull)
		return;
	count = DatumGetInt64(((Const *) parse->limitCount)->constvalue);
	if (parse->limitOffset != NULL &&
		!((Const *) parse->limitOffset)->constisnull)
		offset = DatumGetInt64(((Const *) parse->limitOffset)->constvalue);
	if (count <= 0 || count > 50000000 || offset < 0 || offset > 2000)
		return;
	if (parse->sortClause != NIL)
	{
		if (!SfPathkeysShippable(baserel, &fpinfo->deparse,
								 root->sort_pathkeys))
			return;
		pathkeys = root->sort_pathkeys;
	}

	rows = Min(baserel->rows, (double) count);
	scan_cost(fpinfo, rows, &startup_cost, &total_cost);
	/* fewer records travel than with a Limit node skipping the OFFSET */
	startup_cost -= 1.0;
	total_cost -= 1.0;
	path = sf_create_foreign_upper_path(root, baserel,
										root->upper_targets[UPPERREL_FINAL],
										rows, startup_cost, total_cost,
										pathkeys, NULL,
										list_make2(makeInteger((int) count),
												   makeInteger((int) offset)));
	add_path(final_rel, (Path *) path);
}

/*
 * sfGetForeignUpperPaths
 *		Aggregates of a table whose quals Salesforce evaluates exactly:
 *		count(*) alone as SELECT COUNT() (the count comes in totalSize, no
 *		record travels); count(*), count(col), and min/max of integers,
 *		dates and datetimes, optionally grouped by columns SOQL groups as
 *		PostgreSQL does, as an aggregate query (SfAggregateShippable,
 *		SfGroupKeyShippable), with a HAVING when all of it is comparisons
 *		of those aggregates with constants (SfHavingShippable).  The final stage
 *		(LIMIT/OFFSET) is add_final_path's.
 *
 * Other aggregates are computed here: SOQL's SUM and AVG are doubles
 * (inexact for numeric), its MIN and MAX of text follow another order, and
 * grouping by text is case-insensitive.
 */
static void
sfGetForeignUpperPaths(PlannerInfo *root, UpperRelationKind stage,
					   RelOptInfo *input_rel, RelOptInfo *output_rel,
					   void *extra)
{
	SfFdwRelationInfo *fpinfo;
	Query	   *parse = root->parse;
	List	   *having;
	ListCell   *lc;
	Cost		startup_cost;
	Cost		total_cost;
	ForeignPath *path;

	if (stage == UPPERREL_FINAL)
	{
		add_final_path(root, input_rel, output_rel,
					   (FinalPathExtraData *) extra);
		return;
	}
	if (stage != UPPERREL_GROUP_AGG || output_rel->fdw_private != NULL ||
		input_rel->reloptkind != RELOPT_BASEREL ||
		input_rel->fdw_private == NULL)
		return;
	fpinfo = (SfFdwRelationInfo *) input_rel->fdw_private;

	if (fpinfo->local_conds != NIL || fpinfo->remote_values ||
		parse->groupingSets != NIL ||
		output_rel->reltarget->exprs == NIL ||
		list_length(parse->groupClause) > SF_MAX_GROUP_KEYS)
		return;

	/*
	 * GROUP BY columns Salesforce groups as PostgreSQL does: integers, dates,
	 * datetimes, ids and checkboxes (text groups case-insensitively).
	 */
	foreach(lc, parse->groupClause)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		Expr	   *expr = (Expr *) get_sortgroupclause_expr(sgc,
															 parse->targetList);

		if (!SfGroupKeyShippable(&fpinfo->deparse, expr))
			return;
	}

	/*
	 * HAVING (the conditions left after the planner moved those without
	 * aggregates to WHERE): sent when every condition is shippable, with
	 * GROUP BY only; otherwise the aggregation stays here.
	 */
	having = (List *) ((GroupPathExtraData *) extra)->havingQual;
	if (having != NIL)
	{
		if (parse->groupClause == NIL)
			return;
		foreach(lc, having)
		{
			if (!SfHavingShippable(&fpinfo->deparse, (Expr *) lfirst(lc)))
				return;
		}
	}

	foreach(lc, output_rel->reltarget->exprs)
	{
		Expr	   *expr = (Expr *) lfirst(lc);

		if (IsA(expr, Var) || IsA(expr, RelabelType))
		{
			/* a grouping column */
			if (parse->groupClause == NIL ||
				!SfGroupKeyShippable(&fpinfo->deparse, expr))
				return;
		}
		else if (!SfAggregateShippable(&fpinfo->deparse, expr))
			return;
	}

	output_rel->fdw_private = fpinfo;	/* considered once */
	startup_cost = SF_STARTUP_COST;
	total_cost = SF_STARTUP_COST + cpu_tuple_cost;
	path = sf_create_foreign_upper_path(root, output_rel,
										output_rel->reltarget, 1.0,
										startup_cost, total_cost, NIL,
										NULL, NIL);
	add_path(output_rel, (Path *) path);
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

	rte = exec_rt_fetch(fsplan->scan.scanrelid > 0 ? fsplan->scan.scanrelid :
						bms_next_member(fsplan->fs_relids, -1), estate);
	userid = OidIsValid(sf_scan_check_as_user(fsplan, rte)) ?
		sf_scan_check_as_user(fsplan, rte) : GetUserId();
	table = GetForeignTable(rte->relid);
	user = GetUserMapping(userid, table->serverid);
	fsstate->conn = SfGetConnection(user);
	foreach(lc1, table->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc1);

		if (strcmp(def->defname, "max_api_calls") == 0)
			SfLimitStatementApiCalls(SfParseIntOption(def, 1, INT_MAX));
	}

	fsstate->soql = strVal(list_nth(fdw_private, SfScanPrivateSoql));
	fsstate->sobject = strVal(list_nth(fdw_private, SfScanPrivateSObject));
	fsstate->query_all =
		intVal(list_nth(fdw_private, SfScanPrivateQueryAll)) != 0;
	fsstate->fetch_size = intVal(list_nth(fdw_private, SfScanPrivateFetchSize));
	retrieved_attrs = (List *) list_nth(fdw_private,
										SfScanPrivateRetrievedAttrs);
	fields = (List *) list_nth(fdw_private, SfScanPrivateFields);
	fsstate->mode = intVal(list_nth(fdw_private, SfScanPrivateMode));
	fsstate->soql_head = strVal(list_nth(fdw_private, SfScanPrivateSoqlHead));
	fsstate->soql_tail = strVal(list_nth(fdw_private, SfScanPrivateSoqlTail));
	fsstate->node = node;
	fsstate->group_soql = strVal(list_nth(fdw_private, SfScanPrivateGroupSoql));
	if (*fsstate->group_soql == '\0')
		fsstate->group_soql = NULL;
	fsstate->group_ops = (List *) list_nth(fdw_private, SfScanPrivateGroupOps);
	fsstate->group_infields = (List *) list_nth(fdw_private,
												SfScanPrivateGroupFields);
	fsstate->group_types = (List *) list_nth(fdw_private,
											 SfScanPrivateGroupTypes);
	fsstate->planned_never =
		intVal(list_nth(fdw_private, SfScanPrivateNeverTrue)) != 0;
	if (fsstate->mode == SF_SCAN_BULK)
	{
		List	   *classes = (List *) list_nth(fdw_private,
												SfScanPrivateCsvClasses);

		fsstate->csv_classes = palloc0(sizeof(int) *
									   Max(list_length(classes), 1));
		i = 0;
		foreach(lc1, classes)
			fsstate->csv_classes[i++] = lfirst_int(lc1);
	}

	if (fsplan->fdw_exprs != NIL)
	{
		List	   *column_fields = (List *) list_nth(fdw_private,
													  SfScanPrivateColumnFields);
		List	   *column_classes = (List *) list_nth(fdw_private,
													   SfScanPrivateColumnClasses);
		int			natts = list_length(column_classes);

		fsstate->remote_exprs = fsplan->fdw_exprs;
		fsstate->deparse.varno = fsplan->scan.scanrelid;
		fsstate->deparse.natts = natts;
		fsstate->deparse.fields = (char **) palloc0(sizeof(char *) * (natts + 1));
		fsstate->deparse.classes = (int *) palloc0(sizeof(int) * (natts + 1));
		i = 1;
		forboth(lc1, column_fields, lc2, column_classes)
		{
			char	   *f = strVal(lfirst(lc1));

			fsstate->deparse.fields[i] = (*f != '\0') ? f : NULL;
			fsstate->deparse.classes[i] = lfirst_int(lc2);
			i++;
		}
		fsstate->deparse.value_hook = eval_value;
		fsstate->deparse.value_arg = fsstate;
		i = intVal(list_nth(fdw_private, SfScanPrivateChunkClause));
		if (i >= 0)
			fsstate->deparse.chunk_target = (Expr *) list_nth(fsplan->fdw_exprs, i);
	}

	fsstate->scan_cxt = estate->es_query_cxt;
	fsstate->batch_cxt = AllocSetContextCreate(estate->es_query_cxt,
											   "salesforce_fdw page",
											   ALLOCSET_DEFAULT_SIZES);
	fsstate->temp_cxt = AllocSetContextCreate(estate->es_query_cxt,
											  "salesforce_fdw row",
											  ALLOCSET_SMALL_SIZES);

	if (fsstate->mode == SF_SCAN_COUNT)
		return;

	if (fsstate->mode == SF_SCAN_AGGREGATE)
	{
		ListCell   *lc;

		tupdesc = node->ss.ss_ScanTupleSlot->tts_tupleDescriptor;
		fsstate->is_count = (bool *) palloc0(sizeof(bool) * tupdesc->natts);
		i = 0;
		foreach(lc, fsplan->fdw_scan_tlist)
		{
			Aggref	   *agg = (Aggref *) lfirst_node(TargetEntry, lc)->expr;

			fsstate->is_count[i++] = (agg->aggfnoid == F_COUNT_ ||
									  agg->aggfnoid == F_COUNT_ANY);
		}
	}
	else
		tupdesc = RelationGetDescr(node->ss.ss_currentRelation);
	init_columns(fsstate, tupdesc, retrieved_attrs, fields);
}

/*
 * init_column
 *		Set up the conversion of one column: where its value is in a record
 *		(the relationship path 'field' split at its dots) and how it becomes
 *		a Datum of 'typid'.
 */
static void
init_column(SfScanColumn *col, AttrNumber attnum, const char *field,
			Oid typid, int32 typmod, const char *column, const char *sobject)
{
	char	   *copy = pstrdup(field);
	char	   *p;
	int			n;

	col->attnum = attnum;
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
	SfInitColumnConv(&col->conv, typid, typmod, sobject, field, column);
}

/*
 * init_columns
 *		Set up the conversion of every retrieved column.
 */
static void
init_columns(SfScanState *fsstate, TupleDesc tupdesc, List *retrieved_attrs,
			 List *fields)
{
	ListCell   *lc1;
	ListCell   *lc2;
	int			i = 0;
	const char **fields_walked;

	fsstate->ncolumns = list_length(retrieved_attrs);
	fsstate->columns = (SfScanColumn *)
		palloc0(sizeof(SfScanColumn) * Max(fsstate->ncolumns, 1));
	forboth(lc1, retrieved_attrs, lc2, fields)
	{
		AttrNumber	attnum = lfirst_int(lc1);
		Form_pg_attribute attr = TupleDescAttr(tupdesc, attnum - 1);

		init_column(&fsstate->columns[i++], attnum, strVal(lfirst(lc2)),
					attr->atttypid, attr->atttypmod,
					pstrdup(NameStr(attr->attname)), fsstate->sobject);
	}

	/* plain fields are found in one pass over a record, paths one by one */
	fields_walked = palloc(sizeof(char *) * Max(fsstate->ncolumns, 1));
	for (i = 0; i < fsstate->ncolumns; i++)
		fields_walked[i] = fsstate->columns[i].nsegments == 1 ?
			fsstate->columns[i].segments[0] : NULL;
	fsstate->walk = SfRecordWalkCreate(fsstate->ncolumns,
									   (const char *const *) fields_walked);
	fsstate->walk_values = palloc(sizeof(json_object *) *
								  Max(fsstate->ncolumns, 1));
	pfree(fields_walked);
}

/*
 * sfAnalyzeForeignTable
 *		ANALYZE samples the records with SOQL (see sf_acquire_sample_rows).
 */
static bool
sfAnalyzeForeignTable(Relation relation, AcquireSampleRowsFunc *func,
					  BlockNumber *totalpages)
{
	*func = sf_acquire_sample_rows;
	*totalpages = 1;
	return true;
}

/*
 * sf_acquire_sample_rows
 *		The first 'targrows' records Salesforce returns (all of them for a
 *		smaller sObject) as the sample, and its record count as the total.
 *
 * SOQL has no random sampling, and reading every record of a large sObject
 * to pick a random sample would cost one request per page of records; so
 * the sample is the first records in Salesforce's order.  Cost in API
 * calls: one /limits/recordCount request (once per backend) and one query
 * request per fetch_size records of the sample (30,000 records with the
 * default statistics target: 15 requests at fetch_size 2000).
 */
static int
sf_acquire_sample_rows(Relation relation, int elevel, HeapTuple *rows,
					   int targrows, double *totalrows,
					   double *totaldeadrows)
{
	Oid			relid = RelationGetRelid(relation);
	TupleDesc	tupdesc = RelationGetDescr(relation);
	ForeignTable *table = GetForeignTable(relid);
	UserMapping *user = GetUserMapping(GetUserId(), table->serverid);
	SfTableOptions topts;
	SfScanState fsstate;
	List	   *retrieved_attrs = NIL;
	List	   *fields = NIL;
	SfDeparseInfo deparse;
	SfSoqlStmt	soql;
	Datum	   *values;
	bool	   *nulls;
	double		count;
	int			nrows = 0;
	int			i;

	SfGetTableOptions(relid, &topts);
	memset(&fsstate, 0, sizeof(fsstate));
	fsstate.conn = SfGetConnection(user);
	fsstate.sobject = topts.sobject;

	for (i = 1; i <= tupdesc->natts; i++)
	{
		if (TupleDescAttr(tupdesc, i - 1)->attisdropped)
			continue;
		retrieved_attrs = lappend_int(retrieved_attrs, i);
		fields = lappend(fields, makeString(SfColumnField(relid, i)));
	}
	memset(&deparse, 0, sizeof(deparse));
	SfDeparseRecordsStmt(&soql, &deparse, topts.sobject, fields, NIL, NULL,
						 NIL, targrows, 0);
	init_columns(&fsstate, tupdesc, retrieved_attrs, fields);

	fsstate.batch_cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "salesforce_fdw analyze page",
											  ALLOCSET_DEFAULT_SIZES);
	fsstate.temp_cxt = AllocSetContextCreate(CurrentMemoryContext,
											 "salesforce_fdw analyze row",
											 ALLOCSET_SMALL_SIZES);
	values = (Datum *) palloc(sizeof(Datum) * tupdesc->natts);
	nulls = (bool *) palloc(sizeof(bool) * tupdesc->natts);

	count = sobject_record_count(user, topts.sobject);
	fsstate.cursor = SfQueryOpen(fsstate.conn, soql.text, topts.query_all,
								 topts.fetch_size, topts.sobject);
	while (nrows < targrows && fetch_next_page(&fsstate))
	{
		while (nrows < targrows && fsstate.next_record < fsstate.nrecords)
		{
			json_object *record = json_object_array_get_idx(fsstate.records,
															fsstate.next_record++);
			MemoryContext oldcxt;

			sf_analyze_delay_point();
			MemoryContextReset(fsstate.temp_cxt);
			oldcxt = MemoryContextSwitchTo(fsstate.temp_cxt);
			memset(nulls, true, sizeof(bool) * tupdesc->natts);
			SfRecordWalkRecord(fsstate.walk, record, fsstate.walk_values);
			for (i = 0; i < fsstate.ncolumns; i++)
			{
				SfScanColumn *col = &fsstate.columns[i];
				int			idx = col->attnum - 1;

				values[idx] = SfJsonToDatum(&col->conv,
											column_value(&fsstate, i, record),
											&nulls[idx]);
			}
			MemoryContextSwitchTo(oldcxt);
			rows[nrows++] = heap_form_tuple(tupdesc, values, nulls);
		}
	}
	SfQueryClose(fsstate.cursor);
	MemoryContextDelete(fsstate.batch_cxt);
	MemoryContextDelete(fsstate.temp_cxt);

	*totalrows = (count >= nrows) ? count : nrows;
	*totaldeadrows = 0;
	ereport(elevel,
			(errmsg("\"%s\": %d records sampled from Salesforce object \"%s\", %.0f records in total",
					RelationGetRelationName(relation), nrows, topts.sobject,
					*totalrows)));
	return nrows;
}

/*
 * eval_value
 *		SfValueHook: the current value of a parameter, an outer column or a
 *		stable expression in a remote qual.  ExprStates are made on first
 *		use and kept for the scan.
 */
static bool
eval_value(Expr *expr, void *arg, Datum *value, bool *isnull)
{
	SfScanState *fsstate = (SfScanState *) arg;
	ExprContext *econtext = fsstate->node->ss.ps.ps_ExprContext;
	ExprState  *state = NULL;
	ListCell   *lc1;
	ListCell   *lc2;

	forboth(lc1, fsstate->value_exprs, lc2, fsstate->value_states)
	{
		if (lfirst(lc1) == (void *) expr)
		{
			state = (ExprState *) lfirst(lc2);
			break;
		}
	}
	if (state == NULL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(fsstate->scan_cxt);

		state = ExecInitExpr(expr, &fsstate->node->ss.ps);
		fsstate->value_exprs = lappend(fsstate->value_exprs, expr);
		fsstate->value_states = lappend(fsstate->value_states, state);
		MemoryContextSwitchTo(oldcxt);
	}
	*value = ExecEvalExpr(state, econtext, isnull);
	return true;
}

/*
 * current_soql
 *		The SOQL to send now: the planned text, or, when quals take values
 *		known only at execution, the text written again with the values.
 *		Allocated in the scan's context.
 */
static char *
current_soql(SfScanState *fsstate)
{
	StringInfoData buf;
	MemoryContext oldcxt;
	char	   *result;

	if (fsstate->remote_exprs == NIL)
	{
		fsstate->never_true = fsstate->planned_never;
		return fsstate->soql;
	}

	MemoryContextReset(fsstate->temp_cxt);
	oldcxt = MemoryContextSwitchTo(fsstate->temp_cxt);
	initStringInfo(&buf);
	appendStringInfoString(&buf, fsstate->soql_head);
	fsstate->never_true = SfDeparseWhere(&buf, &fsstate->deparse,
										 fsstate->remote_exprs);
	appendStringInfoString(&buf, fsstate->soql_tail);
	MemoryContextSwitchTo(oldcxt);
	result = MemoryContextStrdup(fsstate->scan_cxt, buf.data);
	MemoryContextReset(fsstate->temp_cxt);
	return result;
}

/*
 * fetch_next_page
 *		Replace the current page by the next one.  False when there is none.
 */
static bool
fetch_next_page(SfScanState *fsstate)
{
	json_object *records;

	fsstate->records = NULL;
	fsstate->nrecords = 0;
	fsstate->next_record = 0;
	MemoryContextReset(fsstate->batch_cxt);

	if (fsstate->cursor == NULL)
	{
		/* nothing was sent: the WHERE is never true */
		fsstate->eof = true;
		return false;
	}
	/* the page's "records" array (SfQueryNextPage checked its shape) */
	records = SfQueryNextPage(fsstate->cursor, fsstate->batch_cxt);
	if (records == NULL)
	{
		fsstate->eof = true;
		return false;
	}

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
 * column_value
 *		Column i's JSON value in 'record' after SfRecordWalkRecord walked it:
 *		a plain field from the walk, a relationship path by record_field.
 */
static json_object *
column_value(SfScanState *fsstate, int i, json_object *record)
{
	SfScanColumn *col = &fsstate->columns[i];

	if (col->nsegments == 1)
		return fsstate->walk_values[i];
	return record_field(col, record);
}

/*
 * next_record
 *		The next record of the reply, fetching the next page (or the next
 *		chunk's query) when the current one is used up; NULL at the end.
 */
static json_object *
next_record(SfScanState *fsstate)
{
	/* pages may be empty (only the last one should be): skip them */
	while (fsstate->next_record >= fsstate->nrecords)
	{
		if (fsstate->eof || !fetch_next_page(fsstate))
		{
			if (fsstate->deparse.chunk + 1 >= fsstate->deparse.nchunks)
				return NULL;
			/* the next chunk of a long IN list: its own query */
			close_query(fsstate);
			fsstate->eof = false;
			fsstate->deparse.chunk++;
			open_cursor(fsstate);
		}
	}
	fsstate->row_returned = true;
	/* keep the next page's request moving while this page is returned */
	if (fsstate->next_record % 32 == 31)
		SfQueryPoll(fsstate->cursor);
	return json_object_array_get_idx(fsstate->records,
									 fsstate->next_record++);
}

/*
 * store_record
 *		Convert the retrieved columns of 'record' into 'slot'.
 */
static void
store_record(SfScanState *fsstate, TupleTableSlot *slot, json_object *record)
{
	MemoryContext oldcxt;
	int			i;

	MemoryContextReset(fsstate->temp_cxt);
	oldcxt = MemoryContextSwitchTo(fsstate->temp_cxt);
	memset(slot->tts_isnull, true,
		   sizeof(bool) * slot->tts_tupleDescriptor->natts);
	SfRecordWalkRecord(fsstate->walk, record, fsstate->walk_values);
	for (i = 0; i < fsstate->ncolumns; i++)
	{
		SfScanColumn *col = &fsstate->columns[i];
		int			idx = col->attnum - 1;

		slot->tts_values[idx] = SfJsonToDatum(&col->conv,
											  column_value(fsstate, i, record),
											  &slot->tts_isnull[idx]);
	}
	MemoryContextSwitchTo(oldcxt);
	ExecStoreVirtualTuple(slot);
}

/*
 * iterate_records
 *		SF_SCAN_RECORDS: one row per record.
 */
static void
iterate_records(SfScanState *fsstate, TupleTableSlot *slot)
{
	json_object *record;

	if (fsstate->cursor == NULL && !fsstate->eof)
		open_cursor(fsstate);
	record = next_record(fsstate);
	if (record != NULL)
		store_record(fsstate, slot, record);
}

/*
 * iterate_bulk
 *		SF_SCAN_BULK: one row per record of the query job, created on the
 *		first row and read page by page.  Each CSV value becomes exactly
 *		the Datum REST's JSON value would: numbers and booleans are given
 *		as literals, datetimes get REST's "+0000" for Bulk's "Z", and an
 *		empty value is null.
 */
static void
iterate_bulk(SfScanState *fsstate, TupleTableSlot *slot)
{
	MemoryContext oldcxt;
	SfBulkQuery *bulk;

	if (fsstate->eof)
		return;
	if (fsstate->bulk == NULL)
	{
		char	  **fields;
		int			max_records;

		/* the job and its field list live as long as the scan */
		oldcxt = MemoryContextSwitchTo(fsstate->scan_cxt);
		fields = palloc(sizeof(char *) * Max(fsstate->ncolumns, 1));
		for (int c = 0; c < fsstate->ncolumns; c++)
			fields[c] = (char *) fsstate->columns[c].conv.field;
		max_records = SF_BULK_PAGE_VALUES / Max(fsstate->ncolumns, 1);
		max_records = Min(Max(max_records, 1000), SF_BULK_PAGE_RECORDS);
		fsstate->last_soql = fsstate->soql;
		fsstate->bulk = SfBulkQueryOpen(fsstate->conn, fsstate->soql,
										fsstate->query_all, fsstate->sobject,
										fields, fsstate->ncolumns,
										max_records, fsstate->batch_cxt);
		MemoryContextSwitchTo(oldcxt);
	}
	bulk = fsstate->bulk;
	if (!SfBulkQueryNextRow(bulk))
	{
		fsstate->eof = true;
		return;
	}

	MemoryContextReset(fsstate->temp_cxt);
	oldcxt = MemoryContextSwitchTo(fsstate->temp_cxt);
	memset(slot->tts_isnull, true,
		   sizeof(bool) * slot->tts_tupleDescriptor->natts);
	for (int c = 0; c < fsstate->ncolumns; c++)
	{
		SfScanColumn *col = &fsstate->columns[c];
		int			idx = col->attnum - 1;
		const char *text = bulk->values[c];
		size_t		len = bulk->lengths[c];
		int			cls = fsstate->csv_classes[c];

		if (text == NULL)
			continue;			/* an empty CSV value is null */
		if (cls == SF_CSV_DATETIME && len > 0 && text[len - 1] == 'Z')
		{
			/* REST writes "...T19:00:00.000+0000" where Bulk writes "Z" */
			text = psprintf("%.*s+0000", (int) len - 1, text);
			len = len + 4;
		}
		slot->tts_values[idx] = SfTextToDatum(&col->conv, text, len,
											  cls != SF_CSV_LITERAL,
											  &slot->tts_isnull[idx]);
	}
	MemoryContextSwitchTo(oldcxt);
	ExecStoreVirtualTuple(slot);
	fsstate->row_returned = true;
}

/*
 * close_bulk
 *		End the scan's query job, if any (aborted if still running),
 *		keeping its request count.
 */
static void
close_bulk(SfScanState *fsstate)
{
	if (fsstate->bulk != NULL)
	{
		SfBulkJob  *job = fsstate->bulk->job;

		SfBulkQueryClose(fsstate->bulk);
		fsstate->closed_bulk_requests += job->create_requests +
			job->poll_requests + job->result_requests + job->other_requests;
		fsstate->bulk = NULL;
	}
}

/*
 * iterate_count
 *		SF_SCAN_COUNT: one row, the count in every column.  COUNT()'s count
 *		is the reply's totalSize; its records array is empty.
 */
static void
iterate_count(SfScanState *fsstate, TupleTableSlot *slot)
{
	int			natts = slot->tts_tupleDescriptor->natts;
	int64		count = 0;		/* a WHERE never true sent nothing */
	int			i;

	if (fsstate->row_returned)
		return;
	if (fsstate->cursor == NULL && !fsstate->eof)
		open_cursor(fsstate);
	if (fsstate->cursor != NULL)
	{
		(void) fetch_next_page(fsstate);
		count = SfQueryTotalSize(fsstate->cursor);
	}
	if (count < 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("could not count the records of Salesforce object \"%s\"",
						fsstate->sobject),
				 errdetail("The COUNT() query response has no \"totalSize\".")));
	for (i = 0; i < natts; i++)
	{
		slot->tts_values[i] = Int64GetDatum(count);
		slot->tts_isnull[i] = false;
	}
	fsstate->eof = true;
	fsstate->row_returned = true;
	ExecStoreVirtualTuple(slot);
}

/*
 * iterate_aggregate
 *		SF_SCAN_AGGREGATE: one row per AggregateResult record.  With GROUP BY
 *		at most 2,000 groups come (LIMIT 2000); when the query has that many
 *		there may be more, and the groups are computed here instead
 *		(totalSize says how many, whatever the first page holds).  Without
 *		GROUP BY, aggregates of no record are one row too.
 */
static void
iterate_aggregate(SfScanState *fsstate, TupleTableSlot *slot)
{
	json_object *record;

	if (fsstate->local_groups == NULL &&
		fsstate->cursor == NULL && !fsstate->eof)
	{
		open_cursor(fsstate);
		if (fsstate->group_soql != NULL && fsstate->cursor != NULL &&
			fetch_next_page(fsstate) &&
			Max(SfQueryTotalSize(fsstate->cursor),
				(int64) fsstate->nrecords) >= SF_MAX_AGGREGATE_ROWS)
			aggregate_locally(fsstate);
	}

	if (fsstate->local_groups != NULL)
	{
		if (SfLocalGroupNext(fsstate->local_groups, slot->tts_values,
							 slot->tts_isnull))
			ExecStoreVirtualTuple(slot);
		return;
	}

	record = next_record(fsstate);
	if (record != NULL)
		store_record(fsstate, slot, record);
	else if (!fsstate->row_returned && fsstate->group_soql == NULL)
	{
		/* aggregates of no record: counts 0, the others null */
		int			natts = slot->tts_tupleDescriptor->natts;
		int			i;

		for (i = 0; i < natts; i++)
		{
			slot->tts_values[i] = Int64GetDatum(0);
			slot->tts_isnull[i] = !fsstate->is_count[i];
		}
		fsstate->row_returned = true;
		ExecStoreVirtualTuple(slot);
	}
}

/*
 * sfIterateForeignScan
 *		The next row, from the function of the scan's mode; an empty slot at
 *		the end.
 */
static TupleTableSlot *
sfIterateForeignScan(ForeignScanState *node)
{
	SfScanState *fsstate = (SfScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	ExecClearTuple(slot);
	switch (fsstate->mode)
	{
		case SF_SCAN_RECORDS:
			iterate_records(fsstate, slot);
			break;
		case SF_SCAN_COUNT:
			iterate_count(fsstate, slot);
			break;
		case SF_SCAN_AGGREGATE:
			iterate_aggregate(fsstate, slot);
			break;
		case SF_SCAN_BULK:
			iterate_bulk(fsstate, slot);
			break;
		default:
			elog(ERROR, "salesforce_fdw: unrecognized scan mode %d",
				 fsstate->mode);
	}
	return slot;
}

/*
 * aggregate_locally
 *		GROUP BY with more groups than Salesforce returns: read the records
 *		(group_soql) and compute the groups here, into local_groups.
 */
static void
aggregate_locally(SfScanState *fsstate)
{
	int			ncols = list_length(fsstate->group_types);
	SfScanColumn *cols;
	Datum	   *values;
	bool	   *nulls;
	SfLocalGroups *groups;
	MemoryContext oldcxt;
	ListCell   *lc1;
	ListCell   *lc2;
	int			i;

	close_cursor(fsstate);

	/* the record fields aggregated, converted to their types */
	oldcxt = MemoryContextSwitchTo(fsstate->scan_cxt);
	cols = (SfScanColumn *) palloc0(sizeof(SfScanColumn) * ncols);
	values = (Datum *) palloc(sizeof(Datum) * ncols);
	nulls = (bool *) palloc(sizeof(bool) * ncols);
	forboth(lc1, fsstate->group_infields, lc2, fsstate->group_types)
	{
		char	   *field = strVal(lfirst(lc1));
		Oid			typid = lfirst_oid(lc2);

		if (OidIsValid(typid))
			init_column(&cols[foreach_current_index(lc1)], 0, field, typid,
						-1, field, fsstate->sobject);
	}
	groups = SfLocalGroupBegin(fsstate->group_ops, fsstate->group_types);

	fsstate->last_soql = fsstate->group_soql;
	fsstate->cursor = SfQueryOpen(fsstate->conn, fsstate->group_soql,
								  fsstate->query_all, fsstate->fetch_size,
								  fsstate->sobject);
	MemoryContextSwitchTo(oldcxt);

	while (fetch_next_page(fsstate))
	{
		while (fsstate->next_record < fsstate->nrecords)
		{
			json_object *record = json_object_array_get_idx(fsstate->records,
															fsstate->next_record++);

			CHECK_FOR_INTERRUPTS();
			MemoryContextReset(fsstate->temp_cxt);
			oldcxt = MemoryContextSwitchTo(fsstate->temp_cxt);
			for (i = 0; i < ncols; i++)
			{
				nulls[i] = true;
				if (cols[i].segments != NULL)	/* not count(*) */
					values[i] = SfJsonToDatum(&cols[i].conv,
											  record_field(&cols[i], record),
											  &nulls[i]);
			}
			SfLocalGroupAdd(groups, values, nulls);
			MemoryContextSwitchTo(oldcxt);
		}
	}
	close_query(fsstate);
	fsstate->eof = true;
	fsstate->local_groups = groups;
}

/*
 * open_cursor
 *		Send the query (for the current chunk of a long IN list, if any).
 */
static void
open_cursor(SfScanState *fsstate)
{
	/* the cursor lives as long as the scan, not the per-tuple context */
	char	   *soql = current_soql(fsstate);
	MemoryContext oldcxt;

	fsstate->records = NULL;
	fsstate->nrecords = 0;
	fsstate->next_record = 0;
	if (fsstate->never_true)
	{
		/* no record can match: spare Salesforce the request */
		if (soql != fsstate->soql)
			pfree(soql);
		fsstate->eof = true;
		return;
	}
	/* a rescan per outer row must not pile up one string per row */
	if (fsstate->last_soql != NULL && fsstate->last_soql != fsstate->soql &&
		fsstate->last_soql != fsstate->group_soql)
		pfree(fsstate->last_soql);
	fsstate->last_soql = soql;
	oldcxt = MemoryContextSwitchTo(fsstate->scan_cxt);
	fsstate->cursor = SfQueryOpen(fsstate->conn, soql, fsstate->query_all,
								  fsstate->fetch_size, fsstate->sobject);
	MemoryContextSwitchTo(oldcxt);
}

/*
 * close_query
 *		Close the query cursor, if any, keeping its request count.
 */
static void
close_query(SfScanState *fsstate)
{
	if (fsstate->cursor != NULL)
	{
		fsstate->closed_requests += SfQueryRequests(fsstate->cursor);
		fsstate->closed_retries += SfQueryRetries(fsstate->cursor);
		SfQueryClose(fsstate->cursor);
		fsstate->cursor = NULL;
	}
}

/*
 * close_cursor
 *		Close the query cursor and forget the reply: the scan starts over.
 */
static void
close_cursor(SfScanState *fsstate)
{
	close_query(fsstate);
	close_bulk(fsstate);
	fsstate->records = NULL;
	fsstate->nrecords = 0;
	fsstate->next_record = 0;
	fsstate->eof = false;
	fsstate->row_returned = false;
	fsstate->local_groups = NULL;
	fsstate->deparse.chunk = 0;
	fsstate->deparse.nchunks = 0;
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
	{
		const char *soql = strVal(list_nth(fsplan->fdw_private,
										   SfScanPrivateSoql));

		const char *transport = strVal(list_nth(fsplan->fdw_private,
												SfScanPrivateTransport));

		ExplainPropertyText("Salesforce SOQL", soql, es);
		if (*transport != '\0')
			ExplainPropertyText("Salesforce transport", transport, es);
		if (SfSoqlNeedsComposite(soql) &&
			intVal(list_nth(fsplan->fdw_private, SfScanPrivateMode)) !=
			SF_SCAN_BULK)
			ExplainPropertyText("Salesforce request",
								"Composite (the query does not fit in a URI)",
								es);
	}

	if (es->verbose && fsstate != NULL && fsstate->last_soql != NULL &&
		strcmp(fsstate->last_soql,
			   strVal(list_nth(fsplan->fdw_private, SfScanPrivateSoql))) != 0)
		ExplainPropertyText("Salesforce SOQL sent", fsstate->last_soql, es);

	if (es->analyze)
	{
		uint64		requests = 0;
		uint64		retries = 0;

		if (fsstate != NULL)
		{
			requests = fsstate->closed_requests;
			retries = fsstate->closed_retries;
			if (fsstate->cursor != NULL)
			{
				requests += SfQueryRequests(fsstate->cursor);
				retries += SfQueryRetries(fsstate->cursor);
			}
			requests += fsstate->closed_bulk_requests;
			if (fsstate->bulk != NULL)
			{
				SfBulkJob  *job = fsstate->bulk->job;

				requests += job->create_requests + job->poll_requests +
					job->result_requests + job->other_requests;
				ExplainPropertyText("Salesforce Bulk API job",
									psprintf("%s, %s, %lld records read; API requests: %llu create, %llu polls, %llu result pages",
											 job->id, job->state,
											 (long long) fsstate->bulk->rows,
											 (unsigned long long) job->create_requests,
											 (unsigned long long) job->poll_requests,
											 (unsigned long long) job->result_requests),
									es);
			}
		}
		ExplainPropertyInteger("Salesforce API requests", NULL,
							   (int64) requests, es);
		/* only when there were some: fault-free plans stay as they were */
		if (retries > 0)
			ExplainPropertyInteger("Salesforce retries", NULL,
								   (int64) retries, es);
	}
}
