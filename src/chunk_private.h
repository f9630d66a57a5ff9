/*
 * chunk_private.h: what the chunk-record builder (src/chunk_record.c)
 * shares with the rest of libquarry and not with its users.
 */
#ifndef QUARRY_CHUNK_PRIVATE_H
#define QUARRY_CHUNK_PRIVATE_H

#include "quarry.h"

/*
 * Whether key names a chunk-level field (id, chunk, chunk_count, text,
 * offset, length,
 * page, page_end, headings, tokens, hash, embed_hash, embedding, model,
 * score): one that is never copied from a document to its chunks nor kept
 * as the document's metadata in the store.
 */
int chunk_field(const char *key);

struct qerr;
struct quarry_chunker;

/* The chunker's last error, for quarry_chunk_records() to record its own
 * failures where quarry_chunker_error() finds them. */
struct qerr *chunker_err(struct quarry_chunker *c);

/*
 * quarry_reader_put_text() with the position of its walk over the text's
 * escapes in *cur (start at 0) rather than in the reader: so two threads
 * can write chunks of one taken text at once.
 */
struct quarry_reader;
struct quarry_buf;
int reader_put_text_at(const struct quarry_reader *r, struct quarry_buf *b,
    size_t off, size_t len, size_t *cur);

/* A buffer of the chunker's for quarry_chunk_records() (i 0 or 1),
 * empty, kept from document to document rather than allocated for each
 * (three reallocations a document of 5 kB). */
struct quarry_buf *chunker_recbuf(struct quarry_chunker *c, int i);

/*
 * With any set, quarry_chunk_records() with two threads may call the
 * document's release (quarry_chunk_doc) from its second thread, at the
 * same time as flush (which the caller's thread calls), rather than from
 * the caller's thread between flushes: for a caller whose two callbacks
 * share nothing (quarry-chunk: write(2) and munmap(2)).  Released by the
 * caller's thread as it emptied the buffers, the text (4 MB at a time,
 * 0.3 ms each) held up the other thread, which filled the ring of buffers
 * meanwhile and waited (1 to 2 ms of a run on 20 MB of text).
 */
void chunker_set_release_any(struct quarry_chunker *c, int any);
int chunker_release_any(const struct quarry_chunker *c);

/* The threads quarry_chunker_set_threads() allows (1 at least). */
int chunker_threads(const struct quarry_chunker *c);

/* Whether the last run's chunks have headings, which point into its text
 * wherever they were. */
int chunker_has_headings(const struct quarry_chunker *c);

/*
 * A part of a run's chunks, where the chunker that made them keeps them:
 * with two threads, the chunker's own, then those it took from each of
 * the twins it met in turn, whose pages count from the twin's start (add
 * page_add).  chunker_run_parts() is quarry_chunker_run() without the copy
 * of all the chunks into one array, which came after both threads were
 * done (its pages new to the process, 0.6 ms for 20 MB of text); the parts
 * hold until the next run.
 */
struct chunk_part {
	const quarry_chunk *ch;
	size_t n;
	unsigned page_add;
};
#define CHUNK_PARTS 17		/* the chunker's and its twins' at most */
int chunker_run_parts(struct quarry_chunker *c, const char *text, size_t len,
    const char *lang, struct chunk_part *parts, size_t *nparts, size_t *n);

/* Whether the chunker's last run took the chunks of the second half from
 * its twin thread (quarry_chunker_set_threads()); for the tests. */
int chunker_spec_taken(const struct quarry_chunker *c);

/* How many twins the last run set up (the first one's, and those the
 * second thread took over as it was done with one), and the least part of
 * a text it takes over (256 kB; smaller for the tests). */
size_t chunker_spec_twins(const struct quarry_chunker *c);
/* ... of which started on a line of a code block. */
size_t chunker_spec_code_twins(const struct quarry_chunker *c);
void chunker_set_split_min(struct quarry_chunker *c, size_t n);

/* The atoms the chunker has room for: its largest window of atoms so far;
 * for the tests of its memory bound. */
size_t chunker_atoms_cap(const struct quarry_chunker *c);

/* Whether a long block or sentence is packed as it is cut (the default),
 * for the tests that compare the chunks with those of packing after it. */
void chunker_set_early_pack(struct quarry_chunker *c, int on);

#endif
