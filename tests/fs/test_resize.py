"""Resizing: growing always works (up to the cap); shrinking is refused with EBUSY while another
open file or map holds the section, so no holder ever gets SIGBUS."""
import errno
import hashlib
import os
import signal

import sfstest
from sfstest import MountTestCase, in_both_data_paths, wait_handles

PAGE = 4096
DATA = bytes((i * 13 + 1) & 0xFF for i in range(3 * PAGE))

# Holds PATH until told to go on: "open" keeps it open ("read-open": for reading only); "map"
# maps it with Python's mmap (which keeps a duplicate of the descriptor); "bare-map" maps it with
# mmap(2) and closes its only descriptor, so that nothing but the map holds it.  Then reads
# every page it holds (a SIGBUS would kill it), stores into the last one, and prints the SHA-256
# of what it read and its size.
HOLDER = r"""
import ctypes, hashlib, mmap, os, sys
path, how = sys.argv[1], sys.argv[2]
fd = os.open(path, os.O_RDONLY if how == "read-open" else os.O_RDWR)
size = os.fstat(fd).st_size
if how == "map":
    m = mmap.mmap(fd, 0)
    os.close(fd)
elif how == "bare-map":
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]
    addr = libc.mmap(None, size, mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_SHARED, fd, 0)
    if addr in (None, ctypes.c_void_p(-1).value):
        sys.exit("mmap failed: %d" % ctypes.get_errno())
    os.close(fd)
print("holding", flush=True)
sys.stdin.readline()
if how == "map":
    data = bytes(m[:])
    m[len(data) - 1:] = b"!"
elif how == "bare-map":
    data = ctypes.string_at(addr, size)
    ctypes.memmove(addr + size - 1, b"!", 1)
elif how == "open":
    data = os.pread(fd, 1 << 20, 0)
    os.pwrite(fd, b"!", size - 1)
else:
    data = os.pread(fd, 1 << 20, 0)
print(hashlib.sha256(data).hexdigest(), len(data), flush=True)
"""


@in_both_data_paths
class GrowTest(MountTestCase):

    def setUp(self):
        super().setUp()
        self.path = self.make("Global", "R", data=b"head")

    def test_truncate_command_grows(self):
        self.run_ok("truncate", "-s", "3M", self.path)
        self.assertEqual(os.stat(self.path).st_size, 3 << 20)
        with open(self.path, "rb") as f:
            self.assertEqual(f.read(8), b"head\0\0\0\0")
            f.seek((3 << 20) - 4)
            self.assertEqual(f.read(), bytes(4))

    def test_ftruncate_grows(self):
        fd = os.open(self.path, os.O_RDWR)
        try:
            os.ftruncate(fd, 5 * PAGE + 3)
            self.assertEqual(os.fstat(fd).st_size, 5 * PAGE + 3)
            self.assertEqual(os.pread(fd, 8, 0), b"head\0\0\0\0")
        finally:
            os.close(fd)
        self.assertEqual(os.stat(self.path).st_size, 5 * PAGE + 3)

    def test_write_past_the_end_grows_with_zeros_between(self):
        fd = os.open(self.path, os.O_WRONLY)
        try:
            os.pwrite(fd, b"tail", 10000)
        finally:
            os.close(fd)
        self.assertEqual(os.stat(self.path).st_size, 10004)
        self.assertEqual(self.read("Global", "R"), b"head" + bytes(10000 - 4) + b"tail")

    def test_growing_while_another_process_maps_it(self):
        self.run_ok("truncate", "-s", str(len(DATA)), self.path)
        child = self.spawn(HOLDER, self.path, "map")
        child.expect("holding")
        os.truncate(self.path, 10 * PAGE)
        self.assertEqual(os.stat(self.path).st_size, 10 * PAGE)
        child.send()
        digest, size = child.recv().split()
        self.assertEqual(int(size), len(DATA))   # its map keeps the size it was made with
        self.assertEqual(child.finish()[0], 0)


@in_both_data_paths
class ShrinkTest(MountTestCase):

    def setUp(self):
        super().setUp()
        self.path = self.make("Global", "R", data=DATA)
        wait_handles(self.path, 0)

    def hold(self, how):
        child = self.spawn(HOLDER, self.path, how)
        child.expect("holding")
        return child

    def assert_unchanged(self):
        self.assertEqual(os.stat(self.path).st_size, len(DATA))
        self.assertEqual(self.read("Global", "R"), DATA)

    def test_truncate_while_another_process_has_it_open_is_ebusy(self):
        self.hold("open")
        self.assertErrno(errno.EBUSY, os.truncate, self.path, PAGE)
        self.assertErrno(errno.EBUSY, os.truncate, self.path, 0)
        self.assert_unchanged()

    def test_truncate_while_another_process_only_reads_it_is_ebusy(self):
        self.hold("read-open")
        self.assertErrno(errno.EBUSY, os.truncate, self.path, 1)
        self.assert_unchanged()

    def test_truncate_command_while_held_fails(self):
        self.hold("open")
        err = self.run_fails("truncate", "-s", "100", self.path)
        self.assertIn("busy", err.lower())
        self.assert_unchanged()

    def test_ftruncate_while_another_process_has_it_open_is_ebusy(self):
        self.hold("open")
        fd = os.open(self.path, os.O_RDWR)
        try:
            self.assertErrno(errno.EBUSY, os.ftruncate, fd, len(DATA) - 1)
        finally:
            os.close(fd)
        self.assert_unchanged()

    def test_shrink_while_another_process_maps_it_is_ebusy_and_the_mapper_lives(self):
        child = self.hold("map")
        self.assertErrno(errno.EBUSY, os.truncate, self.path, PAGE)
        fd = os.open(self.path, os.O_RDWR)
        try:
            self.assertErrno(errno.EBUSY, os.ftruncate, fd, 0)
        finally:
            os.close(fd)
        child.send()
        digest, size = child.recv().split()
        rc, _, err = child.finish()
        self.assertNotEqual(rc, -signal.SIGBUS, "the mapper was killed by SIGBUS")
        self.assertEqual(rc, 0, err)
        self.assertEqual((digest, int(size)), (hashlib.sha256(DATA).hexdigest(), len(DATA)))
        self.assertEqual(self.read("Global", "R"), DATA[:-1] + b"!")

    def test_shrink_while_only_a_map_holds_it_is_ebusy_and_the_mapper_lives(self):
        # The mapper's descriptor is closed: only its map holds the section (in passthrough
        # mode the map holds the memfd, not the file: README, "Two data paths").
        child = self.hold("bare-map")
        self.assertErrno(errno.EBUSY, os.truncate, self.path, PAGE)
        self.assertErrno(errno.EBUSY, os.truncate, self.path, 0)
        self.assertEqual(os.stat(self.path).st_size, len(DATA))
        child.send()
        rc, out, err = child.finish()
        self.assertNotEqual(rc, -signal.SIGBUS, "the mapper was killed by SIGBUS")
        self.assertEqual(rc, 0, err)
        digest, size = out.split()
        self.assertEqual((digest, int(size)), (hashlib.sha256(DATA).hexdigest(), len(DATA)))
        self.assertEqual(self.read("Global", "R"), DATA[:-1] + b"!")

    def test_ftruncate_while_only_a_map_holds_it_is_ebusy(self):
        child = self.hold("bare-map")
        fd = os.open(self.path, os.O_RDWR)
        try:
            self.assertErrno(errno.EBUSY, os.ftruncate, fd, PAGE)
        finally:
            os.close(fd)
        self.assertEqual(os.stat(self.path).st_size, len(DATA))
        child.send()
        rc, _, err = child.finish()
        self.assertEqual(rc, 0, err)

    def test_o_trunc_open_while_only_a_map_holds_it_is_ebusy(self):
        child = self.hold("bare-map")
        self.assertOpenFails(errno.EBUSY, self.path, os.O_WRONLY | os.O_TRUNC)
        self.assertEqual(os.stat(self.path).st_size, len(DATA))
        child.send()
        rc, _, err = child.finish()
        self.assertNotEqual(rc, -signal.SIGBUS, "the mapper was killed by SIGBUS")
        self.assertEqual(rc, 0, err)

    def test_shrink_through_the_only_open_file_works(self):
        fd = os.open(self.path, os.O_RDWR)
        try:
            os.ftruncate(fd, 100)
            self.assertEqual(os.fstat(fd).st_size, 100)
            self.assertEqual(os.pread(fd, 200, 0), DATA[:100])
        finally:
            os.close(fd)
        self.assertEqual(self.read("Global", "R"), DATA[:100])

    def test_shrink_by_path_when_nobody_holds_it_works(self):
        os.truncate(self.path, 10)
        self.assertEqual(os.stat(self.path).st_size, 10)
        self.assertEqual(self.read("Global", "R"), DATA[:10])

    def test_shrink_works_again_once_the_holder_is_gone(self):
        child = self.hold("map")
        self.assertErrno(errno.EBUSY, os.truncate, self.path, 0)
        child.send()
        child.recv()
        self.assertEqual(child.finish()[0], 0)
        wait_handles(self.path, 0)
        os.truncate(self.path, 0)
        self.assertEqual(os.stat(self.path).st_size, 0)

    def test_o_trunc_open_while_another_holds_it_is_ebusy(self):
        self.hold("open")
        self.assertOpenFails(errno.EBUSY, self.path, os.O_WRONLY | os.O_TRUNC)
        self.assertOpenFails(errno.EBUSY, self.path, os.O_RDWR | os.O_CREAT | os.O_TRUNC)
        self.run_fails("sh", "-c", 'echo new > "$1"', "sh", self.path)
        self.assert_unchanged()

    def test_o_trunc_open_when_nobody_else_holds_it_empties_it(self):
        fd = os.open(self.path, os.O_RDWR | os.O_TRUNC)
        try:
            self.assertEqual(os.fstat(fd).st_size, 0)
            os.write(fd, b"fresh")
        finally:
            os.close(fd)
        self.assertEqual(self.read("Global", "R"), b"fresh")


if __name__ == "__main__":
    sfstest.main()
