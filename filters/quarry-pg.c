/*
 * quarry-pg: applies a change feed (quarry-index --changes, man/quarry.7)
 * or plain embedded chunk records to a PostgreSQL table with pgvector.
 * The feed's parsing is in src/pg_feed.c, the database side in src/pg.c;
 * this file reads the inputs and reports.  Usage is in man/quarry-pg.1.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common.h"
#include "quarry.h"
#define QPG_WITH_LIBPQ 1
#include "pg_private.h"

static qpg *db;
static int status = EXIT_OK;
static uint64_t nread;

static void
usage(void)
{
	printf("usage: %s [-d CONNINFO] [-h HOST] [-p PORT] [-U USER] [-t TABLE]\n"
	    "           [--create [--hnsw]] [--batch N] [--load METHOD] [-qv]\n"
	    "           [--files-from=F [-0]] [FILE...]\n"
	    "       %s [connection options] [-t TABLE] --print-seq\n"
	    "Apply a change feed (quarry-index --changes) or embedded chunk\n"
	    "records (FILEs or standard input) to a PostgreSQL table with\n"
	    "pgvector, recording the last applied seq in the same transaction.\n\n"
	    "  -d, --dbname=CONNINFO  the database: a name, a conninfo string or\n"
	    "                         a postgresql:// URI (without a password:\n"
	    "                         PGPASSWORD, ~/.pgpass or PGPASSFILE)\n"
	    "      --db-url=URI       the same\n"
	    "  -h, --host=HOST        the server's host or socket directory\n"
	    "  -p, --port=PORT        the server's port\n"
	    "  -U, --username=USER    the user to connect as\n"
	    "  -t, --table=NAME       the table, [schema.]name (default\n"
	    "                         quarry_chunks)\n"
	    "      --create           create the table, the state table and the\n"
	    "                         vector extension when missing\n"
	    "      --hnsw             with --create: an HNSW index for cosine\n"
	    "      --batch N          changes per transaction (default 1000)\n"
	    "      --load METHOD      copy, insert or auto (default: copy, or\n"
	    "                         insert on PGlite)\n"
	    "      --print-seq        print the recorded seq and exit\n"
	    "      --files-from=F     read the input names from F, one a line\n"
	    "                         (- for standard input)\n"
	    "  -0, --null             --files-from names are separated by NUL\n"
	    "      --files0-from=F    the same as --files-from=F -0\n"
	    "  -v, --verbose          print a summary of what was applied\n"
	    "  -q, --quiet            no progress line\n"
	    "      --progress         progress line even when stderr is not a\n"
	    "                         terminal\n"
	    "      --help             print this help and exit\n"
	    "      --version          print the version and exit\n"
	    "The PG* environment variables (PGHOST, PGPORT, PGDATABASE, PGUSER,\n"
	    "PGPASSWORD, PGSERVICE ...) apply as in psql.\n",
	    progname, progname);
}

/* Refuses a password written on the command line (ps shows it). */
static void
check_conninfo(const char *conninfo)
{
	PQconninfoOption *opts, *o;
	char *err = NULL;

	if (conninfo == NULL || (strchr(conninfo, '=') == NULL &&
	    strstr(conninfo, "://") == NULL))
		return;
	if ((opts = PQconninfoParse(conninfo, &err)) == NULL) {
		const char *m = err ? err : "out of memory";
		size_t n = strcspn(m, "\n");

		usage_error("--dbname: %.*s", (int)n, m);
	}
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL &&
		    *o->val != '\0') {
			PQconninfoFree(opts);
			usage_error("--dbname: a password on the command line is "
			    "visible to other users; use PGPASSWORD, ~/.pgpass "
			    "or PGPASSFILE");
		}
	PQconninfoFree(opts);
}

/*
 * A change, or a line that is not one: it is reported, and the recorded
 * seq stays before it, so that a run after the fix applies it.
 */
static void
refuse(void *arg, const struct record_at *at)
{
	(void)arg;
	(void)at;
	status = EXIT_SOMEFAILED;
	qpg_freeze_seq(db);
}

/* Applies one change (records_read() calls it; arg is the parse buffer). */
static int
apply(void *arg, json_t *rec, const struct record_at *at)
{
	struct qpg_change *c = arg;
	char err[512];
	int rc;

	nread++;
	rc = qpg_change_parse(rec, c, err, sizeof(err));
	json_decref(rec);
	if (rc == QUARRY_ENOMEM)
		die(EXIT_SOMEFAILED, "out of memory");
	if (rc == 0)
		rc = qpg_add(db, c);
	else
		rc = QUARRY_EFIELD;
	if (rc == QUARRY_EFIELD || rc == QUARRY_EMODEL) {
		warnx_at(at->name, at->line, "%s%s",
		    rc == QUARRY_EFIELD ? err : qpg_error(db),
		    rc == QUARRY_EFIELD && strcmp(err, qpg_no_embedding) == 0 ?
		    " (quarry-pg stores embedded chunks: run quarry-embed "
		    "first)" : "");
		refuse(NULL, at);
	} else if (rc == QUARRY_ENOMEM)
		die(EXIT_SOMEFAILED, "out of memory");
	else if (rc < 0)
		die(EXIT_SOMEFAILED, "%s", qpg_error(db));
	if (nread % 1024 == 0)
		progress("%" PRIu64 " changes read", nread);
	return 0;
}

int
main(int argc, char **argv)
{
	enum { O_URL = 256, O_CREATE, O_HNSW, O_BATCH, O_LOAD, O_PRINT };
	static const struct option opts[] = {
		{ "dbname", required_argument, NULL, 'd' },
		{ "db-url", required_argument, NULL, O_URL },
		{ "host", required_argument, NULL, 'h' },
		{ "port", required_argument, NULL, 'p' },
		{ "username", required_argument, NULL, 'U' },
		{ "table", required_argument, NULL, 't' },
		{ "create", no_argument, NULL, O_CREATE },
		{ "hnsw", no_argument, NULL, O_HNSW },
		{ "batch", required_argument, NULL, O_BATCH },
		{ "load", required_argument, NULL, O_LOAD },
		{ "print-seq", no_argument, NULL, O_PRINT },
		{ "verbose", no_argument, NULL, 'v' },
		FILES_LONGOPTS,
		FILES0_LONGOPT,
		STD_LONGOPTS
	};
	struct qpg_options o = { 0 };
	struct qpg_change c = { 0 };
	struct records how = { NULL, apply, refuse, &c, NULL };
	struct qpg_counts k;
	struct inputs in;
	const char *crash;
	unsigned long batch = 1000;
	int ch, verbose = 0, print_seq = 0, rc;
	int unread = 0;
	size_t i;

	prog_init(argv);
	o.table = "quarry_chunks";
	o.load = 'a';
	o.appname = "quarry-pg";
	while ((ch = getopt_long(argc, argv, "d:h:p:U:t:0vq", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd': case O_URL: o.conninfo = optarg; break;
		case 'h': o.host = optarg; break;
		case 'p': o.port = optarg; break;
		case 'U': o.user = optarg; break;
		case 't': o.table = optarg; break;
		case O_CREATE: o.create = 1; break;
		case O_HNSW: o.hnsw = 1; break;
		case O_BATCH:
			batch = parse_number("--batch", optarg, 1, 10000000);
			break;
		case O_LOAD:
			o.load = "cia"[parse_choice("--load", optarg,
			    (const char *const[]){ "copy", "insert", "auto",
			    NULL })];
			break;
		case O_PRINT: print_seq = 1; break;
		case 'v': verbose = 1; break;
		default: std_option(ch, usage);
		}
	}
	argc -= optind;
	argv += optind;
	if (o.hnsw && !o.create)
		usage_error("--hnsw goes with --create");
	files_check(NULL);
	if (print_seq && (argc > 0 || files_list() != NULL || o.create))
		usage_error("--print-seq takes no input and no --create");
	check_conninfo(o.conninfo);
	/* For the tests: SIGKILL before the commit of batch N + 1. */
	if ((crash = getenv("QUARRY_PG_CRASH_AFTER")) != NULL)
		o.crash_after = strtoul(crash, NULL, 10) + 1;
	progress_start();

	if ((rc = qpg_open(&db, &o)) != 0) {
		if (rc == QUARRY_EINVAL)
			usage_error("--table: %s", qpg_error(db));
		die(EXIT_SOMEFAILED, "%s%s", rc == QUARRY_ENOMEM ?
		    "out of memory" : qpg_error(db), rc == QUARRY_EFORMAT ?
		    " (man quarry-pg shows the layout)" : "");
	}
	if (print_seq) {
		uint64_t seq;

		qpg_recorded_seq(db, &seq);
		printf("%" PRIu64 "\n", seq);
		qpg_close(db);
		close_stdout();
		return EXIT_OK;
	}
	if ((rc = qpg_require(db)) != 0)
		die(EXIT_SOMEFAILED, "%s%s", qpg_error(db),
		    rc == QUARRY_ENOTFOUND ? " (quarry-pg --create makes it)" :
		    "");
	qpg_set_batch(db, batch);
	if (inputs_get(&in, argc, argv) != 0)
		exit(EXIT_SOMEFAILED);
	for (i = 0; i < in.n; i++)
		if (records_read(in.names[i], &how) != 0)
			unread = 1;
	inputs_free(&in);
	if (unread)
		status = EXIT_SOMEFAILED;
	if (qpg_flush(db) != 0)
		die(EXIT_SOMEFAILED, "%s", qpg_error(db));
	progress_done();
	if (verbose) {
		qpg_get_counts(db, &k);
		warnx_at(NULL, 0, "%s: %" PRIu64 " changes read, %" PRIu64
		    " applied (%" PRIu64 " upserts, %" PRIu64 " deletes, %"
		    PRIu64 " snapshots) in %" PRIu64 " transactions, %" PRIu64
		    " skipped as already applied; seq %" PRIu64,
		    qpg_table(db), nread, k.upserts + k.deletes + k.snapshots,
		    k.upserts, k.deletes, k.snapshots, k.batches, k.skipped,
		    k.seq);
	}
	qpg_change_free(&c);
	qpg_close(db);
	close_stdout();
	return status;
}
