/*
 * search.c: exact vector search over a store snapshot (quarry-search).
 *
 * A search handle opens a read view of the store and, once, collects the
 * table of its vector blocks: pointers straight into LMDB's memory map,
 * which stay valid for as long as the view.  Filters (search_filter.c) turn
 * into a bitmap of candidate slots and the list of blocks holding one;
 * quarry_search_run() then scores only those vectors, split over threads in
 * batches of blocks, each thread keeping a bounded heap of its best
 * candidates.  The winners are rescored in double precision, their records
 * read, and ordered by score, then by id.  The store layout (slots, blocks,
 * live bitmaps) is in man/quarry-store.5; the behaviour in
 * man/quarry-search.1.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "error_private.h"
#include "quarry.h"
#include "hnsw_private.h"
#include "dot_private.h"
#include "quant_private.h"
#include "search_private.h"
#include "store_private.h"
#include "thread_private.h"

/* Extra candidates kept beyond k, so that float32 rounding in the scan
 * cannot change which chunks the double-precision rescoring ranks. */
#define SEARCH_MARGIN 16

/* Blocks a thread takes at a time. */
#define SEARCH_BATCH 16

/*
 * Below this many floats to read (16 MB) a scan stays on the calling
 * thread: starting threads would cost more than they save.  Measured on a
 * 2-vCPU VM, where waking a second thread costs about 0.3 ms: 10,000 vectors
 * of 384 dims (15 MB), contiguous or scattered, are scored faster by one
 * thread than by two; 20,000 (30 MB) as fast; 40,000 faster by two.
 */
#define SEARCH_MIN_PARALLEL ((uint64_t)4 << 20)

/* ----------------------------------------------------------------- scan */

/*
 * How the scan keeps memory busy.  The vectors a thread will score next are
 * listed ahead of time (a batch of blocks at a time), and as it scores them
 * it reads one byte of each page SEARCH_TOUCH bytes of vectors ahead, in
 * groups of SEARCH_TOUCH_GROUP bytes, and prefetches the cache lines of the
 * vectors SEARCH_AHEAD bytes ahead.  The hardware prefetchers follow a
 * stream only within a 4 KB page, and each block's vectors end where LMDB's
 * other pages begin, so without help every page, and every run of vectors a
 * filter selects, starts with a wait: for the page-table walk (which a
 * prefetch instruction does not start on this hardware, a load does) and
 * then for the data.  The loads of a group are independent, so their walks
 * overlap.  All three sizes were measured (1M x 384 dims, AMD EPYC VM):
 * without touching, the scan read 45 GB/s on 2 threads; with it, 55-60
 * GB/s, where tests/bench/membw.c measures 52-60 GB/s for a plain sum and
 * 59-66 GB/s for a sum that touches pages the same way.
 */
#define SEARCH_TOUCH (96 * 1024)
#define SEARCH_TOUCH_GROUP (24 * 1024)
#define SEARCH_AHEAD (8 * 1024)

/* Bits [bit, bit+64) of bitmap m (of nbits bits; bits beyond are 0). */
static uint64_t
bits64(const uint64_t *m, uint64_t nbits, uint64_t bit)
{
	uint64_t w = bit / 64, sh = bit % 64, r;

	if (bit >= nbits)
		return 0;
	r = m[w] >> sh;
	if (sh != 0 && (w + 1) * 64 < nbits)
		r |= m[w + 1] << (64 - sh);
	return r;
}

/*
 * What every kind of scan shares (the first member of its struct): the
 * blocks to scan, which its workers take a batch at a time (scan_take()).
 */
struct scan_base {
	quarry_search *s;
	const size_t *work;	/* block table indexes to scan; NULL: all */
	size_t nwork;
	/* The next batch (shared, atomic), on a cache line of its own. */
	char pad[64];
	size_t next;
	char pad2[64];
};

/* What every kind of scan's worker has (the first member of its struct). */
struct worker_base {
	struct search_heap heap;	/* its best candidates */
	uint64_t scanned;
	pthread_t tid;
};

/*
 * A kind of scan, run by scan_run(): the size of its worker struct, how to
 * give a worker its buffers (init, 0 or QUARRY_ENOMEM; sc is the scan's
 * struct) and free them (fini, also after a failed init), the thread body
 * (run, given the worker; it copies the worker's heap back when it ends),
 * and the number of values to read (selected vectors x dims) below which
 * one thread scans.
 */
struct scan_kind {
	size_t wsize;
	int (*init)(struct worker_base *w, void *sc);
	void (*fini)(struct worker_base *w);
	void *(*run)(void *w);
	uint64_t min_parallel;
};

/* The first block table index of the next batch, or (size_t)-1 when no
 * batch is left. */
static size_t
scan_take(struct scan_base *b)
{
	size_t start;

	start = __atomic_fetch_add(&b->next, SEARCH_BATCH, __ATOMIC_RELAXED);
	return start < b->nwork ? start : (size_t)-1;
}

/* The bits of the slots of word wi of block b to score: live, candidates
 * (when filtered) and within the block. */
static inline uint64_t
block_mask(const quarry_search *s, const struct search_block *b, size_t wi,
    size_t nw)
{
	uint64_t m = b->live[wi];

	if (s->cand != NULL)
		m &= bits64(s->cand, s->nslots, b->first + wi * 64);
	if (wi == nw - 1 && s->block_slots % 64 != 0)
		m &= ((uint64_t)1 << (s->block_slots % 64)) - 1;
	return m;
}

struct scan {
	struct scan_base b;
	const float *q;		/* unit query vector */
	/* SEARCH_TOUCH, SEARCH_TOUCH_GROUP and SEARCH_AHEAD in vectors */
	size_t touch, group, ahead;
	size_t cap;		/* room for vectors in a worker's list */
};

struct worker {
	struct worker_base b;
	struct scan *sc;
	const float **vecs;	/* the vectors listed to score, */
	uint64_t *slots;	/* and their slots (sc->cap each) */
};

/* Appends the selected vectors of block bi to w's list at n; returns the
 * new length. */
static size_t
list_block(struct worker *w, size_t bi, size_t n)
{
	quarry_search *s = w->sc->b.s;
	const struct search_block *b = &s->blocks[bi];
	size_t dims = s->dims, nw = (s->block_slots + 63) / 64, wi;

	for (wi = 0; wi < nw; wi++) {
		uint64_t m = block_mask(s, b, wi, nw);

		while (m != 0) {
			size_t i = wi * 64 + (size_t)__builtin_ctzll(m);

			m &= m - 1;
			w->vecs[n] = b->vecs + i * dims;
			w->slots[n] = b->first + i;
			n++;
		}
	}
	return n;
}

/* Takes the next batch of blocks and appends its vectors to w's list at n;
 * returns the new length, or (size_t)-1 when no batch is left. */
static size_t
list_batch(struct worker *w, size_t n)
{
	struct scan_base *b = &w->sc->b;
	size_t i, start;

	if ((start = scan_take(b)) == (size_t)-1)
		return (size_t)-1;
	for (i = start; i < start + SEARCH_BATCH && i < b->nwork; i++)
		n = list_block(w, b->work ? b->work[i] : i, n);
	return n;
}

/* Reads a byte of each page of the vectors vecs[0, n) of len bytes, but
 * not of the page *last (the last one read, updated). */
static void
touch(const float *const *vecs, size_t n, size_t len, uintptr_t *last)
{
	uintptr_t a, pg, end;
	size_t i;

	for (i = 0; i < n; i++) {
		a = (uintptr_t)vecs[i];
		end = a + len;
		for (pg = a & ~(uintptr_t)4095; pg < end; pg += 4096) {
			if (pg == *last)
				continue;
			*last = pg;
			(void)*(const volatile char *)(pg < a ? a : pg);
		}
	}
}

static void
prefetch(const void *p, size_t len)
{
	const char *c = p;
	size_t o;

	for (o = 0; o < len; o += 64)
		__builtin_prefetch(c + o);
}

/*
 * Scores batches of blocks until none is left.  The list of vectors to
 * score always holds the next batch's too (while there is one), so that
 * touching and prefetching run on across batches.  The heap and the counter
 * are kept in a copy on this thread's stack while it runs: the workers'
 * structs sit side by side, and writing to them for every vector would
 * bounce their cache line between the processors (false sharing).
 */
static void *
scan_worker(void *arg)
{
	struct worker *shared = arg, w = *shared;
	const struct scan *sc = shared->sc;
	const float *q = sc->q;
	size_t dims = sc->b.s->dims, len = dims * sizeof(float);
	size_t need = sc->touch + sc->group + sc->ahead;
	size_t i = 0, n = 0, t = 0, p = 0, e;
	uintptr_t last = 0;
	int more = 1;
	float d, vv;

	for (;;) {
		if (more && n - i < need) {
			/* Move the vectors left to the front, list more. */
			memmove(w.vecs, w.vecs + i, (n - i) * sizeof(*w.vecs));
			memmove(w.slots, w.slots + i, (n - i) * sizeof(*w.slots));
			n -= i;
			t -= i;
			p -= i;
			i = 0;
			if ((e = list_batch(&w, n)) == (size_t)-1)
				more = 0;
			else
				n = e;
			continue;
		}
		if (i == n)
			break;
		if (t < n && t < i + sc->touch) {
			e = t + sc->group < n ? t + sc->group : n;
			touch(w.vecs + t, e - t, len, &last);
			t = e;
		}
		for (; p < n && p <= i + sc->ahead; p++)
			prefetch(w.vecs[p], len);
		d = dot2(q, w.vecs[i], dims, &vv);
		search_heap_push(&w.b.heap, vv > 0 ? d / sqrtf(vv) : 0.0f,
		    w.slots[i]);
		w.b.scanned++;
		i++;
	}
	shared->b.heap = w.b.heap;
	shared->b.scanned = w.b.scanned;
	return NULL;
}

static int
scan_init(struct worker_base *wb, void *arg)
{
	struct worker *w = (struct worker *)wb;

	w->sc = arg;
	w->vecs = malloc(w->sc->cap * sizeof(*w->vecs));
	w->slots = malloc(w->sc->cap * sizeof(*w->slots));
	return w->vecs != NULL && w->slots != NULL ? 0 : QUARRY_ENOMEM;
}

static void
scan_fini(struct worker_base *wb)
{
	struct worker *w = (struct worker *)wb;

	free(w->vecs);
	free(w->slots);
}

static const struct scan_kind scan_float = {
	sizeof(struct worker), scan_init, scan_fini, scan_worker,
	SEARCH_MIN_PARALLEL
};

/*
 * The int8 scan: batches of blocks as above, each block's selected rows
 * scored in one call (quant.c), which reads them in order; rows are a
 * quarter of the float32 vectors' size, so the hardware prefetchers keep
 * up without the touching above.
 */
struct scan8 {
	struct scan_base b;
	int bit;		/* scan the 1-bit copy, not the int8 one */
	struct quant_query qq;	/* the quantized query (int8) */
	struct bit_query bq;	/* (bit) */
};

struct worker8 {
	struct worker_base b;
	struct scan8 *sc;
	uint32_t *idx;		/* block_slots each */
	float *out;
};

static void *
scan8_worker(void *arg)
{
	struct worker8 *shared = arg, w = *shared;
	struct scan8 *sc = shared->sc;
	const quarry_search *s = sc->b.s;
	size_t nw = (s->block_slots + 63) / 64, start, i, j, wi, n;

	while ((start = scan_take(&sc->b)) != (size_t)-1) {
		for (i = start; i < start + SEARCH_BATCH && i < sc->b.nwork;
		    i++) {
			const struct search_block *b =
			    &s->blocks[sc->b.work ? sc->b.work[i] : i];

			for (n = 0, wi = 0; wi < nw; wi++) {
				uint64_t m = block_mask(s, b, wi, nw);

				while (m != 0) {
					w.idx[n++] = (uint32_t)(wi * 64 +
					    (size_t)__builtin_ctzll(m));
					m &= m - 1;
				}
			}
			if (sc->bit)
				bit_score_rows(&sc->bq, s->dims, b->rows1,
				    w.idx, n, w.out);
			else
				quant_score_rows(&sc->qq, s->dims, b->rows8,
				    w.idx, n, w.out);
			for (j = 0; j < n; j++)
				search_heap_push(&w.b.heap, w.out[j],
				    b->first + w.idx[j]);
			w.b.scanned += n;
		}
	}
	shared->b.heap = w.b.heap;
	shared->b.scanned = w.b.scanned;
	return NULL;
}

static int
scan8_init(struct worker_base *wb, void *arg)
{
	struct worker8 *w = (struct worker8 *)wb;
	size_t B;

	w->sc = arg;
	B = w->sc->b.s->block_slots;
	w->idx = malloc(B * sizeof(*w->idx));
	w->out = malloc(B * sizeof(*w->out));
	return w->idx != NULL && w->out != NULL ? 0 : QUARRY_ENOMEM;
}

static void
scan8_fini(struct worker_base *wb)
{
	struct worker8 *w = (struct worker8 *)wb;

	free(w->idx);
	free(w->out);
}

/* The int8 and 1-bit scans; a quarter of the bytes of the float32 scan's
 * threshold. */
static const struct scan_kind scan_int8 = {
	sizeof(struct worker8), scan8_init, scan8_fini, scan8_worker,
	SEARCH_MIN_PARALLEL * 4
};

/*
 * Runs the scan of kind k whose struct is sc (its first member sb, whose
 * s is set) over the selected blocks: sets sb's work list, starts the
 * workers (as many threads as s allows and the work fills; a thread that
 * cannot start leaves its share to the others), each keeping its best keep
 * candidates, and merges their heaps into *out (slots set, scores not, in
 * no particular order; the caller frees it), *nout of them.  Adds to s's
 * statistics.  Returns 0 or QUARRY_ENOMEM.
 */
static int
scan_run(quarry_search *s, const struct scan_kind *k, struct scan_base *sb,
    void *sc, size_t keep, struct search_cand **out, size_t *nout)
{
	char *ws;
	size_t i, j, nt, n = 0;
	int rc = 0;

#define W(i) ((struct worker_base *)(ws + (i) * k->wsize))
	*out = NULL;
	*nout = 0;
	if (s->cand != NULL) {
		sb->work = s->cblocks;
		sb->nwork = s->ncblocks;
	} else {
		sb->work = NULL;
		sb->nwork = s->nblocks;
	}
	sb->next = 0;
	nt = s->threads;
	if (s->stats.selected * s->dims < k->min_parallel)
		nt = 1;
	if (nt > (sb->nwork + SEARCH_BATCH - 1) / SEARCH_BATCH)
		nt = (sb->nwork + SEARCH_BATCH - 1) / SEARCH_BATCH;
	if (nt == 0)
		nt = 1;
	if ((ws = calloc(nt, k->wsize)) == NULL)
		return QUARRY_ENOMEM;
	for (i = 0; i < nt; i++) {
		W(i)->heap.cap = keep;
		if ((W(i)->heap.h = malloc(keep * sizeof(*W(i)->heap.h))) ==
		    NULL || k->init(W(i), sc) != 0) {
			rc = QUARRY_ENOMEM;
			goto out;
		}
	}
	for (i = 1; i < nt; i++)
		if (thread_start(&W(i)->tid, k->run, W(i)) != 0)
			break;
	k->run(W(0));
	for (j = 1; j < i; j++)
		pthread_join(W(j)->tid, NULL);
	s->stats.threads = (unsigned)i;
	s->stats.blocks += sb->nwork;
	for (i = 0; i < nt; i++) {
		n += W(i)->heap.n;
		s->stats.scanned += W(i)->scanned;
	}
	if ((*out = malloc((n ? n : 1) * sizeof(**out))) == NULL) {
		rc = QUARRY_ENOMEM;
		goto out;
	}
	for (n = 0, i = 0; i < nt; i++)
		for (j = 0; j < W(i)->heap.n; j++)
			(*out)[n++].slot = W(i)->heap.h[j].slot;
	*nout = n;
out:
	for (i = 0; i < nt; i++) {
		free(W(i)->heap.h);
		k->fini(W(i));
	}
	free(ws);
	return rc;
#undef W
}

/* -------------------------------------------------------------- handles */

/* Points the blocks at their int8 and 1-bit rows when the store keeps a
 * complete copy (a block without one, which --check reports, turns that
 * copy off). */
static int
load_rows8(quarry_search *s)
{
	quarry_store *st = s->st;
	size_t i, b;
	int has8 = st->quant && st->qscale != NULL;
	int has1 = st->qbit && st->qspread != NULL;

	if (s->nblocks == 0)
		return 0;
	for (i = 0; i < s->nblocks; i++) {
		b = (size_t)(s->blocks[i].first / s->block_slots);
		if (has8 && (s->blocks[i].rows8 = store_quant_rows(st,
		    s->view->txn, b)) == NULL)
			has8 = 0;
		if (has1 && (s->blocks[i].rows1 = store_quant_bits(st,
		    s->view->txn, b)) == NULL)
			has1 = 0;
	}
	if (has8) {
		if ((s->qscale = malloc(s->dims * sizeof(float))) == NULL)
			return QUARRY_ENOMEM;
		memcpy(s->qscale, st->qscale, s->dims * sizeof(float));
	}
	if (has1) {
		if ((s->qspread = malloc(s->dims * sizeof(float))) == NULL)
			return QUARRY_ENOMEM;
		memcpy(s->qspread, st->qspread, s->dims * sizeof(float));
	}
	return 0;
}

/* The vector of slot for the graph walk, or NULL when it has none. */
static const float *
graph_vec(void *arg, uint32_t slot)
{
	quarry_search *s = arg;
	size_t b = slot / s->block_slots, i, o;

	if (b >= s->nblocknum || (i = s->blockidx[b]) == (size_t)-1)
		return NULL;
	/* A slot not live (a graph a writer without it left behind) is
	 * walked around. */
	o = (size_t)(slot - s->blocks[i].first);
	if (!(s->blocks[i].live[o / 64] >> (o % 64) & 1))
		return NULL;
	return s->blocks[i].vecs + o * s->dims;
}

/* Whether the filters select slot (the graph walk's results). */
static int
graph_accept(void *arg, uint32_t slot)
{
	quarry_search *s = arg;

	return slot < s->nslots && (s->cand[slot / 64] >> (slot % 64) & 1);
}

int
quarry_search_new(quarry_search **out, quarry_store *st)
{
	quarry_search *s;
	quarry_store_info info;
	uint64_t cursor = 0, first;
	const float *vecs;
	const uint64_t *live;
	size_t cap = 0, w, nw;
	int rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return QUARRY_ENOMEM;
	s->st = st;
	s->k = QUARRY_SEARCH_K_DEFAULT;
	s->threads = 1;
	s->k1 = QUARRY_BM25_K1_DEFAULT;
	s->b = QUARRY_BM25_B_DEFAULT;
	s->wvec = s->wlex = 1;
	s->rrf_k = QUARRY_RRF_K_DEFAULT;
	s->depth = QUARRY_FUSION_DEPTH_DEFAULT;
	s->collapse = 0;
	s->decode = 1;
	s->prec = QUARRY_PRECISION_AUTO;
	s->rescore = 0;
	s->usegraph = 1;
	s->ef = QUARRY_EF_DEFAULT;
	if ((rc = quarry_store_view_open(st, &s->view)) != 0)
		goto fail;
	if ((rc = search_lex_init(s)) != 0)
		goto fail;
	s->mode = s->haslex ? QUARRY_MODE_HYBRID : QUARRY_MODE_VECTOR;
	if ((rc = quarry_store_stats(st, &info)) != 0)
		goto fail;
	snprintf(s->model, sizeof(s->model), "%s", info.model ? info.model : "");
	/* The built-in embedder is a hashed bag of words, a noisier copy of
	 * the lexical leg: by default it only breaks near-ties and ranks what
	 * BM25 does not find (tuned on NFCorpus's dev split, man page). */
	if (strncmp(s->model, "hash-v1/", 8) == 0)
		s->wvec = QUARRY_HASH_VECTOR_WEIGHT;
	s->dims = info.dims;
	s->block_slots = info.block_slots;
	if (s->model[0] == '\0' || s->dims == 0 || s->block_slots == 0) {
		s->dims = 0;
		*out = s;
		return 0;
	}
	nw = (s->block_slots + 63) / 64;
	while ((rc = quarry_store_view_block(s->view, &cursor, &vecs, &live,
	    &first)) == 1) {
		if (s->nblocks == cap) {
			struct search_block *nb;

			cap = cap ? cap * 2 : 1024;
			if ((nb = realloc(s->blocks, cap * sizeof(*nb))) ==
			    NULL) {
				rc = QUARRY_ENOMEM;
				goto fail;
			}
			s->blocks = nb;
		}
		s->blocks[s->nblocks].vecs = vecs;
		s->blocks[s->nblocks].live = live;
		s->blocks[s->nblocks].first = first;
		s->nblocks++;
		for (w = 0; w < nw; w++)
			s->count += (uint64_t)__builtin_popcountll(live[w]);
		s->nslots = first + s->block_slots;
	}
	if (rc < 0)
		goto fail;
	/* Block numbers are increasing; map them back to table entries. */
	s->nblocknum = s->nslots / s->block_slots;
	if (s->nblocknum > 0 &&
	    (s->blockidx = malloc(s->nblocknum * sizeof(size_t))) == NULL) {
		rc = QUARRY_ENOMEM;
		goto fail;
	}
	for (w = 0; w < s->nblocknum; w++)
		s->blockidx[w] = (size_t)-1;
	for (w = 0; w < s->nblocks; w++)
		s->blockidx[s->blocks[w].first / s->block_slots] = w;
	if ((rc = load_rows8(s)) != 0)
		goto fail;
	if ((rc = hnsw_reader_new(st, s->view->txn, s->nslots, s->dims,
	    graph_vec, s, &s->graph)) != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	quarry_search_free(s);
	return qerr_ret(&st->err, rc);
}

const char *
quarry_search_model(const quarry_search *s)
{
	return s->model;
}

size_t
quarry_search_dims(const quarry_search *s)
{
	return s->dims;
}

uint64_t
quarry_search_count(const quarry_search *s)
{
	return s->count;
}

void
quarry_search_set_k(quarry_search *s, size_t k)
{
	s->k = k ? k : 1;
}

void
quarry_search_set_threads(quarry_search *s, unsigned n)
{
	s->threads = n ? n : 1;
}

const char *
quarry_search_error(const quarry_search *s)
{
	return qerr_str(s ? &s->err : NULL);
}

void
quarry_search_get_stats(const quarry_search *s, quarry_search_stats *st)
{
	*st = s->stats;
}

static void
hits_clear(quarry_search *s)
{
	size_t i;

	for (i = 0; i < s->nhits; i++)
		json_decref((json_t *)s->hits[i].rec);
	s->nhits = 0;
	s->nalso = 0;
	s->strs.len = 0;
}

void
quarry_search_free(quarry_search *s)
{
	if (s == NULL)
		return;
	hits_clear(s);
	free(s->hits);
	free(s->also);
	quarry_buf_free(&s->strs);
	search_lex_free(s);
	quarry_search_filter_clear(s);
	quarry_store_view_close(s->view);
	free(s->candbuf);
	free(s->bitsbuf);
	free(s->cblocks);
	free(s->blocks);
	free(s->blockidx);
	free(s->qscale);
	free(s->qspread);
	hnsw_reader_free(s->graph);
	free(s);
}

/* ------------------------------------------------------------------ run */

int
search_cand_cmp(const void *pa, const void *pb)
{
	const struct search_cand *a = pa, *b = pb;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return a->slot < b->slot ? -1 : a->slot > b->slot;
}

/* The cosine of q and the vector of slot, in double precision. */
static double
rescore(const quarry_search *s, const float *q, uint64_t slot)
{
	const struct search_block *b =
	    &s->blocks[s->blockidx[slot / s->block_slots]];
	const float *v = b->vecs + (size_t)(slot - b->first) * s->dims;
	double d = 0, qq = 0, vv = 0;
	size_t i;

	for (i = 0; i < s->dims; i++) {
		d += (double)q[i] * v[i];
		qq += (double)q[i] * q[i];
		vv += (double)v[i] * v[i];
	}
	return qq > 0 && vv > 0 ? d / (sqrt(qq) * sqrt(vv)) : 0.0;
}

/*
 * The int8 (or with bit, the 1-bit) scan of the vector leg: the slots of
 * the best keep selected chunks by the approximate score, in *out (scores
 * unset; caller frees).
 */
static int
rank8(quarry_search *s, const float *uq, size_t keep, int bit,
    struct search_cand **out, size_t *nout)
{
	struct scan8 sc;
	unsigned char *qbuf;
	int rc;

	memset(&sc, 0, sizeof(sc));
	sc.b.s = s;
	sc.bit = bit;
	if (bit) {
		if ((qbuf = malloc(BIT_QBITS * BIT_ROW(s->dims))) == NULL)
			goto nomem;
		sc.bq.planes = (uint64_t *)(void *)qbuf;
		bit_query(s->qspread, uq, s->dims, &sc.bq);
	} else {
		if ((qbuf = malloc(2 * QUANT_QLEN(s->dims))) == NULL)
			goto nomem;
		sc.qq.qi = (int8_t *)qbuf;
		sc.qq.qu = qbuf + QUANT_QLEN(s->dims);
		quant_query(s->qscale, uq, s->dims, &sc.qq);
	}
	rc = scan_run(s, &scan_int8, &sc.b, &sc, keep, out, nout);
	if (bit)
		s->stats.bit = 1;
	else
		s->stats.int8 = 1;
	free(qbuf);
	return rc;
nomem:
	*out = NULL;
	*nout = 0;
	return QUARRY_ENOMEM;
}

/*
 * The graph walk of the vector leg: the slots of the best depth (plus a
 * margin, at least ef) selected chunks the HNSW graph leads to from the
 * unit query uq, in *out (scores unset; caller frees).
 */
static int
graph_rank(quarry_search *s, const float *uq, size_t depth,
    struct search_cand **out, size_t *nout)
{
	struct hnsw_hit *hits;
	size_t ef = depth + SEARCH_MARGIN, i;
	long n;

	*out = NULL;
	*nout = 0;
	if (ef < s->ef)
		ef = s->ef;
	if ((hits = malloc(ef * sizeof(*hits))) == NULL)
		return QUARRY_ENOMEM;
	n = hnsw_search(s->graph, uq, ef, s->cand != NULL ? graph_accept :
	    NULL, hits, &s->stats.scanned);
	if (n < 0) {
		free(hits);
		if (n == QUARRY_ENOMEM)
			return QUARRY_ENOMEM;
		s->stats.graph = -1;
		return qerr_set(&s->err, (int)n, "%s: the graph is corrupt",
		    quarry_store_path(s->st));
	}
	if ((*out = malloc((n ? (size_t)n : 1) * sizeof(**out))) == NULL) {
		free(hits);
		return QUARRY_ENOMEM;
	}
	for (i = 0; i < (size_t)n; i++)
		(*out)[i].slot = hits[i].slot;
	free(hits);
	*nout = (size_t)n;
	s->stats.graph = 1;
	s->stats.threads = 1;
	return 0;
}

/*
 * The vector leg: the best depth (plus a margin) selected chunks by cosine
 * with q, rescored in double, best first (equal scores by slot).
 */
static int
vec_rank(quarry_search *s, const float *q, size_t depth,
    struct search_cand **out, size_t *nout)
{
	struct scan sc;
	float *uq = NULL;
	double qn = 0;
	size_t i, ncand = 0, dims = s->dims;
	struct search_cand *cands = NULL;
	enum quarry_search_precision prec;
	int rc;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < dims; i++)
		qn += (double)q[i] * q[i];
	if (!(qn > 0) || !isfinite(qn))
		return qerr_set(&s->err, QUARRY_EINVAL,
		    "the query vector is zero or not finite");
	if (s->stats.selected == 0)
		return 0;
	if ((uq = malloc(dims * sizeof(float))) == NULL)
		return QUARRY_ENOMEM;
	qn = sqrt(qn);
	for (i = 0; i < dims; i++)
		uq[i] = (float)(q[i] / qn);

	if (s->prec == QUARRY_PRECISION_AUTO &&
	    s->stats.selected >= QUARRY_INT8_MIN)
		prec = s->qscale != NULL ? QUARRY_PRECISION_INT8 :
		    s->qspread != NULL ? QUARRY_PRECISION_BIT :
		    QUARRY_PRECISION_F32;
	else
		prec = s->prec;
	/* The graph, unless the filters leave few chunks (the scan of
	 * those is then as fast and exact). */
	if (s->usegraph && hnsw_reader_usable(s->graph) &&
	    s->stats.selected >= QUARRY_GRAPH_MIN &&
	    s->stats.selected * 10 >= s->count)
		rc = graph_rank(s, uq, depth, &cands, &ncand);
	else if ((prec == QUARRY_PRECISION_INT8 && s->qscale != NULL) ||
	    (prec == QUARRY_PRECISION_BIT && s->qspread != NULL)) {
		/* Scan a compact copy; re-score its best exactly. */
		int bit = prec == QUARRY_PRECISION_BIT;
		size_t f = s->rescore ? s->rescore : bit ?
		    QUARRY_RESCORE_BIT_DEFAULT : QUARRY_RESCORE_DEFAULT;

		rc = rank8(s, uq, depth * f + SEARCH_MARGIN, bit, &cands,
		    &ncand);
	} else {
		memset(&sc, 0, sizeof(sc));
		sc.b.s = s;
		sc.q = uq;
		sc.touch = SEARCH_TOUCH / (dims * sizeof(float));
		sc.group = SEARCH_TOUCH_GROUP / (dims * sizeof(float));
		sc.ahead = SEARCH_AHEAD / (dims * sizeof(float));
		sc.touch += sc.touch == 0;
		sc.group += sc.group == 0;
		sc.ahead += sc.ahead == 0;
		sc.cap = sc.touch + sc.group + sc.ahead +
		    SEARCH_BATCH * s->block_slots;
		rc = scan_run(s, &scan_float, &sc.b, &sc,
		    depth + SEARCH_MARGIN, &cands, &ncand);
	}
	free(uq);
	if (rc != 0)
		return rc;
	/* Rescore the candidates in double precision. */
	for (i = 0; i < ncand; i++)
		cands[i].score = rescore(s, q, cands[i].slot);
	qsort(cands, ncand, sizeof(*cands), search_cand_cmp);
	*out = cands;
	*nout = ncand;
	return 0;
}

/* A fused candidate. */
struct fused {
	double score;
	uint64_t slot;
	size_t vrank, lrank;
	double vscore, lscore;
};

static int
fused_cmp(const void *pa, const void *pb)
{
	const struct fused *a = pa, *b = pb;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return a->slot < b->slot ? -1 : a->slot > b->slot;
}

static int
fused_slot_cmp(const void *pa, const void *pb)
{
	const struct fused *a = pa, *b = pb;

	return a->slot < b->slot ? -1 : a->slot > b->slot;
}

/* Kept results while finishing: string offsets until the end. */
struct kept {
	struct fused f;
	size_t off[4];
	size_t also0, nalso;	/* into s->also (offsets in the strings) */
};

struct alsoctx {
	quarry_search *s;
	uint64_t self;
	size_t n;
	int rc;
};

/* Most "also" chunks listed for one result. */
#define SEARCH_ALSO_MAX 16

static int
also_one(uint64_t slot, void *arg)
{
	struct alsoctx *a = arg;
	quarry_search *s = a->s;
	size_t off[4];
	int rc;

	if (slot == a->self || (s->cand != NULL && (slot >= s->nslots ||
	    !((s->cand[slot / 64] >> (slot % 64)) & 1))))
		return 0;
	if (a->n == SEARCH_ALSO_MAX)
		return 1;
	if ((rc = search_ident(s, slot, off, 1)) != 0) {
		a->rc = rc;
		return 1;
	}
	if (s->nalso == s->capalso) {
		size_t cap = s->capalso ? s->capalso * 2 : 16;
		quarry_search_also *n = realloc(s->also, cap * sizeof(*n));

		if (n == NULL) {
			a->rc = QUARRY_ENOMEM;
			return 1;
		}
		s->also = n;
		s->capalso = cap;
	}
	/* Offsets for now, in the pointer members. */
	s->also[s->nalso].slot = slot;
	s->also[s->nalso].id = (const char *)(uintptr_t)off[0];
	s->also[s->nalso].doc = (const char *)(uintptr_t)off[1];
	s->also[s->nalso].source = (const char *)(uintptr_t)off[3];
	s->nalso++;
	a->n++;
	return 0;
}

static const quarry_search *sort_s;	/* for kept_cmp (one thread) */

static int
kept_cmp(const void *pa, const void *pb)
{
	const struct kept *a = pa, *b = pb;
	int c;

	if (a->f.score != b->f.score)
		return a->f.score > b->f.score ? -1 : 1;
	c = strcmp(sort_s->strs.data + a->off[0], sort_s->strs.data + b->off[0]);
	if (c != 0)
		return c;
	return a->f.slot < b->f.slot ? -1 : a->f.slot > b->f.slot;
}

/*
 * Makes the results from the ranked candidates f[0..n) (best first):
 * identities read, copies of one passage collapsed, the best k kept and
 * ordered (equal scores by id), records decoded when asked.  Sets *short_
 * when collapsing left fewer than k.
 */
static int
finish(quarry_search *s, struct fused *f, size_t n, int *short_)
{
	struct kept *kp = NULL;
	size_t nk = 0, i, j, k = s->k;
	int rc = 0;
	static pthread_mutex_t sort_lock = PTHREAD_MUTEX_INITIALIZER;

	*short_ = 0;
	if ((kp = calloc(n ? n : 1, sizeof(*kp))) == NULL)
		return QUARRY_ENOMEM;
	for (i = 0; i < n; i++) {
		struct kept *x = &kp[nk];
		int dup = 0;

		/* Past k, only candidates tied with the k-th matter. */
		if (nk >= k && f[i].score != kp[k - 1].f.score)
			break;
		x->f = f[i];
		if ((rc = search_ident(s, f[i].slot, x->off, 0)) != 0)
			goto out;
		if (s->collapse)
			for (j = 0; j < nk; j++)
				if (strcmp(s->strs.data + kp[j].off[2],
				    s->strs.data + x->off[2]) == 0) {
					dup = 1;
					break;
				}
		if (!dup)
			nk++;
	}
	if (s->collapse && nk < k && n > 0)
		*short_ = 1;
	pthread_mutex_lock(&sort_lock);
	sort_s = s;
	qsort(kp, nk, sizeof(*kp), kept_cmp);
	pthread_mutex_unlock(&sort_lock);
	if (nk > k)
		nk = k;
	if (s->collapse)
		for (i = 0; i < nk; i++) {
			struct alsoctx a = { s, kp[i].f.slot, 0, 0 };

			kp[i].also0 = s->nalso;
			rc = search_same_hash(s, s->strs.data + kp[i].off[2],
			    also_one, &a);
			if (rc < 0 || a.rc != 0) {
				rc = rc < 0 ? rc : a.rc;
				goto out;
			}
			rc = 0;
			kp[i].nalso = a.n;
		}
	if (s->caphits < nk) {
		quarry_search_hit *nh = realloc(s->hits, nk * sizeof(*nh));

		if (nh == NULL) {
			rc = QUARRY_ENOMEM;
			goto out;
		}
		s->hits = nh;
		s->caphits = nk;
	}
	for (i = 0; i < s->nalso; i++) {
		quarry_search_also *a = &s->also[i];
		size_t so = (size_t)(uintptr_t)a->source;

		a->id = s->strs.data + (size_t)(uintptr_t)a->id;
		a->doc = s->strs.data + (size_t)(uintptr_t)a->doc;
		a->source = so == (size_t)-1 ? NULL : s->strs.data + so;
	}
	for (i = 0; i < nk; i++) {
		quarry_search_hit *h = &s->hits[i];

		memset(h, 0, sizeof(*h));
		h->score = kp[i].f.score;
		h->slot = kp[i].f.slot;
		h->id = s->strs.data + kp[i].off[0];
		h->doc = s->strs.data + kp[i].off[1];
		h->hash = s->strs.data + kp[i].off[2];
		h->vec_rank = kp[i].f.vrank;
		h->vec_score = kp[i].f.vscore;
		h->lex_rank = kp[i].f.lrank;
		h->lex_score = kp[i].f.lscore;
		h->also = kp[i].nalso ? s->also + kp[i].also0 : NULL;
		h->nalso = kp[i].nalso;
		s->nhits++;
		if (s->decode) {
			json_t *rec;

			if ((rc = quarry_store_view_record(s->view, h->slot,
			    &rec)) != 0) {
				qerr_set(&s->err, rc, "%s",
				    quarry_store_error(s->st));
				goto out;
			}
			h->rec = rec;
		}
	}
out:
	free(kp);
	return rc;
}

const json_t *
quarry_search_record(quarry_search *s, size_t i)
{
	json_t *rec;
	int rc;

	if (i >= s->nhits) {
		qerr_set(&s->err, QUARRY_EINVAL, "no result %zu", i);
		return NULL;
	}
	if (s->hits[i].rec == NULL) {
		if ((rc = quarry_store_view_record(s->view, s->hits[i].slot,
		    &rec)) != 0) {
			qerr_set(&s->err, rc, "%s", quarry_store_error(s->st));
			return NULL;
		}
		s->hits[i].rec = rec;
	}
	return s->hits[i].rec;
}

static int
exec(quarry_search *s, enum quarry_search_mode mode, const float *q,
    size_t dims, const char *text, size_t len,
    const quarry_search_hit **hits, size_t *n)
{
	struct search_cand *vc = NULL, *lc = NULL;
	struct fused *f = NULL;
	size_t nv = 0, nl = 0, nf = 0, i, depth;
	int rc = 0, short_ = 0, tries;
	int64_t sel;
	int usevec = mode == QUARRY_MODE_VECTOR || mode == QUARRY_MODE_HYBRID;
	int uselex = mode == QUARRY_MODE_LEXICAL || mode == QUARRY_MODE_HYBRID;

	hits_clear(s);
	*hits = s->hits;
	*n = 0;
	qerr_clear(&s->err);
	memset(&s->stats, 0, sizeof(s->stats));
	if (uselex && !s->haslex)
		return qerr_set(&s->err, QUARRY_ENOTFOUND,
		    "%s: the store has no lexical index",
		    quarry_store_path(s->st));
	if (uselex && text == NULL)
		return qerr_set(&s->err, QUARRY_EINVAL,
		    "lexical search needs the query's text");
	if (s->dims == 0)
		return 0;
	if (usevec) {
		if (q == NULL)
			return qerr_set(&s->err, QUARRY_EINVAL,
			    "vector search needs the query's vector");
		if (dims != s->dims)
			return qerr_set(&s->err, QUARRY_EMODEL,
			    "the query has %zu dimensions, the store %zu (%s)",
			    dims, s->dims, s->model);
	}
	if ((sel = quarry_search_selected(s)) < 0)
		return (int)sel;
	s->stats.selected = (uint64_t)sel;
	if (sel == 0)
		return 0;
	depth = mode == QUARRY_MODE_HYBRID ? (s->depth > s->k ? s->depth :
	    s->k) : s->k;
	for (tries = 0; tries < 4; tries++) {
		free(vc);
		free(lc);
		free(f);
		vc = lc = NULL;
		f = NULL;
		nv = nl = 0;
		hits_clear(s);
		if (usevec && (rc = vec_rank(s, q, depth, &vc, &nv)) != 0)
			goto out;
		if (uselex && (rc = search_lex_rank(s, text, len, depth, &lc,
		    &nl)) != 0)
			goto out;
		if (mode == QUARRY_MODE_HYBRID) {
			/* Each leg counts its first depth only. */
			if (nv > depth)
				nv = depth;
		}
		if ((f = calloc(nv + nl + 1, sizeof(*f))) == NULL) {
			rc = QUARRY_ENOMEM;
			goto out;
		}
		nf = 0;
		for (i = 0; i < nv; i++, nf++) {
			f[nf].slot = vc[i].slot;
			f[nf].vrank = i + 1;
			f[nf].vscore = vc[i].score;
			f[nf].score = mode == QUARRY_MODE_HYBRID ?
			    s->wvec / (s->rrf_k + (double)(i + 1)) : vc[i].score;
		}
		for (i = 0; i < nl; i++, nf++) {
			f[nf].slot = lc[i].slot;
			f[nf].lrank = i + 1;
			f[nf].lscore = lc[i].score;
			f[nf].score = mode == QUARRY_MODE_HYBRID ?
			    s->wlex / (s->rrf_k + (double)(i + 1)) : lc[i].score;
		}
		if (mode == QUARRY_MODE_HYBRID && nf > 0) {
			size_t o = 0;

			qsort(f, nf, sizeof(*f), fused_slot_cmp);
			for (i = 0; i < nf; i++) {
				if (o > 0 && f[o - 1].slot == f[i].slot) {
					struct fused *a = &f[o - 1];

					a->score += f[i].score;
					if (f[i].vrank) {
						a->vrank = f[i].vrank;
						a->vscore = f[i].vscore;
					}
					if (f[i].lrank) {
						a->lrank = f[i].lrank;
						a->lscore = f[i].lscore;
					}
				} else
					f[o++] = f[i];
			}
			nf = o;
		}
		qsort(f, nf, sizeof(*f), fused_cmp);
		if ((rc = finish(s, f, nf, &short_)) != 0)
			goto out;
		/* Copies filled the candidates: look deeper. */
		if (!short_ || (nv < depth && nl < depth) ||
		    (uint64_t)depth >= s->stats.selected)
			break;
		depth *= 4;
	}
	*hits = s->hits;
	*n = s->nhits;
out:
	free(vc);
	free(lc);
	free(f);
	if (rc != 0)
		hits_clear(s);
	return qerr_ret(&s->err, rc);
}

int
quarry_search_run(quarry_search *s, const float *q, size_t dims,
    const quarry_search_hit **hits, size_t *n)
{
	return exec(s, QUARRY_MODE_VECTOR, q, dims, NULL, 0, hits, n);
}

int
quarry_search_query_vector(quarry_search *s, const float *q, size_t dims,
    const char *text, size_t len, const quarry_search_hit **hits, size_t *n)
{
	return exec(s, s->mode, q, dims, text, len, hits, n);
}

int
quarry_search_query(quarry_search *s, quarry_embedder *e, const char *text,
    size_t len, const quarry_search_hit **hits, size_t *n)
{
	const float *v = NULL;
	int rc;

	*hits = s->hits;
	*n = 0;
	memset(&s->stats, 0, sizeof(s->stats));
	if (s->mode != QUARRY_MODE_LEXICAL && s->dims > 0) {
		if (e == NULL)
			return qerr_set(&s->err, QUARRY_EINVAL,
			    "vector search needs an embedder");
		if ((rc = quarry_embedder_embed(e, &text, &len, 1)) != 0) {
			hits_clear(s);
			return qerr_set(&s->err, rc, "cannot embed the query: "
			    "%s", quarry_embedder_error(e));
		}
		if ((v = quarry_embedder_vector(e, 0)) == NULL) {
			const char *msg = "";

			rc = quarry_embedder_status(e, 0, &msg);
			hits_clear(s);
			return qerr_set(&s->err, rc ? rc : QUARRY_EINVAL,
			    "cannot embed the query: %s", msg);
		}
	}
	return exec(s, s->mode, v, s->dims, text, len, hits, n);
}

int
quarry_search_set_mode(quarry_search *s, enum quarry_search_mode m)
{
	qerr_clear(&s->err);
	switch (m) {
	case QUARRY_MODE_AUTO:
		s->mode = s->haslex ? QUARRY_MODE_HYBRID : QUARRY_MODE_VECTOR;
		return 0;
	case QUARRY_MODE_VECTOR:
		s->mode = m;
		return 0;
	case QUARRY_MODE_LEXICAL:
	case QUARRY_MODE_HYBRID:
		if (!s->haslex)
			return qerr_set(&s->err, QUARRY_ENOTFOUND,
			    "%s: the store has no lexical index",
			    quarry_store_path(s->st));
		s->mode = m;
		return 0;
	}
	return qerr_set(&s->err, QUARRY_EINVAL, "unknown search mode %d",
	    (int)m);
}

enum quarry_search_mode
quarry_search_get_mode(const quarry_search *s)
{
	return s->mode;
}

int
quarry_search_set_bm25(quarry_search *s, double k1, double b)
{
	if (!(k1 >= 0) || !isfinite(k1) || !(b >= 0 && b <= 1))
		return qerr_set(&s->err, QUARRY_EINVAL,
		    "BM25 needs k1 >= 0 and b between 0 and 1");
	s->k1 = k1;
	s->b = b;
	return 0;
}

int
quarry_search_set_fusion(quarry_search *s, double vec_weight,
    double lex_weight, unsigned rrf_k, size_t depth)
{
	if (!(vec_weight >= 0) || !(lex_weight >= 0) || !isfinite(vec_weight) ||
	    !isfinite(lex_weight) || vec_weight + lex_weight <= 0)
		return qerr_set(&s->err, QUARRY_EINVAL,
		    "fusion weights must be >= 0 and not both 0");
	if (depth == 0)
		return qerr_set(&s->err, QUARRY_EINVAL, "fusion depth must be "
		    "at least 1");
	s->wvec = vec_weight;
	s->wlex = lex_weight;
	s->rrf_k = rrf_k;
	s->depth = depth;
	return 0;
}

void
quarry_search_set_lang(quarry_search *s, const char *lang)
{
	snprintf(s->lang, sizeof(s->lang), "%s", lang ? lang : "");
}

void
quarry_search_set_collapse(quarry_search *s, int on)
{
	s->collapse = on != 0;
}

int
quarry_search_set_precision(quarry_search *s, enum quarry_search_precision p,
    unsigned rescore)
{
	if (p != QUARRY_PRECISION_AUTO && p != QUARRY_PRECISION_F32 &&
	    p != QUARRY_PRECISION_INT8 && p != QUARRY_PRECISION_BIT)
		return qerr_set(&s->err, QUARRY_EINVAL, "unknown precision");
	if (p == QUARRY_PRECISION_INT8 && s->qscale == NULL && s->dims > 0)
		return qerr_set(&s->err, QUARRY_EINVAL,
		    "the store has no int8 copy of its vectors");
	if (p == QUARRY_PRECISION_BIT && s->qspread == NULL && s->dims > 0)
		return qerr_set(&s->err, QUARRY_EINVAL,
		    "the store has no 1-bit copy of its vectors");
	s->prec = p;
	s->rescore = rescore;
	return 0;
}

void
quarry_search_set_graph(quarry_search *s, int use, unsigned ef)
{
	s->usegraph = use != 0;
	if (ef > 0)
		s->ef = ef;
}

void
quarry_search_set_decode(quarry_search *s, int on)
{
	s->decode = on != 0;
}

/* ------------------------------------------------------------- embedder */

int
quarry_search_embedder(quarry_search *s, const quarry_embed_options *o,
    quarry_embedder **out)
{
	int rc;

	*out = NULL;
	qerr_clear(&s->err);
	if (s->dims == 0)
		return qerr_set(&s->err, QUARRY_ENOTFOUND, "the store is empty");
	/* The embed module reads its model names. */
	if ((rc = quarry_embedder_new_for(out, o, s->model)) != 0) {
		qerr_set(&s->err, rc, "%s", quarry_embedder_error(*out));
		quarry_embedder_free(*out);
		*out = NULL;
	}
	return rc;
}
