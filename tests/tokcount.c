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
 *   tokcount -d -s N RANKFILE FILE...  ... and per file the distribution of
 *                                      estimate / exact over its pieces
 *                                      (min, p50, p99, max, pieces under)
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

#include <jansson.h>

#include "quarry.h"
#include "testutil.h"
#include "tokenizer_private.h"

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
	double t0 = tu_now();
	int rc = quarry_tokenizer_open(&t, path, &line);

	if (rc != 0) {
		fprintf(stderr, "tokcount: %s:%lu: %s\n", path, line,
		    quarry_strerror(rc));
		exit(2);
	}
	if (timing)
		fprintf(stderr, "load %s: %zu tokens, %s, %.1f ms\n", path,
		    quarry_tokenizer_vocab(t), quarry_tokenizer_pattern(t),
		    (tu_now() - t0) * 1e3);
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
	double *ratio;		/* estimate / exact of each piece (-d) */
	size_t nratio, cap;
	size_t pieces, under, exact_total, est_total;
	double max_over, sum_over;
	size_t max_under;
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Prints the distribution of the ratios gathered for one file (-d). */
static void
print_dist(const char *name, struct stats *st, size_t exact)
{
	size_t n = st->nratio, under = 0, i;

	if (n == 0)
		return;
	qsort(st->ratio, n, sizeof(*st->ratio), cmp_double);
	for (i = 0; i < n; i++)
		under += st->ratio[i] < 1;
	printf("%-24s %6zu %8zu %6.3f %6.3f %6.3f %6.3f %5zu\n", name, n,
	    exact, st->ratio[0], st->ratio[n / 2],
	    st->ratio[n - 1 - n / 100], st->ratio[n - 1], under);
	st->nratio = 0;
}

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
			if (exact > 0) {
				if (st->nratio == st->cap) {
					st->cap = st->cap ? 2 * st->cap : 256;
					st->ratio = realloc(st->ratio,
					    st->cap * sizeof(*st->ratio));
					if (st->ratio == NULL)
						abort();
				}
				st->ratio[st->nratio++] = (double)est /
				    (double)exact;
			}
			if (over > st->max_over)
				st->max_over = over;
		}
		start = end;
	}
}

/*
 * Prints the estimator's vocabulary: the first EST_RANKS tokens of
 * cl100k_base, the single bytes (ranks 0 to 255) as their byte values and
 * every later token as the pair of lower ranks whose concatenation it is
 * (the first split where both halves rank lower), two 15-bit ranks in five
 * base64 digits, the left one first and each high bits first.
 */
#define EST_RANKS 32768

static void
gen_merges(quarry_tokenizer *t)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t r, col = 0;

	printf("\n/*\n * The first %d tokens of cl100k_base: ranks 0-255 are "
	    "single bytes\n * (est_bytes), every later rank r is the "
	    "concatenation of two tokens\n * of lower ranks a and b (est_pairs: "
	    "a and b in 15 bits each, as five\n * base64 digits, high bits "
	    "first).  Merging with a prefix of the ranks\n * stops early where "
	    "all of cl100k would merge on, so it never counts\n * fewer "
	    "tokens.\n */\n#define EST_RANKS %d\n"
	    "static const unsigned char est_bytes[256] = {", EST_RANKS,
	    EST_RANKS);
	for (r = 0; r < 256; r++) {
		const char *tok;
		size_t n;

		if (quarry_tokenizer_decode(t, &r, 1, &tok, &n) != 0 || n != 1)
			abort();
		printf("%s%u,", r % 16 ? " " : "\n\t", (unsigned char)tok[0]);
	}
	printf("\n};\nstatic const char est_pairs[] =\n\t\"");
	for (r = 256; r < EST_RANKS; r++) {
		const char *tok;
		char buf[256];
		size_t n, i;
		uint32_t v = 0;
		int k;

		if (quarry_tokenizer_decode(t, &r, 1, &tok, &n) != 0 ||
		    n > sizeof(buf))
			abort();
		memcpy(buf, tok, n);
		for (i = 1; i < n; i++) {
			uint32_t a = tok_bpe_rank(t, (unsigned char *)buf, i);
			uint32_t b = tok_bpe_rank(t,
			    (unsigned char *)buf + i, n - i);

			if (a < r && b < r) {
				v = a << 15 | b;
				break;
			}
		}
		if (i == n)
			abort();
		for (k = 4; k >= 0; k--)
			putchar(digits[v >> (6 * k) & 63]);
		if (++col == 12 && r + 1 < EST_RANKS) {
			printf("\"\n\t\"");
			col = 0;
		}
	}
	printf("\";\n");
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
	gen_merges(t);
	quarry_tokenizer_free(t);
	return 0;
}

static void
usage(void)
{
	fputs("usage: tokcount [-it] RANKFILE FILE...\n"
	    "       tokcount -E [-t] FILE...\n"
	    "       tokcount -c CASES.jsonl DIR\n"
	    "       tokcount [-d] -s N RANKFILE FILE...\n"
	    "       tokcount -g RANKFILE\n", stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	quarry_tokenizer *t = NULL;
	int c, estimate = 0, timing = 0, ids = 0, gen = 0, dist = 0, i;
	const char *casefile = NULL;
	size_t target = 0, bytes = 0;
	double secs = 0;
	struct stats st = { 0 };

	while ((c = getopt(argc, argv, "Ec:dgis:t")) != -1)
		switch (c) {
		case 'd':
			dist = 1;
			break;
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
		double t0 = tu_now();

		if (target) {
			size_t before = st.exact_total;

			if (dist && i == 0)
				printf("%-24s %6s %8s %6s %6s %6s %6s %5s\n",
				    "file", "pieces", "tokens", "min", "p50",
				    "p99", "max", "under");
			piece_stats(t, text, len, target, &st);
			if (dist) {
				const char *b = strrchr(argv[i], '/');

				print_dist(b ? b + 1 : argv[i], &st,
				    st.exact_total - before);
			}
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
		secs += tu_now() - t0;
		bytes += len;
		printf("%zu %s\n", n, argv[i]);
		free(text);
	}
	free(st.ratio);
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
