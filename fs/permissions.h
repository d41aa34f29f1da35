/* Who may do what to a node: the Unix permission rules the kernel applied while the mount had
 * default_permissions, now applied here (the kernel checks nothing but what the VFS does for
 * every filesystem: the sticky bit on cached attributes, execute bits of regular files), and
 * the mount's own rules (sessions, staging, global_create).  One function per rule; each op
 * calls those of its kernel counterpart, in the kernel's order, before its own.
 *
 * Functions named may_* return 0 or the errno to reply; caller_may_* answer yes or no.  Root
 * (uid 0) has CAP_DAC_OVERRIDE, CAP_FOWNER and CAP_CHOWN, as for the kernel.  Nothing is
 * cached: every answer reads the caller (uid, gid, groups, session) of this request. */
#ifndef SECTIONFS_PERMISSIONS_H
#define SECTIONFS_PERMISSIONS_H

#include <sys/stat.h>

#include "sectionfs.h"
#include "section.h"

/* Is the caller in group gid (its fsgid or one of its supplementary groups)? */
bool caller_in_group(fuse_req_t req, gid_t gid);

/* Unix permission check of the caller on an object of type `type` (S_IFREG, S_IFDIR...) with
 * owner o: mask of R_OK, W_OK, X_OK, as generic_permission() does.  EACCES or 0. */
int may_access_owner(fuse_req_t req, mode_t type, const struct section_owner *o, int mask);

/* The same on a node, by the owner and mode stat shows. */
int may_access(struct sfs *fs, fuse_req_t req, const struct node *node, int mask);

/* May the caller look names up in dir (search permission, and for a session's directory the
 * session rule: its own session's, or root)?  Every op that names a child of a parent asks
 * this of the parent, as the kernel's path walk asked exec permission of every directory. */
int may_search(struct sfs *fs, fuse_req_t req, const struct node *dir);

/* May the caller add a name to dir (may_create: search and write permission)? */
int may_create_in(struct sfs *fs, fuse_req_t req, const struct node *dir);

/* May the caller remove (unlink, rename away, rename over) a name of dir whose object has
 * owner `victim` (may_delete: search and write permission on dir, then the sticky rule: in a
 * sticky directory only the object's owner, the directory's owner or root; EPERM)? */
int may_delete(struct sfs *fs, fuse_req_t req, const struct node *dir,
	       const struct section_owner *victim);

/* May the caller make the changes of a SETATTR (to_set, FUSE_SET_ATTR_*) to node, owned by o?
 * by_open_file: the size is set through an open file (ftruncate), whose open mode the kernel
 * checked.  Clears S_ISGID from attr->st_mode when a non-member sets it, as the kernel does.
 * EPERM (chmod, chown, explicit times), EACCES (truncate, touch), or 0. */
int may_setattr(fuse_req_t req, const struct section_owner *o, struct stat *attr, int to_set,
		bool by_open_file);

/* May the caller read (get) or write (set, remove) extended attribute `name` of node?  Only
 * user.* names are checked by permission, as xattr_permission() does. */
int may_xattr(struct sfs *fs, fuse_req_t req, const struct node *node, const char *name,
	      int mask);

/* ---- the mount's own rules ---- */

/* May a caller of session `mine` use session `session`'s namespace?  Its own session's, and
 * root may use any. */
bool caller_may_enter_session(fuse_req_t req, uint32_t mine, uint32_t session);

/* A staged section is its creator's alone until it is published, whatever its mode says (the
 * mode applies from publication): may the caller open it or change it?  Root may. */
bool caller_may_use_staged(fuse_req_t req, struct section *sec);

/* May the caller make a new name in ns?  Everywhere but in the global namespace, where
 * -o global_create decides for callers outside session 0, as SeCreateGlobalPrivilege does. */
bool caller_may_create_in(struct sfs *fs, fuse_req_t req, struct ns *ns);

#endif
