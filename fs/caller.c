/* Who is asking: the calling process and its Windows session.  What it may do is
 * permissions.c's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sectionfs.h"

/* /proc/PID/sessionid: the audit login session; "4294967295" when there is none. */
#define NO_LOGIN_SESSION 4294967295UL

uint32_t login_session_of(pid_t pid)
{
	char path[64], text[32];
	ssize_t n;
	int fd;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/sessionid", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	unsigned long id = strtoul(text, NULL, 10);
	return id >= NO_LOGIN_SESSION ? 0 : (uint32_t)id;
}

uint32_t caller_session(struct sfs *fs, fuse_req_t req)
{
	pid_t pid = fuse_req_ctx(req)->pid;   /* the calling thread; 0 for the kernel's writeback */

	switch (fs->sessions) {
	case SESSIONS_LOGIN:
		return login_session_of(pid);
	case SESSIONS_POSIX: {
		pid_t sid = pid > 0 ? getsid(pid) : -1;
		return sid > 0 ? (uint32_t)sid : 0;
	}
	case SESSIONS_NONE:
		break;
	}
	return 0;
}

static bool tgid_line(const char *line, void *tgid)
{
	return sscanf(line, "Tgid: %d", (pid_t *)tgid) == 1;
}

/* Is tid a process's first thread, its id the process's?  tgkill(tid, tid, 0) finds thread
 * tid and refuses it (ESRCH) unless its process's id is tid, before it asks whether we may
 * signal it (EPERM: then it is one, too); it sends nothing.  One cheap system call (under a
 * microsecond, where pidfd_open + close cost 6.6 and /proc/TID/status twenty), made at every
 * open, and most requests come from a process's first thread. */
static bool leads_its_process(pid_t tid)
{
	return syscall(SYS_tgkill, tid, tid, 0) == 0 || errno == EPERM;
}

pid_t tgid_of_thread(pid_t tid)
{
	pid_t tgid = -1;

	if (tid > 0 && leads_its_process(tid))
		return tid;
	return proc_find_line(tid, "status", tgid_line, &tgid) ? tgid : -1;
}
