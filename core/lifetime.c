/* Lifetime (C20-C21): what goes when a holder or a name goes.  A handle closed or retired, a
 * handle turned into a view, a name unlinked, a session ended: the section says what must go
 * (section_what_goes_locked), and here its name is taken through namespace.c and then its data
 * let go, so that a section never calls back into the names above it.  This is the one place a
 * name goes without anyone asking for it, and so the one place the host hears of that (the
 * unname hook).
 *
 * Locks: store->lock around each change and what settles with it; the hook is called, the leaf
 * freed and the name's reference put once it is unlocked. */
#include <stdlib.h>

#include "core_internal.h"
#include "handle.h"
#include "namespace.h"
#include "store.h"
#include "win32_constants.h"

/* Under store->lock: C20, then C21.  Returns the leaf of a name that went (C20), for
 * unlock_settled() to report, or NULL. */
static char *settle_locked(struct section *sec, struct ns **ns)
{
	unsigned goes = section_what_goes_locked(sec);
	char *leaf = NULL;

	if (goes & SECTION_NAME_GOES) {
		*ns = sec->ns;
		leaf = ns_unname_locked(sec);
	}
	if (goes & SECTION_DATA_GOES)
		section_let_data_go_locked(sec);
	return leaf;
}

/* Unlocks store->lock after settle_locked(); a name that went is told to the host, and the
 * reference it held put. */
static void unlock_settled(struct section *sec, struct ns *ns, char *leaf)
{
	struct store *st = sec->store;

	pthread_mutex_unlock(&st->lock);
	if (!leaf)
		return;
	if (st->unname_hook)
		st->unname_hook(st->unname_ctx, ns, leaf, sec);
	free(leaf);
	section_put(sec);
}

/* Moves h to `role` and settles what goes with its old one; with handles_only, only a handle
 * may move (ERROR_INVALID_PARAMETER otherwise). */
static uint32_t change_role(struct handle *h, enum handle_role role, bool handles_only)
{
	struct section *sec = handle_section(h);
	struct ns *ns = NULL;
	char *leaf = NULL;
	uint32_t err;

	pthread_mutex_lock(&sec->store->lock);
	err = handle_move_locked(h, role, handles_only);
	if (!err)
		leaf = settle_locked(sec, &ns);
	unlock_settled(sec, ns, leaf);
	return err;
}

void handle_retire(struct handle *h)
{
	change_role(h, HANDLE_ROLE_RETIRED, false);
}

void handle_close(struct handle *h)
{
	change_role(h, HANDLE_ROLE_RETIRED, false);
	handle_free(h);
}

uint32_t handle_become_view(struct handle *h)
{
	return change_role(h, HANDLE_ROLE_VIEW, true);
}

/* Takes sec's name, asked for (an unlink, a session's end): no name now, so only C21 can apply.
 * Returns the leaf, for the caller to free once store->lock is unlocked. */
static char *unname_locked(struct section *sec)
{
	char *leaf = ns_unname_locked(sec);
	struct ns *none = NULL;

	settle_locked(sec, &none);
	return leaf;
}

uint32_t ns_unlink(struct ns *ns, const char *leaf)
{
	struct store *st = ns->store;
	struct section *sec;
	uint32_t err;
	char *gone;

	pthread_mutex_lock(&st->lock);
	err = ns_find_locked(ns, leaf, &sec);
	if (err) {
		pthread_mutex_unlock(&st->lock);
		return err;
	}
	gone = unname_locked(sec);
	pthread_mutex_unlock(&st->lock);
	free(gone);
	section_touch_ctime(sec);
	section_put(sec);
	return ERROR_SUCCESS;
}

void store_end_session(struct store *st, uint32_t id)
{
	struct section **sections = NULL;
	char **leaves = NULL;
	struct ns *ns;
	size_t n = 0;

	pthread_mutex_lock(&st->lock);
	ns = store_take_session_locked(st, id);
	if (!ns) {
		pthread_mutex_unlock(&st->lock);
		return;
	}
	/* Every name goes, as by unlink: holders keep their data (C21 settles the rest). */
	sections = ns_sections_locked(ns, &n);
	leaves = calloc(n ? n : 1, sizeof(*leaves));
	if (!leaves)
		n = 0;
	for (size_t i = 0; i < n; i++)
		leaves[i] = unname_locked(sections[i]);
	pthread_mutex_unlock(&st->lock);
	for (size_t i = 0; i < n; i++) {
		if (st->unname_hook)
			st->unname_hook(st->unname_ctx, ns, leaves[i], sections[i]);
		free(leaves[i]);
		section_touch_ctime(sections[i]);
		section_put(sections[i]);
	}
	free(leaves);
	free(sections);
	ns_put(ns);                            /* the store's */
}
