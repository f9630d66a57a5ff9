/*
 * fuzz_man.c: libFuzzer target for the manual-page converter of
 * src/extract_man.c: mandoc's rendered output made Markdown
 * (extract_man_markdown(): overstrikes dropped, header and footer lines
 * dropped, headings marked) and the locale of a path (extract_man_lang()).
 * The first line of the input is taken as a path, the rest as mandoc's
 * output (which passes through the bytes of the page, so anything).
 *
 * Invariants: conversion fails only for memory; no backspace survives;
 * the Markdown ends with one newline and never has three in a row; it is
 * at most three times the input plus a little (headings add "## " and a blank
 * line); the title has no space or newline; a language is 2 or 3 lower-case
 * letters, optionally "-" and 2 upper-case ones.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"
#include "extract_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data, *nl;
	struct quarry_buf md = { 0 };
	char *path, *text, *title = NULL, *lang;
	size_t plen, tlen, i;

	if (size > 65536)
		return 0;
	nl = memchr(d, '\n', size);
	plen = nl ? (size_t)(nl - d) : size;
	if ((path = strndup(d, plen)) == NULL)
		return 0;
	tlen = nl ? size - plen - 1 : 0;
	if ((text = malloc(tlen + 1)) == NULL)
		abort();
	if (tlen > 0)
		memcpy(text, nl + 1, tlen);
	if (extract_man_markdown(text, tlen, &md, &title) != 0)
		abort();
	if (md.len == 0 || md.data[md.len - 1] != '\n' ||
	    memchr(md.data, '\b', md.len) != NULL ||
	    md.len > 3 * tlen + 16)
		abort();
	for (i = 0; i + 2 < md.len; i++)
		if (md.data[i] == '\n' && md.data[i + 1] == '\n' &&
		    md.data[i + 2] == '\n')
			abort();
	if (title != NULL && (*title == '\0' || strpbrk(title, " \n") != NULL))
		abort();
	if ((lang = extract_man_lang(path)) != NULL) {
		size_t n = strlen(lang), k = 0;

		while (k < n && lang[k] >= 'a' && lang[k] <= 'z')
			k++;
		if (k < 2 || k > 3 || (k != n && !(n == k + 3 &&
		    lang[k] == '-' && lang[k + 1] >= 'A' && lang[k + 1] <= 'Z' &&
		    lang[k + 2] >= 'A' && lang[k + 2] <= 'Z')))
			abort();
		free(lang);
	}
	free(title);
	free(text);
	free(path);
	quarry_buf_free(&md);
	return 0;
}
