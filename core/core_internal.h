/* The structures behind the core's opaque types, shared by the core's own files only.
 * Every field says what protects it; the lock order is in store.h. */
#ifndef SECTIONFS_CORE_INTERNAL_H
#define SECTIONFS_CORE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "section.h"
#include "store.h"

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
	size_t n_sessions;                 /* lock */
	store_unname_hook *unname_hook;    /* set before use */
	void *unname_ctx;
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
	uint64_t charged;                  /* bytes charged to the store for the data */
	uint8_t *committed;                /* SEC_RESERVE: one bit a page, NULL otherwise */
	uint64_t committed_pages;          /* pages the bitmap covers */

	_Atomic int64_t mtime_ns;          /* last data change */
	_Atomic int64_t ctime_ns;          /* last change of data or metadata */
	_Atomic int64_t atime_ns;
};

/* store.c: the sections' id source and live count.  store_section_born refuses a section past
 * max_sections with ERROR_NOT_ENOUGH_MEMORY (counted nothing then). */
uint64_t store_next_section_id(struct store *st);
uint32_t store_section_born(struct store *st);
void store_section_gone(struct store *st);

/* section.c, under store->lock: rules C20-C21 after a holder or the name went.  Returns true when
 * it took the name (only when ns_out and leaf_out are given; pass NULL for a nameless section):
 * the caller then finishes with section_unlock_settled(). */
bool section_settle_locked(struct section *sec, struct ns **ns_out, char **leaf_out);

/* section.c: unlocks store->lock after section_settle_locked(); when it took the name, tells the
 * host, frees leaf and drops the name's reference. */
void section_unlock_settled(struct section *sec, bool unnamed, struct ns *ns, char *leaf);

/* namespace.c, under store->lock: removes sec's name, keeping its reference for the caller to
 * put; returns the leaf that went, which the caller frees. */
char *ns_unname_locked(struct section *sec);

/* section.c: now, as nanoseconds since the epoch. */
int64_t section_now_ns(void);

#endif
