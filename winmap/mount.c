/* Where named sections live: the sectionfs mount, and Win32 names as paths in it. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/xattr.h>

#include "internal.h"
#include "errors.h"
#include "mountinfo.h"
#include "name.h"
#include "sectionfs/layout.h"
#include "sectionfs/protocol.h"
#include "store.h"

static pthread_mutex_t root_lock = PTHREAD_MUTEX_INITIALIZER;
static char *root;                 /* root_lock; once found it stays */
static bool told;                  /* root_lock: the debug message went out */

const char *wm_mount_root(void)
{
	const char *env = getenv("SECTIONFS_ROOT");
	char candidate[PATH_MAX];
	const char *found;

	pthread_mutex_lock(&root_lock);
	if (!root && mountinfo_sectionfs_root(NULL, candidate, sizeof(candidate)))
		root = strdup(candidate);
	if (!root && !told && getenv("WINMAP_DEBUG")) {
		told = true;
		fprintf(stderr, "winmap: no sectionfs mount found (%s%s); named sections need one: "
				"run scripts/mount, or set SECTIONFS_ROOT to a sectionfs mount point\n",
			env ? "SECTIONFS_ROOT=" : "looked at /run/sectionfs and $XDG_RUNTIME_DIR/sectionfs",
			env ? env : "");
	}
	found = root;
	pthread_mutex_unlock(&root_lock);
	if (!found)
		wm_fail(ERROR_PATH_NOT_FOUND);
	return found;
}

DWORD wm_name_to_path(const char *name, bool ansi, char *path, size_t len, struct name_path *np)
{
	DWORD err = ERROR_SUCCESS;
	const char *mount;
	int n;

	if (!name)
		return wm_fail(ERROR_INVALID_PARAMETER);
	if (ansi)
		err = name_check_ansi_length(name);     /* B19 */
	if (!err)
		err = name_parse(name, np);              /* B13-B18 */
	if (err)
		return wm_fail(err);
	mount = wm_mount_root();
	if (!mount)
		return ERROR_PATH_NOT_FOUND;
	switch (np->root) {
	case NAME_ROOT_GLOBAL:
		n = snprintf(path, len, "%s/" SECTIONFS_GLOBAL "/%s", mount, np->leaf);
		break;
	case NAME_ROOT_SESSION:
		n = snprintf(path, len, "%s/" SECTIONFS_SESSIONS "/%u/%s", mount, np->session,
			     np->leaf);
		break;
	default:
		/* the caller's session */
		n = snprintf(path, len, "%s/" SECTIONFS_LOCAL "/%s", mount, np->leaf);
		break;
	}
	if (n < 0 || (size_t)n >= len)
		return wm_fail(ERROR_FILENAME_EXCED_RANGE);
	return ERROR_SUCCESS;
}

unsigned wm_mount_file_sections(dev_t dev, ino_t ino, bool writers)
{
	DWORD saved = GetLastError();
	const char *mount = wm_mount_root();
	char name[128], value[32];
	ssize_t n;

	SetLastError(saved);
	if (!mount)
		return 0;
	snprintf(name, sizeof(name), "%s.%llu.%llu",
		 writers ? SECTIONFS_XATTR_FILE_WRITERS : SECTIONFS_XATTR_FILE_SECTIONS,
		 (unsigned long long)dev, (unsigned long long)ino);
	n = getxattr(mount, name, value, sizeof(value) - 1);
	if (n <= 0)
		return 0;
	value[n] = '\0';
	return (unsigned)strtoul(value, NULL, 10);
}

DWORD wm_fail_path(const char *path, int err)
{
	char dir[PATH_MAX];
	char *slash;
	struct stat st;

	if (err != ENOENT)
		return wm_fail_errno(err);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	return wm_fail(winerr_of_missing(stat(dir, &st) < 0 ? errno : 0));
}

static struct store *local_store;
static pthread_once_t local_once = PTHREAD_ONCE_INIT;

static void make_local_store(void)
{
	struct sysinfo si;
	uint64_t limit = UINT64_MAX / 2;

	/* Unnamed sections are this process's own memory: they may hold what the system can back,
	 * RAM and swap, and no more (A7), as the commit limit bounds them on Windows. */
	if (sysinfo(&si) == 0)
		limit = ((uint64_t)si.totalram + si.totalswap) * si.mem_unit;
	local_store = store_new(limit);
}

struct store *wm_local_store(void)
{
	pthread_once(&local_once, make_local_store);
	return local_store;
}
