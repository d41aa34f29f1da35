/* Who is asking: the calling process's Windows session, and Unix permission checks for the few
 * paths where the kernel's default_permissions did not check (a create that raced an existing
 * name). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sectionfs.h"
#include "namespace.h"
#include "section.h"

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

pid_t tgid_of_thread(pid_t tid)
{
	char path[64], line[128];
	pid_t tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

bool caller_may_enter_session(fuse_req_t req, uint32_t mine, uint32_t session)
{
	/* session 0's namespace is the global one: everybody's */
	return session == 0 || fuse_req_ctx(req)->uid == 0 || mine == session;
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

bool caller_may_use_staged(fuse_req_t req, struct section *sec)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	return ctx->uid == 0 || !section_is_staged(sec) || section_owner(sec).uid == ctx->uid;
}

bool caller_may_create_in(struct sfs *fs, fuse_req_t req, struct ns *ns)
{
	uid_t uid = fuse_req_ctx(req)->uid;

	if (ns_session(ns) != 0 || fs->global_create.rule == GLOBAL_CREATE_ANYONE || uid == 0)
		return true;
	/* Windows asks for the privilege only from sessions other than 0 (services are in 0) */
	if (caller_session(fs, req) == 0)
		return true;
	return fs->global_create.rule == GLOBAL_CREATE_GROUP &&
	       caller_in_group(req, fs->global_create.gid);
}
