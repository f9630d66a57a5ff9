/*
 * record.c: reading and writing JSON Lines records (man/quarry.7).
 *
 * The reader keeps one growing buffer and hands each line to jansson, so
 * memory is bounded by the longest line.  The writer has its own compact
 * serialiser: jansson's would escape nothing we care about differently, but
 * it prints every real with 17 digits, and embeddings are float32 values that
 * need only 9 to round-trip (STYLE.md, point 9).
 */
#include "config.h"

#include <errno.h>
#include <float.h>
#include <pthread.h>
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "error_private.h"
#include "quarry.h"
#include "chunk_private.h"
#include "text_private.h"

/* An escape in a decoded string: decoded bytes before its end, and the
 * bytes the encoding has over the decoding up to there. */
struct esc {
	uint32_t dend;
	uint32_t extra;
};

struct quarry_reader {
	FILE *fp;
	char *name;
	char *buf;		/* buffered input; [pos, end) not yet consumed */
	size_t cap;
	size_t pos;
	size_t end;
	int eof;
	size_t max_line;
	unsigned long line;	/* lines consumed so far */
	unsigned long recline;	/* line of the last record or fault */
	struct qerr err;
	struct quarry_buf str;	/* a string value being decoded */
	struct quarry_buf key;	/* a member name being decoded */
	struct quarry_buf text;	/* the taken member, decoded (fast path) */
	const char *tsrc;	/* its encoding in the line (after the '"') */
	struct esc *esc;	/* where its escapes are: see text_map() */
	size_t nesc, capesc;
	size_t cur;		/* text_map()'s last answer: chunks come in order */
	const char *ttext;	/* the text last taken, wherever it lies */
	size_t tlen;
	int mapped;		/* tsrc and esc describe the current text */
	json_t *held;		/* a taken member's value (slow path) */
	int mem;		/* buf is the caller's (quarry_reader_new_mem()) */
	int part;		/* ... a part of an input, not its start */
	struct quarry_buf own;	/* a huge line of it, copied to decode */
};

int
quarry_reader_new(quarry_reader **out, FILE *fp, const char *name)
{
	quarry_reader *r;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return QUARRY_ENOMEM;
	r->fp = fp;
	r->cap = 1 << 16;
	r->max_line = QUARRY_MAX_LINE_DEFAULT;
	if ((r->name = strdup(name ? name : "-")) == NULL ||
	    (r->buf = malloc(r->cap)) == NULL) {
		quarry_reader_free(r);
		return QUARRY_ENOMEM;
	}
	*out = r;
	return 0;
}

int
quarry_reader_new_mem(quarry_reader **out, const char *data, size_t len,
    const char *name, int flags)
{
	quarry_reader *r;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return QUARRY_ENOMEM;
	/* Never written: a line is decoded in place only when copied to
	 * r->own first (quarry_reader_next_take()). */
	r->buf = (char *)(uintptr_t)data;
	r->cap = r->end = len;
	r->eof = 1;
	r->mem = 1;
	r->part = (flags & QUARRY_READ_PART) != 0;
	r->max_line = QUARRY_MAX_LINE_DEFAULT;
	if ((r->name = strdup(name ? name : "-")) == NULL) {
		quarry_reader_free(r);
		return QUARRY_ENOMEM;
	}
	*out = r;
	return 0;
}

void
quarry_reader_set_max_line(quarry_reader *r, size_t max)
{
	r->max_line = max ? max : QUARRY_MAX_LINE_DEFAULT;
}

void
quarry_reader_free(quarry_reader *r)
{
	if (r == NULL)
		return;
	free(r->name);
	if (!r->mem)
		free(r->buf);
	quarry_buf_free(&r->own);
	quarry_buf_free(&r->str);
	quarry_buf_free(&r->key);
	quarry_buf_free(&r->text);
	free(r->esc);
	json_decref(r->held);
	free(r);
}

unsigned long
quarry_reader_line(const quarry_reader *r)
{
	return r->recline;
}

const char *
quarry_reader_error(const quarry_reader *r)
{
	return qerr_str(r ? &r->err : NULL);
}

const char *
quarry_reader_name(const quarry_reader *r)
{
	return r->name;
}

/*
 * Reads more input into the buffer, moving unconsumed bytes to its start and
 * growing it when it is full.  Returns the number of bytes read, 0 at end of
 * input, or -1 on a read error.
 */
/*
 * Asks for transparent huge pages over a large buffer: a record of 100 MB
 * otherwise costs 25,000 page faults in each buffer that holds it.
 */
static void
want_huge_pages(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	uintptr_t a = ((uintptr_t)p + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1);
	uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)((2u << 20) - 1);

	if (n >= (8u << 20) && e > a)
		(void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
	(void)p;
	(void)n;
#endif
}

static ssize_t
fill(quarry_reader *r)
{
	size_t n;

	if (r->eof)
		return 0;
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->pos = 0;
	}
	if (r->end == r->cap) {
		size_t ncap = r->cap * 2;
		struct stat st;
		off_t at;
		char *nb;

		/* From a regular file, reserve room for the rest of it at
		 * once (up to the longest line allowed) rather than copy a
		 * long line at every doubling.  The reservation is address
		 * space only: reads below touch at most twice the data
		 * already held. */
		if (fstat(fileno(r->fp), &st) == 0 && S_ISREG(st.st_mode) &&
		    (at = ftello(r->fp)) >= 0 && st.st_size > at &&
		    (uint64_t)(st.st_size - at) < (uint64_t)r->max_line &&
		    r->end + (size_t)(st.st_size - at) + 1 > ncap)
			ncap = r->end + (size_t)(st.st_size - at) + 1;

		if ((nb = realloc(r->buf, ncap)) == NULL)
			return -2;
		r->buf = nb;
		r->cap = ncap;
		want_huge_pages(nb, ncap);
	}
	n = r->cap - r->end;
	if (n > r->end && n > (1u << 18))
		n = r->end > (1u << 18) ? r->end : 1u << 18;
	n = fread(r->buf + r->end, 1, n, r->fp);
	r->end += n;
	if (n == 0) {
		if (ferror(r->fp))
			return -1;
		r->eof = 1;
	}
	return (ssize_t)n;
}

/*
 * Finds the next line.  On success sets *line and *len (without the '\n' and
 * an optional '\r') and returns 1; returns 0 at end of input.  A line longer
 * than max_line is skipped up to its newline and reported as QUARRY_ETOOBIG.
 */
static int
next_line(quarry_reader *r, char **line, size_t *len)
{
	size_t scanned = 0;
	int toolong = 0;

	for (;;) {
		char *nl = memchr(r->buf + r->pos + scanned, '\n',
		    r->end - r->pos - scanned);
		ssize_t got;

		if (nl != NULL) {
			size_t l = (size_t)(nl - (r->buf + r->pos));

			r->line++;
			if (toolong || l > r->max_line) {
				r->pos += l + 1;
				return qerr_set(&r->err, QUARRY_ETOOBIG,
				    "line longer than %zu bytes", r->max_line);
			}
			*line = r->buf + r->pos;
			*len = l;
			r->pos += l + 1;
			if (l > 0 && (*line)[l - 1] == '\r')
				(*len)--;
			return 1;
		}
		scanned = r->end - r->pos;
		if (scanned > r->max_line) {
			/* Drop what we have of an over-long line and keep
			 * looking for its end without storing it. */
			toolong = 1;
			r->pos = r->end;
			scanned = 0;
		}
		got = fill(r);
		if (got == -2)
			return QUARRY_ENOMEM;
		if (got < 0)
			return qerr_set(&r->err, QUARRY_EIO, "read error: %s",
			    strerror(errno));
		if (got == 0) {
			if (r->end == r->pos && !toolong)
				return 0;
			r->line++;
			if (toolong) {
				r->pos = r->end;
				return qerr_set(&r->err, QUARRY_ETOOBIG,
				    "line longer than %zu bytes", r->max_line);
			}
			/* A last line without a newline. */
			*line = r->buf + r->pos;
			*len = r->end - r->pos;
			r->pos = r->end;
			return 1;
		}
	}
}

/* ------------------------------------------------- the record fast path */

/*
 * Records are objects of a few members, one of which (the text) may be many
 * megabytes.  jansson's lexer reads such a string one character at a time
 * through a stream and grows its buffer by copying; the fast path below
 * decodes strings here in one pass over whole words and hands jansson only
 * the other values.  It accepts a subset of JSON; on anything else (a syntax
 * error, a duplicate key, \u0000, a lone surrogate, deep nesting) it gives
 * up, and the whole line is parsed by jansson, which reports the fault
 * exactly as it always has.
 */

#define ONES ((uint64_t)0x0101010101010101ULL)
#define HIGHS ((uint64_t)0x8080808080808080ULL)

/* Non-zero when one of the 8 bytes in w is '"', '\\' or below 0x20. */
static uint64_t
special_bytes(uint64_t w)
{
	uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');

	return ((q - ONES) & ~q) | ((b - ONES) & ~b) |
	    ((w - ONES * 0x20) & ~w);
}

/* Eight bytes from p, the first in the lowest bits: special_bytes() may
 * also flag bytes after a flagged one, never before it. */
static uint64_t
load8(const void *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* The index of the first flagged byte of a non-zero special_bytes() mask. */
static size_t
first_flagged(uint64_t m)
{
	return (size_t)__builtin_ctzll(m) / 8;
}

/*
 * Returns the first i >= p (or len) where s[i] is '"', '\\' or a control
 * character: the end of a run of bytes that JSON strings hold as they are.
 */
static size_t
plain_run(const char *s, size_t p, size_t len)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	const __m128i ctl = _mm_set1_epi8(0x1F);

	while (len - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + p));
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
		    _mm_cmpeq_epi8(v, bs)),
		    _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);

		if (bits != 0)
			return p + (size_t)__builtin_ctz(bits);
		p += 16;
	}
#endif
	while (len - p >= 8) {
		uint64_t m = special_bytes(load8(s + p)) & HIGHS;

		if (m != 0)
			return p + first_flagged(m);
		p += 8;
	}
	while (p < len && (unsigned char)s[p] >= 0x20 && s[p] != '"' &&
	    s[p] != '\\')
		p++;
	return p;
}

static int
hex4(const char *s, size_t len, size_t i, unsigned *v)
{
	size_t k;

	*v = 0;
	if (len - i < 4)
		return -1;
	for (k = i; k < i + 4; k++) {
		unsigned char c = (unsigned char)s[k];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

/*
 * A taken text up to this size (most documents) is decoded to a buffer of
 * its own, and its chunks can be copied from the input as it was encoded
 * (quarry_reader_put_text()); a larger one is decoded where it lies, so
 * that a huge document is not held twice.  Below 4 GiB, so that struct
 * esc's offsets fit.
 */
#define TAKE_IN_PLACE ((size_t)16 << 20)

/* Makes room for more escapes in r->esc. */
static __attribute__((noinline)) int
esc_grow(quarry_reader *r)
{
	size_t ncap = r->capesc ? r->capesc * 2 : 256;
	struct esc *ne = realloc(r->esc, ncap * sizeof(*ne));

	if (ne == NULL)
		return -1;
	r->esc = ne;
	r->capesc = ncap;
	return 0;
}

/* Records an escape that ended at decoded byte dend (see struct esc):
 * inline, as text has one every line or so. */
static inline int
note_escape(quarry_reader *r, size_t dend, size_t extra)
{
	if (r->nesc == r->capesc && esc_grow(r) != 0)
		return -1;
	/* Both fit: the text is at most TAKE_IN_PLACE bytes. */
	r->esc[r->nesc].dend = (uint32_t)dend;
	r->esc[r->nesc].extra = (uint32_t)extra;
	r->nesc++;
	return 0;
}

/* A byte mask of the bytes of v that are '"', '\\' or below 0x20. */
#ifdef __SSE2__
static unsigned
special16(__m128i v)
{
	const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	const __m128i ctl = _mm_set1_epi8(0x1F);

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
	    _mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bs)),
	    _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v)));
}
#endif

#ifdef TEXT_AVX2
/* special16() of 32 bytes. */
__attribute__((target("avx2"))) static inline unsigned
special32(__m256i v)
{
	const __m256i quote = _mm256_set1_epi8('"');
	const __m256i bs = _mm256_set1_epi8('\\');
	const __m256i ctl = _mm256_set1_epi8(0x1F);

	return (unsigned)_mm256_movemask_epi8(_mm256_or_si256(
	    _mm256_or_si256(_mm256_cmpeq_epi8(v, quote),
	    _mm256_cmpeq_epi8(v, bs)),
	    _mm256_cmpeq_epi8(_mm256_min_epu8(v, ctl), v)));
}
#endif

#ifdef TEXT_AVX2
/*
 * fast_string()'s copy of plain text to o + *pn from s + *pp, 32 bytes a
 * step: up to the first escape but "\\n" (decoded on the way, and noted
 * for m as fast_string() notes it; at is where the string's quote is) or a
 * byte that ends the string or is not allowed, or to fewer than 32 bytes
 * before len.  Returns -1 when out of memory, else 0.
 */
__attribute__((target("avx2"))) static int
fast_plain_avx2(char *o, const char *s, size_t len, size_t *pp, size_t *pn,
    size_t at, quarry_reader *m)
{
	const __m256i bsv = _mm256_set1_epi8('\\'), nv = _mm256_set1_epi8('n');
	size_t p = *pp, n = *pn;
	int rc = 0;

	while (len - p >= 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + p));
		unsigned bits;

		_mm256_storeu_si256((__m256i *)(void *)(o + n), v);
		bits = special32(v);
		if (bits != 0 && len - p >= 64 && bits == (unsigned)
		    _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, bsv)) &&
		    (bits >> 31) == 0 && ((bits << 1) & ~(unsigned)
		    _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, nv))) == 0) {
			/* Only "\\n" escapes, none cut by the step's end (text
			 * of short lines: one every 28 bytes in manual pages):
			 * each decoded, and the bytes after it copied again
			 * one byte closer, rather than the step started
			 * again after each. */
			unsigned b = bits;
			size_t j = 0;

			while (b != 0) {
				size_t k = (size_t)__builtin_ctz(b), d = n + k - j;

				b &= b - 1;
				o[d] = '\n';
				_mm256_storeu_si256((__m256i *)(void *)(o + d + 1),
				    _mm256_loadu_si256((const __m256i *)(const void *)
				    (s + p + k + 2)));
				j++;
				if (m != NULL && (rc = note_escape(m, d + 1,
				    p + k + 2 - at - 1 - (d + 1))) != 0)
					goto out;
			}
			p += 32;
			n += 32 - j;
			continue;
		}
		if (bits != 0) {
			size_t k = (size_t)__builtin_ctz(bits);

			p += k;
			n += k;
			/* "\\n" and, in the same stride, "\\\\" and "\\\"" (a
			 * manual page has one every 200 bytes). */
			if (s[p] != '\\' || p + 1 >= len)
				break;
			if (s[p + 1] == 'n')
				o[n++] = '\n';
			else if (s[p + 1] == '\\' || s[p + 1] == '"')
				o[n++] = s[p + 1];
			else
				break;
			p += 2;
			if (m != NULL && (rc = note_escape(m, n,
			    p - at - 1 - n)) != 0)
				break;
			continue;
		}
		p += 32;
		n += 32;
	}
out:
	*pp = p;
	*pn = n;
	return rc;
}
#endif

/*
 * Decodes the JSON string that starts at s[*i] (a '"') to o, and moves *i
 * past its closing quote; *olen is the decoded length.  o may be NULL (to
 * check and measure the string only); otherwise it must have room for the
 * decoded string and 32 bytes more, because plain text is copied 32 bytes
 * (AVX2) or 16 at a time whether or not all of them belong to the string
 * (the decoded string is never longer than its encoding, so the rest of the
 * line plus 32 is always enough).  o may also be s + *i itself (decoding in
 * place, a run at a time: the decoding is never longer than the encoding,
 * and the copy-first loop would overwrite escapes before reading them).  m,
 * when not NULL, notes every escape (note_escape()).  Returns 0, or -1 when
 * the string is not one the fast path accepts.
 */
static int
fast_string(char *o, const char *s, size_t len, size_t *i, size_t *olen,
    quarry_reader *m)
{
	size_t p = *i + 1, n = 0;
	int inplace = o == s + *i;
#ifdef TEXT_AVX2
	int avx2 = o != NULL && !inplace && len - p >= 64 && text_have_avx2();
#endif

#define PUT(ch) do { if (o != NULL) o[n] = (char)(ch); n++; } while (0)
	for (;;) {
		unsigned char c;
		unsigned u, lo;

		if (o != NULL && !inplace) {
#ifdef TEXT_AVX2
			if (avx2 && fast_plain_avx2(o, s, len, &p, &n, *i,
			    m) != 0)
				return -1;
#endif
#ifdef __SSE2__
			/* Copy first, look after: the bytes past the end of
			 * the run are overwritten by what follows. */
			while (len - p >= 16) {
				__m128i v = _mm_loadu_si128(
				    (const __m128i *)(const void *)(s + p));
				unsigned bits;

				_mm_storeu_si128((__m128i *)(void *)(o + n), v);
				if ((bits = special16(v)) != 0) {
					size_t k = (size_t)__builtin_ctz(bits);

					p += k;
					n += k;
					/* Line ends, the commonest escape,
					 * and backslashes and quotes,
					 * without leaving the loop. */
					if (s[p] == '\\' && p + 1 < len &&
					    (s[p + 1] == 'n' || s[p + 1] == '\\' ||
					    s[p + 1] == '"')) {
						o[n++] = s[p + 1] == 'n' ? '\n' :
						    s[p + 1];
						p += 2;
						if (m != NULL && note_escape(m,
						    n, p - *i - 1 - n) != 0)
							return -1;
						continue;
					}
					goto special;
				}
				p += 16;
				n += 16;
			}
#endif
			while (p < len && (unsigned char)s[p] >= 0x20 &&
			    s[p] != '"' && s[p] != '\\')
				o[n++] = s[p++];
		} else {
			/* Measuring, or decoding in place: whole runs, moved
			 * before anything after them is read. */
			size_t run = plain_run(s, p, len);

			if (o != NULL && o + n != s + p)
				memmove(o + n, s + p, run - p);
			n += run - p;
			p = run;
		}
#ifdef __SSE2__
special:
#endif
		if (p >= len)
			return -1;
		c = (unsigned char)s[p];
		if (c == '"')
			break;
		if (c != '\\' || p + 1 >= len)
			return -1;	/* a control character */
		switch (s[p + 1]) {
		case '"': PUT('"'); break;
		case '\\': PUT('\\'); break;
		case '/': PUT('/'); break;
		case 'b': PUT('\b'); break;
		case 'f': PUT('\f'); break;
		case 'n': PUT('\n'); break;
		case 'r': PUT('\r'); break;
		case 't': PUT('\t'); break;
		case 'u':
			if (hex4(s, len, p + 2, &u) != 0 || u == 0)
				return -1;
			if (u >= 0xDC00 && u <= 0xDFFF)
				return -1;
			if (u >= 0xD800 && u <= 0xDBFF) {
				if (p + 7 >= len || s[p + 6] != '\\' ||
				    s[p + 7] != 'u' ||
				    hex4(s, len, p + 8, &lo) != 0 ||
				    lo < 0xDC00 || lo > 0xDFFF)
					return -1;
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				p += 6;
			}
			if (u < 0x80)
				PUT(u);
			else if (u < 0x800) {
				PUT(0xC0 | u >> 6);
				PUT(0x80 | (u & 0x3F));
			} else if (u < 0x10000) {
				PUT(0xE0 | u >> 12);
				PUT(0x80 | (u >> 6 & 0x3F));
				PUT(0x80 | (u & 0x3F));
			} else {
				PUT(0xF0 | u >> 18);
				PUT(0x80 | (u >> 12 & 0x3F));
				PUT(0x80 | (u >> 6 & 0x3F));
				PUT(0x80 | (u & 0x3F));
			}
			p += 4;
			break;
		default:
			return -1;
		}
		p += 2;
		if (m != NULL && note_escape(m, n, p - *i - 1 - n) != 0)
			return -1;
	}
#undef PUT
	*olen = n;
	*i = p + 1;
	return 0;
}

/* Checks the string at s[*i], then decodes it into b (NUL-terminated). */
static int
string_to_buf(const char *s, size_t len, size_t *i, struct quarry_buf *b)
{
	size_t e = *i, n;

	if (fast_string(NULL, s, len, &e, &n, NULL) != 0 ||
	    quarry_buf_reserve(b, n + 32 - b->len) != 0)
		return -1;
	(void)fast_string(b->data, s, len, i, &n, NULL);
	b->data[n] = '\0';
	b->len = n;
	return 0;
}

static size_t
skip_ws(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
	    s[i] == '\r'))
		i++;
	return i;
}

/* ------------------------------------------------------ numbers as read */

/*
 * Numbers are copied as they were read.  A number that a double or a 64-bit
 * integer holds exactly in the form the writer prints (put_real(): the
 * shortest form that reads back the same) needs nothing more; any other --
 * an integer over 64 bits, 1e-400 or 1e400, more digits than a double
 * holds, another spelling of the same value ("1.50", "1E3") -- is
 * registered here with its source text: the record holds an approximation
 * (a real, +-DBL_MAX or 0 when out of range) for programs that read it, and
 * the writer prints the text instead as long as the value is unchanged.
 * The registry holds a reference on each value, so that no other value can
 * take its address; values only the registry holds any more are dropped
 * whenever it fills up.
 */
struct rawnum {
	json_t *v;
	double d;		/* its value when read */
	char *text;
};

static struct {
	pthread_mutex_t lock;
	struct rawnum *slot;	/* open addressing by pointer */
	size_t cap, n;		/* cap: a power of two, or 0 */
} raw = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0 };

static size_t
raw_hash(const json_t *v, size_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)v * 0x9E3779B97F4A7C15u;

	return (size_t)(h >> 17) & (cap - 1);
}

static void
raw_insert(struct rawnum *slot, size_t cap, struct rawnum e)
{
	size_t i = raw_hash(e.v, cap);

	while (slot[i].v != NULL)
		i = (i + 1) & (cap - 1);
	slot[i] = e;
}

/* Registers text[0..n) as the source of number v.  Returns 0 or -1. */
static int
raw_register(json_t *v, const char *text, size_t n)
{
	struct rawnum e;
	int rc = -1;

	if ((e.text = malloc(n + 1)) == NULL)
		return -1;
	memcpy(e.text, text, n);
	e.text[n] = '\0';
	e.d = json_real_value(v);
	e.v = json_incref(v);
	pthread_mutex_lock(&raw.lock);
	if (2 * (raw.n + 1) > raw.cap) {
		/* Full: drop what nobody else holds, then grow if need be. */
		size_t i, live = 0, cap = raw.cap ? raw.cap : 64;
		struct rawnum *ns;

		for (i = 0; i < raw.cap; i++)
			if (raw.slot[i].v != NULL && raw.slot[i].v->refcount > 1)
				live++;
		while (2 * (live + 1) > cap / 2 + 1)
			cap *= 2;
		if ((ns = calloc(cap, sizeof(*ns))) == NULL)
			goto out;
		for (i = 0; i < raw.cap; i++) {
			struct rawnum *o = &raw.slot[i];

			if (o->v == NULL)
				continue;
			if (o->v->refcount > 1)
				raw_insert(ns, cap, *o);
			else {
				json_decref(o->v);
				free(o->text);
			}
		}
		free(raw.slot);
		raw.slot = ns;
		raw.cap = cap;
		raw.n = live;
	}
	raw_insert(raw.slot, raw.cap, e);
	raw.n++;
	rc = 0;
out:
	pthread_mutex_unlock(&raw.lock);
	if (rc != 0) {
		json_decref(v);
		free(e.text);
	}
	return rc;
}

/* The source text of number v, or NULL. */
static const char *
raw_text(const json_t *v)
{
	const char *t = NULL;
	size_t i;

	if (raw.n == 0)		/* the common case, without the lock */
		return NULL;
	pthread_mutex_lock(&raw.lock);
	if (raw.cap > 0)
		for (i = raw_hash(v, raw.cap); raw.slot[i].v != NULL;
		    i = (i + 1) & (raw.cap - 1))
			if (raw.slot[i].v == v) {
				/* Not when the value was set since. */
				if (json_real_value(v) == raw.slot[i].d)
					t = raw.slot[i].text;
				break;
			}
	pthread_mutex_unlock(&raw.lock);
	return t;
}

static int put_real(struct quarry_buf *b, double d, int digits);

/*
 * Whether t (digits bytes, a JSON number with a fraction) is, without
 * formatting it, the form put_real() prints for its value: a plain
 * decimal "-?I.F" whose F does not end in 0, with at most 15 significant
 * digits (DBL_DIG: they read back from the double unchanged, so
 * put_real() stops at "%.15g") and a decimal exponent from -4 to 14
 * (where "%g" writes the plain form and strips trailing zeros), or a
 * whole "-?I.0" of at most 15 digits ("%g" writes I, put_real() adds
 * ".0": the 0.0 of sparse vectors).  False
 * means "format it and compare" (an exponent, a trailing zero, more
 * digits), never "different".  The embedding floats quarry-embed writes
 * ("0.012345679") take this path: indexing read each of them with three
 * calls of snprintf() and strtod().
 */
static int
plain_shortest(const char *t, size_t digits)
{
	size_t p = t[0] == '-', sig = 0, lead = 0;
	int zero_int = t[p] == '0';

	for (; p < digits && t[p] != '.'; p++) {
		if (t[p] < '0' || t[p] > '9')
			return 0;
		sig++;
	}
	if (p + 2 == digits && t[p + 1] == '0')
		return sig <= 15;
	if (p >= digits || t[digits - 1] == '0')
		return 0;
	if (zero_int) {
		sig = 0;
		for (p++; p < digits && t[p] == '0'; p++)
			lead++;
		if (lead > 3)
			return 0;
	} else
		p++;
	for (; p < digits; p++) {
		if (t[p] < '0' || t[p] > '9')
			return 0;
		sig++;
	}
	return sig <= 15;
}

/*
 * Reads the JSON number at s[*i] (strict grammar) into a new value,
 * registering its text when the writer would not print it the same.
 */
static json_t *
parse_number(const char *s, size_t len, size_t *i)
{
	size_t a = *i, k = a, digits = 0;
	int frac = 0, exp = 0;
	char tmp[64];
	struct quarry_buf b = { 0 };
	json_t *v;

	if (k < len && s[k] == '-')
		k++;
	if (k < len && s[k] == '0')
		k++;
	else if (k < len && s[k] >= '1' && s[k] <= '9')
		while (k < len && s[k] >= '0' && s[k] <= '9')
			k++;
	else
		return NULL;
	if (k < len && s[k] == '.') {
		frac = 1;
		if (++k >= len || s[k] < '0' || s[k] > '9')
			return NULL;
		while (k < len && s[k] >= '0' && s[k] <= '9')
			k++;
	}
	if (k < len && (s[k] == 'e' || s[k] == 'E')) {
		exp = 1;
		k++;
		if (k < len && (s[k] == '+' || s[k] == '-'))
			k++;
		if (k >= len || s[k] < '0' || s[k] > '9')
			return NULL;
		while (k < len && s[k] >= '0' && s[k] <= '9')
			k++;
	}
	*i = k;
	digits = k - a;
	if (!frac && !exp) {
		/* An integer: exact when it fits in 64 bits. */
		int neg = s[a] == '-';
		uint64_t u = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;
		size_t p;

		for (p = a + neg; p < k; p++) {
			unsigned d = (unsigned)(s[p] - '0');

			if (u > (lim - d) / 10)
				goto big;
			u = u * 10 + d;
		}
		return json_integer(neg ? (json_int_t)(0 - u) : (json_int_t)u);
	}
big:
	if (digits < sizeof(tmp)) {
		memcpy(tmp, s + a, digits);
		tmp[digits] = '\0';
	} else {
		if (quarry_buf_reserve(&b, digits + 1) != 0)
			return NULL;
		memcpy(b.data, s + a, digits);
		b.data[digits] = '\0';
	}
	{
		const char *t = b.data ? b.data : tmp;
		double d = strtod(t, NULL);
		struct quarry_buf out = { 0 };
		int same;

		if (d > DBL_MAX)
			d = DBL_MAX;
		else if (d < -DBL_MAX)
			d = -DBL_MAX;
		v = json_real(d);
		/* Would the writer print the text as it is? */
		same = v != NULL && (plain_shortest(t, digits) ||
		    (put_real(&out, d, 17) == 0 && out.len == digits &&
		    memcmp(out.data, t, digits) == 0));
		quarry_buf_free(&out);
		if (v != NULL && !same && raw_register(v, t, digits) != 0) {
			json_decref(v);
			v = NULL;
		}
	}
	quarry_buf_free(&b);
	return v;
}

/*
 * Reads the JSON value at s[*i] (not a string at the top: those are read
 * by the caller) into a new value, numbers as parse_number() reads them,
 * duplicate member names refused.  Returns NULL when it is not valid JSON.
 */
static json_t *
parse_value(const char *s, size_t len, size_t *i, int depth)
{
	json_t *v = NULL, *e;
	struct quarry_buf key = { 0 };
	size_t k;

	if (*i >= len || depth > 512)
		return NULL;
	switch (s[*i]) {
	case '"':
		if (string_to_buf(s, len, i, &key) != 0)
			return NULL;
		v = json_stringn_nocheck(key.data, key.len);
		break;
	case '{':
		if ((v = json_object()) == NULL)
			return NULL;
		k = skip_ws(s, len, *i + 1);
		if (k < len && s[k] == '}') {
			*i = k + 1;
			break;
		}
		for (;;) {
			if (k >= len || s[k] != '"' ||
			    string_to_buf(s, len, &k, &key) != 0 ||
			    json_object_get(v, key.data) != NULL)
				goto bad;
			k = skip_ws(s, len, k);
			if (k >= len || s[k] != ':')
				goto bad;
			k = skip_ws(s, len, k + 1);
			{
				/* The value may reuse nothing of key's. */
				char *name = strdup(key.data);

				if (name == NULL)
					goto bad;
				e = parse_value(s, len, &k, depth + 1);
				if (e == NULL || json_object_set_new_nocheck(v,
				    name, e) != 0) {
					free(name);
					goto bad;
				}
				free(name);
			}
			k = skip_ws(s, len, k);
			if (k < len && s[k] == ',') {
				k = skip_ws(s, len, k + 1);
				continue;
			}
			if (k < len && s[k] == '}')
				break;
			goto bad;
		}
		*i = k + 1;
		break;
	case '[':
		if ((v = json_array()) == NULL)
			return NULL;
		k = skip_ws(s, len, *i + 1);
		if (k < len && s[k] == ']') {
			*i = k + 1;
			break;
		}
		for (;;) {
			if ((e = parse_value(s, len, &k, depth + 1)) == NULL ||
			    json_array_append_new(v, e) != 0)
				goto bad;
			k = skip_ws(s, len, k);
			if (k < len && s[k] == ',') {
				k = skip_ws(s, len, k + 1);
				continue;
			}
			if (k < len && s[k] == ']')
				break;
			goto bad;
		}
		*i = k + 1;
		break;
	case 't':
		if (len - *i >= 4 && memcmp(s + *i, "true", 4) == 0) {
			*i += 4;
			v = json_true();
		}
		break;
	case 'f':
		if (len - *i >= 5 && memcmp(s + *i, "false", 5) == 0) {
			*i += 5;
			v = json_false();
		}
		break;
	case 'n':
		if (len - *i >= 4 && memcmp(s + *i, "null", 4) == 0) {
			*i += 4;
			v = json_null();
		}
		break;
	default:
		v = parse_number(s, len, i);
		break;
	}
	quarry_buf_free(&key);
	return v;
bad:
	quarry_buf_free(&key);
	json_decref(v);
	return NULL;
}

/*
 * Parses line[0..len) (valid UTF-8) as an object, or returns NULL.  When
 * take is not NULL and the object has a string member of that name, the
 * member is left out of the object and its value decoded to the reader's
 * text buffer, *text and *tlen; the line itself is never written, so that
 * jansson can still read it as it was when the fast path gives up.
 */
static json_t *
fast_parse(quarry_reader *r, char *s, size_t len, const char *take,
    const char **text, size_t *tlen)
{
	json_t *obj, *v;
	size_t i = skip_ws(s, len, 0), n, tstart = 0;
	int taken = 0;

	if (i >= len || s[i] != '{' || (obj = json_object()) == NULL)
		return NULL;
	i = skip_ws(s, len, i + 1);
	if (i < len && s[i] == '}')
		goto end;
	for (;;) {
		r->key.len = 0;
		if (i >= len || s[i] != '"' ||
		    string_to_buf(s, len, &i, &r->key) != 0 ||
		    json_object_get(obj, r->key.data) != NULL)
			goto fail;
		i = skip_ws(s, len, i);
		if (i >= len || s[i] != ':')
			goto fail;
		i = skip_ws(s, len, i + 1);
		if (i >= len)
			goto fail;
		if (s[i] == '"' && take != NULL && strcmp(r->key.data, take) == 0 &&
		    len - i > TAKE_IN_PLACE) {
			/* Too large to hold twice: checked now, decoded in
			 * place once the whole line has been accepted. */
			tstart = i;
			taken = 2;
			if (fast_string(NULL, s, len, &i, &n, NULL) != 0)
				goto fail;
			v = json_null();
		} else if (s[i] == '"' && take != NULL &&
		    strcmp(r->key.data, take) == 0) {
			/* Decoded in one pass to a buffer of its own, which
			 * leaves the line as it was for jansson should the
			 * fast path give up later; a placeholder keeps
			 * duplicates detected. */
			r->text.len = 0;
			r->nesc = 0;
			r->cur = 0;
			r->tsrc = s + i + 1;
			if (quarry_buf_reserve(&r->text, len - i + 32) != 0 ||
			    fast_string(r->text.data, s, len, &i, &n, r) != 0)
				goto fail;
			r->text.data[n] = '\0';
			r->text.len = n;
			taken = 1;
			v = json_null();
		} else if (s[i] == '"') {
			r->str.len = 0;
			if (string_to_buf(s, len, &i, &r->str) != 0)
				goto fail;
			v = json_stringn_nocheck(r->str.data, r->str.len);
		} else
			v = parse_value(s, len, &i, 1);
		if (v == NULL || json_object_set_new_nocheck(obj, r->key.data,
		    v) != 0)
			goto fail;
		i = skip_ws(s, len, i);
		if (i < len && s[i] == ',') {
			i = skip_ws(s, len, i + 1);
			continue;
		}
		if (i < len && s[i] == '}')
			break;
		goto fail;
	}
end:
	if (skip_ws(s, len, i + 1) != len)
		goto fail;
	if (taken == 1) {
		r->mapped = 1;
		*text = r->text.data;
		*tlen = r->text.len;
		json_object_del(obj, take);
	} else if (taken == 2) {
		size_t at = tstart;	/* the opening quote */

		(void)fast_string(s + at, s, len, &tstart, &n, NULL);
		s[at + n] = '\0';
		*text = s + at;
		*tlen = n;
		json_object_del(obj, take);
	}
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

int
quarry_reader_next(quarry_reader *r, json_t **rec)
{
	return quarry_reader_next_take(r, rec, NULL, NULL, NULL);
}

int
quarry_reader_next_take(quarry_reader *r, json_t **rec, const char *field,
    const char **text, size_t *tlen)
{
	json_error_t jerr;
	char *line = NULL;
	size_t len = 0, bad;
	json_t *v;
	int rc;

	*rec = NULL;
	if (text != NULL) {
		*text = NULL;
		*tlen = 0;
	}
	json_decref(r->held);
	r->held = NULL;
	r->mapped = 0;
	r->ttext = NULL;
	qerr_clear(&r->err);
	for (;;) {
		rc = next_line(r, &line, &len);
		r->recline = r->line;
		if (rc <= 0)
			return rc;
		if (r->line == 1 && !r->part && len >= 3 &&
		    memcmp(line, "\xEF\xBB\xBF", 3) == 0)
			return qerr_set(&r->err, QUARRY_EFORMAT,
			    "byte order mark at start of input (records are UTF-8 without BOM)");
		/* Skip lines that hold only white space. */
		size_t i = 0;
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i < len)
			break;
	}
	if (quarry_utf8_validate(line, len, &bad) != 0)
		return qerr_set(&r->err, QUARRY_EUTF8,
		    "invalid UTF-8 at byte %zu", bad + 1);
	/* The caller's memory is never written: a line whose text would be
	 * decoded where it lies (fast_parse()) is copied first, as a stream
	 * reader holds it. */
	if (r->mem && text != NULL && len > TAKE_IN_PLACE) {
		r->own.len = 0;
		if (quarry_buf_append(&r->own, line, len) != 0)
			return qerr_set(&r->err, QUARRY_ENOMEM, "out of memory");
		line = r->own.data;
	}
	if ((v = fast_parse(r, line, len, text != NULL ? field : NULL, text,
	    tlen)) != NULL) {
		if (text != NULL) {
			r->ttext = *text;
			r->tlen = *tlen;
		}
		*rec = v;
		return 1;
	}
	v = json_loadb(line, len, JSON_REJECT_DUPLICATES,
	    &jerr);
	if (v == NULL)
		return qerr_set(&r->err, QUARRY_EJSON,
		    "malformed JSON at byte %d: %s", jerr.position, jerr.text);
	if (!json_is_object(v)) {
		json_decref(v);
		return qerr_set(&r->err, QUARRY_EFORMAT,
		    "record is not a JSON object");
	}
	if (text != NULL && json_is_string(json_object_get(v, field))) {
		r->held = json_incref(json_object_get(v, field));
		json_object_del(v, field);
		*text = r->ttext = json_string_value(r->held);
		*tlen = r->tlen = json_string_length(r->held);
	}
	*rec = v;
	return 1;
}

/*
 * Where decoded byte x of the taken text is in its encoding.  Chunks come
 * in order, overlaps step back a little: the escapes are walked from the
 * last answer (r->cur: the number of escapes that end at or before it)
 * rather than searched.
 */
static size_t
text_map(const quarry_reader *r, size_t x, size_t *cur)
{
	size_t k = *cur;

	while (k < r->nesc && r->esc[k].dend <= x)
		k++;
	while (k > 0 && r->esc[k - 1].dend > x)
		k--;
	*cur = k;
	return x + (k > 0 ? r->esc[k - 1].extra : 0);
}

int
quarry_reader_put_text(quarry_reader *r, struct quarry_buf *b,
    size_t off, size_t len)
{
	return reader_put_text_at(r, b, off, len, &r->cur);
}

int
reader_put_text_at(const quarry_reader *r, struct quarry_buf *b,
    size_t off, size_t len, size_t *cur)
{
	size_t a, e;

	if (r->ttext == NULL || off > r->tlen || len > r->tlen - off)
		return QUARRY_EINVAL;
	if (!r->mapped ||
	    ((unsigned char)r->ttext[off] & 0xC0) == 0x80 ||
	    ((unsigned char)r->ttext[off + len] & 0xC0) == 0x80)
		return quarry_buf_json_string(b, r->ttext + off, len);
	/* The input's own encoding of the span: valid JSON for exactly
	 * these bytes, since a span that starts and ends at characters
	 * never starts or ends inside an escape. */
	a = text_map(r, off, cur);
	e = text_map(r, off + len, cur);
	if (quarry_buf_reserve(b, e - a + 2) != 0)
		return b->err;
	b->data[b->len++] = '"';
	memcpy(b->data + b->len, r->tsrc + a, e - a);
	b->len += e - a;
	b->data[b->len++] = '"';
	b->data[b->len] = '\0';
	return 0;
}

/* ------------------------------------------------------------- writing */

int
quarry_buf_reserve(struct quarry_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1, ncap;	/* + the NUL */
	char *nd;

	if (b->err != 0)
		return b->err;
	if (need <= b->cap && extra < need)
		return 0;
	if (extra >= need || need > SIZE_MAX / 2)
		return b->err = QUARRY_ENOMEM;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	if ((nd = realloc(b->data, ncap)) == NULL)
		return b->err = QUARRY_ENOMEM;
	if (b->data == NULL)
		nd[0] = '\0';
	b->data = nd;
	b->cap = ncap;
	want_huge_pages(nd, ncap);
	return 0;
}

int
quarry_buf_append(struct quarry_buf *b, const void *p, size_t n)
{
	if (quarry_buf_reserve(b, n) != 0)
		return b->err;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

void
quarry_buf_truncate(struct quarry_buf *b, size_t len)
{
	assert(len <= b->len);
	b->len = len;
	if (b->data != NULL)
		b->data[len] = '\0';
}

int
quarry_buf_check(struct quarry_buf *b)
{
	int rc = b->err;

	b->err = 0;
	return rc;
}

void
quarry_buf_free(struct quarry_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

#ifdef TEXT_AVX2
/*
 * Line ends escaped without a branch: for each mask m of the line ends
 * among 8 bytes, nl_shuf[m] is the shuffle of those bytes (indices 0 to
 * 7), with '\\' and 'n' at 8 and 9, that writes them escaped, and
 * nl_len[m] how many bytes that is.
 */
static unsigned char nl_shuf[256][16];
static unsigned char nl_len[256];
static pthread_once_t nl_once = PTHREAD_ONCE_INIT;

static void
nl_init(void)
{
	unsigned m, i, o;

	for (m = 0; m < 256; m++) {
		for (i = o = 0; i < 8; i++)
			if (m & (1u << i)) {
				nl_shuf[m][o++] = 8;
				nl_shuf[m][o++] = 9;
			} else
				nl_shuf[m][o++] = (unsigned char)i;
		nl_len[m] = (unsigned char)o;
		while (o < 16)
			nl_shuf[m][o++] = 0x80;	/* a zero */
	}
}

/*
 * quarry_buf_json_string()'s copy of plain text, 32 bytes a step: copies
 * from *pp to o up to the first byte that needs an escape other than a
 * line end (escaped on the way), or to fewer than 32 bytes before e.
 * Returns the new o; o must have room for what is copied and 67 bytes.
 * In a text of short lines (one every 40 to 60 bytes in text dumped from
 * HTML), a branch at each line end would be mispredicted as often as
 * taken: a step's one or two line ends are escaped by copies that overlap,
 * more by a shuffle of 8 bytes at a time.
 */
__attribute__((target("avx2"))) static char *
json_plain_avx2(char *o, const unsigned char **pp, const unsigned char *e)
{
	const unsigned char *p = *pp;
	const __m256i nl = _mm256_set1_epi8('\n');
	const __m128i esc = _mm_set_epi8(0, 0, 0, 0, 0, 0, 'n', '\\',
	    0, 0, 0, 0, 0, 0, 0, 0);

	while (e - p >= 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
		unsigned bits, lines, two;
		int k;

		_mm256_storeu_si256((__m256i *)(void *)o, v);
		bits = special32(v);
		lines = (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, nl));
		two = lines & (lines - 1);
		if (bits == lines && (two & (two - 1)) == 0 && e - p >= 65) {
			/* No escape, or one or two line ends (in text dumped
			 * from HTML, 95% of the steps): each line end escaped
			 * and the bytes after it copied again further on,
			 * without a branch on how many (at and at2 are 32
			 * when there is none: what is written past the
			 * step's end is written again by the next step).  A
			 * branch on one or more, 21% of the steps, was
			 * mispredicted as often as not. */
			size_t at = (size_t)__builtin_ctzll(
			    (uint64_t)lines | UINT64_C(1) << 32);
			size_t at2 = (size_t)__builtin_ctzll(
			    (uint64_t)two | UINT64_C(1) << 32);

			memcpy(o + at, "\\n", 2);
			_mm256_storeu_si256((__m256i *)(void *)(o + at + 2),
			    _mm256_loadu_si256((const __m256i *)(const void *)
			    (p + at + 1)));
			memcpy(o + at2 + 1, "\\n", 2);
			_mm256_storeu_si256((__m256i *)(void *)(o + at2 + 3),
			    _mm256_loadu_si256((const __m256i *)(const void *)
			    (p + at2 + 1)));
			p += 32;
			o += 32 + (lines != 0) + (two != 0);
			continue;
		}
		if (bits == 0) {
			p += 32;
			o += 32;
			continue;
		}
		if (bits != lines) {
			/* Another escape: up to it, line ends one by one. */
			size_t n = (size_t)__builtin_ctz(bits);

			p += n;
			o += n;
			if (*p != '\n')
				break;
			*o++ = '\\';
			*o++ = 'n';
			p++;
			continue;
		}
		for (k = 0; k < 4; k++) {
			unsigned m = (lines >> (8 * k)) & 0xFF;
			__m128i x = _mm_or_si128(_mm_loadl_epi64(
			    (const __m128i *)(const void *)(p + 8 * k)), esc);

			_mm_storeu_si128((__m128i *)(void *)o, _mm_shuffle_epi8(x,
			    _mm_loadu_si128((const __m128i *)(const void *)nl_shuf[m])));
			o += nl_len[m];
		}
		p += 32;
	}
	*pp = p;
	return o;
}
#endif

int
quarry_buf_json_string(struct quarry_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *e = p + len;
	char *o;

#ifdef TEXT_AVX2
	int avx2 = len >= 32 && text_have_avx2();

	if (avx2)
		(void)pthread_once(&nl_once, nl_init);
#endif

	/* Worst case: every byte becomes \u00XX; 32 more for the copies of
	 * 32 bytes below, which may run past what they keep.  (The AVX2
	 * steps write up to 67 bytes ahead, but only while 65 bytes or more
	 * of the text are left, whose six bytes each of room cover it.) */
	if (len > SIZE_MAX / 8 || quarry_buf_reserve(b, len * 6 + 2 + 32) != 0)
		return b->err = b->err ? b->err : QUARRY_ENOMEM;
	o = b->data + b->len;
	*o++ = '"';
	for (;;) {
#ifdef TEXT_AVX2
		if (avx2)
			o = json_plain_avx2(o, &p, e);
#endif
#ifdef __SSE2__
		/* Copy 16 bytes, then see how many of them were plain. */
		while (e - p >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			unsigned bits;

			_mm_storeu_si128((__m128i *)(void *)o, v);
			if ((bits = special16(v)) != 0) {
				size_t k = (size_t)__builtin_ctz(bits);

				p += k;
				o += k;
				if (*p == '\n') {	/* the commonest */
					*o++ = '\\';
					*o++ = 'n';
					p++;
					continue;
				}
				goto special;
			}
			p += 16;
			o += 16;
		}
#endif
		while (p < e && *p >= 0x20 && *p != '"' && *p != '\\')
			*o++ = (char)*p++;
#ifdef __SSE2__
special:
#endif
		if (p == e)
			break;
		*o++ = '\\';
		switch (*p) {
		case '"':  *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\t': *o++ = 't'; break;
		case '\r': *o++ = 'r'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		default:
			*o++ = 'u'; *o++ = '0'; *o++ = '0';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
		p++;
	}
	*o++ = '"';
	*o = '\0';
	b->len = (size_t)(o - b->data);
	return 0;
}

static int
put_real(struct quarry_buf *b, double d, int digits)
{
	char tmp[40];
	int n;

	/* Nine digits only for values that are exactly float32; else the
	 * shortest form that reads back the same (0.1, not
	 * 0.10000000000000001). */
	if (digits < 17 && (double)(float)d != d)
		digits = 17;
	if (digits == 17) {
		/* The loop's last "%.*g" is the form kept. */
		for (digits = 15; digits < 17; digits++) {
			n = snprintf(tmp, sizeof(tmp), "%.*g", digits, d);
			if (strtod(tmp, NULL) == d)
				break;
		}
		if (digits == 17)
			n = snprintf(tmp, sizeof(tmp), "%.17g", d);
	} else
		n = snprintf(tmp, sizeof(tmp), "%.*g", digits, d);

	if (strpbrk(tmp, ".eEn") == NULL && n < 36) {
		/* Keep it a real when read back. */
		tmp[n++] = '.';
		tmp[n++] = '0';
		tmp[n] = '\0';
	}
	return quarry_buf_append(b, tmp, (size_t)n);
}

static int
put_value(struct quarry_buf *b, const json_t *v, int digits)
{
	char tmp[32];
	const char *t;
	int n;

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *val;
		int first = 1;

		if (quarry_buf_append(b, "{", 1) != 0)
			return QUARRY_ENOMEM;
		json_object_foreach((json_t *)v, key, val) {
			if (!first && quarry_buf_append(b, ",", 1) != 0)
				return QUARRY_ENOMEM;
			first = 0;
			if (quarry_buf_json_string(b, key, strlen(key)) != 0 ||
			    quarry_buf_append(b, ":", 1) != 0 ||
			    put_value(b, val,
			        strcmp(key, "embedding") == 0 ? 9 : 17) != 0)
				return QUARRY_ENOMEM;
		}
		return quarry_buf_append(b, "}", 1);
	}
	case JSON_ARRAY: {
		size_t i, sz = json_array_size(v);

		if (quarry_buf_append(b, "[", 1) != 0)
			return QUARRY_ENOMEM;
		for (i = 0; i < sz; i++) {
			if (i > 0 && quarry_buf_append(b, ",", 1) != 0)
				return QUARRY_ENOMEM;
			if (put_value(b, json_array_get(v, i), digits) != 0)
				return QUARRY_ENOMEM;
		}
		return quarry_buf_append(b, "]", 1);
	}
	case JSON_STRING:
		return quarry_buf_json_string(b, json_string_value(v),
		    json_string_length(v));
	case JSON_INTEGER:
	case JSON_REAL:
		if ((t = raw_text(v)) != NULL)
			return quarry_buf_append(b, t, strlen(t));
		if (json_is_real(v))
			return put_real(b, json_real_value(v), digits);
		n = snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return quarry_buf_append(b, tmp, (size_t)n);
	case JSON_TRUE:
		return quarry_buf_append(b, "true", 4);
	case JSON_FALSE:
		return quarry_buf_append(b, "false", 5);
	case JSON_NULL:
		return quarry_buf_append(b, "null", 4);
	}
	return QUARRY_EINVAL;
}

int
quarry_buf_json(struct quarry_buf *b, const json_t *v)
{
	return put_value(b, v, 17);
}

int
quarry_record_write(FILE *fp, const json_t *rec)
{
	static __thread struct quarry_buf b;
	int rc;

	quarry_buf_truncate(&b, 0);
	(void)quarry_buf_check(&b);	/* a failure of the last call */
	if ((rc = put_value(&b, rec, 17)) != 0 ||
	    (rc = QUARRY_BUF_LIT(&b, "\n")) != 0)
		return rc;
	if (fwrite(b.data, 1, b.len, fp) != b.len)
		return QUARRY_EIO;
	/* Keep a huge record's buffer from pinning memory forever. */
	if (b.cap > (1u << 24))
		quarry_buf_free(&b);
	return 0;
}

const char *
quarry_record_string(const json_t *rec, const char *field, size_t *len)
{
	const json_t *v = json_object_get(rec, field);

	if (!json_is_string(v))
		return NULL;
	if (len)
		*len = json_string_length(v);
	return json_string_value(v);
}
