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
 * Postings are read segment by segment, straight from LMDB's memory map.
 * The filters' candidate bitmap is applied before a candidate is scored.
 */
#include "config.h"

#include <math.h>
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
	MDB_cursor *cur;
	struct lex_posting ps[LEX_SEG_MAX * 4];
	uint32_t n, i;		/* postings decoded, the current one */
	int done;
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
	memset(&q->t[q->n], 0, sizeof(q->t[q->n]));
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

/* Decodes the segment the cursor is on, or marks t done. */
static int
load_seg(struct qterm *t, int rc, MDB_val *k, MDB_val *v)
{
	struct lex_seg s;
	uint64_t first;

	if (rc == MDB_NOTFOUND || (rc == 0 && !seg_key(k, t, &first))) {
		t->done = 1;
		return 0;
	}
	if (rc != 0)
		return rc;
	if (lex_seg_open(&s, first, v->mv_data, v->mv_size) != 0 ||
	    s.n > LEX_SEG_MAX * 4 || lex_seg_decode(&s, t->ps) != 0)
		return MDB_CORRUPTED;
	t->n = s.n;
	t->i = 0;
	return 0;
}

static int
next_seg(struct qterm *t)
{
	MDB_val k, v;

	return load_seg(t, mdb_cursor_get(t->cur, &k, &v, MDB_NEXT), &k, &v);
}

static inline uint64_t
cur_slot(const struct qterm *t)
{
	return t->done ? UINT64_MAX : t->ps[t->i].slot;
}

static inline int
advance(struct qterm *t)
{
	if (++t->i < t->n)
		return 0;
	return next_seg(t);
}

/* Moves t to its first posting at or after slot d. */
static int
skip_to(struct qterm *t, uint64_t d)
{
	int rc;

	while (!t->done && t->ps[t->n - 1].slot < d)
		if ((rc = next_seg(t)) != 0)
			return rc;
	if (t->done)
		return 0;
	while (t->ps[t->i].slot < d)
		t->i++;
	return 0;
}

struct lheap {
	struct search_cand *h;
	size_t n, cap;
};

/* a ranks below b: lower score, or equal and a later slot. */
static inline int
worse(const struct search_cand *a, const struct search_cand *b)
{
	return a->score < b->score || (a->score == b->score &&
	    a->slot > b->slot);
}

static void
lheap_push(struct lheap *hp, double score, uint64_t slot)
{
	struct search_cand c = { score, slot }, t;
	size_t i, p, ch;

	if (hp->n == hp->cap) {
		if (!worse(&hp->h[0], &c))
			return;
		hp->h[0] = c;
		i = 0;
		for (;;) {
			ch = 2 * i + 1;
			if (ch >= hp->n)
				break;
			if (ch + 1 < hp->n && worse(&hp->h[ch + 1], &hp->h[ch]))
				ch++;
			if (!worse(&hp->h[ch], &hp->h[i]))
				break;
			t = hp->h[i];
			hp->h[i] = hp->h[ch];
			hp->h[ch] = t;
			i = ch;
		}
		return;
	}
	i = hp->n++;
	hp->h[i] = c;
	while (i > 0) {
		p = (i - 1) / 2;
		if (!worse(&hp->h[i], &hp->h[p]))
			break;
		t = hp->h[i];
		hp->h[i] = hp->h[p];
		hp->h[p] = t;
		i = p;
	}
}

static int
cand_best_first(const void *pa, const void *pb)
{
	const struct search_cand *a = pa, *b = pb;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return a->slot < b->slot ? -1 : a->slot > b->slot;
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
	struct lheap hp = { 0 };
	double *pre = NULL, k1 = s->k1, b = s->b, avgdl, norm0, normb;
	unsigned char kb[LEX_MAX_TERM + 16];
	size_t i, nt = 0, e;
	int rc;

	*out = NULL;
	*nout = 0;
	if (!st->lexical)
		return search_fail(s, QUARRY_ENOTFOUND, "%s: the store has no "
		    "lexical index (add one with: quarry-index --db %s "
		    "--reindex-lexical)", st->path, st->path);
	if (s->lex == NULL && lex_analyzer_new(&s->lex) != 0)
		return QUARRY_ENOMEM;
	rc = lex_analyze(s->lex, text, len, s->lang[0] ? s->lang :
	    st->lexlang, qbag_add, &q);
	if (rc != 0) {
		qbag_free(&q);
		return rc == QUARRY_EUTF8 ? search_fail(s, rc,
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
		t->ub = t->w * maxtf / (maxtf + norm0 + normb * mindl);
		if ((rc = next_seg(t)) != 0)
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
		uint64_t d = UINT64_MAX;
		double score = 0, theta;
		size_t j;

		for (j = e; j < nt; j++)
			if (cur_slot(ord[j]) < d)
				d = cur_slot(ord[j]);
		if (d == UINT64_MAX)
			break;
		if (!selected(s, d)) {
			for (j = e; j < nt; j++)
				if (cur_slot(ord[j]) == d &&
				    (rc = advance(ord[j])) != 0)
					goto mdbfail;
			continue;
		}
		for (j = e; j < nt; j++) {
			struct qterm *t = ord[j];

			if (cur_slot(t) == d) {
				const struct lex_posting *p = &t->ps[t->i];

				score += t->w * p->tf / (p->tf + norm0 +
				    normb * p->dl);
				if ((rc = advance(t)) != 0)
					goto mdbfail;
			}
		}
		theta = hp.n == hp.cap ? hp.h[0].score : -1;
		for (j = e; j-- > 0;) {
			struct qterm *t = ord[j];

			if (score + pre[j] <= theta)
				break;
			if ((rc = skip_to(t, d)) != 0)
				goto mdbfail;
			if (cur_slot(t) == d) {
				const struct lex_posting *p = &t->ps[t->i];

				score += t->w * p->tf / (p->tf + norm0 +
				    normb * p->dl);
			}
		}
		s->stats.scanned++;
		lheap_push(&hp, score, d);
		if (hp.n == hp.cap) {
			theta = hp.h[0].score;
			while (e < nt && pre[e] <= theta)
				e++;
			if (e == nt)
				break;
		}
	}
	qsort(hp.h, hp.n, sizeof(*hp.h), cand_best_first);
	*out = hp.h;
	*nout = hp.n;
	hp.h = NULL;
	rc = 0;
	goto out;
mdbfail:
	rc = store_mdb_fail(st, rc, "cannot read the lexical index");
	search_fail(s, rc, "%s", quarry_store_error(st));
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
		return search_fail(s, rc, "%s", quarry_store_error(st));
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
			return search_fail(s, rc, "%s", quarry_store_error(st));
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
