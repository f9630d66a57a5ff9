/*
 * tokcount.c: a test and benchmark driver for the BPE tokenizer and the
 * token estimator (not installed).
 *
 *   tokcount [-t] RANKFILE FILE...     prints "COUNT FILE" for each file
 *   tokcount -i RANKFILE FILE...       prints each file's token ids
 *   tokcount -E [-t] FILE...           the estimator's counts instead
 *   tokcount -c CASES.jsonl DIR        checks the reference cases against
 *                                      DIR/cl100k_base.tiktoken and
 *                                      DIR/o200k_base.tiktoken
 *   tokcount -s N RANKFILE FILE...     estimator statistics over pieces of
 *                                      about N exact tokens
 *   tokcount -g RANKFILE               generates src/token_estimate_table.h
 *                                      from cl100k_base.tiktoken
 *
 * -t adds the counting speed (MB/s, excluding loading and reading) and the
 * rank file's load time on stderr.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "quarry.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (fp == NULL) {
		perror(path);
		exit(2);
	}
	do {
		if (*len == cap) {
			cap = cap ? 2 * cap : 1 << 16;
			if ((buf = realloc(buf, cap + 1)) == NULL)
				abort();
		}
		n = fread(buf + *len, 1, cap - *len, fp);
		*len += n;
	} while (n > 0);
	fclose(fp);
	buf[*len] = '\0';
	return buf;
}

static quarry_tokenizer *
open_ranks(const char *path, int timing)
{
	quarry_tokenizer *t;
	unsigned long line;
	double t0 = now();
	int rc = quarry_tokenizer_open(&t, path, &line);

	if (rc != 0) {
		fprintf(stderr, "tokcount: %s:%lu: %s\n", path, line,
		    quarry_strerror(rc));
		exit(2);
	}
	if (timing)
		fprintf(stderr, "load %s: %zu tokens, %s, %.1f ms\n", path,
		    quarry_tokenizer_vocab(t), quarry_tokenizer_pattern(t),
		    (now() - t0) * 1e3);
	return t;
}

/* Checks one encoding of one case; returns 1 when it matches. */
static int
check_case(quarry_tokenizer *t, const char *name, size_t line,
    const char *text, size_t len, json_t *want)
{
	json_t *ids = json_object_get(want, "ids");
	const uint32_t *got;
	size_t n, i, count = quarry_tokenizer_count(t, text, len);
	int ok;

	if (quarry_tokenizer_encode(t, text, len, &got, &n) != 0)
		abort();
	ok = count == (size_t)json_integer_value(json_object_get(want,
	    "count")) && n == json_array_size(ids) && count == n;
	for (i = 0; ok && i < n; i++)
		ok = got[i] == json_integer_value(json_array_get(ids, i));
	if (!ok) {
		printf("line %zu: %s: count %zu, ids", line, name, count);
		for (i = 0; i < n; i++)
			printf(" %u", got[i]);
		printf("; want %s\n", json_dumps(want, JSON_COMPACT));
	}
	return ok;
}

static int
cases(const char *file, const char *dir)
{
	static const char *names[] = { "cl100k_base", "o200k_base" };
	quarry_tokenizer *t[2];
	FILE *fp = fopen(file, "r");
	char path[4096];
	json_error_t err;
	json_t *rec;
	size_t line = 0, bad = 0, checked = 0, k;

	if (fp == NULL) {
		perror(file);
		return 2;
	}
	for (k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s/%s.tiktoken", dir, names[k]);
		t[k] = open_ranks(path, 0);
	}
	while ((rec = json_loadf(fp, JSON_DISABLE_EOF_CHECK, &err)) != NULL) {
		json_t *text = json_object_get(rec, "text");

		line++;
		for (k = 0; k < 2; k++) {
			checked++;
			if (!check_case(t[k], names[k], line,
			    json_string_value(text), json_string_length(text),
			    json_object_get(rec, names[k])))
				bad++;
		}
		json_decref(rec);
	}
	printf("%zu cases, %zu checks, %zu mismatches\n", line, checked, bad);
	for (k = 0; k < 2; k++)
		quarry_tokenizer_free(t[k]);
	fclose(fp);
	return bad ? 1 : 0;
}

/* Splits text into consecutive pieces of about target exact tokens, cut
 * after white space, and compares the estimate with the exact count. */
struct stats {
	size_t pieces, under, exact_total, est_total;
	double max_over, sum_over;
	size_t max_under;
};

static void
piece_stats(quarry_tokenizer *t, const char *text, size_t len, size_t target,
    struct stats *st)
{
	size_t start = 0;

	while (start < len) {
		/* Grow the piece by lines and words until it reaches target. */
		size_t end = start, step = 64;

		while (end < len) {
			size_t next = end + step < len ? end + step : len;

			while (next < len && text[next - 1] != ' ' &&
			    text[next - 1] != '\n')
				next++;
			if (quarry_tokenizer_count(t, text + start, next - start)
			    > target && end > start)
				break;
			end = next;
		}
		{
			size_t exact = quarry_tokenizer_count(t, text + start,
			    end - start);
			size_t est = quarry_token_estimate(text + start,
			    end - start);
			double over = exact ? (double)est / (double)exact - 1 : 0;

			st->pieces++;
			st->exact_total += exact;
			st->est_total += est;
			if (est < exact) {
				st->under++;
				if (exact - est > st->max_under)
					st->max_under = exact - est;
			}
			st->sum_over += over;
			if (over > st->max_over)
				st->max_over = over;
		}
		start = end;
	}
}

/*
 * Prints the estimator's table: the cl100k token count of each code point
 * from U+0080 to U+FFFF encoded alone (1 to 3), three code points to a
 * base64 digit, value - 1 in two bits each, the first code point lowest.
 */
static int
gen_table(const char *path)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	quarry_tokenizer *t = open_ranks(path, 0);
	int32_t cp;
	unsigned acc = 0, k = 0, col = 0;

	printf("/*\n * token_estimate_table.h: generated by \"tests/tokcount -g "
	    "cl100k_base.tiktoken\".\n * The cl100k_base token count of each "
	    "code point from U+0080 to U+FFFF\n * alone, minus one, in two bits; "
	    "three code points to a base64 digit.\n */\n"
	    "static const char iso_cost[] =\n\t\"");
	for (cp = 0x80; cp <= 0xFFFF; cp++) {
		unsigned char b[3];
		size_t n, v;

		if (cp < 0x800) {
			b[0] = (unsigned char)(0xC0 | cp >> 6);
			b[1] = (unsigned char)(0x80 | (cp & 63));
			n = 2;
		} else {
			b[0] = (unsigned char)(0xE0 | cp >> 12);
			b[1] = (unsigned char)(0x80 | (cp >> 6 & 63));
			b[2] = (unsigned char)(0x80 | (cp & 63));
			n = 3;
		}
		v = quarry_tokenizer_count(t, (const char *)b, n);
		acc |= (unsigned)(v - 1) << (2 * k);
		if (++k == 3 || cp == 0xFFFF) {
			putchar(digits[acc]);
			acc = k = 0;
			if (++col == 64 && cp != 0xFFFF) {
				printf("\"\n\t\"");
				col = 0;
			}
		}
	}
	printf("\";\n");
	quarry_tokenizer_free(t);
	return 0;
}

static void
usage(void)
{
	fputs("usage: tokcount [-it] RANKFILE FILE...\n"
	    "       tokcount -E [-t] FILE...\n"
	    "       tokcount -c CASES.jsonl DIR\n"
	    "       tokcount -s N RANKFILE FILE...\n"
	    "       tokcount -g RANKFILE\n", stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	quarry_tokenizer *t = NULL;
	int c, estimate = 0, timing = 0, ids = 0, gen = 0, i;
	const char *casefile = NULL;
	size_t target = 0, bytes = 0;
	double secs = 0;
	struct stats st = { 0 };

	while ((c = getopt(argc, argv, "Ec:gis:t")) != -1)
		switch (c) {
		case 'g':
			gen = 1;
			break;
		case 'E':
			estimate = 1;
			break;
		case 'c':
			casefile = optarg;
			break;
		case 'i':
			ids = 1;
			break;
		case 's':
			target = strtoul(optarg, NULL, 10);
			break;
		case 't':
			timing = 1;
			break;
		default:
			usage();
		}
	argc -= optind;
	argv += optind;
	if (gen) {
		if (argc != 1)
			usage();
		return gen_table(argv[0]);
	}
	if (casefile != NULL) {
		if (argc != 1)
			usage();
		return cases(casefile, argv[0]);
	}
	if (!estimate) {
		if (argc < 1)
			usage();
		t = open_ranks(argv[0], timing);
		argc--;
		argv++;
	}
	for (i = 0; i < argc; i++) {
		size_t len, n;
		char *text = slurp(argv[i], &len);
		double t0 = now();

		if (target) {
			piece_stats(t, text, len, target, &st);
			free(text);
			continue;
		}
		if (ids) {
			const uint32_t *id;
			size_t k;

			if (quarry_tokenizer_encode(t, text, len, &id, &n) != 0)
				abort();
			for (k = 0; k < n; k++)
				printf("%s%u", k ? " " : "", id[k]);
			printf("\n");
			free(text);
			continue;
		}
		n = estimate ? quarry_token_estimate(text, len) :
		    quarry_tokenizer_count(t, text, len);
		secs += now() - t0;
		bytes += len;
		printf("%zu %s\n", n, argv[i]);
		free(text);
	}
	if (target)
		printf("pieces %zu tokens %zu estimated %zu (+%.1f%%) "
		    "under %zu (max %zu) mean-over %.1f%% max-over %.1f%%\n",
		    st.pieces, st.exact_total, st.est_total,
		    st.exact_total ? 100.0 * ((double)st.est_total /
		    (double)st.exact_total - 1) : 0.0, st.under, st.max_under,
		    st.pieces ? 100 * st.sum_over / (double)st.pieces : 0.0,
		    100 * st.max_over);
	if (timing && secs > 0)
		fprintf(stderr, "%zu bytes in %.3f s: %.1f MB/s\n", bytes, secs,
		    (double)bytes / secs / 1e6);
	quarry_tokenizer_free(t);
	if (fflush(stdout) != 0 || ferror(stdout))
		return 1;
	return 0;
}
