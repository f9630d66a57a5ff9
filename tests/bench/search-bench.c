/*
 * search-bench: the quarry side of tests/bench/search.sh.
 *
 * usage: search-bench gen -n N -d DIMS -C CLUSTERS -q QUERIES DIR
 *        search-bench run -j THREADS -r REPEAT DIR
 *        search-bench quant -j THREADS -r REPEAT DIR
 *
 * "gen" writes N synthetic clustered unit vectors (CLUSTERS random centres,
 * each vector a centre plus Gaussian noise, normalised) into the store
 * DIR/kb through quarry_store_put(), as documents of 10 chunks each whose
 * "category" is c00 to c99 by document (so each category holds 1% of the
 * chunks, in runs), and the same vectors as raw float32 to DIR/vectors.f32,
 * with QUERIES query vectors (near random centres) in DIR/queries.f32.
 * It commits every million vectors.
 *
 * "run" opens the store and times, per query (the embedding excluded, the
 * filter planning included): the scan on one thread and on THREADS
 * threads, a --where category=c07 filter (1%), the same for every query,
 * and a 1% filter on another category for each query (so that the vectors
 * it selects are not left in the processor's caches by the query before:
 * "cold").  It prints one "key value" line per figure, and the top-10 "n"
 * of each query to DIR/quarry-top.txt for comparison with faiss.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "quarry.h"
#include "../testutil.h"

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
gen(const char *dir, size_t n, size_t d, size_t nc, size_t nq)
{
	char path[4096], model[64], id[96], doc[64], cat[8];
	float *cent, *v;
	json_t *recs[10];
	quarry_store *st;
	size_t i, j, c, ndoc, bad;
	FILE *fv, *fq;
	int rc;

	cent = malloc(nc * d * sizeof(float));
	v = malloc(d * sizeof(float));
	for (c = 0; c < nc; c++) {
		for (j = 0; j < d; j++)
			cent[c * d + j] = (float)tu_gauss();
		tu_unit(cent + c * d, d);
	}
	snprintf(path, sizeof(path), "%s/kb", dir);
	if ((rc = quarry_store_open(&st, path, QUARRY_STORE_CREATE)) != 0) {
		fprintf(stderr, "%s: %s\n", path, quarry_store_error(st));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/vectors.f32", dir);
	fv = fopen(path, "wb");
	snprintf(path, sizeof(path), "%s/queries.f32", dir);
	fq = fopen(path, "wb");
	snprintf(model, sizeof(model), "hash-v1/%zu", d);
	for (i = 0; i < n; i += 10) {
		ndoc = i / 10;
		snprintf(doc, sizeof(doc), "d%07zu", ndoc);
		snprintf(cat, sizeof(cat), "c%02zu", ndoc % 100);
		for (j = 0; j < 10 && i + j < n; j++) {
			json_t *r = json_object(), *a = json_array();
			size_t k;

			c = (size_t)(tu_urand() * (double)nc) % nc;
			for (k = 0; k < d; k++)
				v[k] = cent[c * d + k] + 0.35f *
				    (float)tu_gauss() / sqrtf((float)d);
			tu_unit(v, d);
			fwrite(v, sizeof(float), d, fv);
			snprintf(id, sizeof(id), "%s#%zu", doc, j);
			json_object_set_new(r, "doc", json_string(doc));
			json_object_set_new(r, "category", json_string(cat));
			json_object_set_new(r, "id", json_string(id));
			json_object_set_new(r, "chunk", json_integer((json_int_t)j));
			json_object_set_new(r, "n", json_integer((json_int_t)(i + j)));
			json_object_set_new(r, "text", json_string(id));
			json_object_set_new(r, "hash", json_string(id));
			for (k = 0; k < d; k++)
				json_array_append_new(a, json_real(v[k]));
			json_object_set_new(r, "embedding", a);
			json_object_set_new(r, "model", json_string(model));
			recs[j] = r;
		}
		if ((rc = quarry_store_put(st, recs, j, NULL, &bad)) < 0) {
			fprintf(stderr, "put: %s\n", quarry_store_error(st));
			return 1;
		}
		while (j > 0)
			json_decref(recs[--j]);
		/* One commit a million vectors keeps the writer's memory
		 * flat at 10M. */
		if ((i + 10) % 1000000 == 0 && i + 10 < n &&
		    (rc = quarry_store_commit(st)) != 0) {
			fprintf(stderr, "commit: %s\n", quarry_store_error(st));
			return 1;
		}
	}
	if ((rc = quarry_store_commit(st)) != 0) {
		fprintf(stderr, "commit: %s\n", quarry_store_error(st));
		return 1;
	}
	for (i = 0; i < nq; i++) {
		c = (size_t)(tu_urand() * (double)nc) % nc;
		for (j = 0; j < d; j++)
			v[j] = cent[c * d + j] + 0.5f * (float)tu_gauss() /
			    sqrtf((float)d);
		tu_unit(v, d);
		fwrite(v, sizeof(float), d, fq);
	}
	fclose(fv);
	fclose(fq);
	quarry_store_close(st);
	free(cent);
	free(v);
	return 0;
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Times the queries; returns the median seconds per query. */
static double
timeq(quarry_search *s, const float *q, size_t nq, size_t d, int filter,
    FILE *top)
{
	const quarry_search_hit *hits;
	double *t = malloc(nq * sizeof(double)), t0, med;
	size_t i, n, j;

	for (i = 0; i < nq; i++) {
		t0 = now();
		if (filter) {
			char where[32];

			/* 37 is prime to 100: every query another category. */
			snprintf(where, sizeof(where), "category=c%02zu",
			    filter == 1 ? (size_t)7 : i * 37 % 100);
			quarry_search_filter_clear(s);
			quarry_search_filter_where(s, where);
		}
		if (quarry_search_run(s, q + i * d, d, &hits, &n) != 0) {
			fprintf(stderr, "search: %s\n", quarry_search_error(s));
			exit(1);
		}
		t[i] = now() - t0;
		if (top != NULL) {
			for (j = 0; j < n; j++)
				fprintf(top, "%s%lld", j ? " " : "",
				    (long long)json_integer_value(
				    json_object_get(hits[j].rec, "n")));
			fputc('\n', top);
		}
	}
	qsort(t, nq, sizeof(double), dcmp);
	med = t[nq / 2];
	free(t);
	return med;
}

/* Collects the top-10 "n" of every query into ids (nq x 10, -1: none). */
static double
timeq_ids(quarry_search *s, const float *q, size_t nq, size_t d, long *ids)
{
	const quarry_search_hit *hits;
	double *t = malloc(nq * sizeof(double)), t0, med;
	size_t i, n, j;

	for (i = 0; i < nq; i++) {
		t0 = now();
		if (quarry_search_run(s, q + i * d, d, &hits, &n) != 0) {
			fprintf(stderr, "search: %s\n", quarry_search_error(s));
			exit(1);
		}
		t[i] = now() - t0;
		for (j = 0; j < 10; j++)
			ids[i * 10 + j] = j < n ? (long)json_integer_value(
			    json_object_get(hits[j].rec, "n")) : -1;
	}
	qsort(t, nq, sizeof(double), dcmp);
	med = t[nq / 2];
	free(t);
	return med;
}

/* The share of a's top-10 ids found in b's. */
static double
recall10(const long *a, const long *b, size_t nq)
{
	size_t i, j, l, hit = 0, all = 0;

	for (i = 0; i < nq; i++)
		for (j = 0; j < 10; j++) {
			if (a[i * 10 + j] < 0)
				continue;
			all++;
			for (l = 0; l < 10; l++)
				if (b[i * 10 + l] == a[i * 10 + j]) {
					hit++;
					break;
				}
		}
	return all ? (double)hit / (double)all : 1.0;
}

/*
 * "quant": makes the store's int8 and 1-bit copies (timed), then times
 * single-thread queries in f32, in int8 and in bit with several re-scoring
 * factors, with the recall@10 of each against the f32 scan (exact).
 */
static int
quant(const char *dir, unsigned threads, int repeat)
{
	static const unsigned factors[] = { 1, 2, 4, 8 };
	static const unsigned bfactors[] = { 4, 8, 16, 32, 64 };
	char path[4096];
	quarry_store *st;
	quarry_search *s;
	quarry_store_info info;
	float *q;
	long *exact, *ids;
	size_t d, nq, f;
	long sz;
	FILE *fq;
	double t0, tq, tf = 1e9, ti, x;
	uint64_t nvec = 0;
	int r;

	snprintf(path, sizeof(path), "%s/kb", dir);
	if (quarry_store_open(&st, path, 0) != 0) {
		fprintf(stderr, "%s: %s\n", path, quarry_store_error(st));
		return 1;
	}
	t0 = now();
	if (quarry_store_quantize(st, "int8,bit", &nvec) != 0) {
		fprintf(stderr, "quantize: %s\n", quarry_store_error(st));
		return 1;
	}
	tq = now() - t0;
	quarry_store_stats(st, &info);
	printf("quantize_s %.2f\n", tq);
	printf("quantized_vectors %llu\n", (unsigned long long)nvec);
	printf("f32_mb %.1f\n", (double)info.chunks * (double)info.dims * 4 /
	    1e6);
	printf("int8_bit_mb %.1f\n", (double)info.quant_bytes / 1e6);
	if (quarry_search_new(&s, st) != 0) {
		fprintf(stderr, "search: %s\n", quarry_store_error(st));
		return 1;
	}
	d = quarry_search_dims(s);
	snprintf(path, sizeof(path), "%s/queries.f32", dir);
	fq = fopen(path, "rb");
	fseek(fq, 0, SEEK_END);
	sz = ftell(fq);
	rewind(fq);
	nq = (size_t)sz / (d * sizeof(float));
	q = malloc((size_t)sz);
	exact = malloc(nq * 10 * sizeof(long));
	ids = malloc(nq * 10 * sizeof(long));
	if (fread(q, 1, (size_t)sz, fq) != (size_t)sz)
		return 1;
	fclose(fq);
	quarry_search_set_k(s, 10);
	quarry_search_set_threads(s, threads);
	quarry_search_set_precision(s, QUARRY_PRECISION_F32, 1);
	timeq_ids(s, q, 2, d, exact);	/* fault the map in */
	for (r = 0; r < repeat; r++)
		if ((x = timeq_ids(s, q, nq, d, exact)) < tf)
			tf = x;
	printf("threads %u\n", threads);
	printf("f32_ms %.3f\n", tf * 1e3);
	for (f = 0; f < sizeof(factors) / sizeof(factors[0]); f++) {
		quarry_search_set_precision(s, QUARRY_PRECISION_INT8,
		    factors[f]);
		timeq_ids(s, q, 2, d, ids);
		ti = 1e9;
		for (r = 0; r < repeat; r++)
			if ((x = timeq_ids(s, q, nq, d, ids)) < ti)
				ti = x;
		printf("int8_x%u_ms %.3f\n", factors[f], ti * 1e3);
		printf("int8_x%u_ratio %.3f\n", factors[f], ti / tf);
		printf("int8_x%u_recall %.4f\n", factors[f],
		    recall10(exact, ids, nq));
	}
	for (f = 0; f < sizeof(bfactors) / sizeof(bfactors[0]); f++) {
		quarry_search_set_precision(s, QUARRY_PRECISION_BIT,
		    bfactors[f]);
		timeq_ids(s, q, 2, d, ids);
		ti = 1e9;
		for (r = 0; r < repeat; r++)
			if ((x = timeq_ids(s, q, nq, d, ids)) < ti)
				ti = x;
		printf("bit_x%u_ms %.3f\n", bfactors[f], ti * 1e3);
		printf("bit_x%u_ratio %.3f\n", bfactors[f], ti / tf);
		printf("bit_x%u_recall %.4f\n", bfactors[f],
		    recall10(exact, ids, nq));
	}
	quarry_search_free(s);
	quarry_store_close(st);
	free(q);
	free(exact);
	free(ids);
	return 0;
}

static int
run(const char *dir, unsigned threads, int repeat)
{
	char path[4096];
	quarry_store *st;
	quarry_search *s;
	quarry_search_stats ss;
	float *q;
	size_t d, nq, r;
	long sz;
	FILE *fq, *top;
	double t1 = 1e9, tj = 1e9, tf = 1e9, tc = 1e9, x, gb;
	uint64_t sel = 0;
	unsigned fthreads = 0;
	int rc;

	snprintf(path, sizeof(path), "%s/kb", dir);
	if ((rc = quarry_store_open(&st, path, QUARRY_STORE_RDONLY)) != 0 ||
	    (rc = quarry_search_new(&s, st)) != 0) {
		fprintf(stderr, "%s: %s\n", path, quarry_store_error(st));
		return 1;
	}
	d = quarry_search_dims(s);
	snprintf(path, sizeof(path), "%s/queries.f32", dir);
	fq = fopen(path, "rb");
	fseek(fq, 0, SEEK_END);
	sz = ftell(fq);
	rewind(fq);
	nq = (size_t)sz / (d * sizeof(float));
	q = malloc((size_t)sz);
	if (fread(q, 1, (size_t)sz, fq) != (size_t)sz)
		return 1;
	fclose(fq);
	quarry_search_set_k(s, 10);
	/* Warm up: fault the map in. */
	quarry_search_set_threads(s, threads);
	timeq(s, q, 2, d, 0, NULL);
	snprintf(path, sizeof(path), "%s/quarry-top.txt", dir);
	top = fopen(path, "w");
	for (r = 0; r < (size_t)repeat; r++) {
		quarry_search_set_threads(s, 1);
		quarry_search_filter_clear(s);
		if ((x = timeq(s, q, nq, d, 0, NULL)) < t1)
			t1 = x;
		quarry_search_get_stats(s, &ss);
		if (ss.scanned != quarry_search_count(s)) {
			fprintf(stderr, "scanned %llu, expected %llu\n",
			    (unsigned long long)ss.scanned,
			    (unsigned long long)quarry_search_count(s));
			return 1;
		}
		quarry_search_set_threads(s, threads);
		if ((x = timeq(s, q, nq, d, 0, r == 0 ? top : NULL)) < tj)
			tj = x;
		fprintf(stderr, "round %zu: 1 thread %.3f ms, %u threads %.3f "
		    "ms\n", r, t1 * 1e3, threads, x * 1e3);
		if ((x = timeq(s, q, nq, d, 1, NULL)) < tf)
			tf = x;
		quarry_search_get_stats(s, &ss);
		sel = ss.selected;
		fthreads = ss.threads;
		if ((x = timeq(s, q, nq, d, 2, NULL)) < tc)
			tc = x;
	}
	fclose(top);
	gb = (double)quarry_search_count(s) * (double)d * 4 / 1e9;
	printf("vectors %llu\n", (unsigned long long)quarry_search_count(s));
	printf("dims %zu\n", d);
	printf("queries %zu\n", nq);
	printf("latency_1thread_ms %.3f\n", t1 * 1e3);
	printf("scan_1thread_gbs %.2f\n", gb / t1);
	printf("threads %u\n", threads);
	printf("latency_ms %.3f\n", tj * 1e3);
	printf("qps %.1f\n", 1 / tj);
	printf("scan_gbs %.2f\n", gb / tj);
	printf("filtered_selected %llu\n", (unsigned long long)sel);
	printf("filtered_threads %u\n", fthreads);
	printf("filtered_ms %.3f\n", tf * 1e3);
	printf("filter_ratio %.4f\n", tf / tj);
	printf("filtered_cold_ms %.3f\n", tc * 1e3);
	printf("filter_cold_ratio %.4f\n", tc / tj);
	quarry_search_free(s);
	quarry_store_close(st);
	free(q);
	return 0;
}

int
main(int argc, char **argv)
{
	size_t n = 1000000, d = 384, nc = 1000, nq = 100;
	unsigned threads = 2;
	int c, repeat = 3;

	if (argc < 2)
		goto usage;
	optind = 2;
	while ((c = getopt(argc, argv, "n:d:C:q:j:r:")) != -1) {
		switch (c) {
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'd': d = strtoul(optarg, NULL, 10); break;
		case 'C': nc = strtoul(optarg, NULL, 10); break;
		case 'q': nq = strtoul(optarg, NULL, 10); break;
		case 'j': threads = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': repeat = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || n == 0 || d == 0 || nc == 0 || nq == 0)
		goto usage;
	if (strcmp(argv[1], "gen") == 0)
		return gen(argv[optind], n, d, nc, nq);
	if (strcmp(argv[1], "run") == 0)
		return run(argv[optind], threads, repeat);
	if (strcmp(argv[1], "quant") == 0)
		return quant(argv[optind], threads, repeat);
usage:
	fprintf(stderr, "usage: search-bench gen|run|quant [-n N] [-d DIMS] "
	    "[-C CLUSTERS] [-q QUERIES] [-j THREADS] [-r REPEAT] DIR\n");
	return 2;
}
