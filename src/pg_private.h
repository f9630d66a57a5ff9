/*
 * pg_private.h: quarry-pg's internals, shared by src/pg_feed.c (reading a
 * change feed line into the row quarry-pg stages, without libpq: fuzzed
 * and unit-tested alone) and src/pg.c (the libpq side: the table, the
 * state row, batches and transactions).  The feed is specified in
 * man/quarry.7 (CHANGE FEED), the table in man/quarry-pg.1.  Not part of
 * libquarry's interface: the names carry the qpg_ prefix and are not
 * exported.
 */
#ifndef QUARRY_PG_PRIVATE_H
#define QUARRY_PG_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "quarry.h"

/* pgvector's limit on a vector column's dimensions. */
#define QPG_DIMS_MAX 16000

enum qpg_op {
	QPG_UPSERT = 'u',	/* a full chunk record */
	QPG_DELETE = 'd',	/* a chunk id */
	QPG_SNAPSHOT = 's'	/* discard everything; upserts follow */
};

/*
 * The columns of a quarry-pg table, in the order of a staged row.  A row
 * is the change's op and seq followed by these.
 */
enum qpg_col {
	QPG_C_ID, QPG_C_DOC, QPG_C_SOURCE, QPG_C_TITLE, QPG_C_AUTHOR,
	QPG_C_DATE, QPG_C_PAGE, QPG_C_PAGE_END, QPG_C_HEADINGS, QPG_C_TEXT,
	QPG_C_EMBEDDING, QPG_C_META, QPG_NCOLS
};

/* The column names, indexed by enum qpg_col. */
extern const char *const qpg_col_names[QPG_NCOLS];

/*
 * One change, parsed.  The column values are text in PostgreSQL's input
 * syntax for the column's type (a timestamptz, an integer, a text[] or
 * vector literal, a jsonb document), kept in one buffer: column i is
 * buf.data[off[i], off[i] + len[i]), or SQL NULL when null[i] is set.
 */
struct qpg_change {
	enum qpg_op op;
	int has_seq;		/* 0: a plain record, applied without a seq */
	uint64_t seq;
	size_t dims;		/* an upsert's vector length */
	struct quarry_buf buf;
	size_t off[QPG_NCOLS], len[QPG_NCOLS];
	unsigned char null[QPG_NCOLS];
};

/*
 * Parses one feed line's record into c (whose buffer is reused; start
 * with { 0 } and release with qpg_change_free()).  rec is borrowed and
 * left unchanged.  Accepts {"change":"upsert","seq":N,...record},
 * {"change":"delete","seq":N,"id":...,"doc":...}, {"change":"snapshot",
 * "seq":N}, and a plain chunk record with an "embedding" (an upsert
 * without a seq).  Returns 0, QUARRY_EFIELD or QUARRY_EFORMAT with a
 * message in err (what is wrong, naming the field), or QUARRY_ENOMEM.  A
 * chunk record without an "embedding" gets the message qpg_no_embedding.
 */
extern const char qpg_no_embedding[];
int qpg_change_parse(const json_t *rec, struct qpg_change *c, char *err,
    size_t errlen);

void qpg_change_free(struct qpg_change *c);

/*
 * Appends c as one line of COPY's text format to b: op, seq (\N for
 * none) and the columns, tab-separated, with COPY's backslash escapes.
 */
int qpg_copy_row(struct quarry_buf *b, const struct qpg_change *c);

/*
 * Appends s[0, len) to b as one element of an array literal ("..." with
 * backslash escapes), or NULL when s is NULL; a ',' first unless b holds
 * only the opening '{'.
 */
int qpg_array_elem(struct quarry_buf *b, const char *s, size_t len);

/*
 * Checks that a date string is one of the record format's normal forms
 * (YYYY-MM-DDTHH:MM:SSZ, or YYYY-MM-DD) and a real date: 2 for a
 * date-time, 1 for a day, 0 for anything else.
 */
int qpg_date_form(const char *s, size_t len);

/* ------------------------------------------------------------ pg.c */

#ifdef QPG_WITH_LIBPQ
typedef struct qpg qpg;

struct qpg_options {
	const char *conninfo;	/* a conninfo string or URI, or NULL */
	const char *host, *port, *user;	/* NULL: libpq's defaults */
	const char *table;	/* [schema.]table, SQL identifier syntax */
	int create;		/* create the extension check, tables */
	int hnsw;		/* with --create: an HNSW index */
	int load;		/* 'c' COPY, 'i' INSERT ... unnest, 'a' auto */
	unsigned long crash_after;	/* testing: 0, or 1 + the batches to
					   commit before a SIGKILL */
	const char *appname;	/* the server's application_name unless
				   the connection sets one (NULL: none) */
};

struct qpg_counts {
	uint64_t upserts, deletes, snapshots;	/* applied */
	uint64_t skipped;	/* seq at or below the recorded one */
	uint64_t batches;	/* transactions committed */
	uint64_t seq;		/* the recorded seq at the end */
};

/*
 * Connects and looks the table up.  On failure *out is still set (for
 * qpg_error()) and must be closed.  Returns 0, QUARRY_EINVAL (o->table is
 * not a table name), QUARRY_EIO (connection), QUARRY_ENOTFOUND (no table,
 * without create), QUARRY_EFORMAT (the table lacks one of the columns
 * qpg_col_names names) or QUARRY_ESTORE.
 */
int qpg_open(qpg **out, const struct qpg_options *o);

/*
 * Checks that changes can be applied: the table and the state table
 * exist, or o->create will make them.  Returns 0 or QUARRY_ENOTFOUND.
 */
int qpg_require(qpg *p);

/* The recorded seq of the table (0 when none). */
int qpg_recorded_seq(qpg *p, uint64_t *seq);

/*
 * Queues one parsed change; c's contents are copied.  A batch of n
 * changes is applied in a transaction when full; a snapshot's changes
 * form one transaction.  Returns 0, 1 when the change was skipped (its
 * seq already applied), QUARRY_EMODEL (dimensions differ from the
 * table's: the change is not queued) or a server error (QUARRY_ESTORE,
 * QUARRY_EIO), after which nothing more can be applied.
 */
int qpg_add(qpg *p, const struct qpg_change *c);

/*
 * Stops the recorded seq where it is now: changes are still applied
 * (re-applying them is harmless) but a later run starts again from here.
 * Called after a bad line, whose change is lost otherwise.
 */
void qpg_freeze_seq(qpg *p);

/* Applies what is queued and commits.  Returns as qpg_add(). */
int qpg_flush(qpg *p);

void qpg_set_batch(qpg *p, size_t n);
void qpg_get_counts(const qpg *p, struct qpg_counts *k);
/* The table's vector dimensions (0: not known yet). */
size_t qpg_dims(const qpg *p);
/* The message of the last error; borrowed. */
const char *qpg_error(const qpg *p);
/* The canonical name of the table ("schema.table"); borrowed. */
const char *qpg_table(const qpg *p);
/* Where the connection goes, without the password; borrowed. */
const char *qpg_target(const qpg *p);
void qpg_close(qpg *p);
#endif

#endif
