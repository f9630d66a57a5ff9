/*
 * quarry-pdf: PDF files to quarry document records (man/quarry-pdf.1).
 *
 * Every file is extracted in a child process, so that a file that makes
 * poppler crash, loop or hang costs only that file: the parent kills a child
 * that outlives --timeout and reports the file.  Up to --jobs children run
 * at once; a lone file instead has its pages split across --jobs threads.
 * A child sends back frames on a pipe (a type byte 'R' record, 'W' warning
 * or 'E' error, a 4-byte length, the bytes) and the parent prints them in
 * input order.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
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
"      --password-file=F    read the password of encrypted files from F\n"
"                           (else from $QUARRY_PDF_PASSWORD)\n"
"      --timeout=SECONDS    give up on a file after SECONDS (default 60;\n"
"                           0: no limit)\n"
"      --files-from=LIST    read the file names from LIST, one a line\n"
"  -0, --null               names in LIST are separated by NUL characters\n"
"      --files0-from=LIST   same as --files-from=LIST --null\n"
"      --progress           show progress on standard error\n"
"  -q, --quiet              no progress, even on a terminal\n"
"      --help               display this help and exit\n"
"      --version            output version information and exit\n"
"\n"
"Exit status: 0 if all went well, 1 if some file failed (the others are\n"
"still processed), 2 on a usage error.\n";

enum { OPT_PAGES = 256, OPT_MAXPAGES, OPT_KEEP, OPT_KEEPTOC, OPT_PWFILE, OPT_TIMEOUT,
    OPT_FROM, OPT_FROM0, OPT_PROGRESS, OPT_HELP, OPT_VERSION };

static const struct option longopts[] = {
	{ "jobs", required_argument, NULL, 'j' },
	{ "pages", required_argument, NULL, OPT_PAGES },
	{ "max-pages", required_argument, NULL, OPT_MAXPAGES },
	{ "keep-furniture", no_argument, NULL, OPT_KEEP },
	{ "keep-contents", no_argument, NULL, OPT_KEEPTOC },
	{ "password-file", required_argument, NULL, OPT_PWFILE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "files-from", required_argument, NULL, OPT_FROM },
	{ "files0-from", required_argument, NULL, OPT_FROM0 },
	{ "null", no_argument, NULL, '0' },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

/* One file in flight: its child, what it sent, how it ended. */
struct slot {
	pid_t pid;
	int fd;
	struct quarry_buf got;
	double deadline;
	int status, timed_out, done;
};

static quarry_pdf_options opts;
static double timeout_s = 60;
static struct quarry_buf stdin_data;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
send_frame(int fd, char type, const char *s, size_t len)
{
	unsigned char hdr[5] = { (unsigned char)type, (unsigned char)(len >> 24),
	    (unsigned char)(len >> 16), (unsigned char)(len >> 8),
	    (unsigned char)len };
	size_t off = 0;

	if (write(fd, hdr, 5) != 5)
		_exit(3);
	while (off < len) {
		ssize_t w = write(fd, s + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(3);
		off += (size_t)w;
	}
}

/* The child: extracts one file and sends the result down fd. */
static void __attribute__((noreturn))
child(const char *name, int fd)
{
	struct quarry_buf data = { 0 }, out = { 0 };
	quarry_pdf *p;
	json_t *rec;
	int in;

	if (strcmp(name, "-") == 0) {
		data = stdin_data;
	} else if ((in = open(name, O_RDONLY)) < 0 ||
	    quarry_buf_read_fd(&data, in) != 0) {
		const char *e = strerror(errno);

		send_frame(fd, 'E', e, strlen(e));
		_exit(1);
	} else
		close(in);
	if (quarry_pdf_new(&p, &opts) != 0)
		_exit(4);
	if (quarry_pdf_extract(p, data.data ? data.data : "", data.len, name,
	    &rec) != 0) {
		send_frame(fd, 'E', quarry_pdf_error(p), strlen(quarry_pdf_error(p)));
		_exit(1);
	}
	if (*quarry_pdf_warning(p) != '\0')
		send_frame(fd, 'W', quarry_pdf_warning(p),
		    strlen(quarry_pdf_warning(p)));
	if (quarry_buf_json(&out, rec) != 0 || quarry_buf_append(&out, "\n", 1) != 0)
		_exit(4);
	send_frame(fd, 'R', out.data, out.len);
	_exit(0);
}

static int
start(struct slot *s, const char *name)
{
	int pfd[2];

	memset(s, 0, sizeof(*s));
	if (pipe(pfd) != 0)
		die(EXIT_SOMEFAILED, "pipe: %s", strerror(errno));
	fflush(NULL);
	if ((s->pid = fork()) < 0)
		die(EXIT_SOMEFAILED, "fork: %s", strerror(errno));
	if (s->pid == 0) {
		close(pfd[0]);
		child(name, pfd[1]);
	}
	close(pfd[1]);
	s->fd = pfd[0];
	s->deadline = timeout_s > 0 ? now() + timeout_s : 0;
	return 0;
}

/* Prints what a finished child sent; returns 1 when the file failed. */
static int
report(struct slot *s, const char *name)
{
	size_t i = 0;
	int failed = 0, err = 0;

	while (i + 5 <= s->got.len) {
		const unsigned char *h = (const unsigned char *)s->got.data + i;
		size_t len = (size_t)h[1] << 24 | (size_t)h[2] << 16 |
		    (size_t)h[3] << 8 | h[4];

		if (len > s->got.len - i - 5)
			break;
		if (h[0] == 'R' && WIFEXITED(s->status) && WEXITSTATUS(s->status) == 0)
			fwrite(h + 5, 1, len, stdout);
		else if (h[0] == 'E' || h[0] == 'W') {
			warnx_at(name, 0, "%s%.*s", h[0] == 'W' ? "warning: " : "",
			    (int)len, (const char *)h + 5);
			err |= h[0] == 'E';
		}
		i += 5 + len;
	}
	if (s->timed_out)
		warnx_at(name, 0, "timed out after %g seconds", timeout_s);
	else if (WIFSIGNALED(s->status))
		warnx_at(name, 0, "extraction crashed (signal %d: %s)",
		    WTERMSIG(s->status), strsignal(WTERMSIG(s->status)));
	else if (!err && WEXITSTATUS(s->status) != 0)
		warnx_at(name, 0, "extraction failed (status %d)",
		    WEXITSTATUS(s->status));
	failed = s->timed_out || WIFSIGNALED(s->status) || WEXITSTATUS(s->status) != 0;
	quarry_buf_free(&s->got);
	return failed;
}

/* Runs the files through at most jobs children, output in input order. */
static int
run(char **names, size_t n, unsigned jobs)
{
	size_t win = (size_t)jobs * 2, next = 0, flushed = 0, running = 0, i;
	struct slot *slots = calloc(win, sizeof(*slots));
	struct pollfd *pf = calloc(win, sizeof(*pf));
	int failed = 0;

	if (slots == NULL || pf == NULL)
		die(EXIT_SOMEFAILED, "out of memory");
	while (flushed < n) {
		size_t np = 0;
		double t = now(), wait = -1;

		while (running < jobs && next < n && next < flushed + win) {
			start(&slots[next % win], names[next]);
			next++;
			running++;
		}
		if (slots[flushed % win].done) {
			failed |= report(&slots[flushed % win], names[flushed]);
			flushed++;
			progress("%zu/%zu files", flushed, n);
			continue;
		}
		for (i = flushed; i < next; i++) {
			struct slot *s = &slots[i % win];

			if (s->done)
				continue;
			if (s->deadline > 0 && t >= s->deadline && !s->timed_out) {
				kill(s->pid, SIGKILL);
				s->timed_out = 1;
			}
			if (s->deadline > 0 && !s->timed_out &&
			    (wait < 0 || s->deadline - t < wait))
				wait = s->deadline - t;
			pf[np].fd = s->fd;
			pf[np].events = POLLIN;
			np++;
		}
		if (poll(pf, np, wait < 0 ? -1 : (int)(wait * 1000) + 1) < 0 &&
		    errno != EINTR)
			die(EXIT_SOMEFAILED, "poll: %s", strerror(errno));
		for (i = flushed; i < next; i++) {
			struct slot *s = &slots[i % win];
			size_t k;
			ssize_t got;

			for (k = 0; k < np && pf[k].fd != s->fd; k++)
				;
			if (s->done || k == np || pf[k].revents == 0)
				continue;
			if (quarry_buf_reserve(&s->got, 65536) != 0)
				die(EXIT_SOMEFAILED, "out of memory");
			got = read(s->fd, s->got.data + s->got.len,
			    s->got.cap - s->got.len);
			if (got > 0) {
				s->got.len += (size_t)got;
				continue;
			}
			if (got < 0 && errno == EINTR)
				continue;
			close(s->fd);
			while (waitpid(s->pid, &s->status, 0) < 0 && errno == EINTR)
				;
			s->done = 1;
			running--;
		}
	}
	free(slots);
	free(pf);
	return failed;
}

static void
parse_pages(const char *s)
{
	const char *dash = strchr(s, '-');
	char a[32] = "", b[32] = "";

	if (strlen(s) >= sizeof(a))
		usage_error("--pages: '%s' is not a page range", s);
	if (dash == NULL) {
		opts.first_page = opts.last_page =
		    (unsigned)parse_number("--pages", s, 1, 1000000000);
		return;
	}
	memcpy(a, s, (size_t)(dash - s));
	strcpy(b, dash + 1);
	if (*a != '\0')
		opts.first_page = (unsigned)parse_number("--pages", a, 1, 1000000000);
	if (*b != '\0')
		opts.last_page = (unsigned)parse_number("--pages", b, 1, 1000000000);
	if ((*a == '\0' && *b == '\0') ||
	    (opts.last_page > 0 && opts.last_page < opts.first_page))
		usage_error("--pages: '%s' is not a page range", s);
}

static char *
read_password(const char *file)
{
	struct quarry_buf b = { 0 };
	FILE *fp = input_open(file);
	char *nl;

	if (fp == NULL)
		exit(EXIT_USAGE);
	while (!feof(fp) && !ferror(fp) && b.len < 4096) {
		if (quarry_buf_reserve(&b, 4097) != 0)
			die(EXIT_SOMEFAILED, "out of memory");
		b.len += fread(b.data + b.len, 1, 4096, fp);
	}
	if (ferror(fp))
		die(EXIT_USAGE, "%s: %s", file, strerror(errno));
	input_close(fp);
	if (quarry_buf_reserve(&b, 1) != 0)
		die(EXIT_SOMEFAILED, "out of memory");
	b.data[b.len] = '\0';
	/* The first line, without its end. */
	if ((nl = strpbrk(b.data, "\r\n")) != NULL)
		*nl = '\0';
	return b.data;
}

int
main(int argc, char **argv)
{
	const char *list = NULL, *pwfile = NULL;
	unsigned jobs = 1;
	int c, sep = '\n', prog_on = 0, prog_off = 0, failed;
	char *password = NULL;
	struct inputs in;
	size_t i;

	prog_init(argv[0]);
	/*
	 * poppler allocates and frees a lot for every page: keep the freed
	 * memory rather than give it back to the kernel and fault it in
	 * again (a few per cent of the time).  Every file's process is short.
	 */
	mallopt(M_TOP_PAD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	quarry_pdf_options_init(&opts);
	while ((c = getopt_long(argc, argv, "j:0q", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			jobs = (unsigned)parse_number("--jobs", optarg, 1, 64);
			break;
		case OPT_PAGES:
			parse_pages(optarg);
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
		case OPT_TIMEOUT:
			timeout_s = parse_double("--timeout", optarg, 0, 1e6);
			break;
		case OPT_FROM0:
			sep = '\0';
			/* FALLTHROUGH */
		case OPT_FROM:
			list = optarg;
			break;
		case '0':
			sep = '\0';
			break;
		case OPT_PROGRESS:
			prog_on = 1;
			break;
		case 'q':
			prog_off = 1;
			break;
		case OPT_HELP:
			fputs(usage_text, stdout);
			close_stdout();
			return EXIT_OK;
		case OPT_VERSION:
			print_version();
		default:
			fprintf(stderr, "Try '%s --help' for more information.\n",
			    progname);
			return EXIT_USAGE;
		}
	}
	progress_init(prog_on, prog_off);
	if (pwfile != NULL)
		password = read_password(pwfile);
	else if (getenv("QUARRY_PDF_PASSWORD") != NULL &&
	    (password = strdup(getenv("QUARRY_PDF_PASSWORD"))) == NULL)
		die(EXIT_SOMEFAILED, "out of memory");
	opts.password = password;
	if (inputs_collect(&in, argc - optind, argv + optind, list, sep) != 0)
		return EXIT_SOMEFAILED;
	for (i = 0; i < in.n; i++)
		if (strcmp(in.names[i], "-") == 0) {
			if (quarry_buf_read_fd(&stdin_data, 0) != 0)
				die(EXIT_SOMEFAILED, "-: %s", strerror(errno));
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
