/* What the bridge tests' Windows "games" share: their sections, the time, and the commands
 * they take on standard input.  Built with x86_64-w64-mingw32-gcc, run under wine64.
 *
 * A game speaks in lines.  It prints what it did (CREATED, OPENED, MAPPED, READY ...) and then
 * answers these commands, one line each, on standard input:
 *   get IDX WORD            VALUE IDX WORD V     the 32-bit word WORD of section IDX
 *   set IDX WORD V          SET IDX WORD V       writes it
 *   wait IDX WORD V MS      SAW IDX WORD V       until the word is V (another process writes
 *                           TIMEOUT IDX WORD GOT   it), or MS milliseconds have passed
 *   bytes IDX OFF LEN       BYTES IDX OFF HEX    LEN bytes at OFF, in hex
 *   create NAME SIZE        CREATED ...          (sfgame) one more section
 *   close IDX               CLOSED IDX           unmaps it and closes its handle
 *   exit N                  (nothing)            exits with status N
 * Numbers are decimal or 0x hex.  The end of input ends the game with its --status.  sfevent.c
 * takes commands of its own for events too. */
#ifndef SFTEST_GAME_H
#define SFTEST_GAME_H

#define __USE_MINGW_ANSI_STDIO 1   /* C99 printf and scanf: %lld, %lli */
#include <windows.h>
#include <winternl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SECTIONS 64

struct section {
	HANDLE handle;           /* NULL once closed */
	volatile LONG *view;
	SIZE_T size;             /* what Wine says the section's size is */
	char name[300];
};

static struct section sections[MAX_SECTIONS];
static int nsections;
static CRITICAL_SECTION sections_lock;   /* the table and stdout */

static inline void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void out(const char *fmt, ...)
{
	va_list ap;

	EnterCriticalSection(&sections_lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	LeaveCriticalSection(&sections_lock);
}

/* Now, in nanoseconds since 1970 (Wine reads the Linux clock: the tests compare with theirs). */
static inline long long unix_ns(void)
{
	FILETIME ft;
	ULARGE_INTEGER t;

	GetSystemTimePreciseAsFileTime(&ft);
	t.LowPart = ft.dwLowDateTime;
	t.HighPart = ft.dwHighDateTime;
	return (long long)(t.QuadPart - 116444736000000000ULL) * 100;
}

typedef struct {
	PVOID BaseAddress;
	ULONG Attributes;
	LARGE_INTEGER Size;
} SECTION_BASIC;

NTSTATUS NTAPI NtQuerySection(HANDLE, int, void *, SIZE_T, SIZE_T *);

/* The size Wine gives the section (SectionBasicInformation), -1 if it will not say. */
static inline long long section_size(HANDLE h)
{
	SECTION_BASIC info;

	return NtQuerySection(h, 0, &info, sizeof(info), NULL) ? -1 : info.Size.QuadPart;
}

/* Adds a mapped section to the table; its index, or -1 when the table is full. */
static inline int add_section(HANDLE h, void *view, SIZE_T size, const char *name)
{
	int i;

	EnterCriticalSection(&sections_lock);
	i = nsections < MAX_SECTIONS ? nsections++ : -1;
	if (i >= 0) {
		sections[i].handle = h;
		sections[i].view = view;
		sections[i].size = size;
		snprintf(sections[i].name, sizeof(sections[i].name), "%s", name);
	}
	LeaveCriticalSection(&sections_lock);
	return i;
}

static inline volatile LONG *word_at(int idx, long long word)
{
	if (idx < 0 || idx >= nsections || !sections[idx].handle || word < 0 ||
	    (unsigned long long)(word + 1) * sizeof(LONG) > sections[idx].size)
		return NULL;
	return sections[idx].view + word;
}

static inline long long word_value(volatile LONG *w)
{
	return (long long)(ULONG)*w;
}

static inline void close_section(int idx)
{
	EnterCriticalSection(&sections_lock);
	UnmapViewOfFile((void *)sections[idx].view);
	CloseHandle(sections[idx].handle);
	sections[idx].handle = NULL;
	sections[idx].view = NULL;
	LeaveCriticalSection(&sections_lock);
}

/* Answers commands until the end of input; `create` makes sections when the game can, and
 * `other` (if any) takes the commands of a game's own, saying whether it did. */
static inline void command_loop(int (*create)(const char *name, long long size),
				int (*other)(const char *line))
{
	char line[512];

	while (fgets(line, sizeof(line), stdin)) {
		char name[300];
		int idx, n;
		long long word, value, ms, off, len;
		volatile LONG *w;

		line[strcspn(line, "\r\n")] = '\0';
		if (sscanf(line, "get %d %lli", &idx, &word) == 2) {
			if ((w = word_at(idx, word)))
				out("VALUE %d %lld %lld\n", idx, word, word_value(w));
			else
				out("ERROR no word %lld in section %d\n", word, idx);
		} else if (sscanf(line, "set %d %lli %lli", &idx, &word, &value) == 3) {
			if ((w = word_at(idx, word))) {
				*w = (LONG)(ULONG)value;
				MemoryBarrier();
				out("SET %d %lld %lld\n", idx, word, value);
			} else {
				out("ERROR no word %lld in section %d\n", word, idx);
			}
		} else if (sscanf(line, "wait %d %lli %lli %lli", &idx, &word, &value, &ms) == 4) {
			ULONGLONG start = GetTickCount64();
			if (!(w = word_at(idx, word))) {
				out("ERROR no word %lld in section %d\n", word, idx);
				continue;
			}
			while (word_value(w) != value && GetTickCount64() - start < (ULONGLONG)ms)
				Sleep(1);
			if (word_value(w) == value)
				out("SAW %d %lld %lld\n", idx, word, value);
			else
				out("TIMEOUT %d %lld %lld\n", idx, word, word_value(w));
		} else if (sscanf(line, "bytes %d %lli %lli", &idx, &off, &len) == 3) {
			char hex[2 * 256 + 1] = "";
			if (idx < 0 || idx >= nsections || !sections[idx].handle || off < 0 ||
			    len < 0 || len > 256 ||
			    (unsigned long long)(off + len) > sections[idx].size) {
				out("ERROR no bytes %lld+%lld in section %d\n", off, len, idx);
				continue;
			}
			for (long long i = 0; i < len; i++)
				sprintf(hex + 2 * i, "%02x",
					((volatile unsigned char *)sections[idx].view)[off + i]);
			out("BYTES %d %lld %s\n", idx, off, hex);
		} else if (sscanf(line, "create %299s %lli", name, &value) == 2 && create) {
			create(name, value);
		} else if (sscanf(line, "close %d", &idx) == 1) {
			if (idx < 0 || idx >= nsections || !sections[idx].handle) {
				out("ERROR no section %d\n", idx);
				continue;
			}
			close_section(idx);
			out("CLOSED %d\n", idx);
		} else if (sscanf(line, "exit %d", &n) == 1) {
			fflush(stdout);
			ExitProcess((UINT)n);
		} else if (line[0] && !(other && other(line))) {
			out("ERROR unknown command: %s\n", line);
		}
	}
}

#endif
