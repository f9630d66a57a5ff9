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
 *    QUARRY_E* code; quarry_strerror() names it.  A handle keeps its last
 *    error, which its _error() function returns as text: the detailed
 *    message when there is one, else quarry_strerror() of the code, else ""
 *    when no call has failed.  Messages name the input or the value at
 *    fault, never a program's option: the programs add that context.
 *  - A constructor that fails leaves *out NULL only when it could not
 *    allocate the handle (QUARRY_ENOMEM); otherwise *out is a handle whose
 *    _error() says what failed, released like any other.  The _error()
 *    functions accept NULL and then return quarry_strerror(QUARRY_ENOMEM),
 *    so a caller prints the handle's _error() after any failure.
 *    (Handles without an _error() function leave *out NULL on every
 *    failure; quarry_search_new() leaves its message in the store's.)
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

#include <signal.h>
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
	QUARRY_ESTOPPED = -17,	/* stopped on request (a signal) */
	QUARRY_ESETTINGS = -18,	/* the store was built with other settings */
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

/*
 * Like quarry_reader_new(), but reads the records in data[0, len), which
 * must stay unchanged until the reader is freed: lines are parsed where they
 * lie rather than copied (data is never written).  With QUARRY_READ_PART in
 * flags, data is a part of an input after its start (whole lines, say a
 * block of a large file read by several threads): its line numbers still
 * count from 1 within data, but a byte order mark on its first line is no
 * longer one at the start of input, and is an error of that record's JSON.
 */
#define QUARRY_READ_PART 1
int quarry_reader_new_mem(quarry_reader **out, const char *data, size_t len,
    const char *name, int flags);

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

/*
 * Like quarry_reader_next(), but when the record has a string member named
 * field, that member is taken out of *rec and its value given in *text and
 * *len instead (decoded, valid UTF-8, NUL-terminated), borrowed from r and
 * valid until the next call on r; otherwise *text is NULL.  A large text is
 * decoded in one pass into a buffer the reader keeps, without a string
 * object of its own.
 */
int quarry_reader_next_take(quarry_reader *r, json_t **rec,
    const char *field, const char **text, size_t *len);

struct quarry_buf;

/*
 * Appends text[off, off+len) of the text the last quarry_reader_next_take()
 * gave as a JSON string to b, as quarry_buf_json_string() would but copied
 * from the input line where it can be (much faster for text with many
 * escapes); the escapes are then the input's own, which may differ from
 * quarry_buf_json_string()'s (\u00e9 for e-acute, say) but decode to the
 * same bytes.  off and len must lie within the text.
 */
int quarry_reader_put_text(quarry_reader *r, struct quarry_buf *b,
    size_t off, size_t len);

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
 * round-trips them exactly; other reals with %.17g.  Returns 0, or
 * QUARRY_EIO when fp reports an error.
 */
int quarry_record_write(FILE *fp, const json_t *rec);

/*
 * A growing byte buffer; { 0 } is an empty one.  The contract, kept by
 * every function of libquarry that appends to one:
 *  - NUL-terminated: data is NULL until the first append, and from then
 *    on data[len] is '\0' (not counted in len; cap counts it).  Shorten it
 *    with quarry_buf_truncate(), never by lowering len.
 *  - Failures are sticky: the first failed append (out of memory) leaves
 *    the buffer as it was and records its code in err; later appends and
 *    reserves do nothing and return that code until quarry_buf_check()
 *    reads and clears it.  So a series of appends may be checked once, at
 *    its end, and a buffer is never silently missing a piece in between.
 *  - The fields are public to read; data[0, len) may be written in place.
 * The functions below return 0 or QUARRY_ENOMEM unless they say otherwise.
 */
struct quarry_buf {
	char *data;
	size_t len;
	size_t cap;
	int err;	/* 0, or the first failure since quarry_buf_check() */
};
/* Makes room for extra more bytes after len (and the NUL after those):
 * data[len, len + extra] may then be written before len is raised; the
 * writer puts the NUL back at data[len]. */
int quarry_buf_reserve(struct quarry_buf *b, size_t extra);
int quarry_buf_append(struct quarry_buf *b, const void *p, size_t n);
/* Appends the string literal s (its size is known at compile time). */
#define QUARRY_BUF_LIT(b, s) quarry_buf_append((b), "" s, sizeof(s) - 1)
/* Cuts b to its first len bytes (len <= b->len), NUL-terminated. */
void quarry_buf_truncate(struct quarry_buf *b, size_t len);
/* Returns the sticky error (0 when every append since the last check
 * succeeded) and clears it. */
int quarry_buf_check(struct quarry_buf *b);
/*
 * The whole-file reader (src/file.c): appends everything readable from fd
 * up to end of file, retrying on EINTR, and NUL-terminates it (data[len] is
 * '\0', not counted in len).  A regular file is read in one go into a buffer
 * sized from fstat(); a pipe or terminal is streamed.  More than max bytes
 * is QUARRY_ETOOBIG: a regular file is refused before anything is read, a
 * stream is read no further than max + 1 bytes (b then holds the first max).
 * Returns 0, QUARRY_ETOOBIG, QUARRY_ENOMEM, or QUARRY_EIO with errno set.
 */
int quarry_buf_read_all(struct quarry_buf *b, int fd, size_t max);
/* quarry_buf_read_all() without a size limit. */
int quarry_buf_read_fd(struct quarry_buf *b, int fd);
/*
 * quarry_buf_read_all() on the file at path, opened read-only (no "-"
 * convention here: that is the programs' business).  QUARRY_EIO with errno
 * set when it cannot be opened.
 */
int quarry_buf_read_file(struct quarry_buf *b, const char *path, size_t max);
/*
 * Appends the JSON encoding of the string s[0..len) (with quotes) to b,
 * escaping as RFC 8259 requires and nothing else.  s must be valid UTF-8.
 */
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
 * file's contents (see quarry_tokenizer_load()).  On a malformed file
 * returns QUARRY_EFORMAT, with the line in *errline when errline is not NULL
 * (0 when the fault is not on one line: a single byte without a token);
 * QUARRY_EIO, with errno set, when the file cannot be read.
 */
int quarry_tokenizer_open(quarry_tokenizer **out, const char *path, unsigned long *errline);

/*
 * Finds a rank file by name: "cl100k_base" (or "cl100k"), "o200k_base",
 * or any NAME whose NAME.tiktoken is in one of the colon-separated
 * directories of $QUARRY_TOKENIZER_DIR, then the package data directory
 * (where "make install" puts cl100k_base and o200k_base), then the build
 * tree's tokenizers directory (quarry_tokenizer_search_path()).  A name
 * with a '/' or ending in ".tiktoken" is a path and is returned as it is.
 * *path is allocated (free() it).  Returns 0, QUARRY_ENOTFOUND, or
 * QUARRY_EINVAL for a name of characters other than [A-Za-z0-9_.-].
 */
int quarry_tokenizer_find(const char *name, char **path);

/* The default encoding's name: $QUARRY_TOKENIZER when set and not empty,
 * else "cl100k_base". */
const char *quarry_tokenizer_default(void);

/*
 * Opens the tokenizer a program's --tokenizer names (name), or the default
 * one when name is NULL.  Leaves *out NULL, returning 0, for the estimator:
 * asked for as "estimate", or the default cl100k_base when no rank file of
 * it is found and $QUARRY_TOKENIZER is not set.  Else as
 * quarry_tokenizer_find() and quarry_tokenizer_open(); *path (free() it)
 * is the rank file's path once one was found, for messages.
 */
int quarry_tokenizer_open_name(quarry_tokenizer **out, const char *name,
    char **path, unsigned long *errline);

/* The built-in directories quarry_tokenizer_find() searches, colon-separated. */
const char *quarry_tokenizer_search_path(void);

/*
 * Counts the tokens of text[0..len) (valid UTF-8) exactly as tiktoken's
 * encode_ordinary() would (js-tiktoken's encode() with no special tokens).
 * Invalid UTF-8 is counted without failing, each bad byte as punctuation.
 * Returns SIZE_MAX when out of memory.  Thread-compatible: one handle per
 * thread.
 */
size_t quarry_tokenizer_count(quarry_tokenizer *t, const char *text, size_t len);

/*
 * Encodes text[0..len) into token ids.  *ids is borrowed and valid until the
 * next call on t.
 */
int quarry_tokenizer_encode(quarry_tokenizer *t, const char *text, size_t len,
    const uint32_t **ids, size_t *n);

/*
 * Like quarry_tokenizer_open(), from the rank file's contents data[0..size).
 * pattern names the pre-tokeniser ("gpt2" for r50k/p50k, "cl100k",
 * "o200k"; QUARRY_EINVAL for another name), or is NULL to choose it from
 * the vocabulary size as quarry_tokenizer_open() does: 50,000 to 60,000
 * tokens gpt2, over 150,000 o200k, else cl100k.  Every single byte must be
 * a token, ranks and tokens unique.
 */
int quarry_tokenizer_load(quarry_tokenizer **out, const char *data,
    size_t size, const char *pattern, unsigned long *errline);

/*
 * Decodes token ids back into bytes (not necessarily valid UTF-8 when ids
 * is a part of an encoding).  *text (NUL-terminated, *len bytes without the
 * NUL) is borrowed and valid until the next call on t.  Returns
 * QUARRY_EINVAL for an id that is not in the vocabulary.
 */
int quarry_tokenizer_decode(quarry_tokenizer *t, const uint32_t *ids,
    size_t n, const char **text, size_t *len);

/* Returns the name of the pre-tokenisation pattern: "gpt2", "cl100k" or
 * "o200k". */
const char *quarry_tokenizer_pattern(const quarry_tokenizer *t);

/* Returns the number of tokens in the vocabulary. */
size_t quarry_tokenizer_vocab(const quarry_tokenizer *t);

void quarry_tokenizer_free(quarry_tokenizer *t);

/*
 * A second handle on t's vocabulary for another thread: it shares t's rank
 * tables (read only) and has caches and scratch space of its own, so that
 * two threads count and encode at once, each with its handle.  t must
 * outlive the copy.  Returns 0 or QUARRY_ENOMEM.
 */
int quarry_tokenizer_dup(const quarry_tokenizer *t, quarry_tokenizer **out);

/*
 * Estimates the cl100k token count of text[0..len) without a rank file:
 * never fewer tokens than cl100k_base would count (token_estimate.c says
 * how; tests/bench/tokens.sh measures by how much it over-counts).
 * Thread-safe (one estimator per process, behind a lock).
 */
size_t quarry_token_estimate(const char *text, size_t len);

/*
 * Makes a tokenizer handle of the estimator's own vocabulary (the first
 * 32,768 cl100k tokens, built into the library): its counts are an upper
 * bound of cl100k's.  Give it to quarry_token_estimate_with() rather than
 * to quarry_tokenizer_count(), which misses the estimator's second bound.
 */
int quarry_tokenizer_estimator(quarry_tokenizer **out);

/* quarry_token_estimate() with the caller's estimator handle (from
 * quarry_tokenizer_estimator(); thread-compatible, no lock). */
size_t quarry_token_estimate_with(quarry_tokenizer *est, const char *text,
    size_t len);

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
	size_t min;		/* a trailing piece smaller than this is merged
				   (0: never; QUARRY_CHUNK_MIN_AUTO: size / 8) */
	quarry_tokenizer *tokenizer;	/* borrowed; NULL: estimate tokens */
} quarry_chunk_options;

/* The default min: an eighth of the size. */
#define QUARRY_CHUNK_MIN_AUTO ((size_t)-1)

/* Fills o with the defaults: tokens, 512, no overlap, min
 * QUARRY_CHUNK_MIN_AUTO. */
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
	size_t section;		/* index of the path under which most of
				   its bytes lie (often heading) */
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

/*
 * With plain on, later runs read text as plain text (text/plain): no line
 * is a heading, whatever it starts with; paragraphs, lists, tables and
 * fenced code are found as in Markdown.  Off by default.
 */
void quarry_chunker_set_plain(quarry_chunker *c, int plain);

/*
 * Lets the chunker use up to n threads (default 1; more than 2 are not
 * used) for a text of 1 MiB or more: with no headings, it is chunked
 * from both ends (chunker.c, spec_sync(); with a tokenizer, the second
 * thread counts with quarry_tokenizer_dup()'s copy), and
 * quarry_chunk_records() writes its records in blocks on two threads.  The
 * chunks and records are the same as with one thread.
 */
void quarry_chunker_set_threads(quarry_chunker *c, int n);

/* Returns the heading path with index i from the last run; borrowed. */
quarry_heading_path quarry_chunker_headings(const quarry_chunker *c, size_t i);

const char *quarry_chunker_error(const quarry_chunker *c);

void quarry_chunker_free(quarry_chunker *c);

/*
 * The chunk-record builder (src/chunk_record.c): what quarry-chunk and
 * quarry-sync both use, so that they give the same records.  A document to
 * chunk: its record, whose fields other than the chunk-level ones (id,
 * chunk, text, offset, length, page, page_end, headings, tokens, hash,
 * embedding, model, score, chunk_count, embed_hash) every chunk record
 * copies, or NULL, when "doc"
 * and "source" are both doc; its id doc[0..doclen); its text[0..len)
 * (valid UTF-8); the sentence rules lang (or NULL); and, when the text came
 * from quarry_reader_next_take(), that reader (the chunks' texts are then
 * copied from the input as it was escaped), else NULL.
 */
typedef struct quarry_chunk_doc {
	const json_t *rec;
	const char *doc;
	size_t doclen;
	const char *text;
	size_t len;
	const char *lang;
	quarry_reader *reader;
	/* Problems with a Markdown text's front matter (line in the text,
	 * message), or NULL; the builder reads text/markdown front matter
	 * into the fields (quarry_frontmatter_read()) and gives text/plain
	 * no headings. */
	void (*warn)(void *arg, unsigned long line, const char *msg);
	void *warn_arg;
	/* When not NULL, called with release_arg as the records are
	 * written out, in order, with a pointer into text before which the
	 * text is read no more, so that the caller may let go of that part
	 * (a mapped file's pages).  Called after each block that two threads
	 * wrote (quarry_chunker_set_threads()), for a text without headings
	 * (whose titles later chunks repeat). */
	void (*release)(void *arg, const char *upto);
	void *release_arg;
} quarry_chunk_doc;

/* Called with the records gathered so far; returns 0 or a negative code. */
typedef int quarry_chunk_flush_fn(void *arg, struct quarry_buf *b);

/* quarry_chunk_records() calls flush once b holds this many bytes. */
#define QUARRY_CHUNK_FLUSH ((size_t)256 << 10)

/*
 * Chunks the document d with c and appends its chunk records to out, as
 * JSON Lines in the order of the chunks: the document's fields, then id
 * (doc#N), chunk, chunk_count (the document's number of chunks), text, offset, length, page and page_end (counted from
 * the document's "first_page" when it has one over 1), headings, tokens
 * and hash.  When flush is not NULL it is called with out whenever out
 * holds QUARRY_CHUNK_FLUSH bytes or more (it typically writes and empties
 * it), or, with two threads (quarry_chunker_set_threads()), with out and
 * then with buffers of the records that follow, a block at a time; records
 * may stay in out, for the caller to write.  The number of chunks goes to
 * *nchunks (if not NULL).  Returns 0, the chunker's code (with its message
 * in quarry_chunker_error()), QUARRY_ENOMEM, or flush's code.
 */
int quarry_chunk_records(quarry_chunker *c, const quarry_chunk_doc *d,
    struct quarry_buf *out, size_t *nchunks, quarry_chunk_flush_fn *flush,
    void *arg);

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

/*
 * Returns the numeric date order that lang's convention implies (en-US and
 * en-PH: QUARRY_DATE_MDY; de, fr, es, it, pt, nl, en-GB, en-AU and many
 * more: QUARRY_DATE_DMY), or QUARRY_DATE_AUTO when lang is NULL or says
 * nothing (plain "en", ja, zh...).
 */
enum quarry_date_order quarry_date_order_for_lang(const char *lang);

/*
 * Writes the UTC date-time of t seconds since 1970-01-01T00:00:00Z to out,
 * as "YYYY-MM-DDTHH:MM:SSZ".  Returns 0, or QUARRY_ENODATE when the year is
 * outside 1000-9999.
 */
int quarry_date_from_unix(int64_t t, char out[21]);

/*
 * Metadata editing over records, what quarry-meta does: sidecar tables,
 * assignments, file-system facts, then normalisation of "date", "modified"
 * and "author".  See man/quarry-meta.1 for the precedence rules.
 */
typedef struct quarry_meta quarry_meta;

/*
 * Receives the problems found while loading a sidecar (line > 0: its line)
 * or applying to a record (line 0); msg is borrowed for the call.
 */
typedef void quarry_meta_warn_fn(void *arg, unsigned long line,
    const char *msg);

int quarry_meta_new(quarry_meta **out);

/* Returns the message of the last fault on m ("" if none); borrowed. */
const char *quarry_meta_error(const quarry_meta *m);

/*
 * Adds an assignment "FIELD=VALUE" (a string value) or "FIELD:=JSON" (any
 * JSON value).  With only_missing the field is set only in records that lack
 * it (--default), otherwise always (--set).  Later assignments to the same
 * field win.  A date or author value is checked here unless raw mode is on.
 * Returns 0, or QUARRY_EINVAL with a message in quarry_meta_error().
 */
int quarry_meta_assign(quarry_meta *m, const char *assignment,
    int only_missing);

/* Leaves date, modified and author as they are (default: normalise). */
void quarry_meta_set_raw(quarry_meta *m, int raw);

/* Forces the order of all-numeric dates (default QUARRY_DATE_AUTO). */
void quarry_meta_set_order(quarry_meta *m, enum quarry_date_order order);

/*
 * Adds "size", "fingerprint" ({"size": BYTES, "mtime": RFC 3339 UTC with the
 * file system's nanoseconds, "hash": the content hash of quarry_hash_hex(),
 * from quarry_fingerprint_file()}) and, where missing, "modified" from the
 * file a record's "source" names.  Sources that are URLs are left alone.
 */
void quarry_meta_set_from_file(quarry_meta *m, int on);

/*
 * Loads a sidecar table from fp: JSON Lines (one object per line) or TSV
 * (a header line of column names, then rows; "\t", "\n", "\r" and "\\"
 * escapes in cells; an empty cell sets nothing).  The format is chosen from
 * the first non-empty line.  Each row is keyed by its "source" field, or
 * "doc" when it has no "source".  Bad rows (malformed JSON, a wrong number
 * of cells, no key, a key seen before) are passed to warn with their line
 * and skipped.  Returns 0 when every row loaded, QUARRY_EFORMAT when some
 * were skipped, QUARRY_EIO or QUARRY_ENOMEM.
 */
int quarry_meta_load_sidecar(quarry_meta *m, FILE *fp, const char *name,
    quarry_meta_warn_fn *warn, void *arg);

/*
 * Applies everything to rec, in this order: sidecar row (matched by the
 * record's "source", else its "doc"), --set assignments, file-system facts,
 * --default assignments, then normalisation.  A value that cannot be
 * normalised is passed to warn and its field removed.  Returns 0, 1 when
 * something was reported, or QUARRY_ENOMEM.
 */
int quarry_meta_apply(quarry_meta *m, json_t *rec, quarry_meta_warn_fn *warn,
    void *arg);

void quarry_meta_free(quarry_meta *m);

/* ------------------------------------------------------------ front matter */

/*
 * Reads the YAML front matter at the start of a Markdown text (a line
 * "---", YAML, a line "---" or "...") into rec's fields: title, tags and
 * the rest as they are (scalars as strings, sequences as arrays, one level
 * of mappings as objects); date/published/created into "date" and
 * modified/updated/lastmod into "modified", normalised by
 * quarry_date_parse() (lang picks the numeric order); author/authors into
 * "author" through quarry_author_normalize().  Fields rec already has are
 * kept; fields records reserve (doc, text, id...) are left out.  Problems
 * with one field are reported through warn (may be NULL) with their line
 * (1-based, in text), and the field is left out.
 *
 * *end is the offset of the text after the front matter: 0 when there is
 * none (no opening line, no closing one within 1 MiB: a thematic break).
 * Returns 0; QUARRY_EFORMAT when front matter is there but not readable
 * (YAML beyond what front matter uses), with the line in *errline (may be
 * NULL) and a message through warn, rec untouched and *end 0;
 * QUARRY_ENOMEM.
 */
int quarry_frontmatter_read(const char *text, size_t len, json_t *rec,
    size_t *end, quarry_meta_warn_fn *warn, void *arg,
    unsigned long *errline, const char *lang);

/* --------------------------------------------------------------- embed */

/*
 * An embedder turns texts into float32 vectors.  Three backends share one
 * handle type: the built-in lexical hash embedder (no network, no files), an
 * OpenAI-compatible HTTP endpoint (/v1/embeddings) and a long-running child
 * process.  The behaviour of each is described in man/quarry-embed.1.
 *
 * An embedder is used from one thread at a time.  Its model string names the
 * backend, the model and the dimensions ("hash-v1/384",
 * "openai:text-embedding-3-small/1536", "command:NAME/768"); vectors from
 * different model strings are not comparable.
 */
typedef struct quarry_embedder quarry_embedder;

/* Default dimensions of the built-in embedder. */
#define QUARRY_EMBED_DIMS_DEFAULT 384
/* Largest dimensions accepted by any backend. */
#define QUARRY_EMBED_DIMS_MAX 65536

/*
 * Options of the HTTP and command backends.  quarry_embed_options_init()
 * fills in the defaults; strings are borrowed and copied by the _new calls.
 */
typedef struct quarry_embed_options {
	const char *url;	/* HTTP: endpoint, see quarry_embedder_new_http() */
	const char *command;	/* command: "PROG ARGS", split on white space
				   (single and double quotes group words) */
	const char *model;	/* model name sent to the endpoint; for a command,
				   the name used in the model string (default:
				   the program's base name) */
	const char *api_key;	/* HTTP: sent as "Authorization: Bearer KEY";
				   NULL for none */
	size_t dims;		/* expected dimensions; 0: learnt from the first
				   vector, and every later one must match */
	size_t batch;		/* HTTP: inputs per request (64) */
	size_t parallel;	/* HTTP: requests in flight (4) */
	unsigned retries;	/* HTTP: retries of a failed request (5) */
	double timeout;		/* seconds per request or per command answer (60) */
	double backoff;		/* seconds before the first retry (0.5); doubled
				   at each retry, at most 30; Retry-After wins */
	size_t max_input;	/* longest text accepted, in characters (code
				   points); 0: no limit */
} quarry_embed_options;

void quarry_embed_options_init(quarry_embed_options *o);

/*
 * Creates the built-in embedder ("hash-v1/DIMS"): feature hashing of NFKC
 * case-folded words, word bigrams and, for scripts written without spaces,
 * character unigrams and bigrams, with weights 1 + ln(tf), signed buckets and
 * L2 normalisation.  It is computed in integer arithmetic up to one
 * correctly rounded square root and division per component, so it gives
 * identical vectors on every platform.  dims is 1 to QUARRY_EMBED_DIMS_MAX.
 */
int quarry_embedder_new_hash(quarry_embedder **out, size_t dims);

/*
 * Creates an HTTP embedder for o->url and o->model.  A URL whose path ends in
 * "/embeddings" is used as it is; one ending in "/v1" gets "/embeddings"
 * appended; any other gets "/v1/embeddings".  No connection is made yet.
 * Returns QUARRY_EINVAL (message in *out's quarry_embedder_error(), when *out
 * is not NULL) for a missing URL or model or an unusable option.  Messages
 * show the URL without its user:password@ (quarry_url_redact()).
 */
int quarry_embedder_new_http(quarry_embedder **out, const quarry_embed_options *o);

/*
 * Creates the embedder o chooses, the one choice every program makes the
 * same way: an HTTP embedder (quarry_embedder_new_http()) when o->url is
 * set, a command (quarry_embedder_new_command()) when o->command is, else
 * the built-in one of o->dims dimensions (0: QUARRY_EMBED_DIMS_DEFAULT).
 * An endpoint whose o->api_key is NULL gets the key of the environment
 * variable QUARRY_API_KEY, else OPENAI_API_KEY (none when both are unset
 * or empty; pass "" for no key at all).  Returns QUARRY_EINVAL for a URL
 * and a command together, or a model or max_input without either.
 */
int quarry_embedder_new(quarry_embedder **out, const quarry_embed_options *o);

/*
 * Creates the embedder that makes the vectors of model, a model string as
 * quarry_embedder_model() gives it (a store's, typically): the built-in one
 * for "hash-v1/DIMS", o's endpoint for "openai:NAME/DIMS" and o's command
 * for "command:NAME/DIMS", with DIMS dimensions and, unless o->model says
 * otherwise, NAME as the model.  Returns QUARRY_EMODEL, with a message,
 * when o does not fit (an endpoint or a command for the built-in model, no
 * endpoint for an "openai:" one, ...) or when the embedder made would not
 * give exactly model; otherwise as quarry_embedder_new().
 */
int quarry_embedder_new_for(quarry_embedder **out,
    const quarry_embed_options *o, const char *model);

/*
 * Returns a copy of url fit for a message: the user information of the
 * URL (the "user:password" before the '@' of its authority) is replaced by
 * three asterisks.  Other strings are copied as they are.  NULL when out of
 * memory.
 */
char *quarry_url_redact(const char *url);

/*
 * A file name as "doc" and "source" carry it (man/quarry.7): a name that is
 * not valid UTF-8 gets each byte of its invalid sequences written \xhh
 * and each backslash doubled; a valid one is kept as it is (unless it holds
 * text that reads as such an escape).  quarry_name_unescape() gives the
 * bytes back.  Both return a string to free(), NULL when out of memory.
 */
char *quarry_name_escape(const char *name);
char *quarry_name_unescape(const char *doc);

/* quarry_name_escape(name) as a JSON string; NULL when out of memory. */
json_t *quarry_name_json(const char *name);

/*
 * Whether recs[0..n), the chunk records of one document in input order,
 * make the whole document (man/quarry.7, "Complete documents"): "chunk"
 * runs 0, 1, ... n-1, and when the records carry "chunk_count" (as
 * quarry-chunk writes it) every one says n.  Returns 0, or QUARRY_EFORMAT
 * with the first offending record's index in *bad and a message in msg
 * (len bytes).
 */
int quarry_doc_complete(json_t *const *recs, size_t n, size_t *bad,
    char *msg, size_t len);

/*
 * Starts o->command (execvp, no shell) as a child that reads one JSON object
 * {"id":N,"text":"..."} a line on its standard input and answers each with
 * {"id":N,"embedding":[...]} or, in order, a bare JSON array of numbers
 * (man/quarry-embed.1, COMMAND PROTOCOL: how stray lines are told apart).  Returns QUARRY_EIO when
 * the program cannot be started; *out is then still set so that
 * quarry_embedder_error() can say why (free it either way).
 */
int quarry_embedder_new_command(quarry_embedder **out, const quarry_embed_options *o);

/*
 * Embeds texts[0..n) (lens[i] bytes each, valid UTF-8).  Returns 0 when the
 * call was carried out, even if some items failed: quarry_embedder_vector()
 * and quarry_embedder_status() then tell, item by item.  Returns a negative
 * code when the embedder as a whole failed (the endpoint refuses
 * connections or the credentials, the child died, out of memory): every item
 * of the call is then failed, quarry_embedder_error() says why, and later
 * calls fail the same way.
 */
int quarry_embedder_embed(quarry_embedder *e, const char *const *texts,
    const size_t *lens, size_t n);

/*
 * Returns the vector of item i of the last quarry_embedder_embed() call
 * (quarry_embedder_dims() floats, L2 norm as the model made it), or NULL
 * when that item failed.  Borrowed: valid until the next call on e.
 */
const float *quarry_embedder_vector(const quarry_embedder *e, size_t i);

/*
 * Returns 0 or the QUARRY_E* code of item i of the last call; *msg (when msg
 * is not NULL) gets a borrowed message for a failed item ("" otherwise).
 */
int quarry_embedder_status(const quarry_embedder *e, size_t i, const char **msg);

/* Returns the dimensions, or 0 while they are not known yet. */
size_t quarry_embedder_dims(const quarry_embedder *e);

/*
 * Returns the model string (see above), or NULL while the dimensions are not
 * known yet; borrowed, valid as long as e.
 */
const char *quarry_embedder_model(const quarry_embedder *e);

/* Returns the message of the last failure of e as a whole ("" if none). */
const char *quarry_embedder_error(const quarry_embedder *e);

/* Counters since the embedder was created. */
typedef struct quarry_embed_stats {
	unsigned long inputs;	/* texts given to the backend */
	unsigned long failed;	/* of them, without a vector */
	unsigned long requests;	/* HTTP requests or command lines sent */
	unsigned long retries;	/* HTTP requests repeated after a fault */
} quarry_embed_stats;

void quarry_embedder_stats(const quarry_embedder *e, quarry_embed_stats *st);

/* Stops a command backend's child and releases everything. */
void quarry_embedder_free(quarry_embedder *e);

/*
 * Writes the float f to buf exactly as quarry_record_write() prints a
 * component of an "embedding": printf's "%.9g" (which reads back as the
 * same float), with ".0" appended when that has neither '.' nor 'e'.
 * Several times faster than snprintf().  Returns the length (at most 16);
 * buf gets a terminating NUL.
 */
int quarry_format_float(char buf[32], float f);

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

/*
 * The fingerprint of a document's source file, used to tell whether it
 * changed since it was indexed.  has is 0 when the source is not a local file
 * (a URL, standard input) or could not be read.
 */
typedef struct quarry_fingerprint {
	int has;
	uint64_t size;		/* bytes */
	int64_t mtime_ns;	/* modification time, ns since the epoch */
	char hash[33];		/* XXH3-128 of the contents, 32 hex digits */
} quarry_fingerprint;

/*
 * Computes the fingerprint of the file at path (stat, then its contents
 * hashed while streaming).  Returns 0, QUARRY_ENOTFOUND when the file does
 * not exist, or QUARRY_EIO (errno set).
 */
int quarry_fingerprint_file(const char *path, quarry_fingerprint *fp);

/*
 * Takes the store's writer lock (a lock file beside the LMDB environment),
 * waiting at most timeout_ms milliseconds (negative: for ever).  Returns 0,
 * or QUARRY_EBUSY when another writer holds it past the timeout.  Every
 * writing call takes the lock itself, waiting for ever, when it is not held.
 * The lock is released by quarry_store_close().
 */
int quarry_store_lock(quarry_store *st, long timeout_ms);

/*
 * Queues one document version: its n chunk records (in order, all with the
 * same "doc"; each must have "id", "chunk", "text", "hash", "model" and an
 * "embedding" of the store's dimension) and the fingerprint of its source
 * (NULL: none).  The records are not modified and not retained.
 *
 * Returns 0 when the stored version is identical (nothing is queued and
 * nothing will be written), 1 when the document was queued for writing, 2
 * when its records are unchanged but its fingerprint was queued, or a
 * negative code: QUARRY_EFIELD, QUARRY_EMODEL or QUARRY_EINVAL for a bad
 * record, with its index in *bad and a message in quarry_store_error(); the
 * document is then not queued.  Queued work is applied by
 * quarry_store_commit(), which this function calls itself once enough work
 * is queued; a negative code from that commit is returned with *bad set to
 * (size_t)-1.
 */
int quarry_store_put(quarry_store *st, json_t *const *recs, size_t n,
    const quarry_fingerprint *fp, size_t *bad);

/*
 * Sets when quarry_store_put() commits queued work by itself: once docs
 * documents are queued (0: no limit) or bytes bytes (0: the default, 64 MB).
 */
void quarry_store_set_batch(quarry_store *st, size_t docs, size_t bytes);

/*
 * Sets the threads a commit may use to update the HNSW graph for many new
 * vectors (0 or 1: the calling thread only, the default).  The graph
 * written is the same with any number.
 */
void quarry_store_set_threads(quarry_store *st, unsigned n);

/*
 * Queues the deletion of document doc.  Returns 0, or QUARRY_ENOTFOUND when
 * the store has no such document.
 */
int quarry_store_delete(quarry_store *st, const char *doc);

/*
 * Applies all queued work in one LMDB write transaction and makes it durable
 * before returning: each document is replaced whole (a reader sees its old
 * version or its new one), and the record of what was indexed is written in
 * the same transaction as the chunks and vectors.  The memory map grows by
 * itself when the store fills it.  Sparse vector blocks are compacted.  With
 * nothing queued, nothing is written.  Returns 0 or a negative code (the
 * queued work is then dropped and the store is unchanged).
 */
int quarry_store_commit(quarry_store *st);

/*
 * Drops the store's pages this process has read from its resident memory:
 * they stay in the page cache, and the next read maps them again.  For a
 * long-running writer, whose resident size would otherwise grow with the
 * part of the store it has touched.  Safe at any time.
 */
void quarry_store_release_pages(quarry_store *st);

/*
 * The settings a store was built with (quarry-sync's chunking, context and
 * extraction options, as a JSON object; man/quarry-store.5), and those of
 * a rebuild begun and not finished: each a new string the caller frees,
 * or NULL when the store has none.  Returns 0 or a negative code.
 */
int quarry_store_settings(quarry_store *st, char **settings, char **rebuild);

/*
 * Queues new values for both (NULL: none), written by the next
 * quarry_store_commit(), which commits them even with nothing else queued.
 * Returns 0 or QUARRY_ENOMEM.
 */
int quarry_store_set_settings(quarry_store *st, const char *settings,
    const char *rebuild);

/* What the commits on a handle have written so far. */
typedef struct quarry_store_counts {
	uint64_t docs_added;	/* documents new to the store */
	uint64_t docs_changed;	/* documents replaced by a new version */
	uint64_t docs_deleted;
	uint64_t chunks_added;	/* chunks inserted with their vectors */
	uint64_t chunks_kept;	/* chunks of changed documents kept */
	uint64_t chunks_deleted;
	uint64_t chunks_moved;	/* relocated by compaction */
	uint64_t commits;	/* write transactions committed */
} quarry_store_counts;

void quarry_store_get_counts(const quarry_store *st, quarry_store_counts *c);

/* Summary figures of a store (quarry_store_stats()). */
typedef struct quarry_store_info {
	unsigned format;	/* layout version (man/quarry-store.5) */
	const char *model;	/* borrowed; "" before the first document */
	size_t dims;
	size_t block_slots;	/* vectors per block */
	uint64_t documents;
	uint64_t chunks;	/* = live vectors */
	uint64_t slots;		/* vector slots ever allocated */
	uint64_t blocks;	/* vector blocks present */
	uint64_t txnid;		/* last committed LMDB transaction */
	uint64_t file_bytes;	/* size of data.mdb */
	uint64_t used_pages;
	uint64_t free_pages;
	size_t page_size;
	int lexical;		/* the store has a lexical index (format 3) */
	uint64_t lex_tokens;	/* terms indexed, all chunks */
	uint64_t lex_keys;	/* entries of the term index */
	uint64_t lex_bytes;	/* pages the term index fills, in bytes */
	uint64_t change_seq;	/* the last change's sequence number */
	uint64_t change_floor;	/* changes up to it were pruned */
	uint64_t change_entries;	/* changes in the log */
	uint64_t change_bytes;	/* pages the log fills, in bytes */
	const char *quant;	/* the vectors' quantized copies: "int8",
				   "bit", "int8,bit" or "" (none);
				   borrowed */
	uint64_t quant_bytes;	/* pages the copies fill, in bytes */
	const char *graph;	/* the vectors' graph: "hnsw" or "" (none);
				   borrowed */
	uint64_t graph_nodes;	/* its nodes (= live vectors) */
	uint64_t graph_bytes;	/* pages it fills, in bytes */
	uint64_t graph_m;	/* its M */
} quarry_store_info;

/* Fills *info.  Strings in it are valid until the next call on st. */
int quarry_store_stats(quarry_store *st, quarry_store_info *info);

/*
 * Calls fn(doc, source, arg) for every document in doc-id order (source is
 * NULL when unknown); both strings are borrowed for the call.  fn returns 0
 * to go on or non-zero to stop, which is then returned.  fn must not call
 * other functions on st except quarry_store_delete().
 */
int quarry_store_foreach_doc(quarry_store *st,
    int (*fn)(const char *doc, const char *source, void *arg), void *arg);

/*
 * Calls fn(rec, arg) with every chunk record, documents in doc-id order and
 * each document's chunks in order; rec is the stored record with its
 * "embedding" restored (borrowed for the call).  Return values as for
 * quarry_store_foreach_doc().
 */
int quarry_store_foreach_chunk(quarry_store *st,
    int (*fn)(const json_t *rec, void *arg), void *arg);

/*
 * Tells whether the file at path is new or changed since it was indexed:
 * stores 1 in *stale when no document has it as "source" (or as "doc"), or
 * when its size or contents differ from the fingerprint recorded; 0 when the
 * size and modification time match, or they do not but the contents hash
 * does.  Returns 0, QUARRY_ENOTFOUND when the file does not exist, or
 * QUARRY_EIO.
 */
int quarry_store_stale(quarry_store *st, const char *path, int *stale);

/*
 * Files that gave nothing to index, remembered with their fingerprint (the
 * "notext" database, man/quarry-store.5) so that an unchanged one is not
 * extracted again: why is QUARRY_NOTEXT_EMPTY (no text) or
 * QUARRY_NOTEXT_CONTENTS (a contents or index page left out).
 * quarry_store_stale() calls such a file fresh while its fingerprint
 * matches, as it does a document's file.
 */
#define QUARRY_NOTEXT_EMPTY 1
#define QUARRY_NOTEXT_CONTENTS 2

/*
 * As quarry_store_stale(), and *notext is the reason when the store
 * remembers path as a file without text (whether fresh or not), else 0.
 */
int quarry_store_stale_notext(quarry_store *st, const char *path, int *stale,
    int *notext);

/*
 * Queues the record that the file source (the name as "source" carries
 * it, quarry.7) with fingerprint fp gave nothing to index, for why; or
 * its deletion.  Written by the next quarry_store_commit() (which commits
 * them even with nothing else queued); a document stored from the same
 * source drops the record in the same transaction.  Returns 0,
 * QUARRY_EINVAL or QUARRY_ENOMEM.
 */
int quarry_store_put_notext(quarry_store *st, const char *source,
    const quarry_fingerprint *fp, int why);
int quarry_store_delete_notext(quarry_store *st, const char *source);

/*
 * Calls fn with the source and reason of each file remembered without
 * text, in key order; a nonzero return stops the loop and is returned.
 * Returns 0, fn's value or a negative code.
 */
int quarry_store_foreach_notext(quarry_store *st,
    int (*fn)(const char *source, int why, void *arg), void *arg);

/*
 * The change feed (man/quarry.7, CHANGE FEED).  Every committed chunk
 * change gets a sequence number ("seq"), from 1, never reused; the log of
 * changes is kept in the store with them (man/quarry-store.5, changes).
 * Stores the last seq in *last and the seq up to which the log was pruned
 * in *floor (either may be NULL).
 */
int quarry_store_change_seq(quarry_store *st, uint64_t *last,
    uint64_t *floor);
/*
 * Calls fn with each change after seq since, in order, as the feed line
 * it stands for ({"change":"upsert","seq":N, the record with its
 * "embedding"} or {"change":"delete","seq":N,"id":...,"doc":...}; borrowed
 * for the call).  An upsert of a chunk that no longer exists is skipped (a
 * delete follows).  Changes up to since must not be pruned: else
 * QUARRY_ENOTFOUND, with a message naming the oldest change kept; a since
 * after the last seq is QUARRY_EINVAL.  fn returns 0 to go on, or a
 * non-zero value which is returned.
 */
int quarry_store_changes(quarry_store *st, uint64_t since,
    int (*fn)(const json_t *change, void *arg), void *arg);
/*
 * Calls fn with {"change":"snapshot","seq":S}, S the last seq, then with an
 * upsert of every chunk with seq S, all from one read snapshot.
 */
int quarry_store_changes_snapshot(quarry_store *st,
    int (*fn)(const json_t *change, void *arg), void *arg);
/*
 * Drops the logged changes up to seq upto (at most the last seq) and
 * records it as the floor; stores the number dropped in *dropped.
 */
int quarry_store_prune_changes(quarry_store *st, uint64_t upto,
    uint64_t *dropped);

/*
 * Verifies every invariant of the store listed in man/quarry-store.5.
 * Calls fn(message, arg) for each fault found (fn may be NULL) and returns
 * the number of faults, or a negative code when the store cannot be read.
 */
long quarry_store_check(quarry_store *st,
    void (*fn)(const char *msg, void *arg), void *arg);

/*
 * Rebuilds the lexical index from the stored chunks in one transaction
 * (quarry-index --reindex-lexical), without touching records or vectors; a
 * format 2 store becomes format 3 (man/quarry-store.5).  Stores the number
 * of chunks indexed in *chunks (may be NULL).  Returns 0 or a negative code.
 */
int quarry_store_reindex_lexical(quarry_store *st, uint64_t *chunks);

/*
 * Makes the store's quantized copies of its vectors named in kind, a
 * comma-separated list of "int8" and "bit", and drops the others, or drops
 * all with "none" (quarry-index --quantize; man/quarry-store.5, vectors8
 * and vectors1), in one transaction.  The int8 copy's per-dimension scale
 * and the 1-bit copy's per-dimension center and spread are taken from the
 * vectors stored now; later vectors are quantized against them (values
 * beyond the scale clamp), so running it again after the collection
 * changed much refreshes them.
 * Stores the number of vectors quantized in *vectors (may be NULL).
 * Returns 0 or a negative code (QUARRY_EINVAL for an unknown kind or a
 * store without vectors).
 */
int quarry_store_quantize(quarry_store *st, const char *kind,
    uint64_t *vectors);

/*
 * The HNSW graph over the vectors (quarry-index --graph; man/quarry-store.5,
 * hnsw).  quarry_store_graph() builds it ("hnsw") from the vectors stored
 * now, in memory with o->threads threads and then in one transaction, or
 * drops it ("none"); once a store has one, every write updates it in the
 * same transaction.  Zero options take the defaults (M 16,
 * ef_construction 100, seed 0, one thread).  A build with one thread is
 * reproducible; with more the graph differs from run to run (the order of
 * insertion does).  Stores the number of nodes in *nodes (may be NULL).
 * Returns 0 or a negative code (QUARRY_EINVAL for an unknown kind, bad
 * options or a store without vectors yet).
 */
typedef struct quarry_graph_options {
	unsigned m;		/* neighbours per node (2M on level 0) */
	unsigned ef_construction;	/* candidates while linking */
	unsigned threads;
	uint64_t seed;		/* of the levels drawn */
} quarry_graph_options;
int quarry_store_graph(quarry_store *st, const char *kind,
    const quarry_graph_options *o, uint64_t *nodes);

/* The store's path, as opened; borrowed. */
const char *quarry_store_path(const quarry_store *st);

/* Whether the store keeps a lexical index (format 3). */
int quarry_store_has_lexical(const quarry_store *st);

/*
 * A read snapshot for scanning (quarry-search).  It sees the store as of
 * quarry_store_view_open() until closed; vectors point straight into LMDB's
 * memory map.  A view may be used from any thread, one thread at a time;
 * several views may be open at once.
 */
typedef struct quarry_store_view quarry_store_view;

int quarry_store_view_open(quarry_store *st, quarry_store_view **out);

/*
 * Returns the vector block at or after position *cursor (start with 0) and
 * advances *cursor past it: *vecs points to block_slots vectors of dims
 * floats (borrowed, valid until the view is closed, 16-byte aligned), *live
 * to its bitmap of block_slots bits (bit i of word i/64 set: slot first+i
 * holds a live chunk), *first to the slot number of its first vector.
 * Returns 1, 0 after the last block, or a negative code.
 */
int quarry_store_view_block(quarry_store_view *v, uint64_t *cursor,
    const float **vecs, const uint64_t **live, uint64_t *first);

/*
 * Returns the chunk record stored for slot (without "embedding") as a new
 * JSON object in *rec (caller json_decref()s it), or QUARRY_ENOTFOUND.
 */
int quarry_store_view_record(quarry_store_view *v, uint64_t slot, json_t **rec);

/*
 * Calls fn(value, slots, n, arg) for every indexed value of the top-level
 * string field "field" that is >= from (NULL: from the first) and, when
 * prefix is non-zero, starts with from; values come in byte order, slots
 * ascending (borrowed for the call).  Stops when fn returns non-zero and
 * returns that.  Which fields are indexed is in man/quarry-store.5.
 */
int quarry_store_view_field(quarry_store_view *v, const char *field,
    const char *from, int prefix,
    int (*fn)(const char *value, const uint64_t *slots, size_t n, void *arg),
    void *arg);

void quarry_store_view_close(quarry_store_view *v);

/*
 * The vector attacher (src/vectors.c): what quarry-embed and quarry-sync
 * both use to give chunk records their vectors.  Records are added to a
 * window; each one's text to embed is composed (quarry_vectors_compose())
 * and keyed by its hash, which is the record's "hash" when the text sent
 * is the chunk text alone, else set as the record's "embed_hash" (the
 * store's vector cache keys on that field in its place, so a store
 * re-embeds only the chunks whose text sent changed).  Keys found in the
 * cache store's vector cache get their vectors at once; the rest are sent
 * to the embedder when the window is flushed, each distinct text once.
 */
typedef struct quarry_vectors quarry_vectors;

typedef struct quarry_vectors_options {
	quarry_embedder *embedder;	/* borrowed; required */
	quarry_store *cache;	/* borrowed; NULL: no cache */
	int no_context;		/* embed the chunk text alone */
} quarry_vectors_options;

/* Creates an attacher; QUARRY_EINVAL without an embedder. */
int quarry_vectors_new(quarry_vectors **out, const quarry_vectors_options *o);

/*
 * Appends to b the text embedded for the chunk record rec: with context,
 * the record's "title" on a line, its "headings" joined by " > " on a
 * line, an empty line when either was there, then its "text"; without, the
 * text alone.  QUARRY_EFIELD when rec has no string "text".
 */
int quarry_vectors_compose(const json_t *rec, int context,
    struct quarry_buf *b);

/*
 * Adds the chunk record rec (a new reference is taken; rec gets or loses
 * "embed_hash" as said above) with the caller's tag, and looks its key up
 * in the cache.  Returns 0, QUARRY_EFIELD (no "text"; not added) or
 * QUARRY_ENOMEM.
 */
int quarry_vectors_add(quarry_vectors *v, json_t *rec, void *tag);

/* The records in the window, and of them those not found in the cache. */
void quarry_vectors_count(const quarry_vectors *v, size_t *records,
    size_t *misses);

/*
 * Receives each record of a flushed window, in the order added: its
 * vector (dims floats, borrowed for the call) and model, whether it came
 * from the cache, or vec NULL and the embedder's message for it.  Returns
 * 0 to go on, or a negative code that stops the flush.
 */
typedef int quarry_vectors_fn(void *arg, json_t *rec, void *tag,
    const float *vec, size_t dims, const char *model, int cached,
    const char *err);

/*
 * Embeds the window's texts the cache did not have (in one
 * quarry_embedder_embed() call) and gives every record to fn, then empties
 * the window.  The number of texts sent goes to *sent (if not NULL).
 * Returns 0, the embedder's code when the call failed as a whole (fn has
 * still seen every record, those without a vector with the message), or
 * fn's code.
 */
int quarry_vectors_flush(quarry_vectors *v, quarry_vectors_fn *fn,
    void *arg, size_t *sent);

void quarry_vectors_free(quarry_vectors *v);

/* Sets rec's "embedding" (dims floats) and "model". */
int quarry_record_set_vector(json_t *rec, const float *vec, size_t dims,
    const char *model);

/*
 * Appends rec with its "embedding" and "model" as one line of JSON, as
 * quarry_record_write() would print rec after quarry_record_set_vector()
 * but without building the vector's array (the fields go last, or replace
 * the record's own in place).
 */
int quarry_buf_record_vector(struct quarry_buf *b, json_t *rec,
    const float *vec, size_t dims, const char *model);

/* --------------------------------------------------------------- html */

/*
 * Web pages to document records (man/quarry-html.1).  A page is parsed with
 * libxml2's HTML parser after its bytes have been converted to UTF-8; the
 * document can never cause network or file access.  The main content is
 * chosen by structure and by text and link density and rendered as light
 * Markdown (man/quarry.7); metadata comes from <head>, JSON-LD, byline
 * markup and the URL, normalised with quarry_date_parse() and
 * quarry_author_normalize().
 */
typedef struct quarry_html quarry_html;

enum quarry_html_links {
	QUARRY_HTML_LINKS_NONE,		/* a link is its text */
	QUARRY_HTML_LINKS_MARKDOWN,	/* [text](URL) */
};

/* Default upper bound on one page, in bytes. */
#define QUARRY_HTML_MAX_SIZE_DEFAULT ((size_t)512 << 20)

typedef struct quarry_html_options {
	const char *encoding;	/* charset forced on every page; NULL: detect
				   (BOM, <meta>, else UTF-8 if valid, else
				   windows-1252) */
	const char *url;	/* the page's address, used to resolve links
				   and to find a date in its path; NULL: none */
	int all;		/* nonzero: keep the whole body, not only the
				   main content */
	enum quarry_html_links links;
	size_t max_size;	/* largest page accepted (QUARRY_ETOOBIG) */
	double timeout;		/* seconds per page, checked between its
				   stages (QUARRY_ETIMEOUT); 0: none */
	int keep_contents;	/* keep contents and index pages and blocks
				   (tables of contents, indexes) */
} quarry_html_options;

/* Fills o with the defaults: detect, no URL, main content, no links. */
void quarry_html_options_init(quarry_html_options *o);

/*
 * Creates an extractor.  The options are copied, but the strings they point
 * to are borrowed and must stay valid while h is used.  Returns QUARRY_EINVAL
 * (message in quarry_html_error()) for an encoding iconv does not know.
 */
int quarry_html_new(quarry_html **out, const quarry_html_options *o);

/*
 * Sets or clears (NULL) the page address for the following pages; the string
 * is borrowed until the next call.
 */
void quarry_html_set_url(quarry_html *h, const char *url);

/*
 * Extracts the page data[0..len).  Returns 0 (an empty page has an empty
 * text); QUARRY_EFORMAT for binary data (not text); QUARRY_ETOOBIG above
 * the size limit; QUARRY_ENOMEM.  Invalid bytes in the page's charset become U+FFFD and
 * markup errors are repaired, so other pages give best-effort text.  After
 * a failure quarry_html_error() says why.
 */
int quarry_html_parse(quarry_html *h, const void *data, size_t len);

/*
 * Returns the text of the last page parsed (light Markdown, valid UTF-8,
 * NUL-terminated) and its length in *len (if len is not NULL); borrowed.
 */
const char *quarry_html_text(const quarry_html *h, size_t *len);

/*
 * Returns the metadata of the last page: a JSON object with any of the string
 * fields title, author, date, modified, lang, description, url, site and
 * charset (the one the page was decoded from); borrowed.
 */
const json_t *quarry_html_metadata(const quarry_html *h);

/*
 * Nonzero when the last page was a contents or index page as a whole and,
 * keep_contents being off, its text was left out (the text is empty).
 */
int quarry_html_contents(const quarry_html *h);

/*
 * Builds a new document record for the last page: doc, source (both set to
 * doc), mime "text/html", the metadata fields, and text; a contents or
 * index page left out (keep_contents off) has an empty text and "contents":
 * true.  The caller
 * json_decref()s *rec.  Returns 0 or QUARRY_ENOMEM.
 */
int quarry_html_record(const quarry_html *h, const char *doc, json_t **rec);

/* Returns the message of the last fault on h ("" if none); borrowed. */
const char *quarry_html_error(const quarry_html *h);

void quarry_html_free(quarry_html *h);

/* --------------------------------------------------------------- office */

/*
 * Word processor documents and e-books to document records
 * (man/quarry-office.1): DOCX (Office Open XML), ODT (OpenDocument text)
 * and EPUB 2 and 3.  The zip container is read with libzip and every part
 * is bounded: the entries of an archive, the bytes they expand to, and the
 * ratio of expanded to compressed size of each (zip bombs); entry names
 * that are absolute or climb with ".." are refused.  XML is parsed with
 * libxml2 with network access, DTD loading and entity substitution off.
 * Text is the light Markdown of man/quarry.7: headings from styles and
 * outline levels, lists, pipe tables, footnotes as "[^N]" with their text
 * at the end, a form feed at a page break (DOCX, ODT) or between the
 * chapters of an EPUB.
 */
typedef struct quarry_office quarry_office;

enum quarry_office_format {
	QUARRY_OFFICE_NONE,	/* not one of the formats below */
	QUARRY_OFFICE_DOCX,
	QUARRY_OFFICE_ODT,
	QUARRY_OFFICE_EPUB,
};

/* Defaults of quarry_office_options. */
#define QUARRY_OFFICE_MAX_SIZE_DEFAULT ((size_t)512 << 20)
#define QUARRY_OFFICE_MAX_EXPANDED_DEFAULT ((size_t)1 << 30)
#define QUARRY_OFFICE_MAX_RATIO_DEFAULT 200
#define QUARRY_OFFICE_MAX_ENTRIES_DEFAULT 20000

typedef struct quarry_office_options {
	size_t max_size;	/* largest input file (QUARRY_ETOOBIG) */
	size_t max_expanded;	/* bytes all entries read may expand to */
	unsigned max_ratio;	/* expanded / compressed size of an entry
				   above 1 MiB; 0: no limit */
	size_t max_entries;	/* entries in the archive */
} quarry_office_options;

/* Fills o with the defaults above. */
void quarry_office_options_init(quarry_office_options *o);

/* Creates an extractor; the options are copied. */
int quarry_office_new(quarry_office **out, const quarry_office_options *o);

/*
 * Tells the format from the first bytes of a file, head[0..n) (a zip local
 * header: an EPUB or ODT "mimetype" first entry, or a DOCX part name such
 * as "[Content_Types].xml"); QUARRY_OFFICE_NONE when they do not say.
 * 1024 bytes are plenty.
 */
enum quarry_office_format quarry_office_sniff(const void *head, size_t n);

/* Returns the MIME type of a format, or NULL for QUARRY_OFFICE_NONE. */
const char *quarry_office_mime(enum quarry_office_format f);

/*
 * Extracts the document data[0..len) into a new document record
 * (man/quarry.7) in *rec, which the caller json_decref()s: doc and source
 * (both name), mime, title, author, date, modified, lang, description,
 * subject, keywords, publisher (each only when known) and text.  The format
 * is told from the archive's contents.  Returns 0; QUARRY_EFORMAT for a file
 * that is not a zip archive, a damaged one, one with an entry name that
 * leaves the archive, or a zip of another kind; QUARRY_ETOOBIG past a limit
 * of the options; QUARRY_EPASSWORD for an encrypted entry; QUARRY_ENOMEM.
 * quarry_office_error() then explains.
 */
int quarry_office_extract(quarry_office *h, const void *data, size_t len,
    const char *name, json_t **rec);

/* Returns the format of the last document extracted. */
enum quarry_office_format quarry_office_format(const quarry_office *h);

/* Returns the message of the last fault on h ("" if none); borrowed. */
const char *quarry_office_error(const quarry_office *h);

void quarry_office_free(quarry_office *h);

/* --------------------------------------------------------------- pdf */

/*
 * PDF extraction with poppler (man/quarry-pdf.1 describes the text layout
 * rules).  The interface carries no GLib or poppler type.  A handle is not
 * thread-safe; use one per thread.  Extraction can take unbounded time on a
 * hostile file (poppler cannot be interrupted): a caller that needs a time
 * limit runs it in a child process, as quarry-pdf does.
 */
typedef struct quarry_pdf quarry_pdf;

/* When quarry_pdf_extract() reads pages with OCR (man/quarry-pdf.1). */
enum quarry_pdf_ocr {
	QUARRY_PDF_OCR_AUTO,	/* pages without a usable text layer */
	QUARRY_PDF_OCR_ALWAYS,	/* every page, replacing its text layer */
	QUARRY_PDF_OCR_NEVER,
};

/* Default OCR resolution, dots per inch. */
#define QUARRY_PDF_OCR_DPI_DEFAULT 300

typedef struct quarry_pdf_options {
	unsigned first_page;	/* 1-based first page; 0 or 1: the first */
	unsigned last_page;	/* last page, inclusive; 0: the last */
	unsigned max_pages;	/* at most this many pages; 0: no limit */
	unsigned threads;	/* threads splitting the pages; 0 or 1: one */
	int keep_furniture;	/* keep running headers, footers, page numbers */
	int keep_contents;	/* keep contents and index pages */
	const char *password;	/* copied; NULL: none (empty user password) */
	enum quarry_pdf_ocr ocr;	/* default QUARRY_PDF_OCR_AUTO */
	const char *ocr_lang;	/* Tesseract languages ("eng+deu"), borrowed
				   while the extractor is used; NULL: the
				   document's language (XMP, catalog /Lang)
				   when Tesseract has its data, else "eng" */
	unsigned ocr_dpi;	/* 0: QUARRY_PDF_OCR_DPI_DEFAULT */
} quarry_pdf_options;

/* Fills o with the defaults: all pages, one thread, furniture removed. */
void quarry_pdf_options_init(quarry_pdf_options *o);

/* Creates an extractor; the options (and the password) are copied. */
int quarry_pdf_new(quarry_pdf **out, const quarry_pdf_options *o);

/*
 * Extracts the PDF data[0..len) into a new document record (man/quarry.7)
 * stored in *rec (the caller json_decref()s it): doc and source (both set
 * to name), mime, title, author, date, modified, lang, pages, subject,
 * keywords, creator, producer (each only when known), first_page (when the
 * extracted range does not start at page 1) and text.  data must stay valid
 * during the call.  Returns 0; QUARRY_EFORMAT for a file that is not a PDF
 * or is damaged beyond repair; QUARRY_EPASSWORD for an encrypted file
 * without the right password (including one poppler opens without a
 * password but cannot decrypt a single character of); QUARRY_EINVAL when
 * the page range lies outside the document; QUARRY_ENOMEM.
 * quarry_pdf_error() then explains.  A record whose text is empty because
 * the PDF has no text layer comes with a message in quarry_pdf_warning().
 */
int quarry_pdf_extract(quarry_pdf *p, const void *data, size_t len,
    const char *name, json_t **rec);

/* Returns the message of the last error ("" if none); borrowed. */
const char *quarry_pdf_error(const quarry_pdf *p);

/* Returns the warning about the last record ("" if none); borrowed. */
const char *quarry_pdf_warning(const quarry_pdf *p);

/*
 * The options that would have kept the last record's text, which the
 * extraction left empty and quarry_pdf_warning() explains: the bits
 * QUARRY_PDF_KEEP_FURNITURE (its lines were all running headers or footers)
 * and QUARRY_PDF_KEEP_CONTENTS (or on contents and index pages); 0 when the
 * text is not empty or the options are not why.
 */
#define QUARRY_PDF_KEEP_FURNITURE 1u
#define QUARRY_PDF_KEEP_CONTENTS 2u
unsigned quarry_pdf_dropped(const quarry_pdf *p);

void quarry_pdf_free(quarry_pdf *p);

/* --------------------------------------------------------------- search */

/*
 * Exact (brute-force) vector search over a store, with filters on the
 * records' fields (man/quarry-search.1).  A search handle holds a read
 * snapshot of the store (quarry_store_view_open()) taken when it is created:
 * later commits are not seen until a new handle is made.  Vectors are read
 * straight from LMDB's memory map; filters are answered from the store's
 * field index (man/quarry-store.5) before ranking, so that only the vectors
 * they select are read.  A handle is used from one thread at a time; it
 * starts its own threads for a scan (quarry_search_set_threads()).
 */
typedef struct quarry_search quarry_search;

/* Another chunk with the same content hash as a result ("also in"). */
typedef struct quarry_search_also {
	uint64_t slot;
	const char *id, *doc;	/* borrowed */
	const char *source;	/* borrowed; NULL when the document has none */
} quarry_search_also;

/* One result: borrowed from the handle until the next call on it. */
typedef struct quarry_search_hit {
	double score;		/* the mode's score: cosine similarity
				   (vector), BM25 (lexical), or the fused
				   Reciprocal Rank Fusion score (hybrid) */
	uint64_t slot;		/* the chunk's slot in the store */
	const json_t *rec;	/* the stored chunk record (no "embedding");
				   NULL when decoding is off
				   (quarry_search_set_decode()) */
	const char *id;		/* the chunk's "id" (borrowed), always set */
	const char *doc;	/* its "doc" */
	const char *hash;	/* its "hash" */
	/* Each leg's rank (1-based; 0: that leg did not find it) and
	 * score: the vector leg's cosine, the lexical leg's BM25. */
	size_t vec_rank, lex_rank;
	double vec_score, lex_score;
	/* Other chunks with the same hash, collapsed into this one
	 * (quarry_search_set_collapse()). */
	const quarry_search_also *also;
	size_t nalso;
} quarry_search_hit;

/* How a query is matched (quarry_search_set_mode()). */
enum quarry_search_mode {
	QUARRY_MODE_AUTO,	/* hybrid when the store has a lexical index,
				   else vector */
	QUARRY_MODE_VECTOR,	/* cosine similarity of embeddings */
	QUARRY_MODE_LEXICAL,	/* BM25 over the lexical index */
	QUARRY_MODE_HYBRID,	/* both, fused by Reciprocal Rank Fusion */
};

/* BM25 and fusion defaults (Lucene/Anserini; Cormack et al. 2009). */
#define QUARRY_BM25_K1_DEFAULT 0.9
#define QUARRY_BM25_B_DEFAULT 0.4
#define QUARRY_RRF_K_DEFAULT 60
#define QUARRY_FUSION_DEPTH_DEFAULT 100
/* The vector leg's default weight when the model is the built-in hash-v1
 * (1 for any other model). */
#define QUARRY_HASH_VECTOR_WEIGHT 0.02

/* Default number of results. */
#define QUARRY_SEARCH_K_DEFAULT 10

/*
 * Creates a search handle over st (borrowed: it must outlive the handle).
 * Returns 0, or a negative code with a message in quarry_store_error(st).
 * An empty store gives a handle whose searches find nothing.
 */
int quarry_search_new(quarry_search **out, quarry_store *st);

/* Returns the store's model string ("" for an empty store); borrowed. */
const char *quarry_search_model(const quarry_search *s);

/* Returns the store's dimensions (0 for an empty store). */
size_t quarry_search_dims(const quarry_search *s);

/* Returns the number of live chunks in the snapshot. */
uint64_t quarry_search_count(const quarry_search *s);

/* Sets the number of results (default QUARRY_SEARCH_K_DEFAULT, at least 1). */
void quarry_search_set_k(quarry_search *s, size_t k);

/* Sets the threads a scan may use (0 or 1: the calling thread only). */
void quarry_search_set_threads(quarry_search *s, unsigned n);

/*
 * Filters.  Every filter added narrows the search further (they combine with
 * AND) until quarry_search_filter_clear().  Each returns 0, or QUARRY_EINVAL
 * with a message in quarry_search_error() for a value it cannot use.
 *
 * quarry_search_filter_date() keeps chunks whose field (NULL: "date") holds
 * a date on or after since and on or before until (either NULL: open).  The
 * bounds are read by quarry_date_parse() (the forms of man/quarry.7), and
 * also as a year "YYYY" or a month "YYYY-MM"; a bound or a value that names
 * a day, month or year covers all of it.  Its messages start with the name
 * of the argument at fault ("since: not a date: ...").
 */
int quarry_search_filter_date(quarry_search *s, const char *field,
    const char *since, const char *until);

/* Keeps chunks whose "author" contains text, compared case-insensitively
 * (Unicode case folding). */
int quarry_search_filter_author(quarry_search *s, const char *text);

/*
 * Keeps chunks whose top-level string field equals value exactly.  expr is
 * "FIELD=VALUE" (split at the first '='; FIELD not empty).
 */
int quarry_search_filter_where(quarry_search *s, const char *expr);

/* Keeps chunks whose "source" matches the fnmatch(3) pattern glob (no
 * flags: '*' matches '/' too). */
int quarry_search_filter_source(quarry_search *s, const char *glob);

/* Removes every filter. */
void quarry_search_filter_clear(quarry_search *s);

/*
 * Returns the number of live chunks the filters select (all of them without
 * a filter), planning the filters if needed; a negative code on failure.
 */
int64_t quarry_search_selected(quarry_search *s);

/*
 * Ranks the selected chunks by cosine similarity with q (dims floats, which
 * must be the store's dimensions: QUARRY_EMODEL otherwise; a zero vector
 * gives QUARRY_EINVAL) and stores the best k, best first, in *hits and their
 * number in *n.  Equal scores are ordered by the chunks' "id".  *hits and the
 * records are borrowed until the next call on s.
 */
int quarry_search_run(quarry_search *s, const float *q, size_t dims,
    const quarry_search_hit **hits, size_t *n);

/*
 * Creates the embedder for queries against this store:
 * quarry_embedder_new_for() with the store's model string.  Returns
 * QUARRY_ENOTFOUND for an empty store, or that function's code; on failure
 * *out is NULL and quarry_search_error() holds the message.
 */
int quarry_search_embedder(quarry_search *s, const quarry_embed_options *o,
    quarry_embedder **out);

/*
 * Sets the mode of quarry_search_query().  Returns QUARRY_ENOTFOUND when m
 * needs the lexical index and the store has none (a store made before it
 * existed; quarry_store_reindex_lexical() adds one), QUARRY_EINVAL for an
 * unknown mode.
 */
int quarry_search_set_mode(quarry_search *s, enum quarry_search_mode m);

/* Returns the mode queries run in (AUTO resolved). */
enum quarry_search_mode quarry_search_get_mode(const quarry_search *s);

/* Sets BM25's k1 (>= 0) and b (0 to 1); QUARRY_EINVAL otherwise. */
int quarry_search_set_bm25(quarry_search *s, double k1, double b);

/*
 * Sets hybrid fusion: each leg's weight (>= 0, not both 0), RRF's k
 * constant (score of rank r: weight / (k + r)) and how many results each
 * leg ranks (at least the number of results asked for).  QUARRY_EINVAL for
 * values out of range.
 */
int quarry_search_set_fusion(quarry_search *s, double vec_weight,
    double lex_weight, unsigned rrf_k, size_t depth);

/*
 * Sets the language the query text is analysed in for the lexical index
 * (BCP 47, e.g. "de"; NULL: the store's default, man/quarry-store.5).
 */
void quarry_search_set_lang(quarry_search *s, const char *lang);

/*
 * With on, results with the same content hash are collapsed into the best
 * of them, which lists the others as "also"; the k results are then k
 * different passages.  Off by default (quarry-search turns it on).
 */
void quarry_search_set_collapse(quarry_search *s, int on);

/*
 * With on (the default), each result's record is decoded into hit->rec;
 * off, only id, doc and hash are read (cheap: for scripts and evaluation),
 * and quarry_search_record() decodes one on demand.
 */
void quarry_search_set_decode(quarry_search *s, int on);

/*
 * The precision of the vector scan (man/quarry-search.1).  F32 scores every
 * selected float32 vector.  INT8 scans the store's int8 copy and BIT its
 * 1-bit copy (quarry_store_quantize()), and both re-score the best
 * rescore x depth candidates exactly (rescore 0: QUARRY_RESCORE_DEFAULT
 * for INT8, QUARRY_RESCORE_BIT_DEFAULT for BIT), so that results differ
 * from F32's only when a chunk of the true top falls outside that set.
 * AUTO (the default) scans a copy when the filters select at least
 * QUARRY_INT8_MIN chunks: the int8 copy when the store has it, else the
 * 1-bit copy; else F32.  quarry_search_set_precision() returns
 * QUARRY_EINVAL for INT8 or BIT on a store without that copy (at the first
 * run when the store gains it later).
 */
enum quarry_search_precision {
	QUARRY_PRECISION_AUTO, QUARRY_PRECISION_F32, QUARRY_PRECISION_INT8,
	QUARRY_PRECISION_BIT
};
#define QUARRY_RESCORE_DEFAULT 4
#define QUARRY_RESCORE_BIT_DEFAULT 64
#define QUARRY_INT8_MIN 20000
int quarry_search_set_precision(quarry_search *s,
    enum quarry_search_precision p, unsigned rescore);

/*
 * The HNSW graph (quarry_store_graph()): with use (the default) the vector
 * leg walks the store's graph when it has one, keeping the ef best nodes
 * (at least depth + a margin) and scoring them exactly; without, it scans.
 * A filter that selects fewer than QUARRY_GRAPH_MIN chunks or less than a
 * tenth of them is answered by the scan of those chunks (man/quarry-search.1).
 * ef 0 keeps the current value (QUARRY_EF_DEFAULT at first).
 */
#define QUARRY_EF_DEFAULT 64
#define QUARRY_GRAPH_MIN 1000
void quarry_search_set_graph(quarry_search *s, int use, unsigned ef);

/*
 * Returns the record of result i of the last search (decoding it if
 * needed; borrowed like the hits), or NULL with a message in
 * quarry_search_error().
 */
const json_t *quarry_search_record(quarry_search *s, size_t i);

/*
 * Runs the query text[0..len) in the handle's mode: embedded with e for the
 * vector leg (e may be NULL in lexical mode), analysed for the lexical one.
 * Results as quarry_search_run(): the best k, best first, equal scores by
 * id.  In hybrid mode each leg ranks its best "depth" chunks (after the
 * filters) and a chunk's score is the sum over the legs that found it of
 * weight / (rrf_k + rank).
 */
int quarry_search_query(quarry_search *s, quarry_embedder *e,
    const char *text, size_t len, const quarry_search_hit **hits, size_t *n);

/*
 * The same with the query's vector given (q of dims floats, or NULL) rather
 * than embedded: a mode that needs the vector leg needs q, one that needs
 * the lexical leg needs text (QUARRY_EINVAL otherwise).
 */
int quarry_search_query_vector(quarry_search *s, const float *q, size_t dims,
    const char *text, size_t len, const quarry_search_hit **hits, size_t *n);

/* Returns the message of the last fault on s ("" if none); borrowed. */
const char *quarry_search_error(const quarry_search *s);

/* What the last quarry_search_run() did. */
typedef struct quarry_search_stats {
	uint64_t selected;	/* chunks the filters selected */
	uint64_t scanned;	/* vectors whose score was computed */
	uint64_t blocks;	/* vector blocks read */
	unsigned threads;	/* threads used */
	int int8;		/* 1: the int8 copy was scanned */
	int bit;		/* 1: the 1-bit copy was scanned */
	int graph;		/* 1: the HNSW graph was walked (scanned:
				   the vectors it scored); -1: the walk
				   found the graph corrupt (the run failed
				   with QUARRY_ESTORE) */
} quarry_search_stats;

void quarry_search_get_stats(const quarry_search *s, quarry_search_stats *st);

void quarry_search_free(quarry_search *s);

/* Output formats of search results (man/quarry-search.1). */
enum quarry_search_format {
	QUARRY_SEARCH_JSON,	/* one JSON object a result */
	QUARRY_SEARCH_TEXT,	/* for people: score, citation, snippet */
	QUARRY_SEARCH_CONTEXT,	/* numbered passages for an LLM prompt */
};

/* How one query's results are printed (quarry_search_print()). */
typedef struct quarry_search_output {
	enum quarry_search_format fmt;
	const char *query;	/* the query's label (NULL: none) */
	const char *query_id;	/* the input query's "id" (NULL: none) */
	const char *const *fields;	/* JSON: the members printed, in order
				   (NULL: all; see man/quarry-search.1) */
	size_t nfields;
	size_t max_tokens;	/* context: bound (0: none) */
	int legs;		/* JSON and text: say which legs found each */
} quarry_search_output;

/*
 * Appends the results hits[0..n) of the last search on s to b as o says;
 * records not decoded yet are decoded when the output needs them.  In JSON
 * an empty result set is one line: the query, its id and "hits":0.
 * Returns 0, QUARRY_ENOMEM, or the code of a record that cannot be read
 * (message in quarry_search_error()).
 */
int quarry_search_print(struct quarry_buf *b, const quarry_search_output *o,
    quarry_search *s, const quarry_search_hit *hits, size_t n);

/*
 * Appends the results hits[0..n) of one query to b in the format fmt.
 * query (may be NULL) is the query's label: JSON results carry it as
 * "query", text output prints it as a header.  max_tokens bounds the
 * context format (estimated cl100k tokens, quarry_token_estimate(); 0: no
 * bound).  Returns 0 or QUARRY_ENOMEM.
 */
int quarry_search_format(struct quarry_buf *b, enum quarry_search_format fmt,
    const char *query, const quarry_search_hit *hits, size_t n,
    size_t max_tokens);

/* --------------------------------------------------------------- eval */

/*
 * Retrieval metrics of one query, with trec_eval's definitions (quarry-eval,
 * man/quarry-eval.1), over a neutral representation: the ids a system
 * ranked, best first, and the query's graded judgements.  An id ranked
 * twice counts once, at its first rank (later ids move up); an id judged
 * twice counts once, with its highest gain; ids not judged have gain 0 and
 * an id is relevant when its gain is above 0.
 */
typedef struct quarry_eval_judgement {
	const char *id;
	double gain;		/* the relevance grade (qrels), > 0: relevant */
} quarry_eval_judgement;

/* The cut-offs of the metrics (each at least 1). */
typedef struct quarry_eval_cutoffs {
	size_t ndcg;		/* nDCG@ndcg */
	size_t recall;		/* recall@recall */
	size_t precision;	/* P@precision */
	size_t mrr;		/* MRR@mrr */
	size_t map;		/* MAP@map */
} quarry_eval_cutoffs;

/* nDCG@10, recall@100, P@10, MRR@10, MAP@100 (BEIR's and MTEB's). */
#define QUARRY_EVAL_CUTOFFS_DEFAULT { 10, 100, 10, 10, 100 }

typedef struct quarry_eval_metrics {
	double ndcg;		/* trec_eval ndcg_cut: sum of gain/log2(rank+1)
				   over the ideal DCG of the judged gains */
	double recall;		/* relevant ids in the top cut / relevant */
	double precision;	/* relevant ids in the top cut / cut */
	double mrr;		/* 1 / rank of the first relevant id, 0 when
				   it is below the cut */
	double map;		/* trec_eval map_cut: sum of the precision at
				   each relevant rank in the cut / relevant */
	size_t relevant;	/* distinct judged ids with gain > 0 */
	size_t retrieved;	/* distinct ranked ids */
	size_t found;		/* relevant ids in the top recall cut */
	size_t first;		/* rank of the first relevant id, 0: none */
} quarry_eval_metrics;

/*
 * Scores the ranking ranked[0..n) against judged[0..njudged) at the
 * cut-offs cut.  A query with no relevant judgement scores 0 everywhere
 * (trec_eval leaves such a query out of its means; so does quarry-eval).
 * Returns 0, QUARRY_EINVAL for a zero cut-off, a NULL id or a NaN gain, or
 * QUARRY_ENOMEM.
 */
int quarry_eval_score(const char *const *ranked, size_t n,
    const quarry_eval_judgement *judged, size_t njudged,
    const quarry_eval_cutoffs *cut, quarry_eval_metrics *m);

/* ------------------------------------------------------------- rerank */

/*
 * Re-ranking of search results by a cross-encoder (man/quarry-search.1,
 * RE-RANKING): over HTTP, the /v1/rerank API served by llama.cpp's server,
 * vLLM, Infinity, Jina and Cohere-compatible gateways (request {"model",
 * "query", "documents", "top_n"}, response {"results": [{"index",
 * "relevance_score"}]}); or a command speaking quarry-embed's command
 * protocol with a "query" member in each line.  The options are those of
 * the embedders (quarry_embed_options: url, command, model, api_key, batch
 * as documents per request, parallel, retries, timeout, backoff); dims
 * and max_input are ignored.  A URL ending in "/rerank" is used as it is;
 * one ending in "/v1" gets "/rerank"; any other gets "/v1/rerank".  The
 * model may be NULL for HTTP (then not sent).  Every fault fails the call
 * as a whole, with a message naming the endpoint: results are never left
 * unranked or partly ranked.
 */
typedef struct quarry_reranker quarry_reranker;

/* Create a reranker; on failure *out may be set for quarry_reranker_error()
 * and must be freed. */
int quarry_reranker_new_http(quarry_reranker **out,
    const quarry_embed_options *o);
int quarry_reranker_new_command(quarry_reranker **out,
    const quarry_embed_options *o);
/* Creates the reranker o chooses: an endpoint when o->url is set (whose
 * o->api_key, when NULL, is the environment's QUARRY_RERANK_API_KEY),
 * else a command.  QUARRY_EINVAL for both at once. */
int quarry_reranker_new(quarry_reranker **out, const quarry_embed_options *o);

/*
 * Scores the documents docs[0..n) (lens[i] bytes each) against query and
 * stores their relevance in scores[0..n).  Returns 0, or a negative code
 * (QUARRY_EHTTP, QUARRY_ETIMEOUT, QUARRY_EJSON, QUARRY_EMODEL...) with a
 * message in quarry_reranker_error().
 */
int quarry_reranker_score(quarry_reranker *r, const char *query, size_t qlen,
    const char *const *docs, const size_t *lens, size_t n, double *scores);

/*
 * Re-orders the first min(n, top) of hits by their relevance to query
 * (ties keep their order), their scores replaced by the reranker's; the
 * rest stay below them, unchanged.  A hit's document is its record's
 * "title" (unless its "text" begins with it) and "text".  Returns as
 * quarry_reranker_score(); hits are unchanged on failure.
 */
int quarry_rerank_hits(quarry_reranker *r, const char *query, size_t qlen,
    quarry_search_hit *hits, size_t n, size_t top);

/* The default number of candidates re-ranked. */
#define QUARRY_RERANK_TOP_DEFAULT 50

const char *quarry_reranker_error(const quarry_reranker *r);

void quarry_reranker_stats(const quarry_reranker *r, quarry_embed_stats *st);

void quarry_reranker_free(quarry_reranker *r);

/* ------------------------------------------------------------- runner */

/*
 * The isolated child runner (src/runner.c): runs tasks -- one extraction
 * each -- in forked children, at most "jobs" at once, kills a child that
 * outlives the time limit, and gives the results back in the order the
 * tasks were submitted.  A task sends what it produced as frames through
 * quarry_task_send(): a type ('R' a record, 'E' an error, 'W' a warning,
 * or any other byte the caller gives a meaning), a line number (0 when
 * none), and bytes.  quarry-pdf and quarry-sync run their extractions
 * here.  The caller must leave SIGCHLD at its default disposition.
 */
typedef struct quarry_runner quarry_runner;
typedef struct quarry_task quarry_task;

/*
 * A task: runs in the child (or in the calling process, see in_process)
 * with the arg given to quarry_runner_submit(); its return value is the
 * child's exit status: 0 success, QUARRY_TASK_NOMEM out of memory, any
 * other failure.
 */
typedef int quarry_task_fn(quarry_task *t, void *arg);

#define QUARRY_TASK_FAILED 1
#define QUARRY_TASK_NOMEM 4

typedef struct quarry_runner_options {
	unsigned jobs;		/* children at once (0: 1; at most 256) */
	double timeout;		/* seconds per task (0: none) */
	/*
	 * Runs each task in the calling process, when quarry_runner_next()
	 * asks for it: no isolation and no copy of the result.  The time
	 * limit is then a watchdog thread that calls expired(arg) from that
	 * thread if the task outlives it (not called when NULL); what to do
	 * then (typically report and _exit()) is the caller's choice.
	 */
	int in_process;
	void (*expired)(void *arg);
	void *arg;
	/*
	 * Pool mode (worker not NULL): "jobs" worker processes are forked
	 * once, by quarry_runner_new() -- create the runner while the
	 * calling process is still small -- and each runs worker(t,
	 * worker_arg, req, len) for one request after another
	 * (quarry_runner_submit_request()).  A worker that crashes or
	 * outlives the time limit is killed and replaced by a new fork.
	 * Workers ignore SIGINT (a terminal's interrupt goes to the caller,
	 * which stops them) and exit when the runner is freed.
	 */
	int (*worker)(quarry_task *t, void *worker_arg, const char *req,
	    size_t len);
	void *worker_arg;
	/*
	 * When stop is not NULL: quarry_runner_next() returns QUARRY_ESTOPPED
	 * as soon as *stop is non-zero, woken by a byte written to stop_fd
	 * (the read end of a pipe whose write end a signal handler writes).
	 */
	const volatile sig_atomic_t *stop;
	int stop_fd;
} quarry_runner_options;

/* One frame a task sent; data is borrowed (see quarry_runner_next()). */
struct quarry_task_frame {
	int type;
	unsigned long line;
	const char *data;
	size_t len;
};

/* How a task ended (quarry_runner_next()). */
typedef struct quarry_task_result {
	void *arg;		/* as submitted */
	int ran;		/* 0: submitted without a function */
	int timed_out;		/* killed at the time limit */
	int signal;		/* the signal that ended the child, or 0 */
	int status;		/* the task's return value, when no signal */
	const struct quarry_task_frame *frames;	/* in the order sent */
	size_t nframes;
} quarry_task_result;

/*
 * Creates a runner with the options o (copied).  Pool mode forks its
 * workers here: QUARRY_EIO when one could not be started
 * (quarry_runner_error() says why).
 */
int quarry_runner_new(quarry_runner **out, const quarry_runner_options *o);

/*
 * Whether the window of submitted tasks whose results have not been taken
 * (twice jobs; one in process) is full: quarry_runner_submit() then
 * returns QUARRY_EBUSY until quarry_runner_next() takes one.
 */
int quarry_runner_full(const quarry_runner *r);

/*
 * Submits fn(t, arg), started at once when fewer than jobs children run.
 * fn may be NULL: nothing runs, and the result comes back in its turn with
 * ran == 0 (for an input that needs no work, kept in order).  Returns 0,
 * QUARRY_EBUSY, QUARRY_ENOMEM or QUARRY_EIO (pipe or fork failed,
 * quarry_runner_error() says which).
 */
int quarry_runner_submit(quarry_runner *r, quarry_task_fn *fn, void *arg);

/*
 * Pool mode: submits the request req[0..len) (copied), sent to the next
 * free worker; arg comes back in the result.  Returns as
 * quarry_runner_submit() (QUARRY_EINVAL when the runner has no pool).
 * In pool mode, quarry_runner_submit() takes only a NULL fn (an input that
 * needs no work), else returns QUARRY_EINVAL.
 */
int quarry_runner_submit_request(quarry_runner *r, void *arg,
    const void *req, size_t len);

/*
 * Waits for the oldest submitted task to end and describes it in *res
 * (the frames stay valid until the next quarry_runner_submit() or
 * quarry_runner_next() call).  Returns 1, 0 when no task is left, or a
 * negative code (QUARRY_ESTOPPED: see the stop option).
 */
int quarry_runner_next(quarry_runner *r, quarry_task_result *res);

/*
 * Whether the task in res failed: killed, crashed, a non-zero status, or
 * an 'E' frame.  When the frames do not say why, writes the reason ("timed
 * out after 60 seconds", "extraction crashed (signal 11: ...)", "out of
 * memory", "extraction failed (status 3)") to msg[0..n); else msg is "".
 * timeout is the limit the runner had, for the message.
 */
int quarry_task_failed(const quarry_task_result *res, double timeout,
    char *msg, size_t n);

/* Returns the message of the last fault on r ("" if none); borrowed. */
const char *quarry_runner_error(const quarry_runner *r);

/* Kills the children still running and releases r. */
void quarry_runner_free(quarry_runner *r);

/*
 * In a task: sends a frame of the given type with line and p[0..len).
 * Returns 0, or QUARRY_EIO when the parent is gone (the task should then
 * return), QUARRY_ENOMEM in process.
 */
int quarry_task_send(quarry_task *t, int type, unsigned long line,
    const void *p, size_t len);
/* Sends a message frame formatted as by printf (at most 1023 bytes). */
int quarry_task_sendf(quarry_task *t, int type, unsigned long line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ------------------------------------------------------------ extract */

/*
 * The extractor table (src/extract.c): the formats quarry reads, each with
 * its own recognition and extraction, as libarchive's format table.
 * quarry-sync picks every file's extractor here; quarry-chunk --text reads
 * text and Markdown through it.
 */

/* The content types the table tells apart. */
enum quarry_doctype {
	QUARRY_DOCTYPE_NONE,		/* not a document quarry reads */
	QUARRY_DOCTYPE_PDF,
	QUARRY_DOCTYPE_HTML,
	QUARRY_DOCTYPE_TEXT,		/* plain text */
	QUARRY_DOCTYPE_MARKDOWN,
	QUARRY_DOCTYPE_DOCX,		/* Office Open XML word processing */
	QUARRY_DOCTYPE_ODT,		/* OpenDocument text */
	QUARRY_DOCTYPE_EPUB,
	QUARRY_DOCTYPE_MAN,		/* manual page (roff), through mandoc */
};

/* How many first bytes of a file quarry_extract_detect() looks at. */
#define QUARRY_SNIFF_BYTES 1024

/*
 * Tells the content type of the file name from its first bytes head[0..n)
 * (up to QUARRY_SNIFF_BYTES of them; head may be NULL and n 0 when they
 * are not known yet) and its extension: every format bids, the highest bid
 * wins.  A PDF header "%PDF-" within the first 1024 bytes (as poppler
 * accepts it), an HTML start ("<!DOCTYPE html", "<html", after white
 * space, comments or a byte order mark) and a DOCX, ODT or EPUB archive
 * (quarry_office_sniff()) win over the extension; then .pdf, .html, .htm,
 * .xhtml, .docx, .odt, .epub, .md, .markdown, .txt, .text; a manual page:
 * a section extension (.1, .3pm, .8) with roff's first bytes (".TH",
 * ".Dd", comments), or any section extension under a "manN" directory; a
 * name without an extension, or with one that is not of program source
 * or data (.c, .py, .json, .xml, ...), whose bytes are UTF-8 text without
 * NUL, mostly printable, and not a script ("#!"), is plain text; anything
 * else is QUARRY_DOCTYPE_NONE.  Compressed files are the caller's: name
 * and head are those of the content (quarry-sync undoes gzip first).
 */
enum quarry_doctype quarry_extract_detect(const char *name, const void *head,
    size_t n);

/* Returns the MIME type of t ("application/pdf", ...), or NULL for NONE. */
const char *quarry_doctype_mime(enum quarry_doctype t);

/* Receives a problem: an error (the document fails) or a warning. */
typedef void quarry_extract_report_fn(void *arg, int error,
    unsigned long line, const char *msg);

typedef struct quarry_extract_options {
	quarry_pdf_options pdf;		/* as quarry_pdf_options_init() */
	quarry_html_options html;	/* as quarry_html_options_init() */
	quarry_office_options office;	/* as quarry_office_options_init() */
	quarry_extract_report_fn *report;	/* NULL: not told */
	void *arg;
} quarry_extract_options;

void quarry_extract_options_init(quarry_extract_options *o);

/*
 * Extracts data[0..len), the content of the file name, as a document of
 * type t into a new record *rec: PDF and HTML through their modules; text
 * and Markdown as {doc, source, mime, title (Markdown: the front matter's
 * title, else the first level-1 heading after it), text}, without a byte order mark, QUARRY_EUTF8 when not UTF-8
 * (the line and byte reported).  Why a document failed, and warnings, go
 * to o->report.  Returns 0 or the format's code.
 */
int quarry_extract(const quarry_extract_options *o, enum quarry_doctype t,
    const char *name, const char *data, size_t len, json_t **rec);

/* --------------------------------------------------------------- sync */

/*
 * Keeping a store in step with directory trees, what quarry-sync does
 * (man/quarry-sync.1): walk the trees, pick an extractor for each file by
 * its content type, and run extract, metadata, chunk, embed and index for
 * the files that are new or changed since they were indexed
 * (quarry_store_stale()), then delete the documents whose files are gone.
 *
 * Every file is extracted in one of "jobs" worker processes, forked when
 * the run starts, with a time limit, so that a file that crashes or hangs
 * the PDF library costs only that file (its worker is killed and forked
 * again).  Everything else happens in the calling process, in the order of
 * the walk, so the store comes out the same whatever the number of jobs.
 * The work is committed in batches (batch_docs documents, batch_bytes
 * bytes of text or batch_seconds seconds, whichever comes first): a run
 * that is killed loses at most the batch in flight, and the next run finds
 * the committed documents unchanged.  The caller must leave SIGCHLD at its
 * default disposition while quarry_sync_run() runs.
 */

/* Why the walk left a path out (quarry_sync_counts.skip[]). */
enum quarry_skip {
	QUARRY_SKIP_HIDDEN,	/* its name starts with '.' */
	QUARRY_SKIP_EXCLUDED,	/* by --exclude, or outside every --include */
	QUARRY_SKIP_IGNORED,	/* by the root's .quarryignore */
	QUARRY_SKIP_SPECIAL,	/* not a regular file (FIFO, socket,
				   device, broken symbolic link) */
	QUARRY_SKIP_UNKNOWN,	/* a type quarry does not read (program
				   source, data, an unknown binary format) */
	QUARRY_SKIP_BINARY,	/* unknown extension, bytes not text */
	QUARRY_SKIP_TOOLARGE,	/* larger than max_size */
	QUARRY_SKIP_OUTSIDE,	/* symbolic link leading outside the roots */
	QUARRY_SKIP_DUPLICATE,	/* another path to a file already met */
	QUARRY_SKIP_ALIAS,	/* manual page that only sources another
				   (".so man1/other.1") */
	QUARRY_SKIP_NOMANDOC,	/* manual page, and mandoc is not installed */
	QUARRY_SKIP_N
};

/* The reason's name as the summary shows it ("hidden", "binary", ...). */
const char *quarry_skip_reason(enum quarry_skip why);

/* The default write batch (quarry_sync_options). */
#define QUARRY_SYNC_BATCH_DOCS 100
#define QUARRY_SYNC_BATCH_BYTES (4u << 20)
#define QUARRY_SYNC_BATCH_SECONDS 30.0

/* What a run did, by file (quarry_sync_get_counts()). */
typedef struct quarry_sync_counts {
	uint64_t files;		/* documents met in the walk */
	uint64_t added;		/* new to the store */
	uint64_t changed;	/* stored again with new content */
	uint64_t unchanged;	/* not stale, or stale with the same content */
	uint64_t deleted;	/* documents whose files are gone */
	uint64_t failed;	/* reported and skipped */
	uint64_t skipped;	/* paths left out, the sum of skip[] */
	uint64_t skip[QUARRY_SKIP_N];	/* paths left out, by reason (a
				   directory left out counts once) */
	uint64_t chunks;	/* chunk records of the added and changed */
	uint64_t embedded;	/* of them, texts sent to the embedder */
	uint64_t reused;	/* of them, vectors found in the store */
	uint64_t empty;		/* files without text: warned, not indexed,
				   not failed */
	uint64_t contents;	/* contents and index pages left out (not
				   keep_contents), not indexed */
	uint64_t batches;	/* write batches committed */
} quarry_sync_counts;

/*
 * Receives a problem with one file: path, the line in it when known (else
 * 0), whether it is only a warning (1: the file is still indexed, or has
 * no text) or a note (QUARRY_SYNC_NOTE: no problem, what a verbose run
 * shows, such as an unchanged file remembered without text), and a message
 * (borrowed for the call).
 */
#define QUARRY_SYNC_NOTE 2
typedef void quarry_sync_report_fn(void *arg, const char *path,
    unsigned long line, int warning, const char *msg);

/* Receives a path the walk leaves out, and why. */
typedef void quarry_sync_skip_fn(void *arg, const char *path,
    enum quarry_skip why);

/* Called after each file with the counts so far and the file's path. */
typedef void quarry_sync_progress_fn(void *arg,
    const quarry_sync_counts *c, const char *path);

#define QUARRY_SYNC_MAX_SIZE_DEFAULT ((size_t)512 << 20)

/* Called after each committed write batch with the counts so far. */
typedef void quarry_sync_commit_fn(void *arg, const quarry_sync_counts *c);

typedef struct quarry_sync_options {
	unsigned jobs;		/* extraction children at once (1) */
	double timeout;		/* seconds per file's extraction (60; 0: none) */
	int force;		/* extract every file, stale or not */
	int keep;		/* do not delete documents whose files are gone */
	int outside_links;	/* follow symbolic links to files outside
				   the roots (0: skip them, with a warning) */
	const char *const *include;	/* globs (quarry-sync(1)): only
					   files matching one are taken */
	size_t ninclude;
	const char *const *exclude;	/* globs: files and directories
					   matching one are left out */
	size_t nexclude;
	int no_ignore;		/* do not read the roots' .quarryignore */
	size_t max_size;	/* largest file, after gzip is undone
				   (QUARRY_SYNC_MAX_SIZE_DEFAULT) */
	size_t embed_batch;	/* texts per call of the embedder (256) */
	int no_context;		/* embed chunk texts alone (quarry_vectors) */
	/*
	 * The store records the settings it was built with (chunk size,
	 * unit, overlap, min, tokenizer, context, PDF pages, HTML body;
	 * the model and dimensions are its own): a run with others stops
	 * with QUARRY_ESETTINGS before changing anything, unless rebuild,
	 * which extracts and chunks every file again with the new ones
	 * (vectors of unchanged texts come from the cache) and records them
	 * once the whole walk went through.  A rebuild cut short goes on at
	 * the next run with the same settings.  Another model than the
	 * store's is QUARRY_EMODEL, rebuild or not.
	 */
	int rebuild;
	const char *tokenizer_name;	/* recorded with unit tokens (NULL:
					   "estimate" without a tokenizer,
					   else "custom") */
	size_t batch_docs;	/* commit after this many documents
				   (QUARRY_SYNC_BATCH_DOCS; 0: no limit) */
	size_t batch_bytes;	/* or this many bytes of extracted text
				   (QUARRY_SYNC_BATCH_BYTES; 0: no limit) */
	double batch_seconds;	/* or this long after the batch's first
				   document (QUARRY_SYNC_BATCH_SECONDS;
				   0: no limit) */
	quarry_chunk_options chunk;	/* as quarry_chunk_options_init() */
	quarry_pdf_options pdf;		/* as quarry_pdf_options_init() */
	quarry_html_options html;	/* as quarry_html_options_init() */
	quarry_meta *meta;	/* borrowed; NULL: normalisation only */
	quarry_embedder *embedder;	/* borrowed; required */
	quarry_sync_report_fn *report;	/* NULL: problems are only counted */
	quarry_sync_skip_fn *skip;	/* NULL: paths left out are only
					   counted */
	quarry_sync_progress_fn *progress;	/* NULL: none */
	quarry_sync_commit_fn *committed;	/* NULL: none */
	void *arg;		/* passed to report, progress and committed */
} quarry_sync_options;

/* Fills o with the defaults above (no embedder, no callbacks). */
void quarry_sync_options_init(quarry_sync_options *o);

typedef struct quarry_sync quarry_sync;

/*
 * Creates a sync of the store st (opened for writing, borrowed: it must
 * outlive s) with the options o, which are copied (the handles and
 * strings they point to are borrowed).  Returns QUARRY_EINVAL for
 * inconsistent options, with a message in quarry_sync_error().
 */
int quarry_sync_new(quarry_sync **out, quarry_store *st,
    const quarry_sync_options *o);

/*
 * Brings the store up to date with the files under roots[0..n) (each a
 * directory, walked recursively in byte order of names, skipping names
 * that start with '.' and not following symbolic links to directories,
 * nor, unless o->outside_links, those whose target resolves outside every
 * root; or a single file).  A file reached by several paths (hard links,
 * links inside the tree) is indexed once: under the path it is stored
 * under, else its first path without a symbolic link, else its first.  A document's "doc" and "source" are the path as
 * walked: the root as given, '/', the path below it.  A file that fails
 * is reported and counted, and the run goes on.  Documents whose
 * "source" lies under one of the roots and whose file no longer exists
 * (or is a directory now, or a path the walk leaves out) are deleted
 * (unless o->keep), except under a root that could not be read; so is the
 * document of a changed file that has no text left.  Everything is committed before returning.  Returns 0 when the
 * run completed (even with failed files), or a negative code when it had
 * to stop (the store cannot be written, the embedder failed as a whole,
 * its model is not the store's): quarry_sync_error() says why, and the
 * documents finished so far are committed.
 */
int quarry_sync_run(quarry_sync *s, char *const *roots, size_t n);

/*
 * Asks a running quarry_sync_run() to stop: the documents already
 * extracted are finished and committed, the workers are killed, no
 * document is deleted for a file gone, and it returns QUARRY_ESTOPPED.
 * Async-signal-safe: meant for a SIGINT or SIGTERM handler.  A later run
 * on s returns QUARRY_ESTOPPED at once.
 */
void quarry_sync_stop(quarry_sync *s);

void quarry_sync_get_counts(const quarry_sync *s, quarry_sync_counts *c);

/* Returns the message of the last fault on s ("" if none); borrowed. */
const char *quarry_sync_error(const quarry_sync *s);

void quarry_sync_free(quarry_sync *s);

#ifdef __cplusplus
}
#endif

#endif /* QUARRY_H */
