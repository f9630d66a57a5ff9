/*
 * contents.h: how quarry tells contents and index pages from text, one rule
 * for the PDF extractor (pdf_layout.c, by lines) and the HTML extractor
 * (html_contents.c, by lines of the rendered text and by markup).  Such
 * pages are left out of records unless the options keep them
 * (man/quarry-pdf.1, man/quarry-html.1 "CONTENTS AND INDEX PAGES").
 * Not installed.
 */
#ifndef QUARRY_CONTENTS_H
#define QUARRY_CONTENTS_H

#include <stddef.h>

/*
 * Does the line t[0..len) name a contents or index page, as its title does:
 * "Contents", "Table of Contents", "Index", "General Index", "Python
 * Module Index", "Inhalt", "Inhaltsverzeichnis", "Table des matières", in
 * any case, with a section number or punctuation around it?
 */
int contents_title(const char *t, size_t len);

/*
 * Does the line t[0..len) refer to a page, as contents and index lines do:
 * a dot leader, or text followed by a page number ("Introduction 5",
 * "Preface vii", "absolute value, 23, 45")?  *leader is set for a dot
 * leader, *comma for an index-style ", 23".  A line without a letter
 * never does.
 */
int contents_ref_line(const char *t, size_t len, int *leader, int *comma);

/* What contents_page() weighs, counted over a page's lines of text. */
struct contents_count {
	size_t lines;	/* lines with text */
	size_t refs;	/* of which contents_ref_line() */
	size_t leaders;	/* of which with a dot leader */
	size_t commas;	/* of which index-style */
	int titled;	/* one of the first four lines is contents_title() */
};

/* Counts the line t[0..len) into c (blank lines are not counted). */
void contents_count_line(struct contents_count *c, const char *t, size_t len);

/*
 * The page rule: at least six lines, most of them (60%) referring to
 * pages, with dot leaders on a third of the lines, or a contents title,
 * or index-style lists of pages on a third, or the page before being a
 * contents page (prev).
 */
int contents_page(const struct contents_count *c, int prev);

#endif
