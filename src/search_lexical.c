/*
 * search_lexical.c: BM25 ranking over the store's lexical index
 * (man/quarry-store.5, "lexical"; man/quarry-search.1, "--mode").
 *
 * Scoring is Lucene's BM25: for each query term t (counted as often as it
 * occurs in the query) idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)) times
 * tf / (tf + k1 (1 - b + b dl / avgdl)), where N is the number of chunks,
 * df the chunks holding t, tf its frequency in the chunk, dl the chunk's
 * length in terms and avgdl the mean length.
 *
 * Top-k uses MaxScore (Turtle and Flood, 1995), document at a time: the
 * terms are ordered by the most they can add to a score (from the largest
 * frequency and the smallest length any of their postings has, kept in the
 * term's header), and once the k-th best score exceeds what the terms of
 * lowest bounds could add together, those terms stop proposing candidates
 * and are only looked up, from the highest bound down, for the candidates
 * the others propose, while the candidate can still enter the top k.
 * Postings are read segment by segment, straight from LMDB's memory map,
 * and each segment's header (its slot range, largest frequency and
 * smallest length) is a block-max bound: a segment is decoded only when a
 * posting of it may count.  Terms skip segments by their headers, far
 * skips by a seek in the B-tree; a run of slots up to the end of the
 * essential terms' current segments is passed over at once when their
 * segments' bounds and the other terms' cannot beat the k-th score; a
 * candidate is dropped on its terms' segment bounds before it is scored;
 * a lookup stops at a segment whose bound cannot lift the candidate.
 * Bounds are raised by a hair (SLACK), so that the results are exactly
 * those of a full evaluation.
 * The filters' candidate bitmap is applied before a candidate is scored.
 */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"
#include "lexical_private.h"
#include "search_private.h"

struct qterm {
	char *term;
	size_t len;
	uint32_t qtf;
	uint64_t df;
	double w;		/* qtf * idf */
	double ub;		/* the most it adds to a score */
	double bub;		/* the most it adds in the current segment */
	MDB_cursor *cur;
	struct lex_seg seg;	/* the current segment's header */
	int dec;		/* whether ps holds seg's postings */
	int done;
	uint32_t n, i;		/* postings decoded, the current one */
	struct lex_posting ps[LEX_SEG_MAX * 4];
};

struct qbag {
	struct qterm *t;
	size_t n, cap;
};

static int
qbag_add(const char *term, size_t len, void *arg)
{
	struct qbag *q = arg;
	size_t i;

	for (i = 0; i < q->n; i++)
		if (q->t[i].len == len && memcmp(q->t[i].term, term, len) == 0) {
			q->t[i].qtf++;
			return 0;
		}
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 8;
		struct qterm *n;

		if (cap > 1024)
			return 0;	/* a query of more terms: the rest go */
		if ((n = realloc(q->t, cap * sizeof(*n))) == NULL)
			return QUARRY_ENOMEM;
		q->t = n;
		q->cap = cap;
	}
	/* The postings array is filled before it is read. */
	memset(&q->t[q->n], 0, offsetof(struct qterm, ps));
	if ((q->t[q->n].term = malloc(len + 1)) == NULL)
		return QUARRY_ENOMEM;
	memcpy(q->t[q->n].term, term, len);
	q->t[q->n].term[len] = '\0';
	q->t[q->n].len = len;
	q->t[q->n].qtf = 1;
	q->n++;
	return 0;
}

static void
qbag_free(struct qbag *q)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		free(q->t[i].term);
		if (q->t[i].cur != NULL)
			mdb_cursor_close(q->t[i].cur);
	}
	free(q->t);
}

/* Whether key k is a segment of t, and then its first slot. */
static int
seg_key(const MDB_val *k, const struct qterm *t, uint64_t *first)
{
	const unsigned char *p = k->mv_data;
	int i;

	if (k->mv_size != t->len + 9 || memcmp(p, t->term, t->len) != 0 ||
	    p[t->len] != 0)
		return 0;
	*first = 0;
	for (i = 0; i < 8; i++)
		*first = *first << 8 | p[t->len + 1 + i];
	return 1;
}

/*
 * BM25's term weight w * tf / (tf + k1 (1 - b + b dl / avgdl)), written
 * once so that a bound (the largest tf, the smallest dl) is computed with
 * the same operations as the scores it bounds: rounding is monotonic, so
 * the bound is never below a score.
 */
/* Bounds are raised by this factor, far above the rounding of a sum of a
 * query's terms, so that a sum of bounds is never below the sum of the
 * scores it bounds however the two are added up. */
#define SLACK (1 + 1e-9)

static inline double
bm25(double w, uint32_t tf, uint32_t dl, double norm0, double normb)
{
	return w * tf / (tf + norm0 + normb * dl);
}

/*
 * Moves t to the segment the cursor is on (rc from the cursor), or marks t
 * done.  Only the segment's header is read: its postings are decoded when
 * one of them is needed (need()), so that segments a query skips over,
 * by slot or by their bound, cost a header.
 */
static int
load_seg(struct qterm *t, int rc, MDB_val *k, MDB_val *v, double norm0,
    double normb)
{
	uint64_t first;

	t->dec = 0;
	if (rc == MDB_NOTFOUND || (rc == 0 && !seg_key(k, t, &first))) {
		t->done = 1;
		return 0;
	}
	if (rc != 0)
		return rc;
	if (lex_seg_open(&t->seg, first, v->mv_data, v->mv_size) != 0 ||
	    t->seg.n > LEX_SEG_MAX * 4)
		return MDB_CORRUPTED;
	t->bub = bm25(t->w, t->seg.maxtf, t->seg.mindl, norm0, normb) *
	    SLACK;
	return 0;
}

static int
next_seg(struct qterm *t, double norm0, double normb)
{
	MDB_val k, v;

	return load_seg(t, mdb_cursor_get(t->cur, &k, &v, MDB_NEXT), &k, &v,
	    norm0, normb);
}

/* Decodes t's current segment; its current posting is then its first. */
static inline int
need(struct qterm *t)
{
	if (t->dec)
		return 0;
	if (lex_seg_decode(&t->seg, t->ps) != 0)
		return MDB_CORRUPTED;
	t->n = t->seg.n;
	t->i = 0;
	t->dec = 1;
	return 0;
}

static inline uint64_t
cur_slot(const struct qterm *t)
{
	if (t->done)
		return UINT64_MAX;
	return t->dec ? t->ps[t->i].slot : t->seg.first;
}

static inline int
advance(struct qterm *t, double norm0, double normb)
{
	int rc;

	if ((rc = need(t)) != 0)
		return rc;
	if (++t->i < t->n)
		return 0;
	return next_seg(t, norm0, normb);
}

/*
 * Moves t to the first of its segments that ends at or after slot d, by
 * their headers: step by step when d is near, else by a seek in the
 * B-tree (to the last segment that starts at or before d).
 */
static int
seg_to(struct qterm *t, uint64_t d, double norm0, double normb)
{
	unsigned char kb[LEX_MAX_TERM + 16];
	MDB_val k, v;
	uint64_t first;
	int rc;

	if (t->done || t->seg.last >= d)
		return 0;
	if (d - t->seg.last > 4 * (t->seg.last - t->seg.first + 1)) {
		k.mv_size = lex_key(kb, t->term, t->len, 1, d);
		k.mv_data = kb;
		rc = mdb_cursor_get(t->cur, &k, &v, MDB_SET_RANGE);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
		if (rc != 0 || !seg_key(&k, t, &first) || first != d)
			/* Before it: a segment of t, since t's current
			 * one starts before d. */
			rc = mdb_cursor_get(t->cur, &k, &v, rc == MDB_NOTFOUND ?
			    MDB_LAST : MDB_PREV);
		if ((rc = load_seg(t, rc, &k, &v, norm0, normb)) != 0)
			return rc;
	}
	while (!t->done && t->seg.last < d)
		if ((rc = next_seg(t, norm0, normb)) != 0)
			return rc;
	return 0;
}

/* Moves t to its first posting at or after slot d. */
static int
skip_to(struct qterm *t, uint64_t d, double norm0, double normb)
{
	uint32_t lo, hi;
	int rc;

	if ((rc = seg_to(t, d, norm0, normb)) != 0)
		return rc;
	if (t->done || t->seg.first >= d)
		return 0;
	if ((rc = need(t)) != 0)
		return rc;
	if (t->ps[t->i].slot >= d)
		return 0;
	/* ps[i] < d <= ps[n - 1] (the segment's last). */
	lo = t->i + 1;
	hi = t->n - 1;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->ps[mid].slot < d)
			lo = mid + 1;
		else
			hi = mid;
	}
	t->i = lo;
	return 0;
}

static int
ub_cmp(const void *pa, const void *pb)
{
	const struct qterm *a = *(struct qterm *const *)pa;
	const struct qterm *b = *(struct qterm *const *)pb;

	return a->ub < b->ub ? -1 : a->ub > b->ub;
}

static inline int
selected(const quarry_search *s, uint64_t slot)
{
	if (s->cand == NULL)
		return 1;
	if (slot >= s->nslots)
		return 0;
	return (int)((s->cand[slot / 64] >> (slot % 64)) & 1);
}

int
search_lex_rank(quarry_search *s, const char *text, size_t len,
    size_t depth, struct search_cand **out, size_t *nout)
{
	quarry_store *st = s->st;
	MDB_txn *txn = s->view->txn;
	struct qbag q = { 0 };
	struct qterm **ord = NULL;
	struct search_heap hp = { 0 };
	double *pre = NULL, k1 = s->k1, b = s->b, avgdl, norm0, normb;
	unsigned char kb[LEX_MAX_TERM + 16];
	size_t i, nt = 0, e;
	int rc;

	*out = NULL;
	*nout = 0;
	if (!st->lexical)
		return qerr_set(&s->err, QUARRY_ENOTFOUND,
		    "%s: the store has no lexical index", st->path);
	if (s->lex == NULL && lex_analyzer_new(&s->lex) != 0)
		return QUARRY_ENOMEM;
	rc = lex_analyze(s->lex, text, len, s->lang[0] ? s->lang :
	    st->lexlang, qbag_add, &q);
	if (rc != 0) {
		qbag_free(&q);
		return rc == QUARRY_EUTF8 ? qerr_set(&s->err, rc,
		    "the query is not valid UTF-8") : rc;
	}
	if (s->lexn == 0 || q.n == 0) {
		qbag_free(&q);
		return 0;
	}
	avgdl = (double)s->lextokens / (double)s->lexn;
	if (!(avgdl > 0))
		avgdl = 1;
	norm0 = k1 * (1 - b);
	normb = k1 * b / avgdl;
	if ((ord = calloc(q.n, sizeof(*ord))) == NULL ||
	    (pre = calloc(q.n, sizeof(*pre))) == NULL) {
		rc = QUARRY_ENOMEM;
		goto out;
	}
	for (i = 0; i < q.n; i++) {
		struct qterm *t = &q.t[i];
		MDB_val k, v;
		uint32_t maxtf, mindl;

		k.mv_size = lex_key(kb, t->term, t->len, 0, 0);
		k.mv_data = kb;
		if ((rc = mdb_cursor_open(txn, st->dbi[DB_TERMS], &t->cur)) != 0)
			goto mdbfail;
		rc = mdb_cursor_get(t->cur, &k, &v, MDB_SET_KEY);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			continue;	/* not in the index */
		}
		if (rc != 0)
			goto mdbfail;
		if (store_lex_header(&v, &t->df, &maxtf, &mindl) != 0 ||
		    t->df == 0) {
			rc = MDB_CORRUPTED;
			goto mdbfail;
		}
		t->w = t->qtf * lex_idf(s->lexn, t->df);
		t->ub = bm25(t->w, maxtf, mindl, norm0, normb) * SLACK;
		if ((rc = next_seg(t, norm0, normb)) != 0)
			goto mdbfail;
		if (t->done) {
			rc = MDB_CORRUPTED;
			goto mdbfail;
		}
		ord[nt++] = t;
	}
	if (nt == 0)
		goto out;
	qsort(ord, nt, sizeof(*ord), ub_cmp);
	for (i = 0; i < nt; i++)
		pre[i] = ord[i]->ub + (i ? pre[i - 1] : 0);
	hp.cap = depth ? depth : 1;
	if ((hp.h = malloc(hp.cap * sizeof(*hp.h))) == NULL) {
		rc = QUARRY_ENOMEM;
		goto out;
	}
	e = 0;		/* ord[e..nt) are the essential terms */
	for (;;) {
		uint64_t d = UINT64_MAX, upto = UINT64_MAX;
		double score = 0, theta, rest, bound;
		size_t j;

		for (j = e; j < nt; j++)
			if (cur_slot(ord[j]) < d)
				d = cur_slot(ord[j]);
		if (d == UINT64_MAX)
			break;
		theta = hp.n == hp.cap ? hp.h[0].score : -1;
		rest = e > 0 ? pre[e - 1] : 0;
		if (theta >= 0) {
			/*
			 * Block-max: up to the first end of the essential
			 * terms' current segments, no chunk can score more
			 * than their segments' bounds and the other terms'.
			 */
			bound = rest;
			for (j = e; j < nt; j++)
				if (!ord[j]->done) {
					bound += ord[j]->bub;
					if (ord[j]->seg.last < upto)
						upto = ord[j]->seg.last;
				}
			if (bound <= theta) {
				for (j = e; j < nt; j++)
					if ((rc = skip_to(ord[j], upto + 1,
					    norm0, normb)) != 0)
						goto mdbfail;
				continue;
			}
			/* And the same with the terms that hold d. */
			bound = rest;
			for (j = e; j < nt; j++)
				if (cur_slot(ord[j]) == d)
					bound += ord[j]->bub;
		} else
			bound = 1;
		if (bound <= theta || !selected(s, d)) {
			for (j = e; j < nt; j++)
				if (cur_slot(ord[j]) == d &&
				    (rc = advance(ord[j], norm0, normb)) != 0)
					goto mdbfail;
			continue;
		}
		for (j = e; j < nt; j++) {
			struct qterm *t = ord[j];

			if (cur_slot(t) == d) {
				const struct lex_posting *p;

				if ((rc = need(t)) != 0)
					goto mdbfail;
				p = &t->ps[t->i];
				score += bm25(t->w, p->tf, p->dl, norm0, normb);
				if ((rc = advance(t, norm0, normb)) != 0)
					goto mdbfail;
			}
		}
		for (j = e; j-- > 0;) {
			struct qterm *t = ord[j];
			const struct lex_posting *p;

			if (score + pre[j] <= theta)
				break;
			/* The segment that would hold d, by its header. */
			if ((rc = seg_to(t, d, norm0, normb)) != 0)
				goto mdbfail;
			if (t->done || t->seg.first > d)
				continue;
			if (score + (j ? pre[j - 1] : 0) + t->bub <= theta)
				break;
			if ((rc = skip_to(t, d, norm0, normb)) != 0)
				goto mdbfail;
			if (cur_slot(t) == d) {
				if ((rc = need(t)) != 0)
					goto mdbfail;
				p = &t->ps[t->i];
				score += bm25(t->w, p->tf, p->dl, norm0, normb);
			}
		}
		s->stats.scanned++;
		search_heap_push(&hp, score, d);
		if (hp.n == hp.cap) {
			theta = hp.h[0].score;
			while (e < nt && pre[e] <= theta)
				e++;
			if (e == nt)
				break;
		}
	}
	qsort(hp.h, hp.n, sizeof(*hp.h), search_cand_cmp);
	*out = hp.h;
	*nout = hp.n;
	hp.h = NULL;
	rc = 0;
	goto out;
mdbfail:
	rc = store_mdb_fail(st, rc, "cannot read the lexical index");
	qerr_set(&s->err, rc, "%s", quarry_store_error(st));
out:
	free(hp.h);
	free(ord);
	free(pre);
	qbag_free(&q);
	return rc;
}

/* ------------------------------------------------------------- identity */

int
search_lex_init(quarry_search *s)
{
	quarry_store *st = s->st;
	MDB_stat ms;
	int rc;

	s->haslex = st->lexical;
	if (!st->lexical)
		return 0;
	if ((rc = mdb_stat(s->view->txn, st->dbi[DB_CHUNKS], &ms)) != 0)
		return store_mdb_fail(st, rc, "cannot read chunks");
	s->lexn = ms.ms_entries;
	s->lextokens = 0;
	rc = store_meta_u64(s->view->txn, st->dbi[DB_META], "lex_tokens",
	    &s->lextokens);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_fail(st, rc, "cannot read meta lex_tokens");
	return 0;
}

void
search_lex_free(quarry_search *s)
{
	lex_analyzer_free(s->lex);
	s->lex = NULL;
}

static int
push_str(quarry_search *s, const char *p, size_t len, size_t *off)
{
	*off = s->strs.len;
	if (quarry_buf_append(&s->strs, p, len) != 0 ||
	    quarry_buf_append(&s->strs, "", 1) != 0)
		return QUARRY_ENOMEM;
	return 0;
}

int
search_ident(quarry_search *s, uint64_t slot, size_t off[4], int want_source)
{
	quarry_store *st = s->st;
	size_t sl = (size_t)slot, dl = 0, il = 0, hl = 0, cl = 0, srcl = 0;
	MDB_val k = { sizeof(sl), &sl }, v, dk, dv;
	const char *doc = NULL, *id = NULL, *hash = NULL, *chunk = NULL;
	const char *src = NULL;
	int rc, a, b, c, d, e = 0;

	off[3] = (size_t)-1;
	if ((rc = mdb_get(s->view->txn, st->dbi[DB_CHUNKS], &k, &v)) != 0) {
		rc = store_mdb_fail(st, rc, "cannot read a chunk record");
		return qerr_set(&s->err, rc, "%s", quarry_store_error(st));
	}
	a = store_json_member(v.mv_data, v.mv_size, "doc", &doc, &dl);
	b = store_json_member(v.mv_data, v.mv_size, "id", &id, &il);
	c = store_json_member(v.mv_data, v.mv_size, "hash", &hash, &hl);
	d = store_json_member(v.mv_data, v.mv_size, "chunk", &chunk, &cl);
	if (a == 1 && want_source) {
		struct store_key sk;
		char *full = dl > STORE_MAX_DOC ? strndup(doc, dl) : NULL;

		dk.mv_size = dl;
		dk.mv_data = (void *)doc;
		if (full != NULL)
			store_key(full, &sk, &dk);
		free(full);
		if (mdb_get(s->view->txn, st->dbi[DB_DOCS], &dk, &dv) == 0)
			e = store_json_member(dv.mv_data, dv.mv_size, "source",
			    &src, &srcl);
	}
	if (a == 1 && b >= 0 && c == 1 && (b == 1 || d == 1) && e >= 0) {
		if ((rc = push_str(s, doc, dl, &off[1])) != 0)
			return rc;
		if (b == 1)
			rc = push_str(s, id, il, &off[0]);
		else {
			off[0] = s->strs.len;
			if (quarry_buf_append(&s->strs, doc, dl) != 0 ||
			    quarry_buf_append(&s->strs, "#", 1) != 0 ||
			    quarry_buf_append(&s->strs, chunk, cl) != 0 ||
			    quarry_buf_append(&s->strs, "", 1) != 0)
				rc = QUARRY_ENOMEM;
		}
		if (rc == 0)
			rc = push_str(s, hash, hl, &off[2]);
		if (rc == 0 && e == 1)
			rc = push_str(s, src, srcl, &off[3]);
		return rc;
	} else {
		/* Escapes somewhere: the full decoding. */
		json_t *rec;
		const char *x;
		size_t xl;

		if ((rc = quarry_store_view_record(s->view, slot, &rec)) != 0)
			return qerr_set(&s->err, rc, "%s",
			    quarry_store_error(st));
		x = quarry_record_string(rec, "id", &xl);
		rc = push_str(s, x ? x : "", x ? xl : 0, &off[0]);
		x = quarry_record_string(rec, "doc", &xl);
		if (rc == 0)
			rc = push_str(s, x ? x : "", x ? xl : 0, &off[1]);
		x = quarry_record_string(rec, "hash", &xl);
		if (rc == 0)
			rc = push_str(s, x ? x : "", x ? xl : 0, &off[2]);
		x = quarry_record_string(rec, "source", &xl);
		if (rc == 0 && x != NULL && want_source)
			rc = push_str(s, x, xl, &off[3]);
		json_decref(rec);
		return rc;
	}
}

int
search_same_hash(quarry_search *s, const char *hash,
    int (*fn)(uint64_t slot, void *arg), void *arg)
{
	quarry_store *st = s->st;
	unsigned char kb[STORE_MAX_HASH];
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, ret = 0;

	if (strlen(hash) == 0 || strlen(hash) > STORE_MAX_HASH)
		return 0;
	store_cache_key(hash, kb, &k);
	if ((rc = mdb_cursor_open(s->view->txn, st->dbi[DB_CACHE], &cur)) != 0)
		return store_mdb_fail(st, rc, "cannot read the vector cache");
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	while (rc == 0 && ret == 0) {
		uint64_t slot;

		memcpy(&slot, v.mv_data, sizeof(slot));
		ret = fn(slot, arg);
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP);
	}
	mdb_cursor_close(cur);
	if (ret == 0 && rc != 0 && rc != MDB_NOTFOUND)
		ret = store_mdb_fail(st, rc, "cannot read the vector cache");
	return ret;
}
