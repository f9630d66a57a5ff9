/*
 * html.c: web pages to document records, the public face of the HTML module
 * (quarry.h, man/quarry-html.1).
 *
 * A page goes through four steps: its bytes are decoded to UTF-8 here (BOM,
 * then a forced charset, then <meta charset> or http-equiv in the first
 * 16 KiB, then UTF-8 when valid, else windows-1252, as browsers do; invalid
 * sequences become U+FFFD), parsed by libxml2's HTML parser with networking,
 * entities and DTDs off, read for metadata (html_meta.c), cut down to its
 * main content (html_extract.c) and rendered as light Markdown
 * (html_markdown.c).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parserInternals.h>

#include "clock_private.h"
#include "error_private.h"
#include "html_private.h"

struct quarry_html {
	quarry_html_options opt;
	struct quarry_buf utf8;		/* the page decoded */
	struct quarry_buf text;		/* the rendered text */
	json_t *meta;
	char charset[64];
	struct qerr err;
	double deadline;		/* CLOCK_MONOTONIC seconds, 0: none */
	int contents;			/* the last extract() found a contents
					   page; then: the page is one */
};

/* Attributes kept per element; libxml2 checks each new one against all
 * before it, so a tag with 100,000 of them would cost minutes. */
#define MAX_ATTRS 1024

/* How far into a page a <meta> charset declaration is looked for. */
#define PRESCAN 16384

void
quarry_html_options_init(quarry_html_options *o)
{
	memset(o, 0, sizeof(*o));
	o->links = QUARRY_HTML_LINKS_NONE;
	o->max_size = QUARRY_HTML_MAX_SIZE_DEFAULT;
}

/*
 * Maps a charset label to the name iconv should use, following the WHATWG
 * Encoding Standard where it differs from the label's literal meaning
 * (Latin-1 and ASCII are decoded as windows-1252, GB2312 as GB18030).
 */
static const char *
charset_alias(const char *label)
{
	static const struct {
		const char *label, *name;
	} map[] = {
		{ "utf8", "UTF-8" }, { "unicode-1-1-utf-8", "UTF-8" },
		{ "iso-8859-1", "WINDOWS-1252" }, { "iso8859-1", "WINDOWS-1252" },
		{ "iso_8859-1", "WINDOWS-1252" }, { "latin1", "WINDOWS-1252" },
		{ "latin-1", "WINDOWS-1252" }, { "l1", "WINDOWS-1252" },
		{ "us-ascii", "WINDOWS-1252" }, { "ascii", "WINDOWS-1252" },
		{ "ansi_x3.4-1968", "WINDOWS-1252" }, { "cp1252", "WINDOWS-1252" },
		{ "x-user-defined", "WINDOWS-1252" },
		{ "iso-8859-9", "WINDOWS-1254" }, { "latin5", "WINDOWS-1254" },
		{ "iso-8859-11", "WINDOWS-874" }, { "tis-620", "WINDOWS-874" },
		{ "gb2312", "GB18030" }, { "gbk", "GB18030" },
		{ "x-gbk", "GB18030" }, { "gb_2312-80", "GB18030" },
		{ "x-sjis", "SHIFT_JIS" }, { "shift-jis", "SHIFT_JIS" },
		{ "sjis", "SHIFT_JIS" }, { "ms_kanji", "SHIFT_JIS" },
		{ "windows-31j", "CP932" }, { "ks_c_5601-1987", "EUC-KR" },
		{ "x-mac-roman", "MACINTOSH" }, { "x-cp1251", "WINDOWS-1251" },
		{ "x-cp1250", "WINDOWS-1250" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(label, map[i].label) == 0)
			return map[i].name;
	return label;
}

/* Nonzero when iconv can decode charset. */
static int
charset_known(const char *charset)
{
	iconv_t cd = iconv_open("UTF-8", charset);

	if (cd == (iconv_t)-1)
		return 0;
	iconv_close(cd);
	return 1;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/*
 * Looks for a charset declared by a <meta> element in p[0..len): either
 * <meta charset=X> or <meta http-equiv=Content-Type content="...charset=X">.
 * Copies the label to out and returns 1, or returns 0.
 */
static int
sniff_meta(const char *p, size_t len, char *out, size_t outsz)
{
	size_t i = 0;

	while (i + 5 < len) {
		const char *m = memchr(p + i, '<', len - i);
		size_t end, j;

		if (m == NULL)
			return 0;
		i = (size_t)(m - p) + 1;
		if (i + 5 > len || strncasecmp(p + i, "meta", 4) != 0 ||
		    !(is_space((unsigned char)p[i + 4]) || p[i + 4] == '/'))
			continue;
		for (end = i; end < len && p[end] != '>'; end++)
			;
		for (j = i + 4; j + 7 < end; j++) {
			size_t k, n = 0;

			if (strncasecmp(p + j, "charset", 7) != 0)
				continue;
			k = j + 7;
			while (k < end && is_space((unsigned char)p[k]))
				k++;
			if (k >= end || p[k] != '=')
				continue;
			k++;
			while (k < end && (is_space((unsigned char)p[k]) ||
			    p[k] == '"' || p[k] == '\''))
				k++;
			while (k < end && n + 1 < outsz &&
			    (isalnum((unsigned char)p[k]) || p[k] == '-' ||
			    p[k] == '_' || p[k] == ':' || p[k] == '.'))
				out[n++] = p[k++];
			out[n] = '\0';
			if (n > 0)
				return 1;
		}
		i = end;
	}
	return 0;
}

/*
 * Heuristic for data that is not text at all: NUL bytes or many other C0
 * controls in the first 8 KiB (UTF-16 has been recognised by its BOM before).
 */
static int
looks_binary(const unsigned char *p, size_t len)
{
	size_t i, n = len < 8192 ? len : 8192, ctl = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == 0)
			return 1;
		if (p[i] < 0x20 && !is_space(p[i]) && p[i] != 0x1b)
			ctl++;
	}
	return ctl * 10 > n;
}

/*
 * Decodes in[0..len) from charset to UTF-8 into out.  Undecodable sequences
 * become U+FFFD, as do NUL characters (which would end libxml2's strings).
 */
static int
decode(quarry_html *h, const char *charset, const char *in, size_t len)
{
	static const char repl[] = "\xef\xbf\xbd";
	struct quarry_buf *out = &h->utf8;
	iconv_t cd = iconv_open("UTF-8", charset);
	char *ip = (char *)in;
	size_t ileft = len, i, j;

	if (cd == (iconv_t)-1)
		return qerr_set(&h->err, QUARRY_EINVAL, "unknown charset '%s'",
		    charset);
	out->len = 0;
	while (ileft > 0) {
		char *op;
		size_t oleft, r;

		if (quarry_buf_reserve(out, ileft * 2 + 16) != 0) {
			iconv_close(cd);
			return qerr_set(&h->err, QUARRY_ENOMEM,
			    "out of memory");
		}
		op = out->data + out->len;
		oleft = out->cap - out->len - 1;
		r = iconv(cd, &ip, &ileft, &op, &oleft);
		out->len = (size_t)(op - out->data);
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		/* EILSEQ or EINVAL: replace one byte and go on. */
		if (quarry_buf_append(out, repl, 3) != 0) {
			iconv_close(cd);
			return qerr_set(&h->err, QUARRY_ENOMEM,
			    "out of memory");
		}
		ip++;
		ileft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	iconv_close(cd);
	if (quarry_buf_reserve(out, 1) != 0)
		return qerr_set(&h->err, QUARRY_ENOMEM, "out of memory");
	/* NUL characters: count them, then widen in place from the end. */
	for (i = 0, j = 0; i < out->len; i++)
		j += out->data[i] == '\0';
	if (j > 0) {
		size_t n = out->len;

		if (quarry_buf_reserve(out, j * 2 + 1) != 0)
			return qerr_set(&h->err, QUARRY_ENOMEM,
			    "out of memory");
		out->len += j * 2;
		for (i = n, j = out->len; i > 0; i--) {
			if (out->data[i - 1] == '\0') {
				j -= 3;
				memcpy(out->data + j, repl, 3);
			} else
				out->data[--j] = out->data[i - 1];
		}
	}
	out->data[out->len] = '\0';
	return 0;
}

/* Chooses the charset of data[0..len) and decodes it into h->utf8. */
static int
decode_page(quarry_html *h, const unsigned char *data, size_t len)
{
	const char *cs = NULL;
	char label[64];

	if (len >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf) {
		cs = "UTF-8";
		data += 3;
		len -= 3;
	} else if (len >= 2 && data[0] == 0xff && data[1] == 0xfe) {
		cs = "UTF-16LE";
		data += 2;
		len -= 2;
	} else if (len >= 2 && data[0] == 0xfe && data[1] == 0xff) {
		cs = "UTF-16BE";
		data += 2;
		len -= 2;
	}
	if (h->opt.encoding != NULL)
		cs = charset_alias(h->opt.encoding);
	if (cs == NULL && looks_binary(data, len))
		return qerr_set(&h->err, QUARRY_EFORMAT,
		    "binary data, not HTML");
	if (cs == NULL && sniff_meta((const char *)data,
	    len < PRESCAN ? len : PRESCAN, label, sizeof(label))) {
		cs = charset_alias(label);
		/* A page that reached us as bytes cannot really be UTF-16. */
		if (strncasecmp(cs, "utf-16", 6) == 0 || !charset_known(cs))
			cs = NULL;
	}
	if (cs == NULL)
		cs = quarry_utf8_validate((const char *)data, len, NULL) == 0 ?
		    "UTF-8" : "WINDOWS-1252";
	snprintf(h->charset, sizeof(h->charset), "%s", cs);
	return decode(h, cs, (const char *)data, len);
}

int
quarry_html_new(quarry_html **out, const quarry_html_options *o)
{
	quarry_html *h;

	*out = NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return QUARRY_ENOMEM;
	if (o != NULL)
		h->opt = *o;
	else
		quarry_html_options_init(&h->opt);
	if (h->opt.max_size == 0)
		h->opt.max_size = QUARRY_HTML_MAX_SIZE_DEFAULT;
	html_xml_init();
	*out = h;
	if (h->opt.encoding != NULL &&
	    !charset_known(charset_alias(h->opt.encoding)))
		return qerr_set(&h->err, QUARRY_EINVAL, "unknown charset '%s'",
		    h->opt.encoding);
	return 0;
}

void
quarry_html_set_url(quarry_html *h, const char *url)
{
	h->opt.url = url;
}

/* Has the page used up its time? */
static int
late(const quarry_html *h)
{
	return h->deadline > 0 && clock_now() > h->deadline;
}

static int
name_char(int c)
{
	return c != '\0' && c != ' ' && c != '\t' && c != '\n' && c != '\r' &&
	    c != '\f' && c != '/' && c != '>' && c != '=';
}

static int
ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/*
 * Drops the attributes after the first MAX_ATTRS of every start tag, in
 * place (b->data is NUL-terminated).  Tags are read as the HTML tokenizer
 * reads them: comments, and the raw text of script, style, textarea,
 * title and xmp, are copied untouched.  A page without such a tag is left
 * as it is, byte for byte.
 */
static void
cap_attributes(struct quarry_buf *b)
{
	static const char *const raw[] = { "script", "style", "textarea",
	    "title", "xmp", NULL };
	char *r = b->data, *w = b->data, *end = b->data + b->len;

	while (r < end) {
		char *tag, *name;
		size_t nlen, k;
		unsigned attrs = 0;

		if (*r != '<') {
			*w++ = *r++;
			continue;
		}
		if (r + 4 <= end && strncmp(r, "<!--", 4) == 0) {
			char *e = strstr(r + 4, "-->");

			e = e ? e + 3 : end;
			memmove(w, r, (size_t)(e - r));
			w += e - r;
			r = e;
			continue;
		}
		if (r + 1 >= end || !isalpha((unsigned char)r[1])) {
			*w++ = *r++;
			continue;
		}
		tag = r;
		name = r + 1;
		for (r = name; r < end && name_char((unsigned char)*r); r++)
			;
		nlen = (size_t)(r - name);
		memmove(w, tag, (size_t)(r - tag));
		w += r - tag;
		while (r < end && *r != '>') {
			char *a = r;

			while (r < end && (ws((unsigned char)*r) || *r == '/'))
				r++;
			if (r < end && *r != '>') {
				r++;	/* a name may start with '=' */
				while (r < end && name_char((unsigned char)*r))
					r++;
				while (r < end && ws((unsigned char)*r))
					r++;
				if (r < end && *r == '=') {
					r++;
					while (r < end && ws((unsigned char)*r))
						r++;
					if (r < end && (*r == '"' || *r == '\'')) {
						char q = *r++;

						while (r < end && *r != q)
							r++;
						if (r < end)
							r++;
					} else
						while (r < end &&
						    !ws((unsigned char)*r) &&
						    *r != '>')
							r++;
				}
				attrs++;
			}
			if (attrs <= MAX_ATTRS || r >= end || *r == '>') {
				memmove(w, a, (size_t)(r - a));
				w += r - a;
			}
		}
		if (r < end)
			*w++ = *r++;	/* '>' */
		for (k = 0; raw[k] != NULL; k++)
			if (nlen == strlen(raw[k]) &&
			    strncasecmp(name, raw[k], nlen) == 0)
				break;
		if (raw[k] != NULL) {
			/* Up to the matching end tag, untouched. */
			char *e = r;

			while (e < end && !(e[0] == '<' && e[1] == '/' &&
			    strncasecmp(e + 2, raw[k], nlen) == 0))
				e++;
			memmove(w, r, (size_t)(e - r));
			w += e - r;
			r = e;
		}
	}
	b->len = (size_t)(w - b->data);
	b->data[b->len] = '\0';
}

/* Parses the decoded page; NULL when libxml2 gives up. */
static xmlDoc *
parse_doc(quarry_html *h)
{
	/*
	 * The HUGE option lifts libxml2's depth limit of 256 elements, beyond
	 * which it would silently drop text; every walk here is iterative.
	 */
	const int flags = HTML_PARSE_RECOVER | HTML_PARSE_NONET |
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | XML_PARSE_HUGE;
	htmlParserCtxtPtr ctxt;
	xmlDoc *doc;

	if ((ctxt = htmlNewParserCtxt()) == NULL)
		return NULL;
	doc = htmlCtxtReadMemory(ctxt, h->utf8.data, (int)h->utf8.len,
	    h->opt.url, "UTF-8", flags);
	htmlFreeParserCtxt(ctxt);
	return doc;
}

/* Extracts with the given flags and renders into h->text. */
static int
extract(quarry_html *h, xmlDoc *doc, int flags)
{
	struct html_render_options ro;
	xmlNode **roots = NULL;
	size_t nroots = 0, toc_text = 0, toc_links = 0;
	int rc;

	h->text.len = 0;
	h->contents = 0;
	if (!h->opt.keep_contents)
		html_contents_strip(doc, &toc_text, &toc_links);
	rc = html_extract_flags(doc, !h->opt.all, flags,
	    quarry_record_string(h->meta, "title", NULL), &roots, &nroots);
	/* With --all the page's navigation is kept: no verdict by links. */
	if (rc == 0 && !h->opt.keep_contents && !h->opt.all)
		h->contents = html_contents_roots(roots, nroots);
	if (rc == 0) {
		ro.links = h->opt.links;
		ro.base = h->opt.url != NULL ? h->opt.url :
		    quarry_record_string(h->meta, "url", NULL);
		rc = html_render(roots, nroots, &ro, &h->text);
	}
	/*
	 * Tables of contents that held four fifths of the page's text make
	 * it a contents page (Sphinx's contents.html, a DocBook book's
	 * index.html); a chapter with its table of contents at the top
	 * keeps its text.
	 */
	if (rc == 0 && !h->opt.keep_contents && !h->contents)
		h->contents = (toc_links >= 20 && toc_text >= 4 * h->text.len) ||
		    html_contents_text(h->text.data, h->text.len);
	free(roots);
	return rc;
}

/*
 * Below this many bytes of text, extraction is tried again with fewer
 * rules, as Readability does, and the longest result is kept.
 */
#define RETRY_BELOW 500

int
quarry_html_parse(quarry_html *h, const void *data, size_t len)
{
	static const int tries[] = { HTML_EX_ALL, 6, 4, 0 };
	struct quarry_buf best = { 0 };
	xmlDoc *doc;
	size_t t;
	int rc, best_contents = 0;

	qerr_clear(&h->err);
	h->contents = 0;
	h->text.len = 0;
	h->charset[0] = '\0';
	json_decref(h->meta);
	if ((h->meta = json_object()) == NULL)
		return qerr_set(&h->err, QUARRY_ENOMEM, "out of memory");
	if (quarry_buf_reserve(&h->text, 1) != 0)
		return qerr_set(&h->err, QUARRY_ENOMEM, "out of memory");
	h->text.data[0] = '\0';
	/* An empty page is a document without text, not a broken one. */
	if (len == 0)
		return 0;
	if (len > h->opt.max_size)
		return qerr_set(&h->err, QUARRY_ETOOBIG,
		    "page of %zu bytes exceeds the limit of %zu", len,
		    h->opt.max_size);
	h->deadline = h->opt.timeout > 0 ? clock_now() + h->opt.timeout : 0;
	if ((rc = decode_page(h, data, len)) != 0)
		return rc;
	cap_attributes(&h->utf8);
	if (h->utf8.len > (size_t)0x7fffffff)
		return qerr_set(&h->err, QUARRY_ETOOBIG,
		    "page too large for libxml2");
	if ((doc = parse_doc(h)) == NULL)
		return qerr_set(&h->err, QUARRY_EFORMAT,
		    "not readable as HTML");
	json_object_set_new(h->meta, "charset", json_string(h->charset));
	rc = late(h) ? QUARRY_ETIMEOUT : html_meta(doc, h->opt.url, h->meta);
	/* A contents or index page by its markup gives no text at all. */
	if (rc == 0 && !h->opt.keep_contents && html_contents_doc(doc)) {
		xmlFreeDoc(doc);
		h->contents = 1;
		return 0;
	}
	/*
	 * Readability keeps the longest attempt; here a later one, with fewer
	 * rules, must be clearly longer to be preferred, since what it adds is
	 * often the boilerplate those rules exist to remove.
	 */
	for (t = 0; rc == 0 && t < sizeof(tries) / sizeof(tries[0]); t++) {
		if (late(h)) {
			rc = QUARRY_ETIMEOUT;
			break;
		}
		if (t > 0) {
			xmlFreeDoc(doc);
			if ((doc = parse_doc(h)) == NULL) {
				rc = QUARRY_ENOMEM;
				break;
			}
		}
		if ((rc = extract(h, doc, tries[t])) != 0)
			break;
		if (t == 0 || h->text.len > best.len * 2 +
		    (best.len > 0 ? 100 : 0)) {
			struct quarry_buf swap = best;

			best = h->text;
			h->text = swap;
			best_contents = h->contents;
		}
		if (h->opt.all || best.len >= RETRY_BELOW)
			break;
	}
	if (rc == 0) {
		struct quarry_buf swap = h->text;

		h->text = best;
		best = swap;
		/* A contents page as a whole: its text is left out. */
		if ((h->contents = best_contents) != 0) {
			h->text.len = 0;
			h->text.data[0] = '\0';
		}
	}
	quarry_buf_free(&best);
	xmlFreeDoc(doc);
	if (rc != 0) {
		h->text.len = 0;
		if (h->text.data != NULL)
			h->text.data[0] = '\0';
		if (rc == QUARRY_ETIMEOUT)
			return qerr_set(&h->err, rc, "gave up after %g seconds",
			    h->opt.timeout);
		return qerr_set(&h->err, rc, "%s", quarry_strerror(rc));
	}
	return 0;
}

const char *
quarry_html_text(const quarry_html *h, size_t *len)
{
	if (len != NULL)
		*len = h->text.len;
	return h->text.data != NULL ? h->text.data : "";
}

const json_t *
quarry_html_metadata(const quarry_html *h)
{
	return h->meta;
}

int
quarry_html_contents(const quarry_html *h)
{
	return h->contents;
}

int
quarry_html_record(const quarry_html *h, const char *doc, json_t **rec)
{
	static const char *const fields[] = {
		"title", "author", "date", "modified", "lang", "description",
		"url", "site",
	};
	json_t *r = json_object();
	size_t i;
	int bad = 0;

	*rec = NULL;
	if (r == NULL)
		return QUARRY_ENOMEM;
	bad |= json_object_set_new(r, "doc", quarry_name_json(doc));
	bad |= json_object_set_new(r, "source", quarry_name_json(doc));
	bad |= json_object_set_new(r, "mime", json_string("text/html"));
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *v = h->meta ? json_object_get(h->meta, fields[i]) : NULL;

		if (v != NULL)
			bad |= json_object_set(r, fields[i], v);
	}
	bad |= json_object_set_new(r, "text", json_stringn(
	    h->text.data ? h->text.data : "", h->text.len));
	if (h->contents)
		bad |= json_object_set_new(r, "contents", json_true());
	if (bad) {
		json_decref(r);
		return QUARRY_ENOMEM;
	}
	*rec = r;
	return 0;
}

const char *
quarry_html_error(const quarry_html *h)
{
	return qerr_str(h ? &h->err : NULL);
}

void
quarry_html_free(quarry_html *h)
{
	if (h == NULL)
		return;
	quarry_buf_free(&h->utf8);
	quarry_buf_free(&h->text);
	json_decref(h->meta);
	free(h);
}
