"""What the lang suite's tests share: the mount harness of tests/fs (sfstest), the sectionfs
package from the source tree, skipping a test program whose toolchain is missing, and the
ping-pong game between the C writer and a reader (examples/langs/pingpong.md)."""
import atexit
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "fs"))
sys.path.insert(0, os.path.join(TOP, "python"))

import sfstest  # noqa: E402  (after the path is set)

EXAMPLES = os.path.join(TOP, "examples", "langs")
WRITER = os.environ.get("SECTIONFS_LANGS_WRITER",
                        os.path.join(TOP, "build", "examples", "langs", "writer"))
SKIP = 77                            # what meson shows as SKIP
SECTION = "LangDemo"                 # the ping-pong section, in Global
ROUNDS = 200


def require(what, *programs):
    """Ends the test program as skipped ("skipped: no WHAT", exit status 77) unless every
    program is in PATH."""
    missing = [p for p in programs if not shutil.which(p)]
    if missing:
        print("skipped: no %s (%s not in PATH)" % (what, ", ".join(missing)))
        sys.exit(SKIP)


def _readable_package():
    """A copy of the source tree's package that every user may import: the tests run some
    children as another user, who may not enter the checkout (a fresh machine clones it into
    /root, mode 0700).  Made once per test program, removed at its exit."""
    top = tempfile.mkdtemp(prefix="sectionfs-package-")
    atexit.register(shutil.rmtree, top, True)
    shutil.copytree(os.path.join(TOP, "python", "sectionfs"), os.path.join(top, "sectionfs"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    for where, _, files in os.walk(top):
        os.chmod(where, 0o755)
        for f in files:
            os.chmod(os.path.join(where, f), 0o644)
    return top


PACKAGE_PATH = _readable_package()
# Children (possibly another user) import that copy.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (PACKAGE_PATH, os.environ.get("PYTHONPATH")) if p)


def child_env(mount, **extra):
    """The environment of a program run against mount: winmap and the package find it by
    SECTIONFS_ROOT, and the package itself comes from the source tree (PACKAGE_PATH)."""
    return dict(os.environ, SECTIONFS_ROOT=mount.dir, **extra)


class PingPongCase(sfstest.MountTestCase):
    """The C writer makes Global\\LangDemo and plays ROUNDS rounds with a reader in another
    language; both must see every number the other stored, in order, and each other's
    greeting."""

    def play(self, reader_argv, greeting, target=None):
        """Runs the writer, then reader_argv + [target] (default: the section's file) once the
        writer is ready; checks what both said."""
        env = child_env(self.mount)
        writer = subprocess.Popen([WRITER, "Global\\" + SECTION, str(ROUNDS)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: writer.poll() is None and writer.kill())
        try:
            self.assertEqual(writer.stdout.readline(), "ready\n", "the writer did not start")
            reader = subprocess.run(reader_argv + [target or self.p("Global", SECTION)], env=env,
                                    capture_output=True, text=True, timeout=120)
            out, err = writer.communicate(timeout=60)
        finally:
            if writer.poll() is None:
                writer.kill()
            writer.wait()
            writer.stdout.close()
            writer.stderr.close()
        sfstest.assert_no_sanitizer_output(err, "the writer")
        self.assertEqual(reader.returncode, 0, "the reader failed: %s%s"
                         % (reader.stdout, reader.stderr))
        self.assertEqual(writer.returncode, 0, "the writer failed: %s%s" % (out, err))
        self.assertEqual(reader.stdout.splitlines(),
                         ["writer says: hello from C", "rounds %d" % ROUNDS])
        self.assertEqual(out.splitlines(), ["reader says: " + greeting, "rounds %d" % ROUNDS])
        # The writer made it temporary: its name went with the last handle.
        sfstest.wait_until(lambda: not os.path.exists(self.p("Global", SECTION)),
                           "the section's name to go")


def main():
    sfstest.main()
