/* CreateFileMapping and OpenFileMapping: rules A1-A11 and B12-B19, named sections through the
 * mount, unnamed ones in this process.
 *
 * Every rule is checked here first with the core (so the error is the exact Win32 one); the
 * daemon then checks again what it is given.  A new named section is built in Staging/ and
 * published with a rename that never replaces: exactly one of any number of racing creators
 * publishes, the others open its object (ERROR_ALREADY_EXISTS), and no opener ever sees a
 * section half made. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "errors.h"
#include "handle.h"
#include "name.h"
#include "protect.h"
#include "sectionfs/layout.h"
#include "sectionfs/protocol.h"
#include "section.h"

/* How often a create may find the name come and go under it before giving up. */
#define CREATE_ATTEMPTS 100
/* How many staging names a create tries before giving up: each is 128 random bits, so only a
 * broken random source ever makes a second try find its name taken too. */
#define STAGE_ATTEMPTS 8

/* A10 in Windows terms: what a file handle opened with GENERIC_* may back. */
static unsigned file_access_of(DWORD generic)
{
	unsigned access = 0;

	if (generic & (GENERIC_READ | GENERIC_ALL))
		access |= FILE_ACCESS_READ;
	if (generic & (GENERIC_WRITE | GENERIC_ALL))
		access |= FILE_ACCESS_WRITE;
	if (generic & (GENERIC_EXECUTE | GENERIC_ALL))
		access |= FILE_ACCESS_EXECUTE;
	return access;
}

static HANDLE add_section(struct wm_section *s)
{
	struct wm_object *obj = calloc(1, sizeof(*obj));
	HANDLE h;

	if (!obj) {
		wm_fail(ERROR_NOT_ENOUGH_MEMORY);
		goto fail;
	}
	obj->kind = WM_SECTION;
	obj->section = *s;
	h = wm_handle_add(obj);
	if (h)
		return h;
	free(obj);
fail:
	if (s->local)
		handle_close(s->local);
	else
		close(s->fd);
	return NULL;
}

/* Reads what a section in the mount is into s (protection, attributes, backing file). */
static DWORD describe_named(int fd, struct wm_section *s)
{
	struct sectionfs_info info = { 0 };
	char path[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (ioctl(fd, SECTIONFS_IOC_INFO, &info) < 0)
		return wm_fail_errno(errno);
	if (info.result)
		return wm_fail(info.result);
	s->protect = info.protect;
	s->attributes = info.attributes;
	s->size = info.size;
	s->file_backed = info.flags & SECTIONFS_INFO_FILE_BACKED;
	if (s->file_backed) {
		n = fgetxattr(fd, SECTIONFS_XATTR_BACKING, path, sizeof(path) - 1);
		path[n > 0 ? n : 0] = '\0';
		if (n > 0 && stat(path, &st) == 0) {
			s->backing_dev = st.st_dev;
			s->backing_ino = st.st_ino;
		}
	}
	return ERROR_SUCCESS;
}

/* Opens an existing named section; -1 with errno set when there is none. */
static int open_named(const char *path)
{
	return open(path, O_RDONLY | O_CLOEXEC);
}

static int set_text_xattr(int fd, const char *name, const char *value)
{
	return fsetxattr(fd, name, value, strlen(value), 0);
}

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
 * address mixed together: guessable, but a name taken anyway is only retried (stage()). */
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

/* Builds a staged section: temporary, with its protection, and its size or its file. */
static int stage(const char *mount, const struct section_spec *spec, DWORD flprotect,
		 int file_fd, char *stage_path, size_t len)
{
	char value[64];
	int fd, err;

	/* O_DIRECT: this handle is never mapped, and in passthrough mode a staged section opened
	 * this way may still be put over a file or made copy-on-write (README).  A name someone
	 * else holds (EEXIST) is no failure of this create: try another. */
	for (int attempt = 0; attempt < STAGE_ATTEMPTS; attempt++) {
		staging_name(stage_path, len, mount);
		fd = open(stage_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_DIRECT, 0666);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0)
		return -1;
	/* Protection and lifetime in one request; a daemon older than SECTIONFS_XATTR_SETUP
	 * (ENOTSUP) is given them one at a time. */
	snprintf(value, sizeof(value), "0x%x " SECTIONFS_LIFETIME_TEMPORARY, flprotect);
	if (set_text_xattr(fd, SECTIONFS_XATTR_SETUP, value) < 0) {
		snprintf(value, sizeof(value), "0x%x", flprotect);
		if (errno != ENOTSUP ||
		    set_text_xattr(fd, SECTIONFS_XATTR_LIFETIME, SECTIONFS_LIFETIME_TEMPORARY) < 0 ||
		    set_text_xattr(fd, SECTIONFS_XATTR_PROTECT, value) < 0)
			goto fail;
	}
	if (file_fd < 0) {
		/* SEC_COMMIT: Windows charges every page at creation, so a view never lacks one;
		 * the mount's cap takes them now (ENOSPC when it cannot).  fallocate gives the
		 * size as well, so no ftruncate goes first (it would be two more requests: the
		 * SETATTR and the kernel's security.capability question).  SEC_RESERVE pages are
		 * taken as VirtualAlloc commits them, so only the size is set; so it is when the
		 * daemon has no fallocate (nothing to take). */
		bool commit = !(spec->attributes & SEC_RESERVE) && spec->size;
		if (commit && fallocate(fd, 0, 0, (off_t)spec->size) < 0) {
			if (errno != EOPNOTSUPP)
				goto fail;
			commit = false;
		}
		if (!commit && ftruncate(fd, (off_t)spec->size) < 0)
			goto fail;
	} else {
		snprintf(value, sizeof(value), SECTIONFS_BACKING_FD "%d:%llu", file_fd, (unsigned long long)spec->size);
		if (set_text_xattr(fd, SECTIONFS_XATTR_BACKING, value) < 0)
			goto fail;
	}
	return fd;
fail:
	err = errno;
	close(fd);   /* a staged section that is closed is gone */
	errno = err;
	return -1;
}

/* A name in the caller's session ("Local\\X", "X") as the path the Local link leads to, so
 * that the create's two walks (the open that looks for the name, the rename that publishes)
 * do not ask the daemon for the link twice: the kernel caches no FUSE link, least of all this
 * one, which reads differently for each caller.  Read once a call, never kept: the caller's
 * session may change (setsid, with -o sessions=posix).  The path stays as it was when the link
 * cannot be read. */
static void resolve_local(const char *mount, const struct name_path *np, char *path, size_t len)
{
	char link[PATH_MAX], target[64], resolved[PATH_MAX];
	ssize_t n;

	if (np->root != NAME_ROOT_CALLER_SESSION)
		return;
	snprintf(link, sizeof(link), "%s/" SECTIONFS_LOCAL, mount);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0 || target[0] == '/')
		return;
	target[n] = '\0';
	if (snprintf(resolved, sizeof(resolved), "%s/%s/%s", mount, target, np->leaf) <
	    (int)sizeof(resolved) && strlen(resolved) < len)
		strcpy(path, resolved);
}

static HANDLE create_named(const struct section_spec *spec, DWORD flprotect, const char *name,
			   bool ansi, int file_fd, struct wm_section *s)
{
	char path[PATH_MAX], stage_path[PATH_MAX];
	struct name_path np;
	const char *mount;

	if (wm_name_to_path(name, ansi, path, sizeof(path), &np))
		return NULL;
	mount = wm_mount_root();
	resolve_local(mount, &np, path, sizeof(path));
	for (int attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
		/* B12: an existing object is returned as it is, with ERROR_ALREADY_EXISTS. */
		s->fd = open_named(path);
		if (s->fd >= 0) {
			if (describe_named(s->fd, s)) {
				close(s->fd);
				return NULL;
			}
			HANDLE h = add_section(s);
			if (h)
				SetLastError(ERROR_ALREADY_EXISTS);
			return h;
		}
		if (errno != ENOENT) {
			wm_fail_path(path, errno);   /* EISDIR: B13, a directory, not a section */
			return NULL;
		}
		s->fd = stage(mount, spec, flprotect, file_fd, stage_path, sizeof(stage_path));
		if (s->fd < 0) {
			/* ENOSPC, the cap, comes back as ERROR_NOT_ENOUGH_MEMORY (A7). */
			wm_fail(winerr_from_staging_errno(errno));
			return NULL;
		}
		if (renameat2(AT_FDCWD, stage_path, AT_FDCWD, path, RENAME_NOREPLACE) == 0) {
			HANDLE h = add_section(s);
			if (h)
				SetLastError(ERROR_SUCCESS);                  /* A11 */
			return h;
		}
		int err = errno;
		close(s->fd);
		if (err != EEXIST) {
			wm_fail_path(path, err);
			return NULL;
		}
		/* someone else published first: open theirs */
	}
	wm_fail(ERROR_SHARING_VIOLATION);
	return NULL;
}

static HANDLE create_unnamed(const struct section_spec *spec, struct wm_section *s)
{
	struct section_owner owner = { getuid(), getgid(), 0600 };
	struct section *sec;
	DWORD err;

	err = section_new(wm_local_store(), spec, &owner, &sec);
	if (!err) {
		err = handle_open(sec, s->access, &s->local);
		section_put(sec);   /* the handle holds it now */
	}
	if (err) {
		wm_fail(err);
		return NULL;
	}
	s->fd = -1;
	HANDLE h = add_section(s);
	if (h)
		SetLastError(ERROR_SUCCESS);                              /* A11 */
	return h;
}

static HANDLE create_mapping(HANDLE file, DWORD flprotect, DWORD size_high, DWORD size_low,
			     const char *name, bool ansi)
{
	uint64_t size = (uint64_t)size_high << 32 | size_low;
	struct wm_object *f = NULL;
	struct section_spec spec;
	struct wm_section s = { .fd = -1, .access = SECTION_ALL_ACCESS | FILE_MAP_EXECUTE };
	HANDLE h = NULL;
	DWORD err;

	if (wm_handle_normalize(file) != INVALID_HANDLE_VALUE) {
		f = wm_object_get(file, WM_FILE);
		if (!f)
			return NULL;
	}
	/* A1-A10, the size first of all (A1 even when the name exists). */
	err = section_spec_win32(flprotect, size, f ? f->file.fd : -1,
				 f ? file_access_of(f->file.access) : 0, SECTION_TEMPORARY, &spec);
	if (err) {
		wm_fail(err);
		goto out;
	}
	s.protect = spec.protect;
	s.attributes = spec.attributes;
	s.size = spec.size;
	s.file_backed = f != NULL;
	if (f) {
		struct stat st;
		if (fstat(f->file.fd, &st) == 0) {
			s.backing_dev = st.st_dev;
			s.backing_ino = st.st_ino;
		}
	}
	if (name && *name)
		h = create_named(&spec, flprotect, name, ansi, f ? f->file.fd : -1, &s);
	else
		h = create_unnamed(&spec, &s);
out:
	if (f)
		wm_object_put(f);
	return h;
}

HANDLE WINAPI CreateFileMappingA(HANDLE file, LPSECURITY_ATTRIBUTES sa, DWORD flprotect,
				 DWORD size_high, DWORD size_low, LPCSTR name)
{
	(void)sa;   /* Unix modes decide who may open a section: see the README */
	return create_mapping(file, flprotect, size_high, size_low, name, true);
}

HANDLE WINAPI CreateFileMappingW(HANDLE file, LPSECURITY_ATTRIBUTES sa, DWORD flprotect,
				 DWORD size_high, DWORD size_low, LPCWSTR name)
{
	char *utf8;
	HANDLE h;

	(void)sa;
	if (!wm_wide_argument(name, &utf8))
		return NULL;
	h = create_mapping(file, flprotect, size_high, size_low, utf8, false);
	free(utf8);
	return h;
}

static HANDLE open_mapping(DWORD access, const char *name, bool ansi)
{
	struct wm_section s = { .fd = -1, .access = access };
	char path[PATH_MAX];
	struct name_path np;

	if (!name) {
		wm_fail(ERROR_INVALID_PARAMETER);                  /* B15 */
		return NULL;
	}
	if (wm_name_to_path(name, ansi, path, sizeof(path), &np))
		return NULL;
	s.fd = open_named(path);
	if (s.fd < 0) {
		wm_fail_path(path, errno);
		return NULL;
	}
	/* Windows checks the asked access when the handle is opened: write access needs a
	 * section this caller may write. */
	if ((access & FILE_MAP_WRITE) && faccessat(s.fd, "", W_OK, AT_EMPTY_PATH | AT_EACCESS) < 0 &&
	    errno == EACCES) {
		close(s.fd);
		wm_fail(ERROR_ACCESS_DENIED);
		return NULL;
	}
	if (describe_named(s.fd, &s)) {
		close(s.fd);
		return NULL;
	}
	return add_section(&s);
}

HANDLE WINAPI OpenFileMappingA(DWORD access, BOOL inherit, LPCSTR name)
{
	(void)inherit;
	return open_mapping(access, name, true);
}

HANDLE WINAPI OpenFileMappingW(DWORD access, BOOL inherit, LPCWSTR name)
{
	char *utf8;
	HANDLE h;

	(void)inherit;
	if (!wm_wide_argument(name, &utf8))
		return NULL;
	h = open_mapping(access, utf8, false);
	free(utf8);
	return h;
}
