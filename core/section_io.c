/* Section I/O: reads, writes (a write past the end grows the section, as a write to a file
 * does, within the cap) and making pages hold memory before a host hands them out.
 *
 * Locks: size_lock, for reading around I/O within the size, for writing when a write grows it. */
#include "section.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "section_internal.h"
#include "win32_constants.h"

uint32_t section_read(struct section *sec, void *buf, size_t len, uint64_t off, size_t *done)
{
	uint32_t err = ERROR_SUCCESS;
	uint64_t size;
	size_t got = 0;

	pthread_rwlock_rdlock(&sec->size_lock);
	size = atomic_load(&sec->size);
	if (sec->fd < 0) {
		err = ERROR_FILE_NOT_FOUND;
	} else if (off < size) {
		size_t want = (size_t)(len < size - off ? len : size - off);
		while (got < want) {
			ssize_t n = pread(sec->fd, (char *)buf + got, want - got, (off_t)(off + got));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				err = winerr_from_errno(errno);
				break;
			}
			if (n == 0) {
				/* a backing file cut from outside: the rest reads as zeros */
				memset((char *)buf + got, 0, want - got);
				got = want;
				break;
			}
			got += (size_t)n;
		}
	}
	pthread_rwlock_unlock(&sec->size_lock);
	*done = got;
	return err;
}

/* pwrite(2) of all of buf, as far as it goes: the bytes written into *put, 0 or an errno. */
static int pwrite_fully(int fd, const void *buf, size_t len, uint64_t off, size_t *put)
{
	*put = 0;
	while (*put < len) {
		ssize_t n = pwrite(fd, (const char *)buf + *put, len - *put, (off_t)(off + *put));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		*put += (size_t)n;
	}
	return 0;
}

/* A write reaching past the end, under size_lock held for writing.  The data itself grows the
 * file, as a write to tmpfs does: the kernel charges only the pages written (sparse growth is
 * free) and refuses those past the cap, and what it refused leaves the size as it was.  Where
 * the store counts sizes (memfds), the new size is charged before anything is written. */
static uint32_t write_growing_locked(struct section *sec, const void *buf, size_t len,
				     uint64_t off, size_t *put)
{
	bool sized_first = !kernel_counts_pages(sec);   /* charged, or a file grown first */
	uint64_t old = atomic_load(&sec->size), end = off + len;
	uint32_t err;
	struct stat st;
	int e;

	*put = 0;
	if (sec->fd < 0)
		return ERROR_FILE_NOT_FOUND;
	if (end <= old) {
		/* another writer grew it while we waited for the lock */
		e = pwrite_fully(sec->fd, buf, len, off, put);
		return e ? write_error(e) : ERROR_SUCCESS;
	}
	err = sized_first ? section_set_size_locked(sec, end) : section_commit_fit_locked(sec, end);
	if (err)
		return err;
	e = pwrite_fully(sec->fd, buf, len, off, put);
	if (sized_first) {
		if (*put < len)   /* a failed write keeps nothing it did not write, the size included */
			section_set_size_locked(sec, off + *put > old ? off + *put : old);
	} else if (fstat(sec->fd, &st) == 0) {
		atomic_store(&sec->size, (uint64_t)st.st_size);   /* what the kernel took */
	}
	return e ? write_error(e) : ERROR_SUCCESS;
}

uint32_t section_write(struct section *sec, const void *buf, size_t len, uint64_t off,
		       size_t *done)
{
	uint64_t end = off + len;
	size_t put = 0;
	uint32_t err = ERROR_SUCCESS;
	int e;

	*done = 0;
	if (end < off || end > SECTION_SIZE_MAX)
		return ERROR_NOT_ENOUGH_MEMORY;
	pthread_rwlock_rdlock(&sec->size_lock);
	if (sec->fd >= 0 && end <= atomic_load(&sec->size)) {
		/* within the size: the read lock keeps the size from dropping under the write */
		e = pwrite_fully(sec->fd, buf, len, off, &put);
		pthread_rwlock_unlock(&sec->size_lock);
		err = e ? write_error(e) : ERROR_SUCCESS;
	} else {
		pthread_rwlock_unlock(&sec->size_lock);
		pthread_rwlock_wrlock(&sec->size_lock);
		err = write_growing_locked(sec, buf, len, off, &put);
		pthread_rwlock_unlock(&sec->size_lock);
	}
	if (put)
		touch_data(sec);
	*done = put;
	return err;
}

uint32_t section_populate(struct section *sec, uint64_t off, uint64_t len)
{
	uint32_t err = ERROR_SUCCESS;
	uint64_t size;

	pthread_rwlock_rdlock(&sec->size_lock);
	size = atomic_load(&sec->size);
	if (len > 0 && off < size && sec->fd >= 0 && kernel_counts_pages(sec)) {
		uint64_t end = len > size - off ? size : off + len;
		/* SEC_RESERVE: only committed pages have memory (D33); a run at a time */
		for (uint64_t at = off / WIN32_PAGE_SIZE * WIN32_PAGE_SIZE; !err && at < end;) {
			uint64_t run = at;
			while (run < end && section_page_committed_locked(sec, run / WIN32_PAGE_SIZE))
				run += WIN32_PAGE_SIZE;
			if (run > at && fallocate(sec->fd, FALLOC_FL_KEEP_SIZE, (off_t)at,
						  (off_t)((run < end ? run : end) - at)) < 0)
				err = write_error(errno);
			at = run;
			while (at < end && !section_page_committed_locked(sec, at / WIN32_PAGE_SIZE))
				at += WIN32_PAGE_SIZE;
		}
	}
	pthread_rwlock_unlock(&sec->size_lock);
	return err;
}
