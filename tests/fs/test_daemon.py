"""The daemon: command line, refusals, unmounting (SIGTERM, fusermount3 -u, SIGKILL with
auto_unmount), detaching without -f, and mounting through mount(8) and an fstab line."""
import contextlib
import errno
import os
import signal
import subprocess
import tempfile
import unittest

import sfstest
from sfstest import SECTIONFS, Mount, is_mounted, wait_until


def daemon_pids(mountpoint):
    """Live (non-zombie) sectionfs processes whose command line names mountpoint."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if (argv and os.path.basename(argv[0]) == b"sectionfs" and
                os.fsencode(mountpoint) in argv and alive(int(entry))):
            pids.append(int(entry))
    return pids


def alive(pid):
    """Is pid running (a zombie has exited)?"""
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class DaemonTestCase(unittest.TestCase):
    """Tests that mount by themselves: a fresh directory, and at the end no mount and no daemon
    left behind (checked, then cleaned up), and no sanitizer report."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sectionfs-test-")
        self.addCleanup(self.cleanup)

    def cleanup(self):
        left = is_mounted(self.dir)
        if left:
            subprocess.run(["fusermount3", "-u", "-z", self.dir], capture_output=True)
            subprocess.run(["umount", "-l", self.dir], capture_output=True)
        for pid in daemon_pids(self.dir):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.rmdir(self.dir)
        self.assertFalse(left, "the test left %s mounted" % self.dir)
        sfstest.assert_no_sanitizer_reports()       # from the daemons this test started

    def run_daemon(self, *args):
        r = subprocess.run([SECTIONFS] + list(args), capture_output=True, text=True, timeout=30)
        sfstest.assert_no_sanitizer_output(r.stderr, "sectionfs")
        self.assertNotEqual(r.returncode, sfstest.SANITIZER_EXITCODE, r.stderr)
        return r

    def assert_refused(self, r, *words):
        self.assertNotEqual(r.returncode, 0, r.stdout)
        for w in words:
            self.assertIn(w, r.stderr)
        self.assertFalse(is_mounted(self.dir))


class CommandLineTest(DaemonTestCase):

    def test_help_exits_0(self):
        r = self.run_daemon("--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("sessions=login|posix|none", r.stdout)
        self.assertIn("size=", r.stdout)

    def test_version_exits_0(self):
        r = self.run_daemon("--version")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^sectionfs \d+\.\d+")

    def test_bad_sessions_option_is_refused(self):
        self.assert_refused(self.run_daemon("-f", "-o", "sessions=xyz", self.dir), "sessions=xyz")

    def test_bad_size_option_is_refused(self):
        self.assert_refused(self.run_daemon("-f", "-o", "size=abc", self.dir), "size=abc")

    def test_zero_size_is_refused(self):
        self.assert_refused(self.run_daemon("-f", "-o", "size=0", self.dir), "size=0")

    def test_bad_passthrough_option_is_refused(self):
        self.assert_refused(self.run_daemon("-f", "-o", "passthrough=maybe", self.dir),
                            "passthrough=maybe")

    def test_bad_io_uring_option_is_refused(self):
        self.assert_refused(self.run_daemon("-f", "-o", "io_uring=maybe", self.dir),
                            "io_uring=maybe")

    def test_missing_mount_point_is_refused(self):
        missing = os.path.join(self.dir, "does-not-exist")
        r = self.run_daemon("-f", missing)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(missing, r.stderr)
        self.assertFalse(is_mounted(missing))

    def test_no_mount_point_is_refused(self):
        r = self.run_daemon("-f")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("mount point", r.stderr)


class UnmountTest(DaemonTestCase):

    def start(self, *options):
        m = Mount(*options)
        m.start()
        self.addCleanup(m.stop)
        return m

    def test_sigterm_unmounts_and_exits_0(self):
        m = self.start()
        m.proc.send_signal(signal.SIGTERM)
        rc = m.proc.wait(timeout=30)
        self.assertFalse(is_mounted(m.dir))
        self.assertEqual(rc, 0, "daemon exited %d after SIGTERM: %s"
                         % (rc, m.proc.stderr.read().decode(errors="replace")))

    def stderr_after_unmount(self, m):
        subprocess.run(["fusermount3", "-u", m.dir], check=True)
        m.proc.wait(timeout=30)
        err = m.proc.stderr.read().decode(errors="replace")
        sfstest.assert_no_sanitizer_output(err, "sectionfs")
        return err

    def test_foreground_daemon_says_which_data_path_it_uses(self):
        m = self.start()
        err = self.stderr_after_unmount(m)
        self.assertRegex(err, r"(passthrough|cached) mode")

    def test_passthrough_off_says_cached_mode(self):
        m = self.start("passthrough=off")
        self.assertIn("cached mode", self.stderr_after_unmount(m))

    def test_standard_fuse_options_pass_through(self):
        m = self.start("ro")
        with self.assertRaises(OSError) as cm:
            open(m.path("Global", "X"), "w")
        self.assertEqual(cm.exception.errno, errno.EROFS)

    def test_sigint_unmounts(self):
        m = self.start()
        m.proc.send_signal(signal.SIGINT)
        m.proc.wait(timeout=30)
        self.assertFalse(is_mounted(m.dir))

    def test_fusermount_u_unmounts_and_the_daemon_exits(self):
        m = self.start()
        subprocess.run(["fusermount3", "-u", m.dir], check=True)
        self.assertFalse(is_mounted(m.dir))
        self.assertEqual(m.proc.wait(timeout=30), 0)

    def test_umount_unmounts_and_the_daemon_exits(self):
        m = self.start()
        subprocess.run(["umount", m.dir], check=True)
        self.assertFalse(is_mounted(m.dir))
        self.assertEqual(m.proc.wait(timeout=30), 0)

    def test_sigkill_leaves_no_dead_mount(self):
        m = self.start()
        with open(m.path("Global", "X"), "w") as f:
            f.write("x")
        m.proc.kill()
        m.proc.wait()
        wait_until(lambda: not is_mounted(m.dir), "auto_unmount to remove the mount")
        self.assertFalse(os.path.exists(os.path.join(m.dir, "Global")))

    def test_unmount_while_a_section_is_open_stays_clean(self):
        m = self.start()
        fd = os.open(m.path("Global", "Held"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            m.proc.send_signal(signal.SIGTERM)
            m.proc.wait(timeout=30)
        finally:
            with contextlib.suppress(OSError):
                os.close(fd)
        wait_until(lambda: not is_mounted(m.dir), "the mount to go")


class DetachTest(DaemonTestCase):

    def test_without_f_the_daemon_detaches_and_the_mount_stays(self):
        r = self.run_daemon(self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(is_mounted(self.dir))
        pids = daemon_pids(self.dir)
        self.assertEqual(len(pids), 1, pids)
        with open(os.path.join(self.dir, "Global", "Detached"), "w") as f:
            f.write("still served")
        with open(os.path.join(self.dir, "Global", "Detached")) as f:
            self.assertEqual(f.read(), "still served")
        subprocess.run(["fusermount3", "-u", self.dir], check=True)
        self.assertFalse(is_mounted(self.dir))
        wait_until(lambda: not alive(pids[0]), "the detached daemon to exit")


# Runs as the mount's user: writes 64 KiB chunks into DIR/Global/F until an error, prints how
# many bytes went in and the error's name.
FILL = r"""
import errno, os, sys
fd = os.open(os.path.join(sys.argv[1], "Global", "F"), os.O_WRONLY | os.O_CREAT, 0o600)
n = 0
try:
    while n < 4 << 20:
        n += os.write(fd, b"u" * 65536)
    print(n, "none")
except OSError as e:
    print(n, errno.errorcode[e.errno])
"""


class UserMountTest(DaemonTestCase):
    """A daemon run by an ordinary user (a FUSE user mount through fusermount3) may not mount
    tmpfs, so it makes its private tmpfs inside a user namespace of its own: the kernel holds
    its cap too.  Cached mode (passthrough needs root), said in the log."""

    def test_a_user_mount_has_a_kernel_held_cap(self):
        bindir = tempfile.mkdtemp(prefix="sectionfs-user-")
        self.addCleanup(subprocess.run, ["rm", "-rf", bindir])
        daemon = os.path.join(bindir, "sectionfs")
        subprocess.run(["cp", SECTIONFS, daemon], check=True)
        os.chmod(bindir, 0o755)
        os.chown(self.dir, sfstest.NOBODY, sfstest.NOBODY)
        # Debian's udev makes /dev/fuse 0666 for user mounts; a container may leave it 0600
        mode = os.stat("/dev/fuse").st_mode & 0o777
        if mode & 0o006 != 0o006:
            os.chmod("/dev/fuse", mode | 0o666)
            self.addCleanup(os.chmod, "/dev/fuse", mode)
        # nobody cannot write this test's report directory: a sanitizer report goes to stderr
        env = dict(os.environ)
        if "ASAN_OPTIONS" in env:
            env["ASAN_OPTIONS"] += ":log_path=stderr"
        proc = subprocess.Popen([daemon, "-f", "-o", "size=1m", self.dir],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=sfstest.as_user(), env=env)
        def stop():
            subprocess.run(["fusermount3", "-u", self.dir], capture_output=True)
            try:
                return proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                return proc.communicate()
        self.addCleanup(lambda: proc.poll() is None and stop())
        wait_until(lambda: is_mounted(self.dir) or proc.poll() is not None, "the user mount")
        self.assertTrue(is_mounted(self.dir), proc.stderr.read() if proc.poll() is not None
                        else "")
        out = subprocess.run([sfstest.CHILD_PYTHON, "-c", FILL, self.dir], capture_output=True,
                             text=True, preexec_fn=sfstest.as_user(), timeout=60)
        written, error = out.stdout.split()
        self.assertEqual(error, "ENOSPC", out.stderr)
        self.assertLessEqual(int(written), 1 << 20)
        self.assertGreaterEqual(int(written), (1 << 20) - (64 << 10))
        _, err = stop()
        sfstest.assert_no_sanitizer_output(err, "sectionfs")
        self.assertIn("private tmpfs", err)
        self.assertIn("cached mode", err)


# mount(8) runs its helpers with PATH cleared, so `mount -t fuse.sectionfs` finds the daemon
# only in the shell's default PATH: an installed one, never the build under test.  So each of
# these tests runs in a mount namespace of its own in which /usr/local/sbin (first in that PATH)
# holds the daemon just built.  The script prints what the test checks; the namespace, and every
# mount in it, goes when the script ends (the trap unmounts even when a step fails).
NAMESPACE_SCRIPT = r"""
set -u
mount -t tmpfs -o mode=0755 sectionfs-bin /usr/local/sbin || exit 100
ln -s "$SECTIONFS_UNDER_TEST" /usr/local/sbin/sectionfs
trap 'umount -l "$DIR" 2>/dev/null' EXIT
# the programs of the daemons serving $DIR (fusermount3, watching one, is not one)
daemons() {
    for p in $(pgrep -x sectionfs); do
        tr '\0' '\n' < /proc/$p/cmdline | grep -qxF "$DIR" && readlink -f /proc/$p/exe
    done
}
%s
"""


class MountCommandTest(DaemonTestCase):

    def in_namespace(self, script, **env):
        """Runs script (sh, with $DIR the mount point) in a namespace of its own: a
        CompletedProcess with text output."""
        env = dict(os.environ, SECTIONFS_UNDER_TEST=os.path.abspath(SECTIONFS), DIR=self.dir,
                   **env)
        r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                            NAMESPACE_SCRIPT % script], env=env, capture_output=True, text=True,
                           timeout=60)
        self.assertNotEqual(r.returncode, 100, "no namespace to test in: " + r.stderr)
        # mount(8) clears the environment, so a report of this daemon comes on stderr
        sfstest.assert_no_sanitizer_output(r.stderr, "mount(8) and sectionfs")
        return r

    def facts(self, r):
        """The key=value lines a script printed."""
        self.assertEqual(r.returncode, 0, r.stderr)
        return dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)

    # What a script prints about the mount at $DIR, then unmounts it with umount(8) and prints
    # whether a daemon is left.
    DESCRIBE = r"""
echo "fstype=$(findmnt -n -o FSTYPE "$DIR")"
echo "cap=$(stat -f -c '%b*%S' "$DIR" | sh -c 'read e; echo $(($e))')"
echo "entries=$(ls "$DIR" | tr '\n' ' ')"
echo "daemon=$(daemons)"
echo "local=$(readlink "$DIR/Local")"
umount "$DIR" || exit 1
sleep 0.2
echo "left=$(daemons | wc -l)"
"""

    def test_mount_t_fuse_sectionfs(self):
        f = self.facts(self.in_namespace(
            'mount -t fuse.sectionfs sectionfs "$DIR" -o size=1m || exit 1\n' + self.DESCRIBE))
        self.assertEqual(f["fstype"], "fuse.sectionfs")
        self.assertEqual(int(f["cap"]), 1 << 20)
        self.assertEqual(f["entries"].split(), ["Global", "Local", "Sessions", "Staging"])
        self.assertEqual(f["daemon"], os.path.realpath(SECTIONFS))   # the build, not an install
        self.assertEqual(f["left"], "0")
        self.assertFalse(is_mounted(self.dir))

    def test_mount_with_a_temporary_fstab(self):
        fstab = os.path.join(self.dir + ".fstab")
        self.addCleanup(lambda: os.path.exists(fstab) and os.unlink(fstab))
        with open(fstab, "w") as f:
            f.write("sectionfs  %s  fuse.sectionfs  size=2m,sessions=none  0 0\n" % self.dir)
        f = self.facts(self.in_namespace(
            'mount -T "$FSTAB" "$DIR" || exit 1\n' + self.DESCRIBE, FSTAB=fstab))
        self.assertEqual(int(f["cap"]), 2 << 20)
        self.assertEqual(f["local"], "Global")        # sessions=none came through
        self.assertEqual(f["daemon"], os.path.realpath(SECTIONFS))
        self.assertEqual(f["left"], "0")

    def test_mount_with_a_bad_option_fails_and_leaves_nothing(self):
        r = self.in_namespace(
            'mount -t fuse.sectionfs sectionfs "$DIR" -o size=abc && exit 1\n'
            'echo "mounted=$(findmnt -n "$DIR" | wc -l)"\n'
            'echo "left=$(daemons | wc -l)"\n')
        f = self.facts(r)
        self.assertIn("size=abc", r.stderr)
        self.assertEqual(f["mounted"], "0")
        self.assertEqual(f["left"], "0")


# A test module of its own whose test fails (or waits to be killed) with a mount up.
HARNESS_CHILD = r"""
import os, sys, unittest
sys.path.insert(0, sys.argv[1])
import sfstest

class T(sfstest.MountTestCase):
    def test_fails(self):
        print(self.mount.dir, flush=True)
        sys.stdin.readline()           # "fail": the test goes on; "wait": SIGTERM comes first
        self.fail("on purpose")

unittest.main(argv=["child"], verbosity=0)
"""


class HarnessTest(unittest.TestCase):
    """sfstest unmounts even when a test fails or the run is stopped with SIGTERM."""

    def run_child(self, how):
        p = subprocess.Popen([sfstest.CHILD_PYTHON, "-c", HARNESS_CHILD, sfstest.HERE, how],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        mountpoint = p.stdout.readline().strip()
        self.assertTrue(mountpoint, p.stderr.read() if p.poll() is not None else "")
        self.assertTrue(is_mounted(mountpoint))
        return p, mountpoint

    def test_a_failing_test_leaves_no_mount(self):
        p, mountpoint = self.run_child("fail")
        _, err = p.communicate("go on\n", timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("on purpose", err)
        self.assertFalse(is_mounted(mountpoint))
        self.assertFalse(os.path.exists(mountpoint))

    def test_sigterm_of_the_test_run_leaves_no_mount(self):
        p, mountpoint = self.run_child("wait")
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=60)
        self.assertNotEqual(p.returncode, 0)   # unittest reports the SystemExit as an error
        self.assertFalse(is_mounted(mountpoint))
        self.assertFalse(os.path.exists(mountpoint))


if __name__ == "__main__":
    sfstest.main()
