/* Who holds a section: the processes behind its open files and its maps, as
 * user.section.holders tells them (protocol.h, SECTIONFS_XATTR_HOLDERS).
 *
 * The daemon sees every open file of a section: each records the process that opened it, and
 * holders_text() asks each file's core handle whether it is a handle or a view now.  Maps are
 * only in /proc; map_guard.c knows where to look.  Nothing in /proc is read under nodes_lock:
 * the open files are copied out first, and the processes looked at afterwards. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/limits.h>   /* XATTR_SIZE_MAX */
#include <unistd.h>

#include "sectionfs.h"
#include "handle.h"
#include "section.h"

/* Line order within a process (protocol.h). */
enum holder_role { ROLE_HANDLE, ROLE_VIEW, ROLE_MAP };
static const char *const role_names[] = {
	[ROLE_HANDLE] = "handle",
	[ROLE_VIEW] = "view",
	[ROLE_MAP] = "map",
};

struct holder {
	pid_t pid;
	enum holder_role role;
};

void holders_opened(struct sfs *fs, struct open_file *of)
{
	pthread_mutex_lock(&fs->nodes_lock);
	LIST_INSERT_HEAD(&of->node->open_files, of, in_node);
	pthread_mutex_unlock(&fs->nodes_lock);
}

void holders_closed(struct sfs *fs, struct open_file *of)
{
	pthread_mutex_lock(&fs->nodes_lock);
	LIST_REMOVE(of, in_node);
	pthread_mutex_unlock(&fs->nodes_lock);
}

/* The node's open files that are handles or views, as (opener, role); retired ones hold
 * nothing.  Returns how many, -ENOMEM. */
static int copy_open_files(struct sfs *fs, struct node *node, struct holder **out)
{
	struct open_file *of;
	struct holder *h = NULL;
	size_t n = 0, cap = 0;
	int err = 0;

	pthread_mutex_lock(&fs->nodes_lock);
	LIST_FOREACH(of, &node->open_files, in_node)
		cap++;
	if (cap && !(h = calloc(cap, sizeof(*h))))
		err = -ENOMEM;
	LIST_FOREACH(of, &node->open_files, in_node) {
		enum handle_role role;
		if (err)
			break;
		role = handle_role(of->handle);   /* store->lock, after nodes_lock: the order */
		if (role != HANDLE_ROLE_RETIRED)
			h[n++] = (struct holder){ of->tgid,
						  role == HANDLE_ROLE_VIEW ? ROLE_VIEW : ROLE_HANDLE };
	}
	pthread_mutex_unlock(&fs->nodes_lock);
	if (err)
		return err;
	*out = h;
	return (int)n;
}

static int holder_order(const void *a, const void *b)
{
	const struct holder *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (int)x->role - (int)y->role;
}

/* Every holder of node, sorted, each (pid, role) once.  Returns how many, -ENOMEM. */
static int find_holders(struct sfs *fs, struct node *node, struct holder **out)
{
	struct holder *h = NULL, *more;
	pid_t *openers = NULL, *maps = NULL;
	int files = copy_open_files(fs, node, &h), mapped;
	size_t n = 0;

	if (files < 0)
		return files;
	if (files && !(openers = calloc((size_t)files, sizeof(*openers)))) {
		free(h);
		return -ENOMEM;
	}
	for (int i = 0; i < files; i++)
		openers[i] = h[i].pid;
	mapped = map_guard_mappers(fs, node, openers, (size_t)files, &maps);
	free(openers);
	more = mapped > 0 ? realloc(h, ((size_t)files + (size_t)mapped) * sizeof(*h)) : h;
	if (mapped < 0 || (mapped > 0 && !more)) {
		free(h);
		free(maps);
		return -ENOMEM;
	}
	h = more;
	for (int i = 0; i < mapped; i++)
		h[files + i] = (struct holder){ maps[i], ROLE_MAP };
	free(maps);
	if (files + mapped)
		qsort(h, (size_t)(files + mapped), sizeof(*h), holder_order);
	for (int i = 0; i < files + mapped; i++)
		if (h[i].pid > 0 && (n == 0 || holder_order(&h[n - 1], &h[i])))
			h[n++] = h[i];
	*out = h;
	return (int)n;
}

/* May the caller see the lines of process pid (protocol.h)?  everything: root or the owner. */
static bool caller_sees(pid_t pid, uid_t caller, bool everything)
{
	char path[32];
	struct stat st;

	if (everything)
		return true;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return stat(path, &st) == 0 && st.st_uid == caller;
}

/* The process's name as one line: "-" when it is gone. */
static void comm_of(pid_t pid, char *comm, size_t len)
{
	char path[32];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (f) {
		n = fread(comm, 1, len - 1, f);
		fclose(f);
	}
	if (n && comm[n - 1] == '\n')
		n--;
	if (!n)
		comm[n++] = '-';
	comm[n] = '\0';
	for (char *c = comm; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

int holders_text(struct sfs *fs, fuse_req_t req, struct node *node, char **text)
{
	uid_t caller = fuse_req_ctx(req)->uid;
	bool everything = caller == 0 || section_owner(node->section).uid == caller;
	struct holder *h = NULL;
	int n = find_holders(fs, node, &h);
	char *buf, comm[64];
	size_t len = 0;

	if (n < 0)
		return n;
	buf = malloc(XATTR_SIZE_MAX);
	if (!buf) {
		free(h);
		return -ENOMEM;
	}
	for (int i = 0; i < n && len < XATTR_SIZE_MAX; i++) {
		int w;
		if (!caller_sees(h[i].pid, caller, everything))
			continue;
		comm_of(h[i].pid, comm, sizeof(comm));
		w = snprintf(buf + len, XATTR_SIZE_MAX - len, "%d %s %s\n", (int)h[i].pid,
			     role_names[h[i].role], comm);
		len += (size_t)w;   /* past the end when cut: E2BIG below */
	}
	free(h);
	if (len >= XATTR_SIZE_MAX) {
		free(buf);
		return -E2BIG;
	}
	*text = buf;
	return (int)len;
}
