/*
 * tokenizer.c: exact byte-level BPE token counts and ids, as tiktoken's
 * encode_ordinary() computes them (no special tokens).
 *
 * A rank file in tiktoken's format holds one token a line: the token's
 * bytes in base64, a space, and its rank (its id, which is also its merge
 * priority).  Text is split into pieces by the encoding's pre-tokeniser
 * (pretokenize.c); a piece that is itself a token costs one; any other is
 * merged from single bytes, always joining the adjacent pair whose
 * concatenation has the lowest rank (the leftmost on ties) until no pair is
 * a token.  Short pieces use tiktoken's own scan; long ones (a line of CJK,
 * a run of dashes) a heap, so that no input is quadratic.  Frequent pieces
 * hit a small direct-mapped cache of their ids.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "quarry.h"
#include "tokenizer_private.h"

/* Pieces up to this many bytes are merged by scanning, longer ones with a
 * heap. */
#define SCAN_MAX 96

/* The piece cache: pieces up to CACHE_KEY bytes with up to CACHE_IDS
 * tokens, CACHE_SIZE entries. */
#define CACHE_KEY 30
#define CACHE_IDS 6
#define CACHE_SIZE (1 << 15)

/* The count cache of quarry_tokenizer_count(): pieces up to 16 bytes
 * (most words with their leading space), COUNT_SIZE entries of 32 bytes,
 * 512 kB, a core's second-level cache on the machines measured.  A word
 * costs one line of it rather than a hash, a probe of the rank table and a
 * comparison with the token's bytes elsewhere in memory.  With 4,096
 * entries, 11% of the pieces of w3m's dumps of HTML manuals missed it and
 * 5% of manual-page prose; with 16,384, 6% and 2%, which took 5 to 7% off
 * the time of exact-token chunking (tests/bench/chunk-speed.sh). */
#define COUNT_KEY 16
#define COUNT_SIZE (1 << 14)

/* The long-piece count cache: counts of pieces longer than CACHE_KEY and
 * up to LONG_KEY bytes (a rule of box-drawing characters, a long run of
 * dashes or of CJK, repeated through a document), LONG_SIZE entries with
 * their own copy of the piece, so at most LONG_SIZE * LONG_KEY bytes. */
#define LONG_KEY 4096
#define LONG_SIZE 2048

#define NO_RANK UINT32_MAX

struct count_entry {
	uint64_t k0, k1;	/* the piece (count_small()) */
	uint32_t len;		/* its length, 0: empty */
	uint32_t n;		/* its token count */
	uint64_t pad;
};

struct long_entry {
	uint64_t hash;
	size_t len;		/* 0: empty */
	size_t n;		/* its token count */
	unsigned char *key;	/* the piece, room for cap bytes */
	size_t cap;
};

struct cache_entry {
	uint64_t hash;
	uint32_t ids[CACHE_IDS];
	uint8_t len;
	uint8_t n;
	unsigned char key[CACHE_KEY];
};

/*
 * A slot of the rank hash table: the token's first bytes as key_of() reads
 * them, its length (0xFFFF for 0xFFFF and more), 16 bits of its hash and
 * its rank plus one (0: empty).  A token of up to 8 bytes is known by its
 * slot alone: looking it up costs one line of memory, not three (the slot,
 * the length and the bytes, each met at random in 7 MB of tables), which
 * is most of what merging a word missing from the count cache costs.
 */
struct slot {
	uint64_t key;
	uint32_t rank1;
	uint16_t len;
	uint16_t tag;
};

/* A candidate merge of the heap algorithm: the pair of parts starting at
 * start and mid, ending at end, whose concatenation has rank. */
struct merge {
	uint32_t rank;
	size_t start, mid, end;
};

struct quarry_tokenizer {
	enum quarry_pattern pattern;
	unsigned char *bytes;		/* every token's bytes */
	uint32_t *off;			/* by rank: offset into bytes */
	uint32_t *len;			/* by rank: length, NO_RANK if none */
	size_t nranks;			/* highest rank + 1 */
	size_t ntokens;
	struct slot *table;
	size_t mask;
	uint32_t *pair;			/* the ranks of the 2-byte tokens,
					 * by their bytes; NO_RANK if none */
	void *arena;			/* the mapping that holds the four */
	size_t arena_len;		/* tables above (tables_alloc()) */
	const struct quarry_tokenizer *origin;	/* owner of the tables above,
						 * for a copy */
	struct cache_entry *cache;
	struct count_entry *ccache;
	struct long_entry *lcache;

	uint32_t *ids;			/* quarry_tokenizer_encode() output */
	size_t nids, ids_cap;
	char *text;			/* quarry_tokenizer_decode() output */
	size_t text_cap;

	/* Scratch space of the merges, grown to the longest piece seen. */
	size_t scratch_cap;
	size_t *part;			/* scan: part starts; heap: ends */
	uint32_t *prank;		/* scan: ranks of part pairs */
	size_t *prev;			/* heap: previous part's start */
	struct merge *heap;
	uint32_t *tmp_ids;
};

static inline uint64_t
hash_bytes(const unsigned char *p, size_t n)
{
	return XXH3_64bits(p, n);
}

static inline uint64_t
load64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t
load32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* The first bytes of p[0..n), with overlapping loads that never read past
 * p + n: with n, the whole of a piece of up to 8 bytes. */
static inline uint64_t
key_of(const unsigned char *p, size_t n)
{
	if (n >= 8)
		return load64(p);
	if (n >= 4)
		return load32(p) | load32(p + n - 4) << 32;
	if (n == 0)
		return 0;
	return (uint64_t)p[0] | (uint64_t)p[n / 2] << 8 |
	    (uint64_t)p[n - 1] << 16;
}

/* The rank table's hash of p[0..n), whose key_of() is key: the key and the
 * last 8 bytes mixed (murmur3's finaliser), XXH3 past 16 bytes. */
static inline uint64_t
key_hash(const unsigned char *p, size_t n, uint64_t key)
{
	uint64_t h = n <= 8 ? 0 : n <= 16 ? load64(p + n - 8) :
	    hash_bytes(p, n);

	h = key ^ (h + n) * 0xC2B2AE3D27D4EB4FULL;
	h ^= h >> 33;
	h *= 0xFF51AFD7ED558CCDULL;
	h ^= h >> 33;
	h *= 0xC4CEB9FE1A85EC53ULL;
	return h ^ h >> 33;
}

/* Returns the rank of the token p[0..n) (key and hash h), or NO_RANK. */
static inline uint32_t
rank_of(const quarry_tokenizer *t, const unsigned char *p, size_t n,
    uint64_t key, uint64_t h)
{
	size_t i = (size_t)h & t->mask;
	uint16_t tag = (uint16_t)(h >> 48);
	uint16_t len = n < 0xFFFF ? (uint16_t)n : 0xFFFF;

	for (;; i = (i + 1) & t->mask) {
		const struct slot *s = &t->table[i];
		uint32_t r;

		if (s->rank1 == 0)
			return NO_RANK;
		if (s->key != key || s->len != len || s->tag != tag)
			continue;
		r = s->rank1 - 1;
		if (n <= 8 || ((n < 0xFFFF || t->len[r] == n) &&
		    memcmp(t->bytes + t->off[r] + 8, p + 8, n - 8) == 0))
			return r;
	}
}

/* The rank of the 2-byte token p[0..2), or NO_RANK. */
static inline uint32_t
pair_rank(const quarry_tokenizer *t, const unsigned char *p)
{
	return t->pair[(size_t)p[0] << 8 | p[1]];
}

static inline uint32_t
rank_span(const quarry_tokenizer *t, const unsigned char *p, size_t n)
{
	uint64_t key;

	if (n == 2)
		return pair_rank(t, p);
	key = key_of(p, n);
	return rank_of(t, p, n, key, key_hash(p, n, key));
}

uint32_t
tok_bpe_rank(const quarry_tokenizer *t, const unsigned char *p, size_t len)
{
	return rank_span(t, p, len);
}

/* ------------------------------------------------------------ loading */

#define ALIGN64(n) (((n) + 63) & ~(size_t)63)
#define HUGE_PAGE ((size_t)2 << 20)

/*
 * A zeroed mapping of *len bytes (rounded up to whole 2 MiB pages, *len
 * set to what is to be unmapped, *base to where), for the rank tables: 7 MB
 * for cl100k, written at random while the file is read.  Asked for in huge
 * pages where the system gives them on request (transparent huge pages in
 * "madvise" mode): four faults rather than 1,700, which took a third of
 * the start-up of a run with the default tokenizer.  Returns the start, or
 * NULL.
 */
#if defined(__SANITIZE_ADDRESS__)
#define TABLES_MAPPED 0		/* calloc(): AddressSanitizer watches it */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TABLES_MAPPED 0
#endif
#endif
#ifndef TABLES_MAPPED
#define TABLES_MAPPED 1
#endif

static unsigned char *
tables_alloc(void **base, size_t *len)
{
	size_t n = (*len + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	unsigned char *p, *a;

	if (!TABLES_MAPPED) {
		*base = calloc(1, *len);
		return *base;
	}
	p = mmap(NULL, n + HUGE_PAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Aligned to a huge page, the slack on both sides given back. */
	a = (unsigned char *)(((uintptr_t)p + HUGE_PAGE - 1) &
	    ~(uintptr_t)(HUGE_PAGE - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (a + n < p + n + HUGE_PAGE)
		munmap(a + n, (size_t)(p + n + HUGE_PAGE - (a + n)));
#ifdef MADV_HUGEPAGE
	(void)madvise(a, n, MADV_HUGEPAGE);
#endif
	*base = a;
	*len = n;
	return a;
}

/* The values of the base64 digits, -1 for other bytes. */
static const signed char b64_val[256] = {
#define R16 -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1
	R16, R16,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	R16, R16, R16, R16, R16, R16, R16, R16,
#undef R16
};

/* Returns the value of a base64 digit, or -1. */
static inline int
b64_digit(unsigned char c)
{
	return b64_val[c];
}

/*
 * Decodes the padded base64 in s[0..n) to out; returns the number of bytes
 * or -1 when s is not canonical base64.
 */
static long
b64_decode(const char *s, size_t n, unsigned char *out)
{
	size_t i, o = 0;

	if (n == 0 || n % 4 != 0)
		return -1;
	for (i = 0; i < n; i += 4) {
		int a = b64_digit((unsigned char)s[i]);
		int b = b64_digit((unsigned char)s[i + 1]);
		int c = b64_digit((unsigned char)s[i + 2]);
		int d = b64_digit((unsigned char)s[i + 3]);
		int last = i + 4 == n;

		if (a < 0 || b < 0)
			return -1;
		out[o++] = (unsigned char)(a << 2 | b >> 4);
		if (last && s[i + 2] == '=') {
			if (s[i + 3] != '=' || (b & 15))
				return -1;
			break;
		}
		if (c < 0)
			return -1;
		out[o++] = (unsigned char)((b & 15) << 4 | c >> 2);
		if (last && s[i + 3] == '=') {
			if (c & 3)
				return -1;
			break;
		}
		if (d < 0)
			return -1;
		out[o++] = (unsigned char)((c & 3) << 6 | d);
	}
	return (long)o;
}

static int
insert(quarry_tokenizer *t, uint32_t rank, uint64_t h)
{
	const unsigned char *p = t->bytes + t->off[rank];
	size_t n = t->len[rank], i = (size_t)h & t->mask;
	uint64_t key = key_of(p, n);

	if (rank_of(t, p, n, key, h) != NO_RANK)
		return -1;
	while (t->table[i].rank1 != 0)
		i = (i + 1) & t->mask;
	t->table[i].key = key;
	t->table[i].rank1 = rank + 1;
	t->table[i].len = n < 0xFFFF ? (uint16_t)n : 0xFFFF;
	t->table[i].tag = (uint16_t)(h >> 48);
	return 0;
}

/* A token line, parsed: its rank, the hash of its bytes and its line. */
struct tok_line {
	uint64_t hash;
	uint32_t rank;
	uint32_t line;
};

/* Token lines are put in the hash table this many lines after they are
 * parsed, their slot fetched into the cache meanwhile: the table's slots
 * are met at random, and waiting for each one took most of the time. */
#define RING 16

/* Puts the parsed token lines ring[from, to) (indices mod RING) in the
 * table; returns 0, or the line of a token seen before. */
static unsigned long
insert_ring(quarry_tokenizer *t, const struct tok_line *ring, size_t from,
    size_t to)
{
	for (; from < to; from++) {
		const struct tok_line *l = &ring[from % RING];

		if (insert(t, l->rank, l->hash) != 0)
			return l->line;
	}
	return 0;
}

/* Parses the rank file in data[0..size) into t. */
static int
parse(quarry_tokenizer *t, const char *data, size_t size,
    unsigned long *errline)
{
	const char *p = data, *end = data + size;
	size_t lines = 0, used = 0, maxrank, slots, i, parsed = 0;
	unsigned long line = 0, dup;
	struct tok_line ring[RING];

	for (p = data; p < end && (p = memchr(p, '\n', (size_t)(end - p))); p++)
		lines++;
	lines++;
	maxrank = 2 * lines + 1024;
	if (size > UINT32_MAX || lines > (size_t)1 << 26)
		return QUARRY_ETOOBIG;
	for (slots = 1024; slots < 2 * lines; slots *= 2)
		;
	/* The tables in one zeroed mapping (tables_alloc()). */
	{
		size_t o_off = ALIGN64(size / 4 * 3 + 4);
		size_t o_len = o_off + ALIGN64(maxrank * sizeof(*t->off));
		size_t o_pair = o_len + ALIGN64(maxrank * sizeof(*t->len));
		size_t o_tab = o_pair + 65536 * sizeof(*t->pair);
		unsigned char *m;

		t->arena_len = o_tab + slots * sizeof(*t->table);
		if ((m = tables_alloc(&t->arena, &t->arena_len)) == NULL)
			return QUARRY_ENOMEM;
		t->bytes = m;
		t->off = (uint32_t *)(void *)(m + o_off);
		t->len = (uint32_t *)(void *)(m + o_len);
		t->pair = (uint32_t *)(void *)(m + o_pair);
		t->table = (struct slot *)(void *)(m + o_tab);
	}
	t->mask = slots - 1;
	memset(t->len, 0xFF, maxrank * sizeof(*t->len));

	for (p = data; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *sp;
		unsigned long rank = 0;
		struct tok_line *l;
		long n;

		line++;
		if (e > p && e[-1] == '\r')
			e--;
		if (e == p) {	/* empty lines are allowed, as in tiktoken */
			p = nl ? nl + 1 : end;
			continue;
		}
		sp = memchr(p, ' ', (size_t)(e - p));
		if (sp == NULL || sp + 1 == e)
			goto bad;
		n = b64_decode(p, (size_t)(sp - p), t->bytes + used);
		if (n <= 0)
			goto bad;
		for (sp++; sp < e; sp++) {
			if (*sp < '0' || *sp > '9' || rank > maxrank)
				goto bad;
			rank = rank * 10 + (unsigned long)(*sp - '0');
		}
		if (rank >= maxrank || t->len[rank] != NO_RANK)
			goto bad;
		t->off[rank] = (uint32_t)used;
		t->len[rank] = (uint32_t)n;
		if (parsed >= RING &&
		    (dup = insert_ring(t, ring, parsed - RING, parsed - RING + 1)) != 0)
			goto twice;
		l = &ring[parsed % RING];
		l->hash = key_hash(t->bytes + used, (size_t)n,
		    key_of(t->bytes + used, (size_t)n));
		l->rank = (uint32_t)rank;
		l->line = (uint32_t)line;
		__builtin_prefetch(&t->table[l->hash & t->mask]);
		parsed++;
		used += (size_t)n;
		if (rank + 1 > t->nranks)
			t->nranks = rank + 1;
		t->ntokens++;
		p = nl ? nl + 1 : end;
	}
	if ((dup = insert_ring(t, ring, parsed > RING ? parsed - RING : 0,
	    parsed)) != 0)
		goto twice;
	memset(t->pair, 0xFF, 65536 * sizeof(*t->pair));
	for (i = 0; i < t->nranks; i++)
		if (t->len[i] == 2)
			t->pair[(size_t)t->bytes[t->off[i]] << 8 |
			    t->bytes[t->off[i] + 1]] = (uint32_t)i;
	/* Byte-level BPE needs every single byte as a token. */
	for (i = 0; i < 256; i++) {
		unsigned char b = (unsigned char)i;

		if (rank_span(t, &b, 1) == NO_RANK) {
			line = 0;
			goto bad1;
		}
	}
	return 0;
bad:
	/* A token of the lines before may be one seen before: the first
	 * fault is reported. */
	if ((dup = insert_ring(t, ring, parsed > RING ? parsed - RING : 0,
	    parsed)) != 0)
		line = dup;
	goto bad1;
twice:
	line = dup;
bad1:
	if (errline != NULL)
		*errline = line;
	return QUARRY_EFORMAT;
}

/* Gives t its caches; frees t when out of memory. */
static int
caches_new(quarry_tokenizer *t)
{
	t->cache = calloc(CACHE_SIZE, sizeof(*t->cache));
	t->ccache = calloc(COUNT_SIZE, sizeof(*t->ccache));
	t->lcache = calloc(LONG_SIZE, sizeof(*t->lcache));
	if (t->cache == NULL || t->ccache == NULL || t->lcache == NULL) {
		free(t->cache);
		free(t->ccache);
		free(t->lcache);
		free(t);
		return QUARRY_ENOMEM;
	}
	return 0;
}

int
quarry_tokenizer_dup(const quarry_tokenizer *t, quarry_tokenizer **out)
{
	quarry_tokenizer *c;
	int rc;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return QUARRY_ENOMEM;
	c->pattern = t->pattern;
	c->bytes = t->bytes;
	c->off = t->off;
	c->len = t->len;
	c->nranks = t->nranks;
	c->ntokens = t->ntokens;
	c->table = t->table;
	c->mask = t->mask;
	c->pair = t->pair;
	c->origin = t->origin != NULL ? t->origin : t;
	if ((rc = caches_new(c)) != 0)
		return rc;
	*out = c;
	return 0;
}

int
quarry_tokenizer_load(quarry_tokenizer **out, const char *data, size_t size,
    const char *pattern, unsigned long *errline)
{
	quarry_tokenizer *t;
	enum quarry_pattern pat = QUARRY_PAT_CL100K;
	int rc;

	*out = NULL;
	if (errline != NULL)
		*errline = 0;
	if (pattern != NULL && tok_pattern_parse(pattern, &pat) != 0)
		return QUARRY_EINVAL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return QUARRY_ENOMEM;
	if ((rc = caches_new(t)) != 0)
		return rc;
	if ((rc = parse(t, data, size, errline)) != 0) {
		quarry_tokenizer_free(t);
		return rc;
	}
	if (pattern == NULL) {
		/* OpenAI's encodings, told apart by their vocabulary size:
		 * r50k 50,256 and p50k 50,280 tokens, cl100k 100,256, o200k
		 * 199,998.  Anything else is taken for a cl100k relative. */
		if (t->ntokens >= 50000 && t->ntokens <= 60000)
			pat = QUARRY_PAT_GPT2;
		else if (t->ntokens > 150000)
			pat = QUARRY_PAT_O200K;
	}
	t->pattern = pat;
	*out = t;
	return 0;
}

int
quarry_tokenizer_open(quarry_tokenizer **out, const char *path,
    unsigned long *errline)
{
	struct quarry_buf data = { 0 };
	int rc;

	*out = NULL;
	if (errline != NULL)
		*errline = 0;
	if ((rc = quarry_buf_read_file(&data, path, SIZE_MAX - 1)) != 0) {
		int e = errno;

		quarry_buf_free(&data);
		errno = e;
		return rc;
	}
	rc = quarry_tokenizer_load(out, data.data, data.len, NULL, errline);
	quarry_buf_free(&data);
	return rc;
}

#ifndef QUARRY_TOKENIZER_PATH
#define QUARRY_TOKENIZER_PATH ""
#endif

const char *
quarry_tokenizer_default(void)
{
	const char *e = getenv("QUARRY_TOKENIZER");

	return e != NULL && *e != '\0' ? e : "cl100k_base";
}

/* Returns 1 when name is a path rather than the name of an encoding. */
static int
is_path(const char *name)
{
	size_t n = strlen(name);

	return strchr(name, '/') != NULL ||
	    (n > 9 && strcmp(name + n - 9, ".tiktoken") == 0);
}

/* Looks for file in the colon-separated directories of list. */
static char *
search(const char *list, const char *file)
{
	const char *p = list, *e;

	for (; *p != '\0'; p = *e ? e + 1 : e) {
		size_t n;
		char *path;

		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		if ((n = (size_t)(e - p)) == 0)
			continue;
		if ((path = malloc(n + strlen(file) + 2)) == NULL)
			return NULL;
		memcpy(path, p, n);
		path[n] = '/';
		strcpy(path + n + 1, file);
		if (access(path, R_OK) == 0)
			return path;
		free(path);
	}
	return NULL;
}

int
quarry_tokenizer_find(const char *name, char **path)
{
	char file[64];
	const char *env = getenv("QUARRY_TOKENIZER_DIR");
	size_t n = strlen(name), i;

	*path = NULL;
	if (is_path(name)) {
		if ((*path = strdup(name)) == NULL)
			return QUARRY_ENOMEM;
		return 0;
	}
	if (n == 0 || n > 40)
		return QUARRY_EINVAL;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '_' ||
		    name[i] == '-' || name[i] == '.'))
			return QUARRY_EINVAL;
	/* "cl100k" is "cl100k_base", as tiktoken names it. */
	snprintf(file, sizeof(file), "%s%s.tiktoken", name,
	    strstr(name, "_base") == NULL && (strcmp(name, "cl100k") == 0 ||
	    strcmp(name, "o200k") == 0 || strcmp(name, "r50k") == 0 ||
	    strcmp(name, "p50k") == 0) ? "_base" : "");
	if (env != NULL && (*path = search(env, file)) != NULL)
		return 0;
	if ((*path = search(QUARRY_TOKENIZER_PATH, file)) != NULL)
		return 0;
	return QUARRY_ENOTFOUND;
}

int
quarry_tokenizer_open_name(quarry_tokenizer **out, const char *name,
    char **path, unsigned long *errline)
{
	int rc, implicit = name == NULL && getenv("QUARRY_TOKENIZER") == NULL;

	*out = NULL;
	*path = NULL;
	if (errline != NULL)
		*errline = 0;
	if (name == NULL)
		name = quarry_tokenizer_default();
	if (strcmp(name, "estimate") == 0)
		return 0;
	if ((rc = quarry_tokenizer_find(name, path)) != 0)
		return implicit && rc == QUARRY_ENOTFOUND ? 0 : rc;
	return quarry_tokenizer_open(out, *path, errline);
}

const char *
quarry_tokenizer_search_path(void)
{
	return QUARRY_TOKENIZER_PATH;
}

void
quarry_tokenizer_free(quarry_tokenizer *t)
{
	size_t i;

	if (t == NULL)
		return;
	if (t->lcache != NULL)
		for (i = 0; i < LONG_SIZE; i++)
			free(t->lcache[i].key);
	free(t->lcache);
	if (t->origin == NULL && t->arena != NULL) {
		if (TABLES_MAPPED)
			munmap(t->arena, t->arena_len);
		else
			free(t->arena);
	}
	free(t->cache);
	free(t->ccache);
	free(t->ids);
	free(t->text);
	free(t->part);
	free(t->prank);
	free(t->prev);
	free(t->heap);
	free(t->tmp_ids);
	free(t);
}

const char *
quarry_tokenizer_pattern(const quarry_tokenizer *t)
{
	return tok_pattern_name(t->pattern);
}

size_t
quarry_tokenizer_vocab(const quarry_tokenizer *t)
{
	return t->ntokens;
}

/* ------------------------------------------------------------- merging */

/* Makes room for merging a piece of n bytes. */
static int
scratch(quarry_tokenizer *t, size_t n)
{
	size_t cap = t->scratch_cap;
	void *a, *b, *c, *d, *e;

	if (n + 1 <= cap)
		return 0;
	while (cap < n + 1)
		cap = cap ? cap * 2 : 256;
	if (cap > SIZE_MAX / (3 * sizeof(struct merge)))
		return QUARRY_ENOMEM;
	a = realloc(t->part, cap * sizeof(*t->part));
	if (a)
		t->part = a;
	b = realloc(t->prank, cap * sizeof(*t->prank));
	if (b)
		t->prank = b;
	c = realloc(t->prev, cap * sizeof(*t->prev));
	if (c)
		t->prev = c;
	d = realloc(t->heap, 3 * cap * sizeof(*t->heap));
	if (d)
		t->heap = d;
	e = realloc(t->tmp_ids, cap * sizeof(*t->tmp_ids));
	if (e)
		t->tmp_ids = e;
	if (!a || !b || !c || !d || !e)
		return QUARRY_ENOMEM;
	t->scratch_cap = cap;
	return 0;
}

/* A lookup in the rank table, begun: the span's key and hash, its slot
 * asked of memory, so that lookups can wait for memory together. */
struct probe {
	uint64_t key, h;
};

static inline void
probe_start(const quarry_tokenizer *t, const unsigned char *p, size_t n,
    struct probe *q)
{
	q->key = key_of(p, n);
	q->h = key_hash(p, n, q->key);
	__builtin_prefetch(&t->table[q->h & t->mask]);
}

/*
 * tiktoken's merge loop: part[i] is where part i starts (part[m] = len),
 * prank[i] the rank of part i joined with part i+1.  Each round joins the
 * lowest pair and re-ranks its two neighbours, the two lookups waiting for
 * memory at once.  With whole (the piece's own lookup, begun), a piece
 * that is a token counts as one, checked once the pairs are ranked.
 */
static size_t
bpe_scan(quarry_tokenizer *t, const unsigned char *p, size_t len,
    uint32_t *ids, const struct probe *whole)
{
	size_t *part, m = len, i, k;
	uint32_t *prank;

	if (scratch(t, len) != 0)
		return SIZE_MAX;
	part = t->part;
	prank = t->prank;

	for (i = 0; i <= len; i++)
		part[i] = i;
	for (i = 0; i + 1 < len; i++)
		prank[i] = pair_rank(t, p + i);
	if (len > 0)
		prank[len - 1] = NO_RANK;
	if (whole != NULL) {
		uint32_t r = rank_of(t, p, len, whole->key, whole->h);

		if (r != NO_RANK) {
			if (ids != NULL)
				ids[0] = r;
			return 1;
		}
	}
	while (m > 1) {
		uint32_t min = NO_RANK;
		struct probe qr = { 0, 0 }, ql = { 0, 0 };

		for (i = 0, k = 0; i + 1 < m; i++)
			if (prank[i] < min) {
				min = prank[i];
				k = i;
			}
		if (min == NO_RANK)
			break;
		/* Join parts k and k+1. */
		memmove(part + k + 1, part + k + 2, (m - k - 1) * sizeof(*part));
		memmove(prank + k + 1, prank + k + 2,
		    (m > k + 2 ? m - k - 2 : 0) * sizeof(*prank));
		m--;
		prank[m - 1] = NO_RANK;
		/* The joined part and its neighbours span 3 bytes or more:
		 * not in the pair table. */
		if (k + 1 < m)
			probe_start(t, p + part[k], part[k + 2] - part[k], &qr);
		if (k > 0)
			probe_start(t, p + part[k - 1], part[k + 1] - part[k - 1],
			    &ql);
		if (k + 1 < m)
			prank[k] = rank_of(t, p + part[k], part[k + 2] - part[k],
			    qr.key, qr.h);
		if (k > 0)
			prank[k - 1] = rank_of(t, p + part[k - 1],
			    part[k + 1] - part[k - 1], ql.key, ql.h);
	}
	if (ids != NULL)
		for (i = 0; i < m; i++)
			ids[i] = rank_span(t, p + part[i], part[i + 1] - part[i]);
	return m;
}

size_t
tok_bpe_scan(quarry_tokenizer *t, const unsigned char *p, size_t len,
    uint32_t *ids)
{
	return bpe_scan(t, p, len, ids, NULL);
}

static inline int
merge_before(const struct merge *a, const struct merge *b)
{
	return a->rank < b->rank || (a->rank == b->rank && a->start < b->start);
}

static void
heap_push(struct merge *h, size_t *n, struct merge m)
{
	size_t i = (*n)++;

	while (i > 0) {
		size_t up = (i - 1) / 2;

		if (!merge_before(&m, &h[up]))
			break;
		h[i] = h[up];
		i = up;
	}
	h[i] = m;
}

static struct merge
heap_pop(struct merge *h, size_t *n)
{
	struct merge top = h[0], last = h[--*n];
	size_t i = 0, c;

	while ((c = 2 * i + 1) < *n) {
		if (c + 1 < *n && merge_before(&h[c + 1], &h[c]))
			c++;
		if (!merge_before(&h[c], &last))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = last;
	return top;
}

/* Pushes the merge of the parts starting at a and b (b < len) if their
 * concatenation is a token.  end[] holds each live part's end. */
static void
push_pair(quarry_tokenizer *t, const unsigned char *p, size_t a, size_t b,
    size_t *nheap)
{
	struct merge m;

	m.start = a;
	m.mid = b;
	m.end = t->part[b];
	m.rank = rank_span(t, p + a, m.end - a);
	if (m.rank != NO_RANK)
		heap_push(t->heap, nheap, m);
}

/*
 * The same merges with a heap of candidate pairs keyed by (rank, start):
 * a part is named by its start; part[s] is its end and prev[s] the start of
 * the part before it (SIZE_MAX for none).  A popped pair is stale unless
 * both parts still have the spans it was ranked for.
 */
size_t
tok_bpe_heap(quarry_tokenizer *t, const unsigned char *p, size_t len,
    uint32_t *ids)
{
	size_t *end, *prev, nheap = 0, i, m = 0;

	if (scratch(t, len) != 0)
		return SIZE_MAX;
	end = t->part;
	prev = t->prev;

	for (i = 0; i < len; i++) {
		end[i] = i + 1;
		prev[i] = i ? i - 1 : SIZE_MAX;
	}
	for (i = 0; i + 1 < len; i++)
		push_pair(t, p, i, i + 1, &nheap);
	while (nheap > 0) {
		struct merge x = heap_pop(t->heap, &nheap);
		size_t a = x.start, b = x.mid;

		if (end[a] != b || b >= len || end[b] != x.end)
			continue;
		/* Join a and b: b disappears (its end becomes SIZE_MAX). */
		end[a] = x.end;
		end[b] = SIZE_MAX;
		if (x.end < len)
			prev[x.end] = a;
		if (prev[a] != SIZE_MAX)
			push_pair(t, p, prev[a], a, &nheap);
		if (x.end < len)
			push_pair(t, p, a, x.end, &nheap);
	}
	for (i = 0; i < len; i = end[i], m++)
		if (ids != NULL)
			ids[m] = rank_span(t, p + i, end[i] - i);
	return m;
}

/*
 * Encodes one piece into ids (room for len ids); returns the number of
 * tokens or SIZE_MAX when out of memory.
 */
static size_t
encode_piece(quarry_tokenizer *t, const unsigned char *p, size_t len,
    uint32_t *ids)
{
	uint32_t r = rank_span(t, p, len);
	struct cache_entry *e = NULL;
	uint64_t h = 0;
	size_t n;

	if (r != NO_RANK) {
		ids[0] = r;
		return 1;
	}
	if (len <= CACHE_KEY) {
		h = hash_bytes(p, len);
		e = &t->cache[(h ^ h >> 29) & (CACHE_SIZE - 1)];
		if (e->hash == h && e->len == len &&
		    memcmp(e->key, p, len) == 0) {
			memcpy(ids, e->ids, e->n * sizeof(*ids));
			return e->n;
		}
	}
	n = len <= SCAN_MAX ? tok_bpe_scan(t, p, len, ids) :
	    tok_bpe_heap(t, p, len, ids);
	if (e != NULL && n <= CACHE_IDS) {	/* also not SIZE_MAX */
		e->hash = h;
		e->len = (uint8_t)len;
		e->n = (uint8_t)n;
		memcpy(e->key, p, len);
		memcpy(e->ids, ids, n * sizeof(*ids));
	}
	return n;
}

/* The token count of the piece p[0..len), which no cache holds: one when
 * it is a token, else the parts that merging leaves (their ids are not
 * looked up); SIZE_MAX when out of memory. */
static size_t
count_piece(quarry_tokenizer *t, const unsigned char *p, size_t len)
{
	struct probe q;

	if (len <= 2)	/* every byte is a token */
		return len < 2 || pair_rank(t, p) != NO_RANK ? 1 : 2;
	probe_start(t, p, len, &q);
	if (len <= SCAN_MAX)
		return bpe_scan(t, p, len, NULL, &q);
	if (rank_of(t, p, len, q.key, q.h) != NO_RANK)
		return 1;
	return tok_bpe_heap(t, p, len, NULL);
}

/*
 * The count cache's entry for a piece of 1 to COUNT_KEY bytes, and its key
 * in *k0, *k1: its key_of() and its last 8 bytes (the piece and its length
 * determine them).  count_find(): the piece's count when the cache holds
 * it, else 0.
 */
static inline struct count_entry *
count_slot(quarry_tokenizer *t, const unsigned char *p, size_t len,
    uint64_t *k0, uint64_t *k1)
{
	uint64_t h;

	*k0 = key_of(p, len);
	*k1 = len >= 8 ? load64(p + len - 8) : 0;
	h = (*k0 * 0x9E3779B97F4A7C15ULL) ^ (*k1 + len) * 0xC2B2AE3D27D4EB4FULL;
	return &t->ccache[(h ^ h >> 32) & (COUNT_SIZE - 1)];
}

static inline size_t
count_find(quarry_tokenizer *t, const unsigned char *p, size_t len,
    struct count_entry **e, uint64_t *k0, uint64_t *k1)
{
	*e = count_slot(t, p, len, k0, k1);
	if ((*e)->k0 == *k0 && (*e)->k1 == *k1 && (*e)->len == len)
		return (*e)->n;
	return 0;
}

static inline void
count_keep(struct count_entry *e, uint64_t k0, uint64_t k1, size_t len,
    size_t n)
{
	e->k0 = k0;
	e->k1 = k1;
	e->len = (uint32_t)len;
	e->n = (uint32_t)n;
}

/* The token count of a piece of 1 to COUNT_KEY bytes, through the count
 * cache; SIZE_MAX when out of memory. */
static size_t count_small_miss(quarry_tokenizer *t, struct count_entry *e,
    const unsigned char *p, size_t len, uint64_t k0, uint64_t k1);

static inline size_t
count_small(quarry_tokenizer *t, const unsigned char *p, size_t len)
{
	struct count_entry *e;
	uint64_t k0, k1;
	size_t n = count_find(t, p, len, &e, &k0, &k1);

	return n != 0 ? n : count_small_miss(t, e, p, len, k0, k1);
}

/* count_small() when the piece is not in the cache: counts it and keeps
 * it in entry e.  Out of line, so that a hit needs no room for ids. */
static size_t
count_small_miss(quarry_tokenizer *t, struct count_entry *e,
    const unsigned char *p, size_t len, uint64_t k0, uint64_t k1)
{
	size_t n;

	if ((n = count_piece(t, p, len)) == SIZE_MAX)
		return n;
	count_keep(e, k0, k1, len, n);
	return n;
}

/*
 * Pieces of up to COUNT_KEY bytes that miss the count cache, merged
 * several at once.  Merging one is a dozen lookups in the rank table, each
 * waiting on memory (4 MB of it, met at random), each depending on the
 * one before: BATCH pieces merged side by side, a step of each in turn,
 * wait for their lookups together, and the first waits while the pieces
 * after it are cut and looked up in the count cache.  The merges are
 * bpe_scan()'s.
 */
#define BATCH 16

struct bpe_job {
	const unsigned char *p;
	struct count_entry *e;		/* where its count is kept */
	uint64_t k0, k1;		/* its count_find() key */
	struct probe q[2];		/* lookups begun (wait) */
	uint8_t len, m, k;		/* m parts; k: the last join */
	uint8_t wait;			/* 1: the whole piece (q[0]); 2: the
					 * pairs right (q[0]) and left (q[1])
					 * of part k; 0: done */
	/* With room past the end, for joins that move a fixed 16 of each
	 * (vector moves, not calls of memmove()). */
	uint8_t part[COUNT_KEY + 1 + 16];
	uint32_t prank[COUNT_KEY + 16];
};

struct bpe_batch {
	size_t n;
	struct bpe_job job[BATCH];
};

/* Queues the piece p[0..len) (3 to COUNT_KEY bytes) of cache entry e and
 * key k0, k1, and begins the lookup of the whole piece. */
static inline void
job_start(const quarry_tokenizer *t, struct bpe_batch *b,
    const unsigned char *p, size_t len, struct count_entry *e, uint64_t k0,
    uint64_t k1)
{
	struct bpe_job *j = &b->job[b->n++];
	size_t i;

	j->p = p;
	j->e = e;
	j->k0 = k0;
	j->k1 = k1;
	j->len = j->m = (uint8_t)len;
	j->wait = 1;
	j->q[0].key = k0;
	j->q[0].h = key_hash(p, len, k0);
	__builtin_prefetch(&t->table[j->q[0].h & t->mask]);
	for (i = 0; i + 1 < len; i++) {
		j->part[i] = (uint8_t)i;
		j->prank[i] = pair_rank(t, p + i);
	}
	j->part[len - 1] = (uint8_t)(len - 1);
	j->part[len] = (uint8_t)len;
	j->prank[len - 1] = NO_RANK;
}

/* One step of job j: takes the lookups it waited for, joins the lowest
 * pair and begins the lookups of its neighbours.  Returns the count once
 * the job is done, else 0. */
static size_t
job_step(const quarry_tokenizer *t, struct bpe_job *j)
{
	const unsigned char *p = j->p;
	uint8_t *part = j->part;
	uint32_t *prank = j->prank, min = NO_RANK;
	size_t m = j->m, i, k = j->k;

	if (j->wait == 1) {
		if (rank_of(t, p, j->len, j->q[0].key, j->q[0].h) != NO_RANK)
			return 1;
	} else {
		if (k + 1 < m)
			prank[k] = rank_of(t, p + part[k],
			    (size_t)(part[k + 2] - part[k]), j->q[0].key,
			    j->q[0].h);
		if (k > 0)
			prank[k - 1] = rank_of(t, p + part[k - 1],
			    (size_t)(part[k + 1] - part[k - 1]), j->q[1].key,
			    j->q[1].h);
	}
	for (i = 0, k = 0; i + 1 < m; i++)
		if (prank[i] < min) {
			min = prank[i];
			k = i;
		}
	if (min == NO_RANK)
		return m;
	/* Join parts k and k+1 (k + 2 <= m <= COUNT_KEY), moving the rest
	 * through copies of fixed size. */
	{
		uint8_t tp[16];
		uint32_t tr[15];

		memcpy(tp, part + k + 2, sizeof(tp));
		memcpy(part + k + 1, tp, sizeof(tp));
		memcpy(tr, prank + k + 2, sizeof(tr));
		memcpy(prank + k + 1, tr, sizeof(tr));
	}
	m--;
	prank[m - 1] = NO_RANK;
	if (m == 1)
		return 1;
	if (k + 1 < m)
		probe_start(t, p + part[k], (size_t)(part[k + 2] - part[k]),
		    &j->q[0]);
	if (k > 0)
		probe_start(t, p + part[k - 1],
		    (size_t)(part[k + 1] - part[k - 1]), &j->q[1]);
	j->m = (uint8_t)m;
	j->k = (uint8_t)k;
	j->wait = 2;
	return 0;
}

/* Runs the queued jobs to their end, keeping their counts in the count
 * cache; returns the sum of their counts. */
static size_t
batch_run(const quarry_tokenizer *t, struct bpe_batch *b)
{
	size_t total = 0, live = b->n, i, n;

	while (live > 0)
		for (i = 0; i < b->n; i++) {
			struct bpe_job *j = &b->job[i];

			if (j->wait == 0 || (n = job_step(t, j)) == 0)
				continue;
			count_keep(j->e, j->k0, j->k1, j->len, n);
			total += n;
			j->wait = 0;
			live--;
		}
	b->n = 0;
	return total;
}

/* The token count of a piece of CACHE_KEY + 1 to LONG_KEY bytes, through
 * the long-piece cache; SIZE_MAX when out of memory. */
static size_t
count_long(quarry_tokenizer *t, const unsigned char *p, size_t len)
{
	uint64_t h = hash_bytes(p, len);
	struct long_entry *e = &t->lcache[(h ^ h >> 29) & (LONG_SIZE - 1)];
	size_t n;

	if (e->len == len && e->hash == h && memcmp(e->key, p, len) == 0)
		return e->n;
	if ((n = count_piece(t, p, len)) == SIZE_MAX)
		return n;
	if (e->cap < len) {
		unsigned char *k = realloc(e->key, len);

		if (k == NULL)
			return n;	/* counted, only not kept */
		e->key = k;
		e->cap = len;
	}
	memcpy(e->key, p, len);
	e->hash = h;
	e->len = len;
	e->n = n;
	return n;
}

/* The token count of the piece p[0..n); SIZE_MAX when out of memory. */
static size_t piece_count_long(quarry_tokenizer *t, const unsigned char *p,
    size_t n);

static inline size_t
piece_count(quarry_tokenizer *t, const unsigned char *p, size_t n)
{
	if (n <= COUNT_KEY)
		return count_small(t, p, n);
	return piece_count_long(t, p, n);
}

/* piece_count() of a piece longer than COUNT_KEY, out of line. */
static size_t
piece_count_long(quarry_tokenizer *t, const unsigned char *p, size_t n)
{
	if (n <= CACHE_KEY) {
		uint32_t small[CACHE_KEY];

		return encode_piece(t, p, n, small);
	}
	if (n <= LONG_KEY)
		return count_long(t, p, n);
	return count_piece(t, p, n);
}

/* The end of the pre-token at text[i]: cl100k's words inline, its other
 * pieces without the pre-tokeniser's dispatch. */
static inline __attribute__((always_inline)) size_t
piece_end(const quarry_tokenizer *t, const char *text, size_t len, size_t i)
{
	size_t j;

	if (t->pattern != QUARRY_PAT_CL100K)
		return tok_pretoken_next(t->pattern, text, len, i);
	j = tok_cl100k_word(text, len, i);
	return j != 0 ? j : tok_cl100k_rest(text, len, i);
}

/*
 * Pieces that miss the count cache wait in a batch (batch_run()), each
 * counting at least one token meanwhile: once the count is over max it
 * stays so.
 */
size_t
tok_count_max(quarry_tokenizer *t, const char *text, size_t len, size_t max)
{
	size_t i = 0, total = 0;
	struct bpe_batch b;

	b.n = 0;
	while (i < len && total + b.n <= max) {
		size_t j = piece_end(t, text, len, i), n = j - i;
		const unsigned char *p = (const unsigned char *)text + i;

		if (n <= COUNT_KEY) {
			struct count_entry *e;
			uint64_t k0, k1;
			size_t c = count_find(t, p, n, &e, &k0, &k1);

			if (c != 0)
				total += c;
			else if (n <= 2)	/* no merging: at once */
				total += count_small_miss(t, e, p, n, k0, k1);
			else {
				job_start(t, &b, p, n, e, k0, k1);
				if (b.n == BATCH)
					total += batch_run(t, &b);
			}
		} else {
			if ((n = piece_count_long(t, p, n)) == SIZE_MAX)
				return SIZE_MAX;
			total += n;
		}
		i = j;
	}
	return total + batch_run(t, &b);
}

size_t
quarry_tokenizer_count(quarry_tokenizer *t, const char *text, size_t len)
{
	return tok_count_max(t, text, len, SIZE_MAX - 1);
}

/* How many pieces tok_count_ext() follows before it counts afresh. */
#define EXT_PIECES 64

size_t
tok_count_ext(quarry_tokenizer *t, const char *s, size_t a, size_t b,
    size_t e, size_t inner)
{
	size_t x = a, y = b, co = 0, ci = 0, steps = 0, n;

	/*
	 * The pieces of s[a, e) and of s[b, e), followed side by side until
	 * both have a piece start at the same place: from there on they are
	 * the same pieces (a pre-token depends only on the text from its
	 * start to e), so the rest of s[a, e) counts what the rest of
	 * s[b, e) counts.
	 */
	while (x != y) {
		if (++steps > EXT_PIECES)
			return quarry_tokenizer_count(t, s + a, e - a);
		if (x < y) {
			size_t j = piece_end(t, s + a, e - a, x - a) + a;

			n = piece_count(t, (const unsigned char *)s + x, j - x);
			co += n;
			x = j;
		} else {
			size_t j = piece_end(t, s + b, e - b, y - b) + b;

			n = piece_count(t, (const unsigned char *)s + y, j - y);
			ci += n;
			y = j;
		}
		if (n == SIZE_MAX)
			return SIZE_MAX;
	}
	return co + inner - ci;
}

int
quarry_tokenizer_encode(quarry_tokenizer *t, const char *text, size_t len,
    const uint32_t **ids, size_t *n)
{
	size_t i = 0, k;

	t->nids = 0;
	*ids = NULL;
	*n = 0;
	while (i < len) {
		size_t j = tok_pretoken_next(t->pattern, text, len, i);

		if (t->ids_cap - t->nids < j - i) {
			size_t cap = t->ids_cap ? t->ids_cap : 1024;
			uint32_t *a;

			while (cap - t->nids < j - i)
				cap *= 2;
			if ((a = realloc(t->ids, cap * sizeof(*a))) == NULL)
				return QUARRY_ENOMEM;
			t->ids = a;
			t->ids_cap = cap;
		}
		k = encode_piece(t, (const unsigned char *)text + i, j - i,
		    t->ids + t->nids);
		if (k == SIZE_MAX)
			return QUARRY_ENOMEM;
		t->nids += k;
		i = j;
	}
	*ids = t->ids;
	*n = t->nids;
	return 0;
}

int
quarry_tokenizer_decode(quarry_tokenizer *t, const uint32_t *ids, size_t n,
    const char **text, size_t *len)
{
	size_t i, total = 0;

	*text = NULL;
	*len = 0;
	for (i = 0; i < n; i++) {
		if (ids[i] >= t->nranks || t->len[ids[i]] == NO_RANK)
			return QUARRY_EINVAL;
		total += t->len[ids[i]];
	}
	if (total + 1 > t->text_cap) {
		char *p = realloc(t->text, total + 1);

		if (p == NULL)
			return QUARRY_ENOMEM;
		t->text = p;
		t->text_cap = total + 1;
	}
	for (i = 0, total = 0; i < n; i++) {
		memcpy(t->text + total, t->bytes + t->off[ids[i]], t->len[ids[i]]);
		total += t->len[ids[i]];
	}
	t->text[total] = '\0';
	*text = t->text;
	*len = total;
	return 0;
}
