"""Maps: MAP_SHARED of one section from several processes is one piece of memory, coherent with
read and write at once and without msync; MAP_PRIVATE is copy-on-write."""
import mmap
import os
import struct
import subprocess

import sfstest
from sfstest import MountTestCase, in_both_data_paths, helper

PAGE = 4096

# A mapper: opens and maps PATH itself, then follows commands on stdin:
#   w OFF TEXT  stores TEXT at OFF through the map (no msync)
#   r OFF N     prints N bytes at OFF as seen through the map
MAPPER = r"""
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
os.close(fd)
print("mapped", flush=True)
for line in sys.stdin:
    cmd, off, arg = line.split()
    off = int(off)
    if cmd == "w":
        m[off:off + len(arg)] = arg.encode()
        print("ok", flush=True)
    else:
        print(bytes(m[off:off + int(arg)]).decode(errors="replace"), flush=True)
"""


@in_both_data_paths
class SharedMapTest(MountTestCase):

    def setUp(self):
        super().setUp()
        self.path = self.make("Global", "Shared", data=bytes(4 * PAGE))

    def mapper(self):
        child = self.spawn(MAPPER, self.path)
        child.expect("mapped")
        return child

    def test_two_processes_see_each_others_stores(self):
        a, b = self.mapper(), self.mapper()
        a.send("w 0 from-A")
        a.expect("ok")
        b.send("r 0 6")
        self.assertEqual(b.recv(), "from-A")
        b.send("w %d from-B" % (3 * PAGE + 10))
        b.expect("ok")
        a.send("r %d 6" % (3 * PAGE + 10))
        self.assertEqual(a.recv(), "from-B")
        a.send("w 2 OVER")
        a.expect("ok")
        b.send("r 0 6")
        self.assertEqual(b.recv(), "frOVER")

    def test_store_through_a_map_is_seen_by_read(self):
        a = self.mapper()
        a.send("w 100 mapped-store")
        a.expect("ok")
        with open(self.path, "rb") as f:
            f.seek(100)
            self.assertEqual(f.read(12), b"mapped-store")
        out = subprocess.run(["dd", "if=" + self.path, "bs=1", "skip=100", "count=12",
                              "status=none"], capture_output=True, check=True).stdout
        self.assertEqual(out, b"mapped-store")

    def test_write_is_seen_by_a_map(self):
        a = self.mapper()
        fd = os.open(self.path, os.O_WRONLY)
        try:
            os.pwrite(fd, b"written", 2 * PAGE + 1)
        finally:
            os.close(fd)
        a.send("r %d 7" % (2 * PAGE + 1))
        self.assertEqual(a.recv(), "written")
        subprocess.run(["dd", "of=" + self.path, "bs=1", "seek=50", "conv=notrunc",
                        "status=none"], input=b"dd-data", check=True)
        a.send("r 50 7")
        self.assertEqual(a.recv(), "dd-data")

    def test_map_in_this_process_and_write_from_another(self):
        fd = os.open(self.path, os.O_RDWR)
        m = mmap.mmap(fd, 0)
        os.close(fd)
        try:
            subprocess.run(["sh", "-c", 'printf other | dd of="$1" bs=1 seek=7 conv=notrunc '
                            'status=none', "sh", self.path], check=True)
            self.assertEqual(m[7:12], b"other")
            m[0:4] = b"mine"
            self.assertEqual(self.read("Global", "Shared")[:4], b"mine")
        finally:
            m.close()

    def test_c_helper_ping_pong(self):
        rounds = 10000
        procs = [subprocess.Popen([helper("map_pingpong"), self.path, str(role), str(rounds)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for role in (0, 1)]
        results = []
        for p in procs:
            try:
                out, err = p.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                p.kill()
                out, err = p.communicate()
            results.append((p.returncode, out, err))
        for rc, out, err in results:
            self.assertEqual(rc, 0, err)
            self.assertTrue(out.startswith("mapped\n"), out)
        counter, echo0, echo1 = struct.unpack("<QQQ", self.read("Global", "Shared")[:24])
        self.assertEqual((counter, echo0, echo1), (2 * rounds, 2 * rounds - 2, 2 * rounds - 1))


@in_both_data_paths
class PrivateMapTest(MountTestCase):

    def test_private_stores_never_reach_the_file(self):
        path = self.make("Global", "P", data=b"original" + bytes(PAGE - 8))
        fd = os.open(path, os.O_RDWR)
        try:
            priv = mmap.mmap(fd, 0, mmap.MAP_PRIVATE, mmap.PROT_READ | mmap.PROT_WRITE)
            shared = mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        finally:
            os.close(fd)
        try:
            self.assertEqual(priv[:8], b"original")
            priv[:8] = b"PRIVATE!"
            self.assertEqual(priv[:8], b"PRIVATE!")
            self.assertEqual(shared[:8], b"original")
            self.assertEqual(self.read("Global", "P")[:8], b"original")
            self.assertEqual(self.run_ok("head", "-c", "8", path), "original")
        finally:
            priv.close()
            shared.close()
        self.assertEqual(self.read("Global", "P")[:8], b"original")

    def test_private_map_sees_shared_stores_to_untouched_pages(self):
        path = self.make("Global", "P", data=bytes(2 * PAGE))
        fd = os.open(path, os.O_RDWR)
        try:
            priv = mmap.mmap(fd, 0, mmap.MAP_PRIVATE, mmap.PROT_READ | mmap.PROT_WRITE)
            shared = mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        finally:
            os.close(fd)
        try:
            priv[0:1] = b"p"                 # page 0 is now the private copy
            shared[0:6] = b"shared"
            shared[PAGE:PAGE + 6] = b"second"
            self.assertEqual(priv[0:6], b"p" + bytes(5))
            self.assertEqual(priv[PAGE:PAGE + 6], b"second")
        finally:
            priv.close()
            shared.close()


if __name__ == "__main__":
    sfstest.main()
