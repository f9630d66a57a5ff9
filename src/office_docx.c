/*
 * office_docx.c: DOCX (ECMA-376 / ISO 29500 WordprocessingML, transitional
 * and strict) to text.
 *
 * The main part is found through the package relationships (_rels/.rels),
 * its styles, numbering, footnotes and endnotes through its own.  A
 * paragraph is a heading when its style is named "heading N" or "Title", or
 * has an outline level (itself or through basedOn); a list item when it or
 * its style has numbering, ordered unless the level's format is "bullet" or
 * "none".  Tables become pipe tables; footnotes and endnotes "[^N]" with
 * their text at the end; explicit page breaks (w:br w:type="page",
 * pageBreakBefore, a section that starts on a new page) form feeds.
 * Deleted text of tracked changes, field codes and text in drawings are
 * left out.  Walks recurse over the tree, whose depth libxml2 bounds (256
 * without XML_PARSE_HUGE).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "office_private.h"

#define W "wordprocessingml"
#define MAXLVL 9

struct style {
	const char *id;		/* borrowed from the styles tree */
	const char *based;
	int heading;		/* 1-6 by name or outline level, 0: none */
	int body;		/* outline level 9: explicitly body text */
	int numid, ilvl;	/* numbering, numid -1: none */
	int pbb;		/* pageBreakBefore */
};

struct num {
	int id;
	int ordered[MAXLVL];
	long start[MAXLVL];
};

struct counter {
	int numid;
	long c[MAXLVL];
	unsigned char started[MAXLVL];
};

struct note {
	const char *id;
	xmlNode *node;
};

struct docx {
	quarry_office *h;
	struct otext *t;
	struct style *st;
	size_t nst;
	const char *default_style;
	struct num *nums;
	size_t nnums;
	struct counter *cnt;
	size_t ncnt;
	struct note *notes;	/* footnotes, then endnotes */
	size_t nfoot, nnotes;
	int in_note;
	int oom;
};

/* -------------------------------------------------------- relationships */

struct parts {
	char main[512];
	char styles[512], numbering[512], footnotes[512], endnotes[512];
	char core[512];
};

/* Fills the targets of the relationships in rels (a part) relative to base. */
static int
read_rels(quarry_office *h, const char *rels, const char *base,
    struct parts *p, int package)
{
	struct quarry_buf b = { 0 };
	xmlDoc *doc;
	xmlNode *n;
	int rc;

	if ((rc = office_part(h, rels, &b)) != 0) {
		quarry_buf_free(&b);
		return rc == QUARRY_ENOTFOUND ? 0 : rc;
	}
	doc = office_xml(h, rels, &b, 0);
	quarry_buf_free(&b);
	if (doc == NULL)
		return QUARRY_EFORMAT;
	for (n = xmlDocGetRootElement(doc)->children; n != NULL; n = n->next) {
		const char *type = ox_attr(n, "Type");
		const char *target = ox_attr(n, "Target");
		const char *mode = ox_attr(n, "TargetMode");
		const char *slash;
		char *dst = NULL;

		if (!ox_is(n, NULL, "Relationship") || type == NULL ||
		    target == NULL || (mode != NULL &&
		    strcmp(mode, "External") == 0))
			continue;
		slash = strrchr(type, '/');
		slash = slash != NULL ? slash + 1 : type;
		if (package && strcmp(slash, "officeDocument") == 0)
			dst = p->main;
		else if (package && strcmp(slash, "core-properties") == 0)
			dst = p->core;
		else if (!package && strcmp(slash, "styles") == 0)
			dst = p->styles;
		else if (!package && strcmp(slash, "numbering") == 0)
			dst = p->numbering;
		else if (!package && strcmp(slash, "footnotes") == 0)
			dst = p->footnotes;
		else if (!package && strcmp(slash, "endnotes") == 0)
			dst = p->endnotes;
		if (dst != NULL && (rc = office_resolve(h, base, target, dst,
		    sizeof(p->main))) != 0) {
			xmlFreeDoc(doc);
			return rc;
		}
	}
	xmlFreeDoc(doc);
	return 0;
}

/* Loads and parses a part; *doc NULL when it does not exist. */
static int
load(quarry_office *h, const char *name, xmlDoc **doc)
{
	struct quarry_buf b = { 0 };
	int rc;

	*doc = NULL;
	if (*name == '\0')
		return 0;
	if ((rc = office_part(h, name, &b)) != 0) {
		quarry_buf_free(&b);
		return rc == QUARRY_ENOTFOUND ? 0 : rc;
	}
	*doc = office_xml(h, name, &b, 0);
	quarry_buf_free(&b);
	return *doc == NULL ? QUARRY_EFORMAT : 0;
}

/* ------------------------------------------------------------ metadata */

static int
core_props(quarry_office *h, const char *name)
{
	static const struct {
		const char *elem, *key;
	} map[] = {
		{ "language", "lang" }, { "title", "title" },
		{ "creator", "author" }, { "created", "date" },
		{ "modified", "modified" }, { "description", "description" },
		{ "subject", "subject" }, { "keywords", "keywords" },
	};
	struct quarry_buf b = { 0 };
	xmlDoc *doc;
	size_t i;
	int rc;

	if ((rc = load(h, name, &doc)) != 0 || doc == NULL)
		return rc;
	/* In map order, so that lang is known when dates are read. */
	for (i = 0; rc == 0 && i < sizeof(map) / sizeof(map[0]); i++) {
		xmlNode *n;

		for (n = xmlDocGetRootElement(doc)->children; n != NULL;
		    n = n->next) {
			if (!ox_is(n, NULL, map[i].elem))
				continue;
			if ((rc = office_meta_text(h, map[i].key, n, &b)) != 0)
				break;
		}
	}
	quarry_buf_free(&b);
	xmlFreeDoc(doc);
	return rc;
}

/* -------------------------------------------------------------- styles */

static int
val_int(const xmlNode *n, const char *name, int dflt)
{
	const char *v = ox_attr(n, name);

	return v != NULL && *v != '\0' ? atoi(v) : dflt;
}

/* Reads numbering properties (w:numPr) into *numid and *ilvl. */
static void
num_pr(const xmlNode *ppr, int *numid, int *ilvl)
{
	xmlNode *np = ox_child(ppr, "numPr");

	if (np == NULL)
		return;
	if (ox_child(np, "numId") != NULL)
		*numid = val_int(ox_child(np, "numId"), "val", -1);
	if (ox_child(np, "ilvl") != NULL)
		*ilvl = val_int(ox_child(np, "ilvl"), "val", 0);
}

/* "heading 1".."heading 9" (any case), "Title": a heading level. */
static int
heading_by_name(const char *name)
{
	if (name == NULL)
		return 0;
	if (strcasecmp(name, "title") == 0)
		return 1;
	if (strncasecmp(name, "heading", 7) == 0) {
		const char *p = name + 7;

		while (*p == ' ')
			p++;
		if (*p >= '1' && *p <= '9' && p[1] == '\0')
			return *p - '0' > 6 ? 6 : *p - '0';
	}
	return 0;
}

static int
read_styles(struct docx *d, xmlDoc *doc)
{
	xmlNode *n, *root = xmlDocGetRootElement(doc);
	size_t cap = 0;

	for (n = root->children; n != NULL; n = n->next) {
		struct style *s;
		xmlNode *ppr;
		const char *type = ox_attr(n, "type");

		if (ox_is(n, W, "docDefaults")) {
			xmlNode *l = ox_child(ox_child(ox_child(n,
			    "rPrDefault"), "rPr"), "lang");
			const char *v = ox_attr(l, "val");

			if (v != NULL && quarry_record_string(d->h->meta,
			    "lang", NULL) == NULL &&
			    office_meta(d->h, "lang", v) != 0)
				return QUARRY_ENOMEM;
		}
		if (!ox_is(n, W, "style") || type == NULL ||
		    strcmp(type, "paragraph") != 0 ||
		    ox_attr(n, "styleId") == NULL)
			continue;
		if (d->nst == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct style *p = realloc(d->st, nc * sizeof(*p));

			if (p == NULL)
				return QUARRY_ENOMEM;
			d->st = p;
			cap = nc;
		}
		s = &d->st[d->nst++];
		memset(s, 0, sizeof(*s));
		s->id = ox_attr(n, "styleId");
		s->based = ox_attr(ox_child(n, "basedOn"), "val");
		s->heading = heading_by_name(ox_attr(ox_child(n, "name"),
		    "val"));
		s->numid = -1;
		ppr = ox_child(n, "pPr");
		if (s->heading == 0 && ox_child(ppr, "outlineLvl") != NULL) {
			int l = val_int(ox_child(ppr, "outlineLvl"), "val", 9);

			if (l >= 0 && l < 9)
				s->heading = l + 1 > 6 ? 6 : l + 1;
			else
				s->body = 1;
		}
		num_pr(ppr, &s->numid, &s->ilvl);
		if (ox_child(ppr, "pageBreakBefore") != NULL) {
			const char *v = ox_attr(ox_child(ppr,
			    "pageBreakBefore"), "val");

			s->pbb = v == NULL || (strcmp(v, "0") != 0 &&
			    strcmp(v, "false") != 0 && strcmp(v, "off") != 0);
		}
		if (ox_attr(n, "default") != NULL &&
		    (strcmp(ox_attr(n, "default"), "1") == 0 ||
		    strcmp(ox_attr(n, "default"), "true") == 0))
			d->default_style = s->id;
	}
	return 0;
}

static const struct style *
find_style(const struct docx *d, const char *id)
{
	size_t i;

	if (id == NULL)
		return NULL;
	for (i = 0; i < d->nst; i++)
		if (strcmp(d->st[i].id, id) == 0)
			return &d->st[i];
	return NULL;
}

/* The effective properties of style id, following basedOn. */
static void
resolve_style(const struct docx *d, const char *id, int *heading,
    int *numid, int *ilvl, int *pbb)
{
	const struct style *s = find_style(d, id);
	int hops, got_h = 0, got_n = 0;

	for (hops = 0; s != NULL && hops < 16; hops++) {
		if (!got_h && (s->heading || s->body)) {
			*heading = s->heading;
			got_h = 1;
		}
		if (!got_n && s->numid >= 0) {
			*numid = s->numid;
			*ilvl = s->ilvl;
			got_n = 1;
		}
		if (s->pbb)
			*pbb = 1;
		s = find_style(d, s->based);
	}
}

/* ----------------------------------------------------------- numbering */

static int
read_numbering(struct docx *d, xmlDoc *doc)
{
	xmlNode *n, *a, *root = xmlDocGetRootElement(doc);
	size_t cap = 0;

	for (n = root->children; n != NULL; n = n->next) {
		const char *aid;
		struct num *m;
		int i;

		if (!ox_is(n, W, "num") || ox_attr(n, "numId") == NULL)
			continue;
		aid = ox_attr(ox_child(n, "abstractNumId"), "val");
		if (d->nnums == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct num *p = realloc(d->nums, nc * sizeof(*p));

			if (p == NULL)
				return QUARRY_ENOMEM;
			d->nums = p;
			cap = nc;
		}
		m = &d->nums[d->nnums++];
		m->id = atoi(ox_attr(n, "numId"));
		for (i = 0; i < MAXLVL; i++) {
			m->ordered[i] = 0;
			m->start[i] = 1;
		}
		if (aid == NULL)
			continue;
		for (a = root->children; a != NULL; a = a->next) {
			const char *id = ox_attr(a, "abstractNumId");
			xmlNode *l;

			if (!ox_is(a, W, "abstractNum") || id == NULL ||
			    strcmp(id, aid) != 0)
				continue;
			for (l = a->children; l != NULL; l = l->next) {
				const char *fmt;
				int il;

				if (!ox_is(l, W, "lvl"))
					continue;
				il = val_int(l, "ilvl", -1);
				if (il < 0 || il >= MAXLVL)
					continue;
				fmt = ox_attr(ox_child(l, "numFmt"), "val");
				m->ordered[il] = fmt != NULL &&
				    strcmp(fmt, "bullet") != 0 &&
				    strcmp(fmt, "none") != 0;
				m->start[il] = val_int(ox_child(l, "start"),
				    "val", 1);
			}
			break;
		}
	}
	return 0;
}

/* A pointer that names list numid (its numbering entry, or any). */
static const void *
list_key(const struct docx *d, int numid)
{
	size_t i;

	for (i = 0; i < d->nnums; i++)
		if (d->nums[i].id == numid)
			return &d->nums[i];
	return d;
}

/* The marker of the next item of list numid at level ilvl ("- ", "3. "). */
static int
list_marker(struct docx *d, int numid, int ilvl, char *buf, size_t bufsz)
{
	const struct num *m = NULL;
	struct counter *c = NULL;
	size_t i;
	int l;

	for (i = 0; i < d->nnums; i++)
		if (d->nums[i].id == numid) {
			m = &d->nums[i];
			break;
		}
	if (m == NULL || !m->ordered[ilvl]) {
		snprintf(buf, bufsz, "- ");
		return 0;
	}
	for (i = 0; i < d->ncnt; i++)
		if (d->cnt[i].numid == numid) {
			c = &d->cnt[i];
			break;
		}
	if (c == NULL) {
		struct counter *p = realloc(d->cnt, (d->ncnt + 1) *
		    sizeof(*p));

		if (p == NULL)
			return QUARRY_ENOMEM;
		d->cnt = p;
		c = &d->cnt[d->ncnt++];
		memset(c, 0, sizeof(*c));
		c->numid = numid;
	}
	c->c[ilvl] = c->started[ilvl] ? c->c[ilvl] + 1 : m->start[ilvl];
	c->started[ilvl] = 1;
	for (l = ilvl + 1; l < MAXLVL; l++)
		c->started[l] = 0;
	snprintf(buf, bufsz, "%ld. ", c->c[ilvl]);
	return 0;
}

/* ---------------------------------------------------------------- body */

static void block(struct docx *d, xmlNode *parent);
static void inline_(struct docx *d, xmlNode *parent);

static void
note(struct docx *d, const char *id, int endnote)
{
	size_t i, from, to;
	unsigned n;

	if (d->in_note || id == NULL)
		return;
	from = endnote ? d->nfoot : 0;
	to = endnote ? d->nnotes : d->nfoot;
	for (i = from; i < to; i++) {
		size_t mark;
		xmlNode *p;

		if (strcmp(d->notes[i].id, id) != 0)
			continue;
		n = ot_note_ref(d->t);
		mark = d->t->para.len;
		d->in_note = 1;
		for (p = d->notes[i].node->children; p != NULL; p = p->next)
			if (ox_is(p, W, "p")) {
				inline_(d, p);
				ot_put(d->t, " ", 1);
			}
		d->in_note = 0;
		ot_note_text(d->t, n, mark);
		return;
	}
}

static void
run(struct docx *d, xmlNode *r)
{
	xmlNode *c;

	for (c = r->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (ox_is(c, W, "t")) {
			struct quarry_buf *b = &d->t->para;

			if (ox_text(c, b) != 0)
				d->t->oom = 1;
		} else if (ox_is(c, W, "tab") || ox_is(c, W, "ptab"))
			ot_put(d->t, "\t", 1);
		else if (ox_is(c, W, "br") || ox_is(c, W, "cr")) {
			const char *type = ox_attr(c, "type");

			if (type != NULL && strcmp(type, "page") == 0 &&
			    !d->in_note) {
				/* The text before the break stays a block
				 * of its own on the page before. */
				ot_block(d->t, NULL, 0);
				ot_page(d->t);
			} else
				ot_put(d->t, "\n", 1);
		} else if (ox_is(c, W, "noBreakHyphen"))
			ot_put(d->t, "-", 1);
		else if (ox_is(c, W, "footnoteReference"))
			note(d, ox_attr(c, "id"), 0);
		else if (ox_is(c, W, "endnoteReference"))
			note(d, ox_attr(c, "id"), 1);
		else if (ox_is(c, W, "sym")) {
			/* A symbol-font character: kept only when it is
			 * plain text (not in the private use area). */
			const char *ch = ox_attr(c, "char");
			unsigned long u = ch ? strtoul(ch, NULL, 16) : 0;

			if (u >= 0x20 && u < 0x7f) {
				char s = (char)u;

				ot_put(d->t, &s, 1);
			}
		}
		/* w:delText, w:instrText, w:drawing, w:pict, ...: not text
		 * of the document's flow. */
	}
}

static void
inline_(struct docx *d, xmlNode *parent)
{
	xmlNode *c;

	for (c = parent->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (ox_is(c, W, "r"))
			run(d, c);
		else if (ox_is(c, W, "hyperlink") || ox_is(c, W, "ins") ||
		    ox_is(c, W, "moveTo") || ox_is(c, W, "smartTag") ||
		    ox_is(c, W, "fldSimple") || ox_is(c, W, "customXml") ||
		    ox_is(c, W, "dir") || ox_is(c, W, "bdo") ||
		    ox_is(c, W, "sdtContent"))
			inline_(d, c);
		else if (ox_is(c, W, "sdt"))
			inline_(d, ox_child(c, "sdtContent") ?
			    ox_child(c, "sdtContent") : c);
		/* w:del, w:moveFrom: deleted text. */
	}
}

static int
on(const xmlNode *n)
{
	const char *v = ox_attr(n, "val");

	return n != NULL && (v == NULL || (strcmp(v, "0") != 0 &&
	    strcmp(v, "false") != 0 && strcmp(v, "off") != 0));
}

static void
paragraph(struct docx *d, xmlNode *p)
{
	xmlNode *ppr = ox_child(p, "pPr"), *sect;
	const char *sid = ox_attr(ox_child(ppr, "pStyle"), "val");
	int heading = 0, numid = -1, ilvl = 0, pbb = 0;
	char prefix[64];
	int indent = 0;

	resolve_style(d, sid != NULL ? sid : d->default_style, &heading,
	    &numid, &ilvl, &pbb);
	if (ox_child(ppr, "outlineLvl") != NULL) {
		int l = val_int(ox_child(ppr, "outlineLvl"), "val", 9);

		heading = l >= 0 && l < 9 ? (l + 1 > 6 ? 6 : l + 1) : 0;
	}
	num_pr(ppr, &numid, &ilvl);
	if (ox_child(ppr, "pageBreakBefore") != NULL)
		pbb = on(ox_child(ppr, "pageBreakBefore"));
	if (pbb) {
		ot_block(d->t, NULL, 0);
		ot_page(d->t);
	}
	inline_(d, p);
	prefix[0] = '\0';
	if (heading > 0) {
		memset(prefix, '#', (size_t)heading);
		prefix[heading] = ' ';
		prefix[heading + 1] = '\0';
	} else if (numid > 0 && d->t->para.len > 0) {
		char mark[32];

		if (ilvl < 0 || ilvl >= MAXLVL)
			ilvl = 0;
		if (list_marker(d, numid, ilvl, mark, sizeof(mark)) != 0)
			d->t->oom = 1;
		snprintf(prefix, sizeof(prefix), "%*s%s", 2 * ilvl, "", mark);
		indent = (int)strlen(prefix);
	}
	if (heading > 0) {
		/* A heading is one line. */
		size_t i;

		for (i = 0; i < d->t->para.len; i++)
			if (d->t->para.data[i] == '\n')
				d->t->para.data[i] = ' ';
	}
	if (indent > 0)
		ot_item(d->t, prefix, indent, list_key(d, numid));
	else
		ot_block(d->t, prefix, indent);
	/* A section that ends here starts the next one on a new page
	 * unless it says continuous (or is a column break). */
	if ((sect = ox_child(ppr, "sectPr")) != NULL) {
		const char *type = ox_attr(ox_child(sect, "type"), "val");

		if (type == NULL || (strcmp(type, "continuous") != 0 &&
		    strcmp(type, "nextColumn") != 0))
			ot_page(d->t);
	}
}

/* The text of a table cell: its paragraphs, nested tables flattened. */
static void
cell_text(struct docx *d, xmlNode *tc)
{
	xmlNode *c;

	for (c = tc->children; c != NULL; c = c->next) {
		if (ox_is(c, W, "p")) {
			inline_(d, c);
			ot_put(d->t, "\n", 1);
		} else if (ox_is(c, W, "tbl") || ox_is(c, W, "tr") ||
		    ox_is(c, W, "tc") || ox_is(c, W, "sdt") ||
		    ox_is(c, W, "sdtContent") || ox_is(c, W, "customXml"))
			cell_text(d, c);
	}
}

static void
table(struct docx *d, xmlNode *tbl)
{
	struct otable tb;
	xmlNode *tr, *tc;

	memset(&tb, 0, sizeof(tb));
	ot_block(d->t, NULL, 0);
	for (tr = tbl->children; tr != NULL; tr = tr->next) {
		if (!ox_is(tr, W, "tr"))
			continue;
		otable_row(&tb);
		for (tc = tr->children; tc != NULL; tc = tc->next) {
			xmlNode *pr = ox_child(tc, "tcPr"), *vm;
			int span = val_int(ox_child(pr, "gridSpan"), "val", 1);
			const char *vmv;

			if (ox_is(tc, W, "sdt"))
				tc = ox_child(ox_child(tc, "sdtContent"),
				    "tc") ? ox_child(ox_child(tc,
				    "sdtContent"), "tc") : tc;
			if (!ox_is(tc, W, "tc"))
				continue;
			pr = ox_child(tc, "tcPr");
			span = val_int(ox_child(pr, "gridSpan"), "val", 1);
			vm = ox_child(pr, "vMerge");
			vmv = ox_attr(vm, "val");
			d->t->para.len = 0;
			/* A vertically merged cell's text is in the first. */
			if (vm == NULL || (vmv != NULL &&
			    strcmp(vmv, "restart") == 0))
				cell_text(d, tc);
			otable_cell(&tb, d->t->para.data ? d->t->para.data :
			    "", d->t->para.len, span > 0 ? (unsigned)span : 1);
			d->t->para.len = 0;
		}
	}
	otable_emit(&tb, d->t);
}

static void
block(struct docx *d, xmlNode *parent)
{
	xmlNode *c;

	for (c = parent->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (ox_is(c, W, "p"))
			paragraph(d, c);
		else if (ox_is(c, W, "tbl"))
			table(d, c);
		else if (ox_is(c, W, "sdt"))
			block(d, ox_child(c, "sdtContent") ?
			    ox_child(c, "sdtContent") : c);
		else if (ox_is(c, W, "customXml") || ox_is(c, W, "ins") ||
		    ox_is(c, W, "moveTo"))
			block(d, c);
	}
}

/* Collects the notes of a footnotes or endnotes part. */
static int
collect_notes(struct docx *d, xmlDoc *doc, const char *elem)
{
	xmlNode *n;

	if (doc == NULL)
		return 0;
	for (n = xmlDocGetRootElement(doc)->children; n != NULL; n = n->next) {
		struct note *p;

		if (!ox_is(n, W, elem) || ox_attr(n, "id") == NULL)
			continue;
		if ((p = realloc(d->notes, (d->nnotes + 1) * sizeof(*p))) ==
		    NULL)
			return QUARRY_ENOMEM;
		d->notes = p;
		d->notes[d->nnotes].id = ox_attr(n, "id");
		d->notes[d->nnotes].node = n;
		d->nnotes++;
	}
	return 0;
}

int
office_docx(quarry_office *h, struct otext *t)
{
	struct parts p;
	struct docx d;
	xmlDoc *main = NULL, *styles = NULL, *numbering = NULL;
	xmlDoc *foot = NULL, *end = NULL;
	xmlNode *body;
	char rels[600];
	const char *slash;
	int rc;

	memset(&p, 0, sizeof(p));
	memset(&d, 0, sizeof(d));
	d.h = h;
	d.t = t;
	if ((rc = read_rels(h, "_rels/.rels", "", &p, 1)) != 0)
		return rc;
	if (p.main[0] == '\0')
		snprintf(p.main, sizeof(p.main), "word/document.xml");
	if (p.core[0] == '\0')
		snprintf(p.core, sizeof(p.core), "docProps/core.xml");
	slash = strrchr(p.main, '/');
	snprintf(rels, sizeof(rels), "%.*s_rels/%s.rels",
	    slash ? (int)(slash - p.main + 1) : 0, p.main,
	    slash ? slash + 1 : p.main);
	if ((rc = read_rels(h, rels, p.main, &p, 0)) != 0)
		return rc;
	if ((rc = core_props(h, p.core)) != 0)
		return rc;
	if ((rc = load(h, p.main, &main)) != 0)
		goto out;
	if (main == NULL) {
		rc = qerr_set(&h->err, QUARRY_EFORMAT, "no main document part "
		    "(%s)", p.main);
		goto out;
	}
	if ((rc = load(h, p.styles, &styles)) != 0 ||
	    (styles != NULL && (rc = read_styles(&d, styles)) != 0))
		goto out;
	if ((rc = load(h, p.numbering, &numbering)) != 0 ||
	    (numbering != NULL && (rc = read_numbering(&d, numbering)) != 0))
		goto out;
	if ((rc = load(h, p.footnotes, &foot)) != 0 ||
	    (rc = collect_notes(&d, foot, "footnote")) != 0)
		goto out;
	d.nfoot = d.nnotes;
	if ((rc = load(h, p.endnotes, &end)) != 0 ||
	    (rc = collect_notes(&d, end, "endnote")) != 0)
		goto out;
	body = ox_child(xmlDocGetRootElement(main), "body");
	if (body == NULL) {
		rc = qerr_set(&h->err, QUARRY_EFORMAT, "%s: no w:body", p.main);
		goto out;
	}
	block(&d, body);
out:
	if (rc == QUARRY_ENOMEM)
		qerr_set(&h->err, rc, "out of memory");
	free(d.st);
	free(d.nums);
	free(d.cnt);
	free(d.notes);
	xmlFreeDoc(main);
	xmlFreeDoc(styles);
	xmlFreeDoc(numbering);
	xmlFreeDoc(foot);
	xmlFreeDoc(end);
	return rc;
}
