/* Namespaces: the names of sections (rules A11, B12, B13, B16 as far as objects go).
 *
 * A namespace maps file names (name.h) to sections; each section has at most one name.  The
 * global namespace and one per session come from the store; the staging namespace holds
 * sections under construction, which are published into a real namespace by ns_rename. */
#ifndef SECTIONFS_NAMESPACE_H
#define SECTIONFS_NAMESPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "section.h"

struct ns;
struct handle;

enum ns_create_mode {
	NS_OPEN_IF_EXISTS,   /* CreateFileMapping, open(O_CREAT): an existing section is returned */
	NS_CREATE_NEW,       /* open(O_CREAT|O_EXCL): an existing section is ERROR_ALREADY_EXISTS */
};

/* A11/B12: makes section `leaf` in ns from spec and opens a handle with `access`, or, when the
 * name exists and mode allows, opens the existing section (its own size and protection; spec
 * ignored) with *existed = true.  Exactly one of any number of racing callers creates.  Errors:
 * ns_check_leaf()'s, ERROR_INVALID_HANDLE (B13: the name is held by an object of another kind
 * than spec->sync.kind), ERROR_ALREADY_EXISTS (NS_CREATE_NEW), section_new()'s,
 * handle_open()'s.
 * Sections made in the staging namespace are staged. */
uint32_t ns_create(struct ns *ns, const char *leaf, const struct section_spec *spec,
		   const struct section_owner *owner, enum ns_create_mode mode, uint32_t access,
		   struct handle **out, bool *existed);

/* Opens a handle on the section named leaf.  ERROR_FILE_NOT_FOUND, ERROR_INVALID_HANDLE (B13:
 * the name is a link), or handle_open()'s errors. */
uint32_t ns_open(struct ns *ns, const char *leaf, uint32_t access, struct handle **out);

/* The section named leaf, referenced for the caller; same errors as ns_open. */
uint32_t ns_lookup(struct ns *ns, const char *leaf, struct section **out);

/* Removes a name at once; holders keep the data (C20 for permanent sections).
 * ERROR_FILE_NOT_FOUND or ERROR_INVALID_HANDLE (a link).  (lifetime.c, with every name that
 * goes.) */
uint32_t ns_unlink(struct ns *ns, const char *leaf);

/* Moves a name.  Never replaces: an existing target is ERROR_ALREADY_EXISTS (Windows names are
 * never overwritten).  Leaving the staging namespace publishes the section; entering it is
 * ERROR_ACCESS_DENIED.  Errors also: ERROR_FILE_NOT_FOUND, ns_check_leaf()'s for the target. */
uint32_t ns_rename(struct ns *from, const char *from_leaf, struct ns *to, const char *to_leaf);

/* A snapshot of a namespace for readdir: names with referenced sections, sorted by name. */
struct ns_listing_entry {
	char *name;
	struct section *section;
};
struct ns_listing {
	size_t count;
	struct ns_listing_entry *entries;
};
uint32_t ns_list(struct ns *ns, struct ns_listing *out);
void ns_listing_free(struct ns_listing *listing);

uint32_t ns_session(const struct ns *ns);   /* 0: global; NS_STAGING_SESSION: staging */
bool ns_is_ended(struct ns *ns);            /* its session ended (store_end_session) */

/* The host's mark of which session a namespace belongs to, for session ids that the system
 * reuses (the daemon keeps the session leader's start time); 0 until set. */
uint64_t ns_token(struct ns *ns);
void ns_set_token(struct ns *ns, uint64_t token);
bool ns_is_staging(const struct ns *ns);

/* Does the namespace hold the links Global, Local and Session (name.h)?  Every one does but
 * Staging, whose names are files on their way to a namespace, not Windows names. */
bool ns_has_links(const struct ns *ns);

/* Checks leaf as a section's name in ns: name_check_leaf()'s errors, and ERROR_INVALID_HANDLE
 * (B13) for a link's name in a namespace that has the links. */
uint32_t ns_check_leaf(const struct ns *ns, const char *leaf);
size_t ns_count(struct ns *ns);
void *ns_host(const struct ns *ns);

/* When a name last came or went (nanoseconds since the epoch): the directory's mtime and ctime. */
int64_t ns_changed(const struct ns *ns);
void ns_set_host(struct ns *ns, void *host);

/* The session number the staging namespace reports; no real session has it. */
#define NS_STAGING_SESSION UINT32_MAX

#endif
