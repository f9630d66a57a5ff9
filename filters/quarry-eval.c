/*
 * quarry-eval: measures retrieval quality as trec_eval does.
 *
 * The queries are searched as quarry-search would (the same options,
 * filters included), in one or several modes; the chunks found are turned
 * into a ranking of documents (a document counts once, at its best chunk's
 * rank) and scored by quarry_eval_score() (src/eval.c) against graded
 * judgements: labelled JSON Lines queries, or BEIR queries with TREC/BEIR
 * qrels.  The rankings can be written as TREC run files (man/quarry-eval.1).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "quarry.h"
#include "rerankopts.h"
#include "searchopts.h"

#define DEPTH_DEFAULT 100	/* documents ranked per query */

static void
usage(void)
{
	printf("Usage: %s --db=PATH [OPTION]... [QUERIES]...\n", progname);
	fputs(
"Search the store PATH for every query of QUERIES and score the documents\n"
"found against the query's judgements, as trec_eval does: nDCG@10,\n"
"recall@100, MRR@10, MAP@100 and P@10, averaged over the queries.  QUERIES\n"
"are JSON Lines: {\"id\": ..., \"query\": \"...\", \"relevant\": [\"ID\", ...]}\n"
"(or {\"ID\": GRADE, ...}), where an ID is a document's doc or a chunk's id;\n"
"with --qrels, BEIR queries {\"_id\": ..., \"text\": \"...\"} judged by the\n"
"qrels file.  With no QUERIES, or when QUERIES is -, read standard input.\n"
"\n", stdout);
	fputs(searchopts_help, stdout);
	fputs(
"                         (quarry-eval: the documents ranked per query,\n"
"                         default 100; smaller cut-offs shrink to N)\n"
"      --qrels=FILE       judgements as TREC qrels (QID ITER DOC GRADE) or\n"
"                         BEIR TSV (QID DOC GRADE, header line optional)\n"
"      --mode=LIST        the search modes to compare, comma-separated:\n"
"                         lexical, vector, hybrid (default: quarry-search's,\n"
"                         hybrid when the store has a lexical index)\n"
"      --run=FILE         write the rankings as a TREC run to FILE (FILE.MODE\n"
"                         for each mode when there are several)\n"
"      --per-query        also report every query\n", stdout);
	fputs(rerankopts_help, stdout);
	fputs(
"  -f, --format=FORMAT    json (the default) or text (the default when\n"
"                         standard output is a terminal)\n"
"      --help             display this help and exit\n"
"      --version          output version information and exit\n"
"\n"
"Exit status: 0 on success, 1 if some query could not be evaluated (it\n"
"counts 0 in the means) or an input or the store cannot be read, 2 on a\n"
"usage error.  See quarry-eval(1).\n",
	    stdout);
}

enum { OPT_PER_QUERY = 256, OPT_QRELS, OPT_MODE, OPT_RUN };

static const struct option longopts[] = {
	SEARCHOPTS_LONG,
	RERANKOPTS_LONG,
	{ "qrels", required_argument, NULL, OPT_QRELS },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "run", required_argument, NULL, OPT_RUN },
	{ "per-query", no_argument, NULL, OPT_PER_QUERY },
	HELP_LONGOPTS
};

/* ------------------------------------------------------------- modes */

enum mode { MODE_VECTOR, MODE_LEXICAL, MODE_HYBRID, NMODES };

static const char *const mode_names[NMODES + 1] = { "vector", "lexical",
    "hybrid", NULL };

static const enum quarry_search_mode search_modes[NMODES] = {
	QUARRY_MODE_VECTOR, QUARRY_MODE_LEXICAL, QUARRY_MODE_HYBRID,
};

struct sums {
	double ndcg, recall, mrr, map, precision;
	unsigned long n;	/* queries in the means */
	unsigned long unjudged;	/* queries with no relevant judgement */
	FILE *run;
};

/* ------------------------------------------------------------- qrels */

struct qrel {
	char *qid;
	char *doc;
	double gain;
};

struct qquery {			/* one query of the qrels */
	const char *qid;
	size_t first, count;	/* its judgements in g.qrels */
	size_t relevant;
	int seen;
};

/* ---------------------------------------------------- document ranking */

/* The ranking of one query in one mode: ids (documents, or chunks judged
 * by their own id) with their best chunk's score. */
struct ranking {
	char **ids;
	double *scores;
	size_t n, cap;
	/* Open-addressing set of the ids ranked so far. */
	size_t *slots;		/* index + 1 into ids, 0: empty */
	size_t nslots;
};

static struct {
	quarry_search *s;
	quarry_embedder *emb;
	size_t depth;
	quarry_eval_cutoffs cut;
	int text, per_query;
	enum mode modes[NMODES];
	size_t nmodes;
	struct sums sum[NMODES];
	float *buf;
	struct qrel *qrels;
	size_t nqrels;
	struct qquery *qq;
	size_t nqq;
	const char *qrels_file;
	unsigned long nquery;	/* queries read, for run ids */
	struct ranking rank;	/* of the current query */
	struct rerankopts ro;
	quarry_search_hit *rhits;	/* re-ranked copies */
	size_t rcap;
	int status;
} g;

static int
cmp_qrel(const void *a, const void *b)
{
	const struct qrel *x = a, *y = b;
	int c = strcmp(x->qid, y->qid);

	return c ? c : strcmp(x->doc, y->doc);
}

static int
cmp_qquery(const void *a, const void *b)
{
	return strcmp(((const struct qquery *)a)->qid,
	    ((const struct qquery *)b)->qid);
}

/* Reads the judgements of FILE: TREC (4 fields) or BEIR (3 fields). */
static void
read_qrels(const char *file)
{
	FILE *fp;
	char *line = NULL, *f[5], *p, *end;
	size_t cap = 0, nalloc = 0, i, nf;
	unsigned long lineno = 0;
	ssize_t len;

	if ((fp = input_open(file)) == NULL)
		exit(EXIT_SOMEFAILED);
	while ((len = getline(&line, &cap, fp)) != -1) {
		double gain;

		lineno++;
		for (nf = 0, p = line; nf < 5; ) {
			while (*p && isspace((unsigned char)*p))
				p++;
			if (*p == '\0')
				break;
			f[nf++] = p;
			while (*p && !isspace((unsigned char)*p))
				p++;
			if (*p)
				*p++ = '\0';
		}
		if (nf == 0)
			continue;
		if (nf != 3 && nf != 4) {
			warnx_at(file, lineno, "expected \"QUERY DOC GRADE\" "
			    "or \"QUERY ITER DOC GRADE\"");
			g.status = EXIT_SOMEFAILED;
			continue;
		}
		errno = 0;
		gain = strtod(f[nf - 1], &end);
		if (*end != '\0' || end == f[nf - 1] || errno != 0 ||
		    !isfinite(gain)) {
			if (lineno == 1 && nf == 3)
				continue;	/* BEIR's header line */
			warnx_at(file, lineno, "the grade \"%s\" is not a "
			    "number", f[nf - 1]);
			g.status = EXIT_SOMEFAILED;
			continue;
		}
		if (g.nqrels == nalloc) {
			struct qrel *n;

			nalloc = nalloc ? nalloc * 2 : 1024;
			if ((n = realloc(g.qrels, nalloc * sizeof(*n))) ==
			    NULL)
				die(EXIT_SOMEFAILED, "out of memory");
			g.qrels = n;
		}
		g.qrels[g.nqrels].qid = strdup(f[0]);
		g.qrels[g.nqrels].doc = strdup(f[nf - 2]);
		g.qrels[g.nqrels].gain = gain;
		if (g.qrels[g.nqrels].qid == NULL ||
		    g.qrels[g.nqrels].doc == NULL)
			die(EXIT_SOMEFAILED, "out of memory");
		g.nqrels++;
	}
	if (ferror(fp)) {
		warnx_at(file, 0, "%s", strerror(errno));
		exit(EXIT_SOMEFAILED);
	}
	free(line);
	input_close(fp);
	if (g.nqrels > 0)
		qsort(g.qrels, g.nqrels, sizeof(*g.qrels), cmp_qrel);
	if ((g.qq = calloc(g.nqrels ? g.nqrels : 1, sizeof(*g.qq))) == NULL)
		die(EXIT_SOMEFAILED, "out of memory");
	for (i = 0; i < g.nqrels; i++) {
		struct qquery *q;

		if (g.nqq == 0 || strcmp(g.qq[g.nqq - 1].qid,
		    g.qrels[i].qid) != 0) {
			q = &g.qq[g.nqq++];
			q->qid = g.qrels[i].qid;
			q->first = i;
		} else
			q = &g.qq[g.nqq - 1];
		q->count++;
		/* Judged twice: counted once (quarry_eval_score()). */
		if (g.qrels[i].gain > 0 && (q->count == 1 ||
		    strcmp(g.qrels[i - 1].doc, g.qrels[i].doc) != 0 ||
		    !(g.qrels[i - 1].gain > 0)))
			q->relevant++;
	}
}

static struct qquery *
find_qquery(const char *qid)
{
	struct qquery key;

	key.qid = qid;
	return bsearch(&key, g.qq, g.nqq, sizeof(*g.qq), cmp_qquery);
}

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void
ranking_reset(struct ranking *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->ids[i]);
	r->n = 0;
	if (r->slots)
		memset(r->slots, 0, r->nslots * sizeof(*r->slots));
}

static void
ranking_free(struct ranking *r)
{
	ranking_reset(r);
	free(r->ids);
	free(r->scores);
	free(r->slots);
}

/* Adds id with score unless it is ranked already. */
static void
ranking_add(struct ranking *r, const char *id, double score)
{
	size_t i, h;

	if (2 * (r->n + 1) > r->nslots) {
		size_t ns = r->nslots ? r->nslots * 2 : 256, *nsl;

		if ((nsl = calloc(ns, sizeof(*nsl))) == NULL)
			die(EXIT_SOMEFAILED, "out of memory");
		for (i = 0; i < r->n; i++) {
			for (h = hash(r->ids[i]) & (ns - 1); nsl[h];
			    h = (h + 1) & (ns - 1))
				;
			nsl[h] = i + 1;
		}
		free(r->slots);
		r->slots = nsl;
		r->nslots = ns;
	}
	for (h = hash(id) & (r->nslots - 1); r->slots[h];
	    h = (h + 1) & (r->nslots - 1))
		if (strcmp(r->ids[r->slots[h] - 1], id) == 0)
			return;
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 128;
		char **ni = realloc(r->ids, nc * sizeof(*ni));
		double *nsc;

		if (ni == NULL)
			die(EXIT_SOMEFAILED, "out of memory");
		r->ids = ni;
		if ((nsc = realloc(r->scores, nc * sizeof(*nsc))) == NULL)
			die(EXIT_SOMEFAILED, "out of memory");
		r->scores = nsc;
		r->cap = nc;
	}
	if ((r->ids[r->n] = strdup(id)) == NULL)
		die(EXIT_SOMEFAILED, "out of memory");
	r->scores[r->n] = score;
	r->slots[h] = ++r->n;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Turns the chunks hits[0..n) into the ranking r, at most g.depth ids: a
 * chunk stands for its document, unless its own id is judged (sorted
 * judged ids in jids[0..nj)).
 */
static void
rank_hits(struct ranking *r, const quarry_search_hit *hits, size_t n,
    const char *const *jids, size_t nj)
{
	size_t i;

	ranking_reset(r);
	for (i = 0; i < n && r->n < g.depth; i++) {
		const char *id = quarry_record_string(hits[i].rec, "id", NULL);
		const char *doc = quarry_record_string(hits[i].rec, "doc",
		    NULL);
		const char *u = doc;

		if (id != NULL && (u == NULL || bsearch(&id, jids, nj,
		    sizeof(*jids), cmp_str) != NULL))
			u = id;
		if (u == NULL)
			continue;	/* a chunk with neither: not rankable */
		ranking_add(r, u, hits[i].score);
	}
}

/*
 * Searches rec's query in mode m and ranks g.depth documents into r,
 * asking for more chunks while fewer documents came back than wanted and
 * the chunks were not exhausted.  Returns 0, or -1 with a message in *msg.
 */
static int
search(enum mode m, const json_t *rec, struct ranking *r,
    const char *const *jids, size_t nj, const char **msg)
{
	const quarry_search_hit *hits = NULL;
	const float *q = NULL;
	const char *text;
	size_t n = 0, k = g.depth * 2, len = 0;
	int rc;

	ranking_reset(r);
	if (quarry_search_dims(g.s) == 0)
		return 0;	/* an empty store finds nothing */
	if ((text = quarry_record_string(rec, "query", &len)) == NULL)
		text = quarry_record_string(rec, "text", &len);
	if (m != MODE_LEXICAL && (q = searchopts_query_vector(g.emb, rec,
	    g.buf, quarry_search_dims(g.s), msg)) == NULL)
		return -1;
	if (m == MODE_LEXICAL && text == NULL) {
		*msg = "lexical search needs the query's text";
		return -1;
	}
	if ((rc = quarry_search_set_mode(g.s, search_modes[m])) != 0) {
		*msg = searchopts_mode_error(g.s, rc);
		return -1;
	}
	for (;;) {
		quarry_search_set_k(g.s, k);
		if ((rc = quarry_search_query_vector(g.s, q,
		    quarry_search_dims(g.s), text, len, &hits, &n)) != 0) {
			*msg = searchopts_run_error(g.s);
			return -1;
		}
		if (g.ro.r != NULL) {
			if (text == NULL) {
				*msg = "re-ranking needs the query's text";
				return -1;
			}
			if (rerankopts_apply(&g.ro, text, len, hits, n,
			    &g.rhits, &g.rcap, msg) != 0)
				return -1;
			hits = g.rhits;
		}
		rank_hits(r, hits, n, jids, nj);
		if (r->n >= g.depth || n < k || k >= (size_t)1 << 30)
			return 0;
		k *= 4;
	}
}

/* ---------------------------------------------------------- reporting */

static void
print_json_metrics(const quarry_eval_metrics *m)
{
	printf("\"ndcg@%zu\":%.6f,\"recall@%zu\":%.6f,\"mrr@%zu\":%.6f,"
	    "\"map@%zu\":%.6f,\"p@%zu\":%.6f}\n", g.cut.ndcg, m->ndcg,
	    g.cut.recall, m->recall, g.cut.mrr, m->mrr, g.cut.map, m->map,
	    g.cut.precision, m->precision);
}

static void
print_header(void)
{
	char h[5][32];

	snprintf(h[0], sizeof(h[0]), "nDCG@%zu", g.cut.ndcg);
	snprintf(h[1], sizeof(h[1]), "R@%zu", g.cut.recall);
	snprintf(h[2], sizeof(h[2]), "MRR@%zu", g.cut.mrr);
	snprintf(h[3], sizeof(h[3]), "MAP@%zu", g.cut.map);
	snprintf(h[4], sizeof(h[4]), "P@%zu", g.cut.precision);
	printf("%-8s %-30s %8s %8s %8s %8s %8s\n", "mode", "query", h[0],
	    h[1], h[2], h[3], h[4]);
}

static void
print_query(enum mode mode, const char *label, const quarry_eval_metrics *m)
{
	struct quarry_buf b = { 0 };

	if (g.text) {
		printf("%-8s %-30.30s %8.4f %8.4f %8.4f %8.4f %8.4f\n",
		    mode_names[mode], label, m->ndcg, m->recall, m->mrr,
		    m->map, m->precision);
		return;
	}
	if (quarry_buf_json_string(&b, label, strlen(label)) != 0)
		die(EXIT_SOMEFAILED, "out of memory");
	printf("{\"mode\":\"%s\",\"query\":%.*s,\"relevant\":%zu,"
	    "\"retrieved\":%zu,\"found\":%zu,\"first\":%zu,",
	    mode_names[mode], (int)b.len, b.data, m->relevant, m->retrieved,
	    m->found, m->first);
	quarry_buf_free(&b);
	print_json_metrics(m);
}

static void
print_summary(enum mode mode)
{
	struct sums *s = &g.sum[mode];
	quarry_eval_metrics m;
	double n = s->n ? (double)s->n : 1;
	char label[64];

	memset(&m, 0, sizeof(m));
	m.ndcg = s->ndcg / n;
	m.recall = s->recall / n;
	m.mrr = s->mrr / n;
	m.map = s->map / n;
	m.precision = s->precision / n;
	if (g.text) {
		snprintf(label, sizeof(label), "mean of %lu quer%s", s->n,
		    s->n == 1 ? "y" : "ies");
		print_query(mode, label, &m);
		return;
	}
	printf("{\"mode\":\"%s\",\"queries\":%lu,\"unjudged\":%lu,\"depth\":"
	    "%zu,", mode_names[mode], s->n, s->unjudged, g.depth);
	print_json_metrics(&m);
}

/* Writes one token of a run line: white space would split it. */
static void
put_token(FILE *fp, const char *s)
{
	for (; *s; s++)
		putc(isspace((unsigned char)*s) ? '_' : *s, fp);
}

/* Writes the ranking r of query qid: scores strictly decreasing, so that
 * trec_eval's re-sort by score keeps quarry's order. */
static void
write_run(FILE *fp, enum mode mode, const char *qid, const struct ranking *r)
{
	double prev = INFINITY, sc;
	size_t i;

	for (i = 0; i < r->n; i++) {
		sc = r->scores[i];
		if (!isfinite(sc) || !(sc < prev))
			sc = nextafter(prev == INFINITY ? sc : prev, -INFINITY);
		if (!isfinite(sc))
			sc = prev == INFINITY ? 0 : nextafter(prev, -INFINITY);
		prev = sc;
		put_token(fp, qid);
		fputs(" Q0 ", fp);
		put_token(fp, r->ids[i]);
		fprintf(fp, " %zu %.17g quarry-%s\n", i + 1, sc,
		    mode_names[mode]);
	}
}

/* -------------------------------------------------------- the queries */

static void
add_to_means(enum mode mode, const quarry_eval_metrics *m)
{
	struct sums *s = &g.sum[mode];

	if (m->relevant == 0) {
		s->unjudged++;
		return;
	}
	s->ndcg += m->ndcg;
	s->recall += m->recall;
	s->mrr += m->mrr;
	s->map += m->map;
	s->precision += m->precision;
	s->n++;
}

/*
 * Evaluates one query in every mode: its label (for the report), its run
 * id and its judgements j[0..nj).
 */
static void
evaluate(const json_t *rec, const char *label, const char *qid,
    const quarry_eval_judgement *j, size_t nj, const char *file,
    unsigned long line)
{
	struct ranking *r = &g.rank;
	const char **jids;
	quarry_eval_metrics m;
	const char *msg = "";
	size_t i, k;

	if ((jids = malloc((nj ? nj : 1) * sizeof(*jids))) == NULL)
		die(EXIT_SOMEFAILED, "out of memory");
	for (i = 0; i < nj; i++)
		jids[i] = j[i].id;
	qsort(jids, nj, sizeof(*jids), cmp_str);
	for (k = 0; k < g.nmodes; k++) {
		enum mode mode = g.modes[k];

		if (search(mode, rec, r, jids, nj, &msg) != 0) {
			/* Counts 0 (not left out, which would flatter the
			 * means), and is named. */
			warnx_at(file, line, "%s%s%s", g.nmodes > 1 ?
			    mode_names[mode] : "", g.nmodes > 1 ? ": " : "",
			    msg);
			g.status = EXIT_SOMEFAILED;
			ranking_reset(r);
		}
		if (quarry_eval_score((const char *const *)r->ids, r->n, j, nj,
		    &g.cut, &m) != 0)
			die(EXIT_SOMEFAILED, "out of memory");
		if (g.per_query)
			print_query(mode, label, &m);
		add_to_means(mode, &m);
		if (g.sum[mode].run != NULL)
			write_run(g.sum[mode].run, mode, qid, r);
	}
	ranking_reset(r);
	free(jids);
}

/* A labelled query: {"id", "query", "relevant": [ids] or {id: grade}}. */
static void
eval_labelled(const json_t *rec, const char *file, unsigned long line)
{
	json_t *rel = json_object_get(rec, "relevant"), *x;
	quarry_eval_judgement *j;
	const char *label, *id, *key;
	char qid[32];
	size_t nrel, i = 0;

	if (!json_is_array(rel) && !json_is_object(rel)) {
		warnx_at(file, line, "the query has no \"relevant\" array of "
		    "ids or object of grades");
		g.status = EXIT_SOMEFAILED;
		return;
	}
	nrel = json_is_array(rel) ? json_array_size(rel) : json_object_size(rel);
	if ((j = calloc(nrel ? nrel : 1, sizeof(*j))) == NULL)
		die(EXIT_SOMEFAILED, "out of memory");
	if (json_is_array(rel)) {
		json_array_foreach(rel, i, x) {
			if (!json_is_string(x)) {
				warnx_at(file, line, "\"relevant\" holds a "
				    "value that is not a string");
				g.status = EXIT_SOMEFAILED;
				free(j);
				return;
			}
			j[i].id = json_string_value(x);
			j[i].gain = 1;
		}
	} else {
		json_object_foreach(rel, key, x) {
			if (!json_is_number(x) ||
			    !isfinite(json_number_value(x))) {
				warnx_at(file, line, "\"relevant\": the grade "
				    "of \"%s\" is not a number", key);
				g.status = EXIT_SOMEFAILED;
				free(j);
				return;
			}
			j[i].id = key;
			j[i++].gain = json_number_value(x);
		}
	}
	if (quarry_record_string(rec, "query", NULL) == NULL &&
	    quarry_record_string(rec, "text", NULL) == NULL &&
	    json_object_get(rec, "embedding") == NULL) {
		warnx_at(file, line, "the query has no \"query\" string");
		g.status = EXIT_SOMEFAILED;
		free(j);
		return;
	}
	g.nquery++;
	if ((id = quarry_record_string(rec, "id", NULL)) == NULL)
		snprintf(qid, sizeof(qid), "q%lu", g.nquery);
	if ((label = id) == NULL &&
	    (label = quarry_record_string(rec, "query", NULL)) == NULL)
		label = qid;
	evaluate(rec, label, id ? id : qid, j, nrel, file, line);
	free(j);
}

/* A BEIR query {"_id", "text"} judged by the qrels. */
static void
eval_beir(const json_t *rec, const char *file, unsigned long line)
{
	quarry_eval_judgement *j;
	struct qquery *q;
	const char *qid;
	json_t *v;
	char num[32];
	size_t i;

	if ((v = json_object_get(rec, "_id")) == NULL)
		v = json_object_get(rec, "id");
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld",
		    (long long)json_integer_value(v));
		qid = num;
	} else if ((qid = json_string_value(v)) == NULL) {
		warnx_at(file, line, "the query has no \"_id\" string");
		g.status = EXIT_SOMEFAILED;
		return;
	}
	if ((q = find_qquery(qid)) == NULL)
		return;		/* not judged: another split's */
	if (q->seen) {
		warnx_at(file, line, "query \"%s\" is repeated; evaluated "
		    "once", qid);
		g.status = EXIT_SOMEFAILED;
		return;
	}
	if (quarry_record_string(rec, "text", NULL) == NULL &&
	    quarry_record_string(rec, "query", NULL) == NULL &&
	    json_object_get(rec, "embedding") == NULL) {
		warnx_at(file, line, "the query has no \"text\" string");
		g.status = EXIT_SOMEFAILED;
		return;
	}
	q->seen = 1;
	if ((j = calloc(q->count, sizeof(*j))) == NULL)
		die(EXIT_SOMEFAILED, "out of memory");
	for (i = 0; i < q->count; i++) {
		j[i].id = g.qrels[q->first + i].doc;
		j[i].gain = g.qrels[q->first + i].gain;
	}
	g.nquery++;
	evaluate(rec, q->qid, q->qid, j, q->count, file, line);
	free(j);
}

/* The judged queries the inputs did not hold: 0 in the means. */
static void
missing_queries(void)
{
	quarry_eval_metrics m;
	unsigned long missing = 0;
	size_t i, k;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < g.nqq; i++) {
		if (g.qq[i].seen || g.qq[i].relevant == 0)
			continue;
		if (missing++ < 5)
			warnx_at(g.qrels_file, 0, "query \"%s\" is judged but "
			    "not among the queries; it counts 0", g.qq[i].qid);
		m.relevant = g.qq[i].relevant;
		for (k = 0; k < g.nmodes; k++) {
			if (g.per_query)
				print_query(g.modes[k], g.qq[i].qid, &m);
			add_to_means(g.modes[k], &m);
		}
	}
	if (missing > 5)
		warnx_at(g.qrels_file, 0, "%lu more judged queries are not "
		    "among the queries", missing - 5);
	if (missing > 0)
		g.status = EXIT_SOMEFAILED;
}

static void
parse_modes(const char *list)
{
	const char *p = list, *e;
	size_t i, len;

	g.nmodes = 0;
	for (;;) {
		e = strchr(p, ',');
		len = e ? (size_t)(e - p) : strlen(p);
		i = (size_t)parse_choice_n("--mode", p, len, mode_names);
		for (len = 0; len < g.nmodes; len++)
			if (g.modes[len] == (enum mode)i)
				usage_error("--mode: \"%s\" is given twice",
				    mode_names[i]);
		g.modes[g.nmodes++] = (enum mode)i;
		if (e == NULL)
			break;
		p = e + 1;
	}
}

static void
open_runs(const char *file)
{
	size_t k;

	for (k = 0; k < g.nmodes; k++) {
		char *name;
		size_t n = strlen(file) + 16;

		if ((name = malloc(n)) == NULL)
			die(EXIT_SOMEFAILED, "out of memory");
		if (g.nmodes == 1)
			snprintf(name, n, "%s", file);
		else
			snprintf(name, n, "%s.%s", file,
			    mode_names[g.modes[k]]);
		if ((g.sum[g.modes[k]].run = fopen(name, "w")) == NULL)
			die(EXIT_SOMEFAILED, "%s: %s", name, strerror(errno));
		free(name);
	}
}

static void
close_runs(void)
{
	size_t k;

	for (k = 0; k < NMODES; k++) {
		FILE *fp = g.sum[k].run;

		if (fp != NULL && (ferror(fp) | fclose(fp)) != 0) {
			warnx_at(NULL, 0, "--run: write error: %s",
			    strerror(errno));
			g.status = EXIT_SOMEFAILED;
		}
		g.sum[k].run = NULL;
	}
}

/* Evaluates a query record: against --qrels, or its own labels. */
static int
eval_record(void *arg, json_t *rec, const struct record_at *at)
{
	(void)arg;
	if (g.qrels_file != NULL)
		eval_beir(rec, at->name, at->line);
	else
		eval_labelled(rec, at->name, at->line);
	json_decref(rec);
	return 0;
}

int
main(int argc, char **argv)
{
	quarry_eval_cutoffs defcut = QUARRY_EVAL_CUTOFFS_DEFAULT;
	struct searchopts o;
	struct inputs in;
	quarry_store *st;
	const char *modes = NULL, *run = NULL;
	struct records how = { NULL, eval_record, NULL, NULL, NULL };
	size_t i;
	int ch, rc;

	prog_init(argv);
	searchopts_init(&o);
	rerankopts_init(&g.ro);
	o.k = 0;
	while ((ch = searchopts_getopt(&o, &g.ro, argc, argv, longopts)) != -1)
		switch (ch) {
		case OPT_QRELS: g.qrels_file = optarg; break;
		case OPT_MODE: modes = optarg; break;
		case OPT_RUN: run = optarg; break;
		case OPT_PER_QUERY: g.per_query = 1; break;
		default: std_option(ch, usage);
		}
	g.text = searchopts_format(&o, 0) == QUARRY_SEARCH_TEXT;
	parse_modes(modes ? modes : "vector");
	o.no_embedder = modes != NULL && g.nmodes == 1 &&
	    g.modes[0] == MODE_LEXICAL;
	g.depth = o.k ? o.k : DEPTH_DEFAULT;
	o.k = g.depth;
	g.cut = defcut;
#define SHRINK(c) if (g.cut.c > g.depth) g.cut.c = g.depth
	SHRINK(ndcg); SHRINK(recall); SHRINK(precision); SHRINK(mrr);
	SHRINK(map);
#undef SHRINK
	searchopts_open(&o, &st, &g.s, &g.emb);
	rerankopts_open(&g.ro);
	/* Every chunk counts (its document may be another's copy), and the
	 * modes must be there. */
	quarry_search_set_collapse(g.s, 0);
	if (modes == NULL && quarry_search_dims(g.s) > 0) {
		enum quarry_search_mode m = quarry_search_get_mode(g.s);

		g.modes[0] = m == QUARRY_MODE_HYBRID ? MODE_HYBRID :
		    m == QUARRY_MODE_LEXICAL ? MODE_LEXICAL : MODE_VECTOR;
	}
	for (i = 0; i < g.nmodes && quarry_search_dims(g.s) > 0; i++)
		if ((rc = quarry_search_set_mode(g.s,
		    search_modes[g.modes[i]])) != 0)
			die(EXIT_SOMEFAILED, "%s", searchopts_mode_error(g.s,
			    rc));
	if (g.qrels_file != NULL)
		read_qrels(g.qrels_file);
	if ((g.buf = calloc(quarry_search_dims(g.s) + 1, sizeof(float))) ==
	    NULL)
		die(EXIT_SOMEFAILED, "out of memory");
	if (run != NULL)
		open_runs(run);
	if (g.text)
		print_header();
	if (inputs_collect(&in, argc - optind, argv + optind, NULL, '\n') != 0)
		g.status = EXIT_SOMEFAILED;
	for (i = 0; i < in.n; i++)
		if (records_read(in.names[i], &how) != 0)
			g.status = EXIT_SOMEFAILED;
	ranking_free(&g.rank);
	if (g.qrels_file != NULL)
		missing_queries();
	for (i = 0; i < g.nmodes; i++)
		print_summary(g.modes[i]);
	close_runs();
	inputs_free(&in);
	for (i = 0; i < g.nqrels; i++) {
		free(g.qrels[i].qid);
		free(g.qrels[i].doc);
	}
	free(g.qrels);
	free(g.qq);
	free(g.buf);
	free(g.rhits);
	rerankopts_free(&g.ro);
	searchopts_close(&o, st, g.s, g.emb);
	close_stdout();
	return g.status;
}
