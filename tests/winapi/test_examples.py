"""The examples run as the README shows them: the seed's creator and reader share "Mysharedmem",
the file copy copies through two mappings, and Python drives libwinmap with ctypes while another
Python program reads the same section through the mount with plain mmap."""
import filecmp
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fs"))
import sfstest  # noqa: E402

BUILD = os.environ["EXAMPLES_BUILD"]
WINMAP_LIB = os.environ["WINMAP_LIB"]
# The AddressSanitizer runtime when libwinmap was built with it (meson.build): a program that
# was not (Python) must load it first to load libwinmap.
ASAN_PRELOAD = os.environ.get("ASAN_PRELOAD", "")
EXAMPLES = os.path.join(HERE, "..", "..", "examples")


@sfstest.in_both_data_paths
class Examples(sfstest.MountTestCase):
    def env(self):
        return dict(os.environ, SECTIONFS_ROOT=self.mount.dir, WINMAP_LIB=WINMAP_LIB)

    def python_env(self):
        """env() for a Python program that loads libwinmap.  Under AddressSanitizer, Python runs
        with its runtime preloaded, and without the leak check at exit: the interpreter keeps
        much of what it allocated to its exit (libwinmap's own leaks are the C tests' to find)."""
        env = self.env()
        if ASAN_PRELOAD:
            env["LD_PRELOAD"] = ":".join(p for p in (ASAN_PRELOAD, env.get("LD_PRELOAD")) if p)
            env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
        return env

    def start_waiting_for(self, args, line_start, env=None):
        """Starts a program and returns once it printed a line starting with line_start."""
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env or self.env())
        self.addCleanup(proc.stdout.close)
        self.addCleanup(proc.kill)
        first = proc.stdout.readline()
        self.assertTrue(first.startswith(line_start), first)
        return proc

    def test_creator_and_reader_share_mysharedmem(self):
        creator = self.start_waiting_for([os.path.join(BUILD, "creator")], "wrote:")
        # while it runs, the section is an ordinary file in the caller's session namespace
        with open(self.p("Local", "Mysharedmem"), "rb") as f:
            self.assertTrue(f.read().startswith(b"Hello from the creator of Mysharedmem"))
        self.assertEqual(os.stat(self.p("Local", "Mysharedmem")).st_size, 4096)
        reader = subprocess.run([os.path.join(BUILD, "reader")], capture_output=True, text=True,
                                env=self.env())
        self.assertEqual(reader.returncode, 0, reader.stdout)
        self.assertIn("read: Hello from the creator of Mysharedmem", reader.stdout)
        out, _ = creator.communicate(timeout=60)
        self.assertIn("reader answered: Hello back from the reader", out)
        self.assertEqual(creator.returncode, 0)
        # temporary: gone with its last handle
        self.assertFalse(os.path.exists(self.p("Local", "Mysharedmem")))

    def test_reader_without_creator_fails_cleanly(self):
        reader = subprocess.run([os.path.join(BUILD, "reader")], capture_output=True, text=True,
                                env=self.env())
        self.assertEqual(reader.returncode, 1)
        self.assertIn("OpenFileMapping failed: 2", reader.stdout)   # ERROR_FILE_NOT_FOUND

    def test_filecopy_copies_through_two_mappings(self):
        with tempfile.TemporaryDirectory() as d:
            src, dst = os.path.join(d, "src"), os.path.join(d, "dst")
            with open(src, "wb") as f:
                f.write(os.urandom(3 * 1024 * 1024 + 123))
            r = subprocess.run([os.path.join(BUILD, "filecopy"), src, dst], capture_output=True,
                               text=True, env=self.env())
            self.assertEqual(r.returncode, 0, r.stdout)
            self.assertIn("program run time is", r.stdout)
            self.assertTrue(filecmp.cmp(src, dst, shallow=False))

    def test_python_ctypes_creator_and_plain_mmap_reader(self):
        creator = self.start_waiting_for(
            [sys.executable, os.path.join(EXAMPLES, "python", "winmap_creator.py")], "wrote:",
            env=self.python_env())
        reader = subprocess.run(
            [sys.executable, os.path.join(EXAMPLES, "python", "mount_reader.py")],
            capture_output=True, text=True, env=self.env())
        self.assertEqual(reader.returncode, 0, reader.stderr)
        self.assertIn("read: Hello from Python through libwinmap", reader.stdout)
        out, _ = creator.communicate(timeout=60)
        self.assertIn("answer: Hello back from plain mmap", out)
        self.assertFalse(os.path.exists(self.p("Global", "PyShared")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
