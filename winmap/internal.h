/* winmap's pieces and what they share.
 *
 * A HANDLE names an object in a process-wide table: an open file, a section, an event, a mutex
 * or a semaphore.  A named section is an open file in the sectionfs mount (the daemon counts it
 * as a handle); an unnamed one is a core section in a store private to this process (no daemon
 * needed).  Events, mutexes and semaphores are always open files in the mount, named or not
 * (sync.c).  Views are kept in a table by address.  Every function sets the thread's last error
 * on failure. */
#ifndef WINMAP_INTERNAL_H
#define WINMAP_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "winmap.h"

struct handle;
struct store;
struct name_path;

enum wm_kind {
	WM_FILE,
	WM_SECTION,
	WM_EVENT,
	WM_MUTEX,
	WM_SEMAPHORE,
};
/* The kinds a wait takes (wm_object_get_any's mask). */
#define WM_KIND_BIT(kind) (1u << (kind))
#define WM_SYNC_KINDS (WM_KIND_BIT(WM_EVENT) | WM_KIND_BIT(WM_MUTEX) | WM_KIND_BIT(WM_SEMAPHORE))

/* What a section handle refers to and may do. */
struct wm_section {
	int fd;                     /* named: its open file in the mount; -1 for unnamed */
	struct handle *local;       /* unnamed: the core handle; NULL for named */
	uint32_t access;            /* the handle's own access (D24) */
	uint32_t protect;           /* the section's PAGE_* */
	uint32_t attributes;        /* SEC_* */
	uint64_t size;              /* named: the size last learnt from the daemon (or made with), so
	                             * MapViewOfFile need not ask again; views.c refreshes it when the
	                             * daemon's answer shows it changed.  Atomic: handles are shared */
	bool file_backed;
	dev_t backing_dev;          /* file-backed: the file, for E36 */
	ino_t backing_ino;
};

struct wm_file {
	int fd;
	DWORD access;               /* GENERIC_* */
	char *delete_on_close;      /* FILE_FLAG_DELETE_ON_CLOSE: the path to unlink */
};

/* An event, a mutex or a semaphore: an open file of the object in the mount. */
struct wm_sync {
	int fd;
	uint64_t ino;               /* the object's st_ino, how SECTIONFS_IOC_WAIT names it */
	uint32_t access;            /* the handle's own access (EVENT_MODIFY_STATE...), generic
	                             * rights mapped */
};

struct wm_object {
	enum wm_kind kind;
	unsigned refs;              /* the table's, plus one per wm_object_get */
	union {
		struct wm_section section;
		struct wm_file file;
		struct wm_sync sync;
	};
};

/* ---- lasterror.c ---- */
/* Sets the thread's last error and returns it (so `return wm_fail(...), NULL` reads well). */
DWORD wm_fail(DWORD err);
DWORD wm_fail_errno(int err);

/* ---- handles.c ---- */
/* Win64 keeps handles to 32 bits and sign-extends them, so (HANDLE)0xFFFFFFFF, as 32-bit era
 * code writes INVALID_HANDLE_VALUE, is INVALID_HANDLE_VALUE. */
HANDLE wm_handle_normalize(HANDLE h);
/* Adds obj (refs 1, owned by the table) and returns its HANDLE; NULL when the table is full. */
HANDLE wm_handle_add(struct wm_object *obj);
/* Adds a new object made of *proto (its kind and what it holds) and returns its HANDLE.  On
 * failure (no memory, the table full) what proto holds is let go of as CloseHandle would, and
 * NULL returned with the last error set. */
HANDLE wm_handle_new(const struct wm_object *proto);
/* The object behind h, of kind `kind`, with a reference; NULL (ERROR_INVALID_HANDLE) if none. */
struct wm_object *wm_object_get(HANDLE h, enum wm_kind kind);
/* The same for any kind in `kinds` (WM_KIND_BIT()s). */
struct wm_object *wm_object_get_any(HANDLE h, unsigned kinds);
void wm_object_put(struct wm_object *obj);
/* Has this process a handle of a section over the file (dev, ino), with `writers` one that
 * writes it? (E36, share modes) */
bool wm_handles_of_file(dev_t dev, ino_t ino, bool writers);

/* Closes fd, an open file in the mount (a handle, a view or a staged object), after asking the
 * daemon to retire it: C20-C21 (the name goes with the last handle, a mutex its holder's
 * process no longer holds a handle of is abandoned) run now, not when the kernel gets round to
 * the close.  Every such file is closed this way, failed opens too: their asynchronous RELEASE
 * would otherwise keep a name that the caller's last CloseHandle must take. */
void wm_close_retired(int fd);

/* ---- mount.c ---- */
/* The sectionfs mount's path; NULL (ERROR_PATH_NOT_FOUND set) when none is mounted. */
const char *wm_mount_root(void);
/* The path in the mount of a Win32 name ("Global\X" -> MOUNT/Global/X); the B rules' errors. */
DWORD wm_name_to_path(const char *name, bool ansi, char *path, size_t len, struct name_path *np);
/* E36 across processes: how many named sections are over file (dev, ino), as the daemon knows
 * it, or with `writers` how many of them write it; 0 when none are or no sectionfs is mounted
 * (the last error is left alone). */
unsigned wm_mount_file_sections(dev_t dev, ino_t ino, bool writers);
/* The last error for errno err of a call on path: ENOENT is ERROR_PATH_NOT_FOUND when the
 * directory is missing, else FILE_NOT_FOUND (winerr_of_missing); other errnos as the table says. */
DWORD wm_fail_path(const char *path, int err);
/* The process's private store for unnamed sections. */
struct store *wm_local_store(void);

/* ---- objects.c ---- */
/* A kind of named object, as wm_named_create() makes and opens it. */
struct wm_named_kind {
	int open_flags;             /* how an existing object is opened: O_RDONLY, O_RDWR */
	/* Makes the staged file at fd this kind of object (its attributes, size, state) while
	 * nobody else can see it; 0, or -1 with errno set. */
	int (*stage)(int fd, void *arg);
};
/* Create-or-open of the named object `name` (B12-B19): opens what holds the name (*created
 * false: the caller checks that it is of its kind, B13, and says ERROR_ALREADY_EXISTS), or
 * stages a new object with kind->stage(fd, arg) and publishes it (*created true).  The open
 * file, or -1 with the last error set. */
int wm_named_create(const char *name, bool ansi, const struct wm_named_kind *kind, void *arg,
		    bool *created);
/* Opens the existing named object `name` with open(2) flags (O_CLOEXEC added); -1 with the
 * last error set (ERROR_INVALID_PARAMETER for NULL, B15; ERROR_FILE_NOT_FOUND...). */
int wm_named_open(const char *name, bool ansi, int flags);
/* A new object of `kind`, staged in mount's Staging/ under a name nobody can guess and made
 * with kind->stage(fd, arg): its open file (read and write), its path in stage_path.  -1 with
 * errno set, and nothing left behind (a staged object that is closed is gone). */
int wm_stage_object(const char *mount, const struct wm_named_kind *kind, void *arg,
		    char *stage_path, size_t len);
/* A new open file of what fd is open on (/proc/self/fd), with open(2) flags: a handle of its
 * own for DuplicateHandle.  -1 with errno set. */
int wm_reopen(int fd, int flags);
/* fsetxattr(2) of a text value without its NUL. */
int wm_set_text_xattr(int fd, const char *name, const char *value);
/* The device and st_ino of what fd is open on, from the kernel's own inode: no GETATTR to the
 * daemon, whose answer an attribute timeout or a setxattr would make it ask for again.  -1 with
 * errno set. */
int wm_fd_identity(int fd, dev_t *dev, uint64_t *ino);

/* ---- time.c ---- */
uint64_t wm_monotonic_ns(void);          /* CLOCK_MONOTONIC, for timeouts and the counters */

/* ---- wait.c ---- */
/* SECTIONFS_IOC_WAIT on fd for the objects `inos`, retried after signals with what is left
 * of timeout_ms (Win32 waits are not alertable by signals): WAIT_OBJECT_0 + i, WAIT_ABANDONED_0
 * + i, WAIT_TIMEOUT, or WAIT_FAILED with the last error set.  signal_op (0: none) is
 * SignalObjectAndWait's signal to fd's object, done once. */
DWORD wm_wait(int fd, const uint64_t *inos, DWORD count, bool wait_all, DWORD timeout_ms,
	      uint32_t signal_op);

/* ---- sync.c ---- */
/* A new handle's object for a duplicate of src, an object of `kind` (DuplicateHandle): its own
 * open file of the same object, with `access` (GENERIC_* mapped).  false with the last error
 * set. */
bool wm_sync_duplicate(enum wm_kind kind, const struct wm_sync *src, uint32_t access,
		       struct wm_sync *dup);
/* SignalObjectAndWait's signal for an object of `kind`: the SECTIONFS_SIGNAL_* op (SetEvent,
 * ReleaseMutex, ReleaseSemaphore by 1), and in *needs the right its handle must have (the
 * kind's modify right; none for a mutex, which only its owner may release). */
uint32_t wm_sync_signal_of(enum wm_kind kind, DWORD *needs);

/* ---- wide.c ---- */
/* UTF-16 -> UTF-8, malloc'ed; NULL for NULL; sets ERROR_INVALID_NAME on bad UTF-16. */
char *wm_utf16_to_utf8(const WCHAR *s, bool *bad);

/* A W function's name or path as UTF-8 in *utf8 (NULL for NULL).  On failure the last error is
 * set (ERROR_INVALID_NAME for bad UTF-16, ERROR_NOT_ENOUGH_MEMORY) and false returned. */
bool wm_wide_argument(const WCHAR *wide, char **utf8);

/* ---- virtual.c ---- */
/* mmap(2) at base, which must be free (EEXIST otherwise), or with base NULL at an address of
 * the system's choice that is a multiple of 64 KiB, as Windows places views and allocations
 * (D28).  NULL with errno set on failure. */
void *wm_map_aligned(void *base, size_t len, int prot, int flags, int fd, uint64_t off);

/* ---- views.c ---- */
/* Has this process a view of a section over the file (dev, ino)? (E36) */
bool wm_views_of_file(dev_t dev, ino_t ino);
/* The view holding addr, for VirtualQuery: the run of pages from addr's page that share its
 * state.  false when addr is in no view. */
struct wm_view_query {
	uintptr_t base;            /* the view's base (AllocationBase) */
	size_t length;             /* the view's length, in whole pages */
	uintptr_t page;            /* addr's page */
	size_t region;             /* bytes from page with the same state */
	uint32_t view_protect;     /* AllocationProtect */
	uint32_t page_protect;     /* PAGE_* when committed, 0 when reserved */
};
bool wm_view_query(const void *addr, struct wm_view_query *q);
/* VirtualAlloc(MEM_COMMIT) inside a view: D33 (commit for the whole section) and D34 (not in a
 * file-backed section; a protection the view allows).  *start gets the first page. */
DWORD wm_view_commit(const void *addr, size_t len, uint32_t protect, void **start);
/* VirtualProtect inside a view: [addr, addr + len) (at least addr's page) must lie in the view
 * (ERROR_INVALID_PARAMETER) and be committed (ERROR_INVALID_ADDRESS); the protection one D34
 * allows (ERROR_INVALID_PARAMETER).  *old gets the first page's protection.  PAGE_WRITECOPY
 * in a shared view makes the pages copy-on-write: later writes are this view's own. */
DWORD wm_view_protect(const void *addr, size_t len, uint32_t protect, uint32_t *old);

#endif
