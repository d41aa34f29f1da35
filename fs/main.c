/* sectionfs: the daemon.  Parses options, sets up the store, mounts, serves, cleans up.
 * main() is parse -> help -> validate -> session -> signals -> mount -> loop, unwinding through
 * labels named after what they undo. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "sectionfs.h"
#include "mountinfo.h"
#include "namespace.h"
#include "notify.h"
#include "options.h"
#include "passthrough.h"
#include "store.h"
#include "sync.h"
#include "uring.h"

#if defined(__SANITIZE_ADDRESS__)                     /* gcc */
#define WITH_ASAN 1
#elif defined(__has_feature)                          /* clang */
#if __has_feature(address_sanitizer)
#define WITH_ASAN 1
#endif
#endif
#ifdef WITH_ASAN
#include <sanitizer/lsan_interface.h>
#define LEAVE_TO_EXIT(p) __lsan_ignore_object(p)   /* it and what it reaches: not leaks */
#else
#define LEAVE_TO_EXIT(p) ((void)(p))
#endif

static void sfs_init(void *userdata, struct fuse_conn_info *conn);

static const struct fuse_lowlevel_ops sectionfs_ops = {
	.init         = sfs_init,
	.lookup       = sfs_lookup,
	.forget       = sfs_forget,
	.forget_multi = sfs_forget_multi,
	.getattr      = sfs_getattr,
	.access       = sfs_access,
	.setattr      = sfs_setattr,
	.readlink     = sfs_readlink,
	.mknod        = sfs_mknod,
	.mkdir        = sfs_mkdir,
	.symlink      = sfs_symlink,
	.link         = sfs_link,
	.unlink       = sfs_unlink,
	.rmdir        = sfs_rmdir,
	.rename       = sfs_rename,
	.opendir      = sfs_opendir,
	.readdir      = sfs_readdir,
	.readdirplus  = sfs_readdirplus,
	.releasedir   = sfs_releasedir,
	.create       = sfs_create,
	.open         = sfs_open,
	.read         = sfs_read,
	.write        = sfs_write,
	.flush        = sfs_flush,
	.fsync        = sfs_fsync,
	.release      = sfs_release,
	.statfs       = sfs_statfs,
	.fallocate    = sfs_fallocate,
	.setxattr     = sfs_setxattr,
	.getxattr     = sfs_getxattr,
	.listxattr    = sfs_listxattr,
	.removexattr  = sfs_removexattr,
	.ioctl        = sfs_ioctl,
	.poll         = sfs_poll,
};

/* The settings FUSE-NOTES measured: keep the page cache ours to invalidate, never the kernel's
 * guess; no writeback cache (the kernel would own size and mtime); symlinks asked every time
 * (Local differs per caller). */
static void sfs_init(void *userdata, struct fuse_conn_info *conn)
{
	passthrough_init_done(userdata, conn);
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	if (conn->capable & FUSE_CAP_EXPLICIT_INVAL_DATA)
		conn->want |= FUSE_CAP_EXPLICIT_INVAL_DATA;
	if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
		conn->want |= FUSE_CAP_PARALLEL_DIROPS;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	conn->want &= ~(FUSE_CAP_AUTO_INVAL_DATA | FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_CACHE_SYMLINKS);
	conn->time_gran = 1;
}

/* A temporary section's name went with its last handle (C20): the kernel must forget it too. */
static void forget_name(void *ctx, struct ns *ns, const char *leaf, struct section *sec)
{
	struct sfs *fs = ctx;

	(void)ns; (void)leaf;   /* the kernel never cached the name (node_entry) */
	if (atomic_load(&fs->pt.active))
		passthrough_unnamed(fs, sec);   /* its slot is free at once, as at unlink */
}

/* This mount's device numbers, from /proc/self/mountinfo.  `where` is the mount point's real
 * path, resolved before mounting: resolving it after would stat our own root, asking ourselves
 * before the loop runs. */
static void find_mount_device(struct sfs *fs, const char *where)
{
	if (!where || !mountinfo_find(where, "fuse.sectionfs", &fs->mount_dev_major,
					&fs->mount_dev_minor))
		sfs_log(fs, LOG_WARNING, "cannot find this mount's device in /proc/self/mountinfo");
}

int main(int argc, char **argv)
{
	struct sfs_options opts;
	struct fuse_args args;
	struct fuse_loop_config *loop;
	struct cap_watch *cap_watch = NULL;
	int loop_result;
	struct sfs fs = { 0 };
	char *where = NULL;
	int ret = 1;

	/* The unmount watch (uring.c) is this program run again. */
	if ((ret = uring_unmount_watch_main(argc, argv)) >= 0)
		return ret;
	ret = 1;
	if (!options_parse(argc, argv, &opts, &args)) {
		fuse_opt_free_args(&args);
		return 1;
	}
	if (opts.show_help) {
		options_usage(argv[0]);
		fuse_cmdline_help();
		fuse_lowlevel_help();
		ret = 0;
		goto err_args;
	}
	if (opts.show_version) {
		printf("sectionfs %s (libfuse %s%s%s)\n", SECTIONFS_VERSION, fuse_pkgversion(),
		       HAVE_LIBURING ? ", io_uring" : "", HAVE_LIBSYSTEMD ? ", sd_notify" : "");
		ret = 0;
		goto err_args;
	}

	/* Before any message: the refusals below go to the log too. */
	openlog("sectionfs", LOG_PID, LOG_DAEMON);
	fs.sessions = opts.sessions;
	fs.foreground = opts.foreground;
	fs.pt.mode = opts.passthrough;
	if (fs.pt.mode != PASSTHROUGH_OFF) {
		char why[160];
		if (!passthrough_possible(why, sizeof(why))) {
			if (fs.pt.mode == PASSTHROUGH_ON) {
				fprintf(stderr, "sectionfs: passthrough=on: %s\n", why);
				goto err_args;
			}
			fs.pt.mode = PASSTHROUGH_OFF;
			sfs_log(&fs, LOG_NOTICE, "cached mode: %s", why);
		}
	}
	fs.uring_mode = opts.io_uring;
	fs.uring_may = fs.uring_mode != URING_OFF;
	if (fs.uring_may) {
		char why[200];
		if (!uring_possible(why, sizeof(why))) {
			if (fs.uring_mode == URING_ON) {
				fprintf(stderr, "sectionfs: io_uring=on: %s\n", why);
				goto err_args;
			}
			fs.uring_may = false;   /* the INIT reply will not ask (logged then) */
		}
	}
	fs.owner_uid = getuid();
	fs.owner_gid = getgid();
	fs.global_create = opts.global_create;
	clock_gettime(CLOCK_REALTIME, &fs.mounted);
	if (store_setup(&fs, &opts) != 0)
		goto err_args;
	nodes_init(&fs);

	fs.se = fuse_session_new(&args, &sectionfs_ops, sizeof(sectionfs_ops), &fs);
	if (!fs.se)
		goto err_store;
	if (fuse_set_signal_handlers(fs.se) != 0)
		goto err_session;
	where = realpath(opts.mountpoint, NULL);
	fs.where = where;
	if (fuse_session_mount(fs.se, opts.mountpoint) != 0) {
		fprintf(stderr, "sectionfs: cannot mount on %s\n", opts.mountpoint);
		goto err_signals;
	}
	find_mount_device(&fs, where);   /* bdi_tune() uses it once INIT is answered */
	if (session_io_setup(&fs) != 0) {
		fprintf(stderr, "sectionfs: cannot set up the session's I/O\n");
		goto err_mount;
	}
	if (fuse_daemonize(opts.foreground) != 0)
		goto err_mount;
	/* After daemonizing (the watch follows the daemon's own process), before any thread. */
	if (fs.uring_may && (!where || uring_start_unmount_watch(&fs, where) != 0)) {
		/* Without it a killed daemon would leave a dead mount: io_uring only when asked. */
		sfs_log(&fs, LOG_WARNING, "cannot start the unmount watch (%s)%s",
			where ? strerror(errno) : "no mount point path",
			fs.uring_mode == URING_ON ? ": a killed daemon may leave a dead mount" : "");
		fs.uring_may = fs.uring_mode == URING_ON;
	}
	fs.notifier = notifier_start(fs.se);
	if (!fs.notifier) {
		perror("sectionfs: notifier thread");
		goto err_mount;
	}
	store_set_unname_hook(fs.store, forget_name, &fs);
	sync_set_ready_hook(fs.store, sync_ready, &fs);
	fs.trims = trims_new();
	fs.sweeper = sessions_sweeper_start(&fs);
	cap_watch = cap_watch_start(&fs);
	if (waits_timer_start(&fs) != 0) {
		perror("sectionfs: wait timer thread");
		goto err_notifier;
	}
	fs.thread_ends = thread_ends_start(&fs);

	loop = fuse_loop_cfg_create();
	if (!loop)
		goto err_notifier;
	fuse_loop_cfg_set_clone_fd(loop, 1);
	if (opts.max_threads > 0)
		fuse_loop_cfg_set_max_threads(loop, opts.max_threads);
	/* The loop answers a negative errno for a failure and, since libfuse 3.12, the number of
	 * the signal that stopped it: SIGTERM and SIGINT are a clean unmount. */
	loop_result = fuse_session_loop_mt(fs.se, loop);
	ret = loop_result < 0 || fs.failed;
	service_stopping(&fs, loop_result);
	fuse_loop_cfg_destroy(loop);
	/* The rings go before the mount: requests still held in them end with the connection. */
	uring_stop(&fs);

err_notifier:
	thread_ends_stop(fs.thread_ends);
	fs.thread_ends = NULL;
	waits_timer_stop(&fs);
	cap_watch_stop(cap_watch);
	ticker_stop(fs.sweeper);
	trims_free(fs.trims);
	fs.trims = NULL;
	store_set_unname_hook(fs.store, NULL, NULL);
	notifier_stop(fs.notifier);
	fs.notifier = NULL;
err_mount:
	fuse_session_unmount(fs.se);
err_signals:
	fuse_remove_signal_handlers(fs.se);
err_session:
	fuse_session_destroy(fs.se);
err_store:
	nodes_destroy(&fs);
	/* Named sections (and those of files the kernel never released) die with the process;
	 * the store is not freed with them alive (store_free asserts that), so leave it to the
	 * exit, and tell LeakSanitizer so. */
	if (store_live_sections(fs.store) == 0)
		store_free(fs.store);
	else
		LEAVE_TO_EXIT(fs.store);
err_args:
	free(where);
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}
