/* Views: MapViewOfFile(Ex), UnmapViewOfFile, FlushViewOfFile (D22-D31, D35), and the commit
 * state of SEC_RESERVE views (D33).
 *
 * A view of a named section is an open file of its own, declared a view to the daemon and kept
 * open while mapped; a view of an unnamed section is a core view handle.  Every view keeps one
 * byte a page: the page's Windows protection, or 0 while it is only reserved. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"
#include "errors.h"
#include "handle.h"
#include "protect.h"
#include "sectionfs/protocol.h"
#include "section.h"
#include "view.h"

#define PAGE WIN32_PAGE_SIZE
#define GRANULARITY WIN32_ALLOCATION_GRANULARITY
/* How many times MapViewOfFile plans a view of a named section whose size changes under it. */
#define MAP_ATTEMPTS 4

struct wm_view {
	struct wm_view *next;
	uintptr_t base;
	size_t length;              /* page-rounded */
	uint64_t mapped_end;        /* offset + the view's exact length, for E36 */
	uint64_t offset;            /* where in the section it starts */
	int fd;                     /* named: the view's open file; -1 for unnamed */
	struct handle *local;       /* unnamed: the core view handle */
	int prot;                   /* PROT_* of the view */
	uint32_t view_protect;      /* PAGE_* of the view (AllocationProtect) */
	uint32_t attributes;        /* the section's SEC_* */
	bool file_backed;
	dev_t dev;                  /* which section: the view file's identity (named) */
	uint64_t ino;               /* (wm_fd_identity) */
	const struct section *section;  /* which section (unnamed) */
	dev_t backing_dev;          /* file-backed: the file (E36) */
	ino_t backing_ino;
	uint8_t *page_protect;      /* one a page: PAGE_* when committed, 0 when reserved */
};

static pthread_mutex_t views_lock = PTHREAD_MUTEX_INITIALIZER;
/* The fault handler that makes commits made elsewhere usable (below), installed with the
 * first SEC_RESERVE view. */
static pthread_once_t fault_handler_once = PTHREAD_ONCE_INIT;
static void install_fault_handler(void);
static bool refresh_commits_locked(struct wm_view *v, size_t first, size_t end);
static struct wm_view *views;      /* views_lock */

static struct wm_view *find_locked(uintptr_t addr)
{
	for (struct wm_view *v = views; v; v = v->next)
		if (addr >= v->base && addr < v->base + v->length)
			return v;
	return NULL;
}

static bool same_section(const struct wm_view *a, const struct wm_view *b)
{
	if (a->section || b->section)
		return a->section == b->section;
	return a->dev == b->dev && a->ino == b->ino;
}

/* ---- commit state (D33) ---- */

/* SEC_RESERVE: a view's pages are committed one by one (D33).  A file-backed section's pages are
 * all there, whatever its attributes say. */
static bool commits_by_page(const struct wm_view *v)
{
	return (v->attributes & SEC_RESERVE) && !v->file_backed;
}

/* ---- mapping ---- */

/* The open file for a view of a named section, declared a view to the daemon.  The daemon plans
 * the view again with the section's true size: should its length differ from plan's, made with
 * the size winmap knew, the section changed size since; then -1 and *stale, no error set. */
static int open_named_view(const struct wm_section *s, const struct view_request *rq,
			   const struct view_plan *plan, bool *stale)
{
	struct sectionfs_view req = {
		.handle_access = rq->handle_access,
		.desired_access = rq->desired_access,
		.offset = rq->offset,
		.size = rq->size,
	};
	char path[64];
	int writable = plan->shared && (plan->prot & PROT_WRITE);
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", s->fd);
	fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		wm_fail_errno(errno);
		return -1;
	}
	if (ioctl(fd, SECTIONFS_IOC_BECOME_VIEW, &req) < 0 || req.result) {
		wm_fail(req.result ? req.result : winerr_from_errno(errno));
		wm_close_retired(fd);
		return -1;
	}
	if (req.length != plan->length) {
		*stale = true;
		wm_close_retired(fd);   /* never mapped: the view goes now */
		return -1;
	}
	return fd;
}

/* The section's size for the view rules: an unnamed section's own; a named one's as winmap last
 * learnt it, asked of the daemon again when `refresh` (one round trip, which a view of a
 * section whose size has not changed since the handle was made does without). */
static uint64_t current_size(struct wm_section *s, bool refresh)
{
	struct sectionfs_info info = { 0 };

	if (s->local)
		return section_size(handle_section(s->local));
	if (refresh && ioctl(s->fd, SECTIONFS_IOC_INFO, &info) == 0 && !info.result)
		__atomic_store_n(&s->size, info.size, __ATOMIC_RELAXED);
	return __atomic_load_n(&s->size, __ATOMIC_RELAXED);
}

/* ---- MapViewOfFileEx, step by step ---- */

/* The view rules' question (D22-D28) for a view of s. */
static struct view_request view_request_of(struct wm_section *s, DWORD access,
					   uint64_t offset, SIZE_T size, LPVOID base, bool refresh)
{
	return (struct view_request){
		.section_protect = s->protect,
		.section_size = current_size(s, refresh),
		.handle_access = s->access,
		.desired_access = access,
		.offset = offset,
		.size = size,
		.base = (uintptr_t)base,
	};
}

/* The record of a view of s as plan makes it, every page still reserved, no handle yet; NULL
 * (ERROR_NOT_ENOUGH_MEMORY) when there is no memory for it. */
static struct wm_view *new_view(const struct wm_section *s, const struct view_request *rq,
				const struct view_plan *plan)
{
	struct wm_view *v = calloc(1, sizeof(*v));
	size_t pages = (plan->length + PAGE - 1) / PAGE;

	if (!v || !(v->page_protect = calloc(pages, 1))) {
		free(v);
		wm_fail(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	v->fd = -1;
	v->length = pages * PAGE;
	v->offset = rq->offset;
	v->mapped_end = rq->offset + plan->length;
	v->prot = plan->prot;
	v->view_protect = plan->page_protect;
	v->attributes = s->attributes;
	v->file_backed = s->file_backed;
	v->backing_dev = s->backing_dev;
	v->backing_ino = s->backing_ino;
	return v;
}

/* Gives v its own hold on the section, which the view keeps until it is unmapped: a core view
 * handle (unnamed), or an open file the daemon counts as a view (named).  Returns the
 * descriptor to map; -1 with the last error set. */
static int open_view(struct wm_view *v, const struct wm_section *s,
		     const struct view_request *rq, const struct view_plan *plan, bool *stale)
{
	DWORD err;

	if (s->local) {
		err = handle_open(handle_section(s->local), s->access, &v->local);
		if (!err)
			err = handle_become_view(v->local);
		if (err) {
			wm_fail(err);
			return -1;
		}
		v->section = handle_section(v->local);
		return section_fd(handle_section(v->local));
	}
	v->fd = open_named_view(s, rq, plan, stale);
	if (v->fd < 0)
		return -1;
	/* which section (nothing to say if the kernel cannot tell: the view still works) */
	wm_fd_identity(v->fd, &v->dev, &v->ino);
	return v->fd;
}

/* Maps v at base, or where the system picks when base is NULL; a SEC_RESERVE view starts
 * reserved, its pages inaccessible.  Returns the address; NULL with the last error set. */
static void *map_view(struct wm_view *v, void *base, const struct view_plan *plan, int map_fd)
{
	void *p = wm_map_aligned(base, plan->length, commits_by_page(v) ? PROT_NONE : plan->prot,
				 plan->shared ? MAP_SHARED : MAP_PRIVATE, map_fd, v->offset);

	if (!p) {
		wm_fail(winerr_from_map_errno(errno));                  /* D28 */
		return NULL;
	}
	v->base = (uintptr_t)p;
	return p;
}

/* Makes a mapped v known to VirtualQuery, VirtualAlloc and UnmapViewOfFile, its pages usable as
 * far as the section has committed them. */
static void publish_view(struct wm_view *v)
{
	if (commits_by_page(v))
		pthread_once(&fault_handler_once, install_fault_handler);
	pthread_mutex_lock(&views_lock);
	if (commits_by_page(v))
		refresh_commits_locked(v, 0, v->length / PAGE);
	else
		memset(v->page_protect, (int)v->view_protect, v->length / PAGE);
	v->next = views;
	views = v;
	pthread_mutex_unlock(&views_lock);
}

/* A view that was never published: its hold on the section and its record go. */
static void discard_view(struct wm_view *v)
{
	if (v->local)
		handle_close(v->local);
	if (v->fd >= 0)
		wm_close_retired(v->fd);      /* never mapped: the view goes now */
	free(v->page_protect);
	free(v);
}

/* One try at MapViewOfFileEx on s, the view rules applied with the size winmap knows, or with
 * `refresh` the daemon's.  NULL with *stale set when a named section's size may have changed
 * since winmap learnt it, so that the try's error (or its length) may be wrong: then the caller
 * tries again with `refresh`. */
static void *map_once(struct wm_section *s, DWORD access, uint64_t offset, SIZE_T size,
		      LPVOID base, bool refresh, bool *stale)
{
	struct view_request rq = view_request_of(s, access, offset, size, base, refresh);
	struct wm_view *v = NULL;
	struct view_plan plan;
	void *p = NULL;
	DWORD err = view_plan(&rq, &plan);                             /* D22-D28 */

	if (err) {
		*stale = !s->local && !refresh;
		wm_fail(err);
		return NULL;
	}
	v = new_view(s, &rq, &plan);
	if (!v)
		return NULL;
	int map_fd = open_view(v, s, &rq, &plan, stale);
	if (map_fd >= 0)
		p = map_view(v, base, &plan, map_fd);
	if (p)
		publish_view(v);     /* v may be unmapped by another thread from here on */
	else
		discard_view(v);
	return p;
}

LPVOID WINAPI MapViewOfFileEx(HANDLE h, DWORD access, DWORD off_high, DWORD off_low, SIZE_T size,
			      LPVOID base)
{
	struct wm_object *obj = wm_object_get(h, WM_SECTION);
	uint64_t offset = (uint64_t)off_high << 32 | off_low;
	bool stale = false;
	void *p;

	if (!obj)
		return NULL;
	/* The first try with the size winmap knows; should it have changed, again with the
	 * daemon's.  A size that changes between every two requests gives up as a name that comes
	 * and goes does in CreateFileMapping. */
	for (int attempt = 0; attempt < MAP_ATTEMPTS; attempt++) {
		stale = false;
		p = map_once(&obj->section, access, offset, size, base, attempt > 0, &stale);
		if (p || !stale)
			break;
	}
	if (!p && stale)
		wm_fail(ERROR_SHARING_VIOLATION);
	wm_object_put(obj);
	return p;
}

LPVOID WINAPI MapViewOfFile(HANDLE h, DWORD access, DWORD off_high, DWORD off_low, SIZE_T size)
{
	return MapViewOfFileEx(h, access, off_high, off_low, size, NULL);
}

BOOL WINAPI UnmapViewOfFile(LPCVOID addr)
{
	struct wm_view *v = NULL, **link;

	pthread_mutex_lock(&views_lock);
	for (link = &views; *link; link = &(*link)->next)
		if ((uintptr_t)addr >= (*link)->base && (uintptr_t)addr < (*link)->base + (*link)->length) {
			v = *link;
			*link = v->next;
			break;
		}
	pthread_mutex_unlock(&views_lock);
	if (!v) {
		wm_fail(ERROR_INVALID_ADDRESS);                         /* D31 */
		return FALSE;
	}
	munmap((void *)v->base, v->length);
	if (v->local) {
		handle_close(v->local);        /* C21 for unnamed sections */
	} else {
		wm_close_retired(v->fd);      /* the daemon sees the view go now */
	}
	free(v->page_protect);
	free(v);
	return TRUE;
}

BOOL WINAPI FlushViewOfFile(LPCVOID addr, SIZE_T n)
{
	uintptr_t start, end;
	int fd = -1;
	bool file_backed;

	pthread_mutex_lock(&views_lock);
	struct wm_view *v = find_locked((uintptr_t)addr);
	if (v) {
		file_backed = v->file_backed;
		start = (uintptr_t)addr & ~(uintptr_t)(PAGE - 1);
		end = n ? (uintptr_t)addr + n : v->base + v->length;    /* D35: 0 is to the end */
		if (end > v->base + v->length)
			end = v->base + v->length;
		if (v->fd >= 0)
			fd = fcntl(v->fd, F_DUPFD_CLOEXEC, 0);   /* usable after the lock goes */
	}
	pthread_mutex_unlock(&views_lock);
	if (!v) {
		wm_fail(ERROR_INVALID_ADDRESS);
		return FALSE;
	}
	if (!file_backed) {
		if (fd >= 0)
			close(fd);
		return TRUE;               /* D35: the paging file has nowhere to go */
	}
	int err = msync((void *)start, end - start, MS_SYNC) < 0 ? errno : 0;
	if (!err && fd >= 0 && fsync(fd) < 0)
		err = errno;
	if (fd >= 0)
		close(fd);
	if (err) {
		wm_fail_errno(err);
		return FALSE;
	}
	return TRUE;
}

/* ---- what virtual.c and files.c ask of views ---- */

bool wm_views_of_file(dev_t dev, ino_t ino)
{
	bool found = false;

	pthread_mutex_lock(&views_lock);
	for (struct wm_view *v = views; v && !found; v = v->next)
		found = v->file_backed && v->backing_dev == dev && v->backing_ino == ino;
	pthread_mutex_unlock(&views_lock);
	return found;
}

/* The run of the view's pages from `first` (at most `pages`) that share its commit state in the
 * section, in pages; *committed says which.  One lookup: the core's, or one ioctl. */
static size_t commit_run(const struct wm_view *v, size_t first, size_t pages, bool *committed)
{
	uint64_t off = v->offset + (uint64_t)first * PAGE;

	if (!commits_by_page(v)) {
		*committed = true;
		return pages;
	}
	if (v->section)
		return (size_t)(section_commit_run((struct section *)v->section, off,
						   (uint64_t)pages * PAGE, committed) / PAGE);
	struct sectionfs_commit_run c = { .offset = off, .limit = (uint64_t)pages * PAGE };
	if (ioctl(v->fd, SECTIONFS_IOC_COMMIT_RUN, &c) < 0 || c.result || !c.run) {
		*committed = false;   /* as if reserved: nothing is made usable on a failed answer */
		return 1;
	}
	*committed = c.committed;
	return (size_t)(c.run / PAGE);
}

/* How many of the n bytes from p equal b, 8 at a time where they can. */
static size_t leading(const uint8_t *p, size_t n, uint8_t b)
{
	uint64_t all = 0x0101010101010101ull * b, word;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&word, p + i, sizeof(word));
		if (word != all)
			break;
	}
	while (i < n && p[i] == b)
		i++;
	return i;
}

/* Under views_lock: pages [first, end) are committed in the section; those this view has
 * not seen committed (another view or process committed them) become usable with the view's
 * own protection. */
static void adopt_commits_locked(struct wm_view *v, size_t first, size_t end)
{
	for (size_t i = first; i < end;) {
		uint8_t *zero = memchr(v->page_protect + i, 0, end - i);
		if (!zero)
			break;
		size_t from = (size_t)(zero - v->page_protect);
		size_t n = leading(zero, end - from, 0);
		memset(zero, (int)v->view_protect, n);
		mprotect((void *)(v->base + from * PAGE), n * PAGE, v->prot);
		i = from + n;
	}
}

/* Under views_lock: makes the pages of v in [first, end) that the section has committed since
 * usable, a run at a time; false when some page there is still reserved. */
static bool refresh_commits_locked(struct wm_view *v, size_t first, size_t end)
{
	bool all = true;

	for (size_t i = first; i < end;) {
		bool committed;
		size_t run = commit_run(v, i, end - i, &committed);
		if (committed)
			adopt_commits_locked(v, i, i + run);
		else
			all = false;
		i += run;
	}
	return all;
}

bool wm_view_query(const void *addr, struct wm_view_query *q)
{
	pthread_mutex_lock(&views_lock);
	struct wm_view *v = find_locked((uintptr_t)addr);
	if (v) {
		size_t first = ((uintptr_t)addr - v->base) / PAGE, i;
		bool committed;
		size_t run = commit_run(v, first, v->length / PAGE - first, &committed);
		if (committed)
			adopt_commits_locked(v, first, first + run);
		uint8_t state = v->page_protect[first];
		/* reserved pages are reserved everywhere: the run is the region; committed ones
		 * may carry different protections in this view */
		i = first + (committed ? leading(v->page_protect + first, run, state) : run);
		uint32_t modifier = protect_view_modifier(v->attributes);   /* SEC_NOCACHE */
		q->base = v->base;
		q->length = v->length;
		q->page = v->base + first * PAGE;
		q->region = (i - first) * PAGE;
		q->view_protect = v->view_protect | modifier;
		q->page_protect = state ? state | modifier : 0;
	}
	pthread_mutex_unlock(&views_lock);
	return v != NULL;
}

/* Does `protect` fit a view whose pages are `view_prot`? */
DWORD wm_view_commit(const void *addr, size_t len, uint32_t protect, void **start_out)
{
	DWORD err = ERROR_SUCCESS;

	pthread_mutex_lock(&views_lock);
	struct wm_view *v = find_locked((uintptr_t)addr);
	uintptr_t start = (uintptr_t)addr & ~(uintptr_t)(PAGE - 1);
	uintptr_t end = ((uintptr_t)addr + len + PAGE - 1) & ~(uintptr_t)(PAGE - 1);

	if (!v || end > v->base + v->length || end <= start)
		err = ERROR_INVALID_ADDRESS;
	else if (v->file_backed)
		err = ERROR_ACCESS_DENIED;                               /* D34 */
	else
		err = view_commit_check(v->view_protect, protect);      /* D34 */
	if (!err) {
		uint64_t off = v->offset + (start - v->base);
		if (v->attributes & SEC_RESERVE) {                       /* D33: for the section */
			if (v->section) {
				err = section_commit((struct section *)v->section, off, end - start);
			} else {
				struct sectionfs_commit c = { .offset = off, .length = end - start };
				err = ioctl(v->fd, SECTIONFS_IOC_COMMIT, &c) < 0 ? winerr_from_errno(errno)
										   : c.result;
			}
		}
		if (!err) {
			/* This view takes the protection asked; other views of the section in this
			 * process see the range committed with their own. */
			for (struct wm_view *o = views; o; o = o->next)
				if (o != v && same_section(o, v))
					refresh_commits_locked(o, 0, o->length / PAGE);
			memset(v->page_protect + (start - v->base) / PAGE, (int)protect, (end - start) / PAGE);
			/* Linux gives the pages no more than the view's map allows: a WRITECOPY
			 * commit in a shared view reads, and writes nothing (not copied). */
			if (mprotect((void *)start, end - start, protect_prot(protect) & v->prot) < 0)
				err = winerr_from_errno(errno);
			*start_out = (void *)start;
		}
	}
	pthread_mutex_unlock(&views_lock);
	return err;
}

/* Under views_lock: pages [first, end) of v become copy-on-write, a private map of the same
 * file over them: they show the section until written, and what is written stays here. */
static DWORD make_private_locked(struct wm_view *v, size_t first, size_t end)
{
	int fd = v->section ? section_fd((struct section *)v->section) : v->fd;
	void *at = (void *)(v->base + first * PAGE);

	if (fd < 0 || mmap(at, (end - first) * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_FIXED, fd, (off_t)(v->offset + first * PAGE)) == MAP_FAILED)
		return ERROR_NOT_ENOUGH_MEMORY;
	return ERROR_SUCCESS;
}

DWORD wm_view_protect(const void *addr, size_t len, uint32_t protect, uint32_t *old)
{
	DWORD err = ERROR_SUCCESS;

	pthread_mutex_lock(&views_lock);
	struct wm_view *v = find_locked((uintptr_t)addr);
	uintptr_t start = (uintptr_t)addr & ~(uintptr_t)(PAGE - 1);
	uintptr_t end = ((uintptr_t)addr + (len ? len : 1) + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
	size_t first, last;

	if (!v || end > v->base + v->length || end <= start) {
		err = ERROR_INVALID_PARAMETER;
		goto out;
	}
	first = (start - v->base) / PAGE;
	last = (end - v->base) / PAGE;
	if (!refresh_commits_locked(v, first, last)) {      /* commits made elsewhere count */
		err = ERROR_INVALID_ADDRESS;                       /* a reserved page */
		goto out;
	}
	err = view_commit_check(v->view_protect, protect);
	if (err)
		goto out;
	/* Linux gives no more than the view's map has, except that a copy-on-write page of a
	 * shared view is a private map of its own, which may be written */
	bool copy = protect_is_copy_on_write(protect);
	if (copy && !protect_is_copy_on_write(v->view_protect))
		err = make_private_locked(v, first, last);
	int prot = (protect_prot(protect) & v->prot) | (copy ? PROT_WRITE : 0);
	if (!err && mprotect((void *)start, end - start, prot) < 0)
		err = winerr_from_errno(errno);
	if (!err) {
		*old = v->page_protect[first];
		memset(v->page_protect + first, (int)protect, last - first);
	}
out:
	pthread_mutex_unlock(&views_lock);
	return err;
}

/* ---- commits made elsewhere, usable at the first touch ----
 *
 * A page of a SEC_RESERVE view stays inaccessible here until this process learns that the
 * section committed it; Windows lets the next touch in every process succeed.  So a touch of
 * such a page faults into on_fault(), which asks the section (one lookup) and, when the page is
 * committed, makes the run usable and returns: the access is retried.  Any other fault goes to
 * the handler that was there before (the program's own, a sanitizer's, or the default action),
 * as Wine chains its own. */
static struct sigaction chained;   /* the SIGSEGV handler before ours */

/* Is addr in a page of a view that this process saw reserved and the section has committed
 * since?  Then that run of pages is usable now. */
static bool adopt_commit_at(uintptr_t addr)
{
	bool adopted = false, committed;

	pthread_mutex_lock(&views_lock);   /* never held by a thread touching a view */
	struct wm_view *v = find_locked(addr);
	if (v && commits_by_page(v)) {
		size_t i = (addr - v->base) / PAGE;
		if (!v->page_protect[i]) {
			size_t run = commit_run(v, i, v->length / PAGE - i, &committed);
			if (committed) {
				adopt_commits_locked(v, i, i + run);
				adopted = true;
			}
		}
	}
	pthread_mutex_unlock(&views_lock);
	return adopted;
}

static void on_fault(int sig, siginfo_t *si, void *context)
{
	int saved = errno;

	if (adopt_commit_at((uintptr_t)si->si_addr)) {
		errno = saved;
		return;
	}
	errno = saved;
	if (chained.sa_flags & SA_SIGINFO) {
		chained.sa_sigaction(sig, si, context);
	} else if (chained.sa_handler == SIG_DFL || chained.sa_handler == SIG_IGN) {
		/* the program had no handler: put the default back, and the access, retried on
		 * return, faults as it would have without winmap */
		sigaction(sig, &chained, NULL);
	} else {
		chained.sa_handler(sig);
	}
}

static void install_fault_handler(void)
{
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO | SA_ONSTACK };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &chained);
}
