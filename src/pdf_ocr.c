/*
 * pdf_ocr.c: OCR of PDF pages without a usable text layer, for src/pdf.c.
 *
 * A page is rendered with poppler's Splash (src/pdf_poppler.h) at the
 * requested resolution, turned to 8-bit grey and read with Tesseract's C
 * API (tesseract/capi.h).  Tesseract's text lines, with their boxes turned
 * back into points, replace the page's lines, so that the layout engine
 * (src/pdf_layout.c) joins them into paragraphs, finds headings by size and
 * drops running headers and footers as it does for a text layer.
 *
 * Pages are OCRed by the threads that extract them (src/pdf.c's -j); each
 * thread keeps one Tesseract engine per language, released when the thread
 * ends (a pthread key), since loading the model costs far more than a
 * page.
 *
 * libtesseract is loaded with dlopen() when the first page needs OCR, not
 * linked: it brings some 40 libraries (leptonica, libarchive, libcurl and
 * its TLS and Kerberos stack, OpenMP) whose loading and relocation cost
 * about 14 ms at every start of quarry-pdf, more than extracting a short
 * PDF, for the few files that are scanned.
 */
#include "config.h"

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tesseract/capi.h>

#include "pdf_ocr.h"
#include "pdf_poppler.h"

/* The Tesseract C API functions used, looked up in QUARRY_TESSERACT_SONAME. */
#define TESS_FUNCS(X) \
	X(TessBaseAPIClear) \
	X(TessBaseAPICreate) \
	X(TessBaseAPIDelete) \
	X(TessBaseAPIEnd) \
	X(TessBaseAPIGetIterator) \
	X(TessBaseAPIInit3) \
	X(TessBaseAPIRecognize) \
	X(TessBaseAPISetImage) \
	X(TessBaseAPISetPageSegMode) \
	X(TessBaseAPISetSourceResolution) \
	X(TessBaseAPISetVariable) \
	X(TessDeleteText) \
	X(TessPageIteratorBaseline) \
	X(TessPageIteratorBoundingBox) \
	X(TessResultIteratorConfidence) \
	X(TessResultIteratorDelete) \
	X(TessResultIteratorGetPageIterator) \
	X(TessResultIteratorGetUTF8Text) \
	X(TessResultIteratorNext)

static struct {
#define X(f) __typeof__(f) *f;
	TESS_FUNCS(X)
#undef X
} tess;
static pthread_once_t tess_once = PTHREAD_ONCE_INIT;
static char tess_err[192];	/* why it did not load; empty when it did */

/* Loads libtesseract once, for all threads. */
static void
tess_load(void)
{
	void *h, *sym;
	const char *missing = NULL;

	if ((h = dlopen(QUARRY_TESSERACT_SONAME, RTLD_NOW | RTLD_LOCAL)) ==
	    NULL) {
		snprintf(tess_err, sizeof(tess_err), "OCR unavailable: %.150s",
		    dlerror());
		return;
	}
#define X(f) \
	if (missing == NULL) { \
		if ((sym = dlsym(h, #f)) == NULL) \
			missing = #f; \
		else \
			memcpy(&tess.f, &sym, sizeof(sym)); \
	}
	TESS_FUNCS(X)
#undef X
	/* The library stays loaded: the process is short. */
	if (missing != NULL)
		snprintf(tess_err, sizeof(tess_err), "OCR unavailable: %s has "
		    "no %s", QUARRY_TESSERACT_SONAME, missing);
}

struct pdf_ocr {
	enum quarry_pdf_ocr mode;
	char lang[64];
	char note[192];		/* the language fell back to eng: why */
	int tried;		/* an engine was asked for */
	unsigned dpi;
	unsigned count;
	unsigned char *done;	/* per page index: OCRed */
	pthread_mutex_t lock;
	char err[256];		/* the first failure */
};

/* One engine per thread. */
struct engine {
	TessBaseAPI *api;
	char lang[64];
	int failed;
};

static pthread_key_t engine_key;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

static void
engine_free(void *arg)
{
	struct engine *e = arg;

	if (e == NULL)
		return;
	if (e->api != NULL) {
		tess.TessBaseAPIEnd(e->api);
		tess.TessBaseAPIDelete(e->api);
	}
	free(e);
}

static void
engine_init_key(void)
{
	pthread_key_create(&engine_key, engine_free);
}

/* Drops the calling thread's engine (the main thread, at the end). */
void
pdf_ocr_thread_done(void)
{
	struct engine *e;

	pthread_once(&engine_once, engine_init_key);
	e = pthread_getspecific(engine_key);
	engine_free(e);
	pthread_setspecific(engine_key, NULL);
}

/*
 * ISO 639-1 codes to Tesseract's language data names, which are ISO 639-2/T
 * codes but for a few scripts (chi_sim, srp_latn, ...).
 */
static const struct {
	char iso[4];
	char tess[9];
} lang_table[] = {
	{ "af", "afr" }, { "am", "amh" }, { "ar", "ara" }, { "as", "asm" },
	{ "az", "aze" }, { "be", "bel" }, { "bg", "bul" }, { "bn", "ben" },
	{ "bo", "bod" }, { "br", "bre" }, { "bs", "bos" }, { "ca", "cat" },
	{ "co", "cos" }, { "cs", "ces" }, { "cy", "cym" }, { "da", "dan" },
	{ "de", "deu" }, { "dv", "div" }, { "dz", "dzo" }, { "el", "ell" },
	{ "en", "eng" }, { "eo", "epo" }, { "es", "spa" }, { "et", "est" },
	{ "eu", "eus" }, { "fa", "fas" }, { "fi", "fin" }, { "fo", "fao" },
	{ "fr", "fra" }, { "fy", "fry" }, { "ga", "gle" }, { "gd", "gla" },
	{ "gl", "glg" }, { "gu", "guj" }, { "he", "heb" }, { "hi", "hin" },
	{ "hr", "hrv" }, { "ht", "hat" }, { "hu", "hun" }, { "hy", "hye" },
	{ "id", "ind" }, { "is", "isl" }, { "it", "ita" }, { "iu", "iku" },
	{ "ja", "jpn" }, { "jv", "jav" }, { "ka", "kat" }, { "kk", "kaz" },
	{ "km", "khm" }, { "kn", "kan" }, { "ko", "kor" }, { "ku", "kmr" },
	{ "ky", "kir" }, { "la", "lat" }, { "lb", "ltz" }, { "lo", "lao" },
	{ "lt", "lit" }, { "lv", "lav" }, { "mi", "mri" }, { "mk", "mkd" },
	{ "ml", "mal" }, { "mn", "mon" }, { "mr", "mar" }, { "ms", "msa" },
	{ "mt", "mlt" }, { "my", "mya" }, { "ne", "nep" }, { "nl", "nld" },
	{ "nn", "nor" }, { "no", "nor" }, { "nb", "nor" }, { "oc", "oci" },
	{ "or", "ori" }, { "pa", "pan" }, { "pl", "pol" }, { "ps", "pus" },
	{ "pt", "por" }, { "qu", "que" }, { "ro", "ron" }, { "ru", "rus" },
	{ "sa", "san" }, { "sd", "snd" }, { "si", "sin" }, { "sk", "slk" },
	{ "sl", "slv" }, { "sq", "sqi" }, { "sr", "srp" }, { "su", "sun" },
	{ "sv", "swe" }, { "sw", "swa" }, { "ta", "tam" }, { "te", "tel" },
	{ "tg", "tgk" }, { "th", "tha" }, { "ti", "tir" }, { "tl", "tgl" },
	{ "to", "ton" }, { "tr", "tur" }, { "tt", "tat" }, { "ug", "uig" },
	{ "uk", "ukr" }, { "ur", "urd" }, { "uz", "uzb" }, { "vi", "vie" },
	{ "yi", "yid" }, { "yo", "yor" }, { "zh", "chi_sim" },
};

const char *
pdf_ocr_lang_code(const char *tag)
{
	char p[4] = "", sub[8] = "";
	size_t n, i, m;

	if (tag == NULL)
		return NULL;
	/* The primary subtag, then the script or region. */
	n = strcspn(tag, "-_");
	if (n < 2 || n > 3)
		return NULL;
	for (i = 0; i < n; i++) {
		if (!((tag[i] >= 'a' && tag[i] <= 'z') ||
		    (tag[i] >= 'A' && tag[i] <= 'Z')))
			return NULL;
		p[i] = (char)(tag[i] | 0x20);
	}
	if (tag[n] != '\0') {
		m = strcspn(tag + n + 1, "-_");
		for (i = 0; i < m && i + 1 < sizeof(sub); i++)
			sub[i] = (char)(tag[n + 1 + i] | 0x20);
	}
	if (strcmp(p, "zh") == 0 && (strcmp(sub, "hant") == 0 ||
	    strcmp(sub, "tw") == 0 || strcmp(sub, "hk") == 0 ||
	    strcmp(sub, "mo") == 0))
		return "chi_tra";
	if (strcmp(p, "sr") == 0 && strcmp(sub, "latn") == 0)
		return "srp_latn";
	if (strcmp(p, "uz") == 0 && strcmp(sub, "cyrl") == 0)
		return "uzb_cyrl";
	if (n == 3) {
		/* Already a three-letter code: as Tesseract names it when
		 * it has it, else through the bibliographic synonyms. */
		static const char *const syn[][2] = {
			{ "ger", "deu" }, { "fre", "fra" }, { "dut", "nld" },
			{ "chi", "chi_sim" }, { "cze", "ces" }, { "gre", "ell" },
			{ "per", "fas" }, { "rum", "ron" }, { "slo", "slk" },
			{ "alb", "sqi" }, { "arm", "hye" }, { "baq", "eus" },
			{ "bur", "mya" }, { "geo", "kat" }, { "ice", "isl" },
			{ "mac", "mkd" }, { "may", "msa" }, { "wel", "cym" },
			{ "tib", "bod" },
		};

		for (i = 0; i < sizeof(syn) / sizeof(syn[0]); i++)
			if (strcmp(p, syn[i][0]) == 0)
				return syn[i][1];
		for (i = 0; i < sizeof(lang_table) / sizeof(lang_table[0]); i++)
			if (strcmp(p, lang_table[i].tess) == 0)
				return lang_table[i].tess;
		return NULL;
	}
	for (i = 0; i < sizeof(lang_table) / sizeof(lang_table[0]); i++)
		if (strcmp(p, lang_table[i].iso) == 0)
			return lang_table[i].tess;
	return NULL;
}

static int find_data(const char *langs, char *dir, size_t dirsz);

int
pdf_ocr_new(struct pdf_ocr **out, const quarry_pdf_options *o, unsigned count,
    const char *doc_lang)
{
	struct pdf_ocr *r;
	const char *code;
	char dir[512];

	*out = NULL;
	if (o->ocr == QUARRY_PDF_OCR_NEVER)
		return 0;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->done = calloc(count ? count : 1, 1)) == NULL) {
		free(r);
		return QUARRY_ENOMEM;
	}
	r->mode = o->ocr;
	snprintf(r->lang, sizeof(r->lang), "eng");
	if (o->ocr_lang != NULL && *o->ocr_lang)
		snprintf(r->lang, sizeof(r->lang), "%s", o->ocr_lang);
	else if (doc_lang != NULL && *doc_lang != '\0') {
		/* The document's language, when Tesseract can read it. */
		code = pdf_ocr_lang_code(doc_lang);
		if (code == NULL)
			snprintf(r->note, sizeof(r->note), "OCR read the "
			    "pages as English: Tesseract has no language for "
			    "the document's '%.20s'", doc_lang);
		else if (find_data(code, dir, sizeof(dir)) != 0)
			snprintf(r->note, sizeof(r->note), "OCR read the "
			    "pages as English: no Tesseract data for the "
			    "document's language '%.20s' (install "
			    "tesseract-ocr-%s)", doc_lang, code);
		else
			snprintf(r->lang, sizeof(r->lang), "%s", code);
	}
	r->dpi = o->ocr_dpi > 0 ? o->ocr_dpi : QUARRY_PDF_OCR_DPI_DEFAULT;
	r->count = count;
	pthread_mutex_init(&r->lock, NULL);
	*out = r;
	return 0;
}

void
pdf_ocr_free(struct pdf_ocr *r)
{
	if (r == NULL)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->done);
	free(r);
}

static void
note_error(struct pdf_ocr *r, const char *msg)
{
	pthread_mutex_lock(&r->lock);
	if (r->err[0] == '\0')
		snprintf(r->err, sizeof(r->err), "%s", msg);
	pthread_mutex_unlock(&r->lock);
}

/*
 * Nonzero when the page's text layer is not worth keeping: no visible
 * character, or more than half of them unmapped glyphs (U+FFFD, private
 * use, control characters), as fonts without a ToUnicode map give.
 */
static int
unusable(const struct pdf_page *pg)
{
	size_t i, k, seen = 0, bad = 0;

	for (i = 0; i < pg->n; i++) {
		const unsigned char *s = (const unsigned char *)pg->lines[i].text;
		size_t n = pg->lines[i].len;

		for (k = 0; k < n; k++) {
			unsigned c = s[k];

			if (c == ' ' || c == '\t' || (c & 0xc0) == 0x80)
				continue;
			seen++;
			if (c < 0x20)
				bad++;
			else if (c == 0xef && k + 2 < n && s[k + 1] == 0xbf &&
			    s[k + 2] == 0xbd)
				bad++;	/* U+FFFD */
			else if (c == 0xee || (c == 0xef && k + 1 < n &&
			    s[k + 1] < 0xa4))
				bad++;	/* U+E000-U+F8FF */
		}
	}
	return seen == 0 || bad * 2 > seen;
}

/*
 * Finds the directory holding every language of langs ("eng+deu"), so that
 * a missing one is our message and not Tesseract's lines on standard error.
 * Returns 0 with the directory in dir, or -1.
 */
static int
find_data(const char *langs, char *dir, size_t dirsz)
{
	static const char *const dirs[] = {
		"", "/usr/share/tesseract-ocr/5/tessdata",
		"/usr/share/tesseract-ocr/4.00/tessdata", "/usr/share/tessdata",
		"/usr/local/share/tessdata",
	};
	const char *env = getenv("TESSDATA_PREFIX");
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		const char *l = langs;
		int all = 1;

		if (i == 0 && (env == NULL || *env == '\0'))
			continue;
		snprintf(dir, dirsz, "%s", i == 0 ? env : dirs[i]);
		while (all && *l != '\0') {
			size_t n = strcspn(l, "+");
			char path[1024];

			snprintf(path, sizeof(path), "%s/%.*s.traineddata", dir,
			    (int)n, l);
			all = access(path, R_OK) == 0;
			l += n + (l[n] == '+');
		}
		if (all)
			return 0;
	}
	return -1;
}

static struct engine *
engine_get(struct pdf_ocr *r)
{
	char dir[512];
	struct engine *e;

	pthread_once(&engine_once, engine_init_key);
	pthread_mutex_lock(&r->lock);
	r->tried = 1;
	pthread_mutex_unlock(&r->lock);
	e = pthread_getspecific(engine_key);
	if (e != NULL && strcmp(e->lang, r->lang) != 0) {
		engine_free(e);
		pthread_setspecific(engine_key, NULL);
		e = NULL;
	}
	if (e != NULL)
		return e->failed ? NULL : e;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	snprintf(e->lang, sizeof(e->lang), "%s", r->lang);
	pthread_setspecific(engine_key, e);
	pthread_once(&tess_once, tess_load);
	if (*tess_err != '\0') {
		note_error(r, tess_err);
		e->failed = 1;
		return NULL;
	}
	if (find_data(r->lang, dir, sizeof(dir)) != 0 ||
	    (e->api = tess.TessBaseAPICreate()) == NULL ||
	    tess.TessBaseAPIInit3(e->api, dir, r->lang) != 0) {
		char msg[256];

		snprintf(msg, sizeof(msg), "OCR unavailable: Tesseract has no "
		    "data for language '%.60s' (is its tesseract-ocr-* package "
		    "installed?)",
		    r->lang);
		note_error(r, msg);
		e->failed = 1;
		return NULL;
	}
	/* Tesseract's own chatter would go to standard error. */
	tess.TessBaseAPISetVariable(e->api, "debug_file", "/dev/null");
	tess.TessBaseAPISetPageSegMode(e->api, PSM_AUTO);
	return e;
}

/*
 * Bytes of the colour bitmap a page is rendered into at a time: the page
 * is rendered in bands of rows, each turned to grey before the next, so
 * that a large page costs its grey image (a byte a pixel) and one band,
 * not three bytes a pixel more (a poster's 60 million pixels were 240 MB of
 * colour in a quarry-sync worker).
 */
#define BAND_BYTES ((size_t)16 << 20)

/* Renders page to 8-bit grey at scale pixels a point; NULL on failure. */
static unsigned char *
render(struct pp_page *page, double w, double h, double scale, int *pw,
    int *ph)
{
	unsigned char *grey;
	int y0, band;

	*pw = (int)ceil(w * scale);
	*ph = (int)ceil(h * scale);
	if (*pw < 1 || *ph < 1)
		return NULL;
	band = (int)(BAND_BYTES / ((size_t)*pw * 4));
	if (band < 16)
		band = 16;
	if (band > *ph)
		band = *ph;
	if ((grey = malloc((size_t)*pw * (size_t)*ph)) == NULL)
		return NULL;
	for (y0 = 0; y0 < *ph; y0 += band) {
		int rows = *ph - y0 < band ? *ph - y0 : band;

		if (pp_page_render_grey(page, scale, *pw, y0, rows,
		    grey + (size_t)y0 * (size_t)*pw) != 0) {
			free(grey);
			return NULL;
		}
	}
	return grey;
}

/* Largest image handed to Tesseract, in pixels: A2 at 300 dpi (35
 * million); a poster is rendered at a lower resolution instead.  The grey
 * image and Tesseract's copy of it are a byte a pixel each. */
#define MAX_PIXELS (36.0 * 1000 * 1000)

int
pdf_ocr_page(struct pdf_ocr *r, struct pp_page *page, struct pdf_page *pg,
    unsigned k)
{
	struct engine *e;
	TessResultIterator *it;
	double w, h, scale;
	unsigned char *grey;
	int pw, ph, rc = 0;
	struct pdf_page out;

	if (r == NULL || k >= r->count)
		return 0;
	if (r->mode == QUARRY_PDF_OCR_AUTO && !unusable(pg))
		return 0;
	if ((e = engine_get(r)) == NULL)
		return 0;
	pp_page_size(page, &w, &h);
	scale = r->dpi / 72.0;
	if (w * h * scale * scale > MAX_PIXELS)
		scale = sqrt(MAX_PIXELS / (w * h));
	if ((grey = render(page, w, h, scale, &pw, &ph)) == NULL) {
		note_error(r, "OCR: a page could not be rendered");
		return 0;
	}
	/* A blank page (white, or nothing drawn) has nothing to read. */
	{
		size_t i, np = (size_t)pw * (size_t)ph;

		for (i = 0; i < np && grey[i] >= 160; i++)
			;
		if (i == np) {
			free(grey);
			return 0;
		}
	}
	tess.TessBaseAPISetImage(e->api, grey, pw, ph, 1, pw);
	tess.TessBaseAPISetSourceResolution(e->api, (int)lround(scale * 72));
	if (tess.TessBaseAPIRecognize(e->api, NULL) != 0) {
		note_error(r, "OCR: Tesseract failed on a page");
		tess.TessBaseAPIClear(e->api);
		free(grey);
		return 0;
	}
	memset(&out, 0, sizeof(out));
	it = tess.TessBaseAPIGetIterator(e->api);
	if (it != NULL) {
		const TessPageIterator *pit =
		    tess.TessResultIteratorGetPageIterator(it);

		do {
			int l, t, rr, b;
			char *text;
			size_t n;
			double size;

			if (tess.TessResultIteratorConfidence(it,
			    RIL_TEXTLINE) < 30 ||
			    !tess.TessPageIteratorBoundingBox(pit,
			    RIL_TEXTLINE, &l, &t, &rr, &b))
				continue;
			if ((text = tess.TessResultIteratorGetUTF8Text(it,
			    RIL_TEXTLINE)) == NULL)
				continue;
			n = strlen(text);
			while (n > 0 && (text[n - 1] == '\n' ||
			    text[n - 1] == ' '))
				n--;
			/*
			 * The box runs from ascender to descender: about the
			 * font size; rounded to half points so that lines of
			 * one size compare equal in the layout engine.
			 */
			size = (b - t) / scale;
			{
				int bx1, by1, bx2, by2;

				if (tess.TessPageIteratorBaseline(pit, RIL_TEXTLINE,
				    &bx1, &by1, &bx2, &by2) &&
				    (by1 + by2) / 2 > t)
					size = ((by1 + by2) / 2.0 - t) / scale /
					    0.72;
			}
			size = round(size * 2) / 2;
			/* Tesseract reads a bullet as one of these; the
			 * layout engine knows bullets. */
			if (n > 3 && (strncmp(text, "\xc2\xa2 ", 3) == 0 ||
			    strncmp(text, "\xc2\xab ", 3) == 0 ||
			    strncmp(text, "\xc2\xb0 ", 3) == 0)) {
				char *bt = malloc(n + 2);

				if (bt != NULL) {
					memcpy(bt, "\xe2\x80\xa2", 3);
					memcpy(bt + 3, text + 2, n - 2);
					rc = pdf_page_add_line(&out, bt, n + 1,
					    l / scale, t / scale, rr / scale,
					    b / scale, size, 0);
					free(bt);
					n = 0;
				}
			}
			if (n > 0)
				rc = pdf_page_add_line(&out, text, n, l / scale,
				    t / scale, rr / scale, b / scale, size, 0);
			tess.TessDeleteText(text);
		} while (rc == 0 &&
		    tess.TessResultIteratorNext(it, RIL_TEXTLINE));
		tess.TessResultIteratorDelete(it);
	}
	tess.TessBaseAPIClear(e->api);
	free(grey);
	if (rc != 0 || out.n == 0) {
		/* Nothing read: the page keeps what it had. */
		pdf_page_clear(&out);
		return rc;
	}
	/* The OCR lines replace the text layer's, in the unrotated page's
	 * coordinates, which the image has. */
	out.width = w;
	out.height = h;
	out.fheight = h;
	pdf_page_clear(pg);
	*pg = out;
	pthread_mutex_lock(&r->lock);
	r->done[k] = 1;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

int
pdf_ocr_finish(struct pdf_ocr *r, unsigned first, json_t *rec, char *warn,
    size_t warnsz)
{
	json_t *a;
	unsigned k;

	if (r == NULL)
		return 0;
	pdf_ocr_thread_done();
	if (r->err[0] != '\0') {
		size_t l = strlen(warn);

		snprintf(warn + l, warnsz - l, "%s%s", l > 0 ? "; " : "",
		    r->err);
	}
	/* The language fell back to English: said when a page was read. */
	if (r->tried && r->note[0] != '\0') {
		size_t l = strlen(warn);

		snprintf(warn + l, warnsz - l, "%s%s", l > 0 ? "; " : "",
		    r->note);
	}
	for (k = 0; k < r->count; k++)
		if (r->done[k])
			break;
	if (k == r->count)
		return 0;
	if ((a = json_array()) == NULL)
		return QUARRY_ENOMEM;
	for (k = 0; k < r->count; k++)
		if (r->done[k] && json_array_append_new(a,
		    json_integer(first + k)) != 0) {
			json_decref(a);
			return QUARRY_ENOMEM;
		}
	return json_object_set_new(rec, "ocr_pages", a) != 0 ?
	    QUARRY_ENOMEM : 0;
}
