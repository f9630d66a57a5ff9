/*
 * test_store.c: cmocka tests of the store (src/store*.c): opening and
 * creating, the block geometry, incremental puts, the vector cache, views,
 * deletion and compaction, map growth, the checker and the change log.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_private.h"
#include "testutil.h"

static char dir[256];

static int
setup(void **state)
{
	(void)state;
	return tu_scratch_new(dir, sizeof(dir), "test_store");
}

static int
teardown(void **state)
{
	(void)state;
	return tu_scratch_free(dir);
}

/* A chunk record of document doc, chunk k, with text and a vector. */
static json_t *
rec(const char *doc, int k, const char *text, size_t dims, float seed,
    const char *model)
{
	char id[64], hex[33];
	json_t *r, *emb = json_array();
	size_t i;

	for (i = 0; i < dims; i++)
		json_array_append_new(emb, json_real(seed + (float)i / 8));
	snprintf(id, sizeof(id), "%s#%d", doc, k);
	quarry_hash_hex(text, strlen(text), hex);
	r = json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:o,s:s}", "doc", doc,
	    "author", "Ann Author", "id", id, "chunk", k, "text", text,
	    "hash", hex, "embedding", emb, "model", model);
	assert_non_null(r);
	return r;
}

static quarry_store *
open_new(const char *name)
{
	quarry_store *st;
	char path[300];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(quarry_store_open(&st, path, QUARRY_STORE_CREATE), 0);
	return st;
}

static long
check(quarry_store *st)
{
	return quarry_store_check(st, NULL, NULL);
}

static void
test_block_geometry(void **state)
{
	size_t d;

	(void)state;
	assert_int_equal(store_block_slots(384), 66);
	assert_int_equal(store_block_slots(8), 127);
	for (d = 1; d <= 4096; d += 7) {
		size_t n = store_block_slots(d), vs = d * 4;
		size_t pages = (n * vs + 16 + 4095) / 4096;

		/* The vectors fill their overflow pages. */
		if (d >= 32)
			assert_true((double)(n * vs) >= 0.985 * (double)(pages * 4096));
		assert_true(n >= 1 && n <= 128);
	}
}

static void
test_open_errors(void **state)
{
	quarry_store *st;
	char path[300];

	(void)state;
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(quarry_store_open(&st, path, QUARRY_STORE_RDONLY),
	    QUARRY_ENOTFOUND);
	assert_non_null(strstr(quarry_store_error(st), "No such file"));
	quarry_store_close(st);
	assert_int_equal(quarry_store_open(&st, path,
	    QUARRY_STORE_RDONLY | QUARRY_STORE_CREATE), QUARRY_ENOTFOUND);
	quarry_store_close(st);
	quarry_store_close(NULL);
}

static void
test_put_cache_delete(void **state)
{
	quarry_store *st = open_new("a");
	quarry_store_counts c;
	quarry_store_info info;
	json_t *r[3];
	float vec[4];
	size_t bad;
	char hex[33];

	(void)state;
	r[0] = rec("d1", 0, "alpha", 4, 1, "m/4");
	r[1] = rec("d1", 1, "beta", 4, 2, "m/4");
	r[2] = rec("d1", 2, "gamma", 4, 3, "m/4");
	assert_int_equal(quarry_store_put(st, r, 3, NULL, &bad), 1);
	assert_int_equal(quarry_store_commit(st), 0);
	/* The same version again: nothing to write. */
	assert_int_equal(quarry_store_put(st, r, 3, NULL, &bad), 0);
	assert_int_equal(quarry_store_commit(st), 0);
	quarry_store_get_counts(st, &c);
	assert_int_equal(c.commits, 1);
	assert_int_equal(c.chunks_added, 3);

	quarry_hash_hex("beta", 4, hex);
	assert_int_equal(quarry_store_cache_get(st, "m/4", hex, vec, 4), 0);
	assert_true(vec[0] == 2.0f && vec[3] == 2.375f);
	assert_int_equal(quarry_store_cache_get(st, "other/4", hex, vec, 4),
	    QUARRY_ENOTFOUND);
	assert_int_equal(quarry_store_cache_get(st, "m/4", hex, vec, 3),
	    QUARRY_EMODEL);
	assert_int_equal(quarry_store_cache_get(st, "m/4", "nohash", vec, 4),
	    QUARRY_ENOTFOUND);

	/* Chunk 1 changes: one added, two kept, one deleted. */
	json_decref(r[1]);
	r[1] = rec("d1", 1, "delta", 4, 4, "m/4");
	assert_int_equal(quarry_store_put(st, r, 3, NULL, &bad), 1);
	assert_int_equal(quarry_store_commit(st), 0);
	quarry_store_get_counts(st, &c);
	assert_int_equal(c.chunks_added, 4);
	assert_int_equal(c.chunks_kept, 2);
	assert_int_equal(c.chunks_deleted, 1);
	assert_int_equal(quarry_store_cache_get(st, "m/4", hex, vec, 4),
	    QUARRY_ENOTFOUND);
	assert_int_equal(check(st), 0);

	/* Another model is refused, naming the record. */
	json_decref(r[2]);
	r[2] = rec("d2", 0, "x", 4, 0, "n/4");
	assert_int_equal(quarry_store_put(st, &r[2], 1, NULL, &bad),
	    QUARRY_EMODEL);
	assert_int_equal(bad, 0);
	assert_string_equal(quarry_store_error(st),
	    "model \"n/4\" does not match the store's model \"m/4\"");

	assert_int_equal(quarry_store_delete(st, "d1"), 0);
	assert_int_equal(quarry_store_delete(st, "nosuch"), QUARRY_ENOTFOUND);
	assert_int_equal(quarry_store_commit(st), 0);
	assert_int_equal(quarry_store_stats(st, &info), 0);
	assert_int_equal(info.documents, 0);
	assert_int_equal(info.chunks, 0);
	assert_string_equal(info.model, "m/4");
	assert_int_equal(check(st), 0);
	json_decref(r[0]);
	json_decref(r[1]);
	json_decref(r[2]);
	quarry_store_close(st);
}

static void
test_bad_records(void **state)
{
	quarry_store *st = open_new("b");
	json_t *r[2];
	size_t bad;

	(void)state;
	r[0] = rec("d", 0, "one", 4, 1, "m/4");
	r[1] = rec("d", 1, "two", 4, 1, "m/4");
	json_object_del(r[1], "hash");
	assert_int_equal(quarry_store_put(st, r, 2, NULL, &bad), QUARRY_EFIELD);
	assert_int_equal(bad, 1);
	assert_string_equal(quarry_store_error(st), "missing field \"hash\"");
	json_decref(r[1]);
	r[1] = rec("d", 1, "two", 5, 1, "m/4");
	assert_int_equal(quarry_store_put(st, r, 2, NULL, &bad), QUARRY_EMODEL);
	assert_int_equal(bad, 1);
	json_decref(r[1]);
	r[1] = rec("d", 0, "two", 4, 1, "m/4");
	assert_int_equal(quarry_store_put(st, r, 2, NULL, &bad), QUARRY_EINVAL);
	json_decref(r[1]);
	r[1] = rec("e", 1, "two", 4, 1, "m/4");
	assert_int_equal(quarry_store_put(st, r, 2, NULL, &bad), QUARRY_EINVAL);
	assert_int_equal(quarry_store_commit(st), 0);
	assert_int_equal(check(st), 0);
	json_decref(r[0]);
	json_decref(r[1]);
	quarry_store_close(st);
}

struct seen {
	size_t live, records;
};

static int
count_author(const char *value, const uint64_t *slots, size_t n, void *arg)
{
	struct seen *s = arg;

	assert_string_equal(value, "Ann Author");
	s->records += n;
	for (; n > 1; n--, slots++)
		assert_true(slots[0] < slots[1]);
	return 0;
}

/* Many one-chunk documents, most deleted: blocks are compacted. */
static void
test_compaction_and_view(void **state)
{
	quarry_store *st = open_new("c");
	quarry_store_view *v;
	quarry_store_info info;
	quarry_store_counts c;
	struct seen s = { 0, 0 };
	const float *vecs;
	const uint64_t *live;
	uint64_t cur = 0, first;
	size_t i, bad, B;
	char doc[32], text[64];

	(void)state;
	/* Start with a tiny map: it must grow by itself. */
	assert_int_equal(mdb_env_set_mapsize(st->env, 1 << 16), 0);
	for (i = 0; i < 600; i++) {
		json_t *r;

		snprintf(doc, sizeof(doc), "doc%04zu", i);
		snprintf(text, sizeof(text), "text of %zu", i);
		r = rec(doc, 0, text, 64, (float)i, "m/64");
		assert_int_equal(quarry_store_put(st, &r, 1, NULL, &bad), 1);
		json_decref(r);
	}
	assert_int_equal(quarry_store_commit(st), 0);
	assert_int_equal(check(st), 0);
	B = st->block_slots;
	/* Delete all but every fifth. */
	for (i = 0; i < 600; i++)
		if (i % 5 != 0) {
			snprintf(doc, sizeof(doc), "doc%04zu", i);
			assert_int_equal(quarry_store_delete(st, doc), 0);
		}
	assert_int_equal(quarry_store_commit(st), 0);
	quarry_store_get_counts(st, &c);
	assert_true(c.chunks_moved > 0);
	assert_int_equal(check(st), 0);
	assert_int_equal(quarry_store_stats(st, &info), 0);
	assert_int_equal(info.chunks, 120);
	/* Compacted: at most one block more than the live vectors need,
	 * plus the tail. */
	assert_true(info.blocks <= 120 / B + 2);

	assert_int_equal(quarry_store_view_open(st, &v), 0);
	while (quarry_store_view_block(v, &cur, &vecs, &live, &first) == 1) {
		assert_int_equal(first % B, 0);
		assert_int_equal((uintptr_t)vecs % 16, 0);
		for (i = 0; i < B; i++)
			if (live[i / 64] >> (i % 64) & 1) {
				json_t *r;
				const char *t;
				float seed;

				s.live++;
				assert_int_equal(quarry_store_view_record(v,
				    first + i, &r), 0);
				t = quarry_record_string(r, "text", NULL);
				assert_non_null(t);
				seed = (float)atoi(t + 8);
				assert_true(vecs[i * 64] == seed);
				assert_null(json_object_get(r, "embedding"));
				json_decref(r);
			}
	}
	assert_int_equal(s.live, 120);
	assert_int_equal(quarry_store_view_field(v, "author", "Ann", 1,
	    count_author, &s), 0);
	assert_int_equal(s.records, 120);
	quarry_store_view_close(v);
	quarry_store_close(st);
}

static void
test_fingerprint(void **state)
{
	quarry_fingerprint fp;
	char path[300];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/file.txt", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("hello", f);
	fclose(f);
	assert_int_equal(quarry_fingerprint_file(path, &fp), 0);
	assert_int_equal(fp.has, 1);
	assert_int_equal(fp.size, 5);
	{
		char hex[33];

		quarry_hash_hex("hello", 5, hex);
		assert_string_equal(fp.hash, hex);
	}
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(quarry_fingerprint_file(path, &fp), QUARRY_ENOTFOUND);
}

/* LMDB's EIO for a short write is told apart by what caused it (issue 14,
 * item 14: ENOSPC was shown as "Input/output error"). */
static void
test_io_errno(void **state)
{
	const uint64_t G = (uint64_t)1 << 30;

	(void)state;
	assert_int_equal(store_io_errno(EIO, 0, 10 * G, 0), ENOSPC);
	assert_int_equal(store_io_errno(EIO, 4096, 10 * G, 0), ENOSPC);
	assert_int_equal(store_io_errno(EIO, 100 * G, 1024000, 1024000),
	    EFBIG);
	assert_int_equal(store_io_errno(EIO, 0, 1024000, 1024000), EFBIG);
	assert_int_equal(store_io_errno(EIO, 100 * G, 10 * G, 0), EIO);
	assert_int_equal(store_io_errno(EIO, 100 * G, 1024, 100 * G), EIO);
	assert_int_equal(store_io_errno(ENOSPC, 100 * G, 0, 0), ENOSPC);
	assert_int_equal(store_io_errno(MDB_MAP_FULL, 0, 0, 0), MDB_MAP_FULL);
	assert_string_equal(mdb_strerror(store_io_errno(EIO, 0, 0, 0)),
	    "No space left on device");
}

/* Counts the change feed's lines by kind and checks their seqs. */
struct feed {
	size_t upserts, deletes, snapshots;
	uint64_t last;
};

static int
feed_line(const json_t *line, void *arg)
{
	struct feed *f = arg;
	const char *kind = quarry_record_string(line, "change", NULL);
	uint64_t seq = (uint64_t)json_integer_value(json_object_get(line,
	    "seq"));

	assert_non_null(kind);
	if (strcmp(kind, "snapshot") == 0) {
		f->snapshots++;
		f->last = seq;
		return 0;
	}
	if (f->snapshots > 0)
		assert_true(seq == f->last);
	else
		assert_true(seq > f->last);
	f->last = seq;
	assert_non_null(quarry_record_string(line, "id", NULL));
	assert_non_null(quarry_record_string(line, "doc", NULL));
	if (strcmp(kind, "upsert") == 0) {
		f->upserts++;
		assert_non_null(json_object_get(line, "embedding"));
	} else {
		assert_string_equal(kind, "delete");
		assert_int_equal(json_object_size(line), 4);
		f->deletes++;
	}
	return 0;
}

static void
test_changes_log(void **state)
{
	quarry_store *st = open_new("log");
	quarry_store_info info;
	struct feed f = { 0 };
	uint64_t last, floor, n;
	size_t i, bad;
	char doc[32], text[64];

	(void)state;
	for (i = 0; i < 300; i++) {
		json_t *r[2];

		snprintf(doc, sizeof(doc), "doc%04zu", i);
		snprintf(text, sizeof(text), "text of %zu", i);
		r[0] = rec(doc, 0, text, 16, (float)i, "m/16");
		snprintf(text, sizeof(text), "more text of %zu", i);
		r[1] = rec(doc, 1, text, 16, (float)i + 0.5f, "m/16");
		assert_int_equal(quarry_store_put(st, r, 2, NULL, &bad), 1);
		json_decref(r[0]);
		json_decref(r[1]);
	}
	assert_int_equal(quarry_store_commit(st), 0);
	assert_int_equal(quarry_store_change_seq(st, &last, &floor), 0);
	assert_int_equal(last, 600);
	assert_int_equal(floor, 0);
	/* Deleting most documents compacts blocks: moves log nothing. */
	for (i = 0; i < 300; i++)
		if (i % 5 != 0) {
			snprintf(doc, sizeof(doc), "doc%04zu", i);
			assert_int_equal(quarry_store_delete(st, doc), 0);
		}
	assert_int_equal(quarry_store_commit(st), 0);
	assert_int_equal(quarry_store_change_seq(st, &last, NULL), 0);
	assert_int_equal(last, 600 + 480);
	assert_int_equal(check(st), 0);
	/* From the start: the upserts of deleted chunks are skipped. */
	assert_int_equal(quarry_store_changes(st, 0, feed_line, &f), 0);
	assert_int_equal(f.upserts, 120);
	assert_int_equal(f.deletes, 480);
	assert_int_equal(f.last, 1080);
	memset(&f, 0, sizeof(f));
	assert_int_equal(quarry_store_changes_snapshot(st, feed_line, &f), 0);
	assert_int_equal(f.snapshots, 1);
	assert_int_equal(f.upserts, 120);
	assert_int_equal(f.last, 1080);
	/* Pruning. */
	assert_int_equal(quarry_store_prune_changes(st, 1081, &n),
	    QUARRY_EINVAL);
	assert_non_null(strstr(quarry_store_error(st), "the last change is 1080"));
	assert_int_equal(quarry_store_prune_changes(st, 700, &n), 0);
	assert_int_equal(n, 700);
	assert_int_equal(quarry_store_changes(st, 699, feed_line, &f),
	    QUARRY_ENOTFOUND);
	assert_non_null(strstr(quarry_store_error(st),
	    "the oldest change kept is 701"));
	memset(&f, 0, sizeof(f));
	f.last = 700;
	assert_int_equal(quarry_store_changes(st, 700, feed_line, &f), 0);
	assert_int_equal(f.deletes, 380);
	assert_int_equal(quarry_store_stats(st, &info), 0);
	assert_int_equal(info.change_seq, 1080);
	assert_int_equal(info.change_floor, 700);
	assert_int_equal(info.change_entries, 380);
	assert_true(info.change_bytes > 0);
	assert_int_equal(check(st), 0);
	quarry_store_close(st);
}

/* A store_write_txn() body that finds the map full w->full times, then
 * fails with w->rc (0: succeeds without writing). */
struct wt {
	int calls, full, rc;
};

static int
wt_fn(quarry_store *st, MDB_txn *txn, void *arg)
{
	struct wt *w = arg;

	(void)st;
	(void)txn;
	return ++w->calls <= w->full ? MDB_MAP_FULL : w->rc;
}

/* Shrinks st's map to the pages in use: the next write must grow it. */
static size_t
shrink_map(quarry_store *st)
{
	MDB_envinfo ei;

	if (st->rtxn != NULL) {
		mdb_txn_abort(st->rtxn);
		st->rtxn = NULL;
	}
	assert_int_equal(mdb_env_set_mapsize(st->env, 1 << 16), 0);
	assert_int_equal(mdb_env_info(st->env, &ei), 0);
	return ei.me_mapsize;
}

static size_t
map_size(quarry_store *st)
{
	MDB_envinfo ei;

	assert_int_equal(mdb_env_info(st->env, &ei), 0);
	return ei.me_mapsize;
}

/*
 * The one write transaction (store_write_txn()): fn's own error comes back
 * as it is after one call; a full map is doubled and fn replayed; and the
 * rewrites that use it (the lexical rebuild, quantization, pruning) grow a
 * full map by themselves.
 */
static void
test_write_txn(void **state)
{
	quarry_store *st = open_new("w");
	struct wt w = { 0, 0, QUARRY_EINVAL };
	uint64_t n;
	size_t i, bad, size;
	char doc[32], text[64];

	(void)state;
	assert_int_equal(store_write_txn(st, wt_fn, &w), QUARRY_EINVAL);
	assert_int_equal(w.calls, 1);
	size = map_size(st);
	w = (struct wt){ 0, 2, 0 };
	assert_int_equal(store_write_txn(st, wt_fn, &w), 0);
	assert_int_equal(w.calls, 3);
	assert_int_equal(map_size(st), size * 4);

	for (i = 0; i < 600; i++) {
		json_t *r;

		snprintf(doc, sizeof(doc), "doc%04zu", i);
		snprintf(text, sizeof(text), "text %zu of doc%04zu", i, i);
		r = rec(doc, 0, text, 64, (float)i, "m/64");
		assert_int_equal(quarry_store_put(st, &r, 1, NULL, &bad), 1);
		json_decref(r);
	}
	assert_int_equal(quarry_store_commit(st), 0);

	size = shrink_map(st);
	assert_int_equal(quarry_store_quantize(st, "int8", &n), 0);
	assert_int_equal(n, 600);
	assert_true(map_size(st) > size);
	assert_int_equal(check(st), 0);

	for (i = 0; i < 300; i++) {
		snprintf(doc, sizeof(doc), "doc%04zu", i);
		assert_int_equal(quarry_store_delete(st, doc), 0);
	}
	assert_int_equal(quarry_store_commit(st), 0);
	size = shrink_map(st);
	assert_int_equal(quarry_store_reindex_lexical(st, &n), 0);
	assert_int_equal(n, 300);
	assert_true(map_size(st) > size);
	assert_int_equal(check(st), 0);

	shrink_map(st);
	assert_int_equal(quarry_store_prune_changes(st, 500, &n), 0);
	assert_int_equal(n, 500);
	assert_int_equal(check(st), 0);
	quarry_store_close(st);
}

/* Makes store path look as a quarry without the change log made it:
 * format 3, or format 2 without the lexical index either. */
static void
make_old(const char *path, int format)
{
	static const char *const keys[] = { "change_seq", "change_floor",
	    "lexical", "lexical_lang", "lex_tokens" };
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi, meta;
	MDB_val k, v;
	size_t i;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
	assert_int_equal(mdb_env_open(env, path, 0, 0666), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	assert_int_equal(mdb_dbi_open(txn, "changes", 0, &dbi), 0);
	assert_int_equal(mdb_drop(txn, dbi, 1), 0);
	if (format == 2) {
		assert_int_equal(mdb_dbi_open(txn, "terms", 0, &dbi), 0);
		assert_int_equal(mdb_drop(txn, dbi, 1), 0);
	}
	for (i = 0; i < (format == 2 ? 5u : 2u); i++) {
		k.mv_size = strlen(keys[i]);
		k.mv_data = (void *)keys[i];
		mdb_del(txn, meta, &k, NULL);
	}
	k.mv_size = 6;
	k.mv_data = (void *)"format";
	v.mv_size = 1;
	v.mv_data = format == 2 ? (void *)"2" : (void *)"3";
	assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void
old_store(int format)
{
	quarry_store *st, *ro;
	quarry_store_info info;
	struct feed f = { 0 };
	char path[300];
	uint64_t last;
	json_t *r[3];
	size_t bad;

	snprintf(path, sizeof(path), "%s/old%d", dir, format);
	st = open_new(format == 2 ? "old2" : "old3");
	r[0] = rec("old", 0, "an old chunk", 8, 1, "m/8");
	r[1] = rec("old", 1, "another old chunk", 8, 2, "m/8");
	assert_int_equal(quarry_store_put(st, r, 2, NULL, &bad), 1);
	assert_int_equal(quarry_store_commit(st), 0);
	quarry_store_close(st);
	make_old(path, format);

	assert_int_equal(quarry_store_open(&st, path, 0), 0);
	assert_int_equal(st->format, (unsigned)format);
	assert_int_equal(st->changesdb, 0);
	assert_int_equal(quarry_store_has_lexical(st), format == 3);
	assert_int_equal(check(st), 0);
	assert_int_equal(quarry_store_change_seq(st, &last, NULL), 0);
	assert_int_equal(last, 0);
	/* A reader opened before the first write sees the log after it. */
	assert_int_equal(quarry_store_open(&ro, path, QUARRY_STORE_RDONLY), 0);
	assert_int_equal(quarry_store_changes_snapshot(ro, feed_line, &f), 0);
	assert_int_equal(f.snapshots, 1);
	assert_int_equal(f.upserts, 2);
	assert_int_equal(f.last, 0);

	/* The first write starts the log, at 1, and makes format 4. */
	r[2] = rec("new", 0, "a new chunk", 8, 3, "m/8");
	assert_int_equal(quarry_store_put(st, &r[2], 1, NULL, &bad), 1);
	assert_int_equal(quarry_store_commit(st), 0);
	assert_int_equal(st->format, STORE_FORMAT);
	assert_int_equal(quarry_store_has_lexical(st), format == 3);
	assert_int_equal(check(st), 0);
	memset(&f, 0, sizeof(f));
	assert_int_equal(quarry_store_changes(ro, 0, feed_line, &f), 0);
	assert_int_equal(f.upserts, 1);
	assert_int_equal(f.last, 1);
	memset(&f, 0, sizeof(f));
	assert_int_equal(quarry_store_changes_snapshot(ro, feed_line, &f), 0);
	assert_int_equal(f.upserts, 3);
	assert_int_equal(f.last, 1);
	quarry_store_close(ro);
	if (format == 2) {
		/* --reindex-lexical keeps format 4. */
		assert_int_equal(quarry_store_reindex_lexical(st, NULL), 0);
		assert_int_equal(check(st), 0);
	}
	quarry_store_close(st);
	assert_int_equal(quarry_store_open(&st, path, QUARRY_STORE_RDONLY), 0);
	assert_int_equal(quarry_store_stats(st, &info), 0);
	assert_int_equal(info.format, 4);
	assert_int_equal(info.lexical, 1);
	assert_int_equal(info.change_seq, 1);
	quarry_store_close(st);
	json_decref(r[0]);
	json_decref(r[1]);
	json_decref(r[2]);
}

/*
 * The lexical rebuild of a store without the terms database, in a map
 * shrunk to the pages in use: the first try opens the database and finds
 * the map full; store_write_txn() aborts it, which closes the handle, and
 * replays.  The replay must open the database again (with the handle of
 * the aborted try it failed: "Invalid argument").
 */
static void
test_rebuild_replay(void **state)
{
	quarry_store *st = open_new("replay");
	quarry_store_info info;
	char path[300], doc[32], text[64];
	uint64_t n;
	size_t i, bad, size;

	(void)state;
	for (i = 0; i < 400; i++) {
		json_t *r;

		snprintf(doc, sizeof(doc), "doc%04zu", i);
		snprintf(text, sizeof(text), "text %zu of doc%04zu", i, i);
		r = rec(doc, 0, text, 8, (float)i, "m/8");
		assert_int_equal(quarry_store_put(st, &r, 1, NULL, &bad), 1);
		json_decref(r);
	}
	assert_int_equal(quarry_store_commit(st), 0);
	quarry_store_close(st);
	snprintf(path, sizeof(path), "%s/replay", dir);
	make_old(path, 2);

	assert_int_equal(quarry_store_open(&st, path, 0), 0);
	assert_int_equal(st->termsdb, 0);
	size = shrink_map(st);
	assert_int_equal(quarry_store_reindex_lexical(st, &n), 0);
	assert_int_equal(n, 400);
	assert_true(map_size(st) > size);
	assert_int_equal(st->termsdb, 1);
	assert_int_equal(check(st), 0);
	quarry_store_close(st);
	assert_int_equal(quarry_store_open(&st, path, QUARRY_STORE_RDONLY), 0);
	assert_int_equal(quarry_store_stats(st, &info), 0);
	assert_int_equal(info.lexical, 1);
	assert_true(info.lex_keys > 0);
	assert_int_equal(check(st), 0);
	quarry_store_close(st);
}

static void
test_changes_old_store(void **state)
{
	(void)state;
	old_store(3);
	old_store(2);
}

/* Files without text remembered (the notext database, #17). */
static int
count_notext(const char *source, int why, void *arg)
{
	(void)source;
	*(int *)arg += why;
	return 0;
}

static void
test_notext(void **state)
{
	quarry_fingerprint fp;
	quarry_store *st;
	json_t *r;
	char path[300], db[300];
	int stale, why, n;
	size_t bad;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/empty.txt", dir);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	assert_int_equal(quarry_fingerprint_file(path, &fp), 0);
	st = open_new("notext");
	assert_int_equal(quarry_store_stale_notext(st, path, &stale, &why), 0);
	assert_int_equal(stale, 1);
	assert_int_equal(why, 0);
	assert_int_equal(quarry_store_put_notext(st, path, &fp, 7),
	    QUARRY_EINVAL);
	assert_int_equal(quarry_store_put_notext(st, "", &fp,
	    QUARRY_NOTEXT_EMPTY), QUARRY_EINVAL);
	assert_int_equal(quarry_store_put_notext(st, path, &fp,
	    QUARRY_NOTEXT_EMPTY), 0);
	/* Queued, not written before the commit. */
	assert_int_equal(quarry_store_stale(st, path, &stale), 0);
	assert_int_equal(stale, 1);
	assert_int_equal(quarry_store_commit(st), 0);
	assert_int_equal(quarry_store_stale_notext(st, path, &stale, &why), 0);
	assert_int_equal(stale, 0);
	assert_int_equal(why, QUARRY_NOTEXT_EMPTY);
	/* A store without a model holding only such entries is sound. */
	assert_int_equal(check(st), 0);
	quarry_store_close(st);

	/* Reopened, it is still known; a changed file is stale. */
	snprintf(db, sizeof(db), "%s/notext", dir);
	assert_int_equal(quarry_store_open(&st, db, 0), 0);
	assert_int_equal(quarry_store_stale_notext(st, path, &stale, &why), 0);
	assert_int_equal(stale, 0);
	n = 0;
	assert_int_equal(quarry_store_foreach_notext(st, count_notext, &n), 0);
	assert_int_equal(n, QUARRY_NOTEXT_EMPTY);
	assert_non_null(f = fopen(path, "w"));
	fputs("now some text", f);
	fclose(f);
	assert_int_equal(quarry_store_stale_notext(st, path, &stale, &why), 0);
	assert_int_equal(stale, 1);
	assert_int_equal(why, QUARRY_NOTEXT_EMPTY);

	/* A document from that source takes its place. */
	r = rec(path, 0, "now some text", 4, 0.5f, "m/4");
	assert_int_equal(json_object_set_new(r, "source", json_string(path)),
	    0);
	assert_int_equal(quarry_fingerprint_file(path, &fp), 0);
	assert_int_equal(quarry_store_put(st, &r, 1, &fp, &bad), 1);
	json_decref(r);
	assert_int_equal(quarry_store_commit(st), 0);
	n = 0;
	assert_int_equal(quarry_store_foreach_notext(st, count_notext, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(quarry_store_stale_notext(st, path, &stale, &why), 0);
	assert_int_equal(stale, 0);
	assert_int_equal(why, 0);
	assert_int_equal(check(st), 0);

	/* A contents page, then forgotten. */
	assert_int_equal(quarry_store_put_notext(st, "toc.html", &fp,
	    QUARRY_NOTEXT_CONTENTS), 0);
	assert_int_equal(quarry_store_commit(st), 0);
	n = 0;
	assert_int_equal(quarry_store_foreach_notext(st, count_notext, &n), 0);
	assert_int_equal(n, QUARRY_NOTEXT_CONTENTS);
	assert_int_equal(quarry_store_delete_notext(st, "toc.html"), 0);
	assert_int_equal(quarry_store_commit(st), 0);
	n = 0;
	assert_int_equal(quarry_store_foreach_notext(st, count_notext, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(check(st), 0);
	quarry_store_close(st);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_geometry),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_put_cache_delete),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_compaction_and_view),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_io_errno),
		cmocka_unit_test(test_changes_log),
		cmocka_unit_test(test_changes_old_store),
		cmocka_unit_test(test_write_txn),
		cmocka_unit_test(test_rebuild_replay),
		cmocka_unit_test(test_notext),
	};

	return cmocka_run_group_tests_name("store", tests, setup, teardown);
}
