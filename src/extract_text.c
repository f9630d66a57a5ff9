/*
 * extract_text.c: the text and Markdown extractor of the extractor table
 * (extract.c), in a file of its own so that quarry-chunk --text, which
 * reads only these, does not link the PDF, HTML and office extractors (and
 * poppler, cairo and Tesseract with them: 91 shared libraries at start
 * instead of a handful).
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "quarry.h"
#include "extract_private.h"
#include "text_private.h"
#include "thread_private.h"

/* Here, not in extract.c: quarry-chunk links this file alone, and
 * extract.c's format table would bring poppler and libxml2 with it. */
void
extract_say(quarry_extract_report_fn *report, void *arg, int error,
    unsigned long line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (report != NULL)
		report(arg, error, line, msg);
}

const char *
extract_extension(const char *name)
{
	const char *base = strrchr(name, '/'), *dot;

	base = base ? base + 1 : name;
	dot = strrchr(base, '.');
	return dot != NULL && dot != base ? dot + 1 : "";
}

int
extract_ext_in(const char *name, const char *const *exts)
{
	const char *e = extract_extension(name);

	for (; *exts != NULL; exts++)
		if (strcasecmp(e, *exts) == 0)
			return 1;
	return 0;
}

int
extract_is_markdown(const char *name)
{
	static const char *const exts[] = { "md", "markdown", NULL };

	return extract_ext_in(name, exts);
}

/* The title of a Markdown text: its first level-1 ATX heading. */
static json_t *
markdown_title(const char *t, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(t + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - t) : len, a = i + 2, b = e;

		if (e - i > 2 && t[i] == '#' && t[i + 1] == ' ') {
			while (b > a && (t[b - 1] == ' ' || t[b - 1] == '\r' ||
			    t[b - 1] == '#'))
				b--;
			while (a < b && t[a] == ' ')
				a++;
			if (b > a)
				return json_stringn(t + a, b - a);
		}
		i = e + 1;
	}
	return NULL;
}

/*
 * The title of a Markdown document: the front matter's title when it has
 * one, which the author chose for the document, else the first level-1
 * heading after the front matter (a "# comment" line in the YAML is not a
 * heading).  The front matter's other fields are read when the document is
 * chunked (chunk_record.c), which also reports their problems.
 */
static json_t *
markdown_title_of(const char *t, size_t len)
{
	json_t *fm, *title = NULL;
	size_t end = 0;

	if (len > 3 && t[0] == '-') {
		if ((fm = json_object()) == NULL)
			return NULL;
		if (quarry_frontmatter_read(t, len, fm, &end, NULL, NULL, NULL,
		    NULL) == 0 && json_is_string(json_object_get(fm, "title")))
			title = json_incref(json_object_get(fm, "title"));
		json_decref(fm);
		if (title != NULL)
			return title;
	}
	return markdown_title(t + end, len - end);
}

/* Texts this large and more are checked by two threads, when allowed. */
#define CHECK_SPLIT_MIN ((size_t)4 << 20)

/* A piece of a text to check: whether it holds no NUL and is valid UTF-8. */
struct piece {
	const char *data;
	size_t len;
	int clean;
};

static void *
check_piece(void *arg)
{
	struct piece *p = arg;

	p->clean = text_clean(p->data, p->len);
	return NULL;
}

/*
 * Whether data[0, len) is known to hold no NUL and to be valid UTF-8, in
 * one pass (text_clean()); a large text by two threads, a half each, split
 * at the start of a character (a byte that continues none): then the
 * halves are valid exactly when the whole is.  0 when it is not, or was
 * not checked so: the caller's own checks then find what is wrong, and
 * where.
 */
static int
clean_in_halves(const char *data, size_t len, int threads)
{
	struct piece a, b;
	pthread_t t;
	size_t mid = len / 2, k;

	if (threads < 2 || len < CHECK_SPLIT_MIN)
		return text_clean(data, len);
	for (k = 0; k < 4 && ((unsigned char)data[mid] & 0xC0) == 0x80; k++)
		mid++;
	if (((unsigned char)data[mid] & 0xC0) == 0x80)
		return 0;
	a.data = data;
	a.len = mid;
	b.data = data + mid;
	b.len = len - mid;
	if (thread_start(&t, check_piece, &b) != 0)
		return 0;
	check_piece(&a);
	pthread_join(t, NULL);
	return a.clean && b.clean;
}

int
extract_text_fields(enum quarry_doctype t, const char *name, const char *data,
    size_t len, quarry_extract_report_fn *report, void *arg, json_t **out,
    size_t *skip, int threads)
{
	const char *nul;
	size_t bad;
	json_t *rec, *title;
	int clean;

	/* A byte order mark is not part of the text. */
	*skip = 0;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		data += 3;
		len -= 3;
		*skip = 3;
	}
	clean = clean_in_halves(data, len, threads);
	/* No record may hold a NUL (quarry(7)): the document is refused. */
	if (!clean && (nul = memchr(data, '\0', len)) != NULL) {
		const char *p, *last = data;
		unsigned long ln = 1;

		for (p = last; p < nul; p++)
			if (*p == '\n') {
				ln++;
				last = p + 1;
			}
		extract_say(report, arg, 1, ln,
		    "NUL byte at byte %zu of the line",
		    (size_t)(nul - last) + 1);
		return QUARRY_EFORMAT;
	}
	if (!clean && quarry_utf8_validate(data, len, &bad) != 0) {
		size_t ln = 1, last = 0, k;

		for (k = 0; k < bad; k++)
			if (data[k] == '\n') {
				ln++;
				last = k + 1;
			}
		extract_say(report, arg, 1, ln,
		    "invalid UTF-8 at byte %zu of the line",
		    bad - last + 1);
		return QUARRY_EUTF8;
	}
	/* A name that is not UTF-8 is carried escaped (quarry(7)). */
	rec = json_pack("{s:o?,s:o?,s:s}", "doc", quarry_name_json(name),
	    "source", quarry_name_json(name), "mime", t == QUARRY_DOCTYPE_MARKDOWN ?
	    "text/markdown" : "text/plain");
	if (rec == NULL)
		return QUARRY_ENOMEM;
	if (t == QUARRY_DOCTYPE_MARKDOWN &&
	    (title = markdown_title_of(data, len)) != NULL &&
	    json_object_set_new(rec, "title", title) != 0) {
		json_decref(rec);
		return QUARRY_ENOMEM;
	}
	*out = rec;
	return 0;
}

int
extract_text(enum quarry_doctype t, const char *name, const char *data,
    size_t len, quarry_extract_report_fn *report, void *arg, json_t **out)
{
	json_t *rec;
	size_t skip;
	int rc;

	if ((rc = extract_text_fields(t, name, data, len, report, arg, &rec,
	    &skip, 1)) != 0)
		return rc;
	/* Checked above: jansson's own check is slower than the copy. */
	if (json_object_set_new(rec, "text", json_stringn_nocheck(data + skip,
	    len - skip)) != 0) {
		json_decref(rec);
		return QUARRY_ENOMEM;
	}
	*out = rec;
	return 0;
}

