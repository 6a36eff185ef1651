/*-------------------------------------------------------------------------
 *
 * import.c
 *		  IMPORT FOREIGN SCHEMA: one foreign table per sObject of the org.
 *
 * The only remote schema is "salesforce".  LIMIT TO and EXCEPT name
 * sObjects and match them case-insensitively, as Salesforce does; this
 * file filters itself, since PostgreSQL would compare them with the local
 * table names.  Generated names never collide ("_2", "_3", ...), and every
 * identifier and literal of the DDL is quoted.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "salesforce_fdw.h"		/* first: see the json_object note there */

#include <limits.h>

#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/formatting.h"

/* How API names become PostgreSQL identifiers. */
typedef enum SfNaming
{
	SF_NAMING_SNAKE,			/* BillingCity -> billing_city */
	SF_NAMING_LOWER,			/* BillingCity -> billingcity */
	SF_NAMING_EXACT				/* BillingCity -> "BillingCity" */
} SfNaming;

/* Which sObjects the option "objects" selects. */
typedef enum SfObjectsFilter
{
	SF_OBJECTS_ALL,
	SF_OBJECTS_STANDARD,
	SF_OBJECTS_CUSTOM
} SfObjectsFilter;

/* The options of one IMPORT FOREIGN SCHEMA, resolved. */
typedef struct SfImportOptions
{
	SfNaming	naming;
	SfObjectsFilter objects;
	bool		include_compound;
	char	   *query_all;		/* table option to pass on, or NULL */
	char	   *fetch_size;		/* table option to pass on, or NULL */
} SfImportOptions;

/* varchar's largest length modifier (VARCHAR's MaxAttrSize in chars) */
#define SF_MAX_VARCHAR_LENGTH	10485760

/* numeric's largest precision */
#define SF_MAX_NUMERIC_PRECISION	1000

#define SF_IMPORT_VALID_OPTIONS \
	"naming, objects, include_compound, query_all, fetch_size"

static void parse_import_options(List *options, SfImportOptions *opts);
static int	compare_sobject_names(const void *a, const void *b);
static char *make_identifier(const char *api_name, SfNaming naming);
static char *snake_case(const char *api_name);
static char *unique_name(const char *base, List **used);
static const char *column_type(const SfFieldDesc *field,
							   const SfImportOptions *opts);
static char *table_ddl(const SfSObjectDesc *desc, const char *table_name,
					   const char *local_schema, const char *server_name,
					   const SfImportOptions *opts);

/*
 * parse_import_options
 *		Check the OPTIONS of the statement and resolve them into 'opts'.
 *
 * Unknown options are an error listing the valid ones.  query_all and
 * fetch_size are checked here, by option.c's parsers, so a bad value is
 * reported once and not for every table.
 */
static void
parse_import_options(List *options, SfImportOptions *opts)
{
	ListCell   *lc;

	opts->naming = SF_NAMING_SNAKE;
	opts->objects = SF_OBJECTS_ALL;
	opts->include_compound = true;
	opts->query_all = NULL;
	opts->fetch_size = NULL;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const char *value = defGetString(def);

		if (strcmp(def->defname, "naming") == 0)
		{
			if (pg_strcasecmp(value, "snake") == 0)
				opts->naming = SF_NAMING_SNAKE;
			else if (pg_strcasecmp(value, "lower") == 0)
				opts->naming = SF_NAMING_LOWER;
			else if (pg_strcasecmp(value, "exact") == 0)
				opts->naming = SF_NAMING_EXACT;
			else
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for option \"naming\": \"%s\"",
								value),
						 errhint("Valid values are snake, lower and exact.")));
		}
		else if (strcmp(def->defname, "objects") == 0)
		{
			if (pg_strcasecmp(value, "all") == 0)
				opts->objects = SF_OBJECTS_ALL;
			else if (pg_strcasecmp(value, "standard") == 0)
				opts->objects = SF_OBJECTS_STANDARD;
			else if (pg_strcasecmp(value, "custom") == 0)
				opts->objects = SF_OBJECTS_CUSTOM;
			else
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("invalid value for option \"objects\": \"%s\"",
								value),
						 errhint("Valid values are all, standard and custom.")));
		}
		else if (strcmp(def->defname, "include_compound") == 0)
			opts->include_compound = SfParseBoolOption(def);
		else if (strcmp(def->defname, "query_all") == 0)
			opts->query_all = SfParseBoolOption(def) ? "true" : "false";
		else if (strcmp(def->defname, "fetch_size") == 0)
			opts->fetch_size = psprintf("%d",
										SfParseIntOption(def, SF_MIN_FETCH_SIZE,
														 SF_MAX_FETCH_SIZE));
		else
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", def->defname),
					 errhint("Valid options of IMPORT FOREIGN SCHEMA are: %s.",
							 SF_IMPORT_VALID_OPTIONS)));
	}
}

/* qsort comparator: sObject names, case-insensitively, ties by bytes */
static int
compare_sobject_names(const void *a, const void *b)
{
	const char *na = *(const char *const *) a;
	const char *nb = *(const char *const *) b;
	int			c = pg_strcasecmp(na, nb);

	return c != 0 ? c : strcmp(na, nb);
}

/*
 * snake_case
 *		BillingCity -> billing_city, AccountId -> account_id,
 *		SLAExpirationDate__c -> sla_expiration_date__c.
 *
 * Each part between double underscores (namespace, name, suffix) is
 * converted on its own and the double underscores are kept.  Within a part
 * an underscore goes before an upper-case letter that follows a lower-case
 * letter or a digit, and before the last capital of a run of capitals
 * followed by a lower-case letter, so an acronym stays one word ("SLA",
 * "URL").  Existing underscores are kept and never doubled.
 */
static char *
snake_case(const char *api_name)
{
	StringInfoData buf;
	const char *p;

	initStringInfo(&buf);
	for (p = api_name; *p; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (c >= 'A' && c <= 'Z')
		{
			unsigned char prev = (p > api_name) ? (unsigned char) p[-1] : 0;
			unsigned char next = (unsigned char) p[1];
			bool		prev_lower = (prev >= 'a' && prev <= 'z');
			bool		prev_digit = (prev >= '0' && prev <= '9');
			bool		prev_upper = (prev >= 'A' && prev <= 'Z');
			bool		next_lower = (next >= 'a' && next <= 'z');

			if (prev_lower || prev_digit || (prev_upper && next_lower))
				appendStringInfoChar(&buf, '_');
			appendStringInfoChar(&buf, (char) (c - 'A' + 'a'));
		}
		else
			appendStringInfoChar(&buf, (char) c);
	}
	return buf.data;
}

/*
 * make_identifier
 *		The local name for an API name under 'naming' (palloc'd, unquoted).
 */
static char *
make_identifier(const char *api_name, SfNaming naming)
{
	char	   *name;

	switch (naming)
	{
		case SF_NAMING_SNAKE:
			name = snake_case(api_name);
			break;
		case SF_NAMING_LOWER:
			name = asc_tolower(api_name, strlen(api_name));
			break;
		case SF_NAMING_EXACT:
		default:
			name = pstrdup(api_name);
			break;
	}
	return name;
}

/*
 * unique_name
 *		'base' if it is not in *used yet, else base_2, base_3, ...; the
 *		result is added to *used.  Names are cut to NAMEDATALEN - 1 bytes
 *		(as PostgreSQL would cut them) before the comparison, leaving room
 *		for the suffix.  API names are ASCII, so cutting bytes is safe.
 */
static char *
unique_name(const char *base, List **used)
{
	char	   *candidate;
	int			n;

	for (n = 1;; n++)
	{
		ListCell   *lc;
		bool		taken = false;
		char		suffix[16];
		int			room;

		suffix[0] = '\0';
		if (n > 1)
			snprintf(suffix, sizeof(suffix), "_%d", n);
		room = NAMEDATALEN - 1 - (int) strlen(suffix);
		candidate = psprintf("%.*s%s", room, base, suffix);

		foreach(lc, *used)
		{
			if (strcmp((char *) lfirst(lc), candidate) == 0)
			{
				taken = true;
				break;
			}
		}
		if (!taken)
			break;
		pfree(candidate);
	}
	*used = lappend(*used, candidate);
	return candidate;
}

/*
 * column_type
 *		The PostgreSQL type of the column for 'field', or NULL if the field
 *		is left out.
 *
 * base64 fields are left out: their JSON value is the URL of the blob,
 * not its data, and fetching the data would take one
 * request per row.  Compound fields (address, location) are left out when
 * include_compound is false; their components stay ordinary columns.
 */
static const char *
column_type(const SfFieldDesc *field, const SfImportOptions *opts)
{
	const char *t = field->type;

	if (strcmp(t, "id") == 0 || strcmp(t, "reference") == 0)
		return "varchar(18)";
	if (strcmp(t, "string") == 0 || strcmp(t, "textarea") == 0 ||
		strcmp(t, "picklist") == 0 || strcmp(t, "email") == 0 ||
		strcmp(t, "phone") == 0 || strcmp(t, "url") == 0 ||
		strcmp(t, "combobox") == 0 || strcmp(t, "encryptedstring") == 0)
	{
		/* no length given, or more than varchar can declare: unbounded */
		if (field->length <= 0 || field->length > SF_MAX_VARCHAR_LENGTH)
			return "text";
		return psprintf("varchar(%d)", field->length);
	}
	if (strcmp(t, "multipicklist") == 0)
		return "text[]";
	if (strcmp(t, "boolean") == 0)
		return "boolean";
	if (strcmp(t, "int") == 0)
		return "integer";
	if (strcmp(t, "long") == 0)
		return "bigint";
	if (strcmp(t, "double") == 0 || strcmp(t, "currency") == 0 ||
		strcmp(t, "percent") == 0)
	{
		if (field->precision <= 0 ||
			field->precision > SF_MAX_NUMERIC_PRECISION ||
			field->scale < 0 || field->scale > field->precision)
			return "numeric";
		return psprintf("numeric(%d,%d)", field->precision, field->scale);
	}
	if (strcmp(t, "date") == 0)
		return "date";
	if (strcmp(t, "datetime") == 0)
		return "timestamptz";
	if (strcmp(t, "time") == 0)
		return "time";
	if (strcmp(t, "address") == 0 || strcmp(t, "location") == 0)
		return opts->include_compound ? "jsonb" : NULL;
	if (strcmp(t, "json") == 0 || strcmp(t, "complexvalue") == 0)
		return "jsonb";
	if (strcmp(t, "base64") == 0)
		return NULL;
	/* anyType, datacategorygroupreference and types yet to come */
	return "text";
}

/*
 * table_ddl
 *		The CREATE FOREIGN TABLE statement for one sObject.
 */
static char *
table_ddl(const SfSObjectDesc *desc, const char *table_name,
		  const char *local_schema, const char *server_name,
		  const SfImportOptions *opts)
{
	StringInfoData buf;
	List	   *used = NIL;
	bool		first = true;
	int			i;

	/* names a foreign table column cannot have */
	used = lappend(used, pstrdup("tableoid"));
	used = lappend(used, pstrdup("ctid"));
	used = lappend(used, pstrdup("xmin"));
	used = lappend(used, pstrdup("xmax"));
	used = lappend(used, pstrdup("cmin"));
	used = lappend(used, pstrdup("cmax"));

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE FOREIGN TABLE %s.%s (",
					 quote_identifier(local_schema),
					 quote_identifier(table_name));

	for (i = 0; i < desc->nfields; i++)
	{
		const SfFieldDesc *field = &desc->fields[i];
		const char *type = column_type(field, opts);
		char	   *column;

		if (type == NULL)
			continue;
		column = unique_name(make_identifier(field->name, opts->naming),
							 &used);
		appendStringInfo(&buf, "%s\n  %s %s OPTIONS (field %s)%s",
						 first ? "" : ",",
						 quote_identifier(column), type,
						 quote_literal_cstr(field->name),
						 field->nillable ? "" : " NOT NULL");
		first = false;
	}

	appendStringInfo(&buf, "\n) SERVER %s OPTIONS (sobject %s",
					 quote_identifier(server_name),
					 quote_literal_cstr(desc->name));
	if (opts->query_all)
		appendStringInfo(&buf, ", query_all %s",
						 quote_literal_cstr(opts->query_all));
	if (opts->fetch_size)
		appendStringInfo(&buf, ", fetch_size %s",
						 quote_literal_cstr(opts->fetch_size));
	appendStringInfoString(&buf, ")");
	return buf.data;
}

/*
 * SfImportForeignSchema
 *		The ImportForeignSchema callback: the CREATE FOREIGN TABLE statements
 *		for the sObjects selected by the statement.
 */
List *
SfImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	UserMapping *user;
	SfConnection *conn;
	SfImportOptions opts;
	const SfGlobalDesc *global;
	const SfSObjectDesc **descs;
	const char **names;
	int			nnames = 0;
	List	   *used_tables = NIL;
	List	   *commands = NIL;
	ListCell   *lc;
	int			i;

	if (pg_strcasecmp(stmt->remote_schema, "salesforce") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("schema \"%s\" does not exist on foreign server \"%s\"",
						stmt->remote_schema, server->servername),
				 errdetail("A Salesforce org has a single schema, \"salesforce\"."),
				 errhint("Use IMPORT FOREIGN SCHEMA salesforce FROM SERVER %s INTO ...",
						 quote_identifier(server->servername))));

	parse_import_options(stmt->options, &opts);

	user = GetUserMapping(GetUserId(), serverOid);
	conn = SfGetConnection(user);

	/* an import wants the org as it is now, not as this backend saw it */
	SfDescribeForget(conn);
	global = SfDescribeGlobal(conn);

	names = palloc(sizeof(char *) * Max(global->nsobjects, 1));

	if (stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO)
	{
		/* every name must exist, whatever the other options select */
		foreach(lc, stmt->table_list)
		{
			RangeVar   *rv = (RangeVar *) lfirst(lc);
			const SfGlobalSObject *so = NULL;
			bool		dup = false;

			for (i = 0; i < global->nsobjects; i++)
			{
				if (pg_strcasecmp(global->sobjects[i].name, rv->relname) == 0)
				{
					so = &global->sobjects[i];
					break;
				}
			}
			if (so == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
						 errmsg("Salesforce object \"%s\" does not exist on foreign server \"%s\"",
								rv->relname, server->servername),
						 errhint("LIMIT TO takes sObject API names, such as Account or Invoice__c (custom objects end in __c).")));
			if (!so->queryable)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
						 errmsg("Salesforce object \"%s\" cannot be queried",
								so->name),
						 errdetail("Its describe says it is not queryable."),
						 errhint("Remove it from LIMIT TO.")));
			if ((opts.objects == SF_OBJECTS_STANDARD && so->custom) ||
				(opts.objects == SF_OBJECTS_CUSTOM && !so->custom))
				continue;
			for (i = 0; i < nnames && !dup; i++)
				dup = (strcmp(names[i], so->name) == 0);
			if (!dup)
				names[nnames++] = so->name;
		}
	}
	else
	{
		for (i = 0; i < global->nsobjects; i++)
		{
			const SfGlobalSObject *so = &global->sobjects[i];
			bool		excluded = false;

			if (!so->queryable || so->deprecated_and_hidden)
				continue;
			if ((opts.objects == SF_OBJECTS_STANDARD && so->custom) ||
				(opts.objects == SF_OBJECTS_CUSTOM && !so->custom))
				continue;
			if (stmt->list_type == FDW_IMPORT_SCHEMA_EXCEPT)
			{
				/* names the org does not have are ignored, as elsewhere */
				foreach(lc, stmt->table_list)
				{
					RangeVar   *rv = (RangeVar *) lfirst(lc);

					if (pg_strcasecmp(so->name, rv->relname) == 0)
					{
						excluded = true;
						break;
					}
				}
			}
			if (!excluded)
				names[nnames++] = so->name;
		}
	}

	/* API-name order: the order of tables and of collision suffixes */
	if (nnames > 1)
		qsort(names, nnames, sizeof(char *), compare_sobject_names);

	descs = SfDescribeMany(conn, names, nnames);
	for (i = 0; i < nnames; i++)
	{
		char	   *table = unique_name(make_identifier(descs[i]->name,
														opts.naming),
										&used_tables);

		commands = lappend(commands,
						   table_ddl(descs[i], table, stmt->local_schema,
									 server->servername, &opts));
	}

	/*
	 * The statements are already filtered, by sObject name.  PostgreSQL would
	 * filter them again comparing LIMIT TO/EXCEPT names with the local table
	 * names, which differ from the sObject names under every naming but an
	 * exact match; tell it the list is complete.  (PostgreSQL 14 and later
	 * copy the statement before executing it, so this does not leak into a
	 * cached plan; 13 does not.)
	 */
	stmt->list_type = FDW_IMPORT_SCHEMA_ALL;

	return commands;
}
