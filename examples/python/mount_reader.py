#!/usr/bin/env python3
"""Reads the section Global\\PyShared (made by winmap_creator.py, or any Windows program under
libwinmap) through the mount with plain mmap, and answers at offset 4096.  No library needed:
a section is a file."""
import mmap
import os
import sys

mount = os.environ.get("SECTIONFS_ROOT", "/run/sectionfs")
path = os.path.join(mount, "Global", "PyShared")

with open(path, "r+b") as f:
    with mmap.mmap(f.fileno(), 0) as view:
        text = view[:view.find(b"\0")].decode()
        print("read:", text)
        answer = b"Hello back from plain mmap"
        view[4096:4096 + len(answer)] = answer
sys.exit(0 if text else 1)
