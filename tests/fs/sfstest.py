"""A real sectionfs mount for each test, and the tools the mount tests share.

Every test mounts the daemon it was built with (SECTIONFS_BIN) on a fresh temporary directory and
unmounts it afterwards, even when the test fails or meson's timeout kills the run (SIGTERM).
Nothing here mocks FUSE or the kernel: tests run real programs against the mount.
"""
import atexit
import contextlib
import errno
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SECTIONFS = os.environ.get("SECTIONFS_BIN", os.path.join(HERE, "../../build/fs/sectionfs"))
HELPERS = os.environ.get("SECTIONFS_HELPERS", os.path.join(HERE, "../../build/tests/fs"))
NOBODY = 65534

_live_mounts = []


def is_mounted(path):
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


def _wait_for(predicate, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise TimeoutError("timed out waiting for " + what)


class Mount:
    """sectionfs -f OPTIONS DIR, with DIR a new temporary directory."""

    def __init__(self, *options, extra_args=()):
        self.options = list(options)
        self.extra_args = list(extra_args)
        self.dir = None
        self.proc = None

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="sectionfs-test-")
        os.chmod(self.dir, 0o755)     # other users' programs must reach the mount
        args = [SECTIONFS, "-f"]
        for o in self.options:
            args += ["-o", o]
        args += self.extra_args + [self.dir]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _live_mounts.append(self)
        try:
            _wait_for(lambda: is_mounted(self.dir) or self.proc.poll() is not None,
                      what="the mount")
        except TimeoutError:
            self.stop()
            raise
        if not is_mounted(self.dir):
            out, err = self.proc.communicate()
            self.stop()
            raise RuntimeError("sectionfs did not mount: " + err.decode(errors="replace"))
        return self

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def stop(self):
        """Unmounts, stops the daemon and removes the directory; safe to call twice."""
        if self.dir is None:
            return
        if is_mounted(self.dir):
            r = subprocess.run(["fusermount3", "-u", self.dir], capture_output=True)
            if r.returncode != 0:
                subprocess.run(["fusermount3", "-u", "-z", self.dir], capture_output=True)
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            for stream in (self.proc.stdout, self.proc.stderr):
                if stream:
                    stream.close()
        if is_mounted(self.dir):
            subprocess.run(["umount", "-l", self.dir], capture_output=True)
        with contextlib.suppress(OSError):
            os.rmdir(self.dir)
        if self in _live_mounts:
            _live_mounts.remove(self)
        self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _stop_all_mounts(*_):
    for m in list(_live_mounts):
        m.stop()


atexit.register(_stop_all_mounts)


def _on_sigterm(signum, frame):
    _stop_all_mounts()
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _on_sigterm)


class MountTestCase(unittest.TestCase):
    """A test with a fresh mount in self.mount; self.p(...) is a path inside it."""

    mount_options = ()

    def setUp(self):
        self.mount = Mount(*self.mount_options).start()
        self.addCleanup(self.mount.stop)

    def p(self, *parts):
        return self.mount.path(*parts)

    def assertErrno(self, err, fn, *args, **kwargs):
        """fn(*args) must fail with OSError errno err."""
        with self.assertRaises(OSError) as cm:
            fn(*args, **kwargs)
        self.assertEqual(cm.exception.errno, err,
                         "expected %s, got %s" % (errno.errorcode[err], cm.exception))

    def assertOpenFails(self, err, path, flags, mode=0o644):
        """os.open(path, flags) must fail with errno err; an open that succeeds is closed (an
        open file left behind would keep the mount busy at cleanup)."""
        try:
            fd = os.open(path, flags, mode)
        except OSError as e:
            self.assertEqual(e.errno, err, "expected %s, got %s" % (errno.errorcode[err], e))
            return
        os.close(fd)
        self.fail("open(%s) succeeded, expected %s" % (path, errno.errorcode[err]))

    def run_ok(self, *args, **kwargs):
        """Runs a program that must succeed; returns its stdout."""
        r = subprocess.run(args, capture_output=True, text=True, **kwargs)
        self.assertEqual(r.returncode, 0, "%s failed: %s" % (args, r.stderr))
        return r.stdout

    def run_fails(self, *args, **kwargs):
        """Runs a program that must fail; returns its stderr."""
        r = subprocess.run(args, capture_output=True, text=True, **kwargs)
        self.assertNotEqual(r.returncode, 0, "%s succeeded: %s" % (args, r.stdout))
        return r.stderr

    def spawn(self, code, *args, preexec_fn=None):
        """A Child (below) running code, killed before the mount is stopped."""
        child = Child(code, *args, preexec_fn=preexec_fn)
        self.addCleanup(child.kill)
        return child

    def python_ok(self, code, *args, preexec_fn=None):
        """Runs a Python child that must succeed; returns its stdout."""
        r = run_python(code, *args, preexec_fn=preexec_fn)
        self.assertEqual(r.returncode, 0, "child failed: %s" % r.stderr)
        return r.stdout

    def make(self, *parts, data=b"", mode=0o644):
        """Creates a section with data at the path parts (O_EXCL) and returns its path."""
        path = self.p(*parts)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        return path

    def read(self, *parts):
        with open(self.p(*parts), "rb") as f:
            return f.read()


def helper(name):
    """The path of a C test helper program built beside these tests."""
    return os.path.join(HELPERS, name)


def as_user(uid=NOBODY, gid=NOBODY):
    """preexec_fn that makes a child another user (no supplementary groups)."""
    def become():
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    return become


def in_new_login_session(uid=1000):
    """preexec_fn that starts a new audit login session in the child (root only)."""
    def start():
        with open("/proc/self/loginuid", "w") as f:
            f.write(str(uid))
    return start


def login_session_of_child(preexec):
    """The sessionid a child started with preexec sees."""
    out = subprocess.run(["cat", "/proc/self/sessionid"], preexec_fn=preexec,
                         capture_output=True, text=True).stdout
    return int(out)


def staged_create(mount, namespace, name, size=0, protect=None, lifetime=None, data=b""):
    """Creates a section atomically through Staging/: set up, then publish by rename.
    Returns the path it was published at."""
    stage = mount.path("Staging", "%s.%d.%d" % (name.replace("/", "_"), os.getpid(),
                                                time.monotonic_ns()))
    final = mount.path(namespace, name)
    # A section that will be copy-on-write is staged with O_DIRECT (README: passthrough mode).
    direct = os.O_DIRECT if protect and "WRITECOPY" in protect else 0
    fd = os.open(stage, os.O_RDWR | os.O_CREAT | os.O_EXCL | direct, 0o644)
    try:
        if data:
            os.write(fd, data)
        if size:
            os.ftruncate(fd, size)
        if protect:
            os.setxattr(fd, "user.section.protect", protect.encode())
        if lifetime:
            os.setxattr(fd, "user.section.lifetime", lifetime.encode())
        os.rename(stage, final)
    finally:
        os.close(fd)
    return final


DATA_PATHS = (("Cached", "passthrough=off"), ("Passthrough", "passthrough=on"))


def in_both_data_paths(cls):
    """Class decorator for a MountTestCase: its tests run twice, as <Name>Cached on a mount with
    -o passthrough=off and as <Name>Passthrough with -o passthrough=on (README: "Two data
    paths"); self.data_path is "cached" or "passthrough".  The passthrough variant is skipped,
    with the daemon's reason, only where the daemon says passthrough cannot work here (kernel
    or privileges).  The decorated name itself is bound to None, so it does not run once more
    in the default mode."""
    module = sys.modules[cls.__module__]

    def setUp(self):
        try:
            cls.setUp(self)
        except RuntimeError as e:
            if self.data_path == "passthrough" and "passthrough=on:" in str(e):
                self.skipTest("no passthrough on this machine: %s" % str(e).strip())
            raise

    for suffix, option in DATA_PATHS:
        variant = type(cls.__name__ + suffix, (cls,), {
            "mount_options": tuple(cls.mount_options) + (option,),
            "data_path": suffix.lower(),
            "setUp": setUp,
            "__module__": cls.__module__,
            "__qualname__": cls.__name__ + suffix,
        })
        setattr(module, variant.__name__, variant)
    return None


def without_login_session():
    """preexec_fn that leaves the audit login session in the child (root only): the child is
    then in session 0 under sessions=login, whatever session the test runner is in."""
    def leave():
        with open("/proc/self/loginuid", "w") as f:
            f.write("4294967295")
    return leave


def chain(*preexecs):
    """One preexec_fn running several in order (e.g. a new login session, then another user)."""
    def run():
        for fn in preexecs:
            fn()
    return run


def wait_until(predicate, what, timeout=10.0):
    """Waits for something the kernel does after a call returns (a RELEASE is sent in the
    background after close(), a name dropped by a notification): fails if it never happens."""
    _wait_for(predicate, timeout=timeout, what=what)


def xattr(path, name):
    """user.section.<name> of path, as text."""
    return os.getxattr(path, "user.section." + name).decode()


def handles(path):
    return int(xattr(path, "handles"))


def wait_handles(path, n):
    """Waits until the daemon counts exactly n open files on path (RELEASE is asynchronous)."""
    wait_until(lambda: handles(path) == n, "%s to have %d open files" % (path, n))


def mounted_dirs_of(prefix="/tmp/sectionfs-test-"):
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f if line.split()[4].startswith(prefix)]


def _runs_for_everyone(path):
    """Can any user execute path (every directory above it searchable by others)?"""
    path = os.path.realpath(path)
    try:
        if not os.stat(path).st_mode & 0o001:
            return False
        d = os.path.dirname(path)
        while True:
            if not os.stat(d).st_mode & 0o001:
                return False
            if d == "/":
                return True
            d = os.path.dirname(d)
    except OSError:
        return False


# The interpreter for child scripts, which may run as another user (nobody): this one when
# anybody may run it, else the system's.
CHILD_PYTHON = (sys.executable if _runs_for_everyone(sys.executable) or
                not os.path.exists("/usr/bin/python3") else "/usr/bin/python3")


class Child:
    """A Python child process running `code` (sys.argv[1:] = args), talking in lines: it prints
    what it has done, the test answers on its stdin.  Killed at cleanup if still alive."""

    def __init__(self, code, *args, preexec_fn=None):
        self.proc = subprocess.Popen([CHILD_PYTHON, "-c", code] + [str(a) for a in args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1,
                                     preexec_fn=preexec_fn)

    def recv(self):
        """The child's next line (without the newline); fails if it ended instead."""
        line = self.proc.stdout.readline()
        if not line:
            rc = self.proc.wait()
            raise AssertionError("child ended (rc %s) instead of answering: %s"
                                 % (rc, self.proc.stderr.read()))
        return line.rstrip("\n")

    def expect(self, want):
        got = self.recv()
        if got != want:
            raise AssertionError("child said %r, expected %r" % (got, want))

    def send(self, line=""):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def finish(self):
        """Closes its stdin and waits: (returncode, rest of stdout, stderr)."""
        with contextlib.suppress(BrokenPipeError):
            self.proc.stdin.close()
        out = self.proc.stdout.read()
        err = self.proc.stderr.read()
        rc = self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return rc, out, err

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(OSError):
                stream.close()


def run_python(code, *args, preexec_fn=None):
    """Runs `python3 -c code args...` to the end: a CompletedProcess with text output."""
    return subprocess.run([CHILD_PYTHON, "-c", code] + [str(a) for a in args],
                          capture_output=True, text=True, preexec_fn=preexec_fn, timeout=60)


def main():
    unittest.main(verbosity=2)
