/*-------------------------------------------------------------------------
 *
 * modify.c
 *		  INSERT, UPDATE, DELETE, COPY FROM and upsert on Salesforce objects.
 *
 * Every write goes through sObject Collections in batches of batch_size
 * records, or, from bulk_write_threshold rows on, through Bulk API 2.0
 * ingest jobs (ingest.c) with the same value text; no row goes both ways.
 * Rows are found by the column mapped to the field Id (a junk column of
 * the scan); writes Salesforce would surely refuse are refused from the
 * cached describe before any request; values are written exactly.
 * Salesforce commits each request on its own, so every error names the
 * rows that failed and says how many records were already written.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "salesforce_fdw.h"		/* first: see the json_object note there */

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "commands/trigger.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "common/shortest_dec.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#if PG_VERSION_NUM >= 160000
#include "optimizer/inherit.h"	/* get_rel_all_updated_cols */
#endif
#include "parser/parsetree.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

/* Name of the junk column that carries the Id of each row to change. */
#define SF_ID_JUNK_NAME		"salesforce_id"

/* Longest accepted record id (18 characters; 15 is the short form). */
#define SF_MAX_ID_LEN		18

/* The case-sensitive part of an Id that names the record: 15 characters */
#define SF_ID_KEY_LEN		15

/* An entry of SfModifyState.seen_ids */
typedef struct SfSeenId
{
	char		key[SF_ID_KEY_LEN + 1]; /* zero-padded: a blob hash key */
} SfSeenId;

/* Items of the fdw_private list of a ModifyTable (PlanForeignModify). */
enum SfModifyPrivateIndex
{
	SfModifyPrivateTargetAttrs, /* columns written (IntList) */
	SfModifyPrivateGivenAttrs	/* INSERT: columns given a non-null expression
								 * (IntList) */
};

/* How one column's value becomes JSON */
typedef enum SfWriteKind
{
	SF_WRITE_STRING,			/* output function, JSON string */
	SF_WRITE_BOOL,
	SF_WRITE_NUMBER,			/* int2/4/8, numeric: JSON number */
	SF_WRITE_FLOAT4,			/* shortest exact text, whatever the */
	SF_WRITE_FLOAT8,			/* session's extra_float_digits */
	SF_WRITE_DATE,
	SF_WRITE_TIME,
	SF_WRITE_TIMETZ,
	SF_WRITE_TIMESTAMP,			/* without time zone: the UTC wall time */
	SF_WRITE_TIMESTAMPTZ,
	SF_WRITE_JSON,				/* json, jsonb: the value itself */
	SF_WRITE_ARRAY				/* multi-select picklist: "a;b" */
} SfWriteKind;

/* How append_value_text's text goes into JSON */
typedef enum SfValueForm
{
	SF_VALUE_STRING,			/* a JSON string */
	SF_VALUE_LITERAL,			/* as is: a number, boolean or JSON value */
	SF_VALUE_CLEAR				/* nothing: the value clears the field */
} SfValueForm;

/* One column the statement writes */
typedef struct SfWriteColumn
{
	AttrNumber	attnum;
	char	   *column;			/* column name, for messages */
	char	   *field;			/* API name of the field */
	SfWriteKind kind;
	Oid			typid;			/* base type (of the elements for arrays) */
	FmgrInfo	outfunc;		/* output function of typid */
	int16		elmlen;			/* arrays: element storage */
	bool		elmbyval;
	char		elmalign;
	bool		writable;		/* createable (INSERT) / updateable (UPDATE) */
} SfWriteColumn;

/*
 * State of one foreign table being written by one statement: the columns,
 * the pending batch and the progress counters the error messages report.
 */
typedef struct SfModifyState
{
	CmdType		operation;		/* CMD_INSERT, CMD_UPDATE or CMD_DELETE */
	Relation	rel;
	SfConnection *conn;
	char	   *sobject;
	char	   *upsert_field;	/* INSERT by external id, or NULL */
	int			upsert_column;	/* index in columns[] of its column */
	int			batch_size;		/* records per request, 1..200 */
	bool		all_or_none;

	int			ncolumns;
	SfWriteColumn *columns;

	AttrNumber	id_attnum;		/* table column mapped to Id, or 0 */
	FmgrInfo	id_infunc;		/* its input function, to return new Ids */
	Oid			id_typioparam;
	int32		id_typmod;
	FmgrInfo	id_outfunc;		/* its output function, to read Ids */
	char		row_id[SF_MAX_ID_LEN + 1];	/* Id of the row being queued */
	AttrNumber	id_junk;		/* UPDATE/DELETE: junk column with the Id */
	AttrNumber	wholerow_junk;	/* DELETE RETURNING: the old row */
	bool		need_result;	/* INSERT: each row's Id is needed at once */
	bool		need_result_known;	/* need_result has been decided */

	/* the pending batch, all in batch_cxt */
	MemoryContext batch_cxt;
	MemoryContext row_cxt;		/* reset for every row */
	StringInfoData records;		/* JSON records (DELETE: comma-separated ids) */
	int			nrecords;
	int64	   *positions;		/* row number in the statement, per record */
	char	  **ids;			/* Id per record (UPDATE/DELETE) */
	char		last_id[SF_MAX_ID_LEN + 1]; /* Id of the last record sent */
	HTAB	   *seen_ids;		/* UPDATE/DELETE: records already queued */

	/* Bulk API ingest jobs (see bulk_take_row) */
	int			bulk;			/* option bulk: SF_BULK_* */
	int			bulk_threshold; /* option bulk_write_threshold */
	int			route;			/* SF_ROUTE_* */
	SfIngest   *ingest;			/* the statement's jobs, once on Bulk */
	MemoryContext held_cxt;		/* rows held while below the threshold */
	MinimalTuple *held;
	char	  **held_ids;
	int64		nheld;
	int64		maxheld;

	/* progress of the statement */
	int64		rows_seen;		/* rows handed to us so far */
	int64		written;		/* records Salesforce committed */
	int64		requests;		/* API requests sent (Collections, Bulk) */
} SfModifyState;

/* Where the rows of a statement go (SfModifyState.route) */
#define SF_ROUTE_UNDECIDED		0	/* before the first row */
#define SF_ROUTE_COLLECTIONS	1	/* sObject Collections */
#define SF_ROUTE_HOLD			2	/* held until the threshold decides */
#define SF_ROUTE_BULK			3	/* Bulk API ingest jobs */
#define SF_ROUTE_DONE			4	/* ingest jobs finished */

/* What an error context callback reports about the statement's progress */
typedef struct SfProgressInfo
{
	SfModifyState *fm;
	int64		first;			/* first and last row of the batch, or -1 */
	int64		last;
} SfProgressInfo;

static SfModifyState *create_modify_state(EState *estate,
										  ResultRelInfo *rinfo,
										  CmdType operation,
										  List *target_attrs,
										  List *given_attrs,
										  Plan *subplan, bool explain_only);
static Oid	modify_user_id(EState *estate, ResultRelInfo *rinfo);
static AttrNumber find_id_column(Relation rel, bool missing_ok,
								 CmdType operation);
static void init_write_column(SfWriteColumn *col, Relation rel,
							  AttrNumber attnum);
static void check_columns_writable(SfModifyState *fm, List *given_attrs);
static bool insert_needs_result(ResultRelInfo *rinfo);
static bool queue_row(SfModifyState *fm, TupleTableSlot *slot,
					  const char *id);
static void flush_batch(SfModifyState *fm);
static bool column_left_out(SfModifyState *fm, SfWriteColumn *col, int i,
							bool isnull);
static bool bulk_take_row(SfModifyState *fm, ResultRelInfo *rinfo,
						  TupleTableSlot *slot, const char *id,
						  bool *duplicate);
static void decide_route(SfModifyState *fm, ResultRelInfo *rinfo);
static void hold_row(SfModifyState *fm, TupleTableSlot *slot, const char *id);
static void check_row(SfModifyState *fm, TupleTableSlot *slot,
					  int64 position);
static void start_bulk(SfModifyState *fm);
static void bulk_write_row(SfModifyState *fm, TupleTableSlot *slot,
						   const char *id);
static void append_csv_value(StringInfo buf, SfModifyState *fm,
							 SfWriteColumn *col, Datum value);
static void replay_held(SfModifyState *fm, bool to_bulk);
static void finish_writes(SfModifyState *fm);
static void explain_ingest(SfModifyState *fm, struct ExplainState *es);
static void report_ingest_failure(SfModifyState *fm, SfIngestOutcome *out)
			pg_attribute_noreturn();
static bool only_lock_failures(json_object *results, int nrecords);
static void report_outcome_unknown(SfModifyState *fm) pg_attribute_noreturn();
static void check_results(SfModifyState *fm, json_object *results);
static void report_record_failure(SfModifyState *fm, int index,
								  json_object *error, int64 committed)
			pg_attribute_noreturn();
static void report_request_failure(SfModifyState *fm, int status,
								   json_object *body)
			pg_attribute_noreturn();
static void record_batch_failures(SfModifyState *fm, json_object *results);
static void record_request_failure(SfModifyState *fm, json_object *body);
static void record_failure(SfModifyState *fm, int index, json_object *error,
						   const char *code_key, const char *id);
static int	sqlstate_for_status(const char *code);
static char *written_phrase(int64 written);
static char *written_sentence(int64 written);
static char *rows_failure(SfModifyState *fm, int64 first, int64 last,
						  const char *id);
static void progress_error_callback(void *arg);
static const char *slot_id(SfModifyState *fm, TupleTableSlot *planSlot);
static void store_new_id(SfModifyState *fm, TupleTableSlot *slot,
						 const char *id);
static void append_json_value(StringInfo buf, SfWriteColumn *col,
							  Datum value);
static SfValueForm append_value_text(StringInfo buf, SfWriteColumn *col,
									 Datum value);
static void append_timestamp_text(StringInfo buf, SfWriteColumn *col,
								  Timestamp ts);
static void append_time_text(StringInfo buf, TimeADT t);
static bool append_array_text(StringInfo buf, SfWriteColumn *col,
							  Datum value);
static void append_number_text(StringInfo buf, SfWriteColumn *col,
							   const char *text);
static void value_error(SfWriteColumn *col, int sqlstate, const char *why)
			pg_attribute_noreturn();

/*
 * SfAddForeignUpdateTargets
 *		Add the column mapped to Id as the row identity of UPDATE and DELETE
 *		(and, for DELETE ... RETURNING, the whole old row).
 */
#if PG_VERSION_NUM >= 140000
void
SfAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
						  RangeTblEntry *target_rte, Relation target_relation)
{
	AttrNumber	attnum;
	Form_pg_attribute att;
	Var		   *var;

	attnum = find_id_column(target_relation, false,
							root->parse->commandType);
	att = TupleDescAttr(RelationGetDescr(target_relation), attnum - 1);
	var = makeVar(rtindex, attnum, att->atttypid, att->atttypmod,
				  att->attcollation, 0);
	add_row_identity_var(root, var, rtindex, SF_ID_JUNK_NAME);

	/*
	 * DELETE ... RETURNING needs the deleted row, which Salesforce does not
	 * send back: have the scan deliver it.  (UPDATE always has it.)
	 */
	if (root->parse->commandType == CMD_DELETE &&
		root->parse->returningList != NIL)
	{
		var = makeVar(rtindex, InvalidAttrNumber, RECORDOID, -1, InvalidOid, 0);
		add_row_identity_var(root, var, rtindex, "wholerow");
	}
}
#else
void
SfAddForeignUpdateTargets(Query *parsetree, RangeTblEntry *target_rte,
						  Relation target_relation)
{
	AttrNumber	attnum;
	Form_pg_attribute att;
	Var		   *var;
	TargetEntry *tle;

	attnum = find_id_column(target_relation, false,
							parsetree->commandType);
	att = TupleDescAttr(RelationGetDescr(target_relation), attnum - 1);
	var = makeVar(parsetree->resultRelation, attnum, att->atttypid,
				  att->atttypmod, att->attcollation, 0);
	tle = makeTargetEntry((Expr *) var,
						  list_length(parsetree->targetList) + 1,
						  pstrdup(SF_ID_JUNK_NAME), true);
	parsetree->targetList = lappend(parsetree->targetList, tle);

	if (parsetree->commandType == CMD_DELETE &&
		parsetree->returningList != NIL)
	{
		var = makeWholeRowVar(target_rte, parsetree->resultRelation, 0, false);
		tle = makeTargetEntry((Expr *) var,
							  list_length(parsetree->targetList) + 1,
							  pstrdup("wholerow"), true);
		parsetree->targetList = lappend(parsetree->targetList, tle);
	}
}
#endif

/*
 * SfPlanForeignModify
 *		Decide which columns the statement writes.
 *
 * INSERT writes every column (nulls are left out per row); it also records
 * which columns the statement gives a value other than a constant NULL, so
 * that writing a read-only field is refused before any request.  UPDATE
 * writes the columns of its SET list (the "given" ones), and every column
 * when a BEFORE ROW UPDATE trigger may change others.
 */
List *
SfPlanForeignModify(PlannerInfo *root, ModifyTable *plan,
					Index resultRelation, int subplan_index)
{
	CmdType		operation = plan->operation;
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	Relation	rel;
	TupleDesc	tupdesc;
	List	   *target_attrs = NIL;
	List	   *given_attrs = NIL;
	int			attnum;

	rel = table_open(rte->relid, NoLock);
	tupdesc = RelationGetDescr(rel);

	/* Salesforce has no "insert unless it exists"; upsert_field is the way */
	if (plan->onConflictAction != ONCONFLICT_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("INSERT with ON CONFLICT is not supported on foreign table \"%s\"",
						RelationGetRelationName(rel)),
				 errhint("To update records whose external id already exists, set the table option \"upsert_field\".")));

	if (operation == CMD_INSERT)
	{
		for (attnum = 1; attnum <= tupdesc->natts; attnum++)
		{
			Form_pg_attribute attr = TupleDescAttr(tupdesc, attnum - 1);
			ListCell   *lc;
			bool		given = false;

			if (attr->attisdropped || attr->attgenerated)
				continue;
			target_attrs = lappend_int(target_attrs, attnum);

			/* the planner filled every column in; NULL means "not given" */
			foreach(lc, root->parse->targetList)
			{
				TargetEntry *tle = (TargetEntry *) lfirst(lc);
				Node	   *expr;

				if (tle->resjunk || tle->resno != attnum)
					continue;
				expr = strip_implicit_coercions((Node *) tle->expr);
				given = !(IsA(expr, Const) && ((Const *) expr)->constisnull);
				break;
			}
			if (given)
				given_attrs = lappend_int(given_attrs, attnum);
		}
	}
	else if (operation == CMD_UPDATE)
	{
		Bitmapset  *cols = sf_updated_columns(root, resultRelation, rte);
		int			col = -1;

		while ((col = bms_next_member(cols, col)) >= 0)
		{
			attnum = col + FirstLowInvalidHeapAttributeNumber;
			if (attnum <= InvalidAttrNumber)
				elog(ERROR, "system-column update is not supported");
			if (TupleDescAttr(tupdesc, attnum - 1)->attgenerated)
				continue;
			given_attrs = lappend_int(given_attrs, attnum);
		}
		target_attrs = given_attrs;

		/*
		 * A BEFORE ROW UPDATE trigger may change any column, not only those
		 * of the SET list: then every column is written (those of fields
		 * Salesforce won't update are left out, see check_columns_writable),
		 * as postgres_fdw does.
		 */
		if (rel->trigdesc && rel->trigdesc->trig_update_before_row)
		{
			target_attrs = NIL;
			for (attnum = 1; attnum <= tupdesc->natts; attnum++)
			{
				Form_pg_attribute attr = TupleDescAttr(tupdesc, attnum - 1);

				if (!attr->attisdropped && !attr->attgenerated)
					target_attrs = lappend_int(target_attrs, attnum);
			}
		}
	}

	table_close(rel, NoLock);

	return list_make2(target_attrs, given_attrs);
}

/*
 * SfBeginForeignModify
 *		Set up the write state of one result relation; refuse writes of
 *		read-only fields before anything is sent.
 */
void
SfBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
					 List *fdw_private, int subplan_index, int eflags)
{
	Plan	   *subplan = sf_modify_subplan(mtstate, subplan_index);

	rinfo->ri_FdwState =
		create_modify_state(mtstate->ps.state, rinfo,
							mtstate->operation,
							(List *) list_nth(fdw_private,
											  SfModifyPrivateTargetAttrs),
							(List *) list_nth(fdw_private,
											  SfModifyPrivateGivenAttrs),
							subplan,
							(eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0);
}

/*
 * SfBeginForeignInsert
 *		Set up a COPY FROM or a row routed into a partition that is this
 *		foreign table.  Every column is a target; values of read-only
 *		fields are refused row by row (there is no plan to inspect).
 */
void
SfBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	Relation	rel = rinfo->ri_RelationDesc;
	TupleDesc	tupdesc = RelationGetDescr(rel);
	List	   *target_attrs = NIL;
	EState	   *estate;
	int			attnum;

	for (attnum = 1; attnum <= tupdesc->natts; attnum++)
	{
		Form_pg_attribute attr = TupleDescAttr(tupdesc, attnum - 1);

		if (!attr->attisdropped && !attr->attgenerated)
			target_attrs = lappend_int(target_attrs, attnum);
	}

	estate = mtstate ? mtstate->ps.state : NULL;
	if (estate == NULL)
		elog(ERROR, "salesforce_fdw: BeginForeignInsert without an executor state");

	rinfo->ri_FdwState = create_modify_state(estate, rinfo, CMD_INSERT,
											 target_attrs, NIL, NULL, false);
}

/*
 * SfGetForeignModifyBatchSize
 *		Rows PostgreSQL may hand to SfExecForeignBatchInsert at once: the
 *		batch_size option, or 1 when each row must come back with its Id
 *		at once.
 */
int
SfGetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	SfModifyState *fm = (SfModifyState *) rinfo->ri_FdwState;
	SfTableOptions opts;

	if (insert_needs_result(rinfo))
		return 1;
	if (fm != NULL)
		return fm->batch_size;
	SfGetTableOptions(RelationGetRelid(rinfo->ri_RelationDesc), &opts);
	return opts.batch_size;
}

/*
 * SfExecForeignInsert
 *		Insert (or upsert) one row.  When nothing needs the row back it
 *		joins the pending batch (COPY FROM goes this way); otherwise it is
 *		sent at once and its new Id stored into the returned slot.
 */
TupleTableSlot *
SfExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
					TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	SfModifyState *fm = (SfModifyState *) rinfo->ri_FdwState;
	bool		duplicate;

	if (!fm->need_result_known)
	{
		fm->need_result = insert_needs_result(rinfo);
		fm->need_result_known = true;
	}
	if (!fm->need_result && bulk_take_row(fm, rinfo, slot, NULL, &duplicate))
		return slot;
	queue_row(fm, slot, NULL);
	if (fm->need_result)
	{
		flush_batch(fm);
		store_new_id(fm, slot, fm->last_id);
	}
	return slot;
}

/*
 * SfExecForeignBatchInsert
 *		Insert the rows PostgreSQL collected (at most batch_size): one
 *		sObject Collections request.
 */
TupleTableSlot **
SfExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo,
						 TupleTableSlot **slots, TupleTableSlot **planSlots,
						 int *numSlots)
{
	SfModifyState *fm = (SfModifyState *) rinfo->ri_FdwState;
	int			i;

	for (i = 0; i < *numSlots; i++)
	{
		bool		duplicate;

		if (!bulk_take_row(fm, rinfo, slots[i], NULL, &duplicate))
			queue_row(fm, slots[i], NULL);
	}
	flush_batch(fm);
	return slots;
}

/*
 * SfExecForeignUpdate
 *		Queue the changed columns of one row, found by its Id.
 *
 * The row counts as updated at once; a failure when its batch is sent
 * fails the statement.
 */
TupleTableSlot *
SfExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
					TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	SfModifyState *fm = (SfModifyState *) rinfo->ri_FdwState;
	const char *id = slot_id(fm, planSlot);
	bool		duplicate;

	if (bulk_take_row(fm, rinfo, slot, id, &duplicate))
		return duplicate ? NULL : slot;
	if (!queue_row(fm, slot, id))
		return NULL;			/* updated already by this statement */
	return slot;
}

/*
 * SfExecForeignDelete
 *		Queue the Id of one row; for RETURNING, the deleted row is the one
 *		the scan delivered.
 */
TupleTableSlot *
SfExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
					TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	SfModifyState *fm = (SfModifyState *) rinfo->ri_FdwState;
	const char *id = slot_id(fm, planSlot);
	bool		duplicate;

	if (bulk_take_row(fm, rinfo, NULL, id, &duplicate))
		return duplicate ? NULL : slot;
	if (!queue_row(fm, NULL, id))
		return NULL;			/* deleted already by this statement */

	if (fm->wholerow_junk != InvalidAttrNumber &&
		rinfo->ri_projectReturning != NULL)
	{
		bool		isnull;
		Datum		datum;

		datum = ExecGetJunkAttribute(planSlot, fm->wholerow_junk, &isnull);
		if (!isnull)
		{
			HeapTupleHeader td = DatumGetHeapTupleHeader(datum);
			HeapTupleData tuple;

			tuple.t_len = HeapTupleHeaderGetDatumLength(td);
			ItemPointerSetInvalid(&tuple.t_self);
			tuple.t_tableOid = InvalidOid;
			tuple.t_data = td;
			ExecForceStoreHeapTuple(heap_copytuple(&tuple), slot, true);
		}
	}
	return slot;
}

/*
 * SfEndForeignModify
 *		Send what is left of the last batch.
 */
void
SfEndForeignModify(EState *estate, ResultRelInfo *rinfo)
{
	SfModifyState *fm = (SfModifyState *) rinfo->ri_FdwState;

	if (fm == NULL || fm->conn == NULL)
		return;					/* EXPLAIN without ANALYZE */
	finish_writes(fm);
	MemoryContextDelete(fm->batch_cxt);
	MemoryContextDelete(fm->row_cxt);
	rinfo->ri_FdwState = NULL;
}

/*
 * SfEndForeignInsert
 *		End of a COPY FROM or of rows routed into this table.
 */
void
SfEndForeignInsert(EState *estate, ResultRelInfo *rinfo)
{
	SfEndForeignModify(estate, rinfo);
}

/*
 * SfIsForeignRelUpdatable
 *		Every Salesforce table takes INSERT, UPDATE and DELETE; a table
 *		without an Id column is told so in SfAddForeignUpdateTargets, with a
 *		clearer message than PostgreSQL's.
 */
int
SfIsForeignRelUpdatable(Relation rel)
{
	return (1 << CMD_INSERT) | (1 << CMD_UPDATE) | (1 << CMD_DELETE);
}

/*
 * SfExplainForeignModify
 *		Show the sObject, the batch size and, with ANALYZE, the requests.
 */
void
SfExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
					   List *fdw_private, int subplan_index, ExplainState *es)
{
	SfModifyState *fm = (SfModifyState *) rinfo->ri_FdwState;

	if (fm == NULL)
		return;
	ExplainPropertyText("Salesforce sObject", fm->sobject, es);
	if (fm->upsert_field)
		ExplainPropertyText("Upsert Field", fm->upsert_field, es);
	ExplainPropertyInteger("Batch Size", NULL,
						   fm->operation == CMD_INSERT &&
						   insert_needs_result(rinfo) ? 1 : fm->batch_size,
						   es);
	if (es->analyze && fm->conn != NULL)
	{
		/*
		 * EXPLAIN prints before the executor ends: send the last batch now,
		 * so the count is the statement's (SfEndForeignModify then has
		 * nothing left to send).
		 */
		finish_writes(fm);
		ExplainPropertyInteger("Salesforce API requests", NULL, fm->requests, es);
		if (fm->ingest != NULL)
			explain_ingest(fm, es);
	}
}

/*
 * SfScanNeedsWholeRow
 *		For the scan planner: must the scan of 'baserel' deliver whole rows?
 *
 * PostgreSQL asks the scan under an UPDATE of a foreign table for the whole
 * old row, only to build the complete new row from it.  We send only the
 * SET columns, so when nothing else looks at the new row (RETURNING, row
 * triggers, WITH CHECK OPTION) or at the whole row (a whole-row reference in
 * SET or WHERE), the scan may fetch just the columns the statement uses and
 * leave the others null; that is the query an UPDATE ... WHERE needs.
 * Returns true whenever in doubt.
 */
bool
SfScanNeedsWholeRow(PlannerInfo *root, RelOptInfo *baserel)
{
	Query	   *parse = root->parse;
	RangeTblEntry *rte;
	Relation	rel;
	Bitmapset  *used = NULL;
	TriggerDesc *trigdesc;
	bool		needed;
	ListCell   *lc;

	if (parse->commandType != CMD_UPDATE ||
		baserel->relid != (Index) parse->resultRelation ||
		parse->returningList != NIL || parse->withCheckOptions != NIL ||
		parse->hasSubLinks)		/* an outer reference could hide there */
		return true;

	/* a whole-row reference of the user's own in SET or WHERE */
	foreach(lc, parse->targetList)
	{
		TargetEntry *tle = (TargetEntry *) lfirst(lc);

		if (!tle->resjunk)
			pull_varattnos((Node *) tle->expr, baserel->relid, &used);
	}
	pull_varattnos(parse->jointree->quals, baserel->relid, &used);
	if (bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, used))
		return true;

	rte = planner_rt_fetch(baserel->relid, root);
	rel = table_open(rte->relid, NoLock);
	trigdesc = rel->trigdesc;
	needed = trigdesc != NULL &&
		(trigdesc->trig_update_before_row || trigdesc->trig_update_after_row ||
		 trigdesc->trig_update_instead_row);
	table_close(rel, NoLock);
	return needed;
}

/*
 * create_modify_state
 *		Resolve options, columns and the connection for writing 'rinfo'.
 *
 * 'subplan' is the plan feeding UPDATE/DELETE (for the junk columns), NULL
 * for inserts.  With 'explain_only' nothing is looked up remotely.
 */
static SfModifyState *
create_modify_state(EState *estate, ResultRelInfo *rinfo, CmdType operation,
					List *target_attrs, List *given_attrs, Plan *subplan,
					bool explain_only)
{
	Relation	rel = rinfo->ri_RelationDesc;
	SfModifyState *fm;
	SfTableOptions opts;
	ListCell   *lc;
	int			i;

	fm = (SfModifyState *) palloc0(sizeof(SfModifyState));
	fm->operation = operation;
	fm->rel = rel;

	SfGetTableOptions(RelationGetRelid(rel), &opts);
	fm->sobject = opts.sobject;
	fm->batch_size = opts.batch_size;
	fm->all_or_none = opts.all_or_none;
	fm->upsert_field = operation == CMD_INSERT ? opts.upsert_field : NULL;
	fm->bulk = opts.bulk;
	fm->bulk_threshold = opts.bulk_write_threshold;
	fm->route = SF_ROUTE_UNDECIDED;

	/* the columns written */
	fm->ncolumns = list_length(target_attrs);
	fm->columns = (SfWriteColumn *) palloc0(sizeof(SfWriteColumn) *
											Max(fm->ncolumns, 1));
	i = 0;
	foreach(lc, target_attrs)
		init_write_column(&fm->columns[i++], rel, (AttrNumber) lfirst_int(lc));

	/* the Id column: to find rows, and to return new Ids */
	fm->id_attnum = find_id_column(rel, operation == CMD_INSERT, operation);
	if (fm->id_attnum != InvalidAttrNumber)
	{
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel),
											  fm->id_attnum - 1);

		Oid			infunc;
		Oid			outfunc;
		bool		isvarlena;

		/* looked up once: every row of an UPDATE or DELETE reads its Id */
		getTypeInputInfo(att->atttypid, &infunc, &fm->id_typioparam);
		fmgr_info(infunc, &fm->id_infunc);
		fm->id_typmod = att->atttypmod;
		getTypeOutputInfo(att->atttypid, &outfunc, &isvarlena);
		fmgr_info(outfunc, &fm->id_outfunc);
	}

	if (operation == CMD_UPDATE || operation == CMD_DELETE)
	{
		fm->id_junk = ExecFindJunkAttributeInTlist(subplan->targetlist,
												   SF_ID_JUNK_NAME);
		if (!AttributeNumberIsValid(fm->id_junk))
			elog(ERROR, "could not find junk column \"%s\"", SF_ID_JUNK_NAME);
		if (operation == CMD_DELETE)
			fm->wholerow_junk = ExecFindJunkAttributeInTlist(subplan->targetlist,
															 "wholerow");
	}

	if (fm->upsert_field != NULL)
	{
		bool		mapped = false;

		for (i = 0; i < fm->ncolumns; i++)
		{
			if (pg_strcasecmp(fm->columns[i].field, fm->upsert_field) == 0)
			{
				mapped = true;
				fm->upsert_column = i;
			}
		}
		if (!mapped)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("foreign table \"%s\" has no column for its upsert field \"%s\"",
							RelationGetRelationName(rel), fm->upsert_field),
					 errhint("Add a column mapped to the external id field \"%s\", or drop the table option \"upsert_field\".",
							 fm->upsert_field)));
	}

	/*
	 * need_result is decided at the first row: RETURNING is not set up yet
	 * when BeginForeignModify runs.
	 */
	fm->need_result = false;
	fm->need_result_known = operation != CMD_INSERT;

	fm->batch_cxt = AllocSetContextCreate(CurrentMemoryContext,
										  "salesforce_fdw modify batch",
										  ALLOCSET_DEFAULT_SIZES);
	/* not a child of batch_cxt: resetting that would delete it */
	fm->row_cxt = AllocSetContextCreate(CurrentMemoryContext,
										"salesforce_fdw modify row",
										ALLOCSET_SMALL_SIZES);
	fm->positions = (int64 *) palloc0(sizeof(int64) * fm->batch_size);
	fm->ids = (char **) palloc0(sizeof(char *) * fm->batch_size);
	fm->nrecords = 0;
	fm->records.data = NULL;

	if (operation == CMD_UPDATE || operation == CMD_DELETE)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(((SfSeenId *) NULL)->key);
		ctl.entrysize = sizeof(SfSeenId);
		ctl.hcxt = CurrentMemoryContext;
		fm->seen_ids = hash_create("salesforce_fdw Ids of the statement", 256,
								   &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}

	if (explain_only)
		return fm;

	SfFailuresBeginStatement(estate);
	SfLimitStatementApiCalls(opts.max_api_calls);
	fm->conn = SfGetConnection(
							   GetUserMapping(modify_user_id(estate, rinfo),
											  GetForeignTable(RelationGetRelid(rel))->serverid));

	check_columns_writable(fm, given_attrs);

	return fm;
}

/* The user whose mapping writes 'rinfo' (the view owner for views). */
static Oid
modify_user_id(EState *estate, ResultRelInfo *rinfo)
{
#if PG_VERSION_NUM >= 160000
	return ExecGetResultRelCheckAsUser(rinfo, estate);
#else
	Index		rti = rinfo->ri_RangeTableIndex;
	RangeTblEntry *rte;

#if PG_VERSION_NUM >= 140000
	if (rti == 0 && rinfo->ri_RootResultRelInfo != NULL)
		rti = rinfo->ri_RootResultRelInfo->ri_RangeTableIndex;
#endif
	if (rti == 0)
		return GetUserId();
	rte = exec_rt_fetch(rti, estate);
	return OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
#endif
}

/*
 * find_id_column
 *		The column of 'rel' mapped to the field Id (case-insensitively), or
 *		0 if 'missing_ok'; otherwise a missing one is an error that says
 *		the statement ('operation': CMD_UPDATE or CMD_DELETE) needs it.
 */
static AttrNumber
find_id_column(Relation rel, bool missing_ok, CmdType operation)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			attnum;

	for (attnum = 1; attnum <= tupdesc->natts; attnum++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, attnum - 1);

		if (att->attisdropped)
			continue;
		if (pg_strcasecmp(SfColumnField(RelationGetRelid(rel), attnum),
						  "Id") == 0)
			return attnum;
	}

	if (missing_ok)
		return InvalidAttrNumber;

	ereport(ERROR,
			(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
			 operation == CMD_DELETE ?
			 errmsg("cannot delete from foreign table \"%s\" because it has no column mapped to the field \"Id\"",
					RelationGetRelationName(rel)) :
			 errmsg("cannot update foreign table \"%s\" because it has no column mapped to the field \"Id\"",
					RelationGetRelationName(rel)),
			 errdetail("Salesforce finds the records to update or delete by their Id."),
			 errhint("Add a column for the record id, for example: ALTER FOREIGN TABLE %s ADD COLUMN id varchar(18) OPTIONS (field 'Id').",
					 quote_identifier(RelationGetRelationName(rel)))));
	return InvalidAttrNumber;	/* keep the compiler quiet */
}

/*
 * init_write_column
 *		Field name and JSON conversion of column 'attnum'.
 */
static void
init_write_column(SfWriteColumn *col, Relation rel, AttrNumber attnum)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	Oid			typid = getBaseType(att->atttypid);
	Oid			elemtype;
	Oid			outfunc;
	bool		isvarlena;

	col->attnum = attnum;
	col->column = pstrdup(NameStr(att->attname));
	col->field = SfColumnField(RelationGetRelid(rel), attnum);
	col->writable = true;

	elemtype = get_element_type(typid);
	if (OidIsValid(elemtype))
	{
		col->kind = SF_WRITE_ARRAY;
		typid = getBaseType(elemtype);
		get_typlenbyvalalign(elemtype, &col->elmlen, &col->elmbyval,
							 &col->elmalign);
	}
	else
	{
		switch (typid)
		{
			case BOOLOID:
				col->kind = SF_WRITE_BOOL;
				break;
			case INT2OID:
			case INT4OID:
			case INT8OID:
			case NUMERICOID:
				col->kind = SF_WRITE_NUMBER;
				break;
			case FLOAT4OID:
				col->kind = SF_WRITE_FLOAT4;
				break;
			case FLOAT8OID:
				col->kind = SF_WRITE_FLOAT8;
				break;
			case DATEOID:
				col->kind = SF_WRITE_DATE;
				break;
			case TIMEOID:
				col->kind = SF_WRITE_TIME;
				break;
			case TIMETZOID:
				col->kind = SF_WRITE_TIMETZ;
				break;
			case TIMESTAMPOID:
				col->kind = SF_WRITE_TIMESTAMP;
				break;
			case TIMESTAMPTZOID:
				col->kind = SF_WRITE_TIMESTAMPTZ;
				break;
			case JSONOID:
			case JSONBOID:
				col->kind = SF_WRITE_JSON;
				break;
			default:
				col->kind = SF_WRITE_STRING;
				break;
		}
	}
	col->typid = typid;
	getTypeOutputInfo(typid, &outfunc, &isvarlena);
	fmgr_info(outfunc, &col->outfunc);
}

/*
 * check_columns_writable
 *		Refuse, before any request, a statement that writes a field
 *		Salesforce will refuse: not createable (INSERT) or updateable
 *		(UPDATE) in the describe, unknown, or a relationship path.
 *
 * Only the columns in 'given_attrs' (given a value by INSERT, in the SET
 * list of UPDATE) are refused here; the others are marked: an INSERT
 * refuses them if a row brings a value, an UPDATE (all columns, because of
 * a BEFORE ROW trigger) leaves them out.
 */
static void
check_columns_writable(SfModifyState *fm, List *given_attrs)
{
	int			i;
	const SfSObjectDesc *describe = NULL;

	if (fm->operation == CMD_DELETE || fm->ncolumns == 0)
		return;

	for (i = 0; i < fm->ncolumns; i++)
	{
		SfWriteColumn *col = &fm->columns[i];
		const SfFieldDesc *field;
		bool		given;
		const char *why = NULL; /* the detail, as a format */

		given = list_member_int(given_attrs, col->attnum);

		if (strchr(col->field, '.') != NULL)
			why = gettext_noop("Field \"%s\" of Salesforce object \"%s\" is read-only: it is a field of a related record.");
		else
		{
			if (describe == NULL)
				describe = SfDescribeSObject(fm->conn, fm->sobject);
			field = SfDescribeField(describe, col->field);
			if (field == NULL)
			{
				if (!given)
				{
					col->writable = false;
					continue;
				}
				ereport(ERROR,
						(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
						 errmsg("column \"%s\" of foreign table \"%s\" maps to field \"%s\", which Salesforce object \"%s\" does not have",
								col->column, RelationGetRelationName(fm->rel),
								col->field, fm->sobject),
						 errhint("Correct the column option \"field\".")));
			}
			if (fm->operation == CMD_INSERT && !field->createable)
				why = gettext_noop("Field \"%s\" of Salesforce object \"%s\" is read-only: it is not createable.");
			else if (fm->operation == CMD_UPDATE && !field->updateable)
				why = gettext_noop("Field \"%s\" of Salesforce object \"%s\" is read-only: it is not updateable.");
			if (why != NULL && field->calculated)
				why = gettext_noop("Field \"%s\" of Salesforce object \"%s\" is read-only: it is a formula field.");
			if (why != NULL && field->auto_number)
				why = gettext_noop("Field \"%s\" of Salesforce object \"%s\" is read-only: it is an auto-number field.");
		}

		if (why == NULL)
			continue;
		col->writable = false;
		if (!given)
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 fm->operation == CMD_INSERT ?
				 errmsg("cannot insert into column \"%s\" of foreign table \"%s\"",
						col->column, RelationGetRelationName(fm->rel)) :
				 errmsg("cannot update column \"%s\" of foreign table \"%s\"",
						col->column, RelationGetRelationName(fm->rel)),
				 errdetail(why, col->field, fm->sobject),
				 fm->operation == CMD_INSERT ?
				 errhint("Leave the column out of the INSERT.") :
				 errhint("Leave the column out of the UPDATE's SET list.")));
	}
}

/*
 * insert_needs_result
 *		Must each inserted row come back at once (with its new Id)?  So it
 *		is for RETURNING, row triggers and WITH CHECK OPTION of a view.
 */
static bool
insert_needs_result(ResultRelInfo *rinfo)
{
	TriggerDesc *trigdesc = rinfo->ri_TrigDesc;

	if (rinfo->ri_projectReturning != NULL ||
		rinfo->ri_WithCheckOptions != NIL)
		return true;
	if (trigdesc != NULL &&
		(trigdesc->trig_insert_after_row || trigdesc->trig_insert_before_row))
		return true;
	return false;
}

/*
 * Records 'id' as changed by this statement; true when it already was (a
 * join can name one record twice; PostgreSQL changes a row once).
 */
static bool
id_seen_before(SfModifyState *fm, const char *id)
{
	SfSeenId	key;
	bool		found;

	if (id == NULL || fm->seen_ids == NULL)
		return false;
	memset(&key, 0, sizeof(key));
	strncpy(key.key, id, SF_ID_KEY_LEN);
	(void) hash_search(fm->seen_ids, &key, HASH_ENTER, &found);
	return found;
}

/*
 * queue_row
 *		Add one row to the pending batch, sending the batch first if it is
 *		full.  'slot' holds the row (NULL for DELETE); 'id' is its Id
 *		(UPDATE/DELETE).
 *
 * A join can hand us the same row twice, in any two batches.  As
 * PostgreSQL changes a row at most once per statement (the first time
 * wins; later ones are skipped and not counted), a record already queued
 * by this statement is not queued again: false is returned.  A 15- and an
 * 18-character form of one Id name the same record.
 */
static bool
queue_row(SfModifyState *fm, TupleTableSlot *slot, const char *id)
{
	MemoryContext oldcxt;
	ErrorContextCallback errcallback;
	SfProgressInfo progress;
	StringInfo	buf;
	int			i;

	if (id_seen_before(fm, id))
		return false;

	if (fm->nrecords >= fm->batch_size)
		flush_batch(fm);

	fm->rows_seen++;
	progress.fm = fm;
	progress.first = progress.last = fm->rows_seen;
	errcallback.callback = progress_error_callback;
	errcallback.arg = &progress;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	if (fm->records.data == NULL)
	{
		oldcxt = MemoryContextSwitchTo(fm->batch_cxt);
		initStringInfo(&fm->records);
		MemoryContextSwitchTo(oldcxt);
	}
	buf = &fm->records;

	MemoryContextReset(fm->row_cxt);
	oldcxt = MemoryContextSwitchTo(fm->row_cxt);

	if (fm->operation == CMD_DELETE)
	{
		if (fm->nrecords > 0)
			appendStringInfoChar(buf, ',');
		appendStringInfoString(buf, id);
	}
	else
	{
		if (fm->nrecords > 0)
			appendStringInfoChar(buf, ',');
		appendStringInfoString(buf, "{\"attributes\":{\"type\":");
		escape_json(buf, fm->sobject);
		appendStringInfoChar(buf, '}');
		if (id != NULL)
		{
			appendStringInfoString(buf, ",\"id\":");
			escape_json(buf, id);
		}

		slot_getallattrs(slot);
		for (i = 0; i < fm->ncolumns; i++)
		{
			SfWriteColumn *col = &fm->columns[i];
			bool		isnull = slot->tts_isnull[col->attnum - 1];

			if (column_left_out(fm, col, i, isnull))
				continue;
			appendStringInfoChar(buf, ',');
			escape_json(buf, col->field);
			appendStringInfoChar(buf, ':');
			if (isnull)
				appendStringInfoString(buf, "null");
			else
				append_json_value(buf, col, slot->tts_values[col->attnum - 1]);
		}
		appendStringInfoChar(buf, '}');
	}

	MemoryContextSwitchTo(oldcxt);

	fm->positions[fm->nrecords] = fm->rows_seen;
	fm->ids[fm->nrecords] = id ? MemoryContextStrdup(fm->batch_cxt, id) : NULL;
	fm->nrecords++;

	error_context_stack = errcallback.previous;

	if (fm->nrecords >= fm->batch_size && !fm->need_result)
		flush_batch(fm);
	return true;
}

/*
 * column_left_out
 *		Is column 'col' (the i-th) left out of the record for this row?  So
 *		are nulls of an INSERT (Salesforce applies its defaults) and, in an
 *		UPDATE, columns Salesforce won't update that are not in the SET
 *		list.  A value for a field that cannot take one is an error.
 */
static bool
column_left_out(SfModifyState *fm, SfWriteColumn *col, int i, bool isnull)
{
	if (isnull && fm->upsert_field != NULL && i == fm->upsert_column)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("cannot upsert a row whose column \"%s\" is null",
						col->column),
				 errdetail("Foreign table \"%s\" upserts by the external id field \"%s\".",
						   RelationGetRelationName(fm->rel),
						   fm->upsert_field),
				 errhint("Give every row a value for \"%s\".",
						 col->column)));
	/* an INSERT leaves nulls out, so Salesforce applies defaults */
	if (fm->operation == CMD_INSERT && isnull)
		return true;
	if (!col->writable && fm->operation == CMD_UPDATE)
		return true;			/* not in the SET list (see above) */
	if (!col->writable)
	{
		/* only an INSERT without a plan (COPY) gets here */
		if (fm->operation == CMD_INSERT &&
			pg_strcasecmp(col->field, "Id") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
					 errmsg("cannot insert a value into column \"%s\" of foreign table \"%s\"",
							col->column,
							RelationGetRelationName(fm->rel)),
					 errdetail("Salesforce assigns the Id of a new record."),
					 errhint("Leave the column empty.")));
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("cannot insert a value into column \"%s\" of foreign table \"%s\"",
						col->column, RelationGetRelationName(fm->rel)),
				 errdetail("Field \"%s\" of Salesforce object \"%s\" is not createable.",
						   col->field, fm->sobject),
				 errhint("Leave the column empty.")));
	}
	return false;
}

/*
 * bulk_take_row
 *		Offer one row to Bulk API ingest: true when the Bulk path took it
 *		(held below the threshold, or written as CSV), false when it goes
 *		through sObject Collections (queue_row).  'id' is the row's Id
 *		(UPDATE/DELETE); *duplicate says the row's record was already taken
 *		by this statement (see queue_row).
 *
 * Under bulk 'auto' a statement's rows are held until there are
 * bulk_write_threshold of them: then all go to Bulk, otherwise all to
 * Collections when the statement ends.  So no row is ever sent twice, and
 * the choice is made on the real row count, not an estimate.
 */
static bool
bulk_take_row(SfModifyState *fm, ResultRelInfo *rinfo, TupleTableSlot *slot,
			  const char *id, bool *duplicate)
{
	*duplicate = false;
	if (fm->route == SF_ROUTE_UNDECIDED)
		decide_route(fm, rinfo);
	if (fm->route == SF_ROUTE_COLLECTIONS)
		return false;

	if (id_seen_before(fm, id))
	{
		*duplicate = true;
		return true;
	}

	if (fm->route == SF_ROUTE_HOLD)
	{
		hold_row(fm, slot, id);
		if (fm->nheld >= fm->bulk_threshold)
			start_bulk(fm);
		return true;
	}
	bulk_write_row(fm, slot, id);
	return true;
}

/*
 * decide_route
 *		At the first row: Collections when the option bulk is off or the
 *		rows must come back one by one (RETURNING, row triggers, WITH CHECK
 *		OPTION), else Bulk (bulk 'on') or held until the threshold decides.
 */
static void
decide_route(SfModifyState *fm, ResultRelInfo *rinfo)
{
	TriggerDesc *trigdesc = rinfo->ri_TrigDesc;
	bool		per_row = false;

	if (rinfo->ri_projectReturning != NULL ||
		rinfo->ri_WithCheckOptions != NIL)
		per_row = true;
	if (trigdesc != NULL)
	{
		if (fm->operation == CMD_INSERT)
			per_row = per_row || trigdesc->trig_insert_before_row ||
				trigdesc->trig_insert_after_row ||
				trigdesc->trig_insert_instead_row;
		else if (fm->operation == CMD_UPDATE)
			per_row = per_row || trigdesc->trig_update_before_row ||
				trigdesc->trig_update_after_row ||
				trigdesc->trig_update_instead_row;
		else
			per_row = per_row || trigdesc->trig_delete_before_row ||
				trigdesc->trig_delete_after_row ||
				trigdesc->trig_delete_instead_row;
	}

	if (per_row || fm->bulk == SF_BULK_OFF)
		fm->route = SF_ROUTE_COLLECTIONS;
	else if (fm->bulk == SF_BULK_ON)
		start_bulk(fm);
	else
	{
		fm->route = SF_ROUTE_HOLD;
		fm->held_cxt = AllocSetContextCreate(fm->batch_cxt->parent,
											 "salesforce_fdw held rows",
											 ALLOCSET_DEFAULT_SIZES);
	}
}

/*
 * hold_row
 *		Keep a copy of the row (and its Id) until the route is decided.
 */
static void
hold_row(SfModifyState *fm, TupleTableSlot *slot, const char *id)
{
	MemoryContext oldcxt;

	if (slot != NULL)
		check_row(fm, slot, fm->rows_seen + fm->nheld + 1);

	oldcxt = MemoryContextSwitchTo(fm->held_cxt);

	if (fm->nheld >= fm->maxheld)
	{
		fm->maxheld = fm->maxheld == 0 ? 256 : fm->maxheld * 2;
		if (fm->held == NULL)
		{
			fm->held = palloc_extended(sizeof(MinimalTuple) * fm->maxheld,
									   MCXT_ALLOC_HUGE);
			fm->held_ids = palloc_extended(sizeof(char *) * fm->maxheld,
										   MCXT_ALLOC_HUGE);
		}
		else
		{
			fm->held = repalloc_huge(fm->held,
									 sizeof(MinimalTuple) * fm->maxheld);
			fm->held_ids = repalloc_huge(fm->held_ids,
										 sizeof(char *) * fm->maxheld);
		}
	}
	fm->held[fm->nheld] = slot ? ExecCopySlotMinimalTuple(slot) : NULL;
	fm->held_ids[fm->nheld] = id ? pstrdup(id) : NULL;
	fm->nheld++;
	MemoryContextSwitchTo(oldcxt);
}

/*
 * check_row
 *		Raise now, while the row is the current one (COPY names its input
 *		line), any error its values would raise when it is sent: a value
 *		for a field that cannot take one, a value with no Salesforce form.
 *		'position' is the row's number in the statement.
 */
static void
check_row(SfModifyState *fm, TupleTableSlot *slot, int64 position)
{
	ErrorContextCallback errcallback;
	SfProgressInfo progress;
	MemoryContext oldcxt;
	StringInfoData text;

	progress.fm = fm;
	progress.first = progress.last = position;
	errcallback.callback = progress_error_callback;
	errcallback.arg = &progress;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	MemoryContextReset(fm->row_cxt);
	oldcxt = MemoryContextSwitchTo(fm->row_cxt);
	initStringInfo(&text);
	slot_getallattrs(slot);
	for (int i = 0; i < fm->ncolumns; i++)
	{
		SfWriteColumn *col = &fm->columns[i];
		bool		isnull = slot->tts_isnull[col->attnum - 1];

		if (column_left_out(fm, col, i, isnull) || isnull)
			continue;
		resetStringInfo(&text);
		(void) append_value_text(&text, col, slot->tts_values[col->attnum - 1]);
	}
	MemoryContextSwitchTo(oldcxt);
	error_context_stack = errcallback.previous;
}

/*
 * replay_held
 *		Hand the held rows, in order, to Bulk (to_bulk) or to Collections,
 *		and free them.
 */
static void
replay_held(SfModifyState *fm, bool to_bulk)
{
	TupleTableSlot *slot = NULL;
	HTAB	   *seen = fm->seen_ids;

	if (fm->nheld > 0 && fm->operation != CMD_DELETE)
		slot = MakeSingleTupleTableSlot(RelationGetDescr(fm->rel),
										&TTSOpsMinimalTuple);
	/* bulk_take_row has weeded out the duplicates */
	fm->seen_ids = NULL;
	for (int64 i = 0; i < fm->nheld; i++)
	{
		if (slot != NULL)
			ExecStoreMinimalTuple(fm->held[i], slot, false);
		if (to_bulk)
			bulk_write_row(fm, slot, fm->held_ids[i]);
		else
			(void) queue_row(fm, slot, fm->held_ids[i]);
	}
	fm->seen_ids = seen;
	if (slot != NULL)
		ExecDropSingleTupleTableSlot(slot);
	if (fm->held_cxt != NULL)
		MemoryContextDelete(fm->held_cxt);
	fm->held_cxt = NULL;
	fm->held = NULL;
	fm->held_ids = NULL;
	fm->nheld = fm->maxheld = 0;
}

/*
 * start_bulk
 *		Move the statement to Bulk API ingest: the CSV header names Id (to
 *		find the records of an UPDATE or DELETE) and the fields written;
 *		the rows held so far go first.
 */
static void
start_bulk(SfModifyState *fm)
{
	StringInfoData header;
	const char *operation;
	MemoryContext oldcxt;

	initStringInfo(&header);
	if (fm->operation != CMD_INSERT)
		appendStringInfoString(&header, "Id");
	if (fm->operation != CMD_DELETE)
	{
		for (int i = 0; i < fm->ncolumns; i++)
		{
			if (!fm->columns[i].writable)
				continue;
			if (header.len > 0)
				appendStringInfoChar(&header, ',');
			SfCsvAppendValue(&header, fm->columns[i].field);
		}
	}
	switch (fm->operation)
	{
		case CMD_UPDATE:
			operation = "update";
			break;
		case CMD_DELETE:
			operation = "delete";
			break;
		default:
			operation = fm->upsert_field ? "upsert" : "insert";
			break;
	}
	oldcxt = MemoryContextSwitchTo(fm->batch_cxt->parent);
	fm->ingest = SfIngestBegin(fm->conn, RelationGetRelid(fm->rel),
							   fm->sobject, operation, fm->upsert_field,
							   header.data);
	MemoryContextSwitchTo(oldcxt);
	fm->route = SF_ROUTE_BULK;
	replay_held(fm, true);
}

/*
 * bulk_write_row
 *		Write one row as a CSV line of the statement's ingest jobs, with the
 *		values Collections would send: a null clears the field of an UPDATE
 *		("#N/A") and is left empty by an INSERT (Salesforce's default).
 */
static void
bulk_write_row(SfModifyState *fm, TupleTableSlot *slot, const char *id)
{
	ErrorContextCallback errcallback;
	SfProgressInfo progress;
	MemoryContext oldcxt;
	StringInfoData line;
	bool		first = true;

	fm->rows_seen++;
	progress.fm = fm;
	progress.first = progress.last = fm->rows_seen;
	errcallback.callback = progress_error_callback;
	errcallback.arg = &progress;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	MemoryContextReset(fm->row_cxt);
	oldcxt = MemoryContextSwitchTo(fm->row_cxt);
	initStringInfo(&line);
	if (id != NULL)
	{
		SfCsvAppendValue(&line, id);
		first = false;
	}
	if (slot != NULL)
	{
		slot_getallattrs(slot);
		for (int i = 0; i < fm->ncolumns; i++)
		{
			SfWriteColumn *col = &fm->columns[i];
			bool		isnull = slot->tts_isnull[col->attnum - 1];
			bool		left_out = column_left_out(fm, col, i, isnull);

			if (!col->writable)
				continue;		/* not in the header */
			if (!first)
				appendStringInfoChar(&line, ',');
			first = false;
			if (left_out)
				continue;		/* empty: Salesforce's default */
			if (isnull)
				appendStringInfoString(&line, "#N/A");
			else
				append_csv_value(&line, fm, col,
								 slot->tts_values[col->attnum - 1]);
		}
	}
	SfIngestAddRow(fm->ingest, fm->rows_seen, line.data, line.len);
	MemoryContextSwitchTo(oldcxt);
	error_context_stack = errcallback.previous;
}

/*
 * append_csv_value
 *		One non-null value as a CSV field: the text Collections sends
 *		(append_value_text), quoted as CSV needs.  What clears a field in
 *		JSON (an empty multi-select, an empty string, a JSON null) is
 *		"#N/A", since an empty CSV value leaves the field alone.
 */
static void
append_csv_value(StringInfo buf, SfModifyState *fm, SfWriteColumn *col,
				 Datum value)
{
	StringInfoData text;
	SfValueForm form;
	const char *out;

	initStringInfo(&text);
	form = append_value_text(&text, col, value);
	out = text.data;
	if (form == SF_VALUE_CLEAR)
		out = NULL;
	else if (col->kind == SF_WRITE_JSON)
	{
		/*
		 * Salesforce reads a JSON string as its text, null as null (the tree
		 * belongs to the row's memory context)
		 */
		json_object *doc = SfJsonParse(text.data, text.len);

		if (doc == NULL)
			out = NULL;
		else if (json_object_is_type(doc, json_type_string))
			out = pstrdup(json_object_get_string(doc));
	}
	if (out == NULL || out[0] == '\0')
		appendStringInfoString(buf, "#N/A");
	else
		SfCsvAppendValue(buf, out);
}

/*
 * finish_writes
 *		Send what the statement has not sent yet: held rows through
 *		Collections (the threshold was never reached), the last batch, and
 *		the ingest jobs, which are then waited for.  Records Bulk refused
 *		fail the statement as Collections' would.
 */
static void
finish_writes(SfModifyState *fm)
{
	if (fm->route == SF_ROUTE_HOLD)
	{
		fm->route = SF_ROUTE_COLLECTIONS;
		replay_held(fm, false);
	}
	flush_batch(fm);
	if (fm->route == SF_ROUTE_BULK)
	{
		SfIngestOutcome out;
		uint64		requests;

		fm->route = SF_ROUTE_DONE;
		SfIngestFinish(fm->ingest, &out);
		fm->written += out.written;
		(void) SfIngestJobs(fm->ingest, &requests);
		fm->requests += requests;
		if (out.failed > 0)
			report_ingest_failure(fm, &out);
	}
}

/*
 * explain_ingest
 *		EXPLAIN ANALYZE of a statement written through Bulk API: its jobs
 *		(their requests are among the statement's).
 */
static void
explain_ingest(SfModifyState *fm, ExplainState *es)
{
	uint64		requests;
	char	   *ids = SfIngestJobs(fm->ingest, &requests);

	ExplainPropertyText("Salesforce Bulk API ingest jobs", ids, es);
}

/*
 * report_ingest_failure
 *		ERROR for the records the statement's ingest jobs refused: the first
 *		by row number is named, salesforce_last_failures() has them all.
 */
static void
report_ingest_failure(SfModifyState *fm, SfIngestOutcome *out)
{
	StringInfoData detail;
	int			sqlstate = sqlstate_for_status(out->first_code);
	int64		row = out->first_position;
	const char *id = out->first_id ? out->first_id : "";
	const char *hint;

	initStringInfo(&detail);
	if (out->first_code != NULL)
	{
		SfAppendRemoteText(&detail, out->first_code);
		appendStringInfoString(&detail, ": ");
		SfAppendRemoteText(&detail, out->first_message);
		if (out->first_fields != NULL && out->first_fields[0] != '\0')
		{
			appendStringInfoString(&detail, " (fields: ");
			SfAppendRemoteText(&detail, out->first_fields);
			appendStringInfoChar(&detail, ')');
		}
		appendStringInfoString(&detail, "\n");
	}
	appendStringInfo(&detail,
					 "Bulk API refused " INT64_FORMAT " records of the statement and wrote " INT64_FORMAT ".",
					 out->failed, fm->written);
	hint = fm->written > 0
		? "Bulk API commits the records it accepts: they stay written although the statement failed.  salesforce_last_failures() lists every refused record."
		: "salesforce_last_failures() lists every refused record.";

	if (row < 0)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("could not write every row to Salesforce object \"%s\"",
						fm->sobject),
				 errdetail_internal("%s", detail.data),
				 errhint("%s", hint)));
	switch (fm->operation)
	{
		case CMD_UPDATE:
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("could not update row " INT64_FORMAT " of Salesforce object \"%s\" with Id \"%s\"",
							row, fm->sobject, id),
					 errdetail_internal("%s", detail.data),
					 errhint("%s", hint)));
			break;
		case CMD_DELETE:
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("could not delete row " INT64_FORMAT " of Salesforce object \"%s\" with Id \"%s\"",
							row, fm->sobject, id),
					 errdetail_internal("%s", detail.data),
					 errhint("%s", hint)));
			break;
		default:
			if (fm->upsert_field != NULL)
				ereport(ERROR,
						(errcode(sqlstate),
						 errmsg("could not upsert row " INT64_FORMAT " into Salesforce object \"%s\"",
								row, fm->sobject),
						 errdetail_internal("%s", detail.data),
						 errhint("%s", hint)));
			ereport(ERROR,
					(errcode(sqlstate),
					 errmsg("could not insert row " INT64_FORMAT " into Salesforce object \"%s\"",
							row, fm->sobject),
					 errdetail_internal("%s", detail.data),
					 errhint("%s", hint)));
			break;
	}
	pg_unreachable();
}

/*
 * flush_batch
 *		Send the pending batch as one sObject Collections request and check
 *		every record's result.  Any failure raises an ERROR.
 */
static void
flush_batch(SfModifyState *fm)
{
	MemoryContext oldcxt;
	StringInfoData body;
	StringInfoData path;
	SfRequest	req;
	json_object *results = NULL;
	ErrorContextCallback errcallback;
	SfProgressInfo progress;
	char	   *failure;
	int			status;

	if (fm->nrecords == 0)
		return;

	oldcxt = MemoryContextSwitchTo(fm->batch_cxt);

	initStringInfo(&path);
	initStringInfo(&body);
	memset(&req, 0, sizeof(req));
	appendStringInfoString(&path,
						   SfApiPath(fm->conn, "composite/sobjects"));

	switch (fm->operation)
	{
		case CMD_DELETE:
			appendStringInfo(&path, "?ids=%s&allOrNone=%s", fm->records.data,
							 fm->all_or_none ? "true" : "false");
			req.method = "DELETE";
			break;
		case CMD_UPDATE:
			req.method = "PATCH";
			break;
		default:
			if (fm->upsert_field)
			{
				appendStringInfo(&path, "/%s/%s", fm->sobject, fm->upsert_field);
				req.method = "PATCH";
			}
			else
			{
				req.method = "POST";
			}
			break;
	}
	if (fm->operation != CMD_DELETE)
	{
		appendStringInfo(&body, "{\"allOrNone\":%s,\"records\":[%s]}",
						 fm->all_or_none ? "true" : "false", fm->records.data);
		req.body = body.data;
		/* Salesforce reads UTF-8 */
		if (GetDatabaseEncoding() != PG_UTF8)
			req.body = pg_server_to_any(body.data, body.len, PG_UTF8);
	}
	req.path = path.data;
	failure = rows_failure(fm, fm->positions[0],
						   fm->positions[fm->nrecords - 1], NULL);

	/* transport and authentication errors say where the statement was */
	progress.fm = fm;
	progress.first = fm->positions[0];
	progress.last = fm->positions[fm->nrecords - 1];
	errcallback.callback = progress_error_callback;
	errcallback.arg = &progress;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	/*
	 * An upsert by external id may be sent again: a second run finds the
	 * records the first one created.  Inserts, updates and deletes are writes
	 * that are never sent twice (connection.c).
	 */
	req.retryable = fm->upsert_field != NULL;
	for (int attempt = 0;; attempt++)
	{
		status = SfPerformRequest(fm->conn, &req, SF_REQ_RETURN_ERRORS,
								  &results, failure);
		fm->requests++;

		/*
		 * An allOrNone request refused because a record was locked wrote
		 * nothing: Salesforce asks clients to retry lock errors.
		 */
		if (status / 100 == 2 && fm->all_or_none &&
			only_lock_failures(results, fm->nrecords) &&
			SfRetryWait(fm->conn, attempt, -1, "UNABLE_TO_LOCK_ROW"))
			continue;
		break;
	}

	error_context_stack = errcallback.previous;

	if (status == 0)
		report_outcome_unknown(fm);
	if (status < 200 || status >= 300)
	{
		record_request_failure(fm, results);
		report_request_failure(fm, status, results);
	}
	check_results(fm, results);

	MemoryContextSwitchTo(oldcxt);

	/* start the next batch empty */
	fm->nrecords = 0;
	fm->records.data = NULL;
	MemoryContextReset(fm->batch_cxt);
}

/*
 * only_lock_failures
 *		Did every record of an allOrNone answer fail, at least one with
 *		UNABLE_TO_LOCK_ROW and the others only rolled back because of it?
 *		Then nothing of the request was written.
 */
static bool
only_lock_failures(json_object *results, int nrecords)
{
	bool		locked = false;

	if (results == NULL || !json_object_is_type(results, json_type_array) ||
		(int) json_object_array_length(results) != nrecords)
		return false;
	for (int i = 0; i < nrecords; i++)
	{
		json_object *item = json_object_array_get_idx(results, i);
		json_object *v;
		json_object *code;
		const char *text;

		if (item == NULL ||
			(json_object_object_get_ex(item, "success", &v) &&
			 json_object_get_boolean(v)) ||
			!json_object_object_get_ex(item, "errors", &v) ||
			!json_object_is_type(v, json_type_array) ||
			json_object_array_length(v) == 0 ||
			!json_object_object_get_ex(json_object_array_get_idx(v, 0),
									   "statusCode", &code) ||
			(text = json_object_get_string(code)) == NULL)
			return false;
		if (strcmp(text, "UNABLE_TO_LOCK_ROW") == 0)
			locked = true;
		else if (strcmp(text, "ALL_OR_NONE_OPERATION_ROLLED_BACK") != 0)
			return false;
	}
	return locked;
}

/*
 * report_outcome_unknown
 *		ERROR for a batch whose request reached Salesforce but whose answer
 *		was lost: it was not sent again, so its records may or may not be
 *		written.
 */
static void
report_outcome_unknown(SfModifyState *fm)
{
	StringInfoData rows;

	initStringInfo(&rows);
	for (int i = 0; i < fm->nrecords; i++)
	{
		if (i > 0)
			appendStringInfoString(&rows, ", ");
		if (i == 20 && fm->nrecords > 21)
		{
			appendStringInfo(&rows, "... " INT64_FORMAT,
							 fm->positions[fm->nrecords - 1]);
			break;
		}
		appendStringInfo(&rows, INT64_FORMAT, fm->positions[i]);
		if (fm->ids[i] != NULL)
			appendStringInfo(&rows, " (Id %s)", fm->ids[i]);
	}

	ereport(ERROR,
			(errcode(ERRCODE_CONNECTION_FAILURE),
			 errmsg("the outcome of a write to Salesforce object \"%s\" is unknown",
					fm->sobject),
			 errdetail_internal(ngettext("The request for row %s reached Salesforce but its answer was lost (%s); it was not sent again. %s",
										 "The request for rows %s reached Salesforce but its answer was lost (%s); it was not sent again. %s",
										 (unsigned long) fm->nrecords),
								rows.data, SfTransportError(fm->conn),
								written_sentence(fm->written)),
			 errhint("Check on Salesforce whether those records were written before running the statement again.")));
}

/*
 * check_results
 *		Count the records Salesforce committed and raise an ERROR for the
 *		first failed one (ignoring records only rolled back because of
 *		another one's failure under allOrNone).
 */
static void
check_results(SfModifyState *fm, json_object *results)
{
	int			n;
	int			i;
	int			failed = -1;
	json_object *failed_error = NULL;
	bool		failed_rolled_back = false;
	int64		committed = 0;

	fm->last_id[0] = '\0';
	if (results == NULL || !json_object_is_type(results, json_type_array) ||
		(n = (int) json_object_array_length(results)) != fm->nrecords)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("unexpected response from Salesforce to a write to object \"%s\"",
						fm->sobject),
				 errdetail_plural("Expected a JSON array with the result of the %d record sent.",
								  "Expected a JSON array with one result for each of the %d records sent.",
								  fm->nrecords, fm->nrecords)));

	for (i = 0; i < n; i++)
	{
		json_object *item = json_object_array_get_idx(results, i);
		json_object *v;
		bool		success = false;

		if (item != NULL && json_object_object_get_ex(item, "success", &v))
			success = json_object_get_boolean(v);
		if (success)
		{
			/*
			 * Salesforce names the record of every successful result; one
			 * without an Id is not a write we can vouch for.
			 */
			if (!json_object_object_get_ex(item, "id", &v) ||
				!json_object_is_type(v, json_type_string) ||
				json_object_get_string_len(v) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_PROTOCOL_VIOLATION),
						 errmsg("unexpected response from Salesforce to a write to object \"%s\"",
								fm->sobject),
						 errdetail_internal("%s %s",
											psprintf(ngettext("Result %d of a batch of %d record reports success but has no \"id\", so what the batch wrote is unknown.",
															  "Result %d of a batch of %d records reports success but has no \"id\", so what the batch wrote is unknown.",
															  fm->nrecords),
													 i + 1, fm->nrecords),
											written_sentence(fm->written))));
			committed++;
			if (i == n - 1)
				strlcpy(fm->last_id, json_object_get_string(v),
						sizeof(fm->last_id));
			continue;
		}

		/* the first real cause, not an ALL_OR_NONE_OPERATION_ROLLED_BACK */
		{
			json_object *err = NULL;
			json_object *code;
			bool		rolled_back = false;

			if (item != NULL && json_object_object_get_ex(item, "errors", &v) &&
				json_object_is_type(v, json_type_array) &&
				json_object_array_length(v) > 0)
				err = json_object_array_get_idx(v, 0);
			if (err != NULL &&
				json_object_object_get_ex(err, "statusCode", &code) &&
				code != NULL &&
				strcmp(json_object_get_string(code),
					   "ALL_OR_NONE_OPERATION_ROLLED_BACK") == 0)
				rolled_back = true;
			if (failed < 0 || (failed_rolled_back && !rolled_back))
			{
				failed = i;
				failed_error = err;
				failed_rolled_back = rolled_back;
			}
		}
	}

	fm->written += committed;
	if (failed >= 0)
	{
		record_batch_failures(fm, results);
		report_record_failure(fm, failed, failed_error, committed);
	}
}

/*
 * report_record_failure
 *		ERROR for record 'index' of the batch that Salesforce refused.
 */
static void
report_record_failure(SfModifyState *fm, int index, json_object *error,
					  int64 committed)
{
	const char *code = "UNKNOWN_EXCEPTION";
	const char *message = "no error given";
	StringInfoData fields;
	StringInfoData detail;
	json_object *v;

	initStringInfo(&fields);
	if (error != NULL)
	{
		if (SfJsonGetString(error, "statusCode") != NULL)
			code = SfJsonGetString(error, "statusCode");
		if (SfJsonGetString(error, "message") != NULL)
			message = SfJsonGetString(error, "message");
		if (json_object_object_get_ex(error, "fields", &v) &&
			json_object_is_type(v, json_type_array))
		{
			size_t		j;

			for (j = 0; j < json_object_array_length(v); j++)
			{
				const char *f = json_object_get_string(json_object_array_get_idx(v, j));

				if (f == NULL)
					continue;	/* a JSON null */
				if (fields.len > 0)
					appendStringInfoString(&fields, ", ");
				SfAppendRemoteText(&fields, f);
			}
		}
	}

	/* Salesforce's words, shown in the database's encoding */
	initStringInfo(&detail);
	SfAppendRemoteText(&detail, code);
	appendStringInfoString(&detail, ": ");
	SfAppendRemoteText(&detail, message);
	if (fields.len > 0)
		appendStringInfo(&detail, " (fields: %s)", fields.data);
	appendStringInfo(&detail, "\n%s", written_sentence(fm->written));

	ereport(ERROR,
			(errcode(sqlstate_for_status(code)),
			 errmsg("%s", rows_failure(fm, fm->positions[index],
									   fm->positions[index], fm->ids[index])),
			 errdetail_internal("%s", detail.data),
			 fm->written > 0
			 ? errhint("Salesforce commits each request on its own: the records already written stay written although the statement failed.")
			 : (fm->all_or_none && fm->nrecords > 1
				? errhint("With all_or_none, the other records of the failing request were not written either.")
				: 0)));
}

/*
 * report_request_failure
 *		ERROR for a request Salesforce refused as a whole (HTTP status not
 *		2xx): the body is an array of {errorCode, message}.
 */
static void
report_request_failure(SfModifyState *fm, int status, json_object *body)
{
	const char *code = NULL;
	const char *message = NULL;
	StringInfoData detail;

	if (body != NULL && json_object_is_type(body, json_type_array) &&
		json_object_array_length(body) > 0)
	{
		json_object *err = json_object_array_get_idx(body, 0);

		code = SfJsonGetString(err, "errorCode");
		message = SfJsonGetString(err, "message");
	}

	initStringInfo(&detail);
	if (code != NULL)
	{
		SfAppendRemoteText(&detail, code);
		appendStringInfoString(&detail, ": ");
		SfAppendRemoteText(&detail, message);
		appendStringInfo(&detail, " (HTTP status %d)", status);
	}
	else
		appendStringInfo(&detail, "Salesforce returned HTTP status %d.", status);
	appendStringInfo(&detail, "\n%s", written_sentence(fm->written));

	ereport(ERROR,
			(errcode(code ? sqlstate_for_status(code) : ERRCODE_FDW_ERROR),
			 errmsg("%s", rows_failure(fm, fm->positions[0],
									   fm->positions[fm->nrecords - 1], NULL)),
			 errdetail_internal("%s", detail.data),
			 fm->written > 0
			 ? errhint("Salesforce commits each request on its own: the records already written stay written although the statement failed.")
			 : 0));
}

/*
 * record_batch_failures
 *		Remember every record of the batch that Salesforce refused (for
 *		salesforce_last_failures()); 'results' has one result per record,
 *		as check_results made sure.
 */
static void
record_batch_failures(SfModifyState *fm, json_object *results)
{
	for (int i = 0; i < fm->nrecords; i++)
	{
		json_object *item = json_object_array_get_idx(results, i);
		json_object *v;
		json_object *error = NULL;
		const char *id = fm->ids[i];

		if (item != NULL && json_object_object_get_ex(item, "success", &v) &&
			json_object_get_boolean(v))
			continue;
		if (item != NULL && json_object_object_get_ex(item, "errors", &v) &&
			json_object_is_type(v, json_type_array) &&
			json_object_array_length(v) > 0)
			error = json_object_array_get_idx(v, 0);
		if (id == NULL && item != NULL &&
			json_object_object_get_ex(item, "id", &v) &&
			json_object_is_type(v, json_type_string))
			id = json_object_get_string(v);
		record_failure(fm, i, error, "statusCode", id);
	}
}

/*
 * record_request_failure
 *		Remember every record of a request Salesforce refused as a whole,
 *		with the request's error.
 */
static void
record_request_failure(SfModifyState *fm, json_object *body)
{
	json_object *error = NULL;

	if (body != NULL && json_object_is_type(body, json_type_array) &&
		json_object_array_length(body) > 0)
		error = json_object_array_get_idx(body, 0);
	for (int i = 0; i < fm->nrecords; i++)
		record_failure(fm, i, error, "errorCode", fm->ids[i]);
}

/*
 * record_failure
 *		Remember record 'index' of the batch as refused with 'error'
 *		({statusCode or errorCode, message, fields}, or NULL).
 */
static void
record_failure(SfModifyState *fm, int index, json_object *error,
			   const char *code_key, const char *id)
{
	const char *code = NULL;
	const char *message = NULL;
	StringInfoData fields;
	json_object *v;

	initStringInfo(&fields);
	if (error != NULL && json_object_is_type(error, json_type_object))
	{
		if (json_object_object_get_ex(error, code_key, &v) && v != NULL)
			code = json_object_get_string(v);
		if (json_object_object_get_ex(error, "message", &v) && v != NULL)
			message = json_object_get_string(v);
		if (json_object_object_get_ex(error, "fields", &v) &&
			json_object_is_type(v, json_type_array))
		{
			for (size_t j = 0; j < json_object_array_length(v); j++)
			{
				const char *f = json_object_get_string(json_object_array_get_idx(v, j));

				if (f == NULL)
					continue;
				if (fields.len > 0)
					appendStringInfoChar(&fields, ',');
				appendStringInfoString(&fields, f);
			}
		}
	}
	SfFailuresAdd(RelationGetRelid(fm->rel), fm->positions[index], id, code,
				  message, fields.data);
	pfree(fields.data);
}

/*
 * sqlstate_for_status
 *		The SQLSTATE that fits a Salesforce statusCode of a failed write
 *		(connection.c's table, shared with query errors).
 */
static int
sqlstate_for_status(const char *code)
{
	int			sqlstate = SfErrorCodeSqlstate(code, NULL);

	return sqlstate != 0 ? sqlstate : ERRCODE_FDW_ERROR;
}

/*
 * written_phrase
 *		"N records of this statement were already written", for the context
 *		line of errors raised while converting or sending rows.
 */
static char *
written_phrase(int64 written)
{
	if (written == 0)
		return pstrdup(_("no records of this statement were written"));
	return psprintf(ngettext("%lld record of this statement was already written",
							 "%lld records of this statement were already written",
							 (unsigned long) written),
					(long long) written);
}

/*
 * written_sentence
 *		The same as a sentence of an error detail.
 */
static char *
written_sentence(int64 written)
{
	if (written == 0)
		return pstrdup(_("No records of this statement were written."));
	return psprintf(ngettext("%lld record of this statement was already written.",
							 "%lld records of this statement were already written.",
							 (unsigned long) written),
					(long long) written);
}

/*
 * rows_failure
 *		The primary message of an error about rows 'first' to 'last' of the
 *		statement (the record 'id', if not NULL, for a single row).
 */
static char *
rows_failure(SfModifyState *fm, int64 first, int64 last, const char *id)
{
	long long	f = (long long) first;
	long long	l = (long long) last;

	switch (fm->operation)
	{
		case CMD_UPDATE:
			if (first != last)
				return psprintf(_("could not update rows %lld to %lld of Salesforce object \"%s\""),
								f, l, fm->sobject);
			if (id != NULL)
				return psprintf(_("could not update row %lld of Salesforce object \"%s\" with Id \"%s\""),
								f, fm->sobject, id);
			return psprintf(_("could not update row %lld of Salesforce object \"%s\""),
							f, fm->sobject);
		case CMD_DELETE:
			if (first != last)
				return psprintf(_("could not delete rows %lld to %lld of Salesforce object \"%s\""),
								f, l, fm->sobject);
			if (id != NULL)
				return psprintf(_("could not delete row %lld of Salesforce object \"%s\" with Id \"%s\""),
								f, fm->sobject, id);
			return psprintf(_("could not delete row %lld of Salesforce object \"%s\""),
							f, fm->sobject);
		default:
			if (fm->upsert_field != NULL)
			{
				if (first != last)
					return psprintf(_("could not upsert rows %lld to %lld into Salesforce object \"%s\""),
									f, l, fm->sobject);
				return psprintf(_("could not upsert row %lld into Salesforce object \"%s\""),
								f, fm->sobject);
			}
			if (first != last)
				return psprintf(_("could not insert rows %lld to %lld into Salesforce object \"%s\""),
								f, l, fm->sobject);
			return psprintf(_("could not insert row %lld into Salesforce object \"%s\""),
							f, fm->sobject);
	}
}

/*
 * progress_error_callback
 *		Context line of errors raised while converting or sending rows.
 */
static void
progress_error_callback(void *arg)
{
	SfProgressInfo *p = (SfProgressInfo *) arg;

	if (p->first == p->last)
		errcontext("row " INT64_FORMAT " of the statement for Salesforce object \"%s\" (%s)",
				   p->first, p->fm->sobject, written_phrase(p->fm->written));
	else
		errcontext("rows " INT64_FORMAT " to " INT64_FORMAT " of the statement for Salesforce object \"%s\" (%s)",
				   p->first, p->last, p->fm->sobject,
				   written_phrase(p->fm->written));
}

/*
 * slot_id
 *		The Id of the row to change, from the junk column: a string of
 *		letters and digits (it goes into URLs) in fm->row_id, valid until
 *		the next row.  Nothing is left allocated: ExecForeignUpdate and
 *		ExecForeignDelete run in the query's context, once per row.
 */
static const char *
slot_id(SfModifyState *fm, TupleTableSlot *planSlot)
{
	Datum		datum;
	bool		isnull;
	char	   *text;
	char	   *p;

	datum = ExecGetJunkAttribute(planSlot, fm->id_junk, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 fm->operation == CMD_DELETE ?
				 errmsg("cannot delete a row of foreign table \"%s\" whose Id is null",
						RelationGetRelationName(fm->rel)) :
				 errmsg("cannot update a row of foreign table \"%s\" whose Id is null",
						RelationGetRelationName(fm->rel))));

	text = OutputFunctionCall(&fm->id_outfunc, datum);

	/* char(18) pads; Ids are letters and digits only */
	for (p = text; *p && *p != ' '; p++)
	{
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9')))
			break;
	}
	if (*p == ' ')
		*p = '\0';
	if (*p != '\0' || p - text > SF_MAX_ID_LEN || p == text)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid Salesforce record id \"%s\"", text)));
	strlcpy(fm->row_id, text, sizeof(fm->row_id));
	pfree(text);
	return fm->row_id;
}

/*
 * store_new_id
 *		Put the Id Salesforce assigned into the Id column of 'slot' (for
 *		RETURNING and triggers).
 */
static void
store_new_id(SfModifyState *fm, TupleTableSlot *slot, const char *id)
{
	TupleDesc	tupdesc = slot->tts_tupleDescriptor;
	Datum	   *values;
	bool	   *nulls;
	HeapTuple	tuple;
	MemoryContext oldcxt;

	if (fm->id_attnum == InvalidAttrNumber || id[0] == '\0')
		return;

	slot_getallattrs(slot);

	/* the scratch of one row; the tuple itself belongs to the slot */
	MemoryContextReset(fm->row_cxt);
	oldcxt = MemoryContextSwitchTo(fm->row_cxt);
	values = (Datum *) palloc(sizeof(Datum) * tupdesc->natts);
	nulls = (bool *) palloc(sizeof(bool) * tupdesc->natts);
	memcpy(values, slot->tts_values, sizeof(Datum) * tupdesc->natts);
	memcpy(nulls, slot->tts_isnull, sizeof(bool) * tupdesc->natts);
	values[fm->id_attnum - 1] = InputFunctionCall(&fm->id_infunc,
												  (char *) id,
												  fm->id_typioparam,
												  fm->id_typmod);
	nulls[fm->id_attnum - 1] = false;
	MemoryContextSwitchTo(oldcxt);
	tuple = heap_form_tuple(tupdesc, values, nulls);
	ExecForceStoreHeapTuple(tuple, slot, true);
}

/*
 * append_json_value
 *		Write one non-null column value as the JSON Salesforce reads for
 *		its field.
 */
static void
append_json_value(StringInfo buf, SfWriteColumn *col, Datum value)
{
	StringInfoData text;

	initStringInfo(&text);
	switch (append_value_text(&text, col, value))
	{
		case SF_VALUE_STRING:
			escape_json(buf, text.data);
			break;
		case SF_VALUE_LITERAL:
			appendBinaryStringInfo(buf, text.data, text.len);
			break;
		case SF_VALUE_CLEAR:
			appendStringInfoString(buf, "null");
			break;
	}
	pfree(text.data);
}

/*
 * append_value_text
 *		Append the text of one non-null column value as Salesforce reads it
 *		for its field, the same for sObject Collections (JSON) and Bulk API
 *		ingest (CSV); say how JSON writes it.
 */
static SfValueForm
append_value_text(StringInfo buf, SfWriteColumn *col, Datum value)
{
	switch (col->kind)
	{
		case SF_WRITE_BOOL:
			appendStringInfoString(buf, DatumGetBool(value) ? "true" : "false");
			return SF_VALUE_LITERAL;
		case SF_WRITE_NUMBER:
			append_number_text(buf, col, OutputFunctionCall(&col->outfunc, value));
			return SF_VALUE_LITERAL;
		case SF_WRITE_FLOAT4:
			{
				char		text[FLOAT_SHORTEST_DECIMAL_LEN];

				float_to_shortest_decimal_buf(DatumGetFloat4(value), text);
				append_number_text(buf, col, text);
			}
			return SF_VALUE_LITERAL;
		case SF_WRITE_FLOAT8:
			{
				char		text[DOUBLE_SHORTEST_DECIMAL_LEN];

				double_to_shortest_decimal_buf(DatumGetFloat8(value), text);
				append_number_text(buf, col, text);
			}
			return SF_VALUE_LITERAL;
		case SF_WRITE_DATE:
			{
				DateADT		d = DatumGetDateADT(value);
				int			year,
							month,
							day;

				if (DATE_NOT_FINITE(d))
					value_error(col, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
								gettext_noop("Salesforce dates are finite."));
				j2date(d + POSTGRES_EPOCH_JDATE, &year, &month, &day);
				if (year < 1 || year > 9999)
					value_error(col, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
								gettext_noop("Salesforce dates lie in the years 1 to 9999."));
				appendStringInfo(buf, "%04d-%02d-%02d", year, month, day);
			}
			return SF_VALUE_STRING;
		case SF_WRITE_TIME:
			append_time_text(buf, DatumGetTimeADT(value));
			return SF_VALUE_STRING;
		case SF_WRITE_TIMETZ:
			{
				TimeTzADT  *t = DatumGetTimeTzADTP(value);
				TimeADT		utc = t->time + (TimeADT) t->zone * USECS_PER_SEC;

				/* to UTC, within one day */
				utc %= USECS_PER_DAY;
				if (utc < 0)
					utc += USECS_PER_DAY;
				append_time_text(buf, utc);
			}
			return SF_VALUE_STRING;
		case SF_WRITE_TIMESTAMP:
			/* the UTC wall time, as convert.c reads it back */
			append_timestamp_text(buf, col, DatumGetTimestamp(value));
			return SF_VALUE_STRING;
		case SF_WRITE_TIMESTAMPTZ:
			append_timestamp_text(buf, col, DatumGetTimestampTz(value));
			return SF_VALUE_STRING;
		case SF_WRITE_JSON:
			/* json is kept as given (validated on input), jsonb as printed */
			appendStringInfoString(buf, OutputFunctionCall(&col->outfunc, value));
			return SF_VALUE_LITERAL;
		case SF_WRITE_ARRAY:
			return append_array_text(buf, col, value) ? SF_VALUE_STRING
				: SF_VALUE_CLEAR;
		case SF_WRITE_STRING:
		default:
			appendStringInfoString(buf, OutputFunctionCall(&col->outfunc, value));
			return SF_VALUE_STRING;
	}
}

/*
 * append_timestamp_text
 *		"YYYY-MM-DDTHH:MM:SS.sssZ" in UTC, rounded to the millisecond that
 *		Salesforce keeps.
 */
static void
append_timestamp_text(StringInfo buf, SfWriteColumn *col, Timestamp ts)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int64		ms;

	if (TIMESTAMP_NOT_FINITE(ts))
		value_error(col, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
					gettext_noop("Salesforce datetimes are finite."));

	/* round half away from zero to whole milliseconds */
	ms = ts >= 0 ? (ts + 500) / 1000 : -((-ts + 500) / 1000);
	if (timestamp2tm(ms * 1000, NULL, &tm, &fsec, NULL, NULL) != 0)
		value_error(col, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
					gettext_noop("The timestamp is out of range."));
	if (tm.tm_year < 1 || tm.tm_year > 9999)
		value_error(col, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
					gettext_noop("Salesforce datetimes lie in the years 1 to 9999."));
	appendStringInfo(buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
					 tm.tm_year, tm.tm_mon, tm.tm_mday,
					 tm.tm_hour, tm.tm_min, tm.tm_sec, (int) (fsec / 1000));
}

/*
 * append_time_text
 *		"HH:MM:SS.sssZ", rounded to the millisecond (but never to 24:00).
 */
static void
append_time_text(StringInfo buf, TimeADT t)
{
	int64		ms = (t + 500) / 1000;

	if (ms >= (int64) 24 * 3600 * 1000)
		ms = (int64) 24 * 3600 * 1000 - 1;
	appendStringInfo(buf, "%02d:%02d:%02d.%03dZ",
					 (int) (ms / 3600000), (int) (ms / 60000 % 60),
					 (int) (ms / 1000 % 60), (int) (ms % 1000));
}

/*
 * append_array_text
 *		An array column is a multi-select picklist: its elements joined by
 *		';'.  Returns false, appending nothing, for an empty array (which
 *		clears the field).
 */
static bool
append_array_text(StringInfo buf, SfWriteColumn *col, Datum value)
{
	ArrayType  *array = DatumGetArrayTypeP(value);
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int			i;

	deconstruct_array(array, ARR_ELEMTYPE(array), col->elmlen, col->elmbyval,
					  col->elmalign, &elems, &nulls, &nelems);
	if (nelems == 0)
		return false;

	for (i = 0; i < nelems; i++)
	{
		char	   *text;

		if (nulls[i])
			value_error(col, ERRCODE_NULL_VALUE_NOT_ALLOWED,
						gettext_noop("A multi-select picklist value cannot be null."));
		text = OutputFunctionCall(&col->outfunc, elems[i]);
		if (strchr(text, ';') != NULL)
			value_error(col, ERRCODE_DATA_EXCEPTION,
						gettext_noop("A multi-select picklist value cannot contain \";\"."));
		if (i > 0)
			appendStringInfoChar(buf, ';');
		appendStringInfoString(buf, text);
	}
	return true;
}

/*
 * append_number_text
 *		A number from its exact text; NaN and infinity have no JSON (and no
 *		Salesforce) form.
 */
static void
append_number_text(StringInfo buf, SfWriteColumn *col, const char *text)
{
	const char *p = text;

	if (*p == '-')
		p++;
	if (!isdigit((unsigned char) *p))
		value_error(col, ERRCODE_FEATURE_NOT_SUPPORTED,
					gettext_noop("Salesforce numbers are finite."));
	appendStringInfoString(buf, text);
}

/* ERROR for a value that has no Salesforce form; 'why' is the detail */
static void
value_error(SfWriteColumn *col, int sqlstate, const char *why)
{
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("cannot write the value of column \"%s\" to field \"%s\"",
					col->column, col->field),
			 errdetail("%s", _(why))));
}
