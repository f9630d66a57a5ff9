/*
 * extract_man.c: manual pages (roff: man(7) and mdoc(7)) for the extractor
 * table (extract.c).  The page is rendered by mandoc(1), a child process
 * spawned for the page (mandoc -T utf8; its Markdown output covers mdoc
 * only), and its output made Markdown: the overstrikes of bold and
 * underline dropped, the header and footer lines dropped, section headings
 * (at the left margin) as "## NAME", subsection headings (three columns
 * in) as "### ...", the rest unindented.  The title is the page's name and
 * section as the header shows them ("LS(1)"); "lang" is the locale
 * directory of the path, when there is one (/usr/share/man/de/man1/ls.1.gz:
 * "de"; pt_BR: "pt-BR").
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quarry.h"
#include "extract_private.h"

extern char **environ;

/* The rendered page may be this many times the source, plus 1 MiB. */
#define MAN_GROWTH 16

/*
 * Runs mandoc on data[0..len), its output into out, its first line of
 * diagnostics into err.  Returns 0, QUARRY_ENOTFOUND (no mandoc),
 * QUARRY_ETOOBIG, QUARRY_EFORMAT (mandoc failed), QUARRY_EIO (errno).
 */
static int
run_mandoc(const char *data, size_t len, struct quarry_buf *out, char *err,
    size_t errlen)
{
	char *argv[] = { "mandoc", "-T", "utf8", "-O", "width=1000", NULL };
	int in[2] = { -1, -1 }, op[2] = { -1, -1 }, ep[2] = { -1, -1 };
	size_t max = len * MAN_GROWTH + ((size_t)1 << 20), off = 0, elen = 0;
	posix_spawn_file_actions_t fa;
	struct sigaction ign, old;
	int rc = 0, status, open_out = 1, open_err = 1;
	pid_t pid;

	*err = '\0';
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(op, O_CLOEXEC) != 0 ||
	    pipe2(ep, O_CLOEXEC) != 0) {
		rc = QUARRY_EIO;
		goto close;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, op[1], 1);
	posix_spawn_file_actions_adddup2(&fa, ep[1], 2);
	errno = posix_spawnp(&pid, "mandoc", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (errno != 0) {
		rc = errno == ENOENT ? QUARRY_ENOTFOUND : QUARRY_EIO;
		goto close;
	}
	close(in[0]);
	close(op[1]);
	close(ep[1]);
	in[0] = op[1] = ep[1] = -1;
	/* mandoc may stop reading early: no SIGPIPE for that. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	while (open_out || open_err) {
		struct pollfd pf[3];
		nfds_t np = 0;
		int io = -1, ie = -1, ii = -1;

		if (open_out) {
			pf[np].fd = op[0];
			pf[np].events = POLLIN;
			io = (int)np++;
		}
		if (open_err) {
			pf[np].fd = ep[0];
			pf[np].events = POLLIN;
			ie = (int)np++;
		}
		if (in[1] >= 0) {
			pf[np].fd = in[1];
			pf[np].events = POLLOUT;
			ii = (int)np++;
		}
		if (poll(pf, np, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = QUARRY_EIO;
			break;
		}
		if (ii >= 0 && pf[ii].revents != 0) {
			ssize_t w = off < len ? write(in[1], data + off,
			    len - off > 65536 ? 65536 : len - off) : 0;

			if (w > 0)
				off += (size_t)w;
			if (off >= len || (w < 0 && errno != EAGAIN &&
			    errno != EINTR)) {
				close(in[1]);
				in[1] = -1;
			}
		}
		if (io >= 0 && pf[io].revents != 0) {
			ssize_t r;

			if (quarry_buf_reserve(out, 65536) != 0) {
				rc = QUARRY_ENOMEM;
				break;
			}
			r = read(op[0], out->data + out->len, 65536);
			if (r > 0 && (out->len += (size_t)r) > max) {
				rc = QUARRY_ETOOBIG;
				break;
			}
			if (r == 0 || (r < 0 && errno != EINTR))
				open_out = 0;
		}
		if (ie >= 0 && pf[ie].revents != 0) {
			char buf[512];
			ssize_t r = read(ep[0], buf, sizeof(buf));

			if (r > 0 && elen + 1 < errlen) {
				size_t k = (size_t)r < errlen - 1 - elen ?
				    (size_t)r : errlen - 1 - elen;

				memcpy(err + elen, buf, k);
				elen += k;
				err[elen] = '\0';
			}
			if (r == 0 || (r < 0 && errno != EINTR))
				open_err = 0;
		}
	}
	if (rc != 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGPIPE, &old, NULL);
	if (rc == 0 && (!WIFEXITED(status) || (WEXITSTATUS(status) > 1 &&
	    out->len == 0)))
		rc = QUARRY_EFORMAT;
	{
		char *nl = strchr(err, '\n');

		if (nl != NULL)
			*nl = '\0';
	}
close:
	{
		int *fds[] = { in, op, ep };
		size_t i;

		for (i = 0; i < 3; i++) {
			if (fds[i][0] >= 0)
				close(fds[i][0]);
			if (fds[i][1] >= 0)
				close(fds[i][1]);
		}
	}
	return rc;
}

/* Drops the overstrikes "c\bc" (bold) and "_\bc" (underline) in place. */
static size_t
no_overstrike(char *t, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (t[i] == '\b') {
			/* Drop the byte(s) before: a whole UTF-8 character. */
			while (o > 0 && ((unsigned char)t[o - 1] & 0xC0) ==
			    0x80)
				o--;
			if (o > 0)
				o--;
			continue;
		}
		t[o++] = t[i];
	}
	return o;
}

/* Appends a line as Markdown: headings marked, indentation dropped. */
static int
md_line(struct quarry_buf *b, const char *l, size_t n)
{
	size_t ind = 0;

	while (ind < n && l[ind] == ' ')
		ind++;
	if (ind == n)
		return quarry_buf_append(b, "\n", 1);
	if (ind == 0 && quarry_buf_append(b, "## ", 3) != 0)
		return QUARRY_ENOMEM;
	if (ind == 3 && quarry_buf_append(b, "### ", 4) != 0)
		return QUARRY_ENOMEM;
	if (quarry_buf_append(b, l + ind, n - ind) != 0 ||
	    quarry_buf_append(b, "\n", 1) != 0)
		return QUARRY_ENOMEM;
	/* A heading is a paragraph of its own. */
	if ((ind == 0 || ind == 3) && quarry_buf_append(b, "\n", 1) != 0)
		return QUARRY_ENOMEM;
	return 0;
}

/*
 * Makes Markdown of mandoc's output t[0..n) into md, the header's first
 * word ("LS(1)") into *title.
 */
static int
to_markdown(const char *t, size_t n, struct quarry_buf *md, char **title)
{
	size_t first_end, last_start, i;
	const char *nl;

	*title = NULL;
	/* The header: the first line; the footer: the last one with text. */
	nl = memchr(t, '\n', n);
	first_end = nl ? (size_t)(nl - t) + 1 : n;
	{
		size_t k = 0;

		while (k < first_end && t[k] != ' ' && t[k] != '\n')
			k++;
		if (k > 0 && (*title = strndup(t, k)) == NULL)
			return QUARRY_ENOMEM;
		if (*title != NULL && **title == '\0') {	/* a NUL */
			free(*title);
			*title = NULL;
		}
	}
	last_start = n;
	while (last_start > first_end && (t[last_start - 1] == '\n' ||
	    t[last_start - 1] == ' '))
		last_start--;
	while (last_start > first_end && t[last_start - 1] != '\n')
		last_start--;
	for (i = first_end; i < last_start;) {
		const char *e = memchr(t + i, '\n', last_start - i);
		size_t len = e ? (size_t)(e - (t + i)) : last_start - i;

		size_t ws = 0;

		while (ws < len && t[i + ws] == ' ')
			ws++;
		/* Blank lines in a row become one. */
		if (!(ws == len && md->len >= 2 &&
		    md->data[md->len - 1] == '\n' &&
		    md->data[md->len - 2] == '\n') &&
		    md_line(md, t + i, len) != 0)
			return QUARRY_ENOMEM;
		i += len + 1;
	}
	while (md->len > 0 && md->data[md->len - 1] == '\n')
		md->len--;
	return quarry_buf_append(md, "\n", 1) != 0 ? QUARRY_ENOMEM : 0;
}

/*
 * The language of a page from its path's locale directory, the component
 * just before "manN": "de", "pt_BR" (as "pt-BR"), "fr.UTF-8" ("fr"),
 * "sr@latin" ("sr").  Returns NULL for none.
 */
char *
extract_man_lang(const char *path)
{
	const char *p, *sect = NULL, *prev = NULL, *cur = path;
	char lang[16];
	size_t n = 0, k;

	/* Find the last ".../man/LOCALE/manN/": the LOCALE component. */
	for (p = path; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		if (strncmp(cur, "man", 3) == 0 && cur[3] >= '0' &&
		    cur[3] <= '9' && prev != NULL && prev >= path + 4 &&
		    strncmp(prev - 4, "man/", 4) == 0 &&
		    (prev == path + 4 || prev[-5] == '/'))
			sect = prev;
		prev = cur;
		cur = p + 1;
	}
	if (sect == NULL)
		return NULL;
	for (k = 0; sect[k] >= 'a' && sect[k] <= 'z'; k++)
		;
	if (k < 2 || k > 3)
		return NULL;
	memcpy(lang, sect, k);
	n = k;
	if (sect[k] == '_' && sect[k + 1] >= 'A' && sect[k + 1] <= 'Z' &&
	    sect[k + 2] >= 'A' && sect[k + 2] <= 'Z') {
		lang[n++] = '-';
		lang[n++] = sect[k + 1];
		lang[n++] = sect[k + 2];
		k += 3;
	}
	if (sect[k] != '/' && sect[k] != '.' && sect[k] != '@')
		return NULL;
	lang[n] = '\0';
	return strdup(lang);
}

int
extract_man_markdown(char *t, size_t n, struct quarry_buf *md, char **title)
{
	n = no_overstrike(t, n);
	return to_markdown(t, n, md, title);
}

int
extract_man(const char *name, const char *data, size_t len,
    quarry_extract_report_fn *report, void *arg, json_t **out)
{
	struct quarry_buf r = { 0 }, md = { 0 };
	char err[256], *title = NULL, *lang = NULL;
	json_t *rec = NULL;
	int rc;

	*out = NULL;
	if (memchr(data, '\0', len) != NULL) {
		extract_say(report, arg, 1, 0, "NUL byte in a manual page");
		return QUARRY_EFORMAT;
	}
	rc = run_mandoc(data, len, &r, err, sizeof(err));
	if (rc == QUARRY_ENOTFOUND)
		extract_say(report, arg, 1, 0,
		    "a manual page, and mandoc is not installed");
	else if (rc == QUARRY_ETOOBIG)
		extract_say(report, arg, 1, 0,
		    "mandoc's output is over %d times the page",
		    MAN_GROWTH);
	else if (rc == QUARRY_EFORMAT)
		extract_say(report, arg, 1, 0,
		    "mandoc failed%s%s", *err ? ": " : "", err);
	else if (rc == QUARRY_EIO)
		extract_say(report, arg, 1, 0,
		    "cannot run mandoc: %s", strerror(errno));
	if (rc != 0)
		goto out;
	if ((rc = extract_man_markdown(r.data, r.len, &md, &title)) != 0)
		goto out;
	if ((rc = extract_text(QUARRY_DOCTYPE_MARKDOWN, name, md.data, md.len,
	    report, arg, &rec)) != 0)
		goto out;
	if (title != NULL && quarry_utf8_validate(title, strlen(title),
	    NULL) != 0) {
		free(title);
		title = NULL;
	}
	lang = extract_man_lang(name);
	if (json_object_set_new(rec, "mime", json_string("text/troff")) != 0 ||
	    (title != NULL && json_object_set_new(rec, "title",
	    json_string(title)) != 0) ||
	    (lang != NULL && json_object_set_new(rec, "lang",
	    json_string(lang)) != 0)) {
		rc = QUARRY_ENOMEM;
		goto out;
	}
	*out = rec;
	rec = NULL;
out:
	json_decref(rec);
	quarry_buf_free(&r);
	quarry_buf_free(&md);
	free(title);
	free(lang);
	return rc;
}
