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

/* What a section is, in one round trip. */
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

#endif
