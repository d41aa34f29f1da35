"""Which sectionfs mount to use, as winmap finds it (core/mountinfo.c): the mount given, else
$SECTIONFS_ROOT when set, else /run/sectionfs, else $XDG_RUNTIME_DIR/sectionfs; the first that
is set is the only one tried, and it must be a sectionfs mount."""
import os
import re

FSTYPE = "fuse.sectionfs"
DEFAULT = "/run/sectionfs"


def _unescape(field):
    """mountinfo writes a space, tab, newline or backslash in a path as \\ooo."""
    return re.sub(r"\\([0-3][0-7][0-7])", lambda m: chr(int(m.group(1), 8)), field)


def is_sectionfs(path):
    """Is a sectionfs mounted at path?"""
    if not path:
        return False
    real = os.path.realpath(path)
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                fields = line.split(" ")
                if "-" not in fields[6:]:
                    continue
                dash = fields.index("-", 6)
                if _unescape(fields[4]) == real and fields[dash + 1] == FSTYPE:
                    return True
    except OSError:
        pass
    return False


def root(given=None):
    """The mount point to use; FileNotFoundError, saying where it looked, when none is."""
    if given is None:
        given = os.environ.get("SECTIONFS_ROOT")
    if given is None:
        if is_sectionfs(DEFAULT):
            return DEFAULT                  # found already: mountinfo is read once
        xdg = os.environ.get("XDG_RUNTIME_DIR")
        given = os.path.join(xdg, "sectionfs") if xdg else DEFAULT
    if not is_sectionfs(given):
        raise FileNotFoundError("no sectionfs mounted at %s: run scripts/mount, or set "
                                "SECTIONFS_ROOT (or mount=) to a sectionfs mount point" % given)
    return given
