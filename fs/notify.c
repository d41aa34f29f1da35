/* The notifier thread: a queue of kernel notifications, sent one by one off the request path. */
#include "notify.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct note {
	struct note *next;
	fuse_ino_t ino;          /* the directory */
	char name[];             /* the name gone from it */
};

struct notifier {
	struct worker w;         /* w.lock: head, tail; w.wake: something to send */
	struct fuse_session *se;
	struct note *head, *tail;
};

static void send_note(struct notifier *n, struct note *note)
{
	/* ENOENT: the kernel holds nothing to drop; nothing else is worth more than a retry. */
	fuse_lowlevel_notify_inval_entry(n->se, note->ino, note->name, strlen(note->name));
}

static void *notifier_main(void *arg)
{
	struct notifier *n = arg;

	pthread_mutex_lock(&n->w.lock);
	for (;;) {
		while (!n->head && !n->w.stopping)
			pthread_cond_wait(&n->w.wake, &n->w.lock);
		struct note *note = n->head;
		if (!note)
			break;   /* stopping, and everything queued is sent */
		n->head = note->next;
		if (!n->head)
			n->tail = NULL;
		pthread_mutex_unlock(&n->w.lock);
		send_note(n, note);
		free(note);
		pthread_mutex_lock(&n->w.lock);
	}
	pthread_mutex_unlock(&n->w.lock);
	return NULL;
}

struct notifier *notifier_start(struct fuse_session *se)
{
	struct notifier *n = calloc(1, sizeof(*n));
	int err;

	if (!n)
		return NULL;
	n->se = se;
	err = worker_start(&n->w, notifier_main, n);
	if (err) {
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
	worker_stop(&n->w);
	free(n);
}

static void enqueue(struct notifier *n, struct note *note)
{
	pthread_mutex_lock(&n->w.lock);
	if (n->tail)
		n->tail->next = note;
	else
		n->head = note;
	n->tail = note;
	pthread_cond_signal(&n->w.wake);
	pthread_mutex_unlock(&n->w.lock);
}

void notifier_forget_name(struct notifier *n, fuse_ino_t parent, const char *name)
{
	size_t len = strlen(name) + 1;
	struct note *note = calloc(1, sizeof(*note) + len);

	if (!note)
		return;   /* the entry then expires with its timeout */
	note->ino = parent;
	memcpy(note->name, name, len);
	enqueue(n, note);
}

void notify_attached_file(struct fuse_session *se, fuse_ino_t ino, uint64_t size, char last_byte)
{
	fuse_lowlevel_notify_inval_inode(se, ino, 0, 0);
	if (size) {
		struct fuse_bufvec one = FUSE_BUFVEC_INIT(1);
		one.buf[0].mem = &last_byte;
		fuse_lowlevel_notify_store(se, ino, (off_t)(size - 1), &one, 0);
	}
}
