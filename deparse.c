/*-------------------------------------------------------------------------
 *
 * deparse.c
 *		  Build the SOQL statements salesforce_fdw sends to Salesforce.
 *
 * Two parts, as in postgres_fdw: a classifier decides which restriction
 * clauses Salesforce could evaluate (is_foreign_expr, the hook for a future
 * foreign_expr_walker; for now nothing is shipped and every clause is
 * checked locally), and emitters write SOQL into a StringInfo.
 *
 * SOQL traps this file guards against (reference sections 4 and 12):
 *	- string literals are quoted with backslash escapes ('\'' is \', never
 *	  ''), and control characters are escaped, because any other backslash
 *	  or a raw control character is a syntax error or changes the meaning;
 *	- the same field may not be selected twice ("duplicate field selected"),
 *	  and field names compare case-insensitively, so the select list is
 *	  deduplicated without regard to case;
 *	- a SELECT needs at least one field: Id is selected when the query needs
 *	  no column at all;
 *	- object and field names are written unquoted (SOQL has no quoted
 *	  identifiers); option.c admits only API names, so they cannot inject.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "salesforce_fdw.h"		/* first: see the json_object note there */

#include "nodes/nodes.h"
#include "nodes/pg_list.h"
#include "optimizer/optimizer.h"
#include "utils/rel.h"

/*
 * is_foreign_expr
 *		Could Salesforce evaluate 'expr' for 'baserel' with the same result as
 *		PostgreSQL?
 *
 * Nothing is pushed down yet: every clause is evaluated locally.  A later
 * version walks the expression here (foreign_expr_walker) and accepts the
 * operators whose SOQL semantics match PostgreSQL's (see the traps in the
 * reference, section 12).
 */
bool
is_foreign_expr(PlannerInfo *root, RelOptInfo *baserel, Expr *expr)
{
	return false;
}

/*
 * classifyConditions
 *		Split 'input_conds' (RestrictInfos) into those Salesforce can
 *		evaluate (*remote_conds) and those PostgreSQL must (*local_conds).
 */
void
classifyConditions(PlannerInfo *root, RelOptInfo *baserel,
				   List *input_conds, List **remote_conds,
				   List **local_conds)
{
	ListCell   *lc;

	*remote_conds = NIL;
	*local_conds = NIL;

	foreach(lc, input_conds)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (is_foreign_expr(root, baserel, ri->clause))
			*remote_conds = lappend(*remote_conds, ri);
		else
			*local_conds = lappend(*local_conds, ri);
	}
}

/*
 * deparseSelectSoql
 *		Write "SELECT f1, f2 FROM SObject" into 'buf'.
 *
 * 'fields' is a List of String nodes (field names or relationship paths)
 * in the order the caller wants them; a field already selected (compared
 * case-insensitively, as SOQL does) is not repeated.  An empty list
 * selects Id.  Returns the list of distinct fields actually written.
 */
List *
deparseSelectSoql(StringInfo buf, const char *sobject, List *fields)
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
	{
		appendStringInfoString(buf, "Id");
		written = lappend(written, makeString(pstrdup("Id")));
	}

	appendStringInfo(buf, " FROM %s", sobject);

	return written;
}

/*
 * deparseStringLiteral
 *		Append 'val' to 'buf' as a SOQL string literal, quotes included.
 *
 * SOQL knows the escapes \n \r \t \b \f \" \' \\ and \uXXXX (reference
 * section 4.3).  Every other control character is written as \uXXXX so that
 * no raw control character reaches the query text.  The input is in the
 * server encoding; bytes of multibyte characters are copied unchanged
 * (the query is sent as UTF-8 by the transport).
 */
void
deparseStringLiteral(StringInfo buf, const char *val)
{
	const unsigned char *p;

	appendStringInfoChar(buf, '\'');
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
			default:
				if (*p < 0x20 || *p == 0x7f)
					appendStringInfo(buf, "\\u%04X", (unsigned int) *p);
				else
					appendStringInfoChar(buf, (char) *p);
				break;
		}
	}
	appendStringInfoChar(buf, '\'');
}
