/* sectionfs-bridge: every named section of a Wine prefix, published in the sectionfs mount.
 *
 * The Windows side (wine/sectionfs-wine-helper.c) finds the prefix's sections and maps each one;
 * this side takes the file behind the map from the helper (pidfd_getfd) and publishes it
 * through Staging/ as a temporary, file-backed section that the bridge holds: a reader of the
 * mount shares the game's pages, and a bridge that dies leaves nothing behind.  Events it
 * publishes the same way, as copies that the helper's news of the game's keeps in step.
 *
 * Files: wine_prefix.c finds wine, the prefix and its wineserver; helper.c runs the helper and
 * speaks its protocol; take.c takes a mapped file from a process; publish.c puts a section or
 * an event in the mount and signals events; main.c holds the options and the loop. */
#ifndef SECTIONFS_BRIDGE_H
#define SECTIONFS_BRIDGE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- wine_prefix.c ---- */

struct wine_prefix {
	char wine[PATH_MAX];       /* the wine64 loader that runs the helper */
	char path[PATH_MAX];       /* WINEPREFIX, resolved */
	char server_dir[PATH_MAX]; /* where its wineserver makes a tmpmap-* file per section */
};

/* Finds wine and the prefix from the environment (WINE, WINEPREFIX, Proton's
 * STEAM_COMPAT_DATA_PATH) and, in wrapper mode, from the command about to run.  false with a
 * message on stderr when there is no wine to run. */
bool wine_prefix_find(struct wine_prefix *wp, char *const *command);

/* Refreshes wp->server_dir (it exists once a wineserver ran for the prefix); false if unknown. */
bool wine_prefix_server_dir(struct wine_prefix *wp);

/* ---- helper.c ---- */

struct helper {
	pid_t pid;                 /* the helper's process: wine runs the program in it */
	int to, from;              /* its standard input and output */
	char buf[8192];            /* what it said that is not yet a whole line */
	size_t used;
};

/* Starts the helper program in the prefix, watching events too if `events`; false with a
 * message on failure. */
bool helper_start(struct helper *h, const struct wine_prefix *wp, const char *exe, bool events);

/* Sends one command line (without its newline); false when the helper is gone. */
bool helper_send(struct helper *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads what the helper said; calls on_line for each whole line.  false at its end. */
bool helper_read(struct helper *h, void (*on_line)(char *line, void *ctx), void *ctx);

/* Ends the helper (closing its input ends it; SIGKILL after a grace period) and waits for it:
 * its wait status, or -1 when it was already waited for (h->pid -1). */
int helper_stop(struct helper *h);

/* ---- take.c ---- */

/* Takes into this process the file that process pid maps at addr, from the descriptor pid
 * holds on it (Wine keeps one per open handle).  -1 with errno on failure. */
int take_mapped_file(pid_t pid, uintptr_t addr);

/* A process other than `except` (the helper) that holds the file open: the program that made
 * the section, waited for a few ms since it may not have mapped it yet; 0 when none is found. */
pid_t take_find_holder(int fd, pid_t except);

/* ---- publish.c ---- */

/* Publishes the file fd as the section NAME of size `size` in the mount's namespace `ns`
 * ("Global" or "Local"): staged, temporary, file-backed, with its origin, then renamed into
 * place.  Returns the staged section's descriptor, which holds it (closing it takes the
 * section away), or -1 with errno (EEXIST: the name is taken in the mount). */
int publish_section(const char *mount, const char *ns, const char *name, int fd, uint64_t size,
		    bool writable, mode_t mode, const char *origin);

/* Publishes the event NAME in `ns` as publish_section does a section, of its type and state.
 * Returns a descriptor of the event, which holds it and signals it (publish_signal). */
int publish_event(const char *mount, const char *ns, const char *name, bool manual,
		  bool signaled, mode_t mode, const char *origin);

/* Writes COMMAND ("set", "reset", "pulse") to an event's open file: 0, or -1 with errno. */
int publish_signal(int fd, const char *command);

/* Is NAME a name the mount can show (one path component of at most NAME_MAX bytes)? */
bool publish_name_fits(const char *name);

#endif
