/*
 * pdf_ocr.h: the OCR hook of the PDF extractor (src/pdf_ocr.c), called by
 * src/pdf.c.  Not installed.
 */
#ifndef QUARRY_PDF_OCR_H
#define QUARRY_PDF_OCR_H

#include "pdf_private.h"

struct pdf_ocr;
struct pp_page;		/* src/pdf_poppler.h */

/*
 * Prepares OCR of up to count pages with the options' mode, languages and
 * resolution; *out is NULL (nothing to do) for QUARRY_PDF_OCR_NEVER.
 * Without o->ocr_lang, the languages are those of doc_lang (the document's
 * language tag, or NULL) through pdf_ocr_lang_code(), when Tesseract has
 * data for them, else English, which pdf_ocr_finish() then warns about if
 * a page was read.  Returns 0 or QUARRY_ENOMEM.
 */
int pdf_ocr_new(struct pdf_ocr **out, const quarry_pdf_options *o,
    unsigned count, const char *doc_lang);

/*
 * The name of Tesseract's data for the language tag (BCP 47: "de",
 * "en-US", "zh-Hant", "sr-Latn", or a three-letter code): the ISO 639-2/T
 * code ("deu"), "chi_sim"/"chi_tra" for Chinese, "srp_latn" for Serbian in
 * Latin script; NULL when there is none.  A static string.
 */
const char *pdf_ocr_lang_code(const char *tag);

/*
 * Called by any extracting thread once page index k (page) has been
 * read into pg: OCRs the page when the mode says so (always, or auto and the
 * text layer is unusable) and replaces pg's lines with Tesseract's.  A
 * failure of the OCR itself (no language data, a page that cannot be
 * rendered) leaves pg as it was and is kept for pdf_ocr_finish().  Returns
 * 0 or QUARRY_ENOMEM.
 */
int pdf_ocr_page(struct pdf_ocr *r, struct pp_page *page, struct pdf_page *pg,
    unsigned k);

/*
 * Releases the calling thread's Tesseract engine; a thread that called
 * pdf_ocr_page() calls this before it ends (the key's destructor does it
 * for threads that exit anyway).
 */
void pdf_ocr_thread_done(void);

/*
 * After the pages: adds "ocr_pages" (the page numbers OCRed, first being
 * the number of index 0) to rec when there are any, and appends the first
 * OCR failure to warn (after "; " when warn is not empty).  Returns 0 or QUARRY_ENOMEM.  r may be
 * NULL.
 */
int pdf_ocr_finish(struct pdf_ocr *r, unsigned first, json_t *rec,
    char *warn, size_t warnsz);

void pdf_ocr_free(struct pdf_ocr *r);

#endif
