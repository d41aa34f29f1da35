/* The store: every section of one daemon, its namespaces, and the byte cap over all of them.
 *
 * Lock order (take them in this order, never the reverse):
 *   1. store->lock        names, namespaces, the session table, holder counts and lifetimes
 *   2. cow_overlay->lock  one handle's copy-on-write pages (it reads the section under it)
 *   3. section->size_lock a section's size, backing descriptor and charge; readers are I/O
 *   store->sync_lock      every synchronization object's state and every wait (sync.h); taken
 *                         alone or under store->lock, and nothing is taken under it
 * The byte counter is atomic and taken under none of them.  Hooks are called with no lock held. */
#ifndef SECTIONFS_STORE_H
#define SECTIONFS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct store;
struct ns;
struct section;
struct pagefile;

/* Called when a section loses its name without anyone asking (rule C20, a temporary section's
 * last handle closed), so the host can forget the name too.  Called with no lock held, while
 * `sec` is still referenced; `ns` and `leaf` say which name went. */
typedef void store_unname_hook(void *ctx, struct ns *ns, const char *leaf, struct section *sec);

/* How a store keeps its sections' memory. */
struct store_config {
	uint64_t cap;                 /* bytes all sections may hold together */
	uint64_t max_sections;        /* how many sections may exist at once; 0: no bound */
	struct pagefile *pagefile;    /* where their memory lives (pagefile.h); the store takes it */
};

/* A store over `config`.  With a tmpfs paging file the kernel counts the pages really used and
 * refuses any past the cap, whoever writes them; with memfds the store charges each paging-file
 * section's size, rounded up to pages, plus copy-on-write pages, and refuses growth past the
 * cap itself.  Either way no section may be made or resized past the cap, and at most
 * max_sections exist.  NULL with errno set on failure (the paging file is freed). */
struct store *store_new_config(const struct store_config *config);

/* A store over memfds with cap_bytes, unbounded in count: store_new_config's memfd case. */
struct store *store_new(uint64_t cap_bytes);

/* Frees the store and its namespaces.  Every section must be gone already (asserted). */
void store_free(struct store *st);

void store_set_unname_hook(struct store *st, store_unname_hook *hook, void *ctx);

uint64_t store_cap(const struct store *st);
uint64_t store_used(const struct store *st);
uint64_t store_max_sections(const struct store *st);   /* 0: no bound */
struct pagefile *store_pagefile(const struct store *st);

/* Does the store charge sizes itself (memfds), rather than the kernel counting pages? */
bool store_counts_sizes(const struct store *st);

/* How many sections hold data now (a section's slot is free once its data went, C21, even while
 * references to the structure remain); for tests: every count back to zero. */
uint64_t store_live_sections(const struct store *st);

/* Reserves bytes against the cap where the store counts: ERROR_SUCCESS, or
 * ERROR_NOT_ENOUGH_MEMORY with nothing reserved when the cap would be passed.  Where the kernel
 * counts, both do nothing: the kernel refuses the page itself when it is written. */
uint32_t store_charge(struct store *st, uint64_t bytes);
void store_refund(struct store *st, uint64_t bytes);

/* Charges bytes already used, even past the cap (growth that happened without asking). */
void store_charge_anyway(struct store *st, uint64_t bytes);

/* The global namespace. */
struct ns *store_global(struct store *st);

/* Session `id`'s namespace, with a reference for the caller (ns_put); session 0's is the global
 * one.  With create, a missing namespace is made (sessions get theirs on first use); without
 * it, NULL when there is none.  The global and staging namespaces live as long as the store, a
 * session's until its session ends and the last reference goes. */
struct ns *store_session(struct store *st, uint32_t id, bool create);

/* References on a namespace (nothing to do for the global and staging ones). */
void ns_get(struct ns *ns);
void ns_put(struct ns *ns);

/* Session `id` ended: every name in its namespace goes, as by unlink (holders keep their data,
 * the unname hook tells the host), and the namespace leaves the store, taking no new name; the
 * next store_session(id, true) makes a new, empty one.  Nothing happens for 0 or an unknown id.
 * (lifetime.c, with every name that goes.) */
void store_end_session(struct store *st, uint32_t id);

/* The staging namespace: sections under construction, published into a real namespace by
 * ns_rename().  A staged section loses its staging name with its last handle, whatever its
 * lifetime will be, so a creator that dies leaves nothing half made behind. */
struct ns *store_staging(struct store *st);

/* E36 for a file: how many named sections are over file (dev, ino); while one is, the file may
 * not become shorter at all.  *writers (when not NULL) gets how many of them write the file
 * (PAGE_READWRITE, PAGE_EXECUTE_READWRITE): while one does, the file opens only with
 * FILE_SHARE_WRITE.  (section_resize.c, with the rest of E36.) */
unsigned store_sections_over_file(struct store *st, dev_t dev, ino_t ino, unsigned *writers);

/* Writes up to max session ids (those with a namespace, 0 excluded), ascending; returns how many
 * exist in all. */
size_t store_sessions(struct store *st, uint32_t *ids, size_t max);

#endif
