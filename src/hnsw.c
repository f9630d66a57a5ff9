/*
 * hnsw.c: the store's HNSW graph (hnsw_private.h; layout in
 * man/quarry-store.5, "hnsw").  One search and neighbour-selection core
 * (search_layer(), select_heuristic(), as in hnswlib) runs over three kinds
 * of graph: the one a full build makes in memory with threads (per-node
 * locks), the one a write transaction updates in place in LMDB (inserts,
 * and deletions repaired from the deleted nodes' neighbours), and the
 * read-only one a search walks in a snapshot, reading each node's record
 * straight from the memory map.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "dot_private.h"
#include "hnsw_private.h"
#include "thread_private.h"

static float
inv_norm(const float *v, size_t n)
{
	float vv;

	dot2(v, v, n, &vv);
	return vv > 0 ? 1.0f / sqrtf(vv) : 0.0f;
}

unsigned
hnsw_level(uint64_t seed, unsigned m, uint64_t slot)
{
	uint64_t h = XXH3_64bits_withSeed(&slot, sizeof(slot), seed);
	double u = ((double)(h >> 11) + 1.0) / 9007199254740993.0;
	double l = -log(u) / log((double)(m < 2 ? 2 : m));

	return l >= HNSW_MAX_LEVEL ? HNSW_MAX_LEVEL : (unsigned)l;
}

/* ------------------------------------------------------ the graph core */

/* How the core reads a graph: ids are slots (LMDB) or indexes (memory). */
struct gio {
	void *arg;
	unsigned m;
	size_t dims;
	/* Node id's neighbours on level l: a pointer to *n ids (into buf,
	 * which holds 2m, or elsewhere); NULL when the node has none. */
	const uint32_t *(*links)(void *arg, uint32_t id, unsigned l,
	    uint32_t *buf, unsigned *n);
	const float *(*vec)(void *arg, uint32_t id);
	const float *invs;	/* inverse norms by id, or NULL: computed */
};

/* The similarity of x (inverse norm invx) and node id; -2 without a
 * vector. */
static float
sim_v(const struct gio *io, const float *x, float invx, uint32_t id,
    const float *v)
{
	float d, vv;

	if (v == NULL)
		return -2.0f;
	d = dot2(x, v, io->dims, &vv);
	if (io->invs != NULL)
		return d * invx * io->invs[id];
	return vv > 0 ? d * invx / sqrtf(vv) : 0.0f;
}

static float
sim(const struct gio *io, const float *x, float invx, uint32_t id)
{
	return sim_v(io, x, invx, id, io->vec(io->arg, id));
}

/* Asks for the n floats at v to be brought into the caches. */
static void
prefetch(const float *v, size_t n)
{
	const char *p = (const char *)v, *end = p + n * sizeof(float);

	if (v == NULL)
		return;
	for (; p < end; p += 64)
		__builtin_prefetch(p);
}

static float
node_inv(const struct gio *io, uint32_t id, const float *v)
{
	return io->invs != NULL ? io->invs[id] : inv_norm(v, io->dims);
}

/* A search's scratch: visited stamps by id, the two heaps. */
struct sctx {
	uint32_t *stamp;
	size_t nid;
	uint32_t epoch;
	struct hnsw_hit *cand, *res;
	size_t capc, capr, nc, nr;
	uint32_t buf[2 * HNSW_M_MAX];
	uint32_t todo[2 * HNSW_M_MAX];
	const float *vp[2 * HNSW_M_MAX];
	uint64_t visited;
};

static int
sctx_init(struct sctx *c, size_t nid)
{
	memset(c, 0, sizeof(*c));
	c->nid = nid;
	if ((c->stamp = calloc(nid ? nid : 1, sizeof(uint32_t))) == NULL)
		return ENOMEM;
	return 0;
}

static void
sctx_free(struct sctx *c)
{
	free(c->stamp);
	free(c->cand);
	free(c->res);
	memset(c, 0, sizeof(*c));
}

static int
grow(struct hnsw_hit **a, size_t *cap, size_t need)
{
	struct hnsw_hit *n;
	size_t nc = *cap ? *cap : 64;

	if (need <= *cap)
		return 0;
	while (nc < need)
		nc *= 2;
	if ((n = realloc(*a, nc * sizeof(*n))) == NULL)
		return ENOMEM;
	*a = n;
	*cap = nc;
	return 0;
}

/* Heaps of hits: max-heap (best on top) when max, else min-heap. */
#define BETTER(a, b) ((a).sim > (b).sim || ((a).sim == (b).sim && \
	(a).slot < (b).slot))

static void
heap_up(struct hnsw_hit *h, size_t i, int max)
{
	struct hnsw_hit x = h[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (max ? !BETTER(x, h[p]) : !BETTER(h[p], x))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = x;
}

static void
heap_down(struct hnsw_hit *h, size_t n, int max)
{
	struct hnsw_hit x = h[0];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && (max ? BETTER(h[c + 1], h[c]) :
		    BETTER(h[c], h[c + 1])))
			c++;
		if (max ? !BETTER(h[c], x) : !BETTER(x, h[c]))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

static int
hit_cmp(const void *pa, const void *pb)
{
	const struct hnsw_hit *a = pa, *b = pb;

	if (BETTER(*a, *b))
		return -1;
	return BETTER(*b, *a);
}

static int
visit(struct sctx *c, uint32_t id)
{
	if (id >= c->nid || c->stamp[id] == c->epoch)
		return 0;
	c->stamp[id] = c->epoch;
	return 1;
}

static void
new_epoch(struct sctx *c)
{
	if (++c->epoch == 0) {
		memset(c->stamp, 0, c->nid * sizeof(uint32_t));
		c->epoch = 1;
	}
}

/*
 * Searches level l from the entry points ep[0..nep) for the ef nodes most
 * similar to x (inverse norm invx) that accept() takes (all when NULL;
 * the others are walked through but not kept).  Leaves them in c->res,
 * best first; returns their number, or -1 when out of memory.
 */
static long
search_layer(const struct gio *io, struct sctx *c, const float *x, float invx,
    const struct hnsw_hit *ep, size_t nep, size_t ef, unsigned l,
    int (*accept)(void *, uint32_t), void *aarg)
{
	size_t i;

	new_epoch(c);
	c->nc = c->nr = 0;
	if (grow(&c->res, &c->capr, ef + 1) != 0)
		return -1;
	for (i = 0; i < nep; i++) {
		if (!visit(c, ep[i].slot))
			continue;
		if (grow(&c->cand, &c->capc, c->nc + 1) != 0)
			return -1;
		c->cand[c->nc] = ep[i];
		heap_up(c->cand, c->nc++, 1);
		if (accept == NULL || accept(aarg, ep[i].slot)) {
			c->res[c->nr] = ep[i];
			heap_up(c->res, c->nr++, 0);
			if (c->nr > ef) {
				c->res[0] = c->res[--c->nr];
				heap_down(c->res, c->nr, 0);
			}
		}
	}
	while (c->nc > 0) {
		struct hnsw_hit top = c->cand[0];
		const uint32_t *nb;
		unsigned n, j, nt;

		if (c->nr >= ef && top.sim < c->res[0].sim)
			break;
		c->cand[0] = c->cand[--c->nc];
		heap_down(c->cand, c->nc, 1);
		if ((nb = io->links(io->arg, top.slot, l, c->buf, &n)) == NULL)
			continue;
		/* The vectors not seen yet, each fetched while the one
		 * before is scored. */
		for (j = 0, nt = 0; j < n; j++)
			if (visit(c, nb[j])) {
				c->todo[nt] = nb[j];
				c->vp[nt++] = io->vec(io->arg, nb[j]);
			}
		if (nt > 0)
			prefetch(c->vp[0], io->dims);
		for (j = 0; j < nt; j++) {
			struct hnsw_hit h;

			if (j + 1 < nt)
				prefetch(c->vp[j + 1], io->dims);
			h.slot = c->todo[j];
			h.sim = sim_v(io, x, invx, h.slot, c->vp[j]);
			c->visited++;
			if (h.sim < -1.5f)
				continue;
			if (c->nr >= ef && !(h.sim > c->res[0].sim))
				continue;
			if (grow(&c->cand, &c->capc, c->nc + 1) != 0)
				return -1;
			c->cand[c->nc] = h;
			heap_up(c->cand, c->nc++, 1);
			if (accept == NULL || accept(aarg, h.slot)) {
				c->res[c->nr] = h;
				heap_up(c->res, c->nr++, 0);
				if (c->nr > ef) {
					c->res[0] = c->res[--c->nr];
					heap_down(c->res, c->nr, 0);
				}
			}
		}
	}
	if (c->nr > 1)
		qsort(c->res, c->nr, sizeof(*c->res), hit_cmp);
	return (long)c->nr;
}

/* Walks greedily from *ep down to level stop + 1; returns the last. */
static void
greedy(const struct gio *io, struct sctx *c, const float *x, float invx,
    struct hnsw_hit *ep, unsigned from, unsigned stop)
{
	unsigned l, n, j;

	for (l = from; l > stop; l--) {
		int changed = 1;

		while (changed) {
			const uint32_t *nb;

			changed = 0;
			nb = io->links(io->arg, ep->slot, l, c->buf, &n);
			for (j = 0; nb != NULL && j < n; j++) {
				float s = sim(io, x, invx, nb[j]);

				c->visited++;
				if (s > ep->sim) {
					ep->sim = s;
					ep->slot = nb[j];
					changed = 1;
				}
			}
		}
	}
}

/*
 * An insertion's descent (Malkov and Yashunin, algorithm 1) for vector x
 * of a node of level L, from ep in a graph whose top level is top: greedy
 * down to level L + 1, then an ef search on each level from the lower of
 * L and top down to 0, each from the best of the level above.  Each
 * level's hits are in c->res, best first, when level(arg, l, n) is called;
 * returns what a call returned when not 0 (the descent stops), ENOMEM, or
 * 0.
 */
static int
descend(const struct gio *io, struct sctx *c, const float *x, float invx,
    struct hnsw_hit ep, unsigned top, unsigned L, size_t ef,
    int (*level)(void *, unsigned, size_t), void *arg)
{
	unsigned l;
	long n;
	int rc;

	if (top > L)
		greedy(io, c, x, invx, &ep, top, L);
	for (l = L < top ? L : top; ; l--) {
		if ((n = search_layer(io, c, x, invx, &ep, 1, ef, l, NULL,
		    NULL)) < 0)
			return ENOMEM;
		if ((rc = level(arg, l, (size_t)n)) != 0)
			return rc;
		if (n > 0)
			ep = c->res[0];
		if (l == 0)
			return 0;
	}
}

/*
 * The neighbour-selection heuristic (Malkov and Yashunin, algorithm 4;
 * hnswlib's getNeighborsByHeuristic2): of the candidates h[0..n), best
 * first by similarity to the base node, keeps one unless it is more
 * similar to one kept already than to the base, up to mmax.  Writes the
 * kept ids to out; returns their number.
 */
static size_t
select_heuristic(const struct gio *io, const struct hnsw_hit *h, size_t n,
    size_t mmax, uint32_t *out)
{
	size_t i, j, k = 0;

	if (n <= mmax) {
		for (i = 0; i < n; i++)
			out[i] = h[i].slot;
		return n;
	}
	for (i = 0; i < n && k < mmax; i++) {
		const float *v = io->vec(io->arg, h[i].slot);
		float inv;
		int good = 1;

		if (v == NULL)
			continue;
		inv = node_inv(io, h[i].slot, v);
		for (j = 0; j < k && good; j++)
			if (sim(io, v, inv, out[j]) > h[i].sim)
				good = 0;
		if (good)
			out[k++] = h[i].slot;
	}
	return k;
}

/* ------------------------------------------------------ the node record */

static size_t
rec_off(unsigned m, unsigned l)
{
	return l == 0 ? 4 : 4 + 4 * (1 + 2 * (size_t)m) +
	    (size_t)(l - 1) * 4 * (1 + (size_t)m);
}

static uint32_t
rd32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void
wr32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static unsigned
rec_level(const unsigned char *r)
{
	return rd32(r) & 0xff;
}

static uint32_t
rec_indeg(const unsigned char *r)
{
	return rd32(r) >> 8;
}

static void
rec_set_head(unsigned char *r, unsigned level, uint32_t indeg)
{
	wr32(r, (level & 0xff) | (indeg << 8));
}

/*
 * The bytes a record of at least 8 bytes must have: a node of level 0 may
 * be stored short, ending after its count's neighbours; a node above it
 * has the whole layout (so that its upper lists stay where rec_off() puts
 * them).  0 when the record is malformed.
 */
static size_t
rec_need(const unsigned char *r, unsigned m)
{
	uint32_t n;

	if (rec_level(r) > 0)
		return HNSW_REC_BYTES(m, rec_level(r));
	n = rd32(r + 4);
	return n > HNSW_CAP(m, 0) ? 0 : 8 + 4 * (size_t)n;
}

/* Whether a record of size bytes is well formed: a node of level 0 has
 * from its neighbours' bytes to the whole layout's (the writers store it
 * short; older ones, whole), a node above it the whole layout's. */
static int
rec_size_ok(const unsigned char *r, size_t size, unsigned m)
{
	size_t need;

	if (size < 8 || size % 4 != 0 || rec_level(r) > HNSW_MAX_LEVEL ||
	    (need = rec_need(r, m)) == 0)
		return 0;
	return size == need || (rec_level(r) == 0 && size > need &&
	    size <= HNSW_REC_BYTES(m, 0));
}

/* Reads level l's list of record r (size bytes) into buf; returns its
 * count, or -1 when r is malformed for it. */
static int
rec_list(const unsigned char *r, size_t size, unsigned m, unsigned l,
    uint32_t *buf)
{
	size_t off = rec_off(m, l);
	uint32_t n;

	if (l > rec_level(r) || off + 4 > size)
		return -1;
	n = rd32(r + off);
	if (n > HNSW_CAP(m, l) || off + 4 + 4 * (size_t)n > size)
		return -1;
	memcpy(buf, r + off + 4, n * 4);
	return (int)n;
}

/* Sets level l's list of record r (in a buffer of HNSW_REC_BYTES(m,
 * level)); returns the record's size, short for a node of level 0. */
static size_t
rec_set_list(unsigned char *r, unsigned m, unsigned l, const uint32_t *ids,
    size_t n)
{
	size_t off = rec_off(m, l);

	wr32(r + off, (uint32_t)n);
	memcpy(r + off + 4, ids, n * 4);
	if (rec_level(r) == 0)
		return 8 + 4 * n;
	memset(r + off + 4 + n * 4, 0, (HNSW_CAP(m, l) - n) * 4);
	return HNSW_REC_BYTES(m, rec_level(r));
}

/* ---------------------------------------------------------------- meta */

static int
meta_put(MDB_txn *txn, MDB_dbi dbi, const char *key, const char *val)
{
	MDB_val k = { strlen(key), (void *)key }, v = { strlen(val),
	    (void *)val };

	return mdb_put(txn, dbi, &k, &v, 0);
}

static int
meta_put_u64(MDB_txn *txn, MDB_dbi dbi, const char *key, uint64_t val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)val);
	return meta_put(txn, dbi, key, buf);
}

static int
meta_del(MDB_txn *txn, MDB_dbi dbi, const char *key)
{
	MDB_val k = { strlen(key), (void *)key };
	int rc = mdb_del(txn, dbi, &k, NULL);

	return rc == MDB_NOTFOUND ? 0 : rc;
}

static const char *const meta_keys[] = { "graph", "graph_m", "graph_efc",
	"graph_seed", "graph_entry", "graph_top" };

int
store_hnsw_meta(quarry_store *st, MDB_txn *txn, struct hnsw_meta *gm)
{
	uint64_t m, efc, seed, entry, top;
	char kind[16];
	int rc;

	memset(gm, 0, sizeof(*gm));
	gm->entry = -1;
	rc = store_meta_get(txn, st->dbi[DB_META], "graph", kind, sizeof(kind));
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0 || strcmp(kind, "hnsw") != 0)
		return store_fail(st, QUARRY_EFORMAT, "%s: graph \"%s\" is not "
		    "supported (this quarry has hnsw)", st->path,
		    rc ? "" : kind);
	if (!st->hnswdb ||
	    store_meta_u64(txn, st->dbi[DB_META], "graph_m", &m) != 0 ||
	    store_meta_u64(txn, st->dbi[DB_META], "graph_efc", &efc) != 0 ||
	    store_meta_u64(txn, st->dbi[DB_META], "graph_seed", &seed) != 0 ||
	    m < 2 || m > HNSW_M_MAX || efc < 1 || efc > 100000)
		return store_fail(st, QUARRY_ESTORE,
		    "%s: corrupt meta (graph parameters)", st->path);
	gm->m = (unsigned)m;
	gm->efc = (unsigned)efc;
	gm->seed = seed;
	rc = store_meta_u64(txn, st->dbi[DB_META], "graph_entry", &entry);
	if (rc == 0) {
		if (store_meta_u64(txn, st->dbi[DB_META], "graph_top",
		    &top) != 0 || top > HNSW_MAX_LEVEL || entry >= UINT32_MAX)
			return store_fail(st, QUARRY_ESTORE,
			    "%s: corrupt meta (graph entry)", st->path);
		gm->entry = (int64_t)entry;
		gm->top = (unsigned)top;
	} else if (rc != MDB_NOTFOUND)
		return store_mdb_fail(st, rc, "cannot read meta");
	return 1;
}

int
store_hnsw_load(quarry_store *st, MDB_txn *txn)
{
	struct hnsw_meta gm;
	int rc;

	st->graph = 0;
	if ((rc = store_hnsw_meta(st, txn, &gm)) < 0)
		return rc;
	st->graph = rc;
	return 0;
}

static int
write_meta(quarry_store *st, MDB_txn *txn, const struct hnsw_meta *gm)
{
	MDB_dbi d = st->dbi[DB_META];
	int rc;

	if ((rc = meta_put(txn, d, "graph", "hnsw")) != 0 ||
	    (rc = meta_put_u64(txn, d, "graph_m", gm->m)) != 0 ||
	    (rc = meta_put_u64(txn, d, "graph_efc", gm->efc)) != 0 ||
	    (rc = meta_put_u64(txn, d, "graph_seed", gm->seed)) != 0)
		return rc;
	if (gm->entry < 0) {
		if ((rc = meta_del(txn, d, "graph_entry")) != 0)
			return rc;
		return meta_del(txn, d, "graph_top");
	}
	if ((rc = meta_put_u64(txn, d, "graph_entry",
	    (uint64_t)gm->entry)) != 0)
		return rc;
	return meta_put_u64(txn, d, "graph_top", gm->top);
}

/* ------------------------------------------------- the graph in memory */

#define MEM_LOCKS 4096

struct mem {
	struct gio io;
	size_t n, cap;	/* nodes, room in vecs and slots */
	unsigned m, efc;
	const float **vecs;
	float *invs;
	uint64_t *slots;
	unsigned char *level;
	uint32_t *l0;		/* n x (1 + 2m): count, ids */
	uint32_t **up;		/* level x (1 + m) each, NULL on level 0 */
	pthread_mutex_t locks[MEM_LOCKS];
	pthread_mutex_t glock;
	int64_t entry;
	unsigned top;
	size_t next;
	int fail;
};

static uint32_t *
mem_list(struct mem *g, uint32_t id, unsigned l)
{
	if (l == 0)
		return g->l0 + (size_t)id * (1 + 2 * g->m);
	return g->up[id] + (size_t)(l - 1) * (1 + g->m);
}

static const uint32_t *
mem_links(void *arg, uint32_t id, unsigned l, uint32_t *buf, unsigned *n)
{
	struct mem *g = arg;
	pthread_mutex_t *lk = &g->locks[id % MEM_LOCKS];
	uint32_t *p;

	if (l > g->level[id])
		return NULL;
	p = mem_list(g, id, l);
	pthread_mutex_lock(lk);
	*n = p[0];
	memcpy(buf, p + 1, *n * sizeof(uint32_t));
	pthread_mutex_unlock(lk);
	return buf;
}

static const float *
mem_vec(void *arg, uint32_t id)
{
	return ((struct mem *)arg)->vecs[id];
}

/* Adds id to e's list on level l, pruning it with the heuristic when
 * full (e locked). */
static int
mem_connect(struct mem *g, uint32_t e, uint32_t id, unsigned l)
{
	unsigned cap = HNSW_CAP(g->m, l), i;
	struct hnsw_hit h[2 * HNSW_M_MAX + 1];
	uint32_t out[2 * HNSW_M_MAX];
	pthread_mutex_t *lk = &g->locks[e % MEM_LOCKS];
	uint32_t *p = mem_list(g, e, l);
	const float *ve = g->vecs[e];
	size_t k;

	pthread_mutex_lock(lk);
	for (i = 0; i < p[0]; i++)
		if (p[1 + i] == id) {
			pthread_mutex_unlock(lk);
			return 0;
		}
	if (p[0] < cap) {
		p[1 + p[0]++] = id;
		pthread_mutex_unlock(lk);
		return 0;
	}
	for (i = 0; i < p[0]; i++) {
		h[i].slot = p[1 + i];
		h[i].sim = sim(&g->io, ve, g->invs[e], p[1 + i]);
	}
	h[i].slot = id;
	h[i].sim = sim(&g->io, ve, g->invs[e], id);
	qsort(h, i + 1, sizeof(*h), hit_cmp);
	k = select_heuristic(&g->io, h, i + 1, cap, out);
	p[0] = (uint32_t)k;
	memcpy(p + 1, out, k * sizeof(uint32_t));
	pthread_mutex_unlock(lk);
	return 0;
}

struct mem_ins {
	struct mem *g;
	struct sctx *c;
	uint32_t id;
};

/* mem_insert()'s step on level l: node id's links, and back. */
static int
mem_level(void *arg, unsigned l, size_t n)
{
	struct mem_ins *a = arg;
	struct mem *g = a->g;
	uint32_t sel[HNSW_M_MAX];
	size_t k, i;

	k = select_heuristic(&g->io, a->c->res, n, g->m, sel);
	pthread_mutex_lock(&g->locks[a->id % MEM_LOCKS]);
	mem_list(g, a->id, l)[0] = (uint32_t)k;
	memcpy(mem_list(g, a->id, l) + 1, sel, k * sizeof(uint32_t));
	pthread_mutex_unlock(&g->locks[a->id % MEM_LOCKS]);
	for (i = 0; i < k; i++)
		mem_connect(g, sel[i], a->id, l);
	return 0;
}

static int
mem_insert(struct mem *g, struct sctx *c, uint32_t id)
{
	unsigned L = g->level[id], top;
	const float *x = g->vecs[id];
	float invx = g->invs[id];
	struct hnsw_hit ep;
	struct mem_ins a = { g, c, id };
	int rc;

	pthread_mutex_lock(&g->glock);
	if (g->entry < 0) {
		g->entry = id;
		g->top = L;
		pthread_mutex_unlock(&g->glock);
		return 0;
	}
	ep.slot = (uint32_t)g->entry;
	top = g->top;
	pthread_mutex_unlock(&g->glock);
	ep.sim = sim(&g->io, x, invx, ep.slot);
	if ((rc = descend(&g->io, c, x, invx, ep, top, L, g->efc, mem_level,
	    &a)) != 0)
		return rc;
	if (L > top) {
		pthread_mutex_lock(&g->glock);
		if (L > g->top) {
			g->entry = id;
			g->top = L;
		}
		pthread_mutex_unlock(&g->glock);
	}
	return 0;
}

static void *
mem_worker(void *arg)
{
	struct mem *g = arg;
	struct sctx c;
	size_t id;

	if (sctx_init(&c, g->n) != 0) {
		__atomic_store_n(&g->fail, ENOMEM, __ATOMIC_RELAXED);
		return NULL;
	}
	while (!__atomic_load_n(&g->fail, __ATOMIC_RELAXED) &&
	    (id = __atomic_fetch_add(&g->next, 1, __ATOMIC_RELAXED)) < g->n)
		if (mem_insert(g, &c, (uint32_t)id) != 0)
			__atomic_store_n(&g->fail, ENOMEM, __ATOMIC_RELAXED);
	sctx_free(&c);
	return NULL;
}

/*
 * Links every node no walk from the entry point reaches (a node whose
 * in-links were all pruned away) from the nearest reached node with room
 * on level 0, so that every node can be found.  Returns the number linked.
 */
static size_t
mem_reach(struct mem *g, struct sctx *c)
{
	unsigned char *seen;
	uint32_t *stack;
	size_t ns = 0, id, fixed = 0;
	unsigned l, i;

	if (g->entry < 0 || (seen = calloc(g->n, 1)) == NULL)
		return 0;
	if ((stack = malloc(g->n * sizeof(*stack))) == NULL) {
		free(seen);
		return 0;
	}
	seen[g->entry] = 1;
	stack[ns++] = (uint32_t)g->entry;
	for (id = 0; ; id++) {
		while (ns > 0) {
			uint32_t x = stack[--ns];

			for (l = 0; l <= g->level[x]; l++) {
				uint32_t *p = mem_list(g, x, l);

				for (i = 0; i < p[0]; i++)
					if (!seen[p[1 + i]]) {
						seen[p[1 + i]] = 1;
						stack[ns++] = p[1 + i];
					}
			}
		}
		while (id < g->n && seen[id])
			id++;
		if (id >= g->n)
			break;
		{
			struct hnsw_hit ep;
			const float *x = g->vecs[id];
			long n;
			size_t j, best = (size_t)-1;

			ep.slot = (uint32_t)g->entry;
			ep.sim = sim(&g->io, x, g->invs[id], ep.slot);
			greedy(&g->io, c, x, g->invs[id], &ep, g->top, 0);
			n = search_layer(&g->io, c, x, g->invs[id], &ep, 1,
			    g->efc, 0, NULL, NULL);
			for (j = 0; n > 0 && j < (size_t)n; j++)
				if (c->res[j].slot != id && seen[c->res[j].slot] &&
				    mem_list(g, c->res[j].slot, 0)[0] <
				    2 * g->m) {
					best = c->res[j].slot;
					break;
				}
			if (best == (size_t)-1 && n > 0 && c->res[0].slot != id) {
				/* All full: the nearest gives up its last,
				 * which id links to instead (id was not
				 * reached, so no node reached through id's
				 * list loses its way in). */
				uint32_t *p = mem_list(g, c->res[0].slot, 0);
				uint32_t *q = mem_list(g, (uint32_t)id, 0);
				uint32_t lost = p[p[0]];

				p[p[0]] = (uint32_t)id;
				if (lost != id) {
					if (q[0] < 2 * g->m)
						q[1 + q[0]++] = lost;
					else
						q[q[0]] = lost;
				}
			} else if (best != (size_t)-1) {
				uint32_t *p = mem_list(g, (uint32_t)best, 0);

				p[1 + p[0]++] = (uint32_t)id;
			}
			seen[id] = 1;
			stack[ns++] = (uint32_t)id;
			fixed++;
		}
	}
	free(stack);
	free(seen);
	return fixed;
}

static void
mem_free(struct mem *g)
{
	size_t i;

	if (g->up != NULL)
		for (i = 0; i < g->n; i++)
			free(g->up[i]);
	free(g->up);
	free(g->l0);
	free(g->vecs);
	free(g->invs);
	free(g->slots);
	free(g->level);
	for (i = 0; i < MEM_LOCKS; i++)
		pthread_mutex_destroy(&g->locks[i]);
	pthread_mutex_destroy(&g->glock);
}

/* ---------------------------------------------------- the graph in LMDB */

struct dbg {
	struct gio io;
	quarry_store *st;
	MDB_txn *txn;
	MDB_dbi dbi;
	struct hnsw_meta gm;
	size_t B;
	uint64_t nslots;
	unsigned char *rec, *rec2;	/* scratch records */
	uint64_t *orph;			/* nodes left without in-links */
	size_t norph, caporph;
	uint64_t *lost;			/* nodes that lost an in-link */
	size_t nlost, caplost, maxlost;	/* past maxlost: not kept */
	int walk;			/* lost too many: walk the graph */
	int scanned;			/* db_delete() read every record */
};

static const float *
db_vec(void *arg, uint32_t slot)
{
	struct dbg *g = arg;
	size_t block = slot / g->B;
	MDB_val k = { sizeof(block), &block }, v;

	if (mdb_get(g->txn, g->st->dbi[DB_VECTORS], &k, &v) != 0 ||
	    v.mv_size != g->B * g->io.dims * sizeof(float))
		return NULL;
	return (const float *)v.mv_data + (slot % g->B) * g->io.dims;
}

/*
 * Node slot's level-l links, from its record in txn, into buf.  recp, of
 * nid slots, keeps where each record was met in the map, so that the next
 * visit skips the B-tree lookup: only a reader may keep one (its snapshot
 * keeps the pages in place; a write moves them); NULL for none.
 */
static inline const uint32_t *
txn_links(MDB_txn *txn, MDB_dbi dbi, unsigned m, const unsigned char **recp,
    size_t nid, uint32_t slot, unsigned l, uint32_t *buf, unsigned *n)
{
	uint64_t key = slot;
	MDB_val k = { sizeof(key), &key }, v;
	int c;

	if (recp != NULL && slot < nid && recp[slot] != NULL) {
		v.mv_data = (void *)recp[slot];
		v.mv_size = rec_need(recp[slot], m);
	} else {
		if (mdb_get(txn, dbi, &k, &v) != 0 || v.mv_size < 4)
			return NULL;
		/* Only well-formed records are kept, so that the bytes
		 * they have can be found again from the pointer. */
		if (recp != NULL && slot < nid &&
		    rec_size_ok(v.mv_data, v.mv_size, m))
			recp[slot] = v.mv_data;
	}
	if ((c = rec_list(v.mv_data, v.mv_size, m, l, buf)) < 0)
		return NULL;
	*n = (unsigned)c;
	return buf;
}

static const uint32_t *
db_links(void *arg, uint32_t slot, unsigned l, uint32_t *buf, unsigned *n)
{
	struct dbg *g = arg;

	return txn_links(g->txn, g->dbi, g->io.m, NULL, 0, slot, l, buf, n);
}

/* Copies slot's record into buf (HNSW_REC_BYTES(m, 15) bytes); returns
 * its size, 0 when absent, or (size_t)-1 on an LMDB fault (in *rc). */
static size_t
db_get(struct dbg *g, uint64_t slot, unsigned char *buf, int *rc)
{
	MDB_val k = { sizeof(slot), &slot }, v;

	*rc = mdb_get(g->txn, g->dbi, &k, &v);
	if (*rc == MDB_NOTFOUND) {
		*rc = 0;
		return 0;
	}
	if (*rc != 0)
		return (size_t)-1;
	if (!rec_size_ok(v.mv_data, v.mv_size, g->gm.m)) {
		*rc = MDB_CORRUPTED;
		return (size_t)-1;
	}
	memcpy(buf, v.mv_data, v.mv_size);
	return v.mv_size;
}

static int
db_put(struct dbg *g, uint64_t slot, const unsigned char *rec, size_t size)
{
	MDB_val k = { sizeof(slot), &slot }, v = { size, (void *)rec };

	return mdb_put(g->txn, g->dbi, &k, &v, 0);
}

/* Appends v to the array *a of *n (room for *cap). */
static int
push64(uint64_t **a, size_t *n, size_t *cap, uint64_t v)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		uint64_t *p = realloc(*a, nc * sizeof(*p));

		if (p == NULL)
			return ENOMEM;
		*a = p;
		*cap = nc;
	}
	(*a)[(*n)++] = v;
	return 0;
}

/* Adds delta to slot's in-link count. */
static int
indeg_add(struct dbg *g, uint32_t slot, int delta)
{
	size_t size;
	uint32_t d;
	int rc;

	if ((size = db_get(g, slot, g->rec2, &rc)) == (size_t)-1)
		return rc;
	if (size == 0)
		return 0;	/* deleted in this transaction */
	d = rec_indeg(g->rec2);
	d = delta < 0 && d == 0 ? 0 : (uint32_t)((int64_t)d + delta);
	rec_set_head(g->rec2, rec_level(g->rec2), d);
	if ((rc = db_put(g, slot, g->rec2, size)) != 0)
		return rc;
	if (delta < 0 && !g->walk) {
		if (g->nlost < g->maxlost)
			rc = push64(&g->lost, &g->nlost, &g->caplost, slot);
		else
			g->walk = 1;
	}
	if (rc == 0 && d == 0 && (int64_t)slot != g->gm.entry)
		rc = push64(&g->orph, &g->norph, &g->caporph, slot);
	return rc;
}

/* Fills in the similarity of each of h[0..n) to e; sorts them best first. */
static int
db_rank(struct dbg *g, uint32_t e, struct hnsw_hit *h, size_t n)
{
	const float *ve = db_vec(g, e);
	float inv;
	size_t i;

	if (ve == NULL)
		return MDB_CORRUPTED;
	inv = inv_norm(ve, g->io.dims);
	for (i = 0; i < n; i++)
		h[i].sim = sim(&g->io, ve, inv, h[i].slot);
	qsort(h, n, sizeof(*h), hit_cmp);
	return 0;
}

/*
 * Writes out[0..k) as e's list on level l in place of old[0..nold),
 * keeping the in-link counts of the nodes gained and lost.
 */
static int
db_setlist(struct dbg *g, uint32_t e, unsigned l, const uint32_t *out,
    size_t k, const uint32_t *old, size_t nold)
{
	size_t i, j, size;
	int rc;

	if ((size = db_get(g, e, g->rec, &rc)) == (size_t)-1)
		return rc;
	if (size == 0)
		return MDB_CORRUPTED;
	size = rec_set_list(g->rec, g->gm.m, l, out, k);
	if ((rc = db_put(g, e, g->rec, size)) != 0)
		return rc;
	for (i = 0; i < k; i++) {
		for (j = 0; j < nold && old[j] != out[i]; j++)
			;
		if (j == nold && (rc = indeg_add(g, out[i], 1)) != 0)
			return rc;
	}
	for (j = 0; j < nold; j++) {
		for (i = 0; i < k && old[j] != out[i]; i++)
			;
		if (i == k && (rc = indeg_add(g, old[j], -1)) != 0)
			return rc;
	}
	return 0;
}

/*
 * Sets e's list on level l to the best of cands h[0..n) (unsorted; their
 * similarity to e filled here) by the heuristic, in place of old[0..nold).
 */
static int
db_relist(struct dbg *g, uint32_t e, unsigned l, struct hnsw_hit *h,
    size_t n, const uint32_t *old, size_t nold)
{
	uint32_t out[2 * HNSW_M_MAX];
	size_t k;
	int rc;

	if ((rc = db_rank(g, e, h, n)) != 0)
		return rc;
	k = select_heuristic(&g->io, h, n, HNSW_CAP(g->gm.m, l), out);
	return db_setlist(g, e, l, out, k, old, nold);
}

/*
 * Refills x's list on level l, which lost dead neighbours and keeps
 * old[0..nold): the candidates h[0..n) (none of them in old; their
 * similarity to x filled here) join it best first while the heuristic
 * takes them (none is more similar to a neighbour kept than to x) and
 * there is room.
 */
static int
db_refill(struct dbg *g, uint32_t x, unsigned l, struct hnsw_hit *h,
    size_t n, const uint32_t *old, size_t nold)
{
	unsigned cap = HNSW_CAP(g->gm.m, l);
	uint32_t out[2 * HNSW_M_MAX];
	size_t i, j, k = nold;
	int rc;

	if ((rc = db_rank(g, x, h, n)) != 0)
		return rc;
	memcpy(out, old, nold * sizeof(*out));
	for (i = 0; i < n && k < cap; i++) {
		const float *v = db_vec(g, h[i].slot);
		float iv;
		int good = 1;

		if (v == NULL)
			continue;
		iv = inv_norm(v, g->io.dims);
		for (j = 0; j < k && good; j++)
			if (sim(&g->io, v, iv, out[j]) > h[i].sim)
				good = 0;
		if (good)
			out[k++] = h[i].slot;
	}
	/* None taken and the list is empty: the best, so x keeps a way
	 * out. */
	if (k == 0 && n > 0)
		out[k++] = h[0].slot;
	return db_setlist(g, x, l, out, k, old, nold);
}

/* Adds the link e -> id on level l (pruning e's list when full). */
static int
db_connect(struct dbg *g, uint32_t e, uint32_t id, unsigned l)
{
	unsigned cap = HNSW_CAP(g->gm.m, l);
	struct hnsw_hit h[2 * HNSW_M_MAX + 1];
	uint32_t old[2 * HNSW_M_MAX];
	size_t size, i;
	int n, rc;

	if ((size = db_get(g, e, g->rec, &rc)) == (size_t)-1)
		return rc;
	if (size == 0)
		return MDB_CORRUPTED;
	if ((n = rec_list(g->rec, size, g->gm.m, l, old)) < 0)
		return MDB_CORRUPTED;
	for (i = 0; i < (size_t)n; i++)
		if (old[i] == id)
			return 0;
	if ((unsigned)n < cap) {
		old[n] = id;
		size = rec_set_list(g->rec, g->gm.m, l, old, (size_t)n + 1);
		if ((rc = db_put(g, e, g->rec, size)) != 0)
			return rc;
		return indeg_add(g, id, 1);
	}
	for (i = 0; i < (size_t)n; i++)
		h[i].slot = old[i];
	h[n].slot = id;
	return db_relist(g, e, l, h, (size_t)n + 1, old, (size_t)n);
}

struct db_ins {
	struct dbg *g;
	struct sctx *c;
	uint32_t sel[HNSW_MAX_LEVEL + 1][HNSW_M_MAX];
	size_t nsel[HNSW_MAX_LEVEL + 1];
	size_t size;		/* of the new node's record in g->rec */
};

/* db_insert()'s step on level l: the new node's links in g->rec. */
static int
db_level(void *arg, unsigned l, size_t n)
{
	struct db_ins *a = arg;
	struct dbg *g = a->g;

	a->nsel[l] = select_heuristic(&g->io, a->c->res, n, g->gm.m,
	    a->sel[l]);
	a->size = rec_set_list(g->rec, g->gm.m, l, a->sel[l], a->nsel[l]);
	return 0;
}

static int
db_insert(struct dbg *g, struct sctx *c, uint32_t slot, float *x)
{
	unsigned L = hnsw_level(g->gm.seed, g->gm.m, slot), top = g->gm.top, l;
	struct db_ins a;
	size_t i;
	const float *v = db_vec(g, slot);
	struct hnsw_hit ep;
	float invx;
	int rc;

	if (v == NULL)
		return MDB_CORRUPTED;
	memcpy(x, v, g->io.dims * sizeof(float));
	invx = inv_norm(x, g->io.dims);
	a.g = g;
	a.c = c;
	memset(a.nsel, 0, sizeof(a.nsel));
	a.size = HNSW_REC_BYTES(g->gm.m, L);
	memset(g->rec, 0, a.size);
	rec_set_head(g->rec, L, 0);
	if (g->gm.entry < 0) {
		g->gm.entry = slot;
		g->gm.top = L;
		return db_put(g, slot, g->rec, a.size);
	}
	ep.slot = (uint32_t)g->gm.entry;
	ep.sim = sim(&g->io, x, invx, ep.slot);
	if ((rc = descend(&g->io, c, x, invx, ep, top, L, g->gm.efc, db_level,
	    &a)) != 0 || (rc = db_put(g, slot, g->rec, a.size)) != 0)
		return rc;
	for (l = 0; l <= L && l <= top; l++)
		for (i = 0; i < a.nsel[l]; i++) {
			if ((rc = indeg_add(g, a.sel[l][i], 1)) != 0 ||
			    (rc = db_connect(g, a.sel[l][i], slot, l)) != 0)
				return rc;
		}
	if (L > top) {
		g->gm.entry = slot;
		g->gm.top = L;
	}
	return 0;
}

/* Node e's record into g->rec and its level-0 list into list; returns
 * their number, or -1 with *rc set (MDB_CORRUPTED when there is no such
 * record or it is malformed). */
static int
db_list0(struct dbg *g, uint32_t e, uint32_t *list, int *rc)
{
	size_t size;
	int cnt;

	if ((size = db_get(g, e, g->rec, rc)) == (size_t)-1)
		return -1;
	if (size == 0 || (cnt = rec_list(g->rec, size, g->gm.m, 0,
	    list)) < 0) {
		*rc = MDB_CORRUPTED;
		return -1;
	}
	return cnt;
}

/*
 * descend() from the entry point to node u's vector (copied to x: the walk
 * may move LMDB's pages) as a node of level L; returns what descend()
 * returns, or -2 when u has no vector.
 */
static int
db_descend(struct dbg *g, struct sctx *c, uint32_t u, float *x, unsigned L,
    int (*level)(void *, unsigned, size_t), void *arg)
{
	const float *v = db_vec(g, u);
	struct hnsw_hit ep;
	float invx;

	if (v == NULL)
		return -2;
	memcpy(x, v, g->io.dims * sizeof(float));
	invx = inv_norm(x, g->io.dims);
	ep.slot = (uint32_t)g->gm.entry;
	ep.sim = sim(&g->io, x, invx, ep.slot);
	return descend(&g->io, c, x, invx, ep, g->gm.top, L, g->gm.efc, level,
	    arg);
}

/* db_near0()'s step on level 0: the number of hits. */
static int
near0_level(void *arg, unsigned l, size_t n)
{
	(void)l;
	*(long *)arg = (long)n;
	return 0;
}

/*
 * Searches level 0 from the entry point for the nodes nearest to node u's
 * vector, ef_construction of them, into c->res; returns their number, -1
 * when out of memory, or -2 when u has no vector.
 */
static long
db_near0(struct dbg *g, struct sctx *c, uint32_t u, float *x)
{
	long n = 0;
	int rc = db_descend(g, c, u, x, 0, near0_level, &n);

	return rc == -2 ? -2 : rc != 0 ? -1 : n;
}

/* Gives a node without in-links one, from the nearest node with room on
 * level 0 (or, all full, in place of that node's most linked-to
 * neighbour). */
static int
db_adopt(struct dbg *g, struct sctx *c, uint32_t o, float *x)
{
	uint32_t list[2 * HNSW_M_MAX];
	size_t size, j;
	long n;
	int rc, cnt;

	if ((size = db_get(g, o, g->rec, &rc)) == (size_t)-1)
		return rc;
	if (size == 0 || rec_indeg(g->rec) > 0 || (int64_t)o == g->gm.entry ||
	    g->gm.entry < 0)
		return 0;
	if ((n = db_near0(g, c, o, x)) < 0)
		return n == -2 ? MDB_CORRUPTED : ENOMEM;
	for (j = 0; j < (size_t)n; j++) {
		uint32_t e = c->res[j].slot;

		if (e == o)
			continue;
		if ((cnt = db_list0(g, e, list, &rc)) < 0)
			return rc;
		if ((unsigned)cnt < 2 * g->gm.m) {
			list[cnt] = o;
			size = rec_set_list(g->rec, g->gm.m, 0, list,
			    (size_t)cnt + 1);
			if ((rc = db_put(g, e, g->rec, size)) != 0)
				return rc;
			return indeg_add(g, o, 1);
		}
	}
	for (j = 0; j < (size_t)n; j++) {
		uint32_t e = c->res[j].slot, best = 0, bd = 0;
		int i;

		if (e == o)
			continue;
		if ((cnt = db_list0(g, e, list, &rc)) < 0)
			return rc;
		for (i = 0; i < cnt; i++) {
			unsigned char r[4];
			MDB_val k, vv;
			uint64_t key = list[i];

			k.mv_size = sizeof(key);
			k.mv_data = &key;
			if (mdb_get(g->txn, g->dbi, &k, &vv) != 0 ||
			    vv.mv_size < 4)
				continue;
			memcpy(r, vv.mv_data, 4);
			if (rec_indeg(r) > bd) {
				bd = rec_indeg(r);
				best = (uint32_t)i;
			}
		}
		if (bd < 2)
			continue;
		if ((size = db_get(g, e, g->rec, &rc)) == (size_t)-1)
			return rc;
		{
			uint32_t lost = list[best];

			list[best] = o;
			size = rec_set_list(g->rec, g->gm.m, 0, list,
			    (size_t)cnt);
			if ((rc = db_put(g, e, g->rec, size)) != 0 ||
			    (rc = indeg_add(g, lost, -1)) != 0)
				return rc;
			return indeg_add(g, o, 1);
		}
	}
	return 0;
}

/* ------------------------------------------------- a transaction's delta */

struct hnsw_delta {
	uint64_t *add, *del;
	size_t nadd, ndel, capadd, capdel;
};

int
hnsw_delta_new(struct hnsw_delta **out)
{
	*out = calloc(1, sizeof(**out));
	return *out == NULL ? ENOMEM : 0;
}

void
hnsw_delta_free(struct hnsw_delta *d)
{
	if (d == NULL)
		return;
	free(d->add);
	free(d->del);
	free(d);
}

int
hnsw_delta_add(struct hnsw_delta *d, uint64_t slot)
{
	return push64(&d->add, &d->nadd, &d->capadd, slot);
}

int
hnsw_delta_del(struct hnsw_delta *d, uint64_t slot)
{
	return push64(&d->del, &d->ndel, &d->capdel, slot);
}

static int
u64_cmp(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return a < b ? -1 : a > b;
}

static size_t
sort_unique(uint64_t *a, size_t n)
{
	size_t i, o = 0;

	if (n == 0)
		return 0;
	qsort(a, n, sizeof(*a), u64_cmp);
	for (i = 0; i < n; i++)
		if (o == 0 || a[o - 1] != a[i])
			a[o++] = a[i];
	return o;
}

static int
in_sorted(const uint64_t *a, size_t n, uint64_t v)
{
	return n > 0 && bsearch(&v, a, n, sizeof(*a), u64_cmp) != NULL;
}

/*
 * Removes the nodes dead[0..n) (sorted): each node that links to one gets
 * its list on that level re-selected from its other neighbours and the
 * dead node's (hnswlib's repair); every record is read once to find them.
 */
struct near {
	struct sctx *c;
	uint64_t **a;
	size_t *n, *cap;
};

/* near_fix()'s step on each level of a dead node's descent: the hits. */
static int
near_level(void *arg, unsigned l, size_t n)
{
	struct near *a = arg;
	size_t j;
	int rc;

	(void)l;
	for (j = 0; j < n; j++)
		if ((rc = push64(a->a, a->n, a->cap, a->c->res[j].slot)) != 0)
			return rc;
	return 0;
}

/*
 * Takes off need[] the lists of record r (size bytes) that name one of the
 * n dead nodes, and with other, appends the nodes it names that are not
 * dead to it.  Returns how many lists name one, -1 when r is malformed or
 * names a dead node more often than need[] allows, or ENOMEM negated.
 */
static long
name_dead(const struct dbg *g, const unsigned char *r, size_t size,
    const uint64_t *dead, size_t n, uint32_t *need, struct near *other)
{
	uint32_t list[2 * HNSW_M_MAX];
	unsigned l;
	long hits = 0;
	int cnt, j;

	for (l = 0; l <= rec_level(r); l++) {
		if ((cnt = rec_list(r, size, g->gm.m, l, list)) < 0)
			return -1;
		for (j = 0; j < cnt; j++) {
			const uint64_t s = list[j], *p = bsearch(&s, dead, n,
			    sizeof(*dead), u64_cmp);

			if (p == NULL) {
				if (other != NULL && push64(other->a, other->n,
				    other->cap, s) != 0)
					return -ENOMEM;
			} else if (need[p - dead]-- == 0)
				return -1;
			else
				hits++;
		}
	}
	return hits;
}

/*
 * The nodes whose lists name one of the n dead nodes (their records, gone
 * from the graph, in drec), into *fix in slot order, found without reading
 * every record: among the dead nodes' own neighbours and the nodes that a
 * descent to each dead node's vector meets on its levels.  The find is
 * complete when, for every dead node, the lists found naming it are as
 * many as its in-link count says, less those of the dead themselves.
 * Returns 0 when complete, 1 when every record must be read instead (not
 * complete, too many dead for searches to be cheaper, no entry point or a
 * vector gone), or an error.
 */
static int
near_fix(struct dbg *g, struct sctx *c, float *x, const uint64_t *dead,
    size_t n, unsigned char *const *drec, const size_t *dsize,
    uint64_t **fix, size_t *nfix, size_t *capfix)
{
	uint64_t *cand = NULL;
	size_t ncand = 0, capcand = 0, i, size;
	uint32_t *need = NULL;
	struct near a = { c, &cand, &ncand, &capcand };
	long hits = 0;
	int rc = 0;

	if (g->gm.entry < 0 || n * 16 > g->maxlost)
		return 1;
	if ((need = calloc(n, sizeof(*need))) == NULL)
		return ENOMEM;
	for (i = 0; i < n; i++)
		if (drec[i] != NULL)
			need[i] = rec_indeg(drec[i]);
	for (i = 0; i < n && hits >= 0 && rc == 0; i++)
		if (drec[i] != NULL && (hits = name_dead(g, drec[i], dsize[i],
		    dead, n, need, &a)) >= 0)
			rc = db_descend(g, c, (uint32_t)dead[i], x,
			    rec_level(drec[i]), near_level, &a);
	ncand = sort_unique(cand, ncand);
	for (i = 0; i < ncand && hits >= 0 && rc == 0; i++) {
		if (in_sorted(dead, n, cand[i]))
			continue;
		if ((size = db_get(g, cand[i], g->rec, &rc)) == (size_t)-1 ||
		    size == 0)
			continue;
		if ((hits = name_dead(g, g->rec, size, dead, n, need,
		    NULL)) > 0)
			rc = push64(fix, nfix, capfix, cand[i]);
	}
	if (hits == -ENOMEM || rc == ENOMEM)
		rc = ENOMEM;
	else if (rc == 0 && hits >= 0) {
		for (i = 0; i < n && need[i] == 0; i++)
			;
		rc = i < n;
	} else if (rc == 0 || rc == -2)
		rc = 1;		/* malformed, named too often, no vector */
	if (rc != 0)
		*nfix = 0;
	free(cand);
	free(need);
	return rc;
}

static int
db_delete(struct dbg *g, struct sctx *c, float *x, const uint64_t *dead,
    size_t n)
{
	unsigned char **drec = NULL;
	size_t *dsize = NULL;
	uint64_t *fix = NULL, best = UINT64_MAX;
	size_t nfix = 0, capfix = 0, i, j, size;
	unsigned bestl = 0, l;
	struct hnsw_hit *h = NULL;
	size_t caph = 0;
	uint32_t list[2 * HNSW_M_MAX], dl[2 * HNSW_M_MAX];
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc = 0, cnt, dc;

	if ((drec = calloc(n, sizeof(*drec))) == NULL ||
	    (dsize = calloc(n, sizeof(*dsize))) == NULL) {
		rc = ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((size = db_get(g, dead[i], g->rec, &rc)) == (size_t)-1)
			goto out;
		if (size == 0)
			continue;
		if ((drec[i] = malloc(size)) == NULL) {
			rc = ENOMEM;
			goto out;
		}
		memcpy(drec[i], g->rec, size);
		dsize[i] = size;
		k.mv_size = sizeof(uint64_t);
		k.mv_data = (void *)&dead[i];
		if ((rc = mdb_del(g->txn, g->dbi, &k, NULL)) != 0)
			goto out;
		if ((int64_t)dead[i] == g->gm.entry)
			g->gm.entry = -1;
	}
	/* The nodes that link to a dead one: found near them, else (and for
	 * a new entry point) by reading every record. */
	if ((rc = near_fix(g, c, x, dead, n, drec, dsize, &fix, &nfix,
	    &capfix)) != 1)
		goto unlink;
	g->scanned = 1;
	if ((rc = mdb_cursor_open(g->txn, g->dbi, &cur)) != 0)
		goto out;
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		uint64_t slot;
		int hit = 0;

		if (k.mv_size != sizeof(slot) || v.mv_size < 4) {
			rc = MDB_CORRUPTED;
			goto out;
		}
		memcpy(&slot, k.mv_data, sizeof(slot));
		l = rec_level(v.mv_data);
		if (best == UINT64_MAX || l > bestl) {
			best = slot;
			bestl = l;
		}
		for (l = 0; l <= rec_level(v.mv_data) && !hit; l++) {
			if ((cnt = rec_list(v.mv_data, v.mv_size, g->gm.m, l,
			    list)) < 0) {
				rc = MDB_CORRUPTED;
				goto out;
			}
			for (j = 0; j < (size_t)cnt && !hit; j++)
				hit = in_sorted(dead, n, list[j]);
		}
		if (hit && (rc = push64(&fix, &nfix, &capfix, slot)) != 0)
			goto out;
	}
	mdb_cursor_close(cur);
	cur = NULL;
	if (rc != MDB_NOTFOUND)
		goto out;
	rc = 0;
	if (g->gm.entry < 0 && best != UINT64_MAX) {
		g->gm.entry = (int64_t)best;
		g->gm.top = bestl;
	}
	if (g->gm.entry < 0)
		g->gm.top = 0;
unlink:
	if (rc != 0)
		goto out;
	/* The dead nodes' links no longer count. */
	for (i = 0; i < n; i++) {
		if (drec[i] == NULL)
			continue;
		for (l = 0; l <= rec_level(drec[i]); l++) {
			cnt = rec_list(drec[i], dsize[i], g->gm.m, l, list);
			for (j = 0; j < (size_t)(cnt > 0 ? cnt : 0); j++)
				if (!in_sorted(dead, n, list[j]) &&
				    (rc = indeg_add(g, list[j], -1)) != 0)
					goto out;
		}
	}
	for (i = 0; i < nfix; i++) {
		unsigned level;

		if ((size = db_get(g, fix[i], g->rec, &rc)) == (size_t)-1)
			goto out;
		level = rec_level(g->rec);
		for (l = 0; l <= level; l++) {
			size_t nh = 0, nold = 0, d;
			uint32_t old[2 * HNSW_M_MAX];
			int any = 0;

			if ((size = db_get(g, fix[i], g->rec, &rc)) ==
			    (size_t)-1)
				goto out;
			if ((cnt = rec_list(g->rec, size, g->gm.m, l,
			    list)) < 0) {
				rc = MDB_CORRUPTED;
				goto out;
			}
			for (j = 0; j < (size_t)cnt; j++)
				any |= in_sorted(dead, n, list[j]);
			if (!any)
				continue;
			if ((rc = grow(&h, &caph, (size_t)cnt)) != 0)
				goto out;
			for (j = 0; j < (size_t)cnt; j++)
				if (!in_sorted(dead, n, list[j]))
					old[nold++] = list[j];
			for (j = 0; j < (size_t)cnt; j++) {
				uint64_t s = list[j];
				const uint64_t *p;

				if (!in_sorted(dead, n, s))
					continue;
				p = bsearch(&s, dead, n, sizeof(*dead),
				    u64_cmp);
				d = (size_t)(p - dead);
				if (drec[d] == NULL ||
				    (dc = rec_list(drec[d], dsize[d], g->gm.m,
				    l, dl)) < 0)
					continue;
				if ((rc = grow(&h, &caph, nh + (size_t)dc +
				    (size_t)cnt)) != 0)
					goto out;
				for (d = 0; d < (size_t)dc; d++) {
					size_t e;

					if (dl[d] == fix[i] ||
					    in_sorted(dead, n, dl[d]))
						continue;
					for (e = 0; e < nold &&
					    old[e] != dl[d]; e++)
						;
					if (e < nold)
						continue;
					for (e = 0; e < nh &&
					    h[e].slot != dl[d]; e++)
						;
					if (e == nh)
						h[nh++].slot = dl[d];
				}
			}
			/* The dead are dropped from the list: their
			 * links were uncounted above. */
			if ((rc = db_refill(g, (uint32_t)fix[i], l, h, nh,
			    old, nold)) != 0)
				goto out;
		}
	}
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	for (i = 0; drec != NULL && i < n; i++)
		free(drec[i]);
	free(drec);
	free(dsize);
	free(fix);
	free(h);
	return rc;
}

static int
db_open(struct dbg *g, quarry_store *st, MDB_txn *txn, uint64_t nslots)
{
	int rc;

	memset(g, 0, sizeof(*g));
	g->st = st;
	g->txn = txn;
	g->dbi = st->dbi[DB_HNSW];
	g->B = st->block_slots;
	g->nslots = nslots;
	g->maxlost = (size_t)(nslots / 256) + 64;
	if ((rc = store_hnsw_meta(st, txn, &g->gm)) < 0)
		return MDB_CORRUPTED;
	g->io.arg = g;
	g->io.m = g->gm.m;
	g->io.dims = st->dims;
	g->io.links = db_links;
	g->io.vec = db_vec;
	if ((g->rec = malloc(HNSW_REC_BYTES(HNSW_M_MAX, HNSW_MAX_LEVEL))) ==
	    NULL || (g->rec2 = malloc(HNSW_REC_BYTES(HNSW_M_MAX,
	    HNSW_MAX_LEVEL))) == NULL)
		return ENOMEM;
	return 0;
}

static void
db_close(struct dbg *g)
{
	free(g->rec);
	free(g->rec2);
	free(g->orph);
	free(g->lost);
}

/*
 * Makes every node reachable from the entry point again: a walk over all
 * levels from it, then for each node it missed, in slot order, a level-0
 * link from the nearest reached node with room (found by a search from the
 * entry point, which only meets reached nodes); when all are full, the
 * nearest gives up its last link, and the missed node links to that one
 * instead, so that it stays reached.  The walk goes on from the node, so
 * each repair reaches at least one more node and none reached is lost.
 */
static int
db_reach(struct dbg *g, struct sctx *c, float *x)
{
	uint32_t list[2 * HNSW_M_MAX], ul[2 * HNSW_M_MAX];
	unsigned char *seen = NULL;
	uint32_t *stack = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	size_t ns = 0, size, usize, j;
	uint64_t key;
	int rc = 0, cnt, ucnt;
	unsigned l;

	if (g->gm.entry < 0)
		return 0;
	if ((seen = calloc(g->nslots, 1)) == NULL ||
	    (stack = malloc(g->nslots * sizeof(*stack))) == NULL) {
		rc = ENOMEM;
		goto out;
	}
	seen[g->gm.entry] = 1;
	stack[ns++] = (uint32_t)g->gm.entry;
	if ((rc = mdb_cursor_open(g->txn, g->dbi, &cur)) != 0)
		goto out;
	for (;;) {
		while (ns > 0) {
			uint32_t y = stack[--ns];

			key = y;
			k.mv_size = sizeof(key);
			k.mv_data = &key;
			if ((rc = mdb_get(g->txn, g->dbi, &k, &v)) != 0) {
				if (rc != MDB_NOTFOUND)
					goto out;
				rc = 0;
				continue;
			}
			for (l = 0; l <= rec_level(v.mv_data); l++) {
				if ((cnt = rec_list(v.mv_data, v.mv_size,
				    g->gm.m, l, list)) < 0) {
					rc = MDB_CORRUPTED;
					goto out;
				}
				for (j = 0; j < (size_t)cnt; j++)
					if (list[j] < g->nslots &&
					    !seen[list[j]]) {
						seen[list[j]] = 1;
						stack[ns++] = list[j];
					}
			}
		}
		/* The next node not reached, in slot order. */
		for (;;) {
			if ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) != 0)
				break;
			memcpy(&key, k.mv_data, sizeof(key));
			if (key < g->nslots && !seen[key])
				break;
		}
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			break;
		}
		if (rc != 0)
			goto out;
		{
			uint32_t u = (uint32_t)key, e = 0, lost;
			long n;
			int found = 0;

			if ((n = db_near0(g, c, u, x)) < 0) {
				rc = n == -2 ? MDB_CORRUPTED : ENOMEM;
				goto out;
			}
			for (j = 0; j < (size_t)n && !found; j++) {
				e = c->res[j].slot;
				if (e == u || !seen[e])
					continue;
				if ((cnt = db_list0(g, e, list, &rc)) < 0)
					goto out;
				if ((unsigned)cnt < 2 * g->gm.m)
					found = 1;
			}
			/* All full (or nothing found): the entry point's
			 * nearest, else the entry point. */
			if (!found && (cnt = db_list0(g, e = n > 0 &&
			    c->res[0].slot != u && seen[c->res[0].slot] ?
			    c->res[0].slot : (uint32_t)g->gm.entry, list,
			    &rc)) < 0)
				goto out;
			if ((unsigned)cnt < 2 * g->gm.m) {
				list[cnt++] = u;
				lost = u;
			} else {
				lost = list[cnt - 1];
				list[cnt - 1] = u;
			}
			size = rec_set_list(g->rec, g->gm.m, 0, list,
			    (size_t)cnt);
			if ((rc = db_put(g, e, g->rec, size)) != 0 ||
			    (rc = indeg_add(g, u, 1)) != 0)
				goto out;
			if (lost != u) {
				/* u links to the node e gave up. */
				if ((ucnt = db_list0(g, u, ul, &rc)) < 0)
					goto out;
				for (j = 0; j < (size_t)ucnt && ul[j] != lost;
				    j++)
					;
				if (j == (size_t)ucnt) {
					uint32_t gone = lost;

					if ((unsigned)ucnt < 2 * g->gm.m)
						ul[ucnt++] = lost;
					else {
						gone = ul[ucnt - 1];
						ul[ucnt - 1] = lost;
					}
					usize = rec_set_list(g->rec, g->gm.m,
					    0, ul, (size_t)ucnt);
					if ((rc = db_put(g, u, g->rec,
					    usize)) != 0)
						goto out;
					if (gone != lost &&
					    (rc = indeg_add(g, gone, -1)) != 0)
						goto out;
				} else if ((rc = indeg_add(g, lost, -1)) != 0)
					goto out;
			}
			seen[u] = 1;
			stack[ns++] = u;
		}
	}
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	free(seen);
	free(stack);
	return rc;
}

#define BATCH_MIN 64	/* new nodes for batch_insert() (below) */
static int batch_insert(struct dbg *g, quarry_store *st,
    const uint64_t *add, size_t nadd, const uint64_t *del, size_t ndel);

/*
 * Whether the new node u (its record urec) is linked on level 0 from a
 * node that is not new in this transaction: 1, 0, or -1 (*rc set).
 */
static int
linked_from_old(struct dbg *g, uint32_t u, const unsigned char *urec,
    size_t usize, const uint64_t *add, size_t nadd, int *rc)
{
	uint32_t list[2 * HNSW_M_MAX], pl[2 * HNSW_M_MAX];
	int cnt, pc, j, k;

	if ((cnt = rec_list(urec, usize, g->gm.m, 0, list)) < 0) {
		*rc = MDB_CORRUPTED;
		return -1;
	}
	for (j = 0; j < cnt; j++) {
		uint64_t p = list[j];
		MDB_val kk = { sizeof(p), &p }, v;

		if (in_sorted(add, nadd, p))
			continue;
		if ((*rc = mdb_get(g->txn, g->dbi, &kk, &v)) != 0) {
			if (*rc != MDB_NOTFOUND)
				return -1;
			*rc = 0;
			continue;
		}
		if (!rec_size_ok(v.mv_data, v.mv_size, g->gm.m) ||
		    (pc = rec_list(v.mv_data, v.mv_size, g->gm.m, 0, pl)) < 0) {
			*rc = MDB_CORRUPTED;
			return -1;
		}
		for (k = 0; k < pc; k++)
			if (pl[k] == u)
				return 1;
	}
	return 0;
}

/*
 * Whether every node is still reachable from the entry point, proved
 * without walking the graph: it was before the transaction, so a node
 * that no longer is must have lost a link on every path to it, and the
 * last link lost on such a path went into a node that lost an in-link
 * (in g->lost, out-neighbours of the deleted included) and would not be
 * reachable either; new nodes had no path before.  So when the entry point
 * is the one the transaction began with, it is enough that each of those
 * is found by a search for its own vector from the entry point, which
 * follows links only; the nodes that were there before first, since once
 * they are all reachable, a new node that one of them lists on level 0 is
 * too (linked_from_old()), with no search.  A search costs about as much as walking a few
 * hundred nodes, so there is a bound on how many (g->maxlost, set by
 * db_open()).  Returns 1 when proved, 0 when the walk must decide, or an
 * error.  A transaction whose deletion read every record anyway
 * (db_delete()) walks; so a node that a write from outside cut off is
 * linked again by the next large deletion (or a rebuild).
 */
static int
db_reached(struct dbg *g, struct sctx *c, float *x, int64_t entry0,
    const uint64_t *add, size_t nadd)
{
	size_t i, j, size;
	long n;
	int rc, pass, isnew;

	if (g->walk || g->gm.entry != entry0 || entry0 < 0 ||
	    g->nlost + nadd > g->maxlost)
		return 0;
	for (i = 0; i < nadd; i++)
		if ((rc = push64(&g->lost, &g->nlost, &g->caplost,
		    add[i])) != 0)
			return rc;
	g->nlost = sort_unique(g->lost, g->nlost);
	/* The nodes that were there before first: once they are proved, a
	 * new node linked from one of them is reached through it. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < g->nlost; i++) {
			uint32_t u = (uint32_t)g->lost[i];

			isnew = in_sorted(add, nadd, u);
			if (isnew != pass || (int64_t)u == entry0)
				continue;
			if ((size = db_get(g, u, g->rec2, &rc)) == (size_t)-1)
				return rc;
			if (size == 0)
				continue;	/* deleted, or added and gone */
			if (isnew) {
				int r = linked_from_old(g, u, g->rec2, size,
				    add, nadd, &rc);

				if (r < 0)
					return rc;
				if (r > 0)
					continue;
			}
			if ((n = db_near0(g, c, u, x)) < 0)
				return n == -2 ? MDB_CORRUPTED : ENOMEM;
			for (j = 0; j < (size_t)n && c->res[j].slot != u; j++)
				;
			if (j == (size_t)n)
				return 0;
		}
	return 1;
}

int
store_hnsw_apply(quarry_store *st, MDB_txn *txn, struct hnsw_delta *d,
    uint64_t next_slot)
{
	struct dbg g;
	struct sctx c;
	float *x = NULL;
	size_t i, nadd, ndel;
	int64_t entry0;
	int rc;

	if (d == NULL || (d->nadd == 0 && d->ndel == 0))
		return 0;
	if (next_slot > UINT32_MAX)
		return MDB_BAD_VALSIZE;
	nadd = sort_unique(d->add, d->nadd);
	ndel = sort_unique(d->del, d->ndel);
	memset(&c, 0, sizeof(c));
	if ((rc = db_open(&g, st, txn, next_slot)) != 0)
		goto out;
	entry0 = g.gm.entry;
	if ((rc = sctx_init(&c, (size_t)next_slot)) != 0 ||
	    (x = malloc(st->dims * sizeof(float))) == NULL) {
		rc = ENOMEM;
		goto out;
	}
	if (ndel > 0 && (rc = db_delete(&g, &c, x, d->del, ndel)) != 0)
		goto out;
	/* Many at once, else (or when the committed graph cannot serve) one
	 * at a time. */
	rc = nadd >= BATCH_MIN && g.gm.entry >= 0 ? batch_insert(&g, st,
	    d->add, nadd, d->del, ndel) : 1;
	if (rc != 0 && rc != 1)
		goto out;
	for (i = 0; rc == 1 && i < nadd; i++) {
		if (in_sorted(d->del, ndel, d->add[i]))
			continue;	/* added and gone again */
		if ((rc = db_insert(&g, &c, (uint32_t)d->add[i], x)) != 0)
			goto out;
		rc = 1;
	}
	rc = 0;
	for (i = 0; i < g.norph; i++)
		if ((rc = db_adopt(&g, &c, (uint32_t)g.orph[i], x)) != 0)
			goto out;
	/* A new node whose neighbours all pruned their link back to it is
	 * linked from the nearest node with room, as the walk would. */
	for (i = 0; i < nadd; i++)
		if (!in_sorted(d->del, ndel, d->add[i]) &&
		    (rc = db_adopt(&g, &c, (uint32_t)d->add[i], x)) != 0)
			goto out;
	/* In-links do not make a node reachable (a few nodes may link only
	 * to each other): the searches prove it, else the walk makes sure. */
	if ((rc = g.scanned ? 0 : db_reached(&g, &c, x, entry0, d->add,
	    nadd)) < 0 ||
	    (rc == 0 && (rc = db_reach(&g, &c, x)) != 0))
		goto out;
	rc = write_meta(st, txn, &g.gm);
out:
	db_close(&g);
	sctx_free(&c);
	free(x);
	return rc;
}

/* ------------------------------------------------------- the full build */

/* Adds a block's live slots to the graph's arrays (store_each_block()). */
static int
collect_block(quarry_store *st, MDB_txn *txn, size_t block, const float *vecs,
    const uint64_t *live, void *arg)
{
	struct mem *g = arg;
	size_t i;

	(void)txn;
	for (i = 0; i < st->block_slots; i++) {
		uint64_t w;

		memcpy(&w, live + i / 64, sizeof(w));
		if (!(w >> (i % 64) & 1))
			continue;
		if (g->n == g->cap) {
			size_t nc = g->cap ? g->cap * 2 : 4096;
			const float **nv = realloc(g->vecs, nc * sizeof(*nv));
			uint64_t *ns;

			if (nv == NULL)
				return ENOMEM;
			g->vecs = nv;
			if ((ns = realloc(g->slots, nc * sizeof(*ns))) == NULL)
				return ENOMEM;
			g->slots = ns;
			g->cap = nc;
		}
		g->vecs[g->n] = vecs + i * st->dims;
		g->slots[g->n++] = block * st->block_slots + i;
	}
	return 0;
}

/* Builds the graph of the live slots in memory with threads. */
static int
build(quarry_store *st, MDB_txn *txn, struct mem *g, unsigned m,
    unsigned efc, uint64_t seed, unsigned threads)
{
	pthread_t *tids = NULL;
	size_t i;
	unsigned t, started;
	int rc;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < MEM_LOCKS; i++)
		pthread_mutex_init(&g->locks[i], NULL);
	pthread_mutex_init(&g->glock, NULL);
	g->m = m;
	g->efc = efc;
	g->entry = -1;
	if ((rc = store_each_block(st, txn, collect_block, g)) != 0)
		return rc;
	if (g->n > 0 && g->slots[g->n - 1] > UINT32_MAX)
		return MDB_BAD_VALSIZE;
	if ((g->invs = malloc((g->n + 1) * sizeof(float))) == NULL ||
	    (g->level = malloc(g->n + 1)) == NULL ||
	    (g->l0 = calloc(g->n + 1, (1 + 2 * (size_t)m) *
	    sizeof(uint32_t))) == NULL ||
	    (g->up = calloc(g->n + 1, sizeof(*g->up))) == NULL)
		return ENOMEM;
	for (i = 0; i < g->n; i++) {
		g->invs[i] = inv_norm(g->vecs[i], st->dims);
		g->level[i] = (unsigned char)hnsw_level(seed, m, g->slots[i]);
		if (g->level[i] > 0 && (g->up[i] = calloc(g->level[i],
		    (1 + (size_t)m) * sizeof(uint32_t))) == NULL)
			return ENOMEM;
	}
	g->io.arg = g;
	g->io.m = m;
	g->io.dims = st->dims;
	g->io.links = mem_links;
	g->io.vec = mem_vec;
	g->io.invs = g->invs;
	if (threads < 1)
		threads = 1;
	if (threads > 1 && (tids = calloc(threads, sizeof(*tids))) == NULL)
		threads = 1;
	for (started = 1; started < threads; started++)
		if (thread_start(&tids[started], mem_worker, g) != 0)
			break;
	mem_worker(g);
	for (t = 1; t < started; t++)
		pthread_join(tids[t], NULL);
	free(tids);
	if (g->fail)
		return g->fail;
	{
		struct sctx c;

		if (sctx_init(&c, g->n) != 0)
			return ENOMEM;
		mem_reach(g, &c);
		sctx_free(&c);
	}
	return 0;
}

/* Writes the graph built in memory to the (empty) hnsw database. */
static int
write_out(quarry_store *st, MDB_txn *txn, struct mem *g, unsigned m,
    unsigned efc, uint64_t seed)
{
	struct hnsw_meta gm;
	uint32_t *indeg, list[2 * HNSW_M_MAX];
	size_t i, j;
	unsigned l;
	int rc = 0;

	if ((indeg = calloc(g->n + 1, sizeof(*indeg))) == NULL)
		return ENOMEM;
	for (i = 0; i < g->n; i++)
		for (l = 0; l <= g->level[i]; l++) {
			uint32_t *p = mem_list(g, (uint32_t)i, l);

			for (j = 0; j < p[0]; j++)
				indeg[p[1 + j]]++;
		}
	for (i = 0; i < g->n && rc == 0; i++) {
		uint64_t slot = g->slots[i];
		MDB_val k = { sizeof(slot), &slot }, v;

		v.mv_size = g->level[i] > 0 ? HNSW_REC_BYTES(m, g->level[i]) :
		    8 + 4 * (size_t)mem_list(g, (uint32_t)i, 0)[0];
		if ((rc = mdb_put(txn, st->dbi[DB_HNSW], &k, &v,
		    MDB_APPEND | MDB_RESERVE)) != 0)
			break;
		memset(v.mv_data, 0, v.mv_size);
		rec_set_head(v.mv_data, g->level[i], indeg[i]);
		for (l = 0; l <= g->level[i]; l++) {
			uint32_t *p = mem_list(g, (uint32_t)i, l);

			for (j = 0; j < p[0]; j++)
				list[j] = (uint32_t)g->slots[p[1 + j]];
			rec_set_list(v.mv_data, m, l, list, p[0]);
		}
	}
	free(indeg);
	if (rc != 0)
		return rc;
	gm.m = m;
	gm.efc = efc;
	gm.seed = seed;
	gm.entry = g->entry < 0 ? -1 : (int64_t)g->slots[g->entry];
	gm.top = g->entry < 0 ? 0 : g->top;
	return write_meta(st, txn, &gm);
}

static int
drop_graph(quarry_store *st, MDB_txn *txn, int keep_db)
{
	size_t i;
	int rc;

	if (st->hnswdb &&
	    (rc = mdb_drop(txn, st->dbi[DB_HNSW], keep_db ? 0 : 1)) != 0)
		return rc;
	for (i = 0; i < sizeof(meta_keys) / sizeof(meta_keys[0]); i++)
		if ((rc = meta_del(txn, st->dbi[DB_META], meta_keys[i])) != 0)
			return rc;
	return 0;
}

struct graph_arg {
	const quarry_graph_options *o;
	unsigned m, efc;
	int on, built, hasdb;
	struct mem g;
};

/* quarry_store_graph()'s transaction (store_write_txn() replays it on a
 * full map; the graph is built once). */
static int
graph_txn(quarry_store *st, MDB_txn *txn, void *arg)
{
	struct graph_arg *a = arg;
	int rc;

	if ((rc = store_load_meta(st, txn)) != 0)
		return rc;
	if (a->on && st->dims == 0)
		return store_fail(st, QUARRY_EINVAL, "%s: no vectors to link "
		    "yet (index documents first)", st->path);
	a->hasdb = st->hnswdb;
	rc = drop_graph(st, txn, a->on);
	if (rc == 0 && a->on && !st->hnswdb) {
		rc = mdb_dbi_open(txn, "hnsw", MDB_CREATE | MDB_INTEGERKEY,
		    &st->dbi[DB_HNSW]);
		a->hasdb = 1;
	} else if (!a->on)
		a->hasdb = 0;
	if (rc == 0 && a->on && !a->built) {
		rc = build(st, txn, &a->g, a->m, a->efc, a->o->seed,
		    a->o->threads);
		a->built = rc == 0;
	}
	if (rc == 0 && a->on)
		rc = write_out(st, txn, &a->g, a->m, a->efc, a->o->seed);
	if (rc == 0)
		rc = store_upgrade(st, txn);
	return rc;
}

int
quarry_store_graph(quarry_store *st, const char *kind,
    const quarry_graph_options *o, uint64_t *nodes)
{
	quarry_graph_options def = { 0 };
	struct graph_arg a;
	int rc;

	qerr_clear(&st->err);
	memset(&a, 0, sizeof(a));
	if (nodes != NULL)
		*nodes = 0;
	a.o = o != NULL ? o : &def;
	a.m = a.o->m ? a.o->m : HNSW_M_DEFAULT;
	a.efc = a.o->ef_construction ? a.o->ef_construction :
	    HNSW_EFC_DEFAULT;
	if (strcmp(kind, "hnsw") == 0)
		a.on = 1;
	else if (strcmp(kind, "none") != 0)
		return store_fail(st, QUARRY_EINVAL,
		    "unknown graph \"%s\" (hnsw or none)", kind);
	if (a.m < 2 || a.m > HNSW_M_MAX)
		return store_fail(st, QUARRY_EINVAL,
		    "the graph's M must be 2 to %d", HNSW_M_MAX);
	if (a.efc > 100000)
		return store_fail(st, QUARRY_EINVAL,
		    "the graph's ef_construction must be 1 to 100000");
	if ((rc = store_rewrite_begin(st)) != 0)
		return rc;
	rc = store_write_txn(st, graph_txn, &a);
	if (rc == 0) {
		store_log_committed(st);
		st->hnswdb = a.hasdb;
		st->graph = a.on;
		if (nodes != NULL)
			*nodes = a.g.n;
	}
	mem_free(&a.g);
	if (rc < 0)
		return rc;	/* its message set */
	if (rc != 0) {
		MDB_txn *r;

		rc = rc == MDB_BAD_VALSIZE ? store_fail(st, QUARRY_EINVAL,
		    "%s: the graph takes slots below 2^32 only", st->path) :
		    store_mdb_fail(st, rc, "cannot build the graph");
		if (store_read_begin(st, &r) == 0) {
			store_load_meta(st, r);
			store_read_end(st);
		}
	}
	return rc;
}

/* ------------------------------------------------------------ the reader */

struct hnsw_reader {
	struct gio io;
	struct sctx c;
	MDB_txn *txn;
	MDB_dbi dbi;
	struct hnsw_meta gm;
	const float *(*vec)(void *, uint32_t);
	void *varg;
	/* Where each node's record is in the map, by slot, filled as the
	 * walks meet them (NULL: not looked up yet): the reader's snapshot
	 * keeps the pages in place, so a node costs one B-tree lookup per
	 * reader, not one per visit.  NULL when there was no memory for it. */
	const unsigned char **recp;
};

static const uint32_t *
rd_links(void *arg, uint32_t slot, unsigned l, uint32_t *buf, unsigned *n)
{
	struct hnsw_reader *r = arg;

	return txn_links(r->txn, r->dbi, r->gm.m, r->recp, r->c.nid, slot, l,
	    buf, n);
}

static const float *
rd_vec(void *arg, uint32_t slot)
{
	struct hnsw_reader *r = arg;

	return r->vec(r->varg, slot);
}

int
hnsw_reader_new(quarry_store *st, MDB_txn *txn, uint64_t nslots,
    size_t dims, const float *(*vec)(void *, uint32_t), void *arg,
    struct hnsw_reader **out)
{
	struct hnsw_reader *r;
	int rc;

	*out = NULL;
	if (!st->hnswdb)
		return 0;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return QUARRY_ENOMEM;
	if ((rc = store_hnsw_meta(st, txn, &r->gm)) <= 0) {
		free(r);
		return rc;
	}
	r->txn = txn;
	r->dbi = st->dbi[DB_HNSW];
	r->vec = vec;
	r->varg = arg;
	r->io.arg = r;
	r->io.m = r->gm.m;
	r->io.dims = dims;
	r->io.links = rd_links;
	r->io.vec = rd_vec;
	if (sctx_init(&r->c, (size_t)(nslots > UINT32_MAX ? UINT32_MAX :
	    nslots)) != 0) {
		free(r);
		return QUARRY_ENOMEM;
	}
	/* Pages of it are only touched (and so only resident) where the
	 * walks go; without it, every visit looks the record up. */
	r->recp = calloc(r->c.nid, sizeof(*r->recp));
	*out = r;
	return 0;
}

void
hnsw_reader_free(struct hnsw_reader *r)
{
	if (r == NULL)
		return;
	sctx_free(&r->c);
	free(r->recp);
	free(r);
}

int
hnsw_reader_usable(const struct hnsw_reader *r)
{
	return r != NULL && r->gm.entry >= 0 && (uint64_t)r->gm.entry <
	    r->c.nid;
}

struct accept_arg {
	int (*accept)(void *, uint32_t);
	void *arg;
};

long
hnsw_search(struct hnsw_reader *r, const float *q, size_t ef,
    int (*accept)(void *, uint32_t), struct hnsw_hit *out,
    uint64_t *visited)
{
	struct hnsw_hit ep;
	long n;

	if (!hnsw_reader_usable(r))
		return 0;
	r->c.visited = 0;
	ep.slot = (uint32_t)r->gm.entry;
	ep.sim = sim(&r->io, q, 1.0f, ep.slot);
	if (ep.sim < -1.5f)
		return QUARRY_ESTORE;
	greedy(&r->io, &r->c, q, 1.0f, &ep, r->gm.top, 0);
	n = search_layer(&r->io, &r->c, q, 1.0f, &ep, 1, ef, 0, accept,
	    r->varg);
	if (n < 0)
		return QUARRY_ENOMEM;
	memcpy(out, r->c.res, (size_t)n * sizeof(*out));
	if (visited != NULL)
		*visited = r->c.visited;
	return n;
}

/* ------------------------------------------- many new nodes at once */

/*
 * An insert spends nearly all its time searching for the new node's
 * neighbours, and in the write transaction every step of those walks is a
 * lookup among its dirty pages.  With BATCH_MIN new nodes or more, the
 * searches run instead on st->threads threads (the write transaction stays
 * the calling thread's), each through a read-only transaction of the graph
 * as last committed and a reader that remembers where the records are; the
 * calling thread then writes the nodes and their links in slot order.  The
 * new nodes are not in that graph: on level 0 each one meets the new nodes
 * that share one of its BATCH_SHARE nearest committed nodes (what is near
 * it is near them), on the levels above (one node in M or fewer) all the
 * new nodes of the level; the candidates of both kinds join by similarity.
 * The graph written depends only on the committed graph and the new
 * vectors, not on the threads.
 */
#define BATCH_SHARE 32
#define BATCH_MEET(efc) (32 * (size_t)(efc))	/* new nodes met, at most */

struct bnode {
	uint32_t slot;
	unsigned level;
	float inv;
	struct hnsw_hit *cand[HNSW_MAX_LEVEL + 1];	/* best first */
	size_t ncand[HNSW_MAX_LEVEL + 1];
	uint32_t *sel;			/* (level + 1) x m, by level */
	unsigned char nsel[HNSW_MAX_LEVEL + 1];
};

struct share {
	uint32_t old, i;		/* committed node, new node sharing it */
};

struct batch {
	quarry_store *st;
	struct hnsw_meta gm;		/* the write transaction's */
	uint64_t nslots;
	size_t n, dims;
	struct bnode *nd;		/* by slot */
	float *x;			/* n x dims, their vectors */
	const uint64_t *del;		/* deleted in this transaction */
	size_t ndel;
	struct share *sh;		/* by committed node */
	size_t nsh;
	uint32_t *lev[HNSW_MAX_LEVEL + 1];	/* new nodes of level >= l */
	size_t nlev[HNSW_MAX_LEVEL + 1];
	pthread_mutex_t lock;
	size_t next;
	int phase;
	int fail;		/* 1: the committed graph cannot serve */
};

/* A worker: its read transaction and reader. */
struct bw {
	struct batch *b;
	struct dbg sg;
	MDB_txn *rtxn;
	struct hnsw_reader *r;
	uint32_t *stamp, epoch;		/* new nodes met, by index */
	struct hnsw_hit *h;
	size_t caph;
	/* Where each block of vectors is in the map (NULL: not looked up
	 * yet), kept in place by the read transaction. */
	const float **bp;
	size_t nbp;
};

static int
bnode_cmp(const void *pa, const void *pb)
{
	const struct bnode *a = pa, *b = pb;

	return a->slot < b->slot ? -1 : a->slot > b->slot;
}

static struct bnode *
batch_node(const struct batch *b, uint32_t slot)
{
	struct bnode key;

	if (b->n == 0 || slot < b->nd[0].slot)
		return NULL;	/* committed: the new slots come after */
	key.slot = slot;
	return bsearch(&key, b->nd, b->n, sizeof(*b->nd), bnode_cmp);
}

static const float *
batch_vec(void *arg, uint32_t slot)
{
	struct bw *w = arg;
	struct bnode *nd = batch_node(w->b, slot);

	size_t blk = slot / w->sg.B;

	if (nd != NULL)
		return w->b->x + (size_t)(nd - w->b->nd) * w->b->dims;
	if (blk >= w->nbp)
		return db_vec(&w->sg, slot);
	if (w->bp[blk] == NULL &&
	    (w->bp[blk] = db_vec(&w->sg, (uint32_t)(blk * w->sg.B))) == NULL)
		return NULL;
	return w->bp[blk] + (slot % w->sg.B) * w->b->dims;
}

struct batch_ins {
	struct bw *w;
	struct bnode *nd;
};

/* batch_search()'s step on level l: the hits that are not deleted. */
static int
batch_level(void *arg, unsigned l, size_t n)
{
	struct batch_ins *a = arg;
	const struct hnsw_hit *res = a->w->r->c.res;
	const struct batch *b = a->w->b;
	size_t j, k;

	if ((a->nd->cand[l] = malloc((n + 1) * sizeof(*res))) == NULL)
		return ENOMEM;
	for (j = k = 0; j < n; j++)
		if (!in_sorted(b->del, b->ndel, res[j].slot))
			a->nd->cand[l][k++] = res[j];
	a->nd->ncand[l] = k;
	return 0;
}

/* Node nd's candidates in the committed graph, by level. */
static int
batch_search(struct bw *w, struct bnode *nd, const float *x)
{
	struct hnsw_reader *r = w->r;
	struct hnsw_hit ep;
	struct batch_ins a = { w, nd };

	ep.slot = (uint32_t)r->gm.entry;
	ep.sim = sim(&r->io, x, nd->inv, ep.slot);
	if (ep.sim < -1.5f)
		return 1;
	return descend(&r->io, &r->c, x, nd->inv, ep, r->gm.top, nd->level,
	    w->b->gm.efc, batch_level, &a);
}

/* Keeps the best ef of the hits pushed into the min-heap h. */
static void
batch_keep(struct hnsw_hit *h, size_t *n, size_t ef, struct hnsw_hit x)
{
	if (*n < ef) {
		h[*n] = x;
		heap_up(h, (*n)++, 0);
	} else if (x.sim > h[0].sim) {
		h[0] = x;
		heap_down(h, *n, 0);
	}
}

static int
share_cmp(const void *pa, const void *pb)
{
	const struct share *a = pa, *b = pb;

	if (a->old != b->old)
		return a->old < b->old ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* Offers new node o to new node i's min-heap h of the best efc. */
static void
batch_meet(const struct batch *b, size_t i, uint32_t o, struct hnsw_hit *h,
    size_t *nh)
{
	struct hnsw_hit hit;
	float vv;

	hit.slot = b->nd[o].slot;
	hit.sim = dot2(b->x + i * b->dims, b->x + (size_t)o * b->dims, b->dims,
	    &vv) * b->nd[i].inv * b->nd[o].inv;
	batch_keep(h, nh, b->gm.efc, hit);
}

/* The first of b->sh sharing committed node old (b->nsh when none). */
static size_t
share_first(const struct batch *b, uint32_t old)
{
	struct share key = { old, 0 };
	size_t lo = 0, hi = b->nsh;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (share_cmp(&b->sh[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Node i's candidates among the new nodes, joined with its others; its
 * neighbours chosen from them on each level. */
static int
batch_link(struct bw *w, size_t i)
{
	struct batch *b = w->b;
	struct bnode *nd = &b->nd[i];
	size_t efc = b->gm.efc, nh, k, j, met = 0;
	struct hnsw_hit *h;
	unsigned l;

	if (grow(&w->h, &w->caph, 2 * efc + 1) != 0)
		return ENOMEM;
	h = w->h;
	if (++w->epoch == 0) {
		memset(w->stamp, 0, b->n * sizeof(*w->stamp));
		w->epoch = 1;
	}
	w->stamp[i] = w->epoch;
	for (l = 0; l <= nd->level; l++) {
		nh = 0;
		/* Level 0: those sharing its nearest committed nodes, each
		 * met once; above: all of the level. */
		for (k = 0; l == 0 && k < nd->ncand[0] && k < BATCH_SHARE;
		    k++) {
			uint32_t old = nd->cand[0][k].slot;

			for (j = share_first(b, old); j < b->nsh &&
			    b->sh[j].old == old && met < BATCH_MEET(efc); j++)
				if (w->stamp[b->sh[j].i] != w->epoch) {
					w->stamp[b->sh[j].i] = w->epoch;
					met++;
					batch_meet(b, i, b->sh[j].i, h, &nh);
				}
		}
		for (j = 0; l > 0 && j < b->nlev[l]; j++)
			if (b->lev[l][j] != i)
				batch_meet(b, i, b->lev[l][j], h, &nh);
		/* The committed ones join; the best efc of all. */
		for (k = 0; k < nd->ncand[l]; k++)
			h[nh++] = nd->cand[l][k];
		if (nh > 1)
			qsort(h, nh, sizeof(*h), hit_cmp);
		if (nh > efc)
			nh = efc;
		nd->nsel[l] = (unsigned char)select_heuristic(&w->r->io, h, nh,
		    b->gm.m, nd->sel + (size_t)l * b->gm.m);
	}
	return 0;
}

static void *
batch_worker(void *arg)
{
	struct bw *w = arg;
	struct batch *b = w->b;
	int rc = 0;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&b->lock);
		i = b->fail ? b->n : b->next++;
		pthread_mutex_unlock(&b->lock);
		if (i >= b->n)
			break;
		rc = b->phase == 0 ? batch_search(w, &b->nd[i],
		    b->x + i * b->dims) : batch_link(w, i);
		if (rc != 0)
			break;
	}
	if (rc != 0) {
		pthread_mutex_lock(&b->lock);
		if (b->fail == 0 || b->fail == 1)
			b->fail = rc;
		pthread_mutex_unlock(&b->lock);
	}
	return NULL;
}

/* Runs phase on the workers; returns b->fail. */
static int
batch_run(struct batch *b, struct bw *w, unsigned nw, int phase)
{
	pthread_t tids[64];
	unsigned t, started = 0;

	b->phase = phase;
	b->next = 0;
	for (t = 0; t < nw; t++) {
		if (thread_start(&tids[t], batch_worker, &w[t]) != 0)
			break;
		started++;
	}
	if (started == 0)
		return 1;
	for (t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	return b->fail;
}

static void
bw_free(struct bw *w)
{
	hnsw_reader_free(w->r);
	if (w->rtxn != NULL)
		mdb_txn_abort(w->rtxn);
	free(w->stamp);
	free(w->h);
	free(w->bp);
}

/* Opens worker w's view of the committed graph; 1 when it cannot serve. */
static int
bw_open(struct bw *w, struct batch *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->sg.st = b->st;
	w->sg.B = b->st->block_slots;
	w->sg.io.dims = b->dims;
	if (mdb_txn_begin(b->st->env, NULL, MDB_RDONLY, &w->rtxn) != 0) {
		w->rtxn = NULL;
		return 1;
	}
	w->sg.txn = w->rtxn;
	if (hnsw_reader_new(b->st, w->rtxn, b->nslots, b->dims, batch_vec, w,
	    &w->r) != 0 || !hnsw_reader_usable(w->r) ||
	    w->r->gm.m != b->gm.m || w->r->gm.seed != b->gm.seed)
		return 1;
	if ((w->stamp = calloc(b->n, sizeof(*w->stamp))) == NULL)
		return ENOMEM;
	w->nbp = (size_t)(b->nslots / w->sg.B + 1);
	if ((w->bp = calloc(w->nbp, sizeof(*w->bp))) == NULL)
		w->nbp = 0;
	return 0;
}

/*
 * Inserts the new nodes add[0..nadd) (sorted; those also in del[0..ndel)
 * skipped) as above.  Returns 0, an errno or LMDB code, or 1 when the
 * committed graph cannot serve (the caller inserts one at a time).
 */
static int
batch_insert(struct dbg *g, quarry_store *st, const uint64_t *add,
    size_t nadd, const uint64_t *del, size_t ndel)
{
	struct batch b;
	struct bw w[64];
	unsigned nw = st->threads > 1 ? st->threads : 1, t, opened = 0, l;
	size_t i, j, m = g->gm.m;
	int rc = 0;

	if (nw > 64)
		nw = 64;
	memset(&b, 0, sizeof(b));
	b.st = st;
	b.gm = g->gm;
	b.nslots = g->nslots;
	b.dims = st->dims;
	b.del = del;
	b.ndel = ndel;
	pthread_mutex_init(&b.lock, NULL);
	if ((b.nd = calloc(nadd, sizeof(*b.nd))) == NULL ||
	    (b.x = malloc(nadd * b.dims * sizeof(float))) == NULL) {
		rc = ENOMEM;
		goto out;
	}
	for (i = 0; i < nadd; i++) {
		struct bnode *nd = &b.nd[b.n];
		const float *v;

		if (in_sorted(del, ndel, add[i]))
			continue;	/* added and gone again */
		if ((v = db_vec(g, (uint32_t)add[i])) == NULL) {
			rc = MDB_CORRUPTED;
			goto out;
		}
		memcpy(b.x + b.n * b.dims, v, b.dims * sizeof(float));
		nd->slot = (uint32_t)add[i];
		nd->level = hnsw_level(b.gm.seed, b.gm.m, nd->slot);
		nd->inv = inv_norm(v, b.dims);
		if ((nd->sel = malloc((nd->level + 1) * m *
		    sizeof(uint32_t))) == NULL) {
			rc = ENOMEM;
			goto out;
		}
		b.n++;
	}
	for (t = 0; t < nw; t++, opened++)
		if ((rc = bw_open(&w[t], &b)) != 0) {
			opened++;
			goto out;
		}
	if ((rc = batch_run(&b, w, nw, 0)) != 0)
		goto out;
	/* Who shares whose nearest committed nodes; who is on which level. */
	for (i = 0; i < b.n; i++)
		b.nsh += b.nd[i].ncand[0] < BATCH_SHARE ? b.nd[i].ncand[0] :
		    BATCH_SHARE;
	if ((b.sh = malloc((b.nsh + 1) * sizeof(*b.sh))) == NULL) {
		rc = ENOMEM;
		goto out;
	}
	for (i = 0, b.nsh = 0; i < b.n; i++)
		for (j = 0; j < b.nd[i].ncand[0] && j < BATCH_SHARE; j++) {
			b.sh[b.nsh].old = b.nd[i].cand[0][j].slot;
			b.sh[b.nsh++].i = (uint32_t)i;
		}
	qsort(b.sh, b.nsh, sizeof(*b.sh), share_cmp);
	for (i = 0; i < b.n; i++)
		for (l = 1; l <= b.nd[i].level; l++) {
			if (b.lev[l] == NULL && (b.lev[l] = malloc(b.n *
			    sizeof(uint32_t))) == NULL) {
				rc = ENOMEM;
				goto out;
			}
			b.lev[l][b.nlev[l]++] = (uint32_t)i;
		}
	if ((rc = batch_run(&b, w, nw, 1)) != 0)
		goto out;
	/* The nodes, then the links to them. */
	for (i = 0; i < b.n; i++) {
		struct bnode *nd = &b.nd[i];
		size_t size = HNSW_REC_BYTES(m, nd->level);

		memset(g->rec, 0, size);
		rec_set_head(g->rec, nd->level, 0);
		for (l = nd->level; ; l--) {
			size = rec_set_list(g->rec, g->gm.m, l,
			    nd->sel + (size_t)l * m, nd->nsel[l]);
			if (l == 0)
				break;
		}
		if ((rc = db_put(g, nd->slot, g->rec, size)) != 0)
			goto out;
		if (nd->level > g->gm.top) {
			g->gm.entry = nd->slot;
			g->gm.top = nd->level;
		}
	}
	for (i = 0; i < b.n; i++) {
		struct bnode *nd = &b.nd[i];

		for (l = 0; l <= nd->level; l++)
			for (j = 0; j < nd->nsel[l]; j++) {
				uint32_t e = nd->sel[(size_t)l * m + j];

				if ((rc = indeg_add(g, e, 1)) != 0 ||
				    (rc = db_connect(g, e, nd->slot, l)) != 0)
					goto out;
			}
	}
out:
	for (t = 0; t < opened; t++)
		bw_free(&w[t]);
	for (i = 0; i < b.n; i++) {
		for (l = 0; l <= HNSW_MAX_LEVEL; l++)
			free(b.nd[i].cand[l]);
		free(b.nd[i].sel);
	}
	for (l = 0; l <= HNSW_MAX_LEVEL; l++)
		free(b.lev[l]);
	free(b.sh);
	free(b.nd);
	free(b.x);
	pthread_mutex_destroy(&b.lock);
	return rc;
}

/* ----------------------------------------------------------------- check */

/* quarry_store_check()'s fault reporting (store_check.c), at most 20. */
#define gfault store_fault

static int
live_slot(quarry_store *st, MDB_txn *txn, uint64_t slot)
{
	size_t block = (size_t)(slot / st->block_slots);
	size_t i = (size_t)(slot % st->block_slots);
	MDB_val k = { sizeof(block), &block }, v;
	uint64_t w;

	if (mdb_get(txn, st->dbi[DB_LIVE], &k, &v) != 0 ||
	    v.mv_size != (st->block_slots + 63) / 64 * sizeof(uint64_t))
		return 0;
	memcpy(&w, (const unsigned char *)v.mv_data + i / 64 * 8, 8);
	return (int)(w >> (i % 64) & 1);
}

long
store_hnsw_check(quarry_store *st, MDB_txn *txn,
    void (*fn)(const char *msg, void *arg), void *arg)
{
	struct store_faults c = { fn, arg, 0, 20 };
	struct hnsw_meta gm;
	uint64_t next = 0, nodes = 0, nlive = 0, slot, reached = 0;
	uint32_t *indeg = NULL, *stack = NULL, list[2 * HNSW_M_MAX];
	unsigned char *level = NULL, *seen = NULL;
	MDB_cursor *cur = NULL;
	MDB_cursor_op op;
	MDB_val k, v;
	unsigned l, maxl = 0;
	size_t ns = 0, j;
	int rc, cnt;

	rc = store_hnsw_meta(st, txn, &gm);
	if (rc < 0) {
		gfault(&c, "graph: %s", qerr_str(&st->err));
		return c.faults;
	}
	if (rc == 0) {
		if (st->hnswdb) {
			MDB_stat ms;

			if (mdb_stat(txn, st->dbi[DB_HNSW], &ms) == 0 &&
			    ms.ms_entries > 0)
				gfault(&c, "hnsw: %llu nodes without meta graph",
				    (unsigned long long)ms.ms_entries);
		}
		return c.faults;
	}
	store_meta_u64(txn, st->dbi[DB_META], "next_slot", &next);
	if (next > UINT32_MAX) {
		gfault(&c, "hnsw: %llu slots, more than the graph takes",
		    (unsigned long long)next);
		return c.faults;
	}
	if ((indeg = calloc(next + 1, sizeof(*indeg))) == NULL ||
	    (level = calloc(next + 1, 1)) == NULL ||
	    (seen = calloc(next + 1, 1)) == NULL ||
	    (stack = malloc((next + 1) * sizeof(*stack))) == NULL) {
		gfault(&c, "hnsw: out of memory");
		goto out;
	}
	/* Each record: its size, level, lists. */
	if (mdb_cursor_open(txn, st->dbi[DB_HNSW], &cur) != 0) {
		gfault(&c, "hnsw: cannot read");
		goto out;
	}
	while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
		if (k.mv_size != sizeof(slot) || v.mv_size < 4) {
			gfault(&c, "hnsw: malformed entry");
			continue;
		}
		memcpy(&slot, k.mv_data, sizeof(slot));
		nodes++;
		if (slot >= next) {
			gfault(&c, "hnsw: node %llu beyond the slots",
			    (unsigned long long)slot);
			continue;
		}
		l = rec_level(v.mv_data);
		if (!rec_size_ok(v.mv_data, v.mv_size, gm.m)) {
			gfault(&c, "hnsw: node %llu: record of %zu bytes for "
			    "level %u", (unsigned long long)slot, v.mv_size, l);
			continue;
		}
		if (l != hnsw_level(gm.seed, gm.m, slot))
			gfault(&c, "hnsw: node %llu: level %u, not %u",
			    (unsigned long long)slot, l,
			    hnsw_level(gm.seed, gm.m, slot));
		if (!live_slot(st, txn, slot))
			gfault(&c, "hnsw: node %llu is not a live slot",
			    (unsigned long long)slot);
		level[slot] = (unsigned char)(l + 1);
		if (l > maxl)
			maxl = l;
	}
	/* Neighbours: in range, nodes of that level, not self, once. */
	for (op = MDB_FIRST; mdb_cursor_get(cur, &k, &v, op) == 0;
	    op = MDB_NEXT) {
		if (k.mv_size != sizeof(slot) || v.mv_size < 4)
			continue;
		memcpy(&slot, k.mv_data, sizeof(slot));
		if (slot >= next || level[slot] == 0)
			continue;
		for (l = 0; l < level[slot]; l++) {
			if ((cnt = rec_list(v.mv_data, v.mv_size, gm.m, l,
			    list)) < 0) {
				gfault(&c, "hnsw: node %llu: level %u has more "
				    "than %u neighbours",
				    (unsigned long long)slot, l,
				    HNSW_CAP(gm.m, l));
				continue;
			}
			for (j = 0; j < (size_t)cnt; j++) {
				size_t e;

				if (list[j] >= next || level[list[j]] == 0 ||
				    level[list[j]] <= l) {
					gfault(&c, "hnsw: node %llu: level %u "
					    "neighbour %u is not a node of that "
					    "level", (unsigned long long)slot, l,
					    list[j]);
					continue;
				}
				if (list[j] == slot)
					gfault(&c, "hnsw: node %llu links to "
					    "itself", (unsigned long long)slot);
				for (e = 0; e < j && list[e] != list[j]; e++)
					;
				if (e < j)
					gfault(&c, "hnsw: node %llu: level %u "
					    "lists %u twice",
					    (unsigned long long)slot, l,
					    list[j]);
				indeg[list[j]]++;
			}
		}
	}
	/* In-link counts as recorded. */
	for (op = MDB_FIRST; mdb_cursor_get(cur, &k, &v, op) == 0;
	    op = MDB_NEXT) {
		if (k.mv_size != sizeof(slot) || v.mv_size < 4)
			continue;
		memcpy(&slot, k.mv_data, sizeof(slot));
		if (slot < next && rec_indeg(v.mv_data) != indeg[slot])
			gfault(&c, "hnsw: node %llu: %u in-links recorded, %u "
			    "found", (unsigned long long)slot,
			    rec_indeg(v.mv_data), indeg[slot]);
	}
	mdb_cursor_close(cur);
	cur = NULL;
	/* Every live slot is a node. */
	for (slot = 0; slot < next; slot++)
		if (live_slot(st, txn, slot)) {
			nlive++;
			if (level[slot] == 0)
				gfault(&c, "hnsw: live slot %llu is not a node",
				    (unsigned long long)slot);
		}
	if (nodes == 0) {
		if (gm.entry >= 0)
			gfault(&c, "hnsw: entry point %lld without nodes",
			    (long long)gm.entry);
		goto out;
	}
	if (gm.entry < 0 || (uint64_t)gm.entry >= next ||
	    level[gm.entry] == 0) {
		gfault(&c, "hnsw: the entry point %lld is not a node",
		    (long long)gm.entry);
		goto out;
	}
	if (level[gm.entry] - 1u != gm.top || gm.top != maxl)
		gfault(&c, "hnsw: entry point %lld of level %u, graph_top %u, "
		    "highest level %u", (long long)gm.entry,
		    level[gm.entry] - 1u, gm.top, maxl);
	/* Reachability from the entry point, over all levels. */
	seen[gm.entry] = 1;
	stack[ns++] = (uint32_t)gm.entry;
	reached = 1;
	while (ns > 0) {
		uint64_t key = stack[--ns];

		k.mv_size = sizeof(key);
		k.mv_data = &key;
		if (mdb_get(txn, st->dbi[DB_HNSW], &k, &v) != 0)
			continue;
		for (l = 0; l <= rec_level(v.mv_data); l++) {
			if ((cnt = rec_list(v.mv_data, v.mv_size, gm.m, l,
			    list)) < 0)
				break;
			for (j = 0; j < (size_t)cnt; j++)
				if (list[j] < next && level[list[j]] &&
				    !seen[list[j]]) {
					seen[list[j]] = 1;
					stack[ns++] = list[j];
					reached++;
				}
		}
	}
	if (reached != nodes)
		for (slot = 0; slot < next; slot++)
			if (level[slot] && !seen[slot])
				gfault(&c, "hnsw: node %llu is not reachable "
				    "from the entry point",
				    (unsigned long long)slot);
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	free(indeg);
	free(level);
	free(seen);
	free(stack);
	(void)nlive;
	return c.faults;
}
