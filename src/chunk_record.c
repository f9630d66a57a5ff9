/*
 * chunk_record.c: the chunk-record builder, the one place where a document
 * becomes chunk records (man/quarry.7, "Chunk records").
 *
 * quarry-chunk and quarry-sync both build their chunk records here, so the
 * pipeline and quarry-sync give the store the same ids, texts, pages and
 * headings.  The table of chunk-level fields -- the fields that belong to a
 * chunk rather than to its document -- is here too, for the store as well.
 *
 * Records are written as JSON text straight into a buffer rather than
 * built as jansson objects: quarry-chunk's throughput is mostly the cost of
 * writing its records, and printf is a good part of that, so numbers are
 * formatted by hand.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "error_private.h"
#include "quarry.h"
#include "chunk_private.h"
#include "thread_private.h"

/*
 * The fields of a chunk record that are set for each chunk (or, for
 * "embedding" and "model", by quarry-embed, and for "score" by
 * quarry-search) and so never copied from a document to its chunks nor
 * stored as the document's metadata.
 */
static const char *const chunk_fields[] = {
	"id", "chunk", "chunk_count", "text", "offset", "length", "page",
	"page_end", "headings", "tokens", "hash", "embed_hash", "embedding",
	"model", "score", "section",
};

int
chunk_field(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(chunk_fields) / sizeof(chunk_fields[0]); i++)
		if (strcmp(key, chunk_fields[i]) == 0)
			return 1;
	return 0;
}

/* The decimal digits of v, ending at end, two at a time; returns where
 * they start. */
static inline char *
digits(char *end, size_t v)
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324"
	    "25262728293031323334353637383940414243444546474849"
	    "50515253545556575859606162636465666768697071727374"
	    "75767778798081828384858687888990919293949596979899";

	while (v >= 100) {
		size_t r = v % 100;

		v /= 100;
		end -= 2;
		memcpy(end, pairs + 2 * r, 2);
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, pairs + 2 * v, 2);
	} else
		*--end = (char)('0' + v);
	return end;
}

/*
 * The pieces of a record, written where the room is known to be there
 * (reserved for a run of them): o is where to write, and the end of what
 * was written is returned.  A record is made of some twenty pieces of 1
 * to 32 bytes (a key and a number, say): copied inline, as two copies of
 * a fixed size that overlap, rather than by a call to memcpy() each.
 */
static inline char *
cpy(char *o, const void *p, size_t n)
{
	const char *q = p;

	if (n >= 16 && n <= 32) {
		memcpy(o, q, 16);
		memcpy(o + n - 16, q + n - 16, 16);
	} else if (n >= 8 && n < 16) {
		memcpy(o, q, 8);
		memcpy(o + n - 8, q + n - 8, 8);
	} else if (n >= 4 && n < 8) {
		memcpy(o, q, 4);
		memcpy(o + n - 4, q + n - 4, 4);
	} else if (n < 4) {
		/* 1 to 3 bytes: the first, the middle and the last (a loop
		 * of byte copies is made a call to memcpy() by the
		 * compiler). */
		if (n > 0) {
			o[0] = q[0];
			o[n / 2] = q[n / 2];
			o[n - 1] = q[n - 1];
		}
	} else
		memcpy(o, q, n);
	return o + n;
}

/* Writes pre (,"key":, at most 32 bytes) and v, by hand: printf was a
 * good part of the time. */
static inline char *
num_at(char *o, const char *pre, size_t plen, size_t v)
{
	char tmp[24], *p = digits(tmp + sizeof(tmp), v);

	o = cpy(o, pre, plen);
	return cpy(o, p, (size_t)(tmp + sizeof(tmp) - p));
}

#define LIT_AT(o, s) cpy((o), "" s, sizeof(s) - 1)
#define NUMBER_AT(o, key, v) \
	num_at((o), ",\"" key "\":", sizeof(",\"" key "\":") - 1, (v))

/* The document's own fields, as the inside of a JSON object. */
static int
put_prefix(struct quarry_buf *p, const quarry_chunk_doc *d)
{
	const char *key;
	json_t *val;

	if (d->rec == NULL)
		return QUARRY_BUF_LIT(p, "\"doc\":") != 0 ||
		    quarry_buf_json_string(p, d->doc, d->doclen) != 0 ||
		    QUARRY_BUF_LIT(p, ",\"source\":") != 0 ||
		    quarry_buf_json_string(p, d->doc, d->doclen) != 0 ?
		    QUARRY_ENOMEM : 0;
	json_object_foreach((json_t *)d->rec, key, val) {
		if (chunk_field(key))
			continue;
		if ((p->len > 0 && QUARRY_BUF_LIT(p, ",") != 0) ||
		    quarry_buf_json_string(p, key, strlen(key)) != 0 ||
		    QUARRY_BUF_LIT(p, ":") != 0 || quarry_buf_json(p, val) != 0)
			return QUARRY_ENOMEM;
	}
	return 0;
}

/* Appends open (,"key":[, n bytes) and the titles of path, then ]. */
static inline int
put_path(struct quarry_buf *b, const char *open, size_t n, const char *text,
    quarry_heading_path path)
{
	size_t h;

	if (quarry_buf_append(b, open, n) != 0)
		return QUARRY_ENOMEM;
	for (h = 0; h < path.n; h++)
		if ((h > 0 && QUARRY_BUF_LIT(b, ",") != 0) ||
		    quarry_buf_json_string(b, text + path.titles[h].start,
		    path.titles[h].end - path.titles[h].start) != 0)
			return QUARRY_ENOMEM;
	return QUARRY_BUF_LIT(b, "]") != 0 ? QUARRY_ENOMEM : 0;
}

#define PUT_PATH(b, lit, text, path) \
	put_path((b), "" lit, sizeof(lit) - 1, (text), (path))

/* Whether two heading paths have the same titles. */
static int
same_path(const char *text, quarry_heading_path a, quarry_heading_path b)
{
	size_t h;

	if (a.n != b.n)
		return 0;
	for (h = 0; h < a.n; h++)
		if (a.titles[h].end - a.titles[h].start !=
		    b.titles[h].end - b.titles[h].start ||
		    memcmp(text + a.titles[h].start, text + b.titles[h].start,
		    a.titles[h].end - a.titles[h].start) != 0)
			return 0;
	return 1;
}

/* The page numbering base: an extract of pages 5 to 9 numbers from 5. */
static size_t
page_base(const json_t *rec)
{
	json_t *fp = rec != NULL ? json_object_get(rec, "first_page") : NULL;

	if (json_is_integer(fp) && json_integer_value(fp) > 1 &&
	    json_integer_value(fp) < 1000000000)
		return (size_t)json_integer_value(fp) - 1;
	return 0;
}

/* What put_records() needs besides the chunks' range. */
struct recs {
	quarry_chunker *c;
	const quarry_chunk_doc *d;
	const struct chunk_part *parts;	/* its chunks (chunker_run_parts()) */
	size_t n;			/* chunks in the document */
	const struct quarry_buf *prefix;	/* put_prefix() */
	/* The document's id as a JSON string, less its closing quote: the
	 * chunks' ids follow with '#' and their number ('#' and digits are
	 * never escaped). */
	const struct quarry_buf *id;
	size_t base, pbase;
};

/* Chunk i of x, with the document's pages. */
static inline quarry_chunk
chunk_at(const struct recs *x, size_t i)
{
	const struct chunk_part *p = x->parts;
	quarry_chunk k;

	while (i >= p->n) {
		i -= p->n;
		p++;
	}
	k = p->ch[i];
	k.page += p->page_add;
	k.page_end += p->page_add;
	return k;
}

/*
 * Appends the records of chunks [from, to) to b, calling flush as
 * quarry_chunk_records() does; *cur walks the reader's escapes
 * (reader_put_text_at()).  Returns 0, QUARRY_ENOMEM or flush's code.
 */
static int
put_records(const struct recs *x, size_t from, size_t to,
    struct quarry_buf *b, size_t *cur, quarry_chunk_flush_fn *flush,
    void *arg)
{
	const quarry_chunk_doc *d = x->d;
	const struct quarry_buf *id = x->id;
	char count[48], *ce = count + sizeof(count);
	size_t i, clen;
	int rc;

	/* The same for every record: ',"chunk_count":N,"text":'. */
	ce = cpy(ce - 8, ",\"text\":", 8) - 8;
	ce = digits(ce, x->n);
	ce = cpy(ce - 15, ",\"chunk_count\":", 15) - 15;
	clen = (size_t)(count + sizeof(count) - ce);
	for (i = from; i < to; i++) {
		char num[24], hex[33], *k = digits(num + sizeof(num), i), *o;
		size_t klen = (size_t)(num + sizeof(num) - k);
		quarry_heading_path hp, sp;
		const quarry_chunk ci = chunk_at(x, i);

		quarry_hash_hex(d->text + ci.offset, ci.length, hex);
		hp = quarry_chunker_headings(x->c, ci.heading);
		/* The pieces before the text, in room reserved for them. */
		if (quarry_buf_reserve(b, x->prefix->len + id->len + 160) != 0)
			return QUARRY_ENOMEM;
		o = b->data + b->len;
		o = LIT_AT(o, "{");
		o = cpy(o, x->prefix->data, x->prefix->len);
		if (x->prefix->len > 0)
			o = LIT_AT(o, ",");
		o = LIT_AT(o, "\"id\":");
		o = cpy(o, id->data, id->len);
		o = LIT_AT(o, "#");
		o = cpy(o, k, klen);
		o = LIT_AT(o, "\",\"chunk\":");
		o = cpy(o, k, klen);
		o = cpy(o, ce, clen);
		b->len = (size_t)(o - b->data);
		if ((d->reader != NULL ? reader_put_text_at(d->reader, b,
		    x->base + ci.offset, ci.length, cur) :
		    quarry_buf_json_string(b, d->text + ci.offset,
		    ci.length)) != 0 ||
		    quarry_buf_reserve(b, 160) != 0)
			return QUARRY_ENOMEM;
		o = b->data + b->len;
		o = NUMBER_AT(o, "offset", x->base + ci.offset);
		o = NUMBER_AT(o, "length", ci.length);
		o = NUMBER_AT(o, "page", x->pbase + ci.page);
		o = NUMBER_AT(o, "page_end", x->pbase + ci.page_end);
		if (hp.n == 0)
			o = LIT_AT(o, ",\"headings\":[]");
		b->len = (size_t)(o - b->data);
		b->data[b->len] = '\0';
		if (hp.n > 0 && PUT_PATH(b, ",\"headings\":[", d->text, hp) != 0)
			return QUARRY_ENOMEM;
		/* Where most of the chunk lies, when another section. */
		if (ci.section != ci.heading) {
			sp = quarry_chunker_headings(x->c, ci.section);
			if (!same_path(d->text, hp, sp) && PUT_PATH(b,
			    ",\"section\":[", d->text, sp) != 0)
				return QUARRY_ENOMEM;
		}
		if (quarry_buf_reserve(b, 128) != 0)
			return QUARRY_ENOMEM;
		o = b->data + b->len;
		o = NUMBER_AT(o, "tokens", ci.size);
		o = LIT_AT(o, ",\"hash\":\"");
		o = cpy(o, hex, 32);
		o = LIT_AT(o, "\"}\n");
		b->len = (size_t)(o - b->data);
		b->data[b->len] = '\0';
		if (flush != NULL && b->len >= QUARRY_CHUNK_FLUSH &&
		    (rc = flush(arg, b)) != 0)
			return rc;
	}
	return 0;
}

/*
 * With two threads, a large document's records are written in blocks of
 * chunks (about BLOCK_TEXT bytes of text each), into a ring of PAR_SLOTS
 * buffers: each thread takes the next block whose buffer is free, and the
 * caller's thread empties (flushes) them in order, between blocks of its
 * own.  A block is taken by whichever thread is free, so neither waits for
 * the other (with blocks dealt alternately, one of them waited for the
 * other a third of the time).  Memory stays PAR_SLOTS blocks' worth, used
 * again and again: here a page new to the process costs 3.5 us to fault
 * in, and a ring of 4 buffers of 64 kB of text each took 300 faults fewer
 * than one of 8 of 128 kB on the 20 MB spaced text (1 ms of 42 of CPU).
 */
#define BLOCK_TEXT ((size_t)64 << 10)
#define PAR_SLOTS 4

/* Documents of this size and more have their records written by two
 * threads (quarry_chunker_set_threads()). */
#define SPLIT_MIN ((size_t)1 << 20)

struct par {
	const struct recs *x;
	size_t blk;			/* chunks per block */
	size_t nblk;			/* blocks */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct quarry_buf buf[PAR_SLOTS];	/* block j goes to
						 * buf[j % PAR_SLOTS] */
	unsigned char done[PAR_SLOTS];	/* its block is written there */
	size_t taken;			/* blocks handed out */
	size_t written;			/* blocks emptied, in order */
	int stop;			/* a thread failed, or the caller's
					 * thread gave up */
	int rc;
	/* The document's release, when the text before a block may go
	 * once the blocks before it are out (no headings).  With rel_any
	 * (chunker_set_release_any()), asked for up to block rel_to and
	 * done up to rel_done by either thread, one at a time; else by the
	 * caller's thread after each flush. */
	void (*release)(void *arg, const char *upto);
	int rel_any;
	size_t rel_to, rel_done;
	int releasing;
};

/* Tells the caller that blocks before block j are out: the text before
 * that block's first chunk is read no more (chunks start in order, the
 * overlap of one with the next included), nor any after the last. */
static void
release_upto(const struct par *o, size_t j)
{
	const struct recs *x = o->x;
	size_t i = j * o->blk;

	o->release(x->d->release_arg, x->d->text + (i < x->n ?
	    chunk_at(x, i).offset : x->d->len));
}

/*
 * With o->mu held: with rel_any, lets go of the text asked for (rel_to),
 * o->mu let go meanwhile, unless another thread is at it; returns whether
 * it did.  The second thread does it after each block it writes, the
 * caller's only when it has nothing else to do (chunker_set_release_any()
 * says why).
 */
static int
par_release(struct par *o)
{
	size_t j = o->rel_to;

	if (!o->rel_any || o->releasing || o->rel_done >= j)
		return 0;
	o->releasing = 1;
	pthread_mutex_unlock(&o->mu);
	release_upto(o, j);
	pthread_mutex_lock(&o->mu);
	o->rel_done = j;
	o->releasing = 0;
	pthread_cond_broadcast(&o->cv);
	return 1;
}

/* With o->mu held: the next block for a thread, or (size_t)-1 when there
 * is none to take now. */
static size_t
par_take(struct par *o)
{
	if (o->stop || o->taken >= o->nblk ||
	    o->taken >= o->written + PAR_SLOTS)
		return (size_t)-1;
	return o->taken++;
}

/* Writes the records of block j into its buffer, o->mu let go meanwhile;
 * *cur is the thread's own walk of the reader's escapes. */
static void
par_put(struct par *o, size_t j, size_t *cur)
{
	const struct recs *x = o->x;
	struct quarry_buf *b = &o->buf[j % PAR_SLOTS];
	size_t from = j * o->blk, to = from + o->blk < x->n ? from + o->blk :
	    x->n;
	struct quarry_buf w = *b;
	int rc;

	/* Written in w, not in o: the slots share cache lines, and each
	 * thread's writes of its b->len took them from the other. */
	pthread_mutex_unlock(&o->mu);
	w.len = 0;
	rc = put_records(x, from, to, &w, cur, NULL, NULL);
	pthread_mutex_lock(&o->mu);
	*b = w;
	o->done[j % PAR_SLOTS] = 1;
	if (rc != 0) {
		o->rc = rc;
		o->stop = 1;
	}
	pthread_cond_broadcast(&o->cv);
}

/* The second thread: takes blocks until there are none. */
static void *
par_main(void *arg)
{
	struct par *o = arg;
	size_t cur = 0, j;

	pthread_mutex_lock(&o->mu);
	for (;;) {
		while ((j = par_take(o)) == (size_t)-1 && !o->stop &&
		    o->taken < o->nblk)
			if (!par_release(o))
				pthread_cond_wait(&o->cv, &o->mu);
		if (j == (size_t)-1)
			break;
		par_put(o, j, &cur);
		(void)par_release(o);
	}
	pthread_mutex_unlock(&o->mu);
	return NULL;
}

/*
 * The caller's side: empties the buffers in order (after what out holds,
 * through flush, or into out when flush is NULL); else writes a block;
 * else waits for the second thread.
 */
static int
par_caller(struct par *o, struct quarry_buf *out,
    quarry_chunk_flush_fn *flush, void *arg)
{
	size_t cur = 0, j;
	int rc = 0;

	pthread_mutex_lock(&o->mu);
	while (rc == 0 && o->rc == 0 && o->written < o->nblk) {
		struct quarry_buf *b = &o->buf[o->written % PAR_SLOTS];

		if (o->written < o->taken && o->done[o->written % PAR_SLOTS]) {
			pthread_mutex_unlock(&o->mu);
			if (flush == NULL)
				rc = quarry_buf_append(out, b->data, b->len) != 0 ?
				    QUARRY_ENOMEM : 0;
			else if ((out->len == 0 || (rc = flush(arg, out)) == 0) &&
			    b->len > 0)
				rc = flush(arg, b);
			if (rc == 0 && o->release != NULL && !o->rel_any)
				release_upto(o, o->written + 1);
			pthread_mutex_lock(&o->mu);
			o->done[o->written % PAR_SLOTS] = 0;
			o->written++;
			if (rc == 0 && o->release != NULL && o->rel_any)
				o->rel_to = o->written;
			pthread_cond_broadcast(&o->cv);
		} else if ((j = par_take(o)) != (size_t)-1)
			par_put(o, j, &cur);
		else if (!par_release(o))
			pthread_cond_wait(&o->cv, &o->mu);
	}
	/* What is left to let go of, once the other thread is not. */
	while (o->releasing)
		pthread_cond_wait(&o->cv, &o->mu);
	if (rc == 0 && o->rc == 0)
		(void)par_release(o);
	if (rc == 0)
		rc = o->rc;
	o->stop = 1;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
	return rc;
}

/* Appends the records of all x's chunks to out, with two threads for a
 * large document when the chunker may use them. */
static int
put_all(const struct recs *x, struct quarry_buf *out,
    quarry_chunk_flush_fn *flush, void *arg)
{
	struct par o;
	pthread_t t;
	size_t cur = 0, i;
	int rc;

	memset(&o, 0, sizeof(o));
	o.x = x;
	o.blk = x->d->len >= SPLIT_MIN ? x->n / (x->d->len / BLOCK_TEXT) : 0;
	if (o.blk == 0)
		o.blk = 1;
	o.nblk = (x->n + o.blk - 1) / o.blk;
	if (chunker_threads(x->c) < 2 || x->d->len < SPLIT_MIN ||
	    o.nblk < 2)
		return put_records(x, 0, x->n, out, &cur, flush, arg);
	if (pthread_mutex_init(&o.mu, NULL) != 0)
		return put_records(x, 0, x->n, out, &cur, flush, arg);
	if (pthread_cond_init(&o.cv, NULL) != 0) {
		pthread_mutex_destroy(&o.mu);
		return put_records(x, 0, x->n, out, &cur, flush, arg);
	}
	if (flush != NULL && !chunker_has_headings(x->c))
		o.release = x->d->release;
	o.rel_any = chunker_release_any(x->c);
	if (thread_start(&t, par_main, &o) != 0)
		rc = put_records(x, 0, x->n, out, &cur, flush, arg);
	else {
		rc = par_caller(&o, out, flush, arg);
		pthread_join(t, NULL);
	}
	for (i = 0; i < PAR_SLOTS; i++)
		quarry_buf_free(&o.buf[i]);
	pthread_cond_destroy(&o.cv);
	pthread_mutex_destroy(&o.mu);
	return rc;
}

int
quarry_chunk_records(quarry_chunker *c, const quarry_chunk_doc *d,
    struct quarry_buf *out, size_t *nchunks, quarry_chunk_flush_fn *flush,
    void *arg)
{
	struct quarry_buf *prefix, *id;
	struct recs x;
	struct chunk_part parts[CHUNK_PARTS];
	size_t n, np, pbase = page_base(d->rec);
	int rc;

	quarry_chunk_doc fd = *d;
	json_t *fm = NULL;
	const char *mime = d->rec != NULL ?
	    quarry_record_string(d->rec, "mime", NULL) : NULL;
	size_t base = 0;

	if (nchunks != NULL)
		*nchunks = 0;
	qerr_clear(chunker_err(c));
	/* text/plain has no headings; text/markdown may open with front
	 * matter, read into the fields and left out of the chunks, whose
	 * offsets still count from the start of the text. */
	quarry_chunker_set_plain(c, mime != NULL &&
	    strcmp(mime, "text/plain") == 0);
	if (mime != NULL && strcmp(mime, "text/markdown") == 0 &&
	    d->len > 3 && d->text[0] == '-') {
		if ((fm = json_copy((json_t *)d->rec)) == NULL)
			return qerr_ret(chunker_err(c), QUARRY_ENOMEM);
		if (quarry_frontmatter_read(d->text, d->len, fm, &base, d->warn,
		    d->warn_arg, NULL, d->lang) == QUARRY_ENOMEM) {
			json_decref(fm);
			return qerr_ret(chunker_err(c), QUARRY_ENOMEM);
		}
		fd.rec = fm;
		fd.text += base;
		fd.len -= base;
		d = &fd;
	}
	if ((rc = chunker_run_parts(c, d->text, d->len, d->lang, parts, &np,
	    &n)) != 0) {
		json_decref(fm);
		return rc;
	}
	prefix = chunker_recbuf(c, 0);
	id = chunker_recbuf(c, 1);
	if ((rc = put_prefix(prefix, d)) != 0)
		goto out;
	if (quarry_buf_json_string(id, d->doc, d->doclen) != 0) {
		rc = QUARRY_ENOMEM;
		goto out;
	}
	quarry_buf_truncate(id, id->len - 1);
	x.c = c;
	x.d = d;
	x.parts = parts;
	x.n = n;
	x.prefix = prefix;
	x.id = id;
	x.base = base;
	x.pbase = pbase;
	if ((rc = put_all(&x, out, flush, arg)) != 0)
		goto out;
	if (nchunks != NULL)
		*nchunks = n;
out:
	json_decref(fm);
	return qerr_ret(chunker_err(c), rc);
}
