/* Rules D22-D35: views, their protections and addresses, coherence in one process and across
 * processes, copy-on-write, unmapping, commit state (SEC_COMMIT, SEC_RESERVE), flushing. */
#include <CUnit/CUnit.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cunit_main.h"
#include "winapi_util.h"

void suite_teardown(void)
{
	CU_ASSERT_TRUE(wu_wait_sections(0));
}

/* The perms column of /proc/self/maps for addr ("rw-s"), or "" when unmapped. */
static const char *maps_perms(const void *addr)
{
	static char perms[8];
	unsigned long lo, hi;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");

	perms[0] = '\0';
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 &&
		    (uintptr_t)addr >= lo && (uintptr_t)addr < hi)
			break;
		else
			perms[0] = '\0';
	if (f)
		fclose(f);
	return perms;
}

/* A child that touches addr: returns 0 when it may, dies by SIGSEGV when it may not. */
struct touch {
	volatile char *addr;
	bool write;
};

static int touch_child(void *varg)
{
	struct touch *t = varg;

	wu_expect_fault();
	if (t->write)
		t->addr[0] = 'T';
	else
		(void)t->addr[0];
	return 0;
}

static int touch(void *addr, bool write)
{
	struct touch t = { addr, write };

	return wu_run(touch_child, &t);
}

static void check_query(const void *p, const void *base, DWORD alloc_protect, DWORD state,
			DWORD protect, SIZE_T region)
{
	MEMORY_BASIC_INFORMATION mbi;

	CU_ASSERT_TRUE(wu_query(p, &mbi));
	ASSERT_EQ((uintptr_t)mbi.BaseAddress, (uintptr_t)p & ~(uintptr_t)0xFFF);
	ASSERT_EQ((uintptr_t)mbi.AllocationBase, (uintptr_t)base);
	ASSERT_EQ(mbi.AllocationProtect, alloc_protect);
	ASSERT_EQ(mbi.State, state);
	ASSERT_EQ(mbi.Protect, protect);
	ASSERT_EQ(mbi.Type, MEM_MAPPED);
	ASSERT_EQ(mbi.RegionSize, region);
}

#define ASSERT_MAP_FAILS(err, h, access, high, low, size)                                     \
	do {                                                                                  \
		SetLastError(0xdeadbeef);                                                     \
		void *p_ = MapViewOfFile(h, access, high, low, size);                         \
		CU_ASSERT_PTR_NULL(p_);                                                       \
		ASSERT_ERR(err);                                                              \
		if (p_)                                                                       \
			UnmapViewOfFile(p_);                                                  \
	} while (0)

static HANDLE create_named(DWORD flprotect, DWORD size, const char **leaf_out)
{
	const char *leaf = wu_uniq("view");

	if (leaf_out)
		*leaf_out = leaf;
	return CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, flprotect, 0, size, wu_cat("Global\\", leaf));
}

/* ---- D22 ---- */

static void test_D22_access_gives_the_view_protection(void)
{
	static const struct { DWORD access, protect; const char *perms; } cases[] = {
		{ FILE_MAP_READ, PAGE_READONLY, "r--s" },
		{ FILE_MAP_WRITE, PAGE_READWRITE, "rw-s" },
		{ FILE_MAP_READ | FILE_MAP_WRITE, PAGE_READWRITE, "rw-s" },
		{ FILE_MAP_ALL_ACCESS, PAGE_READWRITE, "rw-s" },
		{ FILE_MAP_COPY, PAGE_WRITECOPY, "rw-p" },
		{ FILE_MAP_READ | FILE_MAP_COPY, PAGE_READONLY, "r--s" },
		{ FILE_MAP_READ | FILE_MAP_EXECUTE, PAGE_EXECUTE_READ, "r-xs" },
		{ FILE_MAP_WRITE | FILE_MAP_EXECUTE, PAGE_EXECUTE_READWRITE, "rwxs" },
		{ FILE_MAP_ALL_ACCESS | FILE_MAP_EXECUTE, PAGE_EXECUTE_READWRITE, "rwxs" },
		{ FILE_MAP_COPY | FILE_MAP_EXECUTE, PAGE_EXECUTE_WRITECOPY, "rwxp" },
	};
	HANDLE h = create_named(PAGE_EXECUTE_READWRITE, 0x20000, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = MapViewOfFile(h, cases[i].access, 0, 0, 0);
		if (!p)
			fprintf(stderr, "\n    access 0x%x: error %u", cases[i].access, GetLastError());
		CU_ASSERT_PTR_NOT_NULL(p);
		if (!p)
			continue;
		ASSERT_EQ((uintptr_t)p % 0x10000, 0);
		check_query(p, p, cases[i].protect, MEM_COMMIT, cases[i].protect, 0x20000);
		check_query(p + 0x1fff0, p, cases[i].protect, MEM_COMMIT, cases[i].protect, 0x1000);
		ASSERT_STR(maps_perms(p), cases[i].perms);
		CU_ASSERT_TRUE(UnmapViewOfFile(p));
	}

	/* the protection is enforced: a read-only view cannot be written */
	char *r = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	ASSERT_EQ(touch(r, false), 0);
	ASSERT_EQ(touch(r, true), 128 + SIGSEGV);
	CU_ASSERT_TRUE(UnmapViewOfFile(r));
	CU_ASSERT_TRUE(CloseHandle(h));
}

/* ---- D23 ---- */

static void test_D23_views_the_section_cannot_give(void)
{
	static const struct { DWORD protect, access, error; } cases[] = {
		{ PAGE_READONLY, FILE_MAP_WRITE, ERROR_ACCESS_DENIED },
		{ PAGE_READONLY, FILE_MAP_ALL_ACCESS, ERROR_ACCESS_DENIED },
		{ PAGE_READONLY, FILE_MAP_READ | FILE_MAP_EXECUTE, ERROR_ACCESS_DENIED },
		{ PAGE_READONLY, FILE_MAP_READ, 0 },
		{ PAGE_READONLY, FILE_MAP_COPY, 0 },
		{ PAGE_WRITECOPY, FILE_MAP_WRITE, ERROR_ACCESS_DENIED },
		{ PAGE_WRITECOPY, FILE_MAP_READ | FILE_MAP_WRITE, ERROR_ACCESS_DENIED },
		{ PAGE_WRITECOPY, FILE_MAP_COPY | FILE_MAP_EXECUTE, ERROR_ACCESS_DENIED },
		{ PAGE_WRITECOPY, FILE_MAP_READ, 0 },
		{ PAGE_WRITECOPY, FILE_MAP_COPY, 0 },
		{ PAGE_READWRITE, FILE_MAP_READ | FILE_MAP_EXECUTE, ERROR_ACCESS_DENIED },
		{ PAGE_READWRITE, FILE_MAP_WRITE | FILE_MAP_EXECUTE, ERROR_ACCESS_DENIED },
		{ PAGE_READWRITE, FILE_MAP_COPY, 0 },
		{ PAGE_READWRITE, FILE_MAP_WRITE, 0 },
		{ PAGE_EXECUTE_READ, FILE_MAP_WRITE, ERROR_ACCESS_DENIED },
		{ PAGE_EXECUTE_READ, FILE_MAP_READ | FILE_MAP_EXECUTE, 0 },
		{ PAGE_EXECUTE_READ, FILE_MAP_COPY, 0 },
		{ PAGE_EXECUTE_WRITECOPY, FILE_MAP_WRITE, ERROR_ACCESS_DENIED },
		{ PAGE_EXECUTE_WRITECOPY, FILE_MAP_COPY | FILE_MAP_EXECUTE, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		HANDLE h = create_named(cases[i].protect, 0x10000, NULL);
		CU_ASSERT_PTR_NOT_NULL(h);
		if (!h)
			continue;
		SetLastError(0xdeadbeef);
		char *p = MapViewOfFile(h, cases[i].access, 0, 0, 0);
		if ((p != NULL) != (cases[i].error == 0) || (!p && GetLastError() != cases[i].error))
			fprintf(stderr, "\n    section 0x%x, access 0x%x: %p, error %u", cases[i].protect,
				cases[i].access, p, GetLastError());
		if (cases[i].error) {
			CU_ASSERT_PTR_NULL(p);
			ASSERT_ERR(cases[i].error);
		} else {
			CU_ASSERT_PTR_NOT_NULL(p);
		}
		if (p && (cases[i].access & FILE_MAP_COPY) && !(cases[i].access & FILE_MAP_READ)) {
			char *q = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
			p[0] = 'c';                               /* copy-on-write: private */
			CU_ASSERT_PTR_NOT_NULL(q);
			if (q) {
				ASSERT_EQ(q[0], 0);
				CU_ASSERT_TRUE(UnmapViewOfFile(q));
			}
		}
		if (p)
			CU_ASSERT_TRUE(UnmapViewOfFile(p));
		CU_ASSERT_TRUE(CloseHandle(h));
	}
}

/* ---- D24 ---- */

static int d24_child(void *varg)
{
	const char *name = varg;
	HANDLE r = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
	char *p;

	CHILD_CHECK(r != NULL);
	SetLastError(0xdeadbeef);
	CHILD_CHECK(MapViewOfFile(r, FILE_MAP_WRITE, 0, 0, 0) == NULL);
	CHILD_CHECK(GetLastError() == ERROR_ACCESS_DENIED);
	p = MapViewOfFile(r, FILE_MAP_READ, 0, 0, 0);
	CHILD_CHECK(p != NULL && !strcmp(p, "d24"));
	CHILD_CHECK(UnmapViewOfFile(p) && CloseHandle(r));
	return 0;
}

static void test_D24_handle_access_is_checked(void)
{
	const char *leaf;
	HANDLE h = create_named(PAGE_READWRITE, 0x10000, &leaf), r, d, w, dd;
	const char *name = wu_cat("Global\\", leaf);
	char *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	strcpy(p, "d24");
	CU_ASSERT_TRUE(UnmapViewOfFile(p));

	/* opened with FILE_MAP_READ */
	r = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	ASSERT_MAP_FAILS(ERROR_ACCESS_DENIED, r, FILE_MAP_WRITE, 0, 0, 0);
	ASSERT_MAP_FAILS(ERROR_ACCESS_DENIED, r, FILE_MAP_ALL_ACCESS, 0, 0, 0);
	p = MapViewOfFile(r, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p)
		CU_ASSERT_TRUE(UnmapViewOfFile(p));
	/* a duplicate with the same access is no better */
	CU_ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), r, GetCurrentProcess(), &dd, 0, FALSE,
				       DUPLICATE_SAME_ACCESS));
	ASSERT_MAP_FAILS(ERROR_ACCESS_DENIED, dd, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_TRUE(CloseHandle(dd));

	/* duplicated with FILE_MAP_READ from an all-access handle */
	CU_ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &d, FILE_MAP_READ,
				       FALSE, 0));
	ASSERT_MAP_FAILS(ERROR_ACCESS_DENIED, d, FILE_MAP_WRITE, 0, 0, 0);
	p = MapViewOfFile(d, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p)
		CU_ASSERT_TRUE(UnmapViewOfFile(p));

	/* FILE_MAP_WRITE access does not include read */
	w = OpenFileMappingA(FILE_MAP_WRITE, FALSE, name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	ASSERT_MAP_FAILS(ERROR_ACCESS_DENIED, w, FILE_MAP_READ, 0, 0, 0);
	p = MapViewOfFile(w, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p)
		CU_ASSERT_TRUE(UnmapViewOfFile(p));

	/* in another process */
	ASSERT_CHILD_OK(wu_run(d24_child, (void *)name));
	CU_ASSERT_TRUE(CloseHandle(w));
	CU_ASSERT_TRUE(CloseHandle(d));
	CU_ASSERT_TRUE(CloseHandle(r));
	CU_ASSERT_TRUE(CloseHandle(h));
}

/* ---- D25-D27 ---- */

static void test_D25_size_zero_maps_to_the_end(void)
{
	HANDLE h = create_named(PAGE_READWRITE, 0x35000, NULL);
	char *all, *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	all = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(all);
	check_query(all, all, PAGE_READWRITE, MEM_COMMIT, PAGE_READWRITE, 0x35000);
	wu_fill_pattern(all, 0x35000, 0, 9);
	p = MapViewOfFile(h, FILE_MAP_READ, 0, 0x10000, 0);
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p) {
		check_query(p, p, PAGE_READONLY, MEM_COMMIT, PAGE_READONLY, 0x25000);
		CU_ASSERT_TRUE(wu_check_pattern(p, 0x25000, 0x10000, 9));
		CU_ASSERT_TRUE(UnmapViewOfFile(p));
	}
	p = MapViewOfFile(h, FILE_MAP_READ, 0, 0x30000, 0);
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p) {
		check_query(p, p, PAGE_READONLY, MEM_COMMIT, PAGE_READONLY, 0x5000);
		CU_ASSERT_TRUE(wu_check_pattern(p, 0x5000, 0x30000, 9));
		CU_ASSERT_TRUE(UnmapViewOfFile(p));
	}
	CU_ASSERT_TRUE(UnmapViewOfFile(all));
	CU_ASSERT_TRUE(CloseHandle(h));
}

/* winmap plans a view with the size it knew when the handle was made, so as not to ask the
 * daemon at every MapViewOfFile; a section made larger since through the mount (a file there like
 * any other) must be mapped at its new size all the same: to the end (D25) and past the old one
 * (D26). */
static void test_D25_views_see_a_size_changed_through_the_mount(void)
{
	const char *leaf;
	HANDLE h = create_named(PAGE_READWRITE, 0x10000, &leaf);
	int fd;
	char *all, *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	fd = open(wu_mpath("Global", leaf), O_RDWR);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(ftruncate(fd, 0x30000), 0);
	all = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(all);
	check_query(all, all, PAGE_READWRITE, MEM_COMMIT, PAGE_READWRITE, 0x30000);
	all[0x2ffff] = 'e';
	CU_ASSERT_EQUAL_FATAL(ftruncate(fd, 0x50000), 0);
	p = MapViewOfFile(h, FILE_MAP_READ, 0, 0x40000, 0);   /* past the size winmap last saw */
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p) {
		check_query(p, p, PAGE_READONLY, MEM_COMMIT, PAGE_READONLY, 0x10000);
		CU_ASSERT_TRUE(UnmapViewOfFile(p));
	}
	CU_ASSERT_TRUE(UnmapViewOfFile(all));
	close(fd);
	CU_ASSERT_TRUE(CloseHandle(h));
}

static void test_D26_size_past_the_end(void)
{
	char path[128];
	HANDLE f, h, p_h;
	char *p;

	/* Wine's case: a 0x3452-byte file section */
	wu_tmp_path(path, sizeof(path), "D26");
	CU_ASSERT_TRUE_FATAL(wu_make_file(path, 0x3452, 4));
	f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
	CU_ASSERT_FATAL(f != INVALID_HANDLE_VALUE);
	h = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, wu_cat("Global\\", wu_uniq("D26")));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0x3452);
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p) {
		CU_ASSERT_TRUE(wu_check_pattern(p, 0x3452, 0, 4));
		CU_ASSERT_TRUE(UnmapViewOfFile(p));
	}
	ASSERT_MAP_FAILS(ERROR_ACCESS_DENIED, h, FILE_MAP_READ, 0, 0, 0x3453);
	ASSERT_MAP_FAILS(ERROR_ACCESS_DENIED, h, FILE_MAP_WRITE, 0, 0, 0x4000);
	ASSERT_MAP_FAILS(ERROR_INVALID_PARAMETER, h, FILE_MAP_READ, 0, 0x10000, 0);
	ASSERT_MAP_FAILS(ERROR_INVALID_PARAMETER, h, FILE_MAP_READ, 0, 0x10000, 0x100);
	CU_ASSERT_TRUE(CloseHandle(h));
	CU_ASSERT_TRUE(CloseHandle(f));
	unlink(path);

	/* a paging-file section */
	p_h = create_named(PAGE_READWRITE, 0x20000, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p_h);
	ASSERT_MAP_FAILS(ERROR_ACCESS_DENIED, p_h, FILE_MAP_READ, 0, 0x10000, 0x10001);
	ASSERT_MAP_FAILS(ERROR_ACCESS_DENIED, p_h, FILE_MAP_READ, 0, 0, 0x20001);
	ASSERT_MAP_FAILS(ERROR_INVALID_PARAMETER, p_h, FILE_MAP_READ, 0, 0x20000, 0);   /* at the end */
	ASSERT_MAP_FAILS(ERROR_INVALID_PARAMETER, p_h, FILE_MAP_READ, 0, 0x30000, 0x1000);
	ASSERT_MAP_FAILS(ERROR_INVALID_PARAMETER, p_h, FILE_MAP_READ, 1, 0, 0);
	p = MapViewOfFile(p_h, FILE_MAP_READ, 0, 0x10000, 0x10000);
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p)
		CU_ASSERT_TRUE(UnmapViewOfFile(p));
	CU_ASSERT_TRUE(CloseHandle(p_h));
}

static void test_D27_offset_alignment(void)
{
	const DWORD offsets[] = { 0x1000, 0x8000, 0xFFFF, 0x10001, 0x11000, 0x1F000 };
	HANDLE h = create_named(PAGE_READWRITE, 0x30000, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		ASSERT_MAP_FAILS(ERROR_MAPPED_ALIGNMENT, h, FILE_MAP_READ, 0, offsets[i], 0x1000);
		ASSERT_MAP_FAILS(ERROR_MAPPED_ALIGNMENT, h, FILE_MAP_WRITE, 0, offsets[i], 0);
	}
	CU_ASSERT_TRUE(CloseHandle(h));
}

/* ---- D28 ---- */

static void test_D28_map_at_an_address(void)
{
	HANDLE h = create_named(PAGE_READWRITE, 0x40000, NULL);
	char *p, *again, *views[24];
	void *anon, *aligned;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0x20000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ASSERT_EQ((uintptr_t)p % 0x10000, 0);

	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(MapViewOfFileEx(h, FILE_MAP_READ, 0, 0, 0x10000, p));
	ASSERT_ERR(ERROR_INVALID_ADDRESS);                     /* in use by a view */
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(MapViewOfFileEx(h, FILE_MAP_READ, 0, 0, 0x10000, p + 0x10000));
	ASSERT_ERR(ERROR_INVALID_ADDRESS);
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(MapViewOfFileEx(h, FILE_MAP_READ, 0, 0, 0x10000, p + 0x1000));
	ASSERT_ERR(ERROR_MAPPED_ALIGNMENT);                    /* not a multiple of 64 KiB */
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(MapViewOfFileEx(h, FILE_MAP_READ, 0, 0, 0x10000, p + 0x8000 + 0x40000));
	ASSERT_ERR(ERROR_MAPPED_ALIGNMENT);

	/* a free, aligned address is taken as given */
	CU_ASSERT_TRUE(UnmapViewOfFile(p));
	again = MapViewOfFileEx(h, FILE_MAP_WRITE, 0, 0x10000, 0x10000, p);
	CU_ASSERT_PTR_EQUAL(again, p);
	if (again) {
		check_query(again, again, PAGE_READWRITE, MEM_COMMIT, PAGE_READWRITE, 0x10000);
		CU_ASSERT_TRUE(UnmapViewOfFile(again));
	}

	/* in use by something that is not a view */
	anon = mmap(NULL, 0x30000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(anon != MAP_FAILED);
	aligned = (void *)(((uintptr_t)anon + 0xFFFF) & ~(uintptr_t)0xFFFF);
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(MapViewOfFileEx(h, FILE_MAP_READ, 0, 0, 0x10000, aligned));
	ASSERT_ERR(ERROR_INVALID_ADDRESS);
	munmap(anon, 0x30000);

	/* addresses the system picks are 64K-aligned */
	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		views[i] = MapViewOfFile(h, i % 2 ? FILE_MAP_READ : FILE_MAP_WRITE, 0,
					 (DWORD)(i % 4) * 0x10000, 0x1000 * (i % 7 + 1));
		CU_ASSERT_PTR_NOT_NULL(views[i]);
		ASSERT_EQ((uintptr_t)views[i] % 0x10000, 0);
	}
	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++)
		if (views[i])
			CU_ASSERT_TRUE(UnmapViewOfFile(views[i]));
	CU_ASSERT_TRUE(CloseHandle(h));
}

/* ---- D29 ---- */

static void test_D29_views_in_one_process_are_coherent(void)
{
	const char *leaf;
	HANDLE h = create_named(PAGE_READWRITE, 0x30000, &leaf), h2;
	char *v1, *v2, *v3;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	h2 = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, wu_cat("Global\\", leaf));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h2);
	v1 = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	v2 = MapViewOfFile(h, FILE_MAP_READ, 0, 0x10000, 0x10000);
	v3 = MapViewOfFile(h2, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_FATAL(v1 && v2 && v3);
	for (int i = 0; i < 1000; i++) {
		size_t at = (size_t)i * 61 % 0x10000;
		v1[0x10000 + at] = (char)i;
		ASSERT_EQ((unsigned char)v2[at], (unsigned char)i);
		ASSERT_EQ((unsigned char)v3[0x10000 + at], (unsigned char)i);
		v3[0x20000 + at] = (char)(i + 1);
		ASSERT_EQ((unsigned char)v1[0x20000 + at], (unsigned char)(i + 1));
	}
	CU_ASSERT_TRUE(UnmapViewOfFile(v1) && UnmapViewOfFile(v2) && UnmapViewOfFile(v3));
	CU_ASSERT_TRUE(CloseHandle(h2));
	CU_ASSERT_TRUE(CloseHandle(h));
}

struct pingpong {
	const char *name;
	struct wu_pipe to_parent, to_child;
};

#define PP_ROUNDS 200
#define PP_BIG 0x40000

static int d29_child(void *varg)
{
	struct pingpong *a = varg;
	HANDLE h;
	volatile uint32_t *slots;
	char *p;

	CHILD_CHECK(wu_await(&a->to_child));
	h = OpenFileMappingA(FILE_MAP_WRITE, FALSE, a->name);
	CHILD_CHECK(h != NULL);
	p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CHILD_CHECK(p != NULL);
	slots = (volatile uint32_t *)p;
	for (uint32_t i = 0; i < PP_ROUNDS; i++) {
		CHILD_CHECK(wu_await(&a->to_child));
		CHILD_CHECK(slots[0] == i);                     /* the parent's store, unflushed */
		slots[1] = i * 3 + 1;
		CHILD_CHECK(wu_signal(&a->to_parent));
	}
	wu_fill_pattern(p + 0x10000, PP_BIG, 0, 5);
	CHILD_CHECK(wu_signal(&a->to_parent));
	CHILD_CHECK(wu_await(&a->to_child));
	CHILD_CHECK(UnmapViewOfFile(p));
	CHILD_CHECK(CloseHandle(h));
	return 0;
}

static void test_D29_views_across_processes_are_coherent(void)
{
	const char *leaf = wu_uniq("D29");
	struct pingpong a = { .name = wu_cat("Global\\", leaf) };
	volatile uint32_t *slots;
	HANDLE h;
	char *p;
	pid_t pid;

	CU_ASSERT_TRUE_FATAL(wu_pipe_open(&a.to_parent) && wu_pipe_open(&a.to_child));
	pid = wu_spawn(d29_child, &a);
	h = wu_create(a.name, 0x10000 + PP_BIG);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	slots = (volatile uint32_t *)p;
	wu_signal(&a.to_child);
	unsigned bad = 0;
	for (uint32_t i = 0; i < PP_ROUNDS; i++) {
		slots[0] = i;
		if (!wu_signal(&a.to_child) || !wu_await(&a.to_parent)) {
			bad++;
			break;
		}
		if (slots[1] != i * 3 + 1)
			bad++;
	}
	ASSERT_EQ(bad, 0);
	CU_ASSERT_TRUE(wu_await(&a.to_parent));
	CU_ASSERT_TRUE(wu_check_pattern(p + 0x10000, PP_BIG, 0, 5));
	wu_signal(&a.to_child);
	ASSERT_CHILD_OK(wu_wait(pid));
	CU_ASSERT_TRUE(UnmapViewOfFile(p));
	CU_ASSERT_TRUE(CloseHandle(h));
	wu_pipe_close(&a.to_parent);
	wu_pipe_close(&a.to_child);
}

/* ---- D30 ---- */

static int d30_child(void *varg)
{
	const char *name = varg;
	HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
	char *p;

	CHILD_CHECK(h != NULL);
	p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	CHILD_CHECK(p != NULL);
	CHILD_CHECK(!strcmp(p, "shared data"));                /* not the copy view's write */
	CHILD_CHECK(!strcmp(p + 0x2000, "through COPY|WRITE"));
	CHILD_CHECK(UnmapViewOfFile(p) && CloseHandle(h));
	return 0;
}

static void test_D30_copy_views_are_private(void)
{
	const char *leaf;
	HANDLE h = create_named(PAGE_READWRITE, 0x10000, &leaf);
	char *shared, *copy, *copy2, *cw, buf[32] = "";

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	shared = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	copy = MapViewOfFile(h, FILE_MAP_COPY, 0, 0, 0);
	copy2 = MapViewOfFile(h, FILE_MAP_COPY, 0, 0, 0);
	cw = MapViewOfFile(h, FILE_MAP_COPY | FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_FATAL(shared && copy && copy2 && cw);
	strcpy(shared, "shared data");
	ASSERT_STR(copy, "shared data");
	strcpy(copy, "private data");
	ASSERT_STR(copy, "private data");
	ASSERT_STR(shared, "shared data");                     /* other views never see it */
	ASSERT_STR(copy2, "shared data");
	ASSERT_STR(cw, "shared data");
	CU_ASSERT_TRUE(wu_read_file(wu_mpath("Global", leaf), buf, sizeof(buf) - 1, 0) > 0);
	ASSERT_STR(buf, "shared data");                        /* nor does the section's file */

	/* COPY|WRITE is an ordinary shared view */
	check_query(cw, cw, PAGE_READWRITE, MEM_COMMIT, PAGE_READWRITE, 0x10000);
	strcpy(cw + 0x2000, "through COPY|WRITE");
	ASSERT_STR(shared + 0x2000, "through COPY|WRITE");
	ASSERT_CHILD_OK(wu_run(d30_child, (void *)wu_cat("Global\\", leaf)));
	ASSERT_STR(copy, "private data");
	CU_ASSERT_TRUE(UnmapViewOfFile(shared) && UnmapViewOfFile(copy) && UnmapViewOfFile(copy2) &&
		       UnmapViewOfFile(cw));
	CU_ASSERT_TRUE(CloseHandle(h));
}

static void test_D30_copy_view_of_a_file(void)
{
	char path[128], buf[64];
	HANDLE f, h;
	char *copy, *shared;

	wu_tmp_path(path, sizeof(path), "D30");
	CU_ASSERT_TRUE_FATAL(wu_make_file(path, 0x8000, 6));
	f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
	CU_ASSERT_FATAL(f != INVALID_HANDLE_VALUE);
	h = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, wu_cat("Global\\", wu_uniq("D30f")));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	copy = MapViewOfFile(h, FILE_MAP_COPY, 0, 0, 0);
	shared = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_FATAL(copy && shared);
	check_query(copy, copy, PAGE_WRITECOPY, MEM_COMMIT, PAGE_WRITECOPY, 0x8000);
	memset(copy + 0x100, 'P', 64);
	CU_ASSERT_TRUE(FlushViewOfFile(copy, 0));
	CU_ASSERT_TRUE(wu_check_pattern(shared + 0x100, 64, 0x100, 6));
	ASSERT_EQ(wu_read_file(path, buf, sizeof(buf), 0x100), sizeof(buf));
	CU_ASSERT_TRUE(wu_check_pattern(buf, sizeof(buf), 0x100, 6));   /* the file never sees it */
	CU_ASSERT_TRUE(UnmapViewOfFile(copy) && UnmapViewOfFile(shared));
	CU_ASSERT_TRUE(CloseHandle(h));
	ASSERT_EQ(wu_read_file(path, buf, sizeof(buf), 0x100), sizeof(buf));
	CU_ASSERT_TRUE(wu_check_pattern(buf, sizeof(buf), 0x100, 6));
	CU_ASSERT_TRUE(CloseHandle(f));
	unlink(path);
}

/* ---- D31 ---- */

static void test_D31_unmap_at_any_address_in_a_view(void)
{
	const char *leaf;
	HANDLE h = create_named(PAGE_READWRITE, 0x30000, &leaf);
	MEMORY_BASIC_INFORMATION mbi;
	char *p, local = 0, *heap = malloc(64);
	void *private_mem;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0x3000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ASSERT_EQ(wu_xattr_num(wu_mpath("Global", leaf), "user.section.views"), 1);
	CU_ASSERT_TRUE(UnmapViewOfFile(p + 0x1005));            /* inside, not the base */
	ASSERT_EQ(wu_xattr_num(wu_mpath("Global", leaf), "user.section.views"), 0);
	CU_ASSERT_TRUE(wu_query(p, &mbi));
	ASSERT_EQ(mbi.State, MEM_FREE);                         /* the whole view went */
	CU_ASSERT_TRUE(wu_query(p + 0x2000, &mbi));
	ASSERT_EQ(mbi.State, MEM_FREE);
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(UnmapViewOfFile(p));
	ASSERT_ERR(ERROR_INVALID_ADDRESS);

	/* addresses that are in no view */
	const void *outside[] = { NULL, &local, heap, (void *)0x10000 };
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		SetLastError(0xdeadbeef);
		CU_ASSERT_FALSE(UnmapViewOfFile(outside[i]));
		ASSERT_ERR(ERROR_INVALID_ADDRESS);
	}
	private_mem = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	CU_ASSERT_PTR_NOT_NULL(private_mem);
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(UnmapViewOfFile(private_mem));
	ASSERT_ERR(ERROR_INVALID_ADDRESS);
	if (private_mem)
		CU_ASSERT_TRUE(VirtualFree(private_mem, 0, MEM_RELEASE));
	/* the last byte of a view is in it */
	p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0x10000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_TRUE(UnmapViewOfFile(p + 0xFFFF));
	ASSERT_EQ(wu_xattr_num(wu_mpath("Global", leaf), "user.section.views"), 0);
	free(heap);
	CU_ASSERT_TRUE(CloseHandle(h));
}

/* ---- D32-D34 ---- */

static void test_D32_sec_commit_views_cannot_be_decommitted(void)
{
	const DWORD flags[] = { 0, SEC_COMMIT };

	for (size_t i = 0; i < 2; i++) {
		HANDLE h = create_named(PAGE_READWRITE | flags[i], 0x20000, NULL);
		char *p;

		CU_ASSERT_PTR_NOT_NULL_FATAL(h);
		p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		check_query(p, p, PAGE_READWRITE, MEM_COMMIT, PAGE_READWRITE, 0x20000);
		SetLastError(0xdeadbeef);
		CU_ASSERT_FALSE(VirtualFree(p, 0x1000, MEM_DECOMMIT));
		ASSERT_ERR(ERROR_INVALID_PARAMETER);
		SetLastError(0xdeadbeef);
		CU_ASSERT_FALSE(VirtualFree(p + 0x10000, 0, MEM_DECOMMIT));
		ASSERT_ERR(ERROR_INVALID_PARAMETER);
		check_query(p, p, PAGE_READWRITE, MEM_COMMIT, PAGE_READWRITE, 0x20000);
		p[0] = 1;                                       /* still usable */
		CU_ASSERT_TRUE(UnmapViewOfFile(p));
		CU_ASSERT_TRUE(CloseHandle(h));
	}
}

struct reserve_arg {
	const char *name;
	struct wu_pipe to_parent, to_child;
};

/* Another process's view of the SEC_RESERVE section sees the parent's commit. */
static int d33_child(void *varg)
{
	struct reserve_arg *a = varg;
	MEMORY_BASIC_INFORMATION mbi;
	HANDLE h;
	char *p;

	CHILD_CHECK(wu_await(&a->to_child));
	h = OpenFileMappingA(FILE_MAP_WRITE | FILE_MAP_READ, FALSE, a->name);
	CHILD_CHECK(h != NULL);
	p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CHILD_CHECK(p != NULL);
	CHILD_CHECK(VirtualQuery(p + 0x10000, &mbi, sizeof(mbi)) == sizeof(mbi));
	CHILD_CHECK(mbi.State == MEM_COMMIT && mbi.Protect == PAGE_READWRITE && mbi.RegionSize == 0x2000);
	CHILD_CHECK(VirtualQuery(p, &mbi, sizeof(mbi)) == sizeof(mbi));
	CHILD_CHECK(mbi.State == MEM_RESERVE && mbi.Protect == 0 && mbi.RegionSize == 0x10000);
	CHILD_CHECK(p[0x10000] == 'a' && p[0x10001] == 'b');
	p[0x10002] = 'c';
	/* commits of its own reach the parent's views */
	CHILD_CHECK(VirtualAlloc(p + 0x30000, 0x1000, MEM_COMMIT, PAGE_READWRITE) == p + 0x30000);
	p[0x30000] = 'd';
	CHILD_CHECK(wu_signal(&a->to_parent));
	CHILD_CHECK(wu_await(&a->to_child));
	CHILD_CHECK(UnmapViewOfFile(p) && CloseHandle(h));
	return 0;
}

static void test_D33_sec_reserve_commits_for_the_section(void)
{
	const char *leaf = wu_uniq("D33");
	struct reserve_arg a = { .name = wu_cat("Global\\", leaf) };
	HANDLE h;
	char *v1, *v2, *v3;
	pid_t pid;

	CU_ASSERT_TRUE_FATAL(wu_pipe_open(&a.to_parent) && wu_pipe_open(&a.to_child));
	pid = wu_spawn(d33_child, &a);
	h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0, 0x40000, a.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	v1 = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	v2 = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	v3 = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_FATAL(v1 && v2 && v3);

	/* reserved: no access */
	check_query(v1, v1, PAGE_READWRITE, MEM_RESERVE, 0, 0x40000);
	check_query(v3, v3, PAGE_READONLY, MEM_RESERVE, 0, 0x40000);
	ASSERT_EQ(touch(v1, false), 128 + SIGSEGV);

	/* committed in one view: for the section */
	CU_ASSERT_PTR_EQUAL(VirtualAlloc(v1 + 0x10000, 0x2000, MEM_COMMIT, PAGE_READWRITE), v1 + 0x10000);
	check_query(v1, v1, PAGE_READWRITE, MEM_RESERVE, 0, 0x10000);
	check_query(v1 + 0x10000, v1, PAGE_READWRITE, MEM_COMMIT, PAGE_READWRITE, 0x2000);
	check_query(v1 + 0x12000, v1, PAGE_READWRITE, MEM_RESERVE, 0, 0x2E000);
	v1[0x10000] = 'a';
	check_query(v2 + 0x10000, v2, PAGE_READWRITE, MEM_COMMIT, PAGE_READWRITE, 0x2000);
	v2[0x10001] = 'b';                                       /* usable in the other view */
	ASSERT_EQ(v1[0x10001], 'b');
	check_query(v3 + 0x10000, v3, PAGE_READONLY, MEM_COMMIT, PAGE_READONLY, 0x2000);
	ASSERT_EQ(v3[0x10000], 'a');
	ASSERT_EQ(touch(v2 + 0x11800, true), 0);                 /* (writes 'T' there) */
	ASSERT_EQ(touch(v2 + 0x12000, false), 128 + SIGSEGV);

	/* and in another process */
	wu_signal(&a.to_child);
	if (wu_await(&a.to_parent)) {
		ASSERT_EQ(v1[0x10002], 'c');
		check_query(v2 + 0x30000, v2, PAGE_READWRITE, MEM_COMMIT, PAGE_READWRITE, 0x1000);
		check_query(v3 + 0x30000, v3, PAGE_READONLY, MEM_COMMIT, PAGE_READONLY, 0x1000);
		MEMORY_BASIC_INFORMATION mbi;
		if (wu_query(v2 + 0x30000, &mbi) && mbi.State == MEM_COMMIT)
			ASSERT_EQ(v2[0x30000], 'd');
	} else {
		CU_FAIL("the child did not answer");
	}

	/* no decommitting a view */
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(VirtualFree(v1 + 0x10000, 0x1000, MEM_DECOMMIT));
	ASSERT_ERR(ERROR_INVALID_PARAMETER);
	check_query(v1 + 0x10000, v1, PAGE_READWRITE, MEM_COMMIT, PAGE_READWRITE, 0x2000);

	wu_signal(&a.to_child);
	ASSERT_CHILD_OK(wu_wait(pid));
	CU_ASSERT_TRUE(UnmapViewOfFile(v1) && UnmapViewOfFile(v2) && UnmapViewOfFile(v3));
	CU_ASSERT_TRUE(CloseHandle(h));
	wu_pipe_close(&a.to_parent);
	wu_pipe_close(&a.to_child);
}

static void test_D34_commit_inside_views(void)
{
	HANDLE h = create_named(PAGE_READWRITE, 0x20000, NULL), f, fh;
	char path[128], *p, *r, *fp;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	r = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_FATAL(p && r);
	/* a paging-file section: a protection that fits the view */
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_EQUAL(VirtualAlloc(p + 0x1000, 0x1000, MEM_COMMIT, PAGE_READWRITE), p + 0x1000);
	CU_ASSERT_PTR_EQUAL(VirtualAlloc(r, 0x2000, MEM_COMMIT, PAGE_READONLY), r);
	p[0x1000] = 'x';
	ASSERT_EQ(r[0x1000], 'x');

	/* a file-backed section: never */
	wu_tmp_path(path, sizeof(path), "D34");
	CU_ASSERT_TRUE_FATAL(wu_make_file(path, 0x20000, 2));
	f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
	CU_ASSERT_FATAL(f != INVALID_HANDLE_VALUE);
	fh = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, wu_cat("Global\\", wu_uniq("D34f")));
	CU_ASSERT_PTR_NOT_NULL_FATAL(fh);
	fp = MapViewOfFile(fh, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(VirtualAlloc(fp, 0x1000, MEM_COMMIT, PAGE_READWRITE));
	ASSERT_ERR(ERROR_ACCESS_DENIED);
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(VirtualAlloc(fp + 0x10000, 0x1000, MEM_COMMIT, PAGE_READONLY));
	ASSERT_ERR(ERROR_ACCESS_DENIED);
	/* an unnamed file-backed section too */
	HANDLE uh = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
	char *up = uh ? MapViewOfFile(uh, FILE_MAP_WRITE, 0, 0, 0) : NULL;
	CU_ASSERT_PTR_NOT_NULL(up);
	if (up) {
		SetLastError(0xdeadbeef);
		CU_ASSERT_PTR_NULL(VirtualAlloc(up, 0x1000, MEM_COMMIT, PAGE_READWRITE));
		ASSERT_ERR(ERROR_ACCESS_DENIED);
		CU_ASSERT_TRUE(UnmapViewOfFile(up));
	}
	if (uh)
		CU_ASSERT_TRUE(CloseHandle(uh));
	CU_ASSERT_TRUE(UnmapViewOfFile(fp));
	CU_ASSERT_TRUE(CloseHandle(fh));
	CU_ASSERT_TRUE(CloseHandle(f));
	unlink(path);
	CU_ASSERT_TRUE(UnmapViewOfFile(p) && UnmapViewOfFile(r));
	CU_ASSERT_TRUE(CloseHandle(h));
}

/* ---- D35 ---- */

static void test_D35_flush_view(void)
{
	HANDLE h = create_named(PAGE_READWRITE, 0x20000, NULL), f, fh;
	char path[128], buf[32], *p, *fp;

	/* the paging file: a successful no-op */
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	strcpy(p, "paging file");
	SetLastError(0xdeadbeef);
	CU_ASSERT_TRUE(FlushViewOfFile(p, 0));
	CU_ASSERT_TRUE(FlushViewOfFile(p + 0x1234, 0));
	CU_ASSERT_TRUE(FlushViewOfFile(p + 0x10000, 0x100));
	ASSERT_STR(p, "paging file");
	CU_ASSERT_TRUE(UnmapViewOfFile(p));
	CU_ASSERT_TRUE(CloseHandle(h));

	/* a file: the writes from addr to the end of the view reach it */
	wu_tmp_path(path, sizeof(path), "D35");
	CU_ASSERT_TRUE_FATAL(wu_make_file(path, 0x30000, 8));
	f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
	CU_ASSERT_FATAL(f != INVALID_HANDLE_VALUE);
	fh = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, wu_cat("Global\\", wu_uniq("D35f")));
	CU_ASSERT_PTR_NOT_NULL_FATAL(fh);
	fp = MapViewOfFile(fh, FILE_MAP_WRITE, 0, 0x10000, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	strcpy(fp + 0x1234, "flushed data");
	strcpy(fp + 0x1ff00, "at the end");
	CU_ASSERT_TRUE(FlushViewOfFile(fp + 0x1000, 0));
	ASSERT_EQ(wu_read_file(path, buf, 13, 0x11234), 13);
	ASSERT_STR(buf, "flushed data");
	ASSERT_EQ(wu_read_file(path, buf, 11, 0x2ff00), 11);
	ASSERT_STR(buf, "at the end");
	CU_ASSERT_TRUE(UnmapViewOfFile(fp));
	CU_ASSERT_TRUE(CloseHandle(fh));
	CU_ASSERT_TRUE(CloseHandle(f));
	unlink(path);
}

/* MEM_RESET names pages of one allocation: a range that runs past its end, or memory in none,
 * is ERROR_INVALID_ADDRESS; inside, the first page comes back (checked against Wine 8.0). */
static void test_mem_reset_stays_within_its_allocation(void)
{
	char *p = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	HANDLE h = create_named(PAGE_READWRITE, 0x3000, NULL);
	char *v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	v[0] = 'v';
	p[0] = 'p';

	CU_ASSERT_PTR_EQUAL(VirtualAlloc(p, 0x10000, MEM_RESET, PAGE_READWRITE), p);
	CU_ASSERT_PTR_EQUAL(VirtualAlloc(p + 10, 100, MEM_RESET, PAGE_READWRITE), p);
	CU_ASSERT_PTR_EQUAL(VirtualAlloc(v, 0x3000, MEM_RESET, PAGE_READWRITE), v);
	static const struct { int view; size_t off, size; } bad[] = {
		{ 0, 0, 0x11000 }, { 0, 0x1000, 0x10000 }, { 1, 0, 0x4000 }, { 1, 0x2000, 0x2000 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *base = bad[i].view ? v : p;
		SetLastError(0xdeadbeef);
		CU_ASSERT_PTR_NULL(VirtualAlloc(base + bad[i].off, bad[i].size, MEM_RESET,
						PAGE_READWRITE));
		ASSERT_ERR(ERROR_INVALID_ADDRESS);
	}
	CU_ASSERT_TRUE(VirtualFree(p, 0, MEM_RELEASE));
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(VirtualAlloc(p, 0x1000, MEM_RESET, PAGE_READWRITE));   /* freed */
	ASSERT_ERR(ERROR_INVALID_ADDRESS);
	CU_ASSERT_EQUAL(v[0], 'v');                            /* a view's data stays shared */
	CU_ASSERT_TRUE(UnmapViewOfFile(v));
	CU_ASSERT_TRUE(CloseHandle(h));
}

/* SEC_NOCACHE shows in VirtualQuery of its views: PAGE_NOCACHE on AllocationProtect and on
 * every committed page (as Wine 8.0 reports it; Linux memory itself stays cached). */
static void test_sec_nocache_is_reported_in_views(void)
{
	static const struct { DWORD flprotect, access, protect; } cases[] = {
		{ PAGE_READWRITE | SEC_COMMIT | SEC_NOCACHE, FILE_MAP_WRITE, PAGE_READWRITE },
		{ PAGE_READWRITE | SEC_COMMIT | SEC_NOCACHE, FILE_MAP_READ, PAGE_READONLY },
		{ PAGE_READWRITE | SEC_COMMIT | SEC_NOCACHE, FILE_MAP_COPY, PAGE_WRITECOPY },
		{ PAGE_READONLY | SEC_COMMIT | SEC_NOCACHE, FILE_MAP_READ, PAGE_READONLY },
		{ PAGE_READWRITE | SEC_COMMIT, FILE_MAP_WRITE, PAGE_READWRITE },   /* no modifier */
	};
	MEMORY_BASIC_INFORMATION mbi;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		HANDLE h = create_named(cases[i].flprotect, 0x2000, NULL);
		DWORD want = cases[i].protect |
			     (cases[i].flprotect & SEC_NOCACHE ? PAGE_NOCACHE : 0);
		char *v;

		CU_ASSERT_PTR_NOT_NULL_FATAL(h);
		v = MapViewOfFile(h, cases[i].access, 0, 0, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		CU_ASSERT_EQUAL(VirtualQuery(v, &mbi, sizeof(mbi)), sizeof(mbi));
		ASSERT_EQ(mbi.AllocationProtect, want);
		ASSERT_EQ(mbi.Protect, want);
		ASSERT_EQ(mbi.State, MEM_COMMIT);
		CU_ASSERT_TRUE(UnmapViewOfFile(v));
		CU_ASSERT_TRUE(CloseHandle(h));
	}

	/* under SEC_RESERVE: reserved pages have none, committed ones have it */
	HANDLE h = create_named(PAGE_READWRITE | SEC_RESERVE | SEC_NOCACHE, 0x10000, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	char *v = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(VirtualQuery(v, &mbi, sizeof(mbi)), sizeof(mbi));
	ASSERT_EQ(mbi.AllocationProtect, PAGE_READONLY | PAGE_NOCACHE);
	ASSERT_EQ(mbi.State, MEM_RESERVE);
	ASSERT_EQ(mbi.Protect, 0);
	CU_ASSERT_PTR_EQUAL(VirtualAlloc(v, 0x1000, MEM_COMMIT, PAGE_READONLY), v);
	CU_ASSERT_EQUAL(VirtualQuery(v, &mbi, sizeof(mbi)), sizeof(mbi));
	ASSERT_EQ(mbi.State, MEM_COMMIT);
	ASSERT_EQ(mbi.Protect, PAGE_READONLY | PAGE_NOCACHE);
	CU_ASSERT_TRUE(UnmapViewOfFile(v));
	CU_ASSERT_TRUE(CloseHandle(h));
}

/* Private VirtualAlloc takes a base protection with PAGE_NOCACHE, PAGE_GUARD or
 * PAGE_WRITECOMBINE; VirtualQuery reports NOCACHE and GUARD back, not WRITECOMBINE; a
 * modifier alone is ERROR_INVALID_PARAMETER (checked against Wine 8.0). */
static void test_private_allocations_take_modifiers(void)
{
	static const struct { DWORD type, protect, reported; } cases[] = {
		{ MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_NOCACHE, 0x204 },
		{ MEM_RESERVE | MEM_COMMIT, PAGE_READONLY | PAGE_NOCACHE, 0x202 },
		{ MEM_RESERVE | MEM_COMMIT, PAGE_NOACCESS | PAGE_NOCACHE, 0x201 },
		{ MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE | PAGE_NOCACHE, 0x240 },
		{ MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD, 0x104 },
		{ MEM_RESERVE | MEM_COMMIT, PAGE_NOACCESS | PAGE_GUARD, 0x101 },
		{ MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_NOCACHE | PAGE_GUARD, 0x304 },
		{ MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_WRITECOMBINE, 0x4 },
		{ MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_NOCACHE | PAGE_WRITECOMBINE, 0x204 },
		{ MEM_RESERVE, PAGE_READWRITE | PAGE_NOCACHE, 0x204 },
	};
	MEMORY_BASIC_INFORMATION mbi;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = VirtualAlloc(NULL, 0x1000, cases[i].type, cases[i].protect);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_EQUAL(VirtualQuery(p, &mbi, sizeof(mbi)), sizeof(mbi));
		ASSERT_EQ(mbi.AllocationProtect, cases[i].reported);
		ASSERT_EQ(mbi.Protect, cases[i].type & MEM_COMMIT ? cases[i].reported : 0);
		CU_ASSERT_TRUE(VirtualFree(p, 0, MEM_RELEASE));
	}
	static const DWORD bad[] = { PAGE_NOCACHE, PAGE_GUARD, PAGE_WRITECOPY | PAGE_NOCACHE,
				     PAGE_READWRITE | 0x800 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		SetLastError(0xdeadbeef);
		CU_ASSERT_PTR_NULL(VirtualAlloc(NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, bad[i]));
		ASSERT_ERR(ERROR_INVALID_PARAMETER);
	}
	/* a commit inside a reservation takes its own modifiers */
	char *p = VirtualAlloc(NULL, 0x10000, MEM_RESERVE, PAGE_READWRITE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_EQUAL(VirtualAlloc(p + 0x1000, 0x1000, MEM_COMMIT,
					 PAGE_READWRITE | PAGE_NOCACHE), p + 0x1000);
	CU_ASSERT_EQUAL(VirtualQuery(p + 0x1000, &mbi, sizeof(mbi)), sizeof(mbi));
	ASSERT_EQ(mbi.Protect, PAGE_READWRITE | PAGE_NOCACHE);
	ASSERT_EQ(mbi.AllocationProtect, PAGE_READWRITE);
	ASSERT_EQ(mbi.RegionSize, 0x1000);
	p[0x1000] = 1;                                    /* usable as its base protection says */
	CU_ASSERT_TRUE(VirtualFree(p, 0, MEM_RELEASE));
}

/* D22: a view asked with no data access (nothing, execute bits alone, or copy with
 * SECTION_MAP_EXECUTE) is a view of PAGE_NOACCESS: it maps, VirtualQuery says so, a touch faults
 * and nothing can be committed in it but PAGE_NOACCESS.  A handle with no map access at all
 * gives no view (ERROR_ACCESS_DENIED).  Checked against Wine 8.0. */
static void test_D22_no_data_access_gives_a_noaccess_view(void)
{
	static const DWORD none[] = { 0, SECTION_MAP_EXECUTE, FILE_MAP_EXECUTE,
				      SECTION_MAP_EXECUTE | FILE_MAP_EXECUTE,
				      FILE_MAP_COPY | SECTION_MAP_EXECUTE,
				      FILE_MAP_COPY | SECTION_MAP_EXECUTE | FILE_MAP_EXECUTE };
	HANDLE h = create_named(PAGE_EXECUTE_READWRITE, 0x10000, NULL), dup;
	MEMORY_BASIC_INFORMATION mbi;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		char *v = MapViewOfFile(h, none[i], 0, 0, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		CU_ASSERT_EQUAL(VirtualQuery(v, &mbi, sizeof(mbi)), sizeof(mbi));
		ASSERT_EQ(mbi.AllocationProtect, PAGE_NOACCESS);
		ASSERT_EQ(mbi.Protect, PAGE_NOACCESS);
		ASSERT_EQ(mbi.State, MEM_COMMIT);
		SetLastError(0xdeadbeef);
		CU_ASSERT_PTR_NULL(VirtualAlloc(v, 0x1000, MEM_COMMIT, PAGE_READWRITE));
		ASSERT_ERR(ERROR_INVALID_PARAMETER);
		if (i == 0)
			ASSERT_EQ(touch(v, false), 128 + SIGSEGV);
		CU_ASSERT_TRUE(UnmapViewOfFile(v));
	}
	/* the handle needs some map access: one duplicated with none has it not */
	CU_ASSERT_TRUE_FATAL(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0,
					     FALSE, 0));
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(MapViewOfFile(dup, 0, 0, 0, 0));
	ASSERT_ERR(ERROR_ACCESS_DENIED);
	CU_ASSERT_TRUE(CloseHandle(dup));
	CU_ASSERT_TRUE_FATAL(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup,
					     SECTION_MAP_READ, FALSE, 0));
	char *v = MapViewOfFile(dup, FILE_MAP_EXECUTE, 0, 0, 0);   /* no execute access needed */
	CU_ASSERT_PTR_NOT_NULL(v);
	if (v)
		CU_ASSERT_TRUE(UnmapViewOfFile(v));
	CU_ASSERT_TRUE(CloseHandle(dup));
	CU_ASSERT_TRUE(CloseHandle(h));
}

/* D34: the protections a commit inside a SEC_RESERVE view may ask depend on the view; the
 * others are ERROR_INVALID_PARAMETER (Wine 8.0's table; core/view.c has it all). */
static void test_D34_commit_protections_in_reserve_views(void)
{
	static const struct { DWORD section, access, commit; bool ok; } cases[] = {
		{ PAGE_READWRITE, FILE_MAP_READ, PAGE_WRITECOPY, true },
		{ PAGE_READWRITE, FILE_MAP_READ, PAGE_NOACCESS, true },
		{ PAGE_READWRITE, FILE_MAP_READ, PAGE_READWRITE, false },
		{ PAGE_READWRITE, FILE_MAP_COPY, PAGE_READWRITE, false },
		{ PAGE_READWRITE, FILE_MAP_COPY, PAGE_READONLY, true },
		{ PAGE_READWRITE, FILE_MAP_WRITE, PAGE_EXECUTE, false },
		{ PAGE_READWRITE, FILE_MAP_WRITE, PAGE_READONLY, true },
		{ PAGE_EXECUTE_READWRITE, FILE_MAP_READ | FILE_MAP_EXECUTE, PAGE_EXECUTE, true },
		{ PAGE_EXECUTE_READWRITE, FILE_MAP_READ | FILE_MAP_EXECUTE, PAGE_EXECUTE_WRITECOPY,
		  true },
		{ PAGE_EXECUTE_READWRITE, FILE_MAP_READ | FILE_MAP_EXECUTE, PAGE_EXECUTE_READWRITE,
		  false },
		{ PAGE_EXECUTE_READWRITE, FILE_MAP_COPY | FILE_MAP_EXECUTE, PAGE_READWRITE, false },
	};
	MEMORY_BASIC_INFORMATION mbi;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		HANDLE h = create_named(cases[i].section | SEC_RESERVE, 0x10000, NULL);
		char *v;

		CU_ASSERT_PTR_NOT_NULL_FATAL(h);
		v = MapViewOfFile(h, cases[i].access, 0, 0, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		SetLastError(0xdeadbeef);
		char *c = VirtualAlloc(v, 0x1000, MEM_COMMIT, cases[i].commit);
		if (cases[i].ok) {
			CU_ASSERT_PTR_EQUAL(c, v);
			CU_ASSERT_EQUAL(VirtualQuery(v, &mbi, sizeof(mbi)), sizeof(mbi));
			ASSERT_EQ(mbi.Protect, cases[i].commit);
		} else {
			CU_ASSERT_PTR_NULL(c);
			ASSERT_ERR(ERROR_INVALID_PARAMETER);
		}
		CU_ASSERT_TRUE(UnmapViewOfFile(v));
		CU_ASSERT_TRUE(CloseHandle(h));
	}
}

/* VirtualQuery answers a region of a big SEC_RESERVE view from one lookup of the section's
 * commit state: runs of reserved and committed pages, commits made through another view
 * included (it used to refresh every page of the view first: 6 ms for 1 GiB). */
static void test_D33_virtualquery_regions_of_a_big_reserve_view(void)
{
	HANDLE h = create_named(PAGE_READWRITE | SEC_RESERVE, 0x4000000, NULL);
	MEMORY_BASIC_INFORMATION mbi;
	char *a, *b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	a = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	b = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_FATAL(a && b);
	CU_ASSERT_PTR_EQUAL(VirtualAlloc(b + 0x100000, 0x10000, MEM_COMMIT, PAGE_READWRITE),
			    b + 0x100000);
	b[0x100000] = 'c';
	CU_ASSERT_EQUAL(VirtualQuery(a + 0x1000, &mbi, sizeof(mbi)), sizeof(mbi));
	ASSERT_EQ(mbi.State, MEM_RESERVE);
	ASSERT_EQ(mbi.RegionSize, 0xFF000);
	CU_ASSERT_EQUAL(VirtualQuery(a + 0x100000, &mbi, sizeof(mbi)), sizeof(mbi));
	ASSERT_EQ(mbi.State, MEM_COMMIT);
	ASSERT_EQ(mbi.Protect, PAGE_READONLY);            /* view a's own protection */
	ASSERT_EQ(mbi.RegionSize, 0x10000);
	ASSERT_EQ(a[0x100000], 'c');                      /* usable at once after the query */
	CU_ASSERT_EQUAL(VirtualQuery(a + 0x110000, &mbi, sizeof(mbi)), sizeof(mbi));
	ASSERT_EQ(mbi.State, MEM_RESERVE);
	ASSERT_EQ(mbi.RegionSize, 0x4000000 - 0x110000);
	CU_ASSERT_TRUE(UnmapViewOfFile(a) && UnmapViewOfFile(b));
	CU_ASSERT_TRUE(CloseHandle(h));
}

/* VirtualProtect on private memory: the old protection back, VirtualQuery per page, Linux
 * enforcing it; NULL for the old one is ERROR_NOACCESS, a reserved page ERROR_INVALID_ADDRESS,
 * a range past the allocation or a protection private memory cannot have
 * ERROR_INVALID_PARAMETER (checked against Wine 8.0). */
static void test_virtualprotect_private_memory(void)
{
	char *p = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	char *r = VirtualAlloc(NULL, 0x10000, MEM_RESERVE, PAGE_READWRITE);
	MEMORY_BASIC_INFORMATION mbi;
	DWORD old = 0;

	CU_ASSERT_FATAL(p && r);
	p[0x1000] = 'k';
	CU_ASSERT_TRUE(VirtualProtect(p + 0x1000, 0x1000, PAGE_READONLY, &old));
	ASSERT_EQ(old, PAGE_READWRITE);
	CU_ASSERT_EQUAL(VirtualQuery(p + 0x1000, &mbi, sizeof(mbi)), sizeof(mbi));
	ASSERT_EQ(mbi.Protect, PAGE_READONLY);
	ASSERT_EQ(mbi.RegionSize, 0x1000);
	ASSERT_EQ(mbi.AllocationProtect, PAGE_READWRITE);
	CU_ASSERT_EQUAL(VirtualQuery(p, &mbi, sizeof(mbi)), sizeof(mbi));
	ASSERT_EQ(mbi.Protect, PAGE_READWRITE);
	ASSERT_EQ(mbi.RegionSize, 0x1000);
	ASSERT_EQ(p[0x1000], 'k');
	ASSERT_EQ(touch(p + 0x1000, true), 128 + SIGSEGV);      /* read-only now */
	ASSERT_EQ(touch(p + 0x1000, false), 0);
	CU_ASSERT_TRUE(VirtualProtectEx(GetCurrentProcess(), p + 0x1000, 1, PAGE_NOACCESS, &old));
	ASSERT_EQ(old, PAGE_READONLY);
	ASSERT_EQ(touch(p + 0x1000, false), 128 + SIGSEGV);
	CU_ASSERT_TRUE(VirtualProtect(p, 0x2000, PAGE_READWRITE, &old));   /* mixed: the first's */
	ASSERT_EQ(old, PAGE_READWRITE);
	ASSERT_EQ(p[0x1000], 'k');

	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(VirtualProtect(p, 0x1000, PAGE_READONLY, NULL));
	ASSERT_ERR(ERROR_NOACCESS);
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(VirtualProtect(r, 0x1000, PAGE_READONLY, &old));
	ASSERT_ERR(ERROR_INVALID_ADDRESS);
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(VirtualProtect(p + 0xF000, 0x2000, PAGE_READONLY, &old));
	ASSERT_ERR(ERROR_INVALID_PARAMETER);
	static const DWORD bad[] = { 0, 3, PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		SetLastError(0xdeadbeef);
		CU_ASSERT_FALSE(VirtualProtect(p, 0x1000, bad[i], &old));
		ASSERT_ERR(ERROR_INVALID_PARAMETER);
	}
	CU_ASSERT_TRUE(VirtualFree(p, 0, MEM_RELEASE) && VirtualFree(r, 0, MEM_RELEASE));
}

/* VirtualProtect in views: what D34's table allows, ERROR_INVALID_PARAMETER for the rest,
 * ERROR_INVALID_ADDRESS for reserved pages. */
static void test_virtualprotect_in_views(void)
{
	HANDLE h = create_named(PAGE_READWRITE | SEC_RESERVE, 0x10000, NULL);
	MEMORY_BASIC_INFORMATION mbi;
	DWORD old = 0;
	char *w, *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	w = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	r = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_FATAL(w && r);
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(VirtualProtect(w, 0x1000, PAGE_READONLY, &old));
	ASSERT_ERR(ERROR_INVALID_ADDRESS);                        /* reserved */
	CU_ASSERT_PTR_EQUAL(VirtualAlloc(w, 0x2000, MEM_COMMIT, PAGE_READWRITE), w);
	w[0] = 'a';
	CU_ASSERT_TRUE(VirtualProtect(w, 0x1000, PAGE_READONLY, &old));
	ASSERT_EQ(old, PAGE_READWRITE);
	ASSERT_EQ(touch(w, true), 128 + SIGSEGV);
	CU_ASSERT_EQUAL(VirtualQuery(w, &mbi, sizeof(mbi)), sizeof(mbi));
	ASSERT_EQ(mbi.Protect, PAGE_READONLY);
	ASSERT_EQ(mbi.RegionSize, 0x1000);
	CU_ASSERT_TRUE(VirtualProtect(w, 0x1000, PAGE_READWRITE, &old));
	ASSERT_EQ(old, PAGE_READONLY);
	w[0] = 'b';
	/* the read view's pages are committed too (by w): more than it has is refused */
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(VirtualProtect(r, 0x1000, PAGE_READWRITE, &old));
	ASSERT_ERR(ERROR_INVALID_PARAMETER);
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(VirtualProtect(w, 0x1000, PAGE_EXECUTE_READ, &old));
	ASSERT_ERR(ERROR_INVALID_PARAMETER);
	CU_ASSERT_TRUE(VirtualProtect(r, 0x1000, PAGE_NOACCESS, &old));
	ASSERT_EQ(old, PAGE_READONLY);
	ASSERT_EQ(touch(r, false), 128 + SIGSEGV);
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(VirtualProtect(w + 0xF000, 0x2000, PAGE_READONLY, &old));
	ASSERT_ERR(ERROR_INVALID_PARAMETER);                      /* past the view */
	CU_ASSERT_TRUE(UnmapViewOfFile(w) && UnmapViewOfFile(r));
	CU_ASSERT_TRUE(CloseHandle(h));
}

/* PAGE_WRITECOPY on pages of a shared view: they show the section until written; what is
 * written then is this view's own, and the section and its other views keep theirs. */
static void test_virtualprotect_writecopy_makes_writes_private(void)
{
	HANDLE h = create_named(PAGE_READWRITE, 0x10000, NULL);
	DWORD old = 0;
	char *a, *b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	a = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	b = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_FATAL(a && b);
	a[0] = 'x';
	CU_ASSERT_TRUE(VirtualProtect(a, 0x1000, PAGE_WRITECOPY, &old));
	ASSERT_EQ(old, PAGE_READWRITE);
	ASSERT_EQ(a[0], 'x');
	b[1] = 'z';
	ASSERT_EQ(a[1], 'z');                                     /* not written: still shared */
	a[0] = 'y';
	ASSERT_EQ(a[0], 'y');
	ASSERT_EQ(b[0], 'x');                                     /* the write was a's own */
	a[0x1000] = 's';                                          /* the next page stays shared */
	ASSERT_EQ(b[0x1000], 's');
	CU_ASSERT_TRUE(UnmapViewOfFile(a) && UnmapViewOfFile(b));
	CU_ASSERT_TRUE(CloseHandle(h));
}

/* Maps the SEC_RESERVE section while it is all reserved, waits for the parent's commit, then
 * touches the committed page at once: no VirtualQuery, no VirtualAlloc first. */
static int first_touch_child(void *varg)
{
	struct reserve_arg *a = varg;
	HANDLE h;
	volatile char *p;

	CHILD_CHECK(wu_await(&a->to_child));
	h = OpenFileMappingA(FILE_MAP_WRITE, FALSE, a->name);
	CHILD_CHECK(h != NULL);
	p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CHILD_CHECK(p != NULL);
	CHILD_CHECK(wu_signal(&a->to_parent));              /* mapped, all reserved here */
	CHILD_CHECK(wu_await(&a->to_child));                 /* the parent committed */
	CHILD_CHECK(p[0x20000] == 'p');                      /* the first touch succeeds */
	p[0x20001] = 'q';
	CHILD_CHECK(wu_signal(&a->to_parent));
	CHILD_CHECK(UnmapViewOfFile((void *)p) && CloseHandle(h));
	return 0;
}

/* D33: a commit is usable at once in every process, at the first touch, as on Windows. */
static void test_D33_commit_is_usable_at_the_first_touch_elsewhere(void)
{
	const char *leaf = wu_uniq("D33t");
	struct reserve_arg a = { .name = wu_cat("Global\\", leaf) };
	HANDLE h;
	char *v;
	pid_t pid;

	CU_ASSERT_TRUE_FATAL(wu_pipe_open(&a.to_parent) && wu_pipe_open(&a.to_child));
	pid = wu_spawn(first_touch_child, &a);
	h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0, 0x40000,
			       a.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_TRUE(wu_signal(&a.to_child));
	CU_ASSERT_TRUE(wu_await(&a.to_parent));
	CU_ASSERT_PTR_EQUAL(VirtualAlloc(v + 0x20000, 0x1000, MEM_COMMIT, PAGE_READWRITE),
			    v + 0x20000);
	v[0x20000] = 'p';
	CU_ASSERT_TRUE(wu_signal(&a.to_child));
	CU_ASSERT_TRUE(wu_await(&a.to_parent));
	ASSERT_EQ(v[0x20001], 'q');
	ASSERT_CHILD_OK(wu_wait(pid));
	CU_ASSERT_TRUE(UnmapViewOfFile(v));
	CU_ASSERT_TRUE(CloseHandle(h));
	wu_pipe_close(&a.to_parent);
	wu_pipe_close(&a.to_child);
}

const char *suite_name = "winapi_views";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_D22_access_gives_the_view_protection),
	UNIT_TEST(test_D23_views_the_section_cannot_give),
	UNIT_TEST(test_D24_handle_access_is_checked),
	UNIT_TEST(test_D25_size_zero_maps_to_the_end),
	UNIT_TEST(test_D25_views_see_a_size_changed_through_the_mount),
	UNIT_TEST(test_D26_size_past_the_end),
	UNIT_TEST(test_D27_offset_alignment),
	UNIT_TEST(test_D28_map_at_an_address),
	UNIT_TEST(test_D29_views_in_one_process_are_coherent),
	UNIT_TEST(test_D29_views_across_processes_are_coherent),
	UNIT_TEST(test_D30_copy_views_are_private),
	UNIT_TEST(test_D30_copy_view_of_a_file),
	UNIT_TEST(test_D31_unmap_at_any_address_in_a_view),
	UNIT_TEST(test_D32_sec_commit_views_cannot_be_decommitted),
	UNIT_TEST(test_D33_sec_reserve_commits_for_the_section),
	UNIT_TEST(test_D34_commit_inside_views),
	UNIT_TEST(test_D35_flush_view),
	UNIT_TEST(test_mem_reset_stays_within_its_allocation),
	UNIT_TEST(test_sec_nocache_is_reported_in_views),
	UNIT_TEST(test_private_allocations_take_modifiers),
	UNIT_TEST(test_D22_no_data_access_gives_a_noaccess_view),
	UNIT_TEST(test_D34_commit_protections_in_reserve_views),
	UNIT_TEST(test_D33_virtualquery_regions_of_a_big_reserve_view),
	UNIT_TEST(test_virtualprotect_private_memory),
	UNIT_TEST(test_virtualprotect_in_views),
	UNIT_TEST(test_virtualprotect_writecopy_makes_writes_private),
	UNIT_TEST(test_D33_commit_is_usable_at_the_first_touch_elsewhere),
	{ 0 },
};
