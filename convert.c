/*-------------------------------------------------------------------------
 *
 * convert.c
 *		  Conversion of JSON values of Salesforce records into Datums.
 *
 * Rules kept here:
 *	- numbers are converted from the JSON number's original text, never
 *	  through a C double, so currency and decimal values keep every digit
 *	  (json-c keeps the text it parsed for non-integral numbers; Salesforce
 *	  writes doubles such as 1.5E7 and 15000.0);
 *	- an integer column accepts a non-integral JSON number only when its
 *	  value is integral (15000.0, 1.5E7);
 *	- numeric, float and JSON columns get a number's text as sent; other
 *	  types (text, money, ...) get it without exponent (1.5E7 -> 15000000);
 *	- datetimes arrive in UTC ("2024-01-15T10:30:00.000+0000"); a timestamp
 *	  without time zone column gets the UTC wall time, independent of the
 *	  session's TimeZone;
 *	- multi-select picklists ("A;B") fill array columns element by element;
 *	- strings are UTF-8 and are converted (and verified) to the server
 *	  encoding;
 *	- a value that cannot be converted raises the type's own error with a
 *	  context line naming the sObject, field, column and value.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "salesforce_fdw.h"		/* first: see the json_object note there */

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

/* How a column is filled (SfColumnConv.kind) */
#define SF_CONV_INPUT		0	/* the type's input function on the text */
#define SF_CONV_TEXT		1	/* text: the string itself */
#define SF_CONV_BOOL		2
#define SF_CONV_INT2		3
#define SF_CONV_INT4		4
#define SF_CONV_INT8		5
#define SF_CONV_TIMESTAMP	6	/* timestamp without time zone: UTC wall time */
#define SF_CONV_JSON		7	/* json/jsonb: the JSON text of any value */
#define SF_CONV_ARRAY		8	/* array: ';'-separated elements */

/* Longest value quoted in an error context line */
#define SF_CONTEXT_VALUE_MAX	100

typedef struct SfConvErrorInfo
{
	SfColumnConv *conv;
	const char *value;
} SfConvErrorInfo;

static void conv_error_callback(void *arg);
static char *json_value_text(json_object *value);
static Datum integer_from_number(SfColumnConv *conv, const char *text);
static Datum array_from_text(SfColumnConv *conv, const char *text);
static char *plain_number_text(const char *text);
static Datum array_from_json(SfColumnConv *conv, json_object *value);

/*
 * SfInitColumnConv
 *		Prepare 'conv' for filling a column of type 'typid'/'typmod'.  The
 *		names are kept by reference for error messages.
 */
void
SfInitColumnConv(SfColumnConv *conv, Oid typid, int32 typmod,
				 const char *sobject, const char *field, const char *column)
{
	Oid			infunc;
	Oid			basetype = getBaseType(typid);

	memset(conv, 0, sizeof(SfColumnConv));
	conv->typid = typid;
	conv->typmod = typmod;
	conv->sobject = sobject;
	conv->field = field;
	conv->column = column;

	/* the input function of the declared type (domains check constraints) */
	getTypeInputInfo(typid, &infunc, &conv->ioparam);
	fmgr_info(infunc, &conv->infunc);

	if (basetype != typid)
	{
		conv->kind = SF_CONV_INPUT;
		return;
	}

	switch (typid)
	{
		case TEXTOID:
			conv->kind = SF_CONV_TEXT;
			break;
		case BOOLOID:
			conv->kind = SF_CONV_BOOL;
			break;
		case INT2OID:
			conv->kind = SF_CONV_INT2;
			break;
		case INT4OID:
			conv->kind = SF_CONV_INT4;
			break;
		case INT8OID:
			conv->kind = SF_CONV_INT8;
			break;
		case TIMESTAMPOID:
			conv->kind = SF_CONV_TIMESTAMP;
			break;
		case JSONOID:
		case JSONBOID:
			conv->kind = SF_CONV_JSON;
			break;
		default:
			conv->elemtype = get_element_type(typid);
			if (OidIsValid(conv->elemtype))
			{
				conv->kind = SF_CONV_ARRAY;
				get_typlenbyvalalign(conv->elemtype, &conv->elmlen,
									 &conv->elmbyval, &conv->elmalign);
				getTypeInputInfo(conv->elemtype, &infunc, &conv->ioparam);
				fmgr_info(infunc, &conv->infunc);
			}
			else
				conv->kind = SF_CONV_INPUT;
			break;
	}
}

/*
 * conv_error_callback
 *		Error context: which sObject field, column and value failed.
 */
static void
conv_error_callback(void *arg)
{
	SfConvErrorInfo *info = (SfConvErrorInfo *) arg;
	SfColumnConv *conv = info->conv;
	const char *value = info->value ? info->value : "";
	int			len = strlen(value);

	if (len > SF_CONTEXT_VALUE_MAX)
		len = pg_mbcliplen(value, len, SF_CONTEXT_VALUE_MAX);
	errcontext("converting field \"%s\" of Salesforce object \"%s\" to column \"%s\", value \"%.*s%s\"",
			   conv->field, conv->sobject, conv->column, len, value,
			   value[len] != '\0' ? "..." : "");
}

/*
 * json_value_text
 *		The text of a non-null JSON value in the server encoding: a string's
 *		contents, a number's original text, "true"/"false", or the JSON text
 *		of an object or array.
 */
static char *
json_value_text(json_object *value)
{
	const char *s;
	size_t		len;
	char	   *copy;

	switch (json_object_get_type(value))
	{
		case json_type_string:
			s = json_object_get_string(value);
			len = json_object_get_string_len(value);
			break;
		case json_type_boolean:
			return pstrdup(json_object_get_boolean(value) ? "true" : "false");
		default:
			s = json_object_to_json_string_ext(value,
											   JSON_C_TO_STRING_PLAIN |
											   JSON_C_TO_STRING_NOSLASHESCAPE);
			len = strlen(s);
			break;
	}

	copy = pnstrdup(s, len);
	if (strlen(copy) != len)
		ereport(ERROR,
				(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
				 errmsg("Salesforce value contains a null character")));

	/* Salesforce sends UTF-8; this also rejects invalid byte sequences */
	return pg_any_to_server(copy, (int) len, PG_UTF8);
}

/*
 * integer_from_number
 *		An integer column's Datum from a JSON number's text such as "42",
 *		"15000.0" or "1.5E7": accepted when the value is integral.
 */
static Datum
integer_from_number(SfColumnConv *conv, const char *text)
{
	Datum		num;
	Datum		trunc;

	/* plain digits: the input function has the right range check */
	if (strspn(text, "-0123456789") == strlen(text))
		return InputFunctionCall(&conv->infunc, (char *) text,
								 conv->ioparam, conv->typmod);

	num = DirectFunctionCall3(numeric_in, CStringGetDatum(text),
							  ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	trunc = DirectFunctionCall2(numeric_trunc, num, Int32GetDatum(0));
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, num, trunc)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"",
						format_type_be(conv->typid), text),
				 errdetail("The value is not an integer.")));

	switch (conv->kind)
	{
		case SF_CONV_INT2:
			return DirectFunctionCall1(numeric_int2, num);
		case SF_CONV_INT4:
			return DirectFunctionCall1(numeric_int4, num);
		default:
			return DirectFunctionCall1(numeric_int8, num);
	}
}

/*
 * plain_number_text
 *		A JSON number's text without exponent ("1.5E7" -> "15000000"), all
 *		digits kept.
 */
static char *
plain_number_text(const char *text)
{
	Datum		num;

	num = DirectFunctionCall3(numeric_in, CStringGetDatum(text),
							  ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	return DatumGetCString(DirectFunctionCall1(numeric_out, num));
}

/*
 * array_from_text
 *		An array column's Datum from a multi-select picklist value "A;B;C".
 */
static Datum
array_from_text(SfColumnConv *conv, const char *text)
{
	ArrayBuildState *astate = NULL;
	char	   *copy = pstrdup(text);
	char	   *item = copy;

	for (;;)
	{
		char	   *semi = strchr(item, ';');
		Datum		d;

		if (semi)
			*semi = '\0';
		d = InputFunctionCall(&conv->infunc, item, conv->ioparam,
							  conv->typmod);
		astate = accumArrayResult(astate, d, false, conv->elemtype,
								  CurrentMemoryContext);
		if (!semi)
			break;
		item = semi + 1;
	}

	return makeArrayResult(astate, CurrentMemoryContext);
}

/*
 * array_from_json
 *		An array column's Datum from a JSON array (not Salesforce's shape for
 *		multi-select picklists, but a JSON array maps naturally).
 */
static Datum
array_from_json(SfColumnConv *conv, json_object *value)
{
	ErrorContextCallback errcallback;
	SfConvErrorInfo info;
	ArrayBuildState *astate;
	size_t		n = json_object_array_length(value);
	size_t		i;
	Datum		result;

	info.conv = conv;
	info.value = NULL;
	errcallback.callback = conv_error_callback;
	errcallback.arg = &info;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	info.value = json_value_text(value);
	astate = initArrayResult(conv->elemtype, CurrentMemoryContext, false);
	for (i = 0; i < n; i++)
	{
		json_object *elem = json_object_array_get_idx(value, i);
		bool		null = (elem == NULL ||
							json_object_is_type(elem, json_type_null));
		Datum		d;

		if (!null)
			d = InputFunctionCall(&conv->infunc, json_value_text(elem),
								  conv->ioparam, conv->typmod);
		else
			d = InputFunctionCall(&conv->infunc, NULL,
								  conv->ioparam, conv->typmod);
		astate = accumArrayResult(astate, d, null, conv->elemtype,
								  CurrentMemoryContext);
	}
	result = makeArrayResult(astate, CurrentMemoryContext);

	error_context_stack = errcallback.previous;
	return result;
}

/*
 * What a value looked like in the record: decides how its text is read
 */
typedef enum SfValueClass
{
	SF_VALUE_STRING,			/* a string's contents */
	SF_VALUE_INT,				/* a number without fraction or exponent */
	SF_VALUE_DOUBLE,			/* a number with a fraction or an exponent */
	SF_VALUE_BOOL,				/* true or false */
	SF_VALUE_COMPOSITE			/* the JSON text of an object or array */
} SfValueClass;

/*
 * value_to_datum
 *		The one conversion of a non-null value, given as its UTF-8 text 's'
 *		of 'len' bytes (not necessarily terminated) and its class, to a Datum
 *		of the column described by 'conv'.
 */
static Datum
value_to_datum(SfColumnConv *conv, const char *s, size_t len,
			   SfValueClass cls)
{
	ErrorContextCallback errcallback;
	SfConvErrorInfo info;
	Datum		result;
	char	   *text;

	/* fast paths that need no text */
	if (conv->kind == SF_CONV_BOOL && cls == SF_VALUE_BOOL)
		return BoolGetDatum(s[0] == 't');

	info.conv = conv;
	info.value = NULL;
	errcallback.callback = conv_error_callback;
	errcallback.arg = &info;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	if (memchr(s, '\0', len) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
				 errmsg("Salesforce value contains a null character")));

	/* Salesforce sends UTF-8; this also rejects invalid byte sequences */
	text = pg_any_to_server(pnstrdup(s, len), (int) len, PG_UTF8);
	info.value = text;

	/*
	 * json-c clamps integers beyond the int64/uint64 range to the limits
	 * instead of failing; those limits can therefore not be trusted (and
	 * Salesforce numbers never have more than 18 digits).
	 */
	if (cls == SF_VALUE_INT &&
		(strcmp(text, "9223372036854775807") == 0 ||
		 strcmp(text, "-9223372036854775808") == 0 ||
		 strcmp(text, "18446744073709551615") == 0))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("number in Salesforce data is out of range"),
				 errdetail("Integers of more than 18 digits cannot be read exactly.")));

	/*
	 * Salesforce writes large and small doubles in exponent form (1.5E7);
	 * types other than numbers and JSON get the plain decimal digits.
	 */
	if (cls == SF_VALUE_DOUBLE && strpbrk(text, "eE") != NULL &&
		conv->kind != SF_CONV_JSON && conv->kind != SF_CONV_INT2 &&
		conv->kind != SF_CONV_INT4 && conv->kind != SF_CONV_INT8 &&
		conv->typid != NUMERICOID && conv->typid != FLOAT4OID &&
		conv->typid != FLOAT8OID)
		text = plain_number_text(text);

	switch (conv->kind)
	{
		case SF_CONV_TEXT:
			result = PointerGetDatum(cstring_to_text(text));
			break;

		case SF_CONV_INT2:
		case SF_CONV_INT4:
		case SF_CONV_INT8:
			if (cls == SF_VALUE_DOUBLE)
				result = integer_from_number(conv, text);
			else
				result = InputFunctionCall(&conv->infunc, text,
										   conv->ioparam, conv->typmod);
			break;

		case SF_CONV_TIMESTAMP:

			/*
			 * A datetime with a zone ("...T10:30:00.000+0000", or "...Z" as
			 * the Bulk API writes it): the UTC wall time, whatever the
			 * session's TimeZone.  A timestamptz and a timestamp of the UTC
			 * wall time are the same number.
			 */
			if (strchr(text, 'T') != NULL &&
				(text[strlen(text) - 1] == 'Z' ||
				 strpbrk(strchr(text, 'T'), "+-") != NULL))
			{
				result = DirectFunctionCall3(timestamptz_in,
											 CStringGetDatum(text),
											 ObjectIdGetDatum(InvalidOid),
											 Int32GetDatum(conv->typmod));
			}
			else
				result = InputFunctionCall(&conv->infunc, text,
										   conv->ioparam, conv->typmod);
			break;

		case SF_CONV_JSON:
			/* the JSON text of the value, a string with its quotes */
			if (cls == SF_VALUE_STRING)
			{
				json_object *str = json_object_new_string_len(s, (int) len);
				const char *quoted;

				if (str == NULL)
					ereport(ERROR,
							(errcode(ERRCODE_OUT_OF_MEMORY),
							 errmsg("out of memory")));
				quoted = json_object_to_json_string_ext(str,
														JSON_C_TO_STRING_PLAIN |
														JSON_C_TO_STRING_NOSLASHESCAPE);
				text = pstrdup(quoted);
				json_object_put(str);
				text = pg_any_to_server(text, strlen(text), PG_UTF8);
			}
			result = InputFunctionCall(&conv->infunc, text,
									   conv->ioparam, conv->typmod);
			break;

		case SF_CONV_ARRAY:
			result = array_from_text(conv, text);
			break;

		case SF_CONV_BOOL:
		case SF_CONV_INPUT:
		default:
			result = InputFunctionCall(&conv->infunc, text,
									   conv->ioparam, conv->typmod);
			break;
	}

	error_context_stack = errcallback.previous;
	return result;
}

/*
 * SfTextToDatum
 *		Convert one value given as its text to a Datum of the column described
 *		by 'conv', exactly as SfJsonToDatum converts the same JSON value.
 *		With 'is_string', 'text' is a JSON string's contents (UTF-8, 'len'
 *		bytes, need not be terminated); otherwise it is the literal text of a
 *		JSON number, true, false or null ("23.0" and "1.5E7" are numbers with
 *		a fraction, as the Bulk API's CSV writes integers too).  A NULL
 *		'text' or a literal null gives SQL NULL.
 */
Datum
SfTextToDatum(SfColumnConv *conv, const char *text, size_t len,
			  bool is_string, bool *isnull)
{
	SfValueClass cls;

	if (text == NULL ||
		(!is_string && len == 4 && memcmp(text, "null", 4) == 0))
	{
		*isnull = true;
		return (Datum) 0;
	}
	*isnull = false;

	if (is_string)
		cls = SF_VALUE_STRING;
	else if ((len == 4 && memcmp(text, "true", 4) == 0) ||
			 (len == 5 && memcmp(text, "false", 5) == 0))
		cls = SF_VALUE_BOOL;
	else if (len > 0 && (text[0] == '{' || text[0] == '['))
		cls = SF_VALUE_COMPOSITE;
	else if (memchr(text, '.', len) != NULL ||
			 memchr(text, 'e', len) != NULL ||
			 memchr(text, 'E', len) != NULL)
		cls = SF_VALUE_DOUBLE;
	else
		cls = SF_VALUE_INT;

	return value_to_datum(conv, text, len, cls);
}

/*
 * SfJsonToDatum
 *		Convert one JSON value of a record (NULL or JSON null gives SQL NULL)
 *		to a Datum of the column described by 'conv', allocated in the
 *		current memory context.
 */
Datum
SfJsonToDatum(SfColumnConv *conv, json_object *value, bool *isnull)
{
	const char *s;
	SfValueClass cls;

	if (value == NULL || json_object_is_type(value, json_type_null))
	{
		*isnull = true;
		return (Datum) 0;
	}
	*isnull = false;

	switch (json_object_get_type(value))
	{
		case json_type_string:
			return value_to_datum(conv, json_object_get_string(value),
								  json_object_get_string_len(value),
								  SF_VALUE_STRING);
		case json_type_boolean:
			if (json_object_get_boolean(value))
				return value_to_datum(conv, "true", 4, SF_VALUE_BOOL);
			return value_to_datum(conv, "false", 5, SF_VALUE_BOOL);
		case json_type_int:
			cls = SF_VALUE_INT;
			break;
		case json_type_double:
			cls = SF_VALUE_DOUBLE;
			break;
		case json_type_array:
			if (conv->kind == SF_CONV_ARRAY)
				return array_from_json(conv, value);
			cls = SF_VALUE_COMPOSITE;
			break;
		default:
			cls = SF_VALUE_COMPOSITE;
			break;
	}

	/* a number's original text, or the JSON text of an object or array */
	s = json_object_to_json_string_ext(value,
									   JSON_C_TO_STRING_PLAIN |
									   JSON_C_TO_STRING_NOSLASHESCAPE);
	return value_to_datum(conv, s, strlen(s), cls);
}
