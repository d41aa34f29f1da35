/* Backing: the descriptor behind a section's data (a file of the paging file, or a duplicate
 * of the caller's file), its size and the bytes charged to the store for it, and letting it go
 * (C21) while the kernel may still hold the file.
 *
 * Locks: size_lock, for writing to change the size, the descriptor or the charge (the _locked
 * functions have it held), for reading to use the descriptor. */
#include "section.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pagefile.h"
#include "section_internal.h"
#include "win32_constants.h"

void section_file_identity(int fd, bool file_backed, dev_t *dev, ino_t *ino)
{
	struct stat st;

	*dev = 0;
	*ino = 0;
	if (file_backed && fstat(fd, &st) == 0) {
		*dev = st.st_dev;
		*ino = st.st_ino;
	}
}

uint32_t section_open_backing(struct store *st, const struct section_spec *spec, int *fd_out)
{
	int fd;

	if (spec->file_fd < 0) {
		fd = pagefile_new_file(store_pagefile(st));
		if (fd < 0)
			return errno == ENOSPC ? ERROR_NOT_ENOUGH_MEMORY : winerr_from_errno(errno);
		if (ftruncate(fd, (off_t)spec->size) < 0) {
			close(fd);
			return ERROR_NOT_ENOUGH_MEMORY;
		}
	} else {
		fd = fcntl(spec->file_fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return winerr_from_errno(errno);
		if (spec->grow_file && ftruncate(fd, (off_t)spec->size) < 0) {   /* A5 */
			int e = errno;
			close(fd);
			return e == EFBIG || e == ENOSPC ? ERROR_NOT_ENOUGH_MEMORY : winerr_from_errno(e);
		}
	}
	*fd_out = fd;
	return ERROR_SUCCESS;
}

uint32_t section_set_size_locked(struct section *sec, uint64_t size)
{
	uint64_t old = atomic_load(&sec->size);
	uint32_t err;

	if (sec->fd < 0)
		return ERROR_FILE_NOT_FOUND;
	if (size > SECTION_SIZE_MAX)
		return ERROR_NOT_ENOUGH_MEMORY;
	if (sec->file_backed) {
		struct stat st;
		if (fstat(sec->fd, &st) < 0)
			return winerr_from_errno(errno);
		/* Growth grows the file (A5).  A section that is its whole file stays so when
		 * cut (a host may serve it from the file itself: section_is_its_file); one
		 * smaller than its file never cuts what lies past it. */
		bool grow = size > (uint64_t)st.st_size;
		bool cut = size < old && old == (uint64_t)st.st_size;
		if ((grow || cut) && ftruncate(sec->fd, (off_t)size) < 0)
			return errno == EBADF || errno == EINVAL ? ERROR_ACCESS_DENIED
							       : ERROR_NOT_ENOUGH_MEMORY;
	} else {
		uint64_t charge = round_to_page(size);
		err = check_pagefile_size(sec->store, size);
		if (err)
			return err;
		if (charge > sec->charged) {
			err = store_charge(sec->store, charge - sec->charged);
			if (err)
				return err;
		}
		if (ftruncate(sec->fd, (off_t)size) < 0) {
			if (charge > sec->charged)
				store_refund(sec->store, charge - sec->charged);
			return ERROR_NOT_ENOUGH_MEMORY;
		}
		if (charge < sec->charged)
			store_refund(sec->store, sec->charged - charge);
		sec->charged = charge;
	}
	err = section_commit_fit_locked(sec, size);
	if (err)
		return err;
	atomic_store(&sec->size, size);
	if (size != old)
		touch_data(sec);
	return ERROR_SUCCESS;
}

/* Under size_lock held for writing: drops the pages of a destroyed section's file once nothing
 * else has it open or mapped, and lets go of it. */
static void trim_locked(struct section *sec)
{
	if (sec->dead_fd >= 0 && pagefile_file_alone(sec->dead_fd)) {
		if (ftruncate(sec->dead_fd, 0) < 0) {
			/* harmless: the pages go with the file instead */
		}
		close(sec->dead_fd);
		sec->dead_fd = -1;
	}
}

void section_drop_empty_data(struct section *sec)
{
	pthread_rwlock_wrlock(&sec->size_lock);
	if (sec->fd >= 0 && kernel_counts_pages(sec) && sec->dead_fd < 0)
		sec->dead_fd = sec->fd;   /* a passthrough open may still write it: trimmed later */
	else if (sec->fd >= 0)
		close(sec->fd);
	sec->fd = -1;
	trim_locked(sec);
	pthread_rwlock_unlock(&sec->size_lock);
}

void section_release_data(struct section *sec)
{
	pthread_rwlock_wrlock(&sec->size_lock);
	if (sec->fd >= 0) {
		if (kernel_counts_pages(sec))
			sec->dead_fd = sec->fd;
		else
			close(sec->fd);
		sec->fd = -1;
	}
	trim_locked(sec);
	if (sec->counted) {
		/* the section's slot is free again now, as tmpfs frees an inode at unlink */
		sec->counted = false;
		store_section_gone(sec->store);
	}
	if (sec->charged) {
		store_refund(sec->store, sec->charged);
		sec->charged = 0;
	}
	section_commit_forget_locked(sec);
	pthread_rwlock_unlock(&sec->size_lock);
}

void section_trim(struct section *sec)
{
	pthread_rwlock_wrlock(&sec->size_lock);
	trim_locked(sec);
	pthread_rwlock_unlock(&sec->size_lock);
}

uint64_t section_sync_size(struct section *sec)
{
	struct stat st;

	pthread_rwlock_wrlock(&sec->size_lock);
	if (sec->fd >= 0 && sec->file_backed && fstat(sec->fd, &st) == 0 &&
	    (uint64_t)st.st_size > atomic_load(&sec->size)) {
		/* a write past the end through the kernel grew the file, as a write through
		 * the core grows it (section_io.c); the file is never charged to the cap.  A file
		 * cut behind our back keeps the section's size: reads past it are short. */
		if (section_commit_fit_locked(sec, (uint64_t)st.st_size) == ERROR_SUCCESS)
			atomic_store(&sec->size, (uint64_t)st.st_size);
		touch_data(sec);
	} else if (sec->fd >= 0 && !sec->file_backed && fstat(sec->fd, &st) == 0 &&
		   (uint64_t)st.st_size != atomic_load(&sec->size)) {
		uint64_t size = (uint64_t)st.st_size, charge = round_to_page(size);
		if (charge > sec->charged)
			store_charge_anyway(sec->store, charge - sec->charged);
		else
			store_refund(sec->store, sec->charged - charge);
		sec->charged = charge;
		if (section_commit_fit_locked(sec, size) == ERROR_SUCCESS)
			atomic_store(&sec->size, size);
		touch_data(sec);
	}
	pthread_rwlock_unlock(&sec->size_lock);
	return atomic_load(&sec->size);
}

int section_fd(struct section *sec)
{
	int fd;

	pthread_rwlock_rdlock(&sec->size_lock);
	fd = sec->fd;
	pthread_rwlock_unlock(&sec->size_lock);
	return fd;
}

int section_backing_path(struct section *sec, char *buf, size_t len)
{
	int n;

	pthread_rwlock_rdlock(&sec->size_lock);
	n = snprintf(buf, len, "%s", sec->backing_path ? sec->backing_path : "");
	pthread_rwlock_unlock(&sec->size_lock);
	return n;
}

int section_origin(struct section *sec, char *buf, size_t len)
{
	int n = -1;

	pthread_mutex_lock(&sec->store->lock);
	if (sec->origin)
		n = snprintf(buf, len, "%s", sec->origin);
	pthread_mutex_unlock(&sec->store->lock);
	return n;
}

bool section_is_its_file(struct section *sec)
{
	struct stat st;
	bool same;

	pthread_rwlock_rdlock(&sec->size_lock);
	same = sec->fd >= 0 && sec->file_backed && fstat(sec->fd, &st) == 0 &&
	       (uint64_t)st.st_size == atomic_load(&sec->size);
	pthread_rwlock_unlock(&sec->size_lock);
	return same;
}

uint64_t section_blocks(struct section *sec)
{
	uint64_t blocks = (atomic_load(&sec->size) + 511) / 512;
	struct stat st;

	pthread_rwlock_rdlock(&sec->size_lock);
	if (sec->fd >= 0 && kernel_counts_pages(sec) && fstat(sec->fd, &st) == 0)
		blocks = (uint64_t)st.st_blocks;
	pthread_rwlock_unlock(&sec->size_lock);
	return blocks;
}
