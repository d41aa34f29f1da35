/* Sessions end: a session's namespace dies with the session, in every mode.
 *
 * A sweeper thread looks every few seconds for the sessions that still have a process (from
 * /proc/PID/sessionid under sessions=login, the session field of /proc/PID/stat under
 * sessions=posix) and ends the namespace of every other one: its names go as by unlink (holders
 * keep their data) and Sessions/ lists it no more.  Under sessions=posix a session id is a pid,
 * which the system hands out again once every process of that session is gone, so a namespace
 * also remembers its session leader's start time, and a caller whose session has the same id
 * but another leader finds the old namespace ended at once rather than at the next sweep.
 * Audit login session ids are never reused. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "sectionfs.h"
#include "namespace.h"
#include "notify.h"
#include "store.h"

#define SWEEP_INTERVAL_S 2

/* ns_token()s carry this bit once set, so that "no leader" (0) is a value too. */
#define TOKEN_SET (UINT64_C(1) << 63)


/* Reads /proc/PID/stat into buf and answers the fields after the command, or NULL. */
static const char *stat_fields(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;
	const char *close_paren;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	close_paren = strrchr(buf, ')');   /* the command may hold anything but ends there */
	return close_paren ? close_paren + 2 : NULL;
}

/* The session of a process under sessions=posix, or 0. */
static uint32_t posix_session_of(pid_t pid)
{
	char buf[1024];
	const char *f = stat_fields(pid, buf, sizeof(buf));
	int session;

	/* state ppid pgrp session */
	if (!f || sscanf(f, "%*c %*d %*d %d", &session) != 1 || session <= 0)
		return 0;
	return (uint32_t)session;
}

/* Which session `id` is: its leader's start time (with TOKEN_SET), or TOKEN_SET alone when it
 * has no leader now (the leader left, the others stay). */
static uint64_t session_token(uint32_t id)
{
	char buf[1024];
	const char *f = stat_fields((pid_t)id, buf, sizeof(buf));
	unsigned long long start;
	int session;

	/* fields 3..22: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime stime cutime cstime priority nice threads itrealvalue starttime */
	if (!f || sscanf(f, "%*c %*d %*d %d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
			    "%*d %*d %llu", &session, &start) != 2 || session != (int)id)
		return TOKEN_SET;
	return TOKEN_SET | (start & ~TOKEN_SET);
}

static void end_session(struct sfs *fs, uint32_t id, const char *why)
{
	struct ns *ns = store_session(fs->store, id, false);
	char name[16];

	if (!ns)
		return;
	store_end_session(fs->store, id);
	nodes_session_ended(fs, ns);
	ns_put(ns);
	snprintf(name, sizeof(name), "%u", id);
	if (fs->notifier)
		notifier_forget_name(fs->notifier, node_id(fs, &fs->sessions_dir), name);
	sfs_log(fs, LOG_INFO, "session %u %s: its namespace is gone", id, why);
}

struct ns *session_namespace(struct sfs *fs, uint32_t id, bool create)
{
	struct ns *ns = store_session(fs->store, id, create);
	uint64_t now, then;

	if (!ns || id == 0 || fs->sessions != SESSIONS_POSIX)
		return ns;
	now = session_token(id);
	then = ns_token(ns);
	if (!then) {
		ns_set_token(ns, now);       /* new: this is its session */
		return ns;
	}
	/* A leader other than the one it was made for: pid `id` was handed out again, which
	 * the system does only once every process of the old session is gone. */
	if (now == then || now == TOKEN_SET)
		return ns;
	ns_put(ns);
	end_session(fs, id, "was replaced by a new one with its id");
	ns = store_session(fs->store, id, create);
	if (ns)
		ns_set_token(ns, now);
	return ns;
}

/* The session of process `pid` under the mount's mode, or 0. */
static uint32_t session_of_process(struct sfs *fs, pid_t pid)
{
	return fs->sessions == SESSIONS_POSIX ? posix_session_of(pid) : login_session_of(pid);
}

static int compare_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* One sweep: ends every session with a namespace and no process. */
static void sweep(struct sfs *fs)
{
	size_t n = store_sessions(fs->store, NULL, 0), live_n = 0, live_cap = 256;
	uint32_t *ids, *live;
	DIR *proc;
	struct dirent *d;

	if (n == 0)
		return;
	ids = calloc(n, sizeof(*ids));
	live = calloc(live_cap, sizeof(*live));
	proc = opendir("/proc");
	if (!ids || !live || !proc)
		goto out;
	n = store_sessions(fs->store, ids, n);
	while ((d = readdir(proc))) {
		pid_t pid = atoi(d->d_name);
		uint32_t id = pid > 0 ? session_of_process(fs, pid) : 0;
		if (!id)
			continue;
		if (live_n == live_cap) {
			uint32_t *more = realloc(live, 2 * live_cap * sizeof(*live));
			if (!more)
				goto out;      /* better no sweep than a wrong one */
			live = more;
			live_cap *= 2;
		}
		live[live_n++] = id;
	}
	qsort(live, live_n, sizeof(*live), compare_u32);
	for (size_t i = 0; i < n; i++)
		if (!bsearch(&ids[i], live, live_n, sizeof(*live), compare_u32))
			end_session(fs, ids[i], "ended");
out:
	if (proc)
		closedir(proc);
	free(ids);
	free(live);
}

static void sweep_tick(void *fs)
{
	sweep(fs);
}

struct ticker *sessions_sweeper_start(struct sfs *fs)
{
	if (fs->sessions == SESSIONS_NONE)
		return NULL;           /* everything is session 0: nothing ever ends */
	return ticker_start(sweep_tick, fs, SWEEP_INTERVAL_S);
}
