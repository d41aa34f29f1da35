/* What has no rule of its own: GetSystemInfo, DuplicateHandle, invalid handles, GetLastError per
 * thread, unnamed sections, and what winmap does with no mount at all. */
#include <CUnit/CUnit.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cunit_main.h"
#include "winapi_util.h"

void suite_teardown(void)
{
	CU_ASSERT_TRUE(wu_wait_sections(0));
	CU_ASSERT_TRUE(wu_wait_used(0));
}

/* ---- GetSystemInfo ---- */

static void test_misc_system_info(void)
{
	SYSTEM_INFO si;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(&si, 0xCC, sizeof(si));
	GetSystemInfo(&si);
	ASSERT_EQ(si.dwPageSize, 0x1000);
	ASSERT_EQ(si.dwAllocationGranularity, 0x10000);
	ASSERT_EQ((uintptr_t)si.lpMinimumApplicationAddress, 0x10000);
	ASSERT_EQ((uintptr_t)si.lpMaximumApplicationAddress, 0x7FFFFFFEFFFF);
	ASSERT_EQ(si.dwNumberOfProcessors, cpus);
	CU_ASSERT(si.dwActiveProcessorMask != 0);
	if (cpus < 64)
		ASSERT_EQ(si.dwActiveProcessorMask, ((DWORD_PTR)1 << cpus) - 1);
#if defined(__x86_64__)
	ASSERT_EQ(si.wProcessorArchitecture, PROCESSOR_ARCHITECTURE_AMD64);
	ASSERT_EQ(si.dwProcessorType, PROCESSOR_AMD_X8664);
#elif defined(__aarch64__)
	ASSERT_EQ(si.wProcessorArchitecture, PROCESSOR_ARCHITECTURE_ARM64);
#endif
	ASSERT_EQ(GetCurrentProcessId(), getpid());
}

/* ---- DuplicateHandle ---- */

static HANDLE self(void)
{
	return GetCurrentProcess();
}

static void test_misc_duplicate_same_access(void)
{
	const char *leaf = wu_uniq("dup");
	const char *path = wu_mpath("Global", leaf);
	char file[128];
	HANDLE h, d, f, fd;
	char *p, *q;

	h = wu_create(wu_cat("Global\\", leaf), 0x10000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	d = NULL;
	CU_ASSERT_TRUE(DuplicateHandle(self(), h, self(), &d, 0, FALSE, DUPLICATE_SAME_ACCESS));
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT(d != h);
	ASSERT_EQ(wu_xattr_num(path, "user.section.handles"), 2);
	p = MapViewOfFile(d, FILE_MAP_WRITE, 0, 0, 0);           /* the same (all) access */
	q = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_FATAL(p && q);
	strcpy(p, "through the duplicate");
	ASSERT_STR(q, "through the duplicate");                  /* the same object */
	CU_ASSERT_TRUE(UnmapViewOfFile(p) && UnmapViewOfFile(q));
	CU_ASSERT_TRUE(CloseHandle(d));
	CU_ASSERT_TRUE(CloseHandle(h));

	/* a file handle's duplicate is the same open file: one file pointer */
	wu_tmp_path(file, sizeof(file), "dup");
	f = CreateFileA(file, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
	CU_ASSERT_FATAL(f != INVALID_HANDLE_VALUE);
	CU_ASSERT_TRUE(WriteFile(f, "0123456789", 10, NULL, NULL));
	CU_ASSERT_TRUE(DuplicateHandle(self(), f, self(), &fd, 0, FALSE, DUPLICATE_SAME_ACCESS));
	ASSERT_EQ(SetFilePointer(fd, 0, NULL, FILE_CURRENT), 10);
	ASSERT_EQ(SetFilePointer(fd, 3, NULL, FILE_BEGIN), 3);
	ASSERT_EQ(SetFilePointer(f, 0, NULL, FILE_CURRENT), 3);
	ASSERT_EQ(GetFileSize(fd, NULL), 10);
	CU_ASSERT_TRUE(CloseHandle(f));
	ASSERT_EQ(GetFileSize(fd, NULL), 10);                      /* still open */
	CU_ASSERT_TRUE(CloseHandle(fd));
	unlink(file);
}

static void test_misc_duplicate_close_source(void)
{
	const char *leaf = wu_uniq("dupcs");
	const char *path = wu_mpath("Global", leaf);
	HANDLE h, d = NULL;
	char *p;

	h = wu_create(wu_cat("Global\\", leaf), 0x10000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_TRUE(DuplicateHandle(self(), h, self(), &d, 0, FALSE,
				       DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(CloseHandle(h));                         /* the source is closed */
	ASSERT_ERR(ERROR_INVALID_HANDLE);
	ASSERT_EQ(wu_xattr_num(path, "user.section.handles"), 1);
	p = MapViewOfFile(d, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p)
		CU_ASSERT_TRUE(UnmapViewOfFile(p));
	CU_ASSERT_TRUE(CloseHandle(d));
	CU_ASSERT_FALSE(wu_exists(path));
}

static void test_misc_duplicate_keeps_a_temporary_section(void)
{
	const char *leaf = wu_uniq("dupkeep");
	const char *name = wu_cat("Global\\", leaf);
	HANDLE h, d = NULL, o, u, ud = NULL;
	char *p;

	h = wu_create(name, 0x10000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	strcpy(p, "kept");
	CU_ASSERT_TRUE(UnmapViewOfFile(p));
	CU_ASSERT_TRUE(DuplicateHandle(self(), h, self(), &d, FILE_MAP_READ, FALSE, 0));
	CU_ASSERT_TRUE(CloseHandle(h));
	o = OpenFileMappingA(FILE_MAP_READ, FALSE, name);         /* the duplicate keeps the name */
	CU_ASSERT_PTR_NOT_NULL(o);
	if (o)
		CU_ASSERT_TRUE(CloseHandle(o));
	p = MapViewOfFile(d, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p) {
		ASSERT_STR(p, "kept");
		CU_ASSERT_TRUE(UnmapViewOfFile(p));
	}
	CU_ASSERT_TRUE(CloseHandle(d));
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(OpenFileMappingA(FILE_MAP_READ, FALSE, name));
	ASSERT_ERR(ERROR_FILE_NOT_FOUND);

	/* an unnamed section too */
	u = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x10000, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	p = MapViewOfFile(u, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	strcpy(p, "unnamed");
	CU_ASSERT_TRUE(UnmapViewOfFile(p));
	CU_ASSERT_TRUE(DuplicateHandle(self(), u, self(), &ud, 0, FALSE, DUPLICATE_SAME_ACCESS));
	CU_ASSERT_TRUE(CloseHandle(u));
	p = MapViewOfFile(ud, FILE_MAP_READ, 0, 0, 0);
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p) {
		ASSERT_STR(p, "unnamed");
		CU_ASSERT_TRUE(UnmapViewOfFile(p));
	}
	CU_ASSERT_TRUE(CloseHandle(ud));
}

/* ---- invalid handles ---- */

static void test_misc_invalid_handles(void)
{
	const HANDLE invalid[] = { NULL, (HANDLE)3, (HANDLE)0x1234, (HANDLE)0x7ffffff0,
				   (HANDLE)(uintptr_t)0x123456789000ull };
	char file[128];
	HANDLE h, f, d;

	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		SetLastError(0xdeadbeef);
		CU_ASSERT_FALSE(CloseHandle(invalid[i]));
		ASSERT_ERR(ERROR_INVALID_HANDLE);
		SetLastError(0xdeadbeef);
		CU_ASSERT_PTR_NULL(MapViewOfFile(invalid[i], FILE_MAP_READ, 0, 0, 0));
		ASSERT_ERR(ERROR_INVALID_HANDLE);
		SetLastError(0xdeadbeef);
		CU_ASSERT_FALSE(DuplicateHandle(self(), invalid[i], self(), &d, 0, FALSE, DUPLICATE_SAME_ACCESS));
		ASSERT_ERR(ERROR_INVALID_HANDLE);
	}
	/* closed twice */
	h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_TRUE(CloseHandle(h));
	SetLastError(0xdeadbeef);
	CU_ASSERT_FALSE(CloseHandle(h));
	ASSERT_ERR(ERROR_INVALID_HANDLE);
	/* the current process's pseudo handle closes (and stays) */
	CU_ASSERT_TRUE(CloseHandle(GetCurrentProcess()));

	/* a handle of the wrong kind */
	wu_tmp_path(file, sizeof(file), "kind");
	CU_ASSERT_TRUE_FATAL(wu_make_file(file, 0x1000, 1));
	f = CreateFileA(file, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
	CU_ASSERT_FATAL(f != INVALID_HANDLE_VALUE);
	h = CreateFileMappingA(f, NULL, PAGE_WRITECOPY, 0, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL(h);
	SetLastError(0xdeadbeef);
	CU_ASSERT_PTR_NULL(MapViewOfFile(f, FILE_MAP_READ, 0, 0, 0));
	ASSERT_ERR(ERROR_INVALID_HANDLE);
	if (h) {
		SetLastError(0xdeadbeef);
		ASSERT_EQ(GetFileSize(h, NULL), INVALID_FILE_SIZE);
		ASSERT_ERR(ERROR_INVALID_HANDLE);
		SetLastError(0xdeadbeef);
		CU_ASSERT_PTR_NULL(CreateFileMappingA(h, NULL, PAGE_READONLY, 0, 0, NULL));
		ASSERT_ERR(ERROR_INVALID_HANDLE);
		CU_ASSERT_TRUE(CloseHandle(h));
	}
	CU_ASSERT_TRUE(CloseHandle(f));
	unlink(file);
}

/* ---- GetLastError per thread ---- */

struct thread_errors {
	pthread_barrier_t barrier;
	DWORD a_after, b_after, b_failed;
};

static void *thread_a(void *varg)
{
	struct thread_errors *t = varg;

	SetLastError(111);
	pthread_barrier_wait(&t->barrier);                       /* b sets its own */
	pthread_barrier_wait(&t->barrier);
	t->a_after = GetLastError();
	return NULL;
}

static void *thread_b(void *varg)
{
	struct thread_errors *t = varg;

	pthread_barrier_wait(&t->barrier);
	SetLastError(222);
	t->b_failed = OpenFileMappingA(FILE_MAP_READ, FALSE, wu_cat("Global\\", wu_uniq("nothing"))) == NULL
			      ? GetLastError() : 0;
	pthread_barrier_wait(&t->barrier);
	t->b_after = GetLastError();
	return NULL;
}

static void test_misc_last_error_is_per_thread(void)
{
	struct thread_errors t = { 0 };
	pthread_t a, b;

	SetLastError(333);
	pthread_barrier_init(&t.barrier, NULL, 2);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&a, NULL, thread_a, &t), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&b, NULL, thread_b, &t), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_barrier_destroy(&t.barrier);
	ASSERT_EQ(t.a_after, 111);
	ASSERT_EQ(t.b_failed, ERROR_FILE_NOT_FOUND);
	ASSERT_EQ(t.b_after, ERROR_FILE_NOT_FOUND);
	ASSERT_EQ(GetLastError(), 333);
}

/* ---- unnamed sections ---- */

static void test_misc_unnamed_sections_are_private(void)
{
	uint64_t used = wu_used_bytes();
	int sections = wu_count_sections();
	HANDLE a, b, e;
	char *a1, *a2, *b1;

	SetLastError(0xdeadbeef);
	a = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x100000, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	ASSERT_ERR(ERROR_SUCCESS);
	SetLastError(0xdeadbeef);
	b = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x100000, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	ASSERT_ERR(ERROR_SUCCESS);
	SetLastError(0xdeadbeef);
	e = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, "");
	CU_ASSERT_PTR_NOT_NULL(e);                               /* an empty name is no name */
	ASSERT_ERR(ERROR_SUCCESS);
	/* nothing of them in the mount */
	ASSERT_EQ(wu_used_bytes(), used);
	ASSERT_EQ(wu_count_sections(), sections);

	a1 = MapViewOfFile(a, FILE_MAP_WRITE, 0, 0, 0);
	a2 = MapViewOfFile(a, FILE_MAP_READ, 0, 0x10000, 0);
	b1 = MapViewOfFile(b, FILE_MAP_WRITE, 0, 0, 0);
	CU_ASSERT_FATAL(a1 && a2 && b1);
	ASSERT_EQ((uintptr_t)a1 % 0x10000, 0);
	strcpy(a1 + 0x10000, "unnamed a");
	ASSERT_STR(a2, "unnamed a");                             /* one object */
	CU_ASSERT_TRUE(wu_all_zero(b1, 0x100000));               /* another object */
	ASSERT_EQ(wu_used_bytes(), used);
	CU_ASSERT_TRUE(UnmapViewOfFile(a1) && UnmapViewOfFile(a2) && UnmapViewOfFile(b1));
	CU_ASSERT_TRUE(CloseHandle(a) && CloseHandle(b));
	if (e)
		CU_ASSERT_TRUE(CloseHandle(e));
}

/* ---- no mount ---- */

#define CHILD_ROLE "WINAPI_MISC_CHILD"

/* Run in a fresh process whose SECTIONFS_ROOT is no mount: named calls fail with
 * ERROR_PATH_NOT_FOUND, unnamed sections work. */
static int nomount_child(void)
{
	static const char *names[] = { "Global\\nomount", "Local\\nomount", "nomount", "Session\\1\\x" };
	HANDLE h;
	char *p;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		SetLastError(0xdeadbeef);
		CHILD_CHECK(wu_create(names[i], 0x1000) == NULL);
		CHILD_CHECK(GetLastError() == ERROR_PATH_NOT_FOUND);
		SetLastError(0xdeadbeef);
		CHILD_CHECK(OpenFileMappingA(FILE_MAP_READ, FALSE, names[i]) == NULL);
		CHILD_CHECK(GetLastError() == ERROR_PATH_NOT_FOUND);
	}
	SetLastError(0xdeadbeef);
	CHILD_CHECK(CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, u"Global\\w") == NULL);
	CHILD_CHECK(GetLastError() == ERROR_PATH_NOT_FOUND);
	SetLastError(0xdeadbeef);
	CHILD_CHECK(OpenFileMappingW(FILE_MAP_READ, FALSE, u"w") == NULL);
	CHILD_CHECK(GetLastError() == ERROR_PATH_NOT_FOUND);

	SetLastError(0xdeadbeef);
	h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x10000, NULL);
	CHILD_CHECK(h != NULL && GetLastError() == ERROR_SUCCESS);
	p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CHILD_CHECK(p != NULL);
	strcpy(p, "no mount needed");
	CHILD_CHECK(!strcmp(p, "no mount needed"));
	CHILD_CHECK(UnmapViewOfFile(p) && CloseHandle(h));
	return 0;
}

/* Children started by exec of this program run their role before main() and CUnit. */
__attribute__((constructor)) static void run_child_role(void)
{
	const char *role = getenv(CHILD_ROLE);

	if (role && !strcmp(role, "nomount")) {
		int status = nomount_child();
		fflush(stderr);
		_exit(status);
	}
}

struct exec_result {
	int status;
	char err[4096];
};

/* Runs this program again with SECTIONFS_ROOT=root (and WINMAP_DEBUG when debug); its stderr. */
static void run_nomount(const char *root, bool debug, struct exec_result *out)
{
	struct wu_pipe errp;
	size_t len = 0;
	ssize_t n;
	pid_t pid;
	int status;

	memset(out, 0, sizeof(*out));
	out->status = -1;
	if (!wu_pipe_open(&errp))
		return;
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "test_winapi_misc", NULL };
		dup2(errp.w, 2);
		setenv("SECTIONFS_ROOT", root, 1);
		setenv(CHILD_ROLE, "nomount", 1);
		if (debug)
			setenv("WINMAP_DEBUG", "1", 1);
		else
			unsetenv("WINMAP_DEBUG");
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(errp.w);
	errp.w = -1;
	while (len < sizeof(out->err) - 1 &&
	       (n = read(errp.r, out->err + len, sizeof(out->err) - 1 - len)) > 0)
		len += (size_t)n;
	out->err[len] = '\0';
	wu_pipe_close(&errp);
	if (waitpid(pid, &status, 0) == pid)
		out->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_misc_no_mount(void)
{
	char dir[] = "/tmp/winapi-nomount-XXXXXX";
	struct exec_result r;
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));

	run_nomount(dir, true, &r);
	ASSERT_EQ(r.status, 0);
	ASSERT_EQ(count_lines(r.err), 1);                        /* one message, however many calls */
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "winmap:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, dir));
	if (r.status || count_lines(r.err) != 1)
		fprintf(stderr, "\n    the child said: %s", r.err);

	run_nomount(dir, false, &r);
	ASSERT_EQ(r.status, 0);
	ASSERT_STR(r.err, "");                                   /* quiet without WINMAP_DEBUG */

	/* nothing was made in the directory that is no mount */
	CU_ASSERT_EQUAL(rmdir(dir), 0);
}

const char *suite_name = "winapi_misc";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_misc_system_info),
	UNIT_TEST(test_misc_duplicate_same_access),
	UNIT_TEST(test_misc_duplicate_close_source),
	UNIT_TEST(test_misc_duplicate_keeps_a_temporary_section),
	UNIT_TEST(test_misc_invalid_handles),
	UNIT_TEST(test_misc_last_error_is_per_thread),
	UNIT_TEST(test_misc_unnamed_sections_are_private),
	UNIT_TEST(test_misc_no_mount),
	{ 0 },
};
