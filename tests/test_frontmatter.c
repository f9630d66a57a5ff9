/*
 * test_frontmatter.c: YAML front matter read into record fields
 * (src/frontmatter.c): the YAML subset, normalisation of dates and
 * authors, reserved and existing fields, what is not front matter, and
 * what is not readable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "quarry.h"

static char warnings[2048];

static void
warn(void *arg, unsigned long line, const char *msg)
{
	size_t n = strlen(warnings);

	(void)arg;
	snprintf(warnings + n, sizeof(warnings) - n, "%lu: %s\n", line, msg);
}

/* Reads text's front matter into {"doc":"d"} and returns the record as
 * compact JSON, "|", and the text after it. */
static const char *
fm(const char *text, int want_rc)
{
	static char out[4096];
	json_t *rec = json_pack("{s:s}", "doc", "d");
	size_t end = 99;
	unsigned long line = 0;
	char *dump;

	warnings[0] = '\0';
	assert_int_equal(quarry_frontmatter_read(text, strlen(text), rec, &end,
	    warn, NULL, &line, NULL), want_rc);
	dump = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	snprintf(out, sizeof(out), "%s|%s", dump, text + end);
	free(dump);
	json_decref(rec);
	return out;
}

static void
test_basic(void **state)
{
	(void)state;
	assert_string_equal(fm("---\ntitle: Getting started\ndate: 2024-01-02\n"
	    "author: By Jane Doe\ntags: [a, \"b c\", d]\nversion: 1.10\n---\n"
	    "# Hello\n", 0),
	    "{\"doc\":\"d\",\"title\":\"Getting started\",\"date\":\"2024-01-02\","
	    "\"author\":\"Jane Doe\",\"tags\":[\"a\",\"b c\",\"d\"],"
	    "\"version\":\"1.10\"}|# Hello\n");
	assert_string_equal(warnings, "");
}

static void
test_blocks(void **state)
{
	(void)state;
	assert_string_equal(fm("---\ntitle: 'it''s \"here\"'  # a comment\n"
	    "authors:\n  - Ann Lee\n  - Bob Ray\ncategories:\n- x\n- y\n"
	    "summary: |\n  line one\n  line two\n\nfolded: >-\n  a\n  b\n"
	    "params:\n  k: v\n  n: \"\\u00e9\\t\"\nupdated: 2023-03-05T10:00:00+01:00\n"
	    "# a comment\n\nempty:\nlist: []\n...\ntext\n", 0),
	    "{\"doc\":\"d\",\"title\":\"it's \\\"here\\\"\","
	    "\"author\":\"Ann Lee; Bob Ray\",\"categories\":[\"x\",\"y\"],"
	    "\"summary\":\"line one\\nline two\\n\",\"folded\":\"a b\","
	    "\"params\":{\"k\":\"v\",\"n\":\"\xc3\xa9\\t\"},"
	    "\"modified\":\"2023-03-05T09:00:00Z\",\"empty\":\"\",\"list\":[]}|text\n");
}

static void
test_fields(void **state)
{
	(void)state;
	/* Reserved fields are left out; a bad date is reported and left
	 * out; the record's own fields win; CRLF lines. */
	assert_string_equal(fm("---\r\ntitle: crlf\r\ndoc: other\r\n"
	    "date: not a date\r\n---\r\nbody\r\n", 0),
	    "{\"doc\":\"d\",\"title\":\"crlf\"}|body\r\n");
	assert_string_equal(warnings,
	    "3: front matter field \"doc\" is reserved; left out\n"
	    "4: front matter date: not a date; left out\n");
	/* The first of date and published wins. */
	assert_string_equal(fm("---\npublished: 2020-02-03\ndate: 2021-01-01\n---\n", 0),
	    "{\"doc\":\"d\",\"date\":\"2020-02-03\"}|");
}

static void
test_not_front_matter(void **state)
{
	(void)state;
	/* A thematic break, no closing line: the text as it is. */
	assert_string_equal(fm("---\n\nSome text.\n", 0),
	    "{\"doc\":\"d\"}|---\n\nSome text.\n");
	assert_string_equal(fm("----\ntitle: x\n---\n", 0),
	    "{\"doc\":\"d\"}|----\ntitle: x\n---\n");
	assert_string_equal(fm("Text\n---\ntitle: x\n---\n", 0),
	    "{\"doc\":\"d\"}|Text\n---\ntitle: x\n---\n");
	assert_string_equal(fm("", 0), "{\"doc\":\"d\"}|");
	/* An empty front matter is dropped all the same. */
	assert_string_equal(fm("---\n---\nx", 0), "{\"doc\":\"d\"}|x");
}

static void
test_unreadable(void **state)
{
	(void)state;
	/* Beyond the subset: the text is kept, the record untouched, the
	 * line reported. */
	assert_string_equal(fm("---\ntitle: x\n  bad: indentation\n---\nt", QUARRY_EFORMAT),
	    "{\"doc\":\"d\"}|---\ntitle: x\n  bad: indentation\n---\nt");
	assert_string_equal(warnings, "3: front matter not read: unexpected "
	    "indentation; kept as text\n");
	assert_string_equal(fm("---\nkey: &anchor value\n---\n", QUARRY_EFORMAT),
	    "{\"doc\":\"d\"}|---\nkey: &anchor value\n---\n");
	assert_string_equal(fm("---\njust a line\n---\n", QUARRY_EFORMAT),
	    "{\"doc\":\"d\"}|---\njust a line\n---\n");
	assert_string_equal(fm("---\na: 1\na: 2\n---\n", QUARRY_EFORMAT),
	    "{\"doc\":\"d\"}|---\na: 1\na: 2\n---\n");
	assert_string_equal(fm("---\na: \"open\n---\n", QUARRY_EFORMAT),
	    "{\"doc\":\"d\"}|---\na: \"open\n---\n");
	assert_string_equal(fm("---\na: \"\\u0000\"\n---\n", QUARRY_EFORMAT),
	    "{\"doc\":\"d\"}|---\na: \"\\u0000\"\n---\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_not_front_matter),
		cmocka_unit_test(test_unreadable),
	};

	return cmocka_run_group_tests_name("frontmatter", tests, NULL, NULL);
}
