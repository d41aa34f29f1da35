/* FUSE requests served over io_uring (-o io_uring=auto|on|off): one queue per possible CPU, each
 * fed by rings whose threads are pinned to that CPU, so a request is served on its caller's CPU
 * with one system call (commit the reply and wait for the next request).  The kernel (Linux 6.14+, fuse
 * module parameter enable_uring=Y) offers it in INIT; libfuse 3.14 knows nothing of it, so
 * session_io.c adds it to our INIT reply, and the ring threads hand each request to
 * fuse_session_process_buf laid out as if read from /dev/fuse; the reply comes back through
 * session_io.c's writev hook (uring_take_reply).  FORGET, INTERRUPT and notifications stay on
 * /dev/fuse, served by the classic loop, which also serves everything when io_uring is off. */
#ifndef SECTIONFS_URING_H
#define SECTIONFS_URING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "sectionfs.h"

/* Before mounting: can io_uring be used (built with liburing, the kernel's enable_uring is Y)?
 * When not, why, in a sentence, into why. */
bool uring_possible(char *why, size_t len);

/* Our INIT reply (struct fuse_init_out, len bytes) on its way: when io_uring is wanted and
 * offered, makes the queues ready (rings, buffers, threads) and adds FUSE_OVER_IO_URING; true
 * when it changed the reply.  On failure the reply goes out without it: classic /dev/fuse, or
 * with io_uring=on the daemon stops (logged). */
bool uring_patch_init_reply(struct sfs *fs, void *reply, size_t len);

/* The INIT reply was written (the kernel now takes registrations): the queues register their
 * entries; logs which transport is in use. */
void uring_init_replied(struct sfs *fs);

/* A reply on its way (writev hook): when it answers a request that came through a ring, it is
 * copied into that ring's entry and committed by the ring's thread; returns the bytes taken,
 * or 0 when the reply is not a ring request's (it goes to /dev/fuse). */
size_t uring_take_reply(struct sfs *fs, const struct iovec *iov, int count);

/* The transport in use, for user.section.transport on the root: "io_uring queues=N
 * served=A,B,..." or "dev_fuse". */
int uring_describe(struct sfs *fs, char *buf, size_t len);

/* After the session loop: stops and joins the ring threads, frees the rings. */
void uring_stop(struct sfs *fs);

/* After mounting, before any thread, when io_uring may be used: starts the process that
 * lazily unmounts `where` (device major:minor) if this daemon dies without unmounting (a
 * SIGKILL): the kernel tears an io_uring connection down asynchronously, and fusermount3's
 * auto_unmount, which unmounts only a mount that answers ENOTCONN, can come too early and leave
 * a dead mount.  Returns 0, or -1 (errno). */
int uring_start_unmount_watch(struct sfs *fs, const char *where);

/* main(): argv of the watch process (see above); returns its exit status, or -1 when argv is
 * not the watch's. */
int uring_unmount_watch_main(int argc, char **argv);

#endif
