/*
 * embed.c: the embedder handle shared by every backend, and the built-in
 * lexical embedder "hash-v1" (man/quarry-embed.1, BUILT-IN EMBEDDER).
 *
 * hash-v1 is feature hashing: each feature (a word, a word bigram, or a
 * character unigram or bigram of a script written without spaces) is hashed
 * with XXH3-64 to a signed bucket, weighted 1 + ln(tf), and the buckets are
 * L2-normalised.  The vector must be the same on every platform, so all of
 * it is integer arithmetic (the logarithm too, in Q16 fixed point) except
 * the last step: one correctly rounded square root and, per component, one
 * correctly rounded division and conversion to float, which IEEE 754 fixes
 * exactly.  No expression can be contracted into a fused multiply-add.
 * Changing any of it changes the vectors: that would be "hash-v2".
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "embed_private.h"

#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD != 0 && FLT_EVAL_METHOD != -1
#warning "excess floating-point precision: hash-v1 vectors may differ in the last bit"
#endif

/* ------------------------------------------------------------ the handle */

void
quarry_embed_options_init(quarry_embed_options *o)
{
	memset(o, 0, sizeof(*o));
	o->batch = 64;
	o->parallel = 4;
	o->retries = 5;
	o->timeout = 60;
	o->backoff = 0.5;
}

void *
embed_alloc(quarry_embedder **out, size_t size, const struct embed_ops *ops)
{
	quarry_embedder *e;

	if ((*out = e = calloc(1, sizeof(*e))) == NULL ||
	    (e->impl = calloc(1, size)) == NULL)
		return NULL;
	e->ops = ops;
	return e->impl;
}

int
embed_init(quarry_embedder *e, const struct embed_ops *ops, const char *name,
    size_t dims)
{
	e->ops = ops;
	if ((e->name = strdup(name)) == NULL)
		return QUARRY_ENOMEM;
	if (dims != 0)
		return embed_set_dims(e, dims);
	return 0;
}

int
embed_set_dims(quarry_embedder *e, size_t dims)
{
	size_t len;

	if (e->dims != 0)
		return dims == e->dims ? 0 : QUARRY_EMODEL;
	if (dims == 0 || dims > QUARRY_EMBED_DIMS_MAX)
		return QUARRY_EMODEL;
	len = strlen(e->name) + 24;
	if ((e->model = malloc(len)) == NULL)
		return QUARRY_ENOMEM;
	snprintf(e->model, len, "%s/%zu", e->name, dims);
	e->dims = dims;
	/* Vectors of a call already under way. */
	if (e->cap > 0) {
		free(e->vecs);
		if ((e->vecs = calloc(e->cap, dims * sizeof(float))) == NULL)
			return QUARRY_ENOMEM;
	}
	return 0;
}

float *
embed_item_vec(quarry_embedder *e, size_t i)
{
	return e->vecs + i * e->dims;
}

void
embed_item_ok(quarry_embedder *e, size_t i)
{
	e->done[i] = 1;
}

static void
vitem_fail(quarry_embedder *e, size_t i, int code, const char *fmt, va_list ap)
{
	char buf[1024];

	if (e->status[i] != 0)
		return;
	e->done[i] = 0;
	e->status[i] = code;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	e->msgs[i] = strdup(buf);	/* NULL on ENOMEM: "" is shown */
}

void
embed_item_fail(quarry_embedder *e, size_t i, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vitem_fail(e, i, code, fmt, ap);
	va_end(ap);
}

int
embed_fatal(quarry_embedder *e, int code, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	qerr_vset(&e->err, code, fmt, ap);
	va_end(ap);
	e->fatal = 1;
	e->fatal_code = code;
	for (i = 0; i < e->n; i++)
		if (!e->done[i])
			embed_item_fail(e, i, code, "%s", e->err.msg);
	return code;
}

/* Makes room for n items and clears the results of the last call. */
static int
reset_call(quarry_embedder *e, size_t n)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		free(e->msgs[i]);
		e->msgs[i] = NULL;
	}
	e->n = 0;
	if (n > e->cap) {
		size_t ncap = n < 16 ? 16 : n;

		free(e->vecs);
		free(e->status);
		free(e->msgs);
		free(e->done);
		e->vecs = NULL;
		e->cap = 0;
		e->status = calloc(ncap, sizeof(int));
		e->msgs = calloc(ncap, sizeof(char *));
		e->done = calloc(ncap, 1);
		if (e->dims)
			e->vecs = calloc(ncap, e->dims * sizeof(float));
		if (e->status == NULL || e->msgs == NULL || e->done == NULL ||
		    (e->dims && e->vecs == NULL))
			return QUARRY_ENOMEM;
		e->cap = ncap;
	}
	memset(e->status, 0, n * sizeof(int));
	memset(e->done, 0, n);
	e->n = n;
	return 0;
}

int
quarry_embedder_embed(quarry_embedder *e, const char *const *texts,
    const size_t *lens, size_t n)
{
	size_t i;
	int rc;

	if ((rc = reset_call(e, n)) != 0) {
		e->n = 0;
		return qerr_set(&e->err, rc, "out of memory");
	}
	e->texts = texts;
	e->lens = lens;
	e->stats.inputs += n;
	if (e->fatal) {
		/* The fault that failed the embedder stays its error. */
		for (i = 0; i < n; i++)
			embed_item_fail(e, i, e->fatal_code, "%s",
			    qerr_str(&e->err));
		rc = e->fatal_code;
		goto out;
	}
	qerr_clear(&e->err);
	/* Texts longer than the model accepts are refused before sending. */
	if (e->max_input > 0)
		for (i = 0; i < n; i++) {
			size_t chars = quarry_utf8_count(texts[i], lens[i]);

			if (chars > e->max_input)
				embed_item_fail(e, i, QUARRY_ETOOBIG,
				    "text of %zu characters is longer than the "
				    "model accepts (at most %zu); not "
				    "truncated", chars, e->max_input);
		}
	rc = e->ops->embed(e);
out:
	for (i = 0; i < n; i++)
		if (e->status[i] != 0)
			e->stats.failed++;
		else if (!e->done[i])	/* a backend bug must not pass */
			embed_item_fail(e, i, QUARRY_EMODEL, "no vector");
	return qerr_ret(&e->err, rc);
}

const float *
quarry_embedder_vector(const quarry_embedder *e, size_t i)
{
	if (i >= e->n || !e->done[i] || e->status[i] != 0)
		return NULL;
	return e->vecs + i * e->dims;
}

int
quarry_embedder_status(const quarry_embedder *e, size_t i, const char **msg)
{
	if (i >= e->n) {
		if (msg)
			*msg = "no such item";
		return QUARRY_EINVAL;
	}
	if (msg)
		*msg = e->msgs[i] ? e->msgs[i] : "";
	return e->status[i];
}

size_t
quarry_embedder_dims(const quarry_embedder *e)
{
	return e->dims;
}

const char *
quarry_embedder_model(const quarry_embedder *e)
{
	return e->model;
}

const char *
quarry_embedder_error(const quarry_embedder *e)
{
	return qerr_str(e ? &e->err : NULL);
}

void
quarry_embedder_stats(const quarry_embedder *e, quarry_embed_stats *st)
{
	*st = e->stats;
}

void
quarry_embedder_free(quarry_embedder *e)
{
	size_t i;

	if (e == NULL)
		return;
	if (e->ops && e->ops->free)
		e->ops->free(e);
	for (i = 0; i < e->n; i++)
		free(e->msgs[i]);
	free(e->msgs);
	free(e->status);
	free(e->done);
	free(e->vecs);
	free(e->name);
	free(e->model);
	free(e);
}

/* -------------------------------------------------------- float output */

static const uint64_t pow10_u64[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000, UINT64_C(10000000000), UINT64_C(100000000000),
	UINT64_C(1000000000000), UINT64_C(10000000000000),
	UINT64_C(100000000000000), UINT64_C(1000000000000000),
	UINT64_C(10000000000000000), UINT64_C(100000000000000000),
	UINT64_C(1000000000000000000),
};

/*
 * The nine significant digits of m * 2^e (m < 2^24) scaled by 10^s, rounded
 * half to even, computed exactly in 128-bit integers; s is in [-1, 18] and e
 * such that the products fit (checked by the caller's range).
 */
static uint64_t
scaled_digits(uint32_t m, int e, int s)
{
	unsigned __int128 num = m, den = 1, q, r;

	if (e >= 0)
		num <<= e;
	else
		den <<= -e;
	if (s >= 0)
		num *= pow10_u64[s];
	else
		den *= pow10_u64[-s];
	q = num / den;
	r = num % den;
	if (2 * r > den || (2 * r == den && (q & 1)))
		q++;
	return (uint64_t)q;
}

int
quarry_format_float(char buf[32], float f)
{
	uint32_t bits, m;
	int e, E, n = 0, len, i;
	uint64_t d;
	char dig[10];
	double a = fabs((double)f);

	if (a == 0) {
		/* Most components of a sparse vector. */
		len = signbit(f) ? 4 : 3;
		memcpy(buf, signbit(f) ? "-0.0" : "0.0", (size_t)len + 1);
		return len;
	}
	if (!(a >= 1e-10 && a < 1e10)) {
		/* Zero, tiny, huge, inf, nan: the C library. */
		len = snprintf(buf, 32, "%.9g", (double)f);
		goto real;
	}
	memcpy(&bits, &f, sizeof(bits));
	m = (bits & 0x7fffff) | 0x800000;	/* normal: a >= 1e-10 */
	e = (int)((bits >> 23) & 0xff) - 150;
	E = (int)floor(log10(a));	/* an estimate, corrected below */
	for (;;) {
		if (8 - E < -1 || 8 - E > 18)
			break;
		d = scaled_digits(m, e, 8 - E);
		/* A value that rounds up to 10^(E+1) gets there too: at the
		 * next scale it rounds to exactly 10^8. */
		if (d >= UINT64_C(1000000000))
			E++;
		else if (d < 100000000)
			E--;
		else
			goto format;
	}
	len = snprintf(buf, 32, "%.9g", (double)f);
	goto real;
format:
	for (i = 8; i >= 0; i--) {
		dig[i] = (char)('0' + d % 10);
		d /= 10;
	}
	len = 9;
	while (len > 1 && dig[len - 1] == '0')
		len--;		/* %g drops trailing zeros */
	if (f < 0)
		buf[n++] = '-';
	if (E < -4 || E >= 9) {
		buf[n++] = dig[0];
		if (len > 1) {
			buf[n++] = '.';
			memcpy(buf + n, dig + 1, (size_t)len - 1);
			n += len - 1;
		}
		n += snprintf(buf + n, 8, "e%c%02d", E < 0 ? '-' : '+',
		    E < 0 ? -E : E);
	} else if (E >= 0) {
		for (i = 0; i <= E; i++)
			buf[n++] = i < len ? dig[i] : '0';
		if (len > E + 1) {
			buf[n++] = '.';
			memcpy(buf + n, dig + E + 1, (size_t)(len - E - 1));
			n += len - E - 1;
		}
	} else {
		buf[n++] = '0';
		buf[n++] = '.';
		for (i = 0; i < -E - 1; i++)
			buf[n++] = '0';
		memcpy(buf + n, dig, (size_t)len);
		n += len;
	}
	buf[n] = '\0';
	if (E < -4 || E >= 9 || len > E + 1)
		return n;	/* has an 'e' or a '.' */
	len = n;
real:
	if (strchr(buf, '.') == NULL && strchr(buf, 'e') == NULL &&
	    strchr(buf, 'n') == NULL) {
		memcpy(buf + len, ".0", 3);
		len += 2;
	}
	return len;
}

/* ------------------------------------------------------------- hash-v1 */

/* Seeds that keep the feature kinds apart ("q-word", ...). */
#define SEED_WORD	UINT64_C(0x712d776f7264)
#define SEED_BIGRAM	UINT64_C(0x712d626967726d)
#define SEED_CHAR	UINT64_C(0x712d63686172)

/*
 * Weights of the kinds of features, in Q8 (256 = 1).  Without corpus
 * statistics there is no IDF, so the commonest function words of a few
 * languages stand in for it: they weigh an eighth of other words, and so
 * does a bigram of two of them ("of the").
 */
enum {
	W_WORD = 256, W_BIGRAM = 128, W_CHAR1 = 128, W_CHAR2 = 256,
	W_STOP = 32, W_STOP_BIGRAM = 16,
};

/* Function words (case-folded; part of the definition of hash-v1). */
static const char *const stop_words[] = {
	/* English */
	"a", "an", "and", "are", "as", "at", "be", "but", "by", "do", "does",
	"for", "from", "had", "has", "have", "he", "her", "his", "how", "i",
	"if", "in", "into", "is", "it", "its", "not", "of", "on", "or", "she",
	"so", "that", "the", "their", "them", "then", "there", "these",
	"they", "this", "to", "was", "we", "were", "what", "when", "where",
	"which", "who", "why", "will", "with", "you",
	/* German */
	"als", "auf", "aus", "bei", "das", "dem", "den", "der", "des", "die",
	"ein", "eine", "einer", "es", "im", "ist", "mit", "nicht", "sich",
	"sie", "und", "von", "zu",
	/* French */
	"au", "aux", "ce", "dans", "du", "elle", "en", "est", "et", "il",
	"la", "le", "les", "ne", "par", "pas", "pour", "qui", "que", "se",
	"sur", "un", "une",
	/* Spanish, Italian, Portuguese */
	"al", "con", "da", "del", "della", "di", "el", "ella", "em", "los",
	"las", "lo", "na", "no", "o", "para", "per", "por", "su", "uma",
	"uno", "y",
	/* Dutch */
	"de", "een", "het", "met", "niet", "op", "van", "voor",
};

static uint64_t *stop_hash;	/* sorted hashes of stop_words */
static size_t nstop;
static pthread_once_t stop_once = PTHREAD_ONCE_INIT;

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void
stop_init(void)
{
	size_t i, n = sizeof(stop_words) / sizeof(stop_words[0]);

	if ((stop_hash = malloc(n * sizeof(*stop_hash))) == NULL)
		return;		/* then nothing is a stop word: see below */
	for (i = 0; i < n; i++)
		stop_hash[i] = XXH3_64bits_withSeed(stop_words[i],
		    strlen(stop_words[i]), SEED_WORD);
	qsort(stop_hash, n, sizeof(*stop_hash), u64_cmp);
	nstop = n;
}

static int
is_stop(uint64_t h)
{
	return bsearch(&h, stop_hash, nstop, sizeof(h), u64_cmp) != NULL;
}

struct feat {
	uint64_t h;
	uint32_t w;		/* kind weight, Q8 */
};

struct hash_state {
	struct feat *f;
	size_t nf, capf;
	int64_t *acc;
	char *low;		/* ASCII lower-cased copy */
	size_t lowcap;
};

/*
 * log2(x) in Q16 for x >= 1, by the classic bit-by-bit method: the integer
 * part from the highest set bit, then 16 fraction bits by repeated squaring
 * of the mantissa held in Q30.  Exact integer arithmetic throughout.
 */
static uint32_t
log2_q16(uint64_t x)
{
	uint32_t ip = 0, frac = 0;
	uint64_t m;
	int i;

	while ((x >> ip) > 1)
		ip++;
	/* m = x / 2^ip in Q30, in [1, 2). */
	if (ip >= 30)
		m = x >> (ip - 30);
	else
		m = x << (30 - ip);
	for (i = 15; i >= 0; i--) {
		m = (m * m) >> 30;
		if (m >= (UINT64_C(2) << 30)) {
			m >>= 1;
			frac |= UINT32_C(1) << i;
		}
	}
	return (ip << 16) | frac;
}

/* 1 + ln(tf) in Q16: ln(x) = log2(x) * ln(2), ln(2) = 45426 / 65536. */
static uint64_t
tf_weight(uint64_t tf)
{
	return 65536 + (((uint64_t)log2_q16(tf) * 45426 + 32768) >> 16);
}

/* Scripts written without spaces between words. */
static int
is_nospace(int32_t c)
{
	return (c >= 0x0E00 && c <= 0x0EFF) ||	/* Thai, Lao */
	    (c >= 0x1000 && c <= 0x109F) ||	/* Myanmar */
	    (c >= 0x1780 && c <= 0x17FF) ||	/* Khmer */
	    (c >= 0x19E0 && c <= 0x19FF) ||	/* Khmer symbols */
	    (c >= 0x3040 && c <= 0x30FF) ||	/* Hiragana, Katakana */
	    (c >= 0x31F0 && c <= 0x31FF) ||	/* Katakana extension */
	    (c >= 0x3400 && c <= 0x4DBF) ||	/* CJK extension A */
	    (c >= 0x4E00 && c <= 0x9FFF) ||	/* CJK unified */
	    (c >= 0xF900 && c <= 0xFAFF) ||	/* CJK compatibility */
	    (c >= 0x20000 && c <= 0x3FFFF);	/* CJK extensions B... */
}

static int
is_word_char(int32_t c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_';
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO: case UTF8PROC_CATEGORY_PC:
		return 1;
	default:
		return 0;
	}
}

static int
add_feat(struct hash_state *hs, uint64_t h, uint32_t w)
{
	if (hs->nf == hs->capf) {
		size_t ncap = hs->capf ? hs->capf * 2 : 1024;
		struct feat *nf = realloc(hs->f, ncap * sizeof(*nf));

		if (nf == NULL)
			return QUARRY_ENOMEM;
		hs->f = nf;
		hs->capf = ncap;
	}
	hs->f[hs->nf].h = h;
	hs->f[hs->nf].w = w;
	hs->nf++;
	return 0;
}

/* The hash of a pair of features, from their hashes as little-endian bytes
 * (so that it does not depend on the host's byte order). */
static uint64_t
pair_hash(uint64_t a, uint64_t b, uint64_t seed)
{
	unsigned char buf[16];
	int i;

	for (i = 0; i < 8; i++) {
		buf[i] = (unsigned char)(a >> (8 * i));
		buf[8 + i] = (unsigned char)(b >> (8 * i));
	}
	return XXH3_64bits_withSeed(buf, sizeof(buf), seed);
}

/* Collects the features of normalised text s[0..len). */
static int
collect(struct hash_state *hs, const char *s, size_t len)
{
	uint64_t prev_word = 0, prev_char = 0;
	int have_word = 0, have_char = 0, prev_stop = 0;
	size_t i = 0;

	hs->nf = 0;
	while (i < len) {
		int32_t c;
		size_t n = quarry_utf8_decode(s, len, i, &c);

		if (is_nospace(c) && is_word_char(c)) {
			uint64_t h = XXH3_64bits_withSeed(s + i, n, SEED_CHAR);

			if (add_feat(hs, h, W_CHAR1) != 0)
				return QUARRY_ENOMEM;
			if (have_char && add_feat(hs,
			    pair_hash(prev_char, h, SEED_CHAR), W_CHAR2) != 0)
				return QUARRY_ENOMEM;
			prev_char = h;
			have_char = 1;
			have_word = 0;
			i += n;
			continue;
		}
		have_char = 0;
		if (!is_word_char(c)) {
			i += n;
			continue;
		}
		/* A word: a run of word characters outside those scripts. */
		size_t start = i;

		i += n;
		while (i < len) {
			n = quarry_utf8_decode(s, len, i, &c);
			if (!is_word_char(c) || is_nospace(c))
				break;
			i += n;
		}
		uint64_t h = XXH3_64bits_withSeed(s + start, i - start,
		    SEED_WORD);
		int stop = is_stop(h);

		if (add_feat(hs, h, stop ? W_STOP : W_WORD) != 0)
			return QUARRY_ENOMEM;
		if (have_word && add_feat(hs, pair_hash(prev_word, h,
		    SEED_BIGRAM), stop && prev_stop ? W_STOP_BIGRAM :
		    W_BIGRAM) != 0)
			return QUARRY_ENOMEM;
		prev_word = h;
		prev_stop = stop;
		have_word = 1;
	}
	return 0;
}

static int
feat_cmp(const void *a, const void *b)
{
	const struct feat *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return (x->w > y->w) - (x->w < y->w);
}

/* Turns the features into the normalised vector v[0..dims). */
static void
project(struct hash_state *hs, size_t dims, float *v)
{
	uint64_t max = 0, sumsq = 0, div = 1;
	int64_t *acc = hs->acc;
	size_t i, j;
	double norm;

	memset(acc, 0, dims * sizeof(*acc));
	if (hs->nf > 1)
		qsort(hs->f, hs->nf, sizeof(*hs->f), feat_cmp);
	for (i = 0; i < hs->nf; i = j) {
		uint64_t h = hs->f[i].h, tf;
		int64_t w;

		for (j = i; j < hs->nf && hs->f[j].h == h; j++)
			;
		tf = j - i;
		/* Q8 kind weight times Q16 tf weight, kept in Q16. */
		w = (int64_t)((hs->f[i].w * tf_weight(tf)) >> 8);
		if (h >> 63)
			acc[h % dims] -= w;
		else
			acc[h % dims] += w;
	}
	for (i = 0; i < dims; i++) {
		uint64_t a = acc[i] < 0 ? (uint64_t)-acc[i] : (uint64_t)acc[i];

		if (a > max)
			max = a;
	}
	if (max == 0) {
		/* No features: the zero vector. */
		for (i = 0; i < dims; i++)
			v[i] = 0.0f;
		return;
	}
	/* Keep every square below 2^46 so that the sum fits 64 bits. */
	while (max / div >= (UINT64_C(1) << 23))
		div *= 2;
	for (i = 0; i < dims; i++) {
		acc[i] /= (int64_t)div;	/* truncates toward zero (C99) */
		sumsq += (uint64_t)(acc[i] * acc[i]);
	}
	norm = sqrt((double)sumsq);
	for (i = 0; i < dims; i++)
		v[i] = (float)((double)acc[i] / norm);
}

/* Lower-cases ASCII text into hs->low; returns it, or NULL on ENOMEM. */
static const char *
ascii_lower(struct hash_state *hs, const char *s, size_t len)
{
	size_t i;

	if (len + 1 > hs->lowcap) {
		char *nl = realloc(hs->low, len + 1);

		if (nl == NULL)
			return NULL;
		hs->low = nl;
		hs->lowcap = len + 1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		hs->low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	return hs->low;
}

static int
is_ascii(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

static int
hash_embed_one(quarry_embedder *e, struct hash_state *hs, size_t k)
{
	const char *s = e->texts[k];
	size_t len = e->lens[k];
	utf8proc_uint8_t *norm = NULL;
	int rc;

	if (is_ascii(s, len)) {
		/* NFKC and case folding leave ASCII as lower-casing does. */
		if ((s = ascii_lower(hs, s, len)) == NULL)
			return QUARRY_ENOMEM;
	} else {
		utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)s,
		    (utf8proc_ssize_t)len, &norm, UTF8PROC_STABLE |
		    UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD);

		if (r < 0) {
			embed_item_fail(e, k, r == UTF8PROC_ERROR_NOMEM ?
			    QUARRY_ENOMEM : QUARRY_EUTF8, "cannot normalise "
			    "text: %s", utf8proc_errmsg(r));
			return 0;
		}
		s = (const char *)norm;
		len = (size_t)r;
	}
	rc = collect(hs, s, len);
	free(norm);
	if (rc != 0)
		return rc;
	project(hs, e->dims, embed_item_vec(e, k));
	embed_item_ok(e, k);
	return 0;
}

static int
hash_embed(quarry_embedder *e)
{
	struct hash_state *hs = e->impl;
	size_t k;

	for (k = 0; k < e->n; k++) {
		if (e->status[k] != 0)
			continue;
		if (hash_embed_one(e, hs, k) != 0)
			return embed_fatal(e, QUARRY_ENOMEM, "out of memory");
	}
	e->stats.requests += e->n;
	return 0;
}

static void
hash_free(quarry_embedder *e)
{
	struct hash_state *hs = e->impl;

	if (hs == NULL)
		return;
	free(hs->f);
	free(hs->acc);
	free(hs->low);
	free(hs);
}

static const struct embed_ops hash_ops = { hash_embed, hash_free };

int
quarry_embedder_new_hash(quarry_embedder **out, size_t dims)
{
	quarry_embedder *e;
	struct hash_state *hs;
	int rc;

	if ((hs = embed_alloc(out, sizeof(*hs), &hash_ops)) == NULL)
		return QUARRY_ENOMEM;
	e = *out;
	if (dims == 0 || dims > QUARRY_EMBED_DIMS_MAX)
		return qerr_set(&e->err, QUARRY_EINVAL, "%zu dimensions: the "
		    "built-in embedder makes 1 to %d", dims,
		    QUARRY_EMBED_DIMS_MAX);
	pthread_once(&stop_once, stop_init);
	if (stop_hash == NULL)	/* vectors would differ without it */
		return qerr_set(&e->err, QUARRY_ENOMEM, "out of memory");
	if ((hs->acc = calloc(dims, sizeof(*hs->acc))) == NULL)
		return qerr_set(&e->err, QUARRY_ENOMEM, "out of memory");
	if ((rc = embed_init(e, &hash_ops, "hash-v1", dims)) != 0)
		return qerr_ret(&e->err, rc);
	return 0;
}
