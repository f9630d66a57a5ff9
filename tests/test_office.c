/*
 * test_office.c: cmocka tests of the office module (src/office*.c):
 * sniffing, reference resolution, the DOCX and ODT readers on parts handed
 * in directly, and archives built here with libzip (encrypted entries,
 * absolute names, limits).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <zip.h>

#include "office_private.h"

#define W "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\""
#define CT "<Types><Override PartName=\"/word/document.xml\" ContentType=\"" \
    "application/vnd.openxmlformats-officedocument.wordprocessingml." \
    "document.main+xml\"/></Types>"

static void
test_sniff(void **state)
{
	static const char epub[] = "PK\3\4\24\0\0\0\0\0\0\0\0\0\0\0\0\0"
	    "\24\0\0\0\24\0\0\0\10\0\0\0mimetypeapplication/epub+zip";
	static const char odt[] = "PK\3\4\24\0\0\0\0\0\0\0\0\0\0\0\0\0"
	    "\47\0\0\0\47\0\0\0\10\0\0\0mimetype"
	    "application/vnd.oasis.opendocument.text";
	static const char ods[] = "PK\3\4\24\0\0\0\0\0\0\0\0\0\0\0\0\0"
	    "\56\0\0\0\56\0\0\0\10\0\0\0mimetype"
	    "application/vnd.oasis.opendocument.spreadsheet";
	static const char docx[] = "PK\3\4\24\0\0\0\10\0\0\0\0\0\0\0\0\0"
	    "\0\0\0\0\0\0\0\0\23\0\0\0[Content_Types].xml";

	(void)state;
	assert_int_equal(quarry_office_sniff(epub, sizeof(epub) - 1),
	    QUARRY_OFFICE_EPUB);
	assert_int_equal(quarry_office_sniff(odt, sizeof(odt) - 1),
	    QUARRY_OFFICE_ODT);
	assert_int_equal(quarry_office_sniff(ods, sizeof(ods) - 1),
	    QUARRY_OFFICE_NONE);
	assert_int_equal(quarry_office_sniff(docx, sizeof(docx) - 1),
	    QUARRY_OFFICE_DOCX);
	/* Cut short: the head does not say. */
	assert_int_equal(quarry_office_sniff(epub, 40), QUARRY_OFFICE_NONE);
	assert_int_equal(quarry_office_sniff("%PDF-1.7", 8),
	    QUARRY_OFFICE_NONE);
	assert_string_equal(quarry_office_mime(QUARRY_OFFICE_EPUB),
	    "application/epub+zip");
	assert_null(quarry_office_mime(QUARRY_OFFICE_NONE));
}

static void
test_resolve(void **state)
{
	quarry_office *h;
	char out[64];

	(void)state;
	assert_int_equal(quarry_office_new(&h, NULL), 0);
	assert_int_equal(office_resolve(h, "OEBPS/content.opf",
	    "text/ch%201.xhtml#top", out, sizeof(out)), 0);
	assert_string_equal(out, "OEBPS/text/ch 1.xhtml");
	assert_int_equal(office_resolve(h, "OEBPS/content.opf",
	    "./a/../b.xhtml", out, sizeof(out)), 0);
	assert_string_equal(out, "OEBPS/b.xhtml");
	assert_int_equal(office_resolve(h, "OEBPS/content.opf", "../top.xml",
	    out, sizeof(out)), 0);
	assert_string_equal(out, "top.xml");
	assert_int_equal(office_resolve(h, "word/document.xml", "/x/y.xml",
	    out, sizeof(out)), 0);
	assert_string_equal(out, "x/y.xml");
	assert_int_equal(office_resolve(h, "OEBPS/content.opf", "../../up",
	    out, sizeof(out)), QUARRY_EFORMAT);
	assert_string_equal(quarry_office_error(h), "OEBPS/content.opf: "
	    "reference '../../up' leaves the archive");
	assert_int_equal(office_resolve(h, "a.opf", "x%00y", out,
	    sizeof(out)), QUARRY_EFORMAT);
	assert_int_equal(office_resolve(h, "a.opf", "a/b/c/d/e/f/g/h/i/j/k/"
	    "l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/0/1/2/3/4/5/6/7/8/9", out,
	    sizeof(out)), QUARRY_EFORMAT);
	quarry_office_free(h);
}

/* Extracts parts and returns the record's text (the record in *rec). */
static const char *
parts_text(quarry_office *h, const struct office_part *p, size_t n,
    json_t **rec)
{
	assert_int_equal(office_extract_parts(h, p, n, "t", rec), 0);
	return quarry_record_string(*rec, "text", NULL);
}

static void
test_docx_parts(void **state)
{
	static const char doc[] = "<w:document " W "><w:body>"
	    "<w:p><w:pPr><w:outlineLvl w:val=\"1\"/></w:pPr>"
	    "<w:r><w:t>Two</w:t></w:r><w:r><w:br/><w:t>lines</w:t></w:r></w:p>"
	    "<w:tbl><w:tr>"
	    "<w:tc><w:p><w:r><w:t>A</w:t></w:r></w:p></w:tc>"
	    "<w:tc><w:p><w:r><w:t>B</w:t></w:r></w:p>"
	    "<w:p><w:r><w:t>b2</w:t></w:r></w:p></w:tc></w:tr>"
	    "<w:tr><w:tc><w:tcPr><w:vMerge w:val=\"restart\"/></w:tcPr>"
	    "<w:p><w:r><w:t>m</w:t></w:r></w:p></w:tc>"
	    "<w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc></w:tr>"
	    "<w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p><w:r><w:t>hidden"
	    "</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>2</w:t></w:r>"
	    "</w:p></w:tc></w:tr></w:tbl>"
	    "<w:p><w:pPr><w:sectPr><w:type w:val=\"continuous\"/></w:sectPr>"
	    "</w:pPr><w:r><w:t>Same page.</w:t></w:r>"
	    "<w:r><w:endnoteReference w:id=\"3\"/></w:r></w:p>"
	    "<w:p><w:pPr><w:sectPr/></w:pPr><w:r><w:t>End of section."
	    "</w:t></w:r></w:p>"
	    "<w:p><w:r><w:t>Next</w:t></w:r><w:moveFrom><w:r><w:t>gone"
	    "</w:t></w:r></w:moveFrom></w:p>"
	    "<w:p/><w:p><w:r><w:t xml:space=\"preserve\">   </w:t></w:r></w:p>"
	    "</w:body></w:document>";
	static const char end[] = "<w:endnotes " W "><w:endnote w:id=\"3\">"
	    "<w:p><w:r><w:t>The end note.</w:t></w:r></w:p></w:endnote>"
	    "</w:endnotes>";
	static const char rels[] = "<Relationships><Relationship Type=\"http"
	    "://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	    "endnotes\" Target=\"endnotes.xml\"/></Relationships>";
	const struct office_part p[] = {
		{ "[Content_Types].xml", CT, sizeof(CT) - 1 },
		{ "word/document.xml", doc, sizeof(doc) - 1 },
		{ "word/_rels/document.xml.rels", rels, sizeof(rels) - 1 },
		{ "word/endnotes.xml", end, sizeof(end) - 1 },
	};
	quarry_office *h;
	json_t *rec;

	(void)state;
	assert_int_equal(quarry_office_new(&h, NULL), 0);
	assert_string_equal(parts_text(h, p, 4, &rec),
	    "## Two lines\n\n"
	    "| A | B b2 |\n| --- | --- |\n| m | 1 |\n|  | 2 |\n\n"
	    "Same page.[^1]\n\nEnd of section.\n\fNext\n\n"
	    "[^1]: The end note.");
	assert_int_equal(quarry_office_format(h), QUARRY_OFFICE_DOCX);
	assert_null(json_object_get(rec, "title"));
	json_decref(rec);
	/* Without the main part. */
	assert_int_equal(office_extract_parts(h, p, 1, "t", &rec),
	    QUARRY_EFORMAT);
	assert_string_equal(quarry_office_error(h),
	    "no main document part (word/document.xml)");
	assert_null(rec);
	quarry_office_free(h);
}

static void
test_odt_parts(void **state)
{
	static const char mt[] = "application/vnd.oasis.opendocument.text";
	static const char content[] = "<office:document-content "
	    "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
	    "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" "
	    "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\">"
	    "<office:body><office:text>"
	    "<text:h text:outline-level=\"9\">Deep</text:h>"
	    "<table:table><table:table-row>"
	    "<table:table-cell table:number-columns-spanned=\"2\"><text:p>"
	    "wide</text:p></table:table-cell><table:covered-table-cell/>"
	    "</table:table-row><table:table-row><table:table-cell><text:p>x"
	    "</text:p></table:table-cell><table:table-cell><text:p>y</text:p>"
	    "</table:table-cell></table:table-row></table:table>"
	    "<text:list><text:list-header><text:p>Header</text:p>"
	    "</text:list-header><text:list-item><text:p>one</text:p>"
	    "<text:p>more</text:p></text:list-item></text:list>"
	    "<text:p>a<text:tab/>b<text:s text:c=\"4\"/>c</text:p>"
	    "</office:text></office:body></office:document-content>";
	const struct office_part p[] = {
		{ "mimetype", mt, sizeof(mt) - 1 },
		{ "content.xml", content, sizeof(content) - 1 },
	};
	quarry_office *h;
	json_t *rec;

	(void)state;
	assert_int_equal(quarry_office_new(&h, NULL), 0);
	assert_string_equal(parts_text(h, p, 2, &rec),
	    "###### Deep\n\n| wide |  |\n| --- | --- |\n| x | y |\n\n"
	    "  Header\n- one\n  more\n\na b c");
	assert_string_equal(quarry_record_string(rec, "mime", NULL), mt);
	json_decref(rec);
	/* No content.xml. */
	assert_int_equal(office_extract_parts(h, p, 1, "t", &rec),
	    QUARRY_EFORMAT);
	assert_string_equal(quarry_office_error(h), "no content.xml");
	quarry_office_free(h);
}

/* Builds a zip in memory from name/data pairs (NULL-terminated). */
static void *
make_zip(size_t *len, const char *const *entries, int encrypt)
{
	char path[] = "/tmp/test_office.XXXXXX";
	int fd = mkstemp(path), err;
	zip_t *za;
	FILE *fp;
	void *data;
	long n;

	assert_true(fd >= 0);
	close(fd);
	za = zip_open(path, ZIP_TRUNCATE, &err);
	assert_non_null(za);
	for (; *entries != NULL; entries += 2) {
		zip_source_t *s = zip_source_buffer(za, entries[1],
		    strlen(entries[1]), 0);
		zip_int64_t i;

		assert_non_null(s);
		i = zip_file_add(za, entries[0], s, ZIP_FL_ENC_UTF_8);
		assert_true(i >= 0);
		if (encrypt && strcmp(entries[0], "mimetype") != 0)
			assert_int_equal(zip_file_set_encryption(za,
			    (zip_uint64_t)i, ZIP_EM_AES_256, "pw"), 0);
	}
	assert_int_equal(zip_close(za), 0);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	data = malloc((size_t)n);
	assert_int_equal(fread(data, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	unlink(path);
	*len = (size_t)n;
	return data;
}

static void
test_archives(void **state)
{
	static const char *const epub[] = {
		"mimetype", "application/epub+zip",
		"META-INF/container.xml", "<container><rootfiles><rootfile "
		    "full-path=\"a.opf\"/></rootfiles></container>",
		"a.opf", "<package><metadata xmlns:dc=\"http://purl.org/dc/"
		    "elements/1.1/\"><dc:title> T </dc:title><dc:date "
		    "opf:event=\"modification\" xmlns:opf=\"x\">2001-02-03"
		    "</dc:date><dc:date>not a date</dc:date></metadata>"
		    "<manifest><item id=\"c\" href=\"c.html\" media-type="
		    "\"application/xhtml+xml\"/></manifest><spine>"
		    "<itemref idref=\"c\"/><itemref idref=\"none\"/></spine>"
		    "</package>",
		"c.html", "<html><body><p>caf&eacute; &amp; bar<br>next"
		    "</p></body></html>",
		NULL,
	};
	static const char *const absolute[] = {
		"mimetype", "application/epub+zip", "/etc/passwd", "x", NULL,
	};
	static const char *const nothing[] = { "a.txt", "hello", NULL };
	quarry_office_options o;
	quarry_office *h;
	json_t *rec;
	size_t len;
	void *z;

	(void)state;
	assert_int_equal(quarry_office_new(&h, NULL), 0);
	z = make_zip(&len, epub, 0);
	assert_int_equal(quarry_office_sniff(z, len), QUARRY_OFFICE_EPUB);
	assert_int_equal(quarry_office_extract(h, z, len, "b.epub", &rec), 0);
	/* Not well-formed XML (an HTML entity, <br>): the HTML parser. */
	assert_string_equal(quarry_record_string(rec, "text", NULL),
	    "café & bar\nnext");
	assert_string_equal(quarry_record_string(rec, "title", NULL), "T");
	assert_string_equal(quarry_record_string(rec, "modified", NULL),
	    "2001-02-03");
	assert_null(json_object_get(rec, "date"));
	json_decref(rec);
	/* A limit on expanded bytes smaller than the parts. */
	quarry_office_options_init(&o);
	o.max_expanded = 100;
	quarry_office_free(h);
	assert_int_equal(quarry_office_new(&h, &o), 0);
	assert_int_equal(quarry_office_extract(h, z, len, "b.epub", &rec),
	    QUARRY_ETOOBIG);
	assert_string_equal(quarry_office_error(h), "a.opf: expands to 347 "
	    "bytes, past the limit of 100");
	free(z);
	quarry_office_free(h);
	assert_int_equal(quarry_office_new(&h, NULL), 0);

	z = make_zip(&len, epub, 1);
	assert_int_equal(quarry_office_extract(h, z, len, "e.epub", &rec),
	    QUARRY_EPASSWORD);
	assert_string_equal(quarry_office_error(h),
	    "META-INF/container.xml: the entry is encrypted");
	free(z);

	z = make_zip(&len, absolute, 0);
	assert_int_equal(quarry_office_extract(h, z, len, "a.epub", &rec),
	    QUARRY_EFORMAT);
	assert_string_equal(quarry_office_error(h),
	    "entry name '/etc/passwd' leaves the archive");
	free(z);

	z = make_zip(&len, nothing, 0);
	assert_int_equal(quarry_office_sniff(z, len), QUARRY_OFFICE_NONE);
	assert_int_equal(quarry_office_extract(h, z, len, "n.zip", &rec),
	    QUARRY_EFORMAT);
	assert_string_equal(quarry_office_error(h),
	    "a zip archive, but not DOCX, ODT or EPUB");
	free(z);

	assert_int_equal(quarry_office_extract(h, "PK\3\4junk", 9, "j", &rec),
	    QUARRY_EFORMAT);
	assert_string_equal(quarry_office_error(h),
	    "damaged zip archive: Not a zip archive");
	assert_int_equal(quarry_office_extract(h, "", 0, "j", &rec),
	    QUARRY_EFORMAT);
	assert_string_equal(quarry_office_error(h), "empty file");
	quarry_office_free(h);
	quarry_office_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_docx_parts),
		cmocka_unit_test(test_odt_parts),
		cmocka_unit_test(test_archives),
	};

	return cmocka_run_group_tests_name("office", tests, NULL, NULL);
}
