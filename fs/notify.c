/* The notifier thread: a queue of kernel notifications, sent one by one off the request path. */
#include "notify.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum note_kind { NOTE_NAME, NOTE_CACHE, NOTE_STORE };

struct note {
	struct note *next;
	enum note_kind kind;
	fuse_ino_t ino;          /* NAME: the parent; CACHE, STORE: the inode */
	off_t offset;            /* STORE: where its byte goes */
	char name[];             /* NAME: the name; STORE: the byte */
};

struct notifier {
	struct fuse_session *se;
	pthread_t thread;
	pthread_mutex_t lock;    /* head, tail, stopping, queued, sent */
	pthread_cond_t wake;     /* something to send */
	pthread_cond_t sent_one; /* a note went out */
	struct note *head, *tail;
	bool stopping;
	uint64_t queued, sent;   /* notes ever queued and ever sent */
};

static void send_note(struct notifier *n, struct note *note)
{
	/* ENOENT: the kernel holds nothing to drop; nothing else is worth more than a retry. */
	if (note->kind == NOTE_NAME) {
		fuse_lowlevel_notify_inval_entry(n->se, note->ino, note->name, strlen(note->name));
	} else if (note->kind == NOTE_STORE) {
		struct fuse_bufvec one = FUSE_BUFVEC_INIT(1);
		one.buf[0].mem = note->name;
		fuse_lowlevel_notify_store(n->se, note->ino, note->offset, &one, 0);
	} else {
		fuse_lowlevel_notify_inval_inode(n->se, note->ino, 0, 0);
	}
}

static void *notifier_main(void *arg)
{
	struct notifier *n = arg;

	pthread_mutex_lock(&n->lock);
	for (;;) {
		while (!n->head && !n->stopping)
			pthread_cond_wait(&n->wake, &n->lock);
		struct note *note = n->head;
		if (!note)
			break;   /* stopping, and everything queued is sent */
		n->head = note->next;
		if (!n->head)
			n->tail = NULL;
		pthread_mutex_unlock(&n->lock);
		send_note(n, note);
		free(note);
		pthread_mutex_lock(&n->lock);
		n->sent++;
		pthread_cond_broadcast(&n->sent_one);
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

struct notifier *notifier_start(struct fuse_session *se)
{
	struct notifier *n = calloc(1, sizeof(*n));
	int err;

	if (!n)
		return NULL;
	n->se = se;
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->wake, NULL);
	cond_init_monotonic(&n->sent_one);   /* notifier_drain's deadline */
	err = pthread_create(&n->thread, NULL, notifier_main, n);
	if (err) {
		pthread_cond_destroy(&n->wake);
		pthread_cond_destroy(&n->sent_one);
		pthread_mutex_destroy(&n->lock);
		free(n);
		errno = err;
		return NULL;
	}
	return n;
}

void notifier_stop(struct notifier *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->lock);
	n->stopping = true;
	pthread_cond_signal(&n->wake);
	pthread_mutex_unlock(&n->lock);
	pthread_join(n->thread, NULL);
	pthread_cond_destroy(&n->wake);
	pthread_cond_destroy(&n->sent_one);
	pthread_mutex_destroy(&n->lock);
	free(n);
}

static void enqueue(struct notifier *n, struct note *note)
{
	pthread_mutex_lock(&n->lock);
	if (n->tail)
		n->tail->next = note;
	else
		n->head = note;
	n->tail = note;
	n->queued++;
	pthread_cond_signal(&n->wake);
	pthread_mutex_unlock(&n->lock);
}

void notifier_forget_name(struct notifier *n, fuse_ino_t parent, const char *name)
{
	size_t len = strlen(name) + 1;
	struct note *note = calloc(1, sizeof(*note) + len);

	if (!note)
		return;   /* the entry then expires with its timeout */
	note->kind = NOTE_NAME;
	note->ino = parent;
	memcpy(note->name, name, len);
	enqueue(n, note);
}

void notifier_drop_cache(struct notifier *n, fuse_ino_t ino)
{
	struct note *note = calloc(1, sizeof(*note));

	if (!note)
		return;
	note->kind = NOTE_CACHE;
	note->ino = ino;
	enqueue(n, note);
}

void notifier_show_size(struct notifier *n, fuse_ino_t ino, uint64_t size, char last_byte)
{
	struct note *note;

	if (size == 0)
		return;   /* the kernel's size is 0 already, or dropped with the cache */
	note = calloc(1, sizeof(*note) + 1);
	if (!note)
		return;   /* the size then comes with the next getattr */
	note->kind = NOTE_STORE;
	note->ino = ino;
	note->offset = (off_t)(size - 1);
	note->name[0] = last_byte;
	enqueue(n, note);
}

void notifier_drain(struct notifier *n, unsigned timeout_ms)
{
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&n->lock);
	uint64_t target = n->queued;
	while (n->sent < target && !n->stopping)
		if (pthread_cond_timedwait(&n->sent_one, &n->lock, &deadline) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&n->lock);
}
