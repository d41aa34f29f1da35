/* The one mapping between Win32 error codes and errno values.
 *
 * The core decides every rule in Win32 terms (the error GetLastError() must return); the daemon
 * answers the kernel with an errno.  Both directions come from one table in errors.c, so that an
 * error which crosses the mount (daemon -> errno -> winmap) comes back as the code it started as
 * wherever the errno names one code only. */
#ifndef SECTIONFS_ERRORS_H
#define SECTIONFS_ERRORS_H

#include <stdint.h>

/* errno for a Win32 error; 0 for ERROR_SUCCESS; EIO for a code the table does not know. */
int winerr_to_errno(uint32_t winerr);

/* Win32 error for an errno (positive or negative); ERROR_GEN_FAILURE for one the table does not know. */
uint32_t winerr_from_errno(int err);

/* "ERROR_ACCESS_DENIED" and so on, for messages and tests; "ERROR_<number>" is never returned:
 * an unknown code gives "ERROR_UNKNOWN". */
const char *winerr_name(uint32_t winerr);

#endif
