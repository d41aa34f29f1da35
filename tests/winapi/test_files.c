/* File-backed sections seen through the mount, rules A5, A10, E36 and E37, and the file calls
 * themselves (CreateFile dispositions, ReadFile/WriteFile, file pointers and sizes). */
#include <CUnit/CUnit.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cunit_main.h"
#include "winapi_util.h"

void suite_teardown(void)
{
	CU_ASSERT_TRUE(wu_wait_sections(0));
	CU_ASSERT_TRUE(wu_wait_used(0));
}

/* A /tmp file of n pattern bytes (seed), opened read-write, and a named section over it. */
struct backed {
	char path[128];
	const char *leaf, *name, *mpath;
	HANDLE file, section;
};

static bool backed_open_leaf(struct backed *b, const char *leaf, size_t n, unsigned seed, DWORD size)
{
	wu_tmp_path(b->path, sizeof(b->path), "files");
	b->leaf = leaf;
	b->name = wu_cat("Global\\", b->leaf);
	b->mpath = wu_mpath("Global", b->leaf);
	b->section = NULL;
	b->file = INVALID_HANDLE_VALUE;
	if (!wu_make_file(b->path, n, seed))
		return false;
	b->file = CreateFileA(b->path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
			      NULL, OPEN_EXISTING, 0, NULL);
	if (b->file == INVALID_HANDLE_VALUE)
		return false;
	b->section = CreateFileMappingA(b->file, NULL, PAGE_READWRITE, 0, size, b->name);
	return b->section != NULL;
}

static bool backed_open(struct backed *b, size_t n, unsigned seed, DWORD size)
{
	return backed_open_leaf(b, wu_uniq("F"), n, seed, size);
}

static void backed_close(struct backed *b)
{
	if (b->section)
		CU_ASSERT_TRUE(CloseHandle(b->section));
	if (b->file != INVALID_HANDLE_VALUE)
		CU_ASSERT_TRUE(CloseHandle(b->file));
	unlink(b->path);
}

/* ---- the mount shows the file ---- */

struct linux_arg {
	const char *mpath;
	size_t size;
};

/* A plain Linux program: stat, read, mmap and write the section's file in the mount. */
static int linux_reader_child(void *varg)
{
	struct linux_arg *a = varg;
	struct stat st;
	char *buf = malloc(a->size), *m;
	int fd = open(a->mpath, O_RDWR | O_CLOEXEC);

	CHILD_CHECK(fd >= 0 && buf);
	CHILD_CHECK(fstat(fd, &st) == 0 && (size_t)st.st_size == a->size);
	CHILD_CHECK(pread(fd, buf, a->size, 0) == (ssize_t)a->size);
	CHILD_CHECK(wu_check_pattern(buf, a->size, 0, 1));
	m = mmap(NULL, a->size, PROT_READ, MAP_SHARED, fd, 0);
	CHILD_CHECK(m != MAP_FAILED);
	CHILD_CHECK(wu_check_pattern(m, a->size, 0, 1));
	CHILD_CHECK(munmap(m, a->size) == 0);
	CHILD_CHECK(pwrite(fd, "via the mount", 13, 0x100) == 13);
	CHILD_CHECK(close(fd) == 0);
	free(buf);
	return 0;
}

static void test_files_mount_shows_the_file(void)
{
	struct backed b;
	struct linux_arg a;
	char text[PATH_MAX], buf[16] = "", real[PATH_MAX];
	char *v;

	CU_ASSERT_TRUE_FATAL(backed_open(&b, 0x5000, 1, 0));
	a.mpath = b.mpath;
	a.size = 0x5000;
	CU_ASSERT_TRUE(wu_xattr(b.mpath, "user.section.backing", text, sizeof(text)));
	CU_ASSERT_PTR_NOT_NULL(realpath(b.path, real));
	ASSERT_STR(text, real);
	CU_ASSERT_TRUE(wu_xattr(b.mpath, "user.section.attributes", text, sizeof(text)));
	ASSERT_STR(text, "SEC_FILE");
	v = MapViewOfFile(b.section, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);

	ASSERT_CHILD_OK(wu_run(linux_reader_child, &a));
	/* the mount's write reached the file, and the view */
	ASSERT_EQ(wu_read_file(b.path, buf, 13, 0x100), 13);
	ASSERT_STR(buf, "via the mount");
	CU_ASSERT_TRUE(!memcmp(v + 0x100, "via the mount", 13));
	CU_ASSERT_TRUE(wu_check_pattern(v + 0x100 + 13, 0x5000 - 0x100 - 13, 0x100 + 13, 1));
	CU_ASSERT_TRUE(UnmapViewOfFile(v));
	backed_close(&b);
}

/* ---- A5 ---- */

static void test_A5_growth_seen_through_the_mount(void)
{
	struct backed b;
	char tail[0x45];
	DWORD high = 9;

	CU_ASSERT_TRUE_FATAL(backed_open(&b, 10, 2, 0x12345));
	ASSERT_EQ(GetFileSize(b.file, &high), 0x12345);
	ASSERT_EQ(high, 0);
	ASSERT_EQ(wu_file_size(b.path), 0x12345);
	ASSERT_EQ(wu_file_size(b.mpath), 0x12345);
	memset(tail, 1, sizeof(tail));
	ASSERT_EQ(wu_read_file(b.mpath, tail, sizeof(tail), 0x12345 - sizeof(tail)), sizeof(tail));
	CU_ASSERT_TRUE(wu_all_zero(tail, sizeof(tail)));
	ASSERT_EQ(wu_read_file(b.mpath, tail, 10, 0), 10);
	CU_ASSERT_TRUE(wu_check_pattern(tail, 10, 0, 2));
	backed_close(&b);
}

/* ---- E36 ---- */

static void expect_truncating_opens_fail(const char *path)
{
	const DWORD dispositions[] = { CREATE_ALWAYS, TRUNCATE_EXISTING };

	for (size_t i = 0; i < 2; i++) {
		SetLastError(0xdeadbeef);
		HANDLE h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
				       NULL, dispositions[i], 0, NULL);
		CU_ASSERT(h == INVALID_HANDLE_VALUE);
		ASSERT_ERR(ERROR_USER_MAPPED_FILE);
		if (h != INVALID_HANDLE_VALUE)
			CloseHandle(h);
	}
}

static void test_E36_no_cut_below_a_view(void)
{
	struct backed b;
	char *v;

	CU_ASSERT_TRUE_FATAL(backed_open(&b, 0x20000, 3, 0));
	v = MapViewOfFile(b.section, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	ASSERT_EQ(SetFilePointer(b.file, 0x1000, NULL, FILE_BEGIN), 0x1000);
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(SetEndOfFile(b.file));
	ASSERT_ERR(ERROR_USER_MAPPED_FILE);
	ASSERT_EQ(SetFilePointer(b.file, 0, NULL, FILE_BEGIN), 0);
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(SetEndOfFile(b.file));
	ASSERT_ERR(ERROR_USER_MAPPED_FILE);
	expect_truncating_opens_fail(b.path);
	ASSERT_EQ(wu_file_size(b.path), 0x20000);
	CU_ASSERT_TRUE(wu_check_pattern(v + 0x1f000, 0x1000, 0x1f000, 3));   /* nothing was cut */

	/* growing is fine */
	ASSERT_EQ(SetFilePointer(b.file, 0x30000, NULL, FILE_BEGIN), 0x30000);
	CU_ASSERT_TRUE(SetEndOfFile(b.file));
	ASSERT_EQ(GetFileSize(b.file, NULL), 0x30000);

	/* without views or sections the file is an ordinary file again */
	CU_ASSERT_TRUE(UnmapViewOfFile(v));
	CU_ASSERT_TRUE(CloseHandle(b.section));
	b.section = NULL;
	ASSERT_EQ(SetFilePointer(b.file, 0x1000, NULL, FILE_BEGIN), 0x1000);
	CU_ASSERT_TRUE(SetEndOfFile(b.file));
	ASSERT_EQ(GetFileSize(b.file, NULL), 0x1000);
	backed_close(&b);
}

struct e36_arg {
	const char *name;
	struct wu_pipe to_parent, to_child;
};

/* Maps the section another process made over its file, and holds the view. */
static int e36_child(void *varg)
{
	struct e36_arg *a = varg;
	HANDLE h;
	volatile char *p;

	CHILD_CHECK(wu_await(&a->to_child));
	h = OpenFileMappingA(FILE_MAP_READ, FALSE, a->name);
	CHILD_CHECK(h != NULL);
	p = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	CHILD_CHECK(p != NULL);
	CHILD_CHECK(CloseHandle(h));
	(void)p[0x1f000];
	CHILD_CHECK(wu_signal(&a->to_parent));
	CHILD_CHECK(wu_await(&a->to_child));
	CHILD_CHECK(wu_check_pattern((const char *)p + 0x1f000, 0x1000, 0x1f000, 4));
	CHILD_CHECK(UnmapViewOfFile((void *)p));
	return 0;
}

/* The view that maps the file is another process's. */
static void test_E36_no_cut_below_another_process_view(void)
{
	const char *leaf = wu_uniq("E36p");
	struct e36_arg a = { .name = wu_cat("Global\\", leaf) };
	struct backed b;
	pid_t pid;

	CU_ASSERT_TRUE_FATAL(wu_pipe_open(&a.to_parent) && wu_pipe_open(&a.to_child));
	pid = wu_spawn(e36_child, &a);                            /* before anything is made */
	CU_ASSERT_TRUE_FATAL(backed_open_leaf(&b, leaf, 0x20000, 4, 0));
	CU_ASSERT_TRUE(wu_signal(&a.to_child));
	CU_ASSERT_TRUE(wu_await(&a.to_parent));

	ASSERT_EQ(SetFilePointer(b.file, 0x1000, NULL, FILE_BEGIN), 0x1000);
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(SetEndOfFile(b.file));
	ASSERT_ERR(ERROR_USER_MAPPED_FILE);
	expect_truncating_opens_fail(b.path);
	if (wu_file_size(b.path) != 0x20000) {
		/* it was cut: put it back before the child looks, or it dies of SIGBUS */
		int fd = open(b.path, O_RDWR | O_CLOEXEC);
		char *data = malloc(0x20000);
		wu_fill_pattern(data, 0x20000, 0, 4);
		CU_ASSERT(fd >= 0 && pwrite(fd, data, 0x20000, 0) == 0x20000);
		free(data);
		if (fd >= 0)
			close(fd);
	}
	wu_signal(&a.to_child);
	ASSERT_CHILD_OK(wu_wait(pid));
	backed_close(&b);
	wu_pipe_close(&a.to_parent);
	wu_pipe_close(&a.to_child);
}

static void expect_no_cut(HANDLE file, LONG at)
{
	ASSERT_EQ(SetFilePointer(file, at, NULL, FILE_BEGIN), (DWORD)at);
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(SetEndOfFile(file));
	ASSERT_ERR(ERROR_USER_MAPPED_FILE);
}

/* While any section of a file lives, a handle or a view, the file cannot become shorter at all,
 * even far above what the section covers (checked against Wine 8.0). */
static void test_E36_a_file_with_a_section_cannot_shrink_at_all(void)
{
	struct backed b;
	char *v;

	CU_ASSERT_TRUE_FATAL(backed_open(&b, 0x3000, 6, 0x1000));   /* a section of one page */
	expect_no_cut(b.file, 0x2000);                            /* a handle, no view */
	expect_truncating_opens_fail(b.path);
	ASSERT_EQ(SetFilePointer(b.file, 0x4000, NULL, FILE_BEGIN), 0x4000);
	CU_ASSERT_TRUE(SetEndOfFile(b.file));                     /* growing is fine */
	v = MapViewOfFile(b.section, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	expect_no_cut(b.file, 0x3000);                            /* a handle and a view */
	CU_ASSERT_TRUE(CloseHandle(b.section));
	b.section = NULL;
	expect_no_cut(b.file, 0x2000);                            /* the view alone */
	expect_truncating_opens_fail(b.path);
	ASSERT_EQ(wu_file_size(b.path), 0x4000);
	CU_ASSERT_TRUE(UnmapViewOfFile(v));
	ASSERT_EQ(SetFilePointer(b.file, 0x1000, NULL, FILE_BEGIN), 0x1000);
	CU_ASSERT_TRUE(SetEndOfFile(b.file));                     /* nothing left: cut */
	ASSERT_EQ(wu_file_size(b.path), 0x1000);
	backed_close(&b);
}

struct handle_arg {
	const char *name;
	struct wu_pipe to_parent, to_child;
};

/* Opens the section another process made over its file and holds only the handle. */
static int handle_holder_child(void *varg)
{
	struct handle_arg *a = varg;
	HANDLE h;

	CHILD_CHECK(wu_await(&a->to_child));
	h = OpenFileMappingA(FILE_MAP_READ, FALSE, a->name);
	CHILD_CHECK(h != NULL);
	CHILD_CHECK(wu_signal(&a->to_parent));
	CHILD_CHECK(wu_await(&a->to_child));
	CHILD_CHECK(CloseHandle(h));
	return 0;
}

/* The section's only handle is another process's: the file still cannot shrink. */
static void test_E36_another_process_handle_stops_any_cut(void)
{
	const char *leaf = wu_uniq("E36h");
	struct handle_arg a = { .name = wu_cat("Global\\", leaf) };
	struct backed b;
	pid_t pid;

	CU_ASSERT_TRUE_FATAL(wu_pipe_open(&a.to_parent) && wu_pipe_open(&a.to_child));
	pid = wu_spawn(handle_holder_child, &a);
	CU_ASSERT_TRUE_FATAL(backed_open_leaf(&b, leaf, 0x3000, 7, 0x1000));
	CU_ASSERT_TRUE(wu_signal(&a.to_child));
	CU_ASSERT_TRUE(wu_await(&a.to_parent));
	CU_ASSERT_TRUE(CloseHandle(b.section));                    /* ours goes: theirs holds it */
	b.section = NULL;
	expect_no_cut(b.file, 0x2000);
	expect_truncating_opens_fail(b.path);
	ASSERT_EQ(wu_file_size(b.path), 0x3000);
	wu_signal(&a.to_child);
	ASSERT_CHILD_OK(wu_wait(pid));
	CU_ASSERT_TRUE(wu_wait_sections(0));                       /* the name went with it */
	ASSERT_EQ(SetFilePointer(b.file, 0x2000, NULL, FILE_BEGIN), 0x2000);
	CU_ASSERT_TRUE(SetEndOfFile(b.file));
	backed_close(&b);
	wu_pipe_close(&a.to_parent);
	wu_pipe_close(&a.to_child);
}

/* sectionfs's own files: shrinking a section someone else holds is refused (EBUSY). */
static void test_E36_mount_refuses_to_shrink_a_held_section(void)
{
	const char *leaf = wu_uniq("E36m");
	const char *path = wu_mpath("Global", leaf);
	struct backed b;
	HANDLE h;
	char *v, *fv;
	int fd;

	h = wu_create(wu_cat("Global\\", leaf), 0x20000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	memset(v, 7, 0x20000);
	fd = open(path, O_RDWR | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	errno = 0;
	CU_ASSERT_EQUAL(ftruncate(fd, 0x1000), -1);
	ASSERT_EQ(errno, EBUSY);
	errno = 0;
	CU_ASSERT_EQUAL(truncate(path, 0), -1);
	ASSERT_EQ(errno, EBUSY);
	errno = 0;
	CU_ASSERT_EQUAL(open(path, O_WRONLY | O_TRUNC | O_CLOEXEC), -1);
	ASSERT_EQ(errno, EBUSY);
	ASSERT_EQ(wu_file_size(path), 0x20000);
	ASSERT_EQ(v[0x1ffff], 7);                                 /* the view is whole */
	CU_ASSERT_EQUAL(ftruncate(fd, 0x30000), 0);               /* growing is allowed */
	ASSERT_EQ(wu_file_size(path), 0x30000);
	close(fd);
	CU_ASSERT_TRUE(UnmapViewOfFile(v));
	CU_ASSERT_TRUE(CloseHandle(h));

	/* a file-backed section: the same, and the file is not cut either */
	CU_ASSERT_TRUE_FATAL(backed_open(&b, 0x20000, 5, 0));
	fv = MapViewOfFile(b.section, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fv);
	errno = 0;
	CU_ASSERT_EQUAL(truncate(b.mpath, 0x1000), -1);
	ASSERT_EQ(errno, EBUSY);
	ASSERT_EQ(wu_file_size(b.path), 0x20000);
	CU_ASSERT_TRUE(wu_check_pattern(fv + 0x1f000, 0x1000, 0x1f000, 5));
	CU_ASSERT_TRUE(UnmapViewOfFile(fv));
	backed_close(&b);
}

/* ---- E37 ---- */

struct e37_arg {
	const char *mpath;
	size_t size;
};

/* A Linux program maps the section's file and writes through the map. */
static int e37_child(void *varg)
{
	struct e37_arg *a = varg;
	int fd = open(a->mpath, O_RDWR | O_CLOEXEC);
	char *m;

	CHILD_CHECK(fd >= 0);
	m = mmap(NULL, a->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHILD_CHECK(m != MAP_FAILED);
	CHILD_CHECK(!strcmp(m + 0x2000, "from the view"));
	CHILD_CHECK(!strcmp(m + 0x3000, "from write()"));
	strcpy(m + 0x4000, "from mmap");
	CHILD_CHECK(munmap(m, a->size) == 0);
	CHILD_CHECK(close(fd) == 0);
	return 0;
}

static void test_E37_mount_io_is_coherent_with_views(void)
{
	struct backed b;
	struct e37_arg a;
	char buf[32] = "";
	char *v;
	int fd;

	CU_ASSERT_TRUE_FATAL(backed_open(&b, 0x10000, 6, 0));
	a.mpath = b.mpath;
	a.size = 0x10000;
	v = MapViewOfFile(b.section, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	fd = open(b.mpath, O_RDWR | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);

	strcpy(v + 0x2000, "from the view");                      /* no flush */
	ASSERT_EQ(pread(fd, buf, 14, 0x2000), 14);
	ASSERT_STR(buf, "from the view");
	ASSERT_EQ(pwrite(fd, "from write()", 13, 0x3000), 13);
	ASSERT_STR(v + 0x3000, "from write()");
	ASSERT_CHILD_OK(wu_run(e37_child, &a));
	ASSERT_STR(v + 0x4000, "from mmap");
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(pread(fd, buf, 10, 0x4000), 10);
	ASSERT_STR(buf, "from mmap");
	close(fd);
	CU_ASSERT_TRUE(UnmapViewOfFile(v));
	backed_close(&b);
}

/* ---- the file calls ---- */

static HANDLE create_file(const char *path, DWORD access, DWORD disposition)
{
	SetLastError(0xdeadbeef);
	return CreateFileA(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, disposition,
			   FILE_ATTRIBUTE_NORMAL, NULL);
}

static void test_files_create_dispositions(void)
{
	char path[128], missing_dir[160];
	HANDLE h;

	wu_tmp_path(path, sizeof(path), "disp");
	snprintf(missing_dir, sizeof(missing_dir), "%s.dir/file", path);

	/* CREATE_NEW */
	h = create_file(path, GENERIC_READ | GENERIC_WRITE, CREATE_NEW);
	CU_ASSERT_FATAL(h != INVALID_HANDLE_VALUE);
	ASSERT_ERR(ERROR_SUCCESS);
	CU_ASSERT_TRUE(WriteFile(h, "0123456789", 10, NULL, NULL));
	CU_ASSERT_TRUE(CloseHandle(h));
	h = create_file(path, GENERIC_READ | GENERIC_WRITE, CREATE_NEW);
	CU_ASSERT(h == INVALID_HANDLE_VALUE);
	ASSERT_ERR(ERROR_FILE_EXISTS);

	/* OPEN_EXISTING */
	h = create_file(path, GENERIC_READ, OPEN_EXISTING);
	CU_ASSERT(h != INVALID_HANDLE_VALUE);
	if (h != INVALID_HANDLE_VALUE) {
		ASSERT_EQ(GetFileSize(h, NULL), 10);
		CU_ASSERT_TRUE(CloseHandle(h));
	}
	h = create_file(wu_cat(path, ".none"), GENERIC_READ, OPEN_EXISTING);
	CU_ASSERT(h == INVALID_HANDLE_VALUE);
	ASSERT_ERR(ERROR_FILE_NOT_FOUND);
	h = create_file(missing_dir, GENERIC_READ, OPEN_EXISTING);
	CU_ASSERT(h == INVALID_HANDLE_VALUE);
	ASSERT_ERR(ERROR_PATH_NOT_FOUND);

	/* OPEN_ALWAYS: the file stays as it is */
	h = create_file(path, GENERIC_READ | GENERIC_WRITE, OPEN_ALWAYS);
	CU_ASSERT(h != INVALID_HANDLE_VALUE);
	ASSERT_ERR(ERROR_ALREADY_EXISTS);
	if (h != INVALID_HANDLE_VALUE) {
		ASSERT_EQ(GetFileSize(h, NULL), 10);
		CU_ASSERT_TRUE(CloseHandle(h));
	}
	h = create_file(wu_cat(path, ".oa"), GENERIC_READ | GENERIC_WRITE, OPEN_ALWAYS);
	CU_ASSERT(h != INVALID_HANDLE_VALUE);
	ASSERT_ERR(ERROR_SUCCESS);
	if (h != INVALID_HANDLE_VALUE)
		CU_ASSERT_TRUE(CloseHandle(h));
	CU_ASSERT_TRUE(DeleteFileA(wu_cat(path, ".oa")));

	/* CREATE_ALWAYS: emptied */
	h = create_file(path, GENERIC_READ | GENERIC_WRITE, CREATE_ALWAYS);
	CU_ASSERT(h != INVALID_HANDLE_VALUE);
	ASSERT_ERR(ERROR_ALREADY_EXISTS);
	if (h != INVALID_HANDLE_VALUE) {
		ASSERT_EQ(GetFileSize(h, NULL), 0);
		CU_ASSERT_TRUE(WriteFile(h, "abc", 3, NULL, NULL));
		CU_ASSERT_TRUE(CloseHandle(h));
	}
	h = create_file(wu_cat(path, ".ca"), GENERIC_WRITE, CREATE_ALWAYS);
	CU_ASSERT(h != INVALID_HANDLE_VALUE);
	ASSERT_ERR(ERROR_SUCCESS);
	if (h != INVALID_HANDLE_VALUE)
		CU_ASSERT_TRUE(CloseHandle(h));
	CU_ASSERT_TRUE(DeleteFileA(wu_cat(path, ".ca")));

	/* TRUNCATE_EXISTING */
	h = create_file(path, GENERIC_WRITE, TRUNCATE_EXISTING);
	CU_ASSERT(h != INVALID_HANDLE_VALUE);
	if (h != INVALID_HANDLE_VALUE) {
		ASSERT_EQ(GetFileSize(h, NULL), 0);
		CU_ASSERT_TRUE(CloseHandle(h));
	}
	h = create_file(wu_cat(path, ".none"), GENERIC_WRITE, TRUNCATE_EXISTING);
	CU_ASSERT(h == INVALID_HANDLE_VALUE);
	ASSERT_ERR(ERROR_FILE_NOT_FOUND);

	/* FILE_FLAG_DELETE_ON_CLOSE */
	SetLastError(0xdeadbeef);
	h = CreateFileA(wu_cat(path, ".doc"), GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW,
			FILE_FLAG_DELETE_ON_CLOSE, NULL);
	CU_ASSERT(h != INVALID_HANDLE_VALUE);
	CU_ASSERT_TRUE(wu_exists(wu_cat(path, ".doc")));
	if (h != INVALID_HANDLE_VALUE)
		CU_ASSERT_TRUE(CloseHandle(h));
	CU_ASSERT_FALSE(wu_exists(wu_cat(path, ".doc")));

	/* W */
	WCHAR wpath[128];
	for (size_t i = 0; i <= strlen(path); i++)
		wpath[i] = (WCHAR)path[i];
	SetLastError(0xdeadbeef);
	h = CreateFileW(wpath, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
	CU_ASSERT(h != INVALID_HANDLE_VALUE);
	if (h != INVALID_HANDLE_VALUE)
		CU_ASSERT_TRUE(CloseHandle(h));

	/* DeleteFile */
	CU_ASSERT_TRUE(DeleteFileW(wpath));
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(DeleteFileA(path));
	ASSERT_ERR(ERROR_FILE_NOT_FOUND);
	CU_ASSERT_FALSE(wu_exists(path));
}

static void test_files_read_write_and_pointers(void)
{
	char path[128];
	unsigned char data[10000], back[20000];
	DWORD done = 7, high;
	LONG dist_high;
	LARGE_INTEGER li, pos;
	OVERLAPPED ov;
	HANDLE h;

	wu_tmp_path(path, sizeof(path), "rw");
	wu_fill_pattern(data, sizeof(data), 0, 11);
	h = create_file(path, GENERIC_READ | GENERIC_WRITE, CREATE_NEW);
	CU_ASSERT_FATAL(h != INVALID_HANDLE_VALUE);
	CU_ASSERT_TRUE(WriteFile(h, data, sizeof(data), &done, NULL));
	ASSERT_EQ(done, sizeof(data));
	ASSERT_EQ(GetFileSize(h, NULL), sizeof(data));
	ASSERT_EQ(SetFilePointer(h, 0, NULL, FILE_CURRENT), sizeof(data));
	ASSERT_EQ(SetFilePointer(h, 0, NULL, FILE_BEGIN), 0);
	CU_ASSERT_TRUE(ReadFile(h, back, sizeof(back), &done, NULL));
	ASSERT_EQ(done, sizeof(data));                           /* to the end, and no further */
	CU_ASSERT_TRUE(wu_check_pattern(back, sizeof(data), 0, 11));
	done = 7;
	CU_ASSERT_TRUE(ReadFile(h, back, 100, &done, NULL));
	ASSERT_EQ(done, 0);                                      /* at the end: success, 0 bytes */

	ASSERT_EQ(SetFilePointer(h, -10, NULL, FILE_END), sizeof(data) - 10);
	CU_ASSERT_TRUE(ReadFile(h, back, 100, &done, NULL));
	ASSERT_EQ(done, 10);
	CU_ASSERT_TRUE(wu_check_pattern(back, 10, sizeof(data) - 10, 11));
	ASSERT_EQ(SetFilePointer(h, -100, NULL, FILE_CURRENT), sizeof(data) - 100);

	/* before the start: ERROR_NEGATIVE_SEEK, and the pointer stays */
	SetLastError(0xdeadbeef);
	ASSERT_EQ(SetFilePointer(h, -20000, NULL, FILE_CURRENT), INVALID_SET_FILE_POINTER);
	ASSERT_ERR(ERROR_NEGATIVE_SEEK);
	SetLastError(0xdeadbeef);
	ASSERT_EQ(SetFilePointer(h, -1, NULL, FILE_BEGIN), INVALID_SET_FILE_POINTER);
	ASSERT_ERR(ERROR_NEGATIVE_SEEK);
	li.QuadPart = -20001;
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(SetFilePointerEx(h, li, &pos, FILE_END));
	ASSERT_ERR(ERROR_NEGATIVE_SEEK);
	ASSERT_EQ(SetFilePointer(h, 0, NULL, FILE_CURRENT), sizeof(data) - 100);

	/* 64-bit positions and sizes */
	dist_high = 1;
	ASSERT_EQ(SetFilePointer(h, 0x10, &dist_high, FILE_BEGIN), 0x10);
	ASSERT_EQ(dist_high, 1);
	CU_ASSERT_TRUE(SetEndOfFile(h));
	high = 0;
	ASSERT_EQ(GetFileSize(h, &high), 0x10);
	ASSERT_EQ(high, 1);
	CU_ASSERT_TRUE(GetFileSizeEx(h, &li));
	ASSERT_EQ(li.QuadPart, 0x100000010LL);
	li.QuadPart = -0x100000000LL;
	CU_ASSERT_TRUE(SetFilePointerEx(h, li, &pos, FILE_END));
	ASSERT_EQ(pos.QuadPart, 0x10);
	li.QuadPart = 5000;
	CU_ASSERT_TRUE(SetFilePointerEx(h, li, &pos, FILE_BEGIN));
	ASSERT_EQ(pos.QuadPart, 5000);
	CU_ASSERT_TRUE(SetEndOfFile(h));
	ASSERT_EQ(GetFileSize(h, NULL), 5000);

	/* OVERLAPPED offsets */
	memset(&ov, 0, sizeof(ov));
	ov.Offset = 100;
	CU_ASSERT_TRUE(WriteFile(h, "overlapped", 10, &done, &ov));
	ASSERT_EQ(done, 10);
	memset(&ov, 0, sizeof(ov));
	ov.Offset = 100;
	memset(back, 0, 16);
	CU_ASSERT_TRUE(ReadFile(h, back, 10, &done, &ov));
	CU_ASSERT_TRUE(!memcmp(back, "overlapped", 10));
	ASSERT_EQ(ov.Internal, STATUS_SUCCESS);
	ASSERT_EQ(ov.InternalHigh, 10);
	CU_ASSERT_TRUE(CloseHandle(h));

	/* access is enforced */
	h = create_file(path, GENERIC_READ, OPEN_EXISTING);
	CU_ASSERT_FATAL(h != INVALID_HANDLE_VALUE);
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(WriteFile(h, "x", 1, &done, NULL));
	ASSERT_ERR(ERROR_ACCESS_DENIED);
	CU_ASSERT_TRUE(CloseHandle(h));
	h = create_file(path, GENERIC_WRITE, OPEN_EXISTING);
	CU_ASSERT_FATAL(h != INVALID_HANDLE_VALUE);
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(ReadFile(h, back, 1, &done, NULL));
	ASSERT_ERR(ERROR_ACCESS_DENIED);
	CU_ASSERT_TRUE(CloseHandle(h));
	CU_ASSERT_TRUE(DeleteFileA(path));
}

/* A10 at the API and at the daemon: nobody attaches a file with more access than it opened. */
static void test_files_read_only_handle_cannot_back_a_writable_section(void)
{
	const char *leaf = wu_uniq("ro");
	char path[128], stage[PATH_MAX], value[64];
	HANDLE f, h;
	char *v;
	int sfd, ffd;

	wu_tmp_path(path, sizeof(path), "ro");
	CU_ASSERT_TRUE_FATAL(wu_make_file(path, 0x4000, 12));
	f = create_file(path, GENERIC_READ, OPEN_EXISTING);
	CU_ASSERT_FATAL(f != INVALID_HANDLE_VALUE);
	SetLastError(0xdeadbeef);
	h = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, wu_cat("Global\\", leaf));
	CU_ASSERT_PTR_NULL(h);
	ASSERT_ERR(ERROR_ACCESS_DENIED);
	CU_ASSERT_EQUAL(wu_count_sections(), 0);
	if (h)
		CloseHandle(h);

	/* PAGE_READONLY is what it can back: no writable view, no writing through the mount */
	h = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, wu_cat("Global\\", leaf));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0));
	ASSERT_ERR(ERROR_ACCESS_DENIED);
	v = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL(v);
	if (v) {
		CU_ASSERT_TRUE(wu_check_pattern(v, 0x4000, 0, 12));
		CU_ASSERT_TRUE(UnmapViewOfFile(v));
	}
	errno = 0;
	CU_ASSERT_EQUAL(open(wu_mpath("Global", leaf), O_RDWR | O_CLOEXEC), -1);
	ASSERT_EQ(errno, EACCES);
	CU_ASSERT_TRUE(CloseHandle(h));
	CU_ASSERT_TRUE(CloseHandle(f));

	/* the daemon itself: a staged PAGE_READWRITE section over a descriptor opened read-only
	 * (staged with O_DIRECT, as a section to be put over a file must be: README) */
	snprintf(stage, sizeof(stage), "%s/Staging/%s", wu_root(), leaf);
	sfd = open(stage, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_DIRECT, 0644);
	ffd = open(path, O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(sfd >= 0 && ffd >= 0);
	CU_ASSERT_EQUAL(fsetxattr(sfd, "user.section.protect", "PAGE_READWRITE", 14, 0), 0);
	snprintf(value, sizeof(value), "fd:%d", ffd);
	errno = 0;
	CU_ASSERT_EQUAL(fsetxattr(sfd, "user.section.backing", value, strlen(value), 0), -1);
	ASSERT_EQ(errno, EACCES);
	/* with a protection the descriptor allows, it attaches */
	CU_ASSERT_EQUAL(fsetxattr(sfd, "user.section.protect", "PAGE_READONLY", 13, 0), 0);
	CU_ASSERT_EQUAL(fsetxattr(sfd, "user.section.backing", value, strlen(value), 0), 0);
	ASSERT_EQ(wu_file_size(stage), 0x4000);
	close(ffd);
	close(sfd);                                               /* unpublished: gone */
	CU_ASSERT_TRUE(wu_wait_path(stage, false));
	unlink(path);
}

/* A section put over a file has the file's size for a view mapped at once: the daemon's
 * "forget the staged size" reaches the kernel before the attach returns.  Were it still queued,
 * a getattr answered meanwhile would be discarded as older than it, and the kernel would keep
 * size 0 for mmap: the view's first touch was SIGBUS, about once in 2,000 creates. */
#define FRESH_SIZE_CREATORS 4
#define FRESH_SIZE_ROUNDS 250

static int fresh_size_creator(void *arg)
{
	const char *leaf = arg;
	char path[128], name[160];
	HANDLE f, h;
	char *v;

	wu_tmp_path(path, sizeof(path), "fresh");
	CHILD_CHECK(wu_make_file(path, 0x4000, 3));
	for (int round = 0; round < FRESH_SIZE_ROUNDS; round++) {
		snprintf(name, sizeof(name), "Global\\%s-%d-%d", leaf, (int)getpid(), round);
		f = create_file(path, GENERIC_READ, OPEN_EXISTING);
		CHILD_CHECK(f != INVALID_HANDLE_VALUE);
		h = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, name);
		CHILD_CHECK(h != NULL);
		v = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
		CHILD_CHECK(v != NULL);
		CHILD_CHECK(v[0x3FFF] == (char)wu_pattern(0x3FFF, 3));   /* SIGBUS when stale */
		CHILD_CHECK(UnmapViewOfFile(v) && CloseHandle(h) && CloseHandle(f));
	}
	unlink(path);
	return 0;
}

static void test_files_new_file_section_view_has_the_file_size(void)
{
	const char *leaf = wu_uniq("fresh");
	pid_t pids[FRESH_SIZE_CREATORS];

	for (int i = 0; i < FRESH_SIZE_CREATORS; i++)
		pids[i] = wu_spawn(fresh_size_creator, (void *)leaf);
	for (int i = 0; i < FRESH_SIZE_CREATORS; i++)
		CU_ASSERT_EQUAL(wu_wait(pids[i]), 0);
}

/* ReadFile at an OVERLAPPED offset at or past the end: FALSE, ERROR_HANDLE_EOF, and the
 * OVERLAPPED says STATUS_END_OF_FILE with nothing read; short of the end it reads what is there. */
static void test_files_overlapped_read_at_the_end_is_handle_eof(void)
{
	char path[128], back[64];
	OVERLAPPED ov;
	DWORD done;
	HANDLE h;

	wu_tmp_path(path, sizeof(path), "eof");
	CU_ASSERT_TRUE_FATAL(wu_make_file(path, 100, 5));
	h = create_file(path, GENERIC_READ, OPEN_EXISTING);
	CU_ASSERT_FATAL(h != INVALID_HANDLE_VALUE);
	for (DWORD off = 100; off <= 4096; off += 3996) {
		memset(&ov, 0, sizeof(ov));
		ov.Offset = off;
		ov.Internal = 0xdeadbeef;
		ov.InternalHigh = 0xdeadbeef;
		done = 0xdeadbeef;
		SetLastError(0xdeadbeef);
		CU_ASSERT_FALSE(ReadFile(h, back, sizeof(back), &done, &ov));
		ASSERT_ERR(ERROR_HANDLE_EOF);
		ASSERT_EQ(done, 0);
		ASSERT_EQ(ov.Internal, STATUS_END_OF_FILE);
		ASSERT_EQ(ov.InternalHigh, 0);
	}
	memset(&ov, 0, sizeof(ov));
	ov.Offset = 90;
	ov.Internal = 0xdeadbeef;
	CU_ASSERT_TRUE(ReadFile(h, back, sizeof(back), &done, &ov));
	ASSERT_EQ(done, 10);
	ASSERT_EQ(ov.Internal, STATUS_SUCCESS);
	ASSERT_EQ(ov.InternalHigh, 10);
	CU_ASSERT_TRUE(wu_check_pattern(back, 10, 90, 5));
	/* the file pointer's end is no error */
	ASSERT_EQ(SetFilePointer(h, 0, NULL, FILE_END), 100);
	CU_ASSERT_TRUE(ReadFile(h, back, sizeof(back), &done, NULL));
	ASSERT_EQ(done, 0);
	CU_ASSERT_TRUE(CloseHandle(h));
	unlink(path);
}

static HANDLE open_shared(const char *path, DWORD access, DWORD share)
{
	return CreateFileA(path, access, share, NULL, OPEN_EXISTING, 0, NULL);
}

/* Share modes against sections: while a section that writes the file lives, the file opens
 * only with FILE_SHARE_WRITE (ERROR_SHARING_VIOLATION); a read-only section asks nothing.  The
 * section's own file handle may be closed already.  Checked against Wine 8.0. */
static void test_files_share_modes_against_writing_sections(void)
{
	static const DWORD refused[][2] = {
		{ GENERIC_READ, FILE_SHARE_READ }, { GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ },
		{ GENERIC_READ, 0 },
	};
	char path[128];
	HANDLE f, m, g;

	wu_tmp_path(path, sizeof(path), "share");
	CU_ASSERT_TRUE_FATAL(wu_make_file(path, 0x1000, 8));
	f = create_file(path, GENERIC_READ | GENERIC_WRITE, OPEN_EXISTING);
	CU_ASSERT_FATAL(f != INVALID_HANDLE_VALUE);
	m = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_TRUE(CloseHandle(f));
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		SetLastError(0xdeadbeef);
		g = open_shared(path, refused[i][0], refused[i][1]);
		CU_ASSERT(g == INVALID_HANDLE_VALUE);
		ASSERT_ERR(ERROR_SHARING_VIOLATION);
		if (g != INVALID_HANDLE_VALUE)
			CloseHandle(g);
	}
	g = open_shared(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE);
	CU_ASSERT(g != INVALID_HANDLE_VALUE);
	CU_ASSERT_TRUE(CloseHandle(g));
	CU_ASSERT_TRUE(CloseHandle(m));
	g = open_shared(path, GENERIC_READ, 0);                     /* no section: anything */
	CU_ASSERT(g != INVALID_HANDLE_VALUE);
	CU_ASSERT_TRUE(CloseHandle(g));

	/* a read-only section asks nothing */
	f = create_file(path, GENERIC_READ, OPEN_EXISTING);
	m = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	g = open_shared(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ);
	CU_ASSERT(g != INVALID_HANDLE_VALUE);
	CU_ASSERT_TRUE(CloseHandle(g));
	CU_ASSERT_TRUE(CloseHandle(m) && CloseHandle(f));
	unlink(path);
}

/* The writing section is another process's: the share mode still holds. */
static void test_files_share_modes_across_processes(void)
{
	const char *leaf = wu_uniq("share");
	struct handle_arg a = { .name = wu_cat("Global\\", leaf) };
	struct backed b;
	HANDLE g;
	pid_t pid;

	CU_ASSERT_TRUE_FATAL(wu_pipe_open(&a.to_parent) && wu_pipe_open(&a.to_child));
	pid = wu_spawn(handle_holder_child, &a);
	CU_ASSERT_TRUE_FATAL(backed_open_leaf(&b, leaf, 0x2000, 9, 0));
	CU_ASSERT_TRUE(wu_signal(&a.to_child));
	CU_ASSERT_TRUE(wu_await(&a.to_parent));
	CU_ASSERT_TRUE(CloseHandle(b.section));                     /* theirs holds it */
	b.section = NULL;
	SetLastError(0xdeadbeef);
	g = open_shared(b.path, GENERIC_READ, FILE_SHARE_READ);
	CU_ASSERT(g == INVALID_HANDLE_VALUE);
	ASSERT_ERR(ERROR_SHARING_VIOLATION);
	if (g != INVALID_HANDLE_VALUE)
		CloseHandle(g);
	wu_signal(&a.to_child);
	ASSERT_CHILD_OK(wu_wait(pid));
	CU_ASSERT_TRUE(wu_wait_sections(0));
	g = open_shared(b.path, GENERIC_READ, FILE_SHARE_READ);     /* gone: anything */
	CU_ASSERT(g != INVALID_HANDLE_VALUE);
	CU_ASSERT_TRUE(CloseHandle(g));
	backed_close(&b);
	wu_pipe_close(&a.to_parent);
	wu_pipe_close(&a.to_child);
}

const char *suite_name = "winapi_files";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_files_mount_shows_the_file),
	UNIT_TEST(test_A5_growth_seen_through_the_mount),
	UNIT_TEST(test_E36_no_cut_below_a_view),
	UNIT_TEST(test_E36_no_cut_below_another_process_view),
	UNIT_TEST(test_E36_mount_refuses_to_shrink_a_held_section),
	UNIT_TEST(test_E36_a_file_with_a_section_cannot_shrink_at_all),
	UNIT_TEST(test_E36_another_process_handle_stops_any_cut),
	UNIT_TEST(test_E37_mount_io_is_coherent_with_views),
	UNIT_TEST(test_files_create_dispositions),
	UNIT_TEST(test_files_read_write_and_pointers),
	UNIT_TEST(test_files_read_only_handle_cannot_back_a_writable_section),
	UNIT_TEST(test_files_new_file_section_view_has_the_file_size),
	UNIT_TEST(test_files_overlapped_read_at_the_end_is_handle_eof),
	UNIT_TEST(test_files_share_modes_against_writing_sections),
	UNIT_TEST(test_files_share_modes_across_processes),
	{ 0 },
};
