/* FUSE over io_uring, kernel protocol 7.42 (Linux 6.14): the names Debian 12's <linux/fuse.h>
 * (7.38) predates, defined here as the kernel's uapi has them (a stable ABI). */
#ifndef SECTIONFS_FUSE_URING_ABI_H
#define SECTIONFS_FUSE_URING_ABI_H

#include <linux/fuse.h>
#include <stdint.h>

#ifndef FUSE_OVER_IO_URING
#define FUSE_OVER_IO_URING (1ULL << 41)       /* INIT flags2 bit 9 */
#endif

#ifndef FUSE_URING_IN_OUT_HEADER_SZ
#define FUSE_URING_IN_OUT_HEADER_SZ 128
#define FUSE_URING_OP_IN_OUT_SZ 128

/* What the kernel says of the request in an entry, and we of the reply. */
struct fuse_uring_ent_in_out {
	uint64_t flags;
	uint64_t commit_id;         /* the request's unique: names it in the commit */
	uint32_t payload_sz;        /* bytes used in the payload buffer */
	uint32_t padding;
	uint64_t reserved;
};

/* An entry's header buffer (iov[0] of REGISTER). */
struct fuse_uring_req_header {
	char in_out[FUSE_URING_IN_OUT_HEADER_SZ];   /* fuse_in_header / fuse_out_header */
	char op_in[FUSE_URING_OP_IN_OUT_SZ];        /* the request's first argument */
	struct fuse_uring_ent_in_out ring_ent_in_out;
};

enum fuse_uring_cmd {
	FUSE_IO_URING_CMD_INVALID = 0,
	FUSE_IO_URING_CMD_REGISTER = 1,         /* give the kernel an entry; completes with a request */
	FUSE_IO_URING_CMD_COMMIT_AND_FETCH = 2, /* reply, and wait for the next request */
};

/* In the command area of a 128-byte SQE. */
struct fuse_uring_cmd_req {
	uint64_t flags;
	uint64_t commit_id;
	uint16_t qid;               /* the queue: its CPU's number */
	uint8_t padding[6];
};
#endif

_Static_assert(sizeof(struct fuse_uring_req_header) == 288, "fuse_uring_req_header");
_Static_assert(sizeof(struct fuse_uring_cmd_req) == 24, "fuse_uring_cmd_req");

#endif
