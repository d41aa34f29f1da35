/* Handles and views: the holders of a section as they come, their counts, their I/O and the
 * private overlays of copy-on-write writers.  A holder that goes, or turns into a view, is
 * lifetime.c's (C20-C21): it settles what goes with it, through namespace.c, which opens handles
 * here.
 *
 * Locks: store->lock for the counts and a holder's role (the _locked functions have it held);
 * I/O takes only what cow.c and section.c take. */
#include "handle.h"

#include <stdlib.h>

#include "core_internal.h"
#include "cow.h"
#include "protect.h"
#include "win32_constants.h"

struct handle {
	struct section *sec;        /* referenced */
	uint32_t access;            /* fixed */
	enum handle_role role;      /* store->lock */
	struct cow_overlay *cow;    /* fixed; NULL unless private */
};

uint32_t handle_open_locked(struct section *sec, uint32_t access, struct handle **out)
{
	struct handle *h;

	if (sec->destroyed)
		return ERROR_FILE_NOT_FOUND;
	h = calloc(1, sizeof(*h));
	if (!h)
		return ERROR_NOT_ENOUGH_MEMORY;
	/* D30: a writer of a published copy-on-write section writes into pages of its own */
	if ((access & FILE_MAP_WRITE) && !sec->staged && protect_is_copy_on_write(sec->protect)) {
		h->cow = cow_new(sec);
		if (!h->cow) {
			free(h);
			return ERROR_NOT_ENOUGH_MEMORY;
		}
	}
	h->sec = sec;
	h->access = access;
	h->role = HANDLE_ROLE_HANDLE;
	sec->handles++;
	section_get(sec);
	*out = h;
	return ERROR_SUCCESS;
}

uint32_t handle_open(struct section *sec, uint32_t access, struct handle **out)
{
	uint32_t err;

	pthread_mutex_lock(&sec->store->lock);
	err = handle_open_locked(sec, access, out);
	pthread_mutex_unlock(&sec->store->lock);
	return err;
}

uint32_t handle_move_locked(struct handle *h, enum handle_role role, bool handles_only)
{
	struct section *sec = h->sec;

	if (handles_only && h->role != HANDLE_ROLE_HANDLE)
		return ERROR_INVALID_PARAMETER;
	if (h->role == HANDLE_ROLE_HANDLE)
		sec->handles--;
	else if (h->role == HANDLE_ROLE_VIEW)
		sec->views--;
	h->role = role;
	if (role == HANDLE_ROLE_HANDLE)
		sec->handles++;
	else if (role == HANDLE_ROLE_VIEW)
		sec->views++;
	return ERROR_SUCCESS;
}

void handle_free(struct handle *h)
{
	if (h->cow)
		cow_free(h->cow);
	section_put(h->sec);
	free(h);
}

struct section *handle_section(const struct handle *h) { return h->sec; }
uint32_t handle_access(const struct handle *h) { return h->access; }
bool handle_is_private(const struct handle *h) { return h->cow != NULL; }

enum handle_role handle_role(const struct handle *h)
{
	enum handle_role role;

	pthread_mutex_lock(&h->sec->store->lock);
	role = h->role;
	pthread_mutex_unlock(&h->sec->store->lock);
	return role;
}

uint32_t handle_read(struct handle *h, void *buf, size_t len, uint64_t off, size_t *done)
{
	if (h->cow)
		return cow_read(h->cow, buf, len, off, done);
	return section_read(h->sec, buf, len, off, done);
}

uint32_t handle_write(struct handle *h, const void *buf, size_t len, uint64_t off, size_t *done)
{
	*done = 0;
	if (!(h->access & FILE_MAP_WRITE))
		return ERROR_ACCESS_DENIED;
	if (h->cow)
		return cow_write(h->cow, buf, len, off, done);
	return section_write(h->sec, buf, len, off, done);
}
