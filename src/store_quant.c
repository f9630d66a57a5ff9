/*
 * store_quant.c: the store's int8 and 1-bit copies of its vectors
 * (man/quarry-store.5, "vectors8" and "vectors1"): made or dropped by
 * quarry_store_quantize(), kept up to date by the writer block by block in
 * the same transaction as the float32 vectors, read by the search, and
 * verified by the check.  The schemes are in quant_private.h.
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

/* Parses dims numbers separated by single spaces into scale; all must be
 * finite, and with positive above 0. */
static int
parse_floats(const char *p, size_t len, float *scale, size_t dims,
    int positive)
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
		if (*end != '\0' || errno != 0 || !isfinite(scale[d]) ||
		    (positive && !(scale[d] > 0)))
			return -1;
		if (d + 1 < dims) {
			if (i >= len)
				return -1;
			i++;
		}
	}
	return i == len ? 0 : -1;
}

/* The kinds of copies: a mask of these, and its meta text. */
enum { Q_INT8 = 1, Q_BIT = 2 };

static const char *
kinds_text(unsigned kinds)
{
	return kinds == (Q_INT8 | Q_BIT) ? "int8,bit" : kinds == Q_BIT ?
	    "bit" : kinds == Q_INT8 ? "int8" : "";
}

/* Parses "none" or a comma-separated list of int8 and bit; -1 if not. */
static int
parse_kinds(const char *p, size_t len, unsigned *kinds)
{
	size_t i, j;

	*kinds = 0;
	if (len == 4 && memcmp(p, "none", 4) == 0)
		return 0;
	for (i = 0; i <= len; i = j + 1) {
		for (j = i; j < len && p[j] != ','; j++)
			;
		if (j - i == 4 && memcmp(p + i, "int8", 4) == 0)
			*kinds |= Q_INT8;
		else if (j - i == 3 && memcmp(p + i, "bit", 3) == 0)
			*kinds |= Q_BIT;
		else
			return -1;
	}
	return 0;
}

/* Reads dims floats stored under key into a new array at *out. */
static int
load_floats(quarry_store *st, MDB_txn *txn, const char *key, int positive,
    float **out)
{
	MDB_val k = { strlen(key), (void *)key }, v;

	if ((*out = malloc(st->dims * sizeof(float))) == NULL)
		return QUARRY_ENOMEM;
	if (mdb_get(txn, st->dbi[DB_META], &k, &v) != 0 ||
	    parse_floats(v.mv_data, v.mv_size, *out, st->dims, positive) !=
	    0) {
		free(*out);
		*out = NULL;
		return store_fail(st, QUARRY_ESTORE, "%s: corrupt meta (%s)",
		    st->path, key);
	}
	return 0;
}

static void
quant_forget(quarry_store *st)
{
	free(st->qscale);
	free(st->qcenter);
	free(st->qspread);
	st->qscale = st->qcenter = st->qspread = NULL;
	st->quant = st->qbit = 0;
}

int
store_quant_load(quarry_store *st, MDB_txn *txn)
{
	MDB_val k = { 5, (void *)"quant" }, v;
	unsigned kinds;
	int rc;

	quant_forget(st);
	rc = mdb_get(txn, st->dbi[DB_META], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_mdb_fail(st, rc, "cannot read meta");
	if (parse_kinds(v.mv_data, v.mv_size, &kinds) != 0 || kinds == 0)
		return store_fail(st, QUARRY_EFORMAT,
		    "%s: quantization \"%.*s\" is not supported (this quarry "
		    "has int8 and bit)", st->path, (int)(v.mv_size > 32 ? 32 :
		    v.mv_size), (const char *)v.mv_data);
	if (st->dims == 0 || ((kinds & Q_INT8) && !st->vec8db) ||
	    ((kinds & Q_BIT) && !st->vec1db))
		return store_fail(st, QUARRY_ESTORE,
		    "%s: corrupt meta (quant without its copy or vectors)",
		    st->path);
	if ((kinds & Q_INT8) &&
	    (rc = load_floats(st, txn, "quant_scale", 1, &st->qscale)) != 0)
		goto fail;
	if ((kinds & Q_BIT) &&
	    ((rc = load_floats(st, txn, "quant_center", 0, &st->qcenter)) !=
	    0 ||
	    (rc = load_floats(st, txn, "quant_spread", 1, &st->qspread)) != 0))
		goto fail;
	st->quant = (kinds & Q_INT8) != 0;
	st->qbit = (kinds & Q_BIT) != 0;
	return 0;
fail:
	quant_forget(st);
	return rc;
}

int
store_quant_put(quarry_store *st, MDB_txn *txn, size_t block,
    const float *vecs, size_t B)
{
	MDB_val k = { sizeof(block), &block }, v;
	size_t i, row = QUANT_ROW(st->dims);
	int rc;

	if (st->quant) {
		v.mv_size = B * row;
		if ((rc = mdb_put(txn, st->dbi[DB_VEC8], &k, &v,
		    MDB_RESERVE)) != 0)
			return rc;
		for (i = 0; i < B; i++)
			quant_encode(st->qscale, vecs + i * st->dims, st->dims,
			    (unsigned char *)v.mv_data + i * row);
	}
	if (st->qbit) {
		row = BIT_ROW(st->dims);
		v.mv_size = B * row;
		if ((rc = mdb_put(txn, st->dbi[DB_VEC1], &k, &v,
		    MDB_RESERVE)) != 0)
			return rc;
		for (i = 0; i < B; i++)
			bit_encode(st->qcenter, vecs + i * st->dims, st->dims,
			    (unsigned char *)v.mv_data + i * row);
	}
	return 0;
}

int
store_quant_del(quarry_store *st, MDB_txn *txn, size_t block)
{
	MDB_val k = { sizeof(block), &block };
	int rc;

	if (st->quant) {
		rc = mdb_del(txn, st->dbi[DB_VEC8], &k, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
	}
	if (st->qbit) {
		rc = mdb_del(txn, st->dbi[DB_VEC1], &k, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
	}
	return 0;
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

const unsigned char *
store_quant_bits(quarry_store *st, MDB_txn *txn, size_t block)
{
	MDB_val k = { sizeof(block), &block }, v;

	if (!st->qbit || mdb_get(txn, st->dbi[DB_VEC1], &k, &v) != 0 ||
	    v.mv_size != st->block_slots * BIT_ROW(st->dims))
		return NULL;
	return v.mv_data;
}

/* Walks the vector blocks: fn(block, vectors, live bitmap). */
int
store_each_block(quarry_store *st, MDB_txn *txn,
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
	double *sum, *sumsq;	/* moments, for the 1-bit copy */
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
			if (a->scale != NULL)
				quant_scale_add(a->scale, vecs + i * st->dims,
				    st->dims);
			if (a->sum != NULL)
				bit_moments_add(a->sum, a->sumsq,
				    vecs + i * st->dims, st->dims);
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

/* Writes dims floats under key as text. */
static int
put_floats(MDB_txn *txn, MDB_dbi dbi, const char *key, const float *f,
    size_t dims)
{
	char *text, *p;
	size_t d;
	int rc;

	if ((text = malloc(dims * 17 + 1)) == NULL)
		return ENOMEM;
	for (p = text, d = 0; d < dims; d++)
		p += sprintf(p, d ? " %.9g" : "%.9g", (double)f[d]);
	rc = meta_put(txn, dbi, key, text, (size_t)(p - text));
	free(text);
	return rc;
}

/* Empties (keep) or deletes the database of copy i if it exists. */
static int
drop_copy(quarry_store *st, MDB_txn *txn, int exists, int i, int keep)
{
	return exists ? mdb_drop(txn, st->dbi[i], keep ? 0 : 1) : 0;
}

/*
 * Makes the copies in kinds and drops the others in txn; *has8 and *has1
 * say whether the vectors8 and vectors1 databases exist once txn commits
 * (st->vec8db and vec1db must not change before: a database opened in a
 * transaction that aborts is closed).
 */
static int
quantize(quarry_store *st, MDB_txn *txn, unsigned kinds, uint64_t *count,
    int *has8, int *has1)
{
	struct scan_arg a = { NULL, NULL, NULL, 0 };
	float *center = NULL, *spread = NULL;
	int rc = 0;

	*has8 = st->vec8db;
	*has1 = st->vec1db;
	TRY(drop_copy(st, txn, st->vec8db, DB_VEC8, kinds & Q_INT8));
	TRY(drop_copy(st, txn, st->vec1db, DB_VEC1, kinds & Q_BIT));
	if (!(kinds & Q_INT8))
		*has8 = 0;
	if (!(kinds & Q_BIT))
		*has1 = 0;
	TRY(meta_del(txn, st->dbi[DB_META], "quant"));
	TRY(meta_del(txn, st->dbi[DB_META], "quant_scale"));
	TRY(meta_del(txn, st->dbi[DB_META], "quant_center"));
	TRY(meta_del(txn, st->dbi[DB_META], "quant_spread"));
	quant_forget(st);
	if (kinds == 0)
		return 0;
	if ((kinds & Q_INT8) && !st->vec8db) {
		TRY(mdb_dbi_open(txn, "vectors8", MDB_CREATE | MDB_INTEGERKEY,
		    &st->dbi[DB_VEC8]));
		*has8 = 1;
	}
	if ((kinds & Q_BIT) && !st->vec1db) {
		TRY(mdb_dbi_open(txn, "vectors1", MDB_CREATE | MDB_INTEGERKEY,
		    &st->dbi[DB_VEC1]));
		*has1 = 1;
	}
	if (((kinds & Q_INT8) &&
	    (a.scale = calloc(st->dims, sizeof(float))) == NULL) ||
	    ((kinds & Q_BIT) &&
	    ((a.sum = calloc(st->dims, sizeof(double))) == NULL ||
	    (a.sumsq = calloc(st->dims, sizeof(double))) == NULL ||
	    (center = malloc(st->dims * sizeof(float))) == NULL ||
	    (spread = malloc(st->dims * sizeof(float))) == NULL))) {
		rc = ENOMEM;
		goto out;
	}
	TRY(store_each_block(st, txn, scale_block, &a));
	TRY(meta_put(txn, st->dbi[DB_META], "quant", kinds_text(kinds),
	    strlen(kinds_text(kinds))));
	if (kinds & Q_INT8) {
		quant_scale_finish(a.scale, st->dims);
		TRY(put_floats(txn, st->dbi[DB_META], "quant_scale", a.scale,
		    st->dims));
		st->qscale = a.scale;
		a.scale = NULL;
		st->quant = 1;
	}
	if (kinds & Q_BIT) {
		bit_moments_finish(a.sum, a.sumsq, a.n, center, spread,
		    st->dims);
		TRY(put_floats(txn, st->dbi[DB_META], "quant_center", center,
		    st->dims));
		TRY(put_floats(txn, st->dbi[DB_META], "quant_spread", spread,
		    st->dims));
		st->qcenter = center;
		st->qspread = spread;
		center = spread = NULL;
		st->qbit = 1;
	}
	TRY(store_each_block(st, txn, put_block, NULL));
	*count = a.n;
out:
	free(a.scale);
	free(a.sum);
	free(a.sumsq);
	free(center);
	free(spread);
	return rc;
}

struct quantize_arg {
	unsigned kinds;		/* the copies to make (0: drop them all) */
	uint64_t n;		/* vectors quantized */
	int has8, has1;		/* quantize()'s *has8 and *has1 */
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
	if (a->kinds != 0 && st->dims == 0) {
		a->failed = 1;
		return store_fail(st, QUARRY_EINVAL,
		    "%s: no vectors to quantize yet (index documents first)",
		    st->path);
	}
	if ((rc = quantize(st, txn, a->kinds, &a->n, &a->has8, &a->has1)) !=
	    0)
		return rc;
	return store_upgrade(st, txn);
}

int
quarry_store_quantize(quarry_store *st, const char *kind, uint64_t *vectors)
{
	struct quantize_arg a = { 0, 0, 0, 0, 0 };
	int rc;

	qerr_clear(&st->err);
	if (vectors != NULL)
		*vectors = 0;
	if (parse_kinds(kind, strlen(kind), &a.kinds) != 0)
		return store_fail(st, QUARRY_EINVAL,
		    "unknown quantization \"%s\" (int8, bit, int8,bit or "
		    "none)", kind);
	if ((rc = store_rewrite_begin(st)) != 0)
		return rc;
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
	st->vec1db = a.has1;
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
	struct store_faults f;
	unsigned char *row;
};

#define fault(c, ...) store_fault(&(c)->f, __VA_ARGS__)

static int
check_block(quarry_store *st, MDB_txn *txn, size_t block, const float *vecs,
    const uint64_t *live, void *arg)
{
	struct check_arg *c = arg;
	const unsigned char *rows = st->quant ?
	    store_quant_rows(st, txn, block) : NULL;
	const unsigned char *bits = st->qbit ?
	    store_quant_bits(st, txn, block) : NULL;
	size_t i, row = QUANT_ROW(st->dims), brow = BIT_ROW(st->dims);

	if (st->quant && rows == NULL)
		fault(c, "vectors8: block %zu missing or of the wrong size",
		    block);
	if (st->qbit && bits == NULL)
		fault(c, "vectors1: block %zu missing or of the wrong size",
		    block);
	for (i = 0; i < st->block_slots; i++) {
		if (!(live[i / 64] >> (i % 64) & 1))
			continue;
		if (rows != NULL) {
			quant_encode(st->qscale, vecs + i * st->dims, st->dims,
			    c->row);
			if (memcmp(c->row, rows + i * row, row) != 0)
				fault(c, "vectors8: slot %zu differs from its "
				    "vector", block * st->block_slots + i);
		}
		if (bits != NULL) {
			bit_encode(st->qcenter, vecs + i * st->dims, st->dims,
			    c->row);
			if (memcmp(c->row, bits + i * brow, brow) != 0)
				fault(c, "vectors1: slot %zu differs from its "
				    "vector", block * st->block_slots + i);
		}
	}
	return 0;
}

/* Every block of a copy's database has its float32 vectors. */
static void
check_orphans(quarry_store *st, MDB_txn *txn, struct check_arg *c, int i,
    const char *name)
{
	MDB_cursor *cur;
	MDB_val k, v, vk, vv;

	if (mdb_cursor_open(txn, st->dbi[i], &cur) != 0) {
		fault(c, "%s: cannot read", name);
		return;
	}
	while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
		vk = k;
		if (k.mv_size != sizeof(size_t) ||
		    mdb_get(txn, st->dbi[DB_VECTORS], &vk, &vv) != 0) {
			size_t b = 0;

			if (k.mv_size == sizeof(b))
				memcpy(&b, k.mv_data, sizeof(b));
			fault(c, "%s: block %zu has no vectors", name, b);
		}
	}
	mdb_cursor_close(cur);
}

long
store_quant_check(quarry_store *st, MDB_txn *txn,
    void (*fn)(const char *msg, void *arg), void *arg)
{
	struct check_arg c = { { fn, arg, 0, 20 }, NULL };
	size_t row = QUANT_ROW(st->dims);

	if (!st->quant && !st->qbit)
		return 0;
	if (BIT_ROW(st->dims) > row)
		row = BIT_ROW(st->dims);
	if ((c.row = malloc(row)) == NULL) {
		fault(&c, "out of memory");
		return c.f.faults;
	}
	if (store_each_block(st, txn, check_block, &c) != 0)
		fault(&c, "vectors8/vectors1: cannot read the vector blocks");
	if (st->quant)
		check_orphans(st, txn, &c, DB_VEC8, "vectors8");
	if (st->qbit)
		check_orphans(st, txn, &c, DB_VEC1, "vectors1");
	free(c.row);
	return c.f.faults;
}
