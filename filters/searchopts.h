/*
 * searchopts.h: the options quarry-search and quarry-eval share (the store,
 * the filters, the query embedder, -k and -j), parsed alike by both so that
 * their man pages can describe them once.  Compiled into both programs.
 */
#ifndef QUARRY_FILTERS_SEARCHOPTS_H
#define QUARRY_FILTERS_SEARCHOPTS_H

#include <getopt.h>

#include "quarry.h"

enum {
	SO_DB = 300, SO_SINCE, SO_UNTIL, SO_FIELD, SO_AUTHOR, SO_WHERE,
	SO_SOURCE, SO_TIMEOUT,
};

/*
 * The getopt_long entries of the shared options (short: k: j: u: m: c: f:);
 * -f/--format is shared, its help is each program's (their formats differ).
 */
#define SEARCHOPTS_LONG \
	{ "db", required_argument, NULL, SO_DB }, \
	{ "since", required_argument, NULL, SO_SINCE }, \
	{ "until", required_argument, NULL, SO_UNTIL }, \
	{ "field", required_argument, NULL, SO_FIELD }, \
	{ "author", required_argument, NULL, SO_AUTHOR }, \
	{ "where", required_argument, NULL, SO_WHERE }, \
	{ "source", required_argument, NULL, SO_SOURCE }, \
	{ "timeout", required_argument, NULL, SO_TIMEOUT }, \
	{ "url", required_argument, NULL, 'u' }, \
	{ "model", required_argument, NULL, 'm' }, \
	{ "command", required_argument, NULL, 'c' }, \
	{ "format", required_argument, NULL, 'f' }

#define SEARCHOPTS_SHORT "k:j:u:m:c:f:"

/* The help text of the shared options. */
extern const char searchopts_help[];

struct searchopts {
	const char *db;
	const char *since, *until, *field, *author, *source;
	const char *format;	/* -f */
	const char **where;
	size_t nwhere;
	size_t k;
	unsigned threads;
	quarry_embed_options eo;
	int no_embedder;	/* set before searchopts_open(): do not make
				   the query embedder (lexical search) */
};

void searchopts_init(struct searchopts *o);

/* Handles option ch; returns 1 when it was one of the shared options. */
int searchopts_option(struct searchopts *o, int ch, const char *arg);

struct rerankopts;
/*
 * The option loop's getopt_long() for quarry-search and quarry-eval: takes
 * the shared options into o and the reranker's into ro, and returns the
 * next option that is the program's own (in longopts, which holds
 * SEARCHOPTS_LONG and RERANKOPTS_LONG), or -1 after the last.
 */
int searchopts_getopt(struct searchopts *o, struct rerankopts *ro, int argc,
    char **argv, const struct option *longopts);

/*
 * The output format -f named: json, text or, where context is set,
 * context; without -f, text when standard output is a terminal, else json.
 * Another name is a usage error (parse_choice()).
 */
enum quarry_search_format searchopts_format(const struct searchopts *o,
    int context);

/*
 * Checks the options, opens the store and the search handle and applies the
 * filters, -k and -j; usage errors exit 2, a store that cannot be read exits
 * 1.  *emb gets the query embedder, or NULL for an empty store.
 */
void searchopts_open(struct searchopts *o, quarry_store **st,
    quarry_search **s, quarry_embedder **emb);

/*
 * Embeds the query text[0..len) into a vector (borrowed from emb until its
 * next call).  Returns NULL with a message in *msg on failure.
 */
const float *searchopts_embed(quarry_embedder *emb, const char *text,
    size_t len, const char **msg);

/*
 * Reads a query record's vector: its "embedding" array (into buf, which
 * has room for dims floats) when it has one, else its "query" (or "text")
 * string embedded with emb.  Returns NULL with a message in *msg.
 */
const float *searchopts_query_vector(quarry_embedder *emb, const json_t *rec,
    float *buf, size_t dims, const char **msg);

/*
 * The message of quarry_search_set_mode()'s error rc on s, with the command
 * that adds the lexical index when the store has none (QUARRY_ENOTFOUND):
 * borrowed, valid until the next call.
 */
const char *searchopts_mode_error(quarry_search *s, int rc);

/*
 * The message of a failed search on s, with the command that verifies the
 * store when the walk found its graph corrupt: borrowed, valid until the
 * next call.
 */
const char *searchopts_run_error(quarry_search *s);

/* Closes what searchopts_open() opened (any may be NULL) and frees o's. */
void searchopts_close(struct searchopts *o, quarry_store *st,
    quarry_search *s, quarry_embedder *emb);

#endif
