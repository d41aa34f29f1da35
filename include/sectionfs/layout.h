/* The names of the mount's tree, as the daemon serves them and winmap builds paths from them.
 *
 *   Global/        the global namespace: "Global\X" is Global/X
 *   Local          a symlink each caller reads as its own session's namespace: "Local\X", "X"
 *   Sessions/<id>/ session <id>'s namespace: "Session\<id>\X" (Sessions/0 is Global)
 *   Staging/       sections being built, published into a namespace by rename
 *
 * Every namespace directory but Staging also holds the links Windows puts in its object
 * namespace directories: SECTIONFS_GLOBAL, SECTIONFS_LOCAL and SECTIONFS_SESSION. */
#ifndef SECTIONFS_LAYOUT_H
#define SECTIONFS_LAYOUT_H

#define SECTIONFS_GLOBAL   "Global"
#define SECTIONFS_LOCAL    "Local"
#define SECTIONFS_SESSIONS "Sessions"
#define SECTIONFS_STAGING  "Staging"

/* Only a link in a namespace, to Sessions: Windows' spelling, without the s. */
#define SECTIONFS_SESSION  "Session"

#endif
