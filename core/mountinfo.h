/* Finding a mount in /proc/self/mountinfo: the daemon looks for its own mount (its device, which
 * no backing file may be on) and winmap for the sectionfs mount it should use. */
#ifndef SECTIONFS_MOUNTINFO_H
#define SECTIONFS_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>

/* Is there a mount at `path` (absolute and resolved, as realpath(3) gives it) of filesystem type
 * `fstype` ("fuse.sectionfs"; NULL: any)?  When there is, and major/minor are not NULL, they get
 * its device numbers (of the last such mount: the one on top).  Mount points are compared after
 * undoing mountinfo's octal escapes (a space is "\040"). */
bool mountinfo_find(const char *path, const char *fstype, unsigned *major, unsigned *minor);

/* The sectionfs mount a client of the daemon uses: `given` (NULL: $SECTIONFS_ROOT) when that
 * is set, else /run/sectionfs, else $XDG_RUNTIME_DIR/sectionfs; the first that is set is the
 * only one tried.  The path as written goes into buf; false when it is no sectionfs mount. */
bool mountinfo_sectionfs_root(const char *given, char *buf, size_t len);

/* Undoes mountinfo's \ooo escapes in place. */
void mountinfo_unescape(char *s);

#endif
