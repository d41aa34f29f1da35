#!/usr/bin/env python3
"""Creates the named section Global\\PyShared with libwinmap through ctypes, writes into it and
keeps it alive until a reader has answered (or 60 s pass).  See mount_reader.py for the other
side, which needs nothing but the mount."""
import ctypes
import ctypes.util
import os
import sys
import time

lib_path = os.environ.get("WINMAP_LIB") or ctypes.util.find_library("winmap") or "libwinmap.so"
winmap = ctypes.CDLL(lib_path)

HANDLE, DWORD, LPVOID = ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p
INVALID_HANDLE_VALUE = ctypes.c_void_p(-1).value
PAGE_READWRITE, FILE_MAP_ALL_ACCESS = 0x04, 0x000F001F
SIZE = 65536

winmap.CreateFileMappingA.restype = HANDLE
winmap.CreateFileMappingA.argtypes = [HANDLE, LPVOID, DWORD, DWORD, DWORD, ctypes.c_char_p]
winmap.MapViewOfFile.restype = LPVOID
winmap.MapViewOfFile.argtypes = [HANDLE, DWORD, DWORD, DWORD, ctypes.c_size_t]
winmap.UnmapViewOfFile.argtypes = [LPVOID]
winmap.CloseHandle.argtypes = [HANDLE]
winmap.GetLastError.restype = DWORD


def main():
    handle = winmap.CreateFileMappingA(INVALID_HANDLE_VALUE, None, PAGE_READWRITE, 0, SIZE,
                                       b"Global\\PyShared")
    if not handle:
        sys.exit("CreateFileMapping failed: error %d" % winmap.GetLastError())
    view = winmap.MapViewOfFile(handle, FILE_MAP_ALL_ACCESS, 0, 0, 0)
    if not view:
        sys.exit("MapViewOfFile failed: error %d" % winmap.GetLastError())
    message = b"Hello from Python through libwinmap"
    ctypes.memmove(view, message, len(message))
    print("wrote:", message.decode(), flush=True)

    deadline = time.monotonic() + 60
    while ctypes.string_at(view + 4096, 1) == b"\0" and time.monotonic() < deadline:
        time.sleep(0.01)
    print("answer:", ctypes.string_at(view + 4096).decode() or "(none)")
    winmap.UnmapViewOfFile(view)
    winmap.CloseHandle(handle)   # the name goes with the last handle (rule C20)


if __name__ == "__main__":
    main()
