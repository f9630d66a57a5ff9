/*
 * frontmatter.c: YAML front matter of Markdown texts, read into record
 * fields.
 *
 * Front matter is a first line "---", then YAML, then a line "---" or
 * "...".  The YAML that front matter holds in practice (Jekyll, Hugo,
 * Pandoc, MkDocs, Obsidian) is read: "key: value" pairs of plain, 'single'
 * or "double" quoted scalars, flow sequences ([a, b]), block sequences
 * ("- item" lines under the key), block scalars (| and >), one level of
 * nested mappings, comments and blank lines.  Scalars stay strings, as
 * written: a version "1.10" or a country code "NO" is not turned into a
 * number or a boolean.  What it cannot read (anchors, tags, deeper
 * nesting) makes it give up with the line, and the caller keeps the text as
 * it is.
 *
 * The fields quarry knows are normalised as quarry-meta does (date.c,
 * author.c): "date" (also "published", "created"), "modified" (also
 * "updated", "lastmod", "last_modified"), "author" (also "authors", a list
 * joined by "; ").  Fields quarry's records reserve for themselves (doc,
 * text, id, offset...) are left out, reported through the warning callback.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"

/* Front matter longer than this is not front matter. */
#define FM_MAX_BYTES (1u << 20)
#define FM_MAX_DEPTH 2

struct line {
	const char *s;		/* the line without its newline */
	size_t n;
	size_t indent;		/* leading spaces */
	unsigned long no;	/* 1-based line number */
};

struct fm {
	struct line *lines;
	size_t nlines;
	quarry_meta_warn_fn *warn;
	void *arg;
	char msg[200];
	unsigned long errline;
};

static void
warn(struct fm *f, unsigned long line, const char *fmt, ...)
{
	char buf[300];
	va_list ap;

	if (f->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	f->warn(f->arg, line, buf);
}

static int
fail(struct fm *f, unsigned long line, const char *what)
{
	f->errline = line;
	snprintf(f->msg, sizeof(f->msg), "%s", what);
	return QUARRY_EFORMAT;
}

static int
is_blank_or_comment(const struct line *l)
{
	size_t i = l->indent;

	return i == l->n || l->s[i] == '#';
}

/* Trims spaces and tabs from both ends of s[*a, *b). */
static void
trim(const char *s, size_t *a, size_t *b)
{
	while (*a < *b && (s[*a] == ' ' || s[*a] == '\t'))
		(*a)++;
	while (*b > *a && (s[*b - 1] == ' ' || s[*b - 1] == '\t' ||
	    s[*b - 1] == '\r'))
		(*b)--;
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Appends code point cp as UTF-8. */
static int
put_cp(struct quarry_buf *b, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 63));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 63));
		u[2] = (char)(0x80 | (cp & 63));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 63));
		u[2] = (char)(0x80 | (cp >> 6 & 63));
		u[3] = (char)(0x80 | (cp & 63));
		n = 4;
	}
	return quarry_buf_append(b, u, n);
}

/*
 * Reads one scalar from s[*i, n), stopping (when in_flow) at ',' or ']'
 * outside quotes.  Returns a new JSON string, or NULL with *bad set.
 */
static json_t *
scalar(const char *s, size_t n, size_t *i, int in_flow, int *bad)
{
	struct quarry_buf b = { 0 };
	json_t *v;
	size_t a = *i, e;

	*bad = 0;
	while (a < n && (s[a] == ' ' || s[a] == '\t'))
		a++;
	if (a < n && (s[a] == '"' || s[a] == '\'')) {
		char q = s[a++];

		for (;;) {
			if (a >= n) {
				*bad = 1;
				goto out;
			}
			if (s[a] == q) {
				if (q == '\'' && a + 1 < n && s[a + 1] == '\'') {
					quarry_buf_append(&b, "'", 1);
					a += 2;
					continue;
				}
				a++;
				break;
			}
			if (q == '"' && s[a] == '\\' && a + 1 < n) {
				char c = s[a + 1];
				unsigned long cp = 0;
				int k, digits = c == 'u' ? 4 : c == 'U' ? 8 :
				    c == 'x' ? 2 : 0;

				a += 2;
				if (digits > 0) {
					for (k = 0; k < digits; k++) {
						int h = a < n ? hexval(s[a]) : -1;

						if (h < 0) {
							*bad = 1;
							goto out;
						}
						cp = cp << 4 | (unsigned long)h;
						a++;
					}
					if (cp == 0 || cp > 0x10FFFF ||
					    (cp >= 0xD800 && cp <= 0xDFFF)) {
						*bad = 1;
						goto out;
					}
					put_cp(&b, cp);
					continue;
				}
				switch (c) {
				case 'n': c = '\n'; break;
				case 't': c = '\t'; break;
				case 'r': c = '\r'; break;
				case '0': *bad = 1; goto out;
				default: break;
				}
				quarry_buf_append(&b, &c, 1);
				continue;
			}
			quarry_buf_append(&b, s + a, 1);
			a++;
		}
		/* Only a comment may follow the closing quote. */
		while (a < n && (s[a] == ' ' || s[a] == '\t'))
			a++;
		if (a < n && s[a] != '#' && !(in_flow && (s[a] == ',' ||
		    s[a] == ']'))) {
			*bad = 1;
			goto out;
		}
		*i = a;
	} else {
		/* A plain scalar: to the end, or to " #" (a comment). */
		for (e = a; e < n; e++) {
			if (in_flow && (s[e] == ',' || s[e] == ']'))
				break;
			if (s[e] == '#' && e > a && (s[e - 1] == ' ' ||
			    s[e - 1] == '\t'))
				break;
		}
		*i = e;
		trim(s, &a, &e);
		quarry_buf_append(&b, s + a, e - a);
	}
	if (b.data == NULL)
		quarry_buf_append(&b, "", 0);
out:
	/* The appends above are checked once, here (sticky errors). */
	if (*bad || quarry_buf_check(&b) != 0 || b.data == NULL) {
		quarry_buf_free(&b);
		if (!*bad)
			*bad = 2;	/* out of memory */
		return NULL;
	}
	v = json_stringn(b.data, b.len);
	quarry_buf_free(&b);
	if (v == NULL)
		*bad = 1;	/* not UTF-8, or a NUL */
	return v;
}

/* Reads a flow sequence "[a, 'b', c]" from s[i, n) (s[i] == '['). */
static json_t *
flow_seq(const char *s, size_t n, size_t i)
{
	json_t *arr = json_array();
	int bad;

	if (arr == NULL)
		return NULL;
	i++;
	for (;;) {
		json_t *v;
		size_t k = i;

		while (k < n && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if (k < n && s[k] == ']' && json_array_size(arr) == 0) {
			i = k + 1;
			break;
		}
		if (k < n && (s[k] == '[' || s[k] == '{'))
			goto bad;
		if ((v = scalar(s, n, &i, 1, &bad)) == NULL)
			goto bad;
		json_array_append_new(arr, v);
		if (i < n && s[i] == ',') {
			i++;
			continue;
		}
		if (i < n && s[i] == ']') {
			i++;
			break;
		}
		goto bad;
	}
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && s[i] != '#')
		goto bad;
	return arr;
bad:
	json_decref(arr);
	return NULL;
}

static json_t *value_at(struct fm *f, size_t *li, size_t indent,
    const char *s, size_t n, size_t i, int depth);

/* Reads a block scalar ("|" or ">") after line *li, more indented than
 * indent. */
static json_t *
block_scalar(struct fm *f, size_t *li, size_t indent, char style, char chomp)
{
	struct quarry_buf b = { 0 };
	size_t k = *li + 1, ind = 0, last = 0;
	json_t *v;
	int first = 1;

	for (; k < f->nlines; k++) {
		const struct line *l = &f->lines[k];

		if (l->indent == l->n) {	/* blank: a paragraph break */
			if (!first)
				quarry_buf_append(&b, "\n", 1);
			continue;
		}
		if (l->indent <= indent)
			break;
		if (first)
			ind = l->indent;
		if (l->indent < ind)
			break;
		if (!first && b.len > 0 && b.data[b.len - 1] != '\n')
			quarry_buf_append(&b, style == '>' ? " " : "\n", 1);
		quarry_buf_append(&b, l->s + ind, l->n - ind);
		last = b.len;
		first = 0;
	}
	*li = k - 1;
	/* Clip (the default) keeps one final newline, strip (-) none. */
	quarry_buf_truncate(&b, last);
	if (chomp != '-' && b.len > 0)
		quarry_buf_append(&b, "\n", 1);
	if (b.data == NULL)
		quarry_buf_append(&b, "", 0);
	/* The appends above are checked once, here (sticky errors). */
	v = quarry_buf_check(&b) == 0 && b.data ?
	    json_stringn(b.data, b.len) : NULL;
	quarry_buf_free(&b);
	return v;
}

/*
 * Reads a block sequence or mapping that starts at line *li + 1, indented
 * more than indent (or, for a sequence, as much).  *li ends on its last
 * line.
 */
static json_t *
block(struct fm *f, size_t *li, size_t indent, int depth)
{
	size_t k = *li + 1, ind;
	const struct line *l;

	while (k < f->nlines && is_blank_or_comment(&f->lines[k]))
		k++;
	if (k >= f->nlines)
		return json_string("");
	l = &f->lines[k];
	ind = l->indent;
	if (l->n > ind + 1 && l->s[ind] == '-' && l->s[ind + 1] == ' ' &&
	    ind >= indent) {
		json_t *arr = json_array();

		for (; k < f->nlines; k++) {
			json_t *v;

			l = &f->lines[k];
			if (is_blank_or_comment(l))
				continue;
			if (l->indent != ind || l->n < ind + 2 ||
			    l->s[ind] != '-' || l->s[ind + 1] != ' ')
				break;
			*li = k;
			v = value_at(f, li, ind + 1, l->s, l->n, ind + 2,
			    depth + 1);
			if (v == NULL) {
				json_decref(arr);
				return NULL;
			}
			json_array_append_new(arr, v);
			k = *li;
		}
		return arr;
	}
	if (ind > indent && depth < FM_MAX_DEPTH) {
		json_t *obj = json_object();

		for (; k < f->nlines; k++) {
			const char *colon;
			json_t *v;
			char key[128];
			size_t kl;

			l = &f->lines[k];
			if (is_blank_or_comment(l))
				continue;
			if (l->indent < ind)
				break;
			if (l->indent > ind)
				goto bad;
			colon = memchr(l->s + ind, ':', l->n - ind);
			if (colon == NULL || (colon + 1 < l->s + l->n &&
			    colon[1] != ' ' && colon[1] != '\t'))
				goto bad;
			kl = (size_t)(colon - (l->s + ind));
			if (kl == 0 || kl >= sizeof(key))
				goto bad;
			memcpy(key, l->s + ind, kl);
			key[kl] = '\0';
			*li = k;
			v = value_at(f, li, ind, l->s, l->n,
			    (size_t)(colon + 1 - l->s), depth + 1);
			if (v == NULL)
				goto bad;
			if (json_object_set_new(obj, key, v) != 0)
				goto bad;
			k = *li;
		}
		return obj;
bad:
		json_decref(obj);
		return NULL;
	}
	return json_string("");
}

/* Reads the value that starts at s[i] of line *li, whose key is indented
 * by indent. */
static json_t *
value_at(struct fm *f, size_t *li, size_t indent, const char *s, size_t n,
    size_t i, int depth)
{
	size_t k = i;
	int bad;

	if (depth > FM_MAX_DEPTH)
		return NULL;
	while (k < n && (s[k] == ' ' || s[k] == '\t'))
		k++;
	if (k == n || s[k] == '#')
		return block(f, li, indent, depth);
	if (s[k] == '[')
		return flow_seq(s, n, k);
	if (s[k] == '{' || s[k] == '&' || s[k] == '*' || s[k] == '!' ||
	    s[k] == '@' || s[k] == '`')
		return NULL;
	if (s[k] == '|' || s[k] == '>') {
		char style = s[k], chomp = 0;
		size_t e = k + 1;

		if (e < n && (s[e] == '-' || s[e] == '+'))
			chomp = s[e++];
		while (e < n && (s[e] == ' ' || s[e] == '\t'))
			e++;
		if (e < n && s[e] != '#')
			return NULL;
		return block_scalar(f, li, indent, style, chomp);
	}
	/* A "- item" after a sequence dash, on the same line: "- a: b" is a
	 * mapping, which is beyond what front matter needs. */
	return scalar(s, n, &k, 0, &bad);
}

/* Fields a document record reserves, which front matter cannot set. */
static int
reserved(const char *key)
{
	static const char *const names[] = {
		"doc", "source", "text", "mime", "id", "chunk", "offset",
		"length", "page", "page_end", "pages", "first_page",
		"headings", "section", "tokens", "hash", "embedding", "model",
		"score", NULL,
	};
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(key, names[i]) == 0)
			return 1;
	return 0;
}

/* The record field a front matter key sets. */
static const char *
field_of(const char *key)
{
	if (strcmp(key, "published") == 0 || strcmp(key, "created") == 0)
		return "date";
	if (strcmp(key, "updated") == 0 || strcmp(key, "lastmod") == 0 ||
	    strcmp(key, "last_modified") == 0)
		return "modified";
	if (strcmp(key, "authors") == 0)
		return "author";
	return key;
}

/* Joins a string or a sequence of strings with "; ". */
static int
joined(json_t *v, struct quarry_buf *b)
{
	size_t i;
	json_t *e;

	b->len = 0;
	if (json_is_string(v))
		return quarry_buf_append(b, json_string_value(v),
		    json_string_length(v));
	if (!json_is_array(v))
		return -1;
	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			return -1;
		if ((i > 0 && quarry_buf_append(b, "; ", 2) != 0) ||
		    quarry_buf_append(b, json_string_value(e),
		    json_string_length(e)) != 0)
			return -1;
	}
	return 0;
}

/* Sets field to v in rec, normalising dates and authors. */
static int
set(struct fm *f, json_t *rec, const char *key, json_t *v, unsigned long line,
    const char *lang)
{
	const char *field = field_of(key);
	struct quarry_buf b = { 0 };
	int rc = 0;

	if (reserved(key)) {
		warn(f, line, "front matter field \"%s\" is reserved; left out",
		    key);
		goto done;
	}
	if (json_object_get(rec, field) != NULL)
		goto done;	/* the record's own field wins; so does the
				   first of "date" and "published" */
	if (strcmp(field, "date") == 0 || strcmp(field, "modified") == 0) {
		char out[21];

		if (!json_is_string(v) || quarry_date_parse(json_string_value(v),
		    json_string_length(v), QUARRY_DATE_AUTO, lang, 0, out) != 0) {
			warn(f, line, "front matter %s: not a date; left out",
			    key);
			goto done;
		}
		rc = json_object_set_new(rec, field, json_string(out));
	} else if (strcmp(field, "author") == 0) {
		char *out = NULL;

		if (joined(v, &b) != 0 || b.len == 0 ||
		    quarry_author_normalize(b.data, b.len, &out) != 0) {
			warn(f, line, "front matter %s: no author name; left out",
			    key);
			goto done;
		}
		rc = json_object_set_new(rec, field, json_string(out));
		free(out);
	} else
		rc = json_object_set(rec, field, v);
done:
	quarry_buf_free(&b);
	return rc != 0 ? QUARRY_ENOMEM : 0;
}

int
quarry_frontmatter_read(const char *text, size_t len, json_t *rec,
    size_t *end, quarry_meta_warn_fn *warnfn, void *arg, unsigned long *errline,
    const char *lang)
{
	struct fm f = { 0 };
	size_t pos, cap = 0, close = 0, li;
	int rc = 0, closed = 0;
	json_t *fields = NULL;
	unsigned long *keyline = NULL;

	*end = 0;
	if (errline != NULL)
		*errline = 0;
	f.warn = warnfn;
	f.arg = arg;
	/* The opening line: exactly "---". */
	if (len < 4 || memcmp(text, "---", 3) != 0)
		return 0;
	if (text[3] == '\n')
		pos = 4;
	else if (len >= 5 && text[3] == '\r' && text[4] == '\n')
		pos = 5;
	else
		return 0;
	/* Split into lines up to the closing "---" or "...". */
	while (pos < len && pos < FM_MAX_BYTES) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t e = nl ? (size_t)(nl - text) : len, n = e - pos, ind = 0;

		if (n > 0 && text[e - 1] == '\r')
			n--;
		if ((n == 3 && (memcmp(text + pos, "---", 3) == 0 ||
		    memcmp(text + pos, "...", 3) == 0))) {
			closed = 1;
			close = nl ? e + 1 : len;
			break;
		}
		if (f.nlines == cap) {
			struct line *nlns;

			cap = cap ? 2 * cap : 32;
			if ((nlns = realloc(f.lines, cap * sizeof(*nlns))) == NULL) {
				rc = QUARRY_ENOMEM;
				goto out;
			}
			f.lines = nlns;
		}
		while (ind < n && text[pos + ind] == ' ')
			ind++;
		if (ind < n && text[pos + ind] == '\t') {
			rc = fail(&f, f.nlines + 2, "a tab in the indentation");
			goto out;
		}
		f.lines[f.nlines].s = text + pos;
		f.lines[f.nlines].n = n;
		f.lines[f.nlines].indent = ind;
		f.lines[f.nlines].no = f.nlines + 2;
		f.nlines++;
		pos = nl ? e + 1 : len;
	}
	if (!closed)
		goto out;	/* a thematic break, not front matter */
	if ((fields = json_object()) == NULL ||
	    (keyline = calloc(f.nlines + 1, sizeof(*keyline))) == NULL) {
		rc = QUARRY_ENOMEM;
		goto out;
	}
	/* Top-level "key: value" lines. */
	for (li = 0; li < f.nlines; li++) {
		const struct line *l = &f.lines[li];
		const char *colon, *ks;
		json_t *v;
		char key[128];
		size_t kl, ka, kb;

		if (is_blank_or_comment(l))
			continue;
		if (l->indent != 0) {
			rc = fail(&f, l->no, "unexpected indentation");
			goto out;
		}
		ks = l->s;
		colon = NULL;
		/* The key: up to the first ": " (or ':' at the end). */
		for (kl = 0; kl < l->n; kl++)
			if (ks[kl] == ':' && (kl + 1 == l->n || ks[kl + 1] == ' ' ||
			    ks[kl + 1] == '\t')) {
				colon = ks + kl;
				break;
			}
		if (colon == NULL) {
			rc = fail(&f, l->no, "not a \"key: value\" line");
			goto out;
		}
		ka = 0;
		kb = kl;
		trim(ks, &ka, &kb);
		if (kb > ka + 1 && (ks[ka] == '"' || ks[ka] == '\'') &&
		    ks[kb - 1] == ks[ka]) {
			ka++;
			kb--;
		}
		if (kb == ka || kb - ka >= sizeof(key) ||
		    memchr(ks + ka, '\0', kb - ka) != NULL) {
			rc = fail(&f, l->no, "a key that is empty or too long");
			goto out;
		}
		memcpy(key, ks + ka, kb - ka);
		key[kb - ka] = '\0';
		v = value_at(&f, &li, 0, l->s, l->n, kl + 1, 1);
		if (v == NULL) {
			rc = fail(&f, l->no, "a value beyond the YAML that front "
			    "matter is read for (anchors, tags, flow mappings, "
			    "bad quoting or escapes)");
			goto out;
		}
		if (json_object_get(fields, key) != NULL) {
			json_decref(v);
			rc = fail(&f, l->no, "a key given twice");
			goto out;
		}
		if (json_object_set_new(fields, key, v) != 0) {
			/* A key that is not UTF-8. */
			rc = fail(&f, l->no, "a key that is not UTF-8");
			goto out;
		}
		keyline[json_object_size(fields) - 1] = l->no;
	}
	/* Every field read: now set them, in order. */
	{
		const char *key;
		json_t *v;
		size_t k = 0;

		json_object_foreach(fields, key, v) {
			if ((rc = set(&f, rec, key, v, keyline[k++], lang)) != 0)
				goto out;
		}
	}
	*end = close;
out:
	if (rc == QUARRY_EFORMAT && errline != NULL)
		*errline = f.errline;
	if (rc == QUARRY_EFORMAT && warnfn != NULL) {
		char buf[300];

		snprintf(buf, sizeof(buf), "front matter not read: %s; kept as "
		    "text", f.msg);
		warnfn(arg, f.errline, buf);
	}
	json_decref(fields);
	free(keyline);
	free(f.lines);
	return rc;
}
