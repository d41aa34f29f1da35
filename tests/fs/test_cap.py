"""The cap (-o size=): sections' bytes, rounded up to pages, never go past it; going past fails
with ENOSPC and loses nothing already written; df shows the cap and the use.  In passthrough
mode the kernel writes the memfd itself, so growth by write() is charged after the fact rather
than refused (README, "Two data paths"); everything the daemon is asked for obeys the cap in
both modes."""
import errno
import os
import subprocess
import unittest

import sfstest
from sfstest import MountTestCase, in_both_data_paths, wait_handles, wait_until

PAGE = 4096
CAP = 1 << 20


def pattern(n, seed):
    return bytes((i * 31 + seed + (i >> 12)) & 0xFF for i in range(n))


class CapBase(MountTestCase):
    mount_options = ("size=1m",)

    def make(self, *parts, **kwargs):
        """Creates a section and waits for the daemon to see its open file closed: in
        passthrough mode that is when write() growth is charged (README)."""
        path = super().make(*parts, **kwargs)
        wait_handles(path, 0)
        return path

    def used(self):
        sv = os.statvfs(self.p())
        return (sv.f_blocks - sv.f_bfree) * sv.f_frsize


@in_both_data_paths
class CapTest(CapBase):

    def test_statvfs_reports_the_cap(self):
        sv = os.statvfs(self.p())
        self.assertEqual(sv.f_blocks * sv.f_frsize, CAP)
        self.assertEqual(sv.f_bfree, sv.f_blocks)
        self.assertEqual(sv.f_bavail, sv.f_bfree)
        self.assertEqual(sv.f_namemax, 255)

    def test_df_reports_the_cap_and_use(self):
        self.make("Global", "A", data=bytes(100 * 1024))
        out = self.run_ok("df", "-B1", "--output=size,used,avail", self.p())
        size, used, avail = map(int, out.splitlines()[1].split())
        self.assertEqual(size, CAP)
        self.assertEqual(used, 100 * 1024)
        self.assertEqual(avail, CAP - 100 * 1024)

    def test_use_counts_sizes_rounded_up_to_pages(self):
        self.make("Global", "A", data=b"x")
        self.assertEqual(self.used(), PAGE)
        self.make("Global", "B", data=bytes(PAGE + 1))
        self.assertEqual(self.used(), 3 * PAGE)
        self.make("Global", "C")
        self.assertEqual(self.used(), 3 * PAGE)

    def test_use_goes_down_after_unlink(self):
        self.make("Global", "A", data=bytes(200 * 1024))
        self.make("Global", "B", data=bytes(10))
        self.assertEqual(self.used(), 200 * 1024 + PAGE)
        wait_handles(self.p("Global", "A"), 0)
        os.unlink(self.p("Global", "A"))
        wait_until(lambda: self.used() == PAGE, "the unlinked section's pages to be returned")
        os.unlink(self.p("Global", "B"))
        wait_until(lambda: self.used() == 0, "every page to be returned")

    def test_use_goes_down_after_shrink(self):
        path = self.make("Global", "A", data=bytes(64 * 1024))
        wait_handles(path, 0)
        os.truncate(path, 1)
        self.assertEqual(self.used(), PAGE)

    def test_ftruncate_past_the_cap_is_enospc(self):
        data = pattern(5000, 3)
        path = self.make("Global", "T", data=data)
        fd = os.open(path, os.O_RDWR)
        try:
            self.assertErrno(errno.ENOSPC, os.ftruncate, fd, CAP + 1)
            self.assertErrno(errno.ENOSPC, os.ftruncate, fd, 10 * CAP)
            self.assertEqual(os.fstat(fd).st_size, 5000)
        finally:
            os.close(fd)
        self.assertEqual(self.read("Global", "T"), data)
        self.assertEqual(self.used(), 2 * PAGE)

    def test_truncate_command_past_the_cap_fails(self):
        path = self.make("Global", "T", data=b"abc")
        self.run_fails("truncate", "-s", "2M", path)
        self.assertEqual(os.stat(path).st_size, 3)
        self.assertEqual(self.read("Global", "T"), b"abc")

    def test_exactly_the_cap_fits(self):
        path = self.make("Global", "Full")
        os.truncate(path, CAP)
        self.assertEqual(os.stat(path).st_size, CAP)
        self.assertEqual(os.statvfs(self.p()).f_bfree, 0)
        self.assertErrno(errno.ENOSPC, os.truncate, path, CAP + 1)
        fd = os.open(self.p("Global", "More"), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            self.assertErrno(errno.ENOSPC, os.ftruncate, fd, 1)
        finally:
            os.close(fd)
        self.assertEqual(os.stat(self.p("Global", "More")).st_size, 0)

    def test_cap_counts_every_namespace_and_staging(self):
        self.make("Global", "G", data=bytes(CAP // 2))
        fd = os.open(self.p("Staging", "s"), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.ftruncate(fd, CAP // 2)
            self.assertErrno(errno.ENOSPC, os.ftruncate, fd, CAP // 2 + 1)
            self.assertEqual(os.statvfs(self.p()).f_bfree, 0)
        finally:
            os.close(fd)
        wait_until(lambda: self.used() == CAP // 2, "the unpublished staged section to go")

    def test_mapped_section_gets_every_page(self):
        # The whole size is charged when the section grows, so a map can touch every page of it
        # even when the cap is otherwise used up.
        path = self.make("Global", "Mapped")
        os.truncate(path, 768 * 1024)
        self.make("Global", "Rest", data=bytes(256 * 1024))
        self.assertEqual(os.statvfs(self.p()).f_bfree, 0)
        out = self.python_ok(
            "import mmap, os, sys\n"
            "fd = os.open(sys.argv[1], os.O_RDWR)\n"
            "m = mmap.mmap(fd, 0)\n"
            "for off in range(0, len(m), 4096):\n"
            "    m[off:off + 4] = b'page'\n"
            "print(sum(m[off:off + 4] == b'page' for off in range(0, len(m), 4096)))\n", path)
        self.assertEqual(int(out), 768 // 4)
        with open(path, "rb") as f:
            data = f.read()
        self.assertEqual(data[::4096], b"p" * (768 // 4))
        self.assertEqual(os.statvfs(self.p()).f_bfree, 0)


class CachedWriteCapTest(CapBase):
    """Cached mode: every write reaches the daemon, which refuses growth past the cap."""
    mount_options = ("size=1m", "passthrough=off")

    def test_write_past_the_cap_is_enospc_and_keeps_what_was_written(self):
        first = pattern(CAP - 8 * PAGE, 1)
        self.make("Global", "First", data=first)
        fd = os.open(self.p("Global", "Second"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        chunk = pattern(3 * PAGE + 100, 2)
        written = b""
        try:
            with self.assertRaises(OSError) as cm:
                for _ in range(100):
                    n = os.write(fd, chunk)
                    written += chunk[:n]
                    if n < len(chunk):
                        os.write(fd, chunk[n:])   # the rest must fail
            self.assertEqual(cm.exception.errno, errno.ENOSPC)
        finally:
            os.close(fd)
        self.assertLessEqual(len(written), 8 * PAGE)
        self.assertGreaterEqual(len(written), 8 * PAGE - len(chunk))
        self.assertEqual(os.stat(self.p("Global", "Second")).st_size, len(written))
        self.assertEqual(self.read("Global", "Second"), written)
        self.assertEqual(self.read("Global", "First"), first)


    def test_dd_past_the_cap_fails_with_no_space(self):
        r = subprocess.run(["dd", "if=/dev/zero", "of=" + self.p("Global", "D"), "bs=64k",
                            "count=32"], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("No space left on device", r.stderr)
        size = os.stat(self.p("Global", "D")).st_size
        self.assertLessEqual(size, CAP)
        self.assertEqual(self.read("Global", "D"), bytes(size))


    def test_write_into_a_full_cap_is_enospc(self):
        path = self.make("Global", "Full")
        os.truncate(path, CAP)
        self.assertErrno(errno.ENOSPC, self.make, "Global", "More", data=b"x")
        self.assertEqual(os.stat(self.p("Global", "More")).st_size, 0)


class PassthroughWriteCapTest(CapBase):
    """Passthrough mode: write() growth past the cap is not refused but charged when the daemon
    sees it (at stat, close and truncate); then nothing more may grow."""
    mount_options = ("size=1m", "passthrough=on")

    def setUp(self):
        try:
            super().setUp()
        except RuntimeError as e:
            if "passthrough=on:" in str(e):
                self.skipTest("no passthrough on this machine: %s" % str(e).strip())
            raise

    def test_write_growth_past_the_cap_is_charged_after_the_fact(self):
        other = self.make("Global", "Other")
        data = pattern(CAP + 5 * PAGE, 4)
        path = self.make("Global", "Big", data=data)
        wait_handles(path, 0)
        self.assertEqual(os.stat(path).st_size, len(data))
        self.assertEqual(self.read("Global", "Big"), data)
        self.assertEqual(os.statvfs(self.p()).f_bfree, 0)
        self.assertErrno(errno.ENOSPC, os.truncate, other, 1)
        self.assertOpenFails(errno.ENOSPC, self.p("Global", "New"),
                             os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        self.assertErrno(errno.ENOSPC, os.truncate, path, len(data) + PAGE)
        os.unlink(path)
        wait_until(lambda: self.used() == 0, "the over-cap section's pages to be returned")
        os.truncate(other, CAP)
        self.assertEqual(os.stat(other).st_size, CAP)


def mem_total():
    return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


class CapOptionTest(unittest.TestCase):
    """The size= units: k, m, g, t and % of RAM; the default is half of RAM."""

    def cap_of(self, *options):
        with sfstest.Mount(*options) as m:
            sv = os.statvfs(m.dir)
            return sv.f_blocks * sv.f_frsize

    def test_units(self):
        for option, want in (("size=512k", 512 << 10), ("size=3m", 3 << 20),
                             ("size=2g", 2 << 30), ("size=1t", 1 << 40),
                             ("size=65536", 65536), ("size=5M", 5 << 20)):
            with self.subTest(option=option):
                self.assertEqual(self.cap_of(option), want)

    def test_percent_of_ram(self):
        want = mem_total() // 100 * 10
        self.assertEqual(self.cap_of("size=10%"), want // PAGE * PAGE)

    def test_default_is_half_of_ram(self):
        want = mem_total() // 100 * 50
        self.assertEqual(self.cap_of(), want // PAGE * PAGE)


if __name__ == "__main__":
    sfstest.main()
