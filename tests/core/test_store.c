/* The store: the byte cap over all sections (growth past it fails with ERROR_NOT_ENOUGH_MEMORY
 * and changes nothing; everything gone brings the count back to zero), the namespaces (session 0
 * is the global one, other sessions are made on first use and listed), and the staging namespace
 * where sections are built before being published. */
#include <CUnit/CUnit.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit_main.h"
#include "fixture.h"
#include "handle.h"
#include "namespace.h"
#include "protect.h"
#include "section.h"
#include "store.h"
#include "win32_constants.h"

#define PAGE WIN32_PAGE_SIZE
#define CAP (16 * PAGE)

static struct store *st;
static struct section_owner owner;

void suite_setup(void)
{
	owner = fixture_owner(0600);
	st = fixture_store(CAP);
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

/* E36 across processes: the store says how far views of sections over a file reach. */
static void test_E36_mapped_end_of_a_file(void)
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
	CU_ASSERT_EQUAL(store_mapped_end_of_file(st, fst.st_dev, fst.st_ino), 0);   /* no view yet */
	CU_ASSERT_EQUAL_FATAL(ns_open(store_global(st), "F", FILE_MAP_ALL_ACCESS, &v), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(handle_become_view(v), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_mapped_end_of_file(st, fst.st_dev, fst.st_ino), 3 * WIN32_PAGE_SIZE);
	CU_ASSERT_EQUAL(store_mapped_end_of_file(st, fst.st_dev, fst.st_ino + 1), 0);
	handle_close(v);
	CU_ASSERT_EQUAL(store_mapped_end_of_file(st, fst.st_dev, fst.st_ino), 0);
	handle_close(h);
	close(fd);
}

const char *suite_name = "store";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_E36_mapped_end_of_a_file),
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
	{ 0 },
};
