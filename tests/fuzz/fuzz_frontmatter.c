/*
 * fuzz_frontmatter.c: libFuzzer target for quarry_frontmatter_read().
 *
 * Invariants: it returns 0, QUARRY_EFORMAT or QUARRY_ENOMEM; on
 * QUARRY_EFORMAT the record is untouched and *end is 0; on 0, *end is 0 or
 * the end of a line "---" or "..." after an opening "---" line, within the
 * text, and the record holds only fields that serialise as JSON, none of
 * them reserved, with "date" and "modified" in normal form and "author" a
 * non-empty string; a field the record had is never replaced.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
count(void *arg, unsigned long line, const char *msg)
{
	(void)line;
	if (msg == NULL || *msg == '\0')
		abort();
	(*(unsigned *)arg)++;
}

static void
check_date(json_t *v)
{
	const char *s;
	size_t n;

	if (v == NULL)
		return;
	if (!json_is_string(v))
		abort();
	s = json_string_value(v);
	n = strlen(s);
	if (n != 10 && n != 20)
		abort();
	if (s[4] != '-' || s[7] != '-' || (n == 20 && (s[10] != 'T' ||
	    s[19] != 'Z')))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	json_t *rec = json_object();
	size_t end = 99;
	unsigned long line = 99;
	unsigned warnings = 0;
	const char *key;
	json_t *v;
	int rc;
	char *dump;

	if (rec == NULL)
		return 0;
	/* A field the record has already: never replaced. */
	json_object_set_new(rec, "title", json_string("kept"));
	rc = quarry_frontmatter_read(text, size, rec, &end, count, &warnings,
	    &line, size % 2 ? "de" : NULL);
	if (rc != 0 && rc != QUARRY_EFORMAT && rc != QUARRY_ENOMEM)
		abort();
	if (strcmp(json_string_value(json_object_get(rec, "title")), "kept"))
		abort();
	if (rc == QUARRY_EFORMAT) {
		if (end != 0 || json_object_size(rec) != 1 || warnings == 0 ||
		    line == 0)
			abort();
	} else if (rc == 0) {
		if (end > size)
			abort();
		if (end > 0) {
			if (size < 7 || memcmp(text, "---", 3) != 0)
				abort();
			if (text[end - 1] != '\n' && end != size)
				abort();
		} else if (json_object_size(rec) != 1)
			abort();
		check_date(json_object_get(rec, "date"));
		check_date(json_object_get(rec, "modified"));
		v = json_object_get(rec, "author");
		if (v != NULL && (!json_is_string(v) ||
		    json_string_length(v) == 0))
			abort();
		json_object_foreach(rec, key, v) {
			if (strcmp(key, "doc") == 0 || strcmp(key, "text") == 0 ||
			    strcmp(key, "id") == 0 || strcmp(key, "offset") == 0)
				abort();
		}
		dump = json_dumps(rec, JSON_COMPACT);
		if (dump == NULL)
			abort();
		free(dump);
	}
	json_decref(rec);
	return 0;
}
