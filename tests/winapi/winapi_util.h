/* What the winapi suites share: the mount, unique names, child processes and how they report,
 * pipes and gates to order processes, and looks at the mount (files, xattrs, bytes used).
 *
 * Children never use CUnit asserts: a child function returns 0 on success, or fails through
 * CHILD_CHECK, which prints what failed on stderr and returns the line number (mod 250, never
 * 0) as the exit status.  wu_run()/wu_wait() give that status, or 128 + the signal. */
#ifndef WINAPI_UTIL_H
#define WINAPI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "winmap.h"

/* The longest any helper waits for another process (a safety net, not a measurement). */
#define WU_TIMEOUT_MS 15000

/* ---- the mount ---- */

/* $SECTIONFS_ROOT (the runner's mount); aborts the program when unset. */
const char *wu_root(void);
/* "MOUNT/dir/leaf".  These three return strings that live as long as the program. */
const char *wu_mpath(const char *dir, const char *leaf);
/* A leaf unique to this run and call: "<tag>-<pid>-<n>". */
const char *wu_uniq(const char *tag);
/* a followed by b: "Global\\" and a leaf. */
const char *wu_cat(const char *a, const char *b);

bool wu_exists(const char *path);
/* Polls until path exists (present) or is gone (!present); false after WU_TIMEOUT_MS. */
bool wu_wait_path(const char *path, bool present);
/* Bytes the mount's sections use now (statvfs, as the runner counts them). */
uint64_t wu_used_bytes(void);
/* Polls until the mount uses exactly `bytes`; false after WU_TIMEOUT_MS. */
bool wu_wait_used(uint64_t bytes);
/* Sections in Global/ and Staging/ (the namespace links not counted). */
int wu_count_sections(void);
/* Waits until exactly n sections are left: a plain close() of a section's file reaches the
 * daemon a moment after it returns, and a temporary section's name goes only then (C20). */
bool wu_wait_sections(int n);
/* getxattr(path, name) as a NUL-terminated string; false (buf "") when it fails. */
bool wu_xattr(const char *path, const char *name, char *buf, size_t len);
/* The same for a number ("user.section.handles"); -1 when it fails. */
long wu_xattr_num(const char *path, const char *name);
/* st_size of path, or -1. */
long long wu_file_size(const char *path);

/* ---- files in /tmp ---- */

/* "/tmp/winapi-<tag>-<pid>-<n>" into buf (nothing is made). */
void wu_tmp_path(char *buf, size_t len, const char *tag);
/* Makes path with n bytes, byte i being wu_pattern(i, seed); false on failure. */
bool wu_make_file(const char *path, size_t n, unsigned seed);
/* Reads up to n bytes at off of path with pread(2); bytes read, or -1. */
ssize_t wu_read_file(const char *path, void *buf, size_t n, off_t off);
static inline unsigned char wu_pattern(size_t i, unsigned seed)
{
	return (unsigned char)((i * 131u + seed * 17u + (i >> 8)) & 0xFF);
}
/* Does p hold wu_pattern(from..from+n)? */
bool wu_check_pattern(const void *p, size_t n, size_t from, unsigned seed);
void wu_fill_pattern(void *p, size_t n, size_t from, unsigned seed);
bool wu_all_zero(const void *p, size_t n);

/* ---- child processes ---- */

typedef int (*wu_child_fn)(void *arg);
/* Forks a child that returns fn(arg) as its exit status (_exit, never back into CUnit). */
pid_t wu_spawn(wu_child_fn fn, void *arg);
/* The child's exit status, 128 + signal when killed, -1 when it cannot be waited for; a child
 * still running after WU_TIMEOUT_MS is killed (SIGKILL) and reported as 128 + SIGKILL. */
int wu_wait(pid_t pid);
int wu_run(wu_child_fn fn, void *arg);
/* In a child about to fault on purpose (a touch the protection forbids): SIGSEGV and SIGBUS get
 * their default action back, so the child dies of the signal as the test expects, even under
 * AddressSanitizer, whose own handler would report the fault and exit instead. */
void wu_expect_fault(void);

#define CHILD_CHECK(cond)                                                                  \
	do {                                                                               \
		if (!(cond)) {                                                             \
			DWORD wu_err_ = GetLastError();                                    \
			fprintf(stderr, "child %d: %s:%d: %s failed (GetLastError %u)\n",  \
				(int)getpid(), __FILE__, __LINE__, #cond, (unsigned)wu_err_);  \
			return __LINE__ % 250 + 1;                                         \
		}                                                                          \
	} while (0)

/* How many threads of process pid are asleep in a FUSE request now (wchan
 * "request_wait_answer"): a waiter whose wait the daemon holds, once its other requests are
 * done.  wu_wait_in_fuse() polls until at least n are; false after WU_TIMEOUT_MS. */
int wu_threads_in_fuse(pid_t pid);
bool wu_wait_in_fuse(pid_t pid, int n);

/* ---- ordering processes ---- */

/* A pipe: one side sends bytes or values, the other receives them. */
struct wu_pipe {
	int r, w;
};
bool wu_pipe_open(struct wu_pipe *p);
void wu_pipe_close(struct wu_pipe *p);
/* Sends n bytes / receives exactly n bytes (false at end of file, on error or after
 * WU_TIMEOUT_MS). */
bool wu_send(struct wu_pipe *p, const void *buf, size_t n);
bool wu_recv(struct wu_pipe *p, void *buf, size_t n);
/* Nothing arrives for ms milliseconds (a process that must still be blocked has not spoken). */
bool wu_quiet(struct wu_pipe *p, int ms);
static inline bool wu_signal(struct wu_pipe *p)
{
	return wu_send(p, "!", 1);
}
static inline bool wu_await(struct wu_pipe *p)
{
	char c;
	return wu_recv(p, &c, 1);
}

/* A gate many children wait at and the parent opens for all at once: children wait for end of
 * file on the read side, the parent closes the write side.  Open it before forking. */
struct wu_gate {
	struct wu_pipe pipe;
};
static inline bool wu_gate_open(struct wu_gate *g)
{
	return wu_pipe_open(&g->pipe);
}
/* In a child: drop the write side and wait for the parent to open the gate. */
bool wu_gate_wait(struct wu_gate *g);
/* In the parent: open it (and let go of the read side). */
static inline void wu_gate_release(struct wu_gate *g)
{
	wu_pipe_close(&g->pipe);
}

/* Memory shared with children forked later (MAP_SHARED | MAP_ANONYMOUS), zeroed. */
void *wu_shared(size_t n);
void wu_unshared(void *p, size_t n);

/* ---- winmap shorthands ---- */

/* A named paging-file section (PAGE_READWRITE) of size bytes; NULL on failure. */
HANDLE wu_create(const char *name, DWORD size);
/* VirtualQuery into *mbi; false when it fails. */
bool wu_query(const void *p, MEMORY_BASIC_INFORMATION *mbi);

/* ---- asserts for the parent (CUnit), printing the values they compare ---- */
#ifdef CUNIT_CUNIT_H_SEEN
#define ASSERT_EQ(actual, expected)                                                           \
	do {                                                                                  \
		unsigned long long a_ = (unsigned long long)(actual);                         \
		unsigned long long x_ = (unsigned long long)(expected);                       \
		if (a_ != x_)                                                                 \
			fprintf(stderr, "\n    %s:%d: %s is %llu (0x%llx), expected %s = %llu (0x%llx)", \
				__FILE__, __LINE__, #actual, a_, a_, #expected, x_, x_);      \
		CU_assertImplementation(a_ == x_, __LINE__, #actual " == " #expected, __FILE__, \
					"", CU_FALSE);                                        \
	} while (0)
/* GetLastError() is exactly `expected` (call it right after the call it checks). */
#define ASSERT_ERR(expected) ASSERT_EQ(GetLastError(), expected)
#define ASSERT_STR(actual, expected)                                                          \
	do {                                                                                  \
		const char *a_ = (actual), *x_ = (expected);                                  \
		bool same_ = a_ && x_ && !strcmp(a_, x_);                                     \
		if (!same_)                                                                   \
			fprintf(stderr, "\n    %s:%d: %s is \"%s\", expected \"%s\"", __FILE__,   \
				__LINE__, #actual, a_ ? a_ : "(null)", x_ ? x_ : "(null)");   \
		CU_assertImplementation(same_, __LINE__, #actual " == " #expected, __FILE__,  \
					"", CU_FALSE);                                        \
	} while (0)
/* A child's exit status is 0 (the child printed why when it is not). */
#define ASSERT_CHILD_OK(status) ASSERT_EQ(status, 0)
#endif

#endif
