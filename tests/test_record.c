/*
 * test_record.c: cmocka tests of the JSON Lines reader and writer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/mman.h>

#include "quarry.h"

/*
 * Reads all records of input; returns the codes and lines seen as text.
 * how: 0 through a stream, 1 where they lie (quarry_reader_new_mem()), 2
 * where they lie, as a part of an input (QUARRY_READ_PART).
 */
static char *
read_how(const char *input, size_t len, size_t max_line, int how)
{
	static char out[4096];
	FILE *fp = NULL;
	quarry_reader *r;
	json_t *rec;
	int rc;

	out[0] = '\0';
	if (how == 0) {
		assert_non_null(fp = fmemopen((void *)input, len, "r"));
		assert_int_equal(quarry_reader_new(&r, fp, "in.jsonl"), 0);
	} else
		assert_int_equal(quarry_reader_new_mem(&r, input, len,
		    "in.jsonl", how == 2 ? QUARRY_READ_PART : 0), 0);
	if (max_line)
		quarry_reader_set_max_line(r, max_line);
	while ((rc = quarry_reader_next(r, &rec)) != 0) {
		char line[512];

		if (rc == 1) {
			char *s = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
			snprintf(line, sizeof(line), "%lu:%s\n",
			    quarry_reader_line(r), s);
			free(s);
			json_decref(rec);
		} else
			snprintf(line, sizeof(line), "%lu:E%d:%s\n",
			    quarry_reader_line(r), -rc, quarry_reader_error(r));
		strcat(out, line);
	}
	quarry_reader_free(r);
	if (fp != NULL)
		fclose(fp);
	return out;
}

/* Reads input through a stream, and checks that reading it where it lies
 * gives the same. */
static char *
read_all(const char *input, size_t len, size_t max_line)
{
	static char mem[4096];

	strcpy(mem, read_how(input, len, max_line, 1));
	assert_string_equal(read_how(input, len, max_line, 0), mem);
	return read_how(input, len, max_line, 0);
}

static void
test_read_lines(void **state)
{
	const char in[] = "{\"a\":1}\n\n  \n{\"b\":\"x\"}\r\n{\"c\":true}";

	(void)state;
	assert_string_equal(read_all(in, sizeof(in) - 1, 0),
	    "1:{\"a\":1}\n4:{\"b\":\"x\"}\n5:{\"c\":true}\n");
}

static void
test_read_faults(void **state)
{
	const char in[] = "{\"a\":1\n[1,2]\n{\"a\":1,\"a\":2}\n{\"t\":\"\xff\"}\n{\"ok\":1}\n";

	(void)state;
	assert_string_equal(read_all(in, sizeof(in) - 1, 0),
	    "1:E3:malformed JSON at byte 6: '}' expected near end of file\n"
	    "2:E7:record is not a JSON object\n"
	    "3:E3:malformed JSON at byte 10: duplicate object key near '\"a\"'\n"
	    "4:E4:invalid UTF-8 at byte 7\n"
	    "5:{\"ok\":1}\n");
}

static void
test_read_long_line(void **state)
{
	char in[300];

	(void)state;
	memset(in, ' ', sizeof(in));
	memcpy(in, "{\"x\":1}", 7);
	in[200] = '\n';
	memcpy(in + 201, "{\"y\":2}\n", 8);
	assert_string_equal(read_all(in, 209, 100),
	    "1:E6:line longer than 100 bytes\n2:{\"y\":2}\n");
	/* The same line is fine under the default limit. */
	assert_string_equal(read_all(in, 209, 0),
	    "1:{\"x\":1}\n2:{\"y\":2}\n");
}

static void
test_read_bom(void **state)
{
	const char in[] = "\xEF\xBB\xBF{\"a\":1}\n{\"b\":2}\n";

	(void)state;
	assert_string_equal(read_all(in, sizeof(in) - 1, 0),
	    "1:E7:byte order mark at start of input (records are UTF-8 without BOM)\n"
	    "2:{\"b\":2}\n");
}

/*
 * A part of an input (a block of its lines read by another thread) has no
 * start of input: a byte order mark there is a fault of the record's
 * JSON, as a stream reader reports it on any line but the first.
 */
static void
test_read_part(void **state)
{
	const char in[] = "\xEF\xBB\xBF{\"a\":1}\n{\"b\":2}\n";
	const char later[] = "{\"a\":1}\n\xEF\xBB\xBF{\"b\":2}\n";
	char want[4096];

	(void)state;
	strcpy(want, read_all(later, sizeof(later) - 1, 0));
	assert_string_equal(want, "1:{\"a\":1}\n"
	    "2:E3:malformed JSON at byte 3: '[' or '{' expected near "
	    "'\xEF\xBB\xBF'\n");
	assert_string_equal(read_how(in, sizeof(in) - 1, 0, 2),
	    "1:E3:malformed JSON at byte 3: '[' or '{' expected near "
	    "'\xEF\xBB\xBF'\n"
	    "2:{\"b\":2}\n");
}

/*
 * Reading where the records lie never writes there: read-only pages hold
 * a small record and one whose text is too large to decode beside it
 * (over 16 MiB, decoded where it lies by a stream reader).
 */
static void
test_read_mem_readonly(void **state)
{
	const char unit[] = "ab\\ncd\\\"e\\u00e9 fgh";
	const char dec[] = "ab\ncd\"e\xc3\xa9 fgh";
	size_t reps = (17u << 20) / (sizeof(unit) - 1), k, len;
	size_t cap = reps * (sizeof(unit) - 1) + 4096;
	char *in, *p;
	quarry_reader *r;
	const char *text;
	json_t *rec;

	(void)state;
	in = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	assert_true(in != MAP_FAILED);
	p = in + sprintf(in, "{\"text\":\"x\\ny\",\"n\":1}\n{\"text\":\"");
	for (k = 0; k < reps; k++, p += sizeof(unit) - 1)
		memcpy(p, unit, sizeof(unit) - 1);
	p += sprintf(p, "\",\"a\":2}\n");
	assert_int_equal(mprotect(in, cap, PROT_READ), 0);
	assert_int_equal(quarry_reader_new_mem(&r, in, (size_t)(p - in), "ro",
	    0), 0);
	assert_int_equal(quarry_reader_next_take(r, &rec, "text", &text,
	    &len), 1);
	assert_int_equal(len, 3);
	assert_string_equal(text, "x\ny");
	json_decref(rec);
	assert_int_equal(quarry_reader_next_take(r, &rec, "text", &text,
	    &len), 1);
	assert_int_equal(quarry_reader_line(r), 2);
	assert_int_equal(len, reps * (sizeof(dec) - 1));
	for (k = 0; k < reps; k++)
		if (memcmp(text + k * (sizeof(dec) - 1), dec,
		    sizeof(dec) - 1) != 0)
			fail_msg("text differs in unit %zu", k);
	assert_int_equal(text[len], '\0');
	assert_int_equal(json_integer_value(json_object_get(rec, "a")), 2);
	json_decref(rec);
	assert_int_equal(quarry_reader_next_take(r, &rec, "text", &text,
	    &len), 0);
	/* At the end, the line count is the input's. */
	assert_int_equal(quarry_reader_line(r), 2);
	quarry_reader_free(r);
	munmap(in, cap);
}

/*
 * quarry_reader_next_take() decodes the text; quarry_reader_put_text()
 * gives back any span of it, at character boundaries, as JSON that decodes
 * to exactly that span (copied from the input), and elsewhere as
 * quarry_buf_json_string() writes it.
 */
static void
test_take_put_text(void **state)
{
	const char in[] = "{\"doc\":\"d\",\"text\":\"a\\\"b\\\\c\\nd\\u00e9e"
	    "\\ud83d\\ude00f\\/g\\tplain text long enough for the copies of sixteen"
	    " bytes\\u2028z\\r\",\"n\":[1,{\"x\":null}]}\n";
	const char want[] = "a\"b\\c\nd\xc3\xa9" "e\xf0\x9f\x98\x80" "f/g\tplain "
	    "text long enough for the copies of sixteen bytes\xe2\x80\xa8z\r";
	FILE *fp = fmemopen((void *)in, sizeof(in) - 1, "r");
	quarry_reader *r;
	json_t *rec;
	const char *text;
	size_t len, off, n;
	struct quarry_buf b = { 0 }, ref = { 0 };
	char *s;

	(void)state;
	assert_non_null(fp);
	assert_int_equal(quarry_reader_new(&r, fp, "in.jsonl"), 0);
	assert_int_equal(quarry_reader_next_take(r, &rec, "text", &text, &len), 1);
	assert_int_equal(len, sizeof(want) - 1);
	assert_memory_equal(text, want, len);
	assert_int_equal(text[len], '\0');
	s = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"doc\":\"d\",\"n\":[1,{\"x\":null}]}");
	free(s);
	for (off = 0; off <= len; off++)
		for (n = 0; off + n <= len; n++) {
			json_error_t e;
			json_t *v;

			b.len = ref.len = 0;
			assert_int_equal(quarry_reader_put_text(r, &b, off, n), 0);
			if (((unsigned char)text[off] & 0xC0) == 0x80 ||
			    ((unsigned char)text[off + n] & 0xC0) == 0x80) {
				assert_int_equal(quarry_buf_json_string(&ref,
				    text + off, n), 0);
				assert_int_equal(b.len, ref.len);
				assert_memory_equal(b.data, ref.data, b.len);
				continue;
			}
			v = json_loadb(b.data, b.len, JSON_DECODE_ANY, &e);
			assert_non_null(v);
			assert_int_equal(json_string_length(v), n);
			assert_memory_equal(json_string_value(v), text + off, n);
			json_decref(v);
		}
	/* The input's escapes are kept: "\u00e9", not the raw bytes. */
	b.len = 0;
	assert_int_equal(quarry_reader_put_text(r, &b, 7, 3), 0);
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.data, "\"\\u00e9e\"", 9);
	json_decref(rec);
	quarry_buf_free(&b);
	quarry_buf_free(&ref);
	quarry_reader_free(r);
	fclose(fp);
}

/*
 * Text of short lines, as in a manual page: a "\\n" every 20 bytes or
 * so, two or three in a step of 32, decoded a step at a time (AVX2), with a
 * quote or backslash escape in some lines.  Every span put back must decode
 * to the same span of the text: the escapes' positions are right.
 */
static void
test_take_put_lines(void **state)
{
	char in[4096], want[4096], *p = in, *w = want;
	quarry_reader *r;
	json_t *rec, *v;
	const char *text;
	size_t len, off, n, k;
	struct quarry_buf b = { 0 };
	FILE *fp;
	static const size_t lens[] = { 1, 2, 7, 19, 33, 64, 100, 500 };

	(void)state;
	p += sprintf(p, "{\"doc\":\"d\",\"text\":\"");
	for (k = 0; k < 60; k++) {
		const char *q = k % 7 == 3 ? "\\\"" : k % 11 == 5 ? "\\\\" : "";

		p += sprintf(p, "%*sline %zu%s of it\\n", (int)(k % 9), "", k, q);
		w += sprintf(w, "%*sline %zu%s of it\n", (int)(k % 9), "", k,
		    *q == '\0' ? "" : q + 1);
	}
	p += sprintf(p, "\"}\n");
	assert_non_null(fp = fmemopen(in, (size_t)(p - in), "r"));
	assert_int_equal(quarry_reader_new(&r, fp, "in.jsonl"), 0);
	assert_int_equal(quarry_reader_next_take(r, &rec, "text", &text, &len), 1);
	assert_int_equal(len, (size_t)(w - want));
	assert_memory_equal(text, want, len);
	for (off = 0; off < len; off++)
		for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			n = off + lens[k] <= len ? lens[k] : len - off;
			b.len = 0;
			assert_int_equal(quarry_reader_put_text(r, &b, off, n), 0);
			assert_non_null(v = json_loadb(b.data, b.len,
			    JSON_DECODE_ANY, NULL));
			assert_int_equal(json_string_length(v), n);
			assert_memory_equal(json_string_value(v), text + off, n);
			json_decref(v);
		}
	json_decref(rec);
	quarry_buf_free(&b);
	quarry_reader_free(r);
	fclose(fp);
}

/* A text over 16 MB is decoded where it lies; put_text() still works. */
static void
test_take_huge(void **state)
{
	const char unit[] = "ab\\ncd\\\"e\\u00e9\\ud83d\\ude00 fgh\\t";
	const char dec[] = "ab\ncd\"e\xc3\xa9\xf0\x9f\x98\x80 fgh\t";
	size_t reps = (17u << 20) / (sizeof(unit) - 1), k, len;
	size_t ilen = reps * (sizeof(unit) - 1) + 32;
	char *in = malloc(ilen), *p = in;
	struct quarry_buf b = { 0 };
	quarry_reader *r;
	const char *text;
	json_t *rec, *v;
	FILE *fp;

	(void)state;
	assert_non_null(in);
	p += sprintf(p, "{\"text\":\"");
	for (k = 0; k < reps; k++, p += sizeof(unit) - 1)
		memcpy(p, unit, sizeof(unit) - 1);
	p += sprintf(p, "\",\"a\":1}\n");
	assert_non_null(fp = fmemopen(in, (size_t)(p - in), "r"));
	assert_int_equal(quarry_reader_new(&r, fp, "in.jsonl"), 0);
	assert_int_equal(quarry_reader_next_take(r, &rec, "text", &text, &len), 1);
	assert_int_equal(len, reps * (sizeof(dec) - 1));
	for (k = 0; k < reps; k++)
		if (memcmp(text + k * (sizeof(dec) - 1), dec, sizeof(dec) - 1) != 0)
			fail_msg("text differs in unit %zu", k);
	assert_int_equal(text[len], '\0');
	assert_int_equal(json_integer_value(json_object_get(rec, "a")), 1);
	assert_int_equal(quarry_reader_put_text(r, &b, sizeof(dec) - 1,
	    sizeof(dec) - 1), 0);
	assert_non_null(v = json_loadb(b.data, b.len, JSON_DECODE_ANY, NULL));
	assert_string_equal(json_string_value(v), dec);
	json_decref(v);
	assert_int_equal(quarry_reader_put_text(r, &b, len, 1), QUARRY_EINVAL);
	json_decref(rec);
	quarry_buf_free(&b);
	quarry_reader_free(r);
	fclose(fp);
	free(in);
}

static void
test_write(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	json_t *rec = json_pack("{s:s, s:i, s:f, s:[f,f], s:n, s:b, s:{s:[]}}",
	    "text", "a\"b\\c\n\t\x01 é €", "n", 42, "score", 0.1,
	    "embedding", (double)0.1f, 1.0, "x", "t", 1, "o", "e");

	(void)state;
	assert_int_equal(quarry_record_write(fp, rec), 0);
	fclose(fp);
	assert_string_equal(buf,
	    "{\"text\":\"a\\\"b\\\\c\\n\\t\\u0001 é €\",\"n\":42,"
	    "\"score\":0.1,\"embedding\":[0.100000001,1.0],"
	    "\"x\":null,\"t\":true,\"o\":{\"e\":[]}}\n");
	/* float32 values survive a round trip through %.9g and strtof. */
	assert_true(strtof("0.100000001", NULL) == 0.1f);
	free(buf);
	json_decref(rec);
}

/* Reads one record and writes it back with quarry_record_write(). */
static char *
round_trip(const char *line)
{
	static char out[2048];
	FILE *fp = fmemopen((void *)line, strlen(line), "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	quarry_reader *r;
	json_t *rec;

	assert_non_null(fp);
	assert_int_equal(quarry_reader_new(&r, fp, "in"), 0);
	assert_int_equal(quarry_reader_next(r, &rec), 1);
	assert_int_equal(quarry_record_write(mem, rec), 0);
	fclose(mem);
	snprintf(out, sizeof(out), "%s", buf);
	free(buf);
	json_decref(rec);
	quarry_reader_free(r);
	fclose(fp);
	return out;
}

/* Numbers in fields are copied as they were read (quarry(7)). */
static void
test_numbers_as_read(void **state)
{
	const char *in = "{\"a\":[0.1,1e-400,-1E400,123456789012345678901234567890,"
	    "-9223372036854775808,9223372036854775807,1.50,1E3,"
	    "0.30000000000000004,2.5e-7,{\"x\":-0.0}],\"b\":3.14159265358979323846}\n";
	FILE *fp;
	quarry_reader *r;
	json_t *rec, *a;

	(void)state;
	assert_string_equal(round_trip(in), in);
	/* Either side of the plain forms the reader knows the writer keeps
	 * without formatting them (plain_shortest()): each is written as
	 * read, whichever way it is told. */
	{
		const char *edge = "{\"p\":[0.0,-0.0,100.0,0.0001,0.00001,"
		    "-0.012345679,123456789012345.0,1234567890123456.0,"
		    "99999999999999.9,999999999999999.9,0.10,5.0e0,"
		    "0.00012345678901234,0.000123456789012345,"
		    "123456789012345,1.5,-7.25]}\n";

		assert_string_equal(round_trip(edge), edge);
	}
	/* Programs that read them get the nearest values. */
	assert_non_null(fp = fmemopen((void *)in, strlen(in), "r"));
	assert_int_equal(quarry_reader_new(&r, fp, "in"), 0);
	assert_int_equal(quarry_reader_next(r, &rec), 1);
	a = json_object_get(rec, "a");
	assert_true(json_real_value(json_array_get(a, 0)) == 0.1);
	assert_true(json_real_value(json_array_get(a, 1)) == 0.0);
	assert_true(json_real_value(json_array_get(a, 2)) == -DBL_MAX);
	assert_true(json_real_value(json_array_get(a, 3)) > 1.2e29);
	assert_int_equal(json_integer_value(json_array_get(a, 4)), INT64_MIN);
	assert_int_equal(json_integer_value(json_array_get(a, 5)), INT64_MAX);
	/* A value set since is written as it is now. */
	json_real_set(json_array_get(a, 6), 2.25);
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&buf, &len);
		json_t *o = json_pack("{s:O}", "v", json_array_get(a, 6));

		assert_int_equal(quarry_record_write(mem, o), 0);
		json_decref(o);
		fclose(mem);
		assert_string_equal(buf, "{\"v\":2.25}\n");
		free(buf);
	}
	json_decref(rec);
	quarry_reader_free(r);
	fclose(fp);
	/* Not numbers: refused as JSON is. */
	assert_string_equal(read_all("{\"n\":01}\n{\"n\":1.}\n{\"n\":-}\n"
	    "{\"n\":[1,]}\n{\"n\":.5}\n{\"n\":1e}\n", 54, 0),
	    "1:E3:malformed JSON at byte 6: invalid token near '0'\n"
	    "2:E3:malformed JSON at byte 7: invalid token near '1.'\n"
	    "3:E3:malformed JSON at byte 6: invalid token near '-'\n"
	    "4:E3:malformed JSON at byte 9: unexpected token near ']'\n"
	    "5:E3:malformed JSON at byte 6: invalid token near '.'\n"
	    "6:E3:malformed JSON at byte 7: invalid token near '1e'\n");
}

static void
test_record_string(void **state)
{
	json_t *rec = json_pack("{s:s, s:i}", "doc", "a.txt", "n", 1);
	size_t len = 0;

	(void)state;
	assert_string_equal(quarry_record_string(rec, "doc", &len), "a.txt");
	assert_int_equal(len, 5);
	assert_null(quarry_record_string(rec, "n", NULL));
	assert_null(quarry_record_string(rec, "missing", NULL));
	json_decref(rec);
}

/* The quarry_buf contract (quarry.h): NUL-terminated, sticky failures. */
/* JSON string escapes as quarry(7) gives them, one byte at a time. */
static size_t
ref_escape(char *o, const unsigned char *s, size_t len)
{
	size_t i, n = 0;

	o[n++] = '"';
	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '"': n += (size_t)sprintf(o + n, "\\\""); break;
		case '\\': n += (size_t)sprintf(o + n, "\\\\"); break;
		case '\n': n += (size_t)sprintf(o + n, "\\n"); break;
		case '\t': n += (size_t)sprintf(o + n, "\\t"); break;
		case '\r': n += (size_t)sprintf(o + n, "\\r"); break;
		case '\b': n += (size_t)sprintf(o + n, "\\b"); break;
		case '\f': n += (size_t)sprintf(o + n, "\\f"); break;
		default:
			if (s[i] < 0x20)
				n += (size_t)sprintf(o + n, "\\u%04x", s[i]);
			else
				o[n++] = (char)s[i];
		}
	}
	o[n++] = '"';
	o[n] = '\0';
	return n;
}

/*
 * Strings long enough for the wide (AVX2) steps, with the bytes JSON
 * escapes at every distance from each other and from both ends: written
 * (quarry_buf_json_string()) as escaped one byte at a time, and read back
 * (quarry_reader_next_take()) as they were.
 */
static void
test_strings_wide(void **state)
{
	static const unsigned char odd[] = { '"', '\\', '\n', '\t', 1, 0x1f };
	unsigned char s[1200];
	char *want = malloc(sizeof(s) * 6 + 64), *line;
	struct quarry_buf b = { 0 };
	unsigned seed = 7;
	size_t len, i, k, n;

	(void)state;
	assert_non_null(want);
	assert_non_null(line = malloc(sizeof(s) * 6 + 64));
	for (k = 0; k < 3000; k++) {
		quarry_reader *r;
		const char *text;
		size_t tlen;
		json_t *rec;
		unsigned gap;

		len = k % 7 == 0 ? sizeof(s) - 2 : 200 + k % 900;
		gap = 1 + k % 97;
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			s[i] = (unsigned char)('a' + (seed >> 16) % 26);
			if ((seed >> 8) % gap == 0) {
				s[i] = odd[(seed >> 20) % 6];
				if ((seed >> 4) % 9 == 0 && i + 1 < len) {
					s[i] = 0xc3;	/* U+00E9 */
					s[++i] = 0xa9;
				}
			}
		}
		b.len = 0;
		assert_int_equal(quarry_buf_json_string(&b, (const char *)s,
		    len), 0);
		n = ref_escape(want, s, len);
		assert_int_equal(b.len, n);
		assert_memory_equal(b.data, want, n);
		/* Read back, with the text taken. */
		n = (size_t)sprintf(line, "{\"text\":%s}\n", want);
		assert_int_equal(quarry_reader_new_mem(&r, line, n, "w", 0), 0);
		assert_int_equal(quarry_reader_next_take(r, &rec, "text",
		    &text, &tlen), 1);
		assert_int_equal(tlen, len);
		assert_memory_equal(text, s, len);
		json_decref(rec);
		quarry_reader_free(r);
	}
	quarry_buf_free(&b);
	free(line);
	free(want);
}

static void
test_buf_contract(void **state)
{
	struct quarry_buf b = { 0 };

	(void)state;
	assert_null(b.data);
	assert_int_equal(quarry_buf_append(&b, "", 0), 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	assert_int_equal(QUARRY_BUF_LIT(&b, "ab"), 0);
	assert_int_equal(b.len, 2);
	assert_int_equal(quarry_buf_json_string(&b, "c\"d\n", 4), 0);
	assert_string_equal(b.data, "ab\"c\\\"d\\n\"");
	quarry_buf_truncate(&b, 1);
	assert_int_equal(b.len, 1);
	assert_string_equal(b.data, "a");
	assert_int_equal(quarry_buf_reserve(&b, 10), 0);
	assert_true(b.cap >= b.len + 10 + 1);

	/* A failure sticks until checked; the buffer keeps what it had. */
	assert_int_equal(quarry_buf_reserve(&b, SIZE_MAX - 1), QUARRY_ENOMEM);
	assert_int_equal(b.err, QUARRY_ENOMEM);
	assert_int_equal(QUARRY_BUF_LIT(&b, "zz"), QUARRY_ENOMEM);
	assert_int_equal(quarry_buf_json_string(&b, "q", 1), QUARRY_ENOMEM);
	assert_int_equal(quarry_buf_reserve(&b, 1), QUARRY_ENOMEM);
	assert_string_equal(b.data, "a");
	assert_int_equal(quarry_buf_check(&b), QUARRY_ENOMEM);
	assert_int_equal(quarry_buf_check(&b), 0);
	assert_int_equal(QUARRY_BUF_LIT(&b, "b"), 0);
	assert_string_equal(b.data, "ab");
	/* A huge string is refused before its size is computed. */
	assert_int_equal(quarry_buf_json_string(&b, "x", SIZE_MAX / 4),
	    QUARRY_ENOMEM);
	assert_int_equal(quarry_buf_check(&b), QUARRY_ENOMEM);
	assert_string_equal(b.data, "ab");
	quarry_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len + b.cap + (size_t)b.err, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_lines),
		cmocka_unit_test(test_read_faults),
		cmocka_unit_test(test_read_long_line),
		cmocka_unit_test(test_read_bom),
		cmocka_unit_test(test_take_put_text),
		cmocka_unit_test(test_take_put_lines),
		cmocka_unit_test(test_take_huge),
		cmocka_unit_test(test_read_part),
		cmocka_unit_test(test_read_mem_readonly),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_numbers_as_read),
		cmocka_unit_test(test_record_string),
		cmocka_unit_test(test_strings_wide),
		cmocka_unit_test(test_buf_contract),
	};

	return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}
