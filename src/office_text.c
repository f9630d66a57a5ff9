/*
 * office_text.c: the text builder of the office readers (blocks, page
 * breaks, footnotes, pipe tables in the light Markdown of man/quarry.7)
 * and the small XML helpers they share.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "office_private.h"

/* ------------------------------------------------------- XML helpers */

int
ox_is(const xmlNode *n, const char *nsfrag, const char *name)
{
	if (n == NULL || n->type != XML_ELEMENT_NODE ||
	    strcmp((const char *)n->name, name) != 0)
		return 0;
	if (nsfrag == NULL)
		return 1;
	return n->ns != NULL && n->ns->href != NULL &&
	    strstr((const char *)n->ns->href, nsfrag) != NULL;
}

const char *
ox_attr(const xmlNode *n, const char *name)
{
	const xmlAttr *a;

	if (n == NULL || n->type != XML_ELEMENT_NODE)
		return NULL;
	for (a = n->properties; a != NULL; a = a->next)
		if (strcmp((const char *)a->name, name) == 0) {
			const xmlNode *c = a->children;

			if (c != NULL && c->type == XML_TEXT_NODE &&
			    c->next == NULL && c->content != NULL)
				return (const char *)c->content;
			return "";
		}
	return NULL;
}

xmlNode *
ox_child(const xmlNode *n, const char *name)
{
	xmlNode *c;

	if (n == NULL)
		return NULL;
	for (c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

int
ox_text(const xmlNode *n, struct quarry_buf *b)
{
	const xmlNode *c = n->children;

	/* Iterative: the depth is libxml2's to bound, not the C stack's. */
	while (c != NULL) {
		if ((c->type == XML_TEXT_NODE ||
		    c->type == XML_CDATA_SECTION_NODE) && c->content != NULL) {
			if (quarry_buf_append(b, c->content,
			    strlen((const char *)c->content)) != 0)
				return QUARRY_ENOMEM;
		}
		if (c->type == XML_ELEMENT_NODE && c->children != NULL) {
			c = c->children;
			continue;
		}
		while (c != NULL && c->next == NULL) {
			c = c->parent;
			if (c == n)
				return 0;
		}
		if (c != NULL)
			c = c->next;
	}
	return 0;
}

/* ------------------------------------------------------- text builder */

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

size_t
ot_squash(char *s, size_t n)
{
	size_t i, w = 0;
	int sp = 0, nl = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '\n') {
			nl = 1;
			sp = 0;
			continue;
		}
		if (is_space(c)) {
			sp = 1;
			continue;
		}
		if (w > 0) {
			if (nl)
				s[w++] = '\n';
			else if (sp)
				s[w++] = ' ';
		}
		nl = sp = 0;
		s[w++] = (char)c;
	}
	return w;
}

static void
out_put(struct otext *t, struct quarry_buf *b, const char *s, size_t n)
{
	if (quarry_buf_append(b, s, n) != 0)
		t->oom = 1;
}

void
ot_put(struct otext *t, const char *s, size_t n)
{
	out_put(t, &t->para, s, n);
}

void
ot_puts(struct otext *t, const char *s)
{
	ot_put(t, s, strlen(s));
}

/* Writes the separator owed before a new block (item: a list item). */
static void
separate(struct otext *t, int item, const void *list)
{
	if (t->out.len > 0) {
		if (t->page)
			out_put(t, &t->out, "\n\f", 2);
		else if (item && t->item && list == t->list)
			out_put(t, &t->out, "\n", 1);
		else
			out_put(t, &t->out, "\n\n", 2);
	}
	t->page = 0;
	t->item = item;
	t->list = list;
}

static void
block(struct otext *t, const char *prefix, int indent, int item,
    const void *list)
{
	size_t n = t->para.len, i, from = 0;
	char *s = t->para.data;

	if (n == 0)
		return;
	n = ot_squash(s, n);
	t->para.len = 0;
	if (n == 0)
		return;
	separate(t, item, list);
	if (prefix != NULL)
		out_put(t, &t->out, prefix, strlen(prefix));
	for (i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		out_put(t, &t->out, s + from, i + 1 - from);
		for (int k = 0; k < indent; k++)
			out_put(t, &t->out, " ", 1);
		from = i + 1;
	}
	out_put(t, &t->out, s + from, n - from);
}

void
ot_block(struct otext *t, const char *prefix, int indent)
{
	block(t, prefix, indent, 0, NULL);
}

void
ot_item(struct otext *t, const char *prefix, int indent, const void *list)
{
	block(t, prefix, indent, 1, list);
}

void
ot_raw_block(struct otext *t, const char *s, size_t n)
{
	if (n == 0)
		return;
	separate(t, 0, NULL);
	out_put(t, &t->out, s, n);
}

void
ot_page(struct otext *t)
{
	if (t->out.len > 0)
		t->page = 1;
}

unsigned
ot_note_ref(struct otext *t)
{
	char ref[32];
	int l;

	t->nnotes++;
	l = snprintf(ref, sizeof(ref), "[^%u]", t->nnotes);
	ot_put(t, ref, (size_t)l);
	return t->nnotes;
}

void
ot_note_text(struct otext *t, unsigned n, size_t mark)
{
	size_t len = t->para.len - mark, i;
	char ref[32];
	char *d;
	int l;

	d = malloc(len + 1);
	if (d != NULL && len > 0)
		memcpy(d, t->para.data + mark, len);
	quarry_buf_truncate(&t->para, mark);
	if (d == NULL) {
		t->oom = 1;
		return;
	}
	len = ot_squash(d, len);
	for (i = 0; i < len; i++)
		if (d[i] == '\n')
			d[i] = ' ';
	if (t->notes.len > 0)
		out_put(t, &t->notes, "\n\n", 2);
	l = snprintf(ref, sizeof(ref), "[^%u]: ", n);
	out_put(t, &t->notes, ref, (size_t)l);
	out_put(t, &t->notes, d, len);
	free(d);
}

int
ot_finish(struct otext *t, struct quarry_buf *b)
{
	ot_block(t, NULL, 0);
	if (t->notes.len > 0) {
		t->page = 0;
		ot_raw_block(t, t->notes.data, t->notes.len);
	}
	if (t->oom || quarry_buf_reserve(&t->out, 1) != 0)
		return QUARRY_ENOMEM;
	t->out.data[t->out.len] = '\0';
	quarry_buf_free(b);
	*b = t->out;
	memset(&t->out, 0, sizeof(t->out));
	return 0;
}

void
ot_free(struct otext *t)
{
	quarry_buf_free(&t->out);
	quarry_buf_free(&t->para);
	quarry_buf_free(&t->notes);
}

/* ------------------------------------------------------------- tables */

void
otable_row(struct otable *tb)
{
	if (tb->rows == tb->cap_rows) {
		size_t nc = tb->cap_rows ? tb->cap_rows * 2 : 8;
		char **p;

		if (tb->cols == 0)
			tb->cols = 8;
		if ((p = realloc(tb->cells, nc * tb->cols * sizeof(*p))) ==
		    NULL) {
			tb->oom = 1;
			return;
		}
		memset(p + tb->cap_rows * tb->cols, 0,
		    (nc - tb->cap_rows) * tb->cols * sizeof(*p));
		tb->cells = p;
		tb->cap_rows = nc;
	}
	tb->rows++;
	tb->cur_col = 0;
}

/* Widens every row to at least want columns. */
static int
widen(struct otable *tb, size_t want)
{
	size_t nc = tb->cols, r;
	char **p;

	while (nc < want)
		nc *= 2;
	if ((p = calloc(tb->cap_rows * nc, sizeof(*p))) == NULL)
		return -1;
	for (r = 0; r < tb->rows; r++)
		memcpy(p + r * nc, tb->cells + r * tb->cols,
		    tb->cols * sizeof(*p));
	free(tb->cells);
	tb->cells = p;
	tb->cols = nc;
	return 0;
}

void
otable_cell(struct otable *tb, const char *s, size_t n, unsigned span)
{
	char *d;
	size_t i, w = 0;

	if (tb->oom || tb->rows == 0)
		return;
	if (span == 0)
		span = 1;
	if (span > 1000)
		span = 1000;
	if (tb->cur_col + span > tb->cols && widen(tb, tb->cur_col + span)) {
		tb->oom = 1;
		return;
	}
	/* One line, with '|' escaped. */
	if ((d = malloc(2 * n + 1)) == NULL) {
		tb->oom = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '|')
			d[w++] = '\\';
		d[w++] = s[i] == '\n' ? ' ' : s[i];
	}
	w = ot_squash(d, w);
	d[w] = '\0';
	tb->cells[(tb->rows - 1) * tb->cols + tb->cur_col] = d;
	tb->cur_col += span;
}

void
otable_emit(struct otable *tb, struct otext *t)
{
	struct quarry_buf b = { 0 };
	size_t r, c, ncols = 0, used = 0;

	if (tb->oom)
		t->oom = 1;
	/* The columns in use: up to the last non-empty cell of any row. */
	for (r = 0; r < tb->rows; r++)
		for (c = 0; c < tb->cols; c++)
			if (tb->cells[r * tb->cols + c] != NULL) {
				if (c + 1 > ncols)
					ncols = c + 1;
				if (*tb->cells[r * tb->cols + c] != '\0')
					used++;
			}
	if (used == 0)
		goto out;
	if (ncols == 1) {
		/* A one-column table is a layout device: its cells are
		 * paragraphs. */
		for (r = 0; r < tb->rows; r++) {
			const char *s = tb->cells[r * tb->cols];

			if (s != NULL && *s != '\0') {
				ot_block(t, NULL, 0);
				ot_raw_block(t, s, strlen(s));
			}
		}
		goto out;
	}
	for (r = 0; r < tb->rows; r++) {
		for (c = 0; c < ncols; c++) {
			const char *s = tb->cells[r * tb->cols + c];

			out_put(t, &b, c == 0 ? "| " : " | ", c == 0 ? 2 : 3);
			if (s != NULL)
				out_put(t, &b, s, strlen(s));
		}
		out_put(t, &b, " |\n", 3);
		if (r == 0) {
			for (c = 0; c < ncols; c++)
				out_put(t, &b, "| --- ", 6);
			out_put(t, &b, "|\n", 2);
		}
	}
	ot_block(t, NULL, 0);
	ot_raw_block(t, b.data, b.len - 1);
out:
	quarry_buf_free(&b);
	otable_free(tb);
}

void
otable_free(struct otable *tb)
{
	size_t i;

	if (tb->cells != NULL)
		for (i = 0; i < tb->cap_rows * tb->cols; i++)
			free(tb->cells[i]);
	free(tb->cells);
	memset(tb, 0, sizeof(*tb));
}
