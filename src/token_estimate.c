/*
 * token_estimate.c: an upper bound of cl100k_base token counts without a
 * rank file.
 *
 * Two bounds, and the estimate is the lower of the two:
 *
 * 1. BPE with the first EST_RANKS (32,768) tokens of cl100k_base
 *    (token_estimate_table.h, 190 kB, generated from the rank file by
 *    "tests/tokcount -g").  tiktoken merges the lowest-ranked adjacent pair
 *    first; with a prefix of the ranks the same merges happen in the same
 *    order and it only stops sooner, so the count can never be below
 *    cl100k's: an upper bound by construction, for any text.  The first
 *    third of the vocabulary holds the frequent English words, code and
 *    Latin-script pieces: the bound is within a few percent of the exact
 *    count on English and code (tests/bench/tokens.sh prints the figures).
 *
 * 2. For text with non-ASCII characters, a price per pre-tokenised piece
 *    (the estimator of earlier versions): every character outside ASCII
 *    costs what it costs alone in cl100k (iso_cost), times a margin, and
 *    ASCII words and punctuation a price per letter and byte.  This bound
 *    is empirical (fitted on 10 MB in 24 languages so that no piece of 256
 *    or 512 tokens came out below 1.1 times its count), and it is the
 *    tighter one for scripts whose merges lie beyond the first 32,768 ranks
 *    (CJK, Arabic, Hebrew, Greek, Indic).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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
	unsigned c = tok_char_at(s, len, i, &n), first = c;
	int word = 0;

	if (c & QT_N && n == 1 && j - i <= 3) {
		for (k = i; k < j && s[k] >= '0' && s[k] <= '9'; k++)
			;
		if (k == j)
			return DIGITS;
	}
	for (k = i; k < j; k += n) {
		c = tok_char_at(s, len, k, &n);
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

/* The price bound (2) of text[0..len), in tokens. */
static size_t
price(const char *text, size_t len)
{
	size_t i = 0;
	unsigned long long total = 0;

	while (i < len) {
		size_t j = tok_pretoken_next(QUARRY_PAT_CL100K, text, len, i);

		total += piece(text, len, i, j);
		i = j;
	}
	return (size_t)((total + 999) / 1000);
}

static int
b64_value(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ?
	    c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52 :
	    c == '+' ? 62 : 63;
}

int
quarry_tokenizer_estimator(quarry_tokenizer **out)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t *off = NULL, *len = NULL, r;
	unsigned char *bytes = NULL;
	char *file = NULL;
	size_t used = 0, cap = 1 << 18, flen = 0, fcap = 1 << 20;
	int rc = QUARRY_ENOMEM;

	*out = NULL;
	off = malloc(EST_RANKS * sizeof(*off));
	len = malloc(EST_RANKS * sizeof(*len));
	bytes = malloc(cap);
	file = malloc(fcap);
	if (off == NULL || len == NULL || bytes == NULL || file == NULL)
		goto done;
	for (r = 0; r < EST_RANKS; r++) {
		size_t n, k;
		const char *p;
		char num[16];
		int nl;

		if (r < 256) {
			bytes[used] = est_bytes[r];
			n = 1;
		} else {
			uint32_t v = 0, a, b;

			p = est_pairs + 5 * (r - 256);
			for (k = 0; k < 5; k++)
				v = v << 6 | (uint32_t)b64_value(p[k]);
			a = v >> 15;
			b = v & 0x7FFF;
			n = len[a] + len[b];
			if (used + n > cap) {
				unsigned char *nb;

				cap *= 2;
				if ((nb = realloc(bytes, cap)) == NULL)
					goto done;
				bytes = nb;
			}
			memcpy(bytes + used, bytes + off[a], len[a]);
			memcpy(bytes + used + len[a], bytes + off[b], len[b]);
		}
		off[r] = (uint32_t)used;
		len[r] = (uint32_t)n;
		used += n;
		/* The token as a rank file line: base64, space, rank. */
		if (flen + 2 * n + 32 > fcap) {
			char *nf;

			fcap *= 2;
			if ((nf = realloc(file, fcap)) == NULL)
				goto done;
			file = nf;
		}
		for (k = 0; k < n; k += 3) {
			const unsigned char *q = bytes + off[r] + k;
			uint32_t v = (uint32_t)q[0] << 16 |
			    (k + 1 < n ? (uint32_t)q[1] << 8 : 0) |
			    (k + 2 < n ? q[2] : 0);

			file[flen++] = digits[v >> 18];
			file[flen++] = digits[v >> 12 & 63];
			file[flen++] = k + 1 < n ? digits[v >> 6 & 63] : '=';
			file[flen++] = k + 2 < n ? digits[v & 63] : '=';
		}
		nl = snprintf(num, sizeof(num), " %u\n", (unsigned)r);
		memcpy(file + flen, num, (size_t)nl);
		flen += (size_t)nl;
	}
	rc = quarry_tokenizer_load(out, file, flen, "cl100k", NULL);
done:
	free(off);
	free(len);
	free(bytes);
	free(file);
	return rc;
}

/* The process's estimator, for quarry_token_estimate(). */
static pthread_once_t est_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t est_lock = PTHREAD_MUTEX_INITIALIZER;
static quarry_tokenizer *est_tok;

static void
est_init(void)
{
	if (quarry_tokenizer_estimator(&est_tok) != 0)
		est_tok = NULL;
}

size_t
quarry_token_estimate_with(quarry_tokenizer *est, const char *text,
    size_t len)
{
	size_t bpe = SIZE_MAX, p, i;

	if (est != NULL)
		bpe = quarry_tokenizer_count(est, text, len);
	/* The price bound is only ever lower with non-ASCII text. */
	for (i = 0; i < len && (unsigned char)text[i] < 0x80; i++)
		;
	if (i == len && bpe != SIZE_MAX)
		return bpe;
	p = price(text, len);
	return p < bpe ? p : bpe;
}

size_t
quarry_token_estimate(const char *text, size_t len)
{
	size_t n;

	pthread_once(&est_once, est_init);
	pthread_mutex_lock(&est_lock);
	n = quarry_token_estimate_with(est_tok, text, len);
	pthread_mutex_unlock(&est_lock);
	return n;
}
