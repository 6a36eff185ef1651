/*-------------------------------------------------------------------------
 *
 * local_group.c
 *		  GROUP BY computed by the scan when Salesforce has too many groups.
 *
 * An aggregate query returns at most 2,000 groups and is not paged.  When
 * that many come, the scan reads the records instead and aggregates them
 * here: begin, add the values of one record at a time, then take the
 * groups out one by one.  Only the aggregates Salesforce computes exactly
 * as PostgreSQL does are pushed down (count(*), count(column), min and max
 * of integers, dates and timestamps), so they are computed here without
 * PostgreSQL's aggregate machinery.  Groups are hashed by the text of their
 * key values and live in the memory context that was current at begin.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "salesforce_fdw.h"		/* first: see the json_object note there */

#include "catalog/pg_type.h"
#include "nodes/nodeFuncs.h"
#include "utils/date.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"

/* How one column of the scan is computed */
#define SF_GROUP_KEY		0	/* a grouping column */
#define SF_GROUP_COUNT_STAR	1
#define SF_GROUP_COUNT		2
#define SF_GROUP_MIN		3
#define SF_GROUP_MAX		4

/*
 * The room a group's key values take as text: a separator and at most 41
 * characters each (an int8, an 18-character id, or a timestamptz in any
 * DateStyle, such as "Sun Nov 29 21:56:06.123456 2026 PST BC").
 */
#define SF_GROUP_KEY_SIZE		(SF_MAX_GROUP_KEYS * 48)

/* One group */
typedef struct SfLocalGroup
{
	char		key[SF_GROUP_KEY_SIZE]; /* hash key: the key values as text */
	Datum	   *values;
	bool	   *nulls;
} SfLocalGroup;

struct SfLocalGroups
{
	MemoryContext cxt;			/* holds the groups */
	int			ncols;
	int		   *ops;			/* SF_GROUP_* per column */
	Oid		   *types;			/* input type per column */
	int16	   *typlens;
	bool	   *typbyvals;
	FmgrInfo   *outfuncs;		/* key columns: output functions */
	HTAB	   *groups;
	SfLocalGroup **all;			/* after the last add: every group ... */
	long		ngroups;		/* ... their number ... */
	long		next;			/* ... and the next one to return */
};

/*
 * SfLocalGroupPlan
 *		For each item of 'agg_exprs' (the scan's columns: aggregates Salesforce
 *		computes and grouping columns), how it is computed (*ops), from which
 *		field of the records (*infields, String nodes) and of which type
 *		(*intypes, InvalidOid for count(*), which needs no value).
 */
void
SfLocalGroupPlan(SfDeparseInfo *info, List *agg_exprs, List **ops,
				 List **infields, List **intypes)
{
	ListCell   *lc;

	*ops = NIL;
	*infields = NIL;
	*intypes = NIL;
	foreach(lc, agg_exprs)
	{
		Expr	   *expr = (Expr *) lfirst(lc);
		Expr	   *input = expr;
		int			op = SF_GROUP_KEY;

		if (IsA(expr, Aggref))
		{
			Aggref	   *agg = (Aggref *) expr;

			if (agg->aggstar)
			{
				*ops = lappend_int(*ops, SF_GROUP_COUNT_STAR);
				*infields = lappend(*infields, makeString("Id"));
				*intypes = lappend_oid(*intypes, InvalidOid);
				continue;
			}
			input = linitial_node(TargetEntry, agg->args)->expr;
			if (agg->aggfnoid == F_COUNT_ANY)
				op = SF_GROUP_COUNT;
			else				/* the name tells min from max */
				op = strcmp(get_func_name(agg->aggfnoid), "min") == 0 ?
					SF_GROUP_MIN : SF_GROUP_MAX;
		}
		*ops = lappend_int(*ops, op);
		*infields = lappend(*infields,
							makeString(info->fields[SfColumnOf(info, input)]));
		*intypes = lappend_oid(*intypes, exprType((Node *) input));
	}
}

/*
 * SfLocalGroupBegin
 *		An empty aggregation of SfLocalGroupPlan's 'ops' and 'intypes', in
 *		the current memory context.
 */
SfLocalGroups *
SfLocalGroupBegin(List *ops, List *intypes)
{
	SfLocalGroups *lg = (SfLocalGroups *) palloc0(sizeof(SfLocalGroups));
	HASHCTL		ctl;
	ListCell   *lc1;
	ListCell   *lc2;
	int			n;

	lg->cxt = CurrentMemoryContext;
	lg->ncols = n = list_length(ops);
	lg->ops = (int *) palloc(sizeof(int) * n);
	lg->types = (Oid *) palloc(sizeof(Oid) * n);
	lg->typlens = (int16 *) palloc0(sizeof(int16) * n);
	lg->typbyvals = (bool *) palloc0(sizeof(bool) * n);
	lg->outfuncs = (FmgrInfo *) palloc0(sizeof(FmgrInfo) * n);
	forboth(lc1, ops, lc2, intypes)
	{
		int			i = foreach_current_index(lc1);

		lg->ops[i] = lfirst_int(lc1);
		lg->types[i] = lfirst_oid(lc2);
		if (OidIsValid(lg->types[i]))
			get_typlenbyval(lg->types[i], &lg->typlens[i], &lg->typbyvals[i]);
		if (lg->ops[i] == SF_GROUP_KEY)
		{
			Oid			outfunc;
			bool		isvarlena;

			getTypeOutputInfo(lg->types[i], &outfunc, &isvarlena);
			fmgr_info(outfunc, &lg->outfuncs[i]);
		}
	}

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(((SfLocalGroup *) NULL)->key);
	ctl.entrysize = sizeof(SfLocalGroup);
	ctl.hcxt = lg->cxt;
	lg->groups = hash_create("salesforce_fdw groups", 1024, &ctl,
							 HASH_ELEM | SF_HASH_STRINGS | HASH_CONTEXT);
	return lg;
}

/* A min/max input (integers, dates, timestamps) as a comparable int64 */
static int64
datum_as_int64(Oid typid, Datum value)
{
	switch (typid)
	{
		case INT2OID:
			return DatumGetInt16(value);
		case INT4OID:
			return DatumGetInt32(value);
		case DATEOID:
			return DatumGetDateADT(value);
		default:
			return DatumGetInt64(value);	/* int8, timestamp[tz] */
	}
}

/*
 * new_group
 *		Fill a group just entered: its key values, counts of 0, no min/max.
 */
static void
new_group(SfLocalGroups *lg, SfLocalGroup *group, Datum *values, bool *nulls)
{
	int			i;

	group->values = (Datum *) palloc0(sizeof(Datum) * lg->ncols);
	group->nulls = (bool *) palloc(sizeof(bool) * lg->ncols);
	for (i = 0; i < lg->ncols; i++)
	{
		switch (lg->ops[i])
		{
			case SF_GROUP_KEY:
				group->nulls[i] = nulls[i];
				if (!nulls[i])
					group->values[i] = datumCopy(values[i], lg->typbyvals[i],
												 lg->typlens[i]);
				break;
			case SF_GROUP_COUNT_STAR:
			case SF_GROUP_COUNT:
				group->values[i] = Int64GetDatum(0);
				group->nulls[i] = false;
				break;
			default:
				group->nulls[i] = true;
				break;
		}
	}
}

/*
 * SfLocalGroupAdd
 *		Add one record: 'values' and 'nulls' per column, as SfLocalGroupPlan
 *		described them (the value of a count(*) column is not looked at).
 *		They are copied; the caller may free them.
 */
void
SfLocalGroupAdd(SfLocalGroups *lg, Datum *values, bool *nulls)
{
	StringInfoData key;
	SfLocalGroup *group;
	MemoryContext oldcxt;
	bool		found;
	int			i;

	initStringInfo(&key);
	for (i = 0; i < lg->ncols; i++)
	{
		if (lg->ops[i] != SF_GROUP_KEY)
			continue;
		appendStringInfoChar(&key, '\x1f');
		if (nulls[i])
			appendStringInfoChar(&key, '\x01');
		else
			appendStringInfoString(&key, OutputFunctionCall(&lg->outfuncs[i],
															values[i]));
	}
	if (key.len >= (int) sizeof(((SfLocalGroup *) NULL)->key))
		elog(ERROR, "salesforce_fdw: group key too long");

	/* the group's values live as long as the aggregation */
	oldcxt = MemoryContextSwitchTo(lg->cxt);
	group = (SfLocalGroup *) hash_search(lg->groups, key.data, HASH_ENTER,
										 &found);
	if (!found)
		new_group(lg, group, values, nulls);
	for (i = 0; i < lg->ncols; i++)
	{
		switch (lg->ops[i])
		{
			case SF_GROUP_COUNT_STAR:
				group->values[i] =
					Int64GetDatum(DatumGetInt64(group->values[i]) + 1);
				break;
			case SF_GROUP_COUNT:
				if (!nulls[i])
					group->values[i] =
						Int64GetDatum(DatumGetInt64(group->values[i]) + 1);
				break;
			case SF_GROUP_MIN:
			case SF_GROUP_MAX:
				if (nulls[i])
					break;
				if (group->nulls[i] ||
					(lg->ops[i] == SF_GROUP_MIN ?
					 datum_as_int64(lg->types[i], values[i]) <
					 datum_as_int64(lg->types[i], group->values[i]) :
					 datum_as_int64(lg->types[i], values[i]) >
					 datum_as_int64(lg->types[i], group->values[i])))
				{
					/* int8 and timestamps are by reference on 32-bit */
					if (!group->nulls[i] && !lg->typbyvals[i])
						pfree(DatumGetPointer(group->values[i]));
					group->values[i] = datumCopy(values[i], lg->typbyvals[i],
												 lg->typlens[i]);
					group->nulls[i] = false;
				}
				break;
			default:
				break;
		}
	}
	MemoryContextSwitchTo(oldcxt);
	pfree(key.data);
}

/*
 * SfLocalGroupNext
 *		Copy the next group into 'values' and 'nulls' (one per column); false
 *		when every group has been returned.  No record may be added after the
 *		first call.
 */
bool
SfLocalGroupNext(SfLocalGroups *lg, Datum *values, bool *nulls)
{
	SfLocalGroup *group;

	if (lg->all == NULL)
	{
		HASH_SEQ_STATUS seq;
		long		i = 0;

		lg->ngroups = hash_get_num_entries(lg->groups);
		lg->all = (SfLocalGroup **)
			MemoryContextAlloc(lg->cxt,
							   sizeof(SfLocalGroup *) * Max(lg->ngroups, 1));
		hash_seq_init(&seq, lg->groups);
		while ((group = (SfLocalGroup *) hash_seq_search(&seq)) != NULL)
			lg->all[i++] = group;
	}
	if (lg->next >= lg->ngroups)
		return false;
	group = lg->all[lg->next++];
	memcpy(values, group->values, sizeof(Datum) * lg->ncols);
	memcpy(nulls, group->nulls, sizeof(bool) * lg->ncols);
	return true;
}
