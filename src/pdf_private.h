/*
 * pdf_private.h: the parts of quarry's PDF extractor that do not need
 * poppler, shared between src/pdf.c (which drives poppler through
 * src/pdf_poppler.h), the layout engine (src/pdf_layout.c), the XMP reader
 * (src/pdf_meta.c) and the unit tests.  No poppler type appears here.
 *
 * The layout engine works on lines: poppler gives text in reading order and
 * a box for every character; src/pdf.c turns that into one pdf_line per text
 * line with its bounding box (in points, y growing downwards, rotated so that
 * the text runs left to right), its dominant font size and whether it is
 * bold.  The engine then removes running headers and footers, finds
 * headings, joins hard-wrapped lines into paragraphs, re-joins hyphenated
 * words and writes the text as man/quarry.7 describes.
 */
#ifndef QUARRY_PDF_PRIVATE_H
#define QUARRY_PDF_PRIVATE_H

#include <stddef.h>

#include "quarry.h"

/* One line of text on a page. */
struct pdf_line {
	char *text;		/* UTF-8, owned, NUL-terminated, no '\n' */
	size_t len;
	double x0, y0, x1, y1;	/* bounding box, points, y downwards */
	double fy0, fy1;	/* vertical extent on the unrotated page, for
				   finding headers and footers */
	double size;		/* dominant font size, points */
	unsigned bold : 1;	/* most of the characters are bold */
	unsigned mono : 1;	/* most of the characters are monospaced */
	unsigned furniture : 1;	/* set by the engine: header/footer */
	unsigned heading : 3;	/* set by the engine: 0 or level 1-6 */
};

/* The lines of one page, in reading order. */
struct pdf_page {
	struct pdf_line *lines;
	size_t n, cap;
	double width, height;	/* page size in points (after rotation) */
	double fheight;		/* height of the unrotated page */
	int contents;		/* set by the engine: a contents or index page */
};

/*
 * Appends a copy of text[0..len) as a new line (fy0, fy1 set to y0, y1);
 * 0 or QUARRY_ENOMEM.
 */
int pdf_page_add_line(struct pdf_page *pg, const char *text, size_t len,
    double x0, double y0, double x1, double y1, double size, int bold);

/* Is the font name that of a monospaced (typewriter) font, of a bold one? */
int pdf_mono_font(const char *name);
int pdf_bold_font(const char *name);

/* Releases the lines of pg (not pg itself) and zeroes it. */
void pdf_page_clear(struct pdf_page *pg);

/* An entry of the document outline (bookmarks). */
struct pdf_outline_entry {
	char *title;		/* UTF-8, owned */
	size_t page;		/* index into the pages laid out */
	double top;		/* y of the destination from the top of the
				   unrotated page, points; < 0: not given */
	unsigned level;		/* 1: top level */
};

struct pdf_outline {
	struct pdf_outline_entry *e;
	size_t n, cap;
};

/* Appends an entry (title copied); 0 or QUARRY_ENOMEM. */
int pdf_outline_add(struct pdf_outline *o, const char *title, size_t page,
    double top, unsigned level);
void pdf_outline_clear(struct pdf_outline *o);

struct pdf_layout_options {
	int keep_furniture;	/* keep running headers, footers */
	int keep_contents;	/* keep contents and index pages */
	const struct pdf_outline *outline;	/* or NULL */
};

/*
 * Lays out the n pages and appends the document text to out: pages separated
 * by "\f", paragraphs by a blank line, headings as "#" lines, code as fenced
 * blocks, table rows one a line (Markdown tables when their cells line up),
 * a literal '#' starting a line written "\#".  Headings come from the
 * outline when it matches the text, else from the fonts.  Unless
 * keep_furniture, lines repeating at the top or bottom of pages (running
 * headers, footers, page numbers) are left out; unless keep_contents, so are
 * contents and index pages (their "\f" stays).  Marks the lines' furniture
 * and heading fields.  o may be NULL (the defaults).  Returns 0 or
 * QUARRY_ENOMEM.
 */
int pdf_layout(struct pdf_page *pages, size_t n,
    const struct pdf_layout_options *o, struct quarry_buf *out);

/*
 * Normalises the presentation forms in s[0..len) (valid UTF-8): ligatures
 * (U+FB00-FB4F), Arabic presentation forms, full- and half-width forms and
 * the like take their NFKC form; no-break and other spaces become U+0020;
 * control characters other than tab are dropped.  Appends to out.  Returns
 * 0 or QUARRY_ENOMEM.
 */
int pdf_normalize_append(struct quarry_buf *out, const char *s, size_t len);

/* What an XMP packet says; every string is owned (free()) or NULL. */
struct pdf_xmp {
	char *title;		/* dc:title (x-default or first) */
	char *creator;		/* dc:creator items joined by "; " */
	char *language;		/* dc:language, first item */
	char *create_date;	/* xmp:CreateDate, as written */
	char *modify_date;	/* xmp:ModifyDate, as written */
	char *description;	/* dc:description */
	char *keywords;		/* pdf:Keywords */
	char *producer;		/* pdf:Producer */
	char *creator_tool;	/* xmp:CreatorTool */
};

/*
 * Parses the XMP packet xml[0..len) with libxml2 (no network, no entity
 * expansion, no DTD loading).  Fields the packet does not have stay NULL.
 * Returns 0, QUARRY_EFORMAT when it is not well-formed XML, or
 * QUARRY_ENOMEM.
 */
int pdf_xmp_parse(const char *xml, size_t len, struct pdf_xmp *out);
void pdf_xmp_clear(struct pdf_xmp *x);

/*
 * The /Lang entry of the document catalog of the PDF data[0..len) (ISO
 * 32000-1, 7.7.2), a language tag such as "de-CH", into out (NUL-
 * terminated): read from the bytes of an uncompressed catalog object (a
 * catalog inside a compressed object stream is not seen).  Returns 0, or
 * -1 when there is none or it is not a plain tag of letters, digits and
 * hyphens.
 */
int pdf_catalog_lang(const char *data, size_t len, char *out, size_t outsz);

#endif
