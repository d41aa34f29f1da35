/* Section objects: rules A1-A7 and A11 through section_spec_win32() and section_new() over the
 * paging file (memfd) and over real files, the data (zero-filled, read, written, grown), E36
 * (no shrinking under another holder; no resizing of published READONLY/WRITECOPY sections; a
 * file is never cut), the staged-section setters and SEC_RESERVE commits (D33, D34).  Over a tmpfs
 * paging file the kernel holds the cap: writes grow sections sparsely as on tmpfs, a write past
 * the cap keeps exactly what went in, fallocate takes every page or none, populate and commit
 * take pages, and a destroyed section's pages go once nothing else has its file open or mapped.
 * A file is attached with no lock held, and refused when the section changed meanwhile. */
#include <CUnit/CUnit.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cunit_main.h"
#include "fixture.h"
#include "handle.h"
#include "name.h"
#include "namespace.h"
#include "protect.h"
#include "section.h"
#include "store.h"
#include "win32_constants.h"

#define PAGE WIN32_PAGE_SIZE
#define CAP (64u * 1024 * 1024)
#define RW_ACCESS (FILE_ACCESS_READ | FILE_ACCESS_WRITE)
#define ALL_FILE_ACCESS (FILE_ACCESS_READ | FILE_ACCESS_WRITE | FILE_ACCESS_EXECUTE)

static struct store *st;
static struct section_owner owner;

void suite_setup(void)
{
	owner = fixture_owner(0640);
	st = fixture_store(CAP);
}

void suite_teardown(void)
{
	fixture_store_done(&st);
}

/* ---- helpers ---- */

/* A spec no call can produce, to see that failures leave *spec alone (byte for byte: padding
 * included, so it is poisoned in place). */
static void poison_spec(struct section_spec *spec)
{
	memset(spec, 0x5a, sizeof(*spec));
}

static bool spec_untouched(const struct section_spec *spec)
{
	unsigned char p[sizeof(*spec)];

	memset(p, 0x5a, sizeof(p));
	return !memcmp(spec, p, sizeof(p));
}

/* section_spec_win32 that checks failures write nothing. */
static uint32_t spec_checked(uint32_t flprotect, uint64_t size, int fd, unsigned access,
			     struct section_spec *spec)
{
	uint32_t err;

	poison_spec(spec);
	err = section_spec_win32(flprotect, size, fd, access, SECTION_TEMPORARY, spec);
	if (err)
		CU_ASSERT_TRUE(spec_untouched(spec));
	return err;
}

/* A paging-file section made the Win32 way. */
static struct section *new_pagefile(uint32_t flprotect, uint64_t size)
{
	struct section_spec spec;
	struct section *sec = NULL;

	CU_ASSERT_EQUAL_FATAL(section_spec_win32(flprotect, size, -1, 0, SECTION_TEMPORARY, &spec),
			      ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
	return sec;
}

/* A paging-file section of exactly size bytes, as the filesystem makes them. */
static struct section *new_plain(uint64_t size)
{
	struct section_spec spec = section_spec_default(SECTION_PERMANENT);
	struct section *sec = NULL;

	spec.size = size;
	CU_ASSERT_EQUAL_FATAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
	return sec;
}

/* A temporary file in /tmp holding len bytes of pattern(i), already unlinked.  read_only: the
 * descriptor is opened for reading only. */
static unsigned char pattern(uint64_t i)
{
	return (unsigned char)(i * 7 + 1);
}

static int temp_file(uint64_t len, bool read_only)
{
	char path[] = "/tmp/sectionfs-section-XXXXXX";
	unsigned char buf[4096];
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	for (uint64_t at = 0; at < len;) {
		size_t n = len - at < sizeof(buf) ? (size_t)(len - at) : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(at + i);
		CU_ASSERT_FATAL(pwrite(fd, buf, n, (off_t)at) == (ssize_t)n);
		at += n;
	}
	if (read_only) {
		int ro = open(path, O_RDONLY | O_CLOEXEC);
		CU_ASSERT_FATAL(ro >= 0);
		close(fd);
		fd = ro;
	}
	unlink(path);
	return fd;
}

static uint64_t file_size(int fd)
{
	struct stat s;

	CU_ASSERT_FATAL(fstat(fd, &s) == 0);
	return (uint64_t)s.st_size;
}

/* Are [off, off+len) of sec all `byte`? */
static bool reads_as(struct section *sec, uint64_t off, uint64_t len, unsigned char byte)
{
	unsigned char *buf = malloc(len ? len : 1);
	size_t done = 0;
	bool ok = section_read(sec, buf, len, off, &done) == ERROR_SUCCESS && done == len;

	for (size_t i = 0; ok && i < len; i++)
		ok = buf[i] == byte;
	free(buf);
	return ok;
}

/* Are [off, off+len) of sec the file pattern? */
static bool reads_pattern(struct section *sec, uint64_t off, uint64_t len)
{
	unsigned char *buf = malloc(len ? len : 1);
	size_t done = 0;
	bool ok = section_read(sec, buf, len, off, &done) == ERROR_SUCCESS && done == len;

	for (size_t i = 0; ok && i < len; i++)
		ok = buf[i] == pattern(off + i);
	free(buf);
	return ok;
}

static void write_all(struct section *sec, uint64_t off, uint64_t len, unsigned char byte)
{
	unsigned char *buf = malloc(len);
	size_t done = 0;

	memset(buf, byte, len);
	CU_ASSERT_EQUAL(section_write(sec, buf, len, off, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, len);
	free(buf);
}

/* ---- A1-A7: paging-file sections ---- */

static void test_A1_pagefile_size_zero(void)
{
	struct section_spec spec;

	CU_ASSERT_EQUAL(spec_checked(PAGE_READWRITE, 0, -1, 0, &spec), ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(spec_checked(PAGE_READONLY | SEC_RESERVE, 0, -1, 0, &spec),
			ERROR_INVALID_PARAMETER);
}

static void test_A1_size_is_checked_before_anything_else(void)
{
	struct section_spec spec;

	/* with a size these fail otherwise (A9: SEC_IMAGE is ERROR_BAD_EXE_FORMAT) */
	CU_ASSERT_EQUAL(spec_checked(PAGE_READWRITE | SEC_IMAGE, 1, -1, 0, &spec),
			ERROR_BAD_EXE_FORMAT);
	CU_ASSERT_EQUAL(spec_checked(PAGE_READWRITE | SEC_IMAGE, 0, -1, 0, &spec),
			ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(spec_checked(0, 0, -1, 0, &spec), ERROR_INVALID_PARAMETER);
}

static void test_A2_pagefile_sizes_round_up_to_pages(void)
{
	const struct { uint64_t asked, got; } cases[] = {
		{ 1, 0x1000 }, { 4090, 4096 }, { 4096, 4096 }, { 4097, 8192 }, { 0x3452, 0x4000 },
		{ 0x10000, 0x10000 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct section_spec spec;
		struct section *sec;
		CU_ASSERT_EQUAL_FATAL(spec_checked(PAGE_READWRITE, cases[i].asked, -1, 0, &spec),
				      ERROR_SUCCESS);
		CU_ASSERT_EQUAL(spec.size, cases[i].got);
		CU_ASSERT_EQUAL(spec.file_fd, -1);
		CU_ASSERT_FALSE(spec.grow_file);
		CU_ASSERT_EQUAL(spec.lifetime, SECTION_TEMPORARY);
		CU_ASSERT_EQUAL_FATAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
		CU_ASSERT_EQUAL(section_size(sec), cases[i].got);
		CU_ASSERT_EQUAL(store_used(st), cases[i].got);
		CU_ASSERT_FALSE(section_is_file_backed(sec));
		section_put(sec);
	}
}

static void test_A2_pagefile_content_starts_as_zeros(void)
{
	struct section *sec = new_pagefile(PAGE_READWRITE, 0x3452);
	size_t done = 1;
	char byte;

	CU_ASSERT_TRUE(reads_as(sec, 0, 0x4000, 0));
	CU_ASSERT_EQUAL(section_read(sec, &byte, 1, 0x4000, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, 0);   /* at the end: nothing */
	section_put(sec);
}

static void test_A7_huge_sizes_fail(void)
{
	struct section_spec spec;
	int fd = temp_file(16, false);

	CU_ASSERT_EQUAL(spec_checked(PAGE_READWRITE, 0x8000000000000000ull, -1, 0, &spec),
			ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(spec_checked(PAGE_READWRITE, UINT64_MAX, -1, 0, &spec),
			ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(spec_checked(PAGE_READWRITE, 0x8000000000000000ull, fd, RW_ACCESS, &spec),
			ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(file_size(fd), 16);
	close(fd);
}

static void test_A7_sizes_past_the_cap_fail(void)
{
	struct section_spec spec;
	struct section *sec = NULL;

	CU_ASSERT_EQUAL_FATAL(spec_checked(PAGE_READWRITE, (uint64_t)CAP + 1, -1, 0, &spec),
			      ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_new(st, &spec, &owner, &sec), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_PTR_NULL(sec);
	CU_ASSERT_EQUAL(store_used(st), 0);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);

	/* a plain spec too large for any memfd */
	spec = section_spec_default(SECTION_PERMANENT);
	spec.size = UINT64_MAX;
	CU_ASSERT_EQUAL(section_new(st, &spec, &owner, &sec), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_PTR_NULL(sec);
	CU_ASSERT_EQUAL(store_used(st), 0);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
}

static void test_A8_invalid_protections_make_no_section(void)
{
	const uint32_t invalid[] = { 0, PAGE_NOACCESS, PAGE_EXECUTE, PAGE_READONLY | PAGE_READWRITE,
				     PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY, SEC_COMMIT,
				     PAGE_READWRITE | 0x200 };
	int fd = temp_file(100, false);

	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		struct section_spec spec;
		CU_ASSERT_EQUAL(spec_checked(invalid[i], PAGE, -1, 0, &spec), ERROR_INVALID_PARAMETER);
		CU_ASSERT_EQUAL(spec_checked(invalid[i], 0, fd, ALL_FILE_ACCESS, &spec),
				ERROR_INVALID_PARAMETER);
		CU_ASSERT_EQUAL(spec_checked(invalid[i], 4 * PAGE, fd, ALL_FILE_ACCESS, &spec),
				ERROR_INVALID_PARAMETER);
	}
	CU_ASSERT_EQUAL(file_size(fd), 100);
	close(fd);
}

static void test_A8_each_protection_makes_its_section(void)
{
	const uint32_t valid[] = { PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY, PAGE_EXECUTE_READ,
				   PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY };

	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		struct section *sec = new_pagefile(valid[i], PAGE);
		CU_ASSERT_EQUAL(section_protect(sec), valid[i]);
		CU_ASSERT_EQUAL(section_attributes(sec), SEC_COMMIT);
		section_put(sec);
	}
}

static void test_A9_attributes_are_reported(void)
{
	struct section_spec spec;
	struct section *sec;
	int fd = temp_file(PAGE, false);

	sec = new_pagefile(PAGE_READWRITE | SEC_RESERVE | SEC_NOCACHE, PAGE);
	CU_ASSERT_EQUAL(section_attributes(sec), SEC_RESERVE | SEC_NOCACHE);
	section_put(sec);

	CU_ASSERT_EQUAL_FATAL(spec_checked(PAGE_READWRITE | SEC_RESERVE | SEC_WRITECOMBINE, 0, fd,
					   RW_ACCESS, &spec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(spec.attributes, SEC_FILE | SEC_WRITECOMBINE);
	CU_ASSERT_EQUAL_FATAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_attributes(sec), SEC_FILE | SEC_WRITECOMBINE);
	CU_ASSERT_TRUE(section_is_file_backed(sec));
	section_put(sec);

	CU_ASSERT_EQUAL(spec_checked(PAGE_READWRITE | SEC_IMAGE, PAGE, -1, 0, &spec),
			ERROR_BAD_EXE_FORMAT);
	CU_ASSERT_EQUAL(spec_checked(PAGE_READONLY | SEC_IMAGE, 0, fd, FILE_ACCESS_READ, &spec),
			ERROR_BAD_EXE_FORMAT);
	CU_ASSERT_EQUAL(spec_checked(PAGE_READWRITE | SEC_LARGE_PAGES, PAGE, -1, 0, &spec),
			ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(spec_checked(PAGE_READWRITE | SEC_FILE, 0, fd, RW_ACCESS, &spec),
			ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
	close(fd);
}

/* ---- A3-A6, A10: file-backed sections ---- */

static void test_A3_empty_file_size_zero(void)
{
	struct section_spec spec;
	int fd = temp_file(0, false);

	CU_ASSERT_EQUAL(spec_checked(PAGE_READWRITE, 0, fd, RW_ACCESS, &spec), ERROR_FILE_INVALID);
	CU_ASSERT_EQUAL(spec_checked(PAGE_READONLY, 0, fd, FILE_ACCESS_READ, &spec),
			ERROR_FILE_INVALID);
	CU_ASSERT_EQUAL(file_size(fd), 0);
	/* an explicit size on the empty file is A5's growth */
	CU_ASSERT_EQUAL(spec_checked(PAGE_READWRITE, 10, fd, RW_ACCESS, &spec), ERROR_SUCCESS);
	CU_ASSERT_TRUE(spec.grow_file);
	CU_ASSERT_EQUAL(spec.size, 10);
	close(fd);
}

static void test_A3_only_regular_files_back_sections(void)
{
	struct section_spec spec;
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	CU_ASSERT_FATAL(dir >= 0);
	CU_ASSERT_EQUAL(spec_checked(PAGE_READONLY, 0, dir, FILE_ACCESS_READ, &spec),
			ERROR_FILE_INVALID);
	CU_ASSERT_EQUAL(spec_checked(PAGE_READONLY, PAGE, dir, FILE_ACCESS_READ, &spec),
			ERROR_FILE_INVALID);
	close(dir);
}

static void test_A4_file_size_zero_takes_the_file_size_exactly(void)
{
	struct section_spec spec;
	struct section *sec;
	int fd = temp_file(0x3456, false);

	CU_ASSERT_EQUAL_FATAL(spec_checked(PAGE_READWRITE, 0, fd, RW_ACCESS, &spec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(spec.size, 0x3456);                 /* no page rounding */
	CU_ASSERT_EQUAL(spec.file_fd, fd);
	CU_ASSERT_FALSE(spec.grow_file);
	CU_ASSERT_EQUAL(spec.attributes, SEC_FILE);
	CU_ASSERT_EQUAL_FATAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), 0x3456);
	CU_ASSERT_TRUE(section_is_file_backed(sec));
	CU_ASSERT_EQUAL(store_used(st), 0);                 /* files are not charged */
	CU_ASSERT_TRUE(reads_pattern(sec, 0, 0x3456));
	CU_ASSERT_EQUAL(file_size(fd), 0x3456);
	section_put(sec);
	close(fd);
}

static void test_A4_explicit_size_is_kept_exactly(void)
{
	struct section_spec spec;
	struct section *sec;
	size_t done = 1;
	char buf[64];
	int fd = temp_file(100, false);

	CU_ASSERT_EQUAL_FATAL(spec_checked(PAGE_READWRITE, 36, fd, RW_ACCESS, &spec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(spec.size, 36);
	CU_ASSERT_FALSE(spec.grow_file);
	CU_ASSERT_EQUAL_FATAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), 36);
	CU_ASSERT_TRUE(reads_pattern(sec, 0, 36));
	CU_ASSERT_EQUAL(section_read(sec, buf, sizeof(buf), 0, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, 36);                          /* clipped to the section */
	CU_ASSERT_EQUAL(file_size(fd), 100);                /* the file keeps its size */
	section_put(sec);
	CU_ASSERT_EQUAL(file_size(fd), 100);
	close(fd);
}

static void test_A4_the_section_keeps_its_own_descriptor(void)
{
	struct section_spec spec;
	struct section *sec;
	int fd = temp_file(PAGE, false);

	CU_ASSERT_EQUAL_FATAL(spec_checked(PAGE_READWRITE, 0, fd, RW_ACCESS, &spec), ERROR_SUCCESS);
	spec.file_path = "/some/where/file.bin";
	CU_ASSERT_EQUAL_FATAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
	close(fd);   /* the spec only borrowed it */
	CU_ASSERT_TRUE(section_fd(sec) >= 0);
	CU_ASSERT_TRUE(reads_pattern(sec, 0, PAGE));
	{
		char path[64];
		CU_ASSERT_EQUAL(section_backing_path(sec, path, sizeof(path)),
				(int)strlen("/some/where/file.bin"));
		CU_ASSERT_STRING_EQUAL(path, "/some/where/file.bin");
	}
	section_put(sec);
}

static void test_A5_file_grows_to_a_larger_size(void)
{
	struct section_spec spec;
	struct section *sec;
	int fd = temp_file(100, false);

	CU_ASSERT_EQUAL_FATAL(spec_checked(PAGE_READWRITE, 0x2345, fd, RW_ACCESS, &spec),
			      ERROR_SUCCESS);
	CU_ASSERT_EQUAL(spec.size, 0x2345);
	CU_ASSERT_TRUE(spec.grow_file);
	CU_ASSERT_EQUAL(file_size(fd), 100);                /* the spec changes nothing */
	CU_ASSERT_EQUAL_FATAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(file_size(fd), 0x2345);
	CU_ASSERT_EQUAL(section_size(sec), 0x2345);
	CU_ASSERT_TRUE(reads_pattern(sec, 0, 100));         /* old bytes kept */
	CU_ASSERT_TRUE(reads_as(sec, 100, 0x2345 - 100, 0)); /* new ones are zeros */
	section_put(sec);
	CU_ASSERT_EQUAL(file_size(fd), 0x2345);
	close(fd);
}

static void test_A5_execute_readwrite_grows_too(void)
{
	struct section_spec spec;
	struct section *sec;
	int fd = temp_file(10, false);

	CU_ASSERT_EQUAL_FATAL(spec_checked(PAGE_EXECUTE_READWRITE, PAGE, fd, ALL_FILE_ACCESS, &spec),
			      ERROR_SUCCESS);
	CU_ASSERT_TRUE(spec.grow_file);
	CU_ASSERT_EQUAL_FATAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(file_size(fd), PAGE);
	section_put(sec);
	close(fd);
}

static void test_A6_readonly_cannot_grow_the_file(void)
{
	struct section_spec spec;
	int fd = temp_file(100, false), ro = temp_file(100, true);

	CU_ASSERT_EQUAL(spec_checked(PAGE_READONLY, 101, fd, RW_ACCESS, &spec),
			ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(spec_checked(PAGE_READONLY, 101, ro, FILE_ACCESS_READ, &spec),
			ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(spec_checked(PAGE_EXECUTE_READ, 2 * PAGE, fd, ALL_FILE_ACCESS, &spec),
			ERROR_NOT_ENOUGH_MEMORY);
	/* a file opened for reading cannot grow under a copy-on-write section either */
	CU_ASSERT_EQUAL(spec_checked(PAGE_WRITECOPY, 101, ro, FILE_ACCESS_READ, &spec),
			ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(file_size(fd), 100);
	CU_ASSERT_EQUAL(file_size(ro), 100);
	/* up to the file's size is fine */
	CU_ASSERT_EQUAL(spec_checked(PAGE_READONLY, 100, ro, FILE_ACCESS_READ, &spec),
			ERROR_SUCCESS);
	CU_ASSERT_FALSE(spec.grow_file);
	close(fd);
	close(ro);
}

static void test_A10_read_only_file_accepts_readonly_and_writecopy(void)
{
	const uint32_t ok[] = { PAGE_READONLY, PAGE_WRITECOPY };
	int ro = temp_file(PAGE, true);

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct section_spec spec;
		struct section *sec;
		CU_ASSERT_EQUAL_FATAL(spec_checked(ok[i], 0, ro, FILE_ACCESS_READ, &spec),
				      ERROR_SUCCESS);
		CU_ASSERT_EQUAL(spec.protect, ok[i]);
		CU_ASSERT_EQUAL_FATAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
		CU_ASSERT_EQUAL(section_protect(sec), ok[i]);
		CU_ASSERT_TRUE(reads_pattern(sec, 0, PAGE));
		section_put(sec);
	}
	close(ro);
}

static void test_A10_read_only_file_refuses_readwrite_and_execute(void)
{
	const uint32_t refused[] = { PAGE_READWRITE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE,
				     PAGE_EXECUTE_WRITECOPY };
	int ro = temp_file(PAGE, true);

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct section_spec spec;
		CU_ASSERT_EQUAL(spec_checked(refused[i], 0, ro, FILE_ACCESS_READ, &spec),
				ERROR_ACCESS_DENIED);
		/* A10 before A6: a larger size does not change the answer */
		CU_ASSERT_EQUAL(spec_checked(refused[i], 2 * PAGE, ro, FILE_ACCESS_READ, &spec),
				ERROR_ACCESS_DENIED);
	}
	CU_ASSERT_EQUAL(file_size(ro), PAGE);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
	close(ro);
}

static void test_A5_growth_that_fails_makes_no_section(void)
{
	struct section_spec spec;
	struct section *sec = NULL;
	int ro = temp_file(100, true);

	/* a descriptor that cannot be written, claimed writable: the growth fails in section_new */
	CU_ASSERT_EQUAL_FATAL(spec_checked(PAGE_READWRITE, 2 * PAGE, ro, RW_ACCESS, &spec),
			      ERROR_SUCCESS);
	CU_ASSERT_TRUE(spec.grow_file);
	CU_ASSERT_NOT_EQUAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
	CU_ASSERT_PTR_NULL(sec);
	CU_ASSERT_EQUAL(file_size(ro), 100);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
	CU_ASSERT_EQUAL(store_used(st), 0);
	close(ro);
}

/* ---- A11 ---- */

static void test_A11_each_section_new_is_a_new_object(void)
{
	struct section *a = new_pagefile(PAGE_READWRITE, PAGE);
	struct section *b = new_pagefile(PAGE_READWRITE, PAGE);
	unsigned handles = 9, views = 9;

	CU_ASSERT_NOT_EQUAL(section_id(a), section_id(b));
	CU_ASSERT_NOT_EQUAL(section_fd(a), section_fd(b));
	CU_ASSERT_EQUAL(store_live_sections(st), 2);
	CU_ASSERT_EQUAL(store_used(st), 2 * PAGE);
	section_holders(a, &handles, &views);
	CU_ASSERT_EQUAL(handles, 0);
	CU_ASSERT_EQUAL(views, 0);
	CU_ASSERT_FALSE(section_is_staged(a));
	CU_ASSERT_FALSE(section_is_destroyed(a));
	CU_ASSERT_EQUAL(section_lifetime(a), SECTION_TEMPORARY);
	{
		struct ns *ns = NULL;
		char leaf[NAME_LEAF_MAX + 1];
		CU_ASSERT_FALSE(section_name(a, &ns, leaf));   /* nameless until namespace.h */
	}
	write_all(a, 0, 10, 'a');
	CU_ASSERT_TRUE(reads_as(b, 0, PAGE, 0));            /* separate data */
	CU_ASSERT_EQUAL(section_owner(a).uid, owner.uid);
	CU_ASSERT_EQUAL(section_owner(a).mode, owner.mode);
	section_put(a);
	section_put(b);
}

/* ---- data ---- */

static void test_section_write_then_read(void)
{
	struct section *sec = new_pagefile(PAGE_READWRITE, 2 * PAGE);
	unsigned char buf[300];
	size_t done = 0;

	write_all(sec, PAGE - 100, 200, 'q');              /* across a page boundary */
	CU_ASSERT_TRUE(reads_as(sec, 0, PAGE - 100, 0));
	CU_ASSERT_TRUE(reads_as(sec, PAGE - 100, 200, 'q'));
	CU_ASSERT_TRUE(reads_as(sec, PAGE + 100, PAGE - 100, 0));
	CU_ASSERT_EQUAL(section_size(sec), 2 * PAGE);       /* writes inside do not grow */

	/* reads straddling the end are clipped, reads past it give nothing */
	CU_ASSERT_EQUAL(section_read(sec, buf, sizeof(buf), 2 * PAGE - 50, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, 50);
	done = 1;
	CU_ASSERT_EQUAL(section_read(sec, buf, sizeof(buf), 2 * PAGE, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, 0);
	done = 1;
	CU_ASSERT_EQUAL(section_read(sec, buf, sizeof(buf), UINT64_MAX, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, 0);
	section_put(sec);
}

static void test_section_write_past_the_end_grows_with_zeros(void)
{
	struct section *sec = new_plain(10);

	write_all(sec, 0, 10, 'a');
	write_all(sec, 3 * PAGE + 5, 3, 'z');
	CU_ASSERT_EQUAL(section_size(sec), 3 * PAGE + 8);   /* exactly to the write's end */
	CU_ASSERT_EQUAL(store_used(st), 4 * PAGE);
	CU_ASSERT_TRUE(reads_as(sec, 0, 10, 'a'));
	CU_ASSERT_TRUE(reads_as(sec, 10, 3 * PAGE - 5, 0)); /* the gap reads as zeros */
	CU_ASSERT_TRUE(reads_as(sec, 3 * PAGE + 5, 3, 'z'));
	section_put(sec);
}

static void test_section_write_refuses_sizes_that_overflow(void)
{
	struct section *sec = new_plain(PAGE);
	size_t done = 7;

	write_all(sec, 0, PAGE, 'k');
	CU_ASSERT_EQUAL(section_write(sec, "x", 1, UINT64_MAX, &done), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(done, 0);
	CU_ASSERT_EQUAL(section_write(sec, "xy", 2, UINT64_MAX - 1, &done), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(section_write(sec, "x", 1, 0x7fffffffffffff00ull, &done),
			ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(section_size(sec), PAGE);
	CU_ASSERT_EQUAL(store_used(st), PAGE);
	CU_ASSERT_TRUE(reads_as(sec, 0, PAGE, 'k'));
	section_put(sec);
}

static void test_section_regrown_bytes_read_as_zeros(void)
{
	struct section *sec = new_pagefile(PAGE_READWRITE, 2 * PAGE);

	write_all(sec, 0, 2 * PAGE, 'x');
	CU_ASSERT_EQUAL(section_resize(sec, 100, NULL), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), 100);
	CU_ASSERT_EQUAL(store_used(st), PAGE);
	CU_ASSERT_EQUAL(section_resize(sec, 2 * PAGE, NULL), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 2 * PAGE);
	CU_ASSERT_TRUE(reads_as(sec, 0, 100, 'x'));
	CU_ASSERT_TRUE(reads_as(sec, 100, 2 * PAGE - 100, 0));
	section_put(sec);
}

static void test_section_resize_grows_with_zeros(void)
{
	struct section *sec = new_plain(0);

	CU_ASSERT_EQUAL(section_resize(sec, 0x3452, NULL), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), 0x3452);         /* kept exactly */
	CU_ASSERT_EQUAL(store_used(st), 0x4000);            /* charged in pages */
	CU_ASSERT_TRUE(reads_as(sec, 0, 0x3452, 0));
	CU_ASSERT_EQUAL(section_resize(sec, UINT64_MAX, NULL), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(section_resize(sec, 0x8000000000000000ull, NULL), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(section_resize(sec, (uint64_t)CAP + 1, NULL), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(section_size(sec), 0x3452);
	CU_ASSERT_EQUAL(store_used(st), 0x4000);
	section_put(sec);
}

static void test_section_handle_write_needs_write_access(void)
{
	struct section *sec = new_pagefile(PAGE_READWRITE, PAGE);
	struct handle *r, *w;
	size_t done = 3;

	CU_ASSERT_EQUAL_FATAL(handle_open(sec, FILE_MAP_READ, &r), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(handle_write(r, "x", 1, 0, &done), ERROR_ACCESS_DENIED);
	CU_ASSERT_EQUAL(done, 0);
	CU_ASSERT_EQUAL(handle_write(r, "x", 1, 2 * PAGE, &done), ERROR_ACCESS_DENIED);
	CU_ASSERT_EQUAL(section_size(sec), PAGE);
	CU_ASSERT_TRUE(reads_as(sec, 0, PAGE, 0));
	CU_ASSERT_EQUAL_FATAL(handle_open(sec, FILE_MAP_WRITE, &w), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(handle_write(w, "x", 1, 0, &done), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(done, 1);
	CU_ASSERT_TRUE(reads_as(sec, 0, 1, 'x'));
	handle_close(r);
	handle_close(w);
	section_put(sec);
}

/* A handle holds the access asked for, as a Windows handle does: views are refused what the
 * protection does not allow (D23, view_plan), and the daemon refuses an open(2) for writing
 * itself (tests/fs/test_protect.py). */
static void test_section_readonly_handles_keep_the_access_asked_for(void)
{
	const uint32_t readonly[] = { PAGE_READONLY, PAGE_EXECUTE_READ };

	for (size_t i = 0; i < sizeof(readonly) / sizeof(readonly[0]); i++) {
		struct section *sec = new_pagefile(readonly[i], PAGE);
		struct handle *h = NULL;
		unsigned handles = 9, views = 9;
		CU_ASSERT_EQUAL_FATAL(handle_open(sec, FILE_MAP_ALL_ACCESS, &h), ERROR_SUCCESS);
		CU_ASSERT_EQUAL(handle_access(h), FILE_MAP_ALL_ACCESS);
		CU_ASSERT_FALSE(handle_is_private(h));   /* not copy-on-write: no overlay */
		section_holders(sec, &handles, &views);
		CU_ASSERT_EQUAL(handles, 1);
		CU_ASSERT_EQUAL(views, 0);
		handle_close(h);
		section_put(sec);
	}
}

/* ---- E36 ---- */

static void test_E36_shrink_refused_while_another_handle_holds(void)
{
	struct section *sec = new_pagefile(PAGE_READWRITE, 4 * PAGE);
	struct handle *h1, *h2;

	write_all(sec, 0, 4 * PAGE, 'e');
	CU_ASSERT_EQUAL_FATAL(handle_open(sec, FILE_MAP_ALL_ACCESS, &h1), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_resize(sec, PAGE, NULL), ERROR_USER_MAPPED_FILE);
	CU_ASSERT_EQUAL(section_resize(sec, 4 * PAGE - 1, NULL), ERROR_USER_MAPPED_FILE);
	CU_ASSERT_EQUAL(section_resize(sec, 0, NULL), ERROR_USER_MAPPED_FILE);
	CU_ASSERT_EQUAL(section_size(sec), 4 * PAGE);
	CU_ASSERT_EQUAL(store_used(st), 4 * PAGE);
	CU_ASSERT_TRUE(reads_as(sec, 0, 4 * PAGE, 'e'));

	CU_ASSERT_EQUAL_FATAL(handle_open(sec, FILE_MAP_READ, &h2), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_resize(sec, PAGE, h1), ERROR_USER_MAPPED_FILE);
	CU_ASSERT_EQUAL(section_resize(sec, PAGE, h2), ERROR_USER_MAPPED_FILE);
	CU_ASSERT_EQUAL(section_size(sec), 4 * PAGE);
	CU_ASSERT_TRUE(reads_as(sec, 0, 4 * PAGE, 'e'));

	/* growing never hurts a holder */
	CU_ASSERT_EQUAL(section_resize(sec, 5 * PAGE, NULL), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_resize(sec, 6 * PAGE, h1), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_resize(sec, 6 * PAGE, NULL), ERROR_SUCCESS);   /* same size */
	CU_ASSERT_EQUAL(section_size(sec), 6 * PAGE);

	handle_close(h2);
	/* the only holder may cut what it holds */
	CU_ASSERT_EQUAL(section_resize(sec, PAGE, NULL), ERROR_USER_MAPPED_FILE);
	CU_ASSERT_EQUAL(section_resize(sec, PAGE, h1), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), PAGE);
	CU_ASSERT_EQUAL(store_used(st), PAGE);
	CU_ASSERT_TRUE(reads_as(sec, 0, PAGE, 'e'));
	handle_close(h1);   /* nameless, last holder: C21 */
	CU_ASSERT_TRUE(section_is_destroyed(sec));
	section_put(sec);
}

static void test_E36_shrink_refused_while_a_view_holds(void)
{
	struct section *sec = new_pagefile(PAGE_READWRITE, 4 * PAGE);
	struct handle *h, *v;

	CU_ASSERT_EQUAL_FATAL(handle_open(sec, FILE_MAP_ALL_ACCESS, &h), ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(handle_open(sec, FILE_MAP_READ, &v), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(handle_become_view(v), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_resize(sec, PAGE, h), ERROR_USER_MAPPED_FILE);
	CU_ASSERT_EQUAL(section_size(sec), 4 * PAGE);
	handle_close(h);
	/* only the view is left: not by itself, but as `by` */
	CU_ASSERT_EQUAL(section_resize(sec, PAGE, NULL), ERROR_USER_MAPPED_FILE);
	CU_ASSERT_EQUAL(section_resize(sec, PAGE, v), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), PAGE);
	handle_close(v);
	section_put(sec);
}

static void test_E36_resize_without_holders_is_allowed(void)
{
	struct section *sec = new_pagefile(PAGE_READWRITE, 4 * PAGE);

	CU_ASSERT_EQUAL(section_resize(sec, PAGE, NULL), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), PAGE);
	CU_ASSERT_EQUAL(section_resize(sec, 0, NULL), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), 0);
	CU_ASSERT_EQUAL(store_used(st), 0);
	section_put(sec);
}

static void test_E36_published_readonly_and_writecopy_cannot_be_resized(void)
{
	const struct { uint32_t protect; uint32_t error; } cases[] = {
		{ PAGE_READONLY, ERROR_ACCESS_DENIED },
		{ PAGE_WRITECOPY, ERROR_ACCESS_DENIED },
		{ PAGE_EXECUTE_READ, ERROR_ACCESS_DENIED },
		{ PAGE_EXECUTE_WRITECOPY, ERROR_ACCESS_DENIED },
		{ PAGE_READWRITE, ERROR_SUCCESS },
		{ PAGE_EXECUTE_READWRITE, ERROR_SUCCESS },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct section *sec = new_pagefile(cases[i].protect, 2 * PAGE);
		CU_ASSERT_EQUAL(section_resize(sec, 3 * PAGE, NULL), cases[i].error);
		if (cases[i].error) {
			CU_ASSERT_EQUAL(section_resize(sec, PAGE, NULL), cases[i].error);
			CU_ASSERT_EQUAL(section_resize(sec, 2 * PAGE, NULL), cases[i].error);
			CU_ASSERT_EQUAL(section_size(sec), 2 * PAGE);
			CU_ASSERT_EQUAL(store_used(st), 2 * PAGE);
		} else {
			CU_ASSERT_EQUAL(section_size(sec), 3 * PAGE);
		}
		section_put(sec);
	}
}

static void test_E36_staged_readonly_sections_can_be_resized(void)
{
	struct section *sec = new_pagefile(PAGE_READONLY, 2 * PAGE);

	section_mark_staged(sec, true);
	CU_ASSERT_TRUE(section_is_staged(sec));
	CU_ASSERT_EQUAL(section_resize(sec, 5 * PAGE, NULL), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), 5 * PAGE);
	section_mark_staged(sec, false);
	CU_ASSERT_EQUAL(section_resize(sec, PAGE, NULL), ERROR_ACCESS_DENIED);
	CU_ASSERT_EQUAL(section_size(sec), 5 * PAGE);
	section_put(sec);
}

/* A section smaller than its file never cuts what lies past it. */
static void test_E36_section_smaller_than_its_file_never_cuts_it(void)
{
	struct section_spec spec;
	struct section *sec;
	struct handle *h;
	int fd = temp_file(2 * PAGE, false);

	CU_ASSERT_EQUAL_FATAL(spec_checked(PAGE_READWRITE, PAGE, fd, RW_ACCESS, &spec),
			      ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
	CU_ASSERT_FALSE(section_is_its_file(sec));
	CU_ASSERT_EQUAL_FATAL(handle_open(sec, FILE_MAP_ALL_ACCESS, &h), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_resize(sec, 100, NULL), ERROR_USER_MAPPED_FILE);
	CU_ASSERT_EQUAL(section_resize(sec, 100, h), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), 100);
	CU_ASSERT_EQUAL(file_size(fd), 2 * PAGE);           /* the file is not cut */
	CU_ASSERT_TRUE(reads_pattern(sec, 0, 100));
	CU_ASSERT_EQUAL(section_resize(sec, 0, h), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(file_size(fd), 2 * PAGE);
	CU_ASSERT_EQUAL(store_used(st), 0);
	handle_close(h);
	section_put(sec);
	close(fd);
}

/* A section that is its whole file stays so when resized: the file follows it both ways
 * (a host may serve the section from the file itself), and writes past the end grow both. */
static void test_E36_section_that_is_its_file_is_resized_with_it(void)
{
	struct section_spec spec;
	struct section *sec;
	struct handle *h;
	int fd = temp_file(2 * PAGE, false);

	CU_ASSERT_EQUAL_FATAL(spec_checked(PAGE_READWRITE, 0, fd, RW_ACCESS, &spec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
	CU_ASSERT_TRUE(section_is_its_file(sec));
	CU_ASSERT_EQUAL_FATAL(handle_open(sec, FILE_MAP_ALL_ACCESS, &h), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_resize(sec, 100, NULL), ERROR_USER_MAPPED_FILE);
	CU_ASSERT_EQUAL(file_size(fd), 2 * PAGE);           /* refused: nothing cut */
	CU_ASSERT_EQUAL(section_resize(sec, 100, h), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), 100);
	CU_ASSERT_EQUAL(file_size(fd), 100);
	CU_ASSERT_TRUE(section_is_its_file(sec));
	CU_ASSERT_TRUE(reads_pattern(sec, 0, 100));
	CU_ASSERT_EQUAL(section_resize(sec, 2 * PAGE, h), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 0);

	/* growing past the file grows the file, with zeros */
	CU_ASSERT_EQUAL(section_resize(sec, 3 * PAGE, h), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), 3 * PAGE);
	CU_ASSERT_EQUAL(file_size(fd), 3 * PAGE);
	CU_ASSERT_TRUE(reads_as(sec, 2 * PAGE, PAGE, 0));
	CU_ASSERT_EQUAL(store_used(st), 0);
	/* and so do writes */
	write_all(sec, 4 * PAGE, 1, 'w');
	CU_ASSERT_EQUAL(file_size(fd), 4 * PAGE + 1);
	CU_ASSERT_EQUAL(section_size(sec), 4 * PAGE + 1);
	{
		char c = 0;
		CU_ASSERT_EQUAL(pread(fd, &c, 1, 4 * PAGE), 1);
		CU_ASSERT_EQUAL(c, 'w');                    /* the file itself holds the data */
	}
	handle_close(h);
	section_put(sec);
	CU_ASSERT_EQUAL(file_size(fd), 4 * PAGE + 1);
	close(fd);
}

/* ---- destroyed sections ---- */

static void test_C21_destroyed_section_refuses_everything(void)
{
	struct section *sec = new_pagefile(PAGE_READWRITE, PAGE);
	struct handle *h;
	size_t done = 5;
	char c;

	CU_ASSERT_EQUAL_FATAL(handle_open(sec, FILE_MAP_ALL_ACCESS, &h), ERROR_SUCCESS);
	handle_close(h);
	CU_ASSERT_TRUE(section_is_destroyed(sec));
	CU_ASSERT_EQUAL(store_used(st), 0);
	CU_ASSERT_EQUAL(section_fd(sec), -1);
	CU_ASSERT_EQUAL(section_read(sec, &c, 1, 0, &done), ERROR_FILE_NOT_FOUND);
	CU_ASSERT_EQUAL(done, 0);
	CU_ASSERT_EQUAL(section_write(sec, "x", 1, 0, &done), ERROR_FILE_NOT_FOUND);
	CU_ASSERT_EQUAL(section_write(sec, "x", 1, 2 * PAGE, &done), ERROR_FILE_NOT_FOUND);
	CU_ASSERT_EQUAL(section_resize(sec, 2 * PAGE, NULL), ERROR_FILE_NOT_FOUND);
	CU_ASSERT_EQUAL(handle_open(sec, FILE_MAP_READ, &h), ERROR_FILE_NOT_FOUND);
	CU_ASSERT_EQUAL(store_used(st), 0);
	section_put(sec);
}

/* ---- staged sections ---- */

static void test_section_setters_need_a_staged_section(void)
{
	struct section *sec = new_pagefile(PAGE_READWRITE, PAGE);
	int fd = temp_file(PAGE, false);

	CU_ASSERT_EQUAL(section_set_protect(sec, PAGE_READONLY), ERROR_ACCESS_DENIED);
	CU_ASSERT_EQUAL(section_set_lifetime(sec, SECTION_PERMANENT), ERROR_ACCESS_DENIED);
	CU_ASSERT_EQUAL(section_attach_file(sec, fd, RW_ACCESS, "/x", section_size(sec)), ERROR_ACCESS_DENIED);
	CU_ASSERT_EQUAL(section_protect(sec), PAGE_READWRITE);
	CU_ASSERT_EQUAL(section_attributes(sec), SEC_COMMIT);
	CU_ASSERT_EQUAL(section_lifetime(sec), SECTION_TEMPORARY);
	CU_ASSERT_FALSE(section_is_file_backed(sec));
	CU_ASSERT_EQUAL(store_used(st), PAGE);
	section_put(sec);
	close(fd);
}

static void test_section_staged_set_protect(void)
{
	struct section *sec = new_plain(PAGE);

	section_mark_staged(sec, true);
	CU_ASSERT_EQUAL(section_set_protect(sec, PAGE_EXECUTE_READ | SEC_NOCACHE | SEC_COMMIT),
			ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_protect(sec), PAGE_EXECUTE_READ);
	CU_ASSERT_EQUAL(section_attributes(sec), SEC_COMMIT | SEC_NOCACHE);
	CU_ASSERT_EQUAL(section_set_protect(sec, PAGE_WRITECOPY), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_protect(sec), PAGE_WRITECOPY);
	CU_ASSERT_EQUAL(section_attributes(sec), SEC_COMMIT);

	/* bad values change nothing */
	CU_ASSERT_EQUAL(section_set_protect(sec, PAGE_NOACCESS), ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(section_set_protect(sec, PAGE_READONLY | PAGE_READWRITE),
			ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(section_set_protect(sec, PAGE_READWRITE | SEC_RESERVE | SEC_COMMIT),
			ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(section_set_protect(sec, PAGE_READWRITE | SEC_IMAGE), ERROR_BAD_EXE_FORMAT);
	CU_ASSERT_EQUAL(section_protect(sec), PAGE_WRITECOPY);
	CU_ASSERT_EQUAL(section_attributes(sec), SEC_COMMIT);
	CU_ASSERT_EQUAL(section_size(sec), PAGE);

	CU_ASSERT_EQUAL(section_set_lifetime(sec, SECTION_TEMPORARY), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_lifetime(sec), SECTION_TEMPORARY);
	section_put(sec);
}

static void test_section_staged_attach_file(void)
{
	struct section *sec = new_plain(0);
	int fd = temp_file(0x1234, false);
	char path[32];

	write_all(sec, 0, 3 * PAGE, 'm');
	CU_ASSERT_EQUAL(store_used(st), 3 * PAGE);
	section_mark_staged(sec, true);
	CU_ASSERT_EQUAL(section_resize(sec, 0, NULL), ERROR_SUCCESS);   /* 0: the file's size */
	CU_ASSERT_EQUAL(section_attach_file(sec, fd, RW_ACCESS, "/data/f", section_size(sec)), ERROR_SUCCESS);
	close(fd);
	CU_ASSERT_TRUE(section_is_file_backed(sec));
	CU_ASSERT_EQUAL(section_size(sec), 0x1234);
	CU_ASSERT_EQUAL(section_attributes(sec), SEC_FILE);
	CU_ASSERT_EQUAL(store_used(st), 0);                 /* the memfd's charge is refunded */
	CU_ASSERT_TRUE(reads_pattern(sec, 0, 0x1234));      /* the old contents are dropped */
	CU_ASSERT_EQUAL(section_backing_path(sec, path, sizeof(path)), 7);
	CU_ASSERT_STRING_EQUAL(path, "/data/f");
	/* once is enough */
	fd = temp_file(PAGE, false);
	CU_ASSERT_EQUAL(section_attach_file(sec, fd, RW_ACCESS, "/data/g", section_size(sec)), ERROR_ACCESS_DENIED);
	CU_ASSERT_EQUAL(section_size(sec), 0x1234);
	CU_ASSERT_TRUE(reads_pattern(sec, 0, 0x1234));
	close(fd);
	section_put(sec);
}

static void test_section_staged_attach_file_keeps_its_size(void)
{
	struct section *sec = new_plain(3 * PAGE);
	int fd = temp_file(PAGE, false);

	section_mark_staged(sec, true);
	CU_ASSERT_EQUAL(section_attach_file(sec, fd, RW_ACCESS, NULL, section_size(sec)), ERROR_SUCCESS);   /* A5 */
	CU_ASSERT_EQUAL(section_size(sec), 3 * PAGE);
	CU_ASSERT_EQUAL(file_size(fd), 3 * PAGE);
	CU_ASSERT_TRUE(reads_pattern(sec, 0, PAGE));
	CU_ASSERT_TRUE(reads_as(sec, PAGE, 2 * PAGE, 0));
	section_put(sec);
	close(fd);
}

/* The size travels with the file: a file-backed section larger than the cap needs no charge. */
static void test_section_staged_attach_file_takes_its_size_uncharged(void)
{
	struct section *sec = new_plain(0);
	int fd = temp_file(PAGE, false);
	uint64_t big = store_cap(st) + 4 * PAGE;

	section_mark_staged(sec, true);
	CU_ASSERT_EQUAL(section_attach_file(sec, fd, RW_ACCESS, NULL, big), ERROR_SUCCESS);   /* A5 */
	CU_ASSERT_EQUAL(section_size(sec), big);
	CU_ASSERT_EQUAL(file_size(fd), big);
	CU_ASSERT_EQUAL(store_used(st), 0);
	CU_ASSERT_TRUE(reads_pattern(sec, 0, PAGE));
	section_put(sec);
	close(fd);
}

static void test_section_staged_attach_file_errors_change_nothing(void)
{
	struct section *sec = new_plain(0);
	int empty = temp_file(0, false), ro = temp_file(10, true), small = temp_file(10, false);
	char path[8] = "junk";

	section_mark_staged(sec, true);
	/* size 0 takes the file's size, and an empty file backs nothing (A3) */
	CU_ASSERT_EQUAL(section_attach_file(sec, empty, RW_ACCESS, "/e", section_size(sec)), ERROR_FILE_INVALID);
	/* a read-only file cannot back PAGE_READWRITE (A10) */
	CU_ASSERT_EQUAL(section_resize(sec, PAGE, NULL), ERROR_SUCCESS);
	write_all(sec, 0, PAGE, 's');
	CU_ASSERT_EQUAL(section_attach_file(sec, ro, FILE_ACCESS_READ, "/r", section_size(sec)), ERROR_ACCESS_DENIED);
	/* a PAGE_READONLY section cannot grow a smaller file (A6) */
	CU_ASSERT_EQUAL(section_set_protect(sec, PAGE_READONLY), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_attach_file(sec, small, RW_ACCESS, "/s", section_size(sec)), ERROR_NOT_ENOUGH_MEMORY);

	CU_ASSERT_FALSE(section_is_file_backed(sec));
	CU_ASSERT_EQUAL(section_size(sec), PAGE);
	CU_ASSERT_EQUAL(section_attributes(sec), SEC_COMMIT);
	CU_ASSERT_EQUAL(store_used(st), PAGE);
	CU_ASSERT_TRUE(reads_as(sec, 0, PAGE, 's'));
	CU_ASSERT_EQUAL(file_size(empty), 0);
	CU_ASSERT_EQUAL(file_size(ro), 10);
	CU_ASSERT_EQUAL(file_size(small), 10);
	CU_ASSERT_EQUAL(section_backing_path(sec, path, sizeof(path)), 0);
	CU_ASSERT_STRING_EQUAL(path, "");
	section_put(sec);
	close(empty);
	close(ro);
	close(small);
}

/* ---- SEC_RESERVE ---- */

static void test_D33_reserve_commits_pages_for_the_whole_section(void)
{
	struct section *sec = new_pagefile(PAGE_READWRITE | SEC_RESERVE, 4 * PAGE);

	CU_ASSERT_FALSE(section_is_committed(sec, 0, 1));
	CU_ASSERT_FALSE(section_is_committed(sec, 0, 4 * PAGE));
	CU_ASSERT_EQUAL(section_commit(sec, PAGE + 10, 20), ERROR_SUCCESS);   /* page 1 only */
	CU_ASSERT_TRUE(section_is_committed(sec, PAGE, PAGE));
	CU_ASSERT_TRUE(section_is_committed(sec, PAGE + 4000, 96));
	CU_ASSERT_FALSE(section_is_committed(sec, 0, PAGE));
	CU_ASSERT_FALSE(section_is_committed(sec, PAGE, PAGE + 1));
	CU_ASSERT_FALSE(section_is_committed(sec, 2 * PAGE, 1));
	CU_ASSERT_EQUAL(section_commit(sec, 2 * PAGE - 1, 2), ERROR_SUCCESS);   /* pages 1, 2 */
	CU_ASSERT_TRUE(section_is_committed(sec, PAGE, 2 * PAGE));
	CU_ASSERT_FALSE(section_is_committed(sec, 3 * PAGE, PAGE));
	CU_ASSERT_EQUAL(section_commit(sec, 0, 4 * PAGE), ERROR_SUCCESS);
	CU_ASSERT_TRUE(section_is_committed(sec, 0, 4 * PAGE));
	section_put(sec);
}

/* A run of pages with one commit state, in one lookup: across whole words of the bitmap and
 * across their edges, clipped to the limit; every page of a SEC_COMMIT section is committed. */
static void test_D33_commit_runs(void)
{
	struct section *sec = new_pagefile(PAGE_READWRITE | SEC_RESERVE, 300 * PAGE);
	struct section *all = new_pagefile(PAGE_READWRITE, 10 * PAGE);
	bool c = true;

	CU_ASSERT_EQUAL(section_commit_run(sec, 0, 300 * PAGE, &c), 300 * PAGE);
	CU_ASSERT_FALSE(c);
	CU_ASSERT_EQUAL(section_commit(sec, 63 * PAGE, 140 * PAGE), ERROR_SUCCESS);   /* 63-202 */
	CU_ASSERT_EQUAL(section_commit_run(sec, 0, 300 * PAGE, &c), 63 * PAGE);
	CU_ASSERT_FALSE(c);
	CU_ASSERT_EQUAL(section_commit_run(sec, 63 * PAGE, 300 * PAGE, &c), 140 * PAGE);
	CU_ASSERT_TRUE(c);
	CU_ASSERT_EQUAL(section_commit_run(sec, 100 * PAGE, 10 * PAGE, &c), 10 * PAGE);   /* limit */
	CU_ASSERT_TRUE(c);
	CU_ASSERT_EQUAL(section_commit_run(sec, 203 * PAGE, 97 * PAGE, &c), 97 * PAGE);
	CU_ASSERT_FALSE(c);
	CU_ASSERT_EQUAL(section_commit_run(sec, 5 * PAGE + 7, PAGE, &c), PAGE);   /* its page */
	CU_ASSERT_EQUAL(section_commit_run(sec, 0, 0, &c), 0);
	CU_ASSERT_EQUAL(section_commit_run(all, 3 * PAGE, 7 * PAGE, &c), 7 * PAGE);
	CU_ASSERT_TRUE(c);
	section_put(sec);
	section_put(all);
}

static void test_D33_commit_past_the_end_is_refused(void)
{
	struct section *sec = new_pagefile(PAGE_READWRITE | SEC_RESERVE, 2 * PAGE);

	CU_ASSERT_EQUAL(section_commit(sec, 0, 2 * PAGE + 1), ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(section_commit(sec, 2 * PAGE, 1), ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(section_commit(sec, PAGE, UINT64_MAX), ERROR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(section_commit(sec, UINT64_MAX, 2), ERROR_INVALID_PARAMETER);
	CU_ASSERT_FALSE(section_is_committed(sec, 0, 1));   /* nothing committed by the failures */
	CU_ASSERT_FALSE(section_is_committed(sec, PAGE, 1));
	CU_ASSERT_FALSE(section_is_committed(sec, 0, 3 * PAGE));
	section_put(sec);
}

static void test_D33_grown_pages_start_reserved(void)
{
	struct section *sec = new_pagefile(PAGE_READWRITE | SEC_RESERVE, PAGE);

	CU_ASSERT_EQUAL(section_commit(sec, 0, PAGE), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_resize(sec, 3 * PAGE, NULL), ERROR_SUCCESS);
	CU_ASSERT_TRUE(section_is_committed(sec, 0, PAGE));
	CU_ASSERT_FALSE(section_is_committed(sec, PAGE, PAGE));
	CU_ASSERT_FALSE(section_is_committed(sec, 2 * PAGE, PAGE));
	CU_ASSERT_EQUAL(section_commit(sec, 2 * PAGE, PAGE), ERROR_SUCCESS);
	CU_ASSERT_TRUE(section_is_committed(sec, 2 * PAGE, PAGE));
	section_put(sec);
}

static void test_D33_commit_sections_are_always_committed(void)
{
	struct section *sec = new_pagefile(PAGE_READWRITE | SEC_COMMIT, 2 * PAGE);

	CU_ASSERT_TRUE(section_is_committed(sec, 0, 2 * PAGE));
	CU_ASSERT_EQUAL(section_commit(sec, 0, PAGE), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_commit(sec, 0, 3 * PAGE), ERROR_INVALID_PARAMETER);
	CU_ASSERT_TRUE(section_is_committed(sec, 0, 2 * PAGE));
	section_put(sec);
}

static void test_D33_staged_section_leaving_reserve_is_committed(void)
{
	struct section *sec = new_pagefile(PAGE_READWRITE | SEC_RESERVE, 2 * PAGE);

	section_mark_staged(sec, true);
	CU_ASSERT_FALSE(section_is_committed(sec, 0, PAGE));
	CU_ASSERT_EQUAL(section_set_protect(sec, PAGE_READWRITE | SEC_COMMIT), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_attributes(sec), SEC_COMMIT);
	CU_ASSERT_TRUE(section_is_committed(sec, 0, 2 * PAGE));   /* no SEC_RESERVE any more */
	CU_ASSERT_EQUAL(section_set_protect(sec, PAGE_READWRITE | SEC_RESERVE), ERROR_SUCCESS);
	CU_ASSERT_FALSE(section_is_committed(sec, 0, PAGE));       /* reserved again */
	section_put(sec);
}

static void test_D34_commit_in_a_file_backed_section_is_refused(void)
{
	struct section_spec spec;
	struct section *sec;
	int fd = temp_file(2 * PAGE, false);

	CU_ASSERT_EQUAL_FATAL(spec_checked(PAGE_READWRITE | SEC_RESERVE, 0, fd, RW_ACCESS, &spec),
			      ERROR_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(section_new(st, &spec, &owner, &sec), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_attributes(sec), SEC_FILE);      /* A9: RESERVE ignored */
	CU_ASSERT_EQUAL(section_commit(sec, 0, PAGE), ERROR_ACCESS_DENIED);
	CU_ASSERT_TRUE(section_is_committed(sec, 0, 2 * PAGE));
	section_put(sec);
	close(fd);
}

/* ---- the kernel-held cap: a tmpfs paging file ---- */

#define SMALL_CAP (16u * PAGE)   /* 64 KiB: hitting it takes sixteen pages */

/* Replaces the suite's store with a tmpfs one of SMALL_CAP (the test's first act). */
static void use_tmpfs(void)
{
	store_free(st);
	st = fixture_tmpfs_store(SMALL_CAP, 0);
}

/* ...or with a memfd one of SMALL_CAP. */
static void use_memfd(void)
{
	store_free(st);
	st = fixture_store(SMALL_CAP);
}

/* Fills a new section with `pages` written pages of `byte`. */
static struct section *new_filled(unsigned pages, unsigned char byte)
{
	struct section *sec = new_plain(0);

	write_all(sec, 0, (uint64_t)pages * PAGE, byte);
	return sec;
}

/* A second open file of the section's file, as FUSE passthrough or a map keeps one. */
static int reopen_data(struct section *sec)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", section_fd(sec));
	fd = open(path, O_RDWR | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	return fd;
}

static void test_section_tmpfs_writes_grow_sparsely_as_tmpfs_does(void)
{
	struct section *sec;

	use_tmpfs();
	sec = new_plain(0);
	CU_ASSERT_EQUAL(store_used(st), 0);
	write_all(sec, 10 * PAGE, 1, 'x');
	CU_ASSERT_EQUAL(section_size(sec), 10 * PAGE + 1);
	CU_ASSERT_EQUAL(store_used(st), PAGE);              /* only the page written counts */
	CU_ASSERT_EQUAL(section_blocks(sec), PAGE / 512);
	CU_ASSERT_TRUE(reads_as(sec, 0, 10 * PAGE, 0));
	CU_ASSERT_TRUE(reads_as(sec, 10 * PAGE, 1, 'x'));
	/* a size set costs nothing either, and neither does a write far past the cap */
	CU_ASSERT_EQUAL(section_resize(sec, SMALL_CAP, NULL), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), PAGE);
	write_all(sec, (uint64_t)1 << 40, 2, 'f');
	CU_ASSERT_EQUAL(section_size(sec), ((uint64_t)1 << 40) + 2);
	CU_ASSERT_EQUAL(store_used(st), 2 * PAGE);
	CU_ASSERT_EQUAL(section_blocks(sec), 2 * PAGE / 512);
	CU_ASSERT_TRUE(reads_as(sec, (uint64_t)1 << 40, 2, 'f'));
	/* shrinking gives the pages back */
	CU_ASSERT_EQUAL(section_resize(sec, PAGE, NULL), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 0);
	CU_ASSERT_EQUAL(section_blocks(sec), 0);
	section_put(sec);
}

static void test_section_tmpfs_partial_write_keeps_exactly_what_was_written(void)
{
	struct section *first, *sec;
	unsigned char *buf = malloc(4 * PAGE);
	size_t done = 0;

	use_tmpfs();
	first = new_filled(12, 'f');
	sec = new_filled(2, 'b');                            /* two pages left */
	CU_ASSERT_EQUAL(section_resize(sec, 2 * PAGE - 10, NULL), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 14 * PAGE);
	/* 10 bytes into the page there, two new pages, then the cap */
	memset(buf, 'n', 4 * PAGE);
	CU_ASSERT_EQUAL(section_write(sec, buf, 4 * PAGE, 2 * PAGE - 10, &done),
			ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(done, 2 * PAGE + 10);
	CU_ASSERT_EQUAL(section_size(sec), 4 * PAGE);       /* exactly what went in */
	CU_ASSERT_TRUE(reads_as(sec, 0, 2 * PAGE - 10, 'b'));
	CU_ASSERT_TRUE(reads_as(sec, 2 * PAGE - 10, 2 * PAGE + 10, 'n'));
	CU_ASSERT_EQUAL(store_used(st), SMALL_CAP);
	CU_ASSERT_TRUE(reads_as(first, 0, 12 * PAGE, 'f'));
	CU_ASSERT_EQUAL(section_size(first), 12 * PAGE);
	free(buf);
	section_put(sec);
	section_put(first);
}

static void test_section_tmpfs_write_refused_past_the_cap_changes_nothing(void)
{
	struct section *full, *sec, *sparse;
	unsigned char byte = 'z';
	size_t done = 7;

	use_tmpfs();
	sec = new_filled(1, 's');
	CU_ASSERT_EQUAL(section_resize(sec, 100, NULL), ERROR_SUCCESS);
	sparse = new_plain(4 * PAGE);
	full = new_filled(15, 'F');
	CU_ASSERT_EQUAL(store_used(st), SMALL_CAP);
	/* past the end, near or far: refused, and the size stays */
	const uint64_t offsets[] = { 100, PAGE, 3 * PAGE + 1, SMALL_CAP, (uint64_t)1 << 40 };
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		done = 7;
		CU_ASSERT_EQUAL(section_write(sec, "zz", 2, offsets[i] + PAGE, &done),
				ERROR_NOT_ENOUGH_MEMORY);
		CU_ASSERT_EQUAL(done, 0);
		CU_ASSERT_EQUAL(section_size(sec), 100);
		CU_ASSERT_EQUAL(section_write(sparse, &byte, 1, offsets[i] + 4 * PAGE, &done),
				ERROR_NOT_ENOUGH_MEMORY);
		CU_ASSERT_EQUAL(section_size(sparse), 4 * PAGE);
	}
	/* into a hole within the size: refused too */
	CU_ASSERT_EQUAL(section_write(sparse, &byte, 1, PAGE, &done), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(done, 0);
	CU_ASSERT_TRUE(reads_as(sparse, 0, 4 * PAGE, 0));
	CU_ASSERT_TRUE(reads_as(sec, 0, 100, 's'));
	CU_ASSERT_EQUAL(store_used(st), SMALL_CAP);
	/* a page that has memory already takes writes, growth within it included */
	write_all(sec, 50, 100, 'g');
	CU_ASSERT_EQUAL(section_size(sec), 150);
	CU_ASSERT_TRUE(reads_as(sec, 0, 50, 's'));
	CU_ASSERT_TRUE(reads_as(sec, 50, 100, 'g'));
	/* and room comes back when pages go */
	CU_ASSERT_EQUAL(section_resize(full, 14 * PAGE, NULL), ERROR_SUCCESS);
	write_all(sparse, PAGE, 1, 'y');
	CU_ASSERT_EQUAL(store_used(st), SMALL_CAP);
	section_put(full);
	section_put(sparse);
	section_put(sec);
}

/* In either mode, no section is made or resized past the cap (a write may still reach past it
 * where the kernel counts pages: tmpfs lets sparse files be any size). */
static void no_section_past_the_cap(void)
{
	struct section_spec spec = section_spec_default(SECTION_PERMANENT);
	struct section *sec = NULL, *whole;

	spec.size = SMALL_CAP + 1;
	CU_ASSERT_EQUAL(section_new(st, &spec, &owner, &sec), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_PTR_NULL(sec);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
	whole = new_plain(SMALL_CAP);                       /* exactly the cap is allowed */
	CU_ASSERT_EQUAL(section_resize(whole, SMALL_CAP + 1, NULL), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(section_resize(whole, 2 * SMALL_CAP, NULL), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(section_size(whole), SMALL_CAP);
	CU_ASSERT_EQUAL(section_allocate(whole, 0, SMALL_CAP + 1, false), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(section_allocate(whole, SMALL_CAP, 1, false), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(section_size(whole), SMALL_CAP);
	CU_ASSERT_EQUAL(section_resize(whole, 0, NULL), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_resize(whole, SMALL_CAP, NULL), ERROR_SUCCESS);
	section_put(whole);
}

static void test_A7_no_section_past_the_cap_over_tmpfs(void)
{
	use_tmpfs();
	no_section_past_the_cap();
	CU_ASSERT_EQUAL(store_used(st), 0);
}

static void test_A7_no_section_past_the_cap_over_memfds(void)
{
	use_memfd();
	no_section_past_the_cap();
}

/* ---- fallocate ---- */

static void test_section_allocate_takes_every_page_or_none(void)
{
	struct section *sec, *other;

	use_tmpfs();
	sec = new_plain(0);
	CU_ASSERT_EQUAL(section_allocate(sec, 0, 4 * PAGE, false), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), 4 * PAGE);       /* the size grows */
	CU_ASSERT_EQUAL(store_used(st), 4 * PAGE);          /* and the pages are taken */
	CU_ASSERT_EQUAL(section_blocks(sec), 4 * PAGE / 512);
	CU_ASSERT_TRUE(reads_as(sec, 0, 4 * PAGE, 0));
	/* keep_size: the pages only */
	CU_ASSERT_EQUAL(section_allocate(sec, 8 * PAGE, 2 * PAGE, true), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), 4 * PAGE);
	CU_ASSERT_EQUAL(store_used(st), 6 * PAGE);
	/* a range with memory already: nothing more */
	CU_ASSERT_EQUAL(section_allocate(sec, 100, 3 * PAGE, false), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), 4 * PAGE);
	CU_ASSERT_EQUAL(store_used(st), 6 * PAGE);

	other = new_filled(8, 'o');                          /* two pages left */
	CU_ASSERT_EQUAL(section_allocate(sec, 4 * PAGE, 3 * PAGE, false), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(section_allocate(sec, 4 * PAGE, 4 * PAGE, true), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(section_size(sec), 4 * PAGE);       /* none taken, no growth */
	CU_ASSERT_EQUAL(store_used(st), 14 * PAGE);
	CU_ASSERT_EQUAL(section_allocate(sec, 4 * PAGE, 2 * PAGE, false), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), 6 * PAGE);
	CU_ASSERT_EQUAL(store_used(st), SMALL_CAP);
	CU_ASSERT_TRUE(reads_as(other, 0, 8 * PAGE, 'o'));
	section_put(other);
	section_put(sec);
}

static void test_section_allocate_over_memfds_grows_the_charged_size(void)
{
	struct section *sec;

	use_memfd();
	sec = new_plain(PAGE);
	CU_ASSERT_EQUAL(section_allocate(sec, PAGE, 2 * PAGE, true), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), PAGE);           /* charged already: nothing to do */
	CU_ASSERT_EQUAL(store_used(st), PAGE);
	CU_ASSERT_EQUAL(section_allocate(sec, PAGE, 2 * PAGE, false), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_size(sec), 3 * PAGE);
	CU_ASSERT_EQUAL(store_used(st), 3 * PAGE);
	CU_ASSERT_EQUAL(section_blocks(sec), 3 * PAGE / 512);   /* the size, as charged */
	CU_ASSERT_EQUAL(section_allocate(sec, 0, PAGE, false), ERROR_SUCCESS);   /* no shrinking */
	CU_ASSERT_EQUAL(section_size(sec), 3 * PAGE);
	CU_ASSERT_EQUAL(section_allocate(sec, 0, SMALL_CAP + 1, false), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(section_size(sec), 3 * PAGE);
	CU_ASSERT_EQUAL(store_used(st), 3 * PAGE);
	section_put(sec);
}

static void test_section_allocate_refused_for_published_readonly_sections(void)
{
	const uint32_t refusing[] = { PAGE_READONLY, PAGE_WRITECOPY, PAGE_EXECUTE_READ,
				      PAGE_EXECUTE_WRITECOPY };

	use_tmpfs();
	for (size_t i = 0; i < sizeof(refusing) / sizeof(refusing[0]); i++) {
		struct section *sec = new_pagefile(refusing[i], 2 * PAGE);
		CU_ASSERT_EQUAL(section_allocate(sec, 0, PAGE, true), ERROR_ACCESS_DENIED);
		CU_ASSERT_EQUAL(section_allocate(sec, 0, 4 * PAGE, false), ERROR_ACCESS_DENIED);
		CU_ASSERT_EQUAL(section_size(sec), 2 * PAGE);
		CU_ASSERT_EQUAL(store_used(st), 0);
		/* while staged it may still be built */
		section_mark_staged(sec, true);
		CU_ASSERT_EQUAL(section_allocate(sec, 0, 3 * PAGE, false), ERROR_SUCCESS);
		CU_ASSERT_EQUAL(section_size(sec), 3 * PAGE);
		CU_ASSERT_EQUAL(store_used(st), 3 * PAGE);
		section_put(sec);
	}
	{
		struct section *sec = new_pagefile(PAGE_EXECUTE_READWRITE, PAGE);
		CU_ASSERT_EQUAL(section_allocate(sec, 0, PAGE, false), ERROR_SUCCESS);
		section_put(sec);
	}
}

/* ---- populate: pages for a page cache fill ---- */

static void test_section_populate_takes_the_pages_of_a_range_within_the_size(void)
{
	struct section *sec, *other;

	use_tmpfs();
	sec = new_plain(8 * PAGE);
	CU_ASSERT_EQUAL(section_populate(sec, PAGE + 1, 2 * PAGE), ERROR_SUCCESS);   /* pages 1-3 */
	CU_ASSERT_EQUAL(store_used(st), 3 * PAGE);
	CU_ASSERT_EQUAL(section_size(sec), 8 * PAGE);
	CU_ASSERT_EQUAL(section_populate(sec, 6 * PAGE, 100 * PAGE), ERROR_SUCCESS); /* clipped */
	CU_ASSERT_EQUAL(store_used(st), 5 * PAGE);
	CU_ASSERT_EQUAL(section_size(sec), 8 * PAGE);
	CU_ASSERT_EQUAL(section_populate(sec, 8 * PAGE, PAGE), ERROR_SUCCESS);       /* past it */
	CU_ASSERT_EQUAL(section_populate(sec, 0, 0), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_populate(sec, UINT64_MAX - 1, 10), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 5 * PAGE);
	CU_ASSERT_EQUAL(section_size(sec), 8 * PAGE);
	CU_ASSERT_TRUE(reads_as(sec, 0, 8 * PAGE, 0));
	/* the cap full: refused */
	other = new_filled(11, 'o');
	CU_ASSERT_EQUAL(section_populate(sec, 0, PAGE), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_EQUAL(store_used(st), SMALL_CAP);
	CU_ASSERT_EQUAL(section_populate(sec, PAGE, 2 * PAGE), ERROR_SUCCESS);   /* had them */
	section_put(other);
	section_put(sec);
}

static void test_D33_populate_takes_only_committed_pages(void)
{
	struct section *sec;

	use_tmpfs();
	sec = new_pagefile(PAGE_READWRITE | SEC_RESERVE, 8 * PAGE);
	CU_ASSERT_EQUAL(store_used(st), 0);
	CU_ASSERT_EQUAL(section_populate(sec, 0, 8 * PAGE), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 0);                 /* nothing committed: nothing taken */
	CU_ASSERT_EQUAL(section_commit(sec, 2 * PAGE, 2 * PAGE), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_commit(sec, 6 * PAGE, PAGE), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 3 * PAGE);
	CU_ASSERT_EQUAL(section_populate(sec, 0, 8 * PAGE), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(section_populate(sec, PAGE, 6 * PAGE), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 3 * PAGE);
	section_put(sec);
}

static void test_section_populate_over_memfds_does_nothing(void)
{
	struct section *sec;

	use_memfd();
	sec = new_plain(4 * PAGE);
	CU_ASSERT_EQUAL(section_populate(sec, 0, 4 * PAGE), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 4 * PAGE);
	CU_ASSERT_EQUAL(section_size(sec), 4 * PAGE);
	section_put(sec);
}

/* ---- SEC_RESERVE commits take pages where the kernel counts them ---- */

static void test_D33_commit_takes_the_pages_from_the_cap(void)
{
	struct section *sec, *other;

	use_tmpfs();
	sec = new_pagefile(PAGE_READWRITE | SEC_RESERVE, 8 * PAGE);
	CU_ASSERT_EQUAL(store_used(st), 0);
	CU_ASSERT_EQUAL(section_commit(sec, PAGE + 1, PAGE), ERROR_SUCCESS);    /* pages 1, 2 */
	CU_ASSERT_EQUAL(store_used(st), 2 * PAGE);
	CU_ASSERT_TRUE(section_is_committed(sec, PAGE, 2 * PAGE));
	CU_ASSERT_EQUAL(section_commit(sec, PAGE, 2 * PAGE), ERROR_SUCCESS);    /* again: no more */
	CU_ASSERT_EQUAL(store_used(st), 2 * PAGE);
	CU_ASSERT_EQUAL(section_commit(sec, 0, 0), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 2 * PAGE);

	other = new_filled(13, 'o');                         /* one page left */
	CU_ASSERT_EQUAL(section_commit(sec, 4 * PAGE, 2 * PAGE), ERROR_NOT_ENOUGH_MEMORY);
	CU_ASSERT_FALSE(section_is_committed(sec, 4 * PAGE, 1));   /* nothing marked */
	CU_ASSERT_FALSE(section_is_committed(sec, 5 * PAGE, 1));
	CU_ASSERT_EQUAL(store_used(st), 15 * PAGE);        /* nothing taken */
	CU_ASSERT_EQUAL(section_commit(sec, 4 * PAGE, PAGE), ERROR_SUCCESS);
	CU_ASSERT_TRUE(section_is_committed(sec, 4 * PAGE, PAGE));
	CU_ASSERT_EQUAL(store_used(st), SMALL_CAP);
	section_put(other);
	section_put(sec);
	CU_ASSERT_EQUAL(store_used(st), 0);
}

static void test_D33_commit_over_memfds_takes_nothing_more(void)
{
	struct section *sec;

	use_memfd();
	sec = new_pagefile(PAGE_READWRITE | SEC_RESERVE, 4 * PAGE);
	CU_ASSERT_EQUAL(store_used(st), 4 * PAGE);          /* the size was charged */
	CU_ASSERT_EQUAL(section_commit(sec, 0, 4 * PAGE), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 4 * PAGE);
	CU_ASSERT_TRUE(section_is_committed(sec, 0, 4 * PAGE));
	section_put(sec);
}

/* ---- destroyed sections give their pages back once nothing else has the file ---- */

/* A named section written with `pages` pages and a reference held past its name (as the
 * daemon's inode holds one), with no handle left: unlinking it destroys the data. */
static struct section *named_unheld(const char *leaf, unsigned pages)
{
	struct section_spec spec = section_spec_default(SECTION_PERMANENT);
	struct section *sec = NULL;
	struct handle *h = NULL;
	bool existed;

	CU_ASSERT_EQUAL_FATAL(ns_create(store_global(st), leaf, &spec, &owner, NS_CREATE_NEW,
					FILE_MAP_ALL_ACCESS, &h, &existed), ERROR_SUCCESS);
	sec = handle_section(h);
	section_get(sec);
	write_all(sec, 0, (uint64_t)pages * PAGE, 'd');
	handle_close(h);
	return sec;
}

static void test_C21_destroyed_section_pages_go_at_once_when_nobody_has_the_file(void)
{
	struct section *sec;

	use_tmpfs();
	sec = named_unheld("alone", 3);
	CU_ASSERT_EQUAL(store_used(st), 3 * PAGE);
	CU_ASSERT_EQUAL(ns_unlink(store_global(st), "alone"), ERROR_SUCCESS);
	CU_ASSERT_TRUE(section_is_destroyed(sec));
	CU_ASSERT_EQUAL(store_used(st), 0);                 /* while the reference lives on */
	section_trim(sec);
	CU_ASSERT_EQUAL(store_used(st), 0);
	section_put(sec);
}

static void test_C21_destroyed_section_pages_stay_while_another_open_file_has_them(void)
{
	struct section *sec;
	char c = 0;
	int other;

	use_tmpfs();
	sec = named_unheld("opened", 3);
	other = reopen_data(sec);
	CU_ASSERT_EQUAL(ns_unlink(store_global(st), "opened"), ERROR_SUCCESS);
	CU_ASSERT_TRUE(section_is_destroyed(sec));
	CU_ASSERT_EQUAL(section_fd(sec), -1);
	/* the other opener still reads the data: it is not cut under it */
	CU_ASSERT_EQUAL(store_used(st), 3 * PAGE);
	CU_ASSERT_EQUAL(pread(other, &c, 1, 2 * PAGE), 1);
	CU_ASSERT_EQUAL(c, 'd');
	CU_ASSERT_FALSE(section_trim(sec));                 /* still open elsewhere: kept */
	CU_ASSERT_EQUAL(store_used(st), 3 * PAGE);
	close(other);
	CU_ASSERT_EQUAL(store_used(st), 3 * PAGE);          /* ours still holds the file */
	CU_ASSERT_TRUE(section_trim(sec));
	CU_ASSERT_EQUAL(store_used(st), 0);
	section_put(sec);
}

static void test_C21_destroyed_section_pages_stay_while_a_map_has_them(void)
{
	struct section *sec;
	unsigned char *map;
	int other;

	use_tmpfs();
	sec = named_unheld("mapped", 2);
	other = reopen_data(sec);
	map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, other, 0);
	CU_ASSERT_FATAL(map != MAP_FAILED);
	close(other);                                        /* the map keeps its open file */
	CU_ASSERT_EQUAL(ns_unlink(store_global(st), "mapped"), ERROR_SUCCESS);
	CU_ASSERT_TRUE(section_is_destroyed(sec));
	CU_ASSERT_EQUAL(map[PAGE], 'd');
	CU_ASSERT_FALSE(section_trim(sec));
	CU_ASSERT_EQUAL(store_used(st), 2 * PAGE);
	CU_ASSERT_EQUAL(map[2 * PAGE - 1], 'd');
	munmap(map, 2 * PAGE);
	CU_ASSERT_TRUE(section_trim(sec));
	CU_ASSERT_EQUAL(store_used(st), 0);
	section_put(sec);
}

/* The last reference going first: the file is let go of without a cut, and its pages go with
 * the other opener. */
static void test_C21_destroyed_section_freed_before_the_other_opener(void)
{
	struct section *sec;
	char c = 0;
	int other;

	use_tmpfs();
	sec = named_unheld("last", 2);
	other = reopen_data(sec);
	CU_ASSERT_EQUAL(ns_unlink(store_global(st), "last"), ERROR_SUCCESS);
	section_put(sec);
	CU_ASSERT_EQUAL(store_live_sections(st), 0);
	CU_ASSERT_EQUAL(pread(other, &c, 1, PAGE), 1);
	CU_ASSERT_EQUAL(c, 'd');
	CU_ASSERT_EQUAL(store_used(st), 2 * PAGE);
	close(other);
	CU_ASSERT_EQUAL(store_used(st), 0);
}

/* ---- attaching a file with no lock held ---- */

/* The test's ftruncate, which the core calls too: the hook armed in during_ftruncate runs
 * first, once, as if the caller's file were slow (a network or FUSE file) and somebody changed
 * the section meanwhile.  (With 64-bit file offsets the symbol is ftruncate64.) */
#if defined(_FILE_OFFSET_BITS) && _FILE_OFFSET_BITS == 64
#define REAL_FTRUNCATE "ftruncate64"
#else
#define REAL_FTRUNCATE "ftruncate"
#endif

static void (*during_ftruncate)(void);

int ftruncate(int fd, off_t length)
{
	static int (*real)(int, off_t);
	void (*hook)(void) = during_ftruncate;

	if (!real)
		real = (int (*)(int, off_t))dlsym(RTLD_NEXT, REAL_FTRUNCATE);
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	if (hook) {
		during_ftruncate = NULL;
		hook();
	}
	return real(fd, length);
}

static struct section *meddled;          /* the section the hook changes */
static void (*meddle)(struct section *);
static bool meddling_waited;             /* the change had to wait: a lock was held */

static void *meddle_thread(void *arg)
{
	(void)arg;
	meddle(meddled);
	return NULL;
}

/* Makes the change from another thread, as another request would; it must not wait for the
 * file I/O. */
static void meddle_now(void)
{
	struct timespec deadline;
	pthread_t t;

	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, meddle_thread, NULL), 0);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	if (pthread_timedjoin_np(t, NULL, &deadline) != 0) {
		meddling_waited = true;
		pthread_detach(t);
	}
}

static void publish(struct section *sec) { section_mark_staged(sec, false); }

static void reprotect(struct section *sec)
{
	CU_ASSERT_EQUAL(section_set_protect(sec, PAGE_READONLY), ERROR_SUCCESS);
}

static int other_file = -1;

static void attach_other(struct section *sec)
{
	CU_ASSERT_EQUAL(section_attach_file(sec, other_file, RW_ACCESS, "/other", 0),
			ERROR_SUCCESS);
}

static void test_section_attach_file_refused_when_the_section_changed_meanwhile(void)
{
	const struct { const char *what; void (*change)(struct section *); } cases[] = {
		{ "published", publish },
		{ "reprotected", reprotect },
		{ "attached", attach_other },
	};

	use_tmpfs();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct section *sec = new_filled(2, 'm');
		int fd = temp_file(PAGE, false);
		unsigned failures = CU_get_number_of_failures();
		char path[32] = "";

		other_file = temp_file(3 * PAGE, false);
		section_mark_staged(sec, true);
		meddled = sec;
		meddle = cases[i].change;
		meddling_waited = false;
		during_ftruncate = meddle_now;
		/* 2 pages over a 1-page file: A5 grows the file, and the change comes then */
		CU_ASSERT_EQUAL(section_attach_file(sec, fd, RW_ACCESS, "/mine", 2 * PAGE),
				ERROR_ACCESS_DENIED);
		CU_ASSERT_PTR_NULL(during_ftruncate);        /* the hook did run */
		CU_ASSERT_FALSE(meddling_waited);
		section_backing_path(sec, path, sizeof(path));
		if (cases[i].change == attach_other) {
			/* the other attach stands */
			CU_ASSERT_TRUE(section_is_file_backed(sec));
			CU_ASSERT_STRING_EQUAL(path, "/other");
			CU_ASSERT_EQUAL(section_size(sec), 3 * PAGE);
			CU_ASSERT_TRUE(reads_pattern(sec, 0, 3 * PAGE));
		} else {
			/* still the paging-file section it was */
			CU_ASSERT_FALSE(section_is_file_backed(sec));
			CU_ASSERT_STRING_EQUAL(path, "");
			CU_ASSERT_EQUAL(section_size(sec), 2 * PAGE);
			CU_ASSERT_TRUE(reads_as(sec, 0, 2 * PAGE, 'm'));
			CU_ASSERT_EQUAL(store_used(st), 2 * PAGE);
		}
		if (CU_get_number_of_failures() != failures)
			fprintf(stderr, "\n(the section was %s meanwhile)\n", cases[i].what);
		section_put(sec);
		close(fd);
		close(other_file);
		other_file = -1;
	}
	CU_ASSERT_EQUAL(store_used(st), 0);
}

/* Attaching in tmpfs mode gives the paging-file pages back. */
static void test_section_attach_file_returns_the_tmpfs_pages(void)
{
	struct section *sec;
	int fd = temp_file(PAGE, false);

	use_tmpfs();
	sec = new_filled(3, 'm');
	CU_ASSERT_EQUAL(store_used(st), 3 * PAGE);
	section_mark_staged(sec, true);
	CU_ASSERT_EQUAL(section_attach_file(sec, fd, RW_ACCESS, "/f", 0), ERROR_SUCCESS);
	CU_ASSERT_EQUAL(store_used(st), 0);
	CU_ASSERT_EQUAL(section_size(sec), PAGE);
	CU_ASSERT_TRUE(reads_pattern(sec, 0, PAGE));
	CU_ASSERT_EQUAL(section_blocks(sec), PAGE / 512);   /* a file's blocks: its size */
	section_put(sec);
	close(fd);
}

const char *suite_name = "section";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_A1_pagefile_size_zero),
	UNIT_TEST(test_A1_size_is_checked_before_anything_else),
	UNIT_TEST(test_A2_pagefile_sizes_round_up_to_pages),
	UNIT_TEST(test_A2_pagefile_content_starts_as_zeros),
	UNIT_TEST(test_A3_empty_file_size_zero),
	UNIT_TEST(test_A3_only_regular_files_back_sections),
	UNIT_TEST(test_A4_file_size_zero_takes_the_file_size_exactly),
	UNIT_TEST(test_A4_explicit_size_is_kept_exactly),
	UNIT_TEST(test_A4_the_section_keeps_its_own_descriptor),
	UNIT_TEST(test_A5_file_grows_to_a_larger_size),
	UNIT_TEST(test_A5_execute_readwrite_grows_too),
	UNIT_TEST(test_A5_growth_that_fails_makes_no_section),
	UNIT_TEST(test_A6_readonly_cannot_grow_the_file),
	UNIT_TEST(test_A7_huge_sizes_fail),
	UNIT_TEST(test_A7_sizes_past_the_cap_fail),
	UNIT_TEST(test_A8_invalid_protections_make_no_section),
	UNIT_TEST(test_A8_each_protection_makes_its_section),
	UNIT_TEST(test_A9_attributes_are_reported),
	UNIT_TEST(test_A10_read_only_file_accepts_readonly_and_writecopy),
	UNIT_TEST(test_A10_read_only_file_refuses_readwrite_and_execute),
	UNIT_TEST(test_A11_each_section_new_is_a_new_object),
	UNIT_TEST(test_section_write_then_read),
	UNIT_TEST(test_section_write_past_the_end_grows_with_zeros),
	UNIT_TEST(test_section_write_refuses_sizes_that_overflow),
	UNIT_TEST(test_section_regrown_bytes_read_as_zeros),
	UNIT_TEST(test_section_resize_grows_with_zeros),
	UNIT_TEST(test_section_handle_write_needs_write_access),
	UNIT_TEST(test_section_readonly_handles_keep_the_access_asked_for),
	UNIT_TEST(test_E36_shrink_refused_while_another_handle_holds),
	UNIT_TEST(test_E36_shrink_refused_while_a_view_holds),
	UNIT_TEST(test_E36_resize_without_holders_is_allowed),
	UNIT_TEST(test_E36_published_readonly_and_writecopy_cannot_be_resized),
	UNIT_TEST(test_E36_staged_readonly_sections_can_be_resized),
	UNIT_TEST(test_E36_section_smaller_than_its_file_never_cuts_it),
	UNIT_TEST(test_E36_section_that_is_its_file_is_resized_with_it),
	UNIT_TEST(test_C21_destroyed_section_refuses_everything),
	UNIT_TEST(test_section_setters_need_a_staged_section),
	UNIT_TEST(test_section_staged_set_protect),
	UNIT_TEST(test_section_staged_attach_file),
	UNIT_TEST(test_section_staged_attach_file_keeps_its_size),
	UNIT_TEST(test_section_staged_attach_file_takes_its_size_uncharged),
	UNIT_TEST(test_section_staged_attach_file_errors_change_nothing),
	UNIT_TEST(test_D33_reserve_commits_pages_for_the_whole_section),
	UNIT_TEST(test_D33_commit_runs),
	UNIT_TEST(test_D33_commit_past_the_end_is_refused),
	UNIT_TEST(test_D33_grown_pages_start_reserved),
	UNIT_TEST(test_D33_commit_sections_are_always_committed),
	UNIT_TEST(test_D33_staged_section_leaving_reserve_is_committed),
	UNIT_TEST(test_D34_commit_in_a_file_backed_section_is_refused),
	UNIT_TEST(test_section_tmpfs_writes_grow_sparsely_as_tmpfs_does),
	UNIT_TEST(test_section_tmpfs_partial_write_keeps_exactly_what_was_written),
	UNIT_TEST(test_section_tmpfs_write_refused_past_the_cap_changes_nothing),
	UNIT_TEST(test_A7_no_section_past_the_cap_over_tmpfs),
	UNIT_TEST(test_A7_no_section_past_the_cap_over_memfds),
	UNIT_TEST(test_section_allocate_takes_every_page_or_none),
	UNIT_TEST(test_section_allocate_over_memfds_grows_the_charged_size),
	UNIT_TEST(test_section_allocate_refused_for_published_readonly_sections),
	UNIT_TEST(test_section_populate_takes_the_pages_of_a_range_within_the_size),
	UNIT_TEST(test_D33_populate_takes_only_committed_pages),
	UNIT_TEST(test_section_populate_over_memfds_does_nothing),
	UNIT_TEST(test_D33_commit_takes_the_pages_from_the_cap),
	UNIT_TEST(test_D33_commit_over_memfds_takes_nothing_more),
	UNIT_TEST(test_C21_destroyed_section_pages_go_at_once_when_nobody_has_the_file),
	UNIT_TEST(test_C21_destroyed_section_pages_stay_while_another_open_file_has_them),
	UNIT_TEST(test_C21_destroyed_section_pages_stay_while_a_map_has_them),
	UNIT_TEST(test_C21_destroyed_section_freed_before_the_other_opener),
	UNIT_TEST(test_section_attach_file_refused_when_the_section_changed_meanwhile),
	UNIT_TEST(test_section_attach_file_returns_the_tmpfs_pages),
	{ 0 },
};
