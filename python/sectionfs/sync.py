"""Named events, mutexes and semaphores through the mount, with the file interface of
include/sectionfs/protocol.h ("synchronization objects"): a read waits and takes, a write
signals, poll says when a read would not block.

- Each is made as winmap makes them (winmap/sync.c), through objects.create_or_open: staged,
  typed (user.section.type) and given its lifetime while nobody else can see it, then published.
  The handle is a second open file of the staged object, opened once it has its type (a file
  opened before is no stream of the object, protocol.h), so the staged descriptor is closed
  before the publication.
- Every handle is opened O_NONBLOCK, so fileno() can go into any select/epoll/asyncio loop as
  it is.  An event's or a semaphore's wait() is one SECTIONFS_IOC_WAIT, a wait in the daemon
  as winmap's WaitForSingleObject is: a pulse reaches it, and user.section.waiters counts it.
  A mutex's wait() polls the descriptor and reads without blocking (the read makes this open
  file the owner), and reads again when another waiter took it between the poll and the read,
  until its deadline.
- A mutex taken through the file belongs to that open file (not to a thread, as winmap's do):
  it is released by a write to the same handle, and abandoned when the handle closes unreleased.
- Events and semaphores are signalled with SECTIONFS_IOC_SIGNAL, which answers Win32 codes and a
  semaphore's previous count; a mutex with a write of "release", the file's owner's command."""
import errno
import math
import os
import select
import struct
import time

from . import protocol
from .objects import Handle, create_or_open, ioctl, open_existing, resolve, retire
from .winerror import ERROR_INVALID_PARAMETER, ERROR_NOT_OWNER, error

WAIT_OBJECT_0 = 0x00
WAIT_ABANDONED = 0x80
WAIT_TIMEOUT = 0x102
WAIT_FAILED = 0xFFFFFFFF
LONG_MAX = 0x7FFFFFFF                # a semaphore's count is a Win32 LONG
_RESULT = struct.Struct("=Q")        # a read of 8 bytes: the wait result, host order
_ACCESS = {"rw": os.O_RDWR, "r": os.O_RDONLY}


class _SyncObject(Handle):
    """What events, mutexes and semaphores share: waiting, the state, the kind check."""

    def __repr__(self):
        state = "closed" if self.closed else self.state
        return "<sectionfs.%s %r %s>" % (type(self).__name__, self.name, state)

    @property
    def state(self):
        """user.section.state: "signaled"/"nonsignaled" (events), "free", "owned PID COUNT" or
        "abandoned" (mutexes), "COUNT MAX" (semaphores)."""
        self._check_open()
        return os.getxattr(self._fd, protocol.XATTR_STATE).decode()

    @property
    def waiters(self):
        """user.section.waiters: how many waits the daemon has pending on the object now, from
        any process: blocked reads of its files, winmap's WaitFor* calls and this package's
        wait() of an event or a semaphore (a mutex's wait() polls, and is not counted)."""
        self._check_open()
        return int(os.getxattr(self._fd, protocol.XATTR_WAITERS))

    def wait(self, timeout=None):
        """WaitForSingleObject: True once the object is taken (an auto-reset event reset, a
        mutex owned by this handle, a semaphore's count one less), False when `timeout`
        seconds (None: for ever, 0: just try) pass first."""
        self._check_open()
        if timeout is not None and not timeout >= 0:
            raise ValueError("timeout is None or a number of seconds >= 0, not %r" % (timeout,))
        deadline = None if timeout is None else time.monotonic() + timeout
        return self._wait_until(deadline)

    def _wait_until(self, deadline):
        """A wait in the daemon (SECTIONFS_IOC_WAIT) until the monotonic deadline (None: for
        ever); a signal handler that returns does not end it, as Win32 waits are not ended by
        signals."""
        ino = os.fstat(self._fd).st_ino
        while True:
            if deadline is None:
                timeout_ms = protocol.WAIT_INFINITE
            else:
                left = max(deadline - time.monotonic(), 0)
                timeout_ms = min(math.ceil(left * 1000), protocol.WAIT_INFINITE - 1)
            try:
                fields = ioctl(self._fd, protocol.IOC_WAIT, protocol.WAIT_STRUCT, 1, 0,
                               timeout_ms, 0, 0, 0, ino, *[0] * (protocol.WAIT_MAX - 1))
            except InterruptedError:
                continue                                 # what is left of the timeout
            result, wait_result = fields[3], fields[4]
            if wait_result == WAIT_TIMEOUT:
                if deadline is None or time.monotonic() >= deadline:
                    return False
                continue                                 # a timeout past 49 days, in parts
            if wait_result == WAIT_FAILED:
                raise error(result, self.name)
            self._taken(wait_result)
            return True

    def _taken(self, result):
        """What a kind notes of a wait that took it."""

    def _signal(self, op, count=0):
        """SECTIONFS_IOC_SIGNAL; the semaphore's previous count."""
        self._check_open()
        _, _, result, previous = ioctl(self._fd, protocol.IOC_SIGNAL, protocol.SIGNAL_STRUCT,
                                       op, count, 0, 0)
        if result:
            raise error(result, self.name)
        return previous


class Event(_SyncObject):
    """A named event (CreateEvent/OpenEvent).  Made by create_event() and open_event()."""

    kind = protocol.KIND_EVENT

    def set(self):
        """SetEvent.  PermissionError (ERROR_ACCESS_DENIED) through a handle opened "r"."""
        self._signal(protocol.SIGNAL_SET_EVENT)

    def reset(self):
        """ResetEvent."""
        self._signal(protocol.SIGNAL_RESET_EVENT)

    def pulse(self):
        """PulseEvent: wakes the waiters there are (one, for an auto-reset event), leaves it
        unset."""
        self._signal(protocol.SIGNAL_PULSE_EVENT)


class Mutex(_SyncObject):
    """A named mutex (CreateMutex/OpenMutex), owned by the handle whose wait took it."""

    kind = protocol.KIND_MUTEX
    abandoned = False                # the last wait took it from an owner that went unreleased

    def _taken(self, result):
        self.abandoned = result == WAIT_ABANDONED

    def _take(self):
        """One read without blocking: the Win32 wait result, or None when the mutex cannot be
        taken now."""
        try:
            data = os.read(self._fd, _RESULT.size)
        except BlockingIOError:
            return None
        return _RESULT.unpack(data)[0]

    def _wait_until(self, deadline):
        """Taken by a read, so that the mutex is this open file's (a WAIT would make it the
        calling thread's): a poll, then a read that does not block."""
        poller = select.poll()
        poller.register(self._fd, select.POLLIN)
        while True:
            result = self._take()
            if result is not None:
                self._taken(result)
                return True
            if deadline is None:
                poller.poll()
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            poller.poll(math.ceil(left * 1000))

    def release(self):
        """ReleaseMutex: once per wait that took it.  PermissionError (ERROR_NOT_OWNER) when
        this handle does not own it."""
        self._check_open()
        try:
            os.write(self._fd, b"release")
        except PermissionError:
            raise error(ERROR_NOT_OWNER, self.name) from None


class Semaphore(_SyncObject):
    """A named semaphore (CreateSemaphore/OpenSemaphore)."""

    kind = protocol.KIND_SEMAPHORE

    def release(self, count=1):
        """ReleaseSemaphore: adds count (>= 1); returns the count before.  Past the maximum:
        OSError EOVERFLOW (ERROR_TOO_MANY_POSTS), and the count stays as it was."""
        _check_count("count", count, 1)
        return self._signal(protocol.SIGNAL_RELEASE_SEMAPHORE, count)


def _check_count(what, value, least):
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("%s is an int" % what)
    if not least <= value <= LONG_MAX:
        raise error(ERROR_INVALID_PARAMETER, "%s %d (%d to %d)" % (what, value, least, LONG_MAX))


def _setup(type_text, lifetime, flags, take=False):
    """What makes a staged file (objects.create_or_open) the object type_text says, with this
    lifetime; the handle kept is a new open file of it (flags), which takes it first when
    `take` (a mutex's initial owner) while no one else can see it."""
    if lifetime not in protocol.LIFETIMES:
        raise ValueError("lifetime is 'temporary' or 'permanent', not %r" % (lifetime,))

    def make(fd):
        os.setxattr(fd, protocol.XATTR_TYPE, type_text.encode())
        os.setxattr(fd, protocol.XATTR_LIFETIME, lifetime.encode())
        stream = os.open("/proc/self/fd/%d" % fd, flags | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            if take and os.read(stream, _RESULT.size) != _RESULT.pack(WAIT_OBJECT_0):
                raise OSError(errno.EIO, "a new mutex could not be taken", type_text)
        except BaseException:
            retire(stream)
            raise
        return stream
    return make


def _create(cls, name, make, mount, mode):
    fd, path, existed = create_or_open(name, mount, mode, cls.kind, os.O_RDWR | os.O_NONBLOCK,
                                       make)
    return cls(fd, name, path, existed)


def _open(cls, name, access, mount):
    if access not in _ACCESS:
        raise ValueError("access is 'rw' or 'r', not %r" % (access,))
    _, path = resolve(name, mount)
    return cls(open_existing(path, _ACCESS[access] | os.O_NONBLOCK, cls.kind, name), name, path,
               existed=True)


def create_event(name, manual_reset=False, initial=False, lifetime="temporary", mount=None,
                 mode=0o666):
    """CreateEvent: a new event, or the existing one of that name (then .existed is True and
    the arguments are ignored, B12).  sectionfs.WrongKind (ERROR_INVALID_HANDLE) when the name
    is another kind of object (B13); PermissionError when this user may not signal it."""
    type_text = "event %s %s" % ("manual" if manual_reset else "auto",
                                 "signaled" if initial else "nonsignaled")
    return _create(Event, name, _setup(type_text, lifetime, os.O_RDWR), mount, mode)


def open_event(name, access="rw", mount=None):
    """OpenEvent: "rw" waits and signals (EVENT_ALL_ACCESS), "r" only waits (SYNCHRONIZE)."""
    return _open(Event, name, access, mount)


def create_mutex(name, initial_owner=False, lifetime="temporary", mount=None, mode=0o666):
    """CreateMutex: a new mutex (owned by this handle with initial_owner), or the existing one
    of that name, not taken (.existed is True)."""
    return _create(Mutex, name, _setup("mutex", lifetime, os.O_RDWR, take=initial_owner),
                   mount, mode)


def open_mutex(name, mount=None):
    """OpenMutex.  The handle is opened for reading and writing: through the file, the owner
    releases it with a write, so the mutex's mode must let this user write."""
    return _open(Mutex, name, "rw", mount)


def create_semaphore(name, initial, maximum, lifetime="temporary", mount=None, mode=0o666):
    """CreateSemaphore: 0 <= initial <= maximum, 1 <= maximum (ValueError with
    ERROR_INVALID_PARAMETER otherwise, checked first even when the name exists, as Windows
    does)."""
    _check_count("maximum", maximum, 1)
    _check_count("initial", initial, 0)
    if initial > maximum:
        raise error(ERROR_INVALID_PARAMETER, "initial %d above maximum %d" % (initial, maximum))
    return _create(Semaphore, name,
                   _setup("semaphore %d %d" % (initial, maximum), lifetime, os.O_RDWR),
                   mount, mode)


def open_semaphore(name, access="rw", mount=None):
    """OpenSemaphore: "rw" waits and releases, "r" only waits."""
    return _open(Semaphore, name, access, mount)
