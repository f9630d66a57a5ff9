/*
 * testutil.h: what the C tests and benchmarks share: a seeded xorshift
 * generator with uniform, Gaussian and unit-vector draws (the same
 * sequences everywhere, so that a test and a bench given the same seed
 * build the same vectors), the cosine in double precision, the scratch
 * directory of a cmocka group, a monotonic clock for timings, and the lines
 * of a tiktoken rank file.  Header only: each program takes what it uses.
 */
#ifndef QUARRY_TESTUTIL_H
#define QUARRY_TESTUTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "clock_private.h"
#include "quarry.h"

/* The generator's state: set it to seed a sequence (never 0). */
static uint64_t tu_rng = 0x9E3779B97F4A7C15ull;

/* A uniform draw in [0, 1) (xorshift64, the top 53 bits). */
static inline double
tu_urand(void)
{
	tu_rng ^= tu_rng << 13;
	tu_rng ^= tu_rng >> 7;
	tu_rng ^= tu_rng << 17;
	return (double)(tu_rng >> 11) / 9007199254740992.0;
}

/* A standard normal draw (Box-Muller, one of the pair). */
static inline double
tu_gauss(void)
{
	double u = tu_urand(), v = tu_urand();

	return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

/* Scales v[0..d) to unit length (v must not be zero). */
static inline void
tu_unit(float *v, size_t d)
{
	double s = 0;
	size_t i;

	for (i = 0; i < d; i++)
		s += (double)v[i] * v[i];
	s = sqrt(s);
	for (i = 0; i < d; i++)
		v[i] = (float)(v[i] / s);
}

/* The cosine of a and b, in double precision. */
static inline double
tu_cosine(const float *a, const float *b, size_t d)
{
	double x = 0, aa = 0, bb = 0;
	size_t i;

	for (i = 0; i < d; i++) {
		x += (double)a[i] * b[i];
		aa += (double)a[i] * a[i];
		bb += (double)b[i] * b[i];
	}
	return x / (sqrt(aa) * sqrt(bb));
}

/*
 * Makes a new directory /tmp/NAME.XXXXXX in dir[0..size) (a cmocka group's
 * setup); returns 0, or -1 when it cannot.
 */
static inline int
tu_scratch_new(char *dir, size_t size, const char *name)
{
	snprintf(dir, size, "/tmp/%s.XXXXXX", name);
	return mkdtemp(dir) != NULL ? 0 : -1;
}

/* Removes the directory dir and all it holds (the group's teardown). */
static inline int
tu_scratch_free(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Seconds on the monotonic clock, for measuring intervals: libquarry's
 * clock_now() (src/clock_private.h). */
static inline double
tu_now(void)
{
	return clock_now();
}

/* Appends one "BASE64 RANK" line of a tiktoken rank file, for the bytes
 * p[0, n) (any n): 0, or quarry_buf_append()'s code. */
static inline int
tu_rank_line(struct quarry_buf *b, const void *p, size_t n,
    unsigned long rank)
{
	static const char dig[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = p;
	char line[96];
	size_t i, o = 0;
	int rc;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		line[o++] = dig[v >> 18 & 63];
		line[o++] = dig[v >> 12 & 63];
		line[o++] = i + 1 < n ? dig[v >> 6 & 63] : '=';
		line[o++] = i + 2 < n ? dig[v & 63] : '=';
		/* A long token's base64 a part at a time. */
		if (o >= 64) {
			if ((rc = quarry_buf_append(b, line, o)) != 0)
				return rc;
			o = 0;
		}
	}
	o += (size_t)snprintf(line + o, sizeof(line) - o, " %lu\n", rank);
	return quarry_buf_append(b, line, o);
}

#endif
