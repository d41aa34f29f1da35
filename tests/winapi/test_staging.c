/* CreateFileMapping's staging names in Staging/ (README: "How it talks to the daemon").
 * Staging/ is shared by every user and every pid namespace, so the name a creator builds its
 * section under must be one nobody can take first: another user's file there, or a process with
 * the same pid in another pid namespace, must never make a create fail (and never with
 * ERROR_ALREADY_EXISTS and no handle, which Windows never gives).  These tests need root: they
 * switch to nobody and make pid namespaces. */
#include <CUnit/CUnit.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cunit_main.h"
#include "winapi_util.h"

#define NOBODY 65534
#define STAGING_PREFIX ".winmap-"

void suite_teardown(void)
{
	/* every test leaves the mount as it found it: nothing in Global/ or Staging/ */
	CU_ASSERT_TRUE(wu_wait_sections(0));
	CU_ASSERT_TRUE(wu_wait_used(0));
}

/* ---- another user holds the names a pid and a counter would give ---- */

/* Names squatted: the old scheme's ".winmap-<pid>-<n>" for n below this.  n counted the
 * process's creates so far (a forked creator inherits the count): none here, as this test runs
 * first, but a margin costs little. */
#define SQUATTED 256

struct squat {
	pid_t creator;                 /* whose names to take */
	const char *name, *mpath;      /* the section the creator makes */
	struct wu_pipe go;             /* parent -> creator: the names are taken, create now */
	struct wu_pipe ready;          /* squatter -> parent: the names are taken */
	struct wu_pipe release;        /* parent -> squatter: let them go */
};

/* MOUNT/Staging/.winmap-<pid>-<n>: the n-th name the old scheme gave process pid. */
static const char *squat_path(pid_t pid, int n)
{
	char leaf[64];

	snprintf(leaf, sizeof(leaf), STAGING_PREFIX "%d-%d", (int)pid, n);
	return wu_mpath("Staging", leaf);
}

static int squatter_child(void *varg)
{
	struct squat *sq = varg;
	int fds[SQUATTED];

	CHILD_CHECK(setgroups(0, NULL) == 0 && setgid(NOBODY) == 0 && setuid(NOBODY) == 0);
	/* a staged file lives while it is open (README), so each is held open until released */
	for (int n = 0; n < SQUATTED; n++) {
		fds[n] = open(squat_path(sq->creator, n), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		CHILD_CHECK(fds[n] >= 0);
	}
	CHILD_CHECK(wu_signal(&sq->ready));
	CHILD_CHECK(wu_await(&sq->release));
	for (int n = 0; n < SQUATTED; n++) {
		CHILD_CHECK(unlink(squat_path(sq->creator, n)) == 0);
		close(fds[n]);
	}
	return 0;
}

static int squatted_creator_child(void *varg)
{
	struct squat *sq = varg;
	unsigned char *view, *again;
	HANDLE h, h2;

	CHILD_CHECK(wu_await(&sq->go));
	SetLastError(0xdeadbeef);
	h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x3000, sq->name);
	CHILD_CHECK(h != NULL);
	CHILD_CHECK(GetLastError() == ERROR_SUCCESS);
	/* it is a section like any other: the size asked, shared by its views and its handles */
	CHILD_CHECK(wu_file_size(sq->mpath) == 0x3000);
	view = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CHILD_CHECK(view != NULL);
	wu_fill_pattern(view, 0x3000, 0, 7);
	h2 = OpenFileMappingA(FILE_MAP_READ, FALSE, sq->name);
	CHILD_CHECK(h2 != NULL);
	again = MapViewOfFile(h2, FILE_MAP_READ, 0, 0, 0);
	CHILD_CHECK(again != NULL);
	CHILD_CHECK(wu_check_pattern(again, 0x3000, 0, 7));
	CHILD_CHECK(UnmapViewOfFile(again) && UnmapViewOfFile(view));
	CHILD_CHECK(CloseHandle(h2) && CloseHandle(h));
	return 0;
}

static void test_names_taken_by_another_user(void)
{
	const char *leaf = wu_uniq("squatted");
	struct squat sq = { .name = wu_cat("Global\\", leaf), .mpath = wu_mpath("Global", leaf) };
	pid_t squatter;
	struct stat st;

	CU_ASSERT_TRUE_FATAL(wu_pipe_open(&sq.go) && wu_pipe_open(&sq.ready) &&
			     wu_pipe_open(&sq.release));
	/* the creator first, so that its pid is known to the squatter */
	sq.creator = wu_spawn(squatted_creator_child, &sq);
	CU_ASSERT_FATAL(sq.creator > 0);
	squatter = wu_spawn(squatter_child, &sq);
	CU_ASSERT_FATAL(squatter > 0);
	CU_ASSERT_TRUE(wu_await(&sq.ready));
	CU_ASSERT_TRUE(stat(squat_path(sq.creator, 0), &st) == 0 && st.st_uid == NOBODY);

	CU_ASSERT_TRUE(wu_signal(&sq.go));
	ASSERT_CHILD_OK(wu_wait(sq.creator));
	/* the squatter's files are untouched, and it removes them itself */
	CU_ASSERT_TRUE(wu_exists(squat_path(sq.creator, SQUATTED - 1)));
	CU_ASSERT_TRUE(wu_signal(&sq.release));
	ASSERT_CHILD_OK(wu_wait(squatter));
	CU_ASSERT_FALSE(wu_exists(sq.mpath));
	for (int n = 0; n < SQUATTED; n++)        /* should the squatter have failed half way */
		unlink(squat_path(sq.creator, n));
	wu_pipe_close(&sq.go);
	wu_pipe_close(&sq.ready);
	wu_pipe_close(&sq.release);
}

/* ---- the names themselves ---- */

#define WATCHED 3

/* Is name ".winmap-" and 32 hex digits (128 bits)? */
static bool random_name(const char *name)
{
	size_t prefix = strlen(STAGING_PREFIX);

	if (strncmp(name, STAGING_PREFIX, prefix) || strlen(name) != prefix + 32)
		return false;
	for (const char *c = name + prefix; *c; c++)
		if (!isxdigit((unsigned char)*c))
			return false;
	return true;
}

static int create_one_child(void *varg)
{
	HANDLE h = wu_create(varg, 0x1000);

	CHILD_CHECK(h != NULL && GetLastError() == ERROR_SUCCESS);
	CHILD_CHECK(CloseHandle(h));
	return 0;
}

/* Creates a section (here, or in a child forked now: the same state, the same pid scheme's
 * next name) and closes it. */
static void create_and_close(bool in_child)
{
	const char *name = wu_cat("Global\\", wu_uniq("watched"));

	if (in_child) {
		ASSERT_CHILD_OK(wu_run(create_one_child, (void *)name));
	} else {
		HANDLE h = wu_create(name, 0x1000);
		CU_ASSERT_PTR_NOT_NULL(h);
		ASSERT_ERR(ERROR_SUCCESS);
		if (h)
			CU_ASSERT_TRUE(CloseHandle(h));
	}
}

static void test_names_are_random(void)
{
	char events[WATCHED * (sizeof(struct inotify_event) + NAME_MAX + 1)];
	char names[WATCHED][NAME_MAX + 1];
	int fd, got = 0;
	ssize_t len;

	/* the kernel reports each file made in Staging/ (whoever makes it) to a watch on it */
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(inotify_add_watch(fd, wu_mpath("Staging", ""), IN_CREATE) >= 0);
	create_and_close(false);
	create_and_close(false);
	create_and_close(true);
	while ((len = read(fd, events, sizeof(events))) > 0) {
		for (char *p = events; p < events + len;) {
			struct inotify_event *e = (struct inotify_event *)p;
			if (e->len && got < WATCHED)
				snprintf(names[got++], sizeof(names[0]), "%s", e->name);
			p += sizeof(*e) + e->len;
		}
	}
	close(fd);

	ASSERT_EQ(got, WATCHED);
	for (int i = 0; i < got; i++) {
		/* 128 bits in hex, nothing else: no pid, no counter */
		if (!random_name(names[i]))
			fprintf(stderr, "\n    staging name \"%s\"", names[i]);
		CU_ASSERT_TRUE(random_name(names[i]));
		for (int j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(names[i], names[j]);
	}
}

/* ---- equal pids in two pid namespaces ---- */

#define NAMESPACES 2
#define NS_CREATES 500

struct pidns {
	int index;
	struct wu_pipe ready;          /* each creator: one byte when it is pid 1 and set to go */
	struct wu_gate go;
	int *failures;                 /* shared: each creator's failed creates */
	DWORD *first_error;
};

/* pid 1 of a new pid namespace: NS_CREATES sections made and closed, each with a name of its
 * own; the other namespace's pid 1 does the same at the same time. */
static int ns_creator(void *varg)
{
	struct pidns *ns = varg;

	CHILD_CHECK(getpid() == 1);
	CHILD_CHECK(wu_signal(&ns->ready));
	CHILD_CHECK(wu_gate_wait(&ns->go));
	for (int k = 0; k < NS_CREATES; k++) {
		char name[96];
		HANDLE h;

		snprintf(name, sizeof(name), "Global\\pidns-%d-%d", ns->index, k);
		SetLastError(0xdeadbeef);
		h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000, name);
		if (!h || GetLastError() != ERROR_SUCCESS) {
			if (!ns->failures[ns->index]++)
				ns->first_error[ns->index] = GetLastError();
		}
		if (h)
			CHILD_CHECK(CloseHandle(h));
	}
	return 0;
}

/* Enters a new pid namespace: its first child is pid 1 there. */
static int pidns_child(void *varg)
{
	struct pidns *ns = varg;
	pid_t pid;

	close(ns->go.pipe.w);                     /* only the parent may open the gate */
	ns->go.pipe.w = -1;
	CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
	pid = wu_spawn(ns_creator, ns);
	CHILD_CHECK(pid > 0);
	return wu_wait(pid);
}

static void test_equal_pids_in_two_pid_namespaces(void)
{
	struct pidns ns = { 0 };
	pid_t pids[NAMESPACES];

	ns.failures = wu_shared(sizeof(int) * NAMESPACES);
	ns.first_error = wu_shared(sizeof(DWORD) * NAMESPACES);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ns.failures);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ns.first_error);
	CU_ASSERT_TRUE_FATAL(wu_pipe_open(&ns.ready) && wu_gate_open(&ns.go));
	for (int i = 0; i < NAMESPACES; i++) {
		ns.index = i;
		pids[i] = wu_spawn(pidns_child, &ns);
		CU_ASSERT(pids[i] > 0);
	}
	for (int i = 0; i < NAMESPACES; i++)
		CU_ASSERT_TRUE(wu_await(&ns.ready));     /* both are pid 1, at the gate */
	wu_gate_release(&ns.go);
	for (int i = 0; i < NAMESPACES; i++)
		ASSERT_CHILD_OK(wu_wait(pids[i]));
	for (int i = 0; i < NAMESPACES; i++) {
		if (ns.failures[i])
			fprintf(stderr, "\n    namespace %d: %d of %d creates failed, the first with %u",
				i, ns.failures[i], NS_CREATES, (unsigned)ns.first_error[i]);
		ASSERT_EQ(ns.failures[i], 0);
	}
	wu_pipe_close(&ns.ready);
	wu_unshared(ns.failures, sizeof(int) * NAMESPACES);
	wu_unshared(ns.first_error, sizeof(DWORD) * NAMESPACES);
}

const char *suite_name = "winapi_staging";
const struct unit_test suite_tests[] = {
	/* first: the fewer creates this process made before, the fewer names to squat */
	UNIT_TEST(test_names_taken_by_another_user),
	UNIT_TEST(test_names_are_random),
	UNIT_TEST(test_equal_pids_in_two_pid_namespaces),
	{ 0 },
};
