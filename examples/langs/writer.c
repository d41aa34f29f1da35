/* The C side of the ping-pong section (pingpong.md): makes it with winmap, as a Windows program
 * would, and plays ROUNDS pings with whatever reader maps it.
 *
 *   writer NAME [ROUNDS]     e.g. writer 'Global\LangDemo' 100
 *
 * Prints "ready" once the section exists, then "reader says: TEXT" and "rounds N"; exits 1 when
 * the reader stops answering for 30 seconds or answers out of turn. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <winmap.h>

#define SECTION_SIZE 4096
#define PING 0
#define PONG 8
#define WRITER_TEXT 16
#define READER_TEXT 64
#define READER_TEXT_MAX 64
#define END UINT64_MAX
#define PATIENCE_MS 30000

/* The other side's stores arrive in another process: every access is atomic. */
static uint64_t load(const char *view, size_t offset)
{
	return __atomic_load_n((const uint64_t *)(view + offset), __ATOMIC_ACQUIRE);
}

static void store(char *view, size_t offset, uint64_t value)
{
	__atomic_store_n((uint64_t *)(view + offset), value, __ATOMIC_RELEASE);
}

/* Waits for the reader's pong to become `want`; false after PATIENCE_MS, or when it answers
 * anything but the last ping or this one. */
static bool await_pong(const char *view, uint64_t want, uint64_t before)
{
	DWORD start = GetTickCount();

	for (;;) {
		uint64_t pong = load(view, PONG);
		if (pong == want)
			return true;
		if (pong != before) {
			fprintf(stderr, "writer: pong %" PRIu64 " out of turn (want %" PRIu64 ")\n",
				pong, want);
			return false;
		}
		if (GetTickCount() - start > PATIENCE_MS) {
			fprintf(stderr, "writer: no pong %" PRIu64 " in %d ms\n", want, PATIENCE_MS);
			return false;
		}
		Sleep(1);
	}
}

int main(int argc, char **argv)
{
	uint64_t rounds = argc > 2 ? strtoull(argv[2], NULL, 10) : 100;
	char text[READER_TEXT_MAX + 1];
	int status = 1;

	if (argc < 2 || rounds == 0 || rounds == END) {
		fprintf(stderr, "usage: writer NAME [ROUNDS]\n");
		return 2;
	}
	HANDLE section = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
					    SECTION_SIZE, argv[1]);
	if (!section) {
		fprintf(stderr, "writer: CreateFileMapping(%s) failed: %lu\n", argv[1],
			(unsigned long)GetLastError());
		return 1;
	}
	char *view = MapViewOfFile(section, FILE_MAP_ALL_ACCESS, 0, 0, 0);
	if (!view) {
		fprintf(stderr, "writer: MapViewOfFile failed: %lu\n", (unsigned long)GetLastError());
		CloseHandle(section);
		return 1;
	}
	strcpy(view + WRITER_TEXT, "hello from C");
	printf("ready\n");
	fflush(stdout);

	uint64_t round;
	for (round = 1; round <= rounds; round++) {
		store(view, PING, round);
		if (!await_pong(view, round, round - 1))
			goto out;
	}
	/* The reader wrote its greeting before its first pong. */
	memcpy(text, view + READER_TEXT, READER_TEXT_MAX);
	text[READER_TEXT_MAX] = '\0';
	printf("reader says: %s\n", text);
	store(view, PING, END);
	if (!await_pong(view, END, rounds))
		goto out;
	printf("rounds %" PRIu64 "\n", rounds);
	status = 0;
out:
	UnmapViewOfFile(view);
	CloseHandle(section);
	return status;
}
