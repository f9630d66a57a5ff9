/*
 * test_hnsw.c: cmocka tests of the store's HNSW graph (src/hnsw.c): levels
 * drawn from the seed, the graph's invariants (quarry_store_check(): every
 * live slot a node, neighbours live and within the degree bounds, in-link
 * counts, every node reachable from the entry point) after a full build
 * with one and two threads and after every kind of write (inserts,
 * replaces, deletions down to compaction, which moves slots), and recall@10
 * of the graph search against the exact scan on a fixed, seeded collection
 * of clustered vectors; a walk from an entry point without a vector fails
 * as a corrupt graph.
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

#include "hnsw_private.h"
#include "testutil.h"

/* Levels: reproducible, and geometric with ratio 1/M. */
static void
test_levels(void **state)
{
	size_t up = 0, up2 = 0, i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		unsigned l = hnsw_level(7, 16, i);

		assert_int_equal(l, hnsw_level(7, 16, i));
		assert_true(l <= HNSW_MAX_LEVEL);
		up += l >= 1;
		up2 += l >= 2;
	}
	/* 1/16 and 1/256 of 100000: 6250 and 391. */
	assert_in_range(up, 5900, 6600);
	assert_in_range(up2, 300, 480);
	assert_int_not_equal(hnsw_level(7, 16, 12345) + hnsw_level(7, 16, 54321) *
	    100 + hnsw_level(7, 16, 99) * 10000, hnsw_level(8, 16, 12345) +
	    hnsw_level(8, 16, 54321) * 100 + hnsw_level(8, 16, 99) * 10000 + 1);
}

static char dir[256];

static int
setup(void **state)
{
	(void)state;
	return tu_scratch_new(dir, sizeof(dir), "test_hnsw");
}

static int
teardown(void **state)
{
	(void)state;
	return tu_scratch_free(dir);
}

enum { DIMS = 32, CLUSTERS = 50, CHUNKS = 10 };
static float centres[CLUSTERS][DIMS];
/* The centres documents and queries are drawn near: [clo, chi). */
static size_t clo = 0, chi = CLUSTERS;

static size_t
centre(void)
{
	return clo + (size_t)(tu_urand() * (double)(chi - clo)) % (chi - clo);
}

static void
near(float *v, size_t c, double noise)
{
	size_t d;

	for (d = 0; d < DIMS; d++)
		v[d] = centres[c][d] + (float)(noise * tu_gauss());
	tu_unit(v, DIMS);
}

/* Puts document "dN" (version ver) with n chunks near random centres. */
static void
put_doc(quarry_store *st, unsigned doc, size_t n, unsigned ver)
{
	json_t *recs[CHUNKS];
	char name[32], id[48], text[64], hex[33];
	float v[DIMS];
	size_t k, d, bad;

	snprintf(name, sizeof(name), "d%u", doc);
	for (k = 0; k < n; k++) {
		json_t *emb = json_array();

		near(v, centre(), 0.35);
		for (d = 0; d < DIMS; d++)
			json_array_append_new(emb, json_real(v[d]));
		snprintf(id, sizeof(id), "%s#%zu", name, k);
		snprintf(text, sizeof(text), "%s v%u", id, ver);
		quarry_hash_hex(text, strlen(text), hex);
		recs[k] = json_pack("{s:s,s:s,s:i,s:s,s:s,s:o,s:s,s:s}", "doc",
		    name, "id", id, "chunk", (int)k, "text", text, "hash", hex,
		    "embedding", emb, "model", "test/32", "kind",
		    doc % 3 == 0 ? "a" : "b");
		assert_non_null(recs[k]);
	}
	assert_true(quarry_store_put(st, recs, n, NULL, &bad) >= 0);
	for (k = 0; k < n; k++)
		json_decref(recs[k]);
}

static void
fault(const char *msg, void *arg)
{
	(void)arg;
	print_error("check: %s\n", msg);
}

/* recall@10 of the graph (ef) against the exact scan over nq queries. */
static double
recall(quarry_store *st, unsigned ef, size_t nq, int want_graph)
{
	quarry_search *s;
	const quarry_search_hit *h;
	quarry_search_stats ss;
	char a[10][64];
	float q[DIMS];
	size_t n, m, i, j, t, same = 0, total = 0;

	assert_int_equal(quarry_search_new(&s, st), 0);
	quarry_search_set_mode(s, QUARRY_MODE_VECTOR);
	quarry_search_set_collapse(s, 0);
	quarry_search_set_k(s, 10);
	for (t = 0; t < nq; t++) {
		near(q, centre(), 0.5);
		quarry_search_set_graph(s, 0, ef);
		assert_int_equal(quarry_search_run(s, q, DIMS, &h, &n), 0);
		quarry_search_get_stats(s, &ss);
		assert_int_equal(ss.graph, 0);
		for (i = 0; i < n; i++)
			snprintf(a[i], sizeof(a[i]), "%s", h[i].id);
		quarry_search_set_graph(s, 1, ef);
		assert_int_equal(quarry_search_run(s, q, DIMS, &h, &m), 0);
		quarry_search_get_stats(s, &ss);
		assert_int_equal(ss.graph, want_graph);
		assert_int_equal(m, n);
		for (i = 0; i < n; i++)
			for (j = 0; j < m; j++)
				if (strcmp(a[i], h[j].id) == 0) {
					same++;
					break;
				}
		total += n;
	}
	quarry_search_free(s);
	return total ? (double)same / (double)total : 1.0;
}

static long nfaults;

static void
count_fault(const char *msg, void *arg)
{
	char *want = arg;

	if (want != NULL && strstr(msg, want) != NULL)
		nfaults++;
}

/* Changes the record of slot with fn in a transaction of its own. */
static void
damage(quarry_store *st, uint64_t slot, void (*fn)(MDB_txn *, MDB_dbi,
    MDB_val *, MDB_val *))
{
	MDB_txn *txn;
	MDB_val k = { sizeof(slot), &slot }, v;

	assert_int_equal(mdb_txn_begin(st->env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_get(txn, st->dbi[DB_HNSW], &k, &v), 0);
	fn(txn, st->dbi[DB_HNSW], &k, &v);
	assert_int_equal(mdb_txn_commit(txn), 0);
}

static unsigned char saved[4096];
static size_t nsaved;

static void
save(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v)
{
	(void)txn;
	(void)dbi;
	(void)k;
	memcpy(saved, v->mv_data, v->mv_size);
	nsaved = v->mv_size;
}

static void
restore(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v)
{
	MDB_val n = { nsaved, saved };

	(void)v;
	assert_int_equal(mdb_put(txn, dbi, k, &n, 0), 0);
}

/* Level 0's first neighbour becomes a slot that is no node. */
static void
bad_link(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v)
{
	unsigned char r[4096];
	uint32_t x = 0xFFFFFF;
	MDB_val n = { v->mv_size, r };

	memcpy(r, v->mv_data, v->mv_size);
	memcpy(r + 8, &x, 4);
	assert_int_equal(mdb_put(txn, dbi, k, &n, 0), 0);
}

/* Level 0's count beyond 2M. */
static void
bad_count(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v)
{
	unsigned char r[4096];
	uint32_t x = 33;
	MDB_val n = { v->mv_size, r };

	memcpy(r, v->mv_data, v->mv_size);
	memcpy(r + 4, &x, 4);
	assert_int_equal(mdb_put(txn, dbi, k, &n, 0), 0);
}

static void
drop(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v)
{
	(void)v;
	assert_int_equal(mdb_del(txn, dbi, k, NULL), 0);
}

/* Puts the saved record back under slot. */
static void
damage_put(quarry_store *st, uint64_t slot)
{
	MDB_txn *txn;
	MDB_val k = { sizeof(slot), &slot }, n = { nsaved, saved };

	assert_int_equal(mdb_txn_begin(st->env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_put(txn, st->dbi[DB_HNSW], &k, &n, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
}

/* Flips slot's bit in its block's live bitmap, in a transaction of its
 * own. */
static void
flip_live(quarry_store *st, uint64_t slot)
{
	size_t block = (size_t)(slot / st->block_slots);
	size_t i = (size_t)(slot % st->block_slots);
	unsigned char r[4096];
	MDB_txn *txn;
	MDB_val k = { sizeof(block), &block }, v, n;
	uint64_t w;

	assert_int_equal(mdb_txn_begin(st->env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_get(txn, st->dbi[DB_LIVE], &k, &v), 0);
	assert_true(v.mv_size <= sizeof(r));
	memcpy(r, v.mv_data, v.mv_size);
	memcpy(&w, r + i / 64 * 8, 8);
	w ^= (uint64_t)1 << (i % 64);
	memcpy(r + i / 64 * 8, &w, 8);
	n.mv_size = v.mv_size;
	n.mv_data = r;
	assert_int_equal(mdb_put(txn, st->dbi[DB_LIVE], &k, &n, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
}

/*
 * An entry point without a vector: the walk fails with QUARRY_ESTORE,
 * says so in the stats (graph -1, for the programs' hint) and in a message
 * that names the store but no program or option.
 */
static void
check_corrupt_walk(quarry_store *st, uint64_t entry)
{
	quarry_search *s;
	const quarry_search_hit *h;
	quarry_search_stats ss;
	char want[300];
	float q[DIMS];
	size_t n;

	flip_live(st, entry);
	assert_int_equal(quarry_search_new(&s, st), 0);
	quarry_search_set_mode(s, QUARRY_MODE_VECTOR);
	quarry_search_set_graph(s, 1, 64);
	near(q, 0, 0.5);
	assert_int_equal(quarry_search_run(s, q, DIMS, &h, &n),
	    QUARRY_ESTORE);
	quarry_search_get_stats(s, &ss);
	assert_int_equal(ss.graph, -1);
	snprintf(want, sizeof(want), "%s/kb: the graph is corrupt", dir);
	assert_string_equal(quarry_search_error(s), want);
	/* The next run starts afresh: the scan succeeds. */
	quarry_search_set_graph(s, 0, 64);
	assert_int_equal(quarry_search_run(s, q, DIMS, &h, &n), 0);
	quarry_search_get_stats(s, &ss);
	assert_int_equal(ss.graph, 0);
	quarry_search_free(s);
	flip_live(st, entry);
}

/* --check names each kind of damage, and passes once it is undone. */
static void
check_damage(quarry_store *st)
{
	struct hnsw_meta gm;
	MDB_txn *txn;
	uint64_t slot;

	assert_int_equal(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(store_hnsw_meta(st, txn, &gm), 1);
	mdb_txn_abort(txn);
	slot = (uint64_t)gm.entry;
	damage(st, slot, save);
	damage(st, slot, bad_link);
	nfaults = 0;
	assert_true(quarry_store_check(st, count_fault,
	    "is not a node of that level") > 0);
	assert_int_equal(nfaults, 1);
	damage(st, slot, restore);
	damage(st, slot, bad_count);
	nfaults = 0;
	assert_true(quarry_store_check(st, count_fault,
	    "level 0 has more than 32 neighbours") > 0);
	assert_int_equal(nfaults, 1);
	damage(st, slot, drop);
	nfaults = 0;
	assert_true(quarry_store_check(st, count_fault,
	    "is not a node") > 0);
	assert_true(nfaults >= 1);
	damage_put(st, slot);
	assert_int_equal(quarry_store_check(st, fault, NULL), 0);
	check_corrupt_walk(st, slot);
	assert_int_equal(quarry_store_check(st, fault, NULL), 0);
}

/*
 * Cuts node u off: every link to it removed (lists shifted, counts kept
 * right) and its in-link count set to 0, in one transaction.  Returns u,
 * a node of level 0 that is not the entry point.
 */
static uint64_t
cut_off(quarry_store *st, int64_t entry, unsigned m)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v, nv;
	unsigned char r[4096];
	uint64_t u = UINT64_MAX, key;
	uint32_t head, n, x;
	size_t off, j, i, l, levels;

	assert_int_equal(mdb_txn_begin(st->env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_cursor_open(txn, st->dbi[DB_HNSW], &cur), 0);
	while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
		memcpy(&key, k.mv_data, sizeof(key));
		memcpy(&head, v.mv_data, 4);
		if ((head & 0xff) == 0 && (int64_t)key != entry) {
			u = key;
			break;
		}
	}
	assert_true(u != UINT64_MAX);
	mdb_cursor_close(cur);
	assert_int_equal(mdb_cursor_open(txn, st->dbi[DB_HNSW], &cur), 0);
	while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
		memcpy(&key, k.mv_data, sizeof(key));
		memcpy(r, v.mv_data, v.mv_size);
		memcpy(&head, r, 4);
		levels = (head & 0xff) + 1;
		for (l = 0; l < levels; l++) {
			off = l == 0 ? 4 : 4 + 4 * (1 + 2 * (size_t)m) +
			    (l - 1) * 4 * (1 + (size_t)m);
			memcpy(&n, r + off, 4);
			for (i = j = 0; i < n; i++) {
				memcpy(&x, r + off + 4 + 4 * i, 4);
				if (x != u)
					memcpy(r + off + 4 + 4 * j++, &x, 4);
			}
			for (i = j; i < n; i++)
				memset(r + off + 4 + 4 * i, 0, 4);
			memcpy(r + off, &j, 4);
		}
		if (key == u) {
			head &= 0xff;
			memcpy(r, &head, 4);
		}
		nv.mv_size = v.mv_size;
		nv.mv_data = r;
		assert_int_equal(mdb_cursor_put(cur, &k, &nv, MDB_CURRENT), 0);
	}
	mdb_cursor_close(cur);
	assert_int_equal(mdb_txn_commit(txn), 0);
	return u;
}

/* A node nothing reaches (in-links or not), cut off by a write from
 * outside, is linked again by the next write that reads the whole graph
 * (here a deletion of ten nodes, too many to find their in-neighbours by
 * searches): a small write proves by searches that it left every node
 * reachable, from the graph it found, and so keeps the fault. */
static void
check_reach(quarry_store *st)
{
	struct hnsw_meta gm;
	MDB_txn *txn;

	assert_int_equal(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(store_hnsw_meta(st, txn, &gm), 1);
	mdb_txn_abort(txn);
	cut_off(st, gm.entry, gm.m);
	nfaults = 0;
	assert_true(quarry_store_check(st, count_fault,
	    "is not reachable from the entry point") > 0);
	assert_int_equal(nfaults, 1);
	put_doc(st, 9999, 1, 1);
	assert_int_equal(quarry_store_commit(st), 0);
	nfaults = 0;
	assert_true(quarry_store_check(st, count_fault,
	    "is not reachable from the entry point") > 0);
	assert_int_equal(nfaults, 1);
	assert_int_equal(quarry_store_delete(st, "d9999"), 0);
	assert_int_equal(quarry_store_commit(st), 0);
	nfaults = 0;
	assert_true(quarry_store_check(st, count_fault,
	    "is not reachable from the entry point") > 0);
	assert_int_equal(nfaults, 1);
	put_doc(st, 9998, CHUNKS, 1);
	assert_int_equal(quarry_store_commit(st), 0);
	assert_int_equal(quarry_store_delete(st, "d9998"), 0);
	assert_int_equal(quarry_store_commit(st), 0);
	assert_int_equal(quarry_store_check(st, fault, NULL), 0);
}

static void
test_graph(void **state)
{
	quarry_store *st;
	quarry_store_info info;
	quarry_store_counts counts;
	quarry_graph_options o = { 16, 100, 1, 7 };
	char path[300], name[32];
	uint64_t n = 0, bytes1;
	double r;
	unsigned doc;
	size_t i;

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
	assert_int_equal(quarry_store_graph(st, "hnsw", &o, &n), QUARRY_EINVAL);
	assert_int_equal(quarry_store_graph(st, "ivf", &o, &n), QUARRY_EINVAL);
	for (doc = 0; doc < 500; doc++)
		put_doc(st, doc, CHUNKS, 1);
	assert_int_equal(quarry_store_commit(st), 0);
	/* Without a graph the search scans. */
	assert_true(recall(st, 64, 5, 0) == 1.0);

	o.m = 1;
	assert_int_equal(quarry_store_graph(st, "hnsw", &o, &n), QUARRY_EINVAL);
	o.m = 16;
	assert_int_equal(quarry_store_graph(st, "hnsw", &o, &n), 0);
	assert_int_equal(n, 5000);
	assert_int_equal(quarry_store_stats(st, &info), 0);
	assert_string_equal(info.graph, "hnsw");
	assert_int_equal(info.graph_nodes, 5000);
	assert_int_equal(info.graph_m, 16);
	/* 4 + 4 * 33 bytes a node on level 0, plus LMDB's. */
	assert_true(info.graph_bytes < 5000 * 200);
	bytes1 = info.graph_bytes;
	assert_int_equal(quarry_store_check(st, fault, NULL), 0);
	/* Measured: 0.985 at ef 64, 0.874 at ef 10 (seed 2026). */
	r = recall(st, 64, 100, 1);
	print_message("recall@10 ef 64: %.3f\n", r);
	assert_true(r >= 0.97);
	r = recall(st, 10, 100, 1);
	print_message("recall@10 ef 10: %.3f\n", r);
	assert_true(r >= 0.85);

	check_damage(st);
	check_reach(st);

	/* The same build again is the same graph (one thread). */
	assert_int_equal(quarry_store_graph(st, "hnsw", &o, &n), 0);
	assert_int_equal(quarry_store_stats(st, &info), 0);
	assert_int_equal(info.graph_bytes, bytes1);

	/* Writes update it: new documents, new versions, deletions down to
	 * compaction (which moves slots). */
	for (doc = 500; doc < 560; doc++)
		put_doc(st, doc, CHUNKS, 1);
	assert_int_equal(quarry_store_commit(st), 0);
	assert_int_equal(quarry_store_check(st, fault, NULL), 0);
	for (doc = 0; doc < 100; doc += 2)
		put_doc(st, doc, CHUNKS / 2, 2);
	for (doc = 100; doc < 400; doc++)
		if (doc % 5 != 0) {
			snprintf(name, sizeof(name), "d%u", doc);
			assert_int_equal(quarry_store_delete(st, name), 0);
		}
	assert_int_equal(quarry_store_commit(st), 0);
	quarry_store_get_counts(st, &counts);
	assert_true(counts.chunks_moved > 0);
	assert_int_equal(quarry_store_check(st, fault, NULL), 0);
	assert_int_equal(quarry_store_stats(st, &info), 0);
	assert_int_equal(info.graph_nodes, info.chunks);
	r = recall(st, 64, 100, 1);
	print_message("recall@10 ef 64 after writes: %.3f\n", r);
	assert_true(r >= 0.97);

	/* Deleting everything leaves an empty graph; a document starts it
	 * again. */
	for (doc = 0; doc < 560; doc++) {
		snprintf(name, sizeof(name), "d%u", doc);
		quarry_store_delete(st, name);
	}
	assert_int_equal(quarry_store_commit(st), 0);
	assert_int_equal(quarry_store_check(st, fault, NULL), 0);
	assert_int_equal(quarry_store_stats(st, &info), 0);
	assert_int_equal(info.graph_nodes, 0);
	for (doc = 1000; doc < 1300; doc++)
		put_doc(st, doc, CHUNKS, 1);
	assert_int_equal(quarry_store_commit(st), 0);
	assert_int_equal(quarry_store_check(st, fault, NULL), 0);
	r = recall(st, 64, 50, 1);
	print_message("recall@10 ef 64 inserted one by one: %.3f\n", r);
	assert_true(r >= 0.97);

	/* Two threads. */
	o.threads = 2;
	assert_int_equal(quarry_store_graph(st, "hnsw", &o, &n), 0);
	assert_int_equal(n, 3000);
	assert_int_equal(quarry_store_check(st, fault, NULL), 0);
	assert_true(recall(st, 64, 50, 1) >= 0.97);
	quarry_store_close(st);

	/* Reopened it is kept; dropped, the search scans again. */
	assert_int_equal(quarry_store_open(&st, path, 0), 0);
	put_doc(st, 2000, CHUNKS, 1);
	assert_int_equal(quarry_store_commit(st), 0);
	assert_int_equal(quarry_store_check(st, fault, NULL), 0);
	assert_int_equal(quarry_store_graph(st, "none", NULL, NULL), 0);
	assert_int_equal(quarry_store_stats(st, &info), 0);
	assert_string_equal(info.graph, "");
	assert_int_equal(quarry_store_check(st, fault, NULL), 0);
	assert_true(recall(st, 64, 5, 0) == 1.0);
	quarry_store_close(st);
}

/* A hash of every record of the graph. */
static uint64_t
graph_hash(quarry_store *st)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t h = 1469598103934665603ull;
	size_t i;

	assert_int_equal(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_cursor_open(txn, st->dbi[DB_HNSW], &cur), 0);
	while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
		for (i = 0; i < k.mv_size; i++)
			h = (h ^ ((unsigned char *)k.mv_data)[i]) *
			    1099511628211ull;
		for (i = 0; i < v.mv_size; i++)
			h = (h ^ ((unsigned char *)v.mv_data)[i]) *
			    1099511628211ull;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return h;
}

/*
 * Many new vectors in one commit take the threaded path (hnsw.c,
 * batch_insert()): with one thread and with three the graph is the same,
 * passes the checks, and finds the new vectors, here of clusters the
 * graph had none of, as well as the old.
 */
#define NQB 50
static void
test_batch(void **state)
{
	quarry_graph_options o = { 16, 100, 1, 7 };
	uint64_t n, hash[2];
	char path[300];
	unsigned doc, run;
	double r;

	(void)state;
	for (run = 0; run < 2; run++) {
		quarry_store *st;

		tu_rng = 99;
		snprintf(path, sizeof(path), "%s/batch%u", dir, run);
		assert_int_equal(quarry_store_open(&st, path,
		    QUARRY_STORE_CREATE), 0);
		quarry_store_set_threads(st, run == 0 ? 1 : 3);
		clo = 0;
		chi = CLUSTERS / 2;
		for (doc = 0; doc < 300; doc++)
			put_doc(st, doc, CHUNKS, 1);
		assert_int_equal(quarry_store_commit(st), 0);
		assert_int_equal(quarry_store_graph(st, "hnsw", &o, &n), 0);
		assert_int_equal(n, 3000);
		/* 1,000 new vectors near the other half of the centres, and
		 * 20 documents replaced. */
		clo = CLUSTERS / 2;
		chi = CLUSTERS;
		for (doc = 300; doc < 400; doc++)
			put_doc(st, doc, CHUNKS, 1);
		for (doc = 0; doc < 20; doc++)
			put_doc(st, doc, CHUNKS, 2);
		assert_int_equal(quarry_store_commit(st), 0);
		assert_int_equal(quarry_store_check(st, fault, NULL), 0);
		check_reach(st);
		hash[run] = graph_hash(st);
		/* Measured: 0.978 near the new centres, 0.980 near all (one at a
		 * time: 0.980 and 0.990; over 1,000 queries 0.983 and 0.985
		 * against 0.987 and 0.987). */
		r = recall(st, 64, NQB, 1);
		print_message("batch run %u: recall@10 ef 64 near the new: "
		    "%.3f\n", run, r);
		assert_true(r >= 0.97);
		clo = 0;
		r = recall(st, 64, NQB, 1);
		print_message("batch run %u: recall@10 ef 64 near all: %.3f\n",
		    run, r);
		assert_true(r >= 0.97);
		quarry_store_close(st);
	}
	assert_true(hash[0] == hash[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test_setup_teardown(test_graph, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
