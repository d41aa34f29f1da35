/* File-backed sections: a staged section is put over a file the caller has open.
 *
 * The caller names its descriptor ("fd:N" in user.section.backing) and the daemon takes that
 * very open file with pidfd_getfd(2): the section gets exactly the access the caller opened the
 * file with, never more, whatever the daemon's own privileges (A10 is then checked on it). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sectionfs.h"
#include "errors.h"
#include "protect.h"
#include "section.h"
#include "sectionfs/protocol.h"
#include "win32_constants.h"

/* A duplicate of descriptor `fd` of process `pid`; -1 with errno set on failure. */
static int grab_fd(pid_t tid, int fd)
{
	pid_t pid = tgid_of_thread(tid);
	int pidfd, ours, saved;

	if (pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -1;
	ours = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);   /* close-on-exec by definition */
	saved = errno;
	close(pidfd);
	errno = saved;
	return ours;
}

/* What the open file may do, in A10's terms.  Linux maps a readable file executable, so read
 * access brings execute access with it. */
static unsigned file_access_of(int fd)
{
	switch (fcntl(fd, F_GETFL) & O_ACCMODE) {
	case O_RDWR:
		return FILE_ACCESS_READ | FILE_ACCESS_WRITE | FILE_ACCESS_EXECUTE;
	case O_WRONLY:
		return FILE_ACCESS_WRITE;
	default:
		return FILE_ACCESS_READ | FILE_ACCESS_EXECUTE;
	}
}

int backing_attach(struct sfs *fs, fuse_req_t req, struct section *sec, const char *value)
{
	char *end, path[PATH_MAX], link[64];
	uint64_t size = section_size(sec);
	struct statx stx;
	long caller_fd;
	ssize_t n;
	int fd, err = 0;
	const char *digits_at = value + strlen(SECTIONFS_BACKING_FD);

	/* "fd:N" or "fd:N:SIZE", decimal digits only (strtol alone would take spaces and signs);
	 * without SIZE the section keeps its size (0: the file's) */
	if (strncmp(value, SECTIONFS_BACKING_FD, strlen(SECTIONFS_BACKING_FD)) != 0 ||
	    !isdigit((unsigned char)*digits_at))
		return EINVAL;
	errno = 0;
	caller_fd = strtol(digits_at, &end, 10);
	if (errno || caller_fd > INT_MAX)
		return EINVAL;
	if (*end == ':') {
		const char *digits = end + 1;
		unsigned long long v;
		if (!isdigit((unsigned char)*digits))
			return EINVAL;
		v = strtoull(digits, &end, 10);
		if (errno)
			return EINVAL;
		size = v;
	}
	if (*end)
		return EINVAL;
	fd = grab_fd(fuse_req_ctx(req)->pid, (int)caller_fd);
	if (fd < 0)
		return errno == EBADF ? EBADF : EACCES;

	/* Never a file on this very mount: serving it would mean asking ourselves.  DONT_SYNC
	 * reads the kernel's cached attributes, so even that check sends us no request. */
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE, &stx) < 0) {
		err = errno;
		goto out;
	}
	if (stx.stx_dev_major == fs->mount_dev_major && stx.stx_dev_minor == fs->mount_dev_minor) {
		err = EXDEV;
		goto out;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	path[n > 0 ? n : 0] = '\0';
	err = winerr_to_errno(section_attach_file(sec, fd, file_access_of(fd), path, size));
out:
	close(fd);
	return err;
}
