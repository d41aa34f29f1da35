"""sectionfs: Windows named shared memory (sections) for Python, through the sectionfs mount.

    import sectionfs
    with sectionfs.create("Local\\Telemetry", 4096) as s:      # CreateFileMapping
        print("existed" if s.existed else "made")
        view = s.mmap()                                          # MapViewOfFile
        view[0:5] = b"hello"
    with sectionfs.open("Local\\Telemetry", "r") as s:          # OpenFileMapping
        print(s.mmap()[0:5])

Pure Python (the standard library; numpy only for Section.array).  Every section is a file in
the mount, made and opened as libwinmap does (README, "Python")."""
from .names import parse as parse_name
from .section import (ATTRIBUTES, PROTECTIONS, Section, View, create, open,  # noqa: A004
                      protect_value)
from .winerror import BadName
from .mount import root as mount_root

# ---- events, mutexes, semaphores ----------------------------------------------------------
# TODO: Event / Mutex / Semaphore (wait(timeout) with select, set/release by the file interface
# at the end of include/sectionfs/protocol.h: a read waits and takes, a write signals) once the
# daemon serves them (branch sync-fs).  They belong in a module of their own, sync.py, made
# through Staging/ like sections (user.section.type set while staged).

__all__ = ["ATTRIBUTES", "BadName", "PROTECTIONS", "Section", "View", "create", "mount_root",
           "open", "parse_name", "protect_value"]
__version__ = "0.1.0"
