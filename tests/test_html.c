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

/* The page's date, or "(none)". */
static const char *
date_of(quarry_html **h, const char *url, const char *page)
{
	quarry_html_options o;

	quarry_html_options_init(&o);
	o.url = url;
	extract(h, &o, page);
	return meta(*h, "date");
}

/* Each rule of the date search after the metadata, on a page of its own. */
static void
test_dates(void **state)
{
	static const struct {
		const char *url, *page, *date;
	} t[] = {
		/* An element whose class says date, in the article. */
		{ NULL, "<article><h1>T</h1><span class=\"entry-date\">March 11, "
		    "2020</span><p>Body.</p></article>", "2020-03-11" },
		{ NULL, "<html lang=de><div class=date>27.01.2022</div><p>x</p>",
		    "2022-01-27" },
		{ NULL, "<html lang=es><div class=fecha>Mi\xc3\xa9rcoles, 15 de "
		    "Abril de 2020</div>", "2020-04-15" },
		/* A numeric date read both ways: the page's other date
		 * decides ("11/01/2023" is 1 November beside it). */
		{ NULL, "<html lang=de><meta name=date content=\"11/01/2023 "
		    "12:43:42\"><p class=date>1. November 2023</p>", "2023-11-01" },
		{ NULL, "<html lang=de><meta name=date content=\"11/01/2023 "
		    "12:43:42\"><p class=date>11. Januar 2023</p>", "2023-01-11" },
		/* Labelled text anywhere; a byline's words around the date. */
		{ NULL, "<html lang=de><p>Stand: 19.10.2019 11:05 Uhr</p>",
		    "2019-10-19" },
		{ NULL, "<div class=byline>Posted on March 3, 2021 by Ann</div>",
		    "2021-03-03" },
		/* <abbr title>, data attributes, more meta keys. */
		{ NULL, "<abbr class=published title=\"2016-12-23T05:11:00-05:00\">"
		    "Dec 23</abbr>", "2016-12-23T10:11:00Z" },
		{ NULL, "<span data-utime=\"1482487860\">Friday</span>",
		    "2016-12-23T10:11:00Z" },
		{ NULL, "<meta name=DC.date content=2018-05-04>", "2018-05-04" },
		{ NULL, "<meta property=og:pubdate content=2018-05-05>",
		    "2018-05-05" },
		{ NULL, "<meta name=sw-pubdate content=2018-05-06>", "2018-05-06" },
		{ NULL, "<meta http-equiv=date content=\"Mon, 07 May 2018 "
		    "10:00:00 GMT\">", "2018-05-07T10:00:00Z" },
		/* Invalid JSON-LD, and JSON in another script. */
		{ NULL, "<script type=application/ld+json>{\"@type\":\"NewsArticle\","
		    "\"datePublished\": \"2019-05-03\",}}</script>", "2019-05-03" },
		{ NULL, "<script>var s = {\"published_at\":\"2019-03-02\"};</script>",
		    "2019-03-02" },
		/* "published updated" is the publication date. */
		{ NULL, "<time class=\"entry-date published updated\" "
		    "datetime=\"2020-06-01\">1 June</time>", "2020-06-01" },
		/* The article's date beats a sidebar's and a comment's <time>. */
		{ NULL, "<aside><time datetime=2020-01-01>x</time></aside>"
		    "<div class=comments><time datetime=2020-01-02>y</time></div>"
		    "<article><p class=meta>12 May 2019</p><p>Body.</p></article>",
		    "2019-05-12" },
		/* Only furniture: its date is still better than none. */
		{ NULL, "<div class=sidebar><span class=date>2020-02-02</span></div>",
		    "2020-02-02" },
		/* /YYYYMMDD/ and every address of the page. */
		{ "https://x.example/news/20220124/slug", "<p>x</p>", "2022-01-24" },
		/* a segment /DD-MM-YYYY/, but not inside a slug */
		{ "https://x.example/meldungen/29-10-2021", "<p>x</p>",
		    "2021-10-29" },
		{ "https://x.example/a/pre-29-10-2021-post", "<p>x</p>", "(none)" },
		{ NULL, "<link rel=canonical href=\"https://x.example/a\">"
		    "<meta property=og:url content=\"https://x.example/2021/02/03/b\">",
		    "2021-02-03" },
		/* Not dates: copyright lines, years, numbers, the future. */
		{ NULL, "<footer>\xc2\xa9 12.03.2019 Example</footer>", "(none)" },
		{ NULL, "<p class=date>In 2019 we sold 1234567890 cups.</p>",
		    "(none)" },
		{ NULL, "<p class=date>Next: 3 March 2999</p>", "(none)" },
	};
	quarry_html *h;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *d = date_of(&h, t[i].url, t[i].page);

		if (strcmp(d, t[i].date) != 0)
			fail_msg("page %zu: got %s, want %s", i, d, t[i].date);
		quarry_html_free(h);
	}
}

/* Author cleaning, rejection and the byline vocabulary. */
static void
test_authors(void **state)
{
	static const struct {
		const char *page, *author;
	} t[] = {
		{ "<article><div class=byline>Posted on March 3, 2021 by Ann Lee"
		    "</div><p>x</p></article>", "Ann Lee" },
		{ "<div class=author>Von: Hans Meier, 12.03.2019</div>",
		    "Hans Meier" },
		{ "<p class=credits>Text: Eva Roth | Fotos: Tom</p>", "Eva Roth" },
		{ "<div class=postmetadata>Beitrag von Jo Weber am 3. Mai</div>",
		    "Jo Weber" },
		/* A handle gives way to a name, and is kept when alone. */
		{ "<script type=application/ld+json>{\"@type\":\"Article\","
		    "\"author\":{\"name\":\"christian.stadtfeld\"}}</script>"
		    "<span class=byline>Christian P. Stadtfeld</span>",
		    "Christian P. Stadtfeld" },
		/* A lone handle: kept from JSON-LD, not from <meta> (a CMS
		 * login there, most often on pages that name no author). */
		{ "<script type=application/ld+json>{\"@type\":\"Article\","
		    "\"author\":{\"name\":\"gizzmo\"}}</script>", "gizzmo" },
		{ "<meta name=author content=gizzmo>", "(none)" },
		{ "<span class=author>Ann Lee @annlee</span>", "Ann Lee" },
		/* The site's own name gives way to a person. */
		{ "<meta property=og:site_name content=\"Badische Zeitung\">"
		    "<meta name=author content=\"Badische Zeitung\">"
		    "<article><p class=byline>Eva Roth</p></article>", "Eva Roth" },
		/* Companies, and the site named by its host, are no authors. */
		{ "<meta name=author content=\"Muster Verlag GmbH\">", "(none)" },
		{ "<meta name=author content=\"Bundesverband Wind e.V.\">",
		    "(none)" },
		{ "<link rel=canonical href=\"https://www.tag24.de/a/b\">"
		    "<meta name=author content=\"TAG24\">", "(none)" },
		{ "<meta property=og:url content=\"https://auto.oe24.at/a\">"
		    "<script type=application/ld+json>{\"@type\":\"Article\","
		    "\"author\":{\"name\":\"oe24.at\"}}</script>", "(none)" },
		{ "<meta property=og:site_name content=\"Die Presse\">"
		    "<script type=application/ld+json>{\"@type\":\"Article\","
		    "\"author\":\"DIE PRESSE\"}</script>", "(none)" },
		/* Byline words before the name, a date or photo credit after. */
		{ "<span class=author>Ver\xc3\xb6" "ffentlicht vonChris Jung</span>",
		    "Chris Jung" },
		{ "<span class=author>erstellt von Andri Bryner</span>",
		    "Andri Bryner" },
		{ "<p class=byline>Text; Interview: Julia Lauter</p>",
		    "Julia Lauter" },
		{ "<p class=byline>John Walk - January 5, 2020</p>", "John Walk" },
		{ "<p class=byline>Isa Berg am Samstag</p>", "Isa Berg" },
		{ "<p class=byline>Tomas Spahn Fr, 3.5.2019</p>", "Tomas Spahn" },
		{ "<p class=byline>Foto: Ingo Schneider</p>", "(none)" },
		{ "<p class=byline>April Roach</p>", "April Roach" },
		/* A column named "sidebar" inside the article is the
		 * article's; a sidebar of the page's main area is not. */
		{ "<article><div id=sidebar><div class=entry-meta><span "
		    "class=\"author vcard\">Heiko Sauer</span></div></div>"
		    "<p>x</p></article>", "Heiko Sauer" },
		{ "<main><div class=sidebar><span class=author>Bo Tan</span>"
		    "</div><p>x</p></main>", "(none)" },
		/* Comments and their forms are not bylines. */
		{ "<div class=comments><span class=comment-author>Bo Tan says:"
		    "</span></div><p class=comment-form-author><label>Name *"
		    "</label></p>", "(none)" },
		{ "<span class=author>Name (erforderlich)</span>", "(none)" },
		/* A person as JSON-LD publisher is no site name. */
		{ "<script type=application/ld+json>{\"@type\":\"BlogPosting\","
		    "\"author\":{\"@type\":\"Person\",\"name\":\"Helge Berg\"},"
		    "\"publisher\":{\"@type\":[\"Person\",\"Organization\"],"
		    "\"name\":\"Helge Berg\"}}</script>", "Helge Berg" },
		/* Character references left in JSON-LD by templates. */
		{ "<script type=application/ld+json>{\"@type\":\"Article\","
		    "\"author\":{\"name\":\"Redacci&oacute;n Diario &#8220;Sur\"}}"
		    "</script>", "Redacci\xc3\xb3n Diario \xe2\x80\x9cSur" },
		/* Yoast's "Written by" label and its value. */
		{ "<meta name=twitter:label1 content=\"Written by\">"
		    "<meta name=twitter:data1 content=\"Ann Lee\">"
		    "<meta name=twitter:label2 content=\"Est. reading time\">"
		    "<meta name=twitter:data2 content=\"3 minutes\">", "Ann Lee" },
		{ "<meta name=twitter:label1 content=\"Est. reading time\">"
		    "<meta name=twitter:data1 content=\"Ann Lee\">", "(none)" },
		/* Capitals title-cased (initials stay), a name twice once. */
		{ "<p class=byline>SVEN MICHAELSEN</p>", "Sven Michaelsen" },
		{ "<p class=byline>By R.C. BAKER</p>", "R.C. Baker" },
		{ "<p class=byline>SADHBH O'SULLIVAN</p>", "Sadhbh O'Sullivan" },
		{ "<p class=byline>jesusfreak jesusfreak</p>", "jesusfreak" },
		/* Jobs after a name or beside it go, unless alone. */
		{ "<p class=byline>Christoph Hein Chefredakteur</p>",
		    "Christoph Hein" },
		{ "<meta name=author content=\"Jan Lang, deutscher Journalist, "
		    "Kolumnist\">", "Jan Lang" },
		{ "<p class=byline>Staff Writer</p>", "Staff Writer" },
		/* Addresses, sentences, placeholders and dates are no names. */
		{ "<meta name=author content=\"Giromatch, Frankfurt a. M., "
		    "Germany\">", "(none)" },
		{ "<meta name=author content=\"Endlich mehr Wind wagen!\">",
		    "(none)" },
		{ "<meta name=author content=\"selbst ist der Mann\">", "(none)" },
		{ "<meta name=author content=\"deinen Hochzeitsbloggern\">",
		    "(none)" },
		{ "<p class=byline>Unknown</p>", "(none)" },
		{ "<p class=byline>Donnerstag</p>", "(none)" },
		{ "<p class=byline>Fritz Imhof Quelle: Livenet</p>", "Fritz Imhof" },
		{ "<p class=byline>Bild \xc2\xa9 ARD</p>", "(none)" },
		/* Bylines in the text: after "Von", "By" a name, after
		 * "Autor:", "Posted by" a name or a user name. */
		{ "<article><p>Von <strong>Eva Roth</strong> und <strong>Jo "
		    "Lang</strong><br>Berlin ist gro\xc3\x9f.</p></article>",
		    "Eva Roth; Jo Lang" },
		{ "<div><strong>Autor:</strong> <a href=/p/1>Klaus Friedrich</a>"
		    "<br>x</div>", "Klaus Friedrich" },
		{ "<div><h5>Autor: </h5>Peter Maahn</div>", "Peter Maahn" },
		{ "<p>Posted by Konstantin @ 12:00 am</p>", "Konstantin" },
		{ "<div class=submitted>Gespeichert von <span>rasos</span> am 24. "
		    "Juli 2017</div>", "rasos" },
		{ "<div><span>| By </span><span>Cara Stiles</span> | <time>April "
		    "13, 2020</time></div>", "Cara Stiles" },
		{ "<div>05.02.2020 <span>-&nbsp;Redaktion: Eberhard Fuhr "
		    "(Pressesprecher)</span></div>", "Eberhard Fuhr" },
		{ "<p>Von David Hutzler, dpa</p>", "David Hutzler" },
		/* A lead with a colon is a label; the name after breaks, in
		 * the next inner block or in the next block. */
		{ "<p><em>Written by: <a href=/a>Julie Mollins</a></em></p>",
		    "Julie Mollins" },
		{ "<div><a href=/m><b>Von:</b><br><br>G\xc3\xb6tz Warnke</a>"
		    "</div>", "G\xc3\xb6tz Warnke" },
		{ "<div><h4>Autor</h4> <p><a href=/p/2>Nikolai Huke</a>, </p>"
		    "</div>", "Nikolai Huke" },
		/* ... a user name after a weak lead is no name, and the block
		 * after the lead's own is not read then. */
		{ "<div><span> by </span><h3><a href=/u>delta201</a></h3></div>"
		    "<div><a href=/f>Fiction Page</a></div>", "(none)" },
		/* A name beside a date, in a line of its own. */
		{ "<p class=text-muted>11.12.2019 - Amelie Loevenich</p>",
		    "Amelie Loevenich" },
		{ "<small>04.02.2022 | 13:10 Uhr | Uta Helkenberg</small>",
		    "Uta Helkenberg" },
		{ "<div><a href=/autor/g>Gunter Frank</a> / 22.04.2020 / 06:15 / "
		    "<a href=#f>Foto: Achgut.com</a> / <a href=#c>150</a></div>",
		    "Gunter Frank" },
		/* ... but not lists of events, titles or labels. */
		{ "<p>02.11.2022 - Placebo Band - Stadthalle</p>", "(none)" },
		{ "<p>21.11.2022 - Ocie Elliott - B72</p>", "(none)" },
		{ "<p>21.11.2022 - Ocie Elliott</p><p>22.11.2022 - Being Ocean</p>",
		    "(none)" },
		{ "<span class=date2>04. November 2021 | PAID CONTENT</span>",
		    "(none)" },
		{ "<p>Spezifische Schwangerenbetreuung \xe2\x80\x93 mehr "
		    "vaginale Geburt... 07.02.2022</p>", "(none)" },
		{ "<p>January 13, 2020 | categories: Python | View Comments</p>",
		    "(none)" },
		/* The title's last part names the site. */
		{ "<title>Achtsam durch die Krise | Die FURCHE</title>"
		    "<p class=byline>Die FURCHE</p>", "(none)" },
		{ "<title>News - Handball Schweiz</title><div>Handball Schweiz "
		    "\xe2\x80\xa2 02.02.2022</div>", "(none)" },
		/* ... but not sentences, quoted posts, comments, menus. */
		{ "<p>Von Berlin aus fuhr er nach Hamburg.</p>", "(none)" },
		{ "<p>von G\xc3\xa4sten und Einheimischen</p>", "(none)" },
		{ "<p>Von G-Data.</p>", "(none)" },
		{ "<blockquote><p>Posted by Eva Roth on Monday</p></blockquote>",
		    "(none)" },
		{ "<div class=comments><p>Von Eva Roth</p></div>", "(none)" },
		{ "<p>Autoren: unerh\xc3\xb6rt: Medien:</p>", "(none)" },
		/* Words of separate elements are not glued together. */
		{ "<span class=author><a href=/u>Houzz Deutschland</a><span>vor 5 "
		    "Stunden</span></span>", "Houzz Deutschland" },
		/* A job before the name, a remark after it. */
		{ "<p class=byline>Rechtsanwalt Sebastian Einbock</p>",
		    "Sebastian Einbock" },
		{ "<p class=byline>FOCUS-Online-Experte Robin Tsch\xc3\xb6pe</p>",
		    "Robin Tsch\xc3\xb6pe" },
		{ "<p class=byline>Samuel Diekmann (Sponsored Post)</p>",
		    "Samuel Diekmann" },
		/* Institutions; the site or an agency beside a name. */
		{ "<meta name=author content=\"Deutsches Rotes Kreuz\">",
		    "(none)" },
		{ "<meta name=author content=\"Feuerwehr Oldenburg, Abteilung "
		    "Wasserrettung\">", "(none)" },
		{ "<link rel=canonical href=\"https://edition.cnn.com/a\">"
		    "<script type=application/ld+json>{\"@type\":\"Article\","
		    "\"author\":[\"Rob Picheta\",\"CNN\"]}</script>",
		    "Rob Picheta" },
		{ "<p class=byline>Peter Maahn/SP-X</p>", "Peter Maahn" },
		{ "<p class=byline>dpa/lno</p>", "dpa/lno" },
		/* A byline's user name is its author's. */
		{ "<a rel=author href=/u/1>freeman1984</a>"
		    "<p class=byline>Jens Berg</p>", "freeman1984" },
	};
	quarry_html *h;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *a;

		extract(&h, NULL, t[i].page);
		a = meta(h, "author");
		if (strcmp(a, t[i].author) != 0)
			fail_msg("page %zu: got %s, want %s", i, a, t[i].author);
		quarry_html_free(h);
	}
}

/* DocBook and Sphinx pages: headings kept, marks dropped, callouts, "\#". */
static void
test_doc_pages(void **state)
{
	quarry_html *h;
	const char *text;

	(void)state;
	/* DocBook: each title inside three divs of no other text. */
	text = extract(&h, NULL,
	    "<html><head><title>Manual</title></head><body><div class=chapter>"
	    "<div class=sect1><div class=titlepage><div><div><h1 class=title>"
	    "<a name=m></a>4. Memcheck</h1></div></div></div>"
	    "<div class=sect2><div class=titlepage><div><div><h2 class=title>"
	    "<a name=a></a>4.1. Overview</h2></div></div></div>"
	    "<p>Memcheck is a memory error detector, and it can detect many "
	    "problems that are common in C and C++ programs, such as these.</p>"
	    "<p>It checks reads, writes, frees, leaks, overlaps, uninitialised values, bad system calls, and more, and it reports each one, with a stack trace, as soon as it happens, so you can find it, fix it, and go on.</p>"
	    "<div class=warning><table border=0 summary=Warning><tr>"
	    "<td rowspan=2><img alt=\"[Warning]\" src=w.png></td>"
	    "<th align=left>Warning</th></tr><tr><td><p>Never run it as root."
	    "</p></td></tr></table></div></div>"
	    "<div class=sect2><div class=titlepage><div><div><h2 class=title>"
	    "<a name=b></a>4.2. Explanation of error messages</h2></div></div>"
	    "</div><p>Memcheck's error messages are described here, in order, "
	    "with what they mean and how, in most cases, to fix them.</p>"
	    "<p>It checks reads, writes, frees, leaks, overlaps, uninitialised values, bad system calls, and more, and it reports each one, with a stack trace, as soon as it happens, so you can find it, fix it, and go on.</p>"
	    "</div></div></div></body></html>");
	assert_string_equal(text,
	    "# 4. Memcheck\n\n"
	    "## 4.1. Overview\n\n"
	    "Memcheck is a memory error detector, and it can detect many "
	    "problems that are common in C and C++ programs, such as these.\n\n"
	    "It checks reads, writes, frees, leaks, overlaps, uninitialised values, bad system calls, and more, and it reports each one, with a stack trace, as soon as it happens, so you can find it, fix it, and go on.\n\n"
	    "Warning: Never run it as root.\n\n"
	    "## 4.2. Explanation of error messages\n\n"
	    "Memcheck's error messages are described here, in order, with what "
	    "they mean and how, in most cases, to fix them.\n\n"
	    "It checks reads, writes, frees, leaks, overlaps, uninitialised values, bad system calls, and more, and it reports each one, with a stack trace, as soon as it happens, so you can find it, fix it, and go on.");
	quarry_html_free(h);

	/* Sphinx and MDN: permalinks, admonitions, a literal "#" line. */
	text = extract(&h, NULL,
	    "<div class=body><section><h2>Generators<a class=headerlink "
	    "href=\"#gen\" title=\"Permalink\">\xc2\xb6</a></h2>"
	    "<p>A generator, in short, is a function that returns an iterator, "
	    "one value at a time, as the caller asks for it.</p>"
	    "<p># not a heading<br># nor this</p>"
	    "<div class=\"admonition note\"><p class=admonition-title>Note</p>"
	    "<p>They are lazy.</p><p>Second paragraph.</p></div>"
	    "<h3 id=s>Stream<a class=srclink href=x>[src]</a><span>"
	    "<a href=\"#s\">#</a></span></h3><p>Readable streams, in a word, "
	    "are sources of data that can be read piece by piece.</p>"
	    "<div class=\"notecard warning\"><p>This API is deprecated; use the promise form.</p></div>"
	    "</section></div>");
	assert_string_equal(text,
	    "## Generators\n\n"
	    "A generator, in short, is a function that returns an iterator, "
	    "one value at a time, as the caller asks for it.\n\n"
	    "\\# not a heading\n\\# nor this\n\n"
	    "Note: They are lazy.\n\nSecond paragraph.\n\n"
	    "### Stream\n\n"
	    "Readable streams, in a word, are sources of data that can be "
	    "read piece by piece.\n\n"
	    "Warning: This API is deprecated; use the promise form.");
	quarry_html_free(h);
}

/* 100,000 attributes on one element cost no more than a few; a deadline. */
static void
test_limits(void **state)
{
	static const char tail[] = "title='a>b' class=x>Hello.</p>"
	    "<script>var s = '<b a=1 a=2>';</script><p id=two>Two.</p>";
	quarry_html *h;
	quarry_html_options o;
	struct quarry_buf b = { 0 };
	size_t i;
	char a[32];

	(void)state;
	quarry_buf_append(&b, "<p ", 3);
	for (i = 0; i < 100000; i++) {
		snprintf(a, sizeof(a), "a%zu=\"x\" ", i);
		quarry_buf_append(&b, a, strlen(a));
	}
	quarry_buf_append(&b, tail, strlen(tail));
	assert_int_equal(quarry_html_new(&h, NULL), 0);
	assert_int_equal(quarry_html_parse(h, b.data, b.len), 0);
	assert_string_equal(quarry_html_text(h, NULL), "Hello.\n\nTwo.");
	quarry_html_free(h);
	quarry_buf_free(&b);

	quarry_html_options_init(&o);
	o.timeout = 1e-9;
	assert_int_equal(quarry_html_new(&h, &o), 0);
	assert_int_equal(quarry_html_parse(h, "<p>x</p>", 8), QUARRY_ETIMEOUT);
	assert_string_equal(quarry_html_error(h), "gave up after 1e-09 seconds");
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
	assert_int_equal(quarry_html_parse(h, "", 0), 0);
	assert_string_equal(quarry_html_error(h), "");
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

/* A paragraph of prose, about 300 characters, so that a page has text. */
#define PROSE "<p>Valgrind runs your program on a synthetic CPU and " \
	"checks every memory access, so that reads of uninitialised " \
	"memory, leaks and use after free are reported with a stack " \
	"trace.  It is slow, twenty to fifty times, but it needs no " \
	"recompilation and works on optimised code as well.</p>"

/* n list items of links: "<li><a href=\"#sN\">Section N</a></li>". */
static char *
link_items(const char *open, const char *close, int n)
{
	static char buf[8192];
	size_t o = 0;
	int i;

	o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s", open);
	for (i = 1; i <= n; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		    "<li><a href=\"#s%d\">Section %d of the manual</a></li>",
		    i, i);
	snprintf(buf + o, sizeof(buf) - o, "%s", close);
	return buf;
}

/* Extracts page; returns whether it was a contents page, text in *t. */
static int
contents_of(const char *page, int keep, int all, char **t)
{
	quarry_html_options o;
	quarry_html *h;
	int c;

	quarry_html_options_init(&o);
	o.keep_contents = keep;
	o.all = all;
	*t = strdup(extract(&h, &o, page));
	c = quarry_html_contents(h);
	if (c) {
		json_t *rec;

		assert_int_equal(quarry_html_record(h, "p.html", &rec), 0);
		assert_true(json_is_true(json_object_get(rec, "contents")));
		assert_string_equal(quarry_record_string(rec, "text", NULL), "");
		json_decref(rec);
	}
	quarry_html_free(h);
	return c;
}

static void
test_contents(void **state)
{
	char page[16384], *t;

	(void)state;
	/* DocBook chapter: the toc div at the top goes, the text stays. */
	snprintf(page, sizeof(page), "<html><body><div class=\"chapter\">"
	    "<h2 class=\"title\">4. Memcheck</h2><div class=\"toc\">"
	    "<p><b>Table of Contents</b></p><dl class=\"toc\">"
	    "<dt><a href=\"#a\">4.1. Overview</a></dt>"
	    "<dt><a href=\"#b\">4.2. Explanation of error messages</a></dt>"
	    "<dt><a href=\"#c\">4.3. Writing suppression files</a></dt>"
	    "</dl></div><h3>4.1. Overview</h3>" PROSE PROSE
	    "</div></body></html>");
	assert_false(contents_of(page, 0, 1, &t));
	assert_null(strstr(t, "Table of Contents"));
	assert_null(strstr(t, "suppression"));
	assert_non_null(strstr(t, "### 4.1. Overview\n\nValgrind runs"));
	free(t);
	assert_false(contents_of(page, 1, 1, &t));
	assert_non_null(strstr(t, "Table of Contents"));
	assert_non_null(strstr(t, "4.3. Writing suppression files"));
	free(t);
	/* A DocBook book's index.html: all but the title is its toc. */
	snprintf(page, sizeof(page), "<html><body><div class=\"book\">"
	    "<h1>Valgrind Documentation</h1><div class=\"toc\"><dl class=\"toc\">%s"
	    "</dl></div></div></body></html>",
	    link_items("<dd><ul>", "</ul></dd>", 30));
	assert_true(contents_of(page, 0, 0, &t));
	free(t);
	assert_false(contents_of(page, 1, 0, &t));
	assert_non_null(strstr(t, "Section 30 of the manual"));
	free(t);
	/* DocBook back-of-book index (ix01.html). */
	snprintf(page, sizeof(page), "<html><body>" PROSE
	    "<div class=\"index\"><div class=\"indexdiv\"><h3>A</h3><dl>"
	    "<dt>apt-get, <a href=\"#x\">Basic package management</a></dt>"
	    "</dl></div></div></body></html>");
	assert_false(contents_of(page, 0, 1, &t));
	assert_null(strstr(t, "apt-get"));
	free(t);
	/* Sphinx: genindex and py-modindex by their index tables. */
	assert_true(contents_of("<html><body><h1>Index</h1>"
	    "<div class=\"genindex-jumpbox\"><a href=\"#A\">A</a></div>"
	    "<table class=\"indextable genindextable\"><tr><td><ul>"
	    "<li><a href=\"os.html#os.abort\">abort() (in module os)</a></li>"
	    "</ul></td></tr></table>" PROSE "</body></html>", 0, 0, &t));
	free(t);
	assert_true(contents_of("<html><body><h1>Python Module Index</h1>"
	    "<table class=\"indextable modindextable\"><tr><td>"
	    "<a href=\"library/os.html\"><code>os</code></a></td>"
	    "<td>Miscellaneous operating system interfaces</td></tr></table>"
	    "</body></html>", 0, 0, &t));
	free(t);
	assert_false(contents_of("<html><body><h1>Python Module Index</h1>"
	    "<table class=\"indextable modindextable\"><tr><td>"
	    "<a href=\"library/os.html\"><code>os</code></a></td>"
	    "<td>Miscellaneous operating system interfaces</td></tr></table>"
	    "</body></html>", 1, 0, &t));
	assert_non_null(strstr(t, "Miscellaneous operating system"));
	free(t);
	/* Sphinx search page. */
	assert_true(contents_of("<html><body><h1>Search</h1><p>Searching for "
	    "multiple words only shows matches that contain all words.</p>"
	    "<div id=\"search-results\"></div></body></html>", 0, 0, &t));
	free(t);
	/* Sphinx: a toctree on a chapter index, then the chapter's text. */
	snprintf(page, sizeof(page), "<html><body><section><h1>Library</h1>"
	    PROSE "<div class=\"toctree-wrapper compound\">%s</div>"
	    PROSE PROSE PROSE PROSE PROSE "</section></body></html>",
	    link_items("<ul>", "</ul>", 25));
	assert_false(contents_of(page, 0, 0, &t));
	assert_null(strstr(t, "Section 1 of"));
	assert_non_null(strstr(t, "synthetic CPU"));
	free(t);
	/* ... and Sphinx's contents.html, nothing but the toctree. */
	snprintf(page, sizeof(page), "<html><body><section><h1>Python "
	    "Documentation contents</h1><div class=\"toctree-wrapper "
	    "compound\">%s</div></section></body></html>",
	    link_items("<ul>", "</ul>", 60));
	assert_true(contents_of(page, 0, 0, &t));
	free(t);
	/* docutils' "contents" topic; an id="contents" of prose stays. */
	snprintf(page, sizeof(page), "<html><body><div id=\"contents\">"
	    "<h1>Event loop</h1><nav class=\"contents local\" id=\"toc\">%s"
	    "</nav>" PROSE PROSE "</div></body></html>",
	    link_items("<ul>", "</ul>", 4));
	assert_false(contents_of(page, 0, 1, &t));
	assert_null(strstr(t, "Section 1 of"));
	assert_non_null(strstr(t, "synthetic CPU"));
	free(t);
	/* A list of links under a "Contents" heading. */
	snprintf(page, sizeof(page), "<html><body><article><h1>Guide</h1>"
	    "<h2>Table of contents</h2>%s" PROSE PROSE
	    "</article></body></html>", link_items("<ol>", "</ol>", 5));
	assert_false(contents_of(page, 0, 1, &t));
	assert_null(strstr(t, "Table of contents"));
	assert_null(strstr(t, "Section 1 of"));
	assert_non_null(strstr(t, "synthetic CPU"));
	free(t);
	/* Javadoc index-all.html: letter anchors I:A, I:B. */
	assert_true(contents_of("<html><body><main><h1>Index</h1>"
	    "<h2 class=\"title\" id=\"I:A\">A</h2><dl class=\"index\">"
	    "<dt><a href=\"Math.html#abs(double)\">abs(double)</a> - Static "
	    "method in class java.lang.Math</dt><dd>Returns the absolute "
	    "value of a double value.</dd></dl>"
	    "<h2 class=\"title\" id=\"I:B\">B</h2><dl class=\"index\">"
	    "<dt><a href=\"Bits.html\">Bits</a> - Class in java.util</dt>"
	    "</dl></main></body></html>", 0, 0, &t));
	free(t);
	/* A page that is mostly a list of links (allclasses-index.html). */
	snprintf(page, sizeof(page), "<html><body><main><h1>All Classes</h1>"
	    "%s</main></body></html>", link_items("<ul>", "</ul>", 40));
	assert_true(contents_of(page, 0, 0, &t));
	free(t);
	/* Text contents with dot leaders and page numbers. */
	assert_true(contents_of("<html><body><pre>Contents\n"
	    "1 Introduction .......... 1\n2 Installation .......... 5\n"
	    "3 Configuration .......... 9\n4 Usage .......... 14\n"
	    "5 Troubleshooting .......... 20\nIndex .......... 31\n"
	    "</pre></body></html>", 0, 1, &t));
	free(t);
	/* A real article with a few links is not contents. */
	assert_false(contents_of("<html><body><article><h1>Memcheck</h1>"
	    PROSE "<p>See <a href=\"a\">the manual</a> and "
	    "<a href=\"b\">the FAQ</a>.</p>" PROSE "</article></body></html>",
	    0, 0, &t));
	assert_non_null(strstr(t, "the manual"));
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_white_space_and_entities),
		cmocka_unit_test(test_main_content),
		cmocka_unit_test(test_metadata),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_authors),
		cmocka_unit_test(test_doc_pages),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_contents),
	};

	return cmocka_run_group_tests_name("html", tests, NULL, NULL);
}
