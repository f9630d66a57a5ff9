/*
 * fuzz_pg_feed.c: libFuzzer target for quarry-pg's feed line parser
 * (src/pg_feed.c).  Every line that parses must give a row whose COPY text
 * line decodes back to exactly its columns, whose array-literal elements
 * decode back too, whose vector literal reads back as the record's float32
 * values, whose meta is a JSON object and whose date is a real normal-form
 * date-time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decodes one COPY text field at *s (up to a tab or newline) into b. */
static int
copy_field(const char **s, const char *end, struct quarry_buf *b, int *null)
{
	const char *p = *s;

	b->len = 0;
	*null = 0;
	if (end - p >= 2 && p[0] == '\\' && p[1] == 'N' &&
	    (end - p == 2 || p[2] == '\t' || p[2] == '\n')) {
		*null = 1;
		*s = p + 2;
		return 0;
	}
	while (p < end && *p != '\t' && *p != '\n') {
		char ch = *p++;

		if (ch == '\\') {
			if (p == end)
				abort();
			switch (*p++) {
			case '\\': ch = '\\'; break;
			case 'n': ch = '\n'; break;
			case 'r': ch = '\r'; break;
			case 't': ch = '\t'; break;
			default: abort();
			}
		} else if (ch == '\r')
			abort();
		if (quarry_buf_append(b, &ch, 1) != 0)
			abort();
	}
	*s = p;
	return 0;
}

static void
check_copy(const struct qpg_change *c)
{
	struct quarry_buf line = { 0 }, f = { 0 };
	const char *s, *end;
	int null, i;

	if (qpg_copy_row(&line, c) != 0)
		abort();
	s = line.data;
	end = line.data + line.len;
	if (line.len == 0 || end[-1] != '\n' ||
	    memchr(line.data, '\n', line.len) != end - 1)
		abort();
	copy_field(&s, end, &f, &null);		/* op */
	if (null || f.len != 1 || f.data[0] != (char)c->op || *s++ != '\t')
		abort();
	copy_field(&s, end, &f, &null);		/* seq */
	if (null != !c->has_seq || *s++ != '\t')
		abort();
	for (i = 0; i < QPG_NCOLS; i++) {
		copy_field(&s, end, &f, &null);
		if (null != c->null[i])
			abort();
		if (!null && (f.len != c->len[i] || (f.len > 0 &&
		    memcmp(f.data, c->buf.data + c->off[i], f.len) != 0)))
			abort();
		if (*s++ != (i == QPG_NCOLS - 1 ? '\n' : '\t'))
			abort();
	}
	if (s != end)
		abort();
	quarry_buf_free(&line);
	quarry_buf_free(&f);
}

/* An array literal of one element must read back as that element. */
static void
check_array(const char *v, size_t len)
{
	struct quarry_buf b = { 0 };
	size_t i, n = 0;
	char *out = malloc(len + 1);

	if (out == NULL || quarry_buf_append(&b, "{", 1) != 0 ||
	    qpg_array_elem(&b, v, len) != 0 || quarry_buf_append(&b, "}", 1))
		abort();
	if (b.len < 4 || b.data[1] != '"' || b.data[b.len - 2] != '"')
		abort();
	for (i = 2; i < b.len - 2; i++) {
		if (b.data[i] == '"')
			abort();
		if (b.data[i] == '\\')
			i++;
		out[n++] = b.data[i];
	}
	if (n != len || (n > 0 && memcmp(out, v, n) != 0))
		abort();
	free(out);
	quarry_buf_free(&b);
}

static void
check_columns(const json_t *rec, const struct qpg_change *c)
{
	json_t *meta, *emb;
	int i;

	for (i = 0; i < QPG_NCOLS; i++)
		if (!c->null[i]) {
			if (memchr(c->buf.data + c->off[i], '\0', c->len[i]))
				abort();
			check_array(c->buf.data + c->off[i], c->len[i]);
		}
	if (c->op != QPG_UPSERT)
		return;
	if (c->null[QPG_C_ID] || c->null[QPG_C_DOC] ||
	    c->null[QPG_C_EMBEDDING] || c->null[QPG_C_META])
		abort();
	if (!c->null[QPG_C_DATE] && qpg_date_form(c->buf.data +
	    c->off[QPG_C_DATE], c->len[QPG_C_DATE]) != 2)
		abort();
	/* Read as the reader reads (numbers beyond a double's range are
	 * kept as written). */
	meta = NULL;
	{
		FILE *m = fmemopen(c->buf.data + c->off[QPG_C_META],
		    c->len[QPG_C_META], "r");
		quarry_reader *mr = NULL;

		if (m == NULL || quarry_reader_new(&mr, m, "meta") != 0 ||
		    quarry_reader_next(mr, &meta) != 1)
			abort();
		quarry_reader_free(mr);
		fclose(m);
	}
	if (!json_is_object(meta) || json_object_get(meta, "embedding") ||
	    json_object_get(meta, "id") || json_object_get(meta, "seq"))
		abort();
	json_decref(meta);
	/* The vector literal reads back as the float32 values. */
	emb = json_object_get(rec, "embedding");
	{
		const char *p = c->buf.data + c->off[QPG_C_EMBEDDING];
		size_t k;

		if (*p++ != '[' || json_array_size(emb) != c->dims)
			abort();
		for (k = 0; k < c->dims; k++) {
			char *endp;
			float f = strtof(p, &endp);

			if (endp == p || f != (float)json_number_value(
			    json_array_get(emb, k)))
				abort();
			p = endp;
			if (*p++ != (k + 1 == c->dims ? ']' : ','))
				abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *in = fmemopen((void *)data, size, "r");
	struct qpg_change c = { 0 };
	quarry_reader *r = NULL;
	json_t *rec;
	char err[256];
	int rc;

	if (size > 0)
		qpg_date_form((const char *)data, size);
	if (in == NULL || quarry_reader_new(&r, in, "fuzz") != 0)
		goto out;
	quarry_reader_set_max_line(r, 1 << 16);
	while ((rc = quarry_reader_next(r, &rec)) != 0) {
		if (rc == QUARRY_EIO || rc == QUARRY_ENOMEM)
			break;
		if (rc < 0)
			continue;
		rc = qpg_change_parse(rec, &c, err, sizeof(err));
		if (rc == 0) {
			check_copy(&c);
			check_columns(rec, &c);
		} else if (rc == QUARRY_ENOMEM)
			abort();
		else if (err[0] == '\0')
			abort();
		json_decref(rec);
	}
out:
	qpg_change_free(&c);
	quarry_reader_free(r);
	if (in != NULL)
		fclose(in);
	return 0;
}
