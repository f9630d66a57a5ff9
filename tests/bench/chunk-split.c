/*
 * chunk-split.c: times quarry's chunker alone, the way tests/bench/
 * chunk-peers.mjs times the JavaScript chunkers: the documents are read
 * and decoded first, untimed, and only the split of each text is timed (no
 * JSON parsing, no output).  quarry-chunk's own figure in chunk.sh is the
 * whole program; this one is the like-for-like comparison with the peers.
 *
 * usage: chunk-split DOCS.jsonl SIZE [TOKENIZER]
 * Prints "BYTES SECONDS CHUNKS": --unit chars, or tokens with TOKENIZER;
 * the best of three passes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"
#include "../testutil.h"

struct doc {
	char *text;
	size_t len;
};

int
main(int argc, char **argv)
{
	quarry_chunk_options o;
	quarry_chunker *c;
	quarry_tokenizer *tok = NULL;
	quarry_reader *r;
	struct doc *docs = NULL;
	size_t ndocs = 0, cap = 0, bytes = 0, chunks = 0, i, n;
	unsigned long errline;
	const quarry_chunk *ch;
	const char *text;
	double best = 0;
	json_t *rec;
	FILE *fp;
	int rc, pass;

	if (argc < 3 || (fp = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: chunk-split DOCS.jsonl SIZE [TOKENIZER]\n");
		return 2;
	}
	if (quarry_reader_new(&r, fp, argv[1]) != 0)
		return 1;
	while ((rc = quarry_reader_next_take(r, &rec, "text", &text, &n)) != 0) {
		if (rc < 0 || text == NULL) {
			fprintf(stderr, "chunk-split: %s:%lu: bad record\n",
			    argv[1], quarry_reader_line(r));
			return 1;
		}
		if (ndocs == cap) {
			cap = cap ? 2 * cap : 1024;
			if ((docs = realloc(docs, cap * sizeof(*docs))) == NULL)
				return 1;
		}
		if ((docs[ndocs].text = malloc(n + 1)) == NULL)
			return 1;
		memcpy(docs[ndocs].text, text, n + 1);
		docs[ndocs++].len = n;
		bytes += n;
		json_decref(rec);
	}
	quarry_reader_free(r);
	fclose(fp);

	quarry_chunk_options_init(&o);
	o.size = (size_t)strtoul(argv[2], NULL, 10);
	o.unit = QUARRY_UNIT_CHARS;
	if (argc > 3) {
		if (quarry_tokenizer_open(&tok, argv[3], &errline) != 0) {
			fprintf(stderr, "chunk-split: %s: cannot open\n", argv[3]);
			return 1;
		}
		o.unit = QUARRY_UNIT_TOKENS;
		o.tokenizer = tok;
	}
	if (quarry_chunker_new(&c, &o) != 0)
		return 1;
	for (pass = 0; pass < 3; pass++) {
		double t0 = tu_now(), t;

		chunks = 0;
		for (i = 0; i < ndocs; i++) {
			if (quarry_chunker_run(c, docs[i].text, docs[i].len, NULL,
			    &ch, &n) != 0)
				return 1;
			chunks += n;
		}
		t = tu_now() - t0;
		if (pass == 0 || t < best)
			best = t;
	}
	printf("%zu %.4f %zu\n", bytes, best, chunks);
	quarry_chunker_free(c);
	quarry_tokenizer_free(tok);
	for (i = 0; i < ndocs; i++)
		free(docs[i].text);
	free(docs);
	return 0;
}
