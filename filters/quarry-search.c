/*
 * quarry-search: finds the chunks of a store that best match a query.
 *
 * The query (the operands, or JSON Lines on standard input) is matched by
 * BM25 over the store's lexical index, by cosine similarity with its
 * embedding (the store's own model), or both fused (the default when the
 * store has both); the search itself, its filters and its output formats
 * are in src/search*.c (man/quarry-search.1).
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "quarry.h"
#include "rerankopts.h"
#include "searchopts.h"

static void
usage(void)
{
	printf("Usage: %s --db=PATH [OPTION]... [QUERY]...\n", progname);
	fputs(
"Print the chunks of the store PATH that best match QUERY (the operands joined\n"
"by spaces): by BM25 over the store's lexical index, by cosine similarity of\n"
"embeddings, or both fused (hybrid, the default when the store has both).\n"
"With no QUERY, read queries from standard input as JSON Lines\n"
"({\"id\":\"...\",\"query\":\"...\"}, optionally with an \"embedding\") and print a\n"
"result set for each.\n"
"\n", stdout);
	fputs(searchopts_help, stdout);
	fputs(
"  -f, --format=FORMAT    json (the default), text (the default when standard\n"
"                         output is a terminal), or context (for an LLM)\n"
"      --max-tokens=N     bound the context to about N tokens (default 3000;\n"
"                         0: no bound)\n"
"      --mode=MODE        lexical, vector or hybrid (default: hybrid when the\n"
"                         store has a lexical index, else vector)\n"
"      --k1=K1, --b=B     BM25 parameters (default 0.9 and 0.4)\n"
"      --weights=V,L      hybrid: the vector and lexical legs' weights\n"
"                         (default 1,1; 0.02,1 with the built-in hash-v1)\n"
"      --rrf-k=K          hybrid: Reciprocal Rank Fusion's constant (default 60)\n"
"      --depth=N          hybrid: results each leg ranks (default 100)\n"
"      --lang=LANG        the query's language for stemming (default: the\n"
"                         store's, en)\n"
"      --precision=P      the vector scan: f32, int8 or bit (the store's\n"
"                         int8 or 1-bit copy, best candidates re-scored in\n"
"                         f32) or auto (the default: a copy, int8 first,\n"
"                         when the store has one and at least 20000 chunks\n"
"                         are selected)\n"
"      --rescore=N        int8, bit: re-score N times the needed candidates\n"
"                         (default 4 for int8, 64 for bit)\n"
"      --ef=N             the HNSW graph's search list: more is slower and\n"
"                         finds more of the true best (default 64)\n"
"      --exact            scan the vectors even when the store has a graph\n"
"      --no-collapse      keep every copy of a passage (by default results\n"
"                         with the same content hash are shown once, the\n"
"                         others listed as \"also\")\n"
"      --fields=LIST      JSON: print only these members, comma-separated\n"
"                         (e.g. id,doc,score; see quarry-search(1))\n"
"      --stats            print what each search did on standard error\n", stdout);
	fputs(rerankopts_help, stdout);
	fputs(
"      --help             display this help and exit\n"
"      --version          output version information and exit\n"
"\n"
"Exit status: 0 on success, 1 if some query failed (the rest still run) or\n"
"the store cannot be read, 2 on a usage error.  See quarry-search(1).\n",
	    stdout);
}

enum { OPT_MAX_TOKENS = 256, OPT_STATS, OPT_MODE,
	OPT_K1, OPT_B, OPT_WEIGHTS, OPT_RRF_K, OPT_DEPTH, OPT_LANG,
	OPT_NO_COLLAPSE, OPT_FIELDS, OPT_PRECISION, OPT_RESCORE, OPT_EF,
	OPT_EXACT };

static const struct option longopts[] = {
	SEARCHOPTS_LONG,
	RERANKOPTS_LONG,
	{ "max-tokens", required_argument, NULL, OPT_MAX_TOKENS },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "k1", required_argument, NULL, OPT_K1 },
	{ "b", required_argument, NULL, OPT_B },
	{ "weights", required_argument, NULL, OPT_WEIGHTS },
	{ "rrf-k", required_argument, NULL, OPT_RRF_K },
	{ "depth", required_argument, NULL, OPT_DEPTH },
	{ "lang", required_argument, NULL, OPT_LANG },
	{ "no-collapse", no_argument, NULL, OPT_NO_COLLAPSE },
	{ "fields", required_argument, NULL, OPT_FIELDS },
	{ "precision", required_argument, NULL, OPT_PRECISION },
	{ "rescore", required_argument, NULL, OPT_RESCORE },
	{ "ef", required_argument, NULL, OPT_EF },
	{ "exact", no_argument, NULL, OPT_EXACT },
	HELP_LONGOPTS
};

static struct {
	quarry_search *s;
	quarry_embedder *emb;
	quarry_search_output o;
	int stats;
	int explicit_mode;	/* --mode given */
	struct quarry_buf out;
	int status;
	struct rerankopts ro;	/* --rerank... */
	size_t k;		/* results printed */
	quarry_search_hit *rhits;	/* re-ranked copies */
	size_t rcap;
} g;

static const char *const mode_names[] = { "auto", "vector", "lexical",
	"hybrid" };

/*
 * Searches for the query text (may be NULL) or vector q (may be NULL) and
 * prints the results labelled label, id.
 */
static int
search(const float *q, const char *text, size_t len, const char *label,
    const char *id, const char *file, unsigned long line)
{
	const quarry_search_hit *hits;
	quarry_search_stats st;
	struct timespec t0, t1;
	size_t n;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (text == NULL)	/* a vector alone */
		rc = quarry_search_run(g.s, q, quarry_search_dims(g.s), &hits,
		    &n);
	else if (q != NULL || quarry_search_dims(g.s) == 0)
		rc = quarry_search_query_vector(g.s, q, quarry_search_dims(g.s),
		    text, len, &hits, &n);
	else
		rc = quarry_search_query(g.s, g.emb, text, len, &hits, &n);
	if (rc != 0) {
		warnx_at(file, line, "%s", searchopts_run_error(g.s));
		return -1;
	}
	if (g.ro.r != NULL) {
		const char *msg = "re-ranking needs the query's text";

		if (text == NULL || rerankopts_apply(&g.ro, text, len, hits, n,
		    &g.rhits, &g.rcap, &msg) != 0) {
			warnx_at(file, line, "%s", msg);
			return -1;
		}
		hits = g.rhits;
		if (n > g.k)
			n = g.k;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	g.out.len = 0;
	g.o.query = label;
	g.o.query_id = id;
	if ((rc = quarry_search_print(&g.out, &g.o, g.s, hits, n)) != 0) {
		if (rc == QUARRY_ENOMEM)
			die(EXIT_SOMEFAILED, "out of memory");
		warnx_at(file, line, "%s", quarry_search_error(g.s));
		return -1;
	}
	if (g.out.len > 0 && (g.o.fmt != QUARRY_SEARCH_JSON && isatty(1) ?
	    fwrite_terminal(g.out.data, g.out.len, stdout) :
	    fwrite(g.out.data, 1, g.out.len, stdout)) != g.out.len)
		die(EXIT_SOMEFAILED, "write error");
	if (g.stats) {
		quarry_search_get_stats(g.s, &st);
		fprintf(stderr, "%s: %zu results; %llu of %llu chunks "
		    "selected, %llu scored by %s search (%llu vector blocks%s, "
		    "%u thread%s) in %.3f ms\n", progname, n,
		    (unsigned long long)st.selected,
		    (unsigned long long)quarry_search_count(g.s),
		    (unsigned long long)st.scanned,
		    text == NULL ? "vector" :
		    mode_names[quarry_search_get_mode(g.s)],
		    (unsigned long long)st.blocks, st.graph ? ", graph" :
		    st.int8 ? ", int8" : st.bit ? ", 1-bit" : "",
		    st.threads,
		    st.threads == 1 ? "" : "s",
		    (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	}
	return 0;
}

/* Runs one query record from standard input. */
static void
query_record(const json_t *rec, float *buf, unsigned long line)
{
	const char *msg, *label, *id, *text;
	const json_t *emb = json_object_get(rec, "embedding");
	const float *q = NULL;
	size_t len = 0;

	id = quarry_record_string(rec, "id", NULL);
	if ((text = quarry_record_string(rec, "query", &len)) == NULL)
		text = quarry_record_string(rec, "text", &len);
	label = text != NULL ? quarry_record_string(rec, "query", NULL) : NULL;
	if (label == NULL)
		label = id;
	if (text == NULL && emb == NULL) {
		warnx_at("-", line, "the query has no \"query\" string");
		g.status = EXIT_SOMEFAILED;
		return;
	}
	if (text == NULL && g.explicit_mode &&
	    quarry_search_get_mode(g.s) != QUARRY_MODE_VECTOR) {
		warnx_at("-", line, "the query has no \"query\" text for a "
		    "%s search", quarry_search_get_mode(g.s) ==
		    QUARRY_MODE_LEXICAL ? "lexical" : "hybrid");
		g.status = EXIT_SOMEFAILED;
		return;
	}
	if (emb != NULL && quarry_search_dims(g.s) > 0 &&
	    quarry_search_get_mode(g.s) != QUARRY_MODE_LEXICAL) {
		if ((q = searchopts_query_vector(g.emb, rec, buf,
		    quarry_search_dims(g.s), &msg)) == NULL) {
			warnx_at("-", line, "%s", msg);
			g.status = EXIT_SOMEFAILED;
			return;
		}
	}
	if (search(q, text, len, label, id, "-", line) != 0)
		g.status = EXIT_SOMEFAILED;
}

/* Splits LIST at commas into g.o.fields. */
static void
parse_fields(char *list)
{
	const char **f = NULL;
	size_t n = 0;
	char *p, *save = NULL;

	for (p = strtok_r(list, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		const char **nf = realloc(f, (n + 1) * sizeof(*nf));

		if (nf == NULL)
			die(EXIT_SOMEFAILED, "out of memory");
		f = nf;
		f[n++] = p;
	}
	if (n == 0)
		usage_error("--fields: no field named");
	g.o.fields = f;
	g.o.nfields = n;
}

/* Whether the fields chosen can be printed without decoding records. */
static int
fields_cheap(void)
{
	static const char *const cheap[] = { "query", "query_id", "rank",
	    "score", "legs", "also", "id", "doc", "hash" };
	size_t i, j;

	if (g.o.fields == NULL || g.o.fmt != QUARRY_SEARCH_JSON)
		return 0;
	for (i = 0; i < g.o.nfields; i++) {
		for (j = 0; j < sizeof(cheap) / sizeof(cheap[0]); j++)
			if (strcmp(g.o.fields[i], cheap[j]) == 0)
				break;
		if (j == sizeof(cheap) / sizeof(cheap[0]))
			return 0;
	}
	return 1;
}

/* Answers a query record of standard input (arg: the vector buffer). */
static int
query_each(void *arg, json_t *rec, const struct record_at *at)
{
	query_record(rec, arg, at->line);
	json_decref(rec);
	if (fflush(stdout) != 0)
		die(EXIT_SOMEFAILED, "write error");
	return 0;
}

int
main(int argc, char **argv)
{
	struct searchopts o;
	quarry_store *st;
	const char *mode = NULL, *lang = NULL;
	char *fields = NULL;
	double k1 = QUARRY_BM25_K1_DEFAULT, b = QUARRY_BM25_B_DEFAULT;
	double wv = 1, wl = 1;
	unsigned long rrfk = QUARRY_RRF_K_DEFAULT;
	size_t depth = QUARRY_FUSION_DEPTH_DEFAULT;
	int collapse = 1, fusion = 0, bm25 = 0;
	enum quarry_search_precision prec = QUARRY_PRECISION_AUTO;
	unsigned long rescore = 0;	/* the precision's default */
	unsigned long ef = QUARRY_EF_DEFAULT;
	int exact = 0;
	enum quarry_search_mode m = QUARRY_MODE_AUTO;
	static const char *const mode_words[] = { "lexical", "vector",
	    "hybrid", NULL };
	static const enum quarry_search_mode modes[] = { QUARRY_MODE_LEXICAL,
	    QUARRY_MODE_VECTOR, QUARRY_MODE_HYBRID };
	static const char *const precision_names[] = { "f32", "int8", "bit",
	    "auto", NULL };
	static const enum quarry_search_precision precisions[] = {
	    QUARRY_PRECISION_F32, QUARRY_PRECISION_INT8, QUARRY_PRECISION_BIT,
	    QUARRY_PRECISION_AUTO };
	float *buf;
	int ch, rc;

	prog_init(argv);
	searchopts_init(&o);
	rerankopts_init(&g.ro);
	g.o.max_tokens = 3000;
	while ((ch = searchopts_getopt(&o, &g.ro, argc, argv, longopts)) !=
	    -1) {
		switch (ch) {
		case OPT_MAX_TOKENS: g.o.max_tokens = parse_number("--max-tokens",
		    optarg, 0, (unsigned long)-1 / 2); break;
		case OPT_STATS: g.stats = 1; break;
		case OPT_MODE: mode = optarg; break;
		case OPT_K1: k1 = parse_double("--k1", optarg, 0, 1000);
			bm25 = 1; break;
		case OPT_B: b = parse_double("--b", optarg, 0, 1); bm25 = 1;
			break;
		case OPT_WEIGHTS: {
			char *end;

			wv = strtod(optarg, &end);
			if (end == optarg || *end != ',' || !(wv >= 0))
				usage_error("--weights: expected V,L (two "
				    "numbers >= 0), not \"%s\"", optarg);
			wl = strtod(end + 1, &end);
			if (*end != '\0' || !(wl >= 0) || wv + wl <= 0)
				usage_error("--weights: expected V,L (two "
				    "numbers >= 0, not both 0), not \"%s\"",
				    optarg);
			fusion = 1;
			break;
		}
		case OPT_RRF_K: rrfk = parse_number("--rrf-k", optarg, 0,
		    1000000); fusion = 1; break;
		case OPT_DEPTH: depth = parse_number("--depth", optarg, 1,
		    1000000); fusion = 1; break;
		case OPT_LANG: lang = optarg; break;
		case OPT_NO_COLLAPSE: collapse = 0; break;
		case OPT_PRECISION:
			prec = precisions[parse_choice("--precision", optarg,
			    precision_names)];
			break;
		case OPT_RESCORE: rescore = parse_number("--rescore", optarg,
		    1, 1000); break;
		case OPT_EF: ef = parse_number("--ef", optarg, 1, 100000);
			break;
		case OPT_EXACT: exact = 1; break;
		case OPT_FIELDS: fields = optarg; break;
		default: std_option(ch, usage);
		}
	}
	g.o.fmt = searchopts_format(&o, 1);
	g.explicit_mode = mode != NULL;
	if (mode != NULL)
		m = modes[parse_choice("--mode", mode, mode_words)];
	if (fields != NULL) {
		if (g.o.fmt != QUARRY_SEARCH_JSON)
			usage_error("--fields goes with --format json");
		parse_fields(fields);
	}
	/* The embedder is not needed (nor started) for lexical queries. */
	o.no_embedder = m == QUARRY_MODE_LEXICAL;
	searchopts_open(&o, &st, &g.s, &g.emb);
	rerankopts_open(&g.ro);
	g.k = o.k;
	if (g.ro.r != NULL)	/* the candidates: at least --rerank-top */
		quarry_search_set_k(g.s, o.k > g.ro.top ? o.k : g.ro.top);
	if ((rc = quarry_search_set_mode(g.s, m)) != 0)
		die(EXIT_SOMEFAILED, "%s", searchopts_mode_error(g.s, rc));
	if (mode == NULL && !quarry_store_has_lexical(st) &&
	    quarry_search_dims(g.s) > 0)
		warnx_at(NULL, 0, "%s: no lexical index: searching by vectors "
		    "only (add one with: quarry-index --db %s "
		    "--reindex-lexical)", o.db, o.db);
	if (bm25 && quarry_search_set_bm25(g.s, k1, b) != 0)
		usage_error("%s", quarry_search_error(g.s));
	if (fusion && quarry_search_set_fusion(g.s, wv, wl, (unsigned)rrfk,
	    depth) != 0)
		usage_error("%s", quarry_search_error(g.s));
	if (quarry_search_set_precision(g.s, prec, (unsigned)rescore) != 0)
		die(EXIT_SOMEFAILED, "%s: %s (make one with: quarry-index "
		    "--db %s --quantize %s)", o.db, quarry_search_error(g.s),
		    o.db, prec == QUARRY_PRECISION_BIT ? "bit" : "int8");
	quarry_search_set_graph(g.s, !exact, (unsigned)ef);
	quarry_search_set_lang(g.s, lang);
	quarry_search_set_collapse(g.s, collapse);
	quarry_search_set_decode(g.s, !fields_cheap() || g.ro.r != NULL);
	g.o.legs = quarry_search_get_mode(g.s) == QUARRY_MODE_HYBRID;
	if ((buf = calloc(quarry_search_dims(g.s) + 1, sizeof(float))) == NULL)
		die(EXIT_SOMEFAILED, "out of memory");

	if (optind < argc) {
		struct quarry_buf qb = { 0 };
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
		if (search(NULL, qb.data, qb.len, qb.data, NULL, NULL, 0) != 0)
			g.status = EXIT_SOMEFAILED;
		quarry_buf_free(&qb);
	} else {
		struct records how = { NULL, query_each, NULL, buf,
		    NULL };

		if (records_read("-", &how) != 0)
			g.status = EXIT_SOMEFAILED;
	}
	free(buf);
	free(g.rhits);
	rerankopts_free(&g.ro);
	free((void *)g.o.fields);
	quarry_buf_free(&g.out);
	searchopts_close(&o, st, g.s, g.emb);
	close_stdout();
	return g.status;
}
