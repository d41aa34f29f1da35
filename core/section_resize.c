/* Sizes asked for, and E36: no cut under another holder of a section, nor of a file below what
 * a section is over it (store_sections_over_file); a section whose pages may not change keeps its
 * size.  Also fallocate(2)'s reservation of pages.
 *
 * Locks: store->lock, then size_lock for writing, both held for the whole change, so that no
 * holder can appear between the E36 check and the cut; store->lock alone for the walk of every
 * name. */
#include "section.h"

#include <errno.h>
#include <fcntl.h>
#include <search.h>

#include "protect.h"
#include "section_internal.h"
#include "win32_constants.h"

/* Under store->lock: a published section whose pages may not change (READONLY, WRITECOPY and
 * their EXECUTE forms) keeps its size; a synchronization object has no data at all. */
static bool size_is_fixed_locked(const struct section *sec)
{
	return (!sec->staged && !protect_allows_shared_write(sec->protect)) ||
	       sec->kind != OBJECT_SECTION;
}

uint32_t section_resize(struct section *sec, uint64_t size, const struct handle *by)
{
	unsigned others;
	uint32_t err;

	/* Both locks for the whole change, so no holder can appear between the E36 check and the
	 * cut (handle_open counts holders under store->lock). */
	pthread_mutex_lock(&sec->store->lock);
	others = sec->handles + sec->views - (by ? 1u : 0u);
	if (size_is_fixed_locked(sec)) {
		pthread_mutex_unlock(&sec->store->lock);
		return ERROR_ACCESS_DENIED;
	}
	pthread_rwlock_wrlock(&sec->size_lock);
	if (size < atomic_load(&sec->size) && others > 0)
		err = ERROR_USER_MAPPED_FILE;                   /* E36 */
	else
		err = section_set_size_locked(sec, size);
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
	if (size_is_fixed_locked(sec)) {
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
			err = section_commit_fit_locked(sec, end);
		/* tmpfs takes every page or none, and grows the size only when it took them all */
		if (!err && fallocate(sec->fd, keep_size ? FALLOC_FL_KEEP_SIZE : 0, (off_t)off,
				      (off_t)len) < 0)
			err = write_error(errno);
		if (!err && !keep_size && end > atomic_load(&sec->size)) {
			atomic_store(&sec->size, end);
			touch_data(sec);
		}
	} else if (!keep_size && end > atomic_load(&sec->size)) {
		err = section_set_size_locked(sec, end);   /* every byte is charged (or on disk) already */
	}
	pthread_rwlock_unlock(&sec->size_lock);
	pthread_mutex_unlock(&sec->store->lock);
	return err;
}

struct file_walk {
	dev_t dev;
	ino_t ino;
	unsigned sections, writers;
};

static void section_over_file(const void *node, VISIT which, void *ctx)
{
	const struct section *sec = *(const struct section *const *)node;
	struct file_walk *w = ctx;

	if ((which == postorder || which == leaf) && sec->file_backed &&
	    sec->file_dev == w->dev && sec->file_ino == w->ino) {
		w->sections++;
		if (protect_allows_shared_write(sec->protect))
			w->writers++;
	}
}

static void sections_over_file_in(const void *node, VISIT which, void *ctx)
{
	const struct ns *ns = *(const struct ns *const *)node;

	if (which == postorder || which == leaf)
		twalk_r(ns->names, section_over_file, ctx);
}

unsigned store_sections_over_file(struct store *st, dev_t dev, ino_t ino, unsigned *writers)
{
	struct file_walk w = { dev, ino, 0, 0 };

	/* Named sections, staged ones included (Staging is among the sessions' namespaces): a
	 * section that lost its name with views still mapped is rare and short-lived (a temporary
	 * one whose handles all closed). */
	pthread_mutex_lock(&st->lock);
	twalk_r(st->global->names, section_over_file, &w);
	twalk_r(st->sessions, sections_over_file_in, &w);
	pthread_mutex_unlock(&st->lock);
	if (writers)
		*writers = w.writers;
	return w.sections;
}
