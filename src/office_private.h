/*
 * office_private.h: what the files of the office module share (office.c:
 * the zip package, limits, detection, metadata and the record;
 * office_text.c: the text builder and XML helpers; office_docx.c,
 * office_odt.c, office_epub.c: one reader per format).  Not installed.
 *
 * Every part is read through office_part(), which enforces the limits on
 * expanded size, ratio and entry count, and parsed with office_xml(), which
 * never loads anything a document names (no network, no DTD, no external
 * or substituted entities).
 */
#ifndef QUARRY_OFFICE_PRIVATE_H
#define QUARRY_OFFICE_PRIVATE_H

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "error_private.h"
#include "quarry.h"

struct zip;

/*
 * One part handed in without an archive: office_extract_parts() reads
 * these instead of zip entries (the XML fuzz target uses it).
 */
struct office_part {
	const char *name;
	const char *data;
	size_t len;
};

struct quarry_office {
	quarry_office_options opt;
	struct zip *za;			/* the open archive, or NULL */
	const struct office_part *parts;	/* or these parts */
	size_t nparts;
	size_t expanded;		/* bytes expanded so far */
	enum quarry_office_format format;
	json_t *meta;			/* title, author, ... */
	struct quarry_buf text;		/* the document's text */
	struct qerr err;
};

/*
 * Reads the part name (a path inside the package, no leading '/') into out
 * (replacing its contents; NUL-terminated).  Returns 0, QUARRY_ENOTFOUND
 * when there is no such part (no message is set), or another code with a
 * message: QUARRY_ETOOBIG past a limit, QUARRY_EPASSWORD for an encrypted
 * entry, QUARRY_EFORMAT for a damaged one.
 */
int office_part(quarry_office *h, const char *name, struct quarry_buf *out);

/*
 * Parses an XML part: no network, no DTD loading, entities left
 * unsubstituted.  With html nonzero the part is (X)HTML: it is parsed as XML
 * when it is well formed, else with the HTML parser.  Returns the document
 * or NULL with a message in h naming the part.
 */
xmlDoc *office_xml(quarry_office *h, const char *name,
    const struct quarry_buf *b, int html);

/*
 * Resolves the relative reference ref (URL-encoded) against the directory of
 * the part base into out (size outsz).  Returns 0, or QUARRY_EFORMAT (with
 * a message) when the result would leave the package or is too long.
 */
int office_resolve(quarry_office *h, const char *base, const char *ref,
    char *out, size_t outsz);

/* Sets the metadata field key to the value s (white space collapsed,
 * dates normalised, authors joined); empty values are ignored. */
int office_meta(quarry_office *h, const char *key, const char *s);
/* office_meta() with the text below the element n, gathered in b (a
 * scratch buffer, emptied first): DOCX core properties, ODF meta.xml and
 * EPUB's package metadata. */
int office_meta_text(quarry_office *h, const char *key, const xmlNode *n,
    struct quarry_buf *b);

/* ------------------------------------------------------- XML helpers */

/*
 * Element test by local name and a namespace URI fragment (nsfrag may be
 * NULL: any namespace).  Namespaces are matched by fragment so that OOXML
 * transitional and strict, and every ODF version, are one test.
 */
int ox_is(const xmlNode *n, const char *nsfrag, const char *name);

/* Returns the attribute with local name name (any namespace); borrowed. */
const char *ox_attr(const xmlNode *n, const char *name);

/* First child element of n with the local name name (any namespace). */
xmlNode *ox_child(const xmlNode *n, const char *name);

/* Appends the text below n (text and CDATA nodes, in order) to b. */
int ox_text(const xmlNode *n, struct quarry_buf *b);

/* ------------------------------------------------------- text builder */

/*
 * The document text under construction: blocks (paragraphs, headings, list
 * items, tables) separated by a blank line, or by "\n\f" where a page or
 * chapter break is owed.  Footnotes are collected and written at the end.
 */
struct otext {
	struct quarry_buf out;
	struct quarry_buf para;		/* the block being built */
	struct quarry_buf notes;	/* "[^N]: text" blocks, in order */
	int page;			/* a page break is owed */
	int item;			/* the last block was a list item */
	const void *list;		/* of this list */
	unsigned nnotes;
	int oom;
};

/* Appends raw text to the current block. */
void ot_put(struct otext *t, const char *s, size_t n);
void ot_puts(struct otext *t, const char *s);

/*
 * Ends the current block and writes it with prefix (NULL: none) before its
 * first line and indent spaces before its continuation lines.  White space
 * is collapsed (a '\n' stays a line break); an empty block writes nothing.
 */
void ot_block(struct otext *t, const char *prefix, int indent);

/*
 * The same for an item of the list list (any pointer naming it):
 * consecutive items of one list are one line apart.
 */
void ot_item(struct otext *t, const char *prefix, int indent,
    const void *list);

/* Writes a finished block of text as is (a table). */
void ot_raw_block(struct otext *t, const char *s, size_t n);

/* Owes a page break before the next block (none at the very start). */
void ot_page(struct otext *t);

/*
 * Numbers a new footnote: writes "[^N]" to the current block and returns
 * N; the note's own text is given by ot_note_text() afterwards.
 */
unsigned ot_note_ref(struct otext *t);
/*
 * Makes what the current paragraph gained since its length was mark the
 * text of note n, and takes it out of the paragraph (the format renders
 * the note's paragraphs inline, then calls this).
 */
void ot_note_text(struct otext *t, unsigned n, size_t mark);

/* Appends the notes and moves the result to b (NUL-terminated). */
int ot_finish(struct otext *t, struct quarry_buf *b);
void ot_free(struct otext *t);

/*
 * A Markdown pipe table being built: cells are added row by row; the first
 * row is the header.
 */
struct otable {
	char **cells;		/* rows * cols, row-major, NULL: empty */
	size_t rows, cols, cap_rows;
	size_t cur_col;
	int oom;
};
void otable_row(struct otable *tb);
void otable_cell(struct otable *tb, const char *s, size_t n, unsigned span);
/* Renders the table as one block of t and empties tb. */
void otable_emit(struct otable *tb, struct otext *t);
void otable_free(struct otable *tb);

/* Collapses white space in b->data[from..] in place, like ot_block(). */
size_t ot_squash(char *s, size_t n);

/* ------------------------------------------------------- the readers */

int office_docx(quarry_office *h, struct otext *t);
int office_odt(quarry_office *h, struct otext *t);
int office_epub(quarry_office *h, struct otext *t);

/*
 * Extracts from parts[0..n) instead of a zip archive (for the XML fuzz
 * target); otherwise as quarry_office_extract().
 */
int office_extract_parts(quarry_office *h, const struct office_part *parts,
    size_t n, const char *name, json_t **rec);

#endif
