"""A real sectionfs mount for each test, and the tools the mount tests share.

Every test mounts the daemon it was built with (SECTIONFS_BIN) on a fresh temporary directory and
unmounts it afterwards, even when the test fails or meson's timeout kills the run (SIGTERM).
Nothing here mocks FUSE or the kernel: tests run real programs against the mount.

Built with AddressSanitizer and UndefinedBehaviorSanitizer (meson -Db_sanitize=address,undefined),
every program a test starts (the daemon, libwinmap's users, the helpers) writes any AddressSanitizer
or LeakSanitizer report to a directory of this test process's own (SANITIZER_REPORTS): a report
fails the test whose mount it came from (Mount.stop) or, from anywhere else, the whole test
program at exit, whatever a test makes of the program's output or exit status.  gcc's
UndefinedBehaviorSanitizer is a runtime of its own (libubsan) beside ASan's, and ASan's exported
report-path setter wins over its own: it writes to stderr whatever log_path says.  It stops the
program with SANITIZER_EXITCODE, and the harness looks for its report in every stderr it reads
(Mount.stop, run_ok, run_fails; test_daemon: assert_no_sanitizer_output).
"""
import atexit
import contextlib
import errno
import fcntl
import glob
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SECTIONFS = os.environ.get("SECTIONFS_BIN", os.path.join(HERE, "../../build/fs/sectionfs"))
HELPERS = os.environ.get("SECTIONFS_HELPERS", os.path.join(HERE, "../../build/tests/fs"))
NOBODY = 65534
# Options every Mount adds unless the test gives the same option itself: a whole suite can run
# in another mode, e.g. SECTIONFS_TEST_OPTIONS=io_uring=on (with the kernel's enable_uring on;
# scripts/test does both, README "Testing").  Comma-separated, as -o takes them.
EXTRA_OPTIONS = tuple(o for o in os.environ.get("SECTIONFS_TEST_OPTIONS", "").split(",") if o)

# What the sanitizers do in every program the tests start: stop at the first report (and exit
# with SANITIZER_EXITCODE), look for leaks at exit but for what the daemon leaves to its exit
# on purpose (lsan.supp), and let a program that faults on purpose set its own SIGSEGV action
# (tests/winapi: wu_expect_fault).  Settings already in the environment come after these and
# win; log_path, which this harness checks, comes last.
SANITIZER_EXITCODE = 86
ASAN_DEFAULTS = ("halt_on_error=1:exitcode=%d:detect_leaks=1:print_stacktrace=1:"
                 "allow_user_segv_handler=1:strict_string_checks=1" % SANITIZER_EXITCODE)
UBSAN_DEFAULTS = "halt_on_error=1:exitcode=%d:print_stacktrace=1" % SANITIZER_EXITCODE
LSAN_DEFAULTS = "suppressions=%s:print_suppressions=0" % os.path.join(HERE, "lsan.supp")
SANITIZER_REPORTS = tempfile.mkdtemp(prefix="sectionfs-sanitizer-")
# Programs may run as other users (nobody): they must be able to write their report here.
os.chmod(SANITIZER_REPORTS, 0o1777)


def _with_report_path(variable, defaults):
    options = [defaults, os.environ.get(variable, ""),
               "log_path=" + os.path.join(SANITIZER_REPORTS, "report")]
    os.environ[variable] = ":".join(o for o in options if o)


_with_report_path("ASAN_OPTIONS", ASAN_DEFAULTS)
_with_report_path("UBSAN_OPTIONS", UBSAN_DEFAULTS)
os.environ["LSAN_OPTIONS"] = ":".join(o for o in (LSAN_DEFAULTS, os.environ.get("LSAN_OPTIONS"))
                                      if o)


def sanitizer_reports():
    """Takes the sanitizer reports written so far: a list of (file name, text), the name being
    report.PID; the files are removed, so a report is told once."""
    reports = []
    for path in sorted(glob.glob(os.path.join(SANITIZER_REPORTS, "report.*"))):
        with open(path, errors="replace") as f:
            reports.append((os.path.basename(path), f.read()))
        with contextlib.suppress(OSError):
            os.remove(path)
    return reports


def format_reports(reports):
    return "\n".join("---- %s ----\n%s" % (name, text.rstrip()) for name, text in reports)


# A sanitizer's report in a program's output.
SANITIZER_OUTPUT = re.compile(r"runtime error:|(Address|Leak|UndefinedBehavior)Sanitizer")


def assert_no_sanitizer_output(text, what="the program"):
    """Fails when text, what a program wrote, holds a sanitizer report."""
    if text and SANITIZER_OUTPUT.search(text):
        raise AssertionError("%s reported to the sanitizers:\n%s" % (what, text))


def assert_no_sanitizer_reports():
    """Fails (AssertionError) with the reports written since the last look, if any: for a test
    that starts programs, or a daemon, without Mount."""
    reports = sanitizer_reports()
    if reports:
        raise AssertionError("sanitizer reports:\n" + format_reports(reports))


# What Mount.stop() found when no test was there to fail (mounts stopped at exit).
_unclaimed_reports = []


def _fail_on_stray_reports():
    """At exit: reports no test failed for fail the program (a report from a program whose
    failure a test expected, a helper, a daemon the test started by itself)."""
    reports = sanitizer_reports()
    found = _unclaimed_reports + ([format_reports(reports)] if reports else [])
    shutil.rmtree(SANITIZER_REPORTS, ignore_errors=True)
    if found:
        sys.stdout.flush()
        sys.stderr.write("\nSANITIZER REPORTS from programs this test ran:\n%s\n"
                         % "\n".join(found))
        sys.stderr.flush()
        os._exit(1)


# Registered first, so it runs last: after every mount was stopped.
atexit.register(_fail_on_stray_reports)

_live_mounts = []


def unescape_mountinfo(field):
    """mountinfo writes a space, tab, newline or backslash in a path as \\ooo."""
    return re.sub(r"\\([0-3][0-7][0-7])", lambda m: chr(int(m.group(1), 8)), field)


def is_mounted(path):
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        return any(unescape_mountinfo(line.split()[4]) == path for line in f)


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
        given = {o.split("=", 1)[0] for o in self.options}
        for o in [e for e in EXTRA_OPTIONS if e.split("=", 1)[0] not in given] + self.options:
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
        """Unmounts, stops the daemon and removes the directory; safe to call twice.  Fails
        (AssertionError, after cleaning up) when the daemon, or any program run meanwhile,
        wrote a sanitizer report, or the daemon exited with the sanitizers' exit status."""
        if self.dir is None:
            return
        stderr = ""
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
            if self.proc.stderr and not self.proc.stderr.closed:
                stderr = _read_available(self.proc.stderr)
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
        self._check_sanitizers(stderr)

    def _check_sanitizers(self, stderr):
        reports = sanitizer_reports()
        problems = []
        if reports:
            problems.append("sanitizer reports (sectionfs's would be report.%s; any other is from a "
                            "program run meanwhile):\n%s"
                            % (self.proc.pid if self.proc else "-", format_reports(reports)))
        if self.proc is not None and self.proc.returncode == SANITIZER_EXITCODE:
            problems.append("sectionfs exited with status %d, the sanitizers' exit status"
                            % SANITIZER_EXITCODE)
        if SANITIZER_OUTPUT.search(stderr):
            problems.append("sectionfs's stderr holds a sanitizer report")
        if problems:
            raise AssertionError("\n".join(problems) + ("\nsectionfs's stderr:\n" + stderr
                                                        if stderr else ""))

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _read_available(stream):
    """What a pipe holds now, without waiting for its end (fusermount3, which auto_unmount
    leaves watching the mount, may hold the pipe a little longer than the daemon)."""
    chunks = []
    with contextlib.suppress(OSError, ValueError):
        fd = stream.fileno()
        os.set_blocking(fd, False)
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


def _stop_all_mounts(*_):
    for m in list(_live_mounts):
        try:
            m.stop()
        except AssertionError as e:
            _unclaimed_reports.append(str(e))


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
        assert_no_sanitizer_output(r.stderr, args[0])
        self.assertEqual(r.returncode, 0, "%s failed: %s" % (args, r.stderr))
        return r.stdout

    def run_fails(self, *args, **kwargs):
        """Runs a program that must fail; returns its stderr."""
        r = subprocess.run(args, capture_output=True, text=True, **kwargs)
        assert_no_sanitizer_output(r.stderr, args[0])
        self.assertNotEqual(r.returncode, 0, "%s succeeded: %s" % (args, r.stdout))
        self.assertNotEqual(r.returncode, SANITIZER_EXITCODE, "%s: %s" % (args, r.stderr))
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


# include/sectionfs/protocol.h: struct sectionfs_view and SECTIONFS_IOC_BECOME_VIEW
VIEW = struct.Struct("=IIQQIIQ")
IOC_BECOME_VIEW = 3 << 30 | VIEW.size << 16 | 0xB5 << 8 | 2
FILE_MAP_READ = 0x4


def become_view(fd, access=FILE_MAP_READ):
    """Declares an open file a view of its whole section, as winmap's MapViewOfFile does;
    returns the Win32 result (0: ERROR_SUCCESS)."""
    arg = bytearray(VIEW.pack(access, access, 0, 0, 0, 0, 0))
    fcntl.ioctl(fd, IOC_BECOME_VIEW, arg)
    return VIEW.unpack(arg)[4]


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


# Child code: maps the file argv[1] read-only (MAP_SHARED) and closes it (Python's mmap would
# keep a duplicate of it: libc's mmap does not), so that the map alone holds it.
MAP_AND_CLOSE = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                      ctypes.c_int, ctypes.c_long]
fd = os.open(sys.argv[1], os.O_RDONLY)
size = os.fstat(fd).st_size
addr = libc.mmap(None, size, 1, 1, fd, 0)          # PROT_READ, MAP_SHARED
assert addr not in (None, ctypes.c_void_p(-1).value), ctypes.get_errno()
os.close(fd)
ctypes.string_at(addr, 1)                           # touch it
"""
# ... then prints "mapped" and holds the map until stdin closes.
HOLD_MAP = MAP_AND_CLOSE + r"""
print("mapped", flush=True)
sys.stdin.read()
"""


def run_python(code, *args, preexec_fn=None):
    """Runs `python3 -c code args...` to the end: a CompletedProcess with text output."""
    return subprocess.run([CHILD_PYTHON, "-c", code] + [str(a) for a in args],
                          capture_output=True, text=True, preexec_fn=preexec_fn, timeout=60)


def main():
    unittest.main(verbosity=2)
