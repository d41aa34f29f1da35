/* The notifier: a thread that tells the kernel what changed behind its back.
 *
 * A notification must never be sent from a request handler or under a lock a handler needs
 * (FUSE-NOTES: notify_inval_inode waits for pages in-flight reads hold), so handlers queue them
 * here and return; the one exception, an inode no other request can hold, says why. */
#ifndef SECTIONFS_NOTIFY_H
#define SECTIONFS_NOTIFY_H

#include "sectionfs.h"

/* Starts the thread; NULL with errno set on failure. */
struct notifier *notifier_start(struct fuse_session *se);

/* Stops the thread after it has sent what is queued. */
void notifier_stop(struct notifier *n);

/* Queues "name in parent is gone" (its dentry is invalidated). */
void notifier_forget_name(struct notifier *n, fuse_ino_t parent, const char *name);

/* A staged section was just put over a file (user.section.backing): the kernel drops the
 * pages and size it had (the memfd's) and learns the file's size, where nothing would make it
 * ask (a map's fault past the size it knows is SIGBUS; only stat-like calls ask, and without
 * default_permissions opens do not): the last byte is stored into the page cache, which sets
 * the size.  Sent by the handler itself, before its reply (a getattr answered meanwhile would
 * be discarded as older than the invalidation), which is safe for this one inode: staged, it
 * is its creator's alone, and its creator is waiting in that very request, so no request of
 * anyone else's holds its pages. */
void notify_attached_file(struct fuse_session *se, fuse_ino_t ino, uint64_t size, char last_byte);

#endif
