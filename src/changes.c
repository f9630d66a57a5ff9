/*
 * changes.c: the store's change log and the change feed read from it.
 *
 * Every chunk change a write transaction makes (store_write.c) is logged in
 * the same transaction, in the "changes" database: key the change's
 * sequence number (8 bytes big-endian, so keys sort in commit order), value
 * its kind, document and chunk id.  The record itself is not logged: a
 * replay reads the chunk's current record, and skips an upsert of a chunk
 * that is gone (its deletion is logged after it), so that a consumer that
 * applies the feed in order converges on the store.  Meta "change_seq" is
 * the last number given, "change_floor" the number up to which the log was
 * pruned.  The layout is in man/quarry-store.5, the feed in man/quarry.7.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"

/* ------------------------------------------------------------ the values */

/*
 * A log value: the kind ('u' or 'd'), the length of the doc id as 2
 * big-endian bytes, the doc id, and the chunk id (the rest, at least one
 * byte).
 */
int
store_change_decode(const void *data, size_t len, int *kind,
    const char **doc, size_t *doclen, const char **id, size_t *idlen)
{
	const unsigned char *p = data;
	size_t dl;

	if (len < 3 || (p[0] != STORE_CHANGE_UPSERT &&
	    p[0] != STORE_CHANGE_DELETE))
		return -1;
	dl = (size_t)p[1] << 8 | p[2];
	if (dl == 0 || len - 3 <= dl)
		return -1;
	*kind = p[0];
	*doc = (const char *)p + 3;
	*doclen = dl;
	*id = (const char *)p + 3 + dl;
	*idlen = len - 3 - dl;
	if (memchr(*doc, '\0', dl) != NULL || memchr(*id, '\0', *idlen) != NULL)
		return -1;
	return 0;
}

static void
seq_key(unsigned char *buf, uint64_t seq)
{
	int i;

	for (i = 7; i >= 0; i--) {
		buf[i] = (unsigned char)(seq & 0xff);
		seq >>= 8;
	}
}

static uint64_t
key_seq(const unsigned char *buf)
{
	uint64_t seq = 0;
	int i;

	for (i = 0; i < 8; i++)
		seq = seq << 8 | buf[i];
	return seq;
}

static int
put_meta_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t val)
{
	char buf[32];
	MDB_val k = { strlen(key), (void *)key }, v;

	v.mv_size = (size_t)snprintf(buf, sizeof(buf), "%llu",
	    (unsigned long long)val);
	v.mv_data = buf;
	return mdb_put(txn, dbi, &k, &v, 0);
}

/* Reads meta key into *v: 0 when absent; an LMDB code when malformed. */
static int
meta_u64_or_0(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *v)
{
	int rc = store_meta_u64(txn, dbi, key, v);

	if (rc == MDB_NOTFOUND) {
		*v = 0;
		return 0;
	}
	return rc;
}

/* ------------------------------------------------------------- the writer */

int
store_log_begin(struct store_log *lg, quarry_store *st, MDB_txn *txn)
{
	int rc;

	lg->st = st;
	lg->txn = txn;
	lg->seq0 = lg->seq = 0;
	if (!st->changesdb) {
		/* A format 2 or 3 store: its log starts with this write. */
		if ((rc = mdb_dbi_open(txn, "changes", MDB_CREATE,
		    &st->dbi[DB_CHANGES])) != 0)
			return rc;
		if ((rc = put_meta_u64(txn, st->dbi[DB_META], "format",
		    STORE_FORMAT)) != 0)
			return rc;
	}
	if ((rc = meta_u64_or_0(txn, st->dbi[DB_META], "change_seq",
	    &lg->seq0)) != 0)
		return rc;
	lg->seq = lg->seq0;
	return 0;
}

int
store_log_put(struct store_log *lg, int kind, const char *doc, const char *id)
{
	unsigned char kbuf[STORE_CHANGE_KEY], *p;
	size_t dl = strlen(doc), il = id != NULL ? strlen(id) : 0;
	MDB_val k = { sizeof(kbuf), kbuf }, v;
	int rc;

	if (dl == 0 || dl > STORE_MAX_DOC_ID || il == 0)
		return MDB_CORRUPTED;
	if (lg->seq == UINT64_MAX)
		return EOVERFLOW;
	seq_key(kbuf, ++lg->seq);
	v.mv_size = 3 + dl + il;
	if ((rc = mdb_put(lg->txn, lg->st->dbi[DB_CHANGES], &k, &v,
	    MDB_APPEND | MDB_RESERVE)) != 0)
		return rc == MDB_KEYEXIST ? MDB_CORRUPTED : rc;
	p = v.mv_data;
	p[0] = (unsigned char)kind;
	p[1] = (unsigned char)(dl >> 8);
	p[2] = (unsigned char)dl;
	memcpy(p + 3, doc, dl);
	memcpy(p + 3 + dl, id, il);
	return 0;
}

int
store_log_end(struct store_log *lg)
{
	if (lg->seq == lg->seq0)
		return 0;
	return put_meta_u64(lg->txn, lg->st->dbi[DB_META], "change_seq",
	    lg->seq);
}

void
store_log_committed(quarry_store *st)
{
	if (!st->changesdb) {
		st->changesdb = 1;
		st->format = STORE_FORMAT;
	}
}

/* -------------------------------------------------------------- reading */

struct reader {
	quarry_store *st;
	MDB_txn *txn;
	int keep;		/* commit txn (it opened the log's handle) */
	MDB_dbi dbi;		/* the log; 0 when the store has none */
	uint64_t last, floor;
};

static void
reader_end(struct reader *r)
{
	if (r->txn == NULL)
		return;
	if (!r->keep)
		mdb_txn_abort(r->txn);
	else if (mdb_txn_commit(r->txn) != 0)
		r->st->changesdb = 0;
	r->txn = NULL;
}

static int
reader_begin(quarry_store *st, struct reader *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->st = st;
	if ((rc = store_rdonly_begin(st, &r->txn)) != 0)
		return store_mdb_fail(st, rc, "cannot begin a read transaction");
	if (!st->changesdb) {
		/* Made format 4 by another writer since it was opened?  The
		 * handle lasts when the transaction commits (reader_end). */
		rc = mdb_dbi_open(r->txn, "changes", 0, &st->dbi[DB_CHANGES]);
		if (rc == 0)
			r->keep = st->changesdb = 1;
		else if (rc != MDB_NOTFOUND)
			goto fail;
	}
	if ((rc = store_load_meta(st, r->txn)) != 0) {
		reader_end(r);
		return rc;
	}
	r->dbi = st->changesdb ? st->dbi[DB_CHANGES] : 0;
	if ((rc = meta_u64_or_0(r->txn, st->dbi[DB_META], "change_seq",
	    &r->last)) != 0 ||
	    (rc = meta_u64_or_0(r->txn, st->dbi[DB_META], "change_floor",
	    &r->floor)) != 0)
		goto fail;
	return 0;
fail:
	reader_end(r);
	return store_mdb_fail(st, rc, "cannot read the change log");
}

int
quarry_store_change_seq(quarry_store *st, uint64_t *last, uint64_t *floor)
{
	struct reader r;
	int rc;

	qerr_clear(&st->err);
	if ((rc = reader_begin(st, &r)) != 0)
		return rc;
	if (last != NULL)
		*last = r.last;
	if (floor != NULL)
		*floor = r.floor;
	reader_end(&r);
	return 0;
}

/* A feed line: {"change":kind,"seq":seq} and then the members of rec. */
static json_t *
feed_line(const char *kind, uint64_t seq, const json_t *rec)
{
	json_t *line, *val;
	const char *key;

	if ((line = json_object()) == NULL)
		return NULL;
	if (json_object_set_new(line, "change", json_string(kind)) != 0 ||
	    json_object_set_new(line, "seq", json_integer((json_int_t)seq)) !=
	    0) {
		json_decref(line);
		return NULL;
	}
	if (rec != NULL)
		json_object_foreach((json_t *)rec, key, val)
			if (json_object_set(line, key, val) != 0) {
				json_decref(line);
				return NULL;
			}
	return line;
}

/* Calls fn with the upsert line of the chunk record rec. */
static int
emit_record(quarry_store *st, const json_t *rec, uint64_t seq,
    int (*fn)(const json_t *, void *), void *arg)
{
	json_t *line;
	int rc;

	if ((line = feed_line("upsert", seq, rec)) == NULL)
		return store_fail(st, QUARRY_ENOMEM, "out of memory");
	rc = fn(line, arg);
	json_decref(line);
	return rc;
}

/* Calls fn with the upsert line of the chunk at slot. */
static int
emit_chunk(quarry_store *st, MDB_txn *txn, size_t slot, const json_t *meta,
    uint64_t seq, int (*fn)(const json_t *, void *), void *arg)
{
	json_t *rec;
	int rc;

	if ((rec = store_chunk_export(st, txn, slot, meta)) == NULL)
		return QUARRY_ESTORE;
	rc = emit_record(st, rec, seq, fn, arg);
	json_decref(rec);
	return rc;
}

/* The document whose chunks a replay looks up (upserts of one document
 * are neighbours in the log). */
struct doccache {
	char *doc;
	json_t *meta;		/* its entry's meta (a reference) */
	json_t *byid;		/* chunk id -> slot */
	json_t *entry;
};

static void
doccache_clear(struct doccache *dc)
{
	free(dc->doc);
	json_decref(dc->byid);
	json_decref(dc->entry);
	memset(dc, 0, sizeof(*dc));
}

/* Loads document doc[0..len) into dc; dc->entry stays NULL when the
 * document is gone. */
static int
doccache_load(struct reader *r, struct doccache *dc, const char *doc,
    size_t len)
{
	quarry_store *st = r->st;
	struct store_key sk;
	MDB_val k, v;
	json_t *e;
	size_t i;
	int rc;

	if (dc->doc != NULL && strlen(dc->doc) == len &&
	    memcmp(dc->doc, doc, len) == 0)
		return 0;
	doccache_clear(dc);
	if ((dc->doc = malloc(len + 1)) == NULL)
		return store_fail(st, QUARRY_ENOMEM, "out of memory");
	memcpy(dc->doc, doc, len);
	dc->doc[len] = '\0';
	store_key(dc->doc, &sk, &k);
	rc = mdb_get(r->txn, st->dbi[DB_DOCS], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_mdb_fail(st, rc, "cannot read documents");
	if ((dc->entry = store_doc_parse(&v)) == NULL)
		return store_fail(st, QUARRY_ESTORE,
		    "%s: corrupt document entry \"%s\"", st->path, dc->doc);
	dc->meta = json_object_get(dc->entry, "meta");
	if ((dc->byid = json_object()) == NULL)
		return store_fail(st, QUARRY_ENOMEM, "out of memory");
	json_array_foreach(json_object_get(dc->entry, "chunks"), i, e) {
		json_int_t slot = json_integer_value(json_array_get(e, 0));
		MDB_val ck = { sizeof(size_t), NULL }, cv;
		size_t s = (size_t)slot;
		json_t *rec;
		const char *id;

		ck.mv_data = &s;
		if ((rc = mdb_get(r->txn, st->dbi[DB_CHUNKS], &ck, &cv)) != 0 ||
		    (rec = store_record_decode(cv.mv_data, cv.mv_size,
		    dc->meta, st->model)) == NULL)
			return store_fail(st, QUARRY_ESTORE,
			    "%s: missing or corrupt chunk record %zu", st->path,
			    s);
		id = quarry_record_string(rec, "id", NULL);
		rc = id == NULL ? -1 : json_object_set_new(dc->byid, id,
		    json_integer(slot));
		json_decref(rec);
		if (rc != 0)
			return store_fail(st, QUARRY_ESTORE,
			    "%s: corrupt chunk record %zu", st->path, s);
	}
	return 0;
}

int
quarry_store_changes(quarry_store *st, uint64_t since,
    int (*fn)(const json_t *change, void *arg), void *arg)
{
	struct reader r;
	struct doccache dc = { 0 };
	unsigned char kbuf[STORE_CHANGE_KEY];
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc, crc, op = MDB_SET_RANGE;

	qerr_clear(&st->err);
	if ((rc = reader_begin(st, &r)) != 0)
		return rc;
	if (since > r.last) {
		rc = store_fail(st, QUARRY_EINVAL,
		    "%s: change %llu is after the store's last change %llu "
		    "(another store, or an older copy of it?)", st->path,
		    (unsigned long long)since, (unsigned long long)r.last);
		goto out;
	}
	if (since < r.floor) {
		if (r.floor < r.last)
			rc = store_fail(st, QUARRY_ENOTFOUND,
			    "%s: the changes after %llu were pruned: the "
			    "oldest change kept is %llu", st->path,
			    (unsigned long long)since,
			    (unsigned long long)r.floor + 1);
		else
			rc = store_fail(st, QUARRY_ENOTFOUND,
			    "%s: the changes after %llu were pruned: the log "
			    "keeps none (the last change is %llu)", st->path,
			    (unsigned long long)since,
			    (unsigned long long)r.last);
		goto out;
	}
	if (since == r.last || r.dbi == 0)
		goto out;
	if ((rc = mdb_cursor_open(r.txn, r.dbi, &cur)) != 0) {
		rc = store_mdb_fail(st, rc, "cannot read the change log");
		goto out;
	}
	seq_key(kbuf, since + 1);
	k.mv_size = sizeof(kbuf);
	k.mv_data = kbuf;
	while ((crc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op)) == 0) {
		const char *doc, *id;
		size_t dl, il;
		uint64_t seq;
		json_t *line, *slot;
		int kind;

		op = MDB_NEXT;
		if (k.mv_size != STORE_CHANGE_KEY || store_change_decode(
		    v.mv_data, v.mv_size, &kind, &doc, &dl, &id, &il) != 0) {
			rc = store_fail(st, QUARRY_ESTORE,
			    "%s: corrupt change log entry", st->path);
			break;
		}
		seq = key_seq(k.mv_data);
		if (seq > r.last)
			break;
		if (kind == STORE_CHANGE_DELETE) {
			json_t *jid = json_stringn(id, il);
			json_t *jdoc = json_stringn(doc, dl);

			line = NULL;
			if (jid != NULL && jdoc != NULL &&
			    (line = feed_line("delete", seq, NULL)) != NULL) {
				json_object_set(line, "id", jid);
				json_object_set(line, "doc", jdoc);
			}
			json_decref(jid);
			json_decref(jdoc);
			if (line == NULL) {
				rc = store_fail(st, QUARRY_ESTORE,
				    "%s: corrupt change log entry %llu",
				    st->path, (unsigned long long)seq);
				break;
			}
			rc = fn(line, arg);
			json_decref(line);
			if (rc != 0)
				break;
			continue;
		}
		if ((rc = doccache_load(&r, &dc, doc, dl)) != 0)
			break;
		if (dc.entry == NULL)
			continue;	/* deleted later */
		{
			char *sid = malloc(il + 1);

			if (sid == NULL) {
				rc = store_fail(st, QUARRY_ENOMEM,
				    "out of memory");
				break;
			}
			memcpy(sid, id, il);
			sid[il] = '\0';
			slot = json_object_get(dc.byid, sid);
			free(sid);
		}
		if (slot == NULL)
			continue;	/* gone: a delete follows */
		if ((rc = emit_chunk(st, r.txn,
		    (size_t)json_integer_value(slot), dc.meta, seq, fn,
		    arg)) != 0)
			break;
	}
	if (rc == 0 && crc != 0 && crc != MDB_NOTFOUND)
		rc = store_mdb_fail(st, crc, "cannot read the change log");
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	doccache_clear(&dc);
	reader_end(&r);
	return qerr_ret(&st->err, rc);
}

struct snapshot {
	quarry_store *st;
	int (*fn)(const json_t *change, void *arg);
	void *arg;
	uint64_t last;
};

/* Calls the snapshot's fn with the upsert line of rec (store_each_chunk()). */
static int
snapshot_chunk(const json_t *rec, void *arg)
{
	struct snapshot *s = arg;

	return emit_record(s->st, rec, s->last, s->fn, s->arg);
}

int
quarry_store_changes_snapshot(quarry_store *st,
    int (*fn)(const json_t *change, void *arg), void *arg)
{
	struct reader r;
	struct snapshot s;
	json_t *line;
	int rc;

	qerr_clear(&st->err);
	if ((rc = reader_begin(st, &r)) != 0)
		return rc;
	if ((line = feed_line("snapshot", r.last, NULL)) == NULL) {
		rc = store_fail(st, QUARRY_ENOMEM, "out of memory");
		goto out;
	}
	rc = fn(line, arg);
	json_decref(line);
	if (rc != 0)
		goto out;
	s.st = st;
	s.fn = fn;
	s.arg = arg;
	s.last = r.last;
	rc = store_each_chunk(st, r.txn, snapshot_chunk, &s);
out:
	reader_end(&r);
	return qerr_ret(&st->err, rc);
}

/* ------------------------------------------------------------- pruning */

struct prune_arg {
	uint64_t upto;
	uint64_t *dropped;
	uint64_t last;		/* the last change, when upto is past it */
};

/* Drops the changes up to a->upto in txn (store_write_txn()). */
static int
prune(quarry_store *st, MDB_txn *txn, void *arg)
{
	struct prune_arg *a = arg;
	uint64_t upto = a->upto, *dropped = a->dropped;
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t last, floor;
	int rc;

	*dropped = 0;
	if ((rc = meta_u64_or_0(txn, st->dbi[DB_META], "change_seq",
	    &last)) != 0 ||
	    (rc = meta_u64_or_0(txn, st->dbi[DB_META], "change_floor",
	    &floor)) != 0)
		return rc;
	if (upto > last) {
		a->last = last;
		return MDB_KEYEXIST;	/* reported by the caller */
	}
	if (upto <= floor || !st->changesdb)
		return 0;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_CHANGES], &cur)) != 0)
		return rc;
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) == 0) {
		if (k.mv_size != STORE_CHANGE_KEY) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (key_seq(k.mv_data) > upto)
			break;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		(*dropped)++;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	return put_meta_u64(txn, st->dbi[DB_META], "change_floor", upto);
}

int
quarry_store_prune_changes(quarry_store *st, uint64_t upto,
    uint64_t *dropped)
{
	struct prune_arg a = { upto, dropped, 0 };
	int rc;

	qerr_clear(&st->err);
	*dropped = 0;
	if ((rc = store_rewrite_begin(st)) != 0)
		return rc;
	rc = store_write_txn(st, prune, &a);
	if (rc == MDB_KEYEXIST)
		return store_fail(st, QUARRY_EINVAL,
		    "%s: cannot prune the changes up to %llu: the last change "
		    "is %llu", st->path, (unsigned long long)upto,
		    (unsigned long long)a.last);
	if (rc != 0)
		return store_mdb_fail(st, rc, "cannot prune the change log");
	return 0;
}

/* ---------------------------------------------------------------- check */

long
store_changes_check(quarry_store *st, MDB_txn *txn,
    void (*fn)(const char *msg, void *arg), void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t last, floor, prev = 0, seq = 0, n = 0;
	char msg[256];
	long faults = 0;
	int rc;

#define FAULT(...) do { \
		snprintf(msg, sizeof(msg), __VA_ARGS__); \
		fn(msg, arg); \
		faults++; \
	} while (0)
	if (meta_u64_or_0(txn, st->dbi[DB_META], "change_seq", &last) != 0) {
		FAULT("meta: malformed change_seq");
		last = UINT64_MAX;
	}
	if (meta_u64_or_0(txn, st->dbi[DB_META], "change_floor", &floor) != 0) {
		FAULT("meta: malformed change_floor");
		floor = 0;
	}
	if (floor > last)
		FAULT("meta: change_floor %llu after change_seq %llu",
		    (unsigned long long)floor, (unsigned long long)last);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_CHANGES], &cur)) != 0)
		return store_mdb_fail(st, rc, "cannot read the change log");
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		const char *doc, *id;
		size_t dl, il;
		int kind;

		if (k.mv_size != STORE_CHANGE_KEY) {
			FAULT("change log: key of %zu bytes", k.mv_size);
			continue;
		}
		seq = key_seq(k.mv_data);
		n++;
		if (seq == 0 || seq <= prev)
			FAULT("change log: change %llu after %llu",
			    (unsigned long long)seq, (unsigned long long)prev);
		if (seq <= floor)
			FAULT("change log: change %llu kept, pruned up to %llu",
			    (unsigned long long)seq, (unsigned long long)floor);
		if (seq > last)
			FAULT("change log: change %llu after change_seq %llu",
			    (unsigned long long)seq, (unsigned long long)last);
		if (store_change_decode(v.mv_data, v.mv_size, &kind, &doc, &dl,
		    &id, &il) != 0)
			FAULT("change log: change %llu malformed",
			    (unsigned long long)seq);
		prev = seq;
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return store_mdb_fail(st, rc, "cannot read the change log");
	/* Each commit sets change_seq to its last change: the log ends at
	 * it unless it was pruned whole. */
	if (n > 0 && seq != last && last != UINT64_MAX)
		FAULT("change log: ends at %llu, change_seq is %llu",
		    (unsigned long long)seq, (unsigned long long)last);
	if (n == 0 && floor != last && last != UINT64_MAX)
		FAULT("change log: empty, but pruned up to %llu of %llu changes",
		    (unsigned long long)floor, (unsigned long long)last);
#undef FAULT
	return faults;
}
