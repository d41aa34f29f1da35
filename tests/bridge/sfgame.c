/* sfgame: a "game" for the bridge tests.  It makes named sections in its Wine prefix, as a
 * Windows game shares its telemetry, counts in them and answers commands (game.h).
 *
 *   sfgame.exe [--interval MS] [--status N] [--map-delay MS] [NAME SIZE]...
 *
 * Each NAME (Local\X, Global\X or a bare X, which Windows puts in the session's namespace) is
 * made with CreateFileMapping over the paging file, SIZE bytes, and mapped whole.  It says
 *   CREATED idx=I existed=0|1 requested=SIZE size=WINE'S region=VIEW'S t0=NS t1=NS name=NAME
 * (size: what NtQuerySection says; region: the view's VirtualQuery size; t0 and t1: the time
 * around CreateFileMapping, in ns since 1970) or FAILED error=E name=NAME, then READY once all
 * are made.  The section holds "sfgame:NAME" at byte 64 and "END!" in its last 4 requested
 * bytes; every MS milliseconds (--interval; 0, the default: never) word 0 of each section it
 * holds goes up by one.  --map-delay MS waits that long between CreateFileMapping and the first
 * view, as a game that maps later does.  The end of input ends it with status N (--status,
 * default 0). */
#include "game.h"

#define TAG_OFFSET 64

static DWORD interval_ms;
static DWORD map_delay_ms;

static int create_section(const char *name, long long size)
{
	WCHAR wname[300];
	MEMORY_BASIC_INFORMATION mbi = { 0 };
	long long t0, t1, wine_size;
	DWORD err;
	HANDLE h;
	char *view;
	int idx;

	if (!MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, 300)) {
		out("FAILED error=%lu name=%s\n", (unsigned long)GetLastError(), name);
		return -1;
	}
	t0 = unix_ns();
	h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
			       (DWORD)((unsigned long long)size >> 32), (DWORD)size, wname);
	err = GetLastError();
	t1 = unix_ns();
	if (!h) {
		out("FAILED error=%lu name=%s\n", (unsigned long)err, name);
		return -1;
	}
	if (map_delay_ms)
		Sleep(map_delay_ms);
	view = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0);
	if (!view) {
		out("FAILED error=%lu name=%s\n", (unsigned long)GetLastError(), name);
		CloseHandle(h);
		return -1;
	}
	wine_size = section_size(h);
	VirtualQuery(view, &mbi, sizeof(mbi));
	if (err != ERROR_ALREADY_EXISTS) {
		if (size >= TAG_OFFSET + 7 + (long long)strlen(name) + 1)
			sprintf(view + TAG_OFFSET, "sfgame:%s", name);
		if (size >= 8)
			memcpy(view + size - 4, "END!", 4);
	}
	idx = add_section(h, view, wine_size > 0 ? (SIZE_T)wine_size : (SIZE_T)size, name);
	out("CREATED idx=%d existed=%d requested=%lld size=%lld region=%llu t0=%lld t1=%lld "
	    "name=%s\n", idx, err == ERROR_ALREADY_EXISTS, size, wine_size,
	    (unsigned long long)mbi.RegionSize, t0, t1, name);
	return idx;
}

static DWORD WINAPI count(void *arg)
{
	(void)arg;
	for (;;) {
		Sleep(interval_ms);
		EnterCriticalSection(&sections_lock);
		for (int i = 0; i < nsections; i++)
			if (sections[i].handle) {
				/* words 2-3: when this count was written, for a reader's data age */
				*(volatile LONGLONG *)(sections[i].view + 2) = unix_ns();
				InterlockedIncrement((LONG *)sections[i].view);   /* a full barrier */
			}
		LeaveCriticalSection(&sections_lock);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int status = 0, i = 1;

	InitializeCriticalSection(&sections_lock);
	for (; i < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (i + 1 >= argc)
			break;
		if (!strcmp(argv[i], "--interval"))
			interval_ms = (DWORD)strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--map-delay"))
			map_delay_ms = (DWORD)strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--status"))
			status = atoi(argv[i + 1]);
		else {
			fprintf(stderr, "sfgame: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	for (; i + 1 < argc; i += 2)
		create_section(argv[i], strtoll(argv[i + 1], NULL, 0));
	if (interval_ms && !CreateThread(NULL, 0, count, NULL, 0, NULL)) {
		fprintf(stderr, "sfgame: no counting thread\n");
		return 2;
	}
	out("READY\n");
	command_loop(create_section, NULL);
	fflush(stdout);
	ExitProcess((UINT)status);
}
