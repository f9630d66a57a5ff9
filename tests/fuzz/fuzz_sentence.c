/*
 * fuzz_sentence.c: libFuzzer target for the sentence segmenter.
 *
 * The first byte picks a language; the rest is the text.  The spans must be
 * in order, within bounds, non-empty, trimmed of white space, separated by
 * white space only, and (for valid UTF-8) on code-point boundaries.  Invalid
 * UTF-8 is outside the contract but must not crash or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int
continuation(const char *s, size_t len, size_t i)
{
	return i < len && ((unsigned char)s[i] & 0xC0) == 0x80;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const langs[] = {
		NULL, "en", "de-AT", "fr", "es", "it", "pt-BR", "nl", "ru",
		"da", "hy", "el", "ja", "zh", "ar", "th",
	};
	quarry_segmenter *sg;
	const quarry_span *sp;
	const char *text;
	size_t len, n, i, k, prev = 0;
	int valid;

	if (size == 0)
		return 0;
	text = (const char *)data + 1;
	len = size - 1;
	if (quarry_segmenter_new(&sg, langs[data[0] % 16]) != 0)
		abort();
	if (quarry_segmenter_split(sg, text, len, &sp, &n) != 0)
		abort();
	valid = quarry_utf8_validate(text, len, NULL) == 0;
	for (i = 0; i < n; i++) {
		if (sp[i].start < prev || sp[i].start >= sp[i].end ||
		    sp[i].end > len)
			abort();
		if (is_space((unsigned char)text[sp[i].start]) ||
		    is_space((unsigned char)text[sp[i].end - 1]))
			abort();
		/* Only white space between spans (ASCII white space, or the
		 * bytes of the Unicode spaces the segmenter trims). */
		for (k = prev; k < sp[i].start; k++)
			if ((unsigned char)text[k] < 0x80 &&
			    !is_space((unsigned char)text[k]))
				abort();
		if (valid && (continuation(text, len, sp[i].start) ||
		    continuation(text, len, sp[i].end)))
			abort();
		prev = sp[i].end;
	}
	for (k = prev; k < len; k++)
		if ((unsigned char)text[k] < 0x80 &&
		    !is_space((unsigned char)text[k]))
			abort();
	quarry_segmenter_free(sg);
	return 0;
}
