"""Regression tests for the daemon's limits and edge cases: the descriptor limit and the bound on
the number of sections (nr_sections, df -i), a mount point whose path holds a space, a backing
file's I/O done outside the store's lock, strict xattr values, names longer than 255 bytes and
the times of a namespace directory.

Each test says in a comment what the daemon used to do before the fix it guards."""
import contextlib
import ctypes
import errno
import os
import resource
import select
import shlex
import signal
import subprocess
import tempfile
import time
import unittest

import sfstest
from sfstest import (CHILD_PYTHON, SECTIONFS, Mount, MountTestCase, as_user, wait_handles,
                     wait_until, xattr)

# The three links every namespace holds (README, "The layout"): never sections.
NS_LINKS = {"Global", "Local", "Session"}

# Creates empty sections DIR/PREFIX0, PREFIX1, ... (O_EXCL) until COUNT are made or one fails;
# prints how many it made and the errno name of the failure ("-" if none).
CREATE_MANY = r"""
import errno, os, sys
where, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
made, err = 0, "-"
for i in range(count):
    try:
        fd = os.open(os.path.join(where, prefix + str(i)), os.O_RDWR | os.O_CREAT | os.O_EXCL,
                     0o644)
    except OSError as e:
        err = errno.errorcode.get(e.errno, str(e.errno))
        break
    os.close(fd)
    made += 1
print(made, err)
"""


def create_many(where, count, prefix="s", preexec_fn=None):
    """Runs CREATE_MANY in a child (as another user with preexec_fn): (made, errno name)."""
    r = subprocess.run([CHILD_PYTHON, "-c", CREATE_MANY, where, prefix, str(count)],
                       capture_output=True, text=True, preexec_fn=preexec_fn, timeout=120)
    if r.returncode != 0:
        raise AssertionError("creating child failed: " + r.stderr)
    made, err = r.stdout.split()
    return int(made), err


def sections_in(directory):
    return set(os.listdir(directory)) - NS_LINKS


def create(path):
    """A new empty section at path (O_EXCL)."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644))


# ---- 1. the descriptor limit and nr_sections --------------------------------------------------

class NofileMixin:
    """Starts mounts whose daemon begins with a given RLIMIT_NOFILE.

    The daemon is started by a small sh wrapper that sets the limit and execs it (so Mount.proc
    is the daemon itself): lowering this test process's own hard limit and restoring it after
    would need CAP_SYS_RESOURCE, which root does not always have (containers drop it), and
    without it the lowered hard limit could never be raised again."""

    def start_with_nofile(self, soft, hard, *options):
        have = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        if have != resource.RLIM_INFINITY and have < hard:
            self.skipTest("the hard descriptor limit here is %d, below %d" % (have, hard))
        tmp = tempfile.mkdtemp(prefix="sectionfs-nofile-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", tmp]))
        wrapper = os.path.join(tmp, "sectionfs")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nulimit -S -n %d && ulimit -H -n %d && exec %s \"$@\"\n"
                    % (soft, hard, shlex.quote(os.path.abspath(SECTIONFS))))
        os.chmod(wrapper, 0o755)
        m = Mount(*options)
        # Mount.start runs sfstest.SECTIONFS: the wrapper, for this one start only.
        sfstest.SECTIONFS = wrapper
        try:
            m.start()
        finally:
            sfstest.SECTIONFS = SECTIONFS
        self.addCleanup(m.stop)
        return m


class DescriptorLimitTest(NofileMixin, unittest.TestCase):

    def test_soft_limit_is_raised_to_the_hard_one(self):
        # Before: the daemon kept the soft limit it was started with (1024), and as every
        # section holds a descriptor, ~1010 empty sections made it fail with EMFILE for every
        # caller (root's creates too).  Now it raises the soft limit to the hard one (4096)
        # and bounds sections at 4096 - 256.
        m = self.start_with_nofile(1024, 4096)
        made, err = create_many(m.path("Global"), 2000, preexec_fn=as_user())
        self.assertEqual((made, err), (2000, "-"))
        self.assertEqual(len(sections_in(m.path("Global"))), 2000)
        create(m.path("Global", "RootsToo"))
        with open("/proc/%d/limits" % m.proc.pid) as f:
            line = next(line for line in f if line.startswith("Max open files"))
        self.assertEqual(line.split()[3:5], ["4096", "4096"], line)
        self.assertEqual(os.statvfs(m.dir).f_files,
                         min(os.sysconf("SC_PHYS_PAGES") // 2, 4096 - 256))

    def test_default_bound_is_the_descriptor_limit_less_256(self):
        # Before: no bound; with soft = hard = 1024 a user making empty sections got EMFILE
        # after ~1010, and so did everyone else (root, and any open needing a descriptor), and
        # df -i showed nothing useful.  Now the bound is 1024 - 256 = 768 sections, a bound on
        # the whole mount like tmpfs's inodes: ENOSPC for everyone past it, and everything
        # else still works.
        m = self.start_with_nofile(1024, 1024)
        g = m.path("Global")
        sv = os.statvfs(m.dir)
        self.assertEqual((sv.f_files, sv.f_ffree), (768, 768))
        with open(os.path.join(g, "Kept"), "wb") as f:
            f.write(b"kept data")
        made, err = create_many(g, 100000, preexec_fn=as_user())
        self.assertEqual((made, err), (767, "ENOSPC"))
        self.assertEqual(len(sections_in(g)), 768)
        sv = os.statvfs(m.dir)
        self.assertEqual((sv.f_files, sv.f_ffree, sv.f_favail), (768, 0, 0))
        # root gets the same answer: the bound is the mount's
        with self.assertRaises(OSError) as cm:
            create(os.path.join(g, "Root"))
        self.assertEqual(cm.exception.errno, errno.ENOSPC)
        with self.assertRaises(OSError) as cm:
            create(m.path("Staging", "root.tmp"))
        self.assertEqual(cm.exception.errno, errno.ENOSPC)
        # what exists still works
        with open(os.path.join(g, "Kept"), "rb") as f:
            self.assertEqual(f.read(), b"kept data")
        with open(os.path.join(g, "s0"), "r+b") as f:
            f.write(b"x")
        out = subprocess.run(["ls", g], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(len(out.stdout.split()), 768 + len(NS_LINKS))
        # a slot freed is a section made (the count drops when the kernel forgets the unlinked
        # file, a moment after unlink returns)
        os.unlink(os.path.join(g, "s1"))
        wait_until(lambda: os.statvfs(m.dir).f_ffree == 1, "the unlinked section to be freed")
        create(os.path.join(g, "Root"))
        self.assertEqual(os.statvfs(m.dir).f_ffree, 0)

    def test_nr_sections_past_the_descriptor_limit_is_refused(self):
        # Before: there was no nr_sections option at all (any value was refused as unknown);
        # now a bound the descriptors cannot hold is refused with a message naming it.
        for n in ("100000", "769"):
            with self.subTest(nr_sections=n):
                with self.assertRaises(RuntimeError) as cm:
                    self.start_with_nofile(1024, 1024, "nr_sections=" + n)
                self.assertIn("nr_sections=" + n, str(cm.exception))
        m = self.start_with_nofile(1024, 1024, "nr_sections=768")   # just fits
        self.assertEqual(os.statvfs(m.dir).f_files, 768)

    def test_bad_nr_sections_values_are_refused(self):
        for value in ("0", "abc", "-1", "5x", ""):
            with self.subTest(value=value):
                with self.assertRaises(RuntimeError) as cm:
                    Mount("nr_sections=" + value).start()
                self.assertIn("nr_sections=" + value, str(cm.exception))


class NrSectionsTest(MountTestCase):
    mount_options = ("nr_sections=5",)

    def counts(self):
        sv = os.statvfs(self.mount.dir)
        return sv.f_files, sv.f_ffree

    def df_i(self):
        out = self.run_ok("df", "--output=itotal,iused,iavail", self.mount.dir)
        return [int(v) for v in out.splitlines()[1].split()]

    def test_the_sixth_section_is_enospc_and_df_i_shows_the_bound(self):
        # Before: no bound (sections were limited only by descriptors), and statvfs reported
        # f_files = live sections + free pages, so df -i said nothing about sections.
        self.assertEqual(self.counts(), (5, 5))
        for i in range(4):
            create(self.p("Global", "S%d" % i))
        staged = os.open(self.p("Staging", "s.tmp"), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        closed = False
        try:
            self.assertEqual(self.counts(), (5, 0))       # a staged section counts
            self.assertEqual(self.df_i(), [5, 5, 0])
            self.assertOpenFails(errno.ENOSPC, self.p("Global", "S5"),
                                 os.O_RDWR | os.O_CREAT | os.O_EXCL)
            self.assertOpenFails(errno.ENOSPC, self.p("Staging", "t.tmp"),
                                 os.O_RDWR | os.O_CREAT | os.O_EXCL)
            self.assertErrno(errno.ENOSPC, os.mknod, self.p("Global", "S5"), 0o644)
            self.assertEqual(sections_in(self.p("Global")), {"S0", "S1", "S2", "S3"})
            # a staged section closed unpublished goes, and so does its slot
            os.close(staged)
            closed = True
            wait_until(lambda: self.counts() == (5, 1), "the staged section's slot")
        finally:
            if not closed:
                os.close(staged)
        create(self.p("Global", "S4"))
        self.assertEqual(self.df_i(), [5, 5, 0])
        os.unlink(self.p("Global", "S0"))
        self.assertEqual(self.counts(), (5, 1))    # at once, as tmpfs frees an inode
        create(self.p("Global", "S5"))
        self.assertEqual(self.counts(), (5, 0))
        self.assertOpenFails(errno.ENOSPC, self.p("Global", "S6"),
                             os.O_RDWR | os.O_CREAT | os.O_EXCL)

    def test_an_unlinked_sections_slot_is_free_at_once(self):
        # Before: the slot came back only when the kernel forgot the unlinked file (FORGET, a
        # moment later), so a create right after an unlink at the bound got ENOSPC about once
        # in a hundred times.  (The kernel reports a close a moment after close() returns, so
        # the test waits for that first: a section still open is not free, on tmpfs either.)
        for i in range(4):
            create(self.p("Global", "S%d" % i))
        for i in range(200):
            create(self.p("Global", "A%d" % i))
            wait_handles(self.p("Global", "A%d" % i), 0)
            os.unlink(self.p("Global", "A%d" % i))
            create(self.p("Global", "B"))
            wait_handles(self.p("Global", "B"), 0)
            os.unlink(self.p("Global", "B"))


# ---- 2. a mount point whose path holds a space ------------------------------------------------

mounted_at = sfstest.is_mounted     # which reads a space in mountinfo (\040) right


# In one process: a section on the mount opened, a staged section, and the first named as the
# second's backing file.  Prints the errno name, or "attached" when the daemon took it.
BACK_ON_ITSELF = r"""
import errno, os, sys
mnt = sys.argv[1]
inside = os.open(os.path.join(mnt, "Global", "F"), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
os.write(inside, b"on the mount itself")
stage = os.open(os.path.join(mnt, "Staging", "b.tmp"),
                os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_DIRECT, 0o644)
try:
    os.setxattr(stage, "user.section.backing", b"fd:%d" % inside)
    print("attached", flush=True)
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)), flush=True)
"""


class SpaceInMountPointTest(unittest.TestCase):
    """Mounts by itself (sfstest.Mount's directory and its mount check do not allow a space)."""

    def setUp(self):
        self.base = tempfile.mkdtemp(prefix="sectionfs-test-")
        os.chmod(self.base, 0o755)
        self.dir = os.path.join(self.base, "with space")
        os.mkdir(self.dir)
        self.proc = None
        self.addCleanup(self.cleanup)
        self.proc = subprocess.Popen([SECTIONFS, "-f", self.dir], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        wait_until(lambda: mounted_at(self.dir) or self.proc.poll() is not None, "the mount")
        self.assertTrue(mounted_at(self.dir), "sectionfs did not mount: %s"
                        % (self.proc.stderr.read().decode(errors="replace")
                           if self.proc.poll() is not None else ""))

    def abort(self):
        """umount2(MNT_FORCE) aborts a FUSE connection: every request waiting on a daemon that
        waits on itself fails, so the daemon and its callers can end."""
        libc = ctypes.CDLL(None, use_errno=True)
        libc.umount2(os.fsencode(self.dir), 1)     # MNT_FORCE; EBUSY after the abort is fine

    def cleanup(self):
        if self.proc is None:
            os.rmdir(self.dir)
            os.rmdir(self.base)
            return
        if mounted_at(self.dir):
            r = subprocess.run(["fusermount3", "-u", self.dir], capture_output=True, timeout=30)
            if r.returncode != 0:
                subprocess.run(["fusermount3", "-u", "-z", self.dir], capture_output=True,
                               timeout=30)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stderr.close()
        if mounted_at(self.dir):
            subprocess.run(["umount", "-l", self.dir], capture_output=True, timeout=30)
        left = mounted_at(self.dir)
        with contextlib.suppress(OSError):
            os.rmdir(self.dir)
        with contextlib.suppress(OSError):
            os.rmdir(self.base)
        self.assertFalse(left, "%s was left mounted" % self.dir)

    def bdi_setting(self, name):
        st = os.stat(self.dir)
        path = "/sys/class/bdi/%d:%d/%s" % (os.major(st.st_dev), os.minor(st.st_dev), name)
        if not os.path.exists(path):
            self.skipTest("no %s here" % path)
        with open(path) as f:
            return f.read().strip()

    def test_the_daemon_finds_its_own_device_and_tunes_it(self):
        # Before: the daemon read /proc/self/mountinfo with sscanf("%s"), so ".../with\040space"
        # never matched the mount point and it did not find its own device: the device kept
        # FUSE's dirty-page limits (strict_limit 1, max_ratio 1) and read-ahead (128 KiB),
        # which the daemon lifts only on the device it found (the read-ahead once the kernel
        # has applied the INIT reply, which would cut it back: session_io.c).
        # The daemon tunes right after it answered INIT, which a first request waits for, so
        # the settings come a moment after the mount answers: waited for, with a deadline.
        wanted = {"strict_limit": "0", "max_ratio": "100", "read_ahead_kb": "1024"}
        try:
            wait_until(lambda: all(self.bdi_setting(k) == v for k, v in wanted.items()),
                       "the daemon to tune its device", timeout=5)
        except TimeoutError:
            pass   # the assertions below say which setting is wrong
        for name, value in wanted.items():
            self.assertEqual(self.bdi_setting(name), value, name)

    def test_a_file_on_this_mount_cannot_back_a_section(self):
        # Before: not knowing its own device, the daemon's "never a file on this very mount"
        # guard was off, and attaching MNT/Global/F as a backing file hung the daemon (it
        # asked itself for the file while holding the store's lock).  Now: EXDEV, at once.
        child = subprocess.Popen([CHILD_PYTHON, "-c", BACK_ON_ITSELF, self.dir],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = child.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            out = None
        if out is None:
            # The child's request cannot be killed while the daemon holds it: abort the mount.
            self.abort()
            child.kill()
            child.communicate()
            self.fail("setting user.section.backing to a file on the mount itself hung")
        self.assertEqual(child.returncode, 0, err)
        self.assertEqual(out.strip(), "EXDEV")
        self.assertEqual(sections_in(os.path.join(self.dir, "Global")), {"F"})


# ---- 3. a backing file's I/O outside the store's lock ------------------------------------------

# Opens SLOW (a file on the stopped mount B) and stages a section on A; says "ready"; on a line
# from the test, backs the staged section with SLOW grown to 1 MiB, and says how it went.
SLOW_ATTACH = r"""
import errno, os, sys
slow, stage = sys.argv[1], sys.argv[2]
bfd = os.open(slow, os.O_RDWR)
sfd = os.open(stage, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_DIRECT, 0o644)
print("ready", flush=True)
sys.stdin.readline()
try:
    os.setxattr(sfd, "user.section.backing", b"fd:%d:1048576" % bfd)
    print("attached", os.fstat(sfd).st_size, flush=True)
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)), flush=True)
sys.stdin.readline()
"""

# What must keep working on A meanwhile: a lookup, a listing, an open and a read.
PROBE = r"""
import os, sys
g = sys.argv[1]
try:
    os.stat(os.path.join(g, "NeverLookedUp"))
except FileNotFoundError:
    pass
os.stat(g)
names = sorted(set(os.listdir(g)) - {"Global", "Local", "Session"})
with open(os.path.join(g, "Existing"), "rb") as f:
    data = f.read()
print(" ".join(names), data.decode())
"""


class BackingOffTheLockTest(MountTestCase):
    """Mount A (self.mount) and a second mount B whose daemon is stopped: B is a backing file's
    filesystem that does not answer."""

    def setUp(self):
        # B first, so that its cleanup runs after A's: A may hold a file of B.
        self.b = Mount("passthrough=off").start()
        self.addCleanup(self.b.stop)
        super().setUp()

    def resume_b(self):
        if self.b.proc and self.b.proc.poll() is None:
            os.kill(self.b.proc.pid, signal.SIGCONT)

    def b_stopped(self):
        """Has every thread of B's daemon stopped (SIGSTOP takes effect asynchronously)?"""
        task = "/proc/%d/task" % self.b.proc.pid
        for tid in os.listdir(task):
            with contextlib.suppress(FileNotFoundError):
                with open(os.path.join(task, tid, "stat")) as f:
                    if f.read().rsplit(")", 1)[1].split()[0] != "T":
                        return False
        return True

    def answered(self, child, seconds):
        """Has the child written a line within seconds?"""
        return bool(select.select([child.proc.stdout], [], [], seconds)[0])

    def test_a_slow_backing_file_does_not_stall_other_requests(self):
        # Before: section_attach_file held the store's lock over fstat and ftruncate of the
        # caller's file, so while B did not answer, every lookup, listing and open on A waited
        # for the store's lock: the probe hung until B resumed.
        slow = self.b.path("Global", "Slow")
        with open(slow, "wb") as f:
            f.write(b"slow")
        self.make("Global", "Existing", data=b"still-here")
        child = self.spawn(SLOW_ATTACH, slow, self.p("Staging", "b.tmp"))
        child.expect("ready")
        self.addCleanup(self.resume_b)      # whatever happens, B runs again before unmounting
        os.kill(self.b.proc.pid, signal.SIGSTOP)
        try:
            wait_until(self.b_stopped, "B's daemon to stop")
            child.send("attach")
            if self.answered(child, 0.5):
                self.fail("the attach did not wait for B, nothing was tested: %s" % child.recv())
            probe = subprocess.Popen([CHILD_PYTHON, "-c", PROBE, self.p("Global")],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                out, err = probe.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                out = None
            if out is None:
                # A request the daemon has read cannot be killed: only B resuming ends it.
                self.resume_b()
                probe.kill()
                probe.communicate()
                self.fail("A stalled while a backing file on B did not answer")
            self.assertEqual(probe.returncode, 0, err)
            self.assertEqual(out.split(), ["Existing", "still-here"])
            self.assertFalse(self.answered(child, 0), "the attach ended before the probe")
        finally:
            self.resume_b()
        self.assertEqual(child.recv(), "attached 1048576")
        self.assertEqual(os.stat(slow).st_size, 1048576)
        child.send()
        rc, _, err = child.finish()
        self.assertEqual(rc, 0, err)


# ---- 4. xattr values ---------------------------------------------------------------------------

class XattrValueTest(MountTestCase):

    def setUp(self):
        super().setUp()
        self.fds = []
        self.addCleanup(lambda: [os.close(fd) for fd in self.fds])
        self.tmp = tempfile.TemporaryDirectory(prefix="sectionfs-limits-")
        self.addCleanup(self.tmp.cleanup)

    def stage(self, name):
        path = self.p("Staging", name)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_DIRECT, 0o644)
        self.fds.append(fd)
        return path, fd

    def test_protect_with_a_nul_inside_is_einval(self):
        # Before: the value was read as a C string, so b"PAGE_READONLY\0junk" was taken as
        # PAGE_READONLY.  Now a NUL anywhere but at the very end is EINVAL and changes nothing.
        path, fd = self.stage("p.tmp")
        self.assertErrno(errno.EINVAL, os.setxattr, fd, "user.section.protect",
                         b"PAGE_READONLY\0junk")
        self.assertEqual(xattr(path, "protect"), "PAGE_READWRITE")
        self.assertErrno(errno.EINVAL, os.setxattr, fd, "user.section.protect",
                         b"PAGE_READONLY\0\0")
        self.assertEqual(xattr(path, "protect"), "PAGE_READWRITE")

    def test_one_trailing_newline_or_nul_is_accepted(self):
        for i, value in enumerate((b"PAGE_READONLY\n", b"PAGE_READONLY\0", b"PAGE_READONLY")):
            with self.subTest(value=value):
                path, fd = self.stage("q%d.tmp" % i)
                os.setxattr(fd, "user.section.protect", value)
                self.assertEqual(xattr(path, "protect"), "PAGE_READONLY")

    def test_backing_values_with_spaces_or_signs_are_einval(self):
        # Before: the numbers were read with strtol/strtoull, which skip leading spaces and take
        # a sign, so "fd: N", "fd:+N", "fd:N: 16" and "fd:N:+16" attached the file.
        tmp = os.path.join(self.tmp.name, "file")
        with open(tmp, "wb") as f:
            f.write(b"a backing file")
        n = os.open(tmp, os.O_RDWR)
        self.fds.append(n)
        for i, value in enumerate((b"fd: %d" % n, b"fd:+%d" % n, b"fd:%d: 16" % n,
                                   b"fd:%d:+16" % n, b"fd:-1", b"fd:%d:" % n,
                                   b"fd:%d:16 " % n, b"fd:%d\0:16" % n)):
            with self.subTest(value=value):
                path, fd = self.stage("b%d.tmp" % i)
                self.assertErrno(errno.EINVAL, os.setxattr, fd, "user.section.backing", value)
                self.assertEqual(xattr(path, "backing"), "pagefile")
        # the same descriptor, written right, is taken
        path, fd = self.stage("good.tmp")
        os.setxattr(fd, "user.section.backing", b"fd:%d:16\n" % n)
        self.assertEqual(xattr(path, "backing"), tmp)
        self.assertEqual(os.fstat(fd).st_size, 16)


# ---- 5. names longer than 255 bytes ------------------------------------------------------------

class LongNameTest(MountTestCase):

    def test_a_256_byte_name_is_enametoolong_everywhere(self):
        # Before: lookup answered a 256-byte name like any absent one (a negative entry), so
        # stat, chmod, unlink, truncate, rename and open said ENOENT: "no such section" for a
        # name that cannot exist.
        too_long = self.p("Global", "n" * 256)
        existing = self.make("Global", "Existing", data=b"x")
        for what, fn, args in (
                ("stat", os.stat, (too_long,)),
                ("lstat", os.lstat, (too_long,)),
                ("chmod", os.chmod, (too_long, 0o600)),
                ("unlink", os.unlink, (too_long,)),
                ("truncate", os.truncate, (too_long, 10)),
                ("getxattr", os.getxattr, (too_long, "user.section.protect")),
                ("rename from", os.rename, (too_long, self.p("Global", "Other"))),
                ("rename to", os.rename, (existing, too_long))):
            with self.subTest(what):
                self.assertErrno(errno.ENAMETOOLONG, fn, *args)
        for flags in (os.O_RDONLY, os.O_RDWR | os.O_CREAT, os.O_RDWR | os.O_CREAT | os.O_EXCL):
            with self.subTest(flags=flags):
                self.assertOpenFails(errno.ENAMETOOLONG, too_long, flags)
        self.assertOpenFails(errno.ENAMETOOLONG, self.p("Staging", "s" * 256),
                             os.O_RDWR | os.O_CREAT)
        self.assertEqual(sections_in(self.p("Global")), {"Existing"})

    def test_a_255_byte_name_works(self):
        name = "n" * 255
        path = self.make("Global", name, data=b"longest")
        self.assertEqual(os.stat(path).st_size, 7)
        self.assertEqual(xattr(path, "name"), "Global\\" + name)
        os.rename(path, self.p("Global", "m" * 255))
        self.assertEqual(self.read("Global", "m" * 255), b"longest")
        self.assertIn("m" * 255, os.listdir(self.p("Global")))
        os.unlink(self.p("Global", "m" * 255))
        self.assertEqual(sections_in(self.p("Global")), set())


# ---- 6. a namespace directory's times -----------------------------------------------------------

class DirectoryTimesTest(MountTestCase):
    # Before: a namespace directory showed the mount's time forever: its st_mtime and st_ctime
    # never moved when names came and went, so anything watching Global/ by its mtime (make,
    # rsync, a poller) never saw a section appear or go.

    def times(self, *parts):
        st = os.stat(self.p(*parts))
        return st.st_mtime_ns, st.st_ctime_ns

    def assert_changes(self, step, fn):
        before = self.times("Global")
        time.sleep(0.01)
        fn()
        after = self.times("Global")
        self.assertGreater(after[0], before[0], "%s: Global's mtime did not move" % step)
        self.assertGreater(after[1], before[1], "%s: Global's ctime did not move" % step)

    def test_names_coming_and_going_change_the_directory(self):
        self.assert_changes("create", lambda: self.make("Global", "A"))
        self.assert_changes("rename within Global",
                            lambda: os.rename(self.p("Global", "A"), self.p("Global", "B")))
        self.assert_changes("publication",
                            lambda: sfstest.staged_create(self.mount, "Global", "C", size=4096))
        self.assert_changes("unlink", lambda: os.unlink(self.p("Global", "B")))
        self.assert_changes("mknod", lambda: os.mknod(self.p("Global", "D"), 0o644))

    def test_nothing_changed_leaves_the_times_alone(self):
        # The other side: the times are those of the last change, not the time of the stat.
        self.make("Global", "A", data=b"x")
        before = self.times("Global")
        time.sleep(0.01)
        self.read("Global", "A")
        os.truncate(self.p("Global", "A"), 10)          # a section's change is not Global's
        self.assertErrno(errno.EEXIST, os.open, self.p("Global", "A"),
                         os.O_RDWR | os.O_CREAT | os.O_EXCL)
        self.assertErrno(errno.ENOENT, os.unlink, self.p("Global", "Absent"))
        self.assertEqual(self.times("Global"), before)

    def test_a_temporary_sections_name_going_changes_the_directory(self):
        # The name of a temporary section goes when its last open file closes (C20); the
        # daemon learns of the close after close() returns, so the change is waited for.
        stage = self.p("Staging", "t.tmp")
        fd = os.open(stage, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, b"temporary")
            os.setxattr(fd, "user.section.lifetime", b"temporary")
            os.rename(stage, self.p("Global", "T"))
            self.assertIn("T", os.listdir(self.p("Global")))
            before = self.times("Global")
            time.sleep(0.01)
        finally:
            os.close(fd)
        wait_until(lambda: "T" not in os.listdir(self.p("Global")), "the temporary name to go")
        wait_until(lambda: self.times("Global")[0] > before[0], "Global's mtime to move")
        self.assertGreater(self.times("Global")[1], before[1])


if __name__ == "__main__":
    sfstest.main()
