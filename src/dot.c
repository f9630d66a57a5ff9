/*
 * dot.c: the float32 kernel shared by the exact scan (search.c) and the
 * HNSW graph (hnsw.c): a dot product and the second vector's squared norm
 * in one pass.
 */
#include "config.h"

#include <string.h>

#include "dot_private.h"

/* Eight floats: GCC and Clang's vector extension, which they compile to
 * one AVX register or two SSE ones, whichever the target has. */
typedef float v8sf __attribute__((vector_size(32)));

/* The sum of the lanes of the v8sf v. */
#define HSUM8(v) ((((v)[0] + (v)[4]) + ((v)[1] + (v)[5])) + \
	(((v)[2] + (v)[6]) + ((v)[3] + (v)[7])))

/*
 * Returns q.v and stores v.v in *vv.  Written with vector types rather than
 * left to the auto-vectoriser: its four accumulators (two for each sum) stay
 * in registers, and the compiler may not reassociate a plain float loop into
 * them on its own.  On x86-64 a clone for AVX2 and FMA is chosen at load
 * time when the processor has them (the default build is generic x86-64).
 * The loop is bound by memory, not by arithmetic: a wider one (AVX-512) or
 * one that scores four vectors at once (keeping the query's loads shared)
 * was measured no faster, the latter slower (four interleaved streams).
 */
#if defined(__x86_64__) && defined(__linux__) && !defined(__clang__) && \
    __GNUC__ >= 11 && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
float
dot2(const float *restrict q, const float *restrict v, size_t n, float *vv)
{
	v8sf a0 = { 0 }, a1 = { 0 }, b0 = { 0 }, b1 = { 0 }, x, y;
	float d = 0, s = 0;
	size_t i;

	for (i = 0; i + 16 <= n; i += 16) {
		memcpy(&x, q + i, sizeof(x));
		memcpy(&y, v + i, sizeof(y));
		a0 += x * y;
		b0 += y * y;
		memcpy(&x, q + i + 8, sizeof(x));
		memcpy(&y, v + i + 8, sizeof(y));
		a1 += x * y;
		b1 += y * y;
	}
	for (; i < n; i++) {
		d += q[i] * v[i];
		s += v[i] * v[i];
	}
	a0 += a1;
	b0 += b1;
	*vv = HSUM8(b0) + s;
	return HSUM8(a0) + d;
}
