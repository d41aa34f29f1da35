/* The notifier: a thread that tells the kernel what changed behind its back.
 *
 * A notification must never be sent from a request handler or under a lock a handler needs
 * (FUSE-NOTES: notify_inval_inode waits for pages in-flight reads hold), so handlers queue them
 * here and return. */
#ifndef SECTIONFS_NOTIFY_H
#define SECTIONFS_NOTIFY_H

#include "sectionfs.h"

/* Starts the thread; NULL with errno set on failure. */
struct notifier *notifier_start(struct fuse_session *se);

/* Stops the thread after it has sent what is queued. */
void notifier_stop(struct notifier *n);

/* Queues "name in parent is gone" (its dentry is invalidated). */
void notifier_forget_name(struct notifier *n, fuse_ino_t parent, const char *name);

/* Queues "drop the cached pages and attributes of ino". */
void notifier_drop_cache(struct notifier *n, fuse_ino_t ino);

/* Waits until what was queued before the call has been sent, or timeout_ms passed: a request
 * that must not return before the kernel forgot a name waits here (off the notifier thread, so
 * the kernel's notification never waits for us; the timeout rules out a wait on a thread that
 * waits for us). */
/* Tells the kernel an inode's size, where nothing would make it ask (a map's fault past the
 * size it knows is SIGBUS; only stat-like calls ask, and without default_permissions opens do
 * not): the inode's last byte is stored into its page cache, which sets the size to `size`.
 * Only for data no one else can be writing at the time (a staged section, in its creator's
 * own call). */
void notifier_show_size(struct notifier *n, fuse_ino_t ino, uint64_t size, char last_byte);

void notifier_drain(struct notifier *n, unsigned timeout_ms);

/* How long a request waits in notifier_drain before it replies anyway. */
#define NOTIFIER_DRAIN_MS 2000

#endif
