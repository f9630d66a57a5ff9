/*
 * membw: measures the machine's memory read bandwidth, for
 * tests/bench/search.sh: THREADS threads sum the floats of a buffer of
 * MB megabytes (much larger than any cache), several times; the best pass
 * is printed as "membw_gbs N" (and "membw_1thread_gbs N" for one thread).
 *
 * usage: membw [MB] [THREADS]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct part {
	const float *p;
	size_t n;
	float sum;
	pthread_t tid;
};

static void *
sum(void *arg)
{
	struct part *pt = arg;
	float a[16] = { 0 };
	size_t i, j;

	for (i = 0; i + 16 <= pt->n; i += 16)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 16
#endif
		for (j = 0; j < 16; j++)
			a[j] += pt->p[i + j];
	for (j = 0; j < 16; j++)
		pt->sum += a[j];
	return NULL;
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double
pass(const float *buf, size_t n, unsigned nt)
{
	struct part pt[64];
	double t0, best = 1e9, t;
	unsigned i, r;
	float total = 0;

	for (r = 0; r < 5; r++) {
		t0 = now();
		for (i = 0; i < nt; i++) {
			pt[i].p = buf + n / nt * i;
			pt[i].n = n / nt;
			pt[i].sum = 0;
			pthread_create(&pt[i].tid, NULL, sum, &pt[i]);
		}
		for (i = 0; i < nt; i++) {
			pthread_join(pt[i].tid, NULL);
			total += pt[i].sum;
		}
		if ((t = now() - t0) < best)
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

	if (buf == NULL || nt == 0 || nt > 64)
		return 1;
	memset(buf, 1, n * sizeof(float));
	printf("membw_1thread_gbs %.2f\n", pass(buf, n, 1));
	printf("membw_gbs %.2f\n", pass(buf, n, nt));
	free(buf);
	return 0;
}
