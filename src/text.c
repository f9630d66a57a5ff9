/*
 * text.c: UTF-8 helpers shared by the segmenter, the tokenizer and the
 * chunker: validation, decoding, grapheme boundaries (utf8proc) and content
 * hashes (xxHash).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "quarry.h"
#include "text_private.h"

#ifdef HAVE_XXH3_128BITS_DISPATCH
/* libxxhash's XXH3 with the widest vector unit the CPU has: AVX2 rather
 * than the SSE2 of the inline one.  Declared here: xxh_x86dispatch.h
 * would rename the inline functions. */
XXH128_hash_t XXH3_128bits_dispatch(const void *input, size_t len);
#endif

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

#ifdef TEXT_AVX2
/*
 * Whether s[0, len) is valid UTF-8, 32 bytes a step with AVX2: the lookup
 * algorithm of Keiser and Lemire, "Validating UTF-8 in less than one
 * instruction per byte" (Software: Practice and Experience, 2021), as
 * simdjson and simdutf implement it.  Three table lookups on the nibbles
 * of each byte and of the byte before it flag every error of a two-byte
 * window (a lead without its continuation, a continuation without a lead,
 * overlong forms, surrogates, values above U+10FFFF); continuations that a
 * three- or four-byte lead requires two and three bytes on are checked
 * against the leads two and three bytes back.  Runs of ASCII skip all of
 * it.  It only says yes or no; the caller finds where.
 */
#define U8_TOO_SHORT (1 << 0)
#define U8_TOO_LONG (1 << 1)
#define U8_OVERLONG_3 (1 << 2)
#define U8_TOO_LARGE (1 << 3)
#define U8_SURROGATE (1 << 4)
#define U8_OVERLONG_2 (1 << 5)
#define U8_TOO_LARGE_1000 (1 << 6)
#define U8_OVERLONG_4 (1 << 6)
#define U8_TWO_CONTS (1 << 7)
#define U8_CARRY (U8_TOO_SHORT | U8_TOO_LONG | U8_TWO_CONTS)

__attribute__((target("avx2"))) static inline __m256i
u8_prev(__m256i in, __m256i prev_in, int n)
{
	__m256i x = _mm256_permute2x128_si256(prev_in, in, 0x21);

	switch (n) {
	case 1:
		return _mm256_alignr_epi8(in, x, 15);
	case 2:
		return _mm256_alignr_epi8(in, x, 14);
	default:
		return _mm256_alignr_epi8(in, x, 13);
	}
}

__attribute__((target("avx2"))) static inline __m256i
u8_errors(__m256i in, __m256i prev_in)
{
	const __m256i t1h = _mm256_setr_epi8(
	    U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
	    U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
	    U8_TWO_CONTS, U8_TWO_CONTS, U8_TWO_CONTS, U8_TWO_CONTS,
	    U8_TOO_SHORT | U8_OVERLONG_2, U8_TOO_SHORT,
	    U8_TOO_SHORT | U8_OVERLONG_3 | U8_SURROGATE,
	    U8_TOO_SHORT | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_OVERLONG_4,
	    U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
	    U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
	    U8_TWO_CONTS, U8_TWO_CONTS, U8_TWO_CONTS, U8_TWO_CONTS,
	    U8_TOO_SHORT | U8_OVERLONG_2, U8_TOO_SHORT,
	    U8_TOO_SHORT | U8_OVERLONG_3 | U8_SURROGATE,
	    U8_TOO_SHORT | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_OVERLONG_4);
#define L1 (U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000)
	const __m256i t1l = _mm256_setr_epi8(
	    U8_CARRY | U8_OVERLONG_3 | U8_OVERLONG_2 | U8_OVERLONG_4,
	    U8_CARRY | U8_OVERLONG_2, U8_CARRY, U8_CARRY,
	    U8_CARRY | U8_TOO_LARGE, L1, L1, L1, L1, L1, L1, L1, L1,
	    L1 | U8_SURROGATE, L1, L1,
	    U8_CARRY | U8_OVERLONG_3 | U8_OVERLONG_2 | U8_OVERLONG_4,
	    U8_CARRY | U8_OVERLONG_2, U8_CARRY, U8_CARRY,
	    U8_CARRY | U8_TOO_LARGE, L1, L1, L1, L1, L1, L1, L1, L1,
	    L1 | U8_SURROGATE, L1, L1);
#undef L1
#define C2 (U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS)
	const __m256i t2h = _mm256_setr_epi8(
	    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
	    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
	    C2 | U8_OVERLONG_3 | U8_TOO_LARGE_1000 | U8_OVERLONG_4,
	    C2 | U8_OVERLONG_3 | U8_TOO_LARGE,
	    C2 | U8_SURROGATE | U8_TOO_LARGE, C2 | U8_SURROGATE | U8_TOO_LARGE,
	    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
	    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
	    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
	    C2 | U8_OVERLONG_3 | U8_TOO_LARGE_1000 | U8_OVERLONG_4,
	    C2 | U8_OVERLONG_3 | U8_TOO_LARGE,
	    C2 | U8_SURROGATE | U8_TOO_LARGE, C2 | U8_SURROGATE | U8_TOO_LARGE,
	    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT);
#undef C2
	const __m256i lo4 = _mm256_set1_epi8(0x0F);
	__m256i p1 = u8_prev(in, prev_in, 1), p2, p3, sc, must;

	sc = _mm256_and_si256(_mm256_and_si256(
	    _mm256_shuffle_epi8(t1h, _mm256_and_si256(_mm256_srli_epi16(p1, 4), lo4)),
	    _mm256_shuffle_epi8(t1l, _mm256_and_si256(p1, lo4))),
	    _mm256_shuffle_epi8(t2h, _mm256_and_si256(_mm256_srli_epi16(in, 4), lo4)));
	p2 = u8_prev(in, prev_in, 2);
	p3 = u8_prev(in, prev_in, 3);
	/* Only 111xxxxx two back and 1111xxxx three back reach 0x80. */
	must = _mm256_or_si256(_mm256_subs_epu8(p2, _mm256_set1_epi8((char)(0xE0 - 0x80))),
	    _mm256_subs_epu8(p3, _mm256_set1_epi8((char)(0xF0 - 0x80))));
	must = _mm256_and_si256(must, _mm256_set1_epi8((char)0x80));
	return _mm256_xor_si256(must, sc);
}

/* Bytes at the end of a block that a sequence still has to continue. */
__attribute__((target("avx2"))) static inline __m256i
u8_incomplete(__m256i in)
{
	const __m256i max = _mm256_setr_epi8(
	    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	    (char)(0xF0 - 1), (char)(0xE0 - 1), (char)(0xC0 - 1));

	return _mm256_subs_epu8(in, max);
}

/* With nul set, a NUL byte is an error too. */
__attribute__((target("avx2"))) static int
utf8_valid_avx2(const unsigned char *p, size_t len, int nul)
{
	__m256i err = _mm256_setzero_si256(), prev = _mm256_setzero_si256();
	__m256i inc = _mm256_setzero_si256(), in;
	/* 0 never matches a byte of the text when NULs are allowed. */
	const __m256i zero = _mm256_set1_epi8(nul ? 0 : 1);
	__m256i nuls = _mm256_setzero_si256();
	unsigned char tail[32];
	size_t i = 0;

	/*
	 * 128 bytes a step: ASCII, the common case, looked at for NULs
	 * only; else all four parts checked, with no branch on which hold
	 * more than ASCII (text that mixes the two, box drawing and bullets
	 * among English, would mispredict it every other step).
	 */
	while (len - i >= 128) {
		const __m256i *q = (const __m256i *)(const void *)(p + i);
		__m256i a = _mm256_loadu_si256(q), b = _mm256_loadu_si256(q + 1);
		__m256i c = _mm256_loadu_si256(q + 2), d = _mm256_loadu_si256(q + 3);

		if (nul)
			nuls = _mm256_or_si256(nuls, _mm256_cmpeq_epi8(
			    _mm256_min_epu8(_mm256_min_epu8(a, b),
			    _mm256_min_epu8(c, d)), zero));
		if (_mm256_movemask_epi8(_mm256_or_si256(
		    _mm256_or_si256(a, b), _mm256_or_si256(c, d))) == 0) {
			/* Only a sequence left open before it errs. */
			err = _mm256_or_si256(err, inc);
			inc = _mm256_setzero_si256();
		} else {
			err = _mm256_or_si256(err, _mm256_or_si256(
			    _mm256_or_si256(u8_errors(a, prev), u8_errors(b, a)),
			    _mm256_or_si256(u8_errors(c, b), u8_errors(d, c))));
			inc = u8_incomplete(d);
		}
		prev = d;
		i += 128;
		if ((i & 4095) == 0 && !_mm256_testz_si256(err, err))
			return 0;
	}
	for (; len - i >= 32; i += 32) {
		in = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
		if (nul)
			nuls = _mm256_or_si256(nuls, _mm256_cmpeq_epi8(in, zero));
		if (_mm256_movemask_epi8(in) == 0) {
			/* ASCII: only a sequence left open before it errs. */
			err = _mm256_or_si256(err, inc);
		} else {
			err = _mm256_or_si256(err, u8_errors(in, prev));
			inc = u8_incomplete(in);
		}
		prev = in;
		if ((i & 1023) == 0 && !_mm256_testz_si256(err, err))
			return 0;
	}
	if (i < len) {
		/* The padding is ASCII, but not NUL when NULs count. */
		memset(tail, ' ', sizeof(tail));
		memcpy(tail, p + i, len - i);
		in = _mm256_loadu_si256((const __m256i *)(const void *)tail);
		if (nul)
			nuls = _mm256_or_si256(nuls, _mm256_cmpeq_epi8(in, zero));
		err = _mm256_or_si256(err, u8_errors(in, prev));
		/* The padding is ASCII: a sequence the text leaves open
		 * errs in u8_errors(). */
		inc = _mm256_setzero_si256();
	}
	err = _mm256_or_si256(_mm256_or_si256(err, inc), nuls);
	return _mm256_testz_si256(err, err);
}

int
text_have_avx2(void)
{
	static int avx2 = -1;
	int a = __atomic_load_n(&avx2, __ATOMIC_RELAXED);

	if (a < 0) {
		/* QUARRY_NO_AVX2 (quarry(7)): the SSE2 steps, whatever the
		 * CPU, for the tests that compare the two. */
		const char *no = getenv("QUARRY_NO_AVX2");

		__builtin_cpu_init();
		a = __builtin_cpu_supports("avx2") &&
		    __builtin_cpu_supports("popcnt") && (no == NULL ||
		    *no == '\0') ? 1 : 0;
		__atomic_store_n(&avx2, a, __ATOMIC_RELAXED);
	}
	return a;
}
#else
int
text_have_avx2(void)
{
	return 0;
}
#endif

static int utf8_validate_scalar(const char *s, size_t len, size_t *bad);

int
quarry_utf8_validate(const char *s, size_t len, size_t *bad)
{
#ifdef TEXT_AVX2
	/* Valid text, the common case, at SIMD speed; invalid text goes on
	 * to the scalar check, which finds the offset. */
	if (len >= 64 && text_have_avx2() &&
	    utf8_valid_avx2((const unsigned char *)s, len, 0))
		return 0;
#endif
	return utf8_validate_scalar(s, len, bad);
}

int
text_clean(const char *s, size_t len)
{
	size_t bad;

#ifdef TEXT_AVX2
	/* One pass rather than two. */
	if (len >= 64 && text_have_avx2())
		return utf8_valid_avx2((const unsigned char *)s, len, 1);
#endif
	return memchr(s, '\0', len) == NULL &&
	    quarry_utf8_validate(s, len, &bad) == 0;
}

/* quarry_utf8_validate() a sequence at a time, with an ASCII fast path. */
static int
utf8_validate_scalar(const char *s, size_t len, size_t *bad)
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

#ifdef TEXT_AVX2
/* The bytes of p[0, 32 * k) that start a character (continue none), k <=
 * 255: 32 a step, each lane of the sum adding up to 255 of them. */
__attribute__((target("avx2"))) static size_t
utf8_starts_avx2(const unsigned char *p, size_t k)
{
	const __m256i lim = _mm256_set1_epi8(-65);
	__m256i acc = _mm256_setzero_si256(), sum;

	for (; k > 0; k--, p += 32)
		acc = _mm256_sub_epi8(acc, _mm256_cmpgt_epi8(
		    _mm256_loadu_si256((const __m256i *)(const void *)p), lim));
	sum = _mm256_sad_epu8(acc, _mm256_setzero_si256());
	return (size_t)_mm256_extract_epi64(sum, 0) +
	    (size_t)_mm256_extract_epi64(sum, 1) +
	    (size_t)_mm256_extract_epi64(sum, 2) +
	    (size_t)_mm256_extract_epi64(sum, 3);
}
#endif

size_t
quarry_utf8_count(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len;
	size_t n = 0;

#ifdef TEXT_AVX2
	/* A paragraph and more: 32 bytes a step where the CPU can. */
	if (len >= 128 && text_have_avx2()) {
		while (e - p >= 32) {
			size_t k = (size_t)(e - p) / 32;

			if (k > 255)
				k = 255;
			n += utf8_starts_avx2(p, k);
			p += 32 * k;
		}
	}
#endif

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

/* ASCII, or a CJK ideograph, hiragana or katakana letter: code points with
 * no grapheme rule but "break after a control, CR or LF" (UAX #29 GB4, GB5)
 * and "CR LF is one" (GB3). */
static int
simple_cp(int32_t c)
{
	return c < 0x80 || (c >= 0x4E00 && c <= 0x9FFF) ||
	    (c >= 0x3041 && c <= 0x3096) || (c >= 0x30A1 && c <= 0x30FA);
}

/* Whether there is a grapheme break at pos (a code point start, 0 < pos <
 * len) whatever comes before: between two simple code points but CR LF.
 * Words of ASCII or CJK longer than a chunk are cut without walking back
 * GRAPHEME_REACH bytes with utf8proc for every probe. */
static int
break_certain(const char *s, size_t len, size_t pos)
{
	size_t p = pos - 1;
	int32_t a, b;

	if ((unsigned char)s[pos] < 0x80 && (unsigned char)s[p] < 0x80)
		return s[p] != '\r' || s[pos] != '\n';
	while (p > 0 && pos - p < 4 && ((unsigned char)s[p] & 0xC0) == 0x80)
		p--;
	quarry_utf8_decode(s, len, p, &a);
	quarry_utf8_decode(s, len, pos, &b);
	return a >= 0 && b >= 0 && simple_cp(a) && simple_cp(b) &&
	    (a != '\r' || b != '\n');
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
	if (break_certain(s, len, pos))
		return pos;
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
	XXH128_hash_t h;
	XXH128_canonical_t c;

#ifdef HAVE_XXH3_128BITS_DISPATCH
	/* Beyond 240 bytes, where XXH3 works in vectors. */
	h = len > 240 ? XXH3_128bits_dispatch(s, len) : XXH3_128bits(s, len);
#else
	h = XXH3_128bits(s, len);
#endif
	XXH128_canonicalFromHash(&c, h);
#ifdef __SSE2__
	{
		/* The nibbles, high first, to '0'-'9' and 'a'-'f': 16 at a
		 * time. */
		const __m128i m = _mm_set1_epi8(0x0F), nine = _mm_set1_epi8(9);
		const __m128i zero = _mm_set1_epi8('0');
		const __m128i gap = _mm_set1_epi8('a' - '0' - 10);
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)c.digest);
		__m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), m);
		__m128i lo = _mm_and_si128(v, m);
		__m128i x = _mm_unpacklo_epi8(hi, lo), y = _mm_unpackhi_epi8(hi, lo);

		x = _mm_add_epi8(_mm_add_epi8(x, zero),
		    _mm_and_si128(_mm_cmpgt_epi8(x, nine), gap));
		y = _mm_add_epi8(_mm_add_epi8(y, zero),
		    _mm_and_si128(_mm_cmpgt_epi8(y, nine), gap));
		_mm_storeu_si128((__m128i *)(void *)hex, x);
		_mm_storeu_si128((__m128i *)(void *)(hex + 16), y);
	}
#else
	{
		static const char digits[] = "0123456789abcdef";
		int i;

		for (i = 0; i < 16; i++) {
			hex[2 * i] = digits[c.digest[i] >> 4];
			hex[2 * i + 1] = digits[c.digest[i] & 15];
		}
	}
#endif
	hex[32] = '\0';
}
