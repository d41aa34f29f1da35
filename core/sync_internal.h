/* What sync_object.c (one object's state machine) offers sync.c (waits over objects).  Every
 * field and function here is under the store's sync_lock. */
#ifndef SECTIONFS_SYNC_INTERNAL_H
#define SECTIONFS_SYNC_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "sync.h"

struct sync_wait;

/* One object of one pending wait: in the object's queue of waiters, first come first served. */
struct sync_link {
	TAILQ_ENTRY(sync_link) in_object;
	struct sync_wait *wait;
	struct section *sec;        /* referenced by the wait */
	bool queued;                /* in sec's queue: the first place sec has in the wait */
};

/* The state of an event, a mutex or a semaphore (section->sync). */
struct sync_object {
	struct sync_spec spec;      /* kind and manual_reset fixed; `signaled` and `count` change */
	struct sync_owner owner;    /* mutexes: valid while recursion > 0 */
	uint32_t recursion;         /* mutexes: 0 is free */
	bool abandoned;             /* mutexes: free since its owner went; told to the next taker */
	TAILQ_HEAD(, sync_link) waiters;
};

/* A new object's state as spec says (checked already); NULL with no memory.  Freed by free(). */
struct sync_object *sync_object_new(const struct sync_spec *spec);

/* Could `who` take the object now? */
bool sync_object_ready(const struct sync_object *obj, const struct sync_owner *who);

/* Takes it for `who` (sync_object_ready said yes): an auto-reset event resets, a mutex is owned
 * once more, a semaphore loses one.  True when a mutex was abandoned (WAIT_ABANDONED). */
bool sync_object_take(struct sync_object *obj, const struct sync_owner *who);

/* H51, H53 on the state alone (sync.h says the errors). */
uint32_t sync_object_release_mutex(struct sync_object *obj, const struct sync_owner *by);
uint32_t sync_object_release_semaphore(struct sync_object *obj, uint32_t n, uint32_t *previous);

#endif
