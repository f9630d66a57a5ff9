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
	size_t released;	/* its first bytes unmapped (file_release()) */
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

/*
 * Unmaps the whole pages of m's mapping that lie before upto (a pointer
 * into m->data), which the caller will not read again: a program that
 * goes through a large mapping from start to end releases it as it goes,
 * in its threads' time, rather than all at once at the end, when the
 * pages of a mapping of 64 MB took 5 to 8 ms to unmap, one thread alone.
 * Nothing is done for a file that was read, or when the unmapping fails
 * (the pages then go with file_unmap()).
 */
void file_release(struct file_map *m, const char *upto);

#endif
