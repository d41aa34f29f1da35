/* What the parts of the Windows helper share: sectionfs-wine-helper.c lists the prefix's named
 * objects, hands sections over and takes the Linux side's commands; events.c watches events.
 * The protocol is in sectionfs-wine-helper.c. */
#ifndef SECTIONFS_WINE_HELPER_H
#define SECTIONFS_WINE_HELPER_H

#include <windows.h>
#include <winternl.h>

#define NAME_MAX_UTF8 1024
#define OBJECT_PATH_MAX 600

struct watch;

/* A named object this program knows: a section found by a scan (handle held until TAKEN), one
 * made by MAKE, or an event it watches. */
struct known {
	struct known *next;
	unsigned long id;
	unsigned session;
	WCHAR *name;
	HANDLE handle;           /* NULL once the Linux side took the file */
	HANDLE file;             /* MAKE: the unix file's handle */
	void *view;
	struct watch *watch;     /* an event: how events.c watches it */
	BOOL seen;               /* in the current scan */
	BOOL made;               /* by MAKE: not reported by scans, gone only with DROP */
};

/* The list of known objects and what hangs on it; taken before events.c's own lock. */
extern CRITICAL_SECTION lock;

/* One line (or a few) to the Linux side, whole, whatever thread says it. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A new known object NAME in SESSION's namespace (0: \BaseNamedObjects), with a fresh id, at the
 * head of the list; NULL when out of memory.  lock held. */
struct known *known_new(unsigned session, const WCHAR *name);

/* Takes k off the list and lets go of all it holds.  lock held. */
void known_forget(struct known *k);

/* The object path of NAME in SESSION's namespace; FALSE when it does not fit. */
BOOL object_path(WCHAR *buf, size_t len, unsigned session, const WCHAR *name);

/* ---- events.c ---- */

void events_init(void);

/* Opens the event NAME found by a scan, reports it (EVENT) and watches it.  lock held. */
void event_add(unsigned session, const WCHAR *name);

/* Does a program other than this one hold the event?  (This program's handle keeps its name
 * alive: the name is gone for Windows programs once theirs are closed.)  lock held. */
BOOL event_in_use(struct watch *w);

/* Stops watching (the event's name went): nothing more is said of it.  lock held. */
void event_unwatch(struct watch *w);

#endif
