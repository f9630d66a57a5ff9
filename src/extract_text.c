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

/* The pieces a text is checked in, with two threads: each thread takes the
 * next one as it is free, so that neither waits for the other at the end
 * (as with a half each, when one thread runs slower). */
#define CHECK_PIECE ((size_t)1 << 20)

/* A text being checked by pieces: whether it holds no NUL and is valid
 * UTF-8. */
struct check {
	const char *data;
	size_t len;
	size_t next;		/* atomic: the next piece to take */
	int clean;		/* atomic: cleared by a piece that is not */
};

/* The start of the piece at off: the first byte at or after it that
 * continues no character (at most 3 bytes on), or off itself (a text with
 * 4 continuation bytes in a row is not valid). */
static size_t
piece_start(const char *data, size_t len, size_t off)
{
	size_t k;

	if (off >= len)
		return len;
	for (k = 0; k < 3 && off + k < len &&
	    ((unsigned char)data[off + k] & 0xC0) == 0x80; k++)
		;
	return off + k;
}

static void *
check_pieces(void *arg)
{
	struct check *ck = arg;
	size_t k, a, b;

	while ((k = __atomic_fetch_add(&ck->next, 1, __ATOMIC_RELAXED)) *
	    CHECK_PIECE < ck->len &&
	    __atomic_load_n(&ck->clean, __ATOMIC_RELAXED)) {
		a = piece_start(ck->data, ck->len, k * CHECK_PIECE);
		b = piece_start(ck->data, ck->len, (k + 1) * CHECK_PIECE);
		if (b > a && !text_clean(ck->data + a, b - a))
			__atomic_store_n(&ck->clean, 0, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * Whether data[0, len) is known to hold no NUL and to be valid UTF-8, in
 * one pass (text_clean()); a large text by two threads, a piece at a time,
 * each split at the start of a character (a byte that continues none):
 * then the pieces are valid exactly when the whole is (a piece that would
 * start inside a run of 4 continuation bytes or more starts there, and
 * fails).  0 when it is not, or was not checked so: the caller's own
 * checks then find what is wrong, and where.
 */
static int
clean_in_pieces(const char *data, size_t len, int threads)
{
	struct check ck = { data, len, 0, 1 };
	pthread_t t;

	if (threads < 2 || len < CHECK_SPLIT_MIN)
		return text_clean(data, len);
	if (thread_start(&t, check_pieces, &ck) != 0)
		return text_clean(data, len);
	check_pieces(&ck);
	pthread_join(t, NULL);
	return ck.clean;
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
	clean = clean_in_pieces(data, len, threads);
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

