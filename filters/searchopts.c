/*
 * searchopts.c: the options shared by quarry-search and quarry-eval
 * (filters/searchopts.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "rerankopts.h"
#include "searchopts.h"

static const char *dbpath;	/* --db, for searchopts_mode_error() */

const char searchopts_help[] =
"      --db=PATH          the store to search (required)\n"
"  -k N                   the number of results (default 10)\n"
"  -j N                   threads scanning the vectors (default: the number\n"
"                         of processors)\n"
"      --since=DATE       only chunks dated DATE or later\n"
"      --until=DATE       only chunks dated DATE or earlier\n"
"      --field=NAME       the date field of --since and --until (default date)\n"
"      --author=TEXT      only chunks whose author contains TEXT (any case)\n"
"      --where=FIELD=VALUE  only chunks whose string FIELD is VALUE\n"
"                         (repeatable; all must hold)\n"
"      --source=GLOB      only chunks whose source matches the pattern GLOB\n"
"  -u, --url=URL          the endpoint of an openai:... store's model\n"
"  -m, --model=NAME       the model name sent (default: the store's)\n"
"  -c, --command=CMD      the embedder command of a command:... store's model\n"
"      --timeout=SECS     time limit for embedding a query (default 60)\n";

void
searchopts_init(struct searchopts *o)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	memset(o, 0, sizeof(*o));
	o->k = QUARRY_SEARCH_K_DEFAULT;
	o->threads = n > 0 ? (n > 64 ? 64 : (unsigned)n) : 1;
	quarry_embed_options_init(&o->eo);
}

int
searchopts_option(struct searchopts *o, int ch, const char *arg)
{
	const char **nw;

	switch (ch) {
	case SO_DB: o->db = arg; break;
	case SO_SINCE: o->since = arg; break;
	case SO_UNTIL: o->until = arg; break;
	case SO_FIELD: o->field = arg; break;
	case SO_AUTHOR: o->author = arg; break;
	case SO_SOURCE: o->source = arg; break;
	case SO_WHERE:
		if ((nw = realloc(o->where, (o->nwhere + 1) *
		    sizeof(*nw))) == NULL)
			die(EXIT_SOMEFAILED, "out of memory");
		o->where = nw;
		o->where[o->nwhere++] = arg;
		break;
	case SO_TIMEOUT: o->eo.timeout = parse_double("--timeout", arg, 0.001,
	    86400); break;
	case 'k': o->k = parse_number("-k", arg, 1, 1000000); break;
	case 'j': o->threads = (unsigned)parse_number("-j", arg, 1, 256);
		break;
	case 'u': o->eo.url = arg; break;
	case 'm': o->eo.model = arg; break;
	case 'c': o->eo.command = arg; break;
	case 'f': o->format = arg; break;
	default: return 0;
	}
	return 1;
}

int
searchopts_getopt(struct searchopts *o, struct rerankopts *ro, int argc,
    char **argv, const struct option *longopts)
{
	int ch;

	while ((ch = getopt_long(argc, argv, SEARCHOPTS_SHORT, longopts,
	    NULL)) != -1)
		if (!searchopts_option(o, ch, optarg) &&
		    !rerankopts_option(ro, ch, optarg))
			break;
	return ch;
}

enum quarry_search_format
searchopts_format(const struct searchopts *o, int context)
{
	/* In the order of enum quarry_search_format. */
	static const char *const names[] = { "json", "text", "context",
	    NULL };
	static const char *const names_no_context[] = { "json", "text",
	    NULL };

	if (o->format == NULL)
		return isatty(1) ? QUARRY_SEARCH_TEXT : QUARRY_SEARCH_JSON;
	return (enum quarry_search_format)parse_choice("--format", o->format,
	    context ? names : names_no_context);
}

/* Exits for a filter the search refused: a usage error for a bad value,
 * named by prefix and the library's message. */
static void
filter_failed(quarry_search *s, int rc, const char *prefix)
{
	if (rc == QUARRY_EINVAL)
		usage_error("%s%s", prefix, quarry_search_error(s));
	die(EXIT_SOMEFAILED, "%s", quarry_search_error(s));
}

void
searchopts_open(struct searchopts *o, quarry_store **st, quarry_search **s,
    quarry_embedder **emb)
{
	size_t i;
	int rc;

	*st = NULL;
	*s = NULL;
	*emb = NULL;
	if (o->db == NULL)
		usage_error("--db is required");
	if (o->eo.url && o->eo.command)
		usage_error("--url and --command exclude each other");
	if (o->eo.model && !o->eo.url && !o->eo.command)
		usage_error("--model goes with --url or --command");
	if (o->field && !o->since && !o->until)
		usage_error("--field goes with --since or --until");
	dbpath = o->db;
	if ((rc = quarry_store_open(st, o->db, QUARRY_STORE_RDONLY)) != 0)
		die(EXIT_SOMEFAILED, "%s", quarry_store_error(*st));
	if ((rc = quarry_search_new(s, *st)) != 0)
		die(EXIT_SOMEFAILED, "%s", quarry_store_error(*st));
	quarry_search_set_k(*s, o->k);
	quarry_search_set_threads(*s, o->threads);
	/* The library's messages name the argument at fault (the date
	 * filter's "since: ..."); the option is ours to name. */
	if ((o->since || o->until) && (rc = quarry_search_filter_date(*s,
	    o->field, o->since, o->until)) != 0)
		filter_failed(*s, rc, "--");
	if (o->author && (rc = quarry_search_filter_author(*s,
	    o->author)) != 0)
		filter_failed(*s, rc, "--author: ");
	for (i = 0; i < o->nwhere; i++)
		if ((rc = quarry_search_filter_where(*s, o->where[i])) != 0)
			filter_failed(*s, rc, "--where: ");
	if (o->source && (rc = quarry_search_filter_source(*s,
	    o->source)) != 0)
		filter_failed(*s, rc, "--source: ");
	if (quarry_search_dims(*s) == 0 || o->no_embedder)
		return;		/* an empty store: nothing to embed for */
	if ((rc = quarry_search_embedder(*s, &o->eo, emb)) != 0)
		die(EXIT_SOMEFAILED, "%s: %s", o->db,
		    quarry_search_error(*s));
}

const float *
searchopts_embed(quarry_embedder *emb, const char *text, size_t len,
    const char **msg)
{
	const float *v;
	int rc;

	*msg = "";
	if ((rc = quarry_embedder_embed(emb, &text, &len, 1)) != 0) {
		*msg = quarry_embedder_error(emb);
		return NULL;
	}
	if ((v = quarry_embedder_vector(emb, 0)) == NULL)
		quarry_embedder_status(emb, 0, msg);
	return v;
}

const float *
searchopts_query_vector(quarry_embedder *emb, const json_t *rec, float *buf,
    size_t dims, const char **msg)
{
	json_t *a = json_object_get(rec, "embedding"), *x;
	const char *text;
	size_t len, i;

	if (a != NULL) {
		if (!json_is_array(a) || json_array_size(a) != dims) {
			*msg = "the query's \"embedding\" is not an array of "
			    "the store's dimensions";
			return NULL;
		}
		json_array_foreach(a, i, x) {
			if (!json_is_number(x)) {
				*msg = "the query's \"embedding\" holds a "
				    "value that is not a number";
				return NULL;
			}
			buf[i] = (float)json_number_value(x);
		}
		return buf;
	}
	if ((text = quarry_record_string(rec, "query", &len)) == NULL &&
	    (text = quarry_record_string(rec, "text", &len)) == NULL) {
		*msg = "the query has no \"query\" string";
		return NULL;
	}
	return searchopts_embed(emb, text, len, msg);
}

const char *
searchopts_mode_error(quarry_search *s, int rc)
{
	static char *msg;

	if (rc != QUARRY_ENOTFOUND || dbpath == NULL)
		return quarry_search_error(s);
	free(msg);
	if (asprintf(&msg, "%s (add one with: quarry-index --db %s "
	    "--reindex-lexical)", quarry_search_error(s), dbpath) < 0) {
		msg = NULL;
		return quarry_search_error(s);
	}
	return msg;
}

const char *
searchopts_run_error(quarry_search *s)
{
	static char *msg;
	quarry_search_stats st;

	quarry_search_get_stats(s, &st);
	if (st.graph >= 0)
		return quarry_search_error(s);
	free(msg);
	if (asprintf(&msg, "%s (quarry-index --check)",
	    quarry_search_error(s)) < 0) {
		msg = NULL;
		return quarry_search_error(s);
	}
	return msg;
}

void
searchopts_close(struct searchopts *o, quarry_store *st, quarry_search *s,
    quarry_embedder *emb)
{
	quarry_embedder_free(emb);
	quarry_search_free(s);
	quarry_store_close(st);
	free(o->where);
}
