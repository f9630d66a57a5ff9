/*
 * store_private.h: internals shared by the store's source files (store.c:
 * opening, reading, the vector cache and views; store_write.c: queued
 * writes, their transaction and compaction; store_check.c: the invariant
 * checker).  The on-disk layout is specified in man/quarry-store.5; the
 * constants below are its names.
 */
#ifndef QUARRY_STORE_PRIVATE_H
#define QUARRY_STORE_PRIVATE_H

#include <lmdb.h>

#include "error_private.h"
#include "quarry.h"

/* The layout version written to meta "format": 4, with the change log
 * (and the lexical index unless meta "lexical" is absent); format 3 stores
 * (lexical index, no log) and format 2 stores (neither) are still read,
 * and become format 4 at their first write. */
#define STORE_FORMAT 4
#define STORE_FORMAT_LEX 3
#define STORE_FORMAT_NOLEX 2

/* Limits on keys (LMDB's default maximum key size is 511 bytes).  A doc
 * id or source longer than STORE_MAX_DOC is keyed by its digest
 * (store_key()). */
#define STORE_MAX_DOC 400	/* doc id or source kept as a key, bytes */
#define STORE_MAX_DOC_ID 65535	/* doc id, bytes (the change log's 2-byte
				   length) */
#define STORE_MAX_HASH 128	/* chunk content hash, bytes */
#define STORE_MAX_FIELD 64	/* indexed field name, bytes */
#define STORE_MAX_VALUE 256	/* indexed field value, bytes */
#define STORE_MAX_DIMS 65536

/* Queued work is committed once it holds this many bytes. */
#define STORE_BATCH_BYTES ((size_t)64 << 20)

enum store_dbi {
	DB_META, DB_DOCS, DB_CHUNKS, DB_VECTORS, DB_LIVE, DB_CACHE,
	DB_FIELDS, DB_SOURCES, DB_TERMS, DB_CHANGES, DB_VEC8, DB_VEC1,
	DB_HNSW, DB_NOTEXT, DB_COUNT
};

/* One chunk of a queued document version. */
struct qchunk {
	json_t *rec;		/* the record without "embedding" (owned) */
	char *json;		/* its compact encoding (owned) */
	size_t json_len;
	const char *hash;	/* borrowed from rec */
	float *vec;		/* dims floats (owned) */
};

/* One queued operation: a document version to store, or a deletion. */
struct qop {
	char *doc;
	int del;
	size_t n;
	struct qchunk *chunks;
	json_t *meta;		/* document-level fields */
	const char *source;	/* borrowed from meta, or NULL */
	quarry_fingerprint fp;
	char digest[33];
	int fp_only;		/* only the fingerprint changed */
};

/* A file without text to remember (why != 0) or to forget (why 0). */
struct store_notext {
	char *source;
	quarry_fingerprint fp;
	int why;		/* QUARRY_NOTEXT_* */
};

struct quarry_store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	char *path;
	int flags;
	int lockfd;		/* writer lock file, -1 when not held */
	MDB_txn *rtxn;		/* reused read transaction (reset when idle) */

	/* From meta (model and dims empty/0 until the first document). */
	char model[256];
	size_t dims;
	size_t block_slots;
	unsigned format;
	int lexical;		/* the lexical index is kept (format 3) */
	int termsdb;		/* the "terms" database exists */
	int changesdb;		/* the "changes" database exists (format 4) */
	int vec8db;		/* the "vectors8" database exists */
	int vec1db;		/* the "vectors1" database exists */
	int quant;		/* the int8 copy is kept (meta quant) */
	float *qscale;		/* its scale, dims floats (store_quant.c) */
	int qbit;		/* the 1-bit copy is kept (meta quant) */
	float *qcenter;		/* its center and spread, dims floats each */
	float *qspread;
	int hnswdb;		/* the "hnsw" database exists (hnsw.c) */
	int notextdb;		/* the "notext" database exists */
	int notext_opened;	/* opened in the write transaction under way */
	int graph;		/* the HNSW graph is kept (meta graph) */
	char lexlang[16];	/* meta lexical_lang */

	/* Queued work. */
	struct qop *ops;
	size_t nops, capops;
	size_t queued_bytes;
	json_t *queued;		/* set of the doc ids queued */
	quarry_store_counts counts;
	size_t batch_docs, batch_bytes;
	unsigned threads;	/* graph updates' threads (0, 1: one) */
	quarry_store_counts pending;	/* of the transaction being written */
	/* Settings queued by quarry_store_set_settings() (NULL: delete). */
	char *q_settings, *q_rebuild;
	int q_set;
	/* Files without text to remember or forget (store_notext.c). */
	struct store_notext *notext;
	size_t nnotext, capnotext;

	struct qerr err;
	char infomodel[256];

	/* The memory map, for store_release_pages(): found once for a map
	 * size (0: not yet; mapsize (size_t)-1: not to be found). */
	uintptr_t maplo, maphi;
	size_t mapsize;
};

/*
 * The key of the doc id or source s in docs and sources (quarry-store(5)):
 * s itself when it has 1 to STORE_MAX_DOC bytes, else the byte 0xFF (never
 * in UTF-8) and the 32 hex digits of s's XXH3-128; the docs entry of a
 * document keyed so holds its id as "doc".  k points into sk or s.
 */
struct store_key {
	char buf[34];
};
void store_key(const char *s, struct store_key *sk, MDB_val *k);

/*
 * Terms a lexical flush updates, and chunks a commit appends, between two
 * quarry_store_release_pages(): each reads a page or more (the term's
 * postings; the vector cache's, the fields' and the documents' B-trees),
 * which would otherwise stay resident until the commit ends.  A commit
 * also releases what reading mapped before it began, and a flush what the
 * records' writing mapped.  1,024 of either maps at most about 4 to 8 MB.
 */
#define STORE_RELEASE_TERMS 1024
#define STORE_RELEASE_CHUNKS 512

/*
 * The files without text (store_notext.c): store_notext_apply() writes what
 * is queued, and drops the entries of the sources of documents queued, in
 * the commit's transaction; store_notext_committed() says how it ended;
 * store_notext_clear() empties the queue.  store_notext_get() reads the
 * entry of source (*out NULL when there is none).
 */
int store_notext_apply(quarry_store *st, MDB_txn *txn);
void store_notext_committed(quarry_store *st, int committed);
void store_notext_clear(quarry_store *st);
int store_notext_get(quarry_store *st, MDB_txn *txn, const char *source,
    json_t **out, int *why);
/* Checks the notext entries (quarry_store_check()): the faults found, or a
 * negative code. */
long store_notext_check(quarry_store *st, MDB_txn *txn,
    void (*fn)(const char *, void *), void *arg);

/* Whether the key k is a digest (store_key()). */
#define STORE_KEY_HASHED(k) ((k)->mv_size == 33 && \
    ((const unsigned char *)(k)->mv_data)[0] == 0xFF)
/*
 * The doc id of the docs entry d found under key k, as a new string (the
 * key itself, or d's "doc" for a digest); NULL when out of memory or
 * missing.
 */
char *store_key_doc(const MDB_val *k, const json_t *d);

int store_fail(quarry_store *st, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int store_mdb_fail(quarry_store *st, int rc, const char *what);

/*
 * The errno behind LMDB's rc for a store whose file system has avail bytes
 * free, whose data file has fsize bytes, under a file size limit of limit
 * bytes (0: none): LMDB reports a short write as EIO, which is EFBIG when
 * the file is within STORE_IO_SLACK of the limit and ENOSPC when less than
 * that is free.  Other codes are returned as they are.
 */
#define STORE_IO_SLACK ((uint64_t)1 << 20)
int store_io_errno(int rc, uint64_t avail, uint64_t fsize, uint64_t limit);

/* Begins a read transaction on the reused handle (reset by store_read_end). */
int store_read_begin(quarry_store *st, MDB_txn **txn);
/*
 * Begins a new read-only transaction in *txn (the caller aborts it), first
 * adopting the size of a map that another process grew (MDB_MAP_RESIZED).
 * Returns 0 or LMDB's code; sets no message.
 */
int store_rdonly_begin(quarry_store *st, MDB_txn **txn);
/*
 * Runs fn(st, txn, arg) in a write transaction and commits it when fn
 * returns 0; aborts it when fn returns anything else.  A map another
 * process grew is adopted (MDB_MAP_RESIZED); when fn or the commit finds
 * the map full (MDB_MAP_FULL), the transaction is aborted, st's read
 * handle dropped, the map doubled and fn run again from the start, so the
 * caller never sees a full map: fn must be replayable (keep no state
 * outside the transaction that it does not reset itself).  The caller
 * holds the writer lock and has no other transaction of its own open.
 * Returns 0 once committed, or fn's or LMDB's code (no message set).
 */
int store_write_txn(quarry_store *st,
    int (*fn)(quarry_store *st, MDB_txn *txn, void *arg), void *arg);
/*
 * Readies st for a rewrite outside the queued writes (the lexical rebuild,
 * quantization, pruning the change log): refuses a store opened read-only,
 * commits what is queued, takes the writer lock and drops the reused read
 * handle, as store_write_txn() wants.  Returns 0 or a QUARRY_E* code with
 * the message set.
 */
int store_rewrite_begin(quarry_store *st);
void store_read_end(quarry_store *st);

/* Reads meta into st (model, dims, block_slots). */
int store_load_meta(quarry_store *st, MDB_txn *txn);

/*
 * Walks the vector blocks in order: fn(st, txn, block, its block_slots x
 * dims floats, its live bitmap, arg); stops at fn's first non-zero return,
 * which it returns (MDB_CORRUPTED for a block or bitmap of the wrong size;
 * fn may write to other databases).
 */
int store_each_block(quarry_store *st, MDB_txn *txn,
    int (*fn)(quarry_store *, MDB_txn *, size_t, const float *,
    const uint64_t *, void *), void *arg);
int store_meta_get(MDB_txn *txn, MDB_dbi dbi, const char *key, char *buf,
    size_t size);
int store_meta_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t *v);

/* The vectors-per-block figure for dims (man/quarry-store.5). */
size_t store_block_slots(size_t dims);

/* Parses a stored document entry; returns NULL when malformed. */
json_t *store_doc_parse(const MDB_val *v);

/*
 * quarry_store_foreach_chunk() in txn, or in a read transaction of its own
 * when txn is NULL: calls fn with each chunk's record (borrowed for the
 * call), documents in key order; stops at the first nonzero fn and returns
 * it.  A corrupt entry or a read error is recorded in st and returned.
 */
int store_each_chunk(quarry_store *st, MDB_txn *txn,
    int (*fn)(const json_t *rec, void *arg), void *arg);

/* Whether a top-level field goes into the fields index, and its key. */
int store_field_indexed(const char *name, const json_t *value);
int store_field_key(char *buf, size_t size, const char *name,
    const char *value, size_t vlen, MDB_val *key);

/*
 * Encodes the chunk record rec (without "embedding") in its stored form
 * (man/quarry-store.5, chunks): without "model", without the document-level
 * fields whose value is the one in meta (but "doc"), without "id" when it
 * is DOC#CHUNK, and with "" listing the fields of meta that rec lacks.
 * Appends to b; returns 0 or QUARRY_ENOMEM.
 */
int store_record_encode(const json_t *rec, const json_t *meta,
    struct quarry_buf *b);

/*
 * Rebuilds a chunk record from its stored form data[0..len), the "meta" of
 * its document entry and the store's model.  Returns a new object, or NULL
 * when the stored form is malformed.
 */
json_t *store_record_decode(const void *data, size_t len, const json_t *meta,
    const char *model);

/* The same, reading the record's document entry in txn for its meta. */
json_t *store_record_load(quarry_store *st, MDB_txn *txn, const MDB_val *v);

/*
 * The cache key of a chunk hash: a NUL byte and the 16 bytes a hash of 32
 * lower-case hex digits stands for (the form quarry_hash_hex() gives), or
 * else the hash itself.  buf must hold STORE_MAX_HASH bytes.
 */
void store_cache_key(const char *hash, unsigned char *buf, MDB_val *k);
/*
 * The hash a chunk record's vector is cached under: its "embed_hash" (the
 * hash of the text its vector was made from, when that is not the chunk
 * text alone: src/vectors.c) or else its "hash"; NULL when it has neither.
 */
const char *store_cache_hash(const json_t *rec);

/* Computes a document's digest over its records' encodings and vectors. */
void store_digest(const struct qchunk *c, size_t n, size_t dims,
    char hex[33]);

void store_ops_clear(quarry_store *st);

/* The lexical index (store_lexical.c). */
struct store_lex;
int store_lex_new(quarry_store *st, struct store_lex **out);
void store_lex_free(struct store_lex *lx);
/* Note the terms of chunk record rec at slot as added or removed; they
 * return 0 or an LMDB/errno code, like store_lex_flush(). */
int store_lex_add(struct store_lex *lx, const json_t *rec, uint64_t slot);
int store_lex_del(struct store_lex *lx, const json_t *rec, uint64_t slot);
size_t store_lex_pending(const struct store_lex *lx);
/* Applies what was noted to the postings and meta lex_tokens in txn. */
int store_lex_flush(struct store_lex *lx, quarry_store *st, MDB_txn *txn);
/* Writes format 3 and the analyzer's meta keys. */
int store_lex_meta(quarry_store *st, MDB_txn *txn);
/* Parses a term's header value; -1 when malformed. */
int store_lex_header(const MDB_val *v, uint64_t *df, uint32_t *maxtf,
    uint32_t *mindl);
long store_lex_check(quarry_store *st, MDB_txn *txn,
    void (*fn)(const char *msg, void *arg), void *arg);

/* The change log (changes.c; man/quarry-store.5, changes). */
enum { STORE_CHANGE_UPSERT = 'u', STORE_CHANGE_DELETE = 'd' };
#define STORE_CHANGE_KEY 8	/* a log key: the seq, 8 bytes big-endian */

struct store_log {
	quarry_store *st;
	MDB_txn *txn;
	uint64_t seq0, seq;	/* the last seq before and now */
};

/* Opens the log in write transaction txn (creating the "changes" database
 * and making the store format 4 when it has none yet). */
int store_log_begin(struct store_log *lg, quarry_store *st, MDB_txn *txn);
/* Appends a change of chunk id of document doc; 0 or an LMDB code. */
int store_log_put(struct store_log *lg, int kind, const char *doc,
    const char *id);
/* Writes meta change_seq when changes were logged. */
int store_log_end(struct store_log *lg);
/* Called after a transaction of store_log_begin() committed. */
void store_log_committed(quarry_store *st);

/*
 * Decodes a log value: kind, doc and id (not NUL-terminated) point into
 * data.  Returns 0, or -1 when the value is malformed.
 */
int store_change_decode(const void *data, size_t len, int *kind,
    const char **doc, size_t *doclen, const char **id, size_t *idlen);
long store_changes_check(quarry_store *st, MDB_txn *txn,
    void (*fn)(const char *msg, void *arg), void *arg);

/*
 * The chunk at slot as quarry-index --export prints it: its record rebuilt
 * from its stored form data[0..len) and meta, with its "embedding".  Returns
 * a new object, or NULL (with a message in st) when the record or its
 * vector is missing or corrupt.
 */
json_t *store_chunk_export(quarry_store *st, MDB_txn *txn, size_t slot,
    const json_t *meta);
/* The int8 copy of the vectors (store_quant.c; man/quarry-store.5). */
int store_quant_load(quarry_store *st, MDB_txn *txn);
/* Writes block's int8 rows from its B float32 vectors; no-op without a
 * copy.  Returns 0 or an LMDB code. */
int store_quant_put(quarry_store *st, MDB_txn *txn, size_t block,
    const float *vecs, size_t B);
int store_quant_del(quarry_store *st, MDB_txn *txn, size_t block);
/* The int8 rows of block in txn, or NULL when there are none. */
const unsigned char *store_quant_bits(quarry_store *st, MDB_txn *txn,
    size_t block);
const unsigned char *store_quant_rows(quarry_store *st, MDB_txn *txn,
    size_t block);
long store_quant_check(quarry_store *st, MDB_txn *txn,
    void (*fn)(const char *msg, void *arg), void *arg);
/*
 * The faults one part of quarry_store_check() finds: each is counted, and
 * the first limit of them (0: all) are given to fn as a message, when fn
 * is not NULL.
 */
struct store_faults {
	void (*fn)(const char *msg, void *arg);
	void *arg;
	long faults;
	long limit;
};
void store_fault(struct store_faults *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Makes the store's format the current one in write transaction txn. */
int store_upgrade(quarry_store *st, MDB_txn *txn);

struct quarry_store_view {
	quarry_store *st;
	MDB_txn *txn;
	MDB_cursor *vcur;
	size_t nlive;
	uint64_t *live;		/* a zeroed bitmap for blocks without one */
	char *mdoc;		/* the document whose meta is in meta */
	json_t *meta;		/* (records of one document are neighbours) */
};

/*
 * Finds the top-level member name of the JSON object data[0..len) (compact
 * or not) whose value is a string without escapes or an integer, and points
 * *val at its text (without quotes), *vlen its length.  Returns 1 when
 * found, 0 when absent, -1 when the member needs a full parse (escapes, or
 * malformed JSON).
 */
int store_json_member(const char *data, size_t len, const char *name,
    const char **val, size_t *vlen);

#endif
