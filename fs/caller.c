/* Who is asking: the calling process's Windows session, and Unix permission checks for the few
 * paths where the kernel's default_permissions did not check (a create that raced an existing
 * name). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Is gid among thread tid's supplementary groups ("Groups:" in /proc/TID/status)?  Read here
 * rather than with fuse_req_getgroups(): libfuse 3.14's reads the file into a 4 KiB buffer
 * without ending it, and a longer file made strstr() read past it (found by ASan). */
static bool thread_in_group(pid_t tid, gid_t gid)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	while (f && getline(&line, &cap, f) > 0) {
		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		for (char *p = line + 7, *end; *p; p = end) {
			unsigned long g = strtoul(p, &end, 10);
			if (end == p)
				break;
			found |= g == gid;
		}
		break;
	}
	free(line);
	if (f)
		fclose(f);
	return found;
}

static bool caller_in_group(fuse_req_t req, gid_t gid)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	return ctx->gid == gid || (ctx->pid > 0 && thread_in_group(ctx->pid, gid));
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
