"""Windows object names (rules B13-B19 of docs/windows-rules.md) as paths in the mount.

The same walk as core/name.c: "Global\\X", "Local\\X", "Session\\N\\X" and a bare "X" go through
the links every Windows namespace holds (Global, Local, Session), ending in one namespace and a
leaf.  A "/" in a Windows name is a "\\" in the file name (README, "Names")."""
from . import protocol
from .winerror import (BadName, ERROR_BAD_PATHNAME, ERROR_FILENAME_EXCED_RANGE,
                       ERROR_INVALID_HANDLE, ERROR_INVALID_NAME, ERROR_PATH_NOT_FOUND, error)

LEAF_MAX = 255                      # a Linux file name, in bytes
LINKS = (protocol.GLOBAL, protocol.LOCAL, protocol.SESSION)

# Where a name's walk ends: the caller's session, the global namespace, or session N's.
CALLER_SESSION, GLOBAL, SESSION = "caller", "global", "session"


def _session_id(text):
    """A session id as Windows names its directory ("2", never "02" or "+2"), or None."""
    if not text or len(text) > 10 or not text.isascii() or not text.isdigit() or \
            (len(text) > 1 and text[0] == "0"):
        return None
    value = int(text)
    return value if value < 0xFFFFFFFF else None   # 4294967295 is Linux's "no session"


def parse(name):
    """(root, session, leaf) for a Windows name; raises BadName for a name no object can have,
    FileNotFoundError (ERROR_PATH_NOT_FOUND) for a directory that does not exist ("foo\\bar",
    "local\\x"), TypeError for what is no str."""
    if not isinstance(name, str):
        raise TypeError("a section name is a str, not %s" % type(name).__name__)
    if not name:
        raise BadName(name, ERROR_INVALID_NAME, "empty")
    if name.startswith("\\"):
        raise BadName(name, ERROR_BAD_PATHNAME, "it starts with a backslash")
    root, session, in_sessions = CALLER_SESSION, 0, False
    *directories, leaf = name.split("\\")
    for component in directories:
        if not component:
            raise BadName(name, ERROR_INVALID_NAME, "a doubled or trailing backslash")
        if in_sessions:
            session = _session_id(component)
            if session is None:
                raise error(ERROR_PATH_NOT_FOUND, name)
            root, in_sessions = (GLOBAL if session == 0 else SESSION), False
        elif component == protocol.GLOBAL:
            root, session = GLOBAL, 0
        elif component == protocol.SESSION:
            in_sessions = True
        elif component != protocol.LOCAL:            # Local: the namespace's link to itself
            raise error(ERROR_PATH_NOT_FOUND, name)
    if in_sessions:
        raise BadName(name, ERROR_INVALID_HANDLE, "Session\\N is a namespace, not a section")
    if not leaf:
        raise BadName(name, ERROR_INVALID_NAME, "a doubled or trailing backslash")
    leaf = leaf.replace("/", "\\")
    if len(leaf.encode("utf-8", "surrogateescape")) > LEAF_MAX:
        raise BadName(name, ERROR_FILENAME_EXCED_RANGE, "longer than %d bytes" % LEAF_MAX)
    if leaf in (".", ".."):
        raise BadName(name, ERROR_INVALID_NAME, "%r cannot be a file name" % leaf)
    if leaf in LINKS:
        raise BadName(name, ERROR_INVALID_HANDLE, "%r is a namespace link" % leaf)
    return root, session, leaf


def directory(root, session):
    """The namespace directory of a parsed name, relative to the mount."""
    if root == GLOBAL:
        return protocol.GLOBAL
    if root == SESSION:
        return "%s/%d" % (protocol.SESSIONS, session)
    return protocol.LOCAL
