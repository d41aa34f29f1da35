"""The daemon: command line, refusals, unmounting (SIGTERM, fusermount3 -u, SIGKILL with
auto_unmount), detaching without -f, and mounting through mount(8) and an fstab line."""
import contextlib
import errno
import os
import shutil
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


# mount(8) runs its helpers with a clean environment: util-linux drops PATH (and LD_*, HOME...)
# even for root, so mount.fuse3's shell finds a `sectionfs` only on the shell's default PATH,
# which is where scripts/mount installs it.  These tests name this build's daemon the other way
# mount.fuse3 knows: type "fuse" with the source PROGRAM#SOURCE; the mount is "fuse.sectionfs"
# all the same (the daemon sets its subtype).  "-t fuse.sectionfs" itself is tested when the
# daemon on that PATH is this build.
SH_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
THIS_DAEMON = os.path.abspath(SECTIONFS)


def installed_daemon_is_this_build():
    installed = shutil.which("sectionfs", path=SH_DEFAULT_PATH)
    return installed is not None and os.path.samefile(installed, THIS_DAEMON)


class MountCommandTest(DaemonTestCase):

    def unmount(self):
        pids = daemon_pids(self.dir)
        subprocess.run(["umount", self.dir], check=True)
        self.assertFalse(is_mounted(self.dir))
        for pid in pids:
            wait_until(lambda: not alive(pid), "the daemon to exit")

    def cap(self):
        sv = os.statvfs(self.dir)
        return sv.f_blocks * sv.f_frsize

    def fstype(self):
        with open("/proc/self/mountinfo") as f:
            for line in f:
                fields = line.split()
                if fields[4] == os.path.realpath(self.dir):
                    return fields[fields.index("-") + 1]
        return None

    def mount(self, *options):
        r = subprocess.run(["mount", "-t", "fuse", THIS_DAEMON + "#sectionfs", self.dir,
                            "-o", ",".join(options)], capture_output=True, text=True, timeout=30)
        sfstest.assert_no_sanitizer_output(r.stderr, "mount(8) and sectionfs")
        return r

    def test_mount_t_fuse_program(self):
        r = self.mount("size=1m")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(is_mounted(self.dir))
        self.assertEqual(self.fstype(), "fuse.sectionfs")
        self.assertEqual(self.cap(), 1 << 20)
        self.assertEqual(sorted(os.listdir(self.dir)), ["Global", "Local", "Sessions", "Staging"])
        self.unmount()

    @unittest.skipUnless(installed_daemon_is_this_build(),
                         "mount(8) would run another sectionfs than this build's (or none): "
                         "scripts/mount installs it")
    def test_mount_t_fuse_sectionfs(self):
        r = subprocess.run(["mount", "-t", "fuse.sectionfs", "sectionfs", self.dir,
                            "-o", "size=1m"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(is_mounted(self.dir))
        self.assertEqual(self.fstype(), "fuse.sectionfs")
        self.assertEqual(self.cap(), 1 << 20)
        self.assertEqual(sorted(os.listdir(self.dir)), ["Global", "Local", "Sessions", "Staging"])
        self.unmount()

    def test_mount_with_a_temporary_fstab(self):
        fd, fstab = tempfile.mkstemp(prefix="sectionfs-fstab-")
        self.addCleanup(os.remove, fstab)
        with os.fdopen(fd, "w") as f:
            f.write("%s#sectionfs  %s  fuse  size=2m,sessions=none  0 0\n"
                    % (THIS_DAEMON, self.dir))
        r = subprocess.run(["mount", "-T", fstab, self.dir], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(is_mounted(self.dir))
        self.assertEqual(self.cap(), 2 << 20)
        out = subprocess.run(["readlink", os.path.join(self.dir, "Local")],
                             preexec_fn=sfstest.in_new_login_session(), capture_output=True,
                             text=True, check=True).stdout
        self.assertEqual(out.strip(), "Global")       # sessions=none came through
        self.unmount()

    def test_mount_with_a_bad_option_fails_and_leaves_nothing(self):
        r = self.mount("size=abc")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("size=abc", r.stderr)
        self.assertFalse(is_mounted(self.dir))
        self.assertEqual(daemon_pids(self.dir), [])


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
