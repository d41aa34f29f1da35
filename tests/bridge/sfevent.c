/* sfevent: a "game" for the bridge tests that makes named events, as a game says "new data" to
 * the programs that read its sections.
 *
 *   sfevent.exe [NAME manual|auto signaled|nonsignaled]...
 *
 * Each NAME (Local\X, Global\X or a bare X) is made with CreateEvent; it says
 *   EVENT idx=I existed=0|1 name=NAME     or     FAILED error=E name=NAME
 * then READY, and answers these commands (and game.h's), one line each:
 *   event NAME TYPE STATE   EVENT ... | FAILED ...   one more
 *   setevent IDX            DONE op=set idx=I qpc=Q     SetEvent; Q: QueryPerformanceCounter
 *   resetevent IDX          DONE op=reset idx=I qpc=Q     just before the call (Wine's counts
 *   pulseevent IDX          DONE op=pulse idx=I qpc=Q     CLOCK_MONOTONIC_RAW in 100 ns)
 *   state IDX               STATE idx=I signaled=0|1    NtQueryEvent, which takes nothing
 *   clock                   CLOCK qpc=Q
 *   closeevent IDX          ECLOSED idx=I               CloseHandle
 *   selfwait IDX N          SELFWAIT idx=I rounds=N missed=M median_us=X max_us=Y
 *       N times: a thread of the game waits on the auto-reset event IDX (1 s at most), the main
 *       thread sets it 5 ms after that thread said it is about to wait; the time from SetEvent
 *       to the waiter's wake-up, and how many waits timed out (a set someone else took).
 * Numbers are decimal. */
#include "game.h"

#define MAX_EVENTS 100
#define SELFWAIT_MAX 200
#define SELFWAIT_TIMEOUT_MS 1000

typedef struct {
	int type;
	LONG state;
} EVENT_BASIC;

NTSTATUS NTAPI NtQueryEvent(HANDLE, int, void *, ULONG, ULONG *);

static HANDLE events[MAX_EVENTS];
static int nevents;

static long long qpc(void)
{
	LARGE_INTEGER t;

	QueryPerformanceCounter(&t);
	return t.QuadPart;
}

static void create_event(const char *name, const char *type, const char *state)
{
	WCHAR wname[300];
	HANDLE h;
	DWORD err;

	if (nevents == MAX_EVENTS || !MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, 300)) {
		out("FAILED error=%lu name=%s\n", (unsigned long)ERROR_INVALID_PARAMETER, name);
		return;
	}
	h = CreateEventW(NULL, !strcmp(type, "manual"), !strcmp(state, "signaled"), wname);
	err = GetLastError();
	if (!h) {
		out("FAILED error=%lu name=%s\n", (unsigned long)err, name);
		return;
	}
	events[nevents] = h;
	out("EVENT idx=%d existed=%d name=%s\n", nevents++, err == ERROR_ALREADY_EXISTS, name);
}

/* selfwait: the waiter thread and what it saw */
static struct {
	HANDLE event, go, about_to_wait, done;
	DWORD result;
	long long woke;
} waiter;

static DWORD WINAPI wait_once(void *arg)
{
	(void)arg;
	for (;;) {
		WaitForSingleObject(waiter.go, INFINITE);   /* between rounds, no waiter */
		SetEvent(waiter.about_to_wait);
		waiter.result = WaitForSingleObject(waiter.event, SELFWAIT_TIMEOUT_MS);
		waiter.woke = qpc();
		SetEvent(waiter.done);
		if (waiter.result == WAIT_FAILED)
			return 0;
	}
}

static int by_value(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void selfwait(int idx, int rounds)
{
	static HANDLE thread;   /* one waiter, of the first event asked for */
	long long took[SELFWAIT_MAX], freq;
	LARGE_INTEGER f;
	int missed = 0, n = 0;

	QueryPerformanceFrequency(&f);
	freq = f.QuadPart;
	if (!thread) {
		waiter.go = CreateEventW(NULL, FALSE, FALSE, NULL);
		waiter.about_to_wait = CreateEventW(NULL, FALSE, FALSE, NULL);
		waiter.done = CreateEventW(NULL, FALSE, FALSE, NULL);
		waiter.event = events[idx];
		thread = CreateThread(NULL, 0, wait_once, NULL, 0, NULL);
	}
	for (int i = 0; i < rounds && i < SELFWAIT_MAX; i++) {
		long long set_at;

		SetEvent(waiter.go);
		WaitForSingleObject(waiter.about_to_wait, INFINITE);
		Sleep(5);   /* it waits by now */
		set_at = qpc();
		SetEvent(events[idx]);
		WaitForSingleObject(waiter.done, INFINITE);
		if (waiter.result == WAIT_OBJECT_0)
			took[n++] = (waiter.woke - set_at) * 1000000 / freq;
		else
			missed++;
	}
	qsort(took, (size_t)n, sizeof(took[0]), by_value);
	out("SELFWAIT idx=%d rounds=%d missed=%d median_us=%lld max_us=%lld\n", idx, rounds, missed,
	    n ? took[n / 2] : -1, n ? took[n - 1] : -1);
}

static int event_command(const char *line)
{
	char name[300], type[16], state[16], op[16];
	int idx, n;

	if (sscanf(line, "event %299s %15s %15s", name, type, state) == 3) {
		create_event(name, type, state);
		return 1;
	}
	if (!strcmp(line, "clock")) {
		out("CLOCK qpc=%lld\n", qpc());
		return 1;
	}
	if (sscanf(line, "%15s %d", op, &idx) != 2 || idx < 0 || idx >= nevents || !events[idx])
		return 0;
	if (!strcmp(op, "setevent") || !strcmp(op, "resetevent") || !strcmp(op, "pulseevent")) {
		long long t = qpc();
		BOOL ok = op[0] == 's' ? SetEvent(events[idx])
			: op[0] == 'r' ? ResetEvent(events[idx]) : PulseEvent(events[idx]);
		op[strlen(op) - 5] = '\0';
		if (ok)
			out("DONE op=%s idx=%d qpc=%lld\n", op, idx, t);
		else
			out("ERROR %sevent: %lu\n", op, (unsigned long)GetLastError());
	} else if (!strcmp(op, "state")) {
		EVENT_BASIC info;
		if (NtQueryEvent(events[idx], 0, &info, sizeof(info), NULL))
			out("ERROR NtQueryEvent\n");
		else
			out("STATE idx=%d signaled=%d\n", idx, info.state != 0);
	} else if (!strcmp(op, "closeevent")) {
		CloseHandle(events[idx]);
		events[idx] = NULL;
		out("ECLOSED idx=%d\n", idx);
	} else if (!strcmp(op, "selfwait") && sscanf(line, "selfwait %d %d", &idx, &n) == 2) {
		selfwait(idx, n);
	} else {
		return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	InitializeCriticalSection(&sections_lock);
	for (int i = 1; i + 2 < argc; i += 3)
		create_event(argv[i], argv[i + 1], argv[i + 2]);
	out("READY\n");
	command_loop(NULL, event_command);
	return 0;
}
