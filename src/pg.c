/*
 * pg.c: applies parsed changes (src/pg_feed.c) to a PostgreSQL table with
 * pgvector through libpq, for quarry-pg(1).
 *
 * Changes are queued and applied a batch at a time in one transaction:
 * the batch is loaded into a temporary staging table (COPY FROM STDIN, or
 * one INSERT ... SELECT FROM unnest() of arrays where COPY cannot be used),
 * then deleted from and upserted into the table (INSERT ... ON CONFLICT
 * (id) DO UPDATE), and the highest seq applied is written to the state
 * table in the same transaction.  A crash therefore loses nothing and
 * applies nothing twice: the next run skips every change at or below the
 * recorded seq, and since each change sets a chunk to a whole state,
 * replaying changes past it is harmless.  A snapshot deletes every row and
 * upserts the live chunks in a single transaction, however many batches
 * they take.  Within a batch only the last change of each id is staged
 * (the staging table must not hold an id twice for ON CONFLICT).
 */
#include "config.h"

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#define QPG_WITH_LIBPQ 1
#include "pg_private.h"

#define STAGE "pg_temp.quarry_pg_stage"
#define STATE_TABLE "quarry_pg_state"
#define COPY_CHUNK ((size_t)1 << 20)

struct qpg {
	PGconn *conn;
	char err[2048];
	char target[512];
	char *qtable;		/* "schema"."table", quoted */
	char *qstate;		/* "schema".quarry_pg_state */
	char *qindex;		/* the HNSW index's name, quoted */
	char *canon;		/* schema.table, for messages */
	char *key;		/* the state row's key: the table's name */
	char *casts[QPG_NCOLS];	/* each column's type, for the casts */
	int exists, create, hnsw, load, created;
	size_t dims;		/* 0: unknown, or a column without dims */
	int dims_free;		/* the column takes any dimension */
	uint64_t recorded;	/* the seq in the state table */
	uint64_t last;		/* the highest seq met */
	int frozen;
	uint64_t frozen_seq;
	int in_txn;
	int snapshot;		/* a snapshot's transaction is open */
	uint64_t snap_seq;
	unsigned long crash_after;
	/* The queue. */
	struct qpg_change *q;
	size_t nq, capq, batch;
	struct quarry_buf copy, arrays[2 + QPG_NCOLS];
	/* Counts: applied (committed) and pending in the transaction. */
	struct qpg_counts k;
	uint64_t p_upserts, p_deletes, p_snapshots;
};

/* The library never prints: the server's notices are dropped. */
static void
no_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int
seterr(qpg *p, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return rc;
}

/* The first line of a libpq message, without its trailing newline. */
static const char *
firstline(const char *m, int *len)
{
	const char *nl = strchr(m, '\n');

	*len = nl ? (int)(nl - m) : (int)strlen(m);
	return m;
}

/* Records a failed result (or lost connection) and clears res. */
static int
server_error(qpg *p, PGresult *res, const char *what)
{
	const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) :
	    NULL;
	const char *detail = res ? PQresultErrorField(res,
	    PG_DIAG_MESSAGE_DETAIL) : NULL;
	int n, lost = PQstatus(p->conn) != CONNECTION_OK;

	if (m == NULL)
		m = firstline(PQerrorMessage(p->conn), &n);
	else
		n = (int)strlen(m);
	if (n == 0) {
		m = "no answer from the server";
		n = (int)strlen(m);
	}
	seterr(p, lost ? QUARRY_EIO : QUARRY_ESTORE, "%s: %s: %.*s%s%s%s",
	    p->canon ? p->canon : p->target, what, n, m,
	    detail ? " (" : "", detail ? detail : "", detail ? ")" : "");
	PQclear(res);
	return lost ? QUARRY_EIO : QUARRY_ESTORE;
}

/* Runs a statement with text parameters; 0 or a server error. */
static int
exec(qpg *p, const char *what, const char *sql, int n,
    const char *const *params, PGresult **out)
{
	PGresult *res = PQexecParams(p->conn, sql, n, NULL, params, NULL,
	    NULL, 0);
	ExecStatusType s = PQresultStatus(res);

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		return server_error(p, res, what);
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return 0;
}

/* Quotes an identifier as PostgreSQL does, into a new string. */
static char *
quote_ident(const char *s, size_t len)
{
	char *q = malloc(len * 2 + 3), *w = q;
	size_t i;

	if (q == NULL)
		return NULL;
	*w++ = '"';
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			*w++ = '"';
		*w++ = s[i];
	}
	*w++ = '"';
	*w = '\0';
	return q;
}

/*
 * Splits [schema.]table, each part an identifier in SQL's syntax ("..."
 * with "" for a quote, or unquoted and folded to lower case), into
 * parts[0] (NULL without a schema) and parts[1], new strings.
 */
static int
parse_name(const char *s, char **parts)
{
	char buf[2][256];
	size_t n[2] = { 0, 0 };
	int k = 0;

	parts[0] = parts[1] = NULL;
	for (;;) {
		if (*s == '"') {
			for (s++;; s++) {
				if (*s == '\0')
					return QUARRY_EINVAL;
				if (*s == '"' && s[1] != '"')
					break;
				if (*s == '"')
					s++;
				if (n[k] >= 63)
					return QUARRY_EINVAL;
				buf[k][n[k]++] = *s;
			}
			s++;
		} else {
			while (*s != '\0' && *s != '.' && *s != '"') {
				char ch = *s++;

				if (ch >= 'A' && ch <= 'Z')
					ch = (char)(ch - 'A' + 'a');
				if (n[k] >= 63 || (unsigned char)ch <= ' ')
					return QUARRY_EINVAL;
				buf[k][n[k]++] = ch;
			}
		}
		if (n[k] == 0)
			return QUARRY_EINVAL;
		if (*s == '\0')
			break;
		if (*s != '.' || k == 1)
			return QUARRY_EINVAL;
		s++;
		k++;
	}
	if (k == 0) {
		memcpy(buf[1], buf[0], n[0]);
		n[1] = n[0];
		n[0] = 0;
	}
	if (n[0] > 0 && (parts[0] = strndup(buf[0], n[0])) == NULL)
		return QUARRY_ENOMEM;
	if ((parts[1] = strndup(buf[1], n[1])) == NULL)
		return QUARRY_ENOMEM;
	return 0;
}

/* Sets the names derived from the table's schema and name. */
static int
set_names(qpg *p, const char *schema, const char *rel)
{
	char *qs = quote_ident(schema, strlen(schema));
	char *qr = quote_ident(rel, strlen(rel));
	char idx[128];
	size_t n;
	int rc = QUARRY_ENOMEM;

	free(p->qtable);
	free(p->qstate);
	free(p->qindex);
	free(p->canon);
	free(p->key);
	p->qtable = p->qstate = p->qindex = p->canon = p->key = NULL;
	if (qs == NULL || qr == NULL)
		goto out;
	n = strlen(rel);
	snprintf(idx, sizeof(idx), "%.*s_embedding_hnsw", n > 48 ? 48 : (int)n,
	    rel);
	if (asprintf(&p->qtable, "%s.%s", qs, qr) < 0 ||
	    asprintf(&p->qstate, "%s.%s", qs, STATE_TABLE) < 0 ||
	    (p->qindex = quote_ident(idx, strlen(idx))) == NULL ||
	    asprintf(&p->canon, "%s.%s", schema, rel) < 0 ||
	    (p->key = strdup(rel)) == NULL) {
		p->qtable = p->qstate = p->canon = NULL;
		goto out;
	}
	rc = 0;
out:
	free(qs);
	free(qr);
	return rc;
}

/*
 * Looks the table up: its schema and name, whether it exists, its
 * columns' types and the vector's dimensions.
 */
static int
lookup(qpg *p, const char *qname)
{
	const char *params[1] = { qname };
	PGresult *res = NULL;
	int rc, i, n;

	rc = exec(p, "looking up the table", "SELECT n.nspname, c.relname "
	    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON "
	    "n.oid = c.relnamespace WHERE c.oid = pg_catalog.to_regclass($1)",
	    1, params, &res);
	if (rc != 0)
		return rc;
	p->exists = PQntuples(res) == 1;
	if (p->exists)
		rc = set_names(p, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	PQclear(res);
	if (rc != 0 || !p->exists)
		return rc;
	params[0] = p->qtable;
	rc = exec(p, "reading the table's columns", "SELECT a.attname, "
	    "pg_catalog.format_type(a.atttypid, a.atttypmod), t.typname, "
	    "a.atttypmod FROM pg_catalog.pg_attribute a JOIN "
	    "pg_catalog.pg_type t ON t.oid = a.atttypid WHERE a.attrelid = "
	    "$1::regclass AND a.attnum > 0 AND NOT a.attisdropped", 1, params,
	    &res);
	if (rc != 0)
		return rc;
	n = PQntuples(res);
	for (i = 0; i < QPG_NCOLS; i++) {
		int r;

		for (r = 0; r < n; r++)
			if (strcmp(PQgetvalue(res, r, 0), qpg_col_names[i]) == 0)
				break;
		if (r == n) {
			PQclear(res);
			return seterr(p, QUARRY_EFORMAT, "%s: the table has "
			    "no column \"%s\"", p->canon, qpg_col_names[i]);
		}
		free(p->casts[i]);
		if ((p->casts[i] = strdup(PQgetvalue(res, r, 1))) == NULL) {
			PQclear(res);
			return QUARRY_ENOMEM;
		}
		if (i == QPG_C_EMBEDDING) {
			long mod = strtol(PQgetvalue(res, r, 3), NULL, 10);

			if (strcmp(PQgetvalue(res, r, 2), "vector") != 0) {
				rc = seterr(p, QUARRY_ESTORE, "%s: column "
				    "\"embedding\" is of type %s, not vector",
				    p->canon, p->casts[i]);
				PQclear(res);
				return rc;
			}
			p->dims = mod > 0 ? (size_t)mod : 0;
			p->dims_free = mod <= 0;
		}
	}
	PQclear(res);
	return 0;
}

/* The recorded seq, read outside or inside a transaction. */
static int
read_seq(qpg *p, int lock, uint64_t *seq)
{
	const char *params[1] = { p->key };
	char sql[512];
	PGresult *res = NULL;
	int rc;

	*seq = 0;
	snprintf(sql, sizeof(sql), "SELECT seq FROM %s WHERE target = $1%s",
	    p->qstate, lock ? " FOR UPDATE" : "");
	if ((rc = exec(p, "reading the recorded seq", sql, 1, params,
	    &res)) != 0)
		return rc;
	if (PQntuples(res) == 1)
		*seq = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

static int
state_exists(qpg *p, int *yes)
{
	const char *params[1] = { p->qstate };
	PGresult *res = NULL;
	int rc;

	if ((rc = exec(p, "looking up the state table", "SELECT "
	    "pg_catalog.to_regclass($1) IS NOT NULL", 1, params, &res)) != 0)
		return rc;
	*yes = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return 0;
}

/* --create's first steps: the extension and the state table. */
static int
create_base(qpg *p)
{
	char sql[512];
	PGresult *res = NULL;
	int rc, have;

	if ((rc = exec(p, "checking for pgvector", "SELECT 1 FROM "
	    "pg_catalog.pg_extension WHERE extname = 'vector'", 0, NULL,
	    &res)) != 0)
		return rc;
	have = PQntuples(res) == 1;
	PQclear(res);
	if (!have) {
		res = PQexec(p->conn, "CREATE EXTENSION IF NOT EXISTS vector");
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			rc = server_error(p, res, "the pgvector extension "
			    "(vector) is not installed and could not be "
			    "created");
			return rc;
		}
		PQclear(res);
	}
	snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS %s (target "
	    "text PRIMARY KEY, seq bigint NOT NULL DEFAULT 0, updated "
	    "timestamptz NOT NULL DEFAULT now())", p->qstate);
	return exec(p, "creating the state table", sql, 0, NULL, NULL);
}

/* Creates the table itself (in the open transaction). */
static int
create_table(qpg *p, size_t dims)
{
	static const char *const types[QPG_NCOLS] = {
		"text PRIMARY KEY", "text NOT NULL", "text", "text", "text",
		"timestamptz", "integer", "integer", "text[]", "text", NULL,
		"jsonb NOT NULL DEFAULT '{}'"
	};
	const char *params[1];
	struct quarry_buf b = { 0 };
	char *sql = NULL, vec[64];
	int i, rc;

	if (dims == 0)
		return seterr(p, QUARRY_EINVAL, "%s: cannot create the table: "
		    "no vector in the input to take the dimensions from",
		    p->canon);
	snprintf(vec, sizeof(vec), "vector(%zu) NOT NULL", dims);
	if (asprintf(&sql, "CREATE TABLE %s (", p->qtable) < 0)
		return QUARRY_ENOMEM;
	rc = quarry_buf_append(&b, sql, strlen(sql));
	free(sql);
	for (i = 0; i < QPG_NCOLS && rc == 0; i++) {
		const char *t = i == QPG_C_EMBEDDING ? vec : types[i];

		if ((sql = quote_ident(qpg_col_names[i],
		    strlen(qpg_col_names[i]))) == NULL)
			rc = QUARRY_ENOMEM;
		else if (quarry_buf_append(&b, i ? ", " : "", i ? 2 : 0) != 0 ||
		    quarry_buf_append(&b, sql, strlen(sql)) != 0 ||
		    quarry_buf_append(&b, " ", 1) != 0 ||
		    quarry_buf_append(&b, t, strlen(t)) != 0)
			rc = QUARRY_ENOMEM;
		free(sql);
	}
	if (rc == 0 && quarry_buf_append(&b, ")", 2) != 0)
		rc = QUARRY_ENOMEM;
	if (rc != 0) {
		quarry_buf_free(&b);
		return rc;
	}
	rc = exec(p, "creating the table", b.data, 0, NULL, NULL);
	quarry_buf_free(&b);
	if (rc != 0)
		return rc;
	if (asprintf(&sql, "CREATE INDEX ON %s (doc)", p->qtable) < 0)
		return QUARRY_ENOMEM;
	rc = exec(p, "creating the doc index", sql, 0, NULL, NULL);
	free(sql);
	if (rc != 0)
		return rc;
	/* A new table holds nothing: whatever was recorded is void. */
	if (asprintf(&sql, "INSERT INTO %s (target, seq) VALUES ($1, 0) ON "
	    "CONFLICT (target) DO UPDATE SET seq = 0, updated = now()",
	    p->qstate) < 0)
		return QUARRY_ENOMEM;
	params[0] = p->key;
	rc = exec(p, "resetting the recorded seq", sql, 1, params, NULL);
	free(sql);
	if (rc != 0)
		return rc;
	for (i = 0; i < QPG_NCOLS; i++) {
		free(p->casts[i]);
		p->casts[i] = NULL;
		if (i == QPG_C_EMBEDDING)
			p->casts[i] = strdup("vector");
		else {
			const char *t = types[i], *sp = strchr(t, ' ');

			p->casts[i] = strndup(t, sp ? (size_t)(sp - t) :
			    strlen(t));
		}
		if (p->casts[i] == NULL)
			return QUARRY_ENOMEM;
	}
	p->exists = 1;
	p->created = 1;
	p->dims = dims;
	p->dims_free = 0;
	p->recorded = 0;
	return 0;
}

int
qpg_open(qpg **out, const struct qpg_options *o)
{
	const char *keys[8], *vals[8];
	char *parts[2] = { NULL, NULL }, *qname = NULL;
	PGresult *res = NULL;
	qpg *p;
	int n = 0, rc, have;

	if ((*out = p = calloc(1, sizeof(*p))) == NULL)
		return QUARRY_ENOMEM;
	p->create = o->create;
	p->hnsw = o->hnsw;
	p->crash_after = o->crash_after;
	p->batch = 1000;
	if ((rc = parse_name(o->table, parts)) != 0) {
		free(parts[0]);
		free(parts[1]);
		return rc == QUARRY_ENOMEM ? rc : seterr(p, rc, "\"%s\" is "
		    "not a table name ([schema.]table)", o->table);
	}
	keys[n] = "dbname"; vals[n++] = o->conninfo;
	keys[n] = "host"; vals[n++] = o->host;
	keys[n] = "port"; vals[n++] = o->port;
	keys[n] = "user"; vals[n++] = o->user;
	keys[n] = "client_encoding"; vals[n++] = "UTF8";
	keys[n] = "fallback_application_name"; vals[n++] = o->appname;
	keys[n] = NULL; vals[n] = NULL;
	p->conn = PQconnectdbParams(keys, vals, 1);
	if (p->conn == NULL) {
		free(parts[0]);
		free(parts[1]);
		return QUARRY_ENOMEM;
	}
	PQsetNoticeProcessor(p->conn, no_notice, NULL);
	snprintf(p->target, sizeof(p->target), "host=%s port=%s dbname=%s "
	    "user=%s", PQhost(p->conn) ? PQhost(p->conn) : "",
	    PQport(p->conn) ? PQport(p->conn) : "",
	    PQdb(p->conn) ? PQdb(p->conn) : "",
	    PQuser(p->conn) ? PQuser(p->conn) : "");
	if (PQstatus(p->conn) != CONNECTION_OK) {
		const char *m = firstline(PQerrorMessage(p->conn), &n);

		free(parts[0]);
		free(parts[1]);
		return seterr(p, QUARRY_EIO, "cannot connect (%s): %.*s",
		    p->target, n, m);
	}
	/* The name as SQL, resolved by the server's search_path. */
	if (parts[0] != NULL) {
		char *a = quote_ident(parts[0], strlen(parts[0]));
		char *b = quote_ident(parts[1], strlen(parts[1]));

		if (a == NULL || b == NULL || asprintf(&qname, "%s.%s", a,
		    b) < 0)
			qname = NULL;
		free(a);
		free(b);
	} else
		qname = quote_ident(parts[1], strlen(parts[1]));
	if (qname == NULL) {
		free(parts[0]);
		free(parts[1]);
		return QUARRY_ENOMEM;
	}
	rc = lookup(p, qname);
	if (rc == 0 && !p->exists) {
		/* Where CREATE TABLE would put it. */
		const char *params[1] = { parts[0] };

		rc = exec(p, "finding the schema", parts[0] ? "SELECT $1::text" :
		    "SELECT pg_catalog.current_schema()", parts[0] ? 1 : 0,
		    params, &res);
		if (rc == 0) {
			if (PQgetisnull(res, 0, 0))
				rc = seterr(p, QUARRY_ESTORE, "no schema to "
				    "create the table in (search_path is empty)");
			else
				rc = set_names(p, PQgetvalue(res, 0, 0),
				    parts[1]);
			PQclear(res);
		}
	}
	free(qname);
	free(parts[0]);
	free(parts[1]);
	if (rc != 0)
		return rc;
	if (o->load == 'a') {
		if ((rc = exec(p, "asking for the version", "SELECT "
		    "pg_catalog.version() LIKE '%PGlite%'", 0, NULL, &res)) != 0)
			return rc;
		/* PGlite's socket server does not carry COPY FROM STDIN. */
		p->load = strcmp(PQgetvalue(res, 0, 0), "t") == 0 ? 'i' : 'c';
		PQclear(res);
	} else
		p->load = o->load;
	if (p->create && (rc = create_base(p)) != 0)
		return rc;
	if ((rc = state_exists(p, &have)) != 0)
		return rc;
	if (have && (rc = read_seq(p, 0, &p->recorded)) != 0)
		return rc;
	p->last = p->recorded;
	return 0;
}

int
qpg_require(qpg *p)
{
	int have, rc;

	if (!p->exists && !p->create)
		return seterr(p, QUARRY_ENOTFOUND, "%s: no such table",
		    p->canon);
	if ((rc = state_exists(p, &have)) != 0)
		return rc;
	if (!have)
		return seterr(p, QUARRY_ENOTFOUND, "%s: no state table %s",
		    p->canon, p->qstate);
	return 0;
}

int
qpg_recorded_seq(qpg *p, uint64_t *seq)
{
	*seq = p->recorded;
	return 0;
}

void
qpg_set_batch(qpg *p, size_t n)
{
	p->batch = n ? n : 1;
}

size_t
qpg_dims(const qpg *p)
{
	return p->dims;
}

void
qpg_get_counts(const qpg *p, struct qpg_counts *k)
{
	*k = p->k;
	k->seq = p->recorded;
}

const char *
qpg_error(const qpg *p)
{
	return p->err;
}

const char *
qpg_table(const qpg *p)
{
	return p->canon ? p->canon : "";
}

const char *
qpg_target(const qpg *p)
{
	return p->target;
}

void
qpg_freeze_seq(qpg *p)
{
	if (!p->frozen) {
		p->frozen = 1;
		p->frozen_seq = p->last;
	}
}

static int
begin(qpg *p)
{
	uint64_t seq;
	char sql[512];
	const char *params[1] = { p->key };
	int rc;

	if (p->in_txn)
		return 0;
	if ((rc = exec(p, "starting a transaction", "BEGIN", 0, NULL,
	    NULL)) != 0)
		return rc;
	p->in_txn = 1;
	if (!p->exists) {
		size_t i, dims = 0;

		for (i = 0; i < p->nq && dims == 0; i++)
			dims = p->q[i].dims;
		if ((rc = create_table(p, dims)) != 0)
			return rc;
	}
	/* The state row, locked: a second writer waits here. */
	snprintf(sql, sizeof(sql), "INSERT INTO %s (target) VALUES ($1) ON "
	    "CONFLICT (target) DO NOTHING", p->qstate);
	if ((rc = exec(p, "creating the state row", sql, 1, params,
	    NULL)) != 0)
		return rc;
	if ((rc = read_seq(p, 1, &seq)) != 0)
		return rc;
	if (seq != p->recorded)
		return seterr(p, QUARRY_EBUSY, "%s: another writer moved the "
		    "recorded seq from %" PRIu64 " to %" PRIu64 "; run again",
		    p->canon, p->recorded, seq);
	return 0;
}

static int
stage_create(qpg *p)
{
	struct quarry_buf b = { 0 };
	const char *head = "CREATE TEMPORARY TABLE IF NOT EXISTS "
	    "quarry_pg_stage (op text, seq text";
	int i, rc = quarry_buf_append(&b, head, strlen(head));

	for (i = 0; i < QPG_NCOLS && rc == 0; i++)
		if (quarry_buf_append(&b, ", ", 2) != 0 ||
		    quarry_buf_append(&b, qpg_col_names[i],
		    strlen(qpg_col_names[i])) != 0 ||
		    quarry_buf_append(&b, " text", 5) != 0)
			rc = QUARRY_ENOMEM;
	if (rc == 0 && quarry_buf_append(&b, ")", 2) != 0)
		rc = QUARRY_ENOMEM;
	if (rc == 0)
		rc = exec(p, "creating the staging table", b.data, 0, NULL,
		    NULL);
	if (rc == 0)
		rc = exec(p, "emptying the staging table", "TRUNCATE " STAGE,
		    0, NULL, NULL);
	quarry_buf_free(&b);
	return rc;
}

/* Loads the staged rows (the queue's entries with keep set) by COPY. */
static int
load_copy(qpg *p, const unsigned char *keep)
{
	PGresult *res = NULL;
	size_t i, off;

	res = PQexec(p->conn, "COPY " STAGE " FROM STDIN");
	if (PQresultStatus(res) != PGRES_COPY_IN)
		return server_error(p, res, "starting COPY");
	PQclear(res);
	p->copy.len = 0;
	for (i = 0; i <= p->nq; i++) {
		if (i < p->nq && keep[i] && qpg_copy_row(&p->copy,
		    &p->q[i]) != 0)
			return QUARRY_ENOMEM;
		if (p->copy.len < COPY_CHUNK && i < p->nq)
			continue;
		for (off = 0; off < p->copy.len; off += COPY_CHUNK) {
			size_t n = p->copy.len - off;

			if (PQputCopyData(p->conn, p->copy.data + off,
			    (int)(n < COPY_CHUNK ? n : COPY_CHUNK)) != 1)
				return server_error(p, NULL, "sending rows");
		}
		p->copy.len = 0;
	}
	if (PQputCopyEnd(p->conn, NULL) != 1)
		return server_error(p, NULL, "ending COPY");
	res = PQgetResult(p->conn);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return server_error(p, res, "loading the staging table");
	PQclear(res);
	while ((res = PQgetResult(p->conn)) != NULL)
		PQclear(res);
	return 0;
}

/* Loads them with one INSERT of unnest()ed text arrays. */
static int
load_insert(qpg *p, const unsigned char *keep)
{
	const char *params[2 + QPG_NCOLS];
	char seq[32];
	size_t i;
	int k, rc;

	for (k = 0; k < 2 + QPG_NCOLS; k++) {
		p->arrays[k].len = 0;
		if (quarry_buf_append(&p->arrays[k], "{", 1) != 0)
			return QUARRY_ENOMEM;
	}
	for (i = 0; i < p->nq; i++) {
		const struct qpg_change *c = &p->q[i];
		char op = (char)c->op;

		if (!keep[i])
			continue;
		snprintf(seq, sizeof(seq), "%" PRIu64, c->seq);
		if (qpg_array_elem(&p->arrays[0], &op, 1) != 0 ||
		    qpg_array_elem(&p->arrays[1], c->has_seq ? seq : NULL,
		    strlen(seq)) != 0)
			return QUARRY_ENOMEM;
		for (k = 0; k < QPG_NCOLS; k++)
			if (qpg_array_elem(&p->arrays[2 + k], c->null[k] ? NULL :
			    c->buf.data + c->off[k], c->len[k]) != 0)
				return QUARRY_ENOMEM;
	}
	for (k = 0; k < 2 + QPG_NCOLS; k++) {
		if (quarry_buf_append(&p->arrays[k], "}", 2) != 0)
			return QUARRY_ENOMEM;
		params[k] = p->arrays[k].data;
	}
	rc = exec(p, "loading the staging table", "INSERT INTO " STAGE
	    " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], "
	    "$4::text[], $5::text[], $6::text[], $7::text[], $8::text[], "
	    "$9::text[], $10::text[], $11::text[], $12::text[], $13::text[], "
	    "$14::text[])", 2 + QPG_NCOLS, params, NULL);
	return rc;
}

/* The DELETE and INSERT ... ON CONFLICT from the staging table. */
static int
apply_staged(qpg *p)
{
	struct quarry_buf b = { 0 };
	char *sql = NULL;
	int i, rc = 0;

	if (asprintf(&sql, "DELETE FROM %s t USING " STAGE " s WHERE s.op = "
	    "'d' AND t.id = s.id", p->qtable) < 0)
		return QUARRY_ENOMEM;
	rc = exec(p, "deleting", sql, 0, NULL, NULL);
	free(sql);
	if (rc != 0)
		return rc;
	if (asprintf(&sql, "INSERT INTO %s (", p->qtable) < 0)
		return QUARRY_ENOMEM;
	rc = quarry_buf_append(&b, sql, strlen(sql));
	free(sql);
	for (i = 0; i < QPG_NCOLS && rc == 0; i++)
		if ((i && quarry_buf_append(&b, ", ", 2) != 0) ||
		    quarry_buf_append(&b, qpg_col_names[i],
		    strlen(qpg_col_names[i])) != 0)
			rc = QUARRY_ENOMEM;
	if (rc == 0 && quarry_buf_append(&b, ") SELECT ", 9) != 0)
		rc = QUARRY_ENOMEM;
	for (i = 0; i < QPG_NCOLS && rc == 0; i++) {
		if (asprintf(&sql, "%ss.%s::%s", i ? ", " : "",
		    qpg_col_names[i], p->casts[i]) < 0)
			rc = QUARRY_ENOMEM;
		else if (quarry_buf_append(&b, sql, strlen(sql)) != 0)
			rc = QUARRY_ENOMEM;
		free(sql);
		sql = NULL;
	}
	if (rc == 0 && (asprintf(&sql, " FROM " STAGE " s WHERE s.op = 'u' "
	    "ON CONFLICT (id) DO UPDATE SET ") < 0 ||
	    quarry_buf_append(&b, sql, strlen(sql)) != 0))
		rc = QUARRY_ENOMEM;
	free(sql);
	sql = NULL;
	for (i = 1; i < QPG_NCOLS && rc == 0; i++) {
		if (asprintf(&sql, "%s%s = EXCLUDED.%s", i > 1 ? ", " : "",
		    qpg_col_names[i], qpg_col_names[i]) < 0)
			rc = QUARRY_ENOMEM;
		else if (quarry_buf_append(&b, sql, strlen(sql) + 1) != 0)
			rc = QUARRY_ENOMEM;
		else
			b.len--;
		free(sql);
		sql = NULL;
	}
	if (rc == 0)
		rc = exec(p, "upserting", b.data, 0, NULL, NULL);
	quarry_buf_free(&b);
	return rc;
}

/* The seq to record after what is applied now. */
static uint64_t
seq_to_record(const qpg *p)
{
	uint64_t s = p->frozen ? p->frozen_seq : p->last;

	return s > p->recorded ? s : p->recorded;
}

static int
commit(qpg *p)
{
	const char *params[2];
	char sql[512], seq[32];
	uint64_t s = seq_to_record(p);
	int rc;

	if (!p->in_txn)
		return 0;
	if (s != p->recorded) {
		snprintf(seq, sizeof(seq), "%" PRIu64, s);
		snprintf(sql, sizeof(sql), "UPDATE %s SET seq = $2, updated = "
		    "now() WHERE target = $1", p->qstate);
		params[0] = p->key;
		params[1] = seq;
		if ((rc = exec(p, "recording the seq", sql, 2, params,
		    NULL)) != 0)
			return rc;
	}
	/* The test hook: a crash in the middle of a batch. */
	if (p->crash_after > 0 && p->k.batches + 1 == p->crash_after)
		raise(SIGKILL);
	if ((rc = exec(p, "committing", "COMMIT", 0, NULL, NULL)) != 0)
		return rc;
	p->in_txn = 0;
	p->recorded = s;
	p->k.batches++;
	p->k.upserts += p->p_upserts;
	p->k.deletes += p->p_deletes;
	p->k.snapshots += p->p_snapshots;
	p->p_upserts = p->p_deletes = p->p_snapshots = 0;
	return 0;
}

/* Stages and applies the queue; commits unless a snapshot is open. */
static int
run_batch(qpg *p, int end)
{
	unsigned char *keep = NULL;
	json_t *seen = NULL;
	size_t i;
	int rc = 0;

	if (p->nq > 0) {
		if ((rc = begin(p)) != 0)
			return rc;
		if ((keep = calloc(p->nq, 1)) == NULL ||
		    (seen = json_object()) == NULL) {
			rc = QUARRY_ENOMEM;
			goto out;
		}
		/* The last change of each id wins. */
		for (i = p->nq; i-- > 0;) {
			const struct qpg_change *c = &p->q[i];
			char *id = strndup(c->buf.data + c->off[QPG_C_ID],
			    c->len[QPG_C_ID]);

			if (id == NULL) {
				rc = QUARRY_ENOMEM;
				goto out;
			}
			if (json_object_get(seen, id) == NULL) {
				keep[i] = 1;
				json_object_set_new(seen, id, json_true());
			}
			free(id);
			if (c->op == QPG_DELETE)
				p->p_deletes++;
			else
				p->p_upserts++;
		}
		if ((rc = stage_create(p)) != 0 ||
		    (rc = p->load == 'c' ? load_copy(p, keep) :
		    load_insert(p, keep)) != 0 ||
		    (rc = apply_staged(p)) != 0)
			goto out;
		p->nq = 0;
	}
	if (end || !p->snapshot) {
		rc = commit(p);
		p->snapshot = 0;
	}
out:
	free(keep);
	json_decref(seen);
	return rc;
}

static int
queue(qpg *p, const struct qpg_change *c)
{
	struct qpg_change *d;
	struct quarry_buf b;

	if (p->nq == p->capq) {
		size_t n = p->capq ? p->capq * 2 : 64;
		struct qpg_change *q = realloc(p->q, n * sizeof(*q));

		if (q == NULL)
			return QUARRY_ENOMEM;
		memset(q + p->capq, 0, (n - p->capq) * sizeof(*q));
		p->q = q;
		p->capq = n;
	}
	d = &p->q[p->nq];
	b = d->buf;
	*d = *c;
	d->buf = b;
	d->buf.len = 0;
	if (c->buf.len > 0 && quarry_buf_append(&d->buf, c->buf.data,
	    c->buf.len) != 0)
		return QUARRY_ENOMEM;
	p->nq++;
	return 0;
}

/* An upsert's vector must fit the table's column. */
static int
check_dims(qpg *p, const struct qpg_change *c)
{
	if (c->op != QPG_UPSERT || p->dims_free)
		return 0;
	if (p->dims == 0)
		p->dims = c->dims;	/* the table is made with these */
	else if (c->dims != p->dims)
		return seterr(p, QUARRY_EMODEL, "the vector has %zu dimensions; "
		    "%s's embedding column has %zu", c->dims, p->canon,
		    p->dims);
	return 0;
}

int
qpg_add(qpg *p, const struct qpg_change *c)
{
	int rc;

	if (p->snapshot && (!c->has_seq || c->seq != p->snap_seq ||
	    c->op != QPG_UPSERT) && (rc = run_batch(p, 1)) != 0)
		return rc;
	if (c->has_seq && !(p->snapshot && c->seq == p->snap_seq)) {
		if (c->seq <= p->last) {
			p->k.skipped++;
			return 1;
		}
		if ((rc = check_dims(p, c)) != 0)
			return rc;
		if (c->op == QPG_SNAPSHOT) {
			if (p->nq > 0 && (rc = run_batch(p, 1)) != 0)
				return rc;
			p->last = c->seq;
			p->snapshot = 1;
			p->snap_seq = c->seq;
			p->p_snapshots++;
			/* The table is emptied when its first batch runs
			 * (then the table exists, --create or not). */
			if (p->exists || p->create) {
				char *sql;

				if (!p->exists)
					return 0;
				if ((rc = begin(p)) != 0)
					return rc;
				if (asprintf(&sql, "DELETE FROM %s",
				    p->qtable) < 0)
					return QUARRY_ENOMEM;
				rc = exec(p, "emptying the table for the "
				    "snapshot", sql, 0, NULL, NULL);
				free(sql);
				return rc;
			}
			return 0;
		}
		p->last = c->seq;
	}
	if ((rc = check_dims(p, c)) != 0)
		return rc;
	if ((rc = queue(p, c)) != 0)
		return rc;
	if (p->nq >= p->batch)
		return run_batch(p, 0);
	return 0;
}

int
qpg_flush(qpg *p)
{
	char *sql;
	int rc;

	if ((rc = run_batch(p, 1)) != 0)
		return rc;
	if (p->hnsw && p->exists) {
		if (asprintf(&sql, "CREATE INDEX IF NOT EXISTS %s ON %s USING "
		    "hnsw (embedding vector_cosine_ops)", p->qindex,
		    p->qtable) < 0)
			return QUARRY_ENOMEM;
		rc = exec(p, "creating the HNSW index", sql, 0, NULL, NULL);
		free(sql);
	}
	return rc;
}

void
qpg_close(qpg *p)
{
	size_t i;

	if (p == NULL)
		return;
	if (p->conn != NULL)
		PQfinish(p->conn);
	for (i = 0; i < p->capq; i++)
		quarry_buf_free(&p->q[i].buf);
	free(p->q);
	quarry_buf_free(&p->copy);
	for (i = 0; i < 2 + QPG_NCOLS; i++)
		quarry_buf_free(&p->arrays[i]);
	for (i = 0; i < QPG_NCOLS; i++)
		free(p->casts[i]);
	free(p->qtable);
	free(p->qstate);
	free(p->qindex);
	free(p->canon);
	free(p->key);
	free(p);
}
