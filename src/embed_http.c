/*
 * embed_http.c: the HTTP backend, a client of the OpenAI-compatible
 * /v1/embeddings API (served by OpenAI, Ollama, llama.cpp's server, vLLM,
 * Text Embeddings Inference...).  Behaviour in man/quarry-embed.1.
 *
 * One quarry_embedder_embed() call cuts its texts into batches (jobs) and
 * keeps up to "parallel" of them in flight with a curl multi handle.  A job
 * that meets a connection error, a timeout, 408, 429 or 5xx is scheduled
 * again after an exponential backoff (or the server's Retry-After), at most
 * "retries" times.  A job refused as too long (413, or 400 saying so) is cut
 * in halves until the culprit stands alone, so that only it fails.  Every
 * answer is checked: as many vectors as inputs, each index once, every
 * vector of the expected dimensions; anything else fails the items
 * concerned and never yields a vector.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <pthread.h>

#include "clock_private.h"
#include "embed_private.h"

#define MAX_BACKOFF 30.0	/* seconds, between retries */
#define MAX_RETRY_AFTER 300	/* seconds we agree to wait for a server */
/*
 * The largest response body accepted (after decompression): 32 bytes a
 * number (more than "%.9g" needs, with white space) for every dimension of
 * every input, plus 1 MiB for the rest; 16384 dimensions a vector while they
 * are unknown.  A broken or hostile endpoint cannot exhaust memory.
 */
#define BODY_SLACK ((size_t)1 << 20)
#define BODY_PER_NUMBER 32
#define BODY_DIMS_UNKNOWN 16384

enum job_state { JOB_WAITING, JOB_ACTIVE, JOB_DONE };

struct job {
	size_t first;		/* into http->items */
	size_t count;
	unsigned failures;	/* attempts that failed so far */
	double ready_at;	/* monotonic time it may start */
	enum job_state state;
	CURL *easy;
	struct quarry_buf req;
	struct quarry_buf resp;
	size_t max_body;	/* the response may not be longer */
	int too_big;		/* it was */
	char curl_err[CURL_ERROR_SIZE];
};

struct http {
	char *url;
	char *shown;		/* url without user:password@, for messages */
	char *model;
	struct curl_slist *headers;
	CURLM *multi;
	CURL **idle;		/* pool of easy handles */
	size_t nidle;
	size_t batch;
	size_t parallel;
	unsigned retries;
	long timeout_ms;
	double backoff;
	size_t *items;		/* indices of the items to send */
	size_t nitems;
	struct job **jobs;	/* each allocated alone: curl holds pointers */
	size_t njobs;
	size_t capjobs;
	size_t active;
	struct embed_response resp;
	char perr[256];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void
curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t
on_write(char *p, size_t size, size_t n, void *arg)
{
	struct job *j = arg;

	if (size * n > j->max_body - j->resp.len) {
		j->too_big = 1;
		return 0;	/* curl stops with a write error */
	}
	if (quarry_buf_append(&j->resp, p, size * n) != 0)
		return 0;	/* curl reports a write error */
	return size * n;
}

static int
add_job(struct http *h, size_t first, size_t count, unsigned failures)
{
	struct job *j;

	if (h->njobs == h->capjobs) {
		size_t ncap = h->capjobs ? h->capjobs * 2 : 16;
		struct job **nj = realloc(h->jobs, ncap * sizeof(*nj));

		if (nj == NULL)
			return QUARRY_ENOMEM;
		h->jobs = nj;
		h->capjobs = ncap;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return QUARRY_ENOMEM;
	h->jobs[h->njobs++] = j;
	j->first = first;
	j->count = count;
	j->failures = failures;
	j->state = JOB_WAITING;
	return 0;
}

static void
jobs_clear(struct http *h)
{
	size_t i;

	for (i = 0; i < h->njobs; i++) {
		quarry_buf_free(&h->jobs[i]->req);
		quarry_buf_free(&h->jobs[i]->resp);
		free(h->jobs[i]);
	}
	h->njobs = 0;
}

/* Builds the request body of job j. */
static int
build_request(quarry_embedder *e, struct http *h, struct job *j)
{
	struct quarry_buf *b = &j->req;
	size_t k;

	b->len = 0;
	if (quarry_buf_append(b, "{\"model\":", 9) != 0 ||
	    quarry_buf_json_string(b, h->model, strlen(h->model)) != 0)
		return QUARRY_ENOMEM;
	if (e->query != NULL) {		/* /v1/rerank, model optional */
		char num[48];
		int l = snprintf(num, sizeof(num), "],\"top_n\":%zu}",
		    j->count);

		if (*h->model == '\0')
			b->len = 1;	/* "{" */
		if (quarry_buf_append(b, b->len > 1 ? ",\"query\":" :
		    "\"query\":", b->len > 1 ? 9 : 8) != 0 ||
		    quarry_buf_json_string(b, e->query, e->qlen) != 0 ||
		    quarry_buf_append(b, ",\"documents\":[", 14) != 0)
			return QUARRY_ENOMEM;
		for (k = 0; k < j->count; k++) {
			size_t i = h->items[j->first + k];

			if ((k > 0 && quarry_buf_append(b, ",", 1) != 0) ||
			    quarry_buf_json_string(b, e->texts[i],
			    e->lens[i]) != 0)
				return QUARRY_ENOMEM;
		}
		return quarry_buf_append(b, num, (size_t)l) != 0 ?
		    QUARRY_ENOMEM : 0;
	}
	if (quarry_buf_append(b, ",\"input\":[", 10) != 0)
		return QUARRY_ENOMEM;
	for (k = 0; k < j->count; k++) {
		size_t i = h->items[j->first + k];

		if ((k > 0 && quarry_buf_append(b, ",", 1) != 0) ||
		    quarry_buf_json_string(b, e->texts[i], e->lens[i]) != 0)
			return QUARRY_ENOMEM;
	}
	if (quarry_buf_append(b, "],\"encoding_format\":\"float\"}", 28) != 0)
		return QUARRY_ENOMEM;
	return 0;
}

static int
start_job(quarry_embedder *e, struct http *h, struct job *j)
{
	CURL *c;

	if (j->req.len == 0 && build_request(e, h, j) != 0)
		return QUARRY_ENOMEM;
	if (h->nidle > 0)
		c = h->idle[--h->nidle];
	else if ((c = curl_easy_init()) == NULL)
		return QUARRY_ENOMEM;
	j->resp.len = 0;
	j->too_big = 0;
	j->max_body = BODY_SLACK + j->count * BODY_PER_NUMBER *
	    (e->dims ? e->dims : BODY_DIMS_UNKNOWN);
	j->curl_err[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, h->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, j->req.data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)j->req.len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(c, CURLOPT_PRIVATE, j);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, j->curl_err);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "quarry/" PACKAGE_VERSION);
	if (curl_multi_add_handle(h->multi, c) != CURLM_OK) {
		curl_easy_cleanup(c);
		return QUARRY_ENOMEM;
	}
	j->easy = c;
	j->state = JOB_ACTIVE;
	h->active++;
	e->stats.requests++;
	return 0;
}

/* Detaches job j's easy handle and returns it to the pool. */
static void
release(struct http *h, struct job *j)
{
	if (j->easy == NULL)
		return;
	curl_multi_remove_handle(h->multi, j->easy);
	h->idle[h->nidle++] = j->easy;
	j->easy = NULL;
	h->active--;
}

static void
fail_job(quarry_embedder *e, struct http *h, struct job *j, int code,
    const char *msg)
{
	size_t k;

	for (k = 0; k < j->count; k++)
		embed_item_fail(e, h->items[j->first + k], code, "%s", msg);
	j->state = JOB_DONE;
}

/*
 * Puts the server's explanation of an error response into buf: the
 * "error"."message" (OpenAI, vLLM, Ollama), "error" or "message" member of
 * a JSON body, or the start of the body as text.
 */
static void
server_message(const struct job *j, char *buf, size_t len)
{
	json_t *v = json_loadb(j->resp.data ? j->resp.data : "", j->resp.len,
	    0, NULL), *m = NULL;
	size_t i, o = 0;

	buf[0] = '\0';
	if (v != NULL) {
		json_t *err = json_object_get(v, "error");

		if (json_is_object(err))
			m = json_object_get(err, "message");
		else if (json_is_string(err))
			m = err;
		if (!json_is_string(m))
			m = json_object_get(v, "message");
		if (!json_is_string(m))
			m = json_object_get(v, "detail");
		if (json_is_string(m))
			snprintf(buf, len, "%s", json_string_value(m));
		json_decref(v);
		if (buf[0] != '\0')
			return;
	}
	/* Plain text: the first line, control characters dropped. */
	for (i = 0; i < j->resp.len && o + 1 < len && o < 200; i++) {
		unsigned char c = (unsigned char)j->resp.data[i];

		if (c == '\n' && o > 0)
			break;
		if (c >= 0x20 && c != 0x7f)
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
}

/* Does an error message say the input was too long for the model? */
static int
says_too_long(const char *m)
{
	static const char *const words[] = {
		"context length", "context_length", "too long", "too large",
		"maximum context", "max_tokens", "maximum input", "exceeds",
		"input length", "token limit", "too many tokens", NULL,
	};
	size_t i;

	for (i = 0; words[i] != NULL; i++)
		if (strcasestr(m, words[i]) != NULL)
			return 1;
	return 0;
}

/* Schedules job j again, or fails it when it has no retries left. */
static void
retry_or_fail(quarry_embedder *e, struct http *h, struct job *j,
    long retry_after, int code, const char *why)
{
	char msg[768];
	double delay;
	unsigned k;

	j->failures++;
	if (j->failures > h->retries) {
		if (h->retries > 0)
			snprintf(msg, sizeof(msg), "%s (gave up after %u "
			    "retr%s)", why, h->retries,
			    h->retries == 1 ? "y" : "ies");
		else
			snprintf(msg, sizeof(msg), "%s", why);
		fail_job(e, h, j, code, msg);
		return;
	}
	delay = h->backoff;
	for (k = 1; k < j->failures && delay < MAX_BACKOFF; k++)
		delay *= 2;
	if (delay > MAX_BACKOFF)
		delay = MAX_BACKOFF;
	if (retry_after > 0)
		delay = retry_after > MAX_RETRY_AFTER ? MAX_RETRY_AFTER :
		    (double)retry_after;
	j->ready_at = clock_now() + delay;
	j->state = JOB_WAITING;
	e->stats.retries++;
}

/* Checks a 2xx answer and stores its vectors. */
static void
take_answer(quarry_embedder *e, struct http *h, struct job *j)
{
	struct embed_response *r = &h->resp;
	unsigned char *seen;
	size_t k;
	int rc;

	rc = (e->query != NULL ? rerank_parse_response :
	    embed_parse_response)(j->resp.data, j->resp.len, r, h->perr,
	    sizeof(h->perr));
	if (rc == QUARRY_ENOMEM) {
		fail_job(e, h, j, rc, "out of memory");
		return;
	}
	if (rc != 0) {
		char msg[400];

		snprintf(msg, sizeof(msg), "malformed response from %s: %s",
		    h->shown, h->perr);
		fail_job(e, h, j, QUARRY_EJSON, msg);
		return;
	}
	if (r->n != j->count) {
		char msg[700];

		snprintf(msg, sizeof(msg), "%s%sresponse has %zu %s%s for "
		    "%zu input%s", e->query ? h->url : "", e->query ? ": " :
		    "", r->n, e->query ? "result" :
		    "vector", r->n == 1 ? "" : "s", j->count,
		    j->count == 1 ? "" : "s");
		fail_job(e, h, j, QUARRY_EMODEL, msg);
		return;
	}
	if ((seen = calloc(j->count ? j->count : 1, 1)) == NULL) {
		fail_job(e, h, j, QUARRY_ENOMEM, "out of memory");
		return;
	}
	for (k = 0; k < r->n; k++) {
		if (r->index[k] >= j->count || seen[r->index[k]]) {
			char msg[700];

			snprintf(msg, sizeof(msg), "%s%sresponse has %s index "
			    "%zu for %zu inputs", e->query ? h->url : "",
			    e->query ? ": " : "",
			    r->index[k] >= j->count ?
			    "an out-of-range" : "a repeated", r->index[k],
			    j->count);
			free(seen);
			fail_job(e, h, j, QUARRY_EMODEL, msg);
			return;
		}
		seen[r->index[k]] = 1;
	}
	free(seen);
	for (k = 0; k < r->n; k++) {
		size_t i = h->items[j->first + r->index[k]];
		size_t d = r->dims[k];

		if (d == 0) {
			embed_item_fail(e, i, QUARRY_EMODEL, "%s: empty vector",
			    h->shown);
			continue;
		}
		if (e->dims == 0 && embed_set_dims(e, d) != 0) {
			/* Out of memory or out of range: fail the lot. */
			if (d > QUARRY_EMBED_DIMS_MAX)
				embed_item_fail(e, i, QUARRY_EMODEL, "vector "
				    "has %zu dimensions (at most %d)", d,
				    QUARRY_EMBED_DIMS_MAX);
			else
				embed_item_fail(e, i, QUARRY_ENOMEM,
				    "out of memory");
			continue;
		}
		if (d != e->dims) {
			embed_item_fail(e, i, QUARRY_EMODEL, "vector has %zu "
			    "dimension%s, expected %zu", d, d == 1 ? "" : "s",
			    e->dims);
			continue;
		}
		memcpy(embed_item_vec(e, i), r->vals + r->off[k],
		    d * sizeof(float));
		embed_item_ok(e, i);
	}
	j->state = JOB_DONE;
}

/* Handles the end of job j's transfer. */
static void
finish_job(quarry_embedder *e, struct http *h, struct job *j, CURLcode cc)
{
	curl_off_t ra = 0;
	long status = 0;
	char why[700], smsg[512];

	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(j->easy, CURLINFO_RETRY_AFTER, &ra);
	release(h, j);

	if (cc == CURLE_WRITE_ERROR && j->too_big) {
		snprintf(why, sizeof(why), "%s: response longer than %zu "
		    "bytes for %zu input%s; refused", h->shown, j->max_body,
		    j->count, j->count == 1 ? "" : "s");
		fail_job(e, h, j, QUARRY_ETOOBIG, why);
		return;
	}
	if (cc != CURLE_OK) {
		/* curl's own words, not its error buffer: that one has
		 * timings in it, and messages should be reproducible. */
		const char *detail = curl_easy_strerror(cc);

		switch (cc) {
		case CURLE_UNSUPPORTED_PROTOCOL:
		case CURLE_URL_MALFORMAT:
		case CURLE_OUT_OF_MEMORY:
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CACERT_BADFILE:
			embed_fatal(e, QUARRY_EHTTP, "%s: %s", h->shown,
			    detail);
			return;
		case CURLE_COULDNT_CONNECT:
		case CURLE_COULDNT_RESOLVE_HOST:
			if (j->failures >= h->retries) {
				embed_fatal(e, QUARRY_EHTTP, "%s: %s%s", h->shown,
				    detail, h->retries ? " (gave up after "
				    "retrying)" : "");
				return;
			}
			break;
		default:
			break;
		}
		if (cc == CURLE_OPERATION_TIMEDOUT)
			snprintf(why, sizeof(why), "%s: no answer within "
			    "%.3g seconds", h->shown, (double)h->timeout_ms / 1e3);
		else
			snprintf(why, sizeof(why), "%s: %s", h->shown, detail);
		retry_or_fail(e, h, j, 0, cc == CURLE_OPERATION_TIMEDOUT ?
		    QUARRY_ETIMEOUT : QUARRY_EHTTP, why);
		return;
	}
	if (status >= 200 && status < 300) {
		take_answer(e, h, j);
		return;
	}
	server_message(j, smsg, sizeof(smsg));
	snprintf(why, sizeof(why), "%s: HTTP %ld%s%s", h->shown, status,
	    smsg[0] ? ": " : "", smsg);
	if (status == 408 || status == 429 || status >= 500) {
		retry_or_fail(e, h, j, (long)ra, QUARRY_EHTTP, why);
		return;
	}
	if (status == 413 || (status == 400 && says_too_long(smsg))) {
		if (j->count > 1) {
			/* Find the culprit: halve the batch. */
			size_t first = j->first, half = j->count / 2,
			    rest = j->count - half;
			unsigned fl = j->failures;

			j->state = JOB_DONE;
			if (add_job(h, first, half, fl) != 0 ||
			    add_job(h, first + half, rest, fl) != 0)
				embed_fatal(e, QUARRY_ENOMEM, "out of memory");
			return;
		}
		snprintf(why, sizeof(why), "text is longer than the model "
		    "accepts (HTTP %ld%s%s); not truncated", status,
		    smsg[0] ? ": " : "", smsg);
		fail_job(e, h, j, QUARRY_ETOOBIG, why);
		return;
	}
	if (status == 401 || status == 403) {
		embed_fatal(e, QUARRY_EHTTP, "%s (%s)", why, e->query ?
		    "check the re-ranker's API key" :
		    "set QUARRY_API_KEY or OPENAI_API_KEY");
		return;
	}
	if (status == 404) {
		embed_fatal(e, QUARRY_EHTTP, "%s (check %s)", why, e->query ?
		    "the re-ranker's URL and model" :
		    "the endpoint's URL and the model name");
		return;
	}
	fail_job(e, h, j, QUARRY_EHTTP, why);
}

/* Stops every transfer (after a fatal error). */
static void
abort_all(struct http *h)
{
	size_t i;

	for (i = 0; i < h->njobs; i++)
		if (h->jobs[i]->state == JOB_ACTIVE) {
			release(h, h->jobs[i]);
			h->jobs[i]->state = JOB_DONE;
		}
}

static int
http_embed(quarry_embedder *e)
{
	struct http *h = e->impl;
	size_t i, k;

	/* The items still to send (some may have failed --max-input). */
	free(h->items);
	if ((h->items = malloc((e->n ? e->n : 1) * sizeof(size_t))) == NULL)
		return embed_fatal(e, QUARRY_ENOMEM, "out of memory");
	h->nitems = 0;
	for (i = 0; i < e->n; i++)
		if (e->status[i] == 0)
			h->items[h->nitems++] = i;
	jobs_clear(h);
	for (i = 0; i < h->nitems; i += h->batch) {
		size_t cnt = h->nitems - i < h->batch ? h->nitems - i :
		    h->batch;

		if (add_job(h, i, cnt, 0) != 0)
			return embed_fatal(e, QUARRY_ENOMEM, "out of memory");
	}
	for (;;) {
		double t = clock_now(), next = -1;
		int running = 0, waiting = 0, left;
		CURLMsg *m;

		for (k = 0; k < h->njobs; k++) {
			struct job *j = h->jobs[k];

			if (j->state != JOB_WAITING)
				continue;
			waiting = 1;
			if (h->active < h->parallel && j->ready_at <= t) {
				if (start_job(e, h, j) != 0) {
					abort_all(h);
					return embed_fatal(e, QUARRY_ENOMEM,
					    "out of memory");
				}
			} else if (j->ready_at > t &&
			    (next < 0 || j->ready_at < next))
				next = j->ready_at;
		}
		if (h->active == 0 && !waiting)
			break;
		if (h->active == 0) {
			/* Only backoffs pending: sleep until the first. */
			struct timespec ts;
			double d = next - t;

			if (d > 0) {
				ts.tv_sec = (time_t)d;
				ts.tv_nsec = (long)((d - (double)ts.tv_sec) *
				    1e9);
				nanosleep(&ts, NULL);
			}
			continue;
		}
		curl_multi_perform(h->multi, &running);
		while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
			struct job *j = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
			    (char **)&j);
			finish_job(e, h, j, m->data.result);
			if (e->fatal)
				break;
		}
		if (e->fatal) {
			abort_all(h);
			return e->fatal_code;
		}
		if (running > 0) {
			int ms = 1000;

			if (next >= 0 && h->active < h->parallel) {
				double d = (next - clock_now()) * 1e3;

				ms = d < 0 ? 0 : d > 1000 ? 1000 : (int)d + 1;
			}
			curl_multi_poll(h->multi, NULL, 0, ms, NULL);
		}
	}
	return 0;
}

static void
http_free(quarry_embedder *e)
{
	struct http *h = e->impl;
	size_t i;

	if (h == NULL)
		return;
	if (h->multi)
		abort_all(h);
	jobs_clear(h);
	free(h->jobs);
	for (i = 0; i < h->nidle; i++)
		curl_easy_cleanup(h->idle[i]);
	free(h->idle);
	if (h->multi)
		curl_multi_cleanup(h->multi);
	curl_slist_free_all(h->headers);
	embed_response_free(&h->resp);
	free(h->items);
	free(h->url);
	free(h->shown);
	free(h->model);
	free(h);
}

static const struct embed_ops http_ops = { http_embed, http_free };

char *
quarry_url_redact(const char *url)
{
	const char *p = strstr(url, "://"), *host, *at = NULL;
	size_t n;
	char *s;

	if (p == NULL)
		return strdup(url);
	/* The authority ends at the first '/', '?' or '#'; its last '@'
	 * ends the user information. */
	host = p + 3;
	for (p = host; *p != '\0' && *p != '/' && *p != '?' && *p != '#'; p++)
		if (*p == '@')
			at = p;
	if (at == NULL)
		return strdup(url);
	n = (size_t)(host - url) + 3 + strlen(at) + 1;
	if ((s = malloc(n)) == NULL)
		return NULL;
	snprintf(s, n, "%.*s***%s", (int)(host - url), url, at);
	return s;
}

/* The endpoint for a URL given by the user (see quarry.h). */
static char *
endpoint(const char *url, const char *path)
{
	size_t n = strlen(url), m, pl = strlen(path);
	const char *tail;
	char *s;

	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n >= pl && memcmp(url + n - pl, path, pl) == 0)
		tail = "";
	else if (n >= 3 && memcmp(url + n - 3, "/v1", 3) == 0)
		tail = path;
	else
		tail = strcmp(path, "/rerank") == 0 ? "/v1/rerank" :
		    "/v1/embeddings";
	m = n + strlen(tail) + 1;
	if ((s = malloc(m)) == NULL)
		return NULL;
	memcpy(s, url, n);
	strcpy(s + n, tail);
	return s;
}

static int
add_header(struct http *h, const char *line)
{
	struct curl_slist *l = curl_slist_append(h->headers, line);

	if (l == NULL)
		return QUARRY_ENOMEM;
	h->headers = l;
	return 0;
}

int
quarry_embedder_new_http(quarry_embedder **out, const quarry_embed_options *o)
{
	return embed_http_open(out, o, 0);
}

static int
http_new(quarry_embedder **out, const quarry_embed_options *o, int rerank)
{
	quarry_embedder *e;
	struct http *h;
	char *name;
	size_t n;
	int rc;

	if ((h = embed_alloc(out, sizeof(*h), &http_ops)) == NULL)
		return QUARRY_ENOMEM;
	e = *out;
	if (o->url == NULL || (!rerank && (o->model == NULL ||
	    *o->model == '\0')))
		return qerr_set(&e->err, QUARRY_EINVAL,
		    "an HTTP embedder needs a URL and a model name");
	if ((h->shown = quarry_url_redact(o->url)) == NULL)
		return QUARRY_ENOMEM;
	if (strncasecmp(o->url, "http://", 7) != 0 &&
	    strncasecmp(o->url, "https://", 8) != 0)
		return qerr_set(&e->err, QUARRY_EINVAL, "%s: not an http:// or "
		    "https:// URL", h->shown);
	if (o->batch == 0 || o->parallel == 0 || !(o->timeout > 0) ||
	    o->backoff < 0 || o->dims > QUARRY_EMBED_DIMS_MAX)
		return qerr_set(&e->err, QUARRY_EINVAL, "invalid HTTP embedder "
		    "options");
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return qerr_set(&e->err, QUARRY_EHTTP, "cannot initialise "
		    "libcurl: %s", curl_easy_strerror(curl_init_rc));
	h->batch = o->batch;
	h->parallel = o->parallel;
	h->retries = o->retries;
	h->timeout_ms = (long)(o->timeout * 1e3);
	if (h->timeout_ms < 1)
		h->timeout_ms = 1;
	h->backoff = o->backoff;
	e->max_input = o->max_input;
	free(h->shown);
	h->shown = NULL;
	if ((h->url = endpoint(o->url, rerank ? "/rerank" :
	    "/embeddings")) == NULL ||
	    (h->shown = quarry_url_redact(h->url)) == NULL ||
	    (h->model = strdup(o->model ? o->model : "")) == NULL ||
	    (h->idle = calloc(o->parallel, sizeof(CURL *))) == NULL ||
	    (h->multi = curl_multi_init()) == NULL)
		return QUARRY_ENOMEM;
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)o->parallel);
	if (add_header(h, "Content-Type: application/json") != 0 ||
	    add_header(h, "Accept: application/json") != 0 ||
	    add_header(h, "Expect:") != 0)
		return QUARRY_ENOMEM;
	if (o->api_key != NULL && *o->api_key != '\0') {
		size_t alen = strlen(o->api_key) + 32;
		char *auth = malloc(alen);

		if (auth == NULL)
			return QUARRY_ENOMEM;
		snprintf(auth, alen, "Authorization: Bearer %s", o->api_key);
		rc = add_header(h, auth);
		memset(auth, 0, alen);
		free(auth);
		if (rc != 0)
			return rc;
	}
	n = strlen(h->model) + 8;
	if ((name = malloc(n)) == NULL)
		return QUARRY_ENOMEM;
	snprintf(name, n, "%s:%s", rerank ? "rerank" : "openai", h->model);
	rc = embed_init(e, &http_ops, name, o->dims);
	free(name);
	return rc;
}

int
embed_http_open(quarry_embedder **out, const quarry_embed_options *o,
    int rerank)
{
	int rc = http_new(out, o, rerank);

	if (rc != 0 && *out != NULL)
		qerr_ret(&(*out)->err, rc);
	return rc;
}
