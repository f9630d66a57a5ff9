/*
 * fuzz_lexical.c: libFuzzer target for the lexical analyzer (src/lexical.c)
 * and the postings codec.  The input is text, analysed in several
 * languages (none, English, German, Japanese), and a byte stream turned
 * into postings for an encode/decode round trip, and parsed as a segment
 * value as it is (which must be refused or decoded within bounds).
 *
 * Invariants: analysis of valid UTF-8 never fails; every term is non-empty,
 * valid UTF-8 without NUL or ASCII upper case, at most LEX_MAX_TERM bytes
 * (Snowball stemmers only shorten or keep length within a few bytes);
 * analysing the same text twice gives the same terms; decode(encode(p)) ==
 * p and its header is right.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"
#include "lexical_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lex_analyzer *an;

struct acc {
	uint64_t hash;
	size_t n;
};

static int
check_term(const char *t, size_t len, void *arg)
{
	struct acc *a = arg;
	size_t i;

	if (len == 0 || len > LEX_MAX_TERM + 16)
		abort();
	if (quarry_utf8_validate(t, len, NULL) != 0)
		abort();
	for (i = 0; i < len; i++) {
		if (t[i] == '\0' || (t[i] >= 'A' && t[i] <= 'Z'))
			abort();
		a->hash = (a->hash ^ (unsigned char)t[i]) * 1099511628211ull;
	}
	a->hash = (a->hash ^ 0xff) * 1099511628211ull;
	a->n++;
	return 0;
}

static void
codec(const uint8_t *data, size_t size)
{
	struct lex_posting ps[LEX_SEG_MAX], back[LEX_SEG_MAX * 4];
	unsigned char buf[32 + LEX_SEG_MAX * 30];
	struct lex_seg s;
	uint64_t slot = 0;
	size_t n = 0, i, len;

	for (i = 0; i + 3 <= size && n < LEX_SEG_MAX; i += 3) {
		slot += 1 + (uint64_t)data[i] * (data[i] & 1 ? 1 : 4099);
		ps[n].slot = slot;
		ps[n].tf = 1 + (data[i + 1] & 0x80 ? data[i + 1] * 1000u :
		    data[i + 1] % 3);
		ps[n].dl = (uint32_t)data[i + 2] << (data[i + 1] & 7);
		n++;
	}
	if (n > 0) {
		len = lex_seg_encode(ps, n, buf);
		if (len > sizeof(buf) || lex_seg_open(&s, ps[0].slot, buf,
		    len) != 0 || s.n != n || s.first != ps[0].slot ||
		    s.last != ps[n - 1].slot || lex_seg_decode(&s, back) != 0 ||
		    memcmp(ps, back, n * sizeof(*ps)) != 0)
			abort();
	}
	/* The raw bytes as a stored segment: refused or decoded in bounds. */
	if (lex_seg_open(&s, 7, data, size) == 0)
		(void)lex_seg_decode(&s, back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const langs[] = { NULL, "en", "de", "ja", "pt-BR" };
	const char *text = (const char *)data;
	struct acc a, b;
	size_t i;

	if (an == NULL && lex_analyzer_new(&an) != 0)
		abort();
	codec(data, size);
	if (quarry_utf8_validate(text, size, NULL) != 0)
		return 0;
	for (i = 0; i < sizeof(langs) / sizeof(langs[0]); i++) {
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		if (lex_analyze(an, text, size, langs[i], check_term, &a) != 0)
			abort();
		if (lex_analyze(an, text, size, langs[i], check_term, &b) != 0)
			abort();
		if (a.n != b.n || a.hash != b.hash)
			abort();
	}
	return 0;
}
