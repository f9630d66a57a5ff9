/*
 * test_text.c: cmocka tests of the UTF-8 helpers and content hashes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "quarry.h"

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

static void
test_count(void **state)
{
	const char *s = "na\xc3\xafve \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80!";

	(void)state;
	assert_int_equal(quarry_utf8_count(s, strlen(s)), 11);
	assert_int_equal(quarry_utf8_count("", 0), 0);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_grapheme_floor),
		cmocka_unit_test(test_hash),
	};

	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
