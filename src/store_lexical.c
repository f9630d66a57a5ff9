/*
 * store_lexical.c: the lexical index inside the store (man/quarry-store.5,
 * "lexical"): term postings kept exact in the write transaction that
 * changes the chunks, rebuilt from the chunks by
 * quarry_store_reindex_lexical(), and verified by store_lex_check().
 *
 * A write transaction notes each chunk's terms as it adds or removes the
 * chunk (store_lex_add(), store_lex_del()); store_lex_flush() then applies
 * them term by term, in term order, to the segments they fall in: each
 * touched segment is decoded, changed and written back (split in segments
 * of at most LEX_SEG_MAX postings), so that an update costs in proportion
 * to what it changes, and new chunks (whose slots are always the highest)
 * only ever touch a term's last segment.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"
#include "lexical_private.h"

/* Noted changes are applied once this many are pending. */
#define LEX_FLUSH_OPS ((size_t)4 << 20)

struct lex_op {
	uint64_t slot;
	uint32_t tf, dl;	/* tf 0: a removal */
	uint32_t seq;
};

/* A term with its noted changes: its bytes in b when they fit, else at p
 * (TB()), so that finding it costs one cache line. */
struct lex_term {
	uint32_t hash;		/* lex_hash() of the term */
	uint32_t len;
	union {
		char b[40];
		char *p;
	} t;
	struct lex_op *ops;
	uint32_t n, cap;
};

#define TB(e) ((e)->len <= sizeof((e)->t.b) ? (e)->t.b : (e)->t.p)

/* A slot of the term table: a term's hash and its index + 1 (0: free). */
struct lex_slot {
	uint32_t hash, idx;
};

struct store_lex {
	lex_analyzer *an;
	struct lex_bag bag;
	char lang[16];
	struct lex_term *terms;
	size_t nterms, capterms;
	struct lex_slot *tab;	/* open addressing */
	size_t tabcap;
	size_t nops;
	uint32_t seq;
	int64_t tokens;		/* change of lex_tokens */
	struct lex_posting *pbuf;
	size_t pcap;
	unsigned char *ebuf;
	size_t ecap;
	uint64_t *dbuf;		/* slots removed from a segment */
	size_t dcap;
	struct lex_op *obuf;	/* sort_ops()'s */
	size_t ocap;
};

int
store_lex_new(quarry_store *st, struct store_lex **out)
{
	struct store_lex *lx = calloc(1, sizeof(*lx));

	*out = NULL;
	if (lx == NULL || lex_analyzer_new(&lx->an) != 0) {
		free(lx);
		return ENOMEM;
	}
	snprintf(lx->lang, sizeof(lx->lang), "%s", st->lexlang);
	*out = lx;
	return 0;
}

static void
lex_terms_clear(struct store_lex *lx)
{
	size_t i;

	for (i = 0; i < lx->nterms; i++) {
		if (lx->terms[i].len > sizeof(lx->terms[i].t.b))
			free(lx->terms[i].t.p);
		free(lx->terms[i].ops);
	}
	lx->nterms = 0;
	lx->nops = 0;
	if (lx->tab != NULL)
		memset(lx->tab, 0, lx->tabcap * sizeof(*lx->tab));
}

void
store_lex_free(struct store_lex *lx)
{
	if (lx == NULL)
		return;
	lex_terms_clear(lx);
	free(lx->terms);
	free(lx->tab);
	free(lx->pbuf);
	free(lx->ebuf);
	free(lx->dbuf);
	free(lx->obuf);
	lex_bag_free(&lx->bag);
	lex_analyzer_free(lx->an);
	free(lx);
}

static int
grow_tab(struct store_lex *lx)
{
	size_t cap = lx->tabcap ? lx->tabcap * 2 : 4096, i;
	struct lex_slot *tab = calloc(cap, sizeof(*tab));

	if (tab == NULL)
		return ENOMEM;
	for (i = 0; i < lx->nterms; i++) {
		size_t h = lx->terms[i].hash & (cap - 1);

		while (tab[h].idx != 0)
			h = (h + 1) & (cap - 1);
		tab[h].hash = lx->terms[i].hash;
		tab[h].idx = (uint32_t)i + 1;
	}
	free(lx->tab);
	lx->tab = tab;
	lx->tabcap = cap;
	return 0;
}

static struct lex_term *
term_entry(struct store_lex *lx, const char *t, size_t len, uint32_t hash)
{
	size_t h;
	struct lex_term *e;

	if ((lx->nterms + 1) * 2 > lx->tabcap && grow_tab(lx) != 0)
		return NULL;
	h = hash & (lx->tabcap - 1);
	while (lx->tab[h].idx != 0) {
		if (lx->tab[h].hash == hash) {
			e = &lx->terms[lx->tab[h].idx - 1];
			if (e->len == len && memcmp(TB(e), t, len) == 0)
				return e;
		}
		h = (h + 1) & (lx->tabcap - 1);
	}
	if (lx->nterms == lx->capterms) {
		size_t cap = lx->capterms ? lx->capterms * 2 : 1024;
		struct lex_term *n = realloc(lx->terms, cap * sizeof(*n));

		if (n == NULL)
			return NULL;
		lx->terms = n;
		lx->capterms = cap;
	}
	e = &lx->terms[lx->nterms];
	memset(e, 0, sizeof(*e));
	if (len > sizeof(e->t.b) && (e->t.p = malloc(len)) == NULL)
		return NULL;
	e->len = (uint32_t)len;
	memcpy(TB(e), t, len);
	e->hash = hash;
	lx->tab[h].hash = hash;
	lx->tab[h].idx = (uint32_t)++lx->nterms;
	return e;
}

/* Notes the terms of lx->bag at slot as added (add) or removed. */
static int
note_bag(struct store_lex *lx, uint64_t slot, int add)
{
	size_t i;

	for (i = 0; i < lx->bag.n; i++) {
		const struct lex_tf *t = &lx->bag.t[i];
		struct lex_term *e = term_entry(lx, t->term, t->len,
		    t->hash);

		if (e == NULL)
			return ENOMEM;
		if (e->n == e->cap) {
			size_t cap = e->cap ? e->cap * 2 : 4;
			struct lex_op *n = realloc(e->ops, cap * sizeof(*n));

			if (n == NULL)
				return ENOMEM;
			e->ops = n;
			e->cap = cap;
		}
		e->ops[e->n].slot = slot;
		e->ops[e->n].tf = add ? t->tf : 0;
		e->ops[e->n].dl = lx->bag.dl;
		e->ops[e->n].seq = lx->seq;
		e->n++;
		lx->nops++;
	}
	lx->seq++;
	lx->tokens += add ? (int64_t)lx->bag.dl : -(int64_t)lx->bag.dl;
	return 0;
}

/* Notes the terms of rec at slot as added (add) or removed. */
static int
note(struct store_lex *lx, const json_t *rec, uint64_t slot, int add)
{
	int rc;

	if ((rc = lex_bag_fill(lx->an, &lx->bag, rec, lx->lang)) != 0)
		return rc == QUARRY_ENOMEM ? ENOMEM : MDB_CORRUPTED;
	return note_bag(lx, slot, add);
}

int
store_lex_add(struct store_lex *lx, const json_t *rec, uint64_t slot)
{
	return note(lx, rec, slot, 1);
}

int
store_lex_del(struct store_lex *lx, const json_t *rec, uint64_t slot)
{
	return note(lx, rec, slot, 0);
}

size_t
store_lex_pending(const struct store_lex *lx)
{
	return lx->nops;
}

/*
 * Sorts ops by slot, stably (they were noted in seq order): runs of 16 by
 * insertion, then merged bottom-up through lx->obuf.  A removal noted
 * before an addition at the same slot stays before it.
 */
static int
sort_ops(struct store_lex *lx, struct lex_op *a, size_t n)
{
	struct lex_op *src = a, *dst, *t, x;
	size_t i, j, w, lo, mid, hi, l, r, o;

	for (i = 1; i < n && a[i - 1].slot <= a[i].slot; i++)
		;
	if (i >= n)
		return 0;
	for (lo = 0; lo < n; lo += 16) {
		hi = lo + 16 < n ? lo + 16 : n;
		for (i = lo + 1; i < hi; i++) {
			x = a[i];
			for (j = i; j > lo && a[j - 1].slot > x.slot; j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
	}
	if (n <= 16)
		return 0;
	if (n > lx->ocap) {
		free(lx->obuf);
		if ((lx->obuf = malloc(n * sizeof(*lx->obuf))) == NULL) {
			lx->ocap = 0;
			return ENOMEM;
		}
		lx->ocap = n;
	}
	dst = lx->obuf;
	for (w = 16; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			mid = lo + w < n ? lo + w : n;
			hi = lo + 2 * w < n ? lo + 2 * w : n;
			for (l = lo, r = mid, o = lo; l < mid && r < hi; )
				dst[o++] = src[r].slot < src[l].slot ?
				    src[r++] : src[l++];
			while (l < mid)
				dst[o++] = src[l++];
			while (r < hi)
				dst[o++] = src[r++];
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	return 0;
}

static int
term_cmp(const void *pa, const void *pb)
{
	const struct lex_term *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(TB(a), TB(b), n);

	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static int
reserve(struct store_lex *lx, size_t n)
{
	if (n > lx->pcap) {
		size_t cap = lx->pcap ? lx->pcap : 1024;
		struct lex_posting *p;

		while (cap < n)
			cap *= 2;
		if ((p = realloc(lx->pbuf, cap * sizeof(*p))) == NULL)
			return ENOMEM;
		lx->pbuf = p;
		lx->pcap = cap;
	}
	if (32 + LEX_SEG_MAX * 30 > lx->ecap) {
		free(lx->ebuf);
		lx->ecap = 32 + LEX_SEG_MAX * 30;
		if ((lx->ebuf = malloc(lx->ecap)) == NULL) {
			lx->ecap = 0;
			return ENOMEM;
		}
	}
	return 0;
}

/* Whether key k is a segment key of term t (and then its first slot). */
static int
seg_of(const MDB_val *k, const char *t, size_t len, uint64_t *first)
{
	const unsigned char *p = k->mv_data;
	int i;

	if (k->mv_size != len + 9 || memcmp(p, t, len) != 0 || p[len] != 0)
		return 0;
	*first = 0;
	for (i = 0; i < 8; i++)
		*first = *first << 8 | p[len + 1 + i];
	return 1;
}

struct hdr {
	uint64_t df;
	uint32_t maxtf, mindl;
};

static int
hdr_parse(const MDB_val *v, struct hdr *h)
{
	const unsigned char *p = v->mv_data, *end = p + v->mv_size;
	uint64_t a, b, c;

	if (lex_get_varint(&p, end, &a) || lex_get_varint(&p, end, &b) ||
	    lex_get_varint(&p, end, &c) || p != end || b > UINT32_MAX ||
	    c > UINT32_MAX)
		return -1;
	h->df = a;
	h->maxtf = (uint32_t)b;
	h->mindl = (uint32_t)c;
	return 0;
}

int
store_lex_header(const MDB_val *v, uint64_t *df, uint32_t *maxtf,
    uint32_t *mindl)
{
	struct hdr h;

	if (hdr_parse(v, &h) != 0)
		return -1;
	*df = h.df;
	*maxtf = h.maxtf;
	*mindl = h.mindl;
	return 0;
}

/* Recomputes a term's header from all its segments. */
static int
hdr_scan(MDB_cursor *cur, const char *t, size_t len, struct hdr *h)
{
	unsigned char kb[LEX_MAX_TERM + 16];
	MDB_val k, v;
	struct lex_seg s;
	uint64_t first;
	int rc;

	h->df = 0;
	h->maxtf = 0;
	h->mindl = UINT32_MAX;
	k.mv_size = lex_key(kb, t, len, 1, 0);
	k.mv_data = kb;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && seg_of(&k, t, len, &first)) {
		if (lex_seg_open(&s, first, v.mv_data, v.mv_size) != 0)
			return MDB_CORRUPTED;
		h->df += s.n;
		if (s.maxtf > h->maxtf)
			h->maxtf = s.maxtf;
		if (s.mindl < h->mindl)
			h->mindl = s.mindl;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Writes postings ps[0..n) as segments of at most LEX_SEG_MAX. */
static int
put_segments(struct store_lex *lx, MDB_txn *txn, MDB_dbi dbi,
    const struct lex_term *e, const struct lex_posting *ps, size_t n)
{
	unsigned char kb[LEX_MAX_TERM + 16];
	MDB_val k, v;
	size_t i, m;
	int rc;

	for (i = 0; i < n; i += m) {
		m = n - i > LEX_SEG_MAX ? LEX_SEG_MAX : n - i;
		/* Two halves rather than a full segment and a tiny one. */
		if (n - i > LEX_SEG_MAX && n - i < LEX_SEG_MAX + LEX_SEG_MAX / 4)
			m = (n - i + 1) / 2;
		k.mv_size = lex_key(kb, TB(e), e->len, 1, ps[i].slot);
		k.mv_data = kb;
		v.mv_size = lex_seg_encode(ps + i, m, lx->ebuf);
		v.mv_data = lx->ebuf;
		if ((rc = mdb_put(txn, dbi, &k, &v, 0)) != 0)
			return rc;
	}
	return 0;
}

/*
 * Removes the postings of ops e->ops[i..i + nd) (removals of distinct
 * slots) from segment s, at the cursor, by lex_seg_remove().  Returns -1
 * when s is not fit for it (the caller decodes it instead).
 */
static int
splice(struct store_lex *lx, MDB_txn *txn, MDB_dbi dbi, MDB_cursor *cur,
    const struct lex_term *e, const struct lex_seg *s, size_t i, size_t nd,
    struct hdr *h, int *rescan)
{
	unsigned char kb[LEX_MAX_TERM + 16];
	struct lex_seg_cut c;
	MDB_val k, v;
	size_t j;
	int rc;

	if (reserve(lx, 0) != 0)
		return ENOMEM;
	if (LEX_SEG_HDR + (size_t)(s->end - s->p) + 10 > lx->ecap)
		return -1;
	if (nd > lx->dcap) {
		size_t cap = lx->dcap ? lx->dcap : 256;
		uint64_t *d;

		while (cap < nd)
			cap *= 2;
		if ((d = realloc(lx->dbuf, cap * sizeof(*d))) == NULL)
			return ENOMEM;
		lx->dbuf = d;
		lx->dcap = cap;
	}
	for (j = 0; j < nd; j++)
		lx->dbuf[j] = e->ops[i + j].slot;
	if (lex_seg_remove(s, lx->dbuf, nd, lx->ebuf, &c) != 0)
		return MDB_CORRUPTED;
	h->df -= nd;
	if (c.rmtf >= h->maxtf || c.rmdl <= h->mindl)
		*rescan = 1;
	if (c.n > 0 && c.first == s->first) {
		k.mv_size = lex_key(kb, TB(e), e->len, 1, c.first);
		k.mv_data = kb;
		v.mv_size = c.len;
		v.mv_data = (void *)c.val;
		return mdb_cursor_put(cur, &k, &v, MDB_CURRENT);
	}
	if ((rc = mdb_cursor_del(cur, 0)) != 0 || c.n == 0)
		return rc;
	k.mv_size = lex_key(kb, TB(e), e->len, 1, c.first);
	k.mv_data = kb;
	v.mv_size = c.len;
	v.mv_data = (void *)c.val;
	return mdb_put(txn, dbi, &k, &v, 0);
}

/* Applies the noted changes of one term. */
static int
flush_term(struct store_lex *lx, MDB_txn *txn, MDB_dbi dbi, MDB_cursor *cur,
    struct lex_term *e)
{
	unsigned char kb[LEX_MAX_TERM + 16], hb[32];
	MDB_val k, v;
	struct hdr h = { 0, 0, UINT32_MAX };
	struct lex_seg s;
	size_t i = 0, np, o, iend, nd;
	const char *term = TB(e);
	int rc, rescan = 0, had;

	if ((rc = sort_ops(lx, e->ops, e->n)) != 0)
		return rc;
	i = 0;
	k.mv_size = lex_key(kb, term, e->len, 0, 0);
	k.mv_data = kb;
	rc = mdb_get(txn, dbi, &k, &v);
	if (rc == 0) {
		if (hdr_parse(&v, &h) != 0)
			return MDB_CORRUPTED;
	} else if (rc != MDB_NOTFOUND)
		return rc;
	had = rc == 0;
	while (i < e->n) {
		uint64_t slot = e->ops[i].slot, first = 0, nextfirst = UINT64_MAX;
		uint64_t back;
		int found = 0;

		/* The segment holding slot: the last whose first <= slot,
		 * else the first one. */
		k.mv_size = lex_key(kb, term, e->len, 1, slot);
		k.mv_data = kb;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
		if (rc == 0 && seg_of(&k, term, e->len, &first) &&
		    first == slot)
			found = 1;
		else {
			int prc = rc == MDB_NOTFOUND ?
			    mdb_cursor_get(cur, &k, &v, MDB_LAST) :
			    mdb_cursor_get(cur, &k, &v, MDB_PREV);

			if (prc == 0 && seg_of(&k, term, e->len, &first))
				found = 1;
			else if (prc != 0 && prc != MDB_NOTFOUND)
				return prc;
			else if (rc == 0) {
				/* Before the first segment: take that one. */
				k.mv_size = lex_key(kb, term, e->len, 1,
				    slot);
				k.mv_data = kb;
				rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
				if (rc == 0 && seg_of(&k, term, e->len,
				    &first))
					found = 1;
				else if (rc != 0 && rc != MDB_NOTFOUND)
					return rc;
			}
		}
		np = 0;
		if (found) {
			if (lex_seg_open(&s, first, v.mv_data, v.mv_size) != 0)
				return MDB_CORRUPTED;
			/* The next segment's first slot, then back: the
			 * segment is replaced at the cursor. */
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			if (rc == 0 && seg_of(&k, term, e->len, &nextfirst))
				;
			else if (rc != 0 && rc != MDB_NOTFOUND)
				return rc;
			else
				nextfirst = UINT64_MAX;
			rc = mdb_cursor_get(cur, &k, &v, rc == 0 ? MDB_PREV :
			    MDB_LAST);
			if (rc != 0)
				return rc;
			if (!seg_of(&k, term, e->len, &back) || back != first)
				return MDB_CORRUPTED;
			/* Removals only, each of another slot: spliced. */
			for (iend = i, nd = 0; iend < e->n &&
			    e->ops[iend].slot < nextfirst; iend++)
				if (e->ops[iend].tf == 0 && (iend == i ||
				    e->ops[iend].slot != e->ops[iend - 1].slot))
					nd++;
			if (nd == iend - i && s.n <= LEX_SEG_MAX &&
			    (rc = splice(lx, txn, dbi, cur, e, &s, i, nd,
			    &h, &rescan)) != -1) {
				if (rc != 0)
					return rc;
				i = iend;
				continue;
			}
			if (reserve(lx, 2 * ((size_t)s.n + e->n)) != 0)
				return ENOMEM;
			if (lex_seg_decode(&s, lx->pbuf) != 0)
				return MDB_CORRUPTED;
			np = s.n;
		} else if (reserve(lx, 2 * e->n) != 0)
			return ENOMEM;
		/* Merge: the ops of this segment's range into pbuf[0..np). */
		{
			struct lex_posting *p = lx->pbuf, *out = p + np;
			size_t a = 0, nout = 0;

			while (i < e->n && e->ops[i].slot < nextfirst) {
				uint64_t sl = e->ops[i].slot;
				int present;
				struct lex_posting cur_p = { sl, 0, 0 };

				while (a < np && p[a].slot < sl)
					out[nout++] = p[a++];
				present = a < np && p[a].slot == sl;
				if (present)
					cur_p = p[a++];
				for (; i < e->n && e->ops[i].slot == sl; i++) {
					if (e->ops[i].tf == 0) {
						if (!present)
							return MDB_CORRUPTED;
						if (cur_p.tf == h.maxtf ||
						    cur_p.dl == h.mindl)
							rescan = 1;
						present = 0;
						h.df--;
					} else {
						if (present)
							return MDB_CORRUPTED;
						present = 1;
						cur_p.tf = e->ops[i].tf;
						cur_p.dl = e->ops[i].dl;
						h.df++;
						if (cur_p.tf > h.maxtf)
							h.maxtf = cur_p.tf;
						if (cur_p.dl < h.mindl)
							h.mindl = cur_p.dl;
					}
				}
				if (present)
					out[nout++] = cur_p;
			}
			while (a < np)
				out[nout++] = p[a++];
			if (found && nout > 0 && nout <= LEX_SEG_MAX &&
			    out[0].slot == first) {
				/* The same key: replaced in place. */
				k.mv_size = lex_key(kb, term, e->len, 1, first);
				k.mv_data = kb;
				v.mv_size = lex_seg_encode(out, nout, lx->ebuf);
				v.mv_data = lx->ebuf;
				if ((rc = mdb_cursor_put(cur, &k, &v,
				    MDB_CURRENT)) != 0)
					return rc;
				continue;
			}
			if (found && (rc = mdb_cursor_del(cur, 0)) != 0)
				return rc;
			if (nout > 0 && (rc = put_segments(lx, txn, dbi, e,
			    out, nout)) != 0)
				return rc;
		}
	}
	if (rescan && (rc = hdr_scan(cur, term, e->len, &h)) != 0)
		return rc;
	k.mv_size = lex_key(kb, term, e->len, 0, 0);
	k.mv_data = kb;
	if (h.df == 0)
		return had ? mdb_del(txn, dbi, &k, NULL) : 0;
	o = lex_put_varint(hb, h.df);
	o += lex_put_varint(hb + o, h.maxtf);
	o += lex_put_varint(hb + o, h.mindl);
	v.mv_size = o;
	v.mv_data = hb;
	return mdb_put(txn, dbi, &k, &v, 0);
}

int
store_lex_flush(struct store_lex *lx, quarry_store *st, MDB_txn *txn)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t tokens = 0;
	char buf[32];
	size_t i;
	int rc;

	if (lx->nterms > 0) {
		qsort(lx->terms, lx->nterms, sizeof(*lx->terms), term_cmp);
		if ((rc = mdb_cursor_open(txn, st->dbi[DB_TERMS], &cur)) != 0)
			return rc;
		quarry_store_release_pages(st);
		for (i = 0, rc = 0; i < lx->nterms && rc == 0; i++) {
			rc = flush_term(lx, txn, st->dbi[DB_TERMS], cur,
			    &lx->terms[i]);
			if (i % STORE_RELEASE_TERMS == STORE_RELEASE_TERMS - 1)
				quarry_store_release_pages(st);
		}
		mdb_cursor_close(cur);
		lex_terms_clear(lx);
		if (rc != 0)
			return rc;
	}
	if (lx->tokens != 0) {
		rc = store_meta_u64(txn, st->dbi[DB_META], "lex_tokens", &tokens);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
		if (lx->tokens < 0 && (uint64_t)-lx->tokens > tokens)
			return MDB_CORRUPTED;
		tokens += (uint64_t)lx->tokens;
		lx->tokens = 0;
		k.mv_size = 10;
		k.mv_data = (void *)"lex_tokens";
		v.mv_size = (size_t)snprintf(buf, sizeof(buf), "%llu",
		    (unsigned long long)tokens);
		v.mv_data = buf;
		if ((rc = mdb_put(txn, st->dbi[DB_META], &k, &v, 0)) != 0)
			return rc;
	}
	return 0;
}

/* --------------------------------------------------- reading the records */

/*
 * Rebuilding and checking the index read every chunk record for four of
 * its fields.  A stored record is read here without decoding all of it:
 * its top-level members are scanned, the strings of title, headings, text
 * and lang decoded, and the ones the chunk does not hold are taken from its
 * document's entry, parsed once for the document's consecutive chunks (as
 * store_record_decode() merges them).  Anything less usual (escapes in a
 * key or in "doc", \u0000, a list of absent fields, a field twice) is left
 * to the full decoding, so that both read the same text.
 */
enum { F_TITLE, F_HEADINGS, F_TEXT, F_LANG, NFIELDS };
static const char *const fname[NFIELDS] = { "title", "headings", "text",
    "lang" };

struct span {
	const char *p;		/* NULL: at off in the reader's buffer */
	size_t off, len;
	int field;
};

/* The strings of a record's fields. */
struct spans {
	struct quarry_buf sb;	/* strings with escapes, decoded */
	struct span *sp;
	size_t nsp, capsp;
};

struct rdr {
	struct spans c;		/* the chunk's */
	struct spans m;		/* its document's, from mcopy */
	int mhave[NFIELDS];
	struct quarry_buf mcopy;	/* the document's entry */
	char doc[STORE_MAX_DOC + 1];	/* the document of m, or docent */
	int mok;		/* m holds doc's fields */
	json_t *docent;		/* else its entry, parsed */
};

static void
rdr_free(struct rdr *r)
{
	quarry_buf_free(&r->c.sb);
	free(r->c.sp);
	quarry_buf_free(&r->m.sb);
	free(r->m.sp);
	quarry_buf_free(&r->mcopy);
	json_decref(r->docent);
}

static int
add_span(struct spans *r, const char *p, size_t off, size_t len, int field)
{
	if (r->nsp == r->capsp) {
		size_t cap = r->capsp ? r->capsp * 2 : 16;
		struct span *n = realloc(r->sp, cap * sizeof(*n));

		if (n == NULL)
			return -1;
		r->sp = n;
		r->capsp = cap;
	}
	r->sp[r->nsp].p = p;
	r->sp[r->nsp].off = off;
	r->sp[r->nsp].len = len;
	r->sp[r->nsp].field = field;
	r->nsp++;
	return 0;
}

static int
hex4(const char *s, unsigned *u)
{
	int i;

	*u = 0;
	for (i = 0; i < 4; i++) {
		char c = s[i];

		*u <<= 4;
		if (c >= '0' && c <= '9')
			*u |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*u |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*u |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/*
 * Scans the JSON string at s[*pi] (a '"'); with r, keeps it as a span of
 * field.  Returns 0, or 1 to fall back to the full decoding.
 */
static int
scan_str(const char *s, size_t n, size_t *pi, struct spans *r, int field)
{
	size_t i = *pi + 1, st = i, off;

	while (i < n && s[i] != '"' && s[i] != '\\')
		i++;
	if (i >= n)
		return 1;
	if (s[i] == '"') {
		*pi = i + 1;
		return r != NULL && add_span(r, s + st, 0, i - st, field) != 0;
	}
	if (r == NULL) {
		while (i < n && s[i] != '"')
			i += s[i] == '\\' ? 2 : 1;
		if (i >= n)
			return 1;
		*pi = i + 1;
		return 0;
	}
	off = r->sb.len;
	if (quarry_buf_append(&r->sb, s + st, i - st) != 0)
		return 1;
	while (i < n && s[i] != '"') {
		char ch[4];
		size_t cl = 1, j;
		unsigned u, lo;

		if (s[i] != '\\') {
			for (j = i; j < n && s[j] != '"' && s[j] != '\\'; j++)
				;
			if (quarry_buf_append(&r->sb, s + i, j - i) != 0)
				return 1;
			i = j;
			continue;
		}
		if (++i >= n)
			return 1;
		switch (s[i]) {
		case '"': case '\\': case '/':
			ch[0] = s[i];
			break;
		case 'b': ch[0] = '\b'; break;
		case 'f': ch[0] = '\f'; break;
		case 'n': ch[0] = '\n'; break;
		case 'r': ch[0] = '\r'; break;
		case 't': ch[0] = '\t'; break;
		case 'u':
			if (n - i < 5 || hex4(s + i + 1, &u) != 0 || u == 0)
				return 1;
			i += 4;
			if (u >= 0xdc00 && u <= 0xdfff)
				return 1;
			if (u >= 0xd800 && u <= 0xdbff) {
				if (n - i < 7 || s[i + 1] != '\\' ||
				    s[i + 2] != 'u' || hex4(s + i + 3, &lo) != 0 ||
				    lo < 0xdc00 || lo > 0xdfff)
					return 1;
				i += 6;
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (u < 0x80)
				ch[0] = (char)u;
			else if (u < 0x800) {
				ch[0] = (char)(0xc0 | u >> 6);
				ch[1] = (char)(0x80 | (u & 0x3f));
				cl = 2;
			} else if (u < 0x10000) {
				ch[0] = (char)(0xe0 | u >> 12);
				ch[1] = (char)(0x80 | (u >> 6 & 0x3f));
				ch[2] = (char)(0x80 | (u & 0x3f));
				cl = 3;
			} else {
				ch[0] = (char)(0xf0 | u >> 18);
				ch[1] = (char)(0x80 | (u >> 12 & 0x3f));
				ch[2] = (char)(0x80 | (u >> 6 & 0x3f));
				ch[3] = (char)(0x80 | (u & 0x3f));
				cl = 4;
			}
			break;
		default:
			return 1;
		}
		if (quarry_buf_append(&r->sb, ch, cl) != 0)
			return 1;
		i++;
	}
	if (i >= n)
		return 1;
	*pi = i + 1;
	return add_span(r, NULL, off, r->sb.len - off, field) != 0;
}

#define WS(s, n, i) while ((i) < (n) && ((s)[i] == ' ' || (s)[i] == '\t' || \
	(s)[i] == '\n' || (s)[i] == '\r')) (i)++

/* Skips the value at s[*pi]: to the ',' or '}' after it.  1: fall back. */
static int
skip_val(const char *s, size_t n, size_t *pi)
{
	size_t i = *pi;
	int depth = 0;

	for (;;) {
		if (i >= n)
			return 1;
		if (s[i] == '"') {
			if (scan_str(s, n, &i, NULL, 0) != 0)
				return 1;
			continue;
		}
		if (s[i] == '{' || s[i] == '[')
			depth++;
		else if (s[i] == '}' || s[i] == ']') {
			if (depth == 0)
				break;
			depth--;
		} else if (s[i] == ',' && depth == 0)
			break;
		i++;
	}
	*pi = i;
	return 0;
}

/*
 * Scans the key of an object's member at *pi, a string without escapes,
 * and its ':': the key's offset and length in *ks and *kl, *pi moved to the
 * value (past white space).  Returns 0, or 1 when there is no such key or
 * no value after it.
 */
static int
scan_key(const char *s, size_t n, size_t *pi, size_t *ks, size_t *kl)
{
	size_t i = *pi;

	WS(s, n, i);
	if (i >= n || s[i] != '"')
		return 1;
	for (*ks = ++i; i < n && s[i] != '"' && s[i] != '\\'; i++)
		;
	if (i >= n || s[i] != '"')
		return 1;
	*kl = i++ - *ks;
	WS(s, n, i);
	if (i >= n || s[i++] != ':')
		return 1;
	WS(s, n, i);
	if (i >= n)
		return 1;
	*pi = i;
	return 0;
}

/*
 * Scans record s[0..n): the spans of its fields, have[f] whether it holds
 * field f, and its document's name (*doc, *doclen).  Returns 0, or 1 to fall
 * back to the full decoding.
 */
static int
scan_record(const char *s, size_t n, struct spans *r, int have[NFIELDS],
    const char **doc, size_t *doclen)
{
	size_t i = 0;

	*doc = NULL;
	WS(s, n, i);
	if (i >= n || s[i++] != '{')
		return 1;
	WS(s, n, i);
	if (i < n && s[i] == '}')
		return 0;
	for (;;) {
		size_t ks, kl;
		int f;

		if (scan_key(s, n, &i, &ks, &kl) != 0 || kl == 0)
			return 1;	/* "": fields of the document absent */
		for (f = 0; f < NFIELDS; f++)
			if (strlen(fname[f]) == kl &&
			    memcmp(s + ks, fname[f], kl) == 0)
				break;
		if (f < NFIELDS) {
			if (have[f])
				return 1;
			have[f] = 1;
		}
		if (f < NFIELDS && f != F_HEADINGS && s[i] == '"') {
			if (scan_str(s, n, &i, r, f) != 0)
				return 1;
		} else if (f == F_HEADINGS && s[i] == '[') {
			/* Its strings; other values are passed over. */
			for (i++;;) {
				WS(s, n, i);
				if (i < n && s[i] == ']') {
					i++;
					break;
				}
				if (i < n && s[i] == '"') {
					if (scan_str(s, n, &i, r, f) != 0)
						return 1;
				} else if (i >= n || skip_val(s, n, &i) != 0 ||
				    s[i] == '}')
					return 1;
				WS(s, n, i);
				if (i < n && s[i] == ',')
					i++;
				else if (i >= n || s[i] != ']')
					return 1;
			}
		} else if (kl == 3 && memcmp(s + ks, "doc", 3) == 0) {
			size_t st = i + 1;

			if (*doc != NULL || s[i] != '"' ||
			    scan_str(s, n, &i, NULL, 0) != 0 ||
			    memchr(s + st, '\\', i - 1 - st) != NULL)
				return 1;
			*doc = s + st;
			*doclen = i - 1 - st;
		} else if (skip_val(s, n, &i) != 0)
			return 1;
		WS(s, n, i);
		if (i < n && s[i] == ',') {
			i++;
			continue;
		}
		if (i < n && s[i] == '}')
			return 0;
		return 1;
	}
}

/* The value of top-level member name of object s[0..n): its offset, or 0. */
static size_t
member(const char *s, size_t n, const char *name)
{
	size_t i = 0, nl = strlen(name);

	WS(s, n, i);
	if (i >= n || s[i++] != '{')
		return 0;
	for (;;) {
		size_t ks, kl;

		if (scan_key(s, n, &i, &ks, &kl) != 0)
			return 0;
		if (kl == nl && memcmp(s + ks, name, nl) == 0)
			return i;
		if (skip_val(s, n, &i) != 0 || s[i] != ',')
			return 0;
		i++;
	}
}

/* Reads the fields of document doc[0..len) into r (m, else docent). */
static int
load_doc(struct rdr *r, quarry_store *st, MDB_txn *txn, const char *doc,
    size_t len)
{
	MDB_val k = { len, (void *)doc }, dv;
	const char *md;
	size_t mo;

	json_decref(r->docent);
	r->docent = NULL;
	r->mok = 0;
	r->doc[0] = '\0';
	if (mdb_get(txn, st->dbi[DB_DOCS], &k, &dv) != 0)
		return 1;
	r->mcopy.len = 0;
	r->m.sb.len = 0;
	r->m.nsp = 0;
	memset(r->mhave, 0, sizeof(r->mhave));
	if (quarry_buf_append(&r->mcopy, dv.mv_data, dv.mv_size) != 0)
		return 1;
	md = r->mcopy.data;
	if ((mo = member(md, dv.mv_size, "meta")) != 0 && md[mo] == '{' &&
	    scan_record(md + mo, dv.mv_size - mo, &r->m, r->mhave, &doc,
	    &len) == 0)
		r->mok = 1;
	else if ((r->docent = store_doc_parse(&dv)) == NULL)
		return 1;
	memcpy(r->doc, k.mv_data, k.mv_size);
	r->doc[k.mv_size] = '\0';
	return 0;
}

/* The language in the first span of field F_LANG in r, into buf; NULL when
 * there is none. */
static const char *
span_lang(const struct spans *r, char *buf, size_t size)
{
	size_t i, n;

	for (i = 0; i < r->nsp && r->sp[i].field != F_LANG; i++)
		;
	if (i == r->nsp)
		return NULL;
	n = r->sp[i].len < size - 1 ? r->sp[i].len : size - 1;
	memcpy(buf, r->sp[i].p ? r->sp[i].p : r->sb.data + r->sp[i].off, n);
	buf[n] = '\0';
	return memchr(buf, '\0', n) == NULL ? buf : NULL;
}

/* Adds the strings of field f in r to lx's bag. */
static int
span_text(struct store_lex *lx, const struct spans *r, int f,
    const char *lang)
{
	size_t i;
	int rc;

	for (i = 0; i < r->nsp; i++) {
		const struct span *sp = &r->sp[i];

		if (sp->field == f && (rc = lex_bag_text(lx->an, &lx->bag,
		    sp->p ? sp->p : r->sb.data + sp->off, sp->len, lang)) != 0)
			return rc;
	}
	return 0;
}

/*
 * Fills lx->bag with the terms of the chunk record at v, as lex_bag_fill()
 * on store_record_load()'s record would.  Returns 0, 1 when the record
 * cannot be read (the full decoding says why), or a negative code.
 */
static int
fill_stored(struct store_lex *lx, struct rdr *r, quarry_store *st,
    MDB_txn *txn, const MDB_val *v)
{
	int have[NFIELDS] = { 0 }, rc, f;
	const char *doc, *lang = NULL;
	const json_t *meta = NULL, *mv, *e;
	char lbuf[64];
	size_t doclen = 0, j;

	r->c.sb.len = 0;
	r->c.nsp = 0;
	if (scan_record(v->mv_data, v->mv_size, &r->c, have, &doc,
	    &doclen) != 0 || doc == NULL || doclen == 0 ||
	    doclen > STORE_MAX_DOC)
		goto full;
	if ((r->mok || r->docent != NULL) && strlen(r->doc) == doclen &&
	    memcmp(r->doc, doc, doclen) == 0)
		;	/* the same document as the last chunk's */
	else if (load_doc(r, st, txn, doc, doclen) != 0)
		goto full;
	if (!r->mok)
		meta = json_object_get(r->docent, "meta");
	/* The language: the chunk's, else its document's. */
	if (have[F_LANG])
		lang = span_lang(&r->c, lbuf, sizeof(lbuf));
	else if (r->mok)
		lang = r->mhave[F_LANG] ? span_lang(&r->m, lbuf,
		    sizeof(lbuf)) : NULL;
	else
		lang = quarry_record_string(meta, "lang", NULL);
	if (lang == NULL || *lang == '\0')
		lang = lx->lang;
	lex_bag_start(&lx->bag);
	for (f = F_TITLE; f <= F_TEXT; f++) {
		if (have[f] || r->mok) {
			rc = span_text(lx, have[f] ? &r->c : &r->m, f, lang);
			if (rc != 0)
				return rc;
			continue;
		}
		if ((mv = json_object_get(meta, fname[f])) == NULL)
			continue;
		if (f == F_HEADINGS) {
			json_array_foreach(mv, j, e)
				if (json_is_string(e) && (rc = lex_bag_text(
				    lx->an, &lx->bag, json_string_value(e),
				    json_string_length(e), lang)) != 0)
					return rc;
		} else if (json_is_string(mv) && (rc = lex_bag_text(lx->an,
		    &lx->bag, json_string_value(mv), json_string_length(mv),
		    lang)) != 0)
			return rc;
	}
	lex_bag_end(&lx->bag);
	return 0;
full:
	{
		json_t *rec = store_record_load(st, txn, v);

		if (rec == NULL)
			return 1;
		rc = lex_bag_fill(lx->an, &lx->bag, rec, lx->lang);
		json_decref(rec);
		return rc;
	}
}

/* ------------------------------------------------------------ rebuilding */

/* Writes the meta keys of a store with a lexical index. */
int
store_lex_meta(quarry_store *st, MDB_txn *txn)
{
	/* Format 4 has the change log as well (src/changes.c). */
	const struct { const char *k, *v; } kv[] = {
		{ "format", st->changesdb ? "4" : "3" },
		{ "lexical", LEX_ANALYZER },
	};
	MDB_val k, v;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		k.mv_size = strlen(kv[i].k);
		k.mv_data = (void *)kv[i].k;
		v.mv_size = strlen(kv[i].v);
		v.mv_data = (void *)kv[i].v;
		if ((rc = mdb_put(txn, st->dbi[DB_META], &k, &v, 0)) != 0)
			return rc;
	}
	k.mv_size = 12;
	k.mv_data = (void *)"lexical_lang";
	v.mv_size = strlen(st->lexlang);
	v.mv_data = st->lexlang;
	return mdb_put(txn, st->dbi[DB_META], &k, &v, 0);
}

struct rebuild_arg {
	uint64_t nchunks;	/* chunks indexed */
	int hasdb;		/* the terms database exists once txn commits */
};

/*
 * Rebuilds the terms database in txn (store_write_txn()).  A store without
 * one gets it here; st->termsdb is set by the caller only after the
 * commit, because store_write_txn() aborts txn on a full map and replays
 * it, and a database opened in a transaction that aborts is closed: the
 * replay must open it again, not use the stale handle.
 */
static int
rebuild(quarry_store *st, MDB_txn *txn, void *arg)
{
	struct rebuild_arg *a = arg;
	struct rdr r = { 0 };
	struct store_lex *lx;
	MDB_cursor *cur;
	MDB_val k, v, mk = { 10, (void *)"lex_tokens" };
	uint64_t *nchunks = &a->nchunks;
	int rc;

	*nchunks = 0;
	if (!st->termsdb) {
		if ((rc = mdb_dbi_open(txn, "terms", MDB_CREATE,
		    &st->dbi[DB_TERMS])) != 0)
			return rc;
		a->hasdb = 1;
	}
	if ((rc = mdb_drop(txn, st->dbi[DB_TERMS], 0)) != 0)
		return rc;
	rc = mdb_del(txn, st->dbi[DB_META], &mk, NULL);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	if ((rc = store_lex_meta(st, txn)) != 0)
		return rc;
	if ((rc = store_lex_new(st, &lx)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_CHUNKS], &cur)) != 0) {
		store_lex_free(lx);
		return rc;
	}
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		size_t slot;

		if (k.mv_size != sizeof(slot)) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(&slot, k.mv_data, sizeof(slot));
		if ((rc = fill_stored(lx, &r, st, txn, &v)) != 0) {
			rc = rc == QUARRY_ENOMEM ? ENOMEM : MDB_CORRUPTED;
			break;
		}
		if ((rc = note_bag(lx, slot, 1)) != 0)
			break;
		(*nchunks)++;
		if (store_lex_pending(lx) >= LEX_FLUSH_OPS &&
		    (rc = store_lex_flush(lx, st, txn)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	rdr_free(&r);
	if (rc == MDB_NOTFOUND)
		rc = store_lex_flush(lx, st, txn);
	store_lex_free(lx);
	return rc;
}

int
quarry_store_reindex_lexical(quarry_store *st, uint64_t *chunks)
{
	struct rebuild_arg a = { 0, 0 };
	int rc;

	qerr_clear(&st->err);
	if ((rc = store_rewrite_begin(st)) != 0)
		return rc;
	if ((rc = store_write_txn(st, rebuild, &a)) != 0)
		return store_mdb_fail(st, rc, "cannot rebuild the lexical index");
	if (a.hasdb)
		st->termsdb = 1;
	st->lexical = 1;
	st->format = st->changesdb ? STORE_FORMAT : STORE_FORMAT_LEX;
	if (chunks != NULL)
		*chunks = a.nchunks;
	return 0;
}

/* ----------------------------------------------------------------- check */

/*
 * The check compares, slot by slot, a fingerprint of the postings (an
 * order-independent sum of a hash of each term with its frequency and the
 * slot's length) with the same fingerprint computed from the slot's record,
 * and verifies the structure of every segment and header.
 */
struct fpr {
	uint64_t sum;
	uint32_t n, dl;
};

static uint64_t
mix(const void *t, size_t len, uint32_t tf)
{
	const unsigned char *p = t;
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	h ^= tf;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

long
store_lex_check(quarry_store *st, MDB_txn *txn,
    void (*fn)(const char *msg, void *arg), void *arg)
{
	char msg[600];
	struct fpr *fp = NULL;
	uint64_t next = 0, tokens = 0, mtokens = 0;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	struct lex_posting *ps = NULL;
	struct store_lex *lx = NULL;
	long faults = 0;
	char term[LEX_MAX_TERM + 1];
	struct rdr r = { 0 };
	size_t tlen = 0, i;
	struct hdr want = { 0, 0, 0 }, got = { 0, 0, UINT32_MAX };
	int rc, inhdr = 0, lastseg = 0;
	uint64_t lastslot = 0;

#define FAULT(...) do { snprintf(msg, sizeof(msg), __VA_ARGS__); \
	faults++; if (fn) fn(msg, arg); } while (0)

	if (!st->lexical)
		return 0;
	store_meta_u64(txn, st->dbi[DB_META], "next_slot", &next);
	rc = store_meta_u64(txn, st->dbi[DB_META], "lex_tokens", &mtokens);
	if (rc != 0 && rc != MDB_NOTFOUND)
		FAULT("meta lex_tokens is not a number");
	if ((fp = calloc(next ? next : 1, sizeof(*fp))) == NULL ||
	    (ps = malloc(LEX_SEG_MAX * 4 * sizeof(*ps))) == NULL) {
		faults = QUARRY_ENOMEM;
		goto out;
	}
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_TERMS], &cur)) != 0)
		goto mdbfail;
#define END_TERM() do { \
	if (inhdr && (got.df != want.df || got.maxtf != want.maxtf || \
	    got.mindl != want.mindl)) \
		FAULT("lexical: term \"%s\": header says %llu postings, " \
		    "max tf %u, min length %u; its segments %llu, %u, %u", \
		    term, (unsigned long long)want.df, want.maxtf, \
		    want.mindl, (unsigned long long)got.df, got.maxtf, \
		    got.mindl); \
	} while (0)
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		const unsigned char *kp = k.mv_data;
		const unsigned char *nul = memchr(kp, 0, k.mv_size);
		size_t len = nul ? (size_t)(nul - kp) : k.mv_size;
		uint64_t first = 0;
		struct lex_seg s;

		if (nul == NULL || len == 0 || len > LEX_MAX_TERM ||
		    (k.mv_size != len + 1 && k.mv_size != len + 9)) {
			FAULT("lexical: malformed key of %zu bytes", k.mv_size);
			continue;
		}
		if (k.mv_size == len + 1) {
			END_TERM();
			memcpy(term, kp, len);
			term[len] = '\0';
			tlen = len;
			inhdr = 1;
			lastseg = 0;
			got.df = 0;
			got.maxtf = 0;
			got.mindl = UINT32_MAX;
			if (hdr_parse(&v, &want) != 0) {
				FAULT("lexical: term \"%s\": malformed header",
				    term);
				inhdr = 0;
			}
			continue;
		}
		if (!inhdr || len != tlen || memcmp(kp, term, len) != 0) {
			FAULT("lexical: a segment of \"%.*s\" without its "
			    "header", (int)len, (const char *)kp);
			continue;
		}
		seg_of(&k, term, tlen, &first);
		if (lex_seg_open(&s, first, v.mv_data, v.mv_size) != 0 ||
		    s.n > LEX_SEG_MAX || lex_seg_decode(&s, ps) != 0) {
			FAULT("lexical: term \"%s\": malformed segment at "
			    "slot %llu", term, (unsigned long long)first);
			continue;
		}
		if (lastseg && first <= lastslot)
			FAULT("lexical: term \"%s\": segments overlap at slot "
			    "%llu", term, (unsigned long long)first);
		lastseg = 1;
		lastslot = s.last;
		got.df += s.n;
		for (i = 0; i < s.n; i++) {
			if (ps[i].tf > got.maxtf)
				got.maxtf = ps[i].tf;
			if (ps[i].dl < got.mindl)
				got.mindl = ps[i].dl;
			if (ps[i].slot >= next) {
				FAULT("lexical: term \"%s\": slot %llu was never "
				    "allocated", term,
				    (unsigned long long)ps[i].slot);
				continue;
			}
			fp[ps[i].slot].sum += mix(term, tlen, ps[i].tf);
			fp[ps[i].slot].n++;
			if (fp[ps[i].slot].n > 1 && fp[ps[i].slot].dl !=
			    ps[i].dl)
				FAULT("lexical: slot %llu has two lengths",
				    (unsigned long long)ps[i].slot);
			fp[ps[i].slot].dl = ps[i].dl;
		}
	}
	END_TERM();
	if (rc != MDB_NOTFOUND)
		goto mdbfail;
	mdb_cursor_close(cur);
	cur = NULL;

	/* Now the same from the records. */
	if ((rc = store_lex_new(st, &lx)) != 0) {
		faults = QUARRY_ENOMEM;
		goto out;
	}
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_CHUNKS], &cur)) != 0)
		goto mdbfail;
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		struct fpr f = { 0, 0, 0 };
		size_t slot;

		if (k.mv_size != sizeof(slot))
			continue;	/* the main check reports it */
		memcpy(&slot, k.mv_data, sizeof(slot));
		if (slot >= next)
			continue;
		if ((rc = fill_stored(lx, &r, st, txn, &v)) == 1)
			continue;	/* the main check reports it */
		if (rc == QUARRY_ENOMEM) {
			faults = QUARRY_ENOMEM;
			goto out;
		}
		if (rc != 0) {
			FAULT("lexical: slot %zu: its text cannot be analysed",
			    slot);
			continue;
		}
		tokens += lx->bag.dl;
		for (i = 0; i < lx->bag.n; i++) {
			f.sum += mix(lx->bag.t[i].term, lx->bag.t[i].len,
			    lx->bag.t[i].tf);
			f.n++;
		}
		f.dl = f.n ? lx->bag.dl : 0;
		if (f.sum != fp[slot].sum || f.n != fp[slot].n ||
		    f.dl != fp[slot].dl)
			FAULT("lexical: slot %zu: the postings hold %u terms "
			    "(length %u), its record has %u (length %u)%s",
			    slot, fp[slot].n, fp[slot].dl, f.n, f.dl,
			    f.n == fp[slot].n ? ", with other terms or "
			    "frequencies" : "");
		fp[slot].n = UINT32_MAX;	/* seen */
	}
	if (rc != MDB_NOTFOUND)
		goto mdbfail;
	for (i = 0; i < next; i++)
		if (fp[i].n != 0 && fp[i].n != UINT32_MAX)
			FAULT("lexical: slot %zu has postings but no record", i);
	if (tokens != mtokens)
		FAULT("lexical: meta lex_tokens is %llu, the records have %llu",
		    (unsigned long long)mtokens, (unsigned long long)tokens);
	goto out;
mdbfail:
	faults = store_mdb_fail(st, rc, "cannot read the lexical index");
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_lex_free(lx);
	rdr_free(&r);
	free(fp);
	free(ps);
	return faults;
#undef FAULT
#undef END_TERM
}
