/*
 * test_quant.c: cmocka tests of int8 quantization (src/quant.c) and of the
 * store's int8 copy (src/store_quant.c) as the search uses it: quantized
 * scores against float32 ones, the kernels against each other, the copy
 * kept exact by every kind of write, and int8 search results against the
 * exact scan on a fixed, seeded collection; the same for the 1-bit copy.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "quant_private.h"
#include "store_private.h"
#include "testutil.h"

/* Quantized cosines stay within 0.02 of the float32 ones, for vectors of
 * uneven dimension ranges and norms other than 1. */
static void
test_scores_against_f32(void **state)
{
	enum { D = 384, N = 200 };
	float *v = malloc(N * D * sizeof(float)), q[D], scale[D] = { 0 };
	unsigned char *rows = malloc(N * QUANT_ROW(D));
	uint32_t idx[N];
	float out[N];
	int8_t qi[QUANT_QLEN(D)];
	uint8_t qu[QUANT_QLEN(D)];
	struct quant_query qq = { qi, qu, 0 };
	double worst = 0;
	size_t i, d;

	(void)state;
	tu_rng = 42;
	for (i = 0; i < N; i++) {
		for (d = 0; d < D; d++)
			v[i * D + d] = (float)(tu_gauss() * (1 + (double)(d % 7)));
		quant_scale_add(scale, v + i * D, D);
	}
	quant_scale_finish(scale, D);
	for (i = 0; i < N; i++) {
		quant_encode(scale, v + i * D, D, rows + i * QUANT_ROW(D));
		idx[i] = (uint32_t)i;
	}
	for (d = 0; d < D; d++)
		q[d] = (float)tu_gauss();
	tu_unit(q, D);
	quant_query(scale, q, D, &qq);
	quant_score_rows(&qq, D, rows, idx, N, out);
	for (i = 0; i < N; i++) {
		double e = fabs(out[i] - tu_cosine(q, v + i * D, D));

		if (e > worst)
			worst = e;
	}
	assert_true(worst < 0.02);
	free(v);
	free(rows);
}

/* Every kernel the processor has gives exactly the generic one's scores,
 * at dimensions that are and are not multiples of the vector widths. */
static void
test_kernels_agree(void **state)
{
	static const size_t dims[] = { 1, 7, 31, 32, 63, 64, 65, 100, 384,
		1536 };
	static const char *const kernels[] = { "avx2", "vnni" };
	size_t t, i, d, k;

	(void)state;
	tu_rng = 7;
	for (t = 0; t < sizeof(dims) / sizeof(dims[0]); t++) {
		size_t D = dims[t], N = 20, row = QUANT_ROW(D);
		float *v = malloc(N * D * sizeof(float));
		float *q = malloc(D * sizeof(float));
		float *scale = calloc(D, sizeof(float));
		unsigned char *rows = malloc(N * row);
		struct quant_query qq;
		uint32_t idx[20];
		float want[20], got[20];

		qq.qi = malloc(QUANT_QLEN(D));
		qq.qu = malloc(QUANT_QLEN(D));
		for (i = 0; i < N * D; i++)
			v[i] = (float)tu_gauss();
		/* Extremes: the clamp at +-127 on both sides. */
		v[0] = 1e6f;
		v[D > 1 ? 1 : 0] = -1e6f;
		for (i = 0; i < N; i++) {
			quant_scale_add(scale, v + i * D, D);
			idx[i] = (uint32_t)(N - 1 - i);
		}
		for (d = 0; d < D; d++)
			scale[d] = scale[d] / 4;	/* most values clamp */
		quant_scale_finish(scale, D);
		for (i = 0; i < N; i++)
			quant_encode(scale, v + i * D, D, rows + i * row);
		for (d = 0; d < D; d++)
			q[d] = (float)tu_gauss();
		tu_unit(q, D);
		quant_query(scale, q, D, &qq);
		assert_int_equal(quant_score_rows_with("generic", &qq, D, rows,
		    idx, N, want), 0);
		for (k = 0; k < 2; k++) {
			if (quant_score_rows_with(kernels[k], &qq, D, rows, idx,
			    N, got) != 0)
				continue;	/* not on this processor */
			for (i = 0; i < N; i++)
				assert_true(got[i] == want[i]);
		}
		free(v);
		free(q);
		free(scale);
		free(rows);
		free(qq.qi);
		free(qq.qu);
	}
}

/* The row of a vector: clamping, NaN, the zero vector, the padding. */
static void
test_encode_edges(void **state)
{
	float scale[5] = { 1, 1, 1, 0, 2 }, v[5] = { 2, -2, 0.5f, 0, NAN };
	unsigned char row[QUANT_ROW(5)];
	const int8_t *x = (const int8_t *)(row + QUANT_HEAD);
	float inv, zero[5] = { 0 }, q[5] = { 0 };
	int32_t sum;
	int8_t qi[QUANT_QLEN(5)];
	uint8_t qu[QUANT_QLEN(5)];
	struct quant_query qq = { qi, qu, 1 };

	(void)state;
	quant_scale_finish(scale, 5);
	assert_true(scale[3] == 1);
	memset(row, 0xff, sizeof(row));
	quant_encode(scale, v, 5, row);
	assert_int_equal(x[0], 127);
	assert_int_equal(x[1], -127);
	assert_int_equal(x[2], 64);	/* 63.5 rounds to even */
	assert_int_equal(x[3], 0);
	assert_int_equal(x[4], 0);	/* NaN */
	assert_int_equal(x[5], 0);	/* padding */
	assert_int_equal(x[7], 0);
	memcpy(&sum, row + 4, 4);
	assert_int_equal(sum, 127 - 127 + 64);
	quant_encode(scale, zero, 5, row);
	memcpy(&inv, row, 4);
	assert_true(inv == 0);
	quant_query(scale, q, 5, &qq);
	assert_true(qq.mul == 0);
	assert_int_equal(qu[0], 128);
}

/* ------------------------------------------------------- the store's copy */

static char dir[256];

static int
setup(void **state)
{
	(void)state;
	return tu_scratch_new(dir, sizeof(dir), "test_quant");
}

static int
teardown(void **state)
{
	(void)state;
	return tu_scratch_free(dir);
}

enum { DIMS = 48, CLUSTERS = 40 };
static float centres[CLUSTERS][DIMS];

/* A vector near centre c. */
static void
near(float *v, size_t c, double noise)
{
	size_t d;

	for (d = 0; d < DIMS; d++)
		v[d] = centres[c][d] + (float)(noise * tu_gauss());
	tu_unit(v, DIMS);
}

/* Puts document "dN" with n chunks (vectors near centre (N + k) % C). */
static void
put_doc(quarry_store *st, unsigned doc, size_t n, unsigned version)
{
	json_t *recs[16];
	char name[32], id[48], text[64], hex[33];
	float v[DIMS];
	size_t k, d, bad;

	assert_true(n <= 16);
	snprintf(name, sizeof(name), "d%u", doc);
	for (k = 0; k < n; k++) {
		json_t *emb = json_array();

		near(v, (doc + k) % CLUSTERS, 0.08);
		for (d = 0; d < DIMS; d++)
			json_array_append_new(emb, json_real(v[d]));
		snprintf(id, sizeof(id), "%s#%zu", name, k);
		snprintf(text, sizeof(text), "%s v%u", id, version);
		quarry_hash_hex(text, strlen(text), hex);
		recs[k] = json_pack("{s:s,s:s,s:i,s:s,s:s,s:o,s:s}", "doc",
		    name, "id", id, "chunk", (int)k, "text", text, "hash", hex,
		    "embedding", emb, "model", "test/48");
		assert_non_null(recs[k]);
	}
	assert_true(quarry_store_put(st, recs, n, NULL, &bad) >= 0);
	for (k = 0; k < n; k++)
		json_decref(recs[k]);
}

/* The top 10 slots of q by f32 and by prec; returns how many agree. */
static size_t
agree(quarry_store *st, const float *q, enum quarry_search_precision prec,
    unsigned rescore)
{
	quarry_search *s;
	const quarry_search_hit *h;
	quarry_search_stats ss;
	char a[10][64], b[10][64];
	size_t n, m, i, j, same = 0;

	assert_int_equal(quarry_search_new(&s, st), 0);
	quarry_search_set_mode(s, QUARRY_MODE_VECTOR);
	quarry_search_set_k(s, 10);
	assert_int_equal(quarry_search_set_precision(s, QUARRY_PRECISION_F32,
	    1), 0);
	assert_int_equal(quarry_search_run(s, q, DIMS, &h, &n), 0);
	for (i = 0; i < n; i++)
		snprintf(a[i], sizeof(a[i]), "%s", h[i].id);
	assert_int_equal(quarry_search_set_precision(s, prec, rescore), 0);
	assert_int_equal(quarry_search_run(s, q, DIMS, &h, &m), 0);
	quarry_search_get_stats(s, &ss);
	assert_int_equal(ss.int8, prec == QUARRY_PRECISION_INT8);
	assert_int_equal(ss.bit, prec == QUARRY_PRECISION_BIT);
	assert_int_equal(m, n);
	for (i = 0; i < m; i++)
		snprintf(b[i], sizeof(b[i]), "%s", h[i].id);
	for (i = 0; i < n; i++)
		for (j = 0; j < m; j++)
			if (strcmp(a[i], b[j]) == 0) {
				same++;
				break;
			}
	quarry_search_free(s);
	return same;
}

static void
test_store_copy(void **state)
{
	quarry_store *st;
	quarry_search *s;
	quarry_store_info info;
	char path[300], name[32];
	float q[DIMS];
	uint64_t n = 0;
	size_t i, same = 0, bsame = 0, total = 0;
	unsigned doc;

	(void)state;
	tu_rng = 2026;
	for (i = 0; i < CLUSTERS; i++) {
		size_t d;

		for (d = 0; d < DIMS; d++)
			centres[i][d] = (float)tu_gauss();
		tu_unit(centres[i], DIMS);
	}
	snprintf(path, sizeof(path), "%s/kb", dir);
	assert_int_equal(quarry_store_open(&st, path, QUARRY_STORE_CREATE), 0);
	/* No vectors yet: nothing to quantize. */
	assert_int_equal(quarry_store_quantize(st, "int8", &n), QUARRY_EINVAL);
	assert_int_equal(quarry_store_quantize(st, "int4", &n), QUARRY_EINVAL);
	for (doc = 0; doc < 300; doc++)
		put_doc(st, doc, 1 + doc % 9, 1);
	assert_int_equal(quarry_store_commit(st), 0);
	/* Without a copy, INT8 is refused and AUTO scans float32. */
	assert_int_equal(quarry_search_new(&s, st), 0);
	assert_int_equal(quarry_search_set_precision(s, QUARRY_PRECISION_INT8,
	    4), QUARRY_EINVAL);
	quarry_search_free(s);
	assert_int_equal(quarry_store_quantize(st, "int8,bit,", &n),
	    QUARRY_EINVAL);
	assert_int_equal(quarry_store_quantize(st, "int8,bit", &n), 0);
	assert_int_equal(n, 1491);	/* the sum of 1 + doc % 9 */
	assert_int_equal(quarry_store_stats(st, &info), 0);
	assert_string_equal(info.quant, "int8,bit");
	assert_true(info.quant_bytes > 0);
	assert_int_equal(quarry_store_check(st, NULL, NULL), 0);

	/* Writes keep the copy exact: new documents, new versions (every
	 * chunk changed), deletions down to compaction. */
	for (doc = 300; doc < 340; doc++)
		put_doc(st, doc, 5, 1);
	for (doc = 0; doc < 100; doc++)
		put_doc(st, doc, 3, 2);
	for (doc = 100; doc < 250; doc++) {
		snprintf(name, sizeof(name), "d%u", doc);
		assert_int_equal(quarry_store_delete(st, name), 0);
	}
	assert_int_equal(quarry_store_commit(st), 0);
	assert_int_equal(quarry_store_check(st, NULL, NULL), 0);

	/* int8 and bit with re-scoring find the exact top 10. */
	for (i = 0; i < 50; i++) {
		near(q, (size_t)(tu_urand() * CLUSTERS) % CLUSTERS, 0.2);
		same += agree(st, q, QUARRY_PRECISION_INT8, 4);
		bsame += agree(st, q, QUARRY_PRECISION_BIT, 0);
		total += 10;
	}
	assert_true((double)same / (double)total >= 0.99);
	assert_true((double)bsame / (double)total >= 0.99);

	/* The 1-bit copy alone. */
	assert_int_equal(quarry_store_quantize(st, "bit", NULL), 0);
	assert_int_equal(quarry_store_stats(st, &info), 0);
	assert_string_equal(info.quant, "bit");
	assert_int_equal(quarry_store_check(st, NULL, NULL), 0);
	assert_int_equal(quarry_search_new(&s, st), 0);
	assert_int_equal(quarry_search_set_precision(s, QUARRY_PRECISION_INT8,
	    4), QUARRY_EINVAL);
	assert_int_equal(quarry_search_set_precision(s, QUARRY_PRECISION_BIT,
	    0), 0);
	quarry_search_free(s);

	/* Dropping the copy. */
	assert_int_equal(quarry_store_quantize(st, "none", NULL), 0);
	assert_int_equal(quarry_store_stats(st, &info), 0);
	assert_string_equal(info.quant, "");
	assert_int_equal(quarry_store_check(st, NULL, NULL), 0);
	quarry_store_close(st);

	/* Reopened, the store still has no copy; made again, it is exact. */
	assert_int_equal(quarry_store_open(&st, path, 0), 0);
	assert_int_equal(quarry_store_quantize(st, "int8", &n), 0);
	assert_int_equal(quarry_store_check(st, NULL, NULL), 0);
	quarry_store_close(st);
}

/* The 1-bit copy: rows from the definition (bits above the center, unused
 * bits zero, NaN never set), kernels equal to each other and to the
 * definition's score, for sizes around the word boundaries. */
static void
test_bits(void **state)
{
	static const size_t sizes[] = { 1, 7, 63, 64, 65, 127, 128, 130, 384,
	    1000 };
	size_t si, d, i, j;

	(void)state;
	tu_rng = 7;
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		size_t dims = sizes[si], nw = BIT_WORDS(dims), nrows = 37;
		float *center = malloc(dims * sizeof(float));
		float *spread = malloc(dims * sizeof(float));
		float *vec = malloc(dims * sizeof(float));
		float *q = malloc(dims * sizeof(float));
		double *sum = calloc(dims, sizeof(double));
		double *sumsq = calloc(dims, sizeof(double));
		unsigned char *rows = malloc(nrows * BIT_ROW(dims));
		uint64_t *planes = malloc(BIT_QBITS * BIT_ROW(dims));
		uint32_t *idx = malloc(nrows * sizeof(uint32_t));
		float *a = malloc(nrows * sizeof(float));
		float *b = malloc(nrows * sizeof(float));
		struct bit_query bq;

		assert_non_null(center);
		assert_non_null(spread);
		assert_non_null(vec);
		assert_non_null(q);
		assert_non_null(sum);
		assert_non_null(sumsq);
		assert_non_null(rows);
		assert_non_null(planes);
		assert_non_null(idx);
		assert_non_null(a);
		assert_non_null(b);
		/* Dimension d has mean d / dims and spread 1 + d % 3. */
		for (i = 0; i < 200; i++) {
			for (d = 0; d < dims; d++)
				vec[d] = (float)((double)d / (double)dims +
				    (1 + d % 3) * tu_gauss());
			bit_moments_add(sum, sumsq, vec, dims);
		}
		bit_moments_finish(sum, sumsq, 200, center, spread, dims);
		for (d = 0; d < dims; d++) {
			assert_true(fabs(center[d] - (double)d /
			    (double)dims) < 0.5 * (1 + d % 3));
			assert_true(spread[d] > 0.6 * (1 + d % 3) &&
			    spread[d] < 1.4 * (1 + d % 3));
		}
		for (i = 0; i < nrows; i++) {
			uint64_t w;

			for (d = 0; d < dims; d++)
				vec[d] = (float)tu_gauss();
			if (i == 3)
				vec[0] = NAN;
			bit_encode(center, vec, dims, rows + i * BIT_ROW(dims));
			for (d = 0; d < nw * 64; d++) {
				memcpy(&w, rows + i * BIT_ROW(dims) + d / 64 *
				    8, 8);
				assert_int_equal((int)(w >> (d % 64) & 1),
				    d < dims && vec[d] > center[d]);
			}
			idx[i] = (uint32_t)(nrows - 1 - i);
		}
		for (d = 0; d < dims; d++)
			q[d] = (float)tu_gauss();
		bq.planes = planes;
		bit_query(spread, q, dims, &bq);
		bit_score_rows(&bq, dims, rows, idx, nrows, a);
		assert_int_equal(bit_score_rows_with("generic", &bq, dims, rows,
		    idx, nrows, b), 0);
		assert_memory_equal(a, b, nrows * sizeof(float));
		if (bit_score_rows_with("popcnt", &bq, dims, rows, idx, nrows,
		    b) == 0)
			assert_memory_equal(a, b, nrows * sizeof(float));
		if (bit_score_rows_with("avx512", &bq, dims, rows, idx, nrows,
		    b) == 0)
			assert_memory_equal(a, b, nrows * sizeof(float));
		for (j = 0; j < nrows; j++) {
			double r = bit_score_ref(&bq, dims,
			    rows + idx[j] * BIT_ROW(dims));

			/* float32 sums of terms up to this size */
			double mag = fabs(bq.c) + (fabs(bq.lo2) +
			    15 * fabs(bq.step2)) * (double)dims;

			assert_true(fabs(a[j] - r) <= 1e-6 * mag);
		}
		free(center);
		free(spread);
		free(vec);
		free(q);
		free(sum);
		free(sumsq);
		free(rows);
		free(planes);
		free(idx);
		free(a);
		free(b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scores_against_f32),
		cmocka_unit_test(test_kernels_agree),
		cmocka_unit_test(test_encode_edges),
		cmocka_unit_test(test_bits),
		cmocka_unit_test_setup_teardown(test_store_copy, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
