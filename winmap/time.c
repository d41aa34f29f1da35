/* timeGetTime, GetTickCount and Sleep: the seed examples time themselves. */
#include <time.h>

#include "internal.h"

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

DWORD WINAPI timeGetTime(void)
{
	return (DWORD)monotonic_ms();
}

DWORD WINAPI GetTickCount(void)
{
	return (DWORD)monotonic_ms();
}

void WINAPI Sleep(DWORD ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0)
		;
}
