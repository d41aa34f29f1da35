"""Named objects in the mount, whatever their kind: what sections (section.py) and events,
mutexes and semaphores (sync.py) share, as winmap/objects.c shares it in C.

- A handle is an open file of the object (Handle).  A *temporary* object's name goes when the
  last handle closes (rule C20), so close() tells the daemon first (IOC_RETIRE), as CloseHandle
  does: the kernel reports a close to the daemon only after close() returns.
- create_or_open() builds a new object in Staging/ under a name nobody can guess, has the kind
  make it what it is while nobody else can see it, and publishes it with rename, which in the
  mount never replaces a name: of any number of racing creators exactly one publishes, the
  others open its object (`existed`, B12), and nobody ever sees one half made.
- One namespace holds every kind (B13): opening a name checks that it is of the kind asked for
  (IOC_OBJECT), else WrongKind (ERROR_INVALID_HANDLE)."""
import errno
import fcntl
import os
import secrets
import weakref

from . import mount as _mount
from . import names, protocol
from .winerror import ERROR_FILE_NOT_FOUND, WrongKind, error

KIND_NAMES = {protocol.KIND_SECTION: "section", protocol.KIND_EVENT: "event",
              protocol.KIND_MUTEX: "mutex", protocol.KIND_SEMAPHORE: "semaphore"}

# How often a create may find the name come and go under it, and how many staging names it
# tries (each 128 random bits: only a broken random source makes a second one collide).
CREATE_ATTEMPTS = 100
STAGE_ATTEMPTS = 8


def ioctl(fd, request, layout, *fields):
    """Sends an ioctl whose argument is the structure `layout` holding fields; returns what the
    daemon wrote back, unpacked."""
    buf = bytearray(layout.pack(*fields))
    fcntl.ioctl(fd, request, buf, True)
    return layout.unpack(buf)


def retire(fd):
    """IOC_RETIRE, then close: the daemon lets go of the handle or view before close()
    returns (C20), not a moment after.  Every descriptor of the mount is closed this way,
    those of failed opens too: their asynchronous release would otherwise keep a name that the
    last handle's close must take."""
    try:
        fcntl.ioctl(fd, protocol.IOC_RETIRE)
    except OSError:
        pass                         # an older daemon: the close does it, a moment later
    os.close(fd)


class Handle:
    """An open file of a named object, closed by close(), by `with` or when collected."""

    kind = None                      # KIND_* of the subclass's objects

    def __init__(self, fd, name, path, existed):
        self._fd = fd
        self._release = weakref.finalize(self, retire, fd)
        self.name = name             # as the program gave it
        self.path = path
        self.existed = existed       # create(): the name was this kind of object already (B12)

    @property
    def closed(self):
        return not self._release.alive

    def fileno(self):
        self._check_open()
        return self._fd

    def _check_open(self):
        if self.closed:
            raise ValueError("I/O operation on a closed %s" % KIND_NAMES[self.kind])

    def close(self):
        """Closes the handle.  The last handle of a temporary object takes its name with it
        (C20)."""
        if self._release.detach():
            retire(self._fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _namespace_path(top, root, session, leaf):
    """The file of a parsed name.  A name in the caller's session goes through the Local link,
    read once here so that the open and the rename of a create do not both ask the daemon for
    it (the kernel caches no link of a FUSE mount; winmap does the same)."""
    directory = names.directory(root, session)
    if root == names.CALLER_SESSION:
        try:
            target = os.readlink(os.path.join(top, protocol.LOCAL))
            if not target.startswith("/"):
                directory = target
        except OSError:
            pass
    return os.path.join(top, directory, leaf)


def resolve(name, mount):
    """(mount point, file of the name) for a Windows name; the name errors of names.parse."""
    root, session, leaf = names.parse(name)
    top = _mount.root(mount)
    return top, _namespace_path(top, root, session, leaf)


def check_kind(fd, kind, name):
    """Closes fd and raises WrongKind unless it is open on an object of `kind` (B13)."""
    try:
        result, found, _ = ioctl(fd, protocol.IOC_OBJECT, protocol.OBJECT_STRUCT, 0, 0, 0)
        if result:
            raise error(result, name)
        if found != kind:
            raise WrongKind(name, KIND_NAMES.get(found, "object"), KIND_NAMES[kind])
    except BaseException:
        retire(fd)
        raise


def open_existing(path, flags, kind, name):
    """The open file of the existing object at path, which must be of `kind`;
    FileNotFoundError (ERROR_FILE_NOT_FOUND) when there is none."""
    try:
        fd = os.open(path, flags | os.O_CLOEXEC)
    except FileNotFoundError:
        raise error(ERROR_FILE_NOT_FOUND, name) from None
    check_kind(fd, kind, name)
    return fd


def _stage(top, mode, make):
    """A staged object made by make(fd), which sets it up and returns the descriptor to keep
    (fd itself, or another open file of it, in which case fd is closed); that descriptor and
    the staged path.  Any failure closes what was opened, and a staged file that is closed is
    gone."""
    for _ in range(STAGE_ATTEMPTS):
        # A name nobody can guess: Staging/ is every user's (mode 1777).  O_DIRECT: this
        # descriptor is never mapped, and in a passthrough mount a staged file opened without
        # it would make every other open of the object fail with EIO (README).
        path = os.path.join(top, protocol.STAGING, ".python-" + secrets.token_hex(16))
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_DIRECT,
                         mode)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(errno.EEXIST, "no free staging name", os.path.dirname(path))
    try:
        kept = make(fd)
    except BaseException:
        retire(fd)
        raise
    if kept != fd:
        retire(fd)
    return kept, path


def create_or_open(name, mount, mode, kind, open_flags, make):
    """Create-or-open (B12): (descriptor, path, existed).  An existing object named `name` of `kind`
    is opened with open_flags (WrongKind for another kind); else one is staged with make (see
    _stage) and published."""
    top, path = resolve(name, mount)
    for _ in range(CREATE_ATTEMPTS):
        try:
            return open_existing(path, open_flags, kind, name), path, True
        except FileNotFoundError:
            pass
        fd, stage_path = _stage(top, mode, make)
        try:
            os.rename(stage_path, path)         # the mount's rename never replaces
        except FileExistsError:
            retire(fd)                          # someone else published first: open theirs
            continue
        except BaseException:
            retire(fd)
            raise
        return fd, path, False
    raise OSError(errno.EBUSY, "the name kept coming and going", name)
