/*-------------------------------------------------------------------------
 *
 * describe.c
 *		  Fetch, parse and cache the describe metadata of sObjects.
 *
 * The global describe and the object describes become plain C structs
 * (SfGlobalDesc, SfSObjectDesc), cached per backend and user mapping (what
 * a user sees depends on field-level security).  Up to 25 describes travel
 * in one Composite request, one API call.  A pointer handed out stays valid
 * until the end of the transaction: invalidation only retires entries.
 * json-c trees live in a short-lived memory context.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "salesforce_fdw.h"		/* first: see the json_object note there */

#include "access/xact.h"
#include "miscadmin.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

/* Salesforce allows at most 25 subrequests in one Composite request. */
#define SF_COMPOSITE_MAX_SUBREQUESTS	25

/* API names are at most ~80 bytes (namespace, 40 characters, suffix). */
#define SF_MAX_SOBJECT_NAME			128

/* Key of a cached object describe: user mapping and lower-case name. */
typedef struct DescribeKey
{
	Oid			umid;
	char		name[SF_MAX_SOBJECT_NAME];
} DescribeKey;

typedef struct DescribeEntry
{
	DescribeKey key;			/* hash key: must be first */
	MemoryContext cxt;			/* owns desc */
	SfSObjectDesc *desc;
} DescribeEntry;

typedef struct GlobalEntry
{
	Oid			umid;			/* hash key: must be first */
	MemoryContext cxt;			/* owns desc */
	SfGlobalDesc *desc;
} GlobalEntry;

static MemoryContext DescribeCacheContext = NULL;	/* live entries */
static MemoryContext DescribeRetiredContext = NULL; /* freed at xact end */
static HTAB *DescribeHash = NULL;
static HTAB *GlobalHash = NULL;
static bool describe_flush_pending = false;

static void describe_cache_init(void);
static void describe_inval_callback(Datum arg, int cacheid, uint32 hashvalue);
static void describe_xact_callback(XactEvent event, void *arg);
static void describe_process_flush(void);
static void retire_entries(Oid umid);
static void make_key(DescribeKey *key, Oid umid, const char *name);
static bool json_get_bool(json_object *obj, const char *key);
static int	json_get_int(json_object *obj, const char *key);
static char *json_copy_string(json_object *obj, const char *key);
static SfSObjectDesc *parse_sobject_describe(json_object *obj);
static SfGlobalDesc *parse_global_describe(json_object *obj);
static DescribeEntry *store_describe(Oid umid, json_object *obj,
									 MemoryContext work_cxt);
static void report_missing_sobject(SfConnection *conn, const char *name);
static void fetch_one(SfConnection *conn, const char *name,
					  MemoryContext work_cxt);
static void fetch_composite(SfConnection *conn, const char *const *names, int n,
							MemoryContext work_cxt);

/*
 * describe_cache_init
 *		Create the cache and register the callbacks, once per backend.
 */
static void
describe_cache_init(void)
{
	HASHCTL		ctl;

	if (DescribeHash != NULL)
		return;

	if (DescribeCacheContext == NULL)
	{
		DescribeCacheContext = AllocSetContextCreate(CacheMemoryContext,
													 "salesforce_fdw describe cache",
													 ALLOCSET_DEFAULT_SIZES);
		DescribeRetiredContext = AllocSetContextCreate(CacheMemoryContext,
													   "salesforce_fdw retired describes",
													   ALLOCSET_SMALL_SIZES);

		/*
		 * What a describe says depends on the org the server points at and on
		 * the credentials of the user mapping: drop everything when either
		 * catalog changes, as connection.c drops its connections.
		 */
		CacheRegisterSyscacheCallback(FOREIGNSERVEROID,
									  describe_inval_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(USERMAPPINGOID,
									  describe_inval_callback, (Datum) 0);
		RegisterXactCallback(describe_xact_callback, NULL);
	}

	MemSet(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(DescribeKey);
	ctl.entrysize = sizeof(DescribeEntry);
	ctl.hcxt = DescribeCacheContext;
	DescribeHash = hash_create("salesforce_fdw describes", 64, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	MemSet(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(GlobalEntry);
	ctl.hcxt = DescribeCacheContext;
	GlobalHash = hash_create("salesforce_fdw global describes", 8, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/*
 * describe_inval_callback
 *		A foreign server or user mapping changed.  This can run in the middle
 *		of any catalog access, including our own, so only raise a flag; the
 *		next call into this file retires the entries.
 */
static void
describe_inval_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	describe_flush_pending = true;
}

/*
 * describe_xact_callback
 *		At the end of every transaction, free what was retired during it.
 */
static void
describe_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			if (DescribeRetiredContext != NULL)
				MemoryContextReset(DescribeRetiredContext);
			break;
		default:
			break;
	}
}

/* Retire everything if an invalidation arrived since the last call. */
static void
describe_process_flush(void)
{
	describe_cache_init();
	if (describe_flush_pending)
	{
		describe_flush_pending = false;
		retire_entries(InvalidOid);
	}
}

/*
 * retire_entries
 *		Remove the entries of user mapping 'umid' (all if InvalidOid) from
 *		the cache.  Their memory moves to the retired context, so pointers
 *		callers hold stay valid until the transaction ends.
 */
static void
retire_entries(Oid umid)
{
	HASH_SEQ_STATUS status;
	DescribeEntry *entry;
	GlobalEntry *gentry;

	hash_seq_init(&status, DescribeHash);
	while ((entry = (DescribeEntry *) hash_seq_search(&status)) != NULL)
	{
		if (OidIsValid(umid) && entry->key.umid != umid)
			continue;
		MemoryContextSetParent(entry->cxt, DescribeRetiredContext);
		/* removing the entry just returned is allowed during a scan */
		hash_search(DescribeHash, &entry->key, HASH_REMOVE, NULL);
	}

	hash_seq_init(&status, GlobalHash);
	while ((gentry = (GlobalEntry *) hash_seq_search(&status)) != NULL)
	{
		if (OidIsValid(umid) && gentry->umid != umid)
			continue;
		MemoryContextSetParent(gentry->cxt, DescribeRetiredContext);
		hash_search(GlobalHash, &gentry->umid, HASH_REMOVE, NULL);
	}
}

/*
 * SfDescribeForget
 *		Drop what is cached for the user mapping of 'conn', so the next call
 *		asks Salesforce again (IMPORT FOREIGN SCHEMA wants today's metadata).
 *		Pointers already handed out stay valid until the transaction ends.
 */
void
SfDescribeForget(SfConnection *conn)
{
	describe_process_flush();
	retire_entries(SfConnectionUserMapping(conn));
}

/* The hash key for 'name' (matched case-insensitively, as Salesforce does). */
static void
make_key(DescribeKey *key, Oid umid, const char *name)
{
	size_t		len = strlen(name);
	size_t		i;

	MemSet(key, 0, sizeof(DescribeKey));
	key->umid = umid;
	if (len >= SF_MAX_SOBJECT_NAME)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid Salesforce object name \"%s\"", name),
				 errdetail("API names are at most %d bytes long.",
						   SF_MAX_SOBJECT_NAME - 1)));
	for (i = 0; i < len; i++)
		key->name[i] = pg_ascii_tolower((unsigned char) name[i]);
}

/* Boolean member 'key' of 'obj'; false when absent or not a boolean. */
static bool
json_get_bool(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || v == NULL ||
		!json_object_is_type(v, json_type_boolean))
		return false;
	return json_object_get_boolean(v) != 0;
}

/* Integer member 'key' of 'obj'; 0 when absent or null. */
static int
json_get_int(json_object *obj, const char *key)
{
	json_object *v;
	int64_t		n;

	if (!json_object_object_get_ex(obj, key, &v) || v == NULL ||
		!(json_object_is_type(v, json_type_int) ||
		  json_object_is_type(v, json_type_double)))
		return 0;
	n = json_object_get_int64(v);
	if (n < 0 || n > PG_INT32_MAX)
		return 0;
	return (int) n;
}

/* String member 'key' of 'obj', palloc'd; NULL when absent or not a string. */
static char *
json_copy_string(json_object *obj, const char *key)
{
	const char *v = SfJsonGetString(obj, key);

	return v ? pstrdup(v) : NULL;
}

/*
 * parse_sobject_describe
 *		Build an SfSObjectDesc (in CurrentMemoryContext) from the JSON of an
 *		object describe.  Raises an error if it has no name or no fields.
 */
static SfSObjectDesc *
parse_sobject_describe(json_object *obj)
{
	SfSObjectDesc *desc;
	json_object *fields;
	int			nfields;
	int			i;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
		!json_object_object_get_ex(obj, "fields", &fields) ||
		fields == NULL || !json_object_is_type(fields, json_type_array))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("invalid describe result from Salesforce"),
				 errdetail("The object describe has no \"fields\" array.")));

	desc = palloc0(sizeof(SfSObjectDesc));
	desc->name = json_copy_string(obj, "name");
	if (desc->name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("invalid describe result from Salesforce"),
				 errdetail("The object describe has no \"name\".")));
	desc->label = json_copy_string(obj, "label");
	desc->key_prefix = json_copy_string(obj, "keyPrefix");
	desc->custom = json_get_bool(obj, "custom");
	desc->queryable = json_get_bool(obj, "queryable");
	desc->createable = json_get_bool(obj, "createable");
	desc->updateable = json_get_bool(obj, "updateable");
	desc->deletable = json_get_bool(obj, "deletable");

	nfields = (int) json_object_array_length(fields);
	desc->fields = palloc0(sizeof(SfFieldDesc) * Max(nfields, 1));
	desc->nfields = 0;
	for (i = 0; i < nfields; i++)
	{
		json_object *f = json_object_array_get_idx(fields, i);
		SfFieldDesc *fd = &desc->fields[desc->nfields];
		json_object *refs;

		if (f == NULL || !json_object_is_type(f, json_type_object))
			continue;
		fd->name = json_copy_string(f, "name");
		fd->type = json_copy_string(f, "type");
		if (fd->name == NULL || fd->type == NULL)
			continue;
		fd->label = json_copy_string(f, "label");
		fd->soap_type = json_copy_string(f, "soapType");
		fd->length = json_get_int(f, "length");
		fd->precision = json_get_int(f, "precision");
		fd->scale = json_get_int(f, "scale");
		fd->digits = json_get_int(f, "digits");
		fd->nillable = json_get_bool(f, "nillable");
		fd->createable = json_get_bool(f, "createable");
		fd->updateable = json_get_bool(f, "updateable");
		fd->filterable = json_get_bool(f, "filterable");
		fd->sortable = json_get_bool(f, "sortable");
		fd->groupable = json_get_bool(f, "groupable");
		fd->aggregatable = json_get_bool(f, "aggregatable");
		fd->case_sensitive = json_get_bool(f, "caseSensitive");
		fd->calculated = json_get_bool(f, "calculated");
		fd->auto_number = json_get_bool(f, "autoNumber");
		fd->external_id = json_get_bool(f, "externalId");
		fd->id_lookup = json_get_bool(f, "idLookup");
		fd->unique = json_get_bool(f, "unique");
		fd->custom = json_get_bool(f, "custom");
		fd->defaulted_on_create = json_get_bool(f, "defaultedOnCreate");
		fd->relationship_name = json_copy_string(f, "relationshipName");
		fd->compound_field_name = json_copy_string(f, "compoundFieldName");

		if (json_object_object_get_ex(f, "referenceTo", &refs) &&
			refs != NULL && json_object_is_type(refs, json_type_array))
		{
			int			nrefs = (int) json_object_array_length(refs);
			int			j;

			fd->reference_to = palloc0(sizeof(char *) * Max(nrefs, 1));
			for (j = 0; j < nrefs; j++)
			{
				json_object *r = json_object_array_get_idx(refs, j);

				if (r != NULL && json_object_is_type(r, json_type_string))
					fd->reference_to[fd->nreference_to++] =
						pstrdup(json_object_get_string(r));
			}
		}
		desc->nfields++;
	}
	return desc;
}

/*
 * parse_global_describe
 *		Build an SfGlobalDesc (in CurrentMemoryContext) from the JSON of the
 *		global describe.
 */
static SfGlobalDesc *
parse_global_describe(json_object *obj)
{
	SfGlobalDesc *desc;
	json_object *list;
	int			n;
	int			i;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
		!json_object_object_get_ex(obj, "sobjects", &list) ||
		list == NULL || !json_object_is_type(list, json_type_array))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("invalid describe result from Salesforce"),
				 errdetail("The global describe has no \"sobjects\" array.")));

	n = (int) json_object_array_length(list);
	desc = palloc0(sizeof(SfGlobalDesc));
	desc->sobjects = palloc0(sizeof(SfGlobalSObject) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		json_object *o = json_object_array_get_idx(list, i);
		SfGlobalSObject *so = &desc->sobjects[desc->nsobjects];

		if (o == NULL || !json_object_is_type(o, json_type_object))
			continue;
		so->name = json_copy_string(o, "name");
		if (so->name == NULL)
			continue;
		so->label = json_copy_string(o, "label");
		so->key_prefix = json_copy_string(o, "keyPrefix");
		so->custom = json_get_bool(o, "custom");
		so->queryable = json_get_bool(o, "queryable");
		so->createable = json_get_bool(o, "createable");
		so->updateable = json_get_bool(o, "updateable");
		so->deletable = json_get_bool(o, "deletable");
		so->deprecated_and_hidden = json_get_bool(o, "deprecatedAndHidden");
		desc->nsobjects++;
	}
	return desc;
}

/*
 * store_describe
 *		Parse an object describe and put it into the cache, replacing
 *		(retiring) an older entry of the same name.
 *
 * The struct is built in a context that starts as a child of 'work_cxt',
 * so an error while parsing leaves nothing behind in the cache; it moves
 * under the cache context only once complete.
 */
static DescribeEntry *
store_describe(Oid umid, json_object *obj, MemoryContext work_cxt)
{
	MemoryContext cxt;
	MemoryContext oldcxt;
	SfSObjectDesc *desc;
	DescribeKey key;
	DescribeEntry *entry;
	bool		found;

	cxt = AllocSetContextCreate(work_cxt, "salesforce_fdw sobject describe",
								ALLOCSET_SMALL_SIZES);
	oldcxt = MemoryContextSwitchTo(cxt);
	desc = parse_sobject_describe(obj);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextSetIdentifier(cxt, desc->name);

	make_key(&key, umid, desc->name);
	entry = (DescribeEntry *) hash_search(DescribeHash, &key, HASH_ENTER,
										  &found);
	if (found)
		MemoryContextSetParent(entry->cxt, DescribeRetiredContext);
	MemoryContextSetParent(cxt, DescribeCacheContext);
	entry->cxt = cxt;
	entry->desc = desc;
	return entry;
}

/* Raise the error for an sObject the org does not have (or hides). */
static void
report_missing_sobject(SfConnection *conn, const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
			 errmsg("Salesforce object \"%s\" does not exist", name),
			 errdetail("The describe of \"%s\" on foreign server \"%s\" answered NOT_FOUND.",
					   name, SfConnectionServerName(conn)),
			 errhint("Check the sObject's API name (custom objects end in \"__c\") and that the integration user may see it.")));
}

/*
 * fetch_one
 *		GET <api>/sobjects/<name>/describe and cache the result.
 */
static void
fetch_one(SfConnection *conn, const char *name, MemoryContext work_cxt)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(work_cxt);
	StringInfoData resource;
	SfRequest	req;
	json_object *body = NULL;
	char	   *failure;
	int			status;

	initStringInfo(&resource);
	appendStringInfo(&resource, "/sobjects/%s/describe", name);
	MemSet(&req, 0, sizeof(req));
	req.method = "GET";
	req.retryable = true;
	req.path = SfApiPath(conn, resource.data);
	failure = psprintf("could not describe Salesforce object \"%s\"", name);

	status = SfPerformRequest(conn, &req, SF_REQ_RETURN_ERRORS, &body, failure);
	if (status == 404)
		report_missing_sobject(conn, name);
	if (status < 200 || status > 299)
		SfReportError(conn, failure, status, body);

	MemoryContextSwitchTo(oldcxt);
	store_describe(SfConnectionUserMapping(conn), body, work_cxt);
}

/*
 * fetch_composite
 *		Describe 'n' (at most 25) sObjects with one Composite request and
 *		cache the results.
 *
 * Composite, not Composite/Batch: Salesforce counts a whole Composite
 * request as one call against the org's API allowance, while each
 * subrequest of a Batch counts as a call of its own.  With allOrNone false
 * the subrequests are independent; each has its own status, and the
 * request itself answers 200 even when some fail.
 */
static void
fetch_composite(SfConnection *conn, const char *const *names, int n,
				MemoryContext work_cxt)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(work_cxt);
	json_object *request;
	json_object *list;
	json_object *body = NULL;
	json_object *results;
	SfRequest	req;
	char	   *payload;
	char	   *api_path = SfApiPath(conn, NULL);
	int			i;

	Assert(n > 0 && n <= SF_COMPOSITE_MAX_SUBREQUESTS);

	/*
	 * The request body is built with json-c, which allocates with malloc:
	 * take it over into a palloc'd string and free the tree at once, before
	 * anything can throw.
	 */
	request = json_object_new_object();
	list = json_object_new_array();
	json_object_object_add(request, "allOrNone", json_object_new_boolean(0));
	for (i = 0; i < n; i++)
	{
		json_object *sub = json_object_new_object();
		char		url[SF_MAX_SOBJECT_NAME + 64];
		char		ref[32];

		snprintf(url, sizeof(url), "%s/sobjects/%s/describe",
				 api_path, names[i]);
		snprintf(ref, sizeof(ref), "describe%d", i);
		json_object_object_add(sub, "method", json_object_new_string("GET"));
		json_object_object_add(sub, "url", json_object_new_string(url));
		json_object_object_add(sub, "referenceId", json_object_new_string(ref));
		json_object_array_add(list, sub);
	}
	json_object_object_add(request, "compositeRequest", list);
	payload = pstrdup(json_object_to_json_string_ext(request,
													 JSON_C_TO_STRING_PLAIN));
	json_object_put(request);

	MemSet(&req, 0, sizeof(req));
	req.method = "POST";
	req.retryable = true;
	req.path = SfApiPath(conn, "/composite");
	req.body = payload;
	req.content_type = "application/json";
	(void) SfPerformRequest(conn, &req, 0, &body,
							"could not describe Salesforce objects");

	if (body == NULL ||
		!json_object_object_get_ex(body, "compositeResponse", &results) ||
		results == NULL || !json_object_is_type(results, json_type_array) ||
		(int) json_object_array_length(results) != n)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("invalid Composite response from Salesforce"),
				 errdetail_plural("Expected a \"compositeResponse\" array of %d item.",
								  "Expected a \"compositeResponse\" array of %d items.",
								  n, n)));

	MemoryContextSwitchTo(oldcxt);
	for (i = 0; i < n; i++)
	{
		json_object *item = json_object_array_get_idx(results, i);
		json_object *v;
		json_object *result = NULL;
		const char *name = names[i];
		int			substatus = 0;

		/* results come in request order; the referenceId says so too */
		if (item != NULL && json_object_object_get_ex(item, "referenceId", &v) &&
			v != NULL && json_object_is_type(v, json_type_string))
		{
			const char *ref = json_object_get_string(v);

			if (strncmp(ref, "describe", 8) == 0)
			{
				int			k = atoi(ref + 8);

				if (k >= 0 && k < n)
					name = names[k];
			}
		}
		if (item != NULL &&
			json_object_object_get_ex(item, "httpStatusCode", &v) && v != NULL)
			substatus = json_object_get_int(v);
		if (item != NULL)
			json_object_object_get_ex(item, "body", &result);

		if (substatus == 404)
			report_missing_sobject(conn, name);
		if (substatus < 200 || substatus > 299)
		{
			MemoryContextSwitchTo(work_cxt);
			SfReportError(conn,
						  psprintf("could not describe Salesforce object \"%s\"",
								   name),
						  substatus, result);
		}
		store_describe(SfConnectionUserMapping(conn), result, work_cxt);
	}
}

/*
 * SfDescribeMany
 *		The describes of the sObjects 'names[0..n)', fetched through
 *		Composite requests (25 describes each) for those not cached yet.
 *
 * Returns a palloc'd array of n pointers into the cache, in the order of
 * 'names' (names are matched case-insensitively; each result carries the
 * canonical name).  An sObject the org does not have is an error naming it.
 * The structs are valid at least until the end of the current transaction
 * and must not be modified.
 */
const SfSObjectDesc **
SfDescribeMany(SfConnection *conn, const char *const *names, int n)
{
	const SfSObjectDesc **result;
	const char **missing;
	int			nmissing = 0;
	MemoryContext work_cxt;
	int			i;

	describe_process_flush();

	result = palloc0(sizeof(SfSObjectDesc *) * Max(n, 1));
	missing = palloc(sizeof(char *) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		DescribeKey key;
		DescribeEntry *entry;
		int			j;
		bool		dup = false;

		/* the name goes into a URL: anything but an API name cannot exist */
		if (!SfIsApiName(names[i], (int) strlen(names[i])))
			report_missing_sobject(conn, names[i]);
		make_key(&key, SfConnectionUserMapping(conn), names[i]);
		entry = (DescribeEntry *) hash_search(DescribeHash, &key, HASH_FIND,
											  NULL);
		if (entry != NULL)
			continue;
		for (j = 0; j < nmissing && !dup; j++)
			dup = (pg_strcasecmp(missing[j], names[i]) == 0);
		if (!dup)
			missing[nmissing++] = names[i];
	}

	if (nmissing > 0)
	{
		/* json trees and request buffers die with this context */
		work_cxt = AllocSetContextCreate(CurrentMemoryContext,
										 "salesforce_fdw describe",
										 ALLOCSET_DEFAULT_SIZES);
		for (i = 0; i < nmissing; i += SF_COMPOSITE_MAX_SUBREQUESTS)
		{
			int			chunk = Min(nmissing - i, SF_COMPOSITE_MAX_SUBREQUESTS);

			/* a Composite of one would only wrap a plain request */
			if (chunk == 1)
				fetch_one(conn, missing[i], work_cxt);
			else
				fetch_composite(conn, missing + i, chunk, work_cxt);
			CHECK_FOR_INTERRUPTS();
		}
		MemoryContextDelete(work_cxt);
	}

	for (i = 0; i < n; i++)
	{
		DescribeKey key;
		DescribeEntry *entry;

		make_key(&key, SfConnectionUserMapping(conn), names[i]);
		entry = (DescribeEntry *) hash_search(DescribeHash, &key, HASH_FIND,
											  NULL);
		if (entry == NULL)
		{
			/* Salesforce answered with another object than we asked for */
			report_missing_sobject(conn, names[i]);
		}
		result[i] = entry->desc;
	}
	pfree(missing);
	return result;
}

/*
 * SfDescribeSObject
 *		The describe of one sObject (cached; see SfDescribeMany).
 */
const SfSObjectDesc *
SfDescribeSObject(SfConnection *conn, const char *name)
{
	const SfSObjectDesc **one;
	const SfSObjectDesc *desc;

	one = SfDescribeMany(conn, &name, 1);
	desc = one[0];
	pfree(one);
	return desc;
}

/*
 * SfDescribeGlobal
 *		The global describe (GET <api>/sobjects) of the org, cached like the
 *		object describes.
 */
const SfGlobalDesc *
SfDescribeGlobal(SfConnection *conn)
{
	GlobalEntry *entry;
	bool		found;
	MemoryContext work_cxt;
	MemoryContext cxt;
	MemoryContext oldcxt;
	SfGlobalDesc *desc;
	SfRequest	req;
	json_object *body = NULL;
	Oid			umid = SfConnectionUserMapping(conn);

	describe_process_flush();

	entry = (GlobalEntry *) hash_search(GlobalHash, &umid, HASH_FIND, NULL);
	if (entry != NULL)
		return entry->desc;

	work_cxt = AllocSetContextCreate(CurrentMemoryContext,
									 "salesforce_fdw describe",
									 ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(work_cxt);
	MemSet(&req, 0, sizeof(req));
	req.method = "GET";
	req.retryable = true;
	req.path = SfApiPath(conn, "/sobjects");
	(void) SfPerformRequest(conn, &req, 0, &body,
							"could not list the Salesforce objects");

	/* built under work_cxt, moved into the cache once complete */
	cxt = AllocSetContextCreate(work_cxt, "salesforce_fdw global describe",
								ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(cxt);
	desc = parse_global_describe(body);
	MemoryContextSwitchTo(oldcxt);

	MemoryContextSetParent(cxt, DescribeCacheContext);
	MemoryContextDelete(work_cxt);

	entry = (GlobalEntry *) hash_search(GlobalHash, &umid, HASH_ENTER,
										&found);
	entry->cxt = cxt;
	entry->desc = desc;
	return desc;
}

/*
 * SfDescribeField
 *		The field of 'desc' whose API name is 'name' (case-insensitively),
 *		or NULL.
 */
const SfFieldDesc *
SfDescribeField(const SfSObjectDesc *desc, const char *name)
{
	int			i;

	for (i = 0; i < desc->nfields; i++)
	{
		if (pg_strcasecmp(desc->fields[i].name, name) == 0)
			return &desc->fields[i];
	}
	return NULL;
}
