/* CreateFileMapping and OpenFileMapping: rules A1-A11 and B12-B19, named sections through the
 * mount, unnamed ones in this process.
 *
 * Every rule is checked here first with the core (so the error is the exact Win32 one); the
 * daemon then checks again what it is given.  A new named section is staged and published as
 * every named object is (objects.c); this file says what makes a staged file a section. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "internal.h"
#include "errors.h"
#include "handle.h"
#include "name.h"
#include "protect.h"
#include "sectionfs/layout.h"
#include "sectionfs/protocol.h"
#include "section.h"

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

static HANDLE add_section(const struct wm_section *s)
{
	const struct wm_object proto = { .kind = WM_SECTION, .section = *s };

	return wm_handle_new(&proto);
}

/* Reads what a section in the mount is into s (protection, attributes, backing file), or
 * ERROR_INVALID_HANDLE when what fd is open on is an event, a mutex or a semaphore (B13: the
 * daemon's INFO answers that for them). */
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

/* What a new named section is made of, for stage_section(). */
struct section_order {
	const struct section_spec *spec;
	DWORD flprotect;
	int file_fd;                /* the backing file's, or -1 for the paging file */
};

/* Makes the staged file at fd a section (the wm_named_kind's stage()): temporary, with its
 * protection, and its size or its file. */
static int stage_section(int fd, void *arg)
{
	const struct section_order *order = arg;
	const struct section_spec *spec = order->spec;
	char value[64];

	/* Protection and lifetime in one request; a daemon older than SECTIONFS_XATTR_SETUP
	 * (ENOTSUP) is given them one at a time. */
	snprintf(value, sizeof(value), "0x%x " SECTIONFS_LIFETIME_TEMPORARY, order->flprotect);
	if (wm_set_text_xattr(fd, SECTIONFS_XATTR_SETUP, value) < 0) {
		snprintf(value, sizeof(value), "0x%x", order->flprotect);
		if (errno != ENOTSUP ||
		    wm_set_text_xattr(fd, SECTIONFS_XATTR_LIFETIME, SECTIONFS_LIFETIME_TEMPORARY) < 0 ||
		    wm_set_text_xattr(fd, SECTIONFS_XATTR_PROTECT, value) < 0)
			return -1;
	}
	if (order->file_fd < 0) {
		/* SEC_COMMIT: Windows charges every page at creation, so a view never lacks one;
		 * the mount's cap takes them now (ENOSPC when it cannot).  fallocate gives the
		 * size as well, so no ftruncate goes first (it would be two more requests: the
		 * SETATTR and the kernel's security.capability question).  SEC_RESERVE pages are
		 * taken as VirtualAlloc commits them, so only the size is set; so it is when the
		 * daemon has no fallocate (nothing to take). */
		bool commit = !(spec->attributes & SEC_RESERVE) && spec->size;
		if (commit && fallocate(fd, 0, 0, (off_t)spec->size) < 0) {
			if (errno != EOPNOTSUPP)
				return -1;
			commit = false;
		}
		if (!commit && ftruncate(fd, (off_t)spec->size) < 0)
			return -1;
	} else {
		snprintf(value, sizeof(value), SECTIONFS_BACKING_FD "%d:%llu", order->file_fd,
			 (unsigned long long)spec->size);
		if (wm_set_text_xattr(fd, SECTIONFS_XATTR_BACKING, value) < 0)
			return -1;
	}
	return 0;
}

static HANDLE create_named(const struct section_spec *spec, DWORD flprotect, const char *name,
			   bool ansi, int file_fd, struct wm_section *s)
{
	struct section_order order = { spec, flprotect, file_fd };
	const struct wm_named_kind kind = { .open_flags = O_RDONLY, .stage = stage_section };
	bool created;
	HANDLE h;

	s->fd = wm_named_create(name, ansi, &kind, &order, &created);
	if (s->fd < 0)
		return NULL;
	/* B12: an existing object is returned as it is, with ERROR_ALREADY_EXISTS, once it is
	 * known to be a section (B13). */
	if (!created && describe_named(s->fd, s)) {
		wm_close_retired(s->fd);
		return NULL;
	}
	h = add_section(s);
	if (h)
		SetLastError(created ? ERROR_SUCCESS : ERROR_ALREADY_EXISTS);     /* A11, B12 */
	return h;
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

	s.fd = wm_named_open(name, ansi, O_RDONLY);
	if (s.fd < 0)
		return NULL;
	/* Windows checks the asked access when the handle is opened: write access needs a
	 * section this caller may write. */
	if ((access & FILE_MAP_WRITE) && faccessat(s.fd, "", W_OK, AT_EMPTY_PATH | AT_EACCESS) < 0 &&
	    errno == EACCES) {
		wm_close_retired(s.fd);
		wm_fail(ERROR_ACCESS_DENIED);
		return NULL;
	}
	if (describe_named(s.fd, &s)) {
		wm_close_retired(s.fd);
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
