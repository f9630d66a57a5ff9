/*
 * test_runner.c: cmocka tests of the whole-file reader (src/file.c) and the
 * isolated child runner (src/runner.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "quarry.h"

static char tmpl[] = "/tmp/quarry-test-runner.XXXXXX";

/* A regular file of n bytes 'a'..'z' repeated; returns its name. */
static const char *
make_file(size_t n)
{
	static char name[64];
	FILE *fp;
	size_t i;

	snprintf(name, sizeof(name), "%s", tmpl);
	assert_true(mkstemp(name) >= 0);
	fp = fopen(name, "wb");
	assert_non_null(fp);
	for (i = 0; i < n; i++)
		putc('a' + (int)(i % 26), fp);
	assert_int_equal(fclose(fp), 0);
	return name;
}

static void
test_read_regular(void **state)
{
	struct quarry_buf b = { 0 };
	const char *name = make_file(100000);
	size_t i;

	(void)state;
	assert_int_equal(quarry_buf_read_file(&b, name, 100000), 0);
	assert_int_equal(b.len, 100000);
	assert_int_equal(b.data[b.len], '\0');
	for (i = 0; i < b.len; i++)
		if (b.data[i] != 'a' + (int)(i % 26))
			fail_msg("byte %zu differs", i);
	/* Sized once from fstat(): no growth beyond size + 2 rounded. */
	assert_true(b.cap < 2 * 100002);
	/* Appends to what b holds. */
	assert_int_equal(quarry_buf_read_file(&b, name, 100000), 0);
	assert_int_equal(b.len, 200000);
	b.len = 0;
	/* Over the limit: refused before reading. */
	assert_int_equal(quarry_buf_read_file(&b, name, 99999), QUARRY_ETOOBIG);
	assert_int_equal(b.len, 0);
	unlink(name);
	/* A missing file: QUARRY_EIO with errno. */
	assert_int_equal(quarry_buf_read_file(&b, name, 10), QUARRY_EIO);
	assert_int_equal(errno, ENOENT);
	/* An empty file. */
	name = make_file(0);
	assert_int_equal(quarry_buf_read_file(&b, name, 10), 0);
	assert_int_equal(b.len, 0);
	assert_non_null(b.data);
	assert_int_equal(b.data[0], '\0');
	unlink(name);
	/* A directory. */
	assert_int_equal(quarry_buf_read_file(&b, "/", 10), QUARRY_EIO);
	assert_int_equal(errno, EISDIR);
	quarry_buf_free(&b);
}

/* A pipe fed by a child with n bytes. */
static int
feed(size_t n, pid_t *pid)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	if ((*pid = fork()) == 0) {
		char blk[4096];

		close(p[0]);
		memset(blk, 'z', sizeof(blk));
		while (n > 0) {
			size_t k = n < sizeof(blk) ? n : sizeof(blk);

			if (write(p[1], blk, k) != (ssize_t)k)
				_exit(0);
			n -= k;
		}
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

static void
test_read_stream(void **state)
{
	struct quarry_buf b = { 0 };
	pid_t pid;
	int fd;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	fd = feed(300000, &pid);
	assert_int_equal(quarry_buf_read_all(&b, fd, 300000), 0);
	assert_int_equal(b.len, 300000);
	assert_int_equal(b.data[b.len], '\0');
	close(fd);
	waitpid(pid, NULL, 0);
	/* A stream over the limit stops at limit + 1 bytes read. */
	quarry_buf_free(&b);
	fd = feed(10000000, &pid);
	assert_int_equal(quarry_buf_read_all(&b, fd, 70000), QUARRY_ETOOBIG);
	assert_int_equal(b.len, 70000);
	assert_int_equal(b.data[b.len], '\0');
	assert_true(b.cap <= 256 << 10);
	close(fd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	quarry_buf_free(&b);
	signal(SIGPIPE, SIG_DFL);
}

/* Tasks: the arg says what to do. */
static int
task(quarry_task *t, void *arg)
{
	const char *what = arg;

	if (strcmp(what, "hang") == 0)
		for (;;)
			pause();
	if (strcmp(what, "crash") == 0)
		abort();
	if (strcmp(what, "fail") == 0) {
		quarry_task_sendf(t, 'E', 7, "bad %s", "thing");
		return QUARRY_TASK_FAILED;
	}
	if (strcmp(what, "quiet-fail") == 0)
		return 3;
	if (strcmp(what, "nomem") == 0)
		return QUARRY_TASK_NOMEM;
	if (strncmp(what, "sleep", 5) == 0)
		usleep((useconds_t)atoi(what + 5) * 1000);
	quarry_task_sendf(t, 'W', 0, "note");
	quarry_task_send(t, 'R', 0, what, strlen(what));
	return 0;
}

/* A worker of the pool: the request is the task's argument. */
static int
pool_task(quarry_task *t, void *arg, const char *req, size_t len)
{
	assert_ptr_equal(arg, &tmpl);
	assert_int_equal(strlen(req), len);
	return task(t, (void *)req);
}

/* in_process: 0 a child per task, 1 in process, 2 a pool of workers. */
static void
run_set(int in_process)
{
	/* Finishing out of order, results in order. */
	const char *in[] = { "sleep200", "fail", "ok", "crash", "hang",
	    "sleep10", "quiet-fail", "nomem", NULL, "last" };
	const char *want[] = {
		"0:W0:note,R0:sleep200",
		"1:E7:bad thing",
		"0:W0:note,R0:ok",
		"1:extraction crashed (signal 6: Aborted)",
		"1:timed out after 0.5 seconds",
		"0:W0:note,R0:sleep10",
		"1:extraction failed (status 3)",
		"1:out of memory",
		"0:",
		"0:W0:note,R0:last",
	};
	size_t n = sizeof(in) / sizeof(in[0]), next = 0, done = 0, i;
	quarry_runner_options o = { 0 };
	quarry_task_result res;
	quarry_runner *r;

	o.jobs = 3;
	o.timeout = 0.5;
	o.in_process = in_process == 1;
	if (in_process == 2) {
		o.worker = pool_task;
		o.worker_arg = &tmpl;
	}
	assert_int_equal(quarry_runner_new(&r, &o), 0);
	while (done < n) {
		char got[256], why[128];
		size_t k = 0;
		int failed;

		while (next < n && !quarry_runner_full(r)) {
			if (in_process == 1 && in[next] != NULL &&
			    (strcmp(in[next], "hang") == 0 ||
			    strcmp(in[next], "crash") == 0)) {
				in[next] = "skip";
			}
			if (in_process == 2 && in[next] != NULL)
				assert_int_equal(quarry_runner_submit_request(r,
				    (void *)in[next], in[next],
				    strlen(in[next])), 0);
			else
				assert_int_equal(quarry_runner_submit(r,
				    in[next] ? task : NULL, (void *)in[next]),
				    0);
			next++;
		}
		assert_int_equal(quarry_runner_next(r, &res), 1);
		assert_ptr_equal(res.arg, in[done]);
		failed = quarry_task_failed(&res, 0.5, why, sizeof(why));
		k = (size_t)snprintf(got, sizeof(got), "%d:%s", failed, why);
		for (i = 0; i < res.nframes; i++)
			k += (size_t)snprintf(got + k, sizeof(got) - k,
			    "%s%c%lu:%.*s", i ? "," : "", res.frames[i].type,
			    res.frames[i].line, (int)res.frames[i].len,
			    res.frames[i].data);
		if (in[done] == NULL || strcmp(in[done], "skip") != 0)
			assert_string_equal(got, want[done]);
		done++;
	}
	assert_int_equal(quarry_runner_next(r, &res), 0);
	quarry_runner_free(r);
}

static void
test_runner_children(void **state)
{
	(void)state;
	run_set(0);
}

static void
test_runner_in_process(void **state)
{
	(void)state;
	run_set(1);
}

/*
 * The pool: the same results (a crashed or late worker is replaced, twice
 * over), then a stop request ends a wait at once.
 */
static void
test_runner_pool(void **state)
{
	quarry_runner_options o = { 0 };
	volatile sig_atomic_t stop = 0;
	quarry_task_result res;
	quarry_runner *r;
	int pfd[2];

	(void)state;
	run_set(2);
	run_set(2);
	assert_int_equal(pipe(pfd), 0);
	o.jobs = 1;
	o.worker = pool_task;
	o.worker_arg = &tmpl;
	o.stop = &stop;
	o.stop_fd = pfd[0];
	assert_int_equal(quarry_runner_new(&r, &o), 0);
	assert_int_equal(quarry_runner_submit(r, task, "ok"), QUARRY_EINVAL);
	assert_int_equal(quarry_runner_submit_request(r, NULL, "ok", 2), 0);
	assert_int_equal(quarry_runner_next(r, &res), 1);
	assert_int_equal(res.nframes, 2);
	assert_int_equal(quarry_runner_submit_request(r, NULL, "hang", 4), 0);
	stop = 1;
	assert_int_equal(write(pfd[1], "", 1), 1);
	assert_int_equal(quarry_runner_next(r, &res), QUARRY_ESTOPPED);
	quarry_runner_free(r);
	close(pfd[0]);
	close(pfd[1]);
	/* Not a pool. */
	o.worker = NULL;
	assert_int_equal(quarry_runner_new(&r, &o), 0);
	assert_int_equal(quarry_runner_submit_request(r, NULL, "ok", 2),
	    QUARRY_EINVAL);
	quarry_runner_free(r);
}

static int expired_calls;

static void
expired(void *arg)
{
	(void)arg;
	expired_calls++;
}

static void
test_runner_watchdog(void **state)
{
	quarry_runner_options o = { 0 };
	quarry_task_result res;
	quarry_runner *r;

	(void)state;
	o.in_process = 1;
	o.timeout = 0.05;
	o.expired = expired;
	assert_int_equal(quarry_runner_new(&r, &o), 0);
	assert_int_equal(quarry_runner_submit(r, task, "sleep200"), 0);
	assert_true(quarry_runner_full(r));
	assert_int_equal(quarry_runner_submit(r, task, "ok"), QUARRY_EBUSY);
	assert_int_equal(quarry_runner_next(r, &res), 1);
	assert_int_equal(expired_calls, 1);
	assert_int_equal(quarry_runner_submit(r, task, "ok"), 0);
	assert_int_equal(quarry_runner_next(r, &res), 1);
	assert_int_equal(expired_calls, 1);
	/* A runner freed with children running kills them. */
	quarry_runner_free(r);
	o.in_process = 0;
	o.jobs = 2;
	assert_int_equal(quarry_runner_new(&r, &o), 0);
	assert_int_equal(quarry_runner_submit(r, task, "hang"), 0);
	quarry_runner_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_regular),
		cmocka_unit_test(test_read_stream),
		cmocka_unit_test(test_runner_children),
		cmocka_unit_test(test_runner_in_process),
		cmocka_unit_test(test_runner_pool),
		cmocka_unit_test(test_runner_watchdog),
	};

	return cmocka_run_group_tests_name("runner", tests, NULL, NULL);
}
