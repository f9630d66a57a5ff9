/*
 * embed_cmd.c: the command backend.  A long-running child process, started
 * with execvp() (no shell), reads {"text":"..."} lines on its standard input
 * and answers one JSON array of numbers a line on its standard output, in
 * order (man/quarry-embed.1, COMMAND PROTOCOL).
 *
 * We write and read at the same time (poll) so that neither side can fill a
 * pipe and wait for the other.  The child's standard input is one end of a
 * socket pair, so that writing to a child that died gives EPIPE through
 * send(MSG_NOSIGNAL) instead of a SIGPIPE that would kill the program using
 * the library.  A child that exits, or stays silent longer than the
 * timeout, fails the embedder as a whole.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "embed_private.h"

#define MAX_ANSWER ((size_t)1 << 26)	/* longest answer line */

struct cmd {
	char **argv;
	char *words;		/* storage for argv */
	pid_t pid;
	int in;			/* our end of the child's standard input */
	int out;		/* the child's standard output */
	double timeout;
	struct quarry_buf req;
	struct quarry_buf rbuf;	/* answer bytes not yet consumed */
	float *vec;
	size_t veccap;
	size_t *sent;		/* items sent in this call, in order */
	char perr[256];
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Splits a command line into words: white space separates, '...' quotes
 * literally, "..." quotes with \" and \\ escapes, and a backslash outside
 * quotes escapes the next character.  Returns 0, QUARRY_EINVAL (unmatched
 * quote, no words) or QUARRY_ENOMEM.
 */
static int
split_words(const char *s, char ***argvp, char **storage)
{
	size_t len = strlen(s), n = 0, i;
	char *w = malloc(len + 1), *o = w, **argv;
	int inword = 0;

	if (w == NULL)
		return QUARRY_ENOMEM;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == ' ' || c == '\t' || c == '\n') {
			if (inword) {
				*o++ = '\0';
				inword = 0;
			}
			continue;
		}
		if (!inword) {
			inword = 1;
			n++;
		}
		if (c == '\'') {
			for (i++; i < len && s[i] != '\''; i++)
				*o++ = s[i];
			if (i == len)
				goto bad;
		} else if (c == '"') {
			for (i++; i < len && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < len &&
				    (s[i + 1] == '"' || s[i + 1] == '\\'))
					i++;
				*o++ = s[i];
			}
			if (i == len)
				goto bad;
		} else if (c == '\\' && i + 1 < len)
			*o++ = s[++i];
		else
			*o++ = c;
	}
	if (inword)
		*o++ = '\0';
	if (n == 0)
		goto bad;
	if ((argv = calloc(n + 1, sizeof(char *))) == NULL) {
		free(w);
		return QUARRY_ENOMEM;
	}
	for (i = 0, o = w; i < n; i++, o += strlen(o) + 1)
		argv[i] = o;
	*argvp = argv;
	*storage = w;
	return 0;
bad:
	free(w);
	return QUARRY_EINVAL;
}

/* Describes how the child ended, after reaping it. */
static void
reap(struct cmd *c, char *buf, size_t len)
{
	int st;

	if (c->pid <= 0) {
		snprintf(buf, len, "is not running");
		return;
	}
	while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
		;
	c->pid = -1;
	if (WIFEXITED(st))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "was killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, len, "stopped");
}

static void
close_fds(struct cmd *c)
{
	if (c->in >= 0)
		close(c->in);
	if (c->out >= 0)
		close(c->out);
	c->in = c->out = -1;
}

/* Stops the child: EOF on its input, then SIGTERM, then SIGKILL. */
static void
stop_child(struct cmd *c)
{
	int i, st;

	close_fds(c);
	if (c->pid <= 0)
		return;
	for (i = 0; i < 300; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (waitpid(c->pid, &st, WNOHANG) == c->pid) {
			c->pid = -1;
			return;
		}
		if (i == 200)
			kill(c->pid, SIGTERM);
		nanosleep(&ts, NULL);
	}
	kill(c->pid, SIGKILL);
	while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
		;
	c->pid = -1;
}

static int
spawn(quarry_embedder *e, struct cmd *c)
{
	int sv[2], op[2], ep[2], err = 0;
	ssize_t got;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return embed_error(e, QUARRY_EIO, "socketpair: %s",
		    strerror(errno));
	if (pipe2(op, O_CLOEXEC) != 0) {
		close(sv[0]);
		close(sv[1]);
		return embed_error(e, QUARRY_EIO, "pipe: %s", strerror(errno));
	}
	if (pipe2(ep, O_CLOEXEC) != 0) {
		close(sv[0]);
		close(sv[1]);
		close(op[0]);
		close(op[1]);
		return embed_error(e, QUARRY_EIO, "pipe: %s", strerror(errno));
	}
	c->pid = fork();
	if (c->pid == 0) {
		/* The child: its stdin and stdout, then the program. */
		if (dup2(sv[1], 0) < 0 || dup2(op[1], 1) < 0)
			err = errno;
		else {
			signal(SIGPIPE, SIG_DFL);
			execvp(c->argv[0], c->argv);
			err = errno;
		}
		if (write(ep[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	err = errno;
	close(sv[1]);
	close(op[1]);
	close(ep[1]);
	c->in = sv[0];
	c->out = op[0];
	if (c->pid < 0) {
		close(ep[0]);
		close_fds(c);
		return embed_error(e, QUARRY_EIO, "fork: %s", strerror(err));
	}
	/* The error pipe closes on a successful exec, or carries errno. */
	while ((got = read(ep[0], &err, sizeof(err))) < 0 && errno == EINTR)
		;
	close(ep[0]);
	if (got == (ssize_t)sizeof(err)) {
		char how[64];

		close_fds(c);
		reap(c, how, sizeof(how));
		return embed_error(e, QUARRY_EIO, "cannot run %s: %s",
		    c->argv[0], strerror(err));
	}
	fcntl(c->in, F_SETFL, fcntl(c->in, F_GETFL) | O_NONBLOCK);
	fcntl(c->out, F_SETFL, fcntl(c->out, F_GETFL) | O_NONBLOCK);
	return 0;
}

/* Handles one answer line for item i. */
static void
take_line(quarry_embedder *e, struct cmd *c, size_t i, const char *line,
    size_t len)
{
	size_t n;
	int rc;

	rc = embed_parse_vector(line, len, &c->vec, &c->veccap, &n, c->perr,
	    sizeof(c->perr));
	if (rc == QUARRY_ENOMEM) {
		embed_item_fail(e, i, rc, "out of memory");
		return;
	}
	if (rc != 0) {
		embed_item_fail(e, i, rc, "%s: malformed answer: %s",
		    c->argv[0], c->perr);
		return;
	}
	if (e->dims == 0 && n > 0 && embed_set_dims(e, n) != 0) {
		embed_item_fail(e, i, QUARRY_EMODEL, "vector has %zu "
		    "dimensions (at most %d)", n, QUARRY_EMBED_DIMS_MAX);
		return;
	}
	if (n != e->dims) {
		embed_item_fail(e, i, QUARRY_EMODEL, "vector has %zu "
		    "dimension%s, expected %zu", n, n == 1 ? "" : "s", e->dims);
		return;
	}
	memcpy(embed_item_vec(e, i), c->vec, n * sizeof(float));
	embed_item_ok(e, i);
}

static int
cmd_embed(quarry_embedder *e)
{
	struct cmd *c = e->impl;
	size_t i, nsent = 0, nread = 0, wpos = 0, scan = 0;
	double deadline;
	int writing = 1;

	free(c->sent);
	if ((c->sent = malloc((e->n ? e->n : 1) * sizeof(size_t))) == NULL)
		return embed_fatal(e, QUARRY_ENOMEM, "out of memory");
	c->req.len = 0;
	for (i = 0; i < e->n; i++) {
		if (e->status[i] != 0)
			continue;
		if (quarry_buf_append(&c->req, "{\"text\":", 8) != 0 ||
		    quarry_buf_json_string(&c->req, e->texts[i],
		    e->lens[i]) != 0 ||
		    quarry_buf_append(&c->req, "}\n", 2) != 0)
			return embed_fatal(e, QUARRY_ENOMEM, "out of memory");
		c->sent[nsent++] = i;
	}
	e->stats.requests += nsent;
	deadline = now() + c->timeout;
	while (nread < nsent) {
		struct pollfd pf[2];
		int np = 0, ms, r;
		double left = deadline - now();

		if (left <= 0) {
			char how[64];

			kill(c->pid, SIGKILL);
			close_fds(c);
			reap(c, how, sizeof(how));
			return embed_fatal(e, QUARRY_ETIMEOUT, "%s: no answer "
			    "within %.3g seconds", c->argv[0], c->timeout);
		}
		pf[np].fd = c->out;
		pf[np].events = POLLIN;
		np++;
		if (writing && wpos < c->req.len) {
			pf[np].fd = c->in;
			pf[np].events = POLLOUT;
			np++;
		}
		ms = left > 1000 ? 1000 : (int)(left * 1e3) + 1;
		r = poll(pf, (nfds_t)np, ms);
		if (r < 0 && errno != EINTR)
			return embed_fatal(e, QUARRY_EIO, "poll: %s",
			    strerror(errno));
		if (r <= 0)
			continue;
		if (np == 2 && pf[1].revents) {
			ssize_t w = send(c->in, c->req.data + wpos,
			    c->req.len - wpos, MSG_NOSIGNAL | MSG_DONTWAIT);

			if (w > 0)
				wpos += (size_t)w;
			else if (w < 0 && errno != EAGAIN && errno != EINTR)
				writing = 0;	/* the child stopped reading */
		}
		if (pf[0].revents) {
			ssize_t got;

			if (quarry_buf_reserve(&c->rbuf, 65536) != 0)
				return embed_fatal(e, QUARRY_ENOMEM,
				    "out of memory");
			got = read(c->out, c->rbuf.data + c->rbuf.len,
			    c->rbuf.cap - c->rbuf.len);
			if (got < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (got <= 0) {
				char how[64];

				close_fds(c);
				reap(c, how, sizeof(how));
				return embed_fatal(e, QUARRY_EIO, "%s %s "
				    "after %zu of %zu answers", c->argv[0], how,
				    nread, nsent);
			}
			c->rbuf.len += (size_t)got;
			deadline = now() + c->timeout;
			/* Every complete line is one answer. */
			for (;;) {
				char *nl = memchr(c->rbuf.data + scan, '\n',
				    c->rbuf.len - scan);
				size_t l;

				if (nl == NULL) {
					scan = c->rbuf.len;
					break;
				}
				l = (size_t)(nl - c->rbuf.data);
				if (nread < nsent)
					take_line(e, c, c->sent[nread], c->rbuf.data, l);
				nread++;
				memmove(c->rbuf.data, nl + 1,
				    c->rbuf.len - l - 1);
				c->rbuf.len -= l + 1;
				scan = 0;
			}
			if (c->rbuf.len > MAX_ANSWER) {
				stop_child(c);
				return embed_fatal(e, QUARRY_ETOOBIG, "%s: "
				    "answer line longer than %zu bytes",
				    c->argv[0], MAX_ANSWER);
			}
		}
	}
	return 0;
}

static void
cmd_free(quarry_embedder *e)
{
	struct cmd *c = e->impl;

	if (c == NULL)
		return;
	stop_child(c);
	quarry_buf_free(&c->req);
	quarry_buf_free(&c->rbuf);
	free(c->vec);
	free(c->sent);
	free(c->argv);
	free(c->words);
	free(c);
}

static const struct embed_ops cmd_ops = { cmd_embed, cmd_free };

int
quarry_embedder_new_command(quarry_embedder **out,
    const quarry_embed_options *o)
{
	quarry_embedder *e;
	struct cmd *c;
	const char *base;
	char *name;
	size_t n;
	int rc;

	*out = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return QUARRY_ENOMEM;
	*out = e;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return QUARRY_ENOMEM;
	c->in = c->out = -1;
	c->pid = -1;
	e->impl = c;
	e->ops = &cmd_ops;
	if (o->command == NULL || !(o->timeout > 0) ||
	    o->dims > QUARRY_EMBED_DIMS_MAX)
		return embed_error(e, QUARRY_EINVAL, "invalid command "
		    "embedder options");
	rc = split_words(o->command, &c->argv, &c->words);
	if (rc == QUARRY_EINVAL)
		return embed_error(e, rc, "'%s': empty command or unmatched "
		    "quote", o->command);
	if (rc != 0)
		return rc;
	c->timeout = o->timeout;
	e->max_input = o->max_input;
	base = strrchr(c->argv[0], '/');
	base = o->model && *o->model ? o->model : base ? base + 1 : c->argv[0];
	n = strlen(base) + 16;
	if ((name = malloc(n)) == NULL)
		return QUARRY_ENOMEM;
	snprintf(name, n, "command:%s", base);
	rc = embed_init(e, &cmd_ops, name, o->dims);
	free(name);
	if (rc != 0)
		return rc;
	return spawn(e, c);
}
