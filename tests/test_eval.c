/*
 * test_eval.c: cmocka tests of the retrieval metrics (src/eval.c) against
 * values computed by hand with trec_eval's definitions: graded gains,
 * ids ranked or judged twice, empty judgement lists, empty rankings, the
 * cut-offs and bad arguments.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "quarry.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-12)

static const quarry_eval_cutoffs def = QUARRY_EVAL_CUTOFFS_DEFAULT;

/* Graded gains: nDCG uses the grades, the other metrics grade > 0. */
static void
test_graded(void **state)
{
	const char *ranked[] = { "d1", "d2", "d3", "d4", "d5" };
	const quarry_eval_judgement j[] = {
		{ "d2", 2 }, { "d4", 1 }, { "d9", 2 }, { "d3", 0 },
		{ "d7", 1 },
	};
	quarry_eval_metrics m;
	double dcg, idcg;

	(void)state;
	assert_int_equal(quarry_eval_score(ranked, 5, j, 5, &def, &m), 0);
	/* d2 (gain 2) at rank 2, d4 (gain 1) at rank 4; ideal 2, 2, 1, 1. */
	dcg = 2 / log2(3) + 1 / log2(5);
	idcg = 2 + 2 / log2(3) + 1 / log2(4) + 1 / log2(5);
	NEAR(m.ndcg, dcg / idcg);
	assert_int_equal(m.relevant, 4);
	assert_int_equal(m.retrieved, 5);
	assert_int_equal(m.found, 2);
	assert_int_equal(m.first, 2);
	NEAR(m.recall, 2.0 / 4);
	NEAR(m.precision, 2.0 / 10);
	NEAR(m.mrr, 1.0 / 2);
	/* Precision at the relevant ranks: 1/2 and 2/4, over 4 relevant. */
	NEAR(m.map, (1.0 / 2 + 2.0 / 4) / 4);
}

/* The cut-offs: ranks beyond each cut do not count for that metric. */
static void
test_cutoffs(void **state)
{
	const char *ranked[] = { "a", "b", "c", "d" };
	const quarry_eval_judgement j[] = { { "c", 1 }, { "d", 3 } };
	quarry_eval_cutoffs cut = { 3, 2, 3, 2, 3 };
	quarry_eval_metrics m;

	(void)state;
	assert_int_equal(quarry_eval_score(ranked, 4, j, 2, &cut, &m), 0);
	NEAR(m.ndcg, (1 / log2(4)) / (3 + 1 / log2(3)));
	assert_int_equal(m.found, 0);
	NEAR(m.recall, 0);
	NEAR(m.precision, 1.0 / 3);
	NEAR(m.mrr, 0);			/* first relevant at 3 > 2 */
	assert_int_equal(m.first, 3);
	NEAR(m.map, (1.0 / 3) / 2);
	cut.recall = 4;
	cut.mrr = 3;
	assert_int_equal(quarry_eval_score(ranked, 4, j, 2, &cut, &m), 0);
	NEAR(m.recall, 1);
	NEAR(m.mrr, 1.0 / 3);
}

/* A ranked id repeated counts once, and the ids after it move up; an id
 * judged twice counts once, with its highest gain. */
static void
test_duplicates(void **state)
{
	const char *ranked[] = { "x", "r", "x", "r", "s" };
	const quarry_eval_judgement j[] = {
		{ "r", 1 }, { "s", 1 }, { "r", 2 }, { "s", 1 },
	};
	quarry_eval_metrics m;

	(void)state;
	assert_int_equal(quarry_eval_score(ranked, 5, j, 4, &def, &m), 0);
	assert_int_equal(m.relevant, 2);
	assert_int_equal(m.retrieved, 3);
	assert_int_equal(m.found, 2);
	/* r (gain 2) at rank 2, s (gain 1) at rank 3. */
	NEAR(m.ndcg, (2 / log2(3) + 1 / log2(4)) / (2 + 1 / log2(3)));
	NEAR(m.recall, 1);
	NEAR(m.precision, 2.0 / 10);
	NEAR(m.mrr, 0.5);
	NEAR(m.map, (1.0 / 2 + 2.0 / 3) / 2);
}

/* No result: every metric 0, the relevant ids still counted. */
static void
test_empty_ranking(void **state)
{
	const quarry_eval_judgement j[] = { { "a", 1 }, { "b", 2 } };
	quarry_eval_metrics m;

	(void)state;
	assert_int_equal(quarry_eval_score(NULL, 0, j, 2, &def, &m), 0);
	assert_int_equal(m.relevant, 2);
	assert_int_equal(m.retrieved, 0);
	assert_int_equal(m.first, 0);
	assert_true(m.ndcg == 0 && m.recall == 0 && m.precision == 0 &&
	    m.mrr == 0 && m.map == 0);
}

/* No relevant judgement (none, or only grades <= 0): all 0, relevant 0. */
static void
test_empty_judgements(void **state)
{
	const char *ranked[] = { "a", "b" };
	const quarry_eval_judgement j[] = { { "a", 0 }, { "b", -1 } };
	quarry_eval_metrics m;

	(void)state;
	assert_int_equal(quarry_eval_score(ranked, 2, NULL, 0, &def, &m), 0);
	assert_int_equal(m.relevant, 0);
	assert_int_equal(m.retrieved, 2);
	assert_true(m.ndcg == 0 && m.recall == 0 && m.precision == 0 &&
	    m.mrr == 0 && m.map == 0);
	assert_int_equal(quarry_eval_score(ranked, 2, j, 2, &def, &m), 0);
	assert_int_equal(m.relevant, 0);
	assert_true(m.ndcg == 0 && m.mrr == 0 && m.first == 0);
}

/* A perfect ranking scores 1 on nDCG, recall, MRR and MAP. */
static void
test_perfect(void **state)
{
	const char *ranked[] = { "b", "a", "c", "z" };
	const quarry_eval_judgement j[] = {
		{ "a", 1 }, { "b", 2 }, { "c", 1 },
	};
	quarry_eval_metrics m;

	(void)state;
	assert_int_equal(quarry_eval_score(ranked, 4, j, 3, &def, &m), 0);
	NEAR(m.ndcg, 1);
	NEAR(m.recall, 1);
	NEAR(m.mrr, 1);
	NEAR(m.map, 1);
	NEAR(m.precision, 0.3);
	/* Swapping the grades' order lowers nDCG only. */
	ranked[0] = "a";
	ranked[1] = "b";
	assert_int_equal(quarry_eval_score(ranked, 4, j, 3, &def, &m), 0);
	NEAR(m.ndcg, (1 + 2 / log2(3) + 1 / log2(4)) /
	    (2 + 1 / log2(3) + 1 / log2(4)));
	NEAR(m.map, 1);
}

static void
test_invalid(void **state)
{
	const char *ranked[] = { "a", NULL };
	const quarry_eval_judgement j[] = { { "a", NAN } };
	quarry_eval_cutoffs cut = QUARRY_EVAL_CUTOFFS_DEFAULT;
	quarry_eval_metrics m;

	(void)state;
	cut.map = 0;
	assert_int_equal(quarry_eval_score(ranked, 1, NULL, 0, &cut, &m),
	    QUARRY_EINVAL);
	assert_int_equal(quarry_eval_score(ranked, 2, NULL, 0, &def, &m),
	    QUARRY_EINVAL);
	assert_int_equal(quarry_eval_score(ranked, 1, j, 1, &def, &m),
	    QUARRY_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_graded),
		cmocka_unit_test(test_cutoffs),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_empty_ranking),
		cmocka_unit_test(test_empty_judgements),
		cmocka_unit_test(test_perfect),
		cmocka_unit_test(test_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
