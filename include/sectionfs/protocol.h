/* What winmap asks the daemon beyond plain file operations: ioctls on an open section file, and
 * the extended attributes a section is read and set up through.  This header and layout.h are
 * the whole contract between the daemon (fs/) and libwinmap: neither side includes the other's
 * headers, so what crosses the mount is written here once.
 *
 * Handles and views.  Every open file of a section is a handle (C20: a temporary section keeps
 * its name while one is open).  To map a view, winmap opens the section again and declares that
 * open file a view with SECTIONFS_IOC_BECOME_VIEW; it keeps that file open for as long as the
 * view is mapped and closes it at UnmapViewOfFile.  So the daemon counts handles and views
 * exactly, and a process that dies (even by SIGKILL) closes both: nothing it made outlives it.
 *
 * File-backed sections.  A staged section is put over a file by setting the attribute
 * SECTIONFS_XATTR_BACKING to "fd:N", N being a descriptor of the calling process: the daemon
 * takes that very open file (pidfd_getfd), so no caller can attach a file with more access than
 * it opened it with.
 *
 * Every ioctl answers the Win32 error in `result` (0 on success). */
#ifndef SECTIONFS_PROTOCOL_H
#define SECTIONFS_PROTOCOL_H

#include <linux/ioctl.h>
#include <stdint.h>

#define SECTIONFS_IOC_MAGIC 0xB5

#define SECTIONFS_INFO_FILE_BACKED 0x1u
#define SECTIONFS_INFO_STAGED      0x2u
#define SECTIONFS_INFO_TEMPORARY   0x4u

/* What a section is, in one round trip; ERROR_INVALID_HANDLE in `result` for an event, a mutex
 * or a semaphore (B13). */
struct sectionfs_info {
	uint32_t result;
	uint32_t protect;           /* PAGE_* */
	uint32_t attributes;        /* SEC_* */
	uint32_t flags;             /* SECTIONFS_INFO_* */
	uint64_t size;
	uint32_t handles;
	uint32_t views;
};
#define SECTIONFS_IOC_INFO _IOR(SECTIONFS_IOC_MAGIC, 1, struct sectionfs_info)

/* Declares this open file a view of [offset, offset+size) with desired_access (FILE_MAP_*),
 * checked with the core's view rules (D22-D28) against the section and handle_access, which the
 * daemon also bounds by what the open file may do.  On success the file counts as a view. */
struct sectionfs_view {
	uint32_t handle_access;
	uint32_t desired_access;
	uint64_t offset;
	uint64_t size;
	uint32_t result;
	uint32_t reserved;
	uint64_t length;            /* out: the bytes the view covers */
};
#define SECTIONFS_IOC_BECOME_VIEW _IOWR(SECTIONFS_IOC_MAGIC, 2, struct sectionfs_view)

/* SEC_RESERVE (D33-D34): commits [offset, offset+length) for the whole section. */
struct sectionfs_commit {
	uint64_t offset;
	uint64_t length;
	uint32_t result;
	uint32_t reserved;
};
#define SECTIONFS_IOC_COMMIT _IOWR(SECTIONFS_IOC_MAGIC, 3, struct sectionfs_commit)

/* The run of pages from `offset` sharing its commit state, at most `limit` bytes: `run` bytes,
 * `committed` 1 or 0.  One lookup however long the run (VirtualQuery). */
struct sectionfs_commit_run {
	uint64_t offset;
	uint64_t limit;
	uint64_t run;
	uint32_t committed;
	uint32_t result;
};
#define SECTIONFS_IOC_COMMIT_RUN _IOWR(SECTIONFS_IOC_MAGIC, 6, struct sectionfs_commit_run)
/* (4 was a page-by-page commit bitmap, which COMMIT_RUN replaced; the number stays unused.) */

/* Lets go of this open file's handle or view now: CloseHandle and UnmapViewOfFile send it just
 * before close(), because the kernel tells the daemon of a close only after close() returns and
 * Windows drops a temporary section's name (C20) before CloseHandle returns. */
#define SECTIONFS_IOC_RETIRE _IO(SECTIONFS_IOC_MAGIC, 5)

/* ---- extended attributes ----
 * Every attribute a section answers is user.section.<what>; `getfattr -d -m user.section FILE`
 * shows them.  Values are text, without a trailing NUL. */
#define SECTIONFS_XATTR_PREFIX "user.section."

/* Read-only facts: the Windows name ("Global\X"; none while staged), the open files that are
 * handles and views, in decimal. */
#define SECTIONFS_XATTR_NAME    SECTIONFS_XATTR_PREFIX "name"
#define SECTIONFS_XATTR_HANDLES SECTIONFS_XATTR_PREFIX "handles"
#define SECTIONFS_XATTR_VIEWS   SECTIONFS_XATTR_PREFIX "views"

/* Read-only: who holds the section now, as lsof would tell it, one line per process and role:
 *   "PID ROLE COMM\n"
 * PID in decimal; ROLE "handle" (the process opened an open file of the section that is a
 * handle), "view" (one that SECTIONFS_IOC_BECOME_VIEW made a view), or "map" (its
 * /proc/PID/maps maps the section's data, through either data path); COMM, the rest of the
 * line, the process's name (/proc/PID/comm, which may hold spaces; a byte below 0x20 or 0x7f
 * as '?'), or "-" when the process is gone.  A process holding both a view and its map has both
 * lines.  Lines are sorted by PID, then by ROLE in that order; an empty value: no holder.
 * An open file is listed under the process that opened it, even after a fork or a hand-over
 * across a socket; one whose opener is gone is listed under the gone PID with COMM "-".
 * Maps are found as the daemon can read /proc (root: all; a user's daemon: its own).
 *
 * Who sees what: anyone who may read the file (as for its other attributes) gets the value,
 * but only root and the section's owner see every line; anyone else sees only the lines of
 * processes whose /proc/PID belongs to them (their own processes, as lsof shows a user only
 * those: a map is ptrace-level information, and a section's owner may want to know who uses
 * its section), never a gone process's.  The value is built anew at every read, at most XATTR_SIZE_MAX bytes (E2BIG
 * beyond); ask its size with size 0 first and expect ERANGE if it grew meanwhile. */
#define SECTIONFS_XATTR_HOLDERS    SECTIONFS_XATTR_PREFIX "holders"

/* Set while the section is staged, read at any time: its page protection ("PAGE_READONLY",
 * optionally "|SEC_*", or a number such as "0x08000004"), its SEC_* attributes, and whether it
 * is SECTIONFS_LIFETIME_TEMPORARY (C20: the name goes with the last handle) or permanent. */
#define SECTIONFS_XATTR_PROTECT    SECTIONFS_XATTR_PREFIX "protect"
#define SECTIONFS_XATTR_ATTRIBUTES SECTIONFS_XATTR_PREFIX "attributes"
#define SECTIONFS_XATTR_LIFETIME   SECTIONFS_XATTR_PREFIX "lifetime"
#define SECTIONFS_LIFETIME_TEMPORARY "temporary"
#define SECTIONFS_LIFETIME_PERMANENT "permanent"
/* Both at once, one request instead of two: "PROTECT LIFETIME", PROTECT as .protect takes it,
 * e.g. "0x4 temporary".  Write-only; the lifetime is checked before anything is set, so a
 * refused value changes nothing. */
#define SECTIONFS_XATTR_SETUP      SECTIONFS_XATTR_PREFIX "setup"

/* What backs the section: SECTIONFS_BACKING_PAGEFILE, or the backing file's path.  Set on a
 * staged section as SECTIONFS_BACKING_FD "N" or SECTIONFS_BACKING_FD "N:SIZE" (decimal), N being
 * a descriptor of the caller's (see above); without SIZE the section keeps its size, 0 meaning
 * the file's. */
#define SECTIONFS_XATTR_BACKING    SECTIONFS_XATTR_PREFIX "backing"
#define SECTIONFS_BACKING_PAGEFILE "pagefile"
#define SECTIONFS_BACKING_FD       "fd:"

/* Where the section came from, in its creator's words: one line of text, set while staged
 * (sectionfs-bridge: "wine:PREFIX:PID").  Sections whose creator said nothing have none. */
#define SECTIONFS_XATTR_ORIGIN     SECTIONFS_XATTR_PREFIX "origin"

/* E36 for files backing sections: getxattr on the mount's root of
 * SECTIONFS_XATTR_FILE_SECTIONS ".DEV.INO" (st_dev and st_ino in decimal) answers, in decimal,
 * how many sections in the mount are over that file (0: none); while any is, winmap refuses to
 * make the file shorter (ERROR_USER_MAPPED_FILE). */
#define SECTIONFS_XATTR_FILE_SECTIONS SECTIONFS_XATTR_PREFIX "file_sections"
/* The same question for the sections that write the file (PAGE_READWRITE and
 * PAGE_EXECUTE_READWRITE): while any does, winmap opens it only with FILE_SHARE_WRITE
 * (ERROR_SHARING_VIOLATION). */
#define SECTIONFS_XATTR_FILE_WRITERS  SECTIONFS_XATTR_PREFIX "file_writers"

/* The requests the daemon has read since it mounted, on the mount's root: one "OPCODE N" line
 * per kind asked at least once ("LOOKUP 12"), for anyone to count round trips with. */
#define SECTIONFS_XATTR_REQUESTS      SECTIONFS_XATTR_PREFIX "requests"
/* How requests reach the daemon, on the mount's root: "dev_fuse", or "io_uring queues=N
 * served=A,B,..." (the requests each CPU's queue has served). */
#define SECTIONFS_XATTR_TRANSPORT     SECTIONFS_XATTR_PREFIX "transport"

/* ---- synchronization objects: events, mutexes, semaphores ----
 * Windows keeps every named kernel object in one namespace (B13), so these live beside sections,
 * as files of the same namespaces, made the same way (staged, then renamed into a namespace) and
 * with the same lifetime (temporary: the name goes with the last handle).  A staged object of
 * size 0 becomes one by setting SECTIONFS_XATTR_TYPE; the same attribute says what any name is.
 *
 * Text of SECTIONFS_XATTR_TYPE, set (while staged) and read:
 *   "section"
 *   "event manual|auto signaled|nonsignaled"      e.g. "event auto nonsignaled"
 *   "mutex"                                       (created unowned; winmap's bInitialOwner
 *                                                  acquires it right after, before publishing)
 *   "semaphore COUNT MAX"                         0 <= COUNT <= MAX, MAX >= 1, decimal
 * Read back, the type has the same words (so it can be set again on another staged file).
 * SECTIONFS_XATTR_STATE (read-only) says how it is now, one line:
 *   event:     "signaled" or "nonsignaled"
 *   mutex:     "free", "owned PID COUNT" (the owner's process and recursion count) or
 *              "abandoned" (its owner went without releasing it; the next acquire is told so)
 *   semaphore: "COUNT MAX"
 *   section:   no such attribute (ENODATA)
 *
 * As a file (no winmap needed): reading waits, writing signals.  Open files of objects are
 * streams (no offsets, no mmap).  A read needs room for 8 bytes (EINVAL otherwise), blocks until
 * the object can be taken (O_NONBLOCK: EAGAIN) and takes it: an auto-reset event is reset by the
 * read that wakes, a mutex is acquired for this open file (recursively), a semaphore loses one.
 * A read of exactly 8 bytes returns a uint64_t in host order, the Win32 wait result (0:
 * WAIT_OBJECT_0, 0x80: WAIT_ABANDONED); any other read returns a text line (cut to the size
 * asked), "signaled\n" (events, semaphores), "acquired\n" or "abandoned\n" (mutexes).
 * poll/select/epoll report POLLIN while a read would not block.  Files opened before the type
 * was set are served as they were opened (only opens made after it are the object's streams).
 * A write of exactly 8 bytes is binary (uint64_t in host order): event: nonzero sets, 0 resets;
 * semaphore: releases that many; mutex: releases once; but the 8 bytes "release\n" are the
 * text command (`echo release`).  Any other write is one text command
 * (trailing newline allowed): "set", "reset", "pulse" (events), "release" (mutexes: only
 * through the open file that acquired it, EPERM otherwise; semaphores: one), "release N"
 * (semaphores).  A semaphore released past its maximum: EOVERFLOW and nothing changes.  Closing
 * the last descriptor of an open file that owns a mutex abandons it.
 *
 * winmap uses the ioctls below instead, which follow Win32 exactly (a mutex is owned by the
 * thread that waited for it, whatever handle it waited through). */
#define SECTIONFS_XATTR_TYPE  SECTIONFS_XATTR_PREFIX "type"
#define SECTIONFS_XATTR_STATE SECTIONFS_XATTR_PREFIX "state"
/* SECTIONFS_XATTR_WAITERS (read-only, objects only): how many waits are pending on the object
 * now, in decimal: blocked reads of its files and WAIT ioctls (WaitForSingleObject,
 * WaitForMultipleObjects), each counted once.  A waiter counted here is one a SetEvent or a
 * PulseEvent made now reaches; one blocked in the kernel but not yet here is not. */
#define SECTIONFS_XATTR_WAITERS SECTIONFS_XATTR_PREFIX "waiters"

/* Kinds, as SECTIONFS_IOC_INFO reports them in struct sectionfs_object (below). */
#define SECTIONFS_KIND_SECTION   0u
#define SECTIONFS_KIND_EVENT     1u
#define SECTIONFS_KIND_MUTEX     2u
#define SECTIONFS_KIND_SEMAPHORE 3u

/* The kind of the object an open file is of, in one round trip (OpenEvent must refuse a
 * section's name with ERROR_INVALID_HANDLE, B13).  Sent on any open file of the mount's
 * objects, sections included. */
struct sectionfs_object {
	uint32_t result;
	uint32_t kind;              /* SECTIONFS_KIND_* */
	uint64_t ino;               /* the object's st_ino: how SECTIONFS_IOC_WAIT names it */
};
#define SECTIONFS_IOC_OBJECT _IOR(SECTIONFS_IOC_MAGIC, 7, struct sectionfs_object)

/* WaitForSingleObject / WaitForMultipleObjects, sent on an open file of the first object.
 * `inos` names the objects by st_ino; the calling process must have an open file of each (else
 * result ERROR_INVALID_HANDLE).  Waits for any (wait_all 0) or all (1) of them, taken all at
 * once or none; timeout_ms SECTIONFS_WAIT_INFINITE waits for ever.  The calling thread is the
 * owner of any mutex taken; it keeps it until it releases it, and if its process closes its
 * last open file of the mutex first, the mutex is abandoned.  `wait_result`: WAIT_OBJECT_0 + i,
 * WAIT_ABANDONED_0 + i, WAIT_TIMEOUT, or WAIT_FAILED with `result` the Win32 error
 * (ERROR_INVALID_HANDLE for a section or a name twice in a wait-all,
 * ERROR_INVALID_PARAMETER for count 0 or more than SECTIONFS_WAIT_MAX).  A signal to the waiting
 * thread ends the wait (EINTR from ioctl) with nothing taken.
 * SignalObjectAndWait: with `signal_op` SECTIONFS_SIGNAL_SET_EVENT, _RELEASE_MUTEX or
 * _RELEASE_SEMAPHORE (a release of 1), the object of the open file the ioctl is sent on is
 * signalled first, as SECTIONFS_IOC_SIGNAL would (a file open for writing but for a mutex),
 * and the wait is queued before anyone the signal wakes can run: a waiter it releases that
 * signals back at once finds this wait waiting.  A signal that fails is WAIT_FAILED with its
 * error (ERROR_ACCESS_DENIED, ERROR_NOT_OWNER, ERROR_TOO_MANY_POSTS, ERROR_INVALID_HANDLE for
 * an object of another kind), and nothing is waited for; any other op is
 * ERROR_INVALID_PARAMETER.  Once done, the signal stays done whatever ends the wait (EINTR
 * included: wait again without it). */
#define SECTIONFS_WAIT_MAX 64
#define SECTIONFS_WAIT_INFINITE 0xFFFFFFFFu
struct sectionfs_wait {
	uint32_t count;
	uint32_t wait_all;
	uint32_t timeout_ms;
	uint32_t result;            /* out: Win32 error when wait_result is WAIT_FAILED, else 0 */
	uint32_t wait_result;       /* out */
	uint32_t signal_op;         /* 0, or SignalObjectAndWait's signal (below) */
	uint64_t inos[SECTIONFS_WAIT_MAX];
};
#define SECTIONFS_IOC_WAIT _IOWR(SECTIONFS_IOC_MAGIC, 8, struct sectionfs_wait)

/* SetEvent, ResetEvent, PulseEvent, ReleaseMutex (by the calling thread: ERROR_NOT_OWNER
 * otherwise), ReleaseSemaphore (count >= 1; ERROR_TOO_MANY_POSTS past the maximum, nothing
 * changed; ERROR_INVALID_PARAMETER for 0), on an open file of the object; `previous` is the
 * semaphore's count before.  A wrong kind of object: ERROR_INVALID_HANDLE.  All but
 * RELEASE_MUTEX need a file open for writing (ERROR_ACCESS_DENIED), as write(2) does. */
#define SECTIONFS_SIGNAL_SET_EVENT         1u
#define SECTIONFS_SIGNAL_RESET_EVENT       2u
#define SECTIONFS_SIGNAL_PULSE_EVENT       3u
#define SECTIONFS_SIGNAL_RELEASE_MUTEX     4u
#define SECTIONFS_SIGNAL_RELEASE_SEMAPHORE 5u
struct sectionfs_signal {
	uint32_t op;                /* SECTIONFS_SIGNAL_* */
	uint32_t count;             /* RELEASE_SEMAPHORE */
	uint32_t result;            /* out: Win32 error */
	uint32_t previous;          /* out: RELEASE_SEMAPHORE */
};
#define SECTIONFS_IOC_SIGNAL _IOWR(SECTIONFS_IOC_MAGIC, 9, struct sectionfs_signal)

#endif
