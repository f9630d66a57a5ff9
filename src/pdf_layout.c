/*
 * pdf_layout.c: turns the text lines of a PDF's pages into quarry document
 * text (man/quarry.7): running headers and footers removed, headings as "#"
 * lines, hard-wrapped lines joined into paragraphs, hyphenated words
 * re-joined, presentation forms normalised.  It sees only geometry and
 * text, never poppler; the rules are written out in man/quarry-pdf.1 under
 * LAYOUT, and tests/test_pdf.c exercises each of them.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "contents.h"
#include "pdf_private.h"
#include "text_private.h"

/* ------------------------------------------------------------ lines */

int
pdf_page_add_line(struct pdf_page *pg, const char *text, size_t len,
    double x0, double y0, double x1, double y1, double size, int bold)
{
	struct pdf_line *l;

	if (pg->n == pg->cap) {
		size_t cap = pg->cap ? pg->cap * 2 : 64;
		struct pdf_line *nl = realloc(pg->lines, cap * sizeof(*nl));

		if (nl == NULL)
			return QUARRY_ENOMEM;
		pg->lines = nl;
		pg->cap = cap;
	}
	l = &pg->lines[pg->n];
	memset(l, 0, sizeof(*l));
	if ((l->text = malloc(len + 1)) == NULL)
		return QUARRY_ENOMEM;
	memcpy(l->text, text, len);
	l->text[len] = '\0';
	l->len = len;
	l->x0 = x0;
	l->y0 = y0;
	l->x1 = x1;
	l->y1 = y1;
	l->fy0 = y0;
	l->fy1 = y1;
	l->size = size;
	l->bold = bold != 0;
	pg->n++;
	return 0;
}

void
pdf_page_clear(struct pdf_page *pg)
{
	size_t i;

	for (i = 0; i < pg->n; i++)
		free(pg->lines[i].text);
	free(pg->lines);
	memset(pg, 0, sizeof(*pg));
}

int
pdf_outline_add(struct pdf_outline *o, const char *title, size_t page,
    double top, unsigned level)
{
	struct pdf_outline_entry *e;

	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;

		if ((e = realloc(o->e, cap * sizeof(*e))) == NULL)
			return QUARRY_ENOMEM;
		o->e = e;
		o->cap = cap;
	}
	e = &o->e[o->n];
	if ((e->title = strdup(title)) == NULL)
		return QUARRY_ENOMEM;
	e->page = page;
	e->top = top;
	e->level = level;
	o->n++;
	return 0;
}

void
pdf_outline_clear(struct pdf_outline *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->e[i].title);
	free(o->e);
	memset(o, 0, sizeof(*o));
}

/*
 * Does the font name, lower-cased (its first 127 bytes), contain one of
 * marks (NULL-terminated)?  Marks of three bytes or less ("-b") only count
 * at the end of the name, where a style suffix stands.
 */
static int
font_mark(const char *name, const char *const *marks)
{
	char low[128];
	size_t i;

	if (name == NULL)
		return 0;
	for (i = 0; name[i] != '\0' && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	for (i = 0; marks[i] != NULL; i++) {
		const char *m = strstr(low, marks[i]);
		size_t ml = strlen(marks[i]);

		if (m != NULL && (ml > 3 || m[ml] == '\0'))
			return 1;
	}
	return 0;
}

int
pdf_mono_font(const char *name)
{
	static const char *const marks[] = { "mono", "courier", "typewriter",
	    "consol", "menlo", "inconsolata", "cmtt", "sftt", "lmtt", "cmvtt",
	    "code", "fixed", "lucidaconsole", "andale", "monaco", NULL };

	return font_mark(name, marks);
}

int
pdf_bold_font(const char *name)
{
	static const char *const marks[] = { "bold", "black", "heavy",
	    "semibd", "demi", "-bd", "-b", ",b", NULL };

	return font_mark(name, marks);
}

/* ---------------------------------------------------- normalisation */

static int
is_space_cp(int32_t c)
{
	return c == 0xA0 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F ||
	    c == 0x205F || c == 0x3000;
}

static int
is_dropped_cp(int32_t c)
{
	return (c < 0x20 && c != '\t') || (c >= 0x7F && c <= 0x9F) ||
	    (c >= 0x200B && c <= 0x200F) || c == 0xFEFF || c == 0x2060 ||
	    (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

/* Code points whose compatibility form is what a reader means. */
static int
is_presentation_cp(int32_t c)
{
	return (c >= 0xFB00 && c <= 0xFDFF) ||	/* ligatures, Arabic A */
	    (c >= 0xFE70 && c <= 0xFEFE) ||	/* Arabic B */
	    (c >= 0xFF01 && c <= 0xFFEE) ||	/* full/half width */
	    (c >= 0x2460 && c <= 0x24FF) ||	/* enclosed alphanumerics */
	    c == 0x2024 || c == 0x2025 || c == 0x2026 ||	/* dot leaders */
	    c == 0x017F;	/* long s */
}

int
pdf_normalize_append(struct quarry_buf *out, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		utf8proc_int32_t c;
		utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
		    (utf8proc_ssize_t)(len - i), &c);

		if (n <= 0) {	/* cannot happen on valid input; be safe */
			i++;
			continue;
		}
		if (c == 0x202C && (size_t)n < len - i) {
			utf8proc_int32_t d;

			/* Between two embeddings: a word boundary poppler
			 * wrote without a space. */
			if (utf8proc_iterate((const utf8proc_uint8_t *)s + i + n,
			    (utf8proc_ssize_t)(len - i - (size_t)n), &d) > 0 &&
			    d >= 0x202A && d <= 0x202E && d != 0x202C &&
			    quarry_buf_append(out, " ", 1) != 0)
				return QUARRY_ENOMEM;
		} else if (is_dropped_cp(c)) {
			/* dropped */
		} else if (c == '\t') {
			if (quarry_buf_append(out, "\t", 1) != 0)
				return QUARRY_ENOMEM;
		} else if (is_space_cp(c)) {
			if (quarry_buf_append(out, " ", 1) != 0)
				return QUARRY_ENOMEM;
		} else if (is_presentation_cp(c)) {
			utf8proc_uint8_t *m = NULL;
			utf8proc_ssize_t k = utf8proc_map(
			    (const utf8proc_uint8_t *)s + i, n, &m,
			    UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_STABLE);

			if (k < 0) {
				if (quarry_buf_append(out, s + i, (size_t)n) != 0)
					return QUARRY_ENOMEM;
			} else if (quarry_buf_append(out, m, (size_t)k) != 0) {
				free(m);
				return QUARRY_ENOMEM;
			}
			free(m);
		} else if (quarry_buf_append(out, s + i, (size_t)n) != 0)
			return QUARRY_ENOMEM;
		i += (size_t)n;
	}
	return 0;
}

/*
 * Is s[0..len) already normalised: printable ASCII, no space at either end
 * and no two in a row?  Most lines are.
 */
static int
plain_line(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || s[0] == ' ' || s[len - 1] == ' ')
		return len == 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7E || (c == ' ' && s[i + 1] == ' '))
			return 0;
	}
	return 1;
}

/* Replaces every line's text by its normalised, space-collapsed form. */
static int
normalize_lines(struct pdf_page *pages, size_t n)
{
	struct quarry_buf b = { 0 };
	size_t p, i;

	for (p = 0; p < n; p++)
		for (i = 0; i < pages[p].n; i++) {
			struct pdf_line *l = &pages[p].lines[i];
			size_t r, w = 0;
			char *t;

			if (plain_line(l->text, l->len))
				continue;
			b.len = 0;
			if (pdf_normalize_append(&b, l->text, l->len) != 0 ||
			    quarry_buf_reserve(&b, 1) != 0) {
				quarry_buf_free(&b);
				return QUARRY_ENOMEM;
			}
			/*
			 * Collapse and trim spaces; a tab (a gap between
			 * table cells) absorbs the spaces beside it.
			 */
			for (r = 0; r < b.len; r++) {
				char ch = b.data[r];

				if ((ch == ' ' || ch == '\t') && w == 0)
					continue;
				if (ch == ' ' && (b.data[w - 1] == ' ' ||
				    b.data[w - 1] == '\t'))
					continue;
				if (ch == '\t' && b.data[w - 1] == ' ')
					w--;
				if (ch == '\t' && w > 0 && b.data[w - 1] == '\t')
					continue;
				b.data[w++] = ch;
			}
			while (w > 0 && (b.data[w - 1] == ' ' ||
			    b.data[w - 1] == '\t'))
				w--;
			if ((t = malloc(w + 1)) == NULL) {
				quarry_buf_free(&b);
				return QUARRY_ENOMEM;
			}
			memcpy(t, b.data, w);
			t[w] = '\0';
			free(l->text);
			l->text = t;
			l->len = w;
		}
	quarry_buf_free(&b);
	return 0;
}

/* ------------------------------------------------------------ helpers */

static int32_t
last_cp(const char *s, size_t len, size_t *start)
{
	size_t i = len;
	int32_t c = 0;

	if (len == 0) {
		if (start)
			*start = 0;
		return 0;
	}
	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i > 0)
		i--;
	text_decode(s, len, i, &c);
	if (start)
		*start = i;
	return c;
}

static int32_t
first_cp(const char *s, size_t len)
{
	int32_t c = 0;

	if (len == 0)
		return 0;
	text_decode(s, len, 0, &c);
	return c;
}

/*
 * Scripts written without spaces between words (Han, kana), whose lines
 * join without one.  Hangul is not among them: Korean puts spaces between
 * words.
 */
static int
is_cjk(int32_t c)
{
	return (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
	    (c >= 0xFF00 && c <= 0xFFEF) || (c >= 0x20000 && c <= 0x3FFFF);
}

/* Does the line end a sentence (terminal punctuation, maybe quoted)? */
static int
ends_sentence(const struct pdf_line *l)
{
	size_t len = l->len, st;

	while (len > 0) {
		int32_t c = last_cp(l->text, len, &st);

		if (c == '"' || c == '\'' || c == ')' || c == ']' ||
		    c == 0x201D || c == 0x2019 || c == 0xBB) {
			len = st;
			continue;
		}
		return c == '.' || c == '!' || c == '?' || c == ':' ||
		    c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0x2026;
	}
	return 0;
}

/*
 * Returns the length of a list marker at the start of s that is to be
 * replaced by "- " (bullets), or 0.  *numbered is set when s starts with
 * "1." / "a)" / "(iv)" style numbering, kept as it is.
 */
static size_t
bullet_len(const char *s, size_t len, int *numbered)
{
	int32_t c = first_cp(s, len);
	size_t i = 0;

	*numbered = 0;
	if (c == 0x2022 || c == 0x25E6 || c == 0x25AA || c == 0x2023 ||
	    c == 0x25CF || c == 0x25CB || c == 0x25A0 || c == 0x25A1 ||
	    c == 0x2043 || c == 0x2219 || c == 0x00B7 || c == 0x27A2 ||
	    c == 0x25B6 || c == 0x2013 || c == 0xF0B7 || c == '*' || c == '-') {
		size_t n = text_decode(s, len, 0, &c);

		if ((n < len && s[n] == ' ') || (c != '-' && c != '*' && c != 0x2013))
			return n < len && s[n] == ' ' ? n + 1 : n;
		return 0;
	}
	if (i < len && s[i] == '(')
		i++;
	if (i < len && isdigit((unsigned char)s[i])) {
		size_t d = i;

		while (i < len && isdigit((unsigned char)s[i]))
			i++;
		if (i - d > 3)
			return 0;
	} else if (i < len && islower((unsigned char)s[i]) &&
	    i + 1 < len && (s[i + 1] == ')' || s[i + 1] == '.'))
		i++;
	else
		return 0;
	if (i < len && (s[i] == '.' || s[i] == ')') && i + 1 < len &&
	    s[i + 1] == ' ')
		*numbered = 1;
	return 0;
}

/* ----------------------------------------------------------- word set */

/*
 * An open-addressing set of lower-cased words with counts, used to decide
 * whether a word broken across lines exists whole elsewhere in the document.
 * The words are kept one after another in pool; an entry with len 0 is
 * free.  Entries keep their hash, so that growing the table does not read
 * the words again.
 */
struct wordset {
	struct wentry {
		size_t off;	/* into pool */
		uint32_t hash, len, count;
	} *t;
	size_t cap, n;
	struct quarry_buf pool;
};

static uint32_t
whash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return (uint32_t)(h ^ (h >> 32));
}

/* Returns w's entry, or the free one where it would go. */
static struct wentry *
ws_slot(const struct wordset *ws, const char *w, size_t len, uint32_t h)
{
	size_t i = (size_t)h & (ws->cap - 1);

	while (ws->t[i].len != 0) {
		const struct wentry *e = &ws->t[i];

		if (e->hash == h && e->len == len &&
		    memcmp(ws->pool.data + e->off, w, len) == 0)
			break;
		i = (i + 1) & (ws->cap - 1);
	}
	return &ws->t[i];
}

/*
 * Makes room for one more word, growing the table to cap entries (or
 * twice its size) when it is half full; cap is a power of 2.
 */
static int
ws_grow(struct wordset *ws, size_t cap)
{
	struct wentry *nt;
	size_t k, i;

	if ((ws->n + 1) * 2 <= ws->cap)
		return 0;
	if (cap <= ws->cap)
		cap = ws->cap * 2;
	if ((nt = calloc(cap, sizeof(*nt))) == NULL)
		return QUARRY_ENOMEM;
	for (k = 0; k < ws->cap; k++) {
		if (ws->t[k].len == 0)
			continue;
		i = (size_t)ws->t[k].hash & (cap - 1);
		while (nt[i].len != 0)
			i = (i + 1) & (cap - 1);
		nt[i] = ws->t[k];
	}
	free(ws->t);
	ws->t = nt;
	ws->cap = cap;
	return 0;
}

static int
ws_add(struct wordset *ws, const char *w, size_t len)
{
	struct wentry *e;
	uint32_t h = whash(w, len);

	if (ws_grow(ws, 1024) != 0)
		return QUARRY_ENOMEM;
	e = ws_slot(ws, w, len, h);
	if (e->len != 0) {
		e->count++;
		return 0;
	}
	if (quarry_buf_append(&ws->pool, w, len) != 0)
		return QUARRY_ENOMEM;
	e->hash = h;
	e->off = ws->pool.len - len;
	e->len = (uint32_t)len;
	e->count = 1;
	ws->n++;
	return 0;
}

static unsigned
ws_lookup(const struct wordset *ws, const char *w, size_t len)
{
	if (ws->cap == 0)
		return 0;
	return ws_slot(ws, w, len, whash(w, len))->count;
}

static void
ws_free(struct wordset *ws)
{
	free(ws->t);
	quarry_buf_free(&ws->pool);
	memset(ws, 0, sizeof(*ws));
}

/*
 * Lower-cases s[0..len) into buf (ASCII and, through utf8proc, the rest).
 * Returns the length written, or 0 when it does not fit.
 */
static size_t
lower(const char *s, size_t len, char *buf, size_t cap)
{
	size_t i = 0, o = 0;

	while (i < len) {
		int32_t c;
		size_t n;
		utf8proc_uint8_t enc[4];
		utf8proc_ssize_t k;

		if ((unsigned char)s[i] < 0x80) {	/* as utf8proc would */
			if (o == cap)
				return 0;
			c = s[i++];
			buf[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			continue;
		}
		n = text_decode(s, len, i, &c);
		c = utf8proc_tolower(c);
		k = utf8proc_encode_char(c, enc);
		if (o + (size_t)k > cap)
			return 0;
		memcpy(buf + o, enc, (size_t)k);
		o += (size_t)k;
		i += n;
	}
	return o;
}

/* Is the byte at s[i] the start of a word character (letter or digit)? */
static inline size_t
word_char(const char *s, size_t len, size_t i, int32_t *cp)
{
	size_t n;

	if ((unsigned char)s[i] < 0x80) {
		*cp = (unsigned char)s[i];
		return isalnum(*cp) ? 1 : 0;
	}
	n = text_decode(s, len, i, cp);

	if (text_is_letter(*cp) || (*cp < 0x80 && isdigit(*cp)) ||
	    (*cp >= 0x300 && *cp <= 0x36F))
		return n;
	return 0;
}

/*
 * Scans a word (letters, digits, inner hyphens and apostrophes) at s[i];
 * returns its end.
 */
static size_t
word_end(const char *s, size_t len, size_t i)
{
	int32_t c;

	while (i < len) {
		size_t n = word_char(s, len, i, &c);

		if (n > 0) {
			i += n;
			continue;
		}
		if ((s[i] == '-' || s[i] == '\'') && i + 1 < len &&
		    word_char(s, len, i + 1, &c) > 0) {
			i++;
			continue;
		}
		break;
	}
	return i;
}

static int
ws_add_word(struct wordset *ws, const char *w, size_t len)
{
	char buf[256];
	size_t n = lower(w, len, buf, sizeof(buf));

	return n > 0 ? ws_add(ws, buf, n) : 0;
}

static unsigned
ws_count(const struct wordset *ws, const char *w, size_t len)
{
	char buf[256];
	size_t n = lower(w, len, buf, sizeof(buf));

	return n > 0 ? ws_lookup(ws, buf, n) : 0;
}

/* Does the line end with a hyphen glued to a letter ("extrac-")? */
static int
ends_with_break_hyphen(const struct pdf_line *l)
{
	size_t st;
	int32_t c = last_cp(l->text, l->len, &st);

	if (c == 0xAD)
		return 1;
	if (c != '-' && c != 0x2010)
		return 0;
	return st > 0 && text_is_letter(last_cp(l->text, st, NULL));
}

/*
 * Collects every whole word of the document, leaving out the two pieces of
 * a word broken across a line end, which are not words on their own.
 */
static int
collect_words(struct pdf_page *pages, size_t n, struct wordset *ws)
{
	size_t p, k, bytes = 0, cap = 1024;

	/*
	 * Size the table once: text has about one new word in 40 bytes
	 * (fewer in long documents), and rehashing a large table is slow.
	 */
	for (p = 0; p < n; p++)
		for (k = 0; k < pages[p].n; k++)
			bytes += pages[p].lines[k].len;
	while (cap < bytes / 20 && cap < (size_t)1 << 22)
		cap *= 2;
	if (ws_grow(ws, cap) != 0)
		return QUARRY_ENOMEM;

	for (p = 0; p < n; p++) {
		int skip_first = 0;

		for (k = 0; k < pages[p].n; k++) {
			const struct pdf_line *l = &pages[p].lines[k];
			const char *s = l->text;
			size_t len = l->len, i = 0, last_start = (size_t)-1;
			int broken = ends_with_break_hyphen(l);
			int32_t c;

			if (l->furniture)
				continue;
			/* Find the start of the line's last word. */
			if (broken) {
				size_t j = 0;

				while (j < len) {
					if (word_char(s, len, j, &c) > 0) {
						last_start = j;
						j = word_end(s, len, j);
					} else
						j++;
				}
			}
			while (i < len) {
				size_t e;

				if (word_char(s, len, i, &c) == 0) {
					i++;
					continue;
				}
				e = word_end(s, len, i);
				if (!(skip_first && i == 0) && i != last_start &&
				    ws_add_word(ws, s + i, e - i) != 0)
					return QUARRY_ENOMEM;
				skip_first = 0;
				i = e;
			}
			skip_first = broken;
		}
	}
	return 0;
}

/* ----------------------------------------------------------- furniture */

struct fkey {
	char *key;
	size_t page;
	int band;	/* 0 top, 1 bottom */
	struct pdf_line *line;
};

static int
fkey_cmp(const void *a, const void *b)
{
	const struct fkey *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	if (x->band != y->band)
		return x->band - y->band;
	return x->page < y->page ? -1 : x->page > y->page;
}

/* Is s only a page number ("7", "- 7 -", "Page 7", "7 of 12", "vii")? */
static int
is_page_number(const char *s, size_t len)
{
	size_t i = 0, digits = 0, roman = 0, other = 0;

	if (len > 5 && strncasecmp(s, "page ", 5) == 0)
		i = 5;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isdigit(c))
			digits++;
		else if (strchr("ivxlcdm", tolower(c)) != NULL)
			roman++;
		else if (c != ' ' && c != '-' && c != '/' && c != '|' &&
		    c != '(' && c != ')' && c != '[' && c != ']' &&
		    !(c == 'o' || c == 'f'))
			other++;
	}
	if (other > 0 || digits + roman == 0)
		return 0;
	return digits > 0 ? digits <= 8 && roman == 0 : roman <= 8;
}

static char *
furniture_key(const struct pdf_line *l)
{
	char *k = malloc(l->len + 1);
	size_t i, o = 0;

	if (k == NULL)
		return NULL;
	for (i = 0; i < l->len; i++) {
		unsigned char c = (unsigned char)l->text[i];

		if (isdigit(c)) {
			if (o == 0 || k[o - 1] != '#')
				k[o++] = '#';
		} else
			k[o++] = (char)tolower(c);
	}
	k[o] = '\0';
	return k;
}

/*
 * Marks running headers and footers: among the (at most) two topmost and two
 * bottommost lines of each page, lying in the outer fifth of the page, those
 * whose text (digits folded, case ignored) recurs in the same band on at
 * least 2 pages (3 in documents of more than 5 pages), and lone page numbers
 * there.
 */
static int
mark_furniture(struct pdf_page *pages, size_t n)
{
	struct fkey *keys;
	size_t nk = 0, p, i, j, need = n > 5 ? 3 : 2;

	if (n < 2)
		return 0;
	if ((keys = calloc(n * 4, sizeof(*keys))) == NULL)
		return QUARRY_ENOMEM;
	for (p = 0; p < n; p++) {
		struct pdf_page *pg = &pages[p];
		size_t top[2] = { (size_t)-1, (size_t)-1 };
		size_t bot[2] = { (size_t)-1, (size_t)-1 };
		double h = pg->fheight > 0 ? pg->fheight :
		    pg->height > 0 ? pg->height : 792;

		for (i = 0; i < pg->n; i++) {
			struct pdf_line *l = &pg->lines[i];

			if (l->len == 0)
				continue;
			if (top[0] == (size_t)-1 || l->fy0 < pg->lines[top[0]].fy0) {
				top[1] = top[0];
				top[0] = i;
			} else if (top[1] == (size_t)-1 ||
			    l->fy0 < pg->lines[top[1]].fy0)
				top[1] = i;
			if (bot[0] == (size_t)-1 || l->fy1 > pg->lines[bot[0]].fy1) {
				bot[1] = bot[0];
				bot[0] = i;
			} else if (bot[1] == (size_t)-1 ||
			    l->fy1 > pg->lines[bot[1]].fy1)
				bot[1] = i;
		}
		for (j = 0; j < 4; j++) {
			size_t li = j < 2 ? top[j] : bot[j - 2];
			struct pdf_line *l;
			int band = j >= 2;

			if (li == (size_t)-1)
				continue;
			l = &pg->lines[li];
			if (band == 0 ? l->fy1 > h * 0.2 : l->fy0 < h * 0.8)
				continue;
			if (j == 3 && bot[1] == top[0])
				continue;
			if (j >= 2 && (li == top[0] || li == top[1]))
				continue;
			if ((keys[nk].key = furniture_key(l)) == NULL) {
				for (i = 0; i < nk; i++)
					free(keys[i].key);
				free(keys);
				return QUARRY_ENOMEM;
			}
			keys[nk].page = p;
			keys[nk].band = band;
			keys[nk].line = l;
			nk++;
		}
	}
	qsort(keys, nk, sizeof(*keys), fkey_cmp);
	for (i = 0; i < nk; i = j) {
		size_t pagesn = 0, k;

		for (j = i; j < nk && strcmp(keys[j].key, keys[i].key) == 0 &&
		    keys[j].band == keys[i].band; j++)
			if (j == i || keys[j].page != keys[j - 1].page)
				pagesn++;
		for (k = i; k < j; k++)
			if (pagesn >= need || is_page_number(keys[k].line->text,
			    keys[k].line->len))
				keys[k].line->furniture = 1;
	}
	for (i = 0; i < nk; i++)
		free(keys[i].key);
	free(keys);
	return 0;
}

/* ------------------------------------------------------------ headings */

/* Font sizes are compared in half points. */
static int
half_points(double size)
{
	return (int)lround(size * 2);
}

/* The size of most of the document's text (weighted by length). */
static double
body_size(const struct pdf_page *pages, size_t n)
{
	unsigned long hist[400] = { 0 };
	size_t p, i;
	int best = -1;

	for (p = 0; p < n; p++)
		for (i = 0; i < pages[p].n; i++) {
			const struct pdf_line *l = &pages[p].lines[i];
			int h = half_points(l->size);

			if (!l->furniture && h > 0 && h < 400)
				hist[h] += l->len;
		}
	for (i = 1; i < 400; i++)
		if (hist[i] > 0 && (best < 0 || hist[i] > hist[best]))
			best = (int)i;
	return best < 0 ? 0 : best / 2.0;
}

/* Does the line contain a letter? */
static int
has_letter(const struct pdf_line *l)
{
	size_t i = 0;

	while (i < l->len) {
		int32_t c;

		i += text_decode(l->text, l->len, i, &c);
		if (text_is_letter(c))
			return 1;
	}
	return 0;
}

/*
 * Does the line look like code: a monospaced font, a shell or interpreter
 * prompt or comment ("$ ", "# ", "> ", ">>> ", "R> "), or the end of a
 * statement?  Such lines are never headings.
 */
static int
code_like(const struct pdf_line *l)
{
	const char *t = l->text;
	char e = l->len > 0 ? t[l->len - 1] : 0;

	if (l->mono)
		return 1;
	if (l->len >= 2 && (t[0] == '$' || t[0] == '#' || t[0] == '>' ||
	    t[0] == '%') && t[1] == ' ')
		return 1;
	if (strncmp(t, ">>>", 3) == 0 || strncmp(t, "R>", 2) == 0 ||
	    strncmp(t, "#!", 2) == 0 || strncmp(t, "//", 2) == 0)
		return 1;
	return e == ';' || e == '{' || e == '}' || e == '=' ||
	    (e == ')' && memchr(t, '(', l->len) != NULL &&
	    memchr(t, ' ', l->len) == NULL);
}

static int
is_big(const struct pdf_line *l, double body)
{
	return body > 0 && l->size >= body * 1.15 + 0.5 && l->len <= 200 &&
	    has_letter(l) && !code_like(l);
}

/*
 * A bold line of body size is a heading when it stands alone (the lines
 * around it are not bold), is short, starts with a capital or a digit and
 * does not end like a sentence fragment.
 */
static int
is_bold_heading(const struct pdf_page *pg, size_t i, double body)
{
	const struct pdf_line *l = &pg->lines[i];
	int32_t c = first_cp(l->text, l->len), e = last_cp(l->text, l->len, NULL);

	if (!l->bold || body <= 0 || l->size < body - 0.75 || l->len > 80 ||
	    !has_letter(l) || code_like(l))
		return 0;
	if (!(utf8proc_category(c) == UTF8PROC_CATEGORY_LU || isdigit(c)))
		return 0;
	if (e == '.' || e == ',' || e == ';' || e == ':' || e == '-')
		return 0;
	if (i > 0 && pg->lines[i - 1].bold && !pg->lines[i - 1].furniture &&
	    fabs(pg->lines[i - 1].size - l->size) < 0.75)
		return 0;
	if (i + 1 < pg->n && pg->lines[i + 1].bold &&
	    fabs(pg->lines[i + 1].size - l->size) < 0.75)
		return 0;
	return 1;
}

/*
 * Assigns heading levels: distinct sizes of large lines, biggest first, are
 * levels 1, 2, ... (at most 5); bold body-size headings come one level below
 * the smallest large size.
 */
static void
mark_headings(struct pdf_page *pages, size_t n, double body)
{
	int sizes[8];
	size_t ns = 0, p, i, k;

	for (p = 0; p < n; p++)
		for (i = 0; i < pages[p].n; i++) {
			struct pdf_line *l = &pages[p].lines[i];
			int h;

			if (l->furniture || !is_big(l, body))
				continue;
			h = half_points(l->size);
			for (k = 0; k < ns && sizes[k] != h; k++)
				;
			if (k == ns && ns < 8)
				sizes[ns++] = h;
		}
	/* Sort descending. */
	for (i = 1; i < ns; i++)
		for (k = i; k > 0 && sizes[k] > sizes[k - 1]; k--) {
			int t = sizes[k];

			sizes[k] = sizes[k - 1];
			sizes[k - 1] = t;
		}
	for (p = 0; p < n; p++)
		for (i = 0; i < pages[p].n; i++) {
			struct pdf_line *l = &pages[p].lines[i];

			if (l->furniture)
				continue;
			if (is_big(l, body)) {
				int h = half_points(l->size);

				for (k = 0; k < ns && sizes[k] != h; k++)
					;
				l->heading = (unsigned)(k < 5 ? k + 1 : 5);
			} else if (is_bold_heading(&pages[p], i, body))
				l->heading = (unsigned)(ns < 5 ? ns + 1 : 6);
		}
}

/* ------------------------------------------------- joining, outline */

/* Is the line only a section number ("2", "2.7", "2.7.5", "A.1")? */
static int
is_section_number(const struct pdf_line *l)
{
	size_t i, digits = 0;

	if (l->len == 0 || l->len > 12)
		return 0;
	for (i = 0; i < l->len; i++) {
		unsigned char c = (unsigned char)l->text[i];

		if (isdigit(c))
			digits++;
		else if (c == '.' && i > 0 && l->text[i - 1] != '.')
			continue;
		else if (i == 0 && isupper(c) && l->len > 1 && l->text[1] == '.')
			continue;
		else
			return 0;
	}
	return digits > 0;
}

/* Appends line b's text to line a (a space between) and empties b. */
static int
merge_lines(struct pdf_line *a, struct pdf_line *b)
{
	char *t = realloc(a->text, a->len + b->len + 2);

	if (t == NULL)
		return QUARRY_ENOMEM;
	t[a->len] = ' ';
	memcpy(t + a->len + 1, b->text, b->len);
	a->len += b->len + 1;
	t[a->len] = '\0';
	a->text = t;
	if (b->x0 < a->x0)
		a->x0 = b->x0;
	if (b->x1 > a->x1)
		a->x1 = b->x1;
	if (b->y0 < a->y0)
		a->y0 = b->y0;
	if (b->y1 > a->y1)
		a->y1 = b->y1;
	if (b->size > a->size)
		a->size = b->size;
	b->len = 0;
	b->text[0] = '\0';
	return 0;
}

/*
 * Keeps section numbers with their titles: a line that is only a section
 * number, followed by a line on the same baseline to its right (poppler
 * puts them in different blocks when they stand far apart), becomes one
 * line "2.7.5 Blocking ...".
 */
static int
join_section_numbers(struct pdf_page *pages, size_t n)
{
	size_t p, i, k;

	for (p = 0; p < n; p++)
		for (i = 0; i < pages[p].n; i++) {
			struct pdf_line *l = &pages[p].lines[i], *m = NULL;

			if (l->furniture || !is_section_number(l))
				continue;
			for (k = i + 1; k < pages[p].n && k <= i + 3; k++) {
				struct pdf_line *c = &pages[p].lines[k];

				if (c->len == 0 || c->furniture)
					continue;
				if (fabs(c->y1 - l->y1) < 0.4 * (l->size > 0 ?
				    l->size : 10) && c->x0 >= l->x1 - 1 &&
				    has_letter(c))
					m = c;
				break;
			}
			if (m == NULL)
				continue;
			if (merge_lines(l, m) != 0)
				return QUARRY_ENOMEM;
			l->bold = m->bold;
			l->mono = m->mono;
		}
	return 0;
}

/*
 * The matching key of a text: its letters and digits, lower-cased;
 * *core is where it starts without a leading section number.
 */
static size_t
match_key(const char *s, size_t len, char *buf, size_t cap, size_t *core)
{
	size_t i = 0, o = 0;

	while (i < len) {
		int32_t c;
		size_t n = text_decode(s, len, i, &c);
		utf8proc_uint8_t enc[4];
		utf8proc_ssize_t k;

		i += n;
		if (!(text_is_letter(c) || (c < 0x80 && isdigit(c))))
			continue;
		c = utf8proc_tolower(c);
		k = utf8proc_encode_char(c, enc);
		if (o + (size_t)k > cap)
			break;
		memcpy(buf + o, enc, (size_t)k);
		o += (size_t)k;
	}
	/*
	 * The section number: digits or an appendix letter, then ".digits"
	 * any number of times, then a space ("2.7.5 ", "A.1 ", "B ").
	 */
	i = 0;
	if (len > 0 && isdigit((unsigned char)s[0]))
		while (i < len && isdigit((unsigned char)s[i]))
			i++;
	else if (len > 1 && isupper((unsigned char)s[0]) &&
	    (s[1] == '.' || s[1] == ' '))
		i = 1;
	while (i > 0 && i + 1 < len && s[i] == '.' &&
	    isdigit((unsigned char)s[i + 1]))
		for (i++; i < len && isdigit((unsigned char)s[i]); i++)
			;
	if (i > 0 && i < len && s[i] == '.')
		i++;
	*core = 0;
	if (i > 0 && (i == len || s[i] == ' ')) {
		size_t k, n = 0;

		for (k = 0; k < i; k++)
			n += isalnum((unsigned char)s[k]) != 0;
		/* A numbered title keeps its number when nothing else is left. */
		*core = n < o ? n : 0;
	}
	return o;
}

/*
 * Finds the outline entry e on page pg: a run of up to four lines whose
 * text (section numbers aside) is the title, the one nearest the
 * destination's top when several are; marks it as a heading of the
 * entry's level and joins the lines of a title that wraps.  Returns 1 when
 * found, 0 when not, or QUARRY_ENOMEM.
 */
static int
match_entry(struct pdf_page *pg, const struct pdf_outline_entry *e)
{
	char tk[512], lk[1024];
	size_t tl, tc, i, j, best = (size_t)-1, bestj = 0;
	double bestd = HUGE_VAL;

	tl = match_key(e->title, strlen(e->title), tk, sizeof(tk), &tc);
	if (tl - tc < 2)
		return 0;
	for (i = 0; i < pg->n; i++) {
		size_t ll = 0, lc = 0;

		if (pg->lines[i].furniture || pg->lines[i].len == 0 ||
		    pg->lines[i].heading)
			continue;
		for (j = i; j < pg->n && j < i + 4; j++) {
			const struct pdf_line *l = &pg->lines[j];
			size_t c;

			if (l->furniture || (j > i && l->heading))
				break;
			ll += match_key(l->text, l->len, lk + ll,
			    sizeof(lk) - ll, &c);
			/* The key without the first line's section number. */
			if (j == i)	/* a number alone on its line: all of it */
				lc = c > 0 || !is_section_number(l) ? c : ll;
			if (ll - lc == tl - tc &&
			    memcmp(lk + lc, tk + tc, tl - tc) == 0) {
				double d = e->top >= 0 ?
				    fabs(pg->lines[i].fy0 - e->top) : (double)i;

				if (d < bestd) {
					bestd = d;
					best = i;
					bestj = j;
				}
				break;
			}
			if (ll - lc >= tl - tc ||
			    memcmp(lk + lc, tk + tc, ll - lc) != 0)
				break;
		}
	}
	if (best == (size_t)-1)
		return 0;
	for (j = best + 1; j <= bestj; j++)
		if (pg->lines[j].len > 0 &&
		    merge_lines(&pg->lines[best], &pg->lines[j]) != 0)
			return QUARRY_ENOMEM;
	/*
	 * A title wrapped over lines ("environ-" / "ments") is written as the
	 * outline has it, after the page's section number when the outline's
	 * title lacks one.
	 */
	if (bestj > best) {
		struct pdf_line *l = &pg->lines[best];
		size_t num = 0, tlen = strlen(e->title);
		char *t;

		while (num < l->len && (isdigit((unsigned char)l->text[num]) ||
		    l->text[num] == '.'))
			num++;
		if (num == l->len || l->text[num] != ' ' ||
		    isdigit((unsigned char)e->title[0]))
			num = 0;
		if ((t = malloc(num + tlen + 2)) == NULL)
			return QUARRY_ENOMEM;
		memcpy(t, l->text, num);
		if (num > 0)
			t[num++] = ' ';
		memcpy(t + num, e->title, tlen + 1);
		free(l->text);
		l->text = t;
		l->len = num + tlen;
	}
	pg->lines[best].heading = e->level < 6 ? e->level : 6;
	return 1;
}

/*
 * Headings from the outline: each entry is looked for on its page (and,
 * when the destination is at the foot of a page, on the next one).  Returns
 * the number of entries found, or QUARRY_ENOMEM.
 */
static long
outline_headings(struct pdf_page *pages, size_t n, const struct pdf_outline *o)
{
	size_t i;
	long found = 0;

	for (i = 0; i < o->n; i++) {
		const struct pdf_outline_entry *e = &o->e[i];
		int r;

		if (e->page >= n)
			continue;
		r = match_entry(&pages[e->page], e);
		if (r == 0 && e->page + 1 < n) {
			struct pdf_outline_entry next = *e;

			next.top = -1;
			r = match_entry(&pages[e->page + 1], &next);
		}
		if (r < 0)
			return QUARRY_ENOMEM;
		found += r;
	}
	return found;
}

/* -------------------------------------------------------------- tables */

static int
cmp_x0(const void *a, const void *b)
{
	const struct pdf_line *x = *(const struct pdf_line *const *)a;
	const struct pdf_line *y = *(const struct pdf_line *const *)b;

	return x->x0 < y->x0 ? -1 : x->x0 > y->x0;
}

/* Is line l short: at most 32 bytes and three words? */
static int
short_line(const struct pdf_line *l)
{
	size_t i, spaces = 0;

	if (l->len == 0 || l->len > 32)
		return 0;
	for (i = 0; i < l->len; i++)
		spaces += l->text[i] == ' ';
	return spaces <= 2;
}

/* Is line k of pg a line of prose touching line c (above or below it)? */
static int
prose_beside(const struct pdf_page *pg, size_t k, const struct pdf_line *c)
{
	const struct pdf_line *o = &pg->lines[k];
	double em = c->size > 0 ? c->size : 10;

	return !o->furniture && o->len > 0 && !short_line(o) &&
	    fabs(o->y1 - c->y1) <= 1.6 * em && o->x0 < c->x1 && o->x1 > c->x0;
}

/*
 * Can line i be a table cell: short, plain text, not a heading, and not a
 * line of a paragraph (the lines before and after it in reading order,
 * just above or below it, are no prose)?
 */
static int
cell_like(const struct pdf_page *pg, size_t i)
{
	const struct pdf_line *l = &pg->lines[i];

	if (l->furniture || l->heading || l->mono || !short_line(l))
		return 0;
	return !(i > 0 && prose_beside(pg, i - 1, l)) &&
	    !(i + 1 < pg->n && prose_beside(pg, i + 1, l));
}

/*
 * Collects the row of line i: the cell-like lines from i on (poppler often
 * reads a table column by column) on its baseline, of its size, each apart
 * from the others by an em or more.  Returns the number of cells (at most
 * max), their lines in cells[], sorted left to right.
 */
static size_t
collect_row(struct pdf_page *pg, size_t i, const unsigned char *used,
    struct pdf_line **cells, size_t max)
{
	struct pdf_line *l = &pg->lines[i];
	double em = l->size > 0 ? l->size : 10;
	size_t n = 1, j, k;

	cells[0] = l;
	for (j = i + 1; j < pg->n && j < i + 400 && n < max; j++) {
		struct pdf_line *c = &pg->lines[j];

		if (used[j] || fabs(c->y1 - l->y1) > 0.35 * em || !cell_like(pg, j) ||
		    fabs(c->size - l->size) > 1.5)
			continue;
		for (k = 0; k < n; k++)
			if (c->x0 < cells[k]->x1 + 0.8 * em &&
			    c->x1 > cells[k]->x0 - 0.8 * em)
				break;
		if (k == n)
			cells[n++] = c;
	}
	qsort(cells, n, sizeof(*cells), cmp_x0);
	return n;
}

/*
 * Puts table rows back together: lines on one baseline, standing apart,
 * become one line with a tab between cells, where the row's first cell
 * was; the others are emptied.  Only rows of two cells or more with a row
 * of as many cells just above or below count: a table has two rows at
 * least (so that the columns of a two-column page are not taken for one).
 */
static int
rebuild_rows(struct pdf_page *pg)
{
	struct pdf_line *cells[32], **rowcells = NULL;
	unsigned char *used;
	size_t *first = NULL, *ncell = NULL, nrows = 0, i, r, k;
	int rc = 0;

	if (pg->n < 4)
		return 0;
	if ((used = calloc(pg->n, 1)) == NULL ||
	    (first = calloc(pg->n, sizeof(*first))) == NULL ||
	    (ncell = calloc(pg->n, sizeof(*ncell))) == NULL ||
	    (rowcells = calloc(pg->n * 32, sizeof(*rowcells))) == NULL) {
		rc = QUARRY_ENOMEM;
		goto out;
	}
	for (i = 0; i < pg->n; i++) {
		size_t n;

		if (used[i] || !cell_like(pg, i))
			continue;
		n = collect_row(pg, i, used, cells, 32);
		if (n < 2)
			continue;
		first[nrows] = i;
		ncell[nrows] = n;
		for (k = 0; k < n; k++) {
			rowcells[nrows * 32 + k] = cells[k];
			used[cells[k] - pg->lines] = 1;
		}
		nrows++;
	}
	for (r = 0; r < nrows; r++) {
		struct pdf_line **row = rowcells + r * 32, *l;
		double em = pg->lines[first[r]].size > 0 ?
		    pg->lines[first[r]].size : 10, y = row[0]->y1;
		size_t o, len = 0;
		char *t;

		for (o = 0; o < nrows; o++)
			if (o != r && ncell[o] == ncell[r] &&
			    fabs(rowcells[o * 32]->y1 - y) <= 3 * em)
				break;
		if (o == nrows)
			continue;
		for (k = 0; k < ncell[r]; k++)
			len += row[k]->len + 1;
		if ((t = malloc(len + 1)) == NULL) {
			rc = QUARRY_ENOMEM;
			goto out;
		}
		for (k = 0, len = 0; k < ncell[r]; k++) {
			if (k > 0)
				t[len++] = '\t';
			memcpy(t + len, row[k]->text, row[k]->len);
			len += row[k]->len;
		}
		t[len] = '\0';
		l = &pg->lines[first[r]];
		for (k = 0; k < ncell[r]; k++) {
			struct pdf_line *c = row[k];

			if (c->x0 < l->x0)
				l->x0 = c->x0;
			if (c->x1 > l->x1)
				l->x1 = c->x1;
			if (c != l) {
				c->len = 0;
				c->text[0] = '\0';
			}
		}
		free(l->text);
		l->text = t;
		l->len = len;
	}
out:
	free(used);
	free(first);
	free(ncell);
	free(rowcells);
	return rc;
}

/* ----------------------------------------------------------- contents */

/*
 * Marks contents and index pages by the rule of contents.c, over the lines
 * that are not furniture; a page after a contents page needs no title.
 */
static void
mark_contents(struct pdf_page *pages, size_t n)
{
	size_t p, i;

	for (p = 0; p < n; p++) {
		struct contents_count c = { 0 };

		for (i = 0; i < pages[p].n; i++) {
			const struct pdf_line *l = &pages[p].lines[i];

			if (!l->furniture)
				contents_count_line(&c, l->text, l->len);
		}
		if (contents_page(&c, p > 0 && pages[p - 1].contents))
			pages[p].contents = 1;
	}
}

/* ----------------------------------------------------------- paragraphs */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The usual distance between the baselines of consecutive body lines. */
static double
typical_pitch(const struct pdf_page *pg)
{
	double v[256];
	size_t nv = 0, i;

	for (i = 1; i < pg->n && nv < 256; i++) {
		const struct pdf_line *a = &pg->lines[i - 1], *b = &pg->lines[i];
		double d = b->y1 - a->y1;

		if (a->furniture || b->furniture || a->heading || b->heading)
			continue;
		if (!(d > 0 && d <= 3 * a->size) || b->x0 > a->x1 || b->x1 < a->x0)
			continue;
		v[nv++] = d;
	}
	if (nv == 0)
		return 0;
	qsort(v, nv, sizeof(v[0]), cmp_double);
	return v[nv / 4];	/* lower quartile: gaps are the exception */
}

/*
 * Does a new paragraph start at line b, after line a of the same page?
 * right is the rightmost edge of the paragraph so far, left its leftmost.
 */
static int
para_break(const struct pdf_line *a, const struct pdf_line *b, double pitch,
    double left, double right)
{
	double em = a->size > 0 ? a->size : 10, d = b->y1 - a->y1;
	int numbered;

	if (a->heading != b->heading)
		return 1;
	if (fabs(a->size - b->size) > 1.0)
		return 1;
	if (d < 0.3 * em)	/* moved up or sideways: a new column */
		return 1;
	if (b->x0 > a->x1 + em || b->x1 < a->x0 - em)
		return 1;
	if (pitch > 0 ? d > pitch * 1.3 : d > em * 1.8)
		return 1;
	if (bullet_len(b->text, b->len, &numbered) > 0 || numbered)
		return 1;
	if (ends_sentence(a)) {
		if (b->x1 > right)
			right = b->x1;
		if (a->x1 < right - 2 * em)	/* a short last line */
			return 1;
		if (b->x0 > left + 0.8 * em)	/* an indented first line */
			return 1;
	}
	return 0;
}

/*
 * The hyphenation rule (man/quarry-pdf.1, LAYOUT): decides whether "piece-"
 * at the end of a line and "rest" at the start of the next are one word.
 * Returns 1 to join without the hyphen, 0 to keep it.
 */
static int
dehyphenate(const struct wordset *ws, const char *a, size_t alen,
    const char *b, size_t blen)
{
	size_t ps, hs, be;
	int32_t hc = last_cp(a, alen, &hs), bc = first_cp(b, blen);
	char joined[256], hyph[256];
	size_t plen, slen;

	if (hc == 0xAD)
		return 1;	/* a soft hyphen only ever marks a break */
	/* The piece before the hyphen. */
	ps = hs;
	while (ps > 0) {
		size_t st;
		int32_t c = last_cp(a, ps, &st);

		if (!text_is_letter(c) && !(c == '-' && st > 0))
			break;
		ps = st;
	}
	plen = hs - ps;
	if (!text_is_letter(bc) || utf8proc_category(bc) != UTF8PROC_CATEGORY_LL)
		return 0;	/* "non-\nEnglish", "page-\n7": a real hyphen */
	be = word_end(b, blen, 0);
	slen = be;
	if (memchr(a + ps, '-', plen) != NULL || memchr(b, '-', slen) != NULL)
		return 0;	/* part of a longer compound: "state-of-\nthe-art" */
	if (plen + slen + 1 > sizeof(joined))
		return 1;
	memcpy(joined, a + ps, plen);
	memcpy(joined + plen, b, slen);
	memcpy(hyph, a + ps, plen);
	hyph[plen] = '-';
	memcpy(hyph + plen + 1, b, slen);
	if (ws_count(ws, joined, plen + slen) > 0)
		return 1;
	if (ws_count(ws, hyph, plen + 1 + slen) > 0)
		return 0;
	if (quarry_utf8_count(a + ps, plen) >= 3 &&
	    quarry_utf8_count(b, slen) >= 3 &&
	    ws_count(ws, a + ps, plen) > 0 && ws_count(ws, b, slen) > 0)
		return 0;	/* two words of their own: "well-\nknown" */
	return 1;
}

/* Appends line l's text as it starts a block (bullets become "- "). */
static int
append_start(struct quarry_buf *out, const struct pdf_line *l)
{
	int numbered;
	size_t bl = bullet_len(l->text, l->len, &numbered);

	if (bl > 0) {
		if (quarry_buf_append(out, "- ", 2) != 0)
			return QUARRY_ENOMEM;
		return quarry_buf_append(out, l->text + bl, l->len - bl);
	}
	/* A literal '#' starting a line is not a heading (man/quarry.7). */
	if (!l->heading && l->len > 0 && l->text[0] == '#' &&
	    quarry_buf_append(out, "\\", 1) != 0)
		return QUARRY_ENOMEM;
	return quarry_buf_append(out, l->text, l->len);
}

/* Appends text with its tabs (cell gaps) as " | " (or as "|" cells). */
static int
append_cells(struct quarry_buf *out, const char *t, size_t len, int table)
{
	size_t i, st = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && t[i] != '\t' && !(table && t[i] == '|'))
			continue;
		if (quarry_buf_append(out, t + st, i - st) != 0)
			return QUARRY_ENOMEM;
		if (i == len)
			break;
		if (t[i] == '|' ? quarry_buf_append(out, "\\|", 2) :
		    quarry_buf_append(out, " | ", 3))
			return QUARRY_ENOMEM;
		st = i + 1;
	}
	return 0;
}

static size_t
count_cells(const struct pdf_line *l)
{
	size_t i, n = 1;

	for (i = 0; i < l->len; i++)
		n += l->text[i] == '\t';
	return n;
}

/*
 * Writes the table rows pg->lines[i..e) (lines with cell gaps): as a
 * Markdown table when there are two rows or more with the same number of
 * cells, else one row a line, cells separated by " | ".
 */
static int
append_table(struct quarry_buf *out, const struct pdf_page *pg, size_t i,
    size_t e)
{
	size_t k, rows = 0, cells = 0, c;
	int same = 1;

	for (k = i; k < e; k++) {
		const struct pdf_line *l = &pg->lines[k];

		if (l->furniture || l->len == 0)
			continue;
		if (rows++ == 0)
			cells = count_cells(l);
		else if (count_cells(l) != cells)
			same = 0;
	}
	same = same && rows >= 2 && cells >= 2;
	rows = 0;
	for (k = i; k < e; k++) {
		const struct pdf_line *l = &pg->lines[k];

		if (l->furniture || l->len == 0)
			continue;
		if (rows > 0 && quarry_buf_append(out, "\n", 1) != 0)
			return QUARRY_ENOMEM;
		if (same && (quarry_buf_append(out, "| ", 2) != 0 ||
		    (l->text[0] == '#' && quarry_buf_append(out, "\\", 1) != 0)))
			return QUARRY_ENOMEM;
		if (!same && l->text[0] == '#' &&
		    quarry_buf_append(out, "\\", 1) != 0)
			return QUARRY_ENOMEM;
		if (append_cells(out, l->text, l->len, same) != 0 ||
		    (same && quarry_buf_append(out, " |", 2) != 0))
			return QUARRY_ENOMEM;
		if (same && rows == 0) {
			if (quarry_buf_append(out, "\n|", 2) != 0)
				return QUARRY_ENOMEM;
			for (c = 0; c < cells; c++)
				if (quarry_buf_append(out, " --- |", 6) != 0)
					return QUARRY_ENOMEM;
		}
		rows++;
	}
	return 0;
}

/*
 * Writes the code lines pg->lines[i..e) as a fenced block, line by line,
 * with their indentation (from their left edges, in character widths).
 */
static int
append_code(struct quarry_buf *out, const struct pdf_page *pg, size_t i,
    size_t e)
{
	double left = HUGE_VAL;
	size_t k;

	for (k = i; k < e; k++)
		if (!pg->lines[k].furniture && pg->lines[k].len > 0 &&
		    pg->lines[k].x0 < left)
			left = pg->lines[k].x0;
	if (quarry_buf_append(out, "```\n", 4) != 0)
		return QUARRY_ENOMEM;
	for (k = i; k < e; k++) {
		const struct pdf_line *l = &pg->lines[k];
		double cw = (l->size > 0 ? l->size : 10) * 0.6;
		long ind;

		if (l->furniture || l->len == 0)
			continue;
		for (ind = lround((l->x0 - left) / cw); ind > 0 && ind < 40; ind--)
			if (quarry_buf_append(out, " ", 1) != 0)
				return QUARRY_ENOMEM;
		if ((l->text[0] == '#' && quarry_buf_append(out, "\\", 1) != 0) ||
		    append_cells(out, l->text, l->len, 0) != 0 ||
		    quarry_buf_append(out, "\n", 1) != 0)
			return QUARRY_ENOMEM;
	}
	return quarry_buf_append(out, "```", 3);
}

/* Appends the continuation line b to a block whose last line is a. */
static int
append_join(struct quarry_buf *out, const struct wordset *ws,
    const struct pdf_line *a, const struct pdf_line *b)
{
	size_t st;
	int32_t ac = last_cp(a->text, a->len, &st), bc = first_cp(b->text, b->len);

	if (ends_with_break_hyphen(a)) {
		if (dehyphenate(ws, a->text, a->len, b->text, b->len))
			out->len -= a->len - st;	/* drop the hyphen */
	} else if (ac == 0xAD) {
		out->len -= a->len - st;
	} else if ((ac == '-' || ac == 0x2010 || ac == 0x2013 || ac == 0x2014) &&
	    st > 0 && a->text[st - 1] != ' ') {
		/* "1990-\n1995", "word—\nword": no space */
	} else if (!(is_cjk(ac) && is_cjk(bc))) {
		if (quarry_buf_append(out, " ", 1) != 0)
			return QUARRY_ENOMEM;
	}
	return quarry_buf_append(out, b->text, b->len);
}

/* Removes soft hyphens (U+00AD) left inside the text from start on. */
static void
drop_soft_hyphens(struct quarry_buf *out, size_t start)
{
	size_t r, w = start;

	for (r = start; r < out->len; r++) {
		if ((unsigned char)out->data[r] == 0xC2 && r + 1 < out->len &&
		    (unsigned char)out->data[r + 1] == 0xAD) {
			r++;
			continue;
		}
		out->data[w++] = out->data[r];
	}
	out->len = w;
}

/*
 * The end of the run of lines like pg->lines[i] (code lines, or table rows)
 * from i on; furniture and empty lines do not break it.
 */
static size_t
run_end(const struct pdf_page *pg, size_t i, int code)
{
	size_t e = i;
	const struct pdf_line *prev = NULL;

	while (e < pg->n) {
		const struct pdf_line *l = &pg->lines[e];

		if (!l->furniture && l->len > 0) {
			if (l->heading || (code ? !l->mono :
			    memchr(l->text, '\t', l->len) == NULL))
				break;
			/* A gap of two lines' height ends it too. */
			if (prev != NULL && (l->y1 - prev->y1 > 2 * l->size ||
			    l->y1 < prev->y1))
				break;
			prev = l;
		}
		e++;
	}
	return e;
}

static int
layout_page(const struct pdf_page *pg, const struct wordset *ws,
    struct quarry_buf *out)
{
	/* A contents or index page kept: one entry a line. */
	if (pg->contents) {
		size_t i;
		int any = 0;

		for (i = 0; i < pg->n; i++) {
			const struct pdf_line *l = &pg->lines[i];

			if (l->furniture || l->len == 0)
				continue;
			if ((any && quarry_buf_append(out, "\n", 1) != 0) ||
			    append_start(out, l) != 0)
				return QUARRY_ENOMEM;
			any = 1;
		}
		return any ? quarry_buf_append(out, "\n", 1) : 0;
	}

	double pitch = typical_pitch(pg), left = 0, right = 0;
	const struct pdf_line *prev = NULL;
	size_t i, start = out->len;
	int any = 0, in_list = 0;

	for (i = 0; i < pg->n; i++) {
		const struct pdf_line *l = &pg->lines[i];
		size_t e, k, lines = 0;

		if (l->furniture || l->len == 0)
			continue;
		/* Two code lines or more: a fenced block; table rows. */
		if (!l->heading && (l->mono ||
		    memchr(l->text, '\t', l->len) != NULL)) {
			int code = l->mono;

			e = run_end(pg, i, code);
			for (k = i; k < e; k++)
				lines += !pg->lines[k].furniture &&
				    pg->lines[k].len > 0;
			if (!code || lines >= 2) {
				if (any && quarry_buf_append(out, "\n\n", 2) != 0)
					return QUARRY_ENOMEM;
				if ((code ? append_code(out, pg, i, e) :
				    append_table(out, pg, i, e)) != 0)
					return QUARRY_ENOMEM;
				any = 1;
				in_list = 0;
				prev = NULL;
				i = e - 1;
				continue;
			}
		}
		if (prev != NULL && l->heading && prev->heading == l->heading &&
		    fabs(prev->size - l->size) < 0.5 &&
		    l->y1 - prev->y1 > 0 && l->y1 - prev->y1 <= 1.6 * l->size &&
		    l->x0 < prev->x1 && l->x1 > prev->x0) {
			/* A title wrapped over lines. */
			if (append_join(out, ws, prev, l) != 0)
				return QUARRY_ENOMEM;
		} else if (prev != NULL && !para_break(prev, l, pitch, left, right) &&
		    !(l->heading && (fabs(prev->size - l->size) > 0.5 ||
		    l->y1 - prev->y1 > 1.6 * l->size))) {
			if (append_join(out, ws, prev, l) != 0)
				return QUARRY_ENOMEM;
			if (l->x0 < left)
				left = l->x0;
			if (l->x1 > right)
				right = l->x1;
		} else {
			int numbered, item = !l->heading &&
			    (bullet_len(l->text, l->len, &numbered) > 0 || numbered);

			/* List items follow each other on single lines. */
			if (any && quarry_buf_append(out, "\n\n",
			    in_list && item ? 1 : 2) != 0)
				return QUARRY_ENOMEM;
			in_list = item;
			if (l->heading) {
				static const char hashes[] = "###### ";

				if (quarry_buf_append(out,
				    hashes + 6 - l->heading, l->heading + 1) != 0)
					return QUARRY_ENOMEM;
			}
			if (append_start(out, l) != 0)
				return QUARRY_ENOMEM;
			left = l->x0;
			right = l->x1;
			any = 1;
		}
		prev = l;
	}
	drop_soft_hyphens(out, start);
	if (any && quarry_buf_append(out, "\n", 1) != 0)
		return QUARRY_ENOMEM;
	return 0;
}

int
pdf_layout(struct pdf_page *pages, size_t n,
    const struct pdf_layout_options *o, struct quarry_buf *out)
{
	static const struct pdf_layout_options defaults;
	struct wordset ws = { 0 };
	double body;
	size_t p;
	long found = 0;
	int rc;

	if (o == NULL)
		o = &defaults;
	if ((rc = normalize_lines(pages, n)) != 0)
		return rc;
	if (!o->keep_furniture && (rc = mark_furniture(pages, n)) != 0)
		return rc;
	if ((rc = join_section_numbers(pages, n)) != 0)
		return rc;
	/*
	 * The outline gives the headings when most of its entries are found
	 * on their pages; else (no outline, or one that only names pages)
	 * the fonts do, with what the outline matched kept.
	 */
	if (o->outline != NULL && o->outline->n > 0 &&
	    (found = outline_headings(pages, n, o->outline)) < 0)
		return QUARRY_ENOMEM;
	body = body_size(pages, n);
	if (found == 0 || (size_t)found * 2 < o->outline->n)
		mark_headings(pages, n, body);
	mark_contents(pages, n);
	for (p = 0; p < n; p++)
		if (!pages[p].contents && (rc = rebuild_rows(&pages[p])) != 0)
			return rc;
	if ((rc = collect_words(pages, n, &ws)) != 0)
		goto out;
	for (p = 0; p < n; p++) {
		if (p > 0 && (rc = quarry_buf_append(out, "\f", 1)) != 0)
			goto out;
		if (pages[p].contents && !o->keep_contents)
			continue;
		if ((rc = layout_page(&pages[p], &ws, out)) != 0)
			goto out;
	}
	/* Keep data NUL-terminated for callers that want a C string. */
	if ((rc = quarry_buf_reserve(out, 1)) == 0)
		out->data[out->len] = '\0';
out:
	ws_free(&ws);
	return rc;
}
