/*
 * fuzz_utf8.c: libFuzzer target for the SIMD text paths, checked against
 * the plain reference versions of tests/utf8_ref.h (differential): UTF-8
 * validation (its verdict and the offset of the first bad sequence), the
 * check for NULs and UTF-8 in one pass (text_clean()), the code point count
 * and JSON string escaping.  The input is also checked at every offset of
 * its first 64 bytes, so that each byte meets the 16-, 32- and 64-byte
 * blocks at every alignment.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"
#include "text_private.h"
#include "../utf8_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const unsigned char *s, size_t len)
{
	struct quarry_buf b = { 0 };
	size_t bad = 0, ref = ref_utf8_bad(s, len), n;
	int rc = quarry_utf8_validate((const char *)s, len, &bad);
	char *want;

	if ((ref == len) != (rc == 0) || (rc != 0 && bad != ref))
		abort();
	if (quarry_utf8_count((const char *)s, len) != ref_utf8_count(s, len))
		abort();
	/* No NUL and valid UTF-8, in one pass. */
	if (text_clean((const char *)s, len) !=
	    (ref == len && memchr(s, '\0', len) == NULL))
		abort();
	if ((want = malloc(6 * len + 2)) == NULL)
		return;
	if (quarry_buf_json_string(&b, (const char *)s, len) != 0) {
		free(want);
		return;
	}
	n = ref_json_string(s, len, want);
	if (b.len != n || memcmp(b.data, want, n) != 0)
		abort();
	free(want);
	quarry_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off;

	if (size > 1 << 16)
		return 0;
	for (off = 0; off <= size && off < 64; off++)
		check(data + off, size - off);
	return 0;
}
