/*
 * error_private.h: the last error of a handle, kept the same way by every
 * handle of libquarry.
 *
 * A handle embeds one struct qerr.  A failing call records its code, and a
 * message when it has more to say than quarry_strerror() would; the
 * handle's quarry_<noun>_error() returns qerr_str(), which falls back to the
 * code's text, so a caller never needs to look at both.  Messages name the
 * input or the option's value, never a command-line flag: the programs add
 * that context.
 */
#ifndef QUARRY_ERROR_PRIVATE_H
#define QUARRY_ERROR_PRIVATE_H

#include <stdarg.h>

#define QERR_MSG_MAX 512

struct qerr {
	int code;		/* 0, or the last call's QUARRY_E* code */
	char msg[QERR_MSG_MAX];	/* "" when the code says it all */
};

/* Forgets the last error: a call that may fail starts with this. */
static inline void
qerr_clear(struct qerr *e)
{
	e->code = 0;
	e->msg[0] = '\0';
}

/* Records code with the message fmt (truncated to QERR_MSG_MAX - 1 bytes);
 * returns code, so that a failing path reads "return qerr_set(...)". */
int qerr_set(struct qerr *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int qerr_vset(struct qerr *e, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Records rc, when it is an error and no error is recorded yet (a message
 * set deeper down wins); returns rc.  For the return of a public call. */
static inline int
qerr_ret(struct qerr *e, int rc)
{
	if (rc < 0 && e->code == 0)
		e->code = rc;
	return rc;
}

/* The text of e for quarry_<noun>_error(): its message, or its code's text,
 * or "" when no error is recorded.  e NULL (a constructor could not allocate
 * its handle) gives the text of QUARRY_ENOMEM. */
const char *qerr_str(const struct qerr *e);

#endif
