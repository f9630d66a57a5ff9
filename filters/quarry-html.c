/*
 * quarry-html: web pages to document records (man/quarry-html.1).
 *
 * Parses options and loops over the input files; the extraction itself is
 * quarry_html_*() in libquarry (src/html*.c).
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
	    "Write one JSON Lines document record per HTML page: its main text as light\n"
	    "Markdown and its metadata.  With no FILE, or when FILE is -, read standard input.\n"
	    "\n"
	    "  -a, --all                 keep the whole body, not only the main content\n"
	    "  -l, --links               write links as [text](URL)\n"
	    "  -s, --source=NAME         doc and source of a page read from standard input;\n"
	    "                            a URL also resolves links and may give a date\n"
	    "  -e, --encoding=CHARSET    decode every page from CHARSET (default: BOM,\n"
	    "                            <meta> charset, else UTF-8 if valid, else windows-1252)\n"
	    "  -t, --text                write the text alone, pages separated by form feeds\n"
	    "      --keep-contents       keep contents and index pages and tables of contents\n"
	    "      --strict              exit 1 on warnings too (a page without text)\n"
	    "      --files-from=FILE     read input file names from FILE, one a line\n"
	    "  -0, --null                names in --files-from are NUL-separated\n"
	    "      --max-size=BYTES      refuse pages larger than BYTES (default 512 MiB)\n"
	    "      --timeout=SECONDS     give up on a page after SECONDS (default 60; 0: never)\n"
	    "      --progress            report progress on stderr even when not a terminal\n"
	    "  -q, --quiet               no progress report\n"
	    "      --help                display this help and exit\n"
	    "      --version             output version information and exit\n",
	    progname);
}

/* The extractor, and whether a page without text fails (--strict). */
struct html_run {
	quarry_html *h;
	int strict;
};

/* Makes the record of a page (docs_make() calls it). */
static int
make(void *arg, const char *name, const char *doc, const char *data,
    size_t len, json_t **rec)
{
	struct html_run *run = arg;
	int rc = 0;

	/* A URL names the page: links resolve and its path may date it. */
	quarry_html_set_url(run->h, strstr(doc, "://") ? doc : NULL);
	if (quarry_html_parse(run->h, data, len) != 0) {
		warnx_at(name, 0, "%s", quarry_html_error(run->h));
		return -1;
	}
	/* A page without text is written, and warned about. */
	if (*quarry_html_text(run->h, NULL) == '\0' &&
	    !quarry_html_contents(run->h)) {
		warnx_at(name, 0, "warning: no text");
		rc = run->strict;
	}
	if (quarry_html_record(run->h, doc, rec) != 0)
		die(EXIT_SOMEFAILED, "out of memory");
	return rc;
}

int
main(int argc, char **argv)
{
	enum { OPT_TIMEOUT = 256, OPT_KEEPTOC, OPT_STRICT };
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "links", no_argument, NULL, 'l' },
		{ "encoding", required_argument, NULL, 'e' },
		{ "keep-contents", no_argument, NULL, OPT_KEEPTOC },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		DOCS_LONGOPTS,
		FILES_LONGOPTS,
		STD_LONGOPTS
	};
	quarry_html_options o;
	struct html_run run = { NULL, 0 };
	struct doc_maker m = { 0, "page", NULL, 0, make, &run };
	struct inputs in;
	int c, status;

	prog_init(argv);
	quarry_html_options_init(&o);
	o.timeout = 60;
	m.max_size = o.max_size;
	while ((c = getopt_long(argc, argv, "als:e:t0q", longopts, NULL)) != -1) {
		if (docs_option(&m, c))
			continue;
		switch (c) {
		case 'a':
			o.all = 1;
			break;
		case 'l':
			o.links = QUARRY_HTML_LINKS_MARKDOWN;
			break;
		case 'e':
			o.encoding = optarg;
			break;
		case OPT_KEEPTOC:
			o.keep_contents = 1;
			break;
		case OPT_STRICT:
			run.strict = 1;
			break;
		case OPT_TIMEOUT:
			o.timeout = parse_double("--timeout", optarg, 0, 1e6);
			break;
		default:
			std_option(c, usage);
		}
	}
	files_check(NULL);
	o.max_size = m.max_size;
	if (quarry_html_new(&run.h, &o) != 0)
		usage_error("--encoding: %s", quarry_html_error(run.h));
	if (inputs_get(&in, argc - optind, argv + optind) != 0)
		return EXIT_SOMEFAILED;
	status = docs_make(&in, &m);
	quarry_html_free(run.h);
	inputs_free(&in);
	close_stdout();
	return status;
}
