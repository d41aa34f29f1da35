/* model_worker: one of the processes test_model.py drives.  It keeps open files and maps across
 * commands and does exactly one system call (or one copy through a map) per command, so that the
 * test decides the order of everything that happens to the mount.
 *
 * Commands are lines on stdin; those that write take LEN raw bytes right after their line:
 *   open S FLAGS PATH        fd slot S = open(PATH, FLAGS)          -> ok 0
 *   close S                  close(fd S)                            -> ok 0
 *   read S LEN               read(fd S, LEN)                        -> data
 *   write S LEN + bytes      write(fd S, bytes)                     -> ok WRITTEN
 *   pread S OFF LEN          pread(fd S, LEN, OFF)                  -> data
 *   pwrite S OFF LEN + bytes pwrite(fd S, bytes, OFF)               -> ok WRITTEN
 *   seek S OFF               lseek(fd S, OFF, SEEK_SET)             -> ok POS
 *   ftrunc S SIZE            ftruncate(fd S, SIZE)                  -> ok 0
 *   trunc SIZE PATH          truncate(PATH, SIZE)                   -> ok 0
 *   fstat S                  fstat(fd S)                            -> ok SIZE
 *   evict S                  posix_fadvise(fd S, POSIX_FADV_DONTNEED): drop the page cache
 *   mmap M S OFF LEN PROT    map slot M = mmap(LEN, PROT, MAP_SHARED, fd S, OFF) -> ok 0
 *   mmapp M FLAGS OFF LEN PROT PATH   the same through an open of PATH closed at once
 *   mread M OFF LEN          LEN bytes at OFF in map M              -> data
 *   mwrite M OFF LEN + bytes store bytes at OFF in map M            -> ok LEN
 *   munmap M                 munmap(map M)                          -> ok 0
 * Answers: "ok N\n", "err ERRNO\n", or for data "ok N\n" followed by N raw bytes.  A bad command
 * ends the worker with status 2; a SIGBUS (a map touched past the end of its file) kills it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { SLOTS = 256 };

static int fds[SLOTS];
static struct {
	char *addr;
	size_t len;
} maps[SLOTS];
static char *buf;
static size_t buf_len;

static void die(const char *what, const char *line)
{
	fprintf(stderr, "model_worker: %s: %s\n", what, line);
	exit(2);
}

static char *room(size_t len)
{
	if (len > buf_len) {
		free(buf);
		buf = malloc(len);
		if (!buf)
			die("out of memory", "");
		buf_len = len;
	}
	return buf;
}

/* The LEN bytes that follow a writing command. */
static char *payload(size_t len)
{
	char *p = room(len ? len : 1);

	if (len && fread(p, 1, len, stdin) != len)
		die("short payload", "");
	return p;
}

static void answer(long long n)
{
	printf("ok %lld\n", n);
}

static void answer_err(void)
{
	printf("err %d\n", errno);
}

static void answer_result(long long r)
{
	if (r < 0)
		answer_err();
	else
		answer(r);
}

static void answer_data(const char *p, long long n)
{
	if (n < 0) {
		answer_err();
		return;
	}
	answer(n);
	if (n && fwrite(p, 1, (size_t)n, stdout) != (size_t)n)
		exit(3);
}

static int slot(long s, const char *line)
{
	if (s < 0 || s >= SLOTS)
		die("bad slot", line);
	return (int)s;
}

static void map_into(int m, int fd, long long off, size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, off);

	if (p == MAP_FAILED) {
		answer_err();
		return;
	}
	maps[m].addr = p;
	maps[m].len = len;
	answer(0);
}

int main(void)
{
	char line[4096 + 256], cmd[16];
	long s, m;
	long long a, b;
	int flags, prot, n;

	for (int i = 0; i < SLOTS; i++)
		fds[i] = -1;
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%15s", cmd) != 1)
			die("empty command", line);
		errno = 0;
		if (!strcmp(cmd, "open")) {
			if (sscanf(line, "open %ld %d %n", &s, &flags, &n) != 2)
				die("bad command", line);
			int fd = open(line + n, flags);
			if (fd >= 0)
				fds[slot(s, line)] = fd;
			answer_result(fd < 0 ? -1 : 0);
		} else if (!strcmp(cmd, "close")) {
			if (sscanf(line, "close %ld", &s) != 1)
				die("bad command", line);
			answer_result(close(fds[slot(s, line)]));
			fds[s] = -1;
		} else if (!strcmp(cmd, "read")) {
			if (sscanf(line, "read %ld %lld", &s, &a) != 2)
				die("bad command", line);
			char *p = room((size_t)a + 1);
			answer_data(p, read(fds[slot(s, line)], p, (size_t)a));
		} else if (!strcmp(cmd, "write")) {
			if (sscanf(line, "write %ld %lld", &s, &a) != 2)
				die("bad command", line);
			char *p = payload((size_t)a);
			answer_result(write(fds[slot(s, line)], p, (size_t)a));
		} else if (!strcmp(cmd, "pread")) {
			if (sscanf(line, "pread %ld %lld %lld", &s, &a, &b) != 3)
				die("bad command", line);
			char *p = room((size_t)b + 1);
			answer_data(p, pread(fds[slot(s, line)], p, (size_t)b, a));
		} else if (!strcmp(cmd, "pwrite")) {
			if (sscanf(line, "pwrite %ld %lld %lld", &s, &a, &b) != 3)
				die("bad command", line);
			char *p = payload((size_t)b);
			answer_result(pwrite(fds[slot(s, line)], p, (size_t)b, a));
		} else if (!strcmp(cmd, "seek")) {
			if (sscanf(line, "seek %ld %lld", &s, &a) != 2)
				die("bad command", line);
			answer_result(lseek(fds[slot(s, line)], a, SEEK_SET));
		} else if (!strcmp(cmd, "ftrunc")) {
			if (sscanf(line, "ftrunc %ld %lld", &s, &a) != 2)
				die("bad command", line);
			answer_result(ftruncate(fds[slot(s, line)], a));
		} else if (!strcmp(cmd, "trunc")) {
			if (sscanf(line, "trunc %lld %n", &a, &n) != 1)
				die("bad command", line);
			answer_result(truncate(line + n, a));
		} else if (!strcmp(cmd, "fstat")) {
			struct stat st;
			if (sscanf(line, "fstat %ld", &s) != 1)
				die("bad command", line);
			answer_result(fstat(fds[slot(s, line)], &st) < 0 ? -1 : (long long)st.st_size);
		} else if (!strcmp(cmd, "evict")) {
			if (sscanf(line, "evict %ld", &s) != 1)
				die("bad command", line);
			errno = posix_fadvise(fds[slot(s, line)], 0, 0, POSIX_FADV_DONTNEED);
			answer_result(errno ? -1 : 0);
		} else if (!strcmp(cmd, "mmap")) {
			if (sscanf(line, "mmap %ld %ld %lld %lld %d", &m, &s, &a, &b, &prot) != 5)
				die("bad command", line);
			map_into(slot(m, line), fds[slot(s, line)], a, (size_t)b, prot);
		} else if (!strcmp(cmd, "mmapp")) {
			if (sscanf(line, "mmapp %ld %d %lld %lld %d %n", &m, &flags, &a, &b, &prot,
				   &n) != 5)
				die("bad command", line);
			int fd = open(line + n, flags);
			if (fd < 0) {
				answer_err();
			} else {
				map_into(slot(m, line), fd, a, (size_t)b, prot);
				close(fd);       /* only the map holds it now */
			}
		} else if (!strcmp(cmd, "mread")) {
			if (sscanf(line, "mread %ld %lld %lld", &m, &a, &b) != 3)
				die("bad command", line);
			m = slot(m, line);
			if (!maps[m].addr || a < 0 || b < 0 || (size_t)(a + b) > maps[m].len)
				die("outside the map", line);
			answer_data(maps[m].addr + a, b);
		} else if (!strcmp(cmd, "mwrite")) {
			if (sscanf(line, "mwrite %ld %lld %lld", &m, &a, &b) != 3)
				die("bad command", line);
			m = slot(m, line);
			char *p = payload((size_t)b);
			if (!maps[m].addr || a < 0 || b < 0 || (size_t)(a + b) > maps[m].len)
				die("outside the map", line);
			memcpy(maps[m].addr + a, p, (size_t)b);
			answer(b);
		} else if (!strcmp(cmd, "munmap")) {
			if (sscanf(line, "munmap %ld", &m) != 1)
				die("bad command", line);
			m = slot(m, line);
			answer_result(munmap(maps[m].addr, maps[m].len));
			maps[m].addr = NULL;
		} else {
			die("unknown command", line);
		}
		if (fflush(stdout) != 0)
			return 3;
	}
	return 0;
}
