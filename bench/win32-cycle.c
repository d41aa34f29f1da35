/* The Win32 reference cycles (from shared/bench/win32-cycle.c): the same source builds with
 * x86_64-w64-mingw32-gcc -O2 for Wine (scripts/bench does, when mingw and wine64 are there) and
 * with -DWINMAP against winmap.h (bench/meson.build), so the two are timed on the same calls.
 *
 * win32-cycle [N [create|open|both]]: N cycles (default 20000) of each phase asked for; one line
 * a phase, "<phase> <microseconds a cycle> us", as sectionfs-bench writes its rows.  scripts/bench
 * also runs it with a small N against a mount in debug mode to count the requests a cycle makes. */
#ifdef WINMAP
#include "winmap.h"
#else
#include <windows.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double elapsed_us(LARGE_INTEGER a, LARGE_INTEGER b, LARGE_INTEGER f, int n)
{
	return (double)(b.QuadPart - a.QuadPart) / (double)f.QuadPart / n * 1e6;
}

int main(int argc, char **argv)
{
	LARGE_INTEGER f, a, b;
	int n = argc > 1 ? atoi(argv[1]) : 20000;
	const char *phase = argc > 2 ? argv[2] : "both";
	char name[64];

	QueryPerformanceFrequency(&f);
	if (n <= 0)
		return 2;
	if (strcmp(phase, "open")) {
		QueryPerformanceCounter(&a);
		for (int i = 0; i < n; i++) {
			snprintf(name, sizeof name, "Local\\bench-%d", i);
			HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536, name);
			char *p = h ? MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0) : NULL;
			if (!p) {
				fprintf(stderr, "create cycle %d: error %lu\n", i, (unsigned long)GetLastError());
				return 1;
			}
			p[0] = 1;
			UnmapViewOfFile(p);
			CloseHandle(h);
		}
		QueryPerformanceCounter(&b);
		printf("win32_create_cycle %.3f us\n", elapsed_us(a, b, f, n));
	}
	if (strcmp(phase, "create")) {
		HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536, "Local\\keep");
		QueryPerformanceCounter(&a);
		for (int i = 0; i < n; i++) {
			HANDLE o = OpenFileMappingA(FILE_MAP_READ, FALSE, "Local\\keep");
			char *p = o ? MapViewOfFile(o, FILE_MAP_READ, 0, 0, 4096) : NULL;
			if (!p) {
				fprintf(stderr, "open cycle %d: error %lu\n", i, (unsigned long)GetLastError());
				return 1;
			}
			volatile char c = p[0];
			(void)c;
			UnmapViewOfFile(p);
			CloseHandle(o);
		}
		QueryPerformanceCounter(&b);
		printf("win32_open_cycle %.3f us\n", elapsed_us(a, b, f, n));
		CloseHandle(h);
	}
	return 0;
}
