/*
 * replay.c: runs a libFuzzer target over its seed files without libFuzzer.
 *
 * Linked with a tests/fuzz/fuzz_NAME.c into tests/fuzz/replay_NAME, it feeds
 * every file in $srcdir/tests/fuzz/seeds/NAME/ to LLVMFuzzerTestOneInput()
 * and prints one TAP line per file, so that "make check" (and its sanitizer
 * build) keeps every fuzz target compiling and clean on its seeds.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	const char *srcdir = getenv("srcdir");
	const char *base = strrchr(argv[0], '/');
	char dir[4096], path[8192];
	char *names[4096];
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;

	(void)argc;
	base = base ? base + 1 : argv[0];
	if (strncmp(base, "lt-", 3) == 0)
		base += 3;
	if (strncmp(base, "replay_", 7) == 0)
		base += 7;
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/seeds/%s",
	    srcdir ? srcdir : ".", base);
	if ((d = opendir(dir)) == NULL) {
		printf("1..0 # SKIP no seeds in %s\n", dir);
		return 0;
	}
	while ((de = readdir(d)) != NULL && n < 4096)
		if (de->d_name[0] != '.')
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp);
	printf("1..%zu\n", n);
	for (i = 0; i < n; i++) {
		FILE *fp;
		uint8_t *buf = NULL;
		size_t len = 0, cap = 0, got;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if ((fp = fopen(path, "rb")) == NULL) {
			printf("not ok %zu - %s: cannot open\n", i + 1, names[i]);
			continue;
		}
		do {
			if (len == cap) {
				cap = cap ? cap * 2 : 65536;
				buf = realloc(buf, cap);
			}
			got = fread(buf + len, 1, cap - len, fp);
			len += got;
		} while (got > 0);
		fclose(fp);
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		printf("ok %zu - %s\n", i + 1, names[i]);
		free(names[i]);
	}
	return 0;
}
