"""The sectionfs Python package's events, mutexes and semaphores (python/sectionfs/sync.py)
against a real mount, in both data paths: create-or-open (B12), one namespace for every kind
(B13), waits with and without timeouts across processes, auto-reset wakes one waiter, mutex
ownership by the open file, semaphore counts, select() on fileno(), temporary lifetime (C20),
and who may signal what."""
import os
import select
import signal
import threading
import time

import langtest
from langtest import sfstest

import sectionfs

# Children, other users' too, import langtest's copy of the package (PYTHONPATH).

ERROR_INVALID_HANDLE = 6
ERROR_ACCESS_DENIED = 5
ERROR_NOT_OWNER = 288
ERROR_TOO_MANY_POSTS = 298
ERROR_INVALID_PARAMETER = 87

# A child that opens the event argv[2] with access argv[3] on mount argv[1], says "open", and
# then does what each line it is sent says: "set", "wait SECONDS", "quit".
EVENT_CHILD = r"""
import sys, sectionfs
try:
    ev = sectionfs.open_event(sys.argv[2], sys.argv[3], mount=sys.argv[1])
except PermissionError as e:
    print("PermissionError", e.winerror if hasattr(e, "winerror") else "-", flush=True)
    sys.exit(0)
print("open", flush=True)
for line in sys.stdin:
    what = line.strip()
    if what == "quit":
        break
    try:
        if what == "set":
            ev.set()
            print("done", flush=True)
        elif what.startswith("wait "):
            print("woke" if ev.wait(float(what[5:])) else "timeout", flush=True)
    except PermissionError as e:
        print("PermissionError", e.winerror, flush=True)
"""


@sfstest.in_both_data_paths
class Sync(sfstest.MountTestCase):
    def keep(self, handle):
        self.addCleanup(handle.close)
        return handle

    def event(self, name, **kwargs):
        return self.keep(sectionfs.create_event(name, mount=self.mount.dir, **kwargs))

    def mutex(self, name, **kwargs):
        return self.keep(sectionfs.create_mutex(name, mount=self.mount.dir, **kwargs))

    def semaphore(self, name, initial, maximum, **kwargs):
        return self.keep(sectionfs.create_semaphore(name, initial, maximum,
                                                    mount=self.mount.dir, **kwargs))

    def assertNothingStaged(self):
        self.assertEqual(os.listdir(self.p("Staging")), [])

    # ---- create-or-open: B12, B13 ----

    def test_B12_create_twice_reports_existed_and_keeps_the_first_arguments(self):
        first = self.event("Global\\Twice", manual_reset=True, initial=True)
        self.assertFalse(first.existed)
        second = self.event("Global\\Twice")                      # auto, nonsignaled: ignored
        self.assertTrue(second.existed)
        self.assertEqual(os.getxattr(self.p("Global", "Twice"), "user.section.type"),
                         b"event manual signaled")
        self.assertEqual(second.state, "signaled")
        self.assertTrue(os.stat(self.p("Global", "Twice")).st_mode & 0o1000)   # sticky
        m1, m2 = self.mutex("Global\\M"), self.mutex("Global\\M")
        self.assertEqual((m1.existed, m2.existed), (False, True))
        s1 = self.semaphore("Global\\S", 1, 3)
        s2 = self.semaphore("Global\\S", 0, 9)
        self.assertEqual((s1.existed, s2.existed, s2.state), (False, True, "1 3"))
        self.assertNothingStaged()

    def test_B13_a_name_of_another_kind_is_refused_both_ways(self):
        section = self.keep(sectionfs.create("Global\\Shared", 4096, mount=self.mount.dir))
        self.event("Global\\Ready")
        tries = [
            lambda: sectionfs.create_event("Global\\Shared", mount=self.mount.dir),
            lambda: sectionfs.open_event("Global\\Shared", mount=self.mount.dir),
            lambda: sectionfs.create_mutex("Global\\Ready", mount=self.mount.dir),
            lambda: sectionfs.open_semaphore("Global\\Ready", mount=self.mount.dir),
            lambda: sectionfs.create_semaphore("Global\\Shared", 0, 1, mount=self.mount.dir),
            lambda: sectionfs.create("Global\\Ready", 4096, mount=self.mount.dir),
            lambda: sectionfs.open("Global\\Ready", mount=self.mount.dir),
        ]
        for i, call in enumerate(tries):
            with self.assertRaises(sectionfs.WrongKind, msg=i) as cm:
                call()
            self.assertEqual(cm.exception.winerror, ERROR_INVALID_HANDLE)
            self.assertIsInstance(cm.exception, OSError)
        self.assertIn("is an event, not a section", str(cm.exception))
        self.assertEqual(section.info["handles"], "1")               # nothing left open
        self.assertNothingStaged()

    def test_refused_opens_hold_nothing_so_the_last_close_takes_the_name(self):
        path = os.path.join(self.mount.dir, "Global", "Gone")
        for _ in range(50):
            ev = sectionfs.create_event("Global\\Gone", mount=self.mount.dir)
            for call in (sectionfs.open_mutex, sectionfs.open):
                with self.assertRaises(sectionfs.WrongKind):
                    call("Global\\Gone", mount=self.mount.dir)
            ev.close()
            self.assertFalse(os.path.exists(path))                # C20 at once, not later
            with sectionfs.create_mutex("Global\\Gone", mount=self.mount.dir) as m:
                self.assertFalse(m.existed)

    def test_open_missing_and_bad_arguments(self):
        for call in (sectionfs.open_event, sectionfs.open_mutex, sectionfs.open_semaphore):
            with self.assertRaises(FileNotFoundError) as cm:
                call("Global\\Nobody", mount=self.mount.dir)
            self.assertEqual(cm.exception.winerror, 2)
        self.assertRaises(sectionfs.BadName, sectionfs.create_event, "Global\\",
                          mount=self.mount.dir)
        for initial, maximum in ((0, 0), (-1, 1), (2, 1)):
            with self.assertRaises(ValueError) as cm:
                sectionfs.create_semaphore("Global\\Bad", initial, maximum,
                                           mount=self.mount.dir)
            self.assertEqual(cm.exception.winerror, ERROR_INVALID_PARAMETER)
        self.assertRaises(ValueError, sectionfs.create_event, "Global\\Bad", lifetime="forever",
                          mount=self.mount.dir)
        self.assertRaises(ValueError, sectionfs.open_event, "Global\\Bad", "w",
                          mount=self.mount.dir)
        self.assertFalse(os.path.exists(self.p("Global", "Bad")))
        self.assertNothingStaged()

    # ---- waits ----

    def test_wait_times_out_within_bounds(self):
        ev = self.event("Global\\Never")
        for timeout in (0, 0.2):
            start = time.monotonic()
            self.assertFalse(ev.wait(timeout))
            took = time.monotonic() - start
            self.assertGreaterEqual(took, timeout)
            self.assertLess(took, timeout + 1.0)
        self.assertRaises(ValueError, ev.wait, -1)

    def test_a_child_sets_and_the_parents_wait_returns(self):
        ev = self.event("Global\\Go")
        child = self.spawn(EVENT_CHILD, self.mount.dir, "Global\\Go", "rw")
        child.expect("open")
        timer = threading.Timer(0.3, child.send, ("set",))
        timer.start()
        self.addCleanup(timer.cancel)
        start = time.monotonic()
        self.assertTrue(ev.wait(30))
        self.assertGreaterEqual(time.monotonic() - start, 0.2)
        child.expect("done")
        self.assertEqual(ev.state, "nonsignaled")                # auto-reset: taken
        self.assertFalse(ev.wait(0))
        child.send("quit")
        self.assertEqual(child.finish()[0], 0)

    def two_waiters(self, name, manual, seconds, signal):
        """Two children wait `seconds` on a new event `name` (both in the daemon), then
        signal(event) is done: what each said, sorted, and the event."""
        ev = self.event(name, manual_reset=manual)
        waiters = [self.spawn(EVENT_CHILD, self.mount.dir, name, "r") for _ in range(2)]
        for w in waiters:
            w.expect("open")
            w.send("wait %g" % seconds)
        self.await_waiters(ev, 2)            # a wait of this package is one in the daemon
        signal(ev)
        for w in waiters:
            w.send("quit")
        return sorted(w.finish()[1].strip() for w in waiters), ev

    def test_auto_reset_wakes_one_of_two_waiters_manual_wakes_both(self):
        for manual, woken in ((False, 1), (True, 2)):
            said, ev = self.two_waiters("Global\\Two%d" % manual, manual, 5, sectionfs.Event.set)
            self.assertEqual(said.count("woke"), woken, said)
            self.assertEqual(ev.state, "signaled" if manual else "nonsignaled")

    def await_waiters(self, ev, n):
        deadline = time.monotonic() + 30
        while ev.waiters != n and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(ev.waiters, n)

    def test_a_pulse_reaches_the_waits_there_are(self):
        for manual, woken in ((True, 2), (False, 1)):
            said, ev = self.two_waiters("Global\\Pulse%d" % manual, manual, 3,
                                        sectionfs.Event.pulse)
            self.assertEqual(said.count("woke"), woken, said)
            self.assertEqual(said.count("timeout"), 2 - woken, said)
            self.assertEqual(ev.state, "nonsignaled")
            self.assertEqual(ev.waiters, 0)

    def test_a_signal_handler_does_not_end_a_wait(self):
        ev = self.event("Global\\Alarmed")
        rang = []
        old = signal.signal(signal.SIGALRM, lambda *_: rang.append(1))
        self.addCleanup(signal.signal, signal.SIGALRM, old)
        signal.setitimer(signal.ITIMER_REAL, 0.1, 0.1)
        self.addCleanup(signal.setitimer, signal.ITIMER_REAL, 0)
        start = time.monotonic()
        self.assertFalse(ev.wait(0.6))
        self.assertGreaterEqual(time.monotonic() - start, 0.6)
        signal.setitimer(signal.ITIMER_REAL, 0)
        self.assertGreaterEqual(len(rang), 2)             # it was interrupted, and went on
        threading.Timer(0.2, ev.set).start()
        self.assertTrue(ev.wait(10))

    def test_pulse_and_reset(self):
        ev = self.event("Global\\Pulsed", manual_reset=True)
        ev.set()
        ev.reset()
        self.assertFalse(ev.wait(0))
        self.assertEqual(ev.waiters, 0)
        ev.pulse()                                               # nobody waits: stays unset
        self.assertEqual(ev.state, "nonsignaled")
        initially = self.event("Global\\Initially", initial=True)
        self.assertTrue(initially.wait(0))
        self.assertFalse(initially.wait(0))

    def test_select_on_fileno(self):
        ev = self.event("Global\\Selected")
        other = self.keep(sectionfs.open_event("Global\\Selected", mount=self.mount.dir))
        self.assertEqual(select.select([other.fileno()], [], [], 0.2)[0], [])
        ev.set()
        self.assertEqual(select.select([other.fileno()], [], [], 5)[0], [other.fileno()])
        self.assertTrue(other.wait(0))
        self.assertEqual(select.select([other], [], [], 0.1)[0], [])   # taken: not readable

    # ---- mutexes ----

    def test_mutex_recursion_and_release_by_another_handle_fails(self):
        m = self.mutex("Global\\Lock")
        self.assertEqual(m.state, "free")
        self.assertTrue(m.wait(0))
        self.assertTrue(m.wait(0))                               # recursive
        self.assertEqual(m.state, "owned %d 2" % os.getpid())
        other = self.keep(sectionfs.open_mutex("Global\\Lock", mount=self.mount.dir))
        self.assertFalse(other.wait(0.1))                        # this handle is not its owner
        with self.assertRaises(PermissionError) as cm:
            other.release()
        self.assertEqual(cm.exception.winerror, ERROR_NOT_OWNER)
        self.assertEqual(m.state, "owned %d 2" % os.getpid())
        m.release()
        self.assertFalse(other.wait(0))
        m.release()
        self.assertEqual(m.state, "free")
        self.assertRaises(PermissionError, m.release)
        self.assertTrue(other.wait(0))
        self.assertFalse(other.abandoned)

    def test_mutex_abandoned_when_its_owning_handle_closes(self):
        owner = sectionfs.create_mutex("Global\\Left", initial_owner=True, mount=self.mount.dir)
        self.assertEqual(owner.state, "owned %d 1" % os.getpid())
        waiter = self.keep(sectionfs.open_mutex("Global\\Left", mount=self.mount.dir))
        self.assertTrue(waiter.existed)
        owner.close()
        self.assertTrue(waiter.wait(5))
        self.assertTrue(waiter.abandoned)
        waiter.release()
        self.assertEqual(waiter.state, "free")

    # ---- semaphores ----

    def test_semaphore_counts_and_overflow_keeps_the_count(self):
        s = self.semaphore("Global\\Slots", 1, 3)
        self.assertTrue(s.wait(0))
        self.assertFalse(s.wait(0))
        self.assertEqual(s.release(2), 0)
        self.assertEqual(s.state, "2 3")
        with self.assertRaises(OSError) as cm:
            s.release(2)
        self.assertEqual(cm.exception.winerror, ERROR_TOO_MANY_POSTS)
        self.assertEqual(s.state, "2 3")
        self.assertEqual(s.release(), 2)
        self.assertRaises(ValueError, s.release, 0)
        self.assertEqual(s.state, "3 3")

    # ---- lifetime: C20 ----

    def test_temporary_name_goes_with_the_last_handle(self):
        ev = sectionfs.create_event("Global\\Brief", mount=self.mount.dir)
        again = sectionfs.open_event("Global\\Brief", mount=self.mount.dir)
        ev.close()
        self.assertTrue(os.path.exists(self.p("Global", "Brief")))
        again.close()
        self.assertFalse(os.path.exists(self.p("Global", "Brief")))
        self.assertRaises(ValueError, again.wait, 0)
        with sectionfs.create_semaphore("Global\\Kept", 0, 1, lifetime="permanent",
                                        mount=self.mount.dir) as s:
            self.assertFalse(s.existed)
        self.assertEqual(os.getxattr(self.p("Global", "Kept"), "user.section.state"), b"0 1")
        self.assertNothingStaged()

    # ---- permissions ----

    def test_other_user_without_write_permission_waits_but_cannot_set(self):
        ev = self.event("Global\\Theirs", mode=0o644)
        child = self.spawn(EVENT_CHILD, self.mount.dir, "Global\\Theirs", "rw",
                           preexec_fn=sfstest.as_user())
        self.assertEqual(child.recv(), "PermissionError -")
        child.finish()
        child = self.spawn(EVENT_CHILD, self.mount.dir, "Global\\Theirs", "r",
                           preexec_fn=sfstest.as_user())
        child.expect("open")
        child.send("set")
        self.assertEqual(child.recv(), "PermissionError %d" % ERROR_ACCESS_DENIED)
        self.assertEqual(ev.state, "nonsignaled")
        child.send("wait 30")
        time.sleep(0.2)
        ev.set()
        child.expect("woke")
        child.send("quit")
        self.assertEqual(child.finish()[0], 0)
        self.assertEqual(ev.state, "nonsignaled")


if __name__ == "__main__":
    langtest.main()
