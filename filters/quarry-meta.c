/*
 * quarry-meta: normalises and adds metadata in a stream of records.
 *
 * Reads records of any kind (documents, chunks, embedded chunks), applies
 * sidecar rows, --set and --default assignments and facts from the file
 * system, normalises "date", "modified" and "author", and writes each record
 * back in order.  The logic lives in src/meta.c, src/date.c and
 * src/author.c; this file parses options and loops.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "quarry.h"

static void
usage(void)
{
	printf("Usage: %s [OPTION]... [FILE]...\n", progname);
	fputs(
"Normalise the date, modified and author fields of records (JSON Lines) and\n"
"add metadata from outside the documents.  With no FILE, or when FILE is -,\n"
"read standard input.\n"
"\n"
"  -s, --set=FIELD=VALUE      set FIELD to the string VALUE in every record\n"
"  -s, --set=FIELD:=JSON      set FIELD to a JSON value\n"
"  -d, --default=FIELD=VALUE  the same, only where FIELD is missing\n"
"  -f, --from-file            add size, fingerprint {size, mtime, hash} and,\n"
"                             where missing, modified from the file that\n"
"                             \"source\" names\n"
"  -S, --sidecar=FILE         merge the rows of a JSON Lines or TSV table\n"
"                             keyed by \"source\" or \"doc\" into the matching\n"
"                             records (repeatable)\n"
"  -o, --date-order=ORDER     read all-numeric dates as dmy, mdy, or auto\n"
"                             (default: the record's lang, else month first\n"
"                             with / and -, day first with dots)\n"
"  -r, --raw                  leave date, modified and author as they are\n"
"      --files-from=LIST      read input names from LIST (- for standard input)\n"
"  -0, --null                 names in LIST are separated by NUL, not newline\n"
"      --max-line=BYTES       reject records longer than BYTES (default 1 GiB)\n"
"      --progress             show progress even when stderr is not a terminal\n"
"  -q, --quiet                never show progress\n"
"      --help                 display this help and exit\n"
"      --version              output version information and exit\n"
"\n"
"A value that cannot be normalised is reported and its field left out.\n"
"Exit status: 0 on success, 1 if some input or value failed (the rest is\n"
"still processed), 2 on a usage error.  See quarry-meta(1) and quarry(7).\n",
	    stdout);
}

static const struct option longopts[] = {
	{ "set", required_argument, NULL, 's' },
	{ "default", required_argument, NULL, 'd' },
	{ "from-file", no_argument, NULL, 'f' },
	{ "sidecar", required_argument, NULL, 'S' },
	{ "date-order", required_argument, NULL, 'o' },
	{ "raw", no_argument, NULL, 'r' },
	MAX_LINE_LONGOPT,
	FILES_LONGOPTS,
	STD_LONGOPTS
};

static const char *const order_names[] = { "dmy", "mdy", "auto", NULL };
static const enum quarry_date_order orders[] = { QUARRY_DATE_DMY,
    QUARRY_DATE_MDY, QUARRY_DATE_AUTO };

/* Where a warning from the library points: a file and a line in it. */
struct where {
	const char *file;
	unsigned long line;
	int count;
};

static void
warn_cb(void *arg, unsigned long line, const char *msg)
{
	struct where *w = arg;

	warnx_at(w->file, line ? line : w->line, "%s", msg);
	w->count++;
}

/* The run over the records: the rules, and what it met. */
struct run {
	quarry_meta *m;
	unsigned long nrec;
	int failed;		/* a value could not be normalised */
};

static int
meta_record(void *arg, json_t *rec, const struct record_at *at)
{
	struct run *run = arg;
	struct where w = { at->name, at->line, 0 };
	int rc;

	if ((rc = quarry_meta_apply(run->m, rec, warn_cb, &w)) < 0)
		die(EXIT_SOMEFAILED, "%s", quarry_strerror(rc));
	if (rc > 0)
		run->failed = 1;
	if (quarry_record_write(stdout, rec) != 0)
		die(EXIT_SOMEFAILED, "write error: %s", strerror(errno));
	json_decref(rec);
	if (++run->nrec % 4096 == 0)
		progress("%lu records", run->nrec);
	return 0;
}

int
main(int argc, char **argv)
{
	quarry_meta *m;
	/* Static: still reachable (for LeakSanitizer) when a usage error
	 * exits with them allocated. */
	static const char **sidecars, **assigns;
	static char *kinds;
	struct inputs in;
	size_t i, nside = 0, nassign = 0;
	int ch, status = EXIT_OK, rc;
	struct run run = { NULL, 0, 0 };
	struct records how = { NULL, meta_record, NULL, &run, NULL };

	prog_init(argv);
	if (quarry_meta_new(&m) != 0)
		die(EXIT_SOMEFAILED, "out of memory");
	run.m = m;
	if ((sidecars = calloc((size_t)argc, sizeof(*sidecars))) == NULL ||
	    (assigns = calloc((size_t)argc, sizeof(*assigns))) == NULL ||
	    (kinds = calloc((size_t)argc, 1)) == NULL)
		die(EXIT_SOMEFAILED, "out of memory");
	while ((ch = getopt_long(argc, argv, "s:d:fS:o:r0q", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
		case 'd':
			/* Kept with its kind in front ('s' or 'd') and added
			 * once --raw and --date-order are known. */
			kinds[nassign] = (char)ch;
			assigns[nassign++] = optarg;
			break;
		case 'f':
			quarry_meta_set_from_file(m, 1);
			break;
		case 'S':
			sidecars[nside++] = optarg;
			break;
		case 'o':
			quarry_meta_set_order(m, orders[parse_choice(
			    "--date-order", optarg, order_names)]);
			break;
		case 'r':
			quarry_meta_set_raw(m, 1);
			break;
		default:
			std_option(ch, usage);
		}
	}
	files_check(NULL);
	for (i = 0; i < nassign; i++)
		if ((rc = quarry_meta_assign(m, assigns[i], kinds[i] == 'd')) != 0)
			usage_error("--%s: %s", kinds[i] == 's' ? "set" : "default",
			    rc == QUARRY_ENOMEM ? quarry_strerror(rc) :
			    quarry_meta_error(m));
	free(assigns);
	free(kinds);
	/* Sidecars load before any record flows; a bad row is reported and
	 * skipped, a table that cannot be opened is a usage error. */
	for (i = 0; i < nside; i++) {
		struct where w = { sidecars[i], 0, 0 };
		FILE *fp;

		if (strcmp(sidecars[i], "-") == 0)
			usage_error("--sidecar: standard input holds the records");
		if ((fp = fopen(sidecars[i], "rb")) == NULL)
			die(EXIT_USAGE, "%s: %s", sidecars[i], strerror(errno));
		rc = quarry_meta_load_sidecar(m, fp, sidecars[i], warn_cb, &w);
		fclose(fp);
		if (rc == QUARRY_ENOMEM)
			die(EXIT_SOMEFAILED, "out of memory");
		if (rc == QUARRY_EIO)
			die(EXIT_SOMEFAILED, "%s: %s", sidecars[i],
			    quarry_meta_error(m));
		if (rc != 0)
			status = EXIT_SOMEFAILED;
	}
	free(sidecars);
	progress_start();
	if (inputs_get(&in, argc - optind, argv + optind) != 0)
		exit(EXIT_SOMEFAILED);
	for (i = 0; i < in.n; i++)
		if (records_read(in.names[i], &how) != 0 || run.failed)
			status = EXIT_SOMEFAILED;
	progress_done();
	inputs_free(&in);
	quarry_meta_free(m);
	close_stdout();
	return status;
}
