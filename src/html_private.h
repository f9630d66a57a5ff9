/*
 * html_private.h: what the files of the HTML module (html.c, html_dom.c,
 * html_extract.c, html_markdown.c, html_meta.c, html_contents.c) share.  Not installed.
 * html_dom.c holds the tree helpers all the others use; it uses none of
 * them.
 *
 * Every walk over the libxml2 tree follows the parent, children and next
 * pointers (see html_walk_next()), so that a page nested 10,000 or 1,000,000
 * levels deep costs no C stack.
 */
#ifndef QUARRY_HTML_PRIVATE_H
#define QUARRY_HTML_PRIVATE_H

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "quarry.h"

/* What the extractor learns about one element; held in node->_private. */
struct html_info {
	double score;		/* content score (readability style) */
	size_t text;		/* characters of text below, whitespace collapsed */
	size_t link;		/* of which inside <a> */
	unsigned commas;	/* commas in that text */
	unsigned paras;		/* <p> elements below */
	unsigned imgs, items, pres, ths;	/* <img>, <li>, <pre>, <th> below */
	size_t listtext;	/* text inside <ul> and <ol> below */
	unsigned char candidate;	/* score has been initialised */
	unsigned char keep;	/* chosen as (part of) the content */
};

/*
 * Returns the node after n in document order, below root: the first child
 * when descend is nonzero and there is one, else the next sibling of n or of
 * its nearest ancestor below root; NULL at the end.
 */
static inline xmlNode *
html_walk_next(xmlNode *n, xmlNode *root, int descend)
{
	if (descend && n->children != NULL)
		return n->children;
	while (n != root && n != NULL) {
		if (n->next != NULL)
			return n->next;
		n = n->parent;
	}
	return NULL;
}

/*
 * The step of a walk that visits every node twice, on the way in and on the
 * way out (to add a node's figures to its parent's, or to close what it
 * opened), once n has been left: returns the next sibling of n, to be
 * entered (*entering set to 1), else its parent, to be left (*entering set
 * to 0); NULL once root has been left.  Such a walk reads:
 *
 *	n = root; entering = 1;
 *	while (n != NULL) {
 *		if (entering) { enter n; if it has children to visit:
 *		    n = n->children; continue; }
 *		leave n;
 *		n = html_walk_leave(n, root, &entering);
 *	}
 */
static inline xmlNode *
html_walk_leave(xmlNode *n, xmlNode *root, int *entering)
{
	if (n == root)
		return NULL;
	if (n->next != NULL) {
		*entering = 1;
		return n->next;
	}
	*entering = 0;
	return n->parent;
}

/*
 * Sets libxml2 up once per process for untrusted input (HTML pages, office
 * documents): the parser initialised and an external entity loader that
 * loads nothing a document names.  Safe to call from any thread, any
 * number of times.
 */
void html_xml_init(void);

/* Element name test, case-insensitive (libxml2 lower-cases HTML names). */
static inline int
html_is(const xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	    xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

/* Returns the attribute value (borrowed from the tree) or NULL. */
const char *html_attr(const xmlNode *n, const char *name);

/* Nonzero when n is hidden (hidden, aria-hidden=true, display:none). */
int html_hidden(const xmlNode *n);

/* Heading level 1-6 of n, or 0. */
int html_heading_level(const xmlNode *n);

/* Nonzero for block-level element names. */
int html_block(const xmlNode *n);

/* Nonzero when n is an element named by one of names (NULL-terminated). */
int html_in_list(const xmlNode *n, const char *const *names);

/* Does s contain one of words (case-insensitive substrings)? */
int html_words(const char *s, const char *const *words);

/*
 * Does one of the white-space separated words of s (a class or id) start
 * with one of prefixes, and not with one of except (NULL: none)?
 */
int html_word_starts(const char *s, const char *const *prefixes,
    const char *const *except);

/*
 * Appends the text below n to b, white space collapsed, and returns 0; stops
 * and returns -1 as soon as more than max bytes would be needed (b then holds
 * a prefix).  b->data is NUL-terminated afterwards unless memory ran out.  Costs at most the nodes visited before the limit.
 */
int html_text_upto(const xmlNode *n, size_t max, struct quarry_buf *b);

/*
 * Removes what is never content (scripts, styles, hidden elements, ...) from
 * the body; with main_only also navigation and boilerplate, then picks the
 * main content.  Returns the content root(s): *roots holds *n nodes (owned
 * by the caller, free()), in document order, each kept whole.
 */
int html_extract(xmlDoc *doc, int main_only, xmlNode ***roots, size_t *n);

/*
 * The same with Readability's flags: 1 strips unlikely candidates by
 * class/id, 2 weighs classes, 4 cleans the result conditionally.
 * html_extract() uses all three.  A heading repeating title (if not
 * NULL) is dropped.
 */
#define HTML_EX_ALL 7
int html_extract_flags(xmlDoc *doc, int main_only, int flags,
    const char *title, xmlNode ***roots, size_t *n);

/* Renders the nodes as light Markdown into out (appends; NUL-terminated). */
struct html_render_options {
	enum quarry_html_links links;
	const char *base;	/* base URL for links, or NULL */
};
int html_render(xmlNode **roots, size_t n, const struct html_render_options *o,
    struct quarry_buf *out);

/*
 * Collects the metadata of doc into meta (an object), before extraction
 * changes the tree.  url is the page address or NULL.
 */
int html_meta(xmlDoc *doc, const char *url, json_t *meta);

/*
 * Contents and index pages (html_contents.c).  html_contents_strip()
 * removes the contents blocks of a page (a table of contents at the top of
 * a chapter, a back-of-book index) from doc and returns how many, with the
 * characters of text and the links they held in *text and *links.  The
 * others say whether a page is a contents or index page as a whole: by its
 * markup (html_contents_doc(), before extraction), by its extracted content
 * being mostly a list of links (html_contents_roots()), or by its rendered
 * lines being dot leaders and page numbers (html_contents_text()).
 */
int html_contents_strip(xmlDoc *doc, size_t *text, size_t *links);
int html_contents_doc(xmlDoc *doc);
int html_contents_roots(xmlNode **roots, size_t n);
int html_contents_text(const char *t, size_t len);

/* Collapses white space in s (in place) and trims; returns the new length. */
size_t html_squash(char *s);

#endif
