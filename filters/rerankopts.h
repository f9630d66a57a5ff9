/*
 * rerankopts.h: the re-ranking options quarry-search and quarry-eval share
 * (--rerank, --rerank-command, --rerank-model, --rerank-top,
 * --rerank-timeout, --rerank-retries, --rerank-key-file), parsed alike by
 * both.  Compiled into both programs.
 */
#ifndef QUARRY_FILTERS_RERANKOPTS_H
#define QUARRY_FILTERS_RERANKOPTS_H

#include <getopt.h>

#include "quarry.h"

enum {
	RO_URL = 400, RO_COMMAND, RO_MODEL, RO_TOP, RO_TIMEOUT, RO_RETRIES,
	RO_KEY_FILE,
};

#define RERANKOPTS_LONG \
	{ "rerank", required_argument, NULL, RO_URL }, \
	{ "rerank-command", required_argument, NULL, RO_COMMAND }, \
	{ "rerank-model", required_argument, NULL, RO_MODEL }, \
	{ "rerank-top", required_argument, NULL, RO_TOP }, \
	{ "rerank-timeout", required_argument, NULL, RO_TIMEOUT }, \
	{ "rerank-retries", required_argument, NULL, RO_RETRIES }, \
	{ "rerank-key-file", required_argument, NULL, RO_KEY_FILE }

extern const char rerankopts_help[];

struct rerankopts {
	quarry_embed_options eo;
	const char *key_file;
	char *key;		/* read from key_file */
	size_t top;
	quarry_reranker *r;	/* after rerankopts_open(), or NULL */
};

void rerankopts_init(struct rerankopts *o);

/* Handles option ch; returns 1 when it was one of the re-ranking options. */
int rerankopts_option(struct rerankopts *o, int ch, const char *arg);

/*
 * Checks the options (usage errors exit 2) and creates the reranker when
 * one is asked for (o->r; a reranker that cannot be made exits 1).  The API
 * key comes from QUARRY_RERANK_API_KEY, else --rerank-key-file.
 */
void rerankopts_open(struct rerankopts *o);

/*
 * Re-ranks the first o->top of hits[0..n) (a copy, in *out, grown as
 * needed: *cap entries) for the query text[0..len).  Returns 0 (with *out
 * holding all n hits, the first re-ordered), or -1 with a message in *msg.
 */
int rerankopts_apply(struct rerankopts *o, const char *text, size_t len,
    const quarry_search_hit *hits, size_t n, quarry_search_hit **out,
    size_t *cap, const char **msg);

void rerankopts_free(struct rerankopts *o);

#endif
