/*
 * quarry-search: finds the chunks of a store nearest to a query.
 *
 * The query (the operands, or JSON Lines on standard input) is embedded with
 * the store's own model; the search itself, its filters and its output
 * formats are in src/search*.c (man/quarry-search.1).
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "quarry.h"
#include "searchopts.h"

static void
usage(void)
{
	printf("Usage: %s --db=PATH [OPTION]... [QUERY]...\n", progname);
	fputs(
"Print the chunks of the store PATH nearest to QUERY (the operands joined by\n"
"spaces) by cosine similarity.  With no QUERY, read queries from standard\n"
"input as JSON Lines ({\"query\":\"...\"} or {\"embedding\":[...]}) and print a\n"
"result set for each.\n"
"\n", stdout);
	fputs(searchopts_help, stdout);
	fputs(
"  -f, --format=FORMAT    json (the default), text (the default when standard\n"
"                         output is a terminal), or context (for an LLM)\n"
"      --max-tokens=N     bound the context to about N tokens (default 3000;\n"
"                         0: no bound)\n"
"      --stats            print what each search did on standard error\n"
"      --help             display this help and exit\n"
"      --version          output version information and exit\n"
"\n"
"Exit status: 0 on success, 1 if some query failed (the rest still run) or\n"
"the store cannot be read, 2 on a usage error.  See quarry-search(1).\n",
	    stdout);
	close_stdout();
	exit(EXIT_OK);
}

enum { OPT_MAX_TOKENS = 256, OPT_STATS, OPT_HELP, OPT_VERSION };

static const struct option longopts[] = {
	SEARCHOPTS_LONG,
	{ "format", required_argument, NULL, 'f' },
	{ "max-tokens", required_argument, NULL, OPT_MAX_TOKENS },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static struct {
	quarry_search *s;
	enum quarry_search_format fmt;
	size_t max_tokens;
	int stats;
	struct quarry_buf out;
	int status;
} g;

/* Searches for vector q and prints the results labelled query. */
static int
search(const float *q, const char *query, const char *file,
    unsigned long line)
{
	const quarry_search_hit *hits;
	quarry_search_stats st;
	struct timespec t0, t1;
	size_t n;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = quarry_search_run(g.s, q, quarry_search_dims(g.s), &hits,
	    &n)) != 0) {
		warnx_at(file, line, "%s", *quarry_search_error(g.s) ?
		    quarry_search_error(g.s) : quarry_strerror(rc));
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	g.out.len = 0;
	if (quarry_search_format(&g.out, g.fmt, query, hits, n,
	    g.max_tokens) != 0)
		die(EXIT_SOMEFAILED, "out of memory");
	if (g.out.len > 0 &&
	    fwrite(g.out.data, 1, g.out.len, stdout) != g.out.len)
		die(EXIT_SOMEFAILED, "write error");
	if (g.stats) {
		quarry_search_get_stats(g.s, &st);
		fprintf(stderr, "%s: %zu results; %llu of %llu chunks selected, "
		    "%llu vectors in %llu blocks scanned by %u thread%s in "
		    "%.3f ms\n", progname, n, (unsigned long long)st.selected,
		    (unsigned long long)quarry_search_count(g.s),
		    (unsigned long long)st.scanned,
		    (unsigned long long)st.blocks, st.threads,
		    st.threads == 1 ? "" : "s",
		    (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	}
	return 0;
}

/* Runs one query record from standard input. */
static void
query_record(quarry_embedder *emb, const json_t *rec, float *buf,
    unsigned long line)
{
	const char *msg, *label;
	const float *q;

	if ((label = quarry_record_string(rec, "query", NULL)) == NULL)
		label = quarry_record_string(rec, "id", NULL);
	if (emb == NULL) {		/* an empty store */
		g.out.len = 0;
		if (quarry_search_format(&g.out, g.fmt, label, NULL, 0, 0) != 0)
			die(EXIT_SOMEFAILED, "out of memory");
		if (g.out.len > 0)
			fwrite(g.out.data, 1, g.out.len, stdout);
		return;
	}
	if ((q = searchopts_query_vector(emb, rec, buf,
	    quarry_search_dims(g.s), &msg)) == NULL) {
		warnx_at("-", line, "%s", msg);
		g.status = EXIT_SOMEFAILED;
		return;
	}
	if (search(q, label, "-", line) != 0)
		g.status = EXIT_SOMEFAILED;
}

int
main(int argc, char **argv)
{
	struct searchopts o;
	quarry_store *st;
	quarry_embedder *emb;
	const char *format = NULL, *msg;
	float *buf;
	int ch, rc;

	prog_init(argv[0]);
	argv[0] = (char *)progname;
	searchopts_init(&o);
	g.max_tokens = 3000;
	while ((ch = getopt_long(argc, argv, SEARCHOPTS_SHORT "f:", longopts,
	    NULL)) != -1) {
		if (searchopts_option(&o, ch, optarg))
			continue;
		switch (ch) {
		case 'f': format = optarg; break;
		case OPT_MAX_TOKENS: g.max_tokens = parse_number("--max-tokens",
		    optarg, 0, (unsigned long)-1 / 2); break;
		case OPT_STATS: g.stats = 1; break;
		case OPT_HELP: usage(); break;
		case OPT_VERSION: print_version(); break;
		default: try_help();
		}
	}
	if (format == NULL)
		g.fmt = isatty(1) ? QUARRY_SEARCH_TEXT : QUARRY_SEARCH_JSON;
	else if (strcmp(format, "json") == 0)
		g.fmt = QUARRY_SEARCH_JSON;
	else if (strcmp(format, "text") == 0)
		g.fmt = QUARRY_SEARCH_TEXT;
	else if (strcmp(format, "context") == 0)
		g.fmt = QUARRY_SEARCH_CONTEXT;
	else
		usage_error("--format: unknown format \"%s\"", format);
	searchopts_open(&o, &st, &g.s, &emb);
	if ((buf = calloc(quarry_search_dims(g.s) + 1, sizeof(float))) == NULL)
		die(EXIT_SOMEFAILED, "out of memory");

	if (optind < argc) {
		struct quarry_buf qb = { 0 };
		const float *q;
		int i;

		for (i = optind; i < argc; i++)
			if ((i > optind && quarry_buf_append(&qb, " ", 1)) ||
			    quarry_buf_append(&qb, argv[i], strlen(argv[i])))
				die(EXIT_SOMEFAILED, "out of memory");
		if (quarry_buf_append(&qb, "", 1) != 0)
			die(EXIT_SOMEFAILED, "out of memory");
		qb.len--;
		if (quarry_utf8_validate(qb.data, qb.len, NULL) != 0)
			usage_error("the query is not valid UTF-8");
		if (emb == NULL) {
			if (g.fmt == QUARRY_SEARCH_TEXT)
				fputs("no results\n", stdout);
		} else if ((q = searchopts_embed(emb, qb.data, qb.len,
		    &msg)) == NULL) {
			warnx_at(NULL, 0, "cannot embed the query: %s", msg);
			g.status = EXIT_SOMEFAILED;
		} else if (search(q, qb.data, NULL, 0) != 0)
			g.status = EXIT_SOMEFAILED;
		quarry_buf_free(&qb);
	} else {
		quarry_reader *r;
		json_t *rec;

		if (quarry_reader_new(&r, stdin, "-") != 0)
			die(EXIT_SOMEFAILED, "out of memory");
		while ((rc = quarry_reader_next(r, &rec)) != 0) {
			if (rc < 0) {
				warnx_at("-", quarry_reader_line(r), "%s",
				    quarry_reader_error(r));
				g.status = EXIT_SOMEFAILED;
				if (rc == QUARRY_EIO || rc == QUARRY_ENOMEM)
					break;
				continue;
			}
			query_record(emb, rec, buf, quarry_reader_line(r));
			json_decref(rec);
			if (fflush(stdout) != 0)
				die(EXIT_SOMEFAILED, "write error");
		}
		quarry_reader_free(r);
	}
	free(buf);
	quarry_buf_free(&g.out);
	quarry_embedder_free(emb);
	quarry_search_free(g.s);
	quarry_store_close(st);
	searchopts_free(&o);
	close_stdout();
	return g.status;
}
