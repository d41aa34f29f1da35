/* Finding a mount in /proc/self/mountinfo: the daemon looks for its own mount (its device, which
 * no backing file may be on) and winmap for the sectionfs mount it should use. */
#ifndef SECTIONFS_MOUNTINFO_H
#define SECTIONFS_MOUNTINFO_H

#include <stdbool.h>

/* Is there a mount at `path` (absolute and resolved, as realpath(3) gives it) of filesystem type
 * `fstype` ("fuse.sectionfs"; NULL: any)?  When there is, and major/minor are not NULL, they get
 * its device numbers (of the last such mount: the one on top).  Mount points are compared after
 * undoing mountinfo's octal escapes (a space is "\040"). */
bool mountinfo_find(const char *path, const char *fstype, unsigned *major, unsigned *minor);

/* Undoes mountinfo's \ooo escapes in place. */
void mountinfo_unescape(char *s);

#endif
