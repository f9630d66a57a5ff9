/*
 * fuzz_pdf.c: libFuzzer target for quarry's PDF path: bytes that start with
 * '<' go to the XMP reader, anything else through quarry_pdf_extract()
 * (poppler, the line builder and the layout engine), at most four pages,
 * once without and once with a password.  A record must carry a text field
 * that is valid UTF-8; a failure must come with a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"
#include "pdf_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
extract(const uint8_t *data, size_t size, const char *password)
{
	quarry_pdf_options o;
	quarry_pdf *p;
	json_t *rec;
	size_t len;
	const char *text;

	quarry_pdf_options_init(&o);
	o.max_pages = 4;
	o.password = password;
	if (quarry_pdf_new(&p, &o) != 0)
		return;
	if (quarry_pdf_extract(p, data, size, "fuzz.pdf", &rec) == 0) {
		text = quarry_record_string(rec, "text", &len);
		if (text == NULL || quarry_utf8_validate(text, len, NULL) != 0)
			abort();
		json_decref(rec);
	} else if (*quarry_pdf_error(p) == '\0')
		abort();
	quarry_pdf_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0 && data[0] == '<') {
		struct pdf_xmp x;

		if (pdf_xmp_parse((const char *)data, size, &x) == 0)
			pdf_xmp_clear(&x);
		return 0;
	}
	extract(data, size, NULL);
	if (size > 0 && data[size - 1] == '\n')
		extract(data, size, "open sesame");
	return 0;
}
