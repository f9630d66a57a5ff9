/*
 * file_private.h: the whole-file reader's mapping of large files (file.c),
 * for the programs that read a file once from start to end and can stop
 * cleanly on SIGBUS (quarry-chunk --text).
 */
#ifndef QUARRY_FILE_PRIVATE_H
#define QUARRY_FILE_PRIVATE_H

#include "quarry.h"

struct file_map {
	const char *data;	/* the content, NUL-terminated */
	size_t len;
	void *map;		/* the mapping, NULL when read */
	size_t maplen;
};

/*
 * Gives the content of the file at path in m: a read-only private mapping
 * for a regular file of 1 MiB or more, else read into fallback (which m
 * then points into; quarry_buf_read_all()'s results and size limit).  A
 * mapped file that another process truncates meanwhile raises SIGBUS when
 * the lost pages are touched: a caller handles it or accepts the signal.
 * QUARRY_ETOOBIG when the file is larger than max, QUARRY_EIO with errno
 * when it cannot be opened or read.  file_unmap() releases a mapping.
 * The mapping's pages are all made present at once (MAP_POPULATE): fewer
 * faults for a reader that goes through it all; with FILE_MAP_LAZY in
 * flags, each is faulted in when first touched, so that threads reading
 * parts of it share that work.
 */
#define FILE_MAP_LAZY 1
int file_map(struct file_map *m, const char *path, size_t max,
    struct quarry_buf *fallback, int flags);
void file_unmap(struct file_map *m);

#endif
