/* What the section files share: the size limit, page rounding and the questions each of them
 * asks, and what one of them offers the others, grouped by the file.  Each file implements part
 * of section.h, one concern each, and calls only into those listed before it:
 *   section_spec.c     A1-A10: what a creation request is
 *   section_commit.c   D33: which pages of a SEC_RESERVE section are committed
 *   section_backing.c  the descriptor behind the data, its size and its charge; letting it go
 *   section.c          the object: creation, references, what C20-C21 take, attributes
 *   section_io.c       reads and writes
 *   section_resize.c   sizes asked for, E36
 *   section_staging.c  what a staged section may still change
 * The fields they share are struct section's (core_internal.h), with the lock each needs. */
#ifndef SECTIONFS_SECTION_INTERNAL_H
#define SECTIONFS_SECTION_INTERNAL_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core_internal.h"
#include "errors.h"
#include "section.h"
#include "store.h"
#include "win32_constants.h"

/* Sizes past this cannot be an off_t, so no file or memfd can hold them (A7). */
#define SECTION_SIZE_MAX ((uint64_t)INT64_MAX - WIN32_PAGE_SIZE)

static inline uint64_t round_to_page(uint64_t size)
{
	return (size + WIN32_PAGE_SIZE - 1) & ~(uint64_t)(WIN32_PAGE_SIZE - 1);
}

/* Is this section's memory counted by the kernel, page by page (a tmpfs paging file)? */
static inline bool kernel_counts_pages(const struct section *sec)
{
	return !sec->file_backed && !store_counts_sizes(sec->store);
}

/* May a paging-file section be `size` bytes?  Never past the cap, whoever counts the pages: a
 * section bigger than the whole store could never be filled. */
static inline uint32_t check_pagefile_size(struct store *st, uint64_t size)
{
	return size > store_cap(st) ? ERROR_NOT_ENOUGH_MEMORY : ERROR_SUCCESS;
}

/* A failed write or fallocate(2): whatever ran out of room is the cap (A7). */
static inline uint32_t write_error(int err)
{
	return err == ENOSPC || err == ENOMEM || err == EFBIG ? ERROR_NOT_ENOUGH_MEMORY
							       : winerr_from_errno(err);
}

/* The data changed now. */
static inline void touch_data(struct section *sec)
{
	int64_t now = core_now_ns();

	atomic_store(&sec->mtime_ns, now);
	atomic_store(&sec->ctime_ns, now);
}

/* section_commit.c, under size_lock held for writing (for reading: page_committed).
 * commit_fit: the bitmap of a SEC_RESERVE paging-file section grows to cover `size` bytes, the
 * new pages uncommitted (ERROR_NOT_ENOUGH_MEMORY); nothing to do for other sections.
 * page_committed: is page p committed?  Every page is, but in a SEC_RESERVE section.
 * commit_forget: no bitmap any more: every page counts as committed, or the data is gone. */
uint32_t section_commit_fit_locked(struct section *sec, uint64_t size);
bool section_page_committed_locked(const struct section *sec, uint64_t p);
void section_commit_forget_locked(struct section *sec);

/* section_backing.c.  file_identity: the file a backing descriptor is (0, 0 for a memfd: no
 * file to ask about).  open_backing: a new descriptor for the data, a file of the paging file
 * sized to spec->size or a duplicate of the backing file grown when A5 says so; errors of the
 * cap or of the count of files are ERROR_NOT_ENOUGH_MEMORY.  set_size_locked, under size_lock
 * held for writing: charges or refunds the cap and resizes the memfd (a backing file only ever
 * grows).  release_data: frees the data now (C21), taking size_lock; where the kernel counts
 * pages the file may outlive our descriptor (FUSE passthrough holds it, as does every map made
 * through it), so its pages are dropped when nothing else has it, else at a later
 * section_trim(). */
void section_file_identity(int fd, bool file_backed, dev_t *dev, ino_t *ino);
uint32_t section_open_backing(struct store *st, const struct section_spec *spec, int *fd_out);
uint32_t section_set_size_locked(struct section *sec, uint64_t size);
void section_release_data(struct section *sec);
/* section_backing.c: an empty paging-file section that became a synchronization object has no
 * data any more: its descriptor goes (sync.c, under store->lock), its pages too once nothing
 * else has the file. */
void section_drop_empty_data(struct section *sec);

#endif
