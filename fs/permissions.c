/* Who may do what (permissions.h): the rules of the kernel's generic_permission(), may_create(),
 * may_delete(), setattr_prepare(), notify_change() and xattr_permission(), which it no longer
 * applies for this mount (no default_permissions: every check the kernel made with it cost a
 * GETATTR of the directory after each create and unlink), and the mount's own rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "permissions.h"
#include "namespace.h"

/* A "Groups:" line of /proc/TID/status that lists gid. */
static bool groups_line_has(const char *line, void *gid)
{
	bool found = false;

	if (strncmp(line, "Groups:", 7) != 0)
		return false;
	for (const char *p = line + 7; *p;) {
		char *end;
		unsigned long g = strtoul(p, &end, 10);
		if (end == p)
			break;
		found |= g == *(gid_t *)gid;
		p = end;
	}
	return found;
}

/* Is gid among thread tid's supplementary groups ("Groups:" in /proc/TID/status)?  Read here
 * rather than with fuse_req_getgroups(): libfuse 3.14's reads the file into a 4 KiB buffer
 * without ending it, and a longer file made strstr() read past it (found by ASan).  Read anew
 * for every request: groups change (newgrp, setgroups) and another user may ask next. */
static bool thread_in_group(pid_t tid, gid_t gid)
{
	return proc_find_line(tid, "status", groups_line_has, &gid);
}

bool caller_in_group(fuse_req_t req, gid_t gid)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	return ctx->gid == gid || (ctx->pid > 0 && thread_in_group(ctx->pid, gid));
}

static bool caller_is_root(fuse_req_t req)
{
	return fuse_req_ctx(req)->uid == 0;
}

int may_access_owner(fuse_req_t req, mode_t type, const struct section_owner *o, int mask)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	mode_t mode = o->mode, want = (mode_t)mask & 7;

	if (ctx->uid == 0)
		/* CAP_DAC_OVERRIDE: all but executing a file no x bit allows */
		return !(want & X_OK) || S_ISDIR(type) || (mode & 0111) ? 0 : EACCES;
	if (ctx->uid == o->uid)
		mode >>= 6;
	/* groups are read only when the answer depends on them, as the kernel does */
	else if ((want & (mode ^ (mode >> 3))) && caller_in_group(req, o->gid))
		mode >>= 3;
	return (want & ~mode) ? EACCES : 0;
}

int may_access(struct sfs *fs, fuse_req_t req, const struct node *node, int mask)
{
	struct section_owner o;
	mode_t type = node_owner(fs, node, &o);

	return may_access_owner(req, type, &o, mask);
}

int may_search(struct sfs *fs, fuse_req_t req, const struct node *dir)
{
	int err = may_access(fs, req, dir, X_OK);

	if (err || caller_is_root(req))
		return err;
	/* A session's directory shows 01777 to all (attributes are cached for every caller),
	 * but only its own session may look inside; the walk through Sessions/<id> is refused
	 * (find_session_dir) and this refuses a walk from a descriptor of the directory. */
	if (dir->kind == NODE_NAMESPACE && !ns_is_staging(dir->ns) && ns_session(dir->ns) != 0 &&
	    !caller_may_enter_session(req, caller_session(fs, req), ns_session(dir->ns)))
		return EACCES;
	return 0;
}

int may_create_in(struct sfs *fs, fuse_req_t req, const struct node *dir)
{
	int err = may_search(fs, req, dir);

	return err ? err : may_access(fs, req, dir, W_OK);
}

int may_delete(struct sfs *fs, fuse_req_t req, const struct node *dir,
	       const struct section_owner *victim)
{
	uid_t uid = fuse_req_ctx(req)->uid;
	struct section_owner d;
	int err = may_create_in(fs, req, dir);

	if (err)
		return err;
	node_owner(fs, dir, &d);
	/* check_sticky(): the VFS still checks this itself, but against the attributes the
	 * kernel cached, which may be a second old; this is the check that counts */
	if ((d.mode & S_ISVTX) && uid != 0 && uid != victim->uid && uid != d.uid)
		return EPERM;
	return 0;
}

int may_setattr(fuse_req_t req, const struct section_owner *o, struct stat *attr, int to_set,
		bool by_open_file)
{
	const int times = FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME;
	const int now = FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW;
	uid_t uid = fuse_req_ctx(req)->uid;
	bool root = uid == 0, owner = uid == o->uid;

	/* truncate(path) needs write permission (vfs_truncate); ftruncate's file was opened
	 * for writing, which the VFS checked */
	if ((to_set & FUSE_SET_ATTR_SIZE) && !by_open_file) {
		int err = may_access_owner(req, S_IFREG, o, W_OK);
		if (err)
			return err;
	}
	if (root)
		return 0;
	/* chown_ok(): only root gives a file away; its owner may "change" it to itself */
	if ((to_set & FUSE_SET_ATTR_UID) && !(owner && attr->st_uid == o->uid))
		return EPERM;
	/* chgrp_ok(): the owner, to a group it is in */
	if ((to_set & FUSE_SET_ATTR_GID) &&
	    !(owner && (attr->st_gid == o->gid || caller_in_group(req, attr->st_gid))))
		return EPERM;
	/* chmod: the owner's only.  setattr_prepare()'s dropping of set-group-ID for a
	 * non-member has nothing to do: no section keeps set-id bits (SECTION_MODE_BITS), and
	 * so no write by another user makes the kernel clear them with a chmod either. */
	if ((to_set & FUSE_SET_ATTR_MODE) && !owner)
		return EPERM;
	if ((to_set & times) && !owner) {
		/* utimes(NULL) (both times now: ATTR_TOUCH) needs write permission; any explicit
		 * time, or only one of them, needs the owner */
		if ((to_set & times) != times || (to_set & now) != now)
			return EPERM;
		return may_access_owner(req, S_IFREG, o, W_OK);
	}
	return 0;
}

int may_xattr(struct sfs *fs, fuse_req_t req, const struct node *node, const char *name,
	      int mask)
{
	struct section_owner o;
	mode_t type;

	/* security.*, system.* and trusted.* are left to the filesystem (and the VFS checks
	 * trusted.*); user.* is the files' and directories' own, checked like their data.  The
	 * VFS refused user.* on anything else already. */
	if (strncmp(name, "user.", 5) != 0)
		return 0;
	type = node_owner(fs, node, &o);
	if (!S_ISREG(type) && !S_ISDIR(type))
		return 0;
	return may_access_owner(req, type, &o, mask);
}

bool caller_may_enter_session(fuse_req_t req, uint32_t mine, uint32_t session)
{
	/* session 0's namespace is the global one: everybody's */
	return session == 0 || caller_is_root(req) || mine == session;
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
