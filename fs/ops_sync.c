/* Events, mutexes and semaphores as files (sectionfs/protocol.h): reading waits, writing
 * signals, poll says when a read would not block; their user.section.type and .state; and the
 * OBJECT, WAIT and SIGNAL ioctls that winmap's Win32 functions send.  The rules are the core's
 * (sync.h); waits that cannot end at once are waits.c's.
 *
 * Who owns a mutex: taken by a read, the open file (its owner_tag), and closing the file's last
 * descriptor abandons it; taken by a WAIT ioctl, the calling thread, within its process, and the
 * process closing its last open file of the mutex (or dying) abandons it.  So the daemon counts
 * the open files of each object by process: fs->object_files, a tree by st_ino of the objects'
 * open files (and of staged sections', which may become objects), under objects_lock, which is
 * taken with no other lock held and under which nothing else is taken. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sectionfs.h"
#include "handle.h"
#include "section.h"
#include "sectionfs/protocol.h"
#include "sync.h"
#include "win32_constants.h"

/* ---- open files by object and process ---- */

struct object_files {
	uint64_t ino;               /* the object's st_ino */
	LIST_HEAD(, open_file) files;
};

static int compare_ino(const void *a, const void *b)
{
	uint64_t x = ((const struct object_files *)a)->ino;
	uint64_t y = ((const struct object_files *)b)->ino;

	return x < y ? -1 : x > y;
}

/* Under objects_lock: the open files of the object with st_ino ino, or NULL. */
static struct object_files *files_of_locked(struct sfs *fs, uint64_t ino)
{
	struct object_files key = { .ino = ino };
	void *found = tfind(&key, &fs->object_files, compare_ino);

	return found ? *(struct object_files **)found : NULL;
}

/* Open files carry a tag of their own as mutex owners: the high bit keeps the tags apart from
 * thread ids, the ioctls' owners. */
#define FILE_OWNER_TAG (UINT64_C(1) << 63)

int sync_count_open_file(struct sfs *fs, struct open_file *of)
{
	uint64_t ino = node_section_ino(of->node->section);
	struct object_files *files;

	of->owner_tag = FILE_OWNER_TAG | sync_serial(fs->store);
	pthread_mutex_lock(&fs->objects_lock);
	files = files_of_locked(fs, ino);
	if (!files && (files = calloc(1, sizeof(*files)))) {
		files->ino = ino;
		LIST_INIT(&files->files);
		if (!tsearch(files, &fs->object_files, compare_ino)) {
			free(files);
			files = NULL;
		}
	}
	if (files) {
		LIST_INSERT_HEAD(&files->files, of, in_object);
		of->counted = true;
	}
	pthread_mutex_unlock(&fs->objects_lock);
	return files ? 0 : ENOMEM;
}

void sync_forget_open_files(struct sfs *fs)
{
	/* Open files whose RELEASE went with the connection are still listed, and never will
	 * be uncounted: their lists go (the open files themselves go with the process). */
	tdestroy(fs->object_files, free);
	fs->object_files = NULL;
	pthread_mutex_destroy(&fs->objects_lock);
}

static bool owned_by_file(const struct sync_owner *owner, void *ctx)
{
	return owner->id == ((const struct open_file *)ctx)->owner_tag;
}

/* A thread of process *ctx: an ioctl's owner (never a file's tag). */
static bool owned_by_process_thread(const struct sync_owner *owner, void *ctx)
{
	return !(owner->id & FILE_OWNER_TAG) && owner->pid == (uint32_t)*(pid_t *)ctx;
}

void sync_uncount_open_file(struct sfs *fs, struct open_file *of)
{
	struct section *sec = of->node->section;
	struct fuse_pollhandle *ph;
	struct object_files *files;
	struct open_file *other;
	bool process_left = false;

	if (!of->counted)
		return;
	pthread_mutex_lock(&fs->objects_lock);
	files = files_of_locked(fs, node_section_ino(sec));
	LIST_REMOVE(of, in_object);
	LIST_FOREACH(other, &files->files, in_object)
		process_left |= other->tgid == of->tgid;
	if (LIST_EMPTY(&files->files)) {
		tdelete(files, &fs->object_files, compare_ino);
		free(files);
	}
	ph = of->ph;
	of->ph = NULL;
	of->counted = false;
	pthread_mutex_unlock(&fs->objects_lock);
	if (ph)
		fuse_pollhandle_destroy(ph);
	if (section_kind(sec) != OBJECT_MUTEX)
		return;
	sync_mutex_abandon(sec, owned_by_file, of);
	if (!process_left)
		sync_mutex_abandon(sec, owned_by_process_thread, &of->tgid);
}

/* A thread of process *ctx (struct sync_owner: id the thread): the mutexes it took by WAIT. */
static bool owned_by_thread(const struct sync_owner *owner, void *ctx)
{
	const struct sync_owner *thread = ctx;

	return !(owner->id & FILE_OWNER_TAG) && owner->id == thread->id &&
	       owner->pid == thread->pid;
}

/* What sync_thread_ended gathers: the mutexes a process has open files of, referenced. */
struct process_mutexes {
	pid_t tgid;
	struct section **found;
	size_t n, cap;
};

static void gather_mutex(const void *nodep, VISIT which, void *ctx)
{
	const struct object_files *files = *(struct object_files *const *)nodep;
	struct process_mutexes *pm = ctx;
	struct open_file *of;
	struct section **grown;

	if (which != postorder && which != leaf)
		return;
	LIST_FOREACH(of, &files->files, in_object) {
		if (of->tgid != pm->tgid || section_kind(of->node->section) != OBJECT_MUTEX)
			continue;
		if (pm->n == pm->cap) {
			grown = realloc(pm->found, (pm->cap * 2 + 8) * sizeof(*grown));
			if (!grown)
				return;
			pm->found = grown;
			pm->cap = pm->cap * 2 + 8;
		}
		section_get(of->node->section);
		pm->found[pm->n++] = of->node->section;
		return;
	}
}

void sync_thread_ended(struct sfs *fs, pid_t tid, pid_t tgid)
{
	struct sync_owner thread = { .id = (uint64_t)tid, .pid = (uint32_t)tgid };
	struct process_mutexes pm = { .tgid = tgid };

	/* A mutex a thread owns is one its process has an open file of: when the process let go
	 * of its last one, the mutex was abandoned then (sync_uncount_open_file). */
	pthread_mutex_lock(&fs->objects_lock);
	twalk_r(fs->object_files, gather_mutex, &pm);
	pthread_mutex_unlock(&fs->objects_lock);
	for (size_t i = 0; i < pm.n; i++) {
		sync_mutex_abandon(pm.found[i], owned_by_thread, &thread);
		section_put(pm.found[i]);
	}
	free(pm.found);
}

/* The core's ready hook: every poll waiting on sec hears that a read would not block now.  The
 * handles are taken under the lock and notified with none held. */
void sync_ready(void *ctx, struct section *sec)
{
	struct sfs *fs = ctx;
	struct fuse_pollhandle *handles[64];
	struct object_files *files;
	struct open_file *of;
	unsigned n;

	do {
		n = 0;
		pthread_mutex_lock(&fs->objects_lock);
		files = files_of_locked(fs, node_section_ino(sec));
		if (files)
			LIST_FOREACH(of, &files->files, in_object) {
				if (!of->ph)
					continue;
				handles[n++] = of->ph;
				of->ph = NULL;
				if (n == sizeof(handles) / sizeof(handles[0]))
					break;
			}
		pthread_mutex_unlock(&fs->objects_lock);
		for (unsigned i = 0; i < n; i++) {
			fuse_lowlevel_notify_poll(handles[i]);
			fuse_pollhandle_destroy(handles[i]);
		}
	} while (n == sizeof(handles) / sizeof(handles[0]));
}

/* ---- opening ---- */

/* FOPEN_* of <linux/fuse.h>, which libfuse 3.14 cannot all set (it has no stream bit). */
#define SYNC_FOPEN_DIRECT_IO   (1u << 0)
#define SYNC_FOPEN_NONSEEKABLE (1u << 2)
#define SYNC_FOPEN_STREAM      (1u << 4)
#define SYNC_FOPEN_NOFLUSH     (1u << 5)

/* fuse_open_out. */
struct sync_open_out {
	uint64_t fh;
	uint32_t open_flags;
	uint32_t padding;
};

void sync_open(fuse_req_t req, struct node *node, struct fuse_file_info *fi, struct handle *h)
{
	struct sfs *fs = sfs_of(req);
	struct open_file *of = open_file_new(node, h, fuse_req_ctx(req)->pid);
	int err;

	if (!of) {
		handle_close(h);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	err = sync_count_open_file(fs, of);
	if (err) {
		free(of);
		handle_close(h);
		fuse_reply_err(req, err);
		return;
	}
	of->object = true;
	holders_opened(fs, of);
	/* A stream: every read and write comes here (no page cache, no map: a shared map of a
	 * direct_io file is refused with ENODEV), no offsets, and threads sharing a descriptor
	 * may each wait in a read of it at once (a stream takes no position lock). */
	struct sync_open_out out = {
		.fh = (uint64_t)(uintptr_t)of,
		.open_flags = SYNC_FOPEN_DIRECT_IO | SYNC_FOPEN_NONSEEKABLE | SYNC_FOPEN_STREAM |
			      SYNC_FOPEN_NOFLUSH,
	};
	struct iovec iov = { &out, sizeof(out) };

	fi->fh = out.fh;
	if (fuse_reply_iov(req, &iov, 1) != 0)
		open_file_close(fs, of);
}

/* ---- reading waits ---- */

struct read_wait {
	size_t size;
	enum object_kind kind;
};

static const char *read_text(enum object_kind kind, uint32_t result)
{
	if (result >= WAIT_ABANDONED_0 && result < WAIT_ABANDONED_0 + MAXIMUM_WAIT_OBJECTS)
		return "abandoned\n";
	return kind == OBJECT_MUTEX ? "acquired\n" : "signaled\n";
}

static void reply_read(fuse_req_t req, uint32_t result, uint32_t err, void *extra)
{
	struct read_wait *rw = extra;

	if (result == WAIT_TIMEOUT) {
		fuse_reply_err(req, EAGAIN);   /* O_NONBLOCK */
	} else if (result == WAIT_FAILED) {
		reply_winerr(req, err);
	} else if (rw->size == sizeof(uint64_t)) {
		uint64_t binary = result;
		fuse_reply_buf(req, (const char *)&binary, sizeof(binary));
	} else {
		const char *text = read_text(rw->kind, result);
		size_t n = strlen(text);
		fuse_reply_buf(req, text, n < rw->size ? n : rw->size);
	}
}

static struct sync_owner file_owner(const struct open_file *of)
{
	return (struct sync_owner){ .id = of->owner_tag, .pid = (uint32_t)of->tgid };
}

void sync_read(fuse_req_t req, size_t size, struct fuse_file_info *fi)
{
	struct open_file *of = open_file_of(fi);
	struct section *sec = handle_section(of->handle);
	struct read_wait *rw;
	struct sync_wait_spec spec = {
		.objects = &sec,
		.count = 1,
		.owner = file_owner(of),
		.timeout_ms = (fi->flags & O_NONBLOCK) ? 0 : INFINITE,
	};

	if (size < sizeof(uint64_t)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	rw = malloc(sizeof(*rw));
	if (!rw) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	*rw = (struct read_wait){ size, section_kind(sec) };
	waits_start(sfs_of(req), req, &spec, reply_read, rw);
}

/* ---- writing signals ---- */

/* A decimal count of 1 to UINT32_MAX, nothing else: true when text is one. */
static bool parse_count(const char *text, uint64_t *n)
{
	char *end;

	if (*text < '0' || *text > '9')
		return false;
	errno = 0;
	*n = strtoull(text, &end, 10);
	return !*end && errno != ERANGE;
}

/* What a write asks of sec: the Win32 error of doing it; ERROR_INVALID_PARAMETER for a command
 * the object does not take. */
static uint32_t apply_command(const struct open_file *of, struct section *sec, const char *cmd,
			      uint64_t n)
{
	enum object_kind kind = section_kind(sec);
	struct sync_owner owner = file_owner(of);

	if (kind == OBJECT_EVENT) {
		if (!strcmp(cmd, "set"))
			return sync_event_set(sec);
		if (!strcmp(cmd, "reset"))
			return sync_event_reset(sec);
		if (!strcmp(cmd, "pulse"))
			return sync_event_pulse(sec);
	} else if (kind == OBJECT_MUTEX && !strcmp(cmd, "release") && n == 1) {
		return sync_mutex_release(sec, &owner);
	} else if (kind == OBJECT_SEMAPHORE && !strcmp(cmd, "release")) {
		if (n == 0)
			return ERROR_INVALID_PARAMETER;
		return n > UINT32_MAX ? ERROR_TOO_MANY_POSTS
				      : sync_semaphore_release(sec, (uint32_t)n, NULL);
	}
	return ERROR_INVALID_PARAMETER;
}

/* The text "release\n" is 8 bytes long too: it is the command, not a number. */
static bool is_binary(const char *buf, size_t size)
{
	return size == sizeof(uint64_t) && memcmp(buf, "release\n", size) != 0;
}

void sync_write(fuse_req_t req, const char *buf, size_t size, struct fuse_file_info *fi)
{
	struct open_file *of = open_file_of(fi);
	struct section *sec = handle_section(of->handle);
	size_t written = size;
	char text[32], *arg;
	uint64_t n = 1;
	uint32_t err;

	if (is_binary(buf, size)) {
		memcpy(&n, buf, sizeof(n));
		switch (section_kind(sec)) {
		case OBJECT_EVENT:
			err = n ? sync_event_set(sec) : sync_event_reset(sec);
			break;
		case OBJECT_MUTEX:
			err = apply_command(of, sec, "release", 1);
			break;
		default:
			err = apply_command(of, sec, "release", n);
			break;
		}
	} else {
		if (size && buf[size - 1] == '\n')
			size--;
		if (size >= sizeof(text) || memchr(buf, '\0', size)) {
			fuse_reply_err(req, EINVAL);
			return;
		}
		memcpy(text, buf, size);
		text[size] = '\0';
		arg = strchr(text, ' ');
		if (arg) {
			*arg++ = '\0';
			if (!parse_count(arg, &n) || strcmp(text, "release")) {
				fuse_reply_err(req, EINVAL);
				return;
			}
		}
		err = apply_command(of, sec, text, n);
	}
	if (err)
		reply_winerr(req, err);   /* ERROR_NOT_OWNER: EPERM; ERROR_TOO_MANY_POSTS: EOVERFLOW */
	else
		fuse_reply_write(req, written);
}

/* ---- poll ---- */

void sfs_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
	      struct fuse_pollhandle *ph)
{
	struct sfs *fs = sfs_of(req);
	struct open_file *of = open_file_of(fi);
	struct section *sec = handle_section(of->handle);
	struct fuse_pollhandle *old = NULL;
	struct sync_owner owner = file_owner(of);
	unsigned revents = POLLOUT | POLLWRNORM;

	(void)ino;
	if (!of->object) {
		/* a section is a regular file: always ready, nothing to tell later */
		if (ph)
			fuse_pollhandle_destroy(ph);
		fuse_reply_poll(req, POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM);
		return;
	}
	/* The handle is kept before the state is asked: a change after the answer finds it. */
	if (ph) {
		pthread_mutex_lock(&fs->objects_lock);
		old = of->ph;
		of->ph = ph;
		pthread_mutex_unlock(&fs->objects_lock);
		if (old)
			fuse_pollhandle_destroy(old);
	}
	if (sync_is_ready(sec, &owner))
		revents |= POLLIN | POLLRDNORM;
	fuse_reply_poll(req, revents);
}

/* ---- the ioctls ---- */

/* The process of the calling thread: an open file's opener when the caller is its main
 * thread, else asked of /proc. */
static pid_t caller_process(fuse_req_t req, const struct open_file *of)
{
	pid_t tid = fuse_req_ctx(req)->pid;

	return of->counted && tid == of->tgid ? of->tgid : tgid_of_thread(tid);
}

/* The objects a WAIT names, referenced for the caller: each must be an object of which the
 * calling process has an open file (else ERROR_INVALID_HANDLE: no one waits on, or takes, what
 * it cannot open). */
static uint32_t objects_of_wait(struct sfs *fs, const struct sectionfs_wait *w, pid_t tgid,
				struct section **objects)
{
	unsigned got = 0;

	pthread_mutex_lock(&fs->objects_lock);
	for (; got < w->count; got++) {
		struct object_files *files = files_of_locked(fs, w->inos[got]);
		struct open_file *of = NULL;
		if (files)
			LIST_FOREACH(of, &files->files, in_object)
				if (of->tgid == tgid)
					break;
		if (!of)
			break;
		objects[got] = of->node->section;
		section_get(objects[got]);
	}
	pthread_mutex_unlock(&fs->objects_lock);
	if (got == w->count)
		return ERROR_SUCCESS;
	while (got)
		section_put(objects[--got]);
	return ERROR_INVALID_HANDLE;
}

static void reply_wait(fuse_req_t req, uint32_t result, uint32_t err, void *extra)
{
	struct sectionfs_wait *w = extra;

	w->wait_result = result;
	w->result = result == WAIT_FAILED ? err : ERROR_SUCCESS;
	fuse_reply_ioctl(req, 0, w, sizeof(*w));
}

/* May signal `op` be sent through h?  Changing an event's or a semaphore's state is writing to
 * it, as write(2) of its file is (EVENT_MODIFY_STATE, SEMAPHORE_MODIFY_STATE): a file opened
 * for reading only may wait, not signal.  A mutex is released by its owner, whatever its
 * handle may do.  ERROR_ACCESS_DENIED, or 0. */
static uint32_t signal_access(struct handle *h, uint32_t op)
{
	return op == SECTIONFS_SIGNAL_RELEASE_MUTEX || (handle_access(h) & FILE_MAP_WRITE)
		       ? ERROR_SUCCESS
		       : ERROR_ACCESS_DENIED;
}

/* SignalObjectAndWait's signal, as the core knows it, on of's object, with the SIGNAL ioctl's
 * rights.  A Win32 error, or 0. */
static uint32_t wait_signal(const struct open_file *of, uint32_t op, enum sync_signal *signal)
{
	switch (op) {
	case SECTIONFS_SIGNAL_SET_EVENT:
		*signal = SYNC_SIGNAL_SET_EVENT;
		break;
	case SECTIONFS_SIGNAL_RELEASE_SEMAPHORE:
		*signal = SYNC_SIGNAL_RELEASE_SEMAPHORE;
		break;
	case SECTIONFS_SIGNAL_RELEASE_MUTEX:
		*signal = SYNC_SIGNAL_RELEASE_MUTEX;
		break;
	default:
		return ERROR_INVALID_PARAMETER;
	}
	return signal_access(of->handle, op);
}

static void ioctl_wait(fuse_req_t req, const struct open_file *of, const struct sectionfs_wait *in)
{
	struct sfs *fs = sfs_of(req);
	struct section *objects[SECTIONFS_WAIT_MAX];
	struct sectionfs_wait *w = malloc(sizeof(*w));
	pid_t tgid = caller_process(req, of);
	uint32_t err = ERROR_INVALID_PARAMETER;

	if (!w) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	*w = *in;
	if (w->count == 0 || w->count > SECTIONFS_WAIT_MAX ||
	    (err = objects_of_wait(fs, w, tgid, objects))) {
		reply_wait(req, WAIT_FAILED, err, w);
		free(w);
		return;
	}
	struct sync_wait_spec spec = {
		.objects = objects,
		.count = w->count,
		.wait_all = w->wait_all != 0,
		.owner = { .id = (uint64_t)fuse_req_ctx(req)->pid, .pid = (uint32_t)tgid },
		.timeout_ms = w->timeout_ms,
		.signal = handle_section(of->handle),
	};
	if (w->signal_op && (err = wait_signal(of, w->signal_op, &spec.signal_op))) {
		for (unsigned i = 0; i < w->count; i++)
			section_put(objects[i]);
		reply_wait(req, WAIT_FAILED, err, w);
		free(w);
		return;
	}
	unsigned count = w->count;

	for (unsigned i = 0; i < count; i++)
		if (section_kind(objects[i]) == OBJECT_MUTEX) {
			/* a mutex this wait takes is the thread's: abandoned when it ends (H52) */
			thread_ends_watch(fs->thread_ends, fuse_req_ctx(req)->pid, tgid);
			break;
		}
	waits_start(fs, req, &spec, reply_wait, w);   /* takes w; the core took its references */
	for (unsigned i = 0; i < count; i++)
		section_put(objects[i]);
}

static uint32_t ioctl_signal(fuse_req_t req, struct handle *h, struct sectionfs_signal *s)
{
	struct sync_owner thread = { .id = (uint64_t)fuse_req_ctx(req)->pid };
	struct section *sec = handle_section(h);
	uint32_t err = signal_access(h, s->op);

	if (err)
		return err;
	switch (s->op) {
	case SECTIONFS_SIGNAL_SET_EVENT:
		return sync_event_set(sec);
	case SECTIONFS_SIGNAL_RESET_EVENT:
		return sync_event_reset(sec);
	case SECTIONFS_SIGNAL_PULSE_EVENT:
		return sync_event_pulse(sec);
	case SECTIONFS_SIGNAL_RELEASE_MUTEX:
		return sync_mutex_release(sec, &thread);
	case SECTIONFS_SIGNAL_RELEASE_SEMAPHORE:
		return sync_semaphore_release(sec, s->count, &s->previous);
	default:
		return ERROR_INVALID_PARAMETER;
	}
}

void sync_ioctl(fuse_req_t req, struct fuse_file_info *fi, unsigned cmd, void *arg, size_t size)
{
	struct open_file *of = open_file_of(fi);
	struct section *sec = handle_section(of->handle);

	switch (cmd) {
	case SECTIONFS_IOC_OBJECT: {
		struct sectionfs_object *o = arg;
		*o = (struct sectionfs_object){ .kind = section_kind(sec),
						.ino = node_section_ino(sec) };
		break;
	}
	case SECTIONFS_IOC_WAIT:
		ioctl_wait(req, of, arg);   /* replies, maybe later */
		return;
	case SECTIONFS_IOC_SIGNAL: {
		struct sectionfs_signal *s = arg;
		s->previous = 0;
		s->result = ioctl_signal(req, of->handle, s);
		break;
	}
	}
	fuse_reply_ioctl(req, 0, arg, size);
}

/* ---- attributes ---- */

int sync_type_text(struct section *sec, char *buf, size_t len)
{
	struct sync_state s;

	if (sync_state(sec, &s) != ERROR_SUCCESS)
		return snprintf(buf, len, "section");
	switch (s.spec.kind) {
	case OBJECT_EVENT:
		return snprintf(buf, len, "event %s %s", s.spec.manual_reset ? "manual" : "auto",
				s.spec.signaled ? "signaled" : "nonsignaled");
	case OBJECT_SEMAPHORE:
		return snprintf(buf, len, "semaphore %" PRIu32 " %" PRIu32, s.spec.count,
				s.spec.max);
	default:
		return snprintf(buf, len, "mutex");
	}
}

int sync_state_text(struct section *sec, char *buf, size_t len)
{
	struct sync_state s;

	if (sync_state(sec, &s) != ERROR_SUCCESS)
		return -ENODATA;   /* a section has no state */
	switch (s.spec.kind) {
	case OBJECT_EVENT:
		return snprintf(buf, len, "%s", s.spec.signaled ? "signaled" : "nonsignaled");
	case OBJECT_SEMAPHORE:
		return snprintf(buf, len, "%" PRIu32 " %" PRIu32, s.spec.count, s.spec.max);
	default:
		if (s.owned)
			return snprintf(buf, len, "owned %" PRIu32 " %" PRIu32, s.owner.pid,
					s.recursion);
		return snprintf(buf, len, "%s", s.abandoned ? "abandoned" : "free");
	}
}

int sync_waiters_text(struct section *sec, char *buf, size_t len)
{
	struct sync_state s;

	if (sync_state(sec, &s) != ERROR_SUCCESS)
		return -ENODATA;   /* nobody waits on a section */
	return snprintf(buf, len, "%" PRIu32, s.waiters);
}

/* One word of `words` at *i; -1 when it is none of them. */
static int word_of(char **tokens, unsigned n, unsigned i, const char *const *words,
		   unsigned nwords)
{
	for (unsigned w = 0; i < n && w < nwords; w++)
		if (!strcmp(tokens[i], words[w]))
			return (int)w;
	return -1;
}

/* The type text as protocol.h writes it, strictly: single spaces, no more words. */
static bool parse_type(char *text, struct sync_spec *spec)
{
	static const char *const resets[] = { "auto", "manual" };
	static const char *const states[] = { "nonsignaled", "signaled" };
	char *tokens[4], *save = NULL;
	unsigned n = 0;
	uint64_t count, max;
	int reset, state;

	if (strstr(text, "  ") || text[0] == ' ')
		return false;
	for (char *t = strtok_r(text, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (n == 4)
			return false;
		tokens[n++] = t;
	}
	if (n == 1 && !strcmp(tokens[0], "section")) {
		*spec = (struct sync_spec){ .kind = OBJECT_SECTION };
	} else if (n == 1 && !strcmp(tokens[0], "mutex")) {
		*spec = (struct sync_spec){ .kind = OBJECT_MUTEX };
	} else if (n == 3 && !strcmp(tokens[0], "event")) {
		reset = word_of(tokens, n, 1, resets, 2);
		state = word_of(tokens, n, 2, states, 2);
		if (reset < 0 || state < 0)
			return false;
		*spec = (struct sync_spec){ .kind = OBJECT_EVENT, .manual_reset = reset == 1,
					    .signaled = state == 1 };
	} else if (n == 3 && !strcmp(tokens[0], "semaphore")) {
		if (!parse_count(tokens[1], &count) || !parse_count(tokens[2], &max) ||
		    count > UINT32_MAX || max > UINT32_MAX)
			return false;
		*spec = (struct sync_spec){ .kind = OBJECT_SEMAPHORE, .count = (uint32_t)count,
					    .max = (uint32_t)max };
	} else {
		return false;
	}
	return true;
}

int sync_set_type(struct section *sec, const char *value)
{
	struct sync_spec spec;
	char text[64];

	if (snprintf(text, sizeof(text), "%s", value) >= (int)sizeof(text) || !parse_type(text, &spec))
		return EINVAL;
	if (spec.kind == OBJECT_SECTION)
		return section_kind(sec) == OBJECT_SECTION ? 0 : EPERM;
	if (sync_spec_check(&spec))
		return EINVAL;
	/* A file opened before (the shell's `exec 3>Staging/x`) keeps being served as it was
	 * opened: through passthrough it reads the empty memfd, which the object has let go of.
	 * Opens from now on are the object's streams. */
	switch (sync_set_kind(sec, &spec)) {
	case ERROR_SUCCESS:
		return 0;
	case ERROR_SHARING_VIOLATION:
		return EBUSY;
	case ERROR_NOT_ENOUGH_MEMORY:
		return ENOMEM;
	default:
		return EPERM;   /* published, not empty, or over a file: it is what it is */
	}
}
