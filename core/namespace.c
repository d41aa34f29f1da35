/* Namespaces: name -> section, with create-or-open (A11, B12), the link names (B13), rename and
 * listing.  A name that goes is lifetime.c's (unlink, C20, a session's end): what goes with it
 * is decided there, above this file.
 *
 * Locks: store->lock for every name and namespace count; a name holds one reference on its
 * section. */
#include "namespace.h"

#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"
#include "handle.h"
#include "name.h"
#include "win32_constants.h"

static int compare_name(const void *a, const void *b)
{
	return strcmp(((const struct section *)a)->name, ((const struct section *)b)->name);
}

static struct section *find_locked(struct ns *ns, const char *leaf)
{
	struct section key = { .name = (char *)leaf };
	void *found = tfind(&key, &ns->names, compare_name);

	return found ? *(struct section **)found : NULL;
}

/* Gives sec the name leaf (owned by sec from now) in ns; the name takes the caller's reference. */
static bool insert_locked(struct ns *ns, struct section *sec, char *leaf)
{
	sec->name = leaf;
	sec->ns = ns;
	if (!tsearch(sec, &ns->names, compare_name)) {
		sec->name = NULL;
		sec->ns = NULL;
		return false;
	}
	ns->count++;
	atomic_store(&ns->changed_ns, core_now_ns());
	return true;
}

char *ns_unname_locked(struct section *sec)
{
	struct ns *ns = sec->ns;
	char *leaf = sec->name;

	tdelete(sec, &ns->names, compare_name);
	ns->count--;
	atomic_store(&ns->changed_ns, core_now_ns());
	sec->name = NULL;
	sec->ns = NULL;
	return leaf;
}

bool ns_has_links(const struct ns *ns)
{
	return !ns_is_staging(ns);
}

uint32_t ns_check_leaf(const struct ns *ns, const char *leaf)
{
	uint32_t err = name_check_leaf(leaf);

	if (!err && ns_has_links(ns) && name_is_link(leaf, NULL))
		err = ERROR_INVALID_HANDLE;   /* B13: the name is a link's */
	return err;
}

/* B13 for an existing name: the links are not sections. */
uint32_t ns_find_locked(struct ns *ns, const char *leaf, struct section **out)
{
	if (ns_has_links(ns) && name_is_link(leaf, NULL))
		return ERROR_INVALID_HANDLE;
	*out = find_locked(ns, leaf);
	return *out ? ERROR_SUCCESS : ERROR_FILE_NOT_FOUND;
}

uint32_t ns_create(struct ns *ns, const char *leaf, const struct section_spec *spec,
		   const struct section_owner *owner, enum ns_create_mode mode, uint32_t access,
		   struct handle **out, bool *existed)
{
	struct store *st = ns->store;
	struct section *sec, *made = NULL;
	uint32_t err = ns_check_leaf(ns, leaf);
	char *copy;

	if (err)
		return err;
	for (;;) {
		pthread_mutex_lock(&st->lock);
		if (ns->ended) {
			/* its session ended while the caller held the directory */
			pthread_mutex_unlock(&st->lock);
			if (made)
				section_put(made);
			return ERROR_PATH_NOT_FOUND;
		}
		sec = find_locked(ns, leaf);
		if (sec || made)
			break;
		/* Make the section outside the lock (a memfd costs system calls), then look again:
		 * whoever inserts first under the lock is the one creator. */
		pthread_mutex_unlock(&st->lock);
		err = section_new(st, spec, owner, &made);
		if (err)
			return err;
	}

	if (sec) {
		*existed = true;
		if (sec->kind != spec->sync.kind)
			err = ERROR_INVALID_HANDLE;   /* B13: one namespace for every kind of object */
		else if (mode == NS_CREATE_NEW)
			err = ERROR_ALREADY_EXISTS;
		else
			err = handle_open_locked(sec, access, out);
		pthread_mutex_unlock(&st->lock);
		if (made)
			section_put(made);   /* lost the race: never named, never held */
		return err;
	}

	*existed = false;
	copy = strdup(leaf);
	if (!copy || !insert_locked(ns, made, copy)) {
		free(copy);
		pthread_mutex_unlock(&st->lock);
		section_put(made);
		return ERROR_NOT_ENOUGH_MEMORY;
	}
	made->staged = ns->session == NS_STAGING_SESSION;
	err = handle_open_locked(made, access, out);
	if (err) {
		/* the name goes again: nobody saw the section without its handle, and its last
		 * reference, the name's, takes its data */
		char *gone = ns_unname_locked(made);
		pthread_mutex_unlock(&st->lock);
		free(gone);
		section_put(made);
		return err;
	}
	pthread_mutex_unlock(&st->lock);
	return ERROR_SUCCESS;
}

uint32_t ns_open(struct ns *ns, const char *leaf, uint32_t access, struct handle **out)
{
	struct section *sec;
	uint32_t err;

	pthread_mutex_lock(&ns->store->lock);
	err = ns_find_locked(ns, leaf, &sec);
	if (!err)
		err = handle_open_locked(sec, access, out);
	pthread_mutex_unlock(&ns->store->lock);
	return err;
}

uint32_t ns_lookup(struct ns *ns, const char *leaf, struct section **out)
{
	uint32_t err;

	pthread_mutex_lock(&ns->store->lock);
	err = ns_find_locked(ns, leaf, out);
	if (!err)
		section_get(*out);
	pthread_mutex_unlock(&ns->store->lock);
	return err;
}

uint32_t ns_rename(struct ns *from, const char *from_leaf, struct ns *to, const char *to_leaf)
{
	struct store *st = from->store;
	struct section *sec, *target;
	uint32_t err = ns_check_leaf(to, to_leaf);
	char *copy, *old;

	if (err)
		return err;
	if (to->session == NS_STAGING_SESSION && from->session != NS_STAGING_SESSION)
		return ERROR_ACCESS_DENIED;
	copy = strdup(to_leaf);
	if (!copy)
		return ERROR_NOT_ENOUGH_MEMORY;
	pthread_mutex_lock(&st->lock);
	err = ns_find_locked(from, from_leaf, &sec);
	if (err)
		goto fail;
	if (to->ended) {
		err = ERROR_PATH_NOT_FOUND;
		goto fail;
	}
	target = find_locked(to, to_leaf);
	if (target == sec) {
		err = ERROR_SUCCESS;      /* renaming a name onto itself changes nothing */
		goto fail;
	}
	if (target) {
		err = ERROR_ALREADY_EXISTS;
		goto fail;
	}
	old = ns_unname_locked(sec);
	if (!insert_locked(to, sec, copy)) {
		insert_locked(from, sec, old);   /* put it back where it was: cannot fail twice */
		err = ERROR_NOT_ENOUGH_MEMORY;
		copy = NULL;
		goto fail;
	}
	free(old);
	if (from->session == NS_STAGING_SESSION && to->session != NS_STAGING_SESSION)
		sec->staged = false;      /* published: what it is is fixed from now on */
	pthread_mutex_unlock(&st->lock);
	section_touch_ctime(sec);
	return ERROR_SUCCESS;
fail:
	pthread_mutex_unlock(&st->lock);
	free(copy);
	return err;
}

struct sections_walk {
	struct section **sections;
	size_t n;
};

static void collect_section(const void *node, VISIT which, void *ctx)
{
	struct sections_walk *w = ctx;

	if (which == postorder || which == leaf)
		w->sections[w->n++] = *(struct section *const *)node;
}

struct section **ns_sections_locked(struct ns *ns, size_t *n)
{
	struct sections_walk w = { calloc(ns->count ? ns->count : 1, sizeof(*w.sections)), 0 };

	if (w.sections)
		twalk_r(ns->names, collect_section, &w);
	*n = w.n;
	return w.sections;
}

uint32_t ns_list(struct ns *ns, struct ns_listing *out)
{
	struct section **sections;
	bool failed;
	size_t n;

	out->count = 0;
	pthread_mutex_lock(&ns->store->lock);
	sections = ns_sections_locked(ns, &n);
	out->entries = calloc(n ? n : 1, sizeof(*out->entries));
	failed = !sections || !out->entries;
	for (size_t i = 0; !failed && i < n; i++) {
		out->entries[i].name = strdup(sections[i]->name);
		failed = !out->entries[i].name;
		if (!failed) {
			section_get(sections[i]);
			out->entries[out->count++].section = sections[i];
		}
	}
	pthread_mutex_unlock(&ns->store->lock);
	free(sections);
	if (failed) {
		ns_listing_free(out);
		return ERROR_NOT_ENOUGH_MEMORY;
	}
	return ERROR_SUCCESS;
}

void ns_listing_free(struct ns_listing *listing)
{
	for (size_t i = 0; i < listing->count; i++) {
		free(listing->entries[i].name);
		section_put(listing->entries[i].section);
	}
	free(listing->entries);
	listing->entries = NULL;
	listing->count = 0;
}

uint32_t ns_session(const struct ns *ns) { return ns->session; }

/* A field read under store->lock. */
#define NS_LOCKED_GETTER(type, name, field)                      \
	type name(struct ns *ns)                                 \
	{                                                        \
		type value;                                      \
		pthread_mutex_lock(&ns->store->lock);            \
		value = ns->field;                               \
		pthread_mutex_unlock(&ns->store->lock);          \
		return value;                                    \
	}

NS_LOCKED_GETTER(bool, ns_is_ended, ended)
NS_LOCKED_GETTER(uint64_t, ns_token, token)

void ns_set_token(struct ns *ns, uint64_t token)
{
	pthread_mutex_lock(&ns->store->lock);
	ns->token = token;
	pthread_mutex_unlock(&ns->store->lock);
}

bool ns_is_staging(const struct ns *ns) { return ns->session == NS_STAGING_SESSION; }
void *ns_host(const struct ns *ns) { return ns->host; }
int64_t ns_changed(const struct ns *ns) { return atomic_load(&((struct ns *)ns)->changed_ns); }
void ns_set_host(struct ns *ns, void *host) { ns->host = host; }

size_t ns_count(struct ns *ns)
{
	size_t n;

	pthread_mutex_lock(&ns->store->lock);
	n = ns->count;
	pthread_mutex_unlock(&ns->store->lock);
	return n;
}
