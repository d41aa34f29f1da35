/* GetLastError / SetLastError: one error a thread, as on Windows. */
#include "internal.h"
#include "errors.h"

static __thread DWORD last_error;

DWORD WINAPI GetLastError(void)
{
	return last_error;
}

void WINAPI SetLastError(DWORD err)
{
	last_error = err;
}

DWORD wm_fail(DWORD err)
{
	last_error = err;
	return err;
}

DWORD wm_fail_errno(int err)
{
	return wm_fail(winerr_from_errno(err));
}
