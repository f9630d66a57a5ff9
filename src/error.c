/*
 * error.c: names of libquarry's error codes, the handles' last error
 * (error_private.h) and the library version.
 */
#include "config.h"

#include <stdio.h>

#include "error_private.h"
#include "quarry.h"

const char *
quarry_strerror(int err)
{
	switch (err) {
	case QUARRY_OK:		return "success";
	case QUARRY_ENOMEM:	return "out of memory";
	case QUARRY_EIO:	return "input/output error";
	case QUARRY_EJSON:	return "malformed JSON";
	case QUARRY_EUTF8:	return "invalid UTF-8";
	case QUARRY_EINVAL:	return "invalid argument";
	case QUARRY_ETOOBIG:	return "input too large";
	case QUARRY_EFORMAT:	return "wrong format";
	case QUARRY_ENOTFOUND:	return "not found";
	case QUARRY_EMODEL:	return "embedding model mismatch";
	case QUARRY_EHTTP:	return "HTTP request failed";
	case QUARRY_ETIMEOUT:	return "timed out";
	case QUARRY_ESTORE:	return "store failure";
	case QUARRY_EPASSWORD:	return "encrypted document: missing or wrong password";
	case QUARRY_EBUSY:	return "resource busy";
	case QUARRY_ENODATE:	return "not a recognisable date";
	case QUARRY_EFIELD:	return "missing or mistyped field";
	case QUARRY_ESTOPPED:	return "stopped on request";
	case QUARRY_ESETTINGS:	return "store built with other settings";
	}
	return "unknown error";
}

const char *
quarry_version(void)
{
	return PACKAGE_VERSION;
}

int
qerr_vset(struct qerr *e, int code, const char *fmt, va_list ap)
{
	e->code = code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return code;
}

int
qerr_set(struct qerr *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	qerr_vset(e, code, fmt, ap);
	va_end(ap);
	return code;
}

const char *
qerr_str(const struct qerr *e)
{
	if (e == NULL)
		return quarry_strerror(QUARRY_ENOMEM);
	if (e->msg[0] != '\0')
		return e->msg;
	return e->code != 0 ? quarry_strerror(e->code) : "";
}
