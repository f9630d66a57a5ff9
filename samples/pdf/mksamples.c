/*
 * mksamples.c: writes the sample PDFs that tests/quarry-pdf.test checks
 * quarry-pdf against.  Their text and metadata are known exactly because
 * they are made here: article.pdf, manual.pdf (with an outline, a contents
 * page, code, a table and a literal '#') and scanned.pdf with cairo's PDF
 * surface (DejaVu fonts), meta.pdf and secret.pdf written by hand (the only way to
 * get an XMP packet and a /Rotate page).  mksamples.sh runs it, then makes
 * encrypted.pdf (qpdf) and truncated.pdf from these.  The PDFs are
 * committed, so neither cairo nor qpdf is needed to build or test quarry.
 *
 *	cc -o mksamples mksamples.c $(pkg-config --cflags --libs cairo)
 *	./mksamples DIR
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>

#define SERIF "DejaVu Serif"
#define W 420.0
#define H 595.0

static void
text_at(cairo_t *cr, double x, double y, double size, int bold, const char *s)
{
	cairo_select_font_face(cr, SERIF, CAIRO_FONT_SLANT_NORMAL,
	    bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
	cairo_move_to(cr, x, y);
	cairo_show_text(cr, s);
}

/* Body lines at 10 pt, 13 pt apart; "" adds a paragraph gap. */
static double
body(cairo_t *cr, double x, double y, const char *const *lines)
{
	for (; *lines != NULL; lines++) {
		if (**lines == '\0') {
			y += 9;
			continue;
		}
		text_at(cr, x + (**lines == '\t' ? 12 : 0), y, 10, 0,
		    *lines + (**lines == '\t'));
		y += 13;
	}
	return y;
}

static void
furniture(cairo_t *cr, int page)
{
	char buf[32];

	text_at(cr, 50, 40, 8, 0, "Quarry Sample Report");
	snprintf(buf, sizeof(buf), "Page %d", page);
	text_at(cr, 190, 565, 8, 0, buf);
}

static void
article(const char *path)
{
	static const char *const p1[] = {
		"Quarry turns documents into records for retrieval. This",
		"sample checks that hard-wrapped lines are joined into one",
		"paragraph, and that the correct extrac-",
		"tion of broken words works as expected.",
		"",
		"Text extraction must keep every word. A well-known cross-",
		"reference between two sections keeps its hyphen, since",
		"each reference may point to a cross section elsewhere.",
		"",
		"\xE2\x80\xA2 The first item of a list.",
		"\xE2\x80\xA2 The second item, which is long enough to wrap onto",
		"\ta second line of text.",
		NULL
	};
	static const char *const left[] = {
		"The left column comes first.",
		"It holds a paragraph that is",
		"wrapped over several short",
		"lines.",
		"",
		"A second paragraph in the",
		"left column ends here.",
		NULL
	};
	static const char *const right[] = {
		"The right column is read",
		"after the left one, even",
		"though its lines sit at the",
		"same height on the page.",
		NULL
	};
	static const char *const p3[] = {
		"The \xEF\xAC\x81nal section uses ligatures: \xEF\xAC\x81gures and",
		"\xEF\xAC\x82ows are normalised. Such state-of-the-art tools and",
		"a well-",
		"known trick are left as they are.",
		NULL
	};
	cairo_surface_t *s = cairo_pdf_surface_create(path, W, H);
	cairo_t *cr = cairo_create(s);

	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE,
	    "Quarry Sample Report");
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_AUTHOR,
	    "By Ada Lovelace and Grace Hopper");
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_SUBJECT,
	    "Text extraction test");
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_KEYWORDS,
	    "pdf, extraction, test");
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR,
	    "quarry mksamples");
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE,
	    "2024-03-05T10:20:30+01:00");
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE,
	    "2024-04-06T11:00:00Z");
	cairo_set_source_rgb(cr, 0, 0, 0);

	/* Page 1: title, heading, paragraphs, a list. */
	furniture(cr, 1);
	text_at(cr, 50, 90, 18, 1, "Extracting Text from PDF");
	text_at(cr, 50, 125, 14, 1, "Introduction");
	body(cr, 50, 150, p1);
	cairo_show_page(cr);

	/* Page 2: two columns under a heading. */
	furniture(cr, 2);
	text_at(cr, 50, 90, 14, 1, "Two Columns");
	body(cr, 50, 115, left);
	body(cr, 230, 115, right);
	cairo_show_page(cr);

	/* Page 3: a bold body-size heading, ligatures, compounds. */
	furniture(cr, 3);
	text_at(cr, 50, 90, 10, 1, "Conclusion");
	body(cr, 50, 110, p3);
	cairo_show_page(cr);

	/* Page 4: landscape content drawn turned by 90 degrees. */
	furniture(cr, 4);
	cairo_save(cr);
	cairo_translate(cr, 120, 500);
	cairo_rotate(cr, -M_PI / 2);
	text_at(cr, 0, 0, 10, 0, "This table was turned to fit the page.");
	text_at(cr, 0, 13, 10, 0, "Its text is still read in order.");
	cairo_restore(cr);
	cairo_show_page(cr);

	cairo_destroy(cr);
	cairo_surface_destroy(s);
}

static void
mono_at(cairo_t *cr, double x, double y, const char *s)
{
	cairo_select_font_face(cr, "DejaVu Sans Mono", CAIRO_FONT_SLANT_NORMAL,
	    CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 9);
	cairo_move_to(cr, x, y);
	cairo_show_text(cr, s);
}

/*
 * A manual with an outline: a contents page with dot leaders, chapter
 * titles (one wrapped over two lines, one numbered "2.1" apart from its
 * text), a section title in the body font that only the outline marks, a
 * shell session in a monospaced font, a table whose cells stand apart and a
 * body line starting with '#'.
 */
static void
manual(const char *path)
{
	cairo_surface_t *s = cairo_pdf_surface_create(path, W, H);
	cairo_t *cr = cairo_create(s);
	static const char *const toc[] = {
		"1 Installing the Quarry Toolkit on a Debian . . . . . . . 2",
		"1.1 Requirements . . . . . . . . . . . . . . . . . . . . 2",
		"2 Usage . . . . . . . . . . . . . . . . . . . . . . . . 3",
		"2.1 Options . . . . . . . . . . . . . . . . . . . . . . 3",
		"2.2 Exit status . . . . . . . . . . . . . . . . . . . . 3",
		"Index . . . . . . . . . . . . . . . . . . . . . . . . 9",
		NULL
	};
	int i;
	int c1, c2;

	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE,
	    "Quarry Manual");
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE,
	    "2024-05-06T07:08:09Z");
	text_at(cr, 50, 60, 16, 1, "Contents");
	for (i = 0; toc[i] != NULL; i++)
		text_at(cr, 50, 90 + i * 16, 10, 0, toc[i]);
	cairo_show_page(cr);

	c1 = cairo_pdf_surface_add_outline(s, CAIRO_PDF_OUTLINE_ROOT,
	    "1 Installing the Quarry Toolkit on a Debian System",
	    "page=2 pos=[50 40]", 0);
	text_at(cr, 50, 60, 16, 1, "1 Installing the Quarry Toolkit on a");
	text_at(cr, 50, 80, 16, 1, "Debian System");
	body(cr, 50, 110, (const char *const[]){
		"Install the packages first, then build the tools. The",
		"session below shows the commands.", NULL });
	cairo_pdf_surface_add_outline(s, c1, "1.1 Requirements",
	    "page=2 pos=[50 150]", 0);
	text_at(cr, 50, 165, 10, 0, "1.1 Requirements");
	body(cr, 50, 185, (const char *const[]){
		"The build needs a C compiler and poppler.", NULL });
	mono_at(cr, 60, 210, "# apt-get install libpoppler-glib-dev");
	mono_at(cr, 60, 222, "$ ./bootstrap && make");
	mono_at(cr, 60, 234, "$ make check");
	mono_at(cr, 72, 246, "PASS: 587");
	body(cr, 50, 270, (const char *const[]){
		"# is the prompt of the superuser, as in most manuals.", NULL });
	cairo_show_page(cr);

	c2 = cairo_pdf_surface_add_outline(s, CAIRO_PDF_OUTLINE_ROOT, "2 Usage",
	    "page=3 pos=[50 40]", 0);
	text_at(cr, 50, 60, 16, 1, "2 Usage");
	cairo_pdf_surface_add_outline(s, c2, "Options", "page=3 pos=[50 80]", 0);
	text_at(cr, 50, 95, 12, 1, "2.1");
	text_at(cr, 110, 95, 12, 1, "Options");
	body(cr, 50, 115, (const char *const[]){
		"The options and their defaults:", NULL });
	text_at(cr, 50, 135, 10, 0, "Option");
	text_at(cr, 160, 135, 10, 0, "Default");
	text_at(cr, 260, 135, 10, 0, "Pages");
	text_at(cr, 50, 148, 10, 0, "--jobs");
	text_at(cr, 160, 148, 10, 0, "1");
	text_at(cr, 260, 148, 10, 0, "329");
	text_at(cr, 50, 161, 10, 0, "--timeout");
	text_at(cr, 160, 161, 10, 0, "60");
	text_at(cr, 260, 161, 10, 0, "856423");
	cairo_pdf_surface_add_outline(s, c2, "2.2 Exit status",
	    "page=3 pos=[50 180]", 0);
	text_at(cr, 50, 195, 12, 1, "2.2 Exit status");
	body(cr, 50, 215, (const char *const[]){
		"Zero when all went well.", NULL });
	cairo_show_page(cr);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
}

/* A page with drawings only, as a scan without OCR would be. */
static void
scanned(const char *path)
{
	cairo_surface_t *s = cairo_pdf_surface_create(path, W, H);
	cairo_t *cr = cairo_create(s);
	int i;

	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE,
	    "Scanned letter");
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE,
	    "2023-12-24T08:00:00Z");
	for (i = 0; i < 20; i++) {
		cairo_rectangle(cr, 50, 60 + i * 22, 300 - (i % 3) * 40, 8);
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		cairo_fill(cr);
	}
	cairo_show_page(cr);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
}

/* --------------------------------------------------- hand-written PDFs */

struct pdfw {
	FILE *fp;
	long off[16];
	int n;
};

static void
obj(struct pdfw *w, const char *body)
{
	w->off[++w->n] = ftell(w->fp);
	fprintf(w->fp, "%d 0 obj\n%s\nendobj\n", w->n, body);
}

static void
stream(struct pdfw *w, const char *dict, const char *data)
{
	w->off[++w->n] = ftell(w->fp);
	fprintf(w->fp, "%d 0 obj\n<< %s /Length %zu >>\nstream\n%s\nendstream\nendobj\n",
	    w->n, dict, strlen(data), data);
}

static void
finish(struct pdfw *w, int info)
{
	long x = ftell(w->fp);
	int i;

	fprintf(w->fp, "xref\n0 %d\n0000000000 65535 f \n", w->n + 1);
	for (i = 1; i <= w->n; i++)
		fprintf(w->fp, "%010ld 00000 n \n", w->off[i]);
	fprintf(w->fp, "trailer\n<< /Size %d /Root 1 0 R", w->n + 1);
	if (info)
		fprintf(w->fp, " /Info %d 0 R", info);
	fprintf(w->fp, " >>\nstartxref\n%ld\n%%%%EOF\n", x);
	fclose(w->fp);
}

static const char xmp[] =
"<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
"<rdf:Description rdf:about=\"\"\n"
"  xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
"  xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n"
"  xmp:CreateDate=\"2024-01-02T08:09:10+02:00\">\n"
"<dc:title><rdf:Alt><rdf:li xml:lang=\"de\">Metadaten</rdf:li>"
"<rdf:li xml:lang=\"x-default\">Metadata in XMP</rdf:li></rdf:Alt></dc:title>\n"
"<dc:creator><rdf:Seq><rdf:li>Jane Doe</rdf:li><rdf:li>John Roe</rdf:li>"
"</rdf:Seq></dc:creator>\n"
"<dc:language><rdf:Bag><rdf:li>de-AT</rdf:li></rdf:Bag></dc:language>\n"
"<xmp:ModifyDate>2024-02-03</xmp:ModifyDate>\n"
"</rdf:Description>\n"
"</rdf:RDF>\n"
"</x:xmpmeta>\n"
"<?xpacket end=\"w\"?>";

/*
 * meta.pdf: Info and XMP disagreeing (XMP is more specific for the title,
 * authors and creation date, Info for the modification date), and a second
 * page with /Rotate 90.
 */
static void
meta(const char *path)
{
	struct pdfw w = { fopen(path, "wb"), { 0 }, 0 };

	fputs("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n", w.fp);
	obj(&w, "<< /Type /Catalog /Pages 2 0 R /Metadata 3 0 R >>");
	obj(&w, "<< /Type /Pages /Kids [5 0 R 7 0 R] /Count 2 >>");
	stream(&w, "/Type /Metadata /Subtype /XML", xmp);
	obj(&w, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
	    "/Encoding /WinAnsiEncoding >>");
	obj(&w, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 595] "
	    "/Resources << /Font << /F1 4 0 R >> >> /Contents 6 0 R >>");
	stream(&w, "", "BT /F1 11 Tf 50 520 Td (Metadata sample.) Tj ET");
	obj(&w, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 595] /Rotate 90 "
	    "/Resources << /Font << /F1 4 0 R >> >> /Contents 8 0 R >>");
	stream(&w, "", "BT /F1 11 Tf 0 1 -1 0 300 50 Tm (This page is rotated.) Tj ET");
	obj(&w, "<< /Title (Info Title) /Author (Info Author) "
	    "/CreationDate (D:20240102) /ModDate (D:20240203101112Z) "
	    "/Producer (mksamples by hand) /Keywords (xmp, rotate) >>");
	finish(&w, 9);
}

/* secret.pdf: what mksamples.sh encrypts into encrypted.pdf. */
static void
secret(const char *path)
{
	struct pdfw w = { fopen(path, "wb"), { 0 }, 0 };

	fputs("%PDF-1.4\n", w.fp);
	obj(&w, "<< /Type /Catalog /Pages 2 0 R >>");
	obj(&w, "<< /Type /Pages /Kids [4 0 R] /Count 1 >>");
	obj(&w, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
	obj(&w, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 595] "
	    "/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>");
	stream(&w, "", "BT /F1 11 Tf 50 520 Td (The secret text.) Tj ET");
	obj(&w, "<< /Title (Secret) >>");
	finish(&w, 6);
}

int
main(int argc, char **argv)
{
	char path[4096];
	const char *dir = argc > 1 ? argv[1] : ".";

	snprintf(path, sizeof(path), "%s/article.pdf", dir);
	article(path);
	snprintf(path, sizeof(path), "%s/scanned.pdf", dir);
	scanned(path);
	snprintf(path, sizeof(path), "%s/manual.pdf", dir);
	manual(path);
	snprintf(path, sizeof(path), "%s/meta.pdf", dir);
	meta(path);
	snprintf(path, sizeof(path), "%s/secret.pdf", dir);
	secret(path);
	return 0;
}
