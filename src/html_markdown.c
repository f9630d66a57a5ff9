/*
 * html_markdown.c: renders the chosen part of a page as the light Markdown of
 * man/quarry.7: "#" headings, paragraphs separated by one blank line, "- "
 * and "1. " list items indented by their nesting, "> " block quotes, fenced
 * code blocks, pipe tables, definition lists ("term" then ": definition"),
 * <br> as a line break; links are their text, or [text](URL) on request.
 *
 * The walk is iterative (enter and leave events over the parent/next
 * pointers); the block contexts that shape line prefixes live on a bounded
 * stack, and nesting beyond it is rendered at the deepest level kept.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/uri.h>

#include "html_private.h"

#define MAXCTX 48

enum ctx_kind { C_QUOTE, C_ITEM, C_DD, C_HEAD, C_OL, C_UL };

struct ctx {
	const xmlNode *node;
	enum ctx_kind kind;
	char marker[16];	/* first-line marker of an item */
	int pending;		/* the marker is still to be written */
	int width;		/* continuation indent */
	long counter;		/* next number of an ordered list */
};

struct rd {
	struct quarry_buf *out;
	const struct html_render_options *o;
	struct ctx st[MAXCTX];
	int depth;
	int pending;		/* line breaks owed before the next text */
	int space;		/* a space is owed before the next text */
	int open;		/* the current block has text */
	int oom;
	int heading;		/* inside a heading: breaks become spaces */
	int last_quotes;	/* quote depth of the last line written */
	int code_wait, code_open;	/* inline code */
	int link_wait, link_open;	/* a link whose "[" is owed/written */
	const xmlNode *link;
	char label[48];		/* "Warning: " owed before the next text */
	const xmlNode *adm;	/* the admonition being rendered */
	const xmlNode *adm_title;	/* its title element, not rendered */
};

static void
put(struct rd *r, const char *s, size_t n)
{
	if (quarry_buf_append(r->out, s, n) != 0)
		r->oom = 1;
}

static void
puts_(struct rd *r, const char *s)
{
	put(r, s, strlen(s));
}

/* Writes the prefix of a line: quote marks, indents and pending markers. */
static void
line_prefix(struct rd *r, int first)
{
	int i;

	for (i = 0; i < r->depth; i++) {
		struct ctx *c = &r->st[i];

		switch (c->kind) {
		case C_QUOTE:
			puts_(r, "> ");
			break;
		case C_ITEM:
		case C_DD:
		case C_HEAD:
			if (c->pending && first) {
				puts_(r, c->marker);
				c->pending = 0;
			} else if (c->kind != C_HEAD)
				put(r, "          ", (size_t)c->width);
			break;
		default:
			break;
		}
	}
}

static int
quotes(const struct rd *r)
{
	int i, q = 0;

	for (i = 0; i < r->depth; i++)
		if (r->st[i].kind == C_QUOTE)
			q++;
	return q;
}

/*
 * The quote marks alone, for a blank line: as many as both the line before
 * and the line after are in.
 */
static void
quote_prefix(struct rd *r)
{
	int i, q = quotes(r);

	if (r->last_quotes < q)
		q = r->last_quotes;
	for (i = 0; i < q; i++)
		put(r, i + 1 < q ? "> " : ">", i + 1 < q ? 2 : 1);
}

/* Called before visible text: writes owed breaks, prefix or space. */
static void
start_text(struct rd *r)
{
	if (!r->open) {
		if (r->out->len > 0) {
			put(r, "\n", 1);
			if (r->pending >= 2) {
				quote_prefix(r);
				put(r, "\n", 1);
			}
		}
		line_prefix(r, 1);
		if (r->label[0] != '\0') {
			puts_(r, r->label);
			r->label[0] = '\0';
		}
		r->open = 1;
		r->pending = 0;
		r->last_quotes = quotes(r);
	} else if (r->space)
		put(r, " ", 1);
	r->space = 0;
	if (r->code_wait) {
		put(r, "`", 1);
		r->code_wait = 0;
		r->code_open = 1;
	}
	if (r->link_wait) {
		put(r, "[", 1);
		r->link_wait = 0;
		r->link_open = 1;
	}
}

/* Ends the current block; sep is 1 (new line) or 2 (blank line). */
static void
block_break(struct rd *r, int sep)
{
	if (r->open) {
		r->open = 0;
		r->space = 0;
	}
	if (r->out->len > 0 && sep > r->pending)
		r->pending = sep;
}

/* The separation wanted inside the innermost context. */
static int
sep_here(const struct rd *r)
{
	int i;

	for (i = r->depth - 1; i >= 0; i--) {
		if (r->st[i].kind == C_ITEM || r->st[i].kind == C_DD)
			return 1;
		if (r->st[i].kind == C_QUOTE)
			return 2;
	}
	return 2;
}

static struct ctx *
push(struct rd *r, const xmlNode *n, enum ctx_kind kind)
{
	struct ctx *c;

	if (r->depth >= MAXCTX)
		return NULL;
	c = &r->st[r->depth++];
	memset(c, 0, sizeof(*c));
	c->node = n;
	c->kind = kind;
	return c;
}

static void
pop(struct rd *r, const xmlNode *n)
{
	if (r->depth > 0 && r->st[r->depth - 1].node == n)
		r->depth--;
}

/* Is c a UTF-8 white space sequence at s?  Returns its length or 0. */
static size_t
white(const unsigned char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' ||
	    *s == '\v')
		return 1;
	if (s[0] == 0xc2 && s[1] == 0xa0)
		return 2;	/* NO-BREAK SPACE */
	if (s[0] == 0xe2 && s[1] == 0x80 && (s[2] >= 0x80 && s[2] <= 0x8a))
		return 3;	/* EN QUAD .. HAIR SPACE */
	if (s[0] == 0xe2 && s[1] == 0x80 && s[2] == 0xaf)
		return 3;	/* NARROW NO-BREAK SPACE */
	return 0;
}

/* Writes a text node's content with white space collapsed. */
static void
text(struct rd *r, const xmlChar *s)
{
	const unsigned char *p = s;

	while (*p) {
		size_t w = white(p), n;

		if (w) {
			if (r->open || r->code_wait || r->link_wait)
				r->space = 1;
			p += w;
			continue;
		}
		for (n = 0; p[n] && !white(p + n); n++)
			;
		start_text(r);
		/* A "#" that starts a line but no heading: Markdown's "\#". */
		if (*p == '#' && !r->heading && (r->out->len == 0 ||
		    r->out->data[r->out->len - 1] == '\n'))
			put(r, "\\", 1);
		put(r, (const char *)p, n);
		p += n;
	}
}

/* Appends the text of the subtree n verbatim (for <pre>); br is "\n". */
static void
raw_text(xmlNode *n, struct quarry_buf *b, int *oom)
{
	xmlNode *x;

	for (x = n->children; x != NULL; ) {
		int skip = 0;

		if (x->type == XML_TEXT_NODE || x->type == XML_CDATA_SECTION_NODE) {
			if (quarry_buf_append(b, x->content,
			    strlen((const char *)x->content)) != 0)
				*oom = 1;
		} else if (html_is(x, "br")) {
			if (quarry_buf_append(b, "\n", 1) != 0)
				*oom = 1;
		} else if (x->type != XML_ELEMENT_NODE)
			skip = 1;
		x = html_walk_next(x, n, !skip);
	}
}

/* Renders <pre> as a fenced block. */
static void
pre_block(struct rd *r, xmlNode *n)
{
	struct quarry_buf b = { 0 };
	size_t i, start, end, run = 0, maxrun = 0;
	char fence[64];
	int oom = 0;

	raw_text(n, &b, &oom);
	if (oom) {
		r->oom = 1;
		quarry_buf_free(&b);
		return;
	}
	start = 0;
	end = b.len;
	/* Drop a leading blank line and trailing white space. */
	while (start < end && (b.data[start] == ' ' || b.data[start] == '\t' ||
	    b.data[start] == '\r' || b.data[start] == '\n')) {
		size_t j = start;

		while (j < end && b.data[j] != '\n' && (b.data[j] == ' ' ||
		    b.data[j] == '\t' || b.data[j] == '\r'))
			j++;
		if (j < end && b.data[j] == '\n')
			start = j + 1;
		else
			break;
	}
	while (end > start && (b.data[end - 1] == ' ' || b.data[end - 1] == '\n' ||
	    b.data[end - 1] == '\t' || b.data[end - 1] == '\r'))
		end--;
	if (end == start) {
		quarry_buf_free(&b);
		return;
	}
	for (i = start; i < end; i++) {
		run = b.data[i] == '`' ? run + 1 : 0;
		if (run > maxrun)
			maxrun = run;
	}
	maxrun = maxrun < 3 ? 3 : maxrun + 1;
	if (maxrun >= sizeof(fence))
		maxrun = sizeof(fence) - 1;
	memset(fence, '`', maxrun);
	fence[maxrun] = '\0';
	block_break(r, sep_here(r));
	r->space = 0;
	start_text(r);
	puts_(r, fence);
	for (i = start; i < end; ) {
		size_t j = i;

		while (j < end && b.data[j] != '\n')
			j++;
		put(r, "\n", 1);
		line_prefix(r, 0);
		if (j > i && b.data[j - 1] == '\r')
			put(r, b.data + i, j - i - 1);
		else
			put(r, b.data + i, j - i);
		i = j + 1;
	}
	put(r, "\n", 1);
	line_prefix(r, 0);
	puts_(r, fence);
	block_break(r, sep_here(r));
	quarry_buf_free(&b);
}

/* ---------------------------------------------------------------- tables */

/* The nearest enclosing table of n (or NULL). */
static const xmlNode *
table_of(const xmlNode *n)
{
	for (n = n->parent; n != NULL; n = n->parent)
		if (html_is(n, "table"))
			return n;
	return NULL;
}

/* Does the subtree hold any visible character? */
static int
has_text(xmlNode *t)
{
	xmlNode *x;

	for (x = t->children; x != NULL; x = html_walk_next(x, t, 1))
		if (x->type == XML_TEXT_NODE) {
			const unsigned char *p = x->content;

			while (*p) {
				size_t w = white(p);

				if (w == 0)
					return 1;
				p += w;
			}
		}
	return 0;
}

/*
 * A data table is rendered as a pipe table: at least two columns, no
 * nested table, no cell holding several blocks of prose.  Anything else is
 * layout, rendered block by block.
 */
static int
data_table(xmlNode *t, size_t *ncols)
{
	xmlNode *x;
	size_t cols = 0, rowcols = 0, rows = 0;

	for (x = t->children; x != NULL; ) {
		int skip = 0;

		if (html_is(x, "table"))
			return 0;
		if (html_is(x, "tr")) {
			rows++;
			rowcols = 0;
		} else if (html_is(x, "td") || html_is(x, "th")) {
			const char *cs = html_attr(x, "colspan");
			long span = cs ? strtol(cs, NULL, 10) : 1;

			rowcols += span > 1 && span < 100 ? (size_t)span : 1;
			if (rowcols > cols)
				cols = rowcols;
		} else if (html_is(x, "p") || html_is(x, "div") ||
		    html_is(x, "ul") || html_is(x, "ol") ||
		    html_is(x, "blockquote") || html_is(x, "pre") ||
		    html_heading_level(x)) {
			xmlChar *s = xmlNodeGetContent(x);
			size_t l = s ? strlen((char *)s) : 0;

			xmlFree(s);
			if (l > 200)
				return 0;
			skip = 1;
		}
		x = html_walk_next(x, t, !skip);
	}
	*ncols = cols;
	return rows >= 1 && cols >= 2 && cols <= 64 && has_text(t);
}

/* Renders a cell's content on one line into b, "|" escaped. */
static void
cell_text(struct rd *r, xmlNode *cell, struct quarry_buf *b)
{
	struct quarry_buf *save = r->out;
	struct rd sub;
	xmlNode *x;
	size_t i;

	memset(&sub, 0, sizeof(sub));
	sub.out = b;
	sub.o = r->o;
	sub.heading = 1;
	b->len = 0;
	for (x = cell->children; x != NULL; ) {
		int descend = 1;

		if (x->type == XML_TEXT_NODE)
			text(&sub, x->content);
		else if (x->type != XML_ELEMENT_NODE)
			descend = 0;
		else if (html_block(x) || html_is(x, "br")) {
			sub.space = sub.open;
		}
		x = html_walk_next(x, cell, descend);
	}
	if (sub.oom)
		r->oom = 1;
	(void)save;
	/* Escape pipes in place, from a copy. */
	for (i = 0; i < b->len; i++) {
		if (b->data[i] == '|') {
			if (quarry_buf_reserve(b, 1) != 0) {
				r->oom = 1;
				return;
			}
			memmove(b->data + i + 1, b->data + i, b->len - i);
			b->data[i] = '\\';
			b->len++;
			i++;
		}
	}
}

static void
table_block(struct rd *r, xmlNode *t, size_t ncols)
{
	struct quarry_buf cell = { 0 };
	xmlNode *x, *c;
	int first = 1;

	block_break(r, sep_here(r));
	for (x = t->children; x != NULL; ) {
		size_t k = 0;
		int descend = 1;

		if (!html_is(x, "tr") || table_of(x) != t) {
			if (html_is(x, "tr"))
				descend = 0;
			x = html_walk_next(x, t, descend);
			continue;
		}
		r->space = 0;
		start_text(r);
		put(r, "|", 1);
		for (c = x->children; c != NULL; c = c->next) {
			const char *cs;
			long span;

			if (!html_is(c, "td") && !html_is(c, "th"))
				continue;
			cell_text(r, c, &cell);
			put(r, " ", 1);
			put(r, cell.data ? cell.data : "", cell.len);
			put(r, " |", 2);
			k++;
			cs = html_attr(c, "colspan");
			span = cs ? strtol(cs, NULL, 10) : 1;
			for (; span > 1 && span < 100 && k < ncols; span--, k++)
				put(r, "  |", 3);
		}
		for (; k < ncols; k++)
			put(r, "  |", 3);
		if (first) {
			put(r, "\n", 1);
			line_prefix(r, 0);
			put(r, "|", 1);
			for (k = 0; k < ncols; k++)
				put(r, " --- |", 6);
			first = 0;
		}
		r->open = 0;
		r->pending = 1;
		x = html_walk_next(x, t, 0);
	}
	quarry_buf_free(&cell);
	r->open = 1;
	block_break(r, sep_here(r));
}

/* ----------------------------------------------------------------- links */

static char *
link_target(const struct rd *r, const xmlNode *a)
{
	const char *href = html_attr(a, "href");
	xmlChar *u;

	if (href == NULL)
		return NULL;
	while (*href == ' ' || *href == '\t' || *href == '\n' || *href == '\r')
		href++;
	if (*href == '\0' || *href == '#' ||
	    strncasecmp(href, "javascript:", 11) == 0)
		return NULL;
	u = r->o->base ? xmlBuildURI((const xmlChar *)href,
	    (const xmlChar *)r->o->base) : NULL;
	if (u == NULL)
		return strdup(href);
	{
		char *s = strdup((char *)u);

		xmlFree(u);
		return s;
	}
}

static void
end_link(struct rd *r, const xmlNode *a)
{
	char *url;
	size_t i;

	r->link = NULL;
	r->link_wait = 0;
	if (!r->link_open)
		return;
	r->link_open = 0;
	put(r, "](", 2);
	if ((url = link_target(r, a)) != NULL) {
		for (i = 0; url[i]; i++) {
			if (url[i] == ' ')
				puts_(r, "%20");
			else if (url[i] == ')')
				puts_(r, "%29");
			else if ((unsigned char)url[i] >= 0x20)
				put(r, url + i, 1);
		}
		free(url);
	}
	put(r, ")", 1);
}

/* ------------------------------------------------------------------ walk */

/*
 * Is n a permalink mark inside a heading: Sphinx's "¶" headerlink, an
 * anchor whose text is "#", "§" or "🔗", rustdoc's "[src]"?  Such marks are
 * dropped from headings.
 */
static int
permalink_mark(const xmlNode *n)
{
	static const char *const marks[] = { "\xc2\xb6", "#", "\xc2\xa7",
	    "[src]", "src", "source", "[source]", "\xf0\x9f\x94\x97", "link",
	    "", NULL };
	struct quarry_buf b = { 0 };
	const char *cls = html_attr(n, "class");
	size_t i;
	int hit = 0;

	if (n->type != XML_ELEMENT_NODE || !(html_is(n, "a") ||
	    html_is(n, "span")))
		return 0;
	if (cls != NULL && (strstr(cls, "headerlink") ||
	    strstr(cls, "anchor") || strstr(cls, "permalink") ||
	    strstr(cls, "srclink") || strstr(cls, "hash-link")))
		return 1;
	if (html_text_upto(n, 12, &b) == 0) {
		for (i = 0; marks[i] != NULL && !hit; i++)
			hit = strcmp(b.data ? b.data : "", marks[i]) == 0;
		/* An empty span is no mark; an empty anchor link is. */
		if (hit && b.len == 0 && (!html_is(n, "a") ||
		    html_attr(n, "href") == NULL))
			hit = 0;
	}
	quarry_buf_free(&b);
	return hit;
}

/* Class words of note, warning and other callout boxes. */
static const char *const admonitions[] = {
	"warning", "caution", "important", "note", "tip", "hint", "danger",
	"attention", "error", "seealso", NULL,
};

/* The element below n (not n) that holds an admonition's title, or NULL. */
static const xmlNode *
admonition_title(const xmlNode *n)
{
	const xmlNode *c;
	int seen = 0;

	for (c = n->children; c != NULL && seen < 64;
	    c = html_walk_next((xmlNode *)c, (xmlNode *)n, 1)) {
		const char *cls;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		seen++;
		cls = html_attr(c, "class");
		if (html_is(c, "th") || html_heading_level(c) ||
		    (cls != NULL && strstr(cls, "title")))
			return c;
		if (html_is(c, "p"))
			break;
	}
	return NULL;
}

/*
 * A note or warning box (DocBook's table, Sphinx's and MDN's div) becomes
 * one labelled paragraph, "Warning: text", its title and icon left out.
 */
static int
admonition(struct rd *r, const xmlNode *n)
{
	const char *cls = html_attr(n, "class");
	const xmlNode *t;
	struct quarry_buf b = { 0 };
	size_t i, k;

	if (cls == NULL || r->heading || !(html_is(n, "div") ||
	    html_is(n, "aside") || html_is(n, "section") ||
	    html_is(n, "blockquote")))
		return 0;
	for (i = 0; admonitions[i] != NULL; i++) {
		const char *p = cls;
		size_t len = strlen(admonitions[i]);

		/* A whole class word, or "admonition-warning" / "note-box". */
		while ((p = strcasestr(p, admonitions[i])) != NULL) {
			if ((p == cls || p[-1] == ' ' || p[-1] == '-') &&
			    (p[len] == '\0' || p[len] == ' '))
				break;
			p += len;
		}
		if (p != NULL)
			break;
	}
	if (admonitions[i] == NULL)
		return 0;
	t = admonition_title(n);
	if (t != NULL && html_text_upto(t, 40, &b) == 0 && b.len > 0) {
		snprintf(r->label, sizeof(r->label), "%.*s", (int)b.len,
		    b.data);
	} else {
		t = NULL;
		snprintf(r->label, sizeof(r->label), "%s",
		    strcmp(admonitions[i], "seealso") == 0 ? "See also" :
		    admonitions[i]);
		r->label[0] = (char)toupper((unsigned char)r->label[0]);
	}
	quarry_buf_free(&b);
	k = strlen(r->label);
	while (k > 0 && (r->label[k - 1] == ':' || r->label[k - 1] == ' '))
		k--;
	r->label[k] = '\0';
	if (k + 3 > sizeof(r->label))
		r->label[sizeof(r->label) - 3] = '\0';
	strcat(r->label, ": ");
	r->adm = n;
	r->adm_title = t;
	block_break(r, sep_here(r));
	return 1;
}

static void
enter(struct rd *r, xmlNode *n, int *descend)
{
	int level;
	struct ctx *c;

	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		text(r, n->content);
		return;
	}
	if (n->type != XML_ELEMENT_NODE) {
		*descend = 0;
		return;
	}
	if (r->adm_title == n || (r->heading && permalink_mark(n))) {
		*descend = 0;
		return;
	}
	if (r->adm == NULL && admonition(r, n))
		return;
	if (html_is(n, "br")) {
		if (r->heading) {
			r->space = r->open;
		} else if (r->open) {
			put(r, "\n", 1);
			line_prefix(r, 0);
			r->space = 0;
		}
		return;
	}
	if (html_is(n, "pre")) {
		pre_block(r, n);
		*descend = 0;
		return;
	}
	if ((level = html_heading_level(n)) != 0 && !r->heading) {
		block_break(r, 2);
		if ((c = push(r, n, C_HEAD)) != NULL) {
			memset(c->marker, '#', (size_t)level);
			c->marker[level] = ' ';
			c->marker[level + 1] = '\0';
			c->pending = 1;
		}
		r->heading = 1;
		return;
	}
	if (html_is(n, "table")) {
		size_t ncols;

		if (r->adm == NULL && data_table(n, &ncols)) {
			table_block(r, n, ncols);
			*descend = 0;
			return;
		}
	}
	if (html_is(n, "ul") || html_is(n, "ol") || html_is(n, "menu") ||
	    html_is(n, "dir")) {
		block_break(r, sep_here(r));
		if ((c = push(r, n, html_is(n, "ol") ? C_OL : C_UL)) != NULL) {
			const char *s = html_attr(n, "start");

			c->counter = s ? strtol(s, NULL, 10) : 1;
			if (c->counter < 0 || c->counter > 999999999)
				c->counter = 1;
		}
		return;
	}
	if (html_is(n, "li")) {
		struct ctx *list = r->depth > 0 ? &r->st[r->depth - 1] : NULL;

		block_break(r, 1);
		if ((c = push(r, n, C_ITEM)) != NULL) {
			if (list != NULL && list->kind == C_OL) {
				const char *v = html_attr(n, "value");

				if (v != NULL && strtol(v, NULL, 10) > 0 &&
				    strtol(v, NULL, 10) < 999999999)
					list->counter = strtol(v, NULL, 10);
				snprintf(c->marker, sizeof(c->marker), "%ld. ",
				    list->counter++);
			} else
				strcpy(c->marker, "- ");
			c->width = (int)strlen(c->marker);
			c->pending = 1;
		}
		return;
	}
	if (html_is(n, "blockquote")) {
		block_break(r, 2);
		push(r, n, C_QUOTE);
		return;
	}
	if (html_is(n, "dt")) {
		block_break(r, 2);
		return;
	}
	if (html_is(n, "dd")) {
		block_break(r, 1);
		if ((c = push(r, n, C_DD)) != NULL) {
			strcpy(c->marker, ": ");
			c->width = 2;
			c->pending = 1;
		}
		return;
	}
	if (html_is(n, "code") || html_is(n, "kbd") || html_is(n, "samp") ||
	    html_is(n, "tt")) {
		if (!r->code_wait && !r->code_open)
			r->code_wait = 1;
		return;
	}
	if (html_is(n, "a") && r->o->links == QUARRY_HTML_LINKS_MARKDOWN &&
	    r->link == NULL && !r->heading) {
		char *u = link_target(r, n);

		if (u != NULL) {
			r->link = n;
			r->link_wait = 1;
			free(u);
		}
		return;
	}
	if (html_is(n, "td") || html_is(n, "th")) {
		block_break(r, sep_here(r));
		return;
	}
	if (html_block(n))
		block_break(r, html_is(n, "div") || html_is(n, "tr") ?
		    (r->open ? sep_here(r) : 0) : sep_here(r));
}

static void
leave(struct rd *r, xmlNode *n)
{
	if (n->type != XML_ELEMENT_NODE)
		return;
	if (r->adm == n) {
		r->adm = r->adm_title = NULL;
		r->label[0] = '\0';
		block_break(r, sep_here(r));
		return;
	}
	if (r->heading && html_heading_level(n) && r->depth > 0 &&
	    r->st[r->depth - 1].node == n) {
		pop(r, n);
		r->heading = 0;
		block_break(r, 2);
		return;
	}
	if (html_is(n, "code") || html_is(n, "kbd") || html_is(n, "samp") ||
	    html_is(n, "tt")) {
		if (r->code_open)
			put(r, "`", 1);
		r->code_open = r->code_wait = 0;
		return;
	}
	if (r->link == n) {
		end_link(r, n);
		return;
	}
	if (html_is(n, "ul") || html_is(n, "ol") || html_is(n, "menu") ||
	    html_is(n, "dir") || html_is(n, "blockquote") || html_is(n, "dd")) {
		pop(r, n);
		block_break(r, html_is(n, "dd") ? 1 : sep_here(r));
		return;
	}
	if (html_is(n, "li")) {
		pop(r, n);
		block_break(r, 1);
		return;
	}
	if (html_is(n, "dt")) {
		block_break(r, 1);
		return;
	}
	if (html_block(n) && !html_is(n, "br"))
		block_break(r, html_is(n, "div") || html_is(n, "tr") ||
		    html_is(n, "td") || html_is(n, "th") ?
		    (r->open ? sep_here(r) : 0) : sep_here(r));
}

static void
walk(struct rd *r, xmlNode *root)
{
	xmlNode *n = root;
	int entering = 1;

	while (n != NULL && !r->oom) {
		if (entering) {
			int descend = 1;

			enter(r, n, &descend);
			if (descend && n->type == XML_ELEMENT_NODE &&
			    n->children != NULL) {
				n = n->children;
				continue;
			}
		}
		leave(r, n);
		n = html_walk_leave(n, root, &entering);
	}
}

int
html_render(xmlNode **roots, size_t n, const struct html_render_options *o,
    struct quarry_buf *out)
{
	struct rd r;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.out = out;
	r.o = o;
	for (i = 0; i < n; i++) {
		walk(&r, roots[i]);
		r.depth = 0;
		r.heading = 0;
		r.code_wait = r.code_open = 0;
		r.link = NULL;
		r.link_wait = r.link_open = 0;
		block_break(&r, 2);
	}
	if (quarry_buf_reserve(out, 1) != 0)
		r.oom = 1;
	if (r.oom)
		return QUARRY_ENOMEM;
	out->data[out->len] = '\0';
	return 0;
}
