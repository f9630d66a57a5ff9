/*
 * token_estimate.c: an upper estimate of cl100k_base token counts without
 * a rank file.
 *
 * The text is split with cl100k's own pre-tokeniser (pretokenize.c), so
 * that every estimate is a sum over the same pieces that BPE would merge,
 * and each piece is priced by its kind:
 *  - a number of one to three ASCII digits is one token (cl100k has them
 *    all);
 *  - a word costs a base plus a price per ASCII letter, more beyond the
 *    fifth and the ninth (long and rare words split), plus a price per
 *    upper-case letter (identifiers, acronyms);
 *  - punctuation and white space cost a base plus a price per byte and per
 *    newline;
 *  - every other character costs what it costs alone in cl100k (1 to 3
 *    tokens; token_estimate_table.h, generated from the rank file), times
 *    a factor: 4-byte characters (emoji, rare ideographs) count 3.
 * Prices are in 1/1000 token.  They were fitted on 10 MB of text in 24
 * languages (tests/bench/tokens.sh) so that no piece of 256 or 512 tokens
 * was estimated below 1.1 times its exact count, then rounded up; the bench
 * prints how far the estimate over-counts.
 */
#include "config.h"

#include "quarry.h"
#include "tokenizer_private.h"
#include "token_estimate_table.h"

enum {
	DIGITS = 1000,		/* a 1-3 digit ASCII number */
	WORD = 600,		/* a word */
	LETTER = 320,		/* each ASCII letter */
	LETTER5 = 210,		/* ... and also beyond the fifth */
	LETTER9 = 130,		/* ... and also beyond the ninth */
	UPPER = 230,		/* each upper-case ASCII letter */
	PREFIX = 640,		/* an ASCII non-space before a word */
	PUNCT = 630,		/* a run of punctuation */
	PUNCT_BYTE = 360,	/* each of its ASCII bytes */
	SPACE = 640,		/* a run of white space */
	SPACE_BYTE = 360,	/* each of its bytes */
	NEWLINE = 250,		/* each newline in it */
	CHAR2 = 1090,		/* a 2-byte character, per token alone */
	CHAR3 = 1130,		/* a 3-byte character, per token alone */
	CHAR4 = 3000,		/* a 4-byte character */
};

/* Returns the price of the non-ASCII character at s[i] of n bytes. */
static unsigned
wide_char(const char *s, size_t len, size_t i, size_t n)
{
	int32_t cp;
	unsigned v, d;
	int c;

	if (n == 4)
		return CHAR4;
	quarry_utf8_decode(s, len, i, &cp);
	if (cp < 0x80 || cp > 0xFFFF)
		return n * 1000;	/* invalid UTF-8: a token per byte */
	c = (unsigned char)iso_cost[(cp - 0x80) / 3];
	d = c >= 'a' ? (unsigned)(c - 'a' + 26) : c >= 'A' ?
	    (unsigned)(c - 'A') : c >= '0' ? (unsigned)(c - '0' + 52) :
	    c == '+' ? 62u : 63u;
	v = (d >> (2 * ((cp - 0x80) % 3)) & 3) + 1;
	return v * (n == 2 ? CHAR2 : CHAR3);
}

static unsigned long
piece(const char *s, size_t len, size_t i, size_t j)
{
	unsigned long cost = 0;
	size_t n, k, letters = 0, upper = 0, bytes = 0, newlines = 0;
	unsigned c = quarry_char_at(s, len, i, &n), first = c;
	int word = 0;

	if (c & QT_N && n == 1 && j - i <= 3) {
		for (k = i; k < j && s[k] >= '0' && s[k] <= '9'; k++)
			;
		if (k == j)
			return DIGITS;
	}
	for (k = i; k < j; k += n) {
		c = quarry_char_at(s, len, k, &n);
		if (c & QT_L)
			word = 1;
		if (n > 1 || (c & QT_BAD)) {
			cost += (c & QT_BAD) ? 1000 : wide_char(s, len, k, n);
			continue;
		}
		if (c & QT_L) {
			letters++;
			upper += (c & QT_UP) != 0;
		} else {
			bytes++;
			newlines += (c & QT_NL) != 0;
		}
	}
	if (word) {
		cost += WORD;
		if (bytes && !(first & QT_SP))
			cost += PREFIX;
		cost += letters * LETTER + upper * UPPER;
		if (letters > 5)
			cost += (letters - 5) * LETTER5;
		if (letters > 9)
			cost += (letters - 9) * LETTER9;
	} else if (first & QT_S)
		cost += SPACE + bytes * SPACE_BYTE + newlines * NEWLINE;
	else
		cost += PUNCT + bytes * PUNCT_BYTE;
	return cost;
}

size_t
quarry_token_estimate(const char *text, size_t len)
{
	size_t i = 0, n;
	unsigned long long total = 0;

	while (i < len) {
		size_t j = quarry_pretoken_next(QUARRY_PAT_CL100K, text, len, i);

		total += piece(text, len, i, j);
		i = j;
	}
	n = (size_t)((total + 999) / 1000);
	return n;
}
