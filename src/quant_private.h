/*
 * quant_private.h: int8 quantization of vectors (quant.c), shared by the
 * store, which keeps a quantized copy of its vectors beside the float32
 * ones, and the search, which scans that copy and re-scores its best
 * candidates in float32.  The stored layout is in man/quarry-store.5
 * ("vectors8").
 *
 * A vector v of dims floats is kept as one row: its inverse norm 1/|v|
 * (float32, 0 for a zero vector), the sum of its bytes (int32), then dims
 * signed bytes
 * round(127 v[d] / scale[d]), clamped to [-127, 127], where scale[d] is the
 * largest |v[d]| the store saw when the copy was made (per dimension, so a
 * dimension with a small range keeps its precision).  A query q (unit) is
 * quantized the same way against u[d] = q[d] scale[d] / 127, so that
 * q.v/|v| ~ mul * sum(qi[d] x[d]) * inv, with integer products.
 */
#ifndef QUARRY_QUANT_PRIVATE_H
#define QUARRY_QUANT_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of one row for dims dimensions: the float and the sum, then the
 * bytes padded to a multiple of 4 (so every row's header is aligned). */
#define QUANT_HEAD 8
#define QUANT_ROW(dims) (QUANT_HEAD + (((dims) + 3) & ~(size_t)3))

/* Grows scale[0, dims) to cover vec: scale[d] = max(scale[d], |vec[d]|). */
void quant_scale_add(float *scale, const float *vec, size_t dims);

/* Makes scale usable: a dimension never seen non-zero gets 1. */
void quant_scale_finish(float *scale, size_t dims);

/* Writes the row of vec (QUANT_ROW(dims) bytes, padding zeroed). */
void quant_encode(const float *scale, const float *vec, size_t dims,
    unsigned char *row);

/*
 * A quantized query: qi[d] and qu[d] = qi[d] + 128 (for kernels that
 * multiply unsigned by signed bytes: qu.x = qi.x + 128 sum(x)), both padded
 * with zeros (qu with 128) to QUANT_QLEN(dims) bytes, and the multiplier
 * mul of the approximation above (0 when q is zero against scale).
 */
struct quant_query {
	int8_t *qi;
	uint8_t *qu;
	float mul;
};

/* Bytes of qi and of qu for dims dimensions. */
#define QUANT_QLEN(dims) (((dims) + 63) & ~(size_t)63)

/* Fills *qq (its arrays allocated by the caller) from the unit query q. */
void quant_query(const float *scale, const float *q, size_t dims,
    struct quant_query *qq);

/*
 * Scores n rows of a block: rows + idx[i] * QUANT_ROW(dims) for i < n;
 * out[i] = mul * (qi . row bytes) * row inverse norm.  Picks an AVX-512
 * VNNI or AVX2 kernel at run time when the processor has one; results are
 * the same (exact integer sums) whichever runs.
 */
void quant_score_rows(const struct quant_query *qq, size_t dims,
    const unsigned char *rows, const uint32_t *idx, size_t n, float *out);

/* Kernels by name, for tests: "vnni", "avx2", "generic"; returns -1 when
 * the processor lacks it or there is none by that name. */
int quant_score_rows_with(const char *kernel, const struct quant_query *qq,
    size_t dims, const unsigned char *rows, const uint32_t *idx, size_t n,
    float *out);

/* The integer dot product of a row's bytes with qi (for tests). */
int32_t quant_dot(const int8_t *qi, const int8_t *x, size_t dims);

/*
 * The 1-bit copy ("vectors1"): bit d of a vector's row is set when v[d] is
 * above center[d], the mean of dimension d when the copy was made; rows are
 * BIT_WORDS(dims) 64-bit words, bit d in word d / 64 at d % 64, unused bits
 * zero.  A query is scored asymmetrically: it stays (nearly) real-valued,
 * q'[d] = q[d] spread[d] (spread: the dimension's standard deviation, the
 * expected size of v[d] - center[d]) quantized to BIT_QBITS bits as
 * lo + step u[d], and
 *
 *     score(v) = sum(q'[d] (bit ? 1 : -1))
 *              = 2 lo pop(v) + 2 step sum_p 2^p pop(plane_p & v) - C
 *
 * with integer popcounts, so that the score estimates q.(v - center), which
 * orders vectors as q.v does up to their spread around the center.  The
 * search re-scores the best candidates exactly.
 */
#define BIT_WORDS(dims) (((dims) + 63) / 64)
#define BIT_ROW(dims) (BIT_WORDS(dims) * sizeof(uint64_t))
#define BIT_QBITS 4

/* Accumulates the sums and sums of squares of vec's dimensions. */
void bit_moments_add(double *sum, double *sumsq, const float *vec,
    size_t dims);

/* Turns sums over n vectors into center and spread (1 when unknown). */
void bit_moments_finish(const double *sum, const double *sumsq, uint64_t n,
    float *center, float *spread, size_t dims);

/* Writes the row of vec (BIT_ROW(dims) bytes). */
void bit_encode(const float *center, const float *vec, size_t dims,
    unsigned char *row);

/* A query: BIT_QBITS planes of BIT_WORDS(dims) words (plane p holds bit p
 * of every u[d]) and the terms of the score above. */
struct bit_query {
	uint64_t *planes;	/* BIT_QBITS * BIT_WORDS(dims), by the caller */
	float lo2, step2;	/* 2 lo and 2 step */
	float c;		/* the constant C */
};

/* Fills *bq from the unit query q. */
void bit_query(const float *spread, const float *q, size_t dims,
    struct bit_query *bq);

/* Scores n rows: rows + idx[i] * BIT_ROW(dims); the same results whichever
 * kernel runs (integer popcounts, then one float expression). */
void bit_score_rows(const struct bit_query *bq, size_t dims,
    const unsigned char *rows, const uint32_t *idx, size_t n, float *out);

/* The score of one row from the definition, in double (for tests). */
double bit_score_ref(const struct bit_query *bq, size_t dims,
    const unsigned char *row);

/* Kernels by name, for tests: "avx512" (VPOPCNTDQ), "popcnt", "generic";
 * -1 when the processor lacks it or there is none by that name. */
int bit_score_rows_with(const char *kernel, const struct bit_query *bq,
    size_t dims, const unsigned char *rows, const uint32_t *idx, size_t n,
    float *out);

#endif
