/* Events, mutexes and semaphores: rules H44-H56 and B13 for them.  Each test makes objects in a
 * store's global namespace, leaves waits pending with a callback that records how they ended,
 * and signals; the store must give everything back at the end (fixture_store_done). */
#include <CUnit/CUnit.h>

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "cunit_main.h"
#include "fixture.h"
#include "handle.h"
#include "namespace.h"
#include "section.h"
#include "store.h"
#include "sync.h"
#include "win32_constants.h"

static struct store *st;
static struct section_owner owner;

void suite_setup(void)
{
	st = fixture_store(1 << 20);
	owner = fixture_owner(0600);
}

void suite_teardown(void)
{
	fixture_store_done(&st);
}

/* How a pending wait ended. */
struct seen {
	atomic_int calls;
	_Atomic uint32_t result;
};

static void record(void *ctx, uint32_t result)
{
	struct seen *s = ctx;

	atomic_store(&s->result, result);
	atomic_fetch_add(&s->calls, 1);
}

static const struct sync_owner alice = { .id = 101, .pid = 100 };
static const struct sync_owner bob = { .id = 201, .pid = 200 };
static const struct sync_owner carol = { .id = 301, .pid = 300 };

static struct handle *make(const char *name, struct sync_spec sync)
{
	struct section_spec spec = section_spec_default(SECTION_TEMPORARY);
	struct handle *h = NULL;
	bool existed;

	spec.sync = sync;
	CU_ASSERT_EQUAL_FATAL(ns_create(store_global(st), name, &spec, &owner, NS_CREATE_NEW,
					FILE_MAP_READ, &h, &existed), ERROR_SUCCESS);
	return h;
}

static struct handle *event(const char *name, bool manual, bool signaled)
{
	return make(name, (struct sync_spec){ .kind = OBJECT_EVENT, .manual_reset = manual,
					      .signaled = signaled });
}

static struct handle *mutex(const char *name)
{
	return make(name, (struct sync_spec){ .kind = OBJECT_MUTEX });
}

static struct handle *semaphore(const char *name, uint32_t count, uint32_t max)
{
	return make(name, (struct sync_spec){ .kind = OBJECT_SEMAPHORE, .count = count,
					      .max = max });
}

static struct section *sec_of(struct handle *h)
{
	return handle_section(h);
}

/* A wait by `who` on objects[0..n), all or any, with timeout_ms; pending ones report to s. */
static uint32_t wait_on(struct section *const *objects, unsigned n, bool all,
			const struct sync_owner *who, uint32_t timeout_ms, struct seen *s,
			uint64_t *serial)
{
	uint32_t err;
	uint64_t id = sync_serial(st);
	struct sync_wait_spec spec = {
		.objects = objects, .count = n, .wait_all = all, .owner = *who,
		.timeout_ms = timeout_ms, .serial = id, .done = record, .ctx = s,
	};
	uint32_t r = sync_wait(st, &spec, &err);

	if (serial)
		*serial = id;
	if (r == WAIT_FAILED)
		atomic_store(&s->result, err);
	return r;
}

static uint32_t wait_one(struct handle *h, const struct sync_owner *who, uint32_t timeout_ms,
			 struct seen *s)
{
	struct section *sec = sec_of(h);

	return wait_on(&sec, 1, false, who, timeout_ms, s, NULL);
}

static void test_H44_semaphore_spec_checked(void)
{
	struct section_spec spec = section_spec_default(SECTION_TEMPORARY);
	struct handle *h;
	bool existed;

	spec.sync = (struct sync_spec){ .kind = OBJECT_SEMAPHORE, .count = 3, .max = 2 };
	CU_ASSERT_EQUAL(ns_create(store_global(st), "S", &spec, &owner, NS_CREATE_NEW,
				  FILE_MAP_READ, &h, &existed), ERROR_INVALID_PARAMETER);
	spec.sync.count = spec.sync.max = 0;
	CU_ASSERT_EQUAL(ns_create(store_global(st), "S", &spec, &owner, NS_CREATE_NEW,
				  FILE_MAP_READ, &h, &existed), ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ns_count(store_global(st)), 0);
}

static void test_objects_hold_no_data(void)
{
	struct handle *e = event("E", true, false), *s = semaphore("S", 1, 5);

	CU_ASSERT_EQUAL(section_size(sec_of(e)), 0);
	CU_ASSERT_EQUAL(section_fd(sec_of(e)), -1);
	CU_ASSERT_EQUAL(store_used(st), 0);
	CU_ASSERT_EQUAL(section_kind(sec_of(e)), OBJECT_EVENT);
	CU_ASSERT_EQUAL(section_kind(sec_of(s)), OBJECT_SEMAPHORE);
	CU_ASSERT_EQUAL(section_resize(sec_of(e), 4096, e), ERROR_ACCESS_DENIED);
	handle_close(e);
	handle_close(s);
	CU_ASSERT_EQUAL(ns_count(store_global(st)), 0);   /* temporary: the name went (C20) */
}

static void test_B13_one_namespace_for_every_kind(void)
{
	struct section_spec spec = section_spec_default(SECTION_TEMPORARY);
	struct handle *e = event("E", true, false), *h = NULL, *again = NULL;
	bool existed;

	CU_ASSERT_EQUAL(ns_create(store_global(st), "E", &spec, &owner, NS_OPEN_IF_EXISTS,
				  FILE_MAP_READ, &h, &existed), ERROR_INVALID_HANDLE);
	spec.sync = (struct sync_spec){ .kind = OBJECT_MUTEX };
	CU_ASSERT_EQUAL(ns_create(store_global(st), "E", &spec, &owner, NS_OPEN_IF_EXISTS,
				  FILE_MAP_READ, &h, &existed), ERROR_INVALID_HANDLE);
	spec.sync = (struct sync_spec){ .kind = OBJECT_EVENT };
	CU_ASSERT_EQUAL_FATAL(ns_create(store_global(st), "E", &spec, &owner, NS_OPEN_IF_EXISTS,
					FILE_MAP_READ, &again, &existed), ERROR_SUCCESS);
	CU_ASSERT_TRUE(existed);
	CU_ASSERT_PTR_EQUAL(handle_section(again), sec_of(e));
	handle_close(again);
	/* and a section's name is no event's */
	spec = section_spec_default(SECTION_TEMPORARY);
	spec.size = 4096;
	CU_ASSERT_EQUAL_FATAL(ns_create(store_global(st), "Sec", &spec, &owner, NS_CREATE_NEW,
					FILE_MAP_READ, &h, &existed), ERROR_SUCCESS);
	spec.sync = (struct sync_spec){ .kind = OBJECT_EVENT };
	spec.size = 0;
	CU_ASSERT_EQUAL(ns_create(store_global(st), "Sec", &spec, &owner, NS_OPEN_IF_EXISTS,
				  FILE_MAP_READ, &again, &existed), ERROR_INVALID_HANDLE);
	handle_close(h);
	handle_close(e);
}

static void test_H47_manual_event_releases_every_waiter_and_stays_set(void)
{
	struct handle *e = event("E", true, false);
	struct seen s[3] = { 0 };
	struct seen now = { 0 };

	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(wait_one(e, &alice, INFINITE, &s[i]), SYNC_WAIT_PENDING);
	CU_ASSERT_EQUAL(sync_event_set(sec_of(e)), ERROR_SUCCESS);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(s[i].calls, 1);
		CU_ASSERT_EQUAL(s[i].result, WAIT_OBJECT_0);
	}
	CU_ASSERT_EQUAL(wait_one(e, &bob, 0, &now), WAIT_OBJECT_0);   /* still set */
	CU_ASSERT_EQUAL(sync_event_reset(sec_of(e)), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(wait_one(e, &bob, 0, &now), WAIT_TIMEOUT);
	handle_close(e);
}

static void test_H48_auto_event_releases_exactly_one_waiter_per_set(void)
{
	struct handle *e = event("E", false, false);
	struct seen s[3] = { 0 };
	struct seen now = { 0 };
	struct sync_state state;

	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(wait_one(e, &alice, INFINITE, &s[i]), SYNC_WAIT_PENDING);
	for (int set = 1; set <= 3; set++) {
		CU_ASSERT_EQUAL(sync_event_set(sec_of(e)), ERROR_SUCCESS);
		/* first come, first served: the set-th waiter and no other */
		for (int i = 0; i < 3; i++)
			CU_ASSERT_EQUAL(s[i].calls, i < set ? 1 : 0);
		CU_ASSERT_EQUAL(sync_state(sec_of(e), &state), ERROR_SUCCESS);
		CU_ASSERT_FALSE(state.spec.signaled);   /* the wait it ended reset it */
	}
	/* with nobody waiting it stays set until one wait takes it */
	CU_ASSERT_EQUAL(sync_event_set(sec_of(e)), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(wait_one(e, &bob, 0, &now), WAIT_OBJECT_0);
	CU_ASSERT_EQUAL(wait_one(e, &bob, 0, &now), WAIT_TIMEOUT);
	handle_close(e);
}

static void test_H49_pulse_releases_current_waiters_and_leaves_it_unset(void)
{
	struct handle *m = event("M", true, false), *a = event("A", false, false);
	struct seen sm[2] = { 0 }, sa[2] = { 0 }, now = { 0 };
	struct sync_state state;

	/* nobody waits: nothing changes */
	CU_ASSERT_EQUAL(sync_event_pulse(sec_of(m)), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(wait_one(m, &bob, 0, &now), WAIT_TIMEOUT);
	for (int i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(wait_one(m, &alice, INFINITE, &sm[i]), SYNC_WAIT_PENDING);
		CU_ASSERT_EQUAL(wait_one(a, &alice, INFINITE, &sa[i]), SYNC_WAIT_PENDING);
	}
	CU_ASSERT_EQUAL(sync_state(sec_of(m), &state), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(state.waiters, 2);                               /* who a pulse finds */
	CU_ASSERT_EQUAL(sync_event_pulse(sec_of(m)), ERROR_SUCCESS);   /* manual: all */
	CU_ASSERT_EQUAL(sm[0].calls + sm[1].calls, 2);
	CU_ASSERT_EQUAL(sync_state(sec_of(m), &state), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(state.waiters, 0);
	CU_ASSERT_EQUAL(wait_one(m, &bob, 0, &now), WAIT_TIMEOUT);
	CU_ASSERT_EQUAL(sync_event_pulse(sec_of(a)), ERROR_SUCCESS);   /* auto: one */
	CU_ASSERT_EQUAL(sa[0].calls, 1);
	CU_ASSERT_EQUAL(sa[1].calls, 0);
	CU_ASSERT_EQUAL(sync_state(sec_of(a), &state), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(state.waiters, 1);
	CU_ASSERT_EQUAL(wait_one(a, &bob, 0, &now), WAIT_TIMEOUT);
	CU_ASSERT_EQUAL(sync_event_set(sec_of(a)), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(sa[1].calls, 1);
	handle_close(m);
	handle_close(a);
}

static void test_H50_mutex_is_recursive_for_its_owner(void)
{
	struct handle *m = mutex("M");
	struct seen now = { 0 }, other = { 0 };
	struct sync_state state;

	CU_ASSERT_EQUAL(wait_one(m, &alice, 0, &now), WAIT_OBJECT_0);
	CU_ASSERT_EQUAL(wait_one(m, &alice, 0, &now), WAIT_OBJECT_0);
	CU_ASSERT_EQUAL(sync_state(sec_of(m), &state), ERROR_SUCCESS);
	CU_ASSERT_TRUE(state.owned);
	CU_ASSERT_EQUAL(state.owner.pid, alice.pid);
	CU_ASSERT_EQUAL(state.recursion, 2);
	CU_ASSERT_EQUAL(wait_one(m, &bob, INFINITE, &other), SYNC_WAIT_PENDING);
	CU_ASSERT_EQUAL(sync_mutex_release(sec_of(m), &alice), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(other.calls, 0);                 /* held once more */
	CU_ASSERT_EQUAL(sync_mutex_release(sec_of(m), &alice), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(other.calls, 1);
	CU_ASSERT_EQUAL(other.result, WAIT_OBJECT_0);
	CU_ASSERT_EQUAL(sync_mutex_release(sec_of(m), &bob), ERROR_SUCCESS);
	handle_close(m);
}

static void test_H51_only_the_owner_releases_a_mutex(void)
{
	struct handle *m = mutex("M");
	struct seen now = { 0 };

	CU_ASSERT_EQUAL(sync_mutex_release(sec_of(m), &alice), ERROR_NOT_OWNER);   /* free */
	CU_ASSERT_EQUAL(wait_one(m, &alice, 0, &now), WAIT_OBJECT_0);
	CU_ASSERT_EQUAL(sync_mutex_release(sec_of(m), &bob), ERROR_NOT_OWNER);
	CU_ASSERT_EQUAL(wait_one(m, &bob, 0, &now), WAIT_TIMEOUT);          /* still alice's */
	CU_ASSERT_EQUAL(sync_mutex_release(sec_of(m), &alice), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(sync_mutex_release(sec_of(m), &alice), ERROR_NOT_OWNER);
	CU_ASSERT_EQUAL(sync_event_set(sec_of(m)), ERROR_INVALID_HANDLE);   /* no event */
	handle_close(m);
}

static bool owner_pid_is(const struct sync_owner *o, void *ctx)
{
	return o->pid == *(uint32_t *)ctx;
}

static void test_H52_abandoned_mutex_goes_to_the_next_waiter_told_so(void)
{
	struct handle *m = mutex("M");
	struct seen now = { 0 }, next = { 0 }, third = { 0 };
	struct sync_state state;
	uint32_t pid = alice.pid, other = carol.pid;

	CU_ASSERT_EQUAL(wait_one(m, &alice, 0, &now), WAIT_OBJECT_0);
	CU_ASSERT_EQUAL(wait_one(m, &bob, INFINITE, &next), SYNC_WAIT_PENDING);
	CU_ASSERT_FALSE(sync_mutex_abandon(sec_of(m), owner_pid_is, &other));   /* not its owner */
	CU_ASSERT_EQUAL(next.calls, 0);
	CU_ASSERT_TRUE(sync_mutex_abandon(sec_of(m), owner_pid_is, &pid));
	CU_ASSERT_EQUAL(next.calls, 1);
	CU_ASSERT_EQUAL(next.result, WAIT_ABANDONED_0);
	/* then bob owns it as any owner: others wait, and are not told again */
	CU_ASSERT_EQUAL(wait_one(m, &carol, INFINITE, &third), SYNC_WAIT_PENDING);
	CU_ASSERT_EQUAL(sync_mutex_release(sec_of(m), &bob), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(third.result, WAIT_OBJECT_0);
	CU_ASSERT_EQUAL(sync_mutex_release(sec_of(m), &carol), ERROR_SUCCESS);
	/* abandoned with nobody waiting: the state says so until someone takes it */
	CU_ASSERT_EQUAL(wait_one(m, &alice, 0, &now), WAIT_OBJECT_0);
	CU_ASSERT_TRUE(sync_mutex_abandon(sec_of(m), owner_pid_is, &pid));
	CU_ASSERT_EQUAL(sync_state(sec_of(m), &state), ERROR_SUCCESS);
	CU_ASSERT_TRUE(state.abandoned);
	CU_ASSERT_FALSE(state.owned);
	CU_ASSERT_EQUAL(wait_one(m, &bob, 0, &now), WAIT_ABANDONED_0);
	CU_ASSERT_EQUAL(sync_mutex_release(sec_of(m), &bob), ERROR_SUCCESS);
	handle_close(m);
}

static void test_H53_semaphore_counts_and_refuses_overflow(void)
{
	struct handle *s = semaphore("S", 1, 2);
	struct seen now = { 0 }, waiter = { 0 };
	struct sync_state state;
	uint32_t previous = 99;

	CU_ASSERT_EQUAL(wait_one(s, &alice, 0, &now), WAIT_OBJECT_0);
	CU_ASSERT_EQUAL(wait_one(s, &alice, 0, &now), WAIT_TIMEOUT);
	CU_ASSERT_EQUAL(wait_one(s, &bob, INFINITE, &waiter), SYNC_WAIT_PENDING);
	CU_ASSERT_EQUAL(sync_semaphore_release(sec_of(s), 2, &previous), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(previous, 0);
	CU_ASSERT_EQUAL(waiter.calls, 1);                 /* took one of the two */
	previous = 99;
	CU_ASSERT_EQUAL(sync_semaphore_release(sec_of(s), 2, &previous), ERROR_TOO_MANY_POSTS);
	CU_ASSERT_EQUAL(previous, 99);                    /* nothing changed, nothing said */
	CU_ASSERT_EQUAL(sync_state(sec_of(s), &state), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(state.spec.count, 1);
	CU_ASSERT_EQUAL(state.spec.max, 2);
	CU_ASSERT_EQUAL(sync_semaphore_release(sec_of(s), 0, NULL), ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(sync_semaphore_release(sec_of(s), UINT32_MAX, NULL), ERROR_TOO_MANY_POSTS);
	CU_ASSERT_EQUAL(sync_semaphore_release(sec_of(s), 1, &previous), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(previous, 1);
	handle_close(s);
}

static void test_H54_wait_any_takes_the_first_that_can_be_taken(void)
{
	struct handle *a = event("A", false, false), *b = event("B", false, true),
		      *c = event("C", false, true);
	struct section *objects[4] = { sec_of(a), sec_of(b), sec_of(c), sec_of(a) };
	struct seen s = { 0 };

	CU_ASSERT_EQUAL(wait_on(objects, 3, false, &alice, 0, &s, NULL), WAIT_OBJECT_0 + 1);
	CU_ASSERT_EQUAL(wait_on(objects, 3, false, &alice, 0, &s, NULL), WAIT_OBJECT_0 + 2);
	CU_ASSERT_EQUAL(wait_on(objects, 3, false, &alice, 0, &s, NULL), WAIT_TIMEOUT);
	/* one object twice in a wait for any is allowed; its first place answers */
	CU_ASSERT_EQUAL(wait_on(objects, 4, false, &alice, INFINITE, &s, NULL), SYNC_WAIT_PENDING);
	CU_ASSERT_EQUAL(sync_event_set(sec_of(a)), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(s.calls, 1);
	CU_ASSERT_EQUAL(s.result, WAIT_OBJECT_0);
	handle_close(a);
	handle_close(b);
	handle_close(c);
}

static void test_H55_wait_all_takes_all_at_once_or_none(void)
{
	struct handle *m = mutex("M"), *e = event("E", false, false), *s = semaphore("S", 1, 1);
	struct section *objects[3] = { sec_of(m), sec_of(e), sec_of(s) };
	struct seen all = { 0 }, now = { 0 };
	struct sync_state state;

	CU_ASSERT_EQUAL(wait_on(objects, 3, true, &alice, INFINITE, &all, NULL), SYNC_WAIT_PENDING);
	/* nothing is held meanwhile: the mutex and the semaphore are free to anyone */
	CU_ASSERT_EQUAL(sync_state(sec_of(m), &state), ERROR_SUCCESS);
	CU_ASSERT_FALSE(state.owned);
	CU_ASSERT_EQUAL(state.waiters, 1);                /* the wait-all waits on each */
	CU_ASSERT_EQUAL(wait_one(m, &bob, 0, &now), WAIT_OBJECT_0);
	CU_ASSERT_EQUAL(wait_one(s, &bob, 0, &now), WAIT_OBJECT_0);
	CU_ASSERT_EQUAL(sync_event_set(sec_of(e)), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(all.calls, 0);                    /* bob holds two of them */
	CU_ASSERT_EQUAL(sync_state(sec_of(e), &state), ERROR_SUCCESS);
	CU_ASSERT_TRUE(state.spec.signaled);              /* not consumed by a partial wait */
	CU_ASSERT_EQUAL(sync_mutex_release(sec_of(m), &bob), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(all.calls, 0);
	CU_ASSERT_EQUAL(sync_semaphore_release(sec_of(s), 1, NULL), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(all.calls, 1);
	CU_ASSERT_EQUAL(all.result, WAIT_OBJECT_0);
	/* all three taken together */
	CU_ASSERT_EQUAL(sync_state(sec_of(m), &state), ERROR_SUCCESS);
	CU_ASSERT_TRUE(state.owned && state.owner.id == alice.id);
	CU_ASSERT_EQUAL(sync_state(sec_of(e), &state), ERROR_SUCCESS);
	CU_ASSERT_FALSE(state.spec.signaled);
	CU_ASSERT_EQUAL(sync_state(sec_of(s), &state), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(state.spec.count, 0);
	CU_ASSERT_EQUAL(sync_mutex_release(sec_of(m), &alice), ERROR_SUCCESS);
	handle_close(m);
	handle_close(e);
	handle_close(s);
}

static void test_H55_wait_all_reports_an_abandoned_mutex(void)
{
	struct handle *m = mutex("M"), *e = event("E", true, true);
	struct section *objects[2] = { sec_of(e), sec_of(m) };
	struct seen now = { 0 };
	uint32_t pid = bob.pid;

	CU_ASSERT_EQUAL(wait_one(m, &bob, 0, &now), WAIT_OBJECT_0);
	CU_ASSERT_TRUE(sync_mutex_abandon(sec_of(m), owner_pid_is, &pid));
	CU_ASSERT_EQUAL(wait_on(objects, 2, true, &alice, 0, &now, NULL), WAIT_ABANDONED_0);
	CU_ASSERT_EQUAL(sync_mutex_release(sec_of(m), &alice), ERROR_SUCCESS);
	handle_close(m);
	handle_close(e);
}

/* SignalObjectAndWait: a wait by `who` on `on` that first does `op` to `signal`. */
static uint32_t signal_and_wait(struct handle *signal, enum sync_signal op, struct handle *on,
				const struct sync_owner *who, uint32_t timeout_ms, struct seen *s)
{
	struct section *sec = sec_of(on);
	uint32_t err;
	struct sync_wait_spec spec = {
		.objects = &sec, .count = 1, .owner = *who, .timeout_ms = timeout_ms,
		.serial = sync_serial(st), .done = record, .ctx = s,
		.signal_op = op, .signal = sec_of(signal),
	};
	uint32_t r = sync_wait(st, &spec, &err);

	if (r == WAIT_FAILED)
		atomic_store(&s->result, err);
	return r;
}

/* Whom the signal woke pulses the event the signaller waits on: the pulse must find that wait
 * already waiting (what a signal followed by a separate wait cannot promise). */
struct pulse_on_wake {
	struct seen seen;
	struct section *event;
};

static void pulse_when_woken(void *ctx, uint32_t result)
{
	struct pulse_on_wake *p = ctx;

	record(&p->seen, result);
	sync_event_pulse(p->event);
}

static void test_H56_signal_and_wait_is_one_step(void)
{
	struct handle *m = mutex("M"), *e = event("E", false, false), *s = semaphore("S", 1, 1);
	struct pulse_on_wake woken = { .event = sec_of(e) };
	struct section *msec = sec_of(m);
	struct seen mine = { 0 }, now = { 0 };
	struct sync_state state;
	uint32_t err;
	struct sync_wait_spec bobs = {
		.objects = &msec, .count = 1, .owner = bob, .timeout_ms = INFINITE,
		.serial = sync_serial(st), .done = pulse_when_woken, .ctx = &woken,
	};

	CU_ASSERT_EQUAL(wait_one(m, &alice, 0, &now), WAIT_OBJECT_0);
	CU_ASSERT_EQUAL(sync_wait(st, &bobs, &err), SYNC_WAIT_PENDING);
	/* alice releases the mutex and waits on E at once; bob, woken with the mutex, pulses E */
	CU_ASSERT_EQUAL(signal_and_wait(m, SYNC_SIGNAL_RELEASE_MUTEX, e, &alice, INFINITE, &mine),
			SYNC_WAIT_PENDING);
	CU_ASSERT_EQUAL(woken.seen.calls, 1);
	CU_ASSERT_EQUAL(woken.seen.result, WAIT_OBJECT_0);
	CU_ASSERT_EQUAL(mine.calls, 1);                     /* the pulse found alice waiting */
	CU_ASSERT_EQUAL(mine.result, WAIT_OBJECT_0);
	CU_ASSERT_EQUAL(sync_state(msec, &state), ERROR_SUCCESS);
	CU_ASSERT_TRUE(state.owned && state.owner.id == bob.id);

	/* a signal that fails waits for nothing and changes nothing */
	memset(&mine, 0, sizeof(mine));
	CU_ASSERT_EQUAL(signal_and_wait(m, SYNC_SIGNAL_RELEASE_MUTEX, e, &alice, INFINITE, &mine),
			WAIT_FAILED);
	CU_ASSERT_EQUAL(mine.result, ERROR_NOT_OWNER);
	CU_ASSERT_EQUAL(signal_and_wait(s, SYNC_SIGNAL_RELEASE_SEMAPHORE, e, &alice, INFINITE,
					&mine), WAIT_FAILED);
	CU_ASSERT_EQUAL(mine.result, ERROR_TOO_MANY_POSTS);
	CU_ASSERT_EQUAL(signal_and_wait(s, SYNC_SIGNAL_SET_EVENT, e, &alice, INFINITE, &mine),
			WAIT_FAILED);
	CU_ASSERT_EQUAL(mine.result, ERROR_INVALID_HANDLE);    /* a semaphore is no event */
	CU_ASSERT_EQUAL(sync_state(sec_of(s), &state), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(state.spec.count, 1);
	CU_ASSERT_EQUAL(sync_state(sec_of(e), &state), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(state.waiters, 0);

	/* a wait that times out keeps its signal done; a signal may satisfy its own wait */
	CU_ASSERT_EQUAL(wait_one(s, &alice, 0, &now), WAIT_OBJECT_0);
	CU_ASSERT_EQUAL(signal_and_wait(e, SYNC_SIGNAL_SET_EVENT, s, &alice, 0, &mine),
			WAIT_TIMEOUT);
	CU_ASSERT_EQUAL(sync_state(sec_of(e), &state), ERROR_SUCCESS);
	CU_ASSERT_TRUE(state.spec.signaled);
	CU_ASSERT_EQUAL(signal_and_wait(s, SYNC_SIGNAL_RELEASE_SEMAPHORE, s, &alice, 0, &mine),
			WAIT_OBJECT_0);
	CU_ASSERT_EQUAL(sync_mutex_release(msec, &bob), ERROR_SUCCESS);
	handle_close(m);
	handle_close(e);
	handle_close(s);
}

static void test_wait_refuses_bad_lists(void)
{
	struct section_spec spec = section_spec_default(SECTION_TEMPORARY);
	struct handle *e = event("E", true, true), *sec = NULL;
	struct section *objects[MAXIMUM_WAIT_OBJECTS + 1];
	struct seen s = { 0 };
	bool existed;

	spec.size = 4096;
	CU_ASSERT_EQUAL_FATAL(ns_create(store_global(st), "Sec", &spec, &owner, NS_CREATE_NEW,
					FILE_MAP_READ, &sec, &existed), ERROR_SUCCESS);
	for (unsigned i = 0; i <= MAXIMUM_WAIT_OBJECTS; i++)
		objects[i] = sec_of(e);
	CU_ASSERT_EQUAL(wait_on(objects, 0, false, &alice, 0, &s, NULL), WAIT_FAILED);
	CU_ASSERT_EQUAL(s.result, ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(wait_on(objects, MAXIMUM_WAIT_OBJECTS + 1, false, &alice, 0, &s, NULL),
			WAIT_FAILED);
	CU_ASSERT_EQUAL(s.result, ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(wait_on(objects, MAXIMUM_WAIT_OBJECTS, false, &alice, 0, &s, NULL),
			WAIT_OBJECT_0);
	CU_ASSERT_EQUAL(wait_on(objects, 2, true, &alice, 0, &s, NULL), WAIT_FAILED);
	CU_ASSERT_EQUAL(s.result, ERROR_INVALID_HANDLE);   /* twice in a wait for all */
	objects[1] = sec_of(sec);
	CU_ASSERT_EQUAL(wait_on(objects, 2, false, &alice, 0, &s, NULL), WAIT_FAILED);
	CU_ASSERT_EQUAL(s.result, ERROR_INVALID_HANDLE);   /* a section is never signaled */
	CU_ASSERT_EQUAL(s.calls, 0);
	handle_close(sec);
	handle_close(e);
}

static void test_timeout_ends_a_pending_wait(void)
{
	struct handle *e = event("E", true, false);
	struct seen s = { 0 }, forever = { 0 };
	int64_t next, start = sync_now_ns();

	CU_ASSERT_EQUAL(sync_expire(st), -1);
	CU_ASSERT_EQUAL(wait_one(e, &alice, INFINITE, &forever), SYNC_WAIT_PENDING);
	CU_ASSERT_EQUAL(sync_expire(st), -1);             /* INFINITE has no deadline */
	CU_ASSERT_EQUAL(wait_one(e, &alice, 30, &s), SYNC_WAIT_PENDING);
	next = sync_expire(st);
	CU_ASSERT_TRUE(next >= start + 30 * 1000000 && next <= sync_now_ns() + 30 * 1000000);
	CU_ASSERT_EQUAL(s.calls, 0);
	usleep(40 * 1000);
	CU_ASSERT_EQUAL(sync_expire(st), -1);
	CU_ASSERT_EQUAL(s.calls, 1);
	CU_ASSERT_EQUAL(s.result, WAIT_TIMEOUT);
	CU_ASSERT_EQUAL(forever.calls, 0);
	CU_ASSERT_EQUAL(sync_event_set(sec_of(e)), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(forever.calls, 1);
	CU_ASSERT_EQUAL(s.calls, 1);                      /* ended once */
	handle_close(e);
}

static void test_cancel_takes_nothing(void)
{
	struct handle *s = semaphore("S", 0, 1);
	struct seen w = { 0 }, now = { 0 };
	uint64_t serial;
	struct section *sec = sec_of(s);

	CU_ASSERT_EQUAL(wait_on(&sec, 1, false, &alice, INFINITE, &w, &serial), SYNC_WAIT_PENDING);
	CU_ASSERT_TRUE(sync_cancel(st, serial));
	CU_ASSERT_EQUAL(w.calls, 1);
	CU_ASSERT_EQUAL(w.result, SYNC_WAIT_CANCELLED);
	CU_ASSERT_FALSE(sync_cancel(st, serial));         /* once */
	CU_ASSERT_EQUAL(sync_semaphore_release(sec, 1, NULL), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(w.calls, 1);
	CU_ASSERT_EQUAL(wait_one(s, &bob, 0, &now), WAIT_OBJECT_0);   /* the release is still there */
	handle_close(s);
}

static bool always(void *ctx)
{
	(void)ctx;
	return true;
}

static void test_cancelled_before_pending_never_waits(void)
{
	struct handle *e = event("E", true, false);
	struct section *sec = sec_of(e);
	struct seen s = { 0 };
	uint32_t err;
	struct sync_wait_spec spec = {
		.objects = &sec, .count = 1, .owner = alice, .timeout_ms = INFINITE,
		.serial = sync_serial(st), .done = record, .ctx = &s, .cancelled = always,
	};

	CU_ASSERT_EQUAL(sync_wait(st, &spec, &err), SYNC_WAIT_CANCELLED);
	CU_ASSERT_FALSE(sync_cancel(st, spec.serial));
	CU_ASSERT_EQUAL(s.calls, 0);                      /* answered by the return, not the callback */
	CU_ASSERT_EQUAL(sync_event_set(sec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(s.calls, 0);
	handle_close(e);
}

/* A cancel racing a release: each wait ends exactly once, either taken (and the count gone)
 * or cancelled (and the count still there). */
struct race {
	struct section *sec;
	atomic_int go;
};

static void *release_one(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->go))
		;
	sync_semaphore_release(r->sec, 1, NULL);
	return NULL;
}

static void test_cancel_races_completion_exactly_once(void)
{
	struct handle *s = semaphore("S", 0, 1);
	struct sync_state state;
	struct seen now = { 0 };

	for (int round = 0; round < 300; round++) {
		struct race r = { .sec = sec_of(s) };
		struct seen w = { 0 };
		uint64_t serial;
		pthread_t t;
		bool cancelled;

		CU_ASSERT_EQUAL_FATAL(wait_on(&r.sec, 1, false, &alice, INFINITE, &w, &serial),
				      SYNC_WAIT_PENDING);
		pthread_create(&t, NULL, release_one, &r);
		atomic_store(&r.go, 1);
		cancelled = sync_cancel(st, serial);
		pthread_join(t, NULL);
		CU_ASSERT_EQUAL(w.calls, 1);
		CU_ASSERT_EQUAL(w.result, cancelled ? SYNC_WAIT_CANCELLED : WAIT_OBJECT_0);
		CU_ASSERT_EQUAL(sync_state(r.sec, &state), ERROR_SUCCESS);
		CU_ASSERT_EQUAL(state.spec.count, cancelled ? 1u : 0u);
		if (cancelled)
			CU_ASSERT_EQUAL(wait_one(s, &bob, 0, &now), WAIT_OBJECT_0);
	}
	handle_close(s);
}

static struct section *ready_seen;
static int ready_calls;

static void ready(void *ctx, struct section *sec)
{
	(void)ctx;
	ready_seen = sec;
	ready_calls++;
}

static void test_ready_hook_hears_of_objects_that_can_be_taken(void)
{
	struct handle *e = event("E", false, false), *m = mutex("M");
	struct seen w = { 0 }, now = { 0 };

	sync_set_ready_hook(st, ready, NULL);
	CU_ASSERT_FALSE(sync_is_ready(sec_of(e), &alice));
	CU_ASSERT_EQUAL(sync_event_set(sec_of(e)), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(ready_calls, 1);
	CU_ASSERT_PTR_EQUAL(ready_seen, sec_of(e));
	CU_ASSERT_TRUE(sync_is_ready(sec_of(e), &alice));
	CU_ASSERT_EQUAL(wait_one(e, &alice, 0, &now), WAIT_OBJECT_0);
	/* a set that a waiter consumes leaves nothing to take */
	CU_ASSERT_EQUAL(wait_one(e, &alice, INFINITE, &w), SYNC_WAIT_PENDING);
	CU_ASSERT_EQUAL(sync_event_set(sec_of(e)), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(ready_calls, 1);
	/* a mutex is ready for its owner, and for others once released */
	CU_ASSERT_EQUAL(wait_one(m, &alice, 0, &now), WAIT_OBJECT_0);
	CU_ASSERT_TRUE(sync_is_ready(sec_of(m), &alice));
	CU_ASSERT_FALSE(sync_is_ready(sec_of(m), &bob));
	CU_ASSERT_EQUAL(sync_mutex_release(sec_of(m), &alice), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(ready_calls, 2);
	CU_ASSERT_TRUE(sync_is_ready(sec_of(m), &bob));
	sync_set_ready_hook(st, NULL, NULL);
	handle_close(e);
	handle_close(m);
}

static void test_staged_section_becomes_an_object(void)
{
	struct section_spec spec = section_spec_default(SECTION_PERMANENT);
	struct sync_spec ev = { .kind = OBJECT_EVENT, .manual_reset = true };
	struct ns *staging = store_staging(st);
	struct handle *h, *big;
	struct seen w = { 0 };
	bool existed;

	CU_ASSERT_EQUAL_FATAL(ns_create(staging, "x", &spec, &owner, NS_CREATE_NEW,
					FILE_MAP_READ | FILE_MAP_WRITE, &h, &existed), ERROR_SUCCESS);
	spec.size = 4096;
	CU_ASSERT_EQUAL_FATAL(ns_create(staging, "big", &spec, &owner, NS_CREATE_NEW,
					FILE_MAP_READ, &big, &existed), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(sync_set_kind(sec_of(big), &ev), ERROR_ACCESS_DENIED);   /* has data */
	CU_ASSERT_EQUAL(section_kind(sec_of(big)), OBJECT_SECTION);
	CU_ASSERT_EQUAL(sync_set_kind(sec_of(h), &(struct sync_spec){ .kind = OBJECT_SEMAPHORE }),
			ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(sync_set_kind(sec_of(h), &ev), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_kind(sec_of(h)), OBJECT_EVENT);
	CU_ASSERT_EQUAL(wait_one(h, &alice, INFINITE, &w), SYNC_WAIT_PENDING);
	CU_ASSERT_EQUAL(sync_set_kind(sec_of(h), &(struct sync_spec){ .kind = OBJECT_MUTEX }),
			ERROR_SHARING_VIOLATION);                 /* someone waits on the event */
	CU_ASSERT_EQUAL(ns_rename(staging, "x", store_global(st), "Ev"), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(sync_set_kind(sec_of(h), &ev), ERROR_ACCESS_DENIED);   /* published */
	CU_ASSERT_EQUAL(sync_event_set(sec_of(h)), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(w.calls, 1);
	CU_ASSERT_EQUAL(ns_unlink(store_global(st), "Ev"), ERROR_SUCCESS);
	handle_close(h);
	handle_close(big);
}

const char *suite_name = "sync";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_H44_semaphore_spec_checked),
	UNIT_TEST(test_objects_hold_no_data),
	UNIT_TEST(test_B13_one_namespace_for_every_kind),
	UNIT_TEST(test_H47_manual_event_releases_every_waiter_and_stays_set),
	UNIT_TEST(test_H48_auto_event_releases_exactly_one_waiter_per_set),
	UNIT_TEST(test_H49_pulse_releases_current_waiters_and_leaves_it_unset),
	UNIT_TEST(test_H50_mutex_is_recursive_for_its_owner),
	UNIT_TEST(test_H51_only_the_owner_releases_a_mutex),
	UNIT_TEST(test_H52_abandoned_mutex_goes_to_the_next_waiter_told_so),
	UNIT_TEST(test_H53_semaphore_counts_and_refuses_overflow),
	UNIT_TEST(test_H54_wait_any_takes_the_first_that_can_be_taken),
	UNIT_TEST(test_H55_wait_all_takes_all_at_once_or_none),
	UNIT_TEST(test_H55_wait_all_reports_an_abandoned_mutex),
	UNIT_TEST(test_H56_signal_and_wait_is_one_step),
	UNIT_TEST(test_wait_refuses_bad_lists),
	UNIT_TEST(test_timeout_ends_a_pending_wait),
	UNIT_TEST(test_cancel_takes_nothing),
	UNIT_TEST(test_cancelled_before_pending_never_waits),
	UNIT_TEST(test_cancel_races_completion_exactly_once),
	UNIT_TEST(test_ready_hook_hears_of_objects_that_can_be_taken),
	UNIT_TEST(test_staged_section_becomes_an_object),
	{ 0 },
};
