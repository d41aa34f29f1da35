/* The tree: lookups, attributes, links, directory listings, unlink and rename, and the
 * operations a namespace refuses (directories, devices, symlinks, hard links). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <linux/fs.h>

#include "sectionfs.h"
#include "permissions.h"
#include "errors.h"
#include "name.h"
#include "namespace.h"
#include "passthrough.h"
#include "section.h"
#include "sectionfs/layout.h"
#include "store.h"
#include "win32_constants.h"

/* The namespace a directory node is, or NULL. */
static struct ns *namespace_of(struct node *node)
{
	return node->kind == NODE_NAMESPACE ? node->ns : NULL;
}

/* Is name one of the links ns holds?  *link says which. */
static bool is_link_name(struct ns *ns, const char *name, enum name_link *link)
{
	return ns_has_links(ns) && name_is_link(name, link);
}

/* A Sessions/<id> name: its namespace, made when the caller's own session first looks. */
static int find_session_dir(struct sfs *fs, fuse_req_t req, const char *name, struct node **out)
{
	uint32_t id;
	struct ns *ns;

	if (!strcmp(name, "0")) {
		*out = &fs->session0;
		return 0;
	}
	if (!name_parse_session_id(name, strlen(name), &id))
		return ENOENT;
	uint32_t mine = caller_session(fs, req);
	ns = session_namespace(fs, id, mine == id);
	if (!ns)
		return ENOENT;
	if (!caller_may_enter_session(req, mine, id)) {
		ns_put(ns);
		return EACCES;
	}
	*out = node_of_namespace(fs, ns);
	if (*out)
		node_hold(fs, *out);
	ns_put(ns);
	return *out ? 0 : ENOMEM;
}

/* Resolves name in parent; a section's node comes with one more kernel lookup. */
static int find_child(struct sfs *fs, fuse_req_t req, struct node *parent, const char *name,
		      struct node **out)
{
	struct section *sec;
	uint32_t err;

	switch (parent->kind) {
	case NODE_ROOT:
		*out = !strcmp(name, SECTIONFS_GLOBAL)   ? &fs->global.dir :
		       !strcmp(name, SECTIONFS_SESSIONS) ? &fs->sessions_dir :
		       !strcmp(name, SECTIONFS_LOCAL)    ? &fs->local :
		       !strcmp(name, SECTIONFS_STAGING)  ? &fs->staging.dir : NULL;
		return *out ? 0 : ENOENT;
	case NODE_SESSIONS:
		return find_session_dir(fs, req, name, out);
	case NODE_NAMESPACE: {
		enum name_link l;
		if (is_link_name(parent->ns, name, &l)) {
			*out = node_of_ns_link(fs, parent->ns, l);
			if (*out)
				node_hold(fs, *out);
			return *out ? 0 : ENOMEM;
		}
		err = ns_lookup(parent->ns, name, &sec);
		if (err)
			return winerr_to_errno(err);
		*out = node_lookup_section(fs, sec);
		return *out ? 0 : ENOMEM;
	}
	default:
		return ENOTDIR;
	}
}

void sfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct sfs *fs = sfs_of(req);
	struct fuse_entry_param e;
	struct node *node = NULL;
	int err;

	/* FUSE passes names up to 1024 bytes; no name here is longer than a Linux file name */
	if (strlen(name) > NAME_LEAF_MAX) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	/* the path walk's search permission: the kernel no longer asks it of the directory */
	err = may_search(fs, req, node_of(fs, parent));
	if (!err)
		err = find_child(fs, req, node_of(fs, parent), name, &node);

	if (err == ENOENT && node_of(fs, parent)->kind == NODE_NAMESPACE) {
		/* Names appear only through this kernel, which forgets a negative entry when it
		 * creates one, so the absence may be cached. */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = TIMEOUT_FOREVER;
		fuse_reply_entry(req, &e);
		return;
	}
	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	node_entry(fs, node, &e);
	if (fuse_reply_entry(req, &e) != 0)
		node_forget(fs, node, 1);   /* the kernel never got it */
}

void sfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct sfs *fs = sfs_of(req);

	node_forget(fs, node_of(fs, ino), nlookup);
	fuse_reply_none(req);
}

void sfs_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	struct sfs *fs = sfs_of(req);

	for (size_t i = 0; i < count; i++)
		node_forget(fs, node_of(fs, forgets[i].ino), forgets[i].nlookup);
	fuse_reply_none(req);
}

void sfs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct sfs *fs = sfs_of(req);
	struct node *node = node_of(fs, ino);
	struct stat st;

	(void)fi;
	node_attr(fs, node, &st);
	fuse_reply_attr(req, &st, node->kind == NODE_SECTION ? TIMEOUT_SECTION_ATTR : TIMEOUT_FOREVER);
}

/* access(2), faccessat(2) and chdir(2): without default_permissions the kernel asks us.  The
 * answer is an open's: the modes, and the rules an open or a walk would meet (a session's
 * directory is its session's, a staged section its creator's). */
void sfs_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct sfs *fs = sfs_of(req);
	struct node *node = node_of(fs, ino);
	int err = may_access(fs, req, node, mask);

	if (!err && mask && node->kind == NODE_NAMESPACE)
		err = may_search(fs, req, node);
	if (!err && mask && node->kind == NODE_SECTION && !caller_may_use_staged(req, node->section))
		err = EACCES;
	fuse_reply_err(req, err);
}

void sfs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct sfs *fs = sfs_of(req);
	struct node *node = node_of(fs, ino);
	char buf[64];

	uint32_t mine = 0;

	if (node->kind == NODE_LOCAL) {
		/* the caller's session uses the filesystem: make its namespace */
		mine = caller_session(fs, req);
		ns_put(session_namespace(fs, mine, true));
	}
	if (node->kind != NODE_LOCAL && node->kind != NODE_SESSION0 && node->kind != NODE_NS_LINK) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	fuse_reply_readlink(req, node_link_target(node, mine, buf, sizeof(buf)));
}

/* A namespace holds sections only. */
/* The refusals below come after the permission check on the directory, as the kernel's
 * may_create() and may_delete() came before the daemon's EPERM: a user who may not write the
 * directory gets EACCES, as before. */
static void refuse_in(fuse_req_t req, fuse_ino_t parent)
{
	struct sfs *fs = sfs_of(req);
	int err = may_create_in(fs, req, node_of(fs, parent));

	fuse_reply_err(req, err ? err : EPERM);
}

void sfs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	(void)name; (void)mode;
	refuse_in(req, parent);
}

void sfs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	(void)link; (void)name;
	refuse_in(req, parent);
}

void sfs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	(void)ino; (void)newname;
	refuse_in(req, newparent);   /* a section has one name, as a Windows object does */
}

void sfs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)name;
	refuse_in(req, parent);
}

/* may_delete() for name in dir, by the owner of what it names now (a namespace's links are
 * the mount owner's, like the directory).  A name that is not there needs only what a new one
 * would: the op itself then answers ENOENT, as the kernel did from its negative entry. */
static int may_delete_name(struct sfs *fs, fuse_req_t req, struct node *dir, const char *name)
{
	struct section_owner victim;
	struct section *sec;

	if (dir->kind == NODE_NAMESPACE && is_link_name(dir->ns, name, NULL)) {
		victim = (struct section_owner){ fs->owner_uid, fs->owner_gid, 0777 };
	} else if (dir->kind == NODE_NAMESPACE && ns_lookup(dir->ns, name, &sec) == ERROR_SUCCESS) {
		victim = section_owner(sec);
		section_put(sec);
	} else {
		return may_create_in(fs, req, dir);
	}
	return may_delete(fs, req, dir, &victim);
}

void sfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct sfs *fs = sfs_of(req);
	struct ns *ns = namespace_of(node_of(fs, parent));
	int err = may_delete_name(fs, req, node_of(fs, parent), name);

	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	if (!ns) {
		fuse_reply_err(req, EPERM);
		return;
	}
	if (is_link_name(ns, name, NULL)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	struct section *sec = NULL;
	uint32_t winerr;

	if (atomic_load(&fs->pt.active) && ns_lookup(ns, name, &sec) != 0)
		sec = NULL;
	winerr = ns_unlink(ns, name);
	if (sec) {
		if (winerr == 0)
			passthrough_unnamed(fs, sec);   /* its slot is free at once (passthrough.h) */
		section_put(sec);
	}
	reply_winerr(req, winerr);
}

void sfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		const char *newname, unsigned int flags)
{
	struct sfs *fs = sfs_of(req);
	struct ns *from = namespace_of(node_of(fs, parent));
	struct ns *to = namespace_of(node_of(fs, newparent));
	int err;

	if (flags & ~RENAME_NOREPLACE) {
		fuse_reply_err(req, EINVAL);   /* no exchange, no whiteout */
		return;
	}
	/* vfs_rename(): the source may be removed from its directory, and the new name made in
	 * its own (or, over an existing name, that name removed: the sticky rule says EPERM
	 * before ns_rename says EEXIST, as it did before) */
	err = may_delete_name(fs, req, node_of(fs, parent), name);
	if (!err)
		err = may_create_in(fs, req, node_of(fs, newparent));
	if (!err && !(flags & RENAME_NOREPLACE))
		err = may_delete_name(fs, req, node_of(fs, newparent), newname);
	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	if (!from || !to || is_link_name(from, name, NULL)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	if (!caller_may_create_in(fs, req, to)) {
		fuse_reply_err(req, EACCES);   /* a new name in Global: -o global_create */
		return;
	}
	/* (a rename never replaces a name: no section loses one here, see sfs_unlink) */
	reply_winerr(req, ns_rename(from, name, to, newname));
}

void sfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct sfs *fs = sfs_of(req);
	uint64_t cap, used;
	uint64_t files = store_max_sections(fs->store), live = store_live_sections(fs->store);
	struct statvfs sv;

	(void)ino;
	trims_retry(fs->trims);   /* pages that have just become free are counted free */
	cap = store_cap(fs->store);
	used = store_used(fs->store);
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = WIN32_PAGE_SIZE;
	sv.f_frsize = WIN32_PAGE_SIZE;
	sv.f_blocks = cap / WIN32_PAGE_SIZE;
	sv.f_bfree = used < cap ? (cap - used) / WIN32_PAGE_SIZE : 0;
	sv.f_bavail = sv.f_bfree;
	/* df -i: sections are the inodes */
	sv.f_files = files;
	sv.f_ffree = files > live ? files - live : 0;
	sv.f_favail = sv.f_ffree;
	sv.f_namemax = NAME_LEAF_MAX;
	fuse_reply_statfs(req, &sv);
}

/* ---- directory listings ---- */

/* A snapshot of one directory, taken at opendir and again at every rewind. */
struct dir_entry {
	char *name;
	struct node *node;          /* fixed and namespace nodes */
	struct section *section;    /* sections: referenced until the listing goes */
};

struct dir_listing {
	size_t count, capacity;
	struct dir_entry *entries;
	bool fresh;                 /* taken by opendir and not read from offset 0 yet */
};

static void listing_clear(struct sfs *fs, struct dir_listing *l)
{
	for (size_t i = 0; i < l->count; i++) {
		struct dir_entry *e = &l->entries[i];
		free(e->name);
		if (e->section)
			section_put(e->section);
		else if (i >= 2 && e->node->kind == NODE_NAMESPACE)
			node_listing_hold(fs, e->node, false);   /* a Sessions/ entry */
	}
	free(l->entries);
	memset(l, 0, sizeof(*l));
}

/* Adds an entry that takes `name` (allocated) and the reference on `sec`; on failure the
 * caller keeps both. */
static bool listing_take(struct dir_listing *l, char *name, struct node *node,
			 struct section *sec)
{
	if (l->count == l->capacity) {
		size_t cap = l->capacity ? l->capacity * 2 : 16;
		struct dir_entry *e = realloc(l->entries, cap * sizeof(*e));
		if (!e)
			return false;
		l->entries = e;
		l->capacity = cap;
	}
	l->entries[l->count++] = (struct dir_entry){ .name = name, .node = node, .section = sec };
	return true;
}

/* Adds an entry of the fixed layout (no section): its name is copied. */
static bool listing_add(struct dir_listing *l, const char *name, struct node *node)
{
	char *copy = strdup(name);

	if (copy && listing_take(l, copy, node, NULL))
		return true;
	free(copy);
	return false;
}

static int list_sessions(struct sfs *fs, fuse_req_t req, struct dir_listing *l)
{
	size_t n;
	uint32_t *ids;
	char name[16];
	bool ok = true;

	ns_put(session_namespace(fs, caller_session(fs, req), true));   /* first use makes it */
	n = store_sessions(fs->store, NULL, 0);
	ids = calloc(n ? n : 1, sizeof(*ids));
	if (!ids)
		return ENOMEM;
	n = store_sessions(fs->store, ids, n);
	ok = listing_add(l, "0", &fs->session0);
	for (size_t i = 0; ok && i < n; i++) {
		struct ns *ns = store_session(fs->store, ids[i], false);
		struct node *dir = ns ? node_of_namespace(fs, ns) : NULL;
		if (!ns)
			continue;          /* ended meanwhile */
		snprintf(name, sizeof(name), "%u", ids[i]);
		ok = dir && listing_add(l, name, dir);
		if (ok)
			node_listing_hold(fs, dir, true);   /* the listing's; listing_clear lets go */
		ns_put(ns);
	}
	free(ids);
	return ok ? 0 : ENOMEM;
}

static int list_namespace(struct sfs *fs, struct ns *ns, struct dir_listing *l)
{
	struct ns_listing names;
	size_t taken = 0;
	bool ok = true;

	if (ns_has_links(ns))
		for (int i = 0; ok && i < NAME_LINK_COUNT; i++)
			ok = listing_add(l, name_link_text((enum name_link)i),
					 node_of_ns_link(fs, ns, (enum name_link)i));
	if (!ok || ns_list(ns, &names))
		return ENOMEM;
	/* the listing takes each name and its section reference as ns_list made them */
	while (taken < names.count && listing_take(l, names.entries[taken].name, NULL,
						   names.entries[taken].section))
		taken++;
	ok = taken == names.count;
	memmove(names.entries, names.entries + taken, (names.count - taken) * sizeof(names.entries[0]));
	names.count -= taken;
	ns_listing_free(&names);   /* what was not taken, and the array */
	return ok ? 0 : ENOMEM;
}

static int list_directory(struct sfs *fs, fuse_req_t req, struct node *dir, struct dir_listing *l)
{
	int err = 0;

	struct node *parent = dir->kind == NODE_NAMESPACE && ns_session(dir->ns) != 0 &&
			      !ns_is_staging(dir->ns) ? &fs->sessions_dir : &fs->root;

	listing_clear(fs, l);
	if (!listing_add(l, ".", dir) || !listing_add(l, "..", parent))
		return ENOMEM;
	switch (dir->kind) {
	case NODE_ROOT:
		if (!listing_add(l, SECTIONFS_GLOBAL, &fs->global.dir) ||
		    !listing_add(l, SECTIONFS_LOCAL, &fs->local) ||
		    !listing_add(l, SECTIONFS_SESSIONS, &fs->sessions_dir) ||
		    !listing_add(l, SECTIONFS_STAGING, &fs->staging.dir))
			err = ENOMEM;
		break;
	case NODE_SESSIONS:
		err = list_sessions(fs, req, l);
		break;
	case NODE_NAMESPACE:
		err = list_namespace(fs, dir->ns, l);
		break;
	default:
		err = ENOTDIR;
	}
	return err;
}

void sfs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct sfs *fs = sfs_of(req);
	struct node *dir = node_of(fs, ino);
	struct dir_listing *l;
	int err;

	/* may_open(): reading a directory needs read permission; a session's is its own */
	err = may_access(fs, req, dir, R_OK);
	if (!err && dir->kind == NODE_NAMESPACE && !ns_is_staging(dir->ns) &&
	    !caller_may_enter_session(req, caller_session(fs, req), ns_session(dir->ns)))
		err = EACCES;
	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	err = list_directory(fs, req, dir, l);
	l->fresh = true;
	if (err) {
		listing_clear(fs, l);
		free(l);
		fuse_reply_err(req, err);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)l;
	fi->cache_readdir = 0;
	if (fuse_reply_open(req, fi) != 0) {
		listing_clear(fs, l);
		free(l);
	}
}

static mode_t entry_type(struct sfs *fs, struct dir_entry *e)
{
	struct stat st;

	if (e->section)
		return S_IFREG;
	node_attr(fs, e->node, &st);
	return st.st_mode & S_IFMT;
}

static void read_directory(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			   struct fuse_file_info *fi, bool plus)
{
	struct sfs *fs = sfs_of(req);
	struct dir_listing *l = (struct dir_listing *)(uintptr_t)fi->fh;
	char *buf;
	size_t pos = 0;
	int err;

	if (off == 0 && !l->fresh && (err = list_directory(fs, req, node_of(fs, ino), l)) != 0) {
		fuse_reply_err(req, err);   /* a rewind reads the directory again */
		return;
	}
	l->fresh = false;
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (size_t i = (size_t)off; i < l->count; i++) {
		struct dir_entry *d = &l->entries[i];
		bool dot = i < 2;   /* "." and ".." carry no lookup */
		struct fuse_entry_param e;
		size_t need;

		if (!plus) {
			struct stat st = { .st_ino = d->node ? d->node->ino : node_section_ino(d->section),
					   .st_mode = entry_type(fs, d) };
			need = fuse_add_direntry(req, buf + pos, size - pos, d->name, &st, (off_t)i + 1);
			if (need > size - pos)
				break;
			pos += need;
			continue;
		}
		need = fuse_add_direntry_plus(req, NULL, 0, d->name, NULL, 0);
		if (need > size - pos)
			break;
		struct node *node = d->node;
		if (d->section && !dot) {
			section_get(d->section);
			node = node_lookup_section(fs, d->section);
			if (!node)
				break;
		} else if (!dot) {
			node_hold(fs, node);   /* an entry the kernel counts as a lookup */
		}
		node_entry(fs, node, &e);
		if (dot)
			e.ino = 0;   /* the kernel counts no lookup for "." and ".." */
		pos += fuse_add_direntry_plus(req, buf + pos, size - pos, d->name, &e, (off_t)i + 1);
	}
	fuse_reply_buf(req, buf, pos);
	free(buf);
}

void sfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	read_directory(req, ino, size, off, fi, false);
}

void sfs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	read_directory(req, ino, size, off, fi, true);
}

void sfs_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dir_listing *l = (struct dir_listing *)(uintptr_t)fi->fh;

	(void)ino;
	listing_clear(sfs_of(req), l);
	free(l);
	fuse_reply_err(req, 0);
}
