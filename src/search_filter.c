/*
 * search_filter.c: the filters of a search and their planning.
 *
 * Each filter is answered from the store's field index (man/quarry-store.5,
 * "fields": a key per field and value, listing the live slots that have it),
 * which gives the bitmap of the slots it selects; the filters' bitmaps are
 * ANDed, and the list of vector blocks holding a candidate is what a scan
 * reads.  So a filter that selects 1% of the store costs the index entries
 * it touches plus 1% of the vectors.  Only a --where on a field or value the
 * index does not hold (text, id, hash, model; a value over 256 bytes) reads
 * the records of the slots still selected.  Dates in the index are in the
 * normal forms of man/quarry.7, which sort by time, so a date range is a
 * key range.
 */
#include "config.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "error_private.h"
#include "quarry.h"
#include "search_private.h"
#include "store_private.h"

int
search_fold(const char *s, size_t len, char **out)
{
	utf8proc_uint8_t *r = NULL;
	utf8proc_ssize_t n;

	*out = NULL;
	n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
	    &r, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
	if (n < 0)
		return n == UTF8PROC_ERROR_NOMEM ? QUARRY_ENOMEM :
		    QUARRY_EUTF8;
	*out = (char *)r;
	return 0;
}

static int
filter_add(quarry_search *s, enum search_filter_kind kind, const char *field,
    const char *a, const char *b, struct search_filter **fp)
{
	struct search_filter *nf, *f;

	nf = realloc(s->filters, (s->nfilters + 1) * sizeof(*nf));
	if (nf == NULL)
		return qerr_ret(&s->err, QUARRY_ENOMEM);
	s->filters = nf;
	f = &nf[s->nfilters];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->field = strdup(field);
	f->a = a ? strdup(a) : NULL;
	f->b = b ? strdup(b) : NULL;
	if (f->field == NULL || (a && !f->a) || (b && !f->b)) {
		free(f->field);
		free(f->a);
		free(f->b);
		return qerr_ret(&s->err, QUARRY_ENOMEM);
	}
	s->nfilters++;
	s->planned = 0;
	if (fp != NULL)
		*fp = f;
	return 0;
}

/* Reads a date bound: "YYYY", "YYYY-MM", or any form quarry_date_parse()
 * knows, into its normal form. */
static int
date_bound(quarry_search *s, const char *what, const char *in, char out[21])
{
	size_t len = strlen(in);

	if ((len == 4 || (len == 7 && in[4] == '-')) &&
	    isdigit((unsigned char)in[0]) && isdigit((unsigned char)in[1]) &&
	    isdigit((unsigned char)in[2]) && isdigit((unsigned char)in[3]) &&
	    (len == 4 || (isdigit((unsigned char)in[5]) &&
	    isdigit((unsigned char)in[6]) && (in[5] == '0' ||
	    (in[5] == '1' && in[6] <= '2')) && !(in[5] == '0' &&
	    in[6] == '0'))) && in[0] != '0') {
		memcpy(out, in, len + 1);
		return 0;
	}
	if (quarry_date_parse(in, len, QUARRY_DATE_AUTO, NULL, 0, out) != 0)
		return qerr_set(&s->err, QUARRY_EINVAL,
		    "%s: not a date: \"%s\"", what, in);
	return 0;
}

int
quarry_search_filter_date(quarry_search *s, const char *field,
    const char *since, const char *until)
{
	char a[21], b[21];
	int rc;

	qerr_clear(&s->err);
	if (field == NULL)
		field = "date";
	if (*field == '\0')
		return qerr_set(&s->err, QUARRY_EINVAL, "field: empty name");
	if (since != NULL && (rc = date_bound(s, "since", since, a)) != 0)
		return rc;
	if (until != NULL && (rc = date_bound(s, "until", until, b)) != 0)
		return rc;
	return filter_add(s, F_DATE, field, since ? a : NULL,
	    until ? b : NULL, NULL);
}

int
quarry_search_filter_author(quarry_search *s, const char *text)
{
	char *folded;
	int rc;

	qerr_clear(&s->err);
	if ((rc = search_fold(text, strlen(text), &folded)) != 0)
		return rc == QUARRY_EUTF8 ? qerr_set(&s->err, QUARRY_EINVAL,
		    "invalid UTF-8") : qerr_ret(&s->err, rc);
	rc = filter_add(s, F_AUTHOR, "author", folded, NULL, NULL);
	free(folded);
	return rc;
}

int
quarry_search_filter_where(quarry_search *s, const char *expr)
{
	const char *eq = strchr(expr, '=');
	struct search_filter *f;
	json_t *v;
	char *field;
	int rc;

	qerr_clear(&s->err);
	if (eq == NULL || eq == expr)
		return qerr_set(&s->err, QUARRY_EINVAL, "\"%s\" is not "
		    "FIELD=VALUE", expr);
	if ((field = strndup(expr, (size_t)(eq - expr))) == NULL)
		return qerr_ret(&s->err, QUARRY_ENOMEM);
	if (quarry_utf8_validate(expr, strlen(expr), NULL) != 0) {
		free(field);
		return qerr_set(&s->err, QUARRY_EINVAL, "invalid UTF-8");
	}
	rc = filter_add(s, F_WHERE, field, eq + 1, NULL, &f);
	if (rc == 0) {
		if ((v = json_string(eq + 1)) == NULL)
			rc = QUARRY_ENOMEM;
		else
			f->records = !store_field_indexed(field, v);
		json_decref(v);
	}
	free(field);
	return qerr_ret(&s->err, rc);
}

int
quarry_search_filter_source(quarry_search *s, const char *glob)
{
	qerr_clear(&s->err);
	return filter_add(s, F_SOURCE, "source", glob, NULL, NULL);
}

/*
 * Forgets the filters.  The planning buffers stay allocated for the next
 * plan (quarry_search_free() releases them): a caller that sets new filters
 * for every query would otherwise have the allocator hand pages back to the
 * kernel and fault them in again each time.
 */
void
quarry_search_filter_clear(quarry_search *s)
{
	size_t i;

	for (i = 0; i < s->nfilters; i++) {
		free(s->filters[i].field);
		free(s->filters[i].a);
		free(s->filters[i].b);
	}
	free(s->filters);
	s->filters = NULL;
	s->nfilters = 0;
	s->cand = NULL;
	s->ncblocks = 0;
	s->planned = 0;
}

/* ------------------------------------------------------------- planning */

struct plan {
	quarry_search *s;
	const struct search_filter *f;
	uint64_t *bits;		/* the filter's bitmap */
	size_t plen;		/* source: length of the literal prefix */
	int rc;
};

static void
plan_set(struct plan *p, const uint64_t *slots, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (slots[i] < p->s->nslots)
			p->bits[slots[i] / 64] |= (uint64_t)1 << (slots[i] % 64);
}

/* Compares a and b over the shorter of the two lengths: a date that names
 * only a day (or month, or year) covers all of it. */
static int
date_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return strncmp(a, b, la < lb ? la : lb);
}

static int
plan_date(const char *value, const uint64_t *slots, size_t n, void *arg)
{
	struct plan *p = arg;

	/* Values that are no dates sort before the digits or after them. */
	if (!isdigit((unsigned char)value[0]))
		return (unsigned char)value[0] > '9';
	if (p->f->a && date_cmp(value, p->f->a) < 0)
		return 0;
	if (p->f->b && date_cmp(value, p->f->b) > 0)
		return 1;	/* values come in order: none later fits */
	plan_set(p, slots, n);
	return 0;
}

static int
plan_author(const char *value, const uint64_t *slots, size_t n, void *arg)
{
	struct plan *p = arg;
	char *folded;
	int rc;

	if ((rc = search_fold(value, strlen(value), &folded)) != 0) {
		if (rc == QUARRY_ENOMEM) {
			p->rc = rc;
			return 1;
		}
		return 0;
	}
	if (strstr(folded, p->f->a) != NULL)
		plan_set(p, slots, n);
	free(folded);
	return 0;
}

static int
plan_where(const char *value, const uint64_t *slots, size_t n, void *arg)
{
	struct plan *p = arg;

	if (strcmp(value, p->f->a) != 0)
		return 1;	/* past the value: longer ones follow */
	plan_set(p, slots, n);
	return 1;
}

static int
plan_source(const char *value, const uint64_t *slots, size_t n, void *arg)
{
	struct plan *p = arg;

	if (fnmatch(p->f->a, value, 0) == 0)
		plan_set(p, slots, n);
	return 0;
}

/* The length of glob's literal prefix (before any special character). */
static size_t
glob_prefix(const char *glob)
{
	return strcspn(glob, "*?[\\");
}

/* Answers a --where from the records of the slots still selected in cand. */
static int
plan_records(quarry_search *s, const struct search_filter *f, uint64_t *cand)
{
	size_t bi, i, vlen;
	uint64_t slot;
	json_t *rec;
	const char *v;
	int rc;

	for (bi = 0; bi < s->nblocks; bi++) {
		const struct search_block *b = &s->blocks[bi];

		for (i = 0; i < s->block_slots; i++) {
			slot = b->first + i;
			if (!(cand[slot / 64] >> (slot % 64) & 1))
				continue;
			cand[slot / 64] &= ~((uint64_t)1 << (slot % 64));
			if (!(b->live[i / 64] >> (i % 64) & 1))
				continue;
			rc = quarry_store_view_record(s->view, slot, &rec);
			if (rc == QUARRY_ENOTFOUND)
				continue;
			if (rc != 0)
				return qerr_set(&s->err, rc, "%s",
				    quarry_store_error(s->st));
			v = quarry_record_string(rec, f->field, &vlen);
			if (v != NULL && vlen == strlen(f->a) &&
			    memcmp(v, f->a, vlen) == 0)
				cand[slot / 64] |= (uint64_t)1 << (slot % 64);
			json_decref(rec);
		}
	}
	return 0;
}

/* Builds the bitmap of the live slots (all of them, for the records pass). */
static void
plan_live(quarry_search *s, uint64_t *bits)
{
	size_t bi, i;

	for (bi = 0; bi < s->nblocks; bi++) {
		const struct search_block *b = &s->blocks[bi];

		for (i = 0; i < s->block_slots; i++)
			if (b->live[i / 64] >> (i % 64) & 1) {
				uint64_t slot = b->first + i;

				bits[slot / 64] |= (uint64_t)1 << (slot % 64);
			}
	}
}

/*
 * Lists in s->cblocks the blocks holding a candidate of s->cand, in store
 * order, and counts the candidates.  Words without a candidate (most, for a
 * selective filter) cost a test each; a block costs one division.
 */
static int
plan_blocks(quarry_search *s, size_t nw)
{
	uint64_t bs = s->block_slots, m, slot, end;
	size_t w, bn;

	s->ncand = 0;
	s->ncblocks = 0;
	for (w = 0; w < nw; w++) {
		if ((m = s->cand[w]) == 0)
			continue;
		s->ncand += (uint64_t)__builtin_popcountll(m);
		while (m != 0) {
			slot = w * 64 + (uint64_t)__builtin_ctzll(m);
			bn = (size_t)(slot / bs);
			/* Past the rest of this block's slots in the word. */
			end = (bn + 1) * bs - w * 64;
			m = end >= 64 ? 0 : m & ~(((uint64_t)1 << end) - 1);
			if (s->blockidx[bn] == (size_t)-1 || (s->ncblocks > 0 &&
			    s->cblocks[s->ncblocks - 1] == s->blockidx[bn]))
				continue;
			if (s->ncblocks == s->capcblocks) {
				size_t cap = s->capcblocks ? s->capcblocks * 2 :
				    256, *nb;

				if ((nb = realloc(s->cblocks,
				    cap * sizeof(*nb))) == NULL)
					return QUARRY_ENOMEM;
				s->cblocks = nb;
				s->capcblocks = cap;
			}
			s->cblocks[s->ncblocks++] = s->blockidx[bn];
		}
	}
	return 0;
}

static int
plan(quarry_search *s)
{
	size_t nw = (size_t)((s->nslots + 63) / 64), i, w, pass;
	uint64_t *bits;
	int rc = 0, first = 1;

	s->cand = NULL;
	s->ncblocks = 0;
	s->ncand = s->count;
	if (s->nfilters == 0 || s->dims == 0) {
		s->planned = 1;
		return 0;
	}
	if (s->candbuf == NULL &&
	    ((s->candbuf = malloc((nw ? nw : 1) * sizeof(uint64_t))) == NULL ||
	    (s->bitsbuf = malloc((nw ? nw : 1) * sizeof(uint64_t))) == NULL)) {
		free(s->candbuf);
		s->candbuf = NULL;
		return QUARRY_ENOMEM;
	}
	s->cand = s->candbuf;
	/* Index filters first, then those that read records, so that these
	 * read as few as possible. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < s->nfilters; i++) {
			const struct search_filter *f = &s->filters[i];
			struct plan p = { s, f, NULL, 0, 0 };

			if (f->records != (int)pass)
				continue;
			if (f->records) {
				if (first) {
					memset(s->cand, 0, nw * sizeof(uint64_t));
					plan_live(s, s->cand);
				}
				first = 0;
				if ((rc = plan_records(s, f, s->cand)) != 0)
					goto out;
				continue;
			}
			/* The first filter's bitmap is the candidates'. */
			bits = p.bits = first ? s->cand : s->bitsbuf;
			memset(bits, 0, nw * sizeof(uint64_t));
			switch (f->kind) {
			case F_DATE:
				rc = quarry_store_view_field(s->view, f->field,
				    f->a, 0, plan_date, &p);
				break;
			case F_AUTHOR:
				rc = quarry_store_view_field(s->view, f->field,
				    NULL, 0, plan_author, &p);
				break;
			case F_WHERE:
				rc = quarry_store_view_field(s->view, f->field,
				    f->a, 1, plan_where, &p);
				break;
			case F_SOURCE: {
				char *pre = strndup(f->a, glob_prefix(f->a));

				if (pre == NULL) {
					rc = QUARRY_ENOMEM;
					goto out;
				}
				rc = quarry_store_view_field(s->view, f->field,
				    pre, 1, plan_source, &p);
				free(pre);
				break;
			}
			}
			if (rc < 0 || p.rc < 0) {
				rc = rc < 0 ? rc : p.rc;
				if (rc != QUARRY_ENOMEM)
					qerr_set(&s->err, rc, "%s",
					    quarry_store_error(s->st));
				goto out;
			}
			rc = 0;
			if (!first)
				for (w = 0; w < nw; w++)
					s->cand[w] &= bits[w];
			first = 0;
		}
	if ((rc = plan_blocks(s, nw)) != 0)
		goto out;
	s->planned = 1;
out:
	if (rc != 0) {
		s->cand = NULL;
		s->ncblocks = 0;
	}
	return rc;
}

int64_t
quarry_search_selected(quarry_search *s)
{
	int rc;

	if (!s->planned && (rc = plan(s)) != 0)
		return rc;
	return (int64_t)s->ncand;
}
