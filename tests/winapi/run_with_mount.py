#!/usr/bin/env python3
"""Runs a winapi test program against a real sectionfs mount.

run_with_mount.py [--passthrough on|off] PROGRAM [ARGS...]: mounts sectionfs on a temporary
directory (sfstest.Mount, always unmounted) with that data path, runs PROGRAM with SECTIONFS_ROOT
pointing at the mount, and exits with the program's status.  After the program, the mount must
hold no section and no byte: every test cleans up, and a leak of a temporary section (rule C21)
fails the run.  So does a sanitizer report from the program, its children or the daemon
(sfstest: Mount.stop and the check at exit).
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fs"))
import sfstest  # noqa: E402


def leftovers(mount):
    names = []
    namespaces = ["Global", "Staging"] + [os.path.join("Sessions", s)
                                          for s in os.listdir(mount.path("Sessions")) if s != "0"]
    for ns in namespaces:
        for name in os.listdir(mount.path(ns)):
            if name not in ("Global", "Local", "Session"):
                names.append(ns + "/" + name)
    return names


def main():
    args = sys.argv[1:]
    options = ["size=256m"]
    if args[:1] == ["--passthrough"]:
        options.append("passthrough=" + args[1])
        args = args[2:]
    mount = sfstest.Mount(*options).start()
    try:
        env = dict(os.environ, SECTIONFS_ROOT=mount.dir)
        status = subprocess.run(args, env=env).returncode
        left = leftovers(mount)
        used = os.statvfs(mount.dir)
        used_bytes = (used.f_blocks - used.f_bfree) * used.f_frsize
        if status == 0 and (left or used_bytes):
            print("the test left sections behind: %s, %d bytes" % (left, used_bytes))
            status = 1
    finally:
        try:
            mount.stop()
        except AssertionError as e:
            print("run_with_mount: %s" % e, file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
