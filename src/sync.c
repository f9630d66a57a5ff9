/*
 * sync.c: keeping a store in step with directory trees (quarry-sync).
 *
 * The run has three phases.  First a pool of "jobs" extraction workers is
 * forked (src/runner.c), while this process is still small: a fork costs
 * in proportion to the parent's memory.  The walk lists the documents
 * under the roots (sorted, so the order never depends on the file system).
 * The main loop goes through them in that order: a file that
 * quarry_store_stale() calls fresh is counted unchanged; any other is
 * fingerprinted and its path sent to a worker, which reads and extracts it
 * (PDF, HTML, text, office) and sends its document record back; a window
 * of 2 x jobs files is in flight, and a worker that outlives the time
 * limit or crashes is killed and forked again.  The records come back in
 * walk order and go through metadata normalisation, chunking and embedding
 * (vectors found in the store's cache are reused; the rest are embedded in
 * batches across documents) into quarry_store_put(), one writer, and are
 * committed in batches (documents, bytes of text, seconds), so that a kill
 * loses at most the batch in flight and a second run goes on from there.
 * quarry_sync_stop() (from a signal handler) ends the loop after the
 * documents already extracted.  Last, once the whole walk went through,
 * the documents under the roots whose files are gone are deleted and
 * everything is committed.  The record format is man/quarry.7; the
 * options and messages are in man/quarry-sync.1.
 */
#include "config.h"

#include <dirent.h>
#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock_private.h"
#include "error_private.h"
#include "quarry.h"
#include "walk_private.h"

/* Documents waiting for their vectors before a batch is embedded anyway. */
#define PENDING_DOCS 64

/* Files between two release_memory() calls when no batch commits. */
#define RELEASE_FILES 256

/* One file of the walk, on its way through the main loop. */
struct job {
	quarry_sync *s;
	const char *path;	/* borrowed from the walk's list */
	enum quarry_doctype type;
	int fresh;		/* not stale: nothing to do */
	int notext;		/* the store remembers it without text
				   (QUARRY_NOTEXT_*) */
	int failed;		/* failed before extraction (reported) */
	int gz;			/* read through zlib */
	quarry_fingerprint fp;
};

/* A document chunked and waiting for its vectors. */
struct pdoc {
	char *path;
	char *doc;		/* path as "doc" carries it (escaped) */
	json_t **recs;
	size_t n;
	float *vecs;		/* n x dims: "embedding" is set at the put */
	size_t dims;
	quarry_fingerprint fp;
	int failed;
	size_t bad;		/* the first chunk that failed */
	char *why;		/* and why */
};

struct quarry_sync {
	quarry_store *st;
	quarry_sync_options o;
	quarry_extract_options eo;	/* the extractors' options */
	quarry_chunker *chunker;	/* used in the workers */
	quarry_meta *own_meta;	/* when the caller gave none */
	quarry_sync_counts c;
	struct qerr err;

	/* The walk (src/walk.c). */
	struct walk w;
	const char *const *roots;
	size_t nroots;
	json_t *existing;	/* doc -> source of stored docs under the roots */
	json_t *notext;		/* source -> true: files under the roots
				   remembered without text */

	/* Documents waiting for vectors. */
	struct pdoc *pending;
	size_t npending, cappending;
	quarry_vectors *vectors;
	char *model;		/* the vectors' model */

	/* The write batch: what is queued in the store since its commit. */
	size_t bdocs, bbytes;
	size_t since_release;	/* files gone through since the last
				   release_memory() */
	double bstart;		/* when its first document came */

	char *settings;		/* this run's, as the store records them */
	int rebuilding;		/* a rebuild to settings is under way */

	quarry_runner *runner;	/* the pool of extraction workers */
	volatile sig_atomic_t stop;	/* quarry_sync_stop() was called */
	int wake[2];		/* a pipe it writes to wake the loop */
};

static char *settings_json(const quarry_sync_options *o);


static void
report(quarry_sync *s, const char *path, unsigned long line, int warning,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
report(quarry_sync *s, const char *path, unsigned long line, int warning,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->o.report != NULL)
		s->o.report(s->o.arg, path, line, warning, msg);
}

static int
collect_existing(const char *doc, const char *source, void *arg)
{
	quarry_sync *s = arg;
	const char *src = source ? source : doc;
	size_t i;

	if (strstr(src, "://") != NULL)
		return 0;
	for (i = 0; i < s->nroots; i++)
		if (walk_under(src, s->roots[i]))
			return json_object_set_new(s->existing, doc,
			    json_string(src)) != 0 ? QUARRY_ENOMEM : 0;
	return 0;
}

static int
collect_notext(const char *source, int why, void *arg)
{
	quarry_sync *s = arg;
	size_t i;

	(void)why;
	for (i = 0; i < s->nroots; i++)
		if (walk_under(source, s->roots[i]))
			return json_object_set_new(s->notext, source,
			    json_true()) != 0 ? QUARRY_ENOMEM : 0;
	return 0;
}

/* ------------------------------------------------------------ the child */

/* Sends what the extractor reports as an error or warning frame. */
static void
send_report(void *arg, int error, unsigned long line, const char *msg)
{
	quarry_task_sendf(arg, error ? 'E' : 'W', line, "%s", msg);
}

/* Sends a metadata warning as a warning frame. */
static void
send_meta_warning(void *arg, unsigned long line, const char *msg)
{
	(void)line;
	quarry_task_sendf(arg, 'W', 0, "%s", msg);
}

/*
 * Chunks the document record rec of path with the one chunk-record
 * builder, as quarry-chunk writes them, and sends the chunk records as one
 * 'C' frame whose line is the length of the text; or an 'N' frame when
 * there is no text.  Returns 0 or a negative code.
 */
static int
chunk_doc(quarry_sync *s, quarry_task *t, const char *path, json_t *rec)
{
	quarry_chunk_doc cd = { rec, NULL, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL };
	struct quarry_buf lines = { 0 };
	char *doc = quarry_name_escape(path);
	size_t n = 0;
	int rc;

	if (doc == NULL)
		return QUARRY_ENOMEM;
	cd.doc = doc;
	cd.doclen = strlen(doc);
	cd.text = quarry_record_string(rec, "text", &cd.len);
	cd.lang = quarry_record_string(rec, "lang", NULL);
	/* A contents or index page left out: an 'N' frame with line 1. */
	if (json_is_true(json_object_get(rec, "contents"))) {
		free(doc);
		return quarry_task_send(t, 'N', 1, "", 0) == QUARRY_ENOMEM ?
		    QUARRY_ENOMEM : 0;
	}
	if (cd.text == NULL || cd.len == 0) {
		free(doc);
		return quarry_task_send(t, 'N', 0, "", 0) == QUARRY_ENOMEM ?
		    QUARRY_ENOMEM : 0;
	}
	rc = quarry_chunk_records(s->chunker, &cd, &lines, &n, NULL, NULL);
	free(doc);
	if (rc == QUARRY_ENOMEM) {
		quarry_buf_free(&lines);
		return rc;
	}
	if (rc != 0)
		quarry_task_sendf(t, 'E', 0, "%s",
		    quarry_chunker_error(s->chunker));
	else if (n == 0)
		quarry_task_send(t, 'N', 0, "", 0);
	else
		quarry_task_send(t, 'C', cd.len, lines.data, lines.len);
	quarry_buf_free(&lines);
	return rc;
}

/*
 * The task run in a worker: extracts one file, applies the metadata step
 * and chunks it (what the pipeline does in quarry-pdf or quarry-html,
 * quarry-chunk and quarry-meta), and sends its chunk records.  The request
 * is the content type (one byte) and the path.
 */
static int
extract(quarry_task *t, void *arg, const char *req, size_t len)
{
	quarry_sync *s = arg;
	quarry_extract_options eo = s->eo;
	struct quarry_buf data = { 0 };
	const char *path = req + 1;
	json_t *rec = NULL;
	char msg[256];
	int rc;

	if (len < 2)
		return QUARRY_TASK_FAILED;
	if ((rc = walk_read(path, (unsigned char)req[0] & 0x80 ? 1 : 0,
	    s->o.max_size ? s->o.max_size : SIZE_MAX - 1, &data, msg,
	    sizeof(msg))) != 0) {
		quarry_buf_free(&data);
		if (rc == QUARRY_ENOMEM)
			return QUARRY_TASK_NOMEM;
		if (*msg == '\0' && rc == QUARRY_ETOOBIG)
			snprintf(msg, sizeof(msg), "larger than the size limit "
			    "(%zu bytes)", s->o.max_size);
		quarry_task_sendf(t, 'E', 0, "%s", *msg ? msg :
		    strerror(errno));
		return QUARRY_TASK_FAILED;
	}
	eo.report = send_report;
	eo.arg = t;
	rc = quarry_extract(&eo, (enum quarry_doctype)((unsigned char)req[0] &
	    0x7f),
	    path, data.data, data.len, &rec);
	quarry_buf_free(&data);
	if (rc == 0) {
		rc = quarry_meta_apply(s->o.meta ? s->o.meta : s->own_meta, rec,
		    send_meta_warning, t);
		if (rc > 0)
			rc = 0;
	}
	if (rc == 0)
		rc = chunk_doc(s, t, path, rec);
	json_decref(rec);
	if (rc == QUARRY_ENOMEM)
		return QUARRY_TASK_NOMEM;
	return rc != 0 ? QUARRY_TASK_FAILED : 0;
}

/* ------------------------------------------------------- the pipeline */

static void
pdoc_clear(struct pdoc *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		json_decref(d->recs[i]);
	free(d->recs);
	free(d->vecs);
	free(d->path);
	free(d->why);
	free(d->doc);
	memset(d, 0, sizeof(*d));
}

/*
 * A file without text (an empty file, a scanned PDF without OCR) is a
 * warning, not a failure (quarry-sync(1), EXIT STATUS); a changed one
 * loses its old document, which no longer says what the file says.
 * Returns 2 (not indexed, warned), or a negative code.
 */
static int
no_text(quarry_sync *s, struct pdoc *d)
{
	int rc = quarry_store_delete(s->st, d->doc);

	s->c.empty++;
	/* Remembered, so that it is not extracted again while unchanged. */
	if (d->fp.has && (rc == 0 || rc == QUARRY_ENOTFOUND) &&
	    quarry_store_put_notext(s->st, d->doc, &d->fp,
	    QUARRY_NOTEXT_EMPTY) != 0)
		return qerr_set(&s->err, QUARRY_ENOMEM, "out of memory");
	if (rc == 0) {
		s->c.deleted++;
		report(s, d->path, 0, 1, "no text to index; its old document "
		    "is deleted");
		return 2;
	}
	if (rc != QUARRY_ENOTFOUND)
		return qerr_set(&s->err, rc, "%s", quarry_store_error(s->st));
	report(s, d->path, 0, 1, "no text to index");
	return 2;
}

/*
 * A contents or index page left out (keep_contents off): counted, not
 * warned about; an old document of it goes.  Returns 0 or a negative code.
 */
static int
contents_page(quarry_sync *s, struct job *j)
{
	char *doc = quarry_name_escape(j->path);
	int rc;

	if (doc == NULL)
		return QUARRY_ENOMEM;
	s->c.contents++;
	rc = quarry_store_delete(s->st, doc);
	if (rc == 0)
		s->c.deleted++;
	else if (rc != QUARRY_ENOTFOUND) {
		free(doc);
		return qerr_set(&s->err, rc, "%s", quarry_store_error(s->st));
	}
	/* Remembered, so that it is not extracted again while unchanged;
	 * part of the batch, as a document would be. */
	rc = j->fp.has ? quarry_store_put_notext(s->st, doc, &j->fp,
	    QUARRY_NOTEXT_CONTENTS) : 0;
	free(doc);
	if (rc != 0)
		return qerr_set(&s->err, QUARRY_ENOMEM, "out of memory");
	if (s->bdocs++ == 0)
		s->bstart = clock_now();
	return 0;
}

/* Stores a document whose records all have vectors. */
static int
put_doc(quarry_sync *s, struct pdoc *d)
{
	int existed = json_object_get(s->existing, d->doc) != NULL;
	size_t bad, k;
	int rc;

	/* The vectors as JSON (about 40 bytes a number) for one document at
	 * a time: the store takes them from the records. */
	for (k = 0; k < d->n; k++)
		if ((rc = quarry_record_set_vector(d->recs[k], d->vecs + k *
		    d->dims, d->dims, s->model)) != 0)
			return qerr_set(&s->err, rc, "out of memory");
	rc = quarry_store_put(s->st, d->recs, d->n, d->fp.has ? &d->fp : NULL,
	    &bad);
	if (rc < 0 && (bad == (size_t)-1 || rc == QUARRY_EMODEL))
		return qerr_set(&s->err, rc, "%s", quarry_store_error(s->st));
	if (rc < 0) {
		report(s, d->path, 0, 0, "chunk %zu: %s", bad,
		    quarry_store_error(s->st));
		s->c.failed++;
		return 0;
	}
	if (rc == 1 && existed)
		s->c.changed++;
	else if (rc == 1)
		s->c.added++;
	else
		s->c.unchanged++;
	if (rc == 1)
		s->c.chunks += d->n;
	return 0;
}

/* The tag of chunk k of pending document i. */
#define TAG(i, k)	((void *)(((uintptr_t)(i) << 32) | (uintptr_t)(k)))
#define TAG_DOC(t)	((size_t)((uintptr_t)(t) >> 32))
#define TAG_CHUNK(t)	((size_t)((uintptr_t)(t) & 0xffffffffu))

/*
 * Receives a chunk record of a flushed window with its vector, kept aside
 * as floats until the document is stored, or the embedder's message for
 * it; the tag says which chunk of which pending document it is.  The first
 * chunk of a document that failed is kept to be reported.
 */
static int
attach(void *arg, json_t *rec, void *tag, const float *vec, size_t dims,
    const char *model, int cached, const char *err)
{
	quarry_sync *s = arg;
	struct pdoc *d = &s->pending[TAG_DOC(tag)];
	size_t k = TAG_CHUNK(tag);

	(void)rec;
	if (vec != NULL) {
		s->c.reused += cached != 0;
		if (s->model == NULL || strcmp(s->model, model) != 0) {
			free(s->model);
			if ((s->model = strdup(model)) == NULL)
				return QUARRY_ENOMEM;
		}
		if (d->vecs == NULL || d->dims != dims) {
			free(d->vecs);
			d->dims = dims;
			if ((d->vecs = malloc(d->n * dims * sizeof(float))) ==
			    NULL)
				return QUARRY_ENOMEM;
		}
		memcpy(d->vecs + k * dims, vec, dims * sizeof(float));
		return 0;
	}
	if (d->failed)
		return 0;
	d->failed = 1;
	d->bad = k;
	if ((d->why = strdup(err)) == NULL)
		return QUARRY_ENOMEM;
	return 0;
}

/*
 * Embeds the texts of the pending documents that the store's cache did
 * not have (one call of the embedder, identical texts once), then stores
 * the documents in order.
 */
static int
flush_pending(quarry_sync *s)
{
	size_t i, sent = 0;
	int rc;

	rc = quarry_vectors_flush(s->vectors, attach, s, &sent);
	s->c.embedded += sent;
	if (rc == QUARRY_ENOMEM)
		goto out;
	if (rc != 0) {
		rc = qerr_set(&s->err, QUARRY_EHTTP, "%s",
		    quarry_embedder_error(s->o.embedder));
		goto out;
	}
	for (i = 0; i < s->npending; i++) {
		struct pdoc *d = &s->pending[i];

		if (d->failed) {
			report(s, d->path, 0, 0, "chunk %zu: %s", d->bad,
			    d->why);
			s->c.failed++;
		} else if ((rc = put_doc(s, d)) != 0)
			goto out;
		pdoc_clear(d);
	}
out:
	for (i = 0; i < s->npending; i++)
		pdoc_clear(&s->pending[i]);
	s->npending = 0;
	return rc;
}

/*
 * Runs the chunk records of job j (lines[0..len), one a line, as the
 * worker sent them; textlen bytes of text, or lines NULL when the document
 * has no text) through the vector attacher (and its cache), and queues the
 * document for embedding.
 */
static int
process(quarry_sync *s, struct job *j, const char *lines, size_t len,
    size_t textlen)
{
	struct pdoc *d;
	size_t k, misses, n = 0, off;
	int rc;

	if (s->npending == s->cappending) {
		size_t ncap = s->cappending ? s->cappending * 2 : 16;
		struct pdoc *np = realloc(s->pending, ncap * sizeof(*np));

		if (np == NULL)
			return QUARRY_ENOMEM;
		s->pending = np;
		s->cappending = ncap;
	}
	d = &s->pending[s->npending];
	memset(d, 0, sizeof(*d));
	if ((d->path = strdup(j->path)) == NULL ||
	    (d->doc = quarry_name_escape(j->path)) == NULL)
		return QUARRY_ENOMEM;
	d->fp = j->fp;
	s->npending++;
	if (s->bdocs++ == 0)
		s->bstart = clock_now();
	if (lines == NULL) {
		if ((rc = no_text(s, d)) > 0) {
			if (rc == 1)
				s->c.failed++;
			pdoc_clear(d);
			s->npending--;
			return 0;
		}
		return rc;
	}
	s->bbytes += textlen;
	for (off = 0; off < len; off++)
		n += lines[off] == '\n';
	if (n > 0xffffffffu)	/* the tags' 32 bits */
		return QUARRY_ENOMEM;
	if ((d->recs = calloc(n ? n : 1, sizeof(*d->recs))) == NULL)
		return QUARRY_ENOMEM;
	for (off = 0; off < len && d->n < n; ) {
		const char *line = lines + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t ll = (size_t)(nl - line);

		if ((d->recs[d->n] = json_loadb(line, ll, 0, NULL)) == NULL)
			return QUARRY_ENOMEM;
		d->n++;
		off += ll + 1;
	}
	for (k = 0; k < d->n; k++)
		if ((rc = quarry_vectors_add(s->vectors, d->recs[k],
		    TAG(s->npending - 1, k))) != 0)
			return rc;
	quarry_vectors_count(s->vectors, NULL, &misses);
	if (misses >= s->o.embed_batch || s->npending >= PENDING_DOCS)
		return flush_pending(s);
	return 0;
}

/* Passes on the record a finished task sent, or reports its failure. */
static int
finish(quarry_sync *s, struct job *j, const quarry_task_result *res)
{
	const struct quarry_task_frame *got = NULL;
	char why[256];
	int failed;
	size_t i;

	failed = quarry_task_failed(res, s->o.timeout, why, sizeof(why));
	for (i = 0; i < res->nframes; i++) {
		const struct quarry_task_frame *f = &res->frames[i];

		if ((f->type == 'C' || f->type == 'N') && got == NULL)
			got = f;
		else if (f->type == 'E' || f->type == 'W')
			report(s, j->path, f->line, f->type == 'W', "%.*s",
			    (int)f->len, f->data);
	}
	if (*why != '\0')
		report(s, j->path, 0, 0, "%s", why);
	else if (!failed && got == NULL)
		report(s, j->path, 0, 0, "extraction failed (status 0)");
	if (failed || got == NULL) {
		s->c.failed++;
		return 0;
	}
	if (got->type == 'N' && got->line == 1)
		return contents_page(s, j);
	if (got->type == 'N')
		return process(s, j, NULL, 0, 0);
	return process(s, j, got->data, got->len, got->line);
}

/*
 * Gets job j ready: a fresh file needs nothing; any other is
 * fingerprinted and its child started.
 */
static int
prepare(quarry_sync *s, struct job *j)
{
	int stale = 1, rc;

	if (!s->o.force && !s->rebuilding) {
		rc = quarry_store_stale_notext(s->st, j->path, &stale,
		    &j->notext);
		if (rc == QUARRY_ENOMEM)
			return rc;
		if (rc != 0) {
			report(s, j->path, 0, 0, "%s", rc == QUARRY_ENOTFOUND ?
			    strerror(ENOENT) : strerror(errno));
			j->failed = 1;
			return 0;
		}
	}
	if (!stale) {
		j->fresh = 1;
		return 0;
	}
	if ((rc = quarry_fingerprint_file(j->path, &j->fp)) != 0) {
		if (rc == QUARRY_ENOMEM)
			return rc;
		report(s, j->path, 0, 0, "%s", rc == QUARRY_ENOTFOUND ?
		    strerror(ENOENT) : strerror(errno));
		j->failed = 1;
		return 0;
	}
	return 0;
}

/*
 * Gives back what the last stretch of the run left resident: the store's
 * pages that this process mapped by reading (quarry_store_release_pages();
 * they stay in the page cache) and the heap's free memory (what a batch
 * held: its records, LMDB's dirty pages, the lexical index's postings).
 * Without it the resident size grows with the part of the store touched,
 * which in a long run is all of it.
 */
static void
release_memory(quarry_sync *s)
{
	s->since_release = 0;
	quarry_store_release_pages(s->st);
#ifdef HAVE_MALLOC_TRIM
	malloc_trim(0);
#endif
}

/*
 * Commits what is queued in the store: one batch.  The caller's commit
 * callback hears of it when something was written.
 */
static int
commit_batch(quarry_sync *s)
{
	quarry_store_counts before, after;

	quarry_store_get_counts(s->st, &before);
	if (quarry_store_commit(s->st) != 0)
		return qerr_set(&s->err, QUARRY_ESTORE, "%s",
		    quarry_store_error(s->st));
	quarry_store_get_counts(s->st, &after);
	s->bdocs = 0;
	s->bbytes = 0;
	release_memory(s);
	if (after.commits != before.commits) {
		s->c.batches++;
		if (s->o.committed != NULL)
			s->o.committed(s->o.arg, &s->c);
	}
	return 0;
}

/* Ends the write batch when it is full: embeds, stores and commits. */
static int
batch_check(quarry_sync *s)
{
	int rc;

	if (s->bdocs == 0)
		return 0;
	if (s->bdocs < s->o.batch_docs && s->bbytes < s->o.batch_bytes &&
	    (s->o.batch_seconds <= 0 ||
	    clock_now() - s->bstart < s->o.batch_seconds))
		return 0;
	if ((rc = flush_pending(s)) != 0)
		return rc;
	return commit_batch(s);
}

/*
 * The main loop over the walk's files, in order: each stale file's
 * extraction is a request to the pool, the others come back in their turn
 * without one.  On a stop, the documents already extracted are finished.
 */
static int
run_files(quarry_sync *s)
{
	size_t win = (size_t)s->o.jobs * 2, next = 0, i;
	quarry_task_result res;
	quarry_runner *r = s->runner;
	struct job *w = calloc(win, sizeof(*w));
	struct quarry_buf req = { 0 };
	int rc;

	if (w == NULL)
		return QUARRY_ENOMEM;
	for (;;) {
		struct job *j;

		if (s->stop) {
			rc = QUARRY_ESTOPPED;
			break;
		}
		while (next < s->w.nfiles && !quarry_runner_full(r)) {
			j = &w[next % win];
			memset(j, 0, sizeof(*j));
			j->s = s;
			j->path = s->w.files[next].path;
			j->type = s->w.files[next].type;
			j->gz = s->w.files[next].gz;
			if ((rc = prepare(s, j)) != 0)
				goto out;
			if (j->fresh || j->failed) {
				rc = quarry_runner_submit(r, NULL, j);
			} else {
				/* The type, with 0x80 for gzip. */
				unsigned char type = (unsigned char)(j->type |
				    (j->gz ? 0x80 : 0));

				req.len = 0;
				if (quarry_buf_append(&req, &type, 1) != 0 ||
				    quarry_buf_append(&req, j->path,
				    strlen(j->path)) != 0) {
					rc = QUARRY_ENOMEM;
					goto out;
				}
				rc = quarry_runner_submit_request(r, j,
				    req.data, req.len);
			}
			if (rc != 0) {
				rc = qerr_set(&s->err, rc, "%s",
				    quarry_runner_error(r));
				goto out;
			}
			next++;
		}
		if ((rc = quarry_runner_next(r, &res)) == 0)
			break;
		if (rc == QUARRY_ESTOPPED)
			break;
		if (rc < 0) {
			rc = qerr_set(&s->err, rc, "%s",
			    quarry_runner_error(r));
			goto out;
		}
		j = res.arg;
		/* A run of unchanged files commits nothing, and reads the
		 * store all along. */
		if (++s->since_release >= RELEASE_FILES)
			release_memory(s);
		if (j->fresh && j->notext == QUARRY_NOTEXT_EMPTY)
			report(s, j->path, 0, QUARRY_SYNC_NOTE,
			    "no text to index (unchanged)");
		if (j->fresh)
			s->c.unchanged++;
		else if (j->failed)
			s->c.failed++;
		else if ((rc = finish(s, j, &res)) != 0)
			goto out;
		s->c.files++;
		if (s->o.progress != NULL)
			s->o.progress(s->o.arg, &s->c, j->path);
		if ((rc = batch_check(s)) != 0)
			goto out;
	}
	{
		/* The documents extracted so far are finished either way. */
		int frc = flush_pending(s);

		if (rc == 0 || (rc == QUARRY_ESTOPPED && frc != 0))
			rc = frc;
	}
	if (rc == QUARRY_ESTOPPED)
		qerr_set(&s->err, rc,
		    "stopped; the documents finished so far are committed");
out:
	for (i = 0; i < s->npending; i++)
		pdoc_clear(&s->pending[i]);
	s->npending = 0;
	quarry_buf_free(&req);
	free(w);
	return rc;
}

/* ------------------------------------------------------------------ API */

void
quarry_sync_options_init(quarry_sync_options *o)
{
	memset(o, 0, sizeof(*o));
	o->jobs = 1;
	o->timeout = 60;
	o->embed_batch = 256;
	o->max_size = QUARRY_SYNC_MAX_SIZE_DEFAULT;
	o->batch_docs = QUARRY_SYNC_BATCH_DOCS;
	o->batch_bytes = QUARRY_SYNC_BATCH_BYTES;
	o->batch_seconds = QUARRY_SYNC_BATCH_SECONDS;
	quarry_chunk_options_init(&o->chunk);
	quarry_pdf_options_init(&o->pdf);
	quarry_html_options_init(&o->html);
}

int
quarry_sync_new(quarry_sync **out, quarry_store *st,
    const quarry_sync_options *o)
{
	quarry_vectors_options vo = { 0 };
	quarry_sync *s;
	int rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return QUARRY_ENOMEM;
	*out = s;
	s->wake[0] = s->wake[1] = -1;
	s->st = st;
	s->o = *o;
	if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0)
		return qerr_set(&s->err, QUARRY_EIO, "pipe: %s",
		    strerror(errno));
	if (s->o.batch_docs == 0)
		s->o.batch_docs = (size_t)-1;
	if (s->o.batch_bytes == 0)
		s->o.batch_bytes = (size_t)-1;
	if (s->o.jobs == 0)
		s->o.jobs = 1;
	if (s->o.jobs > 64)
		return qerr_set(&s->err, QUARRY_EINVAL, "at most 64 jobs");
	if (s->o.embed_batch == 0)
		s->o.embed_batch = 256;
	if (st == NULL || o->embedder == NULL)
		return qerr_set(&s->err, QUARRY_EINVAL,
		    "a store and an embedder are required");
	if ((rc = quarry_chunker_new(&s->chunker, &o->chunk)) != 0)
		return qerr_set(&s->err, rc, "%s",
		    quarry_chunker_error(s->chunker));
	if (o->meta == NULL && (rc = quarry_meta_new(&s->own_meta)) != 0)
		return qerr_ret(&s->err, rc);
	/* The file's facts (size, fingerprint, modified where missing) come
	 * from the metadata step, as quarry-meta --from-file adds them. */
	quarry_meta_set_from_file(o->meta ? o->meta : s->own_meta, 1);
	quarry_extract_options_init(&s->eo);
	s->eo.pdf = o->pdf;
	s->eo.html = o->html;
	vo.embedder = o->embedder;
	vo.cache = st;
	vo.no_context = o->no_context;
	if ((rc = quarry_vectors_new(&s->vectors, &vo)) != 0)
		return qerr_ret(&s->err, rc);
	if ((s->settings = settings_json(&s->o)) == NULL)
		return qerr_set(&s->err, QUARRY_ENOMEM, "out of memory");
	return 0;
}

/*
 * The counts say what was committed: a commit that failed (a full disk)
 * leaves its documents uncommitted, counted as failed, not as added.  The
 * store's own counts since base are what its commits wrote.
 */
static void
committed_only(quarry_sync *s, const quarry_store_counts *base)
{
	quarry_store_counts k;
	uint64_t added, changed, deleted, before;

	quarry_store_get_counts(s->st, &k);
	added = k.docs_added - base->docs_added;
	changed = k.docs_changed - base->docs_changed;
	deleted = k.docs_deleted - base->docs_deleted;
	before = s->c.added + s->c.changed;
	if (s->c.added > added)
		s->c.added = added;
	if (s->c.changed > changed)
		s->c.changed = changed;
	if (s->c.deleted > deleted)
		s->c.deleted = deleted;
	s->c.failed += before - (s->c.added + s->c.changed);
}

static int sync_run(quarry_sync *s, char *const *roots, size_t n);

/* ------------------------------------------------------------ settings */

/*
 * The settings that make the chunks and vectors what they are, as the
 * store records them (man/quarry-store.5): a JSON object, keys sorted.
 */
static char *
settings_json(const quarry_sync_options *o)
{
	static const char *const units[] = { "chars", "words", "tokens" };
	json_t *j = json_object();
	char pages[32];
	char *out;
	int bad = j == NULL;

	if (o->pdf.first_page <= 1 && o->pdf.last_page == 0)
		snprintf(pages, sizeof(pages), "all");
	else if (o->pdf.last_page == 0)
		snprintf(pages, sizeof(pages), "%u-", o->pdf.first_page);
	else
		snprintf(pages, sizeof(pages), "%u-%u", o->pdf.first_page ?
		    o->pdf.first_page : 1, o->pdf.last_page);
	bad = bad ||
	    json_object_set_new(j, "size", json_integer((json_int_t)
	    o->chunk.size)) ||
	    json_object_set_new(j, "unit", json_string(
	    (unsigned)o->chunk.unit < 3 ? units[o->chunk.unit] : "?")) ||
	    json_object_set_new(j, "overlap", json_integer((json_int_t)
	    o->chunk.overlap)) ||
	    json_object_set_new(j, "min", o->chunk.min == 0 ||
	    o->chunk.min == (size_t)-1 ? json_string("auto") :
	    json_integer((json_int_t)o->chunk.min)) ||
	    json_object_set_new(j, "context", json_boolean(!o->no_context)) ||
	    json_object_set_new(j, "pages", json_string(pages)) ||
	    json_object_set_new(j, "max_pages", json_integer(
	    o->pdf.max_pages)) ||
	    json_object_set_new(j, "html_all", json_boolean(o->html.all)) ||
	    json_object_set_new(j, "keep_contents", json_boolean(
	    o->html.keep_contents || o->pdf.keep_contents));
	if (!bad && o->chunk.unit == QUARRY_UNIT_TOKENS)
		bad = json_object_set_new(j, "tokenizer", json_string(
		    o->tokenizer_name ? o->tokenizer_name :
		    o->chunk.tokenizer ? "custom" : "estimate")) != 0;
	out = bad ? NULL : json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return out;
}

/* A setting's value as the messages show it. */
static void
setting_text(const json_t *v, char *buf, size_t n)
{
	if (v == NULL)
		snprintf(buf, n, "(none)");
	else if (json_is_string(v))
		snprintf(buf, n, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, n, "%s", json_is_true(v) ? "on" : "off");
	else
		snprintf(buf, n, "?");
}

/*
 * Compares the settings a and b (JSON objects as text); returns 0 when
 * they are the same, else 1 with the first setting that differs and its
 * two values written to what, va, vb.
 */
static int
settings_differ(const char *a, const char *b, char *what, size_t wn,
    char *va, char *vb, size_t n)
{
	static const char *const order[] = { "size", "unit", "overlap", "min",
	    "tokenizer", "context", "pages", "max_pages", "html_all",
	    "keep_contents", NULL };
	json_t *ja = json_loads(a, 0, NULL), *jb = json_loads(b, 0, NULL);
	const char *key = NULL;
	json_t *v;
	int differ = 0;
	size_t i;

	if (ja == NULL || jb == NULL) {
		snprintf(what, wn, "settings");
		snprintf(va, n, "%s", a);
		snprintf(vb, n, "%s", b);
		json_decref(ja);
		json_decref(jb);
		return strcmp(a, b) != 0;
	}
	/* In the order a user thinks of them, then any other. */
	for (i = 0; order[i] != NULL && !differ; i++)
		if (!json_equal(json_object_get(ja, order[i]),
		    json_object_get(jb, order[i])) &&
		    (json_object_get(ja, order[i]) != NULL ||
		    json_object_get(jb, order[i]) != NULL)) {
			key = order[i];
			differ = 1;
		}
	if (!differ)
		json_object_foreach(ja, key, v) {
			if (!json_equal(v, json_object_get(jb, key))) {
				differ = 1;
				break;
			}
		}
	if (!differ)
		json_object_foreach(jb, key, v)
			if (json_object_get(ja, key) == NULL) {
				differ = 1;
				break;
			}
	if (differ) {
		snprintf(what, wn, "%s", key);
		setting_text(json_object_get(ja, key), va, n);
		setting_text(json_object_get(jb, key), vb, n);
	}
	json_decref(ja);
	json_decref(jb);
	return differ;
}

/*
 * Before anything changes: the embedder's model must be the store's, and
 * this run's settings those the store was built with (or is being rebuilt
 * with), unless a rebuild was asked for.  Queues the settings the first
 * commit records.
 */
static int
check_settings(quarry_sync *s)
{
	quarry_store_info info;
	const char *model = quarry_embedder_model(s->o.embedder);
	char *have = NULL, *rebuild = NULL, what[64], va[128], vb[128];
	int rc;

	if ((rc = quarry_store_stats(s->st, &info)) != 0)
		return qerr_set(&s->err, rc, "%s", quarry_store_error(s->st));
	if (model != NULL && *info.model != '\0' &&
	    strcmp(model, info.model) != 0)
		return qerr_set(&s->err, QUARRY_EMODEL, "model \"%s\" does not "
		    "match the store's model \"%s\"", model, info.model);
	if ((rc = quarry_store_settings(s->st, &have, &rebuild)) != 0)
		return qerr_set(&s->err, rc, "%s", quarry_store_error(s->st));
	s->rebuilding = 0;
	if (rebuild != NULL && !settings_differ(rebuild, s->settings, what,
	    sizeof(what), va, vb, sizeof(va)))
		s->rebuilding = 1;	/* the same rebuild goes on */
	else if (rebuild != NULL && !s->o.rebuild)
		rc = qerr_set(&s->err, QUARRY_ESETTINGS,
		    "a rebuild of the store with %s %s is not finished; "
		    "this run has %s %s", what, va, what, vb);
	else if (have == NULL && rebuild == NULL)
		rc = quarry_store_set_settings(s->st, s->settings, NULL);
	else if (rebuild == NULL && !settings_differ(have, s->settings,
	    what, sizeof(what), va, vb, sizeof(va)))
		;	/* as built */
	else if (!s->o.rebuild)
		rc = qerr_set(&s->err, QUARRY_ESETTINGS,
		    "the store was built with %s %s; this run has %s %s",
		    what, va, what, vb);
	else {
		/* Recorded with the first batch: a kill leaves it marked. */
		rc = quarry_store_set_settings(s->st, have, s->settings);
		s->rebuilding = 1;
	}
	free(have);
	free(rebuild);
	if (rc == QUARRY_ENOMEM)
		return qerr_set(&s->err, rc, "out of memory");
	return rc;
}

/* Forks the pool of extraction workers, before this process grows. */
static int
start_workers(quarry_sync *s)
{
	quarry_runner_options ro = { 0 };
	int rc;

	ro.jobs = s->o.jobs;
	ro.timeout = s->o.timeout;
	ro.worker = extract;
	ro.worker_arg = s;
	ro.stop = &s->stop;
	ro.stop_fd = s->wake[0];
	if ((rc = quarry_runner_new(&s->runner, &ro)) != 0)
		return qerr_set(&s->err, rc,
		    "cannot start the extraction workers: %s",
		    quarry_runner_error(s->runner));
	return 0;
}

void
quarry_sync_stop(quarry_sync *s)
{
	int e = errno;

	s->stop = 1;
	/* A full pipe means the loop is awake already. */
	if (s->wake[1] >= 0 && write(s->wake[1], "", 1) < 0)
		s->stop = 1;
	errno = e;
}

/*
 * Whether the file of source e (as "source" carries it), under a root and
 * not in the walk (seen: the walk's files), is gone: no such file, a
 * directory in its place, or a path the walk now leaves out; not when its
 * root could not be read.  Returns 1, 0 or a negative code.
 */
static int
gone(quarry_sync *s, const char *e, json_t *seen)
{
	struct stat sb;
	char *p;
	size_t r;
	int g;

	if (json_object_get(seen, e) != NULL)
		return 0;
	if ((p = quarry_name_unescape(e)) == NULL)
		return QUARRY_ENOMEM;
	if ((g = walk_left_out(&s->w, e)) < 0) {
		free(p);
		return g;
	}
	g = g || (stat(p, &sb) == 0 ? S_ISDIR(sb.st_mode) : errno == ENOENT ||
	    errno == ENOTDIR);
	for (r = 0; g && r < s->nroots; r++)
		if (s->w.root_bad[r] && walk_under(p, s->roots[r]))
			g = 0;
	free(p);
	return g;
}

static int
sync_run(quarry_sync *s, char *const *roots, size_t n)
{
	quarry_store_counts base;
	const char *doc;
	json_t *src;
	size_t i;
	int rc, g;

	quarry_store_get_counts(s->st, &base);
	if (s->stop)
		return qerr_set(&s->err, QUARRY_ESTOPPED, "stopped");
	if ((rc = check_settings(s)) != 0)
		return rc;
	if ((rc = start_workers(s)) != 0)
		return rc;
	s->roots = (const char *const *)roots;
	s->nroots = n;
	walk_free(&s->w);
	json_decref(s->existing);
	if ((s->existing = json_object()) == NULL)
		return QUARRY_ENOMEM;
	if ((rc = quarry_store_foreach_doc(s->st, collect_existing, s)) != 0)
		return qerr_set(&s->err, rc, "%s", quarry_store_error(s->st));
	json_decref(s->notext);
	if ((s->notext = json_object()) == NULL)
		return QUARRY_ENOMEM;
	if ((rc = quarry_store_foreach_notext(s->st, collect_notext, s)) != 0)
		return qerr_set(&s->err, rc, "%s", quarry_store_error(s->st));
	s->w.o = &s->o;
	s->w.existing = s->existing;
	s->w.report = s->o.report;
	s->w.arg = s->o.arg;
	rc = walk_run(&s->w, roots, n);
	s->c.failed += s->w.failed;
	for (i = 0; i < QUARRY_SKIP_N; i++) {
		s->c.skip[i] = s->w.skip[i];
		s->c.skipped += s->w.skip[i];
	}
	if (rc != 0)
		return rc;
	rc = run_files(s);
	if (rc == 0 && s->rebuilding) {
		/* The whole walk went through: the rebuild is done. */
		if ((rc = quarry_store_set_settings(s->st, s->settings,
		    NULL)) != 0)
			return qerr_set(&s->err, rc, "out of memory");
		s->rebuilding = 0;
	}
	if (rc == 0 && !s->o.keep) {
		/* Documents under the roots whose files are gone. */
		json_t *seen = json_object();

		if (seen == NULL)
			return QUARRY_ENOMEM;
		for (i = 0; i < s->w.nfiles; i++) {
			char *e = quarry_name_escape(s->w.files[i].path);

			if (e == NULL || json_object_set_new(seen, e,
			    json_true()) != 0) {
				free(e);
				json_decref(seen);
				return QUARRY_ENOMEM;
			}
			free(e);
		}
		json_object_foreach(s->existing, doc, src) {
			if ((g = gone(s, json_string_value(src), seen)) < 0) {
				json_decref(seen);
				return g;
			}
			if (g && quarry_store_delete(s->st, doc) == 0)
				s->c.deleted++;
		}
		/* And what it remembers of files without text. */
		json_object_foreach(s->notext, doc, src) {
			if ((g = gone(s, doc, seen)) != 0 && (g < 0 ||
			    (g = quarry_store_delete_notext(s->st, doc)) != 0)) {
				json_decref(seen);
				return g;
			}
		}
		json_decref(seen);
	}
	{
		int crc = commit_batch(s);

		if (rc == 0)
			rc = crc;
	}
	committed_only(s, &base);
	return rc;
}

int
quarry_sync_run(quarry_sync *s, char *const *roots, size_t n)
{
	int rc;

	qerr_clear(&s->err);
	rc = sync_run(s, roots, n);
	quarry_runner_free(s->runner);
	s->runner = NULL;
	return qerr_ret(&s->err, rc);
}

void
quarry_sync_get_counts(const quarry_sync *s, quarry_sync_counts *c)
{
	*c = s->c;
}

const char *
quarry_sync_error(const quarry_sync *s)
{
	return qerr_str(s ? &s->err : NULL);
}

void
quarry_sync_free(quarry_sync *s)
{
	if (s == NULL)
		return;
	walk_free(&s->w);
	json_decref(s->existing);
	json_decref(s->notext);
	free(s->pending);
	free(s->model);
	free(s->settings);
	quarry_runner_free(s->runner);
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0)
		close(s->wake[1]);
	quarry_vectors_free(s->vectors);
	quarry_chunker_free(s->chunker);
	quarry_meta_free(s->own_meta);
	free(s);
}
