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
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"
#include "search_private.h"

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

int
search_fail(quarry_search *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return code;
}

/* ------------------------------------------------------------- the kernel */

/* Eight floats: GCC and Clang's vector extension, which they compile to
 * one AVX register or two SSE ones, whichever the target has. */
typedef float v8sf __attribute__((vector_size(32)));

/* The sum of the lanes of the v8sf v. */
#define HSUM8(v) ((((v)[0] + (v)[4]) + ((v)[1] + (v)[5])) + \
	(((v)[2] + (v)[6]) + ((v)[3] + (v)[7])))

/*
 * Returns q.v and stores v.v in *vv.  Written with vector types rather than
 * left to the auto-vectoriser: its four accumulators (two for each sum) stay
 * in registers, and the compiler may not reassociate a plain float loop into
 * them on its own.  On x86-64 a clone for AVX2 and FMA is chosen at load
 * time when the processor has them (the default build is generic x86-64).
 * The loop is bound by memory, not by arithmetic: a wider one (AVX-512) or
 * one that scores four vectors at once (keeping the query's loads shared)
 * was measured no faster, the latter slower (four interleaved streams).
 */
#if defined(__x86_64__) && defined(__linux__) && !defined(__clang__) && \
    __GNUC__ >= 11 && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
static float
dot2(const float *restrict q, const float *restrict v, size_t n, float *vv)
{
	v8sf a0 = { 0 }, a1 = { 0 }, b0 = { 0 }, b1 = { 0 }, x, y;
	float d = 0, s = 0;
	size_t i;

	for (i = 0; i + 16 <= n; i += 16) {
		memcpy(&x, q + i, sizeof(x));
		memcpy(&y, v + i, sizeof(y));
		a0 += x * y;
		b0 += y * y;
		memcpy(&x, q + i + 8, sizeof(x));
		memcpy(&y, v + i + 8, sizeof(y));
		a1 += x * y;
		b1 += y * y;
	}
	for (; i < n; i++) {
		d += q[i] * v[i];
		s += v[i] * v[i];
	}
	a0 += a1;
	b0 += b1;
	*vv = HSUM8(b0) + s;
	return HSUM8(a0) + d;
}

/* ---------------------------------------------------------------- heaps */

struct cand {
	float score;
	uint64_t slot;
};

/* Whether a ranks below b: a lower score, or the same and a later slot. */
static int
cand_worse(const struct cand *a, const struct cand *b)
{
	return a->score < b->score ||
	    (a->score == b->score && a->slot > b->slot);
}

/* A bounded min-heap of the best cap candidates: h[0] is the worst kept. */
struct heap {
	struct cand *h;
	size_t n, cap;
};

static void
heap_sift_down(struct heap *hp, size_t i)
{
	struct cand *h = hp->h, t;
	size_t n = hp->n, c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && cand_worse(&h[c + 1], &h[c]))
			c++;
		if (!cand_worse(&h[c], &h[i]))
			break;
		t = h[i];
		h[i] = h[c];
		h[c] = t;
		i = c;
	}
}

static void
heap_push(struct heap *hp, float score, uint64_t slot)
{
	struct cand c = { score, slot }, t;
	size_t i, p;

	if (hp->n == hp->cap) {
		if (!cand_worse(&hp->h[0], &c))
			return;
		hp->h[0] = c;
		heap_sift_down(hp, 0);
		return;
	}
	i = hp->n++;
	hp->h[i] = c;
	while (i > 0) {
		p = (i - 1) / 2;
		if (!cand_worse(&hp->h[i], &hp->h[p]))
			break;
		t = hp->h[i];
		hp->h[i] = hp->h[p];
		hp->h[p] = t;
		i = p;
	}
}

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

struct scan {
	quarry_search *s;
	const float *q;		/* unit query vector */
	const size_t *work;	/* block table indexes to scan; NULL: all */
	size_t nwork;
	/* SEARCH_TOUCH, SEARCH_TOUCH_GROUP and SEARCH_AHEAD in vectors */
	size_t touch, group, ahead;
	size_t cap;		/* room for vectors in a worker's list */
	/* The next batch (shared, atomic), on a cache line of its own. */
	char pad[64];
	size_t next;
	char pad2[64];
};

struct worker {
	struct scan *sc;
	struct heap heap;
	uint64_t scanned;
	const float **vecs;	/* the vectors listed to score, */
	uint64_t *slots;	/* and their slots (sc->cap each) */
	pthread_t tid;
};

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

/* Appends the selected vectors of block bi to w's list at n; returns the
 * new length. */
static size_t
list_block(struct worker *w, size_t bi, size_t n)
{
	quarry_search *s = w->sc->s;
	const struct search_block *b = &s->blocks[bi];
	size_t dims = s->dims, nw = (s->block_slots + 63) / 64, wi;

	for (wi = 0; wi < nw; wi++) {
		uint64_t m = b->live[wi];

		if (s->cand != NULL)
			m &= bits64(s->cand, s->nslots, b->first + wi * 64);
		if (wi == nw - 1 && s->block_slots % 64 != 0)
			m &= ((uint64_t)1 << (s->block_slots % 64)) - 1;
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
	struct scan *sc = w->sc;
	size_t i, start;

	start = __atomic_fetch_add(&sc->next, SEARCH_BATCH, __ATOMIC_RELAXED);
	if (start >= sc->nwork)
		return (size_t)-1;
	for (i = start; i < start + SEARCH_BATCH && i < sc->nwork; i++)
		n = list_block(w, sc->work ? sc->work[i] : i, n);
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
	size_t dims = sc->s->dims, len = dims * sizeof(float);
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
		heap_push(&w.heap, vv > 0 ? d / sqrtf(vv) : 0.0f, w.slots[i]);
		w.scanned++;
		i++;
	}
	shared->heap = w.heap;
	shared->scanned = w.scanned;
	return NULL;
}

/* -------------------------------------------------------------- handles */

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
	if ((rc = quarry_store_view_open(st, &s->view)) != 0)
		goto fail;
	if ((rc = quarry_store_stats(st, &info)) != 0)
		goto fail;
	snprintf(s->model, sizeof(s->model), "%s", info.model ? info.model : "");
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
	*out = s;
	return 0;
fail:
	quarry_search_free(s);
	return rc;
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
	return s->err;
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
}

void
quarry_search_free(quarry_search *s)
{
	if (s == NULL)
		return;
	hits_clear(s);
	free(s->hits);
	quarry_search_filter_clear(s);
	quarry_store_view_close(s->view);
	free(s->candbuf);
	free(s->bitsbuf);
	free(s->cblocks);
	free(s->blocks);
	free(s->blockidx);
	free(s);
}

/* ------------------------------------------------------------------ run */

/* Orders hits best first: higher score, then smaller id. */
static int
hit_cmp(const void *pa, const void *pb)
{
	const quarry_search_hit *a = pa, *b = pb;
	const char *ia, *ib;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	ia = quarry_record_string(a->rec, "id", NULL);
	ib = quarry_record_string(b->rec, "id", NULL);
	if (ia && ib && strcmp(ia, ib) != 0)
		return strcmp(ia, ib);
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

int
quarry_search_run(quarry_search *s, const float *q, size_t dims,
    const quarry_search_hit **hits, size_t *n)
{
	struct scan sc;
	struct worker *ws = NULL;
	float *uq = NULL;
	double qn = 0;
	size_t i, j, nt, keep, ncand;
	struct cand *cands = NULL;
	int rc = 0;
	int64_t sel;

	hits_clear(s);
	*hits = s->hits;
	*n = 0;
	s->err[0] = '\0';
	memset(&s->stats, 0, sizeof(s->stats));
	if (s->dims == 0)
		return 0;
	if (dims != s->dims)
		return search_fail(s, QUARRY_EMODEL, "the query has %zu "
		    "dimensions, the store %zu (%s)", dims, s->dims, s->model);
	for (i = 0; i < dims; i++)
		qn += (double)q[i] * q[i];
	if (!(qn > 0) || !isfinite(qn))
		return search_fail(s, QUARRY_EINVAL,
		    "the query vector is zero or not finite");
	if ((sel = quarry_search_selected(s)) < 0)
		return (int)sel;
	s->stats.selected = (uint64_t)sel;
	if (sel == 0)
		return 0;
	if ((uq = malloc(dims * sizeof(float))) == NULL)
		return QUARRY_ENOMEM;
	qn = sqrt(qn);
	for (i = 0; i < dims; i++)
		uq[i] = (float)(q[i] / qn);

	memset(&sc, 0, sizeof(sc));
	sc.s = s;
	sc.q = uq;
	if (s->cand != NULL) {
		sc.work = s->cblocks;
		sc.nwork = s->ncblocks;
	} else
		sc.nwork = s->nblocks;
	sc.touch = SEARCH_TOUCH / (dims * sizeof(float));
	sc.group = SEARCH_TOUCH_GROUP / (dims * sizeof(float));
	sc.ahead = SEARCH_AHEAD / (dims * sizeof(float));
	sc.touch += sc.touch == 0;
	sc.group += sc.group == 0;
	sc.ahead += sc.ahead == 0;
	sc.cap = sc.touch + sc.group + sc.ahead + SEARCH_BATCH * s->block_slots;
	nt = s->threads;
	if ((uint64_t)sel * dims < SEARCH_MIN_PARALLEL)
		nt = 1;
	if (nt > (sc.nwork + SEARCH_BATCH - 1) / SEARCH_BATCH)
		nt = (sc.nwork + SEARCH_BATCH - 1) / SEARCH_BATCH;
	if (nt == 0)
		nt = 1;
	keep = s->k + SEARCH_MARGIN;
	if ((ws = calloc(nt, sizeof(*ws))) == NULL) {
		rc = QUARRY_ENOMEM;
		goto out;
	}
	for (i = 0; i < nt; i++) {
		ws[i].sc = &sc;
		ws[i].heap.cap = keep;
		ws[i].vecs = malloc(sc.cap * sizeof(*ws[i].vecs));
		ws[i].slots = malloc(sc.cap * sizeof(*ws[i].slots));
		ws[i].heap.h = malloc(keep * sizeof(struct cand));
		if (ws[i].vecs == NULL || ws[i].slots == NULL ||
		    ws[i].heap.h == NULL) {
			rc = QUARRY_ENOMEM;
			goto out;
		}
	}
	for (i = 1; i < nt; i++)
		if (pthread_create(&ws[i].tid, NULL, scan_worker, &ws[i]) != 0)
			break;
	scan_worker(&ws[0]);
	for (j = 1; j < i; j++)
		pthread_join(ws[j].tid, NULL);
	/* A thread that could not start left its share to the others. */
	s->stats.threads = (unsigned)i;
	s->stats.blocks = sc.nwork;

	/* Merge the heaps and keep the best ones overall. */
	ncand = 0;
	for (i = 0; i < nt; i++) {
		ncand += ws[i].heap.n;
		s->stats.scanned += ws[i].scanned;
	}
	if ((cands = malloc((ncand ? ncand : 1) * sizeof(*cands))) == NULL) {
		rc = QUARRY_ENOMEM;
		goto out;
	}
	ncand = 0;
	for (i = 0; i < nt; i++)
		for (j = 0; j < ws[i].heap.n; j++)
			cands[ncand++] = ws[i].heap.h[j];
	if (s->caphits < ncand) {
		quarry_search_hit *nh = realloc(s->hits,
		    ncand * sizeof(*nh));

		if (nh == NULL) {
			rc = QUARRY_ENOMEM;
			goto out;
		}
		s->hits = nh;
		s->caphits = ncand;
	}
	for (i = 0; i < ncand; i++) {
		json_t *rec;

		if ((rc = quarry_store_view_record(s->view, cands[i].slot,
		    &rec)) != 0) {
			search_fail(s, rc, "%s", quarry_store_error(s->st));
			goto out;
		}
		s->hits[s->nhits].score = rescore(s, q, cands[i].slot);
		s->hits[s->nhits].slot = cands[i].slot;
		s->hits[s->nhits].rec = rec;
		s->nhits++;
	}
	qsort(s->hits, s->nhits, sizeof(*s->hits), hit_cmp);
	while (s->nhits > s->k)
		json_decref((json_t *)s->hits[--s->nhits].rec);
	*hits = s->hits;
	*n = s->nhits;
out:
	if (ws != NULL)
		for (i = 0; i < nt; i++) {
			free(ws[i].heap.h);
			free(ws[i].vecs);
			free(ws[i].slots);
		}
	free(ws);
	free(cands);
	free(uq);
	if (rc != 0)
		hits_clear(s);
	return rc;
}

/* ------------------------------------------------------------- embedder */

int
quarry_search_embedder(quarry_search *s, const quarry_embed_options *o,
    quarry_embedder **out)
{
	quarry_embed_options eo = *o;
	const char *slash = strrchr(s->model, '/'), *want;
	char name[256];
	size_t nlen;
	int rc;

	*out = NULL;
	s->err[0] = '\0';
	if (s->dims == 0)
		return search_fail(s, QUARRY_ENOTFOUND, "the store is empty");
	if (slash == NULL || slash == s->model)
		return search_fail(s, QUARRY_EMODEL, "the store's model \"%s\" "
		    "names no embedder", s->model);
	nlen = (size_t)(slash - s->model);
	if (nlen >= sizeof(name))
		nlen = sizeof(name) - 1;
	memcpy(name, s->model, nlen);
	name[nlen] = '\0';
	eo.dims = s->dims;
	if (strcmp(name, "hash-v1") == 0) {
		if (o->url != NULL || o->command != NULL)
			return search_fail(s, QUARRY_EMODEL, "the store's model "
			    "%s is the built-in embedder: --url and --command "
			    "do not apply", s->model);
		rc = quarry_embedder_new_hash(out, s->dims);
	} else if (strncmp(name, "openai:", 7) == 0) {
		if (o->url == NULL || o->command != NULL)
			return search_fail(s, QUARRY_EMODEL, "the store's model "
			    "%s needs an endpoint (--url)", s->model);
		if (eo.model == NULL)
			eo.model = name + 7;
		rc = quarry_embedder_new_http(out, &eo);
	} else if (strncmp(name, "command:", 8) == 0) {
		if (o->command == NULL || o->url != NULL)
			return search_fail(s, QUARRY_EMODEL, "the store's model "
			    "%s needs a command (--command)", s->model);
		if (eo.model == NULL)
			eo.model = name + 8;
		rc = quarry_embedder_new_command(out, &eo);
	} else
		return search_fail(s, QUARRY_EMODEL, "the store's model \"%s\" "
		    "names no known embedder", s->model);
	if (rc != 0)
		return rc;
	want = quarry_embedder_model(*out);
	if (want == NULL || strcmp(want, s->model) != 0) {
		search_fail(s, QUARRY_EMODEL, "model mismatch: the store holds "
		    "%s vectors, the query embedder is %s", s->model,
		    want ? want : "of unknown dimensions");
		quarry_embedder_free(*out);
		*out = NULL;
		return QUARRY_EMODEL;
	}
	return 0;
}
