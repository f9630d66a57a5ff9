/*
 * quarry-index: stores embedded chunk records in a quarry store (an LMDB
 * environment, man/quarry-store.5), writing only what changed, and answers
 * questions about the store (--stale, --stats, --export, --check).  The
 * store logic lives in src/store*.c; this file groups records by document
 * and reports.  Usage is in man/quarry-index.1.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "quarry.h"

enum mode { M_INDEX, M_DELETE, M_STALE, M_STATS, M_EXPORT, M_CHECK, M_REINDEX,
	M_SINCE, M_PRUNE_CHANGES, M_QUANTIZE, M_GRAPH };

static quarry_store *st;
static const char *dbpath;
static int status = EXIT_OK;

/* The records of the document being read, with where each came from. */
static struct group {
	json_t **recs;
	unsigned long *lines;
	const char **files;
	size_t n, cap;
	char *doc;
	int failed;
} g;
static json_t *seen;		/* doc ids met in the input */
static unsigned long unchanged, ndocs;

static void
usage(void)
{
	printf("usage: %s --db PATH [--sync] [--prune-missing] [--wait SECONDS]\n"
	    "           [--batch N] [--changes FILE] [-qv] [--files-from=F [-0]] [FILE...]\n"
	    "       %s --db PATH [--changes FILE] --delete DOC...\n"
	    "       %s --db PATH --stale [-0] [FILE...]\n"
	    "       %s --db PATH --stats | --export | --check | --reindex-lexical\n"
	    "       %s --db PATH --changes-since SEQ | --prune-changes SEQ\n"
	    "       %s --db PATH --quantize int8|bit|int8,bit|none\n"
	    "       %s --db PATH --graph hnsw|none [-j N] [--graph-m M]\n"
	    "           [--graph-ef N]\n"
	    "Store embedded chunk records (FILEs or standard input) in the quarry\n"
	    "store PATH, writing only documents that changed.\n\n"
	    "  --db PATH          the store (a directory, created when missing)\n"
	    "  --sync             delete documents absent from the input\n"
	    "  --prune-missing    delete documents whose source file is gone\n"
	    "  --delete           delete the documents named as operands\n"
	    "  --stale            print the FILEs new or changed since indexed\n"
	    "  -0, --null         NUL-separated names in (--files-from) and out\n"
	    "                     (--stale)\n"
	    "  --stats            print figures about the store\n"
	    "  --export           print every chunk record with its embedding\n"
	    "  --check            verify the store; exit 1 on a fault\n"
	    "  --reindex-lexical  rebuild the lexical (BM25) index from the stored\n"
	    "                     chunks; adds one to a store made without it\n"
	    "  --changes FILE     write the changes this run made to FILE (- for\n"
	    "                     standard output) as a change feed (quarry(7))\n"
	    "  --changes-since SEQ  print every change after SEQ; 0: a snapshot\n"
	    "  --prune-changes SEQ  drop the logged changes up to SEQ\n"
	    "  --quantize KINDS   keep quantized copies of the vectors for faster\n"
	    "                     search: int8, bit (1-bit) or both (int8,bit);\n"
	    "                     drop those not named, all with none\n"
	    "  --graph KIND       build an HNSW graph of the vectors (hnsw), kept\n"
	    "                     up to date by every later write, or drop it\n"
	    "                     (none)\n"
	    "  --graph-m M        hnsw: neighbours per node, 2M on level 0\n"
	    "                     (default 16)\n"
	    "  --graph-ef N       hnsw: candidates while linking (default 100)\n"
	    "  -j, --jobs N       hnsw: build with N threads, and when indexing\n"
	    "                     link many new vectors with N threads (default:\n"
	    "                     the number of processors)\n"
	    "  --batch N          commit at least every N documents\n"
	    "  --wait SECONDS     give up when another writer holds the store\n"
	    "                     longer than this (default: wait)\n"
	    "  --files-from=F     read the input names from F, one a line\n"
	    "                     (NUL-separated with -0); --files0-from=F is\n"
	    "                     --files-from=F -0 (the older spelling)\n"
	    "  -v, --verbose      print a summary of what was written\n"
	    "  -q, --quiet        no progress line\n"
	    "      --progress     progress line even when stderr is not a terminal\n"
	    "      --help         print this help and exit\n"
	    "      --version      print the version and exit\n",
	    progname, progname, progname, progname, progname, progname,
	    progname);
}

static void
fail_store(int rc)
{
	const char *m = quarry_store_error(st);

	if (*m != '\0')
		die(EXIT_SOMEFAILED, "%s", m);
	die(EXIT_SOMEFAILED, "%s: %s", dbpath, quarry_strerror(rc));
}

static void
group_clear(void)
{
	size_t i;

	for (i = 0; i < g.n; i++)
		json_decref(g.recs[i]);
	g.n = 0;
	g.failed = 0;
	free(g.doc);
	g.doc = NULL;
}

/* Stores the document read so far. */
static void
group_flush(void)
{
	quarry_fingerprint fp, *fpp = NULL;
	const char *src;
	char why[256], *path = NULL;
	size_t bad;
	int rc;

	if (g.n == 0 || g.failed) {
		if (g.failed)
			status = EXIT_SOMEFAILED;
		group_clear();
		return;
	}
	ndocs++;
	if (quarry_doc_complete(g.recs, g.n, &bad, why, sizeof(why)) != 0) {
		/* Never replace a document with part of it. */
		warnx_at(g.files[bad], g.lines[bad], "document \"%s\" is "
		    "incomplete: %s; not indexed (the stored one is kept)",
		    g.doc, why);
		status = EXIT_SOMEFAILED;
		group_clear();
		return;
	}
	src = quarry_record_string(g.recs[0], "source", NULL);
	if (src != NULL && strstr(src, "://") == NULL &&
	    (path = quarry_name_unescape(src)) != NULL &&
	    quarry_fingerprint_file(path, &fp) == 0)
		fpp = &fp;
	free(path);
	rc = quarry_store_put(st, g.recs, g.n, fpp, &bad);
	if (rc == 0 || rc == 2)
		unchanged++;
	else if (rc < 0 && bad == (size_t)-1)
		fail_store(rc);
	else if (rc < 0) {
		warnx_at(g.files[bad], g.lines[bad], "%s",
		    quarry_store_error(st));
		status = EXIT_SOMEFAILED;
	}
	if (ndocs % 256 == 0)
		progress("%lu documents, %lu unchanged", ndocs, unchanged);
	group_clear();
}

static void
group_add(json_t *rec, const char *file, unsigned long line)
{
	const char *doc = quarry_record_string(rec, "doc", NULL);

	if (doc == NULL) {
		warnx_at(file, line, "%s", json_object_get(rec, "doc") ?
		    "field \"doc\" is not a string" : "missing field \"doc\"");
		json_decref(rec);
		/* It may have belonged to the document being read. */
		g.failed = 1;
		return;
	}
	if (g.doc == NULL || strcmp(doc, g.doc) != 0) {
		int again = json_object_get(seen, doc) != NULL;

		group_flush();
		if ((g.doc = strdup(doc)) == NULL)
			die(EXIT_SOMEFAILED, "out of memory");
		json_object_set_new(seen, doc, json_true());
		if (again) {
			warnx_at(file, line,
			    "document \"%s\" appears again after other documents (its records must be consecutive); not indexed",
			    doc);
			g.failed = 1;
		}
	}
	if (g.n == g.cap) {
		g.cap = g.cap ? g.cap * 2 : 64;
		g.recs = realloc(g.recs, g.cap * sizeof(*g.recs));
		g.lines = realloc(g.lines, g.cap * sizeof(*g.lines));
		g.files = realloc(g.files, g.cap * sizeof(*g.files));
		if (g.recs == NULL || g.lines == NULL || g.files == NULL)
			die(EXIT_SOMEFAILED, "out of memory");
	}
	g.recs[g.n] = rec;
	g.lines[g.n] = line;
	g.files[g.n++] = file;
}

/* A line of this input could not be read: see unreadable(). */
static int poison;

/* Adds a record of the input (records_read() calls it). */
static int
index_record(void *arg, json_t *rec, const struct record_at *at)
{
	(void)arg;
	if (poison) {
		const char *doc = quarry_record_string(rec, "doc", NULL);

		poison = 0;
		if (g.doc == NULL || doc == NULL || strcmp(doc, g.doc) != 0) {
			group_add(rec, at->name, at->line);
			g.failed = 1;
			return 0;
		}
	}
	group_add(rec, at->name, at->line);
	return 0;
}

/*
 * A line that could not be read belonged to this document or the next:
 * index neither.  (It also makes the input unread, so --sync deletes
 * nothing: it may have been the only line of a document.)
 */
static void
unreadable(void *arg, const struct record_at *at)
{
	(void)arg;
	(void)at;
	g.failed = 1;
	poison = 1;
}

static int
queue_delete(const char *doc, int warn)
{
	int rc = quarry_store_delete(st, doc);

	if (rc == QUARRY_ENOTFOUND && warn) {
		warnx_at(NULL, 0, "%s: no document \"%s\"", dbpath, doc);
		status = EXIT_SOMEFAILED;
	} else if (rc < 0 && rc != QUARRY_ENOTFOUND)
		fail_store(rc);
	return 0;
}

static int
sync_one(const char *doc, const char *source, void *arg)
{
	(void)source;
	(void)arg;
	if (json_object_get(seen, doc) == NULL)
		queue_delete(doc, 0);
	return 0;
}

static int
prune_one(const char *doc, const char *source, void *arg)
{
	quarry_fingerprint fp;
	char *path;

	(void)arg;
	if (source == NULL || strstr(source, "://") != NULL)
		return 0;
	if ((path = quarry_name_unescape(source)) == NULL)
		return QUARRY_ENOMEM;
	if (quarry_fingerprint_file(path, &fp) == QUARRY_ENOTFOUND)
		queue_delete(doc, 0);
	free(path);
	return 0;
}

/* --changes-since: the changes after since, or a snapshot for 0. */
static void
changes_since(unsigned long since)
{
	int rc = since == 0 ? quarry_store_changes_snapshot(st, record_put,
	    stdout) : quarry_store_changes(st, since, record_put, stdout);

	if (rc == QUARRY_EIO)
		return;		/* close_stdout() reports it */
	if (rc == QUARRY_ENOTFOUND || rc == QUARRY_EINVAL)
		die(EXIT_SOMEFAILED, "%s; take a snapshot with --changes-since 0",
		    quarry_store_error(st));
	if (rc != 0)
		fail_store(rc);
}

static void
check_fault(const char *msg, void *arg)
{
	(void)arg;
	warnx_at(dbpath, 0, "%s", msg);
}

/* Takes the store's writer lock, waiting up to wait_ms (-1: for ever) when
 * another writer holds it; exits on failure. */
static void
lock_writer(long wait_ms)
{
	int rc;

	if ((rc = store_lock(st, wait_ms)) != 0)
		fail_store(rc);
}

/*
 * The modes that rewrite a part of the store in one write, under the
 * writer lock: --prune-changes (up to seq), --reindex-lexical, --quantize
 * and --graph (kinds: their argument; "none" drops).  -v says what was done.
 */
static void
rewrite(enum mode mode, long wait_ms, unsigned long seq, const char *kinds,
    const quarry_graph_options *gopt, int verbose)
{
	uint64_t count = 0;
	unsigned long long n;
	int rc;

	lock_writer(wait_ms);
	switch (mode) {
	case M_PRUNE_CHANGES:
		rc = quarry_store_prune_changes(st, seq, &count);
		break;
	case M_REINDEX:
		progress("rebuilding the lexical index");
		rc = quarry_store_reindex_lexical(st, &count);
		break;
	case M_QUANTIZE:
		progress("quantizing the vectors");
		rc = quarry_store_quantize(st, kinds, &count);
		break;
	default:
		progress("building the graph");
		rc = quarry_store_graph(st, kinds, gopt, &count);
		break;
	}
	if (rc != 0)
		fail_store(rc);
	progress_done();
	n = (unsigned long long)count;
	if (!verbose)
		return;
	if (mode == M_PRUNE_CHANGES)
		warnx_at(NULL, 0, "%llu changes pruned", n);
	else if (mode == M_REINDEX)
		warnx_at(NULL, 0, "lexical index rebuilt: %llu chunks", n);
	else if (strcmp(kinds, "none") == 0)
		warnx_at(NULL, 0, "%s dropped", mode == M_QUANTIZE ?
		    "quantized copies" : "graph");
	else if (mode == M_QUANTIZE)
		warnx_at(NULL, 0, "%s copy made: %llu vectors", kinds, n);
	else
		warnx_at(NULL, 0, "graph built: %llu nodes", n);
}

static void
print_stats(void)
{
	quarry_store_info i;
	int rc;

	if ((rc = quarry_store_stats(st, &i)) != 0)
		fail_store(rc);
	printf("format: %u\nmodel: %s\ndims: %zu\ndocuments: %llu\n"
	    "chunks: %llu\nvectors: %llu\nslots: %llu\nblocks: %llu\n"
	    "block_slots: %zu\ntxnid: %llu\nsize: %llu\npage_size: %zu\n"
	    "used_pages: %llu\nfree_pages: %llu\n",
	    i.format, i.model, i.dims, (unsigned long long)i.documents,
	    (unsigned long long)i.chunks, (unsigned long long)i.chunks,
	    (unsigned long long)i.slots, (unsigned long long)i.blocks,
	    i.block_slots, (unsigned long long)i.txnid,
	    (unsigned long long)i.file_bytes, i.page_size,
	    (unsigned long long)i.used_pages, (unsigned long long)i.free_pages);
	if (i.lexical)
		printf("lexical: yes\nlexical_tokens: %llu\nlexical_keys: %llu\n"
		    "lexical_bytes: %llu\n", (unsigned long long)i.lex_tokens,
		    (unsigned long long)i.lex_keys,
		    (unsigned long long)i.lex_bytes);
	else
		printf("lexical: no (add it with: quarry-index --db %s "
		    "--reindex-lexical)\n", dbpath);
	printf("change_seq: %llu\nchange_floor: %llu\nchanges: %llu\n"
	    "changes_bytes: %llu\n", (unsigned long long)i.change_seq,
	    (unsigned long long)i.change_floor,
	    (unsigned long long)i.change_entries,
	    (unsigned long long)i.change_bytes);
	if (i.quant[0] != '\0')
		printf("quantized: %s\nquantized_bytes: %llu\n", i.quant,
		    (unsigned long long)i.quant_bytes);
	else
		printf("quantized: no\n");
	if (i.graph[0] != '\0')
		printf("graph: %s\ngraph_m: %llu\ngraph_nodes: %llu\n"
		    "graph_bytes: %llu\n", i.graph,
		    (unsigned long long)i.graph_m,
		    (unsigned long long)i.graph_nodes,
		    (unsigned long long)i.graph_bytes);
	else
		printf("graph: no\n");
}

static void
stale(struct inputs *in, int nul)
{
	size_t i;

	for (i = 0; i < in->n; i++) {
		int s = 1, rc = 0;

		if (st != NULL)
			rc = quarry_store_stale(st, in->names[i], &s);
		else if (access(in->names[i], F_OK) != 0)
			rc = errno == ENOENT ? QUARRY_ENOTFOUND : QUARRY_EIO;
		if (rc != 0) {
			warnx_at(in->names[i], 0, "%s", rc == QUARRY_ENOTFOUND ?
			    strerror(ENOENT) : rc == QUARRY_EIO ?
			    strerror(errno) : quarry_store_error(st));
			status = EXIT_SOMEFAILED;
		} else if (s) {
			fputs(in->names[i], stdout);
			putchar(nul ? '\0' : '\n');
		}
	}
}

/* "none", or a comma-separated list of int8 and bit. */
static int
quant_kinds_ok(const char *s)
{
	size_t n;

	if (strcmp(s, "none") == 0)
		return 1;
	for (;;) {
		n = strcspn(s, ",");
		if (!((n == 4 && strncmp(s, "int8", 4) == 0) ||
		    (n == 3 && strncmp(s, "bit", 3) == 0)))
			return 0;
		if (s[n] == '\0')
			return 1;
		s += n + 1;
	}
}

int
main(int argc, char **argv)
{
	enum { O_DB = 256, O_SYNC, O_PRUNE, O_DELETE, O_STALE, O_STATS,
	    O_EXPORT, O_CHECK, O_WAIT, O_BATCH, O_REINDEX, O_CHANGES, O_SINCE,
	    O_PRUNE_CHANGES, O_QUANTIZE, O_GRAPH, O_GRAPH_M, O_GRAPH_EF };
	static const struct option opts[] = {
		{ "db", required_argument, NULL, O_DB },
		{ "sync", no_argument, NULL, O_SYNC },
		{ "prune-missing", no_argument, NULL, O_PRUNE },
		{ "delete", no_argument, NULL, O_DELETE },
		{ "stale", no_argument, NULL, O_STALE },
		{ "stats", no_argument, NULL, O_STATS },
		{ "export", no_argument, NULL, O_EXPORT },
		{ "check", no_argument, NULL, O_CHECK },
		{ "reindex-lexical", no_argument, NULL, O_REINDEX },
		{ "changes", required_argument, NULL, O_CHANGES },
		{ "changes-since", required_argument, NULL, O_SINCE },
		{ "prune-changes", required_argument, NULL, O_PRUNE_CHANGES },
		{ "quantize", required_argument, NULL, O_QUANTIZE },
		{ "graph", required_argument, NULL, O_GRAPH },
		{ "graph-m", required_argument, NULL, O_GRAPH_M },
		{ "graph-ef", required_argument, NULL, O_GRAPH_EF },
		{ "jobs", required_argument, NULL, 'j' },
		{ "wait", required_argument, NULL, O_WAIT },
		{ "batch", required_argument, NULL, O_BATCH },
		{ "verbose", no_argument, NULL, 'v' },
		FILES_LONGOPTS,
		FILES0_LONGOPT,
		STD_LONGOPTS
	};
	enum mode mode = M_INDEX;
	const char *changes = NULL, *quant = NULL, *list;
	const char *graph = NULL;
	quarry_graph_options gopt = { 0 };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int gparams = 0, jobs = 0;
	FILE *changes_fp = NULL;
	uint64_t seq0 = 0;
	unsigned long seqarg = 0;
	struct inputs in;
	long wait_ms = -1;
	unsigned long batch = 0;
	int c, sync = 0, prune = 0, nul, verbose = 0;
	int rc, nmodes = 0, unread = 0;
	size_t i;

	prog_init(argv);
	while ((c = getopt_long(argc, argv, "0vqj:", opts, NULL)) != -1) {
		switch (c) {
		case O_DB: dbpath = optarg; break;
		case O_SYNC: sync = 1; break;
		case O_PRUNE: prune = 1; break;
		case O_DELETE: mode = M_DELETE; nmodes++; break;
		case O_STALE: mode = M_STALE; nmodes++; break;
		case O_STATS: mode = M_STATS; nmodes++; break;
		case O_EXPORT: mode = M_EXPORT; nmodes++; break;
		case O_CHECK: mode = M_CHECK; nmodes++; break;
		case O_REINDEX: mode = M_REINDEX; nmodes++; break;
		case O_CHANGES: changes = optarg; break;
		case O_SINCE:
		case O_PRUNE_CHANGES:
			mode = c == O_SINCE ? M_SINCE : M_PRUNE_CHANGES;
			nmodes++;
			seqarg = parse_number(c == O_SINCE ? "--changes-since" :
			    "--prune-changes", optarg, 0, ULONG_MAX);
			break;
		case O_QUANTIZE:
			mode = M_QUANTIZE;
			nmodes++;
			quant = optarg;
			if (!quant_kinds_ok(quant))
				usage_error("--quantize: '%s' is not int8, bit, "
				    "int8,bit or none", quant);
			break;
		case O_GRAPH:
			mode = M_GRAPH;
			nmodes++;
			graph = optarg;
			(void)parse_choice("--graph", graph,
			    (const char *const[]){ "hnsw", "none", NULL });
			break;
		case O_GRAPH_M:
			gopt.m = (unsigned)parse_number("--graph-m", optarg, 2,
			    64);
			gparams = 1;
			break;
		case O_GRAPH_EF:
			gopt.ef_construction = (unsigned)parse_number(
			    "--graph-ef", optarg, 1, 100000);
			gparams = 1;
			break;
		case 'j':
			gopt.threads = (unsigned)parse_number("--jobs", optarg,
			    1, 1024);
			jobs = 1;
			break;
		case O_WAIT:
			wait_ms = (long)(parse_double("--wait", optarg, 0,
			    1e6) * 1000);
			break;
		case O_BATCH:
			batch = parse_number("--batch", optarg, 1, 100000000);
			break;
		case 'v': verbose = 1; break;
		default:
			std_option(c, usage);
		}
	}
	argc -= optind;
	argv += optind;
	if (dbpath == NULL)
		usage_error("--db PATH is required");
	if (nmodes > 1)
		usage_error("--delete, --stale, --stats, --export, --check, --reindex-lexical, --changes-since, --prune-changes, --quantize and --graph exclude each other");
	if (gparams && mode != M_GRAPH)
		usage_error("--graph-m and --graph-ef go with --graph");
	if (jobs && mode != M_GRAPH && mode != M_INDEX)
		usage_error("--jobs goes with --graph and indexing");
	if (gopt.threads == 0)
		gopt.threads = ncpu > 0 ? (unsigned)ncpu : 1;
	if (changes != NULL && mode != M_INDEX && mode != M_DELETE)
		usage_error("--changes goes with indexing and --delete only");
	if ((sync || prune) && mode != M_INDEX)
		usage_error("--sync and --prune-missing go with indexing only");
	/* -0 also separates the names --stale prints. */
	if (mode != M_STALE)
		files_check("--stale");
	list = files_list();
	nul = files_null();
	if (mode == M_DELETE && argc == 0)
		usage_error("--delete needs the documents to delete");
	if ((mode == M_STATS || mode == M_EXPORT || mode == M_CHECK ||
	    mode == M_REINDEX || mode == M_SINCE || mode == M_PRUNE_CHANGES ||
	    mode == M_QUANTIZE || mode == M_GRAPH) && argc > 0)
		usage_error("unexpected operand '%s'", argv[0]);
	progress_start();

	if (mode == M_STALE) {
		rc = quarry_store_open(&st, dbpath, QUARRY_STORE_RDONLY);
		if (rc == QUARRY_ENOTFOUND) {
			/* No store yet: every file is new. */
			quarry_store_close(st);
			st = NULL;
		} else if (rc != 0)
			fail_store(rc);
		if (argc == 0 && list == NULL)
			list = "-";
		if (inputs_collect(&in, argc, argv, list,
		    nul ? '\0' : '\n') != 0)
			exit(EXIT_SOMEFAILED);
		stale(&in, nul);
		inputs_free(&in);
		quarry_store_close(st);
		close_stdout();
		return status;
	}
	rc = quarry_store_open(&st, dbpath, mode == M_INDEX ?
	    QUARRY_STORE_CREATE : mode == M_DELETE || mode == M_REINDEX ||
	    mode == M_PRUNE_CHANGES || mode == M_QUANTIZE ||
	    mode == M_GRAPH ? 0 :
	    QUARRY_STORE_RDONLY);
	if (rc != 0)
		fail_store(rc);
	if (changes != NULL)
		changes_fp = changes_open(changes);
	switch (mode) {
	case M_SINCE:
		changes_since(seqarg);
		break;
	case M_PRUNE_CHANGES:
	case M_REINDEX:
	case M_QUANTIZE:
	case M_GRAPH:
		rewrite(mode, wait_ms, seqarg, mode == M_QUANTIZE ? quant :
		    graph, &gopt, verbose);
		break;
	case M_STATS:
		print_stats();
		break;
	case M_EXPORT:
		if ((rc = quarry_store_foreach_chunk(st, record_put, stdout)) != 0)
			fail_store(rc);
		break;
	case M_CHECK:
		if (quarry_store_check(st, check_fault, NULL) != 0)
			status = EXIT_SOMEFAILED;
		break;
	default:
		lock_writer(wait_ms);
		/* The writer lock is held: the changes after seq0 are ours. */
		if (changes_fp != NULL &&
		    (rc = quarry_store_change_seq(st, &seq0, NULL)) != 0)
			fail_store(rc);
		quarry_store_set_batch(st, batch, 0);
		quarry_store_set_threads(st, gopt.threads);
		if (mode == M_DELETE) {
			for (i = 0; i < (size_t)argc; i++)
				queue_delete(argv[i], 1);
		} else {
			if ((seen = json_object()) == NULL ||
			    inputs_get(&in, argc, argv) != 0)
				exit(EXIT_SOMEFAILED);
			for (i = 0; i < in.n; i++) {
				struct records how = { NULL, index_record,
				    unreadable, NULL, NULL };

				poison = 0;
				if (records_read(in.names[i], &how) != 0)
					unread = 1;
			}
			group_flush();
			if (unread) {
				status = EXIT_SOMEFAILED;
				if (sync)
					warnx_at(NULL, 0,
					    "not deleting absent documents (--sync): some input could not be read");
			} else if (sync && (rc = quarry_store_foreach_doc(st,
			    sync_one, NULL)) != 0)
				fail_store(rc);
			if (prune && (rc = quarry_store_foreach_doc(st,
			    prune_one, NULL)) != 0)
				fail_store(rc);
			inputs_free(&in);
		}
		if ((rc = quarry_store_commit(st)) != 0)
			fail_store(rc);
		progress_done();
		if (changes_fp != NULL &&
		    changes_write(st, seq0, changes_fp, changes) != 0)
			status = EXIT_SOMEFAILED;
		if (verbose) {
			quarry_store_counts k;

			quarry_store_get_counts(st, &k);
			warnx_at(NULL, 0, "%lu documents read: %llu new, %llu changed, "
			    "%lu unchanged, %llu deleted; chunks: %llu added, "
			    "%llu kept, %llu deleted, %llu moved",
			    ndocs, (unsigned long long)k.docs_added,
			    (unsigned long long)k.docs_changed, unchanged,
			    (unsigned long long)k.docs_deleted,
			    (unsigned long long)k.chunks_added,
			    (unsigned long long)k.chunks_kept,
			    (unsigned long long)k.chunks_deleted,
			    (unsigned long long)k.chunks_moved);
		}
	}
	json_decref(seen);
	group_clear();
	free(g.recs);
	free(g.lines);
	free(g.files);
	quarry_store_close(st);
	close_stdout();
	return status;
}
