/*
 * fuzz_tokenizer.c: libFuzzer target for the pre-tokenisers, the BPE merges
 * and the estimator, with a small built-in rank table so that it runs
 * without the corpus.  Inputs that are not valid UTF-8 are skipped for the
 * round trip (the API asks for UTF-8) but still counted and estimated,
 * which must not fail either.
 *
 * Invariants: for every pattern, the pieces tile the input (the cuts of
 * cl100k's counting loops end them at the same places);
 * the scan and the heap merges agree on every piece; count equals their
 * total (with tiktoken's rule that a piece that is a token is one token)
 * and the number of encoded ids; decode(encode(x)) == x; counts join where
 * tok_split_point() says they do.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"
#include "tokenizer_private.h"
#include "../testutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Merges over ASCII and common UTF-8 lead and continuation bytes. */
static const char *const merges[] = {
	"th", "he", "the", " t", " the", "in", "an", "er", "  ", "    ",
	"\n\n", "aa", "aaaa", "ab", "ba", "abab", "00", "000", "12", "123",
	"\xc3\xa9", "\xe4\xb8", "\xe4\xb8\xad", "\xf0\x9f", "'s", "ll", "'ll",
	"..", "...", "//", "\r\n", "e\xcc\x81", NULL,
};

static quarry_tokenizer *tok[3];

static void
setup(void)
{
	static const char *const pats[3] = { "gpt2", "cl100k", "o200k" };
	struct quarry_buf file = { 0 };
	unsigned long r;
	int k;

	for (r = 0; r < 256 + sizeof(merges) / sizeof(merges[0]) - 1; r++) {
		unsigned char c = (unsigned char)r;

		if ((r < 256 ? tu_rank_line(&file, &c, 1, r) :
		    tu_rank_line(&file, merges[r - 256],
		    strlen(merges[r - 256]), r)) != 0)
			abort();
	}
	for (k = 0; k < 3; k++)
		if (quarry_tokenizer_load(&tok[k], file.data, file.len,
		    pats[k], NULL) != 0)
			abort();
	quarry_buf_free(&file);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	int valid = quarry_utf8_validate(s, size, NULL) == 0, k;

	if (tok[0] == NULL)
		setup();
	(void)quarry_token_estimate(s, size);
	for (k = 0; k < 3; k++) {
		quarry_tokenizer *t = tok[k];
		const uint32_t *ids;
		const char *back;
		size_t n, blen, i = 0, count, total = 0;
		uint32_t *a, *b;

		/* The pieces tile the input, and each merges the same way by
		 * scan and by heap. */
		a = malloc((size + 1) * sizeof(*a));
		b = malloc((size + 1) * sizeof(*b));
		if (a == NULL || b == NULL)
			abort();
		while (i < size) {
			size_t j = tok_pretoken_next((enum quarry_pattern)k,
			    s, size, i), na, nb;

			if (j <= i || j > size)
				abort();
			na = tok_bpe_scan(t, data + i, j - i, a);
			nb = tok_bpe_heap(t, data + i, j - i, b);
			if (na != nb || memcmp(a, b, na * sizeof(*a)) != 0)
				abort();
			if (tok_bpe_rank(t, data + i, j - i) != UINT32_MAX)
				na = 1;
			total += na;
			i = j;
		}
		free(a);
		free(b);
		/* The counting loops' cuts for cl100k (tok_cl100k_word(),
		 * else tok_cl100k_rest()) end a piece where the
		 * pre-tokeniser does, from any place. */
		if (k == 1)
			for (i = 0; i < size; i++) {
				size_t j = tok_cl100k_word(s, size, i);

				if (j == 0)
					j = tok_cl100k_rest(s, size, i);
				if (j != tok_pretoken_next(QUARRY_PAT_CL100K, s,
				    size, i))
					abort();
			}
		count = quarry_tokenizer_count(t, s, size);
		if (count != total)
			abort();
		/* Where tok_split_point() names a point q for a cut at i,
		 * counts join there (at some 256 cuts: each check counts the
		 * whole input). */
		for (i = 1; i < size; i += size / 256 + 1) {
			size_t q = tok_split_point((enum quarry_pattern)k, s,
			    size, i / 2, i);

			if (q == SIZE_MAX)
				continue;
			if (q > i || quarry_tokenizer_count(t, s, size) +
			    quarry_tokenizer_count(t, s + q, i - q) !=
			    quarry_tokenizer_count(t, s, i) +
			    quarry_tokenizer_count(t, s + q, size - q))
				abort();
		}
		if (!valid)
			continue;
		if (quarry_tokenizer_encode(t, s, size, &ids, &n) != 0)
			abort();
		if (n != count || n > size)
			abort();
		if (quarry_tokenizer_decode(t, ids, n, &back, &blen) != 0 ||
		    blen != size || memcmp(back, s, size) != 0)
			abort();
	}
	return 0;
}
