/*
 * thread.c: starting a worker thread on another CPU (thread_private.h).
 */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "thread_private.h"

struct start {
	void *(*fn)(void *);
	void *arg;
#ifdef __linux__
	cpu_set_t cpus;			/* the creator's */
#endif
};

__thread int thread_first_cpu = -1;

static void *
start_main(void *arg)
{
	struct start st = *(struct start *)arg;

	free(arg);
#ifdef __linux__
	thread_first_cpu = sched_getcpu();
	/* Where it started was for the start only. */
	(void)pthread_setaffinity_np(pthread_self(), sizeof(st.cpus),
	    &st.cpus);
#endif
	return st.fn(st.arg);
}

int
thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
#ifdef __linux__
	struct start *st;
	pthread_attr_t attr;
	cpu_set_t other;
	int cpu, rc;

	if ((st = malloc(sizeof(*st))) == NULL)
		return pthread_create(t, NULL, fn, arg);
	st->fn = fn;
	st->arg = arg;
	if (sched_getaffinity(0, sizeof(st->cpus), &st->cpus) != 0 ||
	    (cpu = sched_getcpu()) < 0 || !CPU_ISSET(cpu, &st->cpus) ||
	    CPU_COUNT(&st->cpus) < 2 || pthread_attr_init(&attr) != 0) {
		free(st);
		return pthread_create(t, NULL, fn, arg);
	}
	other = st->cpus;
	CPU_CLR(cpu, &other);
	/* Without the placement when it cannot be had (the other CPUs
	 * gone offline since, say). */
	if (pthread_attr_setaffinity_np(&attr, sizeof(other), &other) != 0 ||
	    (rc = pthread_create(t, &attr, start_main, st)) != 0)
		rc = pthread_create(t, NULL, start_main, st);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		free(st);
	return rc;
#else
	return pthread_create(t, NULL, fn, arg);
#endif
}
