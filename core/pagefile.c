/* The paging file (pagefile.h): a private tmpfs instance or memfds, and a pool of single pages. */
#include "pagefile.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct pagefile {
	enum pagefile_kind kind;        /* fixed */
	int mount_fd;                   /* TMPFS: the instance's root, detached; -1 for memfds */

	pthread_mutex_t lock;           /* innermost: the page pool below */
	int pool_fd;                    /* the file holding single pages; -1 until the first */
	uint64_t next_slot;             /* slots below it have been handed out at least once */
	uint64_t *free_slots;           /* slots given back, reused first */
	size_t n_free, free_capacity;
};

static struct pagefile *pagefile_alloc(enum pagefile_kind kind, int mount_fd)
{
	struct pagefile *pf = calloc(1, sizeof(*pf));

	if (!pf)
		return NULL;
	pf->kind = kind;
	pf->mount_fd = mount_fd;
	pf->pool_fd = -1;
	pthread_mutex_init(&pf->lock, NULL);
	return pf;
}

struct pagefile *pagefile_new_memfd(void)
{
	return pagefile_alloc(PAGEFILE_MEMFD, -1);
}

/* ---- making the tmpfs instance ---- */

static int set_option(int fs_fd, const char *key, const char *value)
{
	return (int)syscall(SYS_fsconfig, fs_fd, FSCONFIG_SET_STRING, key, value, 0);
}

/* A detached tmpfs mount of cap bytes and max_files + 2 inodes (its root and the page pool),
 * mode 0700, nothing executable: the descriptor of its root, or -1 with errno. */
static int mount_tmpfs(uint64_t cap, uint64_t max_files)
{
	char size[32], inodes[32];
	int fs_fd, mnt_fd = -1, saved;

	snprintf(size, sizeof(size), "%llu", (unsigned long long)cap);
	/* 0 is tmpfs's "no limit": the store bounds the count of sections by itself anyway */
	snprintf(inodes, sizeof(inodes), "%llu", max_files ? (unsigned long long)max_files + 2 : 0ULL);
	fs_fd = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs_fd < 0)
		return -1;
	if (set_option(fs_fd, "size", size) == 0 && set_option(fs_fd, "nr_inodes", inodes) == 0 &&
	    set_option(fs_fd, "mode", "0700") == 0 &&
	    syscall(SYS_fsconfig, fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		mnt_fd = (int)syscall(SYS_fsmount, fs_fd, FSMOUNT_CLOEXEC,
				      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	saved = errno;
	close(fs_fd);
	errno = saved;
	return mnt_fd;
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int send_fd(int sock, int fd)
{
	char byte = 0, control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = control, .msg_controllen = sizeof(control) };
	struct cmsghdr *c;

	memset(control, 0, sizeof(control));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/* The descriptor sent on sock, or -1 (with the child's errno, sent as the byte, when it sent
 * none). */
static int receive_fd(int sock)
{
	char byte = 0, control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = control, .msg_controllen = sizeof(control) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS) {
		errno = byte ? byte : EPERM;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* The same mount, made by a child inside a user and mount namespace of its own, where it may
 * mount tmpfs without privileges; the child sends the mount's descriptor back and exits.  The
 * instance then lives as long as the descriptor, wherever it was made. */
static int mount_tmpfs_in_user_namespace(uint64_t cap, uint64_t max_files)
{
	int sock[2], fd = -1, status;
	uid_t uid = getuid();
	gid_t gid = getgid();
	pid_t child;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) < 0)
		return -1;
	child = fork();
	if (child == 0) {
		char map[64];
		char err;
		int mnt;

		close(sock[0]);
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			goto child_failed;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		if (write_text("/proc/self/setgroups", "deny") < 0 ||
		    write_text("/proc/self/uid_map", map) < 0)
			goto child_failed;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		if (write_text("/proc/self/gid_map", map) < 0)
			goto child_failed;
		mnt = mount_tmpfs(cap, max_files);
		if (mnt < 0 || send_fd(sock[1], mnt) < 0)
			goto child_failed;
		_exit(0);
child_failed:
		err = (char)errno;
		if (write(sock[1], &err, 1) < 0)
			_exit(1);
		_exit(1);
	}
	close(sock[1]);
	if (child > 0) {
		fd = receive_fd(sock[0]);
		int saved = errno;
		waitpid(child, &status, 0);
		errno = saved;
	}
	close(sock[0]);
	return fd;
}

struct pagefile *pagefile_new_tmpfs(uint64_t cap, uint64_t max_files, char *why, size_t len)
{
	struct pagefile *pf;
	int mnt = mount_tmpfs(cap, max_files), direct_errno = errno;

	if (mnt < 0)
		mnt = mount_tmpfs_in_user_namespace(cap, max_files);
	if (mnt < 0) {
		snprintf(why, len, "no private tmpfs instance: mounting one gave \"%s\", and in a user "
			 "namespace of our own \"%s\"", strerror(direct_errno), strerror(errno));
		return NULL;
	}
	pf = pagefile_alloc(PAGEFILE_TMPFS, mnt);
	if (!pf) {
		close(mnt);
		snprintf(why, len, "out of memory");
	}
	return pf;
}

void pagefile_free(struct pagefile *pf)
{
	if (!pf)
		return;
	if (pf->pool_fd >= 0)
		close(pf->pool_fd);
	if (pf->mount_fd >= 0)
		close(pf->mount_fd);
	free(pf->free_slots);
	pthread_mutex_destroy(&pf->lock);
	free(pf);
}

enum pagefile_kind pagefile_kind(const struct pagefile *pf)
{
	return pf->kind;
}

int pagefile_new_file(struct pagefile *pf)
{
	if (pf->kind == PAGEFILE_MEMFD)
		return memfd_create("sectionfs", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	return openat(pf->mount_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
}

bool pagefile_file_alone(int fd)
{
	if (fd < 0 || fcntl(fd, F_SETLEASE, F_WRLCK) < 0)
		return false;
	fcntl(fd, F_SETLEASE, F_UNLCK);
	return true;
}

uint64_t pagefile_used(struct pagefile *pf)
{
	struct statfs sv;

	if (pf->kind != PAGEFILE_TMPFS || fstatfs(pf->mount_fd, &sv) < 0)
		return 0;
	return (uint64_t)(sv.f_blocks - sv.f_bfree) * (uint64_t)sv.f_bsize;
}

/* ---- the page pool ---- */

static off_t slot_offset(uint64_t slot)
{
	return (off_t)(slot * PAGEFILE_PAGE_SIZE);
}

/* A slot to fill, under pf->lock: a free one first. */
static int take_slot_locked(struct pagefile *pf, uint64_t *slot)
{
	if (pf->pool_fd < 0) {
		pf->pool_fd = pagefile_new_file(pf);
		if (pf->pool_fd < 0)
			return -errno;
	}
	if (pf->n_free) {
		*slot = pf->free_slots[--pf->n_free];
		return 0;
	}
	*slot = pf->next_slot++;
	return 0;
}

static int give_slot_locked(struct pagefile *pf, uint64_t slot)
{
	if (pf->n_free == pf->free_capacity) {
		size_t cap = pf->free_capacity ? pf->free_capacity * 2 : 64;
		uint64_t *grown = realloc(pf->free_slots, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		pf->free_slots = grown;
		pf->free_capacity = cap;
	}
	pf->free_slots[pf->n_free++] = slot;
	return 0;
}

static int pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	size_t put = 0;

	while (put < len) {
		ssize_t n = pwrite(fd, (const char *)buf + put, len - put, off + (off_t)put);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		put += (size_t)n;
	}
	return 0;
}

/* Releases a slot's memory (its bytes read as zeros until written again). */
static void release_slot(struct pagefile *pf, uint64_t slot)
{
	fallocate(pf->pool_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, slot_offset(slot),
		  PAGEFILE_PAGE_SIZE);
}

int pagefile_page_new(struct pagefile *pf, const void *data, uint64_t *slot)
{
	int err;

	pthread_mutex_lock(&pf->lock);
	err = take_slot_locked(pf, slot);
	if (!err) {
		err = pwrite_all(pf->pool_fd, data, PAGEFILE_PAGE_SIZE, slot_offset(*slot));
		if (err) {
			/* a page written in part still holds memory: let it go with the slot */
			release_slot(pf, *slot);
			if (give_slot_locked(pf, *slot) < 0 && *slot + 1 == pf->next_slot)
				pf->next_slot--;
		}
	}
	pthread_mutex_unlock(&pf->lock);
	return err;
}

int pagefile_page_read(struct pagefile *pf, uint64_t slot, void *buf, size_t len, size_t in_page)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(pf->pool_fd, (char *)buf + got, len - got,
				  slot_offset(slot) + (off_t)(in_page + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			memset((char *)buf + got, 0, len - got);
			break;
		}
		got += (size_t)n;
	}
	return 0;
}

int pagefile_page_write(struct pagefile *pf, uint64_t slot, const void *buf, size_t len,
			size_t in_page)
{
	/* the slot's page is allocated already: this never needs more memory */
	return pwrite_all(pf->pool_fd, buf, len, slot_offset(slot) + (off_t)in_page);
}

void pagefile_page_free(struct pagefile *pf, uint64_t slot)
{
	pthread_mutex_lock(&pf->lock);
	release_slot(pf, slot);
	if (give_slot_locked(pf, slot) < 0) {
		/* no memory to remember it: the slot stays unused, its page is released anyway */
	}
	pthread_mutex_unlock(&pf->lock);
}
