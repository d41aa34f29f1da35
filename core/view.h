/* Views: rules D22-D28, the one implementation the daemon and winmap share.
 *
 * view_plan() decides whether a view may be made and how to map it; mapping it is the caller's
 * (winmap maps through the mount; the daemon only checks what a client declares). */
#ifndef SECTIONFS_VIEW_H
#define SECTIONFS_VIEW_H

#include <stdbool.h>
#include <stdint.h>

struct view_request {
	uint32_t section_protect;   /* the section's PAGE_* protection */
	uint64_t section_size;
	uint32_t handle_access;     /* the handle's own access (D24) */
	uint32_t desired_access;    /* FILE_MAP_* asked for (D22) */
	uint64_t offset;
	uint64_t size;              /* 0: from offset to the end (D25) */
	uint64_t base;              /* MapViewOfFileEx's address; 0: the system picks (D28) */
};

struct view_plan {
	uint64_t length;            /* bytes to map */
	int prot;                   /* PROT_READ | PROT_WRITE | PROT_EXEC */
	bool shared;                /* MAP_SHARED; false: MAP_PRIVATE, copy-on-write (D30) */
	uint32_t page_protect;      /* the view's PAGE_* protection, as VirtualQuery reports it */
};

/* D22-D28.  Errors, checked in this order: ERROR_ACCESS_DENIED (the handle lacks the access,
 * D24, or has no map access at all for a PAGE_NOACCESS view; the section cannot give the view,
 * D23),
 * ERROR_MAPPED_ALIGNMENT (offset or base not a multiple of 64 KiB, D27-D28),
 * ERROR_INVALID_PARAMETER (offset at or past the end, D26), ERROR_ACCESS_DENIED (size past the
 * end, D26).  *out is written only on success. */
uint32_t view_plan(const struct view_request *rq, struct view_plan *out);

/* D34: may pages of a view whose protection is view_protect (as VirtualQuery reports it) be
 * committed with `protect`?  Any view takes PAGE_NOACCESS; a view with data access takes
 * PAGE_READONLY and PAGE_WRITECOPY; PAGE_READWRITE needs a read-write view; the EXECUTE
 * protections need an execute view, EXECUTE_READWRITE an execute read-write one.
 * ERROR_INVALID_PARAMETER otherwise, and for anything but one PAGE_* value. */
uint32_t view_commit_check(uint32_t view_protect, uint32_t protect);

/* The handle access (SECTION_MAP_*) a view of `desired_access` needs, for DuplicateHandle-style
 * checks and for tests. */
uint32_t view_needed_handle_access(uint32_t desired_access);

#endif
