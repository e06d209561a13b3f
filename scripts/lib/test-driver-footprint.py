#!/usr/bin/env python3
"""Prints the private dirty memory (KiB) that libvirt's test driver keeps for
the world at URI in the process that opens it, as the agent holds it: the
world opened read-only through libvirt's C library, then malloc_trim(0), as the
agent trims after each poll, beside the same process before the open.

    scripts/lib/test-driver-footprint.py test:///PATH/world.xml

(virsh holding the same world keeps the parse's freed heap too: about 2.5x
this much.)"""
import ctypes
import sys


def private_dirty_kib():
    with open("/proc/self/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Private_Dirty:"):
                return int(line.split()[1])
    raise SystemExit("no Private_Dirty in /proc/self/smaps_rollup")


if len(sys.argv) != 2:
    raise SystemExit("usage: test-driver-footprint.py URI")
libc = ctypes.CDLL("libc.so.6")
libvirt = ctypes.CDLL("libvirt.so.0")
libvirt.virConnectOpenReadOnly.restype = ctypes.c_void_p
libvirt.virConnectOpenReadOnly.argtypes = [ctypes.c_char_p]
# The library's own start-up (and the default world) before the baseline.
if not libvirt.virConnectOpenReadOnly(b"test:///default"):
    raise SystemExit("libvirt cannot open test:///default")
libc.malloc_trim(0)
before = private_dirty_kib()
if not libvirt.virConnectOpenReadOnly(sys.argv[1].encode()):
    raise SystemExit(f"libvirt cannot open {sys.argv[1]}")
libc.malloc_trim(0)
print(private_dirty_kib() - before)
