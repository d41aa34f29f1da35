/* sectionfs-bridge: options, and the loop that joins the helper, the wineserver's directory,
 * the mount and (in wrapper mode) the game. */
#include "bridge.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bridge_config.h"
#include "config.h"
#include "mountinfo.h"
#include "name.h"
#include "sectionfs/layout.h"

#define TICK_MS 1000        /* a new wineserver, a made section's name: looked for this often */
#define HELPER_SERVER_ENDING 3   /* the helper's exit status when its wineserver ends */
#define RESTART_MS 3000     /* from a helper's end to the next helper: a killed wineserver keeps
			     * its socket 2 s, and a helper started then has wine start a server */

/* A Windows section or event published in the mount, held by `fd` (closing it takes it
 * away; an event's is also how the bridge signals it). */
struct published {
	struct published *next;
	unsigned long id;          /* the helper's */
	int fd;
	char where[PATH_MAX];      /* NS/NAME, for messages */
};

/* A name a Linux program makes in the mount for Windows programs to find (--make). */
struct made {
	struct made *next;
	unsigned long id;          /* ours, for MAKE and DROP */
	bool global;
	bool asked, held;          /* MAKE sent; the helper holds a section over it */
	dev_t dev;
	ino_t ino;                 /* the mount file it is over */
	char name[];
};

static struct {
	const char *mount;
	const char *helper_exe;
	mode_t mode;
	bool verbose;
	bool events;               /* not --no-events */
	bool said_no_events;       /* the mount has none: said once */
	struct wine_prefix wp;
	struct helper helper;
	bool helper_up;
	int inotify, watch;
	struct published *published;
	struct made *made;
	unsigned long next_made;
	pid_t command;             /* wrapper mode: the game's launch command */
	int command_status;
	struct stat ending;        /* the socket of a wineserver that is ending (st_ino 0: none) */
	long long restart_ms;      /* no helper before this time (now_ms()) */
} b = { .mode = 0600, .events = true, .inotify = -1, .watch = -1, .command = -1, .next_made = 1 };

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("sectionfs-bridge: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* The mount's directory for Global\ names or for the bridge's own session. */
static const char *mount_dir(bool global)
{
	return global ? SECTIONFS_GLOBAL : SECTIONFS_LOCAL;
}

static const char *find_mount(const char *given)
{
	static char found[PATH_MAX];

	return mountinfo_sectionfs_root(given, found, sizeof(found)) ? found : NULL;
}

/* ---- sections from Windows ---- */

/* p, just published (p->fd) or not (-1, errno): kept, or told why not and freed.  Whether to
 * say it was published. */
static bool published(struct published *p, const char *ns, const char *name)
{
	if (p->fd < 0) {
		if (errno == EEXIST)
			say("%s: the name is taken in the mount: not published", p->where);
		else if (errno == EINVAL)
			say("%s\\%s: no file can have this name: not published", ns, name);
		else
			say("%s: cannot publish: %s", p->where, strerror(errno));
		free(p);
		return false;
	}
	p->next = b.published;
	b.published = p;
	return b.verbose;
}

static void on_add(char *args)
{
	unsigned long id;
	unsigned session;
	int writable, used = 0;
	unsigned long long size;
	uintptr_t addr;
	struct published *p;
	char origin[PATH_MAX + 64];
	const char *ns;
	pid_t maker;
	int fd;

	if (sscanf(args, "%lu %u %d %llu %" SCNxPTR " %n", &id, &session, &writable, &size, &addr,
		   &used) != 5 || !used)
		return;
	const char *name = args + used;
	ns = mount_dir(session == 0);
	fd = take_mapped_file(b.helper.pid, addr);
	helper_send(&b.helper, "TAKEN %lu", id);   /* taken or not, the helper lets go */
	if (fd < 0) {
		say("%s/%s: cannot take its file from the helper: %s", ns, name, strerror(errno));
		return;
	}
	maker = take_find_holder(fd, b.helper.pid);
	if (maker > 0)
		snprintf(origin, sizeof(origin), "wine:%s:%d", b.wp.path, (int)maker);
	else
		snprintf(origin, sizeof(origin), "wine:%s", b.wp.path);   /* nobody else holds it */
	p = calloc(1, sizeof(*p));
	if (!p) {
		close(fd);
		return;
	}
	p->id = id;
	snprintf(p->where, sizeof(p->where), "%s/%s", ns, name);
	p->fd = publish_section(b.mount, ns, name, fd, size, writable, b.mode, origin);
	close(fd);   /* the daemon took its own */
	if (published(p, ns, name))
		say("%s: published (%llu bytes, %s)", p->where, size, origin);
}

/* ---- events from Windows ---- */

static void on_event(char *args)
{
	unsigned long id;
	unsigned session;
	int manual, signaled, used = 0;
	char origin[PATH_MAX + 8];
	struct published *p;
	const char *ns;

	if (sscanf(args, "%lu %u %d %d %n", &id, &session, &manual, &signaled, &used) != 4 ||
	    !used || !(p = calloc(1, sizeof(*p))))
		return;
	const char *name = args + used;
	ns = mount_dir(session == 0);
	/* wine does not say which process made an event */
	snprintf(origin, sizeof(origin), "wine:%s", b.wp.path);
	p->id = id;
	snprintf(p->where, sizeof(p->where), "%s/%s", ns, name);
	p->fd = publish_event(b.mount, ns, name, manual, signaled, b.mode, origin);
	if (p->fd < 0 && errno == EOPNOTSUPP) {
		if (!b.said_no_events)
			say("%s has no events (an older sectionfs): events are not published",
			    b.mount);
		b.said_no_events = true;
		free(p);
		return;
	}
	if (published(p, ns, name))
		say("%s: published (event %s %s, %s)", p->where, manual ? "manual" : "auto",
		    signaled ? "signaled" : "nonsignaled", origin);
}

/* SET, PULSE or RESET of an event: the same to its copy in the mount.  A set is a set for an
 * auto-reset event too: the copy stays signaled until a reader takes it, as the game's would. */
static void on_signal(char *args, const char *command)
{
	unsigned long id = strtoul(args, NULL, 10);

	for (struct published *p = b.published; p; p = p->next)
		if (p->id == id) {
			if (publish_signal(p->fd, command) < 0)
				say("%s: cannot %s it: %s", p->where, command, strerror(errno));
			return;
		}
}

static void unpublish(struct published **pp)
{
	struct published *p = *pp;

	*pp = p->next;
	close(p->fd);   /* temporary: the name and the section go with this handle */
	if (b.verbose)
		say("%s: gone", p->where);
	free(p);
}

static void on_del(char *args)
{
	unsigned long id = strtoul(args, NULL, 10);

	for (struct published **pp = &b.published; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id) {
			unpublish(pp);
			return;
		}
}

/* ---- sections from Linux (--make) ---- */

static void on_made(char *args)
{
	unsigned long id, err;

	if (sscanf(args, "%lu %lu", &id, &err) != 2)
		return;
	for (struct made *m = b.made; m; m = m->next)
		if (m->id == id && m->asked) {
			m->held = err == 0;
			if (err)
				say("%s/%s: wine could not make it (error %lu)",
				    mount_dir(m->global), m->name, err);
			else if (b.verbose)
				say("%s/%s: made for Windows programs",
				    mount_dir(m->global), m->name);
		}
}

/* Asks for a Windows section over each listed name that the mount has, and lets go of those
 * whose file went or changed. */
static void check_made(void)
{
	char path[PATH_MAX];
	struct stat st;

	for (struct made *m = b.made; m; m = m->next) {
		snprintf(path, sizeof(path), "%s/%s/%s", b.mount, mount_dir(m->global), m->name);
		bool there = stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
		if (m->asked && (!there || st.st_dev != m->dev || st.st_ino != m->ino)) {
			helper_send(&b.helper, "DROP %lu", m->id);
			m->asked = m->held = false;
		}
		if (!m->asked && there) {
			m->id = b.next_made++;
			m->dev = st.st_dev;
			m->ino = st.st_ino;
			m->asked = helper_send(&b.helper, "MAKE %lu %d %s|%s", m->id, !m->global,
					       path, m->name);
		}
	}
}

/* A --make name, read as Windows reads it (name.c): Global\X, or Local\X and X for the
 * bridge's own session; another session's name is none of its business. */
static bool add_made(const char *arg)
{
	struct name_path np;
	const char *leaf = np.leaf;
	bool global;
	struct made *m;

	if (name_parse(arg, &np) || np.root == NAME_ROOT_SESSION || !publish_name_fits(leaf))
		return false;
	global = np.root == NAME_ROOT_GLOBAL;
	m = calloc(1, sizeof(*m) + strlen(leaf) + 1);
	if (!m)
		return false;
	m->global = global;
	strcpy(m->name, leaf);
	m->next = b.made;
	b.made = m;
	return true;
}

/* ---- the helper's lifetime ---- */

static void on_line(char *line, void *ctx)
{
	(void)ctx;
	if (!strncmp(line, "ADD ", 4))
		on_add(line + 4);
	else if (!strncmp(line, "DEL ", 4))
		on_del(line + 4);
	else if (!strncmp(line, "EVENT ", 6))
		on_event(line + 6);
	else if (!strncmp(line, "SET ", 4))
		on_signal(line + 4, "set");
	else if (!strncmp(line, "PULSE ", 6))
		on_signal(line + 6, "pulse");
	else if (!strncmp(line, "RESET ", 6))
		on_signal(line + 6, "reset");
	else if (!strncmp(line, "MADE ", 5))
		on_made(line + 5);
}

/* The helper runs only beside a running wineserver: starting one ourselves would make a prefix
 * or a server the game then shares, which is the game's wine's job. */
static void maybe_start_helper(void)
{
	char socket[PATH_MAX + 8];
	struct stat st;

	if (b.helper_up || now_ms() < b.restart_ms || !wine_prefix_server_dir(&b.wp))
		return;
	snprintf(socket, sizeof(socket), "%s/socket", b.wp.server_dir);
	if (stat(socket, &st) < 0)
		return;
	/* An ending wineserver keeps its socket until it exits, but takes no one: a helper started
	 * then would have wine start a new server, which the helper would keep. */
	if (st.st_ino == b.ending.st_ino && st.st_dev == b.ending.st_dev &&
	    st.st_mtim.tv_sec == b.ending.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == b.ending.st_mtim.tv_nsec)
		return;
	if (b.watch < 0)
		b.watch = inotify_add_watch(b.inotify, b.wp.server_dir, IN_CREATE | IN_ONLYDIR);
	if (!helper_start(&b.helper, &b.wp, b.helper_exe, b.events))
		return;
	b.helper_up = true;
	for (struct made *m = b.made; m; m = m->next)
		m->asked = m->held = false;
	if (b.verbose)
		say("watching the wine prefix %s", b.wp.path);
}

/* A helper ended (its wait status; -1: told already): the next one waits RESTART_MS, and none
 * starts beside a wineserver it said is ending, whose socket stays until it exits. */
static void helper_ended(int status)
{
	char socket[PATH_MAX + 8];

	if (status == -1)
		return;
	b.restart_ms = now_ms() + RESTART_MS;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != HELPER_SERVER_ENDING)
		return;
	snprintf(socket, sizeof(socket), "%s/socket", b.wp.server_dir);
	if (stat(socket, &b.ending) < 0)
		memset(&b.ending, 0, sizeof(b.ending));
}

static void stop_helper(void)
{
	while (b.published)
		unpublish(&b.published);
	if (b.helper_up)
		helper_ended(helper_stop(&b.helper));   /* its output ended, or it did */
	b.helper_up = false;
	if (b.watch >= 0)
		inotify_rm_watch(b.inotify, b.watch);
	b.watch = -1;
}

/* A new tmpmap-* file: a section is being made.  One SCAN for a burst of them. */
static void on_inotify(void)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool section = false;
	ssize_t n = read(b.inotify, buf, sizeof(buf));

	for (char *p = buf; n > 0 && p < buf + n;) {
		struct inotify_event *e = (struct inotify_event *)p;
		if (e->len && !strncmp(e->name, "tmpmap-", 7))
			section = true;
		if (e->mask & IN_IGNORED)
			b.watch = -1;      /* the directory went with its wineserver */
		p += sizeof(*e) + e->len;
	}
	if (section && b.helper_up)
		helper_send(&b.helper, "SCAN");
}

/* ---- options and the loop ---- */

static void usage(FILE *to)
{
	fprintf(to,
		"usage: sectionfs-bridge [OPTIONS] [-- COMMAND [ARGS...]]\n"
		"Publishes every named section and event of a Wine prefix in the sectionfs\n"
		"mount, live.\n"
		"With a COMMAND (a Steam launch option: sectionfs-bridge -- %%command%%), runs it\n"
		"and ends with it; without one, runs until stopped.\n\n"
		"  -m, --mount DIR    the sectionfs mount (default: $SECTIONFS_ROOT,\n"
		"                     /run/sectionfs, $XDG_RUNTIME_DIR/sectionfs)\n"
		"      --mode MODE    permissions of published sections (default 0600)\n"
		"      --make NAME    a section a Linux program makes in the mount\n"
		"                     (Global\\NAME or Local\\NAME) that Windows programs\n"
		"                     must find under NAME\n"
		"      --no-events    sections only: leave the prefix's events alone\n"
		"      --helper EXE   the Windows helper program (default: the installed one)\n"
		"  -v, --verbose      a line for each section or event published or gone\n"
		"  -h, --help         this text\n"
		"  -V, --version\n\n"
		"The prefix is $WINEPREFIX (Proton: $STEAM_COMPAT_DATA_PATH/pfx; else\n"
		"~/.wine), the wine $WINE (Proton's own beside its script; else wine64 in\n"
		"PATH).\n");
}

static const char *default_helper(const char *argv0)
{
	static char beside[PATH_MAX + 32];
	const char *env = getenv("SECTIONFS_WINE_HELPER");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return env;
	/* a build directory's own: the helper is built next to the bridge */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		*strrchr(self, '/') = '\0';
		snprintf(beside, sizeof(beside), "%s/sectionfs-wine-helper.exe", self);
		if (access(beside, R_OK) == 0)
			return beside;
	}
	(void)argv0;
	return SECTIONFS_WINE_HELPER_PATH;
}

static bool parse(int argc, char **argv, char ***command)
{
	static const struct option longs[] = {
		{ "mount", required_argument, NULL, 'm' },
		{ "mode", required_argument, NULL, 'M' },
		{ "make", required_argument, NULL, 'k' },
		{ "helper", required_argument, NULL, 'H' },
		{ "no-events", no_argument, NULL, 'E' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	const char *mount = NULL;
	char *end;
	int c;

	b.helper_exe = default_helper(argv[0]);
	while ((c = getopt_long(argc, argv, "+m:vhV", longs, NULL)) != -1) {
		switch (c) {
		case 'm':
			mount = optarg;
			break;
		case 'M':
			b.mode = (mode_t)strtoul(optarg, &end, 8);
			if (*end || !*optarg || b.mode & ~07777u) {
				say("--mode %s: not an octal mode", optarg);
				return false;
			}
			break;
		case 'k':
			if (!add_made(optarg)) {
				say("--make %s: not a section name the mount can show", optarg);
				return false;
			}
			break;
		case 'H':
			b.helper_exe = optarg;
			break;
		case 'E':
			b.events = false;
			break;
		case 'v':
			b.verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("sectionfs-bridge %s\n", SECTIONFS_VERSION);
			exit(0);
		default:
			usage(stderr);
			return false;
		}
	}
	*command = optind < argc ? argv + optind : NULL;
	b.mount = find_mount(mount);
	if (!b.mount) {
		say("%s is not a sectionfs mount: mount one (scripts/mount) or name it with -m",
		    mount ? mount : getenv("SECTIONFS_ROOT") ? getenv("SECTIONFS_ROOT")
							: "no sectionfs mount found: nothing");
		return false;
	}
	if (access(b.helper_exe, R_OK) < 0) {
		say("the Windows helper %s: %s (build with x86_64-w64-mingw32-gcc installed)",
		    b.helper_exe, strerror(errno));
		return false;
	}
	return true;
}

static pid_t run_command(char **command)
{
	pid_t pid = fork();

	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(command[0], command);
		say("cannot run %s: %s", command[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* A child ended: the command (wrapper mode ends with it) or the helper (its wineserver or its
 * wine went: what it showed goes, and a new wineserver gets a new helper; one that says its
 * wineserver is ending gets none beside that server). */
static bool reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == b.command) {
			b.command = -1;
			b.command_status = WIFEXITED(status) ? WEXITSTATUS(status)
							     : 128 + WTERMSIG(status);
			return false;
		}
		if (b.helper_up && pid == b.helper.pid) {
			helper_ended(status);
			b.helper.pid = -1;
			stop_helper();
		}
	}
	return true;
}

int main(int argc, char **argv)
{
	char **command;
	sigset_t sigs;
	int sfd;
	bool running = true;

	if (!parse(argc, argv, &command) || !wine_prefix_find(&b.wp, command))
		return 2;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);      /* a helper gone mid-write: its end of input says so */
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	b.inotify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (sfd < 0 || b.inotify < 0) {
		say("cannot watch signals or files: %s", strerror(errno));
		return 2;
	}
	if (command) {
		b.command = run_command(command);
		if (b.command < 0) {
			say("cannot start %s: %s", command[0], strerror(errno));
			return 2;
		}
	}
	while (running) {
		struct pollfd fds[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = b.inotify, .events = POLLIN },
			{ .fd = b.helper_up ? b.helper.from : -1, .events = POLLIN },
		};

		maybe_start_helper();
		if (b.helper_up)
			check_made();
		if (poll(fds, 3, TICK_MS) < 0 && errno != EINTR)
			break;
		if (fds[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGCHLD)
					running = reap();
				else if (b.command > 0)
					/* it decides; we end with it */
					kill(b.command, (int)si.ssi_signo);
				else
					running = false;
			}
		}
		if (fds[1].revents & POLLIN)
			on_inotify();
		if (b.helper_up && (fds[2].revents & (POLLIN | POLLHUP)) &&
		    !helper_read(&b.helper, on_line, NULL))
			stop_helper();
	}
	stop_helper();
	return command ? b.command_status : 0;
}
