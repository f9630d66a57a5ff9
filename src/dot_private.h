/*
 * dot_private.h: the float32 kernel of the vector scans (dot.c).
 */
#ifndef QUARRY_DOT_PRIVATE_H
#define QUARRY_DOT_PRIVATE_H

#include <stddef.h>

/* Returns q.v over n floats and stores v.v in *vv. */
float dot2(const float *restrict q, const float *restrict v, size_t n,
    float *vv);

#endif
