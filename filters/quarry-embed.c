/*
 * quarry-embed: adds an embedding vector to every chunk record.
 *
 * Reads chunk records, gathers a window of them, looks each one up in the
 * store's vector cache (--db), hands the rest to the embedder (src/embed*.c)
 * and writes the records back in their input order with "embedding" and
 * "model" added (man/quarry-embed.1).
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "quarry.h"

static void
usage(void)
{
	printf("Usage: %s [OPTION]... [FILE]...\n", progname);
	fputs(
"Add an \"embedding\" vector and its \"model\" to every chunk record (JSON\n"
"Lines).  With no FILE, or when FILE is -, read standard input.  Without\n"
"--url or --command, use the built-in lexical embedder hash-v1 (offline).\n"
"\n"
"  -d, --dims=N           dimensions (built-in: default 384); with --url or\n"
"                         --command, the dimensions every vector must have\n"
"  -u, --url=URL          OpenAI-compatible endpoint (/v1/embeddings); the API\n"
"                         key is taken from QUARRY_API_KEY or OPENAI_API_KEY\n"
"  -m, --model=NAME       model name sent to the endpoint (needed with --url)\n"
"  -c, --command=CMD      run CMD (no shell) as a long-running embedder that\n"
"                         reads {\"text\":...} lines and answers JSON arrays\n"
"  -b, --batch=N          inputs per HTTP request (default 64)\n"
"  -p, --parallel=N       HTTP requests in flight (default 4)\n"
"  -r, --retries=N        retries of a failed request (default 5)\n"
"  -t, --timeout=SECS     time limit per request or answer (default 60)\n"
"      --max-input=N      refuse texts longer than N characters (default: the\n"
"                         model decides)\n"
"      --no-context       embed the chunk text alone, not the document's title\n"
"                         and the heading path above it\n"
"      --db=PATH          reuse vectors cached in the quarry store at PATH\n"
"      --stats            print a summary on stderr (default when a terminal)\n"
"      --files-from=LIST  read input names from LIST (- for standard input)\n"
"  -0, --null             names in LIST are separated by NUL, not newline\n"
"      --max-line=BYTES   reject records longer than BYTES (default 1 GiB)\n"
"      --progress         show progress even when stderr is not a terminal\n"
"  -q, --quiet            never show progress or the summary\n"
"      --help             display this help and exit\n"
"      --version          output version information and exit\n"
"\n"
"Exit status: 0 on success, 1 if some record could not be embedded (the rest\n"
"is still processed), 2 on a usage error.  See quarry-embed(1).\n",
	    stdout);
}

enum {
	OPT_DB = 256, OPT_STATS,
	OPT_NO_CONTEXT,
};

static const struct option longopts[] = {
	EMBED_LONGOPTS,
	{ "timeout", required_argument, NULL, 't' },
	{ "db", required_argument, NULL, OPT_DB },
	{ "no-context", no_argument, NULL, OPT_NO_CONTEXT },
	{ "stats", no_argument, NULL, OPT_STATS },
	MAX_LINE_LONGOPT,
	FILES_LONGOPTS,
	STD_LONGOPTS
};

/* Where a record of the window came from. */
struct origin {
	const char *file;
	unsigned long line;
};

static struct {
	quarry_embedder *emb;
	quarry_store *store;
	quarry_vectors *vectors;
	struct origin *win;
	size_t nwin, capwin;
	struct quarry_buf out;
	unsigned long embedded, reused, failed;
	int status;
	int gave_up;
	struct origin *last;	/* the last record that failed on its own */
} g;

static void
fail_at(const char *file, unsigned long line, const char *msg)
{
	warnx_at(file, line, "%s", msg);
	g.failed++;
	g.status = EXIT_SOMEFAILED;
}

/* Writes each record of a flushed window with its vector, or reports it. */
static int
put(void *arg, json_t *rec, void *tag, const float *vec, size_t dims,
    const char *model, int cached, const char *err)
{
	struct origin *o = tag;

	(void)arg;
	if (vec != NULL) {
		g.out.len = 0;
		if (quarry_buf_record_vector(&g.out, rec, vec, dims,
		    model) != 0)
			die(EXIT_SOMEFAILED, "out of memory");
		if (fwrite(g.out.data, 1, g.out.len, stdout) != g.out.len)
			die(EXIT_SOMEFAILED, "write error");
		if (cached)
			g.reused++;
		else
			g.embedded++;
	} else if (strcmp(err, quarry_embedder_error(g.emb)) == 0) {
		/* The embedder failed as a whole: say it once. */
		if (!g.gave_up)
			warnx_at(o->file, o->line, "%s; giving up", err);
		g.failed++;
		g.status = EXIT_SOMEFAILED;
		g.gave_up = 1;
	} else {
		fail_at(o->file, o->line, err);
		g.last = o;
	}
	return 0;
}

/* Embeds and writes the records of the window, in order. */
static void
flush(void)
{
	int rc;

	g.last = NULL;
	rc = quarry_vectors_flush(g.vectors, put, NULL, NULL);
	if (rc == QUARRY_ENOMEM)
		die(EXIT_SOMEFAILED, "out of memory");
	if (rc != 0 && !g.gave_up && g.last != NULL) {
		/* Every record had its own message: say why we stop. */
		warnx_at(g.last->file, g.last->line, "%s; giving up",
		    quarry_embedder_error(g.emb));
		g.gave_up = 1;
	}
	g.nwin = 0;
	progress("%lu records embedded, %lu reused", g.embedded, g.reused);
}

/* Adds a record to the window; stops the input when the embedder gave up. */
static int
embed_record(void *arg, json_t *rec, const struct record_at *at)
{
	struct origin *o = &g.win[g.nwin];
	int rc;

	(void)arg;
	o->file = at->name;	/* lives as long as the inputs */
	o->line = at->line;
	rc = quarry_vectors_add(g.vectors, rec, o);
	json_decref(rec);
	if (rc == QUARRY_EFIELD)
		fail_at(at->name, at->line, "record has no \"text\" string");
	else if (rc != 0)
		die(EXIT_SOMEFAILED, "out of memory");
	else if (++g.nwin == g.capwin)
		flush();
	return g.gave_up;
}

/* A line that is not a record (records_read() reported it) is a failure. */
static void
embed_bad(void *arg, const struct record_at *at)
{
	(void)arg;
	(void)at;
	g.failed++;
}

int
main(int argc, char **argv)
{
	quarry_embed_options o;
	quarry_vectors_options vo = { 0 };
	const char *db = NULL;
	struct records how = { NULL, embed_record, embed_bad, NULL,
	    NULL };
	size_t i;
	int ch, stats = 0, no_context = 0, rc;
	struct inputs in;

	prog_init(argv);
	quarry_embed_options_init(&o);
	while ((ch = getopt_long(argc, argv, "d:u:m:c:b:p:r:t:0q", longopts,
	    NULL)) != -1) {
		if (embed_option(&o, ch))
			continue;
		switch (ch) {
		case 't': o.timeout = parse_double("--timeout", optarg, 0.001,
		    86400); break;
		case OPT_DB: db = optarg; break;
		case OPT_NO_CONTEXT: no_context = 1; break;
		case OPT_STATS: stats = 1; break;
		default: std_option(ch, usage);
		}
	}
	files_check(NULL);
	embed_check(&o);
	if ((o.url || o.command) && db && o.dims == 0)
		usage_error("--db with --url or --command needs --dims (the "
		    "cache is keyed by model and dimensions)");
	progress_start();
	if ((rc = quarry_embedder_new(&g.emb, &o)) != 0)
		die(rc == QUARRY_EINVAL ? EXIT_USAGE : EXIT_SOMEFAILED, "%s",
		    quarry_embedder_error(g.emb));
	if (db != NULL && access(db, F_OK) == 0 &&
	    (rc = quarry_store_open(&g.store, db, QUARRY_STORE_RDONLY)) != 0)
		die(EXIT_SOMEFAILED, "%s: %s", db,
		    quarry_store_error(g.store));
	g.capwin = o.url ? o.batch * o.parallel : 256;
	g.win = calloc(g.capwin, sizeof(*g.win));
	vo.embedder = g.emb;
	vo.cache = g.store;
	vo.no_context = no_context;
	if (g.win == NULL || quarry_vectors_new(&g.vectors, &vo) != 0)
		die(EXIT_SOMEFAILED, "out of memory");

	if (inputs_get(&in, argc - optind, argv + optind) != 0)
		g.status = EXIT_SOMEFAILED;
	for (i = 0; i < in.n && !g.gave_up; i++)
		if (records_read(in.names[i], &how) != 0)
			g.status = EXIT_SOMEFAILED;
	if (g.nwin > 0)
		flush();
	progress_done();
	if ((stats || isatty(2)) && !std_quiet()) {
		quarry_embed_stats st;

		quarry_embedder_stats(g.emb, &st);
		fprintf(stderr, "%s: embedded %lu, reused %lu, failed %lu",
		    progname, g.embedded, g.reused, g.failed);
		if (o.url)
			fprintf(stderr, " (%lu request%s, %lu retr%s)",
			    st.requests, st.requests == 1 ? "" : "s",
			    st.retries, st.retries == 1 ? "y" : "ies");
		fputc('\n', stderr);
	}
	inputs_free(&in);
	quarry_embedder_free(g.emb);
	quarry_store_close(g.store);
	quarry_vectors_free(g.vectors);
	quarry_buf_free(&g.out);
	free(g.win);
	close_stdout();
	return g.status;
}
