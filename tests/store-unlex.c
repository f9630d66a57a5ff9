/*
 * store-unlex: turns store DB back into one made before the lexical index
 * (format 2: no "terms" database, no lexical meta keys), as a store written
 * by an older quarry is, for the tests of what such a store can serve.
 *
 * usage: store-unlex DB
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "store_private.h"

int
main(int argc, char **argv)
{
	static const char *const keys[] = { "lexical", "lexical_lang",
	    "lex_tokens" };
	quarry_store *st;
	MDB_txn *txn;
	MDB_val k, v;
	size_t i;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: store-unlex DB\n");
		return 2;
	}
	if (quarry_store_open(&st, argv[1], 0) != 0) {
		fprintf(stderr, "store-unlex: %s: cannot open\n", argv[1]);
		return 1;
	}
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
		goto fail;
	if (st->termsdb && (rc = mdb_drop(txn, st->dbi[DB_TERMS], 1)) != 0)
		goto abort;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		k.mv_size = strlen(keys[i]);
		k.mv_data = (void *)keys[i];
		rc = mdb_del(txn, st->dbi[DB_META], &k, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			goto abort;
	}
	k.mv_size = 6;
	k.mv_data = (void *)"format";
	v.mv_size = 1;
	v.mv_data = (void *)"2";
	if ((rc = mdb_put(txn, st->dbi[DB_META], &k, &v, 0)) != 0)
		goto abort;
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto fail;
	quarry_store_close(st);
	return 0;
abort:
	mdb_txn_abort(txn);
fail:
	fprintf(stderr, "store-unlex: %s: %s\n", argv[1], mdb_strerror(rc));
	quarry_store_close(st);
	return 1;
}
