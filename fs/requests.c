/* How many requests of each kind the daemon has been asked, counted where every request is read
 * (session_io.c) and answered as the mount root's attribute user.section.requests.  Round trips
 * decide metadata speed: this is how the tests and the benchmark count them, not estimate them. */
#include <linux/fuse.h>
#include <stdio.h>

#include "sectionfs.h"

static const char *const opcode_names[SFS_OPCODES] = {
	[FUSE_LOOKUP] = "LOOKUP", [FUSE_FORGET] = "FORGET", [FUSE_GETATTR] = "GETATTR",
	[FUSE_SETATTR] = "SETATTR", [FUSE_READLINK] = "READLINK", [FUSE_SYMLINK] = "SYMLINK",
	[FUSE_MKNOD] = "MKNOD", [FUSE_MKDIR] = "MKDIR", [FUSE_UNLINK] = "UNLINK",
	[FUSE_RMDIR] = "RMDIR", [FUSE_RENAME] = "RENAME", [FUSE_LINK] = "LINK",
	[FUSE_OPEN] = "OPEN", [FUSE_READ] = "READ", [FUSE_WRITE] = "WRITE",
	[FUSE_STATFS] = "STATFS", [FUSE_RELEASE] = "RELEASE", [FUSE_FSYNC] = "FSYNC",
	[FUSE_SETXATTR] = "SETXATTR", [FUSE_GETXATTR] = "GETXATTR",
	[FUSE_LISTXATTR] = "LISTXATTR", [FUSE_REMOVEXATTR] = "REMOVEXATTR",
	[FUSE_FLUSH] = "FLUSH", [FUSE_INIT] = "INIT", [FUSE_OPENDIR] = "OPENDIR",
	[FUSE_READDIR] = "READDIR", [FUSE_RELEASEDIR] = "RELEASEDIR",
	[FUSE_FSYNCDIR] = "FSYNCDIR", [FUSE_GETLK] = "GETLK", [FUSE_SETLK] = "SETLK",
	[FUSE_SETLKW] = "SETLKW", [FUSE_ACCESS] = "ACCESS", [FUSE_CREATE] = "CREATE",
	[FUSE_INTERRUPT] = "INTERRUPT", [FUSE_BMAP] = "BMAP", [FUSE_DESTROY] = "DESTROY",
	[FUSE_IOCTL] = "IOCTL", [FUSE_POLL] = "POLL", [FUSE_NOTIFY_REPLY] = "NOTIFY_REPLY",
	[FUSE_BATCH_FORGET] = "BATCH_FORGET", [FUSE_FALLOCATE] = "FALLOCATE",
	[FUSE_READDIRPLUS] = "READDIRPLUS", [FUSE_RENAME2] = "RENAME2", [FUSE_LSEEK] = "LSEEK",
	[FUSE_COPY_FILE_RANGE] = "COPY_FILE_RANGE",
};

void requests_count(struct sfs *fs, uint32_t opcode)
{
	atomic_fetch_add_explicit(&fs->requests[opcode < SFS_OPCODES ? opcode : 0], 1,
				  memory_order_relaxed);
}

int requests_text(struct sfs *fs, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned op = 0; op < SFS_OPCODES; op++) {
		uint64_t n = atomic_load_explicit(&fs->requests[op], memory_order_relaxed);
		int w;

		if (!n)
			continue;
		if (opcode_names[op])
			w = snprintf(buf + used, len - used, "%s %llu\n", opcode_names[op],
				     (unsigned long long)n);
		else   /* 0 counts the opcodes past the table: none the kernel sends today */
			w = snprintf(buf + used, len - used, "OPCODE_%u %llu\n", op,
				     (unsigned long long)n);
		if (w < 0 || (size_t)w >= len - used)
			return -1;
		used += (size_t)w;
	}
	return (int)used;
}
