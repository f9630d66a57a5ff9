/*
 * quarry-pdf: PDF files to quarry document records (man/quarry-pdf.1).
 *
 * Every file is extracted in a child process, so that a file that makes
 * poppler crash, loop or hang costs only that file: the parent kills a child
 * that outlives --timeout and reports the file.  Up to --jobs children run
 * at once.  A lone file is extracted in this process instead, its pages
 * split across --jobs threads, with a watchdog thread for --timeout: there
 * is no other file to protect, and the exit status tells a crash.
 * A child sends back frames on a pipe (a type byte 'R' record, 'W' warning
 * or 'E' error, a 4-byte length, the bytes) and the parent prints them in
 * input order.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "quarry.h"

static const char usage_text[] =
"Usage: quarry-pdf [OPTION]... [FILE]...\n"
"Extract the text and metadata of PDF files as quarry document records\n"
"(JSON Lines) on standard output.  With no FILE, or when FILE is -, read a\n"
"PDF from standard input.\n"
"\n"
"  -j, --jobs=N             process N files at once, or split a single\n"
"                           file's pages across N threads (default 1)\n"
"      --pages=A-B          extract pages A to B only (A-, -B and A work)\n"
"      --max-pages=N        extract at most N pages of each file\n"
"      --keep-furniture     keep running headers, footers and page numbers\n"
"      --keep-contents      keep contents and index pages\n"
"      --ocr=WHEN           read pages with Tesseract OCR: auto (pages\n"
"                           without a usable text layer), always or never\n"
"      --ocr-lang=LANGS     Tesseract languages, such as eng+deu (default: the\n"
"                           document's language, else eng)\n"
"      --ocr-dpi=N          render pages for OCR at N dots per inch (300)\n"
"  -s, --source=NAME        doc and source of the record of the single input\n"
"                           (for standard input, which is otherwise \"-\")\n"
"      --strict             exit 1 on warnings too (a file without text)\n"
"      --password-file=F    read the password of encrypted files from F\n"
"                           (else from $QUARRY_PDF_PASSWORD)\n"
"      --timeout=SECONDS    give up on a file after SECONDS (default 60;\n"
"                           0: no limit)\n"
"      --max-size=BYTES     refuse files larger than BYTES, standard input\n"
"                           included (default 1 GiB)\n"
"      --files-from=LIST    read the file names from LIST, one a line\n"
"  -0, --null               names in LIST are separated by NUL characters\n"
"      --files0-from=LIST   same as --files-from=LIST --null\n"
"      --progress           show progress on standard error\n"
"  -q, --quiet              no progress, even on a terminal\n"
"      --help               display this help and exit\n"
"      --version            output version information and exit\n"
"\n"
"Exit status: 0 if all went well, warnings included, 1 if some file\n"
"failed (the others are still processed) or, with --strict, was warned\n"
"about, 2 on a usage error.\n";

static void
usage(void)
{
	fputs(usage_text, stdout);
}

enum { OPT_PAGES = 256, OPT_MAXPAGES, OPT_KEEP, OPT_KEEPTOC, OPT_PWFILE,
    OPT_TIMEOUT, OPT_MAXSIZE, OPT_OCR, OPT_OCRLANG,
    OPT_OCRDPI, OPT_STRICT };

static const struct option longopts[] = {
	{ "jobs", required_argument, NULL, 'j' },
	{ "pages", required_argument, NULL, OPT_PAGES },
	{ "max-pages", required_argument, NULL, OPT_MAXPAGES },
	{ "keep-furniture", no_argument, NULL, OPT_KEEP },
	{ "keep-contents", no_argument, NULL, OPT_KEEPTOC },
	{ "password-file", required_argument, NULL, OPT_PWFILE },
	{ "source", required_argument, NULL, 's' },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "ocr", required_argument, NULL, OPT_OCR },
	{ "ocr-lang", required_argument, NULL, OPT_OCRLANG },
	{ "ocr-dpi", required_argument, NULL, OPT_OCRDPI },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "max-size", required_argument, NULL, OPT_MAXSIZE },
	FILES_LONGOPTS,
	FILES0_LONGOPT,
	STD_LONGOPTS
};

static const char *const ocr_names[] = { "auto", "always", "never", NULL };
static const enum quarry_pdf_ocr ocr_modes[] = { QUARRY_PDF_OCR_AUTO,
    QUARRY_PDF_OCR_ALWAYS, QUARRY_PDF_OCR_NEVER };

static quarry_pdf_options opts;
static double timeout_s = 60;
static size_t max_size = (size_t)1 << 30;
static struct quarry_buf stdin_data;
static int stdin_rc;
static const char *source;	/* --source: the single input's name */
static int strict;		/* --strict: warnings fail the file */

/*
 * The task: extracts one file and sends its record back.  It runs in a
 * child, or in this process for a lone input, so it frees what it takes.
 */
static int
extract(quarry_task *t, void *arg)
{
	const char *name = arg;
	struct quarry_buf data = { 0 }, out = { 0 };
	quarry_pdf *p = NULL;
	json_t *rec = NULL;
	int rc, st = 0;

	if (strcmp(name, "-") == 0) {
		data = stdin_data;
		rc = stdin_rc;
	} else
		rc = quarry_buf_read_file(&data, name, max_size);
	if (rc == QUARRY_ETOOBIG) {
		quarry_task_sendf(t, 'E', 0, "larger than --max-size (%zu bytes)",
		    max_size);
		st = QUARRY_TASK_FAILED;
	} else if (rc != 0) {
		quarry_task_sendf(t, 'E', 0, "%s", input_error(rc));
		st = QUARRY_TASK_FAILED;
	} else if (quarry_pdf_new(&p, &opts) != 0) {
		st = QUARRY_TASK_NOMEM;
	} else if ((rc = quarry_pdf_extract(p, data.data ? data.data : "",
	    data.len, source != NULL ? source : name, &rec)) != 0) {
		/* The library says what is wrong; the options are ours. */
		quarry_task_sendf(t, 'E', 0, "%s%s", quarry_pdf_error(p),
		    rc == QUARRY_EPASSWORD && opts.password == NULL ?
		    " (give the password with --password-file or "
		    "QUARRY_PDF_PASSWORD)" : "");
		st = QUARRY_TASK_FAILED;
	} else {
		unsigned d = quarry_pdf_dropped(p);

		if (*quarry_pdf_warning(p) != '\0')
			quarry_task_sendf(t, 'W', 0, "%s%s",
			    quarry_pdf_warning(p),
			    d & QUARRY_PDF_KEEP_CONTENTS ? " (--keep-furniture, "
			    "--keep-contents keep them)" :
			    d & QUARRY_PDF_KEEP_FURNITURE ?
			    " (--keep-furniture keeps them)" : "");
		if (quarry_buf_json(&out, rec) != 0 ||
		    quarry_buf_append(&out, "\n", 1) != 0)
			st = QUARRY_TASK_NOMEM;
		else
			quarry_task_send(t, 'R', 0, out.data, out.len);
	}
	json_decref(rec);
	quarry_pdf_free(p);
	quarry_buf_free(&out);
	if (data.data != stdin_data.data)
		quarry_buf_free(&data);
	return st;
}

/*
 * A lone input is extracted in this process (a child would cost a fork
 * and a copy of the record for nothing); the runner's watchdog calls this
 * when it outlives --timeout.  Nothing has been written to standard output.
 */
static void
expired(void *arg)
{
	warnx_at(arg, 0, "timed out after %g seconds", timeout_s);
	_exit(EXIT_SOMEFAILED);
}

/* Prints what a finished task sent; returns 1 when the file failed. */
static int
report(const quarry_task_result *res)
{
	const char *name = res->arg;
	char why[256];
	int failed, warned = 0;
	size_t i;

	failed = quarry_task_failed(res, timeout_s, why, sizeof(why));
	for (i = 0; i < res->nframes; i++) {
		const struct quarry_task_frame *f = &res->frames[i];

		if (f->type == 'R' && !failed)
			fwrite(f->data, 1, f->len, stdout);
		else if (f->type == 'E' || f->type == 'W')
			warnx_at(name, 0, "%s%.*s", f->type == 'W' ?
			    "warning: " : "", (int)f->len, f->data);
		warned |= f->type == 'W';
	}
	if (*why != '\0')
		warnx_at(name, 0, "%s", why);
	/* --strict: a warning fails the file; its record is written. */
	return failed || (warned && strict);
}

/* Runs the files through at most jobs children, output in input order. */
static int
run(char **names, size_t n, unsigned jobs)
{
	quarry_runner_options ro = { 0 };
	quarry_task_result res;
	quarry_runner *r;
	size_t next = 0, done = 0;
	int failed = 0, rc;

	ro.jobs = jobs;
	ro.timeout = timeout_s;
	if (n == 1) {
		ro.in_process = 1;
		ro.expired = expired;
		ro.arg = names[0];
	}
	if (quarry_runner_new(&r, &ro) != 0)
		die(EXIT_SOMEFAILED, "%s", quarry_runner_error(r));
	while (done < n) {
		while (next < n && !quarry_runner_full(r)) {
			if (quarry_runner_submit(r, extract, names[next]) != 0)
				die(EXIT_SOMEFAILED, "%s", quarry_runner_error(r));
			next++;
		}
		if ((rc = quarry_runner_next(r, &res)) < 0)
			die(EXIT_SOMEFAILED, "%s", quarry_runner_error(r));
		failed |= report(&res);
		done++;
		progress("%zu/%zu files", done, n);
	}
	quarry_runner_free(r);
	return failed;
}

static char *
read_password(const char *file)
{
	struct quarry_buf b = { 0 };
	char *nl;
	int rc;

	/* Only the first line counts; a password file is small. */
	if ((rc = input_read(file, &b, 1 << 20)) != 0)
		die(EXIT_USAGE, "%s: %s", file, input_error(rc));
	/* The first line, without its end. */
	if ((nl = strpbrk(b.data, "\r\n")) != NULL)
		*nl = '\0';
	return b.data;
}

int
main(int argc, char **argv)
{
	const char *pwfile = NULL;
	unsigned jobs = 1;
	int c, failed;
	char *password = NULL;
	struct inputs in;
	size_t i;

	prog_init(argv);
	/*
	 * poppler allocates and frees a lot for every page: keep the freed
	 * memory rather than give it back to the kernel and fault it in
	 * again (a few per cent of the time).  Every file's process is short.
	 */
	mallopt(M_TOP_PAD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	quarry_pdf_options_init(&opts);
	while ((c = getopt_long(argc, argv, "j:s:0q", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			jobs = (unsigned)parse_number("--jobs", optarg, 1, 64);
			break;
		case OPT_PAGES:
			parse_pages("--pages", optarg, &opts.first_page,
			    &opts.last_page);
			break;
		case OPT_MAXPAGES:
			opts.max_pages = (unsigned)parse_number("--max-pages",
			    optarg, 1, 1000000000);
			break;
		case OPT_KEEP:
			opts.keep_furniture = 1;
			break;
		case OPT_KEEPTOC:
			opts.keep_contents = 1;
			break;
		case OPT_PWFILE:
			pwfile = optarg;
			break;
		case 's':
			source = optarg;
			break;
		case OPT_STRICT:
			strict = 1;
			break;
		case OPT_OCR:
			opts.ocr = ocr_modes[parse_choice("--ocr", optarg,
			    ocr_names)];
			break;
		case OPT_OCRLANG:
			if (*optarg == '\0' || strlen(optarg) > 60 ||
			    strspn(optarg, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-") !=
			    strlen(optarg))
				usage_error("--ocr-lang: '%s' is not a list "
				    "of Tesseract languages", optarg);
			opts.ocr_lang = optarg;
			break;
		case OPT_OCRDPI:
			opts.ocr_dpi = (unsigned)parse_number("--ocr-dpi",
			    optarg, 50, 1200);
			break;
		case OPT_TIMEOUT:
			timeout_s = parse_double("--timeout", optarg, 0, 1e6);
			break;
		case OPT_MAXSIZE:
			max_size = parse_number("--max-size", optarg, 1,
			    (unsigned long)-1 >> 1);
			break;
		default:
			std_option(c, usage);
		}
	}
	files_check(NULL);
	progress_start();
	if (pwfile != NULL)
		password = read_password(pwfile);
	else if (getenv("QUARRY_PDF_PASSWORD") != NULL &&
	    (password = strdup(getenv("QUARRY_PDF_PASSWORD"))) == NULL)
		die(EXIT_SOMEFAILED, "out of memory");
	opts.password = password;
	if (inputs_get(&in, argc - optind, argv + optind) != 0)
		return EXIT_SOMEFAILED;
	if (source != NULL && in.n != 1)
		usage_error("--source names a single input");
	for (i = 0; i < in.n; i++)
		if (strcmp(in.names[i], "-") == 0) {
			/* Read once, before the children are forked;
			 * a failure is reported as the file's. */
			stdin_rc = quarry_buf_read_all(&stdin_data, 0, max_size);
			break;
		}
	opts.threads = in.n == 1 ? jobs : 1;
	failed = run(in.names, in.n, jobs);
	progress_done();
	inputs_free(&in);
	free(password);
	quarry_buf_free(&stdin_data);
	close_stdout();
	return failed ? EXIT_SOMEFAILED : EXIT_OK;
}
