/*
 * fuzz_office_xml.c: libFuzzer target for the XML paths of the office
 * module without the zip container (which would hide the XML behind
 * deflate).  The first byte picks the format; the rest is split at "\1"
 * bytes into the format's parts, in the order listed below, and handed to
 * office_extract_parts().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "office_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const docx[] = {
	"word/document.xml", "word/styles.xml", "word/numbering.xml",
	"word/footnotes.xml", "docProps/core.xml", "_rels/.rels",
	"word/_rels/document.xml.rels", "word/endnotes.xml",
};
static const char *const odt[] = {
	"content.xml", "styles.xml", "meta.xml",
};
static const char *const epub[] = {
	"OEBPS/content.opf", "OEBPS/c1.xhtml", "OEBPS/c2.xhtml",
	"META-INF/container.xml",
};

#define CT "<Types><Override ContentType=\"application/vnd.openxmlformats-" \
    "officedocument.wordprocessingml.document.main+xml\"/></Types>"
#define CONTAINER "<container><rootfiles><rootfile full-path=\"OEBPS/" \
    "content.opf\" media-type=\"application/oebps-package+xml\"/>" \
    "</rootfiles></container>"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct office_part parts[12];
	const char *const *names;
	size_t n = 0, nnames, i, k, start;
	quarry_office *h;
	json_t *rec;
	char *s;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		names = docx;
		nnames = sizeof(docx) / sizeof(docx[0]);
		parts[n++] = (struct office_part){ "[Content_Types].xml", CT,
		    sizeof(CT) - 1 };
		break;
	case 1:
		names = odt;
		nnames = sizeof(odt) / sizeof(odt[0]);
		parts[n++] = (struct office_part){ "mimetype",
		    "application/vnd.oasis.opendocument.text", 39 };
		break;
	default:
		names = epub;
		nnames = sizeof(epub) / sizeof(epub[0]);
		parts[n++] = (struct office_part){ "mimetype",
		    "application/epub+zip", 20 };
		/* The fuzzer's own container.xml, if any, comes first. */
		parts[n++] = (struct office_part){ "META-INF/container.xml",
		    CONTAINER, sizeof(CONTAINER) - 1 };
		break;
	}
	/* Segment k is part names[k]; an EPUB's fourth replaces the
	 * default container.xml. */
	for (i = start = 1, k = 0; i <= size && k < nnames; i++) {
		struct office_part seg;

		if (i < size && data[i] != 1)
			continue;
		seg.name = names[k];
		seg.data = (const char *)data + start;
		seg.len = i - start;
		if (names == epub && k == 3)
			parts[1] = seg;
		else
			parts[n++] = seg;
		k++;
		start = i + 1;
	}
	if (quarry_office_new(&h, NULL) != 0)
		abort();
	if (office_extract_parts(h, parts, n, "fuzz", &rec) == 0) {
		const char *t = quarry_record_string(rec, "text", NULL);

		if (t == NULL || quarry_utf8_validate(t, strlen(t), NULL))
			abort();
		if ((s = json_dumps(rec, JSON_COMPACT)) == NULL)
			abort();
		free(s);
		json_decref(rec);
	} else if (*quarry_office_error(h) == '\0')
		abort();
	quarry_office_free(h);
	return 0;
}
