/*
 * test_chunker.c: cmocka tests of the chunker: exact splits of small
 * documents, heading paths, pages, overlap, the trailing-piece merge, and the
 * hard size limit on random and adversarial input.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "quarry.h"
#include "testutil.h"
#include "chunk_private.h"

/* Runs the chunker and renders the chunks as "[page-page_end] text|" lines. */
static char *
render(const char *text, enum quarry_unit unit, size_t size, size_t overlap,
    size_t min)
{
	static char out[8192];
	quarry_chunk_options o;
	quarry_chunker *c;
	const quarry_chunk *ch;
	size_t n, i, h;

	quarry_chunk_options_init(&o);
	o.unit = unit;
	o.size = size;
	o.overlap = overlap;
	o.min = min;
	assert_int_equal(quarry_chunker_new(&c, &o), 0);
	assert_int_equal(quarry_chunker_run(c, text, strlen(text), "en", &ch, &n), 0);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		quarry_heading_path hp = quarry_chunker_headings(c, ch[i].heading);
		char *p = out + strlen(out);

		p += sprintf(p, "[%u-%u %zu", ch[i].page, ch[i].page_end,
		    ch[i].size);
		for (h = 0; h < hp.n; h++)
			p += sprintf(p, "%s%.*s", h ? ">" : " ",
			    (int)(hp.titles[h].end - hp.titles[h].start),
			    text + hp.titles[h].start);
		sprintf(p, "] %.*s|\n", (int)ch[i].length, text + ch[i].offset);
	}
	quarry_chunker_free(c);
	return out;
}

static void
test_packs_paragraphs(void **state)
{
	(void)state;
	assert_string_equal(render("one two\n\nthree four\n\nfive six seven\n",
	    QUARRY_UNIT_WORDS, 4, 0, 0),
	    "[1-1 4] one two\n\nthree four|\n"
	    "[1-1 3] five six seven|\n");
	/* Everything fits: one chunk, white space at the ends trimmed. */
	assert_string_equal(render("\n\n  a b c  \n\n", QUARRY_UNIT_WORDS, 10, 0, 0),
	    "[1-1 3] a b c|\n");
	assert_string_equal(render("", QUARRY_UNIT_WORDS, 10, 0, 0), "");
	assert_string_equal(render(" \n\f\n ", QUARRY_UNIT_CHARS, 10, 0, 0), "");
}

static void
test_sentences_when_too_big(void **state)
{
	(void)state;
	/* The paragraph is over the budget: cut at sentence ends. */
	assert_string_equal(render("Alpha beta gamma. Delta epsilon. Zeta eta theta iota.",
	    QUARRY_UNIT_WORDS, 5, 0, 0),
	    "[1-1 5] Alpha beta gamma. Delta epsilon.|\n"
	    "[1-1 4] Zeta eta theta iota.|\n");
	/* A sentence over the budget: cut at words. */
	assert_string_equal(render("a b c d e f g.", QUARRY_UNIT_WORDS, 3, 0, 0),
	    "[1-1 3] a b c|\n[1-1 3] d e f|\n[1-1 1] g.|\n");
}

static void
test_long_sentence_cuts(void **state)
{
	(void)state;
	/* Inside a sentence over the budget the latest clause boundary
	 * (after a comma) wins over a later plain word boundary... */
	assert_string_equal(render("aa bb, cc dd ee ff gg.", QUARRY_UNIT_WORDS, 4, 0, 0),
	    "[1-1 2] aa bb,|\n[1-1 4] cc dd ee ff|\n[1-1 1] gg.|\n");
	/* ...a line break in hard-wrapped text is one too... */
	assert_string_equal(render("aa bb cc\ndd ee ff gg.", QUARRY_UNIT_WORDS, 4, 0, 0),
	    "[1-1 3] aa bb cc|\n[1-1 4] dd ee ff gg.|\n");
	/* ...and a full stop that ends no sentence ("e.g." before a
	 * lower-case word) beats both. */
	assert_string_equal(render("aa bb e.g. cc, dd\nee ff.", QUARRY_UNIT_WORDS, 5, 0, 0),
	    "[1-1 3] aa bb e.g.|\n[1-1 4] cc, dd\nee ff.|\n");
	/* Only boundaries that leave the chunk half full count. */
	assert_string_equal(render("aa e.g. bb, cc\ndd ee ff.", QUARRY_UNIT_WORDS, 5, 0, 0),
	    "[1-1 4] aa e.g. bb, cc|\n[1-1 3] dd ee ff.|\n");
	/* Words joined by no-break spaces (U+00A0, U+202F) are still words;
	 * a chunk never ends inside one of them. */
	assert_string_equal(render("aaaa\xc2\xa0" "bbbb\xe2\x80\xaf" "cccc", QUARRY_UNIT_CHARS, 10, 0, 0),
	    "[1-1 9] aaaa\xc2\xa0" "bbbb|\n[1-1 4] cccc|\n");
	/* Words of symbols (rules of box drawing, as text browsers dump
	 * tables) and of characters outside ASCII, counted as characters
	 * while they are scanned, between ASCII and Unicode spaces (U+2003,
	 * U+3000); a rule longer than the budget is cut. */
	assert_string_equal(render("Rules ───────── é中😀 ──────── x\xe2\x80\x83"
	    "yy\xe3\x80\x80zz ─── and ═══════════ more words here",
	    QUARRY_UNIT_CHARS, 10, 0, 0),
	    "[1-1 5] Rules|\n[1-1 9] ─────────|\n[1-1 3] é中😀|\n"
	    "[1-1 10] ──────── x|\n[1-1 9] yy\xe3\x80\x80zz ───|\n[1-1 3] and|\n"
	    "[1-1 10] ══════════|\n[1-1 6] ═ more|\n[1-1 10] words here|\n");
	/* A chunk ends early, at a sentence end, when that saves a cut in
	 * the next sentence: its 14 words need two chunks of their own but
	 * three after the first sentence's 3. */
	assert_string_equal(render("Aa bb cc. Dd ee ff gg hh ii jj kk ll mm nn oo pp qq.",
	    QUARRY_UNIT_WORDS, 8, 0, 0),
	    "[1-1 3] Aa bb cc.|\n[1-1 8] Dd ee ff gg hh ii jj kk|\n"
	    "[1-1 6] ll mm nn oo pp qq.|\n");
	/* No saving (11 words take two chunks either way): fill the chunk. */
	assert_string_equal(render("Aa bb cc. Dd ee ff gg hh ii jj kk ll mm nn.",
	    QUARRY_UNIT_WORDS, 8, 0, 0),
	    "[1-1 8] Aa bb cc. Dd ee ff gg hh|\n[1-1 6] ii jj kk ll mm nn.|\n");
}

static void
test_headings(void **state)
{
	const char *doc =
	    "# Guide\n\nIntro text here.\n\n## Install\n\nRun the installer now.\n\n"
	    "### Linux\n\nUse apt.\n\n## Use\n\nType a query.\n";

	(void)state;
	assert_string_equal(render(doc, QUARRY_UNIT_WORDS, 6, 0, 0),
	    "[1-1 5 Guide] # Guide\n\nIntro text here.|\n"
	    "[1-1 6 Guide>Install] ## Install\n\nRun the installer now.|\n"
	    "[1-1 4 Guide>Install>Linux] ### Linux\n\nUse apt.|\n"
	    "[1-1 5 Guide>Use] ## Use\n\nType a query.|\n");
	/* A heading never ends a chunk: the text under it is cut finer. */
	assert_string_equal(render("Some words here.\n\n## Title ##\n\nOne two three. Four five six.",
	    QUARRY_UNIT_WORDS, 6, 0, 0),
	    "[1-1 3] Some words here.|\n"
	    "[1-1 6 Title] ## Title ##\n\nOne two three.|\n"
	    "[1-1 3 Title] Four five six.|\n");
	/* Skipped levels and a heading without text. */
	assert_string_equal(render("# A\n\n### C\n\nx\n\n#\n\ny", QUARRY_UNIT_WORDS, 3, 0, 0),
	    "[1-1 2 A] # A|\n[1-1 3 A>C] ### C\n\nx|\n[1-1 2] #\n\ny|\n");
}

/* A chunk's section: the path where most of it lies, " @A>B" when it is not
 * the path at its start; plain: the text is text/plain. */
static const char *
render_sections(const char *text, size_t size, int plain)
{
	static char out[8192];
	quarry_chunk_options o;
	quarry_chunker *c;
	const quarry_chunk *ch;
	size_t n, i, h;

	quarry_chunk_options_init(&o);
	o.unit = QUARRY_UNIT_WORDS;
	o.size = size;
	assert_int_equal(quarry_chunker_new(&c, &o), 0);
	quarry_chunker_set_plain(c, plain);
	assert_int_equal(quarry_chunker_run(c, text, strlen(text), "en", &ch, &n), 0);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		quarry_heading_path hp = quarry_chunker_headings(c, ch[i].heading);
		char *p = out + strlen(out);

		p += sprintf(p, "[");
		for (h = 0; h < hp.n; h++)
			p += sprintf(p, "%s%.*s", h ? ">" : "",
			    (int)(hp.titles[h].end - hp.titles[h].start),
			    text + hp.titles[h].start);
		if (ch[i].section != ch[i].heading) {
			hp = quarry_chunker_headings(c, ch[i].section);
			p += sprintf(p, " @");
			for (h = 0; h < hp.n; h++)
				p += sprintf(p, "%s%.*s", h ? ">" : "",
				    (int)(hp.titles[h].end - hp.titles[h].start),
				    text + hp.titles[h].start);
		}
		sprintf(p, "] %.*s|\n", (int)ch[i].length, text + ch[i].offset);
	}
	quarry_chunker_free(c);
	return out;
}

static void
test_sections(void **state)
{
	(void)state;
	/* The second chunk starts in A's last paragraph but lies mostly in
	 * B: its headings stay A's, its section is B. */
	assert_string_equal(render_sections(
	    "# A\n\none two three four five six.\n\nseven.\n\n"
	    "# B\n\nnine ten eleven twelve thirteen.", 8, 0),
	    "[A] # A\n\none two three four five six.|\n"
	    "[A @B] seven.\n\n# B\n\nnine ten eleven twelve thirteen.|\n");
	/* A chunk within one section: the same path. */
	assert_string_equal(render_sections("# A\n\none two.", 8, 0),
	    "[A] # A\n\none two.|\n");
}

/* A long text is packed as it goes and its atoms dropped: every chunk's
 * section is still the path where most of it lies, the first chunks' too
 * (they were given their own path before). */
static void
test_sections_long(void **state)
{
	char *text = malloc(600 * 128);
	quarry_chunk_options o;
	quarry_chunker *c;
	const quarry_chunk *ch;
	size_t n, i, len = 0, straddle = 0;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < 600; i++)
		len += (size_t)sprintf(text + len, "# S%zu\n\none two three "
		    "four five six.\n\nseven.\n\n# T%zu\n\nnine ten eleven "
		    "twelve thirteen.\n\n", i, i);
	quarry_chunk_options_init(&o);
	o.unit = QUARRY_UNIT_WORDS;
	o.size = 8;
	assert_int_equal(quarry_chunker_new(&c, &o), 0);
	assert_int_equal(quarry_chunker_run(c, text, len, "en", &ch, &n), 0);
	assert_true(n > 500);
	for (i = 0; i < n; i++) {
		const char *h = strstr(text + ch[i].offset, "\n# ");
		quarry_heading_path hp;
		size_t tl;

		if (h == NULL || h >= text + ch[i].offset + ch[i].length)
			continue;
		h++;
		/* "seven." of S<i>, then T<i>'s heading and text: the
		 * section is T<i>. */
		straddle++;
		hp = quarry_chunker_headings(c, ch[i].section);
		assert_int_equal(hp.n, 1);
		tl = hp.titles[0].end - hp.titles[0].start;
		assert_true(tl == strcspn(h + 2, "\n"));
		assert_memory_equal(text + hp.titles[0].start, h + 2, tl);
	}
	assert_true(straddle > 500);
	quarry_chunker_free(c);
	free(text);
}

/* The record contract: text/plain has no headings; lines in fenced code
 * and lines starting with "\#" are never headings. */
static void
test_literal_hash(void **state)
{
	(void)state;
	assert_string_equal(render_sections(
	    "# ls -1 >~/ls1.txt\n\n#   provided with the distribution.", 100, 1),
	    "[] # ls -1 >~/ls1.txt\n\n#   provided with the distribution.|\n");
	assert_string_equal(render_sections(
	    "# Title\n\n```sh\n# not a heading\n```\n\n\\# nor this", 100, 0),
	    "[Title] # Title\n\n```sh\n# not a heading\n```\n\n\\# nor this|\n");
	/* Markdown again after a plain run. */
	assert_string_equal(render_sections("# T\n\nx", 100, 0), "[T] # T\n\nx|\n");
}

/*
 * Code fences are lines of backquotes (quarry(7)); tildes open one in
 * Markdown only: in plain text a line of them underlines a title (Debian's
 * valgrind NEWS, dpkg's README.feature-removal-schedule, util-linux's
 * howto-tests.txt), and was taken for a fence that ran to the next such
 * line, its paragraphs cut into lines.
 */
static void
test_plain_tildes(void **state)
{
	const char *text = "Release 2\n~~~~~~~~~\n\nOne two three four five "
	    "six.\n\nRelease 1\n~~~~~~~~~\n\nSeven eight nine ten eleven "
	    "twelve.\n\n```\ncode\n```";

	(void)state;
	assert_string_equal(render_sections(text, 10, 1),
	    "[] Release 2\n~~~~~~~~~\n\nOne two three four five six.|\n"
	    "[] Release 1\n~~~~~~~~~\n\nSeven eight nine ten eleven twelve.|\n"
	    "[] ```\ncode\n```|\n");
	/* In Markdown, a fenced block from the first line of tildes to the
	 * second. */
	assert_string_equal(render_sections(text, 10, 0),
	    "[] Release 2|\n"
	    "[] ~~~~~~~~~\n\nOne two three four five six.\n\nRelease 1\n"
	    "~~~~~~~~~|\n"
	    "[] Seven eight nine ten eleven twelve.\n\n```\ncode\n```|\n");
}

/*
 * A line that opens with a bullet and a space is a list item, as one with
 * "- " is: plain text and text dumped from web pages mark lists so (w3m's
 * levels: •, □, ☆, ○).  The items were lines of one paragraph, cut into
 * sentences when it was over the budget, so a chunk could end inside an
 * item although an item's end was in reach.
 */
static void
test_bullet_items(void **state)
{
	const char *text = "\xe2\x80\xa2 a b c d e.\n"
	    "\xe2\x80\xa2 Fa go. He is to be seen.\n  \xe2\x96\xa1 n o p.\n"
	    "\xe2\x80\xa2x is no item.";

	(void)state;
	/* Before: "[] \xe2\x80\xa2 a b c d e.\n\xe2\x80\xa2 Fa go.|" and
	 * "[] He is to be seen.\n  \xe2\x96\xa1 n o p.|". */
	assert_string_equal(render_sections(text, 10, 1),
	    "[] \xe2\x80\xa2 a b c d e.|\n"
	    "[] \xe2\x80\xa2 Fa go. He is to be seen.|\n"
	    "[] \xe2\x96\xa1 n o p.\n\xe2\x80\xa2x is no item.|\n");
}

/* Which line closes a fenced block (fence_close()): one that starts with
 * at most three spaces and as many of the opening's characters or more;
 * until then, "# A" is code, not a heading. */
static void
test_fence_close(void **state)
{
	(void)state;
	/* Not at the line's start, four spaces in, the other character, too
	 * short: then three spaces in. */
	assert_string_equal(render_sections(
	    "```\ncode ``` x\n    ```\n~~~\n``\n# A\n   ```\n# H\n\ntext",
	    6, 0),
	    "[] ```\ncode ``` x\n    ```\n~~~|\n"
	    "[] ``\n# A\n   ```|\n"
	    "[H] # H\n\ntext|\n");
	/* Shorter than the opening, then longer. */
	assert_string_equal(render_sections(
	    "````\n```\n# A\n  `````\n# H\n\ntext", 6, 0),
	    "[] ````\n```\n# A\n  `````|\n"
	    "[H] # H\n\ntext|\n");
	/* More after the run; a fence character first on the line but
	 * not three of them. */
	assert_string_equal(render_sections(
	    "~~~\n~~\n`~~~\n# A\n ~~~~~ x\n# H\n\nmore text here", 6, 0),
	    "[] ~~~\n~~\n`~~~\n# A|\n"
	    "[] ~~~~~ x|\n"
	    "[H] # H\n\nmore text here|\n");
	/* Never closed: all code to the end. */
	assert_string_equal(render_sections(
	    "~~~\n# A\n~~\n ```\n# H\n\ntext", 6, 0),
	    "[] ~~~\n# A\n~~\n ```|\n"
	    "[] # H\n\ntext|\n");
}

static void
test_pages(void **state)
{
	(void)state;
	assert_string_equal(render("page one\fpage two\f\fpage four", QUARRY_UNIT_WORDS, 4, 0, 0),
	    "[1-2 4] page one\fpage two|\n[4-4 2] page four|\n");
	/* A page break ends a fenced block that is not closed before it,
	 * in a line, after one, or on the closing fence's line. */
	assert_string_equal(render("```\ncode one\fafter\n```\nx", QUARRY_UNIT_CHARS, 12, 0, 0),
	    "[1-1 12] ```\ncode one|\n[2-2 11] after\n```\nx|\n");
	assert_string_equal(render("```\ncode one\n\fafter", QUARRY_UNIT_CHARS, 12, 0, 0),
	    "[1-1 12] ```\ncode one|\n[2-2 5] after|\n");
	assert_string_equal(render("~~~\ncode one\n~~~\fafter\n~~~\nb\f", QUARRY_UNIT_CHARS, 16, 0, 0),
	    "[1-1 16] ~~~\ncode one\n~~~|\n[2-2 11] after\n~~~\nb|\n");
	assert_string_equal(render("a\n```\fb\n\f\f", QUARRY_UNIT_CHARS, 3, 0, 0),
	    "[1-1 1] a|\n[1-1 3] ```|\n[2-2 1] b|\n");
}

static void
test_code_lines_chars(void **state)
{
	(void)state;
	/* Lines of a code block in characters, indented and not, with
	 * characters of two to four bytes before and after 16 bytes. */
	assert_string_equal(render("```\n"
	    "  \xc3\xa9t\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80 abcdefghijklmnop\n"
	    "                    \xce\xb1\xce\xb2\xce\xb3 q  \n"
	    "abcdefghijklmnopqrstuvwxyz\xc3\xa9\xc3\xa9\n```", QUARRY_UNIT_CHARS, 30, 0, 0),
	    "[1-1 30] ```\n"
	    "  \xc3\xa9t\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80 abcdefghijklmnop|\n"
	    "[1-1 5] \xce\xb1\xce\xb2\xce\xb3 q|\n"
	    "[1-1 28] abcdefghijklmnopqrstuvwxyz\xc3\xa9\xc3\xa9|\n"
	    "[1-1 3] ```|\n");
}

static void
test_code_and_tables(void **state)
{
	const char *doc = "Text.\n\n```\nline one\n\nline two\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";

	(void)state;
	/* A fenced block keeps its blank line; the table is one block. */
	assert_string_equal(render(doc, QUARRY_UNIT_CHARS, 40, 0, 0),
	    "[1-1 33] Text.\n\n```\nline one\n\nline two\n```|\n"
	    "[1-1 29] | a | b |\n|---|---|\n| 1 | 2 ||\n");
	/* Too large: cut at lines; a cut leaving the chunk under half full is
	 * avoided even at a stronger boundary. */
	assert_string_equal(render(doc, QUARRY_UNIT_CHARS, 20, 0, 0),
	    "[1-1 19] Text.\n\n```\nline one|\n[1-1 12] line two\n```|\n"
	    "[1-1 19] | a | b |\n|---|---||\n[1-1 9] | 1 | 2 ||\n");
}

/*
 * A code block of many lines (here a fence never closed, which runs to the
 * end of the text) is packed as it is cut: the chunks are those of whole
 * lines, as for a short block, and the atoms held stay a window's worth.
 */
static void
test_long_code_block(void **state)
{
	enum { LINES = 20000 };
	quarry_chunk_options o;
	quarry_chunker *c;
	const quarry_chunk *ch;
	char *doc = malloc(16 + LINES * 10), *p = doc;
	size_t n, i, ov;

	(void)state;
	p += sprintf(p, "Intro.\n\n~~~\n");	/* 12 bytes */
	for (i = 0; i < LINES; i++)
		p += sprintf(p, "l%07zu\n", i);	/* 9 bytes */
	for (ov = 0; ov <= 20; ov += 20) {
		quarry_chunk_options_init(&o);
		o.unit = QUARRY_UNIT_CHARS;
		o.size = 95;
		o.overlap = ov;
		assert_int_equal(quarry_chunker_new(&c, &o), 0);
		assert_int_equal(quarry_chunker_run(c, doc, (size_t)(p - doc),
		    "en", &ch, &n), 0);
		/* "Intro.", the fence and 9 lines (92 characters), then 10
		 * lines of 8 characters and their line ends, 89 in all: with
		 * 20 of overlap, the last 2 lines of the one before again. */
		assert_int_equal(ch[0].offset, 0);
		assert_int_equal(ch[0].length, 92);
		for (i = 1; i + 1 < n; i++) {
			assert_int_equal(ch[i].length, 89);
			assert_int_equal(ch[i].size, 89);
			assert_int_equal((ch[i].offset - 12) % 9, 0);
			assert_int_equal(ch[i].offset, ch[i - 1].offset +
			    ch[i - 1].length + 1 - (ov ? 18 : 0));
		}
		assert_int_equal(n, ov ? 2500 : 2001);
		assert_int_equal(ch[n - 1].offset + ch[n - 1].length,
		    (size_t)(p - doc) - 1);
		assert_true(chunker_atoms_cap(c) <= 4096);
		quarry_chunker_free(c);
	}
	free(doc);
}

/*
 * Sentences of many words (text with no full stops, or few) are packed as
 * they are cut too, a window of atoms at a time: the chunks are those of
 * packing each block once it is cut, for every unit, budget and overlap,
 * and the atoms held stay few.
 */
static void
test_long_sentences(void **state)
{
	static const struct {
		enum quarry_unit unit;
		size_t size, overlap, min;
	} runs[] = {
		{ QUARRY_UNIT_CHARS, 95, 0, QUARRY_CHUNK_MIN_AUTO },
		{ QUARRY_UNIT_CHARS, 300, 60, QUARRY_CHUNK_MIN_AUTO },
		{ QUARRY_UNIT_CHARS, 1000, 0, 0 },
		{ QUARRY_UNIT_WORDS, 40, 5, QUARRY_CHUNK_MIN_AUTO },
		{ QUARRY_UNIT_TOKENS, 64, 0, QUARRY_CHUNK_MIN_AUTO },
		{ QUARRY_UNIT_TOKENS, 200, 30, 0 },
	};
	enum { WORDS = 60000 };
	char *doc = malloc(WORDS * 12 + 64), *p = doc;
	unsigned seed = 3;
	size_t i, r, k;

	(void)state;
	assert_non_null(doc);
	/* A sentence end only every few thousand words, now and then a
	 * comma, a line break, a long word or a paragraph break. */
	for (i = 0; i < WORDS; i++) {
		unsigned v = (unsigned)rand_r(&seed);

		p += sprintf(p, "w%05zu", i);
		if (v % 4001 == 0)
			p += sprintf(p, ". ");
		else if (v % 13 == 0)
			p += sprintf(p, ", ");
		else if (v % 31 == 0)
			p += sprintf(p, "\n");
		else if (v % 9001 == 0)
			p += sprintf(p, "\n\n");
		else if (v % 1009 == 0)
			p += sprintf(p, "%0200d ", 7);
		else
			*p++ = ' ';
	}
	*p = '\0';
	for (r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		quarry_chunk_options o;
		quarry_chunker *c1, *c2;
		const quarry_chunk *k1, *k2;
		size_t n1, n2;

		quarry_chunk_options_init(&o);
		o.unit = runs[r].unit;
		o.size = runs[r].size;
		o.overlap = runs[r].overlap;
		o.min = runs[r].min;
		assert_int_equal(quarry_chunker_new(&c1, &o), 0);
		assert_int_equal(quarry_chunker_new(&c2, &o), 0);
		chunker_set_early_pack(c2, 0);
		assert_int_equal(quarry_chunker_run(c1, doc, (size_t)(p - doc),
		    "en", &k1, &n1), 0);
		assert_int_equal(quarry_chunker_run(c2, doc, (size_t)(p - doc),
		    "en", &k2, &n2), 0);
		assert_int_equal(n1, n2);
		for (k = 0; k < n1; k++) {
			assert_int_equal(k1[k].offset, k2[k].offset);
			assert_int_equal(k1[k].length, k2[k].length);
			assert_int_equal(k1[k].size, k2[k].size);
		}
		/* The longest sentence has some 9,000 words. */
		assert_true(chunker_atoms_cap(c1) <= 4096);
		assert_true(chunker_atoms_cap(c2) > 4096);
		quarry_chunker_free(c1);
		quarry_chunker_free(c2);
	}
	free(doc);
}

static void
test_lists(void **state)
{
	(void)state;
	/* List markers count as words. */
	assert_string_equal(render("- one two\n- three four\n  five\n1. six\n", QUARRY_UNIT_WORDS, 4, 0, 0),
	    "[1-1 3] - one two|\n[1-1 4] - three four\n  five|\n[1-1 2] 1. six|\n");
}

static void
test_overlap(void **state)
{
	(void)state;
	assert_string_equal(render("Aa bb cc. Dd ee. Ff gg hh. Ii jj kk.", QUARRY_UNIT_WORDS, 6, 3, 0),
	    "[1-1 5] Aa bb cc. Dd ee.|\n[1-1 5] Dd ee. Ff gg hh.|\n[1-1 6] Ff gg hh. Ii jj kk.|\n");
}

static void
test_min_merge(void **state)
{
	(void)state;
	/* "z" alone would be a tiny trailing chunk; it fits with the rest. */
	assert_string_equal(render("a b c d\n\ne f\n\nz", QUARRY_UNIT_WORDS, 7, 0, 2),
	    "[1-1 7] a b c d\n\ne f\n\nz|\n");
	assert_string_equal(render("a b c d e\n\nf g\n\nz", QUARRY_UNIT_WORDS, 7, 0, 2),
	    "[1-1 7] a b c d e\n\nf g|\n[1-1 1] z|\n");
}

static void
test_graphemes(void **state)
{
	/* A word of 3 "e + combining acute" clusters, 6 code points. */
	const char *doc = "e\xcc\x81" "e\xcc\x81" "e\xcc\x81";

	(void)state;
	assert_string_equal(render(doc, QUARRY_UNIT_CHARS, 4, 0, 0),
	    "[1-1 4] e\xcc\x81" "e\xcc\x81|\n[1-1 2] e\xcc\x81|\n");
	/* A cluster larger than the budget is cut at code points. */
	assert_string_equal(render(doc, QUARRY_UNIT_CHARS, 1, 0, 0),
	    "[1-1 1] e|\n[1-1 1] \xcc\x81|\n[1-1 1] e|\n[1-1 1] \xcc\x81|\n"
	    "[1-1 1] e|\n[1-1 1] \xcc\x81|\n");
}

static void
test_sentence_split_mode(void **state)
{
	quarry_chunk_options o;
	quarry_chunker *c;
	const quarry_chunk *ch;
	const char *doc = "# Head\n\nOne. Two!\n\nThree?";
	size_t n;

	(void)state;
	quarry_chunk_options_init(&o);
	o.split = QUARRY_SPLIT_SENTENCES;
	assert_int_equal(quarry_chunker_new(&c, &o), 0);
	assert_int_equal(quarry_chunker_run(c, doc, strlen(doc), NULL, &ch, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(ch[0].offset, 0);
	assert_int_equal(ch[0].length, 6);
	assert_int_equal(ch[1].offset, 8);
	assert_int_equal(ch[1].length, 4);
	assert_int_equal(ch[2].offset, 13);
	assert_int_equal(ch[2].length, 4);
	assert_int_equal(ch[3].offset, 19);
	assert_int_equal(ch[3].length, 6);
	quarry_chunker_free(c);
}

static void
test_bad_options(void **state)
{
	quarry_chunk_options o;
	quarry_chunker *c;

	(void)state;
	quarry_chunk_options_init(&o);
	o.size = 0;
	assert_int_equal(quarry_chunker_new(&c, &o), QUARRY_EINVAL);
	assert_string_equal(quarry_chunker_error(c), "the size must be at least 1");
	quarry_chunker_free(c);
	o.size = 10;
	o.overlap = 10;
	assert_int_equal(quarry_chunker_new(&c, &o), QUARRY_EINVAL);
	assert_string_equal(quarry_chunker_error(c),
	    "the overlap (10) must be smaller than the size (10)");
	quarry_chunker_free(c);
}

/* Random documents from a vocabulary of troublesome pieces. */
static size_t
random_doc(char *buf, size_t cap, unsigned *seed)
{
	static const char *const pieces[] = {
		"word", "sentence.", "End!", " ", " ", " ", "\n", "\n\n", "\f",
		"# Heading\n", "\n## Sub\n", "- item ", "1. first ", "```\ncode\n```\n",
		"| a | b |\n", "\xc3\xa9t\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x80\x82",
		"e\xcc\x81\xcc\x81", "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9",
		"https://example.com/a/very/long/path/that/does/not/end/soon",
		"Mr.", "3.14", "\"Quoted.\"", "...", "\t", "x",
	};
	size_t len = 0, npieces = sizeof(pieces) / sizeof(pieces[0]);
	size_t want = (size_t)(rand_r(seed) % 3000);

	while (len < want) {
		const char *p = pieces[rand_r(seed) % npieces];
		size_t l = strlen(p);

		if (len + l >= cap)
			break;
		memcpy(buf + len, p, l);
		len += l;
	}
	buf[len] = '\0';
	return len;
}

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void
check_invariants(const char *doc, size_t len, enum quarry_unit unit,
    size_t size, size_t overlap)
{
	quarry_chunk_options o;
	quarry_chunker *c;
	const quarry_chunk *ch;
	size_t n, i, b;
	static unsigned char seen[8192];

	quarry_chunk_options_init(&o);
	o.unit = unit;
	o.size = size;
	o.overlap = overlap;
	assert_int_equal(quarry_chunker_new(&c, &o), 0);
	assert_int_equal(quarry_chunker_run(c, doc, len, NULL, &ch, &n), 0);
	memset(seen, 0, len);
	for (i = 0; i < n; i++) {
		const char *t = doc + ch[i].offset;
		size_t l = ch[i].length, real;

		assert_true(ch[i].offset + l <= len);
		assert_true(l > 0);
		/* Trimmed, on UTF-8 boundaries. */
		if (is_ws((unsigned char)t[0]) || is_ws((unsigned char)t[l - 1]))
			fprintf(stderr, "untrimmed chunk %zu [%.*s] of [%s] size %zu overlap %zu\n",
			    i, (int)l, t, doc, size, overlap);
		assert_false(is_ws((unsigned char)t[0]));
		assert_false(is_ws((unsigned char)t[l - 1]));
		if (((unsigned char)t[0] & 0xC0) == 0x80 || (ch[i].offset + l < len &&
		    ((unsigned char)t[l] & 0xC0) == 0x80))
			fprintf(stderr, "split chunk %zu [%.*s] unit %d size %zu overlap %zu\n",
			    i, (int)l, t, (int)unit, size, overlap);
		assert_true(((unsigned char)t[0] & 0xC0) != 0x80);
		assert_true(ch[i].offset + l == len ||
		    ((unsigned char)t[l] & 0xC0) != 0x80);
		assert_int_equal(quarry_utf8_validate(t, l, NULL), 0);
		/* The hard limit, measured independently. */
		if (unit == QUARRY_UNIT_CHARS)
			real = quarry_utf8_count(t, l);
		else
			real = quarry_token_estimate(t, l);
		assert_int_equal(real, ch[i].size);
		assert_true(real <= size);
		/* In order. */
		if (i > 0)
			assert_true(ch[i].offset > ch[i - 1].offset);
		if (overlap == 0 && i > 0)
			assert_true(ch[i].offset >= ch[i - 1].offset + ch[i - 1].length);
		for (b = ch[i].offset; b < ch[i].offset + l; b++)
			seen[b] = 1;
	}
	/* Nothing but white space is left out. */
	for (b = 0; b < len; b++) {
		if (!seen[b])
			assert_true(is_ws((unsigned char)doc[b]));
	}
	quarry_chunker_free(c);
}

static void
test_random_hard_limit(void **state)
{
	static char doc[8192];
	unsigned seed = 12345;
	int iter;

	(void)state;
	for (iter = 0; iter < 400; iter++) {
		size_t len = random_doc(doc, sizeof(doc), &seed);
		size_t size = 1 + (size_t)(rand_r(&seed) % 200);
		size_t overlap = iter % 3 == 0 ? (size_t)(rand_r(&seed) % size) : 0;

		check_invariants(doc, len, QUARRY_UNIT_CHARS, size, overlap);
		check_invariants(doc, len, QUARRY_UNIT_TOKENS, size + 3,
		    overlap);
	}
}

/*
 * A text of about len bytes of pseudo-random prose: wrapped lines,
 * paragraphs, runs of spaces, long runs with no sentence end, a few
 * characters outside ASCII and form feeds; with extra (when not NULL) put
 * at the start of every 40th paragraph.
 */
static char *
big_text(size_t len, unsigned seed, const char *extra)
{
	static const char *const words[] = { "the", "chunker", "packs",
	    "atoms", "into", "chunks", "w\xC3\xA9ll", "and", "a", "sentence",
	    "may", "run", "on", "for", "quite", "some", "time",
	    "\xC2\xA0nbsp", "of", "text" };
	char *t = malloc(len + 256);
	size_t n = 0, col = 0, para = 0;

	assert_non_null(t);
	while (n < len) {
		unsigned r = (unsigned)rand_r(&seed);
		const char *w = words[r % 20];

		if (col == 0 && para % 40 == 39 && extra != NULL && n > 0 &&
		    t[n - 1] == '\n') {
			n += (size_t)sprintf(t + n, "%s\n", extra);
			para++;
		}
		n += (size_t)sprintf(t + n, "%s", w);
		col += strlen(w);
		if (r % 97 == 0)
			n += (size_t)sprintf(t + n, "     ");
		/* Sentences end now and then, but some run on for long. */
		if (r % 11 == 0 && (n / 4096) % 5 != 0)
			t[n++] = '.';
		if (col > 70) {
			t[n++] = '\n';
			col = 0;
			if (r % 7 == 0) {
				t[n++] = r % 140 == 0 ? '\f' : '\n';
				para++;
			}
		} else {
			t[n++] = ' ';
			col++;
		}
	}
	t[n] = '\0';
	return t;
}

/* The tokenizer of same_with_threads()'s runs, when not NULL. */
static quarry_tokenizer *threads_tok;
/* The least part the second thread takes over (0: the chunker's own), and
 * how many twins the last two-thread run of same_with_threads() set up. */
static size_t threads_split_min, threads_twins, threads_code_twins;

/* Chunks text with one thread and with two, and checks that the chunks and
 * their heading paths are the same; returns whether the second run took
 * its twin's chunks. */
static int
same_with_threads(const char *text, enum quarry_unit unit, size_t size,
    size_t overlap, size_t min, int plain)
{
	quarry_chunk_options o;
	quarry_chunker *c1, *c2;
	const quarry_chunk *k1, *k2;
	size_t n1, n2, i;
	int taken;

	quarry_chunk_options_init(&o);
	o.unit = unit;
	o.size = size;
	o.overlap = overlap;
	o.min = min;
	o.tokenizer = threads_tok;
	assert_int_equal(quarry_chunker_new(&c1, &o), 0);
	assert_int_equal(quarry_chunker_new(&c2, &o), 0);
	quarry_chunker_set_plain(c1, plain);
	quarry_chunker_set_plain(c2, plain);
	quarry_chunker_set_threads(c2, 2);
	if (threads_split_min > 0)
		chunker_set_split_min(c2, threads_split_min);
	assert_int_equal(quarry_chunker_run(c1, text, strlen(text), "en", &k1,
	    &n1), 0);
	assert_int_equal(quarry_chunker_run(c2, text, strlen(text), "en", &k2,
	    &n2), 0);
	assert_int_equal(n1, n2);
	assert_true(n1 > 100);
	for (i = 0; i < n1; i++) {
		quarry_heading_path h1 = quarry_chunker_headings(c1, k1[i].heading);
		quarry_heading_path h2 = quarry_chunker_headings(c2, k2[i].heading);
		quarry_heading_path s1 = quarry_chunker_headings(c1, k1[i].section);
		quarry_heading_path s2 = quarry_chunker_headings(c2, k2[i].section);

		assert_int_equal(k1[i].offset, k2[i].offset);
		assert_int_equal(k1[i].length, k2[i].length);
		assert_int_equal(k1[i].size, k2[i].size);
		assert_int_equal(k1[i].page, k2[i].page);
		assert_int_equal(k1[i].page_end, k2[i].page_end);
		assert_int_equal(h1.n, h2.n);
		assert_int_equal(s1.n, s2.n);
		if (h1.n > 0)
			assert_memory_equal(h1.titles, h2.titles,
			    h1.n * sizeof(*h1.titles));
		if (s1.n > 0)
			assert_memory_equal(s1.titles, s2.titles,
			    s1.n * sizeof(*s1.titles));
	}
	taken = chunker_spec_taken(c2);
	threads_twins = chunker_spec_twins(c2);
	threads_code_twins = chunker_spec_code_twins(c2);
	assert_int_equal(chunker_spec_taken(c1), 0);
	quarry_chunker_free(c1);
	quarry_chunker_free(c2);
	return taken;
}

/*
 * Two threads (the twin chunking the second half) give the chunks that one
 * gives, for every unit and with overlap; they take the twin's chunks for
 * plain prose, and not for a text with headings (chunked by one thread
 * then), nor where a code fence runs over the middle.
 */
static void
test_two_threads(void **state)
{
	char *t = big_text((size_t)1300 << 10, 7, NULL);
	char *h = big_text((size_t)1300 << 10, 8, "## A heading");
	char *f;
	size_t m;

	(void)state;
	assert_int_equal(same_with_threads(t, QUARRY_UNIT_CHARS, 1000, 0,
	    QUARRY_CHUNK_MIN_AUTO, 0), 1);
	assert_int_equal(same_with_threads(t, QUARRY_UNIT_CHARS, 200, 50,
	    QUARRY_CHUNK_MIN_AUTO, 0), 1);
	assert_int_equal(same_with_threads(t, QUARRY_UNIT_CHARS, 3000, 1000,
	    0, 0), 1);
	assert_int_equal(same_with_threads(t, QUARRY_UNIT_WORDS, 100, 0,
	    QUARRY_CHUNK_MIN_AUTO, 0), 1);
	assert_int_equal(same_with_threads(t, QUARRY_UNIT_TOKENS, 512, 0,
	    QUARRY_CHUNK_MIN_AUTO, 0), 1);
	/* Headings: one thread; as plain text, the '#' lines are prose. */
	assert_int_equal(same_with_threads(h, QUARRY_UNIT_CHARS, 1000, 0,
	    QUARRY_CHUNK_MIN_AUTO, 0), 0);
	assert_int_equal(same_with_threads(h, QUARRY_UNIT_CHARS, 1000, 0,
	    QUARRY_CHUNK_MIN_AUTO, 1), 1);
	/* A fence from before the middle to after it: the first twin's
	 * chunks cannot be taken (the fence steps over its start), a later
	 * twin's can, or none: the chunks are the same. */
	f = strdup(t);
	assert_non_null(f);
	m = strlen(f) / 2;
	memcpy(f + m - 5000, "\n\n```\n", 6);
	memcpy(f + m + 5000, "\n```\n\n", 6);
	assert_int_equal(strlen(f), strlen(t));
	(void)same_with_threads(f, QUARRY_UNIT_CHARS, 1000, 0,
	    QUARRY_CHUNK_MIN_AUTO, 0);
	free(f);
	free(h);
	free(t);
}

/*
 * Chunks plain text t by characters with two threads, parts of 16 kB and
 * more taken over, with a budget of 1000 and with size and overlap (min
 * 0): the chunks of one thread, and the twins' taken.  Up to five times,
 * until *count (threads_twins or threads_code_twins) reaches want; returns
 * the most it reached.
 */
static size_t
most_twins(const char *t, size_t size, size_t overlap, const size_t *count,
    size_t want)
{
	size_t tries, most = 0;

	threads_split_min = 16 << 10;
	for (tries = 0; tries < 5 && most < want; tries++) {
		assert_int_equal(same_with_threads(t, QUARRY_UNIT_CHARS, 1000, 0,
		    QUARRY_CHUNK_MIN_AUTO, 1), 1);
		most = *count > most ? *count : most;
		assert_int_equal(same_with_threads(t, QUARRY_UNIT_CHARS, size,
		    overlap, 0, 1), 1);
		most = *count > most ? *count : most;
	}
	threads_split_min = 0;
	return most;
}

/*
 * When the twin is done first, the second thread takes over part of what
 * the first has left, again and again: the chunks are still the ones one
 * thread makes, page numbers (form feeds) included.  Here the first half
 * costs more (words of 3,000 Greek letters, cut where the budget ends by a
 * binary search on grapheme boundaries that utf8proc finds), the second
 * little (paragraphs that fit).
 */
static void
test_two_threads_parts(void **state)
{
	static const char *const greek[] = { "\xce\xb1", "\xce\xb2", "\xce\xb3" };
	size_t half = (size_t)700 << 10, n = 0, i;
	char *t = malloc(2 * half + 8192);
	unsigned seed = 5;

	(void)state;
	assert_non_null(t);
	while (n < half) {
		for (i = 0; i < 3000; i++)
			n += (size_t)sprintf(t + n, "%s", greek[i % 3]);
		n += (size_t)sprintf(t + n, "%s", rand_r(&seed) % 7 ? "\n\n" :
		    "\f");
	}
	while (n < 2 * half) {
		for (i = 0; i < 90; i++)
			n += (size_t)sprintf(t + n, "%s", rand_r(&seed) % 2 ?
			    "word " : "wörd ");
		n += (size_t)sprintf(t + n, "%s", rand_r(&seed) % 7 ? "end.\n\n" :
		    "end.\f");
	}
	t[n] = '\0';
	/* More than the first twin: the second thread took over parts. */
	assert_true(most_twins(t, 800, 150, &threads_twins, 3) >= 2);
	free(t);
}

/*
 * The thread that is done first may take work from the other in either
 * direction, here the first (the twin's part is the costlier), and from a
 * line of a long code block (lines of 3,000 Greek letters, cut where the
 * budget ends by a binary search on grapheme boundaries that utf8proc
 * finds) when the other is cutting it: a twin that starts in the block
 * cuts its rest into lines too.
 */
static void
test_two_threads_code(void **state)
{
	static const char *const greek[] = { "\xce\xb1", "\xce\xb2", "\xce\xb3" };
	size_t half = (size_t)600 << 10, n, i;
	char *light = big_text(half, 13, NULL), *t = malloc(3 * half + 8192);

	(void)state;
	assert_non_null(t);
	n = (size_t)sprintf(t, "%s\n\n```\n", light);
	while (n < 2 * half) {
		for (i = 0; i < 3000; i++)
			n += (size_t)sprintf(t + n, "%s", greek[i % 3]);
		t[n++] = '\n';
	}
	n += (size_t)sprintf(t + n, "```\n\nAfter the code.\n");
	assert_true(most_twins(t, 700, 100, &threads_code_twins, 1) >= 1);
	free(light);
	free(t);
}

/* Appends one "BASE64 RANK" line for the bytes s[0..n). */
static void
rank_line(struct quarry_buf *b, const char *s, size_t n, unsigned long rank)
{
	assert_int_equal(tu_rank_line(b, s, n, rank), 0);
}

/* What records_with_release()'s callbacks saw. */
struct rel_log {
	const char *text;
	size_t len;
	struct quarry_buf out;		/* the records flushed so far */
	size_t calls;
	const char *last;		/* the last release's pointer */
	int bad;			/* a release before a record's text */
};

static int
rel_flush(void *arg, struct quarry_buf *b)
{
	struct rel_log *l = arg;

	if (b->len > 0)
		assert_int_equal(quarry_buf_append(&l->out, b->data, b->len),
		    0);
	b->len = 0;
	return 0;
}

/* Every record out so far starts before upto or at it, and none of
 * those to come may start before it: checked at the end (rel_check()). */
static void
rel_release(void *arg, const char *upto)
{
	struct rel_log *l = arg;

	assert_true(upto >= l->text && upto <= l->text + l->len);
	if (l->last != NULL && upto < l->last)
		l->bad = 1;
	l->last = upto;
	l->calls++;
	/* The records flushed before this call are marked by a line
	 * "\n#upto\n" in the log. */
	{
		char line[32];
		int n = snprintf(line, sizeof(line), "#%zu\n",
		    (size_t)(upto - l->text));

		assert_int_equal(quarry_buf_append(&l->out, line, (size_t)n),
		    0);
	}
}

/* Writes the records of text (500 characters, overlap 100) with threads,
 * through flush and release (both given arg); with any, the release may
 * come from the second thread (chunker_set_release_any()). */
static void
records_released(const char *text, int threads, int any,
    quarry_chunk_flush_fn *flush, void (*release)(void *, const char *),
    void *arg)
{
	quarry_chunk_options o;
	quarry_chunker *c;
	quarry_chunk_doc d;
	struct quarry_buf out = { 0 };

	memset(&d, 0, sizeof(d));
	d.doc = "d";
	d.doclen = 1;
	d.text = text;
	d.len = strlen(text);
	d.lang = "en";
	d.release = release;
	d.release_arg = arg;
	quarry_chunk_options_init(&o);
	o.unit = QUARRY_UNIT_CHARS;
	o.size = 500;
	o.overlap = 100;
	assert_int_equal(quarry_chunker_new(&c, &o), 0);
	quarry_chunker_set_threads(c, threads);
	chunker_set_release_any(c, any);
	assert_int_equal(quarry_chunk_records(c, &d, &out, NULL, flush, arg),
	    0);
	assert_int_equal(flush(arg, &out), 0);
	quarry_buf_free(&out);
	quarry_chunker_free(c);
}

/* Writes the records of text (2 threads when threads, with release
 * calls logged in l->out among the records). */
static void
records_with_release(struct rel_log *l, const char *text, int threads)
{
	memset(l, 0, sizeof(*l));
	l->text = text;
	l->len = strlen(text);
	records_released(text, threads, 0, rel_flush, rel_release, l);
}

/* Checks l: after each release, every record's offset is at or past it. */
static void
rel_check(const struct rel_log *l)
{
	const char *p = l->out.data, *end = p + l->out.len;
	size_t upto = 0, records = 0;

	assert_int_equal(l->bad, 0);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *off;

		assert_non_null(nl);
		if (*p == '#')
			upto = strtoul(p + 1, NULL, 10);
		else {
			assert_non_null(off = strstr(p, "\"offset\":"));
			assert_true(off < nl);
			assert_true(strtoul(off + 9, NULL, 10) >= upto);
			records++;
		}
		p = nl + 1;
	}
	assert_true(records > 1000);
}

/*
 * With two threads, the caller is told, block after block, which part of
 * the text is read no more (quarry_chunk_doc's release): never a part that
 * a record still to come starts in, overlap and all, and at the end all of
 * it.  Not with one thread, nor for a text with headings, whose chunks
 * repeat titles from anywhere before them.  The records are the same.
 */
static void
test_records_release(void **state)
{
	char *t = big_text((size_t)1300 << 10, 7, NULL);
	char *h = big_text((size_t)1300 << 10, 8, "## A heading");
	struct rel_log one, two;
	char *a, *b;

	(void)state;
	records_with_release(&two, t, 2);
	rel_check(&two);
	assert_true(two.calls > 5);
	assert_ptr_equal(two.last, t + strlen(t));
	records_with_release(&one, t, 1);
	assert_int_equal(one.calls, 0);
	/* The same records, the release lines aside. */
	assert_non_null(a = strdup(one.out.data));
	assert_non_null(b = malloc(two.out.len + 1));
	{
		const char *p = two.out.data, *end = p + two.out.len;
		size_t n = 0;

		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));

			if (*p != '#') {
				memcpy(b + n, p, (size_t)(nl - p) + 1);
				n += (size_t)(nl - p) + 1;
			}
			p = nl + 1;
		}
		b[n] = '\0';
	}
	assert_string_equal(a, b);
	free(a);
	free(b);
	quarry_buf_free(&one.out);
	quarry_buf_free(&two.out);
	records_with_release(&two, h, 2);
	assert_int_equal(two.calls, 0);
	quarry_buf_free(&two.out);
	free(t);
	free(h);
}

/* A release that may come from the second thread (chunker_set_release_any()):
 * it may not reach the start of a record not yet flushed (offs, from one
 * thread's records), and the text it lets go of is overwritten, so that
 * a record written from it afterwards would differ from one thread's. */
struct poison {
	pthread_mutex_t mu;
	char *text;
	size_t len, done, calls;
	const size_t *offs;		/* the records' offsets, or NULL */
	size_t noffs, flushed;		/* records flushed so far */
	struct quarry_buf *out;		/* where they go */
	int bad;
};

static void
poison_release(void *arg, const char *upto)
{
	struct poison *p = arg;
	size_t to;

	pthread_mutex_lock(&p->mu);
	to = (size_t)(upto - p->text);
	if (upto < p->text || to > p->len || to < p->done ||
	    (p->offs != NULL && p->flushed < p->noffs &&
	    to > p->offs[p->flushed]))
		p->bad = 1;
	else {
		memset(p->text + p->done, '#', to - p->done);
		p->done = to;
	}
	p->calls++;
	pthread_mutex_unlock(&p->mu);
}

static int
poison_flush(void *arg, struct quarry_buf *b)
{
	struct poison *p = arg;
	size_t k;

	pthread_mutex_lock(&p->mu);
	for (k = 0; k < b->len; k++)
		p->flushed += b->data[k] == '\n';
	if (b->len > 0)
		assert_int_equal(quarry_buf_append(p->out, b->data, b->len),
		    0);
	b->len = 0;
	pthread_mutex_unlock(&p->mu);
	return 0;
}

/*
 * With chunker_set_release_any(), the release may come from the second
 * thread, while the caller's thread writes (flush): still never the text
 * of a record to come, all of it at the end, and the same records as one
 * thread writes.
 */
static void
test_records_release_any(void **state)
{
	char *t = big_text((size_t)1300 << 10, 7, NULL);
	struct poison p;
	struct quarry_buf one = { 0 }, two = { 0 };
	size_t *offs = NULL, noffs = 0, k;
	int threads;

	(void)state;
	for (threads = 1; threads <= 2; threads++) {
		memset(&p, 0, sizeof(p));
		assert_int_equal(pthread_mutex_init(&p.mu, NULL), 0);
		assert_non_null(p.text = strdup(t));
		p.len = strlen(t);
		p.out = threads == 1 ? &one : &two;
		p.offs = offs;
		p.noffs = noffs;
		records_released(p.text, threads, 1, poison_flush,
		    poison_release, &p);
		assert_int_equal(p.bad, 0);
		if (threads == 1) {
			const char *q = one.data, *e = q + one.len;

			assert_int_equal(p.calls, 0);
			/* The records' offsets, for the second run. */
			assert_non_null(offs = malloc(p.flushed *
			    sizeof(*offs)));
			for (; q < e; q = memchr(q, '\n', (size_t)(e - q)) + 1) {
				const char *f = strstr(q, "\"offset\":");

				assert_non_null(f);
				offs[noffs++] = strtoul(f + 9, NULL, 10);
			}
			assert_true(noffs > 1000);
		} else {
			/* How many calls depends on which thread gets there
			 * first; at least the last, to the end. */
			assert_true(p.calls >= 1);
			assert_true(p.done + 4096 > p.len);
		}
		pthread_mutex_destroy(&p.mu);
		free(p.text);
	}
	for (k = 1; k < noffs; k++)
		assert_true(offs[k] >= offs[k - 1]);
	assert_int_equal(quarry_buf_append(&one, "", 1), 0);
	assert_int_equal(quarry_buf_append(&two, "", 1), 0);
	assert_string_equal(one.data, two.data);
	quarry_buf_free(&one);
	quarry_buf_free(&two);
	free(offs);
	free(t);
}

/*
 * With a tokenizer too, two threads give the chunks one gives: the twin
 * counts with its own copy of the tokenizer (a small BPE vocabulary of
 * big_text()'s words: every byte, then pairs and words).
 */
static void
test_two_threads_tokenizer(void **state)
{
	static const char *const merges[] = { "th", "he", "the", " the",
	    "an", "and", " and", "ch", "un", "chunk", "chunker", " chunker",
	    "at", "om", "atoms", " atoms", "in", "into", " into", "s ", "ks",
	    "packs", " packs", "se", "en", "ten", "ce", "sentence",
	    " sentence", "ma", "may", " may", "ru", "run", " run", "on",
	    " on", "fo", "for", " for", "qu", "quite", " quite", "so", "me",
	    "some", " some", "ti", "time", " time", "of", " of", "te", "ext",
	    "text", " text", "ll", "w\xC3\xA9ll", " w\xC3\xA9ll", NULL };
	struct quarry_buf b = { 0 };
	char *t = big_text((size_t)1300 << 10, 9, NULL);
	unsigned long r;
	size_t i;

	(void)state;
	for (r = 0; r < 256; r++) {
		char c = (char)r;

		rank_line(&b, &c, 1, r);
	}
	for (i = 0; merges[i] != NULL; i++)
		rank_line(&b, merges[i], strlen(merges[i]), r++);
	assert_int_equal(quarry_tokenizer_load(&threads_tok, b.data, b.len,
	    "cl100k", NULL), 0);
	quarry_buf_free(&b);
	assert_int_equal(same_with_threads(t, QUARRY_UNIT_TOKENS, 512, 0,
	    QUARRY_CHUNK_MIN_AUTO, 0), 1);
	assert_int_equal(same_with_threads(t, QUARRY_UNIT_TOKENS, 256, 64,
	    QUARRY_CHUNK_MIN_AUTO, 0), 1);
	quarry_tokenizer_free(threads_tok);
	threads_tok = NULL;
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packs_paragraphs),
		cmocka_unit_test(test_sentences_when_too_big),
		cmocka_unit_test(test_long_sentence_cuts),
		cmocka_unit_test(test_headings),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_sections_long),
		cmocka_unit_test(test_literal_hash),
		cmocka_unit_test(test_fence_close),
		cmocka_unit_test(test_plain_tildes),
		cmocka_unit_test(test_bullet_items),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_code_lines_chars),
		cmocka_unit_test(test_code_and_tables),
		cmocka_unit_test(test_long_code_block),
		cmocka_unit_test(test_long_sentences),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_min_merge),
		cmocka_unit_test(test_graphemes),
		cmocka_unit_test(test_sentence_split_mode),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_random_hard_limit),
		cmocka_unit_test(test_two_threads),
		cmocka_unit_test(test_two_threads_parts),
		cmocka_unit_test(test_two_threads_code),
		cmocka_unit_test(test_two_threads_tokenizer),
		cmocka_unit_test(test_records_release),
		cmocka_unit_test(test_records_release_any),
	};

	return cmocka_run_group_tests_name("chunker", tests, NULL, NULL);
}
