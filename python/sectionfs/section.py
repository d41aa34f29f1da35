"""Named sections through the mount, the way winmap makes and opens them (winmap/sections.c,
winmap/views.c), with the same contract (protocol.h):

- A handle is an open file of the section (objects.Handle: close() retires it, C20).
- A view is a second open file of the same section, declared a view (IOC_BECOME_VIEW: the daemon
  checks it with the view rules D22-D27) and kept open while it is mapped.
- create() stages the section (protection and lifetime in one attribute, then its size) and
  publishes it as objects.create_or_open does every kind of object."""
import errno
import mmap
import os
import weakref

from . import protocol
from .objects import Handle, create_or_open, ioctl, open_existing, resolve, retire
from .winerror import ERROR_NOT_ENOUGH_MEMORY, error

PAGE = 4096                          # what GetSystemInfo reports (docs/windows-rules.md)

PROTECTIONS = {
    "PAGE_READONLY": 0x02, "PAGE_READWRITE": 0x04, "PAGE_WRITECOPY": 0x08,
    "PAGE_EXECUTE_READ": 0x20, "PAGE_EXECUTE_READWRITE": 0x40, "PAGE_EXECUTE_WRITECOPY": 0x80,
}
ATTRIBUTES = {
    "SEC_FILE": 0x00800000, "SEC_IMAGE": 0x01000000, "SEC_RESERVE": 0x04000000,
    "SEC_COMMIT": 0x08000000, "SEC_NOCACHE": 0x10000000, "SEC_WRITECOMBINE": 0x40000000,
    "SEC_LARGE_PAGES": 0x80000000,
}
_WRITABLE = (PROTECTIONS["PAGE_READWRITE"], PROTECTIONS["PAGE_EXECUTE_READWRITE"])
_COPY_ON_WRITE = (PROTECTIONS["PAGE_WRITECOPY"], PROTECTIONS["PAGE_EXECUTE_WRITECOPY"])

FILE_MAP_COPY, FILE_MAP_WRITE, FILE_MAP_READ, FILE_MAP_EXECUTE = 0x1, 0x2, 0x4, 0x20
SECTION_ALL_ACCESS = 0xF001F
# What each access of the Python API is in Windows terms: (FILE_MAP_*, open flags, mmap access).
_VIEW_ACCESS = {
    "r": (FILE_MAP_READ, os.O_RDONLY, mmap.ACCESS_READ),
    "rw": (FILE_MAP_READ | FILE_MAP_WRITE, os.O_RDWR, mmap.ACCESS_WRITE),
    "copy": (FILE_MAP_COPY, os.O_RDONLY, mmap.ACCESS_COPY),
}
_HANDLE_ACCESS = {"r": FILE_MAP_READ, "rw": FILE_MAP_READ | FILE_MAP_WRITE}

def protect_value(protect):
    """flProtect as a number from "PAGE_READWRITE", "PAGE_READONLY|SEC_RESERVE" or an int.  Only
    the spelling and rule A8's one-protection check are made here; the daemon validates the rest
    (A9) when it is set."""
    if isinstance(protect, int) and not isinstance(protect, bool):
        value = protect
    elif isinstance(protect, str):
        value = 0
        for word in protect.split("|"):
            word = word.strip()
            if word not in PROTECTIONS and word not in ATTRIBUTES:
                raise ValueError("unknown protection %r in %r (one of %s, optionally |SEC_*)"
                                 % (word, protect, ", ".join(PROTECTIONS)))
            value |= PROTECTIONS.get(word, 0) | ATTRIBUTES.get(word, 0)
    else:
        raise TypeError("protect is a str such as 'PAGE_READWRITE' or an int")
    if value & 0xFF not in PROTECTIONS.values() or value & ~0xFF & ~sum(ATTRIBUTES.values()) \
            or not 0 <= value <= 0xFFFFFFFF:
        raise ValueError("invalid protection %r: exactly one PAGE_* (rule A8), "
                         "optionally with SEC_* attributes" % (protect,))
    return value


class View(mmap.mmap):
    """An mmap.mmap of a section that holds its own open file, which the daemon counts as a
    view until close() (or garbage collection) unmaps it."""

    def close(self):
        if self.closed:
            return
        super().close()              # BufferError while a numpy array still uses it
        self._release.detach()
        retire(self._fd)

    def __exit__(self, *exc):
        self.close()


def _new_view(fd, length, access, offset):
    view = View(fd, length, access=access, offset=offset)
    view._fd = fd
    view._release = weakref.finalize(view, os.close, fd)
    return view


class Section(Handle):
    """A handle to a named section: an open file in the mount.  Made by create() and open().
    .name is as the program gave it; info["name"] is the daemon's."""

    kind = protocol.KIND_SECTION

    def __init__(self, fd, name, path, access, existed):
        super().__init__(fd, name, path, existed)
        self.access = access         # FILE_MAP_* of the handle (rule D24)

    def __repr__(self):
        state = "closed" if self.closed else "size=%d" % self.size
        return "<sectionfs.Section %r %s>" % (self.name, state)

    def _query(self):
        """(protect, attributes, flags, size, handles, views) in one round trip."""
        self._check_open()
        result, *rest = ioctl(self._fd, protocol.IOC_INFO, protocol.INFO_STRUCT,
                               0, 0, 0, 0, 0, 0, 0)
        if result:
            raise error(result, self.name)
        return rest

    @property
    def size(self):
        return self._query()[3]

    @property
    def protect(self):
        """flProtect without SEC_* attributes (PROTECTIONS has the names)."""
        return self._query()[0] & 0xFF

    @property
    def temporary(self):
        return bool(self._query()[2] & protocol.INFO_TEMPORARY)

    @property
    def info(self):
        """The section's user.section.* attributes, as getfattr shows them, by short name
        ("name", "protect", "lifetime", "handles", ...), values as text."""
        self._check_open()
        found = {}
        for attr in os.listxattr(self._fd):
            if attr.startswith(protocol.XATTR_PREFIX):
                try:
                    value = os.getxattr(self._fd, attr)
                except OSError as e:
                    if e.errno in (errno.ENODATA, errno.EOPNOTSUPP):
                        continue
                    raise
                found[attr[len(protocol.XATTR_PREFIX):]] = value.decode(errors="replace")
        return found

    def _default_access(self):
        protect = self.protect
        if protect in _COPY_ON_WRITE:
            return "copy"
        if protect in _WRITABLE and self.access & FILE_MAP_WRITE:
            return "rw"
        return "r"

    def mmap(self, access=None, offset=0, length=0):
        """A view: an mmap.mmap of [offset, offset+length) (length 0: to the section's end).
        access is "rw" (shared, writable), "r" or "copy" (private copy-on-write); by default
        the most the section and this handle allow.  offset is a multiple of 65536 (D27).
        The view stays valid after the section is closed, as views do on Windows."""
        if access is None:
            access = self._default_access()
        if access not in _VIEW_ACCESS:
            raise ValueError("access is 'r', 'rw' or 'copy', not %r" % (access,))
        desired, flags, mmap_access = _VIEW_ACCESS[access]
        self._check_open()
        # The same open file's section, even if its name has gone since: as winmap, through
        # the descriptor.
        fd = os.open("/proc/self/fd/%d" % self._fd, flags | os.O_CLOEXEC)
        try:
            fields = ioctl(fd, protocol.IOC_BECOME_VIEW, protocol.VIEW_STRUCT,
                            self.access, desired, offset, length, 0, 0, 0)
            result, mapped = fields[4], fields[6]
            if result:
                raise error(result, self.name)
            return _new_view(fd, mapped, mmap_access, offset)
        except BaseException:
            retire(fd)               # never mapped: the view goes now
            raise

    def array(self, dtype, shape=None, offset=0, access=None):
        """A numpy array of dtype over a view of the whole section, `offset` bytes in; shape
        defaults to as many items as fit.  Writable when the view is ("rw")."""
        try:
            import numpy
        except ImportError:
            raise ImportError("Section.array() needs numpy (Debian: apt-get install "
                              "python3-numpy); Section.mmap() works without it") from None
        view = self.mmap(access=access)
        dtype = numpy.dtype(dtype)
        if shape is None:
            shape = ((len(view) - offset) // dtype.itemsize,)
        return numpy.ndarray(shape, dtype, buffer=view, offset=offset)


def _setup(flprotect, lifetime, size):
    """What makes a staged file (objects.create_or_open) a section with this protection,
    lifetime and size."""
    def make(fd):
        try:
            try:
                os.setxattr(fd, protocol.XATTR_SETUP,
                            b"0x%x %s" % (flprotect, lifetime.encode()))
            except OSError as e:
                if e.errno != errno.ENOTSUP:
                    raise
                # a daemon older than the setup attribute: one at a time
                os.setxattr(fd, protocol.XATTR_LIFETIME, lifetime.encode())
                os.setxattr(fd, protocol.XATTR_PROTECT, b"0x%x" % flprotect)
            # SEC_COMMIT (the default): every page is taken now, as Windows charges commit, so
            # a view never lacks one; SEC_RESERVE pages come as they are committed.
            if flprotect & ATTRIBUTES["SEC_RESERVE"]:
                os.ftruncate(fd, size)
            else:
                os.posix_fallocate(fd, 0, size)
        except OSError as e:
            if e.errno == errno.ENOSPC:
                raise error(ERROR_NOT_ENOUGH_MEMORY, "%d bytes" % size) from None
            if e.errno == errno.EINVAL:
                raise ValueError("the daemon refused protection 0x%x (rules A8-A9)"
                                 % flprotect) from None
            raise
        return fd
    return make


def create(name, size, protect="PAGE_READWRITE", lifetime="temporary", mount=None, mode=0o666):
    """CreateFileMapping for a named section: creates it, or opens it when the name is a section
    already (then .existed is True and it keeps its size, B12; sectionfs.WrongKind when it is
    another kind of object, B13).

    size: bytes, more than 0 (A1), rounded up to whole pages (A2).  protect: "PAGE_READWRITE",
    "PAGE_READONLY", ... optionally "|SEC_RESERVE" and the like, or flProtect as a number.
    lifetime: "temporary" (the name goes with the last handle, as the Win32 API makes them) or
    "permanent" (until unlinked).  mode: the Unix permissions (less the umask), which decide who
    may open it.  mount: the sectionfs mount point (default: as winmap finds it)."""
    flprotect = protect_value(protect)
    if lifetime not in protocol.LIFETIMES:
        raise ValueError("lifetime is 'temporary' or 'permanent', not %r" % (lifetime,))
    if not isinstance(size, int) or isinstance(size, bool):
        raise TypeError("size is an int")
    if size <= 0:
        raise ValueError("a section's size must be more than 0 (rule A1), not %d" % size)
    size = -(-size // PAGE) * PAGE
    fd, path, existed = create_or_open(name, mount, mode, protocol.KIND_SECTION, os.O_RDONLY,
                                       _setup(flprotect, lifetime, size))
    return Section(fd, name, path, SECTION_ALL_ACCESS | FILE_MAP_EXECUTE, existed)


def open(name, access="rw", mount=None):      # noqa: A001 (the module's verb, like os.open)
    """OpenFileMapping: the existing section `name` ("Global\\X", "Local\\X", "Session\\N\\X"
    or a bare "X", the caller's session).  access "rw" or "r".  FileNotFoundError when there is
    no such section, PermissionError when its mode does not let this user have that access,
    sectionfs.BadName (a ValueError) for a name no section can have, sectionfs.WrongKind when
    the name is an event, a mutex or a semaphore (B13)."""
    if access not in _HANDLE_ACCESS:
        raise ValueError("access is 'rw' or 'r', not %r" % (access,))
    _, path = resolve(name, mount)
    fd = open_existing(path, os.O_RDONLY, protocol.KIND_SECTION, name)
    # Windows checks the access when the handle is opened: write access needs a section this
    # user may write.
    if access == "rw" and not os.access("/proc/self/fd/%d" % fd, os.W_OK, effective_ids=True):
        retire(fd)
        raise PermissionError(errno.EACCES, "no write access to the section", name)
    return Section(fd, name, path, _HANDLE_ACCESS[access], existed=True)
