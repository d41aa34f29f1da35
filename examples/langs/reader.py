#!/usr/bin/env python3
"""Python's side of the ping-pong section (pingpong.md), with the sectionfs package: opens the
section by its Windows name, as OpenFileMapping would, and plays through a view.

    reader.py NAME        e.g. reader.py 'Global\\LangDemo'   (SECTIONFS_ROOT: the mount)
"""
import struct
import sys
import time

import sectionfs

PING, PONG, WRITER_TEXT, READER_TEXT = 0, 8, 16, 64
END = 2**64 - 1
PATIENCE = 30.0                     # seconds without a new ping before giving up
U64 = struct.Struct("=Q")           # the section's numbers are in host order


def text_at(view, offset, size):
    return bytes(view[offset:offset + size]).split(b"\0")[0].decode()


def main():
    with sectionfs.open(sys.argv[1]) as section, section.mmap() as view:
        print("writer says:", text_at(view, WRITER_TEXT, 48))
        greeting = b"hello from Python\0"
        view[READER_TEXT:READER_TEXT + len(greeting)] = greeting
        last, since = 0, time.monotonic()
        while True:
            # An aligned 8-byte slice of a map is copied with one load on the machines Python
            # runs on; the writer stores each number whole.
            ping, = U64.unpack_from(view, PING)
            if ping == last:
                if time.monotonic() - since > PATIENCE:
                    sys.exit("no ping after %d" % last)
                time.sleep(0.0001)
                continue
            since = time.monotonic()
            if ping == END:
                U64.pack_into(view, PONG, END)
                break
            if ping != last + 1:
                sys.exit("ping %d out of turn after %d" % (ping, last))
            U64.pack_into(view, PONG, ping)
            last = ping
    print("rounds", last)


if __name__ == "__main__":
    main()
