/* WaitForSingleObject and WaitForMultipleObjects (and their Ex forms): one SECTIONFS_IOC_WAIT,
 * sent on the first object's open file with every object's st_ino, which the daemon answers
 * when the wait is satisfied or timed out (a wait-all takes all its objects at once or none,
 * in the daemon).  SignalObjectAndWait is the same request sent on the object to signal, with
 * the signal in it.
 *
 * A signal handler that runs in the waiting thread ends the ioctl with EINTR and nothing taken;
 * Win32 waits are not alertable by signals, so the wait goes on for what is left of its
 * timeout, measured on the monotonic clock. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "internal.h"
#include "sectionfs/protocol.h"

_Static_assert(SECTIONFS_WAIT_INFINITE == INFINITE, "an infinite wait crosses the mount as is");
_Static_assert(SECTIONFS_WAIT_MAX == MAXIMUM_WAIT_OBJECTS, "the daemon waits for as many");

/* What is left of a timeout of timeout_ms started at start_ns, in whole milliseconds rounded up
 * (a wait never ends early); 0 once it has passed. */
static DWORD remaining_ms(DWORD timeout_ms, uint64_t start_ns)
{
	uint64_t elapsed = wm_monotonic_ns() - start_ns, total = (uint64_t)timeout_ms * 1000000u;

	if (timeout_ms == INFINITE)
		return INFINITE;
	return elapsed >= total ? 0 : (DWORD)((total - elapsed + 999999u) / 1000000u);
}

DWORD wm_wait(int fd, const uint64_t *inos, DWORD count, bool wait_all, DWORD timeout_ms,
	      uint32_t signal_op)
{
	struct sectionfs_wait w;
	uint64_t start = wm_monotonic_ns();

	memset(&w, 0, sizeof(w));
	w.count = count;
	w.wait_all = wait_all;
	memcpy(w.inos, inos, count * sizeof(*inos));
	w.timeout_ms = timeout_ms;
	w.signal_op = signal_op;
	while (ioctl(fd, SECTIONFS_IOC_WAIT, &w) < 0) {
		if (errno != EINTR) {
			wm_fail_errno(errno);
			return WAIT_FAILED;
		}
		w.timeout_ms = remaining_ms(timeout_ms, start);
		w.signal_op = 0;     /* an interrupted wait had done its signal (protocol.h) */
	}
	if (w.wait_result == WAIT_FAILED)
		wm_fail(w.result);
	return w.wait_result;
}

/* The object behind h, referenced, when a wait may name it: a section, a file or no object at
 * all cannot be waited for (ERROR_INVALID_HANDLE), nor a handle without SYNCHRONIZE
 * (ERROR_ACCESS_DENIED); NULL then, with the last error set. */
static struct wm_object *waitable(HANDLE h)
{
	struct wm_object *obj = wm_object_get_any(h, WM_SYNC_KINDS);

	if (obj && !(obj->sync.access & SYNCHRONIZE)) {
		wm_object_put(obj);
		wm_fail(ERROR_ACCESS_DENIED);
		return NULL;
	}
	return obj;
}

DWORD WINAPI WaitForMultipleObjects(DWORD count, const HANDLE *handles, BOOL wait_all,
				    DWORD timeout_ms)
{
	struct wm_object *objects[MAXIMUM_WAIT_OBJECTS];
	uint64_t inos[MAXIMUM_WAIT_OBJECTS];
	DWORD got = 0, result = WAIT_FAILED;

	if (count == 0 || count > MAXIMUM_WAIT_OBJECTS || !handles) {
		wm_fail(ERROR_INVALID_PARAMETER);
		return WAIT_FAILED;
	}
	/* Each object is held (not closed under the wait) until the wait ends. */
	for (; got < count; got++) {
		objects[got] = waitable(handles[got]);
		if (!objects[got])
			goto out;
		inos[got] = objects[got]->sync.ino;
	}
	result = wm_wait(objects[0]->sync.fd, inos, count, wait_all, timeout_ms, 0);
out:
	while (got > 0)
		wm_object_put(objects[--got]);
	return result;
}

DWORD WINAPI WaitForSingleObject(HANDLE h, DWORD timeout_ms)
{
	return WaitForMultipleObjects(1, &h, FALSE, timeout_ms);
}

/* Alertable or not, the same waits: no APC can be queued to a thread here (winmap.h). */
DWORD WINAPI WaitForMultipleObjectsEx(DWORD count, const HANDLE *handles, BOOL wait_all,
				      DWORD timeout_ms, BOOL alertable)
{
	(void)alertable;
	return WaitForMultipleObjects(count, handles, wait_all, timeout_ms);
}

DWORD WINAPI WaitForSingleObjectEx(HANDLE h, DWORD timeout_ms, BOOL alertable)
{
	(void)alertable;
	return WaitForMultipleObjects(1, &h, FALSE, timeout_ms);
}

/* One request: the daemon signals and queues the wait under one lock (protocol.h), so a
 * thread the signal releases that answers at once (a PulseEvent included) finds this one
 * waiting.  Alertable or not, the same (no APCs here). */
DWORD WINAPI SignalObjectAndWait(HANDLE to_signal, HANDLE to_wait, DWORD timeout_ms,
				 BOOL alertable)
{
	struct wm_object *signal, *wait;
	DWORD needs, result = WAIT_FAILED;
	uint32_t op;

	(void)alertable;
	signal = wm_object_get_any(to_signal, WM_SYNC_KINDS);
	if (!signal)
		return WAIT_FAILED;
	op = wm_sync_signal_of(signal->kind, &needs);
	if ((signal->sync.access & needs) != needs) {
		wm_fail(ERROR_ACCESS_DENIED);
	} else if ((wait = waitable(to_wait))) {
		result = wm_wait(signal->sync.fd, &wait->sync.ino, 1, false, timeout_ms, op);
		wm_object_put(wait);
	}
	wm_object_put(signal);
	return result;
}
