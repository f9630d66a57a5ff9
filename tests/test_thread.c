/*
 * test_thread.c: cmocka tests of thread_start() (src/thread.c): the worker
 * runs its function with its argument, starts on a CPU other than its
 * creator's, and then may run wherever its creator may.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <cmocka.h>

#include "thread_private.h"

struct seen {
	int arg;
	int start_cpu;		/* where it ran first */
	int cpus;		/* the CPUs it may run on, once started */
	int same;		/* ... are its creator's */
	cpu_set_t creator;
};

static void *
worker(void *arg)
{
	struct seen *s = arg;
	cpu_set_t now;

	/* Where it started: after that it may run where its creator may,
	 * and the scheduler may move it before it looks. */
	s->start_cpu = thread_first_cpu >= 0 ? thread_first_cpu :
	    sched_getcpu();
	CPU_ZERO(&now);
	if (sched_getaffinity(0, sizeof(now), &now) == 0) {
		s->cpus = CPU_COUNT(&now);
		s->same = CPU_EQUAL(&now, &s->creator);
	}
	s->arg++;
	return s;
}

static void
start_one(struct seen *s)
{
	pthread_t t;
	void *ret = NULL;

	memset(s, 0, sizeof(*s));
	s->arg = 41;
	s->cpus = -1;
	assert_int_equal(sched_getaffinity(0, sizeof(s->creator),
	    &s->creator), 0);
	assert_int_equal(thread_start(&t, worker, s), 0);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_ptr_equal(ret, s);
	assert_int_equal(s->arg, 42);
}

static void
test_runs_and_frees(void **state)
{
	struct seen s;
	int i;

	(void)state;
	/* Many in turn: each start's bookkeeping is freed (ASan). */
	for (i = 0; i < 50; i++) {
		start_one(&s);
		assert_int_equal(s.cpus, CPU_COUNT(&s.creator));
		assert_true(s.same);
	}
}

static void
test_starts_elsewhere(void **state)
{
	cpu_set_t all, one;
	struct seen s;
	int me, i;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
	if (CPU_COUNT(&all) < 2)
		skip();
	/* The creator on one CPU: the worker starts on another, then may
	 * run anywhere the creator may (the one CPU). */
	for (i = 0; i < CPU_SETSIZE && !CPU_ISSET(i, &all); i++)
		;
	CPU_ZERO(&one);
	CPU_SET(i, &one);
	me = i;
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	start_one(&s);
	assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
	assert_int_equal(s.cpus, 1);
	assert_true(s.same);
	/* With one CPU allowed, the creator's is the only one: started
	 * there. */
	assert_int_equal(s.start_cpu, me);

	/* Two CPUs allowed: it starts on the one the creator is not on. */
	for (i = me + 1; i < CPU_SETSIZE && !CPU_ISSET(i, &all); i++)
		;
	CPU_SET(i, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	for (me = 0; me < 20; me++) {
		int cpu = sched_getcpu();

		start_one(&s);
		/* The creator may have moved since it looked. */
		if (sched_getcpu() != cpu)
			continue;
		assert_int_not_equal(s.start_cpu, cpu);
		assert_int_equal(s.cpus, 2);
		assert_true(s.same);
	}
	assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs_and_frees),
		cmocka_unit_test(test_starts_elsewhere),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
