/*
 * test_author.c: cmocka tests of quarry_author_normalize().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "quarry.h"

static const struct {
	const char *in;
	const char *want;	/* NULL: no author (QUARRY_ENOTFOUND) */
} cases[] = {
	/* Trimming and white space. */
	{ "John Smith", "John Smith" },
	{ "  John   Smith  ", "John Smith" },
	{ "John\tSmith\n", "John Smith" },
	{ "John\xC2\xA0Smith", "John Smith" },
	{ "\"John Smith\"", "John Smith" },
	{ "\xE2\x80\x9CJohn Smith\xE2\x80\x9D", "John Smith" },
	/* Leading "By" and friends. */
	{ "By John Smith", "John Smith" },
	{ "by: John Smith", "John Smith" },
	{ "BY JOHN SMITH", "JOHN SMITH" },
	{ "Von Hans Müller", "Hans Müller" },
	{ "Par Jean Dupont", "Jean Dupont" },
	{ "Por María García", "María García" },
	{ "Author: John Smith", "John Smith" },
	{ "Written by John Smith", "John Smith" },
	{ "Byron Jones", "Byron Jones" },
	{ "Vonda Smith", "Vonda Smith" },
	/* Lists. */
	{ "John Smith, Jane Doe and Bob Roe", "John Smith; Jane Doe; Bob Roe" },
	{ "John Smith, Jane Doe, and Bob Roe", "John Smith; Jane Doe; Bob Roe" },
	{ "John Smith; Jane Doe", "John Smith; Jane Doe" },
	{ "John Smith;Jane Doe;", "John Smith; Jane Doe" },
	{ "John Smith and Jane Doe", "John Smith; Jane Doe" },
	{ "John Smith & Jane Doe", "John Smith; Jane Doe" },
	{ "Hans Müller und Eva Schmidt",
	    "Hans Müller; Eva Schmidt" },
	{ "Jean Dupont et Marie Curie", "Jean Dupont; Marie Curie" },
	{ "Ana López, Juan Pérez y María García",
	    "Ana López; Juan Pérez; María García" },
	{ "José Ortega y Gasset", "José Ortega y Gasset" },
	{ "Jane Doe | Staff Writer", "Jane Doe; Staff Writer" },
	{ "By John Smith and by Jane Doe", "John Smith; Jane Doe" },
	/* Names with commas inside. */
	{ "Smith, John", "Smith, John" },
	{ "Smith, John; Doe, Jane", "Smith, John; Doe, Jane" },
	{ "John Smith, Jr.", "John Smith, Jr." },
	{ "John Smith, Jr., Jane Doe", "John Smith, Jr.; Jane Doe" },
	{ "Smith et al.", "Smith" },
	{ "John Smith et al", "John Smith" },
	/* Addresses standing in for names. */
	{ "John Smith <john@example.com>", "John Smith" },
	{ "john@example.com", NULL },
	{ "mailto:john@example.com", NULL },
	{ "https://example.com/authors/john", NULL },
	{ "www.example.com", NULL },
	{ "John Smith (john@example.com), Jane Doe", "John Smith; Jane Doe" },
	{ "John Smith, https://twitter.com/js", "John Smith" },
	{ "john@example.com, Jane Doe", "Jane Doe" },
	{ "@jsmith", "@jsmith" },
	/* Repeats. */
	{ "John Smith, John Smith", "John Smith" },
	{ "John Smith; john smith", "John Smith" },
	{ "John Smith; Jane Doe; John Smith", "John Smith; Jane Doe" },
	/* Nothing left. */
	{ "", NULL },
	{ "   ", NULL },
	{ "By", NULL },
	{ "By ", NULL },
	{ ";;, ,", NULL },
	/* Organisations are names too. */
	{ "Random House", "Random House" },
	{ "Reuters", "Reuters" },
};

static void
test_cases(void **state)
{
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = (char *)"unset";
		int rc = quarry_author_normalize(cases[i].in,
		    strlen(cases[i].in), &out);

		if (cases[i].want == NULL) {
			if (rc != QUARRY_ENOTFOUND || out != NULL) {
				print_error("\"%s\": expected no author, got "
				    "%d \"%s\"\n", cases[i].in, rc,
				    out ? out : "");
				bad++;
			}
		} else if (rc != 0 || strcmp(out, cases[i].want) != 0) {
			print_error("\"%s\": expected \"%s\", got %d \"%s\"\n",
			    cases[i].in, cases[i].want, rc,
			    rc == 0 ? out : "");
			bad++;
		}
		if (rc == 0)
			free(out);
	}
	assert_int_equal(bad, 0);
}

/* The length is honoured and the output is always a fresh string. */
static void
test_length(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(quarry_author_normalize("Jane Doe; John", 8, &out), 0);
	assert_string_equal(out, "Jane Doe");
	free(out);
	assert_int_equal(quarry_author_normalize("x", 0, &out),
	    QUARRY_ENOTFOUND);
	assert_null(out);
}

/* More names than the splitter keeps: the first 64, never a crash. */
static void
test_many(void **state)
{
	char in[4000], *out;
	size_t n = 0;
	int i;

	(void)state;
	for (i = 0; i < 100; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "Name %d; ", i);
	assert_int_equal(quarry_author_normalize(in, n, &out), 0);
	assert_non_null(strstr(out, "Name 0; Name 1; "));
	assert_non_null(strstr(out, "Name 63"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests_name("author", tests, NULL, NULL);
}
