/* timeGetTime, GetTickCount, Sleep and the performance counter: the seed examples and the
 * benchmarks time themselves. */
#include <time.h>

#include "internal.h"

uint64_t wm_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t monotonic_ms(void)
{
	return wm_monotonic_ns() / 1000000;
}

BOOL WINAPI QueryPerformanceCounter(LARGE_INTEGER *count)
{
	count->QuadPart = (LONGLONG)wm_monotonic_ns();
	return TRUE;
}

BOOL WINAPI QueryPerformanceFrequency(LARGE_INTEGER *frequency)
{
	frequency->QuadPart = 1000000000;
	return TRUE;
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

DWORD WINAPI SleepEx(DWORD ms, BOOL alertable)
{
	(void)alertable;             /* no APCs here (winmap.h): the sleep always runs out */
	Sleep(ms);
	return 0;
}
