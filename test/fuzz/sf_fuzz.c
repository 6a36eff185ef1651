/*-------------------------------------------------------------------------
 *
 * sf_fuzz.c
 *		  Test-only entry points into salesforce_fdw's SOQL string quoting
 *		  and JSON-to-Datum conversion, for the hostile-input test.
 *
 * The functions are looked up in the installed salesforce_fdw library (the
 * sanitizer build included), so the test exercises exactly the code the
 * extension runs: SfDeparseStringLiteral() and SfJsonParse() +
 * SfInitColumnConv() + SfJsonToDatum().  Nothing here is part of the
 * extension; test/scenarios/test_fuzz.py creates the SQL functions.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "salesforce_fdw.h"		/* first after postgres.h: json_object */

#include "fmgr.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

PG_MODULE_MAGIC;

typedef void (*quote_fn) (StringInfo buf, const char *val);
typedef json_object *(*parse_fn) (const char *text, size_t len);
typedef void (*init_conv_fn) (SfColumnConv *conv, Oid typid, int32 typmod,
							  const char *sobject, const char *field,
							  const char *column);
typedef Datum (*to_datum_fn) (SfColumnConv *conv, json_object *value,
							  bool *isnull);

static void *
fdw_function(const char *name)
{
	return load_external_function("$libdir/salesforce_fdw", name, true, NULL);
}

PG_FUNCTION_INFO_V1(fuzz_quote);
PG_FUNCTION_INFO_V1(fuzz_convert);

/*
 * fuzz_quote(text) returns text
 *		The SOQL string literal deparse.c writes for the value, quotes
 *		included.
 */
Datum
fuzz_quote(PG_FUNCTION_ARGS)
{
	static quote_fn quote = NULL;
	StringInfoData buf;

	if (quote == NULL)
		quote = (quote_fn) fdw_function("SfDeparseStringLiteral");
	initStringInfo(&buf);
	quote(&buf, text_to_cstring(PG_GETARG_TEXT_PP(0)));
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}

/*
 * fuzz_convert(body bytea, field text, typ regtype, typmod int) returns text
 *		Parse 'body' as a Salesforce response would be parsed; convert the
 *		value of 'field' of every record of its "records" array (or of the
 *		body itself when it is an object without one, or the whole body when
 *		'field' is NULL) to 'typ'/'typmod' as a scan fills a column, and
 *		return the values' output text, one line each ("NULL" for null).
 *		A body that is not JSON raises 22P02; conversion errors propagate.
 */
Datum
fuzz_convert(PG_FUNCTION_ARGS)
{
	static parse_fn parse = NULL;
	static init_conv_fn init_conv = NULL;
	static to_datum_fn to_datum = NULL;
	bytea	   *body;
	char	   *field = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	Oid			typid;
	int32		typmod = PG_ARGISNULL(3) ? -1 : PG_GETARG_INT32(3);
	MemoryContext cxt;
	MemoryContext old;
	StringInfoData out;
	SfColumnConv conv;
	json_object *doc;
	json_object *records = NULL;
	char	   *data;
	size_t		len;
	size_t		nvalues;
	size_t		i;
	Oid			outfunc;
	bool		varlena;
	text	   *result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	if (parse == NULL)
	{
		parse = (parse_fn) fdw_function("SfJsonParse");
		init_conv = (init_conv_fn) fdw_function("SfInitColumnConv");
		to_datum = (to_datum_fn) fdw_function("SfJsonToDatum");
	}

	body = PG_GETARG_BYTEA_PP(0);
	typid = PG_GETARG_OID(2);

	/* the documents die with this context, after an error too */
	cxt = AllocSetContextCreate(CurrentMemoryContext, "sf_fuzz",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	/* a response body as the transport hands it over: NUL-terminated */
	len = VARSIZE_ANY_EXHDR(body);
	data = palloc(len + 1);
	memcpy(data, VARDATA_ANY(body), len);
	data[len] = '\0';
	doc = parse(data, len);
	if (doc == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("body is not JSON")));

	if (field != NULL && json_object_is_type(doc, json_type_object) &&
		json_object_object_get_ex(doc, "records", &records) &&
		!json_object_is_type(records, json_type_array))
		records = NULL;

	init_conv(&conv, typid, typmod, "FuzzObject", field ? field : "(body)",
			  "fuzz_column");
	getTypeOutputInfo(typid, &outfunc, &varlena);
	initStringInfo(&out);

	nvalues = records ? json_object_array_length(records) : 1;
	for (i = 0; i < nvalues; i++)
	{
		json_object *value = doc;
		bool		isnull;
		Datum		d;

		if (records)
		{
			json_object *rec = json_object_array_get_idx(records, i);

			value = NULL;
			if (rec != NULL && json_object_is_type(rec, json_type_object))
				json_object_object_get_ex(rec, field, &value);
		}
		else if (field != NULL && json_object_is_type(doc, json_type_object))
		{
			value = NULL;
			json_object_object_get_ex(doc, field, &value);
		}

		d = to_datum(&conv, value, &isnull);
		if (isnull)
			appendStringInfoString(&out, "NULL");
		else
			appendStringInfoString(&out, OidOutputFunctionCall(outfunc, d));
		appendStringInfoChar(&out, '\n');
	}

	MemoryContextSwitchTo(old);
	result = cstring_to_text_with_len(out.data, out.len);
	MemoryContextDelete(cxt);
	PG_RETURN_TEXT_P(result);
}
