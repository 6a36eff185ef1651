/*-------------------------------------------------------------------------
 *
 * deparse.c
 *		  Decide what Salesforce may evaluate, and write every byte of SOQL.
 *
 * As in postgres_fdw: a walker decides whether Salesforce can evaluate a
 * clause, exactly or only as a superset (then it is sent AND rechecked
 * here), and the same walker writes it, at plan time (other values as $n
 * placeholders) and at execution (every value known), so what is decided
 * and what is sent cannot drift apart.  One entry point per statement
 * shape (records, COUNT(), aggregates) writes the rest; the planner
 * decides which conditions, order, limit and aggregates, this file writes.
 * Every string value reaches SOQL through one quoting function.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "salesforce_fdw.h"		/* first: see the json_object note there */

#include <math.h>

#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/transam.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_am.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "mb/pg_wchar.h"
#include "nodes/nodeFuncs.h"
#include "nodes/nodes.h"
#include "nodes/pg_list.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

/*
 * The field class of a column says how SOQL compares its field
 * (SF_FIELD_*), or SF_FIELD_NONE when no condition on it is sent (field not
 * filterable, a relationship path, a type whose semantics differ); flags
 * say whether SOQL may ORDER BY, GROUP BY or aggregate it.
 */
#define SF_FIELD_NONE		0
#define SF_FIELD_STRING		1	/* text compared case-insensitively */
#define SF_FIELD_STRING_CS	2	/* text compared case-sensitively */
#define SF_FIELD_PICKLIST	3	/* picklist: like STRING, no LIKE */
#define SF_FIELD_ID			4	/* id or reference: 18-char ids */
#define SF_FIELD_INT		5	/* int, long */
#define SF_FIELD_NUMBER		6	/* double, currency, percent */
#define SF_FIELD_BOOL		7	/* checkbox: never null */
#define SF_FIELD_DATE		8
#define SF_FIELD_DATETIME	9
#define SF_FIELD_TIME		10
#define SF_FIELD_CLASS_MASK	0xff
#define SF_FIELD_SORTABLE	0x100
#define SF_FIELD_GROUPABLE	0x200
#define SF_FIELD_LOOKUP		0x400	/* Id, reference or external id: worth a
									 * parameterized path */
#define SF_FIELD_AGGREGATABLE 0x800

/* Longest string literal SOQL accepts in a WHERE clause */
#define SF_MAX_LITERAL		4000

/*
 * Longest literal (in bytes) sent: percent-encoded, and after conversion
 * to UTF-8, it stays far below the 16,384 bytes of a request URI.  A
 * condition with a longer one is decided locally.
 */
#define SF_MAX_LITERAL_BYTES	2000

/*
 * Most digits of a number literal sent: Salesforce numbers hold at most 18
 * digits, and SOQL rejects some longer literals.  A number with more
 * integer digits is beyond every field value; one with more significant
 * digits is decided locally.
 */
#define SF_MAX_NUMBER_DIGITS	18

/*
 * Largest IN list sent in one query: a longer one is split into chunks of
 * at most this size (one query each) when that is exact, else it is
 * decided locally.  Every request URI stays far below Salesforce's 16,384
 * bytes even when each byte is percent-encoded.
 */
#define SF_MAX_IN_VALUES	200
#define SF_MAX_IN_BYTES		3000

/* Leaves that are true for every record, or for none (Id is never null) */
#define SF_TRUE_LEAF		"(Id != null)"
#define SF_FALSE_LEAF		"(Id = null)"

/* Comparison operators a leaf can carry */
typedef enum SfCmp
{
	CMP_EQ,
	CMP_NE,
	CMP_LT,
	CMP_LE,
	CMP_GT,
	CMP_GE
} SfCmp;

static const char *const cmp_soql[] = {"=", "!=", "<", "<=", ">", ">="};

/* What format_value says besides the literal it writes */
typedef struct LiteralExtra
{
	bool		plus;			/* FMT_EXTREME: above every value, else below */
	bool		fraction;		/* finer than Salesforce keeps: the literal is
								 * the value rounded down ... */
	char	   *rounded_up;		/* ... and this one the value rounded up */
	int64		floor;			/* FMT_NOMATCH for a fraction against an
								 * integer field: the fraction's floor */
} LiteralExtra;

/* State of one walk over a clause */
typedef struct WalkCxt
{
	SfDeparseInfo *info;
	StringInfo	buf;
	bool		exact;			/* no leaf so far is a superset */
	bool		has_values;		/* a leaf needs a value known at execution */
	bool		chunked;		/* a long IN list sent in chunks */
	bool		top;			/* the node is the whole clause */
} WalkCxt;

static bool walk_cond(Expr *node, bool negate, WalkCxt *cxt);
static bool walk_op(OpExpr *op, bool negate, WalkCxt *cxt);
static bool walk_in(ScalarArrayOpExpr *saop, bool negate, WalkCxt *cxt);
static bool walk_nulltest(NullTest *nt, bool negate, WalkCxt *cxt);
static bool walk_booltest(BooleanTest *bt, bool negate, WalkCxt *cxt);
static int	column_of(Expr *node, WalkCxt *cxt);
static bool is_value_expr(Expr *node, Index varno);
static bool value_walker(Node *node, void *context);
static bool get_value(WalkCxt *cxt, Expr *expr, Datum *value, bool *isnull);
static void placeholder(WalkCxt *cxt);
static bool class_accepts_type(int fclass, Oid typid);
static bool same_type_class(Oid a, Oid b);
static bool parse_cmp(const char *name, SfCmp *cmp);
static SfCmp negate_cmp(SfCmp cmp);
static SfCmp commute_cmp(SfCmp cmp);
static void emit_leaf(WalkCxt *cxt, const char *field, int fclass, SfCmp cmp,
					  Datum value, Oid typid);
static void emit_extreme(StringInfo buf, const char *field, SfCmp cmp,
						 bool plus);
static int	format_value(StringInfo out, int fclass, Datum value, Oid typid,
						 LiteralExtra *extra);
static void emit_like(WalkCxt *cxt, const char *field, bool ilike,
					  Datum value);
static bool numeric_is_integral(Numeric num);
static bool emit_not_null(WalkCxt *cxt, const char *field, int fclass);
static int	count_integer_digits(const char *s);
static int	count_significant_digits(const char *s);
static bool emit_in_chunk(WalkCxt *cxt, const char *field, char **literals,
						  int n);
static void append_escaped(StringInfo buf, const char *val, bool like);
static bool is_valid_id18(const char *s, size_t len);

/* Results of format_value */
#define FMT_OK			0		/* a literal was written */
#define FMT_EXTREME		1		/* beyond every Salesforce value (see plus) */
#define FMT_NOMATCH		2		/* equals no Salesforce value (but ranges ok) */
#define FMT_UNWRITABLE	3		/* no literal: a constant is not sent, a
								 * parameter (rechecked) becomes no condition */

/*
 * SfResolveFields
 *		Fill info->fields and info->classes for every column of 'rel' from the
 *		sObject describe 'desc'.
 *
 * A column gets a fclass only when its field is filterable, is not a
 * relationship path, and its PostgreSQL type compares the way Salesforce
 * compares the field's type (see the file header).
 */
void
SfResolveFields(SfDeparseInfo *info, Oid relid, Relation rel,
				const SfSObjectDesc *desc)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			i;

	info->natts = tupdesc->natts;
	info->fields = (char **) palloc0(sizeof(char *) * (tupdesc->natts + 1));
	info->classes = (int *) palloc0(sizeof(int) * (tupdesc->natts + 1));

	for (i = 1; i <= tupdesc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(tupdesc, i - 1);
		char	   *field;
		const SfFieldDesc *fd;
		int			fclass = SF_FIELD_NONE;
		const char *t;

		if (attr->attisdropped)
			continue;
		field = SfColumnField(relid, i);
		info->fields[i] = field;
		if (desc == NULL || strchr(field, '.') != NULL)
			continue;
		fd = SfDescribeField(desc, field);
		if (fd == NULL || !fd->filterable || fd->type == NULL)
			continue;

		t = fd->type;
		if (strcmp(t, "string") == 0 || strcmp(t, "textarea") == 0 ||
			strcmp(t, "email") == 0 || strcmp(t, "phone") == 0 ||
			strcmp(t, "url") == 0 || strcmp(t, "combobox") == 0)
			fclass = fd->case_sensitive ? SF_FIELD_STRING_CS : SF_FIELD_STRING;
		else if (strcmp(t, "picklist") == 0)
			fclass = SF_FIELD_PICKLIST;
		else if (strcmp(t, "id") == 0 || strcmp(t, "reference") == 0)
			fclass = SF_FIELD_ID;
		else if (strcmp(t, "int") == 0 || strcmp(t, "long") == 0)
			fclass = SF_FIELD_INT;
		else if (strcmp(t, "double") == 0 || strcmp(t, "currency") == 0 ||
				 strcmp(t, "percent") == 0)
			fclass = SF_FIELD_NUMBER;
		else if (strcmp(t, "boolean") == 0)
			fclass = SF_FIELD_BOOL;
		else if (strcmp(t, "date") == 0)
			fclass = SF_FIELD_DATE;
		else if (strcmp(t, "datetime") == 0)
			fclass = SF_FIELD_DATETIME;
		else if (strcmp(t, "time") == 0)
			fclass = SF_FIELD_TIME;

		if (fclass == SF_FIELD_NONE || !class_accepts_type(fclass, attr->atttypid))
			continue;

		/*
		 * A column that rounds what Salesforce holds compares other values
		 * than Salesforce does: numeric with fewer decimals than the field,
		 * timestamps and times with fewer than the milliseconds it keeps.
		 */
		if (attr->atttypid == NUMERICOID && attr->atttypmod >= VARHDRSZ)
		{
			int32		tm = attr->atttypmod - VARHDRSZ;
			int			scale = ((tm & 0x7ff) ^ 1024) - 1024;

			if (scale < ((fclass == SF_FIELD_INT) ? 0 : fd->scale))
				continue;
		}
		if ((attr->atttypid == TIMESTAMPOID ||
			 attr->atttypid == TIMESTAMPTZOID ||
			 attr->atttypid == TIMEOID) &&
			attr->atttypmod >= 0 && attr->atttypmod < 3)
			continue;
		/* a field used as PostgreSQL text must keep its own collation */
		if (OidIsValid(attr->attcollation) &&
			!get_collation_isdeterministic(attr->attcollation))
			continue;

		/*
		 * An object of a multi-currency org has the field CurrencyIsoCode;
		 * there Salesforce sorts currency by the value converted to the
		 * corporate currency, not by the number PostgreSQL sees.
		 */
		if (fd->sortable &&
			!(strcmp(t, "currency") == 0 &&
			  SfDescribeField(desc, "CurrencyIsoCode") != NULL))
			fclass |= SF_FIELD_SORTABLE;
		if (fd->groupable)
			fclass |= SF_FIELD_GROUPABLE;
		if (strcmp(t, "id") == 0 || strcmp(t, "reference") == 0 ||
			fd->external_id || fd->id_lookup)
			fclass |= SF_FIELD_LOOKUP;
		if (fd->aggregatable)
			fclass |= SF_FIELD_AGGREGATABLE;
		info->classes[i] = fclass;
	}
}

/*
 * class_accepts_type
 *		Does a column of type 'typid' hold the values of a field of 'fclass'
 *		so that comparisons agree?
 */
static bool
class_accepts_type(int fclass, Oid typid)
{
	switch (fclass & SF_FIELD_CLASS_MASK)
	{
		case SF_FIELD_STRING:
		case SF_FIELD_STRING_CS:
		case SF_FIELD_PICKLIST:
		case SF_FIELD_ID:
			return typid == TEXTOID || typid == VARCHAROID;
		case SF_FIELD_INT:
		case SF_FIELD_NUMBER:
			return typid == INT2OID || typid == INT4OID ||
				typid == INT8OID || typid == NUMERICOID;
		case SF_FIELD_BOOL:
			return typid == BOOLOID;
		case SF_FIELD_DATE:
			return typid == DATEOID;
		case SF_FIELD_DATETIME:
			return typid == TIMESTAMPTZOID || typid == TIMESTAMPOID;
		case SF_FIELD_TIME:
			return typid == TIMEOID;
	}
	return false;
}

/*
 * same_type_class
 *		Do an operator's two input types belong together (both the column's
 *		comparison type)?  Integers of any width compare exactly.
 */
static bool
same_type_class(Oid a, Oid b)
{
	if (a == b)
		return true;
	return (a == INT2OID || a == INT4OID || a == INT8OID) &&
		(b == INT2OID || b == INT4OID || b == INT8OID);
}

/*
 * SfClassifyClause
 *		Can 'clause' be written in SOQL?  If so, fill *pushdown: whether
 *		Salesforce's answer is exactly PostgreSQL's (else a superset:
 *		recheck locally), whether it needs values known only at execution,
 *		and whether it is a long IN list to send in chunks (allowed only
 *		when info->chunk_target is NULL or this clause: the caller records
 *		its choice there).  'info' is left as it was.
 */
bool
SfClassifyClause(SfDeparseInfo *info, Expr *clause,
				 SfClausePushdown *pushdown)
{
	WalkCxt		cxt;
	StringInfoData scratch;
	bool		ok;
	SfValueHook save_hook = info->value_hook;
	int			save_n = info->nplaceholders;

	initStringInfo(&scratch);
	cxt.info = info;
	cxt.buf = &scratch;
	cxt.exact = true;
	cxt.has_values = false;
	cxt.chunked = false;
	cxt.top = true;
	info->value_hook = NULL;
	ok = walk_cond(clause, false, &cxt);
	info->value_hook = save_hook;
	info->nplaceholders = save_n;
	pfree(scratch.data);

	pushdown->exact = cxt.exact;
	pushdown->has_values = cxt.has_values;
	pushdown->chunked = cxt.chunked;
	return ok;
}

/*
 * SfDeparseWhere
 *		Append " WHERE c1 AND c2 ..." for 'clauses' (plain expressions, each
 *		accepted by SfClassifyClause), or nothing for an empty list.
 *		Returns true when one of them is never true (a comparison with a
 *		null, an impossible id, ...): then no query needs to be sent.
 */
bool
SfDeparseWhere(StringInfo buf, SfDeparseInfo *info, List *clauses)
{
	ListCell   *lc;
	bool		first = true;
	bool		never = false;

	foreach(lc, clauses)
	{
		WalkCxt		cxt;
		int			start;

		cxt.info = info;
		cxt.buf = buf;
		cxt.exact = true;
		cxt.has_values = false;
		cxt.chunked = false;
		cxt.top = true;
		appendStringInfoString(buf, first ? " WHERE " : " AND ");
		first = false;
		start = buf->len;
		if (!walk_cond((Expr *) lfirst(lc), false, &cxt))
			elog(ERROR, "salesforce_fdw: a clause accepted at plan time cannot be written in SOQL");
		if (strcmp(buf->data + start, SF_FALSE_LEAF) == 0)
			never = true;
	}
	return never;
}

/*
 * The walker first pushes NOT down to the leaves (De Morgan; NOT a < b is
 * a >= b, NOT a = b is a != b), so every leaf sits in a monotone position.
 * Each leaf is then written so that a null field makes it false under both
 * two-valued and three-valued readings of SOQL: in PostgreSQL a WHERE keeps
 * a row only when the condition is true, and "true" of a formula without NOT
 * is decided by its leaves being true.  A leaf that can only narrow the
 * rows (a superset) keeps the whole clause rechecked locally.
 *
 * SOQL traps the walker guards against:
 *	- string literals are quoted with backslash escapes ('\'' is \', never
 *	  ''), and control characters are escaped, because any other backslash
 *	  or a raw control character is a syntax error or changes the meaning;
 *	- != and NOT IN may or may not keep null values: always written as
 *	  (f != x AND f != null);
 *	- there is no IS NULL: "= null" / "!= null"; a checkbox is never null
 *	  (and "= null" means "= false" there), so IS NULL on it is false;
 *	- text =, IN and LIKE are case-insensitive: sent as a superset and
 *	  rechecked; text != and NOT LIKE would drop rows, text ranges compare
 *	  in another order: their SOQL is only "field != null" (the superset
 *	  every comparison implies), rechecked;
 *	- LIKE patterns are re-encoded (PostgreSQL's \ escape, SOQL's \% \_)
 *	  and made wider where case folding differs (non-ASCII letters, i and
 *	  k whose case partners include non-ASCII characters, and _ since an
 *	  upper-cased character may become two): always rechecked;
 *	- no empty strings exist (Salesforce stores null): = '' is false;
 *	- ids: a value that is not an 18-character id with its checksum can't
 *	  equal any id (and Salesforce would reject it): the leaf becomes false
 *	  locally, never sent; LIKE and ranges on ids become "field != null",
 *	  rechecked;
 *	- dates unquoted, datetimes in UTC with Z and no fraction (fractional
 *	  seconds are unconfirmed in SOQL), times with milliseconds: a value
 *	  finer than Salesforce keeps is widened to a superset and rechecked;
 *	  infinities and years outside 1..9999 are decided locally;
 *	- numbers: the exact decimal text; a fraction against an integer field
 *	  is rounded the right way; float columns are never compared remotely
 *	  (Salesforce compares exact decimals, PostgreSQL rounded doubles);
 *	- now(), current_date and parameters are sent as concrete UTC values,
 *	  never as TODAY and friends (those follow the Salesforce user's zone);
 *	- every boolean expression is fully parenthesized;
 *	- the same field may not be selected twice ("duplicate field selected"),
 *	  and field names compare case-insensitively, so the select list is
 *	  deduplicated without regard to case;
 *	- a SELECT needs at least one field: Id is selected when the query needs
 *	  no column at all;
 *	- object and field names are written unquoted (SOQL has no quoted
 *	  identifiers); option.c admits only API names, so they cannot inject.
 */

/*
 * walk_cond
 *		Write the boolean expression 'node' (negated if 'negate') into
 *		cxt->buf.  False if it cannot be sent; then the buffer holds junk.
 */
static bool
walk_cond(Expr *node, bool negate, WalkCxt *cxt)
{
	if (node == NULL)
		return false;

	switch (nodeTag(node))
	{
		case T_BoolExpr:
			{
				BoolExpr   *b = (BoolExpr *) node;
				const char *conj;
				ListCell   *lc;
				bool		first = true;

				if (b->boolop == NOT_EXPR)
					return walk_cond((Expr *) linitial(b->args), !negate, cxt);
				cxt->top = false;
				/* De Morgan: NOT (a AND b) is (NOT a OR NOT b) */
				if ((b->boolop == AND_EXPR) != negate)
					conj = " AND ";
				else
					conj = " OR ";
				appendStringInfoChar(cxt->buf, '(');
				foreach(lc, b->args)
				{
					if (!first)
						appendStringInfoString(cxt->buf, conj);
					first = false;
					if (!walk_cond((Expr *) lfirst(lc), negate, cxt))
						return false;
				}
				appendStringInfoChar(cxt->buf, ')');
				return true;
			}
		case T_OpExpr:
			return walk_op((OpExpr *) node, negate, cxt);
		case T_ScalarArrayOpExpr:
			return walk_in((ScalarArrayOpExpr *) node, negate, cxt);
		case T_NullTest:
			return walk_nulltest((NullTest *) node, negate, cxt);
		case T_BooleanTest:
			return walk_booltest((BooleanTest *) node, negate, cxt);
		case T_Var:
			{
				int			attno = column_of(node, cxt);

				if (attno == 0 ||
					(cxt->info->classes[attno] & SF_FIELD_CLASS_MASK) != SF_FIELD_BOOL)
					return false;
				appendStringInfo(cxt->buf, "(%s = %s)",
								 cxt->info->fields[attno],
								 negate ? "false" : "true");
				return true;
			}
		default:
			return false;
	}
}

/*
 * column_of
 *		The attnum of 'node' if it is a column of the foreign table that may
 *		appear in SOQL (through a binary-compatible relabeling such as
 *		varchar to text), else 0.
 */
static int
column_of(Expr *node, WalkCxt *cxt)
{
	Var		   *var;

	while (node && IsA(node, RelabelType))
		node = ((RelabelType *) node)->arg;
	if (node == NULL || !IsA(node, Var))
		return 0;
	var = (Var *) node;
	if (var->varno != cxt->info->varno || var->varlevelsup != 0 ||
		var->varattno <= 0 || var->varattno > cxt->info->natts)
		return 0;
	if ((cxt->info->classes[var->varattno] & SF_FIELD_CLASS_MASK) == SF_FIELD_NONE)
		return 0;
	return var->varattno;
}

/*
 * is_value_expr
 *		Is 'node' a value PostgreSQL can compute before the scan: a constant,
 *		a parameter, a column of another relation (a parameterized join), or
 *		a non-volatile expression of those (now(), current_date, casts)?
 */
static bool
is_value_expr(Expr *node, Index varno)
{
	if (contain_volatile_functions((Node *) node))
		return false;
	return !value_walker((Node *) node, &varno);
}

/* True when 'node' contains something a value may not contain. */
static bool
value_walker(Node *node, void *context)
{
	Index		varno = *(Index *) context;

	if (node == NULL)
		return false;
	switch (nodeTag(node))
	{
		case T_Var:
			return ((Var *) node)->varno == varno ||
				((Var *) node)->varlevelsup != 0;
		case T_Const:
		case T_Param:
		case T_FuncExpr:
		case T_OpExpr:
		case T_RelabelType:
		case T_CoerceViaIO:
		case T_ArrayCoerceExpr:
		case T_ArrayExpr:
		case T_SQLValueFunction:
		case T_CaseTestExpr:
		case T_List:
			break;
		default:
			return true;
	}
	return expression_tree_walker(node, value_walker, context);
}

/*
 * get_value
 *		The value of 'expr': true with the value and null flag if it is known now (a
 *		constant, or anything at execution), false at plan time otherwise.
 */
static bool
get_value(WalkCxt *cxt, Expr *expr, Datum *value, bool *isnull)
{
	if (IsA(expr, Const))
	{
		*value = ((Const *) expr)->constvalue;
		*isnull = ((Const *) expr)->constisnull;
		return true;
	}
	cxt->has_values = true;
	if (cxt->info->value_hook == NULL)
		return false;
	return cxt->info->value_hook(expr, cxt->info->value_arg, value, isnull);
}

/* Write the next plan-time placeholder. */
static void
placeholder(WalkCxt *cxt)
{
	appendStringInfo(cxt->buf, "$%d", ++cxt->info->nplaceholders);
}

/* Comparison operators by name */
static bool
parse_cmp(const char *name, SfCmp *cmp)
{
	if (strcmp(name, "=") == 0)
		*cmp = CMP_EQ;
	else if (strcmp(name, "<>") == 0)
		*cmp = CMP_NE;
	else if (strcmp(name, "<") == 0)
		*cmp = CMP_LT;
	else if (strcmp(name, "<=") == 0)
		*cmp = CMP_LE;
	else if (strcmp(name, ">") == 0)
		*cmp = CMP_GT;
	else if (strcmp(name, ">=") == 0)
		*cmp = CMP_GE;
	else
		return false;
	return true;
}

static SfCmp
negate_cmp(SfCmp cmp)
{
	static const SfCmp neg[] = {CMP_NE, CMP_EQ, CMP_GE, CMP_GT, CMP_LE, CMP_LT};

	return neg[cmp];
}

static SfCmp
commute_cmp(SfCmp cmp)
{
	static const SfCmp com[] = {CMP_EQ, CMP_NE, CMP_GT, CMP_GE, CMP_LT, CMP_LE};

	return com[cmp];
}

/*
 * builtin_operator
 *		Name and argument types of a built-in binary operator applied under a
 *		deterministic collation; false for anything else (user-defined
 *		operators and nondeterministic collations are never shipped).
 */
static bool
builtin_operator(Oid opno, Oid inputcollid, List *args, char *name,
				 Oid *left, Oid *right)
{
	HeapTuple	tup;
	Form_pg_operator form;

	if (list_length(args) != 2 || opno >= FirstGenbkiObjectId)
		return false;
	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
	if (!HeapTupleIsValid(tup))
		return false;
	form = (Form_pg_operator) GETSTRUCT(tup);
	strlcpy(name, NameStr(form->oprname), NAMEDATALEN);
	*left = form->oprleft;
	*right = form->oprright;
	ReleaseSysCache(tup);

	return !OidIsValid(inputcollid) || get_collation_isdeterministic(inputcollid);
}

/*
 * walk_op
 *		column op value (either way round), LIKE and ILIKE.
 */
static bool
walk_op(OpExpr *op, bool negate, WalkCxt *cxt)
{
	char		name[NAMEDATALEN];
	Oid			left,
				right;
	Expr	   *arg1,
			   *arg2;
	int			attno;
	Expr	   *valexpr;
	bool		var_left = true;
	int			fclass;
	const char *field;
	Datum		value;
	bool		isnull;
	SfCmp		cmp;

	if (!builtin_operator(op->opno, op->inputcollid, op->args, name,
						  &left, &right))
		return false;

	arg1 = linitial(op->args);
	arg2 = lsecond(op->args);
	attno = column_of(arg1, cxt);
	valexpr = arg2;
	if (attno == 0)
	{
		attno = column_of(arg2, cxt);
		valexpr = arg1;
		var_left = false;
	}
	if (attno == 0 || !is_value_expr(valexpr, cxt->info->varno))
		return false;
	fclass = cxt->info->classes[attno] & SF_FIELD_CLASS_MASK;
	field = cxt->info->fields[attno];

	/* LIKE, ILIKE and their negations: the column on the left only */
	if (strcmp(name, "~~") == 0 || strcmp(name, "~~*") == 0 ||
		strcmp(name, "!~~") == 0 || strcmp(name, "!~~*") == 0)
	{
		bool		positive = (name[0] != '!') != negate;
		bool		ilike = (name[strlen(name) - 1] == '*');

		if (left != TEXTOID || right != TEXTOID)
			return false;
		cxt->exact = false;		/* case and wildcards: always rechecked */
		if (!var_left || !positive ||
			(fclass != SF_FIELD_STRING && fclass != SF_FIELD_STRING_CS))
			return emit_not_null(cxt, field, fclass);
		if (!get_value(cxt, valexpr, &value, &isnull))
		{
			appendStringInfo(cxt->buf, "(%s LIKE ", field);
			placeholder(cxt);
			appendStringInfoChar(cxt->buf, ')');
		}
		else if (isnull)
			appendStringInfoString(cxt->buf, SF_FALSE_LEAF);
		else
			emit_like(cxt, field, ilike, value);
		return true;
	}

	if (!parse_cmp(name, &cmp) || !same_type_class(left, right) ||
		!class_accepts_type(fclass, left))
		return false;
	if (!var_left)
		cmp = commute_cmp(cmp);
	if (negate)
		cmp = negate_cmp(cmp);

	switch (fclass)
	{
		case SF_FIELD_STRING:
		case SF_FIELD_PICKLIST:
			/* case-insensitive: only = narrows to a superset */
			cxt->exact = false;
			if (cmp != CMP_EQ)
				return emit_not_null(cxt, field, fclass);
			break;
		case SF_FIELD_STRING_CS:
		case SF_FIELD_ID:
			if (cmp != CMP_EQ && cmp != CMP_NE)
			{
				/* text ranges: SOQL's order is not PostgreSQL's */
				cxt->exact = false;
				return emit_not_null(cxt, field, fclass);
			}
			/* a parameter may be too long to send: rechecked */
			if (fclass == SF_FIELD_STRING_CS && !IsA(valexpr, Const))
				cxt->exact = false;
			break;
		case SF_FIELD_BOOL:
			if (cmp != CMP_EQ && cmp != CMP_NE)
				return false;
			break;
		case SF_FIELD_DATETIME:
		case SF_FIELD_TIME:
			/* a finer value than Salesforce keeps is widened */
			if (!IsA(valexpr, Const))
				cxt->exact = false;
			break;
		default:
			break;
	}

	/* a numeric parameter may need a literal SOQL can't take: rechecked */
	if (!IsA(valexpr, Const) && (fclass == SF_FIELD_INT || fclass == SF_FIELD_NUMBER) &&
		(var_left ? right : left) == NUMERICOID)
		cxt->exact = false;

	if (!get_value(cxt, valexpr, &value, &isnull))
	{
		if (cmp == CMP_NE)
		{
			appendStringInfo(cxt->buf, "(%s != ", field);
			placeholder(cxt);
			appendStringInfo(cxt->buf, " AND %s != null)", field);
		}
		else
		{
			appendStringInfo(cxt->buf, "(%s %s ", field, cmp_soql[cmp]);
			placeholder(cxt);
			appendStringInfoChar(cxt->buf, ')');
		}
		return true;
	}
	if (isnull)
	{
		/* a comparison with null is never true, negated or not */
		appendStringInfoString(cxt->buf, SF_FALSE_LEAF);
		return true;
	}
	if (IsA(valexpr, Const) &&
		(fclass == SF_FIELD_INT || fclass == SF_FIELD_NUMBER ||
		 fclass == SF_FIELD_STRING || fclass == SF_FIELD_STRING_CS ||
		 fclass == SF_FIELD_PICKLIST))
	{
		StringInfoData scratch;
		LiteralExtra extra;

		initStringInfo(&scratch);
		if (format_value(&scratch, fclass, value, var_left ? right : left,
						 &extra) == FMT_UNWRITABLE)
			return false;		/* decided locally */
	}
	emit_leaf(cxt, field, fclass, cmp, value, var_left ? right : left);
	return true;
}

/*
 * emit_leaf
 *		Write "field cmp value" for a known non-null value of type 'typid',
 *		null-safe, or an equivalent (or, with cxt->exact cleared, wider)
 *		leaf where the value can't be written as it is.
 */
static void
emit_leaf(WalkCxt *cxt, const char *field, int fclass, SfCmp cmp,
		  Datum value, Oid typid)
{
	StringInfoData lit;
	LiteralExtra extra;
	int			res;
	StringInfo	buf = cxt->buf;

	if (fclass == SF_FIELD_BOOL)
	{
		bool		b = DatumGetBool(value);

		if (cmp == CMP_NE)
			b = !b;
		appendStringInfo(buf, "(%s = %s)", field, b ? "true" : "false");
		return;
	}

	initStringInfo(&lit);
	res = format_value(&lit, fclass, value, typid, &extra);
	if (res == FMT_EXTREME)
	{
		emit_extreme(buf, field, cmp, extra.plus);
		return;
	}
	if (res == FMT_UNWRITABLE)
	{
		appendStringInfoString(buf, SF_TRUE_LEAF);
		return;
	}
	if (res == FMT_NOMATCH)
	{
		if (cmp == CMP_NE)
			appendStringInfo(buf, "(%s != null)", field);
		else if (cmp == CMP_EQ)
			appendStringInfoString(buf, SF_FALSE_LEAF);
		else
		{
			/*
			 * A fraction against an integer field: x < 2.5 is x <= 2, x > 2.5
			 * is x >= 3.
			 */
			int64		fl = extra.floor;

			if (cmp == CMP_LT || cmp == CMP_LE)
				appendStringInfo(buf, "(%s <= " INT64_FORMAT ")", field, fl);
			else
				appendStringInfo(buf, "(%s >= " INT64_FORMAT ")", field, fl + 1);
		}
		return;
	}

	if (extra.fraction)
	{
		/*
		 * The value lies strictly between two values Salesforce can hold and
		 * write: lit is the lower one, extra.rounded_up the upper one. Widen
		 * to a superset; the clause is rechecked.
		 */
		const char *upper = extra.rounded_up;

		cxt->exact = false;
		switch (cmp)
		{
			case CMP_EQ:
				appendStringInfo(buf, "(%s > %s AND %s < %s)",
								 field, lit.data, field, upper);
				break;
			case CMP_NE:
				appendStringInfo(buf, "(%s != null)", field);
				break;
			case CMP_LT:
			case CMP_LE:
				appendStringInfo(buf, "(%s < %s)", field, upper);
				break;
			case CMP_GT:
			case CMP_GE:
				appendStringInfo(buf, "(%s > %s)", field, lit.data);
				break;
		}
		return;
	}

	if (cmp == CMP_NE)
		appendStringInfo(buf, "(%s != %s AND %s != null)",
						 field, lit.data, field);
	else
		appendStringInfo(buf, "(%s %s %s)", field, cmp_soql[cmp], lit.data);
}

/*
 * emit_not_null
 *		The widest superset of a comparison SOQL can't make: the field is not
 *		null (every comparison and LIKE is false on null in PostgreSQL).  The
 *		caller has cleared cxt->exact.  A checkbox is never null: true leaf.
 */
static bool
emit_not_null(WalkCxt *cxt, const char *field, int fclass)
{
	if (fclass == SF_FIELD_BOOL)
		appendStringInfoString(cxt->buf, SF_TRUE_LEAF);
	else
		appendStringInfo(cxt->buf, "(%s != null)", field);
	return true;
}

/*
 * emit_extreme
 *		Write the leaf for a comparison with a value beyond every value
 *		Salesforce holds (above all if 'plus', below all otherwise).
 */
static void
emit_extreme(StringInfo buf, const char *field, SfCmp cmp, bool plus)
{
	bool		all;

	switch (cmp)
	{
		case CMP_NE:
			all = true;
			break;
		case CMP_LT:
		case CMP_LE:
			all = plus;
			break;
		case CMP_GT:
		case CMP_GE:
			all = !plus;
			break;
		default:
			all = false;
			break;
	}
	if (all)
		appendStringInfo(buf, "(%s != null)", field);
	else
		appendStringInfoString(buf, SF_FALSE_LEAF);
}

/*
 * format_value
 *		Write the SOQL literal of 'value' (of PostgreSQL type 'typid') for a
 *		field of 'fclass' into 'out' and return FMT_OK; or return FMT_EXTREME
 *		(with extra->plus) or FMT_NOMATCH when no literal stands for it.
 *
 * Datetimes and times finer than Salesforce keeps set extra->fraction: 'out'
 * then holds the value rounded down and extra->rounded_up the value rounded
 * up.  For an integer field and a non-integral number FMT_NOMATCH comes
 * with extra->floor.
 */
static int
format_value(StringInfo out, int fclass, Datum value, Oid typid,
			 LiteralExtra *extra)
{
	memset(extra, 0, sizeof(LiteralExtra));

	switch (fclass)
	{
		case SF_FIELD_STRING:
		case SF_FIELD_STRING_CS:
		case SF_FIELD_PICKLIST:
		case SF_FIELD_ID:
			{
				char	   *s = TextDatumGetCString(value);
				size_t		len = strlen(s);

				/* Salesforce stores no empty string (null instead) */
				if (len == 0)
					return FMT_NOMATCH;
				if (fclass == SF_FIELD_ID && !is_valid_id18(s, len))
					return FMT_NOMATCH;
				/* longer than any filterable value, and than SOQL allows */
				if (pg_mbstrlen(s) > SF_MAX_LITERAL)
					return FMT_NOMATCH;
				/* too long for the request URI */
				if (len > SF_MAX_LITERAL_BYTES)
					return FMT_UNWRITABLE;
				SfDeparseStringLiteral(out, s);
				return FMT_OK;
			}
		case SF_FIELD_INT:
		case SF_FIELD_NUMBER:
			{
				Numeric		num;
				char	   *s;

				if (typid == INT2OID)
				{
					appendStringInfo(out, "%d", (int) DatumGetInt16(value));
					return FMT_OK;
				}
				if (typid == INT4OID)
				{
					appendStringInfo(out, "%d", DatumGetInt32(value));
					return FMT_OK;
				}
				if (typid == INT8OID)
				{
					int64		v = DatumGetInt64(value);

					/* 19 digits: beyond every Salesforce number */
					if (v >= INT64CONST(1000000000000000000) ||
						v <= -INT64CONST(1000000000000000000))
					{
						extra->plus = (v > 0);
						return FMT_EXTREME;
					}
					appendStringInfo(out, INT64_FORMAT, v);
					return FMT_OK;
				}
				num = DatumGetNumeric(value);
				s = DatumGetCString(DirectFunctionCall1(numeric_out,
														NumericGetDatum(num)));
				if (numeric_is_nan(num))
				{
					extra->plus = true; /* NaN sorts above every number */
					return FMT_EXTREME;
				}

				/*
				 * Infinities, and numbers with more integer digits than
				 * Salesforce numbers have: beyond every field value.
				 */
				if (numeric_is_inf(num) ||
					count_integer_digits(s) > SF_MAX_NUMBER_DIGITS)
				{
					extra->plus = (s[0] != '-');
					return FMT_EXTREME;
				}
				/* trailing zeros of the fraction say nothing */
				if (strchr(s, '.') != NULL)
				{
					size_t		n = strlen(s);

					while (s[n - 1] == '0')
						s[--n] = '\0';
					if (s[n - 1] == '.')
						s[--n] = '\0';
				}
				/* more digits than a field holds: SOQL may reject the literal */
				if (fclass == SF_FIELD_NUMBER &&
					count_significant_digits(s) > SF_MAX_NUMBER_DIGITS)
					return FMT_UNWRITABLE;
				if (fclass == SF_FIELD_INT)
				{
					char	   *fl;
					char	   *end;
					int64		i64;

					fl = DatumGetCString(DirectFunctionCall1(numeric_out,
															 DirectFunctionCall1(numeric_floor,
																				 NumericGetDatum(num))));
					errno = 0;
					i64 = strtoi64(fl, &end, 10);
					if (errno != 0 || *end != '\0')
					{
						extra->plus = (s[0] != '-');
						return FMT_EXTREME;
					}
					if (!numeric_is_integral(num))
					{
						extra->floor = i64;
						return FMT_NOMATCH;
					}
					appendStringInfo(out, INT64_FORMAT, i64);
					return FMT_OK;
				}
				appendStringInfoString(out, s);
				return FMT_OK;
			}
		case SF_FIELD_DATE:
			{
				DateADT		d = DatumGetDateADT(value);
				int			y,
							m,
							dd;

				if (DATE_NOT_FINITE(d))
				{
					extra->plus = DATE_IS_NOEND(d);
					return FMT_EXTREME;
				}
				j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &dd);
				if (y < 1 || y > 9999)
				{
					extra->plus = (y > 9999);
					return FMT_EXTREME;
				}
				appendStringInfo(out, "%04d-%02d-%02d", y, m, dd);
				return FMT_OK;
			}
		case SF_FIELD_DATETIME:
			{
				/* timestamptz and timestamp (UTC wall time, see convert.c) */
				Timestamp	ts = DatumGetTimestamp(value);
				struct pg_tm tm;
				fsec_t		fsec;

				if (TIMESTAMP_NOT_FINITE(ts))
				{
					extra->plus = TIMESTAMP_IS_NOEND(ts);
					return FMT_EXTREME;
				}
				if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0 ||
					tm.tm_year < 1 || tm.tm_year > 9999)
				{
					extra->plus = (ts > 0);
					return FMT_EXTREME;
				}
				appendStringInfo(out, "%04d-%02d-%02dT%02d:%02d:%02dZ",
								 tm.tm_year, tm.tm_mon, tm.tm_mday,
								 tm.tm_hour, tm.tm_min, tm.tm_sec);
				if (fsec != 0)
				{
					StringInfoData up;
					Timestamp	next = ts - fsec + USECS_PER_SEC;

					extra->fraction = true;
					initStringInfo(&up);
					if (timestamp2tm(next, NULL, &tm, &fsec, NULL, NULL) != 0 ||
						tm.tm_year > 9999)
					{
						/* no upper literal: compare with the lower one */
						extra->plus = true;
						appendStringInfoString(&up, out->data);
					}
					else
						appendStringInfo(&up, "%04d-%02d-%02dT%02d:%02d:%02dZ",
										 tm.tm_year, tm.tm_mon, tm.tm_mday,
										 tm.tm_hour, tm.tm_min, tm.tm_sec);
					extra->rounded_up = up.data;
				}
				return FMT_OK;
			}
		case SF_FIELD_TIME:
			{
				TimeADT		t = DatumGetTimeADT(value);
				int64		ms = t / 1000;

				/* 24:00:00 is later than any time Salesforce holds */
				if (t >= USECS_PER_DAY)
				{
					extra->plus = true;
					return FMT_EXTREME;
				}
				appendStringInfo(out, "%02d:%02d:%02d.%03dZ",
								 (int) (ms / 3600000), (int) (ms / 60000 % 60),
								 (int) (ms / 1000 % 60), (int) (ms % 1000));
				if (t % 1000 != 0)
				{
					StringInfoData up;

					ms++;
					extra->fraction = true;
					initStringInfo(&up);
					if (ms >= 86400000)
						appendStringInfoString(&up, "23:59:59.999Z");
					else
						appendStringInfo(&up, "%02d:%02d:%02d.%03dZ",
										 (int) (ms / 3600000),
										 (int) (ms / 60000 % 60),
										 (int) (ms / 1000 % 60),
										 (int) (ms % 1000));
					extra->rounded_up = up.data;
				}
				return FMT_OK;
			}
	}
	elog(ERROR, "salesforce_fdw: no SOQL literal for field class %d", fclass);
	return FMT_NOMATCH;			/* keep compiler quiet */
}

/*
 * deparse_literal
 *		Append the SOQL literal that stands for exactly 'value' (of type
 *		'typid') compared with a value of 'fclass' (SF_FIELD_INT for counts);
 *		false, with 'out' unchanged, when there is none (infinities, dates
 *		beyond year 9999, datetimes with a fraction of a second, numbers
 *		beyond an integer's range).  Used for HAVING, where only exact
 *		comparisons are sent.
 */
static bool
deparse_literal(StringInfo out, int fclass, Datum value, Oid typid)
{
	StringInfoData lit;
	LiteralExtra extra;

	initStringInfo(&lit);
	if (format_value(&lit, fclass, value, typid, &extra) != FMT_OK ||
		extra.fraction)
		return false;
	appendStringInfoString(out, lit.data);
	return true;
}

/* Digits before the point of numeric_out's text, without leading zeros */
static int
count_integer_digits(const char *s)
{
	int			n = 0;

	if (*s == '-')
		s++;
	while (*s == '0')
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
		n++;
	return n;
}

/* Digits of numeric_out's text from the first non-zero one on */
static int
count_significant_digits(const char *s)
{
	int			n = 0;
	bool		started = false;

	for (; *s; s++)
	{
		if (*s < '0' || *s > '9')
			continue;
		if (*s != '0')
			started = true;
		if (started)
			n++;
	}
	return n;
}

/* Is 'num' (finite) a whole number? */
static bool
numeric_is_integral(Numeric num)
{
	Datum		fl = DirectFunctionCall1(numeric_floor, NumericGetDatum(num));

	return DatumGetBool(DirectFunctionCall2(numeric_eq, fl,
											NumericGetDatum(num)));
}

/*
 * emit_like
 *		Write "field LIKE 'pattern'" for the PostgreSQL pattern 'value'
 *		(default escape \), in a form that matches at least every string the
 *		PostgreSQL LIKE (or ILIKE) matches.  The clause is rechecked.
 *
 * SOQL LIKE upper-cases both sides with the user's locale.  A character
 * PostgreSQL matches one for one may then be two (German sharp s), so _
 * becomes %.  For ILIKE, non-ASCII characters and i and k (whose lower-case
 * partners include the non-ASCII dotted capital I and Kelvin sign) become %
 * too: the rest of ASCII folds alike everywhere.
 */
static void
emit_like(WalkCxt *cxt, const char *field, bool ilike, Datum value)
{
	char	   *pat = TextDatumGetCString(value);
	StringInfoData soql;		/* the escaped pattern, without quotes */
	StringInfoData seg;			/* literal characters not yet escaped */
	const unsigned char *p;
	bool		last_pct = false;

	initStringInfo(&soql);
	initStringInfo(&seg);
	for (p = (const unsigned char *) pat; *p; p++)
	{
		unsigned char c = *p;
		bool		literal = false;

		if (c == '\\')
		{
			p++;
			if (*p == '\0')
			{
				/* PostgreSQL rejects this pattern: let the recheck say so */
				appendStringInfoString(cxt->buf, SF_TRUE_LEAF);
				return;
			}
			c = *p;
			literal = true;
		}
		if ((!literal && (c == '%' || c == '_')) || c >= 0x80 ||
			(ilike && (c == 'i' || c == 'I' || c == 'k' || c == 'K')))
		{
			/* a wildcard; all bytes of a multibyte character go with it */
			if (c >= 0x80)
				while ((p[1] & 0xC0) == 0x80)
					p++;
			if (!last_pct)
			{
				append_escaped(&soql, seg.data, true);
				resetStringInfo(&seg);
				appendStringInfoChar(&soql, '%');
			}
			last_pct = true;
			continue;
		}
		last_pct = false;
		appendStringInfoChar(&seg, (char) c);
	}
	append_escaped(&soql, seg.data, true);

	if (soql.len > SF_MAX_LITERAL_BYTES)
		appendStringInfoString(cxt->buf, SF_TRUE_LEAF);
	else if (strcmp(soql.data, "%") == 0)
		appendStringInfo(cxt->buf, "(%s != null)", field);	/* any value */
	else
		appendStringInfo(cxt->buf, "(%s LIKE '%s')", field, soql.data);
}

/*
 * walk_in
 *		column = ANY (array) and column <> ALL (array): IN and NOT IN.
 */
static bool
walk_in(ScalarArrayOpExpr *saop, bool negate, WalkCxt *cxt)
{
	char		name[NAMEDATALEN];
	Oid			left,
				right;
	Expr	   *arrexpr;
	int			attno;
	int			fclass;
	const char *field;
	SfCmp		cmp;
	bool		in;
	Datum		value;
	bool		isnull;
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	StringInfoData list;
	char	  **literals;
	int			res;
	int			nwritten = 0;
	int			nbytes = 0;
	int			i;
	bool		not_null_only = false;

	if (!builtin_operator(saop->opno, saop->inputcollid, saop->args, name,
						  &left, &right))
		return false;

	attno = column_of(linitial(saop->args), cxt);
	arrexpr = lsecond(saop->args);
	if (attno == 0 || !is_value_expr(arrexpr, cxt->info->varno))
		return false;
	fclass = cxt->info->classes[attno] & SF_FIELD_CLASS_MASK;
	field = cxt->info->fields[attno];

	if (!parse_cmp(name, &cmp) || !same_type_class(left, right) ||
		!class_accepts_type(fclass, left))
		return false;
	/* = ANY is IN; <> ALL is NOT IN; NOT swaps them */
	if (cmp == CMP_EQ && saop->useOr)
		in = !negate;
	else if (cmp == CMP_NE && !saop->useOr)
		in = negate;
	else
		return false;

	switch (fclass)
	{
		case SF_FIELD_STRING:
		case SF_FIELD_PICKLIST:
			cxt->exact = false;
			/* case-insensitive NOT IN would drop rows: see below */
			not_null_only = !in;
			break;
		case SF_FIELD_STRING_CS:
		case SF_FIELD_ID:
		case SF_FIELD_INT:
		case SF_FIELD_NUMBER:
		case SF_FIELD_DATE:
			break;
		default:
			return false;
	}

	if (!IsA(arrexpr, Const))
	{
		/* its size is known only at execution: a long one is not sent */
		cxt->exact = false;
	}

	if ((cxt->info->chunk_target == (Expr *) saop &&
		 cxt->info->value_hook == NULL) ||
		!get_value(cxt, arrexpr, &value, &isnull))
	{
		if (not_null_only)
			return emit_not_null(cxt, field, fclass);
		cxt->has_values = true;
		appendStringInfo(cxt->buf, in ? "(%s IN " : "(%s NOT IN ", field);
		placeholder(cxt);
		if (!in)
			appendStringInfo(cxt->buf, " AND %s != null", field);
		appendStringInfoChar(cxt->buf, ')');
		return true;
	}
	if (isnull)
	{
		appendStringInfoString(cxt->buf, SF_FALSE_LEAF);
		return true;
	}

	arr = DatumGetArrayTypeP(value);
	get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign,
					  &elems, &nulls, &nelems);

	/*
	 * An empty array: = ANY is false and <> ALL true for every row, a null
	 * field included, so no comparison with the field may be sent.
	 */
	if (nelems == 0)
	{
		appendStringInfoString(cxt->buf, in ? SF_FALSE_LEAF : SF_TRUE_LEAF);
		return true;
	}

	literals = (char **) palloc(sizeof(char *) * Max(nelems, 1));
	for (i = 0; i < nelems; i++)
	{
		StringInfoData lit;
		LiteralExtra extra;

		if (nulls[i])
		{
			if (in)
				continue;		/* x = null is never true */
			/* x <> null is never true: NOT IN is false */
			appendStringInfoString(cxt->buf, SF_FALSE_LEAF);
			return true;
		}
		if (not_null_only)
			continue;			/* no list is sent */
		initStringInfo(&lit);
		res = format_value(&lit, fclass, elems[i], right, &extra);
		if (res == FMT_UNWRITABLE)
		{
			if (IsA(arrexpr, Const))
				return false;	/* decided locally */
			appendStringInfoString(cxt->buf, SF_TRUE_LEAF); /* rechecked */
			return true;
		}
		/* values no field value can equal leave both lists alike */
		if (res != FMT_OK)
			continue;
		literals[nwritten++] = lit.data;
		nbytes += lit.len + 2;
	}

	/*
	 * A non-empty NOT IN without null elements is false on a null field: not
	 * null is a superset of it
	 */
	if (not_null_only)
		return emit_not_null(cxt, field, fclass);

	if (nwritten > SF_MAX_IN_VALUES || nbytes > SF_MAX_IN_BYTES)
	{
		/*
		 * Too long for one query.  A constant IN list that is the whole
		 * clause, on a field compared exactly, is sent in chunks, one query
		 * each: the values are made distinct first, so no record matches two
		 * chunks.  Otherwise a constant is decided locally, and a parameter
		 * (rechecked) is sent as no condition.
		 */
		bool		chunkable = in && cxt->top && IsA(arrexpr, Const) &&
		(fclass == SF_FIELD_ID || fclass == SF_FIELD_INT ||
		 fclass == SF_FIELD_DATE || fclass == SF_FIELD_STRING_CS) &&
		(cxt->info->chunk_target == NULL ||
		 cxt->info->chunk_target == (Expr *) saop);

		if (!chunkable)
		{
			if (IsA(arrexpr, Const))
				return false;
			appendStringInfoString(cxt->buf, SF_TRUE_LEAF);
			return true;
		}
		cxt->chunked = true;
		cxt->has_values = true;
		if (cxt->info->value_hook == NULL)
		{
			appendStringInfo(cxt->buf, "(%s IN ", field);
			placeholder(cxt);
			appendStringInfoChar(cxt->buf, ')');
			return true;
		}
		return emit_in_chunk(cxt, field, literals, nwritten);
	}

	initStringInfo(&list);
	for (i = 0; i < nwritten; i++)
	{
		if (i > 0)
			appendStringInfoString(&list, ", ");
		appendStringInfoString(&list, literals[i]);
	}
	if (nwritten == 0)
	{
		/* no element can equal a field value (the array is not empty) */
		if (in)
			appendStringInfoString(cxt->buf, SF_FALSE_LEAF);
		else
			appendStringInfo(cxt->buf, "(%s != null)", field);
		return true;
	}
	if (in)
		appendStringInfo(cxt->buf, "(%s IN (%s))", field, list.data);
	else
		appendStringInfo(cxt->buf, "(%s NOT IN (%s) AND %s != null)",
						 field, list.data, field);
	return true;
}

/* qsort comparator of C strings */
static int
cmp_cstring(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * emit_in_chunk
 *		Write "field IN (...)" for chunk info->chunk of the distinct values
 *		of 'literals' and set info->nchunks.  Chunks hold at most
 *		SF_MAX_IN_VALUES values and SF_MAX_IN_BYTES bytes.
 */
static bool
emit_in_chunk(WalkCxt *cxt, const char *field, char **literals, int n)
{
	int			ndistinct = 0;
	int			chunk = 0;
	int			count = 0;
	int			bytes = 0;
	bool		written = false;
	int			i;

	qsort(literals, n, sizeof(char *), cmp_cstring);
	for (i = 0; i < n; i++)
		if (ndistinct == 0 || strcmp(literals[ndistinct - 1], literals[i]) != 0)
			literals[ndistinct++] = literals[i];

	for (i = 0; i < ndistinct; i++)
	{
		int			len = strlen(literals[i]) + 2;

		if (count > 0 &&
			(count >= SF_MAX_IN_VALUES || bytes + len > SF_MAX_IN_BYTES))
		{
			if (chunk == cxt->info->chunk)
				appendStringInfoString(cxt->buf, "))");
			chunk++;
			count = 0;
			bytes = 0;
		}
		if (chunk == cxt->info->chunk)
		{
			appendStringInfoString(cxt->buf,
								   count == 0 ? "(" : ", ");
			if (count == 0)
				appendStringInfo(cxt->buf, "%s IN (", field);
			appendStringInfoString(cxt->buf, literals[i]);
			written = true;
		}
		count++;
		bytes += len;
	}
	if (written && chunk == cxt->info->chunk)
		appendStringInfoString(cxt->buf, "))");
	cxt->info->nchunks = chunk + 1;
	if (!written)
		appendStringInfoString(cxt->buf, SF_FALSE_LEAF);	/* past the end */
	return true;
}

/*
 * walk_nulltest
 *		IS [NOT] NULL: "= null" / "!= null"; a checkbox is never null.
 */
static bool
walk_nulltest(NullTest *nt, bool negate, WalkCxt *cxt)
{
	int			attno;
	bool		isnull;

	if (nt->argisrow)
		return false;
	attno = column_of(nt->arg, cxt);
	if (attno == 0)
		return false;
	isnull = (nt->nulltesttype == IS_NULL) != negate;
	if ((cxt->info->classes[attno] & SF_FIELD_CLASS_MASK) == SF_FIELD_BOOL)
		appendStringInfoString(cxt->buf,
							   isnull ? SF_FALSE_LEAF : SF_TRUE_LEAF);
	else
		appendStringInfo(cxt->buf, "(%s %s null)", cxt->info->fields[attno],
						 isnull ? "=" : "!=");
	return true;
}

/*
 * walk_booltest
 *		IS [NOT] TRUE / FALSE of a checkbox (never null, so IS NOT TRUE is
 *		= false).
 */
static bool
walk_booltest(BooleanTest *bt, bool negate, WalkCxt *cxt)
{
	int			attno = column_of(bt->arg, cxt);
	bool		want;

	if (attno == 0 ||
		(cxt->info->classes[attno] & SF_FIELD_CLASS_MASK) != SF_FIELD_BOOL)
		return false;
	switch (bt->booltesttype)
	{
		case IS_TRUE:
		case IS_NOT_FALSE:
			want = true;
			break;
		case IS_FALSE:
		case IS_NOT_TRUE:
			want = false;
			break;
		default:
			return false;		/* IS [NOT] UNKNOWN */
	}
	if (negate)
		want = !want;
	appendStringInfo(cxt->buf, "(%s = %s)", cxt->info->fields[attno],
					 want ? "true" : "false");
	return true;
}

/*
 * sortable_field
 *		The field of 'expr' if it is a column whose field SOQL sorts the way
 *		PostgreSQL's default btree order does (numbers, dates, datetimes,
 *		times), else NULL.  Text (case-insensitive, locale-driven),
 *		picklists (definition order), ids and checkboxes are never sorted
 *		remotely.
 */
static const char *
sortable_field(SfDeparseInfo *info, Expr *expr)
{
	int			attno = SfColumnOf(info, expr);
	int			fclass;

	if (attno == 0)
		return NULL;
	fclass = info->classes[attno];
	if (!(fclass & SF_FIELD_SORTABLE))
		return NULL;
	switch (fclass & SF_FIELD_CLASS_MASK)
	{
		case SF_FIELD_INT:
		case SF_FIELD_NUMBER:
		case SF_FIELD_DATE:
		case SF_FIELD_DATETIME:
		case SF_FIELD_TIME:
			return info->fields[attno];
	}
	return NULL;
}

/*
 * SfColumnOf
 *		The attnum of 'expr' if it is a column of the table whose field may
 *		appear in SOQL, else 0.
 */
int
SfColumnOf(SfDeparseInfo *info, Expr *expr)
{
	WalkCxt		cxt;

	cxt.info = info;
	return column_of(expr, &cxt);
}

/*
 * is_valid_id18
 *		Is s (len bytes) an 18-character record id whose last three
 *		characters are the checksum of the first fifteen, as Salesforce
 *		returns every id?  Only such a value can equal an id column.
 */
bool
is_valid_id18(const char *s, size_t len)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
	int			chunk;
	size_t		i;

	if (len != 18)
		return false;
	for (i = 0; i < 18; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
			  (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	for (chunk = 0; chunk < 3; chunk++)
	{
		int			bits = 0;

		for (i = 0; i < 5; i++)
		{
			char		c = s[chunk * 5 + i];

			if (c >= 'A' && c <= 'Z')
				bits |= 1 << i;
		}
		if (s[15 + chunk] != alphabet[bits])
			return false;
	}
	return true;
}

/*
 * append_select
 *		Write "SELECT f1, f2 FROM SObject" into 'buf'.
 *
 * 'fields' is a List of String nodes (field names or relationship paths)
 * in the order the caller wants them; a field already selected (compared
 * case-insensitively, as SOQL does) is not repeated.  An empty list
 * selects Id.
 */
static void
append_select(StringInfo buf, const char *sobject, List *fields)
{
	List	   *written = NIL;
	ListCell   *lc;

	appendStringInfoString(buf, "SELECT ");

	foreach(lc, fields)
	{
		char	   *field = strVal(lfirst(lc));
		ListCell   *lc2;
		bool		seen = false;

		foreach(lc2, written)
		{
			if (pg_strcasecmp(strVal(lfirst(lc2)), field) == 0)
			{
				seen = true;
				break;
			}
		}
		if (seen)
			continue;

		if (written != NIL)
			appendStringInfoString(buf, ", ");
		appendStringInfoString(buf, field);
		written = lappend(written, lfirst(lc));
	}

	if (written == NIL)
		appendStringInfoString(buf, "Id");
	appendStringInfo(buf, " FROM %s", sobject);
}

/*
 * aggregate_soql
 *		The SOQL of an aggregate Salesforce computes exactly as PostgreSQL
 *		does, or NULL: count(*), count(column), and min/max of integer,
 *		date and datetime columns (numbers arrive exact, no collation is
 *		involved; SUM and AVG come back as doubles, MIN/MAX of text follow
 *		another order).
 */
static char *
aggregate_soql(SfDeparseInfo *info, Aggref *agg)
{
	TargetEntry *tle;
	int			attno;
	int			fclass;
	const char *fn;

	if (!IsA(agg, Aggref) || agg->aggfilter != NULL ||
		agg->aggorder != NIL || agg->aggdistinct != NIL ||
		agg->aggkind != AGGKIND_NORMAL || agg->aggvariadic)
		return NULL;
	if (agg->aggstar)
		return agg->aggfnoid == F_COUNT_ ? pstrdup("COUNT(Id)") : NULL;
	if (list_length(agg->args) != 1)
		return NULL;
	tle = linitial_node(TargetEntry, agg->args);
	attno = SfColumnOf(info, tle->expr);
	if (attno == 0)
		return NULL;
	fclass = info->classes[attno];
	if (!(fclass & SF_FIELD_AGGREGATABLE))
		return NULL;

	switch (agg->aggfnoid)
	{
		case F_COUNT_ANY:
			fn = "COUNT";
			break;
		case F_MIN_INT2:
		case F_MIN_INT4:
		case F_MIN_INT8:
		case F_MIN_DATE:
		case F_MIN_TIMESTAMP:
		case F_MIN_TIMESTAMPTZ:
			fn = "MIN";
			break;
		case F_MAX_INT2:
		case F_MAX_INT4:
		case F_MAX_INT8:
		case F_MAX_DATE:
		case F_MAX_TIMESTAMP:
		case F_MAX_TIMESTAMPTZ:
			fn = "MAX";
			break;
		default:
			return NULL;
	}
	if (strcmp(fn, "COUNT") != 0)
	{
		switch (fclass & SF_FIELD_CLASS_MASK)
		{
			case SF_FIELD_INT:
			case SF_FIELD_DATE:
			case SF_FIELD_DATETIME:
				break;
			default:
				return NULL;
		}
	}
	return psprintf("%s(%s)", fn, info->fields[attno]);
}

/*
 * having_soql
 *		The SOQL of a HAVING condition Salesforce evaluates as PostgreSQL
 *		does, or NULL: a built-in comparison (= <> < <= > >=) between an
 *		aggregate aggregate_soql sends and a non-null constant of its type
 *		(any integer type for an integer), with a literal that stands for
 *		exactly that value, written with the aggregate expression since
 *		SOQL takes no alias in HAVING.  <> only on counts, never null: on a
 *		null MIN/MAX SOQL's != is true where PostgreSQL's <> is null.  (The
 *		scan rechecks the conditions anyway.)
 */
static char *
having_soql(SfDeparseInfo *info, Expr *clause)
{
	OpExpr	   *op;
	char		opname[NAMEDATALEN];
	Oid			ltype;
	Oid			rtype;
	Expr	   *left;
	Expr	   *right;
	Aggref	   *agg;
	Const	   *value;
	bool		is_count;
	char	   *agg_text;
	SfCmp		cmp;
	int			fclass;
	StringInfoData buf;

	if (!IsA(clause, OpExpr))
		return NULL;
	op = (OpExpr *) clause;
	if (!builtin_operator(op->opno, op->inputcollid, op->args, opname,
						  &ltype, &rtype) ||
		!parse_cmp(opname, &cmp))
		return NULL;
	left = (Expr *) linitial(op->args);
	right = (Expr *) lsecond(op->args);
	if (IsA(left, Aggref) && IsA(right, Const))
	{
		agg = (Aggref *) left;
		value = (Const *) right;
	}
	else if (IsA(right, Aggref) && IsA(left, Const))
	{
		agg = (Aggref *) right;
		value = (Const *) left;
		cmp = commute_cmp(cmp);
	}
	else
		return NULL;
	if (value->constisnull)
		return NULL;
	agg_text = aggregate_soql(info, agg);
	if (agg_text == NULL)
		return NULL;
	is_count = (agg->aggfnoid == F_COUNT_ || agg->aggfnoid == F_COUNT_ANY);
	if (cmp == CMP_NE && !is_count)
		return NULL;

	/* same type: no cross-type date/timestamp comparison (time zones) */
	switch (agg->aggtype)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
			if (value->consttype != INT2OID && value->consttype != INT4OID &&
				value->consttype != INT8OID)
				return NULL;
			fclass = SF_FIELD_INT;
			break;
		case DATEOID:
			fclass = SF_FIELD_DATE;
			break;
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			fclass = SF_FIELD_DATETIME;
			break;
		default:
			return NULL;
	}
	if (fclass != SF_FIELD_INT && value->consttype != agg->aggtype)
		return NULL;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s %s ", agg_text, cmp_soql[cmp]);
	if (!deparse_literal(&buf, fclass, value->constvalue, value->consttype))
		return NULL;
	return buf.data;
}

/*
 * pathkey_field
 *		The field Salesforce sorts by for 'pk' exactly as PostgreSQL does,
 *		or NULL: a column of 'rel' in the pathkey's equivalence class, of a
 *		sortable field class, under its type's default btree order.
 */
static const char *
pathkey_field(RelOptInfo *rel, SfDeparseInfo *info, PathKey *pk)
{
	EquivalenceClass *ec = pk->pk_eclass;
	const char *field = NULL;
	ListCell   *lc;

	if (ec->ec_has_volatile ||
		(!sf_pathkey_is_asc(pk) && !sf_pathkey_is_desc(pk)))
		return NULL;
	foreach(lc, ec->ec_members)
	{
		EquivalenceMember *em = (EquivalenceMember *) lfirst(lc);
		Oid			typid;
		Oid			opclass;

		if (em->em_is_child || !bms_equal(em->em_relids, rel->relids))
			continue;
		field = sortable_field(info, em->em_expr);
		if (field == NULL)
			continue;
		/* the type's default order, not some other operator family */
		typid = exprType((Node *) em->em_expr);
		opclass = GetDefaultOpClass(typid, BTREE_AM_OID);
		if (!OidIsValid(opclass) ||
			get_opclass_family(opclass) != pk->pk_opfamily)
		{
			field = NULL;
			continue;
		}
		break;
	}
	return field;
}

/*
 * SfAggregateShippable
 *		May Salesforce compute 'expr', an aggregate of the table?
 */
bool
SfAggregateShippable(SfDeparseInfo *info, Expr *expr)
{
	return aggregate_soql(info, (Aggref *) expr) != NULL;
}

/*
 * SfHavingShippable
 *		May Salesforce evaluate 'clause', one condition of a HAVING?
 */
bool
SfHavingShippable(SfDeparseInfo *info, Expr *clause)
{
	return having_soql(info, clause) != NULL;
}

/*
 * SfGroupKeyShippable
 *		May Salesforce GROUP BY 'expr'?  A groupable column of a field class
 *		whose grouping is PostgreSQL's (text groups case-insensitively).
 */
bool
SfGroupKeyShippable(SfDeparseInfo *info, Expr *expr)
{
	int			attno = SfColumnOf(info, expr);
	int			fclass;

	if (attno == 0)
		return false;
	fclass = info->classes[attno];
	if (!(fclass & SF_FIELD_GROUPABLE))
		return false;
	switch (fclass & SF_FIELD_CLASS_MASK)
	{
		case SF_FIELD_INT:
		case SF_FIELD_DATE:
		case SF_FIELD_DATETIME:
		case SF_FIELD_ID:
		case SF_FIELD_BOOL:
			return true;
	}
	return false;
}

/*
 * SfPathkeysShippable
 *		May Salesforce sort the records of 'rel' by 'pathkeys' (not NIL)?
 */
bool
SfPathkeysShippable(RelOptInfo *rel, SfDeparseInfo *info, List *pathkeys)
{
	ListCell   *lc;

	if (pathkeys == NIL)
		return false;
	foreach(lc, pathkeys)
	{
		if (pathkey_field(rel, info, (PathKey *) lfirst(lc)) == NULL)
			return false;
	}
	return true;
}

/*
 * SfColumnIsLookup
 *		Is column 'attno' an Id, reference or external id field, worth a
 *		parameterized path?
 */
bool
SfColumnIsLookup(SfDeparseInfo *info, int attno)
{
	return (info->classes[attno] & SF_FIELD_LOOKUP) != 0;
}

/*
 * finish_stmt
 *		Fill 'stmt' from its head and tail: the text as planned has the
 *		WHERE of 'remote_exprs' between them, values known only at
 *		execution written as $1, $2, ...
 */
static void
finish_stmt(SfSoqlStmt *stmt, SfDeparseInfo *info, StringInfo head,
			StringInfo tail, List *remote_exprs)
{
	StringInfoData text;

	initStringInfo(&text);
	appendStringInfoString(&text, head->data);
	info->nplaceholders = 0;
	stmt->never_true = SfDeparseWhere(&text, info, remote_exprs);
	appendStringInfoString(&text, tail->data);
	stmt->head = head->data;
	stmt->tail = tail->data;
	stmt->text = text.data;
}

/*
 * SfDeparseRecordsStmt
 *		SELECT 'fields' FROM 'sobject' WHERE 'remote_exprs', sorted by
 *		'pathkeys' of 'rel' (when shippable, NIL for no ORDER BY), with a
 *		LIMIT and OFFSET when 'limit' and 'offset' are positive.
 */
void
SfDeparseRecordsStmt(SfSoqlStmt *stmt, SfDeparseInfo *info,
					 const char *sobject, List *fields, List *remote_exprs,
					 RelOptInfo *rel, List *pathkeys, int64 limit,
					 int64 offset)
{
	StringInfoData head;
	StringInfoData tail;

	initStringInfo(&head);
	append_select(&head, sobject, fields);
	initStringInfo(&tail);
	if (SfPathkeysShippable(rel, info, pathkeys))
	{
		ListCell   *lc;

		appendStringInfoString(&tail, " ORDER BY ");
		foreach(lc, pathkeys)
		{
			PathKey    *pk = (PathKey *) lfirst(lc);

			appendStringInfo(&tail, "%s%s %s NULLS %s",
							 foreach_current_index(lc) > 0 ? ", " : "",
							 pathkey_field(rel, info, pk),
							 sf_pathkey_is_asc(pk) ? "ASC" : "DESC",
							 pk->pk_nulls_first ? "FIRST" : "LAST");
		}
	}
	if (limit > 0)
		appendStringInfo(&tail, " LIMIT " INT64_FORMAT, limit);
	if (offset > 0)
		appendStringInfo(&tail, " OFFSET " INT64_FORMAT, offset);
	finish_stmt(stmt, info, &head, &tail, remote_exprs);
}

/*
 * SfDeparseCountStmt
 *		SELECT COUNT() FROM 'sobject' WHERE 'remote_exprs': no record
 *		travels, the count is the reply's totalSize.
 */
void
SfDeparseCountStmt(SfSoqlStmt *stmt, SfDeparseInfo *info,
				   const char *sobject, List *remote_exprs)
{
	StringInfoData head;
	StringInfoData tail;

	initStringInfo(&head);
	appendStringInfo(&head, "SELECT COUNT() FROM %s", sobject);
	initStringInfo(&tail);
	finish_stmt(stmt, info, &head, &tail, remote_exprs);
}

/*
 * SfDeparseAggregateStmt
 *		An aggregate query: per item of 'agg_exprs' an aggregate (each
 *		accepted by SfAggregateShippable) aliased a0, a1, ... by position,
 *		or a grouping column; WHERE 'remote_exprs'; with 'group_exprs' (each
 *		accepted by SfGroupKeyShippable) GROUP BY them, HAVING 'having' (each
 *		accepted by SfHavingShippable) and LIMIT 2,000, the most groups
 *		Salesforce returns.  Returns the record key of each item (String
 *		nodes), in the order of 'agg_exprs'.
 */
List *
SfDeparseAggregateStmt(SfSoqlStmt *stmt, SfDeparseInfo *info,
					   const char *sobject, List *agg_exprs,
					   List *group_exprs, List *having, List *remote_exprs)
{
	StringInfoData head;
	StringInfoData tail;
	List	   *keys = NIL;
	ListCell   *lc;

	initStringInfo(&head);
	appendStringInfoString(&head, "SELECT ");
	foreach(lc, agg_exprs)
	{
		Expr	   *expr = (Expr *) lfirst(lc);
		int			i = foreach_current_index(lc);
		char	   *key;

		if (IsA(expr, Aggref))
		{
			key = psprintf("a%d", i);
			appendStringInfo(&head, "%s%s %s", i > 0 ? ", " : "",
							 aggregate_soql(info, (Aggref *) expr), key);
		}
		else
		{
			/* a grouping column: its field, not aliased */
			key = info->fields[SfColumnOf(info, expr)];
			appendStringInfo(&head, "%s%s", i > 0 ? ", " : "", key);
		}
		keys = lappend(keys, makeString(key));
	}
	appendStringInfo(&head, " FROM %s", sobject);

	initStringInfo(&tail);
	if (group_exprs != NIL)
	{
		foreach(lc, group_exprs)
			appendStringInfo(&tail, "%s%s",
							 foreach_current_index(lc) == 0 ? " GROUP BY " : ", ",
							 info->fields[SfColumnOf(info, (Expr *) lfirst(lc))]);
		foreach(lc, having)
			appendStringInfo(&tail, "%s%s",
							 foreach_current_index(lc) == 0 ? " HAVING " : " AND ",
							 having_soql(info, (Expr *) lfirst(lc)));
		appendStringInfo(&tail, " LIMIT %d", SF_MAX_AGGREGATE_ROWS);
	}
	finish_stmt(stmt, info, &head, &tail, remote_exprs);
	return keys;
}

/*
 * SfDeparseStringLiteral
 *		Append 'val' to 'buf' as a SOQL string literal, quotes included.
 *		The one quoting function: every string value reaches SOQL through it
 *		(LIKE patterns through its core, append_escaped).
 */
void
SfDeparseStringLiteral(StringInfo buf, const char *val)
{
	appendStringInfoChar(buf, '\'');
	append_escaped(buf, val, false);
	appendStringInfoChar(buf, '\'');
}

/*
 * append_escaped
 *		Append the characters of 'val' escaped for the inside of a SOQL
 *		string literal; with 'like', % and _ are escaped as well (\% and \_,
 *		escapes SOQL knows only in LIKE patterns).
 *
 * SOQL knows the escapes \n \r \t \b \f \" \' \\ and \uXXXX.  Every
 * other control character is written as \uXXXX so that
 * no raw control character reaches the query text.  The input is in the
 * server encoding; bytes of multibyte characters are copied unchanged
 * (the query is sent as UTF-8 by the transport).
 */
static void
append_escaped(StringInfo buf, const char *val, bool like)
{
	const unsigned char *p;

	for (p = (const unsigned char *) val; *p; p++)
	{
		switch (*p)
		{
			case '\'':
				appendStringInfoString(buf, "\\'");
				break;
			case '\\':
				appendStringInfoString(buf, "\\\\");
				break;
			case '\n':
				appendStringInfoString(buf, "\\n");
				break;
			case '\r':
				appendStringInfoString(buf, "\\r");
				break;
			case '\t':
				appendStringInfoString(buf, "\\t");
				break;
			case '\b':
				appendStringInfoString(buf, "\\b");
				break;
			case '\f':
				appendStringInfoString(buf, "\\f");
				break;
			case '%':
			case '_':
				if (like)
					appendStringInfoChar(buf, '\\');
				appendStringInfoChar(buf, (char) *p);
				break;
			default:
				if (*p < 0x20 || *p == 0x7f)
					appendStringInfo(buf, "\\u%04X", (unsigned int) *p);
				else
					appendStringInfoChar(buf, (char) *p);
				break;
		}
	}
}
