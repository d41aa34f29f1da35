"""Win32 error codes as Python exceptions.

The daemon's ioctls answer a Win32 code (protocol.h); the name rules decide in Win32 codes too
(docs/windows-rules.md).  Each becomes the Python exception a Python programmer expects for it,
with the code itself in the attribute `winerror`, so a program ported from Windows can still
compare it with ERROR_ALREADY_EXISTS and the like."""
import errno

ERROR_FILE_NOT_FOUND = 2
ERROR_PATH_NOT_FOUND = 3
ERROR_ACCESS_DENIED = 5
ERROR_INVALID_HANDLE = 6
ERROR_NOT_ENOUGH_MEMORY = 8
ERROR_INVALID_PARAMETER = 87
ERROR_INVALID_NAME = 123
ERROR_BAD_PATHNAME = 161
ERROR_ALREADY_EXISTS = 183
ERROR_FILENAME_EXCED_RANGE = 206
ERROR_NOT_OWNER = 288
ERROR_TOO_MANY_POSTS = 298
ERROR_MAPPED_ALIGNMENT = 1132

# code: (exception class, errno, text); errnos as the daemon gives them (windows-rules.md).
_KNOWN = {
    ERROR_FILE_NOT_FOUND: (FileNotFoundError, errno.ENOENT, "no such section"),
    ERROR_PATH_NOT_FOUND: (FileNotFoundError, errno.ENOENT, "no such namespace"),
    ERROR_ACCESS_DENIED: (PermissionError, errno.EACCES, "access denied"),
    ERROR_NOT_ENOUGH_MEMORY: (MemoryError, errno.ENOSPC, "not enough memory (the mount's cap)"),
    ERROR_FILENAME_EXCED_RANGE: (OSError, errno.ENAMETOOLONG, "name too long"),
    ERROR_NOT_OWNER: (PermissionError, errno.EPERM, "not the mutex's owner"),
    ERROR_TOO_MANY_POSTS: (OSError, errno.EOVERFLOW, "released past the semaphore's maximum"),
}


class BadName(ValueError):
    """A Windows name no object can have (rules B13-B19): `winerror` says which rule."""

    def __init__(self, name, winerror, why):
        super().__init__("bad section name %r: %s" % (name, why))
        self.name = name
        self.winerror = winerror


class WrongKind(OSError):
    """A name held by another kind of object (rule B13: one namespace for sections, events,
    mutexes and semaphores): `winerror` is ERROR_INVALID_HANDLE, as CreateEvent and
    OpenFileMapping fail with on Windows; `kind` says what the name is, `wanted` what was
    asked for."""

    def __init__(self, name, kind, wanted):
        super().__init__(errno.EEXIST, "%r is %s %s, not %s %s (Win32 error %d)"
                         % (name, _article(kind), kind, _article(wanted), wanted,
                            ERROR_INVALID_HANDLE), name)
        self.winerror = ERROR_INVALID_HANDLE
        self.kind = kind
        self.wanted = wanted


def _article(word):
    return "an" if word[0] in "aeiou" else "a"


def error(code, what):
    """The exception for Win32 error `code` from the daemon about `what` (a name or a path)."""
    cls, number, text = _KNOWN.get(code, (OSError, errno.EIO, "Win32 error %d" % code))
    if code in (ERROR_INVALID_PARAMETER, ERROR_MAPPED_ALIGNMENT):
        e = ValueError("%s: invalid parameter (Win32 error %d)" % (what, code))
    elif cls is MemoryError:
        e = MemoryError("%s: %s" % (what, text))
    else:
        e = cls(number, "%s (Win32 error %d)" % (text, code), what)
    e.winerror = code
    return e

