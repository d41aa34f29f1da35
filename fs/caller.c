/* Who is asking: the calling process's Windows session, and Unix permission checks for the few
 * paths where the kernel's default_permissions did not check (a create that raced an existing
 * name). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sectionfs.h"

/* /proc/PID/sessionid: the audit login session; "4294967295" when there is none. */
#define NO_LOGIN_SESSION 4294967295UL

static uint32_t login_session_of(pid_t pid)
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

bool caller_may_enter_session(fuse_req_t req, uint32_t mine, uint32_t session)
{
	return fuse_req_ctx(req)->uid == 0 || mine == session;
}

static bool caller_in_group(fuse_req_t req, gid_t gid)
{
	gid_t groups[64];
	int n;

	if (fuse_req_ctx(req)->gid == gid)
		return true;
	n = fuse_req_getgroups(req, (int)(sizeof(groups) / sizeof(groups[0])), groups);
	for (int i = 0; i < n && i < (int)(sizeof(groups) / sizeof(groups[0])); i++)
		if (groups[i] == gid)
			return true;
	return false;
}

bool caller_may_access(fuse_req_t req, uid_t uid, gid_t gid, mode_t mode, int mask)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	mode_t granted;

	if (ctx->uid == 0)
		return true;
	if (ctx->uid == uid)
		granted = (mode >> 6) & 7;
	else if (caller_in_group(req, gid))
		granted = (mode >> 3) & 7;
	else
		granted = mode & 7;
	return (granted & (mode_t)mask) == (mode_t)mask;
}
