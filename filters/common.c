/*
 * common.c: see common.h.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock_private.h"
#include "common.h"
#include "quarry.h"

const char *progname = "quarry";
int progress_enabled;
static int progress_shown;

void
prog_init(char **argv)
{
	const char *slash, *argv0 = argv[0];

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	progname = slash ? slash + 1 : argv0;
	/* libtool's uninstalled wrappers run "lt-quarry-x". */
	if (strncmp(progname, "lt-", 3) == 0)
		progname += 3;
	argv[0] = (char *)progname;
}

size_t
fwrite_terminal(const char *s, size_t len, FILE *fp)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t n = 0;

		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			n = 1;
		else if (c == 0xc2 && i + 1 < len &&
		    (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f)
			n = 2;	/* a C1 control, U+0080 to U+009F */
		if (n == 0)
			continue;
		if (fwrite(s + start, 1, i - start, fp) != i - start)
			return 0;
		c = (unsigned char)s[i + n - 1];
		fprintf(fp, "\\x%s%c%c", n == 2 ? "c2\\x" : "", hex[c >> 4],
		    hex[c & 15]);
		i += n - 1;
		start = i + 1;
	}
	if (fwrite(s + start, 1, len - start, fp) != len - start)
		return 0;
	return len;
}

static void
vmsg(const char *file, unsigned long line, const char *fmt, va_list ap)
{
	char buf[4096];
	int n = 0;

	if (progress_shown)
		progress_done();
	fflush(stdout);
	if (file != NULL && line > 0)
		n = snprintf(buf, sizeof(buf), "%s: %s:%lu: ", progname, file,
		    line);
	else if (file != NULL)
		n = snprintf(buf, sizeof(buf), "%s: %s: ", progname, file);
	else
		n = snprintf(buf, sizeof(buf), "%s: ", progname);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	n = (int)strlen(buf);
	/* Text from documents and servers may hold terminal escapes. */
	if (isatty(2))
		fwrite_terminal(buf, (size_t)n, stderr);
	else
		fwrite(buf, 1, (size_t)n, stderr);
	fputc('\n', stderr);
}

void
warnx_at(const char *file, unsigned long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(file, line, fmt, ap);
	va_end(ap);
}

void
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(NULL, 0, fmt, ap);
	va_end(ap);
	exit(status);
}

void
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(NULL, 0, fmt, ap);
	va_end(ap);
	try_help();
}

/* After getopt has reported a bad option: points to --help, exits 2. */
void
try_help(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	exit(EXIT_USAGE);
}

void
print_version(void)
{
	printf("%s (quarry) %s\n", progname, PACKAGE_VERSION);
	close_stdout();
	exit(EXIT_OK);
}

static int std_quiet_seen, std_progress;	/* -q, --progress */
static const char *std_list;			/* --files-from */
static int std_null;				/* -0 */
static size_t std_max_line;			/* --max-line */

void
std_option(int c, void (*help)(void))
{
	switch (c) {
	case 'q':
		std_quiet_seen = 1;
		return;
	case OPT_STD_PROGRESS:
		std_progress = 1;
		return;
	case OPT_STD_FILES0_FROM:
		std_null = 1;
		/* FALLTHROUGH */
	case OPT_STD_FILES_FROM:
		std_list = optarg;
		return;
	case '0':
		std_null = 1;
		return;
	case OPT_STD_MAX_LINE:
		std_max_line = parse_number("--max-line", optarg, 1,
		    (unsigned long)-1 / 2);
		return;
	case OPT_STD_HELP:
		help();
		close_stdout();
		exit(EXIT_OK);
	case OPT_STD_VERSION:
		print_version();
	default:
		try_help();
	}
}

int
std_quiet(void)
{
	return std_quiet_seen;
}

void
progress_start(void)
{
	progress_init(std_progress, std_quiet_seen);
}

unsigned long
parse_number(const char *option, const char *s, unsigned long min,
    unsigned long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		usage_error("%s: '%s' is not a number", option, s);
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		usage_error("%s: '%s' is not a number", option, s);
	if (errno == ERANGE || v < min || v > max)
		usage_error("%s: %s is out of range (%lu to %lu)", option, s,
		    min, max);
	return (unsigned long)v;
}

double
parse_double(const char *option, const char *s, double min, double max)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno == ERANGE)
		usage_error("%s: '%s' is not a number", option, s);
	if (!(v >= min && v <= max))
		usage_error("%s: %s is out of range (%g to %g)", option, s,
		    min, max);
	return v;
}

int
inputs_collect(struct inputs *in, int argc, char **argv, const char *list_file,
    int sep)
{
	static char *stdin_name[] = { (char *)"-" };

	memset(in, 0, sizeof(*in));
	if (list_file != NULL) {
		struct quarry_buf lb = { 0 };
		size_t len, n = 0, i;
		char *buf;
		int rc;

		if (argc > 0)
			usage_error("file operands cannot be combined with a file list");
		if ((rc = input_read(list_file, &lb, SIZE_MAX - 1)) != 0) {
			warnx_at(list_file, 0, "%s", input_error(rc));
			quarry_buf_free(&lb);
			return -1;
		}
		/* One byte more for the separator added below. */
		if (quarry_buf_reserve(&lb, 1) != 0)
			die(EXIT_SOMEFAILED, "out of memory");
		buf = lb.data;
		len = lb.len;
		if (len > 0 && buf[len - 1] != sep)
			buf[len++] = (char)sep;
		for (i = 0; i < len; i++)
			if (buf[i] == sep) {
				buf[i] = '\0';
				n++;
			}
		in->list = buf;
		in->from_list = 1;
		if ((in->names = calloc(n + 1, sizeof(char *))) == NULL)
			die(EXIT_SOMEFAILED, "out of memory");
		for (i = 0; i < len; i += strlen(buf + i) + 1)
			if (buf[i] != '\0')
				in->names[in->n++] = buf + i;
		return 0;
	}
	if (argc == 0) {
		in->names = stdin_name;
		in->n = 1;
		return 0;
	}
	in->names = argv;
	in->n = (size_t)argc;
	return 0;
}

void
files_check(const char *also)
{
	if (std_null && std_list == NULL)
		usage_error("-0 goes with --files-from%s%s", also ? " or " : "",
		    also ? also : "");
}

const char *
files_list(void)
{
	return std_list;
}

int
files_null(void)
{
	return std_null;
}

int
inputs_get(struct inputs *in, int argc, char **argv)
{
	return inputs_collect(in, argc, argv, std_list, std_null ? '\0' :
	    '\n');
}

void
inputs_free(struct inputs *in)
{
	if (in->from_list)
		free(in->names);
	free(in->list);
	memset(in, 0, sizeof(*in));
}

FILE *
input_open(const char *name)
{
	FILE *fp;

	if (strcmp(name, "-") == 0)
		return stdin;
	if ((fp = fopen(name, "rb")) == NULL)
		warnx_at(name, 0, "%s", strerror(errno));
	return fp;
}

int
input_read(const char *name, struct quarry_buf *b, size_t max)
{
	if (strcmp(name, "-") == 0)
		return quarry_buf_read_all(b, STDIN_FILENO, max);
	return quarry_buf_read_file(b, name, max);
}

void
input_warn(const char *name, int rc, const char *toobig, ...)
{
	char msg[256];
	va_list ap;

	if (rc == QUARRY_ETOOBIG) {
		va_start(ap, toobig);
		vsnprintf(msg, sizeof(msg), toobig, ap);
		va_end(ap);
		warnx_at(name, 0, "%s", msg);
	} else
		warnx_at(name, 0, "%s", input_error(rc));
}

const char *
input_error(int rc)
{
	return rc == QUARRY_EIO ? strerror(errno) : quarry_strerror(rc);
}

void
input_close(FILE *fp)
{
	if (fp != NULL && fp != stdin)
		fclose(fp);
}

size_t
input_max_line(void)
{
	return std_max_line ? std_max_line : QUARRY_MAX_LINE_DEFAULT;
}

int
records_loop(struct quarry_reader *r, const char *name,
    const struct records *how)
{
	struct record_at at = { name, 0, r, NULL, 0 };
	json_t *rec;
	int rc, status = 0;

	for (;;) {
		rc = how->take != NULL ? quarry_reader_next_take(r, &rec,
		    how->take, &at.text, &at.len) :
		    quarry_reader_next(r, &rec);
		at.line = quarry_reader_line(r);
		if (rc == 0)
			break;
		if (rc < 0) {
			if (how->warn != NULL)
				how->warn(how->arg, &at,
				    quarry_reader_error(r));
			else
				warnx_at(name, at.line, "%s",
				    quarry_reader_error(r));
			status = -1;
			if (how->bad != NULL)
				how->bad(how->arg, &at);
			if (rc == QUARRY_EIO || rc == QUARRY_ENOMEM)
				return -2;
			continue;
		}
		if (how->each(how->arg, rec, &at) != 0)
			break;
	}
	return status;
}

int
records_read(const char *name, const struct records *how)
{
	FILE *fp = input_open(name);
	quarry_reader *r;
	int status;

	if (fp == NULL)
		return -1;
	if (quarry_reader_new(&r, fp, name) != 0)
		die(EXIT_SOMEFAILED, "out of memory");
	quarry_reader_set_max_line(r, input_max_line());
	status = records_loop(r, name, how) != 0 ? -1 : 0;
	quarry_reader_free(r);
	input_close(fp);
	return status;
}

int
docs_option(struct doc_maker *m, int c)
{
	switch (c) {
	case 's':
		m->source = optarg;
		return 1;
	case 't':
		m->text_only = 1;
		return 1;
	case OPT_STD_MAX_SIZE:
		m->max_size = parse_number("--max-size", optarg, 1,
		    (unsigned long)0x7fffffff);
		return 1;
	}
	return 0;
}

int
docs_make(const struct inputs *in, const struct doc_maker *m)
{
	struct quarry_buf data = { 0 };
	size_t i, written = 0;
	int status = EXIT_OK, rc;

	if (m->source != NULL && in->n != 1)
		usage_error("--source names a single input");
	progress_start();
	for (i = 0; i < in->n; i++) {
		const char *name = in->names[i];
		json_t *rec = NULL;

		progress("%zu/%zu %s", i + 1, in->n, name);
		quarry_buf_truncate(&data, 0);
		if ((rc = input_read(name, &data, m->max_size)) != 0) {
			input_warn(name, rc, "%s exceeds --max-size of %zu bytes",
			    m->what, m->max_size);
			status = EXIT_SOMEFAILED;
			continue;
		}
		rc = m->make(m->arg, name, m->source ? m->source : name,
		    data.data ? data.data : "", data.len, &rec);
		if (rc != 0)
			status = EXIT_SOMEFAILED;
		if (rc < 0)
			continue;
		if (m->text_only) {
			size_t tl = 0;
			const char *t = quarry_record_string(rec, "text", &tl);

			/* Form feeds between the texts written, not the
			 * inputs: no empty page for an input that failed. */
			if (written++ > 0)
				putchar('\f');
			fwrite(t ? t : "", 1, t ? tl : 0, stdout);
			putchar('\n');
		} else
			quarry_record_write(stdout, rec);
		json_decref(rec);
		if (ferror(stdout))
			break;
	}
	progress_done();
	quarry_buf_free(&data);
	return status;
}

int
embed_option(quarry_embed_options *eo, int c)
{
	switch (c) {
	case 'd':
		eo->dims = parse_number("--dims", optarg, 1,
		    QUARRY_EMBED_DIMS_MAX);
		return 1;
	case 'u':
		eo->url = optarg;
		return 1;
	case 'm':
		eo->model = optarg;
		return 1;
	case 'c':
		eo->command = optarg;
		return 1;
	case 'b':
		eo->batch = parse_number("--batch", optarg, 1, 100000);
		return 1;
	case 'p':
		eo->parallel = parse_number("--parallel", optarg, 1, 256);
		return 1;
	case 'r':
		eo->retries = (unsigned)parse_number("--retries", optarg, 0,
		    100);
		return 1;
	case OPT_STD_MAX_INPUT:
		eo->max_input = parse_number("--max-input", optarg, 1,
		    (unsigned long)-1 / 2);
		return 1;
	}
	return 0;
}

void
embed_check(const quarry_embed_options *eo)
{
	if (eo->url && eo->command)
		usage_error("--url and --command exclude each other");
	if (eo->url && eo->model == NULL)
		usage_error("--url needs --model");
	if (!eo->url && !eo->command && (eo->model || eo->max_input))
		usage_error("--model and --max-input go with --url or --command");
}

int
record_put(const json_t *rec, void *arg)
{
	return quarry_record_write(arg, rec) != 0 ? QUARRY_EIO : 0;
}

void
close_stdout(void)
{
	int bad = ferror(stdout);

	if (fclose(stdout) != 0 || bad) {
		if (errno == EPIPE)
			exit(EXIT_SOMEFAILED);
		fprintf(stderr, "%s: write error: %s\n", progname,
		    strerror(errno ? errno : EIO));
		exit(EXIT_SOMEFAILED);
	}
}

/*
 * Progress in a pipeline (quarry(7), PROGRESS): only the stage that owns
 * the terminal line -- standard error a terminal and standard output not
 * a pipe, that is the last stage -- redraws one line in place.  A stage
 * told to report with --progress elsewhere (its output piped on, or
 * standard error a file) writes whole lines, "quarry-x: message", at most
 * one a second, so that the lines of several programs never overwrite or
 * cut into each other.
 */
static int progress_inline;
static double progress_last;

void
progress_init(int force_on, int force_off)
{
	struct stat st;
	int piped = fstat(1, &st) == 0 && S_ISFIFO(st.st_mode);

	progress_inline = isatty(2) && !piped;
	progress_enabled = force_off ? 0 : force_on ? 1 : progress_inline;
	progress_last = 0;
}

void
progress(const char *fmt, ...)
{
	va_list ap;

	if (!progress_enabled)
		return;
	if (!progress_inline) {
		double t = clock_now();

		if (t - progress_last < 1)
			return;
		progress_last = t;
		/* Clear the line the last stage may be redrawing. */
		if (isatty(2))
			fputs("\r\033[K", stderr);
	} else
		fputs("\r\033[K", stderr);
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (progress_inline)
		progress_shown = 1;
	else
		fputc('\n', stderr);
}

void
progress_done(void)
{
	if (progress_shown) {
		fputs("\r\033[K", stderr);
		progress_shown = 0;
	}
}

int
parse_choice_n(const char *option, const char *s, size_t len,
    const char *const *names)
{
	char list[256];
	size_t i, n, off = 0;

	for (n = 0; names[n] != NULL; n++)
		if (strlen(names[n]) == len && memcmp(names[n], s, len) == 0)
			return (int)n;
	for (i = 0; i < n && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
		    i == 0 ? "" : i + 1 == n ? " or " : ", ", names[i]);
	usage_error("%s: '%.*s' is not %s", option, (int)len, s, list);
}

int
parse_choice(const char *option, const char *s, const char *const *names)
{
	return parse_choice_n(option, s, strlen(s), names);
}

enum quarry_unit
parse_unit(const char *option, const char *s)
{
	static const char *const names[] = { "chars", "words", "tokens",
	    NULL };
	static const enum quarry_unit units[] = { QUARRY_UNIT_CHARS,
	    QUARRY_UNIT_WORDS, QUARRY_UNIT_TOKENS };

	return units[parse_choice(option, s, names)];
}

void
parse_pages(const char *option, const char *s, unsigned *first,
    unsigned *last)
{
	const char *dash = strchr(s, '-');
	char a[32] = "", b[32] = "";

	*first = *last = 0;
	if (strlen(s) >= sizeof(a))
		usage_error("%s: '%s' is not a page range", option, s);
	if (dash == NULL) {
		*first = *last = (unsigned)parse_number(option, s, 1,
		    1000000000);
		return;
	}
	memcpy(a, s, (size_t)(dash - s));
	strcpy(b, dash + 1);
	if (*a != '\0')
		*first = (unsigned)parse_number(option, a, 1, 1000000000);
	if (*b != '\0')
		*last = (unsigned)parse_number(option, b, 1, 1000000000);
	if ((*a == '\0' && *b == '\0') || (*last > 0 && *last < *first))
		usage_error("%s: '%s' is not a page range", option, s);
}
