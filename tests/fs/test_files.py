"""Sections as files: creating, reading, writing, listing, attributes, unlink, rename, refusals."""
import errno
import os
import stat
import subprocess
import tempfile

import sfstest
from sfstest import (MountTestCase, in_both_data_paths, in_new_login_session, wait_handles,
                     xattr)

PAGE = 4096


def pattern(n, seed=0):
    return bytes((i * 7 + seed + (i >> 8)) & 0xFF for i in range(n))


@in_both_data_paths
class WriteReadTest(MountTestCase):

    def test_echo_then_cat(self):
        subprocess.run(["sh", "-c", 'echo hello > "$1"', "sh", self.p("Global", "Greeting")],
                       check=True)
        self.assertEqual(self.run_ok("cat", self.p("Global", "Greeting")), "hello\n")
        self.assertEqual(os.stat(self.p("Global", "Greeting")).st_size, 6)

    def test_echo_append(self):
        path = self.p("Global", "Log")
        subprocess.run(["sh", "-c", 'echo one > "$1"; echo two >> "$1"', "sh", path], check=True)
        self.assertEqual(self.run_ok("cat", path), "one\ntwo\n")

    def test_create_makes_an_empty_permanent_readwrite_section(self):
        fd = os.open(self.p("Global", "New"), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o640)
        os.close(fd)
        st = os.stat(self.p("Global", "New"))
        self.assertEqual(st.st_size, 0)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o640)
        self.assertTrue(stat.S_ISREG(st.st_mode))
        self.assertEqual(xattr(self.p("Global", "New"), "protect"), "PAGE_READWRITE")
        self.assertEqual(xattr(self.p("Global", "New"), "lifetime"), "permanent")

    def test_section_outlives_its_creator(self):
        self.python_ok("import sys\nopen(sys.argv[1], 'wb').write(b'kept after exit')\n",
                       self.p("Global", "Kept"))
        wait_handles(self.p("Global", "Kept"), 0)
        self.assertEqual(self.read("Global", "Kept"), b"kept after exit")

    def test_dd_writes_and_reads_back_exact_bytes(self):
        data = pattern(10 * PAGE + 123, seed=5)
        with tempfile.NamedTemporaryFile() as src:
            src.write(data)
            src.flush()
            self.run_ok("dd", "if=" + src.name, "of=" + self.p("Global", "D"), "bs=4096",
                        "status=none")
        self.assertEqual(os.stat(self.p("Global", "D")).st_size, len(data))
        self.assertEqual(self.read("Global", "D"), data)
        out = subprocess.run(["dd", "if=" + self.p("Global", "D"), "bs=1000", "status=none"],
                             capture_output=True, check=True).stdout
        self.assertEqual(out, data)

    def test_dd_notrunc_overwrites_in_the_middle(self):
        self.make("Global", "M", data=b"a" * 3 * PAGE)
        subprocess.run(["dd", "of=" + self.p("Global", "M"), "bs=1", "seek=5000", "conv=notrunc",
                        "status=none"], input=b"XYZ", check=True)
        want = bytearray(b"a" * 3 * PAGE)
        want[5000:5003] = b"XYZ"
        self.assertEqual(self.read("Global", "M"), bytes(want))

    def test_cp_in_and_out(self):
        data = pattern(300000, seed=3)
        with tempfile.TemporaryDirectory() as tmp:
            src, back = os.path.join(tmp, "src"), os.path.join(tmp, "back")
            with open(src, "wb") as f:
                f.write(data)
            self.run_ok("cp", src, self.p("Global", "Copied"))
            self.run_ok("cp", self.p("Global", "Copied"), self.p("Global", "Again"))
            self.run_ok("cp", self.p("Global", "Again"), back)
            self.run_ok("cmp", src, self.p("Global", "Copied"))
            with open(back, "rb") as f:
                self.assertEqual(f.read(), data)

    def test_fsync_succeeds(self):
        path = self.make("Global", "F", data=b"synced")
        fd = os.open(path, os.O_RDWR)
        try:
            os.fsync(fd)
            os.fdatasync(fd)
        finally:
            os.close(fd)
        self.assertEqual(self.read("Global", "F"), b"synced")

    def test_large_write_and_read(self):
        data = pattern(3 << 20, seed=9)
        self.make("Global", "Large", data=data)
        self.assertEqual(os.stat(self.p("Global", "Large")).st_size, len(data))
        self.assertEqual(self.read("Global", "Large"), data)

    def test_truncate_grows_with_zeros(self):
        self.make("Global", "T", data=b"abc")
        self.run_ok("truncate", "-s", "10000", self.p("Global", "T"))
        self.assertEqual(os.stat(self.p("Global", "T")).st_size, 10000)
        self.assertEqual(self.read("Global", "T"), b"abc" + bytes(10000 - 3))

    def test_stat_sizes_are_exact(self):
        for size in (0, 1, PAGE - 1, PAGE, PAGE + 1, 100000):
            with self.subTest(size=size):
                path = self.make("Global", "S%d" % size, data=pattern(size))
                self.assertEqual(os.stat(path).st_size, size)
                self.assertEqual(self.run_ok("stat", "-c", "%s", path).strip(), str(size))
                self.assertEqual(self.read("Global", "S%d" % size), pattern(size))

    def test_ls_l_shows_types_and_sizes(self):
        self.make("Global", "Small", data=b"12345")
        self.make("Global", "Big", data=bytes(70000))
        out = self.run_ok("ls", "-l", self.p("Global"))
        lines = {l.split()[8]: l.split() for l in out.splitlines() if not l.startswith("total")}
        self.assertEqual(set(lines), {"Global", "Local", "Session", "Small", "Big"})
        self.assertEqual(lines["Small"][0], "-rw-r--r--")
        self.assertEqual(lines["Small"][4], "5")
        self.assertEqual(lines["Big"][4], "70000")
        self.assertEqual(lines["Global"][0][0], "l")
        self.assertEqual(lines["Global"][-2:], ["->", "."])
        self.assertEqual(lines["Session"][-2:], ["->", "../Sessions"])


@in_both_data_paths
class ListingTest(MountTestCase):

    def test_readdir_of_2000_sections_is_complete_without_duplicates(self):
        names = ["sec-%04d" % i for i in range(2000)]
        for n in names:
            os.close(os.open(self.p("Global", n), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        listed = os.listdir(self.p("Global"))
        self.assertEqual(len(listed), len(set(listed)), "duplicates in the listing")
        self.assertEqual(sorted(listed), sorted(names + ["Global", "Local", "Session"]))
        out = self.run_ok("ls", "-1", "-f", self.p("Global"))
        ls_names = [l for l in out.splitlines() if l not in (".", "..")]
        self.assertEqual(len(ls_names), len(set(ls_names)))
        self.assertEqual(len(ls_names), 2003)

    def test_listing_after_unlink_drops_the_name(self):
        for n in ("a", "b", "c"):
            self.make("Global", n)
        os.unlink(self.p("Global", "b"))
        self.assertEqual(sorted(os.listdir(self.p("Global"))),
                         ["Global", "Local", "Session", "a", "c"])


@in_both_data_paths
class OwnershipTest(MountTestCase):

    def test_chmod(self):
        path = self.make("Global", "C")
        os.chmod(path, 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.run_ok("chmod", "u+x,g+r", path)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o740)

    def test_chown(self):
        path = self.make("Global", "C")
        os.chown(path, 1000, 2000)
        st = os.stat(path)
        self.assertEqual((st.st_uid, st.st_gid), (1000, 2000))
        self.run_ok("chown", "65534:65534", path)
        st = os.stat(path)
        self.assertEqual((st.st_uid, st.st_gid), (65534, 65534))

    def test_touch_sets_times(self):
        path = self.make("Global", "C", data=b"data")
        self.run_ok("touch", "-m", "-d", "2001-02-03 04:05:06 UTC", path)
        st = os.stat(path)
        self.assertEqual(int(st.st_mtime), 981173106)
        os.utime(path, ns=(1_000_000_123, 2_000_000_456))
        st = os.stat(path)
        self.assertEqual((st.st_atime_ns, st.st_mtime_ns), (1_000_000_123, 2_000_000_456))
        self.assertEqual(self.read("Global", "C"), b"data")

    def test_touch_creates_an_empty_section(self):
        self.run_ok("touch", self.p("Global", "Touched"))
        self.assertEqual(os.stat(self.p("Global", "Touched")).st_size, 0)


HOLDER = r"""
import mmap, os, sys
path = sys.argv[1]
fd = os.open(path, os.O_RDWR)
m = mmap.mmap(fd, 0)
print("mapped", flush=True)
sys.stdin.readline()
data = bytes(m[:])
with open(fd, "rb", closefd=False) as f:
    f.seek(0)
    via_read = f.read()
m[0:5] = b"LATER"
print(data.decode(), via_read.decode(), bytes(m[:5]).decode(), flush=True)
"""


@in_both_data_paths
class UnlinkTest(MountTestCase):

    def test_unlink_removes_the_name_at_once_while_held(self):
        path = self.make("Global", "U", data=b"still here")
        child = self.spawn(HOLDER, path)
        child.expect("mapped")
        os.unlink(path)
        self.assertFalse(os.path.exists(path))
        self.assertNotIn("U", os.listdir(self.p("Global")))
        self.assertOpenFails(errno.ENOENT, path, os.O_RDONLY)

    def test_holder_keeps_the_data_after_unlink(self):
        path = self.make("Global", "U", data=b"still here")
        child = self.spawn(HOLDER, path)
        child.expect("mapped")
        os.unlink(path)
        child.send()
        self.assertEqual(child.recv(), "still here still here LATER")
        self.assertEqual(child.finish()[0], 0)

    def test_new_section_with_an_unlinked_name_is_a_new_one(self):
        path = self.make("Global", "U", data=b"old data")
        child = self.spawn(HOLDER, path)
        child.expect("mapped")
        os.unlink(path)
        self.make("Global", "U", data=b"new")
        child.send()
        self.assertEqual(child.recv(), "old data old data LATER")
        self.assertEqual(self.read("Global", "U"), b"new")

    def test_unlink_missing_is_enoent(self):
        self.assertErrno(errno.ENOENT, os.unlink, self.p("Global", "Nothing"))


@in_both_data_paths
class RenameTest(MountTestCase):

    def test_rename_within_a_namespace(self):
        self.make("Global", "A", data=b"moved")
        os.rename(self.p("Global", "A"), self.p("Global", "B"))
        self.assertFalse(os.path.exists(self.p("Global", "A")))
        self.assertEqual(self.read("Global", "B"), b"moved")
        self.assertEqual(xattr(self.p("Global", "B"), "name"), "Global\\B")

    def test_rename_never_replaces(self):
        self.make("Global", "A", data=b"aaa")
        self.make("Global", "B", data=b"bbbb")
        self.assertErrno(errno.EEXIST, os.rename, self.p("Global", "A"), self.p("Global", "B"))
        self.assertEqual(self.read("Global", "A"), b"aaa")
        self.assertEqual(self.read("Global", "B"), b"bbbb")

    def test_mv_onto_an_existing_name_fails(self):
        self.make("Global", "A", data=b"aaa")
        self.make("Global", "B", data=b"bbbb")
        self.run_fails("mv", "-T", self.p("Global", "A"), self.p("Global", "B"))
        self.assertEqual(self.read("Global", "A"), b"aaa")
        self.assertEqual(self.read("Global", "B"), b"bbbb")

    def test_rename_moves_between_namespaces(self):
        self.make("Global", "A", data=b"travels")
        out = self.run_ok("sh", "-c", 'cat /proc/self/sessionid && mv "$1/Global/A" "$1/Local/A"',
                          "sh", self.p(), preexec_fn=in_new_login_session())
        sid = out.strip()
        self.assertFalse(os.path.exists(self.p("Global", "A")))
        moved = self.p("Sessions", sid, "A")
        self.assertEqual(self.read("Sessions", sid, "A"), b"travels")
        self.assertEqual(xattr(moved, "name"), "Session\\%s\\A" % sid)
        os.rename(moved, self.p("Global", "Back"))
        self.assertEqual(self.read("Global", "Back"), b"travels")
        self.assertEqual(xattr(self.p("Global", "Back"), "name"), "Global\\Back")


@in_both_data_paths
class NameTest(MountTestCase):

    def test_backslash_in_file_name_is_slash_in_windows_name(self):
        path = self.make("Global", "a\\b", data=b"x")
        self.assertEqual(xattr(path, "name"), "Global\\a/b")
        self.assertIn("a\\b", os.listdir(self.p("Global")))

    def test_names_are_case_sensitive(self):
        self.make("Global", "name", data=b"lower")
        self.make("Global", "NAME", data=b"upper")
        self.assertEqual(self.read("Global", "name"), b"lower")
        self.assertEqual(self.read("Global", "NAME"), b"upper")

    def test_255_byte_name_works(self):
        path = self.make("Global", "n" * 255, data=b"long")
        self.assertEqual(self.read("Global", "n" * 255), b"long")
        self.assertEqual(xattr(path, "name"), "Global\\" + "n" * 255)

    def test_name_too_long(self):
        self.assertOpenFails(errno.ENAMETOOLONG, self.p("Global", "n" * 256),
                             os.O_RDWR | os.O_CREAT, 0o644)
        self.assertNotIn("n" * 256, os.listdir(self.p("Global")))

    def test_rename_to_a_name_too_long(self):
        self.make("Global", "Short", data=b"s")
        self.assertErrno(errno.ENAMETOOLONG, os.rename, self.p("Global", "Short"),
                         self.p("Global", "n" * 256))
        self.assertEqual(self.read("Global", "Short"), b"s")


@in_both_data_paths
class RefusalTest(MountTestCase):

    def test_mkdir_is_eperm(self):
        self.assertErrno(errno.EPERM, os.mkdir, self.p("Global", "dir"))
        self.assertErrno(errno.EPERM, os.mkdir, self.p("Staging", "dir"))

    def test_mknod_of_a_device_is_eperm(self):
        self.assertErrno(errno.EPERM, os.mknod, self.p("Global", "null"),
                         stat.S_IFCHR | 0o666, os.makedev(1, 3))
        self.assertErrno(errno.EPERM, os.mknod, self.p("Global", "fifo"), stat.S_IFIFO | 0o666)
        self.assertEqual(sorted(os.listdir(self.p("Global"))), ["Global", "Local", "Session"])

    def test_symlink_is_eperm(self):
        self.assertErrno(errno.EPERM, os.symlink, "target", self.p("Global", "link"))

    def test_link_is_eperm(self):
        self.make("Global", "A")
        self.assertErrno(errno.EPERM, os.link, self.p("Global", "A"), self.p("Global", "B"))
        self.assertFalse(os.path.exists(self.p("Global", "B")))

    def test_reserved_names_cannot_be_created_as_sections(self):
        for name in ("Global", "Local", "Session"):
            with self.subTest(name=name):
                with self.assertRaises(OSError):
                    os.close(os.open(self.p("Global", name),
                                     os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644))
                with self.assertRaises(OSError):
                    os.close(os.open(self.p("Global", name), os.O_RDWR | os.O_CREAT, 0o644))
                self.assertTrue(stat.S_ISLNK(os.lstat(self.p("Global", name)).st_mode))

    def test_reserved_names_cannot_be_renamed_onto_or_unlinked(self):
        self.make("Global", "A", data=b"a")
        for name in ("Global", "Local", "Session"):
            with self.subTest(name=name):
                with self.assertRaises(OSError):
                    os.rename(self.p("Global", "A"), self.p("Global", name))
                with self.assertRaises(OSError):
                    os.unlink(self.p("Global", name))
                self.assertTrue(stat.S_ISLNK(os.lstat(self.p("Global", name)).st_mode))
        self.assertEqual(self.read("Global", "A"), b"a")

    def test_root_layout_cannot_be_changed(self):
        self.assertRaises(OSError, os.rmdir, self.p("Global"))
        self.assertRaises(OSError, os.unlink, self.p("Local"))
        self.assertRaises(OSError, os.rename, self.p("Staging"), self.p("Other"))
        self.assertRaises(OSError, os.open, self.p("NewFile"), os.O_RDWR | os.O_CREAT, 0o644)
        self.assertEqual(sorted(os.listdir(self.p())), ["Global", "Local", "Sessions", "Staging"])


@in_both_data_paths
class XattrTest(MountTestCase):

    def test_getfattr_shows_every_attribute(self):
        path = self.make("Global", "Greeting", data=b"hello\n")
        wait_handles(path, 0)
        out = self.run_ok("getfattr", "-d", "-m", "user.section", "--absolute-names", path)
        got = dict(l.split("=", 1) for l in out.splitlines() if "=" in l)
        self.assertEqual(got, {
            "user.section.attributes": '"SEC_COMMIT"',
            "user.section.backing": '"pagefile"',
            "user.section.handles": '"0"',
            "user.section.lifetime": '"permanent"',
            "user.section.name": '"Global\\\\Greeting"',
            "user.section.protect": '"PAGE_READWRITE"',
            "user.section.type": '"section"',
            "user.section.views": '"0"',
        })

    def test_listxattr_names(self):
        path = self.make("Global", "X")
        self.assertEqual(sorted(os.listxattr(path)), sorted(
            "user.section." + n for n in
            ("name", "protect", "attributes", "backing", "handles", "views", "lifetime",
             "type")))

    def test_getxattr_values(self):
        path = self.make("Global", "X", data=b"1")
        wait_handles(path, 0)
        self.assertEqual(xattr(path, "name"), "Global\\X")
        self.assertEqual(xattr(path, "protect"), "PAGE_READWRITE")
        self.assertEqual(xattr(path, "attributes"), "SEC_COMMIT")
        self.assertEqual(xattr(path, "backing"), "pagefile")
        self.assertEqual(xattr(path, "lifetime"), "permanent")
        self.assertEqual(xattr(path, "views"), "0")

    def test_handles_counts_open_files(self):
        path = self.make("Global", "H")
        wait_handles(path, 0)
        fds = [os.open(path, os.O_RDONLY)]
        self.assertEqual(xattr(path, "handles"), "1")
        fds.append(os.open(path, os.O_RDWR))
        fds.append(os.open(path, os.O_RDONLY))
        self.assertEqual(xattr(path, "handles"), "3")
        dup = os.dup(fds[0])   # the same open file: not another handle
        self.assertEqual(xattr(path, "handles"), "3")
        os.close(dup)
        os.close(fds.pop())
        wait_handles(path, 2)
        for fd in fds:
            os.close(fd)
        wait_handles(path, 0)

    def test_handles_of_another_process(self):
        path = self.make("Global", "H", data=b"some bytes")
        wait_handles(path, 0)
        child = self.spawn(HOLDER, path)
        child.expect("mapped")
        self.assertEqual(xattr(path, "handles"), "1")
        child.send()
        child.recv()
        child.finish()
        wait_handles(path, 0)

    def test_unknown_xattr_is_enodata(self):
        path = self.make("Global", "X")
        self.assertErrno(errno.ENODATA, os.getxattr, path, "user.section.nothing")
        self.assertErrno(errno.ENODATA, os.getxattr, path, "user.other")

    def test_setxattr_on_a_published_section_is_eperm(self):
        path = self.make("Global", "X")
        for name, value in (("protect", b"PAGE_READONLY"), ("attributes", b"SEC_RESERVE"),
                            ("lifetime", b"temporary"), ("protect", b"PAGE_READWRITE")):
            with self.subTest(name=name, value=value):
                self.assertErrno(errno.EPERM, os.setxattr, path, "user.section." + name, value)
        self.assertEqual(xattr(path, "protect"), "PAGE_READWRITE")
        self.assertEqual(xattr(path, "attributes"), "SEC_COMMIT")
        self.assertEqual(xattr(path, "lifetime"), "permanent")

    def test_setfattr_on_a_published_section_fails(self):
        path = self.make("Global", "X")
        self.run_fails("setfattr", "-n", "user.section.protect", "-v", "PAGE_READONLY", path)
        self.assertEqual(xattr(path, "protect"), "PAGE_READWRITE")

    def test_read_only_facts_cannot_be_set(self):
        path = self.make("Global", "X")
        for name in ("name", "handles", "views", "backing"):
            with self.subTest(name=name):
                self.assertErrno(errno.EPERM, os.setxattr, path, "user.section." + name, b"1")
        with self.assertRaises(OSError):
            os.removexattr(path, "user.section.protect")
        self.assertEqual(xattr(path, "protect"), "PAGE_READWRITE")


if __name__ == "__main__":
    sfstest.main()
