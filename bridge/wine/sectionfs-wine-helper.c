/* The Windows side of sectionfs-bridge: run inside a Wine prefix, it finds the named sections and
 * events of that prefix's programs and hands each to the Linux side, which publishes it in the
 * mount.
 *
 * Wine keeps named objects in its wineserver, where no Linux program can see them; a program of
 * the prefix can list them (NtQueryDirectoryObject over \BaseNamedObjects and every
 * \Sessions\N\BaseNamedObjects), open them and map them.  The view is a MAP_SHARED map of the
 * section's file (a deleted tmpmap-* file of the wineserver), and while this program holds a
 * handle, Wine keeps that file open in its descriptor cache: the Linux side takes it from there
 * with pidfd_getfd.  Events it opens and watches (events.c), and tells each change.  Built with
 * x86_64-w64-mingw32-gcc; runs under wine64.
 *
 * The protocol is one line per message, UTF-8, fields separated by one space, the name last (it
 * may hold spaces; never a newline, which Windows forbids in object names):
 *   to Linux:    HELLO 1
 *                ADD ID SESSION WRITABLE SIZE ADDRESS NAME   a section: SESSION 0 is Global\,
 *                                                           ADDRESS the view's, in hex
 *                EVENT ID SESSION MANUAL SIGNALED NAME      an event: MANUAL 1 manual-reset, 0
 *                                                           auto-reset; SIGNALED its state now
 *                SET ID                                     the event was set (auto-reset: once)
 *                PULSE ID                                   ... pulsed (or set and reset at once)
 *                RESET ID                                   a manual-reset event, set, was reset
 *                DEL ID                                     its name is gone on the Windows side
 *                MADE ID ERROR                              answer to MAKE (ERROR 0: made)
 *   from Linux:  SCAN                                       look now (a new tmpmap file)
 *                TAKEN ID                                   the file is taken: drop view and handle
 *                MAKE ID SESSION PATH|NAME                  a section over the unix file PATH
 *                                                           as Global\NAME (SESSION 0) or
 *                                                           Local\NAME, held until DROP
 *                DROP ID                                    let go of what MAKE made
 * End of input ends the program (the bridge went away): what it holds goes with it.  With
 * --no-events it leaves events alone.
 *
 * It is one of Wine's own programs, not the prefix's (ProcessWineMakeProcessSystem, as Wine's
 * services do): it does not keep the wineserver running once the prefix's last program ends,
 * which Proton waits for before it says the game ended.  When the wineserver ends, so does this
 * program, with status HELPER_SERVER_ENDING (3): the bridge starts no other beside that server. */
#include "helper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define SCAN_MS 200            /* events make no file the bridge can watch, and a section made
				* by a program the bridge cannot watch makes none either: they
				* appear within this; a pass costs some 17 us per named object */
#define HELPER_SERVER_ENDING 3
#define ProcessWineMakeProcessSystem ((PROCESSINFOCLASS)1000)   /* Wine's winternl.h */
#define SESSIONS_MAX 64

typedef struct {
	UNICODE_STRING Name;
	UNICODE_STRING TypeName;
} DIRECTORY_ENTRY;

typedef struct {
	PVOID BaseAddress;
	ULONG Attributes;
	LARGE_INTEGER Size;
} SECTION_BASIC;

NTSTATUS NTAPI NtOpenDirectoryObject(HANDLE *, ACCESS_MASK, OBJECT_ATTRIBUTES *);
NTSTATUS NTAPI NtQueryDirectoryObject(HANDLE, void *, ULONG, BOOLEAN, BOOLEAN, ULONG *, ULONG *);
NTSTATUS NTAPI NtOpenSection(HANDLE *, ACCESS_MASK, OBJECT_ATTRIBUTES *);
NTSTATUS NTAPI NtQuerySection(HANDLE, int, void *, SIZE_T, SIZE_T *);

#define DIRECTORY_QUERY 0x0001
#define DIRECTORY_TRAVERSE 0x0002
#define SECTION_QUERY_ACCESS 0x0001

CRITICAL_SECTION lock;          /* everything below */
static CRITICAL_SECTION out_lock;   /* stdout */
static struct known *known;
static unsigned long next_id = 1;
static HANDLE scan_now;         /* auto-reset: a SCAN arrived */
static BOOL with_events = TRUE; /* not --no-events */

void say(const char *fmt, ...)
{
	va_list ap;

	EnterCriticalSection(&out_lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	LeaveCriticalSection(&out_lock);
}

static BOOL skipped(const WCHAR *name)
{
	/* Wine's own objects, and names only Wine's own processes use */
	return !_wcsnicmp(name, L"__wine", 6);
}

/* A section found, or made by MAKE (which a scan then finds too, and must not report). */
static struct known *find(unsigned session, const WCHAR *name)
{
	for (struct known *k = known; k; k = k->next)
		if (k->session == session && !wcscmp(k->name, name))
			return k;
	return NULL;
}

/* Ids of sections found are this program's, those of sections made the Linux side's. */
static struct known *find_id(unsigned long id, BOOL made)
{
	for (struct known *k = known; k; k = k->next)
		if (k->id == id && k->made == made)
			return k;
	return NULL;
}

struct known *known_new(unsigned session, const WCHAR *name)
{
	struct known *k = calloc(1, sizeof(*k));

	if (!k || !(k->name = _wcsdup(name))) {
		free(k);
		return NULL;
	}
	k->id = next_id++;
	k->session = session;
	k->seen = TRUE;
	k->next = known;
	known = k;
	return k;
}

void known_forget(struct known *k)
{
	struct known **p = &known;

	while (*p != k)
		p = &(*p)->next;
	*p = k->next;
	if (k->watch)
		event_unwatch(k->watch);
	if (k->view)
		UnmapViewOfFile(k->view);
	if (k->handle)
		CloseHandle(k->handle);
	if (k->file)
		CloseHandle(k->file);
	free(k->name);
	free(k);
}

static void dir_path(WCHAR *buf, size_t len, unsigned session)
{
	if (session == 0)
		swprintf(buf, len, L"\\BaseNamedObjects");
	else
		swprintf(buf, len, L"\\Sessions\\%u\\BaseNamedObjects", session);
}

BOOL object_path(WCHAR *buf, size_t len, unsigned session, const WCHAR *name)
{
	dir_path(buf, len, session);
	if (wcslen(buf) + 1 + wcslen(name) >= len)
		return FALSE;
	wcscat(buf, L"\\");
	wcscat(buf, name);
	return TRUE;
}

static HANDLE open_dir(const WCHAR *path)
{
	UNICODE_STRING us;
	OBJECT_ATTRIBUTES oa;
	HANDLE d;

	RtlInitUnicodeString(&us, path);
	InitializeObjectAttributes(&oa, &us, 0, NULL, NULL);
	return NtOpenDirectoryObject(&d, DIRECTORY_QUERY | DIRECTORY_TRAVERSE, &oa) ? NULL : d;
}

/* Opens a section by its full object path, writable when allowed, and maps all of it. */
static void add_section(unsigned session, const WCHAR *name)
{
	WCHAR path[OBJECT_PATH_MAX];
	UNICODE_STRING us;
	OBJECT_ATTRIBUTES oa;
	SECTION_BASIC info;
	struct known *k;
	char utf8[NAME_MAX_UTF8];
	HANDLE h;
	BOOL writable = TRUE;
	void *view;

	if (!object_path(path, OBJECT_PATH_MAX, session, name))
		return;
	RtlInitUnicodeString(&us, path);
	InitializeObjectAttributes(&oa, &us, 0, NULL, NULL);
	if (NtOpenSection(&h, SECTION_QUERY_ACCESS | SECTION_MAP_READ | SECTION_MAP_WRITE, &oa)) {
		writable = FALSE;
		if (NtOpenSection(&h, SECTION_QUERY_ACCESS | SECTION_MAP_READ, &oa))
			return;
	}
	if (NtQuerySection(h, 0, &info, sizeof(info), NULL) || info.Size.QuadPart <= 0 ||
	    (info.Attributes & SEC_IMAGE)) {
		CloseHandle(h);
		return;   /* images are Wine's business; an empty section has nothing to share */
	}
	view = MapViewOfFile(h, writable ? FILE_MAP_WRITE : FILE_MAP_READ, 0, 0, 0);
	if (!view && writable) {
		writable = FALSE;   /* a read-only section opened with write access */
		view = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
	}
	if (!view ||
	    !WideCharToMultiByte(CP_UTF8, 0, name, -1, utf8, sizeof(utf8), NULL, NULL) ||
	    !(k = known_new(session, name))) {
		if (view)
			UnmapViewOfFile(view);
		CloseHandle(h);
		return;
	}
	k->handle = h;
	k->view = view;
	say("ADD %lu %u %d %lld %p %s\n", k->id, session, writable, info.Size.QuadPart, view, utf8);
}

static void scan_directory(unsigned session)
{
	WCHAR path[64];
	union { DIRECTORY_ENTRY e; BYTE b[4096]; } buf;
	ULONG ctx = 0, len;
	HANDLE d;

	dir_path(path, 64, session);
	if (!(d = open_dir(path)))
		return;
	while (!NtQueryDirectoryObject(d, &buf, sizeof(buf), TRUE, FALSE, &ctx, &len)) {
		WCHAR name[300], type[32];
		struct known *k;

		if (buf.e.Name.Length / 2 >= 300 || buf.e.TypeName.Length / 2 >= 32)
			continue;
		swprintf(name, 300, L"%.*ls", buf.e.Name.Length / 2, buf.e.Name.Buffer);
		swprintf(type, 32, L"%.*ls", buf.e.TypeName.Length / 2, buf.e.TypeName.Buffer);
		if ((wcscmp(type, L"Section") && (wcscmp(type, L"Event") || !with_events)) ||
		    skipped(name))
			continue;
		k = find(session, name);
		if (k)
			k->seen = !k->watch || event_in_use(k->watch);
		else if (type[0] == L'S')
			add_section(session, name);
		else
			event_add(session, name);
	}
	CloseHandle(d);
}

/* The sessions that have a namespace: the numeric directories of \Sessions. */
static unsigned list_sessions(unsigned *ids, unsigned max)
{
	union { DIRECTORY_ENTRY e; BYTE b[4096]; } buf;
	ULONG ctx = 0, len;
	unsigned n = 0;
	HANDLE d = open_dir(L"\\Sessions");

	if (!d)
		return 0;
	while (n < max && !NtQueryDirectoryObject(d, &buf, sizeof(buf), TRUE, FALSE, &ctx, &len)) {
		WCHAR *end;
		unsigned long id = wcstoul(buf.e.Name.Buffer, &end, 10);

		if (end != buf.e.Name.Buffer && end == buf.e.Name.Buffer + buf.e.Name.Length / 2 &&
		    id != 0)
			ids[n++] = (unsigned)id;
	}
	CloseHandle(d);
	return n;
}

static void scan(void)
{
	unsigned sessions[SESSIONS_MAX];
	unsigned n = list_sessions(sessions, SESSIONS_MAX);

	EnterCriticalSection(&lock);
	for (struct known *k = known; k; k = k->next)
		k->seen = k->made;
	scan_directory(0);
	for (unsigned i = 0; i < n; i++)
		scan_directory(sessions[i]);
	for (struct known *k = known, *next; k; k = next) {
		next = k->next;
		if (!k->seen) {
			unsigned long id = k->id;

			known_forget(k);   /* an event's thread says nothing more of it */
			say("DEL %lu\n", id);
		}
	}
	LeaveCriticalSection(&lock);
}

/* MAKE: a section over a unix file (the mount's), so that a game asking for NAME later gets
 * ERROR_ALREADY_EXISTS and this memory.  PATH is a unix path: Wine's Z: drive shows / . */
static DWORD make_section(unsigned long id, unsigned session, char *rest)
{
	char *bar = strchr(rest, '|');
	WCHAR wpath[MAX_PATH + 3], wname[300], full[320];
	LARGE_INTEGER size;
	struct known *k;

	if (!bar)
		return ERROR_INVALID_PARAMETER;
	*bar = '\0';
	wcscpy(wpath, L"Z:");
	if (!MultiByteToWideChar(CP_UTF8, 0, rest, -1, wpath + 2, MAX_PATH) ||
	    !MultiByteToWideChar(CP_UTF8, 0, bar + 1, -1, wname, 300))
		return ERROR_INVALID_NAME;
	for (WCHAR *c = wpath; *c; c++)
		if (*c == L'/')
			*c = L'\\';
	if (session == 0)
		swprintf(full, 320, L"Global\\%ls", wname);
	else
		swprintf(full, 320, L"Local\\%ls", wname);
	if (!(k = calloc(1, sizeof(*k))) || !(k->name = _wcsdup(wname))) {
		free(k);
		return ERROR_NOT_ENOUGH_MEMORY;
	}
	k->file = CreateFileW(wpath, GENERIC_READ | GENERIC_WRITE,
			      FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
			      OPEN_EXISTING, 0, NULL);
	if (k->file == INVALID_HANDLE_VALUE || !GetFileSizeEx(k->file, &size) || !size.QuadPart) {
		DWORD err = k->file == INVALID_HANDLE_VALUE ? GetLastError() : ERROR_FILE_INVALID;
		if (k->file != INVALID_HANDLE_VALUE)
			CloseHandle(k->file);
		free(k->name);
		free(k);
		return err;
	}
	k->handle = CreateFileMappingW(k->file, NULL, PAGE_READWRITE, 0, 0, full);
	if (!k->handle || GetLastError() == ERROR_ALREADY_EXISTS) {
		DWORD err = k->handle ? ERROR_ALREADY_EXISTS : GetLastError();
		if (k->handle)
			CloseHandle(k->handle);
		CloseHandle(k->file);
		free(k->name);
		free(k);
		return err;
	}
	k->id = id;
	k->session = 0;
	if (session)   /* Local\ is this program's session, as it is the game's */
		ProcessIdToSessionId(GetCurrentProcessId(), (DWORD *)&k->session);
	k->made = TRUE;
	k->next = known;
	known = k;
	return ERROR_SUCCESS;
}

/* Reads the Linux side's commands; the end of input ends the program. */
static DWORD WINAPI commands(void *arg)
{
	char line[2 * NAME_MAX_UTF8 + 64];

	(void)arg;
	while (fgets(line, sizeof(line), stdin)) {
		unsigned long id;
		unsigned session;
		int used = 0;

		line[strcspn(line, "\r\n")] = '\0';
		if (!strcmp(line, "SCAN")) {
			SetEvent(scan_now);
			continue;
		}
		EnterCriticalSection(&lock);
		if (sscanf(line, "TAKEN %lu", &id) == 1) {
			struct known *k = find_id(id, FALSE);
			/* The Linux side holds the file now: this program lets go of the view
			 * and the handle, so the name goes with the game's last handle (C20)
			 * and the next scan reports it. */
			if (k && k->handle) {
				UnmapViewOfFile(k->view);
				CloseHandle(k->handle);
				k->view = k->handle = NULL;
			}
		} else if (sscanf(line, "DROP %lu", &id) == 1) {
			struct known *k = find_id(id, TRUE);
			if (k)
				known_forget(k);
		} else if (sscanf(line, "MAKE %lu %u %n", &id, &session, &used) == 2 && used) {
			say("MADE %lu %lu\n", id, make_section(id, session, line + used));
		}
		LeaveCriticalSection(&lock);
	}
	ExitProcess(0);
	return 0;
}

int main(int argc, char **argv)
{
	HANDLE reader, waits[2] = { NULL, NULL };   /* SCAN; the wineserver ending */

	with_events = !(argc > 1 && !strcmp(argv[1], "--no-events"));
	InitializeCriticalSection(&lock);
	InitializeCriticalSection(&out_lock);
	events_init();
	/* not on Wine, or an old one: a program of the prefix, as before */
	if (NtSetInformationProcess(GetCurrentProcess(), ProcessWineMakeProcessSystem, &waits[1],
				    sizeof(waits[1])))
		waits[1] = NULL;
	scan_now = CreateEventW(NULL, FALSE, FALSE, NULL);
	say("HELLO 1\n");
	reader = CreateThread(NULL, 0, commands, NULL, 0, NULL);
	if (!scan_now || !reader)
		return 1;
	waits[0] = scan_now;
	for (;;) {
		scan();
		if (WaitForMultipleObjects(waits[1] ? 2 : 1, waits, FALSE, SCAN_MS) ==
		    WAIT_OBJECT_0 + 1)
			ExitProcess(HELPER_SERVER_ENDING);
	}
}
