"""Events, mutexes and semaphores as files (README "Events, mutexes and semaphores"): made
through Staging/ with user.section.type, waited for by reading, signalled by writing, polled with
select and epoll, and driven by the OBJECT, WAIT and SIGNAL ioctls winmap uses.  Blocked readers
hold no daemon thread, a signal ends a wait cleanly, and other users and processes get only what
the modes and their open files allow."""
import ctypes
import errno
import fcntl
import mmap
import os
import select
import signal
import struct
import subprocess
import threading
import time

from sfstest import NOBODY, MountTestCase, as_user, main, xattr

MAGIC = 0xB5


def _ioc(direction, nr, size):
    return (direction << 30) | (size << 16) | (MAGIC << 8) | nr


OBJECT_FMT = "=IIQ"
WAIT_FMT = "=IIIIII64Q"
SIGNAL_FMT = "=IIII"
IOC_OBJECT = _ioc(2, 7, struct.calcsize(OBJECT_FMT))
IOC_WAIT = _ioc(3, 8, struct.calcsize(WAIT_FMT))
IOC_SIGNAL = _ioc(3, 9, struct.calcsize(SIGNAL_FMT))
KIND_SECTION, KIND_EVENT, KIND_MUTEX, KIND_SEMAPHORE = range(4)
SET_EVENT, RESET_EVENT, PULSE_EVENT, RELEASE_MUTEX, RELEASE_SEMAPHORE = range(1, 6)
WAIT_OBJECT_0, WAIT_ABANDONED_0, WAIT_TIMEOUT, WAIT_FAILED = 0, 0x80, 0x102, 0xFFFFFFFF
INFINITE = 0xFFFFFFFF
ERROR_ACCESS_DENIED, ERROR_INVALID_HANDLE, ERROR_INVALID_PARAMETER = 5, 6, 87
ERROR_NOT_OWNER, ERROR_TOO_MANY_POSTS = 288, 298

# Python children share these helpers (they run as other processes, e.g. to die holding a mutex).
CHILD_PRELUDE = r'''
import fcntl, os, struct, sys
MAGIC = 0xB5
def _ioc(d, nr, size): return (d << 30) | (size << 16) | (MAGIC << 8) | nr
WAIT_FMT = "=IIIIII64Q"
IOC_WAIT = _ioc(3, 8, struct.calcsize(WAIT_FMT))
IOC_OBJECT = _ioc(2, 7, 16)
def ino(fd):
    return struct.unpack("=IIQ", fcntl.ioctl(fd, IOC_OBJECT, bytes(16)))[2]
def wait(fd, inos, all=0, timeout=0xFFFFFFFF):
    arg = struct.pack(WAIT_FMT, len(inos), all, timeout, 0, 0, 0, *(list(inos) + [0] * (64 - len(inos))))
    out = struct.unpack(WAIT_FMT, fcntl.ioctl(fd, IOC_WAIT, arg))
    return out[4], out[3]
'''


def object_ino(fd):
    result, kind, ino = struct.unpack(OBJECT_FMT, fcntl.ioctl(fd, IOC_OBJECT, bytes(16)))
    return kind, ino


def ioctl_wait(fd, inos, wait_all=False, timeout=INFINITE, signal_op=0):
    """(wait_result, Win32 error) of a WAIT for inos (SignalObjectAndWait: signal_op done first
    to fd's object)."""
    arg = struct.pack(WAIT_FMT, len(inos), int(wait_all), timeout, 0, 0, signal_op,
                      *(list(inos) + [0] * (64 - len(inos))))
    while True:
        try:
            out = struct.unpack(WAIT_FMT, fcntl.ioctl(fd, IOC_WAIT, arg))
            return out[4], out[3]
        except InterruptedError:
            # protocol.h: a signal ends a WAIT with nothing taken (and a signal done), and the
            # caller waits again, as winmap does; Python retries most calls itself, not ioctl
            arg = arg[:20] + struct.pack("=I", 0) + arg[24:]


def ioctl_signal(fd, op, count=0):
    """(Win32 error, previous) of a SIGNAL."""
    out = struct.unpack(SIGNAL_FMT, fcntl.ioctl(fd, IOC_SIGNAL, struct.pack(SIGNAL_FMT, op, count,
                                                                            0, 0)))
    return out[2], out[3]


def daemon_threads(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return -1


class SyncTestCase(MountTestCase):

    def create(self, name, type_text, mode=0o666, namespace="Global"):
        """Makes an object through Staging/ as the README's shell example does (a descriptor
        held while it is set up and renamed), returns its path."""
        stage = self.p("Staging", name + ".new")
        final = self.p(namespace, name)
        fd = os.open(stage, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            os.setxattr(stage, "user.section.type", type_text.encode())
            os.rename(stage, final)
        finally:
            os.close(fd)
        os.chmod(final, mode)
        return final

    def open(self, path, flags=os.O_RDWR):
        fd = os.open(path, flags)
        self.addCleanup(os.close, fd)
        return fd

    def start_reader(self, path, size=64, flags=os.O_RDONLY):
        """A thread blocked in one read of path; .result is what it read or the error."""
        fd = self.open(path, flags)
        box = {}

        def run():
            try:
                box["data"] = os.read(fd, size)
            except OSError as e:
                box["error"] = e.errno
        t = threading.Thread(target=run, daemon=True)
        t.start()
        t.box = box
        return t

    def await_waiters(self, path, n):
        """Until n waits are pending on the object in the daemon (user.section.waiters): a
        reader blocked in the kernel may not have reached the daemon yet, and a pulse reaches
        only those that have."""
        deadline = time.monotonic() + 30
        while int(xattr(path, "waiters")) != n and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(int(xattr(path, "waiters")), n)

    def assertBlocked(self, thread, for_seconds=0.3):
        thread.join(for_seconds)
        self.assertTrue(thread.is_alive(), "the read ended: %r" % thread.box)


class TestShell(SyncTestCase):

    def test_created_from_the_shell_and_listed_with_a_sticky_T(self):
        self.run_ok("bash", "-c", 'exec 3>Staging/ev && '
                    'setfattr -n user.section.type -v "event manual nonsignaled" Staging/ev && '
                    'mv Staging/ev Global/Ev', cwd=self.mount.dir)
        section = self.make("Global", "Data", data=b"x")
        os.chmod(section, 0o1644)                    # a section never shows the sticky bit
        listing = self.run_ok("ls", "-l", self.p("Global"))
        line = [l for l in listing.splitlines() if l.endswith(" Ev")][0]
        self.assertTrue(line.startswith("-rw-r--r-T"), line)
        self.assertTrue([l for l in listing.splitlines() if l.endswith(" Data")][0]
                        .startswith("-rw-r--r-- "))
        self.assertEqual(os.stat(self.p("Global", "Ev")).st_size, 0)
        out = self.run_ok("getfattr", "-d", "-m", "user.section", self.p("Global", "Ev"))
        self.assertIn('user.section.type="event manual nonsignaled"', out)
        self.assertIn('user.section.state="nonsignaled"', out)
        self.assertEqual(xattr(section, "type"), "section")
        self.assertErrno(errno.ENODATA, os.getxattr, section, "user.section.state")

    def test_echo_set_wakes_a_blocked_head(self):
        ev = self.create("Ev", "event manual nonsignaled")
        reader = subprocess.Popen(["head", "-c", "9", ev], stdout=subprocess.PIPE)
        time.sleep(0.3)
        self.assertIsNone(reader.poll())
        self.run_ok("bash", "-c", "echo set > " + ev)
        out, _ = reader.communicate(timeout=10)
        self.assertEqual(out, b"signaled\n")
        self.assertEqual(xattr(ev, "state"), "signaled")
        self.run_ok("bash", "-c", "echo reset > " + ev)
        self.assertEqual(xattr(ev, "state"), "nonsignaled")

    def test_wrong_type_text_is_refused(self):
        stage = self.p("Staging", "bad")
        self.open(stage, os.O_RDWR | os.O_CREAT | os.O_EXCL)
        for text in ["event", "event manual", "event manual nonsignaled extra", "Event auto signaled",
                     "event  auto signaled", "semaphore 3 2", "semaphore 0 0", "semaphore -1 2",
                     "semaphore 1 99999999999", "mutant", ""]:
            self.assertErrno(errno.EINVAL, os.setxattr, stage, "user.section.type",
                             text.encode())
        self.assertEqual(xattr(stage, "type"), "section")
        os.setxattr(stage, "user.section.type", b"semaphore 1 3")
        self.assertEqual(xattr(stage, "type"), "semaphore 1 3")
        self.assertEqual(xattr(stage, "state"), "1 3")

    def test_type_is_fixed_once_published_or_given_data(self):
        ev = self.create("Ev", "event auto signaled")
        self.assertErrno(errno.EPERM, os.setxattr, ev, "user.section.type", b"mutex")
        stage = self.p("Staging", "full")
        fd = self.open(stage, os.O_RDWR | os.O_CREAT | os.O_EXCL)
        os.write(fd, b"data")
        self.assertErrno(errno.EPERM, os.setxattr, stage, "user.section.type", b"mutex")
        self.assertEqual(xattr(stage, "type"), "section")

    def test_no_data_no_map_no_size(self):
        ev = self.create("Ev", "event manual signaled")
        fd = self.open(ev)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                              ctypes.c_int, ctypes.c_long]
        addr = libc.mmap(None, 4096, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        self.assertEqual(addr, ctypes.c_void_p(-1).value)
        self.assertEqual(ctypes.get_errno(), errno.ENODEV)
        self.assertErrno(errno.EINVAL, os.ftruncate, fd, 4096)
        os.ftruncate(fd, 0)
        self.assertErrno(errno.ESPIPE, os.lseek, fd, 4, os.SEEK_SET)
        self.assertErrno(errno.EINVAL, os.read, fd, 4)          # room for 8 bytes needed
        self.assertEqual(os.stat(ev).st_size, 0)


class TestReadWrite(SyncTestCase):

    def test_nonblocking_read_is_eagain_and_binary_read_is_the_wait_result(self):
        ev = self.create("Ev", "event auto nonsignaled")
        fd = self.open(ev, os.O_RDWR | os.O_NONBLOCK)
        self.assertErrno(errno.EAGAIN, os.read, fd, 8)
        os.write(fd, struct.pack("=Q", 1))                      # binary: nonzero sets
        self.assertEqual(xattr(ev, "state"), "signaled")
        self.assertEqual(struct.unpack("=Q", os.read(fd, 8))[0], WAIT_OBJECT_0)
        self.assertEqual(xattr(ev, "state"), "nonsignaled")   # auto-reset
        self.assertErrno(errno.EAGAIN, os.read, fd, 8)
        for bad in [b"sett", b"release", b"set 2", b"\0set"]:
            self.assertErrno(errno.EINVAL, os.write, fd, bad)

    def test_auto_reset_wakes_exactly_one_reader_per_set(self):
        ev = self.create("Ev", "event auto nonsignaled")
        readers = [self.start_reader(ev) for _ in range(3)]
        time.sleep(0.3)
        w = self.open(ev, os.O_WRONLY)
        for woken in range(1, 4):
            os.write(w, b"set\n")
            time.sleep(0.3)
            self.assertEqual(sum(not r.is_alive() for r in readers), woken)
        for r in readers:
            r.join(5)
            self.assertEqual(r.box.get("data"), b"signaled\n")
        self.assertEqual(xattr(ev, "state"), "nonsignaled")

    def test_pulse_releases_current_readers_and_leaves_it_nonsignaled(self):
        ev = self.create("Ev", "event manual nonsignaled")
        readers = [self.start_reader(ev) for _ in range(2)]
        self.await_waiters(ev, 2)
        self.run_ok("bash", "-c", "echo pulse > " + ev)
        for r in readers:
            r.join(5)
            self.assertEqual(r.box.get("data"), b"signaled\n")
        self.assertEqual(xattr(ev, "state"), "nonsignaled")
        self.assertEqual(xattr(ev, "waiters"), "0")

    def test_waiters_counts_the_waits_pending_and_any_user_reads_it(self):
        ev = self.create("Ev", "event auto nonsignaled", mode=0o644)
        section = self.make("Global", "Data", data=b"x")
        self.assertEqual(xattr(ev, "waiters"), "0")
        self.assertErrno(errno.ENODATA, os.getxattr, section, "user.section.waiters")
        self.assertIn("user.section.waiters", os.listxattr(ev))
        self.assertNotIn("user.section.waiters", os.listxattr(section))
        readers = [self.start_reader(ev) for _ in range(3)]
        self.await_waiters(ev, 3)
        out = self.run_ok("getfattr", "--only-values", "-n", "user.section.waiters", ev,
                          preexec_fn=as_user())
        self.assertEqual(out, "3")                      # read, as the type is, by anyone
        self.run_ok("bash", "-c", "echo set > " + ev)   # auto-reset: one reader goes
        self.await_waiters(ev, 2)
        with self.assertRaises(OSError):                # and nobody else changes it
            os.setxattr(ev, "user.section.waiters", b"0")
        self.assertEqual(xattr(ev, "waiters"), "2")
        self.run_ok("bash", "-c", "echo set > " + ev)
        self.run_ok("bash", "-c", "echo set > " + ev)
        for r in readers:
            r.join(5)
            self.assertEqual(r.box.get("data"), b"signaled\n")
        self.assertEqual(xattr(ev, "waiters"), "0")

    def test_select_and_epoll_see_it_readable_only_while_signaled(self):
        ev = self.create("Ev", "event manual nonsignaled")
        fd = self.open(ev, os.O_RDONLY)
        self.assertEqual(select.select([fd], [], [], 0.2)[0], [])   # the timeout
        ep = select.epoll()
        self.addCleanup(ep.close)
        ep.register(fd, select.EPOLLIN)
        self.assertEqual(ep.poll(0.2), [])
        threading.Timer(0.3, lambda: self.run_ok("bash", "-c", "echo set > " + ev)).start()
        start = time.monotonic()
        self.assertEqual(ep.poll(10), [(fd, select.EPOLLIN)])
        self.assertLess(time.monotonic() - start, 5)
        self.assertEqual(select.select([fd], [], [], 5)[0], [fd])
        self.assertEqual(os.read(fd, 64), b"signaled\n")

    def test_a_signal_ends_a_blocked_read_and_the_daemon_stays_well(self):
        ev = self.create("Ev", "event auto nonsignaled")
        reader = subprocess.Popen(["head", "-c", "9", ev], stdout=subprocess.PIPE)
        time.sleep(0.3)
        reader.send_signal(signal.SIGINT)
        reader.communicate(timeout=10)
        self.assertEqual(reader.returncode, -signal.SIGINT)
        # nothing was taken: a set is still there for the next reader
        self.run_ok("bash", "-c", "echo set > " + ev)
        self.assertEqual(self.run_ok("head", "-c", "9", ev), "signaled\n")
        # a caught signal: the read fails with EINTR (Python retries, so see it in C terms)
        reader = subprocess.Popen(["python3", "-c", r'''
import os, signal, sys
signal.signal(signal.SIGUSR1, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
fd = os.open(sys.argv[1], os.O_RDONLY)
print("ready", flush=True)
try:
    os.read(fd, 9)
    print("read")
except KeyboardInterrupt:
    print("interrupted")
''', ev], stdout=subprocess.PIPE, text=True)
        self.assertEqual(reader.stdout.readline(), "ready\n")
        time.sleep(0.3)
        reader.send_signal(signal.SIGUSR1)
        out, _ = reader.communicate(timeout=10)
        self.assertEqual(out, "interrupted\n")
        self.assertEqual(xattr(ev, "state"), "nonsignaled")

    def test_a_thousand_blocked_readers_cost_no_threads(self):
        ev = self.create("Ev", "event manual nonsignaled")
        fd = self.open(ev, os.O_RDONLY)          # one stream shared: each read waits alone
        threading.stack_size(64 * 1024)
        self.addCleanup(threading.stack_size, 0)
        done = []
        lock = threading.Lock()

        def run():
            data = os.read(fd, 64)
            with lock:
                done.append(data)
        threads = [threading.Thread(target=run, daemon=True) for _ in range(1000)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        self.assertEqual(len(done), 0)
        self.assertLess(daemon_threads(self.mount.proc.pid), 60)
        # the daemon still answers others meanwhile
        self.assertEqual(xattr(ev, "state"), "nonsignaled")
        self.run_ok("bash", "-c", "echo set > " + ev)
        for t in threads:
            t.join(30)
        self.assertEqual(len(done), 1000)
        self.assertEqual(set(done), {b"signaled\n"})


class TestStagedDescriptor(SyncTestCase):
    """A file opened while the object was still a staged section stays a section's file (README:
    "keeps being what it was"): its reads never wait and its writes never signal."""
    mount_options = ("passthrough=off",)     # its reads and writes reach the daemon

    def test_a_staged_descriptor_neither_waits_nor_signals_once_the_type_is_set(self):
        stage = self.p("Staging", "ev")
        fd = os.open(stage, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_DIRECT | os.O_NONBLOCK,
                     0o644)
        self.addCleanup(os.close, fd)
        os.setxattr(stage, "user.section.type", b"event manual nonsignaled")
        self.assertEqual(os.pread(fd, 64, 0), b"")         # an empty section: no EAGAIN
        with self.assertRaises(OSError):                  # the section's data went with the type
            os.pwrite(fd, b"set", 0)
        self.assertEqual(xattr(stage, "state"), "nonsignaled")
        waiter = self.open(stage, os.O_RDONLY | os.O_NONBLOCK)
        self.assertErrno(errno.EAGAIN, os.read, waiter, 64)   # a new open is the object's


class TestMutexAndSemaphore(SyncTestCase):

    def test_mutex_belongs_to_the_open_file_that_read_it(self):
        m = self.create("M", "mutex")
        mine, other = self.open(m), self.open(m)
        self.assertEqual(os.read(mine, 64), b"acquired\n")
        self.assertEqual(os.read(mine, 64), b"acquired\n")             # recursive
        self.assertEqual(xattr(m, "state"), "owned %d 2" % os.getpid())
        self.assertErrno(errno.EPERM, os.write, other, b"release")
        waiter = self.start_reader(m)
        self.assertBlocked(waiter)
        os.write(mine, b"release\n")                 # 8 bytes, and still the text command
        self.assertBlocked(waiter)
        os.write(mine, b"release")
        waiter.join(5)
        self.assertEqual(waiter.box.get("data"), b"acquired\n")

    def test_mutex_of_a_killed_holder_is_abandoned(self):
        m = self.create("M", "mutex")
        holder = self.spawn(r'''
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
print(os.read(fd, 64).decode().strip(), flush=True)
sys.stdin.readline()
''', m)
        holder.expect("acquired")
        waiter = self.start_reader(m)
        self.assertBlocked(waiter)
        os.kill(holder.proc.pid, signal.SIGKILL)
        waiter.join(10)
        self.assertEqual(waiter.box.get("data"), b"abandoned\n")

    def test_mutex_taken_by_wait_ioctl_is_abandoned_when_its_process_dies(self):
        m = self.create("M", "mutex")
        holder = self.spawn(CHILD_PRELUDE + r'''
fd = os.open(sys.argv[1], os.O_RDWR)
print("%d %d" % wait(fd, [ino(fd)]), flush=True)
sys.stdin.readline()
''', m)
        holder.expect("0 0")
        self.assertEqual(xattr(m, "state"), "owned %d 1" % holder.proc.pid)
        fd = self.open(m)
        kind, ino = object_ino(fd)
        self.assertEqual(ioctl_wait(fd, [ino], timeout=100), (WAIT_TIMEOUT, 0))
        self.assertEqual(ioctl_signal(fd, RELEASE_MUTEX)[0], ERROR_NOT_OWNER)
        holder.proc.kill()
        holder.proc.wait()
        deadline = time.monotonic() + 10
        while xattr(m, "state") != "abandoned" and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(ioctl_wait(fd, [ino], timeout=1000), (WAIT_ABANDONED_0, 0))
        self.assertEqual(ioctl_signal(fd, RELEASE_MUTEX), (0, 0))

    def test_semaphore_counts_and_overflow_changes_nothing(self):
        s = self.create("S", "semaphore 1 2")
        fd = self.open(s)
        self.assertEqual(os.read(fd, 64), b"signaled\n")
        self.assertEqual(xattr(s, "state"), "0 2")
        os.write(fd, b"release 2")
        self.assertEqual(xattr(s, "state"), "2 2")
        self.assertErrno(errno.EOVERFLOW, os.write, fd, b"release\n")
        self.assertErrno(errno.EOVERFLOW, os.write, fd, struct.pack("=Q", 1 << 40))
        self.assertErrno(errno.EINVAL, os.write, fd, b"release 0")
        self.assertEqual(xattr(s, "state"), "2 2")
        self.assertEqual(ioctl_signal(fd, RELEASE_SEMAPHORE, 1), (ERROR_TOO_MANY_POSTS, 0))
        self.assertEqual(os.read(fd, 8), struct.pack("=Q", 0))
        self.assertEqual(ioctl_signal(fd, RELEASE_SEMAPHORE, 1), (0, 1))
        self.assertEqual(xattr(s, "state"), "2 2")


class TestIoctls(SyncTestCase):

    def test_object_names_the_kind(self):
        ev = self.create("Ev", "event manual nonsignaled")
        sec = self.make("Global", "Data", data=b"x")
        kind, ino = object_ino(self.open(ev))
        self.assertEqual((kind, ino), (KIND_EVENT, os.stat(ev).st_ino))
        self.assertEqual(object_ino(self.open(sec))[0], KIND_SECTION)
        self.assertEqual(object_ino(self.open(self.create("M", "mutex")))[0], KIND_MUTEX)

    def test_wait_timeout_signal_and_bad_lists(self):
        ev = self.create("Ev", "event manual nonsignaled")
        sec = self.make("Global", "Data", data=b"x")
        fd = self.open(ev)
        ino = object_ino(fd)[1]
        start = time.monotonic()
        self.assertEqual(ioctl_wait(fd, [ino], timeout=200), (WAIT_TIMEOUT, 0))
        self.assertGreaterEqual(time.monotonic() - start, 0.19)
        self.assertEqual(ioctl_wait(fd, [ino], timeout=0), (WAIT_TIMEOUT, 0))
        threading.Timer(0.2, lambda: ioctl_signal(fd, SET_EVENT)).start()
        self.assertEqual(ioctl_wait(fd, [ino]), (WAIT_OBJECT_0, 0))
        self.assertEqual(ioctl_signal(fd, RESET_EVENT), (0, 0))
        self.assertEqual(ioctl_signal(fd, RELEASE_MUTEX)[0], ERROR_INVALID_HANDLE)
        self.assertEqual(ioctl_signal(fd, 77)[0], ERROR_INVALID_PARAMETER)
        self.assertEqual(ioctl_wait(fd, []), (WAIT_FAILED, ERROR_INVALID_PARAMETER))
        self.assertEqual(ioctl_wait(fd, [ino, ino], wait_all=True),
                         (WAIT_FAILED, ERROR_INVALID_HANDLE))
        sec_ino = object_ino(self.open(sec))[1]
        self.assertEqual(ioctl_wait(fd, [ino, sec_ino], timeout=0),
                         (WAIT_FAILED, ERROR_INVALID_HANDLE))
        self.assertEqual(ioctl_wait(fd, [ino, 12345], timeout=0),
                         (WAIT_FAILED, ERROR_INVALID_HANDLE))

    def test_a_wait_that_signals_first_needs_the_signals_rights(self):
        """SignalObjectAndWait's form of WAIT: the signal is the SIGNAL ioctl's, with its
        rights, done only when the wait's objects are right."""
        ev = self.create("Ev", "event manual nonsignaled")
        other = self.create("Other", "event manual nonsignaled")
        sem = self.create("Sem", "semaphore 1 1")
        reader, writer = self.open(ev, os.O_RDONLY), self.open(ev)
        other_ino = object_ino(self.open(other, os.O_RDONLY))[1]
        self.assertEqual(ioctl_wait(reader, [other_ino], timeout=0, signal_op=SET_EVENT),
                         (WAIT_FAILED, ERROR_ACCESS_DENIED))
        self.assertEqual(ioctl_wait(writer, [other_ino], timeout=0, signal_op=PULSE_EVENT),
                         (WAIT_FAILED, ERROR_INVALID_PARAMETER))     # not a signal it takes
        self.assertEqual(ioctl_wait(writer, [other_ino, 12345], timeout=0, signal_op=SET_EVENT),
                         (WAIT_FAILED, ERROR_INVALID_HANDLE))
        self.assertEqual(xattr(ev, "state"), "nonsignaled")         # none of them set it
        self.assertEqual(ioctl_wait(writer, [other_ino], timeout=0, signal_op=SET_EVENT),
                         (WAIT_TIMEOUT, 0))
        self.assertEqual(xattr(ev, "state"), "signaled")            # the timeout kept it
        self.assertEqual(ioctl_wait(self.open(sem), [other_ino], timeout=0,
                                    signal_op=RELEASE_SEMAPHORE),
                         (WAIT_FAILED, ERROR_TOO_MANY_POSTS))
        self.assertEqual(xattr(sem, "state"), "1 1")

    def test_wait_needs_an_open_file_of_the_calling_process(self):
        ev = self.create("Ev", "event manual signaled")
        ino = os.stat(ev).st_ino
        other = self.make("Global", "Other", data=b"x")
        out = self.python_ok(CHILD_PRELUDE + r'''
fd = os.open(sys.argv[1], os.O_RDONLY)
print("%d %d" % wait(fd, [int(sys.argv[2])], timeout=0))
''', other, ino)
        self.assertEqual(out.split(), [str(WAIT_FAILED), str(ERROR_INVALID_HANDLE)])
        out = self.python_ok(CHILD_PRELUDE + r'''
fd = os.open(sys.argv[1], os.O_RDONLY)
print("%d %d" % wait(fd, [ino(fd)], timeout=0))
''', ev)
        self.assertEqual(out.split(), [str(WAIT_OBJECT_0), "0"])

    def test_wait_all_takes_all_at_once_or_none(self):
        m = self.create("M", "mutex")
        ev = self.create("Ev", "event auto nonsignaled")
        fm, fe = self.open(m), self.open(ev)
        inos = [object_ino(fm)[1], object_ino(fe)[1]]
        box, done = {}, threading.Event()

        def waiter():
            box.update(r=ioctl_wait(fm, inos, wait_all=True))
            done.wait(30)                             # the mutex's owner lives till told
        t = threading.Thread(target=waiter)
        t.start()
        self.await_waiters(m, 1)
        self.assertEqual(xattr(m, "state"), "free")   # nothing held meanwhile
        # another process takes the mutex while the wait-all waits
        holder = self.spawn(CHILD_PRELUDE + r'''
fd = os.open(sys.argv[1], os.O_RDWR)
print("%d %d" % wait(fd, [ino(fd)], timeout=0), flush=True)
sys.stdin.readline()
fcntl.ioctl(fd, _ioc(3, 9, 16), struct.pack("=IIII", 4, 0, 0, 0))
print("released", flush=True)
sys.stdin.readline()
''', m)
        holder.expect("0 0")
        self.run_ok("bash", "-c", "echo set > " + ev)
        t.join(0.3)
        self.assertTrue(t.is_alive())
        self.assertEqual(xattr(ev, "state"), "signaled")   # not consumed alone
        holder.send()
        holder.expect("released")
        deadline = time.monotonic() + 10
        while "r" not in box and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(box.get("r"), (WAIT_OBJECT_0, 0))
        self.assertEqual(xattr(ev, "state"), "nonsignaled")
        self.assertEqual(xattr(m, "state"), "owned %d 1" % os.getpid())
        # the waiting thread owns it, not this one (nor the process)
        self.assertEqual(ioctl_signal(fm, RELEASE_MUTEX), (ERROR_NOT_OWNER, 0))
        # and when it ends without releasing it, the mutex is abandoned (H52)
        done.set()
        t.join(10)
        deadline = time.monotonic() + 10
        while xattr(m, "state") != "abandoned" and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(xattr(m, "state"), "abandoned")


class TestOthers(SyncTestCase):

    def test_other_users_need_write_to_signal_and_read_to_wait(self):
        ev = self.create("Ev", "event manual nonsignaled", mode=0o644)
        hidden = self.create("Hidden", "event manual signaled", mode=0o600)
        code = r'''
import os, sys
try:
    fd = os.open(sys.argv[1], int(sys.argv[2]))
    print("opened")
except OSError as e:
    print(e.errno)
'''
        self.assertEqual(self.python_ok(code, ev, os.O_WRONLY, preexec_fn=as_user()).strip(),
                         str(errno.EACCES))
        self.assertEqual(self.python_ok(code, hidden, os.O_RDONLY,
                                        preexec_fn=as_user()).strip(), str(errno.EACCES))
        self.assertEqual(self.python_ok(code, ev, os.O_RDONLY, preexec_fn=as_user()).strip(),
                         "opened")
        # a reader cannot signal through its read-only file
        out = self.python_ok(r'''
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
try:
    os.write(fd, b"set")
    print("wrote")
except OSError as e:
    print(e.errno)
''', ev, preexec_fn=as_user())
        self.assertEqual(out.strip(), str(errno.EBADF))
        self.assertEqual(xattr(ev, "state"), "nonsignaled")
        self.assertErrno(errno.EPERM, os.setxattr, ev, "user.section.state", b"signaled")

    def test_only_the_creator_sets_a_staged_type(self):
        stage = self.p("Staging", "mine")
        fd = self.open(stage, os.O_RDWR | os.O_CREAT | os.O_EXCL)
        os.chmod(stage, 0o666)
        out = self.python_ok(r'''
import os, sys
try:
    os.setxattr(sys.argv[1], "user.section.type", b"mutex")
    print("set")
except OSError as e:
    print(e.errno)
''', stage, preexec_fn=as_user())
        self.assertEqual(out.strip(), str(errno.EACCES))
        self.assertEqual(xattr(stage, "type"), "section")
        os.fchmod(fd, 0o644)

    def test_another_session_cannot_reach_a_session_object(self):
        from sfstest import in_new_login_session
        made = self.python_ok(r'''
import os, sys
stage = os.path.join(sys.argv[1], "Staging", "ev")
fd = os.open(stage, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
os.setxattr(stage, "user.section.type", b"event manual signaled")
os.rename(stage, os.path.join(sys.argv[1], "Local", "Ev"))
print(os.path.realpath(os.path.join(sys.argv[1], "Local")))
''', self.mount.dir, preexec_fn=in_new_login_session())
        path = os.path.join(made.strip(), "Ev")
        self.assertIn("/Sessions/", path)
        out = self.python_ok(r'''
import os, sys
try:
    os.open(sys.argv[1], os.O_RDONLY)
    print("opened")
except OSError as e:
    print(e.errno)
''', path, preexec_fn=lambda: (in_new_login_session(1001)(), as_user(1001, 1001)()))
        self.assertNotEqual(out.strip(), "opened")


if __name__ == "__main__":
    main()
