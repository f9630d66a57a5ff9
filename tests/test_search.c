/*
 * test_search.c: cmocka tests of the search (src/search*.c):
 * ranking against a brute-force computation, ties, -k, filters planned from
 * the field index, the scan over many blocks, threads, the query embedder's
 * model checks and the context layout (the metrics: test_eval.c).
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "quarry.h"
#include "testutil.h"

static char dir[256];

static int
setup(void **state)
{
	(void)state;
	return tu_scratch_new(dir, sizeof(dir), "test_search");
}

static int
teardown(void **state)
{
	(void)state;
	return tu_scratch_free(dir);
}

/* A uniform draw in [-0.5, 0.5). */
static float
frand(void)
{
	return (float)(tu_urand() - 0.5);
}

/*
 * Builds the store NAME with n documents of one chunk each of dims random
 * values (or of vecs when not NULL); document i has date 2020-01-(1+i%28),
 * category "c(i%10)", author "Author (i%3)", source "dir(i%2)/f.txt".
 */
static quarry_store *
build(const char *name, size_t n, size_t dims, const float *vecs)
{
	char path[512], doc[32], id[40], date[16], cat[8], au[16], src[32];
	char model[32];
	quarry_store *st;
	size_t i, j, bad;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(quarry_store_open(&st, path, QUARRY_STORE_CREATE), 0);
	snprintf(model, sizeof(model), "hash-v1/%zu", dims);
	for (i = 0; i < n; i++) {
		json_t *emb = json_array(), *r;

		for (j = 0; j < dims; j++)
			json_array_append_new(emb, json_real(vecs ?
			    vecs[i * dims + j] : frand()));
		snprintf(doc, sizeof(doc), "d%05zu", i);
		snprintf(id, sizeof(id), "%s#0", doc);
		snprintf(date, sizeof(date), "2020-01-%02zu", 1 + i % 28);
		snprintf(cat, sizeof(cat), "c%zu", i % 10);
		snprintf(au, sizeof(au), "Author %zu", i % 3);
		snprintf(src, sizeof(src), "dir%zu/f.txt", i % 2);
		r = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:o,s:s}",
		    "doc", doc, "source", src, "date", date, "category", cat,
		    "author", au, "id", id, "chunk", 0, "text", id, "hash", id,
		    "embedding", emb, "model", model);
		assert_non_null(r);
		assert_true(quarry_store_put(st, &r, 1, NULL, &bad) >= 0);
		json_decref(r);
	}
	assert_int_equal(quarry_store_commit(st), 0);
	return st;
}

static void
test_ranking(void **state)
{
	enum { N = 300, D = 12 };
	static float v[N * D];
	float q[D];
	const quarry_search_hit *hits;
	quarry_store *st;
	quarry_search *s;
	size_t i, j, n, best;
	double prev = 2, sc;

	(void)state;
	for (i = 0; i < N * D; i++)
		v[i] = frand();
	for (i = 0; i < D; i++)
		q[i] = frand();
	st = build("rank", N, D, v);
	assert_int_equal(quarry_search_new(&s, st), 0);
	assert_int_equal(quarry_search_count(s), N);
	assert_string_equal(quarry_search_model(s), "hash-v1/12");
	quarry_search_set_k(s, 20);
	assert_int_equal(quarry_search_run(s, q, D, &hits, &n), 0);
	assert_int_equal(n, 20);
	/* Each hit's score is the true cosine, in decreasing order, and no
	 * chunk left out scores higher than the last one kept. */
	for (i = 0; i < n; i++) {
		j = (size_t)atoi(json_string_value(json_object_get(hits[i].rec,
		    "doc")) + 1);
		sc = tu_cosine(q, v + j * D, D);
		assert_true(fabs(sc - hits[i].score) < 1e-12);
		assert_true(hits[i].score <= prev);
		prev = hits[i].score;
	}
	for (j = 0, best = 0; j < N; j++)
		if (tu_cosine(q, v + j * D, D) > hits[n - 1].score + 1e-12)
			best++;
	assert_int_equal(best, n - 1);
	/* k larger than the store: everything. */
	quarry_search_set_k(s, 1000);
	assert_int_equal(quarry_search_run(s, q, D, &hits, &n), 0);
	assert_int_equal(n, N);
	/* The wrong dimensions, a zero vector. */
	assert_int_equal(quarry_search_run(s, q, D - 1, &hits, &n),
	    QUARRY_EMODEL);
	memset(q, 0, sizeof(q));
	assert_int_equal(quarry_search_run(s, q, D, &hits, &n), QUARRY_EINVAL);
	quarry_search_free(s);
	quarry_store_close(st);
}

/*
 * Runs s for q and checks its hits against a brute-force ranking of the
 * vectors v (n of d dims) whose document number passes keep (NULL: all):
 * the right count, each score the true cosine, in decreasing order, and no
 * chunk left out scoring higher than the last one kept.
 */
static void
check_top(quarry_search *s, const float *q, const float *v, size_t n,
    size_t d, size_t k, int (*keep)(size_t))
{
	const quarry_search_hit *hits;
	size_t i, j, nh, better, want;
	double prev = 2, sc;

	quarry_search_set_k(s, k);
	assert_int_equal(quarry_search_run(s, q, d, &hits, &nh), 0);
	for (j = 0, want = 0; j < n; j++)
		want += keep == NULL || keep(j);
	assert_int_equal(nh, want < k ? want : k);
	for (i = 0; i < nh; i++) {
		j = (size_t)atoi(json_string_value(json_object_get(hits[i].rec,
		    "doc")) + 1);
		assert_true(keep == NULL || keep(j));
		sc = tu_cosine(q, v + j * d, d);
		assert_true(fabs(sc - hits[i].score) < 1e-12);
		assert_true(hits[i].score <= prev);
		prev = hits[i].score;
	}
	for (j = 0, better = 0; j < n; j++)
		if ((keep == NULL || keep(j)) &&
		    tu_cosine(q, v + j * d, d) > hits[nh - 1].score + 1e-12)
			better++;
	assert_true(better <= nh - 1);
}

static int
keep_c3(size_t i)
{
	return i % 10 == 3;
}

static int
keep_sparse(size_t i)
{
	return i % 28 == 5 && i % 3 == 1;
}

/*
 * The scan over many blocks of wide vectors: its lists of vectors to score
 * run across batches of blocks (and are moved to the front of their buffer
 * as they go), with or without a filter that leaves gaps, on one thread or
 * more.
 */
static void
test_scan(void **state)
{
	enum { N = 2500, D = 384 };
	static float v[N * D];
	float q[D];
	quarry_store *st;
	quarry_search *s;
	size_t i;
	unsigned t;

	(void)state;
	for (i = 0; i < N * D; i++)
		v[i] = frand();
	for (i = 0; i < D; i++)
		q[i] = frand();
	st = build("scan", N, D, v);
	assert_int_equal(quarry_search_new(&s, st), 0);
	for (t = 1; t <= 3; t += 2) {
		quarry_search_set_threads(s, t);
		quarry_search_filter_clear(s);
		check_top(s, q, v, N, D, 30, NULL);
		check_top(s, q, v, N, D, N + 5, NULL);
		assert_int_equal(quarry_search_filter_where(s, "category=c3"),
		    0);
		check_top(s, q, v, N, D, 30, keep_c3);
		quarry_search_filter_clear(s);
		assert_int_equal(quarry_search_filter_date(s, NULL,
		    "2020-01-06", "2020-01-06"), 0);
		assert_int_equal(quarry_search_filter_author(s, "author 1"),
		    0);
		check_top(s, q, v, N, D, 10, keep_sparse);
	}
	quarry_search_free(s);
	quarry_store_close(st);
}

static void
test_ties(void **state)
{
	enum { N = 40, D = 4 };
	static float v[N * D];
	float q[D] = { 1, 0, 0, 0 };
	const quarry_search_hit *hits;
	quarry_store *st;
	quarry_search *s;
	size_t i, n;

	(void)state;
	/* Every vector equal: the order is the ids'. */
	for (i = 0; i < N * D; i++)
		v[i] = (i % D == 0) ? 1.0f : 0.5f;
	st = build("ties", N, D, v);
	assert_int_equal(quarry_search_new(&s, st), 0);
	quarry_search_set_k(s, 5);
	assert_int_equal(quarry_search_run(s, q, D, &hits, &n), 0);
	assert_int_equal(n, 5);
	for (i = 0; i < n; i++) {
		char want[32];

		snprintf(want, sizeof(want), "d%05zu#0", i);
		assert_string_equal(quarry_record_string(hits[i].rec, "id",
		    NULL), want);
	}
	quarry_search_free(s);
	quarry_store_close(st);
}

static void
test_filters(void **state)
{
	enum { N = 280, D = 8 };
	float q[D] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	const quarry_search_hit *hits;
	quarry_search_stats ss;
	quarry_store *st;
	quarry_search *s;
	size_t n, i;

	(void)state;
	st = build("filters", N, D, NULL);
	assert_int_equal(quarry_search_new(&s, st), 0);
	assert_int_equal(quarry_search_selected(s), N);
	assert_int_equal(quarry_search_filter_where(s, "category=c3"), 0);
	assert_int_equal(quarry_search_selected(s), N / 10);
	quarry_search_set_k(s, 1000);
	assert_int_equal(quarry_search_run(s, q, D, &hits, &n), 0);
	assert_int_equal(n, N / 10);
	for (i = 0; i < n; i++)
		assert_string_equal(quarry_record_string(hits[i].rec,
		    "category", NULL), "c3");
	quarry_search_get_stats(s, &ss);
	assert_int_equal(ss.scanned, N / 10);
	/* AND with a date range: days 1 to 10 of 28, category c3: i % 10 == 3
	 * and i % 28 < 10. */
	assert_int_equal(quarry_search_filter_date(s, NULL, "2020-01-01",
	    "January 10, 2020"), 0);
	for (i = 0, n = 0; i < N; i++)
		n += i % 10 == 3 && i % 28 < 10;
	assert_int_equal(quarry_search_selected(s), n);
	quarry_search_filter_clear(s);
	assert_int_equal(quarry_search_filter_author(s, "AUTHOR 2"), 0);
	for (i = 0, n = 0; i < N; i++)
		n += i % 3 == 2;
	assert_int_equal(quarry_search_selected(s), n);
	quarry_search_filter_clear(s);
	assert_int_equal(quarry_search_filter_source(s, "dir1/*"), 0);
	assert_int_equal(quarry_search_selected(s), N / 2);
	quarry_search_filter_clear(s);
	assert_int_equal(quarry_search_filter_where(s, "id=d00007#0"), 0);
	assert_int_equal(quarry_search_selected(s), 1);
	quarry_search_filter_clear(s);
	assert_int_equal(quarry_search_filter_date(s, NULL, "2020", NULL), 0);
	assert_int_equal(quarry_search_selected(s), N);
	quarry_search_filter_clear(s);
	assert_int_equal(quarry_search_filter_date(s, NULL, NULL, "2019-12"), 0);
	assert_int_equal(quarry_search_selected(s), 0);
	assert_int_equal(quarry_search_run(s, q, D, &hits, &n), 0);
	assert_int_equal(n, 0);
	quarry_search_filter_clear(s);
	assert_int_equal(quarry_search_filter_date(s, NULL, "no date", NULL),
	    QUARRY_EINVAL);
	assert_int_equal(quarry_search_filter_where(s, "=x"), QUARRY_EINVAL);
	assert_int_equal(quarry_search_filter_where(s, "x"), QUARRY_EINVAL);
	quarry_search_free(s);
	quarry_store_close(st);
}

static void
test_threads(void **state)
{
	/* Enough floats (5M) for the scan to start its threads. */
	enum { N = 40000, D = 128 };
	float q[D];
	const quarry_search_hit *hits;
	quarry_search_stats ss;
	quarry_store *st;
	quarry_search *s;
	uint64_t slots[10];
	size_t i, n;

	(void)state;
	for (i = 0; i < D; i++)
		q[i] = frand();
	st = build("threads", N, D, NULL);
	assert_int_equal(quarry_search_new(&s, st), 0);
	quarry_search_set_threads(s, 1);
	assert_int_equal(quarry_search_run(s, q, D, &hits, &n), 0);
	assert_int_equal(n, 10);
	for (i = 0; i < n; i++)
		slots[i] = hits[i].slot;
	quarry_search_set_threads(s, 3);
	assert_int_equal(quarry_search_run(s, q, D, &hits, &n), 0);
	quarry_search_get_stats(s, &ss);
	assert_int_equal(ss.threads, 3);
	assert_int_equal(ss.scanned, N);
	for (i = 0; i < n; i++)
		assert_int_equal(hits[i].slot, slots[i]);
	quarry_search_free(s);
	quarry_store_close(st);
}

static void
test_embedder(void **state)
{
	quarry_embed_options o;
	quarry_embedder *e;
	quarry_store *st;
	quarry_search *s;
	char path[512];

	(void)state;
	st = build("emb", 3, 16, NULL);
	assert_int_equal(quarry_search_new(&s, st), 0);
	quarry_embed_options_init(&o);
	assert_int_equal(quarry_search_embedder(s, &o, &e), 0);
	assert_string_equal(quarry_embedder_model(e), "hash-v1/16");
	quarry_embedder_free(e);
	o.url = "http://127.0.0.1:9/v1";
	assert_int_equal(quarry_search_embedder(s, &o, &e), QUARRY_EMODEL);
	assert_null(e);
	quarry_search_free(s);
	quarry_store_close(st);

	/* An empty store. */
	snprintf(path, sizeof(path), "%s/empty", dir);
	assert_int_equal(quarry_store_open(&st, path, QUARRY_STORE_CREATE), 0);
	assert_int_equal(quarry_search_new(&s, st), 0);
	assert_int_equal(quarry_search_dims(s), 0);
	assert_int_equal(quarry_search_count(s), 0);
	quarry_embed_options_init(&o);
	assert_int_equal(quarry_search_embedder(s, &o, &e), QUARRY_ENOTFOUND);
	quarry_search_free(s);
	quarry_store_close(st);
}

static quarry_search_hit
hit(const char *id, const char *doc, const char *text, double score)
{
	quarry_search_hit h;

	h.score = score;
	h.slot = 0;
	h.rec = json_pack("{s:s,s:s,s:s,s:i}", "id", id, "doc", doc, "text",
	    text, "page", 1);
	return h;
}

static void
test_context(void **state)
{
	quarry_search_hit h[5];
	struct quarry_buf b = { 0 };
	const char *p, *want[5] = { "alpha", "gamma", "epsilon", "delta",
	    "beta" };
	size_t i;

	(void)state;
	h[0] = hit("a#0", "a", "alpha", 0.9);
	h[1] = hit("b#0", "b", "beta", 0.8);
	h[2] = hit("c#0", "c", "gamma", 0.7);
	h[3] = hit("d#0", "d", "delta", 0.6);
	h[4] = hit("e#0", "e", "epsilon", 0.5);
	assert_int_equal(quarry_search_format(&b, QUARRY_SEARCH_CONTEXT, NULL,
	    h, 5, 0), 0);
	assert_int_equal(quarry_buf_append(&b, "", 1), 0);
	p = b.data;
	for (i = 0; i < 5; i++) {
		char head[16];

		snprintf(head, sizeof(head), "[%zu] ", i + 1);
		assert_non_null(p = strstr(p, head));
		assert_non_null(p = strchr(p, '\n'));
		p++;
		assert_memory_equal(p, want[i], strlen(want[i]));
	}
	/* A tight budget keeps the best passages only. */
	b.len = 0;
	assert_int_equal(quarry_search_format(&b, QUARRY_SEARCH_CONTEXT, NULL,
	    h, 5, 24), 0);
	assert_int_equal(quarry_buf_append(&b, "", 1), 0);
	assert_non_null(strstr(b.data, "alpha"));
	assert_null(strstr(b.data, "epsilon"));
	quarry_buf_free(&b);
	for (i = 0; i < 5; i++)
		json_decref((json_t *)h[i].rec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranking),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_embedder),
		cmocka_unit_test(test_context),
	};

	tu_rng = 88172645463325252ull;
	return cmocka_run_group_tests_name("search", tests, setup, teardown);
}
