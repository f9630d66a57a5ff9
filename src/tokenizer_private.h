/*
 * tokenizer_private.h: internals shared by the BPE tokenizer (tokenizer.c),
 * its pre-tokenisers (pretokenize.c) and the token estimator
 * (token_estimate.c), and reachable from the unit tests.
 */
#ifndef QUARRY_TOKENIZER_PRIVATE_H
#define QUARRY_TOKENIZER_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/*
 * The pre-tokenisation patterns of OpenAI's encodings.  Each is the regular
 * expression given in ../shared/corpus/tokenizers/README.md (and in
 * js-tiktoken's rank files), evaluated as JavaScript's "ug" flags evaluate
 * it: implemented here as hand-written matchers, not a regex engine.
 */
enum quarry_pattern {
	QUARRY_PAT_GPT2,	/* r50k_base, p50k_base */
	QUARRY_PAT_CL100K,	/* cl100k_base */
	QUARRY_PAT_O200K,	/* o200k_base */
};

/*
 * Character classes of one code point, as bits.  The Unicode categories
 * come from utf8proc, corrected to the Unicode version of the reference
 * (js-tiktoken on Node 20) by a small table; QT_S is JavaScript's \s
 * (Unicode Zs plus TAB, LF, VT, FF, CR, U+2028, U+2029 and U+FEFF).
 */
enum {
	QT_L = 1 << 0,		/* \p{L} */
	QT_UP = 1 << 1,		/* \p{Lu} or \p{Lt} */
	QT_LO = 1 << 2,		/* \p{Ll} */
	QT_LMO = 1 << 3,	/* \p{Lm} or \p{Lo} */
	QT_M = 1 << 4,		/* \p{M} */
	QT_N = 1 << 5,		/* \p{N} */
	QT_S = 1 << 6,		/* \s */
	QT_NL = 1 << 7,		/* \r or \n */
	QT_SP = 1 << 8,		/* U+0020 */
	QT_APOS = 1 << 9,	/* ' */
	QT_SLASH = 1 << 10,	/* / */
	QT_BAD = 1 << 11,	/* a byte that does not start valid UTF-8 */
};

/* Returns the QT_* classes of code point cp. */
unsigned tok_char_class(int32_t cp);

/*
 * Decodes the character at s[i] (i < len) and returns its classes; its
 * length in bytes goes to *n.  Invalid UTF-8 is read as one byte of class
 * QT_BAD, which the patterns treat as punctuation, so that no input can
 * make them fail.
 */
unsigned tok_char_at(const char *s, size_t len, size_t i, size_t *n);

/*
 * Returns the end of the pre-token that starts at s[i] (i < len) under
 * pattern p: always greater than i.  Successive calls from 0 split s into
 * the pieces that the pattern's regex would match.
 */
size_t tok_pretoken_next(enum quarry_pattern p, const char *s, size_t len,
    size_t i);

/* The classes of the ASCII characters (tok_char_class() of 0 to 127). */
extern const unsigned short tok_ascii_class[128];

/* Returns the end of the run of letters (\p{L}) from s[i]. */
size_t tok_letters(const char *s, size_t len, size_t i);

/*
 * cl100k's commonest pre-token, "[^\r\n\p{L}\p{N}]?\p{L}+", when it starts
 * with ASCII: a word, or a space (or other ASCII prefix but an apostrophe,
 * which may start a contraction) and a word that starts with an ASCII
 * letter.  Returns its end, or 0 when s[i] starts no such pre-token, and
 * tok_pretoken_next() decides.  Inline, for the counting loops; the
 * pre-tokeniser begins with it too.
 */
static inline size_t
tok_cl100k_word(const char *s, size_t len, size_t i)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned c;

	if (u[i] >= 0x80)
		return 0;
	c = tok_ascii_class[u[i]];
	if (c & QT_L)
		i++;
	else if (!(c & (QT_NL | QT_L | QT_N | QT_APOS)) && i + 1 < len &&
	    u[i + 1] < 0x80 && (tok_ascii_class[u[i + 1]] & QT_L))
		i += 2;
	else
		return 0;
#ifdef __SSE2__
	/* ASCII letters 16 bytes at a time: (b | 0x20) - 'a' < 26, moved
	 * to the bottom of the signed range; a byte outside ASCII is none. */
	while (len - i >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
		__m128i x = _mm_add_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)),
		    _mm_set1_epi8((char)(128 - 'a')));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpgt_epi8(
		    _mm_set1_epi8((char)(-128 + 26)), x));

		if (m != 0xFFFF) {
			i += (size_t)__builtin_ctz(~m);
			goto end;
		}
		i += 16;
	}
#endif
	while (i < len && u[i] < 0x80 && (tok_ascii_class[u[i]] & QT_L))
		i++;
#ifdef __SSE2__
end:
#endif
	if (i < len && u[i] >= 0x80)
		return tok_letters(s, len, i);
	return i;
}

/*
 * cl100k's pre-token at s[i] where tok_cl100k_word() finds none: the rest
 * of the pattern's alternatives (contractions, words after a prefix
 * outside ASCII, numbers, punctuation, white space), for the counting
 * loops, which try the word first.  tok_pretoken_next() is the two.
 */
size_t tok_cl100k_rest(const char *s, size_t len, size_t i);

/*
 * Where the token counts of a text cut at s[i] join, knowing the text from
 * s[lo] (lo < i < len): returns q (lo <= q <= i) such that for every text
 * s[a, e) with a <= q and e > i, under pattern p,
 *
 *	count(s[a, e)) = count(s[a, i)) - count(s[q, i)) + count(s[q, e)),
 *
 * or SIZE_MAX when that cannot be told from s[lo, i] (or i is not where a
 * character that is no white space meets white space).  q == i (counts
 * simply add up) where a word or punctuation meets white space, except
 * punctuation before a line break under cl100k and o200k, which is one
 * piece with the line breaks: q is then where that piece starts.
 */
size_t tok_split_point(enum quarry_pattern p, const char *s, size_t len,
    size_t lo, size_t i);

/* Returns the name of p: "gpt2", "cl100k" or "o200k". */
const char *tok_pattern_name(enum quarry_pattern p);

/* Parses a pattern name (also "r50k", "p50k", with or without "_base");
 * returns 0 or QUARRY_EINVAL. */
int tok_pattern_parse(const char *name, enum quarry_pattern *p);

/*
 * Byte-pair merging of one piece with the rank table of t, by the two
 * algorithms: a scan for the lowest-ranked pair (quadratic, fast for short
 * pieces) and a heap with lazy deletion (O(n log n), for long ones).  Both
 * store the token ids in ids[] (room for len ids; NULL to count them only)
 * and return their number, or SIZE_MAX when out of memory.
 * Exposed so that tests can check that they agree.
 */
struct quarry_tokenizer;
/* Returns the rank of the token p[0..len), or UINT32_MAX when there is
 * none.  A piece that is a token is encoded as that one token, without
 * merging (as tiktoken does). */
uint32_t tok_bpe_rank(const struct quarry_tokenizer *t,
    const unsigned char *p, size_t len);
size_t tok_bpe_scan(struct quarry_tokenizer *t, const unsigned char *p,
    size_t len, uint32_t *ids);
size_t tok_bpe_heap(struct quarry_tokenizer *t, const unsigned char *p,
    size_t len, uint32_t *ids);

/*
 * quarry_tokenizer_count(), stopping once the count is over max: the exact
 * count when it is at most max, else some count above max.
 */
struct quarry_tokenizer;
size_t tok_count_max(struct quarry_tokenizer *t, const char *text,
    size_t len, size_t max);

/*
 * The token count of s[a, e), given that s[b, e) (a <= b <= e) counts
 * inner tokens: only the pieces up to where the two pre-tokenisations meet
 * are counted (usually the white space before b and a word).
 */
size_t tok_count_ext(struct quarry_tokenizer *t, const char *s, size_t a,
    size_t b, size_t e, size_t inner);

#endif /* QUARRY_TOKENIZER_PRIVATE_H */
