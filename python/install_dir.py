"""Prints where a pure Python package installed under PREFIX (argv[1]) is found by the running
interpreter: the entry of its sys.path that is PREFIX/lib/.../site-packages or dist-packages.
Prints nothing when it has none (a Python that never looks under PREFIX).

meson's python module answers this from sysconfig, which on Debian names a directory that
Debian's python3 never searches (/usr/local/lib/python3/dist-packages, meson issue 8739)."""
import os
import sys

prefix = os.path.realpath(sys.argv[1])
for entry in sys.path:
    if not entry or not entry.endswith(("site-packages", "dist-packages")):
        continue
    relative = os.path.relpath(os.path.realpath(entry), prefix)
    if relative.split(os.sep)[0] == "lib":
        print(os.path.join(sys.argv[1], relative))
        break
