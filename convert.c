/*-------------------------------------------------------------------------
 *
 * convert.c
 *		  Conversion of JSON values of Salesforce records into Datums.
 *
 * Rules kept here:
 *	- a record's fields are walked once, in the order they arrive, and
 *	  matched to columns by position (SfRecordWalk); values are converted
 *	  from json-c's own text and length, copied only when the server
 *	  encoding needs it;
 *	- numbers are converted from the JSON number's original text, never
 *	  through a C double, so currency and decimal values keep every digit
 *	  (json-c keeps the text it parsed for non-integral numbers; Salesforce
 *	  writes doubles such as 1.5E7 and 15000.0); only a float8 column takes
 *	  json-c's double, which strtod made from that text as float8in would;
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
#include "utils/date.h"
#include "utils/datetime.h"
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
#define SF_CONV_TIMESTAMPTZ	9
#define SF_CONV_DATE		10

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
static bool parse_date(const char *s, size_t len, int *jday);
static bool parse_utc_datetime(const char *s, size_t len, int32 typmod,
							   Timestamp *result);

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
		case TIMESTAMPTZOID:
			conv->kind = SF_CONV_TIMESTAMPTZ;
			break;
		case DATEOID:
			conv->kind = SF_CONV_DATE;
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
 * parse_date
 *		The Julian day of "YYYY-MM-DD" (year 1 to 9999), the form Salesforce
 *		writes dates in; false for anything else, which then goes through
 *		the type's input function (and its errors).
 */
static bool
parse_date(const char *s, size_t len, int *jday)
{
	int			year;
	int			month;
	int			day;

	if (len < 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
	{
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	}
	year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
		(s[3] - '0');
	month = (s[5] - '0') * 10 + (s[6] - '0');
	day = (s[8] - '0') * 10 + (s[9] - '0');
	if (year < 1 || month < 1 || month > 12 || day < 1 ||
		day > day_tab[isleap(year)][month - 1])
		return false;
	*jday = date2j(year, month, day);
	return true;
}

/*
 * parse_utc_datetime
 *		The timestamp of a UTC datetime as Salesforce writes it,
 *		"YYYY-MM-DDTHH:MM:SS.sss+0000" (REST) or "...Z" (Bulk API CSV), with
 *		up to 6 fraction digits, exactly as timestamptz_in reads it; false
 *		for anything else (other offsets, leap seconds, a fraction the
 *		column's precision would round), which takes the input function.
 */
static bool
parse_utc_datetime(const char *s, size_t len, int32 typmod,
				   Timestamp *result)
{
	int			jday;
	int			hour;
	int			minute;
	int			second;
	int64		usec = 0;
	int			ndigits = 0;
	size_t		pos = 19;

	if (len < 20 || !parse_date(s, len, &jday) || s[10] != 'T' ||
		s[13] != ':' || s[16] != ':')
		return false;
	for (int i = 11; i < 19; i++)
	{
		if (i != 13 && i != 16 && (s[i] < '0' || s[i] > '9'))
			return false;
	}
	hour = (s[11] - '0') * 10 + (s[12] - '0');
	minute = (s[14] - '0') * 10 + (s[15] - '0');
	second = (s[17] - '0') * 10 + (s[18] - '0');
	if (hour > 23 || minute > 59 || second > 59)
		return false;
	if (s[pos] == '.')
	{
		for (pos++; pos < len && s[pos] >= '0' && s[pos] <= '9'; pos++)
		{
			if (++ndigits > 6)
				return false;
			usec = usec * 10 + (s[pos] - '0');
		}
		if (ndigits == 0)
			return false;
		for (int i = ndigits; i < 6; i++)
			usec *= 10;
	}
	if (typmod >= 0 && typmod < ndigits)
		return false;
	if (!((len - pos == 1 && s[pos] == 'Z') ||
		  (len - pos == 5 && memcmp(s + pos, "+0000", 5) == 0)))
		return false;

	*result = (int64) (jday - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY +
		((int64) ((hour * 60 + minute) * 60 + second)) * USECS_PER_SEC + usec;
	return true;
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
 *		of 'len' bytes (NUL-terminated at s[len] if 'terminated') and its
 *		class, to a Datum of the column described by 'conv'.
 */
static Datum
value_to_datum(SfColumnConv *conv, const char *s, size_t len,
			   bool terminated, SfValueClass cls)
{
	ErrorContextCallback errcallback;
	SfConvErrorInfo info;
	Datum		result;
	char	   *text;
	bool		verified = false;

	/* fast paths that need no text */
	if (conv->kind == SF_CONV_BOOL && cls == SF_VALUE_BOOL)
		return BoolGetDatum(s[0] == 't');

	info.conv = conv;
	info.value = NULL;
	errcallback.callback = conv_error_callback;
	errcallback.arg = &info;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	/*
	 * In a UTF-8 database one pass verifies a string: valid UTF-8 has no NUL.
	 * Only a string that fails is searched for the NUL.
	 */
	if (cls == SF_VALUE_STRING &&
		GetDatabaseEncoding() == PG_UTF8 &&
		pg_verify_mbstr(PG_UTF8, s, (int) len, true))
		verified = true;
	else if (cls == SF_VALUE_STRING && memchr(s, '\0', len) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
				 errmsg("Salesforce value contains a null character")));

	/*
	 * Salesforce sends UTF-8; this also rejects invalid byte sequences.  In a
	 * UTF-8 database a terminated value is only verified and used where it
	 * lies (the input functions do not write to their input).
	 */
	if (!terminated)
		s = pnstrdup(s, len);
	text = verified ? (char *) s : pg_any_to_server(s, (int) len, PG_UTF8);
	if (text != s)
		len = strlen(text);
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
	{
		text = plain_number_text(text);
		len = strlen(text);
	}

	switch (conv->kind)
	{
		case SF_CONV_TEXT:
			result = PointerGetDatum(cstring_to_text_with_len(text, (int) len));
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

		case SF_CONV_DATE:
			{
				int			jday;

				if (parse_date(text, len, &jday) && len == 10)
					result = DateADTGetDatum(jday - POSTGRES_EPOCH_JDATE);
				else
					result = InputFunctionCall(&conv->infunc, text,
											   conv->ioparam, conv->typmod);
			}
			break;

		case SF_CONV_TIMESTAMPTZ:
			{
				Timestamp	ts;

				if (parse_utc_datetime(text, len, conv->typmod, &ts))
					result = TimestampTzGetDatum(ts);
				else
					result = InputFunctionCall(&conv->infunc, text,
											   conv->ioparam, conv->typmod);
			}
			break;

		case SF_CONV_TIMESTAMP:
			{
				Timestamp	ts;

				if (parse_utc_datetime(text, len, conv->typmod, &ts))
				{
					result = TimestampGetDatum(ts);
					break;
				}
			}

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

	return value_to_datum(conv, text, len, false, cls);
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
	char		buf[32];
	int64		v;

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
								  json_object_get_string_len(value), true,
								  SF_VALUE_STRING);
		case json_type_boolean:
			if (json_object_get_boolean(value))
				return value_to_datum(conv, "true", 4, true, SF_VALUE_BOOL);
			return value_to_datum(conv, "false", 5, true, SF_VALUE_BOOL);
		case json_type_int:

			/*
			 * json-c has the integer already; its limits are clamped values
			 * (see value_to_datum) and take the text path to be refused.
			 */
			v = json_object_get_int64(value);
			if (v == PG_INT64_MAX || v == PG_INT64_MIN)
			{
				cls = SF_VALUE_INT;
				break;
			}
			if (conv->kind == SF_CONV_INT8)
				return Int64GetDatum(v);
			if (conv->kind == SF_CONV_INT4 &&
				v >= PG_INT32_MIN && v <= PG_INT32_MAX)
				return Int32GetDatum((int32) v);
			if (conv->kind == SF_CONV_INT2 &&
				v >= PG_INT16_MIN && v <= PG_INT16_MAX)
				return Int16GetDatum((int16) v);
			snprintf(buf, sizeof(buf), INT64_FORMAT, v);
			return value_to_datum(conv, buf, strlen(buf), true,
								  SF_VALUE_INT);
		case json_type_double:

			/*
			 * json-c read the number with strtod, as float8in does: a normal
			 * result is float8in's.  Zero, subnormals, infinities and NaN
			 * (float8in's underflow and overflow errors, its own spellings)
			 * take the text path.
			 */
			if (conv->kind == SF_CONV_INPUT && conv->typid == FLOAT8OID)
			{
				double		d = json_object_get_double(value);

				if (isnormal(d))
					return Float8GetDatum(d);
			}
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

	/*
	 * A number's original text, or the JSON text of an object or array.  A
	 * parsed double keeps its text as userdata (json_object_new_double_s),
	 * which is what serializing it writes: read it there, without the
	 * serializer's buffer.
	 */
	if (cls == SF_VALUE_DOUBLE && (s = json_object_get_userdata(value)) != NULL)
		return value_to_datum(conv, s, strlen(s), true, cls);
	s = json_object_to_json_string_ext(value,
									   JSON_C_TO_STRING_PLAIN |
									   JSON_C_TO_STRING_NOSLASHESCAPE);
	return value_to_datum(conv, s, strlen(s), true, cls);
}

/*
 * One pass over a record's fields (SfRecordWalk*).  Salesforce sends a
 * record's fields in the order of the SELECT list, after "attributes", so
 * the key at each position is learned from the first record and later
 * records are matched by position with one strcmp; a key that differs there
 * is looked up by name (case-insensitively, as the fields were written) and
 * learned in its place.  This replaces one hash lookup per column.
 */
struct SfRecordWalk
{
	MemoryContext cxt;			/* holds this and the learned keys */
	int			ncolumns;
	char	  **fields;			/* [column]: top-level key, NULL: not walked */
	int		   *same_as;		/* [column]: earlier column of the same field,
								 * or -1 */
	int			npositions;
	char	  **keys;			/* [position]: key learned there, or NULL */
	int		   *column_at;		/* [position]: column it fills, -1: none */
};

/*
 * SfRecordWalkCreate
 *		A walk filling 'ncolumns' columns; fields[i] is the key of column i
 *		(a plain field, not a relationship path), or NULL for a column the
 *		walk leaves to the caller.  Allocated in CurrentMemoryContext; the
 *		names are copied.
 */
SfRecordWalk *
SfRecordWalkCreate(int ncolumns, const char *const *fields)
{
	SfRecordWalk *walk = palloc0(sizeof(SfRecordWalk));

	walk->cxt = CurrentMemoryContext;
	walk->ncolumns = ncolumns;
	walk->fields = palloc0(sizeof(char *) * Max(ncolumns, 1));
	walk->same_as = palloc(sizeof(int) * Max(ncolumns, 1));
	for (int i = 0; i < ncolumns; i++)
	{
		walk->same_as[i] = -1;
		if (fields[i] == NULL)
			continue;
		for (int j = 0; j < i && walk->same_as[i] < 0; j++)
		{
			if (walk->fields[j] != NULL &&
				pg_strcasecmp(walk->fields[j], fields[i]) == 0)
				walk->same_as[i] = j;
		}
		if (walk->same_as[i] < 0)
			walk->fields[i] = pstrdup(fields[i]);
	}
	/* "attributes" and the fields, plus room for a few more */
	walk->npositions = ncolumns + 8;
	walk->keys = palloc0(sizeof(char *) * walk->npositions);
	walk->column_at = palloc(sizeof(int) * walk->npositions);
	return walk;
}

/*
 * SfRecordWalkRecord
 *		Find the values of the walked columns in 'record' in one pass:
 *		values[i] is column i's JSON value, or NULL when the record does not
 *		have it (or the column is not walked: fields[i] was NULL).
 */
void
SfRecordWalkRecord(SfRecordWalk *walk, json_object *record,
				   json_object **values)
{
	int			pos = 0;
	struct json_object_iterator it;
	struct json_object_iterator end;

	memset(values, 0, sizeof(json_object *) * walk->ncolumns);
	if (record == NULL || !json_object_is_type(record, json_type_object))
		return;

	it = json_object_iter_begin(record);
	end = json_object_iter_end(record);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it), pos++)
	{
		const char *key = json_object_iter_peek_name(&it);
		int			col = -1;

		if (pos < walk->npositions && walk->keys[pos] != NULL &&
			strcmp(walk->keys[pos], key) == 0)
			col = walk->column_at[pos];
		else
		{
			for (int i = 0; i < walk->ncolumns; i++)
			{
				if (walk->fields[i] != NULL &&
					pg_strcasecmp(walk->fields[i], key) == 0)
				{
					col = i;
					break;
				}
			}
			if (pos < walk->npositions)
			{
				if (walk->keys[pos] != NULL)
					pfree(walk->keys[pos]);
				walk->keys[pos] = MemoryContextStrdup(walk->cxt, key);
				walk->column_at[pos] = col;
			}
		}
		if (col >= 0 && values[col] == NULL)
			values[col] = json_object_iter_peek_value(&it);
	}
	for (int i = 0; i < walk->ncolumns; i++)
	{
		if (walk->same_as[i] >= 0)
			values[i] = values[walk->same_as[i]];
	}
}
