/* The paging file: a private tmpfs instance of size= the cap (the kernel refuses pages past it
 * with ENOSPC and counts the pages really used; its files are unnamed, at most max_files of them
 * besides the page pool's) or memfds (nothing counted); the write-lease check that a file is
 * open nowhere else, maps included; and the page pool, single pages of one shared file whose
 * freed slots are punched out and reused. */
#include <CUnit/CUnit.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cunit_main.h"
#include "pagefile.h"

#define PAGE PAGEFILE_PAGE_SIZE
#define CAP (16u * PAGE)          /* 64 KiB: hitting it takes sixteen pages */
#define MAX_FILES 3

static struct pagefile *pf;

void suite_setup(void)
{
	pf = NULL;
}

void suite_teardown(void)
{
	pagefile_free(pf);
	pf = NULL;
}

/* The suite's paging file: a tmpfs one of cap bytes and MAX_FILES files (the test stops with
 * the reason when there can be none). */
static struct pagefile *tmpfs_pagefile(uint64_t cap)
{
	char why[256] = "";

	pf = pagefile_new_tmpfs(cap, MAX_FILES, why, sizeof(why));
	if (!pf)
		fprintf(stderr, "pagefile_new_tmpfs: %s\n", why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pf);
	CU_ASSERT_EQUAL(pagefile_kind(pf), PAGEFILE_TMPFS);
	return pf;
}

static struct pagefile *memfd_pagefile(void)
{
	pf = pagefile_new_memfd();
	CU_ASSERT_PTR_NOT_NULL_FATAL(pf);
	CU_ASSERT_EQUAL(pagefile_kind(pf), PAGEFILE_MEMFD);
	return pf;
}

static int new_file(void)
{
	int fd = pagefile_new_file(pf);

	CU_ASSERT_FATAL(fd >= 0);
	return fd;
}

/* Writes n pages of `byte` at page `first` of fd; returns how many pages went in. */
static unsigned write_pages(int fd, unsigned first, unsigned n, unsigned char byte)
{
	unsigned char buf[PAGE];
	unsigned put = 0;

	memset(buf, byte, sizeof(buf));
	while (put < n && pwrite(fd, buf, PAGE, (off_t)(first + put) * PAGE) == PAGE)
		put++;
	return put;
}

/* A second open file of fd's file, as anyone reopening it through /proc gets. */
static int reopen(int fd, int flags)
{
	char path[64];
	int other;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	other = open(path, flags | O_CLOEXEC);
	CU_ASSERT_FATAL(other >= 0);
	return other;
}

/* Does /proc/self/mountinfo list a mount of device dev (is it reachable by a path)? */
static bool listed_in_mountinfo(dev_t dev)
{
	char want[32], line[4096];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	snprintf(want, sizeof(want), " %u:%u ", major(dev), minor(dev));
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, want) != NULL;
	fclose(f);
	return found;
}

/* ---- the two kinds ---- */

static void test_pagefile_tmpfs_is_a_private_instance_of_the_cap(void)
{
	struct statfs sf;
	struct stat s;
	int fd;

	tmpfs_pagefile(CAP + 1);   /* rounded up to a page */
	fd = new_file();
	CU_ASSERT_EQUAL_FATAL(fstatfs(fd, &sf), 0);
	CU_ASSERT_EQUAL(sf.f_type, TMPFS_MAGIC);
	CU_ASSERT_EQUAL((uint64_t)sf.f_blocks * (uint64_t)sf.f_bsize, CAP + PAGE);
	CU_ASSERT_EQUAL(sf.f_blocks, sf.f_bfree);
	/* nothing set-id, no devices, nothing executable */
	CU_ASSERT_TRUE(sf.f_flags & ST_NOSUID);
	CU_ASSERT_TRUE(sf.f_flags & ST_NODEV);
	CU_ASSERT_TRUE(sf.f_flags & ST_NOEXEC);
	/* its files have no name, are read-write, private to us and closed on exec */
	CU_ASSERT_EQUAL_FATAL(fstat(fd, &s), 0);
	CU_ASSERT_TRUE(S_ISREG(s.st_mode));
	CU_ASSERT_EQUAL(s.st_nlink, 0);
	CU_ASSERT_EQUAL(s.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(s.st_size, 0);
	CU_ASSERT_EQUAL(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	CU_ASSERT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CU_ASSERT_EQUAL(pagefile_used(pf), 0);
	/* mounted nowhere: no path leads to it (where /proc, say, is listed) */
	CU_ASSERT_FALSE(listed_in_mountinfo(s.st_dev));
	CU_ASSERT_EQUAL_FATAL(stat("/proc", &s), 0);
	CU_ASSERT_TRUE(listed_in_mountinfo(s.st_dev));
	close(fd);
}

static void test_pagefile_tmpfs_instances_are_separate(void)
{
	char why[256] = "";
	struct pagefile *other;
	int a, b;

	tmpfs_pagefile(CAP);
	other = pagefile_new_tmpfs(CAP, MAX_FILES, why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL_FATAL(other);
	a = new_file();
	b = pagefile_new_file(other);
	CU_ASSERT_FATAL(b >= 0);
	/* each has its own cap: filling one leaves the other empty */
	CU_ASSERT_EQUAL(write_pages(a, 0, 16, 'a'), 16);
	CU_ASSERT_EQUAL(pagefile_used(pf), CAP);
	CU_ASSERT_EQUAL(pagefile_used(other), 0);
	CU_ASSERT_EQUAL(write_pages(b, 0, 16, 'b'), 16);
	CU_ASSERT_EQUAL(pagefile_used(other), CAP);
	close(a);
	close(b);
	CU_ASSERT_EQUAL(pagefile_used(pf), 0);
	CU_ASSERT_EQUAL(pagefile_used(other), 0);
	pagefile_free(other);
}

static void test_pagefile_memfd_files_are_memfds_and_counted_by_nobody(void)
{
	int fd;

	memfd_pagefile();
	fd = new_file();
	/* a memfd made to take seals: F_GET_SEALS answers (anything else says EINVAL) */
	CU_ASSERT_EQUAL(fcntl(fd, F_GET_SEALS), 0);
	CU_ASSERT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CU_ASSERT_EQUAL(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	CU_ASSERT_EQUAL(write_pages(fd, 0, 4, 'm'), 4);
	CU_ASSERT_EQUAL(pagefile_used(pf), 0);   /* the store counts memfds, not the kernel */
	close(fd);
}

/* nr_inodes = max_files + 2: the instance's root, max_files files and the page pool's. */
static void test_pagefile_tmpfs_holds_max_files_and_the_pool(void)
{
	int fds[MAX_FILES + 3];
	int n = 0, last_errno = 0;

	tmpfs_pagefile(CAP);
	for (; n < MAX_FILES + 3; n++) {
		fds[n] = pagefile_new_file(pf);
		if (fds[n] < 0) {
			last_errno = errno;
			break;
		}
	}
	CU_ASSERT_EQUAL(n, MAX_FILES + 1);
	CU_ASSERT_EQUAL(last_errno, ENOSPC);
	/* a file that goes gives its inode back */
	if (n > 0) {
		close(fds[--n]);
		fds[n] = pagefile_new_file(pf);
		CU_ASSERT(fds[n] >= 0);
		if (fds[n] >= 0)
			n++;
	}
	while (n > 0)
		close(fds[--n]);
}

/* ---- what the kernel counts ---- */

static void test_pagefile_used_counts_pages_written_up_to_the_cap(void)
{
	unsigned char byte = 'x';
	struct stat s;
	int a, b;

	tmpfs_pagefile(CAP);
	a = new_file();
	b = new_file();
	CU_ASSERT_EQUAL(pwrite(a, &byte, 1, 0), 1);
	CU_ASSERT_EQUAL(pagefile_used(pf), PAGE);          /* a byte takes a page */
	CU_ASSERT_EQUAL(ftruncate(a, 1 << 30), 0);         /* sparse growth is free */
	CU_ASSERT_EQUAL(pagefile_used(pf), PAGE);
	CU_ASSERT_EQUAL(pwrite(a, &byte, 1, 100 * PAGE), 1);
	CU_ASSERT_EQUAL(pagefile_used(pf), 2 * PAGE);
	CU_ASSERT_EQUAL(fstat(a, &s), 0);
	CU_ASSERT_EQUAL(s.st_blocks, 2 * PAGE / 512);

	/* the rest of the cap, then ENOSPC for anyone */
	CU_ASSERT_EQUAL(write_pages(b, 0, 20, 'b'), 14);
	CU_ASSERT_EQUAL(pagefile_used(pf), CAP);
	errno = 0;
	CU_ASSERT_EQUAL(pwrite(a, &byte, 1, 2 * PAGE), -1);
	CU_ASSERT_EQUAL(errno, ENOSPC);
	CU_ASSERT_EQUAL(fallocate(a, 0, 0, 4 * PAGE), -1);   /* page 0 is there; 1-3 are not */
	CU_ASSERT_EQUAL(pagefile_used(pf), CAP);
	/* a page written already can be written again */
	CU_ASSERT_EQUAL(pwrite(a, &byte, 1, 5), 1);

	CU_ASSERT_EQUAL(ftruncate(b, 0), 0);
	CU_ASSERT_EQUAL(pagefile_used(pf), 2 * PAGE);
	close(a);
	CU_ASSERT_EQUAL(pagefile_used(pf), 0);
	close(b);
}

/* ---- the write-lease check ---- */

static void test_pagefile_file_alone_only_when_no_other_open_file(void)
{
	int fd, other;
	void *map;

	tmpfs_pagefile(CAP);
	fd = new_file();
	CU_ASSERT_EQUAL(ftruncate(fd, PAGE), 0);
	CU_ASSERT_TRUE(pagefile_file_alone(fd));
	CU_ASSERT_TRUE(pagefile_file_alone(fd));       /* asking takes nothing away */
	CU_ASSERT_FALSE(pagefile_file_alone(-1));

	/* another open file, for reading or writing */
	other = reopen(fd, O_RDONLY);
	CU_ASSERT_FALSE(pagefile_file_alone(fd));
	close(other);
	CU_ASSERT_TRUE(pagefile_file_alone(fd));
	other = reopen(fd, O_RDWR);
	CU_ASSERT_FALSE(pagefile_file_alone(fd));
	CU_ASSERT_FALSE(pagefile_file_alone(other));   /* the same from its side */
	close(other);
	CU_ASSERT_TRUE(pagefile_file_alone(fd));

	/* a map made through another open file keeps it open after it is closed */
	other = reopen(fd, O_RDWR);
	map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, other, 0);
	CU_ASSERT_FATAL(map != MAP_FAILED);
	close(other);
	CU_ASSERT_FALSE(pagefile_file_alone(fd));
	munmap(map, PAGE);
	CU_ASSERT_TRUE(pagefile_file_alone(fd));
	other = reopen(fd, O_RDONLY);
	map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, other, 0);
	CU_ASSERT_FATAL(map != MAP_FAILED);
	close(other);
	CU_ASSERT_FALSE(pagefile_file_alone(fd));
	munmap(map, PAGE);
	CU_ASSERT_TRUE(pagefile_file_alone(fd));

	/* fd itself, duplicated or mapped, is still one open file */
	other = dup(fd);
	CU_ASSERT_TRUE(pagefile_file_alone(fd));
	close(other);
	map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CU_ASSERT_FATAL(map != MAP_FAILED);
	CU_ASSERT_TRUE(pagefile_file_alone(fd));
	munmap(map, PAGE);
	close(fd);
}

/* ---- the page pool ---- */

static void pool_round_trip(void)
{
	unsigned char page[PAGE], back[PAGE];
	uint64_t a, b;

	for (size_t i = 0; i < PAGE; i++)
		page[i] = (unsigned char)(i * 13 + 5);
	CU_ASSERT_EQUAL_FATAL(pagefile_page_new(pf, page, &a), 0);
	memset(page, 'B', PAGE);
	CU_ASSERT_EQUAL_FATAL(pagefile_page_new(pf, page, &b), 0);
	CU_ASSERT_NOT_EQUAL(a, b);

	CU_ASSERT_EQUAL(pagefile_page_read(pf, a, back, PAGE, 0), 0);
	for (size_t i = 0; i < PAGE; i++)
		if (back[i] != (unsigned char)(i * 13 + 5)) {
			CU_FAIL("slot a does not hold what it was given");
			break;
		}
	/* part of a page, at an offset within it */
	CU_ASSERT_EQUAL(pagefile_page_write(pf, a, "hello", 5, PAGE - 5), 0);
	CU_ASSERT_EQUAL(pagefile_page_read(pf, a, back, 7, PAGE - 7), 0);
	CU_ASSERT_EQUAL(back[0], (unsigned char)((PAGE - 7) * 13 + 5));
	CU_ASSERT_EQUAL(back[1], (unsigned char)((PAGE - 6) * 13 + 5));
	CU_ASSERT_EQUAL(memcmp(back + 2, "hello", 5), 0);
	/* writing one slot leaves its neighbour alone */
	CU_ASSERT_EQUAL(pagefile_page_read(pf, b, back, PAGE, 0), 0);
	CU_ASSERT_EQUAL(memcmp(back, page, PAGE), 0);
	pagefile_page_free(pf, a);
	pagefile_page_free(pf, b);
}

static void test_pagefile_pool_pages_round_trip_in_tmpfs(void)
{
	tmpfs_pagefile(CAP);
	pool_round_trip();
	CU_ASSERT_EQUAL(pagefile_used(pf), 0);
}

static void test_pagefile_pool_pages_round_trip_in_memfds(void)
{
	memfd_pagefile();
	pool_round_trip();
	CU_ASSERT_EQUAL(pagefile_used(pf), 0);
}

static void test_pagefile_pool_free_releases_the_page_and_reuses_the_slot(void)
{
	unsigned char page[PAGE], back[PAGE];
	uint64_t slot[3], again;

	tmpfs_pagefile(CAP);
	for (int i = 0; i < 3; i++) {
		memset(page, 'a' + i, PAGE);
		CU_ASSERT_EQUAL_FATAL(pagefile_page_new(pf, page, &slot[i]), 0);
	}
	CU_ASSERT_EQUAL(pagefile_used(pf), 3 * PAGE);   /* a page each, and nothing more */
	pagefile_page_free(pf, slot[1]);
	CU_ASSERT_EQUAL(pagefile_used(pf), 2 * PAGE);   /* its memory goes at once */
	memset(page, 'z', PAGE);
	CU_ASSERT_EQUAL_FATAL(pagefile_page_new(pf, page, &again), 0);
	CU_ASSERT_EQUAL(again, slot[1]);                /* the free slot is taken first */
	CU_ASSERT_EQUAL(pagefile_used(pf), 3 * PAGE);
	CU_ASSERT_EQUAL(pagefile_page_read(pf, again, back, PAGE, 0), 0);
	CU_ASSERT_EQUAL(memcmp(back, page, PAGE), 0);
	/* the neighbours kept their bytes */
	CU_ASSERT_EQUAL(pagefile_page_read(pf, slot[0], back, 1, PAGE - 1), 0);
	CU_ASSERT_EQUAL(back[0], 'a');
	CU_ASSERT_EQUAL(pagefile_page_read(pf, slot[2], back, 1, 0), 0);
	CU_ASSERT_EQUAL(back[0], 'c');
	pagefile_page_free(pf, slot[0]);
	pagefile_page_free(pf, again);
	pagefile_page_free(pf, slot[2]);
	CU_ASSERT_EQUAL(pagefile_used(pf), 0);
}

static void test_pagefile_pool_full_cap_is_enospc_and_takes_nothing(void)
{
	unsigned char page[PAGE], back[PAGE];
	uint64_t slots[4], slot = 99, extra;
	int fd;

	tmpfs_pagefile(CAP);
	fd = new_file();
	CU_ASSERT_EQUAL(write_pages(fd, 0, 12, 'f'), 12);   /* room for four pages is left */
	for (int i = 0; i < 4; i++) {
		memset(page, '0' + i, PAGE);
		CU_ASSERT_EQUAL_FATAL(pagefile_page_new(pf, page, &slots[i]), 0);
	}
	CU_ASSERT_EQUAL(pagefile_used(pf), CAP);
	memset(page, 'X', PAGE);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(pagefile_page_new(pf, page, &slot), -ENOSPC);
		CU_ASSERT_EQUAL(pagefile_used(pf), CAP);
	}
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(pagefile_page_read(pf, slots[i], back, PAGE, 0), 0);
		CU_ASSERT_EQUAL(back[0], '0' + i);
		CU_ASSERT_EQUAL(back[PAGE - 1], '0' + i);
	}
	/* room again once a page goes, from the pool or elsewhere */
	pagefile_page_free(pf, slots[2]);
	CU_ASSERT_EQUAL(pagefile_page_new(pf, page, &slots[2]), 0);
	CU_ASSERT_EQUAL(pagefile_page_new(pf, page, &extra), -ENOSPC);
	CU_ASSERT_EQUAL(ftruncate(fd, 11 * PAGE), 0);
	CU_ASSERT_EQUAL(pagefile_page_new(pf, page, &extra), 0);
	CU_ASSERT_EQUAL(pagefile_page_read(pf, extra, back, PAGE, 0), 0);
	CU_ASSERT_EQUAL(memcmp(back, page, PAGE), 0);
	CU_ASSERT_EQUAL(pagefile_used(pf), CAP);
	pagefile_page_free(pf, extra);
	for (int i = 0; i < 4; i++)
		pagefile_page_free(pf, slots[i]);
	close(fd);
	CU_ASSERT_EQUAL(pagefile_used(pf), 0);
}

const char *suite_name = "pagefile";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_pagefile_tmpfs_is_a_private_instance_of_the_cap),
	UNIT_TEST(test_pagefile_tmpfs_instances_are_separate),
	UNIT_TEST(test_pagefile_memfd_files_are_memfds_and_counted_by_nobody),
	UNIT_TEST(test_pagefile_tmpfs_holds_max_files_and_the_pool),
	UNIT_TEST(test_pagefile_used_counts_pages_written_up_to_the_cap),
	UNIT_TEST(test_pagefile_file_alone_only_when_no_other_open_file),
	UNIT_TEST(test_pagefile_pool_pages_round_trip_in_tmpfs),
	UNIT_TEST(test_pagefile_pool_pages_round_trip_in_memfds),
	UNIT_TEST(test_pagefile_pool_free_releases_the_page_and_reuses_the_slot),
	UNIT_TEST(test_pagefile_pool_full_cap_is_enospc_and_takes_nothing),
	{ 0 },
};
