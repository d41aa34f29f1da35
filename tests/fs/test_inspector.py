"""Who holds a section (user.section.holders, include/sectionfs/protocol.h) and the inspector
that shows it, sectionfs-ls (README, "Inspecting the mount: sectionfs-ls"), against a real
mount with sections held by known processes: children that open, map and write them."""
import errno
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

import sfstest
from sfstest import (CHILD_PYTHON, NOBODY, MountTestCase, as_user, become_view, helper,
                     in_both_data_paths, in_new_login_session, wait_until)

HERE = os.path.dirname(os.path.abspath(__file__))
SECTIONFS_LS = os.environ.get("SECTIONFS_LS", os.path.join(HERE, "../../tools/sectionfs-ls"))
HOLDERS = "user.section.holders"

# Children.  Each prints "ready" once it holds what it should, then waits for its stdin to end.
OPENER = r"""
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
print("ready", flush=True)
sys.stdin.read()
"""
# Maps the section read-only and closes it: the map alone holds it.  Says "mapped".
MAPPER = sfstest.HOLD_MAP
# Writes bytes 8..15 through a shared map every 10 ms, every one of them changing each time.
WRITER = r"""
import mmap, os, sys, threading, time
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 4096)
done = threading.Event()
def write():
    i = 0
    while not done.is_set():
        i += 1
        m[8:16] = bytes([i & 0xff]) * 8
        time.sleep(0.01)
t = threading.Thread(target=write)
t.start()
print("ready", flush=True)
sys.stdin.read()
done.set()
t.join()
"""
# Reads user.section.holders of argv[1]: the value, or the errno's name.
READ_HOLDERS = r"""
import errno, os, sys
try:
    sys.stdout.write(os.getxattr(sys.argv[1], "user.section.holders").decode())
except OSError as e:
    print(errno.errorcode[e.errno])
"""


def holders_of(path):
    """user.section.holders as a set of (pid, role), with the command checked for form."""
    lines = os.getxattr(path, HOLDERS).decode().splitlines()
    found = set()
    for line in lines:
        pid, role, comm = line.split(" ", 2)
        assert comm, line
        found.add((int(pid), role))
    assert len(found) == len(lines), "a (pid, role) twice: %r" % lines
    return found


class HolderTestCase(MountTestCase):

    def hold(self, code, path, preexec_fn=None):
        """A child running code on path, once it said it holds it ("ready" or "mapped")."""
        child = self.spawn(code, path, preexec_fn=preexec_fn)
        self.assertIn(child.recv(), ("ready", "mapped"))
        return child

    def section(self, name="S", data=b"", size=4096, mode=0o644):
        path = self.make("Global", name, data=data, mode=mode)
        os.truncate(path, size)
        # This process made it, and the kernel tells the daemon of that close when it gets
        # round to it (RELEASE is asynchronous): till then this process is one of its holders.
        deadline = time.monotonic() + 10
        while any(pid == os.getpid() for pid, _ in holders_of(path)) and \
                time.monotonic() < deadline:
            time.sleep(0.01)
        return path

    def ls(self, *args, preexec_fn=None, env=None):
        """sectionfs-ls --mount MOUNT ARGS: the CompletedProcess."""
        return subprocess.run([CHILD_PYTHON, self.tool, "--mount", self.p()] + list(args),
                              capture_output=True, text=True, preexec_fn=preexec_fn,
                              env=env, timeout=60)

    def ls_ok(self, *args, **kwargs):
        r = self.ls(*args, **kwargs)
        self.assertEqual(r.returncode, 0, "sectionfs-ls %s: %s" % (args, r.stderr))
        self.assertEqual(r.stderr, "")
        return r.stdout

    def setUp(self):
        super().setUp()
        # a copy every user may run, wherever the source tree is, laid out as in a checkout:
        # the tool finds the sectionfs package beside it (../python)
        tmp = tempfile.mkdtemp(prefix="sectionfs-ls-")
        self.addCleanup(shutil.rmtree, tmp)
        os.chmod(tmp, 0o755)
        os.mkdir(os.path.join(tmp, "tools"), 0o755)
        self.tool = os.path.join(tmp, "tools", "sectionfs-ls")
        shutil.copy(SECTIONFS_LS, self.tool)
        os.chmod(self.tool, 0o755)
        shutil.copytree(os.path.join(os.path.dirname(os.path.realpath(SECTIONFS_LS)), "..",
                                     "python", "sectionfs"),
                        os.path.join(tmp, "python", "sectionfs"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        for top, dirs, files in os.walk(os.path.join(tmp, "python")):
            os.chmod(top, 0o755)
            for f in files:
                os.chmod(os.path.join(top, f), 0o644)


@in_both_data_paths
class HoldersTest(HolderTestCase):

    def test_an_opener_and_a_mapper_are_listed_and_go_when_they_exit(self):
        path = self.section()
        self.assertEqual(holders_of(path), set())
        opener = self.hold(OPENER, path)
        mapper = self.hold(MAPPER, path)
        a, b = opener.proc.pid, mapper.proc.pid
        want = {(a, "handle"), (b, "map")}
        if self.data_path == "cached":
            # a cached map keeps the open file it was made through: a handle still
            want.add((b, "handle"))
        wait_until(lambda: holders_of(path) == want, "holders %s, got %s"
                   % (sorted(want), sorted(holders_of(path))))
        self.assertEqual(int(sfstest.xattr(path, "handles")),
                         sum(1 for _, role in want if role == "handle"))
        opener.finish()
        want = {h for h in want if h[0] != a}
        wait_until(lambda: holders_of(path) == want, "the opener's line to go")
        mapper.finish()
        wait_until(lambda: holders_of(path) == set(), "no holder left")

    def test_a_map_outlives_its_opener_in_a_child(self):
        """The opener maps, forks and exits: its child's map is found all the same (every
        process is searched once an opener is gone)."""
        path = self.section()
        parent = self.spawn(sfstest.MAP_AND_CLOSE + r"""
child = os.fork()
if child == 0:
    os.close(0); os.close(1); os.close(2)
    import time; time.sleep(300); os._exit(0)
print(child, flush=True)
""", path)
        orphan = int(parent.recv())
        self.addCleanup(lambda: subprocess.run(["kill", "-9", str(orphan)]))
        self.assertEqual(parent.finish()[0], 0)
        want = {(orphan, "map")}
        if self.data_path == "cached":
            want.add((parent.proc.pid, "handle"))    # the map's open file, its opener gone
        wait_until(lambda: holders_of(path) == want, "holders %s, got %s"
                   % (sorted(want), sorted(holders_of(path))))
        lines = os.getxattr(path, HOLDERS).decode().splitlines()
        if self.data_path == "cached":
            self.assertIn("%d handle -" % parent.proc.pid, lines)

    def test_lines_are_sorted_and_name_the_command(self):
        path = self.section()
        children = [self.hold(OPENER, path) for _ in range(3)]
        lines = os.getxattr(path, HOLDERS).decode().splitlines()
        self.assertEqual(lines, ["%d handle %s" % (c.proc.pid, os.path.basename(CHILD_PYTHON))
                                 for c in sorted(children, key=lambda c: c.proc.pid)])

    def test_a_view_is_listed_as_a_view(self):
        path = self.section()
        fd = os.open(path, os.O_RDONLY)
        self.addCleanup(os.close, fd)
        self.assertEqual(holders_of(path), {(os.getpid(), "handle")})
        self.assertEqual(become_view(fd), 0)
        self.assertEqual(holders_of(path), {(os.getpid(), "view")})

    def test_a_thread_opens_for_its_process(self):
        """The kernel names the calling thread; the daemon lists its process."""
        path = self.section()
        child = self.hold(r"""
import os, sys, threading
fds = []
t = threading.Thread(target=lambda: fds.append(os.open(sys.argv[1], os.O_RDONLY)))
t.start(); t.join()
print("ready", flush=True)
sys.stdin.read()
""", path)
        self.assertEqual(holders_of(path), {(child.proc.pid, "handle")})

    def test_c_reads_it_with_the_size_first(self):
        """getxattr(2)'s protocol: size 0, then ERANGE for a short buffer (holders_probe)."""
        path = self.section()
        opener = self.hold(OPENER, path)
        mapper = self.hold(MAPPER, path)
        out = subprocess.run([helper("holders_probe"), path], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        pids = {int(line.split()[0]) for line in out.stdout.splitlines()}
        self.assertEqual(pids, {opener.proc.pid, mapper.proc.pid})
        empty = self.section("Empty")
        out = subprocess.run([helper("holders_probe"), empty], capture_output=True, text=True)
        self.assertEqual((out.returncode, out.stdout), (0, ""), out.stderr)

    def test_it_is_listed_and_read_only(self):
        path = self.section()
        self.assertIn(HOLDERS, os.listxattr(path))
        self.assertErrno(errno.EPERM, os.setxattr, path, HOLDERS, b"1 handle x\n")
        self.assertErrno(errno.EPERM, os.removexattr, path, HOLDERS)
        self.assertErrno(errno.ENODATA, os.getxattr, self.p("Global"), HOLDERS)


class HoldersOfOtherUsersTest(HolderTestCase):
    """The rule of protocol.h: root and the section's owner see every holder; anyone else who
    may read the file sees only its own processes; who may not read it, nothing."""

    def read_as_nobody(self, path):
        return sfstest.run_python(READ_HOLDERS, path, preexec_fn=as_user()).stdout

    def test_another_user_sees_only_its_own_processes(self):
        path = self.section(mode=0o644)                    # root's
        mine = self.hold(OPENER, path)
        theirs = self.hold(OPENER, path, preexec_fn=as_user())
        self.assertEqual(holders_of(path), {(mine.proc.pid, "handle"),
                                            (theirs.proc.pid, "handle")})
        self.assertEqual([line.split()[:2] for line in self.read_as_nobody(path).splitlines()],
                         [[str(theirs.proc.pid), "handle"]])

    def test_the_owner_sees_every_holder(self):
        path = self.section(mode=0o666)
        os.chown(path, NOBODY, NOBODY)
        roots = self.hold(OPENER, path)
        self.assertEqual([line.split()[:2] for line in self.read_as_nobody(path).splitlines()],
                         [[str(roots.proc.pid), "handle"]])

    def test_who_may_not_read_the_file_gets_nothing(self):
        path = self.section(mode=0o600)
        self.hold(OPENER, path)
        self.assertEqual(self.read_as_nobody(path).strip(), "EACCES")

    def test_the_inspector_says_the_list_is_partial(self):
        path = self.section(mode=0o644)
        self.hold(OPENER, path)
        out = self.ls_ok("show", "Global\\S", preexec_fn=as_user())
        self.assertIn("only your own processes", out)
        self.assertNotIn(" handle", out)
        shown = json.loads(self.ls_ok("show", "--json", "Global\\S", preexec_fn=as_user()))
        self.assertEqual((shown["holders"], shown["holders_complete"]), ([], False))


@in_both_data_paths
class InspectorTest(HolderTestCase):

    def test_list_shows_every_namespace_with_its_objects_and_holders(self):
        path = self.section("Telemetry", data=b"Hello")
        opener = self.hold(OPENER, path)
        stage = self.p("Staging", "build.1")      # lives while it is held: this test holds it
        self.addCleanup(os.close, os.open(stage, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644))
        session = self.spawn(r"""
import os, sys
with open(os.path.join(sys.argv[1], "Local", "Mine"), "wb") as f:
    f.write(b"x")
print(open("/proc/self/sessionid").read().strip(), flush=True)
sys.stdin.read()
""", self.p(), preexec_fn=in_new_login_session())
        sid = session.recv()

        tree = json.loads(self.ls_ok("--json"))
        spaces = {ns["namespace"]: ns for ns in tree["namespaces"]}
        self.assertEqual(list(spaces), ["Global", "Sessions/" + sid, "Staging"])
        [tele] = spaces["Global"]["objects"]
        self.assertEqual((tele["name"], tele["type"], tele["size"], tele["protection"],
                          tele["lifetime"], tele["handles"], tele["views"]),
                         ("Global\\Telemetry", "section", 4096, "PAGE_READWRITE", "permanent",
                          1, 0))
        self.assertEqual(tele["holders"], [{"pid": opener.proc.pid, "role": "handle",
                                            "command": os.path.basename(CHILD_PYTHON)}])
        [mine] = spaces["Sessions/" + sid]["objects"]
        self.assertEqual((mine["name"], mine["size"]), ("Session\\%s\\Mine" % sid, 1))
        [staged] = spaces["Staging"]["objects"]
        self.assertEqual((staged["name"], staged["path"]), (None, stage))

        text = self.ls_ok()                   # list is the default
        self.assertEqual(text, self.ls_ok("list"))
        lines = text.splitlines()
        self.assertEqual([l for l in lines if not l.startswith(" ")],
                         ["Global", "Sessions/" + sid, "Staging"])
        row = next(l for l in lines if "Global\\Telemetry" in l).split()
        self.assertEqual(row, ["Global\\Telemetry", "section", "4096", "PAGE_READWRITE",
                               "permanent", "1", "0"])
        self.assertIn("      %d %s (handle)" % (opener.proc.pid, os.path.basename(CHILD_PYTHON)),
                      lines)
        self.assertTrue(any("Session\\%s\\Mine" % sid in l for l in lines))
        self.assertTrue(any("build.1 (staged)" in l for l in lines))

    def test_another_users_list_says_it_may_not_enter_a_session(self):
        session = self.spawn(r"""
import os, sys
open(os.path.join(sys.argv[1], "Local", "Mine"), "wb").close()
print(open("/proc/self/sessionid").read().strip(), flush=True)
sys.stdin.read()
""", self.p(), preexec_fn=in_new_login_session())
        sid = session.recv()
        tree = json.loads(self.ls_ok("--json", preexec_fn=as_user()))
        spaces = {ns["namespace"]: ns for ns in tree["namespaces"]}
        self.assertEqual(spaces["Sessions/" + sid]["objects"], [])
        self.assertEqual(spaces["Sessions/" + sid]["error"], os.strerror(errno.EACCES))

    def test_show_tells_everything_and_dumps_the_first_bytes(self):
        data = bytes(range(256)) * 2
        path = self.section("Shown", data=data)
        mapper = self.hold(MAPPER, path)
        out = self.ls_ok("show", "Global\\Shown")
        self.assertIn("name:       Global\\Shown\n", out)
        self.assertIn("size:       4096\n", out)
        self.assertIn("protection: PAGE_READWRITE\n", out)
        self.assertRegex(out, r"\n +%d +%s +.*map" % (mapper.proc.pid,
                                                       os.path.basename(CHILD_PYTHON)))
        self.assertIn("first 256 bytes:\n", out)
        self.assertIn("  00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f"
                      "  |................|\n", out)
        self.assertIn("  00000040  40 41 42 43 44 45 46 47  48 49 4a 4b 4c 4d 4e 4f"
                      "  |@ABCDEFGHIJKLMNO|\n", out)
        self.assertTrue(out.endswith("  00000100\n"), out)
        short = self.ls_ok("show", "--bytes", "20", path)        # a path does as well
        self.assertIn("first 20 bytes:\n", short)
        self.assertIn("  00000010  10 11 12 13", short)
        shown = json.loads(self.ls_ok("show", "--json", "--bytes", "300", "Global\\Shown"))
        self.assertEqual(bytes.fromhex(shown["data"]["hex"]), data[:300])
        self.assertEqual((shown["name"], shown["size"], shown["handles"]),
                         ("Global\\Shown", 4096, int(sfstest.xattr(path, "handles"))))
        self.assertIn({"pid": mapper.proc.pid, "role": "map",
                       "command": os.path.basename(CHILD_PYTHON)}, shown["holders"])

    def test_show_tells_an_events_state_and_who_waits(self):
        stage, path = self.p("Staging", "ev"), self.p("Global", "Ev")
        fd = os.open(stage, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.setxattr(stage, "user.section.type", b"event auto nonsignaled")
        os.rename(stage, path)
        os.close(fd)
        reader = os.open(path, os.O_RDONLY)
        self.addCleanup(os.close, reader)
        woke = []
        t = threading.Thread(target=lambda: woke.append(os.read(reader, 64)), daemon=True)
        t.start()
        deadline = time.monotonic() + 30
        while sfstest.xattr(path, "waiters") != "1" and time.monotonic() < deadline:
            time.sleep(0.01)
        out = self.ls_ok("show", "Global\\Ev")
        self.assertIn("type:       event auto nonsignaled\n", out)
        self.assertIn("state:      nonsignaled\n", out)
        self.assertIn("waiters:    1\n", out)
        shown = json.loads(self.ls_ok("show", "--json", "Global\\Ev"))
        self.assertEqual((shown["type"], shown["state"], shown["waiters"]),
                         ("event", "nonsignaled", 1))
        with open(path, "w") as f:
            f.write("set")
        t.join(10)
        self.assertEqual(woke, [b"signaled\n"])
        self.assertEqual(json.loads(self.ls_ok("show", "--json", "Global\\Ev"))["waiters"], 0)
        section = json.loads(self.ls_ok("show", "--json", self.section("S")))
        self.assertEqual((section["state"], section["waiters"]), (None, None))

    def test_dump_copies_the_bytes(self):
        data = os.urandom(10000)
        self.section("D", data=data, size=len(data))
        r = subprocess.run([CHILD_PYTHON, self.tool, "--mount", self.p(), "dump", "Global\\D",
                            "-"], capture_output=True, timeout=60)
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, data, b""))
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "copy")
            report = json.loads(self.ls_ok("dump", "--json", "Global\\D", out))
            with open(out, "rb") as f:
                self.assertEqual(f.read(), data)
        self.assertEqual((report["name"], report["bytes"]), ("Global\\D", len(data)))

    def test_watch_sees_a_writer_change_bytes_8_to_15(self):
        path = self.section("Game", data=b"static header, never written " * 10)
        writer = self.hold(WRITER, path)
        out = self.ls_ok("watch", "--json", "--interval", "0.05", "--count", "12",
                         "Global\\Game")
        samples = [json.loads(line) for line in out.splitlines()]
        self.assertEqual([s["sample"] for s in samples], list(range(1, 13)))
        changed = [s["changed"] for s in samples]
        self.assertGreaterEqual(sum(1 for c in changed if c), 9, changed)
        for runs in changed:
            for first, last in runs:
                self.assertTrue(8 <= first <= last <= 15, changed)
        last = samples[-1]["ranges"]
        self.assertEqual([(r["first"], r["last"]) for r in last], [(8, 15)])
        self.assertEqual(last[0]["changes"], sum(1 for c in changed if c))
        self.assertGreater(last[0]["rate"], 5)
        text = self.ls_ok("watch", "--interval", "0.05", "--count", "5", path)
        lines = text.splitlines()
        self.assertTrue(lines[0].startswith("watching Global\\Game: 4096 bytes"), text)
        self.assertRegex(text, r"#\d \+\d+\.\d+s 8\.\.15\n")
        self.assertRegex(text, r"\n  8\.\.15 +\d+ +\d+\.\d")
        writer.finish()

    def test_watch_of_an_unchanging_section_sees_nothing(self):
        self.section("Still", data=b"still")
        out = self.ls_ok("watch", "--json", "--interval", "0.02", "--count", "3", "Global\\Still")
        samples = [json.loads(line) for line in out.splitlines()]
        self.assertEqual([(s["changed"], s["ranges"]) for s in samples], [([], [])] * 3)

    def test_a_missing_object_is_status_1_with_a_message(self):
        for args in (["show", "Global\\X"], ["dump", "Global\\X", "-"], ["watch", "Global\\X"],
                     ["show", "Session\\7\\X"], ["show", "Nope\\X"]):
            r = self.ls(*args)
            self.assertEqual((r.returncode, r.stdout, r.stderr),
                             (1, "", "sectionfs-ls: %s: no such object\n" % args[1]), args)

    def test_bad_usage_is_status_2(self):
        for args in (["show"], ["show", "Global\\X", "--bytes", "0"], ["frobnicate"],
                     ["watch", "Global\\X", "--interval", "x"], ["dump", "Global\\X"]):
            r = self.ls(*args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("usage: sectionfs-ls", r.stderr)

    def test_the_mount_is_found_as_winmap_finds_it(self):
        self.section("Here")
        env = dict(os.environ, SECTIONFS_ROOT=self.p())
        r = subprocess.run([CHILD_PYTHON, self.tool, "show", "Global\\Here"], env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            env["SECTIONFS_ROOT"] = tmp
            r = subprocess.run([CHILD_PYTHON, self.tool, "list"], env=env,
                               capture_output=True, text=True, timeout=60)
            self.assertEqual((r.returncode, r.stderr),
                             (1, "sectionfs-ls: %s: not a sectionfs mount\n" % tmp))


if __name__ == "__main__":
    sfstest.main()
