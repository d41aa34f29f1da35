/* FUSE passthrough: the kernel serves read, write and mmap of a section straight from its memfd,
 * so the data path costs what tmpfs costs and the data is held once.
 *
 * Which sections: published paging-file sections that are not copy-on-write.  The kernel wants
 * every open of an inode in one mode once a passthrough open exists, so the choice is per
 * section and fixed once published; staged sections open direct-I/O (allowed beside later
 * passthrough opens), copy-on-write and file-backed ones stay in cached mode with every rule of
 * the daemon.
 *
 * How: with libfuse >= 3.17 through its API; with older libfuse (Debian 12 has 3.14) through the
 * kernel protocol, a stable ABI: a custom I/O layer adds the passthrough flags to the INIT reply
 * and OPEN/CREATE replies are built by hand with the backing id (FUSE-NOTES). */
#ifndef SECTIONFS_PASSTHROUGH_H
#define SECTIONFS_PASSTHROUGH_H

#include "sectionfs.h"

/* Before mounting: can this process have passthrough (CAP_SYS_ADMIN, Linux >= 6.9)?  When not,
 * why, in a sentence, into why. */
bool passthrough_possible(char *why, size_t len);

/* The kernel's INIT request offered these flags (session_io.c): does it offer passthrough? */
void passthrough_saw_init(struct sfs *fs, uint64_t kernel_flags);

/* Our INIT reply (a struct fuse_init_out of len bytes) on its way to the kernel: adds the
 * passthrough flags libfuse 3.14 cannot say when passthrough is on; true when it changed it. */
bool passthrough_patch_init_reply(struct sfs *fs, void *reply, size_t len);

/* In init(): asks for passthrough (libfuse >= 3.17) and settles whether it is on.  Logs the
 * outcome once. */
void passthrough_init_done(struct sfs *fs, struct fuse_conn_info *conn);

/* The backing id of sec's memfd, registered on first use; <0 (and passthrough off from now on,
 * logged once) when the kernel refuses. */
int passthrough_backing_id(struct sfs *fs, struct node *node);

/* sec lost its name (unlink): when no file has it open through passthrough, its node's backing
 * id goes now, not at FORGET.  The kernel's hold on the backing file keeps the section's tmpfs
 * file, and so its slot (nr_sections) and bytes, alive; and FORGET comes through /dev/fuse, which
 * the next request, served over io_uring, may overtake: a create right after an unlink at the
 * bound would get ENOSPC.  A later open registers the file again.  No lock held. */
void passthrough_unnamed(struct sfs *fs, struct section *sec);

/* Drops a node's backing id (the node is going; called with no lock held). */
void passthrough_forget(struct sfs *fs, struct node *node);

/* Open and create replies for a passthrough open. */
int passthrough_reply_open(fuse_req_t req, struct fuse_file_info *fi, int backing_id);
int passthrough_reply_create(fuse_req_t req, const struct fuse_entry_param *e,
			     struct fuse_file_info *fi, int backing_id);

#endif
