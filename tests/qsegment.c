/*
 * qsegment.c: a check program for the sentence segmenter.
 *
 * Reads one text on stdin and prints its sentences, one a line, with every
 * run of white space inside a sentence collapsed to one space (the form the
 * sentence test suites compare).  With -0 it prints the spans exactly as
 * found, each followed by a NUL byte.  -l LANG selects the language (BCP 47).
 * Used by tests/sentences-corpus.test; not installed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarry.h"

static int
is_space_byte(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Prints s[0..n) with white-space runs (ASCII and the Unicode spaces the
 * segmenter trims) collapsed to one space. */
static void
print_collapsed(const char *s, size_t n)
{
	size_t i = 0;
	int space = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t w = 0;

		if (is_space_byte(c))
			w = 1;
		else if (c == 0xC2 && i + 1 < n &&
		    ((unsigned char)s[i + 1] == 0xA0 ||
		    (unsigned char)s[i + 1] == 0x85))
			w = 2;
		else if (c == 0xE3 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
		    (unsigned char)s[i + 2] == 0x80)
			w = 3;
		else if (c == 0xE2 && i + 2 < n &&
		    (((unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] <= 0x8A ||
		    (unsigned char)s[i + 2] == 0xA8 ||
		    (unsigned char)s[i + 2] == 0xA9 ||
		    (unsigned char)s[i + 2] == 0xAF)) ||
		    ((unsigned char)s[i + 1] == 0x81 &&
		    (unsigned char)s[i + 2] == 0x9F)))
			w = 3;
		if (w > 0) {
			space = 1;
			i += w;
			continue;
		}
		if (space)
			putchar(' ');
		space = 0;
		putchar(c);
		i++;
	}
	putchar('\n');
}

int
main(int argc, char **argv)
{
	const char *lang = NULL;
	const quarry_span *sp;
	quarry_segmenter *sg;
	char *buf = NULL;
	size_t len = 0, cap = 0, got, n, i;
	int c, nul = 0, rc;

	while ((c = getopt(argc, argv, "0l:")) != -1) {
		switch (c) {
		case '0':
			nul = 1;
			break;
		case 'l':
			lang = optarg;
			break;
		default:
			fprintf(stderr, "usage: qsegment [-0] [-l lang] < text\n");
			return 2;
		}
	}
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((buf = realloc(buf, cap)) == NULL) {
				perror("qsegment");
				return 1;
			}
		}
		got = fread(buf + len, 1, cap - len, stdin);
		len += got;
	} while (got > 0);
	if (quarry_utf8_validate(buf, len, &i) != 0) {
		fprintf(stderr, "qsegment: invalid UTF-8 at byte %zu\n", i);
		return 1;
	}
	if ((rc = quarry_segmenter_new(&sg, lang)) != 0 ||
	    (rc = quarry_segmenter_split(sg, buf, len, &sp, &n)) != 0) {
		fprintf(stderr, "qsegment: %s\n", quarry_strerror(rc));
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (nul) {
			fwrite(buf + sp[i].start, 1, sp[i].end - sp[i].start,
			    stdout);
			putchar('\0');
		} else {
			print_collapsed(buf + sp[i].start,
			    sp[i].end - sp[i].start);
		}
	}
	quarry_segmenter_free(sg);
	free(buf);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("qsegment");
		return 1;
	}
	return 0;
}
