/*-------------------------------------------------------------------------
 *
 * http.c
 *		  The transport of salesforce_fdw: one HTTP exchange through libcurl.
 *
 * Design rules kept here:
 *
 * - libcurl only.  One easy handle per connection, reused for every request
 *   so keep-alive connections and TLS sessions survive between requests; it
 *   is driven through a private multi handle so that this file, not libcurl,
 *   decides how long to wait between looks at the interrupt flags.
 * - Nothing here raises an error: a transfer ends with a CURLcode and curl's
 *   message in the caller's error buffer; connection.c turns that into an
 *   ereport after the transfer has been cleaned up.
 * - The curl callbacks neither palloc nor ereport (they may run while
 *   libcurl holds state that a longjmp would corrupt).  They append to
 *   malloc'd buffers owned by the SfHttp; the response is copied into
 *   palloc'd memory only after the transfer is over.
 * - A pending cancel (Ctrl-C, statement_timeout) or termination aborts the
 *   transfer within SF_HTTP_POLL_MS; the caller then runs
 *   CHECK_FOR_INTERRUPTS() so PostgreSQL's own error wins.
 * - A request that must not be sent twice (a write) goes over a new
 *   connection (SF_HTTP_FRESH_CONNECT): libcurl silently resends a request
 *   once when a reused keep-alive connection closes without answering, and
 *   it does so only for reused connections.  On a new connection a lost
 *   answer is reported, never repaired by resending.  (Its other resend,
 *   of an HTTP/2 stream the server refused, is safe: a refused stream was
 *   not processed.)
 * - TLS peer and host verification stay on; redirects are not followed (a
 *   redirect would carry the Authorization header elsewhere); only http and
 *   https are allowed.  Nothing is logged: headers hold the access token and
 *   the token request body holds the client secret.
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

struct SfHttp
{
	CURL	   *easy;			/* reused for every request */
	CURLM	   *multi;			/* drives 'easy'; holds the connection pool */
	char	   *body;			/* malloc'd response body, NUL-terminated */
	size_t		body_len;
	size_t		body_cap;
	bool		body_too_large;
	char	   *limit_info;		/* malloc'd Sforce-Limit-Info value */
	char	   *locator;		/* malloc'd Sforce-Locator value */
	int			retry_after;	/* Retry-After seconds, -1 if none */
};

StaticAssertDecl(SF_CURL_ERROR_SIZE >= CURL_ERROR_SIZE,
				 "SF_CURL_ERROR_SIZE must hold a curl error message");

static bool curl_initialized = false;

static void http_destroy(SfHttp *http);
static void reset_buffers(SfHttp *http);
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
	http->easy = curl_easy_init();
	http->multi = curl_multi_init();
	if (http->easy == NULL || http->multi == NULL)
	{
		http_destroy(http);
		return NULL;
	}

	/* options that hold for every request of this handle */
	curl_easy_setopt(http->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(http->easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(http->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(http->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(http->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(http->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(http->easy, CURLOPT_USERAGENT,
					 "salesforce_fdw/" SALESFORCE_FDW_VERSION);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(http->easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(http->easy, CURLOPT_PROTOCOLS,
					 (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(http->easy, CURLOPT_WRITEFUNCTION, write_body);
	curl_easy_setopt(http->easy, CURLOPT_WRITEDATA, http);
	curl_easy_setopt(http->easy, CURLOPT_HEADERFUNCTION, write_header);
	curl_easy_setopt(http->easy, CURLOPT_HEADERDATA, http);
	curl_easy_setopt(http->easy, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(http->easy, CURLOPT_XFERINFOFUNCTION, xferinfo);
	curl_easy_setopt(http->easy, CURLOPT_XFERINFODATA, http);

	return http;
}

/*
 * http_destroy
 *		Close the pooled connections and free everything.  NULL is allowed.
 */
static void
http_destroy(SfHttp *http)
{
	if (http == NULL)
		return;
	reset_buffers(http);
	if (http->multi)
		curl_multi_cleanup(http->multi);
	if (http->easy)
		curl_easy_cleanup(http->easy);
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
 * server cannot have seen it).  With SF_HTTP_FRESH_CONNECT the request goes
 * over a new connection (see the file header).  CURLE_ABORTED_BY_CALLBACK
 * means a cancel or termination is pending: the caller must clean up and
 * then CHECK_FOR_INTERRUPTS().
 */
int
SfHttpPerform(SfHttp *http, const char *method, const char *url,
			  const char *const *headers, const char *body,
			  long connect_timeout, long request_timeout, int flags,
			  SfHttpResponse *resp, char *errbuf)
{
	CURL	   *easy = http->easy;
	struct curl_slist *list = NULL;
	CURLcode	rc = CURLE_OK;
	CURLMcode	mc;
	bool		added = false;
	bool		aborted = false;

	/* palloc only here and after the transfer, never inside it */
	resp->status = 0;
	initStringInfo(&resp->body);
	resp->limit_info = NULL;
	resp->locator = NULL;
	resp->retry_after = -1;
	resp->sent = false;
	errbuf[0] = '\0';
	reset_buffers(http);

	if (headers != NULL)
	{
		for (int i = 0; headers[i] != NULL; i++)
		{
			struct curl_slist *next = curl_slist_append(list, headers[i]);

			if (next == NULL)
			{
				rc = CURLE_OUT_OF_MEMORY;
				goto done;
			}
			list = next;
		}
	}

	/* no "Expect: 100-continue" round trip before bodies */
	{
		struct curl_slist *next = curl_slist_append(list, "Expect:");

		if (next == NULL)
		{
			rc = CURLE_OUT_OF_MEMORY;
			goto done;
		}
		list = next;
	}

	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
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
		rc = CURLE_FAILED_INIT;
		snprintf(errbuf, CURL_ERROR_SIZE, "%s", curl_multi_strerror(mc));
		goto done;
	}
	added = true;

	/*
	 * Drive the transfer ourselves: curl_easy_perform() would sleep up to a
	 * second between progress callbacks, too long for a prompt cancel.
	 */
	for (;;)
	{
		int			running = 0;

		mc = curl_multi_perform(http->multi, &running);
		if (mc != CURLM_OK || running == 0)
			break;
		if (interrupt_pending())
		{
			aborted = true;
			break;
		}
		mc = curl_multi_poll(http->multi, NULL, 0, SF_HTTP_POLL_MS, NULL);
		if (mc != CURLM_OK)
			break;
		if (interrupt_pending())
		{
			aborted = true;
			break;
		}
	}

	if (aborted)
	{
		rc = CURLE_ABORTED_BY_CALLBACK;
		snprintf(errbuf, CURL_ERROR_SIZE,
				 "request aborted because of a pending interrupt");
	}
	else if (mc != CURLM_OK)
	{
		rc = CURLE_FAILED_INIT;
		snprintf(errbuf, CURL_ERROR_SIZE, "%s", curl_multi_strerror(mc));
	}
	else
	{
		CURLMsg    *msg;
		int			queued;

		rc = CURLE_GOT_NOTHING;
		while ((msg = curl_multi_info_read(http->multi, &queued)) != NULL)
		{
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy)
				rc = msg->data.result;
		}
		if (rc == CURLE_ABORTED_BY_CALLBACK)
			snprintf(errbuf, CURL_ERROR_SIZE,
					 "request aborted because of a pending interrupt");
	}

	if (http->body_too_large)
	{
		rc = CURLE_WRITE_ERROR;
		snprintf(errbuf, CURL_ERROR_SIZE,
				 "response body larger than %zu bytes", SF_HTTP_MAX_BODY);
	}

	if (rc == CURLE_OK)
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &resp->status);
	if (added)
	{
		long		request_size = 0;

		/* bytes of request headers written to the server */
		if (curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE,
							  &request_size) != CURLE_OK || request_size != 0)
			resp->sent = true;
	}

done:
	/* an unfinished transfer's connection is closed, not pooled */
	if (added)
		curl_multi_remove_handle(http->multi, easy);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, NULL);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, NULL);
	if (list != NULL)
	{
		/* the headers may carry the access token: zero it before free */
		for (struct curl_slist *h = list; h != NULL; h = h->next)
			explicit_bzero(h->data, strlen(h->data));
		curl_slist_free_all(list);
	}

	if (rc != CURLE_OK && errbuf[0] == '\0')
		snprintf(errbuf, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));

	/* the transfer is over: now the response may move to palloc'd memory */
	if (rc == CURLE_OK)
	{
		if (http->body_len > 0)
			appendBinaryStringInfo(&resp->body, http->body,
								   (int) http->body_len);
		if (http->limit_info != NULL)
			resp->limit_info = pstrdup(http->limit_info);
		if (http->locator != NULL)
			resp->locator = pstrdup(http->locator);
		resp->retry_after = http->retry_after;
	}
	else
		resp->status = 0;
	reset_buffers(http);

	return (int) rc;
}

/*
 * reset_buffers
 *		Free the malloc'd response buffers of the previous transfer, zeroed
 *		first: a token response holds the access token.
 */
static void
reset_buffers(SfHttp *http)
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
	SfHttp	   *http = (SfHttp *) userdata;
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
	SfHttp	   *http = (SfHttp *) userdata;
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
