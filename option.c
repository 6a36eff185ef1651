/*-------------------------------------------------------------------------
 *
 * option.c
 *		  Validation and resolution of salesforce_fdw's options.
 *
 * One table lists every option with the catalog it belongs to.  The
 * validator checks each value with the parser that later resolves it, so a
 * value it accepted never fails at use; numbers come with their range in
 * the hint.  No message repeats client_secret, which only a user mapping
 * may hold.  The url, and the token response's instance_url, must be an
 * https URL of the org's My Domain (http only for loopback hosts).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "salesforce_fdw.h"		/* first: see the json_object note there */

#include <arpa/inet.h>
#include <limits.h>

#include "access/reloptions.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "catalog/pg_attribute.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

/* Largest timeout in seconds (one day). */
#define SF_MAX_TIMEOUT			86400

/* SOQL allows five levels of child-to-parent relationships. */
#define SF_MAX_FIELD_SEGMENTS	6

/* One valid option: its name and the catalog of the object it belongs to. */
typedef struct SfOption
{
	const char *name;
	Oid			catalog;
} SfOption;

static const SfOption sf_options[] = {
	/* foreign server */
	{"url", ForeignServerRelationId},
	{"api_version", ForeignServerRelationId},
	{"client_id", ForeignServerRelationId},
	{"connect_timeout", ForeignServerRelationId},
	{"request_timeout", ForeignServerRelationId},
	{"fetch_size", ForeignServerRelationId},
	{"batch_size", ForeignServerRelationId},
	{"all_or_none", ForeignServerRelationId},
	{"max_retries", ForeignServerRelationId},
	{"max_api_calls", ForeignServerRelationId},
	{"api_reserve_percent", ForeignServerRelationId},
	{"bulk", ForeignServerRelationId},
	{"bulk_read_threshold", ForeignServerRelationId},
	{"bulk_write_threshold", ForeignServerRelationId},

	/*
	 * user mapping: client_id overrides the server's; client_secret only
	 * here, since every role can read a server's options
	 */
	{"client_id", UserMappingRelationId},
	{"client_secret", UserMappingRelationId},
	/* foreign table */
	{"sobject", ForeignTableRelationId},
	{"query_all", ForeignTableRelationId},
	{"fetch_size", ForeignTableRelationId},
	{"batch_size", ForeignTableRelationId},
	{"all_or_none", ForeignTableRelationId},
	{"upsert_field", ForeignTableRelationId},
	{"max_api_calls", ForeignTableRelationId},
	{"bulk", ForeignTableRelationId},
	{"bulk_read_threshold", ForeignTableRelationId},
	{"bulk_write_threshold", ForeignTableRelationId},
	/* column */
	{"field", AttributeRelationId},
	{NULL, InvalidOid}
};

static bool option_is_valid(const char *name, Oid catalog);
static int	errmsg_misplaced_option(const char *name, Oid catalog);
static int	errhint_option_place(const char *name, Oid catalog);
static char *valid_options_list(Oid catalog);
static void check_option_value(DefElem *def);
static bool apply_shared_table_option(DefElem *def, SfTableOptions *opts);
static char *parse_url(const char *value, bool report);
static char *parse_api_version(const char *value);
static bool url_host(const char *url, const char **host, int *hostlen,
					 bool *https, const char **rest);
static bool host_is_loopback(const char *host, int len);
static bool host_is_valid(const char *host, int len, bool bracketed);

PG_FUNCTION_INFO_V1(salesforce_fdw_validator);

/*
 * salesforce_fdw_validator
 *		Check the options of a CREATE/ALTER of any salesforce_fdw object.
 *
 * Raises an error for an unknown option (listing the valid ones), for an
 * option given at the wrong level, and for a bad value.
 */
Datum
salesforce_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (!option_is_valid(def->defname, catalog))
		{
			const SfOption *opt;
			Oid			elsewhere = InvalidOid;

			for (opt = sf_options; opt->name; opt++)
			{
				if (strcmp(opt->name, def->defname) == 0)
				{
					elsewhere = opt->catalog;
					break;
				}
			}

			if (catalog == ForeignServerRelationId &&
				strcmp(def->defname, "client_secret") == 0)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
						 errmsg("option \"client_secret\" cannot be set on a foreign server"),
						 errdetail("Every role can read the options of a foreign server."),
						 errhint("Set \"client_secret\" in a user mapping: CREATE USER MAPPING FOR CURRENT_USER SERVER ... OPTIONS (client_secret '...').")));
			else if (OidIsValid(elsewhere))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
						 errmsg_misplaced_option(def->defname, catalog),
						 errhint_option_place(def->defname, elsewhere)));
			else
			{
				char	   *valid = valid_options_list(catalog);

				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
						 errmsg("invalid option \"%s\"", def->defname),
						 valid[0] != '\0'
						 ? errhint("Valid options in this context are: %s.",
								   valid)
						 : errhint("There are no valid options in this context.")));
			}
		}

		check_option_value(def);
	}

	PG_RETURN_VOID();
}

/* Is 'name' an option of objects stored in 'catalog'? */
static bool
option_is_valid(const char *name, Oid catalog)
{
	const SfOption *opt;

	for (opt = sf_options; opt->name; opt++)
	{
		if (opt->catalog == catalog && strcmp(opt->name, name) == 0)
			return true;
	}
	return false;
}

/*
 * errmsg_misplaced_option
 *		The primary message for option 'name' given on an object of
 *		'catalog' that does not take it (called inside ereport).
 */
static int
errmsg_misplaced_option(const char *name, Oid catalog)
{
	switch (catalog)
	{
		case ForeignDataWrapperRelationId:
			return errmsg("option \"%s\" cannot be set on a foreign-data wrapper",
						  name);
		case ForeignServerRelationId:
			return errmsg("option \"%s\" cannot be set on a foreign server",
						  name);
		case UserMappingRelationId:
			return errmsg("option \"%s\" cannot be set on a user mapping",
						  name);
		case ForeignTableRelationId:
			return errmsg("option \"%s\" cannot be set on a foreign table",
						  name);
		case AttributeRelationId:
			return errmsg("option \"%s\" cannot be set on a foreign table column",
						  name);
		default:
			return errmsg("option \"%s\" cannot be set here", name);
	}
}

/*
 * errhint_option_place
 *		The hint naming the kind of object, 'catalog', that takes option
 *		'name' (called inside ereport).
 */
static int
errhint_option_place(const char *name, Oid catalog)
{
	switch (catalog)
	{
		case ForeignDataWrapperRelationId:
			return errhint("Set \"%s\" on the foreign-data wrapper.", name);
		case ForeignServerRelationId:
			return errhint("Set \"%s\" on the foreign server.", name);
		case UserMappingRelationId:
			return errhint("Set \"%s\" on the user mapping.", name);
		case ForeignTableRelationId:
			return errhint("Set \"%s\" on the foreign table.", name);
		case AttributeRelationId:
			return errhint("Set \"%s\" on the foreign table column.", name);
		default:
			return 0;
	}
}

/* Comma-separated names of the options valid for 'catalog' (may be ""). */
static char *
valid_options_list(Oid catalog)
{
	StringInfoData buf;
	const SfOption *opt;

	initStringInfo(&buf);
	for (opt = sf_options; opt->name; opt++)
	{
		if (opt->catalog != catalog)
			continue;
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, opt->name);
	}
	return buf.data;
}

/*
 * check_option_value
 *		Raise an error if the value of a (known) option is unusable.
 */
static void
check_option_value(DefElem *def)
{
	const char *name = def->defname;
	const char *value = defGetString(def);

	if (strcmp(name, "url") == 0)
		(void) parse_url(value, true);
	else if (strcmp(name, "api_version") == 0)
		(void) parse_api_version(value);
	else if (strcmp(name, "connect_timeout") == 0 ||
			 strcmp(name, "request_timeout") == 0)
		(void) SfParseIntOption(def, 1, SF_MAX_TIMEOUT);
	else if (strcmp(name, "fetch_size") == 0)
		(void) SfParseIntOption(def, SF_MIN_FETCH_SIZE, SF_MAX_FETCH_SIZE);
	else if (strcmp(name, "batch_size") == 0)
		(void) SfParseIntOption(def, SF_MIN_BATCH_SIZE, SF_MAX_BATCH_SIZE);
	else if (strcmp(name, "max_retries") == 0)
		(void) SfParseIntOption(def, 0, SF_MAX_RETRIES);
	else if (strcmp(name, "max_api_calls") == 0)
		(void) SfParseIntOption(def, 1, INT_MAX);
	else if (strcmp(name, "api_reserve_percent") == 0)
		(void) SfParseIntOption(def, 0, 100);
	else if (strcmp(name, "query_all") == 0 ||
			 strcmp(name, "all_or_none") == 0)
		(void) SfParseBoolOption(def);
	else if (strcmp(name, "bulk") == 0)
		(void) SfParseBulkOption(def);
	else if (strcmp(name, "bulk_read_threshold") == 0 ||
			 strcmp(name, "bulk_write_threshold") == 0)
		(void) SfParseIntOption(def, 1, SF_MAX_BULK_THRESHOLD);
	else if (strcmp(name, "client_id") == 0 ||
			 strcmp(name, "client_secret") == 0)
	{
		/* never echo the value: it may be a secret */
		if (value[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
					 errmsg("option \"%s\" must not be empty", name),
					 errhint("Copy the consumer key and secret from the External Client App.")));
	}
	else if (strcmp(name, "sobject") == 0 ||
			 strcmp(name, "upsert_field") == 0)
	{
		/* the name is written into SOQL unquoted: allow API names only */
		if (!SfIsApiName(value, strlen(value)))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
					 errmsg("invalid value for option \"%s\": \"%s\"",
							name, value),
					 strcmp(name, "sobject") == 0
					 ? errhint("Give the sObject's API name, such as \"Account\" or \"Invoice__c\".")
					 : errhint("Give the API name of an external id field, such as \"ERP_Id__c\".")));
	}
	else if (strcmp(name, "field") == 0)
	{
		const char *p = value;
		int			segments = 0;
		bool		ok = true;

		/* Field or Relationship.Field, each part an API name */
		for (;;)
		{
			const char *dot = strchr(p, '.');
			int			len = dot ? (int) (dot - p) : (int) strlen(p);

			if (!SfIsApiName(p, len))
			{
				ok = false;
				break;
			}
			segments++;
			if (!dot)
				break;
			p = dot + 1;
		}

		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
					 errmsg("invalid value for option \"%s\": \"%s\"",
							name, value),
					 errhint("Give the field's API name, such as \"Name\" or \"Amount__c\", or a relationship path such as \"Account.Owner.Email\".")));
		if (segments > SF_MAX_FIELD_SEGMENTS)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
					 errmsg("invalid value for option \"%s\": \"%s\"",
							name, value),
					 errdetail("SOQL allows at most %d levels of child-to-parent relationships.",
							   SF_MAX_FIELD_SEGMENTS - 1)));
	}
}

/*
 * SfIsApiName
 *		Is s[0..len) a Salesforce API name (a letter, then letters, digits
 *		and underscores)?  Such a name can go into SOQL and URLs unquoted.
 */
bool
SfIsApiName(const char *s, int len)
{
	int			i;

	if (len <= 0 || !((s[0] >= 'A' && s[0] <= 'Z') ||
					  (s[0] >= 'a' && s[0] <= 'z')))
		return false;
	for (i = 1; i < len; i++)
	{
		char		c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/*
 * SfParseIntOption
 *		The integer value of option 'def', which must lie in [min, max]
 *		(the range is repeated in the hint).  The validator, the resolution
 *		of options and IMPORT FOREIGN SCHEMA all parse numbers here.
 */
int
SfParseIntOption(DefElem *def, int min, int max)
{
	const char *value = defGetString(def);
	char	   *end;
	long		n;

	errno = 0;
	n = strtol(value, &end, 10);
	while (*end == ' ')
		end++;
	if (value[0] == '\0' || *end != '\0' || errno == ERANGE ||
		n < min || n > max)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"",
						def->defname, value),
				 errhint("Valid values are integers from %d to %d.",
						 min, max)));
	return (int) n;
}

/*
 * SfParseBoolOption
 *		The boolean value of option 'def': every spelling parse_bool()
 *		knows ("true", "on", "yes", "1", ...).  defGetBoolean() knows fewer,
 *		so using it at resolution would refuse values the validator let in.
 */
bool
SfParseBoolOption(DefElem *def)
{
	const char *value = defGetString(def);
	bool		result;

	if (!parse_bool(value, &result))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"",
						def->defname, value),
				 errhint("Valid values are true and false.")));
	return result;
}

/*
 * SfParseBulkOption
 *		The SF_BULK_* value of option "bulk": auto, on or off (any case).
 */
int
SfParseBulkOption(DefElem *def)
{
	const char *value = defGetString(def);

	if (pg_strcasecmp(value, "auto") == 0)
		return SF_BULK_AUTO;
	if (pg_strcasecmp(value, "on") == 0)
		return SF_BULK_ON;
	if (pg_strcasecmp(value, "off") == 0)
		return SF_BULK_OFF;
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
			 errmsg("invalid value for option \"%s\": \"%s\"",
					def->defname, value),
			 errhint("Valid values are \"auto\", \"on\" and \"off\".")));
	return SF_BULK_AUTO;		/* keep the compiler quiet */
}

/*
 * url_host
 *		Split an http(s) URL: scheme, host (without brackets for IPv6) and
 *		the rest after the authority (port excluded).  False if the URL does
 *		not start with http:// or https:// or has no host.
 */
static bool
url_host(const char *url, const char **host, int *hostlen, bool *https,
		 const char **rest)
{
	const char *p;
	const char *h;

	if (pg_strncasecmp(url, "https://", 8) == 0)
	{
		*https = true;
		p = url + 8;
	}
	else if (pg_strncasecmp(url, "http://", 7) == 0)
	{
		*https = false;
		p = url + 7;
	}
	else
		return false;

	if (*p == '[')
	{
		h = ++p;
		while (*p && *p != ']')
			p++;
		if (*p != ']')
			return false;
		*host = h;
		*hostlen = (int) (p - h);
		p++;
		if (!host_is_valid(h, *hostlen, true))
			return false;
	}
	else
	{
		h = p;
		while (*p && *p != ':' && *p != '/' && *p != '?' && *p != '#' &&
			   *p != '@')
			p++;
		*host = h;
		*hostlen = (int) (p - h);
		if (!host_is_valid(h, *hostlen, false))
			return false;
	}

	/* skip a port */
	if (*p == ':')
	{
		p++;
		if (!isdigit((unsigned char) *p))
			return false;
		while (isdigit((unsigned char) *p))
			p++;
	}
	*rest = p;
	return true;
}

/*
 * host_is_valid
 *		Is host[0..len) a host name or IPv4 address (letters, digits, dots
 *		and hyphens), or inside brackets an IPv6 address?  Anything else
 *		(user-info, percent-encoding, backslashes) could make libcurl
 *		connect to another host than the one checked here.
 */
static bool
host_is_valid(const char *host, int len, bool bracketed)
{
	int			i;

	if (len <= 0)
		return false;
	for (i = 0; i < len; i++)
	{
		char		c = host[i];

		if (bracketed ? !(isxdigit((unsigned char) c) || c == ':' || c == '.')
			: !(isalnum((unsigned char) c) || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* Is the host name or address host[0..len) a loopback host? */
static bool
host_is_loopback(const char *host, int len)
{
	char		buf[64];
	unsigned char addr[16];

	if (len <= 0 || len >= (int) sizeof(buf))
		return false;
	memcpy(buf, host, len);
	buf[len] = '\0';

	if (pg_strcasecmp(buf, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, buf, addr) == 1)
		return addr[0] == 127;
	if (inet_pton(AF_INET6, buf, addr) == 1)
	{
		static const unsigned char loopback6[16] =
		{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

		return memcmp(addr, loopback6, 16) == 0;
	}
	return false;
}

/*
 * SfUrlProblem
 *		NULL if 'url' can be the base URL of an org, else why not (a
 *		sentence for errdetail): it must be http(s)://host[:port] with at
 *		most a trailing slash after it (no user name, path or query), and
 *		plain http is allowed only for a loopback host (the test emulator).
 *		The url option and the token response's instance_url are both
 *		checked here, since both receive the access token.
 */
const char *
SfUrlProblem(const char *url)
{
	const char *host;
	const char *rest;
	int			hostlen;
	bool		https;

	if (url != NULL && strstr(url, "://") != NULL)
	{
		const char *authority = strstr(url, "://") + 3;

		/* user-info: libcurl would send to the host after the @ */
		if (memchr(authority, '@', strcspn(authority, "/?#")) != NULL)
			return _("The URL must not contain a path, query or user name.");
	}
	if (url == NULL || !url_host(url, &host, &hostlen, &https, &rest))
		return _("The URL must start with https:// and a host name.");
	if (*rest != '\0' && strcmp(rest, "/") != 0)
		return _("The URL must not contain a path, query or user name.");
	if (!https && !host_is_loopback(host, hostlen))
		return _("Plain http is allowed only for loopback hosts.");
	return NULL;
}

/*
 * parse_url
 *		Check a server url and return it normalized (palloc'd, without a
 *		trailing slash).  With 'report' false nothing is checked beyond
 *		normalization (the value was validated when it was stored).
 */
static char *
parse_url(const char *value, bool report)
{
	const char *host;
	const char *rest;
	int			hostlen;
	bool		https;
	char	   *result;
	int			len;

	if (report)
	{
		if (!url_host(value, &host, &hostlen, &https, &rest))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
					 errmsg("invalid value for option \"url\": \"%s\"", value),
					 errhint("Give the org's My Domain URL, such as \"https://acme.my.salesforce.com\".")));

		if (*rest != '\0' && strcmp(rest, "/") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
					 errmsg("invalid value for option \"url\": \"%s\"", value),
					 errdetail("%s", SfUrlProblem(value)),
					 errhint("Give only the scheme and host of the org's My Domain URL, such as \"https://acme.my.salesforce.com\".")));

		if ((hostlen == 20 &&
			 pg_strncasecmp(host, "login.salesforce.com", 20) == 0) ||
			(hostlen == 19 &&
			 pg_strncasecmp(host, "test.salesforce.com", 19) == 0))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
					 errmsg("invalid value for option \"url\": \"%s\"", value),
					 errdetail("The OAuth 2.0 client credentials flow is not supported on the generic login hosts."),
					 errhint("Use the org's My Domain URL, such as \"https://acme.my.salesforce.com\" (Setup, My Domain).")));

		if (!https && !host_is_loopback(host, hostlen))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
					 errmsg("invalid value for option \"url\": \"%s\"", value),
					 errdetail("%s", SfUrlProblem(value)),
					 errhint("Use an https:// URL.")));
	}

	result = pstrdup(value);
	len = strlen(result);
	while (len > 0 && result[len - 1] == '/')
		result[--len] = '\0';
	return result;
}

/*
 * parse_api_version
 *		Check an api_version ("66.0" or "v66.0") and return it without the
 *		'v' (palloc'd).
 */
static char *
parse_api_version(const char *value)
{
	const char *v = value;

	if (*v == 'v' || *v == 'V')
		v++;
	if (!(strlen(v) == 4 &&
		  isdigit((unsigned char) v[0]) && isdigit((unsigned char) v[1]) &&
		  v[2] == '.' && isdigit((unsigned char) v[3])) ||
		v[0] == '0')
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"api_version\": \"%s\"",
						value),
				 errhint("Give a REST API version such as \"%s\" or \"v%s\".",
						 SF_DEFAULT_API_VERSION, SF_DEFAULT_API_VERSION)));
	return pstrdup(v);
}

/*
 * SfGetConnOptions
 *		Resolve the connection options of 'server' overridden by those of
 *		'user' (which may be NULL), applying defaults, into 'opts'.
 *
 * Raises an error if the server has no url.  client_id and client_secret
 * are left NULL when neither object sets them; connection.c reports that.
 * Strings are allocated in CurrentMemoryContext.
 */
void
SfGetConnOptions(ForeignServer *server, UserMapping *user,
				 SfConnOptions *opts)
{
	ListCell   *lc;

	memset(opts, 0, sizeof(SfConnOptions));
	opts->api_version = pstrdup(SF_DEFAULT_API_VERSION);
	opts->connect_timeout = SF_DEFAULT_CONNECT_TIMEOUT;
	opts->request_timeout = SF_DEFAULT_REQUEST_TIMEOUT;
	opts->fetch_size = SF_DEFAULT_FETCH_SIZE;
	opts->max_retries = SF_DEFAULT_MAX_RETRIES;

	foreach(lc, server->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "url") == 0)
			opts->url = parse_url(defGetString(def), false);
		else if (strcmp(def->defname, "api_version") == 0)
			opts->api_version = parse_api_version(defGetString(def));
		else if (strcmp(def->defname, "client_id") == 0)
			opts->client_id = pstrdup(defGetString(def));
		else if (strcmp(def->defname, "client_secret") == 0)
		{
			/* stored before the validator refused it there: never used */
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("foreign server \"%s\" has option \"client_secret\"",
							server->servername),
					 errdetail("Every role can read the options of a foreign server."),
					 errhint("Move it to a user mapping: ALTER SERVER %s OPTIONS (DROP client_secret), then set client_secret in CREATE USER MAPPING or ALTER USER MAPPING.",
							 quote_identifier(server->servername))));
		}
		else if (strcmp(def->defname, "connect_timeout") == 0)
			opts->connect_timeout = SfParseIntOption(def, 1, SF_MAX_TIMEOUT);
		else if (strcmp(def->defname, "request_timeout") == 0)
			opts->request_timeout = SfParseIntOption(def, 1, SF_MAX_TIMEOUT);
		else if (strcmp(def->defname, "fetch_size") == 0)
			opts->fetch_size = SfParseIntOption(def, SF_MIN_FETCH_SIZE,
												SF_MAX_FETCH_SIZE);
		else if (strcmp(def->defname, "max_retries") == 0)
			opts->max_retries = SfParseIntOption(def, 0, SF_MAX_RETRIES);
		else if (strcmp(def->defname, "max_api_calls") == 0)
			opts->max_api_calls = SfParseIntOption(def, 1, INT_MAX);
		else if (strcmp(def->defname, "api_reserve_percent") == 0)
			opts->api_reserve_percent = SfParseIntOption(def, 0, 100);
	}

	if (user != NULL)
	{
		foreach(lc, user->options)
		{
			DefElem    *def = (DefElem *) lfirst(lc);

			if (strcmp(def->defname, "client_id") == 0)
				opts->client_id = pstrdup(defGetString(def));
			else if (strcmp(def->defname, "client_secret") == 0)
				opts->client_secret = pstrdup(defGetString(def));
		}
	}

	if (opts->url == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("foreign server \"%s\" has no option \"url\"",
						server->servername),
				 errhint("Set it with ALTER SERVER %s OPTIONS (ADD url 'https://MyDomain.my.salesforce.com').",
						 quote_identifier(server->servername))));
}

/*
 * apply_shared_table_option
 *		Apply 'def' if it is one of the table options a server may set as
 *		the default of its tables (fetch_size, batch_size, all_or_none,
 *		bulk and its thresholds); false for any other option.
 */
static bool
apply_shared_table_option(DefElem *def, SfTableOptions *opts)
{
	if (strcmp(def->defname, "fetch_size") == 0)
		opts->fetch_size = SfParseIntOption(def, SF_MIN_FETCH_SIZE,
											SF_MAX_FETCH_SIZE);
	else if (strcmp(def->defname, "batch_size") == 0)
		opts->batch_size = SfParseIntOption(def, SF_MIN_BATCH_SIZE,
											SF_MAX_BATCH_SIZE);
	else if (strcmp(def->defname, "all_or_none") == 0)
		opts->all_or_none = SfParseBoolOption(def);
	else if (strcmp(def->defname, "bulk") == 0)
		opts->bulk = SfParseBulkOption(def);
	else if (strcmp(def->defname, "bulk_read_threshold") == 0)
		opts->bulk_read_threshold = SfParseIntOption(def, 1,
													 SF_MAX_BULK_THRESHOLD);
	else if (strcmp(def->defname, "bulk_write_threshold") == 0)
		opts->bulk_write_threshold = SfParseIntOption(def, 1,
													  SF_MAX_BULK_THRESHOLD);
	else
		return false;
	return true;
}

/*
 * SfGetTableOptions
 *		Resolve the options of foreign table 'relid' into 'opts': sobject
 *		defaults to the table's name; fetch_size, batch_size, all_or_none,
 *		bulk, bulk_read_threshold and bulk_write_threshold to the server's.
 */
void
SfGetTableOptions(Oid relid, SfTableOptions *opts)
{
	ForeignTable *table = GetForeignTable(relid);
	ForeignServer *server = GetForeignServer(table->serverid);
	ListCell   *lc;

	opts->sobject = NULL;
	opts->query_all = false;
	opts->fetch_size = SF_DEFAULT_FETCH_SIZE;
	opts->batch_size = SF_DEFAULT_BATCH_SIZE;
	opts->all_or_none = true;
	opts->upsert_field = NULL;
	opts->max_api_calls = 0;
	opts->bulk = SF_BULK_AUTO;
	opts->bulk_read_threshold = SF_DEFAULT_BULK_READ_THRESHOLD;
	opts->bulk_write_threshold = SF_DEFAULT_BULK_WRITE_THRESHOLD;

	foreach(lc, server->options)
		(void) apply_shared_table_option((DefElem *) lfirst(lc), opts);

	foreach(lc, table->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (apply_shared_table_option(def, opts))
			continue;
		if (strcmp(def->defname, "sobject") == 0)
			opts->sobject = pstrdup(defGetString(def));
		else if (strcmp(def->defname, "query_all") == 0)
			opts->query_all = SfParseBoolOption(def);
		else if (strcmp(def->defname, "upsert_field") == 0)
			opts->upsert_field = pstrdup(defGetString(def));
		else if (strcmp(def->defname, "max_api_calls") == 0)
			opts->max_api_calls = SfParseIntOption(def, 1, INT_MAX);
	}

	if (opts->sobject == NULL)
	{
		char	   *relname = get_rel_name(relid);

		/* the table's name goes into SOQL unquoted: it must be an API name */
		if (!SfIsApiName(relname, strlen(relname)))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
					 errmsg("foreign table \"%s\" is not named like a Salesforce object",
							relname),
					 errhint("Set the sObject's API name with the table option \"sobject\".")));
		opts->sobject = relname;
	}
}

/*
 * SfColumnField
 *		The API field name (or relationship path) of column 'attnum' of
 *		foreign table 'relid': its "field" option, else the column's name.
 */
char *
SfColumnField(Oid relid, AttrNumber attnum)
{
	List	   *options = GetForeignColumnOptions(relid, attnum);
	ListCell   *lc;
	char	   *attname;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "field") == 0)
			return pstrdup(defGetString(def));
	}

	attname = get_attname(relid, attnum, false);
	/* the name goes into SOQL unquoted: it must be an API name */
	if (!SfIsApiName(attname, strlen(attname)))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("column \"%s\" of foreign table \"%s\" is not named like a Salesforce field",
						attname, get_rel_name(relid)),
				 errhint("Set the field's API name with the column option \"field\".")));
	return attname;
}
