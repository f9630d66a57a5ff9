/*
 * hnsw_private.h: the store's HNSW graph over its vector slots (hnsw.c;
 * Malkov and Yashunin, "Efficient and robust approximate nearest neighbor
 * search using Hierarchical Navigable Small World graphs", 2016).  The
 * stored layout is in man/quarry-store.5 ("hnsw"); the store keeps it up to
 * date in its write transactions (store_write.c), the search reads it
 * (search.c) and the check verifies it (store_check.c).
 *
 * A node is a live slot.  Its level is drawn from a geometric law with the
 * seed and the slot number (so a graph is reproducible); on level 0 it has
 * at most 2M neighbours, on the levels above at most M.  Similarity is the
 * cosine, like the exact scan.
 */
#ifndef QUARRY_HNSW_PRIVATE_H
#define QUARRY_HNSW_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "store_private.h"

#define HNSW_M_DEFAULT 16
#define HNSW_EFC_DEFAULT 100
#define HNSW_M_MAX 64
#define HNSW_MAX_LEVEL 15

/* Neighbours a node may have on level l. */
#define HNSW_CAP(m, l) ((l) ? (m) : 2 * (m))
/*
 * Bytes of a node's record: a 32-bit header (level in the low 8 bits, the
 * number of links that point at the node in the 24 above), then per level
 * 0..level a 32-bit count and HNSW_CAP slots (32-bit, unused ones 0).
 */
#define HNSW_REC_BYTES(m, level) (4 + 4 * (1 + 2 * (size_t)(m)) + \
	(size_t)(level) * 4 * (1 + (size_t)(m)))

/* The graph's parameters and state (meta graph_*). */
struct hnsw_meta {
	unsigned m, efc;
	uint64_t seed;
	int64_t entry;		/* entry point slot, -1: no node */
	unsigned top;		/* its level */
};

/* The level of slot in a graph with m and seed. */
unsigned hnsw_level(uint64_t seed, unsigned m, uint64_t slot);

/* Reads the graph's meta in txn into st (st->graph 0 without one). */
int store_hnsw_load(quarry_store *st, MDB_txn *txn);
/* The same into *gm for a read transaction (entry and top change). */
int store_hnsw_meta(quarry_store *st, MDB_txn *txn, struct hnsw_meta *gm);

/* Slots added and removed by a write transaction (store_write.c). */
struct hnsw_delta;
int hnsw_delta_new(struct hnsw_delta **out);
void hnsw_delta_free(struct hnsw_delta *d);
int hnsw_delta_add(struct hnsw_delta *d, uint64_t slot);
int hnsw_delta_del(struct hnsw_delta *d, uint64_t slot);
/* Applies them to the graph in txn (after the vectors were written);
 * returns 0 or an LMDB/errno code. */
int store_hnsw_apply(quarry_store *st, MDB_txn *txn, struct hnsw_delta *d,
    uint64_t next_slot);

long store_hnsw_check(quarry_store *st, MDB_txn *txn,
    void (*fn)(const char *msg, void *arg), void *arg);

/*
 * Searching a graph read from a store snapshot: vec(arg, slot) gives the
 * slot's vector (NULL when it has none), accept(arg, slot) whether a slot
 * may be a result (NULL: all).  hnsw_search() writes up to ef results, best
 * first, to out (ef entries) and returns their number, or a negative
 * QUARRY_E* code.
 */
struct hnsw_hit {
	float sim;
	uint32_t slot;
};
struct hnsw_reader;
int hnsw_reader_new(quarry_store *st, MDB_txn *txn, uint64_t nslots,
    size_t dims, const float *(*vec)(void *, uint32_t), void *arg,
    struct hnsw_reader **out);
void hnsw_reader_free(struct hnsw_reader *r);
/* The graph has at least one node. */
int hnsw_reader_usable(const struct hnsw_reader *r);
long hnsw_search(struct hnsw_reader *r, const float *q, size_t ef,
    int (*accept)(void *, uint32_t), struct hnsw_hit *out,
    uint64_t *visited);

#endif
