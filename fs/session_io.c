/* How the daemon reads requests from /dev/fuse and writes replies: as libfuse would, but seeing
 * the INIT exchange go by.  Four things need it: FUSE passthrough and FUSE over io_uring, which
 * libfuse 3.14 cannot negotiate (passthrough.c and uring.c read the kernel's offer and add the
 * flags to our reply); FUSE_HANDLE_KILLPRIV_V2, which 3.14 does not know either (below); and
 * the mount's backing device, whose read-ahead the kernel sets from our INIT reply (at most the
 * 128 KiB it offered), so it can be raised only once the kernel has taken that reply.  Every
 * reply libfuse makes passes here too, those to requests that came through an io_uring queue
 * included: uring.c takes those (they must be committed through their ring), and the rest,
 * notifications always, go to /dev/fuse. */
#include <errno.h>
#include <linux/fuse.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sectionfs.h"
#include "passthrough.h"
#include "uring.h"

static ssize_t session_read(int fd, void *buf, size_t len, void *userdata)
{
	struct sfs *fs = userdata;
	ssize_t n = read(fd, buf, len);

	if (n >= (ssize_t)sizeof(struct fuse_in_header))
		requests_count(fs, ((const struct fuse_in_header *)buf)->opcode);
	if (n >= (ssize_t)(sizeof(struct fuse_in_header) + sizeof(struct fuse_init_in))) {
		const struct fuse_in_header *in = buf;
		if (in->opcode == FUSE_INIT) {
			const struct fuse_init_in *init = (const void *)(in + 1);
			uint64_t flags = init->flags;
			if (flags & FUSE_INIT_EXT)
				flags |= (uint64_t)init->flags2 << 32;
			fs->kernel_init_flags = flags;
			passthrough_saw_init(fs, flags);
			atomic_store(&fs->init_unique, in->unique);
		}
	}
	return n;   /* as read(2): libfuse reads errno on -1 (ENODEV: unmounted) */
}

/* FUSE_HANDLE_KILLPRIV_V2: the daemon, not the kernel, drops set-user-ID, set-group-ID and
 * security.capability when a file is written or cut.  Taking it is what lets the kernel mark
 * the mount SB_NOSEC and then each inode S_NOSEC after its first write: without it, every
 * write() and truncate asks the daemon for security.capability first (a round trip per 4 KiB
 * pwrite).  A section has none of the three to drop (SECTION_MODE_BITS), so the duty costs
 * nothing; the mark lasts until the kernel next takes attributes from the daemon. */
static bool take_killpriv_v2(struct sfs *fs, struct fuse_init_out *reply)
{
	if (!(fs->kernel_init_flags & FUSE_HANDLE_KILLPRIV_V2) ||
	    (reply->flags & FUSE_HANDLE_KILLPRIV_V2))
		return false;
	reply->flags |= FUSE_HANDLE_KILLPRIV_V2;
	return true;
}

static ssize_t session_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	struct sfs *fs = userdata;
	const struct fuse_out_header *out = iov[0].iov_base;
	uint64_t init_unique = atomic_load(&fs->init_unique);
	bool init_reply = init_unique && out->unique == init_unique && out->error == 0;
	struct fuse_init_out patched;
	struct iovec copy[2];
	ssize_t n;
	size_t taken;

	if (init_reply && count == 2 && iov[1].iov_len == sizeof(patched)) {
		bool changed;

		memcpy(&patched, iov[1].iov_base, sizeof(patched));
		changed = passthrough_patch_init_reply(fs, &patched, sizeof(patched));
		changed |= take_killpriv_v2(fs, &patched);
		changed = uring_patch_init_reply(fs, &patched, sizeof(patched)) || changed;
		if (changed) {
			copy[0] = iov[0];
			copy[1] = (struct iovec){ &patched, sizeof(patched) };
			iov = copy;
		}
	} else if (!init_reply && (taken = uring_take_reply(fs, iov, count)) > 0) {
		return (ssize_t)taken;   /* committed through its ring */
	}
	n = writev(fd, iov, count);
	if (init_reply && n >= 0) {
		/* the kernel has applied the reply (it does so within this write): now the
		 * read-ahead we set stays, and the rings may register */
		atomic_store(&fs->init_unique, 0);
		bdi_tune(fs);
		uring_init_replied(fs);
		service_ready(fs);
	}
	return n;   /* as writev(2): -1 with errno */
}

int session_io_setup(struct sfs *fs)
{
	static const struct fuse_custom_io io = { .read = session_read, .writev = session_writev };

	fs->pt.dev_fd = fuse_session_fd(fs->se);
	/* Same descriptor: only the way requests are read and replies written changes. */
	return fuse_session_custom_io(fs->se, &io, fs->pt.dev_fd);
}
