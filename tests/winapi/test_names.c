/* Rules B12-B19: names, namespaces and sessions, across processes, through a real mount. */
#include <CUnit/CUnit.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit_main.h"
#include "winapi_util.h"

#define NO_SESSION 4294967295u

void suite_teardown(void)
{
	CU_ASSERT_TRUE(wu_wait_sections(0));
}

/* ---- helpers ---- */

static bool write_loginuid(const char *uid)
{
	int fd = open("/proc/self/loginuid", O_WRONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, uid, strlen(uid)) == (ssize_t)strlen(uid);
	return close(fd) == 0 && ok;
}

static unsigned long my_session(void)
{
	char text[32] = "";
	int fd = open("/proc/self/sessionid", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	return strtoul(text, NULL, 10);
}

/* Maps a whole section for writing; NULL on failure. */
static char *map_all(HANDLE h)
{
	return h ? MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0) : NULL;
}

/* ---- B12 ---- */

struct b12_arg {
	const char *name;
	const char *file;
};

static int b12_child(void *varg)
{
	struct b12_arg *a = varg;
	MEMORY_BASIC_INFORMATION mbi;
	HANDLE f, h, h2;
	char *p;

	/* the second creator asks another size, protection and a file: all ignored */
	f = CreateFileA(a->file, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
	CHILD_CHECK(f != INVALID_HANDLE_VALUE);
	SetLastError(0xdeadbeef);
	h = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, a->name);
	CHILD_CHECK(h != NULL);
	CHILD_CHECK(GetLastError() == ERROR_ALREADY_EXISTS);
	SetLastError(0xdeadbeef);
	h2 = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READONLY, 0, 0x40000, a->name);
	CHILD_CHECK(h2 != NULL && h2 != h);
	CHILD_CHECK(GetLastError() == ERROR_ALREADY_EXISTS);
	CHILD_CHECK(GetFileSize(f, NULL) == 0x100);          /* the file was not used */

	p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);          /* PAGE_READWRITE: the first's */
	CHILD_CHECK(p != NULL);
	CHILD_CHECK(VirtualQuery(p, &mbi, sizeof(mbi)) == sizeof(mbi));
	CHILD_CHECK(mbi.RegionSize == 0x1000);                  /* the object's own size */
	CHILD_CHECK(!strcmp(p, "first creator"));               /* the first one's data */
	strcpy(p + 0x100, "second creator");
	SetLastError(0xdeadbeef);
	CHILD_CHECK(MapViewOfFile(h2, FILE_MAP_READ, 0, 0, 0x1001) == NULL);
	CHILD_CHECK(GetLastError() == ERROR_ACCESS_DENIED);
	CHILD_CHECK(UnmapViewOfFile(p));
	CHILD_CHECK(CloseHandle(h2));
	CHILD_CHECK(CloseHandle(h));
	CHILD_CHECK(CloseHandle(f));
	return 0;
}

static void test_B12_existing_name_is_the_same_object(void)
{
	const char *leaf = wu_uniq("B12");
	struct b12_arg a = { wu_cat("Global\\", leaf), NULL };
	char file[128], text[64];
	HANDLE h, again;
	char *p;

	wu_tmp_path(file, sizeof(file), "B12");
	CU_ASSERT_TRUE_FATAL(wu_make_file(file, 0x100, 1));
	a.file = file;
	SetLastError(0xdeadbeef);
	h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, a.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_ERR(ERROR_SUCCESS);
	p = map_all(h);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	strcpy(p, "first creator");

	ASSERT_CHILD_OK(wu_run(b12_child, &a));
	ASSERT_STR(p + 0x100, "second creator");               /* the child wrote the same object */
	ASSERT_EQ(wu_file_size(wu_mpath("Global", leaf)), 0x1000);
	wu_xattr(wu_mpath("Global", leaf), "user.section.protect", text, sizeof(text));
	ASSERT_STR(text, "PAGE_READWRITE");
	wu_xattr(wu_mpath("Global", leaf), "user.section.backing", text, sizeof(text));
	ASSERT_STR(text, "pagefile");
	ASSERT_EQ(wu_file_size(file), 0x100);

	/* in this process too: a new handle, the same object; closing it leaves the object */
	SetLastError(0xdeadbeef);
	again = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x2000, a.name);
	CU_ASSERT_PTR_NOT_NULL(again);
	ASSERT_ERR(ERROR_ALREADY_EXISTS);
	CU_ASSERT(again != h);
	ASSERT_EQ(wu_xattr_num(wu_mpath("Global", leaf), "user.section.handles"), 2);
	if (again)
		CU_ASSERT_TRUE(CloseHandle(again));
	ASSERT_EQ(wu_xattr_num(wu_mpath("Global", leaf), "user.section.handles"), 1);
	CU_ASSERT_TRUE(wu_exists(wu_mpath("Global", leaf)));

	CU_ASSERT_TRUE(UnmapViewOfFile(p));
	CU_ASSERT_TRUE(CloseHandle(h));
	unlink(file);
}

/* ---- B13 ---- */

static void test_B13_names_of_other_objects(void)
{
	const char *names[] = { "Global", "Local", "Session", "Global\\Global", "Global\\Local",
				"Global\\Session", "Local\\Session", "Local\\Global", "Local\\Local",
				"Session\\1", "Session\\0", "Global\\Local\\Session" };
	const WCHAR *wide[] = { u"Global", u"Local\\Session" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		SetLastError(0xdeadbeef);
		HANDLE h = wu_create(names[i], 0x1000);
		if (h || GetLastError() != ERROR_INVALID_HANDLE)
			fprintf(stderr, "\n    create \"%s\": %p, error %u", names[i], h, GetLastError());
		CU_ASSERT_PTR_NULL(h);
		ASSERT_ERR(ERROR_INVALID_HANDLE);
		if (h)
			CloseHandle(h);
		SetLastError(0xdeadbeef);
		h = OpenFileMappingA(FILE_MAP_READ, FALSE, names[i]);
		if (h || GetLastError() != ERROR_INVALID_HANDLE)
			fprintf(stderr, "\n    open \"%s\": %p, error %u", names[i], h, GetLastError());
		CU_ASSERT_PTR_NULL(h);
		ASSERT_ERR(ERROR_INVALID_HANDLE);
		if (h)
			CloseHandle(h);
	}
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
		SetLastError(0xdeadbeef);
		CU_ASSERT_PTR_NULL(CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, wide[i]));
		ASSERT_ERR(ERROR_INVALID_HANDLE);
		SetLastError(0xdeadbeef);
		CU_ASSERT_PTR_NULL(OpenFileMappingW(FILE_MAP_READ, FALSE, wide[i]));
		ASSERT_ERR(ERROR_INVALID_HANDLE);
	}
}

/* ---- B14 ---- */

struct b14_arg {
	const char *lower_name, *upper_name;
};

static int b14_child(void *varg)
{
	struct b14_arg *a = varg;
	HANDLE lo = OpenFileMappingA(FILE_MAP_READ, FALSE, a->lower_name);
	HANDLE up = OpenFileMappingA(FILE_MAP_READ, FALSE, a->upper_name);
	char *pl, *pu;

	CHILD_CHECK(lo && up);
	pl = MapViewOfFile(lo, FILE_MAP_READ, 0, 0, 0);
	pu = MapViewOfFile(up, FILE_MAP_READ, 0, 0, 0);
	CHILD_CHECK(pl && pu);
	CHILD_CHECK(!strcmp(pl, "lower") && !strcmp(pu, "UPPER"));
	CHILD_CHECK(UnmapViewOfFile(pl) && UnmapViewOfFile(pu));
	CHILD_CHECK(CloseHandle(lo) && CloseHandle(up));
	return 0;
}

static void test_B14_names_are_case_sensitive(void)
{
	const char *id = wu_uniq("b14");
	char lower[128], upper[128], other[128];
	struct b14_arg a = { lower, upper };
	HANDLE lo, up;
	char *pl, *pu;

	snprintf(lower, sizeof(lower), "Global\\Wine Test Mapping %s", id);
	snprintf(upper, sizeof(upper), "Global\\WINE TEST MAPPING %s", id);
	snprintf(other, sizeof(other), "Global\\wine test mapping %s", id);
	SetLastError(0xdeadbeef);
	lo = wu_create(lower, 0x1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(lo);
	ASSERT_ERR(ERROR_SUCCESS);
	SetLastError(0xdeadbeef);
	up = wu_create(upper, 0x1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(up);
	ASSERT_ERR(ERROR_SUCCESS);                              /* two objects */
	pl = map_all(lo);
	pu = map_all(up);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pl);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pu);
	strcpy(pl, "lower");
	strcpy(pu, "UPPER");
	ASSERT_CHILD_OK(wu_run(b14_child, &a));

	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(OpenFileMappingA(FILE_MAP_READ, FALSE, other));
	ASSERT_ERR(ERROR_FILE_NOT_FOUND);
	/* the prefixes too */
	const char *bad_prefixes[] = { "local\\x", "LOCAL\\x", "global\\x", "GLOBAL\\x", "session\\0\\x" };
	for (size_t i = 0; i < sizeof(bad_prefixes) / sizeof(bad_prefixes[0]); i++) {
		SetLastError(0xdeadbeef);
		CU_ASSERT_PTR_NULL(OpenFileMappingA(FILE_MAP_READ, FALSE, bad_prefixes[i]));
		ASSERT_ERR(ERROR_PATH_NOT_FOUND);
		SetLastError(0xdeadbeef);
		HANDLE h = wu_create(bad_prefixes[i], 0x1000);
		CU_ASSERT_PTR_NULL(h);
		ASSERT_ERR(ERROR_PATH_NOT_FOUND);
		if (h)
			CloseHandle(h);
	}
	CU_ASSERT_TRUE(UnmapViewOfFile(pl));
	CU_ASSERT_TRUE(UnmapViewOfFile(pu));
	CU_ASSERT_TRUE(CloseHandle(lo));
	CU_ASSERT_TRUE(CloseHandle(up));
}

/* ---- B15 ---- */

static void test_B15_open_with_null_name(void)
{
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(OpenFileMappingA(FILE_MAP_READ, FALSE, NULL));
	ASSERT_ERR(ERROR_INVALID_PARAMETER);
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(OpenFileMappingW(FILE_MAP_ALL_ACCESS, FALSE, NULL));
	ASSERT_ERR(ERROR_INVALID_PARAMETER);
}

/* ---- B16 ---- */

struct b16_arg {
	const char *leaf;
	int order;   /* which spelling creates, which opens */
};

static int b16_same_session_child(void *varg)
{
	struct b16_arg *a = varg;
	/* the parent made it as "Local\\leaf": a bare name in the same session finds it */
	HANDLE h = OpenFileMappingA(FILE_MAP_WRITE, FALSE, a->leaf);
	HANDLE c;
	char *p;

	CHILD_CHECK(h != NULL);
	SetLastError(0xdeadbeef);
	c = wu_create(a->leaf, 0x1000);
	CHILD_CHECK(c != NULL && GetLastError() == ERROR_ALREADY_EXISTS);
	p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CHILD_CHECK(p != NULL);
	CHILD_CHECK(!strcmp(p, "via Local"));
	strcpy(p + 100, "via bare name");
	CHILD_CHECK(UnmapViewOfFile(p));
	CHILD_CHECK(CloseHandle(c) && CloseHandle(h));
	return 0;
}

static void test_B16_local_is_the_bare_name(void)
{
	const char *leaf = wu_uniq("B16");
	struct b16_arg a = { leaf, 0 };
	HANDLE h, bare;
	char *p;

	SetLastError(0xdeadbeef);
	h = wu_create(wu_cat("Local\\", leaf), 0x1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_ERR(ERROR_SUCCESS);
	p = map_all(h);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	strcpy(p, "via Local");
	SetLastError(0xdeadbeef);
	bare = wu_create(leaf, 0x1000);
	CU_ASSERT_PTR_NOT_NULL(bare);
	ASSERT_ERR(ERROR_ALREADY_EXISTS);
	if (bare)
		CU_ASSERT_TRUE(CloseHandle(bare));
	ASSERT_CHILD_OK(wu_run(b16_same_session_child, &a));
	ASSERT_STR(p + 100, "via bare name");
	CU_ASSERT_TRUE(UnmapViewOfFile(p));
	CU_ASSERT_TRUE(CloseHandle(h));
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(OpenFileMappingA(FILE_MAP_READ, FALSE, leaf));
	ASSERT_ERR(ERROR_FILE_NOT_FOUND);
}

struct session_arg {
	const char *leaf;
	struct wu_pipe to_parent, to_child;
};

/* In a new login session: Local and Global are two objects; tells the parent its session. */
static int b16_new_session_child(void *varg)
{
	struct session_arg *a = varg;
	char local_name[300], global_name[300], path[600], text[400], expected[400];
	HANDLE local, global, bare;
	char *pl, *pg, *pb;
	unsigned long sid;

	CHILD_CHECK(write_loginuid("1000"));
	sid = my_session();
	CHILD_CHECK(sid != 0 && sid != NO_SESSION);
	snprintf(local_name, sizeof(local_name), "Local\\%s", a->leaf);
	snprintf(global_name, sizeof(global_name), "Global\\%s", a->leaf);

	SetLastError(0xdeadbeef);
	local = wu_create(local_name, 0x1000);
	CHILD_CHECK(local != NULL && GetLastError() == ERROR_SUCCESS);
	SetLastError(0xdeadbeef);
	global = wu_create(global_name, 0x2000);
	CHILD_CHECK(global != NULL && GetLastError() == ERROR_SUCCESS);   /* another object */
	bare = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, a->leaf);
	CHILD_CHECK(bare != NULL);
	pl = map_all(local);
	pg = map_all(global);
	pb = map_all(bare);
	CHILD_CHECK(pl && pg && pb);
	strcpy(pl, "local object");
	strcpy(pg, "global object");
	CHILD_CHECK(!strcmp(pb, "local object"));              /* the bare name is Local */

	/* where the mount shows them */
	snprintf(path, sizeof(path), "%s/Sessions/%lu/%s", wu_root(), sid, a->leaf);
	CHILD_CHECK(wu_exists(path));
	CHILD_CHECK(wu_xattr(path, "user.section.name", text, sizeof(text)));
	snprintf(expected, sizeof(expected), "Session\\%lu\\%s", sid, a->leaf);
	CHILD_CHECK(!strcmp(text, expected));
	CHILD_CHECK(wu_file_size(path) == 0x1000);
	CHILD_CHECK(wu_file_size(wu_mpath("Global", a->leaf)) == 0x2000);

	CHILD_CHECK(wu_send(&a->to_parent, &sid, sizeof(sid)));
	CHILD_CHECK(wu_await(&a->to_child));                    /* the parent looked */
	CHILD_CHECK(!strcmp(pl + 100, "written by the parent"));
	CHILD_CHECK(UnmapViewOfFile(pl) && UnmapViewOfFile(pg) && UnmapViewOfFile(pb));
	CHILD_CHECK(CloseHandle(local) && CloseHandle(global) && CloseHandle(bare));
	return 0;
}

static void test_B16_local_differs_from_global_in_a_session(void)
{
	struct session_arg a = { .leaf = wu_uniq("B16s") };
	unsigned long sid = 0;
	char name[300];
	HANDLE h;
	char *p;
	pid_t pid;

	CU_ASSERT_TRUE_FATAL(wu_pipe_open(&a.to_parent));
	CU_ASSERT_TRUE_FATAL(wu_pipe_open(&a.to_child));
	pid = wu_spawn(b16_new_session_child, &a);
	CU_ASSERT_TRUE(wu_recv(&a.to_parent, &sid, sizeof(sid)));
	if (sid) {
		/* the child's Local object, by its session name (B17), from this process */
		snprintf(name, sizeof(name), "Session\\%lu\\%s", sid, a.leaf);
		h = OpenFileMappingA(FILE_MAP_WRITE | FILE_MAP_READ, FALSE, name);
		CU_ASSERT_PTR_NOT_NULL(h);
		p = h ? MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0) : NULL;
		CU_ASSERT_PTR_NOT_NULL(p);
		if (p) {
			ASSERT_STR(p, "local object");
			strcpy(p + 100, "written by the parent");
			CU_ASSERT_TRUE(UnmapViewOfFile(p));
		}
		if (h)
			CU_ASSERT_TRUE(CloseHandle(h));
		h = OpenFileMappingA(FILE_MAP_READ, FALSE, wu_cat("Global\\", a.leaf));
		CU_ASSERT_PTR_NOT_NULL(h);
		p = h ? MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0) : NULL;
		CU_ASSERT_PTR_NOT_NULL(p);
		if (p) {
			ASSERT_STR(p, "global object");
			CU_ASSERT_TRUE(UnmapViewOfFile(p));
		}
		if (h)
			CU_ASSERT_TRUE(CloseHandle(h));
	}
	wu_signal(&a.to_child);
	ASSERT_CHILD_OK(wu_wait(pid));
	wu_pipe_close(&a.to_parent);
	wu_pipe_close(&a.to_child);
	if (sid) {
		char dir[64];
		snprintf(dir, sizeof(dir), "Sessions/%lu", sid);
		CU_ASSERT_FALSE(wu_exists(wu_mpath(dir, a.leaf)));
		CU_ASSERT_FALSE(wu_exists(wu_mpath("Global", a.leaf)));
	}
}

/* In session 0 (no login session): Local is Global. */
static int b16_session0_child(void *varg)
{
	const char *leaf = varg;
	char local_name[300], global_name[300], zero_name[300];
	HANDLE local, global, zero;
	char *pl, *pg;

	CHILD_CHECK(write_loginuid("4294967295"));
	CHILD_CHECK(my_session() == NO_SESSION);
	snprintf(local_name, sizeof(local_name), "Local\\%s", leaf);
	snprintf(global_name, sizeof(global_name), "Global\\%s", leaf);
	snprintf(zero_name, sizeof(zero_name), "Session\\0\\%s", leaf);
	SetLastError(0xdeadbeef);
	local = wu_create(local_name, 0x1000);
	CHILD_CHECK(local != NULL && GetLastError() == ERROR_SUCCESS);
	CHILD_CHECK(wu_exists(wu_mpath("Global", leaf)));
	SetLastError(0xdeadbeef);
	global = wu_create(global_name, 0x1000);
	CHILD_CHECK(global != NULL && GetLastError() == ERROR_ALREADY_EXISTS);
	zero = OpenFileMappingA(FILE_MAP_READ, FALSE, zero_name);   /* B17: session 0 is Global */
	CHILD_CHECK(zero != NULL);
	pl = map_all(local);
	pg = MapViewOfFile(zero, FILE_MAP_READ, 0, 0, 0);
	CHILD_CHECK(pl && pg);
	strcpy(pl, "one object");
	CHILD_CHECK(!strcmp(pg, "one object"));
	CHILD_CHECK(UnmapViewOfFile(pl) && UnmapViewOfFile(pg));
	CHILD_CHECK(CloseHandle(local) && CloseHandle(global) && CloseHandle(zero));
	return 0;
}

static void test_B16_local_is_global_in_session_0(void)
{
	const char *leaf = wu_uniq("B16z");

	ASSERT_CHILD_OK(wu_run(b16_session0_child, (void *)leaf));
	CU_ASSERT_FALSE(wu_exists(wu_mpath("Global", leaf)));
}

/* ---- B17 ---- */

/* In a new session: makes Local\leaf, tells its session, waits, checks the parent's write. */
static int b17_child(void *varg)
{
	struct session_arg *a = varg;
	unsigned long sid;
	HANDLE h;
	char *p;

	CHILD_CHECK(write_loginuid("1001"));
	sid = my_session();
	CHILD_CHECK(sid != 0 && sid != NO_SESSION);
	h = wu_create(a->leaf, 0x3000);                          /* a bare name: its session */
	CHILD_CHECK(h != NULL && GetLastError() == ERROR_SUCCESS);
	p = map_all(h);
	CHILD_CHECK(p != NULL);
	strcpy(p + 0x2000, "made in a session");
	CHILD_CHECK(wu_send(&a->to_parent, &sid, sizeof(sid)));
	CHILD_CHECK(wu_await(&a->to_child));
	CHILD_CHECK(!strcmp(p + 0x2100, "seen from outside"));
	CHILD_CHECK(UnmapViewOfFile(p));
	CHILD_CHECK(CloseHandle(h));
	return 0;
}

static void test_B17_session_name_from_another_process(void)
{
	struct session_arg a = { .leaf = wu_uniq("B17") };
	unsigned long sid = 0;
	char name[300];
	HANDLE h, again;
	char *p;
	pid_t pid;

	CU_ASSERT_TRUE_FATAL(wu_pipe_open(&a.to_parent));
	CU_ASSERT_TRUE_FATAL(wu_pipe_open(&a.to_child));
	pid = wu_spawn(b17_child, &a);
	CU_ASSERT_TRUE(wu_recv(&a.to_parent, &sid, sizeof(sid)));
	if (sid) {
		snprintf(name, sizeof(name), "Session\\%lu\\%s", sid, a.leaf);
		h = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, name);
		CU_ASSERT_PTR_NOT_NULL(h);
		SetLastError(0xdeadbeef);
		again = wu_create(name, 0x1000);
		CU_ASSERT_PTR_NOT_NULL(again);
		ASSERT_ERR(ERROR_ALREADY_EXISTS);
		p = map_all(h);
		CU_ASSERT_PTR_NOT_NULL(p);
		if (p) {
			MEMORY_BASIC_INFORMATION mbi;
			CU_ASSERT_TRUE(wu_query(p, &mbi));
			ASSERT_EQ(mbi.RegionSize, 0x3000);
			ASSERT_STR(p + 0x2000, "made in a session");
			strcpy(p + 0x2100, "seen from outside");
			CU_ASSERT_TRUE(UnmapViewOfFile(p));
		}
		if (again)
			CU_ASSERT_TRUE(CloseHandle(again));
		if (h)
			CU_ASSERT_TRUE(CloseHandle(h));
	}
	wu_signal(&a.to_child);
	ASSERT_CHILD_OK(wu_wait(pid));
	wu_pipe_close(&a.to_parent);
	wu_pipe_close(&a.to_child);
	if (sid) {
		SetLastError(0xdeadbeef);
		CU_ASSERT_PTR_NULL(OpenFileMappingA(FILE_MAP_READ, FALSE, name));
		ASSERT_ERR(ERROR_FILE_NOT_FOUND);
	}
}

/* ---- B18 ---- */

static void expect_name_error(const char *name, DWORD err)
{
	SetLastError(0xdeadbeef);
	HANDLE h = wu_create(name, 0x1000);
	if (h || GetLastError() != err)
		fprintf(stderr, "\n    create \"%s\": %p, error %u, expected %u", name, h, GetLastError(), err);
	CU_ASSERT_PTR_NULL(h);
	ASSERT_ERR(err);
	if (h)
		CloseHandle(h);
	SetLastError(0xdeadbeef);
	h = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
	if (h || GetLastError() != err)
		fprintf(stderr, "\n    open \"%s\": %p, error %u, expected %u", name, h, GetLastError(), err);
	CU_ASSERT_PTR_NULL(h);
	ASSERT_ERR(err);
	if (h)
		CloseHandle(h);
}

static void test_B18_backslashes(void)
{
	const char *leaf = wu_uniq("B18");
	char name[300];

	snprintf(name, sizeof(name), "foo\\%s", leaf);
	expect_name_error(name, ERROR_PATH_NOT_FOUND);            /* no directory foo */
	snprintf(name, sizeof(name), "Global\\foo\\%s", leaf);
	expect_name_error(name, ERROR_PATH_NOT_FOUND);
	snprintf(name, sizeof(name), "\\%s", leaf);
	expect_name_error(name, ERROR_BAD_PATHNAME);              /* a leading backslash */
	snprintf(name, sizeof(name), "\\Global\\%s", leaf);
	expect_name_error(name, ERROR_BAD_PATHNAME);
	snprintf(name, sizeof(name), "Global\\\\%s", leaf);
	expect_name_error(name, ERROR_INVALID_NAME);              /* a doubled backslash */
	snprintf(name, sizeof(name), "Local\\\\%s", leaf);
	expect_name_error(name, ERROR_INVALID_NAME);
	CU_ASSERT_EQUAL(wu_count_sections(), 0);
}

/* Any other character, '/' included: it is a '\' in the mount's file name. */
static void test_B18_slash_is_an_ordinary_character(void)
{
	const char *id = wu_uniq("B18s");
	char name[400], leaf[300], file_leaf[300], text[400];
	HANDLE h, o;

	snprintf(leaf, sizeof(leaf), "a/b/%s: *?<>|\"", id);
	snprintf(file_leaf, sizeof(file_leaf), "a\\b\\%s: *?<>|\"", id);
	snprintf(name, sizeof(name), "Global\\%s", leaf);
	SetLastError(0xdeadbeef);
	h = wu_create(name, 0x1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_ERR(ERROR_SUCCESS);
	CU_ASSERT_TRUE(wu_exists(wu_mpath("Global", file_leaf)));
	CU_ASSERT_TRUE(wu_xattr(wu_mpath("Global", file_leaf), "user.section.name", text, sizeof(text)));
	ASSERT_STR(text, name);
	o = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
	CU_ASSERT_PTR_NOT_NULL(o);
	if (o)
		CU_ASSERT_TRUE(CloseHandle(o));
	CU_ASSERT_TRUE(CloseHandle(h));
}

/* ---- B19 ---- */

static void test_B19_long_ansi_names(void)
{
	char name[400];
	WCHAR wname[400];
	HANDLE h, w;

	/* "Global\\" and 251 more: 258 characters, 259 with the NUL */
	memset(name, 0, sizeof(name));
	strcpy(name, "Global\\");
	memset(name + 7, 'n', 251);
	SetLastError(0xdeadbeef);
	h = wu_create(name, 0x1000);
	CU_ASSERT_PTR_NOT_NULL(h);
	ASSERT_ERR(ERROR_SUCCESS);
	if (h)
		CU_ASSERT_TRUE(CloseHandle(h));

	/* 259 characters: 260 with the NUL */
	name[7 + 251] = 'n';
	ASSERT_EQ(strlen(name) + 1, MAX_PATH);
	expect_name_error(name, ERROR_FILENAME_EXCED_RANGE);
	memset(name + 7, 'n', 300);
	expect_name_error(name, ERROR_FILENAME_EXCED_RANGE);
	CU_ASSERT_EQUAL(wu_count_sections(), 0);

	/* the W functions take the 259-character name */
	name[7 + 252] = '\0';
	for (size_t i = 0; i <= strlen(name); i++)
		wname[i] = (WCHAR)(unsigned char)name[i];
	SetLastError(0xdeadbeef);
	w = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, wname);
	CU_ASSERT_PTR_NOT_NULL(w);
	ASSERT_ERR(ERROR_SUCCESS);
	h = OpenFileMappingW(FILE_MAP_READ, FALSE, wname);
	CU_ASSERT_PTR_NOT_NULL(h);
	if (h)
		CU_ASSERT_TRUE(CloseHandle(h));
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(OpenFileMappingA(FILE_MAP_READ, FALSE, name));
	ASSERT_ERR(ERROR_FILENAME_EXCED_RANGE);
	if (w)
		CU_ASSERT_TRUE(CloseHandle(w));
}

/* ---- W functions ---- */

struct wide_arg {
	const WCHAR *name;
};

static int wide_child(void *varg)
{
	struct wide_arg *a = varg;
	HANDLE h = OpenFileMappingW(FILE_MAP_READ, FALSE, a->name);
	char *p;

	CHILD_CHECK(h != NULL);
	p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	CHILD_CHECK(p != NULL);
	CHILD_CHECK(!strcmp(p, "wide"));
	CHILD_CHECK(UnmapViewOfFile(p) && CloseHandle(h));
	return 0;
}

static void test_names_wide_utf16(void)
{
	/* "Global\\Wide é 中 😀" */
	static const WCHAR wname[] = u"Global\\Wide \u00e9 \u4e2d \U0001F600";
	const char *utf8_leaf = "Wide \xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80";
	struct wide_arg a = { wname };
	HANDLE h, o;
	char *p;

	SetLastError(0xdeadbeef);
	h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, wname);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_ERR(ERROR_SUCCESS);
	CU_ASSERT_TRUE(wu_exists(wu_mpath("Global", utf8_leaf)));   /* UTF-8 in the mount */
	p = map_all(h);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	strcpy(p, "wide");
	ASSERT_CHILD_OK(wu_run(wide_child, &a));
	o = OpenFileMappingA(FILE_MAP_READ, FALSE, wu_cat("Global\\", utf8_leaf));
	CU_ASSERT_PTR_NOT_NULL(o);
	if (o)
		CU_ASSERT_TRUE(CloseHandle(o));
	CU_ASSERT_TRUE(UnmapViewOfFile(p));
	CU_ASSERT_TRUE(CloseHandle(h));
	CU_ASSERT_FALSE(wu_exists(wu_mpath("Global", utf8_leaf)));
}

static void test_names_wide_slash(void)
{
	static const WCHAR wname[] = u"Global\\wide/slash/B";
	struct wide_arg a = { wname };
	char text[128];
	HANDLE h, o;
	char *p;

	SetLastError(0xdeadbeef);
	h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, wname);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_ERR(ERROR_SUCCESS);
	CU_ASSERT_TRUE(wu_exists(wu_mpath("Global", "wide\\slash\\B")));
	wu_xattr(wu_mpath("Global", "wide\\slash\\B"), "user.section.name", text, sizeof(text));
	ASSERT_STR(text, "Global\\wide/slash/B");
	p = map_all(h);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	strcpy(p, "wide");
	ASSERT_CHILD_OK(wu_run(wide_child, &a));
	o = OpenFileMappingA(FILE_MAP_READ, FALSE, "Global\\wide/slash/B");
	CU_ASSERT_PTR_NOT_NULL(o);
	if (o)
		CU_ASSERT_TRUE(CloseHandle(o));
	CU_ASSERT_TRUE(UnmapViewOfFile(p));
	CU_ASSERT_TRUE(CloseHandle(h));
}

/* A lone surrogate is no character: the name is invalid. */
static void test_names_wide_invalid_utf16(void)
{
	static const WCHAR lone[] = { 'G', 'l', 'o', 'b', 'a', 'l', '\\', 'x', 0xD800, 'y', 0 };

	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, lone));
	ASSERT_ERR(ERROR_INVALID_NAME);
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(OpenFileMappingW(FILE_MAP_READ, FALSE, lone));
	ASSERT_ERR(ERROR_INVALID_NAME);
}

const char *suite_name = "winapi_names";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_B12_existing_name_is_the_same_object),
	UNIT_TEST(test_B13_names_of_other_objects),
	UNIT_TEST(test_B14_names_are_case_sensitive),
	UNIT_TEST(test_B15_open_with_null_name),
	UNIT_TEST(test_B16_local_is_the_bare_name),
	UNIT_TEST(test_B16_local_differs_from_global_in_a_session),
	UNIT_TEST(test_B16_local_is_global_in_session_0),
	UNIT_TEST(test_B17_session_name_from_another_process),
	UNIT_TEST(test_B18_backslashes),
	UNIT_TEST(test_B18_slash_is_an_ordinary_character),
	UNIT_TEST(test_B19_long_ansi_names),
	UNIT_TEST(test_names_wide_utf16),
	UNIT_TEST(test_names_wide_slash),
	UNIT_TEST(test_names_wide_invalid_utf16),
	{ 0 },
};
