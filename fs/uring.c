/* FUSE requests over io_uring (see uring.h).
 *
 * The kernel's protocol (Linux 6.14+, include/uapi/linux/fuse.h): once our INIT reply takes
 * FUSE_OVER_IO_URING, the kernel holds every new request until each possible CPU's queue has an
 * entry registered (IORING_OP_URING_CMD, FUSE_IO_URING_CMD_REGISTER, on a ring of 128-byte SQEs,
 * with a header buffer and a payload buffer of at least the largest request).  A request then
 * goes to its caller's CPU's queue: the REGISTER (later COMMIT_AND_FETCH) of a free entry
 * completes with the request in that entry's buffers; our COMMIT_AND_FETCH gives the kernel the
 * reply written into the same buffers and the entry back for the next request.  A failed
 * REGISTER makes the kernel fall back to /dev/fuse for good.  FORGET and INTERRUPT always come
 * through /dev/fuse; notifications always go there (the ring takes only replies).
 *
 * Here: each CPU's queue is fed by URING_RINGS_PER_CPU rings, each with its own thread pinned to
 * that CPU and URING_DEPTH entries (the kernel takes a queue's entries from any ring: only qid
 * names the queue).  A handler that blocks (a read of /proc/PID/maps, a slow lease) so holds
 * up one ring, not its CPU: the kernel hands the CPU's next request to another ring's free
 * entry, as a /dev/fuse loop would to another thread.  A request is laid out
 * as read from /dev/fuse (fuse_in_header, first argument, payload) and given to libfuse; the
 * handler's reply reaches session_io.c's writev hook, which hands it to uring_take_reply: on the
 * ring's own thread (current_ent) it is copied into the entry at once; a reply made later on
 * another thread is found by its unique id, copied, and queued to the ring's thread through an
 * eventfd that the ring watches, since only the ring's thread submits to its ring.  Each entry
 * is committed once both happened (the handler returned, the reply was taken): two bits set with
 * atomic_fetch_or, and whoever sets the second one commits or queues.
 *
 * A handler may also leave its request unanswered for as long as it likes (a read of an event
 * waits for a SetEvent: ops_sync.c); its entry stays with it till then.  So that parked requests
 * never use up a queue, a ring registers one more entry each time a handler returns without a
 * reply: a ring has URING_DEPTH entries plus as many as its peak of parked requests. */
#include "uring.h"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "fuse_uring_abi.h"
#include "mountinfo.h"

#define ENABLE_URING_PARAM "/sys/module/fuse/parameters/enable_uring"

bool uring_possible(char *why, size_t len)
{
#if !HAVE_LIBURING
	snprintf(why, len, "this sectionfs was built without liburing (no FUSE over io_uring)");
	return false;
#else
	char c = 0;
	int fd = open(ENABLE_URING_PARAM, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, len, "this kernel has no FUSE over io_uring (no %s; Linux 6.14+ "
			 "with CONFIG_FUSE_IO_URING)", ENABLE_URING_PARAM);
		return false;
	}
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	if (c != 'Y' && c != '1') {
		snprintf(why, len, "FUSE over io_uring is disabled in the kernel (as root: echo Y > "
			 "%s)", ENABLE_URING_PARAM);
		return false;
	}
	/* 2: no process may make a ring (1: only root and io_uring_group; a refusal then shows
	 * when the rings are made, and auto falls back) */
	fd = open("/proc/sys/kernel/io_uring_disabled", O_RDONLY | O_CLOEXEC);
	c = 0;
	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = 0;
		close(fd);
	}
	if (c == '2') {
		snprintf(why, len, "io_uring is disabled in this kernel (sysctl "
			 "kernel.io_uring_disabled=2)");
		return false;
	}
	return true;
#endif
}

#if !HAVE_LIBURING

bool uring_patch_init_reply(struct sfs *fs, void *reply, size_t len)
{
	(void)reply; (void)len;
	/* options refused io_uring=on before mounting */
	sfs_log(fs, LOG_INFO, "requests over /dev/fuse (built without io_uring)");
	return false;
}

void uring_init_replied(struct sfs *fs) { (void)fs; }

size_t uring_take_reply(struct sfs *fs, const struct iovec *iov, int count)
{
	(void)fs; (void)iov; (void)count;
	return 0;
}

int uring_describe(struct sfs *fs, char *buf, size_t len)
{
	(void)fs;
	return snprintf(buf, len, "dev_fuse");
}

void uring_stop(struct sfs *fs) { (void)fs; }

#else /* HAVE_LIBURING */

#include <liburing.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

/* Rings (threads) per CPU, and entries per ring to begin with: an entry more than one per thread
 * would only wait behind that thread's handler; a ring more lets a CPU's requests pass a blocked
 * one.  Parked requests add entries (above). */
#define URING_RINGS_PER_CPU 2
#define URING_DEPTH 1
#define PAGE 4096u
/* Room in front of the payload: a small request is copied whole into its first page (so a
 * reply written into the payload never overwrites a request a handler still reads); a large one
 * (WRITE data) gets its headers put right in front of the payload it arrived in, uncopied. */
#define PREFIX (2 * PAGE)
#define SMALL_REQUEST PAGE
#define EVENTFD_TAG 1               /* user_data of the eventfd read; entries' are pointers */
/* Completions a ring holds without overflowing into the kernel's backlog: one per entry. */
#define URING_CQ_ENTRIES 1024

enum { ENT_REPLIED = 1, ENT_RETURNED = 2 };

/* The INIT request cannot go on when io_uring=on cannot be had: the mount stops (main exits 1). */
static void uring_refused(struct sfs *fs, const char *why)
{
	sfs_log(fs, LOG_ERR, "io_uring=on, but %s", why);
	fuse_session_exit(fs->se);
	fs->failed = true;
}

struct queue;

struct ent {
	struct queue *q;
	struct fuse_uring_req_header *hdr;
	char *block;                /* mmap: header page, PREFIX, payload */
	char *prefix;
	char *payload;
	size_t map_len;
	struct iovec iov[2];        /* what REGISTER names: header, payload */
	_Atomic uint64_t unique;    /* the request held while it is served; 0: none */
	atomic_int state;           /* ENT_*: the reply taken, the handler returned */
	struct ent *next_ready;     /* queue.lock */
	struct ent *next;           /* fixed once published in queue.ents */
};

struct queue {
	struct uring *u;
	unsigned qid;               /* the kernel's queue: the CPU */
	unsigned index;             /* in uring.queues */
	pthread_t thread;
	bool started;
	struct io_uring ring;
	bool ring_made;
	int efd;                    /* replies made off the thread wake it */
	uint64_t efd_val;
	pthread_mutex_t lock;       /* ready */
	struct ent *ready;          /* replied elsewhere, to commit */
	unsigned live;              /* the thread's: entries not failed */
	int setup_err, register_err;   /* negative errno */
	_Atomic uint64_t served;
	_Atomic(struct ent *) ents; /* atomic: added to by the thread only, never removed till
				     * uring_free; read by any thread (find_ent) */
	bool grow_failed;           /* the thread's: said once */
};

struct uring {
	struct sfs *fs;
	size_t payload_len;
	unsigned ncpu;              /* possible CPUs: the kernel's queues */
	unsigned nq;                /* rings: ncpu * URING_RINGS_PER_CPU */
	struct queue *queues;
	pthread_mutex_t lock;       /* the start-up handshake below */
	pthread_cond_t cond;
	unsigned prepared, registered;   /* queues past each step */
	bool go;                    /* the INIT reply is written: register */
	atomic_bool stopping;
	atomic_bool active;         /* every queue registered: the kernel serves through us */
};

/* The entry whose request this thread is handling (ring threads only). */
static __thread struct ent *current_ent;

/* The kernel has a queue for every possible CPU, numbered by CPU. */
static unsigned possible_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "re");
	unsigned last = 0, a, b;
	int c;

	if (!f)
		return (unsigned)sysconf(_SC_NPROCESSORS_CONF);
	/* "0-3", "0", "0-3,8-11": the highest number counts */
	while (fscanf(f, "%u", &a) == 1) {
		b = a;
		if ((c = fgetc(f)) == '-' && fscanf(f, "%u", &b) == 1)
			c = fgetc(f);
		if (b > last)
			last = b;
		if (c != ',')
			break;
	}
	fclose(f);
	return last + 1;
}

static struct io_uring_sqe *get_sqe(struct queue *q)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);

	if (!sqe) {                 /* full (not with these sizes): make room */
		io_uring_submit(&q->ring);
		sqe = io_uring_get_sqe(&q->ring);
	}
	/* The ring has 4 * URING_DEPTH slots; many replies committed at once (a SetEvent waking
	 * a thousand readers) fill it, and a submit empties it: still full after one is a bug. */
	if (!sqe)
		abort();
	return sqe;
}

/* A FUSE command on /dev/fuse (fixed file 0); liburing 2.3 has no helper for these. */
static void prep_cmd(struct queue *q, struct ent *e, uint32_t op, uint64_t commit_id)
{
	struct io_uring_sqe *sqe = get_sqe(q);
	struct fuse_uring_cmd_req *req;

	memset(sqe, 0, 2 * sizeof(*sqe));      /* a 128-byte SQE */
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->fd = 0;
	sqe->cmd_op = op;
	sqe->user_data = (uint64_t)(uintptr_t)e;
	if (op == FUSE_IO_URING_CMD_REGISTER) {
		sqe->addr = (uint64_t)(uintptr_t)e->iov;
		sqe->len = 2;
	}
	/* the command area: from addr3 on, 80 bytes */
	req = (struct fuse_uring_cmd_req *)((char *)sqe + offsetof(struct io_uring_sqe, addr3));
	req->commit_id = commit_id;
	req->qid = (uint16_t)q->qid;
}

static void arm_eventfd(struct queue *q)
{
	struct io_uring_sqe *sqe = get_sqe(q);

	memset(sqe, 0, 2 * sizeof(*sqe));
	io_uring_prep_read(sqe, q->efd, &q->efd_val, sizeof(q->efd_val), 0);
	sqe->user_data = EVENTFD_TAG;
}

/* Submitted with the next wait: the one system call per request. */
static void commit(struct queue *q, struct ent *e)
{
	prep_cmd(q, e, FUSE_IO_URING_CMD_COMMIT_AND_FETCH, atomic_exchange(&e->unique, 0));
}

/* A reply into entry e: the out header to the header area, the rest to the payload. */
static size_t fill_reply(struct ent *e, const struct iovec *iov, int count)
{
	struct fuse_out_header *oh = (struct fuse_out_header *)e->hdr->in_out;
	size_t hdr_left = sizeof(*oh), total = 0, pay = 0;

	for (int i = 0; i < count; i++) {
		const char *p = iov[i].iov_base;
		size_t n = iov[i].iov_len;

		total += n;
		if (hdr_left) {
			size_t h = n < hdr_left ? n : hdr_left;
			memcpy(e->hdr->in_out + sizeof(*oh) - hdr_left, p, h);
			hdr_left -= h;
			p += h;
			n -= h;
		}
		if (n && pay + n <= e->q->u->payload_len)
			memcpy(e->payload + pay, p, n);
		pay += n;
	}
	if (pay > e->q->u->payload_len) {      /* cannot be: the kernel never asks that much */
		oh->error = -EIO;
		pay = 0;
	}
	oh->len = (uint32_t)(sizeof(*oh) + pay);
	e->hdr->ring_ent_in_out.payload_sz = (uint32_t)pay;
	return total;
}

/* A reply made on another thread for one of this queue's entries: its thread commits it. */
static void hand_to_thread(struct ent *e)
{
	struct queue *q = e->q;
	uint64_t one = 1;

	pthread_mutex_lock(&q->lock);
	e->next_ready = q->ready;
	q->ready = e;
	pthread_mutex_unlock(&q->lock);
	if (write(q->efd, &one, sizeof(one)) < 0)
		sfs_log(q->u->fs, LOG_ERR, "io_uring ring %u: cannot wake its thread: %s", q->index,
			strerror(errno));
}

static struct ent *find_ent(struct uring *u, uint64_t unique)
{
	for (unsigned i = 0; i < u->nq; i++)
		for (struct ent *e = atomic_load(&u->queues[i].ents); e; e = e->next)
			if (atomic_load(&e->unique) == unique)
				return e;
	return NULL;
}

/* A new entry of q's, published in q->ents (the queue's thread, or setup before it runs). */
static struct ent *ent_new(struct queue *q)
{
	struct uring *u = q->u;
	struct ent *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->q = q;
	e->map_len = PAGE + PREFIX + u->payload_len;
	/* mmap, not malloc: page-aligned, and never returned to a heap the kernel could still
	 * write into while it tears a connection down; pages never touched cost nothing */
	e->block = mmap(NULL, e->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	if (e->block == MAP_FAILED) {
		free(e);
		return NULL;
	}
	e->hdr = (struct fuse_uring_req_header *)e->block;
	e->prefix = e->block + PAGE;
	e->payload = e->prefix + PREFIX;
	e->iov[0] = (struct iovec){ e->hdr, sizeof(*e->hdr) };
	e->iov[1] = (struct iovec){ e->payload, u->payload_len };
	e->next = atomic_load(&q->ents);
	atomic_store(&q->ents, e);
	return e;
}

/* A handler kept entry e's request: one more entry takes its place in the queue. */
static void replace_parked(struct queue *q)
{
	struct ent *e = ent_new(q);

	if (!e) {
		if (!q->grow_failed)
			sfs_log(q->u->fs, LOG_WARNING, "io_uring queue %u: no memory for another "
				"entry: waiting requests hold up this ring", q->qid);
		q->grow_failed = true;
		return;
	}
	prep_cmd(q, e, FUSE_IO_URING_CMD_REGISTER, 0);
	q->live++;
}

size_t uring_take_reply(struct sfs *fs, const struct iovec *iov, int count)
{
	struct uring *u = atomic_load(&fs->uring);
	const struct fuse_out_header *out = iov[0].iov_base;
	struct ent *e = current_ent;
	size_t n;

	/* Notifications (unique 0) stay on /dev/fuse, and so does everything without rings. */
	if (!u || count < 1 || iov[0].iov_len < sizeof(*out) || out->unique == 0)
		return 0;
	if (!e || atomic_load(&e->unique) != out->unique) {
		e = find_ent(u, out->unique);   /* a reply made off the request's ring thread */
		if (!e)
			return 0;                 /* a request that came through /dev/fuse */
	}
	n = fill_reply(e, iov, count);
	if (atomic_fetch_or(&e->state, ENT_REPLIED) & ENT_RETURNED)
		hand_to_thread(e);            /* its thread is past the handler: it commits */
	return n;
}

/* One request in entry e, from the kernel: to libfuse as if read from /dev/fuse. */
static void serve_one(struct queue *q, struct ent *e)
{
	struct fuse_in_header in;
	uint32_t pay = e->hdr->ring_ent_in_out.payload_sz;
	size_t arg0, total;
	char *start;

	memcpy(&in, e->hdr->in_out, sizeof(in));
	total = in.len;
	atomic_store(&e->state, 0);
	atomic_store(&e->unique, in.unique);
	if (total < sizeof(in) + pay || pay > q->u->payload_len ||
	    (arg0 = total - sizeof(in) - pay) > FUSE_URING_OP_IN_OUT_SZ) {
		/* not a request we can read: answer it so the caller does not hang */
		struct fuse_out_header *oh = (struct fuse_out_header *)e->hdr->in_out;
		sfs_log(q->u->fs, LOG_ERR, "io_uring queue %u: malformed request (opcode %u, len "
			"%zu, payload %u)", q->qid, in.opcode, total, pay);
		*oh = (struct fuse_out_header){ .len = sizeof(*oh), .error = -EIO,
						.unique = in.unique };
		e->hdr->ring_ent_in_out.payload_sz = 0;
		commit(q, e);
		return;
	}
	if (total <= SMALL_REQUEST) {
		start = e->prefix;
		memcpy(start + sizeof(in) + arg0, e->payload, pay);
	} else {
		/* uncopied: its reply lands in the same payload buffer, which is safe because
		 * every handler of a large request (write, setxattr, ioctl) replies last */
		start = e->payload - arg0 - sizeof(in);
	}
	memcpy(start, &in, sizeof(in));
	memcpy(start + sizeof(in), e->hdr->op_in, arg0);

	struct fuse_buf buf = { .size = total, .mem = start };
	requests_count(q->u->fs, in.opcode);   /* as session_io.c counts those of /dev/fuse */
	current_ent = e;
	fuse_session_process_buf(q->u->fs->se, &buf);
	current_ent = NULL;
	atomic_fetch_add_explicit(&q->served, 1, memory_order_relaxed);
	if (atomic_fetch_or(&e->state, ENT_RETURNED) & ENT_REPLIED)
		commit(q, e);
	else   /* the reply comes later from another thread: uring_take_reply queues it here */
		replace_parked(q);
}

static void commit_ready(struct queue *q)
{
	struct ent *list;

	pthread_mutex_lock(&q->lock);
	list = q->ready;
	q->ready = NULL;
	pthread_mutex_unlock(&q->lock);
	while (list) {
		struct ent *next = list->next_ready;
		commit(q, list);
		list = next;
	}
}

static int queue_setup(struct queue *q)
{
	struct uring *u = q->u;
	struct io_uring_params p = {
		/* SQE128: the command area; one thread submits; task work (the kernel copying a
		 * request into our buffers) runs when we wait, not by interrupting us */
		.flags = IORING_SETUP_SQE128 | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN,
	};
	int dev_fd = fuse_session_fd(u->fs->se);
	int err;

	p.flags |= IORING_SETUP_CQSIZE;
	p.cq_entries = URING_CQ_ENTRIES;
	err = io_uring_queue_init_params(4 * URING_DEPTH, &q->ring, &p);
	if (err < 0)
		return err;
	q->ring_made = true;
	err = io_uring_register_files(&q->ring, &dev_fd, 1);
	if (err < 0)
		return err;
	q->efd = eventfd(0, EFD_CLOEXEC);
	if (q->efd < 0)
		return -errno;
	for (unsigned j = 0; j < URING_DEPTH; j++)
		if (!ent_new(q))
			return -ENOMEM;
	return 0;
}

static bool connection_ended(int res)
{
	return res == -ENOTCONN || res == -ECONNABORTED || res == -ECANCELED;
}

/* Registers the entries.  A refused REGISTER completes at once (the kernel checks it as it is
 * submitted); an accepted one only when a request comes.  An entry that ends with the connection
 * (ENOTCONN) is no refusal: this thread may have been off the CPU since it submitted while the
 * mount was served and unmounted (seen under load); queue_serve counts it like any other. */
static int queue_register(struct queue *q)
{
	struct io_uring_cqe *cqe;
	unsigned head;
	int err = 0;

	for (struct ent *e = atomic_load(&q->ents); e; e = e->next)
		prep_cmd(q, e, FUSE_IO_URING_CMD_REGISTER, 0);
	q->live = URING_DEPTH;
	arm_eventfd(q);
	err = io_uring_submit(&q->ring);
	if (err < 0)
		return err;
	io_uring_for_each_cqe(&q->ring, head, cqe)
		if (cqe->user_data != EVENTFD_TAG && cqe->res < 0 && !connection_ended(cqe->res))
			return cqe->res;
	return 0;
}

/* Until the connection ends (every entry fails: ENOTCONN) or uring_stop. */
static void queue_serve(struct queue *q)
{
	struct uring *u = q->u;

	while (q->live > 0 && !atomic_load(&u->stopping)) {
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		int r = io_uring_submit_and_wait(&q->ring, 1);

		if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
			sfs_log(u->fs, LOG_ERR, "io_uring queue %u: %s", q->qid, strerror(-r));
			break;
		}
		io_uring_for_each_cqe(&q->ring, head, cqe) {
			seen++;
			if (cqe->user_data == EVENTFD_TAG) {
				commit_ready(q);
				if (!atomic_load(&u->stopping))
					arm_eventfd(q);
				continue;
			}
			struct ent *e = (struct ent *)(uintptr_t)cqe->user_data;
			if (cqe->res < 0) {
				/* ENOTCONN: the connection ends; anything else leaves the entry
				 * with the kernel no more either */
				if (!connection_ended(cqe->res))
					sfs_log(u->fs, LOG_WARNING, "io_uring queue %u: %s", q->qid,
						strerror(-cqe->res));
				atomic_store(&e->unique, 0);
				q->live--;
				continue;
			}
			serve_one(q, e);
		}
		io_uring_cq_advance(&q->ring, seen);
	}
}

static void step_done(struct uring *u, unsigned *counter)
{
	pthread_mutex_lock(&u->lock);
	(*counter)++;
	pthread_cond_broadcast(&u->cond);
	pthread_mutex_unlock(&u->lock);
}

static void *queue_main(void *arg)
{
	struct queue *q = arg;
	struct uring *u = q->u;
	sigset_t all;
	cpu_set_t cpu;
	bool go;

	/* Signals are the /dev/fuse loop's (SIGTERM ends it); none interrupts a ring's wait. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	/* On its CPU: the caller's (an offline CPU cannot be had: the thread serves from
	 * wherever, should one come up and send) */
	CPU_ZERO(&cpu);
	CPU_SET(q->qid, &cpu);
	pthread_setaffinity_np(pthread_self(), sizeof(cpu), &cpu);

	q->setup_err = queue_setup(q);
	step_done(u, &u->prepared);
	pthread_mutex_lock(&u->lock);
	while (!u->go && !atomic_load(&u->stopping))
		pthread_cond_wait(&u->cond, &u->lock);
	go = u->go && !atomic_load(&u->stopping);
	pthread_mutex_unlock(&u->lock);
	if (go && !q->setup_err)
		q->register_err = queue_register(q);
	step_done(u, &u->registered);
	if (go && !q->setup_err && !q->register_err)
		queue_serve(q);

	/* The eventfd and the buffers stay until uring_free: other threads may still write to
	 * them (a wake-up, a late reply) until every ring thread has been joined. */
	if (q->ring_made)
		io_uring_queue_exit(&q->ring);
	return NULL;
}

static void uring_free(struct uring *u)
{
	atomic_store(&u->stopping, true);
	pthread_mutex_lock(&u->lock);
	pthread_cond_broadcast(&u->cond);
	pthread_mutex_unlock(&u->lock);
	for (unsigned i = 0; i < u->nq; i++) {
		struct queue *q = &u->queues[i];
		uint64_t one = 1;
		if (!q->started)
			continue;
		if (q->efd >= 0 && write(q->efd, &one, sizeof(one)) < 0) {
			/* the thread is not waiting on its ring (it has ended, or never began) */
		}
		pthread_join(q->thread, NULL);
	}
	for (unsigned i = 0; i < u->nq; i++) {
		struct queue *q = &u->queues[i];
		if (q->efd >= 0)
			close(q->efd);
		for (struct ent *e = atomic_load(&q->ents), *next; e; e = next) {
			next = e->next;
			munmap(e->block, e->map_len);
			free(e);
		}
		pthread_mutex_destroy(&q->lock);
	}
	pthread_mutex_destroy(&u->lock);
	pthread_cond_destroy(&u->cond);
	free(u->queues);
	free(u);
}

/* Rings, buffers and pinned threads for every queue, before the INIT reply says io_uring:
 * should any be missing, the reply does not say it and /dev/fuse serves. */
static struct uring *uring_create(struct sfs *fs, size_t payload_len, int *err)
{
	struct uring *u = calloc(1, sizeof(*u));

	*err = -ENOMEM;
	if (!u)
		return NULL;
	u->fs = fs;
	u->payload_len = payload_len;
	u->ncpu = possible_cpus();
	u->nq = u->ncpu * URING_RINGS_PER_CPU;
	pthread_mutex_init(&u->lock, NULL);
	pthread_cond_init(&u->cond, NULL);
	u->queues = calloc(u->nq, sizeof(*u->queues));
	if (!u->queues) {
		u->nq = 0;
		uring_free(u);
		return NULL;
	}
	for (unsigned i = 0; i < u->nq; i++) {
		struct queue *q = &u->queues[i];
		q->u = u;
		q->index = i;
		q->qid = i % u->ncpu;
		q->efd = -1;
		pthread_mutex_init(&q->lock, NULL);
	}
	*err = 0;
	for (unsigned i = 0; i < u->nq; i++) {
		struct queue *q = &u->queues[i];
		int e = pthread_create(&q->thread, NULL, queue_main, q);
		if (e) {
			*err = -e;
			pthread_mutex_lock(&u->lock);
			u->prepared++;             /* counted as done (and failed) */
			pthread_mutex_unlock(&u->lock);
			continue;
		}
		q->started = true;
	}
	pthread_mutex_lock(&u->lock);
	while (u->prepared < u->nq)
		pthread_cond_wait(&u->cond, &u->lock);
	pthread_mutex_unlock(&u->lock);
	for (unsigned i = 0; i < u->nq && !*err; i++)
		*err = u->queues[i].setup_err;
	if (*err) {
		uring_free(u);
		return NULL;
	}
	return u;
}

bool uring_patch_init_reply(struct sfs *fs, void *reply, size_t len)
{
	struct fuse_init_out *out = reply;
	size_t max_pages, payload;
	struct uring *u;
	int err;

	if (len != sizeof(*out))
		return false;
	if (fs->uring_mode == URING_OFF) {
		sfs_log(fs, LOG_INFO, "requests over /dev/fuse (io_uring=off)");
		return false;
	}
	if (!(fs->kernel_init_flags & FUSE_OVER_IO_URING) || !fs->uring_may) {
		if (fs->uring_mode == URING_ON)
			uring_refused(fs, "the kernel's INIT did not offer FUSE over io_uring");
		else
			sfs_log(fs, LOG_INFO, "requests over /dev/fuse: the kernel offers no io_uring "
				"(fuse module parameter enable_uring)");
		return false;
	}
	/* The kernel wants each entry's payload buffer to hold its largest request or reply:
	 * max(8 KiB, max_write, max_pages pages), max_pages being 32 unless we say otherwise. */
	max_pages = (out->flags & FUSE_MAX_PAGES) && out->max_pages ? out->max_pages : 32;
	payload = max_pages * PAGE;
	if (payload < out->max_write)
		payload = out->max_write;
	if (payload < 8192)
		payload = 8192;
	payload = (payload + PAGE - 1) / PAGE * PAGE;
	u = uring_create(fs, payload, &err);
	if (!u) {
		char why[160];
		snprintf(why, sizeof(why), "its rings cannot be set up (%s)", strerror(-err));
		if (fs->uring_mode == URING_ON)
			uring_refused(fs, why);
		else
			sfs_log(fs, LOG_WARNING, "requests over /dev/fuse: io_uring offered, but %s",
				why);
		return false;
	}
	atomic_store(&fs->uring, u);
	out->flags |= FUSE_INIT_EXT;
	out->flags2 |= (uint32_t)(FUSE_OVER_IO_URING >> 32);
	return true;
}

void uring_init_replied(struct sfs *fs)
{
	struct uring *u = atomic_load(&fs->uring);
	int err = 0;

	if (!u)
		return;
	pthread_mutex_lock(&u->lock);
	u->go = true;
	pthread_cond_broadcast(&u->cond);
	while (u->registered < u->nq)
		pthread_cond_wait(&u->cond, &u->lock);
	pthread_mutex_unlock(&u->lock);
	for (unsigned i = 0; i < u->nq && !err; i++)
		err = u->queues[i].register_err;
	if (!err) {
		atomic_store(&u->active, true);
		sfs_log(fs, LOG_INFO, "requests over io_uring: %u queues, one per CPU, of %u rings "
			"each", u->ncpu, URING_RINGS_PER_CPU);
		return;
	}
	/* The kernel took a refused REGISTER as "no io_uring" and serves through /dev/fuse. */
	if (fs->uring_mode == URING_ON) {
		char why[160];
		snprintf(why, sizeof(why), "the kernel refused a ring (%s)", strerror(-err));
		uring_refused(fs, why);
	} else {
		sfs_log(fs, LOG_WARNING, "requests over /dev/fuse: the kernel refused a ring (%s)",
			strerror(-err));
	}
}

int uring_describe(struct sfs *fs, char *buf, size_t len)
{
	struct uring *u = atomic_load(&fs->uring);
	int n;

	/* A request served by a ring says io_uring even before uring_init_replied has seen every
	 * queue register (the kernel may send through them as soon as the last one did). */
	if (!u || (!current_ent && !atomic_load(&u->active)))
		return snprintf(buf, len, "dev_fuse");
	n = snprintf(buf, len, "io_uring queues=%u served=", u->ncpu);
	for (unsigned cpu = 0; cpu < u->ncpu && n >= 0 && (size_t)n < len; cpu++) {
		unsigned long long sum = 0;
		for (unsigned i = cpu; i < u->nq; i += u->ncpu)
			sum += atomic_load(&u->queues[i].served);
		n += snprintf(buf + n, len - (size_t)n, "%s%llu", cpu ? "," : "", sum);
	}
	return n;
}

void uring_stop(struct sfs *fs)
{
	struct uring *u = atomic_exchange(&fs->uring, NULL);

	if (u)
		uring_free(u);
}

#endif /* HAVE_LIBURING */

/* ---- the unmount watch ---- */

int uring_start_unmount_watch(struct sfs *fs, const char *where)
{
	char dev[32];
	int p[2];
	pid_t pid;

	snprintf(dev, sizeof(dev), "%u:%u", fs->mount_dev_major, fs->mount_dev_minor);
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	/* No thread runs yet (main calls this before any starts): fork is safe. */
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		/* Only the pipe's read end goes along, as fd 3: no /dev/fuse descriptor (the
		 * connection must end with the daemon) and no fusermount3 socket (its
		 * auto_unmount waits for that to close). */
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		if (p[0] != 3)
			dup2(p[0], 3);
		else
			fcntl(3, F_SETFD, 0);
		close_range(4, ~0U, 0);
		execl("/proc/self/exe", "sectionfs-unmount-watch", "--unmount-watch", "3", dev, where,
		      (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	/* p[1] stays open, unused, for as long as the daemon lives: its end is the signal. */
	return 0;
}

int uring_unmount_watch_main(int argc, char **argv)
{
	unsigned major, minor, now_major, now_minor;
	const char *where;
	char c;
	int fd;

	if (argc != 5 || strcmp(argv[1], "--unmount-watch") != 0)
		return -1;
	prctl(PR_SET_NAME, "sectionfs-watch");   /* not "exe", from /proc/self/exe */
	fd = atoi(argv[2]);
	where = argv[4];
	if (sscanf(argv[3], "%u:%u", &major, &minor) != 2)
		return 2;
	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
	/* The daemon is gone.  It unmounts before it exits, so a mount left with its device is
	 * one it could not unmount: it was killed.  Nobody serves it any more; unmount it lazily
	 * (nothing waits for the connection, whatever state its io_uring teardown is in). */
	if (!mountinfo_find(where, "fuse.sectionfs", &now_major, &now_minor) ||
	    now_major != major || now_minor != minor)
		return 0;
	openlog("sectionfs", LOG_PID, LOG_DAEMON);
	if (geteuid() == 0) {
		if (umount2(where, MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
			syslog(LOG_ERR, "cannot unmount %s after the daemon died: %m", where);
			return 1;
		}
	} else {
		pid_t pid = fork();
		int status = 0;
		if (pid == 0) {
			execlp("fusermount3", "fusermount3", "-u", "-z", "-q", where, (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			/* fusermount3's auto_unmount may have come first: still mounted? */
			if (mountinfo_find(where, "fuse.sectionfs", &now_major, &now_minor) &&
			    now_major == major && now_minor == minor) {
				syslog(LOG_ERR, "cannot unmount %s after the daemon died", where);
				return 1;
			}
			return 0;
		}
	}
	syslog(LOG_NOTICE, "unmounted %s: its daemon died", where);
	return 0;
}
