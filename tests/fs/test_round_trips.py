"""Round trips to the daemon, counted: the mount root's user.section.requests says how many
requests of each kind the daemon has read (README, "Speed"), and the paths that must not ask it
anything are held to that here.  Counts, never timings: those are the benchmark's."""
import os
import stat
import unittest

import sfstest
from sfstest import MountTestCase, in_both_data_paths


def requests(mount):
    """{opcode name: count} from the root's user.section.requests."""
    text = os.getxattr(mount.path(), "user.section.requests").decode()
    return {name: int(n) for name, n in (line.split() for line in text.splitlines())}


def asked(before, after, name):
    return after.get(name, 0) - before.get(name, 0)


class RequestCountTest(MountTestCase):

    def test_the_root_counts_each_kind_of_request(self):
        path = self.make("Global", "rt_count", data=b"x" * 4096)
        before = requests(self.mount)
        for _ in range(5):
            os.close(os.open(path, os.O_RDONLY))
        after = requests(self.mount)
        self.assertEqual(asked(before, after, "OPEN"), 5, after)
        self.assertEqual(after.get("INIT"), 1, after)
        # the attribute is the root's only: a section has none of that name
        with self.assertRaises(OSError):
            os.getxattr(path, "user.section.requests")

    def test_anyone_may_read_the_counts(self):
        out = self.python_ok("import os, sys; print(os.getxattr(sys.argv[1], "
                             "'user.section.requests').decode())", self.p(),
                             preexec_fn=sfstest.as_user())
        self.assertIn("INIT 1", out)


# Requests the kernel sends without the caller waiting for them.
BACKGROUND = ("RELEASE", "FORGET", "BATCH_FORGET", "INTERRUPT")


@in_both_data_paths
class CycleRoundTripsTest(MountTestCase):
    """The create cycle of the benchmark, counted: LOOKUP (a new name), CREATE, GETXATTR (the
    kernel's security.capability question before the first truncate of a new inode), SETATTR,
    UNLINK; cached mode adds the READ of the first touch and the WRITE of the unmap (README,
    "Speed")."""

    def test_create_cycle_waits_for_five_round_trips(self):
        import mmap
        path = self.p("Global", "rt_cycle")
        before = requests(self.mount)
        cycles = 5
        for _ in range(cycles):
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            os.ftruncate(fd, 4096)
            with mmap.mmap(fd, 4096) as m:
                m[0] = 1
            os.close(fd)
            os.unlink(path)
        after = requests(self.mount)
        waited = {k: asked(before, after, k) for k in after if k not in BACKGROUND}
        waited = {k: v for k, v in waited.items() if v}
        # the directory's GETATTR after each create and unlink went with default_permissions
        self.assertNotIn("GETATTR", waited, waited)
        per_cycle = 5 + (2 if self.data_path == "cached" else 0)
        # and one GETXATTR (the count itself) and one LOOKUP (of Global) for the whole loop
        self.assertLessEqual(sum(waited.values()), per_cycle * cycles + 2, waited)


@in_both_data_paths
class WriteRoundTripsTest(MountTestCase):
    """Before each write() the kernel asks whether privileges must be dropped (set-user-ID,
    security.capability): a GETXATTR round trip per 4 KiB pwrite, unless the daemon takes that
    duty (FUSE_HANDLE_KILLPRIV_V2), which lets the kernel remember the answer."""

    def test_writes_ask_for_security_capability_at_most_once(self):
        fd = os.open(self.p("Global", "rt_writes"), os.O_RDWR | os.O_CREAT, 0o600)
        self.addCleanup(os.close, fd)
        os.ftruncate(fd, 1 << 20)
        os.pwrite(fd, b"y" * 4096, 0)
        before = requests(self.mount)
        for i in range(100):
            os.pwrite(fd, b"z" * 4096, (i * 37 % 256) * 4096)
        after = requests(self.mount)
        self.assertLessEqual(asked(before, after, "GETXATTR"), 1, after)
        if self.data_path == "passthrough":
            self.assertEqual(asked(before, after, "WRITE"), 0, after)
        self.assertEqual(os.pread(fd, 4096, 37 * 4096), b"z" * 4096)

    def test_sections_keep_no_set_id_bits(self):
        # what lets the daemon take that duty: nothing on a section is ever to be dropped
        path = self.p("Global", "rt_modes")
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o6755)
        os.close(fd)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode) & 0o6000, 0)
        os.chmod(path, 0o6755)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o755)
        os.chmod(path, 0o1644)   # the sticky bit marks objects (events...), never a section
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o644)
        with self.assertRaises(OSError):
            os.setxattr(path, "security.capability", b"\x01\x00\x00\x02" + b"\x00" * 16)
        with self.assertRaises(OSError):
            os.getxattr(path, "security.capability")


if __name__ == "__main__":
    sfstest.main()
