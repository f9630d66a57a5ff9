/*
 * office_odt.c: ODT (OASIS OpenDocument 1.0-1.3 text) to text.
 *
 * content.xml holds the body (office:body/office:text), meta.xml the
 * metadata, styles.xml the named styles.  Headings are text:h with their
 * outline level, and paragraphs of the "Title" style; lists are text:list,
 * ordered when their list style's level is a number style; tables become
 * pipe tables (covered cells are empty cells); notes (text:note) "[^N]"
 * with their text at the end.  A paragraph or table whose style (or a
 * parent style) breaks the page before or after it gives a form feed.
 * Tables of contents, annotations, tracked deletions and drawings are left
 * out.  Walks recurse over the tree, whose depth libxml2 bounds.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "office_private.h"

#define TEXT ":text:"
#define TABLE ":table:"

struct pstyle {
	const char *name, *parent;
	int before, after;	/* fo:break-before/-after="page" */
	int title;		/* named "Title" */
};

struct lstyle {
	const char *name;
	unsigned char ordered[10];
	long start[10];
};

struct odt {
	quarry_office *h;
	struct otext *t;
	struct pstyle *ps;
	size_t nps, cps;
	struct lstyle *ls;
	size_t nls, cls;
	int in_note;
	const xmlNode *list;	/* the outermost list being written */
};

/* ------------------------------------------------------------- styles */

static int
add_pstyle(struct odt *o, xmlNode *n)
{
	struct pstyle *s;
	xmlNode *pp = ox_child(n, "paragraph-properties");
	const char *b, *a, *dn;

	if (pp == NULL)
		pp = ox_child(n, "table-properties");
	if (o->nps == o->cps) {
		size_t nc = o->cps ? o->cps * 2 : 64;
		struct pstyle *p = realloc(o->ps, nc * sizeof(*p));

		if (p == NULL)
			return QUARRY_ENOMEM;
		o->ps = p;
		o->cps = nc;
	}
	s = &o->ps[o->nps++];
	s->name = ox_attr(n, "name");
	s->parent = ox_attr(n, "parent-style-name");
	b = ox_attr(pp, "break-before");
	a = ox_attr(pp, "break-after");
	s->before = b != NULL && strcmp(b, "page") == 0;
	s->after = a != NULL && strcmp(a, "page") == 0;
	dn = ox_attr(n, "display-name");
	s->title = strcmp(s->name, "Title") == 0 ||
	    (dn != NULL && strcmp(dn, "Title") == 0);
	return 0;
}

static int
add_lstyle(struct odt *o, xmlNode *n)
{
	struct lstyle *s;
	xmlNode *l;

	if (o->nls == o->cls) {
		size_t nc = o->cls ? o->cls * 2 : 16;
		struct lstyle *p = realloc(o->ls, nc * sizeof(*p));

		if (p == NULL)
			return QUARRY_ENOMEM;
		o->ls = p;
		o->cls = nc;
	}
	s = &o->ls[o->nls++];
	memset(s, 0, sizeof(*s));
	s->name = ox_attr(n, "name");
	for (l = n->children; l != NULL; l = l->next) {
		const char *lv = ox_attr(l, "level");
		const char *fmt = ox_attr(l, "num-format");
		const char *sv = ox_attr(l, "start-value");
		int i = lv != NULL ? atoi(lv) : 0;

		if (i < 1 || i > 10)
			continue;
		s->ordered[i - 1] = ox_is(l, TEXT, "list-level-style-number") &&
		    fmt != NULL && *fmt != '\0';
		s->start[i - 1] = sv != NULL ? atol(sv) : 1;
	}
	return 0;
}

/* Collects styles from one office:styles or office:automatic-styles. */
static int
read_styles(struct odt *o, xmlNode *container)
{
	xmlNode *n;
	int rc;

	if (container == NULL)
		return 0;
	for (n = container->children; n != NULL; n = n->next) {
		if (ox_is(n, ":style:", "style") && ox_attr(n, "name") != NULL)
			rc = add_pstyle(o, n);
		else if (ox_is(n, TEXT, "list-style") &&
		    ox_attr(n, "name") != NULL)
			rc = add_lstyle(o, n);
		else
			continue;
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* The effective page breaks and title flag of style name. */
static void
style_of(const struct odt *o, const char *name, int *before, int *after,
    int *title)
{
	int hops;
	size_t i;

	*before = *after = *title = 0;
	for (hops = 0; name != NULL && hops < 16; hops++) {
		const struct pstyle *s = NULL;

		/* Automatic styles come last and are looked up first. */
		for (i = o->nps; i-- > 0;)
			if (strcmp(o->ps[i].name, name) == 0) {
				s = &o->ps[i];
				break;
			}
		if (s == NULL)
			return;
		*before |= s->before;
		*after |= s->after;
		*title |= s->title;
		name = s->parent;
	}
}

static const struct lstyle *
list_style(const struct odt *o, const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = o->nls; i-- > 0;)
		if (strcmp(o->ls[i].name, name) == 0)
			return &o->ls[i];
	return NULL;
}

/* ------------------------------------------------------------- inline */

static void blocks(struct odt *o, xmlNode *parent, int level,
    const struct lstyle *ls);

static void
inline_(struct odt *o, xmlNode *parent)
{
	xmlNode *c;

	for (c = parent->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE && c->content != NULL) {
			ot_puts(o->t, (const char *)c->content);
			continue;
		}
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (ox_is(c, TEXT, "s")) {
			const char *n = ox_attr(c, "c");
			long k = n != NULL ? atol(n) : 1;

			/* Collapsed later; one space says it. */
			if (k > 0)
				ot_put(o->t, " ", 1);
		} else if (ox_is(c, TEXT, "tab"))
			ot_put(o->t, "\t", 1);
		else if (ox_is(c, TEXT, "line-break"))
			ot_put(o->t, "\n", 1);
		else if (ox_is(c, TEXT, "note")) {
			xmlNode *body = ox_child(c, "note-body"), *p;
			size_t mark;
			unsigned n;

			if (o->in_note || body == NULL)
				continue;
			n = ot_note_ref(o->t);
			mark = o->t->para.len;
			o->in_note = 1;
			for (p = body->children; p != NULL; p = p->next)
				if (ox_is(p, TEXT, "p") || ox_is(p, TEXT, "h")) {
					inline_(o, p);
					ot_put(o->t, " ", 1);
				}
			o->in_note = 0;
			ot_note_text(o->t, n, mark);
		} else if (ox_is(c, TEXT, "tracked-changes") ||
		    ox_is(c, TEXT, "note-citation") ||
		    ox_is(c, TEXT, "bookmark") ||
		    ox_is(c, TEXT, "ruby-text"))
			continue;
		else if (c->ns != NULL && c->ns->href != NULL &&
		    strstr((const char *)c->ns->href, TEXT) != NULL)
			/* span, a, fields, ruby-base...: their text. */
			inline_(o, c);
		/* office:annotation, draw:*: not the flow's text. */
	}
}

/* ------------------------------------------------------------- blocks */

static void
para(struct odt *o, xmlNode *p, int heading, const char *prefix, int indent)
{
	int before, after, title;
	char hp[8];

	style_of(o, ox_attr(p, "style-name"), &before, &after, &title);
	if (before) {
		ot_block(o->t, NULL, 0);
		ot_page(o->t);
	}
	if (heading == 0 && title && prefix == NULL)
		heading = 1;
	inline_(o, p);
	if (heading > 0) {
		size_t i;

		if (heading > 6)
			heading = 6;
		memset(hp, '#', (size_t)heading);
		hp[heading] = ' ';
		hp[heading + 1] = '\0';
		for (i = 0; i < o->t->para.len; i++)
			if (o->t->para.data[i] == '\n')
				o->t->para.data[i] = ' ';
		ot_block(o->t, hp, 0);
	} else if (prefix != NULL)
		ot_item(o->t, prefix, indent, o->list);
	else
		ot_block(o->t, NULL, 0);
	if (after)
		ot_page(o->t);
}

static void
table_cells(struct odt *o, xmlNode *parent, struct otable *tb)
{
	xmlNode *c;

	for (c = parent->children; c != NULL; c = c->next) {
		if (ox_is(c, TABLE, "table-header-rows") ||
		    ox_is(c, TABLE, "table-rows") ||
		    ox_is(c, TABLE, "table-row-group"))
			table_cells(o, c, tb);
		else if (ox_is(c, TABLE, "table-row")) {
			xmlNode *cell;
			const char *rep = ox_attr(c, "number-rows-repeated");

			/* Repeated empty rows fill a sheet; one will do. */
			(void)rep;
			otable_row(tb);
			for (cell = c->children; cell != NULL;
			    cell = cell->next) {
				xmlNode *p;

				if (ox_is(cell, TABLE, "covered-table-cell")) {
					otable_cell(tb, "", 0, 1);
					continue;
				}
				if (!ox_is(cell, TABLE, "table-cell"))
					continue;
				o->t->para.len = 0;
				for (p = cell->children; p != NULL;
				    p = p->next)
					if (ox_is(p, TEXT, "p") ||
					    ox_is(p, TEXT, "h")) {
						inline_(o, p);
						ot_put(o->t, "\n", 1);
					} else if (ox_is(p, TEXT, "list")) {
						struct quarry_buf b = { 0 };

						if (ox_text(p, &b) == 0)
							ot_put(o->t, b.data ?
							    b.data : "", b.len);
						quarry_buf_free(&b);
						ot_put(o->t, "\n", 1);
					}
				otable_cell(tb, o->t->para.data ?
				    o->t->para.data : "", o->t->para.len, 1);
				o->t->para.len = 0;
			}
		}
	}
}

static void
table(struct odt *o, xmlNode *n)
{
	struct otable tb;
	int before, after, title;

	memset(&tb, 0, sizeof(tb));
	ot_block(o->t, NULL, 0);
	style_of(o, ox_attr(n, "style-name"), &before, &after, &title);
	if (before)
		ot_page(o->t);
	table_cells(o, n, &tb);
	otable_emit(&tb, o->t);
	if (after)
		ot_page(o->t);
}

static void
list(struct odt *o, xmlNode *n, int level, const struct lstyle *ls)
{
	const struct lstyle *own = list_style(o, ox_attr(n, "style-name"));
	xmlNode *item;
	long count = 0;
	int lv = level < 10 ? level : 9;

	if (own != NULL)
		ls = own;
	count = ls != NULL ? ls->start[lv] - 1 : 0;
	for (item = n->children; item != NULL; item = item->next) {
		const char *sv = ox_attr(item, "start-value");
		xmlNode *c;
		char mark[48];
		int first = 1, header = ox_is(item, TEXT, "list-header");

		if (!ox_is(item, TEXT, "list-item") && !header)
			continue;
		if (!header)
			count = sv != NULL ? atol(sv) : count + 1;
		for (c = item->children; c != NULL; c = c->next) {
			if (ox_is(c, TEXT, "list")) {
				list(o, c, level + 1, ls);
				first = 0;
				continue;
			}
			if (!ox_is(c, TEXT, "p") && !ox_is(c, TEXT, "h"))
				continue;
			if (first && !header && ls != NULL && ls->ordered[lv])
				snprintf(mark, sizeof(mark), "%*s%ld. ",
				    2 * lv, "", count);
			else if (first && !header)
				snprintf(mark, sizeof(mark), "%*s- ", 2 * lv,
				    "");
			else
				snprintf(mark, sizeof(mark), "%*s",
				    2 * lv + 2, "");
			/* A heading in a list (numbered headings) stays a
			 * heading. */
			if (ox_is(c, TEXT, "h")) {
				const char *ol = ox_attr(c, "outline-level");

				para(o, c, ol != NULL && atoi(ol) > 0 ?
				    atoi(ol) : 1, NULL, 0);
			} else
				para(o, c, 0, mark, (int)strlen(mark));
			first = 0;
		}
	}
}

static void
blocks(struct odt *o, xmlNode *parent, int level, const struct lstyle *ls)
{
	xmlNode *c;

	for (c = parent->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (ox_is(c, TEXT, "h")) {
			const char *ol = ox_attr(c, "outline-level");
			int l = ol != NULL ? atoi(ol) : 1;

			para(o, c, l > 0 ? l : 1, NULL, 0);
		} else if (ox_is(c, TEXT, "p"))
			para(o, c, 0, NULL, 0);
		else if (ox_is(c, TEXT, "list")) {
			o->list = c;
			list(o, c, level, ls);
		} else if (ox_is(c, TABLE, "table"))
			table(o, c);
		else if (ox_is(c, TEXT, "section") ||
		    ox_is(c, TEXT, "numbered-paragraph") ||
		    ox_is(c, ":office:", "text"))
			blocks(o, c, level, ls);
		/* text:table-of-content and other indexes repeat the
		 * document; tracked changes and forms are not its text. */
	}
}

/* ----------------------------------------------------------- metadata */

static int
read_meta(quarry_office *h)
{
	static const struct {
		const char *elem, *key;
	} map[] = {
		{ "language", "lang" }, { "title", "title" },
		{ "initial-creator", "author" }, { "creation-date", "date" },
		{ "date", "modified" }, { "description", "description" },
		{ "subject", "subject" },
	};
	struct quarry_buf b = { 0 }, kw = { 0 };
	xmlDoc *doc;
	xmlNode *meta, *n;
	size_t i;
	int rc;

	if ((rc = office_part(h, "meta.xml", &b)) != 0) {
		quarry_buf_free(&b);
		return rc == QUARRY_ENOTFOUND ? 0 : rc;
	}
	doc = office_xml(h, "meta.xml", &b, 0);
	if (doc == NULL) {
		quarry_buf_free(&b);
		return QUARRY_EFORMAT;
	}
	meta = ox_child(xmlDocGetRootElement(doc), "meta");
	for (i = 0; meta != NULL && rc == 0 &&
	    i < sizeof(map) / sizeof(map[0]); i++)
		for (n = meta->children; n != NULL; n = n->next) {
			if (!ox_is(n, NULL, map[i].elem))
				continue;
			if ((rc = office_meta_text(h, map[i].key, n, &b)) != 0)
				break;
		}
	/* dc:creator is the last editor: the author only if nobody else. */
	if (rc == 0 && quarry_record_string(h->meta, "author", NULL) == NULL)
		for (n = meta ? meta->children : NULL; n; n = n->next)
			if (ox_is(n, NULL, "creator")) {
				rc = office_meta_text(h, "author", n, &b);
				break;
			}
	for (n = meta ? meta->children : NULL; rc == 0 && n; n = n->next)
		if (ox_is(n, NULL, "keyword")) {
			if (kw.len > 0 && quarry_buf_append(&kw, ", ", 2) != 0)
				rc = QUARRY_ENOMEM;
			else if (ox_text(n, &kw) != 0)
				rc = QUARRY_ENOMEM;
		}
	if (rc == 0 && kw.len > 0) {
		if (quarry_buf_append(&kw, "", 1) != 0)
			rc = QUARRY_ENOMEM;
		else
			rc = office_meta(h, "keywords", kw.data);
	}
	quarry_buf_free(&b);
	quarry_buf_free(&kw);
	xmlFreeDoc(doc);
	return rc;
}

/* The language of the default paragraph style, "en-US". */
static int
default_lang(quarry_office *h, xmlDoc *styles)
{
	xmlNode *s, *d;

	if (styles == NULL ||
	    quarry_record_string(h->meta, "lang", NULL) != NULL)
		return 0;
	s = ox_child(xmlDocGetRootElement(styles), "styles");
	for (d = s ? s->children : NULL; d != NULL; d = d->next) {
		const char *fam = ox_attr(d, "family"), *lang, *country;
		xmlNode *tp;
		char tag[64];

		if (!ox_is(d, ":style:", "default-style") || fam == NULL ||
		    strcmp(fam, "paragraph") != 0)
			continue;
		tp = ox_child(d, "text-properties");
		lang = ox_attr(tp, "language");
		country = ox_attr(tp, "country");
		if (lang == NULL || strcmp(lang, "zxx") == 0 ||
		    strlen(lang) > 8)
			return 0;
		if (country != NULL && *country != '\0' &&
		    strcmp(country, "none") != 0 && strlen(country) <= 8)
			snprintf(tag, sizeof(tag), "%s-%s", lang, country);
		else
			snprintf(tag, sizeof(tag), "%s", lang);
		return office_meta(h, "lang", tag);
	}
	return 0;
}

int
office_odt(quarry_office *h, struct otext *t)
{
	struct quarry_buf b = { 0 };
	xmlDoc *content = NULL, *styles = NULL;
	xmlNode *root, *body;
	struct odt o;
	int rc;

	memset(&o, 0, sizeof(o));
	o.h = h;
	o.t = t;
	if ((rc = read_meta(h)) != 0)
		return rc;
	rc = office_part(h, "styles.xml", &b);
	if (rc == 0 && (styles = office_xml(h, "styles.xml", &b, 0)) == NULL)
		rc = QUARRY_EFORMAT;
	if (rc != 0 && rc != QUARRY_ENOTFOUND)
		goto out;
	if ((rc = office_part(h, "content.xml", &b)) != 0) {
		if (rc == QUARRY_ENOTFOUND)
			rc = qerr_set(&h->err, QUARRY_EFORMAT,
			    "no content.xml");
		goto out;
	}
	if ((content = office_xml(h, "content.xml", &b, 0)) == NULL) {
		rc = QUARRY_EFORMAT;
		goto out;
	}
	if ((rc = default_lang(h, styles)) != 0)
		goto out;
	if (styles != NULL) {
		xmlNode *sr = xmlDocGetRootElement(styles);

		if ((rc = read_styles(&o, ox_child(sr, "styles"))) != 0 ||
		    (rc = read_styles(&o, ox_child(sr,
		    "automatic-styles"))) != 0)
			goto out;
	}
	root = xmlDocGetRootElement(content);
	if ((rc = read_styles(&o, ox_child(root, "automatic-styles"))) != 0)
		goto out;
	body = ox_child(ox_child(root, "body"), "text");
	if (body == NULL) {
		rc = qerr_set(&h->err, QUARRY_EFORMAT,
		    "content.xml: no office:body/office:text");
		goto out;
	}
	blocks(&o, body, 0, NULL);
out:
	if (rc == QUARRY_ENOMEM)
		qerr_set(&h->err, rc, "out of memory");
	quarry_buf_free(&b);
	free(o.ps);
	free(o.ls);
	xmlFreeDoc(content);
	xmlFreeDoc(styles);
	return rc;
}
