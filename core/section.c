/* Section objects: backing, sizes (A1-A7), what C20-C21 take (lifetime.c takes it), resizing
 * (E36) and data I/O. */
#include "section.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core_internal.h"
#include "errors.h"
#include "name.h"
#include "pagefile.h"
#include "protect.h"
#include "win32_constants.h"

/* Sizes past this cannot be an off_t, so no file or memfd can hold them (A7). */
#define SECTION_SIZE_MAX ((uint64_t)INT64_MAX - WIN32_PAGE_SIZE)

static uint64_t round_to_page(uint64_t size)
{
	return (size + WIN32_PAGE_SIZE - 1) & ~(uint64_t)(WIN32_PAGE_SIZE - 1);
}

/* ---- specs: rules A1-A10 ---- */

uint32_t section_spec_win32(uint32_t flprotect, uint64_t size, int file_fd, unsigned file_access,
			    enum section_lifetime lifetime, struct section_spec *spec)
{
	bool file_backed = file_fd >= 0;
	uint32_t page, attributes, err;
	bool grow = false;
	struct stat st;

	if (!file_backed && size == 0)
		return ERROR_INVALID_PARAMETER;                 /* A1: before anything else */
	err = protect_parse(flprotect, file_backed, &page, &attributes);   /* A8, A9 */
	if (err)
		return err;
	if (size > SECTION_SIZE_MAX)
		return ERROR_NOT_ENOUGH_MEMORY;                 /* A7 */

	if (file_backed) {
		err = protect_check_file_access(page, file_access);        /* A10 */
		if (err)
			return err;
		if (fstat(file_fd, &st) < 0)
			return winerr_from_errno(errno);
		if (!S_ISREG(st.st_mode))
			return ERROR_FILE_INVALID;
		if (size == 0) {
			if (st.st_size == 0)
				return ERROR_FILE_INVALID;              /* A3 */
			size = (uint64_t)st.st_size;            /* A4: exactly, no rounding */
		} else if (size > (uint64_t)st.st_size) {
			/* A5 grows the file; A6: a protection that cannot write, or a file that
			 * was not opened for writing, cannot grow it. */
			if (!(protect_allows_shared_write(page) || protect_is_copy_on_write(page)) ||
			    !(file_access & FILE_ACCESS_WRITE))
				return ERROR_NOT_ENOUGH_MEMORY;
			grow = true;
		}
	} else {
		size = round_to_page(size);                     /* A2 */
	}

	*spec = (struct section_spec){
		.protect = page,
		.attributes = attributes,
		.size = size,
		.file_fd = file_fd,
		.grow_file = grow,
		.lifetime = lifetime,
	};
	return ERROR_SUCCESS;
}

struct section_spec section_spec_default(enum section_lifetime lifetime)
{
	return (struct section_spec){
		.protect = PAGE_READWRITE,
		.attributes = SEC_COMMIT,
		.size = 0,
		.file_fd = -1,
		.lifetime = lifetime,
	};
}

/* ---- the committed-page bitmap of SEC_RESERVE sections (D33), under size_lock ---- */

static uint32_t bitmap_fit(struct section *sec, uint64_t size)
{
	uint64_t pages = round_to_page(size) / WIN32_PAGE_SIZE;
	uint8_t *bits;

	if (!(sec->attributes & SEC_RESERVE) || sec->file_backed || pages <= sec->committed_pages)
		return ERROR_SUCCESS;
	bits = realloc(sec->committed, (size_t)((pages + 7) / 8));
	if (!bits)
		return ERROR_NOT_ENOUGH_MEMORY;
	for (uint64_t p = sec->committed_pages; p < pages; p++)
		bits[p / 8] &= (uint8_t)~(1u << (p % 8));
	sec->committed = bits;
	sec->committed_pages = pages;
	return ERROR_SUCCESS;
}

/* Is this section's memory counted by the kernel, page by page (a tmpfs paging file)? */
static bool kernel_counts_pages(const struct section *sec)
{
	return !sec->file_backed && !store_counts_sizes(sec->store);
}

/* Is page p committed?  Every page is, but in a SEC_RESERVE section (D33). */
static bool page_committed_locked(const struct section *sec, uint64_t p)
{
	if (!sec->committed)
		return true;
	return p < sec->committed_pages && (sec->committed[p / 8] & (1u << (p % 8)));
}

/* ---- creation and references ---- */

/* The file identity a backing descriptor has (0, 0 for a memfd: no file to ask about). */
static void file_identity(int fd, bool file_backed, dev_t *dev, ino_t *ino)
{
	struct stat st;

	*dev = 0;
	*ino = 0;
	if (file_backed && fstat(fd, &st) == 0) {
		*dev = st.st_dev;
		*ino = st.st_ino;
	}
}

/* A new descriptor for the data: a file of the paging file sized to spec->size, or a duplicate
 * of the backing file, grown when A5 says so.  Paging-file errors of the cap or of the count of
 * files are ERROR_NOT_ENOUGH_MEMORY. */
static uint32_t open_backing(struct store *st, const struct section_spec *spec, int *fd_out)
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

/* May a paging-file section be `size` bytes?  Never past the cap, whoever counts the pages: a
 * section bigger than the whole store could never be filled. */
static uint32_t check_pagefile_size(struct store *st, uint64_t size)
{
	return size > store_cap(st) ? ERROR_NOT_ENOUGH_MEMORY : ERROR_SUCCESS;
}

uint32_t section_new(struct store *st, const struct section_spec *spec,
		     const struct section_owner *owner, struct section **out)
{
	bool paging_file = spec->file_fd < 0;
	uint64_t charge = paging_file ? round_to_page(spec->size) : 0;
	struct section *sec;
	uint32_t err;
	int fd;

	if (spec->size > SECTION_SIZE_MAX)
		return ERROR_NOT_ENOUGH_MEMORY;
	if (paging_file && (err = check_pagefile_size(st, spec->size)))
		return err;
	/* Counted first: every section holds a descriptor, so the count bounds them too. */
	err = store_section_born(st);
	if (err)
		return err;
	err = store_charge(st, charge);
	if (err)
		goto err_count;
	err = ERROR_NOT_ENOUGH_MEMORY;
	sec = calloc(1, sizeof(*sec));
	if (!sec)
		goto err_charge;
	if (spec->file_path && !(sec->backing_path = strdup(spec->file_path)))
		goto err_sec;
	err = open_backing(st, spec, &fd);
	if (err)
		goto err_sec;

	sec->id = store_next_section_id(st);
	sec->store = st;
	atomic_init(&sec->refs, 1);
	sec->lifetime = spec->lifetime;
	sec->protect = spec->protect;
	sec->attributes = spec->attributes;
	sec->owner = *owner;
	pthread_rwlock_init(&sec->size_lock, NULL);
	atomic_init(&sec->size, spec->size);
	sec->fd = fd;
	sec->dead_fd = -1;
	sec->counted = true;
	sec->file_backed = !paging_file;
	file_identity(fd, sec->file_backed, &sec->file_dev, &sec->file_ino);
	sec->charged = charge;
	int64_t now = core_now_ns();
	atomic_init(&sec->mtime_ns, now);
	atomic_init(&sec->ctime_ns, now);
	atomic_init(&sec->atime_ns, now);
	if (bitmap_fit(sec, spec->size)) {
		err = ERROR_NOT_ENOUGH_MEMORY;
		goto err_fd;
	}
	*out = sec;
	return ERROR_SUCCESS;

err_fd:
	pthread_rwlock_destroy(&sec->size_lock);
	close(fd);
err_sec:
	free(sec->backing_path);
	free(sec);
err_charge:
	store_refund(st, charge);
err_count:
	store_section_gone(st);
	return err;
}

void section_get(struct section *sec)
{
	unsigned before = atomic_fetch_add(&sec->refs, 1);

	assert(before > 0 && "section_get on a freed section");
	(void)before;
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

/* Frees the data now (C21); takes size_lock.  Where the kernel counts pages, the file may outlive
 * our descriptor (FUSE passthrough holds it, as does every map made through it), so its pages
 * are dropped here when nothing else has it, else at a later section_trim(). */
static void section_destroy_data(struct section *sec)
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
	free(sec->committed);
	sec->committed = NULL;
	sec->committed_pages = 0;
	pthread_rwlock_unlock(&sec->size_lock);
}

void section_trim(struct section *sec)
{
	pthread_rwlock_wrlock(&sec->size_lock);
	trim_locked(sec);
	pthread_rwlock_unlock(&sec->size_lock);
}

void section_put(struct section *sec)
{
	unsigned before = atomic_fetch_sub(&sec->refs, 1);

	assert(before > 0 && "section_put without a reference");
	if (before != 1)
		return;
	assert(!sec->name && sec->handles == 0 && sec->views == 0);
	section_destroy_data(sec);
	if (sec->dead_fd >= 0)
		close(sec->dead_fd);
	pthread_rwlock_destroy(&sec->size_lock);
	free(sec->backing_path);
	free(sec);
}

/* C20-C21, the one place they are decided: a temporary (or staged) section's name goes with its
 * last handle; a nameless section's data goes with its last holder. */
unsigned section_what_goes_locked(const struct section *sec)
{
	unsigned goes = 0;

	if (sec->name && sec->handles == 0 && (sec->lifetime == SECTION_TEMPORARY || sec->staged))
		goes |= SECTION_NAME_GOES;
	if ((!sec->name || (goes & SECTION_NAME_GOES)) && sec->handles == 0 && sec->views == 0 &&
	    !sec->destroyed)
		goes |= SECTION_DATA_GOES;
	return goes;
}

void section_let_data_go_locked(struct section *sec)
{
	sec->destroyed = true;
	section_destroy_data(sec);
}

/* ---- accessors ---- */

uint64_t section_id(const struct section *sec) { return sec->id; }
uint64_t section_size(const struct section *sec) { return atomic_load(&((struct section *)sec)->size); }
struct store *section_store(const struct section *sec) { return sec->store; }

#define LOCKED_GETTER(type, name, expr)                          \
	type name(struct section *sec)                           \
	{                                                        \
		type value;                                      \
		pthread_mutex_lock(&sec->store->lock);           \
		value = (expr);                                  \
		pthread_mutex_unlock(&sec->store->lock);         \
		return value;                                    \
	}

LOCKED_GETTER(uint32_t, section_protect, sec->protect)
LOCKED_GETTER(uint32_t, section_attributes, sec->attributes)
LOCKED_GETTER(enum section_lifetime, section_lifetime, sec->lifetime)
LOCKED_GETTER(bool, section_is_file_backed, sec->file_backed)
LOCKED_GETTER(bool, section_is_staged, sec->staged)
LOCKED_GETTER(bool, section_is_destroyed, sec->destroyed)
LOCKED_GETTER(struct section_owner, section_owner, sec->owner)
LOCKED_GETTER(bool, section_has_name, sec->name != NULL)

void section_holders(struct section *sec, unsigned *handles, unsigned *views)
{
	pthread_mutex_lock(&sec->store->lock);
	*handles = sec->handles;
	*views = sec->views;
	pthread_mutex_unlock(&sec->store->lock);
}

int section_backing_path(struct section *sec, char *buf, size_t len)
{
	int n;

	pthread_rwlock_rdlock(&sec->size_lock);
	n = snprintf(buf, len, "%s", sec->backing_path ? sec->backing_path : "");
	pthread_rwlock_unlock(&sec->size_lock);
	return n;
}

bool section_name(struct section *sec, struct ns **ns, char *leaf)
{
	bool named;

	pthread_mutex_lock(&sec->store->lock);
	named = sec->name != NULL;
	if (named) {
		*ns = sec->ns;
		snprintf(leaf, NAME_LEAF_MAX + 1, "%s", sec->name);
	}
	pthread_mutex_unlock(&sec->store->lock);
	return named;
}

void section_set_owner(struct section *sec, const struct section_owner *owner)
{
	pthread_mutex_lock(&sec->store->lock);
	sec->owner = *owner;
	pthread_mutex_unlock(&sec->store->lock);
	section_touch_ctime(sec);
}

void section_times(struct section *sec, int64_t *atime_ns, int64_t *mtime_ns, int64_t *ctime_ns)
{
	*atime_ns = atomic_load(&sec->atime_ns);
	*mtime_ns = atomic_load(&sec->mtime_ns);
	*ctime_ns = atomic_load(&sec->ctime_ns);
}

void section_set_times(struct section *sec, const int64_t *atime_ns, const int64_t *mtime_ns)
{
	if (atime_ns)
		atomic_store(&sec->atime_ns, *atime_ns);
	if (mtime_ns)
		atomic_store(&sec->mtime_ns, *mtime_ns);
	section_touch_ctime(sec);
}

void section_touch_ctime(struct section *sec)
{
	atomic_store(&sec->ctime_ns, core_now_ns());
}

static void touch_data(struct section *sec)
{
	int64_t now = core_now_ns();

	atomic_store(&sec->mtime_ns, now);
	atomic_store(&sec->ctime_ns, now);
}

void *section_host(struct section *sec) { return sec->host; }
void section_set_host(struct section *sec, void *host) { sec->host = host; }

int section_fd(struct section *sec)
{
	int fd;

	pthread_rwlock_rdlock(&sec->size_lock);
	fd = sec->fd;
	pthread_rwlock_unlock(&sec->size_lock);
	return fd;
}

/* ---- data ---- */

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

/* Changes the data's size under size_lock held for writing: charges or refunds the cap and
 * resizes the memfd (a backing file only ever grows). */
static uint32_t set_size_locked(struct section *sec, uint64_t size)
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
		if (size > (uint64_t)st.st_size && ftruncate(sec->fd, (off_t)size) < 0)
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
	err = bitmap_fit(sec, size);
	if (err)
		return err;
	atomic_store(&sec->size, size);
	if (size != old)
		touch_data(sec);
	return ERROR_SUCCESS;
}

uint64_t section_sync_size(struct section *sec)
{
	struct stat st;

	pthread_rwlock_wrlock(&sec->size_lock);
	if (sec->fd >= 0 && !sec->file_backed && fstat(sec->fd, &st) == 0 &&
	    (uint64_t)st.st_size != atomic_load(&sec->size)) {
		uint64_t size = (uint64_t)st.st_size, charge = round_to_page(size);
		if (charge > sec->charged)
			store_charge_anyway(sec->store, charge - sec->charged);
		else
			store_refund(sec->store, sec->charged - charge);
		sec->charged = charge;
		if (bitmap_fit(sec, size) == ERROR_SUCCESS)
			atomic_store(&sec->size, size);
		touch_data(sec);
	}
	pthread_rwlock_unlock(&sec->size_lock);
	return atomic_load(&sec->size);
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

static uint32_t write_error(int err)
{
	return err == ENOSPC || err == ENOMEM || err == EFBIG ? ERROR_NOT_ENOUGH_MEMORY
							       : winerr_from_errno(err);
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
	err = sized_first ? set_size_locked(sec, end) : bitmap_fit(sec, end);
	if (err)
		return err;
	e = pwrite_fully(sec->fd, buf, len, off, put);
	if (sized_first) {
		if (*put < len)   /* a failed write keeps nothing it did not write, the size included */
			set_size_locked(sec, off + *put > old ? off + *put : old);
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

uint32_t section_resize(struct section *sec, uint64_t size, const struct handle *by)
{
	unsigned others;
	uint32_t err;

	/* Both locks for the whole change, so no holder can appear between the E36 check and the
	 * cut (handle_open counts holders under store->lock). */
	pthread_mutex_lock(&sec->store->lock);
	others = sec->handles + sec->views - (by ? 1u : 0u);
	if (!sec->staged && !protect_allows_shared_write(sec->protect)) {
		pthread_mutex_unlock(&sec->store->lock);
		return ERROR_ACCESS_DENIED;
	}
	pthread_rwlock_wrlock(&sec->size_lock);
	if (size < atomic_load(&sec->size) && others > 0)
		err = ERROR_USER_MAPPED_FILE;                   /* E36 */
	else
		err = set_size_locked(sec, size);
	pthread_rwlock_unlock(&sec->size_lock);
	pthread_mutex_unlock(&sec->store->lock);
	return err;
}

uint32_t section_allocate(struct section *sec, uint64_t off, uint64_t len, bool keep_size)
{
	uint64_t end = off + len;
	uint32_t err = ERROR_SUCCESS;

	if (end < off || end > SECTION_SIZE_MAX)
		return ERROR_NOT_ENOUGH_MEMORY;
	pthread_mutex_lock(&sec->store->lock);
	if (!sec->staged && !protect_allows_shared_write(sec->protect)) {
		pthread_mutex_unlock(&sec->store->lock);
		return ERROR_ACCESS_DENIED;
	}
	pthread_rwlock_wrlock(&sec->size_lock);
	if (sec->fd < 0) {
		err = ERROR_FILE_NOT_FOUND;
	} else if (kernel_counts_pages(sec)) {
		if (!keep_size)
			err = check_pagefile_size(sec->store, end);
		if (!err && !keep_size && end > atomic_load(&sec->size))
			err = bitmap_fit(sec, end);
		/* tmpfs takes every page or none, and grows the size only when it took them all */
		if (!err && fallocate(sec->fd, keep_size ? FALLOC_FL_KEEP_SIZE : 0, (off_t)off,
				      (off_t)len) < 0)
			err = write_error(errno);
		if (!err && !keep_size && end > atomic_load(&sec->size)) {
			atomic_store(&sec->size, end);
			touch_data(sec);
		}
	} else if (!keep_size && end > atomic_load(&sec->size)) {
		err = set_size_locked(sec, end);   /* every byte is charged (or on disk) already */
	}
	pthread_rwlock_unlock(&sec->size_lock);
	pthread_mutex_unlock(&sec->store->lock);
	return err;
}

uint64_t section_blocks(struct section *sec)
{
	uint64_t blocks = (section_size(sec) + 511) / 512;
	struct stat st;

	pthread_rwlock_rdlock(&sec->size_lock);
	if (sec->fd >= 0 && kernel_counts_pages(sec) && fstat(sec->fd, &st) == 0)
		blocks = (uint64_t)st.st_blocks;
	pthread_rwlock_unlock(&sec->size_lock);
	return blocks;
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
			while (run < end && page_committed_locked(sec, run / WIN32_PAGE_SIZE))
				run += WIN32_PAGE_SIZE;
			if (run > at && fallocate(sec->fd, FALLOC_FL_KEEP_SIZE, (off_t)at,
						  (off_t)((run < end ? run : end) - at)) < 0)
				err = write_error(errno);
			at = run;
			while (at < end && !page_committed_locked(sec, at / WIN32_PAGE_SIZE))
				at += WIN32_PAGE_SIZE;
		}
	}
	pthread_rwlock_unlock(&sec->size_lock);
	return err;
}

/* ---- staged sections ---- */

void section_mark_staged(struct section *sec, bool staged)
{
	pthread_mutex_lock(&sec->store->lock);
	sec->staged = staged;
	pthread_mutex_unlock(&sec->store->lock);
}

uint32_t section_set_protect(struct section *sec, uint32_t flprotect)
{
	uint32_t page, attributes, err;

	pthread_mutex_lock(&sec->store->lock);
	if (!sec->staged) {
		err = ERROR_ACCESS_DENIED;
		goto out;
	}
	err = protect_parse(flprotect, sec->file_backed, &page, &attributes);
	if (err)
		goto out;
	pthread_rwlock_wrlock(&sec->size_lock);
	uint32_t old_attributes = sec->attributes;
	sec->attributes = attributes;
	err = bitmap_fit(sec, atomic_load(&sec->size));
	if (err) {
		sec->attributes = old_attributes;
	} else {
		sec->protect = page;
		if (!(attributes & SEC_RESERVE)) {
			/* no longer SEC_RESERVE: every page is committed (D33) */
			free(sec->committed);
			sec->committed = NULL;
			sec->committed_pages = 0;
		}
	}
	pthread_rwlock_unlock(&sec->size_lock);
out:
	pthread_mutex_unlock(&sec->store->lock);
	if (!err)
		section_touch_ctime(sec);
	return err;
}

uint32_t section_set_lifetime(struct section *sec, enum section_lifetime lifetime)
{
	uint32_t err = ERROR_ACCESS_DENIED;

	pthread_mutex_lock(&sec->store->lock);
	if (sec->staged) {
		sec->lifetime = lifetime;
		err = ERROR_SUCCESS;
	}
	pthread_mutex_unlock(&sec->store->lock);
	return err;
}

uint32_t section_attach_file(struct section *sec, int file_fd, unsigned file_access,
			     const char *file_path, uint64_t size)
{
	struct store *st = sec->store;
	uint32_t protect, attributes, err;
	enum section_lifetime lifetime;
	struct section_spec spec;
	char *path = NULL;
	bool unchanged;
	dev_t dev;
	ino_t ino;
	int fd;

	pthread_mutex_lock(&st->lock);
	unchanged = sec->staged && !sec->file_backed;
	protect = sec->protect;
	attributes = sec->attributes;
	lifetime = sec->lifetime;
	pthread_mutex_unlock(&st->lock);
	if (!unchanged)
		return ERROR_ACCESS_DENIED;

	/* The caller's file may be slow (a network or FUSE file): every system call on it happens
	 * with no lock held, so nothing else on the store waits for it. */
	err = section_spec_win32(protect | attributes, size, file_fd, file_access, lifetime, &spec);
	if (err)
		return err;
	if (file_path && !(path = strdup(file_path)))
		return ERROR_NOT_ENOUGH_MEMORY;
	err = open_backing(st, &spec, &fd);
	if (err) {
		free(path);
		return err;
	}
	file_identity(fd, true, &dev, &ino);

	pthread_mutex_lock(&st->lock);
	/* Published, attached or reprotected meanwhile: what was checked no longer holds. */
	unchanged = sec->staged && !sec->file_backed && sec->protect == protect &&
		    sec->attributes == attributes;
	if (unchanged) {
		pthread_rwlock_wrlock(&sec->size_lock);
		if (sec->fd >= 0)
			close(sec->fd);
		store_refund(st, sec->charged);
		sec->charged = 0;
		free(sec->committed);
		sec->committed = NULL;
		sec->committed_pages = 0;
		sec->fd = fd;
		sec->file_backed = true;
		sec->file_dev = dev;
		sec->file_ino = ino;
		sec->attributes = spec.attributes;
		free(sec->backing_path);
		sec->backing_path = path;
		atomic_store(&sec->size, spec.size);
		pthread_rwlock_unlock(&sec->size_lock);
	}
	pthread_mutex_unlock(&st->lock);
	if (!unchanged) {
		close(fd);
		free(path);
		return ERROR_ACCESS_DENIED;
	}
	touch_data(sec);
	return ERROR_SUCCESS;
}

/* ---- SEC_RESERVE ---- */

uint32_t section_commit(struct section *sec, uint64_t off, uint64_t len)
{
	uint32_t err = ERROR_SUCCESS;
	uint64_t end = off + len;

	pthread_rwlock_wrlock(&sec->size_lock);
	if (sec->file_backed)
		err = ERROR_ACCESS_DENIED;                      /* D34 */
	else if (end < off || end > atomic_load(&sec->size))
		err = ERROR_INVALID_PARAMETER;
	else if (sec->committed && len && kernel_counts_pages(sec) && sec->fd >= 0 &&
		 fallocate(sec->fd, FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) < 0)
		err = write_error(errno);   /* committed pages are taken from the cap now */
	else if (sec->committed && len)
		for (uint64_t p = off / WIN32_PAGE_SIZE; p <= (end - 1) / WIN32_PAGE_SIZE; p++)
			sec->committed[p / 8] |= (uint8_t)(1u << (p % 8));
	pthread_rwlock_unlock(&sec->size_lock);
	return err;
}

bool section_is_committed(struct section *sec, uint64_t off, uint64_t len)
{
	bool all = true;
	uint64_t end = off + len;

	pthread_rwlock_rdlock(&sec->size_lock);
	if (sec->committed && len) {
		all = end >= off;
		for (uint64_t p = off / WIN32_PAGE_SIZE; all && p <= (end - 1) / WIN32_PAGE_SIZE; p++)
			all = page_committed_locked(sec, p);
	}
	pthread_rwlock_unlock(&sec->size_lock);
	return all;
}
