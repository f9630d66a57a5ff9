/*
 * store_check.c: quarry_store_check(), which verifies every invariant of the
 * layout in man/quarry-store.5 ("INVARIANTS") in one read transaction.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"
#include "hnsw_private.h"

struct chk {
	quarry_store *st;
	MDB_txn *txn;
	struct store_faults f;
};

#define fault(c, ...) store_fault(&(c)->f, __VA_ARGS__)

void
store_fault(struct store_faults *f, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	f->faults++;
	if (f->fn == NULL || (f->limit > 0 && f->faults > f->limit))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->fn(msg, f->arg);
}

static int
has_pair(struct chk *c, MDB_dbi dbi, MDB_val *k, size_t slot)
{
	MDB_cursor *cur;
	MDB_val v = { sizeof(slot), &slot };
	int rc;

	if (mdb_cursor_open(c->txn, dbi, &cur) != 0)
		return 0;
	rc = mdb_cursor_get(cur, k, &v, MDB_GET_BOTH);
	mdb_cursor_close(cur);
	return rc == 0;
}

static int
live_bit(struct chk *c, size_t slot)
{
	quarry_store *st = c->st;
	size_t block = slot / st->block_slots, i = slot % st->block_slots;
	MDB_val k = { sizeof(block), &block }, v;

	if (mdb_get(c->txn, st->dbi[DB_LIVE], &k, &v) != 0 ||
	    v.mv_size != (st->block_slots + 63) / 64 * sizeof(uint64_t))
		return 0;
	return (((const uint64_t *)v.mv_data)[i / 64] >> (i % 64)) & 1;
}

static const float *
vector(struct chk *c, size_t slot)
{
	quarry_store *st = c->st;
	size_t block = slot / st->block_slots;
	MDB_val k = { sizeof(block), &block }, v;

	if (mdb_get(c->txn, st->dbi[DB_VECTORS], &k, &v) != 0 ||
	    v.mv_size != st->block_slots * st->dims * sizeof(float))
		return NULL;
	return (const float *)v.mv_data + (slot % st->block_slots) * st->dims;
}

/* Checks one document entry and the chunks it lists. */
static void
check_doc(struct chk *c, const char *doc, const MDB_val *dv,
    unsigned char *seen, size_t nslots, uint64_t *nref, uint64_t *nfields,
    uint64_t *nsources)
{
	quarry_store *st = c->st;
	json_t *d = store_doc_parse(dv), *e, *chunks;
	struct qchunk *qc;
	const char *src, *dg;
	char digest[33];
	unsigned char kbuf[STORE_MAX_HASH];
	size_t i, n;

	if (d == NULL) {
		fault(c, "document \"%s\": malformed entry", doc);
		return;
	}
	src = quarry_record_string(d, "source", NULL);
	if (src != NULL) {
		struct store_key sks, skd;
		MDB_val k, v;
		MDB_cursor *cur;

		store_key(src, &sks, &k);
		store_key(doc, &skd, &v);
		(*nsources)++;
		if (mdb_cursor_open(c->txn, st->dbi[DB_SOURCES], &cur) == 0) {
			if (mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH) != 0)
				fault(c, "document \"%s\": source \"%s\" not in sources",
				    doc, src);
			mdb_cursor_close(cur);
		}
	}
	chunks = json_object_get(d, "chunks");
	n = json_array_size(chunks);
	if ((qc = calloc(n ? n : 1, sizeof(*qc))) == NULL) {
		fault(c, "out of memory");
		json_decref(d);
		return;
	}
	json_array_foreach(chunks, i, e) {
		json_t *slotj = json_array_get(e, 0), *rec = NULL, *val;
		const char *hash = json_string_value(json_array_get(e, 1));
		const char *name;
		size_t slot;
		MDB_val k, v;

		if (!json_is_integer(slotj) || hash == NULL ||
		    json_integer_value(slotj) < 0 ||
		    (uint64_t)json_integer_value(slotj) >= nslots) {
			fault(c, "document \"%s\": chunk %zu: bad reference", doc, i);
			goto bad;
		}
		slot = (size_t)json_integer_value(slotj);
		if (seen[slot]) {
			fault(c, "document \"%s\": slot %zu referenced twice",
			    doc, slot);
			goto bad;
		}
		seen[slot] = 1;
		(*nref)++;
		k.mv_size = sizeof(slot);
		k.mv_data = &slot;
		if (mdb_get(c->txn, st->dbi[DB_CHUNKS], &k, &v) != 0) {
			fault(c, "document \"%s\": slot %zu has no chunk record",
			    doc, slot);
			goto bad;
		}
		qc[i].json = v.mv_data;
		qc[i].json_len = v.mv_size;
		rec = store_record_decode(v.mv_data, v.mv_size,
		    json_object_get(d, "meta"), st->model);
		if (rec == NULL || !json_is_object(rec)) {
			fault(c, "slot %zu: malformed chunk record", slot);
			json_decref(rec);
			goto bad;
		}
		if (json_object_get(rec, "embedding") != NULL)
			fault(c, "slot %zu: record holds an embedding", slot);
		if (quarry_record_string(rec, "doc", NULL) == NULL ||
		    strcmp(quarry_record_string(rec, "doc", NULL), doc) != 0)
			fault(c, "slot %zu: record's doc is not \"%s\"", slot,
			    doc);
		if (quarry_record_string(rec, "hash", NULL) == NULL ||
		    strcmp(quarry_record_string(rec, "hash", NULL), hash) != 0)
			fault(c, "slot %zu: record's hash differs from its document entry",
			    slot);
		if (!live_bit(c, slot))
			fault(c, "slot %zu: not marked live", slot);
		if ((qc[i].vec = (float *)vector(c, slot)) == NULL)
			fault(c, "slot %zu: no vector block", slot);
		else {
			size_t j;

			for (j = 0; j < st->dims; j++)
				if (!isfinite(qc[i].vec[j])) {
					fault(c, "slot %zu: vector value not finite",
					    slot);
					break;
				}
		}
		store_cache_key(store_cache_hash(rec) ? store_cache_hash(rec) :
		    hash, kbuf, &k);
		if (!has_pair(c, st->dbi[DB_CACHE], &k, slot))
			fault(c, "slot %zu: missing from the vector cache", slot);
		json_object_foreach(rec, name, val) {
			char buf[STORE_MAX_FIELD + 1 + STORE_MAX_VALUE + 1];

			if (!store_field_indexed(name, val) ||
			    store_field_key(buf, sizeof(buf), name,
			    json_string_value(val), json_string_length(val),
			    &k) != 0)
				continue;
			(*nfields)++;
			if (!has_pair(c, st->dbi[DB_FIELDS], &k, slot))
				fault(c, "slot %zu: field \"%s\" missing from the field index",
				    slot, name);
		}
		json_decref(rec);
		continue;
bad:
		qc[i].json = NULL;
	}
	for (i = 0; i < n; i++)
		if (qc[i].json == NULL || qc[i].vec == NULL)
			break;
	dg = quarry_record_string(d, "digest", NULL);
	if (i == n) {
		store_digest(qc, n, st->dims, digest);
		if (strcmp(digest, dg) != 0)
			fault(c, "document \"%s\": digest mismatch (records or vectors altered)",
			    doc);
	}
	free(qc);
	json_decref(d);
}

long
quarry_store_check(quarry_store *st, void (*fn)(const char *msg, void *arg),
    void *arg)
{
	struct chk c = { st, NULL, { fn, arg, 0, 0 } };
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	MDB_stat ms;
	uint64_t next = 0, nref = 0, nfields = 0, nsources = 0, nlive = 0;
	unsigned char *seen = NULL;
	char *doc = NULL;
	size_t B, words, nblocks;
	long lf;
	int rc;

	if ((rc = store_rdonly_begin(st, &c.txn)) != 0)
		return store_mdb_fail(st, rc, "cannot begin a read transaction");
	if ((rc = store_load_meta(st, c.txn)) != 0) {
		mdb_txn_abort(c.txn);
		return rc;
	}
	if (st->dims == 0) {
		/* No model yet: every other database must be empty. */
		int i;

		for (i = DB_DOCS; i < DB_COUNT; i++)
			if ((i != DB_TERMS || st->termsdb) &&
			    (i != DB_CHANGES || st->changesdb) &&
			    (i != DB_VEC8 || st->vec8db) &&
			    (i != DB_VEC1 || st->vec1db) &&
			    (i != DB_HNSW || st->hnswdb) &&
			    i != DB_NOTEXT &&
			    mdb_stat(c.txn, st->dbi[i], &ms) == 0 &&
			    ms.ms_entries != 0)
				fault(&c, "store without a model holds data");
		/* Files without text may be remembered before any document. */
		lf = store_notext_check(st, c.txn, fn, arg);
		mdb_txn_abort(c.txn);
		return lf < 0 ? lf : c.f.faults + lf;
	}
	B = st->block_slots;
	words = (B + 63) / 64;
	if (B != store_block_slots(st->dims))
		fault(&c, "meta: block_slots %zu, expected %zu for %zu dimensions",
		    B, store_block_slots(st->dims), st->dims);
	rc = store_meta_u64(c.txn, st->dbi[DB_META], "next_slot", &next);
	if (rc != 0 && rc != MDB_NOTFOUND)
		fault(&c, "meta: malformed next_slot");
	if (next > ((uint64_t)1 << 40)) {
		fault(&c, "meta: next_slot %llu out of range",
		    (unsigned long long)next);
		next = 0;
	}
	nblocks = (size_t)(next + B - 1) / B;
	if ((seen = calloc((size_t)next + 1, 1)) == NULL) {
		mdb_txn_abort(c.txn);
		return QUARRY_ENOMEM;
	}

	/* Vector blocks and their live bitmaps. */
	if (mdb_cursor_open(c.txn, st->dbi[DB_VECTORS], &cur) == 0) {
		while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
			size_t block;
			MDB_val lv;

			memcpy(&block, k.mv_data, sizeof(block));
			if (block >= nblocks)
				fault(&c, "vector block %zu beyond next_slot", block);
			if (v.mv_size != B * st->dims * sizeof(float))
				fault(&c, "vector block %zu: %zu bytes, expected %zu",
				    block, v.mv_size, B * st->dims * sizeof(float));
			if (mdb_get(c.txn, st->dbi[DB_LIVE], &k, &lv) != 0)
				fault(&c, "vector block %zu: no live bitmap", block);
		}
		mdb_cursor_close(cur);
	}
	if (mdb_cursor_open(c.txn, st->dbi[DB_LIVE], &cur) == 0) {
		while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
			size_t block, i;
			MDB_val vv;
			uint64_t w;

			memcpy(&block, k.mv_data, sizeof(block));
			if (mdb_get(c.txn, st->dbi[DB_VECTORS], &k, &vv) != 0)
				fault(&c, "live bitmap %zu: no vector block", block);
			if (v.mv_size != words * sizeof(uint64_t)) {
				fault(&c, "live bitmap %zu: wrong size", block);
				continue;
			}
			for (i = 0; i < B; i++) {
				size_t slot = block * B + i;
				MDB_val ck = { sizeof(slot), &slot }, cv;

				memcpy(&w, (const char *)v.mv_data + i / 64 * 8, 8);
				if (!((w >> (i % 64)) & 1))
					continue;
				nlive++;
				if (slot >= next)
					fault(&c, "slot %zu: live beyond next_slot", slot);
				else if (mdb_get(c.txn, st->dbi[DB_CHUNKS], &ck,
				    &cv) != 0)
					fault(&c, "slot %zu: live without a chunk record",
					    slot);
			}
		}
		mdb_cursor_close(cur);
	}

	/* Documents, and through them every chunk and index entry. */
	if (mdb_cursor_open(c.txn, st->dbi[DB_DOCS], &cur) == 0) {
		while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
			json_t *d = store_doc_parse(&v);
			char *nd = store_key_doc(&k, d);
			struct store_key sk;
			MDB_val kk;

			json_decref(d);
			if (nd == NULL) {
				fault(&c, "document entry under a digest key "
				    "without its id");
				continue;
			}
			/* Its key is the one its id gives. */
			store_key(nd, &sk, &kk);
			if (kk.mv_size != k.mv_size ||
			    memcmp(kk.mv_data, k.mv_data, k.mv_size) != 0)
				fault(&c, "document \"%s\": under another key",
				    nd);
			free(doc);
			doc = nd;
			check_doc(&c, doc, &v, seen, (size_t)next, &nref,
			    &nfields, &nsources);
		}
		mdb_cursor_close(cur);
	}
	if (mdb_cursor_open(c.txn, st->dbi[DB_CHUNKS], &cur) == 0) {
		while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
			size_t slot;

			memcpy(&slot, k.mv_data, sizeof(slot));
			if (slot >= next || !seen[slot])
				fault(&c, "slot %zu: chunk record no document lists",
				    slot);
		}
		mdb_cursor_close(cur);
	}
	if (nlive != nref)
		fault(&c, "%llu live slots but %llu chunks listed by documents",
		    (unsigned long long)nlive, (unsigned long long)nref);
	/* Every expected index entry was found above; equal counts mean
	 * there are no stray ones. */
	if (mdb_stat(c.txn, st->dbi[DB_CACHE], &ms) == 0 && ms.ms_entries != nref)
		fault(&c, "vector cache: %llu entries, expected %llu",
		    (unsigned long long)ms.ms_entries, (unsigned long long)nref);
	if (mdb_stat(c.txn, st->dbi[DB_FIELDS], &ms) == 0 &&
	    ms.ms_entries != nfields)
		fault(&c, "field index: %llu entries, expected %llu",
		    (unsigned long long)ms.ms_entries,
		    (unsigned long long)nfields);
	if (mdb_stat(c.txn, st->dbi[DB_SOURCES], &ms) == 0 &&
	    ms.ms_entries != nsources)
		fault(&c, "sources: %llu entries, expected %llu",
		    (unsigned long long)ms.ms_entries,
		    (unsigned long long)nsources);
	if (st->lexical) {
		lf = store_lex_check(st, c.txn, fn, arg);

		if (lf < 0) {
			free(doc);
			free(seen);
			mdb_txn_abort(c.txn);
			return lf;
		}
		c.f.faults += lf;
	}
	if (st->changesdb) {
		long cf = store_changes_check(st, c.txn, fn, arg);

		if (cf < 0) {
			free(doc);
			free(seen);
			mdb_txn_abort(c.txn);
			return cf;
		}
		c.f.faults += cf;
	}
	c.f.faults += store_quant_check(st, c.txn, fn, arg);
	c.f.faults += store_hnsw_check(st, c.txn, fn, arg);
	if ((lf = store_notext_check(st, c.txn, fn, arg)) < 0) {
		free(doc);
		free(seen);
		mdb_txn_abort(c.txn);
		return lf;
	}
	c.f.faults += lf;
	free(doc);
	free(seen);
	mdb_txn_abort(c.txn);
	return c.f.faults;
}
