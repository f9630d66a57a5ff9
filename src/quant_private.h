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
 * the processor lacks it. */
int quant_score_rows_with(const char *kernel, const struct quant_query *qq,
    size_t dims, const unsigned char *rows, const uint32_t *idx, size_t n,
    float *out);

/* The integer dot product of a row's bytes with qi (for tests). */
int32_t quant_dot(const int8_t *qi, const int8_t *x, size_t dims);

#endif
