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

int
main(int argc, char **argv)
{
	enum { OPT_MAX_SIZE = 256, OPT_TIMEOUT, OPT_KEEPTOC, OPT_STRICT };
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "links", no_argument, NULL, 'l' },
		{ "source", required_argument, NULL, 's' },
		{ "encoding", required_argument, NULL, 'e' },
		{ "text", no_argument, NULL, 't' },
		{ "keep-contents", no_argument, NULL, OPT_KEEPTOC },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		FILES_LONGOPTS,
		STD_LONGOPTS
	};
	quarry_html_options o;
	quarry_html *h;
	struct inputs in;
	const char *source = NULL;
	struct quarry_buf page = { 0 };
	size_t i;
	int c, text_only = 0;
	int strict = 0;
	int status = EXIT_OK, rc;

	prog_init(argv);
	quarry_html_options_init(&o);
	o.timeout = 60;
	while ((c = getopt_long(argc, argv, "als:e:t0q", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o.all = 1;
			break;
		case 'l':
			o.links = QUARRY_HTML_LINKS_MARKDOWN;
			break;
		case 's':
			source = optarg;
			break;
		case 'e':
			o.encoding = optarg;
			break;
		case 't':
			text_only = 1;
			break;
		case OPT_KEEPTOC:
			o.keep_contents = 1;
			break;
		case OPT_STRICT:
			strict = 1;
			break;
		case OPT_MAX_SIZE:
			o.max_size = parse_number("--max-size", optarg, 1,
			    (unsigned long)0x7fffffff);
			break;
		case OPT_TIMEOUT:
			o.timeout = parse_double("--timeout", optarg, 0, 1e6);
			break;
		default:
			std_option(c, usage);
		}
	}
	argc -= optind;
	argv += optind;
	files_check(NULL);
	if ((rc = quarry_html_new(&h, &o)) != 0)
		usage_error("--encoding: %s", quarry_html_error(h));
	if (inputs_get(&in, argc, argv) != 0)
		return EXIT_SOMEFAILED;
	if (source != NULL && in.n != 1)
		usage_error("--source names a single input");
	progress_start();
	for (i = 0; i < in.n; i++) {
		const char *name = in.names[i];
		const char *doc = source != NULL ? source : name;
		json_t *rec;

		progress("%zu/%zu %s", i + 1, in.n, name);
		/* The buffer is reused from page to page. */
		quarry_buf_truncate(&page, 0);
		if ((rc = input_read(name, &page, o.max_size)) != 0) {
			input_warn(name, rc, "page exceeds --max-size of %zu "
			    "bytes", o.max_size);
			status = EXIT_SOMEFAILED;
			continue;
		}
		/* A URL names the page: links resolve and its path may date it. */
		quarry_html_set_url(h, strstr(doc, "://") ? doc : NULL);
		if ((rc = quarry_html_parse(h, page.data, page.len)) != 0) {
			warnx_at(name, 0, "%s", quarry_html_error(h));
			status = EXIT_SOMEFAILED;
			continue;
		}
		/* A page without text is written, and warned about. */
		if (*quarry_html_text(h, NULL) == '\0' &&
		    !quarry_html_contents(h)) {
			warnx_at(name, 0, "warning: no text");
			if (strict)
				status = EXIT_SOMEFAILED;
		}
		if (text_only) {
			size_t tl;
			const char *t = quarry_html_text(h, &tl);

			if (i > 0)
				putchar('\f');
			fwrite(t, 1, tl, stdout);
			putchar('\n');
		} else {
			if (quarry_html_record(h, doc, &rec) != 0)
				die(EXIT_SOMEFAILED, "out of memory");
			quarry_record_write(stdout, rec);
			json_decref(rec);
		}
		if (ferror(stdout))
			break;
	}
	progress_done();
	quarry_buf_free(&page);
	quarry_html_free(h);
	inputs_free(&in);
	close_stdout();
	return status;
}
