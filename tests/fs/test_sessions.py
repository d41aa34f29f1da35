"""Sessions: each login session has its own Local namespace (Sessions/<id>), all share Global;
a session's directory is closed to other sessions' processes (root excepted); the sessions=
option chooses what a session is.  A session's namespace dies with the session
(test_hostile.py), so the children here leave a keeper process in their session until the test
ends."""
import contextlib
import errno
import os
import signal

import sfstest
from sfstest import (NOBODY, MountTestCase, as_user, chain, in_new_login_session,
                     without_login_session)

# Run in a child: prints its session id and where Local leads, creates Local/NAME with TEXT
# (when given), and lists Local.
IN_SESSION = r"""
import os, sys
m, name, text = sys.argv[1], sys.argv[2], sys.argv[3]
sid = open("/proc/self/sessionid").read().strip()
if text != "-":
    with open(os.path.join(m, "Local", name), "w") as f:
        f.write(text)
print(sid)
print(os.readlink(os.path.join(m, "Local")))
print(os.path.exists(os.path.join(m, "Local", name)))
print(",".join(sorted(os.listdir(os.path.join(m, "Local")))))
"""

# Run in a child: tries to list, stat and open paths; prints one "ok" or errno name per path.
PROBE = r"""
import errno, os, sys
for path in sys.argv[1:]:
    try:
        if path.endswith("/"):
            os.listdir(path)
        else:
            os.close(os.open(path, os.O_RDONLY))
        print("ok")
    except OSError as e:
        print(errno.errorcode[e.errno])
"""


# Put before a child's script: leaves a process in the child's session (closed to the test's
# pipes, asleep) so that the session outlives the child; its pid comes first on stdout.
KEEP_SESSION = r"""
import os as _os, time as _time
_keeper = _os.fork()
if _keeper == 0:
    for _fd in (0, 1, 2):
        _os.close(_fd)
    _time.sleep(300)
    _os._exit(0)
print(_keeper, flush=True)
"""


def kill_quietly(pid):
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


class SessionTestCase(MountTestCase):

    def python_in_session(self, code, *args, preexec_fn):
        """python_ok(code) whose session stays alive until the test ends."""
        out = self.python_ok(KEEP_SESSION + code, *args, preexec_fn=preexec_fn)
        keeper, _, rest = out.partition("\n")
        self.addCleanup(kill_quietly, int(keeper))
        return rest


class LoginSessionsTest(SessionTestCase):

    def in_session(self, name, text="-", preexec=None):
        out = self.python_in_session(IN_SESSION, self.p(), name, text,
                                     preexec_fn=preexec or in_new_login_session())
        sid, local, exists, listing = out.splitlines()
        return sid, local, exists == "True", listing.split(",")

    def probe(self, *paths, preexec_fn):
        return self.python_ok(PROBE, *paths, preexec_fn=preexec_fn).split()

    def test_two_sessions_have_different_local_directories(self):
        sid_a, local_a, _, _ = self.in_session("X")
        sid_b, local_b, _, _ = self.in_session("X")
        self.assertNotEqual(sid_a, sid_b)
        self.assertEqual(local_a, "Sessions/" + sid_a)
        self.assertEqual(local_b, "Sessions/" + sid_b)

    def test_section_made_via_local_lives_in_sessions_id(self):
        sid, local, exists, _ = self.in_session("Mine", "session data")
        self.assertTrue(exists)
        self.assertEqual(self.read("Sessions", sid, "Mine"), b"session data")
        self.assertEqual(sfstest.xattr(self.p("Sessions", sid, "Mine"), "name"),
                         "Session\\%s\\Mine" % sid)
        self.assertFalse(os.path.exists(self.p("Global", "Mine")))

    def test_section_of_one_session_is_not_visible_via_local_of_another(self):
        sid_a, _, _, _ = self.in_session("Mine", "from A")
        sid_b, _, exists_in_b, listing_b = self.in_session("Mine")
        self.assertNotEqual(sid_a, sid_b)
        self.assertFalse(exists_in_b)
        self.assertEqual(listing_b, ["Global", "Local", "Session"])

    def test_same_name_in_two_sessions_is_two_sections(self):
        sid_a, _, _, _ = self.in_session("Same", "A's")
        sid_b, _, _, _ = self.in_session("Same", "B's")
        self.assertEqual(self.read("Sessions", sid_a, "Same"), b"A's")
        self.assertEqual(self.read("Sessions", sid_b, "Same"), b"B's")

    def test_sessions_share_global(self):
        self.python_ok("import sys\nopen(sys.argv[1], 'w').write('shared by all')\n",
                       self.p("Local", "Global", "Shared"), preexec_fn=in_new_login_session())
        out = self.python_ok("import sys\nprint(open(sys.argv[1]).read())\n"
                             "print(open(sys.argv[2]).read())\n",
                             self.p("Global", "Shared"), self.p("Local", "Global", "Shared"),
                             preexec_fn=in_new_login_session())
        self.assertEqual(out.splitlines(), ["shared by all", "shared by all"])
        self.assertEqual(self.read("Global", "Shared"), b"shared by all")

    def test_other_users_process_in_another_session_cannot_list_session_directory(self):
        sid, _, _, _ = self.in_session("Secret", "hidden")
        got = self.probe(self.p("Sessions", sid) + "/",
                         preexec_fn=chain(in_new_login_session(NOBODY), as_user()))
        self.assertEqual(got, ["EACCES"])

    def test_other_users_process_in_another_session_cannot_enter_session_directory(self):
        sid, _, _, _ = self.in_session("Secret", "hidden")
        got = self.probe(self.p("Sessions", sid, "Secret"),
                         self.p("Sessions", sid, "Nothing"),
                         preexec_fn=chain(in_new_login_session(NOBODY), as_user()))
        self.assertEqual(got, ["EACCES", "EACCES"])
        create = self.python_ok(
            "import errno, os, sys\n"
            "try:\n"
            "    os.close(os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666)); print('ok')\n"
            "except OSError as e:\n"
            "    print(errno.errorcode[e.errno])\n",
            self.p("Sessions", sid, "Planted"),
            preexec_fn=chain(in_new_login_session(NOBODY), as_user()))
        self.assertEqual(create.split(), ["EACCES"])
        self.assertNotIn("Planted", os.listdir(self.p("Sessions", sid)))

    def test_process_without_login_session_cannot_enter_a_session_directory(self):
        sid, _, _, _ = self.in_session("Secret", "hidden")
        got = self.probe(self.p("Sessions", sid) + "/", self.p("Sessions", sid, "Secret"),
                         preexec_fn=chain(without_login_session(), as_user()))
        self.assertEqual(got, ["EACCES", "EACCES"])

    def test_root_in_another_session_can_list_and_read(self):
        sid, _, _, _ = self.in_session("Secret", "hidden")
        self.assertIn("Secret", os.listdir(self.p("Sessions", sid)))
        got = self.probe(self.p("Sessions", sid) + "/", self.p("Sessions", sid, "Secret"),
                         preexec_fn=in_new_login_session())
        self.assertEqual(got, ["ok", "ok"])

    def test_session_directory_can_be_entered_by_its_own_other_user_processes(self):
        # A nobody process in session A may use Sessions/A: the session, not the user, decides.
        out = self.python_ok(
            "import os, sys\n"
            "m = sys.argv[1]\n"
            "os.setgroups([]); os.setgid(65534); os.setuid(65534)\n"
            "sid = open('/proc/self/sessionid').read().strip()\n"
            "open(os.path.join(m, 'Local', 'N'), 'w').write('nobody here')\n"
            "print(sid, ','.join(sorted(os.listdir(os.path.join(m, 'Sessions', sid)))))\n",
            self.p(), preexec_fn=in_new_login_session(NOBODY))
        sid, listing = out.split()
        self.assertEqual(listing, "Global,Local,N,Session")
        self.assertEqual(os.stat(self.p("Sessions", sid, "N")).st_uid, NOBODY)

    def test_session_directory_is_made_when_the_session_first_uses_it_by_number(self):
        out = self.python_in_session(
            "import os, sys\n"
            "sid = open('/proc/self/sessionid').read().strip()\n"
            "open(os.path.join(sys.argv[1], 'Sessions', sid, 'Direct'), 'w').write('by number')\n"
            "print(sid, os.readlink(os.path.join(sys.argv[1], 'Local')))\n",
            self.p(), preexec_fn=in_new_login_session())
        sid, local = out.split()
        self.assertEqual(local, "Sessions/" + sid)
        self.assertEqual(self.read("Sessions", sid, "Direct"), b"by number")

    def test_unknown_session_directory_does_not_exist(self):
        self.assertFalse(os.path.exists(self.p("Sessions", "4000000000")))
        self.assertErrno(errno.ENOENT, os.listdir, self.p("Sessions", "4000000000"))
        self.assertErrno(errno.ENOENT, os.listdir, self.p("Sessions", "abc"))


class NoSessionsTest(MountTestCase):
    mount_options = ("sessions=none",)

    def test_local_is_global_for_every_login_session(self):
        out = self.python_ok(IN_SESSION, self.p(), "X", "in global",
                             preexec_fn=in_new_login_session())
        sid, local, exists, _ = out.splitlines()
        self.assertNotEqual(sid, "4294967295")
        self.assertEqual(local, "Global")
        self.assertEqual(self.read("Global", "X"), b"in global")
        self.assertEqual(sfstest.xattr(self.p("Global", "X"), "name"), "Global\\X")

    def test_sessions_lists_only_0(self):
        self.python_ok(IN_SESSION, self.p(), "X", "-", preexec_fn=in_new_login_session())
        self.assertEqual(os.listdir(self.p("Sessions")), ["0"])


class PosixSessionsTest(SessionTestCase):
    mount_options = ("sessions=posix",)

    def posix_session(self, name, text):
        out = self.python_in_session(
            "import os, sys\n"
            "m, name, text = sys.argv[1:]\n"
            "sid = os.getsid(0)\n"
            "open(os.path.join(m, 'Local', name), 'w').write(text)\n"
            "print(sid, os.readlink(os.path.join(m, 'Local')))\n",
            self.p(), name, text, preexec_fn=os.setsid)
        sid, local = out.split()
        return sid, local

    def test_local_follows_getsid(self):
        sid, local = self.posix_session("P", "posix data")
        self.assertEqual(local, "Sessions/" + sid)
        self.assertEqual(self.read("Sessions", sid, "P"), b"posix data")

    def test_two_posix_sessions_are_separate(self):
        sid_a, _ = self.posix_session("P", "a")
        sid_b, _ = self.posix_session("P", "b")
        self.assertNotEqual(sid_a, sid_b)
        self.assertEqual(self.read("Sessions", sid_a, "P"), b"a")
        self.assertEqual(self.read("Sessions", sid_b, "P"), b"b")

    def test_login_session_does_not_matter(self):
        # Two children in two login sessions but one POSIX session (this process's) share Local.
        for _ in range(2):
            out = self.python_ok(
                "import os, sys\n"
                "print(os.getsid(0), os.readlink(os.path.join(sys.argv[1], 'Local')))\n",
                self.p(), preexec_fn=in_new_login_session())
            sid, local = out.split()
            self.assertEqual(int(sid), os.getsid(0))
            want = "Sessions/%d" % os.getsid(0) if os.getsid(0) > 0 else "Global"
            self.assertEqual(local, want)


if __name__ == "__main__":
    sfstest.main()
