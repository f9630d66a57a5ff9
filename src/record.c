/*
 * record.c: reading and writing JSON Lines records (man/quarry.7).
 *
 * The reader keeps one growing buffer and hands each line to jansson, so
 * memory is bounded by the longest line.  The writer has its own compact
 * serialiser: jansson's would escape nothing we care about differently, but
 * it prints every real with 17 digits, and embeddings are float32 values that
 * need only 9 to round-trip (STYLE.md, point 9).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"

struct quarry_reader {
	FILE *fp;
	char *name;
	char *buf;		/* buffered input; [pos, end) not yet consumed */
	size_t cap;
	size_t pos;
	size_t end;
	int eof;
	size_t max_line;
	unsigned long line;	/* lines consumed so far */
	unsigned long recline;	/* line of the last record or fault */
	char err[256];
};

int
quarry_reader_new(quarry_reader **out, FILE *fp, const char *name)
{
	quarry_reader *r;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return QUARRY_ENOMEM;
	r->fp = fp;
	r->cap = 1 << 16;
	r->max_line = QUARRY_MAX_LINE_DEFAULT;
	if ((r->name = strdup(name ? name : "-")) == NULL ||
	    (r->buf = malloc(r->cap)) == NULL) {
		quarry_reader_free(r);
		return QUARRY_ENOMEM;
	}
	*out = r;
	return 0;
}

void
quarry_reader_set_max_line(quarry_reader *r, size_t max)
{
	r->max_line = max ? max : QUARRY_MAX_LINE_DEFAULT;
}

void
quarry_reader_free(quarry_reader *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->buf);
	free(r);
}

unsigned long
quarry_reader_line(const quarry_reader *r)
{
	return r->recline;
}

const char *
quarry_reader_error(const quarry_reader *r)
{
	return r->err;
}

const char *
quarry_reader_name(const quarry_reader *r)
{
	return r->name;
}

static int
fault(quarry_reader *r, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return code;
}

/*
 * Reads more input into the buffer, moving unconsumed bytes to its start and
 * growing it when it is full.  Returns the number of bytes read, 0 at end of
 * input, or -1 on a read error.
 */
static ssize_t
fill(quarry_reader *r)
{
	size_t n;

	if (r->eof)
		return 0;
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->pos = 0;
	}
	if (r->end == r->cap) {
		size_t ncap = r->cap * 2;
		char *nb;

		if ((nb = realloc(r->buf, ncap)) == NULL)
			return -2;
		r->buf = nb;
		r->cap = ncap;
	}
	n = fread(r->buf + r->end, 1, r->cap - r->end, r->fp);
	r->end += n;
	if (n == 0) {
		if (ferror(r->fp))
			return -1;
		r->eof = 1;
	}
	return (ssize_t)n;
}

/*
 * Finds the next line.  On success sets *line and *len (without the '\n' and
 * an optional '\r') and returns 1; returns 0 at end of input.  A line longer
 * than max_line is skipped up to its newline and reported as QUARRY_ETOOBIG.
 */
static int
next_line(quarry_reader *r, char **line, size_t *len)
{
	size_t scanned = 0;
	int toolong = 0;

	for (;;) {
		char *nl = memchr(r->buf + r->pos + scanned, '\n',
		    r->end - r->pos - scanned);
		ssize_t got;

		if (nl != NULL) {
			size_t l = (size_t)(nl - (r->buf + r->pos));

			r->line++;
			if (toolong || l > r->max_line) {
				r->pos += l + 1;
				return fault(r, QUARRY_ETOOBIG,
				    "line longer than %zu bytes", r->max_line);
			}
			*line = r->buf + r->pos;
			*len = l;
			r->pos += l + 1;
			if (l > 0 && (*line)[l - 1] == '\r')
				(*len)--;
			return 1;
		}
		scanned = r->end - r->pos;
		if (scanned > r->max_line) {
			/* Drop what we have of an over-long line and keep
			 * looking for its end without storing it. */
			toolong = 1;
			r->pos = r->end;
			scanned = 0;
		}
		got = fill(r);
		if (got == -2)
			return QUARRY_ENOMEM;
		if (got < 0)
			return fault(r, QUARRY_EIO, "read error: %s",
			    strerror(errno));
		if (got == 0) {
			if (r->end == r->pos && !toolong)
				return 0;
			r->line++;
			if (toolong) {
				r->pos = r->end;
				return fault(r, QUARRY_ETOOBIG,
				    "line longer than %zu bytes", r->max_line);
			}
			/* A last line without a newline. */
			*line = r->buf + r->pos;
			*len = r->end - r->pos;
			r->pos = r->end;
			return 1;
		}
	}
}

int
quarry_reader_next(quarry_reader *r, json_t **rec)
{
	json_error_t jerr;
	char *line = NULL;
	size_t len = 0, bad;
	json_t *v;
	int rc;

	*rec = NULL;
	r->err[0] = '\0';
	for (;;) {
		rc = next_line(r, &line, &len);
		r->recline = r->line;
		if (rc <= 0)
			return rc;
		if (r->line == 1 && len >= 3 &&
		    memcmp(line, "\xEF\xBB\xBF", 3) == 0)
			return fault(r, QUARRY_EFORMAT,
			    "byte order mark at start of input (records are UTF-8 without BOM)");
		/* Skip lines that hold only white space. */
		size_t i = 0;
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i < len)
			break;
	}
	if (quarry_utf8_validate(line, len, &bad) != 0)
		return fault(r, QUARRY_EUTF8, "invalid UTF-8 at byte %zu",
		    bad + 1);
	v = json_loadb(line, len, JSON_REJECT_DUPLICATES,
	    &jerr);
	if (v == NULL)
		return fault(r, QUARRY_EJSON, "malformed JSON at byte %d: %s",
		    jerr.position, jerr.text);
	if (!json_is_object(v)) {
		json_decref(v);
		return fault(r, QUARRY_EFORMAT, "record is not a JSON object");
	}
	*rec = v;
	return 1;
}

/* ------------------------------------------------------------- writing */

int
quarry_buf_reserve(struct quarry_buf *b, size_t extra)
{
	size_t need = b->len + extra, ncap;
	char *nd;

	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	if ((nd = realloc(b->data, ncap)) == NULL)
		return QUARRY_ENOMEM;
	b->data = nd;
	b->cap = ncap;
	return 0;
}

int
quarry_buf_append(struct quarry_buf *b, const void *p, size_t n)
{
	if (quarry_buf_reserve(b, n) != 0)
		return QUARRY_ENOMEM;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

void
quarry_buf_free(struct quarry_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Bytes that need escaping in a JSON string: controls, '"' and '\\'. */
static const unsigned char needs_escape[256] = {
	1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
	0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
};

int
quarry_buf_json_string(struct quarry_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *e = p + len;
	char *o;

	/* Worst case: every byte becomes \u00XX. */
	if (quarry_buf_reserve(b, len * 6 + 2) != 0)
		return QUARRY_ENOMEM;
	o = b->data + b->len;
	*o++ = '"';
	while (p < e) {
		const unsigned char *run = p;

		while (p < e && !needs_escape[*p])
			p++;
		memcpy(o, run, (size_t)(p - run));
		o += p - run;
		if (p == e)
			break;
		*o++ = '\\';
		switch (*p) {
		case '"':  *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\t': *o++ = 't'; break;
		case '\r': *o++ = 'r'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		default:
			*o++ = 'u'; *o++ = '0'; *o++ = '0';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
		p++;
	}
	*o++ = '"';
	b->len = (size_t)(o - b->data);
	return 0;
}

static int
put_real(struct quarry_buf *b, double d, int digits)
{
	char tmp[40];
	int n;

	/* Nine digits only for values that are exactly float32. */
	if (digits < 17 && (double)(float)d != d)
		digits = 17;
	n = snprintf(tmp, sizeof(tmp), "%.*g", digits, d);

	if (strpbrk(tmp, ".eEn") == NULL && n < 36) {
		/* Keep it a real when read back. */
		tmp[n++] = '.';
		tmp[n++] = '0';
		tmp[n] = '\0';
	}
	return quarry_buf_append(b, tmp, (size_t)n);
}

static int
put_value(struct quarry_buf *b, const json_t *v, int digits)
{
	char tmp[32];
	int n;

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *val;
		int first = 1;

		if (quarry_buf_append(b, "{", 1) != 0)
			return QUARRY_ENOMEM;
		json_object_foreach((json_t *)v, key, val) {
			if (!first && quarry_buf_append(b, ",", 1) != 0)
				return QUARRY_ENOMEM;
			first = 0;
			if (quarry_buf_json_string(b, key, strlen(key)) != 0 ||
			    quarry_buf_append(b, ":", 1) != 0 ||
			    put_value(b, val,
			        strcmp(key, "embedding") == 0 ? 9 : 17) != 0)
				return QUARRY_ENOMEM;
		}
		return quarry_buf_append(b, "}", 1);
	}
	case JSON_ARRAY: {
		size_t i, sz = json_array_size(v);

		if (quarry_buf_append(b, "[", 1) != 0)
			return QUARRY_ENOMEM;
		for (i = 0; i < sz; i++) {
			if (i > 0 && quarry_buf_append(b, ",", 1) != 0)
				return QUARRY_ENOMEM;
			if (put_value(b, json_array_get(v, i), digits) != 0)
				return QUARRY_ENOMEM;
		}
		return quarry_buf_append(b, "]", 1);
	}
	case JSON_STRING:
		return quarry_buf_json_string(b, json_string_value(v),
		    json_string_length(v));
	case JSON_INTEGER:
		n = snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return quarry_buf_append(b, tmp, (size_t)n);
	case JSON_REAL:
		return put_real(b, json_real_value(v), digits);
	case JSON_TRUE:
		return quarry_buf_append(b, "true", 4);
	case JSON_FALSE:
		return quarry_buf_append(b, "false", 5);
	case JSON_NULL:
		return quarry_buf_append(b, "null", 4);
	}
	return QUARRY_EINVAL;
}

int
quarry_buf_json(struct quarry_buf *b, const json_t *v)
{
	return put_value(b, v, 17);
}

int
quarry_record_write(FILE *fp, const json_t *rec)
{
	static __thread struct quarry_buf b;
	int rc;

	b.len = 0;
	if ((rc = put_value(&b, rec, 17)) != 0)
		return rc;
	if (quarry_buf_append(&b, "\n", 1) != 0)
		return QUARRY_ENOMEM;
	if (fwrite(b.data, 1, b.len, fp) != b.len)
		return QUARRY_EIO;
	/* Keep a huge record's buffer from pinning memory forever. */
	if (b.cap > (1u << 24))
		quarry_buf_free(&b);
	return 0;
}

const char *
quarry_record_string(const json_t *rec, const char *field, size_t *len)
{
	const json_t *v = json_object_get(rec, field);

	if (!json_is_string(v))
		return NULL;
	if (len)
		*len = json_string_length(v);
	return json_string_value(v);
}
