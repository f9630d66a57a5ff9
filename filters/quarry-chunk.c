/*
 * quarry-chunk: splits document records into chunk records.
 *
 * Reads document records (or, with --text, raw text files), splits each
 * document's text with libquarry's chunker and writes one chunk record per
 * chunk (man/quarry.7).  All the splitting logic lives in src/chunker.c.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chunk_private.h"
#include "common.h"
#include "extract_private.h"
#include "file_private.h"
#include "quarry.h"
#include "thread_private.h"

static void
usage(void)
{
	char *path = NULL;
	const char *name = quarry_tokenizer_default();
	char here[1200];

	printf("Usage: %s [OPTION]... [FILE]...\n", progname);
	/* Says which counting the default unit gets on this system. */
	if (strcmp(name, "estimate") == 0)
		snprintf(here, sizeof(here), "estimated ($QUARRY_TOKENIZER)");
	else if (quarry_tokenizer_find(name, &path) == 0)
		snprintf(here, sizeof(here), "exact %s (%s)", name, path);
	else
		snprintf(here, sizeof(here), "estimated (no %s.tiktoken in "
		    "$QUARRY_TOKENIZER_DIR or %s)", name,
		    quarry_tokenizer_search_path());
	free(path);
	printf(
"Split document records (JSON Lines) into chunk records within a size budget,\n"
"along headings, paragraphs, sentences and words.  With no FILE, or when FILE\n"
"is -, read standard input.\n"
"\n"
"  -s, --size=N           at most N units per chunk (default 512)\n"
"  -u, --unit=UNIT        chars, words or tokens (default tokens)\n"
"  -o, --overlap=N        repeat about N units of a chunk's end at the start\n"
"                         of the next one, from a sentence start (default 0)\n"
"  -m, --min=N            merge a trailing chunk smaller than N units into its\n"
"                         predecessor when they fit (default size/8)\n"
"  -t, --tokenizer=NAME   count tokens with the encoding NAME (cl100k_base,\n"
"                         o200k_base: installed rank files), a tiktoken rank\n"
"                         FILE (a path), or 'estimate' (the built-in\n"
"                         estimator: never below cl100k's count); default\n"
"                         $QUARRY_TOKENIZER, else cl100k_base when its rank\n"
"                         file is found, else estimate\n"
"  -l, --lang=LANG        sentence rules for records without a lang field\n"
"      --split=MODE       chunks (default) or sentences (one record each)\n"
"  -j, --threads=N        with N of 2 or more, a document of 1 MiB or more\n"
"                         has its records written by two threads and, with\n"
"                         no headings, is chunked by both, and a file\n"
"                         of records of 2 MiB or more is chunked in blocks\n"
"                         of lines by two threads (default 2 with 2 CPUs or\n"
"                         more, else 1); the output is the same\n"
"      --text             read each FILE as one plain text or Markdown\n"
"                         document (doc = the file name)\n"
"      --files-from=LIST  read input names from LIST (- for standard input)\n"
"  -0, --null             names in LIST are separated by NUL, not newline\n"
"      --max-line=BYTES   reject records (with --text, files) longer than\n"
"                         BYTES (default 1 GiB)\n"
"      --progress         show progress even when stderr is not a terminal\n"
"  -q, --quiet            never show progress\n"
"      --help             display this help and exit\n"
"      --version          output version information and exit\n"
"\n"
"Tokens here: %s.\n"
"\n"
"Exit status: 0 on success, 1 if some input failed (the rest is still\n"
"processed), 2 on a usage error.  See quarry-chunk(1) and quarry(7).\n",
	    here);
}

enum {
	OPT_SPLIT = 256, OPT_TEXT,
};

static const struct option longopts[] = {
	CHUNK_LONGOPTS,
	{ "lang", required_argument, NULL, 'l' },
	{ "split", required_argument, NULL, OPT_SPLIT },
	{ "threads", required_argument, NULL, 'j' },
	{ "text", no_argument, NULL, OPT_TEXT },
	MAX_LINE_LONGOPT,
	FILES_LONGOPTS,
	STD_LONGOPTS
};

static const char *const split_names[] = { "chunks", "sentences", NULL };

static struct {
	quarry_chunker *chunker;
	const char *lang;
	struct quarry_buf line;
	unsigned long docs;
	unsigned long long bytes;
	const char *volatile mapped;	/* the --text file mapped now */
	unsigned long flushes;		/* flush_line() calls */
	int tty;			/* standard output is a terminal */
	int threads;			/* --threads */
	quarry_chunk_options opts;	/* for the chunkers of blocks */
} g;

/*
 * Where chunk_document() puts a document's records and messages: for the
 * main loop, g.line (written QUARRY_CHUNK_FLUSH bytes at a time) and
 * standard error; for a block of a mapped input (below), the block's own
 * buffers, written out in the input's order.
 */
struct sink {
	quarry_chunker *chunker;
	struct quarry_buf *out;
	quarry_chunk_flush_fn *flush;	/* NULL: out keeps every record */
	struct quarry_buf *diag;	/* NULL: messages go out at once */
	unsigned long docs;		/* documents chunked */
	unsigned long long bytes;	/* their text */
};

/*
 * Reports a message about line (of file): at once, or kept in k->diag as
 * "LINE<TAB>MESSAGE<LF>" with the line within the block, for
 * block_write().
 */
static void
say(struct sink *k, const char *file, unsigned long line, const char *fmt,
    ...)
{
	char msg[4096], num[32];
	va_list ap;
	size_t i, n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (k->diag == NULL) {
		warnx_at(file, line, "%s", msg);
		return;
	}
	for (i = 0; msg[i]; i++)
		if (msg[i] == '\n')
			msg[i] = ' ';
	n = (size_t)snprintf(num, sizeof(num), "%lu\t", line);
	if (quarry_buf_append(k->diag, num, n) != 0 ||
	    quarry_buf_append(k->diag, msg, i) != 0 ||
	    quarry_buf_append(k->diag, "\n", 1) != 0)
		die(EXIT_SOMEFAILED, "out of memory");
}

/*
 * Writes the records gathered in b (g.line).  Records are gathered from
 * document to document and written QUARRY_CHUNK_FLUSH bytes at a time,
 * straight from the buffer: standard output is unbuffered, since copying
 * every record into stdio's buffer cost 5% of the run.
 */
static int
flush_line(void *arg, struct quarry_buf *b)
{
	size_t n = b->len;

	(void)arg;
	b->len = 0;
	g.flushes++;
	if (n > 0 && fwrite(b->data, 1, n, stdout) != n)
		die(EXIT_SOMEFAILED, "write error: %s", strerror(errno));
	return 0;
}

/* The records gathered when the program exits early (die()). */
static void
flush_at_exit(void)
{
	if (g.line.len > 0)
		(void)!fwrite(g.line.data, 1, g.line.len, stdout);
	g.line.len = 0;
}

/* Where front matter messages go: the input and the record's line. */
struct fm_ctx {
	struct sink *k;
	const char *file;
	unsigned long line;
};

static void
fm_warn(void *arg, unsigned long line, const char *msg)
{
	const struct fm_ctx *c = arg;

	/* In --text mode the line is the file's; in a record, the text's. */
	if (c->line == 0)
		say(c->k, c->file, line, "%s", msg);
	else
		say(c->k, c->file, c->line, "line %lu of the text: %s", line,
		    msg);
}

/* A document's release (quarry_chunk_doc): the pages of the mapping arg
 * that its text lies in, before upto. */
static void
release_map(void *arg, const char *upto)
{
	file_release(arg, upto);
}

/*
 * Chunks one document and writes its chunk records.  rec supplies the other
 * fields (may be NULL in --text mode, where doc is the name); r, the reader
 * that gave text (NULL in --text mode), copies chunk texts; m, when not
 * NULL, is the mapping text lies in, let go of as the records are written.
 * Returns 0, or -1 after reporting a fault.
 */
static int
chunk_document(struct sink *k, const char *file, unsigned long line,
    const json_t *rec, quarry_reader *r, const char *doc, size_t doclen,
    const char *text, size_t len, const char *lang, struct file_map *m)
{
	quarry_chunk_doc d = { rec, doc, doclen, text, len, lang, r,
	    fm_warn, NULL, m != NULL ? release_map : NULL, m };
	struct fm_ctx fc = { k, file, line };
	size_t mark = k->out->len;
	unsigned long flushes = k->flush != NULL ? g.flushes : 0;
	int rc;

	d.warn_arg = &fc;

	/* The records are written 256 kB at a time (flush_line()), rather
	 * than one write(2) per record or per document. */
	rc = quarry_chunk_records(k->chunker, &d, k->out, NULL, k->flush,
	    NULL);
	if (rc == QUARRY_ENOMEM)
		die(EXIT_SOMEFAILED, "out of memory");
	if (rc != 0) {
		/* The failed document's records not yet written are
		 * dropped; those of earlier documents are kept. */
		quarry_buf_truncate(k->out, k->flush == NULL ||
		    g.flushes == flushes ? mark : 0);
		say(k, file, line, "%s", quarry_chunker_error(k->chunker));
		return -1;
	}
	k->docs++;
	k->bytes += len;
	if (k->diag != NULL)
		return 0;
	if (g.tty)	/* shown as they come */
		flush_line(NULL, &g.line);
	g.docs++;
	g.bytes += len;
	progress("%lu documents, %.1f MB", g.docs, (double)g.bytes / 1e6);
	return 0;
}

/* The main loop's sink: g.chunker, g.line, standard error. */
static struct sink main_sink;

/* Reports what the text extractor found wrong with a --text file. */
static void
text_report(void *arg, int error, unsigned long line, const char *msg)
{
	warnx_at(arg, line, "%s%s%s", error ? "" : "warning: ", msg,
	    error ? "; document skipped" : "");
}

/*
 * Chunks a whole file as one document (--text): read by libquarry's
 * whole-file reader into a buffer kept from file to file (one read(2) for
 * a regular file; standard input bounded like a record, by --max-line),
 * made a document record by the text and Markdown extractor, as
 * quarry-sync makes it.
 */
static int
do_text(const char *name, size_t max)
{
	static struct quarry_buf data;
	enum quarry_doctype t = QUARRY_DOCTYPE_TEXT;
	struct file_map m = { 0 };
	json_t *rec;
	size_t skip;
	int rc;

	/* A large regular file is mapped rather than read (file_map()):
	 * chunked where it lies, with no copy. */
	quarry_buf_truncate(&data, 0);
	if (strcmp(name, "-") == 0) {
		rc = input_read(name, &data, max);
		m.data = data.data;
		m.len = data.len;
	} else
		/* With two threads, each faults in the half it checks
		 * (extract_text_fields()), rather than this one all of it
		 * before. */
		rc = file_map(&m, name, max, &data,
		    g.threads > 1 ? FILE_MAP_LAZY : 0);
	if (rc != 0) {
		input_warn(name, rc, "document exceeds --max-line of %zu "
		    "bytes; skipped", max);
		return -1;
	}
	/* What earlier files gave is out before a mapped file can fault. */
	if (m.map != NULL)
		flush_line(NULL, &g.line);
	g.mapped = name;
	if (extract_is_markdown(name))
		t = QUARRY_DOCTYPE_MARKDOWN;
	/* The record without its text, which is chunked where it lies
	 * rather than copied into the record. */
	if ((rc = extract_text_fields(t, name, m.data, m.len,
	    text_report, (void *)name, &rec, &skip, g.threads)) != 0) {
		file_unmap(&m);
		if (rc == QUARRY_ENOMEM)
			die(EXIT_SOMEFAILED, "out of memory");
		return -1;
	}
	rc = chunk_document(&main_sink, name, 0, rec, NULL, name,
	    strlen(name), m.data + skip, m.len - skip, g.lang, &m);
	json_decref(rec);
	file_unmap(&m);
	return rc;
}

/*
 * A mapped file that another program truncated while it was chunked: the
 * pages that are gone raise SIGBUS.  The records written so far may end
 * mid-document, so the program stops, saying why, rather than go on.
 */
static void
on_sigbus(int sig)
{
	const char *f = g.mapped ? g.mapped : "input";
	const char *m = ": file truncated while it was read\n";

	(void)sig;
	(void)!write(STDERR_FILENO, progname, strlen(progname));
	(void)!write(STDERR_FILENO, ": ", 2);
	(void)!write(STDERR_FILENO, f, strlen(f));
	(void)!write(STDERR_FILENO, m, strlen(m));
	_exit(EXIT_SOMEFAILED);
}

/* What chunk_record() works with: a sink, and the input's status. */
struct rec_arg {
	struct sink *k;
	int status;
};

/* Chunks a document record; arg is a struct rec_arg. */
static int
chunk_record(void *arg, json_t *rec, const struct record_at *at)
{
	struct rec_arg *a = arg;
	const char *doc, *lang;
	size_t doclen;

	doc = quarry_record_string(rec, "doc", &doclen);
	lang = quarry_record_string(rec, "lang", NULL);
	if (doc == NULL || at->text == NULL) {
		say(a->k, at->name, at->line,
		    "record has no string \"%s\" field; skipped",
		    doc == NULL ? "doc" : "text");
		a->status = -1;
	} else if (chunk_document(a->k, at->name, at->line, rec, at->r, doc,
	    doclen, at->text, at->len, lang ? lang : g.lang, NULL) != 0)
		a->status = -1;
	json_decref(rec);
	return 0;
}

/*
 * Documents in parallel.  A regular file of records is mapped and cut
 * into blocks of about PAR_BLOCK bytes of whole lines; with two threads,
 * each takes the next block as soon as it is free and chunks it with a
 * chunker of its own (and a copy of the tokenizer) into the block's own
 * buffers of records and messages; the main thread writes the blocks out
 * in the input's order as they are done, the messages' line numbers made
 * the file's.  At most PAR_SLOTS blocks are in flight.  The output is the
 * same as one thread's.  Standard input, and a terminal as standard
 * output, are read as a stream, one record at a time.  A block and its
 * records fit in the cache of the core that chunks it (half a megabyte
 * here): with blocks of 1 MB, the bench corpus took 4 to 5 ms more of 75.
 */
#define PAR_BLOCK ((size_t)256 << 10)
#define PAR_SLOTS 4

/* A thread's chunker. */
struct worker {
	quarry_chunker *chunker;
	quarry_tokenizer *tok;		/* its copy of the tokenizer */
};

/* A block of lines, and what chunking it gave. */
struct block {
	struct quarry_buf out;		/* its records */
	struct quarry_buf diag;		/* its messages (say()) */
	const char *data;		/* its lines */
	size_t len;
	int part;			/* not the input's start */
	unsigned long lines;		/* the lines in it */
	unsigned long docs;		/* documents chunked */
	unsigned long long bytes;	/* their text */
	int failed;			/* some line or document failed */
	int fatal;			/* reading stopped: the rest is lost */
	int done;
};

/* The blocks of an input and who works on them (par.mu guards all). */
static struct par {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const char *name;
	const char *data;		/* the mapped input */
	size_t len;
	size_t off;			/* where the next block starts */
	unsigned long taken;		/* blocks handed out */
	unsigned long written;		/* blocks written out */
	int stop;			/* a fatal block: take no more */
	int quit;			/* the second thread leaves */
	struct block slot[PAR_SLOTS];	/* block i is in slot[i % PAR_SLOTS] */
	struct worker w[2];
} par;

/* Gives w a chunker of its own, once. */
static void
worker_init(struct worker *w)
{
	quarry_chunk_options o = g.opts;

	if (w->chunker != NULL)
		return;
	if (o.tokenizer != NULL && quarry_tokenizer_dup(o.tokenizer, &w->tok) != 0)
		die(EXIT_SOMEFAILED, "out of memory");
	o.tokenizer = w->tok;
	if (quarry_chunker_new(&w->chunker, &o) != 0)
		die(EXIT_SOMEFAILED, "%s", quarry_chunker_error(w->chunker));
	quarry_chunker_set_threads(w->chunker, g.threads);
}

static void
par_free(void)
{
	size_t i;

	for (i = 0; i < 2; i++) {
		quarry_chunker_free(par.w[i].chunker);
		quarry_tokenizer_free(par.w[i].tok);
	}
	for (i = 0; i < PAR_SLOTS; i++) {
		quarry_buf_free(&par.slot[i].out);
		quarry_buf_free(&par.slot[i].diag);
	}
	memset(&par, 0, sizeof(par));
}

/* Keeps a message about a line of a block (records_loop()'s warn). */
static void
block_warn(void *arg, const struct record_at *at, const char *msg)
{
	struct rec_arg *a = arg;

	say(a->k, at->name, at->line, "%s", msg);
}

/* Chunks the records of block b with w's chunker: records_read()'s loop
 * (records_loop()), on a reader of its lines where they lie. */
static void
block_run(struct block *b, struct worker *w)
{
	/* The buffers are written here, not in par, where the slots share
	 * cache lines: each thread's writes of its own would take them from
	 * the other. */
	struct quarry_buf out = b->out, diag = b->diag;
	struct sink k = { w->chunker, &out, NULL, &diag, 0, 0 };
	struct rec_arg a = { &k, 0 };
	struct records how = { "text", chunk_record, NULL, &a, block_warn };
	quarry_reader *r;
	int rc;

	quarry_buf_truncate(&out, 0);
	quarry_buf_truncate(&diag, 0);
	if (quarry_reader_new_mem(&r, b->data, b->len, par.name,
	    b->part ? QUARRY_READ_PART : 0) != 0)
		die(EXIT_SOMEFAILED, "out of memory");
	quarry_reader_set_max_line(r, input_max_line());
	rc = records_loop(r, par.name, &how);
	/* At the end, the reader has counted every line of the block. */
	b->lines = quarry_reader_line(r);
	b->failed = rc != 0 || a.status != 0;
	b->fatal = rc == -2;
	b->docs = k.docs;
	b->bytes = k.bytes;
	b->out = out;
	b->diag = diag;
	quarry_reader_free(r);
}

/*
 * Writes block b's messages (their lines after *base, the lines before
 * the block) and records; the next block's lines start after b's.
 */
static void
block_write(struct block *b, unsigned long *base)
{
	const char *p = b->diag.data, *end = p + b->diag.len;

	while (p < end) {
		char *tab;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		unsigned long line = strtoul(p, &tab, 10);

		warnx_at(par.name, *base + line, "%.*s",
		    (int)(nl - tab - 1), tab + 1);
		p = nl + 1;
	}
	if (b->out.len > 0) {
		flush_line(NULL, &g.line);
		flush_line(NULL, &b->out);
	}
	*base += b->lines;
	g.docs += b->docs;
	g.bytes += b->bytes;
	progress("%lu documents, %.1f MB", g.docs, (double)g.bytes / 1e6);
}

/* The end of the block that starts at off: after the first newline at or
 * past PAR_BLOCK bytes, or the end of the data. */
static size_t
block_end(const char *data, size_t len, size_t off)
{
	const char *nl;

	if (len - off <= PAR_BLOCK)
		return len;
	nl = memchr(data + off + PAR_BLOCK - 1, '\n',
	    len - (off + PAR_BLOCK - 1));
	return nl != NULL ? (size_t)(nl - data) + 1 : len;
}

/* With par.mu held: hands out the next block, or NULL when there is none
 * to take now (all taken, a fatal one seen, or its slot not yet written). */
static struct block *
block_take(void)
{
	struct block *b;
	size_t e;

	if (par.off >= par.len || par.stop ||
	    par.taken >= par.written + PAR_SLOTS)
		return NULL;
	b = &par.slot[par.taken % PAR_SLOTS];
	e = block_end(par.data, par.len, par.off);
	b->data = par.data + par.off;
	b->len = e - par.off;
	b->part = par.off > 0;
	b->done = 0;
	par.off = e;
	par.taken++;
	return b;
}

/* With par.mu held: chunks block b with w (par.mu let go meanwhile), and
 * says it is done; a fatal block stops the taking of more. */
static void
block_run_locked(struct block *b, struct worker *w)
{
	pthread_mutex_unlock(&par.mu);
	block_run(b, w);
	pthread_mutex_lock(&par.mu);
	b->done = 1;
	if (b->fatal)
		par.stop = 1;
	pthread_cond_broadcast(&par.cv);
}

/* The second thread: takes blocks until there are none, or it is told to
 * quit. */
static void *
par_main(void *arg)
{
	struct block *b;

	(void)arg;
	pthread_mutex_lock(&par.mu);
	for (;;) {
		while (!par.quit && (b = block_take()) == NULL)
			pthread_cond_wait(&par.cv, &par.mu);
		if (par.quit)
			break;
		block_run_locked(b, &par.w[1]);
	}
	pthread_mutex_unlock(&par.mu);
	return NULL;
}

/* Chunks the records of name, mapped in m, on two threads; returns 0, or
 * -1 when some line or document failed.  The pages of each block written
 * are unmapped then (file_release()). */
static int
do_records_par(const char *name, struct file_map *m)
{
	unsigned long base = 0;
	struct block *b;
	pthread_t t;
	int status = 0, fatal = 0;

	worker_init(&par.w[0]);
	worker_init(&par.w[1]);
	par.name = name;
	par.data = m->data;
	par.len = m->len;
	par.off = 0;
	par.taken = par.written = 0;
	par.stop = par.quit = 0;
	if (pthread_mutex_init(&par.mu, NULL) != 0 ||
	    pthread_cond_init(&par.cv, NULL) != 0 ||
	    thread_start(&t, par_main, NULL) != 0)
		die(EXIT_SOMEFAILED, "cannot start a thread");
	pthread_mutex_lock(&par.mu);
	while (!fatal && par.written < par.taken + (par.off < par.len &&
	    !par.stop)) {
		/* Write what is done, in order; else chunk a block; else
		 * wait for the second thread. */
		b = &par.slot[par.written % PAR_SLOTS];
		if (par.written < par.taken && b->done) {
			pthread_mutex_unlock(&par.mu);
			block_write(b, &base);
			status |= b->failed;
			fatal = b->fatal;
			file_release(m, b->data + b->len);
			pthread_mutex_lock(&par.mu);
			par.written++;
			pthread_cond_broadcast(&par.cv);
		} else if ((b = block_take()) != NULL) {
			block_run_locked(b, &par.w[0]);
		} else
			pthread_cond_wait(&par.cv, &par.mu);
	}
	/* After a fatal block, the blocks taken after it are not written;
	 * the second thread finishes the one it has. */
	par.quit = 1;
	pthread_cond_broadcast(&par.cv);
	pthread_mutex_unlock(&par.mu);
	pthread_join(t, NULL);
	pthread_cond_destroy(&par.cv);
	pthread_mutex_destroy(&par.mu);
	return status ? -1 : 0;
}

static int
do_records(const char *name)
{
	struct rec_arg a = { &main_sink, 0 };
	/* The text is taken out of the record: decoded once into the
	 * reader's buffer, and the chunks' texts are copied from the input
	 * as it was encoded. */
	struct records how = { "text", chunk_record, NULL, &a, NULL };
	struct stat st;

	if (g.threads >= 2 && !g.tty && strcmp(name, "-") != 0 &&
	    stat(name, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size >= 2 * PAR_BLOCK) {
		struct quarry_buf none = { 0 };
		struct file_map m = { 0 };
		int rc;

		if (file_map(&m, name, (size_t)-1 / 2, &none,
		    FILE_MAP_LAZY) == 0 &&
		    m.map != NULL) {
			g.mapped = name;
			rc = do_records_par(name, &m);
			g.mapped = NULL;
			file_unmap(&m);
			return rc;
		}
		file_unmap(&m);
		quarry_buf_free(&none);
	}
	if (records_read(name, &how) != 0)
		a.status = -1;
	return a.status;
}

int
main(int argc, char **argv)
{
	quarry_chunk_options o;
	quarry_tokenizer *tok = NULL;
	const char *tokfile = NULL;
	struct inputs in;
	size_t i;
	int ch, text_mode = 0, status = EXIT_OK;
	long threads = sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 2 : 1;

	prog_init(argv);
	quarry_chunk_options_init(&o);
	while ((ch = getopt_long(argc, argv, "s:u:o:m:t:l:j:0q", longopts,
	    NULL)) != -1) {
		/* -s, -u, -o, -m, -t: the chunker's options' letters. */
		const char *letter = ch > 0 && ch < 128 ?
		    strchr(CHUNK_LETTERS, ch) : NULL;

		if (chunk_option(&o, &tokfile, letter != NULL ? OPT_CHUNK_SIZE +
		    (int)(letter - CHUNK_LETTERS) : ch))
			continue;
		switch (ch) {
		case 'l':
			g.lang = optarg;
			break;
		case OPT_SPLIT:
			o.split = parse_choice("--split", optarg,
			    split_names) == 0 ? QUARRY_SPLIT_CHUNKS :
			    QUARRY_SPLIT_SENTENCES;
			break;
		case 'j':
			threads = (long)parse_number("--threads", optarg, 1, 1024);
			break;
		case OPT_TEXT:
			text_mode = 1;
			break;
		default:
			std_option(ch, usage);
		}
	}
	files_check(NULL);
	tok = chunk_check(&o, tokfile);
	if (quarry_chunker_new(&g.chunker, &o) != 0)
		usage_error("%s", quarry_chunker_error(g.chunker));
	quarry_chunker_set_threads(g.chunker, (int)threads);
	/* flush_line() and release_map() share nothing (chunk_private.h). */
	chunker_set_release_any(g.chunker, 1);
	g.threads = (int)threads;
	g.opts = o;
	main_sink.chunker = g.chunker;
	main_sink.out = &g.line;
	main_sink.flush = flush_line;
	progress_start();
	{
		/* A mapped input (--text, or records on two threads). */
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigbus;
		(void)sigaction(SIGBUS, &sa, NULL);
	}
	/* Records are gathered in g.line and written in large blocks. */
	(void)setvbuf(stdout, NULL, _IONBF, 0);
	g.tty = isatty(STDOUT_FILENO);
	atexit(flush_at_exit);
	if (inputs_get(&in, argc - optind, argv + optind) != 0)
		exit(EXIT_SOMEFAILED);
	for (i = 0; i < in.n; i++) {
		int r = text_mode ? do_text(in.names[i], input_max_line()) :
		    do_records(in.names[i]);

		if (r != 0)
			status = EXIT_SOMEFAILED;
	}
	flush_line(NULL, &g.line);
	progress_done();
	inputs_free(&in);
	quarry_chunker_free(g.chunker);
	par_free();	/* before tok: its chunkers hold copies */
	quarry_tokenizer_free(tok);
	quarry_buf_free(&g.line);
	close_stdout();
	return status;
}
