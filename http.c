/*-------------------------------------------------------------------------
 *
 * http.c
 *		  The transport of salesforce_fdw: one HTTP exchange through libcurl.
 *
 * Two reused easy handles per connection: one for the request the caller
 * waits for, one for a GET in the background (a query's next page), both
 * driven through a private multi handle so that this file decides how
 * often to look at the interrupt flags.  Nothing here raises an error or
 * pallocs inside a curl callback: a transfer ends with a CURLcode and
 * curl's message, and connection.c reports it after the cleanup.  A
 * background transfer dropped unfinished closes its connection.  TLS
 * verification stays on, redirects are not followed, only http and https
 * are allowed, and nothing is logged (headers hold the access token, the
 * token request the client secret).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "salesforce_fdw.h"

#include <curl/curl.h>

/* curl_multi_poll() came with libcurl 7.66.0 */
#if LIBCURL_VERSION_NUM < 0x074200
#error "salesforce_fdw requires libcurl 7.66.0 or later"
#endif

#include "miscadmin.h"
#include "utils/memutils.h"

/* How often (ms) a waiting transfer looks at the interrupt flags. */
#define SF_HTTP_POLL_MS		100

/* A response body larger than this cannot become a StringInfo. */
#define SF_HTTP_MAX_BODY	((size_t) MaxAllocSize - 1)

/*
 * One transfer slot: an easy handle and the malloc'd buffers its callbacks
 * fill.  A transport has two: the one SfHttpPerform uses and waits for, and
 * a background one (SfHttpStart .. SfHttpFinish) that runs while the caller
 * does other work.
 */
typedef struct SfHttpTransfer
{
	CURL	   *easy;			/* reused for every request of this slot */
	struct curl_slist *headers; /* of the transfer in progress */
	bool		added;			/* in the multi handle */
	bool		done;			/* finished; 'result' holds how */
	CURLcode	result;
	const void *owner;			/* background: who started it, or NULL */
	char	   *body;			/* malloc'd response body, NUL-terminated */
	size_t		body_len;
	size_t		body_cap;
	bool		body_too_large;
	char	   *limit_info;		/* malloc'd Sforce-Limit-Info value */
	char	   *locator;		/* malloc'd Sforce-Locator value */
	int			retry_after;	/* Retry-After seconds, -1 if none */
	char		errbuf[CURL_ERROR_SIZE];	/* background: curl's message */
} SfHttpTransfer;

struct SfHttp
{
	CURLM	   *multi;			/* drives both slots; holds the connection
								 * pool they share */
	SfHttpTransfer fg;			/* SfHttpPerform */
	SfHttpTransfer bg;			/* SfHttpStart and friends */
};

StaticAssertDecl(SF_CURL_ERROR_SIZE >= CURL_ERROR_SIZE,
				 "SF_CURL_ERROR_SIZE must hold a curl error message");

static bool curl_initialized = false;

static bool transfer_init(SfHttpTransfer *t);
static int	transfer_begin(SfHttp *http, SfHttpTransfer *t, const char *method,
						   const char *url, const char *const *headers,
						   const char *body, long connect_timeout,
						   long request_timeout, int flags, char *errbuf);
static int	transfer_wait(SfHttp *http, SfHttpTransfer *t, char *errbuf);
static int	transfer_end(SfHttp *http, SfHttpTransfer *t, int rc,
						 SfHttpResponse *resp, char *errbuf);
static void collect_done(SfHttp *http);
static void http_destroy(SfHttp *http);
static void reset_buffers(SfHttpTransfer *t);
static size_t write_body(char *ptr, size_t size, size_t nmemb, void *userdata);
static size_t write_header(char *ptr, size_t size, size_t nmemb,
						   void *userdata);
static int	xferinfo(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
					 curl_off_t ultotal, curl_off_t ulnow);

/*
 * interrupt_pending
 *		True when PostgreSQL wants the current statement (or backend) to stop.
 *		Only reads the flags; the caller aborts the transfer and connection.c
 *		later lets CHECK_FOR_INTERRUPTS() raise the error.
 */
static inline bool
interrupt_pending(void)
{
	return QueryCancelPending || ProcDiePending;
}

/*
 * SfHttpCreate
 *		Allocate a transport with its reusable curl handles.  Returns NULL if
 *		libcurl cannot be initialised (out of memory); the caller reports it.
 *		The struct is malloc'd: it lives as long as the cached connection.
 */
SfHttp *
SfHttpCreate(void)
{
	SfHttp	   *http;

	if (!curl_initialized)
	{
		/* no signal handlers are installed by this call in libcurl >= 7.x */
		if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
			return NULL;
		curl_initialized = true;
	}

	http = calloc(1, sizeof(SfHttp));
	if (http == NULL)
		return NULL;
	http->multi = curl_multi_init();
	if (http->multi == NULL || !transfer_init(&http->fg) ||
		!transfer_init(&http->bg))
	{
		http_destroy(http);
		return NULL;
	}
	return http;
}

/*
 * transfer_init
 *		Create a slot's easy handle with the options that hold for every
 *		request.  False if out of memory.
 */
static bool
transfer_init(SfHttpTransfer *t)
{
	CURL	   *easy = curl_easy_init();

	t->retry_after = -1;
	if (easy == NULL)
		return false;
	t->easy = easy;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_USERAGENT,
					 "salesforce_fdw/" SALESFORCE_FDW_VERSION);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS,
					 (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, write_header);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, xferinfo);
	curl_easy_setopt(easy, CURLOPT_XFERINFODATA, t);
	return true;
}

/*
 * http_destroy
 *		Close the pooled connections and free everything, an unfinished
 *		background transfer included.  NULL is allowed.
 */
static void
http_destroy(SfHttp *http)
{
	if (http == NULL)
		return;
	if (http->bg.owner != NULL)
		SfHttpAbandon(http, http->bg.owner);
	reset_buffers(&http->fg);
	if (http->multi)
		curl_multi_cleanup(http->multi);
	if (http->fg.easy)
		curl_easy_cleanup(http->fg.easy);
	if (http->bg.easy)
		curl_easy_cleanup(http->bg.easy);
	free(http);
}

/*
 * SfHttpPerform
 *		Send one request and wait for the whole response.
 *
 * 'headers' is a NULL-terminated array of "Name: value" lines (or NULL);
 * 'body' (or NULL) is sent as is.  Returns 0 once a response arrived, with
 * status, body and Sforce-Limit-Info in 'resp' (palloc'd in the current
 * context); otherwise a CURLcode with a message in 'errbuf' (which must have
 * CURL_ERROR_SIZE bytes and stay valid for the call), and 'resp' holds an
 * empty body; resp->sent then says whether any byte of the request left
 * (false: connection refused, name not resolved, connect timed out, so the
 * server cannot have seen it).  CURLE_ABORTED_BY_CALLBACK means a cancel
 * or termination is pending: the caller must clean up and then
 * CHECK_FOR_INTERRUPTS().
 *
 * With SF_HTTP_FRESH_CONNECT (a write, which must not be sent twice) the
 * request goes over a new connection: libcurl silently resends a request
 * once when a reused keep-alive connection closes without answering, and
 * only on reused connections.  On a new connection a lost answer is
 * reported, never repaired by resending.  (libcurl's other resend, of an
 * HTTP/2 stream the server refused, is safe: that stream was not
 * processed.)
 * A background transfer keeps running meanwhile (over a connection of
 * its own).
 */
int
SfHttpPerform(SfHttp *http, const char *method, const char *url,
			  const char *const *headers, const char *body,
			  long connect_timeout, long request_timeout, int flags,
			  SfHttpResponse *resp, char *errbuf)
{
	SfHttpTransfer *t = &http->fg;
	int			rc;

	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, errbuf);
	rc = transfer_begin(http, t, method, url, headers, body, connect_timeout,
						request_timeout, flags, errbuf);
	if (rc == CURLE_OK)
		rc = transfer_wait(http, t, errbuf);
	return transfer_end(http, t, rc, resp, errbuf);
}

/*
 * SfHttpStart
 *		Start a GET in the background on behalf of 'owner' (any pointer that
 *		names the caller): it proceeds in SfHttpPoll, SfHttpPerform and
 *		SfHttpFinish calls until SfHttpFinish hands over its response or
 *		SfHttpAbandon drops it.  One background transfer at a time: returns
 *		-1 (nothing started) while another one exists; otherwise 0, or a
 *		CURLcode if it could not be started (nothing is left running).
 *		'url' and 'headers' are copied.
 */
int
SfHttpStart(SfHttp *http, const void *owner, const char *url,
			const char *const *headers, long connect_timeout,
			long request_timeout)
{
	SfHttpTransfer *t = &http->bg;
	SfHttpResponse discard;
	int			rc;

	if (t->owner != NULL)
		return -1;
	t->errbuf[0] = '\0';
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->errbuf);
	rc = transfer_begin(http, t, "GET", url, headers, NULL, connect_timeout,
						request_timeout, 0, t->errbuf);
	if (rc != CURLE_OK)
	{
		(void) transfer_end(http, t, rc, &discard, t->errbuf);
		pfree(discard.body.data);
		return rc;
	}
	t->owner = owner;
	SfHttpPoll(http);
	return 0;
}

/*
 * SfHttpPoll
 *		Let the background transfer make progress without waiting: send what
 *		can be sent, take in what arrived.  Cheap when nothing is pending.
 */
void
SfHttpPoll(SfHttp *http)
{
	int			running;

	if (http->bg.owner == NULL || http->bg.done)
		return;
	if (curl_multi_perform(http->multi, &running) == CURLM_OK)
		collect_done(http);
}

/*
 * SfHttpBackgroundOwner
 *		The owner of the background transfer, or NULL if there is none.
 */
const void *
SfHttpBackgroundOwner(SfHttp *http)
{
	return http->bg.owner;
}

/*
 * SfHttpFinish
 *		Wait for 'owner's background transfer to end and return it as
 *		SfHttpPerform would have (same results, same interrupt handling).
 *		Afterwards there is no background transfer.  Returns -1 if 'owner'
 *		has none.
 */
int
SfHttpFinish(SfHttp *http, const void *owner, SfHttpResponse *resp,
			 char *errbuf)
{
	SfHttpTransfer *t = &http->bg;
	int			rc;

	if (t->owner == NULL || t->owner != owner)
		return -1;
	rc = transfer_wait(http, t, t->errbuf);
	rc = transfer_end(http, t, rc, resp, t->errbuf);
	strlcpy(errbuf, t->errbuf, CURL_ERROR_SIZE);
	t->owner = NULL;
	return rc;
}

/*
 * SfHttpAbandon
 *		Drop 'owner's background transfer, finished or not.  An unfinished
 *		one's connection is closed, never left half-read for the next
 *		request; a finished one's goes back to the pool.  Allocates nothing
 *		and cannot fail, so it may run in a memory context reset callback.
 */
void
SfHttpAbandon(SfHttp *http, const void *owner)
{
	SfHttpTransfer *t = &http->bg;

	if (t->owner == NULL || t->owner != owner)
		return;
	if (t->added)
		curl_multi_remove_handle(http->multi, t->easy);
	t->added = false;
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, NULL);
	if (t->headers != NULL)
	{
		for (struct curl_slist *h = t->headers; h != NULL; h = h->next)
			explicit_bzero(h->data, strlen(h->data));
		curl_slist_free_all(t->headers);
		t->headers = NULL;
	}
	reset_buffers(t);
	t->owner = NULL;
}

/*
 * transfer_begin
 *		Set up slot 't' for one request and hand it to the multi handle.
 *		Returns 0 or a CURLcode (with a message in 'errbuf').
 */
static int
transfer_begin(SfHttp *http, SfHttpTransfer *t, const char *method,
			   const char *url, const char *const *headers, const char *body,
			   long connect_timeout, long request_timeout, int flags,
			   char *errbuf)
{
	CURL	   *easy = t->easy;
	struct curl_slist *list = NULL;
	CURLMcode	mc;

	errbuf[0] = '\0';
	reset_buffers(t);
	t->done = false;
	t->result = CURLE_OK;

	if (headers != NULL)
	{
		for (int i = 0; headers[i] != NULL; i++)
		{
			struct curl_slist *next = curl_slist_append(list, headers[i]);

			if (next == NULL)
			{
				t->headers = list;
				return CURLE_OUT_OF_MEMORY;
			}
			list = next;
		}
	}

	/* no "Expect: 100-continue" round trip before bodies */
	{
		struct curl_slist *next = curl_slist_append(list, "Expect:");

		if (next == NULL)
		{
			t->headers = list;
			return CURLE_OUT_OF_MEMORY;
		}
		list = next;
	}
	t->headers = list;

	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, connect_timeout);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT, request_timeout);
	curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT,
					 (flags & SF_HTTP_FRESH_CONNECT) ? 1L : 0L);

	/*
	 * The handle is reused, so every request sets its method from scratch:
	 * HTTPGET clears a previous request's body, CUSTOMREQUEST names the verb
	 * for anything but GET and POST.
	 */
	/* a POST, PATCH or PUT always carries a body, if only an empty one */
	if (body == NULL && strcmp(method, "GET") != 0 &&
		strcmp(method, "DELETE") != 0 && strcmp(method, "HEAD") != 0)
		body = "";
	if (body != NULL)
	{
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
						 (curl_off_t) strlen(body));
	}
	else
		curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
	if (strcmp(method, "GET") == 0 || strcmp(method, "POST") == 0)
		curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, NULL);
	else
		curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);

	mc = curl_multi_add_handle(http->multi, easy);
	if (mc != CURLM_OK)
	{
		snprintf(errbuf, CURL_ERROR_SIZE, "%s", curl_multi_strerror(mc));
		return CURLE_FAILED_INIT;
	}
	t->added = true;
	return CURLE_OK;
}

/*
 * transfer_wait
 *		Drive the multi handle until slot 't' is done or an interrupt is
 *		pending.  Returns 0 when it is done (its result in t->result) or a
 *		CURLcode.
 */
static int
transfer_wait(SfHttp *http, SfHttpTransfer *t, char *errbuf)
{
	CURLMcode	mc = CURLM_OK;

	/*
	 * Drive the transfer ourselves: curl_easy_perform() would sleep up to a
	 * second between progress callbacks, too long for a prompt cancel.
	 */
	for (;;)
	{
		int			running = 0;

		if (!t->done)
		{
			mc = curl_multi_perform(http->multi, &running);
			if (mc != CURLM_OK)
				break;
			collect_done(http);
		}
		if (t->done)
			break;
		if (running == 0)
		{
			/* not done, yet nothing runs: curl lost it */
			t->done = true;
			t->result = CURLE_GOT_NOTHING;
			break;
		}
		if (interrupt_pending())
		{
			snprintf(errbuf, CURL_ERROR_SIZE,
					 "request aborted because of a pending interrupt");
			return CURLE_ABORTED_BY_CALLBACK;
		}
		mc = curl_multi_poll(http->multi, NULL, 0, SF_HTTP_POLL_MS, NULL);
		if (mc != CURLM_OK)
			break;
		if (interrupt_pending())
		{
			snprintf(errbuf, CURL_ERROR_SIZE,
					 "request aborted because of a pending interrupt");
			return CURLE_ABORTED_BY_CALLBACK;
		}
	}

	if (mc != CURLM_OK)
	{
		snprintf(errbuf, CURL_ERROR_SIZE, "%s", curl_multi_strerror(mc));
		return CURLE_FAILED_INIT;
	}
	if (t->result == CURLE_ABORTED_BY_CALLBACK)
		snprintf(errbuf, CURL_ERROR_SIZE,
				 "request aborted because of a pending interrupt");
	return (int) t->result;
}

/*
 * collect_done
 *		Mark the slots whose transfers libcurl reports finished.
 */
static void
collect_done(SfHttp *http)
{
	CURLMsg    *msg;
	int			queued;

	while ((msg = curl_multi_info_read(http->multi, &queued)) != NULL)
	{
		SfHttpTransfer *t = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		if (msg->easy_handle == http->fg.easy)
			t = &http->fg;
		else if (msg->easy_handle == http->bg.easy)
			t = &http->bg;
		if (t != NULL)
		{
			t->done = true;
			t->result = msg->data.result;
		}
	}
}

/*
 * transfer_end
 *		Take slot 't' out of the multi handle and fill 'resp' from it, given
 *		'rc', the outcome so far (see SfHttpPerform for the contract).
 */
static int
transfer_end(SfHttp *http, SfHttpTransfer *t, int rc, SfHttpResponse *resp,
			 char *errbuf)
{
	CURL	   *easy = t->easy;

	/* palloc only here, after the transfer, never inside it */
	resp->status = 0;
	initStringInfo(&resp->body);
	resp->limit_info = NULL;
	resp->locator = NULL;
	resp->retry_after = -1;
	resp->sent = false;

	if (t->body_too_large)
	{
		rc = CURLE_WRITE_ERROR;
		snprintf(errbuf, CURL_ERROR_SIZE,
				 "response body larger than %zu bytes", SF_HTTP_MAX_BODY);
	}

	if (rc == CURLE_OK)
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &resp->status);
	if (t->added)
	{
		long		request_size = 0;

		/* bytes of request headers written to the server */
		if (curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE,
							  &request_size) != CURLE_OK || request_size != 0)
			resp->sent = true;

		/* an unfinished transfer's connection is closed, not pooled */
		curl_multi_remove_handle(http->multi, easy);
		t->added = false;
	}
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, NULL);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, NULL);
	if (t->headers != NULL)
	{
		/* the headers may carry the access token: zero it before free */
		for (struct curl_slist *h = t->headers; h != NULL; h = h->next)
			explicit_bzero(h->data, strlen(h->data));
		curl_slist_free_all(t->headers);
		t->headers = NULL;
	}

	if (rc != CURLE_OK && errbuf[0] == '\0')
		snprintf(errbuf, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));

	/* the transfer is over: now the response may move to palloc'd memory */
	if (rc == CURLE_OK)
	{
		if (t->body_len > 0)
			appendBinaryStringInfo(&resp->body, t->body, (int) t->body_len);
		if (t->limit_info != NULL)
			resp->limit_info = pstrdup(t->limit_info);
		if (t->locator != NULL)
			resp->locator = pstrdup(t->locator);
		resp->retry_after = t->retry_after;
	}
	else
		resp->status = 0;
	reset_buffers(t);

	return rc;
}

/*
 * reset_buffers
 *		Free the malloc'd response buffers of the previous transfer, zeroed
 *		first: a token response holds the access token.
 */
static void
reset_buffers(SfHttpTransfer *http)
{
	if (http->body != NULL)
		explicit_bzero(http->body, http->body_len);
	free(http->body);
	http->body = NULL;
	http->body_len = 0;
	http->body_cap = 0;
	http->body_too_large = false;
	free(http->limit_info);
	http->limit_info = NULL;
	free(http->locator);
	http->locator = NULL;
	http->retry_after = -1;
}

/*
 * write_body
 *		curl write callback: append to the malloc'd body buffer.  Returning
 *		less than was offered makes curl fail the transfer (CURLE_WRITE_ERROR).
 */
static size_t
write_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	SfHttpTransfer *http = (SfHttpTransfer *) userdata;
	size_t		n = size * nmemb;

	if (n > SF_HTTP_MAX_BODY - http->body_len)
	{
		http->body_too_large = true;
		return 0;
	}
	if (http->body_len + n + 1 > http->body_cap)
	{
		size_t		cap = http->body_cap ? http->body_cap : 16384;
		char	   *grown;

		while (cap < http->body_len + n + 1)
			cap *= 2;
		grown = realloc(http->body, cap);
		if (grown == NULL)
			return 0;
		http->body = grown;
		http->body_cap = cap;
	}
	memcpy(http->body + http->body_len, ptr, n);
	http->body_len += n;
	http->body[http->body_len] = '\0';
	return n;
}

/*
 * write_header
 *		curl header callback: keep the Sforce-Limit-Info, Sforce-Locator
 *		(Bulk API query results) and Retry-After (seconds; an HTTP date is
 *		ignored) values of the final response (a status line starts a new
 *		response, e.g. after a 100).
 */
static size_t
write_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	SfHttpTransfer *http = (SfHttpTransfer *) userdata;
	size_t		n = size * nmemb;
	static const char name[] = "sforce-limit-info:";
	size_t		namelen = sizeof(name) - 1;
	static const char retry_name[] = "retry-after:";
	size_t		retry_len = sizeof(retry_name) - 1;
	static const char locator_name[] = "sforce-locator:";
	size_t		locator_len = sizeof(locator_name) - 1;

	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0)
	{
		free(http->limit_info);
		http->limit_info = NULL;
		free(http->locator);
		http->locator = NULL;
		http->retry_after = -1;
	}
	else if (n > retry_len && pg_strncasecmp(ptr, retry_name, retry_len) == 0)
	{
		const char *v = ptr + retry_len;
		const char *end = ptr + n;
		int			seconds = 0;
		bool		digits = false;

		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		for (; v < end && *v >= '0' && *v <= '9'; v++)
		{
			digits = true;
			if (seconds < 1000000)
				seconds = seconds * 10 + (*v - '0');
		}
		while (v < end && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n'))
			v++;
		if (digits && v == end)
			http->retry_after = seconds;
	}
	else if ((n > namelen && pg_strncasecmp(ptr, name, namelen) == 0) ||
			 (n > locator_len &&
			  pg_strncasecmp(ptr, locator_name, locator_len) == 0))
	{
		bool		is_locator = (pg_strncasecmp(ptr, locator_name,
												 locator_len) == 0);
		const char *v = ptr + (is_locator ? locator_len : namelen);
		const char *end = ptr + n;
		char	   *copy;

		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
						   end[-1] == ' ' || end[-1] == '\t'))
			end--;
		copy = malloc(end - v + 1);
		if (copy != NULL)
		{
			memcpy(copy, v, end - v);
			copy[end - v] = '\0';
			if (is_locator)
			{
				free(http->locator);
				http->locator = copy;
			}
			else
			{
				free(http->limit_info);
				http->limit_info = copy;
			}
		}
	}
	return n;
}

/*
 * xferinfo
 *		curl progress callback: ask curl to abort when PostgreSQL has a cancel
 *		or termination pending.  Only reads flags (no ereport, no
 *		CHECK_FOR_INTERRUPTS: a longjmp out of libcurl would corrupt it).
 */
static int
xferinfo(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
		 curl_off_t ultotal, curl_off_t ulnow)
{
	return interrupt_pending() ? 1 : 0;
}
