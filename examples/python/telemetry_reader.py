#!/usr/bin/env python3
"""Reads a game's telemetry from a named section, the way Windows tools read a sim's shared
memory: open it by name, map it, read a struct in a loop.  With the sectionfs package, no ctypes.

    telemetry_reader.py [NAME] [--samples N]      NAME defaults to Local\\Telemetry

The section holds (host order, packed):
    uint32 version; uint32 frame; double speed_kmh; double rpm; char car[32]
The game writes a sample, then its frame number last; a sample is taken only when the frame
number is the same before and after reading it, so no half-written sample is ever shown."""
import argparse
import struct
import sys
import time

import sectionfs

TELEMETRY = struct.Struct("=IIdd32s")
FRAME = struct.Struct("=I")
FRAME_OFFSET = 4


def sample(view):
    """(frame, speed, rpm, car) once the same frame is seen on both sides of the read."""
    while True:
        before, = FRAME.unpack_from(view, FRAME_OFFSET)
        version, frame, speed, rpm, car = TELEMETRY.unpack_from(view, 0)
        after, = FRAME.unpack_from(view, FRAME_OFFSET)
        if before == frame == after:
            return frame, speed, rpm, car.split(b"\0")[0].decode(errors="replace")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", nargs="?", default="Local\\Telemetry")
    parser.add_argument("--samples", type=int, default=0, help="stop after N (0: never)")
    args = parser.parse_args()
    try:
        section = sectionfs.open(args.name, "r")
    except FileNotFoundError:
        sys.exit("no section %s: is the game running?" % args.name)
    with section, section.mmap() as view:
        last, shown = None, 0
        while not args.samples or shown < args.samples:
            frame, speed, rpm, car = sample(view)
            if frame != last:
                print("frame %d: %s %.1f km/h %.0f rpm" % (frame, car, speed, rpm), flush=True)
                last, shown = frame, shown + 1
            time.sleep(0.01)


if __name__ == "__main__":
    main()
