/* The store: the byte cap over all sections (growth past it fails with ERROR_NOT_ENOUGH_MEMORY
 * and changes nothing; everything gone brings the count back to zero), counted by the store over
 * memfds and by the kernel over a tmpfs paging file; the bound on how many sections exist; the
 * namespaces (session 0 is the global one, other sessions are made on first use, listed,
 * referenced, and end: their names go as by unlink and a new, empty namespace takes the id), and
 * the staging namespace where sections are built before being published. */
#include <CUnit/CUnit.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit_main.h"
#include "fixture.h"
#include "handle.h"
#include "name.h"
#include "namespace.h"
#include "pagefile.h"
#include "protect.h"
#include "section.h"
#include "store.h"
#include "win32_constants.h"

#define PAGE WIN32_PAGE_SIZE
#define CAP (16 * PAGE)

static struct store *st;
static struct section_owner owner;

/* What the unname hook heard, in order. */
#define HEARD_MAX 8
static struct {
	unsigned calls;
	struct ns *ns[HEARD_MAX];
	char leaf[HEARD_MAX][NAME_LEAF_MAX + 1];
	uint64_t id[HEARD_MAX];
	bool had_name[HEARD_MAX];     /* section_name() in the hook: the name must be gone */
} heard;

static void unname_hook(void *ctx, struct ns *ns, const char *leaf, struct section *sec)
{
	struct ns *where;
	char name[NAME_LEAF_MAX + 1];
	unsigned i = heard.calls++;

	CU_ASSERT_PTR_EQUAL(ctx, &heard);
	if (i >= HEARD_MAX)
		return;
	heard.ns[i] = ns;
	snprintf(heard.leaf[i], sizeof(heard.leaf[i]), "%s", leaf);
	heard.id[i] = section_id(sec);                  /* still referenced */
	heard.had_name[i] = section_name(sec, &where, name);
}

/* Did the hook hear of leaf (with section id) in ns? */
static bool heard_of(struct ns *ns, const char *leaf, uint64_t id)
{
	for (unsigned i = 0; i < heard.calls && i < HEARD_MAX; i++)
		if (heard.ns[i] == ns && !strcmp(heard.leaf[i], leaf) && heard.id[i] == id &&
		    !heard.had_name[i])
			return true;
	return false;
}

void suite_setup(void)
{
	memset(&heard, 0, sizeof(heard));
	owner = fixture_owner(0600);
	st = fixture_store(CAP);
	store_set_unname_hook(st, unname_hook, &heard);
}

/* Replaces the suite's store (the test's first act). */
static void use_store(struct store *replacement)
{
	store_free(st);
	st = replacement;
	store_set_unname_hook(st, unname_hook, &heard);
}

static struct store *memfd_store(uint64_t cap, uint64_t max_sections)
{
	struct store_config config = { cap, max_sections, pagefile_new_memfd() };
	struct store *made;

	CU_ASSERT_PTR_NOT_NULL_FATAL(config.pagefile);
	made = store_new_config(&config);
	CU_ASSERT_PTR_NOT_NULL_FATAL(made);
	return made;
}

void suite_teardown(void)
{
	fixture_store_done(&st);
}

/* A paging-file section of exactly `size` bytes (the filesystem's kind: no rounding). */
static uint32_t new_plain(uint64_t size, struct section **out)
{
	struct section_spec spec = section_spec_default(SECTION_PERMANENT);

	spec.size = size;
	return section_new(st, &spec, &owner, out);
}

static void fill(struct section *sec, uint64_t len, unsigned char byte)
{
	unsigned char *buf = malloc(len);
	size_t done = 0;

	memset(buf, byte, len);
	CU_ASSERT_EQUAL(section_write(sec, buf, len, 0, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, len);
	free(buf);
}

/* Does sec hold exactly len bytes, all of them byte? */
static bool holds(struct section *sec, uint64_t len, unsigned char byte)
{
	unsigned char *buf = malloc(len + 1);
	size_t done = 0;
	bool ok = section_size(sec) == len &&
		  section_read(sec, buf, len + 1, 0, &done) == ERROR_SUCCESS && done == len;

	for (size_t i = 0; ok && i < len; i++)
		ok = buf[i] == byte;
	free(buf);
	return ok;
}

static void test_store_new_is_empty(void)
{
	uint32_t ids[4];

	CU_ASSERT_EQUAL(store_cap(st), CAP);
	CU_ASSERT_EQUAL(store_used(st), 0);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
	CU_ASSERT_EQUAL(ns_count(store_global(st)), 0);
	CU_ASSERT_EQUAL(ns_count(store_staging(st)), 0);
	CU_ASSERT_EQUAL(store_sessions(st, ids, 4), 0);
}

static void test_store_charge_and_refund(void)
{
	CU_ASSERT_EQUAL(store_charge(st, CAP + 1), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(store_used(st), 0);
	CU_ASSERT_EQUAL(store_charge(st, UINT64_MAX), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(store_used(st), 0);
	CU_ASSERT_EQUAL(store_charge(st, 0), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 0);

	CU_ASSERT_EQUAL(store_charge(st, CAP - 10), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), CAP - 10);
	CU_ASSERT_EQUAL(store_charge(st, 11), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(store_used(st), CAP - 10);            /* nothing reserved on failure */
	CU_ASSERT_EQUAL(store_charge(st, UINT64_MAX - 5), ERROR_NOT_ENOUGH_MEMORY);   /* no wrap */
	CU_ASSERT_EQUAL(store_used(st), CAP - 10);
	CU_ASSERT_EQUAL(store_charge(st, 10), ERROR_SUCCESS);   /* exactly the cap */
	CU_ASSERT_EQUAL(store_used(st), CAP);
	CU_ASSERT_EQUAL(store_charge(st, 1), ERROR_NOT_ENOUGH_MEMORY);
	store_refund(st, 10);
	CU_ASSERT_EQUAL(store_used(st), CAP - 10);
	store_refund(st, CAP - 10);
	CU_ASSERT_EQUAL(store_used(st), 0);
}

static void test_store_used_counts_whole_pages(void)
{
	struct section *sec;
	size_t done;

	CU_ASSERT_EQUAL_FATAL(new_plain(1, &sec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), 1);           /* the size is kept exactly */
	CU_ASSERT_EQUAL(store_used(st), PAGE);           /* the charge is in pages */
	CU_ASSERT_EQUAL(section_write(sec, "x", 1, PAGE, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), PAGE + 1);
	CU_ASSERT_EQUAL(store_used(st), 2 * PAGE);
	CU_ASSERT_EQUAL(section_resize(sec, PAGE, NULL), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), PAGE);
	CU_ASSERT_EQUAL(section_resize(sec, 0, NULL), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 0);
	CU_ASSERT_EQUAL(store_live_sections(st), 1);
	section_put(sec);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
}

static void test_A7_section_past_the_cap_is_refused(void)
{
	struct section *sec = NULL, *full;

	CU_ASSERT_EQUAL(new_plain(CAP + 1, &sec), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_PTR_NULL(sec);
	CU_ASSERT_EQUAL(store_used(st), 0);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);

	CU_ASSERT_EQUAL_FATAL(new_plain(CAP, &full), ERROR_SUCCESS);   /* exactly the cap fits */
	CU_ASSERT_EQUAL(store_used(st), CAP);
	CU_ASSERT_EQUAL(new_plain(1, &sec), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_PTR_NULL(sec);
	CU_ASSERT_EQUAL(store_live_sections(st), 1);
	CU_ASSERT_EQUAL(new_plain(0, &sec), ERROR_SUCCESS);    /* an empty section costs nothing */
	CU_ASSERT_EQUAL(store_used(st), CAP);
	section_put(sec);
	section_put(full);
}

static void test_store_growth_past_the_cap_changes_nothing(void)
{
	struct section *a, *b, *c = NULL;
	unsigned char byte = 'w';
	size_t done = 99;

	CU_ASSERT_EQUAL_FATAL(new_plain(4 * PAGE, &a), ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(new_plain(8 * PAGE, &b), ERROR_SUCCESS);
	fill(a, 4 * PAGE, 'a');
	fill(b, 8 * PAGE, 'b');
	CU_ASSERT_EQUAL(store_used(st), 12 * PAGE);

	/* a write that would grow a past the cap */
	CU_ASSERT_EQUAL(section_write(a, &byte, 1, 8 * PAGE, &done), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(done, 0);
	/* a resize past the cap */
	CU_ASSERT_EQUAL(section_resize(a, 8 * PAGE + 1, NULL), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(section_resize(b, UINT64_MAX / 2, NULL), ERROR_NOT_ENOUGH_MEMORY);
	/* a new section past the cap */
	CU_ASSERT_EQUAL(new_plain(4 * PAGE + 1, &c), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_PTR_NULL(c);

	CU_ASSERT_EQUAL(store_used(st), 12 * PAGE);
	CU_ASSERT_EQUAL(store_live_sections(st), 2);
	CU_ASSERT_TRUE(holds(a, 4 * PAGE, 'a'));
	CU_ASSERT_TRUE(holds(b, 8 * PAGE, 'b'));

	/* growth up to the cap exactly still works, and the old bytes are still there */
	CU_ASSERT_EQUAL(section_write(a, &byte, 1, 8 * PAGE - 1, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, 1);
	CU_ASSERT_EQUAL(store_used(st), CAP);
	CU_ASSERT_EQUAL(section_write(b, &byte, 1, 8 * PAGE, &done), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(section_size(b), 8 * PAGE);
	CU_ASSERT_TRUE(holds(b, 8 * PAGE, 'b'));
	{
		unsigned char buf[4 * PAGE + 1];
		CU_ASSERT_EQUAL(section_read(a, buf, sizeof(buf), 0, &done), ERROR_SUCCESS);
		CU_ASSERT_EQUAL(done, 4 * PAGE + 1);
		CU_ASSERT_EQUAL(buf[0], 'a');
		CU_ASSERT_EQUAL(buf[4 * PAGE - 1], 'a');
		CU_ASSERT_EQUAL(buf[4 * PAGE], 0);
	}

	/* shrinking frees room again */
	CU_ASSERT_EQUAL(section_resize(a, 0, NULL), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 8 * PAGE);
	CU_ASSERT_EQUAL(section_write(b, &byte, 1, 8 * PAGE, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 9 * PAGE);
	section_put(a);
	section_put(b);
	CU_ASSERT_EQUAL(store_used(st), 0);
}

static void test_store_file_backed_sections_are_not_charged(void)
{
	char path[] = "/tmp/sectionfs-store-XXXXXX";
	struct section_spec spec;
	struct section *sec;
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	unlink(path);
	CU_ASSERT_EQUAL(ftruncate(fd, 2 * CAP), 0);
	CU_ASSERT_EQUAL_FATAL(section_spec_win32(PAGE_READWRITE, 0, fd,
						 FILE_ACCESS_READ | FILE_ACCESS_WRITE,
						 SECTION_TEMPORARY, &spec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), 2 * CAP);
	CU_ASSERT_EQUAL(store_used(st), 0);
	section_put(sec);
	close(fd);
}

static void test_store_used_back_to_zero_when_everything_is_gone(void)
{
	struct section_spec spec = section_spec_default(SECTION_PERMANENT);
	struct ns *s1 = store_session(st, 1, true);
	struct handle *h[4];
	struct section *loose;
	bool existed;
	size_t done;

	spec.size = 3 * PAGE;
	CU_ASSERT_EQUAL_FATAL(ns_create(store_global(st), "g", &spec, &owner, NS_OPEN_IF_EXISTS,
					FILE_MAP_ALL_ACCESS, &h[0], &existed), ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(ns_create(s1, "s", &spec, &owner, NS_OPEN_IF_EXISTS,
					FILE_MAP_ALL_ACCESS, &h[1], &existed), ERROR_SUCCESS);
	spec.lifetime = SECTION_TEMPORARY;
	CU_ASSERT_EQUAL_FATAL(ns_create(store_staging(st), "t", &spec, &owner, NS_OPEN_IF_EXISTS,
					FILE_MAP_ALL_ACCESS, &h[2], &existed), ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(ns_create(s1, "v", &spec, &owner, NS_OPEN_IF_EXISTS,
					FILE_MAP_ALL_ACCESS, &h[3], &existed), ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(new_plain(PAGE, &loose), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(handle_write(h[0], "grow", 4, 5 * PAGE, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(handle_become_view(h[3]), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), (6 + 3 + 3 + 3 + 1) * PAGE);
	CU_ASSERT_EQUAL(store_live_sections(st), 5);

	for (int i = 0; i < 4; i++)
		handle_close(h[i]);
	section_put(loose);
	/* the permanent ones live on by name; the temporary and staged ones are gone */
	CU_ASSERT_EQUAL(store_live_sections(st), 2);
	CU_ASSERT_EQUAL(store_used(st), (6 + 3) * PAGE);
	CU_ASSERT_EQUAL(ns_unlink(store_global(st), "g"), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(ns_unlink(s1, "s"), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
	CU_ASSERT_EQUAL(store_used(st), 0);
}

static void test_B16_session_zero_is_the_global_namespace(void)
{
	struct ns *g = store_global(st);

	CU_ASSERT_PTR_NOT_NULL(g);
	CU_ASSERT_PTR_EQUAL(store_session(st, 0, false), g);
	CU_ASSERT_PTR_EQUAL(store_session(st, 0, true), g);
	CU_ASSERT_EQUAL(ns_session(g), 0);
	CU_ASSERT_FALSE(ns_is_staging(g));
}

static void test_store_sessions_are_made_on_first_use(void)
{
	struct ns *s3;
	uint32_t ids[4];

	CU_ASSERT_PTR_NULL(store_session(st, 3, false));
	CU_ASSERT_EQUAL(store_sessions(st, ids, 4), 0);
	s3 = store_session(st, 3, true);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s3);
	CU_ASSERT_PTR_NOT_EQUAL(s3, store_global(st));
	CU_ASSERT_EQUAL(ns_session(s3), 3);
	CU_ASSERT_FALSE(ns_is_staging(s3));
	CU_ASSERT_EQUAL(ns_count(s3), 0);
	/* the same namespace every time after */
	CU_ASSERT_PTR_EQUAL(store_session(st, 3, false), s3);
	CU_ASSERT_PTR_EQUAL(store_session(st, 3, true), s3);
	CU_ASSERT_EQUAL(store_sessions(st, ids, 4), 1);
	CU_ASSERT_EQUAL(ids[0], 3);
	/* others are still not there */
	CU_ASSERT_PTR_NULL(store_session(st, 4, false));
	CU_ASSERT_PTR_NULL(store_session(st, 2, false));
	CU_ASSERT_EQUAL(store_sessions(st, ids, 4), 1);
}

static void test_store_session_ids_are_listed_ascending(void)
{
	const uint32_t made[] = { 7, 2, 4000000000u, 5, 1 };
	uint32_t ids[8];

	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++)
		CU_ASSERT_PTR_NOT_NULL(store_session(st, made[i], true));
	CU_ASSERT_PTR_NOT_NULL(store_session(st, 5, true));   /* again: no second namespace */
	CU_ASSERT_PTR_NOT_NULL(store_session(st, 0, true));   /* the global one: not a session */
	memset(ids, 0xff, sizeof(ids));
	CU_ASSERT_EQUAL(store_sessions(st, ids, 8), 5);
	CU_ASSERT_EQUAL(ids[0], 1);
	CU_ASSERT_EQUAL(ids[1], 2);
	CU_ASSERT_EQUAL(ids[2], 5);
	CU_ASSERT_EQUAL(ids[3], 7);
	CU_ASSERT_EQUAL(ids[4], 4000000000u);
	CU_ASSERT_EQUAL(ids[5], UINT32_MAX);   /* untouched */

	memset(ids, 0xff, sizeof(ids));
	CU_ASSERT_EQUAL(store_sessions(st, ids, 2), 5);   /* all of them counted, two written */
	CU_ASSERT_EQUAL(ids[0], 1);
	CU_ASSERT_EQUAL(ids[1], 2);
	CU_ASSERT_EQUAL(ids[2], UINT32_MAX);
	CU_ASSERT_EQUAL(store_sessions(st, NULL, 0), 5);
}

static void test_store_staging_namespace(void)
{
	struct ns *staging = store_staging(st);
	uint32_t ids[4];

	CU_ASSERT_PTR_NOT_NULL_FATAL(staging);
	CU_ASSERT_PTR_EQUAL(store_staging(st), staging);
	CU_ASSERT_PTR_NOT_EQUAL(staging, store_global(st));
	CU_ASSERT_TRUE(ns_is_staging(staging));
	CU_ASSERT_EQUAL(ns_session(staging), NS_STAGING_SESSION);
	/* no session can reach it, and it is not listed as one */
	CU_ASSERT_PTR_NULL(store_session(st, NS_STAGING_SESSION, true));
	CU_ASSERT_PTR_NULL(store_session(st, NS_STAGING_SESSION, false));
	CU_ASSERT_EQUAL(store_sessions(st, ids, 4), 0);
	CU_ASSERT_PTR_NOT_NULL(store_session(st, 9, true));
	CU_ASSERT_EQUAL(store_sessions(st, ids, 4), 1);
	CU_ASSERT_EQUAL(ids[0], 9);
}

static void test_store_staged_sections_lose_their_staging_name_with_the_last_handle(void)
{
	struct section_spec spec = section_spec_default(SECTION_PERMANENT);
	struct ns *staging = store_staging(st);
	struct handle *h, *h2;
	struct section *sec;
	bool existed = true;

	spec.size = PAGE;
	CU_ASSERT_EQUAL_FATAL(ns_create(staging, "new", &spec, &owner, NS_CREATE_NEW,
					FILE_MAP_ALL_ACCESS, &h, &existed), ERROR_SUCCESS);
	CU_ASSERT_FALSE(existed);
	sec = handle_section(h);
	CU_ASSERT_TRUE(section_is_staged(sec));
	CU_ASSERT_EQUAL(section_lifetime(sec), SECTION_PERMANENT);
	CU_ASSERT_EQUAL(ns_count(staging), 1);
	CU_ASSERT_EQUAL_FATAL(ns_open(staging, "new", FILE_MAP_READ, &h2), ERROR_SUCCESS);
	handle_close(h);
	CU_ASSERT_EQUAL(ns_count(staging), 1);     /* a handle is still open */
	handle_close(h2);
	/* a permanent section too: a creator that died leaves nothing half made */
	CU_ASSERT_EQUAL(ns_count(staging), 0);
	CU_ASSERT_EQUAL(ns_open(staging, "new", FILE_MAP_READ, &h2), ERROR_FILE_NOT_FOUND);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
	CU_ASSERT_EQUAL(store_used(st), 0);
}

/* E36 across processes: the store says how many sections are over a file, views or not. */
static void test_E36_sections_over_a_file(void)
{
	char path[] = "/tmp/sectionfs-store-XXXXXX";
	int fd = mkstemp(path);
	struct section_spec spec;
	struct section_owner o = { getuid(), getgid(), 0600 };
	struct handle *h, *v;
	struct stat fst;
	bool existed;

	CU_ASSERT_FATAL(fd >= 0);
	unlink(path);
	CU_ASSERT_EQUAL(ftruncate(fd, 3 * WIN32_PAGE_SIZE), 0);
	CU_ASSERT_EQUAL(fstat(fd, &fst), 0);
	CU_ASSERT_EQUAL(section_spec_win32(PAGE_READWRITE, 0, fd,
					   FILE_ACCESS_READ | FILE_ACCESS_WRITE, SECTION_TEMPORARY,
					   &spec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(ns_create(store_global(st), "F", &spec, &o, NS_CREATE_NEW,
					FILE_MAP_ALL_ACCESS, &h, &existed), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_sections_over_file(st, fst.st_dev, fst.st_ino, NULL), 1);   /* no view yet */
	unsigned writers = 9;
	CU_ASSERT_EQUAL(store_sections_over_file(st, fst.st_dev, fst.st_ino, &writers), 1);
	CU_ASSERT_EQUAL(writers, 1);                              /* PAGE_READWRITE writes it */
	CU_ASSERT_EQUAL_FATAL(ns_open(store_global(st), "F", FILE_MAP_ALL_ACCESS, &v), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(handle_become_view(v), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_sections_over_file(st, fst.st_dev, fst.st_ino, NULL), 1);
	CU_ASSERT_EQUAL(store_sections_over_file(st, fst.st_dev, fst.st_ino + 1, NULL), 0);
	handle_close(v);
	CU_ASSERT_EQUAL(store_sections_over_file(st, fst.st_dev, fst.st_ino, NULL), 1);
	handle_close(h);                                   /* C20: the name goes with it */
	CU_ASSERT_EQUAL(store_sections_over_file(st, fst.st_dev, fst.st_ino, NULL), 0);
	close(fd);
}

/* ---- how the store is configured: who counts, and how many sections ---- */

static void test_store_config_memfd_store_counts_sizes(void)
{
	struct section *sec;

	use_store(memfd_store(CAP, 5));
	CU_ASSERT_TRUE(store_counts_sizes(st));
	CU_ASSERT_EQUAL(store_cap(st), CAP);
	CU_ASSERT_EQUAL(store_max_sections(st), 5);
	CU_ASSERT_EQUAL(pagefile_kind(store_pagefile(st)), PAGEFILE_MEMFD);
	CU_ASSERT_EQUAL_FATAL(new_plain(3 * PAGE, &sec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 3 * PAGE);      /* charged by size, nothing written */
	section_put(sec);
	CU_ASSERT_EQUAL(store_used(st), 0);
	/* store_new is the memfd case, unbounded */
	use_store(fixture_store(CAP));
	CU_ASSERT_TRUE(store_counts_sizes(st));
	CU_ASSERT_EQUAL(store_max_sections(st), 0);
}

static void test_store_config_tmpfs_store_counts_nothing_itself(void)
{
	struct section *sec;

	use_store(fixture_tmpfs_store(CAP, 5));
	CU_ASSERT_FALSE(store_counts_sizes(st));
	CU_ASSERT_EQUAL(store_cap(st), CAP);
	CU_ASSERT_EQUAL(store_max_sections(st), 5);
	CU_ASSERT_EQUAL(pagefile_kind(store_pagefile(st)), PAGEFILE_TMPFS);
	/* charges are no-ops: the kernel refuses pages itself when they are written */
	CU_ASSERT_EQUAL(store_charge(st, CAP), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_charge(st, UINT64_MAX), ERROR_SUCCESS);
	store_charge_anyway(st, 7 * PAGE);
	CU_ASSERT_EQUAL(store_used(st), 0);
	store_refund(st, PAGE);                          /* never charged: no assertion either */
	CU_ASSERT_EQUAL(store_used(st), 0);

	/* used is the tmpfs instance's pages in use: a size costs nothing, a written page does */
	CU_ASSERT_EQUAL_FATAL(new_plain(3 * PAGE, &sec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 0);
	fill(sec, PAGE + 1, 'k');
	CU_ASSERT_EQUAL(store_used(st), 2 * PAGE);
	CU_ASSERT_EQUAL(store_used(st), pagefile_used(store_pagefile(st)));
	section_put(sec);
	CU_ASSERT_EQUAL(store_used(st), 0);
}

/* Makes sections until refused; returns how many, putting them in secs. */
static unsigned make_until_refused(struct section **secs, unsigned max, uint32_t *err)
{
	unsigned n = 0;

	*err = ERROR_SUCCESS;
	while (n < max && (*err = new_plain(PAGE, &secs[n])) == ERROR_SUCCESS)
		n++;
	return n;
}

static void max_sections_bound_the_count(void)
{
	struct section *secs[8], *extra = NULL;
	uint64_t used;
	uint32_t err;
	struct handle *h = NULL;
	bool existed = true;
	struct section_spec spec = section_spec_default(SECTION_PERMANENT);

	CU_ASSERT_EQUAL_FATAL(make_until_refused(secs, 8, &err), 3);
	CU_ASSERT_EQUAL(err, ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(store_live_sections(st), 3);      /* the refused one counted nothing */
	used = store_used(st);
	/* refused however it is asked for, and nothing is left behind */
	CU_ASSERT_EQUAL(new_plain(0, &extra), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_PTR_NULL(extra);
	CU_ASSERT_EQUAL(ns_create(store_global(st), "fourth", &spec, &owner, NS_CREATE_NEW,
				  FILE_MAP_ALL_ACCESS, &h, &existed), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_PTR_NULL(h);
	CU_ASSERT_EQUAL(ns_count(store_global(st)), 0);
	CU_ASSERT_EQUAL(store_live_sections(st), 3);
	CU_ASSERT_EQUAL(store_used(st), used);
	/* one goes, one may come */
	section_put(secs[1]);
	CU_ASSERT_EQUAL(store_live_sections(st), 2);
	CU_ASSERT_EQUAL(new_plain(PAGE, &secs[1]), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(new_plain(PAGE, &extra), ERROR_NOT_ENOUGH_MEMORY);
	for (int i = 0; i < 3; i++)
		section_put(secs[i]);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
}

static void test_store_max_sections_bound_the_count_over_memfds(void)
{
	use_store(memfd_store(CAP, 3));
	max_sections_bound_the_count();
}

static void test_store_max_sections_bound_the_count_over_tmpfs(void)
{
	use_store(fixture_tmpfs_store(CAP, 3));
	max_sections_bound_the_count();
}

static void test_store_max_sections_zero_is_no_bound(void)
{
	struct section *secs[40];
	uint32_t err;

	use_store(memfd_store(CAP, 0));
	/* the cap stops it, not a count */
	CU_ASSERT_EQUAL(make_until_refused(secs, 40, &err), 16);
	CU_ASSERT_EQUAL(err, ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(store_live_sections(st), 16);
	for (int i = 0; i < 16; i++)
		section_put(secs[i]);
}

/* A tmpfs paging file with fewer files than the store allows sections: the file that cannot be
 * made is ERROR_NOT_ENOUGH_MEMORY too, and counts nothing. */
static void test_store_tmpfs_without_inodes_makes_no_section(void)
{
	char why[256] = "";
	struct store_config config = { CAP, 0, pagefile_new_tmpfs(CAP, 2, why, sizeof(why)) };
	struct section *secs[8];
	uint32_t err;
	unsigned n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(config.pagefile);
	use_store(store_new_config(&config));
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	n = make_until_refused(secs, 8, &err);
	CU_ASSERT_EQUAL(n, 3);                 /* two files, and the pool's inode while unused */
	CU_ASSERT_EQUAL(err, ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(store_live_sections(st), n);
	while (n > 0)
		section_put(secs[--n]);
}

/* ---- session namespaces: references, tokens, and sessions that end ---- */

static void test_store_session_namespaces_are_referenced(void)
{
	struct ns *a = store_session(st, 4, true), *b = store_session(st, 4, false);
	struct ns *g = store_global(st), *staging = store_staging(st);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_EQUAL(a, b);
	ns_get(a);
	ns_put(a);
	ns_put(b);
	ns_put(a);                              /* the store's reference keeps it */
	CU_ASSERT_PTR_EQUAL(store_session(st, 4, false), a);
	ns_put(a);
	CU_ASSERT_EQUAL(ns_session(a), 4);
	/* the global and staging namespaces are permanent: references change nothing */
	for (int i = 0; i < 3; i++) {
		ns_get(g);
		ns_put(g);
		ns_put(g);
		ns_put(staging);
		ns_get(staging);
	}
	ns_put(NULL);
	CU_ASSERT_PTR_EQUAL(store_session(st, 0, true), g);
	CU_ASSERT_EQUAL(ns_count(g), 0);
	CU_ASSERT_EQUAL(ns_count(staging), 0);
	CU_ASSERT_FALSE(ns_is_ended(g));
	CU_ASSERT_FALSE(ns_is_ended(staging));
}

static void test_store_namespace_tokens(void)
{
	struct ns *s = store_session(st, 6, true);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(ns_token(s), 0);
	ns_set_token(s, 0x123456789abcdefULL);
	CU_ASSERT_EQUAL(ns_token(s), 0x123456789abcdefULL);
	CU_ASSERT_EQUAL(ns_token(store_global(st)), 0);     /* each namespace has its own */
	ns_set_token(s, UINT64_MAX);
	CU_ASSERT_EQUAL(ns_token(s), UINT64_MAX);
	/* an ended session's successor starts from 0 again */
	store_end_session(st, 6);
	CU_ASSERT_EQUAL(ns_token(s), UINT64_MAX);           /* the held one keeps its mark */
	{
		struct ns *next = store_session(st, 6, true);
		CU_ASSERT_PTR_NOT_NULL_FATAL(next);
		CU_ASSERT_EQUAL(ns_token(next), 0);
		ns_put(next);
	}
	ns_put(s);
}

static struct handle *create_in(struct ns *ns, const char *leaf, enum section_lifetime lifetime,
				unsigned char byte)
{
	struct section_spec spec = section_spec_default(lifetime);
	struct handle *h = NULL;
	bool existed = true;
	size_t done = 0;

	spec.size = PAGE;
	CU_ASSERT_EQUAL_FATAL(ns_create(ns, leaf, &spec, &owner, NS_CREATE_NEW, FILE_MAP_ALL_ACCESS,
					&h, &existed), ERROR_SUCCESS);
	CU_ASSERT_FALSE(existed);
	CU_ASSERT_EQUAL(handle_write(h, &byte, 1, 0, &done), ERROR_SUCCESS);
	return h;
}

static void test_store_end_session_unnames_everything_and_holders_keep_data(void)
{
	struct ns *s = store_session(st, 7, true), *g = store_global(st);
	struct handle *held, *temp, *other, *h;
	struct section *sec;
	uint64_t id_unheld, id_held, id_temp;
	uint32_t ids[4];
	char c = 0;
	size_t done;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	h = create_in(s, "unheld", SECTION_PERMANENT, 'u');
	id_unheld = section_id(handle_section(h));
	handle_close(h);
	held = create_in(s, "held", SECTION_PERMANENT, 'h');
	id_held = section_id(handle_section(held));
	temp = create_in(s, "temp", SECTION_TEMPORARY, 't');
	id_temp = section_id(handle_section(temp));
	other = create_in(g, "global", SECTION_PERMANENT, 'g');
	CU_ASSERT_EQUAL(store_live_sections(st), 4);
	CU_ASSERT_EQUAL(ns_count(s), 3);
	heard.calls = 0;

	store_end_session(st, 7);
	/* every name went, and the hook heard of each, after it went */
	CU_ASSERT_EQUAL(ns_count(s), 0);
	CU_ASSERT_TRUE(ns_is_ended(s));
	CU_ASSERT_EQUAL(heard.calls, 3);
	CU_ASSERT_TRUE(heard_of(s, "unheld", id_unheld));
	CU_ASSERT_TRUE(heard_of(s, "held", id_held));
	CU_ASSERT_TRUE(heard_of(s, "temp", id_temp));
	CU_ASSERT_EQUAL(ns_lookup(s, "held", &sec), ERROR_FILE_NOT_FOUND);
	/* the unheld one is gone with its name; holders keep their data */
	CU_ASSERT_EQUAL(store_live_sections(st), 3);
	CU_ASSERT_EQUAL(store_used(st), 3 * PAGE);
	CU_ASSERT_FALSE(section_has_name(handle_section(held)));
	CU_ASSERT_EQUAL(handle_read(held, &c, 1, 0, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(c, 'h');
	CU_ASSERT_EQUAL(handle_read(temp, &c, 1, 0, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(c, 't');
	/* other namespaces are untouched */
	CU_ASSERT_EQUAL(ns_count(g), 1);
	CU_ASSERT_TRUE(section_has_name(handle_section(other)));
	CU_ASSERT_FALSE(ns_is_ended(g));
	/* the session is no longer listed, nor found */
	CU_ASSERT_EQUAL(store_sessions(st, ids, 4), 0);
	CU_ASSERT_PTR_NULL(store_session(st, 7, false));

	/* the data goes with the last holder, with no new hook call */
	handle_close(held);
	handle_close(temp);
	CU_ASSERT_EQUAL(heard.calls, 3);
	CU_ASSERT_EQUAL(store_live_sections(st), 1);
	CU_ASSERT_EQUAL(store_used(st), PAGE);
	handle_close(other);
	CU_ASSERT_EQUAL(ns_unlink(g, "global"), ERROR_SUCCESS);
	ns_put(s);
}

static void test_store_ended_namespace_takes_no_new_name(void)
{
	struct section_spec spec = section_spec_default(SECTION_PERMANENT);
	struct ns *s = store_session(st, 8, true), *g = store_global(st);
	struct ns *staging = store_staging(st);
	struct handle *h = NULL, *staged;
	bool existed = true;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	handle_close(create_in(g, "movable", SECTION_PERMANENT, 'm'));
	staged = create_in(staging, "staged", SECTION_PERMANENT, 's');
	store_end_session(st, 8);

	spec.size = PAGE;
	CU_ASSERT_EQUAL(ns_create(s, "new", &spec, &owner, NS_OPEN_IF_EXISTS, FILE_MAP_ALL_ACCESS,
				  &h, &existed), ERROR_PATH_NOT_FOUND);
	CU_ASSERT_EQUAL(ns_create(s, "new", &spec, &owner, NS_CREATE_NEW, FILE_MAP_ALL_ACCESS, &h,
				  &existed), ERROR_PATH_NOT_FOUND);
	CU_ASSERT_PTR_NULL(h);
	CU_ASSERT_EQUAL(ns_count(s), 0);
	CU_ASSERT_EQUAL(store_live_sections(st), 2);       /* nothing made, or made and dropped */
	/* renames into it are refused and leave the name where it was */
	CU_ASSERT_EQUAL(ns_rename(g, "movable", s, "moved"), ERROR_PATH_NOT_FOUND);
	CU_ASSERT_EQUAL(ns_rename(staging, "staged", s, "published"), ERROR_PATH_NOT_FOUND);
	CU_ASSERT_EQUAL(ns_count(s), 0);
	CU_ASSERT_EQUAL(ns_count(g), 1);
	CU_ASSERT_EQUAL(ns_count(staging), 1);
	CU_ASSERT_TRUE(section_is_staged(handle_section(staged)));
	/* nothing to find or take out of it either */
	CU_ASSERT_EQUAL(ns_open(s, "new", FILE_MAP_READ, &h), ERROR_FILE_NOT_FOUND);
	CU_ASSERT_EQUAL(ns_unlink(s, "new"), ERROR_FILE_NOT_FOUND);
	CU_ASSERT_EQUAL(ns_rename(s, "new", g, "x"), ERROR_FILE_NOT_FOUND);

	handle_close(staged);
	CU_ASSERT_EQUAL(ns_unlink(g, "movable"), ERROR_SUCCESS);
	ns_put(s);
}

static void test_store_ended_session_id_gets_a_new_empty_namespace(void)
{
	struct ns *old = store_session(st, 9, true), *next;
	struct handle *h;
	uint32_t ids[4];

	CU_ASSERT_PTR_NOT_NULL_FATAL(old);
	handle_close(create_in(old, "kept-name", SECTION_PERMANENT, 'k'));
	store_end_session(st, 9);
	next = store_session(st, 9, true);
	CU_ASSERT_PTR_NOT_NULL_FATAL(next);
	CU_ASSERT_PTR_NOT_EQUAL(next, old);
	CU_ASSERT_EQUAL(ns_session(next), 9);
	CU_ASSERT_FALSE(ns_is_ended(next));
	CU_ASSERT_TRUE(ns_is_ended(old));
	CU_ASSERT_EQUAL(ns_count(next), 0);
	CU_ASSERT_EQUAL(store_sessions(st, ids, 4), 1);
	CU_ASSERT_EQUAL(ids[0], 9);
	CU_ASSERT_PTR_EQUAL(store_session(st, 9, false), next);
	ns_put(next);
	/* the new one takes names, the old one still does not */
	h = create_in(next, "kept-name", SECTION_PERMANENT, 'n');
	CU_ASSERT_EQUAL(ns_count(next), 1);
	CU_ASSERT_EQUAL(ns_count(old), 0);
	handle_close(h);
	ns_put(old);                                   /* the last reference: freed (ASan) */
	ns_put(next);
	/* ending it again ends the new one */
	store_end_session(st, 9);
	CU_ASSERT_EQUAL(store_sessions(st, ids, 4), 0);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
}

static void test_store_end_session_of_nothing_changes_nothing(void)
{
	struct ns *s = store_session(st, 10, true), *g = store_global(st);
	struct ns *staging = store_staging(st);
	struct handle *hg, *hs;
	uint32_t ids[4];

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	hg = create_in(g, "g", SECTION_TEMPORARY, 'g');
	hs = create_in(staging, "s", SECTION_TEMPORARY, 's');
	heard.calls = 0;
	store_end_session(st, 0);                      /* the global namespace never ends */
	store_end_session(st, NS_STAGING_SESSION);     /* nor staging */
	store_end_session(st, 11);                     /* nor a session that has none */
	CU_ASSERT_EQUAL(heard.calls, 0);
	CU_ASSERT_FALSE(ns_is_ended(g));
	CU_ASSERT_FALSE(ns_is_ended(staging));
	CU_ASSERT_FALSE(ns_is_ended(s));
	CU_ASSERT_EQUAL(ns_count(g), 1);
	CU_ASSERT_EQUAL(ns_count(staging), 1);
	CU_ASSERT_PTR_EQUAL(store_staging(st), staging);
	CU_ASSERT_PTR_EQUAL(store_session(st, 0, false), g);
	CU_ASSERT_EQUAL(store_sessions(st, ids, 4), 1);
	CU_ASSERT_PTR_NULL(store_session(st, 11, false));
	handle_close(hg);
	handle_close(hs);
	ns_put(s);
}

/* An ended namespace nobody holds is freed by store_end_session itself (ASan would see a leak),
 * and one whose sections were unheld leaves nothing behind. */
static void test_store_end_session_frees_an_unheld_namespace(void)
{
	struct ns *s = store_session(st, 12, true);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	handle_close(create_in(s, "a", SECTION_PERMANENT, 'a'));
	handle_close(create_in(s, "b", SECTION_PERMANENT, 'b'));
	ns_put(s);
	CU_ASSERT_EQUAL(store_live_sections(st), 2);
	store_end_session(st, 12);
	CU_ASSERT_EQUAL(heard.calls, 2);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
	CU_ASSERT_EQUAL(store_used(st), 0);
}

const char *suite_name = "store";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_E36_sections_over_a_file),
	UNIT_TEST(test_store_new_is_empty),
	UNIT_TEST(test_store_charge_and_refund),
	UNIT_TEST(test_store_used_counts_whole_pages),
	UNIT_TEST(test_A7_section_past_the_cap_is_refused),
	UNIT_TEST(test_store_growth_past_the_cap_changes_nothing),
	UNIT_TEST(test_store_file_backed_sections_are_not_charged),
	UNIT_TEST(test_store_used_back_to_zero_when_everything_is_gone),
	UNIT_TEST(test_B16_session_zero_is_the_global_namespace),
	UNIT_TEST(test_store_sessions_are_made_on_first_use),
	UNIT_TEST(test_store_session_ids_are_listed_ascending),
	UNIT_TEST(test_store_staging_namespace),
	UNIT_TEST(test_store_staged_sections_lose_their_staging_name_with_the_last_handle),
	UNIT_TEST(test_store_config_memfd_store_counts_sizes),
	UNIT_TEST(test_store_config_tmpfs_store_counts_nothing_itself),
	UNIT_TEST(test_store_max_sections_bound_the_count_over_memfds),
	UNIT_TEST(test_store_max_sections_bound_the_count_over_tmpfs),
	UNIT_TEST(test_store_max_sections_zero_is_no_bound),
	UNIT_TEST(test_store_tmpfs_without_inodes_makes_no_section),
	UNIT_TEST(test_store_session_namespaces_are_referenced),
	UNIT_TEST(test_store_namespace_tokens),
	UNIT_TEST(test_store_end_session_unnames_everything_and_holders_keep_data),
	UNIT_TEST(test_store_ended_namespace_takes_no_new_name),
	UNIT_TEST(test_store_ended_session_id_gets_a_new_empty_namespace),
	UNIT_TEST(test_store_end_session_of_nothing_changes_nothing),
	UNIT_TEST(test_store_end_session_frees_an_unheld_namespace),
	{ 0 },
};
