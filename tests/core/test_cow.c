/* Copy-on-write (PAGE_WRITECOPY, rule D30 for handles): a handle opened for writing on a
 * copy-on-write section is private.  It reads its own writes; other handles and the section
 * never see them; it cannot write past the section's end; its pages are charged against the
 * store's cap (a full cap: ERROR_NOT_ENOUGH_MEMORY, nothing changed) and refunded on close.  The
 * copies live in the paging file's page pool, so over a tmpfs paging file the kernel counts
 * them against the cap like any page, and a closed overlay gives its pages back. */
#include <CUnit/CUnit.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cow.h"
#include "cunit_main.h"
#include "fixture.h"
#include "handle.h"
#include "namespace.h"
#include "pagefile.h"
#include "protect.h"
#include "section.h"
#include "store.h"
#include "win32_constants.h"

#define PAGE WIN32_PAGE_SIZE

static struct store *st;
static struct section_owner owner;

void suite_setup(void)
{
	owner = fixture_owner(0600);
	st = fixture_store(64u * 1024 * 1024);
}

void suite_teardown(void)
{
	fixture_store_done(&st);
}

/* Replaces the suite's store with one of a smaller cap (the test's first act). */
static void use_cap(uint64_t cap)
{
	store_free(st);
	st = fixture_store(cap);
}

static unsigned char original(uint64_t i)
{
	return (unsigned char)(i % 251 + 1);
}

/* A published paging-file section of `protect` whose bytes are original(i). */
static struct section *new_section(uint32_t protect, uint64_t size)
{
	struct section_spec spec = section_spec_default(SECTION_TEMPORARY);
	unsigned char *buf = malloc(size);
	struct section *sec = NULL;
	size_t done = 0;

	spec.protect = protect;
	spec.size = size;
	CU_ASSERT_EQUAL_FATAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
	for (uint64_t i = 0; i < size; i++)
		buf[i] = original(i);
	/* the section's own pages are written directly: protection is the handles' business */
	CU_ASSERT_EQUAL(section_write(sec, buf, size, 0, &done), ERROR_SUCCESS);
	free(buf);
	return sec;
}

static struct handle *open_handle(struct section *sec, uint32_t access)
{
	struct handle *h = NULL;

	CU_ASSERT_EQUAL_FATAL(handle_open(sec, access, &h), ERROR_SUCCESS);
	return h;
}

/* Does reading [off, off+len) through h (NULL: the section itself) give original(i), except
 * [mine, mine+mine_len) which must be `byte`? */
static bool reads(struct section *sec, struct handle *h, uint64_t off, uint64_t len,
		  uint64_t mine, uint64_t mine_len, unsigned char byte)
{
	unsigned char *buf = malloc(len);
	size_t done = 0;
	uint32_t err = h ? handle_read(h, buf, len, off, &done)
			 : section_read(sec, buf, len, off, &done);
	bool ok = err == ERROR_SUCCESS && done == len;

	for (uint64_t i = 0; ok && i < len; i++) {
		uint64_t at = off + i;
		ok = buf[i] == (at >= mine && at < mine + mine_len ? byte : original(at));
	}
	free(buf);
	return ok;
}

static uint32_t put(struct handle *h, uint64_t off, uint64_t len, unsigned char byte,
		    size_t *done)
{
	unsigned char *buf = malloc(len ? len : 1);
	uint32_t err;

	memset(buf, byte, len);
	err = handle_write(h, buf, len, off, done);
	free(buf);
	return err;
}

static void test_D30_writecopy_write_handles_are_private(void)
{
	const struct { uint32_t protect, access; bool private_; } cases[] = {
		{ PAGE_WRITECOPY, FILE_MAP_WRITE, true },
		{ PAGE_WRITECOPY, FILE_MAP_ALL_ACCESS, true },
		{ PAGE_WRITECOPY, FILE_MAP_READ | FILE_MAP_WRITE, true },
		{ PAGE_WRITECOPY, FILE_MAP_READ, false },
		{ PAGE_WRITECOPY, FILE_MAP_COPY | FILE_MAP_READ, false },
		{ PAGE_EXECUTE_WRITECOPY, FILE_MAP_WRITE, true },
		{ PAGE_EXECUTE_WRITECOPY, FILE_MAP_READ, false },
		{ PAGE_READWRITE, FILE_MAP_WRITE, false },
		{ PAGE_EXECUTE_READWRITE, FILE_MAP_ALL_ACCESS, false },
		{ PAGE_READONLY, FILE_MAP_READ, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct section *sec = new_section(cases[i].protect, PAGE);
		struct handle *h = open_handle(sec, cases[i].access);
		CU_ASSERT_EQUAL(handle_is_private(h), cases[i].private_);
		CU_ASSERT_EQUAL(handle_access(h), cases[i].access);
		handle_close(h);
		section_put(sec);
	}
}

static void test_D30_staged_writecopy_section_is_written_directly(void)
{
	struct section *sec = new_section(PAGE_WRITECOPY, PAGE);
	struct handle *h;
	size_t done = 0;

	section_mark_staged(sec, true);   /* still being built: its own pages are written */
	h = open_handle(sec, FILE_MAP_WRITE);
	CU_ASSERT_FALSE(handle_is_private(h));
	CU_ASSERT_EQUAL(put(h, 0, 10, 'S', &done), ERROR_SUCCESS);
	CU_ASSERT_TRUE(reads(sec, NULL, 0, PAGE, 0, 10, 'S'));
	handle_close(h);
	section_put(sec);
}

static void test_D30_private_handle_reads_its_own_writes(void)
{
	struct section *sec = new_section(PAGE_WRITECOPY, 3 * PAGE);
	struct handle *mine = open_handle(sec, FILE_MAP_ALL_ACCESS);
	struct handle *reader = open_handle(sec, FILE_MAP_READ);
	struct handle *other = open_handle(sec, FILE_MAP_WRITE);
	size_t done = 0;

	CU_ASSERT_TRUE(handle_is_private(mine));
	CU_ASSERT_TRUE(handle_is_private(other));
	/* across a page boundary */
	CU_ASSERT_EQUAL(put(mine, PAGE - 50, 100, 'M', &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, 100);
	CU_ASSERT_TRUE(reads(sec, mine, 0, 3 * PAGE, PAGE - 50, 100, 'M'));
	/* nobody else sees them */
	CU_ASSERT_TRUE(reads(sec, reader, 0, 3 * PAGE, 0, 0, 0));
	CU_ASSERT_TRUE(reads(sec, other, 0, 3 * PAGE, 0, 0, 0));
	CU_ASSERT_TRUE(reads(sec, NULL, 0, 3 * PAGE, 0, 0, 0));
	/* the other private handle has its own copies */
	CU_ASSERT_EQUAL(put(other, PAGE, 10, 'O', &done), ERROR_SUCCESS);
	CU_ASSERT_TRUE(reads(sec, other, 0, 3 * PAGE, PAGE, 10, 'O'));
	CU_ASSERT_TRUE(reads(sec, mine, 0, 3 * PAGE, PAGE - 50, 100, 'M'));
	CU_ASSERT_TRUE(reads(sec, NULL, 0, 3 * PAGE, 0, 0, 0));
	/* later writes to the same pages stay private too */
	CU_ASSERT_EQUAL(put(mine, PAGE - 50, 100, 'N', &done), ERROR_SUCCESS);
	CU_ASSERT_TRUE(reads(sec, mine, 0, 3 * PAGE, PAGE - 50, 100, 'N'));
	CU_ASSERT_TRUE(reads(sec, NULL, 0, 3 * PAGE, 0, 0, 0));
	CU_ASSERT_EQUAL(section_size(sec), 3 * PAGE);
	handle_close(mine);
	handle_close(other);
	/* closing drops the copies: the section never changed */
	CU_ASSERT_TRUE(reads(sec, reader, 0, 3 * PAGE, 0, 0, 0));
	handle_close(reader);
	section_put(sec);
}

static void test_D30_pages_not_copied_follow_the_section(void)
{
	struct section *sec = new_section(PAGE_WRITECOPY, 2 * PAGE);
	struct handle *mine = open_handle(sec, FILE_MAP_WRITE);
	size_t done = 0;
	char c = 0;

	CU_ASSERT_EQUAL(put(mine, 0, 1, 'M', &done), ERROR_SUCCESS);   /* copies page 0 only */
	CU_ASSERT_EQUAL(section_write(sec, "X", 1, 1, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_write(sec, "Y", 1, PAGE, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(handle_read(mine, &c, 1, 1, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(c, (char)original(1));   /* its copy of page 0 is fixed */
	CU_ASSERT_EQUAL(handle_read(mine, &c, 1, PAGE, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(c, 'Y');                 /* page 1 is still the section's */
	handle_close(mine);
	section_put(sec);
}

static void test_D30_file_behind_a_private_handle_never_changes(void)
{
	char path[] = "/tmp/sectionfs-cow-XXXXXX";
	unsigned char buf[2 * PAGE], back[2 * PAGE];
	struct section_spec spec;
	struct section *sec;
	struct handle *h;
	size_t done = 0;
	int fd = mkstemp(path), ro;

	CU_ASSERT_FATAL(fd >= 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = original(i);
	CU_ASSERT_FATAL(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
	ro = open(path, O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(ro >= 0);
	unlink(path);
	CU_ASSERT_EQUAL_FATAL(section_spec_win32(PAGE_WRITECOPY, 0, ro, FILE_ACCESS_READ,
						 SECTION_TEMPORARY, &spec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
	h = open_handle(sec, FILE_MAP_WRITE);
	CU_ASSERT_TRUE(handle_is_private(h));
	CU_ASSERT_EQUAL(put(h, 10, PAGE, 'w', &done), ERROR_SUCCESS);
	CU_ASSERT_TRUE(reads(sec, h, 0, 2 * PAGE, 10, PAGE, 'w'));
	CU_ASSERT_EQUAL(store_used(st), 2 * PAGE);      /* the file is free, the copies are not */
	CU_ASSERT_EQUAL(pread(fd, back, sizeof(back), 0), (ssize_t)sizeof(back));
	CU_ASSERT_EQUAL(memcmp(back, buf, sizeof(buf)), 0);
	handle_close(h);
	CU_ASSERT_EQUAL(store_used(st), 0);
	section_put(sec);
	CU_ASSERT_EQUAL(pread(fd, back, sizeof(back), 0), (ssize_t)sizeof(back));
	CU_ASSERT_EQUAL(memcmp(back, buf, sizeof(buf)), 0);
	close(ro);
	close(fd);
}

static void test_D30_write_past_the_end_is_refused(void)
{
	struct section *sec = new_section(PAGE_WRITECOPY, 2 * PAGE);
	struct handle *h = open_handle(sec, FILE_MAP_WRITE);
	uint64_t used = store_used(st);
	size_t done = 99;

	CU_ASSERT_EQUAL(put(h, 2 * PAGE - 1, 2, 'x', &done), ERROR_FILE_TOO_LARGE);
	CU_ASSERT_EQUAL(done, 0);
	CU_ASSERT_EQUAL(put(h, 2 * PAGE, 1, 'x', &done), ERROR_FILE_TOO_LARGE);
	CU_ASSERT_EQUAL(put(h, 5 * PAGE, 1, 'x', &done), ERROR_FILE_TOO_LARGE);
	CU_ASSERT_EQUAL(put(h, UINT64_MAX, 1, 'x', &done), ERROR_FILE_TOO_LARGE);
	CU_ASSERT_EQUAL(put(h, 0, 2 * PAGE + 1, 'x', &done), ERROR_FILE_TOO_LARGE);
	CU_ASSERT_EQUAL(done, 0);
	/* nothing changed: not the section, not the copies, not the cap */
	CU_ASSERT_EQUAL(section_size(sec), 2 * PAGE);
	CU_ASSERT_EQUAL(store_used(st), used);
	CU_ASSERT_TRUE(reads(sec, h, 0, 2 * PAGE, 0, 0, 0));
	CU_ASSERT_TRUE(reads(sec, NULL, 0, 2 * PAGE, 0, 0, 0));
	/* up to the end is fine */
	CU_ASSERT_EQUAL(put(h, 2 * PAGE - 1, 1, 'e', &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, 1);
	CU_ASSERT_TRUE(reads(sec, h, 0, 2 * PAGE, 2 * PAGE - 1, 1, 'e'));
	handle_close(h);
	section_put(sec);
}

static void test_D30_read_only_handle_cannot_write(void)
{
	struct section *sec = new_section(PAGE_WRITECOPY, PAGE);
	struct handle *h = open_handle(sec, FILE_MAP_READ | FILE_MAP_COPY);
	size_t done = 5;

	CU_ASSERT_EQUAL(put(h, 0, 1, 'x', &done), ERROR_ACCESS_DENIED);
	CU_ASSERT_EQUAL(done, 0);
	CU_ASSERT_TRUE(reads(sec, NULL, 0, PAGE, 0, 0, 0));
	CU_ASSERT_EQUAL(store_used(st), PAGE);
	handle_close(h);
	section_put(sec);
}

static void test_cow_pages_are_charged_and_refunded(void)
{
	struct section *sec = new_section(PAGE_WRITECOPY, 4 * PAGE);
	struct handle *a = open_handle(sec, FILE_MAP_WRITE), *b = open_handle(sec, FILE_MAP_WRITE);
	struct handle *keep = open_handle(sec, FILE_MAP_READ);   /* keeps the data (C21) */
	size_t done;

	CU_ASSERT_EQUAL(store_used(st), 4 * PAGE);
	CU_ASSERT_EQUAL(put(a, 0, 1, 'a', &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 5 * PAGE);
	CU_ASSERT_EQUAL(put(a, PAGE - 1, 1, 'a', &done), ERROR_SUCCESS);   /* same page */
	CU_ASSERT_EQUAL(store_used(st), 5 * PAGE);
	CU_ASSERT_EQUAL(put(a, PAGE - 1, PAGE + 2, 'a', &done), ERROR_SUCCESS);   /* pages 0-2 */
	CU_ASSERT_EQUAL(store_used(st), 7 * PAGE);
	CU_ASSERT_EQUAL(put(b, 3 * PAGE, PAGE, 'b', &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 8 * PAGE);
	CU_ASSERT_EQUAL(put(b, 0, 0, 'b', &done), ERROR_SUCCESS);   /* nothing to copy */
	CU_ASSERT_EQUAL(store_used(st), 8 * PAGE);
	handle_close(a);
	CU_ASSERT_EQUAL(store_used(st), 5 * PAGE);
	handle_close(b);
	CU_ASSERT_EQUAL(store_used(st), 4 * PAGE);
	handle_close(keep);
	CU_ASSERT_EQUAL(store_used(st), 0);
	section_put(sec);
}

static void test_cow_full_cap_gives_not_enough_memory(void)
{
	struct section *sec;
	struct handle *h, *keep;
	size_t done = 7;

	use_cap(3 * PAGE);
	sec = new_section(PAGE_WRITECOPY, 2 * PAGE);
	keep = open_handle(sec, FILE_MAP_READ);
	h = open_handle(sec, FILE_MAP_WRITE);
	/* two pages to copy, room for one: nothing is copied, charged or written */
	CU_ASSERT_EQUAL(put(h, PAGE - 1, 2, 'x', &done), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(done, 0);
	CU_ASSERT_EQUAL(store_used(st), 2 * PAGE);
	CU_ASSERT_TRUE(reads(sec, h, 0, 2 * PAGE, 0, 0, 0));
	/* one page fits */
	CU_ASSERT_EQUAL(put(h, 0, 1, 'y', &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, 1);
	CU_ASSERT_EQUAL(store_used(st), 3 * PAGE);
	/* and then the cap is full */
	CU_ASSERT_EQUAL(put(h, PAGE, 1, 'z', &done), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(done, 0);
	CU_ASSERT_EQUAL(put(h, PAGE - 1, 2, 'z', &done), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(store_used(st), 3 * PAGE);
	CU_ASSERT_TRUE(reads(sec, h, 0, 2 * PAGE, 0, 1, 'y'));
	CU_ASSERT_TRUE(reads(sec, NULL, 0, 2 * PAGE, 0, 0, 0));
	/* pages already copied take writes without a charge */
	CU_ASSERT_EQUAL(put(h, 1, PAGE - 1, 'y', &done), ERROR_SUCCESS);
	CU_ASSERT_TRUE(reads(sec, h, 0, 2 * PAGE, 0, PAGE, 'y'));
	handle_close(h);
	CU_ASSERT_EQUAL(store_used(st), 2 * PAGE);
	handle_close(keep);
	section_put(sec);
}

static void test_cow_overlay_directly(void)
{
	struct section *sec = new_section(PAGE_WRITECOPY, 3 * PAGE + 100);
	struct cow_overlay *cow = cow_new(sec);
	unsigned char buf[PAGE];
	size_t done = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cow);
	CU_ASSERT_EQUAL(cow_pages(cow), 0);
	CU_ASSERT_EQUAL(cow_write(cow, "ab", 2, PAGE - 1, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, 2);
	CU_ASSERT_EQUAL(cow_pages(cow), 2);
	CU_ASSERT_EQUAL(store_used(st), 4 * PAGE + 2 * PAGE);
	CU_ASSERT_EQUAL(cow_write(cow, "c", 1, 3 * PAGE + 99, &done), ERROR_SUCCESS);  /* last byte */
	CU_ASSERT_EQUAL(cow_pages(cow), 3);
	CU_ASSERT_EQUAL(cow_write(cow, "d", 1, 3 * PAGE + 100, &done), ERROR_FILE_TOO_LARGE);
	CU_ASSERT_EQUAL(cow_pages(cow), 3);
	CU_ASSERT_EQUAL(cow_read(cow, buf, 4, PAGE - 2, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, 4);
	CU_ASSERT_EQUAL(buf[0], original(PAGE - 2));
	CU_ASSERT_EQUAL(buf[1], 'a');
	CU_ASSERT_EQUAL(buf[2], 'b');
	CU_ASSERT_EQUAL(buf[3], original(PAGE + 1));
	/* reads are clipped to the section */
	CU_ASSERT_EQUAL(cow_read(cow, buf, sizeof(buf), 3 * PAGE + 98, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, 2);
	CU_ASSERT_EQUAL(buf[0], original(3 * PAGE + 98));
	CU_ASSERT_EQUAL(buf[1], 'c');
	done = 1;
	CU_ASSERT_EQUAL(cow_read(cow, buf, sizeof(buf), 3 * PAGE + 100, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, 0);
	CU_ASSERT_TRUE(reads(sec, NULL, 0, 3 * PAGE + 100, 0, 0, 0));
	cow_free(cow);
	CU_ASSERT_EQUAL(store_used(st), 4 * PAGE);
	section_put(sec);
}

static void test_cow_private_handle_of_a_named_section_is_refunded_after_the_data(void)
{
	struct section_spec spec = section_spec_default(SECTION_TEMPORARY);
	struct handle *h, *r;
	bool existed = true;
	size_t done;

	spec.protect = PAGE_WRITECOPY;
	spec.size = 2 * PAGE;
	CU_ASSERT_EQUAL_FATAL(ns_create(store_global(st), "cow", &spec, &owner, NS_OPEN_IF_EXISTS,
					FILE_MAP_READ, &r, &existed), ERROR_SUCCESS);
	CU_ASSERT_FALSE(handle_is_private(r));
	CU_ASSERT_EQUAL_FATAL(ns_open(store_global(st), "cow", FILE_MAP_ALL_ACCESS, &h),
			      ERROR_SUCCESS);
	CU_ASSERT_TRUE(handle_is_private(h));
	CU_ASSERT_EQUAL(put(h, 0, 2 * PAGE, 'p', &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 4 * PAGE);
	handle_close(r);
	CU_ASSERT_EQUAL(handle_become_view(h), ERROR_SUCCESS);   /* the name goes (C20) */
	CU_ASSERT_EQUAL(ns_count(store_global(st)), 0);
	CU_ASSERT_TRUE(reads(handle_section(h), h, 0, 2 * PAGE, 0, 2 * PAGE, 'p'));
	handle_close(h);
	CU_ASSERT_EQUAL(store_used(st), 0);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
}

/* ---- copies in the paging file's page pool, under the kernel-held cap ---- */

#define SMALL_CAP (16u * PAGE)

/* Replaces the suite's store with a tmpfs one of SMALL_CAP (the test's first act). */
static void use_tmpfs(void)
{
	store_free(st);
	st = fixture_tmpfs_store(SMALL_CAP, 0);
}

static void test_cow_copies_count_against_the_kernel_held_cap(void)
{
	struct section *sec;
	struct handle *keep, *a, *b;
	size_t done;

	use_tmpfs();
	sec = new_section(PAGE_WRITECOPY, 4 * PAGE);
	keep = open_handle(sec, FILE_MAP_READ);
	a = open_handle(sec, FILE_MAP_WRITE);
	CU_ASSERT_EQUAL(store_used(st), 4 * PAGE);
	CU_ASSERT_EQUAL(put(a, PAGE + 5, 1, 'a', &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 5 * PAGE);          /* the copy is a page of the pool */
	CU_ASSERT_EQUAL(store_used(st), pagefile_used(store_pagefile(st)));
	CU_ASSERT_EQUAL(put(a, PAGE - 1, PAGE + 2, 'a', &done), ERROR_SUCCESS);   /* pages 0-2 */
	CU_ASSERT_EQUAL(store_used(st), 7 * PAGE);
	CU_ASSERT_TRUE(reads(sec, a, 0, 4 * PAGE, PAGE - 1, PAGE + 2, 'a'));
	CU_ASSERT_TRUE(reads(sec, NULL, 0, 4 * PAGE, 0, 0, 0));   /* the section never changes */
	handle_close(a);
	CU_ASSERT_EQUAL(store_used(st), 4 * PAGE);          /* freeing the overlay returns them */
	/* the next overlay takes the slots again, and sees none of the old bytes */
	b = open_handle(sec, FILE_MAP_WRITE);
	CU_ASSERT_EQUAL(put(b, 3 * PAGE, 2, 'b', &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(put(b, 0, 1, 'b', &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 6 * PAGE);
	CU_ASSERT_TRUE(reads(sec, b, PAGE, 2 * PAGE, 0, 0, 0));
	CU_ASSERT_TRUE(reads(sec, b, 3 * PAGE, PAGE, 3 * PAGE, 2, 'b'));
	CU_ASSERT_TRUE(reads(sec, b, 0, PAGE, 0, 1, 'b'));
	handle_close(b);
	handle_close(keep);
	CU_ASSERT_EQUAL(store_used(st), 0);
	section_put(sec);
}

static void test_cow_copies_that_do_not_fit_change_nothing(void)
{
	struct section *sec, *filler;
	struct handle *keep, *h;
	size_t done = 7;

	use_tmpfs();
	sec = new_section(PAGE_WRITECOPY, 4 * PAGE);
	filler = new_section(PAGE_READWRITE, 10 * PAGE);    /* room for two pages is left */
	keep = open_handle(sec, FILE_MAP_READ);
	h = open_handle(sec, FILE_MAP_WRITE);
	CU_ASSERT_EQUAL(store_used(st), 14 * PAGE);
	/* three pages to copy, room for two: nothing copied, taken or written */
	CU_ASSERT_EQUAL(put(h, PAGE - 1, PAGE + 2, 'x', &done), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(done, 0);
	CU_ASSERT_EQUAL(store_used(st), 14 * PAGE);
	CU_ASSERT_TRUE(reads(sec, h, 0, 4 * PAGE, 0, 0, 0));
	/* one page copied and written, one page of room left */
	CU_ASSERT_EQUAL(put(h, 10, 1, 'y', &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, 1);
	CU_ASSERT_EQUAL(store_used(st), 15 * PAGE);
	/* a write over the copy and two pages more: the copy keeps its bytes too */
	CU_ASSERT_EQUAL(put(h, 0, 3 * PAGE, 'z', &done), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(done, 0);
	CU_ASSERT_EQUAL(store_used(st), 15 * PAGE);
	CU_ASSERT_TRUE(reads(sec, h, 0, 4 * PAGE, 10, 1, 'y'));
	/* what fits still goes in */
	CU_ASSERT_EQUAL(put(h, 3 * PAGE, PAGE, 'w', &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), SMALL_CAP);
	CU_ASSERT_EQUAL(put(h, PAGE, 1, 'v', &done), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(put(h, 0, PAGE, 'u', &done), ERROR_SUCCESS);   /* copied already */
	CU_ASSERT_TRUE(reads(sec, h, 0, PAGE, 0, PAGE, 'u'));
	CU_ASSERT_TRUE(reads(sec, h, PAGE, 2 * PAGE, 0, 0, 0));
	CU_ASSERT_TRUE(reads(sec, h, 3 * PAGE, PAGE, 3 * PAGE, PAGE, 'w'));
	CU_ASSERT_TRUE(reads(sec, NULL, 0, 4 * PAGE, 0, 0, 0));
	handle_close(h);
	CU_ASSERT_EQUAL(store_used(st), 14 * PAGE);
	handle_close(keep);
	section_put(filler);
	section_put(sec);
}

const char *suite_name = "cow";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_D30_writecopy_write_handles_are_private),
	UNIT_TEST(test_D30_staged_writecopy_section_is_written_directly),
	UNIT_TEST(test_D30_private_handle_reads_its_own_writes),
	UNIT_TEST(test_D30_pages_not_copied_follow_the_section),
	UNIT_TEST(test_D30_file_behind_a_private_handle_never_changes),
	UNIT_TEST(test_D30_write_past_the_end_is_refused),
	UNIT_TEST(test_D30_read_only_handle_cannot_write),
	UNIT_TEST(test_cow_pages_are_charged_and_refunded),
	UNIT_TEST(test_cow_full_cap_gives_not_enough_memory),
	UNIT_TEST(test_cow_overlay_directly),
	UNIT_TEST(test_cow_private_handle_of_a_named_section_is_refunded_after_the_data),
	UNIT_TEST(test_cow_copies_count_against_the_kernel_held_cap),
	UNIT_TEST(test_cow_copies_that_do_not_fit_change_nothing),
	{ 0 },
};
