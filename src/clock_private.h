/*
 * clock_private.h: seconds on the monotonic clock, for the deadlines and
 * intervals of libquarry (HTML time limits, embedder and worker timeouts,
 * quarry-sync's figures) and of the programs' progress lines.
 */
#ifndef QUARRY_CLOCK_PRIVATE_H
#define QUARRY_CLOCK_PRIVATE_H

#include <time.h>

static inline double
clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
