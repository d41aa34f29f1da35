/* The one mapping between Win32 error codes and errno values.
 *
 * The core decides every rule in Win32 terms (the error GetLastError() must return); the daemon
 * answers the kernel with an errno.  Both directions come from one table in errors.c, so that an
 * error which crosses the mount (daemon -> errno -> winmap) comes back as the code it started as
 * wherever the errno names one code only.  Where one call gives an errno a meaning of its own
 * (EEXIST from mmap is an address in use), a named context below says so, in the same file. */
#ifndef SECTIONFS_ERRORS_H
#define SECTIONFS_ERRORS_H

#include <stdint.h>

/* errno for a Win32 error; 0 for ERROR_SUCCESS; EIO for a code the table does not know. */
int winerr_to_errno(uint32_t winerr);

/* Win32 error for an errno (positive or negative); ERROR_GEN_FAILURE for one the table does not know. */
uint32_t winerr_from_errno(int err);

/* Errors in a context: a call where an errno means another Win32 code than it does in general.
 * Each answers as winerr_from_errno() but for the errnos named. */

/* ENOENT for a path, told apart by what stat(2) of its directory answered (dir_errno; 0: it is
 * there): ERROR_FILE_NOT_FOUND, ERROR_ACCESS_DENIED (EACCES), else ERROR_PATH_NOT_FOUND. */
uint32_t winerr_of_missing(int dir_errno);

/* CreateFile: EEXIST is CREATE_NEW meeting a file (ERROR_FILE_EXISTS, not ERROR_ALREADY_EXISTS,
 * which Windows gives with a handle to what exists). */
uint32_t winerr_from_create_errno(int err);

/* ReadFile and WriteFile: EBADF is a handle not opened for that access (ERROR_ACCESS_DENIED). */
uint32_t winerr_from_io_errno(int err);

/* SetEndOfFile: ftruncate(2) answers EBADF or EINVAL for a file not open for writing
 * (ERROR_ACCESS_DENIED). */
uint32_t winerr_from_truncate_errno(int err);

/* Staging a new named section: EEXIST is every staging name tried being taken.  Never
 * ERROR_ALREADY_EXISTS (B12: only with a handle to the existing object): ERROR_SHARING_VIOLATION. */
uint32_t winerr_from_staging_errno(int err);

/* Mapping a view (MapViewOfFileEx): EEXIST is an address already in use (D28,
 * ERROR_INVALID_ADDRESS). */
uint32_t winerr_from_map_errno(int err);

/* VirtualAlloc's reservations: EEXIST is an address already in use (ERROR_INVALID_ADDRESS);
 * any other failure is address space or memory lacking (ERROR_NOT_ENOUGH_MEMORY). */
uint32_t winerr_from_reserve_errno(int err);

/* "ERROR_ACCESS_DENIED" and so on, for messages and tests; "ERROR_<number>" is never returned:
 * an unknown code gives "ERROR_UNKNOWN". */
const char *winerr_name(uint32_t winerr);

#endif
