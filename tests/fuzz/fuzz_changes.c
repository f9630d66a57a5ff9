/*
 * fuzz_changes.c: libFuzzer target for store_change_decode(), the parser of
 * the store's change-log values (src/changes.c, man/quarry-store.5).
 *
 * Invariants: it returns 0 or -1; on 0 the kind is 'u' or 'd', the doc id
 * has 1 to STORE_MAX_DOC bytes and the chunk id at least one, both lie
 * within the value, neither holds a NUL byte, and together with the 3-byte
 * header they make up the whole value (doc first, id right after it).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *doc, *id;
	size_t dl, il;
	int kind, rc;
	unsigned char *copy;

	/* An exact-size copy, so that ASan sees any read past the value. */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	rc = store_change_decode(copy, size, &kind, &doc, &dl, &id, &il);
	if (rc != 0 && rc != -1)
		abort();
	if (rc == 0) {
		if (kind != STORE_CHANGE_UPSERT && kind != STORE_CHANGE_DELETE)
			abort();
		if (dl == 0 || dl > STORE_MAX_DOC_ID || il == 0)
			abort();
		if ((const unsigned char *)doc != copy + 3 || id != doc + dl ||
		    3 + dl + il != size)
			abort();
		if (memchr(doc, '\0', dl) != NULL || memchr(id, '\0', il) != NULL)
			abort();
		if (copy[0] != kind || ((size_t)copy[1] << 8 | copy[2]) != dl)
			abort();
	}
	free(copy);
	return 0;
}
