/* Putting a taken file in the mount as a section, the way winmap creates one: staged (so no
 * reader ever sees it half made), temporary (it goes with the bridge's handle), file-backed,
 * then renamed into its namespace, never over a name someone holds. */
#include "bridge.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "sectionfs/layout.h"
#include "sectionfs/protocol.h"

static int set_text(int fd, const char *name, const char *value)
{
	return fsetxattr(fd, name, value, strlen(value), 0);
}

bool publish_name_fits(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= NAME_MAX && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..");
}

int publish_section(const char *mount, const char *ns, const char *name, int fd, uint64_t size,
		    bool writable, mode_t mode, const char *origin)
{
	static unsigned counter;
	char stage[PATH_MAX], path[PATH_MAX], value[64];
	int sfd, err;

	if (!publish_name_fits(name)) {
		errno = EINVAL;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s/%s", mount, ns, name);
	do {
		snprintf(stage, sizeof(stage), "%s/" SECTIONFS_STAGING "/.bridge-%d-%u", mount,
			 (int)getpid(), counter++);
		/* O_DIRECT: a staged section opened so may still be put over a file */
		sfd = open(stage, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_DIRECT, mode);
	} while (sfd < 0 && errno == EEXIST);
	if (sfd < 0)
		return -1;
	snprintf(value, sizeof(value), SECTIONFS_BACKING_FD "%d:%llu", fd,
		 (unsigned long long)size);
	if (set_text(sfd, SECTIONFS_XATTR_LIFETIME, SECTIONFS_LIFETIME_TEMPORARY) < 0 ||
	    set_text(sfd, SECTIONFS_XATTR_PROTECT,
		     writable ? "PAGE_READWRITE" : "PAGE_READONLY") < 0 ||
	    (origin && set_text(sfd, SECTIONFS_XATTR_ORIGIN, origin) < 0) ||
	    set_text(sfd, SECTIONFS_XATTR_BACKING, value) < 0 ||
	    renameat2(AT_FDCWD, stage, AT_FDCWD, path, RENAME_NOREPLACE) < 0) {
		err = errno;
		close(sfd);   /* a staged section closed is gone */
		errno = err;
		return -1;
	}
	return sfd;
}
