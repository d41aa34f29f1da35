/* Races between 16 processes: creators of one name (B12, A11: exactly one makes it, all share
 * it), and openers racing a creator (nobody ever sees a section half made). */
#include <CUnit/CUnit.h>

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cunit_main.h"
#include "winapi_util.h"

#define RACERS 16
#define ROUNDS 6
#define SLOT_STRIDE 16            /* uint32_t: one slot per 64 bytes */

void suite_teardown(void)
{
	CU_ASSERT_TRUE(wu_wait_sections(0));
	CU_ASSERT_TRUE(wu_wait_used(0));
}

struct result {
	DWORD error;                  /* GetLastError() after the call that got the handle */
	DWORD asked_size, seen_size;  /* what it asked, what its size-0 view covers */
	DWORD seen_protect;           /* the view's AllocationProtect (section's when it fits) */
	int seen_slots;               /* the racers whose slot it saw */
	int attempts;                 /* opens that found nothing */
	DWORD unexpected;             /* an error other than ERROR_FILE_NOT_FOUND while opening */
	char xattr_protect[40];
	long long file_size;
	int done;
};

struct race {
	const char *name, *mpath;
	int index;
	struct wu_pipe ready;         /* each racer: one byte at the gate, one when done */
	struct wu_gate go, finish;
	struct result *results;       /* shared, RACERS of them */
};

static bool spawn_all(struct race *r, wu_child_fn fn, pid_t *pids)
{
	for (int i = 0; i < RACERS; i++) {
		r->index = i;
		pids[i] = wu_spawn(fn, r);
		if (pids[i] < 0)
			return false;
	}
	return true;
}

static bool await_all(struct race *r)
{
	for (int i = 0; i < RACERS; i++)
		if (!wu_await(&r->ready))
			return false;
	return true;
}

/* ---- creators ---- */

static int creator_child(void *varg)
{
	struct race *r = varg;
	struct result *me = &r->results[r->index];
	MEMORY_BASIC_INFORMATION mbi;
	DWORD protect = r->index % 2 ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
	HANDLE h;
	volatile uint32_t *slots;

	me->asked_size = 0x10000 * (DWORD)(1 + r->index % 4);
	CHILD_CHECK(wu_signal(&r->ready));
	CHILD_CHECK(wu_gate_wait(&r->go));
	SetLastError(0xdeadbeef);
	h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, protect, 0, me->asked_size, r->name);
	me->error = GetLastError();
	CHILD_CHECK(h != NULL);
	slots = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
	CHILD_CHECK(slots != NULL);
	CHILD_CHECK(VirtualQuery((void *)slots, &mbi, sizeof(mbi)) == sizeof(mbi));
	me->seen_size = (DWORD)mbi.RegionSize;
	wu_xattr(r->mpath, "user.section.protect", me->xattr_protect, sizeof(me->xattr_protect));
	slots[r->index * SLOT_STRIDE] = (uint32_t)r->index + 1;
	CHILD_CHECK(wu_signal(&r->ready));
	CHILD_CHECK(wu_gate_wait(&r->finish));                  /* everyone has written */
	for (int j = 0; j < RACERS; j++)
		if (slots[j * SLOT_STRIDE] == (uint32_t)j + 1)
			me->seen_slots++;
	CHILD_CHECK(UnmapViewOfFile((void *)slots));
	CHILD_CHECK(CloseHandle(h));
	me->done = 1;
	return 0;
}

static void test_race_16_creators_make_one_object(void)
{
	size_t shared_len = sizeof(struct result) * RACERS;

	for (int round = 0; round < ROUNDS; round++) {
		const char *leaf = wu_uniq("race-create");
		struct race r = { .name = wu_cat("Global\\", leaf), .mpath = wu_mpath("Global", leaf) };
		pid_t pids[RACERS];
		int created = 0, existed = 0, winner = -1;

		r.results = wu_shared(shared_len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r.results);
		CU_ASSERT_TRUE_FATAL(wu_pipe_open(&r.ready) && wu_gate_open(&r.go) && wu_gate_open(&r.finish));
		CU_ASSERT_TRUE(spawn_all(&r, creator_child, pids));
		CU_ASSERT_TRUE(await_all(&r));                  /* all at the gate */
		wu_gate_release(&r.go);
		CU_ASSERT_TRUE(await_all(&r));                  /* all created and wrote */
		wu_gate_release(&r.finish);
		for (int i = 0; i < RACERS; i++)
			ASSERT_CHILD_OK(wu_wait(pids[i]));

		for (int i = 0; i < RACERS; i++) {
			struct result *x = &r.results[i];
			if (x->error == ERROR_SUCCESS) {
				created++;
				winner = i;
			} else if (x->error == ERROR_ALREADY_EXISTS) {
				existed++;
			} else {
				fprintf(stderr, "\n    round %d racer %d: error %u", round, i, x->error);
			}
			CU_ASSERT_TRUE(x->done);
			ASSERT_EQ(x->seen_slots, RACERS);           /* all saw one object */
		}
		ASSERT_EQ(created, 1);
		ASSERT_EQ(existed, RACERS - 1);
		if (winner >= 0) {
			/* the object is the winner's: its size and protection, for everyone */
			const char *protect = winner % 2 ? "PAGE_EXECUTE_READWRITE" : "PAGE_READWRITE";
			for (int i = 0; i < RACERS; i++) {
				ASSERT_EQ(r.results[i].seen_size, r.results[winner].asked_size);
				ASSERT_STR(r.results[i].xattr_protect, protect);
			}
		}
		CU_ASSERT_FALSE(wu_exists(r.mpath));
		ASSERT_EQ(wu_count_sections(), 0);
		wu_pipe_close(&r.ready);
		wu_unshared(r.results, shared_len);
	}
}

/* ---- openers against a creator ---- */

#define OPEN_SIZE 0x53000u
#define OPEN_PROTECT (PAGE_EXECUTE_READWRITE | SEC_COMMIT)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int opener_child(void *varg)
{
	struct race *r = varg;
	struct result *me = &r->results[r->index];
	MEMORY_BASIC_INFORMATION mbi;
	int64_t give_up;
	HANDLE h = NULL;
	void *p;

	CHILD_CHECK(wu_signal(&r->ready));
	CHILD_CHECK(wu_gate_wait(&r->go));
	give_up = now_ms() + WU_TIMEOUT_MS;                      /* a safety net only */
	for (;;) {
		SetLastError(0xdeadbeef);
		h = OpenFileMappingA(FILE_MAP_READ | FILE_MAP_EXECUTE, FALSE, r->name);
		if (h)
			break;
		if (GetLastError() != ERROR_FILE_NOT_FOUND) {
			me->unexpected = GetLastError();
			break;
		}
		me->attempts++;
		if (me->attempts % 64 == 0) {
			sched_yield();
			CHILD_CHECK(now_ms() < give_up);
		}
	}
	CHILD_CHECK(h != NULL);
	/* right after the open: all of it is there */
	me->file_size = wu_file_size(r->mpath);
	wu_xattr(r->mpath, "user.section.protect", me->xattr_protect, sizeof(me->xattr_protect));
	p = MapViewOfFile(h, FILE_MAP_READ | FILE_MAP_EXECUTE, 0, 0, 0);   /* needs the execute */
	CHILD_CHECK(p != NULL);
	CHILD_CHECK(VirtualQuery(p, &mbi, sizeof(mbi)) == sizeof(mbi));
	me->seen_size = (DWORD)mbi.RegionSize;
	me->seen_protect = mbi.AllocationProtect;
	CHILD_CHECK(wu_signal(&r->ready));
	CHILD_CHECK(wu_gate_wait(&r->finish));
	CHILD_CHECK(UnmapViewOfFile(p));
	CHILD_CHECK(CloseHandle(h));
	me->done = 1;
	return 0;
}

static void test_race_16_openers_never_see_a_half_made_section(void)
{
	size_t shared_len = sizeof(struct result) * RACERS;

	for (int round = 0; round < ROUNDS; round++) {
		const char *leaf = wu_uniq("race-open");
		struct race r = { .name = wu_cat("Global\\", leaf), .mpath = wu_mpath("Global", leaf) };
		pid_t pids[RACERS];
		HANDLE h;

		r.results = wu_shared(shared_len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r.results);
		CU_ASSERT_TRUE_FATAL(wu_pipe_open(&r.ready) && wu_gate_open(&r.go) && wu_gate_open(&r.finish));
		CU_ASSERT_TRUE(spawn_all(&r, opener_child, pids));
		CU_ASSERT_TRUE(await_all(&r));
		wu_gate_release(&r.go);                          /* they open while we create */
		SetLastError(0xdeadbeef);
		h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, OPEN_PROTECT, 0, OPEN_SIZE, r.name);
		CU_ASSERT_PTR_NOT_NULL(h);
		ASSERT_ERR(ERROR_SUCCESS);
		CU_ASSERT_TRUE(await_all(&r));
		wu_gate_release(&r.finish);
		for (int i = 0; i < RACERS; i++)
			ASSERT_CHILD_OK(wu_wait(pids[i]));
		if (h)
			CU_ASSERT_TRUE(CloseHandle(h));

		for (int i = 0; i < RACERS; i++) {
			struct result *x = &r.results[i];
			CU_ASSERT_TRUE(x->done);
			ASSERT_EQ(x->unexpected, 0);
			ASSERT_EQ(x->file_size, OPEN_SIZE);
			ASSERT_EQ(x->seen_size, OPEN_SIZE);
			ASSERT_EQ(x->seen_protect, PAGE_EXECUTE_READ);
			ASSERT_STR(x->xattr_protect, "PAGE_EXECUTE_READWRITE");
		}
		CU_ASSERT_FALSE(wu_exists(r.mpath));
		ASSERT_EQ(wu_count_sections(), 0);
		wu_pipe_close(&r.ready);
		wu_unshared(r.results, shared_len);
	}
}

const char *suite_name = "winapi_race";
const struct unit_test suite_tests[] = {
	UNIT_TEST(test_race_16_creators_make_one_object),
	UNIT_TEST(test_race_16_openers_never_see_a_half_made_section),
	{ 0 },
};
