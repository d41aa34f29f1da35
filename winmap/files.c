/* The file calls that file-backed sections and the seed examples use: CreateFile, GetFileSize,
 * SetFilePointer, SetEndOfFile (E36), ReadFile, WriteFile, DeleteFile.  Paths are Linux paths;
 * share modes are enforced only against sections that write the file (see the README). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "errors.h"

static int open_flags(DWORD access, DWORD disposition, bool *ok)
{
	int flags = O_CLOEXEC;
	bool r = access & (GENERIC_READ | GENERIC_ALL | GENERIC_EXECUTE);
	bool w = access & (GENERIC_WRITE | GENERIC_ALL);

	*ok = true;
	flags |= r && w ? O_RDWR : w ? O_WRONLY : O_RDONLY;
	switch (disposition) {
	case CREATE_NEW:        return flags | O_CREAT | O_EXCL;
	case CREATE_ALWAYS:     return flags | O_CREAT | O_TRUNC;
	case OPEN_EXISTING:     return flags;
	case OPEN_ALWAYS:       return flags | O_CREAT;
	case TRUNCATE_EXISTING: return flags | O_TRUNC;
	default:
		*ok = false;
		return 0;
	}
}

/* E36: is a section over file (dev, ino), here (a handle or a view) or in the mount?  While one
 * is, the file may not become shorter at all, whatever part of it the section covers. */
static bool file_has_a_section(dev_t dev, ino_t ino)
{
	return wm_views_of_file(dev, ino) || wm_handles_of_file(dev, ino, false) ||
	       wm_mount_file_sections(dev, ino, false) > 0;
}

/* Share modes: while a section that writes the file lives (a handle here, or a named one in
 * the mount), the file opens only for callers that share writing.  (Views left after their
 * section's handles closed, in this process, are not counted.) */
static bool file_has_a_writer(dev_t dev, ino_t ino)
{
	return wm_handles_of_file(dev, ino, true) || wm_mount_file_sections(dev, ino, true) > 0;
}

static HANDLE create_file(const char *path, DWORD access, DWORD share, DWORD disposition,
			  DWORD attributes)
{
	struct wm_object *obj;
	struct stat before;   /* the file as it is before this open, when it exists */
	bool ok, existed;
	int flags = open_flags(access, disposition, &ok), fd;
	HANDLE h;

	if (!path || !ok || (disposition == TRUNCATE_EXISTING && !(access & (GENERIC_WRITE | GENERIC_ALL)))) {
		wm_fail(ERROR_INVALID_PARAMETER);
		return INVALID_HANDLE_VALUE;
	}
	existed = stat(path, &before) == 0;
	if (existed && !(share & FILE_SHARE_WRITE) && file_has_a_writer(before.st_dev, before.st_ino)) {
		wm_fail(ERROR_SHARING_VIOLATION);
		return INVALID_HANDLE_VALUE;
	}
	/* E36: a truncating open may not cut a file a section is over */
	if (existed && (flags & O_TRUNC) && file_has_a_section(before.st_dev, before.st_ino)) {
		wm_fail(ERROR_USER_MAPPED_FILE);
		return INVALID_HANDLE_VALUE;
	}
	fd = open(path, flags, (attributes & FILE_ATTRIBUTE_READONLY) ? 0444 : 0666);
	if (fd < 0) {
		int err = errno;
		if (err == ENOENT)
			wm_fail_path(path, err);
		else
			wm_fail(winerr_from_create_errno(err));         /* CREATE_NEW */
		return INVALID_HANDLE_VALUE;
	}
	obj = calloc(1, sizeof(*obj));
	if (!obj) {
		close(fd);
		wm_fail(ERROR_NOT_ENOUGH_MEMORY);
		return INVALID_HANDLE_VALUE;
	}
	obj->kind = WM_FILE;
	obj->file.fd = fd;
	obj->file.access = access;
	if (attributes & FILE_FLAG_DELETE_ON_CLOSE)
		obj->file.delete_on_close = strdup(path);
	h = wm_handle_add(obj);
	if (!h)
		return INVALID_HANDLE_VALUE;
	/* CREATE_ALWAYS and OPEN_ALWAYS say whether the file was there */
	bool tells = disposition == CREATE_ALWAYS || disposition == OPEN_ALWAYS;
	SetLastError(tells && existed ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
	return h;
}

HANDLE WINAPI CreateFileA(LPCSTR path, DWORD access, DWORD share, LPSECURITY_ATTRIBUTES sa,
			  DWORD disposition, DWORD attributes, HANDLE template_file)
{
	(void)sa; (void)template_file;
	return create_file(path, access, share, disposition, attributes);
}

HANDLE WINAPI CreateFileW(LPCWSTR path, DWORD access, DWORD share, LPSECURITY_ATTRIBUTES sa,
			  DWORD disposition, DWORD attributes, HANDLE template_file)
{
	char *utf8;
	HANDLE h;

	(void)sa; (void)template_file;
	if (!wm_wide_argument(path, &utf8))
		return INVALID_HANDLE_VALUE;
	h = create_file(utf8, access, share, disposition, attributes);
	free(utf8);
	return h;
}

BOOL WINAPI DeleteFileA(LPCSTR path)
{
	if (!path || unlink(path) < 0) {
		if (!path)
			wm_fail(ERROR_INVALID_PARAMETER);
		else
			wm_fail_path(path, errno);
		return FALSE;
	}
	return TRUE;
}

BOOL WINAPI DeleteFileW(LPCWSTR path)
{
	char *utf8;
	BOOL ok;

	if (!wm_wide_argument(path, &utf8))
		return FALSE;
	ok = DeleteFileA(utf8);
	free(utf8);
	return ok;
}

BOOL WINAPI GetFileSizeEx(HANDLE h, PLARGE_INTEGER size)
{
	struct wm_object *f = wm_object_get(h, WM_FILE);
	struct stat st;
	int err;

	if (!f)
		return FALSE;
	err = fstat(f->file.fd, &st) < 0 ? errno : 0;
	wm_object_put(f);
	if (err || !size) {
		wm_fail(err ? winerr_from_errno(err) : ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	size->QuadPart = st.st_size;
	return TRUE;
}

DWORD WINAPI GetFileSize(HANDLE h, LPDWORD high)
{
	LARGE_INTEGER size;

	if (!GetFileSizeEx(h, &size))
		return INVALID_FILE_SIZE;
	if (high)
		*high = (DWORD)((uint64_t)size.QuadPart >> 32);
	if ((DWORD)size.QuadPart == INVALID_FILE_SIZE)
		SetLastError(ERROR_SUCCESS);   /* a real size that looks like the error value */
	return (DWORD)size.QuadPart;
}

BOOL WINAPI SetFilePointerEx(HANDLE h, LARGE_INTEGER distance, PLARGE_INTEGER new_pos, DWORD method)
{
	struct wm_object *f = wm_object_get(h, WM_FILE);
	int whence = method == FILE_BEGIN ? SEEK_SET : method == FILE_CURRENT ? SEEK_CUR :
		     method == FILE_END ? SEEK_END : -1;
	off_t cur, pos;

	if (!f)
		return FALSE;
	if (whence < 0) {
		wm_object_put(f);
		wm_fail(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	/* A position before the start is an error of its own on Windows, and the pointer then
	 * stays where it was: find the base without moving it. */
	struct stat st;
	cur = whence == SEEK_SET ? 0 :
	      whence == SEEK_CUR ? lseek(f->file.fd, 0, SEEK_CUR) :
	      fstat(f->file.fd, &st) == 0 ? st.st_size : -1;
	if (cur >= 0 && distance.QuadPart < 0 && -distance.QuadPart > cur) {
		wm_object_put(f);
		wm_fail(ERROR_NEGATIVE_SEEK);
		return FALSE;
	}
	pos = lseek(f->file.fd, (off_t)distance.QuadPart, whence);
	int err = pos < 0 ? errno : 0;
	wm_object_put(f);
	if (err) {
		wm_fail_errno(err);
		return FALSE;
	}
	if (new_pos)
		new_pos->QuadPart = pos;
	return TRUE;
}

DWORD WINAPI SetFilePointer(HANDLE h, LONG distance, PLONG distance_high, DWORD method)
{
	LARGE_INTEGER d, pos;

	/* Without a high part the distance is a signed 32-bit value. */
	d.QuadPart = distance_high ? (LONGLONG)((uint64_t)(uint32_t)*distance_high << 32 | (uint32_t)distance)
				   : distance;
	if (!SetFilePointerEx(h, d, &pos, method))
		return INVALID_SET_FILE_POINTER;
	if (distance_high)
		*distance_high = (LONG)(pos.QuadPart >> 32);
	SetLastError(ERROR_SUCCESS);
	return (DWORD)pos.QuadPart;
}

BOOL WINAPI SetEndOfFile(HANDLE h)
{
	struct wm_object *f = wm_object_get(h, WM_FILE);
	struct stat st;
	off_t pos;
	int err = 0;

	if (!f)
		return FALSE;
	pos = lseek(f->file.fd, 0, SEEK_CUR);
	if (pos < 0 || fstat(f->file.fd, &st) < 0) {
		err = errno;
	} else if ((uint64_t)pos < (uint64_t)st.st_size && file_has_a_section(st.st_dev, st.st_ino)) {
		wm_object_put(f);
		wm_fail(ERROR_USER_MAPPED_FILE);                         /* E36 */
		return FALSE;
	} else if (ftruncate(f->file.fd, pos) < 0) {
		err = errno;
	}
	wm_object_put(f);
	if (err) {
		wm_fail(winerr_from_truncate_errno(err));
		return FALSE;
	}
	return TRUE;
}

/* write(2), named apart from the `write` flag below */
static ssize_t write_fd(int fd, const void *p, size_t n)
{
	return write(fd, p, n);
}

static BOOL transfer(HANDLE h, void *buf, DWORD len, LPDWORD done_out, LPOVERLAPPED ov, bool write)
{
	struct wm_object *f = wm_object_get(h, WM_FILE);
	size_t done = 0;
	int err = 0;

	if (done_out)
		*done_out = 0;
	if (!f)
		return FALSE;
	if (!buf && len) {
		wm_object_put(f);
		wm_fail(ERROR_INVALID_PARAMETER);
		return FALSE;
	}
	/* An OVERLAPPED gives the offset; the call completes before it returns. */
	off_t at = ov ? (off_t)((uint64_t)ov->OffsetHigh << 32 | ov->Offset) : -1;
	while (done < len) {
		ssize_t n;
		char *p = (char *)buf + done;
		if (write)
			n = at >= 0 ? pwrite(f->file.fd, p, len - done, at + (off_t)done)
				    : write_fd(f->file.fd, p, len - done);
		else
			n = at >= 0 ? pread(f->file.fd, p, len - done, at + (off_t)done)
				    : read(f->file.fd, p, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			break;
		}
		if (n == 0)
			break;   /* end of file: ReadFile succeeds with fewer bytes */
		done += (size_t)n;
	}
	wm_object_put(f);
	if (done_out)
		*done_out = (DWORD)done;
	if (ov) {
		ov->Internal = err ? ov->Internal : STATUS_SUCCESS;
		ov->InternalHigh = done;
	}
	if (err) {
		wm_fail(winerr_from_io_errno(err));
		return FALSE;
	}
	/* A read at an OVERLAPPED offset at or past the end fails: the offset names bytes that
	 * are not there.  (A read at the file pointer's end succeeds with none.) */
	if (!write && ov && len && !done) {
		ov->Internal = STATUS_END_OF_FILE;
		wm_fail(ERROR_HANDLE_EOF);
		return FALSE;
	}
	return TRUE;
}

BOOL WINAPI ReadFile(HANDLE h, LPVOID buf, DWORD len, LPDWORD done, LPOVERLAPPED ov)
{
	return transfer(h, buf, len, done, ov, false);
}

BOOL WINAPI WriteFile(HANDLE h, LPCVOID buf, DWORD len, LPDWORD done, LPOVERLAPPED ov)
{
	return transfer(h, (void *)buf, len, done, ov, true);
}
