"""The daemon's side of the contract, as include/sectionfs/protocol.h and layout.h write it: the
ioctls on an open section file, their structures, the user.section.* attributes and the names of
the mount's tree.  Kept in step with those headers by tests/lang/test_python.py, which reads them;
nothing else in this package spells a number of the protocol."""
import struct

# layout.h
GLOBAL = "Global"
LOCAL = "Local"
SESSIONS = "Sessions"
STAGING = "Staging"
SESSION = "Session"          # only a link in a namespace, to Sessions (Windows' spelling)


def _ioc(direction, number, size):
    """linux/ioctl.h's _IOC on the architectures sectionfs runs on (x86, arm, riscv)."""
    return direction << 30 | size << 16 | IOC_MAGIC << 8 | number


IOC_MAGIC = 0xB5
_NONE, _WRITE, _READ = 0, 1, 2

# struct sectionfs_info: result, protect, attributes, flags, size, handles, views
INFO_STRUCT = struct.Struct("=IIIIQII")
IOC_INFO = _ioc(_READ, 1, INFO_STRUCT.size)
INFO_FILE_BACKED = 0x1
INFO_STAGED = 0x2
INFO_TEMPORARY = 0x4

# struct sectionfs_view: handle_access, desired_access, offset, size, result, reserved, length
VIEW_STRUCT = struct.Struct("=IIQQIIQ")
IOC_BECOME_VIEW = _ioc(_READ | _WRITE, 2, VIEW_STRUCT.size)

IOC_RETIRE = _ioc(_NONE, 5, 0)

# Events, mutexes and semaphores ("synchronization objects").
# struct sectionfs_object: result, kind, ino
OBJECT_STRUCT = struct.Struct("=IIQ")
IOC_OBJECT = _ioc(_READ, 7, OBJECT_STRUCT.size)
KIND_SECTION, KIND_EVENT, KIND_MUTEX, KIND_SEMAPHORE = 0, 1, 2, 3

# struct sectionfs_wait: count, wait_all, timeout_ms, result, wait_result, reserved,
# inos[WAIT_MAX]
WAIT_MAX = 64
WAIT_INFINITE = 0xFFFFFFFF
WAIT_STRUCT = struct.Struct("=IIIIII%dQ" % WAIT_MAX)
IOC_WAIT = _ioc(_READ | _WRITE, 8, WAIT_STRUCT.size)

# struct sectionfs_signal: op, count, result, previous
SIGNAL_STRUCT = struct.Struct("=IIII")
IOC_SIGNAL = _ioc(_READ | _WRITE, 9, SIGNAL_STRUCT.size)
SIGNAL_SET_EVENT, SIGNAL_RESET_EVENT, SIGNAL_PULSE_EVENT = 1, 2, 3
SIGNAL_RELEASE_MUTEX, SIGNAL_RELEASE_SEMAPHORE = 4, 5

XATTR_PREFIX = "user.section."
XATTR_SETUP = XATTR_PREFIX + "setup"
XATTR_PROTECT = XATTR_PREFIX + "protect"
XATTR_LIFETIME = XATTR_PREFIX + "lifetime"
XATTR_TYPE = XATTR_PREFIX + "type"
XATTR_STATE = XATTR_PREFIX + "state"
XATTR_WAITERS = XATTR_PREFIX + "waiters"
LIFETIMES = ("temporary", "permanent")
