/*
 * chunker.c: splits a document's text into chunks within a size budget.
 *
 * The text follows the structure rules of man/quarry.7: paragraphs separated
 * by blank lines, form feeds between pages, Markdown headings, list items,
 * fenced code blocks and pipe tables.  The chunker works in two passes:
 *
 *  1. Atomisation.  The text is cut into blocks (headings, paragraphs, list
 *     items, code blocks, tables).  A block that fits the budget is one atom;
 *     a larger one is cut into sentences (prose) or lines (code, tables),
 *     a sentence too large into words, and a word too large into grapheme
 *     clusters.  Each atom remembers the strength of the boundary before it
 *     (section > paragraph > sentence > stop > clause > word > grapheme;
 *     stops and clauses rank the words of an over-long sentence) and its
 *     size, which includes the white space that precedes it, so that sizes
 *     add up to the size of the text they cover.  With --overlap every prose block is cut
 *     into sentences, so that overlaps can start at sentence starts.
 *
 *  2. Packing.  Atoms are packed greedily; when the next atom does not fit,
 *     the chunk ends at the strongest boundary that still leaves the chunk at
 *     least half full (the latest among equals), never right after a heading.
 *     The size of every chunk is then measured exactly (with an exact
 *     tokenizer, from the atoms' own counts where they meet at white space,
 *     else by counting the chunk again), and an atom is given back while it
 *     is over the budget: the budget is a hard limit even where token counts
 *     are not additive.  A trailing piece smaller than --min is
 *     merged into its predecessor or the last cut is moved back.
 *
 * The passes are interleaved: after each block (and every so many lines of
 * a long code block or table), the atoms that are enough to decide a chunk
 * are packed and dropped, so that memory for atoms stays
 * bounded by a chunk's worth rather than growing with the document.
 *
 * Time is linear in the text for characters and words; token counts cost one
 * tokenizer pass over every atom (and over a block too large for the budget,
 * up to the budget), and one over the rare chunk whose atoms meet where
 * counts do not join.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "error_private.h"
#include "quarry.h"
#include "chunk_private.h"
#include "tokenizer_private.h"
#include "thread_private.h"
#include "text_private.h"

/* Boundary strengths, strongest last. */
enum {
	B_GRAPHEME = 0,
	B_WORD = 1,
	B_CLAUSE = 2,	/* a word after , ; : or a line break */
	B_STOP = 3,	/* after . ! ? or an ellipsis that ends no sentence */
	B_SENTENCE = 4,
	B_PARAGRAPH = 5,
	B_SECTION = 6,
};

enum block_kind { K_PARA, K_HEADING, K_CODE, K_TABLE, K_LIST };

/* A chunker's part in a two-thread run (struct quarry_chunker). */
enum spec_state {
	SPEC_NONE,	/* no twin, or given up */
	SPEC_WAIT,	/* the twin runs; not at spec_at yet */
	SPEC_CHECK,	/* at spec_at as the twin started: look for a sync */
};

/* Texts smaller than this are chunked by one thread. */
#define SPEC_MIN ((size_t)1 << 20)

/* The first part of a text that the second thread takes over when it is
 * done with a twin's is at least this large (chunker_set_split_min()), and
 * a run uses at most SPEC_TWINS twins. */
#define SPLIT_MIN ((size_t)256 << 10)

/* In a run with two threads, a chunker packs and publishes its chunks at
 * least every PUB_STEP bytes of text, for one that waits for them. */
#define PUB_STEP ((size_t)64 << 10)
#define SPEC_TWINS 16
#if SPEC_TWINS + 1 > CHUNK_PARTS
#error "a run's chunks lie in more parts than CHUNK_PARTS"
#endif

/* What pack() returns, up through atomise(), once the twin's chunks are
 * taken (an internal code, never returned to the caller). */
#define SPEC_TAKEN 2

struct atom {
	size_t start;		/* first byte of content */
	size_t end;		/* one past the last byte of content */
	size_t size;		/* size of [previous atom's end, end) */
	size_t inner;		/* size of [start, end) */
	/* With an exact tokenizer: how the count of a text that ends with
	 * this atom follows from that of the text before it, from the end
	 * of the atom before (from): it adds xsize, when the text starts at
	 * sync or before (tok_split_point()); join is 0 when not known. */
	size_t from, sync, xsize;
	unsigned char join;
	size_t path;		/* heading path in force */
	unsigned char strength;	/* of the boundary before this atom */
	unsigned char heading;	/* the atom is a heading line */
	unsigned char kind;	/* enum block_kind of its block */
	unsigned char gran;	/* 0 whole block, 1 sentence or line,
				   2 word, 3 grapheme cluster */
};

struct langseg {
	char lang[16];
	quarry_segmenter *seg;
};

struct quarry_chunker {
	quarry_chunk_options o;
	struct qerr err;
	/* quarry_chunk_records()'s, kept from document to document
	 * (chunker_recbuf()). */
	struct quarry_buf recbuf[2];
	enum quarry_pattern pat;	/* the tokenizer's */
	int plain;		/* text/plain: no line is a heading */

	const char *text;	/* the current run's text */
	size_t len;

	struct atom *atoms;
	size_t natoms, capatoms;

	quarry_chunk *chunks;
	size_t nchunks, capchunks;

	size_t *ff;		/* offsets of form feeds */
	size_t nff, capff;

	/* Heading paths: paths[i] is titles[pathstart[i] .. pathstart[i]+pathlen[i]). */
	quarry_span *titles;
	size_t ntitles, captitles;
	size_t *pathstart, *pathlen;
	size_t npaths, cappaths;
	quarry_span cur[6];	/* the current path, by level */
	int curdepth;

	struct langseg segs[8];
	size_t nsegs;
	quarry_segmenter *seg;	/* for the current run */
	size_t prev_start;	/* start of the last atom added */
	size_t prev_end;	/* end of the last atom added */
	unsigned char akind;	/* kind and granularity of atoms being added */
	unsigned char agran;
	int can_pack;		/* the block being cut may be packed as it
				 * is cut (pack_early()) */
	size_t pack_limit;	/* pack() decides no chunk that ends at an
				 * atom from here on (pack_early()) */
	int no_early;		/* no pack_early(), for the tests */

	/* Packing runs while atoms are being added, so that only a window
	 * of atoms is kept: atoms[0] is the start of the chunk being formed
	 * (earlier ones are dropped), done the end of the last chunk. */
	size_t pa;
	size_t done;
	size_t next_pack;	/* pack again when natoms reaches this */

	/* Where atomisation starts, and the strength of the boundary before
	 * that: 0 and B_SECTION, but for a twin (below). */
	size_t from;
	int from_strength;

	/*
	 * With two threads (quarry_chunker_set_threads()), a large text with
	 * no headings is chunked from both ends: a twin, on a second thread,
	 * chunks the text from a paragraph start spec_at near the middle on,
	 * while this chunker goes from the start; once it is past spec_at,
	 * it looks for a chunk of its own that starts where one of the twin's
	 * starts, the previous ones ending at the same place too.  Packing
	 * depends on nothing before a chunk's start but where the previous
	 * chunk ended (see spec_sync()), so from there on the twin's chunks
	 * are this chunker's own, and it stops.  When there is no such
	 * chunk, it chunks the whole text itself, as with one thread.
	 *
	 * A thread that is done asks the chunker the other thread runs for
	 * more (split_req): that chunker gives it the second half of what it
	 * has left before its target, from a paragraph start again, or from a
	 * line of a long code block it is in (spec_split()); the new twin
	 * heads for that target, and the chunker for the new twin.  So the
	 * two threads end at about the same time, whichever part of the text
	 * costs more.
	 */
	int threads;
	int release_any;	/* chunker_set_release_any() */
	size_t split_min;	/* SPLIT_MIN, but for the tests */
	struct quarry_chunker *twins[SPEC_TWINS];	/* kept for later runs */
	quarry_tokenizer *thread_tok;	/* with a tokenizer, a copy of it
					 * (the same vocabulary, caches of its
					 * own) for the twins the second
					 * thread runs; the first thread's
					 * use o.tokenizer: the caches stay
					 * warm from twin to twin */
	size_t ntwins;		/* set up in this run */
	struct quarry_chunker *parent;	/* whose run this is: the chunker
					 * that holds the lock; NULL: one thread */
	struct quarry_chunker *target;	/* the twin this one heads for */
	size_t spec_at;		/* its start */
	int spec;		/* enum spec_state */
	int spec_taken;		/* the last run took a twin's chunks */
	const char *spec_lang;
	int spec_thread_on;
	pthread_t spec_thread;
	pthread_mutex_t spec_mu;	/* a parent's, with spec_cv: the */
	pthread_cond_t spec_cv;		/* twins' done, the handshake below */
	int spec_mu_init;
	struct quarry_chunker *running[2];	/* what each thread runs (the
					 * parent's lock), NULL: nothing */
	/* Any chunker's, in a run with two threads: */
	int split_req;		/* atomic: a thread that is done wants work */
	int split_ans;		/* 1: split_part is its work; -1: none */
	struct quarry_chunker *split_part;
	size_t code_end;	/* the end of the code block being cut */
	size_t start_code_end;	/* a twin that starts in a code block: its
				 * end, until it is cut */
	size_t in_code_end;	/* ... and for the whole run */
	size_t pub;		/* chunks the others may read (under the
				 * parent's lock; all of them once done) */
	size_t pack_at;		/* ... published again from here on */
	/* A twin's: */
	size_t ff_base;		/* form feeds before from: 0 in a twin, whose
				 * pages count from its start until its chunks
				 * are taken (spec_take()) */
	int twin_done;		/* its run is over (under the parent's lock) */
	int rc;			/* its result */
	struct quarry_chunker *link;	/* synced: link's chunks from link_idx
					 * on follow this one's */
	size_t link_idx;
};

static int pack(quarry_chunker *c, int final);
static void spec_split(quarry_chunker *c, size_t pos, size_t code_end);
static size_t line_end(const char *s, size_t a, size_t b);

/* ------------------------------------------------------------- helpers */

#define GROW(arr, n, cap) do {						\
	if ((n) == (cap)) {						\
		size_t ncap_ = (cap) ? (cap) * 2 : 64;			\
		void *p_ = realloc((arr), ncap_ * sizeof(*(arr)));	\
		if (p_ == NULL)						\
			return QUARRY_ENOMEM;				\
		(arr) = p_;						\
		(cap) = ncap_;						\
	}								\
} while (0)

/* ' ', or '\t' '\n' '\v' '\f' '\r' (9 to 13). */
static int
is_space(unsigned char c)
{
	return c == ' ' || (unsigned)(c - '\t') <= '\r' - '\t';
}

/* Counts white-space separated words in s[0..n). */
static size_t
count_words(const char *s, size_t n)
{
	size_t i, w = 0;
	int in = 0;

	for (i = 0; i < n; i++) {
		int sp = is_space((unsigned char)s[i]);

		if (!sp && !in)
			w++;
		in = !sp;
	}
	return w;
}

/* The size of text[a, b) in the chosen unit. */
static size_t
measure(quarry_chunker *c, size_t a, size_t b)
{
	const char *s = c->text + a;
	size_t n = b - a, e;

	if (b <= a)
		return 0;
	switch (c->o.unit) {
	case QUARRY_UNIT_CHARS:
#ifdef __SSE2__
		/* A short span (the space between two words, a line) where
		 * 128 bytes may be read: its continuation bytes (10xxxxxx,
		 * -128..-65 as signed bytes) as bit masks, none in ASCII. */
		if (n <= 128 && c->len - a >= 128) {
			const __m128i lim = _mm_set1_epi8(-64);
			uint64_t m[2] = { 0, 0 };
			size_t k;

			for (k = 0; k < n; k += 16)
				m[k / 64] |= (uint64_t)(unsigned)_mm_movemask_epi8(
				    _mm_cmplt_epi8(_mm_loadu_si128(
				    (const __m128i *)(const void *)(s + k)),
				    lim)) << (k % 64);
			if (n < 64)
				m[0] &= (UINT64_C(1) << n) - 1;
			else if (n < 128)
				m[1] &= (UINT64_C(1) << (n - 64)) - 1;
			return (m[0] | m[1]) == 0 ? n :
			    n - (size_t)__builtin_popcountll(m[0]) -
			    (size_t)__builtin_popcountll(m[1]);
		}
#endif
		if (n < 16) {
			size_t k, m = 0;

			for (k = 0; k < n; k++)
				m += ((unsigned char)s[k] & 0xC0) != 0x80;
			return m;
		}
		return quarry_utf8_count(s, n);
	case QUARRY_UNIT_WORDS:
		return count_words(s, n);
	case QUARRY_UNIT_TOKENS:
		if (c->o.tokenizer != NULL)
			return quarry_tokenizer_count(c->o.tokenizer, s, n);
		/* Every byte is a token, so no text has more tokens than
		 * bytes: the cap keeps a size of 4 possible for any one
		 * character while staying an upper bound. */
		e = quarry_token_estimate(s, n);
		return e < n ? e : n;
	}
	return n;
}

/*
 * The size of text[a, b) when it is at most max, else some size above max:
 * for the checks whether a piece fits, which need not count all of a
 * block far over the budget.
 */
static size_t
measure_max(quarry_chunker *c, size_t a, size_t b, size_t max)
{
	if (b > a && c->o.unit == QUARRY_UNIT_TOKENS && c->o.tokenizer != NULL)
		return tok_count_max(c->o.tokenizer, c->text + a, b - a, max);
	return measure(c, a, b);
}

void
quarry_chunk_options_init(quarry_chunk_options *o)
{
	memset(o, 0, sizeof(*o));
	o->unit = QUARRY_UNIT_TOKENS;
	o->split = QUARRY_SPLIT_CHUNKS;
	o->size = 512;
	o->overlap = 0;
	o->min = QUARRY_CHUNK_MIN_AUTO;
}

int
quarry_chunker_new(quarry_chunker **out, const quarry_chunk_options *o)
{
	quarry_chunker *c;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return QUARRY_ENOMEM;
	c->o = *o;
	*out = c;
	if (o->size == 0) {
		qerr_set(&c->err, QUARRY_EINVAL, "the size must be at least 1");
		return QUARRY_EINVAL;
	}
	if (o->unit == QUARRY_UNIT_TOKENS && o->split == QUARRY_SPLIT_CHUNKS &&
	    o->size < 4) {
		/* One character can take four tokens (one per byte): a
		 * smaller budget could not be kept without cutting it. */
		qerr_set(&c->err, QUARRY_EINVAL,
		    "a size in tokens must be at least 4");
		return QUARRY_EINVAL;
	}
	if (o->overlap >= o->size) {
		qerr_set(&c->err, QUARRY_EINVAL,
		    "the overlap (%zu) must be smaller than the size (%zu)",
		    o->overlap, o->size);
		return QUARRY_EINVAL;
	}
	if (o->tokenizer != NULL && tok_pattern_parse(
	    quarry_tokenizer_pattern(o->tokenizer), &c->pat) != 0)
		c->pat = QUARRY_PAT_CL100K;
	if (o->min == QUARRY_CHUNK_MIN_AUTO)
		c->o.min = o->size / 8;
	if (c->o.min > o->size)
		c->o.min = o->size;
	return 0;
}

struct qerr *
chunker_err(quarry_chunker *c)
{
	return &c->err;
}

const char *
quarry_chunker_error(const quarry_chunker *c)
{
	return qerr_str(c ? &c->err : NULL);
}

void
quarry_chunker_free(quarry_chunker *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsegs; i++)
		quarry_segmenter_free(c->segs[i].seg);
	for (i = 0; i < SPEC_TWINS; i++)
		quarry_chunker_free(c->twins[i]);
	quarry_tokenizer_free(c->thread_tok);
	if (c->spec_mu_init) {
		pthread_mutex_destroy(&c->spec_mu);
		pthread_cond_destroy(&c->spec_cv);
	}
	quarry_buf_free(&c->recbuf[0]);
	quarry_buf_free(&c->recbuf[1]);
	free(c->atoms);
	free(c->chunks);
	free(c->ff);
	free(c->titles);
	free(c->pathstart);
	free(c->pathlen);
	free(c);
}

void
quarry_chunker_set_plain(quarry_chunker *c, int plain)
{
	c->plain = plain != 0;
}

void
quarry_chunker_set_threads(quarry_chunker *c, int n)
{
	c->threads = n > 1 ? n : 1;
}

struct quarry_buf *
chunker_recbuf(quarry_chunker *c, int i)
{
	quarry_buf_truncate(&c->recbuf[i], 0);
	(void)quarry_buf_check(&c->recbuf[i]);
	return &c->recbuf[i];
}

void
chunker_set_release_any(quarry_chunker *c, int any)
{
	c->release_any = any != 0;
}

int
chunker_release_any(const quarry_chunker *c)
{
	return c->release_any;
}

int
chunker_threads(const quarry_chunker *c)
{
	return c->threads > 1 ? c->threads : 1;
}

int
chunker_has_headings(const quarry_chunker *c)
{
	return c->ntitles > 0;
}

size_t
chunker_atoms_cap(const quarry_chunker *c)
{
	return c->capatoms;
}

void
chunker_set_early_pack(quarry_chunker *c, int on)
{
	c->no_early = !on;
}

int
chunker_spec_taken(const quarry_chunker *c)
{
	return c->spec_taken;
}

size_t
chunker_spec_twins(const quarry_chunker *c)
{
	return c->ntwins;
}

size_t
chunker_spec_code_twins(const quarry_chunker *c)
{
	size_t i, n = 0;

	for (i = 0; i < c->ntwins; i++)
		n += c->twins[i]->in_code_end != 0;
	return n;
}

void
chunker_set_split_min(quarry_chunker *c, size_t n)
{
	c->split_min = n;
}

quarry_heading_path
quarry_chunker_headings(const quarry_chunker *c, size_t i)
{
	quarry_heading_path p = { NULL, 0 };

	if (i < c->npaths) {
		p.n = c->pathlen[i];
		if (p.n > 0)
			p.titles = c->titles + c->pathstart[i];
	}
	return p;
}

/* Returns the segmenter for lang, creating it on first use. */
static int
segmenter_for(quarry_chunker *c, const char *lang, quarry_segmenter **out)
{
	char key[16];
	size_t i;
	int rc;

	snprintf(key, sizeof(key), "%s", lang ? lang : "");
	for (i = 0; i < c->nsegs; i++)
		if (strcmp(c->segs[i].lang, key) == 0) {
			*out = c->segs[i].seg;
			return 0;
		}
	if (c->nsegs == sizeof(c->segs) / sizeof(c->segs[0])) {
		/* Evict the oldest; documents rarely switch among many. */
		quarry_segmenter_free(c->segs[0].seg);
		memmove(c->segs, c->segs + 1, sizeof(c->segs) - sizeof(c->segs[0]));
		c->nsegs--;
	}
	if ((rc = quarry_segmenter_new(out, lang && *lang ? lang : NULL)) != 0)
		return rc;
	memcpy(c->segs[c->nsegs].lang, key, sizeof(key));
	c->segs[c->nsegs++].seg = *out;
	return 0;
}

/* ------------------------------------------------------ heading paths */

/* Records the current heading path as a new path and returns its index. */
static int
push_path(quarry_chunker *c)
{
	int i;

	if (c->npaths == c->cappaths) {
		size_t ncap = c->cappaths ? c->cappaths * 2 : 16, *p;

		if ((p = realloc(c->pathstart, ncap * sizeof(*p))) == NULL)
			return QUARRY_ENOMEM;
		c->pathstart = p;
		if ((p = realloc(c->pathlen, ncap * sizeof(*p))) == NULL)
			return QUARRY_ENOMEM;
		c->pathlen = p;
		c->cappaths = ncap;
	}
	c->pathstart[c->npaths] = c->ntitles;
	c->pathlen[c->npaths] = 0;
	for (i = 0; i < c->curdepth; i++) {
		if (c->cur[i].end == 0)
			continue;	/* a skipped level */
		GROW(c->titles, c->ntitles, c->captitles);
		c->titles[c->ntitles++] = c->cur[i];
		c->pathlen[c->npaths]++;
	}
	c->npaths++;
	return 0;
}

/* The current path index (the last one recorded). */
static size_t
cur_path(const quarry_chunker *c)
{
	return c->npaths ? c->npaths - 1 : (size_t)-1;
}

/* ---------------------------------------------------------- atomising */

/* The characters of text[a, b), the white space between two atoms: up to
 * 16 bytes of ASCII, the common case (a line end and the next line's
 * indentation, a blank line and 7 spaces in a manual page), without a
 * call. */
static size_t
gap_chars(quarry_chunker *c, size_t a, size_t b)
{
	size_t n = b - a;

#ifdef __SSE2__
	if (n <= 16 && c->len - a >= 16) {
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_loadu_si128(
		    (const __m128i *)(const void *)(c->text + a)));

		if ((m & ((1u << n) - 1)) == 0)
			return n;
	}
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w;

	if (n <= 8 && c->len - a >= 8) {
		memcpy(&w, c->text + a, 8);
		if (n < 8)
			w &= (UINT64_C(1) << (8 * n)) - 1;	/* n bytes */
		if ((w & UINT64_C(0x8080808080808080)) == 0)
			return n;
	}
#endif
	return measure(c, a, b);
}

/* Sets what an atom a (its start and end set) shares with the chunker's
 * state, and makes it the last one added. */
static inline void
atom_close(quarry_chunker *c, struct atom *a, int strength, int heading)
{
	a->path = cur_path(c);
	a->strength = (unsigned char)strength;
	a->heading = (unsigned char)heading;
	a->kind = c->akind;
	a->gran = c->agran;
	c->prev_start = a->start;
	c->prev_end = a->end;
}

/* add_atom_sized() in any unit. */
static int
add_atom_unit(quarry_chunker *c, size_t start, size_t end, int strength,
    int heading, size_t inner)
{
	struct atom *a;
	size_t ws_start = c->prev_end;

	GROW(c->atoms, c->natoms, c->capatoms);
	a = &c->atoms[c->natoms++];
	a->start = start;
	a->end = end;
	a->from = ws_start;
	a->join = 0;
	a->inner = inner != (size_t)-1 ? inner : measure(c, start, end);
	if (c->o.unit == QUARRY_UNIT_TOKENS && c->o.tokenizer != NULL) {
		/* The white space before the atom and its first word or
		 * two counted again, not the whole atom. */
		a->size = ws_start < start ? tok_count_ext(c->o.tokenizer,
		    c->text, ws_start, start, end, a->inner) : a->inner;
		/* What it adds to a chunk's count, where that is known. */
		a->sync = ws_start < start ? tok_split_point(c->pat, c->text,
		    c->len, c->prev_start, ws_start) : SIZE_MAX;
		if (a->sync == ws_start) {
			a->xsize = a->size;
			a->join = 1;
		} else if (a->sync != SIZE_MAX) {
			a->xsize = tok_count_ext(c->o.tokenizer, c->text,
			    a->sync, start, end, a->inner) -
			    quarry_tokenizer_count(c->o.tokenizer,
			    c->text + a->sync, ws_start - a->sync);
			a->join = 1;
		}
	} else if (c->o.unit == QUARRY_UNIT_TOKENS)
		a->size = ws_start < start ? measure(c, ws_start, end) : a->inner;
	else if (c->o.unit == QUARRY_UNIT_WORDS) {
		/* A word that runs on from the previous atom (two sentences
		 * with no space between them, "one.Two", or only a Unicode
		 * space such as U+2028) is counted once. */
		a->size = measure(c, ws_start, end);
		if (ws_start > 0 && a->size > 0 &&
		    !is_space((unsigned char)c->text[ws_start]))
			a->size--;
	} else
		a->size = a->inner + gap_chars(c, ws_start, start);
	atom_close(c, a, strength, heading);
	return 0;
}

/*
 * An atom of inner characters after gap characters of white space: a few
 * stores, inline (in a text of short lines, a code block of them or text
 * dumped from HTML, there is one for every 40 bytes).
 */
static inline int
add_atom_chars(quarry_chunker *c, size_t start, size_t end, int strength,
    int heading, size_t inner, size_t gap)
{
	struct atom *a;

	if (c->natoms == c->capatoms)
		return add_atom_unit(c, start, end, strength, heading, inner);
	a = &c->atoms[c->natoms++];
	a->start = start;
	a->end = end;
	a->from = c->prev_end;
	a->join = 0;
	a->inner = inner;
	a->size = inner + gap;
	atom_close(c, a, strength, heading);
	return 0;
}

/* Adds text[start, end) as an atom; inner is its size when known, else
 * (size_t)-1. */
static inline int
add_atom_sized(quarry_chunker *c, size_t start, size_t end, int strength,
    int heading, size_t inner)
{
	if (c->o.unit != QUARRY_UNIT_CHARS || inner == (size_t)-1)
		return add_atom_unit(c, start, end, strength, heading, inner);
	return add_atom_chars(c, start, end, strength, heading, inner,
	    gap_chars(c, c->prev_end, start));
}

static int
add_atom(quarry_chunker *c, size_t start, size_t end, int strength,
    int heading)
{
	return add_atom_sized(c, start, end, strength, heading, (size_t)-1);
}

/* Whether enough atoms wait to be packed, or, with two threads, enough
 * text has gone by since the chunks were last published. */
static int
pack_due(const quarry_chunker *c)
{
	return c->natoms >= c->next_pack ||
	    (c->parent != NULL && c->prev_end >= c->pack_at);
}

/* Packs what can be packed, deciding no chunk that ends at atom limit or
 * after it, and sets when to pack again. */
static int
pack_some(quarry_chunker *c, size_t limit)
{
	int rc;

	c->pack_limit = limit;
	rc = pack(c, 0);
	c->pack_limit = SIZE_MAX;
	if (rc != 0)
		return rc;
	c->next_pack = c->natoms * 2 > 1024 ? c->natoms * 2 : 1024;
	c->pack_at = c->prev_end + PUB_STEP;
	return 0;
}

/*
 * A block of many lines (a fence that is never closed runs to the end of
 * the text) or a sentence of many words (a text without full stops) is
 * packed as it is cut, as between blocks, when enough atoms wait: its atoms
 * would otherwise all be held at once, ten times the size of its text.
 * Only where no segmenter spans are in use (pack() may refine atoms with
 * the segmenter), and never within refine(), which pack() calls.
 */
static int
pack_early(quarry_chunker *c)
{
	size_t lim = c->natoms, tail = 0;

	if (!c->can_pack || c->no_early || !pack_due(c))
		return 0;
	/* A chunk's end is decided only where more than five budgets of
	 * atoms follow: sentence_cut() looks four budgets ahead, within the
	 * sentence, and the rest of it is yet to come. */
	while (lim > 0 && tail <= 5 * c->o.size)
		tail += c->atoms[--lim].size;
	return pack_some(c, lim);
}

/*
 * Finds the end of the longest run of grapheme clusters from a (at most b)
 * whose size fits the budget.  Falls back to code points when a single
 * cluster is larger than the budget, and to one code point at least.
 */
static size_t
fit_graphemes(quarry_chunker *c, size_t a, size_t b)
{
	size_t lo, hi, best, mid, g, i;
	int32_t cp;

	/* The end of the first cluster: the first code point boundary that
	 * is also a grapheme boundary. */
	i = a + quarry_utf8_decode(c->text, b, a, &cp);
	while (i < b && quarry_grapheme_floor(c->text, b, i) != i)
		i += quarry_utf8_decode(c->text, b, i, &cp);
	if (measure(c, a, i) <= c->o.size) {
		/* Binary search on byte positions, floored to grapheme
		 * boundaries, for the longest prefix within the budget. */
		best = i;
		lo = i;
		hi = b;
		while (lo < hi) {
			mid = lo + (hi - lo + 1) / 2;
			g = quarry_grapheme_floor(c->text, b, mid);
			if (g > best && measure(c, a, g) <= c->o.size) {
				best = g;
				lo = mid;
			} else if (g <= best)
				lo = mid;
			else
				hi = mid - 1;
		}
		return best;
	}
	/* One cluster is over the budget: cut it between code points. */
	i = a + quarry_utf8_decode(c->text, b, a, &cp);
	while (i < b) {
		size_t next = i + quarry_utf8_decode(c->text, b, i, &cp);

		if (measure(c, a, next) > c->o.size)
			break;
		i = next;
	}
	return i;
}

/* Cuts text[a, b) (one word, no white space) into grapheme atoms. */
static int
atomise_graphemes(quarry_chunker *c, size_t a, size_t b, int strength)
{
	int rc;

	c->agran = 3;
	while (a < b) {
		size_t e = fit_graphemes(c, a, b);

		if ((rc = add_atom(c, a, e, strength, 0)) != 0)
			return rc;
		strength = B_GRAPHEME;
		a = e;
	}
	return 0;
}

/*
 * The length of the white space character at s[i] (i < b): an ASCII one, or
 * a Unicode space that separates words (U+00A0 and the other fixed-width
 * spaces, U+2028 and U+2029), else 0.  Words joined by no-break spaces are
 * still words: a chunk may end between them.
 */
static size_t
space_at(const char *s, size_t i, size_t b)
{
	const unsigned char *p = (const unsigned char *)s + i;

	if (is_space(*p))
		return 1;
	if (*p < 0xC2)
		return 0;
	if (*p == 0xC2)
		return b - i >= 2 && p[1] == 0xA0 ? 2 : 0;
	if (b - i < 3)
		return 0;
	if (*p == 0xE2 && p[1] == 0x80 && ((p[2] >= 0x80 && p[2] <= 0x8A) ||
	    p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF))
		return 3;
	if ((*p == 0xE2 && p[1] == 0x81 && p[2] == 0x9F) ||
	    (*p == 0xE3 && p[1] == 0x80 && p[2] == 0x80) ||
	    (*p == 0xE1 && p[1] == 0x9A && p[2] == 0x80))
		return 3;
	return 0;
}

/* The bytes that may start a space of space_at(): the ASCII spaces and the
 * lead bytes of U+00A0, U+1680, U+2000 to U+2029, U+202F, U+205F, U+3000. */
static const unsigned char may_space[256] = {
	['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1,
	[0xC2] = 1, [0xE1] = 1, [0xE2] = 1, [0xE3] = 1,
};

/*
 * The strength of the boundary between two words of one sentence, the
 * first ending at s[pe - 1] and the space between them [pe, a): a stop
 * after terminal punctuation the segmenter did not take as a sentence end
 * ("e.g.", "[FLAG ...]"), a clause after , ; : or at a line break (in
 * hard-wrapped text and option synopses), else a word.
 */
static int
word_strength(const char *s, size_t pe, size_t a)
{
	size_t i = pe;

	while (i > 0 && (s[i - 1] == ')' || s[i - 1] == ']' ||
	    s[i - 1] == '"' || s[i - 1] == '\'' || s[i - 1] == '*' ||
	    s[i - 1] == '_'))
		i--;
	if (i > 0 && (s[i - 1] == '.' || s[i - 1] == '!' || s[i - 1] == '?'))
		return B_STOP;
	if (i >= 3 && memcmp(s + i - 3, "\xE2\x80\xA6", 3) == 0)
		return B_STOP;
	if (i > 0 && (s[i - 1] == ',' || s[i - 1] == ';' || s[i - 1] == ':'))
		return B_CLAUSE;
	/* The space between two words: a byte or a few, looked at here
	 * rather than by a call to memchr(). */
	for (i = pe; i < a; i++)
		if (s[i] == '\n')
			return B_CLAUSE;
	return B_WORD;
}

#ifdef __SSE2__
/* A mask of the bytes of the 16 at p that are ASCII white space (' ', 9 to
 * 13), and with high, of those outside ASCII too. */
static unsigned
ascii_space16(const char *p, int high)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i t = _mm_sub_epi8(v, _mm_set1_epi8('\t'));
	unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
	    _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
	    _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8('\r' - '\t')), t)));

	return high ? m | (unsigned)_mm_movemask_epi8(v) : m;
}
#endif

/* Cuts text[a, b) into words, and words that are too large further. */
static int
atomise_words(quarry_chunker *c, size_t a, size_t b, int strength)
{
	const char *s = c->text;
	size_t pe = 0, n, nch;
	int rc;

	while (a < b) {
		size_t e, size;

#ifdef __SSE2__
		/* Runs of ASCII white space (text dumped from HTML tables)
		 * 16 bytes at a time; the rest, as any white space, below. */
		while (b - a >= 16) {
			unsigned m = ascii_space16(s + a, 0);

			a += (size_t)__builtin_ctz(~m);
			if (m != 0xFFFF)
				break;
		}
#endif
		while (a < b && (n = space_at(s, a, b)) != 0)
			a += n;
		if (a == b)
			break;
		if (pe > 0)
			strength = word_strength(s, pe, a);
		/* The word, and its characters counted on the way (the
		 * bytes that do not continue a sequence): its ASCII 16
		 * bytes at a time, the rest a byte at a time. */
		e = a;
		nch = 0;
#ifdef __SSE2__
		while (b - e >= 16) {
			unsigned m = ascii_space16(s + e, 1);

			if (m == 0) {
				e += 16;
				nch += 16;
				continue;
			}
			e += (size_t)__builtin_ctz(m);
			nch = e - a;
			break;
		}
#endif
		while (e < b && (!may_space[(unsigned char)s[e]] ||
		    ((unsigned char)s[e] == 0xE2 && e + 1 < b &&
		    (unsigned char)s[e + 1] >= 0x82) ||	/* U+2080... */
		    space_at(s, e, b) == 0)) {
			nch += ((unsigned char)s[e] & 0xC0) != 0x80;
			e++;
		}
		size = c->o.unit == QUARRY_UNIT_CHARS ? nch :
		    measure_max(c, a, e, c->o.size);
		if (size > c->o.size)
			rc = atomise_graphemes(c, a, e, strength);
		else {
			c->agran = 2;
			rc = add_atom_sized(c, a, e, strength, 0, size);
		}
		if (rc != 0 || (rc = pack_early(c)) != 0)
			return rc;
		pe = a = e;
	}
	return 0;
}

/* Adds text[a, b) as one atom, or cuts it into words when too large. */
static int
atomise_piece(quarry_chunker *c, size_t a, size_t b, int strength)
{
	size_t size = measure_max(c, a, b, c->o.size);

	if (size <= c->o.size)
		return add_atom_sized(c, a, b, strength, 0, size);
	return atomise_words(c, a, b, strength);
}

/* Cuts a prose block into sentences. */
static int
atomise_sentences(quarry_chunker *c, size_t a, size_t b, int strength)
{
	const quarry_span *sp;
	size_t n, i;
	int rc;

	if ((rc = quarry_segmenter_split(c->seg, c->text + a, b - a, &sp, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		int can_pack = c->can_pack;

		/* The spans are the segmenter's, which packing may use
		 * again: only the last sentence may be packed as it is cut. */
		c->agran = 1;
		if (i + 1 < n)
			c->can_pack = 0;
		rc = atomise_piece(c, a + sp[i].start, a + sp[i].end,
		    i == 0 ? strength : B_SENTENCE);
		c->can_pack = can_pack;
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* The bits set in x, without a call where the compiler may not use the
 * instruction. */
static unsigned
pop64(uint64_t x)
{
	x -= (x >> 1) & UINT64_C(0x5555555555555555);
	x = (x & UINT64_C(0x3333333333333333)) +
	    ((x >> 2) & UINT64_C(0x3333333333333333));
	x = (x + (x >> 4)) & UINT64_C(0x0F0F0F0F0F0F0F0F);
	return (unsigned)((x * UINT64_C(0x0101010101010101)) >> 56);
}

/*
 * A page's lines, found 64 bytes at a time.  Lines are some 30 to 40
 * bytes long (hard-wrapped manual pages, text dumped from HTML): found one
 * by one, 16 bytes at a time, the branch that ends the search is
 * mispredicted as often as not.  Here the line ends ('\n', '\f') of a
 * window of 64 bytes are found at once, as a bit mask, with the bytes
 * other than blanks (' ', '\t'), for the indentation, and with cont, those
 * that continue a character (10xxxxxx), for a count of characters; the
 * lines are then taken from the masks.  Each byte is looked at once.
 */
struct lines {
	const char *s;
	size_t len;		/* of the text */
	int cont;
	int avx2;		/* lines_fill_avx2() */
	size_t base;		/* the window: s[base, base + 64) */
	uint64_t ends;		/* its line ends, a bit each */
	uint64_t ink;		/* its bytes other than ' ' and '\t' */
	uint64_t conts;		/* with cont, its continuation bytes */
};

static void
lines_fill(struct lines *l, size_t base)
{
	const char *p = l->s + base;
	size_t n = l->len - base;
	uint64_t e = 0, b = 0, c = 0;

	l->base = base;
#ifdef __SSE2__
	{
		const __m128i nl = _mm_set1_epi8('\n'), ff = _mm_set1_epi8('\f');
		const __m128i sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t');
		const __m128i lim = _mm_set1_epi8(-64);
		__m128i v0, v1, v2, v3;
		char tail[64];

		/* The last window of the text, from a copy with zeros past
		 * its end. */
		if (n < 64) {
			memset(tail, 0, sizeof(tail));
			memcpy(tail, p, n);
			p = tail;
		}
		v0 = _mm_loadu_si128((const __m128i *)(const void *)p);
		v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
		v2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
		v3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));

#define MASK64(f) ((uint64_t)(unsigned)_mm_movemask_epi8(f(v0)) |	\
	(uint64_t)(unsigned)_mm_movemask_epi8(f(v1)) << 16 |		\
	(uint64_t)(unsigned)_mm_movemask_epi8(f(v2)) << 32 |		\
	(uint64_t)(unsigned)_mm_movemask_epi8(f(v3)) << 48)
#define ENDS(v) _mm_or_si128(_mm_cmpeq_epi8((v), nl), _mm_cmpeq_epi8((v), ff))
#define BLANKS(v) _mm_or_si128(_mm_cmpeq_epi8((v), sp), _mm_cmpeq_epi8((v), tab))
#define CONTS(v) _mm_cmplt_epi8((v), lim)
		e = MASK64(ENDS);
		b = MASK64(BLANKS);
		c = l->cont ? MASK64(CONTS) : 0;
#undef MASK64
#undef ENDS
#undef BLANKS
#undef CONTS
	}
#else
	size_t k;

	for (k = 0; k < 64 && k < n; k++)
		if (p[k] == '\n' || p[k] == '\f')
			e |= UINT64_C(1) << k;
		else if (p[k] == ' ' || p[k] == '\t')
			b |= UINT64_C(1) << k;
		else if (((unsigned char)p[k] & 0xC0) == 0x80)
			c |= UINT64_C(1) << k;
#endif
	/* Past the end of the text, every bit a line end: the text ends
	 * there. */
	if (n < 64) {
		e |= ~UINT64_C(0) << n;
		b &= (UINT64_C(1) << n) - 1;
	}
	l->ends = e;
	l->ink = ~b;
	l->conts = l->cont ? c : 0;
}

#ifdef TEXT_AVX2
/* lines_fill() of a full window, 32 bytes a step. */
__attribute__((target("avx2"))) static void
lines_fill_avx2(struct lines *l, size_t base)
{
	const char *p = l->s + base;
	const __m256i nl = _mm256_set1_epi8('\n'), ff = _mm256_set1_epi8('\f');
	const __m256i sp = _mm256_set1_epi8(' '), tab = _mm256_set1_epi8('\t');
	const __m256i lim = _mm256_set1_epi8(-64);
	__m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));

#define MASK64(f) ((uint64_t)(uint32_t)_mm256_movemask_epi8(f(v0)) |	\
	(uint64_t)(uint32_t)_mm256_movemask_epi8(f(v1)) << 32)
#define ENDS(v) _mm256_or_si256(_mm256_cmpeq_epi8((v), nl),		\
	_mm256_cmpeq_epi8((v), ff))
#define BLANKS(v) _mm256_or_si256(_mm256_cmpeq_epi8((v), sp),		\
	_mm256_cmpeq_epi8((v), tab))
#define CONTS(v) _mm256_cmpgt_epi8(lim, (v))
	l->base = base;
	l->ends = MASK64(ENDS);
	l->ink = ~MASK64(BLANKS);
	l->conts = l->cont ? MASK64(CONTS) : 0;
#undef MASK64
#undef ENDS
#undef BLANKS
#undef CONTS
}
#endif

/* The window at base. */
static inline void
lines_at(struct lines *l, size_t base)
{
#ifdef TEXT_AVX2
	if (l->avx2 && l->len - base >= 64) {
		lines_fill_avx2(l, base);
		return;
	}
#endif
	lines_fill(l, base);
}

static void
lines_init(struct lines *l, const char *s, size_t len, int cont)
{
	l->s = s;
	l->len = len;
	l->cont = cont;
#ifdef TEXT_AVX2
	l->avx2 = text_have_avx2();
#else
	l->avx2 = 0;
#endif
	l->base = SIZE_MAX / 2;		/* none yet */
	l->ends = l->ink = l->conts = 0;
}

/* The first byte at pos or after that is no blank (a line end is none),
 * or the end of the text. */
static inline size_t
lines_ink(struct lines *l, size_t pos)
{
	uint64_t m;

	if (pos >= l->len)
		return l->len;
	if (pos - l->base >= 64)	/* before the window too */
		lines_at(l, pos);
	m = l->ink & (~UINT64_C(0) << (pos - l->base));
	while (m == 0) {
		lines_at(l, l->base + 64);
		m = l->ink;
	}
	return l->base + (size_t)__builtin_ctzll(m);
}

/* The first line end at pos or after, or the end of the text; with cont,
 * *cont is increased by the bytes before it that continue a character. */
static inline size_t
lines_end(struct lines *l, size_t pos, size_t *cont)
{
	uint64_t from, m;

	if (pos >= l->len)
		return l->len;
	if (pos - l->base >= 64)
		lines_at(l, pos);
	from = ~UINT64_C(0) << (pos - l->base);
	while ((m = l->ends & from) == 0) {
		if ((l->conts & from) != 0)
			*cont += pop64(l->conts & from);
		lines_at(l, l->base + 64);
		from = ~UINT64_C(0);
	}
	from &= (m & -m) - 1;
	if ((l->conts & from) != 0)
		*cont += pop64(l->conts & from);
	return l->base + (size_t)__builtin_ctzll(m);
}

/* Cuts a code block or table into lines. */
static int
atomise_lines(quarry_chunker *c, size_t a, size_t b, int strength)
{
	const char *s = c->text;
	int rc, chars = c->o.unit == QUARRY_UNIT_CHARS, whole = 0;
	struct lines ls;

	/* The block's lines as a page's (struct lines), the blanks that
	 * indent them skipped on the way; in characters, each line is
	 * counted as it is read, and after a line added whole, what lies
	 * between it and the next is white space trimmed, all ASCII. */
	lines_init(&ls, s, b, chars);
	while (a < b) {
		size_t q = lines_ink(&ls, a), cont = 0;
		size_t e = lines_end(&ls, q, &cont), t = e;

		/* In a run with two threads, within a code block cut at its
		 * top level: work for the other thread, and a twin that
		 * starts on this line (of this block). */
		if (c->parent != NULL && c->can_pack && c->code_end != 0) {
			if (__atomic_load_n(&c->split_req, __ATOMIC_ACQUIRE))
				spec_split(c, a, c->code_end);
			if (c->spec == SPEC_WAIT && a >= c->spec_at &&
			    c->target->in_code_end == c->code_end)
				c->spec = a == c->spec_at ? SPEC_CHECK :
				    SPEC_NONE;
		}
		/* Indentation counts as the white space before the line. */
		a = q;
		while (a < t && is_space((unsigned char)s[a]))
			a++;
		while (t > a && is_space((unsigned char)s[t - 1]))
			t--;
		if (t > a) {
			c->agran = 1;
			/* What was trimmed is ASCII: the line's characters
			 * are its bytes but for those that continue one. */
			if (chars && t - a - cont <= c->o.size) {
				rc = whole ? add_atom_chars(c, a, t, strength, 0,
				    t - a - cont, a - c->prev_end) :
				    add_atom_sized(c, a, t, strength, 0,
				    t - a - cont);
				whole = 1;
			} else {
				rc = atomise_piece(c, a, t, strength);
				whole = 0;
			}
			if (rc != 0)
				return rc;
			strength = B_SENTENCE;
		}
		a = e + 1;
		if ((rc = pack_early(c)) != 0)
			return rc;
	}
	return 0;
}

static int add_block1(quarry_chunker *c, enum block_kind kind, size_t a,
    size_t b, int strength, size_t cont);

/*
 * Adds one block, then packs what can be packed when enough atoms are
 * waiting.  Only here, between blocks, is packing safe: no segmenter spans
 * are in use, and refine() may split atoms with the segmenter again.
 */
static int
add_block(quarry_chunker *c, enum block_kind kind, size_t a, size_t b,
    int strength, size_t cont)
{
	int rc;

	if ((rc = add_block1(c, kind, a, b, strength, cont)) != 0)
		return rc;
	if (c->o.split == QUARRY_SPLIT_CHUNKS && pack_due(c))
		return pack_some(c, SIZE_MAX);
	return 0;
}

/*
 * Adds one block: as a whole when it fits, else cut by its kind.  cont is
 * the number of its bytes that continue a character (what its size in
 * characters is short of its bytes), when known (else SIZE_MAX): all
 * that is trimmed is ASCII.
 */
static int
add_block1(quarry_chunker *c, enum block_kind kind, size_t a, size_t b,
    int strength, size_t cont)
{
	size_t size;
	int whole, rc;

	while (b > a && is_space((unsigned char)c->text[b - 1]))
		b--;
#ifdef __SSE2__
	/* The indentation (7 spaces and more in man pages) 16 bytes at a
	 * time. */
	while (b - a >= 16) {
		unsigned m = ascii_space16(c->text + a, 0);

		a += (size_t)__builtin_ctz(~m);
		if (m != 0xFFFF)
			break;
	}
#endif
	while (a < b && is_space((unsigned char)c->text[a]))
		a++;
	if (a >= b)
		return 0;
	c->akind = (unsigned char)kind;
	c->agran = 0;
	if (c->o.split == QUARRY_SPLIT_SENTENCES) {
		if (kind == K_HEADING)
			return add_atom(c, a, b, strength, 1);
		if (kind == K_CODE || kind == K_TABLE)
			return atomise_lines(c, a, b, strength);
		return atomise_sentences(c, a, b, strength);
	}
	size = c->o.unit == QUARRY_UNIT_CHARS && cont != SIZE_MAX ?
	    b - a - cont : measure_max(c, a, b, c->o.size);
	whole = size <= c->o.size;
	if (kind == K_HEADING)
		return whole ? add_atom_sized(c, a, b, strength, 1, size) :
		    atomise_words(c, a, b, strength);
	if (whole && (c->o.overlap == 0 || kind == K_CODE || kind == K_TABLE))
		return add_atom_sized(c, a, b, strength, 0, size);
	c->can_pack = 1;
	rc = kind == K_CODE || kind == K_TABLE ?
	    atomise_lines(c, a, b, strength) :
	    atomise_sentences(c, a, b, strength);
	c->can_pack = 0;
	return rc;
}

/* Line classification. */
static int
is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_space((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * The next '\n' in s[a, b), or b.  Lines of prose are short (30 bytes on
 * average in man pages), too short for memchr()'s set-up to pay off.
 */
static size_t
line_end(const char *s, size_t a, size_t b)
{
#ifdef __SSE2__
	const __m128i nl = _mm_set1_epi8('\n');

	while (b - a >= 16) {
		unsigned bits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
		    _mm_loadu_si128((const __m128i *)(const void *)(s + a)), nl));

		if (bits != 0)
			return a + (size_t)__builtin_ctz(bits);
		a += 16;
	}
#endif
	while (a < b && s[a] != '\n')
		a++;
	return a;
}

/* The first c1 or c2 in s[a, b), or b. */
static size_t
find2(const char *s, size_t a, size_t b, char c1, char c2)
{
#ifdef __SSE2__
	const __m128i v1 = _mm_set1_epi8(c1), v2 = _mm_set1_epi8(c2);

	while (b - a >= 32) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + a));
		__m128i y = _mm_loadu_si128((const __m128i *)(const void *)(s + a + 16));
		unsigned bits = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(x, v1), _mm_cmpeq_epi8(x, v2))) |
		    (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(y, v1), _mm_cmpeq_epi8(y, v2))) << 16;

		if (bits != 0)
			return a + (size_t)__builtin_ctz(bits);
		a += 32;
	}
#endif
	while (a < b && s[a] != c1 && s[a] != c2)
		a++;
	return a;
}

/* Returns the heading level (1-6) of a line, or 0. */
static int
heading_level(const char *s, size_t n)
{
	size_t i = 0;
	int lvl = 0;

	while (i < n && i < 3 && s[i] == ' ')
		i++;
	while (i < n && s[i] == '#' && lvl < 7) {
		i++;
		lvl++;
	}
	if (lvl == 0 || lvl > 6)
		return 0;
	if (i < n && s[i] != ' ' && s[i] != '\t')
		return 0;
	return lvl;
}

/* Returns the fence character of an opening code fence, with its length. */
static int
fence(const char *s, size_t n, size_t *flen)
{
	size_t i = 0, k;

	while (i < n && i < 3 && s[i] == ' ')
		i++;
	if (i >= n || (s[i] != '`' && s[i] != '~'))
		return 0;
	for (k = i; k < n && s[k] == s[i]; k++)
		;
	if (k - i < 3)
		return 0;
	*flen = k - i;
	return s[i];
}

/*
 * The end of the line in s[p, b) (p a line start) that closes a fence of
 * flen or more fch; else the end of the page, the next '\f', or b.  Only
 * lines where fch occurs can close it: found by a search for fch (or
 * '\f'), rather than line by line.
 */
static size_t
fence_close(const char *s, size_t p, size_t b, int fch, size_t flen)
{
	while (p < b) {
		size_t i = find2(s, p, b, (char)fch, '\f'), ls, e, fl = 0;

		if (i >= b || s[i] == '\f')
			return i;
		/* The line start, when no more than three spaces come
		 * before the fence character. */
		for (ls = i; ls > p && i - ls < 3 && s[ls - 1] == ' '; ls--)
			;
		e = find2(s, i, b, '\n', '\f');	/* its line's end */
		if ((ls == p || s[ls - 1] == '\n') &&
		    fence(s + ls, e - ls, &fl) == fch && fl >= flen)
			return e;
		if (e >= b || s[e] == '\f')
			return e;
		p = e + 1;
	}
	return b;
}

/*
 * Whether s (n bytes) opens with a bullet and a space or tab: the list
 * items of plain text, and of text dumped from web pages (w3m marks the
 * levels of nested lists with •, □, ☆ and ○; groff's manual pages with •).
 * The bullets: • ‣ ⁃ ∙ ■ □ ▪ ▫ ○ ● ◦ ★ ☆, all three bytes from U+2000.
 */
static inline __attribute__((always_inline)) int
bullet_item(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (n < 4 || u[0] != 0xE2 || (u[3] != ' ' && u[3] != '\t'))
		return 0;
	switch (u[1]) {
	case 0x80:
		return u[2] == 0xA2 || u[2] == 0xA3;
	case 0x81:
		return u[2] == 0x83;
	case 0x88:
		return u[2] == 0x99;
	case 0x96:
		return u[2] == 0xA0 || u[2] == 0xA1 || u[2] == 0xAA ||
		    u[2] == 0xAB;
	case 0x97:
		return u[2] == 0x8B || u[2] == 0x8F || u[2] == 0xA6;
	case 0x98:
		return u[2] == 0x85 || u[2] == 0x86;
	default:
		return 0;
	}
}

/*
 * By the first byte of a line that is not ' ' or '\t': 1 when the line is
 * of a paragraph whatever follows (it is not blank, and opens no fence,
 * heading, list item or table row: see atomise_page()), 2 when it is
 * unless it opens with a bullet (0xE2: bullet_item()), 0 when the line
 * must be looked at.
 */
static const unsigned char para_start[256] = {
	/* NUL to 0x1F: white space ('\n', '\v', '\f', '\r') makes a
	 * line blank, the others nothing. */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/*    !  "  #  $  %  &  '  (  )  *  +  ,  -  .  / */
	0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1,
	/* 0  1  2  3  4  5  6  7  8  9  :  ;  <  =  >  ? */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* P  Q  R  S  T  U  V  W  X  Y  Z  [  \  ]  ^  _ */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* `  a ... */
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* p  q  r  s  t  u  v  w  x  y  z  {  |  }  ~  DEL */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 0xE2 */
	1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

static int
is_list_item(const char *s, size_t n)
{
	size_t i = 0, d;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i + 1 < n && (s[i] == '-' || s[i] == '*' || s[i] == '+') &&
	    (s[i + 1] == ' ' || s[i + 1] == '\t'))
		return 1;
	if (bullet_item(s + i, n - i))
		return 1;
	for (d = i; d < n && d - i < 9 && s[d] >= '0' && s[d] <= '9'; d++)
		;
	return d > i && d + 1 < n && (s[d] == '.' || s[d] == ')') &&
	    (s[d + 1] == ' ' || s[d + 1] == '\t');
}

static int
is_table_row(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && i < 3 && s[i] == ' ')
		i++;
	return i < n && s[i] == '|';
}

/* Sets the current heading path for a heading line text[a, b) of level. */
static int
enter_heading(quarry_chunker *c, size_t a, size_t b, int level)
{
	const char *s = c->text;
	quarry_span t;
	int i;

	while (a < b && (s[a] == ' ' || s[a] == '#'))
		a++;
	while (b > a && is_space((unsigned char)s[b - 1]))
		b--;
	/* An optional closing sequence of '#'s preceded by a space. */
	{
		size_t e = b;

		while (e > a && s[e - 1] == '#')
			e--;
		if (e < b && (e == a || s[e - 1] == ' ' || s[e - 1] == '\t')) {
			b = e;
			while (b > a && is_space((unsigned char)s[b - 1]))
				b--;
		}
	}
	t.start = a;
	t.end = b;
	for (i = c->curdepth; i < level - 1; i++)
		c->cur[i].start = c->cur[i].end = 0;
	c->cur[level - 1] = t;
	c->curdepth = level;
	if (t.end == t.start)
		c->cur[level - 1].start = c->cur[level - 1].end = 0;
	return push_path(c);
}

/*
 * Adds the code block text[*pos, cend) (cend a line end: '\n', '\f' at the
 * end of a page, or the end of the text), and sets *pos past it, or to the
 * form feed.  code_end marks it as a block another thread may take a part
 * of, from one of its lines (spec_split()).
 */
static int
code_block(quarry_chunker *c, size_t *pos, size_t cend, int strength)
{
	int rc;

	c->code_end = cend;
	rc = add_block(c, K_CODE, *pos, cend, strength, SIZE_MAX);
	c->code_end = 0;
	*pos = cend < c->len && c->text[cend] == '\n' ? cend + 1 : cend;
	return rc;
}

#ifdef TEXT_AVX2
/* atomise_page()'s block as it goes: page_plain() takes it on. */
struct pblock {
	int inblock;		/* a block is open */
	enum block_kind kind;
	size_t bstart, lend;	/* from its first byte other than a blank
				 * to its last line's end */
	size_t bcont;		/* with cont, its bytes that continue a
				 * character */
	int strength;		/* of the boundary before the next block */
};

/* A block that page_plain() found, for add_block(). */
struct pfound {
	size_t a, b, cont;
	enum block_kind kind;
};

/* plain_scan()'s walk, from window to window. */
struct pwalk {
	size_t w;		/* the next window */
	size_t end;		/* no line that starts here or after */
	uint64_t carry;		/* a line start, or blanks from one, at w */
	/* The last line end before w; the bytes that continue a character
	 * from the walk's start to it, and to w; with the count at a
	 * block's end, from the block's start (all but the first wrap
	 * around). */
	size_t last_nl, c_last, cum, cbase;
	int inblock;		/* a block is open */
	enum block_kind kind;	/* its kind */
	size_t bstart;		/* its start */
	int done;		/* x is the start of the line left */
	size_t x, cx;		/* and cum at x */
};

/* The most blocks one window can end (a blank line every other byte),
 * and a list item after. */
#define PFOUND_WINDOW 33

/*
 * page_plain()'s walk over the text s (len bytes) from window to window
 * while room holds a window's blocks: those found go to f, the count
 * returned, and the walk to pw (done when it has ended).  With req, ends
 * at a window when *req asks for work.
 */
__attribute__((target("avx2,popcnt"))) static size_t
plain_scan(const char *s, size_t len, const int *req, int chars,
    struct pwalk *pw, struct pfound *f, size_t room)
{
	/* The bytes whose para_start[] is 0 are those whose nibbles' bits
	 * meet (the low nibble's row, then the high one's), but for '\n'
	 * (a line end: the masks tell) and 0xE2 (a bullet's first byte,
	 * looked at on its own); of those, '-', '*' and '+' meet at 0x40. */
	const __m256i lo_t = _mm256_setr_epi8(
	    0x0E, 0x04, 0x04, 0x06, 0x04, 0x04, 0x04, 0x04,
	    0x04, 0x05, 0x40, 0x41, 0x11, 0x41, 0x10, 0x00,
	    0x0E, 0x04, 0x04, 0x06, 0x04, 0x04, 0x04, 0x04,
	    0x04, 0x05, 0x40, 0x41, 0x11, 0x41, 0x10, 0x00);
	const __m256i hi_t = _mm256_setr_epi8(
	    0x01, 0x00, 0x42, 0x04, 0x00, 0x00, 0x08, 0x10,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x01, 0x00, 0x42, 0x04, 0x00, 0x00, 0x08, 0x10,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
	const __m256i nib = _mm256_set1_epi8(0x0F), zero = _mm256_setzero_si256();
	const __m256i nl = _mm256_set1_epi8('\n'), ff = _mm256_set1_epi8('\f');
	const __m256i sp = _mm256_set1_epi8(' '), tab = _mm256_set1_epi8('\t');
	const __m256i lim = _mm256_set1_epi8(-64);
	const __m256i e2 = _mm256_set1_epi8((char)0xE2);
	size_t w = pw->w, end = pw->end, last_nl = pw->last_nl;
	size_t c_last = pw->c_last, cum = pw->cum, cbase = pw->cbase;
	size_t bstart = pw->bstart, n = 0;
	uint64_t carry = pw->carry;
	int inblock = pw->inblock;
	enum block_kind kind = pw->kind;

	for (;;) {
		const char *p = s + w;
		__m256i v0, v1, vf, t0, t1;
		uint64_t nls, ffs, bl, sx, ct, bul, st, sum, first, stop;
		uint64_t ev, blank, para, bit, low;
		size_t t, q;
		int item;

		if (end < w || end - w < 64 || (req != NULL &&
		    __atomic_load_n(req, __ATOMIC_ACQUIRE))) {
			pw->x = last_nl + 1;
			pw->cx = c_last;
			pw->done = 1;
			break;
		}
		if (room - n < PFOUND_WINDOW)
			break;		/* to go on from w */
		v0 = _mm256_loadu_si256((const __m256i *)(const void *)p);
		v1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
#define MASK64(f) ((uint64_t)(uint32_t)_mm256_movemask_epi8(f(v0)) |	\
	(uint64_t)(uint32_t)_mm256_movemask_epi8(f(v1)) << 32)
#define NLS(v) _mm256_cmpeq_epi8((v), nl)
#define FFS(v) _mm256_cmpeq_epi8((v), ff)
#define BLANKS(v) _mm256_or_si256(_mm256_cmpeq_epi8((v), sp),		\
	_mm256_cmpeq_epi8((v), tab))
#define CLASS(v) _mm256_and_si256(					\
	_mm256_shuffle_epi8(lo_t, _mm256_and_si256((v), nib)),		\
	_mm256_shuffle_epi8(hi_t, _mm256_and_si256(			\
	_mm256_srli_epi16((v), 4), nib)))
#define CONTS(v) _mm256_cmpgt_epi8(lim, (v))
#define BULLETS(v) _mm256_cmpeq_epi8((v), e2)
		nls = MASK64(NLS);
		bl = MASK64(BLANKS);
		t0 = CLASS(v0);
		t1 = CLASS(v1);
		sx = ~((uint64_t)(uint32_t)_mm256_movemask_epi8(
		    _mm256_cmpeq_epi8(t0, zero)) |
		    (uint64_t)(uint32_t)_mm256_movemask_epi8(
		    _mm256_cmpeq_epi8(t1, zero)) << 32);
		/* '-', '*' and '+' (their bit 0x40, moved to the top)
		 * open a list item only before a blank: a line that opens
		 * with one before another byte in the window is of a
		 * paragraph (options in manual pages, "-1", "*nix"). */
		sx &= ~(((uint64_t)(uint32_t)_mm256_movemask_epi8(
		    _mm256_slli_epi16(t0, 1)) |
		    (uint64_t)(uint32_t)_mm256_movemask_epi8(
		    _mm256_slli_epi16(t1, 1)) << 32) & ~(bl >> 1) &
		    ~(UINT64_C(1) << 63));
		bul = MASK64(BULLETS);
		ct = chars ? MASK64(CONTS) : 0;
		/* Form feeds are rare: their mask only when there is one. */
		vf = _mm256_or_si256(FFS(v0), FFS(v1));
		ffs = _mm256_testz_si256(vf, vf) ? 0 : MASK64(FFS);
#undef MASK64
#undef NLS
#undef FFS
#undef BLANKS
#undef CLASS
#undef CONTS
#undef BULLETS
		/* Line starts, then each line's first byte that is no blank
		 * (its line end when it is blank); the lines before the
		 * first left to atomise_page(). */
		st = nls << 1 | carry;
		carry = nls >> 63 | (uint64_t)__builtin_add_overflow(st & bl,
		    bl, &sum);
		first = (st | sum) & ~bl;
		stop = (first & sx) | ffs;
		ev = first & ((stop & -stop) - 1);
		blank = ev & nls;
		para = ev & ~nls;
		bul &= ev;
		/* The lines that open or end a block: in one, a blank line
		 * or a list item; else a line of a paragraph or an item. */
		while ((ev = inblock ? blank | bul : para) != 0) {
			bit = ev & -ev;
			t = (size_t)__builtin_ctzll(ev);
			item = (bul & bit) != 0 && w + t + 4 <= len &&
			    bullet_item(s + w + t, 4);
			if (inblock) {
				if ((bul & bit) != 0 && !item) {
					bul ^= bit;	/* more of the block */
					continue;
				}
				/* The block ends at the line end before. */
				f[n].a = bstart;
				f[n].kind = kind;
				low = nls & (bit - 1);
				if (low != 0) {
					q = 63 - (size_t)__builtin_clzll(low);
					f[n].b = w + q;
					f[n].cont = cbase + cum +
					    (size_t)__builtin_popcountll(ct &
					    ((UINT64_C(1) << q) - 1));
				} else {
					f[n].b = last_nl;
					f[n].cont = cbase + c_last;
				}
				n++;
				inblock = 0;
			}
			low = ~(bit - 1 + bit);
			blank &= low;
			para &= low;
			bul &= low;
			if ((bit & nls) == 0) {
				/* It opens one. */
				inblock = 1;
				kind = item ? K_LIST : K_PARA;
				bstart = w + t;
				cbase = 0 - cum - (size_t)__builtin_popcountll(
				    ct & (bit - 1));
			}
		}
		if (stop != 0) {
			/* The start of the line left: after the last line
			 * end before what stops. */
			low = nls & ((stop & -stop) - 1);
			if (low != 0) {
				q = 63 - (size_t)__builtin_clzll(low);
				pw->x = w + q + 1;
				pw->cx = cum + (size_t)__builtin_popcountll(ct &
				    ((UINT64_C(1) << q) - 1));
			} else {
				pw->x = last_nl + 1;
				pw->cx = c_last;
			}
			pw->done = 1;
			break;
		}
		if (nls != 0) {
			q = 63 - (size_t)__builtin_clzll(nls);
			last_nl = w + q;
			c_last = cum + (size_t)__builtin_popcountll(ct &
			    ((UINT64_C(1) << q) - 1));
		}
		cum += (size_t)__builtin_popcountll(ct);
		w += 64;
	}
	pw->w = w;
	pw->last_nl = last_nl;
	pw->c_last = c_last;
	pw->cum = cum;
	pw->cbase = cbase;
	pw->bstart = bstart;
	pw->carry = carry;
	pw->inblock = inblock;
	pw->kind = kind;
	return n;
}

/*
 * add_block() of a block plain_scan() found: most are a paragraph that
 * fits the budget in characters, which becomes an atom as add_block1()
 * would make it, without its other cases (when the block's start is no
 * white space, a trailing blank is all there may be to trim; a block that
 * atomise_page() opened with '\r' or '\v' is left to add_block()).
 */
static inline int
add_found(quarry_chunker *c, const struct pfound *f, int strength)
{
	size_t a = f->a, b = f->b;
	int rc;

	if (c->o.unit != QUARRY_UNIT_CHARS || c->o.overlap != 0 ||
	    c->o.split != QUARRY_SPLIT_CHUNKS ||
	    is_space((unsigned char)c->text[a]))
		return add_block(c, f->kind, a, b, strength, f->cont);
	while (b > a && is_space((unsigned char)c->text[b - 1]))
		b--;
	if (b - a - f->cont > c->o.size)
		return add_block(c, f->kind, a, b, strength, f->cont);
	c->akind = (unsigned char)f->kind;
	c->agran = 0;
	if ((rc = add_atom_chars(c, a, b, strength, 0, b - a - f->cont,
	    gap_chars(c, c->prev_end, a))) != 0)
		return rc;
	return pack_due(c) ? pack_some(c, SIZE_MAX) : 0;
}

/*
 * The lines of a page that atomise_page() would take one at a time,
 * without a look at any one: from pos, a line start, as long as each line
 * opens (after blanks) with a byte whose para_start[] is 1, or with a
 * bullet (a list item), and so is of a paragraph or opens an item, or is
 * blank, which ends the block (add_block()), or opens none.  Returns the
 * start of the first line it leaves to atomise_page(), or pos: a line
 * with another first byte or a '\f', the line that runs past the last
 * full window of the text, or that starts at limit or after, or any when
 * the other thread asks for work (split_req), which atomise_page() gives
 * at a line start; sets *rcp to add_block()'s error.  Each window of 64
 * bytes marks its line starts (after '\n'), then from each the first byte
 * that is not a blank (an addition carries a line start over the blanks
 * after it), then which of those are para_start[]'s 1, by their two
 * nibbles; a block's size in characters follows from the bytes that
 * continue a character before its ends, counted a window at a time.  The
 * blocks are found a few windows' worth at a time, then added: no call in
 * the walk, which keeps all it needs in registers.
 */
static size_t
page_plain(quarry_chunker *c, size_t pos, size_t limit, int chars,
    struct pblock *k, int *rcp)
{
	struct pfound f[4 * PFOUND_WINDOW];
	struct pwalk pw;
	const int *req = c->parent != NULL ? &c->split_req : NULL;
	size_t i, n;
	int rc;

	*rcp = 0;
	pw.w = pos;
	pw.end = limit < c->len ? limit : c->len;
	pw.carry = 1;
	pw.last_nl = pos - 1;
	pw.c_last = pw.cum = 0;
	pw.cbase = k->bcont;
	pw.inblock = k->inblock;
	pw.kind = k->kind;
	pw.bstart = k->bstart;
	pw.done = 0;
	do {
		n = plain_scan(c->text, c->len, req, chars, &pw, f,
		    sizeof(f) / sizeof(f[0]));
		for (i = 0; i < n; i++) {
			if ((rc = add_found(c, &f[i], k->strength)) != 0) {
				*rcp = rc;
				return pos;
			}
			k->strength = B_PARAGRAPH;
		}
	} while (!pw.done);
	/* The line left may have opened a block, or be more of one. */
	k->inblock = pw.inblock && pw.bstart < pw.x;
	k->kind = pw.kind;
	k->bstart = pw.bstart;
	if (k->inblock) {
		k->lend = pw.x - 1;
		k->bcont = pw.cbase + pw.cx;
	}
	return pw.x;
}
#endif

/*
 * Parses the page that starts at a into blocks and atoms, and sets *end to
 * its end: the next form feed, or the end of the text.  first_strength is
 * the strength of the boundary before the first block.  The page ends
 * where a line does (struct lines ends lines at '\f' too), rather than at
 * the next form feed searched for first: in a text with none, that search
 * read the rest of the text, for every chunker of a run with two threads.
 */
static int
atomise_page(quarry_chunker *c, size_t a, size_t *end, int first_strength)
{
	const char *s = c->text;
	size_t pos = a, bstart = 0, lend = 0, b = c->len, bcont = 0;
	enum block_kind kind = K_PARA;
	int inblock = 0, strength = first_strength, rc;
	struct lines ls;

	lines_init(&ls, s, b, c->o.unit == QUARRY_UNIT_CHARS);

	/* A twin that starts on a line of a code block: the rest of the
	 * block first, cut into lines as the chunker that gave it cuts it. */
	if (c->start_code_end != 0 && pos == c->from) {
		size_t cend = c->start_code_end;

		c->start_code_end = 0;
		if ((rc = code_block(c, &pos, cend, strength)) != 0)
			return rc;
		strength = B_PARAGRAPH;
	}

	/* A block from its first line's first byte other than a blank to
	 * its last line's end (lend): the white space add_block() would
	 * trim off its ends, one byte at a time, is left out already. */
#define FLUSH() do {							\
	if (inblock) {							\
		if ((rc = add_block(c, kind, bstart, lend,		\
		    strength, bcont)) != 0)				\
			return rc;					\
		strength = B_PARAGRAPH;					\
		inblock = 0;						\
	}								\
} while (0)

	while (pos < b && s[pos] != '\f') {
		/* The indentation (man pages indent most lines, by 7
		 * spaces and more), then the line end; in characters, the
		 * bytes that continue a character on the way, for the size
		 * of the block. */
		size_t q = lines_ink(&ls, pos), cont = 0;
		size_t eol = lines_end(&ls, q, &cont);
		size_t n = eol - pos, flen = 0, ind = q - pos;
		const char *line = s + pos;
		int lvl, fch;

		if (c->parent != NULL) {
			/* The other thread wants work: give it some of
			 * what is left before the target. */
			if (__atomic_load_n(&c->split_req, __ATOMIC_ACQUIRE))
				spec_split(c, pos, 0);
			/* The target started here in the state it would be
			 * in now: between blocks, after a paragraph, with
			 * no headings.  A fenced block may step over it. */
			if (c->spec == SPEC_WAIT && pos >= c->spec_at)
				c->spec = pos == c->spec_at && !inblock &&
				    strength == B_PARAGRAPH && c->npaths == 0 ?
				    SPEC_CHECK : SPEC_NONE;
		}

#ifdef TEXT_AVX2
		/* The lines that are of a paragraph or blank, many at a
		 * time, up to one to look at. */
		if (ls.avx2 && (!inblock || kind != K_TABLE)) {
			struct pblock k;
			size_t np;

			k.inblock = inblock;
			k.kind = kind;
			k.bstart = bstart;
			k.lend = lend;
			k.bcont = bcont;
			k.strength = strength;
			np = page_plain(c, pos, c->spec == SPEC_WAIT ?
			    c->spec_at : SIZE_MAX, ls.cont, &k, &rc);
			if (rc != 0)
				return rc;
			inblock = k.inblock;
			kind = k.kind;
			bstart = k.bstart;
			lend = k.lend;
			bcont = k.bcont;
			strength = k.strength;
			if (np != pos) {
				pos = np;
				continue;
			}
		}
#endif
		/* Most lines start with a byte that starts nothing else
		 * (para_start[]): a letter, a character outside ASCII (but
		 * a bullet), most punctuation; the line is not blank. */
		if (ind < n && (para_start[(unsigned char)line[ind]] == 1 ||
		    (para_start[(unsigned char)line[ind]] == 2 &&
		    !bullet_item(line + ind, n - ind)))) {
			if (!inblock || kind == K_TABLE) {
				FLUSH();
				inblock = 1;
				kind = K_PARA;
				bstart = q;
				bcont = 0;
			}
			bcont += cont;
			lend = eol;
			pos = eol < b && s[eol] == '\n' ? eol + 1 : eol;
			continue;
		}
		/* A fence or a heading starts after 3 spaces at most, with
		 * its character: asked only then. */
		if (is_blank(line + ind, n - ind)) {
			FLUSH();
		} else if (ind <= 3 && (line[ind] == '`' ||
		    (line[ind] == '~' && !c->plain)) &&
		    (fch = fence(line, n, &flen)) != 0) {
			/* A fenced code block runs to its closing fence. */
			size_t cend = eol < b && s[eol] == '\n' ?
			    fence_close(s, eol + 1, b, fch, flen) : eol;

			FLUSH();
			if ((rc = code_block(c, &pos, cend, strength)) != 0)
				return rc;
			strength = B_PARAGRAPH;
			continue;
		} else if (!c->plain && ind <= 3 && line[ind] == '#' &&
		    (lvl = heading_level(line, n)) != 0) {
			FLUSH();
			if ((rc = enter_heading(c, pos, eol, lvl)) != 0)
				return rc;
			if ((rc = add_block(c, K_HEADING, pos, eol, B_SECTION,
			    cont)) != 0)
				return rc;
			strength = B_PARAGRAPH;
		} else if (is_list_item(line + ind, n - ind)) {
			FLUSH();
			inblock = 1;
			kind = K_LIST;
			bstart = q;
			bcont = cont;
		} else if (is_table_row(line, n)) {
			if (inblock && kind != K_TABLE)
				FLUSH();
			if (!inblock) {
				inblock = 1;
				kind = K_TABLE;
				bstart = q;
				bcont = 0;
			}
			bcont += cont;
		} else {
			if (!inblock || kind == K_TABLE) {
				FLUSH();
				inblock = 1;
				kind = K_PARA;
				bstart = q;
				bcont = 0;
			}
			bcont += cont;
		}
		lend = eol;
		pos = eol < b && s[eol] == '\n' ? eol + 1 : eol;
	}
	FLUSH();
#undef FLUSH
	*end = pos;
	return 0;
}

static int
atomise(quarry_chunker *c)
{
	size_t pos = c->from;
	int strength = c->from_strength, rc;

	while (pos <= c->len) {
		size_t e;

		if ((rc = atomise_page(c, pos, &e, strength)) != 0)
			return rc;
		/* A page break is a paragraph boundary at least. */
		strength = B_PARAGRAPH;
		if (e >= c->len)
			break;
		GROW(c->ff, c->nff, c->capff);
		c->ff[c->nff++] = e;
		pos = e + 1;
	}
	return 0;
}

/* ------------------------------------------------------------ packing */

/* Number of form feeds before offset: the 0-based page. */
static unsigned
page_of(const quarry_chunker *c, size_t off)
{
	size_t lo = 0, hi = c->nff;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->ff[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (unsigned)(c->ff_base + lo + 1);
}

/* Estimated size of the chunk made of atoms [a, j). */
static size_t
span_size(const quarry_chunker *c, size_t a, size_t j)
{
	size_t i, sz = c->atoms[a].inner;

	for (i = a + 1; i < j; i++)
		sz += c->atoms[i].size;
	return sz;
}

/*
 * The heading path under which most of chunk k's bytes lie, from atom a
 * (its first) on: atoms are in text order, and so are paths, so the bytes
 * of one path are consecutive.  Set when the chunk is made, while its
 * atoms are held (a long text's are dropped as it goes).
 */
static size_t
section_of(const quarry_chunker *c, const quarry_chunk *k, size_t a)
{
	size_t end = k->offset + k->length, best = 0, run = 0;
	size_t path = (size_t)-1, bestpath = k->heading, j;

	if (c->npaths == 0)	/* no heading: every atom's path is none */
		return bestpath;

	for (j = a; j < c->natoms && c->atoms[j].start < end; j++) {
		const struct atom *at = &c->atoms[j];
		size_t s0 = at->start > k->offset ? at->start : k->offset;
		size_t e0 = at->end < end ? at->end : end;

		if (at->path != path) {
			path = at->path;
			run = 0;
		}
		run += e0 > s0 ? e0 - s0 : 0;
		if (run > best) {
			best = run;
			bestpath = path;
		}
	}
	return bestpath;
}

static int
emit(quarry_chunker *c, size_t a, size_t j, size_t size)
{
	quarry_chunk *k;
	const struct atom *first = &c->atoms[a], *last = &c->atoms[j - 1];

	if (c->parent != NULL && c->nchunks == c->capchunks) {
		/* Another thread may be reading the published ones. */
		pthread_mutex_lock(&c->parent->spec_mu);
		k = realloc(c->chunks, 2 * c->capchunks * sizeof(*k));
		if (k != NULL) {
			c->chunks = k;
			c->capchunks *= 2;
		}
		pthread_mutex_unlock(&c->parent->spec_mu);
		if (k == NULL)
			return QUARRY_ENOMEM;
	}
	GROW(c->chunks, c->nchunks, c->capchunks);
	k = &c->chunks[c->nchunks++];
	k->offset = first->start;
	k->length = last->end - first->start;
	k->size = size;
	k->page = page_of(c, first->start);
	k->page_end = page_of(c, last->end - 1);
	k->heading = first->path;
	k->section = section_of(c, k, a);
	return 0;
}

/*
 * The chunk [a, best) would end inside a sentence (one longer than the
 * budget, or text with no sentence ends at all: option synopses, lists of
 * URLs).  Ending it at the last sentence boundary before instead, k, costs
 * a less full chunk but may save a cut inside a sentence: the sentence that
 * starts at k then needs ceil(u / size) chunks of its own, against
 * ceil((r + u) / size) after the r before it.  Returns k when that saves a
 * cut and the chunk keeps an eighth of the budget, else best.  Sentences
 * longer than four budgets are not measured (a saving of one cut in many is
 * not worth the scan), which keeps this linear.
 */
static size_t
sentence_cut(const quarry_chunker *c, size_t a, size_t best)
{
	size_t k, i, r, u, lim = 4 * c->o.size, sz = c->o.size;

	for (k = best - 1; k > a; k--)
		if (c->atoms[k].strength >= B_SENTENCE)
			break;
	if (k <= a || c->atoms[k - 1].heading)
		return best;
	for (r = c->atoms[a].inner, i = a + 1; i < k; i++)
		r += c->atoms[i].size;
	if (r < sz / 8)
		return best;
	for (u = c->atoms[k].inner, i = k + 1; i < c->natoms &&
	    c->atoms[i].strength < B_SENTENCE && u <= lim; i++)
		u += c->atoms[i].size;
	if (u > lim || (r + u + sz - 1) / sz <= (u + sz - 1) / sz)
		return best;
	return k;
}

/*
 * Chooses where a chunk that starts at atom a ends, given that atoms [a, j)
 * fit and atom j does not: the strongest boundary k in (a, j] that leaves
 * the chunk at least half full, the latest among equals, and never right
 * after a heading unless nothing else is possible.
 */
static size_t
choose_cut(const quarry_chunker *c, size_t a, size_t j)
{
	size_t k, best = j, sz = c->atoms[a].inner, half = (c->o.size + 1) / 2;
	int beststr = -1;

	for (k = a + 1; k <= j; k++) {
		int str;

		if (k > a + 1)
			sz += c->atoms[k - 1].size;
		if (c->atoms[k - 1].heading)
			continue;
		if (sz < half && k != j)
			continue;
		str = k < c->natoms ? c->atoms[k].strength : B_SECTION;
		if (str >= beststr) {
			beststr = str;
			best = k;
		}
	}
	if (beststr < 0) {
		/* Only headings before every cut: keep the latest non-heading. */
		for (k = j; k > a + 1 && c->atoms[k - 1].heading; k--)
			;
		best = k;
	} else if (beststr < B_SENTENCE && best < c->natoms)
		best = sentence_cut(c, a, best);
	return best;
}

/*
 * Exact size of the chunk [a, j) when it fits, else a size over the
 * budget.  Token counts do not simply add up, but where atoms meet at
 * white space they follow from the atoms' own counts (tok_split_point()):
 * then the chunk is not counted again.
 */
static size_t
exact_size(quarry_chunker *c, size_t a, size_t j)
{
	size_t i, sz;

	if (c->o.unit != QUARRY_UNIT_TOKENS)
		return span_size(c, a, j);
	if (c->o.tokenizer != NULL) {
		sz = c->atoms[a].inner;
		for (i = a + 1; i < j && c->atoms[i].join &&
		    c->atoms[i].from == c->atoms[i - 1].end &&
		    c->atoms[i].sync >= c->atoms[a].start; i++)
			sz += c->atoms[i].xsize;
		if (i == j)
			return sz;
	}
	return measure_max(c, c->atoms[a].start, c->atoms[j - 1].end,
	    c->o.size);
}

/*
 * Cuts atom idx one level finer (a block into sentences or lines, a sentence
 * into words, a word into grapheme clusters), in place.  Returns 1 when it
 * did, 0 when the atom cannot be cut further, or a negative code.
 */
static int
refine(quarry_chunker *c, size_t idx)
{
	struct atom at = c->atoms[idx], *tmp;
	size_t old = c->natoms, nnew, k, prev_end = c->prev_end;
	size_t prev_start = c->prev_start;
	unsigned char akind = c->akind, agran = c->agran;
	int rc, can_pack = c->can_pack;

	if (at.heading || at.gran >= 3)
		return 0;
	c->can_pack = 0;
	/* The atomiser may be part way through the text: its state is
	 * kept.  idx > 0: the atom before idx ends a chunk or is in it. */
	c->prev_start = c->atoms[idx - 1].start;
	c->prev_end = c->atoms[idx - 1].end;
	c->akind = at.kind;
	if (at.gran == 0)
		rc = at.kind == K_CODE || at.kind == K_TABLE ?
		    atomise_lines(c, at.start, at.end, at.strength) :
		    atomise_sentences(c, at.start, at.end, at.strength);
	else if (at.gran == 1)
		rc = atomise_words(c, at.start, at.end, at.strength);
	else
		rc = atomise_graphemes(c, at.start, at.end, at.strength);
	c->prev_start = prev_start;
	c->prev_end = prev_end;
	c->akind = akind;
	c->agran = agran;
	c->can_pack = can_pack;
	if (rc != 0)
		return rc;
	nnew = c->natoms - old;
	if (nnew <= 1) {
		c->natoms = old;
		if (nnew == 1 && at.gran < 2) {
			/* One sentence: try words instead. */
			c->atoms[idx].gran = (unsigned char)(at.gran + 1);
			return refine(c, idx);
		}
		return 0;
	}
	if ((tmp = malloc(nnew * sizeof(*tmp))) == NULL)
		return QUARRY_ENOMEM;
	for (k = 0; k < nnew; k++) {
		tmp[k] = c->atoms[old + k];
		tmp[k].path = at.path;
	}
	memmove(&c->atoms[idx + nnew], &c->atoms[idx + 1],
	    (old - idx - 1) * sizeof(*tmp));
	memcpy(&c->atoms[idx], tmp, nnew * sizeof(*tmp));
	free(tmp);
	c->natoms = old - 1 + nnew;
	return 1;
}

/*
 * The next chunk starts at start, the previous one having ended at done:
 * when a chunk of the target twin starts there too, after one that ended
 * there, the twin's chunks from there on are taken as this run's (returns
 * SPEC_TAKEN; link is set).  The chunks that packing makes from a chunk's
 * start on depend on the atoms from there on and on done alone; the atoms
 * are the twin's, cut from the same text in the same state (no headings,
 * between blocks, the same form feeds before them); the atom a chunk
 * starts with counts by its inner size only.  So the twin's chunks from
 * there are what this chunker would pack.  The twin, and those it took
 * chunks from in turn, must be done, without error or headings.
 */
static int
spec_sync(quarry_chunker *c, size_t start, size_t done)
{
	quarry_chunker *p = c->parent, *t = c->target;
	size_t lo = 1, hi, m, n;
	int rc = 0;

	pthread_mutex_lock(&p->spec_mu);
	for (;;) {
		/* The twin's chunks that will not change: all of them once
		 * it is done, else all but the last published (merge_tail()
		 * may change the last two at the end). */
		n = t->twin_done ? t->nchunks : t->pub;
		lo = 1;
		hi = n;
		while (lo < hi) {	/* the twin's first from start on */
			m = lo + (hi - lo) / 2;
			if (t->chunks[m].offset < start)
				lo = m + 1;
			else
				hi = m;
		}
		if (t->twin_done ? lo < n : lo + 1 < n)
			break;
		if (!t->twin_done) {
			pthread_cond_wait(&p->spec_cv, &p->spec_mu);
			continue;
		}
		if (t->rc != 0 || t->link == NULL) {
			c->spec = SPEC_NONE;
			goto out;
		}
		/* Past the twin's chunks, which it ended where it took
		 * those of its own target: that one's atoms are this
		 * chunker's too (the twin's are, from its start on), so
		 * its chunks may meet this chunker's further on. */
		t = c->target = t->link;
	}
	if (t->npaths != 0)
		c->spec = SPEC_NONE;
	else if (t->chunks[lo].offset == start &&
	    t->chunks[lo - 1].offset + t->chunks[lo - 1].length == done) {
		c->link = t;
		c->link_idx = lo;
		c->spec = SPEC_NONE;
		rc = SPEC_TAKEN;
	}
out:
	pthread_mutex_unlock(&p->spec_mu);
	return rc;
}

/*
 * Packs atoms into chunks.  Every emitted chunk is at most the budget by
 * exact measurement.  Unless final (all atoms of the text are in), stops at
 * the first chunk whose end depends on atoms not added yet, and drops the
 * atoms before that chunk.  The chunks are the same either way: a chunk's
 * end is chosen among the atoms up to the first one that does not fit.
 */
static int
pack(quarry_chunker *c, int final)
{
	size_t a = c->pa, done = c->done;
	int rc = 0;

	while (a < c->natoms) {
		size_t n = c->natoms, j = a + 1, sz = c->atoms[a].inner, k, exact;

		while (j < n && sz + c->atoms[j].size <= c->o.size) {
			sz += c->atoms[j].size;
			j++;
		}
		if (!final && (j >= n || j >= c->pack_limit))
			break;
		k = j < n ? choose_cut(c, a, j) : j;
		/* A heading stays with the text under it: cut that text finer
		 * rather than end a chunk with the heading. */
		if (k < n && c->atoms[k - 1].heading) {
			if ((rc = refine(c, k)) < 0)
				return rc;
			if (rc == 1)
				continue;
		}
		/* Hard limit: give atoms back until the exact size fits. */
		while ((exact = exact_size(c, a, k)) > c->o.size && k > a + 1)
			k--;
		if (exact > c->o.size) {
			/* One atom alone is over (non-additive tokens):
			 * re-cut it by graphemes in place. */
			size_t e = fit_graphemes(c, c->atoms[a].start,
			    c->atoms[a].end);
			struct atom rest = c->atoms[a];

			if (e <= c->atoms[a].start || e >= c->atoms[a].end) {
				/* Indivisible (cannot happen for sizes the
				 * options allow): emit it rather than loop. */
				if ((rc = emit(c, a, a + 1, exact)) != 0)
					return rc;
				done = c->atoms[a].end;
				a++;
				continue;
			}
			GROW(c->atoms, c->natoms, c->capatoms);
			memmove(&c->atoms[a + 2], &c->atoms[a + 1],
			    (c->natoms - a - 1) * sizeof(c->atoms[0]));
			c->natoms++;
			c->atoms[a].end = e;
			c->atoms[a].inner = c->atoms[a].size = measure(c,
			    c->atoms[a].start, e);
			rest.start = rest.from = e;
			rest.strength = B_GRAPHEME;
			rest.heading = 0;
			rest.join = 0;
			rest.inner = rest.size = measure(c, e, rest.end);
			c->atoms[a + 1] = rest;
			continue;
		}
		if (c->atoms[k - 1].end <= done) {
			/* The overlap left no room for anything new: start
			 * this chunk where the previous one ended instead. */
			while (a < c->natoms && c->atoms[a].start < done)
				a++;
			continue;
		}
		if ((rc = emit(c, a, k, exact)) != 0)
			return rc;
		done = c->atoms[k - 1].end;
		if (k >= c->natoms)
			break;
		/* The next chunk starts at k, or earlier for the overlap. */
		if (c->o.overlap > 0) {
			size_t b = k, ov = 0, best = k, bestw = k;

			while (b > a + 1) {
				size_t add = b == k ? c->atoms[b - 1].inner :
				    c->atoms[b - 1].size;

				if (ov + add > c->o.overlap)
					break;
				ov += add;
				b--;
				if (c->atoms[b].heading)
					break;
				if (c->atoms[b].strength >= B_SENTENCE)
					best = b;
				if (c->atoms[b].strength >= B_WORD)
					bestw = b;
			}
			a = best < k ? best : bestw;
		} else
			a = k;
		if (c->spec == SPEC_CHECK && c->atoms[a].start >= c->spec_at &&
		    (rc = spec_sync(c, c->atoms[a].start, done)) != 0)
			return rc;
	}
	if (!final && a > 0) {
		/* Drop the atoms of finished chunks. */
		memmove(c->atoms, c->atoms + a, (c->natoms - a) * sizeof(c->atoms[0]));
		c->natoms -= a;
		a = 0;
	}
	c->pa = a;
	c->done = done;
	if (c->parent != NULL && c->pub != c->nchunks) {
		/* The chunks so far, for a chunker heading for this one. */
		pthread_mutex_lock(&c->parent->spec_mu);
		c->pub = c->nchunks;
		pthread_cond_broadcast(&c->parent->spec_cv);
		pthread_mutex_unlock(&c->parent->spec_mu);
	}
	return 0;
}

/*
 * Merges a trailing chunk smaller than --min into its predecessor when the
 * two fit together; otherwise leaves them (the cut is already the best one
 * the budget allows).
 */
static void
merge_tail(quarry_chunker *c)
{
	quarry_chunk *prev, *last;
	size_t end, sz;

	if (c->nchunks < 2 || c->o.split != QUARRY_SPLIT_CHUNKS)
		return;
	last = &c->chunks[c->nchunks - 1];
	prev = &c->chunks[c->nchunks - 2];
	if (last->size >= c->o.min)
		return;
	end = last->offset + last->length;
	sz = measure(c, prev->offset, end);
	if (sz > c->o.size)
		return;
	prev->length = end - prev->offset;
	prev->size = sz;
	prev->page_end = last->page_end;
	c->nchunks--;
	/* Its section again, when its atoms are still held (else it keeps
	 * its own: the merged tail is under the minimum). */
	if (c->natoms > 0 && c->atoms[0].start <= prev->offset) {
		size_t a = c->natoms;

		while (a > 0 && c->atoms[a - 1].end > prev->offset)
			a--;
		prev->section = section_of(c, prev, a);
	}
}

/* Gets c ready to chunk text[from, len). */
static void
run_reset(quarry_chunker *c, const char *text, size_t len, size_t from)
{
	c->text = text;
	c->len = len;
	c->natoms = c->nchunks = c->nff = 0;
	c->ntitles = c->npaths = 0;
	c->curdepth = 0;
	c->prev_start = c->prev_end = from;
	c->pa = c->done = 0;
	c->next_pack = 1024;
	c->pack_limit = SIZE_MAX;
	c->pack_at = from + PUB_STEP;
	/* Not from and in_code_end: a twin's are spec_split()'s to set,
	 * under the parent's lock, and the chunker that heads for it reads
	 * them from the other thread; chunker_run() sets the first
	 * chunker's. */
	c->from_strength = from > 0 ? B_PARAGRAPH : B_SECTION;
	c->spec = SPEC_NONE;
	c->spec_at = 0;
	c->spec_taken = 0;
	c->target = c->link = NULL;
	c->ff_base = 0;
	c->code_end = c->start_code_end = 0;
}

/* The twin k of parent p, made on first use: a chunker with p's options
 * (its tokenizer is the one of the thread that runs it, twin_run()).
 * NULL when out of memory. */
static quarry_chunker *
twin_get(quarry_chunker *p, size_t k)
{
	if (p->twins[k] != NULL)
		return p->twins[k];
	if (quarry_chunker_new(&p->twins[k], &p->o) != 0) {
		quarry_chunker_free(p->twins[k]);
		p->twins[k] = NULL;
	}
	return p->twins[k];
}

/* The last paragraph start (after a blank line) in text(a, b], or none. */
static size_t
para_before(const char *s, size_t a, size_t b, size_t none)
{
	const char *n;

	while (b > a && (n = memrchr(s + a, '\n', b - a)) != NULL) {
		b = (size_t)(n - s);
		if (b > a && s[b - 1] == '\n')
			return b + 1;
	}
	return none;
}

/*
 * Answers a call for work from the thread that is done, with c at the line
 * at pos (in the code block that ends at code_end, when not 0): the second
 * half of what c has left before its target (or the end of the text)
 * becomes a new twin's, heading for c's target; c heads for the new twin.
 * The twin starts at the first paragraph start past the middle; when the
 * middle is in this code block, at the first line past it (a twin that
 * starts in the block, cut into lines as c cuts it, so the rest must not
 * fit the budget).  None when c is past its target's start, or too little
 * is left.
 */
static void
spec_split(quarry_chunker *c, size_t pos, size_t code_end)
{
	quarry_chunker *p = c->parent, *t = NULL;
	size_t end = c->spec == SPEC_WAIT ? c->spec_at : c->len, mid, q = 0;
	size_t in_code = 0;
	const char *n;

	__atomic_store_n(&c->split_req, 0, __ATOMIC_RELAXED);
	if (c->spec != SPEC_CHECK && end > pos && end - pos >= p->split_min) {
		mid = pos + (end - pos) / 2;
		if (code_end != 0 && mid < code_end) {
			size_t a2, b2 = code_end;

			n = memchr(c->text + mid, '\n', code_end - mid);
			q = n != NULL ? (size_t)(n - c->text) + 1 : code_end;
			/* As add_block1() trims it. */
			for (a2 = q; a2 < b2 && is_space((unsigned char)c->text[a2]); a2++)
				;
			while (b2 > a2 && is_space((unsigned char)c->text[b2 - 1]))
				b2--;
			if (q + p->split_min / 4 <= code_end &&
			    measure_max(c, a2, b2, c->o.size) > c->o.size)
				in_code = code_end;
			else
				q = end;
		} else {
			n = memmem(c->text + mid, end - mid, "\n\n", 2);
			q = n != NULL ? (size_t)(n - c->text) + 2 : end;
			/* None far enough from the end (a long code block
			 * there, say): the last one before the middle. */
			if (end - q < p->split_min / 4)
				q = para_before(c->text, pos + p->split_min / 4,
				    mid, end);
		}
	}
	pthread_mutex_lock(&p->spec_mu);
	if (q != 0 && q < end && end - q >= p->split_min / 4 &&
	    p->ntwins < SPEC_TWINS && (t = twin_get(p, p->ntwins)) != NULL) {
		p->ntwins++;
		t->from = q;
		t->target = c->spec == SPEC_WAIT ? c->target : NULL;
		t->start_code_end = t->in_code_end = in_code;
		t->twin_done = 0;
		t->pub = 0;
		c->target = t;
		c->spec_at = q;
		c->spec = SPEC_WAIT;
	}
	c->split_part = t;
	c->split_ans = t != NULL ? 1 : -1;
	pthread_cond_broadcast(&p->spec_cv);
	pthread_mutex_unlock(&p->spec_mu);
}

/* Runs twin t of parent p on thread me: chunks the text from t->from on,
 * to the end or until it takes the chunks of its own target. */
static int
twin_run(quarry_chunker *p, quarry_chunker *t, int me)
{
	size_t from = t->from;
	size_t code = t->start_code_end;
	quarry_chunker *target = t->target;
	int rc;

	/* Its pages count from its start (ff_base 0): the form feeds before
	 * it are known once the chunker before it has come this far. */
	run_reset(t, p->text, p->len, from);
	if (p->o.tokenizer != NULL)
		t->o.tokenizer = me == 0 ? p->o.tokenizer : p->thread_tok;
	t->plain = p->plain;
	t->parent = p;
	t->target = target;
	t->start_code_end = code;
	if (target != NULL) {
		t->spec_at = target->from;
		t->spec = SPEC_WAIT;
	}
	if ((rc = segmenter_for(t, p->spec_lang, &t->seg)) == 0 &&
	    (rc = atomise(t)) == 0 && (rc = pack(t, 1)) == 0) {
		/* It changes published chunks. */
		pthread_mutex_lock(&p->spec_mu);
		merge_tail(t);
		pthread_mutex_unlock(&p->spec_mu);
	}
	return rc == SPEC_TAKEN ? 0 : rc;
}

/* Says no to a call for work that c's run ended before it answered (under
 * the parent's lock). */
static void
spec_refuse(quarry_chunker *c)
{
	if (__atomic_load_n(&c->split_req, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&c->split_req, 0, __ATOMIC_RELAXED);
		c->split_ans = -1;
	}
}

/*
 * A thread of parent p's run, me 0 (the caller's, once p is done) or 1:
 * while the chunker the other thread runs has work to give, asks for it
 * and runs the twin it gets.  A chunker answers at its next line, and
 * says no when its run ends first.
 */
static void
spec_work(quarry_chunker *p, int me, quarry_chunker *first)
{
	quarry_chunker *v, *t = first;

	pthread_mutex_lock(&p->spec_mu);
	for (;; t = NULL) {
		if (t != NULL)
			goto run;
		p->running[me] = NULL;
		pthread_cond_broadcast(&p->spec_cv);
		if ((v = p->running[!me]) == NULL)
			break;
		v->split_ans = 0;
		v->split_part = NULL;
		__atomic_store_n(&v->split_req, 1, __ATOMIC_RELEASE);
		while (v->split_ans == 0 && p->running[!me] == v)
			pthread_cond_wait(&p->spec_cv, &p->spec_mu);
		if (v->split_ans <= 0 || (t = v->split_part) == NULL)
			break;
run:
		p->running[me] = t;
		pthread_mutex_unlock(&p->spec_mu);
		t->rc = twin_run(p, t, me);
		pthread_mutex_lock(&p->spec_mu);
		t->twin_done = 1;
		spec_refuse(t);
	}
	pthread_mutex_unlock(&p->spec_mu);
}

/* The second thread, which runs its first twin, set up by spec_start(),
 * at once. */
static void *
twin_main(void *arg)
{
	quarry_chunker *p = arg;

	spec_work(p, 1, p->running[1]);
	return NULL;
}

/*
 * Starts the second thread, when the run may use two threads: a large
 * text, in chunks, with no heading (plain text, or no line that may be
 * one); the chunker gives it its first work at its first line.
 */
static void
spec_start(quarry_chunker *c, const char *lang)
{
	const char *s = c->text, *h;
	size_t i;

	c->ntwins = 0;
	c->parent = NULL;
	c->split_req = 0;
	if (c->threads < 2 || c->len < SPEC_MIN ||
	    c->o.split != QUARRY_SPLIT_CHUNKS)
		return;
	/* A heading would be in the path of the chunks after it: two
	 * chunkers could not meet past it. */
	for (i = 0; !c->plain && i < c->len &&
	    (h = memchr(s + i, '#', c->len - i)) != NULL;
	    i = (size_t)(h - s) + 1) {
		size_t b = (size_t)(h - s), a = b;

		while (a > 0 && b - a < 3 && s[a - 1] == ' ')
			a--;
		/* heading_level() looks at 11 bytes at most. */
		if ((a == 0 || s[a - 1] == '\n') && heading_level(s + a,
		    line_end(s, a, c->len - a > 16 ? a + 16 : c->len) - a) != 0)
			return;
	}
	if (!c->spec_mu_init) {
		if (pthread_mutex_init(&c->spec_mu, NULL) != 0)
			return;
		if (pthread_cond_init(&c->spec_cv, NULL) != 0) {
			pthread_mutex_destroy(&c->spec_mu);
			return;
		}
		c->spec_mu_init = 1;
	}
	if (c->o.tokenizer != NULL && c->thread_tok == NULL &&
	    quarry_tokenizer_dup(c->o.tokenizer, &c->thread_tok) != 0)
		return;
	if (c->split_min == 0)
		c->split_min = SPLIT_MIN;
	c->spec_lang = lang;
	c->parent = c;
	c->pub = 0;
	c->running[0] = c;
	c->running[1] = NULL;
	/* The first work for the second thread: the second half of the
	 * text, given here as it starts rather than asked for at the first
	 * line. */
	spec_split(c, c->from, 0);
	c->running[1] = c->split_part;
	if (thread_start(&c->spec_thread, twin_main, c) != 0) {
		c->ntwins = 0;
		c->target = NULL;
		c->spec = SPEC_NONE;
		c->parent = NULL;
		return;
	}
	c->spec_thread_on = 1;
}

/* Ends the run's threads: when help is set (c took a twin's chunks), this
 * one helps the other while it can; then it waits for it. */
static void
spec_end(quarry_chunker *c, int help)
{
	if (!c->spec_thread_on)
		return;
	pthread_mutex_lock(&c->spec_mu);
	spec_refuse(c);
	c->running[0] = NULL;
	pthread_cond_broadcast(&c->spec_cv);
	pthread_mutex_unlock(&c->spec_mu);
	if (help)
		spec_work(c, 0, NULL);
	pthread_join(c->spec_thread, NULL);
	c->spec_thread_on = 0;
	c->parent = NULL;
}

/*
 * The chunks of a run, where they lie: c's own,
 * then those of each twin it took them from in turn (u->link from
 * u->link_idx on), whose pages count from the twin's start: before it
 * come u's pages and the form feeds u met before the twin's start (u came
 * as far as the chunk where it took the twin's).  Returns the number of
 * parts (at most CHUNK_PARTS).
 */
static size_t
spec_parts(const quarry_chunker *c, struct chunk_part *parts)
{
	const quarry_chunker *u;
	size_t k = 1, base = c->ff_base;

	parts[0].ch = c->chunks;
	parts[0].n = c->nchunks;
	parts[0].page_add = 0;
	for (u = c; u->link != NULL && k < CHUNK_PARTS; u = u->link, k++) {
		base += page_of(u, u->link->from) - 1 - u->ff_base;
		parts[k].ch = u->link->chunks + u->link_idx;
		parts[k].n = u->link->nchunks - u->link_idx;
		parts[k].page_add = (unsigned)base;
	}
	return k;
}

/* Makes the chunks of a run that took twins' chunks c's own: copied after
 * c's, each twin's run whole, in room made for all at once. */
static int
spec_take(quarry_chunker *c)
{
	struct chunk_part parts[CHUNK_PARTS];
	size_t np = spec_parts(c, parts), n = 0, i, j;

	for (i = 0; i < np; i++)
		n += parts[i].n;
	if (n > c->capchunks) {
		quarry_chunk *p = realloc(c->chunks, n * sizeof(*p));

		if (p == NULL)
			return QUARRY_ENOMEM;
		c->chunks = p;
		c->capchunks = n;
	}
	for (i = 1; i < np; i++) {
		quarry_chunk *to = c->chunks + c->nchunks;

		memcpy(to, parts[i].ch, parts[i].n * sizeof(*to));
		for (j = 0; j < parts[i].n; j++) {
			to[j].page += parts[i].page_add;
			to[j].page_end += parts[i].page_add;
		}
		c->nchunks += parts[i].n;
	}
	return 0;
}

/*
 * Chunks text: the run's chunks are c's own, or, when take is 0 and the
 * run took twins' chunks, left where they lie (spec_parts()).
 */
static int
chunker_run(quarry_chunker *c, const char *text, size_t len,
    const char *lang, int take)
{
	int rc;
	size_t i;

	qerr_clear(&c->err);
	run_reset(c, text, len, 0);
	c->from = c->in_code_end = 0;
	if ((rc = segmenter_for(c, lang, &c->seg)) != 0) {
		return qerr_set(&c->err, rc,
		    "cannot create a sentence segmenter: %s",
		    quarry_strerror(rc));
	}
	spec_start(c, lang);
	rc = atomise(c);
	spec_end(c, rc == SPEC_TAKEN);
	c->spec = SPEC_NONE;
	if (rc == SPEC_TAKEN) {
		const quarry_chunker *u;

		for (u = c->link; u != NULL; u = u->link)
			if (u->rc != 0 || u->npaths != 0)
				break;
		if (u == NULL) {
			/* The twins packed the rest, and merged the tail. */
			c->spec_taken = 1;
			if (take && (rc = spec_take(c)) != 0)
				return qerr_ret(&c->err, rc);
			return 0;
		}
		/* A twin failed after its chunks were taken: chunk the text
		 * again, with one thread. */
		run_reset(c, text, len, 0);
		rc = atomise(c);
	}
	if (rc != 0)
		return qerr_ret(&c->err, rc);
	if (c->o.split == QUARRY_SPLIT_SENTENCES) {
		for (i = 0; i < c->natoms; i++)
			if ((rc = emit(c, i, i + 1, c->atoms[i].inner)) != 0)
				return qerr_ret(&c->err, rc);
	} else {
		if ((rc = pack(c, 1)) != 0)
			return qerr_ret(&c->err, rc);
		merge_tail(c);
	}
	return 0;
}

int
quarry_chunker_run(quarry_chunker *c, const char *text, size_t len,
    const char *lang, const quarry_chunk **chunks, size_t *n)
{
	int rc;

	*chunks = NULL;
	*n = 0;
	if ((rc = chunker_run(c, text, len, lang, 1)) != 0)
		return rc;
	*chunks = c->chunks;
	*n = c->nchunks;
	return 0;
}

int
chunker_run_parts(quarry_chunker *c, const char *text, size_t len,
    const char *lang, struct chunk_part *parts, size_t *nparts, size_t *n)
{
	size_t i;
	int rc;

	*nparts = *n = 0;
	if ((rc = chunker_run(c, text, len, lang, 0)) != 0)
		return rc;
	/* c's own chunks alone when it took no twin's (no link). */
	*nparts = spec_parts(c, parts);
	for (i = 0; i < *nparts; i++)
		*n += parts[i].n;
	return 0;
}
