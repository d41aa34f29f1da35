/* Events, mutexes and semaphores through winmap (issue 13): one test per Windows rule, across
 * processes where the rule is about sharing (a waiter and a signaller in two processes, a
 * mutex abandoned by SIGKILL, a wait-all that must not take its mutex early), names and their
 * lifetime as for sections, B13 between kinds, and a thousand blocked waiters.
 *
 * A waiter is known to be blocked once the daemon counts its wait (SECTIONFS_XATTR_WAITERS), so
 * a signal is never sent before the wait it must end: a thread asleep in a FUSE request
 * (wu_wait_in_fuse) may still be queued in the kernel, where a PulseEvent would miss it. */
#include <CUnit/CUnit.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cunit_main.h"
#include "sectionfs/protocol.h"
#include "winapi_util.h"

#define NOBODY 65534
/* How long nothing must happen to count as "did not wake". */
#define QUIET_MS 300

void suite_setup(void)
{
	umask(022);   /* objects are files of mode 0644: only their owner may signal them */
}

void suite_teardown(void)
{
	CU_ASSERT_TRUE(wu_wait_sections(0));
}

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The object's SECTIONFS_XATTR_STATE (or TYPE) in the mount, "" when it has none. */
static const char *xattr_of(const char *mpath, const char *name)
{
	static char buf[128];

	wu_xattr(mpath, name, buf, sizeof(buf));
	return buf;
}
#define STATE(mpath) xattr_of(mpath, SECTIONFS_XATTR_STATE)

/* `call` fails (NULL or FALSE) and sets the last error to err itself. */
#define ASSERT_FAILS(call, err)                                                              \
	do {                                                                                 \
		SetLastError(0xdeadbeef);                                                    \
		CU_ASSERT_FALSE((call) != 0);                                                \
		ASSERT_ERR(err);                                                             \
	} while (0)

/* A parent and its children: one object, pipes both ways. */
struct peers {
	const char *leaf, *name, *mpath;   /* leaf in Global/, "Global\\leaf", its path */
	struct wu_pipe up, down;           /* children -> parent, parent -> children */
	int index;                         /* which child this is (set before each fork) */
	DWORD timeout;
};

static bool peers_open(struct peers *p, const char *tag)
{
	memset(p, 0, sizeof(*p));
	p->leaf = wu_uniq(tag);
	p->name = wu_cat("Global\\", p->leaf);
	p->mpath = wu_mpath("Global", p->leaf);
	p->timeout = WU_TIMEOUT_MS;
	return wu_pipe_open(&p->up) && wu_pipe_open(&p->down);
}

static void peers_close(struct peers *p)
{
	wu_pipe_close(&p->up);
	wu_pipe_close(&p->down);
}

/* Spawns n children running fn, p->index 0..n-1. */
static void spawn_n(struct peers *p, wu_child_fn fn, int n, pid_t *pids)
{
	for (int i = 0; i < n; i++) {
		p->index = i;
		pids[i] = wu_spawn(fn, p);
	}
}

static void wait_n(pid_t *pids, int n)
{
	for (int i = 0; i < n; i++)
		ASSERT_CHILD_OK(wu_wait(pids[i]));
}

/* Opens the event, says "ready" (its index), waits, and says its index again once woken. */
static int event_waiter_child(void *varg)
{
	struct peers *p = varg;
	char me = (char)('0' + p->index);
	HANDLE h = OpenEventA(SYNCHRONIZE, FALSE, p->name);

	CHILD_CHECK(h != NULL);
	CHILD_CHECK(wu_send(&p->up, &me, 1));
	CHILD_CHECK(WaitForSingleObject(h, p->timeout) == WAIT_OBJECT_0);
	CHILD_CHECK(wu_send(&p->up, &me, 1));
	CHILD_CHECK(CloseHandle(h));
	return 0;
}

/* Until the daemon has n waits pending on the object at mpath. */
static bool wait_waiters(const char *mpath, long n)
{
	int64_t end = now_ms() + WU_TIMEOUT_MS;

	while (wu_xattr_num(mpath, SECTIONFS_XATTR_WAITERS) != n) {
		if (now_ms() > end)
			return false;
		usleep(1000);
	}
	return true;
}

/* Receives n "ready" bytes, then waits until the n waiters, each blocked in a FUSE request,
 * are the n waits the daemon has pending on p's object. */
static bool all_blocked(struct peers *p, const pid_t *pids, int n)
{
	for (int i = 0; i < n; i++)
		if (!wu_await(&p->up))
			return false;
	for (int i = 0; i < n; i++)
		if (!wu_wait_in_fuse(pids[i], 1))
			return false;
	return wait_waiters(p->mpath, n);
}

/* ---- events ---- */

static void test_event_waiter_and_signaller_in_two_processes(void)
{
	struct peers p;
	HANDLE h;
	pid_t pid;
	char who;

	CU_ASSERT_TRUE_FATAL(peers_open(&p, "ev2p"));
	SetLastError(0xdeadbeef);
	h = CreateEventA(NULL, FALSE, FALSE, p.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_ERR(ERROR_SUCCESS);
	CU_ASSERT_TRUE(wu_exists(p.mpath));                     /* a file of the mount */
	ASSERT_STR(xattr_of(p.mpath, SECTIONFS_XATTR_TYPE), "event auto nonsignaled");
	spawn_n(&p, event_waiter_child, 1, &pid);
	CU_ASSERT_TRUE(all_blocked(&p, &pid, 1));
	CU_ASSERT_TRUE(wu_quiet(&p.up, QUIET_MS));              /* blocked, not woken */
	CU_ASSERT_TRUE(SetEvent(h));
	CU_ASSERT_TRUE(wu_recv(&p.up, &who, 1));                /* woken by the set */
	ASSERT_CHILD_OK(wu_wait(pid));
	/* auto-reset: the wake consumed the set */
	ASSERT_EQ(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
	ASSERT_STR(STATE(p.mpath), "nonsignaled");
	CU_ASSERT_TRUE(CloseHandle(h));
	peers_close(&p);
}

static void test_event_auto_reset_wakes_exactly_one_of_two(void)
{
	struct peers p;
	pid_t pids[2];
	char first, second;
	HANDLE h;

	CU_ASSERT_TRUE_FATAL(peers_open(&p, "evauto"));
	h = CreateEventA(NULL, FALSE, FALSE, p.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	spawn_n(&p, event_waiter_child, 2, pids);
	CU_ASSERT_TRUE(all_blocked(&p, pids, 2));
	CU_ASSERT_TRUE(SetEvent(h));
	CU_ASSERT_TRUE(wu_recv(&p.up, &first, 1));
	CU_ASSERT_TRUE(wu_quiet(&p.up, QUIET_MS));              /* one set, one waiter */
	ASSERT_STR(STATE(p.mpath), "nonsignaled");
	CU_ASSERT_TRUE(SetEvent(h));
	CU_ASSERT_TRUE(wu_recv(&p.up, &second, 1));
	CU_ASSERT_NOT_EQUAL(first, second);
	wait_n(pids, 2);
	ASSERT_EQ(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
	CU_ASSERT_TRUE(CloseHandle(h));
	peers_close(&p);
}

static void test_event_manual_reset_wakes_all(void)
{
	struct peers p;
	pid_t pids[3];
	char who;
	HANDLE h;

	CU_ASSERT_TRUE_FATAL(peers_open(&p, "evmanual"));
	h = CreateEventA(NULL, TRUE, FALSE, p.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_STR(xattr_of(p.mpath, SECTIONFS_XATTR_TYPE), "event manual nonsignaled");
	spawn_n(&p, event_waiter_child, 3, pids);
	CU_ASSERT_TRUE(all_blocked(&p, pids, 3));
	CU_ASSERT_TRUE(wu_quiet(&p.up, QUIET_MS));
	CU_ASSERT_TRUE(SetEvent(h));
	for (int i = 0; i < 3; i++)
		CU_ASSERT_TRUE(wu_recv(&p.up, &who, 1));
	wait_n(pids, 3);
	/* it stays set until reset */
	ASSERT_EQ(WaitForSingleObject(h, 0), WAIT_OBJECT_0);
	ASSERT_EQ(WaitForSingleObject(h, 0), WAIT_OBJECT_0);
	ASSERT_STR(STATE(p.mpath), "signaled");
	CU_ASSERT_TRUE(ResetEvent(h));
	ASSERT_EQ(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
	ASSERT_STR(STATE(p.mpath), "nonsignaled");
	CU_ASSERT_TRUE(CloseHandle(h));
	peers_close(&p);
}

static void test_event_pulse(void)
{
	struct peers p;
	pid_t pids[2];
	char first, second;
	HANDLE manual, automatic;

	/* manual: a pulse wakes every waiter and leaves the event reset */
	CU_ASSERT_TRUE_FATAL(peers_open(&p, "evpulse"));
	manual = CreateEventA(NULL, TRUE, FALSE, p.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(manual);
	spawn_n(&p, event_waiter_child, 2, pids);
	CU_ASSERT_TRUE(all_blocked(&p, pids, 2));
	CU_ASSERT_TRUE(PulseEvent(manual));
	CU_ASSERT_TRUE(wu_recv(&p.up, &first, 1));
	CU_ASSERT_TRUE(wu_recv(&p.up, &second, 1));
	wait_n(pids, 2);
	ASSERT_EQ(WaitForSingleObject(manual, 0), WAIT_TIMEOUT);
	/* with no waiter, a pulse leaves nothing behind */
	CU_ASSERT_TRUE(PulseEvent(manual));
	ASSERT_EQ(WaitForSingleObject(manual, 0), WAIT_TIMEOUT);
	CU_ASSERT_TRUE(CloseHandle(manual));
	peers_close(&p);

	/* auto: a pulse wakes one waiter */
	CU_ASSERT_TRUE_FATAL(peers_open(&p, "evpulseauto"));
	automatic = CreateEventA(NULL, FALSE, FALSE, p.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(automatic);
	spawn_n(&p, event_waiter_child, 2, pids);
	CU_ASSERT_TRUE(all_blocked(&p, pids, 2));
	CU_ASSERT_TRUE(PulseEvent(automatic));
	CU_ASSERT_TRUE(wu_recv(&p.up, &first, 1));
	CU_ASSERT_TRUE(wu_quiet(&p.up, QUIET_MS));
	ASSERT_STR(STATE(p.mpath), "nonsignaled");
	CU_ASSERT_TRUE(SetEvent(automatic));
	CU_ASSERT_TRUE(wu_recv(&p.up, &second, 1));
	CU_ASSERT_NOT_EQUAL(first, second);
	wait_n(pids, 2);
	CU_ASSERT_TRUE(CloseHandle(automatic));
	peers_close(&p);
}

static void test_event_initial_state(void)
{
	const char *leaf = wu_uniq("evinit");
	const char *name = wu_cat("Global\\", leaf), *mpath = wu_mpath("Global", leaf);
	HANDLE manual, automatic;

	manual = CreateEventA(NULL, TRUE, TRUE, name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(manual);
	ASSERT_STR(xattr_of(mpath, SECTIONFS_XATTR_TYPE), "event manual signaled");
	ASSERT_STR(STATE(mpath), "signaled");
	ASSERT_EQ(WaitForSingleObject(manual, 0), WAIT_OBJECT_0);
	ASSERT_EQ(WaitForSingleObject(manual, 0), WAIT_OBJECT_0);
	CU_ASSERT_TRUE(CloseHandle(manual));

	automatic = CreateEventExA(NULL, name, CREATE_EVENT_INITIAL_SET, EVENT_ALL_ACCESS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(automatic);
	ASSERT_STR(xattr_of(mpath, SECTIONFS_XATTR_TYPE), "event auto signaled");
	ASSERT_EQ(WaitForSingleObject(automatic, 0), WAIT_OBJECT_0);
	ASSERT_EQ(WaitForSingleObject(automatic, 0), WAIT_TIMEOUT);
	CU_ASSERT_TRUE(CloseHandle(automatic));

	ASSERT_FAILS(CreateEventExA(NULL, name, 0x4, EVENT_ALL_ACCESS),
		     ERROR_INVALID_PARAMETER);   /* no such flag */
	CU_ASSERT_FALSE(wu_exists(mpath));
}

/* Create of an existing name in another process: the same object, ERROR_ALREADY_EXISTS, its
 * own arguments ignored. */
static int event_create_existing_child(void *varg)
{
	struct peers *p = varg;
	HANDLE h;

	SetLastError(0xdeadbeef);
	h = CreateEventA(NULL, TRUE, TRUE, p->name);            /* manual, set: both ignored */
	CHILD_CHECK(h != NULL);
	CHILD_CHECK(GetLastError() == ERROR_ALREADY_EXISTS);
	CHILD_CHECK(WaitForSingleObject(h, 0) == WAIT_TIMEOUT);
	CHILD_CHECK(SetEvent(h));
	CHILD_CHECK(CloseHandle(h));
	return 0;
}

static void test_event_create_existing_opens_it(void)
{
	struct peers p;
	HANDLE h, again;

	CU_ASSERT_TRUE_FATAL(peers_open(&p, "evexist"));
	h = CreateEventA(NULL, FALSE, FALSE, p.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_CHILD_OK(wu_run(event_create_existing_child, &p));
	/* the child's set is this event's; auto-reset, as made here */
	ASSERT_EQ(WaitForSingleObject(h, 0), WAIT_OBJECT_0);
	ASSERT_EQ(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
	SetLastError(0xdeadbeef);
	again = CreateEventA(NULL, TRUE, FALSE, p.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(again);
	ASSERT_ERR(ERROR_ALREADY_EXISTS);
	CU_ASSERT_TRUE(SetEvent(again));
	ASSERT_EQ(WaitForSingleObject(h, 0), WAIT_OBJECT_0);
	CU_ASSERT_TRUE(CloseHandle(again));
	CU_ASSERT_TRUE(CloseHandle(h));
	peers_close(&p);
}

static void test_open_errors(void)
{
	const char *missing = wu_cat("Global\\", wu_uniq("missing"));

	ASSERT_FAILS(OpenEventA(EVENT_ALL_ACCESS, FALSE, missing), ERROR_FILE_NOT_FOUND);
	ASSERT_FAILS(OpenMutexA(SYNCHRONIZE, FALSE, missing), ERROR_FILE_NOT_FOUND);
	ASSERT_FAILS(OpenSemaphoreA(SYNCHRONIZE, FALSE, missing), ERROR_FILE_NOT_FOUND);
	ASSERT_FAILS(OpenEventW(SYNCHRONIZE, FALSE, u"Global\\no such event"),
		     ERROR_FILE_NOT_FOUND);

	ASSERT_FAILS(OpenEventA(EVENT_ALL_ACCESS, FALSE, NULL), ERROR_INVALID_PARAMETER);
	ASSERT_FAILS(OpenMutexA(SYNCHRONIZE, FALSE, NULL), ERROR_INVALID_PARAMETER);
	ASSERT_FAILS(OpenSemaphoreW(SYNCHRONIZE, FALSE, NULL), ERROR_INVALID_PARAMETER);

	/* the names' rules are the sections' (B13-B19) */
	ASSERT_FAILS(CreateEventA(NULL, FALSE, FALSE, "nosuchdir\\x"), ERROR_PATH_NOT_FOUND);
	ASSERT_FAILS(CreateMutexA(NULL, FALSE, "\\x"), ERROR_BAD_PATHNAME);
	ASSERT_FAILS(CreateSemaphoreA(NULL, 0, 1, "Global\\"), ERROR_INVALID_NAME);
	ASSERT_FAILS(CreateEventA(NULL, FALSE, FALSE, "Global\\Local"),
		     ERROR_INVALID_HANDLE);   /* a link */
}

/* Local\ and a bare name are the caller's session, as for sections (whether that is Global\,
 * in session 0, is the name code's, tested in test_names). */
static void test_names_follow_the_section_rules(void)
{
	const char *leaf = wu_uniq("evnames");
	HANDLE local, bare, wide;
	WCHAR wname[128];

	local = CreateEventA(NULL, TRUE, FALSE, wu_cat("Local\\", leaf));
	CU_ASSERT_PTR_NOT_NULL_FATAL(local);
	SetLastError(0xdeadbeef);
	bare = OpenEventA(SYNCHRONIZE, FALSE, leaf);
	CU_ASSERT_PTR_NOT_NULL(bare);
	/* the W functions name the same objects */
	for (size_t i = 0; i <= strlen(leaf); i++)
		wname[i] = (WCHAR)leaf[i];
	SetLastError(0xdeadbeef);
	wide = CreateEventW(NULL, FALSE, FALSE, wname);
	CU_ASSERT_PTR_NOT_NULL(wide);
	ASSERT_ERR(ERROR_ALREADY_EXISTS);
	CU_ASSERT_TRUE(SetEvent(wide));
	ASSERT_EQ(WaitForSingleObject(bare, 0), WAIT_OBJECT_0);
	CU_ASSERT_TRUE(CloseHandle(wide));
	CU_ASSERT_TRUE(CloseHandle(bare));
	CU_ASSERT_TRUE(CloseHandle(local));
}

/* B13: a name is held by one object of one kind. */
static void test_B13_kind_conflicts(void)
{
	const char *sleaf = wu_uniq("b13sec"), *eleaf = wu_uniq("b13ev");
	const char *section_name = wu_cat("Global\\", sleaf), *event_name = wu_cat("Global\\", eleaf);
	HANDLE section, event, mutex;

	section = wu_create(section_name, 0x1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(section);
	ASSERT_FAILS(CreateEventA(NULL, FALSE, FALSE, section_name), ERROR_INVALID_HANDLE);
	ASSERT_FAILS(OpenEventA(SYNCHRONIZE, FALSE, section_name), ERROR_INVALID_HANDLE);
	ASSERT_FAILS(CreateMutexA(NULL, TRUE, section_name), ERROR_INVALID_HANDLE);
	ASSERT_FAILS(CreateSemaphoreA(NULL, 1, 1, section_name), ERROR_INVALID_HANDLE);
	ASSERT_FAILS(OpenSemaphoreA(SYNCHRONIZE, FALSE, section_name), ERROR_INVALID_HANDLE);

	event = CreateEventA(NULL, FALSE, FALSE, event_name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(event);
	ASSERT_FAILS(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000,
					 event_name),
		     ERROR_INVALID_HANDLE);
	ASSERT_FAILS(OpenFileMappingA(FILE_MAP_READ, FALSE, event_name), ERROR_INVALID_HANDLE);
	ASSERT_FAILS(CreateMutexA(NULL, FALSE, event_name), ERROR_INVALID_HANDLE);
	ASSERT_FAILS(OpenMutexA(SYNCHRONIZE, FALSE, event_name), ERROR_INVALID_HANDLE);

	/* and between the sync kinds the other way */
	CU_ASSERT_TRUE(CloseHandle(event));
	mutex = CreateMutexA(NULL, FALSE, event_name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mutex);
	ASSERT_FAILS(CreateEventA(NULL, FALSE, FALSE, event_name), ERROR_INVALID_HANDLE);
	ASSERT_FAILS(CreateSemaphoreA(NULL, 0, 1, event_name), ERROR_INVALID_HANDLE);
	CU_ASSERT_TRUE(CloseHandle(mutex));
	CU_ASSERT_TRUE(CloseHandle(section));
}

/* B13 and C20 together: an open that fails because the name is of another kind holds nothing
 * once it has failed, so the last real handle's CloseHandle takes the name at once and the name
 * is free for any kind.  (A failed open that only close(2)d its file left the name to the
 * kernel's asynchronous RELEASE: a CreateMutex right after could still find the event.) */
static void test_failed_opens_of_another_kind_hold_nothing(void)
{
	unsigned failures = CU_get_number_of_failures();

	for (int round = 0; round < 200; round++) {
		const char *leaf = wu_uniq("b13gone"), *name = wu_cat("Global\\", leaf);
		const char *mpath = wu_mpath("Global", leaf);
		HANDLE event = CreateEventA(NULL, TRUE, FALSE, name), other;

		CU_ASSERT_PTR_NOT_NULL_FATAL(event);
		ASSERT_FAILS(OpenMutexA(SYNCHRONIZE, FALSE, name), ERROR_INVALID_HANDLE);
		ASSERT_FAILS(CreateSemaphoreA(NULL, 0, 1, name), ERROR_INVALID_HANDLE);
		ASSERT_FAILS(OpenFileMappingA(FILE_MAP_READ, FALSE, name), ERROR_INVALID_HANDLE);
		ASSERT_FAILS(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x1000,
						 name),
			     ERROR_INVALID_HANDLE);
		CU_ASSERT_TRUE(CloseHandle(event));
		CU_ASSERT_FALSE(wu_exists(mpath));                  /* gone with the last handle */
		SetLastError(0xdeadbeef);
		other = CreateMutexA(NULL, FALSE, name);            /* so free for another kind */
		CU_ASSERT_PTR_NOT_NULL_FATAL(other);
		ASSERT_ERR(ERROR_SUCCESS);
		ASSERT_FAILS(OpenEventA(SYNCHRONIZE, FALSE, name), ERROR_INVALID_HANDLE);
		CU_ASSERT_TRUE(CloseHandle(other));
		CU_ASSERT_FALSE(wu_exists(mpath));
		if (CU_get_number_of_failures() != failures)
			break;                                      /* one round tells it */
	}
}

/* ---- lifetime ---- */

static int hold_then_close_child(void *varg)
{
	struct peers *p = varg;
	HANDLE h = OpenEventA(SYNCHRONIZE, FALSE, p->name);

	CHILD_CHECK(h != NULL);
	CHILD_CHECK(wu_signal(&p->up));
	CHILD_CHECK(wu_await(&p->down));                        /* the parent closed its handle */
	CHILD_CHECK(CloseHandle(h));                            /* the last one */
	SetLastError(0xdeadbeef);
	CHILD_CHECK(OpenEventA(SYNCHRONIZE, FALSE, p->name) == NULL);
	CHILD_CHECK(GetLastError() == ERROR_FILE_NOT_FOUND);
	CHILD_CHECK(wu_signal(&p->up));
	return 0;
}

static void test_name_goes_with_the_last_close(void)
{
	struct peers p;
	HANDLE h, fresh;
	pid_t pid;

	CU_ASSERT_TRUE_FATAL(peers_open(&p, "evlife"));
	h = CreateEventA(NULL, TRUE, TRUE, p.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	spawn_n(&p, hold_then_close_child, 1, &pid);
	CU_ASSERT_TRUE(wu_await(&p.up));
	ASSERT_EQ(wu_xattr_num(p.mpath, SECTIONFS_XATTR_HANDLES), 2);
	CU_ASSERT_TRUE(CloseHandle(h));
	CU_ASSERT_TRUE(wu_exists(p.mpath));                     /* the child's handle keeps it */
	wu_signal(&p.down);
	CU_ASSERT_TRUE(wu_await(&p.up));
	CU_ASSERT_FALSE(wu_exists(p.mpath));                    /* gone before CloseHandle returned */
	ASSERT_CHILD_OK(wu_wait(pid));
	/* the name makes a new object, with its own state */
	SetLastError(0xdeadbeef);
	fresh = CreateEventA(NULL, TRUE, FALSE, p.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fresh);
	ASSERT_ERR(ERROR_SUCCESS);
	ASSERT_EQ(WaitForSingleObject(fresh, 0), WAIT_TIMEOUT);
	CU_ASSERT_TRUE(CloseHandle(fresh));
	CU_ASSERT_FALSE(wu_exists(p.mpath));
	peers_close(&p);
}

static void test_duplicate_handle_keeps_the_object(void)
{
	const char *leaf = wu_uniq("evdup");
	const char *name = wu_cat("Global\\", leaf), *mpath = wu_mpath("Global", leaf);
	HANDLE h, dup = NULL, weak = NULL;

	h = CreateEventA(NULL, FALSE, FALSE, name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0, FALSE,
				       DUPLICATE_SAME_ACCESS));
	CU_ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &weak,
				       SYNCHRONIZE, FALSE, 0));
	CU_ASSERT_TRUE(CloseHandle(h));
	CU_ASSERT_TRUE(wu_exists(mpath));
	CU_ASSERT_TRUE(SetEvent(dup));
	ASSERT_FAILS(SetEvent(weak),
		     ERROR_ACCESS_DENIED);                        /* no EVENT_MODIFY_STATE */
	ASSERT_EQ(WaitForSingleObject(weak, 0), WAIT_OBJECT_0);
	CU_ASSERT_TRUE(CloseHandle(dup));
	CU_ASSERT_TRUE(CloseHandle(weak));
	CU_ASSERT_FALSE(wu_exists(mpath));
}

/* ---- unnamed objects ---- */

struct unnamed {
	HANDLE event;
	DWORD result;
};

static void *unnamed_waiter(void *varg)
{
	struct unnamed *u = varg;

	u->result = WaitForSingleObject(u->event, WU_TIMEOUT_MS);
	return NULL;
}

static void test_unnamed_objects(void)
{
	int before = wu_count_sections();
	struct unnamed u = { .result = 0xdeadbeef };
	HANDLE mutex, semaphore, dup = NULL;
	pthread_t thread;
	LONG previous = -1;

	SetLastError(0xdeadbeef);
	u.event = CreateEventA(NULL, FALSE, FALSE, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u.event);
	ASSERT_ERR(ERROR_SUCCESS);
	SetLastError(0xdeadbeef);
	mutex = CreateMutexW(NULL, TRUE, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mutex);
	ASSERT_ERR(ERROR_SUCCESS);
	semaphore = CreateSemaphoreA(NULL, 0, 3, "");            /* "" is no name either */
	CU_ASSERT_PTR_NOT_NULL_FATAL(semaphore);
	ASSERT_EQ(wu_count_sections(), before);                 /* in no namespace, not staged */

	CU_ASSERT_EQUAL_FATAL(pthread_create(&thread, NULL, unnamed_waiter, &u), 0);
	CU_ASSERT_TRUE(wu_wait_in_fuse(getpid(), 1));
	ASSERT_EQ(u.result, 0xdeadbeef);
	CU_ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), u.event, GetCurrentProcess(), &dup, 0,
				       FALSE, DUPLICATE_SAME_ACCESS));
	CU_ASSERT_TRUE(SetEvent(dup));
	pthread_join(thread, NULL);
	ASSERT_EQ(u.result, WAIT_OBJECT_0);

	ASSERT_EQ(WaitForSingleObject(mutex, 0), WAIT_OBJECT_0);   /* owned since creation */
	CU_ASSERT_TRUE(ReleaseMutex(mutex));
	CU_ASSERT_TRUE(ReleaseMutex(mutex));
	CU_ASSERT_TRUE(ReleaseSemaphore(semaphore, 2, &previous));
	ASSERT_EQ(previous, 0);
	ASSERT_EQ(WaitForSingleObject(semaphore, 0), WAIT_OBJECT_0);

	CU_ASSERT_TRUE(CloseHandle(dup));
	CU_ASSERT_TRUE(CloseHandle(u.event));
	CU_ASSERT_TRUE(CloseHandle(mutex));
	CU_ASSERT_TRUE(CloseHandle(semaphore));
	ASSERT_EQ(wu_count_sections(), before);
}

/* ---- mutexes ---- */

static int mutex_try_child(void *varg)
{
	struct peers *p = varg;
	HANDLE h = OpenMutexA(SYNCHRONIZE, FALSE, p->name);
	DWORD expected = p->index ? WAIT_OBJECT_0 : WAIT_TIMEOUT;

	CHILD_CHECK(h != NULL);
	CHILD_CHECK(WaitForSingleObject(h, 0) == expected);
	if (expected == WAIT_OBJECT_0)
		CHILD_CHECK(ReleaseMutex(h));
	CHILD_CHECK(CloseHandle(h));
	return 0;
}

static void test_mutex_recursion_and_owner(void)
{
	struct peers p;
	char owned[64];
	HANDLE h;

	CU_ASSERT_TRUE_FATAL(peers_open(&p, "mxrec"));
	SetLastError(0xdeadbeef);
	h = CreateMutexA(NULL, TRUE, p.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_ERR(ERROR_SUCCESS);
	ASSERT_STR(xattr_of(p.mpath, SECTIONFS_XATTR_TYPE), "mutex");
	snprintf(owned, sizeof(owned), "owned %d 1", (int)getpid());
	ASSERT_STR(STATE(p.mpath), owned);
	ASSERT_EQ(WaitForSingleObject(h, 0), WAIT_OBJECT_0);    /* recursion */
	snprintf(owned, sizeof(owned), "owned %d 2", (int)getpid());
	ASSERT_STR(STATE(p.mpath), owned);
	p.index = 0;                                            /* another process: not free */
	ASSERT_CHILD_OK(wu_run(mutex_try_child, &p));
	CU_ASSERT_TRUE(ReleaseMutex(h));
	ASSERT_CHILD_OK(wu_run(mutex_try_child, &p));           /* still held once */
	CU_ASSERT_TRUE(ReleaseMutex(h));
	ASSERT_STR(STATE(p.mpath), "free");
	ASSERT_FAILS(ReleaseMutex(h),
		     ERROR_NOT_OWNER);                       /* one release too many */
	p.index = 1;                                            /* free for another process */
	ASSERT_CHILD_OK(wu_run(mutex_try_child, &p));
	CU_ASSERT_TRUE(CloseHandle(h));
	peers_close(&p);
}

struct thread_try {
	HANDLE mutex;
	BOOL released;
	DWORD release_error, wait;
};

static void *not_owner_thread(void *varg)
{
	struct thread_try *t = varg;

	SetLastError(0xdeadbeef);
	t->released = ReleaseMutex(t->mutex);
	t->release_error = GetLastError();
	t->wait = WaitForSingleObject(t->mutex, 0);
	return NULL;
}

static void test_mutex_not_owner_thread(void)
{
	struct thread_try t = { 0 };
	pthread_t thread;

	t.mutex = CreateMutexA(NULL, TRUE, wu_cat("Global\\", wu_uniq("mxthread")));
	CU_ASSERT_PTR_NOT_NULL_FATAL(t.mutex);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&thread, NULL, not_owner_thread, &t), 0);
	pthread_join(thread, NULL);
	CU_ASSERT_FALSE(t.released);                            /* a thread, not the process, owns it */
	ASSERT_EQ(t.release_error, ERROR_NOT_OWNER);
	ASSERT_EQ(t.wait, WAIT_TIMEOUT);
	CU_ASSERT_TRUE(ReleaseMutex(t.mutex));
	CU_ASSERT_TRUE(CloseHandle(t.mutex));
}

/* CreateMutex(bInitialOwner) of a name that exists: ERROR_ALREADY_EXISTS, and not owned. */
static int initial_owner_existing_child(void *varg)
{
	struct peers *p = varg;
	HANDLE h;

	SetLastError(0xdeadbeef);
	h = CreateMutexA(NULL, TRUE, p->name);
	CHILD_CHECK(h != NULL);
	CHILD_CHECK(GetLastError() == ERROR_ALREADY_EXISTS);
	SetLastError(0xdeadbeef);
	CHILD_CHECK(!ReleaseMutex(h));
	CHILD_CHECK(GetLastError() == ERROR_NOT_OWNER);
	CHILD_CHECK(CloseHandle(h));
	return 0;
}

static void test_mutex_initial_owner_only_when_created(void)
{
	struct peers p;
	HANDLE h;

	CU_ASSERT_TRUE_FATAL(peers_open(&p, "mxinit"));
	h = CreateMutexA(NULL, FALSE, p.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_STR(STATE(p.mpath), "free");
	ASSERT_CHILD_OK(wu_run(initial_owner_existing_child, &p));
	ASSERT_STR(STATE(p.mpath), "free");
	ASSERT_EQ(WaitForSingleObject(h, 0), WAIT_OBJECT_0);
	CU_ASSERT_TRUE(ReleaseMutex(h));
	CU_ASSERT_TRUE(CloseHandle(h));
	peers_close(&p);
}

/* Takes the mutex, says so, and waits to be killed. */
static int mutex_holder_child(void *varg)
{
	struct peers *p = varg;
	HANDLE h = OpenMutexA(SYNCHRONIZE, FALSE, p->name);

	CHILD_CHECK(h != NULL);
	CHILD_CHECK(WaitForSingleObject(h, 0) == WAIT_OBJECT_0);
	CHILD_CHECK(wu_signal(&p->up));
	wu_await(&p->down);                                     /* never comes */
	return 0;
}

static void test_mutex_abandoned_by_sigkill(void)
{
	struct peers p;
	HANDLE handles[2];
	char owned[64];
	pid_t pid;

	CU_ASSERT_TRUE_FATAL(peers_open(&p, "mxabandon"));
	handles[0] = CreateEventA(NULL, TRUE, FALSE, NULL);
	handles[1] = CreateMutexA(NULL, FALSE, p.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(handles[0]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(handles[1]);
	spawn_n(&p, mutex_holder_child, 1, &pid);
	CU_ASSERT_TRUE_FATAL(wu_await(&p.up));
	ASSERT_EQ(WaitForSingleObject(handles[1], 0), WAIT_TIMEOUT);
	kill(pid, SIGKILL);
	ASSERT_EQ(wu_wait(pid), 128 + SIGKILL);
	/* the next waiter gets it, told that it was abandoned, at its index */
	ASSERT_EQ(WaitForMultipleObjects(2, handles, FALSE, WU_TIMEOUT_MS), WAIT_ABANDONED_0 + 1);
	snprintf(owned, sizeof(owned), "owned %d 1", (int)getpid());
	ASSERT_STR(STATE(p.mpath), owned);
	CU_ASSERT_TRUE(ReleaseMutex(handles[1]));
	ASSERT_EQ(WaitForSingleObject(handles[1], 0), WAIT_OBJECT_0);   /* abandoned once only */
	CU_ASSERT_TRUE(ReleaseMutex(handles[1]));
	CU_ASSERT_TRUE(CloseHandle(handles[0]));
	CU_ASSERT_TRUE(CloseHandle(handles[1]));
	peers_close(&p);
}

/* A thread that takes the mutex (twice, as a recursive owner) and, with `release`, lets it go
 * again; then it ends. */
struct thread_take {
	HANDLE mutex;
	bool release;
	DWORD took;
};

static void *take_and_end(void *varg)
{
	struct thread_take *t = varg;

	t->took = WaitForSingleObject(t->mutex, 0);
	if (t->took == WAIT_OBJECT_0 && WaitForSingleObject(t->mutex, 0) == WAIT_OBJECT_0 &&
	    t->release) {
		ReleaseMutex(t->mutex);
		ReleaseMutex(t->mutex);
	}
	return NULL;
}

static void run_thread_take(struct thread_take *t)
{
	pthread_t thread;

	CU_ASSERT_EQUAL_FATAL(pthread_create(&thread, NULL, take_and_end, t), 0);
	pthread_join(thread, NULL);
}

/* H52: a mutex whose owning thread ends is abandoned then, while its process lives on; the
 * next wait, in the same process here, takes it with WAIT_ABANDONED. */
static void test_mutex_abandoned_when_its_thread_ends(void)
{
	const char *leaf = wu_uniq("mxthread");
	const char *mpath = wu_mpath("Global", leaf);
	struct thread_take t = { .mutex = CreateMutexA(NULL, FALSE, wu_cat("Global\\", leaf)) };
	char owned[64];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t.mutex);
	run_thread_take(&t);
	ASSERT_EQ(t.took, WAIT_OBJECT_0);
	ASSERT_EQ(WaitForSingleObject(t.mutex, WU_TIMEOUT_MS), WAIT_ABANDONED_0);
	snprintf(owned, sizeof(owned), "owned %d 1", (int)getpid());
	ASSERT_STR(STATE(mpath), owned);                       /* this thread's, once */
	CU_ASSERT_TRUE(ReleaseMutex(t.mutex));
	ASSERT_STR(STATE(mpath), "free");
	ASSERT_EQ(WaitForSingleObject(t.mutex, 0), WAIT_OBJECT_0);   /* abandoned once only */
	CU_ASSERT_TRUE(ReleaseMutex(t.mutex));

	/* a thread that released it before ending abandons nothing */
	t.release = true;
	run_thread_take(&t);
	ASSERT_EQ(t.took, WAIT_OBJECT_0);
	ASSERT_EQ(WaitForSingleObject(t.mutex, 0), WAIT_OBJECT_0);
	CU_ASSERT_TRUE(ReleaseMutex(t.mutex));

	/* nor does one that only tried while this thread owned it */
	ASSERT_EQ(WaitForSingleObject(t.mutex, 0), WAIT_OBJECT_0);
	run_thread_take(&t);
	ASSERT_EQ(t.took, WAIT_TIMEOUT);
	usleep(QUIET_MS * 1000);                                /* its end is long seen */
	ASSERT_STR(STATE(mpath), owned);
	CU_ASSERT_TRUE(ReleaseMutex(t.mutex));
	CU_ASSERT_TRUE(CloseHandle(t.mutex));
}

/* ---- semaphores ---- */

static int semaphore_take_child(void *varg)
{
	struct peers *p = varg;
	HANDLE h = OpenSemaphoreA(SYNCHRONIZE, FALSE, p->name);

	CHILD_CHECK(h != NULL);
	CHILD_CHECK(WaitForSingleObject(h, 0) == WAIT_OBJECT_0);
	CHILD_CHECK(WaitForSingleObject(h, 0) == WAIT_OBJECT_0);
	CHILD_CHECK(WaitForSingleObject(h, 0) == WAIT_TIMEOUT);
	CHILD_CHECK(CloseHandle(h));
	return 0;
}

static void test_semaphore_parameters(void)
{
	const char *leaf = wu_uniq("semparam");
	const char *name = wu_cat("Global\\", leaf), *mpath = wu_mpath("Global", leaf);
	static const LONG bad[][2] = { { 0, 0 }, { 0, -1 }, { -1, 1 }, { 3, 2 } };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_FAILS(CreateSemaphoreA(NULL, bad[i][0], bad[i][1], name),
			     ERROR_INVALID_PARAMETER);
		ASSERT_FAILS(CreateSemaphoreA(NULL, bad[i][0], bad[i][1], NULL),
			     ERROR_INVALID_PARAMETER);
	}
	CU_ASSERT_FALSE(wu_exists(mpath));
}

static void test_semaphore_overflow_changes_nothing(void)
{
	struct peers p;
	LONG previous = -1;
	HANDLE h, again;

	CU_ASSERT_TRUE_FATAL(peers_open(&p, "semover"));
	h = CreateSemaphoreA(NULL, 1, 2, p.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_STR(xattr_of(p.mpath, SECTIONFS_XATTR_TYPE), "semaphore 1 2");
	ASSERT_STR(STATE(p.mpath), "1 2");
	CU_ASSERT_TRUE(ReleaseSemaphore(h, 1, &previous));
	ASSERT_EQ(previous, 1);
	SetLastError(0xdeadbeef);
	previous = -1;
	CU_ASSERT_FALSE(ReleaseSemaphore(h, 1, &previous));
	ASSERT_ERR(ERROR_TOO_MANY_POSTS);
	ASSERT_EQ(previous, -1);                                /* untouched on failure */
	ASSERT_STR(STATE(p.mpath), "2 2");
	ASSERT_FAILS(ReleaseSemaphore(h, 0, NULL), ERROR_INVALID_PARAMETER);
	ASSERT_FAILS(ReleaseSemaphore(h, -1, NULL), ERROR_INVALID_PARAMETER);

	ASSERT_CHILD_OK(wu_run(semaphore_take_child, &p));      /* takes both, then none left */
	ASSERT_STR(STATE(p.mpath), "0 2");
	ASSERT_FAILS(ReleaseSemaphore(h, 3, NULL),
		     ERROR_TOO_MANY_POSTS);          /* 0 + 3 > 2: nothing released */
	ASSERT_STR(STATE(p.mpath), "0 2");
	CU_ASSERT_TRUE(ReleaseSemaphore(h, 2, &previous));
	ASSERT_EQ(previous, 0);
	/* create-or-open: the existing semaphore, its count and maximum as they were */
	SetLastError(0xdeadbeef);
	again = CreateSemaphoreA(NULL, 0, 5, p.name);
	CU_ASSERT_PTR_NOT_NULL(again);
	ASSERT_ERR(ERROR_ALREADY_EXISTS);
	ASSERT_STR(STATE(p.mpath), "2 2");
	CU_ASSERT_TRUE(CloseHandle(again));
	CU_ASSERT_TRUE(CloseHandle(h));
	peers_close(&p);
}

/* ---- waits ---- */

/* Waits for all of {mutex, event}; once it has both, says so and releases the mutex. */
static int wait_all_child(void *varg)
{
	struct peers *p = varg;
	HANDLE both[2];

	both[0] = OpenMutexA(SYNCHRONIZE, FALSE, p->name);
	both[1] = OpenEventA(SYNCHRONIZE, FALSE, wu_cat(p->name, "-event"));
	CHILD_CHECK(both[0] && both[1]);
	CHILD_CHECK(wu_signal(&p->up));
	CHILD_CHECK(WaitForMultipleObjects(2, both, TRUE, WU_TIMEOUT_MS) == WAIT_OBJECT_0);
	CHILD_CHECK(wu_signal(&p->up));
	CHILD_CHECK(ReleaseMutex(both[0]));                     /* it was taken with the event */
	CHILD_CHECK(CloseHandle(both[0]) && CloseHandle(both[1]));
	return 0;
}

/* Takes the mutex at once (the wait-all has not), holds it until told, releases it. */
static int mutex_taker_child(void *varg)
{
	struct peers *p = varg;
	HANDLE h = OpenMutexA(SYNCHRONIZE, FALSE, p->name);

	CHILD_CHECK(h != NULL);
	CHILD_CHECK(WaitForSingleObject(h, 0) == WAIT_OBJECT_0);
	CHILD_CHECK(wu_signal(&p->down));                       /* the taker speaks on `down` */
	usleep(QUIET_MS * 2 * 1000);                            /* while the parent sets the event */
	CHILD_CHECK(ReleaseMutex(h));
	CHILD_CHECK(CloseHandle(h));
	return 0;
}

static void test_wait_all_takes_all_or_nothing(void)
{
	struct peers p;
	HANDLE mutex, event;
	pid_t waiter, taker;

	CU_ASSERT_TRUE_FATAL(peers_open(&p, "waitall"));
	mutex = CreateMutexA(NULL, FALSE, p.name);
	event = CreateEventA(NULL, TRUE, FALSE, wu_cat(p.name, "-event"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(mutex);
	CU_ASSERT_PTR_NOT_NULL_FATAL(event);
	spawn_n(&p, wait_all_child, 1, &waiter);
	CU_ASSERT_TRUE(all_blocked(&p, &waiter, 1));
	/* the wait-all is blocked on the event and holds nothing: the mutex is free for all */
	ASSERT_STR(STATE(p.mpath), "free");
	taker = wu_spawn(mutex_taker_child, &p);
	CU_ASSERT_TRUE(wu_await(&p.down));
	/* the event set while another holds the mutex: still nothing for the wait-all */
	CU_ASSERT_TRUE(SetEvent(event));
	CU_ASSERT_TRUE(wu_quiet(&p.up, QUIET_MS));
	/* the taker lets go: the wait-all gets both */
	ASSERT_CHILD_OK(wu_wait(taker));
	CU_ASSERT_TRUE(wu_await(&p.up));
	ASSERT_CHILD_OK(wu_wait(waiter));
	ASSERT_STR(STATE(p.mpath), "free");
	CU_ASSERT_TRUE(CloseHandle(mutex));
	CU_ASSERT_TRUE(CloseHandle(event));
	peers_close(&p);
}

static void test_wait_any_index_and_wait_all_timeout(void)
{
	HANDLE e[3];

	for (int i = 0; i < 3; i++) {
		e[i] = CreateEventA(NULL, FALSE, FALSE, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e[i]);
	}
	ASSERT_EQ(WaitForMultipleObjects(3, e, FALSE, 0), WAIT_TIMEOUT);
	CU_ASSERT_TRUE(SetEvent(e[2]));
	ASSERT_EQ(WaitForMultipleObjects(3, e, FALSE, 0), WAIT_OBJECT_0 + 2);
	/* all signaled: the lowest index, and only it is consumed */
	for (int i = 0; i < 3; i++)
		CU_ASSERT_TRUE(SetEvent(e[i]));
	ASSERT_EQ(WaitForMultipleObjects(3, e, FALSE, 0), WAIT_OBJECT_0);
	ASSERT_EQ(WaitForMultipleObjects(3, e, FALSE, 0), WAIT_OBJECT_0 + 1);
	/* a wait-all that times out consumes nothing */
	CU_ASSERT_TRUE(ResetEvent(e[0]));
	ASSERT_EQ(WaitForMultipleObjects(3, e, TRUE, 0), WAIT_TIMEOUT);
	ASSERT_EQ(WaitForSingleObject(e[2], 0), WAIT_OBJECT_0);
	/* a wait-all that succeeds consumes all */
	for (int i = 0; i < 3; i++)
		CU_ASSERT_TRUE(SetEvent(e[i]));
	ASSERT_EQ(WaitForMultipleObjects(3, e, TRUE, 0), WAIT_OBJECT_0);
	ASSERT_EQ(WaitForMultipleObjects(3, e, FALSE, 0), WAIT_TIMEOUT);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_TRUE(CloseHandle(e[i]));
}

static void test_wait_timeout_lower_bound(void)
{
	HANDLE e[2];
	int64_t t;

	e[0] = CreateEventA(NULL, TRUE, FALSE, NULL);
	e[1] = CreateMutexA(NULL, FALSE, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e[0]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e[1]);
	t = now_ms();
	ASSERT_EQ(WaitForSingleObject(e[0], 250), WAIT_TIMEOUT);
	t = now_ms() - t;
	CU_ASSERT_TRUE(t >= 250);
	CU_ASSERT_TRUE(t < 250 + WU_TIMEOUT_MS / 3);
	t = now_ms();
	ASSERT_EQ(WaitForMultipleObjects(2, e, TRUE, 150), WAIT_TIMEOUT);
	t = now_ms() - t;
	CU_ASSERT_TRUE(t >= 150);
	t = now_ms();
	ASSERT_EQ(WaitForSingleObject(e[0], 0), WAIT_TIMEOUT);
	CU_ASSERT_TRUE(now_ms() - t < 1000);
	/* the timed-out wait-all left the mutex free */
	ASSERT_EQ(WaitForSingleObject(e[1], 0), WAIT_OBJECT_0);
	CU_ASSERT_TRUE(ReleaseMutex(e[1]));
	CU_ASSERT_TRUE(CloseHandle(e[0]));
	CU_ASSERT_TRUE(CloseHandle(e[1]));
}

/* The Ex waits: alertable or not, they wait as the plain ones do (no APC can come). */
static void test_ex_waits_wait_as_the_plain_ones(void)
{
	HANDLE e[2] = { CreateEventA(NULL, FALSE, FALSE, NULL), CreateEventA(NULL, TRUE, TRUE, NULL) };
	int64_t t;

	CU_ASSERT_PTR_NOT_NULL_FATAL(e[0]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e[1]);
	t = now_ms();
	ASSERT_EQ(WaitForSingleObjectEx(e[0], 100, TRUE), WAIT_TIMEOUT);
	CU_ASSERT_TRUE(now_ms() - t >= 100);
	ASSERT_EQ(WaitForMultipleObjectsEx(2, e, FALSE, 0, TRUE), WAIT_OBJECT_0 + 1);
	ASSERT_EQ(WaitForMultipleObjectsEx(2, e, TRUE, 0, FALSE), WAIT_TIMEOUT);
	CU_ASSERT_TRUE(SetEvent(e[0]));
	ASSERT_EQ(WaitForMultipleObjectsEx(2, e, TRUE, INFINITE, TRUE), WAIT_OBJECT_0);
	ASSERT_EQ(WaitForSingleObjectEx(e[0], 0, FALSE), WAIT_TIMEOUT);   /* auto: taken */
	SetLastError(0xdeadbeef);
	ASSERT_EQ(WaitForSingleObjectEx(NULL, 0, TRUE), WAIT_FAILED);
	ASSERT_ERR(ERROR_INVALID_HANDLE);
	SetLastError(0xdeadbeef);
	ASSERT_EQ(WaitForMultipleObjectsEx(0, e, FALSE, 0, TRUE), WAIT_FAILED);
	ASSERT_ERR(ERROR_INVALID_PARAMETER);
	t = now_ms();
	ASSERT_EQ(SleepEx(50, TRUE), 0);
	CU_ASSERT_TRUE(now_ms() - t >= 50);
	CU_ASSERT_TRUE(CloseHandle(e[0]));
	CU_ASSERT_TRUE(CloseHandle(e[1]));
}

/* ---- SignalObjectAndWait ---- */

/* Waits for the parent's signal on `name`, then pulses `name`-go at once: only a wait already
 * waiting sees a pulse. */
static int pulse_back_child(void *varg)
{
	struct peers *p = varg;
	HANDLE ready = OpenEventA(SYNCHRONIZE, FALSE, p->name);
	HANDLE go = OpenEventA(EVENT_MODIFY_STATE, FALSE, wu_cat(p->name, "-go"));

	CHILD_CHECK(ready && go);
	CHILD_CHECK(wu_signal(&p->up));
	for (int round = 0; round < 20; round++) {
		CHILD_CHECK(WaitForSingleObject(ready, WU_TIMEOUT_MS) == WAIT_OBJECT_0);
		CHILD_CHECK(PulseEvent(go));
	}
	return 0;
}

static void test_H56_signal_object_and_wait_is_one_step(void)
{
	struct peers p;
	HANDLE ready, go;
	pid_t pid;

	CU_ASSERT_TRUE_FATAL(peers_open(&p, "soaw"));
	ready = CreateEventA(NULL, FALSE, FALSE, p.name);
	go = CreateEventA(NULL, TRUE, FALSE, wu_cat(p.name, "-go"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(ready);
	CU_ASSERT_PTR_NOT_NULL_FATAL(go);
	pid = wu_spawn(pulse_back_child, &p);
	CU_ASSERT_TRUE(wu_await(&p.up));
	for (int round = 0; round < 20; round++) {
		/* the child is waiting for `ready` in the daemon; its pulse of `go` must find us */
		CU_ASSERT_TRUE(wait_waiters(p.mpath, 1));
		ASSERT_EQ(SignalObjectAndWait(ready, go, WU_TIMEOUT_MS, FALSE), WAIT_OBJECT_0);
	}
	ASSERT_CHILD_OK(wu_wait(pid));
	CU_ASSERT_TRUE(CloseHandle(ready));
	CU_ASSERT_TRUE(CloseHandle(go));
	peers_close(&p);
}

static void test_H56_signal_object_and_wait_rules(void)
{
	HANDLE mutex = CreateMutexA(NULL, FALSE, NULL), semaphore = CreateSemaphoreA(NULL, 1, 1, NULL);
	HANDLE set = CreateEventA(NULL, TRUE, TRUE, NULL), unset = CreateEventA(NULL, TRUE, FALSE, NULL);
	HANDLE section = wu_create(wu_cat("Global\\", wu_uniq("soawsec")), 0x1000), weak;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mutex);
	CU_ASSERT_PTR_NOT_NULL_FATAL(semaphore);
	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	CU_ASSERT_PTR_NOT_NULL_FATAL(unset);
	CU_ASSERT_PTR_NOT_NULL_FATAL(section);
	/* a mutex this thread owns is released, then the wait runs */
	ASSERT_EQ(WaitForSingleObject(mutex, 0), WAIT_OBJECT_0);
	ASSERT_EQ(SignalObjectAndWait(mutex, set, 0, FALSE), WAIT_OBJECT_0);
	/* now it owns none: ERROR_NOT_OWNER, and nothing is waited for */
	SetLastError(0xdeadbeef);
	ASSERT_EQ(SignalObjectAndWait(mutex, set, INFINITE, TRUE), WAIT_FAILED);
	ASSERT_ERR(ERROR_NOT_OWNER);
	/* a semaphore at its maximum: ERROR_TOO_MANY_POSTS, its count kept */
	SetLastError(0xdeadbeef);
	ASSERT_EQ(SignalObjectAndWait(semaphore, set, INFINITE, FALSE), WAIT_FAILED);
	ASSERT_ERR(ERROR_TOO_MANY_POSTS);
	ASSERT_EQ(WaitForSingleObject(semaphore, 0), WAIT_OBJECT_0);
	ASSERT_EQ(WaitForSingleObject(semaphore, 0), WAIT_TIMEOUT);
	/* a release of one, which its own wait may take */
	ASSERT_EQ(SignalObjectAndWait(semaphore, semaphore, 0, FALSE), WAIT_OBJECT_0);
	/* a timeout keeps the signal done */
	ASSERT_EQ(SignalObjectAndWait(unset, semaphore, 100, FALSE), WAIT_TIMEOUT);
	ASSERT_EQ(WaitForSingleObject(unset, 0), WAIT_OBJECT_0);
	CU_ASSERT_TRUE(ResetEvent(unset));
	/* handles: checked before anything is signalled */
	SetLastError(0xdeadbeef);
	ASSERT_EQ(SignalObjectAndWait(section, set, 0, FALSE), WAIT_FAILED);
	ASSERT_ERR(ERROR_INVALID_HANDLE);
	SetLastError(0xdeadbeef);
	ASSERT_EQ(SignalObjectAndWait(unset, NULL, 0, FALSE), WAIT_FAILED);
	ASSERT_ERR(ERROR_INVALID_HANDLE);
	ASSERT_EQ(WaitForSingleObject(unset, 0), WAIT_TIMEOUT);          /* not set */
	CU_ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), unset, GetCurrentProcess(), &weak,
				       SYNCHRONIZE, FALSE, 0));
	SetLastError(0xdeadbeef);
	ASSERT_EQ(SignalObjectAndWait(weak, set, 0, FALSE), WAIT_FAILED);   /* may not set it */
	ASSERT_ERR(ERROR_ACCESS_DENIED);
	CU_ASSERT_TRUE(CloseHandle(weak));
	CU_ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), set, GetCurrentProcess(), &weak,
				       EVENT_MODIFY_STATE, FALSE, 0));
	SetLastError(0xdeadbeef);
	ASSERT_EQ(SignalObjectAndWait(unset, weak, 0, FALSE), WAIT_FAILED);  /* may not wait */
	ASSERT_ERR(ERROR_ACCESS_DENIED);
	ASSERT_EQ(WaitForSingleObject(unset, 0), WAIT_TIMEOUT);
	CU_ASSERT_TRUE(CloseHandle(weak));
	CU_ASSERT_TRUE(CloseHandle(mutex));
	CU_ASSERT_TRUE(CloseHandle(semaphore));
	CU_ASSERT_TRUE(CloseHandle(set));
	CU_ASSERT_TRUE(CloseHandle(unset));
	CU_ASSERT_TRUE(CloseHandle(section));
}

/* ---- signals do not end a wait ---- */

static atomic_int handled;

static void count_signal(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled, 1);
}

struct interrupter {
	pthread_t target;
	HANDLE event;                /* set at the end when not NULL */
	atomic_bool stop;
};

static void *interrupt_thread(void *varg)
{
	struct interrupter *it = varg;

	for (int i = 0; i < 10 && !atomic_load(&it->stop); i++) {
		usleep(25 * 1000);
		pthread_kill(it->target, SIGUSR1);
	}
	if (it->event)
		SetEvent(it->event);
	return NULL;
}

static void test_signals_do_not_end_a_wait(void)
{
	struct sigaction sa = { .sa_handler = count_signal }, old;   /* no SA_RESTART */
	struct interrupter it = { .target = pthread_self() };
	pthread_t thread;
	HANDLE event;
	int64_t t;

	sigemptyset(&sa.sa_mask);
	CU_ASSERT_EQUAL_FATAL(sigaction(SIGUSR1, &sa, &old), 0);
	event = CreateEventA(NULL, FALSE, FALSE, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(event);

	/* a timed wait lasts its whole timeout however many signals come */
	atomic_store(&handled, 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&thread, NULL, interrupt_thread, &it), 0);
	t = now_ms();
	ASSERT_EQ(WaitForSingleObject(event, 400), WAIT_TIMEOUT);
	t = now_ms() - t;
	atomic_store(&it.stop, true);
	pthread_join(thread, NULL);
	CU_ASSERT_TRUE(atomic_load(&handled) > 0);
	CU_ASSERT_TRUE(t >= 400);

	/* an infinite one ends only when signaled */
	atomic_store(&handled, 0);
	it.event = event;
	atomic_store(&it.stop, false);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&thread, NULL, interrupt_thread, &it), 0);
	ASSERT_EQ(WaitForSingleObject(event, INFINITE), WAIT_OBJECT_0);
	pthread_join(thread, NULL);
	CU_ASSERT_TRUE(atomic_load(&handled) >= 10);
	CU_ASSERT_TRUE(CloseHandle(event));
	sigaction(SIGUSR1, &old, NULL);
}

/* ---- wrong handles, wrong kinds, wrong rights ---- */

static void test_wrong_handles(void)
{
	HANDLE section = wu_create(wu_cat("Global\\", wu_uniq("notwaitable")), 0x1000);
	HANDLE event = CreateEventA(NULL, TRUE, FALSE, NULL);
	HANDLE mutex = CreateMutexA(NULL, FALSE, NULL);
	HANDLE semaphore = CreateSemaphoreA(NULL, 0, 1, NULL);
	HANDLE closed = CreateEventA(NULL, TRUE, TRUE, NULL);
	HANDLE many[MAXIMUM_WAIT_OBJECTS + 1];

	CU_ASSERT_PTR_NOT_NULL_FATAL(section);
	CU_ASSERT_PTR_NOT_NULL_FATAL(event);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mutex);
	CU_ASSERT_PTR_NOT_NULL_FATAL(semaphore);
	CU_ASSERT_PTR_NOT_NULL_FATAL(closed);
	CU_ASSERT_TRUE(CloseHandle(closed));

	const HANDLE not_waitable[] = { section, closed, NULL, (HANDLE)(uintptr_t)0x12340 };
	for (size_t i = 0; i < sizeof(not_waitable) / sizeof(not_waitable[0]); i++) {
		SetLastError(0xdeadbeef);
		ASSERT_EQ(WaitForSingleObject(not_waitable[i], 0), WAIT_FAILED);
		ASSERT_ERR(ERROR_INVALID_HANDLE);
	}
	HANDLE mixed[2] = { event, section };
	SetLastError(0xdeadbeef);
	ASSERT_EQ(WaitForMultipleObjects(2, mixed, FALSE, 0), WAIT_FAILED);
	ASSERT_ERR(ERROR_INVALID_HANDLE);
	for (unsigned i = 0; i <= MAXIMUM_WAIT_OBJECTS; i++)
		many[i] = event;
	SetLastError(0xdeadbeef);
	ASSERT_EQ(WaitForMultipleObjects(0, many, FALSE, 0), WAIT_FAILED);
	ASSERT_ERR(ERROR_INVALID_PARAMETER);
	SetLastError(0xdeadbeef);
	ASSERT_EQ(WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS + 1, many, FALSE, 0), WAIT_FAILED);
	ASSERT_ERR(ERROR_INVALID_PARAMETER);
	CU_ASSERT_TRUE(SetEvent(event));                        /* 64 of one event: any is fine */
	ASSERT_EQ(WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, many, FALSE, 0), WAIT_OBJECT_0);

	/* each call takes its own kind only */
	ASSERT_FAILS(SetEvent(mutex), ERROR_INVALID_HANDLE);
	ASSERT_FAILS(ResetEvent(semaphore), ERROR_INVALID_HANDLE);
	ASSERT_FAILS(PulseEvent(section), ERROR_INVALID_HANDLE);
	ASSERT_FAILS(ReleaseMutex(event), ERROR_INVALID_HANDLE);
	ASSERT_FAILS(ReleaseSemaphore(mutex, 1, NULL), ERROR_INVALID_HANDLE);
	ASSERT_FAILS(SetEvent(closed), ERROR_INVALID_HANDLE);
	ASSERT_FAILS(MapViewOfFile(event, FILE_MAP_READ, 0, 0, 0),
		     ERROR_INVALID_HANDLE);   /* no section */
	ASSERT_FAILS(CloseHandle(closed), ERROR_INVALID_HANDLE);

	CU_ASSERT_TRUE(CloseHandle(section));
	CU_ASSERT_TRUE(CloseHandle(event));
	CU_ASSERT_TRUE(CloseHandle(mutex));
	CU_ASSERT_TRUE(CloseHandle(semaphore));
}

static void test_handle_rights(void)
{
	const char *leaf = wu_uniq("rights");
	const char *name = wu_cat("Global\\", leaf), *sname = wu_cat(name, "-sem");
	HANDLE event, sync_only, modify_only, generic, semaphore, sem_sync;

	event = CreateEventA(NULL, FALSE, FALSE, name);
	semaphore = CreateSemaphoreA(NULL, 0, 1, sname);
	CU_ASSERT_PTR_NOT_NULL_FATAL(event);
	CU_ASSERT_PTR_NOT_NULL_FATAL(semaphore);

	sync_only = OpenEventA(SYNCHRONIZE, FALSE, name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sync_only);
	ASSERT_FAILS(SetEvent(sync_only), ERROR_ACCESS_DENIED);
	modify_only = OpenEventA(EVENT_MODIFY_STATE, FALSE, name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(modify_only);
	CU_ASSERT_TRUE(SetEvent(modify_only));
	SetLastError(0xdeadbeef);
	ASSERT_EQ(WaitForSingleObject(modify_only, 0), WAIT_FAILED);
	ASSERT_ERR(ERROR_ACCESS_DENIED);
	ASSERT_EQ(WaitForSingleObject(sync_only, 0), WAIT_OBJECT_0);
	/* GENERIC_WRITE | GENERIC_EXECUTE: modify and synchronize */
	generic = OpenEventA(GENERIC_WRITE | GENERIC_EXECUTE, FALSE, name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(generic);
	CU_ASSERT_TRUE(SetEvent(generic));
	ASSERT_EQ(WaitForSingleObject(generic, 0), WAIT_OBJECT_0);

	sem_sync = OpenSemaphoreA(SYNCHRONIZE, FALSE, sname);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sem_sync);
	ASSERT_FAILS(ReleaseSemaphore(sem_sync, 1, NULL), ERROR_ACCESS_DENIED);

	CU_ASSERT_TRUE(CloseHandle(sem_sync));
	CU_ASSERT_TRUE(CloseHandle(generic));
	CU_ASSERT_TRUE(CloseHandle(modify_only));
	CU_ASSERT_TRUE(CloseHandle(sync_only));
	CU_ASSERT_TRUE(CloseHandle(semaphore));
	CU_ASSERT_TRUE(CloseHandle(event));
}

/* Another user may wait on root's event (mode 0644 lets it read) but not change it: neither
 * through winmap nor through the ioctl on a file it could open. */
static int other_user_child(void *varg)
{
	struct peers *p = varg;
	struct sectionfs_signal sig = { .op = SECTIONFS_SIGNAL_SET_EVENT };
	HANDLE h;
	int fd, r;

	CHILD_CHECK(setgroups(0, NULL) == 0 && setgid(NOBODY) == 0 && setuid(NOBODY) == 0);
	SetLastError(0xdeadbeef);
	CHILD_CHECK(OpenEventA(EVENT_ALL_ACCESS, FALSE, p->name) == NULL);
	CHILD_CHECK(GetLastError() == ERROR_ACCESS_DENIED);
	SetLastError(0xdeadbeef);
	CHILD_CHECK(CreateEventA(NULL, FALSE, FALSE, p->name) == NULL);
	CHILD_CHECK(GetLastError() == ERROR_ACCESS_DENIED);
	h = OpenEventA(SYNCHRONIZE, FALSE, p->name);
	CHILD_CHECK(h != NULL);
	CHILD_CHECK(WaitForSingleObject(h, 0) == WAIT_TIMEOUT);
	fd = open(p->mpath, O_RDONLY | O_CLOEXEC);
	CHILD_CHECK(fd >= 0);
	r = ioctl(fd, SECTIONFS_IOC_SIGNAL, &sig);
	CHILD_CHECK(r < 0 || sig.result != 0);                  /* refused, one way or the other */
	close(fd);
	CHILD_CHECK(WaitForSingleObject(h, 0) == WAIT_TIMEOUT); /* and nothing was set */
	CHILD_CHECK(CloseHandle(h));
	return 0;
}

static void test_other_user_cannot_signal(void)
{
	struct peers p;
	HANDLE h;

	CU_ASSERT_TRUE_FATAL(peers_open(&p, "otheruser"));
	h = CreateEventA(NULL, FALSE, FALSE, p.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	ASSERT_CHILD_OK(wu_run(other_user_child, &p));
	ASSERT_STR(STATE(p.mpath), "nonsignaled");
	CU_ASSERT_TRUE(CloseHandle(h));
	peers_close(&p);
}

/* ---- a thousand blocked waiters ---- */

#define THOUSAND 1000

struct crowd {
	struct peers *p;
	HANDLE event;                /* the child's */
	atomic_int woken, wrong;     /* shared with the parent */
};

static void *crowd_waiter(void *varg)
{
	struct crowd *c = varg;

	if (WaitForSingleObject(c->event, WU_TIMEOUT_MS) == WAIT_OBJECT_0)
		atomic_fetch_add(&c->woken, 1);
	else
		atomic_fetch_add(&c->wrong, 1);
	return NULL;
}

/* THOUSAND threads wait on one manual event, through one handle. */
static int crowd_child(void *varg)
{
	struct crowd *c = varg;
	pthread_t *threads = calloc(THOUSAND, sizeof(*threads));
	pthread_attr_t attr;
	int made = 0;

	CHILD_CHECK(threads != NULL);
	c->event = OpenEventA(SYNCHRONIZE, FALSE, c->p->name);
	CHILD_CHECK(c->event != NULL);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (; made < THOUSAND; made++)
		if (pthread_create(&threads[made], &attr, crowd_waiter, c) != 0)
			break;
	pthread_attr_destroy(&attr);
	for (int i = 0; i < made; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	CHILD_CHECK(made == THOUSAND);
	CHILD_CHECK(CloseHandle(c->event));
	return 0;
}

/* A thousand waits held by the daemon at once (each a FUSE request, none a daemon thread);
 * none wakes before the one SetEvent, all do after it. */
static void test_thousand_blocked_waiters(void)
{
	struct crowd *c = wu_shared(sizeof(*c));
	struct peers p;
	HANDLE h;
	pid_t pid;
	int64_t t;

	CU_ASSERT_TRUE_FATAL(peers_open(&p, "crowd"));
	c->p = &p;
	h = CreateEventA(NULL, TRUE, FALSE, p.name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	pid = wu_spawn(crowd_child, c);
	CU_ASSERT_TRUE(wu_wait_in_fuse(pid, THOUSAND));         /* all blocked in the daemon */
	ASSERT_EQ(atomic_load(&c->woken) + atomic_load(&c->wrong), 0);
	t = now_ms();
	CU_ASSERT_TRUE(SetEvent(h));                            /* one set wakes them all */
	ASSERT_CHILD_OK(wu_wait(pid));
	fprintf(stderr, "[%d waiters woken in %lld ms] ", THOUSAND, (long long)(now_ms() - t));
	ASSERT_EQ(atomic_load(&c->woken), THOUSAND);
	ASSERT_EQ(atomic_load(&c->wrong), 0);
	CU_ASSERT_TRUE(CloseHandle(h));
	peers_close(&p);
	wu_unshared(c, sizeof(*c));
}

const char *suite_name = "winapi_sync";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_event_waiter_and_signaller_in_two_processes),
	UNIT_TEST(test_event_auto_reset_wakes_exactly_one_of_two),
	UNIT_TEST(test_event_manual_reset_wakes_all),
	UNIT_TEST(test_event_pulse),
	UNIT_TEST(test_event_initial_state),
	UNIT_TEST(test_event_create_existing_opens_it),
	UNIT_TEST(test_open_errors),
	UNIT_TEST(test_names_follow_the_section_rules),
	UNIT_TEST(test_B13_kind_conflicts),
	UNIT_TEST(test_failed_opens_of_another_kind_hold_nothing),
	UNIT_TEST(test_name_goes_with_the_last_close),
	UNIT_TEST(test_duplicate_handle_keeps_the_object),
	UNIT_TEST(test_unnamed_objects),
	UNIT_TEST(test_mutex_recursion_and_owner),
	UNIT_TEST(test_mutex_not_owner_thread),
	UNIT_TEST(test_mutex_initial_owner_only_when_created),
	UNIT_TEST(test_mutex_abandoned_by_sigkill),
	UNIT_TEST(test_mutex_abandoned_when_its_thread_ends),
	UNIT_TEST(test_semaphore_parameters),
	UNIT_TEST(test_semaphore_overflow_changes_nothing),
	UNIT_TEST(test_wait_all_takes_all_or_nothing),
	UNIT_TEST(test_wait_any_index_and_wait_all_timeout),
	UNIT_TEST(test_wait_timeout_lower_bound),
	UNIT_TEST(test_ex_waits_wait_as_the_plain_ones),
	UNIT_TEST(test_H56_signal_object_and_wait_is_one_step),
	UNIT_TEST(test_H56_signal_object_and_wait_rules),
	UNIT_TEST(test_signals_do_not_end_a_wait),
	UNIT_TEST(test_wrong_handles),
	UNIT_TEST(test_handle_rights),
	UNIT_TEST(test_other_user_cannot_signal),
	UNIT_TEST(test_thousand_blocked_waiters),
	{ 0 },
};
