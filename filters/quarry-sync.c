/*
 * quarry-sync: brings a quarry store up to date with directory trees, the
 * cron job in one command: extract, metadata, chunk, embed and index for
 * the files that are new or changed, and delete the documents whose files
 * are gone.  The work is done by quarry_sync_run() (src/sync.c); this file
 * parses the options, opens the store and the embedder, and reports.
 * Usage is in man/quarry-sync.1.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "quarry.h"

static int status = EXIT_OK;
static unsigned long warnings;	/* warnings reported (--strict) */

/* The run a SIGINT or SIGTERM stops, and the first such signal. */
static quarry_sync *running;
static volatile sig_atomic_t got_signal;

/* For the test suite: raise a signal after a number of batches. */
static unsigned long raise_after;
static int raise_sig;

static void
usage(void)
{
	printf("Usage: %s --db PATH [OPTION]... DIR|FILE...\n", progname);
	fputs(
"Bring the quarry store PATH up to date with the documents (PDF, HTML, plain\n"
"text, Markdown) under each DIR: extract, chunk, embed and index the files\n"
"that are new or changed since the last run, and delete the documents whose\n"
"files are gone.\n"
"\n"
"      --db=PATH          the store (created when missing)\n"
"  -j, --jobs=N           extract N files at once, and link a batch's new\n"
"                         vectors into a graph with N threads (default 1)\n"
"      --force            extract every file, changed or not\n"
"      --rebuild          re-chunk and re-embed every document when the\n"
"                         chunk, context or extraction settings differ from\n"
"                         those the store was built with (without it, such\n"
"                         a run stops before changing anything)\n"
"      --keep             do not delete documents whose files are gone\n"
"      --outside-links    follow symbolic links to files outside the DIRs\n"
"      --include=GLOB     take only the files matching GLOB (repeatable)\n"
"      --exclude=GLOB     leave out the files and directories matching GLOB\n"
"                         (repeatable); GLOB is matched against the path\n"
"                         below DIR, or the name when it has no '/'; '*'\n"
"                         stops at '/', '**' spans directories\n"
"      --no-ignore        do not read DIR/.quarryignore\n"
"      --max-size=BYTES   leave out files larger than BYTES, after gzip is\n"
"                         undone (default 512 MiB)\n"
"      --timeout=SECONDS  give up on a file's extraction after SECONDS\n"
"                         (default 60; 0: no limit)\n"
"      --batch-docs=N     commit after every N documents (default 100)\n"
"      --batch-bytes=SIZE commit after SIZE bytes of text (k, M, G; default\n"
"                         4M)\n"
"      --batch-seconds=S  commit S seconds after a batch's first document\n"
"                         (default 30; 0 for any of them: no such limit)\n"
"      --wait=SECONDS     give up when another writer holds the store longer\n"
"                         than this (default: wait)\n"
"      --changes=FILE     write the changes this run made to FILE (- for\n"
"                         standard output) as a change feed (quarry(7))\n"
"Chunking (as quarry-chunk):\n"
"      --size=N           at most N units per chunk (default 512)\n"
"      --unit=UNIT        chars, words or tokens (default tokens)\n"
"      --overlap=N        overlap between chunks, in units (default 0)\n"
"      --min=N            merge a trailing chunk smaller than N units\n"
"      --tokenizer=NAME   cl100k_base, o200k_base, a rank file or estimate\n"
"                         (default as quarry-chunk's)\n"
"Embedding (as quarry-embed; default: the built-in hash-v1/384):\n"
"      --dims=N           dimensions\n"
"      --url=URL          OpenAI-compatible endpoint; the API key is taken\n"
"                         from QUARRY_API_KEY or OPENAI_API_KEY\n"
"      --model=NAME       model name sent to the endpoint\n"
"      --command=CMD      run CMD as a long-running embedder\n"
"      --batch=N          inputs per HTTP request (default 64)\n"
"      --parallel=N       HTTP requests in flight (default 4)\n"
"      --retries=N        retries of a failed request (default 5)\n"
"      --max-input=N      refuse texts longer than N characters\n"
"      --no-context       embed chunk texts alone, without the title and\n"
"                         heading path\n"
"Metadata (as quarry-meta):\n"
"      --set=FIELD=VALUE  set FIELD in every record\n"
"      --default=FIELD=VALUE  set FIELD where a record lacks it\n"
"Extraction:\n"
"      --pages=A-B        extract pages A to B of each PDF (A-, -B, A)\n"
"      --max-pages=N      extract at most N pages of a PDF\n"
"      --all              keep the whole body of web pages\n"
"      --keep-contents    keep contents and index pages (PDF and HTML)\n"
"\n"
"      --strict           exit 1 on warnings too (a file without text)\n"
"  -v, --verbose          name each file left out, with its reason, and add a\n"
"                         line of chunk figures to the summary\n"
"  -q, --quiet            no progress line and no summary\n"
"      --progress         progress line even when stderr is not a terminal\n"
"      --help             display this help and exit\n"
"      --version          output version information and exit\n"
"\n"
"Exit status: 0 on success, warnings included, 1 if some file failed (the\n"
"rest is still processed) or, with --strict, was warned about, 2 on a\n"
"usage error, 130 or 143 when stopped by SIGINT or SIGTERM (the batches\n"
"committed so far are kept).  See quarry-sync(1).\n",
	    stdout);
}

static int verbose;

static void
on_report(void *arg, const char *path, unsigned long line, int warning,
    const char *msg)
{
	(void)arg;
	if (warning == QUARRY_SYNC_NOTE) {
		if (verbose)
			warnx_at(path, line, "%s", msg);
		return;
	}
	warnx_at(path, line, "%s%s", warning ? "warning: " : "", msg);
	if (!warning)
		status = EXIT_SOMEFAILED;
	else
		warnings++;
}

static void
on_skip(void *arg, const char *path, enum quarry_skip why)
{
	(void)arg;
	if (verbose)
		warnx_at(path, 0, "skipped: %s", quarry_skip_reason(why));
}

/* Appends to buf the count of each reason ("2 hidden, 1 binary"). */
static void
skip_reasons(const quarry_sync_counts *c, char *buf, size_t len)
{
	size_t i, o = 0;

	*buf = '\0';
	for (i = 0; i < QUARRY_SKIP_N && o < len; i++) {
		if (c->skip[i] == 0)
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%llu %s",
		    o ? ", " : "", (unsigned long long)c->skip[i],
		    quarry_skip_reason((enum quarry_skip)i));
	}
}

static void
on_progress(void *arg, const quarry_sync_counts *c, const char *path)
{
	(void)arg;
	(void)path;
	progress("%llu files: %llu added, %llu changed, %llu unchanged, "
	    "%llu failed", (unsigned long long)c->files,
	    (unsigned long long)c->added, (unsigned long long)c->changed,
	    (unsigned long long)c->unchanged, (unsigned long long)c->failed);
}

/*
 * A first SIGINT or SIGTERM stops the run after the documents already
 * extracted (committed, summary printed); a second one abandons the batch
 * in flight at once (the store keeps every batch committed before).
 */
static void
on_signal(int sig)
{
	if (got_signal != 0 || running == NULL)
		_exit(128 + sig);
	got_signal = sig;
	quarry_sync_stop(running);
}

static void
on_commit(void *arg, const quarry_sync_counts *c)
{
	(void)arg;
	if (raise_after > 0 && c->batches == raise_after)
		raise(raise_sig);
}

/* A size in bytes, with an optional k, M or G (powers of 1024). */
static size_t
parse_size(const char *option, const char *s)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		usage_error("%s: '%s' is not a size", option, s);
	v = strtoull(s, &end, 10);
	if (*end == 'k' || *end == 'K')
		shift = 10;
	else if (*end == 'M')
		shift = 20;
	else if (*end == 'G')
		shift = 30;
	if (shift > 0)
		end++;
	if (*end != '\0' || errno == ERANGE || v > (SIZE_MAX >> shift))
		usage_error("%s: '%s' is not a size", option, s);
	return (size_t)(v << shift);
}

/* QUARRY_TEST_SYNC_RAISE="N SIGNAL": raise SIGNAL after batch N. */
static void
test_hook(void)
{
	const char *e = getenv("QUARRY_TEST_SYNC_RAISE");
	char *end;

	if (e == NULL || *e == '\0')
		return;
	raise_after = strtoul(e, &end, 10);
	raise_sig = (int)strtol(end, &end, 10);
	if (raise_after == 0 || raise_sig <= 0 || *end != '\0')
		usage_error("QUARRY_TEST_SYNC_RAISE: '%s' is not \"N SIGNAL\"",
		    e);
}

/*
 * The tokenizer as the store records it: a rank file by its name without
 * directory and ".tiktoken", so that "cl100k_base" and a path to
 * cl100k_base.tiktoken are the same tokenizer.
 */
static const char *
tokenizer_name(const char *given)
{
	static char name[256];
	const char *base = strrchr(given, '/');
	size_t n;

	snprintf(name, sizeof(name), "%s", base ? base + 1 : given);
	n = strlen(name);
	if (n > 9 && strcmp(name + n - 9, ".tiktoken") == 0)
		name[n - 9] = '\0';
	return name;
}

int
main(int argc, char **argv)
{
	enum { O_DB = 256, O_FORCE, O_KEEP, O_OUTSIDE, O_TIMEOUT, O_WAIT,
	    O_SET, O_DEFAULT,
	    O_MAXPAGES, O_ALL, O_NO_CONTEXT,
	    O_PAGES, O_BATCH_DOCS, O_BATCH_BYTES, O_BATCH_SECONDS, O_REBUILD,
	    O_KEEPTOC, O_STRICT, O_CHANGES, O_INCLUDE, O_EXCLUDE, O_NO_IGNORE,
	    O_MAX_SIZE };
	static const struct option opts[] = {
		{ "db", required_argument, NULL, O_DB },
		{ "jobs", required_argument, NULL, 'j' },
		{ "force", no_argument, NULL, O_FORCE },
		{ "rebuild", no_argument, NULL, O_REBUILD },
		{ "keep", no_argument, NULL, O_KEEP },
		{ "outside-links", no_argument, NULL, O_OUTSIDE },
		{ "include", required_argument, NULL, O_INCLUDE },
		{ "exclude", required_argument, NULL, O_EXCLUDE },
		{ "no-ignore", no_argument, NULL, O_NO_IGNORE },
		{ "max-size", required_argument, NULL, O_MAX_SIZE },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "batch-docs", required_argument, NULL, O_BATCH_DOCS },
		{ "batch-bytes", required_argument, NULL, O_BATCH_BYTES },
		{ "batch-seconds", required_argument, NULL, O_BATCH_SECONDS },
		{ "wait", required_argument, NULL, O_WAIT },
		CHUNK_LONGOPTS,
		/* Long options only here: not in the short options below. */
		EMBED_LONGOPTS,
		{ "no-context", no_argument, NULL, O_NO_CONTEXT },
		{ "pages", required_argument, NULL, O_PAGES },
		{ "set", required_argument, NULL, O_SET },
		{ "default", required_argument, NULL, O_DEFAULT },
		{ "max-pages", required_argument, NULL, O_MAXPAGES },
		{ "all", no_argument, NULL, O_ALL },
		{ "keep-contents", no_argument, NULL, O_KEEPTOC },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "changes", required_argument, NULL, O_CHANGES },
		{ "verbose", no_argument, NULL, 'v' },
		STD_LONGOPTS
	};
	quarry_sync_options so;
	quarry_embed_options eo;
	quarry_store_counts k;
	quarry_sync_counts c;
	quarry_store *st = NULL;
	quarry_embedder *emb = NULL;
	quarry_tokenizer *tok = NULL;
	quarry_sync *sync = NULL;
	quarry_meta *meta;
	const char *db = NULL, *tokfile = NULL, *key, *changes = NULL;
	FILE *changes_fp = NULL;
	uint64_t seq0 = 0;
	long wait_ms = -1;
	const char **incl, **excl;
	size_t nincl = 0, nexcl = 0;
	int ch, rc, strict = 0;

	prog_init(argv);
	quarry_sync_options_init(&so);
	quarry_embed_options_init(&eo);
	if (quarry_meta_new(&meta) != 0 ||
	    (incl = calloc((size_t)argc, sizeof(*incl))) == NULL ||
	    (excl = calloc((size_t)argc, sizeof(*excl))) == NULL)
		die(EXIT_SOMEFAILED, "out of memory");
	while ((ch = getopt_long(argc, argv, "j:vq", opts, NULL)) != -1) {
		if (embed_option(&eo, ch) ||
		    chunk_option(&so.chunk, &tokfile, ch))
			continue;
		switch (ch) {
		case O_DB: db = optarg; break;
		case O_CHANGES: changes = optarg; break;
		case 'j':
			so.jobs = (unsigned)parse_number("--jobs", optarg, 1, 64);
			break;
		case O_FORCE: so.force = 1; break;
		case O_REBUILD: so.rebuild = 1; break;
		case O_KEEP: so.keep = 1; break;
		case O_OUTSIDE: so.outside_links = 1; break;
		case O_INCLUDE:
			if (*optarg == '\0')
				usage_error("--include: empty pattern");
			incl[nincl++] = optarg;
			break;
		case O_EXCLUDE:
			if (*optarg == '\0')
				usage_error("--exclude: empty pattern");
			excl[nexcl++] = optarg;
			break;
		case O_NO_IGNORE: so.no_ignore = 1; break;
		case O_MAX_SIZE:
			so.max_size = parse_number("--max-size", optarg, 1,
			    SIZE_MAX / 2);
			break;
		case O_TIMEOUT:
			so.timeout = parse_double("--timeout", optarg, 0, 1e6);
			break;
		case O_BATCH_DOCS:
			so.batch_docs = parse_number("--batch-docs", optarg, 0,
			    1000000000);
			break;
		case O_BATCH_BYTES:
			so.batch_bytes = parse_size("--batch-bytes", optarg);
			break;
		case O_BATCH_SECONDS:
			so.batch_seconds = parse_double("--batch-seconds",
			    optarg, 0, 1e6);
			break;
		case O_WAIT:
			wait_ms = (long)(parse_double("--wait", optarg, 0,
			    1e6) * 1000);
			break;
		case O_SET:
		case O_DEFAULT:
			if (quarry_meta_assign(meta, optarg, ch == O_DEFAULT)
			    != 0)
				usage_error("--%s: %s", ch == O_SET ? "set" :
				    "default", quarry_meta_error(meta));
			break;
		case O_MAXPAGES:
			so.pdf.max_pages = (unsigned)parse_number("--max-pages",
			    optarg, 1, 1000000000);
			break;
		case O_ALL: so.html.all = 1; break;
		case O_KEEPTOC:
			so.html.keep_contents = so.pdf.keep_contents = 1;
			break;
		case O_STRICT: strict = 1; break;
		case O_NO_CONTEXT: so.no_context = 1; break;
		case O_PAGES:
			parse_pages("--pages", optarg, &so.pdf.first_page,
			    &so.pdf.last_page);
			break;
		case 'v': verbose = 1; break;
		default:
			std_option(ch, usage);
		}
	}
	argc -= optind;
	argv += optind;
	if (db == NULL)
		usage_error("--db PATH is required");
	if (argc == 0)
		usage_error("no directory to sync");
	embed_check(&eo);
	progress_start();
	test_hook();

	/* As quarry-chunk's: --tokenizer, $QUARRY_TOKENIZER, else
	 * cl100k_base when installed, else the estimator. */
	tok = chunk_check(&so.chunk, tokfile);
	if (so.chunk.unit == QUARRY_UNIT_TOKENS) {
		so.tokenizer_name = tok == NULL ? "estimate" :
		    tokenizer_name(tokfile ? tokfile :
		    quarry_tokenizer_default());
	}
	rc = quarry_store_open(&st, db, QUARRY_STORE_CREATE);
	if (rc != 0)
		die(EXIT_SOMEFAILED, "%s", quarry_store_error(st));
	quarry_store_set_threads(st, so.jobs);
	/* An endpoint's dimensions default to the store's, which makes the
	 * vector cache usable from the first document. */
	if (eo.dims == 0 && (eo.url || eo.command)) {
		quarry_store_info info;

		if (quarry_store_stats(st, &info) == 0)
			eo.dims = info.dims;
	}
	if ((rc = quarry_embedder_new(&emb, &eo)) != 0)
		die(rc == QUARRY_EINVAL ? EXIT_USAGE : EXIT_SOMEFAILED, "%s",
		    quarry_embedder_error(emb));
	if ((key = getenv("QUARRY_PDF_PASSWORD")) != NULL && *key != '\0')
		so.pdf.password = key;
	if (eo.url)
		so.embed_batch = eo.batch * eo.parallel;
	so.embedder = emb;
	so.meta = meta;
	so.include = incl;
	so.ninclude = nincl;
	so.exclude = excl;
	so.nexclude = nexcl;
	so.skip = on_skip;
	so.report = on_report;
	so.progress = on_progress;
	so.committed = on_commit;
	if ((rc = quarry_sync_new(&sync, st, &so)) != 0)
		usage_error("%s", quarry_sync_error(sync));
	if ((rc = store_lock(st, wait_ms)) != 0)
		die(EXIT_SOMEFAILED, "%s", quarry_store_error(st));
	/* With the writer lock held, the changes after seq0 are this run's. */
	if (changes != NULL) {
		changes_fp = changes_open(changes);
		if ((rc = quarry_store_change_seq(st, &seq0, NULL)) != 0)
			die(EXIT_SOMEFAILED, "%s", quarry_store_error(st));
	}
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		running = sync;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	rc = quarry_sync_run(sync, argv, (size_t)argc);
	progress_done();
	/* What was committed, also when the run failed part-way. */
	if (changes_fp != NULL &&
	    changes_write(st, seq0, changes_fp, changes) != 0)
		status = EXIT_SOMEFAILED;
	if (rc == QUARRY_ESTOPPED && got_signal != 0) {
		warnx_at(NULL, 0, "stopped by %s; the batches committed so far "
		    "are kept", got_signal == SIGINT ? "SIGINT" : "SIGTERM");
		status = 128 + got_signal;
	} else if (rc == QUARRY_ESETTINGS) {
		warnx_at(db, 0, "%s; nothing was changed (--rebuild re-chunks "
		    "and re-embeds with this run's settings)",
		    quarry_sync_error(sync));
		status = EXIT_SOMEFAILED;
	} else if (rc != 0) {
		warnx_at(NULL, 0, "%s", quarry_sync_error(sync));
		status = EXIT_SOMEFAILED;
	}
	quarry_sync_get_counts(sync, &c);
	if (!std_quiet()) {
		char skipped[640] = "", why[448];
		int w = 0;

		skip_reasons(&c, why, sizeof(why));
		if (c.empty > 0)
			w = snprintf(skipped, sizeof(skipped),
			    ", %llu without text", (unsigned long long)c.empty);
		if (c.contents > 0)
			w += snprintf(skipped + w, sizeof(skipped) - (size_t)w,
			    ", %llu contents pages left out",
			    (unsigned long long)c.contents);
		if (c.skipped > 0)
			snprintf(skipped + w, sizeof(skipped) - (size_t)w,
			    ", %llu skipped (%s)", (unsigned long long)c.skipped,
			    why);
		warnx_at(NULL, 0, "%llu added, %llu changed, %llu unchanged, "
		    "%llu deleted, %llu failed%s", (unsigned long long)c.added,
		    (unsigned long long)c.changed,
		    (unsigned long long)c.unchanged,
		    (unsigned long long)c.deleted, (unsigned long long)c.failed,
		    skipped);
		if (verbose) {
			quarry_store_get_counts(st, &k);
			warnx_at(NULL, 0, "chunks: %llu stored, %llu embedded, "
			    "%llu reused; store: %llu added, %llu kept, "
			    "%llu deleted", (unsigned long long)c.chunks,
			    (unsigned long long)c.embedded,
			    (unsigned long long)c.reused,
			    (unsigned long long)k.chunks_added,
			    (unsigned long long)k.chunks_kept,
			    (unsigned long long)k.chunks_deleted);
		}
	}
	if ((c.failed > 0 || (strict && warnings > 0)) && status == EXIT_OK)
		status = EXIT_SOMEFAILED;
	quarry_sync_free(sync);
	quarry_embedder_free(emb);
	quarry_store_close(st);
	quarry_tokenizer_free(tok);
	quarry_meta_free(meta);
	free(incl);
	free(excl);
	close_stdout();
	return status;
}
