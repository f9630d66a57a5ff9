/*
 * store.c: the quarry store, an LMDB environment holding chunk records, their
 * vectors in large contiguous blocks, and the record of what was indexed.
 * This file opens and reads it (meta, the vector cache, statistics,
 * iteration, staleness, views for scanning); store_write.c changes it and
 * store_check.c verifies it.  The layout is specified in man/quarry-store.5.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "store_private.h"
#include "lexical_private.h"
#include "hnsw_private.h"

/*
 * The databases, with their LMDB flags and whether a store may lack them:
 * DB_LATER ones came with a later format than some stores have ("terms"
 * with format 3; "changes" with format 4, or a format 2 or 3 store's first
 * write), and a new store is made with them; DB_ON_DEMAND ones are made by
 * their module when first needed (the int8 and 1-bit copies by
 * store_quant.c, the graph by hnsw.c, the files without text by
 * store_notext.c).
 */
enum { DB_ALWAYS, DB_LATER, DB_ON_DEMAND };

#define DB_DUPINT (MDB_DUPSORT | MDB_DUPFIXED | MDB_INTEGERDUP)

static const struct {
	const char *name;
	unsigned flags;
	int kind;
} dbs[DB_COUNT] = {
	[DB_META] = { "meta", 0, DB_ALWAYS },
	[DB_DOCS] = { "docs", 0, DB_ALWAYS },
	[DB_CHUNKS] = { "chunks", MDB_INTEGERKEY, DB_ALWAYS },
	[DB_VECTORS] = { "vectors", MDB_INTEGERKEY, DB_ALWAYS },
	[DB_LIVE] = { "live", MDB_INTEGERKEY, DB_ALWAYS },
	[DB_CACHE] = { "cache", DB_DUPINT, DB_ALWAYS },
	[DB_FIELDS] = { "fields", DB_DUPINT, DB_ALWAYS },
	[DB_SOURCES] = { "sources", MDB_DUPSORT, DB_ALWAYS },
	[DB_TERMS] = { "terms", 0, DB_LATER },
	[DB_CHANGES] = { "changes", 0, DB_LATER },
	[DB_VEC8] = { "vectors8", MDB_INTEGERKEY, DB_ON_DEMAND },
	[DB_VEC1] = { "vectors1", MDB_INTEGERKEY, DB_ON_DEMAND },
	[DB_HNSW] = { "hnsw", MDB_INTEGERKEY, DB_ON_DEMAND },
	[DB_NOTEXT] = { "notext", 0, DB_ON_DEMAND },
};

int
store_fail(quarry_store *st, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	qerr_vset(&st->err, code, fmt, ap);
	va_end(ap);
	return code;
}

int
store_io_errno(int rc, uint64_t avail, uint64_t fsize, uint64_t limit)
{
	if (rc != EIO)
		return rc;
	if (limit != 0 && fsize + STORE_IO_SLACK >= limit)
		return EFBIG;
	if (avail < STORE_IO_SLACK)
		return ENOSPC;
	return rc;
}

/*
 * LMDB reports a short write as EIO ("filesystem full?" in its source);
 * the file system and the process's limit say which it was.
 */
static int
io_cause(quarry_store *st, int rc)
{
	uint64_t avail = UINT64_MAX, fsize = 0, limit = 0;
	struct statvfs vfs;
	struct rlimit rl;
	struct stat sb;
	char file[4096];

	if (rc != EIO)
		return rc;
	if (statvfs(st->path, &vfs) == 0)
		avail = (uint64_t)(geteuid() == 0 ? vfs.f_bfree :
		    vfs.f_bavail) * vfs.f_frsize;
	snprintf(file, sizeof(file), "%s/data.mdb", st->path);
	if (stat(file, &sb) == 0)
		fsize = (uint64_t)sb.st_size;
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		limit = (uint64_t)rl.rlim_cur;
	return store_io_errno(rc, avail, fsize, limit);
}

int
store_mdb_fail(quarry_store *st, int rc, const char *what)
{
	if (rc == ENOMEM)
		return store_fail(st, QUARRY_ENOMEM, "%s: out of memory", what);
	rc = io_cause(st, rc);
	return store_fail(st, rc == EIO || rc == ENOSPC || rc == EFBIG ||
	    rc == EDQUOT ? QUARRY_EIO : QUARRY_ESTORE, "%s: %s: %s", st->path,
	    what, mdb_strerror(rc));
}

void
store_key(const char *s, struct store_key *sk, MDB_val *k)
{
	size_t n = strlen(s);

	if (n <= STORE_MAX_DOC) {
		k->mv_size = n;
		k->mv_data = (void *)s;
		return;
	}
	sk->buf[0] = (char)0xFF;
	quarry_hash_hex(s, n, sk->buf + 1);
	k->mv_size = 33;
	k->mv_data = sk->buf;
}

char *
store_key_doc(const MDB_val *k, const json_t *d)
{
	const char *doc;

	if (!STORE_KEY_HASHED(k))
		return strndup(k->mv_data, k->mv_size);
	doc = d ? quarry_record_string(d, "doc", NULL) : NULL;
	return doc ? strdup(doc) : NULL;
}

const char *
quarry_store_error(const quarry_store *st)
{
	return qerr_str(st ? &st->err : NULL);
}

size_t
store_block_slots(size_t dims)
{
	size_t vs = dims * sizeof(float), n, best = 0, fullest = 1, lo, hi;
	double best_eff = 0;

	/*
	 * A block is one LMDB value on a run of overflow pages; the run starts
	 * with a 16-byte page header.  Take the count nearest 64 whose vectors
	 * fill at least 98.5% of the run, else the one filling it most.
	 */
	lo = 32;
	hi = 128;
	if (vs * lo > ((size_t)4 << 20)) {
		lo = 1;
		hi = ((size_t)4 << 20) / vs + 1;
	}
	for (n = lo; n <= hi; n++) {
		size_t pages = (n * vs + 16 + 4095) / 4096;
		double eff = (double)(n * vs) / (double)(pages * 4096);
		size_t dist = n > 64 ? n - 64 : 64 - n;

		if (eff > best_eff) {
			best_eff = eff;
			fullest = n;
		}
		if (eff >= 0.985 && (best == 0 ||
		    dist < (best > 64 ? best - 64 : 64 - best)))
			best = n;
	}
	return best ? best : fullest;
}

int
store_read_begin(quarry_store *st, MDB_txn **txn)
{
	int rc;

	if (st->rtxn != NULL) {
		rc = mdb_txn_renew(st->rtxn);
		if (rc == 0) {
			*txn = st->rtxn;
			return 0;
		}
		mdb_txn_abort(st->rtxn);
		st->rtxn = NULL;
	}
	if ((rc = store_rdonly_begin(st, &st->rtxn)) != 0) {
		st->rtxn = NULL;
		return store_mdb_fail(st, rc, "cannot begin a read transaction");
	}
	*txn = st->rtxn;
	return 0;
}

int
store_rdonly_begin(quarry_store *st, MDB_txn **txn)
{
	int rc;

	rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn);
	if (rc == MDB_MAP_RESIZED) {
		/* Another process grew the map: adopt its size. */
		mdb_env_set_mapsize(st->env, 0);
		rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn);
	}
	return rc;
}

int
store_rewrite_begin(quarry_store *st)
{
	int rc;

	if (st->flags & QUARRY_STORE_RDONLY)
		return store_fail(st, QUARRY_EINVAL, "%s: opened read-only",
		    st->path);
	if ((rc = quarry_store_commit(st)) != 0 ||
	    (rc = quarry_store_lock(st, -1)) != 0)
		return qerr_ret(&st->err, rc);
	if (st->rtxn != NULL) {
		mdb_txn_abort(st->rtxn);
		st->rtxn = NULL;
	}
	return 0;
}

int
store_write_txn(quarry_store *st,
    int (*fn)(quarry_store *st, MDB_txn *txn, void *arg), void *arg)
{
	MDB_envinfo ei;
	MDB_txn *txn;
	int rc;

	for (;;) {
		rc = mdb_txn_begin(st->env, NULL, 0, &txn);
		if (rc == MDB_MAP_RESIZED) {
			mdb_env_set_mapsize(st->env, 0);
			continue;
		}
		if (rc != 0)
			return rc;
		if ((rc = fn(st, txn, arg)) == 0)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
		if (rc != MDB_MAP_FULL)
			return rc;
		/* Grow the map and replay: users never see a full map. */
		if (st->rtxn != NULL) {
			mdb_txn_abort(st->rtxn);
			st->rtxn = NULL;
		}
		mdb_env_info(st->env, &ei);
		if ((rc = mdb_env_set_mapsize(st->env, ei.me_mapsize * 2)) != 0)
			return rc;
	}
}

void
store_read_end(quarry_store *st)
{
	if (st->rtxn != NULL)
		mdb_txn_reset(st->rtxn);
}

int
store_meta_get(MDB_txn *txn, MDB_dbi dbi, const char *key, char *buf,
    size_t size)
{
	MDB_val k = { strlen(key), (void *)key }, v;
	int rc;

	if ((rc = mdb_get(txn, dbi, &k, &v)) != 0)
		return rc;
	if (v.mv_size >= size)
		return MDB_BAD_VALSIZE;
	memcpy(buf, v.mv_data, v.mv_size);
	buf[v.mv_size] = '\0';
	return 0;
}

int
store_meta_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *out)
{
	char buf[32], *end;
	unsigned long long v;
	int rc;

	if ((rc = store_meta_get(txn, dbi, key, buf, sizeof(buf))) != 0)
		return rc;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (buf[0] < '0' || buf[0] > '9' || *end != '\0' || errno != 0)
		return MDB_INCOMPATIBLE;
	*out = v;
	return 0;
}

int
store_load_meta(quarry_store *st, MDB_txn *txn)
{
	uint64_t format, dims, slots;
	int rc;

	rc = store_meta_u64(txn, st->dbi[DB_META], "format", &format);
	if (rc != 0)
		return store_fail(st, QUARRY_EFORMAT,
		    "%s: not a quarry store (no format version)", st->path);
	if (format != STORE_FORMAT && format != STORE_FORMAT_LEX &&
	    format != STORE_FORMAT_NOLEX)
		return store_fail(st, QUARRY_EFORMAT,
		    "%s: store format %llu is not supported (this quarry reads formats %d to %d)",
		    st->path, (unsigned long long)format, STORE_FORMAT_NOLEX,
		    STORE_FORMAT);
	if (format == STORE_FORMAT && !st->changesdb)
		return store_fail(st, QUARRY_EFORMAT,
		    "%s: not a quarry store (no \"changes\" database)",
		    st->path);
	st->format = (unsigned)format;
	st->lexical = 0;
	snprintf(st->lexlang, sizeof(st->lexlang), "%s", LEX_DEFAULT_LANG);
	if (format == STORE_FORMAT_LEX || (format == STORE_FORMAT &&
	    store_meta_get(txn, st->dbi[DB_META], "lexical", NULL, 0) !=
	    MDB_NOTFOUND)) {
		char an[64];

		if (!st->termsdb)
			return store_fail(st, QUARRY_EFORMAT,
			    "%s: not a quarry store (no \"terms\" database)",
			    st->path);
		rc = store_meta_get(txn, st->dbi[DB_META], "lexical", an,
		    sizeof(an));
		if (rc != 0 || strcmp(an, LEX_ANALYZER) != 0)
			return store_fail(st, QUARRY_EFORMAT,
			    "%s: lexical analyzer \"%s\" is not supported "
			    "(this quarry has %s)", st->path, rc ? "" : an,
			    LEX_ANALYZER);
		rc = store_meta_get(txn, st->dbi[DB_META], "lexical_lang",
		    st->lexlang, sizeof(st->lexlang));
		if (rc != 0)
			return store_fail(st, QUARRY_ESTORE,
			    "%s: corrupt meta (lexical_lang)", st->path);
		st->lexical = 1;
	}
	st->model[0] = '\0';
	st->dims = 0;
	st->block_slots = 0;
	rc = store_meta_get(txn, st->dbi[DB_META], "model", st->model,
	    sizeof(st->model));
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0 ||
	    store_meta_u64(txn, st->dbi[DB_META], "dims", &dims) != 0 ||
	    store_meta_u64(txn, st->dbi[DB_META], "block_slots", &slots) != 0 ||
	    dims == 0 || dims > STORE_MAX_DIMS || slots == 0 ||
	    slots > ((uint64_t)1 << 20))
		return store_fail(st, QUARRY_ESTORE,
		    "%s: corrupt meta (model, dims or block_slots)", st->path);
	st->dims = (size_t)dims;
	st->block_slots = (size_t)slots;
	if ((rc = store_quant_load(st, txn)) != 0)
		return rc;
	return store_hnsw_load(st, txn);
}

/* The flag that says whether st has database i, for those it may lack. */
static int *
db_has(quarry_store *st, int i)
{
	switch (i) {
	case DB_TERMS:
		return &st->termsdb;
	case DB_CHANGES:
		return &st->changesdb;
	case DB_VEC8:
		return &st->vec8db;
	case DB_VEC1:
		return &st->vec1db;
	case DB_HNSW:
		return &st->hnswdb;
	case DB_NOTEXT:
		return &st->notextdb;
	default:
		return NULL;
	}
}

/*
 * Opens (and with create, creates) the named databases.  One that the store
 * may lack and does not have gets dbi 0 and its flag (db_has()) 0.
 */
static int
open_dbs(quarry_store *st, MDB_txn *txn, int create)
{
	int i, rc;

	for (i = 0; i < DB_COUNT; i++) {
		int *has = db_has(st, i);

		assert((has != NULL) == (dbs[i].kind != DB_ALWAYS));
		rc = mdb_dbi_open(txn, dbs[i].name, dbs[i].flags |
		    (create && dbs[i].kind != DB_ON_DEMAND ? MDB_CREATE : 0),
		    &st->dbi[i]);
		if (has != NULL)
			*has = rc != MDB_NOTFOUND;
		if (rc == MDB_NOTFOUND && has != NULL) {
			st->dbi[i] = 0;
			continue;
		}
		if (rc == MDB_NOTFOUND)
			return store_fail(st, QUARRY_EFORMAT,
			    "%s: not a quarry store (no \"%s\" database)",
			    st->path, dbs[i].name);
		if (rc == MDB_INCOMPATIBLE)
			return store_fail(st, QUARRY_EFORMAT,
			    "%s: not a quarry store (\"%s\" has other flags)",
			    st->path, dbs[i].name);
		if (rc != 0)
			return store_mdb_fail(st, rc, "cannot open a database");
	}
	return 0;
}

/* Writes the format version into a new, empty environment. */
static int
initialise(quarry_store *st)
{
	MDB_txn *txn;
	MDB_val k = { 6, (void *)"format" }, v;
	char buf[16];
	int rc;

	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
		return store_mdb_fail(st, rc, "cannot begin a write transaction");
	if ((rc = open_dbs(st, txn, 1)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	rc = mdb_get(txn, st->dbi[DB_META], &k, &v);
	if (rc == MDB_NOTFOUND) {
		snprintf(st->lexlang, sizeof(st->lexlang), "%s",
		    LEX_DEFAULT_LANG);
		rc = store_lex_meta(st, txn);
	}
	(void)buf;
	if (rc != 0) {
		mdb_txn_abort(txn);
		return store_mdb_fail(st, rc, "cannot initialise the store");
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return store_mdb_fail(st, rc, "cannot commit");
	return 0;
}

static void
remove_env_dir(const char *dir)
{
	char file[4096 + 16];

	snprintf(file, sizeof(file), "%s/data.mdb", dir);
	unlink(file);
	snprintf(file, sizeof(file), "%s/lock.mdb", dir);
	unlink(file);
	rmdir(dir);
}

/*
 * Creates a new store at path by building it beside and renaming it into
 * place, so that a reader never finds a store without its databases.
 */
static int
create_atomically(quarry_store *st, const char *path)
{
	char tmp[4096];
	int rc;

	snprintf(tmp, sizeof(tmp), "%s.new.%ld", path, (long)getpid());
	remove_env_dir(tmp);
	if (mkdir(tmp, 0777) != 0)
		return store_fail(st, QUARRY_EIO, "%s: cannot create: %s",
		    tmp, strerror(errno));
	if ((rc = mdb_env_create(&st->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->env, DB_COUNT)) != 0 ||
	    (rc = mdb_env_open(st->env, tmp, MDB_NOTLS, 0666)) != 0) {
		rc = store_mdb_fail(st, rc, "cannot create the environment");
		goto out;
	}
	if ((rc = initialise(st)) != 0)
		goto out;
	mdb_env_close(st->env);
	st->env = NULL;
	if (rename(tmp, path) != 0) {
		/* Another process created it meanwhile: use theirs. */
		if (errno != EEXIST && errno != ENOTEMPTY)
			rc = store_fail(st, QUARRY_EIO, "%s: cannot create: %s",
			    path, strerror(errno));
		remove_env_dir(tmp);
	}
	return rc;
out:
	if (st->env != NULL)
		mdb_env_close(st->env);
	st->env = NULL;
	remove_env_dir(tmp);
	return rc;
}

/* Processes (or threads) reading at once: LMDB's default is 126. */
#define STORE_MAX_READERS 1024

/*
 * Creates and opens st->env with LMDB's flags.  Returns 0 or an LMDB (or
 * errno) code, with st->env closed and NULL on failure.
 */
static int
env_open(quarry_store *st, const char *path, size_t mapsize,
    unsigned int mflags)
{
	int rc;

	if ((rc = mdb_env_create(&st->env)) != 0) {
		st->env = NULL;
		return rc;
	}
	if ((rc = mdb_env_set_maxdbs(st->env, DB_COUNT)) != 0 ||
	    (rc = mdb_env_set_maxreaders(st->env, STORE_MAX_READERS)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, mapsize)) != 0 ||
	    (rc = mdb_env_open(st->env, path, mflags, 0666)) != 0) {
		mdb_env_close(st->env);
		st->env = NULL;
	}
	return rc;
}

/*
 * A data.mdb shorter than its last committed page would raise SIGBUS at
 * the first read beyond its end: such a store is reported damaged instead.
 */
static int
check_size(quarry_store *st, const char *file)
{
	MDB_envinfo info;
	MDB_stat ms;
	struct stat sb;
	uint64_t need;

	if (mdb_env_info(st->env, &info) != 0 ||
	    mdb_env_stat(st->env, &ms) != 0)
		return 0;
	need = ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize;
	if (stat(file, &sb) == 0 && (uint64_t)sb.st_size < need)
		return store_fail(st, QUARRY_ESTORE, "%s: damaged store: "
		    "data.mdb has %llu bytes, its pages need %llu (truncated?)",
		    st->path, (unsigned long long)sb.st_size,
		    (unsigned long long)need);
	return 0;
}

int
quarry_store_open(quarry_store **out, const char *path, int flags)
{
	quarry_store *st;
	MDB_txn *txn;
	struct stat sb;
	char file[4096];
	size_t mapsize = (size_t)1 << 28;
	int rc, size0 = 0;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return QUARRY_ENOMEM;
	*out = st;
	st->lockfd = -1;
	st->flags = flags;
	if ((st->path = strdup(path)) == NULL)
		return store_fail(st, QUARRY_ENOMEM, "out of memory");
	if (strlen(path) > 4000)
		return store_fail(st, QUARRY_EINVAL, "store path too long");
	if (sizeof(size_t) != sizeof(uint64_t))
		return store_fail(st, QUARRY_ESTORE,
		    "the store needs a 64-bit host");
	if (stat(path, &sb) != 0) {
		if (errno != ENOENT || !(flags & QUARRY_STORE_CREATE) ||
		    (flags & QUARRY_STORE_RDONLY))
			return store_fail(st, errno == ENOENT ?
			    QUARRY_ENOTFOUND : QUARRY_EIO, "%s: %s", path,
			    strerror(errno));
		if ((rc = create_atomically(st, path)) != 0)
			return rc;
	} else if (!S_ISDIR(sb.st_mode))
		return store_fail(st, QUARRY_EFORMAT,
		    "%s: not a quarry store (not a directory)", path);
	snprintf(file, sizeof(file), "%s/data.mdb", path);
	if (stat(file, &sb) != 0) {
		if (!(flags & QUARRY_STORE_CREATE) ||
		    (flags & QUARRY_STORE_RDONLY))
			return store_fail(st, QUARRY_ENOTFOUND,
			    "%s: not a quarry store (no data.mdb)", path);
	} else {
		size0 = sb.st_size == 0;
		/* Room to grow without a resize in the common case. */
		while (mapsize < (size_t)sb.st_size * 2)
			mapsize *= 2;
	}
	rc = env_open(st, path, mapsize, MDB_NOTLS |
	    ((flags & QUARRY_STORE_RDONLY) ? MDB_RDONLY : 0));
	if (rc == EACCES && (flags & QUARRY_STORE_RDONLY)) {
		/*
		 * A reader who may not write lock.mdb reads without the
		 * lock (man/quarry-store.5, READERS).
		 */
		rc = env_open(st, path, mapsize, MDB_NOTLS | MDB_RDONLY |
		    MDB_NOLOCK);
	}
	if (rc != 0) {
		if (st->env != NULL)
			mdb_env_close(st->env);
		st->env = NULL;
		if (rc == EACCES || rc == EROFS)
			return store_fail(st, QUARRY_EIO, "%s: %s", path,
			    strerror(rc));
		if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH ||
		    (rc == EBADF && size0))
			return store_fail(st, QUARRY_ESTORE, "%s: damaged "
			    "store: data.mdb is %s", path, size0 ? "empty" :
			    "not an LMDB file (truncated or overwritten?)");
		return store_mdb_fail(st, rc, "cannot open");
	}
	if ((rc = check_size(st, file)) != 0)
		return rc;
	/* Open the databases in a read transaction so that an existing store
	 * is not written to (its transaction id stays the same). */
	rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
	if (rc != 0)
		return store_mdb_fail(st, rc, "cannot begin a read transaction");
	rc = open_dbs(st, txn, 0);
	if (rc == 0)
		rc = store_load_meta(st, txn);
	/* Committing a read transaction keeps the database handles it
	 * opened (aborting it would close them) and writes nothing. */
	if (rc == 0)
		rc = mdb_txn_commit(txn) ? QUARRY_ESTORE : 0;
	else
		mdb_txn_abort(txn);
	if (rc == QUARRY_EFORMAT && (flags & QUARRY_STORE_CREATE) &&
	    !(flags & QUARRY_STORE_RDONLY)) {
		MDB_stat ms;

		/* Only an empty environment becomes a new store. */
		if (mdb_env_stat(st->env, &ms) == 0 && ms.ms_entries > 0)
			return rc;
		if ((rc = initialise(st)) != 0)
			return rc;
		if ((rc = store_read_begin(st, &txn)) != 0)
			return rc;
		rc = store_load_meta(st, txn);
		store_read_end(st);
	}
	if (rc != 0)
		return qerr_ret(&st->err, rc);
	qerr_clear(&st->err);
	return 0;
}

void
quarry_store_close(quarry_store *st)
{
	if (st == NULL)
		return;
	store_ops_clear(st);
	free(st->ops);
	free(st->notext);
	if (st->rtxn != NULL)
		mdb_txn_abort(st->rtxn);
	if (st->env != NULL)
		mdb_env_close(st->env);
	if (st->lockfd >= 0)
		close(st->lockfd);
	free(st->path);
	free(st->qscale);
	free(st->qcenter);
	free(st->qspread);
	free(st);
}

/*
 * The store's pages a process has read stay mapped in it, and count in its
 * resident size, until it closes the store; a long writer (quarry-sync)
 * drops them now and then, and so does the lexical index's update inside
 * a commit (store_lexical.c).  The map is shared and, without
 * MDB_WRITEMAP, read-only: its pages stay in the page cache and the next
 * read maps them again, so that nothing is lost, not even within a
 * transaction.  LMDB does not tell where its map is (me_mapaddr is only
 * for MDB_FIXEDMAP), so it is found in /proc/self/maps by the data file's
 * device and inode, once for each size of the map (LMDB maps anew only
 * when the size changes); when the process maps the file more than once
 * (another handle on the same store), which one is this handle's is not
 * known and all are released, reading /proc/self/maps each time.  Where
 * there is no /proc, nothing is done.
 */
void
quarry_store_release_pages(quarry_store *st)
{
	char line[512];
	MDB_envinfo ei;
	struct stat sb;
	uintptr_t lo1 = 0, hi1 = 0;
	FILE *fp;
	int fd, n = 0;

	if (st == NULL || st->env == NULL || mdb_env_info(st->env, &ei) != 0)
		return;
	if (st->mapsize == ei.me_mapsize && st->maphi > st->maplo) {
		(void)madvise((void *)st->maplo, st->maphi - st->maplo,
		    MADV_DONTNEED);
		return;
	}
	if (st->mapsize == (size_t)-1 || mdb_env_get_fd(st->env, &fd) != 0 ||
	    fstat(fd, &sb) != 0 || (fp = fopen("/proc/self/maps", "re")) == NULL) {
		st->mapsize = (size_t)-1;
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		unsigned long lo, hi, ino;
		unsigned int maj, mnr;

		if (sscanf(line, "%lx-%lx %*s %*x %x:%x %lu", &lo, &hi, &maj,
		    &mnr, &ino) == 5 && ino == (unsigned long)sb.st_ino &&
		    makedev(maj, mnr) == sb.st_dev && hi > lo) {
			(void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
			lo1 = lo;
			hi1 = hi;
			n++;
		}
		/* A line longer than the buffer: skip its rest. */
		while (strchr(line, '\n') == NULL &&
		    fgets(line, sizeof(line), fp) != NULL)
			;
	}
	fclose(fp);
	st->maplo = n == 1 ? lo1 : 0;
	st->maphi = n == 1 ? hi1 : 0;
	st->mapsize = n == 1 ? ei.me_mapsize : 0;
}

/*
 * Brings LMDB's lock file up to date after a writer died inside a commit.
 * LMDB commits by writing the new meta page into data.mdb and then
 * publishing its transaction id in lock.mdb, where read transactions take
 * it from.  A writer killed between the two (the meta write is synchronous,
 * so under load the window is milliseconds) leaves the commit in data.mdb
 * while every process that joins the environment begins its reads at the
 * commit before: only a process that opens the store alone (re-reading
 * data.mdb), or the next writer to take LMDB's mutex from its dead owner,
 * publishes the newer id.  A writer that compared its documents against
 * the older snapshot would skip a document as unchanged that the newer one
 * holds in another version, and write its other changes on top of the
 * newer one: a lost update.  So, holding the writer lock (no live writer
 * can hold LMDB's mutex), this begins and drops a write transaction, which
 * takes the mutex and repairs the published id, before anything is read;
 * when the snapshot moved and nothing is queued, the meta read at open is
 * read again.
 */
static int
lock_recover(quarry_store *st)
{
	MDB_txn *txn;
	size_t seen;
	int rc;

	if ((rc = store_read_begin(st, &txn)) != 0)
		return rc;
	seen = mdb_txn_id(txn);
	store_read_end(st);
	rc = mdb_txn_begin(st->env, NULL, 0, &txn);
	if (rc == MDB_MAP_RESIZED) {
		mdb_env_set_mapsize(st->env, 0);
		rc = mdb_txn_begin(st->env, NULL, 0, &txn);
	}
	if (rc != 0)
		return store_mdb_fail(st, rc, "cannot begin a write transaction");
	/* A write transaction's id is the published one plus one. */
	if (mdb_txn_id(txn) == seen + 1 || st->nops > 0 || st->q_set) {
		mdb_txn_abort(txn);
		return 0;
	}
	mdb_txn_abort(txn);
	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn)) != 0)
		return store_mdb_fail(st, rc,
		    "cannot begin a read transaction");
	if ((rc = open_dbs(st, txn, 0)) == 0)
		rc = store_load_meta(st, txn);
	if (rc == 0)
		return mdb_txn_commit(txn) ? store_fail(st, QUARRY_ESTORE,
		    "%s: cannot read the store", st->path) : 0;
	mdb_txn_abort(txn);
	return rc;
}

int
quarry_store_lock(quarry_store *st, long timeout_ms)
{
	char file[4096];
	struct timespec start, now, nap = { 0, 20 * 1000000 };
	int rc;

	if (st->lockfd >= 0)
		return 0;
	if (st->flags & QUARRY_STORE_RDONLY)
		return store_fail(st, QUARRY_EINVAL,
		    "%s: opened read-only", st->path);
	snprintf(file, sizeof(file), "%s/write.lock", st->path);
	if ((st->lockfd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0666)) < 0)
		return store_fail(st, QUARRY_EIO, "%s: %s", file,
		    strerror(errno));
	if (timeout_ms < 0) {
		while (flock(st->lockfd, LOCK_EX) != 0)
			if (errno != EINTR)
				goto fail;
		goto locked;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		long ms;

		if (flock(st->lockfd, LOCK_EX | LOCK_NB) == 0)
			goto locked;
		if (errno != EWOULDBLOCK && errno != EINTR)
			goto fail;
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000;
		if (ms >= timeout_ms) {
			close(st->lockfd);
			st->lockfd = -1;
			return store_fail(st, QUARRY_EBUSY,
			    "%s: another process is writing to the store (waited %ld.%03ld s)",
			    st->path, timeout_ms / 1000, timeout_ms % 1000);
		}
		nanosleep(&nap, NULL);
	}
locked:
	if ((rc = lock_recover(st)) != 0) {
		close(st->lockfd);
		st->lockfd = -1;
		return rc;
	}
	return 0;
fail:
	store_fail(st, QUARRY_EIO, "%s: cannot lock: %s", file,
	    strerror(errno));
	close(st->lockfd);
	st->lockfd = -1;
	return QUARRY_EIO;
}

/* ---------------------------------------------------------- fingerprint */

int
quarry_fingerprint_file(const char *path, quarry_fingerprint *fp)
{
	static const char digits[] = "0123456789abcdef";
	XXH3_state_t *xs;
	XXH128_canonical_t c;
	struct stat sb;
	char buf[65536];
	ssize_t got;
	int fd, i, err;

	memset(fp, 0, sizeof(*fp));
	/* Non-blocking, so that a FIFO cannot hang the open. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return errno == ENOENT || errno == ENOTDIR ? QUARRY_ENOTFOUND :
		    QUARRY_EIO;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		if (!S_ISREG(sb.st_mode))
			errno = S_ISDIR(sb.st_mode) ? EISDIR : EINVAL;
		err = errno;
		close(fd);
		errno = err;
		return QUARRY_EIO;
	}
	if ((xs = XXH3_createState()) == NULL) {
		close(fd);
		return QUARRY_ENOMEM;
	}
	XXH3_128bits_reset(xs);
	while ((got = read(fd, buf, sizeof(buf))) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			XXH3_freeState(xs);
			close(fd);
			errno = err;
			return QUARRY_EIO;
		}
		XXH3_128bits_update(xs, buf, (size_t)got);
	}
	XXH128_canonicalFromHash(&c, XXH3_128bits_digest(xs));
	XXH3_freeState(xs);
	close(fd);
	for (i = 0; i < 16; i++) {
		fp->hash[2 * i] = digits[c.digest[i] >> 4];
		fp->hash[2 * i + 1] = digits[c.digest[i] & 15];
	}
	fp->hash[32] = '\0';
	fp->size = (uint64_t)sb.st_size;
	fp->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 +
	    sb.st_mtim.tv_nsec;
	fp->has = 1;
	return 0;
}

/* ------------------------------------------------------------- reading */

json_t *
store_doc_parse(const MDB_val *v)
{
	json_t *d = json_loadb(v->mv_data, v->mv_size, 0, NULL);

	if (d != NULL && (!json_is_object(d) ||
	    !json_is_array(json_object_get(d, "chunks")) ||
	    !json_is_string(json_object_get(d, "digest")))) {
		json_decref(d);
		return NULL;
	}
	return d;
}

static int
hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : -1;
}

const char *
store_cache_hash(const json_t *rec)
{
	const char *h = quarry_record_string(rec, "embed_hash", NULL);

	return h != NULL ? h : quarry_record_string(rec, "hash", NULL);
}

void
store_cache_key(const char *hash, unsigned char *buf, MDB_val *k)
{
	size_t i, n = strlen(hash);

	k->mv_size = n;
	k->mv_data = (void *)hash;
	if (n != 32)
		return;
	for (i = 0; i < 32; i++)
		if (hexval((unsigned char)hash[i]) < 0)
			return;
	buf[0] = '\0';
	for (i = 0; i < 16; i++)
		buf[1 + i] = (unsigned char)(hexval((unsigned char)hash[2 * i]) << 4 |
		    hexval((unsigned char)hash[2 * i + 1]));
	k->mv_size = 17;
	k->mv_data = buf;
}

/* Whether rec's "id" is its "doc", '#' and its "chunk" number. */
static int
derived_id(const json_t *rec, const char *id)
{
	const char *doc = quarry_record_string(rec, "doc", NULL);
	const json_t *ch = json_object_get(rec, "chunk");
	char num[32];
	size_t dl;

	if (doc == NULL || id == NULL || !json_is_integer(ch))
		return 0;
	dl = strlen(doc);
	snprintf(num, sizeof(num), "#%" JSON_INTEGER_FORMAT,
	    json_integer_value(ch));
	return strncmp(id, doc, dl) == 0 && strcmp(id + dl, num) == 0;
}

int
store_record_encode(const json_t *rec, const json_t *meta,
    struct quarry_buf *b)
{
	json_t *out = json_object(), *absent = NULL, *val;
	const char *key;
	int rc = 0;

	if (out == NULL)
		return QUARRY_ENOMEM;
	json_object_foreach((json_t *)rec, key, val) {
		const json_t *m;

		if (strcmp(key, "model") == 0 || strcmp(key, "embedding") == 0)
			continue;
		if (strcmp(key, "doc") != 0 && meta != NULL &&
		    (m = json_object_get(meta, key)) != NULL &&
		    json_equal((json_t *)m, val))
			continue;
		if (strcmp(key, "id") == 0 && json_is_string(val) &&
		    derived_id(rec, json_string_value(val)))
			continue;
		if (json_object_set(out, key, val) != 0)
			rc = QUARRY_ENOMEM;
	}
	if (meta != NULL)
		json_object_foreach((json_t *)meta, key, val) {
			if (strcmp(key, "doc") == 0 ||
			    json_object_get(rec, key) != NULL)
				continue;
			if ((absent == NULL && (absent = json_array()) == NULL) ||
			    json_array_append_new(absent, json_string(key)) != 0)
				rc = QUARRY_ENOMEM;
		}
	if (absent != NULL && json_object_set_new(out, "", absent) != 0)
		rc = QUARRY_ENOMEM;
	if (rc == 0 && quarry_buf_json(b, out) != 0)
		rc = QUARRY_ENOMEM;
	json_decref(out);
	return rc;
}

static int
listed(const json_t *list, const char *key)
{
	const json_t *e;
	size_t i;

	json_array_foreach((json_t *)list, i, e)
		if (json_is_string(e) && strcmp(json_string_value(e), key) == 0)
			return 1;
	return 0;
}

json_t *
store_record_decode(const void *data, size_t len, const json_t *meta,
    const char *model)
{
	json_t *s = json_loadb(data, len, 0, NULL), *out, *val, *absent;
	const char *key;
	int bad = 0;

	if (s == NULL || !json_is_object(s) || (out = json_object()) == NULL) {
		json_decref(s);
		return NULL;
	}
	absent = json_object_get(s, "");
	if (meta != NULL)
		json_object_foreach((json_t *)meta, key, val)
			if (!listed(absent, key))
				bad |= json_object_set(out, key, val);
	if (json_object_get(s, "id") == NULL &&
	    quarry_record_string(s, "doc", NULL) != NULL &&
	    json_is_integer(json_object_get(s, "chunk"))) {
		struct quarry_buf b = { 0 };
		char num[32];
		int n = snprintf(num, sizeof(num), "#%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(s, "chunk")));
		const char *doc = quarry_record_string(s, "doc", NULL);

		bad |= quarry_buf_append(&b, doc, strlen(doc)) ||
		    quarry_buf_append(&b, num, (size_t)n);
		if (!bad)
			bad |= json_object_set_new(out, "id",
			    json_stringn(b.data, b.len));
		quarry_buf_free(&b);
	}
	json_object_foreach(s, key, val)
		if (*key != '\0')
			bad |= json_object_set(out, key, val);
	if (model != NULL && *model != '\0')
		bad |= json_object_set_new(out, "model", json_string(model));
	json_decref(s);
	if (bad) {
		json_decref(out);
		return NULL;
	}
	return out;
}

json_t *
store_record_load(quarry_store *st, MDB_txn *txn, const MDB_val *v)
{
	json_t *s = NULL, *d = NULL;
	json_t *rec;
	const char *doc;
	size_t len;
	struct store_key sk;
	MDB_val k, dv;

	/* The document's key, without a parse when its id has no escapes
	 * and is its own key. */
	if (store_json_member(v->mv_data, v->mv_size, "doc", &doc, &len) == 1 &&
	    len <= STORE_MAX_DOC) {
		k.mv_size = len;
		k.mv_data = (void *)doc;
	} else {
		s = json_loadb(v->mv_data, v->mv_size, 0, NULL);
		if ((doc = quarry_record_string(s, "doc", NULL)) != NULL)
			store_key(doc, &sk, &k);
	}
	if (doc != NULL) {
		if (mdb_get(txn, st->dbi[DB_DOCS], &k, &dv) == 0)
			d = store_doc_parse(&dv);
	}
	json_decref(s);
	if (d == NULL)
		return NULL;
	rec = store_record_decode(v->mv_data, v->mv_size,
	    json_object_get(d, "meta"), st->model);
	json_decref(d);
	return rec;
}

int
store_field_indexed(const char *name, const json_t *value)
{
	static const char *const skip[] = { "text", "id", "hash", "model",
	    "embedding" };
	size_t i;

	if (!json_is_string(value) || strlen(name) > STORE_MAX_FIELD ||
	    json_string_length(value) > STORE_MAX_VALUE)
		return 0;
	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strcmp(name, skip[i]) == 0)
			return 0;
	/* A NUL in the name would make the key ambiguous. */
	return 1;
}

int
store_field_key(char *buf, size_t size, const char *name, const char *value,
    size_t vlen, MDB_val *key)
{
	size_t nlen = strlen(name);

	if (nlen + 1 + vlen > size)
		return -1;
	memcpy(buf, name, nlen);
	buf[nlen] = '\0';
	memcpy(buf + nlen + 1, value, vlen);
	key->mv_data = buf;
	key->mv_size = nlen + 1 + vlen;
	return 0;
}

void
store_digest(const struct qchunk *c, size_t n, size_t dims, char hex[33])
{
	static const char digits[] = "0123456789abcdef";
	XXH3_state_t *xs = XXH3_createState();
	XXH128_canonical_t can;
	size_t i;
	int j;

	if (xs == NULL) {
		memset(hex, '0', 32);
		hex[32] = '\0';
		return;
	}
	XXH3_128bits_reset(xs);
	for (i = 0; i < n; i++) {
		uint64_t len = c[i].json_len;

		XXH3_128bits_update(xs, &len, sizeof(len));
		XXH3_128bits_update(xs, c[i].json, c[i].json_len);
		XXH3_128bits_update(xs, c[i].vec, dims * sizeof(float));
	}
	XXH128_canonicalFromHash(&can, XXH3_128bits_digest(xs));
	XXH3_freeState(xs);
	for (j = 0; j < 16; j++) {
		hex[2 * j] = digits[can.digest[j] >> 4];
		hex[2 * j + 1] = digits[can.digest[j] & 15];
	}
	hex[32] = '\0';
}

/* Returns a pointer to the stored vector of slot, or NULL. */
static const float *
slot_vector(quarry_store *st, MDB_txn *txn, size_t slot)
{
	size_t block = slot / st->block_slots;
	MDB_val k = { sizeof(block), &block }, v;

	if (mdb_get(txn, st->dbi[DB_VECTORS], &k, &v) != 0 ||
	    v.mv_size != st->block_slots * st->dims * sizeof(float))
		return NULL;
	return (const float *)v.mv_data +
	    (slot % st->block_slots) * st->dims;
}

json_t *
store_chunk_export(quarry_store *st, MDB_txn *txn, size_t slot,
    const json_t *meta)
{
	MDB_val ck = { sizeof(slot), &slot }, cv;
	const float *vec;
	json_t *rec, *emb;
	size_t j;

	if (mdb_get(txn, st->dbi[DB_CHUNKS], &ck, &cv) != 0 ||
	    (rec = store_record_decode(cv.mv_data, cv.mv_size, meta,
	    st->model)) == NULL) {
		store_fail(st, QUARRY_ESTORE,
		    "%s: missing or corrupt chunk record %zu", st->path, slot);
		return NULL;
	}
	if ((vec = slot_vector(st, txn, slot)) == NULL) {
		json_decref(rec);
		store_fail(st, QUARRY_ESTORE, "%s: missing vector of slot %zu",
		    st->path, slot);
		return NULL;
	}
	if ((emb = json_array()) == NULL) {
		json_decref(rec);
		store_fail(st, QUARRY_ENOMEM, "out of memory");
		return NULL;
	}
	for (j = 0; j < st->dims; j++)
		json_array_append_new(emb, json_real((double)vec[j]));
	json_object_set_new(rec, "embedding", emb);
	return rec;
}

int
quarry_store_cache_get(quarry_store *st, const char *model, const char *hash,
    float *vec, size_t dims)
{
	MDB_txn *txn;
	unsigned char kbuf[STORE_MAX_HASH];
	MDB_val k, v;
	const float *p;
	size_t slot;
	int rc;

	if (st->dims == 0 || strcmp(model, st->model) != 0)
		return QUARRY_ENOTFOUND;
	if (dims != st->dims)
		return store_fail(st, QUARRY_EMODEL,
		    "%s: model %s has %zu dimensions in the store, not %zu",
		    st->path, model, st->dims, dims);
	if (strlen(hash) == 0 || strlen(hash) > STORE_MAX_HASH)
		return QUARRY_ENOTFOUND;
	store_cache_key(hash, kbuf, &k);
	if ((rc = store_read_begin(st, &txn)) != 0)
		return rc;
	rc = mdb_get(txn, st->dbi[DB_CACHE], &k, &v);
	if (rc == 0 && v.mv_size == sizeof(size_t)) {
		memcpy(&slot, v.mv_data, sizeof(slot));
		if ((p = slot_vector(st, txn, slot)) != NULL) {
			memcpy(vec, p, dims * sizeof(float));
			store_read_end(st);
			return 0;
		}
		rc = MDB_CORRUPTED;
	}
	store_read_end(st);
	if (rc == MDB_NOTFOUND)
		return QUARRY_ENOTFOUND;
	return store_mdb_fail(st, rc, "vector cache");
}

int
quarry_store_stats(quarry_store *st, quarry_store_info *info)
{
	MDB_txn *txn;
	MDB_envinfo ei;
	MDB_stat ms;
	MDB_cursor *cur;
	MDB_val k, v;
	struct stat sb;
	char file[4096];
	uint64_t slots = 0;
	int rc;

	memset(info, 0, sizeof(*info));
	if ((rc = store_read_begin(st, &txn)) != 0)
		return rc;
	if ((rc = store_load_meta(st, txn)) != 0)
		goto out;
	snprintf(st->infomodel, sizeof(st->infomodel), "%s", st->model);
	info->format = st->format;
	info->lexical = st->lexical;
	if (st->lexical) {
		store_meta_u64(txn, st->dbi[DB_META], "lex_tokens",
		    &info->lex_tokens);
		if ((rc = mdb_stat(txn, st->dbi[DB_TERMS], &ms)) != 0)
			goto mdbfail;
		info->lex_bytes = (ms.ms_branch_pages + ms.ms_leaf_pages +
		    ms.ms_overflow_pages) * (uint64_t)ms.ms_psize;
		info->lex_keys = ms.ms_entries;
	}
	if (st->changesdb) {
		store_meta_u64(txn, st->dbi[DB_META], "change_seq",
		    &info->change_seq);
		store_meta_u64(txn, st->dbi[DB_META], "change_floor",
		    &info->change_floor);
		if ((rc = mdb_stat(txn, st->dbi[DB_CHANGES], &ms)) != 0)
			goto mdbfail;
		info->change_bytes = (ms.ms_branch_pages + ms.ms_leaf_pages +
		    ms.ms_overflow_pages) * (uint64_t)ms.ms_psize;
		info->change_entries = ms.ms_entries;
	}
	info->quant = st->quant && st->qbit ? "int8,bit" : st->quant ?
	    "int8" : st->qbit ? "bit" : "";
	if (st->quant) {
		if ((rc = mdb_stat(txn, st->dbi[DB_VEC8], &ms)) != 0)
			goto mdbfail;
		info->quant_bytes = (ms.ms_branch_pages + ms.ms_leaf_pages +
		    ms.ms_overflow_pages) * (uint64_t)ms.ms_psize;
	}
	if (st->qbit) {
		if ((rc = mdb_stat(txn, st->dbi[DB_VEC1], &ms)) != 0)
			goto mdbfail;
		info->quant_bytes += (ms.ms_branch_pages + ms.ms_leaf_pages +
		    ms.ms_overflow_pages) * (uint64_t)ms.ms_psize;
	}
	info->graph = st->graph ? "hnsw" : "";
	if (st->graph) {
		if ((rc = mdb_stat(txn, st->dbi[DB_HNSW], &ms)) != 0)
			goto mdbfail;
		info->graph_bytes = (ms.ms_branch_pages + ms.ms_leaf_pages +
		    ms.ms_overflow_pages) * (uint64_t)ms.ms_psize;
		info->graph_nodes = ms.ms_entries;
		store_meta_u64(txn, st->dbi[DB_META], "graph_m",
		    &info->graph_m);
	}
	info->model = st->infomodel;
	info->dims = st->dims;
	info->block_slots = st->block_slots;
	store_meta_u64(txn, st->dbi[DB_META], "next_slot", &slots);
	info->slots = slots;
	if ((rc = mdb_stat(txn, st->dbi[DB_DOCS], &ms)) != 0)
		goto mdbfail;
	info->documents = ms.ms_entries;
	if ((rc = mdb_stat(txn, st->dbi[DB_CHUNKS], &ms)) != 0)
		goto mdbfail;
	info->chunks = ms.ms_entries;
	if ((rc = mdb_stat(txn, st->dbi[DB_VECTORS], &ms)) != 0)
		goto mdbfail;
	info->blocks = ms.ms_entries;
	mdb_env_info(st->env, &ei);
	mdb_env_stat(st->env, &ms);
	info->txnid = mdb_txn_id(txn);
	info->page_size = ms.ms_psize;
	info->used_pages = ei.me_last_pgno + 1;
	/* The free list: each value is a page-number array whose first
	 * element is its length. */
	if ((rc = mdb_cursor_open(txn, 0, &cur)) != 0)
		goto mdbfail;
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		size_t cnt;

		if (v.mv_size >= sizeof(size_t)) {
			memcpy(&cnt, v.mv_data, sizeof(cnt));
			info->free_pages += cnt;
		}
	}
	mdb_cursor_close(cur);
	snprintf(file, sizeof(file), "%s/data.mdb", st->path);
	if (stat(file, &sb) == 0)
		info->file_bytes = (uint64_t)sb.st_size;
	rc = 0;
	goto out;
mdbfail:
	rc = store_mdb_fail(st, rc, "cannot read statistics");
out:
	store_read_end(st);
	return rc;
}

/* Copies meta key into *out (NULL when absent). */
static int
meta_string(quarry_store *st, MDB_txn *txn, const char *key, char **out)
{
	MDB_val k = { strlen(key), (void *)key }, v;
	int rc;

	*out = NULL;
	if ((rc = mdb_get(txn, st->dbi[DB_META], &k, &v)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_mdb_fail(st, rc, "cannot read meta");
	if ((*out = malloc(v.mv_size + 1)) == NULL)
		return store_fail(st, QUARRY_ENOMEM, "out of memory");
	memcpy(*out, v.mv_data, v.mv_size);
	(*out)[v.mv_size] = '\0';
	return 0;
}

int
quarry_store_settings(quarry_store *st, char **settings, char **rebuild)
{
	MDB_txn *txn;
	int rc;

	*settings = *rebuild = NULL;
	if ((rc = store_read_begin(st, &txn)) != 0)
		return rc;
	rc = meta_string(st, txn, "settings", settings);
	if (rc == 0)
		rc = meta_string(st, txn, "rebuild", rebuild);
	store_read_end(st);
	if (rc != 0) {
		free(*settings);
		*settings = NULL;
	}
	return rc;
}

/*
 * Calls step for each document entry in key order, with the entry's key and
 * its parsed value d (both borrowed for the call), in txn, or in a read
 * transaction of its own when txn is NULL; stops at the first nonzero
 * step and returns it.  A corrupt entry or a read error is recorded in st
 * and returned.
 */
static int
store_each_doc(quarry_store *st, MDB_txn *txn,
    int (*step)(quarry_store *st, MDB_txn *txn, const MDB_val *k,
    const json_t *d, void *arg), void *arg)
{
	MDB_txn *own = NULL;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, ret = 0;

	if (txn == NULL) {
		if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &own)) != 0)
			return store_mdb_fail(st, rc,
			    "cannot begin a read transaction");
		txn = own;
	}
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_DOCS], &cur)) != 0) {
		ret = store_mdb_fail(st, rc, "cannot read documents");
		goto out;
	}
	while (ret == 0 && (rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		json_t *d = store_doc_parse(&v);

		if (d == NULL) {
			ret = store_fail(st, QUARRY_ESTORE,
			    "%s: corrupt document entry", st->path);
			break;
		}
		ret = step(st, txn, &k, d, arg);
		json_decref(d);
	}
	if (ret == 0 && rc != MDB_NOTFOUND)
		ret = store_mdb_fail(st, rc, "cannot read documents");
	mdb_cursor_close(cur);
out:
	if (own != NULL)
		mdb_txn_abort(own);
	return ret;
}

struct foreach_doc {
	int (*fn)(const char *doc, const char *source, void *arg);
	void *arg;
	char *doc;		/* the last id passed to fn */
};

static int
foreach_doc_step(quarry_store *st, MDB_txn *txn, const MDB_val *k,
    const json_t *d, void *arg)
{
	struct foreach_doc *w = arg;
	char *nd;

	(void)txn;
	if ((nd = store_key_doc(k, d)) == NULL)
		return STORE_KEY_HASHED(k) ? store_fail(st, QUARRY_ESTORE,
		    "%s: document entry without its id", st->path) :
		    store_fail(st, QUARRY_ENOMEM, "out of memory");
	free(w->doc);
	w->doc = nd;
	return w->fn(w->doc, quarry_record_string(d, "source", NULL), w->arg);
}

int
quarry_store_foreach_doc(quarry_store *st,
    int (*fn)(const char *doc, const char *source, void *arg), void *arg)
{
	struct foreach_doc w = { fn, arg, NULL };
	int rc;

	/* A private transaction: fn may queue deletions meanwhile. */
	rc = store_each_doc(st, NULL, foreach_doc_step, &w);
	free(w.doc);
	return rc;
}

struct each_chunk {
	int (*fn)(const json_t *rec, void *arg);
	void *arg;
};

static int
each_chunk_step(quarry_store *st, MDB_txn *txn, const MDB_val *k,
    const json_t *d, void *arg)
{
	struct each_chunk *w = arg;
	json_t *e;
	size_t i;
	int rc;

	(void)k;
	json_array_foreach(json_object_get(d, "chunks"), i, e) {
		json_t *rec = store_chunk_export(st, txn,
		    (size_t)json_integer_value(json_array_get(e, 0)),
		    json_object_get(d, "meta"));

		if (rec == NULL)
			return QUARRY_ESTORE;
		rc = w->fn(rec, w->arg);
		json_decref(rec);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
store_each_chunk(quarry_store *st, MDB_txn *txn,
    int (*fn)(const json_t *rec, void *arg), void *arg)
{
	struct each_chunk w = { fn, arg };

	return store_each_doc(st, txn, each_chunk_step, &w);
}

int
quarry_store_foreach_chunk(quarry_store *st,
    int (*fn)(const json_t *rec, void *arg), void *arg)
{
	return store_each_chunk(st, NULL, fn, arg);
}

/* Finds the document entry whose source (or, failing that, id) is path. */
static int
find_doc_for(quarry_store *st, MDB_txn *txn, const char *path, json_t **d)
{
	struct store_key sk;
	MDB_val k, v;
	int rc;

	*d = NULL;
	if (*path == '\0')
		return 0;
	store_key(path, &sk, &k);
	rc = mdb_get(txn, st->dbi[DB_SOURCES], &k, &v);
	if (rc == 0)
		k = v;
	else if (rc != MDB_NOTFOUND)
		return store_mdb_fail(st, rc, "cannot read sources");
	rc = mdb_get(txn, st->dbi[DB_DOCS], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_mdb_fail(st, rc, "cannot read documents");
	if ((*d = store_doc_parse(&v)) == NULL)
		return store_fail(st, QUARRY_ESTORE,
		    "%s: corrupt document entry", st->path);
	return 0;
}

/*
 * Whether the file path (stat sb) matches the fingerprint fpj a document
 * or a notext entry recorded: size and modification time, or size and
 * contents.  Stores 0 in *stale when it does.
 */
static int
fp_stale(const char *path, const struct stat *sb, const json_t *fpj,
    int *stale)
{
	quarry_fingerprint now;
	int rc;

	*stale = 1;
	if (json_is_object(fpj) &&
	    (uint64_t)json_integer_value(json_object_get(fpj, "size")) ==
	    (uint64_t)sb->st_size) {
		int64_t mt = (int64_t)sb->st_mtim.tv_sec * 1000000000 +
		    sb->st_mtim.tv_nsec;
		const char *h = quarry_record_string(fpj, "hash", NULL);

		if (json_integer_value(json_object_get(fpj, "mtime_ns")) == mt)
			*stale = 0;
		else if (h != NULL) {
			if ((rc = quarry_fingerprint_file(path, &now)) != 0)
				return rc;
			*stale = strcmp(now.hash, h) != 0;
		}
	}
	return 0;
}

int
quarry_store_stale_notext(quarry_store *st, const char *path, int *stale,
    int *notext)
{
	struct stat sb;
	MDB_txn *txn;
	json_t *d = NULL, *nt = NULL;
	char *e;
	int rc, why = 0;

	*stale = 1;
	if (notext != NULL)
		*notext = 0;
	if (stat(path, &sb) != 0)
		return errno == ENOENT || errno == ENOTDIR ? QUARRY_ENOTFOUND :
		    QUARRY_EIO;
	if ((rc = store_read_begin(st, &txn)) != 0)
		return rc;
	/* Stored under the name "source" carries (quarry.7). */
	if ((e = quarry_name_escape(path)) == NULL)
		rc = QUARRY_ENOMEM;
	else if ((rc = find_doc_for(st, txn, e, &d)) == 0 && d == NULL)
		rc = store_notext_get(st, txn, e, &nt, &why);
	free(e);
	store_read_end(st);
	if (rc != 0 || (d == NULL && nt == NULL))
		return rc;
	if (notext != NULL)
		*notext = why;
	rc = fp_stale(path, &sb, json_object_get(d != NULL ? d : nt,
	    "fingerprint"), stale);
	json_decref(d);
	json_decref(nt);
	return rc;
}

int
quarry_store_stale(quarry_store *st, const char *path, int *stale)
{
	return quarry_store_stale_notext(st, path, stale, NULL);
}

/* ---------------------------------------------------------------- views */

int
store_json_member(const char *s, size_t len, const char *name,
    const char **val, size_t *vlen)
{
	size_t i = 0, nlen = strlen(name);
	int depth = 0;

#define WS() while (i < len && (s[i] == ' ' || s[i] == '\t' || \
	s[i] == '\n' || s[i] == '\r')) i++
	WS();
	if (i >= len || s[i] != '{')
		return -1;
	i++;
	for (;;) {
		size_t ks, ke;
		int esc = 0;

		WS();
		if (i < len && s[i] == '}')
			return 0;
		if (i >= len || s[i] != '"')
			return -1;
		ks = ++i;
		while (i < len && s[i] != '"') {
			if (s[i] == '\\') {
				esc = 1;
				i++;
			}
			i++;
		}
		if (i >= len)
			return -1;
		ke = i++;
		WS();
		if (i >= len || s[i] != ':')
			return -1;
		i++;
		WS();
		if (!esc && ke - ks == nlen && memcmp(s + ks, name, nlen) == 0) {
			size_t vs;

			if (i < len && s[i] == '"') {
				vs = ++i;
				while (i < len && s[i] != '"') {
					if (s[i] == '\\')
						return -1;
					i++;
				}
				if (i >= len)
					return -1;
				*val = s + vs;
				*vlen = i - vs;
				return 1;
			}
			vs = i;
			while (i < len && ((s[i] >= '0' && s[i] <= '9') ||
			    s[i] == '-'))
				i++;
			if (i == vs)
				return -1;
			*val = s + vs;
			*vlen = i - vs;
			return 1;
		}
		/* Skip the value. */
		depth = 0;
		while (i < len) {
			char c = s[i];

			if (c == '"') {
				i++;
				while (i < len && s[i] != '"') {
					if (s[i] == '\\')
						i++;
					i++;
				}
				if (i >= len)
					return -1;
				i++;
				continue;
			}
			if (c == '{' || c == '[')
				depth++;
			else if (c == '}' || c == ']') {
				if (depth == 0)
					break;
				depth--;
			} else if (c == ',' && depth == 0)
				break;
			i++;
		}
		if (i >= len)
			return -1;
		if (s[i] == '}')
			return 0;
		if (s[i] != ',')
			return -1;
		i++;
	}
#undef WS
}

int
quarry_store_view_open(quarry_store *st, quarry_store_view **out)
{
	quarry_store_view *v;
	int rc;

	*out = NULL;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return QUARRY_ENOMEM;
	v->st = st;
	if ((rc = store_rdonly_begin(st, &v->txn)) != 0) {
		free(v);
		return store_mdb_fail(st, rc, "cannot begin a read transaction");
	}
	if ((rc = store_load_meta(st, v->txn)) != 0) {
		quarry_store_view_close(v);
		return rc;
	}
	v->nlive = (st->block_slots + 63) / 64;
	if ((rc = mdb_cursor_open(v->txn, st->dbi[DB_VECTORS], &v->vcur)) != 0) {
		quarry_store_view_close(v);
		return store_mdb_fail(st, rc, "cannot read vectors");
	}
	*out = v;
	return 0;
}

int
quarry_store_view_block(quarry_store_view *v, uint64_t *cursor,
    const float **vecs, const uint64_t **live, uint64_t *first)
{
	quarry_store *st = v->st;
	size_t block = (size_t)*cursor;
	MDB_val k = { sizeof(block), &block }, d, lk, lv;
	int rc;

	if (st->block_slots == 0)
		return 0;
	rc = mdb_cursor_get(v->vcur, &k, &d, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_mdb_fail(st, rc, "cannot read vectors");
	memcpy(&block, k.mv_data, sizeof(block));
	if (d.mv_size != st->block_slots * st->dims * sizeof(float))
		return store_fail(st, QUARRY_ESTORE,
		    "%s: vector block %zu has the wrong size", st->path, block);
	lk = k;
	rc = mdb_get(v->txn, st->dbi[DB_LIVE], &lk, &lv);
	if (rc == 0 && lv.mv_size == v->nlive * sizeof(uint64_t))
		*live = lv.mv_data;
	else {
		if (v->live == NULL &&
		    (v->live = calloc(v->nlive, sizeof(uint64_t))) == NULL)
			return QUARRY_ENOMEM;
		*live = v->live;
	}
	*vecs = d.mv_data;
	*first = (uint64_t)block * st->block_slots;
	*cursor = (uint64_t)block + 1;
	return 1;
}

/* Decodes a stored record, reusing the meta of the last document. */
static json_t *
view_decode(quarry_store_view *v, const MDB_val *sv)
{
	json_t *s = json_loadb(sv->mv_data, sv->mv_size, 0, NULL), *d;
	const char *doc = quarry_record_string(s, "doc", NULL);
	struct store_key sk;
	MDB_val k, dv;

	if (doc == NULL) {
		json_decref(s);
		return NULL;
	}
	if (v->mdoc == NULL || strcmp(v->mdoc, doc) != 0) {
		free(v->mdoc);
		json_decref(v->meta);
		v->mdoc = NULL;
		v->meta = NULL;
		store_key(doc, &sk, &k);
		if (mdb_get(v->txn, v->st->dbi[DB_DOCS], &k, &dv) != 0 ||
		    (d = store_doc_parse(&dv)) == NULL) {
			json_decref(s);
			return NULL;
		}
		v->meta = json_incref(json_object_get(d, "meta"));
		json_decref(d);
		if ((v->mdoc = strdup(doc)) == NULL) {
			json_decref(s);
			return NULL;
		}
	}
	json_decref(s);
	return store_record_decode(sv->mv_data, sv->mv_size, v->meta,
	    v->st->model);
}

int
quarry_store_view_record(quarry_store_view *v, uint64_t slot, json_t **rec)
{
	size_t s = (size_t)slot;
	MDB_val k = { sizeof(s), &s }, d;
	int rc;

	*rec = NULL;
	rc = mdb_get(v->txn, v->st->dbi[DB_CHUNKS], &k, &d);
	if (rc == MDB_NOTFOUND)
		return QUARRY_ENOTFOUND;
	if (rc != 0)
		return store_mdb_fail(v->st, rc, "cannot read a chunk record");
	if ((*rec = view_decode(v, &d)) == NULL)
		return store_fail(v->st, QUARRY_ESTORE,
		    "%s: corrupt chunk record %zu", v->st->path, s);
	return 0;
}

int
quarry_store_view_field(quarry_store_view *v, const char *field,
    const char *from, int prefix,
    int (*fn)(const char *value, const uint64_t *slots, size_t n, void *arg),
    void *arg)
{
	quarry_store *st = v->st;
	MDB_cursor *cur;
	MDB_val k, d;
	char key[STORE_MAX_FIELD + 1 + STORE_MAX_VALUE + 1];
	char val[STORE_MAX_VALUE + 1];
	size_t flen = strlen(field), fromlen = from ? strlen(from) : 0;
	uint64_t *slots = NULL;
	size_t n = 0, cap = 0;
	int rc, ret = 0;

	if (flen > STORE_MAX_FIELD || fromlen > STORE_MAX_VALUE)
		return 0;
	store_field_key(key, sizeof(key), field, from ? from : "", fromlen, &k);
	if ((rc = mdb_cursor_open(v->txn, st->dbi[DB_FIELDS], &cur)) != 0)
		return store_mdb_fail(st, rc, "cannot read the field index");
	rc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE);
	while (rc == 0) {
		const char *kp = k.mv_data;
		size_t vlen;

		if (k.mv_size <= flen || memcmp(kp, field, flen) != 0 ||
		    kp[flen] != '\0')
			break;
		vlen = k.mv_size - flen - 1;
		if (prefix && (vlen < fromlen ||
		    memcmp(kp + flen + 1, from, fromlen) != 0))
			break;
		memcpy(val, kp + flen + 1, vlen);
		val[vlen] = '\0';
		n = 0;
		rc = mdb_cursor_get(cur, &k, &d, MDB_GET_MULTIPLE);
		while (rc == 0) {
			size_t m = d.mv_size / sizeof(uint64_t);

			if (n + m > cap) {
				uint64_t *ns;

				cap = (n + m) * 2;
				if ((ns = realloc(slots, cap * sizeof(*ns))) ==
				    NULL) {
					ret = QUARRY_ENOMEM;
					goto out;
				}
				slots = ns;
			}
			memcpy(slots + n, d.mv_data, m * sizeof(uint64_t));
			n += m;
			rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT_MULTIPLE);
		}
		if ((ret = fn(val, slots, n, arg)) != 0)
			goto out;
		rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT_NODUP);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		ret = store_mdb_fail(st, rc, "cannot read the field index");
out:
	free(slots);
	mdb_cursor_close(cur);
	return ret;
}

void
quarry_store_view_close(quarry_store_view *v)
{
	if (v == NULL)
		return;
	if (v->vcur != NULL)
		mdb_cursor_close(v->vcur);
	if (v->txn != NULL)
		mdb_txn_abort(v->txn);
	free(v->live);
	free(v->mdoc);
	json_decref(v->meta);
	free(v);
}

int
quarry_store_has_lexical(const quarry_store *st)
{
	return st->lexical;
}

const char *
quarry_store_path(const quarry_store *st)
{
	return st->path;
}
