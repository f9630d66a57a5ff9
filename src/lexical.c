/*
 * lexical.c: the lexical analyzer (text to index terms) and the encoding of
 * postings.  The analysis, "lex-v1", is specified in man/quarry-store.5:
 *
 *  1. NFKC normalisation and Unicode case folding (utf8proc), dropping
 *     default-ignorable characters (soft hyphens, zero-width joiners);
 *  2. words by the rules of UAX #29 that matter for retrieval: runs of
 *     letters, digits, marks and connector punctuation, joined across
 *     . ' and U+2019 between two letters or two digits, across : and U+00B7
 *     between two letters, across , and ; between two digits;
 *  3. Han, Hiragana, Katakana and Hangul, which are written without spaces,
 *     become overlapping character bigrams (a lone character: itself);
 *  4. a trailing 's is dropped; for English, Lucene's 33 stop words are
 *     dropped;
 *  5. each word is stemmed by the Snowball stemmer of the language.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>
#include <utf8proc.h>

#include "quarry.h"
#include "lexical_private.h"

#define MAX_STEMMERS 16

/*
 * Words recur (Zipf's law), and stemming is most of the analysis's cost:
 * each stemmer keeps the words it has seen with their terms, in an
 * open-addressing table over a pool of bytes, emptied when either fills.
 */
#define STEM_SLOTS ((size_t)1 << 16)
#define STEM_POOL ((size_t)4 << 20)
#define STEM_INLINE 52

/* A word and its term (tlen 0: the word is dropped), in b when they fit,
 * else at pool + off: one cache line. */
struct stem_ent {
	uint32_t hash;
	uint8_t wlen, tlen, used, pad;
	uint32_t off;
	char b[STEM_INLINE];
};

struct stemmer {
	char lang[16];
	struct sb_stemmer *sb;	/* NULL: no stemming for lang */
	int english;
	struct stem_ent *tab;	/* STEM_SLOTS, or NULL before the first */
	size_t nent;
	char *pool;
	size_t plen;
};

struct lex_analyzer {
	struct stemmer st[MAX_STEMMERS];
	size_t nst;
	char *norm;		/* the normalised text (ASCII fast path) */
	size_t normcap;
	char tok[LEX_MAX_TERM + 8];
	/* The CJK run being turned into bigrams: its last character. */
};

static const char *const english_stop[] = {
	"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if",
	"in", "into", "is", "it", "no", "not", "of", "on", "or", "such",
	"that", "the", "their", "then", "there", "these", "they", "this",
	"to", "was", "will", "with",
};

int
lex_analyzer_new(lex_analyzer **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : QUARRY_ENOMEM;
}

void
lex_analyzer_free(lex_analyzer *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->nst; i++) {
		if (a->st[i].sb != NULL)
			sb_stemmer_delete(a->st[i].sb);
		free(a->st[i].tab);
		free(a->st[i].pool);
	}
	free(a->norm);
	free(a);
}

/* The stemmer for lang (its primary subtag, lower-cased). */
static struct stemmer *
stemmer_for(lex_analyzer *a, const char *lang)
{
	char code[16];
	size_t i, n = 0;

	if (lang == NULL)
		return NULL;
	while (lang[n] != '\0' && lang[n] != '-' && lang[n] != '_' &&
	    n < sizeof(code) - 1) {
		char c = lang[n];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c < 'a' || c > 'z')
			return NULL;
		code[n++] = c;
	}
	code[n] = '\0';
	if (n < 2)
		return NULL;
	for (i = 0; i < a->nst; i++)
		if (strcmp(a->st[i].lang, code) == 0)
			return &a->st[i];
	if (a->nst == MAX_STEMMERS) {
		/* Many languages in one run: forget the oldest. */
		if (a->st[0].sb != NULL)
			sb_stemmer_delete(a->st[0].sb);
		free(a->st[0].tab);
		free(a->st[0].pool);
		memmove(&a->st[0], &a->st[1], (MAX_STEMMERS - 1) *
		    sizeof(a->st[0]));
		a->nst--;
	}
	i = a->nst++;
	memset(&a->st[i], 0, sizeof(a->st[i]));
	memcpy(a->st[i].lang, code, n + 1);
	/* libstemmer knows ISO 639-1 and -2 codes and the English names;
	 * "porter" is not a language. */
	a->st[i].sb = strcmp(code, "porter") == 0 ? NULL :
	    sb_stemmer_new(code, "UTF_8");
	a->st[i].english = strcmp(code, "en") == 0 ||
	    strcmp(code, "eng") == 0 || strcmp(code, "english") == 0;
	return &a->st[i];
}

enum cls { C_OTHER, C_LETTER, C_DIGIT, C_EXTEND, C_CJK, C_MIDNUMLET,
	C_MIDLETTER, C_MIDNUM };

static int
is_cjk(int32_t c)
{
	return (c >= 0x3040 && c <= 0x30ff) ||	/* Hiragana, Katakana */
	    (c >= 0x3400 && c <= 0x4dbf) ||	/* Han ext. A */
	    (c >= 0x4e00 && c <= 0x9fff) ||	/* Han */
	    (c >= 0xac00 && c <= 0xd7af) ||	/* Hangul syllables */
	    (c >= 0x1100 && c <= 0x11ff) ||	/* Hangul jamo */
	    (c >= 0x3130 && c <= 0x318f) ||
	    (c >= 0xf900 && c <= 0xfaff) ||	/* Han compatibility */
	    (c >= 0x31f0 && c <= 0x31ff) ||
	    (c >= 0xff66 && c <= 0xff9f) ||	/* half-width Katakana */
	    (c >= 0x20000 && c <= 0x3134f);	/* Han ext. B-G */
}

static enum cls
classify(int32_t c)
{
	if (c < 128) {
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_')
			return C_LETTER;
		if (c >= '0' && c <= '9')
			return C_DIGIT;
		if (c == '.' || c == '\'')
			return C_MIDNUMLET;
		if (c == ':')
			return C_MIDLETTER;
		if (c == ',' || c == ';')
			return C_MIDNUM;
		return C_OTHER;
	}
	if (c == 0x2019 || c == 0x2018 || c == 0x2024 || c == 0xfe52 ||
	    c == 0xff07 || c == 0xff0e)
		return C_MIDNUMLET;
	if (c == 0xb7 || c == 0x387 || c == 0x5f4 || c == 0x2027 ||
	    c == 0xfe13 || c == 0xfe55 || c == 0xff1a)
		return C_MIDLETTER;
	if (c == 0x37e || c == 0x589 || c == 0x60c || c == 0x60d ||
	    c == 0x66c || c == 0x7f8 || c == 0x2044 || c == 0xfe10 ||
	    c == 0xfe14 || c == 0xfe50 || c == 0xfe54 || c == 0xff0c ||
	    c == 0xff1b)
		return C_MIDNUM;
	if (is_cjk(c))
		return C_CJK;
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_PC:
		return C_LETTER;
	case UTF8PROC_CATEGORY_ND:
		return C_DIGIT;
	case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
		return C_EXTEND;
	default:
		return C_OTHER;
	}
}

/* Decodes the character at s[i] (valid UTF-8 up to n); returns its length. */
static size_t
next_char(const char *s, size_t i, size_t n, int32_t *c)
{
	utf8proc_ssize_t r;

	if ((unsigned char)s[i] < 128) {
		*c = (unsigned char)s[i];
		return 1;
	}
	r = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
	    (utf8proc_ssize_t)(n - i), c);
	if (r <= 0) {
		*c = 0xfffd;
		return 1;
	}
	return (size_t)r;
}

/* The class of the character at s[i], skipping extend characters after
 * it; 0 at the end. */
static enum cls
class_at(const char *s, size_t i, size_t n)
{
	int32_t c;

	if (i >= n)
		return C_OTHER;
	next_char(s, i, n, &c);
	return classify(c);
}

struct ctx {
	lex_analyzer *a;
	struct stemmer *st;
	int (*emit)(const char *, size_t, void *);
	void *arg;
};

static int
is_stop(const char *t, size_t len)
{
	size_t lo = 0, hi = sizeof(english_stop) / sizeof(english_stop[0]);

	if (len > 5)
		return 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strncmp(english_stop[mid], t, len);

		if (c == 0 && english_stop[mid][len] != '\0')
			c = 1;
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * The term of word t[0..len) for stemmer st, in *out and *outlen (0: the
 * word is dropped, an English stop word or a word with an empty stem).
 */
static int
stem(struct stemmer *st, const char *t, size_t len, const char **out,
    size_t *outlen)
{
	const sb_symbol *r = NULL;
	struct stem_ent *e;
	uint32_t h = lex_hash(t, len);
	size_t i, tl = 0;
	char *dst;

	if (st->tab == NULL &&
	    ((st->tab = calloc(STEM_SLOTS, sizeof(*st->tab))) == NULL ||
	    (st->pool = malloc(STEM_POOL)) == NULL))
		return QUARRY_ENOMEM;
	for (i = h & (STEM_SLOTS - 1); st->tab[i].used;
	    i = (i + 1) & (STEM_SLOTS - 1)) {
		const char *b;

		e = &st->tab[i];
		if (e->hash != h || e->wlen != len)
			continue;
		b = e->wlen + e->tlen <= STEM_INLINE ? e->b :
		    st->pool + e->off;
		if (memcmp(b, t, len) == 0) {
			*out = b + len;
			*outlen = e->tlen;
			return 0;
		}
	}
	if (!st->english || !is_stop(t, len)) {
		if ((r = sb_stemmer_stem(st->sb, (const sb_symbol *)t,
		    (int)len)) == NULL)
			return QUARRY_ENOMEM;
		tl = (size_t)sb_stemmer_length(st->sb);
	}
	*out = (const char *)r;
	*outlen = tl;
	if (len > LEX_MAX_TERM || tl > LEX_MAX_TERM)
		return 0;	/* not kept */
	if (st->nent + 1 > STEM_SLOTS / 2 || (len + tl > STEM_INLINE &&
	    st->plen + len + tl > STEM_POOL)) {
		memset(st->tab, 0, STEM_SLOTS * sizeof(*st->tab));
		st->nent = 0;
		st->plen = 0;
		for (i = h & (STEM_SLOTS - 1); st->tab[i].used;
		    i = (i + 1) & (STEM_SLOTS - 1))
			;
	}
	e = &st->tab[i];
	e->hash = h;
	e->wlen = (uint8_t)len;
	e->tlen = (uint8_t)tl;
	e->used = 1;
	if (len + tl <= STEM_INLINE)
		dst = e->b;
	else {
		e->off = (uint32_t)st->plen;
		dst = st->pool + st->plen;
		st->plen += len + tl;
	}
	memcpy(dst, t, len);
	if (tl > 0)
		memcpy(dst + len, r, tl);
	st->nent++;
	return 0;
}

/* Finishes a word: possessive, stop words, stemming, emission. */
static int
word(struct ctx *x, char *t, size_t len)
{
	const char *term;
	int rc;

	if (len >= 2 && t[len - 2] == '\'' && t[len - 1] == 's')
		len -= 2;
	else if (len >= 4 && memcmp(t + len - 4, "\xe2\x80\x99s", 4) == 0)
		len -= 4;
	if (len == 0)
		return 0;
	if (x->st != NULL && x->st->sb != NULL) {
		if ((rc = stem(x->st, t, len, &term, &len)) != 0)
			return rc;
		if (len == 0)
			return 0;
		return x->emit(term, len, x->arg);
	}
	if (x->st != NULL && x->st->english && is_stop(t, len))
		return 0;
	return x->emit(t, len, x->arg);
}

/* Splits the normalised text s[0..n) into words and CJK bigrams. */
static int
tokenize(struct ctx *x, const char *s, size_t n)
{
	char *tok = x->a->tok;
	size_t i = 0, tl = 0, prevcjk = 0, prevlen = 0;
	enum cls last = C_OTHER;	/* class of the token's last char */
	int rc, incjk = 0, cjkcount = 0;

	while (i < n) {
		int32_t c;
		size_t cl = next_char(s, i, n, &c);
		enum cls k = classify(c);

		if (k == C_CJK) {
			if (tl > 0 && (rc = word(x, tok, tl)) != 0)
				return rc;
			tl = 0;
			last = C_OTHER;
			if (incjk) {
				/* A bigram: the previous character and this. */
				char bg[8];

				memcpy(bg, s + prevcjk, prevlen);
				memcpy(bg + prevlen, s + i, cl);
				if ((rc = x->emit(bg, prevlen + cl, x->arg)) != 0)
					return rc;
				cjkcount++;
			}
			incjk = 1;
			prevcjk = i;
			prevlen = cl;
			i += cl;
			continue;
		}
		if (incjk) {
			if (cjkcount == 0 &&
			    (rc = x->emit(s + prevcjk, prevlen, x->arg)) != 0)
				return rc;
			incjk = 0;
			cjkcount = 0;
		}
		if (k == C_LETTER || k == C_DIGIT ||
		    (k == C_EXTEND && tl > 0)) {
			if (tl + cl <= LEX_MAX_TERM) {
				memcpy(tok + tl, s + i, cl);
				tl += cl;
			}
			if (k != C_EXTEND)
				last = k;
			i += cl;
			continue;
		}
		if (tl > 0 && (k == C_MIDNUMLET || k == C_MIDLETTER ||
		    k == C_MIDNUM)) {
			enum cls nx = class_at(s, i + cl, n);
			int join = 0;

			if (k == C_MIDNUMLET)
				join = (last == C_LETTER && nx == C_LETTER) ||
				    (last == C_DIGIT && nx == C_DIGIT);
			else if (k == C_MIDLETTER)
				join = last == C_LETTER && nx == C_LETTER;
			else
				join = last == C_DIGIT && nx == C_DIGIT;
			if (join) {
				if (tl + cl <= LEX_MAX_TERM) {
					memcpy(tok + tl, s + i, cl);
					tl += cl;
				}
				i += cl;
				continue;
			}
		}
		if (tl > 0 && (rc = word(x, tok, tl)) != 0)
			return rc;
		tl = 0;
		last = C_OTHER;
		i += cl;
	}
	if (incjk && cjkcount == 0 &&
	    (rc = x->emit(s + prevcjk, prevlen, x->arg)) != 0)
		return rc;
	if (tl > 0)
		return word(x, tok, tl);
	return 0;
}

int
lex_analyze(lex_analyzer *a, const char *text, size_t len,
    const char *lang, int (*emit)(const char *term, size_t len, void *arg),
    void *arg)
{
	struct ctx x = { a, stemmer_for(a, lang), emit, arg };
	size_t i;
	int rc;

	for (i = 0; i < len; i++)
		if ((unsigned char)text[i] >= 128)
			break;
	if (i == len) {
		/* ASCII: NFKC changes nothing; case folding is tolower. */
		if (len > a->normcap) {
			char *n = realloc(a->norm, len);

			if (n == NULL)
				return QUARRY_ENOMEM;
			a->norm = n;
			a->normcap = len;
		}
		for (i = 0; i < len; i++) {
			char c = text[i];

			a->norm[i] = c >= 'A' && c <= 'Z' ?
			    (char)(c - 'A' + 'a') : c;
		}
		return tokenize(&x, a->norm, len);
	} else {
		utf8proc_uint8_t *norm = NULL;
		utf8proc_ssize_t r;

		r = utf8proc_map((const utf8proc_uint8_t *)text,
		    (utf8proc_ssize_t)len, &norm, UTF8PROC_STABLE |
		    UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
		    UTF8PROC_IGNORE);
		if (r < 0)
			return r == UTF8PROC_ERROR_NOMEM ? QUARRY_ENOMEM :
			    QUARRY_EUTF8;
		rc = tokenize(&x, (const char *)norm, (size_t)r);
		free(norm);
		return rc;
	}
}

/* ------------------------------------------------------------------ bags */

uint32_t
lex_hash(const char *t, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)t[i]) * 16777619u;
	return h;
}

static int
bag_grow_tab(struct lex_bag *b)
{
	size_t cap = b->tabcap ? b->tabcap * 2 : 256, i;
	uint32_t *tab = calloc(cap, sizeof(*tab));

	if (tab == NULL)
		return QUARRY_ENOMEM;
	for (i = 0; i < b->n; i++) {
		size_t h = b->t[i].hash & (cap - 1);

		while (tab[h] != 0)
			h = (h + 1) & (cap - 1);
		tab[h] = (uint32_t)i + 1;
	}
	free(b->tab);
	b->tab = tab;
	b->tabcap = cap;
	return 0;
}

/* Terms are kept as offsets into pool while the bag fills (the pool moves
 * when it grows), and turned into pointers at the end. */
static int
bag_add(const char *term, size_t len, void *arg)
{
	struct lex_bag *b = arg;
	uint32_t hash = lex_hash(term, len);
	size_t h;

	if (b->dl == UINT32_MAX)
		return 0;
	b->dl++;
	if ((b->n + 1) * 2 > b->tabcap && bag_grow_tab(b) != 0)
		return QUARRY_ENOMEM;
	h = hash & (b->tabcap - 1);
	while (b->tab[h] != 0) {
		struct lex_tf *t = &b->t[b->tab[h] - 1];

		if (t->hash == hash && t->len == len &&
		    memcmp(b->pool + (size_t)t->term, term, len) == 0) {
			t->tf++;
			return 0;
		}
		h = (h + 1) & (b->tabcap - 1);
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct lex_tf *nt = realloc(b->t, cap * sizeof(*nt));

		if (nt == NULL)
			return QUARRY_ENOMEM;
		b->t = nt;
		b->cap = cap;
	}
	if (b->plen + len > b->pcap) {
		size_t cap = b->pcap ? b->pcap * 2 : 4096;
		char *np;

		while (cap < b->plen + len)
			cap *= 2;
		if ((np = realloc(b->pool, cap)) == NULL)
			return QUARRY_ENOMEM;
		b->pool = np;
		b->pcap = cap;
	}
	memcpy(b->pool + b->plen, term, len);
	b->t[b->n].term = (const char *)(uintptr_t)b->plen;
	b->t[b->n].len = (uint32_t)len;
	b->t[b->n].tf = 1;
	b->t[b->n].hash = hash;
	b->plen += len;
	b->tab[h] = (uint32_t)++b->n;
	return 0;
}

void
lex_bag_start(struct lex_bag *b)
{
	b->n = 0;
	b->dl = 0;
	b->plen = 0;
	if (b->tab != NULL)
		memset(b->tab, 0, b->tabcap * sizeof(*b->tab));
}

int
lex_bag_text(lex_analyzer *a, struct lex_bag *b, const char *s, size_t len,
    const char *lang)
{
	return lex_analyze(a, s, len, lang, bag_add, b);
}

void
lex_bag_end(struct lex_bag *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		b->t[i].term = b->pool + (size_t)(uintptr_t)b->t[i].term;
}

int
lex_bag_fill(lex_analyzer *a, struct lex_bag *b, const json_t *rec,
    const char *deflang)
{
	const char *lang = quarry_record_string(rec, "lang", NULL);
	const json_t *h, *v;
	const char *s;
	size_t i, len;
	int rc;

	lex_bag_start(b);
	if (lang == NULL || *lang == '\0')
		lang = deflang;
	if ((s = quarry_record_string(rec, "title", &len)) != NULL &&
	    (rc = lex_bag_text(a, b, s, len, lang)) != 0)
		return rc;
	h = json_object_get(rec, "headings");
	json_array_foreach(h, i, v)
		if (json_is_string(v) && (rc = lex_bag_text(a, b,
		    json_string_value(v), json_string_length(v), lang)) != 0)
			return rc;
	if ((s = quarry_record_string(rec, "text", &len)) != NULL &&
	    (rc = lex_bag_text(a, b, s, len, lang)) != 0)
		return rc;
	lex_bag_end(b);
	return 0;
}

void
lex_bag_free(struct lex_bag *b)
{
	free(b->t);
	free(b->pool);
	free(b->tab);
	memset(b, 0, sizeof(*b));
}

/* ----------------------------------------------------------------- codec */

size_t
lex_put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

int
lex_get_varint(const unsigned char **pp, const unsigned char *end,
    uint64_t *v)
{
	const unsigned char *p = *pp;
	uint64_t r = 0;
	unsigned sh = 0;

	while (p < end) {
		unsigned char b = *p++;

		r |= (uint64_t)(b & 0x7f) << sh;
		if (!(b & 0x80)) {
			*v = r;
			*pp = p;
			return 0;
		}
		sh += 7;
		if (sh > 63)
			return -1;
	}
	return -1;
}

/*
 * A segment value: n, last - first, maxtf, mindl (varints), then for each
 * posting varint(delta << 1 | (tf == 1)), varint(tf) when tf != 1, and
 * varint(dl); delta is the slot minus the previous one (the first: minus
 * the segment's first slot, so 0).
 */
/* lex_put_varint() for the encoders' loops: one and two bytes inline. */
static inline size_t
put_varint(unsigned char *p, uint64_t v)
{
	if (v < 0x80) {
		p[0] = (unsigned char)v;
		return 1;
	}
	if (v < 0x4000) {
		p[0] = (unsigned char)(v | 0x80);
		p[1] = (unsigned char)(v >> 7);
		return 2;
	}
	return lex_put_varint(p, v);
}

size_t
lex_seg_encode(const struct lex_posting *ps, size_t n, unsigned char *buf)
{
	uint32_t maxtf = 0, mindl = UINT32_MAX;
	uint64_t prev = ps[0].slot;
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (ps[i].tf > maxtf)
			maxtf = ps[i].tf;
		if (ps[i].dl < mindl)
			mindl = ps[i].dl;
	}
	o += put_varint(buf + o, n);
	o += put_varint(buf + o, ps[n - 1].slot - ps[0].slot);
	o += put_varint(buf + o, maxtf);
	o += put_varint(buf + o, mindl);
	for (i = 0; i < n; i++) {
		uint64_t d = ps[i].slot - prev;

		prev = ps[i].slot;
		o += put_varint(buf + o, d << 1 | (ps[i].tf == 1));
		if (ps[i].tf != 1)
			o += put_varint(buf + o, ps[i].tf);
		o += put_varint(buf + o, ps[i].dl);
	}
	return o;
}

int
lex_seg_open(struct lex_seg *s, uint64_t first, const void *data, size_t len)
{
	const unsigned char *p = data, *end = p + len;
	uint64_t n, span, maxtf, mindl;

	if (lex_get_varint(&p, end, &n) || lex_get_varint(&p, end, &span) ||
	    lex_get_varint(&p, end, &maxtf) || lex_get_varint(&p, end, &mindl) ||
	    n == 0 || n > LEX_SEG_MAX * 4 || maxtf == 0 || maxtf > UINT32_MAX ||
	    mindl > UINT32_MAX || span > UINT64_MAX - first)
		return -1;
	s->first = first;
	s->last = first + span;
	s->n = (uint32_t)n;
	s->maxtf = (uint32_t)maxtf;
	s->mindl = (uint32_t)mindl;
	s->p = p;
	s->end = end;
	return 0;
}

/* A varint at *pp (before end), inline for the decoder's loop. */
static inline int
get_varint(const unsigned char **pp, const unsigned char *end, uint64_t *v)
{
	const unsigned char *p = *pp;

	if (p < end && !(*p & 0x80)) {
		*v = *p;
		*pp = p + 1;
		return 0;
	}
	if (end - p >= 2 && !(p[1] & 0x80)) {
		*v = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
		*pp = p + 2;
		return 0;
	}
	return lex_get_varint(pp, end, v);
}

/*
 * Reads the rest of a posting whose slot delta was v: its term frequency
 * (1 when v's low bit says so, else a varint of at least 2) and its
 * document length; -1 when malformed.
 */
static inline int
get_tf_dl(const unsigned char **pp, const unsigned char *end, uint64_t v,
    uint64_t *tf, uint64_t *dl)
{
	if (v & 1)
		*tf = 1;
	else if (get_varint(pp, end, tf) || *tf < 2 || *tf > UINT32_MAX)
		return -1;
	if (get_varint(pp, end, dl) || *dl > UINT32_MAX)
		return -1;
	return 0;
}

int
lex_seg_decode(const struct lex_seg *s, struct lex_posting *ps)
{
	const unsigned char *p = s->p, *end = s->end;
	uint64_t slot = s->first, v, tf, dl;
	uint32_t i;

	for (i = 0; i < s->n; i++) {
		if (get_varint(&p, end, &v) || (i > 0 && (v >> 1) == 0))
			return -1;
		slot += v >> 1;
		if (get_tf_dl(&p, end, v, &tf, &dl))
			return -1;
		ps[i].slot = slot;
		ps[i].tf = (uint32_t)tf;
		ps[i].dl = (uint32_t)dl;
	}
	if (p != end || slot != s->last)
		return -1;
	return 0;
}

/* Skips a varint at *pp (before end); -1 when malformed. */
static inline int
skip_varint(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *p = *pp, *lim = end - p > 10 ? p + 10 : end;

	while (p < lim)
		if (!(*p++ & 0x80)) {
			*pp = p;
			return 0;
		}
	return -1;
}

/*
 * Removing postings from a segment walks it only up to the last removed
 * one, reading slot deltas and skipping frequencies and lengths; it copies
 * the bytes between removed postings, re-encodes the slot delta of each
 * posting that follows a removed one (and of the new first posting), and
 * copies the rest as it is.  The largest frequency and smallest length are
 * recomputed only when a removed posting held one of them.  The value is
 * the same as decoding, removing and encoding again.
 */
int
lex_seg_remove(const struct lex_seg *s, const uint64_t *del, size_t nd,
    unsigned char *buf, struct lex_seg_cut *c)
{
	const unsigned char *p = s->p, *end = s->end, *run = p, *at, *pd;
	unsigned char *o = buf + LEX_SEG_HDR, *h;
	uint64_t slot = s->first, prev = 0, v, tf, dl, last = s->last;
	uint32_t maxtf = s->maxtf, mindl = s->mindl, i, kept = 0;
	size_t j = 0, hl;
	unsigned char hb[LEX_SEG_HDR];
	int gap = 1;	/* a removal (or the start) since the last kept */

	c->rmtf = 0;
	c->rmdl = UINT32_MAX;
	if (nd > s->n)
		return -1;
	for (i = 0; i < s->n && j < nd; i++) {
		at = p;
		if (get_varint(&p, end, &v) || (i > 0 && (v >> 1) == 0))
			return -1;
		pd = p;
		slot += v >> 1;
		if (slot < del[j]) {
			/* Kept. */
			if ((!(v & 1) && skip_varint(&p, end)) ||
			    skip_varint(&p, end))
				return -1;
			if (gap) {
				/* A new delta; the rest is copied. */
				if (kept == 0)
					c->first = slot;
				o += put_varint(o, (kept ? slot - prev : 0) <<
				    1 | (v & 1));
				run = pd;
				gap = 0;
			}
			kept++;
			prev = slot;
			continue;
		}
		if (slot != del[j])
			return -1;	/* not in the segment */
		if (get_tf_dl(&p, end, v, &tf, &dl))
			return -1;
		if (!gap) {
			memcpy(o, run, (size_t)(at - run));
			o += at - run;
		}
		gap = 1;
		j++;
		if (tf > c->rmtf)
			c->rmtf = (uint32_t)tf;
		if (dl < c->rmdl)
			c->rmdl = (uint32_t)dl;
	}
	if (j != nd)
		return -1;
	c->n = s->n - (uint32_t)nd;
	if (c->n == 0) {
		if (slot != s->last)
			return -1;
		c->val = NULL;
		c->len = 0;
		return 0;
	}
	if (i == s->n) {
		/* The last posting went. */
		if (p != end || slot != s->last)
			return -1;
		last = prev;
		run = end;
	} else {
		/* The posting after the last removed one: a new delta. */
		if (get_varint(&p, end, &v) || (i > 0 && (v >> 1) == 0))
			return -1;
		slot += v >> 1;
		if (kept == 0)
			c->first = slot;
		o += put_varint(o, (kept ? slot - prev : 0) << 1 | (v & 1));
		run = p;
	}
	if (end < run)
		return -1;
	memcpy(o, run, (size_t)(end - run));
	o += end - run;
	if (c->rmtf >= s->maxtf || c->rmdl <= s->mindl) {
		/* Recounted from what is left. */
		const unsigned char *q = buf + LEX_SEG_HDR;

		maxtf = 0;
		mindl = UINT32_MAX;
		for (i = 0; i < c->n; i++) {
			if (get_varint(&q, o, &v))
				return -1;
			if (v & 1)
				tf = 1;
			else if (get_varint(&q, o, &tf))
				return -1;
			if (get_varint(&q, o, &dl))
				return -1;
			if (tf > maxtf)
				maxtf = (uint32_t)tf;
			if (dl < mindl)
				mindl = (uint32_t)dl;
		}
		if (q != o)
			return -1;
	}
	hl = put_varint(hb, c->n);
	hl += put_varint(hb + hl, last - c->first);
	hl += put_varint(hb + hl, maxtf);
	hl += put_varint(hb + hl, mindl);
	h = buf + LEX_SEG_HDR - hl;
	memcpy(h, hb, hl);
	c->val = h;
	c->len = (size_t)(o - h);
	return 0;
}

size_t
lex_key(unsigned char *buf, const char *term, size_t len, int seg,
    uint64_t first)
{
	int i;

	memcpy(buf, term, len);
	buf[len] = '\0';
	if (!seg)
		return len + 1;
	for (i = 0; i < 8; i++)
		buf[len + 1 + i] = (unsigned char)(first >> (56 - 8 * i));
	return len + 9;
}

double
lex_idf(uint64_t n, uint64_t df)
{
	return log(1.0 + ((double)n - (double)df + 0.5) / ((double)df + 0.5));
}
