/*
 * fuzz_rerank_response.c: libFuzzer target for the /v1/rerank response
 * parser (rerank_parse_response(), src/rerank.c).  Beyond not crashing:
 * every entry it accepts has one finite value inside the values it
 * returned, a failure leaves no entry and always has a message, and the
 * parser can be called again on the same response structure.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct embed_response r = { 0 };
	char err[256];
	size_t i;
	int rc, pass;
	/* An exact-size copy, so that reading past the end is caught. */
	char *buf = malloc(size ? size : 1);

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	for (pass = 0; pass < 2; pass++) {
		rc = rerank_parse_response(buf, size, &r, err, sizeof(err));
		if (rc == 0) {
			if (r.n != r.nvals)
				abort();
			for (i = 0; i < r.n; i++)
				if (r.dims[i] != 1 || r.off[i] >= r.nvals ||
				    !isfinite(r.vals[r.off[i]]))
					abort();
		} else if (r.n != 0 || strlen(err) == 0)
			abort();
	}
	embed_response_free(&r);
	free(buf);
	return 0;
}
