"""Races: of many processes creating one name with O_EXCL, or publishing staged sections under
one name, exactly one wins and the others get EEXIST."""
import errno
import os
import re
import subprocess

import sfstest
from sfstest import MountTestCase, helper, in_both_data_paths, wait_until

RACERS = 16
ROUNDS = 8


@in_both_data_paths
class ExclusiveCreateRaceTest(MountTestCase):

    def race(self, path):
        r = subprocess.run([helper("excl_race"), path, str(RACERS)], capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        m = re.fullmatch(r"created (\d+) exist (\d+) other (\d+) winner (-?\d+)\n", r.stdout)
        self.assertIsNotNone(m, r.stdout)
        return tuple(int(x) for x in m.groups()), r.stderr

    def test_exactly_one_of_16_creators_wins(self):
        for round_ in range(ROUNDS):
            with self.subTest(round=round_):
                name = "Race%d" % round_
                (created, exist, other, winner), err = self.race(self.p("Global", name))
                self.assertEqual((created, exist, other), (1, RACERS - 1, 0), err)
                self.assertEqual(self.read("Global", name), str(winner).encode())
                listed = [n for n in os.listdir(self.p("Global")) if n == name]
                self.assertEqual(listed, [name])

    def test_one_section_exists_after_the_races(self):
        for round_ in range(ROUNDS):
            self.race(self.p("Global", "Race%d" % round_))
        names = sorted(n for n in os.listdir(self.p("Global")) if n.startswith("Race"))
        self.assertEqual(names, sorted("Race%d" % r for r in range(ROUNDS)))
        inos = {os.stat(self.p("Global", n)).st_ino for n in names}
        self.assertEqual(len(inos), ROUNDS)

    def test_race_in_staging_too(self):
        stays_open = os.open(self.p("Staging", "keeper"), os.O_RDWR | os.O_CREAT | os.O_EXCL,
                             0o644)
        self.addCleanup(os.close, stays_open)
        (created, exist, other, _), err = self.race(self.p("Staging", "staged-race"))
        self.assertEqual((created, exist, other), (1, RACERS - 1, 0), err)


@in_both_data_paths
class PublicationRaceTest(MountTestCase):

    def publish_race(self, final, round_):
        """RACERS forked processes each stage a section, wait at a gate, then rename it onto
        final.  Returns the list of (racer, errno or 0)."""
        gate_r, gate_w = os.pipe()
        report_r, report_w = os.pipe()
        pids = []
        for i in range(RACERS):
            pid = os.fork()
            if pid == 0:
                code = 99
                try:
                    os.close(gate_w)
                    os.close(report_r)
                    stage = self.p("Staging", "r%d-%d" % (round_, i))
                    fd = os.open(stage, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
                    os.write(fd, b"racer %d" % i)
                    os.write(report_w, b"r")           # staged
                    os.read(gate_r, 1)                 # wait for the gate to open
                    try:
                        os.rename(stage, final)
                        code = 0
                    except OSError as e:
                        code = e.errno
                    os.close(fd)
                finally:
                    os._exit(code)
            pids.append(pid)
        os.close(gate_r)
        os.close(report_w)
        staged = b""
        while len(staged) < RACERS:
            chunk = os.read(report_r, RACERS)
            if not chunk:
                break
            staged += chunk
        os.close(report_r)
        os.close(gate_w)                               # every racer goes at once
        results = []
        for i, pid in enumerate(pids):
            _, status = os.waitpid(pid, 0)
            results.append((i, os.waitstatus_to_exitcode(status)))
        self.assertEqual(len(staged), RACERS, "not every racer staged its section")
        return results

    def test_exactly_one_of_16_publications_wins(self):
        for round_ in range(ROUNDS):
            with self.subTest(round=round_):
                final = self.p("Global", "Pub%d" % round_)
                results = self.publish_race(final, round_)
                winners = [i for i, code in results if code == 0]
                losers = [code for _, code in results if code != 0]
                self.assertEqual(len(winners), 1, results)
                self.assertEqual(losers, [errno.EEXIST] * (RACERS - 1), results)
                self.assertEqual(self.read("Global", "Pub%d" % round_),
                                 b"racer %d" % winners[0])

    def test_losers_staged_sections_disappear(self):
        self.publish_race(self.p("Global", "Pub"), 0)
        wait_until(lambda: os.listdir(self.p("Staging")) == [],
                   "the losers' staged sections to go")
        self.assertEqual([n for n in os.listdir(self.p("Global")) if n.startswith("Pub")],
                         ["Pub"])


if __name__ == "__main__":
    sfstest.main()
