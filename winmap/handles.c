/* The handle table: HANDLE values name objects (files, sections, events, mutexes, semaphores)
 * of this process.
 *
 * HANDLEs are small multiples of 4, as Windows hands them out; GetCurrentProcess() is the
 * pseudo handle -1.  An object lives while the table holds it or a call is using it, so a
 * CloseHandle racing a MapViewOfFile in another thread is safe. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"
#include "handle.h"
#include "protect.h"
#include "sectionfs/protocol.h"
#include "section.h"

#define PSEUDO_PROCESS ((HANDLE)(LONG_PTR)-1)

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wm_object **table;      /* table_lock */
static size_t table_size;             /* table_lock */

static HANDLE handle_of_index(size_t i)
{
	return (HANDLE)(uintptr_t)((i + 1) * 4);
}

HANDLE wm_handle_normalize(HANDLE h)
{
	return (HANDLE)(intptr_t)(int32_t)(uint32_t)(uintptr_t)h;
}

static bool index_of_handle(HANDLE h, size_t *i)
{
	uintptr_t v = (uintptr_t)wm_handle_normalize(h);

	if (v == 0 || v % 4 || v / 4 - 1 >= table_size)
		return false;
	*i = v / 4 - 1;
	return true;
}

HANDLE wm_handle_add(struct wm_object *obj)
{
	size_t i;

	obj->refs = 1;
	pthread_mutex_lock(&table_lock);
	for (i = 0; i < table_size && table[i]; i++)
		;
	if (i == table_size) {
		size_t n = table_size ? table_size * 2 : 64;
		struct wm_object **t = n <= (1u << 24) ? realloc(table, n * sizeof(*t)) : NULL;
		if (!t) {
			pthread_mutex_unlock(&table_lock);
			wm_fail(ERROR_TOO_MANY_OPEN_FILES);
			return NULL;
		}
		memset(t + table_size, 0, (n - table_size) * sizeof(*t));
		table = t;
		table_size = n;
	}
	table[i] = obj;
	pthread_mutex_unlock(&table_lock);
	return handle_of_index(i);
}

struct wm_object *wm_object_get(HANDLE h, enum wm_kind kind)
{
	return wm_object_get_any(h, WM_KIND_BIT(kind));
}

struct wm_object *wm_object_get_any(HANDLE h, unsigned kinds)
{
	struct wm_object *obj = NULL;
	size_t i;

	pthread_mutex_lock(&table_lock);
	if (index_of_handle(h, &i) && table[i] && (WM_KIND_BIT(table[i]->kind) & kinds)) {
		obj = table[i];
		obj->refs++;
	}
	pthread_mutex_unlock(&table_lock);
	if (!obj)
		wm_fail(ERROR_INVALID_HANDLE);
	return obj;
}

void wm_close_retired(int fd)
{
	ioctl(fd, SECTIONFS_IOC_RETIRE);
	close(fd);
}

/* Lets go of what obj holds: its open file, or its core handle. */
static void release(struct wm_object *obj)
{
	switch (obj->kind) {
	case WM_FILE:
		close(obj->file.fd);
		if (obj->file.delete_on_close)
			unlink(obj->file.delete_on_close);
		free(obj->file.delete_on_close);
		break;
	case WM_SECTION:
		if (obj->section.local)
			handle_close(obj->section.local);     /* C20-C21 in this process's store */
		else
			wm_close_retired(obj->section.fd);
		break;
	case WM_EVENT:
	case WM_MUTEX:
	case WM_SEMAPHORE:
		wm_close_retired(obj->sync.fd);
		break;
	}
}

static void destroy(struct wm_object *obj)
{
	release(obj);
	free(obj);
}

HANDLE wm_handle_new(const struct wm_object *proto)
{
	struct wm_object *obj = malloc(sizeof(*obj));
	struct wm_object orphan;
	HANDLE h;

	if (!obj) {
		orphan = *proto;
		release(&orphan);
		wm_fail(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	*obj = *proto;
	h = wm_handle_add(obj);
	if (!h)
		destroy(obj);
	return h;
}

bool wm_handles_of_file(dev_t dev, ino_t ino, bool writers)
{
	bool found = false;

	pthread_mutex_lock(&table_lock);
	for (size_t i = 0; i < table_size && !found; i++) {
		const struct wm_object *obj = table[i];
		found = obj && obj->kind == WM_SECTION && obj->section.file_backed &&
			obj->section.backing_dev == dev && obj->section.backing_ino == ino &&
			(!writers || protect_allows_shared_write(obj->section.protect));
	}
	pthread_mutex_unlock(&table_lock);
	return found;
}

void wm_object_put(struct wm_object *obj)
{
	unsigned left;

	pthread_mutex_lock(&table_lock);
	left = --obj->refs;
	pthread_mutex_unlock(&table_lock);
	if (left == 0)
		destroy(obj);
}

BOOL WINAPI CloseHandle(HANDLE h)
{
	struct wm_object *obj = NULL;
	size_t i;

	if (wm_handle_normalize(h) == PSEUDO_PROCESS)
		return TRUE;
	pthread_mutex_lock(&table_lock);
	if (index_of_handle(h, &i) && table[i]) {
		obj = table[i];
		table[i] = NULL;
	}
	pthread_mutex_unlock(&table_lock);
	if (!obj) {
		wm_fail(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	wm_object_put(obj);
	return TRUE;
}

HANDLE WINAPI GetCurrentProcess(void)
{
	return PSEUDO_PROCESS;
}

DWORD WINAPI GetCurrentProcessId(void)
{
	return (DWORD)getpid();
}

/* A new object for the same thing: a file shares its open file; a section or a synchronization
 * object gets a handle of its own (a new open file in the mount, or a new core handle), with the
 * access asked for. */
static struct wm_object *duplicate(struct wm_object *src, DWORD access)
{
	struct wm_object *dup = calloc(1, sizeof(*dup));

	if (!dup) {
		wm_fail(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	*dup = *src;
	if (src->kind == WM_FILE) {
		dup->file.delete_on_close = NULL;
		dup->file.fd = fcntl(src->file.fd, F_DUPFD_CLOEXEC, 0);
		if (dup->file.fd < 0)
			goto fail_errno;
		return dup;
	}
	if (WM_KIND_BIT(src->kind) & WM_SYNC_KINDS) {
		if (wm_sync_duplicate(src->kind, &src->sync, access, &dup->sync))
			return dup;
		free(dup);
		return NULL;
	}
	dup->section.access = access;
	if (src->section.local) {
		DWORD err = handle_open(handle_section(src->section.local), access,
					&dup->section.local);
		if (err) {
			free(dup);
			wm_fail(err);
			return NULL;
		}
		return dup;
	}
	dup->section.fd = wm_reopen(src->section.fd, O_RDONLY);
	if (dup->section.fd < 0)
		goto fail_errno;
	return dup;
fail_errno:
	wm_fail_errno(errno);
	free(dup);
	return NULL;
}

BOOL WINAPI DuplicateHandle(HANDLE source_process, HANDLE source, HANDLE target_process,
			    LPHANDLE target, DWORD access, BOOL inherit, DWORD options)
{
	struct wm_object *src, *dup;
	size_t i;

	(void)inherit;   /* no CreateProcess here: nothing inherits */
	if (wm_handle_normalize(source_process) != PSEUDO_PROCESS ||
	    wm_handle_normalize(target_process) != PSEUDO_PROCESS) {
		wm_fail(ERROR_NOT_SUPPORTED);   /* handles of this process only */
		return FALSE;
	}
	pthread_mutex_lock(&table_lock);
	src = index_of_handle(source, &i) ? table[i] : NULL;
	if (src)
		src->refs++;
	pthread_mutex_unlock(&table_lock);
	if (!src) {
		wm_fail(ERROR_INVALID_HANDLE);
		return FALSE;
	}
	if (options & DUPLICATE_SAME_ACCESS)
		access = src->kind == WM_SECTION ? src->section.access :
			 src->kind == WM_FILE ? src->file.access : src->sync.access;
	dup = duplicate(src, access);
	wm_object_put(src);
	if (!dup)
		return FALSE;
	if (target) {
		*target = wm_handle_add(dup);
		if (!*target) {
			dup->refs = 1;
			wm_object_put(dup);
			return FALSE;
		}
	} else {
		dup->refs = 1;
		wm_object_put(dup);   /* Windows allows a NULL target: the duplicate is closed */
	}
	if (options & DUPLICATE_CLOSE_SOURCE)
		CloseHandle(source);
	return TRUE;
}
