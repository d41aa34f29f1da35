/* Concurrency: many threads at once on the same names and sections.  Racing create-or-open
 * makes exactly one creator per name (A11/B12) and every handle reaches that one section;
 * racing NS_CREATE_NEW has one winner; temporary sections opened and closed while others create
 * them lose their names exactly once each (C20) and never hand out a destroyed section; writes
 * growing one section from many threads lose nothing; holders never see their section cut
 * (E36); private copy-on-write handles stay private.  Everything ends with no section alive and
 * no byte charged.  Worker threads only count what went wrong (CUnit is not thread-safe); the
 * main thread asserts. */
#include <CUnit/CUnit.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit_main.h"
#include "fixture.h"
#include "handle.h"
#include "namespace.h"
#include "section.h"
#include "store.h"
#include "win32_constants.h"

#define PAGE WIN32_PAGE_SIZE
#define THREADS 24
#define NAMES 4

static struct store *st;
static struct section_owner owner;
static atomic_uint unnamed;     /* unname hook calls */

static void count_unnamed(void *ctx, struct ns *ns, const char *leaf, struct section *sec)
{
	(void)ctx;
	(void)ns;
	(void)leaf;
	(void)sec;
	atomic_fetch_add(&unnamed, 1);
}

void suite_setup(void)
{
	owner = fixture_owner(0600);
	atomic_store(&unnamed, 0);
	st = fixture_store(256u * 1024 * 1024);
	store_set_unname_hook(st, count_unnamed, NULL);
}

void suite_teardown(void)
{
	fixture_store_done(&st);
}

static void start_threads(pthread_t *t, size_t n, void *(*fn)(void *), void *args, size_t size)
{
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, fn, (char *)args + i * size), 0);
}

static void join_threads(pthread_t *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(pthread_join(t[i], NULL), 0);
}

/* ---- racing creators ---- */

#define RACE_ROUNDS 200

struct race {
	pthread_barrier_t *barrier;
	_Atomic bool *stop;
	enum ns_create_mode mode;
	struct ns *spaces[NAMES];
	struct section_spec spec;
	unsigned idx;
	/* per round */
	struct handle *h[NAMES];
	bool existed[NAMES];
	uint32_t err[NAMES];
};

static void *race_worker(void *arg)
{
	struct race *r = arg;
	char leaf[32];

	for (;;) {
		pthread_barrier_wait(r->barrier);          /* start of a round */
		if (atomic_load(r->stop))
			return NULL;
		for (unsigned k = 0; k < NAMES; k++) {
			unsigned n = (k + r->idx) % NAMES;  /* each thread in its own order */
			snprintf(leaf, sizeof(leaf), "race-%u", n);
			r->h[n] = NULL;
			r->existed[n] = false;
			r->err[n] = ns_create(r->spaces[n], leaf, &r->spec, &owner, r->mode,
					      FILE_MAP_ALL_ACCESS, &r->h[n], &r->existed[n]);
		}
		pthread_barrier_wait(r->barrier);          /* end of the round */
	}
}

/* Runs RACE_ROUNDS rounds of THREADS threads creating the same NAMES names; check() looks at
 * each round's results, then everything is closed and unlinked. */
static void run_race(enum ns_create_mode mode)
{
	static struct race r[THREADS];
	pthread_barrier_t barrier;
	pthread_t t[THREADS];
	_Atomic bool stop = false;
	struct ns *spaces[NAMES] = { store_global(st), store_global(st), store_session(st, 1, true),
				     store_session(st, 2, true) };
	unsigned bad_creators = 0, bad_sections = 0, bad_errors = 0, bad_holders = 0;
	unsigned bad_counts = 0, bad_sizes = 0;

	pthread_barrier_init(&barrier, NULL, THREADS + 1);
	for (unsigned i = 0; i < THREADS; i++) {
		r[i] = (struct race){ .barrier = &barrier, .stop = &stop, .mode = mode, .idx = i };
		memcpy(r[i].spaces, spaces, sizeof(spaces));
		r[i].spec = section_spec_default(SECTION_PERMANENT);
		r[i].spec.size = (i + 1) * PAGE;         /* every thread asks for another size */
	}
	start_threads(t, THREADS, race_worker, r, sizeof(r[0]));

	for (unsigned round = 0; round < RACE_ROUNDS; round++) {
		enum section_lifetime lt = round % 2 ? SECTION_TEMPORARY : SECTION_PERMANENT;
		for (unsigned i = 0; i < THREADS; i++)
			r[i].spec.lifetime = lt;
		pthread_barrier_wait(&barrier);
		pthread_barrier_wait(&barrier);

		for (unsigned n = 0; n < NAMES; n++) {
			struct section *sec = NULL;
			unsigned creators = 0, winners = 0, creator = 0;
			for (unsigned i = 0; i < THREADS; i++) {
				if (r[i].err[n] == ERROR_SUCCESS) {
					winners++;
					if (!sec)
						sec = handle_section(r[i].h[n]);
					else if (handle_section(r[i].h[n]) != sec)
						bad_sections++;
				} else if (r[i].err[n] != ERROR_ALREADY_EXISTS ||
					   mode != NS_CREATE_NEW || !r[i].existed[n]) {
					bad_errors++;
				}
				if (r[i].err[n] == ERROR_SUCCESS && !r[i].existed[n]) {
					creators++;
					creator = i;
				}
			}
			if (creators != 1)
				bad_creators++;
			if (winners != (mode == NS_CREATE_NEW ? 1u : THREADS))
				bad_errors++;
			if (sec) {
				unsigned handles, views;
				section_holders(sec, &handles, &views);
				if (handles != winners || views != 0)
					bad_holders++;
				/* the creator's size, whoever it was */
				if (creators == 1 && section_size(sec) != (creator + 1) * PAGE)
					bad_sizes++;
			}
		}
		if (store_live_sections(st) != NAMES)
			bad_counts++;

		for (unsigned i = 0; i < THREADS; i++)
			for (unsigned n = 0; n < NAMES; n++)
				if (r[i].err[n] == ERROR_SUCCESS)
					handle_close(r[i].h[n]);
		if (lt == SECTION_PERMANENT) {
			for (unsigned n = 0; n < NAMES; n++) {
				char leaf[32];
				snprintf(leaf, sizeof(leaf), "race-%u", n);
				if (ns_unlink(spaces[n], leaf) != ERROR_SUCCESS)
					bad_counts++;
			}
		}
		if (store_live_sections(st) != 0 || store_used(st) != 0 ||
		    ns_count(spaces[0]) + ns_count(spaces[2]) + ns_count(spaces[3]) != 0)
			bad_counts++;
	}
	atomic_store(&stop, true);
	pthread_barrier_wait(&barrier);
	join_threads(t, THREADS);
	pthread_barrier_destroy(&barrier);

	CU_ASSERT_EQUAL(bad_creators, 0);
	CU_ASSERT_EQUAL(bad_sections, 0);
	CU_ASSERT_EQUAL(bad_errors, 0);
	CU_ASSERT_EQUAL(bad_holders, 0);
	CU_ASSERT_EQUAL(bad_sizes, 0);
	CU_ASSERT_EQUAL(bad_counts, 0);
	/* every temporary round's names went with their last handles, once each */
	CU_ASSERT_EQUAL(atomic_load(&unnamed), RACE_ROUNDS / 2 * NAMES);
}

static void test_B12_racing_creators_make_exactly_one_section(void)
{
	run_race(NS_OPEN_IF_EXISTS);
}

static void test_B12_racing_create_new_has_one_winner(void)
{
	run_race(NS_CREATE_NEW);
}

/* ---- temporary sections opened and closed while others create them ---- */

#define CHURN_ITERATIONS 6000

struct churn {
	struct ns *ns;
	unsigned idx;
	unsigned created;        /* existed == false */
	unsigned opened;         /* ns_open successes */
	unsigned failures;       /* anything that must not happen */
};

static void *churn_worker(void *arg)
{
	struct churn *c = arg;
	struct section_spec spec = section_spec_default(SECTION_TEMPORARY);
	unsigned seed = c->idx * 7919u + 1;
	char leaf[32];

	spec.size = PAGE;
	for (unsigned it = 0; it < CHURN_ITERATIONS; it++) {
		struct handle *h = NULL;
		bool existed;
		size_t done;
		char byte = (char)('a' + c->idx % 26), back = 0;
		uint32_t err;

		seed = seed * 1103515245u + 12345u;
		snprintf(leaf, sizeof(leaf), "churn-%u", (seed >> 16) % NAMES);
		if (c->idx % 2 == 0) {
			/* a creator: CreateFileMapping, touch, CloseHandle */
			err = ns_create(c->ns, leaf, &spec, &owner, NS_OPEN_IF_EXISTS,
					FILE_MAP_ALL_ACCESS, &h, &existed);
			if (err) {
				c->failures++;
				continue;
			}
			if (!existed)
				c->created++;
			if (handle_write(h, &byte, 1, c->idx, &done) || done != 1 ||
			    handle_read(h, &back, 1, c->idx, &done) || done != 1)
				c->failures++;
		} else {
			/* an opener: OpenFileMapping, maybe MapViewOfFile, read */
			err = ns_open(c->ns, leaf, FILE_MAP_READ, &h);
			if (err == ERROR_FILE_NOT_FOUND)
				continue;
			if (err) {
				c->failures++;
				continue;
			}
			c->opened++;
			if (section_is_destroyed(handle_section(h)))
				c->failures++;
			if ((seed >> 8) % 2 && handle_become_view(h))
				c->failures++;
			if (handle_read(h, &back, 1, 0, &done) || done != 1)
				c->failures++;
		}
		handle_close(h);
	}
	return NULL;
}

static void test_C20_temporary_sections_churn_while_others_create(void)
{
	static struct churn c[THREADS];
	pthread_t t[THREADS];
	unsigned created = 0, opened = 0, failures = 0;
	struct ns *ns = store_session(st, 3, true);

	for (unsigned i = 0; i < THREADS; i++)
		c[i] = (struct churn){ .ns = ns, .idx = i };
	start_threads(t, THREADS, churn_worker, c, sizeof(c[0]));
	join_threads(t, THREADS);
	for (unsigned i = 0; i < THREADS; i++) {
		created += c[i].created;
		opened += c[i].opened;
		failures += c[i].failures;
	}
	CU_ASSERT_EQUAL(failures, 0);
	CU_ASSERT_TRUE(created >= 1);
	CU_ASSERT_TRUE(opened >= 1);          /* the race did happen */
	/* every temporary section that was made lost its name once, without anyone asking */
	CU_ASSERT_EQUAL(atomic_load(&unnamed), created);
	CU_ASSERT_EQUAL(ns_count(ns), 0);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
	CU_ASSERT_EQUAL(store_used(st), 0);
}

/* ---- concurrent writes growing one section ---- */

#define WRITERS 16
#define CHUNKS 48
#define CHUNK 1000             /* not a page: chunks share pages */

struct grower {
	struct handle *h;
	unsigned idx;
	unsigned failures;
};

static void *grow_worker(void *arg)
{
	struct grower *g = arg;
	unsigned char buf[CHUNK];

	memset(buf, g->idx + 1, sizeof(buf));
	/* half of them forwards (each write grows the section, racing the others), half from
	 * the far end back (writes inside while others grow it) */
	for (int i = 0; i < CHUNKS; i++) {
		int k = g->idx % 2 ? CHUNKS - 1 - i : i;
		uint64_t off = ((uint64_t)k * WRITERS + g->idx) * CHUNK;
		size_t done = 0;
		if (handle_write(g->h, buf, sizeof(buf), off, &done) || done != sizeof(buf))
			g->failures++;
	}
	return NULL;
}

struct size_watch {
	struct section *sec;
	_Atomic bool *stop;
	unsigned shrinks;
};

static void *size_watcher(void *arg)
{
	struct size_watch *w = arg;
	uint64_t last = 0;

	while (!atomic_load(w->stop)) {
		uint64_t now = section_size(w->sec);
		if (now < last)
			w->shrinks++;
		last = now;
	}
	return NULL;
}

#define GROW_ROUNDS 30

/* One round: WRITERS threads grow one fresh section; counts what went wrong. */
static unsigned grow_round(struct ns *ns)
{
	static struct grower g[WRITERS];
	struct section_spec spec = section_spec_default(SECTION_PERMANENT);
	const uint64_t total = (uint64_t)WRITERS * CHUNKS * CHUNK;
	pthread_t t[WRITERS], watcher;
	_Atomic bool stop = false;
	struct size_watch w = { .stop = &stop };
	unsigned wrong = 0;
	struct handle *h;
	unsigned char *all;
	size_t done = 0;
	bool existed;

	if (ns_create(ns, "grown", &spec, &owner, NS_CREATE_NEW, FILE_MAP_ALL_ACCESS, &h,
		      &existed))
		return 1;
	w.sec = handle_section(h);
	if (pthread_create(&watcher, NULL, size_watcher, &w))
		wrong++;
	for (unsigned i = 0; i < WRITERS; i++) {
		g[i] = (struct grower){ .idx = i };
		if (ns_open(ns, "grown", FILE_MAP_WRITE, &g[i].h))
			return wrong + 1;
	}
	for (unsigned i = 0; i < WRITERS; i++)
		if (pthread_create(&t[i], NULL, grow_worker, &g[i]))
			return wrong + 1;
	for (unsigned i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	atomic_store(&stop, true);
	pthread_join(watcher, NULL);
	for (unsigned i = 0; i < WRITERS; i++) {
		wrong += g[i].failures;
		handle_close(g[i].h);
	}
	wrong += w.shrinks;
	if (section_size(handle_section(h)) != total)
		wrong++;
	if (store_used(st) != (total + PAGE - 1) / PAGE * PAGE)
		wrong++;
	all = malloc(total);
	if (handle_read(h, all, total, 0, &done) || done != total)
		wrong++;
	for (uint64_t i = 0; i < done; i++)
		if (all[i] != (unsigned char)((i / CHUNK) % WRITERS + 1))
			wrong++;
	free(all);
	handle_close(h);
	if (ns_unlink(ns, "grown"))
		wrong++;
	if (store_live_sections(st) || store_used(st))
		wrong++;
	return wrong;
}

static void test_section_concurrent_writes_grow_one_section(void)
{
	for (int round = 0; round < GROW_ROUNDS; round++)
		CU_ASSERT_EQUAL(grow_round(store_global(st)), 0);
}

/* ---- E36 under contention ---- */

#define HOLDER_ITERATIONS 2000
#define BIG (8 * PAGE)

struct holder {
	struct section *sec;
	_Atomic unsigned *holders_running;
	unsigned idx;
	unsigned short_reads;    /* a holder saw its section cut under it */
	unsigned cuts;           /* the cutter's successful shrinks */
	unsigned failures;
};

static void *holder_worker(void *arg)
{
	struct holder *w = arg;
	static unsigned char buf[THREADS][BIG];

	/* the cutter goes on as long as any holder does */
	for (unsigned it = 0; w->idx == 0 ? atomic_load(w->holders_running) > 0
					  : it < HOLDER_ITERATIONS; it++) {
		struct handle *h;
		size_t done = 0;
		if (handle_open(w->sec, FILE_MAP_ALL_ACCESS, &h)) {
			w->failures++;
			continue;
		}
		if (w->idx == 0) {
			/* the cutter: shrink when alone, grow back */
			uint32_t err = section_resize(w->sec, PAGE, h);
			if (err == ERROR_SUCCESS)
				w->cuts++;
			else if (err != ERROR_USER_MAPPED_FILE)
				w->failures++;
			if (section_resize(w->sec, BIG, h))
				w->failures++;
		} else {
			/* a holder: what it saw when it got its handle stays readable */
			uint64_t size = section_size(w->sec);
			for (int k = 0; k < 3; k++) {
				if (handle_read(h, buf[w->idx], size, 0, &done) || done != size)
					w->short_reads++;
				if (section_size(w->sec) < size)
					w->short_reads++;
			}
		}
		handle_close(h);
		if (w->idx != 0 && it % 4 == 0)
			usleep(50);   /* gaps in which the cutter is alone now and then */
	}
	if (w->idx != 0)
		atomic_fetch_sub(w->holders_running, 1);
	return NULL;
}

static void test_E36_holders_never_see_their_section_cut(void)
{
	static struct holder w[8];
	struct section_spec spec = section_spec_default(SECTION_PERMANENT);
	struct ns *ns = store_global(st);
	struct section *sec;
	struct handle *h;
	bool existed;
	pthread_t t[8];
	unsigned short_reads = 0, failures = 0, cuts = 0;
	_Atomic unsigned running = 7;

	/* a permanent name keeps the data between holders without holding it itself */
	spec.size = BIG;
	CU_ASSERT_EQUAL_FATAL(ns_create(ns, "cut", &spec, &owner, NS_CREATE_NEW, FILE_MAP_READ, &h,
					&existed), ERROR_SUCCESS);
	handle_close(h);
	CU_ASSERT_EQUAL_FATAL(ns_lookup(ns, "cut", &sec), ERROR_SUCCESS);
	for (unsigned i = 0; i < 8; i++)
		w[i] = (struct holder){ .sec = sec, .holders_running = &running, .idx = i };
	start_threads(t, 8, holder_worker, w, sizeof(w[0]));
	join_threads(t, 8);
	for (unsigned i = 0; i < 8; i++) {
		short_reads += w[i].short_reads;
		failures += w[i].failures;
		cuts += w[i].cuts;
	}
	CU_ASSERT_EQUAL(short_reads, 0);
	CU_ASSERT_EQUAL(failures, 0);
	/* alone now, the cutter's shrink goes through */
	CU_ASSERT_EQUAL(section_resize(sec, PAGE, NULL), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), PAGE);
	CU_ASSERT_EQUAL(store_used(st), PAGE);
	section_put(sec);
	CU_ASSERT_EQUAL(ns_unlink(ns, "cut"), ERROR_SUCCESS);
	if (getenv("SECTIONFS_TEST_VERBOSE"))
		fprintf(stderr, "E36 race: %u shrinks went through between holders\n", cuts);
}

/* ---- private handles in parallel ---- */

#define COW_THREADS 12

struct cow_worker {
	struct section *sec;
	unsigned idx;
	unsigned failures;
};

static void *cow_worker(void *arg)
{
	struct cow_worker *c = arg;
	unsigned char buf[4 * PAGE], back[4 * PAGE];

	memset(buf, 0x80 + c->idx, sizeof(buf));
	for (int it = 0; it < 50; it++) {
		struct handle *h;
		size_t done = 0;
		if (handle_open(c->sec, FILE_MAP_WRITE, &h)) {
			c->failures++;
			continue;
		}
		if (!handle_is_private(h))
			c->failures++;
		if (handle_write(h, buf, sizeof(buf), (uint64_t)(it % 4) * PAGE, &done) ||
		    done != sizeof(buf))
			c->failures++;
		if (handle_read(h, back, sizeof(back), (uint64_t)(it % 4) * PAGE, &done) ||
		    done != sizeof(back) || memcmp(back, buf, sizeof(buf)))
			c->failures++;
		handle_close(h);
	}
	return NULL;
}

static void test_D30_private_handles_in_parallel_stay_private(void)
{
	static struct cow_worker c[COW_THREADS];
	struct section_spec spec = section_spec_default(SECTION_TEMPORARY);
	struct section *sec;
	struct handle *keep;
	pthread_t t[COW_THREADS];
	unsigned failures = 0, changed = 0;
	unsigned char back[8 * PAGE];
	size_t done = 0;

	spec.protect = PAGE_WRITECOPY;
	spec.size = 8 * PAGE;
	CU_ASSERT_EQUAL_FATAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(handle_open(sec, FILE_MAP_READ, &keep), ERROR_SUCCESS);
	for (unsigned i = 0; i < COW_THREADS; i++)
		c[i] = (struct cow_worker){ .sec = sec, .idx = i };
	start_threads(t, COW_THREADS, cow_worker, c, sizeof(c[0]));
	join_threads(t, COW_THREADS);
	for (unsigned i = 0; i < COW_THREADS; i++)
		failures += c[i].failures;
	CU_ASSERT_EQUAL(failures, 0);
	CU_ASSERT_EQUAL(handle_read(keep, back, sizeof(back), 0, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, sizeof(back));
	for (size_t i = 0; i < sizeof(back); i++)
		changed += back[i] != 0;
	CU_ASSERT_EQUAL(changed, 0);                  /* the section never saw a private write */
	CU_ASSERT_EQUAL(store_used(st), 8 * PAGE);    /* every overlay page was refunded */
	handle_close(keep);
	section_put(sec);
}

const char *suite_name = "concurrency";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_B12_racing_creators_make_exactly_one_section),
	UNIT_TEST(test_B12_racing_create_new_has_one_winner),
	UNIT_TEST(test_C20_temporary_sections_churn_while_others_create),
	UNIT_TEST(test_section_concurrent_writes_grow_one_section),
	UNIT_TEST(test_E36_holders_never_see_their_section_cut),
	UNIT_TEST(test_D30_private_handles_in_parallel_stay_private),
	{ 0 },
};
