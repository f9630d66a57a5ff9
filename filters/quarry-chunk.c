/*
 * quarry-chunk: splits document records into chunk records.
 *
 * Reads document records (or, with --text, raw text files), splits each
 * document's text with libquarry's chunker and writes one chunk record per
 * chunk (man/quarry.7).  All the splitting logic lives in src/chunker.c.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "extract_private.h"
#include "file_private.h"
#include "quarry.h"

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
"                         no headings, is chunked from both ends (default 2\n"
"                         with 2 CPUs or more, else 1); the output is the\n"
"                         same\n"
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
} g;

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
	const char *file;
	unsigned long line;
};

static void
fm_warn(void *arg, unsigned long line, const char *msg)
{
	const struct fm_ctx *c = arg;

	/* In --text mode the line is the file's; in a record, the text's. */
	if (c->line == 0)
		warnx_at(c->file, line, "%s", msg);
	else
		warnx_at(c->file, c->line, "line %lu of the text: %s", line, msg);
}

/*
 * Chunks one document and writes its chunk records.  rec supplies the other
 * fields (may be NULL in --text mode, where doc is the name); r, the reader
 * that gave text (NULL in --text mode), copies chunk texts.  Returns 0, or
 * -1 after reporting a fault.
 */
static int
chunk_document(const char *file, unsigned long line, const json_t *rec,
    quarry_reader *r, const char *doc, size_t doclen, const char *text,
    size_t len, const char *lang)
{
	quarry_chunk_doc d = { rec, doc, doclen, text, len, lang, r,
	    fm_warn, NULL };
	struct fm_ctx fc = { file, line };
	size_t mark = g.line.len;
	unsigned long flushes = g.flushes;
	int rc;

	d.warn_arg = &fc;

	/* The records are written 256 kB at a time (flush_line()), rather
	 * than one write(2) per record or per document. */
	rc = quarry_chunk_records(g.chunker, &d, &g.line, NULL, flush_line,
	    NULL);
	if (rc == QUARRY_ENOMEM)
		die(EXIT_SOMEFAILED, "out of memory");
	if (rc != 0) {
		/* The failed document's records not yet written are
		 * dropped; those of earlier documents are kept. */
		quarry_buf_truncate(&g.line, g.flushes == flushes ? mark : 0);
		warnx_at(file, line, "%s", quarry_chunker_error(g.chunker));
		return -1;
	}
	if (g.tty)	/* shown as they come */
		flush_line(NULL, &g.line);
	g.docs++;
	g.bytes += len;
	progress("%lu documents, %.1f MB", g.docs, (double)g.bytes / 1e6);
	return 0;
}

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
		rc = file_map(&m, name, max, &data);
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
	rc = chunk_document(name, 0, rec, NULL, name, strlen(name),
	    m.data + skip, m.len - skip, g.lang);
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

/* Chunks a document record; arg is do_records()'s status. */
static int
chunk_record(void *arg, json_t *rec, const struct record_at *at)
{
	const char *doc, *lang;
	size_t doclen;
	int *status = arg;

	doc = quarry_record_string(rec, "doc", &doclen);
	lang = quarry_record_string(rec, "lang", NULL);
	if (doc == NULL || at->text == NULL) {
		warnx_at(at->name, at->line,
		    "record has no string \"%s\" field; skipped",
		    doc == NULL ? "doc" : "text");
		*status = -1;
	} else if (chunk_document(at->name, at->line, rec, at->r, doc,
	    doclen, at->text, at->len, lang ? lang : g.lang) != 0)
		*status = -1;
	json_decref(rec);
	return 0;
}

static int
do_records(const char *name)
{
	int status = 0;
	/* The text is taken out of the record: decoded once into the
	 * reader's buffer, and the chunks' texts are copied from the input
	 * as it was encoded. */
	struct records how = { "text", chunk_record, NULL, &status };

	if (records_read(name, &how) != 0)
		status = -1;
	return status;
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
	g.threads = (int)threads;
	progress_start();
	if (text_mode) {
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
	quarry_tokenizer_free(tok);
	quarry_buf_free(&g.line);
	close_stdout();
	return status;
}
