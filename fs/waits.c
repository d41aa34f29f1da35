/* Waits that end later: a read of an event or a WAIT ioctl that cannot be answered at once is
 * left with the core (sync.h) and its handler returns, so a thousand waiters cost memory, not
 * threads; whichever thread ends the wait replies (fuse_reply_* may come from any thread once,
 * and over io_uring uring.c hands a reply made off the ring's thread back to it).
 *
 * Ending a wait exactly once: a signaller, the timer thread and a FUSE INTERRUPT all end it
 * through the core, which takes it off its queues under one lock, so exactly one of them gets
 * it.  The interrupt callback names the wait by its serial, never by a pointer: libfuse may
 * call it after the wait ended and its memory went.  It is set before the wait is left pending
 * (after that the request may be answered and freed by another thread at any moment), and the
 * core asks fuse_req_interrupted() under its lock just before leaving it pending, so an
 * interrupt that came first is not lost.
 *
 * Locks: the timer's lock guards its flags only and is taken with no other held. */
#include <errno.h>
#include <stdlib.h>

#include "sectionfs.h"
#include "sync.h"
#include "win32_constants.h"

struct wait_timer {
	struct worker w;
	bool kicked;                /* w.lock: a wait with a timeout came since the last look */
};

/* A request whose wait is pending. */
struct pending {
	fuse_req_t req;
	wait_reply_fn *reply;
	void *extra;
};

static void answer(struct pending *p, uint32_t result, uint32_t err)
{
	if (result == SYNC_WAIT_CANCELLED)
		fuse_reply_err(p->req, EINTR);   /* nothing was taken */
	else
		p->reply(p->req, result, err, p->extra);
	free(p->extra);
	free(p);
}

static void ended(void *ctx, uint32_t result)
{
	answer(ctx, result, ERROR_SUCCESS);
}

static bool interrupted(void *ctx)
{
	return fuse_req_interrupted(((struct pending *)ctx)->req);
}

/* libfuse calls it (holding the request) when the caller got a signal, maybe after the wait
 * ended: the serial finds the wait only if it is still pending. */
static void on_interrupt(fuse_req_t req, void *data)
{
	struct sfs *fs = fuse_req_userdata(req);

	sync_cancel(fs->store, (uint64_t)(uintptr_t)data);
}

static void kick_timer(struct wait_timer *t)
{
	pthread_mutex_lock(&t->w.lock);
	t->kicked = true;
	pthread_cond_signal(&t->w.wake);
	pthread_mutex_unlock(&t->w.lock);
}

void waits_start(struct sfs *fs, fuse_req_t req, struct sync_wait_spec *spec,
		 wait_reply_fn *reply, void *extra)
{
	struct pending *p = malloc(sizeof(*p));
	uint32_t result, err;

	if (!p) {
		free(extra);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	*p = (struct pending){ req, reply, extra };
	spec->serial = sync_serial(fs->store);
	spec->done = ended;
	spec->ctx = p;
	spec->cancelled = interrupted;
	_Static_assert(sizeof(uintptr_t) >= sizeof(uint64_t), "serials travel as pointers");
	if (spec->timeout_ms != 0)
		fuse_req_interrupt_func(req, on_interrupt, (void *)(uintptr_t)spec->serial);
	result = sync_wait(fs->store, spec, &err);
	if (result != SYNC_WAIT_PENDING) {
		answer(p, result, err);
		return;
	}
	/* From here on req and p are whoever ends the wait's. */
	if (spec->timeout_ms != INFINITE)
		kick_timer(fs->wait_timer);
}

static void *timer_main(void *arg)
{
	struct sfs *fs = arg;
	struct wait_timer *t = fs->wait_timer;
	struct worker *w = &t->w;

	pthread_mutex_lock(&w->lock);
	while (!w->stopping) {
		int64_t next;

		t->kicked = false;
		pthread_mutex_unlock(&w->lock);
		next = sync_expire(fs->store);   /* replies: no lock held */
		pthread_mutex_lock(&w->lock);
		if (w->stopping || t->kicked)
			continue;
		if (next < 0) {
			pthread_cond_wait(&w->wake, &w->lock);
		} else {
			struct timespec at = { next / 1000000000, next % 1000000000 };
			pthread_cond_timedwait(&w->wake, &w->lock, &at);
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int waits_timer_start(struct sfs *fs)
{
	struct wait_timer *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -1;
	fs->wait_timer = t;              /* before the thread, which reads it */
	err = worker_start(&t->w, timer_main, fs);
	if (err) {
		free(t);
		fs->wait_timer = NULL;
		errno = err;
		return -1;
	}
	return 0;
}

void waits_timer_stop(struct sfs *fs)
{
	struct wait_timer *t = fs->wait_timer;

	if (!t)
		return;
	worker_stop(&t->w);
	free(t);
	fs->wait_timer = NULL;
}
