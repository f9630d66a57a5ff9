/*
 * pg_feed.c: one line of a change feed (man/quarry.7, CHANGE FEED) or a
 * plain chunk record, turned into the row quarry-pg stages: its op, seq
 * and the table's columns as text in PostgreSQL's input syntax.  No libpq
 * here, so that the parser is fuzzed (tests/fuzz/fuzz_pg_feed.c) and
 * tested without a server.
 *
 * The mapping, as man/quarry-pg.1 documents it: id, doc, source, title,
 * author and text are text columns; date a timestamptz (a YYYY-MM-DD day
 * as its midnight UTC); page and page_end integers; headings a text[];
 * embedding a vector.  A field goes to its column only when it has the
 * column's type (and a date in a normal form); every other field, and a
 * field that did not fit, goes to the jsonb column meta under its own
 * name, so that the record can be rebuilt exactly: a date of the day
 * form is also kept in meta, since the timestamptz alone would not say
 * that only the day was known.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_private.h"

const char *const qpg_col_names[QPG_NCOLS] = {
	"id", "doc", "source", "title", "author", "date", "page", "page_end",
	"headings", "text", "embedding", "meta"
};

const char qpg_no_embedding[] = "missing field \"embedding\"";

static int
fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* Whether a JSON value holds a NUL character anywhere (keys too). */
static int
has_nul(const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return memchr(json_string_value(v), '\0',
		    json_string_length(v)) != NULL;
	case JSON_ARRAY:
		json_array_foreach(v, i, x)
			if (has_nul(x))
				return 1;
		return 0;
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, k, x)
			if (has_nul(x))
				return 1;
		return 0;
	default:
		return 0;
	}
}

/*
 * Whether every number in v reads back in PostgreSQL's jsonb, whose
 * numbers are numerics: their exponent lies within +-1000.  The reader
 * keeps numbers beyond a double's range as they were written (quarry.7),
 * so the written form is what counts.  Returns 1, 0, or QUARRY_ENOMEM.
 */
static int
numbers_fit(const json_t *v)
{
	struct quarry_buf b = { 0 };
	const char *k, *e;
	json_t *x;
	size_t i;
	int rc;

	switch (json_typeof(v)) {
	case JSON_REAL:
		if (quarry_buf_json(&b, v) != 0 ||
		    quarry_buf_append(&b, "", 1) != 0) {
			quarry_buf_free(&b);
			return QUARRY_ENOMEM;
		}
		e = strpbrk(b.data, "eE");
		rc = e == NULL || labs(strtol(e + 1, NULL, 10)) <= 1000;
		/* And no more than 1000 digits before the point. */
		if (rc && e == NULL && strcspn(b.data, ".") > 1001)
			rc = 0;
		quarry_buf_free(&b);
		return rc;
	case JSON_ARRAY:
		json_array_foreach(v, i, x)
			if ((rc = numbers_fit(x)) != 1)
				return rc;
		return 1;
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, k, x)
			if ((rc = numbers_fit(x)) != 1)
				return rc;
		return 1;
	default:
		return 1;
	}
}

static int
leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Reads n digits at s into *v; 0 when one is not a digit. */
static int
digits(const char *s, int n, unsigned *v)
{
	*v = 0;
	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return 0;
		*v = *v * 10 + (unsigned)(*s++ - '0');
	}
	return 1;
}

int
qpg_date_form(const char *s, size_t len)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	unsigned y, m, d, hh, mm, ss;

	if (len != 10 && len != 20)
		return 0;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) ||
	    s[7] != '-' || !digits(s + 8, 2, &d))
		return 0;
	if (y < 1 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap(y)))
		return 0;
	if (len == 10)
		return 1;
	if (s[10] != 'T' || !digits(s + 11, 2, &hh) || s[13] != ':' ||
	    !digits(s + 14, 2, &mm) || s[16] != ':' ||
	    !digits(s + 17, 2, &ss) || s[19] != 'Z')
		return 0;
	return hh < 24 && mm < 60 && ss < 60 ? 2 : 0;
}

/* Starts column i in c's buffer. */
static void
col_begin(struct qpg_change *c, enum qpg_col i)
{
	c->off[i] = c->buf.len;
	c->null[i] = 0;
}

static void
col_end(struct qpg_change *c, enum qpg_col i)
{
	c->len[i] = c->buf.len - c->off[i];
}

static int
col_set(struct qpg_change *c, enum qpg_col i, const char *s, size_t len)
{
	col_begin(c, i);
	/* (Nothing to copy into a buffer that may not exist yet.) */
	if (len > 0 && quarry_buf_append(&c->buf, s, len) != 0)
		return QUARRY_ENOMEM;
	col_end(c, i);
	return 0;
}

/* Sets a text column from a string field; 1 when the field fits it. */
static int
col_string(struct qpg_change *c, enum qpg_col i, const json_t *v)
{
	if (!json_is_string(v) || has_nul(v))
		return 0;
	return col_set(c, i, json_string_value(v), json_string_length(v)) ?
	    QUARRY_ENOMEM : 1;
}

static int
col_int(struct qpg_change *c, enum qpg_col i, const json_t *v)
{
	char num[32];
	json_int_t n;

	if (!json_is_integer(v))
		return 0;
	n = json_integer_value(v);
	if (n < INT32_MIN || n > INT32_MAX)
		return 0;
	snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, n);
	return col_set(c, i, num, strlen(num)) ? QUARRY_ENOMEM : 1;
}

/* headings: an array of strings, as a text[] literal. */
static int
col_headings(struct qpg_change *c, const json_t *v)
{
	json_t *x;
	size_t i;

	if (!json_is_array(v) || has_nul(v))
		return 0;
	json_array_foreach(v, i, x)
		if (!json_is_string(x))
			return 0;
	col_begin(c, QPG_C_HEADINGS);
	if (quarry_buf_append(&c->buf, "{", 1) != 0)
		return QUARRY_ENOMEM;
	json_array_foreach(v, i, x)
		if (qpg_array_elem(&c->buf, json_string_value(x),
		    json_string_length(x)) != 0)
			return QUARRY_ENOMEM;
	/* qpg_array_elem() looks back for the '{' of its own literal. */
	if (quarry_buf_append(&c->buf, "}", 1) != 0)
		return QUARRY_ENOMEM;
	col_end(c, QPG_C_HEADINGS);
	return 1;
}

/* The vector, as pgvector's literal: [x,y,...] with float32 values. */
static int
col_embedding(struct qpg_change *c, const json_t *v, char *err,
    size_t errlen)
{
	char num[32];
	json_t *x;
	size_t i, n;

	if (!json_is_array(v))
		return fail(err, errlen, QUARRY_EFIELD,
		    "field \"embedding\" is not an array");
	n = json_array_size(v);
	if (n == 0 || n > QPG_DIMS_MAX)
		return fail(err, errlen, QUARRY_EFIELD, "field \"embedding\" "
		    "has %zu dimensions (pgvector takes 1 to %d)", n,
		    QPG_DIMS_MAX);
	col_begin(c, QPG_C_EMBEDDING);
	if (quarry_buf_reserve(&c->buf, n * 16 + 2) != 0)
		return QUARRY_ENOMEM;
	c->buf.data[c->buf.len++] = '[';
	json_array_foreach(v, i, x) {
		double d;
		float f;
		int k;

		if (!json_is_number(x))
			return fail(err, errlen, QUARRY_EFIELD, "field "
			    "\"embedding\": element %zu is not a number", i);
		d = json_number_value(x);
		f = (float)d;
		if (!isfinite(f))
			return fail(err, errlen, QUARRY_EFIELD, "field "
			    "\"embedding\": element %zu is out of float32 "
			    "range", i);
		k = snprintf(num, sizeof(num), "%s%.9g", i ? "," : "",
		    (double)f);
		if (quarry_buf_append(&c->buf, num, (size_t)k) != 0)
			return QUARRY_ENOMEM;
	}
	if (quarry_buf_append(&c->buf, "]", 1) != 0)
		return QUARRY_ENOMEM;
	col_end(c, QPG_C_EMBEDDING);
	c->dims = n;
	return 0;
}

static int
get_seq(const json_t *rec, struct qpg_change *c, char *err, size_t errlen)
{
	const json_t *v = json_object_get(rec, "seq");

	if (v == NULL)
		return fail(err, errlen, QUARRY_EFIELD, "missing field \"seq\"");
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return fail(err, errlen, QUARRY_EFIELD,
		    "field \"seq\" is not a positive integer");
	c->has_seq = 1;
	c->seq = (uint64_t)json_integer_value(v);
	return 0;
}

/* id and doc, which every change but a snapshot names. */
static int
get_ids(const json_t *rec, struct qpg_change *c, char *err, size_t errlen)
{
	static const char *const names[] = { "id", "doc" };
	int k, rc;

	for (k = 0; k < 2; k++) {
		const json_t *v = json_object_get(rec, names[k]);

		if (v == NULL)
			return fail(err, errlen, QUARRY_EFIELD,
			    "missing field \"%s\"", names[k]);
		if ((rc = col_string(c, k ? QPG_C_DOC : QPG_C_ID, v)) < 0)
			return rc;
		if (rc == 0)
			return fail(err, errlen, QUARRY_EFIELD, json_is_string(v) ?
			    "field \"%s\" holds a NUL character" :
			    "field \"%s\" is not a string", names[k]);
		if (json_string_length(v) == 0)
			return fail(err, errlen, QUARRY_EFIELD,
			    "field \"%s\" is empty", names[k]);
	}
	return 0;
}

/* The columns of an upsert, and meta from the fields left over. */
static int
get_record(const json_t *rec, struct qpg_change *c, char *err,
    size_t errlen)
{
	json_t *meta, *v;
	const char *k;
	int rc = 0, form;

	if ((v = json_object_get(rec, "embedding")) == NULL)
		return fail(err, errlen, QUARRY_EFIELD, "%s",
		    qpg_no_embedding);
	if ((rc = col_embedding(c, v, err, errlen)) != 0)
		return rc;
	if ((meta = json_object()) == NULL)
		return QUARRY_ENOMEM;
	json_object_foreach((json_t *)rec, k, v) {
		int put = 0;

		if (strcmp(k, "id") == 0 || strcmp(k, "doc") == 0 ||
		    strcmp(k, "embedding") == 0 || strcmp(k, "change") == 0 ||
		    strcmp(k, "seq") == 0)
			continue;
		if (strcmp(k, "source") == 0)
			put = col_string(c, QPG_C_SOURCE, v);
		else if (strcmp(k, "title") == 0)
			put = col_string(c, QPG_C_TITLE, v);
		else if (strcmp(k, "author") == 0)
			put = col_string(c, QPG_C_AUTHOR, v);
		else if (strcmp(k, "text") == 0)
			put = col_string(c, QPG_C_TEXT, v);
		else if (strcmp(k, "page") == 0)
			put = col_int(c, QPG_C_PAGE, v);
		else if (strcmp(k, "page_end") == 0)
			put = col_int(c, QPG_C_PAGE_END, v);
		else if (strcmp(k, "headings") == 0)
			put = col_headings(c, v);
		else if (strcmp(k, "date") == 0 && json_is_string(v) &&
		    (form = qpg_date_form(json_string_value(v),
		    json_string_length(v))) != 0) {
			col_begin(c, QPG_C_DATE);
			if (quarry_buf_append(&c->buf, json_string_value(v),
			    json_string_length(v)) != 0 || (form == 1 &&
			    quarry_buf_append(&c->buf, "T00:00:00Z", 10) != 0)) {
				rc = QUARRY_ENOMEM;
				break;
			}
			col_end(c, QPG_C_DATE);
			/* The day form stays in meta too (see above). */
			put = form == 2;
		}
		if (put < 0) {
			rc = put;
			break;
		}
		if (put)
			continue;
		if (has_nul(v)) {
			rc = fail(err, errlen, QUARRY_EFIELD, "field \"%s\" "
			    "holds a NUL character, which PostgreSQL cannot "
			    "store", k);
			break;
		}
		if ((put = numbers_fit(v)) != 1) {
			rc = put < 0 ? put : fail(err, errlen, QUARRY_EFIELD,
			    "field \"%s\" holds a number beyond PostgreSQL's "
			    "numeric range (an exponent within 1000)", k);
			break;
		}
		if (json_object_set(meta, k, v) != 0) {
			rc = QUARRY_ENOMEM;
			break;
		}
	}
	if (rc == 0) {
		col_begin(c, QPG_C_META);
		if (quarry_buf_json(&c->buf, meta) != 0)
			rc = QUARRY_ENOMEM;
		col_end(c, QPG_C_META);
	}
	json_decref(meta);
	return rc;
}

int
qpg_change_parse(const json_t *rec, struct qpg_change *c, char *err,
    size_t errlen)
{
	const json_t *ch = json_object_get(rec, "change");
	const char *op;
	size_t i;
	int rc;

	*err = '\0';
	c->buf.len = 0;
	c->has_seq = 0;
	c->seq = 0;
	c->dims = 0;
	for (i = 0; i < QPG_NCOLS; i++) {
		c->null[i] = 1;
		c->off[i] = c->len[i] = 0;
	}
	if (ch == NULL) {
		c->op = QPG_UPSERT;
		if (json_object_get(rec, "seq") != NULL)
			return fail(err, errlen, QUARRY_EFIELD, "a record with "
			    "\"seq\" but no \"change\" field");
		if ((rc = get_ids(rec, c, err, errlen)) != 0)
			return rc;
		return get_record(rec, c, err, errlen);
	}
	if (!json_is_string(ch))
		return fail(err, errlen, QUARRY_EFIELD,
		    "field \"change\" is not a string");
	op = json_string_value(ch);
	if (strcmp(op, "upsert") == 0)
		c->op = QPG_UPSERT;
	else if (strcmp(op, "delete") == 0)
		c->op = QPG_DELETE;
	else if (strcmp(op, "snapshot") == 0)
		c->op = QPG_SNAPSHOT;
	else
		return fail(err, errlen, QUARRY_EFORMAT, "unknown change "
		    "\"%.64s\" (upsert, delete or snapshot)", op);
	if ((rc = get_seq(rec, c, err, errlen)) != 0)
		return rc;
	if (c->op == QPG_SNAPSHOT)
		return 0;
	if ((rc = get_ids(rec, c, err, errlen)) != 0)
		return rc;
	if (c->op == QPG_DELETE)
		return 0;
	return get_record(rec, c, err, errlen);
}

void
qpg_change_free(struct qpg_change *c)
{
	if (c != NULL)
		quarry_buf_free(&c->buf);
}

/* Appends s[0, len) with COPY text format's escapes. */
static int
copy_escape(struct quarry_buf *b, const char *s, size_t len)
{
	size_t i, run = 0;

	if (quarry_buf_reserve(b, len + 16) != 0)
		return QUARRY_ENOMEM;
	for (i = 0; i < len; i++) {
		char e;

		switch (s[i]) {
		case '\\': e = '\\'; break;
		case '\n': e = 'n'; break;
		case '\r': e = 'r'; break;
		case '\t': e = 't'; break;
		default: continue;
		}
		if (quarry_buf_append(b, s + run, i - run) != 0 ||
		    quarry_buf_append(b, "\\", 1) != 0 ||
		    quarry_buf_append(b, &e, 1) != 0)
			return QUARRY_ENOMEM;
		run = i + 1;
	}
	return quarry_buf_append(b, s + run, len - run);
}

int
qpg_copy_row(struct quarry_buf *b, const struct qpg_change *c)
{
	char head[32];
	size_t i;
	int k;

	if (c->has_seq)
		k = snprintf(head, sizeof(head), "%c\t%" PRIu64, (char)c->op,
		    c->seq);
	else
		k = snprintf(head, sizeof(head), "%c\t\\N", (char)c->op);
	if (quarry_buf_append(b, head, (size_t)k) != 0)
		return QUARRY_ENOMEM;
	for (i = 0; i < QPG_NCOLS; i++) {
		if (quarry_buf_append(b, "\t", 1) != 0)
			return QUARRY_ENOMEM;
		if (c->null[i]) {
			if (quarry_buf_append(b, "\\N", 2) != 0)
				return QUARRY_ENOMEM;
		} else if (copy_escape(b, c->buf.data + c->off[i],
		    c->len[i]) != 0)
			return QUARRY_ENOMEM;
	}
	return quarry_buf_append(b, "\n", 1);
}

int
qpg_array_elem(struct quarry_buf *b, const char *s, size_t len)
{
	size_t i, run = 0;

	if (b->len > 0 && b->data[b->len - 1] != '{' &&
	    quarry_buf_append(b, ",", 1) != 0)
		return QUARRY_ENOMEM;
	if (s == NULL)
		return quarry_buf_append(b, "NULL", 4);
	if (quarry_buf_append(b, "\"", 1) != 0)
		return QUARRY_ENOMEM;
	for (i = 0; i < len; i++) {
		if (s[i] != '"' && s[i] != '\\')
			continue;
		if (quarry_buf_append(b, s + run, i - run) != 0 ||
		    quarry_buf_append(b, "\\", 1) != 0)
			return QUARRY_ENOMEM;
		run = i;
	}
	if (quarry_buf_append(b, s + run, len - run) != 0)
		return QUARRY_ENOMEM;
	return quarry_buf_append(b, "\"", 1);
}
