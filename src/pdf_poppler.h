/*
 * pdf_poppler.h: the few calls quarry makes into poppler, in C.
 *
 * src/pdf_poppler.cc implements them on libpoppler's own classes (PDFDoc,
 * TextOutputDev, SplashOutputDev), the library poppler-glib and pdftotext
 * are built on.  Each call gives what the poppler-glib call of the same
 * purpose gives (named beside it), computed the same way, so that text,
 * boxes and fonts are poppler-glib's to the byte; what it does not bring is
 * poppler-glib's 50-odd shared libraries (cairo, GIO, X11...), whose
 * loading was a third of a one-page quarry-pdf run (#18).
 *
 * Objects are not thread-safe: a thread opens its own document on the same
 * bytes.  Strings and arrays returned are malloc()ed; errors never throw.
 */
#ifndef QUARRY_PDF_POPPLER_H
#define QUARRY_PDF_POPPLER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pp_doc;
struct pp_page;

/* A rectangle in points, PopplerRectangle's layout. */
struct pp_rect {
	double x1, y1, x2, y2;
};

/* Why a document did not open (PopplerError's cases). */
enum pp_error {
	PP_ERR_NONE,
	PP_ERR_OPEN,		/* the file could not be opened */
	PP_ERR_BAD_CATALOG,	/* "Failed to read the document catalog" */
	PP_ERR_DAMAGED,		/* "PDF document is damaged" */
	PP_ERR_ENCRYPTED,	/* "Document is encrypted" */
	PP_ERR_INVALID,		/* "Failed to load document" */
	PP_ERR_NOMEM
};

/* poppler-glib's message for an error. */
const char *pp_strerror(int err);

/*
 * Opens a document on len bytes of data, which stay valid and unchanged
 * while it is open (poppler_document_new_from_data(); with a password,
 * tried in Latin-1 then as given, like poppler-glib, but on a fresh stream
 * each time).  NULL with *err set when it does not open.
 */
struct pp_doc *pp_doc_open(const void *data, size_t len, const char *password,
    int *err);
void pp_doc_free(struct pp_doc *doc);
int pp_doc_n_pages(struct pp_doc *doc);

/*
 * An Info dictionary string as UTF-8 (UTF-16 or PDFDocEncoding decoded),
 * NULL when absent: key is "Title", "Author", "Subject", "Keywords",
 * "Creator" or "Producer" (poppler_document_get_title() and others).
 */
char *pp_doc_info(struct pp_doc *doc, const char *key);

/*
 * An Info date ("CreationDate", "ModDate") as poppler parses it: f[] gets
 * year, month, day, hour, minute, second and *tz_minutes the offset east
 * of UTC.  -1 when absent or unreadable (poppler_document_get_creation_
 * date_time()).
 */
int pp_doc_info_date(struct pp_doc *doc, const char *key, int f[6],
    int *tz_minutes);

/* The XMP packet, NULL when none (poppler_document_get_metadata()). */
char *pp_doc_xmp(struct pp_doc *doc);

/*
 * Walks the outline depth first, at most max_level levels, calling fn for
 * each entry that goes to a destination in this document: its title as
 * UTF-8, its level (1 for the top), its page (1-based; 0 when the
 * destination names no page of the document), and the destination's top
 * in points from the page's bottom when it sets one (has_top: XYZ, FitH,
 * FitBH and FitR with a top to change to), named destinations looked up
 * (poppler_index_iter_*() with poppler_document_find_dest()).  fn returns
 * 0 to go on, anything else to stop the walk, which returns it.
 */
typedef int pp_outline_fn(void *arg, const char *title, unsigned level,
    int page, int has_top, double top);
int pp_doc_outline(struct pp_doc *doc, unsigned max_level, pp_outline_fn *fn,
    void *arg);

/* Page index (0-based); NULL when the document has no such page. */
struct pp_page *pp_page_get(struct pp_doc *doc, int index);
void pp_page_free(struct pp_page *page);

/* Width and height in points, rotation applied (poppler_page_get_size()). */
void pp_page_size(struct pp_page *page, double *w, double *h);

/*
 * The text of the glyphs selected by area, in poppler's reading order
 * (poppler_page_get_selected_text() with POPPLER_SELECTION_GLYPH).  NULL
 * when out of memory.
 */
char *pp_page_text(struct pp_page *page, const struct pp_rect *area);

/*
 * A box for each character of pp_page_text()'s text on the same area,
 * spaces and line ends included (poppler_page_get_text_layout_for_area()).
 * Returns 0, or -1 with *rects NULL when there is no text.
 */
int pp_page_layout(struct pp_page *page, const struct pp_rect *area,
    struct pp_rect **rects, size_t *n);

/* A run of characters in one font (PopplerTextAttributes). */
struct pp_attr {
	char *font_name;	/* subset prefix ("ABCDEF+") removed */
	double font_size;
	int start_index, end_index;	/* characters, end inclusive */
};

/*
 * The font runs of the same text, in order
 * (poppler_page_get_text_attributes_for_area()).  Returns 0 (*n may be 0)
 * or -1 when out of memory.
 */
int pp_page_attrs(struct pp_page *page, const struct pp_rect *area,
    struct pp_attr **attrs, size_t *n);
void pp_attrs_free(struct pp_attr *attrs, size_t n);

/*
 * Renders rows y0 to y0 + rows - 1 of the page at scale pixels a point,
 * width pixels wide, on white, into grey (a byte a pixel, width bytes a
 * row, luma 77:150:29 of 256).  Returns 0, or -1 when it cannot.
 */
int pp_page_render_grey(struct pp_page *page, double scale, int width,
    int y0, int rows, unsigned char *grey);

#ifdef __cplusplus
}
#endif

#endif
