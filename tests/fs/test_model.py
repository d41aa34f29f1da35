"""Random operations from several processes, each checked against a model of the sections.

Four worker processes (model_worker, a C helper) keep open files and MAP_SHARED maps of three
sections in Global/ across steps.  A coordinator (this test) picks, per step and from a seeded
RNG, ONE worker and ONE operation: open (read-only, read-write, O_APPEND, O_TRUNC, O_DIRECT),
close, read, write, lseek, pread, pwrite, ftruncate, truncate by path, dropping the page cache
(POSIX_FADV_DONTNEED: what is read next comes from the daemon), mmap (of an open file, or of a
path whose file is closed at once so that only the map holds it), a load or a store through a
map, munmap, or letting go of everything the worker holds on one section.  It waits for the
result, applies the same operation to the model (the bytes of each section, and who holds what)
and checks the result, then checks the section: its size by stat, its bytes by pread through an
open file of another process (or a fresh open of the coordinator), the bytes every map in every
worker sees (at once: no msync), and the daemon's count of open files (user.section.handles,
waited for, since the kernel reports a close a moment after it returns).

The model predicts every outcome, EBUSY included (README, "Sections as files"): a cut is refused
while the section is held by an open file other than the one cutting or, in passthrough mode, by
a map in another process (a passthrough map holds the memfd, not the open file); in cached mode a
map holds the open file it was made from.  truncate(path) and open(O_TRUNC) count every holder.

SECTIONFS_MODEL_SEED=N replays a run (the seed is printed first, and with every failure);
SECTIONFS_MODEL_SECONDS=N (default 25, per data path) runs longer; SECTIONFS_MODEL_STEPS=N stops
after N steps whatever the time.  A failure prints the seed, the step and the last steps; the
whole step log is written to a file it names.  The seed is the same for both data paths; to
replay one, name its class: python3 tests/fs/test_model.py ModelTestCached (or ...Passthrough).
"""
import errno
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import zlib

import sfstest
from sfstest import MountTestCase, helper, in_both_data_paths

PAGE = 4096
MAX_SIZE = 256 * 1024        # no section ever grows past this: the mount's cap never matters
SECTIONS = 3
WORKERS = 4
MAX_OPEN = 2                 # open files per worker and section
MAX_MAPS = 2                 # maps per worker and section
FULL_CHECK_EVERY = 64        # steps between checks of every section, map and open file
LOG_TAIL = 40                # steps printed with a failure
STEP_TIMEOUT = 60            # seconds: a step that takes longer is a hang

SECONDS = float(os.environ.get("SECTIONFS_MODEL_SECONDS", "25"))
STEPS = int(os.environ.get("SECTIONFS_MODEL_STEPS", "0"))
SEED = int(os.environ.get("SECTIONFS_MODEL_SEED") or int.from_bytes(os.urandom(4), "little"))

FLAVORS = {
    "r": os.O_RDONLY,
    "rw": os.O_RDWR,
    "rwa": os.O_RDWR | os.O_APPEND,
    "rwt": os.O_RDWR | os.O_TRUNC,
    "rd": os.O_RDONLY | os.O_DIRECT,      # reads go to the daemon (cached mode)
    "rwd": os.O_RDWR | os.O_DIRECT,
}

# How often each operation is picked (when it cannot be done, another one is picked).  Each
# section is in turn crowded (workers tend to open and map it) and quiet (they tend to let go),
# so that cuts meet both many holders and none.
WEIGHTS = {
    "open": 9, "close": 7, "release": 2,
    "read": 3, "write": 4, "seek": 2, "pread": 3, "pwrite": 8,
    "ftruncate": 7, "truncate": 2, "evict": 1,
    "mmap": 4, "mmap_path": 2, "munmap": 5, "mread": 3, "mwrite": 8,
}
QUIET = dict(WEIGHTS, open=2, close=9, release=4, mmap=1, mmap_path=0.5, munmap=8)
OPS = list(WEIGHTS)
PHASE_CHANGE = 1 / 150       # per step, for the section the step acts on


class Mismatch(Exception):
    """The mount did something the model did not predict."""


class Worker:
    """One model_worker process: commands in, answers out (see model_worker.c)."""

    def __init__(self, index):
        self.index = index
        self.name = "w%d" % index
        self.proc = subprocess.Popen([helper("model_worker")], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.free_fd_slots = list(range(255, -1, -1))
        self.free_map_slots = list(range(255, -1, -1))

    def call(self, line, payload=b"", data=False):
        """Sends a command; returns (0, value, bytes or None) or (errno, None, None)."""
        try:
            self.proc.stdin.write(line.encode() + b"\n" + payload)
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass
        answer = self.proc.stdout.readline()
        if not answer:
            self.died(line)
        kind, value = answer.split()
        if kind == b"err":
            return int(value), None, None
        n = int(value)
        got = None
        if data:
            got = self.proc.stdout.read(n)
            if len(got) != n:
                self.died(line)
        return 0, n, got

    def died(self, line):
        rc = self.proc.wait()
        err = self.proc.stderr.read().decode(errors="replace")
        how = "killed by SIGBUS" if rc == -7 else "exit status %s" % rc
        raise Mismatch("worker %s died (%s) on %r: %s" % (self.name, how, line, err))

    def finish(self):
        """Closes its stdin: it closes everything and exits; returns its status."""
        self.proc.stdin.close()
        rc = self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except (OSError, ValueError):
                pass


class Section:
    def __init__(self, name, path):
        self.name = name
        self.path = path
        self.data = bytearray()
        self.ofds = []            # open file descriptions (model), live or held by maps
        self.maps = []
        self.quiet = False

    @property
    def size(self):
        return len(self.data)

    def resize(self, n):
        if n < len(self.data):
            del self.data[n:]
        else:
            self.data += bytes(n - len(self.data))

    def store(self, off, b):
        if off > len(self.data):
            self.data += bytes(off - len(self.data))
        self.data[off:off + len(b)] = b


class Ofd:
    """An open file description: what open() made, with its position."""
    counter = 0

    def __init__(self, worker, sec, flavor, slot):
        Ofd.counter += 1
        self.id = Ofd.counter
        self.worker = worker
        self.sec = sec
        self.flavor = flavor
        self.slot = slot          # the worker's fd slot while its descriptor is open, else None
        self.pos = 0
        self.maps = []

    @property
    def writable(self):
        return self.flavor not in ("r", "rd")

    @property
    def append(self):
        return self.flavor == "rwa"

    def __str__(self):
        return "fd#%d(%s)" % (self.id, self.flavor)


class Map:
    counter = 0

    def __init__(self, worker, sec, ofd, slot, off, length, writable):
        Map.counter += 1
        self.id = Map.counter
        self.worker = worker
        self.sec = sec
        self.ofd = ofd
        self.slot = slot
        self.off = off
        self.length = length
        self.writable = writable

    def visible(self):
        """How many bytes of the map are inside the section (the rest would be SIGBUS)."""
        return max(0, min(self.off + self.length, self.sec.size) - self.off)

    def __str__(self):
        return "map#%d(%s %d+%d of %s)" % (self.id, "rw" if self.writable else "r", self.off,
                                           self.length, self.ofd)


def first_difference(got, want):
    n = min(len(got), len(want))
    for i in range(n):
        if got[i] != want[i]:
            return i
    return n


class ModelRun:
    """One run: the workers, the model, the RNG and the step log."""

    def __init__(self, test, seed, seconds, steps):
        self.test = test
        self.passthrough = test.data_path == "passthrough"
        self.seed = seed
        self.seconds = seconds
        self.max_steps = steps
        self.rng = random.Random(seed)
        self.check_rng = random.Random(seed * 7919 + 1)   # the checks' own choices
        Ofd.counter = Map.counter = 0
        self.step = 0
        self.log = []
        self.stats = {}
        self.workers = []
        for i in range(WORKERS):
            w = Worker(i)
            test.addCleanup(w.kill)
            self.workers.append(w)
        self.sections = []
        for i in range(SECTIONS):
            sec = Section("M%d" % i, test.p("Global", "M%d" % i))
            fd = os.open(sec.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
            initial = self.rng.randbytes(self.rng.randrange(0, 4 * PAGE))
            os.write(fd, initial)
            os.close(fd)
            sec.data += initial
            self.sections.append(sec)
        for sec in self.sections:
            self.settle_handles(sec)

    # ---- the model's rules ----

    def live(self, ofd):
        """Does the daemon count this open file (user.section.handles)?  Its descriptor is open,
        or, in cached mode, a map made from it holds it."""
        return ofd.slot is not None or (not self.passthrough and bool(ofd.maps))

    def handles(self, sec):
        return sum(1 for o in sec.ofds if self.live(o))

    def cut_refused(self, sec, by=None):
        """Would the daemon refuse to shrink sec (E36, EBUSY)?  `by` is the open file through
        which ftruncate cuts (not counted, nor, in passthrough mode, its process's maps); None
        for truncate(path) and open(O_TRUNC), where every holder counts."""
        if any(self.live(o) and o is not by for o in sec.ofds):
            return True
        if self.passthrough:
            return any(by is None or m.worker is not by.worker for m in sec.maps)
        return False

    def forget_ofd_if_unused(self, ofd):
        if ofd.slot is None and not ofd.maps and ofd in ofd.sec.ofds:
            ofd.sec.ofds.remove(ofd)

    # ---- choosing ----

    def pick_offset(self, size):
        r = self.rng.random()
        if r < 0.4:
            off = self.rng.randint(0, size)
        elif r < 0.6:
            off = size + self.rng.randint(0, 3 * PAGE)
        elif r < 0.8:
            off = self.rng.randrange(0, MAX_SIZE // PAGE + 1) * PAGE + self.rng.randint(-16, 16)
        else:
            off = self.rng.randrange(0, MAX_SIZE)
        return min(max(off, 0), MAX_SIZE - 1)

    def pick_length(self, room):
        r = self.rng.random()
        if r < 0.4:
            n = self.rng.randint(1, 64)
        elif r < 0.7:
            n = self.rng.randint(1, 2 * PAGE)
        elif r < 0.95:
            n = self.rng.randint(1, 8 * PAGE)
        else:
            n = self.rng.randint(1, MAX_SIZE // 2)
        return max(1, min(n, room))

    def pick_size(self, size):
        r = self.rng.random()
        if r < 0.25:
            n = self.rng.randint(0, size)
        elif r < 0.4:
            n = size - self.rng.randint(1, PAGE + 1)
        elif r < 0.55:
            n = size + self.rng.randint(1, PAGE + 1)
        elif r < 0.75:
            n = self.rng.randint(0, MAX_SIZE)
        elif r < 0.85:
            n = self.rng.randint(0, MAX_SIZE // PAGE) * PAGE
        elif r < 0.95:
            n = 0
        else:
            n = size
        return min(max(n, 0), MAX_SIZE)

    def ofds_of(self, w, sec, open_only=True):
        return [o for o in sec.ofds if o.worker is w and (o.slot is not None or not open_only)]

    def maps_of(self, w, sec):
        return [m for m in sec.maps if m.worker is w]

    def choose(self):
        """(description, function) of the next step; draws only from self.rng."""
        while True:
            w = self.workers[self.rng.randrange(WORKERS)]
            sec = self.sections[self.rng.randrange(SECTIONS)]
            if self.rng.random() < PHASE_CHANGE:
                sec.quiet = not sec.quiet
                self.note("%s is %s now" % (sec.name, "quiet" if sec.quiet else "crowded"))
            weights = QUIET if sec.quiet else WEIGHTS
            op = self.rng.choices(OPS, [weights[o] for o in OPS])[0]
            chosen = getattr(self, "choose_" + op)(w, sec)
            if chosen:
                return w, sec, op, chosen

    def choose_open(self, w, sec):
        if len(self.ofds_of(w, sec)) >= MAX_OPEN:
            return None
        flavor = self.rng.choices(["r", "rw", "rwa", "rwt", "rd", "rwd"], [3, 6, 1, 1, 1, 1])[0]
        return lambda: self.do_open(w, sec, flavor)

    def choose_close(self, w, sec):
        ofds = self.ofds_of(w, sec)
        if not ofds:
            return None
        ofd = self.rng.choice(ofds)
        return lambda: self.do_close(w, ofd)

    def choose_release(self, w, sec):
        if not self.ofds_of(w, sec) and not self.maps_of(w, sec):
            return None
        return lambda: self.do_release(w, sec)

    def choose_read(self, w, sec):
        ofds = self.ofds_of(w, sec)
        if not ofds:
            return None
        ofd = self.rng.choice(ofds)
        n = self.pick_length(MAX_SIZE)
        return lambda: self.do_read(w, ofd, n)

    def choose_write(self, w, sec):
        ofds = self.ofds_of(w, sec)
        if not ofds:
            return None
        ofd = self.rng.choice(ofds)
        start = sec.size if ofd.append else ofd.pos
        if start >= MAX_SIZE:
            return None
        data = self.rng.randbytes(self.pick_length(MAX_SIZE - start))
        return lambda: self.do_write(w, ofd, data)

    def choose_seek(self, w, sec):
        ofds = self.ofds_of(w, sec)
        if not ofds:
            return None
        ofd = self.rng.choice(ofds)
        off = self.pick_offset(sec.size)
        return lambda: self.do_seek(w, ofd, off)

    def choose_pread(self, w, sec):
        ofds = self.ofds_of(w, sec)
        if not ofds:
            return None
        ofd = self.rng.choice(ofds)
        off = self.pick_offset(sec.size)
        n = self.pick_length(MAX_SIZE)
        return lambda: self.do_pread(w, ofd, off, n)

    def choose_pwrite(self, w, sec):
        ofds = self.ofds_of(w, sec)
        if not ofds:
            return None
        ofd = self.rng.choice(ofds)
        # pwrite on an O_APPEND file appends (Linux): it must fit too
        off = self.pick_offset(sec.size)
        start = sec.size if ofd.append else off
        if start >= MAX_SIZE:
            return None
        data = self.rng.randbytes(self.pick_length(MAX_SIZE - start))
        return lambda: self.do_pwrite(w, ofd, off, data)

    def choose_ftruncate(self, w, sec):
        ofds = self.ofds_of(w, sec)
        if not ofds:
            return None
        writable = [o for o in ofds if o.writable]
        if self.rng.random() < 0.9:       # now and then through a read-only file: EINVAL
            if not writable:
                return None
            ofds = writable
        ofd = self.rng.choice(ofds)
        n = self.pick_size(sec.size)
        return lambda: self.do_ftruncate(w, ofd, n)

    def choose_evict(self, w, sec):
        ofds = self.ofds_of(w, sec)
        if not ofds:
            return None
        ofd = self.rng.choice(ofds)
        return lambda: self.do_evict(w, ofd)

    def choose_truncate(self, w, sec):
        n = self.pick_size(sec.size)
        return lambda: self.do_truncate(w, sec, n)

    def pick_map_range(self):
        if self.rng.random() < 0.5:
            return 0, MAX_SIZE      # the whole room: sees the section grow, at once
        off = self.rng.randrange(0, MAX_SIZE // PAGE) * PAGE if self.rng.random() < 0.5 else 0
        pages = self.rng.randint(1, (MAX_SIZE - off) // PAGE)
        return off, pages * PAGE

    def choose_mmap(self, w, sec):
        ofds = self.ofds_of(w, sec)
        if not ofds or len(self.maps_of(w, sec)) >= MAX_MAPS:
            return None
        ofd = self.rng.choice(ofds)
        off, length = self.pick_map_range()
        writable = self.rng.random() < 0.75
        return lambda: self.do_mmap(w, ofd, off, length, writable)

    def choose_mmap_path(self, w, sec):
        if len(self.maps_of(w, sec)) >= MAX_MAPS:
            return None
        off, length = self.pick_map_range()
        writable = self.rng.random() < 0.75
        flavor = "rw" if writable or self.rng.random() < 0.5 else "r"
        return lambda: self.do_mmap_path(w, sec, flavor, off, length, writable)

    def choose_munmap(self, w, sec):
        maps = self.maps_of(w, sec)
        if not maps:
            return None
        m = self.rng.choice(maps)
        return lambda: self.do_munmap(w, m)

    def pick_map_span(self, m):
        visible = m.visible()
        if not visible:
            return None
        off = self.rng.randrange(0, visible)
        if self.rng.random() < 0.3:
            off = min(visible - 1, (off // PAGE) * PAGE)
        return off, self.pick_length(visible - off)

    def choose_mread(self, w, sec):
        maps = [m for m in self.maps_of(w, sec) if m.visible()]
        if not maps:
            return None
        m = self.rng.choice(maps)
        off, n = self.pick_map_span(m)
        return lambda: self.do_mread(w, m, off, n)

    def choose_mwrite(self, w, sec):
        maps = [m for m in self.maps_of(w, sec) if m.visible() and m.writable]
        if not maps:
            return None
        m = self.rng.choice(maps)
        off, n = self.pick_map_span(m)
        data = self.rng.randbytes(n)
        return lambda: self.do_mwrite(w, m, off, data)

    # ---- doing, with the model's prediction ----

    def note(self, text):
        self.log.append("%6d %s" % (self.step, text))

    def count(self, what):
        self.stats[what] = self.stats.get(what, 0) + 1

    def expect(self, what, got_err, want_err):
        if got_err != want_err:
            raise Mismatch("%s: got %s, the model expects %s" % (
                what, errno.errorcode.get(got_err, "success") if got_err else "success",
                errno.errorcode.get(want_err, want_err) if want_err else "success"))

    def expect_bytes(self, what, got, want):
        if got != want:
            i = first_difference(got, want)
            raise Mismatch("%s: got %d bytes (crc %08x), the model has %d (crc %08x); first "
                           "difference at offset %d: got %s, expected %s" % (
                               what, len(got), zlib.crc32(got), len(want), zlib.crc32(want), i,
                               bytes(got[i:i + 16]).hex() or "(end)",
                               bytes(want[i:i + 16]).hex() or "(end)"))

    def do_open(self, w, sec, flavor):
        want = 0
        if flavor == "rwt" and sec.size > 0 and self.cut_refused(sec):
            want = errno.EBUSY
        slot = w.free_fd_slots.pop()
        self.note("%s open %s %s -> %s" % (w.name, sec.name, flavor,
                                           errno.errorcode.get(want, "ok")))
        err, _, _ = w.call("open %d %d %s" % (slot, FLAVORS[flavor], sec.path))
        self.expect("%s open(%s, %s)" % (w.name, sec.name, flavor), err, want)
        self.count("open %s %s" % (flavor, "EBUSY" if err else "ok"))
        if err:
            w.free_fd_slots.append(slot)
            return
        if flavor == "rwt":
            sec.resize(0)
        ofd = Ofd(w, sec, flavor, slot)
        sec.ofds.append(ofd)
        self.log[-1] += " " + str(ofd)

    def do_close(self, w, ofd):
        self.note("%s close %s %s" % (w.name, ofd.sec.name, ofd))
        err, _, _ = w.call("close %d" % ofd.slot)
        self.expect("%s close(%s)" % (w.name, ofd), err, 0)
        w.free_fd_slots.append(ofd.slot)
        ofd.slot = None
        self.forget_ofd_if_unused(ofd)

    def do_release(self, w, sec):
        self.note("%s lets go of %s" % (w.name, sec.name))
        for m in self.maps_of(w, sec):
            self.do_munmap(w, m)
        for ofd in self.ofds_of(w, sec):
            self.do_close(w, ofd)

    def do_read(self, w, ofd, n):
        sec = ofd.sec
        want = bytes(sec.data[ofd.pos:ofd.pos + n])
        self.note("%s read %s %s pos=%d len=%d -> %d bytes" % (w.name, sec.name, ofd, ofd.pos,
                                                               n, len(want)))
        err, _, got = w.call("read %d %d" % (ofd.slot, n), data=True)
        self.expect("%s read(%s)" % (w.name, ofd), err, 0)
        self.expect_bytes("%s read(%s, %d) at %d" % (w.name, ofd, n, ofd.pos), got, want)
        ofd.pos += len(got)

    def do_write(self, w, ofd, data):
        sec = ofd.sec
        off = sec.size if ofd.append else ofd.pos
        want = 0 if ofd.writable else errno.EBADF
        self.note("%s write %s %s pos=%d len=%d -> %s" % (
            w.name, sec.name, ofd, off, len(data), errno.errorcode.get(want, "ok")))
        err, n, _ = w.call("write %d %d" % (ofd.slot, len(data)), data)
        self.expect("%s write(%s, %d bytes) at %d" % (w.name, ofd, len(data), off), err, want)
        if err:
            return
        if n != len(data):
            raise Mismatch("%s write(%s) wrote %d of %d bytes" % (w.name, ofd, n, len(data)))
        sec.store(off, data)
        ofd.pos = off + len(data)

    def do_seek(self, w, ofd, off):
        self.note("%s seek %s %s to %d" % (w.name, ofd.sec.name, ofd, off))
        err, pos, _ = w.call("seek %d %d" % (ofd.slot, off))
        self.expect("%s lseek(%s, %d)" % (w.name, ofd, off), err, 0)
        if pos != off:
            raise Mismatch("%s lseek(%s, %d) returned %d" % (w.name, ofd, off, pos))
        ofd.pos = off

    def do_pread(self, w, ofd, off, n):
        sec = ofd.sec
        want = bytes(sec.data[off:off + n])
        self.note("%s pread %s %s off=%d len=%d -> %d bytes" % (w.name, sec.name, ofd, off, n,
                                                                len(want)))
        err, _, got = w.call("pread %d %d %d" % (ofd.slot, off, n), data=True)
        self.expect("%s pread(%s)" % (w.name, ofd), err, 0)
        self.expect_bytes("%s pread(%s, %d, %d)" % (w.name, ofd, n, off), got, want)

    def do_pwrite(self, w, ofd, off, data):
        sec = ofd.sec
        at = sec.size if ofd.append else off     # O_APPEND: pwrite appends (Linux)
        want = 0 if ofd.writable else errno.EBADF
        self.note("%s pwrite %s %s off=%d (at %d) len=%d -> %s" % (
            w.name, sec.name, ofd, off, at, len(data), errno.errorcode.get(want, "ok")))
        err, n, _ = w.call("pwrite %d %d %d" % (ofd.slot, off, len(data)), data)
        self.expect("%s pwrite(%s, %d bytes, %d)" % (w.name, ofd, len(data), off), err, want)
        if err:
            return
        if n != len(data):
            raise Mismatch("%s pwrite(%s) wrote %d of %d bytes" % (w.name, ofd, n, len(data)))
        sec.store(at, data)

    def do_ftruncate(self, w, ofd, n):
        sec = ofd.sec
        if not ofd.writable:
            want = errno.EINVAL
        elif n < sec.size and self.cut_refused(sec, by=ofd):
            want = errno.EBUSY
        else:
            want = 0
        self.note("%s ftruncate %s %s %d -> %d -> %s" % (
            w.name, sec.name, ofd, sec.size, n, errno.errorcode.get(want, "ok")))
        err, _, _ = w.call("ftrunc %d %d" % (ofd.slot, n))
        self.expect("%s ftruncate(%s, %d) of %d bytes" % (w.name, ofd, n, sec.size), err, want)
        self.count("ftruncate %s %s" % ("shrink" if n < sec.size else "grow",
                                        errno.errorcode.get(err, "ok")))
        if (self.passthrough and ofd.writable and n < sec.size and
                any(o.maps and o is not ofd for o in sec.ofds if o.slot is None) and
                not self.cut_refused(sec, by=ofd)):
            self.count("ftruncate shrink ok under its own process's maps")
        if not err:
            sec.resize(n)

    def do_truncate(self, w, sec, n):
        want = errno.EBUSY if n < sec.size and self.cut_refused(sec) else 0
        self.note("%s truncate %s %d -> %d -> %s" % (w.name, sec.name, sec.size, n,
                                                     errno.errorcode.get(want, "ok")))
        err, _, _ = w.call("trunc %d %s" % (n, sec.path))
        self.expect("%s truncate(%s, %d) of %d bytes" % (w.name, sec.name, n, sec.size), err,
                    want)
        self.count("truncate %s %s" % ("shrink" if n < sec.size else "grow",
                                       errno.errorcode.get(err, "ok")))
        if not err:
            sec.resize(n)

    def do_evict(self, w, ofd):
        self.note("%s drops the page cache of %s through %s" % (w.name, ofd.sec.name, ofd))
        err, _, _ = w.call("evict %d" % ofd.slot)
        self.expect("%s posix_fadvise(%s, DONTNEED)" % (w.name, ofd), err, 0)

    def add_map(self, w, ofd, slot, off, length, writable):
        m = Map(w, ofd.sec, ofd, slot, off, length, writable)
        ofd.maps.append(m)
        ofd.sec.maps.append(m)
        self.log[-1] += " " + str(m)

    def do_mmap(self, w, ofd, off, length, writable):
        want = errno.EACCES if writable and not ofd.writable else 0
        slot = w.free_map_slots.pop()
        self.note("%s mmap %s %s %d+%d %s -> %s" % (w.name, ofd.sec.name, ofd, off, length,
                                                    "rw" if writable else "r",
                                                    errno.errorcode.get(want, "ok")))
        err, _, _ = w.call("mmap %d %d %d %d %d" % (slot, ofd.slot, off, length,
                                                    3 if writable else 1))
        self.expect("%s mmap(%s)" % (w.name, ofd), err, want)
        if err:
            w.free_map_slots.append(slot)
            return
        self.add_map(w, ofd, slot, off, length, writable)

    def do_mmap_path(self, w, sec, flavor, off, length, writable):
        want = errno.EACCES if writable and flavor == "r" else 0
        slot = w.free_map_slots.pop()
        self.note("%s mmap %s through a closed %s open %d+%d %s -> %s" % (
            w.name, sec.name, flavor, off, length, "rw" if writable else "r",
            errno.errorcode.get(want, "ok")))
        err, _, _ = w.call("mmapp %d %d %d %d %d %s" % (slot, FLAVORS[flavor], off, length,
                                                        3 if writable else 1, sec.path))
        self.expect("%s mmap(%s) through an open closed at once" % (w.name, sec.name), err,
                    want)
        if err:
            w.free_map_slots.append(slot)
            return
        ofd = Ofd(w, sec, flavor, None)
        sec.ofds.append(ofd)
        self.add_map(w, ofd, slot, off, length, writable)

    def do_munmap(self, w, m):
        self.note("%s munmap %s %s" % (w.name, m.sec.name, m))
        err, _, _ = w.call("munmap %d" % m.slot)
        self.expect("%s munmap(%s)" % (w.name, m), err, 0)
        w.free_map_slots.append(m.slot)
        m.sec.maps.remove(m)
        m.ofd.maps.remove(m)
        self.forget_ofd_if_unused(m.ofd)

    def do_mread(self, w, m, off, n):
        sec = m.sec
        want = bytes(sec.data[m.off + off:m.off + off + n])
        self.note("%s load %s %s +%d len=%d" % (w.name, sec.name, m, off, n))
        err, _, got = w.call("mread %d %d %d" % (m.slot, off, n), data=True)
        self.expect("%s load from %s" % (w.name, m), err, 0)
        self.expect_bytes("%s load from %s at +%d" % (w.name, m, off), got, want)

    def do_mwrite(self, w, m, off, data):
        sec = m.sec
        self.note("%s store %s %s +%d len=%d" % (w.name, sec.name, m, off, len(data)))
        err, _, _ = w.call("mwrite %d %d %d" % (m.slot, off, len(data)), data)
        self.expect("%s store into %s" % (w.name, m), err, 0)
        sec.store(m.off + off, data)

    # ---- checking a section ----

    def settle_handles(self, sec):
        """Waits until the daemon counts the open files the model has (a close reaches it a
        moment after close() returns); a count that never gets there is a mismatch."""
        want = self.handles(sec)
        deadline = time.monotonic() + 5
        delay = 0.0001
        while True:
            got = int(os.getxattr(sec.path, "user.section.handles"))
            if got == want:
                return
            if time.monotonic() > deadline:
                raise Mismatch("%s: the daemon counts %d open files, the model %d"
                               % (sec.name, got, want))
            time.sleep(delay)
            delay = min(delay * 2, 0.01)

    def check_section(self, sec, actor=None, every_fd=False):
        want = bytes(sec.data)
        size = os.stat(sec.path).st_size
        if size != sec.size:
            raise Mismatch("%s: stat says %d bytes, the model %d" % (sec.name, size, sec.size))
        # the bytes through an open file of another process, or a fresh one of this one
        others = [o for o in sec.ofds if o.slot is not None and o.worker is not actor]
        if others and not every_fd:
            others = [self.check_rng.choice(others)]
        readers = others
        for o in readers:
            err, n, _ = o.worker.call("fstat %d" % o.slot)
            self.expect("%s fstat(%s)" % (o.worker.name, o), err, 0)
            if n != sec.size:
                raise Mismatch("%s: fstat by %s through %s says %d bytes, the model %d"
                               % (sec.name, o.worker.name, o, n, sec.size))
            err, _, got = o.worker.call("pread %d 0 %d" % (o.slot, MAX_SIZE + 1), data=True)
            self.expect("%s pread(%s)" % (o.worker.name, o), err, 0)
            self.expect_bytes("%s: contents read by %s through %s" % (sec.name, o.worker.name,
                                                                       o), got, want)
        if not readers:
            fd = os.open(sec.path, os.O_RDONLY)
            try:
                got = os.pread(fd, MAX_SIZE + 1, 0)
                fsize = os.fstat(fd).st_size
            finally:
                os.close(fd)
            self.expect_bytes("%s: contents read by a fresh open" % sec.name, got, want)
            if fsize != sec.size:
                raise Mismatch("%s: fstat of a fresh open says %d bytes, the model %d"
                               % (sec.name, fsize, sec.size))
        # the bytes every map sees, at once
        for m in sec.maps:
            n = m.visible()
            if not n:
                continue
            if m.worker is not actor:
                self.count("checked through another process's map")
            err, _, got = m.worker.call("mread %d 0 %d" % (m.slot, n), data=True)
            self.expect_bytes("%s: what %s sees through %s" % (sec.name, m.worker.name, m),
                              got, want[m.off:m.off + n])
        self.settle_handles(sec)

    # ---- running ----

    def on_alarm(self, signum, frame):
        raise Mismatch("step %d did not finish in %d s" % (self.step, STEP_TIMEOUT))

    def run(self):
        print("seed=%d (%s; SECTIONFS_MODEL_SEED=%d replays it)"
              % (self.seed, self.test.data_path, self.seed), file=sys.stderr, flush=True)
        start = time.monotonic()
        deadline = start + self.seconds
        failure = None
        old_alarm = signal.signal(signal.SIGALRM, self.on_alarm)
        try:
            while (self.step < self.max_steps if self.max_steps
                   else time.monotonic() < deadline):
                self.step += 1
                signal.alarm(STEP_TIMEOUT)
                w, sec, op, do = self.choose()
                self.count(op)
                do()
                self.check_section(sec, actor=w)
                if self.step % FULL_CHECK_EVERY == 0:
                    for s in self.sections:
                        self.check_section(s, every_fd=True)
            self.step += 1
            signal.alarm(STEP_TIMEOUT)
            self.note("every worker lets go of everything")
            for w in self.workers:
                for sec in self.sections:
                    self.do_release(w, sec)
            for sec in self.sections:
                self.check_section(sec)
            for w in self.workers:
                rc = w.finish()
                if rc != 0:
                    raise Mismatch("worker %s ended with status %s" % (w.name, rc))
        except Mismatch as e:
            failure = self.report(str(e))
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old_alarm)
        if failure:
            self.test.fail(failure)
        print("%s: %d steps in %.1f s; %s" % (
            self.test.data_path, self.step, time.monotonic() - start,
            ", ".join("%s %d" % kv for kv in sorted(self.stats.items()))),
            file=sys.stderr, flush=True)

    def report(self, what):
        fd, log_path = tempfile.mkstemp(prefix="sectionfs-model-%d-%s-" % (
            self.seed, self.test.data_path), suffix=".log")
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(self.log) + "\n")
        return ("\n%s\nseed=%d data path=%s step=%d (replay: SECTIONFS_MODEL_SEED=%d "
                "SECTIONFS_MODEL_STEPS=%d python3 tests/fs/test_model.py %s)\n"
                "last steps:\n%s\nthe whole step log: %s" % (
                    what, self.seed, self.test.data_path, self.step, self.seed, self.step,
                    type(self.test).__name__, "\n".join(self.log[-LOG_TAIL:]), log_path))


@in_both_data_paths
class ModelTest(MountTestCase):

    def test_random_operations_from_several_processes_match_the_model(self):
        ModelRun(self, SEED, SECONDS, STEPS).run()


if __name__ == "__main__":
    sfstest.main()
