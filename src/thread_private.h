/*
 * thread_private.h: starting a worker thread on another CPU.
 */
#ifndef QUARRY_THREAD_PRIVATE_H
#define QUARRY_THREAD_PRIVATE_H

#include <pthread.h>

/*
 * As pthread_create() with default attributes, but the thread starts on a
 * CPU other than the caller's, when the caller may run on another, and may
 * then run on any CPU the caller may.  Linux places a new thread on its
 * creator's CPU: while the creator computes, the thread waits there until
 * the load balancer moves it, 2 to 3 ms on a machine with two CPUs, which
 * is what a worker for one 20 MB document saves in all.
 */
int	thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

/* In a thread of thread_start(), the CPU it was on as it started, before it
 * was let run anywhere its creator may (by then the scheduler may have
 * moved it); -1 in any other thread.  For the tests. */
extern __thread int thread_first_cpu;

#endif
