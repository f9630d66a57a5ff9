/*
 * test_html.c: cmocka tests of the HTML module (src/html*.c): decoding,
 * rendering, main-content choice, metadata and the error paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "quarry.h"

/* Extracts page with options (or defaults) and returns the text. */
static const char *
extract(quarry_html **h, const quarry_html_options *o, const char *page)
{
	assert_int_equal(quarry_html_new(h, o), 0);
	assert_int_equal(quarry_html_parse(*h, page, strlen(page)), 0);
	return quarry_html_text(*h, NULL);
}

static const char *
meta(const quarry_html *h, const char *field)
{
	const char *s = quarry_record_string(quarry_html_metadata(h), field,
	    NULL);

	return s ? s : "(none)";
}

static void
test_markdown(void **state)
{
	quarry_html *h;
	quarry_html_options o;

	(void)state;
	quarry_html_options_init(&o);
	o.all = 1;
	assert_string_equal(extract(&h, &o,
	    "<h2>Kit</h2><ul><li>rope<ul><li>60 m</li></ul></li><li>rack</li></ul>"
	    "<ol start=\"3\"><li>three</li><li>four</li></ol>"
	    "<blockquote>Go <b>light</b>.<br>Go fast.</blockquote>"
	    "<pre>  a &lt; b\n```\n</pre>"
	    "<table><tr><th>a|b</th><td colspan=2>c</td></tr><tr><td>1</td></tr></table>"
	    "<dl><dt>Belay</dt><dd>To secure a climber.</dd></dl>"),
	    "## Kit\n\n- rope\n  - 60 m\n- rack\n\n3. three\n4. four\n\n"
	    "> Go light.\n> Go fast.\n\n"
	    "````\n  a < b\n```\n````\n\n"
	    "| a\\|b | c |  |\n| --- | --- | --- |\n| 1 |  |  |\n\n"
	    "Belay\n: To secure a climber.");
	quarry_html_free(h);
}

static void
test_white_space_and_entities(void **state)
{
	quarry_html *h;

	(void)state;
	assert_string_equal(extract(&h, NULL,
	    "<p>  one&nbsp;&amp;\n\t two &eacute;&#x263A;&bogus; <span>three</span>"
	    "<span> four</span></p>"),
	    "one & two é\xe2\x98\xba&bogus; three four");
	quarry_html_free(h);
}

static void
test_main_content(void **state)
{
	quarry_html *h;
	const char *text;

	(void)state;
	text = extract(&h, NULL,
	    "<html><body><nav><a href=/>Home</a><a href=/x>X</a></nav>"
	    "<div class=cookie-consent>We use cookies.</div>"
	    "<div id=main><h1>The title</h1><p>First paragraph, long enough to "
	    "count, with a comma or two, as prose does.</p>"
	    "<p style='display:none'>hidden</p><script>var x;</script>"
	    "<p>Second paragraph, also long enough to be scored as content.</p>"
	    "<div class=related><a href=/a>Another story</a></div></div>"
	    "<div id=comments><p>A comment that is long enough to be content, "
	    "but is a comment.</p></div><footer>Footer text</footer>"
	    "</body></html>");
	assert_string_equal(text,
	    "# The title\n\nFirst paragraph, long enough to count, with a comma "
	    "or two, as prose does.\n\nSecond paragraph, also long enough to be "
	    "scored as content.");
	quarry_html_free(h);
}

static void
test_metadata(void **state)
{
	quarry_html *h;
	quarry_html_options o;
	json_t *rec;
	char *s;

	(void)state;
	quarry_html_options_init(&o);
	o.url = "https://example.org/2021/04/05/slug";
	extract(&h, &o,
	    "<html lang=de_AT><head><title>T | Site</title>"
	    "<script type=application/ld+json>[{\"@type\":\"WebSite\",\"name\":\"Site\"},"
	    "{\"@graph\":[{\"@type\":\"BlogPosting\",\"headline\":\"H\","
	    "\"author\":[{\"@type\":\"Person\",\"name\":\"Eva Berg\"},\"Jon Fors\"],"
	    "\"dateModified\":\"2021-04-06T10:00:00Z\"}]}]</script>"
	    "<script type=application/ld+json>{not json</script>"
	    "<meta property=og:site_name content=\"The Site\">"
	    "</head><body><p>Text.</p></body></html>");
	assert_string_equal(meta(h, "title"), "H");
	assert_string_equal(meta(h, "author"), "Eva Berg; Jon Fors");
	assert_string_equal(meta(h, "date"), "2021-04-05");
	assert_string_equal(meta(h, "modified"), "2021-04-06T10:00:00Z");
	assert_string_equal(meta(h, "lang"), "de-AT");
	assert_string_equal(meta(h, "site"), "The Site");
	assert_string_equal(meta(h, "charset"), "UTF-8");
	assert_int_equal(quarry_html_record(h, "p.html", &rec), 0);
	s = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(s, "{\"doc\":\"p.html\",\"source\":\"p.html\","
	    "\"mime\":\"text/html\",\"title\":\"H\",\"author\":\"Eva Berg; Jon Fors\","
	    "\"date\":\"2021-04-05\",\"modified\":\"2021-04-06T10:00:00Z\","
	    "\"lang\":\"de-AT\",\"site\":\"The Site\",\"text\":\"Text.\"}");
	free(s);
	json_decref(rec);
	quarry_html_free(h);
}

static void
test_charsets(void **state)
{
	quarry_html *h;
	quarry_html_options o;

	(void)state;
	/* Declared, by http-equiv, after a comment. */
	assert_string_equal(extract(&h, NULL,
	    "<!-- x --><meta http-equiv=content-type content='text/html; "
	    "charset=KOI8-R'><p>\xf0\xd2\xc9\xd7\xc5\xd4</p>"),
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
	assert_string_equal(meta(h, "charset"), "KOI8-R");
	quarry_html_free(h);
	/* Undeclared and not UTF-8: windows-1252. */
	assert_string_equal(extract(&h, NULL, "<p>\x93quoted\x94</p>"),
	    "\xe2\x80\x9cquoted\xe2\x80\x9d");
	quarry_html_free(h);
	/* A BOM wins over the declaration. */
	assert_string_equal(extract(&h, NULL,
	    "\xef\xbb\xbf<meta charset=latin1><p>\xc3\xa9</p>"), "\xc3\xa9");
	quarry_html_free(h);
	/* Forced. */
	quarry_html_options_init(&o);
	o.encoding = "latin1";
	assert_string_equal(extract(&h, &o, "<meta charset=utf-8><p>\xc3\xa9</p>"),
	    "\xc3\x83\xc2\xa9");
	quarry_html_free(h);
	o.encoding = "no-such";
	assert_int_equal(quarry_html_new(&h, &o), QUARRY_EINVAL);
	assert_string_equal(quarry_html_error(h), "unknown charset 'no-such'");
	quarry_html_free(h);
}

static void
test_bad_input(void **state)
{
	quarry_html *h;
	quarry_html_options o;
	char *deep;
	size_t i, n = 10000;

	(void)state;
	quarry_html_options_init(&o);
	o.max_size = 64;
	assert_int_equal(quarry_html_new(&h, &o), 0);
	assert_int_equal(quarry_html_parse(h, "", 0), QUARRY_EFORMAT);
	assert_string_equal(quarry_html_error(h), "empty file");
	assert_string_equal(quarry_html_text(h, NULL), "");
	assert_int_equal(quarry_html_parse(h, "\x7f" "ELF\x02\x01\x01\0\0", 9),
	    QUARRY_EFORMAT);
	assert_string_equal(quarry_html_error(h), "binary data, not HTML");
	assert_int_equal(quarry_html_parse(h, "<p>x</p>", 8), 0);
	assert_string_equal(quarry_html_text(h, NULL), "x");
	deep = malloc(n * 20 + 64);
	assert_non_null(deep);
	assert_int_equal(quarry_html_parse(h, deep, 65), QUARRY_ETOOBIG);
	quarry_html_free(h);
	/* 10,000 nested lists and quotes. */
	deep[0] = '\0';
	for (i = 0; i < n; i++)
		strcat(deep + i * 8, "<ul><li>");
	strcat(deep, "x");
	assert_int_equal(quarry_html_new(&h, NULL), 0);
	assert_int_equal(quarry_html_parse(h, deep, strlen(deep)), 0);
	assert_non_null(strstr(quarry_html_text(h, NULL), "- x"));
	quarry_html_free(h);
	free(deep);
	quarry_html_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_white_space_and_entities),
		cmocka_unit_test(test_main_content),
		cmocka_unit_test(test_metadata),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests_name("html", tests, NULL, NULL);
}
