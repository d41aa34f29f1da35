"""sectionfs-bridge against real Wine: Windows programs built with mingw-w64 (sfgame.exe makes
named sections and counts in them, sfopen.exe uses a section someone else made; game.h says what
they say and take) run under wine64 in a Wine prefix, the bridge publishes their sections in a
real sectionfs mount (sfstest.Mount, a fresh one for each test), and the tests look at the mount
as a Linux program does.  Nothing is mocked.

One prefix serves the whole run: made once (wineboot, some 10 s) with its wineserver kept
running between tests (wineserver -p), and copied once for the test of two prefixes.  At the
end their wineservers are killed and both are removed.

Each bridge runs in a login session of its own (as a user's does), so that Local\\ names, which
it publishes in its session's namespace, are not in Global/: Local\\X is MOUNT/Sessions/SID/X.

Timings are printed (lines starting MEASURE), never asserted.  Run alone:
    python3 tests/bridge/test_bridge.py [-k PATTERN]
with a build in build/ (SECTIONFS_BIN, SECTIONFS_BRIDGE, SECTIONFS_BRIDGE_GAMES name others;
SECTIONFS_BRIDGE_MOUNT_OPTIONS=passthrough=off, say, mounts with other options).
Exits 77 (meson: skipped) when there is no wine64 to run."""
import atexit
import contextlib
import errno
import mmap
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fs"))

import sfstest  # noqa: E402
from sfstest import Mount, in_new_login_session  # noqa: E402

BUILD = os.path.join(HERE, "..", "..", "build")
BRIDGE = os.environ.get("SECTIONFS_BRIDGE", os.path.join(BUILD, "bridge", "sectionfs-bridge"))
GAMES = os.environ.get("SECTIONFS_BRIDGE_GAMES", os.path.join(BUILD, "tests", "bridge"))
SFGAME = os.path.join(GAMES, "sfgame.exe")
SFOPEN = os.path.join(GAMES, "sfopen.exe")
SFEVENT = os.path.join(GAMES, "sfevent.exe")
PAGE = 4096

# The daemon's options (README: "Two data paths"): its default, unless the environment says.
MOUNT_OPTIONS = tuple(o for o in os.environ.get("SECTIONFS_BRIDGE_MOUNT_OPTIONS", "").split(",")
                      if o)
APPEAR = 15.0   # the longest a section may take to appear (a helper's first start included)
GO = 5.0        # ... and to go once its owner is gone ("within a few seconds")


def _find_wine():
    for candidate in (os.environ.get("SECTIONFS_TEST_WINE"), shutil.which("wine64"),
                      "/usr/lib/wine/wine64"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


WINE = _find_wine()
WINESERVER = None
if WINE:
    beside = os.path.join(os.path.dirname(os.path.realpath(WINE)), "wineserver")
    WINESERVER = beside if os.access(beside, os.X_OK) else shutil.which("wineserver")


def measure(what, value, unit):
    print("MEASURE %s: %s %s" % (what, value, unit), flush=True)


def poll(predicate, timeout, interval=0.005):
    """predicate()'s first true value within timeout seconds, else None."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def alive(pid):
    """Is pid a live process (not gone, not a zombie)?"""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def children(pid):
    """The pids whose parent is pid."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError):
                with open("/proc/%s/stat" % entry) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
    return found


def cmdline(pid):
    with contextlib.suppress(OSError):
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    return ""


def cpu_seconds(pid):
    """utime + stime of pid, in seconds (0 when it is gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Prefix:
    """A Wine prefix and its wineserver."""

    def __init__(self, path):
        self.path = os.path.realpath(path)

    def env(self, **more):
        """The environment of the prefix's programs, the bridge's included: no Mono or Gecko
        to look for, no menu entries, and a home of the run's own (wine links the user's
        folders to it)."""
        env = dict(os.environ, WINEPREFIX=self.path, WINEDEBUG="-all", WINE=WINE,
                   WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d",
                   HOME=os.path.join(os.path.dirname(self.path), "home"))
        env.pop("WINEARCH", None)
        env.update(more)
        return env

    def tmp_name(self):
        """Debian's wine keeps its server in /tmp/NAME, NAME in PREFIX/wineserver; upstream's
        in /tmp/.wine-UID (bridge/wine_prefix.c reads it the same way)."""
        name = ""
        with contextlib.suppress(OSError):
            with open(os.path.join(self.path, "wineserver")) as f:
                name = f.read().split("\n")[0]
        if not name or "/" in name or name in (".", ".."):
            name = ".wine-%d" % os.getuid()
        return name

    def server_dir(self):
        st = os.stat(self.path)
        return "/tmp/%s/server-%x-%x" % (self.tmp_name(), st.st_dev, st.st_ino)

    def server_pid(self):
        """The pid of the prefix's running wineserver (the process that holds its server
        directory's lock file open; its working directory may be the prefix), or None."""
        try:
            lock = os.path.join(self.server_dir(), "lock")
        except OSError:
            return None
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or "wineserver" not in cmdline(int(entry)):
                continue
            with contextlib.suppress(OSError):
                for fd in os.listdir("/proc/%s/fd" % entry):
                    if os.readlink("/proc/%s/fd/%s" % (entry, fd)) == lock:
                        return int(entry) if alive(int(entry)) else None
        return None

    def start_server(self):
        """Makes sure a persistent wineserver runs (a game's own would end 3 s after the last
        program of the prefix, and the next test would wait for a new one)."""
        pid = self.server_pid()
        if pid and " -p" in cmdline(pid):
            return
        if pid:
            self.kill_server()
        # it goes to the background holding what it was given: no pipes
        subprocess.run([WINESERVER, "-p"], env=self.env(), check=True, timeout=30,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        if not poll(lambda: self.server_pid() and
                    os.path.exists(os.path.join(self.server_dir(), "socket")), 30):
            raise RuntimeError("the wineserver of %s did not start" % self.path)

    def programs(self):
        """The running processes of the prefix (WINEPREFIX in their environment): "PID CMDLINE"
        lines, for messages."""
        found = []
        mine = b"WINEPREFIX=" + self.path.encode()
        for entry in os.listdir("/proc"):
            if entry.isdigit() and alive(int(entry)):
                with contextlib.suppress(OSError):
                    with open("/proc/%s/environ" % entry, "rb") as f:
                        if mine in f.read().split(b"\0"):
                            found.append("%s %s" % (entry, cmdline(int(entry))))
        return "\n".join(found) or "none"

    def kill_server(self):
        """wineserver -k: the server and every program of the prefix end."""
        if not self.server_pid():
            return
        subprocess.run([WINESERVER, "-k"], env=self.env(), timeout=30, capture_output=True)
        if poll(lambda: not self.server_pid(), 15) is None:
            raise RuntimeError("the wineserver of %s did not end" % self.path)

    def remove(self):
        with contextlib.suppress(Exception):
            self.kill_server()
        tmp = os.path.join("/tmp", self.tmp_name())
        shutil.rmtree(self.path, ignore_errors=True)
        if os.path.basename(tmp).startswith("wine-"):   # Debian's, made for this prefix
            shutil.rmtree(tmp, ignore_errors=True)


PREFIXES = {}   # "main", "other": made by setUpModule
_top = None
_spawned = []   # every bridge and game started: none outlives the run


def setUpModule():
    global _top
    if not WINE or not WINESERVER:
        raise unittest.SkipTest("no wine64 and wineserver")
    for exe in (BRIDGE, SFGAME, SFOPEN, SFEVENT):
        if not os.path.exists(exe):
            raise RuntimeError("%s is not built" % exe)
    _top = tempfile.mkdtemp(prefix="sectionfs-bridge-test-")
    main = Prefix(os.path.join(_top, "main"))
    os.mkdir(main.path)
    os.mkdir(os.path.join(_top, "home"))
    PREFIXES["main"] = main
    start = time.monotonic()
    # the server first: wineboot then leaves it running, and the tests find it there
    main.start_server()
    # Wine's own programs that wineboot starts live on with the server, holding what it was
    # given: a file, not a pipe whose end would never come
    with tempfile.TemporaryFile("w+") as log:
        r = subprocess.run([WINE, "wineboot", "-i"], env=main.env(), stdin=subprocess.DEVNULL,
                           stdout=log, stderr=log, timeout=300)
        if r.returncode != 0:
            log.seek(0)
            raise RuntimeError("wineboot failed (%d): %s" % (r.returncode, log.read()))
    measure("wineboot of the test prefix", "%.1f" % (time.monotonic() - start), "s")
    # The second prefix is a copy (hard links: the files of a fresh prefix are only read, the
    # registry is written anew).  The server writes the registry out when it ends.
    main.kill_server()
    other = Prefix(os.path.join(_top, "other"))
    subprocess.run(["cp", "-al", main.path, other.path], check=True)
    for name in os.listdir(other.path):
        path = os.path.join(other.path, name)
        if os.path.isfile(path) and not os.path.islink(path):
            shutil.copy2(path, path + ".copy")
            os.replace(path + ".copy", path)
    PREFIXES["other"] = other
    main.start_server()


def tearDownModule():
    for proc in _spawned:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for prefix in PREFIXES.values():
        prefix.remove()
    PREFIXES.clear()
    if _top:
        shutil.rmtree(_top, ignore_errors=True)


# At exit: wine first, then the mounts (sfstest's own atexit, registered before, runs after).
atexit.register(tearDownModule)


def _on_sigterm(signum, frame):
    """meson's timeout: end now, leaving nothing (sfstest's handler exits by SystemExit, which
    a test in progress takes for its own error, and the run would go on)."""
    tearDownModule()
    sfstest._stop_all_mounts()
    shutil.rmtree(sfstest.SANITIZER_REPORTS, ignore_errors=True)
    os._exit(128 + signum)


signal.signal(signal.SIGTERM, _on_sigterm)


class Lines:
    """A program's output, read line by line in a thread: wait for the line you want."""

    def __init__(self, stream):
        self.lines = []
        self.ended = False
        self.cursor = 0
        self.cond = threading.Condition()
        # The thread reads a descriptor of its own: Wine's programs that a game starts may
        # hold the pipe's other end long after the game, and the thread wait with them.
        fd = os.dup(stream.fileno())
        stream.close()
        threading.Thread(target=self._pump, args=(fd,), daemon=True).start()

    def _pump(self, fd):
        rest = b""
        with contextlib.suppress(OSError):
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                *whole, rest = (rest + chunk).split(b"\n")
                with self.cond:
                    self.lines += [line.rstrip(b"\r").decode(errors="replace") for line in whole]
                    self.cond.notify_all()
        os.close(fd)
        with self.cond:
            if rest:
                self.lines.append(rest.rstrip(b"\r").decode(errors="replace"))
            self.ended = True
            self.cond.notify_all()

    def text(self):
        with self.cond:
            return "\n".join(self.lines)

    def find(self, pattern, timeout, start=0):
        """The first match of pattern in a line from `start` on, waiting at most timeout
        seconds for it; (match, index of its line), or (None, None)."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            i = start
            while True:
                while i < len(self.lines):
                    m = regex.search(self.lines[i])
                    if m:
                        return m, i
                    i += 1
                left = deadline - time.monotonic()
                if self.ended or left <= 0:
                    return None, None
                self.cond.wait(left)

    def next(self, pattern, timeout):
        """The next match of pattern after what next() returned last (lines in between are
        passed over); None if none comes in time."""
        m, i = self.find(pattern, timeout, self.cursor)
        if m:
            self.cursor = i + 1
        return m


class Program:
    """A program spoken to in lines on its standard input and output; killed at the end of the
    run at the latest."""

    def __init__(self, argv, env=None):
        self.argv = argv
        self.proc = subprocess.Popen(self.argv, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     errors="replace", bufsize=1)
        _spawned.append(self.proc)
        self.pid = self.proc.pid
        self.out = Lines(self.proc.stdout)
        self.err = Lines(self.proc.stderr)

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        with contextlib.suppress(OSError):
            self.proc.stdin.close()


class Game(Program):
    """A Windows program run with wine64 in a prefix, spoken to in lines (game.h)."""

    def __init__(self, prefix, exe, *args):
        self.prefix = prefix
        super().__init__([WINE, exe] + [str(a) for a in args], prefix.env())

    def describe(self):
        return "%s\n  said: %s\n  stderr: %s" % (" ".join(self.argv), self.out.text(),
                                                   self.err.text())

    def expect(self, pattern, timeout=20):
        m = self.out.next(pattern, timeout)
        if not m:
            raise AssertionError("the game did not say /%s/ within %ss (rc %s): %s"
                                 % (pattern, timeout, self.proc.poll(), self.describe()))
        return m

    def ready(self, timeout=30):
        """What it made (a dict per CREATED line), once it says READY."""
        start = self.out.cursor
        self.expect(r"^READY$", timeout)
        made = []
        for line in self.out.lines[start:self.out.cursor]:
            if line.startswith("FAILED"):
                raise AssertionError("the game failed: %s\n%s" % (line, self.describe()))
            if line.startswith("CREATED "):
                made.append(parse_fields(line))
        return made

    def ask(self, line, answer, timeout=20):
        self.send(line)
        return self.expect(answer, timeout)

    def create(self, name, size):
        return parse_fields(self.ask("create %s %d" % (name, size), r"^(CREATED|FAILED) ").string)

    def finish(self, timeout=20):
        """Closes its input (it exits with its --status) and waits: its exit status."""
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        return self.proc.wait(timeout)


def parse_fields(line):
    """CREATED idx=0 ... name=N: the key=value fields (name, last, may hold anything)."""
    head, _, name = line.partition(" name=")
    fields = dict(f.split("=", 1) for f in head.split()[1:])
    out = {k: int(v) if re.fullmatch(r"-?\d+", v) else v for k, v in fields.items()}
    out["name"] = name
    return out


class Bridge:
    """sectionfs-bridge -m MOUNT -v ARGS [-- COMMAND], in a login session of its own."""

    def __init__(self, mount, prefix, *args, command=None, env=None):
        self.mount = mount
        self.prefix = prefix
        self.argv = [BRIDGE, "-m", mount.dir, "-v"] + list(args)
        if command:
            self.argv += ["--"] + [str(a) for a in command]
        self.proc = subprocess.Popen(self.argv, env=prefix.env(**(env or {})),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, errors="replace",
                                     bufsize=1,
                                     preexec_fn=in_new_login_session())
        _spawned.append(self.proc)
        self.pid = self.proc.pid
        self.err = Lines(self.proc.stderr)
        self.out = Lines(self.proc.stdout)
        with open("/proc/%d/sessionid" % self.pid) as f:
            self.sid = f.read().strip()
        self.helpers_seen = set()

    def describe(self):
        return "%s (rc %s) said:\n%s" % (" ".join(self.argv), self.proc.poll(), self.err.text())

    def path(self, winname):
        """Where the bridge publishes the Windows name winname: Global\\X in Global/, Local\\X
        and a bare X in its session's namespace."""
        if winname.startswith("Global\\"):
            return self.mount.path("Global", winname[len("Global\\"):])
        leaf = winname[len("Local\\"):] if winname.startswith("Local\\") else winname
        return self.mount.path("Sessions", self.sid, leaf)

    def helper_pid(self):
        """The pid of its running helper (wine runs the helper in the process the bridge
        started), or None."""
        for pid in children(self.pid):
            if "sectionfs-wine-helper" in cmdline(pid) and alive(pid):
                self.helpers_seen.add(pid)
                return pid
        return None

    def wait_helper(self, timeout=APPEAR):
        pid = poll(self.helper_pid, timeout, 0.02)
        if not pid:
            raise AssertionError("the bridge started no helper in %ss: %s"
                                 % (timeout, self.describe()))
        return pid

    def said(self, pattern, timeout=APPEAR, start=0):
        m, _ = self.err.find(pattern, timeout, start)
        if not m:
            raise AssertionError("the bridge did not say /%s/ within %ss: %s"
                                 % (pattern, timeout, self.describe()))
        return m

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pid in self.helpers_seen:   # a helper of a bridge killed outright
            if poll(lambda: not alive(pid), 5) is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.proc.stdin.close()


def page_round(n):
    return -(-n // PAGE) * PAGE


class BridgeTestCase(unittest.TestCase):
    """A fresh mount for each test; bridges and games stopped before it is unmounted."""

    def setUp(self):
        self.prefix = PREFIXES["main"]
        self.prefix.start_server()
        self.mount = Mount(*MOUNT_OPTIONS).start()
        self.addCleanup(self.mount.stop)

    def bridge(self, *args, prefix=None, **kwargs):
        b = Bridge(self.mount, prefix or self.prefix, *args, **kwargs)
        self.addCleanup(b.stop)
        return b

    def game(self, *args, prefix=None, exe=SFGAME):
        g = Game(prefix or self.prefix, exe, *args)
        self.addCleanup(g.kill)
        return g

    def wait_present(self, path, bridge, timeout=APPEAR):
        if not poll(lambda: os.path.exists(path), timeout):
            self.fail("%s did not appear in the mount within %ss; the bridge %s"
                      % (path, timeout, bridge.describe()))

    def wait_gone(self, path, bridge, timeout=GO, why=""):
        """Waits until path is gone from the mount; the time it took."""
        start = time.monotonic()
        if not poll(lambda: not os.path.exists(path), timeout):
            self.fail("%s is still in the mount %ss after %s; the bridge %s"
                      % (path, timeout, why or "its owner went", bridge.describe()))
        return time.monotonic() - start

    def published(self):
        """Every section in the mount: paths relative to it (Global/X, Sessions/N/X,
        Staging/X)."""
        found = []
        for top in ("Global", "Staging"):
            for name in os.listdir(self.mount.path(top)):
                if not os.path.islink(self.mount.path(top, name)):
                    found.append(top + "/" + name)
        for sid in os.listdir(self.mount.path("Sessions")):
            d = self.mount.path("Sessions", sid)
            if os.path.islink(d):
                continue
            with contextlib.suppress(OSError):   # a session ending now
                for name in os.listdir(d):
                    if not os.path.islink(os.path.join(d, name)):
                        found.append("Sessions/%s/%s" % (sid, name))
        return sorted(found)

    def assert_nothing_published(self, why, bridge=None):
        left = poll(lambda: not self.published(), GO) is None and self.published()
        if left:
            self.fail("%s left in the mount: %s%s" % (why, left,
                                                      "; " + bridge.describe() if bridge else ""))


# Sections of every kind of name: Local\, Global\, bare (the session's); page sizes and not.
SECTIONS = (("Local\\bt_local", 4096), ("Global\\bt_global", 5000), ("bt_bare", 1 << 20),
            ("Local\\bt_odd", 65537))


def flat(pairs):
    return [x for pair in pairs for x in pair]


class PublishTest(BridgeTestCase):

    def check_published(self, bridge, made, wanted=SECTIONS):
        self.assertEqual([(c["name"], c["requested"]) for c in made], list(wanted))
        for c in made:
            path = bridge.path(c["name"])
            self.wait_present(path, bridge)
            # Wine makes a section of whole pages and says so (NtQuerySection): the mount
            # shows that size, which the game's view has too
            self.assertEqual(c["size"], page_round(c["requested"]), c)
            self.assertEqual(c["region"], c["size"], c)
            self.assertEqual(os.stat(path).st_size, c["size"],
                             "%s: not the size Wine gives %s" % (path, c["name"]))
            self.assertEqual(sfstest.xattr(path, "lifetime"), "temporary")
            self.assertEqual(sfstest.xattr(path, "protect"), "PAGE_READWRITE")
            # what the game wrote before the bridge took it
            with open(path, "rb") as f:
                tag = ("sfgame:" + c["name"]).encode()
                self.assertEqual(os.pread(f.fileno(), len(tag), 64), tag, path)
                self.assertEqual(os.pread(f.fileno(), 4, c["requested"] - 4), b"END!", path)
        # each in its namespace only
        for c in made:
            leaf = c["name"].split("\\")[-1]
            if c["name"].startswith("Global\\"):
                self.assertFalse(os.path.exists(bridge.path("Local\\" + leaf)), c["name"])
            else:
                self.assertFalse(os.path.exists(self.mount.path("Global", leaf)),
                                 "%s is in Global/" % c["name"])
        expected = sorted(os.path.relpath(bridge.path(c["name"]), self.mount.dir) for c in made)
        self.assertEqual(self.published(), expected)

    def test_sections_made_before_the_bridge_starts_appear(self):
        game = self.game(*flat(SECTIONS))
        made = game.ready()
        start = time.monotonic()
        bridge = self.bridge()
        self.check_published(bridge, made)
        measure("bridge started to 4 sections made before it in the mount",
                "%.0f" % ((time.monotonic() - start) * 1000), "ms")
        self.assertEqual(game.finish(), 0)
        for c in made:
            self.wait_gone(bridge.path(c["name"]), bridge, why="the game ended")
        self.assert_nothing_published("the game ended", bridge)

    def test_sections_made_after_the_bridge_starts_appear_and_go(self):
        bridge = self.bridge()
        bridge.wait_helper()
        bridge.said("watching the wine prefix")
        # the moment each section shows in the mount, seen from here
        seen = {}
        stop = threading.Event()
        paths = {name: bridge.path(name) for name, _ in SECTIONS}

        def watch():
            while not stop.is_set() and len(seen) < len(paths):
                for name, path in paths.items():
                    if name not in seen and os.path.exists(path):
                        seen[name] = time.time_ns()
                time.sleep(0.001)
        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            game = self.game(*flat(SECTIONS))
            made = game.ready()
            self.check_published(bridge, made)
            watcher.join(APPEAR)
        finally:
            stop.set()
            watcher.join()
        for c in made:
            if c["name"] in seen:
                measure("CreateFileMapping to the file in the mount, %s (%d bytes)"
                        % (c["name"], c["size"]), "%.1f" % ((seen[c["name"]] - c["t0"]) / 1e6),
                        "ms")
        # one more, later, by the same game
        later = game.create("Global\\bt_later", 3 * PAGE)
        self.assertEqual(later["size"], 3 * PAGE)
        self.wait_present(bridge.path("Global\\bt_later"), bridge)
        self.assertEqual(os.stat(bridge.path("Global\\bt_later")).st_size, 3 * PAGE)
        # a section the game closes goes while the game runs on
        game.ask("close 0", r"^CLOSED 0$")
        took = self.wait_gone(bridge.path(made[0]["name"]), bridge, why="the game closed it")
        measure("CloseHandle to the file gone from the mount", "%.0f" % (took * 1000), "ms")
        self.assertTrue(os.path.exists(bridge.path(made[1]["name"])))
        # and everything goes with the game
        self.assertEqual(game.finish(), 0)
        self.assert_nothing_published("the game ended", bridge)
        self.assertIsNone(bridge.proc.poll(), "the bridge ended: " + bridge.describe())

    def test_wine_internal_names_never_appear(self):
        bridge = self.bridge()
        bridge.wait_helper()
        game = self.game("Local\\__wine_bt_hidden", 4096, "Global\\__wine_bt_hidden", 4096,
                         "__wineBtBare", 4096, "Local\\bt_shown", 4096)
        game.ready()
        self.wait_present(bridge.path("Local\\bt_shown"), bridge)
        # a section made after them all: when it shows, the helper has listed the others
        game.create("Local\\bt_barrier", 4096)
        self.wait_present(bridge.path("Local\\bt_barrier"), bridge)
        self.assertEqual(self.published(),
                         sorted(os.path.relpath(bridge.path(n), self.mount.dir)
                                for n in ("Local\\bt_shown", "Local\\bt_barrier")))
        for path in self.published():
            self.assertNotIn("__wine", path.lower())
        self.assertNotIn("__wine", bridge.err.text().lower())

    def test_origin_names_the_prefix_and_the_game(self):
        bridge = self.bridge()
        game = self.game("Global\\bt_origin", 4096)
        game.ready()
        path = bridge.path("Global\\bt_origin")
        self.wait_present(path, bridge)
        want = "wine:%s:%d" % (self.prefix.path, game.pid)
        # said just after the rename that made the file appear: it may lag the file a little
        bridge.said(r"Global/bt_origin: published \(4096 bytes, %s\)" % re.escape(want))
        try:
            origin = sfstest.xattr(path, "origin")
        except OSError as e:
            self.fail("user.section.origin of %s cannot be read (%s): the daemon does not keep "
                      "the origin the bridge gives it (%s)"
                      % (path, errno.errorcode.get(e.errno, e.errno), want))
        self.assertEqual(origin, want)

    def test_origin_names_a_game_that_maps_its_section_later(self):
        # Wine gives the game its descriptor on the section's file only with its first view;
        # the helper, woken by CreateFileMapping, may look before that
        bridge = self.bridge()
        bridge.wait_helper()
        game = self.game("--map-delay", 25, "Global\bt_late", 4096)
        game.ready()
        self.wait_present(bridge.path("Global\bt_late"), bridge)
        want = "wine:%s:%d" % (self.prefix.path, game.pid)
        self.assertEqual(sfstest.xattr(bridge.path("Global\bt_late"), "origin"), want,
                         "the origin names another process (the bridge's helper?): "
                         + bridge.describe())


class LiveTest(BridgeTestCase):
    """The mount shows the game's memory itself: what one side writes, the other reads at once.
    One game counts in word 0 of its section every 2 ms for all these tests."""

    NAME = "Global\\bt_live"
    SIZE = 64 * 1024

    @classmethod
    def setUpClass(cls):
        PREFIXES["main"].start_server()
        cls.cls_mount = Mount(*MOUNT_OPTIONS).start()
        cls.addClassCleanup(cls.cls_mount.stop)
        cls.cls_bridge = Bridge(cls.cls_mount, PREFIXES["main"])
        cls.addClassCleanup(cls.cls_bridge.stop)
        cls.cls_game = Game(PREFIXES["main"], SFGAME, "--interval", 2, cls.NAME, cls.SIZE)
        cls.addClassCleanup(cls.cls_game.kill)
        cls.cls_game.ready()
        cls.path = cls.cls_bridge.path(cls.NAME)
        if not poll(lambda: os.path.exists(cls.path), APPEAR):
            raise AssertionError("%s did not appear: %s" % (cls.path, cls.cls_bridge.describe()))

    def setUp(self):
        self.game = self.cls_game
        self.assertIsNone(self.game.proc.poll(), "the game ended: " + self.game.describe())

    def game_word(self, word):
        return int(self.game.ask("get 0 %d" % word, r"^VALUE 0 %d (\d+)$" % word).group(1))

    def test_the_game_counts(self):
        # what the other tests rely on
        first = self.game_word(0)
        self.assertTrue(poll(lambda: self.game_word(0) > first, 5, 0.01),
                        "the game's counter stays at %d" % first)

    def test_mmap_reader_sees_the_counter_move(self):
        with open(self.path, "rb") as f:
            m = mmap.mmap(f.fileno(), self.SIZE, mmap.MAP_SHARED, mmap.PROT_READ)
        try:
            first = struct.unpack_from("<I", m, 0)[0]
            moved = poll(lambda: struct.unpack_from("<I", m, 0)[0] > first + 1, 3, 0.001)
            later = struct.unpack_from("<I", m, 0)[0]
        finally:
            m.close()
        if not moved:
            self.fail("a map of %s through the mount shows word 0 at %d for 3 s while the game, "
                      "writing it every 2 ms, is at %d: the mount shows a snapshot, not the "
                      "game's memory" % (self.path, later, self.game_word(0)))
        self.assertLessEqual(later, self.game_word(0))

    def test_measure_data_age(self):
        """Zero-copy: a reader spinning on a map of the mount sees each count the moment the
        game writes it (the game stamps words 2-3 with the time before it counts)."""
        with open(self.path, "rb") as f:
            m = mmap.mmap(f.fileno(), self.SIZE, mmap.MAP_SHARED, mmap.PROT_READ)
        ages, seen = [], struct.unpack_from("<I", m, 0)[0]
        try:
            end = time.monotonic() + 1.0
            while time.monotonic() < end:
                count = struct.unpack_from("<I", m, 0)[0]
                if count != seen:
                    now = time.time_ns()
                    ages.append(now - struct.unpack_from("<q", m, 8)[0])
                    seen = count
        finally:
            m.close()
        self.assertTrue(ages, "no count seen through the map in 1 s")
        ages.sort()
        measure("data age seen by a reader of the mount, game writing every 2 ms (%d counts, "
                "median / 90th percentile)" % len(ages),
                "%.1f / %.1f" % (ages[len(ages) // 2] / 1000, ages[len(ages) * 9 // 10] / 1000),
                "us")

    def test_read_sees_what_the_game_writes(self):
        value = 0x5A000000 | (os.getpid() & 0xFFFFFF)
        self.game.ask("set 0 7 %d" % value, r"^SET 0 7 ")
        fd = os.open(self.path, os.O_RDONLY)
        try:
            got = poll(lambda: struct.unpack("<I", os.pread(fd, 4, 28))[0] == value, 3, 0.005)
            last = struct.unpack("<I", os.pread(fd, 4, 28))[0]
        finally:
            os.close(fd)
        self.assertTrue(got, "read(2) of %s through the mount gives word 7 = %#x for 3 s after the "
                        "game wrote %#x: the mount serves a snapshot, not the game's memory"
                        % (self.path, last, value))

    def test_mmap_write_reaches_the_game(self):
        value = 0xC0FFEE00 | (os.getpid() & 0xFF)
        with open(self.path, "r+b") as f:
            m = mmap.mmap(f.fileno(), self.SIZE, mmap.MAP_SHARED,
                          mmap.PROT_READ | mmap.PROT_WRITE)
        try:
            struct.pack_into("<I", m, 5 * 4, value)
            answer = self.game.ask("wait 0 5 %d 3000" % value, r"^(SAW|TIMEOUT) 0 5 (\d+)$")
        finally:
            m.close()
        self.assertEqual(answer.group(1), "SAW",
                         "the game still sees word 5 = %#x 3 s after a Linux program wrote %#x "
                         "into its map of %s: the mount's pages are not the game's"
                         % (int(answer.group(2)), value, self.path))

    def test_write_reaches_the_game(self):
        value = 0x0DDBA11 + (os.getpid() & 0xFF)
        fd = os.open(self.path, os.O_WRONLY)
        try:
            os.pwrite(fd, struct.pack("<I", value), 6 * 4)
        finally:
            os.close(fd)
        answer = self.game.ask("wait 0 6 %d 3000" % value, r"^(SAW|TIMEOUT) 0 6 (\d+)$")
        self.assertEqual(answer.group(1), "SAW",
                         "the game still sees word 6 = %#x 3 s after a Linux program wrote %#x "
                         "to %s (write(2), closed): the mount's data is not the game's memory"
                         % (int(answer.group(2)), value, self.path))


KILL_SECTIONS = ("Global\\bt_kill", 8192, "Local\\bt_kill_local", 4096)


class EndingTest(BridgeTestCase):
    """Whatever ends, the game, the helper, the bridge or the wineserver, what it published
    goes from the mount within a few seconds."""

    def start(self):
        bridge = self.bridge()
        game = self.game(*KILL_SECTIONS)
        game.ready()
        paths = [bridge.path(n) for n in KILL_SECTIONS[::2]]
        for path in paths:
            self.wait_present(path, bridge)
        return bridge, game, paths

    def test_game_killed(self):
        bridge, game, paths = self.start()
        game.proc.kill()
        game.proc.wait()
        start = time.monotonic()
        for path in paths:
            self.wait_gone(path, bridge, why="the game was killed (SIGKILL)")
        measure("game SIGKILLed to its sections gone", "%.0f" % ((time.monotonic() - start) * 1000),
                "ms")
        self.assert_nothing_published("a game killed", bridge)
        self.assertIsNone(bridge.proc.poll(), "the bridge ended: " + bridge.describe())

    def test_helper_killed(self):
        bridge, game, paths = self.start()
        helper = bridge.wait_helper()
        fds = sorted(os.listdir("/proc/%d/fd" % bridge.pid), key=int)
        mark = len(bridge.err.lines)
        os.kill(helper, signal.SIGKILL)
        # what that helper showed goes ...
        for name in ("Global/bt_kill", "Local/bt_kill_local"):
            bridge.said(r"^sectionfs-bridge: %s: gone$" % name, GO, mark)
        # ... and a new helper shows the game's sections again: the bridge goes on
        new = poll(lambda: bridge.helper_pid() not in (None, helper) and bridge.helper_pid(),
                   APPEAR)
        self.assertTrue(new, "no new helper after the first was killed: " + bridge.describe())
        for name in ("Global/bt_kill", "Local/bt_kill_local"):
            bridge.said(r"^sectionfs-bridge: %s: published" % name, APPEAR, mark)
        for path in paths:
            self.wait_present(path, bridge)
        self.assertNotIn("taken", bridge.err.text(), "a section of the killed helper stayed")
        # what the bridge held for the first helper went with it
        self.assertEqual(sorted(os.listdir("/proc/%d/fd" % bridge.pid), key=int), fds,
                         "the bridge's open files, one helper later")
        game.proc.kill()
        game.proc.wait()
        for path in paths:
            self.wait_gone(path, bridge, why="the game was killed, after a helper")
        self.assert_nothing_published("a helper killed, then the game", bridge)

    def test_bridge_killed(self):
        bridge, game, paths = self.start()
        helper = bridge.wait_helper()
        bridge.proc.kill()
        bridge.proc.wait()
        start = time.monotonic()
        for path in paths:
            self.wait_gone(path, bridge, why="the bridge was killed (SIGKILL)")
        measure("bridge SIGKILLed to its sections gone",
                "%.0f" % ((time.monotonic() - start) * 1000), "ms")
        self.assert_nothing_published("a bridge killed", bridge)
        # its helper sees its input end and goes too; the game goes on
        if poll(lambda: not alive(helper), GO) is None:
            self.fail("the helper (pid %d) runs on %ss after its bridge was killed"
                      % (helper, GO))
        self.assertIsNone(game.proc.poll(), "the game ended: " + game.describe())

    def test_wineserver_killed(self):
        self.addCleanup(self.prefix.kill_server)   # the game's own server, below
        bridge, game, paths = self.start()
        helper = bridge.wait_helper()
        start = time.monotonic()
        self.prefix.kill_server()
        for path in paths:
            self.wait_gone(path, bridge, why="wineserver -k")
        measure("wineserver -k to the sections gone", "%.0f" % ((time.monotonic() - start) * 1000),
                "ms")
        self.assert_nothing_published("the wineserver killed", bridge)
        self.assertFalse(alive(helper), "the helper outlived its wineserver")
        self.assertIsNotNone(game.proc.poll(), "the game outlived its wineserver")
        # the bridge waits for the next wineserver: it starts none (a helper started while the
        # killed one's socket is still there would have wine start one)
        again = poll(self.prefix.server_pid, 4, 0.05)
        if again:
            self.fail("a wineserver (pid %d) runs again with no game: the prefix's programs:\n%s"
                      "\n%s" % (again, self.prefix.programs(), bridge.describe()))
        # ... and shows the sections of the next
        self.assertIsNone(bridge.proc.poll(), "the bridge ended: " + bridge.describe())
        game = self.game("Global\\bt_again", 4096)
        game.ready()
        self.wait_present(bridge.path("Global\\bt_again"), bridge)
        self.assertNotEqual(bridge.helper_pid(), helper)
        self.assertEqual(game.finish(), 0)
        self.wait_gone(bridge.path("Global\\bt_again"), bridge, why="the game ended")

    def test_the_wineserver_ends_with_the_last_game(self):
        # a wineserver as a game starts it, which ends a few seconds after the prefix's last
        # program (Proton waits for that before it says the game ended)
        self.prefix.kill_server()
        self.addCleanup(self.prefix.kill_server)
        bridge = self.bridge()
        game = self.game("Global\\bt_last", 4096)
        game.ready()
        path = bridge.path("Global\\bt_last")
        self.wait_present(path, bridge)
        bridge.wait_helper()
        server = self.prefix.server_pid()
        self.assertEqual(game.finish(), 0)
        start = time.monotonic()
        self.wait_gone(path, bridge, why="the game ended")
        if poll(lambda: not alive(server), 15, 0.05) is None:
            self.fail("the wineserver runs on 15 s after the prefix's last game ended: the "
                      "bridge's helper, a program of the prefix, keeps it (%s)\nThe prefix's "
                      "programs:\n%s" % (bridge.describe(), self.prefix.programs()))
        measure("the last game's end to its wineserver's (bridge running)",
                "%.1f" % (time.monotonic() - start), "s")
        # the bridge starts no wineserver of its own: the prefix stays without one (a new
        # helper would have made one within this time)
        time.sleep(2)
        self.assertIsNone(self.prefix.server_pid(),
                          "a wineserver runs again without a game: " + bridge.describe())
        self.assertIsNone(bridge.proc.poll(), "the bridge ended: " + bridge.describe())


class TwoPrefixesTest(BridgeTestCase):

    def test_two_prefixes_at_once(self):
        main, other = self.prefix, PREFIXES["other"]
        self.addCleanup(other.kill_server)
        b1 = self.bridge(prefix=main)
        b2 = self.bridge(prefix=other)
        self.assertNotEqual(b1.sid, b2.sid)
        g1 = self.game("Global\\bt_one", 4096, "Local\\bt_mine", 4096, prefix=main)
        g2 = self.game("Global\\bt_two", 8192, "Local\\bt_mine", 12288, prefix=other)
        g1.ready()
        g2.ready()
        for b, name, size in ((b1, "Global\\bt_one", 4096), (b2, "Global\\bt_two", 8192),
                              (b1, "Local\\bt_mine", 4096), (b2, "Local\\bt_mine", 12288)):
            self.wait_present(b.path(name), b)
            self.assertEqual(os.stat(b.path(name)).st_size, size, name)
        b1.said(r"Global/bt_one: published \(4096 bytes, wine:%s:%d\)"
                % (re.escape(main.path), g1.pid), 0)
        b2.said(r"Global/bt_two: published \(8192 bytes, wine:%s:%d\)"
                % (re.escape(other.path), g2.pid), 0)
        # only the main prefix's sections are the main bridge's, and the other's the other's
        self.assertNotIn("bt_two", b1.err.text())
        self.assertNotIn("bt_one", b2.err.text())
        # one Global name made in both: the first published holds it, the other bridge says so
        g1.create("Global\\bt_same", 4096)
        self.wait_present(b1.path("Global\\bt_same"), b1)
        g2.create("Global\\bt_same", 4096)
        b2.said(r"Global/bt_same: the name is taken in the mount: not published")
        self.assertIn("wine:%s:" % main.path,
                      b1.said(r"Global/bt_same: published \(.*\)", 0).group(0))
        # one game gone: its sections go, the other's stay
        g1.proc.kill()
        g1.proc.wait()
        for name in ("Global\\bt_one", "Local\\bt_mine", "Global\\bt_same"):
            self.wait_gone(b1.path(name), b1)
        for name in ("Global\\bt_two", "Local\\bt_mine"):
            self.assertTrue(os.path.exists(b2.path(name)), name)


class WrapperTest(BridgeTestCase):
    """sectionfs-bridge -- wine64 game.exe: as a launch option, the bridge starts before the
    game's wineserver and ends with the game."""

    def setUp(self):
        super().setUp()
        self.prefix.kill_server()

    def test_ends_with_the_game_and_its_status(self):
        # as Proton's "waitforexitandrun": the game, then wineserver -w, then the game's status
        script = 'w=$1 s=$2; shift 2; "$w" "$@"; status=$?; "$s" -w; exit $status'
        bridge = self.bridge(command=["sh", "-c", script, "sh", WINE, WINESERVER, SFGAME,
                                      "--status", 7, "Global\\bt_wrap", 4096,
                                      "bt_wrap_local", 8192])
        ready = bridge.out.next(r"^READY$", 30)
        self.assertTrue(ready, "the game did not start: %s\n%s" % (bridge.out.text(),
                                                                   bridge.describe()))
        for name in ("Global\\bt_wrap", "bt_wrap_local"):
            self.wait_present(bridge.path(name), bridge)
        helper = bridge.wait_helper()
        bridge.proc.stdin.close()   # the game's input: it ends, with status 7
        start = time.monotonic()
        try:
            rc = bridge.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.fail("the bridge runs on 20 s after its game ended: the command waits for the "
                      "wineserver (wineserver -w), which the bridge's helper keeps: %s\nThe "
                      "prefix's programs:\n%s" % (bridge.describe(), self.prefix.programs()))
        measure("wrapper: game's end to the bridge's (wineserver -w between)",
                "%.1f" % (time.monotonic() - start), "s")
        self.assertEqual(rc, 7, bridge.describe())
        self.assert_nothing_published("the wrapped game ended")
        self.assertFalse(alive(helper), "the helper outlived the bridge")

    def test_passes_a_signal_to_the_game_and_ends_with_it(self):
        bridge = self.bridge(command=[WINE, SFGAME, "Global\\bt_wrap_term", 4096])
        self.assertTrue(bridge.out.next(r"^READY$", 30), bridge.describe())
        self.wait_present(bridge.path("Global\\bt_wrap_term"), bridge)
        game = [p for p in children(bridge.pid) if "sfgame" in cmdline(p)]
        self.assertEqual(len(game), 1, [cmdline(p) for p in children(bridge.pid)])
        bridge.proc.send_signal(signal.SIGTERM)
        rc = bridge.proc.wait(20)
        self.assertFalse(alive(game[0]), "the game runs on")
        self.assertNotEqual(rc, 0, bridge.describe())
        self.assert_nothing_published("the wrapped game ended by a signal")


class MakeTest(BridgeTestCase):
    """--make NAME: a section a Linux program makes in the mount, shown to Windows programs."""

    DATA = bytes((i * 7 + 3) & 0xFF for i in range(2 * PAGE))

    def test_a_game_finds_the_linux_section_and_shares_it(self):
        bridge = self.bridge("--make", "Global\\bt_made")
        bridge.wait_helper()
        # the Linux program makes it once the bridge runs: the bridge looks for it
        path = self.mount.path("Global", "bt_made")
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        self.addCleanup(lambda: os.path.exists(path) and os.unlink(path))
        try:
            os.write(fd, self.DATA)
            m = mmap.mmap(fd, len(self.DATA), mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        finally:
            os.close(fd)
        self.addCleanup(m.close)
        bridge.said(r"Global/bt_made: made for Windows programs")
        game = self.game("Global\\bt_made", exe=SFOPEN)
        self.assertEqual(game.expect(r"^OPEN ").string, "OPEN error=0",
                         "OpenFileMapping failed: " + game.describe())
        self.assertEqual(game.expect(r"^CREATE ").string, "CREATE error=0 existed=1",
                         "CreateFileMapping did not find it: " + game.describe())
        mapped = parse_fields(game.expect(r"^MAPPED ").string + " name=")
        self.assertEqual(mapped["size"], len(self.DATA))
        game.expect(r"^READY$")
        for off in (0, PAGE - 16, len(self.DATA) - 32):
            hexa = game.ask("bytes 0 %d 32" % off, r"^BYTES 0 %d (\w+)$" % off).group(1)
            self.assertEqual(bytes.fromhex(hexa), self.DATA[off:off + 32], "at %d" % off)
        # both ways, at once
        struct.pack_into("<I", m, 40, 0xBEEF0001)
        self.assertEqual(game.ask("wait 0 10 %d 3000" % 0xBEEF0001,
                                  r"^(SAW|TIMEOUT) 0 10 ").group(1), "SAW")
        game.ask("set 0 11 %d" % 0x1234ABCD, r"^SET ")
        self.assertTrue(poll(lambda: struct.unpack_from("<I", m, 44)[0] == 0x1234ABCD, 3),
                        "the Linux program does not see what the game wrote")
        # the bridge does not publish its own section back, nor anything else
        self.assertNotIn("taken", bridge.err.text())
        self.assertEqual(self.published(), ["Global/bt_made"])
        # the Linux program removes it: the bridge lets go, and a new game finds nothing
        self.assertEqual(game.finish(), 0)
        m.close()
        os.unlink(path)

        def gone_for_windows():
            g = Game(self.prefix, SFOPEN, "Global\\bt_made")
            try:
                return g.expect(r"^OPEN ").string == "OPEN error=2"
            finally:
                g.kill()
        self.assertTrue(poll(gone_for_windows, 10, 0.2),
                        "Windows programs still find Global\\bt_made after its file went")


class ErrorTest(unittest.TestCase):
    """The bridge says why it cannot run, and exits non-zero."""

    def run_bridge(self, *args, env=None):
        r = subprocess.run([BRIDGE] + list(args), capture_output=True, text=True, timeout=30,
                           env=dict(PREFIXES["main"].env(), **(env or {})))
        self.assertNotEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout, "")
        return r.stderr

    def test_no_mount(self):
        with tempfile.TemporaryDirectory() as d:
            err = self.run_bridge("-m", d)
        self.assertRegex(err, r"%s is not a sectionfs mount" % re.escape(os.path.realpath(d)))

    def test_no_mount_in_the_environment(self):
        err = self.run_bridge(env={"SECTIONFS_ROOT": "/nonexistent/sectionfs"})
        self.assertIn("/nonexistent/sectionfs is not a sectionfs mount", err)

    def test_no_wine(self):
        with Mount() as m:
            err = self.run_bridge("-m", m.dir, env={"WINE": "/nonexistent/wine64"})
            err2 = self.run_bridge("-m", m.dir, "--", "true", env={"WINE": "/nonexistent/wine64"})
        self.assertIn("no wine to run the helper with (/nonexistent/wine64", err)
        self.assertIn("no wine to run the helper with", err2)

    def test_no_helper(self):
        with Mount() as m:
            err = self.run_bridge("-m", m.dir, "--helper", "/nonexistent/helper.exe")
        self.assertIn("the Windows helper /nonexistent/helper.exe", err)


# A Linux program waiting on an event of the mount: read() blocks until it is signaled.  A
# process of its own (a read blocked in the kernel cannot be given up), spoken to in lines:
#   read  -> "waiting", then "woke NS HEX" (CLOCK_MONOTONIC_RAW; the 8 bytes read) or "error E"
#   try   -> "got HEX" or "error E": a read of a descriptor opened O_NONBLOCK
#   poll  -> "polling", then "polled readable" (POLLIN) or "polled nothing" (5 s)
EVENT_READER = r"""
import errno, os, select, sys, time
path = sys.argv[1]
fd = os.open(path, os.O_RDONLY)
for line in sys.stdin:
    if line.strip() == "read":
        print("waiting", flush=True)
        try:
            data = os.read(fd, 8)
            print("woke %d %s" % (time.clock_gettime_ns(time.CLOCK_MONOTONIC_RAW), data.hex()),
                  flush=True)
        except OSError as e:
            print("error %s" % errno.errorcode.get(e.errno, e.errno), flush=True)
    elif line.strip() == "try":
        nb = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            print("got %s" % os.read(nb, 8).hex(), flush=True)
        except OSError as e:
            print("error %s" % errno.errorcode.get(e.errno, e.errno), flush=True)
        os.close(nb)
    elif line.strip() == "poll":
        p = select.poll()
        p.register(fd, select.POLLIN)
        print("polling", flush=True)
        print("polled " + ("readable" if p.poll(5000) else "nothing"), flush=True)
"""

WAKE = 5.0   # the longest a blocked reader may wait for a set the game made


class EventReader(Program):
    """EVENT_READER on path."""

    def __init__(self, path):
        super().__init__([sys.executable, "-c", EVENT_READER, path])
        self.path = path

    def expect(self, pattern, timeout):
        """The match, or None when the reader says nothing like it in time."""
        return self.out.next(pattern, timeout)

    def start_read(self):
        self.send("read")
        if not self.expect(r"^waiting$", 10):
            raise AssertionError("the reader did not start: " + self.err.text())
        # its read is a wait in the daemon, which a pulse reaches (a read still on its way
        # through the kernel is not); this reader is the copy's only one
        deadline = time.monotonic() + 10
        while sfstest.xattr(self.path, "waiters") != "1":
            if time.monotonic() > deadline:
                raise AssertionError("the reader's read is no wait in the daemon: %s waiters"
                                     % sfstest.xattr(self.path, "waiters"))
            time.sleep(0.002)

    def try_read(self):
        """What a read that must not block gives: "got HEX" or "error E"."""
        self.send("try")
        m = self.expect(r"^(got|error) .*$", 10)
        if not m:
            raise AssertionError("a nonblocking read blocked: " + self.err.text())
        return m.group(0)


def median(values):
    return sorted(values)[len(values) // 2]


class EventTest(BridgeTestCase):
    """Named events of the prefix in the mount, kept in step with the game's."""

    def events_game(self, *events):
        """sfevent making events, (NAME, TYPE, STATE) each: the game, once it is ready."""
        game = self.game(*flat(events), exe=SFEVENT)
        start = game.out.cursor
        game.expect(r"^READY$")
        for line in game.out.lines[start:game.out.cursor]:
            if line.startswith("FAILED"):
                raise AssertionError("the game failed: %s\n%s" % (line, game.describe()))
        return game

    def reader(self, path):
        r = EventReader(path)
        self.addCleanup(r.kill)
        return r

    def signal(self, game, op, idx):
        """setevent/resetevent/pulseevent in the game: its QueryPerformanceCounter just before,
        in ns (CLOCK_MONOTONIC_RAW's, in Wine 8)."""
        return int(game.ask("%sevent %d" % (op, idx), r"^DONE op=%s idx=%d qpc=(\d+)$"
                            % (op, idx)).group(1)) * 100

    def game_state(self, game, idx):
        return int(game.ask("state %d" % idx, r"^STATE idx=%d signaled=(\d)$" % idx).group(1))

    def wait_state(self, path, want, bridge, timeout=GO):
        if not poll(lambda: sfstest.xattr(path, "state") == want, timeout):
            self.fail("%s stayed %s, not %s, for %ss; the bridge %s"
                      % (path, sfstest.xattr(path, "state"), want, timeout, bridge.describe()))

    def check_clocks(self, game):
        """The latencies measured compare Wine's QueryPerformanceCounter with Linux's
        CLOCK_MONOTONIC_RAW: Wine 8 reads that clock (not CLOCK_MONOTONIC, which NTP slews:
        they differ by a fraction of a second)."""
        for _ in range(3):
            before = time.clock_gettime_ns(time.CLOCK_MONOTONIC_RAW)
            qpc = int(game.ask("clock", r"^CLOCK qpc=(\d+)$").group(1)) * 100
            after = time.clock_gettime_ns(time.CLOCK_MONOTONIC_RAW)
            self.assertTrue(before <= qpc <= after,
                            "Wine's QueryPerformanceCounter is not CLOCK_MONOTONIC_RAW: %d not in "
                            "[%d, %d]: the latencies measured mean nothing" % (qpc, before, after))

    def expect_wake(self, reader, bridge, why):
        m = reader.expect(r"^(woke (\d+) (\w+)|error .*)$", WAKE)
        if not m:
            self.fail("a reader blocked on the mount's event did not wake within %ss of %s; "
                      "the bridge %s" % (WAKE, why, bridge.describe()))
        self.assertTrue(m.group(2), "the read failed: %s" % m.group(0))
        self.assertEqual(m.group(3), "00" * 8, "not WAIT_OBJECT_0")
        return int(m.group(2))

    def test_events_appear_with_their_type_and_go_with_the_game(self):
        bridge = self.bridge()
        game = self.events_game(("Local\\bt_ev_manual", "manual", "nonsignaled"),
                                ("Global\\bt_ev_auto", "auto", "nonsignaled"),
                                ("bt_ev_on", "manual", "signaled"))
        want = {"Local\\bt_ev_manual": ("event manual", "nonsignaled"),
                "Global\\bt_ev_auto": ("event auto", "nonsignaled"),
                "bt_ev_on": ("event manual", "signaled")}
        for name, (kind, state) in want.items():
            path = bridge.path(name)
            self.wait_present(path, bridge)
            # as a shell user sees it
            shown = subprocess.run(["getfattr", "--only-values", "-n", "user.section.type",
                                    path], capture_output=True, text=True)
            self.assertEqual(shown.returncode, 0, shown.stderr)
            self.assertTrue(shown.stdout.startswith(kind + " "), "%s: %r" % (name, shown.stdout))
            self.assertEqual(sfstest.xattr(path, "state"), state, name)
            self.assertEqual(sfstest.xattr(path, "lifetime"), "temporary", name)
            self.assertEqual(sfstest.xattr(path, "origin"), "wine:" + self.prefix.path, name)
            # the mount shows objects with the sticky bit (ls -l: "T")
            self.assertEqual(os.stat(path).st_mode & 0o7777, 0o1600, name)
        # each in its namespace, and nothing else (no Wine event, no helper's own)
        self.assertEqual(self.published(),
                         sorted(os.path.relpath(bridge.path(n), self.mount.dir) for n in want))
        # one made later appears within the rescan
        t0 = time.monotonic()
        game.ask("event Global\\bt_ev_later auto nonsignaled", r"^EVENT idx=3 existed=0 ")
        self.wait_present(bridge.path("Global\\bt_ev_later"), bridge)
        measure("CreateEvent to the event in the mount (seen from here)",
                "%.0f" % ((time.monotonic() - t0) * 1000), "ms")
        # one the game closes goes while it runs on
        game.ask("closeevent 0", r"^ECLOSED idx=0$")
        took = self.wait_gone(bridge.path("Local\\bt_ev_manual"), bridge,
                              why="the game closed it")
        measure("CloseHandle of an event to its file gone from the mount", "%.0f" % (took * 1000),
                "ms")
        self.assertTrue(os.path.exists(bridge.path("Global\\bt_ev_auto")))
        self.assertEqual(game.finish(), 0)
        self.assert_nothing_published("the game ended", bridge)
        self.assertIsNone(bridge.proc.poll(), "the bridge ended: " + bridge.describe())

    def one_event(self, name, kind):
        """A bridge, a game with the nonsignaled event NAME of type KIND, its path in the mount
        once it is there, and a reader of it."""
        bridge = self.bridge()
        game = self.events_game((name, kind, "nonsignaled"))
        path = bridge.path(name)
        self.wait_present(path, bridge)
        return bridge, game, path, self.reader(path)

    def set_wakes(self, bridge, game, reader):
        """The reader blocks, the game sets its event 0: the ns from SetEvent to the wake."""
        reader.start_read()
        set_at = self.signal(game, "set", 0)
        return self.expect_wake(reader, bridge, "the game's SetEvent") - set_at

    def test_an_auto_reset_set_wakes_one_blocked_reader(self):
        bridge, game, path, reader = self.one_event("Global\\bt_ev_tick", "auto")
        self.assertEqual(reader.try_read(), "error EAGAIN")
        self.check_clocks(game)
        took = [self.set_wakes(bridge, game, reader) for _ in range(20)]
        measure("the game's SetEvent to a Linux reader's read() returning, auto-reset "
                "(20 sets, median / max)", "%.0f / %.0f" % (median(took) / 1000, max(took) / 1000),
                "us")
        # the read took it: one set, one reader
        self.assertEqual(sfstest.xattr(path, "state"), "nonsignaled")
        self.assertEqual(reader.try_read(), "error EAGAIN")
        # a set while nobody reads stays for the next reader, as the game's would
        self.signal(game, "set", 0)
        self.wait_state(path, "signaled", bridge)
        self.assertEqual(reader.try_read(), "got " + "00" * 8)
        self.assertEqual(reader.try_read(), "error EAGAIN")
        # with no Windows waiter, the helper's wait left the game's event as the game's set
        # left it for a waiter that took it: not signaled
        self.assertEqual(self.game_state(game, 0), 0)

    def test_a_manual_reset_event_follows_set_reset_and_pulse(self):
        bridge, game, path, reader = self.one_event("Local\\bt_ev_state", "manual")
        took, reset_took = [], []
        for _ in range(10):
            took.append(self.set_wakes(bridge, game, reader))
            # a manual-reset event stays signaled: reads do not block, and take nothing
            self.assertEqual(reader.try_read(), "got " + "00" * 8)
            self.assertEqual(sfstest.xattr(path, "state"), "signaled")
            self.assertEqual(self.game_state(game, 0), 1, "the bridge changed the game's event")
            t0 = time.monotonic()
            self.signal(game, "reset", 0)
            self.wait_state(path, "nonsignaled", bridge)
            reset_took.append(time.monotonic() - t0)
        measure("the game's SetEvent to a Linux reader's read() returning, manual-reset "
                "(10 sets, median / max)", "%.0f / %.0f" % (median(took) / 1000, max(took) / 1000),
                "us")
        measure("the game's ResetEvent to the mount's copy reset, seen from here (10 resets, "
                "median / max)", "%.0f / %.0f" % (median(reset_took) * 1000,
                                                  max(reset_took) * 1000), "ms")
        self.assertEqual(reader.try_read(), "error EAGAIN")
        # an event loop's poll wakes too
        reader.send("poll")
        self.assertTrue(reader.expect(r"^polling$", 10))
        time.sleep(0.05)
        self.signal(game, "set", 0)
        self.assertTrue(reader.expect(r"^polled readable$", WAKE),
                        "poll() did not see the game's set: " + bridge.describe())
        self.signal(game, "reset", 0)
        self.wait_state(path, "nonsignaled", bridge)
        # a pulse wakes the reader waiting and leaves the event nonsignaled
        reader.start_read()
        self.signal(game, "pulse", 0)
        self.expect_wake(reader, bridge, "the game's PulseEvent")
        self.assertEqual(sfstest.xattr(path, "state"), "nonsignaled")
        self.assertEqual(reader.try_read(), "error EAGAIN")

    def test_more_events_than_one_wait_can_watch(self):
        # a thread of the helper waits on 63 events (and its own wake-up): 70 need two
        bridge = self.bridge()
        names = ["Global\\bt_ev_many%d" % i for i in range(70)]
        game = self.events_game(*[(n, "auto", "nonsignaled") for n in names])
        for n in names:
            self.wait_present(bridge.path(n), bridge)
        for idx in (0, 62, 63, 69):
            reader = self.reader(bridge.path(names[idx]))
            reader.start_read()
            self.signal(game, "set", idx)
            self.expect_wake(reader, bridge, "the game's SetEvent of %s" % names[idx])
            reader.kill()

    def test_an_event_found_signaled_is_left_to_the_game(self):
        game = self.events_game(("Local\\bt_ev_found", "auto", "signaled"))
        bridge = self.bridge()
        path = bridge.path("Local\\bt_ev_found")
        self.wait_present(path, bridge)
        self.assertEqual(sfstest.xattr(path, "type").split()[:2], ["event", "auto"])
        self.assertEqual(sfstest.xattr(path, "state"), "signaled")
        time.sleep(0.3)   # the helper watches it now
        self.assertEqual(self.game_state(game, 0), 1, "the helper took the game's set")
        # a Linux reader has the copy's
        reader = self.reader(path)
        self.assertEqual(reader.try_read(), "got " + "00" * 8)
        self.assertEqual(reader.try_read(), "error EAGAIN")
        self.assertEqual(self.game_state(game, 0), 1)

    def test_no_events_leaves_them_alone(self):
        bridge = self.bridge("--no-events")
        game = self.events_game(("Global\\bt_ev_off", "auto", "nonsignaled"))
        sections = self.game("Global\\bt_ev_barrier", 4096)
        sections.ready()
        self.wait_present(bridge.path("Global\\bt_ev_barrier"), bridge)
        time.sleep(0.5)   # rescans
        self.assertEqual(self.published(), ["Global/bt_ev_barrier"])
        self.signal(game, "set", 0)
        time.sleep(0.3)
        self.assertEqual(self.game_state(game, 0), 1, "the helper took the set")

    def test_the_games_own_waiter_still_gets_every_set(self):
        game = self.events_game(("Local\\bt_ev_both", "auto", "nonsignaled"))
        alone = game.ask("selfwait 0 20", r"^SELFWAIT .*$").group(0)
        alone = parse_fields(alone + " name=")
        self.assertEqual(alone["missed"], 0, alone)
        bridge = self.bridge()
        path = bridge.path("Local\\bt_ev_both")
        self.wait_present(path, bridge)
        time.sleep(0.3)   # the helper waits on it now
        bridged = parse_fields(game.ask("selfwait 0 20", r"^SELFWAIT .*$").group(0) + " name=")
        self.assertEqual(bridged["missed"], 0, "the game's own waiter lost sets to the bridge: "
                         "%s; the bridge %s" % (bridged, bridge.describe()))
        measure("the game's SetEvent to its own waiter's wake-up, median / max, without the "
                "bridge", "%d / %d" % (alone["median_us"], alone["max_us"]), "us")
        measure("... with the bridge watching the event", "%d / %d"
                % (bridged["median_us"], bridged["max_us"]), "us")


class MeasureTest(BridgeTestCase):

    def test_idle_cpu(self):
        bridge = self.bridge()
        game = self.game("Global\\bt_idle", 4096, "Local\\bt_idle", 65536)
        game.ready()
        for name in ("Global\\bt_idle", "Local\\bt_idle"):
            self.wait_present(bridge.path(name), bridge)
        helper = bridge.wait_helper()
        server = self.prefix.server_pid()
        time.sleep(0.5)   # what the publishing took is not idle
        pids = {"bridge": bridge.pid, "helper": helper, "wineserver": server}
        before = {k: cpu_seconds(p) for k, p in pids.items()}
        start = time.monotonic()
        time.sleep(4)
        elapsed = time.monotonic() - start
        for k, p in pids.items():
            measure("idle CPU of the %s (2 sections, %.0f s)" % (k, elapsed),
                    "%.2f" % ((cpu_seconds(p) - before[k]) / elapsed * 100), "% of one CPU")
        self.assertIsNone(bridge.proc.poll())


if __name__ == "__main__":
    if not WINE or not WINESERVER:
        print("no wine64: the bridge suite is skipped")
        sys.exit(77)
    sfstest.main()
