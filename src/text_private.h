/*
 * text_private.h: the character steps the line-level text rules share
 * (contents.c, pdf_layout.c): a UTF-8 decode with the ASCII case inline
 * and "is this a letter".  Not installed.
 */
#ifndef QUARRY_TEXT_PRIVATE_H
#define QUARRY_TEXT_PRIVATE_H

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>

#include <utf8proc.h>

/* x86-64 with a compiler that builds AVX2 functions (target attribute) for
 * a run-time choice (text_have_avx2()). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define TEXT_AVX2 1
#endif

#include "quarry.h"

/* Whether s[0, len) holds no NUL and is valid UTF-8: what a text must be
 * to become a record's (quarry(7)), checked in one pass. */
int	text_clean(const char *s, size_t len);

/* Whether the CPU has AVX2 (and POPCNT, which comes with it), and the
 * build may use them. */
int	text_have_avx2(void);

/* quarry_utf8_decode(), with the common case inline. */
static inline size_t
text_decode(const char *s, size_t len, size_t i, int32_t *cp)
{
	if ((unsigned char)s[i] < 0x80) {
		*cp = (unsigned char)s[i];
		return 1;
	}
	return quarry_utf8_decode(s, len, i, cp);
}

/* A letter or a combining mark (Unicode Lu through Mn; isalpha() in ASCII). */
static inline int
text_is_letter(int32_t c)
{
	utf8proc_category_t k;

	if (c < 0x80)
		return isalpha(c) != 0;
	k = utf8proc_category(c);
	return k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_MN;
}

#endif
