/* Section objects: creation, references, what C20-C21 take from a section (lifetime.c takes
 * it), and the section's attributes.  The rest of section.h is spread by concern over the
 * section*.c files that section_internal.h lists.
 *
 * Locks: store->lock for the holder counts, name, lifetime, protection and ownership; the times
 * and the size are atomic. */
#include "section.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "name.h"
#include "section_internal.h"
#include "sync_internal.h"
#include "win32_constants.h"

uint32_t section_new(struct store *st, const struct section_spec *spec,
		     const struct section_owner *owner, struct section **out)
{
	bool object = spec->sync.kind != OBJECT_SECTION;
	bool paging_file = spec->file_fd < 0;
	uint64_t charge = paging_file && !object ? round_to_page(spec->size) : 0;
	struct sync_object *sync = NULL;
	struct section *sec;
	uint32_t err;
	int fd = -1;

	if (object && ((err = sync_spec_check(&spec->sync)) || spec->size || !paging_file))
		return err ? err : ERROR_INVALID_PARAMETER;   /* objects hold no data */
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
		goto undo_count;
	err = ERROR_NOT_ENOUGH_MEMORY;
	sec = calloc(1, sizeof(*sec));
	if (!sec)
		goto undo_charge;
	if (spec->file_path && !(sec->backing_path = strdup(spec->file_path)))
		goto undo_alloc;
	if (object) {
		if (!(sync = sync_object_new(&spec->sync)))
			goto undo_alloc;
	} else if ((err = section_open_backing(st, spec, &fd))) {
		goto undo_alloc;
	}

	sec->id = store_next_section_id(st);
	sec->store = st;
	atomic_init(&sec->refs, 1);
	sec->lifetime = spec->lifetime;
	sec->protect = spec->protect;
	sec->attributes = spec->attributes;
	sec->kind = spec->sync.kind;
	sec->sync = sync;
	sec->owner = *owner;
	pthread_rwlock_init(&sec->size_lock, NULL);
	atomic_init(&sec->size, spec->size);
	sec->fd = fd;
	sec->dead_fd = -1;
	sec->counted = true;
	sec->file_backed = !paging_file;
	section_file_identity(fd, sec->file_backed, &sec->file_dev, &sec->file_ino);
	sec->charged = charge;
	int64_t now = core_now_ns();
	atomic_init(&sec->mtime_ns, now);
	atomic_init(&sec->ctime_ns, now);
	atomic_init(&sec->atime_ns, now);
	if (section_commit_fit_locked(sec, spec->size)) {
		err = ERROR_NOT_ENOUGH_MEMORY;
		goto undo_backing;
	}
	*out = sec;
	return ERROR_SUCCESS;

	/* Undone in reverse, from the step that failed on; each label names what it undoes. */
undo_backing:
	pthread_rwlock_destroy(&sec->size_lock);
	if (fd >= 0)
		close(fd);
	free(sync);
undo_alloc:
	free(sec->backing_path);
	free(sec);
undo_charge:
	store_refund(st, charge);
undo_count:
	store_section_gone(st);
	return err;
}

void section_get(struct section *sec)
{
	unsigned before = atomic_fetch_add(&sec->refs, 1);

	assert(before > 0 && "section_get on a freed section");
	(void)before;
}

void section_put(struct section *sec)
{
	unsigned before = atomic_fetch_sub(&sec->refs, 1);

	assert(before > 0 && "section_put without a reference");
	if (before != 1)
		return;
	assert(!sec->name && sec->handles == 0 && sec->views == 0);
	section_release_data(sec);
	if (sec->dead_fd >= 0)
		close(sec->dead_fd);
	pthread_rwlock_destroy(&sec->size_lock);
	free(sec->backing_path);
	free(sec->origin);
	free(sec->sync);   /* no wait is left: each held a reference */
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
	section_release_data(sec);
}

/* ---- attributes ---- */

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
LOCKED_GETTER(enum object_kind, section_kind, sec->kind)

void section_holders(struct section *sec, unsigned *handles, unsigned *views)
{
	pthread_mutex_lock(&sec->store->lock);
	*handles = sec->handles;
	*views = sec->views;
	pthread_mutex_unlock(&sec->store->lock);
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

void *section_host(struct section *sec) { return sec->host; }
void section_set_host(struct section *sec, void *host) { sec->host = host; }
