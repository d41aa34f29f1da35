/* Staged sections: made to be configured, then published under a name (ns_rename), they may
 * still change their protection, lifetime and backing.  Once published, all of that is fixed.
 *
 * Locks: store->lock for the staged flag and what it guards, then size_lock for writing where
 * the backing or the commit state changes.  A caller's file is asked with no lock held (it may
 * be slow: a network or FUSE file); what was checked is checked again under the locks. */
#include "section.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protect.h"
#include "section_internal.h"
#include "win32_constants.h"

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
	err = section_commit_fit_locked(sec, atomic_load(&sec->size));
	if (err) {
		sec->attributes = old_attributes;
	} else {
		sec->protect = page;
		if (!(attributes & SEC_RESERVE))
			section_commit_forget_locked(sec);   /* every page is committed now (D33) */
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

uint32_t section_set_origin(struct section *sec, const char *text)
{
	uint32_t err = ERROR_ACCESS_DENIED;
	char *copy;

	if (strlen(text) > SECTION_ORIGIN_MAX)
		return ERROR_INVALID_PARAMETER;
	for (const unsigned char *c = (const unsigned char *)text; *c; c++)
		if (*c < 0x20 || *c == 0x7F)
			return ERROR_INVALID_PARAMETER;   /* one line of text, shown as it is */
	copy = strdup(text);
	if (!copy)
		return ERROR_NOT_ENOUGH_MEMORY;
	pthread_mutex_lock(&sec->store->lock);
	if (sec->staged) {
		free(sec->origin);
		sec->origin = copy;
		copy = NULL;
		err = ERROR_SUCCESS;
	}
	pthread_mutex_unlock(&sec->store->lock);
	free(copy);
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
	unchanged = sec->staged && !sec->file_backed && sec->kind == OBJECT_SECTION;
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
	err = section_open_backing(st, &spec, &fd);
	if (err) {
		free(path);
		return err;
	}
	section_file_identity(fd, true, &dev, &ino);

	pthread_mutex_lock(&st->lock);
	/* Published, attached or reprotected meanwhile: what was checked no longer holds. */
	unchanged = sec->staged && !sec->file_backed && sec->kind == OBJECT_SECTION &&
		    sec->protect == protect && sec->attributes == attributes;
	if (unchanged) {
		pthread_rwlock_wrlock(&sec->size_lock);
		if (sec->fd >= 0)
			close(sec->fd);
		store_refund(st, sec->charged);
		sec->charged = 0;
		section_commit_forget_locked(sec);
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
