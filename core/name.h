/* Win32 object names (rules B13-B19) and how a name becomes a file name in the mount.
 *
 * Windows resolves "Global\X", "Local\X", "Session\2\X" and a bare "X" as paths through its object
 * namespace, where every namespace directory holds the links "Global", "Local" and "Session"
 * (docs/windows-rules.md, F).  sectionfs has no other directories in a namespace, so the walk is
 * pure string work: name_parse() ends in one of three roots and a leaf, and never looks at live
 * objects.
 *
 * A leaf is stored as a file name.  A Win32 leaf cannot hold a backslash (that would be a path),
 * and a Linux file name cannot hold '/', so '/' in a Win32 name is '\' in the file name: the
 * mapping is reversible and visible in `ls`. */
#ifndef SECTIONFS_NAME_H
#define SECTIONFS_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest leaf in bytes: a Linux file name (NAME_MAX). */
#define NAME_LEAF_MAX 255

enum name_root {
	NAME_ROOT_CALLER_SESSION,  /* "Local\X" or a bare "X": the caller's own session namespace */
	NAME_ROOT_GLOBAL,          /* "Global\X", and "Session\0\X" */
	NAME_ROOT_SESSION,         /* "Session\<id>\X" with id > 0 */
};

struct name_path {
	enum name_root root;
	uint32_t session;                 /* NAME_ROOT_SESSION only */
	char leaf[NAME_LEAF_MAX + 1];     /* the file name in that namespace */
};

/* B13-B18: resolves a Win32 object name.  Errors: ERROR_INVALID_PARAMETER (NULL),
 * ERROR_BAD_PATHNAME (leading backslash), ERROR_INVALID_NAME (an empty component after existing
 * directories: a doubled or trailing backslash, as in "Global\\x" or "Global\"; a leaf of "." or
 * ".." that no file can carry), ERROR_PATH_NOT_FOUND (a directory that does not exist: "foo\bar",
 * "foo\\bar", "local\x", "Session\x\y"), ERROR_INVALID_HANDLE (the
 * name is one of the links or directories, not a section), ERROR_FILENAME_EXCED_RANGE (a leaf
 * longer than NAME_LEAF_MAX bytes).  *out is written only on success. */
uint32_t name_parse(const char *name, struct name_path *out);

/* B19: ANSI names of WIN32_MAX_PATH characters or more, NUL included, are refused with
 * ERROR_FILENAME_EXCED_RANGE.  (The W functions have no such limit; their leaf limit is
 * name_parse()'s.) */
uint32_t name_check_ansi_length(const char *name);

/* B14-B16: the links every Windows namespace holds, under the names Windows gives them.  This
 * table is the only place they are spelled. */
enum name_link { NAME_LINK_GLOBAL, NAME_LINK_LOCAL, NAME_LINK_SESSION, NAME_LINK_COUNT };

/* The link's name: "Global", "Local" or "Session". */
const char *name_link_text(enum name_link link);

/* Is this file name a link's?  *link (when not NULL) says which. */
bool name_is_link(const char *leaf, enum name_link *link);

/* Checks the syntax of a file name the kernel hands the daemon for a new section:
 * ERROR_INVALID_NAME when it is empty, "." or ".." or holds a '/', ERROR_FILENAME_EXCED_RANGE
 * when too long.  Whether a link holds the name is the namespace's question (ns_check_leaf). */
uint32_t name_check_leaf(const char *leaf);

/* A session id as Windows names its directory ("2", never "02" or "+2"): true and *id when the n
 * bytes at text are one. */
bool name_parse_session_id(const char *text, size_t n, uint32_t *id);

/* The Win32 name of a leaf in a namespace ("Global\X", "Session\3\X"; session 0 is Global) into
 * buf, '\' in the file name becoming '/'.  Returns the length it needs without the NUL. */
int name_format_win32(uint32_t session, const char *leaf, char *buf, size_t len);

#endif
