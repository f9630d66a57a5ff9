/*
 * pdf_poppler.cc: src/pdf_poppler.h on libpoppler's classes.
 *
 * Each function follows the poppler-glib 22.12 function its header names,
 * step for step (glib/poppler-page.cc, poppler-document.cc,
 * poppler-action.cc), without GLib: the text page is made the way
 * poppler-glib makes it, selections walk the same words, and strings are
 * decoded the same way.  Rendering for OCR is poppler's Splash (as
 * pdftoppm's), where poppler-glib drew with cairo.
 *
 * No C++ exception leaves this file: every entry point catches them
 * (std::bad_alloc is the one poppler can raise) and fails as C does.
 */
#include "config.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include <poppler/DateInfo.h>
#include <poppler/Error.h>
#include <poppler/Gfx.h>
#include <poppler/GlobalParams.h>
#include <poppler/Link.h>
#include <poppler/Outline.h>
#include <poppler/PDFDoc.h>
#include <poppler/PDFDocEncoding.h>
#include <poppler/Page.h>
#include <poppler/SplashOutputDev.h>
#include <poppler/Stream.h>
#include <poppler/TextOutputDev.h>
#include <poppler/UnicodeMap.h>
#include <poppler/goo/GooString.h>
#include <poppler/splash/SplashBitmap.h>
#include <poppler/splash/SplashTypes.h>

#include "pdf_poppler.h"

struct pp_doc {
	std::unique_ptr<PDFDoc> doc;
	std::unique_ptr<SplashOutputDev> splash;	/* made for OCR */
};

struct pp_page {
	pp_doc *doc;
	Page *page;
	TextPage *text;		/* made on first use */
};

/* poppler's messages go nowhere, as poppler-glib's (logged at INFO). */
static void
quiet(ErrorCategory, Goffset, const char *)
{
}

/* globalParams, made once for the process and every thread. */
static void
global_init(void)
{
	static std::once_flag once;

	std::call_once(once, [] {
		static GlobalParamsIniter initer(quiet);
	});
}

static char *
dup_n(const char *s, size_t n)
{
	char *r = static_cast<char *>(malloc(n + 1));

	if (r != nullptr) {
		memcpy(r, s, n);
		r[n] = '\0';
	}
	return r;
}

/* Appends code point c as UTF-8 (g_ucs4_to_utf8(); false on a code point
 * it refuses, a surrogate or one past U+10FFFF). */
static bool
put_utf8(std::string &s, unsigned long c)
{
	if (c < 0x80) {
		s += static_cast<char>(c);
	} else if (c < 0x800) {
		s += static_cast<char>(0xC0 | (c >> 6));
		s += static_cast<char>(0x80 | (c & 0x3F));
	} else if (c < 0x10000) {
		if (c >= 0xD800 && c < 0xE000)
			return false;
		s += static_cast<char>(0xE0 | (c >> 12));
		s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
		s += static_cast<char>(0x80 | (c & 0x3F));
	} else if (c < 0x110000) {
		s += static_cast<char>(0xF0 | (c >> 18));
		s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
		s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
		s += static_cast<char>(0x80 | (c & 0x3F));
	} else {
		return false;
	}
	return true;
}

/*
 * An Info string to UTF-8 (_poppler_goo_string_to_utf8()): UTF-16 after a
 * byte order mark (nothing when it is not valid UTF-16, as g_convert()),
 * else PDFDocEncoding, whose unmapped bytes are 0 and end the string.
 */
static char *
goo_to_utf8(const GooString *g)
{
	const unsigned char *p = reinterpret_cast<const unsigned char *>(g->c_str());
	size_t n = static_cast<size_t>(g->getLength()), i;
	std::string s;

	if (n >= 2 && ((p[0] == 0xFE && p[1] == 0xFF) ||
	    (p[0] == 0xFF && p[1] == 0xFE))) {
		bool be = p[0] == 0xFE;

		if ((n - 2) % 2 != 0)
			return nullptr;
		for (i = 2; i < n; i += 2) {
			unsigned long u = be ? (p[i] << 8 | p[i + 1]) :
			    (p[i + 1] << 8 | p[i]);

			if (u >= 0xD800 && u < 0xDC00) {
				unsigned long v;

				if (i + 3 >= n)
					return nullptr;
				v = be ? (p[i + 2] << 8 | p[i + 3]) :
				    (p[i + 3] << 8 | p[i + 2]);
				if (v < 0xDC00 || v >= 0xE000)
					return nullptr;
				u = 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
				i += 2;
			} else if (u >= 0xDC00 && u < 0xE000) {
				return nullptr;
			}
			/* g_convert() keeps a U+0000; strdup() then ends there. */
			if (u == 0)
				break;
			put_utf8(s, u);
		}
	} else {
		for (i = 0; i < n; i++) {
			unsigned long u = pdfDocEncoding[p[i]];

			if (u == 0)
				break;
			if (!put_utf8(s, u))
				return nullptr;
		}
	}
	return dup_n(s.data(), s.size());
}

/* A password in Latin-1 (poppler_password_to_latin1(); "" when it has a
 * character outside Latin-1 or is not UTF-8, as g_convert()'s NULL). */
static GooString
latin1(const char *pw)
{
	const unsigned char *p = reinterpret_cast<const unsigned char *>(pw);
	std::string s;

	while (*p != '\0') {
		if (*p < 0x80) {
			s += static_cast<char>(*p++);
		} else if ((p[0] == 0xC2 || p[0] == 0xC3) &&
		    (p[1] & 0xC0) == 0x80) {
			s += static_cast<char>(((p[0] & 0x03) << 6) |
			    (p[1] & 0x3F));
			p += 2;
		} else {
			return GooString();
		}
	}
	return GooString(s);
}

extern "C" const char *
pp_strerror(int err)
{
	switch (err) {
	case PP_ERR_NONE:
		return "no error";
	case PP_ERR_OPEN:
		return "cannot open the file";
	case PP_ERR_BAD_CATALOG:
		return "Failed to read the document catalog";
	case PP_ERR_DAMAGED:
		return "PDF document is damaged";
	case PP_ERR_ENCRYPTED:
		return "Document is encrypted";
	case PP_ERR_NOMEM:
		return "out of memory";
	default:
		return "Failed to load document";
	}
}

static PDFDoc *
new_doc(const void *data, size_t len, const std::optional<GooString> &pw)
{
	/* MemStream does not own the bytes and never writes them. */
	MemStream *str = new MemStream(static_cast<const char *>(data), 0,
	    static_cast<Goffset>(len), Object(objNull));

	return new PDFDoc(str, pw, pw);
}

extern "C" struct pp_doc *
pp_doc_open(const void *data, size_t len, const char *password, int *err)
{
	try {
		std::unique_ptr<pp_doc> d(new pp_doc);
		std::optional<GooString> pw;

		global_init();
		if (password != nullptr)
			pw = latin1(password);
		d->doc.reset(new_doc(data, len, pw));
		if (!d->doc->isOk() && d->doc->getErrorCode() == errEncrypted &&
		    password != nullptr) {
			/* As typed (UTF-8), on a stream of its own: poppler-glib
			 * 22.12 reuses the one the failed attempt freed. */
			d->doc.reset();
			d->doc.reset(new_doc(data, len, GooString(password)));
		}
		if (!d->doc->isOk()) {
			switch (d->doc->getErrorCode()) {
			case errOpenFile:
				*err = PP_ERR_OPEN;
				break;
			case errBadCatalog:
				*err = PP_ERR_BAD_CATALOG;
				break;
			case errDamaged:
				*err = PP_ERR_DAMAGED;
				break;
			case errEncrypted:
				*err = PP_ERR_ENCRYPTED;
				break;
			default:
				*err = PP_ERR_INVALID;
			}
			return nullptr;
		}
		*err = PP_ERR_NONE;
		return d.release();
	} catch (...) {
		*err = PP_ERR_NOMEM;
		return nullptr;
	}
}

extern "C" void
pp_doc_free(struct pp_doc *doc)
{
	delete doc;
}

extern "C" int
pp_doc_n_pages(struct pp_doc *doc)
{
	try {
		return doc->doc->getNumPages();
	} catch (...) {
		return 0;
	}
}

extern "C" char *
pp_doc_info(struct pp_doc *doc, const char *key)
{
	try {
		std::unique_ptr<GooString> s = doc->doc->getDocInfoStringEntry(key);

		return s ? goo_to_utf8(s.get()) : nullptr;
	} catch (...) {
		return nullptr;
	}
}

extern "C" int
pp_doc_info_date(struct pp_doc *doc, const char *key, int f[6],
    int *tz_minutes)
{
	try {
		std::unique_ptr<GooString> s = doc->doc->getDocInfoStringEntry(key);
		int th = 0, tm = 0;
		char tz = '\0';

		if (!s || !parseDateString(s.get(), &f[0], &f[1], &f[2], &f[3],
		    &f[4], &f[5], &tz, &th, &tm))
			return -1;
		/* What g_date_time_new() refuses (a 60th second too). */
		if (f[0] < 1 || f[0] > 9999 || f[1] < 1 || f[1] > 12 ||
		    f[2] < 1 || f[2] > 31 || f[3] < 0 || f[3] > 23 ||
		    f[4] < 0 || f[4] > 59 || f[5] < 0 || f[5] > 59)
			return -1;
		/* As poppler-glib's time zone: "+HH:MM", anything else UTC. */
		*tz_minutes = 0;
		if ((tz == '+' || tz == '-') && th >= 0 && th <= 24 &&
		    tm >= 0 && tm <= 59 && th * 60 + tm <= 24 * 60)
			*tz_minutes = (tz == '-' ? -1 : 1) * (th * 60 + tm);
		return 0;
	} catch (...) {
		return -1;
	}
}

extern "C" char *
pp_doc_xmp(struct pp_doc *doc)
{
	try {
		Catalog *c = doc->doc->getCatalog();

		if (c != nullptr && c->isOk()) {
			std::unique_ptr<GooString> s = c->readMetadata();

			if (s)
				return strdup(s->c_str());
		}
		return nullptr;
	} catch (...) {
		return nullptr;
	}
}

/* Title of an outline entry (poppler-glib's unicode_to_char()). */
static std::string
outline_title(const OutlineItem *item)
{
	const UnicodeMap *map = globalParams->getUtf8Map();
	const Unicode *u = item->getTitle();
	std::string s;
	char buf[8];
	int i;

	for (i = 0; i < item->getTitleLength(); i++)
		s.append(buf, static_cast<size_t>(map->mapUnicode(u[i], buf,
		    sizeof(buf))));
	return s;
}

/* A destination's page and top (poppler-glib's dest_new_goto()). */
static void
dest_page(PDFDoc *doc, const LinkDest *d, int *page, int *has_top,
    double *top)
{
	LinkDestKind k = d->getKind();

	*page = d->isPageRef() ? doc->findPage(d->getPageRef()) :
	    d->getPageNum();
	*top = d->getTop();
	*has_top = d->getChangeTop() && (k == destXYZ || k == destFitH ||
	    k == destFitBH || k == destFitR);
	if (*page > 0) {
		Page *p = *page <= doc->getNumPages() ? doc->getPage(*page) :
		    nullptr;

		if (p != nullptr)
			*top -= p->getCropBox()->y1;
		else
			*page = 0;
	}
}

static int
walk(PDFDoc *doc, const std::vector<OutlineItem *> *items, unsigned level,
    unsigned max_level, pp_outline_fn *fn, void *arg)
{
	for (OutlineItem *item : *items) {
		const LinkAction *a = item->getAction();
		int rc = 0;

		if (a != nullptr && a->getKind() == actionGoTo && a->isOk()) {
			const LinkGoTo *g = static_cast<const LinkGoTo *>(a);
			std::unique_ptr<LinkDest> found;
			const LinkDest *d = g->getDest();
			int page = 0, has_top = 0;
			double top = 0;

			if (d == nullptr && g->getNamedDest() != nullptr) {
				found = doc->findDest(g->getNamedDest());
				d = found.get();
			}
			if (d != nullptr) {
				dest_page(doc, d, &page, &has_top, &top);
				rc = fn(arg, outline_title(item).c_str(), level,
				    page, has_top, top);
			}
		}
		if (rc != 0)
			return rc;
		if (level < max_level) {
			item->open();
			if (item->hasKids() && item->getKids() != nullptr &&
			    (rc = walk(doc, item->getKids(), level + 1,
			    max_level, fn, arg)) != 0)
				return rc;
		}
	}
	return 0;
}

extern "C" int
pp_doc_outline(struct pp_doc *doc, unsigned max_level, pp_outline_fn *fn,
    void *arg)
{
	try {
		Outline *o = doc->doc->getOutline();

		if (o == nullptr || o->getItems() == nullptr)
			return 0;
		return walk(doc->doc.get(), o->getItems(), 1, max_level, fn,
		    arg);
	} catch (...) {
		return -1;
	}
}

extern "C" struct pp_page *
pp_page_get(struct pp_doc *doc, int index)
{
	try {
		Page *p;

		if (index < 0 || index >= doc->doc->getNumPages() ||
		    (p = doc->doc->getPage(index + 1)) == nullptr)
			return nullptr;
		return new pp_page { doc, p, nullptr };
	} catch (...) {
		return nullptr;
	}
}

extern "C" void
pp_page_free(struct pp_page *page)
{
	if (page == nullptr)
		return;
	if (page->text != nullptr)
		page->text->decRefCnt();
	delete page;
}

extern "C" void
pp_page_size(struct pp_page *page, double *w, double *h)
{
	int rot = page->page->getRotate();

	if (rot == 90 || rot == 270) {
		*w = page->page->getCropHeight();
		*h = page->page->getCropWidth();
	} else {
		*w = page->page->getCropWidth();
		*h = page->page->getCropHeight();
	}
}

/*
 * The page's text as poppler-glib lays it out (poppler_page_get_text_page()),
 * with a text device of its own: a device cannot be kept for the next page,
 * since its ActualText keeps writing to the TextPage takeText() gave away.
 */
static TextPage *
text_page(pp_page *page)
{
	if (page->text == nullptr) {
		TextOutputDev dev(nullptr, true, 0, false, false);
		std::unique_ptr<Gfx> gfx(page->page->createGfx(&dev, 72.0, 72.0,
		    0, false, true, -1, -1, -1, -1, false, nullptr, nullptr));

		/* poppler-glib's order: the Gfx, when it goes, ends the page
		 * again, on the fresh TextPage takeText() leaves. */
		page->page->display(gfx.get());
		dev.endPage();
		page->text = dev.takeText();
	}
	return page->text;
}

static PDFRectangle
pdf_rect(const struct pp_rect *r)
{
	PDFRectangle p;

	p.x1 = r->x1;
	p.y1 = r->y1;
	p.x2 = r->x2;
	p.y2 = r->y2;
	return p;
}

extern "C" char *
pp_page_text(struct pp_page *page, const struct pp_rect *area)
{
	try {
		PDFRectangle sel = pdf_rect(area);
		std::unique_ptr<GooString> s(text_page(page)->getSelectionText(
		    &sel, selectionStyleGlyph));

		return strdup(s->c_str());
	} catch (...) {
		return nullptr;
	}
}

/* The words selected by area, line by line, freed with the object. */
struct selection {
	std::vector<TextWordSelection *> **lines = nullptr;
	int n = 0;

	selection(TextPage *t, const struct pp_rect *area)
	{
		PDFRectangle sel = pdf_rect(area);

		lines = t->getSelectionWords(&sel, selectionStyleGlyph, &n);
	}
	~selection()
	{
		if (lines == nullptr)
			return;
		for (int i = 0; i < n; i++) {
			for (TextWordSelection *w : *lines[i])
				delete w;
			delete lines[i];
		}
		gfree(lines);
	}
	selection(const selection &) = delete;
	selection &operator=(const selection &) = delete;
};

extern "C" int
pp_page_layout(struct pp_page *page, const struct pp_rect *area,
    struct pp_rect **rects, size_t *n)
{
	*rects = nullptr;
	*n = 0;
	try {
		selection s(text_page(page), area);
		size_t count = 0, off = 0;
		double x1 = 0, y1 = 0, x2 = 0, y2 = 0, x3, y3, x4, y4;
		struct pp_rect *r;

		if (s.lines == nullptr)
			return -1;
		/* poppler_page_get_text_layout_for_area()'s count, in size_t */
		count += static_cast<size_t>(s.n) - 1;
		for (int i = 0; i < s.n; i++) {
			const std::vector<TextWordSelection *> &line = *s.lines[i];

			count += line.size() - 1;
			for (size_t j = 0; j < line.size(); j++) {
				count += static_cast<size_t>(line[j]->getEnd() -
				    line[j]->getBegin());
				if (!line[j]->getWord()->hasSpaceAfter() &&
				    j < line.size() - 1)
					count--;
			}
		}
		if ((r = static_cast<struct pp_rect *>(calloc(count ? count : 1,
		    sizeof(*r)))) == nullptr)
			return -1;
		for (int i = 0; i < s.n; i++) {
			const std::vector<TextWordSelection *> &line = *s.lines[i];

			for (size_t j = 0; j < line.size(); j++) {
				const TextWord *w = line[j]->getWord();

				for (int k = line[j]->getBegin();
				    k < line[j]->getEnd() && off < count; k++, off++)
					w->getCharBBox(k, &r[off].x1, &r[off].y1,
					    &r[off].x2, &r[off].y2);
				w->getBBox(&x1, &y1, &x2, &y2);
				if (w->hasSpaceAfter() && j < line.size() - 1 &&
				    off < count) {
					line[j + 1]->getWord()->getBBox(&x3, &y3,
					    &x4, &y4);
					r[off].x1 = x2;
					r[off].y1 = y1;
					r[off].x2 = x3;
					r[off].y2 = y2;
					off++;
				}
			}
			if (i < s.n - 1 && off > 0 && off < count) {
				r[off].x1 = x2;
				r[off].y1 = y2;
				r[off].x2 = x2;
				r[off].y2 = y2;
				off++;
			}
		}
		*rects = r;
		*n = count;
		return 0;
	} catch (...) {
		free(*rects);
		*rects = nullptr;
		*n = 0;
		return -1;
	}
}

/* The font name poppler-glib reports (get_font_name_from_word()). */
static const char *
font_name(const TextWord *w, int i)
{
	const GooString *f = w->getFontName(i);
	const char *s;
	int k, n;

	if (f == nullptr || f->getLength() == 0)
		return "Default";
	s = f->c_str();
	n = f->getLength();
	for (k = 0; k < n && s[k] >= 'A' && s[k] <= 'Z'; k++)
		;
	return k > 0 && k < n && s[k] == '+' ? s + k + 1 : s;
}

/* word_text_attributes_equal() */
static bool
same_attrs(const TextWord *a, int ai, const TextWord *b, int bi)
{
	double ar, ag, ab, br, bg, bb;

	if (!a->getFontInfo(ai)->matches(b->getFontInfo(bi)) ||
	    a->getFontSize() != b->getFontSize() ||
	    a->isUnderlined() != b->isUnderlined())
		return false;
	a->getColor(&ar, &ag, &ab);
	b->getColor(&br, &bg, &bb);
	return ar == br && ag == bg && ab == bb;
}

extern "C" void
pp_attrs_free(struct pp_attr *attrs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(attrs[i].font_name);
	free(attrs);
}

extern "C" int
pp_page_attrs(struct pp_page *page, const struct pp_rect *area,
    struct pp_attr **attrs, size_t *n)
{
	std::vector<pp_attr> v;

	*attrs = nullptr;
	*n = 0;
	try {
		selection s(text_page(page), area);
		const TextWord *prev = nullptr;
		int prev_i = 0, off = 0;

		if (s.lines == nullptr)
			return 0;
		for (int i = 0; i < s.n; i++) {
			const std::vector<TextWordSelection *> &line = *s.lines[i];

			for (size_t j = 0; j < line.size(); j++) {
				const TextWord *w = line[j]->getWord();

				for (int k = line[j]->getBegin();
				    k < line[j]->getEnd(); k++) {
					if (prev == nullptr ||
					    !same_attrs(w, k, prev, prev_i)) {
						pp_attr a;

						a.font_name = nullptr;
						a.font_size = w->getFontSize();
						a.start_index = off;
						a.end_index = off;
						v.push_back(a);
						v.back().font_name =
						    strdup(font_name(w, k));
						if (v.back().font_name == nullptr)
							throw std::bad_alloc();
					}
					v.back().end_index = off++;
					prev = w;
					prev_i = k;
				}
				if (w->hasSpaceAfter() && j < line.size() - 1) {
					if (!v.empty())
						v.back().end_index = off;
					off++;
				}
			}
			if (i < s.n - 1) {
				if (!v.empty())
					v.back().end_index = off;
				off++;
			}
		}
		if (v.empty())
			return 0;
		if ((*attrs = static_cast<pp_attr *>(malloc(v.size() *
		    sizeof(pp_attr)))) == nullptr)
			throw std::bad_alloc();
		memcpy(*attrs, v.data(), v.size() * sizeof(pp_attr));
		*n = v.size();
		return 0;
	} catch (...) {
		for (pp_attr &a : v)
			free(a.font_name);
		*attrs = nullptr;
		*n = 0;
		return -1;
	}
}

extern "C" int
pp_page_render_grey(struct pp_page *page, double scale, int width, int y0,
    int rows, unsigned char *grey)
{
	try {
		SplashBitmap *bm;
		int y, x;

		if (page->doc->splash == nullptr) {
			SplashColor white;

			white[0] = white[1] = white[2] = 255;
			page->doc->splash.reset(new SplashOutputDev(splashModeRGB8,
			    4, false, white, true));
			page->doc->splash->setFontAntialias(true);
			page->doc->splash->setVectorAntialias(true);
			page->doc->splash->startDoc(page->doc->doc.get());
		}
		page->page->displaySlice(page->doc->splash.get(), 72.0 * scale,
		    72.0 * scale, 0, false, true, 0, y0, width, rows, false);
		if ((bm = page->doc->splash->getBitmap()) == nullptr ||
		    bm->getWidth() < width || bm->getHeight() < rows)
			return -1;
		for (y = 0; y < rows; y++) {
			const unsigned char *p = bm->getDataPtr() +
			    static_cast<size_t>(y) * static_cast<size_t>(bm->getRowSize());
			unsigned char *g = grey + static_cast<size_t>(y) *
			    static_cast<size_t>(width);

			for (x = 0; x < width; x++, p += 3)
				g[x] = static_cast<unsigned char>((p[0] * 77 +
				    p[1] * 150 + p[2] * 29) >> 8);
		}
		return 0;
	} catch (...) {
		return -1;
	}
}
