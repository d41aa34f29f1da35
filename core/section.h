/* Section objects: the memory behind a name, over a memfd (the "paging file") or a caller's file.
 *
 * Rules decided here: A1-A7 (sizes, growth of the backing file), A11's "new object" half, C20-C21
 * (lifetime: the name goes with the last handle of a temporary section, the data with the last
 * holder of a nameless one), E36 (no shrinking under another holder) and the byte cap.
 * Handles and views are in handle.h; names in namespace.h.  The functions live in section*.c,
 * one concern a file (section_internal.h lists them). */
#ifndef SECTIONFS_SECTION_H
#define SECTIONFS_SECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sync.h"

struct store;
struct ns;
struct section;
struct handle;

/* The longest origin a creator may give (section_set_origin), in bytes. */
#define SECTION_ORIGIN_MAX 1024

enum section_lifetime {
	SECTION_PERMANENT,   /* made through the filesystem: lives until unlinked and unheld */
	SECTION_TEMPORARY,   /* made through the Win32 API: the name goes with the last handle (C20) */
};

/* What a new section is.  Build it with section_spec_win32() to apply the Win32 rules, or fill it
 * directly for a plain filesystem create (any size, 0 included, kept exactly). */
struct section_spec {
	uint32_t protect;          /* one PAGE_* value */
	uint32_t attributes;       /* SEC_* as the section reports them */
	uint64_t size;             /* bytes */
	int file_fd;               /* -1: paging file (memfd); else the backing file, borrowed */
	const char *file_path;     /* the backing file's path for display, or NULL */
	bool grow_file;            /* A5: extend the file to size at creation */
	enum section_lifetime lifetime;
	struct sync_spec sync;     /* kind OBJECT_SECTION (0): a section; else an event, mutex or
				    * semaphore: no data (size 0, no descriptor, nothing charged) */
};

/* Unix ownership of a section, as the filesystem shows it. */
struct section_owner {
	uid_t uid;
	gid_t gid;
	mode_t mode;               /* permission bits only */
};

/* A1-A10 for CreateFileMapping(file_fd or -1, flprotect, size): validates, rounds paging-file
 * sizes up to pages (A2), takes a file's own size for size 0 (A4), decides growth (A5) and checks
 * the file's access (A10, file_access is FILE_ACCESS_*).  The spec borrows file_fd.  Errors:
 * ERROR_INVALID_PARAMETER (A1, A8, A9), ERROR_BAD_EXE_FORMAT (A9), ERROR_FILE_INVALID (A3),
 * ERROR_NOT_ENOUGH_MEMORY (A6, A7), ERROR_ACCESS_DENIED (A10), or the error of fstat on the file. */
uint32_t section_spec_win32(uint32_t flprotect, uint64_t size, int file_fd, unsigned file_access,
			    enum section_lifetime lifetime, struct section_spec *spec);

/* A plain filesystem section: PAGE_READWRITE, SEC_COMMIT, size 0, paging file. */
struct section_spec section_spec_default(enum section_lifetime lifetime);

/* Makes a nameless section (namespace.h gives it a name) with one reference for the caller.
 * Paging-file sections get a zero-filled memfd charged against the store's cap; file-backed ones
 * keep a duplicate of spec->file_fd and grow the file when spec->grow_file.  Errors:
 * ERROR_NOT_ENOUGH_MEMORY (the cap), or the system's error as a Win32 code; nothing is charged
 * or changed on error. */
uint32_t section_new(struct store *st, const struct section_spec *spec,
		     const struct section_owner *owner, struct section **out);

/* References keep the structure, not the data: data lives while a name or a holder does. */
void section_get(struct section *sec);
void section_put(struct section *sec);

uint64_t section_id(const struct section *sec);
uint64_t section_size(const struct section *sec);
uint32_t section_protect(struct section *sec);
uint32_t section_attributes(struct section *sec);
enum section_lifetime section_lifetime(struct section *sec);
bool section_is_file_backed(struct section *sec);
bool section_is_staged(struct section *sec);
bool section_is_destroyed(struct section *sec);
void section_holders(struct section *sec, unsigned *handles, unsigned *views);
struct store *section_store(const struct section *sec);

/* The backing file's path ("" for the paging file) into buf; returns the length it needs. */
int section_backing_path(struct section *sec, char *buf, size_t len);

/* Where the section came from, in its creator's words (sectionfs-bridge says
 * "wine:PREFIX:PID"), into buf; returns the length it needs, -1 when the creator said nothing. */
int section_origin(struct section *sec, char *buf, size_t len);

/* Is the section exactly its file, the file's size being the section's?  A host may then let
 * the kernel reach the file directly (FUSE passthrough): nothing beyond the section is exposed.
 * False for paging-file sections. */
bool section_is_its_file(struct section *sec);

/* Does the section have a name now (in a namespace or in staging)? */
bool section_has_name(struct section *sec);

/* The section's namespace and file name (copied into leaf, NAME_LEAF_MAX + 1 bytes); false when
 * it has none. */
bool section_name(struct section *sec, struct ns **ns, char *leaf);

/* Ownership and times, for the filesystem. */
struct section_owner section_owner(struct section *sec);
void section_set_owner(struct section *sec, const struct section_owner *owner);
void section_times(struct section *sec, int64_t *atime_ns, int64_t *mtime_ns, int64_t *ctime_ns);
void section_set_times(struct section *sec, const int64_t *atime_ns, const int64_t *mtime_ns);
void section_touch_ctime(struct section *sec);

/* The embedding program's slot (the daemon keeps its inode here); protected by the caller. */
void *section_host(struct section *sec);
void section_set_host(struct section *sec, void *host);

/* Reads up to len bytes at off; *done is 0 at or past the end.  Never fails for a live section;
 * a destroyed one gives ERROR_FILE_NOT_FOUND. */
uint32_t section_read(struct section *sec, void *buf, size_t len, uint64_t off, size_t *done);

/* Writes len bytes at off, growing the section first when they reach past its end (charged
 * against the cap: ERROR_NOT_ENOUGH_MEMORY, nothing written, when it is full).  Protection is
 * the caller's business: it was checked when the handle was opened. */
uint32_t section_write(struct section *sec, const void *buf, size_t len, uint64_t off,
		       size_t *done);

/* Sets the size.  Growing charges the cap (ERROR_NOT_ENOUGH_MEMORY); new bytes read as zeros.
 * Refused with ERROR_ACCESS_DENIED for a published section whose pages may not change
 * (READONLY, WRITECOPY and their EXECUTE forms).  Shrinking while any holder other than `by`
 * (which may be NULL) holds the section fails with ERROR_USER_MAPPED_FILE (E36).  A file-backed
 * section grows its file as needed and never cuts it. */
uint32_t section_resize(struct section *sec, uint64_t size, const struct handle *by);

/* fallocate(2) of [off, off+len): where the kernel counts pages (a tmpfs paging file) they are
 * taken now, every one or none (ERROR_NOT_ENOUGH_MEMORY past the cap); elsewhere they are
 * charged or on disk already.  Without keep_size the size grows to off+len when that is more,
 * never past the cap.  ERROR_ACCESS_DENIED for a published section whose pages may not change. */
uint32_t section_allocate(struct section *sec, uint64_t off, uint64_t len, bool keep_size);

/* The 512-byte blocks the data takes, as stat(2) reports them: the pages really used where the
 * kernel counts pages, else the size. */
uint64_t section_blocks(struct section *sec);

/* A destroyed section's pages are dropped at once if nothing opens or maps its file any more;
 * for hosts to call when one of those lets go (a FUSE release). */
void section_trim(struct section *sec);

/* Makes sure the pages of [off, off+len) (clipped to the size) hold memory of their own, for a
 * host that is about to hand them out to be written later without asking (a page cache fill):
 * where the kernel counts pages, ERROR_NOT_ENOUGH_MEMORY when the cap has none left; else
 * nothing to do. */
uint32_t section_populate(struct section *sec, uint64_t off, uint64_t len);

/* Takes the size from the data file: for hosts that let the kernel write it directly (FUSE
 * passthrough), where a write past the end grows the data behind the core's back.  Growth of a
 * paging-file section found this way is charged even past the cap (it happened already; the next
 * growth asked for is then refused); a file-backed section takes only growth of its file.
 * Returns the size. */
uint64_t section_sync_size(struct section *sec);

/* The descriptor holding the data (memfd or file), for mapping it directly; -1 once destroyed.
 * Borrowed: valid while the caller holds a handle or a view. */
int section_fd(struct section *sec);

/* Staged sections (made to be configured, then published under a name) may still change what
 * they are.  Each fails with ERROR_ACCESS_DENIED on a section that is not staged. */
uint32_t section_set_protect(struct section *sec, uint32_t flprotect);     /* A8, A9 */
uint32_t section_set_lifetime(struct section *sec, enum section_lifetime lifetime);
/* ERROR_INVALID_PARAMETER for text of more than SECTION_ORIGIN_MAX bytes or with a control
 * character; ERROR_NOT_ENOUGH_MEMORY. */
uint32_t section_set_origin(struct section *sec, const char *text);
/* Moves a staged paging-file section onto a file, `size` bytes of it, 0 meaning the file's own
 * size (A3-A6 and A10 with the section's protection, as CreateFileMapping would).  The old
 * contents are dropped and their charge refunded; a file-backed size is never charged.  The host
 * must drop any cached copy of the old contents. */
uint32_t section_attach_file(struct section *sec, int file_fd, unsigned file_access,
			     const char *file_path, uint64_t size);
void section_mark_staged(struct section *sec, bool staged);

/* SEC_RESERVE (D33): commits the pages of [off, off+len) for the whole section, or tells whether
 * they all are.  Sections without SEC_RESERVE are always committed; committing in a file-backed
 * section fails with ERROR_ACCESS_DENIED (D34); a range past the end with ERROR_INVALID_PARAMETER. */
uint32_t section_commit(struct section *sec, uint64_t off, uint64_t len);
bool section_is_committed(struct section *sec, uint64_t off, uint64_t len);

/* The run of pages from off's page that share its commit state, at most `limit` bytes: its
 * length in bytes (page multiples, 0 only for a limit of 0), and in *committed the state.  One
 * lookup, whatever the length: VirtualQuery asks it for a region. */
uint64_t section_commit_run(struct section *sec, uint64_t off, uint64_t limit, bool *committed);

#endif
