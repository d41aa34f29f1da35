/* Named events of the prefix, watched for the Linux side, which keeps a copy of each in the
 * mount: every SetEvent, PulseEvent and (manual-reset) ResetEvent of the game is told there.
 *
 * Threads of this program wait on up to MAXIMUM_WAIT_OBJECTS - 1 events each (a group), plus a
 * wake-up event that says the group changed.  What a wait does to the game's event:
 * - A manual-reset event is not consumed by a wait.  Woken, the thread asks its state: still
 *   signaled is a set (SET), then the event is not waited for but polled (NtQueryEvent, from
 *   HELD_POLL_FIRST_MS doubling to HELD_POLL_MAX_MS) until it is reset (RESET); not signaled any
 *   more is a pulse (PULSE).
 * - An auto-reset event's set is consumed by the wait that it ends: that set was the game's, for
 *   a waiter of its own.  So the thread gives it back at once (NtSetEvent): a Windows thread
 *   already waiting gets it, some 0.1 ms late.  If none took it, the thread takes it again
 *   (NtResetEvent), so that the next set of the game is seen too, as long as no Windows program
 *   has been seen waiting on the event: one that waits for a set made before its wait would
 *   find it taken.  Once a Windows waiter took a set given back, the event has
 *   Windows consumers, one of whom may be between "nothing to do" and its wait (an event used
 *   as a lock's wake-up): from then on a set nobody took is left to them, and the event is
 *   polled until one consumes it before it is waited for again.  A set the game makes in the
 *   some 50 us between the wait's end and NtResetEvent is merged with the one taken back.
 * Found signaled, an event is polled, not waited for, until it is not (a set made before this
 *   program looked belongs to the game's waiters alone).
 * The handle this program holds keeps the event's name, so the scan asks how many handles it has:
 * when only this program's is left, the event is gone for Windows programs, and is let go.
 * Two events of a group set at the same instant are both told unless both are pulsed: a wait
 * ends for one only, and a pulse is over before the next wait. */
#include "helper.h"

#include <stdio.h>
#include <stdlib.h>

#define GROUP_MAX (MAXIMUM_WAIT_OBJECTS - 1)   /* and the group's wake-up event */
#define HELD_POLL_FIRST_MS 1
#define HELD_POLL_MAX_MS 64
#define EVENT_QUERY_STATE 0x0001

typedef struct {
	int type;                /* EVENT_TYPE: NotificationEvent (0) is manual-reset */
	LONG state;              /* signaled: nonzero */
} EVENT_BASIC;

typedef struct {
	ULONG Attributes;
	ACCESS_MASK GrantedAccess;
	ULONG HandleCount;
	ULONG PointerCount;
	ULONG Reserved[10];
} OBJECT_BASIC;

NTSTATUS NTAPI NtOpenEvent(HANDLE *, ACCESS_MASK, OBJECT_ATTRIBUTES *);
NTSTATUS NTAPI NtQueryEvent(HANDLE, int, void *, ULONG, ULONG *);
NTSTATUS NTAPI NtSetEvent(HANDLE, LONG *);
NTSTATUS NTAPI NtResetEvent(HANDLE, LONG *);

struct group;

struct watch {
	struct group *group;
	unsigned long id;
	HANDLE event;
	BOOL manual;
	BOOL shared;             /* auto-reset: a Windows waiter took a set given back */
	BOOL held;               /* signaled, and not to be waited for: polled until it is not */
	LONGLONG poll_ms;        /* the pause before the next poll of a held event */
	LONGLONG next_poll;      /* ms, now_ms()'s clock */
	BOOL gone;               /* its name went: its group's thread frees it */
};

struct group {
	struct group *next;
	HANDLE wake;             /* auto-reset: its watches changed */
	unsigned count;          /* watches in w[], gone ones too until the thread drops them */
	struct watch *w[GROUP_MAX];
};

/* The groups and their watches; taken after `lock`, and the only lock of the groups' threads
 * (which must not wait for a scan). */
static CRITICAL_SECTION watch_lock;
static struct group *groups;

static LONGLONG now_ms(void)
{
	static LARGE_INTEGER freq;
	LARGE_INTEGER t;

	if (!freq.QuadPart)
		QueryPerformanceFrequency(&freq);
	QueryPerformanceCounter(&t);
	return t.QuadPart / (freq.QuadPart / 1000);
}

/* The event's state now (which NtQueryEvent does not change), or -1. */
static int signaled(HANDLE event)
{
	EVENT_BASIC info;

	return NtQueryEvent(event, 0, &info, sizeof(info), NULL) ? -1 : info.state != 0;
}

static void hold(struct watch *w, LONGLONG now)
{
	w->held = TRUE;
	w->poll_ms = HELD_POLL_FIRST_MS;
	w->next_poll = now + w->poll_ms;
}

/* A held event, polled: is it still signaled?  watch_lock held. */
static void poll_held(struct watch *w, LONGLONG now)
{
	if (signaled(w->event) == 0) {
		w->held = FALSE;
		if (w->manual)
			say("RESET %lu\n", w->id);
		return;
	}
	if (w->poll_ms < HELD_POLL_MAX_MS)
		w->poll_ms *= 2;
	w->next_poll = now + w->poll_ms;
}

/* The wait for w ended: the event was set or pulsed.  watch_lock held. */
static void woken(struct watch *w)
{
	LONG was_set = 0;

	if (w->manual) {
		if (signaled(w->event) == 1) {
			say("SET %lu\n", w->id);
			hold(w, now_ms());
		} else {
			say("PULSE %lu\n", w->id);
		}
		return;
	}
	/* The set was the game's: to a Windows thread waiting for it, if there is one, before the
	 * Linux side hears of it (a set the game makes between the wait and NtResetEvent is merged
	 * with the one taken back: told first, the Linux side could make one then). */
	NtSetEvent(w->event, NULL);
	if (w->shared) {
		if (signaled(w->event) == 1)
			hold(w, now_ms());   /* theirs to take */
	} else if (!NtResetEvent(w->event, &was_set) && !was_set) {
		w->shared = TRUE;            /* a Windows waiter took it */
	}
	say("SET %lu\n", w->id);
}

/* A group's thread: waits for its events, polls the held ones, drops the gone ones. */
static DWORD WINAPI watch_group(void *arg)
{
	struct group *g = arg;
	HANDLE handles[MAXIMUM_WAIT_OBJECTS];
	struct watch *waited[MAXIMUM_WAIT_OBJECTS];

	for (;;) {
		LONGLONG now = now_ms(), timeout = -1;
		DWORD n = 0, r;

		EnterCriticalSection(&watch_lock);
		handles[n++] = g->wake;
		for (unsigned i = 0; i < g->count;) {
			struct watch *w = g->w[i];

			if (w->gone) {
				CloseHandle(w->event);
				free(w);
				g->w[i] = g->w[--g->count];
				continue;
			}
			if (w->held && now >= w->next_poll)
				poll_held(w, now);
			if (w->held) {
				LONGLONG left = w->next_poll - now;
				if (timeout < 0 || left < timeout)
					timeout = left;
			} else {
				waited[n] = w;
				handles[n++] = w->event;
			}
			i++;
		}
		LeaveCriticalSection(&watch_lock);
		r = WaitForMultipleObjects(n, handles, FALSE, timeout < 0 ? INFINITE : (DWORD)timeout);
		if (r > WAIT_OBJECT_0 && r < WAIT_OBJECT_0 + n) {
			EnterCriticalSection(&watch_lock);
			if (!waited[r - WAIT_OBJECT_0]->gone)
				woken(waited[r - WAIT_OBJECT_0]);
			LeaveCriticalSection(&watch_lock);
		}
	}
	return 0;
}

/* A group with room, made (with its thread) when none has.  watch_lock held. */
static struct group *group_with_room(void)
{
	struct group *g;

	for (g = groups; g; g = g->next)
		if (g->count < GROUP_MAX)
			return g;
	if (!(g = calloc(1, sizeof(*g))))
		return NULL;
	g->wake = CreateEventW(NULL, FALSE, FALSE, NULL);
	if (!g->wake || !CreateThread(NULL, 0, watch_group, g, 0, NULL)) {
		if (g->wake)
			CloseHandle(g->wake);
		free(g);
		return NULL;
	}
	g->next = groups;
	groups = g;
	return g;
}

static HANDLE open_event(unsigned session, const WCHAR *name)
{
	WCHAR path[OBJECT_PATH_MAX];
	UNICODE_STRING us;
	OBJECT_ATTRIBUTES oa;
	HANDLE h;

	if (!object_path(path, OBJECT_PATH_MAX, session, name))
		return NULL;
	RtlInitUnicodeString(&us, path);
	InitializeObjectAttributes(&oa, &us, 0, NULL, NULL);
	/* modify: an auto-reset event's set, taken by the wait, is given back */
	return NtOpenEvent(&h, SYNCHRONIZE | EVENT_QUERY_STATE | EVENT_MODIFY_STATE, &oa) ? NULL
											    : h;
}

void events_init(void)
{
	InitializeCriticalSection(&watch_lock);
}

void event_add(unsigned session, const WCHAR *name)
{
	char utf8[NAME_MAX_UTF8];
	struct watch *w;
	struct group *g;
	struct known *k;
	EVENT_BASIC info;
	HANDLE h;

	if (!(h = open_event(session, name)))
		return;
	if (NtQueryEvent(h, 0, &info, sizeof(info), NULL) ||
	    !WideCharToMultiByte(CP_UTF8, 0, name, -1, utf8, sizeof(utf8), NULL, NULL) ||
	    !(w = calloc(1, sizeof(*w)))) {
		CloseHandle(h);
		return;
	}
	EnterCriticalSection(&watch_lock);
	if (!(g = group_with_room()) || !(k = known_new(session, name))) {
		LeaveCriticalSection(&watch_lock);
		CloseHandle(h);
		free(w);
		return;
	}
	k->watch = w;
	w->group = g;
	w->id = k->id;
	w->event = h;
	w->manual = info.type == 0;
	if (info.state)
		hold(w, now_ms());
	/* said before its thread can say anything of it */
	say("EVENT %lu %u %d %d %s\n", k->id, session, w->manual, info.state != 0, utf8);
	g->w[g->count++] = w;
	SetEvent(g->wake);
	LeaveCriticalSection(&watch_lock);
}

BOOL event_in_use(struct watch *w)
{
	OBJECT_BASIC info;

	/* the watch's handle is the scan's to close (w->gone): not closed under it */
	return NtQueryObject(w->event, ObjectBasicInformation, &info, sizeof(info), NULL) ||
	       info.HandleCount > 1;
}

void event_unwatch(struct watch *w)
{
	EnterCriticalSection(&watch_lock);
	w->gone = TRUE;   /* its thread may be waiting on its handle: it closes it */
	SetEvent(w->group->wake);
	LeaveCriticalSection(&watch_lock);
}
