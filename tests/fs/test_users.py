"""Users: the kernel checks permissions against the modes and owners shown, so another user
cannot read a 0600 section, cannot unlink someone else's section in the sticky Global, and
sections belong to whoever created them."""
import os
import stat

import sfstest
from sfstest import NOBODY, MountTestCase, as_user, wait_handles

# Runs as another user: performs one operation on a path and prints "ok" or the errno name.
TRY = r"""
import errno, os, sys
op, path = sys.argv[1], sys.argv[2]
try:
    if op == "read":
        with open(path, "rb") as f:
            f.read()
    elif op == "write":
        os.close(os.open(path, os.O_WRONLY))
    elif op == "unlink":
        os.unlink(path)
    elif op == "rename":
        os.rename(path, path + ".moved")
    elif op == "chmod":
        os.chmod(path, 0o666)
    elif op == "truncate":
        os.truncate(path, 0)
    elif op == "create":
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o640)
        os.write(fd, b"made by nobody")
        os.close(fd)
    print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])
"""


class UsersTest(MountTestCase):

    def as_nobody(self, op, path):
        return self.python_ok(TRY, op, path, preexec_fn=as_user()).strip()

    def test_nobody_cannot_read_roots_0600_section(self):
        path = self.make("Global", "Private", data=b"root only", mode=0o600)
        self.assertEqual(self.as_nobody("read", path), "EACCES")
        r = self.run_fails("cat", path, preexec_fn=as_user())
        self.assertIn("Permission denied", r)

    def test_nobody_can_read_roots_0644_section_but_not_write_it(self):
        path = self.make("Global", "Public", data=b"for all", mode=0o644)
        self.assertEqual(self.as_nobody("read", path), "ok")
        self.assertEqual(self.as_nobody("write", path), "EACCES")
        self.assertEqual(self.as_nobody("truncate", path), "EACCES")
        self.assertEqual(self.read("Global", "Public"), b"for all")

    def test_nobody_cannot_unlink_roots_section_in_global(self):
        path = self.make("Global", "Roots", data=b"stays", mode=0o666)
        self.assertIn(self.as_nobody("unlink", path), ("EPERM", "EACCES"))
        self.assertIn(self.as_nobody("rename", path), ("EPERM", "EACCES"))
        self.assertEqual(self.read("Global", "Roots"), b"stays")

    def test_nobody_cannot_chmod_roots_section(self):
        path = self.make("Global", "Roots", mode=0o644)
        self.assertEqual(self.as_nobody("chmod", path), "EPERM")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o644)

    def test_nobody_creates_its_own_section_in_global_and_root_reads_it(self):
        path = self.p("Global", "Nobodys")
        self.assertEqual(self.as_nobody("create", path), "ok")
        st = os.stat(path)
        self.assertEqual((st.st_uid, st.st_gid), (NOBODY, NOBODY))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o640)
        self.assertEqual(self.read("Global", "Nobodys"), b"made by nobody")

    def test_owner_and_mode_are_the_creators(self):
        path = self.make("Global", "Roots", mode=0o604)
        st = os.stat(path)
        self.assertEqual((st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)), (0, 0, 0o604))
        out = self.run_ok("stat", "-c", "%U %G %a", path)
        self.assertEqual(out.split(), ["root", "root", "604"])

    def test_owner_may_unlink_its_own_section_in_global(self):
        path = self.p("Global", "Nobodys")
        self.assertEqual(self.as_nobody("create", path), "ok")
        wait_handles(path, 0)
        self.assertEqual(self.as_nobody("unlink", path), "ok")
        self.assertFalse(os.path.exists(path))

    def test_nobodys_0600_section_is_closed_to_another_user(self):
        path = self.p("Global", "Nobodys")
        self.assertEqual(self.as_nobody("create", path), "ok")
        os.chmod(path, 0o600)
        out = self.python_ok(TRY, "read", path, preexec_fn=as_user(1000, 1000)).strip()
        self.assertEqual(out, "EACCES")
        self.assertEqual(self.read("Global", "Nobodys"), b"made by nobody")   # root may

    def test_open_creat_of_an_existing_section_checks_permissions(self):
        # open(O_CREAT) of an existing name is an open: nobody may not write root's 0644 one.
        path = self.make("Global", "Existing", data=b"root's", mode=0o644)
        out = self.python_ok(
            "import errno, os, sys\n"
            "try:\n"
            "    os.close(os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666)); print('ok')\n"
            "except OSError as e:\n"
            "    print(errno.errorcode[e.errno])\n", path, preexec_fn=as_user())
        self.assertEqual(out.strip(), "EACCES")
        self.assertEqual(self.read("Global", "Existing"), b"root's")


if __name__ == "__main__":
    sfstest.main()
