/* A thread that does one thing every few seconds until it is stopped: the session sweeper
 * (sessions.c) and the cap watch (cap_watch.c).  Stopping wakes it at once; the thing is never
 * done after ticker_stop() has returned. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "sectionfs.h"

struct ticker {
	struct worker w;
	void (*tick)(void *arg);
	void *arg;
	unsigned interval_s;
};

static void *ticker_main(void *p)
{
	struct ticker *t = p;
	struct worker *w = &t->w;
	struct timespec until;

	pthread_mutex_lock(&w->lock);
	while (!w->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += t->interval_s;
		while (!w->stopping && pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT)
			;
		if (w->stopping)
			break;
		pthread_mutex_unlock(&w->lock);
		t->tick(t->arg);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct ticker *ticker_start(void (*tick)(void *arg), void *arg, unsigned interval_s)
{
	struct ticker *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	*t = (struct ticker){ .tick = tick, .arg = arg, .interval_s = interval_s };
	if (worker_start(&t->w, ticker_main, t) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

void ticker_stop(struct ticker *t)
{
	if (!t)
		return;
	worker_stop(&t->w);
	free(t);
}
