"""sectionfs: Windows named shared memory (sections) for Python, through the sectionfs mount.

    import sectionfs
    with sectionfs.create("Local\\Telemetry", 4096) as s:      # CreateFileMapping
        print("existed" if s.existed else "made")
        view = s.mmap()                                          # MapViewOfFile
        view[0:5] = b"hello"
    with sectionfs.open("Local\\Telemetry", "r") as s:          # OpenFileMapping
        print(s.mmap()[0:5])
    ready = sectionfs.create_event("Local\\NewData")             # CreateEvent (auto-reset)
    if ready.wait(timeout=1.0):                                  # WaitForSingleObject
        print("new data")

Pure Python (the standard library; numpy only for Section.array).  Every section, event, mutex
and semaphore is a file in the mount, made and opened as libwinmap does (README, "Python")."""
from .names import parse as parse_name
from .section import (ATTRIBUTES, PROTECTIONS, Section, View, create, open,  # noqa: A004
                      protect_value)
from .sync import (Event, Mutex, Semaphore, create_event, create_mutex, create_semaphore,
                   open_event, open_mutex, open_semaphore)
from .winerror import BadName, WrongKind
from .mount import root as mount_root

__all__ = ["ATTRIBUTES", "BadName", "Event", "Mutex", "PROTECTIONS", "Section", "Semaphore",
           "View", "WrongKind", "create", "create_event", "create_mutex", "create_semaphore",
           "mount_root", "open", "open_event", "open_mutex", "open_semaphore", "parse_name",
           "protect_value"]
__version__ = "0.1.0"
