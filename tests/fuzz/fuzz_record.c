/*
 * fuzz_record.c: libFuzzer target for the JSON Lines reader and writer.
 * Every record read must write back as one line that reads back equal, and
 * read again with its text taken out (through a stream, or where it lies),
 * give the same record, line and text, and
 * spans of the text written back from the input must decode to the text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* put_text()'s span [off, off+n) must decode to exactly those bytes. */
static void
check_span(quarry_reader *r, const char *text, size_t off, size_t n)
{
	struct quarry_buf b = { 0 };
	json_error_t e;
	json_t *v;

	if (quarry_reader_put_text(r, &b, off, n) != 0)
		abort();
	v = json_loadb(b.data, b.len, JSON_DECODE_ANY, &e);
	if (v == NULL || json_string_length(v) != n ||
	    memcmp(json_string_value(v), text + off, n) != 0)
		abort();
	json_decref(v);
	quarry_buf_free(&b);
}

/*
 * Reads the input again taking "text" out of each record: the same
 * records, the same text, and chunks of it written back from the input.
 */
static void
check_take(const uint8_t *data, size_t size)
{
	FILE *in = fmemopen((void *)data, size, "r");
	FILE *in2 = fmemopen((void *)data, size, "r");
	quarry_reader *r = NULL, *rt = NULL;
	json_t *rec, *rect;
	const char *text;
	size_t len;
	int rc, rct;

	/* The taking reader reads the lines where they lie for inputs with
	 * an odd first byte (quarry_reader_new_mem(), as quarry-chunk reads a
	 * block), through a stream for the others. */
	if (in == NULL || in2 == NULL || quarry_reader_new(&r, in, "a") != 0 ||
	    (size > 0 && (data[0] & 1) ? quarry_reader_new_mem(&rt,
	    (const char *)data, size, "b", 0) :
	    quarry_reader_new(&rt, in2, "b")) != 0)
		goto out;
	quarry_reader_set_max_line(r, 1 << 16);
	quarry_reader_set_max_line(rt, 1 << 16);
	for (;;) {
		rc = quarry_reader_next(r, &rec);
		rct = quarry_reader_next_take(rt, &rect, "text", &text, &len);
		if (rc != rct ||
		    quarry_reader_line(r) != quarry_reader_line(rt))
			abort();
		if (rc == 0 || rc == QUARRY_EIO || rc == QUARRY_ENOMEM)
			break;
		if (rc < 0)
			continue;
		if (json_is_string(json_object_get(rec, "text"))) {
			json_t *t = json_object_get(rec, "text");
			size_t k, step;

			if (text == NULL || len != json_string_length(t) ||
			    memcmp(text, json_string_value(t), len) != 0 ||
			    text[len] != '\0')
				abort();
			json_object_del(rec, "text");
			/* Spans that start and end at characters. */
			step = len / 7 + 1;
			for (k = 0; k <= len; k += step) {
				size_t a = k, e;

				while (a < len && ((unsigned char)text[a] & 0xC0) == 0x80)
					a++;
				e = a + (len - a) / 2;
				while (e < len && ((unsigned char)text[e] & 0xC0) == 0x80)
					e++;
				check_span(rt, text, a, e - a);
				check_span(rt, text, a, len - a);
			}
		} else if (text != NULL)
			abort();
		if (!json_equal(rec, rect))
			abort();
		json_decref(rec);
		json_decref(rect);
	}
out:
	quarry_reader_free(r);
	quarry_reader_free(rt);
	if (in != NULL)
		fclose(in);
	if (in2 != NULL)
		fclose(in2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *in = fmemopen((void *)data, size, "r");
	quarry_reader *r;
	json_t *rec;
	int rc;

	if (in == NULL)
		return 0;
	if (quarry_reader_new(&r, in, "fuzz") != 0) {
		fclose(in);
		return 0;
	}
	quarry_reader_set_max_line(r, 1 << 16);
	while ((rc = quarry_reader_next(r, &rec)) != 0) {
		char *buf = NULL;
		size_t len = 0;
		FILE *out;
		quarry_reader *r2;
		json_t *back = NULL;

		if (rc < 0) {
			if (rc == QUARRY_EIO || rc == QUARRY_ENOMEM)
				break;
			continue;
		}
		out = open_memstream(&buf, &len);
		if (quarry_record_write(out, rec) != 0)
			abort();
		fclose(out);
		if (memchr(buf, '\n', len) != buf + len - 1)
			abort();
		out = fmemopen(buf, len, "r");
		quarry_reader_new(&r2, out, "again");
		if (quarry_reader_next(r2, &back) != 1 || !json_equal(rec, back))
			abort();
		json_decref(back);
		quarry_reader_free(r2);
		fclose(out);
		free(buf);
		json_decref(rec);
	}
	quarry_reader_free(r);
	fclose(in);
	check_take(data, size);
	return 0;
}
