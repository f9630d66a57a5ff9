/*
 * extract_private.h: internals shared by the extractor table (extract.c)
 * and its text and Markdown extractor (extract_text.c), which quarry-chunk
 * --text also calls directly.
 */
#ifndef QUARRY_EXTRACT_PRIVATE_H
#define QUARRY_EXTRACT_PRIVATE_H

#include "quarry.h"

/* The extension of name ("" when none); a leading dot is not one. */
const char *extract_extension(const char *name);

/* Whether name's extension is one of exts (NULL-terminated), in any case. */
int extract_ext_in(const char *name, const char *const *exts);

/* Whether name is a Markdown file by its extension (.md, .markdown). */
int extract_is_markdown(const char *name);

/*
 * Tells report (when not NULL) about the document: an error (error 1) or
 * a warning, at line (0: none), the message formatted (up to 1023 bytes).
 */
void extract_say(quarry_extract_report_fn *report, void *arg, int error,
    unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * Makes the document record of a text (t QUARRY_DOCTYPE_TEXT) or Markdown
 * (QUARRY_DOCTYPE_MARKDOWN) file data[0..len), as quarry_extract() does
 * for those types: a byte order mark dropped, a NUL byte or invalid UTF-8
 * refused (QUARRY_EFORMAT, QUARRY_EUTF8; report, when not NULL, is told
 * the line and byte), a Markdown title from its first level-1 heading.
 */
int extract_text(enum quarry_doctype t, const char *name, const char *data,
    size_t len, quarry_extract_report_fn *report, void *arg, json_t **out);

/*
 * The same record without its "text" field, which is data[*skip..len)
 * (*skip is 3 after a byte order mark, else 0): for a caller that uses
 * the text where it lies rather than a copy of it in the record.  With
 * threads 2 or more, a large text is checked (no NUL, valid UTF-8) by two
 * threads, a half each; the outcome and messages are the same.
 */
int extract_text_fields(enum quarry_doctype t, const char *name,
    const char *data, size_t len, quarry_extract_report_fn *report,
    void *arg, json_t **out, size_t *skip, int threads);

/*
 * Makes the document record of the manual page (roff) data[0..len), as
 * quarry_extract() does for QUARRY_DOCTYPE_MAN: rendered by mandoc(1),
 * made Markdown with its section headings, titled from its header ("LS(1)"),
 * "lang" from the path's locale directory (src/extract_man.c).
 */
int extract_man(const char *name, const char *data, size_t len,
    quarry_extract_report_fn *report, void *arg, json_t **out);

/*
 * Its parts: mandoc's output t[0..n) (overstrikes dropped in place) made
 * Markdown into md, the header's first word into *title (NULL when none;
 * to free()); 0 or QUARRY_ENOMEM.  And the language of the locale
 * directory of a page's path (.../man/pt_BR/man1/x.1: "pt-BR"), NULL for
 * none (to free()).
 */
int extract_man_markdown(char *t, size_t n, struct quarry_buf *md,
    char **title);
char *extract_man_lang(const char *path);

#endif
