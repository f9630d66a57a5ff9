/*
 * eval.c: retrieval metrics of one ranked result list (quarry-eval; the
 * definitions are in man/quarry-eval.1).  Relevance is binary; a relevant
 * id names a chunk ("id") or a whole document ("doc"), and counts once, at
 * the first result that matches it, so that several chunks of one relevant
 * document do not inflate recall or nDCG.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"

/* Returns the index of the relevant id that rec matches, or -1. */
static long
match(const json_t *rec, const char *const *rel, size_t nrel)
{
	const char *id = quarry_record_string(rec, "id", NULL);
	const char *doc = quarry_record_string(rec, "doc", NULL);
	size_t i;

	for (i = 0; i < nrel; i++)
		if ((id && strcmp(id, rel[i]) == 0) ||
		    (doc && strcmp(doc, rel[i]) == 0))
			return (long)i;
	return -1;
}

int
quarry_eval_compute(const quarry_search_hit *hits, size_t n, size_t k,
    const char *const *relevant, size_t nrel, quarry_eval_metrics *m)
{
	unsigned char *seen;
	double dcg = 0, idcg = 0;
	size_t i, relres = 0;
	long j;

	memset(m, 0, sizeof(*m));
	if (k == 0 || nrel == 0)
		return QUARRY_EINVAL;
	if ((seen = calloc(nrel, 1)) == NULL)
		return QUARRY_ENOMEM;
	for (i = 0; i < n && i < k; i++) {
		if ((j = match(hits[i].rec, relevant, nrel)) < 0)
			continue;
		relres++;
		if (m->first == 0)
			m->first = i + 1;
		if (!seen[j]) {
			seen[j] = 1;
			m->found++;
			dcg += 1.0 / log2((double)i + 2);
		}
	}
	for (i = 0; i < nrel && i < k; i++)
		idcg += 1.0 / log2((double)i + 2);
	m->recall = (double)m->found / (double)nrel;
	m->precision = (double)relres / (double)k;
	m->mrr = m->first ? 1.0 / (double)m->first : 0.0;
	m->ndcg = dcg / idcg;
	free(seen);
	return 0;
}
