/*
 * quarry-office: DOCX, ODT and EPUB files to document records
 * (man/quarry-office.1).
 *
 * Parses options and loops over the input files; the extraction itself is
 * quarry_office_*() in libquarry (src/office*.c).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "quarry.h"

static void
usage(void)
{
	printf("Usage: %s [OPTION]... [FILE]...\n"
	    "Write one JSON Lines document record per DOCX, ODT or EPUB file: its text\n"
	    "as light Markdown and its metadata.  With no FILE, or when FILE is -, read\n"
	    "standard input.\n"
	    "\n"
	    "  -s, --source=NAME         doc and source of a file read from standard input\n"
	    "  -t, --text                write the text alone, files separated by form feeds\n"
	    "      --files-from=FILE     read input file names from FILE, one a line\n"
	    "  -0, --null                names in --files-from are NUL-separated\n"
	    "      --max-size=BYTES      refuse files larger than BYTES (default 512 MiB)\n"
	    "      --max-expanded=BYTES  refuse archives whose parts expand to more than\n"
	    "                            BYTES (default 1 GiB)\n"
	    "      --max-ratio=N         refuse a part above 1 MiB that expands more than\n"
	    "                            N times its compressed size (default 200; 0: off)\n"
	    "      --max-entries=N       refuse archives of more than N entries (20000)\n"
	    "      --progress            report progress on stderr even when not a terminal\n"
	    "  -q, --quiet               no progress report\n"
	    "      --help                display this help and exit\n"
	    "      --version             output version information and exit\n",
	    progname);
}

/* Makes the record of a file (docs_make() calls it). */
static int
make(void *arg, const char *name, const char *doc, const char *data,
    size_t len, json_t **rec)
{
	quarry_office *h = arg;

	if (quarry_office_extract(h, data, len, doc, rec) != 0) {
		warnx_at(name, 0, "%s", quarry_office_error(h));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	enum { OPT_MAX_EXPANDED = 256, OPT_MAX_RATIO, OPT_MAX_ENTRIES };
	static const struct option longopts[] = {
		DOCS_LONGOPTS,
		{ "max-expanded", required_argument, NULL, OPT_MAX_EXPANDED },
		{ "max-ratio", required_argument, NULL, OPT_MAX_RATIO },
		{ "max-entries", required_argument, NULL, OPT_MAX_ENTRIES },
		FILES_LONGOPTS,
		STD_LONGOPTS
	};
	quarry_office_options o;
	quarry_office *h;
	struct doc_maker m = { 0, "file", NULL, 0, make, NULL };
	struct inputs in;
	int c, status;

	prog_init(argv);
	quarry_office_options_init(&o);
	m.max_size = o.max_size;
	while ((c = getopt_long(argc, argv, "s:t0q", longopts, NULL)) != -1) {
		if (docs_option(&m, c))
			continue;
		switch (c) {
		case OPT_MAX_EXPANDED:
			o.max_expanded = parse_number("--max-expanded",
			    optarg, 1, (unsigned long)0x7fffffff);
			break;
		case OPT_MAX_RATIO:
			o.max_ratio = (unsigned)parse_number("--max-ratio",
			    optarg, 0, 1000000);
			break;
		case OPT_MAX_ENTRIES:
			o.max_entries = parse_number("--max-entries", optarg,
			    1, 10000000);
			break;
		default:
			std_option(c, usage);
		}
	}
	files_check(NULL);
	if (inputs_get(&in, argc - optind, argv + optind) != 0)
		return EXIT_SOMEFAILED;
	o.max_size = m.max_size;
	if (quarry_office_new(&h, &o) != 0)
		die(EXIT_SOMEFAILED, "out of memory");
	m.arg = h;
	status = docs_make(&in, &m);
	quarry_office_free(h);
	inputs_free(&in);
	close_stdout();
	return status;
}
