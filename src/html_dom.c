/*
 * html_dom.c: small helpers over libxml2's HTML tree that every file of the
 * HTML module uses (attributes, element classes, hidden elements, text).
 * They depend on nothing else in the module, so html.c, html_extract.c,
 * html_markdown.c and html_meta.c all sit on top of this file and not on
 * each other.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html_private.h"

const char *
html_attr(const xmlNode *n, const char *name)
{
	const xmlAttr *a;

	if (n == NULL || n->type != XML_ELEMENT_NODE)
		return NULL;
	for (a = n->properties; a != NULL; a = a->next)
		if (strcasecmp((const char *)a->name, name) == 0) {
			if (a->children != NULL &&
			    a->children->type == XML_TEXT_NODE)
				return (const char *)a->children->content;
			return "";	/* a boolean attribute */
		}
	return NULL;
}

int
html_heading_level(const xmlNode *n)
{
	if (n == NULL || n->type != XML_ELEMENT_NODE || n->name[0] != 'h' ||
	    n->name[1] < '1' || n->name[1] > '6' || n->name[2] != '\0')
		return 0;
	return n->name[1] - '0';
}

int
html_in_list(const xmlNode *n, const char *const *names)
{
	size_t i;

	if (n == NULL || n->type != XML_ELEMENT_NODE)
		return 0;
	for (i = 0; names[i] != NULL; i++)
		if (strcmp((const char *)n->name, names[i]) == 0)
			return 1;
	return 0;
}

int
html_block(const xmlNode *n)
{
	static const char *const blocks[] = {
		"address", "article", "aside", "blockquote", "body", "center",
		"dd", "details", "dialog", "dir", "div", "dl", "dt", "fieldset",
		"figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
		"h5", "h6", "header", "hgroup", "hr", "html", "li", "main",
		"menu", "nav", "ol", "p", "pre", "section", "summary", "table",
		"tbody", "td", "tfoot", "th", "thead", "tr", "ul", "caption",
		"br", NULL,
	};

	return html_in_list(n, blocks);
}

int
html_words(const char *s, const char *const *words)
{
	size_t i;

	if (s == NULL || *s == '\0')
		return 0;
	for (i = 0; words[i] != NULL; i++)
		if (strcasestr(s, words[i]) != NULL)
			return 1;
	return 0;
}

int
html_word_starts(const char *s, const char *const *prefixes,
    const char *const *except)
{
	size_t i, k;

	while (s != NULL && *s) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		for (i = 0; prefixes[i] != NULL && *s; i++)
			if (strncasecmp(s, prefixes[i], strlen(prefixes[i])) == 0) {
				for (k = 0; except != NULL && except[k] != NULL;
				    k++)
					if (strncasecmp(s, except[k],
					    strlen(except[k])) == 0)
						break;
				if (except == NULL || except[k] == NULL)
					return 1;
			}
		while (*s && *s != ' ' && *s != '\t' && *s != '\n')
			s++;
	}
	return 0;
}

int
html_hidden(const xmlNode *n)
{
	const char *style, *v;

	if (html_attr(n, "hidden") != NULL)
		return 1;
	if ((v = html_attr(n, "aria-hidden")) != NULL &&
	    strcasecmp(v, "true") == 0 && !html_words(html_attr(n, "class"),
	    (const char *const[]){ "fallback-image", NULL }))
		return 1;
	if ((style = html_attr(n, "style")) != NULL) {
		const char *p;

		for (p = style; (p = strcasestr(p, "display")) != NULL; p++) {
			const char *q = p + 7;

			while (*q == ' ' || *q == '\t')
				q++;
			if (*q != ':')
				continue;
			q++;
			while (*q == ' ' || *q == '\t')
				q++;
			if (strncasecmp(q, "none", 4) == 0)
				return 1;
		}
		for (p = style; (p = strcasestr(p, "visibility")) != NULL; p++) {
			const char *q = p + 10;

			while (*q == ' ' || *q == ':' || *q == '\t')
				q++;
			if (strncasecmp(q, "hidden", 6) == 0)
				return 1;
		}
	}
	return 0;
}

size_t
html_squash(char *s)
{
	size_t i = 0, j = 0;
	int space = 0;

	for (; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
		    c == '\v') {
			space = j > 0;
			continue;
		}
		if (c == 0xc2 && (unsigned char)s[i + 1] == 0xa0) {
			space = j > 0;
			i++;
			continue;
		}
		if (space)
			s[j++] = ' ';
		space = 0;
		s[j++] = s[i];
	}
	s[j] = '\0';
	return j;
}

/* Keeps b's text NUL-terminated (the NUL is not counted in len). */
static void
terminate(struct quarry_buf *b)
{
	if (quarry_buf_reserve(b, 1) == 0)
		b->data[b->len] = '\0';
}

int
html_text_upto(const xmlNode *n, size_t max, struct quarry_buf *b)
{
	const xmlNode *c;
	size_t start = b->len;
	int space = 0;

	if (n == NULL)
		return 0;
	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
		c = n;
	else if (n->children == NULL)
		return 0;
	else
		c = n->children;
	while (c != NULL) {
		int descend = 1;

		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			const unsigned char *p = c->content;

			for (; p != NULL && *p; p++) {
				if (*p == ' ' || *p == '\t' || *p == '\n' ||
				    *p == '\r' || *p == '\f' || *p == '\v' ||
				    (p[0] == 0xc2 && p[1] == 0xa0)) {
					if (*p == 0xc2)
						p++;
					space = b->len > start;
					continue;
				}
				if (b->len - start + space + 1 > max)
					return terminate(b), -1;
				if (space)
					quarry_buf_append(b, " ", 1);
				space = 0;
				quarry_buf_append(b, (const char *)p, 1);
			}
		} else if (c->type == XML_ELEMENT_NODE) {
			if (html_is(c, "script") || html_is(c, "style") ||
			    html_is(c, "noscript") || html_is(c, "template"))
				descend = 0;
			else if (html_block(c))
				space = b->len > start;
		} else
			descend = 0;
		if (c == n)
			break;
		c = html_walk_next((xmlNode *)c, (xmlNode *)n, descend);
	}
	terminate(b);
	return 0;
}

/* ------------------------------------------------------- libxml2 setup */

static pthread_once_t loader_once = PTHREAD_ONCE_INIT;

/* The external entity loader: nothing a document names is ever loaded. */
static xmlParserInputPtr
refuse_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

static void
install_loader(void)
{
	xmlInitParser();
	xmlSetExternalEntityLoader(refuse_loader);
}

void
html_xml_init(void)
{
	pthread_once(&loader_once, install_loader);
}
