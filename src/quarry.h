/*
 * quarry.h: the public interface of libquarry.
 *
 * libquarry holds all of quarry's logic: reading and writing the JSON Lines
 * record format (man/quarry.7), UTF-8 text helpers, sentence segmentation,
 * BPE token counting, chunking, date and author normalisation, HTML and PDF
 * extraction, embedding, the LMDB store and vector search.  The quarry-*
 * programs are thin layers over it.
 *
 * Conventions, as in LMDB's lmdb.h:
 *  - Handles are opaque and created through out-parameters by a
 *    quarry_<noun>_new() or _open() call, released by the matching _free() or
 *    _close(); passing NULL to a release function does nothing.
 *  - Every function that can fail returns 0 on success or a negative
 *    QUARRY_E* code; quarry_strerror() names it.  A handle keeps a detailed
 *    message for its last error, returned by its _error() function.
 *  - The library never prints and never exits.
 *  - Memory returned through a "const" pointer is borrowed: it belongs to the
 *    handle and stays valid until the next call on the same handle.  Memory
 *    returned through a non-const pointer belongs to the caller, who releases
 *    it with free() (or json_decref() for jansson values) unless the comment
 *    says otherwise.
 *  - All text is UTF-8; lengths and offsets are in bytes.
 */
#ifndef QUARRY_H
#define QUARRY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- errors */

enum {
	QUARRY_OK = 0,
	QUARRY_ENOMEM = -1,	/* out of memory */
	QUARRY_EIO = -2,	/* read or write error; see errno */
	QUARRY_EJSON = -3,	/* malformed JSON */
	QUARRY_EUTF8 = -4,	/* invalid UTF-8 */
	QUARRY_EINVAL = -5,	/* invalid argument or option value */
	QUARRY_ETOOBIG = -6,	/* input exceeds a size limit */
	QUARRY_EFORMAT = -7,	/* input of the wrong format or structure */
	QUARRY_ENOTFOUND = -8,	/* no such item */
	QUARRY_EMODEL = -9,	/* embedding model or dimensions mismatch */
	QUARRY_EHTTP = -10,	/* HTTP or network failure */
	QUARRY_ETIMEOUT = -11,	/* operation timed out */
	QUARRY_ESTORE = -12,	/* store (LMDB) failure or corruption */
	QUARRY_EPASSWORD = -13,	/* encrypted document, missing or wrong password */
	QUARRY_EBUSY = -14,	/* resource locked by another process */
	QUARRY_ENODATE = -15,	/* no date could be recognised */
	QUARRY_EFIELD = -16,	/* a record field is missing or has the wrong type */
};

/*
 * Returns a static English description of a QUARRY_E* code.  An unknown code
 * gives "unknown error".
 */
const char *quarry_strerror(int err);

/* The library version, "MAJOR.MINOR.PATCH". */
const char *quarry_version(void);

/* --------------------------------------------------------------- records */

/*
 * Records are JSON objects, one a line (man/quarry.7).  They are handled as
 * jansson values so that fields a tool does not know pass through unchanged.
 */
typedef struct quarry_reader quarry_reader;

/* Default upper bound on one input line (record), in bytes. */
#define QUARRY_MAX_LINE_DEFAULT ((size_t)1 << 30)

/*
 * Creates a reader of JSON Lines from fp.  name is used in error messages
 * (typically the file name, or "-").  The reader does not own fp.
 */
int quarry_reader_new(quarry_reader **out, FILE *fp, const char *name);

/* Sets the largest accepted line, in bytes (default QUARRY_MAX_LINE_DEFAULT). */
void quarry_reader_set_max_line(quarry_reader *r, size_t max);

/*
 * Reads the next record.  Returns 1 and stores a new reference in *rec (the
 * caller json_decref()s it), 0 at end of input, or a negative code.  After
 * QUARRY_EJSON, QUARRY_EUTF8, QUARRY_ETOOBIG or QUARRY_EFORMAT (a line that is
 * valid JSON but not an object) the offending line has been consumed and the
 * caller may go on reading; quarry_reader_error() describes the fault and
 * quarry_reader_line() gives its line number.  Empty lines are skipped.  A
 * UTF-8 byte order mark at the start of input is rejected as QUARRY_EFORMAT.
 */
int quarry_reader_next(quarry_reader *r, json_t **rec);

/* Returns the 1-based line number of the last record or fault. */
unsigned long quarry_reader_line(const quarry_reader *r);

/* Returns the message of the last fault ("" if none); borrowed. */
const char *quarry_reader_error(const quarry_reader *r);

/* Returns the name given to quarry_reader_new(); borrowed. */
const char *quarry_reader_name(const quarry_reader *r);

void quarry_reader_free(quarry_reader *r);

/*
 * Writes rec as one line of compact JSON (UTF-8, not ASCII-escaped, keys in
 * their insertion order) followed by '\n'.  Reals in an array field named
 * "embedding" that are exactly float32 values are printed with %.9g, which
 * round-trips them exactly; other reals with %.17g.  Returns 0, or QUARRY_EIO when fp reports an error.
 */
int quarry_record_write(FILE *fp, const json_t *rec);

/*
 * Appends the JSON encoding of the string s[0..len) (with quotes) to buf,
 * escaping as RFC 8259 requires and nothing else.  s must be valid UTF-8.
 * Returns 0 or QUARRY_ENOMEM.
 */
struct quarry_buf {
	char *data;
	size_t len;
	size_t cap;
};
int quarry_buf_reserve(struct quarry_buf *b, size_t extra);
int quarry_buf_append(struct quarry_buf *b, const void *p, size_t n);
int quarry_buf_json_string(struct quarry_buf *b, const char *s, size_t len);
/* Appends the compact JSON encoding of v, as quarry_record_write() does. */
int quarry_buf_json(struct quarry_buf *b, const json_t *v);
void quarry_buf_free(struct quarry_buf *b);

/*
 * Convenience accessors.  quarry_record_string() returns the value of a string
 * field (borrowed from rec) and its length, or NULL when the field is absent
 * or not a string.
 */
const char *quarry_record_string(const json_t *rec, const char *field, size_t *len);

/* ------------------------------------------------------------------ text */

/*
 * Checks that s[0..len) is valid UTF-8 (no overlongs, surrogates or code
 * points above U+10FFFF).  Returns 0, or QUARRY_EUTF8 and stores the byte
 * offset of the first bad sequence in *bad (if bad is not NULL).
 */
int quarry_utf8_validate(const char *s, size_t len, size_t *bad);

/*
 * Decodes the code point at s[i] (s valid UTF-8, i < len) and returns its
 * length in bytes; the code point goes to *cp.
 */
size_t quarry_utf8_decode(const char *s, size_t len, size_t i, int32_t *cp);

/*
 * Returns the largest grapheme-cluster boundary b with b <= pos in s[0..len)
 * (s valid UTF-8), scanning back at most a bounded distance; never returns a
 * position inside a UTF-8 sequence.  Returns 0 only when no boundary lies
 * within reach before pos.
 */
size_t quarry_grapheme_floor(const char *s, size_t len, size_t pos);

/* Returns the number of code points in s[0..len) (s valid UTF-8). */
size_t quarry_utf8_count(const char *s, size_t len);

/*
 * Content hash of s[0..len) as 32 lower-case hex digits (XXH3 128-bit) plus a
 * terminating NUL, written to hex[33].
 */
void quarry_hash_hex(const void *s, size_t len, char hex[33]);

/* -------------------------------------------------------------- sentences */

/* A half-open byte range [start, end) into a text. */
typedef struct quarry_span {
	size_t start;
	size_t end;
} quarry_span;

typedef struct quarry_segmenter quarry_segmenter;

/*
 * Creates a rule-based sentence segmenter.  lang is a BCP 47 tag ("en",
 * "de-AT", "pt-BR") selecting the abbreviation lists and conventions, or NULL
 * for English rules with script-based terminators.  Unknown languages fall
 * back the same way.
 */
int quarry_segmenter_new(quarry_segmenter **out, const char *lang);

/*
 * Splits text[0..len) (valid UTF-8) into sentences.  On success *spans points
 * to *n spans, in order, each trimmed of surrounding white space, not
 * overlapping, never empty; the text between them is white space only.
 * The array is borrowed and valid until the next call on s.  The conventions
 * (blank lines, soft wraps, quotes, abbreviations, CJK) are in
 * man/quarry-chunk.1.
 */
int quarry_segmenter_split(quarry_segmenter *s, const char *text, size_t len,
    const quarry_span **spans, size_t *n);

void quarry_segmenter_free(quarry_segmenter *s);

/* -------------------------------------------------------------- tokenizer */

typedef struct quarry_tokenizer quarry_tokenizer;

/*
 * Loads a BPE rank file in tiktoken format ("BASE64 RANK" lines).  The
 * pre-tokenisation pattern (r50k/p50k, cl100k or o200k) is chosen from the
 * file's contents.  On a malformed file returns QUARRY_EFORMAT, with the line
 * in *errline when errline is not NULL.
 */
int quarry_tokenizer_open(quarry_tokenizer **out, const char *path, unsigned long *errline);

/*
 * Counts the tokens of text[0..len) (valid UTF-8) exactly as tiktoken's
 * encode_ordinary() would.  Thread-compatible: one handle per thread.
 */
size_t quarry_tokenizer_count(quarry_tokenizer *t, const char *text, size_t len);

/*
 * Encodes text[0..len) into token ids.  *ids is borrowed and valid until the
 * next call on t.
 */
int quarry_tokenizer_encode(quarry_tokenizer *t, const char *text, size_t len,
    const uint32_t **ids, size_t *n);

/* Returns the name of the pre-tokenisation pattern ("cl100k", ...). */
const char *quarry_tokenizer_pattern(const quarry_tokenizer *t);

void quarry_tokenizer_free(quarry_tokenizer *t);

/*
 * Estimates the cl100k token count of text[0..len) without a rank file.  It
 * is designed never to count fewer tokens than cl100k_base would; the amount
 * by which it over-counts is measured in tests/bench/tokens.
 */
size_t quarry_token_estimate(const char *text, size_t len);

/* ---------------------------------------------------------------- chunker */

enum quarry_unit {
	QUARRY_UNIT_CHARS,	/* Unicode code points */
	QUARRY_UNIT_WORDS,	/* white-space separated words */
	QUARRY_UNIT_TOKENS,	/* BPE tokens (exact with a tokenizer, else estimated) */
};

enum quarry_split {
	QUARRY_SPLIT_CHUNKS,	/* pack units into chunks up to the budget */
	QUARRY_SPLIT_SENTENCES,	/* one chunk per sentence */
};

typedef struct quarry_chunk_options {
	enum quarry_unit unit;
	enum quarry_split split;
	size_t size;		/* hard upper bound per chunk, in unit */
	size_t overlap;		/* overlap between neighbouring chunks, in unit */
	size_t min;		/* a trailing piece smaller than this is merged */
	quarry_tokenizer *tokenizer;	/* borrowed; NULL: estimate tokens */
} quarry_chunk_options;

/* Fills o with the defaults: tokens, 512, no overlap, min 0 (automatic). */
void quarry_chunk_options_init(quarry_chunk_options *o);

/* One chunk of a document's text. */
typedef struct quarry_chunk {
	size_t offset;		/* byte offset into the document text */
	size_t length;		/* byte length; text[offset, offset+length) */
	size_t size;		/* size in the chosen unit */
	unsigned page;		/* 1-based page of the first byte */
	unsigned page_end;	/* 1-based page of the last byte */
	size_t heading;		/* index into headings of the path in force,
				   (size_t)-1 when none */
} quarry_chunk;

/* A heading path: the titles (without '#' marks) from level 1 down. */
typedef struct quarry_heading_path {
	const quarry_span *titles;	/* spans into the document text */
	size_t n;
} quarry_heading_path;

typedef struct quarry_chunker quarry_chunker;

/* Creates a chunker.  The options are copied.  Returns QUARRY_EINVAL when
 * they are inconsistent (size 0, overlap >= size), with a message in
 * quarry_chunker_error(). */
int quarry_chunker_new(quarry_chunker **out, const quarry_chunk_options *o);

/*
 * Splits text[0..len) (valid UTF-8) into chunks, using sentence rules for
 * lang (BCP 47 or NULL).  *chunks (n of them) and the heading paths are
 * borrowed and valid until the next call on c.
 */
int quarry_chunker_run(quarry_chunker *c, const char *text, size_t len,
    const char *lang, const quarry_chunk **chunks, size_t *n);

/* Returns the heading path with index i from the last run; borrowed. */
quarry_heading_path quarry_chunker_headings(const quarry_chunker *c, size_t i);

const char *quarry_chunker_error(const quarry_chunker *c);

void quarry_chunker_free(quarry_chunker *c);

/* ------------------------------------------------------- dates, authors */

enum quarry_date_order {
	QUARRY_DATE_AUTO,	/* month first unless a field exceeds 12 or dots */
	QUARRY_DATE_DMY,
	QUARRY_DATE_MDY,
};

enum quarry_date_flags {
	QUARRY_DATE_PDF = 1,	/* the string is a PDF date (PDF 2.0 rules) */
};

/*
 * Parses a date in any of the forms listed in man/quarry.7 and writes its
 * normal form to out (NUL-terminated): "YYYY-MM-DDTHH:MM:SSZ" when the
 * instant is known, "YYYY-MM-DD" when only the day is.  lang (BCP 47 or
 * NULL) selects the numeric order when order is QUARRY_DATE_AUTO.  Returns
 * 0, or QUARRY_ENODATE when s is not a date it can read unambiguously.
 */
int quarry_date_parse(const char *s, size_t len, enum quarry_date_order order,
    const char *lang, int flags, char out[21]);

/*
 * Normalises an author string: trims, collapses white space, drops a
 * leading "By"/"Von"/"Par"/"Por", drops e-mail addresses and URLs standing in
 * for names, splits lists ("A, B and C", "A; B") and de-duplicates.  Returns
 * a new string of names joined by "; " in *out (caller frees), or
 * QUARRY_ENOTFOUND when no name remains.
 */
int quarry_author_normalize(const char *s, size_t len, char **out);

/* --------------------------------------------------------------- embed */
/* (declared by the embed module) */

/* --------------------------------------------------------------- store */

typedef struct quarry_store quarry_store;

enum quarry_store_flags {
	QUARRY_STORE_RDONLY = 1,	/* open for reading only */
	QUARRY_STORE_CREATE = 2,	/* create the store if it does not exist */
};

/*
 * Opens the store at path (an LMDB environment; layout in
 * man/quarry-store.5).  On failure *out may still hold a handle whose
 * quarry_store_error() explains the fault; close it either way.
 */
int quarry_store_open(quarry_store **out, const char *path, int flags);

/* Returns the message of the last fault on st ("" if none); borrowed. */
const char *quarry_store_error(const quarry_store *st);

/*
 * Looks up the vector cached for a chunk's content hash (the chunk record's
 * "hash") under model (the record's "model", e.g. "hash-v1/384").  On
 * success copies dims floats to vec and returns 0; returns QUARRY_ENOTFOUND
 * when nothing is cached, QUARRY_EMODEL when the cached vector has another
 * dimension.
 */
int quarry_store_cache_get(quarry_store *st, const char *model,
    const char *hash, float *vec, size_t dims);

void quarry_store_close(quarry_store *st);

/* (the rest is declared by the store module) */

/* --------------------------------------------------------------- html */
/* (declared by the html module) */

/* --------------------------------------------------------------- pdf */
/* (declared by the pdf module) */

#ifdef __cplusplus
}
#endif

#endif /* QUARRY_H */
