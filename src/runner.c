/*
 * runner.c: the isolated child runner.
 *
 * Extraction runs third-party parsers (poppler, libxml2) on untrusted
 * files; one that crashes, loops or hangs must cost only that file.  So a
 * task runs in a forked child, which sends what it produced back on a pipe
 * as frames, and the parent kills a child that outlives the time limit.  At
 * most "jobs" children run at once, within a window of twice as many
 * submitted tasks, and results come back in submission order, so output
 * never depends on which child finished first.  quarry-pdf and quarry-sync
 * both run their extractions here.
 *
 * A frame is a type byte, the line number (4 bytes, big-endian), the length
 * (4 bytes, big-endian) and the bytes.  A frame's length is below 4 GiB.
 *
 * The pool mode forks "jobs" workers once, when the runner is created,
 * and sends each a request (the bytes a task needs, on a socket) after the
 * other; a worker sends its frames back and ends each task with an end
 * frame (type 0, the status as its line).  A fork costs in proportion to
 * the parent's memory, so quarry-sync, whose parent grows with the store's
 * write batches, forks its workers before it grows.  A worker that crashes
 * or times out is killed and forked again; the rest of the pool goes on.
 *
 * The in-process mode runs each task in the calling process instead (no
 * fork, no copy of the result): for a lone input, where isolation buys
 * nothing a caller cannot get from the exit status.  Its time limit is a
 * watchdog thread that calls the caller's expired() hook.
 */
#include "config.h"

#include <errno.h>
#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock_private.h"
#include "error_private.h"
#include "quarry.h"

#define HDR 9

enum { T_QUEUED, T_RUNNING, T_DONE };

struct task {
	quarry_task_fn *fn;
	void *arg;
	int state;
	pid_t pid;
	int fd;
	double deadline;
	int timed_out, status, ran;
	int late;		/* past its deadline at the last poll */
	struct quarry_buf got;
	struct quarry_buf req;	/* pool mode: the request */
	size_t scanned;		/* pool mode: frames of got looked at */
	size_t worker;		/* pool mode: the worker running it */
};

/* A worker of the pool. */
struct worker {
	pid_t pid;		/* 0: none (not started, or gone) */
	int fd;			/* the parent's end of its socket */
	int busy;
};

/* What a task sends through: a pipe (fd >= 0) or a buffer. */
struct quarry_task {
	int fd;
	struct quarry_buf *buf;
	int failed;
};

struct quarry_runner {
	quarry_runner_options o;
	struct task *ring;
	size_t win, head, count, running;
	struct quarry_task_frame *frames;
	size_t capframes;
	struct pollfd *pf;
	struct worker *workers;	/* pool mode: jobs of them */
	struct qerr err;
};

static int
runner_fail(quarry_runner *r, int code, const char *what)
{
	return qerr_set(&r->err, code, "%s: %s", what, strerror(errno));
}

static int spawn_worker(quarry_runner *r, size_t i);

int
quarry_runner_new(quarry_runner **out, const quarry_runner_options *o)
{
	quarry_runner *r;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return QUARRY_ENOMEM;
	r->o = *o;
	*out = r;
	if (r->o.jobs == 0)
		r->o.jobs = 1;
	if (r->o.jobs > 256)
		return qerr_set(&r->err, QUARRY_EINVAL, "%u jobs: at most 256",
		    r->o.jobs);
	if (r->o.worker != NULL)
		r->o.in_process = 0;
	r->win = r->o.in_process ? 1 : (size_t)r->o.jobs * 2;
	r->ring = calloc(r->win, sizeof(*r->ring));
	r->pf = calloc(r->win + 1, sizeof(*r->pf));
	if (r->ring == NULL || r->pf == NULL)
		return qerr_set(&r->err, QUARRY_ENOMEM, "out of memory");
	if (r->o.worker != NULL) {
		size_t i;
		int rc;

		if ((r->workers = calloc(r->o.jobs, sizeof(*r->workers))) ==
		    NULL)
			return qerr_set(&r->err, QUARRY_ENOMEM, "out of memory");
		for (i = 0; i < r->o.jobs; i++)
			r->workers[i].fd = -1;
		for (i = 0; i < r->o.jobs; i++)
			if ((rc = spawn_worker(r, i)) != 0)
				return rc;
	}
	return 0;
}

int
quarry_runner_full(const quarry_runner *r)
{
	return r->count == r->win;
}

/* ----------------------------------------------------------- the child */

int
quarry_task_send(quarry_task *t, int type, unsigned long line,
    const void *p, size_t len)
{
	unsigned char hdr[HDR];
	size_t off = 0;
	int i;

	if (len > 0xFFFFFFFFu)
		len = 0xFFFFFFFFu;
	if (line > 0xFFFFFFFFu)
		line = 0xFFFFFFFFu;
	hdr[0] = (unsigned char)type;
	for (i = 0; i < 4; i++) {
		hdr[1 + i] = (unsigned char)(line >> (24 - 8 * i));
		hdr[5 + i] = (unsigned char)(len >> (24 - 8 * i));
	}
	if (t->buf != NULL) {
		if (quarry_buf_append(t->buf, hdr, HDR) != 0 ||
		    quarry_buf_append(t->buf, p, len) != 0)
			return QUARRY_ENOMEM;
		return 0;
	}
	while (off < HDR + len) {
		ssize_t w = off < HDR ? write(t->fd, hdr + off, HDR - off) :
		    write(t->fd, (const char *)p + (off - HDR), HDR + len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return QUARRY_EIO;
		off += (size_t)w;
	}
	return 0;
}

int
quarry_task_sendf(quarry_task *t, int type, unsigned long line,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	return quarry_task_send(t, type, line, msg, (size_t)n);
}

static void __attribute__((noreturn))
child(quarry_runner *r, struct task *k, int fd)
{
	quarry_task t = { fd, NULL, 0 };
	int status;

	(void)r;
	signal(SIGPIPE, SIG_DFL);
	status = k->fn(&t, k->arg);
	_exit(status < 0 || status > 255 ? QUARRY_TASK_FAILED : status);
}

/* Reads exactly n bytes; 0, or -1 at the end of input or on error. */
static int
read_full(int fd, void *p, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t got = read(fd, (char *)p + off, n - off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		off += (size_t)got;
	}
	return 0;
}

/* A worker of the pool: one request after the other until the end. */
static void __attribute__((noreturn))
worker_main(quarry_runner *r, int fd)
{
	quarry_task t = { fd, NULL, 0 };
	struct quarry_buf req = { 0 };
	unsigned char hdr[HDR];
	size_t len;
	int status;

	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
#ifdef M_MMAP_THRESHOLD
	/* A worker lives through thousands of documents: a document's large
	 * buffers (its text, its records, its frames) are mapped apart and
	 * given back when freed, instead of raising the heap that the next
	 * document's peak then adds to (glibc's threshold would grow to 32
	 * MB after the first large free). */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
	for (;;) {
#ifdef HAVE_MALLOC_TRIM
		/* And what the last document freed in the heap goes back. */
		malloc_trim(0);
#endif
		if (read_full(fd, hdr, HDR) != 0)
			_exit(0);
		len = (size_t)hdr[5] << 24 | (size_t)hdr[6] << 16 |
		    (size_t)hdr[7] << 8 | hdr[8];
		req.len = 0;
		if (quarry_buf_reserve(&req, len + 1) != 0)
			_exit(QUARRY_TASK_NOMEM);
		if (read_full(fd, req.data, len) != 0)
			_exit(0);
		req.data[len] = '\0';
		req.len = len;
		status = r->o.worker(&t, r->o.worker_arg, req.data, len);
		if (status < 0 || status > 255)
			status = QUARRY_TASK_FAILED;
		if (quarry_task_send(&t, 0, (unsigned long)status, NULL, 0) != 0)
			_exit(0);
	}
}

/* Forks worker i of the pool. */
static int
spawn_worker(quarry_runner *r, size_t i)
{
	struct worker *w = &r->workers[i];
	int sv[2];
	size_t j;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return runner_fail(r, QUARRY_EIO, "socketpair");
	fflush(NULL);
	if ((w->pid = fork()) < 0) {
		int e = errno;

		w->pid = 0;
		close(sv[0]);
		close(sv[1]);
		errno = e;
		return runner_fail(r, QUARRY_EIO, "fork");
	}
	if (w->pid == 0) {
		/* The other workers' sockets must not stay open here, or a
		 * worker would not see its end when the parent goes. */
		for (j = 0; j < r->o.jobs; j++)
			if (r->workers[j].fd >= 0)
				close(r->workers[j].fd);
		close(sv[0]);
		worker_main(r, sv[1]);
	}
	close(sv[1]);
	w->fd = sv[0];
	w->busy = 0;
	return 0;
}

/* The worker died or was killed: reaps it; the next start forks again. */
static void
reap_worker(quarry_runner *r, struct worker *w, int *status)
{
	int st = 0;

	(void)r;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (w->pid > 0)
		while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
			;
	w->pid = 0;
	w->busy = 0;
	if (status != NULL)
		*status = st;
}

/* Sends task k's request to an idle worker. */
static int
start_pooled(quarry_runner *r, struct task *k)
{
	unsigned char hdr[HDR];
	struct worker *w = NULL;
	size_t i, off, len = k->req.len;
	int rc, tries;

	for (i = 0; i < r->o.jobs && w == NULL; i++)
		if (!r->workers[i].busy)
			w = &r->workers[i];
	if (w == NULL)
		return 0;	/* cannot happen: running < jobs */
	hdr[0] = 1;
	for (i = 0; i < 4; i++) {
		hdr[1 + i] = 0;
		hdr[5 + i] = (unsigned char)(len >> (24 - 8 * i));
	}
	for (tries = 0; ; tries++) {
		if (w->pid == 0 &&
		    (rc = spawn_worker(r, (size_t)(w - r->workers))) != 0)
			return rc;
		for (off = 0; off < HDR + len; ) {
			ssize_t n = off < HDR ?
			    send(w->fd, hdr + off, HDR - off, MSG_NOSIGNAL) :
			    send(w->fd, k->req.data + (off - HDR),
			    HDR + len - off, MSG_NOSIGNAL);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			off += (size_t)n;
		}
		if (off == HDR + len)
			break;
		/* The idle worker is gone (killed from outside): again. */
		kill(w->pid, SIGKILL);
		reap_worker(r, w, NULL);
		if (tries > 0)
			return runner_fail(r, QUARRY_EIO, "worker");
	}
	w->busy = 1;
	k->worker = (size_t)(w - r->workers);
	k->fd = w->fd;
	k->pid = w->pid;
	k->state = T_RUNNING;
	k->deadline = r->o.timeout > 0 ? clock_now() + r->o.timeout : 0;
	k->late = 0;
	r->running++;
	return 0;
}

static int
start(quarry_runner *r, struct task *k)
{
	int pfd[2];

	k->ran = 1;
	if (k->fn == NULL) {
		k->ran = 0;
		k->state = T_DONE;
		return 0;
	}
	if (r->o.in_process)
		return 0;	/* run by quarry_runner_next() */
	if (r->workers != NULL)
		return start_pooled(r, k);
	if (pipe(pfd) != 0)
		return runner_fail(r, QUARRY_EIO, "pipe");
	fflush(NULL);
	if ((k->pid = fork()) < 0) {
		int e = errno;

		close(pfd[0]);
		close(pfd[1]);
		errno = e;
		return runner_fail(r, QUARRY_EIO, "fork");
	}
	if (k->pid == 0) {
		close(pfd[0]);
		child(r, k, pfd[1]);
	}
	close(pfd[1]);
	k->fd = pfd[0];
	k->state = T_RUNNING;
	k->deadline = r->o.timeout > 0 ? clock_now() + r->o.timeout : 0;
	k->late = 0;
	r->running++;
	return 0;
}

/* The window's next free slot, emptied; NULL (EBUSY set) when it is full. */
static struct task *
next_slot(quarry_runner *r)
{
	struct task *k;

	if (r->count == r->win) {
		qerr_set(&r->err, QUARRY_EBUSY,
		    "every slot of the window is taken");
		return NULL;
	}
	k = &r->ring[(r->head + r->count) % r->win];
	quarry_buf_free(&k->got);
	quarry_buf_free(&k->req);
	memset(k, 0, sizeof(*k));
	return k;
}

int
quarry_runner_submit(quarry_runner *r, quarry_task_fn *fn, void *arg)
{
	struct task *k;

	qerr_clear(&r->err);
	if (fn != NULL && r->workers != NULL)
		return qerr_set(&r->err, QUARRY_EINVAL,
		    "a pool takes requests, not task functions");
	if ((k = next_slot(r)) == NULL)
		return QUARRY_EBUSY;
	k->fn = fn;
	k->arg = arg;
	k->state = T_QUEUED;
	k->fd = -1;
	r->count++;
	if (fn == NULL || r->running < r->o.jobs)
		return qerr_ret(&r->err, start(r, k));
	return 0;
}

/* The task function that marks a pooled task (never called). */
static int
pooled(quarry_task *t, void *arg)
{
	(void)t;
	(void)arg;
	return QUARRY_TASK_FAILED;
}

int
quarry_runner_submit_request(quarry_runner *r, void *arg, const void *req,
    size_t len)
{
	struct task *k;

	qerr_clear(&r->err);
	if (r->workers == NULL)
		return qerr_set(&r->err, QUARRY_EINVAL, "not a pool");
	if ((k = next_slot(r)) == NULL)
		return QUARRY_EBUSY;
	if (quarry_buf_append(&k->req, req, len) != 0)
		return qerr_set(&r->err, QUARRY_ENOMEM, "out of memory");
	k->fn = pooled;
	k->arg = arg;
	k->state = T_QUEUED;
	k->fd = -1;
	r->count++;
	if (r->running < r->o.jobs)
		return qerr_ret(&r->err, start(r, k));
	return 0;
}

/* ------------------------------------------------------- in-process */

struct watchdog {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done;
	double timeout;
	void (*expired)(void *);
	void *arg;
};

static void *
watch(void *p)
{
	struct watchdog *w = p;
	struct timespec ts;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)w->timeout;
	ts.tv_nsec += (long)((w->timeout - (double)(time_t)w->timeout) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->mu);
	while (!w->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&w->cv, &w->mu, &ts);
	pthread_mutex_unlock(&w->mu);
	if (rc == ETIMEDOUT && !w->done)
		w->expired(w->arg);
	return NULL;
}

static void
run_here(quarry_runner *r, struct task *k)
{
	quarry_task t = { -1, &k->got, 0 };
	struct watchdog w;
	pthread_t th;
	int watching = 0, st;

	if (r->o.timeout > 0 && r->o.expired != NULL) {
		memset(&w, 0, sizeof(w));
		pthread_mutex_init(&w.mu, NULL);
		pthread_cond_init(&w.cv, NULL);
		w.timeout = r->o.timeout;
		w.expired = r->o.expired;
		w.arg = r->o.arg;
		watching = pthread_create(&th, NULL, watch, &w) == 0;
	}
	st = k->fn(&t, k->arg);
	if (watching) {
		pthread_mutex_lock(&w.mu);
		w.done = 1;
		pthread_cond_signal(&w.cv);
		pthread_mutex_unlock(&w.mu);
		pthread_join(th, NULL);
		pthread_mutex_destroy(&w.mu);
		pthread_cond_destroy(&w.cv);
	}
	k->status = (st < 0 || st > 255 ? QUARRY_TASK_FAILED : st) << 8;
	k->state = T_DONE;
}

/* ------------------------------------------------------------ waiting */

/*
 * Pool mode: whether task k's frames so far end with the end frame; then
 * the task is done and its worker idle.
 */
static int
pooled_done(quarry_runner *r, struct task *k)
{
	while (k->scanned + HDR <= k->got.len) {
		const unsigned char *h = (const unsigned char *)k->got.data +
		    k->scanned;
		size_t len = (size_t)h[5] << 24 | (size_t)h[6] << 16 |
		    (size_t)h[7] << 8 | h[8];

		if (len > k->got.len - k->scanned - HDR)
			return 0;
		k->scanned += HDR + len;
		if (h[0] == 0) {
			unsigned long st = (unsigned long)h[1] << 24 |
			    (unsigned long)h[2] << 16 |
			    (unsigned long)h[3] << 8 | h[4];

			k->status = (int)(st & 0xFF) << 8;
			k->state = T_DONE;
			k->fd = -1;
			r->workers[k->worker].busy = 0;
			return 1;
		}
	}
	return 0;
}

/*
 * Waits for output or the end of the running children, kills late ones.
 * The deadline is wall-clock time, and the caller may have been busy
 * elsewhere (a commit waiting for the disk) while a child finished: a
 * child past its deadline is killed only once a poll that does not wait
 * found nothing more from it, so that what it sent in time is taken.
 */
static int
poll_children(quarry_runner *r)
{
	size_t np = 0, i, k;
	double t = clock_now(), wait = -1;

	for (i = 0; i < r->count; i++) {
		struct task *j = &r->ring[(r->head + i) % r->win];

		if (j->state != T_RUNNING)
			continue;
		if (j->deadline > 0 && t >= j->deadline && !j->timed_out) {
			if (j->late) {
				kill(j->pid, SIGKILL);
				j->timed_out = 1;
			} else {
				j->late = 1;
				wait = 0;
			}
		}
		if (j->deadline > 0 && !j->timed_out &&
		    (wait < 0 || j->deadline - t < wait))
			wait = j->deadline - t < 0 ? 0 : j->deadline - t;
		r->pf[np].fd = j->fd;
		r->pf[np].events = POLLIN;
		r->pf[np].revents = 0;
		np++;
	}
	if (np == 0)
		return 0;
	if (r->o.stop != NULL) {
		r->pf[np].fd = r->o.stop_fd;
		r->pf[np].events = POLLIN;
		r->pf[np].revents = 0;
	}
	if (poll(r->pf, np + (r->o.stop != NULL), wait < 0 ? -1 :
	    (int)(wait * 1000) + 1) < 0 && errno != EINTR)
		return runner_fail(r, QUARRY_EIO, "poll");
	if (r->o.stop != NULL && *r->o.stop)
		return QUARRY_ESTOPPED;
	for (i = 0; i < r->count; i++) {
		struct task *j = &r->ring[(r->head + i) % r->win];
		ssize_t got;

		if (j->state != T_RUNNING)
			continue;
		for (k = 0; k < np && r->pf[k].fd != j->fd; k++)
			;
		if (k == np || r->pf[k].revents == 0)
			continue;
		if (quarry_buf_reserve(&j->got, 65536) != 0)
			return QUARRY_ENOMEM;
		got = read(j->fd, j->got.data + j->got.len,
		    j->got.cap - j->got.len - 1);
		if (got > 0) {
			j->late = 0;	/* still sending: looked at again */
			j->got.len += (size_t)got;
			j->got.data[j->got.len] = '\0';
			if (r->workers != NULL && pooled_done(r, j))
				r->running--;
			continue;
		}
		if (got < 0 && errno == EINTR)
			continue;
		if (r->workers != NULL) {
			/* The worker died (crashed, or killed when late). */
			reap_worker(r, &r->workers[j->worker], &j->status);
			j->fd = -1;
			j->state = T_DONE;
			r->running--;
			continue;
		}
		close(j->fd);
		j->fd = -1;
		while (waitpid(j->pid, &j->status, 0) < 0 && errno == EINTR)
			;
		j->state = T_DONE;
		r->running--;
	}
	return 0;
}

/* Splits what the task sent into frames. */
static int
parse_frames(quarry_runner *r, struct task *k, quarry_task_result *res)
{
	size_t i = 0, n = 0;

	while (i + HDR <= k->got.len) {
		const unsigned char *h = (const unsigned char *)k->got.data + i;
		unsigned long line = (unsigned long)h[1] << 24 |
		    (unsigned long)h[2] << 16 | (unsigned long)h[3] << 8 | h[4];
		size_t len = (size_t)h[5] << 24 | (size_t)h[6] << 16 |
		    (size_t)h[7] << 8 | h[8];

		/* A frame cut short (a child killed mid-write) is dropped. */
		if (len > k->got.len - i - HDR)
			break;
		if (h[0] == 0) {	/* a worker's end of a task */
			i += HDR + len;
			continue;
		}
		if (n == r->capframes) {
			size_t nc = r->capframes ? r->capframes * 2 : 8;
			struct quarry_task_frame *nf = realloc(r->frames,
			    nc * sizeof(*nf));

			if (nf == NULL)
				return QUARRY_ENOMEM;
			r->frames = nf;
			r->capframes = nc;
		}
		r->frames[n].type = h[0];
		r->frames[n].line = line;
		r->frames[n].data = (const char *)h + HDR;
		r->frames[n].len = len;
		n++;
		i += HDR + len;
	}
	res->frames = r->frames;
	res->nframes = n;
	return 0;
}

int
quarry_runner_next(quarry_runner *r, quarry_task_result *res)
{
	struct task *k;
	size_t i;
	int rc;

	memset(res, 0, sizeof(*res));
	qerr_clear(&r->err);
	if (r->count == 0)
		return 0;
	if (r->o.stop != NULL && *r->o.stop)
		return QUARRY_ESTOPPED;
	/* The last result's memory is released now. */
	for (;;) {
		for (i = 0; i < r->count && r->running < r->o.jobs &&
		    !r->o.in_process; i++) {
			struct task *j = &r->ring[(r->head + i) % r->win];

			if (j->state == T_QUEUED && (rc = start(r, j)) != 0)
				return qerr_ret(&r->err, rc);
		}
		k = &r->ring[r->head];
		if (k->state == T_QUEUED && r->o.in_process)
			run_here(r, k);
		if (k->state == T_DONE)
			break;
		if ((rc = poll_children(r)) != 0)
			return qerr_ret(&r->err, rc);
	}
	r->head = (r->head + 1) % r->win;
	r->count--;
	res->arg = k->arg;
	res->ran = k->ran;
	res->timed_out = k->timed_out;
	if (k->ran && WIFSIGNALED(k->status))
		res->signal = WTERMSIG(k->status);
	else if (k->ran)
		res->status = WEXITSTATUS(k->status);
	/* k's buffer stays as it is until its slot is submitted again,
	 * which cannot happen before the caller's next call. */
	if ((rc = parse_frames(r, k, res)) != 0)
		return qerr_ret(&r->err, rc);
	return 1;
}

int
quarry_task_failed(const quarry_task_result *res, double timeout,
    char *msg, size_t n)
{
	int said = 0;
	size_t i;

	for (i = 0; i < res->nframes; i++)
		said |= res->frames[i].type == 'E';
	if (n > 0)
		msg[0] = '\0';
	if (!res->ran)
		return 0;
	if (res->timed_out)
		snprintf(msg, n, "timed out after %g seconds", timeout);
	else if (res->signal != 0)
		snprintf(msg, n, "extraction crashed (signal %d: %s)",
		    res->signal, strsignal(res->signal));
	else if (!said && res->status == QUARRY_TASK_NOMEM)
		snprintf(msg, n, "out of memory");
	else if (!said && res->status != 0)
		snprintf(msg, n, "extraction failed (status %d)", res->status);
	return res->timed_out || res->signal != 0 || res->status != 0 || said;
}

const char *
quarry_runner_error(const quarry_runner *r)
{
	return qerr_str(r ? &r->err : NULL);
}

void
quarry_runner_free(quarry_runner *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; r->workers != NULL && i < r->o.jobs; i++) {
		struct worker *w = &r->workers[i];

		if (w->pid > 0)
			kill(w->pid, SIGKILL);
		reap_worker(r, w, NULL);
	}
	for (i = 0; r->ring != NULL && i < r->count; i++) {
		struct task *j = &r->ring[(r->head + i) % r->win];

		if (j->state != T_RUNNING || r->workers != NULL)
			continue;
		kill(j->pid, SIGKILL);
		close(j->fd);
		while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
			;
		j->state = T_DONE;
	}
	for (i = 0; r->ring != NULL && i < r->win; i++) {
		quarry_buf_free(&r->ring[i].got);
		quarry_buf_free(&r->ring[i].req);
	}
	free(r->workers);
	free(r->ring);
	free(r->pf);
	free(r->frames);
	free(r);
}
