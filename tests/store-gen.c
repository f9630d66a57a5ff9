/*
 * store-gen: writes synthetic embedded chunk records for the store's tests
 * and benchmark, as quarry-embed would, without an embedder.
 *
 * usage: store-gen [-n DOCS] [-c MAXCHUNKS] [-d DIMS] [-V VERSION]
 *            [-e EVERY] [-s START] [-m MODEL] [-D DIR] [-w]
 *
 * Document i (from START) is "DIR/dNNNNNN.txt" with 1 + (i * 7) % MAXCHUNKS
 * chunks.  It is at version VERSION when i % EVERY == 0 (EVERY 1: all of
 * them), else at version 1.  A new version changes every third chunk (0, 3,
 * 6, ...) and nothing else.  Vectors are pseudo-random unit vectors derived
 * from the chunk text, so equal texts get equal vectors.  With -w, each
 * document's text is also written to its source file, so that fingerprints
 * exist.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "quarry.h"

int
main(int argc, char **argv)
{
	unsigned long ndocs = 10, maxc = 8, dims = 384, version = 1;
	unsigned long every = 1, start = 0, i, k, j;
	const char *model = NULL, *dir = "docs";
	char modelbuf[64], path[4096], text[512], hex[33];
	int c, write_files = 0;
	float *vec;
	struct quarry_buf b = { 0 };

	while ((c = getopt(argc, argv, "n:c:d:V:e:s:m:D:w")) != -1) {
		switch (c) {
		case 'n': ndocs = strtoul(optarg, NULL, 10); break;
		case 'c': maxc = strtoul(optarg, NULL, 10); break;
		case 'd': dims = strtoul(optarg, NULL, 10); break;
		case 'V': version = strtoul(optarg, NULL, 10); break;
		case 'e': every = strtoul(optarg, NULL, 10); break;
		case 's': start = strtoul(optarg, NULL, 10); break;
		case 'm': model = optarg; break;
		case 'D': dir = optarg; break;
		case 'w': write_files = 1; break;
		default:
			fprintf(stderr, "usage: store-gen [-n DOCS] [-c MAXCHUNKS] [-d DIMS] [-V VERSION] [-e EVERY] [-s START] [-m MODEL] [-D DIR] [-w]\n");
			return 2;
		}
	}
	if (maxc == 0 || dims == 0 || every == 0)
		return 2;
	if (model == NULL) {
		snprintf(modelbuf, sizeof(modelbuf), "hash-v1/%lu", dims);
		model = modelbuf;
	}
	if ((vec = malloc(dims * sizeof(float))) == NULL)
		return 1;
	for (i = start; i < start + ndocs; i++) {
		unsigned long v = i % every == 0 ? version : 1;
		unsigned long n = 1 + (i * 7) % maxc;
		size_t offset = 0, clen = 0;
		FILE *src = NULL;
		char *content = NULL;

		snprintf(path, sizeof(path), "%s/d%06lu.txt", dir, i);
		if (write_files && (src = open_memstream(&content,
		    &clen)) == NULL)
			return 1;
		for (k = 0; k < n; k++) {
			double norm = 0;
			uint64_t h;
			size_t len;

			len = (size_t)snprintf(text, sizeof(text),
			    "Document %lu part %lu%s%.0lu talks about topic %lu "
			    "and the weather in city %lu.", i, k,
			    k % 3 == 0 ? " revision " : "", k % 3 == 0 ? v : 0,
			    (i * 31 + k) % 97, (i + k * 13) % 53);
			quarry_hash_hex(text, len, hex);
			h = XXH3_64bits(text, len);
			for (j = 0; j < dims; j++) {
				h = h * 6364136223846793005ULL + 1442695040888963407ULL;
				vec[j] = (float)((double)(h >> 40) / (double)(1 << 24) - 0.5);
				norm += (double)vec[j] * vec[j];
			}
			norm = sqrt(norm);
			b.len = 0;
			quarry_buf_append(&b, "{\"doc\":", 7);
			quarry_buf_json_string(&b, path, strlen(path));
			quarry_buf_append(&b, ",\"source\":", 10);
			quarry_buf_json_string(&b, path, strlen(path));
			printf("%.*s,\"title\":\"Document %lu\",\"author\":\"Author %lu\","
			    "\"date\":\"2024-%02lu-%02luT00:00:00Z\",\"id\":\"%s#%lu\","
			    "\"chunk\":%lu,\"text\":\"%s\",\"offset\":%zu,\"length\":%zu,"
			    "\"page\":1,\"page_end\":1,\"headings\":[],\"tokens\":%zu,"
			    "\"hash\":\"%s\",\"embedding\":[",
			    (int)b.len, b.data, i, i % 13, 1 + i % 12, 1 + i % 28,
			    path, k, k, text, offset, len, len / 4, hex);
			for (j = 0; j < dims; j++)
				printf(j ? ",%.9g" : "%.9g",
				    (double)(float)(vec[j] / norm));
			printf("],\"model\":\"%s\"}\n", model);
			if (src != NULL)
				fprintf(src, "%s\n\n", text);
			offset += len + 2;
		}
		if (src != NULL) {
			FILE *fp;
			char *old;
			size_t got = 0;

			fclose(src);
			fp = fopen(path, "r");
			old = malloc(clen + 2);
			/* Rewrite only what changed, so mtimes say so. */
			if (fp != NULL && old != NULL)
				got = fread(old, 1, clen + 1, fp);
			if (fp != NULL)
				fclose(fp);
			if (fp == NULL || got != clen ||
			    memcmp(old, content, clen) != 0) {
				if ((fp = fopen(path, "w")) == NULL) {
					perror(path);
					return 1;
				}
				fwrite(content, 1, clen, fp);
				fclose(fp);
			}
			free(old);
			free(content);
			content = NULL;
		}
	}
	free(vec);
	quarry_buf_free(&b);
	return ferror(stdout) || fclose(stdout) != 0;
}
