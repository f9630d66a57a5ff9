/*
 * pdf.c: PDF documents to quarry document records, through poppler.
 *
 * poppler gives each page's text in reading order (its TextOutputDev finds
 * columns and blocks), a box for every character and the font of every run.
 * This file turns that into lines with geometry (struct pdf_line) and hands
 * them to the layout engine (pdf_layout.c); it reads the Info dictionary and
 * the XMP packet (pdf_meta.c) and normalises dates and authors with the
 * metadata library.  poppler is reached through src/pdf_poppler.h, which
 * gives what poppler-glib would without loading it.
 *
 * Pages can be split across threads: each thread opens its own
 * document on the same bytes (poppler objects are not thread-safe,
 * separate documents are) and takes the next page from a shared counter.
 * Worker processes forked once the document is open (inheriting it
 * copy-on-write, sharing no lock, sending their pages back serialized)
 * measured no faster: as fast at -j 2 on two cores, 5% slower at -j 3.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "error_private.h"
#include "pdf_ocr.h"
#include "pdf_poppler.h"
#include "pdf_private.h"
#include "thread_private.h"

struct quarry_pdf {
	quarry_pdf_options o;
	char *password;
	struct qerr err;
	char warn[512];
	unsigned dropped;	/* quarry_pdf_dropped() */
};

void
quarry_pdf_options_init(quarry_pdf_options *o)
{
	memset(o, 0, sizeof(*o));
}

int
quarry_pdf_new(quarry_pdf **out, const quarry_pdf_options *o)
{
	quarry_pdf *p;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return QUARRY_ENOMEM;
	if (o != NULL)
		p->o = *o;
	if (o != NULL && o->password != NULL &&
	    (p->password = strdup(o->password)) == NULL) {
		free(p);
		return QUARRY_ENOMEM;
	}
	p->o.password = p->password;
	*out = p;
	return 0;
}

void
quarry_pdf_free(quarry_pdf *p)
{
	if (p == NULL)
		return;
	if (p->password != NULL) {
		explicit_bzero(p->password, strlen(p->password));
		free(p->password);
	}
	free(p);
}

const char *
quarry_pdf_error(const quarry_pdf *p)
{
	return qerr_str(p ? &p->err : NULL);
}

const char *
quarry_pdf_warning(const quarry_pdf *p)
{
	return p->warn;
}

unsigned
quarry_pdf_dropped(const quarry_pdf *p)
{
	return p->dropped;
}


/* ------------------------------------------------------------- pages */

/* Per-line accumulation of font sizes (the dominant one wins). */
struct sizes {
	double size[4];
	unsigned count[4];
	unsigned n, bold, mono, chars;
};

static void
sizes_add(struct sizes *s, double size, int bold, int mono)
{
	unsigned i;

	s->chars++;
	s->bold += bold != 0;
	s->mono += mono != 0;
	for (i = 0; i < s->n; i++)
		if (fabs(s->size[i] - size) < 0.25) {
			s->count[i]++;
			return;
		}
	if (s->n < 4) {
		s->size[s->n] = size;
		s->count[s->n++] = 1;
	}
}

static double
sizes_dominant(const struct sizes *s)
{
	unsigned i, best = 0;

	if (s->n == 0)
		return 0;
	for (i = 1; i < s->n; i++)
		if (s->count[i] > s->count[best])
			best = i;
	return s->size[best];
}

/*
 * The orientation of the page's text, from the direction most characters
 * advance in: 0 horizontal, 1 downwards (page turned clockwise), 3 upwards.
 * Characters advancing leftwards are right-to-left scripts far more often
 * than upside-down pages, so both count as horizontal.
 */
static int
text_direction(const struct pp_rect *r, size_t n, const char *text)
{
	unsigned votes[4] = { 0 };
	size_t i;
	int best = 0, d;

	for (i = 1; i < n && i < 20000; i++) {
		double dx = (r[i].x1 + r[i].x2) - (r[i - 1].x1 + r[i - 1].x2);
		double dy = (r[i].y1 + r[i].y2) - (r[i - 1].y1 + r[i - 1].y2);

		(void)text;
		if (dx == 0 && dy == 0)
			continue;
		if (fabs(dx) >= fabs(dy))
			votes[0]++;
		else
			votes[dy > 0 ? 1 : 3]++;
	}
	for (d = 1; d < 4; d++)
		if (votes[d] > votes[best])
			best = d;
	return best;
}

/* Maps a box from page space to the frame where text runs left to right. */
static void
rotate_box(int dir, double w, double h, double *x0, double *y0, double *x1,
    double *y1)
{
	double a = *x0, b = *y0, c = *x1, d = *y1;

	switch (dir) {
	case 1:
		*x0 = b; *x1 = d; *y0 = w - c; *y1 = w - a;
		break;
	case 2:
		*x0 = w - c; *x1 = w - a; *y0 = h - d; *y1 = h - b;
		break;
	case 3:
		*x0 = h - d; *x1 = h - b; *y0 = a; *y1 = c;
		break;
	default:
		break;
	}
}

/*
 * The direction marks poppler writes around right-to-left words and
 * left-to-right runs inside them (U+202A, U+202B, U+202C).  They have no
 * glyph box: the pairing of characters with boxes skips them.
 */
static inline int
is_bidi_mark(int32_t c)
{
	return c >= 0x202A && c <= 0x202C;
}

static int
is_alef(int32_t c)
{
	return c == 0x0627 || c == 0x0622 || c == 0x0623 || c == 0x0625;
}

/*
 * The lam-alef ligature: fonts map the one glyph to "lam, alef" in logical
 * order, and poppler, reversing the right-to-left word, writes it as
 * "alef, lam".  After an alef, another alef is never right ("ا" + "إل" for
 * "ال" + "إ"): swaps such pairs back, in place (every letter here is two
 * bytes of UTF-8).
 */
static void
fix_lam_alef(char *t, size_t len)
{
	size_t i;

	for (i = 0; i + 6 <= len; i += 2) {
		int32_t a, b, c;

		if ((unsigned char)t[i] != 0xD8 && (unsigned char)t[i] != 0xD9) {
			i--;	/* step one byte: the loop adds two */
			continue;
		}
		if (quarry_utf8_decode(t, len, i, &a) != 2 || !is_alef(a) ||
		    quarry_utf8_decode(t, len, i + 2, &b) != 2 || !is_alef(b) ||
		    quarry_utf8_decode(t, len, i + 4, &c) != 2 || c != 0x0644)
			continue;
		/* "ا" "إ" "ل" -> "ا" "ل" "إ" */
		t[i + 4] = t[i + 2];
		t[i + 5] = t[i + 3];
		t[i + 2] = (char)0xD9;
		t[i + 3] = (char)0x84;
		i += 4;
	}
}

/*
 * The page's text and the glyph box of each of its characters (direction
 * marks excepted), through poppler's selection of the whole page.  poppler
 * 22 drops whole lines of right-to-left text when the selection runs from
 * the top left corner to the bottom right one; selected from the top right
 * corner instead it keeps them (and drops left-to-right lines).  A page with
 * right-to-left words is read both ways and the fuller text is kept.
 */
static char *
page_text(struct pp_page *page, double w, double h, struct pp_rect *area)
{
	struct pp_rect rtl = { w, 0, 0, h };
	char *text, *alt;
	size_t n1 = 0, n2 = 0;
	const char *s;

	area->x1 = 0;
	area->y1 = 0;
	area->x2 = w;
	area->y2 = h;
	text = pp_page_text(page, area);
	if (text == NULL || strstr(text, "\xE2\x80\xAB") == NULL)
		return text;
	alt = pp_page_text(page, &rtl);
	if (alt == NULL)
		return text;
	for (s = text; *s != '\0'; s++)
		n1 += (unsigned char)*s > ' ' && ((unsigned char)*s & 0xC0) != 0x80;
	for (s = alt; *s != '\0'; s++)
		n2 += (unsigned char)*s > ' ' && ((unsigned char)*s & 0xC0) != 0x80;
	if (n2 > n1) {
		free(text);
		*area = rtl;
		return alt;
	}
	free(alt);
	return text;
}

/* The line being put together. */
struct linebuf {
	struct quarry_buf b;
	struct sizes sz;
	double x0, y0, x1, y1;	/* box so far (rotated frame) */
	double fy0, fy1;	/* vertical extent, unrotated */
	double px0, px1, py0, py1;	/* the last glyph's box */
	int last_space;		/* the last character was a space */
	/*
	 * Right-to-left pages: poppler's word breaks (a space, or one word's
	 * marks closing and the next one's opening) are checked against the
	 * glyphs.  sep is where the pending break's space is (or -1), w0-w1
	 * the horizontal extent of the word before it, c0-c1 that of the
	 * word after it so far.
	 */
	size_t sep;
	double w0, w1, c0, c1;
};

/* Widens the extent lo-hi to take in a-b. */
static inline void
span_add(double *lo, double *hi, double a, double b)
{
	if (a < *lo)
		*lo = a;
	if (b > *hi)
		*hi = b;
}

static void
linebuf_reset(struct linebuf *lb)
{
	lb->b.len = 0;
	memset(&lb->sz, 0, sizeof(lb->sz));
	lb->x0 = lb->y0 = lb->fy0 = HUGE_VAL;
	lb->x1 = lb->y1 = lb->fy1 = -HUGE_VAL;
	lb->last_space = 1;
	lb->sep = (size_t)-1;
	lb->c0 = HUGE_VAL;
	lb->c1 = -HUGE_VAL;
}

/*
 * Decides the pending word break of a right-to-left line: a space when the
 * two words' glyphs stand apart by more than a tenth of the line's height,
 * nothing when they touch (poppler splits words at font changes, and at
 * letters that do not join, such as "آ" in "آرمون"), unless one of them
 * ends in a Latin letter (poppler's boxes for a Latin run inside
 * right-to-left text often reach the next word).
 */
static void
linebuf_resolve(struct linebuf *lb)
{
	double gap, h = lb->y1 - lb->y0;

	if (lb->sep == (size_t)-1)
		return;
	if (lb->c0 != HUGE_VAL && lb->w0 != HUGE_VAL && h > 0) {
		gap = lb->w0 - lb->c1;
		if (lb->c0 - lb->w1 > gap)
			gap = lb->c0 - lb->w1;
		/* Latin words do not join Arabic ones: they keep it. */
		if (gap < 0.1 * h && !isalpha((unsigned char)lb->b.data[lb->sep - 1]) &&
		    !(lb->sep + 1 < lb->b.len &&
		    isalpha((unsigned char)lb->b.data[lb->sep + 1]))) {
			memmove(lb->b.data + lb->sep, lb->b.data + lb->sep + 1,
			    lb->b.len - lb->sep - 1);
			quarry_buf_truncate(&lb->b, lb->b.len - 1);
		}
	}
	lb->sep = (size_t)-1;
}

/* A word break on a right-to-left line: a space for now. */
static int
linebuf_break(struct linebuf *lb)
{
	if (lb->c0 == HUGE_VAL)	/* no glyph since the last break */
		return 0;
	linebuf_resolve(lb);
	if (quarry_buf_append(&lb->b, " ", 1) != 0)
		return QUARRY_ENOMEM;
	lb->sep = lb->b.len - 1;
	lb->w0 = lb->c0;
	lb->w1 = lb->c1;
	lb->c0 = HUGE_VAL;
	lb->c1 = -HUGE_VAL;
	lb->last_space = 1;
	return 0;
}

/*
 * Ends the line in lb: adds it to pg (with a '-' restored when poppler
 * joined a hyphenated word across the break) unless it is empty.
 */
static int
linebuf_flush(struct linebuf *lb, struct pdf_page *pg, int geom,
    size_t line_no, int wrap)
{
	double size = sizes_dominant(&lb->sz);
	int bold = lb->sz.chars > 0 && lb->sz.bold * 2 > lb->sz.chars;
	int mono = lb->sz.chars > 0 && lb->sz.mono * 2 > lb->sz.chars;
	struct quarry_buf *b = &lb->b;
	int spaced;

	linebuf_resolve(lb);
	spaced = b->len > 0 && b->data[b->len - 1] == ' ';

	while (b->len > 0 && (b->data[b->len - 1] == '\r' ||
	    b->data[b->len - 1] == ' ' || b->data[b->len - 1] == '\t'))
		quarry_buf_truncate(b, b->len - 1);
	if (b->len == 0)
		return 0;
	if (wrap == 1 && !spaced && b->data[b->len - 1] != '-' &&
	    quarry_buf_append(b, "-", 1) != 0)
		return QUARRY_ENOMEM;
	if (!geom || lb->x0 == HUGE_VAL) {
		/* No geometry: one line after another. */
		lb->x0 = 0;
		lb->x1 = 500;
		lb->y0 = (double)line_no * 12;
		lb->y1 = lb->y0 + 10;
		size = size > 0 ? size : 10;
		lb->fy0 = lb->y0;
		lb->fy1 = lb->y1;
	}
	if (pdf_page_add_line(pg, b->data, b->len, lb->x0, lb->y0, lb->x1,
	    lb->y1, size, bold) != 0)
		return QUARRY_ENOMEM;
	pg->lines[pg->n - 1].fy0 = lb->fy0;
	pg->lines[pg->n - 1].fy1 = lb->fy1;
	pg->lines[pg->n - 1].mono = mono;
	return 0;
}

/*
 * Extracts one page into pg: its lines, in poppler's reading order, each
 * with its box, dominant font size and boldness.  poppler joins a line that
 * ends in a hyphen to the next one and drops the hyphen; the character
 * boxes show where that happened, and the line is split there again with
 * its hyphen restored, so that the layout engine's hyphenation rule (which
 * keeps real compounds) decides.  Glyphs on one line that poppler put side
 * by side without a space (table cells, columns) but that stand apart by
 * more than a fifth of their height get one; a space wider than twice the
 * glyphs' height (a gap between table cells) becomes a tab, which the
 * layout engine reads as a cell boundary.
 */
static int
extract_page(struct pp_page *page, struct pdf_page *pg)
{
	struct pp_rect area;
	char *text;
	struct pp_rect *rects = NULL;
	size_t nrects = 0;
	struct pp_attr *attrs = NULL, *bold_attr = NULL;
	size_t nattrs = 0, ai = 0;
	double w, h;
	size_t len, i, nchars = 0, ci, line_no = 0;
	int dir = 0, rc = 0, geom, run_bold = 0, run_mono = 0, rtl;
	struct linebuf lb;

	pp_page_size(page, &w, &h);
	pg->width = w;
	pg->height = h;
	pg->fheight = h;
	if ((text = page_text(page, w, h, &area)) == NULL)
		return 0;
	len = strlen(text);
	if (len == 0 || quarry_utf8_validate(text, len, NULL) != 0) {
		free(text);
		return 0;
	}
	rtl = strstr(text, "\xE2\x80\xAB") != NULL;
	for (i = 0; i < len; ) {
		int32_t c;

		if ((unsigned char)text[i] < 0x80) {
			i++;
			nchars++;
			continue;
		}
		i += quarry_utf8_decode(text, len, i, &c);
		nchars += !is_bidi_mark(c);
	}
	if (rtl)
		fix_lam_alef(text, len);
	(void)pp_page_layout(page, &area, &rects, &nrects);
	geom = rects != NULL && nrects == nchars;
	if (geom) {
		if (pp_page_attrs(page, &area, &attrs, &nattrs) != 0) {
			rc = QUARRY_ENOMEM;
			goto out;
		}
		dir = text_direction(rects, nrects, text);
		if (dir == 1 || dir == 3) {
			pg->width = h;
			pg->height = w;
		}
	}
	memset(&lb, 0, sizeof(lb));
	linebuf_reset(&lb);
	for (i = 0, ci = 0; i <= len; ) {
		int32_t c = '\n';
		size_t n = 1;
		double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
		int wrap = 0;

		if (i < len && (unsigned char)text[i] < 0x80)
			c = text[i];
		else if (i < len)
			n = quarry_utf8_decode(text, len, i, &c);
		if (is_bidi_mark(c)) {
			/*
			 * Right-to-left pages: the text is in logical order
			 * already, the marks only show poppler's words.
			 */
			if (rtl && geom) {
				if (c == 0x202B && i >= 3 &&
				    memcmp(text + i - 3, "\xE2\x80\xAC", 3) == 0)
					rc = linebuf_break(&lb);
			} else
				rc = quarry_buf_append(&lb.b, text + i, n);
			if (rc != 0) {
				rc = QUARRY_ENOMEM;
				break;
			}
			i += n;
			continue;
		}
		if (c == ' ' && rtl && geom) {
			if (linebuf_break(&lb) != 0) {
				rc = QUARRY_ENOMEM;
				break;
			}
			i += n;
			ci++;
			continue;
		}
		if (c == '\n') {
			if ((rc = linebuf_flush(&lb, pg, geom, line_no, 0)) != 0)
				break;
			linebuf_reset(&lb);
			line_no++;
			if (i == len)
				break;
			i += n;
			ci++;
			continue;
		}
		if (geom && ci < nrects) {
			double gh;

			x0 = rects[ci].x1;
			y0 = rects[ci].y1;
			x1 = rects[ci].x2;
			y1 = rects[ci].y2;
			rotate_box(dir, w, h, &x0, &y0, &x1, &y1);
			gh = y1 - y0;
			if (c == ' ') {
				/* A wide space between cells: a tab. */
				if (!lb.last_space && !rtl && x1 - x0 > 2 * gh &&
				    lb.py1 - lb.py0 > 0 && fabs(y1 - lb.py1) < 0.3 * gh)
					c = '\t';
			} else if (lb.x0 != HUGE_VAL && y0 > lb.y0 +
			    0.75 * (lb.y1 - lb.y0) && y0 > (lb.py0 + lb.py1) / 2 &&
			    fabs(x0 - lb.px0) > (lb.py1 - lb.py0)) {
				/*
				 * Below the line so far and far to the left
				 * (or, in right-to-left text, the right) of the
				 * last character: lines poppler joined.
				 */
				wrap = x0 < lb.px0 ? 1 : 2;
				if ((rc = linebuf_flush(&lb, pg, geom, line_no,
				    wrap)) != 0)
					break;
				linebuf_reset(&lb);
				line_no++;
			} else if (!lb.last_space && !rtl &&
			    fabs(y1 - lb.py1) < 0.3 * gh &&
			    (x0 - lb.px1 > 0.2 * gh || lb.px0 - x1 > 0.2 * gh)) {
				/* Apart on one baseline, no space between. */
				if (quarry_buf_append(&lb.b,
				    x0 - lb.px1 > 2 * gh ? "\t" : " ", 1) != 0) {
					rc = QUARRY_ENOMEM;
					break;
				}
			}
		}
		if (c == '\t' ? quarry_buf_append(&lb.b, "\t", 1) != 0 :
		    quarry_buf_append(&lb.b, text + i, n) != 0) {
			rc = QUARRY_ENOMEM;
			break;
		}
		lb.last_space = c == ' ' || c == '\t';
		if (geom && c != ' ' && c != '\t' && ci < nrects) {
			span_add(&lb.x0, &lb.x1, x0, x1);
			span_add(&lb.y0, &lb.y1, y0, y1);
			span_add(&lb.c0, &lb.c1, x0, x1);
			span_add(&lb.fy0, &lb.fy1, rects[ci].y1, rects[ci].y2);
			lb.px0 = x0;
			lb.px1 = x1;
			lb.py0 = y0;
			lb.py1 = y1;
			while (ai < nattrs && attrs[ai].end_index < (int)ci)
				ai++;
			if (ai < nattrs && attrs[ai].start_index <= (int)ci) {
				struct pp_attr *a = &attrs[ai];

				/* A run of characters shares its font. */
				if (a != bold_attr) {
					bold_attr = a;
					run_bold = pdf_bold_font(a->font_name);
					run_mono = pdf_mono_font(a->font_name);
				}
				sizes_add(&lb.sz, a->font_size, run_bold, run_mono);
			}
		}
		i += n;
		ci++;
	}
	quarry_buf_free(&lb.b);
out:
	pp_attrs_free(attrs, nattrs);
	free(rects);
	free(text);
	return rc;
}

struct job {
	const void *data;
	size_t len;
	const char *password;
	struct pp_doc *doc;	/* the main thread's; others open their own */
	struct pdf_page *pages;
	unsigned first, count;
	unsigned next;		/* next page index to take, under lock */
	pthread_mutex_t lock;
	int rc;
	struct pdf_ocr *ocr;	/* src/pdf_ocr.c, or NULL */
};

static void
run_pages(struct job *j, struct pp_doc *doc)
{
	for (;;) {
		unsigned k;
		struct pp_page *page;
		int rc;

		pthread_mutex_lock(&j->lock);
		k = j->rc == 0 ? j->next++ : j->count;
		pthread_mutex_unlock(&j->lock);
		if (k >= j->count)
			return;
		if ((page = pp_page_get(doc, (int)(j->first + k))) == NULL)
			continue;
		rc = extract_page(page, &j->pages[k]);
		if (rc == 0)
			rc = pdf_ocr_page(j->ocr, page, &j->pages[k], k);
		pp_page_free(page);
		if (rc != 0) {
			pthread_mutex_lock(&j->lock);
			j->rc = rc;
			pthread_mutex_unlock(&j->lock);
			return;
		}
	}
}

static void *
worker(void *arg)
{
	struct job *j = arg;
	struct pp_doc *doc;
	int err;

	/* It opened for the main thread; when it cannot here (out of memory),
	 * the other threads take the pages. */
	if ((doc = pp_doc_open(j->data, j->len, j->password, &err)) == NULL)
		return NULL;
	run_pages(j, doc);
	pp_doc_free(doc);
	return NULL;
}

static int
extract_pages(struct job *j, unsigned threads)
{
	pthread_t tid[64];
	unsigned t, started = 0;

	if (threads > 64)
		threads = 64;
	/* Fewer than 2 pages a thread is not worth opening a document. */
	if (threads > j->count / 2)
		threads = j->count / 2;
	pthread_mutex_init(&j->lock, NULL);
	for (t = 1; t < threads; t++) {
		if (thread_start(&tid[started], worker, j) != 0)
			break;
		started++;
	}
	run_pages(j, j->doc);
	for (t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	pthread_mutex_destroy(&j->lock);
	return j->rc;
}

/* ----------------------------------------------------------- outline */

struct outline_walk {
	unsigned first, count;
	const double *heights;
	struct pdf_outline *ol;
};

/* Keeps an outline entry whose destination is a page being read. */
static int
outline_entry(void *arg, const char *title, unsigned level, int page,
    int has_top, double top)
{
	struct outline_walk *w = arg;
	size_t pi;
	int rc;

	if (page < (int)w->first + 1 || page > (int)(w->first + w->count) ||
	    quarry_utf8_validate(title, strlen(title), NULL) != 0)
		return 0;
	pi = (size_t)page - 1 - w->first;
	if ((rc = pdf_outline_add(w->ol, title, pi,
	    has_top ? w->heights[pi] - top : -1, level)) != 0)
		return rc;
	return w->ol->n >= 100000 ? 1 : 0;	/* 1: enough */
}

/*
 * Reads the outline into ol: the entries whose destination is a page from
 * first to first + count - 1, with the destination's top when it gives
 * one.  At most 16 levels and 100000 entries are read (a damaged file may
 * loop).
 */
static int
get_outline(struct pp_doc *doc, struct job *j, struct pdf_outline *ol)
{
	struct outline_walk w;
	double *heights;
	unsigned k;
	int rc;

	if ((heights = calloc(j->count, sizeof(*heights))) == NULL)
		return QUARRY_ENOMEM;
	for (k = 0; k < j->count; k++)
		heights[k] = j->pages[k].fheight;
	w.first = j->first;
	w.count = j->count;
	w.heights = heights;
	w.ol = ol;
	rc = pp_doc_outline(doc, 16, outline_entry, &w);
	free(heights);
	return rc < 0 ? rc : 0;
}

/* ---------------------------------------------------------- metadata */

/* Takes ownership of a poppler string: valid UTF-8, trimmed, or NULL. */
static char *
clean(char *s)
{
	char *r;
	size_t len, st = 0;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	if (quarry_utf8_validate(s, len, NULL) != 0) {
		free(s);
		return NULL;
	}
	while (st < len && isspace((unsigned char)s[st]))
		st++;
	while (len > st && isspace((unsigned char)s[len - 1]))
		len--;
	r = len > st ? strndup(s + st, len - st) : NULL;
	free(s);
	return r;
}

/*
 * Writes a poppler date as a PDF date string ("D:YYYYMMDDHHmmSS+HH'mm'")
 * and normalises it with the metadata library.  poppler has already parsed
 * the Info string; this keeps one set of date rules for the project.
 */
static int
info_date(struct pp_doc *doc, const char *key, char out[21])
{
	char pdf[40];
	int f[6], m;
	int rc;

	if (pp_doc_info_date(doc, key, f, &m) != 0)
		return QUARRY_ENODATE;
	snprintf(pdf, sizeof(pdf), "D:%04d%02d%02d%02d%02d%02d%c%02d'%02d'",
	    f[0], f[1], f[2], f[3], f[4], f[5], m < 0 ? '-' : '+',
	    abs(m) / 60, abs(m) % 60);
	rc = quarry_date_parse(pdf, strlen(pdf), QUARRY_DATE_AUTO, NULL,
	    QUARRY_DATE_PDF, out);
	return rc;
}

/*
 * Chooses between the Info date and the XMP one: XMP wins unless it only
 * knows the day and Info knows the instant.
 */
static const char *
pick_date(const char *info, int info_ok, const char *xmp, int xmp_ok)
{
	if (xmp_ok && (!info_ok || strlen(xmp) >= strlen(info)))
		return xmp;
	return info_ok ? info : NULL;
}

static int
set_string(json_t *rec, const char *key, const char *value)
{
	json_t *v;

	if (value == NULL || *value == '\0')
		return 0;
	if ((v = json_string(value)) == NULL)
		return 0;	/* not UTF-8: leave the field out */
	return json_object_set_new(rec, key, v) == 0 ? 0 : QUARRY_ENOMEM;
}

static int
set_author(json_t *rec, const char *raw)
{
	char *a = NULL;
	int rc;

	if (raw == NULL)
		return 0;
	if (quarry_author_normalize(raw, strlen(raw), &a) != 0)
		return 0;
	rc = set_string(rec, "author", a);
	free(a);
	return rc;
}

/* Does the file name an /Encrypt dictionary in a trailer? */
static int
has_encrypt(const char *data, size_t len)
{
	return memmem(data, len, "/Encrypt", 8) != NULL;
}

/* Fills the metadata fields of rec, in the order man/quarry.7 lists them. */
static int
add_metadata(json_t *rec, struct pp_doc *doc, unsigned pages)
{
	char *title = clean(pp_doc_info(doc, "Title"));
	char *author = clean(pp_doc_info(doc, "Author"));
	char *subject = clean(pp_doc_info(doc, "Subject"));
	char *keywords = clean(pp_doc_info(doc, "Keywords"));
	char *creator = clean(pp_doc_info(doc, "Creator"));
	char *producer = clean(pp_doc_info(doc, "Producer"));
	char *meta = pp_doc_xmp(doc);
	struct pdf_xmp x;
	char id[21], im[21], xd[21], xm[21];
	int idok, imok, xdok = 0, xmok = 0, rc = 0;

	memset(&x, 0, sizeof(x));
	if (meta != NULL) {
		size_t ml = strlen(meta);

		if (quarry_utf8_validate(meta, ml, NULL) == 0)
			(void)pdf_xmp_parse(meta, ml, &x);
		free(meta);
	}
	idok = info_date(doc, "CreationDate", id) == 0;
	imok = info_date(doc, "ModDate", im) == 0;
	if (x.create_date != NULL)
		xdok = quarry_date_parse(x.create_date, strlen(x.create_date),
		    QUARRY_DATE_AUTO, NULL, 0, xd) == 0;
	if (x.modify_date != NULL)
		xmok = quarry_date_parse(x.modify_date, strlen(x.modify_date),
		    QUARRY_DATE_AUTO, NULL, 0, xm) == 0;

	if (rc == 0)
		rc = set_string(rec, "mime", "application/pdf");
	if (rc == 0)
		rc = set_string(rec, "title", x.title ? x.title : title);
	if (rc == 0)
		rc = set_author(rec, x.creator ? x.creator : author);
	if (rc == 0)
		rc = set_string(rec, "date", pick_date(id, idok, xd, xdok));
	if (rc == 0)
		rc = set_string(rec, "modified", pick_date(im, imok, xm, xmok));
	if (rc == 0 && x.language != NULL && strcmp(x.language, "x-unknown") != 0)
		rc = set_string(rec, "lang", x.language);
	if (rc == 0 && json_object_set_new(rec, "pages", json_integer(pages)) != 0)
		rc = QUARRY_ENOMEM;
	if (rc == 0)
		rc = set_string(rec, "subject", subject ? subject : x.description);
	if (rc == 0)
		rc = set_string(rec, "keywords", keywords ? keywords : x.keywords);
	if (rc == 0)
		rc = set_string(rec, "creator", creator ? creator : x.creator_tool);
	if (rc == 0)
		rc = set_string(rec, "producer", producer ? producer : x.producer);
	pdf_xmp_clear(&x);
	free(title);
	free(author);
	free(subject);
	free(keywords);
	free(creator);
	free(producer);
	return rc;
}

/* --------------------------------------------------------- extraction */

/* Is there any text other than white space and form feeds? */
static int
blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * Says why a document's text came out empty: no text at all (a scanned
 * page), or lines that were all dropped as running headers and footers, or
 * with contents and index pages.
 */
static void
dropped_warning(quarry_pdf *p, const struct pdf_page *pages, size_t n)
{
	size_t i, k, lines = 0, furniture = 0, contents = 0;

	for (i = 0; i < n; i++)
		for (k = 0; k < pages[i].n; k++) {
			const struct pdf_line *l = &pages[i].lines[k];

			if (!blank(l->text, l->len)) {
				lines++;
				furniture += l->furniture;
				contents += !l->furniture && pages[i].contents;
			}
		}
	if (lines == 0)
		snprintf(p->warn, sizeof(p->warn), "no text layer (scanned or "
		    "image-only PDF?): the record's text is empty");
	else if (furniture == lines)
		snprintf(p->warn, sizeof(p->warn), "all %zu lines of text are "
		    "running headers or footers (repeated at the top or bottom "
		    "of the pages) and were dropped: the record's text is "
		    "empty", lines);
	else
		snprintf(p->warn, sizeof(p->warn), "all %zu lines of text are "
		    "running headers or footers (%zu) or on contents and index "
		    "pages (%zu), which were dropped: the record's text is "
		    "empty", lines, furniture, contents);
	if (lines > 0)
		p->dropped = QUARRY_PDF_KEEP_FURNITURE |
		    (furniture < lines ? QUARRY_PDF_KEEP_CONTENTS : 0);
}

/*
 * The document's language into out ("" when unknown): XMP's dc:language,
 * else the catalog's /Lang.  It picks the OCR languages and, from the
 * catalog, fills the record's "lang" when XMP has none.
 */
static void
doc_language(struct pp_doc *doc, const char *data, size_t len, char *out,
    size_t outsz)
{
	char *meta = pp_doc_xmp(doc);
	struct pdf_xmp x;

	*out = '\0';
	memset(&x, 0, sizeof(x));
	if (meta != NULL) {
		size_t ml = strlen(meta);

		if (quarry_utf8_validate(meta, ml, NULL) == 0 &&
		    pdf_xmp_parse(meta, ml, &x) == 0 && x.language != NULL &&
		    strcmp(x.language, "x-unknown") != 0)
			snprintf(out, outsz, "%s", x.language);
		pdf_xmp_clear(&x);
		free(meta);
	}
	if (*out == '\0' && pdf_catalog_lang(data, len, out, outsz) != 0)
		*out = '\0';
}

int
quarry_pdf_extract(quarry_pdf *p, const void *data, size_t len,
    const char *name, json_t **rec)
{
	struct pp_doc *doc;
	struct job j;
	struct pdf_outline outline = { 0 };
	struct pdf_layout_options lo;
	struct quarry_buf text = { 0 };
	json_t *r = NULL;
	unsigned npages, first, last, k;
	char lang[36];
	int rc, err;

	*rec = NULL;
	qerr_clear(&p->err);
	p->warn[0] = '\0';
	p->dropped = 0;
	if (len < 8 || memmem(data, len < 1024 ? len : 1024, "%PDF-", 5) == NULL)
		return qerr_set(&p->err, QUARRY_EFORMAT,
		    "not a PDF file (no %%PDF- header)");
	if (len > (size_t)INT32_MAX)
		return qerr_set(&p->err, QUARRY_ETOOBIG, "larger than 2 GiB");
	memset(&j, 0, sizeof(j));
	if ((doc = pp_doc_open(data, len, p->o.password, &err)) == NULL) {
		if (err == PP_ERR_ENCRYPTED)
			return qerr_set(&p->err, QUARRY_EPASSWORD,
			    p->o.password != NULL ?
			    "encrypted, and the password given does not open it" :
			    "encrypted: a password is needed");
		if (err == PP_ERR_NOMEM)
			return qerr_set(&p->err, QUARRY_ENOMEM, "out of memory");
		return qerr_set(&p->err, QUARRY_EFORMAT, "cannot open: %s",
		    pp_strerror(err));
	}
	npages = (unsigned)pp_doc_n_pages(doc);
	first = p->o.first_page > 0 ? p->o.first_page : 1;
	last = p->o.last_page > 0 && p->o.last_page < npages ? p->o.last_page : npages;
	if (npages == 0 || first > npages) {
		rc = npages == 0 ? qerr_set(&p->err, QUARRY_EFORMAT,
		    "damaged PDF: no pages") : qerr_set(&p->err,
		    QUARRY_EINVAL, "page %u is past the end (%u pages)",
		    first, npages);
		pp_doc_free(doc);
		return rc;
	}
	if (p->o.max_pages > 0 && last - first + 1 > p->o.max_pages)
		last = first + p->o.max_pages - 1;

	j.data = data;
	j.len = len;
	j.password = p->o.password;
	j.doc = doc;
	j.first = first - 1;
	j.count = last - first + 1;
	if ((j.pages = calloc(j.count, sizeof(*j.pages))) == NULL) {
		rc = QUARRY_ENOMEM;
		goto out;
	}
	doc_language(doc, data, len, lang, sizeof(lang));
	if ((rc = pdf_ocr_new(&j.ocr, &p->o, j.count, lang)) != 0 ||
	    (rc = extract_pages(&j, p->o.threads)) != 0)
		goto out;
	if ((r = json_object()) == NULL) {
		rc = QUARRY_ENOMEM;
		goto out;
	}
	if (json_object_set_new(r, "doc", quarry_name_json(name)) != 0 ||
	    json_object_set_new(r, "source", quarry_name_json(name)) != 0 ||
	    add_metadata(r, doc, npages) != 0) {
		rc = QUARRY_ENOMEM;
		goto out;
	}
	/* Without XMP's dc:language, the catalog's /Lang. */
	if (*lang != '\0' && json_object_get(r, "lang") == NULL &&
	    json_object_set_new(r, "lang", json_string(lang)) != 0) {
		rc = QUARRY_ENOMEM;
		goto out;
	}
	if (first > 1 &&
	    json_object_set_new(r, "first_page", json_integer(first)) != 0) {
		rc = QUARRY_ENOMEM;
		goto out;
	}
	if ((rc = get_outline(doc, &j, &outline)) != 0)
		goto out;
	memset(&lo, 0, sizeof(lo));
	lo.keep_furniture = p->o.keep_furniture;
	lo.keep_contents = p->o.keep_contents;
	lo.outline = &outline;
	if ((rc = pdf_layout(j.pages, j.count, &lo, &text)) != 0)
		goto out;
	if (blank(text.data, text.len)) {
		if (has_encrypt(data, len)) {
			rc = p->o.password != NULL ? qerr_set(&p->err,
			    QUARRY_EPASSWORD, "encrypted: poppler opened it "
			    "but could not decrypt any text (wrong password "
			    "or unsupported encryption)") : qerr_set(&p->err,
			    QUARRY_EPASSWORD, "encrypted: poppler opened it "
			    "without a password but could not decrypt any "
			    "text");
			goto out;
		}
		dropped_warning(p, j.pages, j.count);
	}
	if ((rc = pdf_ocr_finish(j.ocr, first, r, p->warn,
	    sizeof(p->warn))) != 0)
		goto out;
	if (json_object_set_new(r, "text",
	    json_stringn(text.data ? text.data : "", text.len)) != 0) {
		rc = QUARRY_ENOMEM;
		goto out;
	}
	*rec = r;
	r = NULL;
	rc = 0;
out:
	if (rc == QUARRY_ENOMEM)
		qerr_set(&p->err, rc, "out of memory");
	json_decref(r);
	quarry_buf_free(&text);
	pdf_outline_clear(&outline);
	pdf_ocr_free(j.ocr);
	if (j.pages != NULL)
		for (k = 0; k < j.count; k++)
			pdf_page_clear(&j.pages[k]);
	free(j.pages);
	pp_doc_free(doc);
	return rc;
}
