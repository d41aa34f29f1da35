/* The daemon's life told to the outside: a line in the log when the mount is up (with its data
 * path and transport, both decided by the INIT exchange) and when it goes, and the same two
 * moments told to a service manager (systemd's sd_notify: READY=1, STOPPING=1) when one started
 * the daemon and said where to tell it ($NOTIFY_SOCKET; nothing is sent otherwise). */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "sectionfs.h"
#include "store.h"
#include "uring.h"

#if HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#define NOTIFY(...) sd_notifyf(0, __VA_ARGS__)
#else
#define NOTIFY(...) ((void)0)
#endif

static const char *const session_words[] = {
	[SESSIONS_LOGIN] = "login", [SESSIONS_POSIX] = "posix", [SESSIONS_NONE] = "none",
};

/* "passthrough, requests over dev_fuse": what decides speed and coherence, in one phrase. */
static void describe_paths(struct sfs *fs, char *buf, size_t len)
{
	char transport[200];

	if (uring_describe(fs, transport, sizeof(transport)) < 0)
		snprintf(transport, sizeof(transport), "dev_fuse");
	transport[strcspn(transport, "\n")] = '\0';
	/* "io_uring queues=N served=...": what has been served is no news at mount time */
	char *served = strstr(transport, " served=");
	if (served)
		*served = '\0';
	if (!strcmp(transport, "dev_fuse"))
		snprintf(transport, sizeof(transport), "/dev/fuse");
	snprintf(buf, len, "%s, requests over %s",
		 atomic_load(&fs->pt.active) ? "passthrough" : "cached", transport);
}

void service_ready(struct sfs *fs)
{
	char paths[256];

	if (fs->failed)
		return;   /* the INIT exchange refused the mount (passthrough=on, io_uring=on) */
	describe_paths(fs, paths, sizeof(paths));
	sfs_log(fs, LOG_NOTICE, "mounted on %s: %s, sessions=%s, cap %" PRIu64 " bytes, at most "
		"%" PRIu64 " sections", fs->where ? fs->where : "?", paths,
		session_words[fs->sessions], store_cap(fs->store), store_max_sections(fs->store));
	/* Only now, with the INIT reply taken by the kernel, does a stat of the mount get an
	 * answer rather than wait: a unit ordered after this one may use the mount at once. */
	NOTIFY("READY=1\nSTATUS=mounted on %s: %s", fs->where ? fs->where : "?", paths);
}

void service_stopping(struct sfs *fs, int loop_result)
{
	const char *where = fs->where ? fs->where : "?";

	NOTIFY("STOPPING=1\nSTATUS=unmounting");
	if (fs->failed)
		sfs_log(fs, LOG_ERR, "unmounting %s: the mount was refused (above)", where);
	else if (loop_result > 0)
		sfs_log(fs, LOG_NOTICE, "unmounting %s: SIG%s", where,
			sigabbrev_np(loop_result) ?: "?");
	else if (loop_result == 0)
		sfs_log(fs, LOG_NOTICE, "%s was unmounted (fusermount3 -u or umount)", where);
	else
		sfs_log(fs, LOG_ERR, "unmounting %s: the session failed: %s", where,
			strerror(-loop_result));
}
