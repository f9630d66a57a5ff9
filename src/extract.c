/*
 * extract.c: the extractor table -- which formats quarry reads, how each
 * one is recognised, and how each one becomes a document record.
 *
 * As in libarchive's format registration (archive_read_support_format_*.c),
 * every format brings a bid function, which says how sure it is that a
 * file is its own from the name and the first bytes, and an extract
 * function; the highest bid wins, and nothing outside a format's entry
 * knows its magic numbers.  quarry-sync picks every file's extractor here,
 * and quarry-chunk --text reads text and Markdown through the same entry,
 * so that a text file's document record is the same whichever program
 * reads it.  A new format adds one entry.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "quarry.h"
#include "extract_private.h"

/* Bids: the content's own signature beats the name, which beats a guess. */
enum { BID_NONE = 0, BID_GUESS = 10, BID_NAME = 50, BID_MAGIC = 100 };

/* Bytes a bid may look at (QUARRY_SNIFF_BYTES). */
#define SNIFF QUARRY_SNIFF_BYTES

struct format {
	enum quarry_doctype type;
	const char *mime;
	int (*bid)(const char *name, const char *head, size_t n);
	int (*extract)(const quarry_extract_options *o, enum quarry_doctype t,
	    const char *name, const char *data, size_t len, json_t **rec);
};

static void
say(const quarry_extract_options *o, int error, unsigned long line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
say(const quarry_extract_options *o, int error, unsigned long line,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (o->report != NULL)
		o->report(o->arg, error, line, msg);
}

static int
starts_ci(const char *p, const char *e, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(e - p) >= n && strncasecmp(p, lit, n) == 0;
}

/* ------------------------------------------------------------------ PDF */

static int
pdf_bid(const char *name, const char *head, size_t n)
{
	static const char *const exts[] = { "pdf", NULL };

	/* As poppler: the header anywhere in the first 1024 bytes. */
	if (n >= 5 && memmem(head, n < 1024 ? n : 1024, "%PDF-", 5) != NULL)
		return BID_MAGIC;
	return extract_ext_in(name, exts) ? BID_NAME : BID_NONE;
}

static int
pdf_extract(const quarry_extract_options *o, enum quarry_doctype t,
    const char *name, const char *data, size_t len, json_t **rec)
{
	quarry_pdf *p;
	int rc;

	(void)t;
	if ((rc = quarry_pdf_new(&p, &o->pdf)) != 0)
		return rc;
	if ((rc = quarry_pdf_extract(p, data, len, name, rec)) != 0)
		say(o, 1, 0, "%s", quarry_pdf_error(p));
	else if (*quarry_pdf_warning(p) != '\0')
		say(o, 0, 0, "%s", quarry_pdf_warning(p));
	quarry_pdf_free(p);
	return rc;
}

/* ----------------------------------------------------------------- HTML */

/* Whether head starts like an HTML document. */
static int
looks_html(const char *p, const char *e)
{
	if (e - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	for (;;) {
		while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' ||
		    *p == '\n'))
			p++;
		if (starts_ci(p, e, "<!--")) {
			const char *end = NULL, *q;

			for (q = p + 4; q + 3 <= e; q++)
				if (memcmp(q, "-->", 3) == 0) {
					end = q + 3;
					break;
				}
			if (end == NULL)
				return 0;
			p = end;
			continue;
		}
		break;
	}
	return starts_ci(p, e, "<!doctype html") || starts_ci(p, e, "<html");
}

static int
html_bid(const char *name, const char *head, size_t n)
{
	static const char *const exts[] = { "html", "htm", "xhtml", NULL };

	if (n > 0 && looks_html(head, head + n))
		return BID_MAGIC - 10;
	return extract_ext_in(name, exts) ? BID_NAME : BID_NONE;
}

static int
html_extract(const quarry_extract_options *o, enum quarry_doctype t,
    const char *name, const char *data, size_t len, json_t **rec)
{
	quarry_html *h;
	int rc;

	(void)t;
	if ((rc = quarry_html_new(&h, &o->html)) != 0)
		return rc;
	if ((rc = quarry_html_parse(h, data, len)) != 0)
		say(o, 1, 0, "%s", quarry_html_error(h));
	else
		rc = quarry_html_record(h, name, rec);
	quarry_html_free(h);
	return rc;
}

/* ------------------------------------------------ DOCX, ODT and EPUB */

/* One bid per office format: the archive's own signature
 * (quarry_office_sniff()), else the extension. */
static int
office_bid(enum quarry_office_format want, const char *ext,
    const char *name, const char *head, size_t n)
{
	const char *const exts[] = { ext, NULL };

	if (n > 0 && quarry_office_sniff(head, n) == want)
		return BID_MAGIC;
	return extract_ext_in(name, exts) ? BID_NAME : BID_NONE;
}

static int
docx_bid(const char *name, const char *head, size_t n)
{
	return office_bid(QUARRY_OFFICE_DOCX, "docx", name, head, n);
}

static int
odt_bid(const char *name, const char *head, size_t n)
{
	return office_bid(QUARRY_OFFICE_ODT, "odt", name, head, n);
}

static int
epub_bid(const char *name, const char *head, size_t n)
{
	return office_bid(QUARRY_OFFICE_EPUB, "epub", name, head, n);
}

/* The three formats share one extractor, which tells them apart from the
 * archive's contents. */
static int
office_extract(const quarry_extract_options *o, enum quarry_doctype t,
    const char *name, const char *data, size_t len, json_t **rec)
{
	quarry_office *h;
	int rc;

	(void)t;
	if ((rc = quarry_office_new(&h, &o->office)) != 0)
		return rc;
	if ((rc = quarry_office_extract(h, data, len, name, rec)) != 0)
		say(o, 1, 0, "%s", quarry_office_error(h));
	quarry_office_free(h);
	return rc;
}

/* ------------------------------------------------------ text, Markdown */

static int
markdown_bid(const char *name, const char *head, size_t n)
{
	static const char *const exts[] = { "md", "markdown", NULL };

	(void)head;
	(void)n;
	return extract_ext_in(name, exts) ? BID_NAME : BID_NONE;
}

static int
text_bid(const char *name, const char *head, size_t n)
{
	static const char *const exts[] = { "txt", "text", NULL };
	size_t bad;

	if (extract_ext_in(name, exts))
		return BID_NAME;
	/* A name without an extension: UTF-8 text without NUL, but a
	 * script ("#!") is a program, not a document. */
	if (*extract_extension(name) != '\0' || n == 0 || memchr(head, '\0', n) ||
	    (n >= 2 && head[0] == '#' && head[1] == '!'))
		return BID_NONE;
	/* Allowing a sequence cut at the end of the sample. */
	if (quarry_utf8_validate(head, n, &bad) != 0 &&
	    (n < SNIFF || n - bad > 3))
		return BID_NONE;
	return BID_GUESS;
}

/* The table's entry for text and Markdown: extract_text.c, which
 * quarry-chunk --text calls alone (without linking the other formats). */
static int
text_extract(const quarry_extract_options *o, enum quarry_doctype t,
    const char *name, const char *data, size_t len, json_t **rec)
{
	return extract_text(t, name, data, len, o->report, o->arg, rec);
}

/* ---------------------------------------------------------------- table */

/* In order of precedence when two bid the same. */
static const struct format formats[] = {
	{ QUARRY_DOCTYPE_PDF, "application/pdf", pdf_bid, pdf_extract },
	{ QUARRY_DOCTYPE_HTML, "text/html", html_bid, html_extract },
	{ QUARRY_DOCTYPE_DOCX, "application/vnd.openxmlformats-officedocument."
	    "wordprocessingml.document", docx_bid, office_extract },
	{ QUARRY_DOCTYPE_ODT, "application/vnd.oasis.opendocument.text",
	    odt_bid, office_extract },
	{ QUARRY_DOCTYPE_EPUB, "application/epub+zip", epub_bid,
	    office_extract },
	{ QUARRY_DOCTYPE_MARKDOWN, "text/markdown", markdown_bid,
	    text_extract },
	{ QUARRY_DOCTYPE_TEXT, "text/plain", text_bid, text_extract },
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

static const struct format *
format_of(enum quarry_doctype t)
{
	size_t i;

	for (i = 0; i < NFORMATS; i++)
		if (formats[i].type == t)
			return &formats[i];
	return NULL;
}

enum quarry_doctype
quarry_extract_detect(const char *name, const void *head, size_t n)
{
	enum quarry_doctype best = QUARRY_DOCTYPE_NONE;
	int top = BID_NONE, b;
	size_t i;

	if (head == NULL)
		n = 0;
	if (n > SNIFF)
		n = SNIFF;
	for (i = 0; i < NFORMATS; i++)
		if ((b = formats[i].bid(name, head, n)) > top) {
			top = b;
			best = formats[i].type;
		}
	return best;
}

const char *
quarry_doctype_mime(enum quarry_doctype t)
{
	const struct format *f = format_of(t);

	return f != NULL ? f->mime : NULL;
}

void
quarry_extract_options_init(quarry_extract_options *o)
{
	memset(o, 0, sizeof(*o));
	quarry_pdf_options_init(&o->pdf);
	quarry_html_options_init(&o->html);
	quarry_office_options_init(&o->office);
}

int
quarry_extract(const quarry_extract_options *o, enum quarry_doctype t,
    const char *name, const char *data, size_t len, json_t **rec)
{
	const struct format *f = format_of(t);

	*rec = NULL;
	if (f == NULL)
		return QUARRY_EINVAL;
	return f->extract(o, t, name, data != NULL ? data : "", len, rec);
}
