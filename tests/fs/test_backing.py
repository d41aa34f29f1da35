"""File-backed sections through the mount (README, "File-backed sections"): a staged section is
put over a file the caller has open by setting user.section.backing to "fd:N[:SIZE]"; the file's
data is then the section's.  In passthrough mode such a section is staged with O_DIRECT."""
import errno
import mmap
import os
import tempfile

import sfstest
from sfstest import MountTestCase, become_view, in_both_data_paths, xattr

CONTENTS = b"file contents " * 100


@in_both_data_paths
class BackingTest(MountTestCase):

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.TemporaryDirectory(prefix="sectionfs-backing-")
        self.addCleanup(self.tmp.cleanup)
        self.fds = []
        self.addCleanup(lambda: [os.close(fd) for fd in self.fds])

    def file(self, data=CONTENTS, flags=os.O_RDWR):
        path = os.path.join(self.tmp.name, "f%d" % len(self.fds))
        with open(path, "wb") as f:
            f.write(data)
        fd = os.open(path, flags)
        self.fds.append(fd)
        return path, fd

    def stage(self, name, flags=os.O_DIRECT):
        path = self.p("Staging", name)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | flags, 0o644)
        self.fds.append(fd)
        return path, fd

    def back(self, fd, value):
        os.setxattr(fd, "user.section.backing", value.encode())

    def test_section_over_a_file_has_the_files_data_and_size(self):
        fpath, ffd = self.file()
        stage, fd = self.stage("b")
        self.back(fd, "fd:%d" % ffd)
        self.assertEqual(os.fstat(fd).st_size, len(CONTENTS))
        self.assertEqual(xattr(stage, "backing"), fpath)
        self.assertEqual(xattr(stage, "attributes"), "SEC_FILE")
        os.rename(stage, self.p("Global", "F"))
        self.assertEqual(self.read("Global", "F"), CONTENTS)
        self.assertEqual(xattr(self.p("Global", "F"), "backing"), fpath)

    def test_a_map_made_with_no_stat_after_the_attach_has_the_files_size(self):
        # The kernel must know the file's size without being asked: a program that knows the
        # size maps without a stat, and a fault past the size the kernel knows is SIGBUS.
        # (default_permissions used to make every open ask; the daemon now tells the kernel.)
        data = bytes(range(256)) * 48          # 12 KiB: three pages
        fpath, ffd = self.file(data)
        stage, fd = self.stage("nostat")
        self.back(fd, "fd:%d" % ffd)
        final = self.p("Global", "NoStat")
        os.rename(stage, final)
        code = (
            "import ctypes, os, sys\n"
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            "libc.mmap.restype = ctypes.c_void_p\n"
            "libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,"
            " ctypes.c_int, ctypes.c_long]\n"
            "for path in sys.argv[1:]:\n"
            "    fd = os.open(path, os.O_RDONLY)\n"
            "    p = libc.mmap(None, 12288, 1, 1, fd, 0)\n"   # PROT_READ, MAP_SHARED
            "    assert p not in (None, ctypes.c_void_p(-1).value), ctypes.get_errno()\n"
            "    print(ctypes.string_at(p + 12287, 1).hex(), flush=True)\n")
        # the creator, whose kernel inode saw the staged size 0, and another process
        out = self.python_ok(code, final, final)
        self.assertEqual(out.split(), ["ff", "ff"])

    def test_writes_through_the_mount_reach_the_file(self):
        fpath, ffd = self.file()
        stage, fd = self.stage("b")
        self.back(fd, "fd:%d" % ffd)
        os.rename(stage, self.p("Global", "F"))
        w = os.open(self.p("Global", "F"), os.O_RDWR)
        try:
            os.pwrite(w, b"CHANGED", 0)
        finally:
            os.close(w)
        with open(fpath, "rb") as f:
            self.assertEqual(f.read(), b"CHANGED" + CONTENTS[7:])

    def test_growing_the_section_grows_the_file(self):
        fpath, ffd = self.file()
        stage, fd = self.stage("b")
        self.back(fd, "fd:%d" % ffd)
        os.rename(stage, self.p("Global", "F"))
        os.truncate(self.p("Global", "F"), 5000)
        self.assertEqual(os.stat(fpath).st_size, 5000)
        self.assertEqual(self.read("Global", "F"), CONTENTS + bytes(5000 - len(CONTENTS)))

    def test_size_given_grows_an_empty_file(self):
        fpath, ffd = self.file(b"")
        stage, fd = self.stage("b")
        self.back(fd, "fd:%d:8192" % ffd)
        self.assertEqual(os.fstat(fd).st_size, 8192)
        self.assertEqual(os.stat(fpath).st_size, 8192)

    def test_empty_file_without_a_size_is_einval(self):
        _, ffd = self.file(b"")
        stage, fd = self.stage("b")
        self.assertErrno(errno.EINVAL, self.back, fd, "fd:%d" % ffd)
        self.assertEqual(xattr(stage, "backing"), "pagefile")

    def test_read_only_file_cannot_back_a_read_write_section(self):
        _, ro = self.file(flags=os.O_RDONLY)
        stage, fd = self.stage("b")
        self.assertErrno(errno.EACCES, self.back, fd, "fd:%d" % ro)
        self.assertEqual(xattr(stage, "backing"), "pagefile")
        os.setxattr(fd, "user.section.protect", b"PAGE_READONLY")
        self.back(fd, "fd:%d" % ro)
        self.assertEqual(os.fstat(fd).st_size, len(CONTENTS))

    def test_a_file_on_the_mount_cannot_back_a_section(self):
        inside = self.make("Global", "Inside", data=b"on the mount")
        ifd = os.open(inside, os.O_RDWR)
        self.fds.append(ifd)
        stage, fd = self.stage("b")
        with self.assertRaises(OSError):
            self.back(fd, "fd:%d" % ifd)
        self.assertEqual(xattr(stage, "backing"), "pagefile")

    def test_bad_values_are_einval(self):
        stage, fd = self.stage("b")
        for value in ("3", "fd:", "fd:x", "fd:3:y", "path:/etc/passwd"):
            with self.subTest(value=value):
                self.assertErrno(errno.EINVAL, self.back, fd, value)

    def test_a_descriptor_the_caller_does_not_have_is_ebadf(self):
        stage, fd = self.stage("b")
        self.assertErrno(errno.EBADF, self.back, fd, "fd:999999")

    def test_backing_is_fixed_after_publication(self):
        _, ffd = self.file()
        path = self.make("Global", "Published", data=b"x")
        self.assertErrno(errno.EPERM, os.setxattr, path, "user.section.backing",
                         b"fd:%d" % ffd)
        self.assertEqual(xattr(path, "backing"), "pagefile")

    def test_staging_without_o_direct_in_passthrough_mode_is_ebusy(self):
        _, ffd = self.file()
        stage, fd = self.stage("b", flags=0)
        if self.data_path == "passthrough":
            self.assertErrno(errno.EBUSY, self.back, fd, "fd:%d" % ffd)
            self.assertEqual(xattr(stage, "backing"), "pagefile")
        else:
            self.back(fd, "fd:%d" % ffd)
            self.assertEqual(os.fstat(fd).st_size, len(CONTENTS))

    def test_the_root_tells_how_many_sections_are_over_a_file(self):
        """E36 across processes: winmap asks the mount's root before it cuts a file."""
        _, ffd = self.file()
        st = os.fstat(ffd)
        name = "user.section.file_sections.%d.%d" % (st.st_dev, st.st_ino)
        self.assertEqual(os.getxattr(self.p(), name), b"0")
        stage, fd = self.stage("b")
        self.back(fd, "fd:%d" % ffd)
        self.assertEqual(os.getxattr(self.p(), name), b"1")   # staged: a section already
        os.rename(stage, self.p("Global", "F"))
        self.assertEqual(os.getxattr(self.p(), name), b"1")
        view = os.open(self.p("Global", "F"), os.O_RDONLY)
        self.fds.append(view)
        self.assertEqual(become_view(view), 0)    # result: ERROR_SUCCESS
        self.assertEqual(os.getxattr(self.p(), name), b"1")
        os.unlink(self.p("Global", "F"))
        self.assertEqual(os.getxattr(self.p(), name), b"0")   # nameless now
        for bad in ("user.section.file_sections.x", "user.section.mapped_end.%d.%d"
                    % (st.st_dev, st.st_ino)):
            self.assertErrno(errno.ENODATA, os.getxattr, self.p(), bad)

    def publish_over(self, data=CONTENTS, size=None, name="Live"):
        fpath, ffd = self.file(data)
        stage, fd = self.stage("b")
        self.back(fd, "fd:%d" % ffd if size is None else "fd:%d:%d" % (ffd, size))
        os.rename(stage, self.p("Global", name))
        return fpath, ffd, self.p("Global", name)

    def test_a_file_written_behind_the_daemon_is_seen_live_or_at_the_next_open(self):
        """The Wine bridge's case: another process writes the backing file itself."""
        fpath, ffd, path = self.publish_over()
        reader = os.open(path, os.O_RDWR)
        self.fds.append(reader)
        view = mmap.mmap(reader, len(CONTENTS))
        self.addCleanup(view.close)
        self.assertEqual(view[:4], b"file")
        os.pwrite(ffd, b"BEHIND", 0)                    # not through the mount
        # a fresh open always sees it (cached mode drops what it cached at each open)
        self.assertEqual(self.read("Global", "Live")[:6], b"BEHIND")
        if self.data_path == "passthrough":
            # served from the file itself: an existing map and open file see it at once,
            # and what they write is in the file at once
            self.assertEqual(view[:6], b"BEHIND")
            self.assertEqual(os.pread(reader, 6, 0), b"BEHIND")
            view[0:5] = b"MOUNT"
            self.assertEqual(os.pread(ffd, 5, 0), b"MOUNT")

    def test_writing_past_the_end_grows_the_section_and_its_file(self):
        fpath, ffd, path = self.publish_over()
        w = os.open(path, os.O_RDWR)
        self.fds.append(w)
        os.pwrite(w, b"tail", len(CONTENTS) + 100)
        self.assertEqual(os.stat(path).st_size, len(CONTENTS) + 104)
        self.assertEqual(os.stat(fpath).st_size, len(CONTENTS) + 104)
        with open(fpath, "rb") as f:
            self.assertEqual(f.read()[-4:], b"tail")

    def test_a_bare_map_of_a_file_backed_section_stops_a_cut(self):
        """E36 with the section served from its file: in passthrough mode the map holds the
        backing file, not the mount's, so only the daemon's map guard can see it."""
        fpath, ffd = self.file()
        stage, fd = self.stage("b")
        self.back(fd, "fd:%d" % ffd)
        path = self.p("Global", "Cut")
        os.rename(stage, path)
        self.fds.remove(fd)
        os.close(fd)                                     # a permanent section: it stays
        child = self.spawn(
            "import mmap, os, sys\n"
            "fd = os.open(sys.argv[1], os.O_RDWR)\n"
            "m = mmap.mmap(fd, %d)\n"
            "os.close(fd)\n"
            "print('mapped', flush=True)\n"
            "sys.stdin.readline()\n"
            "m[0:1] = b'!'\n"
            "print(m[:4].decode(), flush=True)\n" % len(CONTENTS), path)
        child.expect("mapped")
        self.assertErrno(errno.EBUSY, os.truncate, path, 10)
        self.assertEqual(os.stat(path).st_size, len(CONTENTS))
        self.assertEqual(os.stat(fpath).st_size, len(CONTENTS))
        child.send()
        self.assertEqual(child.recv(), "!ile")
        rc, _, err = child.finish()
        self.assertEqual(rc, 0, err)
        os.truncate(path, 10)                             # no map now: allowed
        self.assertEqual(os.stat(fpath).st_size, 10)

    def test_a_section_smaller_than_its_file_shows_only_itself(self):
        fpath, ffd, path = self.publish_over(size=100)
        self.assertEqual(os.stat(path).st_size, 100)
        self.assertEqual(self.read("Global", "Live"), CONTENTS[:100])
        r = os.open(path, os.O_RDONLY)
        self.fds.append(r)
        self.assertEqual(os.pread(r, 4096, 0), CONTENTS[:100])
        self.assertEqual(os.pread(r, 10, 100), b"")


if __name__ == "__main__":
    sfstest.main()
