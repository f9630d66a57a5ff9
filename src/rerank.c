/*
 * rerank.c: re-ranking search results with a cross-encoder (man/quarry-
 * search.1, RE-RANKING).
 *
 * A reranker is an embedder whose items are documents scored against a
 * query, each score a "vector" of one dimension, so that the two backends
 * of quarry-embed do the work, with their batching, parallel requests,
 * retries, timeouts and checks:
 *
 *   - HTTP (embed_http.c): the /v1/rerank API of llama.cpp's server, vLLM,
 *     Infinity, Jina and Cohere-compatible gateways: request {"model",
 *     "query", "documents", "top_n"}, response {"results": [{"index",
 *     "relevance_score"}]}, parsed here (rerank_parse_response());
 *   - command (embed_cmd.c): quarry-embed's command protocol with a "query"
 *     member in each request line, {"id":N,"query":Q,"text":D}, answered by
 *     a one-number array [S] (or {"id":N,"embedding":[S]}).
 *
 * Any fault (a request that failed for good, a malformed answer, a wrong
 * number of results, an index out of range or repeated) fails the whole
 * re-ranking with a message naming the endpoint: a list is never returned
 * unranked or partly ranked.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed_private.h"

struct quarry_reranker {
	quarry_embedder *e;
	struct qerr err;
};

/* Grows r's arrays to hold n entries of one value each. */
static int
response_reserve(struct embed_response *r, size_t n)
{
	size_t *ni, *no, *nd;
	float *nv;

	if (n <= r->cap && n <= r->capvals)
		return 0;
	if ((ni = realloc(r->index, n * sizeof(*ni))) == NULL)
		return QUARRY_ENOMEM;
	r->index = ni;
	if ((no = realloc(r->off, n * sizeof(*no))) == NULL)
		return QUARRY_ENOMEM;
	r->off = no;
	if ((nd = realloc(r->dims, n * sizeof(*nd))) == NULL)
		return QUARRY_ENOMEM;
	r->dims = nd;
	r->cap = n;
	if ((nv = realloc(r->vals, n * sizeof(*nv))) == NULL)
		return QUARRY_ENOMEM;
	r->vals = nv;
	r->capvals = n;
	return 0;
}

int
rerank_parse_response(const char *body, size_t len, struct embed_response *r,
    char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *res, *x;
	size_t i;
	int rc = QUARRY_EFORMAT;

	r->n = 0;
	r->nvals = 0;
	err[0] = '\0';
	if ((root = json_loadb(body ? body : "", len, 0, &je)) == NULL) {
		snprintf(err, errlen, "%s at byte %d", je.text, je.position);
		return QUARRY_EJSON;
	}
	if (json_is_array(root))
		res = root;		/* Text Embeddings Inference */
	else if ((res = json_object_get(root, "results")) == NULL)
		res = json_object_get(root, "data");
	if (!json_is_array(res)) {
		snprintf(err, errlen, "no \"results\" array");
		goto out;
	}
	if (json_array_size(res) > 0 &&
	    response_reserve(r, json_array_size(res)) != 0) {
		rc = QUARRY_ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	json_array_foreach(res, i, x) {
		json_t *ix = json_object_get(x, "index");
		json_t *sc = json_object_get(x, "relevance_score");
		double v;

		if (sc == NULL)
			sc = json_object_get(x, "score");
		if (!json_is_object(x)) {
			snprintf(err, errlen, "result %zu is not an object", i);
			goto out;
		}
		if (!json_is_integer(ix) || json_integer_value(ix) < 0) {
			snprintf(err, errlen, "result %zu has no \"index\" "
			    "that is a whole number >= 0", i);
			goto out;
		}
		if (!json_is_number(sc)) {
			snprintf(err, errlen, "result %zu has no "
			    "\"relevance_score\" number", i);
			goto out;
		}
		v = json_number_value(sc);
		if (!isfinite(v) || fabs(v) > 3.0e38) {
			snprintf(err, errlen, "result %zu has a score out of "
			    "range", i);
			goto out;
		}
		r->index[i] = (size_t)json_integer_value(ix);
		r->off[i] = i;
		r->dims[i] = 1;
		r->vals[i] = (float)v;
		r->n = r->nvals = i + 1;
	}
	rc = 0;
out:
	json_decref(root);
	if (rc != 0)
		r->n = r->nvals = 0;
	return rc;
}

static int
reranker_new(quarry_reranker **out, const quarry_embed_options *o,
    int command)
{
	quarry_embed_options eo = *o;
	quarry_reranker *r;
	int rc;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return QUARRY_ENOMEM;
	*out = r;
	eo.dims = 1;
	eo.max_input = 0;
	rc = command ? quarry_embedder_new_command(&r->e, &eo) :
	    embed_http_open(&r->e, &eo, 1);
	if (rc != 0)
		qerr_set(&r->err, rc, "%s", quarry_embedder_error(r->e));
	return rc;
}

int
quarry_reranker_new_http(quarry_reranker **out, const quarry_embed_options *o)
{
	return reranker_new(out, o, 0);
}

int
quarry_reranker_new_command(quarry_reranker **out,
    const quarry_embed_options *o)
{
	return reranker_new(out, o, 1);
}

int
quarry_reranker_new(quarry_reranker **out, const quarry_embed_options *o)
{
	quarry_embed_options eo = *o;
	const char *k = getenv("QUARRY_RERANK_API_KEY");

	if (o->url != NULL && o->command != NULL) {
		if ((*out = calloc(1, sizeof(**out))) == NULL)
			return QUARRY_ENOMEM;
		return qerr_set(&(*out)->err, QUARRY_EINVAL, "an endpoint and "
		    "a command exclude each other");
	}
	if (o->url != NULL && eo.api_key == NULL && k != NULL && *k != '\0')
		eo.api_key = k;
	return reranker_new(out, &eo, o->url == NULL);
}

int
quarry_reranker_score(quarry_reranker *r, const char *query, size_t qlen,
    const char *const *docs, const size_t *lens, size_t n, double *scores)
{
	quarry_embedder *e = r->e;
	const float *v;
	const char *msg;
	size_t i;
	int rc;

	qerr_clear(&r->err);
	if (n == 0)
		return 0;
	e->query = query;
	e->qlen = qlen;
	rc = quarry_embedder_embed(e, docs, lens, n);
	e->query = NULL;
	if (rc != 0)
		return qerr_set(&r->err, rc, "%s", quarry_embedder_error(e));
	for (i = 0; i < n; i++) {
		if ((v = quarry_embedder_vector(e, i)) == NULL) {
			rc = quarry_embedder_status(e, i, &msg);
			return qerr_set(&r->err, rc ? rc : QUARRY_EMODEL, "%s",
			    msg);
		}
		scores[i] = v[0];
	}
	return 0;
}

struct order {
	double score;
	size_t pos;
};

static int
cmp_order(const void *a, const void *b)
{
	const struct order *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int
quarry_rerank_hits(quarry_reranker *r, const char *query, size_t qlen,
    quarry_search_hit *hits, size_t n, size_t top)
{
	struct quarry_buf *texts = NULL;
	const char **docs = NULL;
	size_t *lens = NULL, i;
	double *scores = NULL;
	struct order *ord = NULL;
	quarry_search_hit *tmp = NULL;
	int rc = QUARRY_ENOMEM;

	if (top > n)
		top = n;
	if (top == 0)
		return 0;
	if ((texts = calloc(top, sizeof(*texts))) == NULL ||
	    (docs = calloc(top, sizeof(*docs))) == NULL ||
	    (lens = calloc(top, sizeof(*lens))) == NULL ||
	    (scores = calloc(top, sizeof(*scores))) == NULL ||
	    (ord = calloc(top, sizeof(*ord))) == NULL ||
	    (tmp = calloc(top, sizeof(*tmp))) == NULL)
		goto out;
	for (i = 0; i < top; i++) {
		size_t tl = 0, xl = 0;
		const char *title = quarry_record_string(hits[i].rec, "title",
		    &tl);
		const char *text = quarry_record_string(hits[i].rec, "text",
		    &xl);

		/* The title, when the text does not begin with it, then the
		 * text: what a cross-encoder was trained on. */
		if (title != NULL && tl > 0 && (text == NULL || xl < tl ||
		    memcmp(text, title, tl) != 0) &&
		    (quarry_buf_append(&texts[i], title, tl) != 0 ||
		    (text != NULL && quarry_buf_append(&texts[i], "\n\n", 2) !=
		    0)))
			goto out;
		if (text != NULL && quarry_buf_append(&texts[i], text, xl) != 0)
			goto out;
		if (quarry_buf_append(&texts[i], "", 0) != 0)
			goto out;
		docs[i] = texts[i].data ? texts[i].data : "";
		lens[i] = texts[i].len;
	}
	if ((rc = quarry_reranker_score(r, query, qlen, docs, lens, top,
	    scores)) != 0)
		goto out;
	for (i = 0; i < top; i++) {
		ord[i].score = scores[i];
		ord[i].pos = i;
		tmp[i] = hits[i];
	}
	qsort(ord, top, sizeof(*ord), cmp_order);
	for (i = 0; i < top; i++) {
		hits[i] = tmp[ord[i].pos];
		hits[i].score = ord[i].score;
	}
out:
	qerr_ret(&r->err, rc);
	if (texts != NULL)
		for (i = 0; i < top; i++)
			quarry_buf_free(&texts[i]);
	free(texts);
	free(docs);
	free(lens);
	free(scores);
	free(ord);
	free(tmp);
	return rc;
}

const char *
quarry_reranker_error(const quarry_reranker *r)
{
	return qerr_str(r ? &r->err : NULL);
}

void
quarry_reranker_stats(const quarry_reranker *r, quarry_embed_stats *st)
{
	quarry_embedder_stats(r->e, st);
}

void
quarry_reranker_free(quarry_reranker *r)
{
	if (r == NULL)
		return;
	quarry_embedder_free(r->e);
	free(r);
}
