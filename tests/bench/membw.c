/*
 * membw: measures the machine's memory read bandwidth, for
 * tests/bench/search.sh: THREADS threads sum the floats of a buffer of
 * MB megabytes (much larger than any cache), each its own contiguous part,
 * several times, as plainly as the compiler makes it (a loop of loads and
 * adds: a read and a computation, as the scan's, with no non-temporal or
 * other tricks that a scan could not use).  The sum is also timed with the
 * scan's help for the memory system (src/search.c: a byte of each page read
 * ahead of time, cache lines prefetched), so that the reference is never
 * weaker than what the scan does; the best pass of either is printed as
 * "membw_gbs N" ("membw_1thread_gbs N" for one thread), and each as
 * membw_plain_gbs and membw_touch_gbs (membw_1thread_plain_gbs, ...).
 *
 * usage: membw [MB] [THREADS]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../testutil.h"

struct part {
	const float *p;
	size_t n;
	int touch;
	float sum;
	pthread_t tid;
};

/* The distances of src/search.c, in floats: pages are read 96 KB ahead in
 * groups of 24 KB, cache lines prefetched 8 KB ahead. */
#define TOUCH (96 * 256)
#define GROUP (24 * 256)
#define AHEAD (8 * 256)

static void *
sum(void *arg)
{
	struct part *pt = arg;
	float a[16] = { 0 };
	size_t i, j, g, t;

	if (!pt->touch) {
		for (i = 0; i + 16 <= pt->n; i += 16)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 16
#endif
			for (j = 0; j < 16; j++)
				a[j] += pt->p[i + j];
	} else {
		for (t = 0; t < TOUCH + GROUP && t < pt->n; t += 1024)
			(void)*(const volatile float *)(pt->p + t);
		for (g = 0; g + GROUP <= pt->n; g += GROUP) {
			for (t = g + TOUCH; t < g + TOUCH + GROUP && t < pt->n;
			    t += 1024)
				(void)*(const volatile float *)(pt->p + t);
			for (i = g; i < g + GROUP; i += 16) {
				__builtin_prefetch(pt->p + i + AHEAD);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 16
#endif
				for (j = 0; j < 16; j++)
					a[j] += pt->p[i + j];
			}
		}
		for (i = g; i + 16 <= pt->n; i += 16)
			for (j = 0; j < 16; j++)
				a[j] += pt->p[i + j];
	}
	for (j = 0; j < 16; j++)
		pt->sum += a[j];
	return NULL;
}

static double
pass(const float *buf, size_t n, unsigned nt, int touch)
{
	struct part pt[64];
	double t0, best = 1e9, t;
	unsigned i, r;
	float total = 0;

	for (r = 0; r < 5; r++) {
		t0 = tu_now();
		for (i = 0; i < nt; i++) {
			pt[i].p = buf + n / nt * i;
			pt[i].n = n / nt;
			pt[i].touch = touch;
			pt[i].sum = 0;
			pthread_create(&pt[i].tid, NULL, sum, &pt[i]);
		}
		for (i = 0; i < nt; i++) {
			pthread_join(pt[i].tid, NULL);
			total += pt[i].sum;
		}
		if ((t = tu_now() - t0) < best)
			best = t;
	}
	if (total == 12345.0f)
		puts("");
	return (double)n * sizeof(float) / best / 1e9;
}

int
main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 2048;
	unsigned nt = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 2;
	size_t n = mb * 1048576 / sizeof(float);
	float *buf = malloc(n * sizeof(float));
	double p1, t1, p, t;

	if (buf == NULL || nt == 0 || nt > 64)
		return 1;
	memset(buf, 1, n * sizeof(float));
	p1 = pass(buf, n, 1, 0);
	t1 = pass(buf, n, 1, 1);
	p = pass(buf, n, nt, 0);
	t = pass(buf, n, nt, 1);
	printf("membw_1thread_gbs %.2f\n", p1 > t1 ? p1 : t1);
	printf("membw_gbs %.2f\n", p > t ? p : t);
	printf("membw_plain_gbs %.2f\n", p);
	printf("membw_touch_gbs %.2f\n", t);
	printf("membw_1thread_plain_gbs %.2f\n", p1);
	printf("membw_1thread_touch_gbs %.2f\n", t1);
	free(buf);
	return 0;
}
