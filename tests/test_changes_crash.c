/*
 * test_changes_crash.c: a writer killed inside a commit, at the one moment
 * that matters to LMDB's readers: after the commit's meta page is written to
 * data.mdb and before its transaction id is published in lock.mdb.  The
 * program's own pwrite() stands in for the C library's (LMDB calls it
 * through the dynamic linker) and kills the process right after the meta
 * page's write, deterministically.  While another process (this one) keeps
 * the store open, readers that begin then see the commit before the killed
 * one; the next writer must take the store as of the killed commit
 * (src/store.c, lock_recover()), or it compares its documents against the
 * older snapshot and loses an update, and readers and the change feed
 * disagree about the latest state (tests/store-crash.test under load).
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_private.h"
#include "testutil.h"

static char dir[256];
static char path[300];
static volatile int kill_at_meta;	/* set in a child only */

/*
 * LMDB writes a commit's pages and then its meta page, which lies in one of
 * the file's first two pages and is shorter than a page (a new file's two
 * meta pages are written together, two pages long).
 */
ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);
	long page = sysconf(_SC_PAGESIZE);
	ssize_t got;

	if (real == NULL) {
		*(void **)&real = dlsym(RTLD_NEXT, "pwrite");
		if (real == NULL)
			abort();
	}
	got = real(fd, buf, n, off);
	if (kill_at_meta && got == (ssize_t)n && n < (size_t)page &&
	    off >= 0 && (size_t)off + n <= 2 * (size_t)page)
		raise(SIGKILL);
	return got;
}

static int
setup(void **state)
{
	(void)state;
	if (tu_scratch_new(dir, sizeof(dir), "test_changes_crash") != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/kb", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return tu_scratch_free(dir);
}

/* Document "a" in version v: two chunks, the first says which version. */
static int
put_version(quarry_store *st, int v)
{
	json_t *recs[2];
	char text[64], hex[33];
	size_t i, bad;
	int rc;

	for (i = 0; i < 2; i++) {
		json_t *emb = json_array();
		char id[16];
		size_t d;

		if (i == 0)
			snprintf(text, sizeof(text), "a part 0 version %d", v);
		else
			snprintf(text, sizeof(text), "a part 1, never changed");
		for (d = 0; d < 4; d++)
			json_array_append_new(emb, json_real(i == 0 ?
			    (double)v + (double)d / 8 : 0.5 + (double)d));
		snprintf(id, sizeof(id), "a#%zu", i);
		quarry_hash_hex(text, strlen(text), hex);
		recs[i] = json_pack("{s:s,s:s,s:i,s:s,s:s,s:o,s:s}", "doc", "a",
		    "id", id, "chunk", (int)i, "text", text, "hash", hex,
		    "embedding", emb, "model", "m");
		if (recs[i] == NULL)
			return -100;
	}
	rc = quarry_store_put(st, recs, 2, NULL, &bad);
	json_decref(recs[0]);
	json_decref(recs[1]);
	return rc;
}

/* A string member of rec, "" when absent. */
static const char *
str(const json_t *rec, const char *name)
{
	const char *s = quarry_record_string(rec, name, NULL);

	return s != NULL ? s : "";
}

static int
first_text(const json_t *rec, void *arg)
{
	char *text = arg;

	if (strcmp(str(rec, "id"), "a#0") == 0)
		snprintf(text, 64, "%s", str(rec, "text"));
	return 0;
}

/* The text of chunk a#0 as st's readers see it now. */
static void
assert_text(quarry_store *st, const char *want)
{
	char text[64] = "";

	assert_int_equal(quarry_store_foreach_chunk(st, first_text, text), 0);
	assert_string_equal(text, want);
}

/* Whether a read transaction begun now starts at the newest commit. */
static int
current(quarry_store *st)
{
	MDB_envinfo ei;
	MDB_txn *txn;
	size_t id;

	assert_int_equal(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn), 0);
	id = mdb_txn_id(txn);
	mdb_txn_abort(txn);
	assert_int_equal(mdb_env_info(st->env, &ei), 0);
	return id == ei.me_last_txnid;
}

/* Runs fn in a child process with a store handle of its own; returns the
 * child's wait status. */
static int
in_child(int (*fn)(quarry_store *))
{
	pid_t pid;
	int status;

	fflush(NULL);
	if ((pid = fork()) == 0) {
		quarry_store *st;

		if (quarry_store_open(&st, path, 0) != 0 ||
		    quarry_store_lock(st, -1) != 0)
			_exit(100);
		status = fn(st);
		quarry_store_close(st);
		_exit(status);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* Writes version 2 and is killed between its meta page and publishing. */
static int
killed_writer(quarry_store *st)
{
	if (put_version(st, 2) != 1)
		return 101;
	kill_at_meta = 1;
	quarry_store_commit(st);
	return 102;		/* not killed */
}

static int
lock_only(quarry_store *st)
{
	(void)st;
	return 0;
}

/* Puts version 1 again: 1 when it is seen to differ from what is stored. */
static int
rewrite_v1(quarry_store *st)
{
	int rc = put_version(st, 1);

	if (rc < 0 || quarry_store_commit(st) != 0)
		return 103;
	return rc;
}

/*
 * The store at version 1 (seq0: its last change), open in this process;
 * a child writes version 2 and is killed inside the commit.
 */
static quarry_store *
crash_at_meta(uint64_t *seq0)
{
	quarry_store *st, *rd;
	int status;

	assert_int_equal(quarry_store_open(&st, path, QUARRY_STORE_CREATE), 0);
	assert_int_equal(put_version(st, 1), 1);
	assert_int_equal(quarry_store_commit(st), 0);
	quarry_store_close(st);
	assert_int_equal(quarry_store_open(&rd, path, QUARRY_STORE_RDONLY), 0);
	assert_int_equal(quarry_store_change_seq(rd, seq0, NULL), 0);
	assert_int_equal(*seq0, 2);
	status = in_child(killed_writer);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	/* The commit is in data.mdb, but readers of this open store begin at
	 * the one before (LMDB's published id lags). */
	assert_false(current(rd));
	assert_text(rd, "a part 0 version 1");
	return rd;
}

struct feed {
	uint64_t seq;
	char text[64];
	int n;
};

static int
feed_line(const json_t *line, void *arg)
{
	struct feed *f = arg;

	f->seq = (uint64_t)json_integer_value(json_object_get(line, "seq"));
	f->n++;
	if (strcmp(str(line, "change"), "upsert") == 0)
		snprintf(f->text, sizeof(f->text), "%s", str(line, "text"));
	return 0;
}

/* A writer that takes the lock publishes the killed commit: readers and
 * the feed agree on it. */
static void
test_lock_publishes(void **state)
{
	struct feed f = { 0 };
	quarry_store *rd;
	uint64_t seq0, last;

	(void)state;
	rd = crash_at_meta(&seq0);
	assert_int_equal(in_child(lock_only), 0);
	assert_true(current(rd));
	assert_text(rd, "a part 0 version 2");
	assert_int_equal(quarry_store_change_seq(rd, &last, NULL), 0);
	assert_int_equal(last, seq0 + 1);
	assert_int_equal(quarry_store_changes(rd, seq0, feed_line, &f), 0);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.seq, seq0 + 1);
	assert_string_equal(f.text, "a part 0 version 2");
	assert_int_equal(quarry_store_check(rd, NULL, NULL), 0);
	quarry_store_close(rd);
}

/* The next writer compares against the killed commit: version 1 put again
 * differs from the version 2 stored, and is written. */
static void
test_no_lost_update(void **state)
{
	struct feed f = { 0 };
	quarry_store *rd;
	uint64_t seq0;
	int status;

	(void)state;
	rd = crash_at_meta(&seq0);
	status = in_child(rewrite_v1);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	assert_true(current(rd));
	assert_text(rd, "a part 0 version 1");
	quarry_store_close(rd);
	/* Opened alone, LMDB reads data.mdb's newest meta page itself. */
	assert_int_equal(quarry_store_open(&rd, path, QUARRY_STORE_RDONLY), 0);
	assert_text(rd, "a part 0 version 1");
	assert_int_equal(quarry_store_changes(rd, seq0, feed_line, &f), 0);
	assert_int_equal(f.seq, seq0 + 2);
	assert_string_equal(f.text, "a part 0 version 1");
	assert_int_equal(quarry_store_check(rd, NULL, NULL), 0);
	quarry_store_close(rd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lock_publishes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_lost_update, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
