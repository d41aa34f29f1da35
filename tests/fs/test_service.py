"""The daemon as a service: systemd's readiness protocol heard on a socket of the test's own
(READY=1 only once the mount answers, STOPPING=1 on the way out, nothing when it never
mounted), the log lines of the mount, the unmount and the cap, the journal not written twice,
and the units as systemd-analyze verify sees them."""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import sfstest
from sfstest import SECTIONFS, is_mounted, wait_until

UNITS = os.environ.get("SECTIONFS_UNITS", os.path.join(sfstest.HERE, "../../build/systemd"))
MAN_PAGES = os.environ.get("SECTIONFS_MAN_PAGES", os.path.join(sfstest.HERE, "../../build/docs/man"))


def built_with_sd_notify():
    r = subprocess.run([SECTIONFS, "--version"], capture_output=True, text=True)
    return "sd_notify" in r.stdout


class Daemon:
    """sectionfs -f on a new directory, with NOTIFY_SOCKET set to a datagram socket the test
    reads, and its stderr collected line by line as it comes."""

    def __init__(self, test, *options, env=None, mountpoint=None, stderr_is_journal=False):
        self.test = test
        self.work = tempfile.mkdtemp(prefix="sectionfs-service-")
        test.addCleanup(shutil.rmtree, self.work, ignore_errors=True)
        self.dir = mountpoint or os.path.join(self.work, "mnt")
        if mountpoint is None:
            os.mkdir(self.dir)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        test.addCleanup(self.sock.close)
        self.sock.bind(os.path.join(self.work, "notify"))
        self.lines = []
        self.messages = []          # (message, was Global there as it arrived?)
        args = [SECTIONFS, "-f"]
        for o in list(sfstest.EXTRA_OPTIONS) + list(options):
            args += ["-o", o]
        environment = dict(os.environ, NOTIFY_SOCKET=self.sock.getsockname(), **(env or {}))
        read_end, write_end = os.pipe()
        if stderr_is_journal:
            st = os.fstat(write_end)
            environment["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
        self.proc = subprocess.Popen(args + [self.dir], env=environment, stdout=subprocess.DEVNULL,
                                     stderr=write_end)
        os.close(write_end)
        self.stderr = os.fdopen(read_end, errors="replace")
        test.addCleanup(self.cleanup)
        self.reader = threading.Thread(target=self._read_stderr, daemon=True)
        self.reader.start()

    def _read_stderr(self):
        for line in self.stderr:
            self.lines.append(line.rstrip("\n"))

    def receive(self, timeout=10.0):
        """The next notification, and whether the mount answered a stat the moment it came."""
        self.sock.settimeout(timeout)
        message = self.sock.recv(4096).decode()
        try:
            answered = os.path.isdir(os.path.join(self.dir, "Global"))
        except OSError:
            answered = False
        self.messages.append((message, answered))
        return message, answered

    def fields(self, message):
        return dict(line.split("=", 1) for line in message.splitlines() if "=" in line)

    def stderr_lines(self, containing):
        return [line for line in self.lines if containing in line]

    def wait_line(self, containing, what, count=1):
        wait_until(lambda: len(self.stderr_lines(containing)) >= count, what)

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=10)

    def cleanup(self):
        if self.proc.poll() is None:
            if is_mounted(self.dir):
                subprocess.run(["fusermount3", "-u", self.dir], capture_output=True)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=5)
        self.stderr.close()
        if is_mounted(self.dir):
            subprocess.run(["umount", "-l", self.dir], capture_output=True)
        sfstest.assert_no_sanitizer_output("\n".join(self.lines), "sectionfs")
        self.test.assertNotEqual(self.proc.returncode, sfstest.SANITIZER_EXITCODE)


@unittest.skipUnless(built_with_sd_notify(), "skipped: sectionfs built without libsystemd "
                     "(sd_notify); install libsystemd-dev and reconfigure")
class Notify(unittest.TestCase):
    def test_ready_comes_once_the_mount_answers(self):
        d = Daemon(self)
        message, answered = d.receive()
        fields = d.fields(message)
        self.assertEqual(fields.get("READY"), "1", message)
        self.assertTrue(answered, "READY=1 came before a stat of Global/ was answered")
        self.assertTrue(is_mounted(d.dir))
        self.assertRegex(fields.get("STATUS", ""),
                         r"^mounted on %s: (passthrough|cached), requests over "
                         r"(/dev/fuse|io_uring queues=\d+)$" % d.dir)

    def test_ready_is_said_once(self):
        d = Daemon(self)
        d.receive()
        os.listdir(d.dir)
        open(os.path.join(d.dir, "Global", "x"), "w").close()
        with self.assertRaises(socket.timeout):
            d.receive(timeout=1.0)

    def test_sigterm_says_stopping_and_the_mount_is_gone(self):
        d = Daemon(self)
        self.assertIn("READY=1", d.receive()[0])
        d.proc.send_signal(signal.SIGTERM)
        message, _ = d.receive()
        self.assertEqual(d.fields(message).get("STOPPING"), "1", message)
        self.assertEqual(d.proc.wait(timeout=10), 0)
        self.assertFalse(is_mounted(d.dir))

    def test_unmounting_from_outside_says_stopping(self):
        d = Daemon(self)
        d.receive()
        subprocess.run(["fusermount3", "-u", d.dir], check=True)
        message, _ = d.receive()
        self.assertIn("STOPPING=1", message)
        self.assertEqual(d.proc.wait(timeout=10), 0)

    def test_a_mount_that_fails_says_nothing_ready(self):
        work = tempfile.mkdtemp(prefix="sectionfs-service-")
        self.addCleanup(shutil.rmtree, work, ignore_errors=True)
        d = Daemon(self, mountpoint=os.path.join(work, "missing"))
        self.assertEqual(d.proc.wait(timeout=10), 1)
        with self.assertRaises(socket.timeout):
            d.receive(timeout=0.5)

    def test_without_notify_socket_nothing_is_sent_and_it_mounts(self):
        # A daemon started by hand: no NOTIFY_SOCKET, a plain mount (sfstest.Mount).
        with sfstest.Mount() as m:
            self.assertTrue(os.path.isdir(m.path("Global")))


class Log(unittest.TestCase):
    def test_mount_line_names_data_path_transport_and_cap(self):
        d = Daemon(self, "size=2m", "passthrough=off")
        d.wait_line("mounted on", "the mount line")
        [line] = d.stderr_lines("mounted on")
        self.assertRegex(line, r"^sectionfs: mounted on %s: cached, requests over "
                               r"(/dev/fuse|io_uring queues=\d+), sessions=login, cap 2097152 "
                               r"bytes, at most \d+ sections$" % d.dir)
        self.assertTrue(os.path.isdir(os.path.join(d.dir, "Global")))
        self.assertEqual(d.stop(), 0)
        d.reader.join(timeout=5)
        self.assertEqual(d.stderr_lines("unmounting"), ["sectionfs: unmounting %s: SIGTERM" % d.dir])

    def test_unmount_from_outside_is_said(self):
        d = Daemon(self)
        d.wait_line("mounted on", "the mount line")
        subprocess.run(["fusermount3", "-u", d.dir], check=True)
        self.assertEqual(d.proc.wait(timeout=10), 0)
        d.reader.join(timeout=5)
        self.assertEqual(d.stderr_lines("was unmounted"),
                         ["sectionfs: %s was unmounted (fusermount3 -u or umount)" % d.dir])

    def test_cap_reached_is_said_once_an_episode(self):
        d = Daemon(self, "size=1m")
        d.wait_line("mounted on", "the mount line")
        big = os.path.join(d.dir, "Global", "big")

        def fill():
            with open(big, "wb") as f:
                with self.assertRaises(OSError) as cm:
                    f.write(b"x" * (2 << 20))
                    f.flush()
                    os.fsync(f.fileno())
            self.assertEqual(cm.exception.errno, 28)   # ENOSPC

        fill()
        d.wait_line("the cap is reached", "the cap line")
        for _ in range(3):             # more refusals in the same episode: no more lines
            with self.assertRaises(OSError):
                with open(os.path.join(d.dir, "Global", "more"), "wb") as f:
                    f.write(b"y" * 8192)
                    f.flush()
        time.sleep(2.5)                # the watch looks once a second
        self.assertEqual(len(d.stderr_lines("the cap is reached")), 1, d.lines)
        os.unlink(big)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(d.dir, "Global", "more"))
        d.wait_line("below the cap again", "the end of the episode")
        fill()                         # a new episode: a new line
        d.wait_line("the cap is reached", "the second episode's line", count=2)

    def test_section_count_bound_is_said(self):
        d = Daemon(self, "nr_sections=3")
        d.wait_line("mounted on", "the mount line")
        for i in range(3):
            open(os.path.join(d.dir, "Global", "s%d" % i), "w").close()
        d.wait_line("sections exist, the most there may be", "the section count line")
        for i in range(3):
            os.unlink(os.path.join(d.dir, "Global", "s%d" % i))
        d.wait_line("sections may be created again", "the end of the episode")

    def test_stderr_that_is_the_journal_gets_no_copy(self):
        # systemd says $JOURNAL_STREAM=DEV:INO of the stream it gave the service as stderr;
        # the lines reach the journal through syslog already.
        d = Daemon(self, stderr_is_journal=True)
        wait_until(lambda: is_mounted(d.dir), "the mount")
        self.assertTrue(os.path.isdir(os.path.join(d.dir, "Global")))
        self.assertEqual(d.stop(), 0)
        d.reader.join(timeout=5)
        self.assertEqual(d.lines, [])

    def test_stderr_that_is_another_stream_gets_the_copy(self):
        d = Daemon(self, env={"JOURNAL_STREAM": "1:1"})
        d.wait_line("mounted on", "the mount line")


def systemd_analyze():
    return shutil.which("systemd-analyze")


@unittest.skipUnless(systemd_analyze(), "skipped: no systemd-analyze on this machine")
class Units(unittest.TestCase):
    """systemd-analyze verify on each unit as meson made it, its ExecStart pointed at the
    build's daemon (the installed path need not exist yet) and its Documentation= at the
    built page (verify runs man on it)."""

    def verify(self, unit, *analyze_args):
        work = tempfile.mkdtemp(prefix="sectionfs-units-")
        self.addCleanup(shutil.rmtree, work, ignore_errors=True)
        with open(unit) as f:
            text = f.read()
        exec_start = [line for line in text.splitlines() if line.startswith("ExecStart=")]
        self.assertEqual(len(exec_start), 1)
        installed = exec_start[0].split("=", 1)[1].split()[0]
        self.assertEqual(os.path.basename(installed), "sectionfs")
        with open(os.path.join(work, "sectionfs.service"), "w") as f:
            f.write(text.replace(installed, os.path.realpath(SECTIONFS)))
        os.makedirs(os.path.join(work, "man", "man8"))
        page = os.path.join(MAN_PAGES, "sectionfs.8")
        man = "--man=no"
        if os.path.exists(page) and shutil.which("man"):
            shutil.copy(page, os.path.join(work, "man", "man8"))
            man = "--man=yes"
        runtime = os.path.join(work, "runtime")
        os.mkdir(runtime, 0o700)
        env = dict(os.environ, MANPATH=os.path.join(work, "man"), XDG_RUNTIME_DIR=runtime)
        r = subprocess.run([systemd_analyze()] + list(analyze_args) +
                           [man, "verify", os.path.join(work, "sectionfs.service")],
                           env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual((r.returncode, r.stderr.strip()), (0, ""), r.stdout)
        return text

    def test_system_unit_verifies(self):
        text = self.verify(os.path.join(UNITS, "sectionfs.service"))
        self.assertIn("Type=notify", text)
        self.assertRegex(text, r"ExecStart=\S+/sectionfs -f /run/sectionfs\n")

    def test_user_unit_verifies(self):
        text = self.verify(os.path.join(UNITS, "user", "sectionfs.service"), "--user")
        self.assertIn("Type=notify", text)
        self.assertRegex(text, r"ExecStart=\S+/sectionfs -f %t/sectionfs\n")

    def test_a_broken_unit_fails_verify(self):
        # The check can fail: a unit whose daemon does not exist.
        work = tempfile.mkdtemp(prefix="sectionfs-units-")
        self.addCleanup(shutil.rmtree, work, ignore_errors=True)
        with open(os.path.join(UNITS, "sectionfs.service")) as f:
            text = f.read()
        bad = os.path.join(work, "sectionfs.service")
        with open(bad, "w") as f:
            f.write(text.replace("ExecStart=", "ExecStart=/nonexistent"))
        r = subprocess.run([systemd_analyze(), "--man=no", "verify", bad], capture_output=True,
                           text=True, timeout=60)
        self.assertNotEqual((r.returncode, r.stderr.strip()), (0, ""))


if __name__ == "__main__":
    unittest.main()
