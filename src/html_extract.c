/*
 * html_extract.c: main-content extraction.
 *
 * The method is Mozilla Readability's (github.com/mozilla/readability),
 * redone over libxml2 trees with iterative walks: remove what is never
 * content, then boilerplate by tag, ARIA role and class/id patterns; score
 * paragraph-like blocks by length and commas and credit their ancestors;
 * weigh each candidate by its link density; pick the best, move up when
 * several good candidates share an ancestor, and merge qualifying siblings;
 * finally clean the result conditionally (link-heavy lists, forms and
 * widgets).  Elements the page marks as its article body (itemprop=
 * articleBody, a single <article>, <main>, role=main) are preferred when they
 * hold most of the scored text.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html_private.h"

enum {
	EX_STRIP_UNLIKELY = 1,
	EX_WEIGHT_CLASSES = 2,
	EX_CLEAN_CONDITIONALLY = 4,
};

/* Case-insensitive substring test. */
static int
has(const char *hay, const char *needle)
{
	return hay != NULL && strcasestr(hay, needle) != NULL;
}


/* Elements that are never text of the page. */
static const char *const never[] = {
	"script", "style", "noscript", "template", "svg", "iframe", "object",
	"embed", "canvas", "math", "select", "button", "input", "textarea",
	"link", "meta", "head", "title", "audio", "video", "map", "applet",
	"frameset", "frame", "option", "datalist", "base", NULL,
};

/* Elements that are navigation or page furniture. */
static const char *const furniture[] = {
	"nav", "header", "footer", "aside", "dialog", "menu", NULL,
};

static const char *const unlikely[] = {
	"-ad-", "ai2html", "banner", "breadcrumb", "combx", "comment",
	"community", "cover-wrap", "disqus", "extra", "footer", "gdpr",
	"header", "legends", "menu", "related", "remark", "replies", "rss",
	"shoutbox", "sidebar", "skyscraper", "social", "sponsor",
	"supplemental", "ad-break", "agegate", "pagination", "pager", "popup",
	"yom-remote", "cookie", "consent", "newsletter", "subscribe",
	"promo", "share", "sharing", "outbrain", "taboola", "signup",
	"modal", "skip-link", "sr-only", "visually-hidden", "wp-caption-text",
	"hovercard", "hover-card", "tag-list", "taglist", "post-tags",
	"screen-reader", "print-only", "navbar", "topbar", NULL,
};

static const char *const maybe[] = {
	"and", "article", "body", "column", "content", "main", "shadow",
	"mathjax", NULL,
};

static const char *const positive[] = {
	"article", "body", "content", "entry", "hentry", "h-entry", "main",
	"page", "pagination", "post", "text", "blog", "story", NULL,
};

static const char *const negative[] = {
	"-ad-", "hidden", "banner", "combx", "comment", "com-", "contact",
	"foot", "footer", "footnote", "gdpr", "masthead", "media", "meta",
	"outbrain", "promo", "related", "scroll", "share", "shoutbox",
	"sidebar", "skyscraper", "sponsor", "shopping", "tags", "tool",
	"widget", "newsletter", "cookie", NULL,
};

static const char *const bad_roles[] = {
	"menu", "menubar", "complementary", "navigation", "alert",
	"alertdialog", "dialog", "banner", "contentinfo", "search", NULL,
};

static struct html_info *
info(const xmlNode *n)
{
	return (struct html_info *)n->_private;
}

/* The class/id weight, +-25 each (Readability's getClassWeight). */
static int
class_weight(const xmlNode *n, int flags)
{
	const char *c = html_attr(n, "class"), *id = html_attr(n, "id");
	int w = 0;

	if (!(flags & EX_WEIGHT_CLASSES))
		return 0;
	if (html_words(c, negative))
		w -= 25;
	if (html_words(c, positive))
		w += 25;
	if (html_words(id, negative))
		w -= 25;
	if (html_words(id, positive))
		w += 25;
	return w;
}

/* Marks the node as dropped: a removal that the caller performs later. */
static void
drop(xmlNode *n, xmlNode ***dead, size_t *ndead, size_t *cap, int *oom)
{
	if (*ndead == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		xmlNode **p = realloc(*dead, nc * sizeof(*p));

		if (p == NULL) {
			*oom = 1;
			return;
		}
		*dead = p;
		*cap = nc;
	}
	(*dead)[(*ndead)++] = n;
}

static void
remove_all(xmlNode **dead, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		xmlUnlinkNode(dead[i]);
		xmlFreeNode(dead[i]);
	}
}

/* Is n inside an element named name (below stop)? */
static int
has_ancestor(const xmlNode *n, const char *name, int maxdepth)
{
	for (n = n->parent; n != NULL && maxdepth-- != 0; n = n->parent)
		if (html_is(n, name))
			return 1;
	return 0;
}

/* Does the subtree contain a structural content marker? */
static int
holds_content(xmlNode *root)
{
	xmlNode *n;

	for (n = root->children; n != NULL; n = html_walk_next(n, root, 1)) {
		const char *v;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (html_is(n, "main"))
			return 1;
		/* Comment threads mark each comment as an <article>. */
		if (html_is(n, "article") && !html_words(html_attr(root, "class"),
		    (const char *const[]){ "comment", NULL }) &&
		    !html_words(html_attr(root, "id"),
		    (const char *const[]){ "comment", NULL }))
			return 1;
		if ((v = html_attr(n, "role")) != NULL && strcmp(v, "main") == 0)
			return 1;
		if ((v = html_attr(n, "itemprop")) != NULL &&
		    has(v, "articleBody"))
			return 1;
	}
	return 0;
}

/* The length of n's text with white space squashed, up to a bound. */
static size_t
text_len(xmlNode *n, char **out)
{
	xmlChar *s = xmlNodeGetContent(n);
	size_t len;

	if (s == NULL)
		return 0;
	len = html_squash((char *)s);
	if (out != NULL)
		*out = (char *)s;
	else
		xmlFree(s);
	return len;
}

/*
 * A byline or dateline: short, and marked by rel=author, itemprop=author or
 * a class/id such as "byline" (Readability's _checkByline, widened to the
 * date lines that sit beside it).
 */
static int
byline(xmlNode *n)
{
	static const char *const words[] = {
		"byline", "author", "dateline", "writtenby", "p-author",
		"timestamp", "publish-date", "post-date", "entry-date",
		"posted-on", "article-date", "story-date", "post-meta",
		"entry-meta", "article-meta", "article__meta", "entry-info",
		"post-info", NULL,
	};
	const char *rel = html_attr(n, "rel"), *ip = html_attr(n, "itemprop");
	size_t len;

	if (!((rel && strcasecmp(rel, "author") == 0) ||
	    (ip && strcasestr(ip, "author")) ||
	    html_words(html_attr(n, "class"), words) ||
	    html_words(html_attr(n, "id"), words)))
		return 0;
	if (holds_content(n))
		return 0;
	len = text_len(n, NULL);
	return len < 200;
}

/* Does the subtree below n hold a top-level heading? */
static int
holds_h1(xmlNode *n)
{
	xmlNode *c;

	for (c = n->children; c != NULL; c = html_walk_next(c, n, 1))
		if (c->type == XML_ELEMENT_NODE && html_is(c, "h1"))
			return 1;
	return 0;
}

/*
 * A comment thread or its form ("comments", "comment-list", id "respond",
 * Disqus): readers' text, never the page's, so it goes in every attempt,
 * also in those that keep what merely looks unlikely.  A "commentary" is
 * an article, and a wrapper that holds the page's heading or its marked
 * article ("post comments-open") is not a thread.
 */
static int
comment_area(xmlNode *n)
{
	static const char *const words[] = {
		"comment", "disqus", "respond", NULL,
	};
	static const char *const except[] = {
		"commentar", "responsive", NULL,
	};

	if (html_is(n, "body") || html_is(n, "html") || html_is(n, "main") ||
	    html_is(n, "article"))
		return 0;
	if (!html_word_starts(html_attr(n, "class"), words, except) &&
	    !html_word_starts(html_attr(n, "id"), words, except))
		return 0;
	return !holds_content(n) && !holds_h1(n);
}

/*
 * A picture's caption or credit line ("wp-caption-text", "caption-text",
 * "newsCaption", "image-credit"): short text about an image, not of the
 * article.  A long one is taken to be text the page put there (a lead
 * paragraph in a div named after the picture above it).
 */
static int
caption(xmlNode *n)
{
	static const char *const words[] = { "caption", "credit", NULL };

	if (!html_words(html_attr(n, "class"), words) &&
	    !html_words(html_attr(n, "id"), words))
		return 0;
	if (holds_content(n))
		return 0;
	return text_len(n, NULL) < 300;
}

/* Is n a heading that repeats the page title? */
static int
title_heading(xmlNode *n, const char *title)
{
	char *s = NULL;
	size_t len;
	int r;

	if (title == NULL || !(html_is(n, "h1") || html_is(n, "h2")))
		return 0;
	len = text_len(n, &s);
	r = len >= 10 && (strcasestr(title, s) != NULL ||
	    strcasestr(s, title) != NULL);
	xmlFree(s);
	return r;
}

/*
 * First pass: removes what is never text, and with main_only the furniture
 * and unlikely candidates.  A removed element's subtree is skipped.
 */
static int
clean(xmlNode *body, int main_only, int flags, const char *title)
{
	xmlNode **dead = NULL, *n;
	size_t ndead = 0, cap = 0;
	int oom = 0;

	for (n = body; n != NULL; ) {
		int gone = 0;

		if (n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE) {
			gone = 1;
		} else if (n->type == XML_ELEMENT_NODE && n != body) {
			const char *role = html_attr(n, "role");

			if (html_in_list(n, never) || html_hidden(n))
				gone = 1;
			else if (main_only && (html_in_list(n, furniture) ||
			    (role != NULL && html_words(role, bad_roles) &&
			    strcmp(role, "main") != 0)) && !holds_content(n))
				gone = 1;
			else if (main_only && (html_is(n, "figcaption") ||
			    comment_area(n) || caption(n) ||
			    byline(n) || title_heading(n, title)))
				gone = 1;
			else if (main_only && (flags & EX_STRIP_UNLIKELY) &&
			    !html_is(n, "a") && !html_is(n, "article") &&
			    !html_is(n, "main") && !html_is(n, "table") &&
			    !html_is(n, "code") && !html_is(n, "pre")) {
				const char *c = html_attr(n, "class");
				const char *id = html_attr(n, "id");

				if ((html_words(c, unlikely) || html_words(id, unlikely)) &&
				    !html_words(c, maybe) && !html_words(id, maybe) &&
				    !has_ancestor(n, "table", 64) &&
				    !has_ancestor(n, "code", 64) &&
				    !holds_content(n))
					gone = 1;
			}
		}
		if (gone)
			drop(n, &dead, &ndead, &cap, &oom);
		n = html_walk_next(n, body, !gone);
	}
	remove_all(dead, ndead);
	free(dead);
	return oom ? QUARRY_ENOMEM : 0;
}

/* Counts the characters of a text node as rendered (white space collapsed). */
static void
count_text(const xmlChar *s, size_t *len, unsigned *commas)
{
	int space = 1;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r' ||
		    *s == '\f') {
			if (!space)
				(*len)++;
			space = 1;
			continue;
		}
		space = 0;
		if ((*s & 0xc0) != 0x80)
			(*len)++;
		if (*s == ',')
			(*commas)++;
		else if (s[0] == 0xef && s[1] == 0xbc && s[2] == 0x8c)
			(*commas)++;	/* U+FF0C FULLWIDTH COMMA */
		else if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x81)
			(*commas)++;	/* U+3001 IDEOGRAPHIC COMMA */
	}
}

/* Bottom-up text statistics for every element below root. */
static void
measure(xmlNode *root)
{
	xmlNode *n = root;
	int entering = 1;

	while (n != NULL) {
		if (entering) {
			if (n->type == XML_ELEMENT_NODE) {
				struct html_info *i = info(n);

				memset(i, 0, sizeof(*i));
			}
			if (n->type == XML_ELEMENT_NODE && n->children) {
				n = n->children;
				continue;
			}
		}
		/* Leaving n: add it to its parent. */
		if (n != root && n->parent != NULL &&
		    n->parent->type == XML_ELEMENT_NODE) {
			struct html_info *p = info(n->parent);

			if (n->type == XML_TEXT_NODE ||
			    n->type == XML_CDATA_SECTION_NODE) {
				size_t len = 0;

				count_text(n->content, &len, &p->commas);
				p->text += len;
			} else if (n->type == XML_ELEMENT_NODE) {
				struct html_info *c = info(n);

				p->text += c->text + (html_block(n) ? 1 : 0);
				p->commas += c->commas;
				p->paras += c->paras + html_is(n, "p");
				p->imgs += c->imgs + html_is(n, "img");
				p->items += c->items + html_is(n, "li");
				p->pres += c->pres + html_is(n, "pre");
				p->ths += c->ths + html_is(n, "th");
				p->listtext += html_is(n, "ul") || html_is(n, "ol") ?
				    c->text : c->listtext;
				if (html_is(n, "a")) {
					const char *href = html_attr(n, "href");

					/* In-page links weigh less. */
					p->link += href && href[0] == '#' ?
					    c->text * 3 / 10 : c->text;
				} else
					p->link += c->link;
			}
		}
		n = html_walk_leave(n, root, &entering);
	}
}

static double
link_density(const xmlNode *n)
{
	const struct html_info *i = info(n);

	return i->text ? (double)i->link / (double)i->text : 0.0;
}

static void
init_candidate(xmlNode *n, int flags)
{
	struct html_info *i = info(n);
	static const char *const minus3[] = {
		"address", "ol", "ul", "dl", "dd", "dt", "li", "form", NULL,
	};

	if (i->candidate)
		return;
	i->candidate = 1;
	i->score = 0;
	if (html_is(n, "div"))
		i->score += 5;
	else if (html_is(n, "pre") || html_is(n, "td") ||
	    html_is(n, "blockquote"))
		i->score += 3;
	else if (html_in_list(n, minus3))
		i->score -= 3;
	else if (html_heading_level(n) || html_is(n, "th"))
		i->score -= 5;
	i->score += class_weight(n, flags);
}

/* Readability's DIV_TO_P_ELEMS: a div holding none of these is a paragraph. */
static int
has_block_child(const xmlNode *n)
{
	static const char *const elems[] = {
		"blockquote", "dl", "div", "img", "ol", "p", "pre", "table",
		"ul", "section", "article", "figure", "h1", "h2", "h3", "h4",
		"h5", "h6", NULL,
	};
	const xmlNode *c;

	for (c = n->children; c != NULL; c = c->next)
		if (html_in_list(c, elems))
			return 1;
	return 0;
}

/* The length of n's own inline text: text nodes and inline children. */
static size_t
own_text(const xmlNode *n, unsigned *commas)
{
	const xmlNode *c;
	size_t len = 0;

	*commas = 0;
	for (c = n->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE)
			count_text(c->content, &len, commas);
		else if (c->type == XML_ELEMENT_NODE && !html_block(c) &&
		    !html_is(c, "img")) {
			len += info(c)->text;
			*commas += info(c)->commas;
		}
	}
	return len;
}

/* Credits a paragraph of len characters under start to five ancestors. */
static void
credit(xmlNode *start, size_t len, unsigned commas, xmlNode *body, int flags)
{
	double score;
	xmlNode *a;
	int level;

	if (len < 25)
		return;
	score = 1 + commas + (len / 100 < 3 ? (double)(len / 100) : 3);
	for (a = start, level = 0; a != NULL && level < 5; a = a->parent,
	    level++) {
		if (a->type != XML_ELEMENT_NODE || a->parent == NULL ||
		    a->parent->type != XML_ELEMENT_NODE)
			break;
		init_candidate(a, flags);
		info(a)->score += score / (level == 0 ? 1 : level == 1 ? 2 :
		    level * 3);
		if (a == body)
			break;
	}
}

#define NTOP 5

static int
share_ancestor(xmlNode *anc, xmlNode *n)
{
	for (; n != NULL; n = n->parent)
		if (n == anc)
			return 1;
	return 0;
}

static int
count_children(const xmlNode *n)
{
	const xmlNode *c;
	int k = 0;

	for (c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			k++;
		else if (c->type == XML_TEXT_NODE) {
			const xmlChar *s;

			for (s = c->content; *s; s++)
				if (!isspace(*s))
					return 2;
		}
	return k;
}

/* Picks the top candidate as Readability does. */
static xmlNode *
pick(xmlNode *body, int flags)
{
	xmlNode *top[NTOP] = { 0 }, *n, *t, *p;
	double last, threshold;
	int k, alts = 0;

	for (n = body; n != NULL; n = html_walk_next(n, body, 1)) {
		unsigned commas;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (html_is(n, "p") || html_is(n, "pre") || html_is(n, "td") ||
		    html_is(n, "section") || (html_heading_level(n) > 1)) {
			if (n->parent != NULL)
				credit(n->parent, info(n)->text,
				    info(n)->commas, body, flags);
		} else if (html_is(n, "div")) {
			if (!has_block_child(n)) {
				if (n->parent != NULL)
					credit(n->parent, info(n)->text,
					    info(n)->commas, body, flags);
			} else {
				size_t len = own_text(n, &commas);

				credit(n, len, commas, body, flags);
			}
		}
	}
	for (n = body; n != NULL; n = html_walk_next(n, body, 1)) {
		struct html_info *i;
		int j;

		if (n->type != XML_ELEMENT_NODE || !info(n)->candidate)
			continue;
		i = info(n);
		i->score *= 1 - link_density(n);
		for (j = 0; j < NTOP; j++) {
			if (top[j] == NULL || i->score > info(top[j])->score) {
				memmove(top + j + 1, top + j,
				    (NTOP - j - 1) * sizeof(top[0]));
				top[j] = n;
				break;
			}
		}
	}
	t = top[0];
	if (t == NULL || t == body)
		return body;
	for (k = 1; k < NTOP && top[k] != NULL; k++)
		if (info(top[k])->score / info(t)->score >= 0.75)
			alts++;
	if (alts >= 3) {
		for (p = t->parent; p != NULL && p != body; p = p->parent) {
			int shared = 0;

			for (k = 1; k < NTOP && top[k] != NULL; k++)
				if (info(top[k])->score / info(t)->score >= 0.75 &&
				    share_ancestor(p, top[k]))
					shared++;
			if (shared >= 3) {
				t = p;
				init_candidate(t, flags);
				break;
			}
		}
	}
	last = info(t)->score;
	threshold = last / 3;
	for (p = t->parent; p != NULL && p != body; p = p->parent) {
		if (p->type != XML_ELEMENT_NODE)
			break;
		if (!info(p)->candidate)
			continue;
		if (info(p)->score < threshold)
			break;
		if (info(p)->score > last) {
			t = p;
			break;
		}
		last = info(p)->score;
	}
	for (p = t->parent; p != NULL && p != body &&
	    p->type == XML_ELEMENT_NODE && count_children(p) == 1;
	    p = t->parent)
		t = p;
	init_candidate(t, flags);
	return t;
}

static int
push_root(xmlNode ***roots, size_t *n, size_t *cap, xmlNode *x)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		xmlNode **p = realloc(*roots, nc * sizeof(*p));

		if (p == NULL)
			return QUARRY_ENOMEM;
		*roots = p;
		*cap = nc;
	}
	(*roots)[(*n)++] = x;
	return 0;
}

/* Does the text of n end a sentence or hold ". "? */
static int
sentence_like(const xmlNode *n)
{
	xmlChar *s = xmlNodeGetContent(n);
	size_t l;
	int r;

	if (s == NULL)
		return 0;
	l = strlen((char *)s);
	while (l > 0 && isspace(s[l - 1]))
		l--;
	r = strstr((char *)s, ". ") != NULL || (l > 0 && s[l - 1] == '.');
	xmlFree(s);
	return r;
}

/* Collects the top candidate and the siblings that belong with it. */
static int
merge_siblings(xmlNode *t, xmlNode *body, int flags, xmlNode ***roots,
    size_t *n)
{
	double tscore = info(t)->score, threshold;
	const char *tclass = html_attr(t, "class");
	size_t cap = 0;
	xmlNode *s;

	if (t == body || t->parent == NULL || t->parent == body->parent)
		return push_root(roots, n, &cap, t);
	threshold = tscore * 0.2 > 10 ? tscore * 0.2 : 10;
	for (s = t->parent->children; s != NULL; s = s->next) {
		int append = 0;

		if (s == t) {
			append = 1;
		} else if (s->type == XML_ELEMENT_NODE) {
			struct html_info *i = info(s);
			const char *c = html_attr(s, "class");
			double bonus = 0;

			if (tclass != NULL && c != NULL && *c &&
			    strcmp(c, tclass) == 0)
				bonus = tscore * 0.2;
			if (i->candidate && i->score + bonus >= threshold)
				append = 1;
			else if (html_is(s, "p")) {
				double ld = link_density(s);

				if (i->text > 80 && ld < 0.25)
					append = 1;
				else if (i->text < 80 && i->text > 0 &&
				    ld == 0 && sentence_like(s))
					append = 1;
			}
		}
		if (append && push_root(roots, n, &cap, s) != 0)
			return QUARRY_ENOMEM;
	}
	(void)flags;
	return 0;
}

/* Is a inside b (or b itself)? */
static int
inside(const xmlNode *a, const xmlNode *b)
{
	for (; a != NULL; a = a->parent)
		if (a == b)
			return 1;
	return 0;
}

/*
 * An article body split into parts that are not siblings: each part in a
 * wrapper of its own, beside an advertising rail ("article__chunks" >
 * grid > article__body, twice).  The parts share the top candidate's tag
 * and class, which names them as content, and sit below a common ancestor
 * at most three levels up.  They join the roots in document order.
 */
static int
merge_parts(xmlNode *t, xmlNode *body, xmlNode ***roots, size_t *n)
{
	static const char *const part_words[] = {
		"body", "content", "article", "text", "story", "entry", "post",
		NULL,
	};
	const char *tclass = html_attr(t, "class");
	xmlNode *a = t, *x, **all = NULL;
	size_t before = 0, after = 0, k, cap = 0, nall = 0;
	int level, rc = 0;

	if (tclass == NULL || !html_words(tclass, part_words))
		return 0;
	/* Siblings were weighed by merge_siblings. */
	for (level = 0; level < 3 && a->parent != NULL && a->parent != body;
	    level++)
		a = a->parent;
	if (level < 2)
		return 0;
	for (x = a->children; x != NULL; ) {
		const char *c;
		int skip = 0;

		if (x == t) {
			skip = 1;
			before = nall;
		} else if (x->type == XML_ELEMENT_NODE &&
		    xmlStrcmp(x->name, t->name) == 0 &&
		    (c = html_attr(x, "class")) != NULL &&
		    strcmp(c, tclass) == 0 && x->parent != t->parent &&
		    !inside(t, x)) {
			skip = 1;
			/* Not a list of other articles. */
			if (info(x)->text >= 100 && link_density(x) < 0.5 &&
			    !holds_content(x) && push_root(&all, &nall, &cap, x) != 0) {
				free(all);
				return QUARRY_ENOMEM;
			}
		}
		x = html_walk_next(x, a, !skip);
	}
	after = nall - before;
	if (nall > 0) {
		xmlNode **p = realloc(*roots, (*n + nall) * sizeof(*p));

		if (p == NULL) {
			rc = QUARRY_ENOMEM;
		} else {
			*roots = p;
			memmove(p + before, p, *n * sizeof(*p));
			for (k = 0; k < before; k++)
				p[k] = all[k];
			for (k = 0; k < after; k++)
				p[before + *n + k] = all[before + k];
			*n += nall;
		}
	}
	free(all);
	return rc;
}

/* Subtracts a removed subtree's statistics from its ancestors up to stop. */
static void
unaccount(xmlNode *n, xmlNode *stop)
{
	struct html_info *i = info(n);
	size_t link = i->link;
	xmlNode *a;
	int depth = 0;

	/*
	 * Bounded, so that a page of deeply nested blocks stays linear; the
	 * statistics of ancestors further up merely stay a little high.
	 */
	for (a = n->parent; a != NULL && a->type == XML_ELEMENT_NODE &&
	    depth < 256; a = a->parent, depth++) {
		struct html_info *p = info(a);

		p->text -= i->text < p->text ? i->text : p->text;
		p->link -= link < p->link ? link : p->link;
		/* Above a link, all of the removed text counted as link text. */
		if (html_is(a, "a"))
			link = i->text;
		p->commas -= i->commas < p->commas ? i->commas : p->commas;
		if (a == stop)
			break;
	}
}

/*
 * The heading n holds (within its first 64 elements), or NULL.  DocBook
 * wraps each section title in three divs of no other text, which the
 * conditional clean would otherwise take for empty widgets.
 */
static const xmlNode *
holds_heading(const xmlNode *n)
{
	const xmlNode *c;
	int seen = 0;

	for (c = n->children; c != NULL && seen < 64;
	    c = html_walk_next((xmlNode *)c, (xmlNode *)n, 1))
		if (c->type == XML_ELEMENT_NODE) {
			if (html_heading_level(c))
				return c;
			seen++;
		}
	return NULL;
}

/* Is the next element after n a paragraph of prose (a section's text)? */
static int
prose_follows(const xmlNode *n)
{
	const xmlNode *s;
	int up = 0;

	/* From the outermost of the wrappers that hold nothing else. */
	for (;;) {
		for (s = n->next; s != NULL && s->type != XML_ELEMENT_NODE;
		    s = s->next)
			;
		if (s != NULL || n->parent == NULL || !html_is(n->parent,
		    "div") || count_children(n->parent) != 1 || ++up > 4)
			break;
		n = n->parent;
	}
	return s != NULL && (html_is(s, "p") || html_is(s, "div")) &&
	    info(s)->text > 80 && link_density(s) < 0.25 &&
	    info(s)->commas > 0;
}

/* Readability's _cleanConditionally over the chosen content. */
static int
clean_conditionally(xmlNode *root, int flags)
{
	static const char *const tags[] = {
		"form", "fieldset", "table", "ul", "ol", "div", "section",
		"dl", NULL,
	};
	xmlNode **list = NULL, **dead = NULL, *n;
	size_t nl = 0, capl = 0, nd = 0, capd = 0, k;
	int oom = 0;

	for (n = root->children; n != NULL; n = html_walk_next(n, root, 1))
		if (html_in_list(n, tags))
			drop(n, &list, &nl, &capl, &oom);
	/* Innermost first, as Readability walks them in reverse. */
	for (k = nl; k-- > 0 && !oom; ) {
		struct html_info *i;
		int weight, is_list, remove = 0, prose;
		size_t p, img, li, input, embed;
		const xmlNode *hd;
		double ld;

		n = list[k];
		i = info(n);
		if (n->parent == NULL)
			continue;
		if (html_is(n, "table") && (i->ths > 0 ||
		    html_attr(n, "summary") != NULL))
			continue;	/* a data table */
		if (has_ancestor(n, "pre", 64) || has_ancestor(n, "code", 64))
			continue;

		weight = class_weight(n, flags);
		is_list = html_is(n, "ul") || html_is(n, "ol") ||
		    (i->text && (double)i->listtext / i->text > 0.9);
		if (weight + (i->candidate ? i->score : 0) < 0) {
			remove = 1;
		} else if (!html_is(n, "form") && (hd = holds_heading(n)) &&
		    info(hd)->text + 8 >= i->text && prose_follows(n)) {
			remove = 0;	/* a section title's wrapper */
		} else if (i->commas < 10) {
			/* Inputs and embeds went in the first pass. */
			p = i->paras;
			img = i->imgs;
			li = i->items;
			input = embed = 0;
			ld = link_density(n);
			li = li > 100 ? li - 100 : 0;
			/*
			 * Link density only condemns a block without much
			 * prose: a story followed by its "more news" list is
			 * still the story.
			 */
			prose = i->text - i->link < 600 || p < 2;
			if (img > 1 && (double)p / img < 0.5 &&
			    !has_ancestor(n, "figure", 64))
				remove = 1;
			else if (!is_list && li > p)
				remove = 1;
			else if ((double)input > (double)p / 3)
				remove = 1;
			else if (!is_list && i->text < 25 &&
			    /* a div without blocks is a paragraph */
			    !(html_is(n, "div") && !has_block_child(n)) &&
			    (img == 0 || img > 2) &&
			    !has_ancestor(n, "figure", 64) &&
			    i->pres == 0 && !html_is(n, "table"))
				remove = 1;
			else if (prose && !is_list && weight < 25 && ld > 0.2)
				remove = 1;
			else if (prose && weight >= 25 && ld > 0.5)
				remove = 1;
			else if ((embed == 1 && i->text < 75) || embed > 1)
				remove = 1;
			else if (is_list && ld > 0.5 && i->text < 300)
				remove = 1;
		}
		if (remove) {
			unaccount(n, root);
			xmlUnlinkNode(n);
			drop(n, &dead, &nd, &capd, &oom);
		}
	}
	for (k = 0; k < nd; k++)
		xmlFreeNode(dead[k]);
	free(list);
	free(dead);
	return oom ? QUARRY_ENOMEM : 0;
}

static xmlNode *
find_body(xmlDoc *doc)
{
	xmlNode *root = xmlDocGetRootElement(doc), *n;

	if (root == NULL)
		return NULL;
	for (n = root->children; n != NULL; n = n->next)
		if (html_is(n, "body"))
			return n;
	return root;
}

/* One attempt with the given flags over doc. */
int
html_extract(xmlDoc *doc, int main_only, xmlNode ***roots, size_t *n)
{
	return html_extract_flags(doc, main_only, EX_STRIP_UNLIKELY |
	    EX_WEIGHT_CLASSES | EX_CLEAN_CONDITIONALLY, NULL, roots, n);
}

int
html_extract_flags(xmlDoc *doc, int main_only, int flags, const char *title,
    xmlNode ***roots, size_t *n)
{
	struct html_info *infos = NULL;
	xmlNode *body, *x, *t;
	size_t count = 0, k;
	int rc;

	*roots = NULL;
	*n = 0;
	if ((body = find_body(doc)) == NULL)
		return 0;
	if ((rc = clean(body, main_only, flags, title)) != 0)
		return rc;
	if (!main_only) {
		size_t cap = 0;

		return push_root(roots, n, &cap, body);
	}
	for (x = body; x != NULL; x = html_walk_next(x, body, 1))
		count += x->type == XML_ELEMENT_NODE;
	if ((infos = calloc(count + 1, sizeof(*infos))) == NULL)
		return QUARRY_ENOMEM;
	for (x = body, k = 0; x != NULL; x = html_walk_next(x, body, 1))
		if (x->type == XML_ELEMENT_NODE)
			x->_private = &infos[k++];
	measure(body);
	t = pick(body, flags);
	rc = merge_siblings(t, body, flags, roots, n);
	if (rc == 0)
		rc = merge_parts(t, body, roots, n);
	if (rc == 0 && (flags & EX_CLEAN_CONDITIONALLY))
		for (k = 0; k < *n && rc == 0; k++)
			rc = clean_conditionally((*roots)[k], flags);
	for (x = body; x != NULL; x = html_walk_next(x, body, 1))
		if (x->type == XML_ELEMENT_NODE)
			x->_private = NULL;
	free(infos);
	return rc;
}
