/* Rules A1-A11 through CreateFileMappingA/W against a real mount: paging-file sections and
 * sections over files made with CreateFileA in /tmp. */
#include <CUnit/CUnit.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cunit_main.h"
#include "winapi_util.h"

#define ALL_PROTECTIONS { PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY, PAGE_EXECUTE_READ, \
			  PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY }

static const char *protect_name(DWORD p)
{
	switch (p) {
	case PAGE_READONLY:          return "PAGE_READONLY";
	case PAGE_READWRITE:         return "PAGE_READWRITE";
	case PAGE_WRITECOPY:         return "PAGE_WRITECOPY";
	case PAGE_EXECUTE_READ:      return "PAGE_EXECUTE_READ";
	case PAGE_EXECUTE_READWRITE: return "PAGE_EXECUTE_READWRITE";
	case PAGE_EXECUTE_WRITECOPY: return "PAGE_EXECUTE_WRITECOPY";
	default:                     return "?";
	}
}

/* A file in /tmp with n pattern bytes, opened with CreateFileA(access). */
struct tmpfile {
	char path[128];
	HANDLE h;
};

static bool tmpfile_open(struct tmpfile *f, size_t n, DWORD access)
{
	wu_tmp_path(f->path, sizeof(f->path), "create");
	f->h = INVALID_HANDLE_VALUE;
	if (!wu_make_file(f->path, n, 3))
		return false;
	f->h = CreateFileA(f->path, access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
			   FILE_ATTRIBUTE_NORMAL, NULL);
	return f->h != INVALID_HANDLE_VALUE;
}

static void tmpfile_close(struct tmpfile *f)
{
	if (f->h != INVALID_HANDLE_VALUE)
		CU_ASSERT_TRUE(CloseHandle(f->h));
	unlink(f->path);
}

/* Expects CreateFileMappingA(...) to fail with `err` and to leave nothing in the mount. */
#define ASSERT_CREATE_FAILS(err, file, prot, high, low, name)                                 \
	do {                                                                                  \
		SetLastError(0xdeadbeef);                                                     \
		HANDLE h_ = CreateFileMappingA(file, NULL, prot, high, low, name);            \
		CU_ASSERT_PTR_NULL(h_);                                                       \
		ASSERT_ERR(err);                                                              \
		if (h_)                                                                       \
			CloseHandle(h_);                                                      \
	} while (0)

/* A new section (GetLastError 0), then closed. */
#define ASSERT_CREATE_NEW(file, prot, high, low, name)                                        \
	do {                                                                                  \
		SetLastError(0xdeadbeef);                                                     \
		HANDLE h_ = CreateFileMappingA(file, NULL, prot, high, low, name);            \
		CU_ASSERT_PTR_NOT_NULL(h_);                                                   \
		ASSERT_ERR(ERROR_SUCCESS);                                                    \
		if (h_)                                                                       \
			CU_ASSERT_TRUE(CloseHandle(h_));                                      \
	} while (0)

void suite_teardown(void)
{
	/* every test leaves the mount as it found it: empty */
	CU_ASSERT_TRUE(wu_wait_sections(0));
}

static void test_A1_pagefile_size_zero(void)
{
	const char *name = wu_cat("Global\\", wu_uniq("A1"));
	HANDLE existing;

	ASSERT_CREATE_FAILS(ERROR_INVALID_PARAMETER, INVALID_HANDLE_VALUE, PAGE_READWRITE, 0, 0, NULL);
	ASSERT_CREATE_FAILS(ERROR_INVALID_PARAMETER, INVALID_HANDLE_VALUE, PAGE_READWRITE, 0, 0, name);
	CU_ASSERT_EQUAL(wu_count_sections(), 0);
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0, u"Global\\A1w"));
	ASSERT_ERR(ERROR_INVALID_PARAMETER);

	/* the size is checked before the name: an existing name does not help */
	existing = wu_create(name, 0x1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(existing);
	ASSERT_CREATE_FAILS(ERROR_INVALID_PARAMETER, INVALID_HANDLE_VALUE, PAGE_READWRITE, 0, 0, name);
	CU_ASSERT_TRUE(CloseHandle(existing));
}

/* The size of a section as a size-0 view sees it (page-rounded) and as the mount shows it. */
static void check_pagefile_size(const char *leaf, DWORD asked, DWORD expected)
{
	const char *name = wu_cat("Global\\", leaf);
	MEMORY_BASIC_INFORMATION mbi;
	HANDLE h = wu_create(name, asked);
	char *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_EQ(wu_file_size(wu_mpath("Global", leaf)), expected);
	p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p) {
		CU_ASSERT_TRUE(wu_query(p, &mbi));
		ASSERT_EQ(mbi.RegionSize, expected);
		CU_ASSERT_TRUE(wu_all_zero(p, expected));           /* content starts as zeros */
		CU_ASSERT_TRUE(UnmapViewOfFile(p));
	}
	/* the whole rounded size can be mapped, not a byte more */
	p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, expected);
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p)
		CU_ASSERT_TRUE(UnmapViewOfFile(p));
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, expected + 1));
	ASSERT_ERR(ERROR_ACCESS_DENIED);
	CU_ASSERT_TRUE(CloseHandle(h));
}

static void test_A2_pagefile_rounded_to_pages(void)
{
	MEMORY_BASIC_INFORMATION mbi;
	HANDLE h;
	char *p;

	check_pagefile_size(wu_uniq("A2a"), 4090, 4096);
	check_pagefile_size(wu_uniq("A2b"), 0x3452, 0x4000);
	check_pagefile_size(wu_uniq("A2c"), 0x10000, 0x10000);

	/* unnamed too */
	h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x3452, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p) {
		CU_ASSERT_TRUE(wu_query(p, &mbi));
		ASSERT_EQ(mbi.RegionSize, 0x4000);
		CU_ASSERT_TRUE(wu_all_zero(p, 0x4000));
		CU_ASSERT_TRUE(UnmapViewOfFile(p));
	}
	CU_ASSERT_TRUE(CloseHandle(h));
}

static void test_A3_empty_file_size_zero(void)
{
	struct tmpfile f;
	const char *name = wu_cat("Global\\", wu_uniq("A3"));

	CU_ASSERT_TRUE_FATAL(tmpfile_open(&f, 0, GENERIC_READ | GENERIC_WRITE));
	ASSERT_CREATE_FAILS(ERROR_FILE_INVALID, f.h, PAGE_READWRITE, 0, 0, NULL);
	ASSERT_CREATE_FAILS(ERROR_FILE_INVALID, f.h, PAGE_READWRITE, 0, 0, name);
	ASSERT_CREATE_FAILS(ERROR_FILE_INVALID, f.h, PAGE_READONLY, 0, 0, name);
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(CreateFileMappingW(f.h, NULL, PAGE_READWRITE, 0, 0, u"Global\\A3w"));
	ASSERT_ERR(ERROR_FILE_INVALID);
	CU_ASSERT_EQUAL(wu_count_sections(), 0);
	ASSERT_EQ(wu_file_size(f.path), 0);
	tmpfile_close(&f);
}

/* A file-backed section has exactly `size` bytes: maps that many, not one more. */
static void check_exact_size(HANDLE h, DWORD size)
{
	char *p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, size);

	CU_ASSERT_PTR_NOT_NULL(p);
	if (p) {
		CU_ASSERT_TRUE(wu_check_pattern(p, size, 0, 3));   /* the file's data */
		CU_ASSERT_TRUE(UnmapViewOfFile(p));
	}
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(MapViewOfFile(h, FILE_MAP_READ, 0, 0, size + 1));
	ASSERT_ERR(ERROR_ACCESS_DENIED);
}

static void test_A4_file_size_zero_is_file_size(void)
{
	const char *leaf = wu_uniq("A4"), *leaf36 = wu_uniq("A4-36");
	struct tmpfile f;
	DWORD high = 7;
	HANDLE h;

	CU_ASSERT_TRUE_FATAL(tmpfile_open(&f, 0x3456, GENERIC_READ | GENERIC_WRITE));
	SetLastError(0xdeadbeef);
	h = CreateFileMappingA(f.h, NULL, PAGE_READWRITE, 0, 0, wu_cat("Global\\", leaf));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_ERR(ERROR_SUCCESS);
	ASSERT_EQ(wu_file_size(wu_mpath("Global", leaf)), 0x3456);   /* no page rounding */
	check_exact_size(h, 0x3456);
	CU_ASSERT_TRUE(CloseHandle(h));

	/* an explicit size is kept exactly, and the file keeps its own */
	h = CreateFileMappingA(f.h, NULL, PAGE_READWRITE, 0, 36, wu_cat("Global\\", leaf36));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_EQ(wu_file_size(wu_mpath("Global", leaf36)), 36);
	check_exact_size(h, 36);
	CU_ASSERT_TRUE(CloseHandle(h));
	ASSERT_EQ(GetFileSize(f.h, &high), 0x3456);
	ASSERT_EQ(high, 0);

	/* unnamed */
	h = CreateFileMappingA(f.h, NULL, PAGE_READONLY, 0, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL(h);
	if (h) {
		check_exact_size(h, 0x3456);
		CU_ASSERT_TRUE(CloseHandle(h));
	}
	tmpfile_close(&f);
}

static void test_A5_file_grows_to_section_size(void)
{
	const char *leaf = wu_uniq("A5");
	struct tmpfile f;
	LARGE_INTEGER size;
	DWORD high = 7;
	HANDLE h;
	char *p;

	CU_ASSERT_TRUE_FATAL(tmpfile_open(&f, 100, GENERIC_READ | GENERIC_WRITE));
	h = CreateFileMappingA(f.h, NULL, PAGE_READWRITE, 0, 0x12345, wu_cat("Global\\", leaf));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_EQ(GetFileSize(f.h, &high), 0x12345);
	ASSERT_EQ(high, 0);
	CU_ASSERT_TRUE(GetFileSizeEx(f.h, &size));
	ASSERT_EQ(size.QuadPart, 0x12345);
	ASSERT_EQ(wu_file_size(f.path), 0x12345);
	ASSERT_EQ(wu_file_size(wu_mpath("Global", leaf)), 0x12345);
	p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p) {
		CU_ASSERT_TRUE(wu_check_pattern(p, 100, 0, 3));    /* the old bytes stay */
		CU_ASSERT_TRUE(wu_all_zero(p + 100, 0x12345 - 100));
		CU_ASSERT_TRUE(UnmapViewOfFile(p));
	}
	CU_ASSERT_TRUE(CloseHandle(h));

	/* unnamed, PAGE_EXECUTE_READWRITE (a file opened with GENERIC_ALL may back it) */
	tmpfile_close(&f);
	CU_ASSERT_TRUE_FATAL(tmpfile_open(&f, 100, GENERIC_ALL));
	h = CreateFileMappingA(f.h, NULL, PAGE_EXECUTE_READWRITE, 0, 0x20000, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_EQ(GetFileSize(f.h, NULL), 0x20000);
	CU_ASSERT_TRUE(CloseHandle(h));
	tmpfile_close(&f);
}

static void test_A6_readonly_larger_than_file(void)
{
	const char *name = wu_cat("Global\\", wu_uniq("A6"));
	struct tmpfile f;

	CU_ASSERT_TRUE_FATAL(tmpfile_open(&f, 100, GENERIC_READ | GENERIC_WRITE));
	ASSERT_CREATE_FAILS(ERROR_NOT_ENOUGH_MEMORY, f.h, PAGE_READONLY, 0, 0x2000, NULL);
	ASSERT_CREATE_FAILS(ERROR_NOT_ENOUGH_MEMORY, f.h, PAGE_READONLY, 0, 0x2000, name);
	ASSERT_EQ(wu_file_size(f.path), 100);
	/* the same size that the file has is fine */
	ASSERT_CREATE_NEW(f.h, PAGE_READONLY, 0, 100, name);
	tmpfile_close(&f);

	/* a file opened for reading only */
	CU_ASSERT_TRUE_FATAL(tmpfile_open(&f, 100, GENERIC_READ));
	ASSERT_CREATE_FAILS(ERROR_NOT_ENOUGH_MEMORY, f.h, PAGE_READONLY, 0, 0x2000, name);
	ASSERT_EQ(wu_file_size(f.path), 100);
	tmpfile_close(&f);
}

static void test_A7_huge_sizes(void)
{
	const char *leaf = wu_uniq("A7");
	const char *name = wu_cat("Global\\", leaf);
	uint64_t used = wu_used_bytes();
	struct tmpfile f;

	ASSERT_CREATE_FAILS(ERROR_NOT_ENOUGH_MEMORY, INVALID_HANDLE_VALUE, PAGE_READWRITE, 0x80000000, 0, NULL);
	ASSERT_CREATE_FAILS(ERROR_NOT_ENOUGH_MEMORY, INVALID_HANDLE_VALUE, PAGE_READWRITE, 0x80000000, 0, name);
	ASSERT_CREATE_FAILS(ERROR_NOT_ENOUGH_MEMORY, INVALID_HANDLE_VALUE, PAGE_READWRITE, 0xFFFFFFFF, 0xFFFFF000, name);
	/* more than the mount can back (its cap is 256 MiB) */
	ASSERT_CREATE_FAILS(ERROR_NOT_ENOUGH_MEMORY, INVALID_HANDLE_VALUE, PAGE_READWRITE, 0, 0x40000000, name);
	ASSERT_CREATE_FAILS(ERROR_NOT_ENOUGH_MEMORY, INVALID_HANDLE_VALUE, PAGE_READWRITE, 1, 0, name);
	CU_ASSERT_EQUAL(wu_count_sections(), 0);     /* nothing staged is left behind */
	ASSERT_EQ(wu_used_bytes(), used);
	ASSERT_EQ(wu_file_size(wu_mpath("Global", leaf)), -1);

	/* a file cannot grow to a huge size either, and is left as it was */
	CU_ASSERT_TRUE_FATAL(tmpfile_open(&f, 100, GENERIC_READ | GENERIC_WRITE));
	ASSERT_CREATE_FAILS(ERROR_NOT_ENOUGH_MEMORY, f.h, PAGE_READWRITE, 0x80000000, 0, NULL);
	ASSERT_CREATE_FAILS(ERROR_NOT_ENOUGH_MEMORY, f.h, PAGE_READWRITE, 0x80000000, 0, name);
	ASSERT_EQ(wu_file_size(f.path), 100);
	tmpfile_close(&f);
}

/* A7 and commit: a SEC_COMMIT section takes all its pages from the mount's cap when it is made,
 * as Windows charges commit, so one the pages left cannot hold fails and leaves nothing; a
 * SEC_RESERVE one takes its pages as VirtualAlloc commits them. */
static void test_A7_commit_is_taken_from_the_cap(void)
{
	const uint64_t MIB = 1 << 20;
	uint64_t used = wu_used_bytes();
	int sections = wu_count_sections();
	HANDLE big, reserved;
	char *v;

	big = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 200 * MIB,
				 wu_cat("Global\\", wu_uniq("A7c")));
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	ASSERT_EQ(wu_used_bytes(), used + 200 * MIB);           /* every page, untouched */
	/* 100 MiB more does not fit under the 256 MiB cap */
	ASSERT_CREATE_FAILS(ERROR_NOT_ENOUGH_MEMORY, INVALID_HANDLE_VALUE, PAGE_READWRITE, 0,
			    100 * MIB, wu_cat("Global\\", wu_uniq("A7c")));
	CU_ASSERT_TRUE(wu_wait_sections(sections + 1));          /* nothing staged is left */
	ASSERT_EQ(wu_used_bytes(), used + 200 * MIB);
	/* reserved: made, and its pages taken only as they are committed */
	reserved = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0,
				      100 * MIB, wu_cat("Global\\", wu_uniq("A7r")));
	CU_ASSERT_PTR_NOT_NULL_FATAL(reserved);
	ASSERT_EQ(wu_used_bytes(), used + 200 * MIB);
	v = MapViewOfFile(reserved, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_PTR_EQUAL(VirtualAlloc(v, MIB, MEM_COMMIT, PAGE_READWRITE), v);
	ASSERT_EQ(wu_used_bytes(), used + 201 * MIB);
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(VirtualAlloc(v + MIB, 99 * MIB, MEM_COMMIT, PAGE_READWRITE));
	ASSERT_ERR(ERROR_NOT_ENOUGH_MEMORY);
	ASSERT_EQ(wu_used_bytes(), used + 201 * MIB);            /* all or nothing */
	memset(v, 0x5A, MIB);                                     /* what was committed is usable */
	CU_ASSERT_TRUE(UnmapViewOfFile(v));
	CU_ASSERT_TRUE(CloseHandle(reserved));
	CU_ASSERT_TRUE(CloseHandle(big));
	CU_ASSERT_TRUE(wu_wait_used(used));
}

/* An unnamed paging-file section larger than RAM and swap together cannot be backed. */
static void test_A7_pagefile_beyond_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	unsigned long long swap_kb = 0, total;
	char line[256];
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "SwapTotal: %llu kB", &swap_kb) == 1)
			break;
	if (f)
		fclose(f);
	total = (unsigned long long)pages * (unsigned long long)page + swap_kb * 1024;
	total = total * 4;   /* well beyond what the system can back */
	ASSERT_CREATE_FAILS(ERROR_NOT_ENOUGH_MEMORY, INVALID_HANDLE_VALUE, PAGE_READWRITE,
			    (DWORD)(total >> 32), (DWORD)total, NULL);
}

static void test_A8_each_protection_makes_a_section(void)
{
	const DWORD valid[] = ALL_PROTECTIONS;
	char text[64];

	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		const char *leaf = wu_uniq("A8");
		SetLastError(0xdeadbeef);
		HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, valid[i], 0, 0x1000,
					      wu_cat("Global\\", leaf));
		CU_ASSERT_PTR_NOT_NULL(h);
		ASSERT_ERR(ERROR_SUCCESS);
		CU_ASSERT_TRUE(wu_xattr(wu_mpath("Global", leaf), "user.section.protect", text, sizeof(text)));
		ASSERT_STR(text, protect_name(valid[i]));
		if (h)
			CU_ASSERT_TRUE(CloseHandle(h));
		ASSERT_CREATE_NEW(INVALID_HANDLE_VALUE, valid[i], 0, 0x1000, NULL);
	}
}

static void test_A8_invalid_protections(void)
{
	const DWORD invalid[] = { 0, PAGE_NOACCESS, PAGE_EXECUTE, PAGE_READONLY | PAGE_READWRITE,
				  PAGE_READWRITE | PAGE_EXECUTE_READ, PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY,
				  PAGE_READONLY | PAGE_WRITECOPY, SEC_COMMIT, PAGE_NOACCESS | SEC_COMMIT,
				  PAGE_EXECUTE | SEC_COMMIT };
	const char *name = wu_cat("Global\\", wu_uniq("A8"));
	struct tmpfile f;

	CU_ASSERT_TRUE_FATAL(tmpfile_open(&f, 0x1000, GENERIC_ALL));
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		ASSERT_CREATE_FAILS(ERROR_INVALID_PARAMETER, INVALID_HANDLE_VALUE, invalid[i], 0, 0x1000, NULL);
		ASSERT_CREATE_FAILS(ERROR_INVALID_PARAMETER, INVALID_HANDLE_VALUE, invalid[i], 0, 0x1000, name);
		ASSERT_CREATE_FAILS(ERROR_INVALID_PARAMETER, f.h, invalid[i], 0, 0, name);
		ASSERT_CREATE_FAILS(ERROR_INVALID_PARAMETER, f.h, invalid[i], 0, 0, NULL);
	}
	CU_ASSERT_EQUAL(wu_count_sections(), 0);
	tmpfile_close(&f);
}

struct flag_case {
	DWORD flags, error;
	const char *reported;
};

/* Creates a section with each case's SEC_* | PAGE_READWRITE: the error, and for named ones the
 * attributes the mount reports. */
static void run_flag_cases(const struct flag_case *cases, size_t n, HANDLE file)
{
	DWORD size = file == INVALID_HANDLE_VALUE ? 0x1000 : 0;
	char text[128];

	for (size_t i = 0; i < n; i++) {
		const char *leaf = wu_uniq("A9");
		DWORD flprotect = cases[i].flags | PAGE_READWRITE;

		SetLastError(0xdeadbeef);
		HANDLE h = CreateFileMappingA(file, NULL, flprotect, 0, size, wu_cat("Global\\", leaf));
		if (cases[i].error) {
			if (h || GetLastError() != cases[i].error)
				fprintf(stderr, "\n    flags 0x%08x: handle %p, error %u", flprotect, h,
					GetLastError());
			CU_ASSERT_PTR_NULL(h);
			ASSERT_ERR(cases[i].error);
		} else {
			if (!h)
				fprintf(stderr, "\n    flags 0x%08x: error %u", flprotect, GetLastError());
			CU_ASSERT_PTR_NOT_NULL(h);
			ASSERT_ERR(ERROR_SUCCESS);
			wu_xattr(wu_mpath("Global", leaf), "user.section.attributes", text, sizeof(text));
			ASSERT_STR(text, cases[i].reported);
		}
		if (h)
			CU_ASSERT_TRUE(CloseHandle(h));
		/* unnamed: the same answer */
		SetLastError(0xdeadbeef);
		h = CreateFileMappingA(file, NULL, flprotect, 0, size, NULL);
		ASSERT_ERR(cases[i].error);
		CU_ASSERT_EQUAL(h != NULL, cases[i].error == 0);
		if (h)
			CU_ASSERT_TRUE(CloseHandle(h));
	}
}

/* Wine's sec_flag_tests, paging-file half. */
static void test_A9_pagefile_sec_flags(void)
{
	static const struct flag_case cases[] = {
		{ 0, 0, "SEC_COMMIT" },
		{ SEC_COMMIT, 0, "SEC_COMMIT" },
		{ SEC_RESERVE, 0, "SEC_RESERVE" },
		{ SEC_COMMIT | SEC_NOCACHE, 0, "SEC_COMMIT|SEC_NOCACHE" },
		{ SEC_COMMIT | SEC_WRITECOMBINE, 0, "SEC_COMMIT|SEC_WRITECOMBINE" },
		{ SEC_RESERVE | SEC_NOCACHE, 0, "SEC_RESERVE|SEC_NOCACHE" },
		{ SEC_RESERVE | SEC_WRITECOMBINE, 0, "SEC_RESERVE|SEC_WRITECOMBINE" },
		{ SEC_RESERVE | SEC_COMMIT, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_NOCACHE, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_WRITECOMBINE, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_LARGE_PAGES, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_COMMIT | SEC_LARGE_PAGES, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_RESERVE | SEC_LARGE_PAGES, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_FILE, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_FILE | SEC_COMMIT, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_FILE | SEC_RESERVE, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_IMAGE | SEC_RESERVE, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_IMAGE | SEC_COMMIT, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_IMAGE, ERROR_BAD_EXE_FORMAT, NULL },
	};

	run_flag_cases(cases, sizeof(cases) / sizeof(cases[0]), INVALID_HANDLE_VALUE);
	CU_ASSERT_EQUAL(wu_count_sections(), 0);
}

/* Wine's sec_flag_tests, file half: COMMIT and RESERVE are reported as SEC_FILE. */
static void test_A9_file_sec_flags(void)
{
	static const struct flag_case cases[] = {
		{ 0, 0, "SEC_FILE" },
		{ SEC_COMMIT, 0, "SEC_FILE" },
		{ SEC_RESERVE, 0, "SEC_FILE" },
		{ SEC_COMMIT | SEC_NOCACHE, 0, "SEC_FILE|SEC_NOCACHE" },
		{ SEC_COMMIT | SEC_WRITECOMBINE, 0, "SEC_FILE|SEC_WRITECOMBINE" },
		{ SEC_RESERVE | SEC_NOCACHE, 0, "SEC_FILE|SEC_NOCACHE" },
		{ SEC_RESERVE | SEC_WRITECOMBINE, 0, "SEC_FILE|SEC_WRITECOMBINE" },
		{ SEC_RESERVE | SEC_COMMIT, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_NOCACHE, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_WRITECOMBINE, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_LARGE_PAGES, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_COMMIT | SEC_LARGE_PAGES, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_RESERVE | SEC_LARGE_PAGES, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_FILE, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_FILE | SEC_COMMIT, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_FILE | SEC_RESERVE, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_IMAGE | SEC_RESERVE, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_IMAGE | SEC_COMMIT, ERROR_INVALID_PARAMETER, NULL },
		{ SEC_IMAGE, ERROR_BAD_EXE_FORMAT, NULL },   /* the file is not a PE image */
	};
	struct tmpfile f;

	CU_ASSERT_TRUE_FATAL(tmpfile_open(&f, 0x2000, GENERIC_READ | GENERIC_WRITE));
	run_flag_cases(cases, sizeof(cases) / sizeof(cases[0]), f.h);
	CU_ASSERT_EQUAL(wu_count_sections(), 0);
	tmpfile_close(&f);
}

static void test_A10_readonly_file_handle(void)
{
	const DWORD accepted[] = { PAGE_READONLY, PAGE_WRITECOPY };
	const DWORD refused[] = { PAGE_READWRITE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE,
				  PAGE_EXECUTE_WRITECOPY };
	const DWORD all[] = ALL_PROTECTIONS;
	const char *leaf = wu_uniq("A10");
	const char *name = wu_cat("Global\\", leaf);
	struct tmpfile f;
	char text[64];

	CU_ASSERT_TRUE_FATAL(tmpfile_open(&f, 0x2000, GENERIC_READ));
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		SetLastError(0xdeadbeef);
		HANDLE h = CreateFileMappingA(f.h, NULL, accepted[i], 0, 0, name);
		CU_ASSERT_PTR_NOT_NULL(h);
		ASSERT_ERR(ERROR_SUCCESS);
		wu_xattr(wu_mpath("Global", leaf), "user.section.protect", text, sizeof(text));
		ASSERT_STR(text, protect_name(accepted[i]));
		if (h)
			CU_ASSERT_TRUE(CloseHandle(h));
		ASSERT_CREATE_NEW(f.h, accepted[i], 0, 0, NULL);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		ASSERT_CREATE_FAILS(ERROR_ACCESS_DENIED, f.h, refused[i], 0, 0, name);
		ASSERT_CREATE_FAILS(ERROR_ACCESS_DENIED, f.h, refused[i], 0, 0, NULL);
	}
	CU_ASSERT_EQUAL(wu_count_sections(), 0);
	tmpfile_close(&f);

	/* a file opened with every access backs every protection */
	CU_ASSERT_TRUE_FATAL(tmpfile_open(&f, 0x2000, GENERIC_ALL));
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		ASSERT_CREATE_NEW(f.h, all[i], 0, 0, name);
		ASSERT_CREATE_NEW(f.h, all[i], 0, 0, NULL);
	}
	tmpfile_close(&f);
}

static void test_A11_new_object_clears_last_error(void)
{
	const char *leaf = wu_uniq("A11");
	const char *name = wu_cat("Local\\", leaf);
	struct tmpfile f;
	HANDLE h, again;

	CU_ASSERT_TRUE_FATAL(tmpfile_open(&f, 0x1000, GENERIC_READ | GENERIC_WRITE));
	ASSERT_CREATE_NEW(INVALID_HANDLE_VALUE, PAGE_READWRITE, 0, 0x1000, NULL);
	ASSERT_CREATE_NEW(INVALID_HANDLE_VALUE, PAGE_READONLY | SEC_RESERVE, 0, 0x1000, name);
	ASSERT_CREATE_NEW(f.h, PAGE_READWRITE, 0, 0, NULL);
	ASSERT_CREATE_NEW(f.h, PAGE_READONLY, 0, 0, name);

	SetLastError(0xdeadbeef);
	h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, u"Global\\A11 wide");
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_ERR(ERROR_SUCCESS);
	/* the second call does not create: ERROR_ALREADY_EXISTS, and a failure in between is
	 * not left over by the next new object */
	SetLastError(0xdeadbeef);
	again = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, u"Global\\A11 wide");
	CU_ASSERT_PTR_NOT_NULL(again);
	ASSERT_ERR(ERROR_ALREADY_EXISTS);
	CU_ASSERT_PTR_NULL(OpenFileMappingA(FILE_MAP_READ, FALSE, wu_cat("Global\\", wu_uniq("none"))));
	ASSERT_ERR(ERROR_FILE_NOT_FOUND);
	ASSERT_CREATE_NEW(INVALID_HANDLE_VALUE, PAGE_READWRITE, 0, 0x1000, name);
	if (again)
		CU_ASSERT_TRUE(CloseHandle(again));
	CU_ASSERT_TRUE(CloseHandle(h));
	tmpfile_close(&f);
}

const char *suite_name = "winapi_create";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_A1_pagefile_size_zero),
	UNIT_TEST(test_A2_pagefile_rounded_to_pages),
	UNIT_TEST(test_A3_empty_file_size_zero),
	UNIT_TEST(test_A4_file_size_zero_is_file_size),
	UNIT_TEST(test_A5_file_grows_to_section_size),
	UNIT_TEST(test_A6_readonly_larger_than_file),
	UNIT_TEST(test_A7_huge_sizes),
	UNIT_TEST(test_A7_pagefile_beyond_memory),
	UNIT_TEST(test_A7_commit_is_taken_from_the_cap),
	UNIT_TEST(test_A8_each_protection_makes_a_section),
	UNIT_TEST(test_A8_invalid_protections),
	UNIT_TEST(test_A9_pagefile_sec_flags),
	UNIT_TEST(test_A9_file_sec_flags),
	UNIT_TEST(test_A10_readonly_file_handle),
	UNIT_TEST(test_A11_new_object_clears_last_error),
	{ 0 },
};
