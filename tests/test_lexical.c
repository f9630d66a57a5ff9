/*
 * test_lexical.c: the lexical index (src/lexical.c, src/store_lexical.c,
 * src/search_lexical.c): the analyzer's terms, the postings codec, BM25
 * rankings against a brute-force BM25 computed here from the records, with
 * and without filters and in every mode, postings after adds, replacements,
 * deletions and compaction identical to a clean rebuild, and a store made
 * without the index (format 2) that keeps working and gains it by
 * quarry_store_reindex_lexical().
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store_private.h"
#include "lexical_private.h"
#include "testutil.h"

static char dir[256];

static int
setup(void **state)
{
	(void)state;
	return tu_scratch_new(dir, sizeof(dir), "test_lexical");
}

static int
teardown(void **state)
{
	(void)state;
	return tu_scratch_free(dir);
}

/* ------------------------------------------------------------- analyzer */

struct terms {
	char buf[4096];
	size_t len;
};

static int
collect(const char *t, size_t len, void *arg)
{
	struct terms *x = arg;

	if (x->len > 0)
		x->buf[x->len++] = '|';
	memcpy(x->buf + x->len, t, len);
	x->len += len;
	x->buf[x->len] = '\0';
	return 0;
}

static void
expect_terms(lex_analyzer *a, const char *text, const char *lang,
    const char *want)
{
	struct terms x = { "", 0 };

	assert_int_equal(lex_analyze(a, text, strlen(text), lang, collect, &x),
	    0);
	assert_string_equal(x.buf, want);
}

static void
test_analyzer(void **state)
{
	lex_analyzer *a;

	(void)state;
	assert_int_equal(lex_analyzer_new(&a), 0);
	/* Stop words, the possessive, Snowball English. */
	expect_terms(a, "The Quick Brown Fox's running", "en",
	    "quick|brown|fox|run");
	expect_terms(a, "The Quick Brown Fox\xe2\x80\x99s running", "en-GB",
	    "quick|brown|fox|run");
	/* No language: no stemming, no stop words. */
	expect_terms(a, "The running dogs", NULL, "the|running|dogs");
	expect_terms(a, "The running dogs", "xx", "the|running|dogs");
	/* Joiners: letters, digits, underscores. */
	expect_terms(a, "U.S.A. 3.14 1,000 foo_bar a:b 1:2 x,y end.", NULL,
	    "u.s.a|3.14|1,000|foo_bar|a:b|1|2|x|y|end");
	/* NFKC and case folding; a soft hyphen is ignored. */
	expect_terms(a, "\xef\xac\x81ne \xef\xbc\xa6\xef\xbd\x95\xef\xbd\x8c"
	    "\xef\xbd\x8c Stra\xc3\x9f" "e soft\xc2\xadhyphen \xc3\x89t\xc3\xa9",
	    NULL, "fine|full|strasse|softhyphen|\xc3\xa9t\xc3\xa9");
	/* CJK: bigrams; a lone character is itself. */
	expect_terms(a, "\xe6\x9d\xb1\xe4\xba\xac\xe9\x83\xbd Tokyo "
	    "\xe4\xb8\xad", NULL, "\xe6\x9d\xb1\xe4\xba\xac|"
	    "\xe4\xba\xac\xe9\x83\xbd|tokyo|\xe4\xb8\xad");
	/* German. */
	expect_terms(a, "H\xc3\xa4user und B\xc3\xa4ume", "de",
	    "haus|und|baum");
	/* Nothing to index. */
	expect_terms(a, " ... -- !? ", "en", "");
	expect_terms(a, "", "en", "");
	lex_analyzer_free(a);
}

static void
test_codec(void **state)
{
	struct lex_posting ps[LEX_SEG_MAX], back[LEX_SEG_MAX];
	unsigned char buf[32 + LEX_SEG_MAX * 30];
	struct lex_seg s;
	size_t i, len;

	(void)state;
	for (i = 0; i < LEX_SEG_MAX; i++) {
		ps[i].slot = 1000 + i * i * 37;
		ps[i].tf = i % 5 == 0 ? 1 + (uint32_t)i * 1000 : 1;
		ps[i].dl = (uint32_t)(i * 131) % 700;
	}
	len = lex_seg_encode(ps, LEX_SEG_MAX, buf);
	assert_int_equal(lex_seg_open(&s, 1000, buf, len), 0);
	assert_int_equal(s.n, LEX_SEG_MAX);
	assert_int_equal(s.last, ps[LEX_SEG_MAX - 1].slot);
	assert_int_equal(s.maxtf, 1 + 125 * 1000);
	assert_int_equal(s.mindl, 0);
	assert_int_equal(lex_seg_decode(&s, back), 0);
	assert_memory_equal(ps, back, sizeof(ps));
	/* Truncated, or with bytes to spare: refused. */
	assert_int_equal(lex_seg_open(&s, 1000, buf, len - 1) == 0 &&
	    lex_seg_decode(&s, back) == 0, 0);
	buf[len] = 0;
	assert_int_equal(lex_seg_open(&s, 1000, buf, len + 1) == 0 &&
	    lex_seg_decode(&s, back) == 0, 0);
	assert_int_equal(lex_seg_open(&s, 0, "", 0), -1);
}

/* ---------------------------------------------------------------- stores */

static const char *const vocab[] = {
	"river", "stone", "quarry", "index", "vector", "search", "filter",
	"date", "author", "budget", "meeting", "report", "harvest", "winter",
	"summer", "engine", "model", "token", "chunk", "page", "paper",
	"library", "museum", "garden", "bridge", "signal", "the", "of",
	"running", "runs", "walked", "walking", "Bridges", "gardens",
};
#define NVOCAB (sizeof(vocab) / sizeof(vocab[0]))

static unsigned long rnd_state = 12345;

static unsigned
rnd(unsigned n)
{
	rnd_state = rnd_state * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((rnd_state >> 33) % n);
}

/* lex_seg_remove() gives the value of decode, remove, encode. */
static void
test_codec_remove(void **state)
{
	struct lex_posting ps[LEX_SEG_MAX], kept[LEX_SEG_MAX];
	unsigned char buf[32 + LEX_SEG_MAX * 30], want[32 + LEX_SEG_MAX * 30];
	unsigned char out[LEX_SEG_HDR + 32 + LEX_SEG_MAX * 30 + 10];
	uint64_t del[LEX_SEG_MAX];
	struct lex_seg s;
	struct lex_seg_cut c;
	size_t n, nd, nk, i, len, wlen;
	int round;
	uint32_t rmtf, rmdl;
	unsigned long saved;

	(void)state;
	saved = rnd_state;
	for (round = 0; round < 2000; round++) {
		uint64_t slot = rnd(3) == 0 ? rnd(1000000000) : rnd(100);

		n = 1 + rnd(LEX_SEG_MAX);
		for (i = 0; i < n; i++) {
			/* Gaps of one byte, two bytes and more. */
			slot += i == 0 ? 0 : 1 + (rnd(4) == 0 ? rnd(100000) :
			    rnd(60));
			ps[i].slot = slot;
			ps[i].tf = rnd(3) == 0 ? 2 + (uint32_t)rnd(300) : 1;
			ps[i].dl = 1 + (uint32_t)rnd(rnd(2) ? 100 : 40000);
		}
		len = lex_seg_encode(ps, n, buf);
		assert_int_equal(lex_seg_open(&s, ps[0].slot, buf, len), 0);
		/* Remove none, all, the first, the last or at random. */
		nd = nk = 0;
		rmtf = 0;
		rmdl = UINT32_MAX;
		for (i = 0; i < n; i++) {
			int rm = round % 7 == 0 ? 1 : round % 7 == 1 ? 0 :
			    round % 7 == 2 ? i == 0 : round % 7 == 3 ?
			    i == n - 1 : (int)rnd(4) == 0;

			if (rm) {
				del[nd++] = ps[i].slot;
				if (ps[i].tf > rmtf)
					rmtf = ps[i].tf;
				if (ps[i].dl < rmdl)
					rmdl = ps[i].dl;
			} else
				kept[nk++] = ps[i];
		}
		assert_int_equal(lex_seg_remove(&s, del, nd, out, &c), 0);
		assert_int_equal(c.n, nk);
		assert_int_equal(c.rmtf, rmtf);
		assert_int_equal(c.rmdl, rmdl);
		if (nk == 0) {
			assert_null(c.val);
			continue;
		}
		wlen = lex_seg_encode(kept, nk, want);
		assert_int_equal(c.first, kept[0].slot);
		assert_int_equal(c.len, wlen);
		assert_memory_equal(c.val, want, wlen);
		/* A slot absent from the segment: refused. */
		if (nk > 0 && nd < LEX_SEG_MAX) {
			del[nd] = ps[n - 1].slot + 1;
			assert_int_equal(lex_seg_remove(&s, del + nd, 1, out,
			    &c), -1);
		}
	}
	rnd_state = saved;
}

static char *
words(unsigned n)
{
	char *s = calloc(1, n * 12 + 1);
	unsigned i;

	for (i = 0; i < n; i++) {
		if (i)
			strcat(s, i % 9 == 0 ? ".\n" : " ");
		strcat(s, vocab[rnd((unsigned)NVOCAB)]);
	}
	return s;
}

/* A chunk record: doc, chunk k, text; title, headings, lang and category
 * from doc's number. */
static json_t *
chunk(int d, int k, const char *text, int version)
{
	char doc[32], id[64], hex[33], title[64];
	json_t *r, *emb = json_array();
	size_t i;

	snprintf(doc, sizeof(doc), "doc%03d", d);
	snprintf(id, sizeof(id), "%s#%d", doc, k);
	snprintf(title, sizeof(title), "%s %s v%d", vocab[d % NVOCAB],
	    vocab[(d * 7) % NVOCAB], version);
	for (i = 0; i < 4; i++)
		json_array_append_new(emb, json_real(
		    (double)((d * 31 + k * 7 + (int)i * 13 + version) % 17) -
		    8.0 + 0.5));
	quarry_hash_hex(text, strlen(text), hex);
	r = json_pack("{s:s,s:s,s:i,s:s,s:s,s:o,s:s,s:s,s:s}", "doc", doc,
	    "id", id, "chunk", k, "text", text, "hash", hex, "embedding", emb,
	    "model", "test/4", "category", d % 3 ? "a" : "b", "source",
	    d % 2 ? "x/one" : "y/two");
	assert_non_null(r);
	if (d % 4 != 3)
		json_object_set_new(r, "title", json_string(title));
	if (d % 5 == 1)
		json_object_set_new(r, "headings", json_pack("[s,s]",
		    "Winter report", vocab[(d * 3) % NVOCAB]));
	if (d % 11 == 10)
		json_object_set_new(r, "lang", json_string("de"));
	if (d % 2)
		json_object_set_new(r, "date", json_string(d % 4 == 1 ?
		    "2021-05-01" : "2023-02-03"));
	return r;
}

/* Puts document d (version v, n chunks). */
static void
put_doc(quarry_store *st, int d, int v, int n)
{
	json_t *recs[16] = { 0 };
	size_t bad;
	int k;

	for (k = 0; k < n; k++) {
		char *t = words(3 + rnd(40));

		/* Some chunks are copies of others: the same text. */
		if (k == 1 && d % 6 == 0) {
			free(t);
			t = strdup("harvest garden bridge copy");
		}
		recs[k] = chunk(d, k, t, v);
		free(t);
	}
	assert_true(quarry_store_put(st, recs, (size_t)n, NULL, &bad) >= 0);
	for (k = 0; k < n; k++)
		json_decref(recs[k]);
}

static quarry_store *
open_store(const char *name, int flags)
{
	char path[512];
	quarry_store *st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(quarry_store_open(&st, path, flags), 0);
	return st;
}

static void
fault_print(const char *msg, void *arg)
{
	(void)arg;
	print_message("# %s\n", msg);
}

/* The postings as text lines "term id tf dl", sorted. */
static int
line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
dump(quarry_store *st)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	char **lines = NULL, *out;
	size_t n = 0, cap = 0, i, total = 1;
	struct lex_posting ps[LEX_SEG_MAX * 4];

	assert_int_equal(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_cursor_open(txn, st->dbi[DB_TERMS], &cur), 0);
	while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
		const char *kp = k.mv_data;
		size_t tl = strnlen(kp, k.mv_size);
		struct lex_seg s;
		uint64_t first = 0;
		int j;

		if (k.mv_size == tl + 1) {
			uint64_t df;
			uint32_t a, b;

			assert_int_equal(store_lex_header(&v, &df, &a, &b), 0);
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				lines = realloc(lines, cap * sizeof(*lines));
			}
			lines[n] = malloc(tl + 64);
			snprintf(lines[n], tl + 64, "%.*s df %llu %u %u",
			    (int)tl, kp, (unsigned long long)df, a, b);
			total += strlen(lines[n]) + 1;
			n++;
			continue;
		}
		for (j = 0; j < 8; j++)
			first = first << 8 | (unsigned char)kp[tl + 1 + j];
		assert_int_equal(lex_seg_open(&s, first, v.mv_data, v.mv_size),
		    0);
		assert_int_equal(lex_seg_decode(&s, ps), 0);
		for (i = 0; i < s.n; i++) {
			size_t slot = ps[i].slot;
			MDB_val ck = { sizeof(slot), &slot }, cv;
			json_t *rec;

			assert_int_equal(mdb_get(txn, st->dbi[DB_CHUNKS], &ck,
			    &cv), 0);
			rec = store_record_load(st, txn, &cv);
			assert_non_null(rec);
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				lines = realloc(lines, cap * sizeof(*lines));
			}
			lines[n] = malloc(tl + 128);
			snprintf(lines[n], tl + 128, "%.*s %s %u %u", (int)tl, kp,
			    quarry_record_string(rec, "id", NULL), ps[i].tf,
			    ps[i].dl);
			total += strlen(lines[n]) + 1;
			n++;
			json_decref(rec);
		}
	}
	mdb_cursor_close(cur);
	{
		uint64_t tok = 0;

		store_meta_u64(txn, st->dbi[DB_META], "lex_tokens", &tok);
		if (n == cap)
			lines = realloc(lines, (cap + 1) * sizeof(*lines));
		lines[n] = malloc(64);
		snprintf(lines[n], 64, " tokens %llu", (unsigned long long)tok);
		total += strlen(lines[n]) + 1;
		n++;
	}
	mdb_txn_abort(txn);
	qsort(lines, n, sizeof(*lines), line_cmp);
	out = malloc(total);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		strcat(out, lines[i]);
		strcat(out, "\n");
		free(lines[i]);
	}
	free(lines);
	return out;
}

/* ----------------------------------------------------- brute-force BM25 */

struct bf {
	char id[64];
	double score;
	uint64_t slot;
};

#define BF_MAX 6000

struct bfctx {
	lex_analyzer *an;
	struct lex_bag bags[BF_MAX];
	char ids[BF_MAX][64];
	uint64_t slots[BF_MAX];
	size_t n;
};

static int
bf_load(const json_t *rec, void *arg)
{
	struct bfctx *c = arg;

	assert_true(c->n < BF_MAX);
	memset(&c->bags[c->n], 0, sizeof(c->bags[c->n]));
	assert_int_equal(lex_bag_fill(c->an, &c->bags[c->n], rec, "en"), 0);
	snprintf(c->ids[c->n], sizeof(c->ids[c->n]), "%s",
	    quarry_record_string(rec, "id", NULL));
	c->n++;
	return 0;
}

static int
qcollect(const char *t, size_t len, void *arg)
{
	struct terms *x = arg;

	memcpy(x->buf + x->len, t, len);
	x->len += len;
	x->buf[x->len++] = '\0';
	return 0;
}

static int
bf_cmp(const void *pa, const void *pb)
{
	const struct bf *a = pa, *b = pb;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return strcmp(a->id, b->id);
}

/* Term t's frequency in bag b. */
static uint32_t
tf_in(const struct lex_bag *b, const char *t)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->t[i].len == strlen(t) && memcmp(b->t[i].term, t,
		    b->t[i].len) == 0)
			return b->t[i].tf;
	return 0;
}

/*
 * The BM25 ranking of query q over c's chunks whose id is in keep (NULL:
 * all), best first; returns the number with a score above 0.
 */
static size_t
brute(struct bfctx *c, const char *q, double k1, double b,
    const char *const *keep, size_t nkeep, struct bf *out)
{
	struct terms x = { "", 0 };
	double avgdl = 0;
	size_t i, j, n = 0;
	const char *t;

	assert_int_equal(lex_analyze(c->an, q, strlen(q), "en", qcollect, &x),
	    0);
	uint32_t dfs[64], *df;

	for (i = 0; i < c->n; i++)
		avgdl += c->bags[i].dl;
	avgdl /= (double)c->n;
	for (t = x.buf, df = dfs; t < x.buf + x.len; t += strlen(t) + 1, df++) {
		assert_true(df < dfs + 64);
		*df = 0;
		for (j = 0; j < c->n; j++)
			*df += tf_in(&c->bags[j], t) > 0;
	}
	for (i = 0; i < c->n; i++) {
		double s = 0;
		int kept = keep == NULL;

		for (j = 0; j < nkeep && !kept; j++)
			kept = strcmp(keep[j], c->ids[i]) == 0;
		if (!kept)
			continue;
		for (t = x.buf, df = dfs; t < x.buf + x.len;
		    t += strlen(t) + 1, df++) {
			uint32_t tf = tf_in(&c->bags[i], t);

			if (tf == 0)
				continue;
			s += log(1 + (c->n - *df + 0.5) / (*df + 0.5)) * tf /
			    (tf + k1 * (1 - b + b * c->bags[i].dl / avgdl));
		}
		if (s > 0) {
			snprintf(out[n].id, sizeof(out[n].id), "%s", c->ids[i]);
			out[n].score = s;
			n++;
		}
	}
	qsort(out, n, sizeof(*out), bf_cmp);
	return n;
}

/* Checks hits[0..n) against the brute-force ranking want[0..nw) cut at k. */
static void
same_ranking(const quarry_search_hit *hits, size_t n, const struct bf *want,
    size_t nw, size_t k)
{
	size_t i, j;

	assert_int_equal(n, nw < k ? nw : k);
	for (i = 0; i < n; i++) {
		assert_true(fabs(hits[i].score - want[i].score) <
		    1e-9 * (1 + want[i].score));
		assert_int_equal(hits[i].lex_rank != 0, 1);
		if (strcmp(hits[i].id, want[i].id) != 0) {
			/* Allowed only among equal scores. */
			int found = 0;

			for (j = 0; j < nw; j++)
				if (strcmp(want[j].id, hits[i].id) == 0)
					found = fabs(want[j].score -
					    want[i].score) < 1e-12;
			assert_true(found);
		}
	}
}

static const char *const queries[] = {
	"river stone", "the running bridges", "garden garden gardens",
	"winter report museum library signal token", "copy", "nothing_here",
	"of the", "Harvest Bridge walked", "haus", "v1",
};

static void
build(quarry_store *st, int ndocs)
{
	int d;

	for (d = 0; d < ndocs; d++)
		put_doc(st, d, 1, 1 + d % 4);
	assert_int_equal(quarry_store_commit(st), 0);
}

static void
test_bm25_exact(void **state)
{
	quarry_store *st;
	quarry_search *s;
	struct bfctx *c = calloc(1, sizeof(*c));
	struct bf want[400];
	const quarry_search_hit *hits;
	size_t n, nw, qi, ki, i;
	static const size_t ks[] = { 1, 3, 10, 1000 };

	(void)state;
	rnd_state = 1;
	st = open_store("bm25", QUARRY_STORE_CREATE);
	build(st, 80);
	assert_int_equal(quarry_store_check(st, fault_print, NULL), 0);
	assert_int_equal(lex_analyzer_new(&c->an), 0);
	assert_int_equal(quarry_store_foreach_chunk(st, bf_load, c), 0);
	assert_int_equal(quarry_search_new(&s, st), 0);
	assert_int_equal(quarry_search_get_mode(s), QUARRY_MODE_HYBRID);
	assert_int_equal(quarry_search_set_mode(s, QUARRY_MODE_LEXICAL), 0);
	for (qi = 0; qi < sizeof(queries) / sizeof(queries[0]); qi++)
		for (ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
			quarry_search_set_k(s, ks[ki]);
			assert_int_equal(quarry_search_query(s, NULL,
			    queries[qi], strlen(queries[qi]), &hits, &n), 0);
			nw = brute(c, queries[qi], 0.9, 0.4, NULL, 0, want);
			same_ranking(hits, n, want, nw, ks[ki]);
		}
	/* Other parameters. */
	assert_int_equal(quarry_search_set_bm25(s, 1.2, 0.75), 0);
	assert_int_equal(quarry_search_set_bm25(s, 1.2, 1.5), QUARRY_EINVAL);
	quarry_search_set_k(s, 7);
	for (qi = 0; qi < sizeof(queries) / sizeof(queries[0]); qi++) {
		assert_int_equal(quarry_search_query(s, NULL, queries[qi],
		    strlen(queries[qi]), &hits, &n), 0);
		nw = brute(c, queries[qi], 1.2, 0.75, NULL, 0, want);
		same_ranking(hits, n, want, nw, 7);
	}
	/* A chunk holds the text of another: collapsed when asked. */
	quarry_search_set_k(s, 1000);
	assert_int_equal(quarry_search_query(s, NULL, "copy", 4, &hits, &n), 0);
	assert_true(n > 2);
	quarry_search_set_collapse(s, 1);
	assert_int_equal(quarry_search_query(s, NULL, "copy", 4, &hits, &n), 0);
	assert_int_equal(n, 1);
	assert_true(hits[0].nalso >= 2);
	for (i = 0; i < hits[0].nalso; i++) {
		assert_string_not_equal(hits[0].also[i].id, hits[0].id);
		assert_non_null(hits[0].also[i].source);
	}
	quarry_search_free(s);
	for (i = 0; i < c->n; i++)
		lex_bag_free(&c->bags[i]);
	lex_analyzer_free(c->an);
	free(c);
	quarry_store_close(st);
}

/*
 * Rankings where pruning matters: thousands of chunks of Zipf-distributed
 * words, so that common terms span many postings segments whose bounds
 * (largest frequency, smallest length) differ and rare ones few, with
 * queries that mix the two, before and after a part of the documents is
 * replaced or deleted (which splits and merges segments); every ranking
 * equals the brute force's.
 */
static void
zipf_text(char *s, unsigned n)
{
	static const char *const syl[] = { "ka", "lo", "mi", "ren", "tas",
	    "vo", "pel", "dri" };
	unsigned i, r, w;

	*s = '\0';
	for (i = 0; i < n; i++) {
		/* Word w of 512 with probability about 1 / (w + 1). */
		r = rnd(1u << 20);
		w = (unsigned)exp(r / (double)(1u << 20) * log(512.0)) - 1;
		if (i)
			strcat(s, " ");
		strcat(s, "z");
		strcat(s, syl[w % 8]);
		strcat(s, syl[w / 8 % 8]);
		strcat(s, syl[w / 64 % 8]);
	}
}

static void
put_zipf(quarry_store *st, int d, int v)
{
	json_t *recs[4];
	char text[4000], doc[32], id[48], hex[33];
	size_t bad;
	int k, n = 1 + d % 3;

	for (k = 0; k < n; k++) {
		zipf_text(text, 3 + rnd(v > 1 ? 30 : 120));
		snprintf(doc, sizeof(doc), "z%05d", d);
		snprintf(id, sizeof(id), "%s#%d", doc, k);
		quarry_hash_hex(text, strlen(text), hex);
		recs[k] = json_pack("{s:s,s:s,s:i,s:s,s:s,s:[f,f],s:s}", "doc",
		    doc, "id", id, "chunk", k, "text", text, "hash", hex,
		    "embedding", 0.5, (double)v, "model", "test/2");
		assert_non_null(recs[k]);
	}
	assert_int_equal(quarry_store_put(st, recs, (size_t)n, NULL, &bad),
	    1);
	for (k = 0; k < n; k++)
		json_decref(recs[k]);
}

static void
test_bm25_pruning(void **state)
{
	static const char *const zq[] = {
		"zkakaka zlokaka", "zkakaka zmikaka zrenkaka zpelvoka",
		"zdrikaka zkalolo", "zkaloka zkakaka zkakaka",
		"ztasdrika zkakaka zlokaka", "zmimika zdrimika zkakaka",
		"zvokaka zkadrika", "zlolo zkakaka", "zrentaska zkakaka zlokaka",
		"zpeldrika zdridrika zlokaka zkakaka",
	};
	static const size_t ks[] = { 1, 10, 100 };
	quarry_store *st;
	quarry_search *s;
	struct bfctx *c;
	struct bf *want = malloc(BF_MAX * sizeof(*want));
	const quarry_search_hit *hits;
	size_t n, nw, qi, ki, i;
	char doc[16];
	int d, round;

	(void)state;
	rnd_state = 7;
	st = open_store("zipf", QUARRY_STORE_CREATE);
	for (d = 0; d < 2000; d++)
		put_zipf(st, d, 1);
	assert_int_equal(quarry_store_commit(st), 0);
	for (round = 0; round < 2; round++) {
		if (round == 1) {
			/* Replace one document in 7, delete one in 13. */
			for (d = 0; d < 2000; d += 7)
				put_zipf(st, d, 2);
			for (d = 5; d < 2000; d += 13) {
				snprintf(doc, sizeof(doc), "z%05d", d);
				assert_true(quarry_store_delete(st, doc) >= 0);
			}
			assert_int_equal(quarry_store_commit(st), 0);
		}
		assert_int_equal(quarry_store_check(st, fault_print, NULL), 0);
		c = calloc(1, sizeof(*c));
		assert_int_equal(lex_analyzer_new(&c->an), 0);
		assert_int_equal(quarry_store_foreach_chunk(st, bf_load, c), 0);
		assert_true(c->n > 3000);
		assert_int_equal(quarry_search_new(&s, st), 0);
		assert_int_equal(quarry_search_set_mode(s, QUARRY_MODE_LEXICAL),
		    0);
		for (qi = 0; qi < sizeof(zq) / sizeof(zq[0]); qi++) {
			nw = brute(c, zq[qi], 0.9, 0.4, NULL, 0, want);
			assert_true(nw > 0);
			for (ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
				quarry_search_set_k(s, ks[ki]);
				assert_int_equal(quarry_search_query(s, NULL,
				    zq[qi], strlen(zq[qi]), &hits, &n), 0);
				same_ranking(hits, n, want, nw, ks[ki]);
			}
		}
		quarry_search_free(s);
		for (i = 0; i < c->n; i++)
			lex_bag_free(&c->bags[i]);
		lex_analyzer_free(c->an);
		free(c);
	}
	free(want);
	quarry_store_close(st);
}

/* Every mode with every filter: the results pass the filter, lexical ones
 * equal the brute force over the chunks the filter selects, hybrid ones
 * fuse the two legs' ranks. */
static void
test_modes_filters(void **state)
{
	quarry_store *st;
	quarry_search *s;
	struct bfctx *c = calloc(1, sizeof(*c));
	struct bf want[400];
	const quarry_search_hit *hits;
	quarry_embedder *e = NULL;
	const char *sel[400];
	char selbuf[400][64];
	size_t n, nw, nsel, f, i, j;
	const float q4[4] = { 1, -2, 0.5f, 3 };
	enum { FDATE, FAUTHOR, FWHERE, FSOURCE, FNONE };

	(void)state;
	rnd_state = 7;
	st = open_store("modes", QUARRY_STORE_CREATE);
	build(st, 60);
	assert_int_equal(lex_analyzer_new(&c->an), 0);
	assert_int_equal(quarry_store_foreach_chunk(st, bf_load, c), 0);
	assert_int_equal(quarry_search_new(&s, st), 0);
	(void)e;
	for (f = FDATE; f <= FNONE; f++) {
		quarry_search_filter_clear(s);
		switch (f) {
		case FDATE:
			assert_int_equal(quarry_search_filter_date(s, NULL,
			    "2022", NULL), 0);
			break;
		case FAUTHOR:
			/* No chunk has an author: nothing is selected. */
			assert_int_equal(quarry_search_filter_author(s, "ann"),
			    0);
			break;
		case FWHERE:
			assert_int_equal(quarry_search_filter_where(s,
			    "category=b"), 0);
			break;
		case FSOURCE:
			assert_int_equal(quarry_search_filter_source(s, "x/*"),
			    0);
			break;
		}
		/* The selection, by a vector search over all of it. */
		quarry_search_set_k(s, 1000);
		assert_int_equal(quarry_search_set_mode(s, QUARRY_MODE_VECTOR),
		    0);
		assert_int_equal(quarry_search_query_vector(s, q4, 4, NULL, 0,
		    &hits, &n), 0);
		assert_int_equal((int64_t)n, quarry_search_selected(s));
		nsel = n;
		for (i = 0; i < n; i++) {
			const json_t *r = hits[i].rec;
			const char *v;

			snprintf(selbuf[i], sizeof(selbuf[i]), "%s", hits[i].id);
			sel[i] = selbuf[i];
			switch (f) {
			case FDATE:
				v = quarry_record_string(r, "date", NULL);
				assert_non_null(v);
				assert_true(strcmp(v, "2022") > 0);
				break;
			case FWHERE:
				assert_string_equal(quarry_record_string(r,
				    "category", NULL), "b");
				break;
			case FSOURCE:
				assert_string_equal(quarry_record_string(r,
				    "source", NULL), "x/one");
				break;
			}
		}
		if (f == FAUTHOR)
			assert_int_equal(nsel, 0);
		else
			assert_true(nsel > 3 && nsel < c->n - 3 + (f == FNONE) * 10);
		for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
			const quarry_search_hit *lh;
			size_t nl, nv, k = 5;
			struct bf lex[400], vec[400];

			quarry_search_set_k(s, k);
			/* lexical */
			assert_int_equal(quarry_search_set_mode(s,
			    QUARRY_MODE_LEXICAL), 0);
			assert_int_equal(quarry_search_query_vector(s, NULL, 0,
			    queries[i], strlen(queries[i]), &lh, &nl), 0);
			nw = brute(c, queries[i], 0.9, 0.4, sel, nsel, want);
			same_ranking(lh, nl, want, nw, k);
			/* the legs at the hybrid depth */
			quarry_search_set_k(s, 100);
			assert_int_equal(quarry_search_query_vector(s, NULL, 0,
			    queries[i], strlen(queries[i]), &lh, &nl), 0);
			for (j = 0; j < nl; j++) {
				snprintf(lex[j].id, 64, "%s", lh[j].id);
				lex[j].score = lh[j].score;
			}
			assert_int_equal(quarry_search_set_mode(s,
			    QUARRY_MODE_VECTOR), 0);
			assert_int_equal(quarry_search_query_vector(s, q4, 4,
			    NULL, 0, &lh, &nv), 0);
			assert_int_equal(nv, nsel < 100 ? nsel : 100);
			for (j = 0; j < nv; j++) {
				snprintf(vec[j].id, 64, "%s", lh[j].id);
				vec[j].score = lh[j].score;
			}
			/* hybrid */
			quarry_search_set_k(s, k);
			assert_int_equal(quarry_search_set_mode(s,
			    QUARRY_MODE_HYBRID), 0);
			assert_int_equal(quarry_search_query_vector(s, q4, 4,
			    queries[i], strlen(queries[i]), &hits, &n), 0);
			assert_int_equal(n, nsel < k ? nsel : k);
			for (j = 0; j < n; j++) {
				double want_s = 0;
				size_t r;

				assert_true(hits[j].vec_rank || hits[j].lex_rank);
				if (hits[j].vec_rank) {
					r = hits[j].vec_rank;
					assert_string_equal(vec[r - 1].id,
					    hits[j].id);
					assert_true(fabs(vec[r - 1].score -
					    hits[j].vec_score) < 1e-12);
					want_s += 1.0 / (60 + r);
				}
				if (hits[j].lex_rank) {
					r = hits[j].lex_rank;
					assert_string_equal(lex[r - 1].id,
					    hits[j].id);
					want_s += 1.0 / (60 + r);
				}
				assert_true(fabs(hits[j].score - want_s) < 1e-12);
				if (j > 0)
					assert_true(hits[j].score <=
					    hits[j - 1].score);
			}
			/* The best fused chunk beats every other. */
			if (n > 0)
				assert_true(hits[0].score >= 1.0 / 61 - 1e-12);
		}
	}
	/* Lexical needs text; vector needs a vector. */
	assert_int_equal(quarry_search_query_vector(s, NULL, 0, "x", 1, &hits,
	    &n), QUARRY_EINVAL);
	assert_int_equal(quarry_search_set_mode(s, QUARRY_MODE_LEXICAL), 0);
	assert_int_equal(quarry_search_query_vector(s, q4, 4, NULL, 0, &hits,
	    &n), QUARRY_EINVAL);
	quarry_search_free(s);
	for (i = 0; i < c->n; i++)
		lex_bag_free(&c->bags[i]);
	lex_analyzer_free(c->an);
	free(c);
	quarry_store_close(st);
}

/* Postings after many changes equal those of a clean rebuild. */
static void
test_incremental(void **state)
{
	quarry_store *a, *b;
	char *da, *db, *dr;
	int d, round;
	unsigned long seed;
	int version[120] = { 0 }, alive[120] = { 0 }, nchunks[120] = { 0 };
	unsigned long seeds[120] = { 0 };

	(void)state;
	a = open_store("inc", QUARRY_STORE_CREATE);
	quarry_store_set_batch(a, 7, 0);
	for (round = 0; round < 6; round++) {
		for (d = 0; d < 120; d++) {
			int act = round == 0 ? 0 : (int)rnd(10);

			if (act == 3 && alive[d]) {
				char doc[16];

				snprintf(doc, sizeof(doc), "doc%03d", d);
				assert_int_equal(quarry_store_delete(a, doc), 0);
				alive[d] = 0;
				continue;
			}
			/* New (act < 3) or replaced (act 4, 5). */
			if (!(act < 3 && !alive[d]) &&
			    !((act == 4 || act == 5) && alive[d]) && round > 0)
				continue;
			version[d]++;
			nchunks[d] = 1 + (int)rnd(5);
			seeds[d] = rnd_state;
			put_doc(a, d, version[d], nchunks[d]);
			alive[d] = 1;
		}
		/* Delete many at once: blocks compact. */
		if (round == 3)
			for (d = 0; d < 120; d += 2)
				if (alive[d]) {
					char doc[16];

					snprintf(doc, sizeof(doc), "doc%03d", d);
					assert_int_equal(quarry_store_delete(a,
					    doc), 0);
					alive[d] = 0;
				}
		assert_int_equal(quarry_store_commit(a), 0);
		assert_int_equal(quarry_store_check(a, fault_print, NULL), 0);
	}
	/* The same documents into a new store. */
	b = open_store("clean", QUARRY_STORE_CREATE);
	for (d = 0; d < 120; d++)
		if (alive[d]) {
			seed = rnd_state;
			rnd_state = seeds[d];
			put_doc(b, d, version[d], nchunks[d]);
			rnd_state = seed;
		}
	assert_int_equal(quarry_store_commit(b), 0);
	assert_int_equal(quarry_store_check(b, fault_print, NULL), 0);
	da = dump(a);
	db = dump(b);
	assert_true(strlen(da) > 1000);
	assert_string_equal(da, db);
	/* And a rebuild in place. */
	assert_int_equal(quarry_store_reindex_lexical(a, NULL), 0);
	assert_int_equal(quarry_store_check(a, fault_print, NULL), 0);
	dr = dump(a);
	assert_string_equal(da, dr);
	free(da);
	free(db);
	free(dr);
	/* Texts that the stored records escape, read back by the rebuild. */
	{
		json_t *r[2];
		size_t bad;

		r[0] = chunk(200, 0, "Gr\u00fc\u00dfe \"quoted\" back\\slash "
		    "tab\there ctrl\x01here \xf0\x9f\x98\x80 \xce\xa9mega "
		    "caf\xc3\xa9s/slash", 1);
		r[1] = chunk(200, 1, "plain river text", 1);
		json_object_set_new(r[0], "headings", json_pack("[s,i,[i],s]",
		    "H\u00e9ad \"one\"", 3, 4, "second\nheading"));
		json_object_set_new(r[1], "lang", json_string("fr"));
		json_object_set_new(r[0], "title", json_string("Caf\u00e9 t\u00eete"));
		json_object_set_new(r[1], "title", json_string("Caf\u00e9 t\u00eete"));
		assert_int_equal(quarry_store_put(a, r, 2, NULL, &bad), 1);
		json_decref(r[0]);
		json_decref(r[1]);
		assert_int_equal(quarry_store_commit(a), 0);
		assert_int_equal(quarry_store_check(a, fault_print, NULL), 0);
		da = dump(a);
		assert_int_equal(quarry_store_reindex_lexical(a, NULL), 0);
		assert_int_equal(quarry_store_check(a, fault_print, NULL), 0);
		dr = dump(a);
		assert_string_equal(da, dr);
		assert_non_null(strstr(da, "gr\xc3\xbcsse df 1 1 17\n"));
		assert_non_null(strstr(da, "\xcf\x89mega df 1 1 17\n"));
		free(da);
		free(dr);
	}
	quarry_store_close(a);
	quarry_store_close(b);
}

/* A store made before the lexical index: format 2, no "terms". */
static void
test_old_store(void **state)
{
	quarry_store *st;
	quarry_search *s;
	const quarry_search_hit *hits;
	MDB_txn *txn;
	MDB_val k, v;
	size_t n;
	const float q4[4] = { 1, 1, 1, 1 };
	static const char *const keys[] = { "lexical", "lexical_lang",
	    "lex_tokens" };
	char path[1024];
	uint64_t chunks;
	size_t i;

	(void)state;
	rnd_state = 3;
	st = open_store("old", QUARRY_STORE_CREATE);
	build(st, 20);
	/* Take the index away, as a store of format 2 is. */
	assert_int_equal(mdb_txn_begin(st->env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_drop(txn, st->dbi[DB_TERMS], 1), 0);
	for (i = 0; i < 3; i++) {
		k.mv_size = strlen(keys[i]);
		k.mv_data = (void *)keys[i];
		assert_int_equal(mdb_del(txn, st->dbi[DB_META], &k, NULL), 0);
	}
	k.mv_size = 6;
	k.mv_data = (void *)"format";
	v.mv_size = 1;
	v.mv_data = (void *)"2";
	assert_int_equal(mdb_put(txn, st->dbi[DB_META], &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	quarry_store_close(st);

	st = open_store("old", 0);
	assert_int_equal(quarry_store_has_lexical(st), 0);
	assert_int_equal(quarry_store_check(st, fault_print, NULL), 0);
	/* A writer keeps working on it, without postings. */
	put_doc(st, 30, 1, 2);
	assert_int_equal(quarry_store_commit(st), 0);
	assert_int_equal(quarry_store_check(st, fault_print, NULL), 0);
	assert_int_equal(quarry_search_new(&s, st), 0);
	assert_int_equal(quarry_search_get_mode(s), QUARRY_MODE_VECTOR);
	assert_int_equal(quarry_search_query_vector(s, q4, 4, "river", 5,
	    &hits, &n), 0);
	assert_int_equal(n, 10);
	assert_int_equal(quarry_search_set_mode(s, QUARRY_MODE_LEXICAL),
	    QUARRY_ENOTFOUND);
	snprintf(path, sizeof(path), "%s/old: the store has no lexical index",
	    dir);
	assert_string_equal(quarry_search_error(s), path);
	assert_int_equal(quarry_search_set_mode(s, QUARRY_MODE_HYBRID),
	    QUARRY_ENOTFOUND);
	quarry_search_free(s);
	/* Reindexing adds the index, without touching the rest. */
	assert_int_equal(quarry_store_reindex_lexical(st, &chunks), 0);
	assert_int_equal(chunks, 52);
	assert_int_equal(quarry_store_has_lexical(st), 1);
	assert_int_equal(quarry_store_check(st, fault_print, NULL), 0);
	quarry_store_close(st);
	st = open_store("old", QUARRY_STORE_RDONLY);
	assert_int_equal(quarry_store_check(st, fault_print, NULL), 0);
	assert_int_equal(quarry_search_new(&s, st), 0);
	assert_int_equal(quarry_search_get_mode(s), QUARRY_MODE_HYBRID);
	assert_int_equal(quarry_search_set_mode(s, QUARRY_MODE_LEXICAL), 0);
	assert_int_equal(quarry_search_query(s, NULL, "river", 5, &hits, &n),
	    0);
	assert_true(n > 0);
	quarry_search_free(s);
	quarry_store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_analyzer),
		cmocka_unit_test(test_codec),
		cmocka_unit_test(test_codec_remove),
		cmocka_unit_test_setup_teardown(test_bm25_exact, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bm25_pruning, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_modes_filters, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_incremental, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_old_store, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
