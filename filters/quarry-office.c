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

int
main(int argc, char **argv)
{
	enum { OPT_MAX_SIZE = 256, OPT_MAX_EXPANDED, OPT_MAX_RATIO,
		OPT_MAX_ENTRIES };
	static const struct option longopts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "text", no_argument, NULL, 't' },
		{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
		{ "max-expanded", required_argument, NULL, OPT_MAX_EXPANDED },
		{ "max-ratio", required_argument, NULL, OPT_MAX_RATIO },
		{ "max-entries", required_argument, NULL, OPT_MAX_ENTRIES },
		FILES_LONGOPTS,
		STD_LONGOPTS
	};
	quarry_office_options o;
	quarry_office *h;
	struct inputs in;
	struct quarry_buf buf = { 0 };
	const char *source = NULL;
	size_t i;
	int c, text_only = 0;
	int status = EXIT_OK, rc, written = 0;

	prog_init(argv);
	quarry_office_options_init(&o);
	while ((c = getopt_long(argc, argv, "s:t0q", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			source = optarg;
			break;
		case 't':
			text_only = 1;
			break;
		case OPT_MAX_SIZE:
			o.max_size = parse_number("--max-size", optarg, 1,
			    (unsigned long)0x7fffffff);
			break;
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
	argc -= optind;
	argv += optind;
	files_check(NULL);
	if (inputs_get(&in, argc, argv) != 0)
		return EXIT_SOMEFAILED;
	if (source != NULL && in.n != 1)
		usage_error("--source names a single input");
	if (quarry_office_new(&h, &o) != 0)
		die(EXIT_SOMEFAILED, "out of memory");
	progress_start();
	for (i = 0; i < in.n; i++) {
		const char *name = in.names[i];
		const char *doc = source != NULL ? source : name;
		json_t *rec;

		progress("%zu/%zu %s", i + 1, in.n, name);
		/* The one whole-file reader (buf reused between files). */
		quarry_buf_truncate(&buf, 0);
		if ((rc = input_read(name, &buf, o.max_size)) != 0) {
			input_warn(name, rc, "file exceeds --max-size of %zu "
			    "bytes", o.max_size);
			status = EXIT_SOMEFAILED;
			continue;
		}
		if (quarry_office_extract(h, buf.data ? buf.data : "", buf.len,
		    doc, &rec) != 0) {
			warnx_at(name, 0, "%s", quarry_office_error(h));
			status = EXIT_SOMEFAILED;
			continue;
		}
		if (text_only) {
			const char *t = quarry_record_string(rec, "text", NULL);
			size_t tl = json_string_length(json_object_get(rec,
			    "text"));

			if (written++ > 0)
				putchar('\f');
			fwrite(t, 1, tl, stdout);
			putchar('\n');
		} else
			quarry_record_write(stdout, rec);
		json_decref(rec);
		if (ferror(stdout))
			break;
	}
	progress_done();
	quarry_buf_free(&buf);
	quarry_office_free(h);
	inputs_free(&in);
	close_stdout();
	return status;
}
