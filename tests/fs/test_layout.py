"""The layout of the mount: Global, Local, Sessions and Staging, and the links inside namespaces."""
import os
import stat

import sfstest
from sfstest import MountTestCase, in_new_login_session, without_login_session


class LayoutTest(MountTestCase):

    def test_root_lists_exactly_global_local_sessions_staging(self):
        self.assertEqual(sorted(os.listdir(self.p())), ["Global", "Local", "Sessions", "Staging"])

    def test_root_entry_types_and_modes(self):
        want = {
            "Global": (stat.S_IFDIR, 0o1777),
            "Local": (stat.S_IFLNK, 0o777),
            "Sessions": (stat.S_IFDIR, 0o755),
            "Staging": (stat.S_IFDIR, 0o1777),
        }
        for name, (kind, mode) in want.items():
            st = os.lstat(self.p(name))
            self.assertEqual(stat.S_IFMT(st.st_mode), kind, name)
            self.assertEqual(stat.S_IMODE(st.st_mode), mode, "%s mode %o" % (name, st.st_mode))
            self.assertEqual((st.st_uid, st.st_gid), (0, 0), name)

    def test_readdir_types_match_lstat(self):
        for entry in os.scandir(self.p()):
            st = os.lstat(entry.path)
            self.assertEqual(entry.is_symlink(), stat.S_ISLNK(st.st_mode), entry.name)
            self.assertEqual(entry.is_dir(follow_symlinks=False), stat.S_ISDIR(st.st_mode),
                             entry.name)

    def test_global_is_sticky_and_world_writable(self):
        self.assertEqual(stat.S_IMODE(os.stat(self.p("Global")).st_mode), 0o1777)

    def test_ls_l_of_root(self):
        out = self.run_ok("ls", "-l", self.p(), preexec_fn=without_login_session())
        lines = {l.split()[8]: l for l in out.splitlines() if not l.startswith("total")}
        self.assertEqual(set(lines), {"Global", "Local", "Sessions", "Staging"})
        self.assertTrue(lines["Global"].startswith("drwxrwxrwt "), lines["Global"])
        self.assertTrue(lines["Local"].startswith("lrwxrwxrwx "), lines["Local"])
        self.assertTrue(lines["Local"].endswith(" Local -> Global"), lines["Local"])
        self.assertTrue(lines["Sessions"].startswith("drwxr-xr-x "), lines["Sessions"])
        self.assertTrue(lines["Staging"].startswith("drwxrwxrwt "), lines["Staging"])

    def test_sessions_0_links_to_global(self):
        self.assertEqual(os.readlink(self.p("Sessions", "0")), "../Global")
        self.assertTrue(stat.S_ISLNK(os.lstat(self.p("Sessions", "0")).st_mode))
        self.assertEqual(os.path.realpath(self.p("Sessions", "0")), self.p("Global"))
        x = self.make("Global", "X", data=b"via session 0")
        self.assertEqual(self.read("Sessions", "0", "X"), b"via session 0")
        self.assertEqual(os.stat(self.p("Sessions", "0", "X")).st_ino, os.stat(x).st_ino)

    def test_global_namespace_links(self):
        self.assertEqual(os.readlink(self.p("Global", "Global")), ".")
        self.assertEqual(os.readlink(self.p("Global", "Local")), ".")
        self.assertEqual(os.readlink(self.p("Global", "Session")), "../Sessions")
        self.assertEqual(os.path.realpath(self.p("Global", "Session")), self.p("Sessions"))

    def test_namespace_listing_shows_the_three_links(self):
        self.make("Global", "Sec")
        entries = {e.name: e for e in os.scandir(self.p("Global"))}
        self.assertEqual(set(entries), {"Global", "Local", "Session", "Sec"})
        for link in ("Global", "Local", "Session"):
            self.assertTrue(entries[link].is_symlink(), link)
        self.assertTrue(entries["Sec"].is_file(follow_symlinks=False))

    def test_staging_has_no_links(self):
        self.assertEqual(os.listdir(self.p("Staging")), [])

    def test_local_global_x_is_global_x(self):
        x = self.make("Global", "X", data=b"one object")
        for path in (("Local", "Global", "X"), ("Global", "Global", "X"),
                     ("Global", "Local", "X"), ("Global", "Session", "0", "X")):
            with self.subTest(path="/".join(path)):
                self.assertEqual(self.read(*path), b"one object")
                self.assertEqual(os.stat(self.p(*path)).st_ino, os.stat(x).st_ino)

    def test_session_namespace_links(self):
        # A child in a new login session makes its namespace and reads its links.
        out = self.python_ok(
            "import os, sys\n"
            "m = sys.argv[1]\n"
            "sid = open('/proc/self/sessionid').read().strip()\n"
            "ns = os.path.join(m, os.readlink(os.path.join(m, 'Local')))\n"
            "links = [os.path.join(ns, n) for n in ('Global', 'Local', 'Session')]\n"
            "print(sid, *[os.readlink(l) for l in links],\n"
            "      os.path.realpath(links[2]), os.path.realpath(links[0]))\n",
            self.p(), preexec_fn=in_new_login_session())
        sid, g, l, s, session_real, global_real = out.split()
        self.assertEqual((g, l, s), ("../../Global", ".", ".."))
        self.assertEqual(session_real, self.p("Sessions"))
        self.assertEqual(global_real, self.p("Global"))
        self.assertTrue(os.path.isdir(self.p("Sessions", sid)))
        self.assertEqual(sorted(os.listdir(self.p("Sessions", sid))),
                         ["Global", "Local", "Session"])

    def test_local_global_from_a_session_is_global(self):
        self.make("Global", "G", data=b"global bytes")
        out = self.python_ok(
            "import os, sys\n"
            "p = os.path.join(sys.argv[1], 'Local', 'Global', 'G')\n"
            "print(os.path.realpath(p)); print(open(p, 'rb').read().decode())\n",
            self.p(), preexec_fn=in_new_login_session())
        real, data = out.splitlines()
        self.assertEqual(real, self.p("Global", "G"))
        self.assertEqual(data, "global bytes")

    def test_local_of_a_process_without_login_session_is_global(self):
        out = self.run_ok("readlink", self.p("Local"), preexec_fn=without_login_session())
        self.assertEqual(out.strip(), "Global")
        out = self.run_ok("realpath", self.p("Local"), preexec_fn=without_login_session())
        self.assertEqual(out.strip(), self.p("Global"))

    def test_local_of_a_login_session_is_its_session_directory(self):
        out = self.run_ok("sh", "-c", 'cat /proc/self/sessionid; echo; readlink "$1"',
                          "sh", self.p("Local"), preexec_fn=in_new_login_session())
        sid, target = out.split()
        self.assertEqual(target, "Sessions/" + sid)
        self.assertIn(sid, os.listdir(self.p("Sessions")))

    def test_local_differs_per_session(self):
        targets = []
        for _ in range(2):
            targets.append(self.run_ok("readlink", self.p("Local"),
                                       preexec_fn=in_new_login_session()).strip())
        self.assertNotEqual(targets[0], targets[1])
        for t in targets:
            self.assertRegex(t, r"^Sessions/[1-9][0-9]*$")

    def test_sessions_directory_lists_0_and_used_sessions(self):
        out = self.run_ok("sh", "-c", 'cat /proc/self/sessionid; ls "$1" >/dev/null',
                          "sh", self.p("Local") + "/", preexec_fn=in_new_login_session())
        sid = out.strip()
        names = os.listdir(self.p("Sessions"))
        self.assertIn("0", names)
        self.assertIn(sid, names)
        self.assertTrue(stat.S_ISDIR(os.lstat(self.p("Sessions", sid)).st_mode))
        self.assertEqual(len(names), len(set(names)))


if __name__ == "__main__":
    sfstest.main()
