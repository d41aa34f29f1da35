/* Events, mutexes and semaphores: their Create, Open, Set/Reset/Pulse and Release calls (waits
 * are wait.c's).
 *
 * Each is a file of the mount (include/sectionfs/protocol.h, "synchronization objects"), so a
 * handle is an open file of it and any process, with winmap or without, shares it by name.  A
 * named one is made like a section (objects.c): staged, typed with SECTIONFS_XATTR_TYPE, made
 * temporary (its name goes with its last handle), and published by a rename that never
 * replaces.  An unnamed one is staged the same way and then unlinked instead of published: an
 * object only this process's handles reach (and its duplicates), gone with the last of them;
 * it needs the mount all the same, since the daemon is where waits are answered.
 *
 * A handle's access is checked here as Windows checks it (SetEvent needs EVENT_MODIFY_STATE, a
 * wait SYNCHRONIZE); the daemon checks the open file's mode: a handle that may change the
 * object's state is a file opened for writing, which the object's file mode must allow. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "errors.h"
#include "sectionfs/protocol.h"

/* What a Create call makes, for stage_sync(). */
struct sync_order {
	enum wm_kind kind;
	char type[64];              /* SECTIONFS_XATTR_TYPE's text */
	bool initial_owner;         /* a mutex: owned by the calling thread from the start */
};

/* What each kind's handle rights are.  `modify` is the right that changes the object's state
 * (SetEvent, ReleaseSemaphore), 0 for mutexes: a mutex is released by its owner whatever its
 * handle may do. */
struct sync_rights {
	uint32_t kind;              /* SECTIONFS_KIND_* */
	DWORD all;
	DWORD modify;
};

static const struct sync_rights *rights_of(enum wm_kind kind)
{
	static const struct sync_rights event = {
		SECTIONFS_KIND_EVENT, EVENT_ALL_ACCESS, EVENT_MODIFY_STATE };
	static const struct sync_rights mutex = { SECTIONFS_KIND_MUTEX, MUTEX_ALL_ACCESS, 0 };
	static const struct sync_rights semaphore = {
		SECTIONFS_KIND_SEMAPHORE, SEMAPHORE_ALL_ACCESS, SEMAPHORE_MODIFY_STATE };

	return kind == WM_EVENT ? &event : kind == WM_MUTEX ? &mutex : &semaphore;
}

/* GENERIC_* and MAXIMUM_ALLOWED as the kind's specific rights, as Windows maps them for
 * events, mutants and semaphores (read: query, write: modify, execute: SYNCHRONIZE). */
static DWORD map_generic(const struct sync_rights *r, DWORD access)
{
	DWORD mapped = access & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL |
				  MAXIMUM_ALLOWED);

	if (access & GENERIC_READ)
		mapped |= READ_CONTROL | EVENT_QUERY_STATE;
	if (access & GENERIC_WRITE)
		mapped |= READ_CONTROL | r->modify;
	if (access & GENERIC_EXECUTE)
		mapped |= READ_CONTROL | SYNCHRONIZE;
	if (access & (GENERIC_ALL | MAXIMUM_ALLOWED))
		mapped |= r->all;
	return mapped;
}

/* A handle that may change the object is a file opened for writing. */
static int open_flags_for(const struct sync_rights *r, DWORD access)
{
	return r->modify && (access & r->modify) ? O_RDWR : O_RDONLY;
}

/* An ioctl of the sync interface, sent again after a signal: the daemon answers EINTR only when
 * it did nothing. */
static int sync_ioctl(int fd, unsigned long request, void *arg)
{
	int r;

	do
		r = ioctl(fd, request, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

/* Makes the staged file at fd the object the order says (the wm_named_kind's stage()). */
static int stage_sync(int fd, void *arg)
{
	const struct sync_order *order = arg;
	uint64_t ino;
	dev_t dev;

	if (wm_set_text_xattr(fd, SECTIONFS_XATTR_TYPE, order->type) < 0 ||
	    wm_set_text_xattr(fd, SECTIONFS_XATTR_LIFETIME, SECTIONFS_LIFETIME_TEMPORARY) < 0)
		return -1;
	if (!order->initial_owner)
		return 0;
	/* bInitialOwner: the daemon makes mutexes free; taken now, while no one else can see it,
	 * it is this thread's from the moment it has a name. */
	if (wm_fd_identity(fd, &dev, &ino) < 0)
		return -1;
	if (wm_wait(fd, &ino, 1, false, 0, 0) != WAIT_OBJECT_0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* The kind and st_ino of what fd is open on, which must be of kind r (B13:
 * ERROR_INVALID_HANDLE for a section's or another kind's name).  The Win32 error. */
static DWORD describe(int fd, const struct sync_rights *r, uint64_t *ino)
{
	struct sectionfs_object object = { 0 };

	if (sync_ioctl(fd, SECTIONFS_IOC_OBJECT, &object) < 0)
		return wm_fail_errno(errno);
	if (object.result)
		return wm_fail(object.result);
	if (object.kind != r->kind)
		return wm_fail(ERROR_INVALID_HANDLE);
	*ino = object.ino;
	return ERROR_SUCCESS;
}

static HANDLE add_sync(enum wm_kind kind, const struct wm_sync *s)
{
	const struct wm_object proto = { .kind = kind, .sync = *s };

	return wm_handle_new(&proto);
}

/* An unnamed object: staged, made, and unlinked at once, so that no one else can open it. */
static int create_unnamed(const struct wm_named_kind *kind, struct sync_order *order)
{
	const char *mount = wm_mount_root();
	char stage_path[PATH_MAX];
	int fd, err;

	if (!mount)
		return -1;
	fd = wm_stage_object(mount, kind, order, stage_path, sizeof(stage_path));
	if (fd < 0) {
		wm_fail(winerr_from_staging_errno(errno));
		return -1;
	}
	if (unlink(stage_path) < 0) {
		err = errno;
		wm_close_retired(fd);
		wm_fail_errno(err);
		return -1;
	}
	return fd;
}

/* Create-or-open (B12): a new object as `order` says, or the existing one of the same kind with
 * ERROR_ALREADY_EXISTS (and, for a mutex, not owned: only the creator's initial ownership
 * counts). */
static HANDLE create_sync(struct sync_order *order, DWORD access, const char *name, bool ansi)
{
	const struct sync_rights *r = rights_of(order->kind);
	struct wm_sync s = { .fd = -1, .access = map_generic(r, access) };
	const struct wm_named_kind kind = {
		.open_flags = open_flags_for(r, s.access), .stage = stage_sync };
	bool created = true;
	dev_t dev;
	HANDLE h;

	if (name && *name)
		s.fd = wm_named_create(name, ansi, &kind, order, &created);
	else
		s.fd = create_unnamed(&kind, order);
	if (s.fd < 0)
		return NULL;
	if (created) {
		if (wm_fd_identity(s.fd, &dev, &s.ino) < 0) {
			wm_fail_errno(errno);
			wm_close_retired(s.fd);
			return NULL;
		}
	} else if (describe(s.fd, r, &s.ino)) {
		wm_close_retired(s.fd);
		return NULL;
	}
	h = add_sync(order->kind, &s);
	if (h)
		SetLastError(created ? ERROR_SUCCESS : ERROR_ALREADY_EXISTS);
	return h;
}

static HANDLE open_sync(enum wm_kind kind, DWORD access, const char *name, bool ansi)
{
	const struct sync_rights *r = rights_of(kind);
	struct wm_sync s = { .fd = -1, .access = map_generic(r, access) };

	s.fd = wm_named_open(name, ansi, open_flags_for(r, s.access));
	if (s.fd < 0)
		return NULL;
	if (describe(s.fd, r, &s.ino)) {
		wm_close_retired(s.fd);
		return NULL;
	}
	return add_sync(kind, &s);
}

bool wm_sync_duplicate(enum wm_kind kind, const struct wm_sync *src, uint32_t access,
		       struct wm_sync *dup)
{
	int flags = fcntl(src->fd, F_GETFL);

	/* the same mode as the source: a duplicate gets no more than its handle could do */
	dup->fd = flags < 0 ? -1 : wm_reopen(src->fd, flags & O_ACCMODE);
	if (dup->fd < 0) {
		wm_fail_errno(errno);
		return false;
	}
	dup->ino = src->ino;
	dup->access = map_generic(rights_of(kind), access);
	return true;
}

/* The body of a W function: returns `call`, which names the object `utf8`, the wide name as
 * UTF-8 (NULL, with the last error set, for bad UTF-16). */
#define RETURN_WITH_UTF8(wide, call)                                                         \
	do {                                                                                 \
		char *utf8;                                                                  \
		HANDLE h_;                                                                   \
		if (!wm_wide_argument((wide), &utf8))                                        \
			return NULL;                                                         \
		h_ = (call);                                                                 \
		free(utf8);                                                                  \
		return h_;                                                                   \
	} while (0)

/* OpenEventA/W, OpenMutexA/W and OpenSemaphoreA/W, the same but for the kind. */
#define OPEN_FUNCTIONS(Kind, kind)                                                           \
	HANDLE WINAPI Open##Kind##A(DWORD access, BOOL inherit, LPCSTR name)                 \
	{                                                                                    \
		(void)inherit;   /* no CreateProcess here: nothing inherits */                \
		return open_sync(kind, access, name, true);                                  \
	}                                                                                    \
	HANDLE WINAPI Open##Kind##W(DWORD access, BOOL inherit, LPCWSTR name)                \
	{                                                                                    \
		(void)inherit;                                                               \
		RETURN_WITH_UTF8(name, open_sync(kind, access, utf8, false));                \
	}

/* CreateEventExA/W and CreateMutexExA/W: create(flags, access, name, ansi). */
#define CREATE_EX_FUNCTIONS(Kind, create)                                                    \
	HANDLE WINAPI Create##Kind##ExA(LPSECURITY_ATTRIBUTES sa, LPCSTR name, DWORD flags,  \
					DWORD access)                                        \
	{                                                                                    \
		(void)sa;                                                                    \
		return create(flags, access, name, true);                                    \
	}                                                                                    \
	HANDLE WINAPI Create##Kind##ExW(LPSECURITY_ATTRIBUTES sa, LPCWSTR name, DWORD flags, \
					DWORD access)                                        \
	{                                                                                    \
		(void)sa;                                                                    \
		RETURN_WITH_UTF8(name, create(flags, access, utf8, false));                  \
	}

/* ---- events ---- */

static HANDLE create_event(DWORD flags, DWORD access, const char *name, bool ansi)
{
	struct sync_order order = { .kind = WM_EVENT };

	if (flags & ~(CREATE_EVENT_MANUAL_RESET | CREATE_EVENT_INITIAL_SET)) {
		wm_fail(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	snprintf(order.type, sizeof(order.type), "event %s %s",
		 flags & CREATE_EVENT_MANUAL_RESET ? "manual" : "auto",
		 flags & CREATE_EVENT_INITIAL_SET ? "signaled" : "nonsignaled");
	return create_sync(&order, access, name, ansi);
}

static DWORD event_flags(BOOL manual_reset, BOOL initial_state)
{
	return (manual_reset ? CREATE_EVENT_MANUAL_RESET : 0) |
	       (initial_state ? CREATE_EVENT_INITIAL_SET : 0);
}

/* Security attributes are ignored here as for sections: Unix modes decide who may open an
 * object (README). */
HANDLE WINAPI CreateEventA(LPSECURITY_ATTRIBUTES sa, BOOL manual_reset, BOOL initial_state,
			   LPCSTR name)
{
	(void)sa;
	return create_event(event_flags(manual_reset, initial_state), EVENT_ALL_ACCESS, name, true);
}

HANDLE WINAPI CreateEventW(LPSECURITY_ATTRIBUTES sa, BOOL manual_reset, BOOL initial_state,
			   LPCWSTR name)
{
	(void)sa;
	RETURN_WITH_UTF8(name, create_event(event_flags(manual_reset, initial_state), EVENT_ALL_ACCESS,
				     utf8, false));
}

CREATE_EX_FUNCTIONS(Event, create_event)
OPEN_FUNCTIONS(Event, WM_EVENT)

/* SECTIONFS_IOC_SIGNAL `op` on h, which must be of kind `kind` (ERROR_INVALID_HANDLE) with the
 * kind's modify right (ERROR_ACCESS_DENIED).  *previous (when not NULL) gets the semaphore's
 * count before. */
static BOOL signal_object(HANDLE h, enum wm_kind kind, uint32_t op, uint32_t count,
			  LONG *previous)
{
	struct sectionfs_signal sig = { .op = op, .count = count };
	struct wm_object *obj = wm_object_get(h, kind);
	DWORD needs = rights_of(kind)->modify;
	BOOL ok = FALSE;

	if (!obj)
		return FALSE;
	if ((obj->sync.access & needs) != needs)
		wm_fail(ERROR_ACCESS_DENIED);
	else if (sync_ioctl(obj->sync.fd, SECTIONFS_IOC_SIGNAL, &sig) < 0)
		wm_fail_errno(errno);
	else if (sig.result)
		wm_fail(sig.result);
	else
		ok = TRUE;
	wm_object_put(obj);
	if (ok && previous)
		*previous = (LONG)sig.previous;
	return ok;
}

BOOL WINAPI SetEvent(HANDLE h)
{
	return signal_object(h, WM_EVENT, SECTIONFS_SIGNAL_SET_EVENT, 0, NULL);
}

BOOL WINAPI ResetEvent(HANDLE h)
{
	return signal_object(h, WM_EVENT, SECTIONFS_SIGNAL_RESET_EVENT, 0, NULL);
}

BOOL WINAPI PulseEvent(HANDLE h)
{
	return signal_object(h, WM_EVENT, SECTIONFS_SIGNAL_PULSE_EVENT, 0, NULL);
}

/* ---- mutexes ---- */

static HANDLE create_mutex(DWORD flags, DWORD access, const char *name, bool ansi)
{
	struct sync_order order = { .kind = WM_MUTEX, .type = "mutex" };

	if (flags & ~CREATE_MUTEX_INITIAL_OWNER) {
		wm_fail(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	order.initial_owner = flags & CREATE_MUTEX_INITIAL_OWNER;
	return create_sync(&order, access, name, ansi);
}

HANDLE WINAPI CreateMutexA(LPSECURITY_ATTRIBUTES sa, BOOL initial_owner, LPCSTR name)
{
	(void)sa;
	return create_mutex(initial_owner ? CREATE_MUTEX_INITIAL_OWNER : 0, MUTEX_ALL_ACCESS, name,
			    true);
}

HANDLE WINAPI CreateMutexW(LPSECURITY_ATTRIBUTES sa, BOOL initial_owner, LPCWSTR name)
{
	(void)sa;
	RETURN_WITH_UTF8(name, create_mutex(initial_owner ? CREATE_MUTEX_INITIAL_OWNER : 0,
				     MUTEX_ALL_ACCESS, utf8, false));
}

CREATE_EX_FUNCTIONS(Mutex, create_mutex)
OPEN_FUNCTIONS(Mutex, WM_MUTEX)

BOOL WINAPI ReleaseMutex(HANDLE h)
{
	return signal_object(h, WM_MUTEX, SECTIONFS_SIGNAL_RELEASE_MUTEX, 0, NULL);
}

/* ---- semaphores ---- */

static HANDLE create_semaphore(LONG initial, LONG maximum, DWORD flags, DWORD access,
			       const char *name, bool ansi)
{
	struct sync_order order = { .kind = WM_SEMAPHORE };

	/* checked before the name is looked at, as Windows does */
	if (maximum <= 0 || initial < 0 || initial > maximum || flags) {
		wm_fail(ERROR_INVALID_PARAMETER);
		return NULL;
	}
	snprintf(order.type, sizeof(order.type), "semaphore %ld %ld", (long)initial, (long)maximum);
	return create_sync(&order, access, name, ansi);
}

HANDLE WINAPI CreateSemaphoreA(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG maximum, LPCSTR name)
{
	(void)sa;
	return create_semaphore(initial, maximum, 0, SEMAPHORE_ALL_ACCESS, name, true);
}

HANDLE WINAPI CreateSemaphoreW(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG maximum, LPCWSTR name)
{
	(void)sa;
	RETURN_WITH_UTF8(name, create_semaphore(initial, maximum, 0, SEMAPHORE_ALL_ACCESS, utf8, false));
}

HANDLE WINAPI CreateSemaphoreExA(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG maximum,
				 LPCSTR name, DWORD flags, DWORD access)
{
	(void)sa;
	return create_semaphore(initial, maximum, flags, access, name, true);
}

HANDLE WINAPI CreateSemaphoreExW(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG maximum,
				 LPCWSTR name, DWORD flags, DWORD access)
{
	(void)sa;
	RETURN_WITH_UTF8(name, create_semaphore(initial, maximum, flags, access, utf8, false));
}

OPEN_FUNCTIONS(Semaphore, WM_SEMAPHORE)

BOOL WINAPI ReleaseSemaphore(HANDLE h, LONG count, LPLONG previous)
{
	if (count <= 0) {
		wm_fail(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	return signal_object(h, WM_SEMAPHORE, SECTIONFS_SIGNAL_RELEASE_SEMAPHORE, (uint32_t)count,
			     previous);
}

uint32_t wm_sync_signal_of(enum wm_kind kind, DWORD *needs)
{
	*needs = rights_of(kind)->modify;
	return kind == WM_EVENT   ? SECTIONFS_SIGNAL_SET_EVENT
	       : kind == WM_MUTEX ? SECTIONFS_SIGNAL_RELEASE_MUTEX
				  : SECTIONFS_SIGNAL_RELEASE_SEMAPHORE;
}
