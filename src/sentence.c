/*
 * sentence.c: rule-based, multilingual sentence segmentation.
 *
 * The segmenter finds sentence boundaries in UTF-8 text in one left-to-right
 * pass.  A byte table marks the few bytes that can matter (terminal
 * punctuation, ')', line breaks and the lead bytes of the non-ASCII
 * terminators, bullets and line separators); everything else is skipped
 * without decoding, and the rules below only look at the few characters
 * around a candidate.  Every look-back is bounded (64 bytes) or stops at the
 * last boundary, and every look-ahead either has a fixed bound or covers text
 * the main loop then skips, so the work is linear in the input.
 *
 * The conventions (blank lines, soft wraps, lists, headings, quotes,
 * abbreviations, ellipses, CJK) are documented in man/quarry-chunk.1; the
 * per-language word lists are in sentence_lang.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "quarry.h"
#include "sentence_private.h"

/* An entry of a sorted word list. */
struct wordent {
	const char *s;
	size_t len;
	int kind;
};

/* A sorted word list, and where the words of each first byte start in it
 * (at[b] to at[b + 1]), so that a look-up searches those alone. */
struct wordlist {
	struct wordent *w;
	size_t n;
	uint32_t at[257];
};

struct quarry_segmenter {
	const struct sentence_lang *lang;
	unsigned flags;
	unsigned char cand[256];	/* bytes the main loop stops at */
	struct wordlist abbr;
	struct wordlist start;
	quarry_span *spans;
	size_t n, cap;
};

/* The state of one quarry_segmenter_split() call. */
struct run {
	quarry_segmenter *sg;
	const char *t;
	size_t len;
	size_t last;	/* the last boundary emitted */
	size_t line;	/* start of the current line */
	size_t line_at;	/* ... past its blanks (skip_blanks()), SIZE_MAX:
			   not known yet */
	size_t para;	/* start of the current paragraph */
	int plist;	/* paragraph is a list of short lines: -1 unknown */
	int mstyle;	/* style of the last list marker in the paragraph */
	long mval;	/* and its value */
	int err;
};

/* Terminator kinds. */
enum {
	T_NONE,
	T_DOT,		/* '.' */
	T_ELL,		/* U+2026 HORIZONTAL ELLIPSIS */
	T_BANG,		/* '!', '?' and their relatives */
	T_CJK,		/* 。！？｡: no space needed, quotes kept inside */
	T_SCRIPT,	/* । ؟ ۔ ። ፧ ။ ។: no space needed */
};

/* What starts the text after a terminator and white space. */
enum {
	NS_END, NS_UPPER, NS_LOWER, NS_DIGIT, NS_CASELESS, NS_ELLIPSIS,
	NS_SYMBOL, NS_PUNCT,
};

/* Classes of the word before a period. */
enum {
	PC_PLAIN, PC_NUMBER, PC_ABBR, PC_PRE, PC_NUM, PC_ORD,
};

/* List marker styles (values of run.mstyle). */
enum {
	M_DOT = 1, M_DOTPAREN = 2, M_PAREN = 3, M_ALPHA = 4,
};

#define BACK_LIMIT 64	/* longest word looked at behind a period */
#define LINE_LIST_MAX 40	/* longest line of a paragraph of short lines */

/* ------------------------------------------------------------ characters */

static size_t
dec(const char *t, size_t len, size_t i, int32_t *cp)
{
	if ((unsigned char)t[i] < 0x80) {
		*cp = (unsigned char)t[i];
		return 1;
	}
	return quarry_utf8_decode(t, len, i, cp);
}

/* Returns the start of the code point that ends at i (i > lo). */
static size_t
prev_start(const char *t, size_t lo, size_t i)
{
	size_t j = i - 1;

	while (j > lo && i - j < 4 && ((unsigned char)t[j] & 0xC0) == 0x80)
		j--;
	return j;
}

static int
is_ws(int32_t c)
{
	switch (c) {
	case ' ': case '\t': case '\n': case '\v': case '\f': case '\r':
	case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
	case 0x202F: case 0x205F: case 0x3000:
		return 1;
	default:
		return c >= 0x2000 && c <= 0x200A;
	}
}

/* Returns the byte length of the white-space character at i, or 0. */
static size_t
ws_len(const char *t, size_t len, size_t i)
{
	unsigned char c = (unsigned char)t[i];
	int32_t cp;
	size_t n;

	if (c < 0x80)
		return (c == ' ' || (c >= '\t' && c <= '\r')) ? 1 : 0;
	/* U+00A0 and U+0085, the only white space from U+0080 to U+00FF. */
	if (c == 0xC2)
		return i + 1 < len && ((unsigned char)t[i + 1] == 0xA0 ||
		    (unsigned char)t[i + 1] == 0x85) ? 2 : 0;
	if (c != 0xE1 && c != 0xE2 && c != 0xE3)
		return 0;
	/* U+2000 to U+207F only, of the U+2xxx (box drawing, arrows...). */
	if (c == 0xE2 && i + 1 < len && (unsigned char)t[i + 1] != 0x80 &&
	    (unsigned char)t[i + 1] != 0x81)
		return 0;
	n = quarry_utf8_decode(t, len, i, &cp);
	return is_ws(cp) ? n : 0;
}

/* Returns the byte length of the white-space character ending at i, or 0. */
static size_t
ws_before(const char *t, size_t lo, size_t i)
{
	size_t k;
	int32_t cp;

	if (i <= lo)
		return 0;
	if ((unsigned char)t[i - 1] < 0x80)
		return ws_len(t, i, i - 1);
	k = prev_start(t, lo, i);
	quarry_utf8_decode(t, i, k, &cp);
	return is_ws(cp) ? i - k : 0;
}

/* newline_at() of what is not '\n' nor printable ASCII. */
static __attribute__((noinline)) int
newline_other(const char *t, size_t len, size_t i, size_t *n)
{
	unsigned char c = (unsigned char)t[i];
	int32_t cp;

	*n = 1;
	switch (c) {
	case '\n':
		return 1;
	case '\r':
		return (i + 1 < len && t[i + 1] == '\n') ? 0 : 1;
	case '\f':
		return 2;
	case 0xC2: case 0xE2:
		/* A no-break space, often found in text dumped from HTML,
		 * and U+2040 to U+2FFF (box drawing, arrows, shapes): no
		 * line breaks, known without decoding. */
		if (c == 0xC2 && i + 1 < len && (unsigned char)t[i + 1] == 0xA0) {
			*n = 2;
			return 0;
		}
		if (c == 0xE2 && i + 2 < len && (unsigned char)t[i + 1] >= 0x81 &&
		    (unsigned char)t[i + 1] <= 0xBF &&
		    ((unsigned char)t[i + 2] & 0xC0) == 0x80) {
			*n = 3;
			return 0;
		}
		*n = quarry_utf8_decode(t, len, i, &cp);
		if (cp == 0x85 || cp == 0x2028)
			return 1;
		if (cp == 0x2029)
			return 2;
		return 0;
	default:
		return 0;
	}
}

/*
 * Returns the weight of the line break at i (0: none, 1: line break, 2: page
 * or paragraph break) and its byte length in *n.  A CR before LF is not a
 * break of its own.  A line end and printable ASCII, most of what is asked,
 * without a call.
 */
static inline int
newline_at(const char *t, size_t len, size_t i, size_t *n)
{
	unsigned char c = (unsigned char)t[i];

	*n = 1;
	if (c == '\n')
		return 1;
	if (c > '\r' && c < 0x80)
		return 0;
	return newline_other(t, len, i, n);
}

static int
category(int32_t c)
{
	return (int)utf8proc_category(c);
}

static int
is_upper(int32_t c)
{
	int k;

	if (c < 0x80)
		return c >= 'A' && c <= 'Z';
	k = category(c);
	return k == UTF8PROC_CATEGORY_LU || k == UTF8PROC_CATEGORY_LT;
}

static int
is_lower(int32_t c)
{
	if (c < 0x80)
		return c >= 'a' && c <= 'z';
	return category(c) == UTF8PROC_CATEGORY_LL;
}

static int
is_letter(int32_t c)
{
	int k;

	if (c < 0x80)
		return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
	k = category(c);
	return k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO;
}

static int
is_mark(int32_t c)
{
	int k;

	if (c < 0x300)
		return 0;
	k = category(c);
	return k >= UTF8PROC_CATEGORY_MN && k <= UTF8PROC_CATEGORY_ME;
}

static int
is_digit(int32_t c)
{
	if (c < 0x80)
		return c >= '0' && c <= '9';
	return category(c) == UTF8PROC_CATEGORY_ND;
}

/* Invisible format characters (bidi controls, zero-width joiners). */
static int
is_format(int32_t c)
{
	return c >= 0xAD && category(c) == UTF8PROC_CATEGORY_CF;
}

/* Characters that close a quotation or bracket after terminal punctuation. */
static int
is_closer(int32_t c)
{
	switch (c) {
	case '"': case '\'': case ')': case ']': case '}': case '*': case '_':
	case '`':
	case 0xBB: case 0xAB: case 0x2019: case 0x201D: case 0x2018:
	case 0x201C: case 0x203A: case 0x2039: case 0x300D: case 0x300F:
	case 0x300B: case 0x3009: case 0x3011: case 0x3015: case 0xFF09:
	case 0xFF3D: case 0xFF5D: case 0xFF02: case 0xFF07: case 0xFF63:
		return 1;
	default:
		return is_format(c);
	}
}

/* Characters that may open a sentence before its first word. */
static int
is_opener(int32_t c)
{
	switch (c) {
	case '"': case '\'': case '(': case '[': case '{': case '*': case '_':
	case '`':
	case 0xBF: case 0xA1: case 0xAB: case 0xBB: case 0x201C: case 0x201D:
	case 0x2018: case 0x2019: case 0x201E: case 0x201A: case 0x2039:
	case 0x203A: case 0x300C: case 0x300E: case 0x300A: case 0x3008:
	case 0x3010: case 0xFF08: case 0xFF3B: case 0xFF5B: case 0xFF02:
		return 1;
	default:
		return is_format(c);
	}
}

/* Opening punctuation that ends a word when scanning back from a period. */
static int
is_word_stop(int32_t c)
{
	switch (c) {
	case '"': case '(': case '[': case '{': case '<': case 0xBF: case 0xA1:
	case 0xAB: case 0xBB: case 0x201C: case 0x201E: case 0x2018:
	case 0x2039: case 0x203A:
		return 1;
	default:
		return 0;
	}
}

static int
is_bullet(int32_t c)
{
	switch (c) {
	case 0x2022: case 0x2023: case 0x2043: case 0x25E6: case 0x25AA:
	case 0x25CF: case 0x25A0: case 0x2219:
		return 1;
	default:
		return 0;
	}
}

static int
is_dash(int32_t c)
{
	return c == '-' || c == 0x2013 || c == 0x2014 || c == 0x2015;
}

static int
is_cjk_open(int32_t c)
{
	return c == 0x300C || c == 0x300E || c == 0x300A || c == 0x3008 ||
	    c == 0x3010 || c == 0x3014 || c == 0xFF08 || c == 0xFF62;
}

static int
is_cjk_close(int32_t c)
{
	return c == 0x300D || c == 0x300F || c == 0x300B || c == 0x3009 ||
	    c == 0x3011 || c == 0x3015 || c == 0xFF09 || c == 0xFF63;
}

/* Returns the terminator kind of the character at i; its length in *n. */
static int
term_at(const quarry_segmenter *sg, const char *t, size_t len, size_t i,
    size_t *n)
{
	unsigned char c = (unsigned char)t[i];
	int32_t cp;

	*n = 1;
	if (c < 0x80) {
		if (c == '.')
			return T_DOT;
		if (c == '!' || c == '?')
			return T_BANG;
		if (c == ';' && (sg->flags & SL_SEMICOLON_QM))
			return T_BANG;
		if (c == ':' && (sg->flags & SL_COLON_STOP))
			return T_BANG;
		return T_NONE;
	}
	/* U+2080 to U+2FFF (box drawing, arrows, shapes) end nothing. */
	if (c == 0xE2 && i + 2 < len && (unsigned char)t[i + 1] >= 0x82 &&
	    (unsigned char)t[i + 1] <= 0xBF &&
	    ((unsigned char)t[i + 2] & 0xC0) == 0x80) {
		*n = 3;
		return T_NONE;
	}
	*n = quarry_utf8_decode(t, len, i, &cp);
	switch (cp) {
	case 0x2026:
		return T_ELL;
	case 0x037E: case 0x0589: case 0x203C: case 0x2047: case 0x2048:
	case 0x2049:
		return T_BANG;
	case 0x3002: case 0xFF01: case 0xFF1F: case 0xFF61:
		return T_CJK;
	case 0xFF0E:
		/* The full-width full stop, except as a decimal point. */
		if (i + *n < len && (((unsigned char)t[i + *n] >= '0' &&
		    (unsigned char)t[i + *n] <= '9') || ((unsigned char)t[i +
		    *n] == 0xEF && i + *n + 2 < len &&
		    (unsigned char)t[i + *n + 1] == 0xBC &&
		    (unsigned char)t[i + *n + 2] >= 0x90 &&
		    (unsigned char)t[i + *n + 2] <= 0x99)))
			return T_NONE;
		return T_CJK;
	case 0x061F: case 0x06D4: case 0x0964: case 0x0965: case 0x1362:
	case 0x1367: case 0x1368: case 0x104B: case 0x17D4: case 0x17D5:
		return T_SCRIPT;
	default:
		return T_NONE;
	}
}

/* ------------------------------------------------------------ word lists */

static int
wordcmp(const void *a, const void *b)
{
	const struct wordent *x = a, *y = b;
	size_t m = x->len < y->len ? x->len : y->len;
	int r = memcmp(x->s, y->s, m);

	if (r != 0)
		return r;
	return (x->len > y->len) - (x->len < y->len);
}

/* Indexes list l by first byte (list_find()). */
static void
list_index(struct wordlist *l)
{
	size_t i = 0;
	unsigned b;

	/* Empty words sort first; none is looked up. */
	while (i < l->n && l->w[i].len == 0)
		i++;
	for (b = 0; b < 256; b++) {
		l->at[b] = (uint32_t)i;
		while (i < l->n && (unsigned char)l->w[i].s[0] == b)
			i++;
	}
	l->at[256] = (uint32_t)i;
}

/*
 * Sorts w[0, n) by wordcmp(), stably, with tmp (n entries) to merge in.
 * The lists hold some hundreds of words: sorted by insertion, they took a
 * third of the time of a run on a small text.
 */
static void
list_sort(struct wordent *w, struct wordent *tmp, size_t n)
{
	size_t h = n / 2, i = 0, j = h, k = 0;

	if (n < 2)
		return;
	list_sort(w, tmp, h);
	list_sort(w + h, tmp, n - h);
	/* Of equals, the earlier half's first; what is left of the later
	 * half is in place already. */
	while (i < h && j < n)
		tmp[k++] = wordcmp(&w[j], &w[i]) < 0 ? w[j++] : w[i++];
	while (i < h)
		tmp[k++] = w[i++];
	memcpy(w, tmp, k * sizeof(*w));
}

/* Builds a sorted list from NULL-terminated arrays, indexed (list_index());
 * kinds in byte 0 when kinded.  Earlier arrays win over later duplicates. */
static int
list_build(struct wordlist *out, const char *const *a, const char *const *b,
    int kinded)
{
	size_t n = 0, i, k;
	struct wordent *w;

	for (i = 0; a[i] != NULL; i++)
		n++;
	for (i = 0; b != NULL && b[i] != NULL; i++)
		n++;
	if ((w = calloc(n ? n : 1, sizeof(*w))) == NULL)
		return QUARRY_ENOMEM;
	n = 0;
	for (k = 0; k < 2; k++) {
		const char *const *l = k == 0 ? a : b;

		for (i = 0; l != NULL && l[i] != NULL; i++) {
			const char *s = l[i];

			w[n].kind = kinded ? (unsigned char)*s++ : 0;
			w[n].s = s;
			w[n].len = strlen(s);
			n++;
		}
	}
	/* A stable order keeps the first of duplicates first. */
	if (n > 1) {
		struct wordent *tmp = malloc(n * sizeof(*tmp));

		if (tmp == NULL) {
			free(w);
			return QUARRY_ENOMEM;
		}
		list_sort(w, tmp, n);
		free(tmp);
	}
	out->w = w;
	out->n = n;
	list_index(out);
	return 0;
}

static const struct wordent *
list_find(const struct wordlist *l, const char *s, size_t len)
{
	struct wordent key = { s, len, 0 };
	size_t lo, hi;

	if (len == 0)
		return NULL;
	lo = l->at[(unsigned char)*s];
	hi = l->at[(unsigned char)*s + 1];
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = wordcmp(&l->w[mid], &key);

		if (r == 0) {
			while (mid > lo && wordcmp(&l->w[mid - 1], &key) == 0)
				mid--;
			return &l->w[mid];
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * Lower-cases t[s, e) into buf (at most cap bytes).  Returns the length, or
 * (size_t)-1 when it does not fit.
 */
static size_t
lower_into(const char *t, size_t s, size_t e, char *buf, size_t cap)
{
	size_t o = 0, n;
	int32_t cp;

	while (s < e) {
		if (o + 4 > cap)
			return (size_t)-1;
		if ((unsigned char)t[s] < 0x80) {
			char ch = t[s++];

			buf[o++] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
			continue;
		}
		n = dec(t, e, s, &cp);
		cp = utf8proc_tolower(cp);
		o += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)buf + o);
		s += n;
	}
	return o;
}

/* ------------------------------------------------------------- emitting */

static void
emit(struct run *r, size_t b)
{
	quarry_segmenter *sg = r->sg;
	size_t s = r->last, e = b, n;

	if (b <= r->last)
		return;
	r->last = b;
	/* The white space around the sentence: ASCII (a line end and the
	 * next line's indentation, mostly) without a call. */
	for (;;) {
		while (s < e && (r->t[s] == ' ' ||
		    (unsigned char)(r->t[s] - '\t') <= '\r' - '\t'))
			s++;
		if (s >= e || (unsigned char)r->t[s] < 0x80 ||
		    (n = ws_len(r->t, e, s)) == 0)
			break;
		s += n;
	}
	for (;;) {
		while (e > s && (r->t[e - 1] == ' ' ||
		    (unsigned char)(r->t[e - 1] - '\t') <= '\r' - '\t'))
			e--;
		if (e <= s || (unsigned char)r->t[e - 1] < 0x80 ||
		    (n = ws_before(r->t, s, e)) == 0)
			break;
		e -= n;
	}
	if (s == e)
		return;
	if (sg->n == sg->cap) {
		size_t cap = sg->cap ? sg->cap * 2 : 64;
		quarry_span *p = realloc(sg->spans, cap * sizeof(*p));

		if (p == NULL) {
			r->err = QUARRY_ENOMEM;
			return;
		}
		sg->spans = p;
		sg->cap = cap;
	}
	sg->spans[sg->n].start = s;
	sg->spans[sg->n].end = e;
	sg->n++;
}

/* Whether only white space, bullets and openers lie between the last
 * boundary and p.  The look-back is bounded (BACK_LIMIT * 4 bytes) to keep
 * runs of bullets or brackets linear; beyond it the answer is no. */
static int
at_sentence_start(const struct run *r, size_t p)
{
	size_t j = p, k;
	int32_t cp;

	while (j > r->last) {
		if (p - j > BACK_LIMIT * 4)
			return 0;
		k = prev_start(r->t, r->last, j);
		dec(r->t, j, k, &cp);
		if (!is_ws(cp) && !is_bullet(cp) && !is_opener(cp) &&
		    !is_dash(cp))
			return 0;
		j = k;
	}
	return 1;
}

/* ---------------------------------------------------------- list markers */

/*
 * Recognises a list marker whose number or letter ends at i (i is the '.' or
 * ')' after it) and that starts a word: "1. ", "2.) ", "3) ", "a. ", "b) ".
 * Returns 1 and fills *ts (start of the marker), *style, *val, *end (just
 * after the marker's punctuation), else 0.
 */
static int
marker_before(const struct run *r, size_t i, size_t *ts, int *style,
    long *val, size_t *end)
{
	const char *t = r->t;
	size_t s = i, e;
	int32_t cp;

	while (s > r->last && i - s < 3 && t[s - 1] >= '0' && t[s - 1] <= '9')
		s--;
	if (s < i) {
		*val = strtol(t + s, NULL, 10);
		*style = 0;
	} else if (i > r->last && t[i - 1] >= 'a' && t[i - 1] <= 'z') {
		s = i - 1;
		*val = t[s] - 'a' + 1;
		*style = M_ALPHA;
	} else {
		return 0;
	}
	if (s > 0) {
		size_t k = prev_start(t, 0, s);

		dec(t, s, k, &cp);
		if (!is_ws(cp) && !is_bullet(cp))
			return 0;
	}
	e = i + 1;
	if (t[i] == '.' && e < r->len && t[e] == ')') {
		*style |= M_DOTPAREN;
		e++;
	} else {
		*style |= t[i] == '.' ? M_DOT : M_PAREN;
	}
	if (e >= r->len || (t[e] != ' ' && t[e] != '\t'))
		return 0;
	*ts = s;
	*end = e;
	return 1;
}

/*
 * Handles a possible list marker ending at i.  Returns the position to go on
 * from when it is one (a marker at a sentence start, or the next marker of
 * an inline list, which starts a new sentence), else 0.
 */
static size_t
on_marker(struct run *r, size_t i)
{
	size_t ts, end;
	int style;
	long val;

	if (!marker_before(r, i, &ts, &style, &val, &end))
		return 0;
	if (at_sentence_start(r, ts)) {
		r->mstyle = style;
		r->mval = val;
		return end;
	}
	if (r->mstyle == style && val == r->mval + 1) {
		emit(r, ts);
		r->mval = val;
		return end;
	}
	return 0;
}

/* ------------------------------------------------------ words and tokens */

static int
is_starter(const struct run *r, size_t w)
{
	const char *t = r->t;
	size_t e = w, n, ln;
	char buf[48];
	int32_t cp;

	while (e < r->len && e - w < 40) {
		n = dec(t, r->len, e, &cp);
		if (!is_letter(cp) && !is_mark(cp))
			break;
		e += n;
	}
	if (e == w || e - w >= 40)
		return 0;
	/* A single letter with a period is an initial ("A. Smith"). */
	if (e < r->len && t[e] == '.' && quarry_utf8_count(t + w, e - w) == 1)
		return 0;
	/* "It's", "There's": keep the apostrophe and what follows. */
	if (e + 1 < r->len && t[e] == '\'' && is_letter((unsigned char)t[e + 1])) {
		size_t f = e + 1;

		while (f < r->len && f - w < 40 && ((t[f] | 0x20) >= 'a' &&
		    (t[f] | 0x20) <= 'z'))
			f++;
		ln = lower_into(t, w, f, buf, sizeof(buf));
		if (ln != (size_t)-1 && list_find(&r->sg->start,
		    buf, ln) != NULL)
			return 1;
	}
	ln = lower_into(t, w, e, buf, sizeof(buf));
	return ln != (size_t)-1 &&
	    list_find(&r->sg->start, buf, ln) != NULL;
}

/* Counts the dots of an ellipsis at i ("...", "…", ". . ."), 0 if none;
 * its end goes to *end. */
static size_t
ellipsis_at(const char *t, size_t len, size_t i, size_t *end)
{
	size_t j = i, k = 0, m;

	for (;;) {
		if (j < len && t[j] == '.') {
			k++;
			j++;
		} else if (j + 2 < len && (unsigned char)t[j] == 0xE2 &&
		    (unsigned char)t[j + 1] == 0x80 &&
		    (unsigned char)t[j + 2] == 0xA6) {
			k += 3;
			j += 3;
		} else {
			break;
		}
	}
	if (k == 1) {
		/* ". . .": single dots separated by single spaces. */
		size_t q = j;

		m = 1;
		while (q + 1 < len && t[q] == ' ' && t[q + 1] == '.' &&
		    (q + 2 >= len || t[q + 2] != '.')) {
			m++;
			q += 2;
		}
		if (m >= 3) {
			k = m;
			j = q;
		}
	}
	*end = j;
	return k >= 2 ? k : 0;
}

/* Classifies what starts at w (after white space); *word is the position of
 * its first letter or digit. */
static int
next_start(const struct run *r, size_t w, size_t *word)
{
	const char *t = r->t;
	size_t i = w, n, e, steps = 0;
	int32_t cp;

	*word = w;
	if (w >= r->len)
		return NS_END;
	for (;;) {
		if (i >= r->len)
			return NS_PUNCT;
		n = dec(t, r->len, i, &cp);
		if (cp == '.' || cp == 0x2026) {
			if (ellipsis_at(t, r->len, i, &e) == 0)
				return NS_PUNCT;
			while (e < r->len && (n = dec(t, r->len, e, &cp)) > 0 &&
			    is_closer(cp))
				e += n;
			while (e < r->len && (n = ws_len(t, r->len, e)) > 0 &&
			    newline_at(t, r->len, e, &n) == 0)
				e += n;
			if (e >= r->len)
				return NS_PUNCT;
			dec(t, r->len, e, &cp);
			return (is_letter(cp) || is_digit(cp)) ? NS_ELLIPSIS :
			    NS_PUNCT;
		}
		if ((is_opener(cp) || is_dash(cp) || cp == ' ') && ++steps < 8) {
			i += n;
			continue;
		}
		break;
	}
	*word = i;
	if (is_upper(cp))
		return NS_UPPER;
	if (is_lower(cp))
		return NS_LOWER;
	if (is_digit(cp))
		return NS_DIGIT;
	if (is_letter(cp))
		return NS_CASELESS;
	/* A currency sign starts an amount ("$5 is enough."). */
	if (cp == '$' || (cp >= 0x80 && category(cp) == UTF8PROC_CATEGORY_SC))
		return NS_SYMBOL;
	return NS_PUNCT;
}

static int
is_roman(const char *t, size_t s, size_t e)
{
	if (e - s > 7)
		return 0;
	for (; s < e; s++)
		if (strchr("IVXLCDM", t[s]) == NULL || t[s] == '\0')
			return 0;
	return 1;
}

/* Returns the start of the word that ends at i, looking back at most
 * BACK_LIMIT bytes (then *whole is cleared) and not past the last boundary. */
static size_t
word_back(const struct run *r, size_t i, int *whole)
{
	size_t j = i, k;
	int32_t cp;

	*whole = 1;
	while (j > r->last) {
		unsigned char b = (unsigned char)r->t[j - 1];

		/* ASCII: white space, or opening punctuation of
		 * is_word_stop(), ends the word; it has no bullets. */
		if (b < 0x80) {
			if (b == ' ' || (b >= '\t' && b <= '\r') || b == '"' ||
			    b == '(' || b == '[' || b == '{' || b == '<')
				break;
			if (i - (j - 1) > BACK_LIMIT) {
				*whole = 0;
				break;
			}
			j--;
			continue;
		}
		k = prev_start(r->t, r->last, j);
		dec(r->t, j, k, &cp);
		if (is_ws(cp) || is_word_stop(cp) || is_bullet(cp))
			break;
		if (i - k > BACK_LIMIT) {
			*whole = 0;
			break;
		}
		j = k;
	}
	return j;
}

/* Classifies the word before the period at i. */
static int
prev_class(const struct run *r, size_t i)
{
	const char *t = r->t;
	size_t s, e = i, k, n, ln, letters = 0, segs = 1, seglen = 0;
	int whole, single = 1, alldigits = 1;
	const struct wordent *a;
	char buf[BACK_LIMIT * 2 + 8];
	int32_t cp;

	s = word_back(r, i, &whole);
	/* Tokenised text ("Mr . Robinson"): the word before the space. */
	if (s == i && i >= 2 && i - 1 > r->last && t[i - 1] == ' ' &&
	    ws_before(t, r->last, i - 1) == 0) {
		e = i - 1;
		s = word_back(r, e, &whole);
	}
	/* Trim invisible format characters and leading apostrophes. */
	while (e > s) {
		k = prev_start(t, s, e);
		dec(t, e, k, &cp);
		if (!is_format(cp))
			break;
		e = k;
	}
	while (s < e && (t[s] == '\'' || t[s] == '`'))
		s++;
	if (s == e)
		return PC_PLAIN;
	k = prev_start(t, s, e);
	dec(t, e, k, &cp);
	if (!whole)
		return is_digit(cp) ? PC_NUMBER : PC_PLAIN;
	if (memchr(t + s, '@', e - s) != NULL || memchr(t + s, '/', e - s))
		return PC_PLAIN;
	if (is_digit(cp)) {
		for (k = s; k < e; k++)
			if (t[k] < '0' || t[k] > '9')
				alldigits = 0;
		if (alldigits && e - s <= 3 && (r->sg->flags & SL_ORDINAL))
			return PC_ORD;
		return PC_NUMBER;
	}
	ln = lower_into(t, s, e, buf, sizeof(buf));
	if (ln != (size_t)-1 &&
	    (a = list_find(&r->sg->abbr, buf, ln)) != NULL) {
		if (a->kind == SA_PRE)
			return PC_PRE;
		if (a->kind == SA_NUM)
			return PC_NUM;
		return PC_ABBR;
	}
	/* Single letters and chains of them: "E.", "U.S.A.", "т.е.". */
	for (k = s; k < e; k += n) {
		n = dec(t, e, k, &cp);
		if (cp == '.') {
			if (seglen != 1)
				single = 0;
			segs++;
			seglen = 0;
		} else if (is_letter(cp)) {
			letters++;
			seglen++;
		} else if (!is_mark(cp)) {
			single = 0;
		}
	}
	if (seglen != 1)
		single = 0;
	if (single && letters == segs)
		return PC_ABBR;
	if ((r->sg->flags & SL_ORDINAL) && is_roman(t, s, e))
		return PC_ORD;
	return PC_PLAIN;
}

/*
 * Whether the terminator t[i] (run ending at e, no white space after) ends a
 * sentence in spite of the missing space: "world.Today", "1,000.That".  The
 * word before must be a plain lower-case word or a number, alone in its
 * token, and the word after a capitalised word followed by a space or a final
 * punctuation mark, which rules out file names, URLs, e-mail addresses,
 * versions and code.
 */
static int
nospace_break(const struct run *r, size_t i, size_t e)
{
	const char *t = r->t;
	size_t s, k, n, f;
	int whole, lower = 0, digits = 0;
	int32_t cp, c1;

	/* The word after: Upper lower+ then a space, end or .,;:!? */
	n = dec(t, r->len, e, &c1);
	if (!is_upper(c1))
		return 0;
	f = e + n;
	k = 0;
	while (f < r->len) {
		n = dec(t, r->len, f, &cp);
		if (!is_lower(cp))
			break;
		f += n;
		k++;
	}
	if (k < 1)
		return 0;
	if (f < r->len && ws_len(t, r->len, f) == 0) {
		if (strchr(".,;:!?", t[f]) == NULL || t[f] == '\0')
			return 0;
		if (f + 1 < r->len && ws_len(t, r->len, f + 1) == 0)
			return 0;
	}
	/* The word before. */
	s = word_back(r, i, &whole);
	if (!whole || s == i)
		return 0;
	for (k = s; k < i; k += n) {
		n = dec(t, i, k, &cp);
		if (is_lower(cp))
			lower++;
		else
			lower = 0;
		if (is_digit(cp))
			digits++;
		else if (!(cp == ',' && digits > 0) && !is_letter(cp) && !is_mark(cp) && cp != '\'' &&
		    cp != 0x2019 && cp != '-')
			return 0;
	}
	if (digits > 0) {
		for (k = s; k < i; k++)
			if ((t[k] < '0' || t[k] > '9') && t[k] != ',')
				return 0;
		return 1;
	}
	if (lower < 2)
		return 0;
	return prev_class(r, i) == PC_PLAIN;
}

/* Whether a CJK terminator before p sits inside brackets that close later on
 * the same line: 《摔跤吧！爸爸》. */
static int
inside_cjk_brackets(const struct run *r, size_t p)
{
	size_t j = p, n;
	int32_t cp;

	while (j < r->len && j - p < 256) {
		n = dec(r->t, r->len, j, &cp);
		if (is_cjk_close(cp))
			return 1;
		if (is_cjk_open(cp) || cp == '\n' || cp == 0x3002 ||
		    cp == 0xFF01 || cp == 0xFF1F)
			return 0;
		j += n;
	}
	return 0;
}

/* ----------------------------------------------------------- terminators */

/* Skips footnote references after a sentence's end ("gas.[1][2] [3] It"),
 * which stay with the sentence; returns the position after them, or j. */
static size_t
footnotes(const char *t, size_t len, size_t j)
{
	size_t e = j, k;

	for (;;) {
		k = e;
		while (k < len && t[k] == ' ')
			k++;
		if (k >= len || t[k] != '[')
			return e;
		k++;
		while (k < len && k - e < 8 && t[k] >= '0' && t[k] <= '9')
			k++;
		if (k >= len || t[k] != ']' || t[k - 1] == '[')
			return e;
		e = k + 1;
	}
}

/* Handles terminal punctuation at i; returns where to go on scanning. */
static size_t
on_term(struct run *r, size_t i, int type, size_t tn)
{
	const char *t = r->t;
	size_t len = r->len, j, e, n, w, word, m, dots_end;
	int ell = 0, nl = 0, ns, attached;
	int32_t cp;

	attached = i > 0 && ws_before(t, 0, i) == 0;
	if (type == T_DOT || type == T_ELL) {
		if (type == T_DOT && i + 1 < len && t[i + 1] != '.' &&
		    (m = on_marker(r, i)) != 0)
			return m;
		m = ellipsis_at(t, len, i, &j);
		if (m >= 2) {
			ell = 1;
			/* "compounds. . . . The": a period, then an ellipsis
			 * that belongs to the next sentence. */
			if (attached && t[i] == '.' && t[i + 1] == ' ' &&
			    m - 1 >= 3) {
				ell = 0;
				j = i + 1;
			}
		} else {
			j = i + tn;
		}
		if (!ell)
			type = T_DOT;
	} else {
		j = i + tn;
		while (j < len && term_at(r->sg, t, len, j, &n) != T_NONE)
			j += n;
		/* "Happy! . . . no one": an ellipsis after '!' or '?' belongs
		 * to the same pause. */
		if (type == T_BANG && j + 1 < len && t[j] == ' ' &&
		    ellipsis_at(t, len, j + 1, &n) >= 3)
			j = n;
	}
	dots_end = j;
	/* Closing quotes and brackets, and punctuation after them ("?»."). */
	while (j < len) {
		n = dec(t, len, j, &cp);
		if (is_closer(cp) || (j > dots_end &&
		    term_at(r->sg, t, len, j, &n) != T_NONE)) {
			j += n;
			continue;
		}
		if ((r->sg->flags & SL_FRENCH) && (cp == ' ' || cp == 0xA0 ||
		    cp == 0x202F) && j + n < len) {
			size_t n2;

			dec(t, len, j + n, &cp);
			if (cp == 0xBB || cp == 0x201D) {
				n2 = dec(t, len, j + n, &cp);
				j += n + n2;
				continue;
			}
		}
		break;
	}
	e = footnotes(t, len, j);

	if (type == T_CJK || type == T_SCRIPT) {
		if (type == T_CJK && inside_cjk_brackets(r, e))
			return e;
		emit(r, e);
		return e;
	}
	if (e >= len)
		return e;
	if (ws_len(t, len, e) == 0) {
		if (!ell && nospace_break(r, i, e))
			emit(r, e);
		return e;
	}
	for (w = e; w < len && (n = ws_len(t, len, w)) > 0; w += n) {
		size_t n2;

		nl += newline_at(t, len, w, &n2);
	}
	if (nl >= 2) {
		emit(r, e);
		return e;
	}
	ns = next_start(r, w, &word);
	if (ns == NS_END || (nl == 0 && (ns == NS_LOWER || ns == NS_PUNCT)))
		return e;
	if (ell) {
		if (at_sentence_start(r, i))
			return e;
		/* "[...]" marks an omission, never an end. */
		if (i > 0 && (t[i - 1] == '[' || t[i - 1] == '(') &&
		    dots_end < len && (t[dots_end] == ']' || t[dots_end] == ')'))
			return e;
		if (ns == NS_UPPER && !((r->sg->flags & SL_PRONOUN_I) &&
		    t[word] == 'I' && (word + 1 >= len ||
		    !is_letter((unsigned char)t[word + 1]))))
			emit(r, e);
		return e;
	}
	if (type == T_BANG) {
		if (nl > 0 || (ns != NS_LOWER && ns != NS_PUNCT))
			emit(r, e);
		return e;
	}
	switch (prev_class(r, i)) {
	case PC_PRE:
		return e;
	case PC_NUM:
		if (ns == NS_DIGIT)
			return e;
		break;
	case PC_ABBR:
	case PC_ORD:
		if (ns == NS_UPPER && is_starter(r, word))
			emit(r, e);
		return e;
	default:
		break;
	}
	if (nl > 0 || ns == NS_UPPER || ns == NS_DIGIT || ns == NS_CASELESS ||
	    ns == NS_ELLIPSIS || ns == NS_SYMBOL)
		emit(r, e);
	return e;
}

/* ')' at i: a list marker "1) " or "a) ". */
static void
on_paren(struct run *r, size_t i)
{
	if (i + 1 < r->len && r->t[i + 1] == ' ' && i > r->last)
		(void)on_marker(r, i);
}

/* A bullet inside a line starts a new list item. */
static void
on_bullet(struct run *r, size_t i)
{
	if (i > 0 && ws_before(r->t, 0, i) > 0 && !at_sentence_start(r, i))
		emit(r, i);
}

/* ----------------------------------------------------------------- lines */

/* Skips blanks (white space other than line breaks) from i. */
static size_t
skip_blanks(const char *t, size_t len, size_t i)
{
	size_t n, n2;

	for (;;) {
		/* Runs of spaces and tabs (indentation, text dumped from
		 * HTML tables) in bulk: 16 bytes at a time, then bytes. */
#ifdef __SSE2__
		while (len - i >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			    _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))));

			if (m != 0xFFFF) {
				i += (size_t)__builtin_ctz(~m);
				break;
			}
			i += 16;
		}
#endif
		while (i < len && (t[i] == ' ' || t[i] == '\t'))
			i++;
		/* ASCII other than white space, or a line end: done, without
		 * a call. */
		if (i >= len || ((unsigned char)t[i] < 0x80 &&
		    (t[i] == '\n' || (unsigned char)(t[i] - '\t') > '\r' - '\t')))
			return i;
		if ((n = ws_len(t, len, i)) == 0 ||
		    newline_at(t, len, i, &n2) != 0)
			return i;
		i += n;
	}
}

/* Whether the line whose blanks end at i (skip_blanks()) is a heading,
 * table row, code fence or rule: a sentence of its own. */
static int
line_is_block(const char *t, size_t len, size_t i)
{
	size_t k = i;
	char c;

	if (i >= len)
		return 0;
	c = t[i];
	if (c == '#') {
		while (k < len && t[k] == '#' && k - i < 7)
			k++;
		return k - i <= 6 && (k >= len || t[k] == ' ' || t[k] == '\t' ||
		    t[k] == '\n' || t[k] == '\r');
	}
	if (c == '|')
		return 1;
	if ((c == '`' || c == '~') && i + 2 < len && t[i + 1] == c &&
	    t[i + 2] == c)
		return 1;
	if (c == '-' || c == '*' || c == '_' || c == '=') {
		size_t marks = 0;

		for (k = i; k < len && t[k] != '\n' && t[k] != '\r'; k++) {
			if (t[k] == c)
				marks++;
			else if (t[k] != ' ' && t[k] != '\t')
				return 0;
		}
		return marks >= 3;
	}
	return 0;
}

/* Whether the line whose blanks end at i (skip_blanks()) begins with a
 * list marker. */
static int
line_is_item(const char *t, size_t len, size_t i)
{
	size_t k;
	int32_t cp;

	if (i >= len)
		return 0;
	if ((t[i] == '-' || t[i] == '*' || t[i] == '+') && i + 1 < len &&
	    (t[i + 1] == ' ' || t[i + 1] == '\t'))
		return 1;
	dec(t, len, i, &cp);
	if (is_bullet(cp))
		return 1;
	for (k = i; k < len && k - i < 4 && t[k] >= '0' && t[k] <= '9'; k++)
		;
	if (k == i && i + 1 < len && ((t[i] | 0x20) >= 'a' &&
	    (t[i] | 0x20) <= 'z') && t[i + 1] == ')')
		k = i + 1;
	if (k == i || k - i > 3 || k >= len)
		return 0;
	if (t[k] == '.' && k + 1 < len && t[k + 1] == ')')
		k++;
	else if (t[k] != '.' && t[k] != ')')
		return 0;
	return k + 1 < len && (t[k + 1] == ' ' || t[k + 1] == '\t');
}

/*
 * Whether the paragraph starting at r->para is a list of short lines without
 * markers (a menu, a table of contents, keywords): three or more lines, none
 * longer than LINE_LIST_MAX characters or ending in punctuation, and broken
 * where the next word would still have fitted, so that the breaks are not a
 * wrap.  Computed once per paragraph; the scan stops at the first line that
 * disqualifies it.
 */
static int
para_is_list(struct run *r)
{
	const char *t = r->t;
	size_t len = r->len, p = r->para, lines = 0, maxlen = 0;
	size_t minfit = (size_t)-1, prevlen = 0, s, q, n, n2;
	int kind;

	if (r->plist >= 0)
		return r->plist;
	r->plist = 0;
	/* Skip the blank lines that open the paragraph. */
	for (;;) {
		s = skip_blanks(t, len, p);
		if (s >= len || newline_at(t, len, s, &n) == 0)
			break;
		p = s + n;
	}
	for (;;) {
		size_t cps = 0, trimmed = 0, fw = 0;
		int32_t cp = 0, lastcp = 0;
		int inword = 1;

		s = skip_blanks(t, len, p);
		if (s >= len || newline_at(t, len, s, &n) != 0)
			break;
		/* Marked lists and blocks have their own rules. */
		if (line_is_item(t, len, s) || line_is_block(t, len, s))
			return 0;
		for (q = s; q < len; q += n) {
			/* Printable ASCII, most of a line, without calls. */
			if ((unsigned char)t[q] > ' ' &&
			    (unsigned char)t[q] < 0x80) {
				n = 1;
				lastcp = (unsigned char)t[q];
				if (inword)
					fw++;
				if (++cps > LINE_LIST_MAX)
					return 0;
				trimmed = cps;
				continue;
			}
			if (newline_at(t, len, q, &n) != 0)
				break;
			if ((n2 = ws_len(t, len, q)) > 0) {
				inword = 0;
				n = n2;
				cps++;
				continue;
			}
			n = dec(t, len, q, &cp);
			lastcp = cp;
			if (inword)
				fw++;
			if (++cps > LINE_LIST_MAX)
				return 0;
			trimmed = cps;
		}
		if (!is_letter(lastcp) && !is_digit(lastcp) && !is_mark(lastcp))
			return 0;
		if (lines > 0 && prevlen + 1 + fw < minfit)
			minfit = prevlen + 1 + fw;
		if (trimmed > maxlen)
			maxlen = trimmed;
		prevlen = trimmed;
		lines++;
		if (q >= len)
			break;
		kind = newline_at(t, len, q, &n);
		if (kind == 2)
			break;
		p = q + n;
	}
	r->plist = lines >= 3 && minfit <= maxlen;
	return r->plist;
}

/* A line break of weight kind (newline_at()) at i, n bytes long. */
static void
on_newline(struct run *r, size_t i, size_t n, int kind)
{
	const char *t = r->t;
	size_t next = i + n, j, n2;

	if (kind == 2) {
		emit(r, i);
		r->para = next;
		r->plist = -1;
		r->mstyle = 0;
		r->line = next;
		r->line_at = SIZE_MAX;
		return;
	}
	j = skip_blanks(t, r->len, next);
	if (j < r->len && newline_at(t, r->len, j, &n2) != 0) {
		/* A blank line. */
		emit(r, i);
		r->para = j;
		r->plist = -1;
		r->mstyle = 0;
	} else if (j < r->len) {
		/* A line that starts with an ASCII letter not followed by
		 * ')' ("a) ") is neither a block nor a list item. */
		int plain = (unsigned)(((unsigned char)t[j] | 0x20) - 'a') < 26u &&
		    (j + 1 >= r->len || t[j + 1] != ')');

		if (r->line_at == SIZE_MAX)
			r->line_at = skip_blanks(t, r->len, r->line);
		if (line_is_block(t, r->len, r->line_at) ||
		    (!plain && (line_is_block(t, r->len, j) ||
		    line_is_item(t, r->len, j))) ||
		    para_is_list(r))
			emit(r, i);
	}
	r->line = next;
	r->line_at = j;
}

/* ------------------------------------------------------------------- API */

/*
 * The first position >= i whose byte may be a candidate, or len: 16 bytes
 * at a time, a superset of the candidates (every byte below 0x0E or above
 * 0x7F, and . ! ? ) ; :) found with SSE2, each of them then looked up.
 */
static size_t
skip_cand(const quarry_segmenter *sg, const unsigned char *u, size_t len,
    size_t i)
{
#ifdef __SSE2__
	const __m128i lt = _mm_set1_epi8(0x0E), dot = _mm_set1_epi8('.');
	const __m128i bang = _mm_set1_epi8('!'), qm = _mm_set1_epi8('?');
	const __m128i par = _mm_set1_epi8(')'), semi = _mm_set1_epi8(';');
	const __m128i colon = _mm_set1_epi8(':');

	while (len - i >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, lt),
		    _mm_or_si128(_mm_cmpeq_epi8(v, dot), _mm_cmpeq_epi8(v, bang))),
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, qm),
		    _mm_cmpeq_epi8(v, par)), _mm_or_si128(_mm_cmpeq_epi8(v, semi),
		    _mm_cmpeq_epi8(v, colon))));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);

		while (bits != 0) {
			size_t k = i + (size_t)__builtin_ctz(bits);

			if (sg->cand[u[k]])
				return k;
			bits &= bits - 1;
		}
		i += 16;
	}
#endif
	while (i < len && !sg->cand[u[i]])
		i++;
	return i;
}

/* Returns the first position >= i whose byte is a candidate (or len). */
static size_t
skip_plain(const quarry_segmenter *sg, const char *t, size_t len, size_t i)
{
	const unsigned char *u = (const unsigned char *)t;

	for (;;) {
		i = skip_cand(sg, u, len, i);
		if (i + 2 >= len)
			return i;
		/* U+2080 to U+2FFF (box drawing, arrows, shapes; runs of them
		 * rule tables in text dumped from HTML) but for the bullets
		 * of is_bullet() at U+22xx and U+25xx: neither line breaks
		 * (newline_at()) nor terminators (term_at()) nor bullets. */
		if (u[i] == 0xE2 && u[i + 1] >= 0x82 && u[i + 1] <= 0xBF &&
		    u[i + 1] != 0x88 && u[i + 1] != 0x96 && u[i + 1] != 0x97 &&
		    (u[i + 2] & 0xC0) == 0x80) {
			/* A rule: the same character again and again. */
			do
				i += 3;
			while (i + 2 < len && u[i] == 0xE2 &&
			    u[i + 1] == u[i - 2] && u[i + 2] == u[i - 1]);
			continue;
		}
		/* A no-break space. */
		if (u[i] == 0xC2 && u[i + 1] == 0xA0) {
			i += 2;
			continue;
		}
		return i;
	}
}

int
quarry_segmenter_new(quarry_segmenter **out, const char *lang)
{
	quarry_segmenter *sg;
	static const unsigned char lead[] = {
		0xC2, 0xCD, 0xD6, 0xD8, 0xDB, 0xE0, 0xE1, 0xE2, 0xE3, 0xEF,
	};
	size_t i;

	*out = NULL;
	if ((sg = calloc(1, sizeof(*sg))) == NULL)
		return QUARRY_ENOMEM;
	sg->lang = sentence_lang_find(lang);
	sg->flags = sg->lang->flags;
	if (list_build(&sg->abbr, sg->lang->abbr, sentence_abbr_common,
	    1) != 0 ||
	    list_build(&sg->start, sg->lang->starters, NULL, 0) != 0) {
		quarry_segmenter_free(sg);
		return QUARRY_ENOMEM;
	}
	sg->cand['.'] = sg->cand['!'] = sg->cand['?'] = sg->cand[')'] = 1;
	sg->cand['\n'] = sg->cand['\r'] = sg->cand['\f'] = 1;
	if (sg->flags & SL_SEMICOLON_QM)
		sg->cand[';'] = 1;
	if (sg->flags & SL_COLON_STOP)
		sg->cand[':'] = 1;
	for (i = 0; i < sizeof(lead); i++)
		sg->cand[lead[i]] = 1;
	*out = sg;
	return 0;
}

int
quarry_segmenter_split(quarry_segmenter *sg, const char *text, size_t len,
    const quarry_span **spans, size_t *n)
{
	struct run r;
	size_t i = 0, tn;
	int type, kind;

	memset(&r, 0, sizeof(r));
	r.sg = sg;
	r.t = text;
	r.len = len;
	r.plist = -1;
	r.line_at = SIZE_MAX;
	sg->n = 0;
	while (i < len && r.err == 0) {
		unsigned char c;

		i = skip_plain(sg, text, len, i);
		if (i >= len)
			break;
		c = (unsigned char)text[i];
		/* A no-break space, common in text dumped from HTML, is none
		 * of the candidates below. */
		if (c == 0xC2 && i + 1 < len && (unsigned char)text[i + 1] == 0xA0) {
			i += 2;
			continue;
		}
		if (c == ')') {
			on_paren(&r, i);
			i++;
			continue;
		}
		if ((kind = newline_at(text, len, i, &tn)) != 0) {
			on_newline(&r, i, tn, kind);
			i += tn;
			continue;
		}
		if ((type = term_at(sg, text, len, i, &tn)) != T_NONE) {
			size_t next = on_term(&r, i, type, tn);

			i = next > i ? next : i + tn;
			continue;
		}
		if (c >= 0x80) {
			int32_t cp;

			tn = quarry_utf8_decode(text, len, i, &cp);
			if (is_bullet(cp))
				on_bullet(&r, i);
		}
		i += tn;
	}
	if (r.err == 0)
		emit(&r, len);
	if (r.err != 0) {
		sg->n = 0;
		return r.err;
	}
	*spans = sg->spans;
	*n = sg->n;
	return 0;
}

void
quarry_segmenter_free(quarry_segmenter *sg)
{
	if (sg == NULL)
		return;
	free(sg->abbr.w);
	free(sg->start.w);
	free(sg->spans);
	free(sg);
}
