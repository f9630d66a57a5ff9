/*
 * sync.c: keeping a store in step with directory trees (quarry-sync).
 *
 * The run has three phases.  The walk lists the documents under the roots
 * (sorted, so the order never depends on the file system).  The main loop
 * goes through them in that order: a file that quarry_store_stale() calls
 * fresh is counted unchanged; any other is fingerprinted and handed to a
 * forked child, which reads and extracts it (PDF, HTML, or text) and sends
 * its document record back on a pipe; up to "jobs" children run at once,
 * within a window of 2 x jobs files, and a child that outlives the time
 * limit is killed.  The records come back in walk order and go through
 * metadata normalisation, chunking and embedding (vectors found in the
 * store's cache are reused; the rest are embedded in batches across
 * documents) into quarry_store_put(), one writer.  Last, the documents
 * under the roots whose files are gone are deleted and everything is
 * committed.  The record format is man/quarry.7; the options and messages
 * are in man/quarry-sync.1.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error_private.h"
#include "quarry.h"

/* Documents waiting for their vectors before a batch is embedded anyway. */
#define PENDING_DOCS 64

/* One file of the walk, on its way through the main loop. */
struct job {
	quarry_sync *s;
	const char *path;	/* borrowed from the walk's list */
	enum quarry_doctype type;
	int fresh;		/* not stale: nothing to do */
	int failed;		/* failed before extraction (reported) */
	quarry_fingerprint fp;
};

/* A file of the walk as the file system knows it, to index it once. */
struct fileid {
	dev_t dev;
	ino_t ino;
	int link;		/* reached through a symbolic link */
	int stored;		/* the store has a document under this path */
};

/* A document chunked and waiting for its vectors. */
struct pdoc {
	char *path;
	char *doc;		/* path as "doc" carries it (escaped) */
	json_t **recs;
	size_t n;
	quarry_fingerprint fp;
	int failed;
	size_t bad;		/* the first chunk that failed */
	char *why;		/* and why */
};

struct quarry_sync {
	quarry_store *st;
	quarry_sync_options o;
	quarry_extract_options eo;	/* the extractors' options */
	quarry_chunker *chunker;
	struct quarry_buf lines;	/* a document's chunk records */
	quarry_meta *own_meta;	/* when the caller gave none */
	quarry_sync_counts c;
	struct qerr err;

	/* The walk. */
	char **files;
	struct fileid *ids;	/* per file: what it is on disk */
	size_t nfiles, capfiles;
	char **realroots;	/* per root: its real path, when a directory */
	size_t nrealroots;
	json_t *skipped;	/* paths left out: links outside, second paths */
	const char *const *roots;
	size_t nroots;
	unsigned char *root_bad;	/* per root: could not be read */
	json_t *existing;	/* doc -> source of stored docs under the roots */

	/* Documents waiting for vectors. */
	struct pdoc *pending;
	size_t npending, cappending;
	quarry_vectors *vectors;
};

static int
sync_fail(quarry_sync *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
sync_fail(quarry_sync *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	qerr_vset(&s->err, code, fmt, ap);
	va_end(ap);
	return code;
}

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

/* ------------------------------------------------------------ detection */

static int
has_ext(const char *name)
{
	const char *base = strrchr(name, '/'), *dot;

	base = base ? base + 1 : name;
	dot = strrchr(base, '.');
	return dot != NULL && dot != base;
}

/* Reads the first bytes of path and tells its type; -1 (errno) on error. */
static int
detect_file(const char *path, enum quarry_doctype *t)
{
	char head[QUARRY_SNIFF_BYTES];
	ssize_t got;
	size_t n = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while (n < sizeof(head)) {
		got = read(fd, head + n, sizeof(head) - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;

			close(fd);
			errno = e;
			return -1;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	*t = quarry_extract_detect(path, head, n);
	return 0;
}

/* ----------------------------------------------------------------- walk */

static int
add_file(quarry_sync *s, const char *path, const struct stat *sb, int link)
{
	if (s->nfiles == s->capfiles) {
		size_t ncap = s->capfiles ? s->capfiles * 2 : 256;
		char **n = realloc(s->files, ncap * sizeof(*n));
		struct fileid *ni;

		if (n == NULL)
			return QUARRY_ENOMEM;
		s->files = n;
		if ((ni = realloc(s->ids, ncap * sizeof(*ni))) == NULL)
			return QUARRY_ENOMEM;
		s->ids = ni;
		s->capfiles = ncap;
	}
	if ((s->files[s->nfiles] = strdup(path)) == NULL)
		return QUARRY_ENOMEM;
	s->ids[s->nfiles].dev = sb->st_dev;
	s->ids[s->nfiles].ino = sb->st_ino;
	s->ids[s->nfiles].link = link;
	{
		char *e = quarry_name_escape(path);

		if (e == NULL)
			return QUARRY_ENOMEM;
		s->ids[s->nfiles].stored = json_object_get(s->existing, e) !=
		    NULL;
		free(e);
	}
	s->nfiles++;
	return 0;
}

static int under(const char *source, const char *root);

/* A path too long to be a document id is reported (and not indexed). */
static int
too_long(quarry_sync *s, const char *path)
{
	char *e = quarry_name_escape(path);
	size_t n = e ? strlen(e) : strlen(path);

	free(e);
	if (n <= QUARRY_DOC_MAX)
		return 0;
	report(s, path, 0, 0, "path of %zu bytes is longer than a document "
	    "id may be (%d bytes); not indexed", n, QUARRY_DOC_MAX);
	s->c.failed++;
	return 1;
}

/*
 * Whether the symbolic link path leads outside every root directory (its
 * target resolved with realpath(3)).  Returns 1, 0, or -1 when the target
 * cannot be resolved.
 */
static int
outside(quarry_sync *s, const char *path)
{
	char *real = realpath(path, NULL);
	size_t i;
	int out = 1;

	if (real == NULL)
		return -1;
	for (i = 0; i < s->nroots && out; i++)
		if (s->realroots[i] != NULL && under(real, s->realroots[i]))
			out = 0;
	free(real);
	return out;
}

/* Notes a path the walk leaves out, so that its old document goes. */
static int
skip_path(quarry_sync *s, const char *path)
{
	char *e = quarry_name_escape(path);
	int rc;

	s->c.skipped++;
	rc = e == NULL || json_object_set_new(s->skipped, e, json_true()) != 0;
	free(e);
	return rc ? QUARRY_ENOMEM : 0;
}

static int
cmp_ids(const void *a, const void *b, void *arg)
{
	const struct fileid *ids = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (ids[i].dev != ids[j].dev)
		return ids[i].dev < ids[j].dev ? -1 : 1;
	if (ids[i].ino != ids[j].ino)
		return ids[i].ino < ids[j].ino ? -1 : 1;
	if (ids[i].stored != ids[j].stored)
		return ids[j].stored - ids[i].stored;
	if (ids[i].link != ids[j].link)
		return ids[i].link - ids[j].link;
	return i < j ? -1 : i > j;
}

/*
 * Keeps one path to each file (device and inode): the one the store has
 * a document under, else the first reached without a symbolic link, else
 * the first in walk order.  The others are
 * left out (and counted as skipped).
 */
static int
one_path_per_file(quarry_sync *s)
{
	size_t *ord, i, k;
	unsigned char *drop;
	int rc = 0;

	if (s->nfiles < 2)
		return 0;
	ord = malloc(s->nfiles * sizeof(*ord));
	drop = calloc(s->nfiles, 1);
	if (ord == NULL || drop == NULL) {
		free(ord);
		free(drop);
		return QUARRY_ENOMEM;
	}
	for (i = 0; i < s->nfiles; i++)
		ord[i] = i;
	qsort_r(ord, s->nfiles, sizeof(*ord), cmp_ids, s->ids);
	for (i = 1; i < s->nfiles; i++)
		if (s->ids[ord[i]].dev == s->ids[ord[i - 1]].dev &&
		    s->ids[ord[i]].ino == s->ids[ord[i - 1]].ino)
			drop[ord[i]] = 1;
	for (i = 0, k = 0; i < s->nfiles; i++) {
		if (drop[i]) {
			if (rc == 0)
				rc = skip_path(s, s->files[i]);
			free(s->files[i]);
			continue;
		}
		s->files[k] = s->files[i];
		s->ids[k++] = s->ids[i];
	}
	s->nfiles = k;
	free(ord);
	free(drop);
	return rc;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Lists the files under dir.  Returns 0, 1 when some part could not be
 * read (reported), or QUARRY_ENOMEM.
 */
static int
walk(quarry_sync *s, const char *dir)
{
	char **names = NULL, *path = NULL;
	size_t n = 0, cap = 0, i, dlen = strlen(dir);
	struct dirent *de;
	DIR *d;
	int rc = 0, partial = 0;

	if ((d = opendir(dir)) == NULL) {
		report(s, dir, 0, 0, "%s", strerror(errno));
		s->c.failed++;
		return 1;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn;

			cap = cap ? cap * 2 : 64;
			if ((nn = realloc(names, cap * sizeof(*nn))) == NULL) {
				rc = QUARRY_ENOMEM;
				goto out;
			}
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			rc = QUARRY_ENOMEM;
			goto out;
		}
		n++;
		errno = 0;
	}
	if (errno != 0) {
		report(s, dir, 0, 0, "%s", strerror(errno));
		s->c.failed++;
		partial = 1;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		size_t len = dlen + 1 + strlen(names[i]) + 1;
		enum quarry_doctype t;
		struct stat sb;
		char *p;
		int link;

		if ((p = realloc(path, len)) == NULL) {
			rc = QUARRY_ENOMEM;
			goto out;
		}
		path = p;
		snprintf(path, len, "%s%s%s", dir,
		    dlen > 0 && dir[dlen - 1] == '/' ? "" : "/", names[i]);
		if (lstat(path, &sb) != 0) {
			report(s, path, 0, 0, "%s", strerror(errno));
			s->c.failed++;
			partial = 1;
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			if ((rc = walk(s, path)) < 0)
				goto out;
			partial |= rc;
			rc = 0;
			continue;
		}
		/*
		 * A symbolic link counts when it leads to a regular file,
		 * inside the roots unless the options allow any.
		 */
		link = S_ISLNK(sb.st_mode);
		if (link && stat(path, &sb) != 0)
			continue;
		if (!S_ISREG(sb.st_mode))
			continue;
		if (link && !s->o.outside_links && outside(s, path) != 0) {
			report(s, path, 0, 1, "symbolic link to a file outside "
			    "the synced directories; skipped");
			if ((rc = skip_path(s, path)) != 0)
				goto out;
			continue;
		}
		t = quarry_extract_detect(path, NULL, 0);
		if (t == QUARRY_DOCTYPE_NONE && !has_ext(path) &&
		    detect_file(path, &t) != 0) {
			report(s, path, 0, 0, "%s", strerror(errno));
			s->c.failed++;
			partial = 1;
			continue;
		}
		if (t != QUARRY_DOCTYPE_NONE && too_long(s, path))
			continue;
		if (t != QUARRY_DOCTYPE_NONE &&
		    (rc = add_file(s, path, &sb, link)) != 0)
			goto out;
	}
	rc = partial;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(path);
	closedir(d);
	return rc;
}

/* Whether source lies under root (root itself for a file). */
static int
under(const char *source, const char *root)
{
	size_t n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	if (strncmp(source, root, n) != 0)
		return 0;
	return source[n] == '\0' || source[n] == '/' ||
	    (n > 0 && root[n - 1] == '/');
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
		if (under(src, s->roots[i]))
			return json_object_set_new(s->existing, doc,
			    json_string(src)) != 0 ? QUARRY_ENOMEM : 0;
	return 0;
}

/* ------------------------------------------------------------ the child */

/* Sends what the extractor reports as an error or warning frame. */
static void
send_report(void *arg, int error, unsigned long line, const char *msg)
{
	quarry_task_sendf(arg, error ? 'E' : 'W', line, "%s", msg);
}

/* The task run in the child: extracts one file and sends its record. */
static int
extract(quarry_task *t, void *arg)
{
	struct job *j = arg;
	quarry_extract_options eo = j->s->eo;
	struct quarry_buf data = { 0 }, out = { 0 };
	json_t *rec = NULL;
	int rc;

	if (quarry_buf_read_file(&data, j->path, SIZE_MAX - 1) != 0) {
		quarry_task_sendf(t, 'E', 0, "%s", strerror(errno));
		return QUARRY_TASK_FAILED;
	}
	eo.report = send_report;
	eo.arg = t;
	rc = quarry_extract(&eo, j->type, j->path, data.data, data.len, &rec);
	if (rc == QUARRY_ENOMEM)
		return QUARRY_TASK_NOMEM;
	if (rc != 0)
		return QUARRY_TASK_FAILED;
	if (quarry_buf_json(&out, rec) != 0)
		return QUARRY_TASK_NOMEM;
	quarry_task_send(t, 'R', 0, out.data, out.len);
	return 0;
}

/* ------------------------------------------------------- the pipeline */

static void
pdoc_clear(struct pdoc *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		json_decref(d->recs[i]);
	free(d->recs);
	free(d->path);
	free(d->why);
	free(d->doc);
	memset(d, 0, sizeof(*d));
}

static void
meta_warn(void *arg, unsigned long line, const char *msg)
{
	struct pdoc *d = ((void **)arg)[1];
	quarry_sync *s = ((void **)arg)[0];

	(void)line;
	report(s, d->path, 0, 1, "%s", msg);
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
	if (rc == 0) {
		s->c.deleted++;
		report(s, d->path, 0, 1, "no text to index; its old document "
		    "is deleted");
		return 2;
	}
	if (rc != QUARRY_ENOTFOUND)
		return sync_fail(s, rc, "%s", quarry_store_error(s->st));
	report(s, d->path, 0, 1, "no text to index");
	return 2;
}

/*
 * Chunks the document record rec into d's chunk records with the one
 * chunk-record builder, as quarry-chunk writes them.  Returns 0, 1 when
 * the document failed (reported), 2 when it has no text (warned), or a
 * negative code.
 */
static int
chunk_doc(quarry_sync *s, struct pdoc *d, json_t *rec)
{
	quarry_chunk_doc cd = { rec, NULL, 0, NULL, 0, NULL, NULL, NULL, NULL };
	size_t n, i, off;
	int rc;

	cd.doc = d->doc;
	cd.doclen = strlen(d->doc);
	cd.text = quarry_record_string(rec, "text", &cd.len);
	cd.lang = quarry_record_string(rec, "lang", NULL);
	if (cd.text == NULL || cd.len == 0)
		return no_text(s, d);
	s->lines.len = 0;
	if ((rc = quarry_chunk_records(s->chunker, &cd, &s->lines, &n, NULL,
	    NULL)) != 0) {
		if (rc == QUARRY_ENOMEM)
			return rc;
		report(s, d->path, 0, 0, "%s", quarry_chunker_error(s->chunker));
		return 1;
	}
	if (n == 0)
		return no_text(s, d);
	if ((d->recs = calloc(n, sizeof(*d->recs))) == NULL)
		return QUARRY_ENOMEM;
	for (i = 0, off = 0; i < n; i++) {
		const char *line = s->lines.data + off;
		const char *nl = memchr(line, '\n', s->lines.len - off);
		size_t len = (size_t)(nl - line);

		if ((d->recs[i] = json_loadb(line, len, 0, NULL)) == NULL)
			return QUARRY_ENOMEM;
		d->n++;
		off += len + 1;
	}
	return 0;
}

/* Stores a document whose records all have vectors. */
static int
put_doc(quarry_sync *s, struct pdoc *d)
{
	int existed = json_object_get(s->existing, d->doc) != NULL;
	size_t bad;
	int rc;

	rc = quarry_store_put(s->st, d->recs, d->n, d->fp.has ? &d->fp : NULL,
	    &bad);
	if (rc < 0 && (bad == (size_t)-1 || rc == QUARRY_EMODEL))
		return sync_fail(s, rc, "%s", quarry_store_error(s->st));
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

/*
 * Receives a chunk record of a flushed window with its vector, or the
 * embedder's message for it; the tag is the index of its document among
 * the pending ones.  The first chunk of a document that failed is kept to
 * be reported.
 */
static int
attach(void *arg, json_t *rec, void *tag, const float *vec, size_t dims,
    const char *model, int cached, const char *err)
{
	quarry_sync *s = arg;
	struct pdoc *d = &s->pending[(uintptr_t)tag];
	size_t k;

	if (vec != NULL) {
		s->c.reused += cached != 0;
		return quarry_record_set_vector(rec, vec, dims, model);
	}
	if (d->failed)
		return 0;
	for (k = 0; k < d->n && d->recs[k] != rec; k++)
		;
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
		rc = sync_fail(s, QUARRY_EHTTP, "%s",
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
	}
out:
	for (i = 0; i < s->npending; i++)
		pdoc_clear(&s->pending[i]);
	s->npending = 0;
	return rc;
}

/*
 * Runs the document record rec of job j through metadata, chunking and
 * the vector attacher (and its cache), and queues it for embedding.
 * Takes rec.
 */
static int
process(quarry_sync *s, struct job *j, json_t *rec)
{
	struct pdoc *d;
	void *warnarg[2];
	size_t k, misses;
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
	    (d->doc = quarry_name_escape(j->path)) == NULL) {
		json_decref(rec);
		return QUARRY_ENOMEM;
	}
	d->fp = j->fp;
	s->npending++;
	warnarg[0] = s;
	warnarg[1] = d;
	rc = quarry_meta_apply(s->o.meta ? s->o.meta : s->own_meta, rec,
	    meta_warn, warnarg);
	if (rc >= 0)
		rc = chunk_doc(s, d, rec);
	json_decref(rec);
	if (rc != 0) {
		if (rc > 0) {
			if (rc == 1)
				s->c.failed++;
			pdoc_clear(d);
			s->npending--;
			return 0;
		}
		return rc;
	}
	for (k = 0; k < d->n; k++)
		if ((rc = quarry_vectors_add(s->vectors, d->recs[k],
		    (void *)(uintptr_t)(s->npending - 1))) != 0)
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
	json_t *rec = NULL;
	char why[256];
	int failed;
	size_t i;

	failed = quarry_task_failed(res, s->o.timeout, why, sizeof(why));
	for (i = 0; i < res->nframes; i++) {
		const struct quarry_task_frame *f = &res->frames[i];

		if (f->type == 'R' && rec == NULL && !failed)
			rec = json_loadb(f->data, f->len, 0, NULL);
		else if (f->type == 'E' || f->type == 'W')
			report(s, j->path, f->line, f->type == 'W', "%.*s",
			    (int)f->len, f->data);
	}
	if (*why != '\0')
		report(s, j->path, 0, 0, "%s", why);
	else if (!failed && rec == NULL)
		report(s, j->path, 0, 0, "extraction failed (status 0)");
	if (failed || rec == NULL) {
		s->c.failed++;
		return 0;
	}
	return process(s, j, rec);
}

/*
 * Gets job j ready: a fresh file needs nothing; any other is
 * fingerprinted and its child started.
 */
static int
prepare(quarry_sync *s, struct job *j)
{
	int stale = 1, rc;

	if (!s->o.force) {
		rc = quarry_store_stale(s->st, j->path, &stale);
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
 * The main loop over the walk's files, in order: each stale file's
 * extraction is a task of the runner, the others come back in their turn
 * without one.
 */
static int
run_files(quarry_sync *s)
{
	size_t win = (size_t)s->o.jobs * 2, next = 0, i;
	quarry_runner_options ro = { 0 };
	quarry_task_result res;
	quarry_runner *r = NULL;
	struct job *w = calloc(win, sizeof(*w));
	int rc;

	ro.jobs = s->o.jobs;
	ro.timeout = s->o.timeout;
	if (w == NULL || (rc = quarry_runner_new(&r, &ro)) != 0) {
		free(w);
		quarry_runner_free(r);
		return QUARRY_ENOMEM;
	}
	for (;;) {
		struct job *j;

		while (next < s->nfiles && !quarry_runner_full(r)) {
			j = &w[next % win];
			memset(j, 0, sizeof(*j));
			j->s = s;
			j->path = s->files[next];
			j->type = quarry_extract_detect(j->path, NULL, 0);
			if (j->type == QUARRY_DOCTYPE_NONE &&
			    detect_file(j->path, &j->type) != 0)
				j->type = QUARRY_DOCTYPE_TEXT;
			if ((rc = prepare(s, j)) != 0)
				goto out;
			rc = quarry_runner_submit(r, j->fresh || j->failed ?
			    NULL : extract, j);
			if (rc != 0) {
				rc = sync_fail(s, rc, "%s",
				    quarry_runner_error(r));
				goto out;
			}
			next++;
		}
		if ((rc = quarry_runner_next(r, &res)) == 0)
			break;
		if (rc < 0) {
			rc = sync_fail(s, rc, "%s", quarry_runner_error(r));
			goto out;
		}
		j = res.arg;
		if (j->fresh)
			s->c.unchanged++;
		else if (j->failed)
			s->c.failed++;
		else if ((rc = finish(s, j, &res)) != 0)
			goto out;
		s->c.files++;
		if (s->o.progress != NULL)
			s->o.progress(s->o.arg, &s->c, j->path);
	}
	rc = flush_pending(s);
out:
	quarry_runner_free(r);
	for (i = 0; i < s->npending; i++)
		pdoc_clear(&s->pending[i]);
	s->npending = 0;
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
	s->st = st;
	s->o = *o;
	if (s->o.jobs == 0)
		s->o.jobs = 1;
	if (s->o.jobs > 64)
		return sync_fail(s, QUARRY_EINVAL, "at most 64 jobs");
	if (s->o.embed_batch == 0)
		s->o.embed_batch = 256;
	if (st == NULL || o->embedder == NULL)
		return sync_fail(s, QUARRY_EINVAL,
		    "a store and an embedder are required");
	if ((rc = quarry_chunker_new(&s->chunker, &o->chunk)) != 0)
		return sync_fail(s, rc, "%s", quarry_chunker_error(s->chunker));
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
	return 0;
}

static void
free_realroots(quarry_sync *s)
{
	size_t i;

	for (i = 0; i < s->nrealroots; i++)
		free(s->realroots[i]);
	free(s->realroots);
	s->realroots = NULL;
	s->nrealroots = 0;
}

static int
sync_run(quarry_sync *s, char *const *roots, size_t n)
{
	const char *doc;
	json_t *src;
	size_t i;
	int rc;

	s->roots = (const char *const *)roots;
	s->nroots = n;
	free(s->root_bad);
	json_decref(s->existing);
	json_decref(s->skipped);
	free_realroots(s);
	if ((s->root_bad = calloc(n ? n : 1, 1)) == NULL ||
	    (s->existing = json_object()) == NULL ||
	    (s->skipped = json_object()) == NULL ||
	    (s->realroots = calloc(n ? n : 1, sizeof(char *))) == NULL)
		return QUARRY_ENOMEM;
	s->nrealroots = n;
	for (i = 0; i < n; i++) {
		struct stat sb;

		if (stat(roots[i], &sb) == 0 && S_ISDIR(sb.st_mode))
			s->realroots[i] = realpath(roots[i], NULL);
	}
	if ((rc = quarry_store_foreach_doc(s->st, collect_existing, s)) != 0)
		return sync_fail(s, rc, "%s", quarry_store_error(s->st));
	for (i = 0; i < n; i++) {
		struct stat sb;

		if (stat(roots[i], &sb) != 0) {
			report(s, roots[i], 0, 0, "%s", strerror(errno));
			s->c.failed++;
			s->root_bad[i] = 1;
		} else if (S_ISDIR(sb.st_mode)) {
			if ((rc = walk(s, roots[i])) < 0)
				return rc;
			s->root_bad[i] = rc > 0;
		} else if (!S_ISREG(sb.st_mode)) {
			report(s, roots[i], 0, 0, "not a regular file");
			s->c.failed++;
		} else if ((rc = add_file(s, roots[i], &sb, 0)) != 0)
			return rc;
	}
	if ((rc = one_path_per_file(s)) != 0)
		return rc;
	rc = run_files(s);
	if (rc == 0 && !s->o.keep) {
		/* Documents under the roots whose files are gone. */
		json_t *seen = json_object();

		if (seen == NULL)
			return QUARRY_ENOMEM;
		for (i = 0; i < s->nfiles; i++) {
			char *e = quarry_name_escape(s->files[i]);

			if (e == NULL || json_object_set_new(seen, e,
			    json_true()) != 0) {
				free(e);
				json_decref(seen);
				return QUARRY_ENOMEM;
			}
			free(e);
		}
		json_object_foreach(s->existing, doc, src) {
			const char *e = json_string_value(src);
			char *p;
			struct stat sb;
			size_t r;
			int gone;

			/*
			 * Gone: no such file, a directory in its place, or a
			 * path the walk now leaves out.
			 */
			if (json_object_get(seen, e) != NULL)
				continue;
			if ((p = quarry_name_unescape(e)) == NULL) {
				json_decref(seen);
				return QUARRY_ENOMEM;
			}
			gone = json_object_get(s->skipped, e) != NULL ||
			    (stat(p, &sb) == 0 ? S_ISDIR(sb.st_mode) :
			    errno == ENOENT || errno == ENOTDIR);
			for (r = 0; gone && r < n; r++)
				if (s->root_bad[r] && under(p, roots[r]))
					gone = 0;
			free(p);
			if (gone && quarry_store_delete(s->st, doc) == 0)
				s->c.deleted++;
		}
		json_decref(seen);
	}
	if (quarry_store_commit(s->st) != 0 && rc == 0)
		rc = sync_fail(s, QUARRY_ESTORE, "%s",
		    quarry_store_error(s->st));
	return rc;
}

int
quarry_sync_run(quarry_sync *s, char *const *roots, size_t n)
{
	qerr_clear(&s->err);
	return qerr_ret(&s->err, sync_run(s, roots, n));
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
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	free(s->ids);
	free(s->root_bad);
	free_realroots(s);
	json_decref(s->existing);
	json_decref(s->skipped);
	free(s->pending);
	quarry_vectors_free(s->vectors);
	quarry_chunker_free(s->chunker);
	quarry_buf_free(&s->lines);
	quarry_meta_free(s->own_meta);
	free(s);
}
