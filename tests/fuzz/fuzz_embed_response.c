/*
 * fuzz_embed_response.c: libFuzzer target for the readers of the embedding
 * backends: the /v1/embeddings response parser, and the vector-line and
 * answer-line parsers (a bare array or an {"id","embedding"} object) of the
 * command backend.  Beyond not crashing, every entry the response
 * parser accepts must lie inside the values it returned, and every float it
 * returns must be finite.
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
	float *v = NULL;
	size_t cap = 0, n, i, k;
	int has_id;
	/* An exact-size copy, so that reading past the end is caught. */
	char *buf = malloc(size ? size : 1);

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	if (embed_parse_response(buf, size, &r, err, sizeof(err)) == 0) {
		for (i = 0; i < r.n; i++) {
			if (r.off[i] + r.dims[i] > r.nvals)
				abort();
			for (k = 0; k < r.dims[i]; k++)
				if (!isfinite(r.vals[r.off[i] + k]))
					abort();
		}
	} else if (strlen(err) == 0)
		abort();	/* every error has a message */
	embed_response_free(&r);
	if (embed_parse_vector(buf, size, &v, &cap, &n, err,
	    sizeof(err)) == 0) {
		for (i = 0; i < n; i++)
			if (!isfinite(v[i]))
				abort();
	}
	if (embed_parse_answer(buf, size, &v, &cap, &n, &k, &has_id, err,
	    sizeof(err)) == 0) {
		if (!has_id && buf[0] == '{')
			abort();	/* an object answer always has an id */
		for (i = 0; i < n; i++)
			if (!isfinite(v[i]))
				abort();
	} else if (strlen(err) == 0)
		abort();
	free(v);
	free(buf);
	return 0;
}
