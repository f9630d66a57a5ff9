/*
 * quarry-eval: measures retrieval quality over labelled queries.
 *
 * Each query line names its relevant chunks or documents; the query is
 * searched as quarry-search would (the same options, filters included) and
 * its results scored by quarry_eval_compute() (src/eval.c): recall@k,
 * precision@k, MRR and nDCG@k, per query and averaged (man/quarry-eval.1).
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "quarry.h"
#include "searchopts.h"

static void
usage(void)
{
	printf("Usage: %s --db=PATH [OPTION]... [QUERIES]...\n", progname);
	fputs(
"Search the store PATH for every query of QUERIES (JSON Lines: {\"query\":\n"
"\"...\", \"relevant\": [\"ID\", ...]}, where an ID is a chunk's id or a\n"
"document's doc) and report recall@k, precision@k, MRR and nDCG@k, averaged\n"
"over the queries.  With no QUERIES, or when QUERIES is -, read standard\n"
"input.\n"
"\n", stdout);
	fputs(searchopts_help, stdout);
	fputs(
"      --per-query        also report every query\n"
"  -f, --format=FORMAT    json (the default) or text (the default when\n"
"                         standard output is a terminal)\n"
"      --help             display this help and exit\n"
"      --version          output version information and exit\n"
"\n"
"Exit status: 0 on success, 1 if some query could not be evaluated (the\n"
"rest still are) or the store cannot be read, 2 on a usage error.  See\n"
"quarry-eval(1).\n",
	    stdout);
	close_stdout();
	exit(EXIT_OK);
}

enum { OPT_PER_QUERY = 256, OPT_HELP, OPT_VERSION };

static const struct option longopts[] = {
	SEARCHOPTS_LONG,
	{ "per-query", no_argument, NULL, OPT_PER_QUERY },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static struct {
	quarry_search *s;
	quarry_embedder *emb;
	size_t k;
	int text, per_query;
	float *buf;
	quarry_eval_metrics sum;
	unsigned long n;
	int status;
} g;

static void
print_metrics(const char *label, size_t nrel, const quarry_eval_metrics *m,
    int summary)
{
	if (g.text) {
		printf("%-40.40s %9.3f %12.3f %6.3f %8.3f\n", label, m->recall,
		    m->precision, m->mrr, m->ndcg);
		return;
	}
	if (!summary) {
		struct quarry_buf b = { 0 };

		quarry_buf_json_string(&b, label, strlen(label));
		printf("{\"query\":%.*s,\"relevant\":%zu,\"found\":%zu,"
		    "\"first\":%zu,", (int)b.len, b.data, nrel, m->found,
		    m->first);
		quarry_buf_free(&b);
	} else
		printf("{\"queries\":%lu,", g.n);
	printf("\"k\":%zu,\"recall\":%.6f,\"precision\":%.6f,\"mrr\":%.6f,"
	    "\"ndcg\":%.6f}\n", g.k, m->recall, m->precision, m->mrr, m->ndcg);
}

static void
eval_record(const json_t *rec, const char *file, unsigned long line)
{
	json_t *rel = json_object_get(rec, "relevant"), *x;
	const quarry_search_hit *hits = NULL;
	const char **ids, *msg, *label;
	const float *q;
	quarry_eval_metrics m;
	size_t nrel, i, n = 0;
	int rc;

	if (!json_is_array(rel) || (nrel = json_array_size(rel)) == 0) {
		warnx_at(file, line, "the query has no \"relevant\" array of ids");
		g.status = EXIT_SOMEFAILED;
		return;
	}
	if ((ids = calloc(nrel, sizeof(*ids))) == NULL)
		die(EXIT_SOMEFAILED, "out of memory");
	json_array_foreach(rel, i, x) {
		if (!json_is_string(x)) {
			warnx_at(file, line, "\"relevant\" holds a value that "
			    "is not a string");
			g.status = EXIT_SOMEFAILED;
			free(ids);
			return;
		}
		ids[i] = json_string_value(x);
	}
	if ((label = quarry_record_string(rec, "id", NULL)) == NULL &&
	    (label = quarry_record_string(rec, "query", NULL)) == NULL)
		label = "";
	if (g.emb != NULL) {
		if ((q = searchopts_query_vector(g.emb, rec, g.buf,
		    quarry_search_dims(g.s), &msg)) == NULL) {
			warnx_at(file, line, "%s", msg);
			g.status = EXIT_SOMEFAILED;
			free(ids);
			return;
		}
		if ((rc = quarry_search_run(g.s, q, quarry_search_dims(g.s),
		    &hits, &n)) != 0) {
			warnx_at(file, line, "%s", *quarry_search_error(g.s) ?
			    quarry_search_error(g.s) : quarry_strerror(rc));
			g.status = EXIT_SOMEFAILED;
			free(ids);
			return;
		}
	}
	if (quarry_eval_compute(hits, n, g.k, ids, nrel, &m) != 0)
		die(EXIT_SOMEFAILED, "out of memory");
	free(ids);
	if (g.per_query)
		print_metrics(label, nrel, &m, 0);
	g.sum.recall += m.recall;
	g.sum.precision += m.precision;
	g.sum.mrr += m.mrr;
	g.sum.ndcg += m.ndcg;
	g.n++;
}

int
main(int argc, char **argv)
{
	struct searchopts o;
	struct inputs in;
	quarry_store *st;
	const char *format = NULL;
	char label[64];
	size_t i;
	int ch, rc;

	prog_init(argv[0]);
	argv[0] = (char *)progname;
	searchopts_init(&o);
	while ((ch = getopt_long(argc, argv, SEARCHOPTS_SHORT "f:", longopts,
	    NULL)) != -1) {
		if (searchopts_option(&o, ch, optarg))
			continue;
		switch (ch) {
		case 'f': format = optarg; break;
		case OPT_PER_QUERY: g.per_query = 1; break;
		case OPT_HELP: usage(); break;
		case OPT_VERSION: print_version(); break;
		default: try_help();
		}
	}
	if (format == NULL)
		g.text = isatty(1);
	else if (strcmp(format, "json") == 0)
		g.text = 0;
	else if (strcmp(format, "text") == 0)
		g.text = 1;
	else
		usage_error("--format: unknown format \"%s\"", format);
	g.k = o.k;
	searchopts_open(&o, &st, &g.s, &g.emb);
	if ((g.buf = calloc(quarry_search_dims(g.s) + 1, sizeof(float))) ==
	    NULL)
		die(EXIT_SOMEFAILED, "out of memory");
	if (g.text)
		printf("%-40s %9s %12s %6s %8s\n", "query", "recall@k",
		    "precision@k", "MRR", "nDCG@k");
	if (inputs_collect(&in, argc - optind, argv + optind, NULL, '\n') != 0)
		g.status = EXIT_SOMEFAILED;
	for (i = 0; i < in.n; i++) {
		FILE *fp = input_open(in.names[i]);
		quarry_reader *r;
		json_t *rec;

		if (fp == NULL) {
			g.status = EXIT_SOMEFAILED;
			continue;
		}
		if (quarry_reader_new(&r, fp, in.names[i]) != 0)
			die(EXIT_SOMEFAILED, "out of memory");
		while ((rc = quarry_reader_next(r, &rec)) != 0) {
			if (rc < 0) {
				warnx_at(in.names[i], quarry_reader_line(r),
				    "%s", quarry_reader_error(r));
				g.status = EXIT_SOMEFAILED;
				if (rc == QUARRY_EIO || rc == QUARRY_ENOMEM)
					break;
				continue;
			}
			eval_record(rec, in.names[i], quarry_reader_line(r));
			json_decref(rec);
		}
		quarry_reader_free(r);
		input_close(fp);
	}
	if (g.n > 0) {
		g.sum.recall /= (double)g.n;
		g.sum.precision /= (double)g.n;
		g.sum.mrr /= (double)g.n;
		g.sum.ndcg /= (double)g.n;
	}
	snprintf(label, sizeof(label), "mean of %lu quer%s (k = %zu)", g.n,
	    g.n == 1 ? "y" : "ies", g.k);
	print_metrics(label, 0, &g.sum, 1);
	inputs_free(&in);
	free(g.buf);
	quarry_embedder_free(g.emb);
	quarry_search_free(g.s);
	quarry_store_close(st);
	searchopts_free(&o);
	close_stdout();
	return g.status;
}
