"""The sectionfs Python package (python/sectionfs) against a real mount, in both data paths:
create-or-open (B12), sizes (A1-A2), names (B13-B18), lifetimes (C20), protections, views across
processes, numpy arrays, who may open what, and that the package speaks protocol.h's numbers and
installs where the system's python3 finds it."""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

import langtest
from langtest import sfstest

import sectionfs
from sectionfs import protocol

# Children (sfstest.Child, possibly another user) import the package from langtest's copy of
# the source tree's (PYTHONPATH).

# A child that opens argv[2] on the mount argv[1] with access argv[3] and says how it went.
OPEN_AND_TELL = r"""
import sys, sectionfs
try:
    with sectionfs.open(sys.argv[2], sys.argv[3], mount=sys.argv[1]) as s:
        print("opened", s.size)
except PermissionError:
    print("PermissionError")
except FileNotFoundError:
    print("FileNotFoundError")
"""


@sfstest.in_both_data_paths
class Package(sfstest.MountTestCase):
    def create(self, name, size=4096, **kwargs):
        section = sectionfs.create(name, size, mount=self.mount.dir, **kwargs)
        self.addCleanup(section.close)
        return section

    def open(self, name, access="rw"):
        section = sectionfs.open(name, access, mount=self.mount.dir)
        self.addCleanup(section.close)
        return section

    def assertNothingStaged(self):
        self.assertEqual(os.listdir(self.p("Staging")), [])

    # ---- create: B12, A1, A2 ----

    def test_B12_create_twice_reports_existed_and_keeps_size(self):
        first = self.create("Global\\Twice", 10000)
        self.assertFalse(first.existed)
        self.assertEqual(first.size, 12288)                   # A2: whole pages
        second = self.create("Global\\Twice", 65536)
        self.assertTrue(second.existed)
        self.assertEqual(second.size, 12288)
        self.assertEqual(os.stat(self.p("Global", "Twice")).st_size, 12288)
        self.assertNothingStaged()

    def test_A1_size_zero_refused_even_when_the_name_exists(self):
        self.create("Global\\Sized")
        for size in (0, -1):
            with self.assertRaises(ValueError):
                sectionfs.create("Global\\Sized", size, mount=self.mount.dir)
            with self.assertRaises(ValueError):
                sectionfs.create("Global\\Unsized", size, mount=self.mount.dir)
        self.assertFalse(os.path.exists(self.p("Global", "Unsized")))

    def test_create_sets_protection_and_lifetime(self):
        s = self.create("Global\\Ro", 100, protect="PAGE_READONLY", lifetime="permanent")
        info = s.info
        self.assertEqual(info["protect"], "PAGE_READONLY")
        self.assertEqual(info["lifetime"], "permanent")
        self.assertEqual(info["name"], "Global\\Ro")
        self.assertEqual(info["handles"], "1")
        self.assertFalse(s.temporary)
        self.assertEqual(s.protect, sectionfs.PROTECTIONS["PAGE_READONLY"])

    def test_bad_protection_or_lifetime_refused_and_nothing_left(self):
        for protect in ("PAGE_READ", "PAGE_READONLY|PAGE_READWRITE", 0, 0x01, 0x10, "",
                        "PAGE_READWRITE|SEC_RESERVE|SEC_COMMIT"):
            with self.assertRaises(ValueError, msg=repr(protect)):
                sectionfs.create("Global\\P", 4096, protect=protect, mount=self.mount.dir)
        with self.assertRaises(ValueError):
            sectionfs.create("Global\\P", 4096, lifetime="forever", mount=self.mount.dir)
        with self.assertRaises(TypeError):
            sectionfs.create("Global\\P", 4096, protect=None, mount=self.mount.dir)
        self.assertFalse(os.path.exists(self.p("Global", "P")))
        self.assertNothingStaged()

    def test_racing_creators_exactly_one_makes_it(self):
        code = ("import sys, sectionfs\nsys.stdin.readline()\n"
                "s = sectionfs.create('Global\\\\Race', 8192, mount=sys.argv[1])\n"
                "print('existed' if s.existed else 'made', flush=True)\nsys.stdin.readline()\n")
        children = [self.spawn(code, self.mount.dir) for _ in range(6)]
        for child in children:
            child.send()
        said = sorted(child.recv() for child in children)
        self.assertEqual(said, ["existed"] * 5 + ["made"])
        for child in children:
            self.assertEqual(child.finish()[0], 0)
        self.assertNothingStaged()

    # ---- names: B13-B18 ----

    def test_names_map_to_namespaces(self):
        s = self.create("Global\\N1")
        self.assertTrue(os.path.exists(self.p("Global", "N1")))
        self.assertEqual(self.open("Session\\0\\N1").info["name"], "Global\\N1")   # B17
        self.create("Global\\a/b")
        self.assertTrue(os.path.exists(self.p("Global", "a\\b")))             # "/" is "\"
        local = self.create("Local\\Mine")
        bare = self.create("Mine")                                           # B16
        self.assertTrue(bare.existed)
        self.assertEqual(bare.info["name"], local.info["name"])
        self.assertTrue(os.path.samefile(local.path, self.p("Local", "Mine")))
        self.assertEqual(s.path, self.p("Global", "N1"))

    def test_B14_open_missing_raises_file_not_found(self):
        for name in ("Global\\Nobody", "Nobody", "Local\\Nobody"):
            with self.assertRaises(FileNotFoundError) as cm:
                sectionfs.open(name, mount=self.mount.dir)
            self.assertEqual(cm.exception.winerror, 2)
        self.create("Global\\Case")
        self.assertRaises(FileNotFoundError, sectionfs.open, "Global\\CASE", mount=self.mount.dir)

    def test_B13_B18_bad_names_raise_value_error_and_touch_nothing(self):
        bad = {"": 123, "\\X": 161, "Global\\\\X": 123, "Global\\": 123, "Session\\2": 6,
               "Global\\Local": 6, "Session": 6, "Global\\.": 123, "..": 123,
               "Global\\" + "x" * 256: 206}
        for name, code in bad.items():
            for call in (lambda: sectionfs.open(name, mount=self.mount.dir),
                         lambda: sectionfs.create(name, 4096, mount=self.mount.dir)):
                with self.assertRaises(ValueError, msg=name) as cm:
                    call()
                self.assertIsInstance(cm.exception, sectionfs.BadName)
                self.assertEqual(cm.exception.winerror, code, name)
        for name in ("foo\\bar", "local\\x", "Session\\x\\y", "Session\\02\\y"):     # B14, B18
            with self.assertRaises(FileNotFoundError, msg=name) as cm:
                sectionfs.create(name, 4096, mount=self.mount.dir)
            self.assertEqual(cm.exception.winerror, 3)
        self.assertRaises(TypeError, sectionfs.open, b"Global\\X", mount=self.mount.dir)
        self.assertEqual(os.listdir(self.p("Global")), os.listdir(self.p("Local")))
        self.assertFalse([n for n in os.listdir(self.p("Global"))
                          if n not in ("Global", "Local", "Session")])
        self.assertNothingStaged()

    def test_not_a_mount_is_a_clear_error(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(FileNotFoundError) as cm:
                sectionfs.open("Global\\X", mount=d)
        self.assertIn("no sectionfs mounted", str(cm.exception))

    def test_mount_found_by_environment(self):
        old = os.environ.get("SECTIONFS_ROOT")
        os.environ["SECTIONFS_ROOT"] = self.mount.dir
        try:
            self.assertEqual(sectionfs.mount_root(), self.mount.dir)
            with sectionfs.create("Global\\Env", 4096) as s:
                self.assertFalse(s.existed)
        finally:
            if old is None:
                del os.environ["SECTIONFS_ROOT"]
            else:
                os.environ["SECTIONFS_ROOT"] = old

    # ---- lifetime: C20 ----

    def test_C20_temporary_name_goes_with_last_handle_view_keeps_memory(self):
        s = sectionfs.create("Global\\Temp", 4096, mount=self.mount.dir)
        self.assertTrue(s.temporary)
        view = s.mmap()
        view[0:4] = b"kept"
        other = self.open("Global\\Temp", "r")
        s.close()
        self.assertTrue(os.path.exists(self.p("Global", "Temp")))     # a handle is left
        other.close()
        # Gone when close() returns, not a moment later: close() tells the daemon first.
        self.assertFalse(os.path.exists(self.p("Global", "Temp")))
        self.assertRaises(FileNotFoundError, sectionfs.open, "Global\\Temp",
                          mount=self.mount.dir)
        self.assertEqual(view[0:4], b"kept")                          # C21
        view.close()
        fresh = self.create("Global\\Temp")
        self.assertFalse(fresh.existed)
        self.assertEqual(fresh.mmap()[0:4], b"\0\0\0\0")

    def test_C20_close_lets_go_of_the_handle_even_with_a_dup_left(self):
        """close() is CloseHandle: the daemon drops the handle before it returns (IOC_RETIRE),
        whatever copies of the descriptor the program still has."""
        s = sectionfs.create("Global\\Duped", 4096, mount=self.mount.dir)
        copy = os.dup(s.fileno())
        self.addCleanup(os.close, copy)
        s.close()
        self.assertFalse(os.path.exists(self.p("Global", "Duped")))

    def test_temporary_name_stays_while_another_process_holds_it(self):
        s = sectionfs.create("Global\\Held", 4096, mount=self.mount.dir)
        child = self.spawn("import sys, sectionfs\n"
                           "s = sectionfs.open('Global\\\\Held', 'r', mount=sys.argv[1])\n"
                           "print('open', flush=True)\nsys.stdin.readline()\ns.close()\n"
                           "print('closed', flush=True)\nsys.stdin.readline()\n",
                           self.mount.dir)
        child.expect("open")
        s.close()
        self.assertTrue(os.path.exists(self.p("Global", "Held")))
        child.send()
        child.expect("closed")
        self.assertFalse(os.path.exists(self.p("Global", "Held")))
        child.send()
        self.assertEqual(child.finish()[0], 0)

    def test_permanent_section_outlives_its_handles(self):
        with sectionfs.create("Global\\Perm", 4096, lifetime="permanent",
                              mount=self.mount.dir) as s:
            s.mmap()[0:3] = b"abc"
        self.assertTrue(s.closed)
        with sectionfs.open("Global\\Perm", mount=self.mount.dir) as s:
            self.assertEqual(s.mmap()[0:3], b"abc")
        self.assertEqual(self.read("Global", "Perm")[0:3], b"abc")

    def test_closed_section_refuses_use(self):
        s = sectionfs.create("Global\\Shut", 4096, mount=self.mount.dir)
        s.close()
        s.close()                                                   # twice is harmless
        self.assertRaises(ValueError, s.mmap)
        self.assertRaises(ValueError, lambda: s.size)

    # ---- views ----

    def test_cross_process_coherence_both_ways(self):
        s = self.create("Global\\Shared", 65536)
        view = s.mmap()
        self.addCleanup(view.close)
        child = self.spawn("import sys, sectionfs\n"
                           "s = sectionfs.open('Global\\\\Shared', mount=sys.argv[1])\n"
                           "v = s.mmap()\n"
                           "v[100:105] = b'child'\nprint('wrote', flush=True)\n"
                           "sys.stdin.readline()\nprint(bytes(v[200:206]).decode(), flush=True)\n"
                           "sys.stdin.readline()\n", self.mount.dir)
        child.expect("wrote")
        self.assertEqual(view[100:105], b"child")        # at once, no msync
        view[200:206] = b"parent"
        child.send()
        child.expect("parent")
        child.send()
        self.assertEqual(child.finish()[0], 0)

    def test_views_are_counted_and_closed_views_retired(self):
        s = self.create("Global\\Counted")
        with s.mmap() as a, s.mmap("r") as b:
            self.assertEqual(s.info["views"], "2")
            self.assertEqual(len(a), 4096)
            self.assertEqual(len(b), 4096)
            self.assertRaises(TypeError, b.__setitem__, 0, 1)     # read-only
        self.assertTrue(a.closed)
        self.assertEqual(s.info["views"], "0")

    def test_readonly_section_maps_read_only(self):
        s = self.create("Global\\RO", protect="PAGE_READONLY")
        view = s.mmap()
        self.addCleanup(view.close)
        self.assertRaises(TypeError, view.__setitem__, 0, 1)
        self.assertRaises(PermissionError, s.mmap, "rw")             # D23
        copy = s.mmap("copy")
        copy[0:2] = b"mm"                                           # private
        self.assertEqual(view[0:2], b"\0\0")
        copy.close()

    def test_handle_opened_read_only_maps_no_writable_view(self):
        self.create("Global\\ReadHandle")
        r = self.open("Global\\ReadHandle", "r")
        self.assertRaises(PermissionError, r.mmap, "rw")            # D24
        with r.mmap() as view:
            self.assertEqual(view[0:1], b"\0")
        self.assertRaises(ValueError, r.mmap, "w")

    def test_D27_view_offset_must_be_aligned_D26_and_fit(self):
        s = self.create("Global\\Offsets", 3 * 65536)
        with self.assertRaises(ValueError) as cm:
            s.mmap(offset=4096)
        self.assertEqual(cm.exception.winerror, 1132)
        with s.mmap(offset=65536, length=4096) as v:
            self.assertEqual(len(v), 4096)
        with s.mmap(offset=65536) as v:
            self.assertEqual(len(v), 2 * 65536)                     # D25
        with self.assertRaises(PermissionError):
            s.mmap(offset=65536, length=3 * 65536)                  # D26
        self.assertEqual(s.info["views"], "0")

    # ---- permissions ----

    def test_other_user_cannot_open_a_0600_section(self):
        s = self.create("Global\\Private", mode=0o600)
        self.assertEqual(os.stat(self.p("Global", "Private")).st_mode & 0o777, 0o600)
        for access in ("r", "rw"):
            out = sfstest.run_python(OPEN_AND_TELL, self.mount.dir, "Global\\Private", access,
                                     preexec_fn=sfstest.as_user())
            self.assertEqual(out.stdout.strip(), "PermissionError", out.stderr)
        self.assertEqual(s.info["handles"], "1")

    def test_other_user_reads_but_cannot_write_a_0644_section(self):
        self.create("Global\\Shown", mode=0o644)
        run = lambda access: sfstest.run_python(OPEN_AND_TELL, self.mount.dir, "Global\\Shown",
                                                access, preexec_fn=sfstest.as_user())
        self.assertEqual(run("r").stdout.strip(), "opened 4096", run("r").stderr)
        self.assertEqual(run("rw").stdout.strip(), "PermissionError")

    def test_other_user_cannot_take_a_name_another_made(self):
        self.create("Global\\Taken", mode=0o600)
        code = ("import sys, sectionfs\n"
                "try:\n  sectionfs.create('Global\\\\Taken', 4096, mount=sys.argv[1])\n"
                "except PermissionError:\n  print('PermissionError')\n")
        out = sfstest.run_python(code, self.mount.dir, preexec_fn=sfstest.as_user())
        self.assertEqual(out.stdout.strip(), "PermissionError", out.stderr)
        self.assertNothingStaged()


def python_with_numpy():
    """An interpreter that imports numpy: this one, else the system's (python3-numpy)."""
    for candidate in (sys.executable, "/usr/bin/python3"):
        if os.path.exists(candidate) and subprocess.run(
                [candidate, "-c", "import numpy"], capture_output=True).returncode == 0:
            return candidate
    return None


@sfstest.in_both_data_paths
class Numpy(sfstest.MountTestCase):
    def test_array_over_a_section_shared_with_another_process(self):
        python = python_with_numpy()
        if python is None:
            self.skipTest("no numpy for %s or /usr/bin/python3 (python3-numpy)" % sys.executable)
        with sectionfs.create("Global\\Array", 4096, mount=self.mount.dir) as s, s.mmap() as v:
            code = ("import sys, sectionfs\n"
                    "with sectionfs.open('Global\\\\Array', mount=sys.argv[1]) as s:\n"
                    "    a = s.array('<u4', (4, 4))\n"
                    "    a[:] = [[r * 10 + c for c in range(4)] for r in range(4)]\n"
                    "    b = s.array('<u8', offset=1024)\n"
                    "    print(a.shape, b.shape, a.flags.writeable, int(b[0]))\n")
            v[1024:1032] = (7).to_bytes(8, "little")
            out = subprocess.run([python, "-c", code, self.mount.dir], capture_output=True,
                                 text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(out.stdout.strip(), "(4, 4) (384,) True 7")
            self.assertEqual(v[4 * 5:4 * 6], (11).to_bytes(4, "little"))
            self.assertEqual(v[4 * 15:4 * 16], (33).to_bytes(4, "little"))

    def test_array_without_numpy_says_what_to_install(self):
        with sectionfs.create("Global\\NoNumpy", 4096, mount=self.mount.dir) as s:
            saved = sys.modules.get("numpy")
            sys.modules["numpy"] = None                 # as if it were not installed
            try:
                with self.assertRaises(ImportError) as cm:
                    s.array("u1")
            finally:
                if saved is None:
                    del sys.modules["numpy"]
                else:
                    sys.modules["numpy"] = saved
        self.assertIn("python3-numpy", str(cm.exception))


class TelemetryExample(sfstest.MountTestCase):
    """The README's Python example, examples/python/telemetry_reader.py, reading a game's
    samples as they come."""

    def test_reader_shows_each_new_frame(self):
        reader_path = os.path.join(langtest.TOP, "examples", "python", "telemetry_reader.py")
        layout = struct.Struct("=IIdd32s")
        with sectionfs.create("Local\\Telemetry", 4096, mount=self.mount.dir) as s, \
                s.mmap() as view:
            layout.pack_into(view, 0, 1, 1, 120.5, 6000, b"Stratos")
            reader = subprocess.Popen([sfstest.CHILD_PYTHON, reader_path, "--samples", "3"],
                                      env=langtest.child_env(self.mount), text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.addCleanup(lambda: reader.poll() is None and reader.kill())
            self.assertEqual(reader.stdout.readline(), "frame 1: Stratos 120.5 km/h 6000 rpm\n")
            layout.pack_into(view, 0, 1, 2, 121.0, 6100, b"Stratos")
            self.assertEqual(reader.stdout.readline(), "frame 2: Stratos 121.0 km/h 6100 rpm\n")
            layout.pack_into(view, 0, 1, 3, 0.0, 900, b"Delta")
            self.assertEqual(reader.stdout.readline(), "frame 3: Delta 0.0 km/h 900 rpm\n")
            out, err = reader.communicate(timeout=30)
        self.assertEqual((reader.returncode, out), (0, ""), err)

    def test_reader_says_when_no_game_runs(self):
        r = subprocess.run([sfstest.CHILD_PYTHON, os.path.join(langtest.TOP, "examples", "python",
                                                               "telemetry_reader.py")],
                           env=langtest.child_env(self.mount), capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no section Local\\Telemetry: is the game running?", r.stderr)


class Contract(unittest.TestCase):
    def test_protocol_numbers_match_the_headers(self):
        """protocol.py spells protocol.h and layout.h again: every number and name the same."""
        helper = os.environ.get("SECTIONFS_PROTOCOL_NUMBERS")
        if not helper:
            self.skipTest("SECTIONFS_PROTOCOL_NUMBERS not set (run through meson test)")
        lines = subprocess.run([helper], capture_output=True, text=True,
                               check=True).stdout.splitlines()
        for line in lines:
            key, value = line.split(" ", 1)
            ours = getattr(protocol, key)
            if key.endswith("_STRUCT"):
                ours = ours.size
            if key == "LIFETIMES":
                ours = ",".join(ours)
            self.assertEqual(str(ours), value, key)
        self.assertEqual(len(lines), 38)

    def test_installs_where_the_system_python_finds_it(self):
        """meson install puts the package in a directory on the chosen interpreter's sys.path,
        where it imports with no PYTHONPATH."""
        build = os.environ.get("SECTIONFS_BUILD_ROOT")
        python = os.environ.get("SECTIONFS_PACKAGE_PYTHON")
        if not build or not python or not shutil.which("meson"):
            self.skipTest("run through meson test")
        with tempfile.TemporaryDirectory() as destdir:
            subprocess.run(["meson", "install", "-C", build, "--no-rebuild", "--quiet",
                            "--tags", "python-runtime", "--destdir", destdir], check=True,
                           capture_output=True)
            inits = [os.path.join(d, "__init__.py")[len(destdir):]
                     for d, _, files in os.walk(destdir) if "__init__.py" in files]
            self.assertEqual(len(inits), 1, inits)
            installed = os.path.dirname(os.path.dirname(inits[0]))
            env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
            path = subprocess.run([python, "-c", "import sys; print('\\n'.join(sys.path))"],
                                  env=env, capture_output=True, text=True,
                                  check=True).stdout.split()
            self.assertIn(installed, path, "%s is not on %s's sys.path" % (installed, python))
            env["PYTHONPATH"] = destdir + installed       # as if installed there
            r = subprocess.run([python, "-c", "import sectionfs; print(sectionfs.__file__)"],
                               env=env, capture_output=True, text=True, cwd=destdir)
            self.assertEqual(r.stdout.strip(), destdir + inits[0], r.stderr)


@sfstest.in_both_data_paths
class Pingpong(langtest.PingPongCase):
    def test_pingpong_with_c_writer(self):
        self.play([sfstest.CHILD_PYTHON, langtest.EXAMPLES + "/reader.py"], "hello from Python",
                  target="Global\\" + langtest.SECTION)


if __name__ == "__main__":
    langtest.main()
