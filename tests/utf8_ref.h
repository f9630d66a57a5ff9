/*
 * utf8_ref.h: a plain reference UTF-8 validator for the tests that check
 * libquarry's fast one (tests/test_text.c, tests/fuzz/fuzz_utf8.c).  It is
 * written differently on purpose: it decodes every sequence to its code
 * point and checks the range, where quarry_utf8_validate() checks lead and
 * second bytes against Unicode's table of well-formed sequences.
 */
#ifndef QUARRY_UTF8_REF_H
#define QUARRY_UTF8_REF_H

#include <stddef.h>
#include <stdint.h>

/* The offset of the first ill-formed sequence of s[0..len), or len. */
static size_t
ref_utf8_bad(const unsigned char *s, size_t len)
{
	size_t i = 0, need, k;
	uint32_t cp, min;

	while (i < len) {
		unsigned c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0) {
			need = 1;
			cp = c & 0x1F;
			min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			need = 2;
			cp = c & 0x0F;
			min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			need = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else
			return i;
		if (len - i < need + 1)
			return i;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return i;
		i += need + 1;
	}
	return len;
}

/* The number of code points, counting every byte that is not 10xxxxxx. */
static size_t
ref_utf8_count(const unsigned char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += (s[i] & 0xC0) != 0x80;
	return n;
}

/* JSON string escaping as quarry_buf_json_string() documents it, one byte
 * at a time: out needs 6 * len + 2 bytes; returns the length written. */
static size_t
ref_json_string(const unsigned char *s, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	out[o++] = '"';
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c == '\t') {
			out[o++] = '\\';
			out[o++] = 't';
		} else if (c == '\r') {
			out[o++] = '\\';
			out[o++] = 'r';
		} else if (c == '\b') {
			out[o++] = '\\';
			out[o++] = 'b';
		} else if (c == '\f') {
			out[o++] = '\\';
			out[o++] = 'f';
		} else if (c < 0x20) {
			out[o++] = '\\';
			out[o++] = 'u';
			out[o++] = '0';
			out[o++] = '0';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else
			out[o++] = (char)c;
	}
	out[o++] = '"';
	return o;
}

#endif
