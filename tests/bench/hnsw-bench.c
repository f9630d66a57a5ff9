/*
 * hnsw-bench: the quarry side of tests/bench/hnsw.sh.
 *
 * usage: hnsw-bench -j THREADS -m M -e EFC -E EF,EF,... -r REPEAT
 *     [-I|-B|-Q|-U|-A COUNT] DIR
 *
 * Opens DIR/kb (made by search-bench gen, with DIR/vectors.f32 and
 * DIR/queries.f32), writes the exact top 10 of each query (row numbers of
 * vectors.f32, the records' "n") to DIR/exact-top.txt, builds the HNSW
 * graph with THREADS threads (timed), and prints, single-thread, the median
 * query time and recall@10 of the graph search at each EF.  With -I, then
 * inserts 1% new vectors (near stored ones) into the store, timed as one
 * commit, prints the recall at the first EF against the new exact top, and
 * deletes them again (timed), with the recall after.  One "key value" line
 * per figure; each ef also gives the 99th percentile ("efN_p99_ms") and the
 * process's resident memory after its queries ("efN_rss_mb", of which
 * "efN_rss_file_mb" are pages of the store's map).
 *
 * For stores too large to do all in one process (10M vectors): -B computes
 * the exact top and builds the graph, then stops; -Q opens the store
 * read-only with its graph, reads DIR/exact-top.txt and runs the queries
 * only, so that its resident memory is what the queries need.  -U takes
 * the graph the store has and runs only -I's insert and delete round (at
 * the first EF).  -A COUNT takes the graph the store has and times the
 * small changes of a nightly run: COUNT vectors near the queries (in
 * documents of ten) added in one commit, then deleted in another, REPEAT
 * times, printing each commit's median and the --check faults after.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "quarry.h"

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* "d0001234#5" (or "x0001234#5", the inserted ones: + 1e9) to its n. */
static long
id_n(const char *id)
{
	long d = strtol(id + 1, NULL, 10);
	const char *h = strchr(id, '#');

	return d * 10 + (h ? strtol(h + 1, NULL, 10) : 0) +
	    (id[0] == 'x' ? 1000000000L : 0);
}

/* The 99th percentile of the last queries() run, in seconds. */
static double last_p99;

/* Runs the queries; fills ids (nq x 10) and returns the median seconds. */
static double
queries(quarry_search *s, const float *q, size_t nq, size_t d, long *ids)
{
	const quarry_search_hit *h;
	double *t = malloc(nq * sizeof(double)), t0, med;
	size_t i, n, j;

	for (i = 0; i < nq; i++) {
		t0 = now();
		if (quarry_search_run(s, q + i * d, d, &h, &n) != 0) {
			fprintf(stderr, "search: %s\n", quarry_search_error(s));
			exit(1);
		}
		t[i] = now() - t0;
		for (j = 0; j < 10; j++)
			ids[i * 10 + j] = j < n ? id_n(h[j].id) : -1;
	}
	qsort(t, nq, sizeof(double), dcmp);
	med = t[nq / 2];
	last_p99 = t[(nq * 99 + 99) / 100 - 1];
	free(t);
	return med;
}

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

/* A field of /proc/self/status ("VmRSS:", "RssFile:"), in MB; -1 when
 * there is none. */
static double
status_mb(const char *key)
{
	char line[256];
	double kb = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, n) == 0) {
			kb = strtod(line + n, NULL);
			break;
		}
	fclose(f);
	return kb < 0 ? -1 : kb / 1024;
}

static quarry_search *
opensearch(quarry_store *st, int graph, unsigned ef, unsigned threads)
{
	quarry_search *s;

	if (quarry_search_new(&s, st) != 0) {
		fprintf(stderr, "search: %s\n", quarry_store_error(st));
		exit(1);
	}
	quarry_search_set_mode(s, QUARRY_MODE_VECTOR);
	quarry_search_set_k(s, 10);
	quarry_search_set_collapse(s, 0);
	quarry_search_set_decode(s, 0);
	quarry_search_set_threads(s, threads);
	quarry_search_set_precision(s, QUARRY_PRECISION_F32, 1);
	quarry_search_set_graph(s, graph, ef);
	return s;
}

/* The 99th percentile beside the best median of graph_recall(). */
static double best_p99;

/* The graph's recall at ef against exact; median ms in *ms (the best of
 * repeat runs; best_p99 the 99th percentile of that run). */
static double
graph_recall(quarry_store *st, unsigned ef, const float *q, size_t nq,
    size_t d, const long *exact, long *ids, int repeat, double *ms)
{
	quarry_search *s = opensearch(st, 1, ef, 1);
	quarry_search_stats ss;
	double best = 1e9, x;
	int r;

	queries(s, q, nq < 4 ? nq : 4, d, ids);	/* fault the map in */
	for (r = 0; r < repeat; r++)
		if ((x = queries(s, q, nq, d, ids)) < best) {
			best = x;
			best_p99 = last_p99;
		}
	quarry_search_get_stats(s, &ss);
	if (!ss.graph) {
		fprintf(stderr, "the graph was not used\n");
		exit(1);
	}
	quarry_search_free(s);
	*ms = best * 1e3;
	return recall10(exact, ids, nq);
}

static void
exact_top(quarry_store *st, const float *q, size_t nq, size_t d, long *exact,
    unsigned threads)
{
	quarry_search *s = opensearch(st, 0, 0, threads);

	queries(s, q, nq, d, exact);
	quarry_search_free(s);
}

/* Puts 1% new vectors: documents "xNNNNNNN" of 10 chunks near stored
 * vectors. */
static void
insert(quarry_store *st, const float *x, size_t nx, size_t d, size_t count,
    const char *model)
{
	uint64_t rng = 0x2545F4914F6CDD1Dull;
	json_t *recs[10];
	char doc[32], id[48];
	float *v = malloc(d * sizeof(float));
	size_t i, j, k, bad;

	for (i = 0; i < count; i += 10) {
		snprintf(doc, sizeof(doc), "x%07zu", i / 10);
		for (j = 0; j < 10 && i + j < count; j++) {
			json_t *a = json_array();
			double s = 0;
			size_t src;

			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			src = (size_t)(rng % nx);
			for (k = 0; k < d; k++) {
				rng ^= rng << 13;
				rng ^= rng >> 7;
				rng ^= rng << 17;
				v[k] = x[src * d + k] + (float)(((double)(rng >>
				    11) / 9007199254740992.0 - 0.5) * 0.1 /
				    sqrt((double)d));
				s += (double)v[k] * v[k];
			}
			for (k = 0; k < d; k++)
				json_array_append_new(a, json_real(v[k] /
				    sqrt(s)));
			snprintf(id, sizeof(id), "%s#%zu", doc, j);
			recs[j] = json_pack("{s:s,s:s,s:I,s:s,s:s,s:o,s:s}",
			    "doc", doc, "id", id, "chunk", (json_int_t)j,
			    "text", id, "hash", id, "embedding", a, "model",
			    model);
		}
		if (quarry_store_put(st, recs, j, NULL, &bad) < 0) {
			fprintf(stderr, "put: %s\n", quarry_store_error(st));
			exit(1);
		}
		while (j > 0)
			json_decref(recs[--j]);
	}
	free(v);
}

int
main(int argc, char **argv)
{
	char path[4096], model[64], *efs = "16,32,64,128,256", *p;
	unsigned threads = 2, m = 16, efc = 100, ef0 = 0;
	int c, repeat = 3, incr = 0, build_only = 0, query_only = 0;
	int update_only = 0;
	size_t add_count = 0;
	quarry_graph_options o = { 0 };
	quarry_store *st;
	quarry_store_info info;
	long *exact, *ids, sz;
	size_t d, nq, nx, i, j;
	float *q, *x;
	double t0, tb, ms, r;
	FILE *f;

	while ((c = getopt(argc, argv, "j:m:e:E:r:IBQUA:")) != -1) {
		switch (c) {
		case 'j': threads = (unsigned)atoi(optarg); break;
		case 'm': m = (unsigned)atoi(optarg); break;
		case 'e': efc = (unsigned)atoi(optarg); break;
		case 'E': efs = optarg; break;
		case 'r': repeat = atoi(optarg); break;
		case 'I': incr = 1; break;
		case 'B': build_only = 1; break;
		case 'Q': query_only = 1; break;
		case 'U': update_only = incr = 1; break;
		case 'A': add_count = strtoul(optarg, NULL, 10); break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || build_only + query_only + incr > 1 ||
	    (update_only && build_only + query_only > 0) || (add_count > 0 &&
	    build_only + query_only + incr > 0) || repeat < 1 || repeat > 99)
		goto usage;
	snprintf(path, sizeof(path), "%s/kb", argv[optind]);
	if (quarry_store_open(&st, path, query_only ? QUARRY_STORE_RDONLY :
	    0) != 0) {
		fprintf(stderr, "%s: %s\n", path, quarry_store_error(st));
		return 1;
	}
	quarry_store_set_threads(st, threads);
	quarry_store_stats(st, &info);
	d = info.dims;
	snprintf(model, sizeof(model), "%s", info.model);
	snprintf(path, sizeof(path), "%s/queries.f32", argv[optind]);
	f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	rewind(f);
	nq = (size_t)sz / (d * sizeof(float));
	q = malloc((size_t)sz);
	if (fread(q, 1, (size_t)sz, f) != (size_t)sz)
		return 1;
	fclose(f);
	if (add_count > 0) {
		double ta[99], td[99];
		int k;

		for (k = 0; k < repeat; k++) {
			t0 = now();
			insert(st, q, nq, d, add_count, model);
			if (quarry_store_commit(st) != 0)
				goto fail;
			ta[k] = now() - t0;
			t0 = now();
			for (i = 0; i < add_count; i += 10) {
				snprintf(path, sizeof(path), "x%07zu", i / 10);
				quarry_store_delete(st, path);
			}
			if (quarry_store_commit(st) != 0)
				goto fail;
			td[k] = now() - t0;
		}
		qsort(ta, (size_t)repeat, sizeof(double), dcmp);
		qsort(td, (size_t)repeat, sizeof(double), dcmp);
		printf("vectors %llu\nadd%zu_ms %.1f\ndelete%zu_ms %.1f\n",
		    (unsigned long long)info.chunks, add_count,
		    ta[repeat / 2] * 1e3, add_count, td[repeat / 2] * 1e3);
		printf("check_faults %ld\n", quarry_store_check(st, NULL, NULL));
		quarry_store_close(st);
		free(q);
		return 0;
fail:
		fprintf(stderr, "commit: %s\n", quarry_store_error(st));
		return 1;
	}
	exact = malloc(nq * 10 * sizeof(long));
	ids = malloc(nq * 10 * sizeof(long));
	snprintf(path, sizeof(path), "%s/exact-top.txt", argv[optind]);
	if (query_only || update_only) {
		if ((f = fopen(path, "r")) == NULL) {
			perror(path);
			return 1;
		}
		for (i = 0; i < nq * 10; i++)
			if (fscanf(f, "%ld", &exact[i]) != 1) {
				fprintf(stderr, "%s: short\n", path);
				return 1;
			}
		fclose(f);
		printf("vectors %llu\n", (unsigned long long)info.chunks);
		printf("opened_rss_mb %.0f\n", status_mb("VmRSS:"));
		if (update_only) {
			ef0 = (unsigned)strtoul(efs, NULL, 10);
			goto update;
		}
		goto search;
	}
	exact_top(st, q, nq, d, exact, threads);
	f = fopen(path, "w");
	for (i = 0; i < nq; i++)
		for (j = 0; j < 10; j++)
			fprintf(f, "%ld%c", exact[i * 10 + j], j == 9 ? '\n' : ' ');
	fclose(f);

	o.m = m;
	o.ef_construction = efc;
	o.threads = threads;
	t0 = now();
	if (quarry_store_graph(st, "hnsw", &o, NULL) != 0) {
		fprintf(stderr, "graph: %s\n", quarry_store_error(st));
		return 1;
	}
	tb = now() - t0;
	quarry_store_stats(st, &info);
	printf("vectors %llu\n", (unsigned long long)info.chunks);
	printf("build_s %.2f\n", tb);
	printf("graph_bytes_per_vector %.1f\n", (double)info.graph_bytes /
	    (double)info.chunks);
	fflush(stdout);
	if (build_only)
		goto done;
search:
	for (p = efs; *p != '\0'; ) {
		unsigned ef = (unsigned)strtoul(p, &p, 10);

		if (*p == ',')
			p++;
		if (ef0 == 0)
			ef0 = ef;
		r = graph_recall(st, ef, q, nq, d, exact, ids, repeat, &ms);
		printf("ef%u_ms %.3f\nef%u_p99_ms %.3f\nef%u_recall %.4f\n",
		    ef, ms, ef, best_p99 * 1e3, ef, r);
		printf("ef%u_rss_mb %.0f\nef%u_rss_file_mb %.0f\n", ef,
		    status_mb("VmRSS:"), ef, status_mb("RssFile:"));
		fflush(stdout);
	}
	if (!incr)
		goto done;
update:
	/* 1% new vectors near stored ones; then deleted again. */
	snprintf(path, sizeof(path), "%s/vectors.f32", argv[optind]);
	f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	rewind(f);
	nx = (size_t)sz / (d * sizeof(float));
	x = mmap(NULL, (size_t)sz, PROT_READ, MAP_PRIVATE, fileno(f), 0);
	if (x == MAP_FAILED) {
		perror(path);
		return 1;
	}
	fclose(f);
	r = graph_recall(st, ef0, q, nq, d, exact, ids, 1, &ms);
	printf("before_recall %.4f\n", r);
	insert(st, x, nx, d, nx / 100, model);
	t0 = now();
	if (quarry_store_commit(st) != 0) {
		fprintf(stderr, "commit: %s\n", quarry_store_error(st));
		return 1;
	}
	printf("insert_vectors %zu\n", nx / 100);
	printf("insert_s %.2f\n", now() - t0);
	exact_top(st, q, nq, d, exact, threads);
	printf("inserted_recall %.4f\n", graph_recall(st, ef0, q, nq, d,
	    exact, ids, 1, &ms));
	t0 = now();
	for (i = 0; i < nx / 100; i += 10) {
		snprintf(path, sizeof(path), "x%07zu", i / 10);
		quarry_store_delete(st, path);
	}
	if (quarry_store_commit(st) != 0) {
		fprintf(stderr, "commit: %s\n", quarry_store_error(st));
		return 1;
	}
	printf("delete_s %.2f\n", now() - t0);
	exact_top(st, q, nq, d, exact, threads);
	printf("deleted_recall %.4f\n", graph_recall(st, ef0, q, nq, d, exact,
	    ids, 1, &ms));
	printf("check_faults %ld\n", quarry_store_check(st, NULL, NULL));
	munmap(x, (size_t)sz);
done:
	quarry_store_close(st);
	free(q);
	free(exact);
	free(ids);
	return 0;
usage:
	fprintf(stderr, "usage: hnsw-bench [-j THREADS] [-m M] [-e EFC] "
	    "[-E EF,...] [-r REPEAT] [-I|-B|-Q|-U] DIR\n");
	return 2;
}
