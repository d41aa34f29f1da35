/* The daemon's shared state and the pieces its files share: the inode table, callers, replies.
 *
 * Layout of the mount:
 *   /Global/          the global namespace (mode 1777)
 *   /Local            a symlink that each caller reads as its own session's directory
 *   /Sessions/<id>/   each session's namespace, open only to that session (and root)
 *   /Sessions/0       a symlink to ../Global: session 0's namespace is the global one
 *   /Staging/         sections under construction, published into a namespace by rename
 * Inside every namespace: the links Global, Local and Session, as in Windows
 * (docs/windows-rules.md, F). */
#ifndef SECTIONFS_FS_H
#define SECTIONFS_FS_H

#define FUSE_USE_VERSION 314

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "errors.h"
#include "name.h"

struct store;
struct ns;
struct section;
struct section_owner;
struct notifier;
struct open_file;

enum session_mode {
	SESSIONS_LOGIN,   /* the audit login session (/proc/PID/sessionid); none: session 0 */
	SESSIONS_POSIX,   /* getsid() */
	SESSIONS_NONE,    /* every process in session 0 */
};

/* Who may create names in the global namespace from a session other than 0 (Windows asks for
 * SeCreateGlobalPrivilege; -o global_create=). */
enum global_create_rule {
	GLOBAL_CREATE_ANYONE,
	GLOBAL_CREATE_ROOT,
	GLOBAL_CREATE_GROUP,        /* root and members of `gid` */
};
struct global_create {
	enum global_create_rule rule;
	gid_t gid;
};

enum node_kind {
	NODE_ROOT,
	NODE_SESSIONS,     /* /Sessions */
	NODE_LOCAL,        /* /Local, per caller */
	NODE_SESSION0,     /* /Sessions/0 -> ../Global */
	NODE_NAMESPACE,    /* /Global, /Sessions/<id>, /Staging */
	NODE_NS_LINK,      /* <namespace>/Global, Local, Session */
	NODE_SECTION,
};


/* Locks, in the order they are taken (never the reverse):
 *   1. sfs.nodes_lock   the inode table: lookup counts, the lists of nodes, the host slots of
 *                       sections and namespaces (section_host, ns_host), and a section node's
 *                       passthrough opens and openers (ops_data.c, map_guard.c)
 *   2. the core's       store->lock, a copy-on-write overlay's lock, a section's size_lock
 *                       (store.h): nodes_lock is held over ns_get and ns_is_ended, which take
 *                       store->lock.  The core calls the daemon back (its unname hook) with none
 *                       of its locks held, so none is ever taken before nodes_lock.
 * The notifier's lock (notify.c) and the sweeper's (sessions.c) each guard their own queue or
 * flag; they are taken with no other lock held, and nothing is taken under them.
 * uring.c: each ring queue's lock guards its list of replies made off its thread, and the
 * coordinator's lock the start-up handshake; both are taken with no other lock held and nothing
 * under them.  A ring thread runs handlers exactly as a /dev/fuse loop thread does (the same
 * rules); it holds none of its locks while it does.
 *
 * No lock, the daemon's or the core's, is held across a reply, a notification or an ioctl on
 * /dev/fuse, and no handler waits for the notifier: a notification waits for requests in flight (FUSE-NOTES:
 * notify_inval_inode waits for the pages a READ holds), whose handlers may be waiting for that
 * lock.  Replies and the backing ioctls (passthrough.c) keep to the same rule, so it has no
 * exception to check; nodes_lock, which every lookup and forget takes, is held over no I/O at all
 * (map_guard.c reads /proc after copying what it needs).
 *
 * Fields below say what protects them: a lock; "fixed": set before the session loop starts (or
 * when the node is made) and only read after; "INIT": the thread serving the INIT request only,
 * before the kernel sends any other; "atomic": explicit atomic loads and stores, any thread. */

/* map_guard.c: the threads that opened a section through passthrough since its data file was
 * last found unmapped. */
#define MAP_GUARD_OPENERS 32
struct map_guard_openers {
	pid_t tids[MAP_GUARD_OPENERS];
	unsigned n;
	bool overflow;              /* more opened than fit: only a full search answers */
};

/* An inode the kernel knows.  Nodes of the fixed layout and of namespaces live as long as the
 * daemon; a section's node lives while the kernel holds a lookup on it. */
struct node {
	enum node_kind kind;        /* fixed */
	uint64_t ino;               /* fixed; st_ino */
	_Atomic int backing_id;     /* SECTION: atomic; the kernel's id of its memfd, or 0
				     * (passthrough.c) */
	_Atomic unsigned passthrough_opens;   /* SECTION: atomic, changed under sfs.nodes_lock;
					       * open files in passthrough now */
	struct map_guard_openers pt_openers;   /* SECTION: sfs.nodes_lock */
	LIST_HEAD(, open_file) open_files;     /* SECTION: sfs.nodes_lock; all of them (holders.c) */
	struct ns *ns;              /* fixed; NAMESPACE: itself; NS_LINK: the namespace holding it */
	enum name_link link;          /* fixed; NS_LINK */
	struct section *section;    /* fixed; SECTION: referenced while the node lives */
	uint64_t nlookup;           /* SECTION: sfs.nodes_lock; the kernel's lookup count */
	LIST_ENTRY(node) in_list;   /* SECTION: sfs.nodes_lock; in sfs.section_nodes */
};

/* The nodes of one namespace directory: itself and its three links.  A session's are counted
 * together (the kernel's lookups of any of the four, and listings holding them) and go, with
 * the reference they hold on the namespace, once its session ended and nothing counts them. */
struct ns_nodes {
	struct node dir;            /* fixed */
	struct node links[NAME_LINK_COUNT];   /* fixed */
	uint64_t nlookup;           /* sfs.nodes_lock; sessions' only */
	unsigned listings;          /* sfs.nodes_lock; Sessions/ listings naming dir */
	LIST_ENTRY(ns_nodes) in_list;   /* sfs.nodes_lock; sessions' in sfs.session_groups */
};

/* Request opcodes counted one by one (requests.c); later ones count under 0. */
#define SFS_OPCODES 64

/* The mode bits a section keeps: permissions only, never set-user-ID or set-group-ID.  A
 * section is memory, never a program to run with someone's privileges; and with no such bits
 * (and no security.capability, which no section can have) there is nothing for a write to drop,
 * so the kernel need not ask before each write (session_io.c, FUSE_HANDLE_KILLPRIV_V2).  The
 * sticky bit is not kept either: stat shows it on events, mutexes and semaphores (node_owner),
 * so that `ls -l` tells them from sections (a trailing T). */
#define SECTION_MODE_BITS (S_IRWXU | S_IRWXG | S_IRWXO)

/* Passthrough state (passthrough.c). */
enum passthrough_mode { PASSTHROUGH_AUTO, PASSTHROUGH_ON, PASSTHROUGH_OFF };
struct sfs_passthrough {
	enum passthrough_mode mode; /* fixed */
	int dev_fd;                 /* fixed; the session's /dev/fuse descriptor */
	bool kernel_offers;         /* INIT; the kernel's INIT offered FUSE_PASSTHROUGH */
	bool negotiated;            /* INIT; our INIT reply took it */
	atomic_bool active;         /* atomic; in use; turned off for good, by any thread, if the
				     * kernel refuses a backing file */
};

/* How requests reach the daemon (uring.c): -o io_uring=. */
enum uring_mode { URING_AUTO, URING_ON, URING_OFF };
struct uring;

struct sfs {
	struct store *store;        /* fixed */
	struct sfs_passthrough pt;
	enum uring_mode uring_mode; /* fixed */
	bool uring_may;             /* fixed; io_uring was possible at start (uring_possible), so the
				     * unmount watch runs: only then may the INIT reply take it */
	_Atomic(struct uring *) uring;   /* atomic; set while INIT is answered, before the kernel
					  * can send anything through a ring; NULL: /dev/fuse */
	bool foreground;            /* fixed; messages also go to stderr */
	const char *where;          /* fixed; the mount point's real path, for messages (or NULL) */
	bool failed;                /* INIT; read after the loop: the daemon must exit 1 though
				     * it mounted */
	struct fuse_session *se;    /* fixed */
	struct notifier *notifier;  /* fixed (cleared after the loop) */
	struct trims *trims;        /* fixed; may be NULL */
	struct ticker *sweeper;     /* fixed */
	_Atomic uint64_t init_unique;   /* atomic; the INIT request while it is answered
					 * (session_io.c), read at every reply */
	uint64_t kernel_init_flags; /* INIT; what the kernel's INIT offered (flags2 << 32 | flags) */
	_Atomic uint64_t requests[SFS_OPCODES];   /* atomic; requests read, by opcode (requests.c) */
	enum session_mode sessions; /* fixed */
	struct global_create global_create;   /* fixed */
	uid_t owner_uid;            /* fixed; who owns the directories: the daemon's user */
	gid_t owner_gid;            /* fixed */
	struct timespec mounted;    /* fixed; the directories' times */
	unsigned mount_dev_major;   /* fixed; this mount's device: no section may live on it */
	unsigned mount_dev_minor;   /* fixed */
	pthread_mutex_t nodes_lock; /* the inode table (lock order above) */
	pthread_mutex_t objects_lock;   /* the open files of objects (ops_sync.c), taken alone */
	void *object_files;         /* objects_lock: tsearch tree of their open files, by st_ino */
	struct wait_timer *wait_timer;  /* fixed; waits.c */
	struct thread_ends *thread_ends;    /* fixed; NULL before Linux 6.9 (thread_ends.c) */
	LIST_HEAD(, node) section_nodes;          /* nodes_lock: for nodes_destroy() */
	LIST_HEAD(, ns_nodes) session_groups;     /* nodes_lock: every session's, for the same */
	struct node root, sessions_dir, local, session0;   /* fixed */
	struct ns_nodes global, staging;          /* fixed; never counted */
};

static inline struct sfs *sfs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* One open file of a section (fi->fh): its core handle and how the kernel serves it.  Open
 * files of objects, and of staged sections (which may become objects), are also counted per
 * object and process (ops_sync.c): the fields after `counted` are theirs. */
struct open_file {
	struct handle *handle;
	struct node *node;          /* held by the kernel while the file is open */
	bool passthrough;
	bool counted;               /* fixed; in fs->object_files */
	bool object;                /* fixed; opened as an event, mutex or semaphore (sync_open):
				     * reads wait, writes signal.  A file opened while the object
				     * was still a staged section stays a section's file. */
	pid_t tgid;                 /* fixed; the opener's process (its thread id when the process
				     * could not be told: it is gone); -1 unknown (open_file_new) */
	uint64_t owner_tag;         /* fixed; who holds a mutex taken by reading this file */
	struct fuse_pollhandle *ph; /* objects_lock; the kernel's poll of it, to notify */
	LIST_ENTRY(open_file) in_object;   /* objects_lock */
	LIST_ENTRY(open_file) in_node;   /* sfs.nodes_lock; in node->open_files */
};

/* A new open file of h (NULL: no memory), opened by thread `opener` (fuse_req_ctx's pid). */
struct open_file *open_file_new(struct node *node, struct handle *h, pid_t opener);
/* Lets go of everything an open file holds, its handle last, and frees it (ops_data.c). */
void open_file_close(struct sfs *fs, struct open_file *of);

static inline struct open_file *open_file_of(const struct fuse_file_info *fi)
{
	return (struct open_file *)(uintptr_t)fi->fh;
}

static inline struct handle *handle_of(const struct fuse_file_info *fi)
{
	return open_file_of(fi)->handle;
}

/* A condition variable whose timed waits run on CLOCK_MONOTONIC: the daemon's every timed wait
 * uses one, so that setting the wall clock neither stretches nor cuts a wait. */
static inline void cond_init_monotonic(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

/* ---- nodes.c: the inode table ---- */

/* The node behind a nodeid, NULL if it is none of ours. */
struct node *node_of(struct sfs *fs, fuse_ino_t ino);
fuse_ino_t node_id(struct sfs *fs, const struct node *node);

/* The directory node of a namespace (made the first time a namespace is seen). */
struct node *node_of_namespace(struct sfs *fs, struct ns *ns);
struct node *node_of_ns_link(struct sfs *fs, struct ns *ns, enum name_link link);

/* One more kernel lookup of a fixed or namespace node about to be replied (counted for a
 * session's nodes, which may go; nothing to count for the others). */
void node_hold(struct sfs *fs, struct node *node);

/* A Sessions/ listing names (listed) or no longer names a session's directory node. */
void node_listing_hold(struct sfs *fs, struct node *dir, bool listed);

/* ns's session ended (store_end_session): its nodes go now if nothing counts them, else with
 * the last forget. */
void nodes_session_ended(struct sfs *fs, struct ns *ns);

/* A section's node with one more kernel lookup; consumes the caller's reference on sec. */
struct node *node_lookup_section(struct sfs *fs, struct section *sec);

/* The st_ino of a section. */
uint64_t node_section_ino(const struct section *sec);

/* The kernel forgot n lookups of a node. */
void node_forget(struct sfs *fs, struct node *node, uint64_t n);

/* Attributes and directory entries.  node_owner: the owner and permission bits stat shows,
 * and the file type (S_IFDIR...). */
mode_t node_owner(struct sfs *fs, const struct node *node, struct section_owner *owner);
void node_attr(struct sfs *fs, const struct node *node, struct stat *st);
void node_entry(struct sfs *fs, const struct node *node, struct fuse_entry_param *e);
/* Where a link points; `caller` is the caller's session, which only Local depends on. */
const char *node_link_target(const struct node *node, uint32_t caller, char *buf, size_t len);
void nodes_init(struct sfs *fs);
/* After the session: frees the nodes the kernel still held (it forgets nothing at unmount) with
 * their section references, and the namespaces' nodes. */
void nodes_destroy(struct sfs *fs);

/* ---- log.c: one line per event worth knowing (syslog priorities) ---- */
void sfs_log(const struct sfs *fs, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- service.c: the mount's life told to the log and to systemd (sd_notify) ---- */
/* The kernel has taken the INIT reply: the mount answers (READY=1). */
void service_ready(struct sfs *fs);
/* The session loop ended with loop_result (a signal number, 0, or -errno): STOPPING=1. */
void service_stopping(struct sfs *fs, int loop_result);

/* ---- cap_watch.c: a line when the cap or the section count is reached, once an episode ---- */
struct cap_watch;
/* Also retries the trims waiting (trims.c) at each look. */
struct cap_watch *cap_watch_start(struct sfs *fs);   /* NULL: no watch (out of memory) */
void cap_watch_stop(struct cap_watch *w);

/* ---- store_setup.c: the store over its paging file, before mounting ---- */
struct sfs_options;
/* Raises the descriptor limit, bounds the sections, opens the paging file (pagefile=) and makes
 * fs->store; may turn passthrough off when only memfds are possible.  Prints why and returns
 * -1 when the mount cannot go on. */
int store_setup(struct sfs *fs, const struct sfs_options *opts);

/* ---- trims.c: pages of destroyed sections waiting for the kernel to let go of their file ---- */
struct trims;
struct trims *trims_new(void);          /* NULL: out of memory (trims are then not retried) */
/* Trims sec's pages now (section_trim), or keeps it to try again at trims_retry. */
void trims_try(struct trims *t, struct section *sec);
void trims_retry(struct trims *t);
void trims_free(struct trims *t);

/* ---- worker.c: a thread with a lock, a wake-up and a stop flag ---- */
struct worker {
	pthread_t thread;
	pthread_mutex_t lock;       /* the thread's own state, and `stopping` */
	pthread_cond_t wake;        /* CLOCK_MONOTONIC (cond_init_monotonic) */
	bool stopping;              /* lock */
};
/* Sets w up and runs run(arg) in a new thread; 0, or pthread_create's error (w then holds
 * nothing). */
int worker_start(struct worker *w, void *(*run)(void *arg), void *arg);
/* Sets `stopping`, wakes the thread, joins it and lets go of w's lock and wake-up. */
void worker_stop(struct worker *w);

/* ---- ticker.c: a thread that does one thing every few seconds ---- */
struct ticker;
/* Calls tick(arg) every interval_s seconds, the first time after one interval; NULL when no
 * thread can be made. */
struct ticker *ticker_start(void (*tick)(void *arg), void *arg, unsigned interval_s);
/* Stops and joins the thread (a tick under way ends first); NULL does nothing. */
void ticker_stop(struct ticker *t);

/* ---- sessions.c: a session's namespace dies with the session ---- */

/* Session id's namespace, referenced (ns_put), made when create says so; under sessions=posix
 * a namespace left by an earlier session with the same id is ended first. */
struct ns *session_namespace(struct sfs *fs, uint32_t id, bool create);

/* The thread that ends the namespaces of sessions with no process left (NULL when there is
 * nothing to sweep: sessions=none). */
struct ticker *sessions_sweeper_start(struct sfs *fs);   /* ticker_stop() ends it */

/* ---- caller.c: who is asking ---- */

/* The audit login session of a process (/proc/PID/sessionid), 0 when it has none. */
uint32_t login_session_of(pid_t pid);

/* The process a thread belongs to (requests name the calling thread); -1 when it is gone. */
pid_t tgid_of_thread(pid_t tid);

/* The calling process's Windows session under the mount's session mode. */
uint32_t caller_session(struct sfs *fs, fuse_req_t req);

/* The permission checks are in permissions.h. */

/* ---- bdi.c: the mount's read-ahead and dirty-page limits (root only) ---- */
void bdi_tune(struct sfs *fs);

/* ---- session_io.c: /dev/fuse read and written with the INIT exchange in view ---- */
/* After mounting, before the loop. */
int session_io_setup(struct sfs *fs);

/* procfs.c: reads /proc/PID/FILE a line at a time until match() says this is the line; whether
 * it did (false also when the file cannot be read: the process is gone). */
bool proc_find_line(pid_t pid, const char *file, bool (*match)(const char *line, void *ctx),
		    void *ctx);

/* requests.c: counts a request read (any thread) and writes the counts as text ("OPCODE N"
 * lines, nonzero ones); the length written, or -1 if len is too short. */
void requests_count(struct sfs *fs, uint32_t opcode);
int requests_text(struct sfs *fs, char *buf, size_t len);

/* ---- map_guard.c: E36 under passthrough maps (see there) ---- */

/* A thread opened node's section through passthrough: its process may map it. */
void map_guard_opened(struct sfs *fs, struct node *node, pid_t tid);

/* Does a process other than `by`'s (the cutting thread; 0: none) map node's section through
 * passthrough?  by_passthrough: the cut comes through a passthrough open of by's. */
bool map_guard_mapped_elsewhere(struct sfs *fs, struct node *node, pid_t by, bool by_passthrough);

/* Every process that maps node's section, through passthrough or the page cache, searched as
 * above with the processes `holders` (the openers of its open files; -1: one unknown) and their
 * children added.  *found gets them (malloc'd, the caller's to free); returns how many, or
 * -ENOMEM.  Reads /proc: call with no lock held. */
int map_guard_mappers(struct sfs *fs, struct node *node, const pid_t *holders, size_t n,
		      pid_t **found);

/* ---- holders.c: who holds a section (user.section.holders) ---- */

/* An open file was made (set_open_flags, sync_open): its process (of->tgid) becomes one of
 * the section's holders.  Takes nodes_lock. */
void holders_opened(struct sfs *fs, struct open_file *of);
/* It is about to be freed. */
void holders_closed(struct sfs *fs, struct open_file *of);

/* The value of SECTIONFS_XATTR_HOLDERS of node, as the caller may see it (protocol.h), into
 * *text (malloc'd, the caller's to free): its length, or -ENOMEM, or -E2BIG past
 * XATTR_SIZE_MAX.  Reads /proc: call with no lock held. */
int holders_text(struct sfs *fs, fuse_req_t req, struct node *node, char **text);

/* ---- backing.c: file-backed sections ---- */

/* Puts staged section sec over the caller's open file named by value ("fd:N" or "fd:N:SIZE",
 * SIZE 0 meaning the file's own; without it the section's size).  Returns 0 or an
 * errno: EINVAL (bad value, or the Win32 rules refuse the file), EBADF, EACCES, EXDEV (a file on
 * this mount), ENOSPC. */
int backing_attach(struct sfs *fs, fuse_req_t req, struct section *sec, const char *value);

/* ---- waits.c: waits that end later, from whichever thread ends them ---- */
struct sync_wait_spec;

/* Answers a wait that ended: result as sync_wait's (sync.h; WAIT_FAILED with err), never
 * SYNC_WAIT_CANCELLED (waits_start answers EINTR for that).  `extra` is the caller's, freed
 * after. */
typedef void wait_reply_fn(fuse_req_t req, uint32_t result, uint32_t err, void *extra);

/* Waits for spec (its objects, owner and timeout; the rest is filled here) on behalf of req,
 * replying through `reply` at once or later from the thread that ends the wait, with no daemon
 * thread held meanwhile.  A signal to the caller (FUSE INTERRUPT) ends it with EINTR, nothing
 * taken; each request gets exactly one reply.  Takes `extra` (malloc'd) in every case. */
void waits_start(struct sfs *fs, fuse_req_t req, struct sync_wait_spec *spec,
		 wait_reply_fn *reply, void *extra);

/* The thread that ends waits whose time is up (CLOCK_MONOTONIC); -1 when it cannot start. */
int waits_timer_start(struct sfs *fs);
void waits_timer_stop(struct sfs *fs);

/* ---- ops_sync.c: events, mutexes and semaphores as files (protocol.h) ---- */

/* Counts an open file of a staged section (it may become an object) as its process's;
 * ENOMEM when it cannot. */
int sync_count_open_file(struct sfs *fs, struct open_file *of);

/* Opens an object: h becomes fi's open file, a stream served by the daemon; replies. */
void sync_open(fuse_req_t req, struct node *node, struct fuse_file_info *fi, struct handle *h);

/* A counted open file is let go (before its handle is closed): a mutex it holds, or that a
 * thread of its process holds when this was the process's last open file of it, is abandoned. */
void sync_uncount_open_file(struct sfs *fs, struct open_file *of);
/* At exit, once no request can come: what is still counted is let go (nodes_destroy). */
void sync_forget_open_files(struct sfs *fs);

void sync_read(fuse_req_t req, size_t size, struct fuse_file_info *fi);
void sync_write(fuse_req_t req, const char *buf, size_t size, struct fuse_file_info *fi);
void sfs_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
	      struct fuse_pollhandle *ph);

/* The OBJECT, WAIT and SIGNAL ioctls; `arg` holds the request's struct; replies. */
void sync_ioctl(fuse_req_t req, struct fuse_file_info *fi, unsigned cmd, void *arg,
		size_t size);

/* user.section.type, .state and .waiters: the value into buf (the length, or -ENODATA);
 * sync_set_type: a staged file becomes the object `text` says (0 or an errno). */
int sync_type_text(struct section *sec, char *buf, size_t len);
int sync_state_text(struct section *sec, char *buf, size_t len);
int sync_waiters_text(struct section *sec, char *buf, size_t len);
int sync_set_type(struct section *sec, const char *text);

/* Poll notifications for objects that can be taken now (the core's ready hook). */
void sync_ready(void *ctx, struct section *sec);

/* Thread tid of process tgid ended: the mutexes it owns are abandoned (H52). */
void sync_thread_ended(struct sfs *fs, pid_t tid, pid_t tgid);

/* ---- thread_ends.c: the ends of threads that own mutexes (H52) ---- */
struct thread_ends;
/* The watch and its thread; NULL when the kernel cannot say when a thread ends (PIDFD_THREAD,
 * Linux 6.9) or nothing could be had: then mutexes are abandoned only with their process. */
struct thread_ends *thread_ends_start(struct sfs *fs);
/* Watches thread tid of process tgid, once however often asked (te NULL: nothing). */
void thread_ends_watch(struct thread_ends *te, pid_t tid, pid_t tgid);
void thread_ends_stop(struct thread_ends *te);

/* ---- ops_*.c: the operations (main.c holds the table) ---- */
void sfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void sfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void sfs_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets);
void sfs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void sfs_access(fuse_req_t req, fuse_ino_t ino, int mask);
void sfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		 struct fuse_file_info *fi);
void sfs_readlink(fuse_req_t req, fuse_ino_t ino);
void sfs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);
void sfs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void sfs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
void sfs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
void sfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void sfs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void sfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		const char *newname, unsigned int flags);
void sfs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void sfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		 struct fuse_file_info *fi);
void sfs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi);
void sfs_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void sfs_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		struct fuse_file_info *fi);
void sfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void sfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void sfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
	       struct fuse_file_info *fi);
void sfs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void sfs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void sfs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void sfs_statfs(fuse_req_t req, fuse_ino_t ino);
void sfs_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
		   struct fuse_file_info *fi);
void sfs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
		  size_t size, int flags);
void sfs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
void sfs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void sfs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);
void sfs_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
	       struct fuse_file_info *fi, unsigned flags, const void *in_buf, size_t in_bufsz,
	       size_t out_bufsz);

/* Replies with the errno for a Win32 error (0 for success). */
static inline void reply_winerr(fuse_req_t req, uint32_t winerr)
{
	fuse_reply_err(req, winerr_to_errno(winerr));
}

/* How long the kernel may trust what we say.  Fixed nodes never change; sections change only
 * through this kernel or with a notification; Sessions/<id> is asked every time, because who may
 * enter depends on the caller. */
#define TIMEOUT_FOREVER 86400.0
#define TIMEOUT_SECTION_ATTR 1.0

#endif
