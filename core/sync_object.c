/* One synchronization object's state machine: whether a waiter could take it, taking it, and
 * releasing mutexes and semaphores (H44-H53).  No locks of its own: sync.c calls it under the
 * store's sync_lock and decides who waits and who wakes. */
#include <stdlib.h>

#include "sync_internal.h"
#include "win32_constants.h"

uint32_t sync_spec_check(const struct sync_spec *spec)
{
	switch (spec->kind) {
	case OBJECT_EVENT:
	case OBJECT_MUTEX:
		return ERROR_SUCCESS;
	case OBJECT_SEMAPHORE:
		/* H53: CreateSemaphore(lInitialCount > lMaximumCount or lMaximumCount <= 0) */
		return spec->max >= 1 && spec->count <= spec->max ? ERROR_SUCCESS
								  : ERROR_INVALID_PARAMETER;
	default:
		return ERROR_INVALID_PARAMETER;
	}
}

struct sync_object *sync_object_new(const struct sync_spec *spec)
{
	struct sync_object *obj = calloc(1, sizeof(*obj));

	if (!obj)
		return NULL;
	obj->spec = *spec;
	if (spec->kind != OBJECT_EVENT)
		obj->spec.manual_reset = obj->spec.signaled = false;
	if (spec->kind != OBJECT_SEMAPHORE)
		obj->spec.count = obj->spec.max = 0;
	TAILQ_INIT(&obj->waiters);
	return obj;
}

bool sync_object_ready(const struct sync_object *obj, const struct sync_owner *who)
{
	switch (obj->spec.kind) {
	case OBJECT_EVENT:
		return obj->spec.signaled;
	case OBJECT_MUTEX:
		/* H50: recursive: its owner takes it again */
		return obj->recursion == 0 || obj->owner.id == who->id;
	case OBJECT_SEMAPHORE:
		return obj->spec.count > 0;
	default:
		return false;
	}
}

bool sync_object_take(struct sync_object *obj, const struct sync_owner *who)
{
	bool abandoned = false;

	switch (obj->spec.kind) {
	case OBJECT_EVENT:
		if (!obj->spec.manual_reset)
			obj->spec.signaled = false;   /* H48: the wait it ends resets it */
		break;
	case OBJECT_MUTEX:
		if (obj->recursion++ == 0) {
			obj->owner = *who;
			abandoned = obj->abandoned;   /* H52: told once, then owned as any other */
			obj->abandoned = false;
		}
		break;
	case OBJECT_SEMAPHORE:
		obj->spec.count--;
		break;
	default:
		break;
	}
	return abandoned;
}

uint32_t sync_object_release_mutex(struct sync_object *obj, const struct sync_owner *by)
{
	if (obj->spec.kind != OBJECT_MUTEX)
		return ERROR_INVALID_HANDLE;
	if (obj->recursion == 0 || obj->owner.id != by->id)
		return ERROR_NOT_OWNER;                  /* H51 */
	obj->recursion--;
	return ERROR_SUCCESS;
}

uint32_t sync_object_release_semaphore(struct sync_object *obj, uint32_t n, uint32_t *previous)
{
	if (obj->spec.kind != OBJECT_SEMAPHORE)
		return ERROR_INVALID_HANDLE;
	if (n == 0)
		return ERROR_INVALID_PARAMETER;
	if (n > obj->spec.max - obj->spec.count)
		return ERROR_TOO_MANY_POSTS;             /* H53: nothing changes */
	if (previous)
		*previous = obj->spec.count;
	obj->spec.count += n;
	return ERROR_SUCCESS;
}
