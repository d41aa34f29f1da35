/* Taking a mapped file from another process: Wine maps a section's file and, while a handle is
 * open, keeps a descriptor on it; the map says which file, the descriptor lets us have it. */
#include "bridge.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

/* The device, inode and path (as /proc shows it, PATH_MAX bytes) of what pid maps at addr,
 * from /proc/PID/maps. */
static bool mapped_at(pid_t pid, uintptr_t addr, dev_t *dev, ino_t *ino, char *name)
{
	char path[64], line[PATH_MAX + 128];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if (!(f = fopen(path, "re")))
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		uintptr_t start;
		unsigned major, minor;
		unsigned long long inode;
		int at = 0;

		if (sscanf(line, "%" SCNxPTR "-%*x %*s %*x %x:%x %llu %n", &start, &major, &minor,
			   &inode, &at) == 4 && start == addr && inode && at) {
			*dev = makedev(major, minor);
			*ino = (ino_t)inode;
			line[strcspn(line, "\n")] = '\0';
			snprintf(name, PATH_MAX, "%s", line + at);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* The number of a descriptor pid holds on (dev, ino), whose path /proc shows as `name`, or -1.
 * Only descriptors of that name are looked at closer: a stat of any other could be of a file of
 * a FUSE mount whose daemon does not answer (or answers late: a stat waits for it). */
static int holding_fd(pid_t pid, dev_t dev, ino_t ino, const char *name)
{
	char path[64], link[PATH_MAX];
	struct dirent *e;
	int found = -1;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if (!(d = opendir(path)))
		return -1;
	while (found < 0 && (e = readdir(d))) {
		struct stat st;
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		if (n < 0 || (link[n] = '\0', strcmp(link, name)) ||
		    fstatat(dirfd(d), e->d_name, &st, 0) < 0)
			continue;
		if (st.st_dev == dev && st.st_ino == ino)
			found = atoi(e->d_name);
	}
	closedir(d);
	return found;
}

int take_mapped_file(pid_t pid, uintptr_t addr)
{
	char name[PATH_MAX];
	dev_t dev;
	ino_t ino;
	int their, pidfd, fd;

	if (!mapped_at(pid, addr, &dev, &ino, name)) {
		errno = ENOENT;
		return -1;
	}
	their = holding_fd(pid, dev, ino, name);
	if (their < 0) {
		errno = EBADF;
		return -1;
	}
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -1;
	/* close-on-exec, as pidfd_getfd(2) makes it */
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, their, 0);
	close(pidfd);
	return fd;
}

/* Is pid a wineserver?  It holds every section's file, and made none of them. */
static bool is_wineserver(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (!(f = fopen(path, "re")))
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strncmp(comm, "wineserver", 10);
}

/* One pass over /proc: the first process other than `except`, us and wineservers that holds
 * the file open, or 0. */
static pid_t scan_holders(const struct stat *file, const char *name, pid_t except)
{
	struct dirent *e;
	pid_t found = 0;
	DIR *proc;

	if (!(proc = opendir("/proc")))
		return 0;
	while (!found && (e = readdir(proc))) {
		pid_t pid = (pid_t)atoi(e->d_name);

		if (pid <= 0 || pid == except || pid == getpid())
			continue;
		if (holding_fd(pid, file->st_dev, file->st_ino, name) >= 0 && !is_wineserver(pid))
			found = pid;
	}
	closedir(proc);
	return found;
}

pid_t take_find_holder(int fd, pid_t except)
{
	/* The helper wakes at CreateFileMapping, and the program that made the section takes
	 * its descriptor (Wine's) only when it maps its first view, a moment later: look again
	 * for a while before saying nobody.  The pauses add up to 63 ms. */
	char self[64], name[PATH_MAX];
	struct stat file;
	pid_t found = 0;
	ssize_t n;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	if (fstat(fd, &file) < 0 || (n = readlink(self, name, sizeof(name) - 1)) < 0)
		return 0;
	name[n] = '\0';
	for (long pause_ms = 1; !(found = scan_holders(&file, name, except)) && pause_ms <= 32;
	     pause_ms *= 2)
		nanosleep(&(struct timespec){ 0, pause_ms * 1000000L }, NULL);
	return found;
}
