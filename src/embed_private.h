/*
 * embed_private.h: what the embedder backends (embed.c, embed_http.c,
 * embed_cmd.c) and the JSON scanners (embed_json.c) share.  Not installed.
 *
 * A backend fills the results of one quarry_embedder_embed() call through
 * embed_item_vec() and embed_item_fail(); the dimensions are fixed once, by
 * the options or by the first vector that arrives (embed_set_dims()).
 */
#ifndef QUARRY_EMBED_PRIVATE_H
#define QUARRY_EMBED_PRIVATE_H

#include <stdarg.h>
#include <stddef.h>

#include "error_private.h"
#include "quarry.h"

struct embed_ops {
	/* Embeds items [0, e->n) of the current call.  Returns 0, or a
	 * negative code when the backend failed as a whole (after
	 * embed_fatal()). */
	int (*embed)(quarry_embedder *e);
	void (*free)(quarry_embedder *e);
};

struct quarry_embedder {
	const struct embed_ops *ops;
	void *impl;		/* the backend's own state */
	char *name;		/* "hash-v1", "openai:NAME", "command:NAME" */
	char *model;		/* name + "/" + dims, once dims are known */
	size_t dims;
	size_t max_input;	/* in code points; 0: no limit */
	int fatal;		/* the backend is unusable (error in err) */
	int fatal_code;

	/* The current call. */
	const char *const *texts;
	const size_t *lens;
	size_t n;
	size_t cap;		/* items allocated below */
	float *vecs;		/* cap * dims */
	int *status;		/* per item: 0, or a QUARRY_E* code */
	char **msgs;		/* per item message, or NULL */
	unsigned char *done;	/* per item: a vector was stored */

	/* Re-ranking (rerank.c): items are documents scored against this
	 * query, each answer a vector of 1 dimension (its score); NULL when
	 * embedding. */
	const char *query;
	size_t qlen;

	quarry_embed_stats stats;
	struct qerr err;
};

/*
 * Allocates a handle into *out with its backend's state, size bytes zeroed
 * (e->impl), and its ops, whose free() must take a state left as it is
 * now.  Returns the state, or NULL when out of memory (then *out is NULL,
 * or a handle without a state for quarry_embedder_free()).
 */
void *embed_alloc(quarry_embedder **out, size_t size,
    const struct embed_ops *ops);

/*
 * Sets up e with its backend.  name is copied.  dims may be 0 (not known
 * yet).  Returns 0 or QUARRY_ENOMEM.
 */
int embed_init(quarry_embedder *e, const struct embed_ops *ops,
    const char *name, size_t dims);

/*
 * Fixes the dimensions (when still 0) and builds the model string.  Returns
 * 0, QUARRY_EMODEL when dims differs from dimensions already fixed, or
 * QUARRY_ENOMEM.
 */
int embed_set_dims(quarry_embedder *e, size_t dims);

/* Returns where item i's vector goes (e->dims floats); dims must be known. */
float *embed_item_vec(quarry_embedder *e, size_t i);

/* Marks item i as embedded. */
void embed_item_ok(quarry_embedder *e, size_t i);

/* Fails item i with code and a printf-style message (first failure wins). */
void embed_item_fail(quarry_embedder *e, size_t i, int code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Fails the embedder as a whole: sets e->err, fails every item not yet
 * done, and returns code. */
int embed_fatal(quarry_embedder *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------ embed_json.c */

/*
 * Parses one JSON number at s[*pos..len) as a float32 with strtof() in the C
 * locale (so the value is rounded once, exactly as written).  Rejects what
 * JSON does not allow ("+1", "1.", "NaN", hex) and values outside the
 * float range.  Advances *pos.  Returns 0 or QUARRY_EJSON.
 */
int embed_parse_float(const char *s, size_t len, size_t *pos, float *out);

/*
 * Parses s[0..len), which must be a JSON array of numbers with optional
 * white space around it, into *vec (grown with realloc, *cap floats) and
 * sets *n.  On error returns QUARRY_EJSON or QUARRY_ENOMEM with a message in
 * err.
 */
int embed_parse_vector(const char *s, size_t len, float **vec, size_t *cap,
    size_t *n, char *err, size_t errlen);

/*
 * Parses one answer line of the command backend: a bare JSON array of
 * numbers (answers paired in order), or an object {"id":N,"embedding":[...]}
 * (paired by id; other members skipped).  Sets *has_id when an "id" was
 * read, even when the line is malformed after it, so that the failure can
 * be given to the right item.  Returns 0, QUARRY_EJSON, QUARRY_EFORMAT or
 * QUARRY_ENOMEM (with a message in err).
 */
int embed_parse_answer(const char *s, size_t len, float **vec, size_t *cap,
    size_t *n, size_t *id, int *has_id, char *err, size_t errlen);

/* The vectors of an OpenAI-style /v1/embeddings response. */
struct embed_response {
	size_t n;		/* entries of "data" */
	size_t cap;
	size_t *index;		/* each entry's "index" (its position when
				   no entry has one) */
	size_t *off;		/* start of its vector in vals */
	size_t *dims;		/* its length */
	float *vals;
	size_t nvals;
	size_t capvals;
};

/*
 * Parses an /v1/embeddings response body {"data":[{"index":I,
 * "embedding":[...]}, ...], ...}; unknown members are skipped.  The order of
 * the entries is kept (the caller sorts by index).  Returns 0, or
 * QUARRY_EJSON / QUARRY_EFORMAT / QUARRY_ENOMEM with a message in err.  r is
 * reset first and freed by embed_response_free().
 */
int embed_parse_response(const char *body, size_t len,
    struct embed_response *r, char *err, size_t errlen);

void embed_response_free(struct embed_response *r);

/*
 * Parses a /v1/rerank response body {"results":[{"index":I,
 * "relevance_score":S}, ...], ...} (also "score", or a bare array of such
 * entries) into r, each score a vector of 1 dimension.  Returns as
 * embed_parse_response() (rerank.c).
 */
int rerank_parse_response(const char *body, size_t len,
    struct embed_response *r, char *err, size_t errlen);

/*
 * Creates the HTTP backend: quarry_embedder_new_http() when rerank is 0;
 * with rerank 1, a client of the /v1/rerank API whose items are documents
 * scored against e->query (rerank.c).
 */
int embed_http_open(quarry_embedder **out, const quarry_embed_options *o,
    int rerank);

#endif
