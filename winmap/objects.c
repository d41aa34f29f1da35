/* Named objects in the mount, whatever their kind: the one create-or-open path that sections
 * (CreateFileMapping) and synchronization objects (CreateEvent, CreateMutex, CreateSemaphore)
 * share, and the open of an existing name.
 *
 * A new object is built in Staging/ under a name nobody can guess, made what it is to be (the
 * kind's stage() sets its attributes while nobody else can see it), and published with a rename
 * that never replaces: exactly one of any number of racing creators publishes, the others open
 * its object (B12, ERROR_ALREADY_EXISTS), and no opener ever sees an object half made. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "errors.h"
#include "name.h"
#include "sectionfs/layout.h"

/* How often a create may find the name come and go under it before giving up. */
#define CREATE_ATTEMPTS 100
/* How many staging names a create tries before giving up: each is 128 random bits, so only a
 * broken random source ever makes a second try find its name taken too. */
#define STAGE_ATTEMPTS 8

/* splitmix64: spreads the fallback's inputs over all 64 bits. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* A staging file name nobody can guess: Staging/ is shared by every user (mode 1777) and by
 * every pid namespace, so a name made of the pid and a counter can be taken first by another
 * user, or by a process with the same pid in another namespace.  The name is ".winmap-" and 128
 * bits from getrandom(2) in hex.  Should getrandom fail (ENOSYS, or an entropy pool not yet
 * ready: it must not block a create), the bits come from the clock, the pid, a counter and an
 * address mixed together: guessable, but a name taken anyway is only retried (stage_file()). */
static void staging_name(char *buf, size_t len, const char *mount)
{
	static atomic_ulong counter;
	uint64_t bits[2];

	if (getrandom(bits, sizeof(bits), GRND_NONBLOCK) != (ssize_t)sizeof(bits)) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		bits[0] = mix64((uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec);
		bits[1] = mix64(bits[0] ^ (uint64_t)getpid() << 32 ^ (uintptr_t)&bits ^
				atomic_fetch_add(&counter, 1));
	}
	snprintf(buf, len, "%s/" SECTIONFS_STAGING "/.winmap-%016llx%016llx", mount,
		 (unsigned long long)bits[0], (unsigned long long)bits[1]);
}

int wm_set_text_xattr(int fd, const char *name, const char *value)
{
	return fsetxattr(fd, name, value, strlen(value), 0);
}

/* A new, empty staged file, open for reading and writing; its path in stage_path.  -1 with
 * errno set. */
static int stage_file(const char *mount, char *stage_path, size_t len)
{
	int fd = -1;

	/* O_DIRECT: this handle is never mapped, and in passthrough mode a staged file opened
	 * this way may still be put over a file, made copy-on-write (README) or made another kind
	 * of object.  A name someone else holds (EEXIST) is no failure of this create: try
	 * another. */
	for (int attempt = 0; attempt < STAGE_ATTEMPTS; attempt++) {
		staging_name(stage_path, len, mount);
		fd = open(stage_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_DIRECT, 0666);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	return fd;
}

int wm_stage_object(const char *mount, const struct wm_named_kind *kind, void *arg,
		    char *stage_path, size_t len)
{
	int fd = stage_file(mount, stage_path, len);
	int err;

	if (fd < 0)
		return -1;
	if (kind->stage(fd, arg) == 0)
		return fd;
	err = errno;
	wm_close_retired(fd);
	errno = err;
	return -1;
}

/* What the mount's Local link read for this process last time, and when: the process's session
 * then.  A Windows process never changes sessions, and a Linux one only by setsid (which
 * -o sessions=posix follows) or by a new audit login session (-o sessions=login); both are
 * part of the key, so a process that changes either reads the link again.  Read through the
 * kernel each time, the link costs a round trip to the daemon per create or open (the kernel
 * caches no FUSE link, least of all one that reads differently for each caller); the key costs
 * no request. */
struct local_link {
	pthread_mutex_t lock;
	bool known;                     /* lock: the fields below */
	char mount[PATH_MAX];
	pid_t sid;
	char login_session[24];
	char target[64];                /* "Sessions/3", "Global" */
};
static struct local_link local_link = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* This process's session as both session modes see it, the key of local_link. */
static void session_key(pid_t *sid, char *login_session, size_t len)
{
	int fd = open("/proc/self/sessionid", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, login_session, len - 1) : -1;

	if (fd >= 0)
		close(fd);
	login_session[n > 0 ? n : 0] = '\0';
	*sid = getsid(0);
}

/* The Local link's target for this process (false when it cannot be read, or is absolute). */
static bool local_target(const char *mount, char *target, size_t len)
{
	char link[PATH_MAX], login_session[sizeof(local_link.login_session)];
	bool known;
	pid_t sid;
	ssize_t n;

	session_key(&sid, login_session, sizeof(login_session));
	pthread_mutex_lock(&local_link.lock);
	known = local_link.known && local_link.sid == sid &&
		!strcmp(local_link.login_session, login_session) &&
		!strcmp(local_link.mount, mount) && strlen(local_link.target) < len;
	if (known)
		strcpy(target, local_link.target);
	pthread_mutex_unlock(&local_link.lock);
	if (known)
		return true;
	snprintf(link, sizeof(link), "%s/" SECTIONFS_LOCAL, mount);
	n = readlink(link, target, len - 1);
	if (n <= 0 || (size_t)n >= sizeof(local_link.target) || target[0] == '/')
		return false;
	target[n] = '\0';
	pthread_mutex_lock(&local_link.lock);
	if (strlen(mount) < sizeof(local_link.mount)) {
		strcpy(local_link.mount, mount);
		strcpy(local_link.login_session, login_session);
		strcpy(local_link.target, target);
		local_link.sid = sid;
		local_link.known = true;
	}
	pthread_mutex_unlock(&local_link.lock);
	return true;
}

/* A name in the caller's session ("Local\\X", "X") as the path the Local link leads to, so
 * that neither the open that looks for the name nor the rename that publishes it asks the
 * daemon for the link (local_target).  The path stays as it was when the link cannot be read. */
static void resolve_local(const char *mount, const struct name_path *np, char *path, size_t len)
{
	char target[64], resolved[PATH_MAX];

	if (np->root != NAME_ROOT_CALLER_SESSION || !local_target(mount, target, sizeof(target)))
		return;
	if (snprintf(resolved, sizeof(resolved), "%s/%s/%s", mount, target, np->leaf) <
	    (int)sizeof(resolved) && strlen(resolved) < len)
		strcpy(path, resolved);
}

int wm_named_create(const char *name, bool ansi, const struct wm_named_kind *kind, void *arg,
		    bool *created)
{
	char path[PATH_MAX], stage_path[PATH_MAX];
	struct name_path np;
	const char *mount;
	int fd;

	if (wm_name_to_path(name, ansi, path, sizeof(path), &np))
		return -1;
	mount = wm_mount_root();
	resolve_local(mount, &np, path, sizeof(path));
	for (int attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
		/* B12: an existing object is returned as it is; the caller says ERROR_ALREADY_EXISTS
		 * once it knows the object is of its kind (B13). */
		fd = open(path, kind->open_flags | O_CLOEXEC);
		if (fd >= 0) {
			*created = false;
			return fd;
		}
		if (errno != ENOENT) {
			wm_fail_path(path, errno);   /* EISDIR: B13, a directory, not an object */
			return -1;
		}
		fd = wm_stage_object(mount, kind, arg, stage_path, sizeof(stage_path));
		if (fd < 0) {
			/* ENOSPC, the cap, comes back as ERROR_NOT_ENOUGH_MEMORY (A7). */
			wm_fail(winerr_from_staging_errno(errno));
			return -1;
		}
		if (renameat2(AT_FDCWD, stage_path, AT_FDCWD, path, RENAME_NOREPLACE) == 0) {
			*created = true;
			return fd;
		}
		int err = errno;
		wm_close_retired(fd);
		if (err != EEXIST) {
			wm_fail_path(path, err);
			return -1;
		}
		/* someone else published first: open theirs */
	}
	wm_fail(ERROR_SHARING_VIOLATION);
	return -1;
}

int wm_named_open(const char *name, bool ansi, int flags)
{
	char path[PATH_MAX];
	struct name_path np;
	int fd;

	if (wm_name_to_path(name, ansi, path, sizeof(path), &np))   /* NULL: B15 */
		return -1;
	resolve_local(wm_mount_root(), &np, path, sizeof(path));
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		wm_fail_path(path, errno);
	return fd;
}

int wm_fd_identity(int fd, dev_t *dev, uint64_t *ino)
{
	struct statx stx;
	struct stat st;

	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_INO, &stx) == 0) {
		*dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
		*ino = stx.stx_ino;
		return 0;
	}
	if (fstat(fd, &st) < 0)     /* a kernel before statx (4.11) */
		return -1;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

int wm_reopen(int fd, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, flags | O_CLOEXEC);
}
