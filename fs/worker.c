/* A thread of the daemon's own with what each such thread needs around it: a lock, a wake-up
 * on the monotonic clock and a stop flag (the ticker, the wait timer, the notifier).  Stopping
 * sets the flag under the lock, wakes the thread and joins it: the thread sees the flag the
 * next time it holds the lock, so nothing is lost between its check and its sleep. */
#include <pthread.h>

#include "sectionfs.h"

int worker_start(struct worker *w, void *(*run)(void *arg), void *arg)
{
	int err;

	w->stopping = false;
	pthread_mutex_init(&w->lock, NULL);
	cond_init_monotonic(&w->wake);
	err = pthread_create(&w->thread, NULL, run, arg);
	if (err) {
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
	}
	return err;
}

void worker_stop(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
}
