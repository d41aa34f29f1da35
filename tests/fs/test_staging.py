"""Staging/: sections built out of sight and published atomically by rename; their protection,
attributes and lifetime are set while staged and fixed after; temporary sections."""
import errno
import mmap
import os

import sfstest
from sfstest import (MountTestCase, in_both_data_paths, staged_create, wait_handles, wait_until,
                     xattr)

PAGE = 4096


@in_both_data_paths
class StagingTest(MountTestCase):

    def stage(self, name="s.tmp", data=b"", flags=0):
        """Creates Staging/name and returns (path, fd); the fd is closed at cleanup unless the
        test closed it with self.close()."""
        path = self.p("Staging", name)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | flags, 0o644)
        if not hasattr(self, "fds"):
            self.fds = set()
            self.addCleanup(lambda: [os.close(f) for f in self.fds])
        self.fds.add(fd)
        if data:
            os.write(fd, data)
        return path, fd

    def close(self, fd):
        self.fds.discard(fd)
        os.close(fd)

    def test_staged_section_is_not_visible_before_publication(self):
        stage, fd = self.stage(data=b"half made")
        os.ftruncate(fd, 3 * PAGE)
        self.assertEqual(os.listdir(self.p("Staging")), ["s.tmp"])
        self.assertNotIn("Telemetry", os.listdir(self.p("Global")))
        self.assertFalse(os.path.exists(self.p("Global", "Telemetry")))
        os.rename(stage, self.p("Global", "Telemetry"))
        self.assertEqual(os.listdir(self.p("Staging")), [])
        self.assertIn("Telemetry", os.listdir(self.p("Global")))
        data = self.read("Global", "Telemetry")
        self.assertEqual(data, b"half made" + bytes(3 * PAGE - 9))
        self.assertEqual(xattr(self.p("Global", "Telemetry"), "name"), "Global\\Telemetry")

    def test_staged_section_has_no_windows_name(self):
        stage, fd = self.stage()
        self.assertErrno(errno.ENODATA, os.getxattr, stage, "user.section.name")
        self.assertNotIn("user.section.name", os.listxattr(stage))

    def test_publication_onto_an_existing_name_is_eexist_and_changes_nothing(self):
        existing = staged_create(self.mount, "Global", "Name", data=b"first one",
                                 protect="PAGE_READONLY")
        stage, fd = self.stage(data=b"second one, longer", flags=os.O_DIRECT)
        os.setxattr(fd, "user.section.protect", b"PAGE_WRITECOPY")
        self.assertErrno(errno.EEXIST, os.rename, stage, existing)
        self.assertEqual(self.read("Global", "Name"), b"first one")
        self.assertEqual(xattr(existing, "protect"), "PAGE_READONLY")
        self.assertEqual(os.stat(existing).st_size, 9)
        self.assertEqual(os.listdir(self.p("Staging")), ["s.tmp"])

    def test_staged_section_closed_without_publishing_disappears(self):
        stage, fd = self.stage(data=b"abandoned")
        self.close(fd)
        wait_until(lambda: os.listdir(self.p("Staging")) == [], "the staged section to go")
        self.assertOpenFails(errno.ENOENT, stage, os.O_RDONLY)
        wait_until(lambda: not os.path.exists(stage), "the kernel to forget the staged name")

    def test_staged_section_of_a_dead_creator_disappears(self):
        self.python_ok("import os, sys\n"
                       "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)\n"
                       "os.write(fd, b'x' * 10000)\n"
                       "os._exit(0)\n", self.p("Staging", "dead.tmp"))
        wait_until(lambda: os.listdir(self.p("Staging")) == [], "the staged section to go")
        wait_until(lambda: not os.path.exists(self.p("Staging", "dead.tmp")),
                   "the kernel to forget the staged name")
        self.assertEqual(sorted(os.listdir(self.p("Global"))), ["Global", "Local", "Session"])

    def test_nothing_can_be_renamed_into_staging(self):
        path = self.make("Global", "G", data=b"published")
        with self.assertRaises(OSError) as cm:
            os.rename(path, self.p("Staging", "back"))
        self.assertIn(cm.exception.errno, (errno.EACCES, errno.EPERM))
        self.assertEqual(self.read("Global", "G"), b"published")
        self.assertEqual(os.listdir(self.p("Staging")), [])

    def test_rename_within_staging_keeps_it_staged(self):
        stage, fd = self.stage(data=b"abc")
        os.rename(stage, self.p("Staging", "other.tmp"))
        os.setxattr(fd, "user.section.protect", b"PAGE_READONLY")
        self.assertEqual(xattr(self.p("Staging", "other.tmp"), "protect"), "PAGE_READONLY")

    def test_staging_holds_no_links_so_their_names_are_ordinary(self):
        for link in ("Global", "Local", "Session"):
            self.assertErrno(errno.ENOENT, os.stat, self.p("Staging", link))
        self.assertNotIn("Global", os.listdir(self.p("Staging")))
        stage, fd = self.stage("Global", data=b"staged")
        self.assertEqual(os.stat(stage).st_size, 6)
        # ...but a link's name in a namespace that has the links is not a section's (B13)
        self.assertErrno(errno.EEXIST, os.rename, stage, self.p("Global", "Local"))
        os.rename(stage, self.p("Global", "FromGlobal"))
        self.assertEqual(self.read("Global", "FromGlobal"), b"staged")
        os.unlink(self.p("Global", "FromGlobal"))

    def test_origin_is_said_while_staged_and_kept(self):
        stage, fd = self.stage("o.tmp", data=b"x")
        self.assertErrno(errno.ENODATA, os.getxattr, stage, "user.section.origin")
        self.assertNotIn("user.section.origin", os.listxattr(stage))
        for bad in (b"two\nlines", b"bell\x07", b"x" * 1025):
            with self.subTest(bad=bad[:12]):
                self.assertErrno(errno.EINVAL, os.setxattr, fd, "user.section.origin", bad)
        os.setxattr(fd, "user.section.origin", b"wine:/home/u/.wine:4242")
        os.rename(stage, self.p("Global", "O"))
        path = self.p("Global", "O")
        self.assertEqual(xattr(path, "origin"), "wine:/home/u/.wine:4242")
        self.assertIn("user.section.origin", os.listxattr(path))
        self.assertErrno(errno.EPERM, os.setxattr, path, "user.section.origin", b"forged")
        self.assertEqual(xattr(path, "origin"), "wine:/home/u/.wine:4242")

    def test_origin_of_a_staged_section_is_its_creators_to_say(self):
        stage, fd = self.stage("p.tmp", data=b"x")
        os.chmod(stage, 0o666)
        code = ("import os, sys\n"
                "try:\n"
                "    os.setxattr(sys.argv[1], 'user.section.origin', b'forged')\n"
                "    print('set')\n"
                "except OSError as e:\n"
                "    print(e.errno)\n")
        out = sfstest.run_python(code, stage, preexec_fn=sfstest.as_user())
        self.assertEqual(out.stdout.strip(), str(errno.EACCES), out.stderr)
        self.assertErrno(errno.ENODATA, os.getxattr, stage, "user.section.origin")

    def test_setxattr_protect_while_staged(self):
        for value in ("PAGE_READONLY", "PAGE_WRITECOPY", "PAGE_EXECUTE_READ",
                      "PAGE_EXECUTE_READWRITE", "PAGE_EXECUTE_WRITECOPY", "PAGE_READWRITE"):
            with self.subTest(value=value):
                # README: a section that will be copy-on-write is staged with O_DIRECT.
                stage, fd = self.stage(name=value, flags=os.O_DIRECT)
                os.setxattr(stage, "user.section.protect", value.encode())
                self.assertEqual(xattr(stage, "protect"), value)

    def test_copy_on_write_needs_o_direct_staging_in_passthrough_mode_only(self):
        stage, fd = self.stage(data=b"plain open")
        if self.data_path == "passthrough":
            self.assertErrno(errno.EBUSY, os.setxattr, fd, "user.section.protect",
                             b"PAGE_WRITECOPY")
            self.assertEqual(xattr(stage, "protect"), "PAGE_READWRITE")
        else:
            os.setxattr(fd, "user.section.protect", b"PAGE_WRITECOPY")
            self.assertEqual(xattr(stage, "protect"), "PAGE_WRITECOPY")

    def test_o_direct_staged_copy_on_write_section_is_published_and_private(self):
        stage, fd = self.stage(data=b"shared bytes", flags=os.O_DIRECT)
        os.setxattr(fd, "user.section.protect", b"PAGE_WRITECOPY")
        os.rename(stage, self.p("Global", "WC"))
        self.close(fd)
        writer = os.open(self.p("Global", "WC"), os.O_RDWR)
        try:
            os.pwrite(writer, b"SHARED", 0)
            self.assertEqual(os.pread(writer, 12, 0), b"SHARED bytes")
        finally:
            os.close(writer)
        self.assertEqual(self.read("Global", "WC"), b"shared bytes")

    def test_setxattr_protect_with_sec_flags(self):
        stage, fd = self.stage()
        os.setxattr(fd, "user.section.protect", b"PAGE_READONLY|SEC_RESERVE")
        self.assertEqual(xattr(stage, "protect"), "PAGE_READONLY")
        self.assertEqual(xattr(stage, "attributes"), "SEC_RESERVE")

    def test_setxattr_attributes_while_staged(self):
        stage, fd = self.stage()
        for value in ("SEC_RESERVE", "SEC_COMMIT|SEC_NOCACHE", "SEC_COMMIT|SEC_WRITECOMBINE",
                      "SEC_COMMIT"):
            with self.subTest(value=value):
                os.setxattr(fd, "user.section.attributes", value.encode())
                self.assertEqual(xattr(stage, "attributes"), value)

    def test_invalid_protections_are_einval(self):
        stage, fd = self.stage()
        for value in (b"PAGE_EXECUTE", b"PAGE_NOACCESS", b"PAGE_READONLY|PAGE_READWRITE",
                      b"READONLY", b"", b"PAGE_READWRITE|SEC_RESERVE|SEC_COMMIT"):
            with self.subTest(value=value):
                self.assertErrno(errno.EINVAL, os.setxattr, fd, "user.section.protect", value)
        self.assertEqual(xattr(stage, "protect"), "PAGE_READWRITE")
        self.assertEqual(xattr(stage, "attributes"), "SEC_COMMIT")

    def test_invalid_attributes_are_einval(self):
        stage, fd = self.stage()
        for value in (b"SEC_RESERVE|SEC_COMMIT", b"SEC_NOCACHE|SEC_WRITECOMBINE|SEC_COMMIT",
                      b"PAGE_READONLY", b"bogus"):
            with self.subTest(value=value):
                self.assertErrno(errno.EINVAL, os.setxattr, fd, "user.section.attributes", value)
        self.assertEqual(xattr(stage, "attributes"), "SEC_COMMIT")
        self.assertEqual(xattr(stage, "protect"), "PAGE_READWRITE")

    def test_invalid_lifetime_is_einval(self):
        stage, fd = self.stage()
        for value in (b"forever", b"", b"Temporary"):
            with self.subTest(value=value):
                self.assertErrno(errno.EINVAL, os.setxattr, fd, "user.section.lifetime", value)
        self.assertEqual(xattr(stage, "lifetime"), "permanent")

    def test_setup_sets_protection_and_lifetime_in_one_request(self):
        stage, fd = self.stage()
        os.setxattr(fd, "user.section.setup", b"PAGE_READONLY|SEC_RESERVE temporary")
        self.assertEqual(xattr(stage, "protect"), "PAGE_READONLY")
        self.assertEqual(xattr(stage, "attributes"), "SEC_RESERVE")
        self.assertEqual(xattr(stage, "lifetime"), "temporary")
        os.setxattr(fd, "user.section.setup", b"0x4 permanent")   # as winmap writes it
        self.assertEqual(xattr(stage, "protect"), "PAGE_READWRITE")
        self.assertEqual(xattr(stage, "lifetime"), "permanent")

    def test_refused_setup_changes_nothing(self):
        stage, fd = self.stage()
        for value in (b"PAGE_READONLY forever", b"PAGE_READONLY", b"PAGE_BOGUS temporary",
                      b"temporary PAGE_READONLY", b""):
            with self.subTest(value=value):
                self.assertErrno(errno.EINVAL, os.setxattr, fd, "user.section.setup", value)
                self.assertEqual(xattr(stage, "protect"), "PAGE_READWRITE")
                self.assertEqual(xattr(stage, "lifetime"), "permanent")
        self.assertErrno(errno.ENODATA, os.getxattr, stage, "user.section.setup")   # write-only

    def test_setup_is_fixed_after_publication(self):
        stage, fd = self.stage()
        os.rename(stage, self.p("Global", "Published"))
        self.assertErrno(errno.EPERM, os.setxattr, fd, "user.section.setup", b"0x2 temporary")
        self.assertEqual(xattr(self.p("Global", "Published"), "protect"), "PAGE_READWRITE")

    def test_settings_are_fixed_after_publication(self):
        stage, fd = self.stage()
        os.setxattr(fd, "user.section.protect", b"PAGE_READONLY")
        os.setxattr(fd, "user.section.lifetime", b"permanent")
        os.rename(stage, self.p("Global", "P"))
        for name, value in (("protect", b"PAGE_READWRITE"), ("attributes", b"SEC_RESERVE"),
                            ("lifetime", b"temporary")):
            with self.subTest(name=name):
                self.assertErrno(errno.EPERM, os.setxattr, fd, "user.section." + name, value)
        self.assertEqual(xattr(self.p("Global", "P"), "protect"), "PAGE_READONLY")

    def test_staged_section_resizes_whatever_its_protection(self):
        stage, fd = self.stage(data=b"x" * 100)
        os.setxattr(fd, "user.section.protect", b"PAGE_READONLY")
        os.ftruncate(fd, 5 * PAGE)
        os.ftruncate(fd, 10)
        self.assertEqual(os.stat(stage).st_size, 10)
        os.rename(stage, self.p("Global", "RO"))
        self.assertErrno(errno.EACCES, os.truncate, self.p("Global", "RO"), 100)

    def test_creator_fills_a_readonly_section_before_and_after_publishing(self):
        stage, fd = self.stage(data=b"before")
        os.ftruncate(fd, PAGE)
        os.setxattr(fd, "user.section.protect", b"PAGE_READONLY")
        os.rename(stage, self.p("Global", "RO"))
        os.pwrite(fd, b"after", 6)
        m = mmap.mmap(fd, PAGE)
        m[11:14] = b"map"
        m.close()
        self.assertEqual(self.read("Global", "RO")[:14], b"beforeaftermap")
        self.assertOpenFails(errno.EACCES, self.p("Global", "RO"), os.O_RDWR)

    def test_staged_helper_sets_size_and_protection(self):
        path = staged_create(self.mount, "Global", "Telemetry", size=65536,
                             protect="PAGE_READONLY", data=b"initial contents")
        self.assertEqual(os.stat(path).st_size, 65536)
        self.assertEqual(self.read("Global", "Telemetry")[:16], b"initial contents")
        self.assertEqual(xattr(path, "protect"), "PAGE_READONLY")
        self.assertEqual(xattr(path, "lifetime"), "permanent")

    def test_publication_into_a_sessions_local_namespace(self):
        out = self.python_ok(
            "import os, sys\n"
            "m = sys.argv[1]\n"
            "stage = os.path.join(m, 'Staging', 'mine.tmp')\n"
            "fd = os.open(stage, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)\n"
            "os.write(fd, b'local section')\n"
            "os.setxattr(fd, 'user.section.protect', b'PAGE_READONLY')\n"
            "os.rename(stage, os.path.join(m, 'Local', 'MySharedMem'))\n"
            "os.close(fd)\n"
            "print(open('/proc/self/sessionid').read().strip())\n",
            self.p(), preexec_fn=sfstest.in_new_login_session())
        sid = out.strip()
        path = self.p("Sessions", sid, "MySharedMem")
        self.assertEqual(self.read("Sessions", sid, "MySharedMem"), b"local section")
        self.assertEqual(xattr(path, "name"), "Session\\%s\\MySharedMem" % sid)
        self.assertEqual(xattr(path, "protect"), "PAGE_READONLY")
        self.assertEqual(os.listdir(self.p("Staging")), [])


@in_both_data_paths
class TemporaryTest(MountTestCase):

    def publish_temporary(self, name, data=b"temp data"):
        stage = self.p("Staging", name + ".tmp")
        fd = os.open(stage, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, data)
        os.setxattr(fd, "user.section.lifetime", b"temporary")
        os.rename(stage, self.p("Global", name))
        return fd

    def test_lifetime_is_shown(self):
        fd = self.publish_temporary("T")
        try:
            self.assertEqual(xattr(self.p("Global", "T"), "lifetime"), "temporary")
        finally:
            os.close(fd)

    def test_name_disappears_when_the_last_open_file_closes(self):
        path = self.p("Global", "T")
        fd = self.publish_temporary("T")
        fd2 = os.open(path, os.O_RDONLY)
        os.close(fd)
        wait_handles(path, 1)
        self.assertTrue(os.path.exists(path))
        self.assertEqual(self.read("Global", "T"), b"temp data")
        wait_handles(path, 1)
        os.close(fd2)
        wait_until(lambda: "T" not in os.listdir(self.p("Global")), "the temporary name to go")
        wait_until(lambda: not os.path.exists(path), "the kernel to forget the name")
        self.assertOpenFails(errno.ENOENT, path, os.O_RDONLY)

    def test_name_stays_while_another_process_holds_it(self):
        path = self.p("Global", "T")
        fd = self.publish_temporary("T")
        child = self.spawn("import os, sys\nfd = os.open(sys.argv[1], os.O_RDONLY)\n"
                           "print('open', flush=True)\nsys.stdin.readline()\n", path)
        child.expect("open")
        os.close(fd)
        wait_handles(path, 1)
        self.assertEqual(self.read("Global", "T"), b"temp data")
        wait_handles(path, 1)
        child.finish()
        wait_until(lambda: not os.path.exists(path), "the temporary name to go")

    def test_name_can_be_reused_after_a_temporary_section_goes(self):
        path = self.p("Global", "T")
        os.close(self.publish_temporary("T"))
        wait_until(lambda: not os.path.exists(path), "the temporary name to go")
        self.make("Global", "T", data=b"new")
        self.assertEqual(self.read("Global", "T"), b"new")
        self.assertEqual(xattr(path, "lifetime"), "permanent")


if __name__ == "__main__":
    sfstest.main()
