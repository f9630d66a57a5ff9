/*
 * test_pdf.c: cmocka tests of the PDF extractor: the layout engine on lines
 * made up here (furniture, headings, paragraphs, the hyphenation rule,
 * lists, normalisation), the XMP reader, and quarry_pdf_extract() on the
 * samples of samples/pdf/, in one thread and split across several, and
 * the poppler calls (src/pdf_poppler.h) on PDFs written here.
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
#include "pdf_private.h"
#include "pdf_ocr.h"
#include "pdf_poppler.h"

/* A line of body text at 10 pt, baseline y, from x to x + 6 * chars. */
static void
line(struct pdf_page *pg, double x, double y, const char *s)
{
	size_t len = strlen(s);

	assert_int_equal(pdf_page_add_line(pg, s, len, x, y - 8, x + 4.5 * len,
	    y, 10, 0), 0);
}

static void
styled(struct pdf_page *pg, double x, double y, double size, int bold,
    const char *s)
{
	size_t len = strlen(s);

	assert_int_equal(pdf_page_add_line(pg, s, len, x, y - size * 0.8,
	    x + size * 0.45 * len, y, size, bold), 0);
}

/* Lays out n pages and returns the text (static storage). */
static const char *
lay(struct pdf_page *pages, size_t n, int keep)
{
	static char out[4096];
	struct quarry_buf b = { 0 };
	struct pdf_layout_options o = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		pages[i].width = 420;
		pages[i].height = pages[i].fheight = 595;
	}
	o.keep_furniture = keep;
	assert_int_equal(pdf_layout(pages, n, &o, &b), 0);
	assert_true(b.len < sizeof(out));
	memcpy(out, b.data ? b.data : "", b.len);
	out[b.len] = '\0';
	quarry_buf_free(&b);
	for (i = 0; i < n; i++)
		pdf_page_clear(&pages[i]);
	return out;
}

static void
test_paragraphs(void **state)
{
	struct pdf_page pg = { 0 };

	(void)state;
	line(&pg, 50, 100, "The first paragraph is wrapped over");
	line(&pg, 50, 113, "two lines.");
	line(&pg, 50, 135, "After a gap, a second one starts here and");
	line(&pg, 50, 148, "goes on. A short line ends it.");
	line(&pg, 50, 161, "No gap here, but the line before was short.");
	assert_string_equal(lay(&pg, 1, 0),
	    "The first paragraph is wrapped over two lines.\n\n"
	    "After a gap, a second one starts here and goes on. A short line "
	    "ends it.\n\nNo gap here, but the line before was short.\n");
}

static void
test_hyphenation(void **state)
{
	struct pdf_page pg = { 0 };

	(void)state;
	/* Joined: the whole word occurs elsewhere. */
	line(&pg, 50, 100, "This is about extrac-");
	line(&pg, 50, 113, "tion, and extraction again; a cross-");
	/* Kept: both pieces are words of their own. */
	line(&pg, 50, 126, "reference to a cross and a reference; non-");
	/* Kept: capital after the hyphen. */
	line(&pg, 50, 139, "English text, a state-of-");
	/* Kept: a longer compound. */
	line(&pg, 50, 152, "the-art idea, a soft\xC2\xAD");
	/* Joined: soft hyphen. */
	line(&pg, 50, 165, "ware, unknown hyphen-");
	/* Joined by default. */
	line(&pg, 50, 178, "ation, years 1990-");
	line(&pg, 50, 191, "1995 end.");
	assert_string_equal(lay(&pg, 1, 0),
	    "This is about extraction, and extraction again; a cross-reference "
	    "to a cross and a reference; non-English text, a state-of-the-art "
	    "idea, a software, unknown hyphenation, years 1990-1995 end.\n");
}

static void
test_furniture(void **state)
{
	struct pdf_page pg[3];
	char buf[32];
	int i;

	(void)state;
	memset(pg, 0, sizeof(pg));
	for (i = 0; i < 3; i++) {
		line(&pg[i], 50, 40, "Annual Report 2024");
		snprintf(buf, sizeof(buf), "Text of page %d.", i + 1);
		line(&pg[i], 50, 300, buf);
		snprintf(buf, sizeof(buf), "- %d -", i + 1);
		line(&pg[i], 200, 570, buf);
	}
	assert_string_equal(lay(pg, 3, 0),
	    "Text of page 1.\n\fText of page 2.\n\fText of page 3.\n");
	memset(pg, 0, sizeof(pg));
	for (i = 0; i < 2; i++) {
		line(&pg[i], 50, 40, "Annual Report 2024");
		line(&pg[i], 50, 300, "Body.");
	}
	assert_string_equal(lay(pg, 2, 1),
	    "Annual Report 2024\n\nBody.\n\fAnnual Report 2024\n\nBody.\n");
	/* One page: nothing is known to repeat. */
	memset(pg, 0, sizeof(pg));
	line(&pg[0], 50, 40, "Annual Report 2024");
	line(&pg[0], 50, 300, "Body.");
	assert_string_equal(lay(pg, 1, 0), "Annual Report 2024\n\nBody.\n");
}

static void
test_headings_lists(void **state)
{
	struct pdf_page pg = { 0 };

	(void)state;
	styled(&pg, 50, 60, 20, 1, "Big Title");
	styled(&pg, 50, 90, 14, 0, "Section");
	line(&pg, 50, 110, "Body text that is long enough to be body.");
	styled(&pg, 50, 130, 10, 1, "Bold Heading");
	line(&pg, 50, 150, "\xE2\x80\xA2 one item");
	line(&pg, 50, 163, "\xE2\x80\xA2 another item that");
	line(&pg, 62, 176, "wraps.");
	line(&pg, 50, 189, "1. numbered");
	line(&pg, 50, 215, "Bold: not a heading, says the colon.");
	assert_string_equal(lay(&pg, 1, 0),
	    "# Big Title\n\n## Section\n\n"
	    "Body text that is long enough to be body.\n\n### Bold Heading\n\n"
	    "- one item\n- another item that wraps.\n1. numbered\n\n"
	    "Bold: not a heading, says the colon.\n");
}

static void
test_columns(void **state)
{
	struct pdf_page pg = { 0 };

	(void)state;
	/* poppler's reading order: the left column, then the right. */
	line(&pg, 50, 100, "Left column text goes");
	line(&pg, 50, 113, "on here");
	line(&pg, 230, 100, "Right column text");
	line(&pg, 230, 113, "continues");
	assert_string_equal(lay(&pg, 1, 0),
	    "Left column text goes on here\n\nRight column text continues\n");
}

/* Lays out with an outline (and the contents option). */
static const char *
lay_outline(struct pdf_page *pages, size_t n, const struct pdf_outline *ol,
    int keep_contents)
{
	static char out[4096];
	struct quarry_buf b = { 0 };
	struct pdf_layout_options o = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		pages[i].width = 420;
		pages[i].height = pages[i].fheight = 595;
	}
	o.outline = ol;
	o.keep_contents = keep_contents;
	assert_int_equal(pdf_layout(pages, n, &o, &b), 0);
	assert_true(b.len < sizeof(out));
	memcpy(out, b.data ? b.data : "", b.len);
	out[b.len] = '\0';
	quarry_buf_free(&b);
	for (i = 0; i < n; i++)
		pdf_page_clear(&pages[i]);
	return out;
}

static void
test_outline(void **state)
{
	struct pdf_page pg[2];
	struct pdf_outline ol = { 0 };

	(void)state;
	memset(pg, 0, sizeof(pg));
	/* Same size as the body: only the outline says these are headings. */
	line(&pg[0], 50, 60, "2 Creating document commands and environ-");
	line(&pg[0], 50, 73, "ments");
	line(&pg[0], 50, 100, "Body text of the chapter, long enough here.");
	line(&pg[0], 50, 130, "2.7.5");
	line(&pg[0], 100, 130, "Blocking the Installation");
	line(&pg[0], 50, 150, "More body text that follows the section.");
	/* A big line the outline does not name is not a heading then. */
	styled(&pg[1], 50, 60, 16, 1, "Figure 3");
	line(&pg[1], 50, 90, "Overview");
	line(&pg[1], 50, 110, "Text of the overview.");
	assert_int_equal(pdf_outline_add(&ol,
	    "2 Creating document commands and environments", 0, 50, 1), 0);
	assert_int_equal(pdf_outline_add(&ol, "Blocking the installation",
	    0, 120, 2), 0);
	/* Its page number says page 1; the title is at the top of page 2. */
	assert_int_equal(pdf_outline_add(&ol, "Overview", 0, 580, 3), 0);
	assert_string_equal(lay_outline(pg, 2, &ol, 0),
	    "# 2 Creating document commands and environments\n\n"
	    "Body text of the chapter, long enough here.\n\n"
	    "## 2.7.5 Blocking the Installation\n\n"
	    "More body text that follows the section.\n"
	    "\fFigure 3\n\n### Overview\n\nText of the overview.\n");
	pdf_outline_clear(&ol);
}

static void
test_code_tables_escape(void **state)
{
	struct pdf_page pg = { 0 };
	struct pdf_line *l;

	(void)state;
	/* A big line in a typewriter font is not a heading, nor a prompt. */
	styled(&pg, 50, 60, 14, 0, "$ make install");
	line(&pg, 50, 90, "Then the configuration file reads as follows:");
	line(&pg, 50, 110, "Package: *");
	line(&pg, 50, 122, "Pin: release a=unstable");
	line(&pg, 62, 134, "Pin-Priority: 100");
	pg.lines[2].mono = pg.lines[3].mono = pg.lines[4].mono = 1;
	line(&pg, 50, 160, "# not a heading, a literal hash");
	line(&pg, 50, 190, "name\tversion\tsize");
	line(&pg, 50, 202, "V:329\tI:856423\t12 MB");
	line(&pg, 50, 230, "single\trow");
	l = &pg.lines[0];
	assert_false(l->heading);
	assert_string_equal(lay(&pg, 1, 0),
	    "$ make install\n\n"
	    "Then the configuration file reads as follows:\n\n"
	    "```\nPackage: *\nPin: release a=unstable\n  Pin-Priority: 100\n```\n\n"
	    "\\# not a heading, a literal hash\n\n"
	    "| name | version | size |\n| --- | --- | --- |\n"
	    "| V:329 | I:856423 | 12 MB |\n\n"
	    "single | row\n");
}

static void
test_contents_pages(void **state)
{
	struct pdf_page pg[2];
	static const char *const toc[] = { "Contents",
	    "1 Introduction . . . . . . . . 1", "2 Basics . . . . . . . . . . 3",
	    "2.1 Files . . . . . . . . . . 4", "2.2 Packages . . . . . . . . 7",
	    "3 Networks . . . . . . . . . 12", "Index . . . . . . . . . . . 40",
	    NULL };
	size_t i;
	int keep;

	(void)state;
	for (keep = 0; keep < 2; keep++) {
		memset(pg, 0, sizeof(pg));
		for (i = 0; toc[i] != NULL; i++)
			line(&pg[0], 50, 60 + 20 * (double)i, toc[i]);
		line(&pg[1], 50, 60, "Chapter text: see page 7 for more, and page 12.");
		assert_string_equal(lay_outline(pg, 2, NULL, keep), keep ?
		    "Contents\n1 Introduction . . . . . . . . 1\n"
		    "2 Basics . . . . . . . . . . 3\n2.1 Files . . . . . . . . . . 4\n"
		    "2.2 Packages . . . . . . . . 7\n3 Networks . . . . . . . . . 12\n"
		    "Index . . . . . . . . . . . 40\n"
		    "\fChapter text: see page 7 for more, and page 12.\n" :
		    "\fChapter text: see page 7 for more, and page 12.\n");
	}
}

static void
test_normalize(void **state)
{
	struct quarry_buf b = { 0 };
	const char in[] = "\xEF\xAC\x81nal \xEF\xAC\x83x\xC2\xA0y\xE2\x80\x8Bz"
	    "\x01\xEF\xBC\xA1 \xE2\x80\xA6";

	(void)state;
	assert_int_equal(pdf_normalize_append(&b, in, sizeof(in) - 1), 0);
	assert_int_equal(quarry_buf_append(&b, "", 1), 0);
	assert_string_equal(b.data, "final ffix yzA ...");
	/* Bidi embeddings go; a boundary between two becomes a space. */
	b.len = 0;
	assert_int_equal(pdf_normalize_append(&b, "\xE2\x80\xAB" "ab"
	    "\xE2\x80\xAC\xE2\x80\xAB" "cd\xE2\x80\xAC", 16), 0);
	assert_int_equal(quarry_buf_append(&b, "", 1), 0);
	assert_string_equal(b.data, "ab cd");
	quarry_buf_free(&b);
}

static void
test_xmp(void **state)
{
	static const char xmp[] =
	    "<x:xmpmeta xmlns:x='adobe:ns:meta/'>"
	    "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
	    "<rdf:Description xmlns:dc='http://purl.org/dc/elements/1.1/' "
	    "xmlns:xmp='http://ns.adobe.com/xap/1.0/' "
	    "xmlns:pdf='http://ns.adobe.com/pdf/1.3/' "
	    "xmp:CreateDate='2020-01-02T03:04:05Z' pdf:Producer='P'>"
	    "<dc:title><rdf:Alt><rdf:li xml:lang='en'>English</rdf:li>"
	    "<rdf:li xml:lang='x-default'> Default </rdf:li></rdf:Alt></dc:title>"
	    "<dc:creator><rdf:Seq><rdf:li>A</rdf:li><rdf:li>B</rdf:li></rdf:Seq>"
	    "</dc:creator><dc:language><rdf:Bag><rdf:li>fr</rdf:li></rdf:Bag>"
	    "</dc:language><xmp:ModifyDate>2021</xmp:ModifyDate>"
	    "</rdf:Description></rdf:RDF></x:xmpmeta>";
	static const char evil[] =
	    "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
	    "<x xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:title>&e;</dc:title></x>";
	struct pdf_xmp x;

	(void)state;
	assert_int_equal(pdf_xmp_parse(xmp, sizeof(xmp) - 1, &x), 0);
	assert_string_equal(x.title, "Default");
	assert_string_equal(x.creator, "A; B");
	assert_string_equal(x.language, "fr");
	assert_string_equal(x.create_date, "2020-01-02T03:04:05Z");
	assert_string_equal(x.modify_date, "2021");
	assert_string_equal(x.producer, "P");
	assert_null(x.keywords);
	pdf_xmp_clear(&x);
	assert_int_equal(pdf_xmp_parse("<a><b></a>", 10, &x), QUARRY_EFORMAT);
	/* External entities are not fetched. */
	assert_int_equal(pdf_xmp_parse(evil, sizeof(evil) - 1, &x), 0);
	assert_true(x.title == NULL || strstr(x.title, "root") == NULL);
	pdf_xmp_clear(&x);
}

static char *
slurp(const char *name, size_t *len)
{
	const char *srcdir = getenv("srcdir");
	char path[4096];
	FILE *fp;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/samples/pdf/%s", srcdir ? srcdir : ".",
	    name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void
test_extract(void **state)
{
	quarry_pdf_options o;
	quarry_pdf *p;
	json_t *rec;
	size_t len;
	char *data = slurp("meta.pdf", &len);

	(void)state;
	quarry_pdf_options_init(&o);
	assert_int_equal(quarry_pdf_new(&p, &o), 0);
	assert_int_equal(quarry_pdf_extract(p, data, len, "m.pdf", &rec), 0);
	assert_string_equal(quarry_record_string(rec, "title", NULL), "Metadata in XMP");
	assert_string_equal(quarry_record_string(rec, "lang", NULL), "de-AT");
	assert_string_equal(quarry_record_string(rec, "text", NULL),
	    "Metadata sample.\n\fThis page is rotated.\n");
	assert_string_equal(quarry_pdf_warning(p), "");
	json_decref(rec);
	/* Truncated data is damaged. */
	assert_int_equal(quarry_pdf_extract(p, data, len / 3, "m.pdf", &rec),
	    QUARRY_EFORMAT);
	assert_null(rec);
	assert_int_equal(quarry_pdf_extract(p, "hello", 5, "h", &rec),
	    QUARRY_EFORMAT);
	assert_string_equal(quarry_pdf_error(p), "not a PDF file (no %PDF- header)");
	quarry_pdf_free(p);
	free(data);

	data = slurp("encrypted.pdf", &len);
	assert_int_equal(quarry_pdf_new(&p, &o), 0);
	assert_int_equal(quarry_pdf_extract(p, data, len, "e", &rec),
	    QUARRY_EPASSWORD);
	quarry_pdf_free(p);
	o.password = "open sesame";
	assert_int_equal(quarry_pdf_new(&p, &o), 0);
	assert_int_equal(quarry_pdf_extract(p, data, len, "e", &rec), 0);
	assert_string_equal(quarry_record_string(rec, "text", NULL),
	    "The secret text.\n");
	json_decref(rec);
	quarry_pdf_free(p);
	quarry_pdf_free(NULL);
	free(data);
}

/*
 * A one-page PDF (200 x 200 points, no content) whose Info dictionary is
 * info and whose catalog adds extra; object 5 is free for extra to use.
 * Returns its bytes (malloc) and length.
 */
static char *
mkpdf(const char *info, const char *extra, const char *obj5, size_t *len)
{
	char cat[512];
	const char *obj[5];
	char *b = malloc(8192);
	size_t off[5], n = 0, i;

	snprintf(cat, sizeof(cat), "<< /Type /Catalog /Pages 2 0 R %s >>",
	    extra);
	obj[0] = cat;
	obj[1] = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
	obj[2] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>";
	obj[3] = info;
	obj[4] = obj5 != NULL ? obj5 : "null";
	assert_non_null(b);
	n += (size_t)sprintf(b + n, "%%PDF-1.4\n");
	for (i = 0; i < 5; i++) {
		off[i] = n;
		n += (size_t)sprintf(b + n, "%zu 0 obj\n%s\nendobj\n", i + 1,
		    obj[i]);
	}
	i = n;
	n += (size_t)sprintf(b + n, "xref\n0 6\n0000000000 65535 f \n");
	for (size_t k = 0; k < 5; k++)
		n += (size_t)sprintf(b + n, "%010zu 00000 n \n", off[k]);
	n += (size_t)sprintf(b + n, "trailer\n<< /Size 6 /Root 1 0 R /Info 4 0 R >>\n"
	    "startxref\n%zu\n%%%%EOF\n", i);
	*len = n;
	return b;
}

struct ol_seen {
	char buf[512];
};

static int
ol_note(void *arg, const char *title, unsigned level, int page, int has_top,
    double top)
{
	struct ol_seen *o = arg;
	size_t n = strlen(o->buf);

	snprintf(o->buf + n, sizeof(o->buf) - n, "[%s %u %d %d %g]", title,
	    level, page, has_top, top);
	return 0;
}

static int
ol_stop(void *arg, const char *title, unsigned level, int page, int has_top,
    double top)
{
	ol_note(arg, title, level, page, has_top, top);
	return 7;
}

/* Info strings decoded as poppler-glib decodes them, dates, the outline. */
static void
test_poppler(void **state)
{
	size_t len;
	char *data, *s;
	struct pp_doc *d;
	struct pp_page *pg;
	struct pp_rect all = { 0, 0, 200, 200 };
	struct ol_seen seen;
	int err, f[6], tz;
	double w, h;

	(void)state;
	data = mkpdf("<< /Title <FEFF00480069> /Author <FFFE48006900> "
	    "/Subject <FEFF0048D83DDE00> /Keywords <FEFF004800> "
	    "/Creator (caf\\351 \\200) /Producer <FEFFDC00> "
	    "/CreationDate (D:20240131120000+05'30') /ModDate (D:2024) "
	    "/Month (D:20241301) /Second (D:20240229235960Z) >>",
	    "/Outlines 6 0 R /Dests 5 0 R",
	    "<< /intro [3 0 R /FitH 120] >>\nendobj\n"
	    "6 0 obj\n<< /First 7 0 R /Last 8 0 R /Count 2 >>\nendobj\n"
	    "7 0 obj\n<< /Title (One) /Parent 6 0 R /Next 8 0 R "
	    "/Dest [3 0 R /XYZ 0 150 0] /First 9 0 R /Last 9 0 R /Count 1 >>\n"
	    "endobj\n"
	    "8 0 obj\n<< /Title <FEFF00540077006F> /Parent 6 0 R /Prev 7 0 R "
	    "/Dest /intro >>\nendobj\n"
	    "9 0 obj\n<< /Title (Inner) /Parent 7 0 R /Dest [3 0 R /Fit] >>",
	    &len);
	d = pp_doc_open(data, len, NULL, &err);
	assert_non_null(d);
	assert_int_equal(err, PP_ERR_NONE);
	assert_int_equal(pp_doc_n_pages(d), 1);

	s = pp_doc_info(d, "Title");
	assert_string_equal(s, "Hi");		/* UTF-16BE */
	free(s);
	s = pp_doc_info(d, "Author");
	assert_string_equal(s, "Hi");		/* UTF-16LE */
	free(s);
	s = pp_doc_info(d, "Subject");
	assert_string_equal(s, "H\xF0\x9F\x98\x80");	/* a surrogate pair */
	free(s);
	assert_null(pp_doc_info(d, "Keywords"));	/* odd length */
	s = pp_doc_info(d, "Creator");
	assert_string_equal(s, "caf\xC3\xA9 \xE2\x80\xA2");	/* PDFDocEncoding */
	free(s);
	assert_null(pp_doc_info(d, "Producer"));	/* a lone surrogate */
	assert_null(pp_doc_info(d, "Missing"));

	assert_int_equal(pp_doc_info_date(d, "CreationDate", f, &tz), 0);
	assert_int_equal(f[0], 2024);
	assert_int_equal(f[1], 1);
	assert_int_equal(f[2], 31);
	assert_int_equal(f[3], 12);
	assert_int_equal(f[5], 0);
	assert_int_equal(tz, 5 * 60 + 30);
	assert_int_equal(pp_doc_info_date(d, "ModDate", f, &tz), 0);
	assert_int_equal(f[0], 2024);
	assert_int_equal(f[1], 1);
	assert_int_equal(tz, 0);
	assert_int_equal(pp_doc_info_date(d, "Missing", f, &tz), -1);
	assert_int_equal(pp_doc_info_date(d, "Month", f, &tz), -1);
	assert_int_equal(pp_doc_info_date(d, "Second", f, &tz), -1);
	assert_null(pp_doc_xmp(d));

	/* Depth first, a named destination looked up, tops from the bottom. */
	seen.buf[0] = '\0';
	assert_int_equal(pp_doc_outline(d, 16, ol_note, &seen), 0);
	assert_string_equal(seen.buf,
	    "[One 1 1 1 150][Inner 2 1 0 0][Two 1 1 1 120]");
	seen.buf[0] = '\0';
	assert_int_equal(pp_doc_outline(d, 1, ol_note, &seen), 0);
	assert_string_equal(seen.buf, "[One 1 1 1 150][Two 1 1 1 120]");
	seen.buf[0] = '\0';
	assert_int_equal(pp_doc_outline(d, 16, ol_stop, &seen), 7);
	assert_string_equal(seen.buf, "[One 1 1 1 150]");

	assert_null(pp_page_get(d, 1));
	assert_null(pp_page_get(d, -1));
	pg = pp_page_get(d, 0);
	assert_non_null(pg);
	pp_page_size(pg, &w, &h);
	assert_true(w == 200 && h == 200);
	s = pp_page_text(pg, &all);
	assert_string_equal(s, "");
	free(s);
	pp_page_free(pg);
	pp_doc_free(d);

	/* Not a PDF at all: poppler-glib's message. */
	assert_null(pp_doc_open("%PDF-1.4\nnothing", 16, NULL, &err));
	assert_int_equal(err, PP_ERR_DAMAGED);
	assert_string_equal(pp_strerror(err), "PDF document is damaged");
	free(data);
}

/* Extracts article.pdf with n threads; returns its text (malloc). */
static char *
article_text(const char *data, size_t len, unsigned n)
{
	quarry_pdf_options o;
	quarry_pdf *p;
	json_t *rec;
	char *t;

	quarry_pdf_options_init(&o);
	o.threads = n;
	assert_int_equal(quarry_pdf_new(&p, &o), 0);
	assert_int_equal(quarry_pdf_extract(p, data, len, "a", &rec), 0);
	t = strdup(quarry_record_string(rec, "text", NULL));
	assert_non_null(t);
	json_decref(rec);
	quarry_pdf_free(p);
	return t;
}

static void
test_threads(void **state)
{
	size_t len;
	char *data = slurp("article.pdf", &len);
	char *one = article_text(data, len, 1), *t;

	(void)state;
	t = article_text(data, len, 2);
	assert_string_equal(t, one);
	free(t);
	t = article_text(data, len, 3);
	assert_string_equal(t, one);
	free(t);
	free(one);
	free(data);
}

/* --ocr-lang's default: a document's language tag to Tesseract's data. */
static void
test_ocr_lang(void **state)
{
	static const char *const cases[][2] = {
		{ "en", "eng" }, { "en-US", "eng" }, { "EN-gb", "eng" },
		{ "de", "deu" }, { "de-CH", "deu" }, { "fr", "fra" },
		{ "es", "spa" }, { "it", "ita" }, { "nl", "nld" },
		{ "pt-BR", "por" }, { "ru", "rus" }, { "ja", "jpn" },
		{ "ko", "kor" }, { "ar", "ara" }, { "he", "heb" },
		{ "fa", "fas" }, { "el", "ell" }, { "cs", "ces" },
		{ "zh", "chi_sim" }, { "zh-CN", "chi_sim" },
		{ "zh-Hant", "chi_tra" }, { "zh-TW", "chi_tra" },
		{ "sr", "srp" }, { "sr-Latn", "srp_latn" }, { "nb", "nor" },
		{ "deu", "deu" }, { "ger", "deu" }, { "fre", "fra" },
		{ "eng", "eng" }, { "de_AT", "deu" },
	};
	char out[36];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = pdf_ocr_lang_code(cases[i][0]);

		assert_non_null(got);
		assert_string_equal(got, cases[i][1]);
	}
	assert_null(pdf_ocr_lang_code("zu"));
	assert_null(pdf_ocr_lang_code("x-unknown"));
	assert_null(pdf_ocr_lang_code("e"));
	assert_null(pdf_ocr_lang_code("english"));
	assert_null(pdf_ocr_lang_code("d3"));
	assert_null(pdf_ocr_lang_code(""));
	assert_null(pdf_ocr_lang_code(NULL));
	/* The catalog's /Lang, not a /Lang of another object. */
#define CAT(s) s, sizeof(s) - 1
	assert_int_equal(pdf_catalog_lang(CAT("%PDF-1.4\n1 0 obj\n<< /Type "
	    "/Catalog /Pages 2 0 R /Lang (de-CH) >>\nendobj\n"), out,
	    sizeof(out)), 0);
	assert_string_equal(out, "de-CH");
	assert_int_equal(pdf_catalog_lang(CAT("%PDF-1.4\n1 0 obj\n<</Lang(fr)"
	    "/Type/Catalog/Pages 2 0 R>>\nendobj\n"), out, sizeof(out)), 0);
	assert_string_equal(out, "fr");
	assert_int_equal(pdf_catalog_lang(CAT("%PDF-1.4\n3 0 obj\n<< /S /Span "
	    "/Lang (it) >>\nendobj\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"),
	    out, sizeof(out)), -1);
	assert_int_equal(pdf_catalog_lang(CAT("1 0 obj << /Type /Catalog "
	    "/Lang (de\\)x) >> endobj"), out, sizeof(out)), -1);
	assert_int_equal(pdf_catalog_lang(CAT("1 0 obj << /Type /Catalog "
	    "/Lang <FEFF0064> >> endobj"), out, sizeof(out)), -1);
	assert_int_equal(pdf_catalog_lang(CAT("/Type /Catalog /Lang (en)"),
	    out, sizeof(out)), -1);
	assert_int_equal(pdf_catalog_lang(CAT("1 0 obj << /Type /Catalog "
	    "/Lang (en-GB-oed-extra-long-tag) >> endobj"), out, 6), -1);
#undef CAT
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paragraphs),
		cmocka_unit_test(test_hyphenation),
		cmocka_unit_test(test_furniture),
		cmocka_unit_test(test_headings_lists),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_outline),
		cmocka_unit_test(test_code_tables_escape),
		cmocka_unit_test(test_contents_pages),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_xmp),
		cmocka_unit_test(test_extract),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_ocr_lang),
		cmocka_unit_test(test_poppler),
	};

	return cmocka_run_group_tests_name("pdf", tests, NULL, NULL);
}
