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
		extract_say(o->report, o->arg, 1, 0, "%s", quarry_pdf_error(p));
	else if (*quarry_pdf_warning(p) != '\0')
		extract_say(o->report, o->arg, 0, 0,
		    "%s", quarry_pdf_warning(p));
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
		extract_say(o->report, o->arg, 1, 0,
		    "%s", quarry_html_error(h));
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
		extract_say(o->report, o->arg, 1, 0,
		    "%s", quarry_office_error(h));
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

/* Extensions of text that is program source or data, not prose. */
static const char *const code_exts[] = {
	"c", "h", "cc", "cpp", "cxx", "hh", "hpp", "hxx", "m", "mm", "s",
	"py", "pyi", "pl", "pm", "t", "rb", "sh", "bash", "zsh", "csh", "fish",
	"js", "mjs", "cjs", "ts", "css", "scss", "less", "json", "jsonl",
	"xml", "xsl", "xslt", "xsd", "dtd", "svg", "yaml", "yml", "toml",
	"ini", "cfg", "conf", "el", "lisp", "scm", "clj", "java", "kt", "scala",
	"go", "rs", "lua", "php", "tcl", "sql", "m4", "ac", "am", "in", "mk",
	"mak", "cmake", "awk", "sed", "vim", "diff", "patch", "csv", "tsv",
	"po", "pot", "desktop", "service", "ps", "eps", "tex", "sty", "cls",
	"bib", "hs", "ml", "mli", "f", "f90", "r", "jl", "swift", "cs", "vb",
	"bat", "cmd", "ps1", "asm", "map", "lock", "sum", "mod", "pc", "pas",
	"pp", "inc", "lpr", "dpr", "adb", "ads", "d", "nim", "zig", "v", "sv",
	"vhd", "erl", "ex", "exs", "dart", "groovy", "gradle", "rules",
	NULL
};

/* Whether head[0..n) reads as prose text: UTF-8 without NUL (a sequence
 * cut at the end of the sample allowed), under 1 in 100 bytes other
 * control characters than tab, line feed, carriage return, form feed,
 * and not a script ("#!"). */
static int
looks_text(const char *head, size_t n)
{
	size_t bad, ctl = 0, i;

	if (n == 0 || memchr(head, '\0', n) ||
	    (n >= 2 && head[0] == '#' && head[1] == '!'))
		return 0;
	if (quarry_utf8_validate(head, n, &bad) != 0 &&
	    (n < SNIFF || n - bad > 3))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)head[i];

		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' &&
		    c != '\f') || c == 0x7f)
			ctl++;
	}
	return ctl * 100 < n;
}

static int
text_bid(const char *name, const char *head, size_t n)
{
	static const char *const exts[] = { "txt", "text", NULL };

	if (extract_ext_in(name, exts))
		return BID_NAME;
	/* Another name: text by its bytes (README, COPYING, README.venv,
	 * NEWS.Debian), unless the extension says program or data. */
	if (extract_ext_in(name, code_exts) || !looks_text(head, n))
		return BID_NONE;
	return BID_GUESS;
}

/* ---------------------------------------------------------- manual pages */

/* Whether name's extension is a manual section: a digit 1-9 or "n", and
 * up to five letters or digits (1, 3pm, 1ssl, 3perl, n). */
static int
man_section_ext(const char *name)
{
	const char *e = extract_extension(name);
	size_t k;

	if (!((e[0] >= '1' && e[0] <= '9') || e[0] == 'n'))
		return 0;
	for (k = 1; e[k] != '\0'; k++)
		if (k > 5 || !((e[k] >= 'a' && e[k] <= 'z') ||
		    (e[k] >= '0' && e[k] <= '9')))
			return 0;
	return 1;
}

/* Whether name's directory is "manN" (N a digit: man1, man3, ...). */
static int
in_man_dir(const char *name)
{
	const char *slash = strrchr(name, '/'), *dir;

	if (slash == NULL)
		return 0;
	for (dir = slash; dir > name && dir[-1] != '/'; dir--)
		;
	return slash - dir >= 4 && strncmp(dir, "man", 3) == 0 &&
	    dir[3] >= '0' && dir[3] <= '9';
}

/* Whether head starts as roff: its first line a request or comment, and
 * a .TH, .Dd or .so request at the start of some line of the sample (or
 * none within a whole sample: a long preamble of macro definitions). */
static int
looks_roff(const char *head, size_t n)
{
	size_t i = 0;

	if (n == 0 || (head[0] != '.' && head[0] != '\''))
		return 0;
	while (i < n) {
		const char *nl = memchr(head + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - head) : n;

		if (e - i >= 3 && (memcmp(head + i, ".TH", 3) == 0 ||
		    memcmp(head + i, ".Dd", 3) == 0 ||
		    memcmp(head + i, ".so", 3) == 0) &&
		    (e - i == 3 || head[i + 3] == ' ' || head[i + 3] == '\t'))
			return 1;
		i = e + 1;
	}
	return n >= SNIFF;
}

static int
man_bid(const char *name, const char *head, size_t n)
{
	if (!man_section_ext(name) && !extract_ext_in(name,
	    (const char *const[]){ "man", "mdoc", NULL }))
		return BID_NONE;
	if (n > 0 && looks_roff(head, n))
		return BID_MAGIC - 20;
	return n == 0 && in_man_dir(name) ? BID_NAME : BID_NONE;
}

static int
man_extract(const quarry_extract_options *o, enum quarry_doctype t,
    const char *name, const char *data, size_t len, json_t **rec)
{
	(void)t;
	return extract_man(name, data, len, o->report, o->arg, rec);
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
	{ QUARRY_DOCTYPE_MAN, "text/troff", man_bid, man_extract },
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
