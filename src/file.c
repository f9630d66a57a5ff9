/*
 * file.c: the one whole-file reader.
 *
 * Every program and module that needs a file's whole content (a PDF, a
 * page, a --text document, a rank file, a list of names, standard input)
 * reads it here, into a struct quarry_buf.  A regular file is read with its
 * size known from fstat(): the buffer is sized once and filled by one
 * read(2), no copy and no growth (a file that grows meanwhile is still read
 * to its end).  Anything else -- a pipe, a terminal, a FIFO -- is streamed
 * in growing blocks.  Either way the size limit is checked before memory is
 * spent on it, so that "quarry-pdf < /dev/zero" stops at the limit rather
 * than at the machine's memory.  The file is read rather than mapped: a
 * mapping of a file that another process truncates faults with SIGBUS,
 * which a library cannot handle on its caller's behalf.  A program that
 * handles it may ask for a mapping of a large file instead (file_map()),
 * which spares the copy and the zeroed pages a buffer of its size costs.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quarry.h"
#include "file_private.h"

/* Largest single read(2): Linux transfers at most about 2 GiB per call. */
#define READ_MAX ((size_t)1 << 30)
/* The first block for a stream whose size is not known. */
#define STREAM_BLOCK ((size_t)64 << 10)

int
quarry_buf_read_all(struct quarry_buf *b, int fd, size_t max)
{
	size_t start = b->len, need = STREAM_BLOCK, room;
	struct stat st;
	ssize_t got;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		off_t pos = lseek(fd, 0, SEEK_CUR);
		size_t size;

		if (pos < 0 || pos > st.st_size)
			pos = 0;
		size = (size_t)(st.st_size - pos);
		if (size > max)
			return QUARRY_ETOOBIG;
		/* Room for the NUL and one byte more, so that the read that
		 * finds the end needs no growth (and a file that grew since
		 * is seen and read on). */
		need = size + 2;
	}
	for (;;) {
		if (b->cap - b->len < need && quarry_buf_reserve(b, need) != 0)
			return QUARRY_ENOMEM;
		/* Keep one byte for the terminating NUL. */
		room = b->cap - b->len - 1;
		if (room > READ_MAX)
			room = READ_MAX;
		/* Read no more than one byte past the limit. */
		if (max < SIZE_MAX - 1 && b->len - start + room > max)
			room = max + 1 - (b->len - start);
		got = read(fd, b->data + b->len, room);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			b->data[b->len] = '\0';
			return QUARRY_EIO;
		}
		if (got == 0)
			break;
		b->len += (size_t)got;
		if (b->len - start > max) {
			b->len = start + max;
			b->data[b->len] = '\0';
			return QUARRY_ETOOBIG;
		}
		/* A full buffer doubles (quarry_buf_reserve()'s growth). */
		need = 2;
	}
	b->data[b->len] = '\0';
	return 0;
}

int
quarry_buf_read_fd(struct quarry_buf *b, int fd)
{
	return quarry_buf_read_all(b, fd, SIZE_MAX - 1);
}

int
quarry_buf_read_file(struct quarry_buf *b, const char *path, size_t max)
{
	int fd, rc, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return QUARRY_EIO;
	rc = quarry_buf_read_all(b, fd, max);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

/*
 * Maps a regular file of at least FILE_MAP_MIN bytes rather than read it:
 * no copy and no zeroed pages to fill, which for a large file cost more
 * than the work done on it.  Smaller files, and anything that is not a
 * regular file, are read into fallback.
 */
#define FILE_MAP_MIN ((size_t)1 << 20)

int
file_map(struct file_map *m, const char *path, size_t max,
    struct quarry_buf *fallback, int flags)
{
	struct stat st;
	long pg = sysconf(_SC_PAGESIZE);
	int fd, rc, e;
	void *p;

	m->data = NULL;
	m->len = 0;
	m->map = NULL;
	m->maplen = 0;
	m->released = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return QUARRY_EIO;
	/* A file that ends on a page boundary is read: the mapping would
	 * have no NUL after its last byte. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size >= FILE_MAP_MIN && pg > 0 &&
	    st.st_size % pg != 0 && (uint64_t)st.st_size <= SIZE_MAX / 2) {
		if ((uint64_t)st.st_size > max) {
			close(fd);
			return QUARRY_ETOOBIG;
		}
		p = mmap(NULL, (size_t)st.st_size, PROT_READ,
		    MAP_PRIVATE | ((flags & FILE_MAP_LAZY) ? 0 : MAP_POPULATE),
		    fd, 0);
		if (p != MAP_FAILED) {
			close(fd);
			m->map = p;
			m->maplen = (size_t)st.st_size;
			m->data = p;
			m->len = (size_t)st.st_size;
			return 0;
		}
	}
	fallback->len = 0;
	rc = quarry_buf_read_all(fallback, fd, max);
	e = errno;
	close(fd);
	errno = e;
	m->data = fallback->data;
	m->len = fallback->len;
	return rc;
}

#define RELEASE_STEP ((size_t)4 << 20)

void
file_release(struct file_map *m, const char *upto)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t to;

	if (m->map == NULL || upto <= (const char *)m->map)
		return;
	to = (size_t)(upto - (const char *)m->map);
	if (to > m->maplen)
		to = m->maplen;
	to -= pg > 0 ? to % (size_t)pg : to;
	/* In steps of some megabytes: each call interrupts the other
	 * threads of the process, to drop the pages from their TLBs. */
	if (to - m->released < RELEASE_STEP && upto < m->data + m->len)
		return;
	if (to > m->released && munmap((char *)m->map + m->released,
	    to - m->released) == 0)
		m->released = to;
}

void
file_unmap(struct file_map *m)
{
	if (m->map != NULL && m->released < m->maplen)
		(void)munmap((char *)m->map + m->released,
		    m->maplen - m->released);
	m->map = NULL;
	m->released = 0;
	m->data = NULL;
	m->len = 0;
}
