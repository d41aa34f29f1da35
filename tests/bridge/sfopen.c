/* sfopen: a "game" that uses a section someone else made (for sectionfs-bridge --make: a Linux
 * program's section, made visible to Windows programs by the bridge).
 *
 *   sfopen.exe NAME [SIZE]
 *
 * It asks for NAME twice, as games do, and says what each call gave:
 *   OPEN error=E                 OpenFileMapping(FILE_MAP_ALL_ACCESS, NAME): E 0 is success
 *   CREATE error=E existed=0|1   CreateFileMapping(paging file, SIZE (default 4096), NAME):
 *                                existed 1 is GetLastError() == ERROR_ALREADY_EXISTS
 * then maps the first of the two that worked (the opened one when both did):
 *   MAPPED from=open|create size=WINE'S region=VIEW'S
 * or NOTHING when neither did, then READY, and answers commands on section 0 (game.h). */
#include "game.h"

int main(int argc, char **argv)
{
	WCHAR wname[300];
	MEMORY_BASIC_INFORMATION mbi = { 0 };
	long long size = argc > 2 ? strtoll(argv[2], NULL, 0) : 4096;
	HANDLE opened, created, use;
	DWORD err;
	void *view = NULL;

	InitializeCriticalSection(&sections_lock);
	if (argc < 2 || !MultiByteToWideChar(CP_UTF8, 0, argv[1], -1, wname, 300)) {
		fprintf(stderr, "usage: sfopen.exe NAME [SIZE]\n");
		return 2;
	}
	opened = OpenFileMappingW(FILE_MAP_ALL_ACCESS, FALSE, wname);
	out("OPEN error=%lu\n", opened ? 0ul : (unsigned long)GetLastError());
	created = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, (DWORD)size,
				     wname);
	err = GetLastError();
	out("CREATE error=%lu existed=%d\n", created ? 0ul : (unsigned long)err,
	    created && err == ERROR_ALREADY_EXISTS);
	use = opened ? opened : created;
	if (use)
		view = MapViewOfFile(use, FILE_MAP_ALL_ACCESS, 0, 0, 0);
	if (view) {
		long long wine_size = section_size(use);
		VirtualQuery(view, &mbi, sizeof(mbi));
		add_section(use, view, wine_size > 0 ? (SIZE_T)wine_size : mbi.RegionSize, argv[1]);
		out("MAPPED from=%s size=%lld region=%llu\n", opened ? "open" : "create", wine_size,
		    (unsigned long long)mbi.RegionSize);
	} else {
		out("NOTHING error=%lu\n", (unsigned long)GetLastError());
	}
	out("READY\n");
	command_loop(NULL, NULL);
	return 0;
}
