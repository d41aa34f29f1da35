/* Synchronization objects: named events, mutexes and semaphores, and waits on them.
 *
 * Windows keeps every named kernel object in one namespace (B13), so an object here is a
 * struct section of another kind, as Wine's objects share one header: its name, handles,
 * staging, lifetime (C20) and ownership are a section's; it has no data (size 0, no memfd,
 * nothing charged), only the state below.  Rules H44-H56 (docs/windows-rules.md) are decided
 * here: sync_object.c holds one object's state machine, sync.c the waits over objects.
 *
 * Locks: one lock over every object's state and every wait of a store (store->sync_lock), taken
 * after store->lock; so a wait for all of several objects takes them all at once or none, and no
 * partial acquisition is ever visible.  A wait's completion is reported through its callback
 * with no core lock held. */
#ifndef SECTIONFS_SYNC_H
#define SECTIONFS_SYNC_H

#include <stdbool.h>
#include <stdint.h>

struct store;
struct section;

/* What a named object is; the values are protocol.h's SECTIONFS_KIND_*. */
enum object_kind {
	OBJECT_SECTION = 0,
	OBJECT_EVENT = 1,
	OBJECT_MUTEX = 2,
	OBJECT_SEMAPHORE = 3,
};

/* What a new synchronization object is (section_spec.sync; kind OBJECT_SECTION: a section). */
struct sync_spec {
	enum object_kind kind;
	bool manual_reset;          /* events: reset only by ResetEvent (else by the wait it ends) */
	bool signaled;              /* events: the initial state */
	uint32_t count;             /* semaphores: the initial count, 0 <= count <= max */
	uint32_t max;               /* semaphores: >= 1 */
};

/* Who takes a mutex: `id` is the caller's (the daemon: a thread id, or a tag of an open file);
 * `pid` the process it belongs to, for display and for abandoning a dead process's mutexes. */
struct sync_owner {
	uint64_t id;
	uint32_t pid;
};

/* H44-H46: is spec a valid object?  ERROR_INVALID_PARAMETER for a semaphore whose max is 0 or
 * count above max, or an unknown kind. */
uint32_t sync_spec_check(const struct sync_spec *spec);

/* The kind of a section or object. */
enum object_kind section_kind(struct section *sec);

/* Makes a staged, empty, paging-file section (or a staged object nobody waits on or owns) the
 * object spec says.  ERROR_ACCESS_DENIED when it is published, file-backed or not empty, or
 * when spec asks for a section; ERROR_INVALID_PARAMETER (sync_spec_check);
 * ERROR_SHARING_VIOLATION while a wait is pending on it or a mutex is owned;
 * ERROR_NOT_ENOUGH_MEMORY. */
uint32_t sync_set_kind(struct section *sec, const struct sync_spec *spec);

/* What an object is now (sync_state).  ERROR_INVALID_HANDLE for a section. */
struct sync_state {
	struct sync_spec spec;      /* kind, manual_reset; signaled and count are now's */
	bool owned;                 /* mutexes */
	bool abandoned;             /* mutexes: its owner went; the next acquirer is told */
	struct sync_owner owner;    /* mutexes, when owned */
	uint32_t recursion;         /* mutexes: how many times the owner holds it */
	uint32_t waiters;           /* the waits pending on it now (one per wait, however many
				     * times the wait names it) */
};
uint32_t sync_state(struct section *sec, struct sync_state *out);

/* Would a wait by `who` on sec end at once (an event signaled, a mutex free or who's, a
 * semaphore above 0)?  False for a section. */
bool sync_is_ready(struct section *sec, const struct sync_owner *who);

/* Signals, each ERROR_INVALID_HANDLE on an object of another kind.
 * H47-H49: SetEvent releases every waiter of a manual-reset event, exactly one of an auto-reset
 * event (which stays signaled when none waits); ResetEvent; PulseEvent releases the waiters
 * there are now (all, or one for auto-reset) and leaves the event nonsignaled.
 * H51: ReleaseMutex by its owner (owner->id), one level of recursion; ERROR_NOT_OWNER otherwise.
 * H53: ReleaseSemaphore adds n (ERROR_INVALID_PARAMETER for 0); past the maximum,
 * ERROR_TOO_MANY_POSTS and nothing changes; *previous (when not NULL) gets the count before. */
uint32_t sync_event_set(struct section *sec);
uint32_t sync_event_reset(struct section *sec);
uint32_t sync_event_pulse(struct section *sec);
uint32_t sync_mutex_release(struct section *sec, const struct sync_owner *owner);
uint32_t sync_semaphore_release(struct section *sec, uint32_t n, uint32_t *previous);

/* H52: the owner went without releasing: a mutex of sec whose owner `gone` says is gone becomes
 * free and abandoned, and the next acquirer is told so (WAIT_ABANDONED).  True when it did. */
bool sync_mutex_abandon(struct section *sec, bool (*gone)(const struct sync_owner *owner,
							   void *ctx),
			void *ctx);

/* Called (no lock held) after a change that may let a wait on sec end without blocking (a set,
 * a release, an abandonment): for hosts whose clients poll.  Set before use. */
typedef void sync_ready_hook(void *ctx, struct section *sec);
void sync_set_ready_hook(struct store *st, sync_ready_hook *hook, void *ctx);

/* ---- waits (H54-H55) ---- */

/* sync_wait's answer when the wait was left pending: its callback will say how it ended. */
#define SYNC_WAIT_PENDING   0xFFFFFFF0u
/* A pending wait's end when sync_cancel() took it back: nothing was taken. */
#define SYNC_WAIT_CANCELLED 0xFFFFFFF1u

/* How a pending wait ended: WAIT_OBJECT_0 + i, WAIT_ABANDONED_0 + i, WAIT_TIMEOUT or
 * SYNC_WAIT_CANCELLED.  Called exactly once, with no core lock held, on the thread that ended
 * it (a signaller's, sync_expire's or sync_cancel's). */
typedef void sync_done_fn(void *ctx, uint32_t wait_result);

/* What SignalObjectAndWait signals before it waits (sync_wait_spec.signal_op). */
enum sync_signal {
	SYNC_SIGNAL_NONE = 0,
	SYNC_SIGNAL_SET_EVENT,          /* SetEvent */
	SYNC_SIGNAL_RELEASE_MUTEX,      /* ReleaseMutex by the wait's owner */
	SYNC_SIGNAL_RELEASE_SEMAPHORE,  /* ReleaseSemaphore(1) */
};

struct sync_wait_spec {
	struct section *const *objects;
	unsigned count;             /* 1..MAXIMUM_WAIT_OBJECTS */
	bool wait_all;
	struct sync_owner owner;    /* takes the mutexes */
	uint32_t timeout_ms;        /* 0: no waiting; INFINITE: none */
	uint64_t serial;            /* sync_serial(): how sync_cancel() names this wait */
	sync_done_fn *done;
	void *ctx;
	/* Asked under the store's sync lock just before the wait is left pending: true means it
	 * was cancelled already (a signal arrived), and sync_wait returns SYNC_WAIT_CANCELLED
	 * instead.  May be NULL. */
	bool (*cancelled)(void *ctx);
	/* SignalObjectAndWait: `signal` is signalled first, under the same lock as the wait is
	 * tried and queued, so whoever the signal wakes finds this wait already waiting. */
	enum sync_signal signal_op;
	struct section *signal;     /* with signal_op; the caller's reference */
};

/* A fresh serial for a wait, never 0. */
uint64_t sync_serial(struct store *st);

/* WaitForSingleObject / WaitForMultipleObjects: ends at once when it can (all objects taken
 * together for wait_all, else the first that can be, in order) with WAIT_OBJECT_0 + i or
 * WAIT_ABANDONED_0 + i (wait_all: + 0), or WAIT_TIMEOUT with timeout 0; else the wait is left
 * pending, waiters served first come first served, and SYNC_WAIT_PENDING returned: spec->done
 * is called once when it ends.  WAIT_FAILED with *err: ERROR_INVALID_PARAMETER (count 0 or
 * past MAXIMUM_WAIT_OBJECTS), ERROR_INVALID_HANDLE (a section, or an object twice in a
 * wait_all), ERROR_NOT_ENOUGH_MEMORY.  A pending wait holds references on its objects. */
uint32_t sync_wait(struct store *st, const struct sync_wait_spec *spec, uint32_t *err);
/* With spec->signal_op, the objects are checked, then the signal is done (ERROR_INVALID_HANDLE
 * for an object of another kind, ERROR_NOT_OWNER, ERROR_TOO_MANY_POSTS: WAIT_FAILED with
 * nothing waited for), then the wait goes on as above; a wait cancelled or timed out after
 * that keeps the signal done. */

/* Takes back the pending wait `serial`: true when it did (its callback has been called with
 * SYNC_WAIT_CANCELLED before this returns), false when it ended or was never pending. */
bool sync_cancel(struct store *st, uint64_t serial);

/* Ends the pending waits whose time is up with WAIT_TIMEOUT; returns when the next one's is
 * (CLOCK_MONOTONIC nanoseconds), or -1 when no pending wait has a timeout. */
int64_t sync_expire(struct store *st);

/* CLOCK_MONOTONIC now, in nanoseconds: the clock of wait timeouts. */
int64_t sync_now_ns(void);

#endif
