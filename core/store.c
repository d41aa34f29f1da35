/* The store: the namespaces of one daemon, the lock over names and lifetimes, and the byte cap.
 * A session's end is lifetime.c's: its names go there, taking what C20-C21 say goes with them.
 *
 * Locks: store->lock for the table of namespaces and their references; the byte counter, the
 * ids and the live count are atomic. */
#include "store.h"

#include <assert.h>
#include <errno.h>
#include <search.h>
#include <stdlib.h>

#include "core_internal.h"
#include "namespace.h"
#include "pagefile.h"
#include "win32_constants.h"

static struct ns *ns_alloc(struct store *st, uint32_t session)
{
	struct ns *ns = calloc(1, sizeof(*ns));

	if (ns) {
		ns->store = st;
		ns->session = session;
		ns->refs = 1;                  /* the store's */
		atomic_init(&ns->changed_ns, core_now_ns());
	}
	return ns;
}

static struct ns *staging_of(struct store *st);

struct store *store_new_config(const struct store_config *config)
{
	struct store *st = calloc(1, sizeof(*st));

	if (!st) {
		pagefile_free(config->pagefile);
		return NULL;
	}
	pthread_mutex_init(&st->lock, NULL);
	pthread_mutex_init(&st->sync_lock, NULL);
	LIST_INIT(&st->sync_pending);
	st->cap = config->cap;
	st->max_sections = config->max_sections;
	st->pagefile = config->pagefile;
	st->counts_sizes = pagefile_kind(st->pagefile) == PAGEFILE_MEMFD;
	atomic_init(&st->used, 0);
	atomic_init(&st->next_id, 1);
	atomic_init(&st->live_sections, 0);
	st->global = ns_alloc(st, 0);
	if (!st->global || !staging_of(st)) {
		free(st->global);
		pagefile_free(st->pagefile);
		free(st);
		errno = ENOMEM;
		return NULL;
	}
	return st;
}

struct store *store_new(uint64_t cap_bytes)
{
	struct store_config config = { .cap = cap_bytes, .pagefile = pagefile_new_memfd() };

	if (!config.pagefile)
		return NULL;
	return store_new_config(&config);
}

static int compare_session(const void *a, const void *b)
{
	uint32_t x = ((const struct ns *)a)->session, y = ((const struct ns *)b)->session;

	return x < y ? -1 : x > y;
}

/* The staging namespace lives in the session tree under a number no session has. */
static struct ns *staging_of(struct store *st)
{
	struct ns key = { .session = NS_STAGING_SESSION };
	void *found = tfind(&key, &st->sessions, compare_session);
	struct ns *ns;

	if (found)
		return *(struct ns **)found;
	ns = ns_alloc(st, NS_STAGING_SESSION);
	if (ns && !tsearch(ns, &st->sessions, compare_session)) {
		free(ns);
		ns = NULL;
	}
	return ns;
}

static void free_ns(void *node)
{
	struct ns *ns = node;

	assert(ns->count == 0 && "store_free with sections still named");
	free(ns);
}

void store_free(struct store *st)
{
	if (!st)
		return;
	assert(atomic_load(&st->live_sections) == 0 && "store_free with sections alive");
	tdestroy(st->sessions, free_ns);
	free_ns(st->global);
	pagefile_free(st->pagefile);
	pthread_mutex_destroy(&st->lock);
	pthread_mutex_destroy(&st->sync_lock);
	free(st);
}

void store_set_unname_hook(struct store *st, store_unname_hook *hook, void *ctx)
{
	st->unname_hook = hook;
	st->unname_ctx = ctx;
}

uint64_t store_cap(const struct store *st)
{
	return st->cap;
}

uint64_t store_used(const struct store *st)
{
	if (!st->counts_sizes)
		return pagefile_used(st->pagefile);
	return atomic_load(&((struct store *)st)->used);
}

uint64_t store_max_sections(const struct store *st)
{
	return st->max_sections;
}

struct pagefile *store_pagefile(const struct store *st)
{
	return st->pagefile;
}

bool store_counts_sizes(const struct store *st)
{
	return st->counts_sizes;
}

uint64_t store_live_sections(const struct store *st)
{
	return atomic_load(&((struct store *)st)->live_sections);
}

uint32_t store_charge(struct store *st, uint64_t bytes)
{
	uint64_t used = atomic_load(&st->used);

	if (!st->counts_sizes)
		return ERROR_SUCCESS;
	do {
		if (bytes > st->cap || used > st->cap - bytes)
			return ERROR_NOT_ENOUGH_MEMORY;
	} while (!atomic_compare_exchange_weak(&st->used, &used, used + bytes));
	return ERROR_SUCCESS;
}

void store_charge_anyway(struct store *st, uint64_t bytes)
{
	if (st->counts_sizes)
		atomic_fetch_add(&st->used, bytes);
}

void store_refund(struct store *st, uint64_t bytes)
{
	uint64_t before;

	if (!st->counts_sizes)
		return;
	before = atomic_fetch_sub(&st->used, bytes);

	assert(before >= bytes && "refund of bytes never charged");
	(void)before;
}

struct ns *store_global(struct store *st)
{
	return st->global;
}

struct ns *store_staging(struct store *st)
{
	struct ns *ns;

	pthread_mutex_lock(&st->lock);
	ns = staging_of(st);
	pthread_mutex_unlock(&st->lock);
	return ns;
}

/* Namespaces that live as long as the store: the global one and staging. */
static bool ns_is_permanent(const struct ns *ns)
{
	return ns->session == 0 || ns->session == NS_STAGING_SESSION;
}

struct ns *store_session(struct store *st, uint32_t id, bool create)
{
	struct ns key = { .session = id }, *ns = NULL;
	void *found;

	if (id == 0)
		return st->global;
	if (id == NS_STAGING_SESSION)
		return NULL;
	pthread_mutex_lock(&st->lock);
	found = tfind(&key, &st->sessions, compare_session);
	if (found) {
		ns = *(struct ns **)found;
	} else if (create) {
		ns = ns_alloc(st, id);
		if (ns && !tsearch(ns, &st->sessions, compare_session)) {
			free(ns);
			ns = NULL;
		}
	}
	if (ns)
		ns->refs++;                    /* the caller's */
	pthread_mutex_unlock(&st->lock);
	return ns;
}

void ns_get(struct ns *ns)
{
	if (ns_is_permanent(ns))
		return;
	pthread_mutex_lock(&ns->store->lock);
	ns->refs++;
	pthread_mutex_unlock(&ns->store->lock);
}

void ns_put(struct ns *ns)
{
	bool last;

	if (!ns || ns_is_permanent(ns))
		return;
	pthread_mutex_lock(&ns->store->lock);
	assert(ns->refs > 0 && "ns_put without a reference");
	last = --ns->refs == 0;
	pthread_mutex_unlock(&ns->store->lock);
	if (last) {
		assert(ns->ended && ns->count == 0);
		free(ns);
	}
}

struct ns *store_take_session_locked(struct store *st, uint32_t id)
{
	struct ns key = { .session = id }, *ns;
	void *found;

	if (id == 0 || id == NS_STAGING_SESSION)
		return NULL;
	found = tfind(&key, &st->sessions, compare_session);
	if (!found)
		return NULL;
	ns = *(struct ns **)found;
	tdelete(&key, &st->sessions, compare_session);
	ns->ended = true;
	return ns;
}

struct session_walk {
	uint32_t *ids;
	size_t max, n;
};

static void collect_session(const void *node, VISIT which, void *ctx)
{
	struct session_walk *w = ctx;
	const struct ns *ns = *(const struct ns *const *)node;

	if ((which == postorder || which == leaf) && ns->session != NS_STAGING_SESSION) {
		if (w->n < w->max)
			w->ids[w->n] = ns->session;
		w->n++;
	}
}

size_t store_sessions(struct store *st, uint32_t *ids, size_t max)
{
	struct session_walk w = { ids, max, 0 };

	pthread_mutex_lock(&st->lock);
	twalk_r(st->sessions, collect_session, &w);
	pthread_mutex_unlock(&st->lock);
	return w.n;
}

uint64_t store_next_section_id(struct store *st)
{
	return atomic_fetch_add(&st->next_id, 1);
}

uint32_t store_section_born(struct store *st)
{
	uint64_t live = atomic_load(&st->live_sections);

	do {
		if (st->max_sections && live >= st->max_sections)
			return ERROR_NOT_ENOUGH_MEMORY;
	} while (!atomic_compare_exchange_weak(&st->live_sections, &live, live + 1));
	return ERROR_SUCCESS;
}

void store_section_gone(struct store *st)
{
	atomic_fetch_sub(&st->live_sections, 1);
}
