"""Permissions are the daemon's: the mount has no default_permissions (it cost a GETATTR of
the directory after every create and unlink), so every rule the kernel checked with it is
checked by sectionfs itself (fs/permissions.c), against the modes and owners stat shows.  Each
test runs real calls as another user and would pass the call through if the daemon's check
were missing (the sticky rule alone is also still checked by the VFS, on cached attributes)."""
import errno
import os
import stat

import sfstest
from sfstest import NOBODY, MountTestCase, as_user, chain, in_new_login_session

# Runs as another user: one operation per argument, "op:path[:arg]"; prints one "ok", "yes",
# "no", a mode or an errno name per operation.
TRY = r"""
import errno, os, sys
for spec in sys.argv[1:]:
    op, path, *rest = spec.split("|")
    arg = rest[0] if rest else None
    try:
        if op == "read":
            os.close(os.open(path, os.O_RDONLY))
        elif op == "write":
            os.close(os.open(path, os.O_WRONLY))
        elif op == "rdwr":
            os.close(os.open(path, os.O_RDWR))
        elif op == "rdonly_trunc":
            os.close(os.open(path, os.O_RDONLY | os.O_TRUNC))
        elif op == "creat":              # O_CREAT without O_EXCL: an open if it exists
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o666))
        elif op == "create":
            os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, int(arg or "644", 8)))
        elif op == "mknod":
            os.mknod(path, 0o644 | 0o100000)
        elif op == "mkdir":
            os.mkdir(path)
        elif op == "unlink":
            os.unlink(path)
        elif op == "rename":
            os.rename(path, arg)
        elif op == "chmod":
            os.chmod(path, int(arg, 8))
        elif op == "chown":
            os.chown(path, int(arg), -1)
        elif op == "chgrp":
            os.chown(path, -1, int(arg))
        elif op == "touch":               # utimes(NULL): owner or write permission
            os.utime(path, None)
        elif op == "utime":               # explicit times: owner only
            os.utime(path, (1, 1))
        elif op == "truncate":
            os.truncate(path, 0)
        elif op == "access":
            print("yes" if os.access(path, int(arg)) else "no")
            continue
        elif op == "getxattr":
            os.getxattr(path, arg)
        elif op == "setxattr":
            name, value = arg.split("=")
            os.setxattr(path, name, value.encode())
        elif op == "removexattr":
            os.removexattr(path, arg)
        elif op == "stat":
            os.stat(path)
        elif op == "list":
            os.listdir(path)
        elif op == "chdir":
            os.chdir(path)
        elif op == "mode":
            print(oct(os.stat(path).st_mode & 0o7777))
            continue
        print("ok")
    except OSError as e:
        print(errno.errorcode[e.errno])
"""


def in_groups(*groups, uid=NOBODY, gid=NOBODY):
    """preexec_fn: another user with these supplementary groups."""
    def become():
        os.setgroups(list(groups))
        os.setgid(gid)
        os.setuid(uid)
    return become


def drop_dentries():
    """Makes the kernel forget names it cached, so that the next open(O_CREAT) of one goes to
    the daemon as a CREATE (of a name that exists) rather than as an OPEN."""
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("2")


class PermissionTestCase(MountTestCase):

    def attempt(self, preexec, *ops):
        """Runs the ops ("op|path[|arg]") in a child started with preexec; their results."""
        return self.python_ok(TRY, *ops, preexec_fn=preexec).split()

    def as_nobody(self, *ops):
        return self.attempt(as_user(), *ops)

    def make_mode(self, name, mode, data=b""):
        """Global/name, root's, with exactly this mode (make's is cut by the umask)."""
        path = self.make("Global", name, data=data)
        os.chmod(path, mode)
        return path


class OpenTest(PermissionTestCase):

    def test_open_of_a_0600_section_by_another_user(self):
        path = self.make("Global", "Private", data=b"root's", mode=0o600)
        got = self.as_nobody("read|" + path, "write|" + path, "rdwr|" + path)
        self.assertEqual(got, ["EACCES"] * 3)

    def test_open_by_mode_class_owner_group_other(self):
        path = self.make("Global", "Grouped", data=b"x", mode=0o640)
        os.chown(path, 0, 4242)
        # other: nothing; a member of group 4242 (supplementary): read, not write
        self.assertEqual(self.as_nobody("read|" + path), ["EACCES"])
        self.assertEqual(self.attempt(in_groups(4242), "read|" + path, "write|" + path),
                         ["ok", "EACCES"])
        # the owner gets the owner's bits even where others get more
        os.chown(path, NOBODY, 4242)
        os.chmod(path, 0o066)
        self.assertEqual(self.as_nobody("read|" + path), ["EACCES"])
        self.assertEqual(self.attempt(as_user(1000, 1000), "rdwr|" + path), ["ok"])

    def test_o_trunc_needs_write_permission_even_read_only(self):
        path = self.make("Global", "Kept", data=b"must stay", mode=0o644)
        self.assertEqual(self.as_nobody("rdonly_trunc|" + path), ["EACCES"])
        self.assertEqual(self.read("Global", "Kept"), b"must stay")

    def test_o_creat_of_an_existing_section_without_permission(self):
        path = self.make("Global", "Existing", data=b"root's", mode=0o644)
        # the kernel knows the name: open(O_CREAT) is sent as an OPEN
        self.assertEqual(self.as_nobody("creat|" + path), ["EACCES"])
        # the kernel forgot it: it is sent as a CREATE of a name that exists
        drop_dentries()
        self.assertEqual(self.as_nobody("creat|" + path), ["EACCES"])
        self.assertEqual(self.read("Global", "Existing"), b"root's")

    def test_root_reads_and_writes_whatever_the_mode(self):
        path = self.make("Global", "Locked", data=b"x", mode=0o000)
        os.close(os.open(path, os.O_RDWR))


class CreateTest(PermissionTestCase):

    def test_create_in_a_directory_without_write_permission(self):
        # the mount's root is 0755, root's: another user gets EACCES where root gets EPERM
        got = self.as_nobody("create|" + self.p("New"), "mknod|" + self.p("New"),
                             "mkdir|" + self.p("NewDir"), "mkdir|" + self.p("Sessions", "9"))
        self.assertEqual(got, ["EACCES"] * 4)
        self.assertErrno(errno.EPERM, os.mknod, self.p("New"), 0o644 | stat.S_IFREG)
        self.assertErrno(errno.EPERM, os.mkdir, self.p("NewDir"))

    def test_create_in_global_is_for_everyone_directories_are_for_nobody(self):
        got = self.as_nobody("create|" + self.p("Global", "Mine"),
                             "mkdir|" + self.p("Global", "Dir"))
        self.assertEqual(got, ["ok", "EPERM"])


class SetattrTest(PermissionTestCase):

    def nobodys(self, name="Nobodys", mode="644"):
        path = self.p("Global", name)
        self.assertEqual(self.as_nobody("create|%s|%s" % (path, mode)), ["ok"])
        return path

    def test_chmod_only_by_the_owner(self):
        path = self.make_mode("Roots", 0o666)
        self.assertEqual(self.as_nobody("chmod|%s|777" % path), ["EPERM"])
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o666)
        mine = self.nobodys()
        self.assertEqual(self.as_nobody("chmod|%s|600" % mine), ["ok"])
        self.assertEqual(stat.S_IMODE(os.stat(mine).st_mode), 0o600)

    def test_chown_only_by_root(self):
        mine = self.nobodys()
        got = self.as_nobody("chown|%s|1000" % mine, "chown|%s|%d" % (mine, NOBODY))
        self.assertEqual(got, ["EPERM", "ok"])      # giving away: no; to itself: yes
        self.assertEqual(os.stat(mine).st_uid, NOBODY)
        os.chown(mine, 1000, -1)
        self.assertEqual(os.stat(mine).st_uid, 1000)

    def test_chgrp_only_to_a_group_the_owner_is_in(self):
        mine = self.nobodys()
        got = self.attempt(in_groups(4242), "chgrp|%s|4343" % mine, "chgrp|%s|4242" % mine)
        self.assertEqual(got, ["EPERM", "ok"])
        self.assertEqual(os.stat(mine).st_gid, 4242)
        # a member of the group who is not the owner may not
        self.assertEqual(self.attempt(in_groups(4242, uid=1000, gid=1000),
                                      "chgrp|%s|4242" % mine), ["EPERM"])

    def test_chmod_g_plus_s_keeps_no_set_group_id(self):
        # sections keep no set-id bits at all (README, "Permissions"), for members and others
        mine = self.nobodys()
        os.chown(mine, -1, 4242)
        self.assertEqual(self.as_nobody("chmod|%s|2755" % mine, "mode|" + mine),
                         ["ok", "0o755"])
        self.assertEqual(self.attempt(in_groups(4242), "chmod|%s|2755" % mine, "mode|" + mine),
                         ["ok", "0o755"])

    def test_a_write_by_another_user_of_a_file_chmod_6777(self):
        # no set-id bit is kept, so the write has nothing to clear and nothing to refuse
        path = self.make_mode("SetId", 0o6777)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o777)
        self.assertEqual(self.as_nobody("write|" + path), ["ok"])
        out = self.python_ok("import os, sys\nfd = os.open(sys.argv[1], os.O_WRONLY)\n"
                             "print(os.write(fd, b'abc'))\n", path, preexec_fn=as_user())
        self.assertEqual(out.strip(), "3")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o777)
        self.assertEqual(self.read("Global", "SetId"), b"abc")
        # a chmod is still the owner's
        self.assertEqual(self.as_nobody("chmod|%s|666" % path), ["EPERM"])

    def test_times(self):
        shared = self.make_mode("Shared", 0o666)
        readonly = self.make("Global", "ReadOnly", mode=0o644)
        got = self.as_nobody("touch|" + shared, "utime|" + shared, "touch|" + readonly,
                             "utime|" + readonly)
        self.assertEqual(got, ["ok", "EPERM", "EACCES", "EPERM"])
        mine = self.nobodys(mode="444")
        self.assertEqual(self.as_nobody("touch|" + mine, "utime|" + mine), ["ok", "ok"])

    def test_truncate_needs_write_permission(self):
        path = self.make("Global", "Kept", data=b"must stay", mode=0o644)
        self.assertEqual(self.as_nobody("truncate|" + path), ["EACCES"])
        self.assertEqual(self.read("Global", "Kept"), b"must stay")
        shared = self.make_mode("Shared", 0o646, data=b"goes")
        self.assertEqual(self.as_nobody("truncate|" + shared), ["ok"])
        self.assertEqual(os.stat(shared).st_size, 0)


class StickyTest(PermissionTestCase):

    def test_unlink_and_rename_of_another_users_section_in_global(self):
        roots = self.make_mode("Roots", 0o666, data=b"stays")
        got = self.as_nobody("unlink|" + roots, "rename|%s|%s" % (roots, roots + ".moved"))
        self.assertEqual(got, ["EPERM", "EPERM"])
        # between two users, neither root
        theirs = self.p("Global", "Theirs")
        self.assertEqual(self.attempt(as_user(1000, 1000), "create|%s|666" % theirs), ["ok"])
        self.assertEqual(self.as_nobody("unlink|" + theirs), ["EPERM"])
        self.assertEqual(self.read("Global", "Roots"), b"stays")
        self.assertTrue(os.path.exists(theirs))

    def test_renaming_over_another_users_section(self):
        self.make_mode("Roots", 0o666)
        mine = self.p("Global", "Mine")
        self.assertEqual(self.as_nobody("create|" + mine,
                                        "rename|%s|%s" % (mine, self.p("Global", "Roots"))),
                         ["ok", "EPERM"])

    def test_the_owner_and_root_may(self):
        mine = self.p("Global", "Mine")
        got = self.as_nobody("create|" + mine, "rename|%s|%s" % (mine, mine + "2"),
                             "unlink|" + mine + "2")
        self.assertEqual(got, ["ok", "ok", "ok"])
        self.assertEqual(self.as_nobody("create|" + mine), ["ok"])
        sfstest.wait_handles(mine, 0)
        os.unlink(mine)

    def test_the_layout_is_the_mount_owners(self):
        got = self.as_nobody("unlink|" + self.p("Global", "Local"), "unlink|" + self.p("Local"),
                             "rename|%s|%s" % (self.p("Staging"), self.p("S2")))
        self.assertEqual(got, ["EPERM", "EACCES", "EACCES"])


class AccessTest(PermissionTestCase):
    """access(2) reaches the daemon (FUSE_ACCESS) now that the kernel does not answer it."""

    def test_access_for_owner_group_other_and_root(self):
        path = self.make("Global", "F", mode=0o640)
        os.chown(path, NOBODY, 4242)
        probe = ["access|%s|%d" % (path, m) for m in (os.F_OK, os.R_OK, os.W_OK, os.X_OK)]
        self.assertEqual(self.as_nobody(*probe), ["yes", "yes", "yes", "no"])
        self.assertEqual(self.attempt(in_groups(4242, uid=1000, gid=1000), *probe),
                         ["yes", "yes", "no", "no"])
        self.assertEqual(self.attempt(as_user(1000, 1000), *probe), ["yes", "no", "no", "no"])
        # root: all but executing a file no x bit allows
        self.assertEqual([os.access(path, m) for m in (os.R_OK, os.W_OK, os.X_OK)],
                         [True, True, False])
        os.chmod(path, 0o641)
        self.assertTrue(os.access(path, os.X_OK))

    def test_access_of_directories(self):
        got = self.as_nobody("access|%s|%d" % (self.p(), os.W_OK),
                             "access|%s|%d" % (self.p(), os.R_OK | os.X_OK),
                             "access|%s|%d" % (self.p("Global"), os.W_OK | os.X_OK))
        self.assertEqual(got, ["no", "yes", "yes"])


class XattrTest(PermissionTestCase):
    """user.* attributes need read permission to get and write permission to set or remove."""

    def test_getxattr_needs_read_permission(self):
        path = self.make("Global", "Private", mode=0o600)
        got = self.as_nobody("getxattr|%s|user.section.protect" % path,
                             "getxattr|%s|user.section.handles" % path)
        self.assertEqual(got, ["EACCES", "EACCES"])
        os.chmod(path, 0o604)
        self.assertEqual(self.as_nobody("getxattr|%s|user.section.protect" % path), ["ok"])

    def test_setxattr_needs_write_permission(self):
        # the creator's own staged section (held open: a staged section lives while held),
        # made read-only: its attributes do not change, as its data would not
        out = self.python_ok(
            "import errno, os, sys\n"
            "p = sys.argv[1]\n"
            "fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_DIRECT, 0o444)\n"
            "def attempt(fn, *a):\n"
            "    try:\n"
            "        fn(*a); print('ok')\n"
            "    except OSError as e:\n"
            "        print(errno.errorcode[e.errno])\n"
            "attempt(os.setxattr, p, 'user.section.protect', b'PAGE_READONLY')\n"
            "attempt(os.setxattr, fd, 'user.section.lifetime', b'permanent')\n"
            "attempt(os.removexattr, p, 'user.section.protect')\n"
            "os.fchmod(fd, 0o644)\n"
            "attempt(os.setxattr, p, 'user.section.protect', b'PAGE_READONLY')\n"
            "print(os.getxattr(fd, 'user.section.protect').decode())\n",
            self.p("Staging", "s"), preexec_fn=as_user())
        self.assertEqual(out.split(), ["EACCES", "EACCES", "EACCES", "ok", "PAGE_READONLY"])

    def test_setxattr_of_another_users_published_section(self):
        path = self.make("Global", "Roots", mode=0o644)
        got = self.as_nobody("setxattr|%s|user.section.protect=PAGE_READONLY" % path,
                             "setxattr|%s|user.other=x" % path)
        self.assertEqual(got, ["EACCES", "EACCES"])
        os.chmod(path, 0o666)     # then the section's own rules answer
        got = self.as_nobody("setxattr|%s|user.section.protect=PAGE_READONLY" % path,
                             "setxattr|%s|user.other=x" % path)
        self.assertEqual(got, ["EPERM", "ENOTSUP"])


# Run in a child in its own login session: creates Local/Made, prints the session id, the pid
# and a descriptor of its session's directory, then waits for stdin to close.
HOLD_SESSION_DIR = r"""
import os, sys
m = sys.argv[1]
with open(os.path.join(m, "Local", "Made"), "w") as f:
    f.write("mine")
fd = os.open(os.path.join(m, "Local"), os.O_RDONLY | os.O_DIRECTORY)
print(open("/proc/self/sessionid").read().strip(), os.getpid(), fd, flush=True)
sys.stdin.read()
"""


class SessionDirectoryTest(PermissionTestCase):
    """Another session's directory shows 01777 (one set of attributes for every caller), but
    only its own session and root may enter it: by its path, or by a descriptor of it reached
    through /proc (the same user in another session may open that)."""

    def test_another_session_cannot_enter_by_path_or_by_descriptor(self):
        owner = self.spawn(HOLD_SESSION_DIR, self.p(),
                           preexec_fn=chain(in_new_login_session(NOBODY), as_user()))
        sid, pid, fd = owner.recv().split()
        by_path = self.p("Sessions", sid)
        by_fd = "/proc/%s/fd/%s" % (pid, fd)
        other = chain(in_new_login_session(NOBODY), as_user())
        got = self.attempt(other, "list|" + by_path, "stat|" + by_path + "/Made",
                           "list|" + by_fd, "stat|" + by_fd + "/Unknown",
                           "create|" + by_fd + "/Planted", "chdir|" + by_fd,
                           "access|%s|%d" % (by_fd, os.X_OK))
        self.assertEqual(got, ["EACCES"] * 6 + ["no"])
        self.assertEqual(sorted(os.listdir(by_path)), ["Global", "Local", "Made", "Session"])
        # its own session may, and root may
        self.assertEqual(self.read("Sessions", sid, "Made"), b"mine")


if __name__ == "__main__":
    sfstest.main()
