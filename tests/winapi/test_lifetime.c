/* Rules C20-C21: names go with the last handle, memory with the last holder, and a process that
 * exits or is killed leaves nothing behind; handles and views in several processes. */
#include <CUnit/CUnit.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit_main.h"
#include "winapi_util.h"

#define MIB 0x100000u

static uint64_t base_used;

void suite_setup(void)
{
	base_used = wu_used_bytes();
}

void suite_teardown(void)
{
	CU_ASSERT_TRUE(wu_wait_sections(0));
	CU_ASSERT_TRUE(wu_wait_used(base_used));
}

struct pair {
	const char *name;
	struct wu_pipe to_parent, to_child;
};

static bool pair_open(struct pair *p, const char *name)
{
	p->name = name;
	return wu_pipe_open(&p->to_parent) && wu_pipe_open(&p->to_child);
}

static void pair_close(struct pair *p)
{
	wu_pipe_close(&p->to_parent);
	wu_pipe_close(&p->to_child);
}

/* ---- C20 ---- */

/* Opens the parent's section, waits while the parent closes its handle, then closes the last
 * handle itself: the name is gone before CloseHandle returns. */
static int c20_child(void *varg)
{
	struct pair *a = varg;
	HANDLE h, again;

	CHILD_CHECK(wu_await(&a->to_child));                    /* created */
	h = OpenFileMappingA(FILE_MAP_READ, FALSE, a->name);
	CHILD_CHECK(h != NULL);
	CHILD_CHECK(wu_signal(&a->to_parent));
	CHILD_CHECK(wu_await(&a->to_child));                    /* the parent closed its handle */
	again = OpenFileMappingA(FILE_MAP_READ, FALSE, a->name);   /* ours keeps the name */
	CHILD_CHECK(again != NULL);
	CHILD_CHECK(CloseHandle(again));
	CHILD_CHECK(CloseHandle(h));                            /* the last handle */
	SetLastError(0xdeadbeef);
	CHILD_CHECK(OpenFileMappingA(FILE_MAP_READ, FALSE, a->name) == NULL);
	CHILD_CHECK(GetLastError() == ERROR_FILE_NOT_FOUND);
	CHILD_CHECK(wu_signal(&a->to_parent));
	return 0;
}

static void test_C20_name_goes_with_the_last_handle(void)
{
	const char *leaf = wu_uniq("C20");
	const char *path = wu_mpath("Global", leaf);
	struct pair a;
	HANDLE h, fresh;
	char *old, *new;
	pid_t pid;

	CU_ASSERT_TRUE_FATAL(pair_open(&a, wu_cat("Global\\", leaf)));
	pid = wu_spawn(c20_child, &a);                          /* before anything is made */
	h = wu_create(a.name, 0x2000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	old = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(old);
	strcpy(old, "old object");
	wu_signal(&a.to_child);
	CU_ASSERT_TRUE(wu_await(&a.to_parent));                 /* the child holds a handle */
	ASSERT_EQ(wu_xattr_num(path, "user.section.handles"), 2);

	CU_ASSERT_TRUE(CloseHandle(h));
	CU_ASSERT_TRUE(wu_exists(path));                        /* the child's handle keeps it */
	wu_signal(&a.to_child);
	CU_ASSERT_TRUE(wu_await(&a.to_parent));                 /* the child closed the last */

	/* at once: no name, although this view still maps the object */
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(OpenFileMappingA(FILE_MAP_READ, FALSE, a.name));
	ASSERT_ERR(ERROR_FILE_NOT_FOUND);
	CU_ASSERT_FALSE(wu_exists(path));
	ASSERT_STR(old, "old object");                          /* still mapped and readable */
	strcpy(old + 0x1000, "still writable");

	/* the name makes a new object */
	SetLastError(0xdeadbeef);
	fresh = wu_create(a.name, 0x2000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fresh);
	ASSERT_ERR(ERROR_SUCCESS);
	new = MapViewOfFile(fresh, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(new);
	CU_ASSERT_TRUE(wu_all_zero(new, 0x2000));
	strcpy(new, "new object");
	ASSERT_STR(old, "old object");
	ASSERT_STR(old + 0x1000, "still writable");

	ASSERT_CHILD_OK(wu_wait(pid));
	CU_ASSERT_TRUE(UnmapViewOfFile(old));
	CU_ASSERT_TRUE(UnmapViewOfFile(new));
	CU_ASSERT_TRUE(CloseHandle(fresh));
	pair_close(&a);
}

/* Maps the parent's section, then keeps reading it after the parent closed the only handle. */
static int c20_view_child(void *varg)
{
	struct pair *a = varg;
	HANDLE h;
	char *p;

	CHILD_CHECK(wu_await(&a->to_child));
	h = OpenFileMappingA(FILE_MAP_WRITE, FALSE, a->name);
	CHILD_CHECK(h != NULL);
	p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CHILD_CHECK(p != NULL);
	CHILD_CHECK(CloseHandle(h));                            /* a view, no handle */
	CHILD_CHECK(wu_signal(&a->to_parent));
	CHILD_CHECK(wu_await(&a->to_child));                    /* the parent closed its handle */
	SetLastError(0xdeadbeef);
	CHILD_CHECK(OpenFileMappingA(FILE_MAP_READ, FALSE, a->name) == NULL);
	CHILD_CHECK(GetLastError() == ERROR_FILE_NOT_FOUND);
	CHILD_CHECK(!strcmp(p, "shared memory"));
	strcpy(p + 64, "written after the name went");
	CHILD_CHECK(wu_signal(&a->to_parent));
	CHILD_CHECK(wu_await(&a->to_child));
	CHILD_CHECK(UnmapViewOfFile(p));
	CHILD_CHECK(wu_signal(&a->to_parent));
	return 0;
}

static void test_C20_views_keep_memory_not_name(void)
{
	const char *leaf = wu_uniq("C20v");
	const char *path = wu_mpath("Global", leaf);
	struct pair a;
	HANDLE h;
	char *p;
	pid_t pid;

	CU_ASSERT_TRUE_FATAL(pair_open(&a, wu_cat("Global\\", leaf)));
	pid = wu_spawn(c20_view_child, &a);
	h = wu_create(a.name, MIB);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	strcpy(p, "shared memory");
	wu_signal(&a.to_child);
	CU_ASSERT_TRUE(wu_await(&a.to_parent));
	ASSERT_EQ(wu_xattr_num(path, "user.section.views"), 2);
	ASSERT_EQ(wu_xattr_num(path, "user.section.handles"), 1);

	CU_ASSERT_TRUE(CloseHandle(h));                         /* the only handle */
	CU_ASSERT_FALSE(wu_exists(path));
	ASSERT_EQ(wu_used_bytes(), base_used + MIB);            /* the memory stays */
	wu_signal(&a.to_child);
	CU_ASSERT_TRUE(wu_await(&a.to_parent));
	ASSERT_STR(p + 64, "written after the name went");      /* still one object */
	CU_ASSERT_TRUE(UnmapViewOfFile(p));
	ASSERT_EQ(wu_used_bytes(), base_used + MIB);            /* the child's view holds it */
	wu_signal(&a.to_child);
	CU_ASSERT_TRUE(wu_await(&a.to_parent));                 /* the last view went */
	CU_ASSERT_TRUE(wu_wait_used(base_used));   /* freed as the kernel lets go */
	ASSERT_CHILD_OK(wu_wait(pid));
	pair_close(&a);
}

/* ---- C21 ---- */

static void test_C21_destroyed_without_handles_or_views(void)
{
	const char *leaf = wu_uniq("C21");
	const char *path = wu_mpath("Global", leaf);
	HANDLE h;
	char *p;

	h = wu_create(wu_cat("Global\\", leaf), MIB);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_EQ(wu_used_bytes(), base_used + MIB);
	p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(p, 0x5A, MIB);
	CU_ASSERT_TRUE(UnmapViewOfFile(p));                     /* a handle, no view */
	CU_ASSERT_TRUE(wu_exists(path));
	ASSERT_EQ(wu_used_bytes(), base_used + MIB);
	CU_ASSERT_TRUE(CloseHandle(h));                         /* nothing: destroyed */
	CU_ASSERT_FALSE(wu_exists(path));
	CU_ASSERT_TRUE(wu_wait_used(base_used));   /* freed as the kernel lets go */

	/* the other order: the view is the last holder */
	h = wu_create(wu_cat("Global\\", leaf), 2 * MIB);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_TRUE(wu_all_zero(p, 2 * MIB));                /* a new object: zeros */
	CU_ASSERT_TRUE(CloseHandle(h));
	CU_ASSERT_FALSE(wu_exists(path));
	ASSERT_EQ(wu_used_bytes(), base_used + 2 * MIB);
	CU_ASSERT_TRUE(UnmapViewOfFile(p));
	CU_ASSERT_TRUE(wu_wait_used(base_used));   /* freed as the kernel lets go */
	ASSERT_EQ(wu_count_sections(), 0);
}

/* Makes sections and views and exits without closing anything. */
static int c21_exit_child(void *varg)
{
	const char *leaf = varg;
	HANDLE a = wu_create(wu_cat("Global\\", wu_cat(leaf, "-a")), MIB);
	HANDLE b = wu_create(wu_cat("Global\\", wu_cat(leaf, "-b")), MIB);
	char *p;

	CHILD_CHECK(a && b);
	p = MapViewOfFile(a, FILE_MAP_WRITE, 0, 0, 0);
	CHILD_CHECK(p != NULL);
	memset(p, 1, MIB);
	CHILD_CHECK(MapViewOfFile(b, FILE_MAP_READ, 0, 0, 0) != NULL);
	return 0;
}

static void test_C21_exit_closes_handles_and_views(void)
{
	const char *leaf = wu_uniq("C21x");

	ASSERT_CHILD_OK(wu_run(c21_exit_child, (void *)leaf));
	/* the kernel closes a dead process's files asynchronously: poll */
	CU_ASSERT_TRUE(wu_wait_path(wu_mpath("Global", wu_cat(leaf, "-a")), false));
	CU_ASSERT_TRUE(wu_wait_path(wu_mpath("Global", wu_cat(leaf, "-b")), false));
	CU_ASSERT_TRUE(wu_wait_used(base_used));
}

struct kill_arg {
	const char *leaf;
	char file[128];
	struct wu_pipe to_parent;
};

/* Builds every kind of holder, says so, and waits to be killed. */
static int c21_kill_child(void *varg)
{
	struct kill_arg *a = varg;
	HANDLE k1, k2, k3, k4, dup, again, f;
	char *p1, *p2, *p3, *p4;

	k1 = wu_create(wu_cat("Global\\", wu_cat(a->leaf, "-1")), MIB);
	k2 = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0, 4 * MIB,
				wu_cat("Global\\", wu_cat(a->leaf, "-2")));
	f = CreateFileA(a->file, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
	CHILD_CHECK(f != INVALID_HANDLE_VALUE);
	k3 = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0x30000,
				wu_cat("Global\\", wu_cat(a->leaf, "-3")));
	k4 = wu_create(wu_cat("Global\\", wu_cat(a->leaf, "-4")), MIB);   /* the parent will hold it */
	CHILD_CHECK(k1 && k2 && k3 && k4);
	CHILD_CHECK(DuplicateHandle(GetCurrentProcess(), k1, GetCurrentProcess(), &dup, 0, FALSE,
				    DUPLICATE_SAME_ACCESS));
	again = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, wu_cat("Global\\", wu_cat(a->leaf, "-2")));
	CHILD_CHECK(again != NULL);
	p1 = MapViewOfFile(dup, FILE_MAP_WRITE, 0, 0, 0);
	p2 = MapViewOfFile(again, FILE_MAP_WRITE, 0, 0, 0);
	p3 = MapViewOfFile(k3, FILE_MAP_WRITE, 0, 0, 0);
	p4 = MapViewOfFile(k4, FILE_MAP_WRITE, 0, 0, 0);
	CHILD_CHECK(p1 && p2 && p3 && p4);
	CHILD_CHECK(VirtualAlloc(p2 + 0x10000, 0x10000, MEM_COMMIT, PAGE_READWRITE) != NULL);
	memset(p1, 0x11, MIB);
	memset(p2 + 0x10000, 0x22, 0x10000);
	memset(p3, 0x33, 0x30000);
	strcpy(p4, "outlives its creator");
	CHILD_CHECK(MapViewOfFile(k1, FILE_MAP_READ, 0, 0, 0) != NULL);   /* two views of one */
	CHILD_CHECK(wu_signal(&a->to_parent));
	for (;;)
		pause();
}

static void test_C21_sigkill_leaves_nothing(void)
{
	struct kill_arg a = { .leaf = wu_uniq("kill") };
	const char *names[] = { "-1", "-2", "-3" };
	HANDLE held;
	char *p;
	pid_t pid;

	wu_tmp_path(a.file, sizeof(a.file), "kill");
	CU_ASSERT_TRUE_FATAL(wu_pipe_open(&a.to_parent));
	pid = wu_spawn(c21_kill_child, &a);
	CU_ASSERT_TRUE(wu_await(&a.to_parent));
	for (size_t i = 0; i < 3; i++)
		CU_ASSERT_TRUE(wu_exists(wu_mpath("Global", wu_cat(a.leaf, names[i]))));
	/* the paging-file sections' committed bytes, as Windows charges them: all of the SEC_COMMIT
	 * ones, the one committed range of the SEC_RESERVE one (the file-backed one is the file's) */
	ASSERT_EQ(wu_used_bytes(), base_used + 2 * MIB + 0x10000);
	held = OpenFileMappingA(FILE_MAP_READ, FALSE, wu_cat("Global\\", wu_cat(a.leaf, "-4")));
	CU_ASSERT_PTR_NOT_NULL(held);

	kill(pid, SIGKILL);
	ASSERT_EQ(wu_wait(pid), 128 + SIGKILL);
	for (size_t i = 0; i < 3; i++)
		CU_ASSERT_TRUE(wu_wait_path(wu_mpath("Global", wu_cat(a.leaf, names[i])), false));
	CU_ASSERT_TRUE(wu_wait_used(base_used + MIB));          /* only what this process holds */
	ASSERT_EQ(wu_count_sections(), 1);

	/* what another process holds outlives its creator, with its data */
	CU_ASSERT_TRUE(wu_exists(wu_mpath("Global", wu_cat(a.leaf, "-4"))));
	p = held ? MapViewOfFile(held, FILE_MAP_READ, 0, 0, 0) : NULL;
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p) {
		ASSERT_STR(p, "outlives its creator");
		CU_ASSERT_TRUE(UnmapViewOfFile(p));
	}
	if (held)
		CU_ASSERT_TRUE(CloseHandle(held));
	CU_ASSERT_FALSE(wu_exists(wu_mpath("Global", wu_cat(a.leaf, "-4"))));
	CU_ASSERT_TRUE(wu_wait_used(base_used));   /* freed as the kernel lets go */
	ASSERT_EQ(wu_file_size(a.file), 0x30000);               /* the file is the child's own */
	unlink(a.file);
	wu_pipe_close(&a.to_parent);
}

/* ---- an open file of the mount is a handle ---- */

static int plain_open_child(void *varg)
{
	struct pair *a = varg;
	char buf[32] = "";
	int fd;

	CHILD_CHECK(wu_await(&a->to_child));
	fd = open(a->name, O_RDONLY | O_CLOEXEC);              /* a plain Linux open */
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(wu_signal(&a->to_parent));
	CHILD_CHECK(wu_await(&a->to_child));                    /* the parent's handle is closed */
	CHILD_CHECK(pread(fd, buf, sizeof(buf) - 1, 0) > 0);
	CHILD_CHECK(!strcmp(buf, "kept by open()"));
	CHILD_CHECK(close(fd) == 0);
	return 0;
}

static void test_lifetime_plain_open_is_a_handle(void)
{
	const char *leaf = wu_uniq("open");
	const char *path = wu_mpath("Global", leaf);
	struct pair a;
	HANDLE h, o;
	char *p;
	pid_t pid;

	CU_ASSERT_TRUE_FATAL(pair_open(&a, path));
	pid = wu_spawn(plain_open_child, &a);
	h = wu_create(wu_cat("Global\\", leaf), 0x1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	strcpy(p, "kept by open()");
	CU_ASSERT_TRUE(UnmapViewOfFile(p));
	wu_signal(&a.to_child);
	CU_ASSERT_TRUE(wu_await(&a.to_parent));
	ASSERT_EQ(wu_xattr_num(path, "user.section.handles"), 2);
	CU_ASSERT_TRUE(CloseHandle(h));

	CU_ASSERT_TRUE(wu_exists(path));                        /* the open file holds the name */
	o = OpenFileMappingA(FILE_MAP_READ, FALSE, wu_cat("Global\\", leaf));
	CU_ASSERT_PTR_NOT_NULL(o);
	p = o ? MapViewOfFile(o, FILE_MAP_READ, 0, 0, 0) : NULL;
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p) {
		ASSERT_STR(p, "kept by open()");
		CU_ASSERT_TRUE(UnmapViewOfFile(p));
	}
	if (o)
		CU_ASSERT_TRUE(CloseHandle(o));
	CU_ASSERT_TRUE(wu_exists(path));
	wu_signal(&a.to_child);
	ASSERT_CHILD_OK(wu_wait(pid));
	/* close(2) reaches the daemon after it returns: poll */
	CU_ASSERT_TRUE(wu_wait_path(path, false));
	CU_ASSERT_TRUE(wu_wait_used(base_used));
	pair_close(&a);
}

const char *suite_name = "winapi_lifetime";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_C20_name_goes_with_the_last_handle),
	UNIT_TEST(test_C20_views_keep_memory_not_name),
	UNIT_TEST(test_C21_destroyed_without_handles_or_views),
	UNIT_TEST(test_C21_exit_closes_handles_and_views),
	UNIT_TEST(test_C21_sigkill_leaves_nothing),
	UNIT_TEST(test_lifetime_plain_open_is_a_handle),
	{ 0 },
};
