/*
 * common_changes.c: --changes and the writer lock for the programs that
 * write a store (see common.h).  Apart from common.c so that a program that never opens a
 * store (quarry-pdf, quarry-chunk) does not link the store and load LMDB,
 * xxHash and libstemmer at every start: libcommon.a is an archive, and the
 * linker takes only the members a program uses.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "quarry.h"

int
store_lock(quarry_store *st, long wait_ms)
{
	int rc;

	if ((rc = quarry_store_lock(st, 0)) == QUARRY_EBUSY && wait_ms != 0) {
		progress("waiting for another writer");
		rc = quarry_store_lock(st, wait_ms);
	}
	return rc;
}

FILE *
changes_open(const char *name)
{
	FILE *fp;

	if (strcmp(name, "-") == 0)
		return stdout;
	if ((fp = fopen(name, "w")) == NULL)
		die(EXIT_SOMEFAILED, "%s: %s", name, strerror(errno));
	return fp;
}

int
changes_write(quarry_store *st, unsigned long long since, FILE *fp,
    const char *name)
{
	int rc = quarry_store_changes(st, (uint64_t)since, record_put, fp);

	if (rc == QUARRY_EIO || (rc == 0 && fflush(fp) != 0)) {
		if (errno != EPIPE)
			warnx_at(NULL, 0, "%s: write error: %s", name,
			    strerror(errno ? errno : EIO));
		rc = QUARRY_EIO;
	} else if (rc != 0)
		warnx_at(NULL, 0, "%s", *quarry_store_error(st) ?
		    quarry_store_error(st) : quarry_strerror(rc));
	if (fp != stdout && fclose(fp) != 0 && rc == 0) {
		warnx_at(NULL, 0, "%s: write error: %s", name, strerror(errno));
		rc = QUARRY_EIO;
	}
	return rc != 0;
}
