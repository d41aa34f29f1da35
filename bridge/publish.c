/* Putting a taken file in the mount as a section, the way winmap creates one: staged (so no
 * reader ever sees it half made), temporary (it goes with the bridge's handle), file-backed,
 * then renamed into its namespace, never over a name someone holds.  An event the same way,
 * typed instead of backed, and signalled through its file. */
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

/* A staged file, then its attributes (NULL values left out), then its name: the staged
 * file's descriptor, which holds it, or -1 with errno.  Opened O_DIRECT: a staged section
 * opened so may still be put over a file, and others may open the event it becomes while this
 * descriptor is open (a staged file opened otherwise is opened in passthrough, and the kernel
 * then refuses an event's opens, which cannot be, with EIO). */
static int publish(const char *mount, const char *ns, const char *name, mode_t mode,
		   const char *const attrs[][2])
{
	static unsigned counter;
	char stage[PATH_MAX], path[PATH_MAX];
	int sfd, err;

	if (!publish_name_fits(name)) {
		errno = EINVAL;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s/%s", mount, ns, name);
	do {
		snprintf(stage, sizeof(stage), "%s/" SECTIONFS_STAGING "/.bridge-%d-%u", mount,
			 (int)getpid(), counter++);
		sfd = open(stage, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_DIRECT, mode);
	} while (sfd < 0 && errno == EEXIST);
	if (sfd < 0)
		return -1;
	for (; attrs[0][0]; attrs++)
		if (attrs[0][1] && set_text(sfd, attrs[0][0], attrs[0][1]) < 0)
			goto fail;
	if (renameat2(AT_FDCWD, stage, AT_FDCWD, path, RENAME_NOREPLACE) < 0)
		goto fail;
	return sfd;
fail:
	err = errno;
	close(sfd);   /* a staged file closed is gone */
	errno = err;
	return -1;
}

int publish_section(const char *mount, const char *ns, const char *name, int fd, uint64_t size,
		    bool writable, mode_t mode, const char *origin)
{
	char backing[64];
	const char *const attrs[][2] = {
		{ SECTIONFS_XATTR_LIFETIME, SECTIONFS_LIFETIME_TEMPORARY },
		{ SECTIONFS_XATTR_PROTECT, writable ? "PAGE_READWRITE" : "PAGE_READONLY" },
		{ SECTIONFS_XATTR_ORIGIN, origin },
		{ SECTIONFS_XATTR_BACKING, backing },
		{ NULL, NULL },
	};

	snprintf(backing, sizeof(backing), SECTIONFS_BACKING_FD "%d:%llu", fd,
		 (unsigned long long)size);
	return publish(mount, ns, name, mode, attrs);
}

int publish_event(const char *mount, const char *ns, const char *name, bool manual,
		  bool signaled, mode_t mode, const char *origin)
{
	char type[64];
	const char *const attrs[][2] = {
		{ SECTIONFS_XATTR_TYPE, type },
		{ SECTIONFS_XATTR_LIFETIME, SECTIONFS_LIFETIME_TEMPORARY },
		{ SECTIONFS_XATTR_ORIGIN, origin },
		{ NULL, NULL },
	};

	char self[64];
	int sfd, efd, err;

	snprintf(type, sizeof(type), "event %s %s", manual ? "manual" : "auto",
		 signaled ? "signaled" : "nonsignaled");
	sfd = publish(mount, ns, name, mode, attrs);
	if (sfd < 0)
		return -1;
	/* The staged file's descriptor stays a section's (a file is what it was opened as):
	 * an open of the event now is the event's, whose writes signal it.  It holds the event
	 * from here on; closing the staged one then leaves the name (another handle has it). */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", sfd);
	efd = open(self, O_RDWR | O_CLOEXEC);
	err = errno;
	close(sfd);
	errno = err;
	return efd;
}

int publish_signal(int fd, const char *command)
{
	size_t n = strlen(command);
	ssize_t w;

	do
		w = write(fd, command, n);
	while (w < 0 && errno == EINTR);
	return w == (ssize_t)n ? 0 : -1;
}
