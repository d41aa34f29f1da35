/* The inode table: which node a nodeid is, lookup counts, attributes and link targets.
 *
 * Lookup-count contract (as libfuse's passthrough_ll): a section node's nlookup grows by one for
 * every fuse_reply_entry, fuse_reply_create and readdirplus entry naming it, and shrinks by what
 * FORGET says.  At zero the node goes and drops its reference on the section.  A session's
 * namespace nodes are counted the same way, all four together (node_hold), and go once the
 * session ended and nothing counts them.  Nodes of the fixed layout, of the global namespace
 * and of staging are never freed, so their counts are not kept.
 *
 * Locks: nodes_lock before the core's, and never over I/O (sectionfs.h). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sectionfs.h"
#include "passthrough.h"
#include "section.h"
#include "sectionfs/layout.h"
#include "namespace.h"
#include "store.h"
#include "sync.h"

_Static_assert(sizeof(fuse_ino_t) >= sizeof(uintptr_t), "nodeids are node pointers");

/* st_ino: small numbers for the fixed layout, namespaces above 2^62, sections above 16. */
#define INO_GLOBAL    2
#define INO_SESSIONS  3
#define INO_LOCAL     4
#define INO_STAGING   5
#define INO_SESSION0  6
#define INO_SECTIONS  16
#define INO_NS_BASE   (UINT64_C(1) << 62)

/* A namespace's directory is dir_ino; its links are numbered after its session. */
static void init_ns_nodes(struct ns_nodes *n, struct ns *ns, uint64_t dir_ino)
{
	uint64_t base = INO_NS_BASE + ((uint64_t)ns_session(ns) << 2);

	n->dir = (struct node){ .kind = NODE_NAMESPACE, .ino = dir_ino, .ns = ns };
	for (int l = 0; l < NAME_LINK_COUNT; l++)
		n->links[l] = (struct node){ .kind = NODE_NS_LINK, .ino = base + 1 + (uint64_t)l,
					     .ns = ns, .link = (enum name_link)l };
	ns_set_host(ns, n);
}

void nodes_init(struct sfs *fs)
{
	pthread_mutex_init(&fs->nodes_lock, NULL);
	pthread_mutex_init(&fs->objects_lock, NULL);
	LIST_INIT(&fs->section_nodes);
	LIST_INIT(&fs->session_groups);
	fs->root = (struct node){ .kind = NODE_ROOT, .ino = FUSE_ROOT_ID };
	fs->sessions_dir = (struct node){ .kind = NODE_SESSIONS, .ino = INO_SESSIONS };
	fs->local = (struct node){ .kind = NODE_LOCAL, .ino = INO_LOCAL };
	fs->session0 = (struct node){ .kind = NODE_SESSION0, .ino = INO_SESSION0 };
	init_ns_nodes(&fs->global, store_global(fs->store), INO_GLOBAL);
	init_ns_nodes(&fs->staging, store_staging(fs->store), INO_STAGING);
}

void nodes_destroy(struct sfs *fs)
{
	/* The session is gone: no request and no kernel backing id is left to care (the
	 * backing ids went with the connection, so no passthrough_forget). */
	while (!LIST_EMPTY(&fs->section_nodes)) {
		struct node *node = LIST_FIRST(&fs->section_nodes);
		LIST_REMOVE(node, in_list);
		section_set_host(node->section, NULL);
		section_put(node->section);
		free(node);
	}
	/* every session's nodes, of sessions ended or not, with their namespace references */
	while (!LIST_EMPTY(&fs->session_groups)) {
		struct ns_nodes *g = LIST_FIRST(&fs->session_groups);
		struct ns *ns = g->dir.ns;
		LIST_REMOVE(g, in_list);
		ns_set_host(ns, NULL);
		free(g);
		ns_put(ns);
	}
	sync_forget_open_files(fs);
	pthread_mutex_destroy(&fs->nodes_lock);
}

/* A session's namespace nodes, which are counted and may go; NULL for the permanent ones. */
static struct ns_nodes *counted_group(const struct node *node)
{
	if ((node->kind != NODE_NAMESPACE && node->kind != NODE_NS_LINK) ||
	    ns_session(node->ns) == 0 || ns_is_staging(node->ns))
		return NULL;
	return ns_host(node->ns);
}

/* Under nodes_lock: frees a group nothing counts any more once its session ended; true when it
 * did (the caller then drops the namespace reference it returns in *ns). */
static bool release_group_locked(struct ns_nodes *g, struct ns **ns)
{
	if (g->nlookup || g->listings || !ns_is_ended(g->dir.ns))
		return false;
	*ns = g->dir.ns;
	ns_set_host(*ns, NULL);
	LIST_REMOVE(g, in_list);
	free(g);
	return true;
}

void node_hold(struct sfs *fs, struct node *node)
{
	struct ns_nodes *g;

	pthread_mutex_lock(&fs->nodes_lock);
	g = counted_group(node);
	if (g)
		g->nlookup++;
	pthread_mutex_unlock(&fs->nodes_lock);
}

void node_listing_hold(struct sfs *fs, struct node *dir, bool listed)
{
	struct ns_nodes *g;
	struct ns *gone = NULL;

	pthread_mutex_lock(&fs->nodes_lock);
	g = counted_group(dir);
	if (g && listed)
		g->listings++;
	else if (g && --g->listings == 0)
		release_group_locked(g, &gone);
	pthread_mutex_unlock(&fs->nodes_lock);
	ns_put(gone);
}

void nodes_session_ended(struct sfs *fs, struct ns *ns)
{
	struct ns_nodes *g;
	struct ns *gone = NULL;

	pthread_mutex_lock(&fs->nodes_lock);
	g = ns_host(ns);
	if (g)
		release_group_locked(g, &gone);
	pthread_mutex_unlock(&fs->nodes_lock);
	ns_put(gone);
}

uint64_t node_section_ino(const struct section *sec)
{
	return INO_SECTIONS + section_id(sec);
}

struct node *node_of(struct sfs *fs, fuse_ino_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return &fs->root;
	return (struct node *)(uintptr_t)ino;
}

fuse_ino_t node_id(struct sfs *fs, const struct node *node)
{
	if (node == &fs->root)
		return FUSE_ROOT_ID;
	return (fuse_ino_t)(uintptr_t)node;
}

/* ns's nodes, made the first time ns is seen; NULL when there is no memory for them. */
static struct ns_nodes *group_of_namespace(struct sfs *fs, struct ns *ns)
{
	struct ns_nodes *n;

	pthread_mutex_lock(&fs->nodes_lock);
	n = ns_host(ns);
	if (!n) {
		n = calloc(1, sizeof(*n));
		if (n) {
			init_ns_nodes(n, ns, INO_NS_BASE + ((uint64_t)ns_session(ns) << 2));
			ns_get(ns);        /* the nodes keep their namespace */
			/* only sessions' are made here: the others are fixed */
			LIST_INSERT_HEAD(&fs->session_groups, n, in_list);
		}
	}
	pthread_mutex_unlock(&fs->nodes_lock);
	return n;
}

struct node *node_of_namespace(struct sfs *fs, struct ns *ns)
{
	struct ns_nodes *n = group_of_namespace(fs, ns);

	return n ? &n->dir : NULL;
}

struct node *node_of_ns_link(struct sfs *fs, struct ns *ns, enum name_link link)
{
	struct ns_nodes *n = group_of_namespace(fs, ns);

	return n ? &n->links[link] : NULL;
}

struct node *node_lookup_section(struct sfs *fs, struct section *sec)
{
	struct node *node;

	pthread_mutex_lock(&fs->nodes_lock);
	node = section_host(sec);
	if (node) {
		node->nlookup++;
		pthread_mutex_unlock(&fs->nodes_lock);
		section_put(sec);          /* the node holds its own reference already */
		return node;
	}
	node = calloc(1, sizeof(*node));
	if (node) {
		*node = (struct node){ .kind = NODE_SECTION, .ino = node_section_ino(sec),
				       .section = sec, .nlookup = 1 };
		section_set_host(sec, node);
		LIST_INSERT_HEAD(&fs->section_nodes, node, in_list);
	}
	pthread_mutex_unlock(&fs->nodes_lock);
	if (!node)
		section_put(sec);
	return node;
}

/* The kernel forgot n lookups of a session's namespace node. */
static void forget_group(struct sfs *fs, struct node *node, uint64_t n)
{
	struct ns_nodes *g;
	struct ns *gone = NULL;

	pthread_mutex_lock(&fs->nodes_lock);
	g = counted_group(node);
	if (g) {
		assert(g->nlookup >= n && "the kernel forgot more than it looked up");
		g->nlookup -= n;
		release_group_locked(g, &gone);
	}
	pthread_mutex_unlock(&fs->nodes_lock);
	ns_put(gone);
}

void node_forget(struct sfs *fs, struct node *node, uint64_t n)
{
	struct section *sec = NULL;

	if (node->kind != NODE_SECTION) {
		forget_group(fs, node, n);
		return;
	}
	pthread_mutex_lock(&fs->nodes_lock);
	assert(node->nlookup >= n && "the kernel forgot more than it looked up");
	node->nlookup -= n;
	if (node->nlookup == 0) {
		sec = node->section;
		section_set_host(sec, NULL);
		LIST_REMOVE(node, in_list);
	}
	pthread_mutex_unlock(&fs->nodes_lock);
	if (sec) {
		passthrough_forget(fs, node);   /* an ioctl: not under nodes_lock */
		section_put(sec);
		free(node);
	}
}

/* The modes the layout shows: one place, read by node_attr() and by the permission checks
 * (permissions.c), which must judge by exactly what stat shows. */
#define MODE_ROOT      0755
#define MODE_SESSIONS  0755
#define MODE_NAMESPACE 01777   /* like /tmp: anyone creates, only owners remove */
#define MODE_LINK      0777

static void dir_attr(struct sfs *fs, struct stat *st, mode_t mode, nlink_t nlink)
{
	st->st_mode = S_IFDIR | mode;
	st->st_nlink = nlink;
	st->st_uid = fs->owner_uid;
	st->st_gid = fs->owner_gid;
	st->st_size = 4096;
	st->st_blocks = 8;
}

static void link_attr(struct sfs *fs, struct stat *st, size_t target_len)
{
	st->st_mode = S_IFLNK | MODE_LINK;
	st->st_nlink = 1;
	st->st_uid = fs->owner_uid;
	st->st_gid = fs->owner_gid;
	st->st_size = (off_t)target_len;
}

static void ns_to_timespec(int64_t ns, struct timespec *ts)
{
	ts->tv_sec = ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
}

mode_t node_owner(struct sfs *fs, const struct node *node, struct section_owner *owner)
{
	switch (node->kind) {
	case NODE_SECTION:
		*owner = section_owner(node->section);
		if (section_kind(node->section) != OBJECT_SECTION)
			owner->mode |= S_ISVTX;   /* events, mutexes, semaphores: `ls -l` shows T */
		return S_IFREG;
	case NODE_ROOT:
	case NODE_SESSIONS:
	case NODE_NAMESPACE:
		*owner = (struct section_owner){ fs->owner_uid, fs->owner_gid,
						 node->kind == NODE_ROOT     ? MODE_ROOT :
						 node->kind == NODE_SESSIONS ? MODE_SESSIONS :
									       MODE_NAMESPACE };
		return S_IFDIR;
	case NODE_LOCAL:
	case NODE_SESSION0:
	case NODE_NS_LINK:
		break;
	}
	*owner = (struct section_owner){ fs->owner_uid, fs->owner_gid, MODE_LINK };
	return S_IFLNK;
}

void node_attr(struct sfs *fs, const struct node *node, struct stat *st)
{
	struct section_owner owner;
	mode_t type = node_owner(fs, node, &owner);
	char target[64];

	memset(st, 0, sizeof(*st));
	st->st_ino = node->ino;
	st->st_blksize = 4096;
	st->st_atim = st->st_mtim = st->st_ctim = fs->mounted;
	switch (node->kind) {
	case NODE_ROOT:
		dir_attr(fs, st, owner.mode, 5);
		break;
	case NODE_SESSIONS:
		dir_attr(fs, st, owner.mode, 2 + (nlink_t)store_sessions(fs->store, NULL, 0));
		break;
	case NODE_NAMESPACE:
		dir_attr(fs, st, owner.mode, 2);
		/* names coming and going change a directory, as on any filesystem */
		ns_to_timespec(ns_changed(node->ns), &st->st_mtim);
		st->st_ctim = st->st_mtim;
		break;
	case NODE_LOCAL:
	case NODE_SESSION0:
	case NODE_NS_LINK:
		link_attr(fs, st, strlen(node_link_target(node, 0, target, sizeof(target))));
		break;
	case NODE_SECTION: {
		int64_t a, m, c;
		/* In passthrough, writes reach the memfd without us: while a passthrough file is
		 * open, and for a file that others may write, its size is the size.  Otherwise the
		 * daemon knows it (the last close took it), and a listing costs no fstat. */
		bool may_have_grown = atomic_load(&node->backing_id) > 0 &&
				      (atomic_load(&node->passthrough_opens) > 0 ||
				       section_is_file_backed(node->section));
		uint64_t size = may_have_grown ? section_sync_size(node->section)
					       : section_size(node->section);
		st->st_mode = type | (owner.mode & (SECTION_MODE_BITS | S_ISVTX));
		st->st_nlink = section_has_name(node->section) ? 1 : 0;
		st->st_uid = owner.uid;
		st->st_gid = owner.gid;
		st->st_size = (off_t)size;
		st->st_blocks = (blkcnt_t)section_blocks(node->section);
		section_times(node->section, &a, &m, &c);
		ns_to_timespec(a, &st->st_atim);
		ns_to_timespec(m, &st->st_mtim);
		ns_to_timespec(c, &st->st_ctim);
		break;
	}
	}
}

void node_entry(struct sfs *fs, const struct node *node, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = node_id(fs, node);
	node_attr(fs, node, &e->attr);
	e->attr_timeout = node->kind == NODE_SECTION ? TIMEOUT_SECTION_ATTR : TIMEOUT_FOREVER;
	/* A session's directory is asked for at every walk: who may enter depends on the caller.
	 * So is a section whose name may go without the kernel seeing it go: a temporary one
	 * (C20: with its last handle, which may be a view's unmap or a process's exit) and a
	 * staged one (a rename moves the kernel's entry as it is, and the section may be made
	 * temporary before).  Telling the kernel instead would make the last CloseHandle wait
	 * for a notification that itself waits for the directory's lock. */
	bool name_may_vanish = node->kind == NODE_SECTION &&
			       (section_is_staged(node->section) ||
				section_lifetime(node->section) == SECTION_TEMPORARY);
	e->entry_timeout = (node->kind == NODE_NAMESPACE && ns_session(node->ns) != 0 &&
			    !ns_is_staging(node->ns)) || name_may_vanish ? 0.0 : TIMEOUT_FOREVER;
}

const char *node_link_target(const struct node *node, uint32_t caller, char *buf, size_t len)
{
	bool in_global = node->kind == NODE_NS_LINK && ns_session(node->ns) == 0;

	switch (node->kind) {
	case NODE_LOCAL: {
		/* Like /proc/self: built from the caller (attributes, which have none, show
		 * session 0's: the kernel asks READLINK at every walk anyway). */
		if (caller == 0)
			snprintf(buf, len, SECTIONFS_GLOBAL);
		else
			snprintf(buf, len, SECTIONFS_SESSIONS "/%u", caller);
		return buf;
	}
	case NODE_SESSION0:
		return "../" SECTIONFS_GLOBAL;
	case NODE_NS_LINK:
		switch (node->link) {
		case NAME_LINK_GLOBAL:
			return in_global ? "." : "../../" SECTIONFS_GLOBAL;
		case NAME_LINK_LOCAL:
			return ".";
		case NAME_LINK_SESSION:
			return in_global ? "../" SECTIONFS_SESSIONS : "..";
		default:
			break;
		}
		break;
	default:
		break;
	}
	return "";
}
