/*
 * text.c: UTF-8 helpers shared by the segmenter, the tokenizer and the
 * chunker: validation, decoding, grapheme boundaries (utf8proc) and content
 * hashes (xxHash).
 */
#include "config.h"

#include <string.h>

#include <utf8proc.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "quarry.h"

/*
 * The length of the run of ASCII bytes at p (at most e - p).  Text is
 * mostly ASCII: 64 bytes are checked at once (four 16-byte loads, one
 * test), the run's end found 16 bytes at a time.
 */
static size_t
ascii_run(const unsigned char *p, const unsigned char *e)
{
	const unsigned char *q = p;

#ifdef __SSE2__
	while (e - q >= 64) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)q);
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(q + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(const void *)(q + 32));
		__m128i d = _mm_loadu_si128((const __m128i *)(const void *)(q + 48));

		if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b),
		    _mm_or_si128(c, d))) != 0)
			break;
		q += 64;
	}
	while (e - q >= 16) {
		unsigned bits = (unsigned)_mm_movemask_epi8(_mm_loadu_si128(
		    (const __m128i *)(const void *)q));

		if (bits != 0)
			return (size_t)(q - p) + (size_t)__builtin_ctz(bits);
		q += 16;
	}
#endif
	while (e - q >= 8) {
		uint64_t w;

		memcpy(&w, q, 8);
		if (w & 0x8080808080808080ULL)
			break;
		q += 8;
	}
	while (q < e && *q < 0x80)
		q++;
	return (size_t)(q - p);
}

int
quarry_utf8_validate(const char *s, size_t len, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len;

	while (p < e) {
		unsigned c = *p;

		if (c < 0x80) {
			p += ascii_run(p, e);
			continue;
		}
		/* One multi-byte sequence (Unicode 15, table 3-7). */
		if (c >= 0xC2 && c <= 0xDF) {
			if (e - p < 2 || (p[1] & 0xC0) != 0x80)
				goto fail;
			p += 2;
		} else if (c >= 0xE0 && c <= 0xEF) {
			if (e - p < 3 || (p[1] & 0xC0) != 0x80 ||
			    (p[2] & 0xC0) != 0x80)
				goto fail;
			if (c == 0xE0 && p[1] < 0xA0)
				goto fail;	/* overlong */
			if (c == 0xED && p[1] >= 0xA0)
				goto fail;	/* surrogate */
			p += 3;
		} else if (c >= 0xF0 && c <= 0xF4) {
			if (e - p < 4 || (p[1] & 0xC0) != 0x80 ||
			    (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
				goto fail;
			if (c == 0xF0 && p[1] < 0x90)
				goto fail;	/* overlong */
			if (c == 0xF4 && p[1] >= 0x90)
				goto fail;	/* above U+10FFFF */
			p += 4;
		} else
			goto fail;
	}
	return 0;
fail:
	if (bad)
		*bad = (size_t)(p - (const unsigned char *)s);
	return QUARRY_EUTF8;
}

size_t
quarry_utf8_decode(const char *s, size_t len, size_t i, int32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s + i;
	size_t left = len - i;
	utf8proc_int32_t c;
	utf8proc_ssize_t n;

	/* Well-formed sequences here (the validator's rules); anything
	 * else as utf8proc reads it. */
	if (left >= 1 && p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (left >= 2 && p[0] >= 0xC2 && p[0] <= 0xDF &&
	    (p[1] & 0xC0) == 0x80) {
		*cp = (int32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
		return 2;
	}
	if (left >= 3 && p[0] >= 0xE0 && p[0] <= 0xEF &&
	    (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 &&
	    (p[0] != 0xE0 || p[1] >= 0xA0) && (p[0] != 0xED || p[1] < 0xA0)) {
		*cp = (int32_t)(p[0] & 0x0F) << 12 |
		    (int32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
		return 3;
	}

	n = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
	    (utf8proc_ssize_t)(len - i), &c);
	if (n <= 0) {
		*cp = 0xFFFD;
		return 1;
	}
	*cp = c;
	return (size_t)n;
}

size_t
quarry_utf8_count(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len;
	size_t n = 0;

	/* Count bytes that do not continue a sequence. */
#ifdef __SSE2__
	/* 10xxxxxx is -128..-65 as a signed byte: count the bytes above.
	 * The compare gives -1 per byte; a byte lane sums up to 255 of them
	 * before _mm_sad_epu8 adds the lanes up. */
	while (e - p >= 16) {
		const __m128i lim = _mm_set1_epi8(-65);
		__m128i acc = _mm_setzero_si128(), sum;
		size_t k = (size_t)(e - p) / 16;

		if (k > 255)
			k = 255;
		for (; k > 0; k--, p += 16)
			acc = _mm_sub_epi8(acc, _mm_cmpgt_epi8(
			    _mm_loadu_si128((const __m128i *)(const void *)p), lim));
		sum = _mm_sad_epu8(acc, _mm_setzero_si128());
		n += (size_t)_mm_cvtsi128_si32(sum) +
		    (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sum, 8));
	}
#endif
	while (e - p >= 8) {
		uint64_t w, cont;

		memcpy(&w, p, 8);
		/* A continuation byte is 10xxxxxx: bit 7 set, bit 6 clear.
		 * Sum the flags with a multiply rather than a popcount, which
		 * is a library call on CPUs without the instruction. */
		cont = (w & ~(w << 1) & 0x8080808080808080ULL) >> 7;
		n += 8 - (size_t)((cont * 0x0101010101010101ULL) >> 56);
		p += 8;
	}
	for (; p < e; p++)
		n += (*p & 0xC0) != 0x80;
	return n;
}

/* How far back quarry_grapheme_floor() looks for a safe starting point. */
#define GRAPHEME_REACH 256

size_t
quarry_grapheme_floor(const char *s, size_t len, size_t pos)
{
	size_t start, i, best;
	utf8proc_int32_t prev = -1, cp;
	utf8proc_int32_t state = 0;

	if (pos >= len)
		return len;
	/* Back up to a code point start. */
	while (pos > 0 && ((unsigned char)s[pos] & 0xC0) == 0x80)
		pos--;
	if (pos == 0)
		return 0;
	/*
	 * Grapheme breaks depend on context (emoji sequences, regional
	 * indicators), so walk forward from a point some way back; a break
	 * after an ASCII letter, digit, space or punctuation that is followed
	 * by ASCII is certain and gives a clean start.
	 */
	start = pos > GRAPHEME_REACH ? pos - GRAPHEME_REACH : 0;
	while (start > 0 && ((unsigned char)s[start] & 0xC0) == 0x80)
		start++;
	best = start;
	for (i = start; i < len;) {
		int32_t c;
		size_t n = quarry_utf8_decode(s, len, i, &c);

		cp = c;
		if (prev >= 0 && utf8proc_grapheme_break_stateful(prev, cp,
		    &state)) {
			if (i <= pos)
				best = i;
		}
		if (i > pos)
			break;
		prev = cp;
		i += n;
	}
	return best;
}

void
quarry_hash_hex(const void *s, size_t len, char hex[33])
{
	static const char digits[] = "0123456789abcdef";
	XXH128_hash_t h = XXH3_128bits(s, len);
	XXH128_canonical_t c;
	int i;

	XXH128_canonicalFromHash(&c, h);
	for (i = 0; i < 16; i++) {
		hex[2 * i] = digits[c.digest[i] >> 4];
		hex[2 * i + 1] = digits[c.digest[i] & 15];
	}
	hex[32] = '\0';
}
