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

#include "clock_private.h"
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
	size_t seq;		/* the id of the next request */
	int mode;		/* how the child pairs its answers */
	/* The exchange under way. */
	size_t *sent;		/* items sent, in order */
	unsigned char *answered;	/* per item sent: it had its answer */
	size_t base;		/* the id of sent[0] */
	size_t nsent;
	size_t nanswered;
	size_t next;		/* in order: the next to answer */
	size_t inorder;		/* vectors taken in order */
	size_t extra;		/* answers beyond the requests */
	unsigned long stray;	/* lines that were not answers */
	char lastlog[128];	/* the last line that was not an answer */
	char perr[256];
};

enum { MODE_UNKNOWN, MODE_ORDER, MODE_IDS };

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
		return qerr_set(&e->err, QUARRY_EIO, "socketpair: %s",
		    strerror(errno));
	if (pipe2(op, O_CLOEXEC) != 0) {
		close(sv[0]);
		close(sv[1]);
		return qerr_set(&e->err, QUARRY_EIO, "pipe: %s",
		    strerror(errno));
	}
	if (pipe2(ep, O_CLOEXEC) != 0) {
		close(sv[0]);
		close(sv[1]);
		close(op[0]);
		close(op[1]);
		return qerr_set(&e->err, QUARRY_EIO, "pipe: %s",
		    strerror(errno));
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
		return qerr_set(&e->err, QUARRY_EIO, "fork: %s", strerror(err));
	}
	/* The error pipe closes on a successful exec, or carries errno. */
	while ((got = read(ep[0], &err, sizeof(err))) < 0 && errno == EINTR)
		;
	close(ep[0]);
	if (got == (ssize_t)sizeof(err)) {
		char how[64];

		close_fds(c);
		reap(c, how, sizeof(how));
		return qerr_set(&e->err, QUARRY_EIO, "cannot run %s: %s",
		    c->argv[0], strerror(err));
	}
	fcntl(c->in, F_SETFL, fcntl(c->in, F_GETFL) | O_NONBLOCK);
	fcntl(c->out, F_SETFL, fcntl(c->out, F_GETFL) | O_NONBLOCK);
	return 0;
}

/* Is the line s[0..len) an answer (it begins with '[' or '{')? */
static int
looks_like_answer(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return s[i] == '[' || s[i] == '{';
	return 0;
}

/*
 * Checks the vector of an answer for item i and stores it.  Returns 0, or
 * -1 when the item failed.
 */
static int
take_vector(quarry_embedder *e, struct cmd *c, size_t i, size_t n)
{
	if (n == 0) {
		embed_item_fail(e, i, QUARRY_EMODEL, "%s: empty vector",
		    c->argv[0]);
		return -1;
	}
	if (e->dims == 0 && embed_set_dims(e, n) != 0) {
		embed_item_fail(e, i, QUARRY_EMODEL, "vector has %zu "
		    "dimensions (at most %d)", n, QUARRY_EMBED_DIMS_MAX);
		return -1;
	}
	if (n != e->dims) {
		embed_item_fail(e, i, QUARRY_EMODEL, "vector has %zu "
		    "dimension%s, expected %zu", n, n == 1 ? "" : "s", e->dims);
		return -1;
	}
	memcpy(embed_item_vec(e, i), c->vec, n * sizeof(float));
	embed_item_ok(e, i);
	return 0;
}

/* Kills the child at once (it is out of step, or silent). */
static void
kill_child(struct cmd *c)
{
	int st;

	close_fds(c);
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	c->pid = -1;
	c->mode = MODE_UNKNOWN;
	c->rbuf.len = 0;
}

/*
 * After the end of the child's output: gives it a moment to exit, then
 * kills it (a child that closed its output but lives on must not hang us),
 * and describes how it ended.
 */
static void
reap_bounded(struct cmd *c, char *buf, size_t len)
{
	int i, st;

	close_fds(c);
	if (c->pid <= 0) {
		snprintf(buf, len, "is not running");
		return;
	}
	for (i = 0; i < 100; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (waitpid(c->pid, &st, WNOHANG) == c->pid) {
			c->pid = -1;
			if (WIFEXITED(st))
				snprintf(buf, len, "exited with status %d",
				    WEXITSTATUS(st));
			else if (WIFSIGNALED(st))
				snprintf(buf, len, "was killed by signal %d",
				    WTERMSIG(st));
			else
				snprintf(buf, len, "stopped");
			return;
		}
		nanosleep(&ts, NULL);
	}
	kill_child(c);
	snprintf(buf, len, "closed its output (killed)");
}

/*
 * Handles one answer line.  Returns 0, 1 when the answers are out of step
 * with the requests (the child must be restarted), or a negative code.
 */
static int
take_line(quarry_embedder *e, struct cmd *c, const char *line, size_t len)
{
	size_t n = 0, id = 0, k;
	int rc, has_id = 0;

	if (!looks_like_answer(line, len)) {
		/* A log line: never an answer, kept to be named if no
		 * answer comes. */
		size_t m = len < sizeof(c->lastlog) - 1 ? len :
		    sizeof(c->lastlog) - 1, o = 0;

		for (n = 0; n < m; n++)
			if ((unsigned char)line[n] >= 0x20 && line[n] != 0x7f)
				c->lastlog[o++] = line[n];
		c->lastlog[o] = '\0';
		c->stray++;
		return 0;
	}
	rc = embed_parse_answer(line, len, &c->vec, &c->veccap, &n, &id,
	    &has_id, c->perr, sizeof(c->perr));
	if (rc == QUARRY_ENOMEM)
		return embed_fatal(e, rc, "out of memory");
	if (c->mode == MODE_UNKNOWN && rc == 0)
		c->mode = has_id ? MODE_IDS : MODE_ORDER;
	if (c->mode == MODE_IDS) {
		/* Paired by id: anything else is ignored. */
		if (!has_id || id < c->base || id - c->base >= c->nsent ||
		    c->answered[id - c->base]) {
			c->stray++;
			return 0;
		}
		k = id - c->base;
		c->answered[k] = 1;
		c->nanswered++;
		if (rc != 0)
			embed_item_fail(e, c->sent[k], rc, "%s: malformed "
			    "answer: %s", c->argv[0], c->perr);
		else
			take_vector(e, c, c->sent[k], n);
		return 0;
	}
	/* In order: the next request without an answer. */
	for (k = c->next; k < c->nsent && c->answered[k]; k++)
		;
	if (k == c->nsent) {
		c->extra++;
		return 0;
	}
	c->next = k + 1;
	c->answered[k] = 1;
	c->nanswered++;
	if (rc == 0 && has_id)
		snprintf(c->perr, sizeof(c->perr), "an answer with an id "
		    "after answers without");
	if (rc != 0 || has_id) {
		embed_item_fail(e, c->sent[k], rc ? rc : QUARRY_EFORMAT,
		    "%s: malformed answer: %s", c->argv[0], c->perr);
		return 1;
	}
	if (take_vector(e, c, c->sent[k], n) != 0)
		return 1;
	c->inorder++;
	return 0;
}

/*
 * Sends the items of the call that have neither a vector nor an error, and
 * reads the answers.  Returns 0 when every one has its answer, 1 when the
 * answers went out of step (the child must be restarted), or a negative
 * code after embed_fatal().
 */
static int
exchange(quarry_embedder *e, struct cmd *c)
{
	size_t i, wpos = 0, scan = 0;
	double deadline;
	int writing = 1, rc;

	c->req.len = 0;
	c->nsent = c->nanswered = c->next = c->inorder = 0;
	c->extra = 0;
	c->lastlog[0] = '\0';
	c->base = c->seq;
	for (i = 0; i < e->n; i++) {
		char num[32];
		int l;

		if (e->status[i] != 0 || e->done[i])
			continue;
		l = snprintf(num, sizeof(num), "{\"id\":%llu,",
		    (unsigned long long)c->seq++);
		if (quarry_buf_append(&c->req, num, (size_t)l) != 0 ||
		    (e->query != NULL && (quarry_buf_append(&c->req,
		    "\"query\":", 8) != 0 || quarry_buf_json_string(&c->req,
		    e->query, e->qlen) != 0 || quarry_buf_append(&c->req, ",",
		    1) != 0)) ||
		    quarry_buf_append(&c->req, "\"text\":", 7) != 0 ||
		    quarry_buf_json_string(&c->req, e->texts[i],
		    e->lens[i]) != 0 ||
		    quarry_buf_append(&c->req, "}\n", 2) != 0)
			return embed_fatal(e, QUARRY_ENOMEM, "out of memory");
		c->answered[c->nsent] = 0;
		c->sent[c->nsent++] = i;
	}
	e->stats.requests += c->nsent;
	deadline = clock_now() + c->timeout;
	while (c->nanswered < c->nsent) {
		struct pollfd pf[2];
		int np = 0, ms, r;
		double left = deadline - clock_now();

		if (left <= 0) {
			kill_child(c);
			if (c->lastlog[0] != '\0')
				return embed_fatal(e, QUARRY_ETIMEOUT, "%s: no "
				    "answer within %.3g seconds after a line "
				    "that is not one: \"%s\" (see COMMAND "
				    "PROTOCOL in quarry-embed(1))", c->argv[0],
				    c->timeout, c->lastlog);
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

				reap_bounded(c, how, sizeof(how));
				return embed_fatal(e, QUARRY_EIO, "%s %s "
				    "after %zu of %zu answers", c->argv[0], how,
				    c->nanswered, c->nsent);
			}
			c->rbuf.len += (size_t)got;
			deadline = clock_now() + c->timeout;
			/* Every complete line is one answer, or a stray. */
			for (;;) {
				char *nl = memchr(c->rbuf.data + scan, '\n',
				    c->rbuf.len - scan);
				size_t l;

				if (nl == NULL) {
					scan = c->rbuf.len;
					break;
				}
				l = (size_t)(nl - c->rbuf.data);
				rc = take_line(e, c, c->rbuf.data, l);
				memmove(c->rbuf.data, nl + 1,
				    c->rbuf.len - l - 1);
				c->rbuf.len -= l + 1;
				scan = 0;
				if (rc != 0)
					return rc;
			}
			if (c->rbuf.len > MAX_ANSWER) {
				kill_child(c);
				return embed_fatal(e, QUARRY_ETOOBIG, "%s: "
				    "answer line longer than %zu bytes",
				    c->argv[0], MAX_ANSWER);
			}
		}
	}
	/*
	 * Answers in order: one more answer than requests means a stray
	 * vector slipped in somewhere, and every answer of this exchange is
	 * suspect.
	 */
	if (c->mode == MODE_ORDER && c->extra == 0 &&
	    looks_like_answer(c->rbuf.data, c->rbuf.len))
		c->extra = 1;
	if (c->extra > 0) {
		for (i = 0; i < c->nsent; i++)
			if (e->done[c->sent[i]])
				embed_item_fail(e, c->sent[i], QUARRY_EMODEL,
				    "%s: more answers than requests: answers "
				    "out of step, none of this batch kept",
				    c->argv[0]);
		kill_child(c);
	}
	return 0;
}

/*
 * Reads what the child wrote since the last call, before a new one: in
 * order mode, an answer there was one too many, so the child is out of
 * step and is restarted.  Log lines are dropped.
 */
static void
drain(struct cmd *c)
{
	ssize_t got;

	if (c->out < 0)
		return;
	for (;;) {
		if (quarry_buf_reserve(&c->rbuf, 65536) != 0)
			return;
		got = read(c->out, c->rbuf.data + c->rbuf.len,
		    c->rbuf.cap - c->rbuf.len);
		if (got <= 0)
			break;
		c->rbuf.len += (size_t)got;
		if (c->rbuf.len > MAX_ANSWER)
			break;
	}
	if (c->mode == MODE_ORDER) {
		const char *p = c->rbuf.data, *end = p + c->rbuf.len;

		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

			if (looks_like_answer(p, l)) {
				kill_child(c);
				return;
			}
			p += l + 1;
		}
	}
	/* The complete lines are stale (log lines, or old ids): dropped. */
	{
		char *nl = c->rbuf.len ? memrchr(c->rbuf.data, '\n',
		    c->rbuf.len) : NULL;

		if (nl != NULL) {
			size_t l = (size_t)(nl - c->rbuf.data) + 1;

			memmove(c->rbuf.data, nl + 1, c->rbuf.len - l);
			c->rbuf.len -= l;
		}
	}
}

static int
cmd_embed(quarry_embedder *e)
{
	struct cmd *c = e->impl;
	size_t cap = e->n ? e->n : 1;
	int rc, restarted = 0;

	free(c->sent);
	free(c->answered);
	c->sent = malloc(cap * sizeof(size_t));
	c->answered = malloc(cap);
	if (c->sent == NULL || c->answered == NULL)
		return embed_fatal(e, QUARRY_ENOMEM, "out of memory");
	drain(c);
	for (;;) {
		size_t accepted;

		if (c->pid <= 0 && (rc = spawn(e, c)) != 0) {
			char why[sizeof(e->err.msg)];

			memcpy(why, e->err.msg, sizeof(why));
			return embed_fatal(e, rc, "%s", why);
		}
		rc = exchange(e, c);
		if (rc <= 0)
			return rc;
		/*
		 * Out of step: the answer that did not fit failed its item;
		 * the child starts afresh and gets the rest again.  A child
		 * that is out of step at once after a restart is hopeless.
		 */
		accepted = c->inorder;
		kill_child(c);
		if (restarted && accepted == 0)
			return embed_fatal(e, QUARRY_EMODEL, "%s: answers out "
			    "of step with the requests, even after a restart "
			    "(see COMMAND PROTOCOL in quarry-embed(1))",
			    c->argv[0]);
		restarted = 1;
		e->stats.retries++;
	}
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
	free(c->answered);
	free(c->argv);
	free(c->words);
	free(c);
}

static const struct embed_ops cmd_ops = { cmd_embed, cmd_free };

static int
cmd_new(quarry_embedder **out, const quarry_embed_options *o)
{
	quarry_embedder *e;
	struct cmd *c;
	const char *base;
	char *name;
	size_t n;
	int rc;

	if ((c = embed_alloc(out, sizeof(*c), &cmd_ops)) == NULL)
		return QUARRY_ENOMEM;
	e = *out;
	c->in = c->out = -1;
	c->pid = -1;
	if (o->command == NULL || !(o->timeout > 0) ||
	    o->dims > QUARRY_EMBED_DIMS_MAX)
		return qerr_set(&e->err, QUARRY_EINVAL, "invalid command "
		    "embedder options");
	rc = split_words(o->command, &c->argv, &c->words);
	if (rc == QUARRY_EINVAL)
		return qerr_set(&e->err, rc, "'%s': empty command or unmatched "
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

int
quarry_embedder_new_command(quarry_embedder **out,
    const quarry_embed_options *o)
{
	int rc = cmd_new(out, o);

	if (rc != 0 && *out != NULL)
		qerr_ret(&(*out)->err, rc);
	return rc;
}
