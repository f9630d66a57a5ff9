/*
 * quant.c: int8 quantization of vectors and the integer kernels that score
 * a quantized query against quantized rows.  The scheme and the row layout
 * are in quant_private.h; the stored form in man/quarry-store.5.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "quant_private.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_X86_KERNELS 1
#endif

/*
 * The scoring kernels.  Each family (int8 rows, 1-bit rows) has a table of
 * them, best first, ending with a generic one that runs anywhere and a
 * NULL name: a kernel runs when the processor has all the features it
 * needs.  q is the family's query (struct quant_query, struct bit_query).
 */
typedef void kernel_fn(const void *q, size_t dims, const unsigned char *rows,
    const uint32_t *idx, size_t n, float *out);

struct kernel {
	const char *name;	/* for *_score_rows_with() */
	unsigned needs;		/* CPU_* features */
	kernel_fn *fn;
};

enum {
	CPU_KNOWN = 1,		/* the features below have been asked for */
	CPU_AVX2 = 2,
	CPU_AVX512F = 4,
	CPU_AVX512BW = 8,
	CPU_AVX512VNNI = 16,
	CPU_AVX512VPOPCNTDQ = 32,
	CPU_POPCNT = 64
};

/* The processor's features (CPU_*), asked for once per process. */
static unsigned
cpu_features(void)
{
	static unsigned known;
	unsigned f = __atomic_load_n(&known, __ATOMIC_RELAXED);

	if (f & CPU_KNOWN)
		return f;
	f = CPU_KNOWN;
#ifdef HAVE_X86_KERNELS
	__builtin_cpu_init();
	f |= (__builtin_cpu_supports("avx2") ? CPU_AVX2 : 0) |
	    (__builtin_cpu_supports("avx512f") ? CPU_AVX512F : 0) |
	    (__builtin_cpu_supports("avx512bw") ? CPU_AVX512BW : 0) |
	    (__builtin_cpu_supports("avx512vnni") ? CPU_AVX512VNNI : 0) |
	    (__builtin_cpu_supports("avx512vpopcntdq") ?
	    CPU_AVX512VPOPCNTDQ : 0) |
	    (__builtin_cpu_supports("popcnt") ? CPU_POPCNT : 0);
#endif
	__atomic_store_n(&known, f, __ATOMIC_RELAXED);
	return f;
}

static int
kernel_runs(const struct kernel *k)
{
	return (k->needs & cpu_features()) == k->needs;
}

/* The first kernel of table t that this processor runs. */
static const struct kernel *
kernel_best(const struct kernel *t)
{
	while (!kernel_runs(t))
		t++;
	return t;
}

/* Runs the kernel of t called name and returns 0; returns -1 when there is
 * none or the processor lacks what it needs. */
static int
kernel_run_named(const struct kernel *t, const char *name, const void *q,
    size_t dims, const unsigned char *rows, const uint32_t *idx, size_t n,
    float *out)
{
	for (; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0) {
			if (!kernel_runs(t))
				return -1;
			t->fn(q, dims, rows, idx, n, out);
			return 0;
		}
	return -1;
}

void
quant_scale_add(float *scale, const float *vec, size_t dims)
{
	size_t d;

	for (d = 0; d < dims; d++) {
		float a = fabsf(vec[d]);

		if (a > scale[d])	/* false for NaN: it never widens */
			scale[d] = a;
	}
}

void
quant_scale_finish(float *scale, size_t dims)
{
	size_t d;

	for (d = 0; d < dims; d++)
		if (!(scale[d] > 0) || !isfinite(scale[d]))
			scale[d] = 1;
}

/* round(127 x / s) clamped to [-127, 127]; NaN gives 0. */
static int8_t
q8(float x, float s)
{
	float r = x / s * 127.0f;

	if (!(r == r))
		return 0;
	if (r >= 127.0f)
		return 127;
	if (r <= -127.0f)
		return -127;
	return (int8_t)lrintf(r);
}

void
quant_encode(const float *scale, const float *vec, size_t dims,
    unsigned char *row)
{
	int8_t *x = (int8_t *)(row + QUANT_HEAD);
	double n = 0;
	int32_t sum = 0;
	float inv;
	size_t d;

	for (d = 0; d < dims; d++) {
		n += (double)vec[d] * vec[d];
		x[d] = q8(vec[d], scale[d]);
		sum += x[d];
	}
	memset(x + dims, 0, QUANT_ROW(dims) - QUANT_HEAD - dims);
	inv = n > 0 && isfinite(n) ? (float)(1.0 / sqrt(n)) : 0.0f;
	memcpy(row, &inv, sizeof(inv));
	memcpy(row + sizeof(inv), &sum, sizeof(sum));
}

void
quant_query(const float *scale, const float *q, size_t dims,
    struct quant_query *qq)
{
	float m = 0, u;
	size_t d;

	for (d = 0; d < dims; d++) {
		u = fabsf(q[d] * scale[d]);
		if (u > m)
			m = u;
	}
	memset(qq->qi, 0, QUANT_QLEN(dims));
	memset(qq->qu, 128, QUANT_QLEN(dims));
	qq->mul = 0;
	if (!(m > 0) || !isfinite(m))
		return;
	for (d = 0; d < dims; d++) {
		qq->qi[d] = q8(q[d] * scale[d], m);
		qq->qu[d] = (uint8_t)(qq->qi[d] + 128);
	}
	/* u[d] = q[d] scale[d] / 127 ~ qi[d] m / 127^2 */
	qq->mul = m / (127.0f * 127.0f);
}

int32_t
quant_dot(const int8_t *qi, const int8_t *x, size_t dims)
{
	int32_t s = 0;
	size_t d;

	for (d = 0; d < dims; d++)
		s += (int32_t)qi[d] * x[d];
	return s;
}

static float
row_inv(const unsigned char *r)
{
	float inv;

	memcpy(&inv, r, sizeof(inv));
	return inv;
}

static void
score_generic(const void *q, size_t dims, const unsigned char *rows,
    const uint32_t *idx, size_t n, float *out)
{
	const struct quant_query *qq = q;
	size_t i, stride = QUANT_ROW(dims);

	for (i = 0; i < n; i++) {
		const unsigned char *r = rows + (size_t)idx[i] * stride;

		out[i] = qq->mul * (float)quant_dot(qq->qi,
		    (const int8_t *)(r + QUANT_HEAD), dims) * row_inv(r);
	}
}

#ifdef HAVE_X86_KERNELS
/*
 * AVX2, 32 products a step: _mm256_maddubs_epi16 multiplies unsigned by
 * signed bytes, so the query's magnitudes are the unsigned side and its
 * signs move onto the row's bytes (_mm256_sign_epi8).  Both sides are
 * within [-127, 127], so a pair of products (at most 2 x 127^2) never
 * saturates the 16-bit sums.
 */
__attribute__((target("avx2"))) static void
score_avx2(const void *q, size_t dims, const unsigned char *rows,
    const uint32_t *idx, size_t n, float *out)
{
	const struct quant_query *qq = q;
	size_t i, d, stride = QUANT_ROW(dims), full = dims & ~(size_t)31;
	const __m256i ones = _mm256_set1_epi16(1);
	const int8_t *qi = qq->qi;

	for (i = 0; i < n; i++) {
		const unsigned char *r = rows + (size_t)idx[i] * stride;
		const int8_t *x = (const int8_t *)(r + QUANT_HEAD);
		__m256i acc = _mm256_setzero_si256(), a, b, p;
		__m128i h;
		int32_t s;

		for (d = 0; d < full; d += 32) {
			a = _mm256_loadu_si256((const __m256i *)(qi + d));
			b = _mm256_loadu_si256((const __m256i *)(x + d));
			p = _mm256_maddubs_epi16(_mm256_sign_epi8(a, a),
			    _mm256_sign_epi8(b, a));
			acc = _mm256_add_epi32(acc, _mm256_madd_epi16(p, ones));
		}
		h = _mm_add_epi32(_mm256_castsi256_si128(acc),
		    _mm256_extracti128_si256(acc, 1));
		h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4e));
		h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xb1));
		s = _mm_cvtsi128_si32(h);
		for (; d < dims; d++)
			s += (int32_t)qi[d] * x[d];
		out[i] = qq->mul * (float)s * row_inv(r);
	}
}

/*
 * AVX-512 VNNI, 64 products a step: vpdpbusd multiplies the unsigned qu by
 * the row's signed bytes and adds groups of four into 32-bit lanes, with no
 * 16-bit stage to saturate; qu.x - 128 sum(x) (the row's stored sum) is
 * qi.x.  The last partial step loads only the row's bytes (a masked load
 * never touches the bytes past the row).
 */
__attribute__((target("avx512f,avx512bw,avx512vnni"))) static void
score_vnni(const void *q, size_t dims, const unsigned char *rows,
    const uint32_t *idx, size_t n, float *out)
{
	const struct quant_query *qq = q;
	size_t i, d, stride = QUANT_ROW(dims), full = dims & ~(size_t)63;
	const uint8_t *qu = qq->qu;
	__mmask64 tail = dims - full == 0 ? 0 :
	    (__mmask64)(~0ull >> (64 - (dims - full)));

	for (i = 0; i < n; i++) {
		const unsigned char *r = rows + (size_t)idx[i] * stride;
		const int8_t *x = (const int8_t *)(r + QUANT_HEAD);
		__m512i acc = _mm512_setzero_si512(), a, b;
		int32_t sum;

		for (d = 0; d < full; d += 64) {
			a = _mm512_loadu_si512((const void *)(qu + d));
			b = _mm512_loadu_si512((const void *)(x + d));
			acc = _mm512_dpbusd_epi32(acc, a, b);
		}
		if (tail != 0) {
			a = _mm512_loadu_si512((const void *)(qu + d));
			b = _mm512_maskz_loadu_epi8(tail, x + d);
			acc = _mm512_dpbusd_epi32(acc, a, b);
		}
		memcpy(&sum, r + sizeof(float), sizeof(sum));
		out[i] = qq->mul * (float)(_mm512_reduce_add_epi32(acc) -
		    128 * sum) * row_inv(r);
	}
}
#endif

static const struct kernel q8_kernels[] = {
#ifdef HAVE_X86_KERNELS
	{ "vnni", CPU_AVX512F | CPU_AVX512BW | CPU_AVX512VNNI, score_vnni },
	{ "avx2", CPU_AVX2, score_avx2 },
#endif
	{ "generic", 0, score_generic },
	{ NULL, 0, NULL }
};

void
quant_score_rows(const struct quant_query *qq, size_t dims,
    const unsigned char *rows, const uint32_t *idx, size_t n, float *out)
{
	kernel_best(q8_kernels)->fn(qq, dims, rows, idx, n, out);
}

int
quant_score_rows_with(const char *kernel, const struct quant_query *qq,
    size_t dims, const unsigned char *rows, const uint32_t *idx, size_t n,
    float *out)
{
	return kernel_run_named(q8_kernels, kernel, qq, dims, rows, idx, n, out);
}

/* --------------------------------------------------------- the 1-bit copy */

void
bit_moments_add(double *sum, double *sumsq, const float *vec, size_t dims)
{
	size_t d;

	for (d = 0; d < dims; d++)
		if (isfinite(vec[d])) {
			sum[d] += vec[d];
			sumsq[d] += (double)vec[d] * vec[d];
		}
}

void
bit_moments_finish(const double *sum, const double *sumsq, uint64_t n,
    float *center, float *spread, size_t dims)
{
	double m, v;
	size_t d;

	for (d = 0; d < dims; d++) {
		m = n > 0 ? sum[d] / (double)n : 0;
		v = n > 0 ? sumsq[d] / (double)n - m * m : 0;
		center[d] = isfinite(m) ? (float)m : 0.0f;
		spread[d] = v > 0 && isfinite(v) ? (float)sqrt(v) : 1.0f;
		if (!(spread[d] > 0) || !isfinite(spread[d]))
			spread[d] = 1.0f;
	}
}

void
bit_encode(const float *center, const float *vec, size_t dims,
    unsigned char *row)
{
	uint64_t w[64];		/* a chunk of words at a time */
	size_t d, i, nw = BIT_WORDS(dims);

	for (i = 0; i < nw; i += 64) {
		size_t n = nw - i < 64 ? nw - i : 64, j;

		memset(w, 0, n * sizeof(w[0]));
		for (j = 0; j < n; j++)
			for (d = (i + j) * 64; d < (i + j + 1) * 64 && d < dims;
			    d++)
				if (vec[d] > center[d])	/* false for NaN */
					w[j] |= (uint64_t)1 << (d % 64);
		memcpy(row + i * sizeof(w[0]), w, n * sizeof(w[0]));
	}
}

void
bit_query(const float *spread, const float *q, size_t dims,
    struct bit_query *bq)
{
	const unsigned top = (1u << BIT_QBITS) - 1;
	size_t d, p, nw = BIT_WORDS(dims);
	float lo = 0, hi = 0, x, step;
	double sumu = 0;
	unsigned u;

	memset(bq->planes, 0, BIT_QBITS * nw * sizeof(uint64_t));
	for (d = 0; d < dims; d++) {
		x = q[d] * spread[d];
		if (!isfinite(x))
			continue;
		if (d == 0 || x < lo)
			lo = x;
		if (d == 0 || x > hi)
			hi = x;
	}
	step = hi > lo ? (hi - lo) / (float)top : 0.0f;
	for (d = 0; d < dims; d++) {
		x = q[d] * spread[d];
		u = 0;
		if (step > 0 && isfinite(x)) {
			float r = (x - lo) / step;

			u = r <= 0 ? 0 : r >= (float)top ? top :
			    (unsigned)lrintf(r);
		}
		sumu += u;
		for (p = 0; p < BIT_QBITS; p++)
			if (u >> p & 1)
				bq->planes[p * nw + d / 64] |=
				    (uint64_t)1 << (d % 64);
	}
	bq->lo2 = 2 * lo;
	bq->step2 = 2 * step;
	/* C = lo dims + step sum(u) */
	bq->c = (float)((double)lo * (double)dims + (double)step * sumu);
}

double
bit_score_ref(const struct bit_query *bq, size_t dims,
    const unsigned char *row)
{
	size_t d, p, nw = BIT_WORDS(dims);
	double s = 0, lo = bq->lo2 / 2.0, step = bq->step2 / 2.0;

	for (d = 0; d < dims; d++) {
		uint64_t w;
		unsigned u = 0;

		for (p = 0; p < BIT_QBITS; p++)
			u |= (unsigned)(bq->planes[p * nw + d / 64] >>
			    (d % 64) & 1) << p;
		memcpy(&w, row + d / 64 * sizeof(w), sizeof(w));
		s += (lo + step * u) * ((w >> (d % 64) & 1) ? 1 : -1);
	}
	return s;
}

/* The one float expression every kernel ends with: compiled once, outside
 * the kernels' targets, so that none contracts it into a fused
 * multiply-add of another rounding. */
static __attribute__((noinline)) float
bit_finish(const struct bit_query *bq, uint64_t pop, uint64_t planes)
{
	return bq->lo2 * (float)pop + bq->step2 * (float)planes - bq->c;
}

/* One word of a row against the query's planes (BIT_QBITS is 4). */
#define BIT_WORD(x, w)							\
	do {								\
		pop += (uint64_t)__builtin_popcountll(x);		\
		acc += (uint64_t)__builtin_popcountll((x) & p0[w]) +	\
		    ((uint64_t)__builtin_popcountll((x) & p1[w]) << 1) + \
		    ((uint64_t)__builtin_popcountll((x) & p2[w]) << 2) + \
		    ((uint64_t)__builtin_popcountll((x) & p3[w]) << 3); \
	} while (0)

#define BIT_KERNEL_BODY							\
	size_t i, w, nw = BIT_WORDS(dims);				\
	const uint64_t *p0 = bq->planes, *p1 = p0 + nw, *p2 = p1 + nw;	\
	const uint64_t *p3 = p2 + nw;					\
									\
	for (i = 0; i < n; i++) {					\
		const uint64_t *r = (const uint64_t *)(const void *)	\
		    (rows + (size_t)idx[i] * BIT_ROW(dims));		\
		uint64_t pop = 0, acc = 0;				\
									\
		for (w = 0; w < nw; w++)				\
			BIT_WORD(r[w], w);				\
		out[i] = bit_finish(bq, pop, acc);			\
	}

#if BIT_QBITS != 4
#error "the kernels below assume 4-bit queries"
#endif

static void
bit_generic(const void *q, size_t dims, const unsigned char *rows,
    const uint32_t *idx, size_t n, float *out)
{
	const struct bit_query *bq = q;
	BIT_KERNEL_BODY
}

#ifdef HAVE_X86_KERNELS
__attribute__((target("popcnt"))) static void
bit_popcnt(const void *q, size_t dims, const unsigned char *rows,
    const uint32_t *idx, size_t n, float *out)
{
	const struct bit_query *bq = q;
	BIT_KERNEL_BODY
}

/*
 * AVX-512 VPOPCNTDQ, eight words a step: the row's words (a masked load
 * for the last, partial step never reads past the row), their counts and
 * the counts of their AND with each plane, weighted 1, 2, 4, 8 by shifts.
 */
__attribute__((target("avx512f,avx512vpopcntdq"))) static void
bit_avx512(const void *q, size_t dims, const unsigned char *rows,
    const uint32_t *idx, size_t n, float *out)
{
	const struct bit_query *bq = q;
	size_t i, w, nw = BIT_WORDS(dims);
	const uint64_t *p0 = bq->planes, *p1 = p0 + nw, *p2 = p1 + nw;
	const uint64_t *p3 = p2 + nw;

	for (i = 0; i < n; i++) {
		const uint64_t *r = (const uint64_t *)(const void *)
		    (rows + (size_t)idx[i] * BIT_ROW(dims));
		__m512i vp = _mm512_setzero_si512(), va = vp, x, t;

		for (w = 0; w < nw; w += 8) {
			__mmask8 m = nw - w >= 8 ? 0xff :
			    (__mmask8)((1u << (nw - w)) - 1);

			x = _mm512_maskz_loadu_epi64(m, r + w);
			vp = _mm512_add_epi64(vp, _mm512_popcnt_epi64(x));
			t = _mm512_popcnt_epi64(_mm512_and_si512(x,
			    _mm512_maskz_loadu_epi64(m, p0 + w)));
			t = _mm512_add_epi64(t, _mm512_slli_epi64(
			    _mm512_popcnt_epi64(_mm512_and_si512(x,
			    _mm512_maskz_loadu_epi64(m, p1 + w))), 1));
			t = _mm512_add_epi64(t, _mm512_slli_epi64(
			    _mm512_popcnt_epi64(_mm512_and_si512(x,
			    _mm512_maskz_loadu_epi64(m, p2 + w))), 2));
			t = _mm512_add_epi64(t, _mm512_slli_epi64(
			    _mm512_popcnt_epi64(_mm512_and_si512(x,
			    _mm512_maskz_loadu_epi64(m, p3 + w))), 3));
			va = _mm512_add_epi64(va, t);
		}
		out[i] = bit_finish(bq,
		    (uint64_t)_mm512_reduce_add_epi64(vp),
		    (uint64_t)_mm512_reduce_add_epi64(va));
	}
}
#endif

static const struct kernel bit_kernels[] = {
#ifdef HAVE_X86_KERNELS
	{ "avx512", CPU_AVX512F | CPU_AVX512VPOPCNTDQ, bit_avx512 },
	{ "popcnt", CPU_POPCNT, bit_popcnt },
#endif
	{ "generic", 0, bit_generic },
	{ NULL, 0, NULL }
};

void
bit_score_rows(const struct bit_query *bq, size_t dims,
    const unsigned char *rows, const uint32_t *idx, size_t n, float *out)
{
	kernel_best(bit_kernels)->fn(bq, dims, rows, idx, n, out);
}

int
bit_score_rows_with(const char *kernel, const struct bit_query *bq,
    size_t dims, const unsigned char *rows, const uint32_t *idx, size_t n,
    float *out)
{
	return kernel_run_named(bit_kernels, kernel, bq, dims, rows, idx, n, out);
}
