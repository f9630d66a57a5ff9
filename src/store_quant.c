/*
 * store_quant.c: the store's int8 copy of its vectors (man/quarry-store.5,
 * "vectors8"): made or dropped by quarry_store_quantize(), kept up to date
 * by the writer block by block in the same transaction as the float32
 * vectors, read by the search, and verified by the check.  The scheme is in
 * quant_private.h.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"
#include "quant_private.h"

#define TRY(x) do { if ((rc = (x)) != 0) goto out; } while (0)

static int
meta_put(MDB_txn *txn, MDB_dbi dbi, const char *key, const char *val,
    size_t len)
{
	MDB_val k = { strlen(key), (void *)key }, v = { len, (void *)val };

	return mdb_put(txn, dbi, &k, &v, 0);
}

static int
meta_del(MDB_txn *txn, MDB_dbi dbi, const char *key)
{
	MDB_val k = { strlen(key), (void *)key };
	int rc = mdb_del(txn, dbi, &k, NULL);

	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Parses dims numbers separated by single spaces into scale. */
static int
parse_scale(const char *p, size_t len, float *scale, size_t dims)
{
	char buf[64];
	size_t d, i = 0, j;
	char *end;

	for (d = 0; d < dims; d++) {
		for (j = 0; i < len && p[i] != ' ' && j < sizeof(buf) - 1; )
			buf[j++] = p[i++];
		buf[j] = '\0';
		if (j == 0 || (i < len && p[i] != ' '))
			return -1;
		errno = 0;
		scale[d] = strtof(buf, &end);
		if (*end != '\0' || errno != 0 || !(scale[d] > 0) ||
		    !isfinite(scale[d]))
			return -1;
		if (d + 1 < dims) {
			if (i >= len)
				return -1;
			i++;
		}
	}
	return i == len ? 0 : -1;
}

int
store_quant_load(quarry_store *st, MDB_txn *txn)
{
	MDB_val k = { 5, (void *)"quant" }, v;
	int rc;

	free(st->qscale);
	st->qscale = NULL;
	st->quant = 0;
	rc = mdb_get(txn, st->dbi[DB_META], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_mdb_fail(st, rc, "cannot read meta");
	if (v.mv_size != 4 || memcmp(v.mv_data, "int8", 4) != 0)
		return store_fail(st, QUARRY_EFORMAT,
		    "%s: quantization \"%.*s\" is not supported (this quarry "
		    "has int8)", st->path, (int)(v.mv_size > 32 ? 32 :
		    v.mv_size), (const char *)v.mv_data);
	if (!st->vec8db || st->dims == 0)
		return store_fail(st, QUARRY_ESTORE,
		    "%s: corrupt meta (quant without vectors8 or vectors)",
		    st->path);
	k.mv_size = 11;
	k.mv_data = (void *)"quant_scale";
	if ((st->qscale = malloc(st->dims * sizeof(float))) == NULL)
		return QUARRY_ENOMEM;
	if (mdb_get(txn, st->dbi[DB_META], &k, &v) != 0 ||
	    parse_scale(v.mv_data, v.mv_size, st->qscale, st->dims) != 0) {
		free(st->qscale);
		st->qscale = NULL;
		return store_fail(st, QUARRY_ESTORE,
		    "%s: corrupt meta (quant_scale)", st->path);
	}
	st->quant = 1;
	return 0;
}

int
store_quant_put(quarry_store *st, MDB_txn *txn, size_t block,
    const float *vecs, size_t B)
{
	MDB_val k = { sizeof(block), &block }, v;
	size_t i, row = QUANT_ROW(st->dims);
	int rc;

	if (!st->quant)
		return 0;
	v.mv_size = B * row;
	if ((rc = mdb_put(txn, st->dbi[DB_VEC8], &k, &v, MDB_RESERVE)) != 0)
		return rc;
	for (i = 0; i < B; i++)
		quant_encode(st->qscale, vecs + i * st->dims, st->dims,
		    (unsigned char *)v.mv_data + i * row);
	return 0;
}

int
store_quant_del(quarry_store *st, MDB_txn *txn, size_t block)
{
	MDB_val k = { sizeof(block), &block };
	int rc;

	if (!st->quant)
		return 0;
	rc = mdb_del(txn, st->dbi[DB_VEC8], &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

const unsigned char *
store_quant_rows(quarry_store *st, MDB_txn *txn, size_t block)
{
	MDB_val k = { sizeof(block), &block }, v;

	if (!st->quant || mdb_get(txn, st->dbi[DB_VEC8], &k, &v) != 0 ||
	    v.mv_size != st->block_slots * QUANT_ROW(st->dims))
		return NULL;
	return v.mv_data;
}

/* Walks the vector blocks: fn(block, vectors, live bitmap). */
static int
each_block(quarry_store *st, MDB_txn *txn,
    int (*fn)(quarry_store *, MDB_txn *, size_t, const float *,
    const uint64_t *, void *), void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v, lk, lv;
	size_t block, nlive = (st->block_slots + 63) / 64;
	int rc;

	if ((rc = mdb_cursor_open(txn, st->dbi[DB_VECTORS], &cur)) != 0)
		return rc;
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		if (k.mv_size != sizeof(block) ||
		    v.mv_size != st->block_slots * st->dims * sizeof(float)) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(&block, k.mv_data, sizeof(block));
		lk = k;
		rc = mdb_get(txn, st->dbi[DB_LIVE], &lk, &lv);
		if (rc != 0 || lv.mv_size != nlive * sizeof(uint64_t)) {
			rc = rc == 0 || rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
			break;
		}
		/* fn may write to other databases; v stays valid. */
		if ((rc = fn(st, txn, block, v.mv_data, lv.mv_data, arg)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

struct scan_arg {
	float *scale;
	uint64_t n;
};

static int
scale_block(quarry_store *st, MDB_txn *txn, size_t block, const float *vecs,
    const uint64_t *live, void *arg)
{
	struct scan_arg *a = arg;
	size_t i;

	(void)txn;
	(void)block;
	for (i = 0; i < st->block_slots; i++)
		if (live[i / 64] >> (i % 64) & 1) {
			quant_scale_add(a->scale, vecs + i * st->dims, st->dims);
			a->n++;
		}
	return 0;
}

static int
put_block(quarry_store *st, MDB_txn *txn, size_t block, const float *vecs,
    const uint64_t *live, void *arg)
{
	(void)live;
	(void)arg;
	return store_quant_put(st, txn, block, vecs, st->block_slots);
}

/*
 * Makes (int8) or drops (none) the copy in txn; *has8 says whether the
 * vectors8 database exists once txn commits (st->vec8db must not change
 * before: a database opened in a transaction that aborts is closed).
 */
static int
quantize(quarry_store *st, MDB_txn *txn, int on, uint64_t *count, int *has8)
{
	struct scan_arg a = { NULL, 0 };
	char *text = NULL, *p;
	size_t d;
	int rc = 0;

	*has8 = st->vec8db;
	if (st->vec8db) {
		if ((rc = mdb_drop(txn, st->dbi[DB_VEC8], on ? 0 : 1)) != 0)
			return rc;
		if (!on)
			*has8 = 0;
	}
	TRY(meta_del(txn, st->dbi[DB_META], "quant"));
	TRY(meta_del(txn, st->dbi[DB_META], "quant_scale"));
	st->quant = 0;
	if (!on)
		return 0;
	if (!st->vec8db) {
		TRY(mdb_dbi_open(txn, "vectors8", MDB_CREATE | MDB_INTEGERKEY,
		    &st->dbi[DB_VEC8]));
		*has8 = 1;
	}
	if ((a.scale = calloc(st->dims, sizeof(float))) == NULL ||
	    (text = malloc(st->dims * 17 + 1)) == NULL) {
		rc = ENOMEM;
		goto out;
	}
	TRY(each_block(st, txn, scale_block, &a));
	quant_scale_finish(a.scale, st->dims);
	for (p = text, d = 0; d < st->dims; d++)
		p += sprintf(p, d ? " %.9g" : "%.9g", (double)a.scale[d]);
	TRY(meta_put(txn, st->dbi[DB_META], "quant", "int8", 4));
	TRY(meta_put(txn, st->dbi[DB_META], "quant_scale", text,
	    (size_t)(p - text)));
	free(st->qscale);
	st->qscale = a.scale;
	a.scale = NULL;
	st->quant = 1;
	TRY(each_block(st, txn, put_block, NULL));
	*count = a.n;
out:
	free(a.scale);
	free(text);
	return rc;
}

struct quantize_arg {
	int on;			/* make the copy (int8) or drop it (none) */
	uint64_t n;		/* vectors quantized */
	int has8;		/* quantize()'s *has8 */
	int failed;		/* the message is set: report rc as it is */
};

/* quarry_store_quantize()'s transaction (store_write_txn()). */
static int
quantize_txn(quarry_store *st, MDB_txn *txn, void *arg)
{
	struct quantize_arg *a = arg;
	int rc;

	if ((rc = store_load_meta(st, txn)) != 0) {
		a->failed = 1;
		return rc;
	}
	if (a->on && st->dims == 0) {
		a->failed = 1;
		return store_fail(st, QUARRY_EINVAL,
		    "%s: no vectors to quantize yet (index documents first)",
		    st->path);
	}
	if ((rc = quantize(st, txn, a->on, &a->n, &a->has8)) != 0)
		return rc;
	return store_upgrade(st, txn);
}

int
quarry_store_quantize(quarry_store *st, const char *kind, uint64_t *vectors)
{
	struct quantize_arg a = { 0, 0, 0, 0 };
	int rc;

	qerr_clear(&st->err);
	if (vectors != NULL)
		*vectors = 0;
	if (strcmp(kind, "int8") == 0)
		a.on = 1;
	else if (strcmp(kind, "none") == 0)
		a.on = 0;
	else
		return store_fail(st, QUARRY_EINVAL,
		    "unknown quantization \"%s\" (int8 or none)", kind);
	if (st->flags & QUARRY_STORE_RDONLY)
		return store_fail(st, QUARRY_EINVAL, "%s: opened read-only",
		    st->path);
	if ((rc = quarry_store_commit(st)) != 0)
		return rc;
	if ((rc = quarry_store_lock(st, -1)) != 0)
		return rc;
	if (st->rtxn != NULL) {
		mdb_txn_abort(st->rtxn);
		st->rtxn = NULL;
	}
	rc = store_write_txn(st, quantize_txn, &a);
	if (a.failed)
		return rc;
	if (rc != 0) {
		MDB_txn *r;

		rc = store_mdb_fail(st, rc, "cannot quantize");
		if (store_read_begin(st, &r) == 0) {
			store_load_meta(st, r);
			store_read_end(st);
		}
		return rc;
	}
	store_log_committed(st);
	st->vec8db = a.has8;
	if (vectors != NULL)
		*vectors = a.n;
	return 0;
}

/*
 * A store of format 2 or 3 becomes format 4 (as at its first write), so
 * that a quarry from before the copy, which would write vectors without
 * their rows, refuses to write it.
 */
int
store_upgrade(quarry_store *st, MDB_txn *txn)
{
	struct store_log lg;
	int rc;

	if ((rc = store_log_begin(&lg, st, txn)) != 0)
		return rc;
	return store_log_end(&lg);
}

/* ----------------------------------------------------------------- check */

struct check_arg {
	void (*fn)(const char *msg, void *arg);
	void *arg;
	unsigned char *row;
	long faults;
};

static void
fault(struct check_arg *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fault(struct check_arg *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	c->faults++;
	if (c->faults > 20)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->fn(msg, c->arg);
}

static int
check_block(quarry_store *st, MDB_txn *txn, size_t block, const float *vecs,
    const uint64_t *live, void *arg)
{
	struct check_arg *c = arg;
	const unsigned char *rows = store_quant_rows(st, txn, block);
	size_t i, row = QUANT_ROW(st->dims);

	if (rows == NULL) {
		fault(c, "vectors8: block %zu missing or of the wrong size",
		    block);
		return 0;
	}
	for (i = 0; i < st->block_slots; i++) {
		if (!(live[i / 64] >> (i % 64) & 1))
			continue;
		quant_encode(st->qscale, vecs + i * st->dims, st->dims, c->row);
		if (memcmp(c->row, rows + i * row, row) != 0)
			fault(c, "vectors8: slot %zu differs from its vector",
			    block * st->block_slots + i);
	}
	return 0;
}

long
store_quant_check(quarry_store *st, MDB_txn *txn,
    void (*fn)(const char *msg, void *arg), void *arg)
{
	struct check_arg c = { fn, arg, NULL, 0 };
	MDB_cursor *cur;
	MDB_val k, v, vk, vv;
	int rc;

	if (!st->quant)
		return 0;
	if ((c.row = malloc(QUANT_ROW(st->dims))) == NULL) {
		fault(&c, "out of memory");
		return c.faults;
	}
	if (each_block(st, txn, check_block, &c) != 0)
		fault(&c, "vectors8: cannot read the vector blocks");
	if (mdb_cursor_open(txn, st->dbi[DB_VEC8], &cur) == 0) {
		while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
			vk = k;
			if (k.mv_size != sizeof(size_t) ||
			    mdb_get(txn, st->dbi[DB_VECTORS], &vk, &vv) != 0) {
				size_t b = 0;

				if (k.mv_size == sizeof(b))
					memcpy(&b, k.mv_data, sizeof(b));
				fault(&c, "vectors8: block %zu has no vectors",
				    b);
			}
		}
		mdb_cursor_close(cur);
	}
	free(c.row);
	return c.faults;
}
