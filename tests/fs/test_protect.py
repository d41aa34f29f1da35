"""Protections: PAGE_READONLY refuses writers, root included; PAGE_WRITECOPY gives each writer a
private copy that nobody else ever sees."""
import errno
import mmap
import os
import subprocess

import sfstest
from sfstest import MountTestCase, in_both_data_paths, staged_create, xattr

PAGE = 4096
ORIGINAL = b"original section bytes" + bytes(PAGE - 22) + b"second page"


@in_both_data_paths
class ReadOnlyTest(MountTestCase):

    def setUp(self):
        super().setUp()
        self.path = staged_create(self.mount, "Global", "RO", protect="PAGE_READONLY",
                                  data=ORIGINAL)

    def test_protect_is_shown(self):
        self.assertEqual(xattr(self.path, "protect"), "PAGE_READONLY")
        self.assertEqual(self.read("Global", "RO"), ORIGINAL)

    def test_open_for_writing_is_eacces_even_for_root(self):
        self.assertEqual(os.geteuid(), 0)
        self.assertOpenFails(errno.EACCES, self.path, os.O_WRONLY)
        self.assertOpenFails(errno.EACCES, self.path, os.O_RDWR)
        self.assertOpenFails(errno.EACCES, self.path, os.O_WRONLY | os.O_APPEND)
        self.assertEqual(self.read("Global", "RO"), ORIGINAL)

    def test_shell_redirection_fails(self):
        self.run_fails("sh", "-c", 'echo new >> "$1"', "sh", self.path)
        self.run_fails("sh", "-c", 'echo new > "$1"', "sh", self.path)
        self.assertEqual(self.read("Global", "RO"), ORIGINAL)

    def test_open_for_reading_and_shared_read_map_work(self):
        fd = os.open(self.path, os.O_RDONLY)
        try:
            m = mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ)
            self.assertEqual(m[:], ORIGINAL)
            m.close()
        finally:
            os.close(fd)

    def test_truncate_is_refused(self):
        self.assertErrno(errno.EACCES, os.truncate, self.path, 2 * PAGE)
        self.assertErrno(errno.EACCES, os.truncate, self.path, 10)
        self.run_fails("truncate", "-s", "0", self.path)
        self.assertEqual(os.stat(self.path).st_size, len(ORIGINAL))
        self.assertEqual(self.read("Global", "RO"), ORIGINAL)

    def test_execute_read_also_refuses_writers(self):
        path = staged_create(self.mount, "Global", "RX", protect="PAGE_EXECUTE_READ",
                             data=b"code")
        self.assertEqual(xattr(path, "protect"), "PAGE_EXECUTE_READ")
        self.assertOpenFails(errno.EACCES, path, os.O_RDWR)
        self.assertErrno(errno.EACCES, os.truncate, path, 100)
        self.assertEqual(self.read("Global", "RX"), b"code")


@in_both_data_paths
class WriteCopyTest(MountTestCase):

    def setUp(self):
        super().setUp()
        self.path = staged_create(self.mount, "Global", "WC", protect="PAGE_WRITECOPY",
                                  data=ORIGINAL)

    def open_private(self):
        fd = os.open(self.path, os.O_RDWR)
        self.addCleanup(os.close, fd)
        return fd

    def test_protect_is_shown(self):
        self.assertEqual(xattr(self.path, "protect"), "PAGE_WRITECOPY")

    def test_writer_reads_its_own_write(self):
        fd = self.open_private()
        self.assertEqual(os.pwrite(fd, b"PRIVATE", 0), 7)
        self.assertEqual(os.pread(fd, 22, 0), b"PRIVATEl section bytes")
        self.assertEqual(os.pread(fd, 11, PAGE), b"second page")

    def test_other_open_files_see_the_original(self):
        fd = self.open_private()
        os.pwrite(fd, b"PRIVATE", 0)
        reader = os.open(self.path, os.O_RDONLY)
        try:
            self.assertEqual(os.pread(reader, len(ORIGINAL), 0), ORIGINAL)
        finally:
            os.close(reader)
        self.assertEqual(self.run_ok("head", "-c", "22", self.path), "original section bytes")
        self.assertEqual(self.read("Global", "WC"), ORIGINAL)

    def test_another_writer_gets_its_own_copy(self):
        fd = self.open_private()
        os.pwrite(fd, b"FIRST", 0)
        other = os.open(self.path, os.O_RDWR)
        try:
            self.assertEqual(os.pread(other, 22, 0), b"original section bytes")
            os.pwrite(other, b"SECOND", 0)
            self.assertEqual(os.pread(other, 8, 0), b"SECONDal")
        finally:
            os.close(other)
        self.assertEqual(os.pread(fd, 8, 0), b"FIRSTnal")

    def test_section_never_changes_after_private_writes_close(self):
        fd = os.open(self.path, os.O_RDWR)
        os.pwrite(fd, b"GONE", 0)
        os.close(fd)
        sfstest.wait_handles(self.path, 0)
        self.assertEqual(self.read("Global", "WC"), ORIGINAL)
        fd = os.open(self.path, os.O_RDWR)
        try:
            self.assertEqual(os.pread(fd, len(ORIGINAL), 0), ORIGINAL)
        finally:
            os.close(fd)

    def test_other_process_sees_the_original(self):
        fd = self.open_private()
        os.pwrite(fd, b"PRIVATE", 0)
        out = self.run_ok("cat", self.path)
        self.assertEqual(out.encode("latin-1")[:22], b"original section bytes")

    def test_writable_shared_map_is_enodev(self):
        fd = self.open_private()
        with self.assertRaises(OSError) as cm:
            mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        self.assertEqual(cm.exception.errno, errno.ENODEV)

    def test_private_map_shows_the_section_pages(self):
        fd = self.open_private()
        os.pwrite(fd, b"PRIVATE", 0)
        m = mmap.mmap(fd, 0, mmap.MAP_PRIVATE, mmap.PROT_READ | mmap.PROT_WRITE)
        try:
            self.assertEqual(m[:len(ORIGINAL)], ORIGINAL)
            m[0:3] = b"MAP"
            self.assertEqual(m[0:8], b"MAPginal")
        finally:
            m.close()
        self.assertEqual(self.read("Global", "WC"), ORIGINAL)

    def test_private_map_does_not_leak_private_writes_to_readers(self):
        # Regression: the page-cache fill of a MAP_PRIVATE of the private file once returned the
        # handle's private bytes, so every other reader saw them.
        fd = self.open_private()
        os.pwrite(fd, b"LEAKED?", 0)
        os.pwrite(fd, b"LEAKED!", PAGE)
        m = mmap.mmap(fd, 0, mmap.MAP_PRIVATE, mmap.PROT_READ)
        try:
            touched = m[0:7] + m[PAGE:PAGE + 7]
        finally:
            m.close()
        reader = os.open(self.path, os.O_RDONLY)
        try:
            self.assertEqual(os.pread(reader, len(ORIGINAL), 0), ORIGINAL,
                             "private bytes leaked into what other readers see")
        finally:
            os.close(reader)
        out = subprocess.run(["cat", self.path], capture_output=True, check=True).stdout
        self.assertEqual(out, ORIGINAL)
        self.assertEqual(touched, b"origina" + b"second ")
        self.assertEqual(os.pread(fd, 7, 0), b"LEAKED?")

    def test_write_past_the_end_is_efbig(self):
        fd = self.open_private()
        self.assertErrno(errno.EFBIG, os.pwrite, fd, b"x", len(ORIGINAL))
        self.assertErrno(errno.EFBIG, os.pwrite, fd, b"xyz", len(ORIGINAL) - 1)
        self.assertEqual(os.stat(self.path).st_size, len(ORIGINAL))

    def test_size_is_fixed(self):
        fd = self.open_private()
        self.assertErrno(errno.EACCES, os.ftruncate, fd, 2 * len(ORIGINAL))
        self.assertErrno(errno.EACCES, os.ftruncate, fd, 1)
        self.assertErrno(errno.EACCES, os.truncate, self.path, 5)
        self.assertEqual(os.stat(self.path).st_size, len(ORIGINAL))

    def test_execute_writecopy_is_private_too(self):
        path = staged_create(self.mount, "Global", "XWC", protect="PAGE_EXECUTE_WRITECOPY",
                             data=b"abcdef")
        fd = os.open(path, os.O_RDWR)
        try:
            os.pwrite(fd, b"XY", 0)
            self.assertEqual(os.pread(fd, 6, 0), b"XYcdef")
        finally:
            os.close(fd)
        self.assertEqual(self.read("Global", "XWC"), b"abcdef")


if __name__ == "__main__":
    sfstest.main()
