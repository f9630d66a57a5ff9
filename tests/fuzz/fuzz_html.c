/*
 * fuzz_html.c: libFuzzer target for the HTML path (decoding, libxml2 parse,
 * metadata, extraction, Markdown).  The first byte picks the options; the
 * text must always be valid UTF-8 and the record must serialise.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	quarry_html_options o;
	quarry_html *h;
	const char *text;
	json_t *rec;
	size_t len;
	char *s;

	if (size < 1)
		return 0;
	quarry_html_options_init(&o);
	o.all = data[0] & 1;
	o.links = data[0] & 2 ? QUARRY_HTML_LINKS_MARKDOWN : QUARRY_HTML_LINKS_NONE;
	o.url = data[0] & 4 ? "https://example.org/2020/01/02/a/b.html" : NULL;
	o.encoding = data[0] & 8 ? "windows-1252" : NULL;
	if (quarry_html_new(&h, &o) != 0)
		abort();
	if (quarry_html_parse(h, data + 1, size - 1) == 0) {
		text = quarry_html_text(h, &len);
		if (strlen(text) != len || quarry_utf8_validate(text, len, NULL))
			abort();
		if (quarry_html_record(h, "fuzz", &rec) != 0)
			abort();
		s = json_dumps(rec, JSON_COMPACT);
		if (s == NULL)
			abort();
		free(s);
		json_decref(rec);
	}
	quarry_html_free(h);
	return 0;
}
