"""FUSE requests over io_uring (-o io_uring=auto|on|off, README "Options and mounting").

The kernel offers io_uring only while the fuse module's enable_uring is Y, which it is not by
default: a test that needs it sets it for its own duration and puts the previous value back in
its cleanup, whatever happens (and after its mounts are gone).  This program runs alone
(tests/fs/meson.build): a daemon of another test started while the switch is on would take
io_uring too.  Which transport a mount uses is its root's user.section.transport."""
import contextlib
import mmap
import os
import signal
import subprocess
import tempfile
import traceback
import unittest

import sfstest
from sfstest import SECTIONFS, Mount, is_mounted, wait_until

ENABLE_URING = "/sys/module/fuse/parameters/enable_uring"


def possible_cpus():
    with open("/sys/devices/system/cpu/possible") as f:
        text = f.read().strip()
    return max(int(part.split("-")[-1]) for part in text.split(",")) + 1


def transport(m):
    return os.getxattr(m.dir, "user.section.transport").decode()


def served(m):
    """Requests each CPU's queue has served: a list, CPU by CPU."""
    text = transport(m)
    assert text.startswith("io_uring "), text
    return [int(n) for n in text.split("served=")[1].split(",")]


def worker(args):
    """One process's work on the mount, pinned to one CPU: create, write, read, stat, mmap,
    unlink."""
    root, cpu, n = args
    os.sched_setaffinity(0, {cpu})
    for i in range(n):
        path = os.path.join(root, "Global", "w%d-%d" % (os.getpid(), i))
        data = os.urandom(8192)
        with open(path, "wb") as f:
            f.write(data)
        assert os.stat(path).st_size == len(data)
        with open(path, "rb") as f:
            assert f.read() == data
        with open(path, "r+b") as f, mmap.mmap(f.fileno(), len(data)) as m:
            assert m[:len(data)] == data
            m[0:5] = b"hello"
        with open(path, "rb") as f:
            assert f.read(5) == b"hello"
        os.unlink(path)
    return cpu


class UringTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("setting the kernel's enable_uring needs root")
        if not os.path.exists(ENABLE_URING):
            raise unittest.SkipTest("this kernel has no FUSE over io_uring")
        version = subprocess.run([SECTIONFS, "--version"], capture_output=True, text=True)
        if "io_uring" not in version.stdout:
            raise unittest.SkipTest("sectionfs was built without liburing: " + version.stdout)

    def set_enable_uring(self, value):
        with open(ENABLE_URING) as f:
            before = f.read().strip()

        def restore():
            with open(ENABLE_URING, "w") as f:
                f.write(before)
        self.addCleanup(restore)
        with open(ENABLE_URING, "w") as f:
            f.write(value)

    def mount(self, *options):
        m = Mount(*options)
        try:
            m.start()
        except RuntimeError as e:
            if "built without liburing" in str(e):
                self.skipTest(str(e).strip())
            raise
        self.addCleanup(m.stop)
        return m

    def stderr_after_unmount(self, m):
        subprocess.run(["fusermount3", "-u", m.dir], check=True)
        rc = m.proc.wait(timeout=30)
        err = m.proc.stderr.read().decode(errors="replace")
        sfstest.assert_no_sanitizer_output(err, "sectionfs")
        self.assertEqual(rc, 0, "sectionfs exited %d:\n%s" % (rc, err))
        return err


class EnabledTest(UringTestCase):
    """With enable_uring on."""

    def setUp(self):
        self.set_enable_uring("Y")

    def test_on_serves_over_io_uring_one_queue_per_cpu(self):
        m = self.mount("io_uring=on")
        self.assertTrue(transport(m).startswith("io_uring queues=%d " % possible_cpus()),
                        transport(m))

    def test_auto_takes_io_uring_when_offered(self):
        m = self.mount()
        self.assertTrue(transport(m).startswith("io_uring "), transport(m))

    def test_off_stays_on_dev_fuse(self):
        m = self.mount("io_uring=off")
        self.assertEqual(transport(m), "dev_fuse")

    def test_real_programs_work(self):
        m = self.mount("io_uring=on")
        ls = subprocess.run(["ls", "-la", m.dir, m.path("Global")], capture_output=True,
                            text=True, check=True)
        self.assertIn("Global", ls.stdout)
        path = m.path("Global", "Data")
        subprocess.run(["sh", "-c", "printf 'over the ring' > %s" % path], check=True)
        st = subprocess.run(["stat", "-c", "%s", path], capture_output=True, text=True,
                            check=True)
        self.assertEqual(st.stdout.strip(), "13")
        self.assertEqual(subprocess.run(["cat", path], capture_output=True,
                                        check=True).stdout, b"over the ring")
        # a write larger than a page and a read of it (the payload buffer, both ways)
        big = os.urandom(1 << 20)
        with open(path, "wb") as f:
            f.write(big)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), big)
        with open(path, "r+b") as f, mmap.mmap(f.fileno(), len(big)) as mp:
            mp[100:105] = b"ABCDE"
            mp.flush()
        with open(path, "rb") as f:
            f.seek(100)
            self.assertEqual(f.read(5), b"ABCDE")
        # extended attributes and a rename (requests with two names)
        self.assertEqual(os.getxattr(path, "user.section.backing"), b"pagefile")
        os.rename(path, m.path("Global", "Data2"))
        self.assertIn("Data2", os.listdir(m.path("Global")))
        self.assertNotIn("Data", os.listdir(m.path("Global")))
        os.unlink(m.path("Global", "Data2"))

    def test_parallel_processes_on_every_cpu_are_served_on_their_cpu(self):
        m = self.mount("io_uring=on")
        cpus = sorted(os.sched_getaffinity(0))
        before = served(m)
        pids = []
        for cpu in cpus * 2:         # two processes a CPU, all at once
            pid = os.fork()
            if pid == 0:
                # os._exit: not this test program's atexit (which would unmount its mounts)
                try:
                    worker((m.dir, cpu, 40))
                    os._exit(0)
                except BaseException:
                    traceback.print_exc()
                    os._exit(1)
            pids.append(pid)
        for pid in pids:
            self.assertEqual(os.waitpid(pid, 0)[1], 0, "a worker failed (its traceback above)")
        after = served(m)
        for cpu in cpus:
            # each process's requests went to its own CPU's queue
            self.assertGreater(after[cpu] - before[cpu], 40 * 2 * 5,
                               "CPU %d's queue: %s -> %s" % (cpu, before, after))
        self.assertEqual([n for n in os.listdir(m.path("Global")) if n.startswith("w")], [])

    def test_fusermount_u_ends_the_daemon_cleanly(self):
        m = self.mount("io_uring=on")
        with open(m.path("Global", "X"), "w") as f:
            f.write("x")
        err = self.stderr_after_unmount(m)
        self.assertIn("requests over io_uring", err)
        self.assertFalse(is_mounted(m.dir))

    def test_sigterm_ends_the_daemon_cleanly(self):
        m = self.mount("io_uring=on")
        os.stat(m.path("Global"))
        m.proc.send_signal(signal.SIGTERM)
        self.assertEqual(m.proc.wait(timeout=30), 0)
        self.assertFalse(is_mounted(m.dir))

    def test_sigkill_leaves_no_mount(self):
        for _ in range(3):   # the kernel's teardown is asynchronous: try it more than once
            m = self.mount("io_uring=on")
            with open(m.path("Global", "X"), "w") as f:
                f.write("x")
            m.proc.kill()
            m.proc.wait()
            wait_until(lambda: not is_mounted(m.dir), "the killed daemon's mount to go",
                       timeout=5)
            self.assertFalse(os.path.exists(os.path.join(m.dir, "Global")))
            m.stop()


class DisabledTest(UringTestCase):
    """With enable_uring off (the default)."""

    def setUp(self):
        self.set_enable_uring("N")

    def test_on_is_refused_with_a_clear_message_and_no_mount(self):
        d = tempfile.mkdtemp(prefix="sectionfs-test-")
        self.addCleanup(os.rmdir, d)
        r = subprocess.run([SECTIONFS, "-f", "-o", "io_uring=on", d], capture_output=True,
                           text=True, timeout=30)
        sfstest.assert_no_sanitizer_output(r.stderr, "sectionfs")
        if "built without liburing" in r.stderr:
            self.skipTest(r.stderr.strip())
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("io_uring=on", r.stderr)
        self.assertIn("enable_uring", r.stderr)
        self.assertFalse(is_mounted(d))

    def test_auto_uses_dev_fuse_and_says_so(self):
        m = self.mount("io_uring=auto")
        self.assertEqual(transport(m), "dev_fuse")
        with open(m.path("Global", "X"), "w") as f:
            f.write("x")
        self.assertIn("requests over /dev/fuse", self.stderr_after_unmount(m))


if __name__ == "__main__":
    unittest.main()
