/*
 * lexical_private.h: the lexical index's internals, shared by lexical.c
 * (the analyzer: text to terms), store_lexical.c (postings in the store:
 * their encoding, their upkeep in a write transaction, their check) and
 * search_lexical.c (BM25 ranking with dynamic pruning).  The analysis and
 * the layout are specified in man/quarry-store.5, section "lexical".
 */
#ifndef QUARRY_LEXICAL_PRIVATE_H
#define QUARRY_LEXICAL_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* The analyzer's name, written to meta "lexical". */
#define LEX_ANALYZER "lex-v1"

/* The default language of records without "lang", meta "lexical_lang". */
#define LEX_DEFAULT_LANG "en"

/* Longest term kept, in bytes (longer words are cut at a character). */
#define LEX_MAX_TERM 128

/* Postings per segment (man/quarry-store.5). */
#define LEX_SEG_MAX 128

typedef struct lex_analyzer lex_analyzer;

int lex_analyzer_new(lex_analyzer **out);
void lex_analyzer_free(lex_analyzer *a);

/*
 * Calls emit(term, len, arg) for each term of text[0..len) (valid UTF-8),
 * analysed for language lang (a BCP 47 tag such as "en" or "pt-BR"; NULL
 * or unknown to Snowball: no stemming).  Stops when emit returns non-zero
 * and returns that.  Returns 0, QUARRY_EUTF8 or QUARRY_ENOMEM.
 */
int lex_analyze(lex_analyzer *a, const char *text, size_t len,
    const char *lang, int (*emit)(const char *term, size_t len, void *arg),
    void *arg);

/* One term of a chunk and its frequency. */
struct lex_tf {
	const char *term;	/* into the bag's storage */
	uint32_t len, tf;
	uint32_t hash;		/* lex_hash() of the term */
};

/* The terms of one chunk record (title, headings, text), counted. */
struct lex_bag {
	struct lex_tf *t;	/* in order of first occurrence */
	size_t n, cap;
	uint32_t dl;		/* tokens indexed */
	char *pool;
	size_t plen, pcap;
	uint32_t *tab;		/* open-addressing table of indexes + 1 */
	size_t tabcap;
};

/*
 * Fills b with the terms of chunk record rec ("title", "headings", "text",
 * analysed for its "lang", else deflang).  Returns 0 or a negative code.
 */
/* The hash of a term's bytes (FNV-1a) that the term tables probe with. */
uint32_t lex_hash(const char *t, size_t len);

int lex_bag_fill(lex_analyzer *a, struct lex_bag *b, const json_t *rec,
    const char *deflang);
void lex_bag_free(struct lex_bag *b);

/* lex_bag_fill() in steps: empty b, add the terms of texts (title, each
 * heading, the text, in that order), then make b's terms readable. */
void lex_bag_start(struct lex_bag *b);
int lex_bag_text(lex_analyzer *a, struct lex_bag *b, const char *s,
    size_t len, const char *lang);
void lex_bag_end(struct lex_bag *b);

/* --------------------------------------------------------- postings codec */

/* A posting: a slot, the term's frequency in it and its length. */
struct lex_posting {
	uint64_t slot;
	uint32_t tf, dl;
};

/* The header of a segment value. */
struct lex_seg {
	uint64_t first, last;	/* slots */
	uint32_t n, maxtf, mindl;
	const unsigned char *p, *end;	/* the encoded postings */
};

size_t lex_put_varint(unsigned char *p, uint64_t v);
/* Reads a varint at *p (before end); returns -1 when malformed. */
int lex_get_varint(const unsigned char **p, const unsigned char *end,
    uint64_t *v);

/*
 * Encodes postings ps[0..n) (ascending slots, n >= 1) as a segment value
 * into buf (room for 32 + n * 30 bytes); returns its length.
 */
size_t lex_seg_encode(const struct lex_posting *ps, size_t n,
    unsigned char *buf);
/* Parses a segment's header (first is from its key); -1 when malformed. */
int lex_seg_open(struct lex_seg *s, uint64_t first, const void *data,
    size_t len);
/* Decodes all of s's postings into ps (room for s->n); -1 when malformed. */
int lex_seg_decode(const struct lex_seg *s, struct lex_posting *ps);

/* Room before the postings of a segment value for its header. */
#define LEX_SEG_HDR 32

/* What lex_seg_remove() leaves and took. */
struct lex_seg_cut {
	const unsigned char *val;	/* the new value (into buf), NULL: none */
	size_t len;
	uint64_t first;		/* its first slot */
	uint32_t n;		/* its postings */
	uint32_t rmtf, rmdl;	/* the largest tf, smallest dl removed */
};

/*
 * Removes from segment s the postings at slots del[0..nd) (ascending, each
 * present in s) without decoding the rest: buf needs room for
 * LEX_SEG_HDR + the old value's length + 10 bytes.  Returns 0, or -1 when
 * s is malformed or a slot is not in it.
 */
int lex_seg_remove(const struct lex_seg *s, const uint64_t *del, size_t nd,
    unsigned char *buf, struct lex_seg_cut *c);

/* Term keys: the term, a NUL byte, then (segments) the first slot as 8
 * big-endian bytes; the term's header key has no slot. */
size_t lex_key(unsigned char *buf, const char *term, size_t len,
    int seg, uint64_t first);

/* BM25's idf (Lucene's, never negative). */
double lex_idf(uint64_t n, uint64_t df);

#endif
