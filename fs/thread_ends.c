/* Mutexes abandoned when the thread that owns them ends (H52).  A mutex taken by a WAIT ioctl
 * belongs to the calling thread (ops_sync.c); Windows abandons it as soon as that thread ends,
 * even while its process lives on.  The daemon learns of a thread's end through a pidfd of
 * the thread (PIDFD_THREAD, Linux 6.9): each thread that has waited on a mutex is watched,
 * once, by one thread of the daemon that sleeps in epoll_wait until one of them ends, then
 * has the mutexes that thread still owns abandoned (sync_thread_ended).  On an older kernel
 * nothing is watched, and a mutex is abandoned only when its owner's process lets go of it.
 *
 * A watch lasts until its thread ends, so the daemon holds one pidfd per live thread that has
 * ever waited on a mutex.  Thread ids are not reused while the watch of the old thread is
 * pending in practice (the kernel hands out every other pid first); were one reused in those
 * microseconds, the new thread's mutexes would be abandoned with the old one's. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <search.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sectionfs.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL         /* linux/pidfd.h since 6.9 */
#endif

struct watched_thread {
	pid_t tid, tgid;
	int pidfd;
};

struct thread_ends {
	struct sfs *fs;
	int epfd;
	int stop_fd;                /* an eventfd: written once, to stop */
	pthread_t thread;
	pthread_mutex_t lock;
	void *threads;              /* lock: tsearch tree of struct watched_thread, by tid */
};

static int compare_tid(const void *a, const void *b)
{
	pid_t x = ((const struct watched_thread *)a)->tid;
	pid_t y = ((const struct watched_thread *)b)->tid;

	return x < y ? -1 : x > y;
}

static int pidfd_of_thread(pid_t tid)
{
	return (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
}

/* One watched thread ended: off the tree, its pidfd closed, its mutexes abandoned. */
static void thread_ended(struct thread_ends *te, struct watched_thread *w)
{
	pthread_mutex_lock(&te->lock);
	tdelete(w, &te->threads, compare_tid);
	pthread_mutex_unlock(&te->lock);
	epoll_ctl(te->epfd, EPOLL_CTL_DEL, w->pidfd, NULL);
	close(w->pidfd);
	sync_thread_ended(te->fs, w->tid, w->tgid);
	free(w);
}

static void *watch_main(void *arg)
{
	struct thread_ends *te = arg;
	struct epoll_event events[16];

	for (;;) {
		int n = epoll_wait(te->epfd, events, 16, -1);

		if (n < 0 && errno != EINTR)
			return NULL;
		for (int i = 0; i < n; i++) {
			if (!events[i].data.ptr)
				return NULL;        /* stop_fd */
			thread_ended(te, events[i].data.ptr);
		}
	}
}

struct thread_ends *thread_ends_start(struct sfs *fs)
{
	struct thread_ends *te;
	struct epoll_event stop = { .events = EPOLLIN, .data.ptr = NULL };
	int probe = pidfd_of_thread(gettid());

	if (probe < 0)
		return NULL;                /* before Linux 6.9: no thread's end is seen */
	close(probe);
	te = calloc(1, sizeof(*te));
	if (!te)
		return NULL;
	te->fs = fs;
	te->epfd = epoll_create1(EPOLL_CLOEXEC);
	te->stop_fd = eventfd(0, EFD_CLOEXEC);
	pthread_mutex_init(&te->lock, NULL);
	if (te->epfd < 0 || te->stop_fd < 0 ||
	    epoll_ctl(te->epfd, EPOLL_CTL_ADD, te->stop_fd, &stop) < 0 ||
	    pthread_create(&te->thread, NULL, watch_main, te) != 0) {
		if (te->epfd >= 0)
			close(te->epfd);
		if (te->stop_fd >= 0)
			close(te->stop_fd);
		pthread_mutex_destroy(&te->lock);
		free(te);
		return NULL;
	}
	return te;
}

void thread_ends_watch(struct thread_ends *te, pid_t tid, pid_t tgid)
{
	struct watched_thread key = { .tid = tid }, *w;
	struct epoll_event ev = { .events = EPOLLIN };
	bool known;

	if (!te || tid <= 0)
		return;                     /* a caller outside the daemon's pid namespace has no id */
	pthread_mutex_lock(&te->lock);
	known = tfind(&key, &te->threads, compare_tid) != NULL;
	pthread_mutex_unlock(&te->lock);
	if (known)
		return;
	w = malloc(sizeof(*w));
	if (!w)
		return;
	/* The thread is in this very request, so it is alive unless it was killed meanwhile;
	 * then the pidfd says so at once, or there is none to open and its wait ends anyway. */
	*w = (struct watched_thread){ .tid = tid, .tgid = tgid, .pidfd = pidfd_of_thread(tid) };
	if (w->pidfd < 0) {
		free(w);
		return;
	}
	ev.data.ptr = w;
	pthread_mutex_lock(&te->lock);
	if (tfind(w, &te->threads, compare_tid) || !tsearch(w, &te->threads, compare_tid)) {
		pthread_mutex_unlock(&te->lock);   /* another request of the thread won */
		close(w->pidfd);
		free(w);
		return;
	}
	/* Added under the lock, so that a quick end, seen at once, finds w in the tree. */
	if (epoll_ctl(te->epfd, EPOLL_CTL_ADD, w->pidfd, &ev) < 0) {
		tdelete(w, &te->threads, compare_tid);
		close(w->pidfd);
		free(w);
	}
	pthread_mutex_unlock(&te->lock);
}

static void forget_watched(void *p)
{
	struct watched_thread *w = p;

	close(w->pidfd);
	free(w);
}

void thread_ends_stop(struct thread_ends *te)
{
	uint64_t one = 1;

	if (!te)
		return;
	/* An eventfd's write fails only when its count would overflow: never from 0. */
	if (write(te->stop_fd, &one, sizeof(one)) != sizeof(one))
		abort();
	pthread_join(te->thread, NULL);
	tdestroy(te->threads, forget_watched);
	close(te->epfd);
	close(te->stop_fd);
	pthread_mutex_destroy(&te->lock);
	free(te);
}
