/* The Win32 <-> errno table: each row maps a Win32 code to the errno the filesystem answers with.
 * Reading the table backwards, the first row naming an errno is the Win32 code that errno means.
 * Below it, the few calls in which an errno means another code, each with rows of its own. */
#include "errors.h"

#include <errno.h>
#include <stddef.h>

#include "win32_constants.h"


struct winerr_row {
	uint32_t winerr;
	int err;
	const char *name;
};

#define ROW(code, e) { code, e, #code }

/* Order matters only between rows sharing an errno: the first is what that errno maps back to. */
static const struct winerr_row winerr_table[] = {
	ROW(ERROR_SUCCESS, 0),
	ROW(ERROR_FILE_NOT_FOUND, ENOENT),
	ROW(ERROR_PATH_NOT_FOUND, ENOENT),     /* a missing directory component */
	ROW(ERROR_ACCESS_DENIED, EACCES),
	ROW(ERROR_NOT_ENOUGH_MEMORY, ENOSPC),  /* the store's cap, or more than can be backed */
	ROW(ERROR_ALREADY_EXISTS, EEXIST),
	ROW(ERROR_INVALID_HANDLE, EEXIST),     /* B13: another kind of object owns the name */
	ROW(ERROR_FILE_EXISTS, EEXIST),
	ROW(ERROR_USER_MAPPED_FILE, EBUSY),    /* E36: shrinking what another holder maps */
	ROW(ERROR_SHARING_VIOLATION, EBUSY),
	ROW(ERROR_INVALID_PARAMETER, EINVAL),
	ROW(ERROR_INVALID_NAME, EINVAL),
	ROW(ERROR_BAD_PATHNAME, EINVAL),
	ROW(ERROR_FILE_INVALID, EINVAL),
	ROW(ERROR_MAPPED_ALIGNMENT, EINVAL),
	ROW(ERROR_INVALID_ADDRESS, EFAULT),
	ROW(ERROR_FILENAME_EXCED_RANGE, ENAMETOOLONG),
	ROW(ERROR_BAD_EXE_FORMAT, ENOEXEC),
	ROW(ERROR_FILE_TOO_LARGE, EFBIG),
	ROW(ERROR_TOO_MANY_OPEN_FILES, EMFILE),
	ROW(ERROR_NOT_SUPPORTED, EOPNOTSUPP),
	ROW(ERROR_WRITE_PROTECT, EROFS),
	ROW(ERROR_DISK_FULL, ENOSPC),
	ROW(ERROR_NEGATIVE_SEEK, EINVAL),
	ROW(ERROR_INSUFFICIENT_BUFFER, ERANGE),
	ROW(ERROR_HANDLE_EOF, EIO),
	ROW(ERROR_CALL_NOT_IMPLEMENTED, ENOSYS),
	ROW(ERROR_GEN_FAILURE, EIO),
	ROW(ERROR_ACCESS_DENIED, EPERM),       /* before ERROR_NOT_OWNER: what EPERM means back */
	ROW(ERROR_NOT_OWNER, EPERM),           /* a mutex released by another than its owner */
	ROW(ERROR_TOO_MANY_POSTS, EOVERFLOW),  /* a semaphore released past its maximum */
};

/* errno values that no row names but that mean one Win32 code all the same. */
static const struct winerr_row errno_aliases[] = {
	ROW(ERROR_NOT_ENOUGH_MEMORY, ENOMEM),
	ROW(ERROR_TOO_MANY_OPEN_FILES, ENFILE),
	ROW(ERROR_PATH_NOT_FOUND, ENOTDIR),
	ROW(ERROR_INVALID_HANDLE, EISDIR),     /* B13 seen through the mount: the name is a directory */
	ROW(ERROR_INVALID_HANDLE, EBADF),
	ROW(ERROR_NOT_SUPPORTED, ENODEV),
	ROW(ERROR_NOT_SUPPORTED, ENOTTY),
	ROW(ERROR_INVALID_NAME, ELOOP),
	ROW(ERROR_PATH_NOT_FOUND, ENOTCONN),   /* the mount went away */
};

#define N_ROWS(t) (sizeof(t) / sizeof((t)[0]))

int winerr_to_errno(uint32_t winerr)
{
	for (size_t i = 0; i < N_ROWS(winerr_table); i++)
		if (winerr_table[i].winerr == winerr)
			return winerr_table[i].err;
	return EIO;
}

uint32_t winerr_from_errno(int err)
{
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < N_ROWS(winerr_table); i++)
		if (winerr_table[i].err == err)
			return winerr_table[i].winerr;
	for (size_t i = 0; i < N_ROWS(errno_aliases); i++)
		if (errno_aliases[i].err == err)
			return errno_aliases[i].winerr;
	return ERROR_GEN_FAILURE;
}

/* ---- errors in a context (errors.h) ---- */

/* The Win32 code for err where `rows` say what an errno means in the context; for the rest,
 * `otherwise`, or the general table's code when that is ERROR_SUCCESS. */
static uint32_t in_context(const struct winerr_row *rows, size_t n, uint32_t otherwise, int err)
{
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < n; i++)
		if (rows[i].err == err)
			return rows[i].winerr;
	return otherwise != ERROR_SUCCESS ? otherwise : winerr_from_errno(err);
}

static const struct winerr_row missing_rows[] = {
	ROW(ERROR_FILE_NOT_FOUND, 0),          /* the directory is there, the name is not */
	ROW(ERROR_ACCESS_DENIED, EACCES),
};
static const struct winerr_row create_rows[] = { ROW(ERROR_FILE_EXISTS, EEXIST) };
static const struct winerr_row io_rows[] = { ROW(ERROR_ACCESS_DENIED, EBADF) };
static const struct winerr_row truncate_rows[] = {
	ROW(ERROR_ACCESS_DENIED, EBADF),
	ROW(ERROR_ACCESS_DENIED, EINVAL),
};
static const struct winerr_row staging_rows[] = { ROW(ERROR_SHARING_VIOLATION, EEXIST) };
static const struct winerr_row address_rows[] = { ROW(ERROR_INVALID_ADDRESS, EEXIST) };

/* Each context (errors.h): its rows, and what an errno they do not name means there. */
#define CONTEXT(function, rows, otherwise) \
	uint32_t function(int err) { return in_context(rows, N_ROWS(rows), otherwise, err); }

CONTEXT(winerr_of_missing, missing_rows, ERROR_PATH_NOT_FOUND)
CONTEXT(winerr_from_create_errno, create_rows, ERROR_SUCCESS)
CONTEXT(winerr_from_io_errno, io_rows, ERROR_SUCCESS)
CONTEXT(winerr_from_truncate_errno, truncate_rows, ERROR_SUCCESS)
CONTEXT(winerr_from_staging_errno, staging_rows, ERROR_SUCCESS)
CONTEXT(winerr_from_map_errno, address_rows, ERROR_SUCCESS)
CONTEXT(winerr_from_reserve_errno, address_rows, ERROR_NOT_ENOUGH_MEMORY)

const char *winerr_name(uint32_t winerr)
{
	for (size_t i = 0; i < N_ROWS(winerr_table); i++)
		if (winerr_table[i].winerr == winerr)
			return winerr_table[i].name;
	return "ERROR_UNKNOWN";
}
