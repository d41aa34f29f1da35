/* The structures behind the core's opaque types, shared by the core's own files only.
 * Every field says what protects it; the lock order is in store.h.
 *
 * The core's files form a chain, each calling only into those before it (scripts/depgraph):
 *   errors, name, protect, pagefile, mountinfo, view   rules and resources of their own
 *   store.c       the lock, the cap, the section count, the table of namespaces
 *   section*.c    a section's data, one concern a file (their own chain: section_internal.h);
 *                 section.c says what C20-C21 take from a section, and takes nothing itself
 *   cow.c         a handle's private pages
 *   handle.c      holders come: handles and views opened, their I/O
 *   namespace.c   names come and move: create-or-open, lookup, rename, listing
 *   lifetime.c    holders and names go, and with them what C20-C21 say must go
 * The functions below are what one file offers those after it, grouped by the file. */
#ifndef SECTIONFS_CORE_INTERNAL_H
#define SECTIONFS_CORE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/queue.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "handle.h"
#include "section.h"
#include "store.h"
#include "sync.h"

struct sync_wait;
struct sync_object;

struct store {
	pthread_mutex_t lock;
	uint64_t cap;                      /* fixed at creation */
	uint64_t max_sections;             /* fixed; 0: no bound */
	struct pagefile *pagefile;         /* fixed; owned */
	bool counts_sizes;                 /* fixed: memfds, charged here rather than by the kernel */
	_Atomic uint64_t used;             /* bytes charged against cap */
	_Atomic uint64_t next_id;          /* section ids, never reused */
	_Atomic uint64_t live_sections;
	struct ns *global;                 /* fixed at creation */
	void *sessions;                    /* lock: tsearch tree of struct ns *, by session id */
	store_unname_hook *unname_hook;    /* set before use */
	void *unname_ctx;
	pthread_mutex_t sync_lock;         /* after lock: every object's state and wait (sync.c) */
	LIST_HEAD(, sync_wait) sync_pending;   /* sync_lock: the waits not ended yet */
	_Atomic uint64_t sync_serials;     /* the last serial given to a wait */
	sync_ready_hook *ready_hook;       /* set before use */
	void *ready_ctx;
};

struct ns {
	struct store *store;
	uint32_t session;                  /* 0: the global namespace */
	unsigned refs;                     /* store->lock: the store's tree, and store_session()'s */
	bool ended;                        /* store->lock: its session ended; no new names */
	uint64_t token;                    /* store->lock: the host's mark of which session it is */
	void *names;                       /* store->lock: tsearch tree of struct section *, by name */
	size_t count;                      /* store->lock */
	_Atomic int64_t changed_ns;        /* when a name last came or went (the directory's mtime) */
	void *host;                        /* the embedding program's; the core never touches it */
};

struct section {
	uint64_t id;                       /* fixed */
	struct store *store;               /* fixed */
	_Atomic unsigned refs;             /* the name, each handle, and each section_get() */

	/* store->lock */
	struct ns *ns;                     /* NULL when the section has no name */
	char *name;                        /* its file name in ns, or NULL */
	unsigned handles;                  /* open handles (role HANDLE_ROLE_HANDLE) */
	unsigned views;                    /* open views (role HANDLE_ROLE_VIEW) */
	enum section_lifetime lifetime;
	bool staged;                       /* made to be published by name later: still settable */
	bool destroyed;                    /* data released (C21); nothing can reach it again */
	uint32_t protect;                  /* one PAGE_* value */
	uint32_t attributes;               /* SEC_* as reported */
	struct section_owner owner;
	void *host;                        /* the embedding program's; the core never touches it */
	/* store->lock and sync_lock both to change (only while staged), either to read: */
	enum object_kind kind;             /* a section, or a synchronization object (sync.h) */
	struct sync_object *sync;          /* an object's state (under sync_lock); NULL: a section */

	/* size_lock: writers change size, backing or charge; readers do I/O on fd */
	pthread_rwlock_t size_lock;
	_Atomic uint64_t size;             /* bytes; readable without the lock */
	int fd;                            /* memfd or the backing file; -1 once destroyed */
	int dead_fd;                       /* a destroyed tmpfs file, till its pages are dropped */
	bool counted;                      /* in the store's live count: until the data goes */
	bool file_backed;
	dev_t file_dev;                    /* file-backed: the file's identity, for E36 questions */
	ino_t file_ino;
	char *backing_path;                /* the backing file's path when it was attached */
	char *origin;                      /* store->lock; set while staged: section_set_origin */
	uint64_t charged;                  /* bytes charged to the store for the data */
	uint8_t *committed;                /* SEC_RESERVE: one bit a page, NULL otherwise */
	uint64_t committed_pages;          /* pages the bitmap covers */

	_Atomic int64_t mtime_ns;          /* last data change */
	_Atomic int64_t ctime_ns;          /* last change of data or metadata */
	_Atomic int64_t atime_ns;
};

/* Now, as nanoseconds since the epoch: the times of sections and namespaces. */
static inline int64_t core_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* store.c: the sections' id source and live count.  store_section_born refuses a section past
 * max_sections with ERROR_NOT_ENOUGH_MEMORY (counted nothing then). */
uint64_t store_next_section_id(struct store *st);
uint32_t store_section_born(struct store *st);
void store_section_gone(struct store *st);

/* store.c, under store->lock: takes session id's namespace out of the table, ended (it takes no
 * new name), with the table's reference for the caller; NULL for 0, staging or a session that
 * has none. */
struct ns *store_take_session_locked(struct store *st, uint32_t id);

/* section.c, under store->lock: what C20-C21 take from sec now.  The section only says so; its
 * name goes through namespace.c and then its data through section_let_data_go_locked(), both
 * asked by lifetime.c, the file above them. */
enum section_goes {
	SECTION_NAME_GOES = 1u << 0,   /* C20: a temporary or staged section's last handle went */
	SECTION_DATA_GOES = 1u << 1,   /* C21: no name (or it goes now), no handle and no view */
};
unsigned section_what_goes_locked(const struct section *sec);

/* section.c, under store->lock: the data goes now (C21): nothing can reach it again.  Takes
 * size_lock. */
void section_let_data_go_locked(struct section *sec);

/* handle.c, under store->lock: handle_open() and the change of a holder's role, keeping the
 * section's counts.  handle_move_locked refuses with ERROR_INVALID_PARAMETER, changing nothing,
 * a holder that is no handle when handles_only.  handle_free, with no lock held, frees a retired
 * handle: its overlay, its reference on the section, itself. */
uint32_t handle_open_locked(struct section *sec, uint32_t access, struct handle **out);
uint32_t handle_move_locked(struct handle *h, enum handle_role role, bool handles_only);
void handle_free(struct handle *h);

/* namespace.c, under store->lock.  ns_find_locked: the section named leaf in ns, borrowed
 * (B13: a link name is ERROR_INVALID_HANDLE).  ns_sections_locked: the sections ns names, in
 * name order, borrowed, in an array for the caller to free; NULL (and *n 0) with no memory.
 * ns_unname_locked: removes sec's name, keeping its reference for the caller to put; returns
 * the leaf that went, which the caller frees. */
uint32_t ns_find_locked(struct ns *ns, const char *leaf, struct section **out);
struct section **ns_sections_locked(struct ns *ns, size_t *n);
char *ns_unname_locked(struct section *sec);

#endif
