/* Waits on synchronization objects (H54-H55), the signals that end them (H47-H53), and a staged
 * section becoming an object.  One store-wide lock (store->sync_lock) covers every object's state
 * and every wait, so a wait for all of several objects takes them together or not at all, and
 * whoever ends a pending wait (a signal, its timeout, a cancel) is the only one: it is taken off
 * every queue under that lock.  Its callback is called after the lock is dropped.
 *
 * Fairness: an object's waiters queue in arrival order, and a change of its state offers it to
 * them in that order.  A pending wait is never one that could end: waits are tried when they
 * arrive and again at each change that could end them, and taking an object never lets another
 * wait end, so one pass over the changed object's queue ends every wait that can. */
#include "sync.h"

#include <stdlib.h>
#include <time.h>

#include "core_internal.h"
#include "section_internal.h"
#include "sync_internal.h"
#include "win32_constants.h"

struct sync_wait {
	LIST_ENTRY(sync_wait) in_pending;   /* sync_lock */
	struct sync_wait *next_ended;       /* in a batch of waits ended, to finish unlocked */
	uint64_t serial;                    /* fixed */
	int64_t deadline_ns;                /* fixed; CLOCK_MONOTONIC, 0: none */
	bool wait_all;                      /* fixed */
	unsigned count;                     /* fixed */
	struct sync_owner owner;            /* fixed */
	sync_done_fn *done;                 /* fixed */
	void *ctx;                          /* fixed */
	uint32_t result;                    /* set when it ends */
	struct sync_link links[];           /* one per object, in the order given */
};

/* Waits ended under sync_lock, finished (callbacks, references) once it is unlocked; and
 * whether the changed object can be taken now (the host is told, sync_ready_hook). */
struct ended {
	struct sync_wait *first, **last;
	struct section *ready;
};

#define ENDED_INIT(e) { NULL, &(e).first, NULL }

/* A mutex's other waiters: ids are never 0 (thread ids, tagged open files). */
static const struct sync_owner someone_else = { .id = 0 };

int64_t sync_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t sync_serial(struct store *st)
{
	return atomic_fetch_add(&st->sync_serials, 1) + 1;
}

void sync_set_ready_hook(struct store *st, sync_ready_hook *hook, void *ctx)
{
	st->ready_hook = hook;
	st->ready_ctx = ctx;
}

/* Under sync_lock: sec's state when it is an object of `kind` (OBJECT_SECTION: of any). */
static struct sync_object *object_locked(struct section *sec, enum object_kind kind)
{
	if (!sec->sync || (kind != OBJECT_SECTION && sec->kind != kind))
		return NULL;
	return sec->sync;
}

/* Under sync_lock: ends w with `result`, off every queue, into the batch. */
static void end_locked(struct store *st, struct sync_wait *w, uint32_t result, struct ended *e)
{
	(void)st;
	for (unsigned i = 0; i < w->count; i++) {
		struct sync_link *l = &w->links[i];
		if (l->queued)
			TAILQ_REMOVE(&l->sec->sync->waiters, l, in_object);
	}
	LIST_REMOVE(w, in_pending);
	w->result = result;
	w->next_ended = NULL;
	*e->last = w;
	e->last = &w->next_ended;
}

/* Unlocks sync_lock and finishes what ended under it: each callback, then the references the
 * waits held; the host hears of an object that can be taken now. */
static void unlock_ended(struct store *st, struct ended *e)
{
	struct sync_wait *w = e->first, *next;

	pthread_mutex_unlock(&st->sync_lock);
	for (; w; w = next) {
		next = w->next_ended;
		w->done(w->ctx, w->result);
		for (unsigned i = 0; i < w->count; i++)
			section_put(w->links[i].sec);
		free(w);
	}
	if (e->ready && st->ready_hook)
		st->ready_hook(st->ready_ctx, e->ready);
}

/* Under sync_lock: takes what w waits for if it can, all at once for wait_all (H55), else the
 * first object that can be taken (H54); the result, or SYNC_WAIT_PENDING. */
static uint32_t try_locked(struct sync_wait *w, struct section *const *objects)
{
	bool abandoned = false;

	if (!w->wait_all) {
		for (unsigned i = 0; i < w->count; i++) {
			struct sync_object *obj = objects[i]->sync;
			if (sync_object_ready(obj, &w->owner))
				return (sync_object_take(obj, &w->owner) ? WAIT_ABANDONED_0
									  : WAIT_OBJECT_0) + i;
		}
		return SYNC_WAIT_PENDING;
	}
	for (unsigned i = 0; i < w->count; i++)
		if (!sync_object_ready(objects[i]->sync, &w->owner))
			return SYNC_WAIT_PENDING;
	for (unsigned i = 0; i < w->count; i++)
		abandoned |= sync_object_take(objects[i]->sync, &w->owner);
	return abandoned ? WAIT_ABANDONED_0 : WAIT_OBJECT_0;
}

static uint32_t try_pending_locked(struct sync_wait *w)
{
	struct section *objects[MAXIMUM_WAIT_OBJECTS];

	for (unsigned i = 0; i < w->count; i++)
		objects[i] = w->links[i].sec;
	return try_locked(w, objects);
}

/* Under sync_lock: sec's state changed so that waits on it may end: offers it to its waiters in
 * the order they came, while it can still be taken by someone. */
static void wake_locked(struct store *st, struct section *sec, struct ended *e)
{
	struct sync_object *obj = sec->sync;
	struct sync_link *l, *next;

	for (l = TAILQ_FIRST(&obj->waiters); l; l = next) {
		uint32_t result;

		if (!sync_object_ready(obj, &someone_else))
			break;
		/* Ending l's wait takes only its own links off this queue, l alone among them. */
		next = TAILQ_NEXT(l, in_object);
		result = try_pending_locked(l->wait);
		if (result != SYNC_WAIT_PENDING)
			end_locked(st, l->wait, result, e);
	}
	if (sync_object_ready(obj, &someone_else))
		e->ready = sec;
}

/* ---- signals ---- */

/* Runs change(obj) under sync_lock on sec, an object of `kind`; waits it lets end are ended.
 * A pulse then makes the event nonsignaled again (H49: those waiting now went, nobody else). */
/* Under sync_lock: change(obj) on sec, an object of `kind`, and the waits it lets end into e;
 * a pulse then makes the event nonsignaled again. */
static uint32_t change_and_wake_locked(struct section *sec, enum object_kind kind,
				       uint32_t (*change)(struct sync_object *obj, void *arg),
				       void *arg, bool pulse, struct ended *e)
{
	struct sync_object *obj = object_locked(sec, kind);
	uint32_t err = obj ? change(obj, arg) : ERROR_INVALID_HANDLE;

	if (!err)
		wake_locked(sec->store, sec, e);
	if (obj && pulse) {
		obj->spec.signaled = false;
		e->ready = NULL;
	}
	return err;
}

static uint32_t change_and_wake(struct section *sec, enum object_kind kind,
				uint32_t (*change)(struct sync_object *obj, void *arg), void *arg,
				bool pulse)
{
	struct store *st = sec->store;
	struct ended e = ENDED_INIT(e);
	uint32_t err;

	pthread_mutex_lock(&st->sync_lock);
	err = change_and_wake_locked(sec, kind, change, arg, pulse, &e);
	unlock_ended(st, &e);
	return err;
}

static uint32_t set_signaled(struct sync_object *obj, void *arg)
{
	(void)arg;
	obj->spec.signaled = true;
	return ERROR_SUCCESS;
}

uint32_t sync_event_set(struct section *sec)
{
	return change_and_wake(sec, OBJECT_EVENT, set_signaled, NULL, false);
}

uint32_t sync_event_pulse(struct section *sec)
{
	return change_and_wake(sec, OBJECT_EVENT, set_signaled, NULL, true);
}

uint32_t sync_event_reset(struct section *sec)
{
	struct store *st = sec->store;
	struct sync_object *obj;

	pthread_mutex_lock(&st->sync_lock);
	obj = object_locked(sec, OBJECT_EVENT);
	if (obj)
		obj->spec.signaled = false;
	pthread_mutex_unlock(&st->sync_lock);
	return obj ? ERROR_SUCCESS : ERROR_INVALID_HANDLE;
}

static uint32_t release_mutex(struct sync_object *obj, void *arg)
{
	return sync_object_release_mutex(obj, arg);
}

uint32_t sync_mutex_release(struct section *sec, const struct sync_owner *owner)
{
	return change_and_wake(sec, OBJECT_MUTEX, release_mutex, (void *)owner, false);
}

struct semaphore_release {
	uint32_t n;
	uint32_t *previous;
};

static uint32_t release_semaphore(struct sync_object *obj, void *arg)
{
	struct semaphore_release *r = arg;

	return sync_object_release_semaphore(obj, r->n, r->previous);
}

uint32_t sync_semaphore_release(struct section *sec, uint32_t n, uint32_t *previous)
{
	struct semaphore_release r = { n, previous };

	return change_and_wake(sec, OBJECT_SEMAPHORE, release_semaphore, &r, false);
}

/* Under sync_lock: SignalObjectAndWait's signal (sync_wait_spec.signal_op). */
static uint32_t signal_locked(const struct sync_wait_spec *spec, struct ended *e)
{
	struct semaphore_release one = { 1, NULL };

	switch (spec->signal_op) {
	case SYNC_SIGNAL_SET_EVENT:
		return change_and_wake_locked(spec->signal, OBJECT_EVENT, set_signaled, NULL,
					      false, e);
	case SYNC_SIGNAL_RELEASE_MUTEX:
		return change_and_wake_locked(spec->signal, OBJECT_MUTEX, release_mutex,
					      (void *)&spec->owner, false, e);
	case SYNC_SIGNAL_RELEASE_SEMAPHORE:
		return change_and_wake_locked(spec->signal, OBJECT_SEMAPHORE, release_semaphore,
					      &one, false, e);
	default:
		return ERROR_INVALID_PARAMETER;
	}
}

struct abandon {
	bool (*gone)(const struct sync_owner *owner, void *ctx);
	void *ctx;
	bool done;
};

static uint32_t abandon_mutex(struct sync_object *obj, void *arg)
{
	struct abandon *a = arg;

	if (obj->recursion == 0 || !a->gone(&obj->owner, a->ctx))
		return ERROR_NOT_OWNER;
	obj->recursion = 0;
	obj->abandoned = true;                   /* H52 */
	a->done = true;
	return ERROR_SUCCESS;
}

bool sync_mutex_abandon(struct section *sec, bool (*gone)(const struct sync_owner *owner,
							   void *ctx),
			void *ctx)
{
	struct abandon a = { gone, ctx, false };

	change_and_wake(sec, OBJECT_MUTEX, abandon_mutex, &a, false);
	return a.done;
}

/* ---- state ---- */

uint32_t sync_state(struct section *sec, struct sync_state *out)
{
	struct store *st = sec->store;
	struct sync_object *obj;

	const struct sync_link *l;

	pthread_mutex_lock(&st->sync_lock);
	obj = object_locked(sec, OBJECT_SECTION);
	if (obj) {
		*out = (struct sync_state){
			.spec = obj->spec,
			.owned = obj->recursion > 0,
			.abandoned = obj->abandoned,
			.owner = obj->owner,
			.recursion = obj->recursion,
		};
		TAILQ_FOREACH(l, &obj->waiters, in_object)
			out->waiters++;
	}
	pthread_mutex_unlock(&st->sync_lock);
	return obj ? ERROR_SUCCESS : ERROR_INVALID_HANDLE;
}

bool sync_is_ready(struct section *sec, const struct sync_owner *who)
{
	struct store *st = sec->store;
	struct sync_object *obj;
	bool ready;

	pthread_mutex_lock(&st->sync_lock);
	obj = object_locked(sec, OBJECT_SECTION);
	ready = obj && sync_object_ready(obj, who);
	pthread_mutex_unlock(&st->sync_lock);
	return ready;
}

uint32_t sync_set_kind(struct section *sec, const struct sync_spec *spec)
{
	struct store *st = sec->store;
	struct sync_object *obj, *old = NULL;
	uint32_t err;

	if (spec->kind == OBJECT_SECTION)
		return ERROR_ACCESS_DENIED;   /* an object has no data to become a section with */
	err = sync_spec_check(spec);
	if (err)
		return err;
	obj = sync_object_new(spec);
	if (!obj)
		return ERROR_NOT_ENOUGH_MEMORY;
	pthread_mutex_lock(&st->lock);
	if (!sec->staged || sec->file_backed || atomic_load(&sec->size) != 0) {
		err = ERROR_ACCESS_DENIED;
		goto out;
	}
	pthread_mutex_lock(&st->sync_lock);
	if (sec->sync && (!TAILQ_EMPTY(&sec->sync->waiters) || sec->sync->recursion)) {
		err = ERROR_SHARING_VIOLATION;   /* what it is matters to someone already */
	} else {
		old = sec->sync;
		sec->sync = obj;
		sec->kind = spec->kind;
		obj = NULL;
	}
	pthread_mutex_unlock(&st->sync_lock);
	if (!err)
		section_drop_empty_data(sec);
out:
	pthread_mutex_unlock(&st->lock);
	free(obj);
	free(old);
	if (!err)
		section_touch_ctime(sec);
	return err;
}

/* ---- waits ---- */

/* Under sync_lock: may these objects be waited for together?  Sections cannot (B13: they are
 * never signaled), nor can one object be waited for twice in a wait for all. */
static uint32_t check_objects_locked(const struct sync_wait_spec *spec)
{
	for (unsigned i = 0; i < spec->count; i++) {
		if (!object_locked(spec->objects[i], OBJECT_SECTION))
			return ERROR_INVALID_HANDLE;
		for (unsigned j = 0; spec->wait_all && j < i; j++)
			if (spec->objects[j] == spec->objects[i])
				return ERROR_INVALID_HANDLE;
	}
	return ERROR_SUCCESS;
}

/* Under sync_lock: queues w on each of its objects (once each: a wait for any may name one
 * twice, and its first place is the one that counts) and among the pending waits. */
static void queue_locked(struct store *st, struct sync_wait *w, const struct sync_wait_spec *spec)
{
	for (unsigned i = 0; i < w->count; i++) {
		struct sync_link *l = &w->links[i];
		bool again = false;

		for (unsigned j = 0; j < i; j++)
			again |= spec->objects[j] == spec->objects[i];
		l->wait = w;
		l->sec = spec->objects[i];
		l->queued = !again;
		section_get(l->sec);
		if (l->queued)
			TAILQ_INSERT_TAIL(&l->sec->sync->waiters, l, in_object);
	}
	LIST_INSERT_HEAD(&st->sync_pending, w, in_pending);
}

uint32_t sync_wait(struct store *st, const struct sync_wait_spec *spec, uint32_t *err)
{
	struct ended e = ENDED_INIT(e);
	struct sync_wait *w;
	uint32_t result;

	*err = ERROR_SUCCESS;
	if (spec->count == 0 || spec->count > MAXIMUM_WAIT_OBJECTS) {
		*err = ERROR_INVALID_PARAMETER;
		return WAIT_FAILED;
	}
	w = calloc(1, sizeof(*w) + spec->count * sizeof(w->links[0]));
	if (!w) {
		*err = ERROR_NOT_ENOUGH_MEMORY;
		return WAIT_FAILED;
	}
	*w = (struct sync_wait){
		.serial = spec->serial,
		.wait_all = spec->wait_all,
		.count = spec->count,
		.owner = spec->owner,
		.done = spec->done,
		.ctx = spec->ctx,
	};
	if (spec->timeout_ms != INFINITE && spec->timeout_ms != 0)
		w->deadline_ns = sync_now_ns() + (int64_t)spec->timeout_ms * 1000000;

	pthread_mutex_lock(&st->sync_lock);
	*err = check_objects_locked(spec);
	if (!*err && spec->signal_op != SYNC_SIGNAL_NONE)
		*err = signal_locked(spec, &e);
	if (*err)
		result = WAIT_FAILED;
	else
		result = try_locked(w, spec->objects);
	if (result == SYNC_WAIT_PENDING && spec->timeout_ms == 0)
		result = WAIT_TIMEOUT;
	else if (result == SYNC_WAIT_PENDING && spec->cancelled && spec->cancelled(spec->ctx))
		result = SYNC_WAIT_CANCELLED;
	if (result == SYNC_WAIT_PENDING) {
		queue_locked(st, w, spec);
		w = NULL;
	}
	unlock_ended(st, &e);       /* the waits the signal ended: after this one is queued */
	free(w);
	return result;
}

bool sync_cancel(struct store *st, uint64_t serial)
{
	struct ended e = ENDED_INIT(e);
	struct sync_wait *w;

	pthread_mutex_lock(&st->sync_lock);
	LIST_FOREACH(w, &st->sync_pending, in_pending)
		if (w->serial == serial)
			break;
	if (w)
		end_locked(st, w, SYNC_WAIT_CANCELLED, &e);
	unlock_ended(st, &e);
	return w != NULL;
}

int64_t sync_expire(struct store *st)
{
	struct ended e = ENDED_INIT(e);
	struct sync_wait *w, *next;
	int64_t now = sync_now_ns(), soonest = -1;

	pthread_mutex_lock(&st->sync_lock);
	for (w = LIST_FIRST(&st->sync_pending); w; w = next) {
		next = LIST_NEXT(w, in_pending);
		if (!w->deadline_ns)
			continue;
		if (w->deadline_ns <= now)
			end_locked(st, w, WAIT_TIMEOUT, &e);
		else if (soonest < 0 || w->deadline_ns < soonest)
			soonest = w->deadline_ns;
	}
	unlock_ended(st, &e);
	return soonest;
}
