/* FUSE passthrough (see passthrough.h): through libfuse's API when built against libfuse 3.17 or
 * later, through the kernel protocol on older libfuse.  Backing files are registered with the
 * kernel's ioctl in both cases (libfuse's fuse_passthrough_open() is that same ioctl). */
#include "passthrough.h"

#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <syslog.h>
#include <unistd.h>

#include "handle.h"
#include "section.h"

/* Kernel protocol 7.40 names that Debian 12's <linux/fuse.h> (7.38) predates. */
#ifndef FUSE_PASSTHROUGH
#define FUSE_PASSTHROUGH (1ULL << 37)
#endif
#ifndef FOPEN_PASSTHROUGH
#define FOPEN_PASSTHROUGH (1 << 7)
#endif
#ifndef FUSE_DEV_IOC_BACKING_OPEN
struct fuse_backing_map {
	int32_t fd;
	uint32_t flags;
	uint64_t padding;
};
#define FUSE_DEV_IOC_BACKING_OPEN _IOW(229, 1, struct fuse_backing_map)
#define FUSE_DEV_IOC_BACKING_CLOSE _IOW(229, 2, uint32_t)
#endif

/* fuse_init_out as of 7.40: max_stack_depth took the first unused word. */
struct init_out_740 {
	uint32_t major, minor, max_readahead, flags;
	uint16_t max_background, congestion_threshold;
	uint32_t max_write, time_gran;
	uint16_t max_pages, map_alignment;
	uint32_t flags2, max_stack_depth;
	uint32_t unused[6];
};
_Static_assert(sizeof(struct init_out_740) == sizeof(struct fuse_init_out), "7.40 INIT reply");

/* fuse_open_out as of 7.40: the padding became the backing id. */
struct open_out_740 {
	uint64_t fh;
	uint32_t open_flags;
	int32_t backing_id;
};
_Static_assert(sizeof(struct open_out_740) == sizeof(struct fuse_open_out), "7.40 OPEN reply");

bool passthrough_possible(char *why, size_t len)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct caps[2] = { 0 };
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (syscall(SYS_capget, &hdr, caps) < 0 ||
	    !(caps[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32)))) {
		snprintf(why, len, "passthrough needs CAP_SYS_ADMIN (run the daemon as root)");
		return false;
	}
	if (uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
	    (major < 6 || (major == 6 && minor < 9))) {
		snprintf(why, len, "passthrough needs Linux 6.9 or later (this is %s)", u.release);
		return false;
	}
	return true;
}

void passthrough_saw_init(struct sfs *fs, uint64_t kernel_flags)
{
#if HAVE_FUSE_PASSTHROUGH_API
	(void)fs; (void)kernel_flags;   /* init() asks libfuse for the capability */
#else
	fs->pt.kernel_offers = (kernel_flags & FUSE_PASSTHROUGH) != 0;
#endif
}

bool passthrough_patch_init_reply(struct sfs *fs, void *reply, size_t len)
{
#if HAVE_FUSE_PASSTHROUGH_API
	(void)fs; (void)reply; (void)len;
	return false;                   /* libfuse says it itself */
#else
	struct init_out_740 *out = reply;

	if (!atomic_load(&fs->pt.active) || fs->pt.negotiated || len != sizeof(*out))
		return false;
	out->flags |= FUSE_INIT_EXT;
	out->flags2 |= (uint32_t)(FUSE_PASSTHROUGH >> 32);
	out->max_stack_depth = 1;       /* a tmpfs file stacks on nothing */
	fs->pt.negotiated = true;
	return true;
#endif
}

void passthrough_init_done(struct sfs *fs, struct fuse_conn_info *conn)
{
#if HAVE_FUSE_PASSTHROUGH_API
	if (fs->pt.mode != PASSTHROUGH_OFF)
		fs->pt.kernel_offers = fuse_set_feature_flag(conn, FUSE_CAP_PASSTHROUGH);
#else
	(void)conn;   /* pt_read saw the kernel's offer; pt_writev patches the reply */
#endif
	/* libfuse calls init() before it writes the INIT reply: the offer decides.  Should the
	 * reply not carry it, the first backing open fails and everything falls back to cached
	 * mode. */
	bool active = fs->pt.mode != PASSTHROUGH_OFF && fs->pt.kernel_offers;

	atomic_store(&fs->pt.active, active);
	if (fs->pt.mode == PASSTHROUGH_OFF) {
		sfs_log(fs, LOG_INFO, "%s", "cached mode (passthrough=off)");
	} else if (active) {
		sfs_log(fs, LOG_INFO, "%s", "passthrough mode: sections are served from their memfds");
	} else if (fs->pt.mode == PASSTHROUGH_ON) {
		sfs_log(fs, LOG_ERR, "%s", "passthrough=on, but this kernel offers no FUSE passthrough");
		fuse_session_exit(fs->se);
		fs->failed = true;
	} else {
		sfs_log(fs, LOG_INFO, "%s", "cached mode: this kernel offers no FUSE passthrough");
	}
}

static void close_backing(struct sfs *fs, int id)
{
	uint32_t arg = (uint32_t)id;

	ioctl(fs->pt.dev_fd, FUSE_DEV_IOC_BACKING_CLOSE, &arg);
}

/* The ioctls go to /dev/fuse with no lock held (sectionfs.h).  Two opens of a node may then
 * both register its memfd: the first id stored is the node's, the other is given back.  A
 * node's id is never dropped while it is opened: the kernel sends no FORGET for an inode
 * that has an open in progress or an open file. */
int passthrough_backing_id(struct sfs *fs, struct node *node)
{
	struct fuse_backing_map map = { 0 };
	int id = atomic_load(&node->backing_id), none = 0;

	if (id > 0)
		return id;
	if (!atomic_load(&fs->pt.active))
		return -1;
	map.fd = section_fd(node->section);
	id = map.fd >= 0 ? ioctl(fs->pt.dev_fd, FUSE_DEV_IOC_BACKING_OPEN, &map) : -1;
	if (id <= 0) {
		int err = errno, theirs = atomic_load(&node->backing_id);
		if (theirs > 0)
			return theirs;     /* another open of the node registered it */
		/* A file of the user's may be one the kernel cannot pass through to (a file
		 * on a stacked filesystem such as overlayfs): that section stays cached. */
		if (section_is_file_backed(node->section))
			return -1;
		/* No more passthrough for anyone: mixing modes per inode is the kernel's
		 * business, refusing them all is ours.  Said by the one who turned it off. */
		if (atomic_exchange(&fs->pt.active, false))
			sfs_log(fs, LOG_WARNING, "the kernel refused a backing file (%s): cached mode "
				"from now on", strerror(err));
		return -1;
	}
	if (!atomic_compare_exchange_strong(&node->backing_id, &none, id)) {
		close_backing(fs, id);
		id = none;
	}
	return id;
}

void passthrough_unnamed(struct sfs *fs, struct section *sec)
{
	struct node *node;
	int id = 0;

	pthread_mutex_lock(&fs->nodes_lock);
	node = section_host(sec);
	if (node && node->passthrough_opens == 0)
		id = atomic_exchange(&node->backing_id, 0);
	pthread_mutex_unlock(&fs->nodes_lock);
	if (id > 0)
		close_backing(fs, id);
}

void passthrough_forget(struct sfs *fs, struct node *node)
{
	int id = atomic_exchange(&node->backing_id, 0);

	if (id > 0)
		close_backing(fs, id);
}

#if !HAVE_FUSE_PASSTHROUGH_API
static struct open_out_740 open_out(const struct fuse_file_info *fi, int backing_id)
{
	return (struct open_out_740){
		.fh = fi->fh,
		.open_flags = FOPEN_PASSTHROUGH | (fi->noflush ? FOPEN_NOFLUSH : 0),
		.backing_id = backing_id,
	};
}

static uint64_t whole(double t) { return (uint64_t)t; }
static uint32_t fraction(double t) { return (uint32_t)((t - (double)(uint64_t)t) * 1e9); }
#endif

int passthrough_reply_open(fuse_req_t req, struct fuse_file_info *fi, int backing_id)
{
#if HAVE_FUSE_PASSTHROUGH_API
	fi->backing_id = backing_id;
	return fuse_reply_open(req, fi);
#else
	struct open_out_740 arg = open_out(fi, backing_id);
	struct iovec iov = { &arg, sizeof(arg) };

	return fuse_reply_iov(req, &iov, 1);
#endif
}

int passthrough_reply_create(fuse_req_t req, const struct fuse_entry_param *e,
			     struct fuse_file_info *fi, int backing_id)
{
#if HAVE_FUSE_PASSTHROUGH_API
	fi->backing_id = backing_id;
	return fuse_reply_create(req, e, fi);
#else
	const struct stat *st = &e->attr;
	struct fuse_entry_out entry = {
		.nodeid = e->ino,
		.generation = e->generation,
		.entry_valid = whole(e->entry_timeout),
		.entry_valid_nsec = fraction(e->entry_timeout),
		.attr_valid = whole(e->attr_timeout),
		.attr_valid_nsec = fraction(e->attr_timeout),
		.attr = {
			.ino = st->st_ino,
			.size = (uint64_t)st->st_size,
			.blocks = (uint64_t)st->st_blocks,
			.atime = (uint64_t)st->st_atim.tv_sec,
			.mtime = (uint64_t)st->st_mtim.tv_sec,
			.ctime = (uint64_t)st->st_ctim.tv_sec,
			.atimensec = (uint32_t)st->st_atim.tv_nsec,
			.mtimensec = (uint32_t)st->st_mtim.tv_nsec,
			.ctimensec = (uint32_t)st->st_ctim.tv_nsec,
			.mode = st->st_mode,
			.nlink = (uint32_t)st->st_nlink,
			.uid = st->st_uid,
			.gid = st->st_gid,
			.rdev = (uint32_t)st->st_rdev,
			.blksize = (uint32_t)st->st_blksize,
		},
	};
	struct open_out_740 arg = open_out(fi, backing_id);
	struct iovec iov[2] = { { &entry, sizeof(entry) }, { &arg, sizeof(arg) } };

	return fuse_reply_iov(req, iov, 2);
#endif
}
