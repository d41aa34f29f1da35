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
    fd = os.open(stage, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
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


def main():
    unittest.main(verbosity=2)
