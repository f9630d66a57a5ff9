/*
 * fuzz_chunker.c: libFuzzer target for the chunker.
 *
 * The first four bytes choose the options: byte 0 the unit (characters,
 * words, estimated tokens, or exact tokens with a small built-in BPE table so
 * that it runs without the corpus) and the language, byte 1 the size, byte 2
 * the overlap, byte 3 the minimum for the trailing merge.  The rest is the
 * text; bytes that are not valid UTF-8 are replaced by '?', since the
 * chunker's contract asks for UTF-8.
 *
 * Invariants, each checked by measuring independently of the chunker:
 * every chunk is within the budget and its reported size is its exact size;
 * its bytes are in bounds, valid UTF-8, never cut inside a UTF-8 sequence,
 * and trimmed of white space; chunks are in order (starts and ends strictly
 * increasing; without overlap they do not overlap); only white space is
 * left uncovered (checked for ASCII bytes: others may be Unicode spaces);
 * no chunk ends between two ASCII letters or digits unless the white-space
 * delimited word around the cut is itself over the budget; pages and page
 * ends are the form feeds counted before the first and the last byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"
#include "../testutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static quarry_tokenizer *tok;

/* Merges over ASCII and common UTF-8 sequences, as in fuzz_tokenizer.c. */
static const char *const merges[] = {
	"th", "he", "the", " t", " the", "in", "an", "er", "  ", "    ",
	"\n\n", "aa", "aaaa", "ab", "ba", "abab", "00", "000", "12", "123",
	"\xc3\xa9", "\xe4\xb8", "\xe4\xb8\xad", "\xf0\x9f", "'s", "ll", "'ll",
	"..", "...", "//", "\r\n", "e\xcc\x81", NULL,
};

static void
setup(void)
{
	struct quarry_buf file = { 0 };
	unsigned long r;

	for (r = 0; r < 256 + sizeof(merges) / sizeof(merges[0]) - 1; r++) {
		unsigned char c = (unsigned char)r;

		if ((r < 256 ? tu_rank_line(&file, &c, 1, r) :
		    tu_rank_line(&file, merges[r - 256],
		    strlen(merges[r - 256]), r)) != 0)
			abort();
	}
	if (quarry_tokenizer_load(&tok, file.data, file.len, "cl100k",
	    NULL) != 0)
		abort();
	quarry_buf_free(&file);
}

static int
is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Bytes left between chunks: ASCII white space, or the bytes of the Unicode
 * spaces (U+2028, U+3000, ...) that chunks are trimmed of as well. */
static int
gap_byte(unsigned char c)
{
	return c >= 0x80 || is_space(c);
}

static int
is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

/* The size of s[0..n) in unit k, counted here rather than by the chunker. */
static size_t
measure(int k, const char *s, size_t n)
{
	size_t i, w = 0;
	int in = 0;

	switch (k) {
	case 0:
		for (i = 0; i < n; i++)
			w += ((unsigned char)s[i] & 0xC0) != 0x80;
		return w;
	case 1:
		for (i = 0; i < n; i++) {
			int sp = is_space((unsigned char)s[i]);

			w += !sp && !in;
			in = !sp;
		}
		return w;
	case 2:
		/* The chunker caps the estimate at one token a byte. */
		w = quarry_token_estimate(s, n);
		return w < n ? w : n;
	default:
		return quarry_tokenizer_count(tok, s, n);
	}
}

static unsigned
page_at(const char *s, size_t off)
{
	unsigned p = 1;
	size_t i;

	for (i = 0; i < off; i++)
		p += s[i] == '\f';
	return p;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const langs[] = {
		NULL, "en", "de", "fr", "ja", "zh", "ru", "th",
	};
	quarry_chunk_options o;
	quarry_chunker *c;
	const quarry_chunk *ch;
	char *text;
	size_t len, n, i, k, bad, covered = 0;
	int unit;

	if (size < 4)
		return 0;
	if (tok == NULL)
		setup();
	unit = data[0] & 3;
	quarry_chunk_options_init(&o);
	o.unit = unit == 0 ? QUARRY_UNIT_CHARS : unit == 1 ? QUARRY_UNIT_WORDS :
	    QUARRY_UNIT_TOKENS;
	o.tokenizer = unit == 3 ? tok : NULL;
	o.size = unit >= 2 ? 4 + data[1] % 60 : 1 + data[1] % 64;
	o.overlap = data[2] & 1 ? (size_t)(data[2] >> 1) % o.size : 0;
	o.min = data[3] & 1 ? (size_t)-1 : (size_t)(data[3] >> 1);
	len = size - 4;
	if ((text = malloc(len + 1)) == NULL)
		abort();
	memcpy(text, data + 4, len);
	while (quarry_utf8_validate(text, len, &bad) != 0)
		text[bad] = '?';
	if (quarry_chunker_new(&c, &o) != 0)
		abort();
	if (quarry_chunker_run(c, text, len, langs[data[0] >> 2 & 7], &ch,
	    &n) != 0)
		abort();
	for (i = 0; i < n; i++) {
		size_t a = ch[i].offset, e = a + ch[i].length;
		const char *s = text + a;

		if (ch[i].length == 0 || e > len || e < a)
			abort();
		if (ch[i].size != measure(unit, s, ch[i].length) ||
		    ch[i].size > o.size)
			abort();
		if (quarry_utf8_validate(s, ch[i].length, NULL) != 0 ||
		    ((unsigned char)text[a] & 0xC0) == 0x80 ||
		    (e < len && ((unsigned char)text[e] & 0xC0) == 0x80))
			abort();
		if (is_space((unsigned char)s[0]) ||
		    is_space((unsigned char)s[ch[i].length - 1]))
			abort();
		if (i > 0) {
			size_t pa = ch[i - 1].offset,
			    pe = pa + ch[i - 1].length;

			if (a <= pa || e <= pe)
				abort();
			if (o.overlap == 0 && a < pe)
				abort();
		}
		for (k = covered; k < a; k++)
			if (!gap_byte((unsigned char)text[k]))
				abort();
		if (e > covered)
			covered = e;
		if (e < len && is_alnum((unsigned char)text[e - 1]) &&
		    is_alnum((unsigned char)text[e])) {
			/* Mid-word: only when the word alone is over. */
			size_t ws = e, we = e;

			while (ws > 0 && !is_space((unsigned char)text[ws - 1]))
				ws--;
			while (we < len && !is_space((unsigned char)text[we]))
				we++;
			if (measure(unit, text + ws, we - ws) <= o.size)
				abort();
		}
		if (ch[i].page != page_at(text, a) ||
		    ch[i].page_end != page_at(text, e - 1))
			abort();
		(void)quarry_chunker_headings(c, ch[i].heading);
	}
	for (k = covered; k < len; k++)
		if (!gap_byte((unsigned char)text[k]))
			abort();
	quarry_chunker_free(c);
	free(text);
	return 0;
}
