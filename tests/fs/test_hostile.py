"""What another user, or a process of another session, must not be able to do to you, and what
they must still be able to do: list Global/, take a staged section before it is published, stop
your shrinks with a crafted file name, inherit a dead session's namespace, squat a Global name
under -o global_create.  Each test here failed before the fix it guards (said beside it)."""
import contextlib
import errno
import os
import signal
import subprocess
import tempfile
import time

import sfstest
from sfstest import (NOBODY, MountTestCase, as_user, chain, in_new_login_session,
                     wait_handles, wait_until, without_login_session)

# Runs as another user: one operation per argument pair, one "ok" or errno name per line.
TRY = r"""
import errno, os, sys
args = sys.argv[1:]
for op, path in zip(args[::2], args[1::2]):
    try:
        if op == "list":
            os.listdir(path)
        elif op == "read":
            with open(path, "rb") as f:
                f.read()
        elif op == "write":
            os.close(os.open(path, os.O_WRONLY))
        elif op == "rdwr":
            os.close(os.open(path, os.O_RDWR))
        elif op == "truncate":
            os.truncate(path, 1)
        elif op == "protect":
            os.setxattr(path, "user.section.protect", b"PAGE_READONLY")
        elif op == "lifetime":
            os.setxattr(path, "user.section.lifetime", b"permanent")
        elif op == "backing":
            fd = os.open("/dev/null", os.O_RDWR)
            os.setxattr(path, "user.section.backing", b"fd:%d" % fd)
        elif op == "create":
            os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666))
        elif op == "rename":
            src, dst = path.split("=>")
            os.rename(src, dst)
        print("ok")
    except OSError as e:
        print(errno.errorcode[e.errno])
"""


def kill_quietly(pid):
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


class HostileTestCase(MountTestCase):

    def attempt(self, preexec, *ops):
        """Runs op, path pairs in a child started with preexec; their results."""
        return self.python_ok(TRY, *ops, preexec_fn=preexec).split()


class GlobalIsListedByEveryoneTest(HostileTestCase):
    """Before: opendir applied the session check to the global namespace, so a non-root
    process in a session other than 0 got EACCES listing Global/ (also through Sessions/0
    and Local/Global), though it could create and open there."""

    def test_nobody_in_a_login_session_lists_global(self):
        self.make("Global", "Seen", data=b"x")
        got = self.attempt(chain(in_new_login_session(NOBODY), as_user()),
                           "list", self.p("Global"), "list", self.p("Sessions", "0"),
                           "list", self.p("Local", "Global"), "read", self.p("Global", "Seen"))
        self.assertEqual(got, ["ok", "ok", "ok", "ok"])
        out = self.run_ok("ls", self.p("Global"), preexec_fn=chain(in_new_login_session(NOBODY),
                                                                    as_user()))
        self.assertIn("Seen", out.split())


class GlobalIsListedByEveryonePosixTest(HostileTestCase):
    mount_options = ("sessions=posix",)

    def test_nobody_in_its_posix_session_lists_global(self):
        got = self.attempt(chain(os.setsid, as_user()), "list", self.p("Global"),
                           "list", self.p("Sessions", "0"))
        self.assertEqual(got, ["ok", "ok"])


class StagedSectionIsItsCreatorsTest(HostileTestCase):
    """Before: a staged section made with mode 0666 (winmap staged with 0666 & ~umask) could be
    opened by another user, who could then set user.section.backing to a file of its own (the
    creator's data landing in the attacker's file) or change its protection before
    publication.  Now, until published, only its creator (and root) may open or change it."""

    def stage(self, name="s"):
        path = self.p("Staging", name)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_DIRECT, 0o666)
        os.fchmod(fd, 0o666)     # as umask 0 would leave it
        self.addCleanup(os.close, fd)
        return path, fd

    def test_another_user_can_neither_open_nor_set_up_a_staged_section(self):
        path, fd = self.stage()
        os.write(fd, b"secret before publication".ljust(4096, b"\0"))
        got = self.attempt(as_user(), "read", path, "write", path, "rdwr", path,
                           "truncate", path, "protect", path, "lifetime", path, "backing", path)
        self.assertEqual(got, ["EACCES"] * 7)
        self.assertEqual(sfstest.xattr(path, "protect"), "PAGE_READWRITE")
        self.assertEqual(sfstest.xattr(path, "backing"), "pagefile")
        self.assertEqual(sfstest.xattr(path, "lifetime"), "permanent")
        self.assertEqual(os.fstat(fd).st_size, 4096)

    def test_the_mode_applies_from_publication(self):
        path, fd = self.stage()
        os.write(fd, b"published")
        os.rename(path, self.p("Global", "Pub"))
        got = self.attempt(as_user(), "read", self.p("Global", "Pub"),
                           "rdwr", self.p("Global", "Pub"))
        self.assertEqual(got, ["ok", "ok"])

    def test_the_creator_sets_up_its_own_even_as_another_user(self):
        # nobody stages and sets up its own section: allowed
        out = self.python_ok(
            "import os, sys\n"
            "p = sys.argv[1]\n"
            "fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_DIRECT, 0o600)\n"
            "os.ftruncate(fd, 8192)\n"
            "os.setxattr(fd, 'user.section.protect', b'PAGE_READONLY')\n"
            "os.rename(p, sys.argv[2])\n"
            "print(os.fstat(fd).st_size)\n",
            self.p("Staging", "mine"), self.p("Global", "NobodyMade"), preexec_fn=as_user())
        self.assertEqual(out.strip(), "8192")
        self.assertEqual(sfstest.xattr(self.p("Global", "NobodyMade"), "protect"),
                         "PAGE_READONLY")


class ShrinkGuardTest(HostileTestCase):
    """E36 in passthrough mode looks for maps of a section in /proc/PID/maps.  Before, it
    searched each line for the text " MAJ:MIN INO ", so mapping any file whose *path* held
    that text made every shrink of the section fail with EBUSY, for everyone."""
    mount_options = ("passthrough=on",)

    def setUp(self):
        try:
            super().setUp()
        except RuntimeError as e:
            if "passthrough=on:" in str(e):
                self.skipTest("no passthrough on this machine: %s" % str(e).strip())
            raise

    def test_a_crafted_path_does_not_stop_shrinks(self):
        path = self.make("Global", "Victim", data=bytes(64 * 1024))
        st = os.stat(path)
        dev = os.stat(self.p()).st_dev
        text = " %02x:%02x %d " % (os.major(dev), os.minor(dev), st.st_ino)
        with tempfile.TemporaryDirectory() as d:
            bait = os.path.join(d, "bait" + text + "end")
            with open(bait, "wb") as f:
                f.write(bytes(4096))
            os.chmod(d, 0o755)
            os.chmod(bait, 0o644)
            child = self.spawn(sfstest.HOLD_MAP, bait, preexec_fn=as_user())
            child.expect("mapped")
            wait_handles(path, 0)
            os.truncate(path, 4096)          # nobody maps the section: allowed
            self.assertEqual(os.stat(path).st_size, 4096)
            child.kill()

    def test_a_real_map_by_another_process_stops_the_shrink(self):
        path = self.make("Global", "Mapped", data=bytes(64 * 1024))
        os.chmod(path, 0o644)
        child = self.spawn(sfstest.HOLD_MAP, path, preexec_fn=as_user())
        child.expect("mapped")
        wait_handles(path, 0)                # its file is closed: only the map holds it
        self.assertErrno(errno.EBUSY, os.truncate, path, 4096)
        fd = os.open(path, os.O_RDWR)
        try:
            self.assertErrno(errno.EBUSY, os.ftruncate, fd, 4096)
        finally:
            os.close(fd)
        self.assertEqual(os.stat(path).st_size, 64 * 1024)
        child.kill()
        wait_until(lambda: self.try_truncate(path, 4096), "the shrink to be allowed")

    def test_the_cutters_own_map_is_its_own_business(self):
        path = self.make("Global", "Own", data=bytes(64 * 1024))
        out = self.python_ok(
            "import mmap, os, sys\n"
            "fd = os.open(sys.argv[1], os.O_RDWR)\n"
            "m = mmap.mmap(fd, 4096)\n"
            "os.ftruncate(fd, 8192)\n"
            "print(os.fstat(fd).st_size)\n", path)
        self.assertEqual(out.strip(), "8192")

    def try_truncate(self, path, size):
        try:
            os.truncate(path, size)
            return True
        except OSError as e:
            if e.errno != errno.EBUSY:
                raise
            return False


# Creates Local/NAME with TEXT in its session and prints "session ID", then waits for stdin.
IN_SESSION = r"""
import os, sys
m, name, text, how = sys.argv[1:]
sid = os.getsid(0) if how == "posix" else int(open("/proc/self/sessionid").read())
with open(os.path.join(m, "Local", name), "w") as f:
    f.write(text)
print(sid, flush=True)
sys.stdin.read()
"""

# Prints where Local leads, then every file in it, then exits.
LOOK = r"""
import os, sys
m = sys.argv[1]
print(os.readlink(os.path.join(m, "Local")))
print(",".join(sorted(os.listdir(os.path.join(m, "Local")))))
"""


class SessionEndsLoginTest(HostileTestCase):
    """A session's namespace dies with the session (the sweeper runs every 2 s): Sessions/
    lists only live sessions, and what a dead session named is gone.  Before, every session
    ever seen stayed, with its sections."""

    def test_the_namespace_of_an_ended_session_goes(self):
        child = self.spawn(IN_SESSION, self.p(), "X", "left behind", "login",
                           preexec_fn=chain(in_new_login_session(NOBODY), as_user()))
        sid = child.recv()
        self.assertEqual(self.read("Sessions", sid, "X"), b"left behind")
        self.assertIn(sid, os.listdir(self.p("Sessions")))
        child.finish()
        wait_until(lambda: sid not in os.listdir(self.p("Sessions")),
                   "the ended session's namespace to go")
        self.assertFalse(os.path.exists(self.p("Sessions", sid)))

    def test_sessions_do_not_pile_up(self):
        for i in range(12):
            self.python_ok("import os, sys\n"
                           "open(os.path.join(sys.argv[1], 'Local', 'N'), 'w').write('x')\n",
                           self.p(), preexec_fn=in_new_login_session())
        wait_until(lambda: os.listdir(self.p("Sessions")) == ["0"],
                   "every ended session's namespace to go")
        self.assertEqual(os.statvfs(self.p()).f_files - os.statvfs(self.p()).f_ffree, 0)

    def test_a_held_section_of_an_ended_session_keeps_its_data(self):
        child = self.spawn(IN_SESSION, self.p(), "Held", "still here", "login",
                           preexec_fn=in_new_login_session())
        sid = child.recv()
        fd = os.open(self.p("Sessions", sid, "Held"), os.O_RDONLY)
        try:
            child.finish()
            wait_until(lambda: sid not in os.listdir(self.p("Sessions")), "the session to end")
            self.assertEqual(os.pread(fd, 100, 0), b"still here")   # as after unlink
        finally:
            os.close(fd)


class SessionEndsPosixTest(HostileTestCase):
    """sessions=posix: a session id is a pid, which the system hands out again once the old
    session's processes are gone.  Before, a later session that got the same id inherited the
    dead one's namespace and read and wrote what another user had left there."""
    mount_options = ("sessions=posix",)

    def test_a_reused_session_id_gets_a_new_namespace(self):
        victim = self.spawn(IN_SESSION, self.p(), "Secret", "the victim's", "posix",
                            preexec_fn=chain(os.setsid, as_user()))
        sid = int(victim.recv())
        self.assertEqual(self.read("Sessions", str(sid), "Secret"), b"the victim's")
        victim.finish()
        # Another user's new session gets the same id: ask the kernel for that pid next.
        out = None
        for _ in range(50):
            with open("/proc/sys/kernel/ns_last_pid", "w") as f:
                f.write(str(sid - 1))
            r = subprocess.run([sfstest.CHILD_PYTHON, "-c",
                                "import os, sys\n"
                                "os.setsid()\n"
                                "print(os.getpid())\n" + LOOK, self.p()],
                               capture_output=True, text=True,
                               preexec_fn=as_user(1000, 1000), timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            pid, local, listing = r.stdout.splitlines()
            if int(pid) == sid:
                out = (local, listing)
                break
        if out is None:
            self.skipTest("could not get pid %d again (other processes took it)" % sid)
        local, listing = out
        self.assertEqual(local, "Sessions/%d" % sid)
        self.assertEqual(listing.split(","), ["Global", "Local", "Session"])   # no Secret

    def test_the_namespace_of_an_ended_session_goes(self):
        child = self.spawn(IN_SESSION, self.p(), "X", "gone", "posix", preexec_fn=os.setsid)
        sid = child.recv()
        child.finish()
        wait_until(lambda: sid not in os.listdir(self.p("Sessions")),
                   "the ended session's namespace to go")


class GlobalCreateRootTest(HostileTestCase):
    """-o global_create=root: as Windows asks SeCreateGlobalPrivilege to create (not to open)
    a global name from a session other than 0, only root may then make names in Global/ from
    a login session.  Before, anyone could pre-create the name a service would use and read
    what it wrote there."""
    mount_options = ("global_create=root",)

    def test_a_user_in_a_session_cannot_create_in_global(self):
        self.make("Global", "Open", data=b"for all", mode=0o666)
        os.chmod(self.p("Global", "Open"), 0o666)
        as_session_user = chain(in_new_login_session(NOBODY), as_user())
        stage = self.p("Staging", "s")
        got = self.attempt(as_session_user,
                           "create", self.p("Global", "Squat"),
                           "create", self.p("Local", "Global", "Squat"),
                           "rdwr", self.p("Global", "Open"),
                           "create", self.p("Local", "Mine"))
        self.assertEqual(got, ["EACCES", "EACCES", "ok", "ok"])
        self.assertFalse(os.path.exists(self.p("Global", "Squat")))
        # publishing into Global is creating a name there too
        out = self.python_ok(
            "import errno, os, sys\n"
            "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)\n"
            "try:\n"
            "    os.rename(sys.argv[1], sys.argv[2]); print('ok')\n"
            "except OSError as e:\n"
            "    print(errno.errorcode[e.errno])\n",
            stage, self.p("Global", "Published"), preexec_fn=as_session_user)
        self.assertEqual(out.strip(), "EACCES")

    def test_root_and_session_0_still_create(self):
        self.make("Global", "ByRoot")
        got = self.attempt(chain(without_login_session(), as_user()),
                           "create", self.p("Global", "FromSession0"))
        self.assertEqual(got, ["ok"])


class GlobalCreateGroupTest(HostileTestCase):
    mount_options = ("global_create=group:%d" % NOBODY,)

    def test_members_of_the_group_create(self):
        def member():
            os.setgroups([NOBODY])
            os.setgid(1000)
            os.setuid(1000)
        def stranger():
            os.setgroups([])
            os.setgid(1000)
            os.setuid(1000)
        got = self.attempt(chain(in_new_login_session(1000), member),
                           "create", self.p("Global", "Member"))
        self.assertEqual(got, ["ok"])
        got = self.attempt(chain(in_new_login_session(1000), stranger),
                           "create", self.p("Global", "Stranger"))
        self.assertEqual(got, ["EACCES"])


class GlobalCreateDefaultTest(HostileTestCase):

    def test_anyone_creates_by_default(self):
        got = self.attempt(chain(in_new_login_session(NOBODY), as_user()),
                           "create", self.p("Global", "Anyone"))
        self.assertEqual(got, ["ok"])


class GlobalCreateOptionTest(MountTestCase.__base__):

    def test_bad_values_and_sessions_none_are_refused(self):
        for options, said in ((("global_create=nobody-knows",), "global_create=nobody-knows"),
                              (("global_create=group:no-such-group-here",), "no such group"),
                              (("global_create=root", "sessions=none"), "sessions=none")):
            with self.subTest(options=options):
                with self.assertRaises(RuntimeError) as cm:
                    sfstest.Mount(*options).start()
                self.assertIn(said, str(cm.exception))


if __name__ == "__main__":
    sfstest.main()
