/*
 * store_notext.c: the files that gave no text to index (quarry-store(5),
 * "notext").
 *
 * quarry-sync remembers a file that had nothing to index (no text, or a
 * contents page left out) with its fingerprint, as a document entry does
 * for a file with text, so that an unchanged one is not read and extracted
 * again at every run.  The database is made by the first write that needs
 * it; a document stored from the same source takes the file's place, and
 * its entry goes in the same transaction.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"

static const char *const why_names[] = { NULL, "empty", "contents" };

static int
why_of(const char *s)
{
	int i;

	for (i = 1; i < (int)(sizeof(why_names) / sizeof(why_names[0])); i++)
		if (s != NULL && strcmp(s, why_names[i]) == 0)
			return i;
	return 0;
}

static int
queue(quarry_store *st, const char *source, const quarry_fingerprint *fp,
    int why)
{
	struct store_notext *q;

	if (source == NULL || *source == '\0' ||
	    (why != 0 && (fp == NULL || !fp->has)))
		return store_fail(st, QUARRY_EINVAL,
		    "no source or no fingerprint");
	if (st->nnotext == st->capnotext) {
		size_t ncap = st->capnotext ? st->capnotext * 2 : 16;

		q = realloc(st->notext, ncap * sizeof(*q));
		if (q == NULL)
			return store_fail(st, QUARRY_ENOMEM, "out of memory");
		st->notext = q;
		st->capnotext = ncap;
	}
	q = &st->notext[st->nnotext];
	memset(q, 0, sizeof(*q));
	if ((q->source = strdup(source)) == NULL)
		return store_fail(st, QUARRY_ENOMEM, "out of memory");
	if (fp != NULL)
		q->fp = *fp;
	q->why = why;
	st->nnotext++;
	return 0;
}

int
quarry_store_put_notext(quarry_store *st, const char *source,
    const quarry_fingerprint *fp, int why)
{
	if (why != QUARRY_NOTEXT_EMPTY && why != QUARRY_NOTEXT_CONTENTS)
		return store_fail(st, QUARRY_EINVAL, "bad reason %d", why);
	return queue(st, source, fp, why);
}

int
quarry_store_delete_notext(quarry_store *st, const char *source)
{
	return queue(st, source, NULL, 0);
}

void
store_notext_clear(quarry_store *st)
{
	size_t i;

	for (i = 0; i < st->nnotext; i++)
		free(st->notext[i].source);
	st->nnotext = 0;
}

/* Opens the database in txn, making it when make is set; *have says
 * whether it is there. */
static int
open_db(quarry_store *st, MDB_txn *txn, int make, int *have)
{
	int rc;

	*have = st->notextdb;
	if (st->notextdb)
		return 0;
	rc = mdb_dbi_open(txn, "notext", make ? MDB_CREATE : 0,
	    &st->dbi[DB_NOTEXT]);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	/* Known for sure once the transaction commits (an abort closes the
	 * handle): store_notext_committed(). */
	st->notext_opened = 1;
	*have = 1;
	return 0;
}

int
store_notext_apply(quarry_store *st, MDB_txn *txn)
{
	struct store_key sk;
	MDB_val k, v;
	size_t i;
	int have, rc;

	if (st->nnotext == 0 && st->nops == 0)
		return 0;
	for (i = 0; i < st->nnotext && st->notext[i].why == 0; i++)
		;
	if ((rc = open_db(st, txn, i < st->nnotext, &have)) != 0 || !have)
		return rc;
	/* A document stored from a source takes its place. */
	for (i = 0; i < st->nops; i++) {
		const struct qop *op = &st->ops[i];

		if (op->del)
			continue;
		store_key(op->source != NULL ? op->source : op->doc, &sk, &k);
		rc = mdb_del(txn, st->dbi[DB_NOTEXT], &k, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
	}
	for (i = 0; i < st->nnotext; i++) {
		const struct store_notext *q = &st->notext[i];
		struct quarry_buf b = { 0 };
		json_t *j;

		store_key(q->source, &sk, &k);
		if (q->why == 0) {
			rc = mdb_del(txn, st->dbi[DB_NOTEXT], &k, NULL);
			if (rc != 0 && rc != MDB_NOTFOUND)
				return rc;
			continue;
		}
		j = json_pack("{s:s,s:s,s:{s:I,s:I,s:s}}", "source", q->source,
		    "why", why_names[q->why], "fingerprint",
		    "size", (json_int_t)q->fp.size,
		    "mtime_ns", (json_int_t)q->fp.mtime_ns, "hash", q->fp.hash);
		if (j == NULL || quarry_buf_json(&b, j) != 0) {
			json_decref(j);
			return ENOMEM;
		}
		json_decref(j);
		v.mv_size = b.len;
		v.mv_data = b.data;
		rc = mdb_put(txn, st->dbi[DB_NOTEXT], &k, &v, 0);
		quarry_buf_free(&b);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
store_notext_committed(quarry_store *st, int committed)
{
	if (st->notext_opened && committed)
		st->notextdb = 1;
	else if (st->notext_opened)
		st->dbi[DB_NOTEXT] = 0;
	st->notext_opened = 0;
}

/* Parses the entry v: its reason and fingerprint; NULL when damaged. */
static json_t *
parse(const MDB_val *v, int *why)
{
	json_t *j = json_loadb(v->mv_data, v->mv_size, 0, NULL);
	json_t *fp = json_object_get(j, "fingerprint");

	*why = why_of(quarry_record_string(j, "why", NULL));
	if (j == NULL || *why == 0 || !json_is_object(fp) ||
	    quarry_record_string(j, "source", NULL) == NULL ||
	    !json_is_integer(json_object_get(fp, "size")) ||
	    !json_is_integer(json_object_get(fp, "mtime_ns")) ||
	    quarry_record_string(fp, "hash", NULL) == NULL) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int
store_notext_get(quarry_store *st, MDB_txn *txn, const char *source,
    json_t **out, int *why)
{
	struct store_key sk;
	MDB_val k, v;
	int rc;

	*out = NULL;
	*why = 0;
	/* Made by another process since this one opened the store: not
	 * known until this one writes, and its files are extracted again. */
	if (!st->notextdb)
		return 0;
	store_key(source, &sk, &k);
	rc = mdb_get(txn, st->dbi[DB_NOTEXT], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_mdb_fail(st, rc, "cannot read notext");
	if ((*out = parse(&v, why)) == NULL)
		return store_fail(st, QUARRY_ESTORE,
		    "%s: corrupt notext entry", st->path);
	return 0;
}

int
quarry_store_foreach_notext(quarry_store *st,
    int (*fn)(const char *source, int why, void *arg), void *arg)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, ret = 0, why;

	if ((rc = store_rdonly_begin(st, &txn)) != 0)
		return store_mdb_fail(st, rc, "cannot begin a read transaction");
	if (!st->notextdb &&
	    mdb_dbi_open(txn, "notext", 0, &st->dbi[DB_NOTEXT]) != 0) {
		mdb_txn_abort(txn);
		return 0;
	}
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_NOTEXT], &cur)) != 0) {
		mdb_txn_abort(txn);
		return store_mdb_fail(st, rc, "cannot read notext");
	}
	while (ret == 0 && (rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		json_t *j = parse(&v, &why);

		if (j == NULL) {
			ret = store_fail(st, QUARRY_ESTORE,
			    "%s: corrupt notext entry", st->path);
			break;
		}
		ret = fn(quarry_record_string(j, "source", NULL), why, arg);
		json_decref(j);
	}
	if (ret == 0 && rc != MDB_NOTFOUND)
		ret = store_mdb_fail(st, rc, "cannot read notext");
	mdb_cursor_close(cur);
	/* Committing keeps a handle this transaction opened. */
	if (mdb_txn_commit(txn) == 0 && !st->notextdb)
		st->notextdb = 1;
	return ret;
}

long
store_notext_check(quarry_store *st, MDB_txn *txn,
    void (*fn)(const char *, void *), void *arg)
{
	struct store_faults f = { fn, arg, 0, 0 };
	MDB_cursor *cur;
	MDB_val k, v, want;
	struct store_key sk;
	int rc, why;

	if (!st->notextdb)
		return 0;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_NOTEXT], &cur)) != 0)
		return store_mdb_fail(st, rc, "cannot read notext");
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		json_t *j = parse(&v, &why);

		if (j == NULL) {
			store_fault(&f, "notext entry \"%.*s\": malformed",
			    (int)(k.mv_size > 200 ? 200 : k.mv_size),
			    (const char *)k.mv_data);
			continue;
		}
		store_key(quarry_record_string(j, "source", NULL), &sk, &want);
		if (want.mv_size != k.mv_size ||
		    memcmp(want.mv_data, k.mv_data, k.mv_size) != 0)
			store_fault(&f, "notext entry \"%.*s\": key is not "
			    "its source's", (int)(k.mv_size > 200 ? 200 :
			    k.mv_size), (const char *)k.mv_data);
		json_decref(j);
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return store_mdb_fail(st, rc, "cannot read notext");
	return f.faults;
}
