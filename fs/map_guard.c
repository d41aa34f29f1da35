/* E36 under passthrough maps: no process may cut what another one maps; and which processes
 * map a section at all (user.section.holders, holders.c), found the same way.
 *
 * A passthrough map holds the section's data file itself, not the file it was made through, so
 * once that file is closed the daemon has no trace of the map.  Three steps, cheapest first:
 *
 * 1. A write lease on the data file (F_SETLEASE): the kernel grants it only while no other open
 *    file of it exists anywhere: no passthrough open and no map (a map keeps the open file it was
 *    made through alive).  Granted: nothing maps the section.  This is the common answer and
 *    costs two system calls.
 * 2. Refused: a passthrough open or a map exists.  The cutting open file itself is one (its own
 *    process's maps are its own business), and every other open file was counted by E36 already.
 *    Any other map was made through a passthrough open made since the data file was last found
 *    unmapped, so the threads that made those opens are remembered per section; their processes
 *    and the children of those are the only ones whose maps are read.
 * 3. When that memory is incomplete (an opener is gone, so its children may live on under another
 *    parent; or too many openers), every process's maps are read, as a last resort.
 *
 * Listing every process that maps a section (map_guard_mappers) takes the same steps, with the
 * processes holding its open files (and their children) searched as well: a map made through
 * a cached open file keeps that file, and so its opener, known to the daemon.
 *
 * Not seen: a map made in a process that was handed an open file over a socket by another
 * process still running (for E36, a passthrough open file).  Maps are read from /proc/PID/maps, whose device and inode fields are compared
 * exactly (a passthrough map shows the mount's device and the section's inode). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sectionfs.h"
#include "pagefile.h"
#include "section.h"

struct mapped_file {
	unsigned major, minor;
	uint64_t ino;
};

/* A line of /proc/PID/maps that maps the file.  The fields are parsed, never searched for: a
 * path may hold any text. */
static bool maps_line_is(const char *line, void *file)
{
	const struct mapped_file *want = file;
	unsigned maj, min;
	unsigned long long inode;

	return sscanf(line, "%*x-%*x %*s %*x %x:%x %llu", &maj, &min, &inode) == 3 &&
	       maj == want->major && min == want->minor && inode == want->ino;
}

/* Does /proc/PID/maps list a map of the file? */
static bool process_maps(pid_t pid, const struct mapped_file *file)
{
	return proc_find_line(pid, "maps", maps_line_is, (void *)file);
}

struct pid_set {
	pid_t *pids;
	size_t n, cap;
};

static bool pid_set_has(const struct pid_set *s, pid_t pid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->pids[i] == pid)
			return true;
	return false;
}

static bool pid_set_add(struct pid_set *s, pid_t pid)
{
	if (pid_set_has(s, pid))
		return true;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		pid_t *p = realloc(s->pids, cap * sizeof(*p));
		if (!p)
			return false;
		s->pids = p;
		s->cap = cap;
	}
	s->pids[s->n++] = pid;
	return true;
}

/* Adds pid and every process below it (from /proc/PID/task/TID/children). */
static bool add_with_children(struct pid_set *s, pid_t pid)
{
	size_t from = s->n;

	if (!pid_set_add(s, pid))
		return false;
	for (size_t i = from; i < s->n; i++) {
		char path[64];
		DIR *tasks;
		struct dirent *t;

		snprintf(path, sizeof(path), "/proc/%d/task", (int)s->pids[i]);
		tasks = opendir(path);
		while (tasks && (t = readdir(tasks))) {
			char file[384];
			int child;
			FILE *f;
			if (t->d_name[0] == '.')
				continue;
			snprintf(file, sizeof(file), "%s/%s/children", path, t->d_name);
			f = fopen(file, "re");
			while (f && fscanf(f, "%d", &child) == 1)
				if (!pid_set_add(s, child))
					break;
			if (f)
				fclose(f);
		}
		if (tasks)
			closedir(tasks);
	}
	return true;
}

/* Reads the maps of the processes in `targets` (of every process when NULL) but `except`'s
 * (0: none), adding each that maps the file to `found`; with found NULL, stops at the first.
 * Returns how many map it (at most 1 with found NULL), -ENOMEM when found could not grow. */
static int find_maps(const struct pid_set *targets, pid_t except, const struct mapped_file *file,
		     struct pid_set *found)
{
	DIR *proc = targets ? NULL : opendir("/proc");
	struct dirent *d;
	size_t next = 0;
	int n = 0;

	for (;;) {
		pid_t pid;
		if (targets) {
			if (next == targets->n)
				break;
			pid = targets->pids[next++];
		} else {
			if (!proc || !(d = readdir(proc)))
				break;
			pid = atoi(d->d_name);
		}
		if (pid <= 0 || pid == except || !process_maps(pid, file))
			continue;
		n++;
		if (!found)
			break;
		if (!pid_set_add(found, pid)) {
			n = -ENOMEM;
			break;
		}
	}
	if (proc)
		closedir(proc);
	return n;
}

/* Adds the processes of the passthrough openers `seen` but `except`'s (0: none), and their
 * children, to targets.  False when they cannot all be named: an opener gone (its children may
 * live on under another parent), too many openers, no memory; then only a search of every
 * process answers. */
static bool add_openers(struct pid_set *targets, const struct map_guard_openers *seen,
			pid_t except)
{
	if (seen->overflow)
		return false;
	for (unsigned i = 0; i < seen->n; i++) {
		pid_t tgid = tgid_of_thread(seen->tids[i]);
		if (tgid < 0 || (tgid != except && !add_with_children(targets, tgid)))
			return false;
	}
	return true;
}

void map_guard_opened(struct sfs *fs, struct node *node, pid_t tid)
{
	pthread_mutex_lock(&fs->nodes_lock);
	if (node->pt_openers.n < MAP_GUARD_OPENERS) {
		bool known = false;
		for (unsigned i = 0; i < node->pt_openers.n; i++)
			known |= node->pt_openers.tids[i] == tid;
		if (!known)
			node->pt_openers.tids[node->pt_openers.n++] = tid;
	} else {
		node->pt_openers.overflow = true;
	}
	pthread_mutex_unlock(&fs->nodes_lock);
}

/* Forgets the first `seen` openers (those just checked); `keep` (the cutter, 0: none) stays. */
static void forget_openers(struct sfs *fs, struct node *node, unsigned seen, bool overflow_seen,
			   pid_t keep)
{
	struct map_guard_openers *o = &node->pt_openers;

	pthread_mutex_lock(&fs->nodes_lock);
	if (seen > o->n)
		seen = o->n;
	memmove(o->tids, o->tids + seen, (o->n - seen) * sizeof(o->tids[0]));
	o->n -= seen;
	if (overflow_seen)
		o->overflow = false;
	pthread_mutex_unlock(&fs->nodes_lock);
	if (keep > 0)
		map_guard_opened(fs, node, keep);
}

static struct map_guard_openers openers_now(struct sfs *fs, struct node *node)
{
	struct map_guard_openers seen;

	pthread_mutex_lock(&fs->nodes_lock);
	seen = node->pt_openers;
	pthread_mutex_unlock(&fs->nodes_lock);
	return seen;
}

static struct mapped_file mapped_file_of(struct sfs *fs, struct node *node)
{
	return (struct mapped_file){ fs->mount_dev_major, fs->mount_dev_minor, node->ino };
}

bool map_guard_mapped_elsewhere(struct sfs *fs, struct node *node, pid_t by, bool by_passthrough)
{
	struct mapped_file file = mapped_file_of(fs, node);
	/* Openers recorded from here on may have opened after the lease was granted: only those
	 * seen before it may be forgotten. */
	struct map_guard_openers seen = openers_now(fs, node);
	struct pid_set targets = { 0 };
	pid_t by_tgid;
	unsigned others = 0;
	bool full, mapped;

	if (pagefile_file_alone(section_fd(node->section))) {
		forget_openers(fs, node, seen.n, seen.overflow, 0);
		return false;
	}
	for (unsigned i = 0; i < seen.n; i++)
		others += seen.tids[i] != by;
	full = seen.overflow || (seen.n == 0 && !by_passthrough);
	if (!full && others == 0)
		return false;      /* the lease was refused for the cutter's own open: the common case */

	by_tgid = by > 0 ? tgid_of_thread(by) : -1;
	full = full || !add_openers(&targets, &seen, by_tgid);
	mapped = find_maps(full ? NULL : &targets, by_tgid, &file, NULL) > 0;
	free(targets.pids);
	if (!mapped)   /* nothing maps it now: only opens from here on can */
		forget_openers(fs, node, seen.n, seen.overflow, by_passthrough ? by : 0);
	return mapped;
}

int map_guard_mappers(struct sfs *fs, struct node *node, const pid_t *holders, size_t n,
		      pid_t **found)
{
	struct mapped_file file = mapped_file_of(fs, node);
	struct map_guard_openers seen = openers_now(fs, node);
	struct pid_set targets = { 0 }, maps = { 0 };
	bool full = false;
	int count;

	/* A passthrough map holds the data file open: none while the lease is granted. */
	if (pagefile_file_alone(section_fd(node->section)))
		forget_openers(fs, node, seen.n, seen.overflow, 0);
	else
		full = !add_openers(&targets, &seen, 0);
	/* A cached map holds its open file: made by its opener, a child of one, or (the opener
	 * gone) anywhere the file went. */
	for (size_t i = 0; i < n && !full; i++)
		full = holders[i] <= 0 || (kill(holders[i], 0) < 0 && errno == ESRCH) ||
		       !add_with_children(&targets, holders[i]);
	count = find_maps(full ? NULL : &targets, 0, &file, &maps);
	free(targets.pids);
	if (count < 0)
		free(maps.pids);
	else
		*found = maps.pids;
	return count;
}
