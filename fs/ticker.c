/* A thread that does one thing every few seconds until it is stopped: the session sweeper
 * (sessions.c) and the cap watch (cap_watch.c).  Stopping wakes it at once; the thing is never
 * done after ticker_stop() has returned. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "sectionfs.h"

struct ticker {
	void (*tick)(void *arg);
	void *arg;
	unsigned interval_s;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;               /* lock */
};

static void *ticker_main(void *p)
{
	struct ticker *t = p;
	struct timespec until;

	pthread_mutex_lock(&t->lock);
	while (!t->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += t->interval_s;
		while (!t->stopping && pthread_cond_timedwait(&t->wake, &t->lock, &until) != ETIMEDOUT)
			;
		if (t->stopping)
			break;
		pthread_mutex_unlock(&t->lock);
		t->tick(t->arg);
		pthread_mutex_lock(&t->lock);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

struct ticker *ticker_start(void (*tick)(void *arg), void *arg, unsigned interval_s)
{
	struct ticker *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	*t = (struct ticker){ .tick = tick, .arg = arg, .interval_s = interval_s };
	pthread_mutex_init(&t->lock, NULL);
	cond_init_monotonic(&t->wake);
	if (pthread_create(&t->thread, NULL, ticker_main, t) != 0) {
		pthread_cond_destroy(&t->wake);
		pthread_mutex_destroy(&t->lock);
		free(t);
		return NULL;
	}
	return t;
}

void ticker_stop(struct ticker *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->stopping = true;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->wake);
	pthread_mutex_destroy(&t->lock);
	free(t);
}
