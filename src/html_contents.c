/*
 * html_contents.c: contents and index pages of HTML documentation, left out
 * of records unless quarry_html_options.keep_contents (man/quarry-html.1,
 * "CONTENTS AND INDEX PAGES").
 *
 * Two levels.  A contents block inside a page (DocBook's <div class="toc">
 * at the top of a chapter, Sphinx's toctree, docutils' "contents" topic, a
 * list of links under a "Contents" heading) is removed from the tree before
 * the main content is picked, so that the chapter's own text stays.  A
 * page that is a contents or index page as a whole (Sphinx's genindex,
 * py-modindex and search pages, Javadoc's index-all, a page that is mostly
 * a list of links, or whose lines are dot leaders and page numbers by the
 * rule of contents.c that quarry-pdf applies to its pages) gives no text.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "contents.h"
#include "html_private.h"

/* Is word one of the space-separated words of the attribute value s? */
static int
has_word(const char *s, const char *word)
{
	size_t wl = strlen(word);

	while (s != NULL && *s != '\0') {
		size_t l;

		s += strspn(s, " \t\n\r\f");
		l = strcspn(s, " \t\n\r\f");
		if (l == wl && strncasecmp(s, word, wl) == 0)
			return 1;
		s += l;
	}
	return 0;
}

static int
has_any_word(const char *s, const char *const *words)
{
	size_t i;

	for (i = 0; words[i] != NULL; i++)
		if (has_word(s, words[i]))
			return 1;
	return 0;
}

/*
 * Counts the characters of text below n (white space runs count one) into
 * *text, and those inside links into *link; *links counts the links.
 * Inside a link (in_link), further <a> elements are plain elements, so
 * every node is visited once.
 */
static void
measure(const xmlNode *n, size_t *text, size_t *link, size_t *links,
    int in_link)
{
	const xmlNode *c = n;

	while (c != NULL) {
		int descend = 1;

		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			const unsigned char *p = c->content;
			size_t k = 0;
			int space = 1;

			for (; p != NULL && *p; p++) {
				int ws = *p == ' ' || *p == '\t' || *p == '\n' ||
				    *p == '\r' || *p == '\f';

				if (!ws || !space)
					k++;
				space = ws;
			}
			*text += k;
		} else if (c->type == XML_ELEMENT_NODE && html_is(c, "a") &&
		    !in_link && c != n) {
			size_t t = 0, l = 0, a = 0;

			measure(c, &t, &l, &a, 1);
			*text += t;
			*link += t;
			(*links)++;
			descend = 0;
		} else if (c->type != XML_ELEMENT_NODE)
			descend = 0;
		if (c == n && !descend)
			break;
		c = html_walk_next((xmlNode *)c, (xmlNode *)n, descend);
	}
}

/* Is n a list of links: at least min links making 70% of its text? */
static int
link_list(const xmlNode *n, size_t min)
{
	size_t text = 0, link = 0, links = 0;

	measure(n, &text, &link, &links, 0);
	return links >= min && link * 10 >= text * 7;
}

/* Class words and ids of contents blocks. */
static const char *const toc_classes[] = {
	"toc", "toctree-wrapper", "contents", "table-of-contents", "localtoc",
	"list-of-tables", "list-of-figures", "list-of-examples",
	"list-of-procedures", "list-of-equations", "lot", "markdown-toc",
	"toc-wrapper", NULL,
};
static const char *const toc_ids[] = {
	"toc", "table-of-contents", "tableofcontents", "contents",
	"markdown-toc", NULL,
};

/*
 * Is n a contents block: an element marked as one (class or id), or a
 * DocBook back-of-book index (<div class="index"> holding "indexdiv"s),
 * whose text is mostly links -- a main content <div id="contents"> of
 * prose is not one.  Each measure walks the element's subtree: *budget
 * bounds how many a page gets, so that nested marked elements cannot make
 * the cost quadratic.
 */
static int
toc_block(const xmlNode *n, int *budget)
{
	const char *cls, *id;
	const xmlNode *c;

	if (n->type != XML_ELEMENT_NODE || html_is(n, "body") ||
	    html_is(n, "html") || html_is(n, "a"))
		return 0;
	cls = html_attr(n, "class");
	id = html_attr(n, "id");
	if (has_any_word(cls, toc_classes) || has_any_word(id, toc_ids))
		return (*budget)-- > 0 && link_list(n, 3);
	if (has_word(cls, "index") && (html_is(n, "div") || html_is(n, "dl"))) {
		if (html_is(n, "dl"))
			return (*budget)-- > 0 && link_list(n, 3);
		for (c = n->children; c != NULL; c = c->next)
			if (has_word(html_attr(c, "class"), "indexdiv"))
				return 1;
	}
	return 0;
}

/* The next element sibling of n, or NULL. */
static xmlNode *
next_element(xmlNode *n)
{
	for (n = n->next; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
		else if (n->type == XML_TEXT_NODE && n->content != NULL &&
		    n->content[strspn((const char *)n->content, " \t\r\n")])
			return NULL;
	return NULL;
}

/*
 * Is n a contents title ("Contents", "Table of Contents"), as a heading or
 * a paragraph of its own?
 */
static int
toc_title(const xmlNode *n)
{
	struct quarry_buf b = { 0 };
	int yes;

	if (!html_heading_level(n) && !html_is(n, "p"))
		return 0;
	yes = html_text_upto(n, 64, &b) == 0 && b.data != NULL &&
	    contents_title(b.data, b.len);
	quarry_buf_free(&b);
	return yes;
}

/* Adds n's text and links to *text and *links, unlinks and frees it. */
static void
strip(xmlNode *n, size_t *text, size_t *links)
{
	size_t link = 0;

	measure(n, text, &link, links, 0);
	xmlUnlinkNode(n);
	xmlFreeNode(n);
}

int
html_contents_strip(xmlDoc *doc, size_t *text, size_t *links)
{
	xmlNode *root = xmlDocGetRootElement(doc), *n, *next;
	int removed = 0, budget = 256;

	*text = *links = 0;
	for (n = root; n != NULL; n = next) {
		xmlNode *list;

		if (toc_block(n, &budget)) {
			next = html_walk_next(n, root, 0);
			strip(n, text, links);
			removed++;
			continue;
		}
		/* "Contents" then a list of links: both go. */
		if (toc_title(n) && (list = next_element(n)) != NULL &&
		    (html_is(list, "ul") || html_is(list, "ol") ||
		    html_is(list, "dl")) && budget-- > 0 && link_list(list, 3)) {
			next = html_walk_next(list, root, 0);
			strip(list, text, links);
			strip(n, text, links);
			removed++;
			continue;
		}
		next = html_walk_next(n, root, 1);
	}
	return removed;
}

int
html_contents_doc(xmlDoc *doc)
{
	xmlNode *root = xmlDocGetRootElement(doc), *n;
	unsigned javadoc = 0;

	for (n = root; n != NULL; n = html_walk_next(n, root, 1)) {
		const char *cls, *id;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		cls = html_attr(n, "class");
		id = html_attr(n, "id");
		/* Sphinx: genindex, genindex-X, py-modindex, search. */
		if ((html_is(n, "table") && has_word(cls, "indextable")) ||
		    has_word(cls, "genindex-jumpbox") ||
		    has_word(cls, "modindex-jumpbox") ||
		    (id != NULL && strcmp(id, "search-results") == 0))
			return 1;
		/* Javadoc's index: letter anchors "I:A", "I:B", ... */
		if (html_is(n, "a") || html_is(n, "h2") || html_is(n, "span")) {
			const char *a = id != NULL ? id : html_attr(n, "name");

			if (a != NULL && a[0] == 'I' && a[1] == ':' &&
			    a[2] != '\0' && ++javadoc >= 2)
				return 1;
		}
	}
	return 0;
}

int
html_contents_roots(xmlNode **roots, size_t n)
{
	size_t text = 0, link = 0, links = 0, i;

	for (i = 0; i < n; i++)
		measure(roots[i], &text, &link, &links, 0);
	return links >= 20 && link * 10 >= text * 7;
}

int
html_contents_text(const char *t, size_t len)
{
	struct contents_count c = { 0 };
	const char *end = t + len, *nl;

	for (; t < end; t = nl + 1) {
		const char *s = t;

		if ((nl = memchr(t, '\n', (size_t)(end - t))) == NULL)
			nl = end;
		/* List markers and table pipes are not the entry's text. */
		while (s < nl && (*s == '-' || *s == '*' || *s == '|' ||
		    *s == ' ' || *s == '#'))
			s++;
		contents_count_line(&c, s, (size_t)(nl - s));
	}
	return contents_page(&c, 0);
}
