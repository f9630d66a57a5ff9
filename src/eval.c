/*
 * eval.c: retrieval metrics of one query with trec_eval's definitions
 * (quarry-eval; man/quarry-eval.1), over a neutral representation: the ids
 * a system ranked, best first, and the query's graded judgements.
 *
 * Both lists are cleaned first, as trec_eval and the BEIR scorers do: an id
 * ranked twice counts once, at its first (best) rank, and later ids move up;
 * an id judged twice counts once, with its highest gain.  An id is relevant
 * when its gain is above 0; ids not judged have gain 0.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"

struct judged {
	const char *id;
	double gain;
	size_t used;		/* ranked already (its first rank counts) */
};

static int
cmp_judged(const void *a, const void *b)
{
	const struct judged *x = a, *y = b;

	return strcmp(x->id, y->id);
}

static int
cmp_gain_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

struct ranked {
	const char *id;
	size_t pos;
};

static int
cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (c != 0)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int
quarry_eval_score(const char *const *ranked, size_t n,
    const quarry_eval_judgement *judged, size_t njudged,
    const quarry_eval_cutoffs *cut, quarry_eval_metrics *m)
{
	struct judged *j = NULL, key, *hit;
	struct ranked *r = NULL;
	unsigned char *dup = NULL;
	double *ideal = NULL, dcg = 0, idcg = 0, ap = 0;
	size_t nj = 0, i, rank, nideal = 0, relfound = 0;
	int rc = QUARRY_ENOMEM;

	memset(m, 0, sizeof(*m));
	if (cut->ndcg == 0 || cut->recall == 0 || cut->precision == 0 ||
	    cut->mrr == 0 || cut->map == 0)
		return QUARRY_EINVAL;
	for (i = 0; i < n; i++)
		if (ranked[i] == NULL)
			return QUARRY_EINVAL;
	for (i = 0; i < njudged; i++)
		if (judged[i].id == NULL || isnan(judged[i].gain))
			return QUARRY_EINVAL;

	/* The judgements, sorted by id, each once with its highest gain. */
	if ((j = malloc((njudged ? njudged : 1) * sizeof(*j))) == NULL ||
	    (ideal = malloc((njudged ? njudged : 1) * sizeof(*ideal))) ==
	    NULL)
		goto out;
	for (i = 0; i < njudged; i++) {
		j[i].id = judged[i].id;
		j[i].gain = judged[i].gain;
		j[i].used = 0;
	}
	qsort(j, njudged, sizeof(*j), cmp_judged);
	for (i = 0; i < njudged; i++) {
		if (nj > 0 && strcmp(j[nj - 1].id, j[i].id) == 0) {
			if (j[i].gain > j[nj - 1].gain)
				j[nj - 1].gain = j[i].gain;
			continue;
		}
		j[nj++] = j[i];
	}
	for (i = 0; i < nj; i++)
		if (j[i].gain > 0) {
			ideal[nideal++] = j[i].gain;
			m->relevant++;
		}
	qsort(ideal, nideal, sizeof(*ideal), cmp_gain_desc);
	for (i = 0; i < nideal && i < cut->ndcg; i++)
		idcg += ideal[i] / log2((double)i + 2);

	/* The ranked ids that repeat an earlier one. */
	if ((r = malloc((n ? n : 1) * sizeof(*r))) == NULL ||
	    (dup = calloc(n ? n : 1, 1)) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		r[i].id = ranked[i];
		r[i].pos = i;
	}
	qsort(r, n, sizeof(*r), cmp_ranked);
	for (i = 1; i < n; i++)
		if (strcmp(r[i - 1].id, r[i].id) == 0)
			dup[r[i].pos] = 1;

	for (i = 0, rank = 0; i < n; i++) {
		double gain = 0;

		if (dup[i])
			continue;
		rank++;
		key.id = ranked[i];
		if ((hit = bsearch(&key, j, nj, sizeof(*j), cmp_judged)) !=
		    NULL)
			gain = hit->gain;
		if (!(gain > 0))
			continue;
		relfound++;
		if (m->first == 0)
			m->first = rank;
		if (rank <= cut->ndcg)
			dcg += gain / log2((double)rank + 1);
		if (rank <= cut->recall)
			m->found++;
		if (rank <= cut->precision)
			m->precision += 1;
		if (rank <= cut->map)
			ap += (double)relfound / (double)rank;
	}
	m->retrieved = rank;
	m->precision /= (double)cut->precision;
	if (m->relevant > 0) {
		m->ndcg = idcg > 0 ? dcg / idcg : 0;
		m->recall = (double)m->found / (double)m->relevant;
		m->map = ap / (double)m->relevant;
	} else
		m->precision = 0;
	m->mrr = m->first > 0 && m->first <= cut->mrr ?
	    1.0 / (double)m->first : 0;
	rc = 0;
out:
	free(j);
	free(ideal);
	free(r);
	free(dup);
	return rc;
}
