/*
 * test_text.c: cmocka tests of the UTF-8 helpers and content hashes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <utf8proc.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "quarry.h"
#include "text_private.h"
#include "utf8_ref.h"

static size_t
bad_at(const char *s)
{
	size_t bad = 9999;

	if (quarry_utf8_validate(s, strlen(s), &bad) == 0)
		return (size_t)-1;
	return bad;
}

static void
test_validate(void **state)
{
	(void)state;
	assert_int_equal(bad_at("plain ASCII text, long enough for words"), (size_t)-1);
	assert_int_equal(bad_at("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), (size_t)-1);
	assert_int_equal(bad_at("abc\xff"), 3);
	assert_int_equal(bad_at("ab\xc0\xaf"), 2);		/* overlong '/' */
	assert_int_equal(bad_at("0123456789\xe0\x80\xaf"), 10);	/* overlong */
	assert_int_equal(bad_at("x\xed\xa0\x80"), 1);		/* surrogate */
	assert_int_equal(bad_at("\xf4\x90\x80\x80"), 0);	/* > U+10FFFF */
	assert_int_equal(bad_at("ok\xe2\x82"), 2);		/* truncated */
	assert_int_equal(bad_at("\x80"), 0);			/* lone continuation */
}

/* A deterministic generator (xorshift64). */
static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* Checks the fast validator, counter and escaper against utf8_ref.h. */
static void
same_as_ref(const unsigned char *s, size_t len)
{
	static char got[6 * 600 + 64], want[6 * 600 + 64];
	struct quarry_buf b = { 0 };
	size_t bad = 12345, ref = ref_utf8_bad(s, len), n;
	int rc = quarry_utf8_validate((const char *)s, len, &bad);

	if (ref == len)
		assert_int_equal(rc, 0);
	else {
		assert_int_equal(rc, QUARRY_EUTF8);
		assert_int_equal(bad, ref);
	}
	assert_int_equal(quarry_utf8_count((const char *)s, len),
	    ref_utf8_count(s, len));
	assert_true(len <= 600);
	assert_int_equal(quarry_buf_json_string(&b, (const char *)s, len), 0);
	n = ref_json_string(s, len, want);
	assert_int_equal(b.len, n);
	memcpy(got, b.data, b.len);
	assert_memory_equal(got, want, n);
	quarry_buf_free(&b);
}

/* Sequences at the edges of well-formedness (Unicode table 3-7), valid
 * and not, complete and cut short. */
static const char *const edges[] = {
	"\x7f", "\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xc2\x80", "\xdf\xbf",
	"\xc2", "\xc2\x7f", "\xc2\xc0", "\xe0\x80\x80", "\xe0\x9f\xbf",
	"\xe0\xa0\x80", "\xe1\x80\x80", "\xec\xbf\xbf", "\xed\x80\x80",
	"\xed\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf", "\xee\x80\x80",
	"\xef\xbf\xbf", "\xef\xbf", "\xe2\x82", "\xe2\x28\xa1", "\xf0\x80\x80\x80",
	"\xf0\x8f\xbf\xbf", "\xf0\x90\x80\x80", "\xf3\xbf\xbf\xbf",
	"\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80",
	"\xfe", "\xff", "\xf0\x9f\x98", "\xf0\x9f", "\xf0", "\xe2\x82\xac",
	"\xf0\x9f\x98\x80", "\"", "\\", "\n", "\x01", "\x1f", "\x20",
};

/*
 * The SIMD paths look at 16 and 64 bytes at a time: every edge sequence at
 * every offset of a 64-byte block, in ASCII, at the end of the text (cut
 * short there) and after other multi-byte text.
 */
static void
test_validate_edges(void **state)
{
	unsigned char buf[300];
	size_t e, off, len, k;

	(void)state;
	for (e = 0; e < sizeof(edges) / sizeof(edges[0]); e++) {
		size_t el = strlen(edges[e]);

		/* 138 bytes of ASCII after it: the validator's steps of 128
		 * over ASCII too. */
		for (off = 0; off < 140; off++) {
			for (len = off + el; len <= off + el + 140 &&
			    len <= sizeof(buf); len += 69) {
				memset(buf, 'a', sizeof(buf));
				memcpy(buf + off, edges[e], el);
				same_as_ref(buf, len);
				/* Cut short: the sequence's first bytes only. */
				for (k = 1; k < el; k++)
					same_as_ref(buf, off + k);
				/* After a valid two-byte character. */
				if (off >= 2) {
					memcpy(buf + off - 2, "\xc3\xa9", 2);
					same_as_ref(buf, len);
				}
			}
		}
	}
}

/* Random texts: ASCII with some multi-byte characters, a few random
 * bytes, and runs of pure noise. */
static void
test_validate_random(void **state)
{
	static const char *const chars[] = {
		"a", " ", "\n", "e", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
		"\xd0\x96", "\xe6\x97\xa5", "\"", "\t",
	};
	unsigned char buf[600];
	unsigned round;

	(void)state;
	for (round = 0; round < 20000; round++) {
		size_t len = 0, want = rnd(round % 4 == 0 ? 600 : 130), k;
		unsigned mode = rnd(4);

		while (len < want) {
			const char *c = chars[rnd(mode == 0 ? 3 :
			    sizeof(chars) / sizeof(chars[0]))];
			size_t cl = strlen(c);

			if (len + cl > want)
				break;
			memcpy(buf + len, c, cl);
			len += cl;
		}
		if (mode == 2)	/* a few random bytes anywhere */
			for (k = rnd(3) + 1; k > 0 && len > 0; k--)
				buf[rnd((unsigned)len)] = (unsigned char)rnd(256);
		if (mode == 3)	/* noise */
			for (k = 0; k < len; k++)
				buf[k] = (unsigned char)(rnd(4) ? rnd(256) :
				    0x80 + rnd(64));
		same_as_ref(buf, len);
	}
}

/* quarry_utf8_decode() reads every sequence of up to four bytes as
 * utf8proc_iterate() does (its own fast path covers the well-formed). */
static void
test_decode_as_utf8proc(void **state)
{
	static const unsigned char tails[] = {
		0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0,
		0xE0, 0xFF,
	};
	unsigned char b[4];
	unsigned b0, b1, k2, k3;
	size_t len;

	(void)state;
	for (b0 = 0; b0 < 256; b0++)
		for (b1 = 0; b1 < 256; b1++)
			for (k2 = 0; k2 < sizeof(tails); k2++)
				for (k3 = 0; k3 < sizeof(tails); k3 += 3)
					for (len = 1; len <= 4; len++) {
						utf8proc_int32_t want;
						utf8proc_ssize_t n;
						int32_t got;
						size_t m;

						b[0] = (unsigned char)b0;
						b[1] = (unsigned char)b1;
						b[2] = tails[k2];
						b[3] = tails[k3];
						n = utf8proc_iterate(b,
						    (utf8proc_ssize_t)len, &want);
						m = quarry_utf8_decode((const char *)b,
						    len, 0, &got);
						if (n <= 0) {
							assert_int_equal(m, 1);
							assert_int_equal(got, 0xFFFD);
						} else {
							assert_int_equal(m, (size_t)n);
							assert_int_equal(got, want);
						}
					}
}

static void
test_count(void **state)
{
	const char *s = "na\xc3\xafve \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80!";

	(void)state;
	assert_int_equal(quarry_utf8_count(s, strlen(s)), 11);
	assert_int_equal(quarry_utf8_count("", 0), 0);
}

/* quarry_utf8_count() against a count a byte at a time: every length to
 * 300 and some far past 32 x 255 bytes (where the wide sums are taken),
 * every start offset modulo 32, one to four-byte characters. */
static void
test_count_long(void **state)
{
	static const char *const ch[] = { "a", "\xc3\xa9", "\xe6\x97\xa5",
	    "\xf0\x9f\x98\x80", " " };
	static char buf[20000];
	size_t n = 0, len, off, i, want;
	unsigned seed = 3;

	(void)state;
	while (n < sizeof(buf) - 4) {
		const char *c = ch[(seed = seed * 1103515245u + 12345u) >> 16 &
		    3 ? 0 : (seed >> 20) % 5];

		memcpy(buf + n, c, strlen(c));
		n += strlen(c);
	}
	for (off = 0; off < 32; off++)
		for (len = 0; off + len <= n; len += len < 300 ? 1 :
		    len < 9000 ? 997 : 4001) {
			for (i = off, want = 0; i < off + len; i++)
				want += ((unsigned char)buf[i] & 0xC0) != 0x80;
			assert_int_equal(quarry_utf8_count(buf + off, len), want);
		}
}

static void
test_decode(void **state)
{
	const char *s = "a\xc3\xa9\xe2\x82\xac";
	int32_t cp;

	(void)state;
	assert_int_equal(quarry_utf8_decode(s, 6, 0, &cp), 1);
	assert_int_equal(cp, 'a');
	assert_int_equal(quarry_utf8_decode(s, 6, 1, &cp), 2);
	assert_int_equal(cp, 0xE9);
	assert_int_equal(quarry_utf8_decode(s, 6, 3, &cp), 3);
	assert_int_equal(cp, 0x20AC);
}

static void
test_grapheme_floor(void **state)
{
	/* "e" + combining acute, then a family emoji (ZWJ sequence), then x. */
	const char *s = "ae\xcc\x81" "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9" "x";
	size_t len = strlen(s);

	(void)state;
	assert_int_equal(quarry_grapheme_floor(s, len, 1), 1);
	assert_int_equal(quarry_grapheme_floor(s, len, 2), 1);	/* inside é */
	assert_int_equal(quarry_grapheme_floor(s, len, 3), 1);
	assert_int_equal(quarry_grapheme_floor(s, len, 4), 4);
	assert_int_equal(quarry_grapheme_floor(s, len, 9), 4);	/* inside ZWJ seq */
	assert_int_equal(quarry_grapheme_floor(s, len, 15), 15);
	assert_int_equal(quarry_grapheme_floor(s, len, len), len);
}

/* quarry_grapheme_floor() at every byte of a text that mixes ASCII, CR LF,
 * CJK and kana (breaks it knows at once) with combining marks, a voiced
 * kana mark, Hangul jamo, regional indicators and an emoji ZWJ sequence:
 * the last break at or before it, as utf8proc finds them from the start. */
static void
test_grapheme_floor_all(void **state)
{
	const char *s = "ab\r\ncd\n\r"
	    "\xe4\xb8\xad\xe6\x96\x87x"		/* 中文x */
	    "\xe3\x81\x8b\xe3\x82\x99\xe3\x82\xab"	/* か + U+3099, カ */
	    "e\xcc\x81\xe4\xb8\xad\xcc\x81"	/* é, 中 + U+0301 */
	    "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8"	/* Hangul L V T */
	    "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7\xf0\x9f\x87\xa9"	/* RI x 3 */
	    "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9z"
	    "\xe0\xa4\x95\xe0\xa4\xbf"		/* क + vowel sign i */
	    "q\xe2\x80\x8d\xe6\x96\x87";		/* q ZWJ 文 */
	size_t len = strlen(s), i, pos, last;
	int brk[200];
	utf8proc_int32_t prev = -1, state2 = 0;

	(void)state;
	assert_true(len < sizeof(brk) / sizeof(brk[0]));
	memset(brk, 0, sizeof(brk));
	brk[0] = brk[len] = 1;
	for (i = 0; i < len;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
		    (utf8proc_ssize_t)(len - i), &cp);

		assert_true(n > 0);
		if (prev >= 0 && utf8proc_grapheme_break_stateful(prev, cp,
		    &state2))
			brk[i] = 1;
		prev = cp;
		i += (size_t)n;
	}
	for (pos = 0, last = 0; pos <= len; pos++) {
		if (brk[pos])
			last = pos;
		assert_int_equal(quarry_grapheme_floor(s, len, pos), last);
	}
}

static void
test_hash(void **state)
{
	char a[33], b[33];

	(void)state;
	quarry_hash_hex("hello", 5, a);
	quarry_hash_hex("hello", 5, b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 32);
	assert_int_equal(strspn(a, "0123456789abcdef"), 32);
	quarry_hash_hex("hellp", 5, b);
	assert_string_not_equal(a, b);
	/* XXH3-128 of the empty input, a published constant. */
	quarry_hash_hex("", 0, a);
	assert_string_equal(a, "99aa06d3014798d86001c324468d497f");
}

/* Long inputs, which quarry_hash_hex() may give libxxhash's dispatching
 * XXH3 (AVX2): the same hash as the inline, portable one. */
static void
test_hash_long(void **state)
{
	static char buf[5000];
	char a[33], b[33];
	size_t len, i;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(' ' + (i * 7919) % 95);
	for (len = 200; len <= sizeof(buf); len += len < 300 ? 1 : 97) {
		XXH128_canonical_t c;
		XXH128_hash_t h = XXH3_128bits(buf, len);

		XXH128_canonicalFromHash(&c, h);
		for (i = 0; i < 16; i++)
			snprintf(b + 2 * i, 3, "%02x", c.digest[i]);
		quarry_hash_hex(buf, len, a);
		assert_string_equal(a, b);
	}
}

/* text_clean(): no NUL and valid UTF-8, over the SIMD blocks, the tail
 * after them and the short texts that the scalar checks take. */
static void
test_clean(void **state)
{
	char buf[200];
	size_t len, at;

	(void)state;
	for (len = 0; len <= sizeof(buf); len += len < 70 ? 1 : 13) {
		memset(buf, 'a', len);
		assert_int_equal(text_clean(buf, len), 1);
		for (at = 0; at < len; at += at < 40 ? 1 : 7) {
			buf[at] = '\0';
			assert_int_equal(text_clean(buf, len), 0);
			buf[at] = (char)0xFF;
			assert_int_equal(text_clean(buf, len), 0);
			buf[at] = 'a';
		}
		if (len >= 2) {
			/* "é" ends the text, or is cut by its end. */
			memcpy(buf + len - 2, "\xc3\xa9", 2);
			assert_int_equal(text_clean(buf, len), 1);
			assert_int_equal(text_clean(buf, len - 1), 0);
			/* A NUL that only the length takes in. */
			buf[len - 1] = '\0';
			assert_int_equal(text_clean(buf, len - 1), 0);
			assert_int_equal(text_clean(buf, len - 2), 1);
			assert_int_equal(text_clean(buf, len), 0);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_validate_edges),
		cmocka_unit_test(test_validate_random),
		cmocka_unit_test(test_decode_as_utf8proc),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_count_long),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_grapheme_floor),
		cmocka_unit_test(test_grapheme_floor_all),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_hash_long),
		cmocka_unit_test(test_clean),
	};

	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
