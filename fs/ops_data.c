/* Sections as files: create, open, read, write, truncate and the other attributes, release. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sectionfs.h"
#include "permissions.h"
#include "handle.h"
#include "name.h"
#include "namespace.h"
#include "passthrough.h"
#include "protect.h"
#include "section.h"
#include "sync.h"
#include "win32_constants.h"

/* What an open file may do, in handle access bits. */
static uint32_t access_of_flags(int flags)
{
	switch (flags & O_ACCMODE) {
	case O_WRONLY:
		return FILE_MAP_WRITE;
	case O_RDWR:
		return FILE_MAP_READ | FILE_MAP_WRITE;
	default:
		return FILE_MAP_READ;
	}
}

/* The mount's rule for open(2), not Windows' (a Win32 handle may hold write access to any
 * section; its views are refused, D23): a published section whose pages may never change
 * (READONLY, EXECUTE_READ) is not opened for writing, root's open included.  Staged is asked
 * first: once published, the protection is fixed. */
static bool refuses_writer(struct section *sec, uint32_t access)
{
	uint32_t protect;

	if (!(access & FILE_MAP_WRITE) || section_is_staged(sec))
		return false;
	protect = section_protect(sec);
	return !protect_allows_shared_write(protect) && !protect_is_copy_on_write(protect);
}

/* What open(2) asks permission for (build_open_flags): the access mode (3, "no access",
 * asks both), and O_TRUNC asks write even of a read-only open. */
static int mask_of_flags(int flags)
{
	int mask;

	switch (flags & O_ACCMODE) {
	case O_WRONLY:
		mask = W_OK;
		break;
	case O_RDONLY:
		mask = R_OK;
		break;
	default:
		mask = R_OK | W_OK;
		break;
	}
	return (flags & O_TRUNC) ? mask | W_OK : mask;
}

/* may_open() of an existing section: its modes, then the mount's staging rule. */
static int may_open_section(fuse_req_t req, struct section *sec, int flags)
{
	struct section_owner o = section_owner(sec);
	int err = may_access_owner(req, S_IFREG, &o, mask_of_flags(flags));

	if (!err && !caller_may_use_staged(req, sec))
		err = EACCES;
	return err;
}

/* How an open file's data moves. */
enum open_mode {
	OPEN_CACHED,        /* through the kernel's page cache of the file, kept across opens */
	OPEN_DIRECT,        /* every read and write to the daemon */
	OPEN_PASSTHROUGH,   /* the kernel straight to the memfd (passthrough.h) */
};

/* The kernel keeps all open files of an inode in one mode while a passthrough one is open
 * (mixing gets EIO), so the mode follows from the section alone; the only change that could
 * mix modes, a staged section turned copy-on-write or file-backed under a passthrough open, is
 * refused where it is asked (ops_xattr.c).
 *
 * A file-backed section is served by passthrough from its file when it is exactly its file
 * (section_is_its_file): readers and writers through the mount then share the pages of whoever
 * else maps that file (a Wine program, another process), live.  A section smaller than its
 * file stays cached, so that nothing past the section is exposed.  Once its node has a backing
 * id it stays passthrough; only a file cut or grown behind the daemon could change the answer
 * between two opens. */
static enum open_mode open_mode_of(struct sfs *fs, struct node *node, struct handle *h,
				    int flags)
{
	struct section *sec = handle_section(h);

	/* A private (copy-on-write) handle goes around the page cache: its writes stay its own. */
	if (handle_is_private(h))
		return OPEN_DIRECT;
	if (!atomic_load(&fs->pt.active))
		return OPEN_CACHED;
	/* O_DIRECT on a staged section: it may yet be put over a file or made copy-on-write, so no
	 * passthrough open may pin its memfd; direct opens do not stop passthrough ones later. */
	if (section_is_staged(sec) && (flags & O_DIRECT))
		return OPEN_DIRECT;
	if (protect_is_copy_on_write(section_protect(sec)))
		return OPEN_CACHED;
	if (section_is_file_backed(sec) && atomic_load(&node->backing_id) <= 0 &&
	    !section_is_its_file(sec))
		return OPEN_CACHED;
	return OPEN_PASSTHROUGH;
}

struct open_file *open_file_new(struct node *node, struct handle *h, pid_t opener)
{
	struct open_file *of = calloc(1, sizeof(*of));
	pid_t tgid = opener > 0 ? tgid_of_thread(opener) : -1;

	if (of)
		*of = (struct open_file){ .handle = h, .node = node,
					  .tgid = tgid > 0 ? tgid : (opener > 0 ? opener : -1) };
	return of;
}

/* Makes the open file record (fi->fh) with the settings of FUSE-NOTES: the page cache is the
 * shared memory of all maps and reads, so it is kept across opens; close sends no FLUSH.  The
 * exception is a file-backed section served cached: its file may change behind the daemon (a
 * Wine program writes it), so each open drops what the kernel cached and reads the file afresh.
 * Returns the backing id for a passthrough open, 0 for another, -ENOMEM. */
static int set_open_flags(struct sfs *fs, struct node *node, struct fuse_file_info *fi,
			  struct handle *h, pid_t opener)
{
	enum open_mode mode = open_mode_of(fs, node, h, fi->flags);
	struct open_file *of;
	int backing_id = 0;

	of = open_file_new(node, h, opener);
	if (!of)
		return -ENOMEM;
	/* a staged section may become an object: its opener's process is counted (ops_sync.c) */
	if (section_is_staged(handle_section(h)) && sync_count_open_file(fs, of)) {
		free(of);
		return -ENOMEM;
	}
	holders_opened(fs, of);
	fi->fh = (uint64_t)(uintptr_t)of;
	fi->noflush = 1;
	if (mode == OPEN_PASSTHROUGH) {
		/* Counted under nodes_lock with the id still the node's: passthrough_unnamed may
		 * have dropped the id we got (an open racing an unlink); then register anew. */
		for (int tries = 0; tries < 3; tries++) {
			bool kept;
			backing_id = passthrough_backing_id(fs, node);
			if (backing_id <= 0)
				break;
			pthread_mutex_lock(&fs->nodes_lock);
			kept = atomic_load(&node->backing_id) == backing_id;
			if (kept)
				node->passthrough_opens++;
			pthread_mutex_unlock(&fs->nodes_lock);
			if (!kept)
				continue;
			of->passthrough = true;
			map_guard_opened(fs, node, opener);
			return backing_id;
		}
		mode = OPEN_CACHED;   /* the kernel refused this file (or all), or unlinks kept racing */
	}
	if (mode == OPEN_DIRECT)
		fi->direct_io = 1;
	else
		fi->keep_cache = !section_is_file_backed(handle_section(h));
	return 0;
}

/* Undoes set_open_flags() (or sync_open()) and closes the handle: for a release, or a reply
 * that failed. */
void open_file_close(struct sfs *fs, struct open_file *of)
{
	holders_closed(fs, of);   /* first: a listing may look at its handle until then */
	if (of->passthrough) {
		/* writes through passthrough may have grown the memfd: the size is taken before
		 * the count says no such file is open, since node_attr() then stops asking */
		section_sync_size(handle_section(of->handle));
		pthread_mutex_lock(&fs->nodes_lock);
		of->node->passthrough_opens--;
		pthread_mutex_unlock(&fs->nodes_lock);
	}
	sync_uncount_open_file(fs, of);
	handle_close(of->handle);
	if (of->passthrough)   /* its file may have been the last thing keeping the pages */
		trims_try(fs->trims, of->node->section);
	free(of);
}

/* E36 for the maps the daemon cannot count (map_guard.c): a passthrough map holds the data
 * rather than the file once its file is closed.  `by` is the open file cutting, or NULL.  Asked
 * only when the cut would otherwise be allowed: another holder refuses it anyway. */
static bool cut_under_a_passthrough_map(fuse_req_t req, struct node *node, uint64_t size,
					const struct open_file *by, bool by_holds)
{
	struct sfs *fs = sfs_of(req);
	struct section *sec = node->section;
	unsigned handles, views;

	if (!atomic_load(&fs->pt.active) || atomic_load(&node->backing_id) <= 0 ||
	    size >= section_sync_size(sec))
		return false;
	section_holders(sec, &handles, &views);
	if (handles + views > (by_holds ? 1u : 0u))
		return false;             /* section_resize() refuses it (E36) */
	return map_guard_mapped_elsewhere(fs, node, by ? fuse_req_ctx(req)->pid : 0,
					  by && by->passthrough);
}

/* open(O_TRUNC) of an existing section: the cut obeys E36 like any other. */
static uint32_t truncate_on_open(fuse_req_t req, struct node *node, struct handle *h, int flags)
{
	if (!(flags & O_TRUNC) || !(flags & O_ACCMODE))
		return ERROR_SUCCESS;
	/* the opener's other files count, as in cached mode: no process is left out */
	if (cut_under_a_passthrough_map(req, node, 0, NULL, true))
		return ERROR_USER_MAPPED_FILE;
	return section_resize(handle_section(h), 0, h);
}

/* The section create and mknod make: a permanent paging-file section owned by the caller, with
 * a handle of `access` on it.  Replies with the error and returns NULL when it cannot. */
static struct handle *create_section(fuse_req_t req, struct node *dir, const char *name,
				     mode_t mode, enum ns_create_mode how, uint32_t access,
				     bool *existed)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct section_spec spec = section_spec_default(SECTION_PERMANENT);
	struct section_owner owner = { ctx->uid, ctx->gid, mode & SECTION_MODE_BITS };
	struct handle *h;
	uint32_t err;
	int perm = may_create_in(sfs_of(req), req, dir);

	if (perm) {
		fuse_reply_err(req, perm);   /* may_create(): before the mount's own refusals */
		return NULL;
	}
	if (dir->kind != NODE_NAMESPACE || !S_ISREG(mode)) {
		fuse_reply_err(req, EPERM);   /* no directories, devices or links in a namespace */
		return NULL;
	}
	if (!caller_may_create_in(sfs_of(req), req, dir->ns)) {
		/* global_create: such a caller may open what exists, never make a name */
		*existed = true;
		err = how == NS_CREATE_NEW ? ERROR_ACCESS_DENIED : ns_open(dir->ns, name, access, &h);
		if (err == ERROR_FILE_NOT_FOUND)
			err = ERROR_ACCESS_DENIED;
	} else {
		err = ns_create(dir->ns, name, &spec, &owner, how, access, &h, existed);
	}
	if (!err && refuses_writer(handle_section(h), access)) {
		handle_close(h);   /* it existed: its name or another holder keeps it (C20-C21) */
		err = ERROR_ACCESS_DENIED;
	}
	if (err) {
		reply_winerr(req, err);
		return NULL;
	}
	return h;
}

/* The node of h's section, with one more kernel lookup; NULL (replied ENOMEM, h closed) when
 * there is no memory for it. */
static struct node *node_for_reply(fuse_req_t req, struct handle *h)
{
	struct node *node;

	section_get(handle_section(h));
	node = node_lookup_section(sfs_of(req), handle_section(h));
	if (!node) {
		handle_close(h);
		fuse_reply_err(req, ENOMEM);
	}
	return node;
}

void sfs_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		struct fuse_file_info *fi)
{
	struct sfs *fs = sfs_of(req);
	struct fuse_entry_param e;
	struct node *node;
	struct handle *h;
	bool existed;
	uint32_t err = ERROR_SUCCESS;

	h = create_section(req, node_of(fs, parent), name, mode,
			   (fi->flags & O_EXCL) ? NS_CREATE_NEW : NS_OPEN_IF_EXISTS,
			   access_of_flags(fi->flags), &existed);
	if (!h)
		return;
	node = node_for_reply(req, h);
	if (!node)
		return;
	if (existed) {
		/* O_CREAT of a name that exists (or another creator won the race) is an open:
		 * check the section as sfs_open does. */
		if (may_open_section(req, handle_section(h), fi->flags))
			err = ERROR_ACCESS_DENIED;
		else
			err = truncate_on_open(req, node, h, fi->flags);
		if (err) {
			handle_close(h);
			node_forget(fs, node, 1);
			reply_winerr(req, err);
			return;
		}
	}
	node_entry(fs, node, &e);
	int backing_id = set_open_flags(fs, node, fi, h, fuse_req_ctx(req)->pid);
	if (backing_id < 0) {
		handle_close(h);
		node_forget(fs, node, 1);
		fuse_reply_err(req, -backing_id);
		return;
	}
	if ((backing_id > 0 ? passthrough_reply_create(req, &e, fi, backing_id)
			    : fuse_reply_create(req, &e, fi)) != 0) {
		open_file_close(fs, open_file_of(fi));
		node_forget(fs, node, 1);
	}
}

/* mknod of a regular file is a create without an open file; anything else has no place here. */
void sfs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	struct sfs *fs = sfs_of(req);
	struct fuse_entry_param e;
	struct node *node;
	struct handle *h;
	bool existed;

	(void)rdev;
	h = create_section(req, node_of(fs, parent), name, mode, NS_CREATE_NEW, FILE_MAP_READ,
			   &existed);
	if (!h)
		return;
	node = node_for_reply(req, h);
	if (!node)
		return;
	handle_close(h);   /* a staged section made this way is gone again: nobody holds it */
	node_entry(fs, node, &e);
	if (fuse_reply_entry(req, &e) != 0)
		node_forget(fs, node, 1);
}

void sfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct sfs *fs = sfs_of(req);
	struct node *node = node_of(fs, ino);
	struct handle *h;
	uint32_t access, err;

	if (node->kind != NODE_SECTION) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	/* may_open(): the kernel no longer checks the modes (no default_permissions) */
	int perm = may_open_section(req, node->section, fi->flags);
	if (perm) {
		fuse_reply_err(req, perm);
		return;
	}
	access = access_of_flags(fi->flags);
	err = refuses_writer(node->section, access) ? ERROR_ACCESS_DENIED
						    : handle_open(node->section, access, &h);
	if (!err && section_kind(node->section) != OBJECT_SECTION) {
		sync_open(req, node, fi, h);   /* a stream; O_TRUNC has no data to cut */
		return;
	}
	if (!err) {
		err = truncate_on_open(req, node, h, fi->flags);
		if (err)
			handle_close(h);
	}
	if (err) {
		reply_winerr(req, err);
		return;
	}
	int backing_id = set_open_flags(fs, node, fi, h, fuse_req_ctx(req)->pid);
	if (backing_id < 0) {
		handle_close(h);
		fuse_reply_err(req, -backing_id);
		return;
	}
	if ((backing_id > 0 ? passthrough_reply_open(req, fi, backing_id)
			    : fuse_reply_open(req, fi)) != 0)
		open_file_close(fs, open_file_of(fi));
}

/* Does this READ fill the page cache rather than answer a read()?  The kernel names a lock
 * owner on the reads of a direct_io file and on none of its page-cache fills, such as a fault in
 * a MAP_PRIVATE map (checked on Linux 6.18: fuse_send_read sets FUSE_READ_LOCKOWNER,
 * fuse_do_readpage does not). */
static bool fills_page_cache(const struct fuse_file_info *fi)
{
	return fi->lock_owner == 0;
}

void sfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	char *buf = malloc(size ? size : 1);
	size_t done;
	uint32_t err;

	(void)ino;
	if (open_file_of(fi)->object) {
		free(buf);
		sync_read(req, size, fi);   /* reading an object waits for it */
		return;
	}
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* The page cache is every process's view of the section: a private handle's own writes
	 * must never land in it, so its page-cache fills get the section's pages.  A page filled
	 * through a writable open file may be written through a map without asking us, and its
	 * writeback must then find memory under the cap: it gets its page now (a read-only open
	 * cannot map for writing, so reading holes never fails for lack of room). */
	if (handle_is_private(h) && fills_page_cache(fi))
		err = section_read(handle_section(h), buf, size, (uint64_t)off, &done);
	else if (fills_page_cache(fi) && (handle_access(h) & FILE_MAP_WRITE) &&
		 (err = section_populate(handle_section(h), (uint64_t)off, size)))
		done = 0;   /* no page for it under the cap: a fault in a map gets SIGBUS, as on tmpfs */
	else
		err = handle_read(h, buf, size, (uint64_t)off, &done);
	if (err && !done)
		reply_winerr(req, err);
	else
		fuse_reply_buf(req, buf, done);
	free(buf);
}

void sfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
	       struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	size_t done;
	uint32_t err;

	(void)ino;
	if (open_file_of(fi)->object) {
		sync_write(req, buf, size, fi);   /* writing to an object signals it */
		return;
	}
	/* Dirty pages of a shared map are the section's own pages, whichever open file the
	 * kernel picks to write them back through (FUSE-NOTES: they carry no caller). */
	if (fi->writepage)
		err = section_write(handle_section(h), buf, size, (uint64_t)off, &done);
	else
		err = handle_write(h, buf, size, (uint64_t)off, &done);
	if (err && !done)
		reply_winerr(req, err);
	else
		fuse_reply_write(req, done);
}

void sfs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino; (void)fi;
	fuse_reply_err(req, 0);
}

void sfs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	struct section *sec = handle_section(handle_of(fi));
	int fd = section_fd(sec);

	(void)ino;
	/* The paging file has nowhere to go; a backing file goes to its disk. */
	if (section_is_file_backed(sec) && fd >= 0 && (datasync ? fdatasync(fd) : fsync(fd)) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fuse_reply_err(req, 0);
}

void sfs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	open_file_close(sfs_of(req), open_file_of(fi));
	fuse_reply_err(req, 0);
}

static int64_t timespec_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

void sfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		 struct fuse_file_info *fi)
{
	struct sfs *fs = sfs_of(req);
	struct node *node = node_of(fs, ino);
	struct section *sec;
	struct stat st;
	uint32_t err;

	if (node->kind != NODE_SECTION) {
		fuse_reply_err(req, EPERM);   /* the layout's directories and links are fixed */
		return;
	}
	sec = node->section;
	/* Every change is allowed before any is made (setattr_prepare(), which the kernel skips
	 * without default_permissions); may clear S_ISGID from the new mode. */
	struct section_owner owner = section_owner(sec);
	int perm = may_setattr(req, &owner, attr, to_set, fi != NULL);
	if (perm) {
		fuse_reply_err(req, perm);
		return;
	}
	/* An object has no data: its size stays 0. */
	if ((to_set & FUSE_SET_ATTR_SIZE) && section_kind(sec) != OBJECT_SECTION) {
		if (attr->st_size != 0) {
			fuse_reply_err(req, EINVAL);
			return;
		}
		to_set &= ~FUSE_SET_ATTR_SIZE;
	}
	/* The size first: when it fails, nothing else has changed. */
	if (to_set & FUSE_SET_ATTR_SIZE) {
		const struct open_file *by = fi ? open_file_of(fi) : NULL;
		if (!by && !caller_may_use_staged(req, sec)) {
			fuse_reply_err(req, EACCES);   /* truncate(path) of someone's staged section */
			return;
		}
		err = cut_under_a_passthrough_map(req, node, (uint64_t)attr->st_size, by, by != NULL)
			      ? ERROR_USER_MAPPED_FILE
			      : section_resize(sec, (uint64_t)attr->st_size, by ? by->handle : NULL);
		if (err) {
			reply_winerr(req, err);
			return;
		}
	}
	if (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		/* may_setattr() has checked who may chmod and chown */
		struct section_owner o = section_owner(sec);
		if (to_set & FUSE_SET_ATTR_MODE)
			o.mode = attr->st_mode & SECTION_MODE_BITS;
		if (to_set & FUSE_SET_ATTR_UID)
			o.uid = attr->st_uid;
		if (to_set & FUSE_SET_ATTR_GID)
			o.gid = attr->st_gid;
		section_set_owner(sec, &o);
	}
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
		struct timespec now;
		int64_t a, m;
		clock_gettime(CLOCK_REALTIME, &now);
		a = (to_set & FUSE_SET_ATTR_ATIME_NOW) ? timespec_ns(&now) : timespec_ns(&attr->st_atim);
		m = (to_set & FUSE_SET_ATTR_MTIME_NOW) ? timespec_ns(&now) : timespec_ns(&attr->st_mtim);
		section_set_times(sec, (to_set & FUSE_SET_ATTR_ATIME) ? &a : NULL,
				  (to_set & FUSE_SET_ATTR_MTIME) ? &m : NULL);
	}
	node_attr(fs, node, &st);
	fuse_reply_attr(req, &st, TIMEOUT_SECTION_ATTR);
}

void sfs_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
		   struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);

	(void)ino;
	if (mode & ~FALLOC_FL_KEEP_SIZE) {
		fuse_reply_err(req, EOPNOTSUPP);   /* no holes: mapped pages must stay */
		return;
	}
	if (offset < 0 || length <= 0 || section_kind(handle_section(h)) != OBJECT_SECTION) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (!(handle_access(h) & FILE_MAP_WRITE)) {
		fuse_reply_err(req, EBADF);
		return;
	}
	if (handle_is_private(h)) {
		/* a private handle's pages are its own copies, made as it writes; the size is fixed */
		fuse_reply_err(req, (mode & FALLOC_FL_KEEP_SIZE) ? 0 : EACCES);
		return;
	}
	reply_winerr(req, section_allocate(handle_section(h), (uint64_t)offset, (uint64_t)length,
					   mode & FALLOC_FL_KEEP_SIZE));
}
