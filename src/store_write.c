/*
 * store_write.c: changing the store.  Document versions and deletions are
 * validated and queued by quarry_store_put() and quarry_store_delete(), then
 * applied by quarry_store_commit() in one LMDB write transaction, which is
 * replayed with a larger memory map when LMDB reports the map full.  Vectors
 * are appended to the tail block; deletions clear bits in the blocks' live
 * bitmaps, and blocks left less than half live are compacted into the tail
 * at the end of the transaction.  The layout is in man/quarry-store.5.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chunk_private.h"
#include "store_private.h"
#include "hnsw_private.h"

static void
op_clear(struct qop *op)
{
	size_t i;

	for (i = 0; i < op->n; i++) {
		json_decref(op->chunks[i].rec);
		free(op->chunks[i].json);
		free(op->chunks[i].vec);
	}
	free(op->chunks);
	json_decref(op->meta);
	free(op->doc);
	memset(op, 0, sizeof(*op));
}

void
store_ops_clear(quarry_store *st)
{
	size_t i;

	for (i = 0; i < st->nops; i++)
		op_clear(&st->ops[i]);
	st->nops = 0;
	st->queued_bytes = 0;
	json_decref(st->queued);
	st->queued = NULL;
	free(st->q_settings);
	free(st->q_rebuild);
	st->q_settings = st->q_rebuild = NULL;
	st->q_set = 0;
	store_notext_clear(st);
}

static int
push_op(quarry_store *st, struct qop *op)
{
	if (st->queued == NULL && (st->queued = json_object()) == NULL)
		return QUARRY_ENOMEM;
	if (st->nops == st->capops) {
		size_t ncap = st->capops ? st->capops * 2 : 64;
		struct qop *n = realloc(st->ops, ncap * sizeof(*n));

		if (n == NULL)
			return QUARRY_ENOMEM;
		st->ops = n;
		st->capops = ncap;
	}
	if (json_object_set_new(st->queued, op->doc, json_true()) != 0)
		return QUARRY_ENOMEM;
	st->ops[st->nops++] = *op;
	return 0;
}

/* Validates record i and fills c.  Returns 0 or a negative code. */
static int
take_chunk(quarry_store *st, const json_t *rec, const char *doc,
    const char *model, size_t dims, const json_t *meta, struct qchunk *c)
{
	static const char *const strings[] = { "doc", "id", "text", "hash",
	    "model" };
	struct quarry_buf b = { 0 };
	const json_t *emb, *v;
	const char *s;
	size_t i, len;

	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		v = json_object_get(rec, strings[i]);
		if (v == NULL)
			return store_fail(st, QUARRY_EFIELD,
			    "missing field \"%s\"", strings[i]);
		if (!json_is_string(v))
			return store_fail(st, QUARRY_EFIELD,
			    "field \"%s\" is not a string", strings[i]);
	}
	v = json_object_get(rec, "chunk");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return store_fail(st, QUARRY_EFIELD, v == NULL ?
		    "missing field \"chunk\"" :
		    "field \"chunk\" is not a non-negative integer");
	if (strcmp(quarry_record_string(rec, "doc", NULL), doc) != 0)
		return store_fail(st, QUARRY_EINVAL,
		    "record of document \"%s\" inside document \"%s\"",
		    quarry_record_string(rec, "doc", NULL), doc);
	s = quarry_record_string(rec, "model", NULL);
	if (strcmp(s, model) != 0)
		return store_fail(st, QUARRY_EMODEL,
		    "model \"%s\" does not match the store's model \"%s\"",
		    s, model);
	s = quarry_record_string(rec, "hash", &len);
	if (len == 0 || len > STORE_MAX_HASH)
		return store_fail(st, QUARRY_EFIELD,
		    "field \"hash\" must have 1 to %d bytes", STORE_MAX_HASH);
	emb = json_object_get(rec, "embedding");
	if (emb == NULL)
		return store_fail(st, QUARRY_EFIELD,
		    "missing field \"embedding\"");
	if (!json_is_array(emb))
		return store_fail(st, QUARRY_EFIELD,
		    "field \"embedding\" is not an array");
	if (json_array_size(emb) != dims)
		return store_fail(st, QUARRY_EMODEL,
		    "embedding has %zu dimensions, the store's model %s has %zu",
		    json_array_size(emb), model, dims);
	if ((c->vec = malloc(dims * sizeof(float))) == NULL)
		return QUARRY_ENOMEM;
	json_array_foreach(emb, i, v) {
		double d;

		if (!json_is_number(v))
			return store_fail(st, QUARRY_EFIELD,
			    "embedding value %zu is not a number", i);
		d = json_number_value(v);
		c->vec[i] = (float)d;
		if (!isfinite(c->vec[i]))
			return store_fail(st, QUARRY_EFIELD,
			    "embedding value %zu is out of float range", i);
	}
	if ((c->rec = json_copy((json_t *)rec)) == NULL)
		return QUARRY_ENOMEM;
	json_object_del(c->rec, "embedding");
	if (store_record_encode(c->rec, meta, &b) != 0) {
		quarry_buf_free(&b);
		return QUARRY_ENOMEM;
	}
	/* Queued until the commit: without the room reserved for escapes
	 * (six times the text), a batch's records take a sixth as much. */
	c->json = realloc(b.data, b.len + 1);
	if (c->json == NULL)
		c->json = b.data;
	c->json_len = b.len;
	c->hash = quarry_record_string(c->rec, "hash", NULL);
	return 0;
}

static int
same_fp(const json_t *d, const quarry_fingerprint *fp)
{
	const json_t *f = json_object_get(d, "fingerprint");
	const char *h;

	if (fp == NULL || !fp->has)
		return f == NULL;
	if (!json_is_object(f))
		return 0;
	h = quarry_record_string(f, "hash", NULL);
	return (uint64_t)json_integer_value(json_object_get(f, "size")) ==
	    fp->size &&
	    json_integer_value(json_object_get(f, "mtime_ns")) == fp->mtime_ns &&
	    h != NULL && strcmp(h, fp->hash) == 0;
}

int
quarry_store_put(quarry_store *st, json_t *const *recs, size_t n,
    const quarry_fingerprint *fp, size_t *bad)
{
	struct qop op = { 0 };
	const char *doc, *model, *key;
	json_t *seen = NULL, *emb, *val, *stored = NULL;
	struct store_key sk;
	MDB_txn *txn;
	MDB_val k, v;
	json_int_t last = -1;
	size_t i, dims, bytes = 0;
	int rc, fp_only;

	*bad = 0;
	qerr_clear(&st->err);
	if (n == 0)
		return store_fail(st, QUARRY_EINVAL, "no records");
	if (st->flags & QUARRY_STORE_RDONLY)
		return store_fail(st, QUARRY_EINVAL, "%s: opened read-only",
		    st->path);
	if ((doc = quarry_record_string(recs[0], "doc", NULL)) == NULL)
		return store_fail(st, QUARRY_EFIELD, json_object_get(recs[0],
		    "doc") ? "field \"doc\" is not a string" :
		    "missing field \"doc\"");
	if (*doc == '\0' || strlen(doc) > STORE_MAX_DOC_ID)
		return store_fail(st, QUARRY_EFIELD, "field \"doc\" must have "
		    "1 to %d bytes", STORE_MAX_DOC_ID);
	if ((model = quarry_record_string(recs[0], "model", NULL)) == NULL)
		return store_fail(st, QUARRY_EFIELD, json_object_get(recs[0],
		    "model") ? "field \"model\" is not a string" :
		    "missing field \"model\"");
	if (st->dims != 0) {
		model = st->model;
		dims = st->dims;
	} else {
		emb = json_object_get(recs[0], "embedding");
		dims = json_array_size(emb);
		if (!json_is_array(emb) || dims == 0 || dims > STORE_MAX_DIMS)
			return store_fail(st, QUARRY_EFIELD, emb == NULL ?
			    "missing field \"embedding\"" :
			    "field \"embedding\" must be an array of 1 to %d numbers",
			    STORE_MAX_DIMS);
		if (strlen(model) == 0 || strlen(model) >= sizeof(st->model))
			return store_fail(st, QUARRY_EFIELD,
			    "field \"model\" must have 1 to %zu bytes",
			    sizeof(st->model) - 1);
	}
	if ((op.chunks = calloc(n, sizeof(*op.chunks))) == NULL ||
	    (op.doc = strdup(doc)) == NULL ||
	    (seen = json_object()) == NULL) {
		rc = QUARRY_ENOMEM;
		goto fail;
	}
	/* The document-level fields, stored once in its entry. */
	if ((op.meta = json_object()) == NULL) {
		rc = QUARRY_ENOMEM;
		goto fail;
	}
	json_object_foreach(recs[0], key, val)
		if (!chunk_field(key))
			json_object_set(op.meta, key, val);
	for (i = 0; i < n; i++) {
		json_int_t cn;

		*bad = i;
		op.n = i + 1;
		if ((rc = take_chunk(st, recs[i], doc, model, dims, op.meta,
		    &op.chunks[i])) != 0)
			goto fail;
		cn = json_integer_value(json_object_get(recs[i], "chunk"));
		if (cn <= last) {
			rc = store_fail(st, QUARRY_EINVAL,
			    "chunk %" JSON_INTEGER_FORMAT " after chunk %"
			    JSON_INTEGER_FORMAT " (chunks must be in increasing order)",
			    cn, last);
			goto fail;
		}
		last = cn;
		key = quarry_record_string(recs[i], "id", NULL);
		if (json_object_get(seen, key) != NULL) {
			rc = store_fail(st, QUARRY_EINVAL,
			    "duplicate chunk id \"%s\"", key);
			goto fail;
		}
		json_object_set_new(seen, key, json_true());
		bytes += op.chunks[i].json_len + dims * sizeof(float);
	}
	json_decref(seen);
	seen = NULL;
	*bad = 0;
	op.source = quarry_record_string(op.meta, "source", NULL);
	if (op.source != NULL && *op.source == '\0')
		op.source = NULL;
	if (fp != NULL)
		op.fp = *fp;
	store_digest(op.chunks, n, dims, op.digest);

	if (st->dims == 0) {
		snprintf(st->model, sizeof(st->model), "%s", model);
		st->dims = dims;
		st->block_slots = store_block_slots(dims);
	}
	/* A document queued already must reach the store before it is
	 * compared again. */
	if (st->queued != NULL && json_object_get(st->queued, doc) != NULL &&
	    (rc = quarry_store_commit(st)) != 0) {
		*bad = (size_t)-1;
		goto fail;
	}
	if ((rc = store_read_begin(st, &txn)) != 0)
		goto fail;
	store_key(doc, &sk, &k);
	rc = mdb_get(txn, st->dbi[DB_DOCS], &k, &v);
	if (rc == 0)
		stored = store_doc_parse(&v);
	store_read_end(st);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		rc = store_mdb_fail(st, rc, "cannot read documents");
		goto fail;
	}
	if (stored != NULL) {
		const char *dg = quarry_record_string(stored, "digest", NULL);
		json_t *oldsrc = json_object_get(stored, "source");

		if (strcmp(dg, op.digest) == 0 &&
		    json_equal(json_object_get(stored, "meta"), op.meta) &&
		    (oldsrc == NULL ? op.source == NULL : op.source != NULL &&
		    strcmp(json_string_value(oldsrc), op.source) == 0)) {
			if (same_fp(stored, fp)) {
				json_decref(stored);
				op_clear(&op);
				return 0;
			}
			op.fp_only = 1;
		}
		json_decref(stored);
	}
	fp_only = op.fp_only;
	if ((rc = push_op(st, &op)) != 0)
		goto fail;
	st->queued_bytes += bytes;
	if ((st->queued_bytes >= (st->batch_bytes ? st->batch_bytes :
	    STORE_BATCH_BYTES) || (st->batch_docs && st->nops >= st->batch_docs)) &&
	    (rc = quarry_store_commit(st)) != 0) {
		*bad = (size_t)-1;
		return rc;
	}
	return fp_only ? 2 : 1;
fail:
	json_decref(seen);
	op_clear(&op);
	return qerr_ret(&st->err, rc);
}

int
quarry_store_delete(quarry_store *st, const char *doc)
{
	struct qop op = { 0 };
	struct store_key sk;
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	qerr_clear(&st->err);
	if (st->flags & QUARRY_STORE_RDONLY)
		return store_fail(st, QUARRY_EINVAL, "%s: opened read-only",
		    st->path);
	if (*doc == '\0')
		return store_fail(st, QUARRY_ENOTFOUND, "no document \"%s\"",
		    doc);
	store_key(doc, &sk, &k);
	if ((rc = store_read_begin(st, &txn)) != 0)
		return rc;
	rc = mdb_get(txn, st->dbi[DB_DOCS], &k, &v);
	store_read_end(st);
	if (rc == MDB_NOTFOUND &&
	    (st->queued == NULL || json_object_get(st->queued, doc) == NULL))
		return store_fail(st, QUARRY_ENOTFOUND, "no document \"%s\"",
		    doc);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_fail(st, rc, "cannot read documents");
	if ((op.doc = strdup(doc)) == NULL)
		return QUARRY_ENOMEM;
	op.del = 1;
	if ((rc = push_op(st, &op)) != 0)
		op_clear(&op);
	return rc;
}

/* ----------------------------------------------------- the transaction */

struct wctx {
	quarry_store *st;
	MDB_txn *txn;
	size_t B, dims, nlive;
	size_t next_slot;
	size_t tail_block;
	float *tail;
	uint64_t *tail_live;
	int tail_dirty;
	size_t *touched;	/* blocks that lost slots */
	size_t ntouched, captouched;
	struct store_lex *lx;	/* NULL: no lexical index */
	struct store_log lg;	/* the change log (src/changes.c) */
	struct hnsw_delta *gd;	/* slots in and out of the graph (NULL:
				   no graph; src/hnsw.c) */
	quarry_store_counts counts;
	size_t unreleased;	/* chunks appended since the last
				   quarry_store_release_pages() */
};

#define TRY(x) do { if ((rc = (x)) != 0) return rc; } while (0)

static int
put_u64_meta(struct wctx *w, const char *key, uint64_t val)
{
	char buf[32];
	MDB_val k = { strlen(key), (void *)key }, v;

	v.mv_size = (size_t)snprintf(buf, sizeof(buf), "%llu",
	    (unsigned long long)val);
	v.mv_data = buf;
	return mdb_put(w->txn, w->st->dbi[DB_META], &k, &v, 0);
}

static int
flush_tail(struct wctx *w)
{
	MDB_val k = { sizeof(size_t), &w->tail_block }, v;
	int rc;

	if (!w->tail_dirty)
		return 0;
	v.mv_size = w->B * w->dims * sizeof(float);
	TRY(mdb_put(w->txn, w->st->dbi[DB_VECTORS], &k, &v, MDB_RESERVE));
	memcpy(v.mv_data, w->tail, v.mv_size);
	TRY(store_quant_put(w->st, w->txn, w->tail_block, w->tail, w->B));
	v.mv_size = w->nlive * sizeof(uint64_t);
	v.mv_data = w->tail_live;
	TRY(mdb_put(w->txn, w->st->dbi[DB_LIVE], &k, &v, 0));
	w->tail_dirty = 0;
	return 0;
}

static int
load_tail(struct wctx *w)
{
	MDB_val k = { sizeof(size_t), &w->tail_block }, v;
	int rc;

	memset(w->tail, 0, w->B * w->dims * sizeof(float));
	memset(w->tail_live, 0, w->nlive * sizeof(uint64_t));
	rc = mdb_get(w->txn, w->st->dbi[DB_VECTORS], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (v.mv_size != w->B * w->dims * sizeof(float))
		return MDB_CORRUPTED;
	memcpy(w->tail, v.mv_data, v.mv_size);
	rc = mdb_get(w->txn, w->st->dbi[DB_LIVE], &k, &v);
	if (rc == 0 && v.mv_size == w->nlive * sizeof(uint64_t))
		memcpy(w->tail_live, v.mv_data, v.mv_size);
	else if (rc != MDB_NOTFOUND)
		return rc ? rc : MDB_CORRUPTED;
	return 0;
}

/* Adds or removes the field-index entries of record rec for slot. */
static int
index_fields(struct wctx *w, const json_t *rec, size_t slot, int add)
{
	char buf[STORE_MAX_FIELD + 1 + STORE_MAX_VALUE + 1];
	const char *name;
	json_t *val;
	MDB_val k, v = { sizeof(slot), &slot };
	int rc;

	json_object_foreach((json_t *)rec, name, val) {
		if (!store_field_indexed(name, val))
			continue;
		if (store_field_key(buf, sizeof(buf), name,
		    json_string_value(val), json_string_length(val), &k) != 0)
			continue;
		rc = add ? mdb_put(w->txn, w->st->dbi[DB_FIELDS], &k, &v,
		    MDB_NODUPDATA) : mdb_del(w->txn, w->st->dbi[DB_FIELDS], &k, &v);
		if (rc != 0 && rc != MDB_KEYEXIST && rc != MDB_NOTFOUND)
			return rc;
	}
	return 0;
}

static int
set_cache(struct wctx *w, const char *hash, size_t slot, int add)
{
	unsigned char kbuf[STORE_MAX_HASH];
	MDB_val k, v = { sizeof(slot), &slot };
	int rc;

	store_cache_key(hash, kbuf, &k);
	rc = add ? mdb_put(w->txn, w->st->dbi[DB_CACHE], &k, &v, MDB_NODUPDATA) :
	    mdb_del(w->txn, w->st->dbi[DB_CACHE], &k, &v);
	return rc == MDB_KEYEXIST || rc == MDB_NOTFOUND ? 0 : rc;
}

/* Appends a chunk: its vector to the tail block, its record and entries. */
static int
append(struct wctx *w, const float *vec, const char *json, size_t len,
    const json_t *rec, const char *hash, size_t *out)
{
	size_t slot = w->next_slot++, i = slot % w->B;
	MDB_val k = { sizeof(slot), &slot }, v = { len, (void *)json };
	int rc;

	w->counts.chunks_added++;
	if (++w->unreleased >= STORE_RELEASE_CHUNKS) {
		w->unreleased = 0;
		quarry_store_release_pages(w->st);
	}
	if (w->gd != NULL)
		TRY(hnsw_delta_add(w->gd, slot));
	memcpy(w->tail + i * w->dims, vec, w->dims * sizeof(float));
	w->tail_live[i / 64] |= (uint64_t)1 << (i % 64);
	w->tail_dirty = 1;
	TRY(mdb_put(w->txn, w->st->dbi[DB_CHUNKS], &k, &v, MDB_APPEND));
	TRY(set_cache(w, hash, slot, 1));
	TRY(index_fields(w, rec, slot, 1));
	if (w->lx != NULL) {
		TRY(store_lex_add(w->lx, rec, slot));
		if (store_lex_pending(w->lx) >= ((size_t)4 << 20))
			TRY(store_lex_flush(w->lx, w->st, w->txn));
	}
	if (i == w->B - 1) {
		TRY(flush_tail(w));
		w->tail_block++;
		memset(w->tail, 0, w->B * w->dims * sizeof(float));
		memset(w->tail_live, 0, w->nlive * sizeof(uint64_t));
	}
	*out = slot;
	return 0;
}

/* Returns the current vector of slot (tail buffer or stored block). */
static const float *
vector_of(struct wctx *w, size_t slot)
{
	size_t block = slot / w->B;
	MDB_val k = { sizeof(block), &block }, v;

	if (block == w->tail_block)
		return w->tail + (slot % w->B) * w->dims;
	if (mdb_get(w->txn, w->st->dbi[DB_VECTORS], &k, &v) != 0 ||
	    v.mv_size != w->B * w->dims * sizeof(float))
		return NULL;
	return (const float *)v.mv_data + (slot % w->B) * w->dims;
}

static int
touch(struct wctx *w, size_t block)
{
	size_t i;

	for (i = w->ntouched; i > 0; i--)
		if (w->touched[i - 1] == block)
			return 0;
	if (w->ntouched == w->captouched) {
		size_t ncap = w->captouched ? w->captouched * 2 : 64;
		size_t *n = realloc(w->touched, ncap * sizeof(*n));

		if (n == NULL)
			return ENOMEM;
		w->touched = n;
		w->captouched = ncap;
	}
	w->touched[w->ntouched++] = block;
	return 0;
}

/*
 * Drops slot's record and entries; with clear, its live bit as well, and
 * logs the chunk's deletion unless its id is a key of keep (the ids of the
 * document's new version, which log their own upserts).
 */
static int
kill_slot(struct wctx *w, size_t slot, int clear, const json_t *keep)
{
	size_t block = slot / w->B, i = slot % w->B;
	MDB_val k = { sizeof(slot), &slot }, v;
	json_t *rec;
	const char *hash;
	int rc;

	if ((rc = mdb_get(w->txn, w->st->dbi[DB_CHUNKS], &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
	if ((rec = store_record_load(w->st, w->txn, &v)) == NULL)
		return MDB_CORRUPTED;
	if (w->gd != NULL && (rc = hnsw_delta_del(w->gd, slot)) != 0) {
		json_decref(rec);
		return rc;
	}
	hash = store_cache_hash(rec);
	if ((rc = index_fields(w, rec, slot, 0)) == 0 && hash != NULL)
		rc = set_cache(w, hash, slot, 0);
	if (rc == 0 && w->lx != NULL)
		rc = store_lex_del(w->lx, rec, slot);
	if (rc == 0 && clear) {
		const char *id = quarry_record_string(rec, "id", NULL);
		const char *doc = quarry_record_string(rec, "doc", NULL);

		if (id == NULL || doc == NULL)
			rc = MDB_CORRUPTED;
		else if (keep == NULL || json_object_get(keep, id) == NULL)
			rc = store_log_put(&w->lg, STORE_CHANGE_DELETE, doc, id);
	}
	json_decref(rec);
	if (rc != 0)
		return rc;
	TRY(mdb_del(w->txn, w->st->dbi[DB_CHUNKS], &k, NULL));
	if (!clear)
		return 0;
	if (block == w->tail_block) {
		w->tail_live[i / 64] &= ~((uint64_t)1 << (i % 64));
		w->tail_dirty = 1;
		return 0;
	} else {
		MDB_val bk = { sizeof(block), &block };
		uint64_t *live;
		size_t j;
		int any = 0;

		if ((rc = mdb_get(w->txn, w->st->dbi[DB_LIVE], &bk, &v)) != 0)
			return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
		if (v.mv_size != w->nlive * sizeof(uint64_t))
			return MDB_CORRUPTED;
		if ((live = malloc(v.mv_size)) == NULL)
			return ENOMEM;
		memcpy(live, v.mv_data, v.mv_size);
		live[i / 64] &= ~((uint64_t)1 << (i % 64));
		for (j = 0; j < w->nlive; j++)
			any |= live[j] != 0;
		if (any) {
			v.mv_data = live;
			rc = mdb_put(w->txn, w->st->dbi[DB_LIVE], &bk, &v, 0);
			if (rc == 0)
				rc = touch(w, block);
		} else {
			/* A block with no live slot goes entirely. */
			rc = mdb_del(w->txn, w->st->dbi[DB_LIVE], &bk, NULL);
			if (rc == 0)
				rc = mdb_del(w->txn, w->st->dbi[DB_VECTORS],
				    &bk, NULL);
			if (rc == 0)
				rc = store_quant_del(w->st, w->txn, block);
		}
		free(live);
		return rc;
	}
}

/*
 * Replaces the stored record of a kept slot when it changed, and then logs
 * its upsert, and the deletion of its old id when that is not among ids
 * (the ids of the document's new version).
 */
static int
rewrite_record(struct wctx *w, size_t slot, const struct qchunk *c,
    const char *doc, const json_t *ids)
{
	MDB_val k = { sizeof(slot), &slot }, v;
	const char *oh, *nh;
	json_t *old;
	int rc;

	if ((rc = mdb_get(w->txn, w->st->dbi[DB_CHUNKS], &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
	/* The old record as a whole (the document's old fields are still
	 * in its entry): the stored form may be the same while the
	 * document-level fields changed. */
	if ((old = store_record_load(w->st, w->txn, &v)) == NULL)
		return MDB_CORRUPTED;
	if (json_equal(old, c->rec) && v.mv_size == c->json_len &&
	    memcmp(v.mv_data, c->json, c->json_len) == 0) {
		json_decref(old);
		return 0;
	}
	oh = quarry_record_string(old, "id", NULL);
	if (oh == NULL) {
		json_decref(old);
		return MDB_CORRUPTED;
	}
	rc = json_object_get(ids, oh) != NULL ? 0 : store_log_put(&w->lg,
	    STORE_CHANGE_DELETE, doc, oh);
	if (rc == 0)
		rc = index_fields(w, old, slot, 0);
	/* The same vector made from another text sent (src/vectors.c):
	 * cached under its new key. */
	oh = store_cache_hash(old);
	nh = store_cache_hash(c->rec);
	if (rc == 0 && oh != NULL && nh != NULL && strcmp(oh, nh) != 0 &&
	    (rc = set_cache(w, oh, slot, 0)) == 0)
		rc = set_cache(w, nh, slot, 1);
	if (rc == 0 && w->lx != NULL) {
		rc = store_lex_del(w->lx, old, slot);
		if (rc == 0)
			rc = store_lex_add(w->lx, c->rec, slot);
	}
	json_decref(old);
	if (rc != 0)
		return rc;
	if (v.mv_size != c->json_len || memcmp(v.mv_data, c->json,
	    c->json_len) != 0) {
		v.mv_size = c->json_len;
		v.mv_data = c->json;
		TRY(mdb_put(w->txn, w->st->dbi[DB_CHUNKS], &k, &v, 0));
	}
	TRY(index_fields(w, c->rec, slot, 1));
	return store_log_put(&w->lg, STORE_CHANGE_UPSERT, doc,
	    quarry_record_string(c->rec, "id", NULL));
}

static int
source_link(struct wctx *w, const char *source, const char *doc, int add)
{
	struct store_key sks, skd;
	MDB_val k, v;
	int rc;

	store_key(source, &sks, &k);
	store_key(doc, &skd, &v);
	rc = add ? mdb_put(w->txn, w->st->dbi[DB_SOURCES], &k, &v,
	    MDB_NODUPDATA) : mdb_del(w->txn, w->st->dbi[DB_SOURCES], &k, &v);
	return rc == MDB_KEYEXIST || rc == MDB_NOTFOUND ? 0 : rc;
}

/*
 * Whether key k sorts after every key of the database: it is then put with
 * MDB_APPEND, which fills pages instead of splitting them in half, so a
 * store built in doc-id order (a tree walk, a sorted corpus) has its
 * document entries packed.
 */
static int
after_last(struct wctx *w, enum store_dbi db, const MDB_val *k)
{
	MDB_cursor *cur;
	MDB_val lk, lv;
	int rc, after = 0;

	if (mdb_cursor_open(w->txn, w->st->dbi[db], &cur) != 0)
		return 0;
	rc = mdb_cursor_get(cur, &lk, &lv, MDB_LAST);
	if (rc == MDB_NOTFOUND)
		after = 1;
	else if (rc == 0) {
		size_t n = lk.mv_size < k->mv_size ? lk.mv_size : k->mv_size;
		int c = memcmp(k->mv_data, lk.mv_data, n);

		after = c > 0 || (c == 0 && k->mv_size > lk.mv_size);
	}
	mdb_cursor_close(cur);
	return after;
}

static int
put_doc_entry(struct wctx *w, const char *doc, json_t *d)
{
	struct quarry_buf b = { 0 };
	struct store_key sk;
	MDB_val k, v;
	int rc;

	store_key(doc, &sk, &k);
	/* A document keyed by a digest keeps its id. */
	if (STORE_KEY_HASHED(&k) &&
	    json_object_set_new(d, "doc", json_string(doc)) != 0)
		return ENOMEM;
	if (quarry_buf_json(&b, d) != 0)
		return ENOMEM;
	v.mv_size = b.len;
	v.mv_data = b.data;
	rc = mdb_put(w->txn, w->st->dbi[DB_DOCS], &k, &v,
	    after_last(w, DB_DOCS, &k) ? MDB_APPEND : 0);
	quarry_buf_free(&b);
	return rc;
}

static json_t *
fp_json(const quarry_fingerprint *fp)
{
	return json_pack("{s:I,s:I,s:s}", "size", (json_int_t)fp->size,
	    "mtime_ns", (json_int_t)fp->mtime_ns, "hash", fp->hash);
}

static int
get_doc(struct wctx *w, const char *doc, json_t **d)
{
	struct store_key sk;
	MDB_val k, v;
	int rc;

	store_key(doc, &sk, &k);
	*d = NULL;
	rc = mdb_get(w->txn, w->st->dbi[DB_DOCS], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if ((*d = store_doc_parse(&v)) == NULL)
		return MDB_CORRUPTED;
	return 0;
}

static int
apply_delete(struct wctx *w, const struct qop *op)
{
	struct store_key sk;
	MDB_val k;
	json_t *d, *e;
	const char *src;
	size_t i;
	int rc;

	store_key(op->doc, &sk, &k);
	TRY(get_doc(w, op->doc, &d));
	if (d == NULL)
		return 0;
	w->counts.docs_deleted++;
	json_array_foreach(json_object_get(d, "chunks"), i, e) {
		w->counts.chunks_deleted++;
		rc = kill_slot(w, (size_t)json_integer_value(
		    json_array_get(e, 0)), 1, NULL);
		if (rc != 0) {
			json_decref(d);
			return rc;
		}
	}
	src = quarry_record_string(d, "source", NULL);
	rc = src ? source_link(w, src, op->doc, 0) : 0;
	json_decref(d);
	if (rc != 0)
		return rc;
	return mdb_del(w->txn, w->st->dbi[DB_DOCS], &k, NULL);
}

static int
apply_put(struct wctx *w, const struct qop *op)
{
	json_t *old = NULL, *avail = NULL, *chunks = NULL, *d = NULL, *e;
	json_t *ids = NULL;
	const char *oldsrc = NULL, *key;
	size_t i, j;
	int rc;

	TRY(get_doc(w, op->doc, &old));
	if (old != NULL && op->fp_only) {
		if (op->fp.has)
			json_object_set_new(old, "fingerprint", fp_json(&op->fp));
		else
			json_object_del(old, "fingerprint");
		rc = put_doc_entry(w, op->doc, old);
		json_decref(old);
		return rc;
	}
	rc = ENOMEM;
	if ((avail = json_object()) == NULL || (chunks = json_array()) == NULL ||
	    (ids = json_object()) == NULL)
		goto out;
	/* The chunk ids of the new version: a vanished chunk whose id is
	 * among them is not logged as deleted (its id gets an upsert). */
	for (i = 0; i < op->n; i++)
		if (json_object_set_new(ids, quarry_record_string(
		    op->chunks[i].rec, "id", NULL), json_null()) != 0)
			goto out;
	/* The stored slots, by content hash, free to be kept. */
	if (old != NULL) {
		oldsrc = quarry_record_string(old, "source", NULL);
		json_array_foreach(json_object_get(old, "chunks"), i, e) {
			const char *h = json_string_value(json_array_get(e, 1));
			json_t *list;

			if (h == NULL) {
				rc = MDB_CORRUPTED;
				goto out;
			}
			if ((list = json_object_get(avail, h)) == NULL) {
				list = json_array();
				json_object_set_new(avail, h, list);
			}
			json_array_append(list, json_array_get(e, 0));
		}
	}
	for (i = 0; i < op->n; i++) {
		const struct qchunk *c = &op->chunks[i];
		json_t *list = json_object_get(avail, c->hash);
		size_t slot = (size_t)-1;

		json_array_foreach(list, j, e) {
			size_t s = (size_t)json_integer_value(e);
			const float *vec = vector_of(w, s);

			if (vec != NULL && memcmp(vec, c->vec,
			    w->dims * sizeof(float)) == 0) {
				slot = s;
				json_array_remove(list, j);
				break;
			}
		}
		if (slot != (size_t)-1) {
			w->counts.chunks_kept++;
			rc = rewrite_record(w, slot, c, op->doc, ids);
		} else {
			rc = append(w, c->vec, c->json, c->json_len, c->rec,
			    store_cache_hash(c->rec), &slot);
			if (rc == 0)
				rc = store_log_put(&w->lg, STORE_CHANGE_UPSERT,
				    op->doc, quarry_record_string(c->rec, "id",
				    NULL));
		}
		if (rc != 0)
			goto out;
		json_array_append_new(chunks, json_pack("[I,s]",
		    (json_int_t)slot, c->hash));
	}
	/* What is left vanished from the document. */
	json_object_foreach(avail, key, e) {
		json_t *s;

		json_array_foreach(e, j, s) {
			w->counts.chunks_deleted++;
			if ((rc = kill_slot(w, (size_t)json_integer_value(s),
			    1, ids)) != 0)
				goto out;
		}
	}
	if (old != NULL)
		w->counts.docs_changed++;
	else
		w->counts.docs_added++;
	if (oldsrc != NULL && (op->source == NULL ||
	    strcmp(oldsrc, op->source) != 0) &&
	    (rc = source_link(w, oldsrc, op->doc, 0)) != 0)
		goto out;
	if (op->source != NULL &&
	    (rc = source_link(w, op->source, op->doc, 1)) != 0)
		goto out;
	d = json_object();
	if (op->source != NULL)
		json_object_set_new(d, "source", json_string(op->source));
	if (op->fp.has)
		json_object_set_new(d, "fingerprint", fp_json(&op->fp));
	json_object_set_new(d, "digest", json_string(op->digest));
	json_object_set(d, "meta", op->meta);
	json_object_set(d, "chunks", chunks);
	rc = put_doc_entry(w, op->doc, d);
out:
	json_decref(ids);
	json_decref(d);
	json_decref(chunks);
	json_decref(avail);
	json_decref(old);
	return rc;
}

/* Points the document entry's reference to slot from at slot to. */
static int
move_doc_ref(struct wctx *w, const char *doc, size_t from, size_t to)
{
	json_t *d, *e;
	size_t i;
	int rc;

	TRY(get_doc(w, doc, &d));
	if (d == NULL)
		return MDB_CORRUPTED;
	json_array_foreach(json_object_get(d, "chunks"), i, e)
		if ((size_t)json_integer_value(json_array_get(e, 0)) == from) {
			json_array_set_new(e, 0, json_integer((json_int_t)to));
			break;
		}
	rc = put_doc_entry(w, doc, d);
	json_decref(d);
	return rc;
}

/*
 * Moves the live slots of a block less than half live to the tail and
 * deletes the block, so that deleted vectors do not pile up.
 */
static int
compact(struct wctx *w, size_t block)
{
	MDB_val bk = { sizeof(block), &block }, v;
	uint64_t *live = NULL;
	float *vec = NULL;
	size_t i, count = 0;
	int rc;

	if (block >= w->tail_block)
		return 0;
	rc = mdb_get(w->txn, w->st->dbi[DB_LIVE], &bk, &v);
	if (rc == MDB_NOTFOUND)
		return 0;	/* deleted already */
	if (rc != 0)
		return rc;
	if (v.mv_size != w->nlive * sizeof(uint64_t))
		return MDB_CORRUPTED;
	for (i = 0; i < w->nlive; i++)
		count += (size_t)__builtin_popcountll(((uint64_t *)v.mv_data)[i]);
	if (count * 2 >= w->B)
		return 0;
	if ((live = malloc(v.mv_size)) == NULL ||
	    (vec = malloc(w->dims * sizeof(float))) == NULL) {
		free(live);
		return ENOMEM;
	}
	memcpy(live, v.mv_data, v.mv_size);
	for (i = 0; i < w->B && rc == 0; i++) {
		size_t slot = block * w->B + i, to;
		MDB_val k = { sizeof(slot), &slot }, bv;
		json_t *rec;
		const char *doc, *hash;
		char *json;
		size_t len;

		if (!(live[i / 64] & ((uint64_t)1 << (i % 64))))
			continue;
		if ((rc = mdb_get(w->txn, w->st->dbi[DB_VECTORS], &bk, &bv)) != 0)
			break;
		memcpy(vec, (const float *)bv.mv_data + i * w->dims,
		    w->dims * sizeof(float));
		if ((rc = mdb_get(w->txn, w->st->dbi[DB_CHUNKS], &k, &v)) != 0)
			break;
		len = v.mv_size;
		if ((json = malloc(len)) == NULL) {
			rc = ENOMEM;
			break;
		}
		memcpy(json, v.mv_data, len);
		rec = store_record_load(w->st, w->txn, &v);
		doc = quarry_record_string(rec, "doc", NULL);
		hash = store_cache_hash(rec);
		if (rec == NULL || doc == NULL || hash == NULL)
			rc = MDB_CORRUPTED;
		if (rc == 0)
			rc = kill_slot(w, slot, 0, NULL);
		if (rc == 0)
			rc = append(w, vec, json, len, rec, hash, &to);
		w->counts.chunks_added--;
		w->counts.chunks_moved++;
		if (rc == 0)
			rc = move_doc_ref(w, doc, slot, to);
		json_decref(rec);
		free(json);
	}
	free(live);
	free(vec);
	if (rc != 0)
		return rc;
	TRY(mdb_del(w->txn, w->st->dbi[DB_LIVE], &bk, NULL));
	TRY(mdb_del(w->txn, w->st->dbi[DB_VECTORS], &bk, NULL));
	return store_quant_del(w->st, w->txn, block);
}

static int
apply_all(quarry_store *st, MDB_txn *txn)
{
	struct wctx w = { 0 };
	MDB_val k, v;
	uint64_t next = 0;
	char buf[256];
	size_t i;
	int rc;

	w.st = st;
	w.txn = txn;
	/* The model is fixed by the first document ever stored. */
	rc = store_meta_get(txn, st->dbi[DB_META], "model", buf, sizeof(buf));
	if (rc == MDB_NOTFOUND) {
		k.mv_size = 5;
		k.mv_data = (void *)"model";
		v.mv_size = strlen(st->model);
		v.mv_data = st->model;
		if ((rc = mdb_put(txn, st->dbi[DB_META], &k, &v, 0)) != 0)
			return rc;
		w.dims = st->dims;
		w.B = st->block_slots;
		if ((rc = put_u64_meta(&w, "dims", st->dims)) != 0 ||
		    (rc = put_u64_meta(&w, "block_slots", st->block_slots)) != 0)
			return rc;
	} else if (rc != 0)
		return rc;
	else if (strcmp(buf, st->model) != 0)
		return MDB_INCOMPATIBLE;
	w.dims = st->dims;
	w.B = st->block_slots;
	w.nlive = (w.B + 63) / 64;
	rc = store_meta_u64(txn, st->dbi[DB_META], "next_slot", &next);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	w.next_slot = (size_t)next;
	w.tail_block = w.next_slot / w.B;
	if ((w.tail = malloc(w.B * w.dims * sizeof(float))) == NULL ||
	    (w.tail_live = malloc(w.nlive * sizeof(uint64_t))) == NULL) {
		rc = ENOMEM;
		goto out;
	}
	if ((rc = load_tail(&w)) != 0)
		goto out;
	if ((rc = store_log_begin(&w.lg, st, txn)) != 0)
		goto out;
	if (st->lexical && (rc = store_lex_new(st, &w.lx)) != 0)
		goto out;
	if (st->graph && (rc = hnsw_delta_new(&w.gd)) != 0)
		goto out;
	/* What reading between two commits mapped (quarry-sync's checks of
	 * files, the vector cache) is not needed to write. */
	quarry_store_release_pages(st);
	for (i = 0; i < st->nops && rc == 0; i++)
		rc = st->ops[i].del ? apply_delete(&w, &st->ops[i]) :
		    apply_put(&w, &st->ops[i]);
	for (i = 0; i < w.ntouched && rc == 0; i++)
		rc = compact(&w, w.touched[i]);
	if (rc == 0)
		rc = flush_tail(&w);
	if (rc == 0 && w.gd != NULL)
		rc = store_hnsw_apply(st, txn, w.gd, w.next_slot);
	if (rc == 0 && w.lx != NULL)
		rc = store_lex_flush(w.lx, st, txn);
	if (rc == 0 && w.next_slot != next)
		rc = put_u64_meta(&w, "next_slot", w.next_slot);
	if (rc == 0)
		rc = store_log_end(&w.lg);
	if (rc == 0)
		st->pending = w.counts;
out:
	free(w.tail);
	free(w.tail_live);
	free(w.touched);
	store_lex_free(w.lx);
	hnsw_delta_free(w.gd);
	return rc;
}

/* Writes (or deletes) the meta keys "settings" and "rebuild" queued. */
static int
put_settings(quarry_store *st, MDB_txn *txn)
{
	const char *keys[2] = { "settings", "rebuild" };
	const char *vals[2] = { st->q_settings, st->q_rebuild };
	int i, rc;

	for (i = 0; st->q_set && i < 2; i++) {
		MDB_val k = { strlen(keys[i]), (void *)keys[i] };
		MDB_val v = { vals[i] ? strlen(vals[i]) : 0, (void *)vals[i] };

		rc = vals[i] ? mdb_put(txn, st->dbi[DB_META], &k, &v, 0) :
		    mdb_del(txn, st->dbi[DB_META], &k, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
	}
	return 0;
}

int
quarry_store_set_settings(quarry_store *st, const char *settings,
    const char *rebuild)
{
	char *s = NULL, *r = NULL;

	if ((settings != NULL && (s = strdup(settings)) == NULL) ||
	    (rebuild != NULL && (r = strdup(rebuild)) == NULL)) {
		free(s);
		return store_fail(st, QUARRY_ENOMEM, "out of memory");
	}
	free(st->q_settings);
	free(st->q_rebuild);
	st->q_settings = s;
	st->q_rebuild = r;
	st->q_set = 1;
	return 0;
}

/* The body of quarry_store_commit()'s transaction (store_write_txn()). */
static int
commit_txn(quarry_store *st, MDB_txn *txn, void *arg)
{
	int rc;

	(void)arg;
	rc = st->nops > 0 ? apply_all(st, txn) : 0;
	if (rc == 0)
		rc = put_settings(st, txn);
	if (rc == 0)
		rc = store_notext_apply(st, txn);
	return rc;
}

int
quarry_store_commit(quarry_store *st)
{
	int rc, had_ops;

	if (st->nops == 0 && !st->q_set && st->nnotext == 0)
		return 0;
	/* Settings alone (quarry_store_set_settings()): no ops applied. */
	memset(&st->pending, 0, sizeof(st->pending));
	if ((rc = quarry_store_lock(st, -1)) != 0) {
		store_ops_clear(st);
		return rc;
	}
	rc = store_write_txn(st, commit_txn, NULL);
	had_ops = st->nops > 0;
	store_ops_clear(st);
	store_notext_committed(st, rc == 0);
	if (rc == 0) {
		quarry_store_counts *c = &st->counts, *p = &st->pending;

		if (had_ops)
			store_log_committed(st);
		c->docs_added += p->docs_added;
		c->docs_changed += p->docs_changed;
		c->docs_deleted += p->docs_deleted;
		c->chunks_added += p->chunks_added;
		c->chunks_kept += p->chunks_kept;
		c->chunks_deleted += p->chunks_deleted;
		c->chunks_moved += p->chunks_moved;
		c->commits++;
	}
	if (rc == MDB_INCOMPATIBLE)
		return store_fail(st, QUARRY_EMODEL,
		    "%s: the store's model changed while writing", st->path);
	if (rc != 0) {
		MDB_txn *r;

		rc = store_mdb_fail(st, rc, "cannot write");
		/* The in-memory meta may be ahead of the store now. */
		if (store_read_begin(st, &r) == 0) {
			store_load_meta(st, r);
			store_read_end(st);
		}
		return rc;
	}
	return 0;
}

void
quarry_store_get_counts(const quarry_store *st, quarry_store_counts *c)
{
	*c = st->counts;
}

void
quarry_store_set_batch(quarry_store *st, size_t docs, size_t bytes)
{
	st->batch_docs = docs;
	st->batch_bytes = bytes;
}

void
quarry_store_set_threads(quarry_store *st, unsigned n)
{
	st->threads = n;
}
