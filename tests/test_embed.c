/*
 * test_embed.c: cmocka tests of the built-in embedder hash-v1 (exact,
 * platform-independent vectors; normalisation; ranking) and of the JSON
 * readers of the HTTP and command backends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "quarry.h"
#include "embed_private.h"

/* Embeds one text with a new hash embedder into v. */
static void
embed1(size_t dims, const char *text, float *v)
{
	quarry_embedder *e;
	size_t len = strlen(text);
	const float *r;

	assert_int_equal(quarry_embedder_new_hash(&e, dims), 0);
	assert_int_equal(quarry_embedder_embed(e, &text, &len, 1), 0);
	assert_int_equal(quarry_embedder_status(e, 0, NULL), 0);
	assert_non_null(r = quarry_embedder_vector(e, 0));
	memcpy(v, r, dims * sizeof(float));
	quarry_embedder_free(e);
}

/* Every component must be bit-for-bit the expected float. */
static void
assert_vec(const float *got, const float *want, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(&got[i], &want[i], sizeof(float)) != 0)
			fail_msg("component %zu: %.9g, expected %.9g", i,
			    (double)got[i], (double)want[i]);
}

static void
test_exact_vectors(void **state)
{
	static const struct {
		const char *text;
		float v[16];
	} cases[] = {
		{ "The quick brown fox jumps over the lazy dog.", {
		    0.60764873f, -0.0876109749f, 0.0f, 0.0f, 0.455736548f,
		    -0.303824365f, 0.0f, 0.0f, -0.151912183f, 0.0f,
		    -0.455736548f, 0.0f, 0.0f, -0.303824365f, 0.0f, 0.0f } },
		{ "Der Café-Besitzer öffnet um 8 Uhr.", {
		    -0.345225483f, 0.0f, 0.0f, 0.345225483f, -0.51783824f,
		    0.0f, 0.345225483f, 0.0f, 0.0f, -0.172612742f,
		    0.172612742f, -0.345225483f, -0.172612742f,
		    0.12945956f, -0.172612742f, -0.345225483f } },
		{ "東京は日本の首都です。", {
		    -0.235702261f, 0.471404523f, 0.0f, 0.0f, 0.0f, 0.0f,
		    0.0f, 0.235702261f, 0.235702261f, -0.235702261f,
		    0.471404523f, 0.235702261f, 0.235702261f, 0.0f, 0.0f,
		    -0.471404523f } },
		{ "ภาษาไทยไม่มีช่องว่าง", {
		    0.10102357f, -0.303070694f, 0.110984728f, 0.303070694f,
		    -0.171047628f, -0.212008297f, 0.303070694f,
		    -0.202047139f, 0.202047139f, 0.0f, 0.10102357f,
		    0.171047628f, 0.0f, 0.0f, 0.373094767f, 0.606141388f } },
		/* tf 4 weighs 1 + ln 4; the bigram (tf 3) half of 1 + ln 3. */
		{ "fox fox fox fox", {
		    0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.402524203f, 0.0f,
		    0.0f, 0.0f, 0.0f, 0.0f, 0.0f, -0.915409327f, 0.0f,
		    0.0f } },
		{ "... --- !!!", { 0 } },
		{ "", { 0 } },
	};
	float v[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		embed1(16, cases[i].text, v);
		assert_vec(v, cases[i].v, 16);
	}
}

static void
test_normalised_and_folded(void **state)
{
	float a[384], b[384];
	double sum = 0;
	size_t i;

	(void)state;
	embed1(384, "Straße CAFÉ ﬁnal", a);
	/* NFKC and case folding: ß -> ss, É -> é, the ﬁ ligature -> fi. */
	embed1(384, "strasse café final", b);
	assert_vec(a, b, 384);
	for (i = 0; i < 384; i++)
		sum += (double)a[i] * a[i];
	assert_true(sum > 0.999999 && sum < 1.000001);
	/* Punctuation and spacing do not make words. */
	embed1(384, "strasse,  café;final!", b);
	assert_vec(a, b, 384);
}

static void
test_batch_matches_single(void **state)
{
	const char *texts[] = { "alpha beta", "", "gamma", "alpha beta" };
	size_t lens[4], i;
	quarry_embedder *e;
	float v[64];

	(void)state;
	for (i = 0; i < 4; i++)
		lens[i] = strlen(texts[i]);
	assert_int_equal(quarry_embedder_new_hash(&e, 64), 0);
	assert_string_equal(quarry_embedder_model(e), "hash-v1/64");
	assert_int_equal(quarry_embedder_dims(e), 64);
	assert_int_equal(quarry_embedder_embed(e, texts, lens, 4), 0);
	for (i = 0; i < 4; i++) {
		embed1(64, texts[i], v);
		assert_vec(quarry_embedder_vector(e, i), v, 64);
	}
	assert_null(quarry_embedder_vector(e, 4));
	quarry_embedder_free(e);
	quarry_embedder_free(NULL);
	assert_int_equal(quarry_embedder_new_hash(&e, 0), QUARRY_EINVAL);
	assert_string_equal(quarry_embedder_error(e),
	    "0 dimensions: the built-in embedder makes 1 to 65536");
	quarry_embedder_free(e);
}

static double
dot(const float *a, const float *b, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += (double)a[i] * b[i];
	return s;
}

static void
test_ranking(void **state)
{
	static const char *const chunks[] = {
		"The mitochondria is the powerhouse of the cell; it makes ATP "
		"through oxidative phosphorylation.",
		"The stock market fell sharply on Tuesday as investors worried "
		"about the interest rates of the central bank.",
		"Photosynthesis in the leaves of the plant turns light into "
		"chemical energy.",
		"The recipe calls for two cups of flour, one egg and a pinch of "
		"salt for the dough.",
		"東京は日本の首都であり、多くの人が住んでいます。",
		"The French Revolution began in 1789 with the storming of the "
		"Bastille in Paris.",
	};
	static const struct {
		const char *query;
		size_t want;
	} queries[] = {
		{ "what does the mitochondria of a cell make", 0 },
		{ "why did the stock market fall", 1 },
		{ "how do plants use light: photosynthesis", 2 },
		{ "how much flour for the dough", 3 },
		{ "日本の首都", 4 },
		{ "when was the Bastille stormed in the revolution", 5 },
		{ "oxidative phosphorylation", 0 },
		{ "central bank interest rates", 1 },
		{ "Bastille", 5 },
	};
	enum { N = sizeof(chunks) / sizeof(chunks[0]), D = 384 };
	float cv[N][D], qv[D];
	size_t q, i;

	(void)state;
	for (i = 0; i < N; i++)
		embed1(D, chunks[i], cv[i]);
	for (q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
		size_t best = 0;

		embed1(D, queries[q].query, qv);
		for (i = 1; i < N; i++)
			if (dot(qv, cv[i], D) > dot(qv, cv[best], D))
				best = i;
		if (best != queries[q].want)
			fail_msg("query '%s' ranked chunk %zu first, not %zu",
			    queries[q].query, best, queries[q].want);
	}
}

static void
test_max_input(void **state)
{
	const char *texts[] = { "short", "much longer text" };
	size_t lens[] = { 5, 16 };
	quarry_embedder *e;
	const char *msg;

	(void)state;
	assert_int_equal(quarry_embedder_new_hash(&e, 8), 0);
	e->max_input = 10;	/* as the HTTP and command backends set it */
	assert_int_equal(quarry_embedder_embed(e, texts, lens, 2), 0);
	assert_non_null(quarry_embedder_vector(e, 0));
	assert_null(quarry_embedder_vector(e, 1));
	assert_int_equal(quarry_embedder_status(e, 1, &msg), QUARRY_ETOOBIG);
	assert_string_equal(msg, "text of 16 characters is longer than the "
	    "model accepts (at most 10); not truncated");
	quarry_embedder_free(e);
}

/* quarry_format_float() must print what snprintf("%.9g") prints. */
static void
test_format_float(void **state)
{
	static const float special[] = {
		0.0f, -0.0f, 1.0f, -0.5f, 100.0f, 1e-10f, 9.99999e-11f, 1e10f,
		9999999999.0f, 0.0001f, 0.00001f, 0.00009999999f, 123456789.0f,
		1e9f, 999999999.5f, 3.4028235e38f, 1e-45f, 0.1f, 0.333333343f,
	};
	uint64_t x = UINT64_C(88172645463325252);
	char a[32], b[40];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(special) / sizeof(special[0]) + 300000; i++) {
		float f;
		uint32_t bits;
		int n;

		if (i < sizeof(special) / sizeof(special[0]))
			f = special[i];
		else {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			bits = (uint32_t)x;
			memcpy(&f, &bits, sizeof(f));
		}
		n = snprintf(b, sizeof(b), "%.9g", (double)f);
		if (strpbrk(b, ".en") == NULL)
			memcpy(b + n, ".0", 3);
		n = quarry_format_float(a, f);
		assert_int_equal((size_t)n, strlen(a));
		if (strcmp(a, b) != 0)
			fail_msg("%s, expected %s", a, b);
	}
}

/* ------------------------------------------------------- JSON readers */

static void
test_parse_vector(void **state)
{
	float *v = NULL;
	size_t cap = 0, n;
	char err[128];

	(void)state;
	assert_int_equal(embed_parse_vector(" [0.1, -2e-3,1E2 ,0]\r", 21,
	    &v, &cap, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 4);
	assert_true(v[0] == 0.1f && v[1] == -2e-3f && v[2] == 100.0f &&
	    v[3] == 0.0f);
	assert_int_equal(embed_parse_vector("[]", 2, &v, &cap, &n, err,
	    sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(embed_parse_vector("[1,]", 4, &v, &cap, &n, err,
	    sizeof(err)), QUARRY_EFORMAT);
	assert_int_equal(embed_parse_vector("[1e39]", 6, &v, &cap, &n, err,
	    sizeof(err)), QUARRY_EJSON);
	assert_string_equal(err, "at byte 6: number 1e39 is out of the "
	    "float range");
	assert_int_equal(embed_parse_vector("[01]", 4, &v, &cap, &n, err,
	    sizeof(err)), QUARRY_EJSON);
	assert_int_equal(embed_parse_vector("[1] x", 5, &v, &cap, &n, err,
	    sizeof(err)), QUARRY_EJSON);
	assert_string_equal(err, "at byte 5: text after the array");
	assert_int_equal(embed_parse_vector("{\"a\":1}", 7, &v, &cap, &n,
	    err, sizeof(err)), QUARRY_EFORMAT);
	free(v);
}

#define PARSE(s) embed_parse_response((s), strlen(s), &r, err, sizeof(err))

static void
test_parse_response(void **state)
{
	static const char ok[] =
	    "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\","
	    "\"index\":1,\"embedding\":[0.5,0.25]},{\"embedding\":[1,2],"
	    "\"index\":0,\"x\":{\"y\":[true,false,null,\"\\u00e9\\n\"]}}],"
	    "\"model\":\"m\",\"usage\":{\"prompt_tokens\":3}}";
	struct embed_response r = { 0 };
	char err[128];

	(void)state;
	assert_int_equal(embed_parse_response(ok, sizeof(ok) - 1, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.index[0], 1);
	assert_int_equal(r.index[1], 0);
	assert_int_equal(r.dims[0], 2);
	assert_true(r.vals[r.off[0]] == 0.5f && r.vals[r.off[1] + 1] == 2.0f);

	assert_int_equal(PARSE("{\"data\":[]}"), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(PARSE("{\"error\":{}}"), QUARRY_EFORMAT);
	assert_string_equal(err, "at byte 13: response has no \"data\"");
	assert_int_equal(PARSE("{\"data\":[{\"embedding\":\"AAAA\"}]}"),
	    QUARRY_EFORMAT);
	assert_string_equal(err, "at byte 23: embedding is a string (base64 "
	    "encoding is not supported)");
	assert_int_equal(PARSE("{\"data\":[{\"index\":0,\"embedding\":[1]},"
	    "{\"embedding\":[1]}]}"), QUARRY_EFORMAT);
	assert_int_equal(PARSE("{\"data\":[{\"index\":-1,\"embedding\":[1]}]}"),
	    QUARRY_EFORMAT);
	assert_int_equal(PARSE("{\"data\":[{\"index\":0,\"embedding\":[1,"),
	    QUARRY_EJSON);
	assert_string_equal(err, "at byte 36: unexpected end of input");
	/* Empty objects are objects: before, the top level and the entries
	 * took {} for a syntax error ("'}' expected"). */
	assert_int_equal(PARSE("{ }"), QUARRY_EFORMAT);
	assert_string_equal(err, "at byte 4: response has no \"data\"");
	assert_int_equal(PARSE("{\"data\":[{},{}]}"), QUARRY_EFORMAT);
	assert_string_equal(err, "at byte 12: entry 0 of \"data\" has no "
	    "\"embedding\"");
	assert_int_equal(PARSE("{\"data\":[]}}"), QUARRY_EJSON);
	assert_string_equal(err, "at byte 12: text after the response");
	assert_int_equal(PARSE("{\"data\":[{\"embedding\":[1]} {}]}"),
	    QUARRY_EJSON);
	assert_string_equal(err, "at byte 28: ']' expected");
	embed_response_free(&r);
}

/* The one choice of embedder (embed_choice.c), and what it refuses. */
static void
test_choice(void **state)
{
	quarry_embed_options o;
	quarry_embedder *e;

	(void)state;
	quarry_embed_options_init(&o);
	assert_int_equal(quarry_embedder_new(&e, &o), 0);
	assert_string_equal(quarry_embedder_model(e), "hash-v1/384");
	assert_string_equal(quarry_embedder_error(e), "");
	quarry_embedder_free(e);
	o.dims = 16;
	assert_int_equal(quarry_embedder_new(&e, &o), 0);
	assert_string_equal(quarry_embedder_model(e), "hash-v1/16");
	quarry_embedder_free(e);

	o.url = "http://127.0.0.1:9/v1";
	o.command = "cat";
	assert_int_equal(quarry_embedder_new(&e, &o), QUARRY_EINVAL);
	assert_string_equal(quarry_embedder_error(e),
	    "an endpoint and a command exclude each other");
	quarry_embedder_free(e);
	o.url = o.command = NULL;
	o.model = "m";
	assert_int_equal(quarry_embedder_new(&e, &o), QUARRY_EINVAL);
	assert_string_equal(quarry_embedder_error(e), "a model name and a "
	    "longest input go with an endpoint or a command");
	quarry_embedder_free(e);
	o.model = NULL;

	/* A store's model string chooses. */
	o.dims = 0;
	assert_int_equal(quarry_embedder_new_for(&e, &o, "hash-v1/24"), 0);
	assert_string_equal(quarry_embedder_model(e), "hash-v1/24");
	quarry_embedder_free(e);
	o.url = "http://127.0.0.1:9/v1";
	assert_int_equal(quarry_embedder_new_for(&e, &o, "hash-v1/24"),
	    QUARRY_EMODEL);
	assert_string_equal(quarry_embedder_error(e), "the model hash-v1/24 is "
	    "the built-in embedder: an endpoint or a command does not apply");
	quarry_embedder_free(e);
	/* An endpoint for an "openai:" model: made, nothing sent yet. */
	assert_int_equal(quarry_embedder_new_for(&e, &o, "openai:emb-3/8"), 0);
	assert_string_equal(quarry_embedder_model(e), "openai:emb-3/8");
	quarry_embedder_free(e);
	o.model = "other";
	assert_int_equal(quarry_embedder_new_for(&e, &o, "openai:emb-3/8"),
	    QUARRY_EMODEL);
	assert_string_equal(quarry_embedder_error(e), "model mismatch: the "
	    "vectors are openai:emb-3/8, the embedder makes openai:other/8");
	quarry_embedder_free(e);
	o.model = NULL;
	o.url = NULL;
	assert_int_equal(quarry_embedder_new_for(&e, &o, "openai:emb-3/8"),
	    QUARRY_EMODEL);
	assert_string_equal(quarry_embedder_error(e),
	    "the model openai:emb-3/8 needs an endpoint URL");
	quarry_embedder_free(e);
	assert_int_equal(quarry_embedder_new_for(&e, &o, "command:x/8"),
	    QUARRY_EMODEL);
	assert_string_equal(quarry_embedder_error(e),
	    "the model command:x/8 needs a command");
	quarry_embedder_free(e);
	assert_int_equal(quarry_embedder_new_for(&e, &o, "word2vec:x/8"),
	    QUARRY_EMODEL);
	assert_string_equal(quarry_embedder_error(e),
	    "the model \"word2vec:x/8\" names no known embedder");
	quarry_embedder_free(e);
	assert_int_equal(quarry_embedder_new_for(&e, &o, "hash-v1"),
	    QUARRY_EMODEL);
	assert_string_equal(quarry_embedder_error(e),
	    "the model \"hash-v1\" names no embedder");
	quarry_embedder_free(e);
	/* NULL handle: out of memory, the only reason for one. */
	assert_string_equal(quarry_embedder_error(NULL), "out of memory");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_vectors),
		cmocka_unit_test(test_normalised_and_folded),
		cmocka_unit_test(test_batch_matches_single),
		cmocka_unit_test(test_ranking),
		cmocka_unit_test(test_max_input),
		cmocka_unit_test(test_choice),
		cmocka_unit_test(test_format_float),
		cmocka_unit_test(test_parse_vector),
		cmocka_unit_test(test_parse_response),
	};

	return cmocka_run_group_tests_name("embed", tests, NULL, NULL);
}
