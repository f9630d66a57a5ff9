/*
 * fuzz_ignore.c: libFuzzer target for quarry-sync's pattern rules
 * (src/walk.c): the ignore-file parser (walk_rules_parse()), its matcher
 * (walk_rules_match()) and the glob matcher (walk_glob()).
 *
 * The input is split at the first NUL: before it an ignore file, after it
 * paths, one a line.  Every path is matched against the rules as a file
 * and as a directory.  Then each line of the ignore part is taken as a
 * glob and matched against each path, and compared with a reference: a
 * plain recursive matcher over components, fnmatch(3) for a component,
 * used when both sides stay within a subset where the two agree (ASCII
 * letters a-c, '*', '?', '/', and "**" as a whole component).
 *
 * Invariants: parsing fails only for memory; every match terminates (the
 * matcher has one backtracking point per level, so no input is slow); a
 * rule set matches a path only through one of its rules; walk_glob agrees
 * with the reference.
 */
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"
#include "walk_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
simple(const char *s)
{
	for (; *s; s++)
		if (!strchr("abc*?/", *s))
			return 0;
	return 1;
}

/* The reference: components, "**" by recursion, fnmatch for the rest. */
static int
ref(const char *p, const char *s)
{
	const char *pe = strchr(p, '/'), *se;
	char pc[256], sc[256];
	size_t pn = pe ? (size_t)(pe - p) : strlen(p), sn;

	if (*p == '\0')
		return *s == '\0';
	if (pn == 2 && p[0] == '*' && p[1] == '*') {
		if (pe == NULL)
			return *s != '\0';
		for (;;) {
			if (ref(pe + 1, s))
				return 1;
			if ((se = strchr(s, '/')) == NULL)
				return 0;
			s = se + 1;
		}
	}
	if (*s == '\0')
		return 0;
	se = strchr(s, '/');
	sn = se ? (size_t)(se - s) : strlen(s);
	if (pn >= sizeof(pc) || sn >= sizeof(sc))
		return -1;
	memcpy(pc, p, pn);
	pc[pn] = '\0';
	memcpy(sc, s, sn);
	sc[sn] = '\0';
	if (fnmatch(pc, sc, 0) != 0)
		return 0;
	if ((pe == NULL) != (se == NULL))
		return 0;
	return pe == NULL ? 1 : ref(pe + 1, se + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct walk_rules rs = { 0 };
	const char *d = (const char *)data, *nul;
	char *paths, *ign, *save = NULL, *line, *pat, *psave = NULL;
	size_t ilen;

	if (size > 4096)
		return 0;
	nul = memchr(d, '\0', size);
	ilen = nul ? (size_t)(nul - d) : size;
	if (walk_rules_parse(&rs, d, ilen) != 0)
		abort();
	paths = nul ? strndup(nul + 1, size - ilen - 1) : strdup("");
	ign = strndup(d, ilen);
	if (paths == NULL || ign == NULL)
		abort();
	for (line = strtok_r(paths, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		int f = walk_rules_match(&rs, line, 0);
		int dm = walk_rules_match(&rs, line, 1);
		char *copy;

		if (f < -1 || f > 1 || dm < -1 || dm > 1)
			abort();
		if ((f != 0 || dm != 0) && rs.n == 0)
			abort();
		if ((copy = strdup(ign)) == NULL)
			abort();
		psave = NULL;
		for (pat = strtok_r(copy, "\n", &psave); pat != NULL;
		    pat = strtok_r(NULL, "\n", &psave)) {
			int got = walk_glob(pat, line), want;

			if (!simple(pat) || !simple(line))
				continue;
			/* fnmatch and the walk differ on empty components. */
			if (strstr(pat, "//") || strstr(line, "//") ||
			    *line == '/' || *pat == '/' ||
			    line[strlen(line) - 1] == '/' ||
			    pat[strlen(pat) - 1] == '/')
				continue;
			want = ref(pat, line);
			if (want >= 0 && got != want) {
				fprintf(stderr, "glob \"%s\" on \"%s\": %d, "
				    "reference %d\n", pat, line, got, want);
				abort();
			}
		}
		free(copy);
	}
	free(paths);
	free(ign);
	walk_rules_free(&rs);
	return 0;
}
