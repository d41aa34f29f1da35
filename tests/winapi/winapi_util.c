/* The winapi suites' helpers: see winapi_util.h. */
#include "winapi_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>

/* Strings that live as long as the program: test programs are short, and a test may keep a
 * name as long as it likes.  They are freed at exit, so that LeakSanitizer, which checks the
 * test programs at exit, reports only what a test or libwinmap really lost. */
struct kept_string {
	struct kept_string *next;
	char s[];
};

static _Atomic(struct kept_string *) kept_strings;
static pthread_once_t kept_once = PTHREAD_ONCE_INIT;

static void free_kept_strings(void)
{
	struct kept_string *k = atomic_exchange(&kept_strings, NULL);

	while (k) {
		struct kept_string *next = k->next;
		free(k);
		k = next;
	}
}

/* Registered at the first kept string, after the sanitizer runtime's own exit check: atexit
 * handlers run in reverse, so the strings are freed before the leak check looks. */
static void free_kept_strings_at_exit(void)
{
	if (atexit(free_kept_strings) != 0)
		abort();
}

static char *kept(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *kept(const char *fmt, ...)
{
	struct kept_string *k;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(k = malloc(sizeof(*k) + (size_t)n + 1)))
		abort();
	va_start(ap, fmt);
	vsnprintf(k->s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	pthread_once(&kept_once, free_kept_strings_at_exit);
	k->next = atomic_load(&kept_strings);
	while (!atomic_compare_exchange_weak(&kept_strings, &k->next, k))
		;
	return k->s;
}

static atomic_uint counter;

const char *wu_root(void)
{
	const char *root = getenv("SECTIONFS_ROOT");

	if (!root || !*root) {
		fprintf(stderr, "SECTIONFS_ROOT is not set: run me with run_with_mount.py\n");
		abort();
	}
	return root;
}

const char *wu_mpath(const char *dir, const char *leaf)
{
	return kept("%s/%s/%s", wu_root(), dir, leaf);
}

const char *wu_uniq(const char *tag)
{
	return kept("%s-%d-%u", tag, (int)getpid(), atomic_fetch_add(&counter, 1));
}

const char *wu_cat(const char *a, const char *b)
{
	return kept("%s%s", a, b);
}

bool wu_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)ms * 1000000 };

	nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool wu_wait_path(const char *path, bool present)
{
	int64_t end = now_ms() + WU_TIMEOUT_MS;

	for (;;) {
		if (wu_exists(path) == present)
			return true;
		if (now_ms() > end)
			return false;
		sleep_ms(2);
	}
}

uint64_t wu_used_bytes(void)
{
	struct statvfs sv;

	if (statvfs(wu_root(), &sv) < 0)
		return UINT64_MAX;
	return (uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
}

bool wu_wait_used(uint64_t bytes)
{
	int64_t end = now_ms() + WU_TIMEOUT_MS;

	for (;;) {
		if (wu_used_bytes() == bytes)
			return true;
		if (now_ms() > end)
			return false;
		sleep_ms(2);
	}
}

static int count_dir(const char *dir)
{
	DIR *d = opendir(wu_mpath(dir, ""));
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "Global") &&
		    strcmp(e->d_name, "Local") && strcmp(e->d_name, "Session"))
			n++;
	closedir(d);
	return n;
}

int wu_count_sections(void)
{
	int g = count_dir("Global"), s = count_dir("Staging");

	return g < 0 || s < 0 ? -1 : g + s;
}

bool wu_wait_sections(int n)
{
	int64_t end = now_ms() + WU_TIMEOUT_MS;

	for (;;) {
		if (wu_count_sections() == n)
			return true;
		if (now_ms() > end)
			return false;
		sleep_ms(2);
	}
}

bool wu_xattr(const char *path, const char *name, char *buf, size_t len)
{
	ssize_t n = getxattr(path, name, buf, len - 1);

	if (n < 0) {
		buf[0] = '\0';
		return false;
	}
	buf[n] = '\0';
	return true;
}

long wu_xattr_num(const char *path, const char *name)
{
	char buf[64];

	if (!wu_xattr(path, name, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

long long wu_file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

void wu_tmp_path(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "/tmp/winapi-%s-%d-%u", tag, (int)getpid(), atomic_fetch_add(&counter, 1));
}

bool wu_make_file(const char *path, size_t n, unsigned seed)
{
	unsigned char *data = malloc(n ? n : 1);
	bool ok = false;
	int fd;

	if (!data)
		return false;
	wu_fill_pattern(data, n, 0, seed);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		ok = write(fd, data, n) == (ssize_t)n;
		ok = close(fd) == 0 && ok;
	}
	free(data);
	return ok;
}

ssize_t wu_read_file(const char *path, void *buf, size_t n, off_t off)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return -1;
	got = pread(fd, buf, n, off);
	close(fd);
	return got;
}

bool wu_check_pattern(const void *p, size_t n, size_t from, unsigned seed)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != wu_pattern(from + i, seed))
			return false;
	return true;
}

void wu_fill_pattern(void *p, size_t n, size_t from, unsigned seed)
{
	unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = wu_pattern(from + i, seed);
}

bool wu_all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

pid_t wu_spawn(wu_child_fn fn, void *arg)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		int status = fn(arg);
		fflush(stderr);
		_exit(status);
	}
	return pid;
}

int wu_wait(pid_t pid)
{
	int64_t end = now_ms() + WU_TIMEOUT_MS;
	int status;

	if (pid <= 0)
		return -1;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now_ms() > end) {
			fprintf(stderr, "child %d did not finish: killing it\n", (int)pid);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		sleep_ms(1);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

int wu_run(wu_child_fn fn, void *arg)
{
	return wu_wait(wu_spawn(fn, arg));
}

void wu_expect_fault(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	sigemptyset(&dfl.sa_mask);
	sigaction(SIGSEGV, &dfl, NULL);
	sigaction(SIGBUS, &dfl, NULL);
}

bool wu_pipe_open(struct wu_pipe *p)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return false;
	p->r = fds[0];
	p->w = fds[1];
	return true;
}

void wu_pipe_close(struct wu_pipe *p)
{
	if (p->r >= 0)
		close(p->r);
	if (p->w >= 0)
		close(p->w);
	p->r = p->w = -1;
}

bool wu_send(struct wu_pipe *p, const void *buf, size_t n)
{
	const char *b = buf;

	while (n) {
		ssize_t k = write(p->w, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		b += k;
		n -= (size_t)k;
	}
	return true;
}

/* Waits for fd to be readable (or at end of file). */
static bool readable(int fd, int64_t end)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = end - now_ms();
		if (left < 0)
			return false;
		int r = poll(&pfd, 1, (int)left);
		if (r > 0)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
	}
}

bool wu_recv(struct wu_pipe *p, void *buf, size_t n)
{
	int64_t end = now_ms() + WU_TIMEOUT_MS;
	char *b = buf;

	while (n) {
		if (!readable(p->r, end))
			return false;
		ssize_t k = read(p->r, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		b += k;
		n -= (size_t)k;
	}
	return true;
}

int wu_threads_in_fuse(pid_t pid)
{
	char path[320], wchan[64];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/wchan", (int)pid, d->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t k = fd >= 0 ? read(fd, wchan, sizeof(wchan) - 1) : -1;
		if (fd >= 0)
			close(fd);
		wchan[k > 0 ? k : 0] = '\0';
		n += !strcmp(wchan, "request_wait_answer");
	}
	closedir(dir);
	return n;
}

bool wu_wait_in_fuse(pid_t pid, int n)
{
	int64_t end = now_ms() + WU_TIMEOUT_MS;

	while (wu_threads_in_fuse(pid) < n) {
		if (now_ms() > end)
			return false;
		sleep_ms(1);
	}
	return true;
}

bool wu_quiet(struct wu_pipe *p, int ms)
{
	return !readable(p->r, now_ms() + ms);
}

bool wu_gate_wait(struct wu_gate *g)
{
	char c;

	if (g->pipe.w >= 0) {
		close(g->pipe.w);
		g->pipe.w = -1;
	}
	if (!readable(g->pipe.r, now_ms() + WU_TIMEOUT_MS))
		return false;
	return read(g->pipe.r, &c, 1) == 0;
}

void *wu_shared(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void wu_unshared(void *p, size_t n)
{
	if (p)
		munmap(p, n);
}

HANDLE wu_create(const char *name, DWORD size)
{
	return CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, size, name);
}

bool wu_query(const void *p, MEMORY_BASIC_INFORMATION *mbi)
{
	memset(mbi, 0xCC, sizeof(*mbi));
	return VirtualQuery(p, mbi, sizeof(*mbi)) == sizeof(*mbi);
}
