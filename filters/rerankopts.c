/*
 * rerankopts.c: the re-ranking options of quarry-search and quarry-eval
 * (filters/rerankopts.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "rerankopts.h"

const char rerankopts_help[] =
"      --rerank=URL       re-rank the candidates with the /v1/rerank API at\n"
"                         URL (llama.cpp, vLLM, Infinity, Jina, Cohere...)\n"
"      --rerank-command=CMD  re-rank with the command CMD (see the man page)\n"
"      --rerank-model=NAME  the model name sent to the re-ranker\n"
"      --rerank-top=N     the candidates re-ranked (default 50)\n"
"      --rerank-timeout=SECS  time limit of a re-ranking request (default 60)\n"
"      --rerank-retries=N  retries of a failed request (default 5)\n"
"      --rerank-key-file=FILE  the re-ranker's API key is in FILE (else\n"
"                         QUARRY_RERANK_API_KEY)\n";

void
rerankopts_init(struct rerankopts *o)
{
	memset(o, 0, sizeof(*o));
	quarry_embed_options_init(&o->eo);
	o->top = QUARRY_RERANK_TOP_DEFAULT;
}

int
rerankopts_option(struct rerankopts *o, int ch, const char *arg)
{
	switch (ch) {
	case RO_URL: o->eo.url = arg; break;
	case RO_COMMAND: o->eo.command = arg; break;
	case RO_MODEL: o->eo.model = arg; break;
	case RO_TOP: o->top = parse_number("--rerank-top", arg, 1, 100000);
		break;
	case RO_TIMEOUT: o->eo.timeout = parse_double("--rerank-timeout", arg,
	    0.001, 86400); break;
	case RO_RETRIES: o->eo.retries = (unsigned)parse_number(
	    "--rerank-retries", arg, 0, 100); break;
	case RO_KEY_FILE: o->key_file = arg; break;
	default: return 0;
	}
	return 1;
}

/* Reads the key: the first line of the file, without its line end. */
static char *
read_key(const char *file)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if ((fp = fopen(file, "r")) == NULL)
		die(EXIT_SOMEFAILED, "%s: %s", file, strerror(errno));
	n = getline(&line, &cap, fp);
	fclose(fp);
	if (n < 0)
		die(EXIT_SOMEFAILED, "%s: no key in the file", file);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n == 0)
		die(EXIT_SOMEFAILED, "%s: no key in the file", file);
	return line;
}

void
rerankopts_open(struct rerankopts *o)
{
	int rc;

	if (o->eo.url && o->eo.command)
		usage_error("--rerank and --rerank-command exclude each other");
	if (!o->eo.url && !o->eo.command) {
		if (o->eo.model || o->key_file)
			usage_error("--rerank-model and --rerank-key-file go "
			    "with --rerank");
		return;
	}
	if (o->key_file != NULL)
		o->eo.api_key = o->key = read_key(o->key_file);
	if ((rc = quarry_reranker_new(&o->r, &o->eo)) != 0)
		die(rc == QUARRY_EINVAL ? EXIT_USAGE : EXIT_SOMEFAILED,
		    "%s", quarry_reranker_error(o->r));
}

int
rerankopts_apply(struct rerankopts *o, const char *text, size_t len,
    const quarry_search_hit *hits, size_t n, quarry_search_hit **out,
    size_t *cap, const char **msg)
{
	if (n > *cap) {
		quarry_search_hit *nh = realloc(*out, n * sizeof(*nh));

		if (nh == NULL)
			die(EXIT_SOMEFAILED, "out of memory");
		*out = nh;
		*cap = n;
	}
	if (n > 0)
		memcpy(*out, hits, n * sizeof(*hits));
	if (o->r == NULL)
		return 0;
	if (quarry_rerank_hits(o->r, text, len, *out, n, o->top) != 0) {
		*msg = quarry_reranker_error(o->r);
		return -1;
	}
	return 0;
}

void
rerankopts_free(struct rerankopts *o)
{
	quarry_reranker_free(o->r);
	if (o->key != NULL) {
		memset(o->key, 0, strlen(o->key));
		free(o->key);
	}
}
