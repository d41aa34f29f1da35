"""The cap (-o size=): sections' memory lives in a private tmpfs instance of that size, so the
kernel itself refuses a page past it with ENOSPC, whoever writes it and however (write, pwrite at
any offset, a map, copy_file_range, fallocate), in both data paths, and what was written before
stays as it was.  Pages are counted as tmpfs counts them: a page uses the cap once written, sparse
growth is free, and df shows the cap and the pages in use.  No section may be sized past the cap
(ENOSPC).  With -o pagefile=memfd the daemon counts sizes instead (README, "The cap")."""
import errno
import os
import signal
import subprocess
import unittest

import sfstest
from sfstest import MountTestCase, as_user, in_both_data_paths, wait_handles, wait_until

PAGE = 4096
CAP = 1 << 20


def pattern(n, seed):
    return bytes((i * 31 + seed + (i >> 12)) & 0xFF for i in range(n))


class CapBase(MountTestCase):
    mount_options = ("size=1m",)

    def used(self):
        sv = os.statvfs(self.p())
        return (sv.f_blocks - sv.f_bfree) * sv.f_frsize

    def fill(self, *parts, leave=0):
        """Writes a section until only `leave` bytes of the cap are free; returns its data."""
        data = pattern(CAP - self.used() - leave, 7)
        self.make(*parts, data=data)
        self.assertEqual(self.used(), CAP - leave)
        return data

    def write_until_full(self, fd, chunk):
        """write()s chunk until ENOSPC; returns what the writes reported as written."""
        written = b""
        with self.assertRaises(OSError) as cm:
            for _ in range(2 * CAP // len(chunk) + 2):
                n = os.write(fd, chunk)
                written += chunk[:n]
        self.assertEqual(cm.exception.errno, errno.ENOSPC)
        return written


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

    def test_use_counts_pages_written(self):
        self.make("Global", "A", data=b"x")
        self.assertEqual(self.used(), PAGE)
        self.make("Global", "B", data=bytes(PAGE + 1))
        self.assertEqual(self.used(), 3 * PAGE)
        self.make("Global", "C")
        self.assertEqual(self.used(), 3 * PAGE)
        self.assertEqual(os.stat(self.p("Global", "B")).st_blocks, 2 * PAGE // 512)

    def test_sparse_growth_is_free_as_on_tmpfs(self):
        path = self.make("Global", "Sparse", data=b"head")
        os.truncate(path, CAP)                      # exactly the cap: allowed, uses nothing more
        self.assertEqual(os.stat(path).st_size, CAP)
        self.assertEqual(self.used(), PAGE)
        self.assertEqual(os.stat(path).st_blocks, PAGE // 512)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), b"head" + bytes(CAP - 4))

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

    def test_write_past_the_cap_is_enospc_and_keeps_what_was_written(self):
        first = self.fill("Global", "First", leave=8 * PAGE)
        fd = os.open(self.p("Global", "Second"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            written = self.write_until_full(fd, pattern(3 * PAGE + 100, 2))
            self.assertEqual(os.fstat(fd).st_size, len(written))
        finally:
            os.close(fd)
        self.assertLessEqual(len(written), 8 * PAGE)
        self.assertGreaterEqual(len(written), 8 * PAGE - (3 * PAGE + 100))
        self.assertEqual(self.read("Global", "Second"), written)
        self.assertEqual(self.read("Global", "First"), first)
        self.assertLessEqual(self.used(), CAP)

    def test_pwrite_at_any_offset_into_a_full_cap_is_enospc(self):
        path = self.make("Global", "Other", data=b"kept")
        first = self.fill("Global", "Full")
        fd = os.open(path, os.O_RDWR)
        try:
            for offset in (PAGE, 1 << 20, 1 << 40, 1 << 62):
                with self.subTest(offset=offset):
                    self.assertErrno(errno.ENOSPC, os.pwrite, fd, b"z", offset)
                    self.assertEqual(os.fstat(fd).st_size, 4)
        finally:
            os.close(fd)
        self.assertEqual(self.read("Global", "Other"), b"kept")
        self.assertEqual(self.read("Global", "Full"), first)

    def test_one_far_write_costs_a_page_and_denies_nobody(self):
        # nobody writes one byte at 2^62: the section is that big, sparse, and uses one page
        path = self.make("Global", "Far")
        os.chmod(path, 0o666)
        self.python_ok("import os, sys\n"
                       "fd = os.open(sys.argv[1], os.O_WRONLY)\n"
                       "os.pwrite(fd, b'!', 1 << 62)\n", path, preexec_fn=as_user())
        self.assertEqual(os.stat(path).st_size, (1 << 62) + 1)
        self.assertEqual(self.used(), PAGE)
        # everybody else still has the rest of the cap
        rest = self.fill("Global", "Rest")
        self.assertEqual(self.read("Global", "Rest"), rest)

    def test_dd_past_the_cap_fails_with_no_space(self):
        r = subprocess.run(["dd", "if=/dev/zero", "of=" + self.p("Global", "D"), "bs=64k",
                            "count=32"], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("No space left on device", r.stderr)
        size = os.stat(self.p("Global", "D")).st_size
        self.assertLessEqual(size, CAP)
        self.assertEqual(self.read("Global", "D"), bytes(size))
        self.assertLessEqual(self.used(), CAP)

    def test_copy_file_range_past_the_cap_is_enospc(self):
        source = self.make("Global", "Source", data=pattern(CAP // 2 + PAGE, 9))
        self.make("Global", "Middle", data=pattern(CAP // 2 - 4 * PAGE, 8))
        src = os.open(source, os.O_RDONLY)
        dst = os.open(self.p("Global", "Copy"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        copied = 0
        try:
            with self.assertRaises(OSError) as cm:
                while True:
                    n = os.copy_file_range(src, dst, CAP, copied, copied)
                    if n == 0:
                        self.fail("copied everything into a full cap")
                    copied += n
            self.assertEqual(cm.exception.errno, errno.ENOSPC)
            self.assertEqual(os.fstat(dst).st_size, copied)
        finally:
            os.close(src)
            os.close(dst)
        self.assertLessEqual(copied, 4 * PAGE)
        self.assertEqual(self.read("Global", "Copy"), self.read("Global", "Source")[:copied])
        self.assertLessEqual(self.used(), CAP)

    def test_fallocate_past_the_cap_is_enospc_and_changes_nothing(self):
        self.fill("Global", "Most", leave=4 * PAGE)
        path = self.make("Global", "F", data=b"abc")
        fd = os.open(path, os.O_RDWR)
        try:
            self.assertErrno(errno.ENOSPC, os.posix_fallocate, fd, 0, 16 * PAGE)
            self.assertEqual(os.fstat(fd).st_size, 3)
            self.assertEqual(self.used(), CAP - 3 * PAGE)
            os.posix_fallocate(fd, 0, 4 * PAGE)     # what is left fits, and is taken
            self.assertEqual(os.fstat(fd).st_size, 4 * PAGE)
            self.assertEqual(self.used(), CAP)
        finally:
            os.close(fd)
        self.assertEqual(self.read("Global", "F"), b"abc" + bytes(4 * PAGE - 3))

    def test_a_store_into_a_new_page_of_a_full_cap_is_sigbus(self):
        # tmpfs's rule: a map that needs a page the cap cannot give gets SIGBUS; pages it
        # already has stay usable, and nothing else changes
        path = self.make("Global", "Mapped", data=b"first page")
        os.truncate(path, 8 * PAGE)
        full = self.fill("Global", "Rest")
        code = ("import mmap, os, sys\n"
                "fd = os.open(sys.argv[1], os.O_RDWR)\n"
                "m = mmap.mmap(fd, 0)\n"
                "m[0:5] = b'FIRST'\n"
                "print('first page ok', flush=True)\n"
                "m[4 * 4096] = 1\n"
                "print('stored past the cap', flush=True)\n")
        r = sfstest.run_python(code, path)
        self.assertEqual(r.returncode, -signal.SIGBUS, r.stderr)
        self.assertEqual(r.stdout, "first page ok\n")
        self.assertEqual(self.read("Global", "Mapped"), b"FIRST page" + bytes(8 * PAGE - 10))
        self.assertEqual(self.read("Global", "Rest"), full)
        self.assertEqual(self.used(), CAP)

    def test_cap_counts_every_namespace_and_staging(self):
        self.make("Global", "G", data=bytes(CAP // 2))
        fd = os.open(self.p("Staging", "s"), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            written = self.write_until_full(fd, bytes(64 * 1024))
            self.assertEqual(len(written), CAP // 2)
            self.assertEqual(os.statvfs(self.p()).f_bfree, 0)
        finally:
            os.close(fd)
        wait_until(lambda: self.used() == CAP // 2, "the unpublished staged section to go")


class MemfdPagefileTest(CapBase):
    """-o pagefile=memfd: the daemon counts each section's size, rounded up to pages, and
    refuses growth past the cap; only cached mode (it must see every write)."""
    mount_options = ("size=1m", "pagefile=memfd")

    def test_sizes_are_charged(self):
        path = self.make("Global", "S", data=b"x")
        self.assertEqual(self.used(), PAGE)
        os.truncate(path, CAP // 2 + 1)
        self.assertEqual(self.used(), CAP // 2 + PAGE)
        self.assertErrno(errno.ENOSPC, os.truncate, self.make("Global", "T"), CAP // 2)

    def test_write_past_the_cap_is_enospc(self):
        first = self.fill("Global", "First", leave=8 * PAGE)
        fd = os.open(self.p("Global", "Second"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            written = self.write_until_full(fd, pattern(3 * PAGE + 100, 2))
        finally:
            os.close(fd)
        self.assertEqual(self.read("Global", "Second"), written)
        self.assertEqual(self.read("Global", "First"), first)
        self.assertLessEqual(self.used(), CAP)

    def test_passthrough_on_is_refused(self):
        with self.assertRaises(RuntimeError) as cm:
            sfstest.Mount("size=1m", "pagefile=memfd", "passthrough=on").start()
        self.assertIn("pagefile=memfd needs cached mode", str(cm.exception))


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
