/* The winmap protocol's ioctls (sectionfs/protocol.h): section info, views, SEC_RESERVE commits;
 * those of events, mutexes and semaphores go to ops_sync.c. */
#include <errno.h>
#include <string.h>

#include "sectionfs.h"
#include "handle.h"
#include "sectionfs/protocol.h"
#include "section.h"
#include "sync.h"
#include "view.h"
#include "win32_constants.h"

static void ioctl_info(struct handle *h, struct sectionfs_info *out)
{
	struct section *sec = handle_section(h);
	unsigned handles, views;

	section_holders(sec, &handles, &views);
	*out = (struct sectionfs_info){
		.protect = section_protect(sec),
		.attributes = section_attributes(sec),
		.size = section_size(sec),
		.handles = handles,
		.views = views,
		.flags = (section_is_file_backed(sec) ? SECTIONFS_INFO_FILE_BACKED : 0) |
			 (section_is_staged(sec) ? SECTIONFS_INFO_STAGED : 0) |
			 (section_lifetime(sec) == SECTION_TEMPORARY ? SECTIONFS_INFO_TEMPORARY : 0),
	};
}

static void ioctl_become_view(struct handle *h, struct sectionfs_view *v)
{
	struct section *sec = handle_section(h);
	uint32_t claimed = v->handle_access;
	struct view_request rq;
	struct view_plan plan;

	/* The open file bounds the claim: one opened read-only cannot be a writable view. */
	if (!(handle_access(h) & FILE_MAP_WRITE))
		claimed &= ~(uint32_t)FILE_MAP_WRITE;
	rq = (struct view_request){
		.section_protect = section_protect(sec),
		.section_size = section_size(sec),
		.handle_access = claimed,
		.desired_access = v->desired_access,
		.offset = v->offset,
		.size = v->size,
	};
	v->result = view_plan(&rq, &plan);
	if (v->result == ERROR_SUCCESS)
		v->result = handle_become_view(h);
	v->length = v->result == ERROR_SUCCESS ? plan.length : 0;
}

static void ioctl_commit_run(struct handle *h, struct sectionfs_commit_run *c)
{
	bool committed;

	if (c->offset % WIN32_PAGE_SIZE || c->limit % WIN32_PAGE_SIZE) {
		c->result = ERROR_INVALID_PARAMETER;
		return;
	}
	c->run = section_commit_run(handle_section(h), c->offset, c->limit, &committed);
	c->committed = committed;
	c->result = ERROR_SUCCESS;
}

void sfs_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
	       struct fuse_file_info *fi, unsigned flags, const void *in_buf, size_t in_bufsz,
	       size_t out_bufsz)
{
	struct node *node = node_of(sfs_of(req), ino);
	struct handle *h = handle_of(fi);
	union {
		struct sectionfs_info info;
		struct sectionfs_view view;
		struct sectionfs_commit commit;
		struct sectionfs_commit_run commit_run;
		struct sectionfs_object object;
		struct sectionfs_wait wait;
		struct sectionfs_signal signal;
	} u;
	size_t size = _IOC_SIZE(cmd);

	(void)arg;
	if ((flags & FUSE_IOCTL_COMPAT) || node->kind != NODE_SECTION || size > sizeof(u)) {
		fuse_reply_err(req, ENOTTY);
		return;
	}
	if ((_IOC_DIR(cmd) & _IOC_WRITE) && in_bufsz != size) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if ((_IOC_DIR(cmd) & _IOC_READ) && out_bufsz < size) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	memset(&u, 0, sizeof(u));
	if (in_bufsz)
		memcpy(&u, in_buf, in_bufsz);
	if (cmd == SECTIONFS_IOC_OBJECT || cmd == SECTIONFS_IOC_WAIT || cmd == SECTIONFS_IOC_SIGNAL) {
		sync_ioctl(req, fi, cmd, &u, size);   /* replies, a WAIT maybe later */
		return;
	}
	if (section_kind(handle_section(h)) != OBJECT_SECTION &&
	    (cmd == SECTIONFS_IOC_BECOME_VIEW || cmd == SECTIONFS_IOC_COMMIT ||
	     cmd == SECTIONFS_IOC_COMMIT_RUN)) {
		/* an object has no data to map or commit */
		*(cmd == SECTIONFS_IOC_BECOME_VIEW ? &u.view.result
		  : cmd == SECTIONFS_IOC_COMMIT    ? &u.commit.result
						   : &u.commit_run.result) = ERROR_INVALID_HANDLE;
		fuse_reply_ioctl(req, 0, &u, size);
		return;
	}
	switch (cmd) {
	case SECTIONFS_IOC_INFO:
		ioctl_info(h, &u.info);
		break;
	case SECTIONFS_IOC_BECOME_VIEW:
		ioctl_become_view(h, &u.view);
		break;
	case SECTIONFS_IOC_COMMIT:
		u.commit.result = section_commit(handle_section(h), u.commit.offset, u.commit.length);
		break;
	case SECTIONFS_IOC_COMMIT_RUN:
		ioctl_commit_run(h, &u.commit_run);
		break;
	case SECTIONFS_IOC_RETIRE:
		/* A name that goes with this handle (C20) was never cached by the kernel
		 * (node_entry): no open can reach the section through a stale entry after this. */
		handle_retire(h);
		break;
	default:
		fuse_reply_err(req, ENOTTY);
		return;
	}
	fuse_reply_ioctl(req, 0, &u, size);
}
