/* Handles and views: the holders of a section.
 *
 * A handle is what CreateFileMapping/OpenFileMapping return and what an open file is; a view is
 * a mapped range.  Both keep the section's data alive; only handles keep a temporary section's
 * name (C20).  An open file that a client declares to be a view becomes one (handle_become_view).
 * A handle that may write to a copy-on-write section gets a private page overlay (cow.h).
 * Holders come in handle.c; they go, or turn into views, in lifetime.c, which settles C20-C21. */
#ifndef SECTIONFS_HANDLE_H
#define SECTIONFS_HANDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct section;
struct handle;

enum handle_role {
	HANDLE_ROLE_HANDLE,
	HANDLE_ROLE_VIEW,
	HANDLE_ROLE_RETIRED,   /* let go of already, still to be closed: counts as neither */
};

/* Opens a handle with `access` (FILE_MAP_* / SECTION_* bits) on sec, taking a reference.  The
 * handle holds the access asked for, whatever the protection, as a Windows handle does: what a
 * view may do is view_plan's (D23), and a host with a rule of its own applies it (the daemon's
 * open(2) for writing of a READONLY section is EACCES).  Errors: ERROR_FILE_NOT_FOUND (the
 * section was destroyed), ERROR_NOT_ENOUGH_MEMORY. */
uint32_t handle_open(struct section *sec, uint32_t access, struct handle **out);

/* Closes a handle or view: the last handle of a temporary section takes its name (C20), the
 * last holder of a nameless section its data (C21), the overlay is freed. */
void handle_close(struct handle *h);

/* Turns an open handle into a view (the protocol winmap uses for MapViewOfFile).  A handle that
 * is a view already, or was retired: ERROR_INVALID_PARAMETER. */
uint32_t handle_become_view(struct handle *h);

/* Lets go of a handle or view now, ahead of handle_close(): the counts drop and C20-C21 apply at
 * once.  For hosts whose close arrives late (FUSE sends RELEASE after close() returns), so that
 * CloseHandle and UnmapViewOfFile take effect before they return.  Retiring twice changes
 * nothing. */
void handle_retire(struct handle *h);

struct section *handle_section(const struct handle *h);
uint32_t handle_access(const struct handle *h);
enum handle_role handle_role(const struct handle *h);
bool handle_is_private(const struct handle *h);   /* writes go to its own overlay */

/* I/O through the handle: a private handle reads its own writes over the section's pages.
 * handle_write needs write access (ERROR_ACCESS_DENIED); a private handle cannot write past the
 * section's end (ERROR_FILE_TOO_LARGE: its writes never change the section). */
uint32_t handle_read(struct handle *h, void *buf, size_t len, uint64_t off, size_t *done);
uint32_t handle_write(struct handle *h, const void *buf, size_t len, uint64_t off, size_t *done);

#endif
