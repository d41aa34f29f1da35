/* Pages of destroyed sections still waiting for the kernel.  A destroyed section's pages are
 * dropped once nothing but the daemon has its file (section_trim); in passthrough mode the
 * kernel tells the daemon of the last close (RELEASE) before it lets go of its own file of the
 * data, so the trim made at RELEASE can come too early.  Such sections wait here and are tried
 * again when someone asks how much is used (statfs) and once a second (cap_watch.c), so the
 * pages go and `df` shows them gone. */
#include <pthread.h>
#include <stdlib.h>

#include "sectionfs.h"
#include "section.h"

struct trims {
	pthread_mutex_t lock;       /* innermost: nothing is taken under it */
	struct section **waiting;   /* lock; each referenced */
	size_t count, room;         /* lock */
};

struct trims *trims_new(void)
{
	struct trims *t = calloc(1, sizeof(*t));

	if (t)
		pthread_mutex_init(&t->lock, NULL);
	return t;
}

/* Keeps sec (a reference of its own) to be tried again; on no memory it is left to go with the
 * section itself (its last reference closes the file). */
static void wait_for_trim(struct trims *t, struct section *sec)
{
	pthread_mutex_lock(&t->lock);
	if (t->count == t->room) {
		size_t room = t->room ? 2 * t->room : 8;
		struct section **more = realloc(t->waiting, room * sizeof(*more));

		if (!more) {
			pthread_mutex_unlock(&t->lock);
			return;
		}
		t->waiting = more;
		t->room = room;
	}
	section_get(sec);
	t->waiting[t->count++] = sec;
	pthread_mutex_unlock(&t->lock);
}

void trims_try(struct trims *t, struct section *sec)
{
	if (t && !section_trim(sec))
		wait_for_trim(t, sec);
}

void trims_retry(struct trims *t)
{
	struct section **waiting;
	size_t count;

	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	waiting = t->waiting;
	count = t->count;
	t->waiting = NULL;
	t->count = t->room = 0;
	pthread_mutex_unlock(&t->lock);
	/* no lock held over the core's: section_trim takes the section's size_lock */
	for (size_t i = 0; i < count; i++) {
		trims_try(t, waiting[i]);
		section_put(waiting[i]);
	}
	free(waiting);
}

void trims_free(struct trims *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->count; i++)
		section_put(t->waiting[i]);
	free(t->waiting);
	pthread_mutex_destroy(&t->lock);
	free(t);
}
