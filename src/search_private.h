/*
 * search_private.h: internals shared by the search's source files (search.c:
 * the handle, the scan and the ranking; search_filter.c: filters and their
 * planning into candidate slots; search_format.c: output formats; eval.c:
 * retrieval metrics).  Behaviour in man/quarry-search.1.
 */
#ifndef QUARRY_SEARCH_PRIVATE_H
#define QUARRY_SEARCH_PRIVATE_H

#include "error_private.h"
#include "quarry.h"

/* One vector block of the snapshot, pointing into LMDB's memory map. */
struct search_block {
	const float *vecs;	/* block_slots x dims floats */
	const uint64_t *live;	/* its bitmap */
	uint64_t first;		/* slot of its first vector */
	const unsigned char *rows8;	/* its int8 rows (quant_private.h),
					   or NULL */
	const unsigned char *rows1;	/* its 1-bit rows, or NULL */
};

enum search_filter_kind { F_DATE, F_AUTHOR, F_WHERE, F_SOURCE };

struct search_filter {
	enum search_filter_kind kind;
	char *field;
	char *a;		/* date: since; author: folded text; where:
				   value; source: glob (each NULL: none) */
	char *b;		/* date: until */
	int records;		/* where: answered from the records, not the
				   index (a field or value it does not hold) */
};

/* A candidate of a ranking leg. */
struct search_cand {
	double score;
	uint64_t slot;
};

/* Whether a ranks below b: a lower score, or the same and a later slot. */
static inline int
search_cand_worse(const struct search_cand *a, const struct search_cand *b)
{
	return a->score < b->score ||
	    (a->score == b->score && a->slot > b->slot);
}

/* qsort() order of candidates, best first: the higher score, then the
 * smaller slot (search.c). */
int search_cand_cmp(const void *a, const void *b);

/*
 * A bounded min-heap of the best cap candidates, h[0] the worst kept: the
 * vector scan's workers and the lexical ranking each fill one, offering
 * every candidate they score.  The caller allocates h (cap entries).
 */
struct search_heap {
	struct search_cand *h;
	size_t n, cap;
};

/* Offers a candidate: kept when the heap has room or it beats h[0]. */
static inline void
search_heap_push(struct search_heap *hp, double score, uint64_t slot)
{
	struct search_cand *h = hp->h, c = { score, slot }, t;
	size_t i, p;

	if (hp->n == hp->cap) {
		if (!search_cand_worse(&h[0], &c))
			return;
		h[0] = c;
		for (i = 0; (p = 2 * i + 1) < hp->n; i = p) {
			if (p + 1 < hp->n && search_cand_worse(&h[p + 1], &h[p]))
				p++;
			if (!search_cand_worse(&h[p], &h[i]))
				break;
			t = h[i];
			h[i] = h[p];
			h[p] = t;
		}
		return;
	}
	i = hp->n++;
	h[i] = c;
	for (; i > 0; i = p) {
		p = (i - 1) / 2;
		if (!search_cand_worse(&h[i], &h[p]))
			break;
		t = h[i];
		h[i] = h[p];
		h[p] = t;
	}
}

struct lex_analyzer;
struct hnsw_reader;

struct quarry_search {
	quarry_store *st;	/* borrowed */
	quarry_store_view *view;
	char model[256];
	size_t dims;		/* 0: an empty store */
	size_t block_slots;
	struct search_block *blocks;
	size_t nblocks;
	size_t *blockidx;	/* block number -> index in blocks, or -1 */
	size_t nblocknum;
	uint64_t nslots;	/* slots covered by the blocks */
	uint64_t count;		/* live chunks */
	size_t k;
	unsigned threads;

	struct search_filter *filters;
	size_t nfilters;
	int planned;		/* cand, cblocks and ncand are up to date */
	uint64_t *cand;		/* candidate bitmap over nslots (candbuf);
				   NULL: all */
	size_t *cblocks;	/* indexes of the blocks holding candidates */
	size_t ncblocks, capcblocks;
	uint64_t ncand;
	uint64_t *candbuf;	/* the bitmaps of planning, kept from one */
	uint64_t *bitsbuf;	/* plan to the next (nslots bits each) */

	quarry_search_hit *hits;
	size_t nhits, caphits;

	enum quarry_search_mode mode;	/* resolved: never AUTO */
	int haslex;		/* the store has a lexical index */
	double k1, b, wvec, wlex;
	unsigned rrf_k;
	size_t depth;
	int collapse, decode;
	char lang[16];
	struct lex_analyzer *lex;
	uint64_t lexn, lextokens;	/* chunks, and their terms */
	struct quarry_buf strs;	/* the hits' strings (offsets until done) */
	quarry_search_also *also;
	size_t nalso, capalso;
	quarry_search_stats stats;
	enum quarry_search_precision prec;	/* asked for (AUTO: by size) */
	unsigned rescore;	/* candidates re-scored, times depth (0: the
				   precision's default) */
	float *qscale;		/* int8: a copy of the store's scale (NULL:
				   no usable int8 copy) */
	float *qspread;		/* bit: a copy of the store's spread (NULL:
				   no usable 1-bit copy) */
	struct hnsw_reader *graph;	/* the store's HNSW graph, or NULL */
	int usegraph;		/* walk it when the filters allow */
	unsigned ef;		/* its search list */
	struct qerr err;
};

/* Ranks the best depth chunks the filters select for the query text by
 * BM25 (search_lexical.c): *out (caller frees) best first. */
int search_lex_rank(quarry_search *s, const char *text, size_t len,
    size_t depth, struct search_cand **out, size_t *n);

/* Reads the lexical index's statistics into s (at creation). */
int search_lex_init(quarry_search *s);
void search_lex_free(quarry_search *s);

/*
 * Reads the identity of the chunk at slot (search_lexical.c): its id, doc
 * and hash appended to s->strs as NUL-terminated strings, their offsets in
 * off[0..3), and the offset of its document's source in off[3] (or
 * (size_t)-1 without one) when want_source.
 */
int search_ident(quarry_search *s, uint64_t slot, size_t off[4],
    int want_source);

/* Calls fn(slot, arg) for each live slot holding a chunk with hash. */
int search_same_hash(quarry_search *s, const char *hash,
    int (*fn)(uint64_t slot, void *arg), void *arg);

/*
 * Case-folds s[0..len) (NFC, Unicode case folding) into a new string in
 * *out.  Returns 0, QUARRY_EUTF8 or QUARRY_ENOMEM.
 */
int search_fold(const char *s, size_t len, char **out);

#endif
