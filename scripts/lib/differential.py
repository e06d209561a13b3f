#!/usr/bin/python3
"""differential: the image inspector judged against qemu itself.

usage: differential.py --seed S [--cases N] [--seconds T] --out DIR
                       [--binary PATH] [--jobs J] [--list]
                       [--libvirt URI] [--libvirt-sample K] [--libvirt-timeout T]

The rule under test:  qemu cannot open the chain  <=>  the inspector's verdict
(health.severity of `virt-agentx inspect --json`) is critical.

Each case is built, from random.Random("SEED:CASE"), in a fresh directory:
a chain of 1-4 layers made with `qemu-img create` (qcow2 compat 0.10 and 1.1,
qed, vmdk; a raw, vpc, vdi or vhdx base; a lone top of any of them), a little
data written with qemu-io so reads go down the chain, then a few mutations
(small byte patches of qcow2 headers and header extensions, rewritten backing
names, special files as backings, a wrong declared format; see MUTATIONS).

Oracle: qemu-io opens a copy of the top image made in the same directory,
read-write, from working directory / (as libvirt starts qemu), with the
declared format (-f), and reads 512 bytes at offset 0 (unallocated in the top,
allocated in the base: the read goes down the whole chain) and 512 bytes at
the end of the disk (allocated in the top: its L1/L2 tables are used).
qemu "refuses" when qemu-io exits non-zero (open or read failure) or does not
finish in --qemu-timeout seconds (killed: a FIFO backing blocks qemu's open).

Inspector: `virt-agentx inspect --json --format FMT ORIGINAL_TOP` from /,
with a timeout; a hang, a crash or output that is not JSON is a disagreement
of its own.

Cases with network backings (nbd://, http://, json nbd) and cases with qcow2
encryption (crypt_method 1 or 2; no key is given) are handed to neither oracle:
they are counted as "not tried" (the inspector still runs, to check it never
hangs or crashes on them).

Second oracle, libvirt (--libvirt URI; default $VIRT_AGENTX_LIBVIRTD_URI when
set, e.g. under scripts/with-libvirtd; --libvirt off disables it): libvirt is
the truth for our users. For a case it asks, a copy of the top image is made in
the same directory (libvirt-copy-TOP) and a transient, paused domain (type
qemu, 32 MiB, 1 vCPU, x86_64 hvm, its only disk virtio vda with <driver
name='qemu' type='DECLARED'/>, no network, no graphics, a unique name) is
started with `virsh -c URI create --paused`, then destroyed by name (always,
also on errors and timeouts). Started = libvirt opens the chain (libvirt walks
the chain itself, then qemu opens every layer as -blockdev at start-up); a
non-zero exit = refused, with libvirt's message (the "Failed to create domain"
boilerplate stripped); no answer in --libvirt-timeout seconds (30) = refused
(virsh killed, any FIFO in the case directory opened for writing and closed so
that a blocked reader in libvirtd or qemu gets EOF, the domain destroyed).
libvirt reads the images as the daemon runs it: under scripts/with-libvirtd
QEMU runs as root with security_driver "none" and dynamic_ownership 0, so no
relabelling, no chown and no AppArmor profile; /tmp is shared with its mount
namespace, so the case directories are seen as they are.

Which cases libvirt is asked about: (a) every case whose qemu-io verdict
disagrees with the inspector, and (b) a seeded sample (--libvirt-sample K,
default 20, drawn from random.Random("SEED:libvirt-sample") among the other
tried cases). The rule is judged against libvirt where libvirt answered (its
refusal is the truth) and against qemu-io elsewhere; every case says which
oracle decided ("decided_by"). "qemu alone disagrees, libvirt agrees with the
inspector" is counted on its own, by kind.

Documented exceptions (EXCEPTIONS, condition -> reason): chains that qemu and
libvirt open but that are still wrong for the guest, where the inspector may
say warning or critical. They are counted as "exception", never as agreement.

Every disagreement is shrunk (mutations dropped one by one while the
disagreement, same direction, remains) and rebuilt as a reproducer directory
under OUT/<kind>/seed-S-case-N/ with case.json (seed, case, mutations applied
and shrunk, both commands, qemu's status and message, the inspector's verdict
and its JSON). Exit status 1 when any disagreement was found, 0 otherwise,
2 on a usage or environment error.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import random
import re
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

MiB = 1 << 20
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_BINARY = os.path.join(ROOT, ".build", "debug", "virt-agentx")

EXT = {"qcow2": "qcow2", "raw": "img", "qed": "qed", "vmdk": "vmdk",
       "vpc": "vhd", "vdi": "vdi", "vhdx": "vhdx"}
BACKING_CAPABLE = ("qcow2", "qed", "vmdk")
BASE_FORMATS = ("qcow2", "qcow2", "raw", "raw", "qed", "vmdk", "vpc", "vdi", "vhdx")
TOP_FORMATS = ("qcow2", "qcow2", "qcow2", "qcow2", "qed", "vmdk")
LONE_FORMATS = ("qcow2", "qcow2", "raw", "qed", "vmdk", "vpc", "vdi", "vhdx")

# qcow2 header extensions (docs/interop/qcow2.txt)
EXT_END = 0
EXT_BACKING_FORMAT = 0xE2792ACA
EXT_FEATURE_TABLE = 0x6803F857
EXT_BITMAPS = 0x23852875
EXT_CRYPTO = 0x0537BE77
EXT_DATA_FILE = 0x44415441

# header fields: name -> (offset, struct format)
FIELDS = {
    "version": (4, ">I"), "backing_file_offset": (8, ">Q"),
    "backing_file_size": (16, ">I"), "cluster_bits": (20, ">I"),
    "size": (24, ">Q"), "crypt_method": (32, ">I"), "l1_size": (36, ">I"),
    "l1_table_offset": (40, ">Q"), "refcount_table_offset": (48, ">Q"),
    "refcount_table_clusters": (56, ">I"), "nb_snapshots": (60, ">I"),
    "snapshots_offset": (64, ">Q"),
    "incompatible_features": (72, ">Q"), "compatible_features": (80, ">Q"),
    "autoclear_features": (88, ">Q"), "refcount_order": (96, ">I"),
    "header_length": (100, ">I"), "compression_type": (104, ">B"),
}
V3_ONLY = ("incompatible_features", "compatible_features", "autoclear_features",
           "refcount_order", "header_length", "compression_type")

NETWORK = ("nbd://127.0.0.1:10809/disk", "http://127.0.0.1:9/disk.qcow2",
           'json:{"file":{"driver":"nbd","server":{"type":"inet","host":"127.0.0.1","port":"10809"},"export":"disk"}}')


# --------------------------------------------------------------------------
# qcow2 header: parse, edit, write back into cluster 0

class Qcow2:
    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self.data = f.read(65536)
        d = self.data
        (self.version,) = struct.unpack_from(">I", d, 4)
        (self.bfo, self.bfs, self.cluster_bits) = struct.unpack_from(">QII", d, 8)
        if self.version >= 3:
            (self.header_length,) = struct.unpack_from(">I", d, 100)
        else:
            self.header_length = 72
        self.exts = []
        off = self.header_length
        while off + 8 <= len(d):
            magic, length = struct.unpack_from(">II", d, off)
            if magic == EXT_END:
                break
            self.exts.append([magic, d[off + 8:off + 8 + length]])
            off += 8 + ((length + 7) & ~7)
        self.backing = d[self.bfo:self.bfo + self.bfs] if self.bfo else None
        self.raw_tail = b""      # bytes appended after the extensions as-is

    def write(self):
        """Writes header (first header_length bytes, as they were), the
        extensions, the end marker and the backing name; fixes the backing
        offset and size. The old area is zeroed up to its old end."""
        head = bytearray(self.data[:self.header_length])
        body = bytearray()
        for magic, payload in self.exts:
            body += struct.pack(">II", magic, len(payload)) + payload
            body += b"\0" * (((len(payload) + 7) & ~7) - len(payload))
        body += self.raw_tail
        body += struct.pack(">II", EXT_END, 0)
        if self.backing is not None:
            bfo = len(head) + len(body)
            body += self.backing
            struct.pack_into(">QI", head, 8, bfo, len(self.backing))
        else:
            struct.pack_into(">QI", head, 8, 0, 0)
        block = bytes(head + body)
        old_end = max(self.header_length, (self.bfo + self.bfs) if self.bfo else 0)
        old_end = max(old_end, self._ext_end())
        if len(block) < old_end:
            block += b"\0" * (old_end - len(block))
        limit = 1 << self.cluster_bits
        if len(block) > limit:
            raise MutationSkipped("header area larger than a cluster")
        with open(self.path, "r+b") as f:
            f.write(block)

    def _ext_end(self):
        off = self.header_length
        d = self.data
        while off + 8 <= len(d):
            magic, length = struct.unpack_from(">II", d, off)
            off += 8 + ((length + 7) & ~7)
            if magic == EXT_END:
                break
        return off

    def backing_format(self):
        for magic, payload in self.exts:
            if magic == EXT_BACKING_FORMAT:
                return payload.decode("latin1")
        return None

    def set_backing_format(self, name):
        self.exts = [e for e in self.exts if e[0] != EXT_BACKING_FORMAT]
        if name is not None:
            self.exts.insert(0, [EXT_BACKING_FORMAT, name.encode()])


def patch_field(path, name, value):
    off, fmt = FIELDS[name]
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(struct.pack(fmt, value & ((1 << (8 * struct.calcsize(fmt))) - 1)))


def read_field(path, name):
    off, fmt = FIELDS[name]
    with open(path, "rb") as f:
        f.seek(off)
        return struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]


class MutationSkipped(Exception):
    pass


# --------------------------------------------------------------------------
# case specification: everything random is drawn here, so that a case can be
# rebuilt with a subset of its mutations (shrinking) and in another directory

def draw_case(seed, number):
    r = random.Random(f"{seed}:{number}")
    n = r.choice((1, 1, 2, 2, 2, 3, 3, 4))
    size = r.choice((1, 2, 4, 8, 16, 32, 64)) * MiB
    layers = []
    if n == 1:
        layers.append(draw_layer(r, r.choice(LONE_FORMATS)))
    else:
        base = r.choice(BASE_FORMATS)
        fmts = [base]
        for _ in range(n - 1):
            below = fmts[-1]
            fmts.append("vmdk" if below == "vmdk" and r.random() < 0.7
                        else r.choice(("qcow2", "qcow2", "qcow2", "qed")))
        for f in reversed(fmts):     # top first
            layers.append(draw_layer(r, f))
    spec = {"seed": seed, "case": number, "size": size, "layers": layers,
            "declared": layers[0]["format"]}
    spec["mutations"] = draw_mutations(r, spec)
    return spec


def draw_layer(r, fmt):
    layer = {"format": fmt}
    if fmt == "qcow2":
        layer["compat"] = r.choice(("0.10", "1.1", "1.1"))
    return layer


def qcow2_layers(spec, v3=False):
    return [i for i, l in enumerate(spec["layers"]) if l["format"] == "qcow2"
            and (not v3 or l["compat"] == "1.1")]


def draw_mutations(r, spec):
    layers = spec["layers"]
    n = len(layers)
    choices = []    # (weight, maker)
    q = qcow2_layers(spec)
    q3 = qcow2_layers(spec, v3=True)

    def pick(lst):
        # the top most often: it is the one the inspector is asked about
        return lst[0] if r.random() < 0.6 else r.choice(lst)

    if q:
        def field():
            layer = pick(q)
            names = [k for k in FIELDS if k not in V3_ONLY
                     or layers[layer]["compat"] == "1.1"]
            name = r.choice(names)
            return {"kind": "field", "layer": layer, "field": name,
                    "value": draw_field_value(r, name)}
        choices.append((6, field))

        def ext():
            layer = pick(q)
            what = r.choice(("unknown", "unknown", "truncated", "dup-backing-format",
                             "dup-backing-format-different", "feature-table-garbage",
                             "bitmaps-no-bit", "data-file", "crypto", "no-end-marker",
                             "misaligned-length"))
            return {"kind": "ext", "layer": layer, "what": what,
                    "magic": r.randrange(1, 1 << 32), "len": r.choice((0, 1, 8, 13, 64))}
        choices.append((3, ext))

        with_backing = [i for i in q if i < n - 1]
        if with_backing:
            def bfmt():
                layer = pick(with_backing)
                actual = layers[layer + 1]["format"]
                wrong = [f for f in ("qcow2", "raw", "qed", "vmdk", "vpc", "vdi", "vhdx")
                         if f != actual]
                value = r.choice(("file", "nbd", "host_device", "bogus", "", None,
                                  "QCOW2", r.choice(wrong), r.choice(wrong)))
                return {"kind": "backing-format", "layer": layer, "value": value}
            choices.append((3, bfmt))

    capable = [i for i, l in enumerate(layers) if l["format"] in BACKING_CAPABLE]
    if capable:
        def bname():
            layer = pick(capable)
            form = r.choice(("relative", "absolute", "dot-relative", "file-relative",
                             "file-absolute", "json-relative", "json-absolute",
                             "json-qcow2-absolute", "symlink", "symlink-dangling",
                             "directory", "dev-null", "dev-zero", "empty-file",
                             "fifo", "missing", "odd-bytes", "odd-bytes-missing",
                             "self", "network"))
            return {"kind": "backing-name", "layer": layer, "form": form,
                    "net": r.choice(NETWORK), "odd": r.choice(
                        (b"sp ace.img", b"new\nline.img", b"lat\xe9in.img",
                         b"col:on.img", b"q\"uote.img", b"\\bs.img"))}
        choices.append((4, bname))

    def declared():
        return {"kind": "declared-format",
                "value": r.choice(("raw", "qcow2", "qed", "vmdk", "vpc", "vdi", "vhdx"))}
    choices.append((1, declared))

    count = r.choice((1, 1, 2, 2, 3))
    total = sum(w for w, _ in choices)
    muts = []
    for _ in range(count):
        x = r.uniform(0, total)
        for w, maker in choices:
            x -= w
            if x <= 0:
                muts.append(maker())
                break
    return muts


def draw_field_value(r, name):
    # values as ("abs", v) or ("rel", delta) or ("orbit", bit) applied at build time
    table = {
        "version": [("abs", v) for v in (0, 1, 2, 3, 4, 0xFFFFFFFF)],
        "backing_file_offset": [("abs", 0), ("abs", 8), ("abs", 1 << 40), ("rel", 1),
                                ("abs", 65530), ("abs", 1 << 63)],
        "backing_file_size": [("abs", 0), ("rel", -1), ("rel", 1), ("abs", 1023),
                              ("abs", 1024), ("abs", 0xFFFFFFFF)],
        "cluster_bits": [("abs", v) for v in (0, 8, 9, 12, 21, 22, 30)],
        "size": [("abs", 0), ("rel", 1), ("rel", 512), ("mul", 2), ("mul", 1024),
                 ("abs", 1 << 62), ("abs", (1 << 64) - 512)],
        "crypt_method": [("abs", v) for v in (1, 2, 3)],
        "l1_size": [("abs", 0), ("rel", -1), ("mul", 2), ("abs", 0x2000001), ("abs", 0xFFFFFFFF)],
        "l1_table_offset": [("abs", 0), ("rel", 1), ("rel", 512), ("abs", 1 << 40),
                            ("abs", 1 << 56)],
        "refcount_table_offset": [("abs", 0), ("rel", 1), ("rel", 512), ("abs", 1 << 40)],
        "refcount_table_clusters": [("abs", 0), ("abs", 1 << 20), ("abs", 0xFFFFFFFF),
                                    ("rel", 1)],
        "nb_snapshots": [("abs", 1), ("abs", 65536), ("abs", 65537), ("abs", 0xFFFFFFFF)],
        "snapshots_offset": [("abs", 1), ("abs", 512), ("abs", 1 << 40), ("abs", 65536)],
        "incompatible_features": [("orbit", b) for b in (0, 0, 1, 1, 2, 3, 4, 5, 17, 63)],
        "compatible_features": [("orbit", b) for b in (0, 1, 9, 63)],
        "autoclear_features": [("orbit", b) for b in (0, 1, 2, 40, 63)],
        "refcount_order": [("abs", v) for v in (0, 3, 4, 6, 7, 64)],
        "header_length": [("abs", v) for v in (72, 100, 103, 104, 105, 112, 120, 4096, 1 << 20)],
        "compression_type": [("abs", v) for v in (1, 2, 255)],
    }
    return list(r.choice(table[name]))


# --------------------------------------------------------------------------
# building a case

def run(argv, cwd="/", timeout=20, check=True):
    p = subprocess.run(argv, cwd=cwd, capture_output=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError(f"{argv}: {p.stderr.decode(errors='replace').strip()}")
    return p


def layer_name(spec, i):
    f = spec["layers"][i]["format"]
    return ("top" if i == 0 else f"b{i}") + "." + EXT[f]


def build(spec, d, mutations):
    """Builds the case in directory d (created); returns (top path, applied
    mutations with notes, network flag)."""
    os.makedirs(d)
    layers = spec["layers"]
    n = len(layers)
    size = spec["size"]
    for i in reversed(range(n)):
        l = layers[i]
        argv = ["qemu-img", "create", "-q", "-f", l["format"]]
        if l["format"] == "qcow2":
            argv += ["-o", f"compat={l['compat']}"]
        if i < n - 1:
            argv += ["-b", layer_name(spec, i + 1), "-F", layers[i + 1]["format"]]
        argv += [layer_name(spec, i), str(size)]
        run(argv, cwd=d)
        if i == n - 1:
            # data: the base's first cluster (before the layers above are
            # made: a vmdk child records its parent's CID), the top's last one
            run(["qemu-io", "-f", layers[i]["format"], "-c", "write -q -P 0xab 0 64k",
                 layer_name(spec, i)], cwd=d)
    if n > 1:
        run(["qemu-io", "-f", layers[0]["format"], "-c",
             f"write -q -P 0xcd {size - 65536} 64k", layer_name(spec, 0)], cwd=d)
    applied = []
    network = False
    declared = spec["declared"]
    # backing names and extensions first (they rewrite the header area),
    # plain field patches last (so nothing recomputes them)
    order = sorted(mutations, key=lambda m: m["kind"] == "field")
    for m in order:
        m = dict(m)
        try:
            note = apply(spec, d, m)
            if m["kind"] == "declared-format":
                declared = m["value"]
            if m["kind"] == "backing-name" and m["form"] == "network":
                network = True
            if note:
                m["note"] = note
            m["applied"] = True
        except MutationSkipped as e:
            m["applied"] = False
            m["note"] = f"skipped: {e}"
        applied.append(m)
    return os.path.join(d, layer_name(spec, 0)), declared, applied, network


def apply(spec, d, m):
    layers = spec["layers"]
    k = m["kind"]
    if k == "declared-format":
        return None
    path = os.path.join(d, layer_name(spec, m.get("layer", 0)))
    i = m.get("layer", 0)
    if k == "field":
        name = m["field"]
        how, v = m["value"]
        cur = read_field(path, name)
        if how == "abs":
            new = v
        elif how == "rel":
            new = cur + v
        elif how == "mul":
            new = cur * v
        else:
            new = cur | (1 << v)
        patch_field(path, name, new)
        return f"{name}: {cur:#x} -> {new & ((1 << 64) - 1):#x}"
    if k == "ext":
        q = Qcow2(path)
        what = m["what"]
        if what == "unknown":
            q.exts.append([m["magic"], os.urandom(0) + bytes(range(m["len"]))])
            note = f"unknown extension magic {m['magic']:#010x} len {m['len']}"
        elif what == "truncated":
            # length runs past the end of the cluster
            q.raw_tail = struct.pack(">II", m["magic"], 0x7FFFFFF0)
            note = f"extension {m['magic']:#010x} with length 0x7ffffff0"
        elif what == "dup-backing-format":
            bf = q.backing_format()
            if bf is None:
                raise MutationSkipped("no backing format extension")
            q.exts.append([EXT_BACKING_FORMAT, bf.encode()])
            note = f"backing format extension '{bf}' twice"
        elif what == "dup-backing-format-different":
            bf = q.backing_format()
            if bf is None:
                raise MutationSkipped("no backing format extension")
            other = "raw" if bf != "raw" else "qcow2"
            q.exts.append([EXT_BACKING_FORMAT, other.encode()])
            note = f"backing format extension '{bf}' then '{other}'"
        elif what == "feature-table-garbage":
            q.exts.append([EXT_FEATURE_TABLE, b"\x00\x3fbogus feature" + b"\0" * 33])
            note = "feature name table entry of an unknown incompatible bit 63"
        elif what == "bitmaps-no-bit":
            q.exts.append([EXT_BITMAPS, struct.pack(">IIQQ", 1, 0, 8, 1 << 40)])
            note = "bitmaps extension (1 bitmap, directory beyond EOF) without the autoclear bit"
        elif what == "data-file":
            q.exts.append([EXT_DATA_FILE, b"data.raw"])
            note = "external data file extension 'data.raw' (missing) without the incompatible bit"
        elif what == "crypto":
            q.exts.append([EXT_CRYPTO, struct.pack(">QQ", 1 << 40, 4096)])
            note = "crypto header extension (offset beyond EOF) without crypt_method"
        elif what == "no-end-marker":
            q.raw_tail = struct.pack(">II", m["magic"], 8) + b"\xff" * 8
            note = f"garbage extension {m['magic']:#010x} len 8 after the known ones"
        elif what == "misaligned-length":
            bf = q.backing_format()
            if bf is None:
                raise MutationSkipped("no backing format extension")
            # backing format length one byte longer than the name: a NUL
            for e in q.exts:
                if e[0] == EXT_BACKING_FORMAT:
                    e[1] = e[1] + b"\0"
            note = f"backing format extension '{bf}\\0' (length includes a NUL)"
        q.write()
        return note
    if k == "backing-format":
        q = Qcow2(path)
        if q.backing is None:
            raise MutationSkipped("no backing file")
        old = q.backing_format()
        q.set_backing_format(m["value"])
        q.write()
        return f"backing format extension {old!r} -> {m['value']!r} (actual {layers[i + 1]['format'] if i + 1 < len(layers) else None})"
    if k == "backing-name":
        return apply_backing_name(spec, d, m, path, i)
    raise AssertionError(k)


def _fresh(fn, *a):
    """os.symlink/mkdir/mkfifo/link, tolerating a name an earlier mutation
    of the same case already made."""
    try:
        fn(*a)
    except FileExistsError:
        pass


def apply_backing_name(spec, d, m, path, i):
    layers = spec["layers"]
    n = len(layers)
    fmt = layers[i]["format"]
    has_below = i < n - 1
    below = layer_name(spec, i + 1) if has_below else None
    below_fmt = layers[i + 1]["format"] if has_below else "raw"
    absd = os.path.realpath(d)
    form = m["form"]
    if form in ("relative", "absolute", "dot-relative", "file-relative", "file-absolute",
                "json-relative", "json-absolute", "json-qcow2-absolute", "symlink",
                "odd-bytes", "self") and not has_below:
        raise MutationSkipped("no backing layer to name")
    if form == "relative":
        name = below.encode()
    elif form == "absolute":
        name = os.path.join(absd, below).encode()
    elif form == "dot-relative":
        name = ("./" + below).encode()
    elif form == "file-relative":
        name = ("file:" + below).encode()
    elif form == "file-absolute":
        name = ("file:" + os.path.join(absd, below)).encode()
    elif form == "json-relative":
        name = json.dumps({"file": {"driver": "file", "filename": below}}).encode()
    elif form == "json-absolute":
        name = json.dumps({"file": {"driver": "file", "filename": os.path.join(absd, below)}}).encode()
    elif form == "json-qcow2-absolute":
        name = json.dumps({"driver": below_fmt, "file": {"driver": "file",
                           "filename": os.path.join(absd, below)}}).encode()
    elif form == "symlink":
        _fresh(os.symlink, below, os.path.join(d, "link-" + below))
        name = ("link-" + below).encode()
    elif form == "symlink-dangling":
        _fresh(os.symlink, "nowhere.img", os.path.join(d, "dangling.img"))
        name = b"dangling.img"
    elif form == "directory":
        _fresh(os.mkdir, os.path.join(d, "subdir"))
        name = b"subdir"
    elif form == "dev-null":
        name = b"/dev/null"
    elif form == "dev-zero":
        name = b"/dev/zero"
    elif form == "empty-file":
        open(os.path.join(d, "empty.img"), "wb").close()
        name = b"empty.img"
    elif form == "fifo":
        _fresh(os.mkfifo, os.path.join(d, "fifo.img"))
        name = b"fifo.img"
    elif form == "missing":
        name = b"missing.img"
    elif form == "odd-bytes":
        odd = m["odd"] if isinstance(m["odd"], bytes) else m["odd"].encode("latin1")
        # a second name (hard link): later mutations still find the layer
        _fresh(os.link, os.path.join(d, below).encode(), os.path.join(d.encode(), odd))
        name = odd
    elif form == "odd-bytes-missing":
        odd = m["odd"] if isinstance(m["odd"], bytes) else m["odd"].encode("latin1")
        name = odd
    elif form == "self":
        name = os.path.basename(path).encode()
    elif form == "network":
        name = m["net"].encode()
    else:
        raise AssertionError(form)
    if fmt == "qcow2":
        q = Qcow2(path)
        if q.backing is None:
            q.set_backing_format(below_fmt if has_below else "raw")
        q.backing = name
        q.write()
    else:
        p = run(["qemu-img", "rebase", "-u", "-f", fmt, "-b", os.fsdecode(name),
                 "-F", below_fmt, os.path.basename(path)], cwd=os.path.dirname(path),
                check=False)
        if p.returncode != 0:
            raise MutationSkipped("qemu-img rebase -u: " + p.stderr.decode(errors="replace").strip())
    return f"backing name {name!r}"


# --------------------------------------------------------------------------
# oracle and inspector

def device_size(top, fmt, actual, size):
    """The disk size the guest would see, so that the reads stay inside it
    (a read past the end is an I/O error, not a failure to open)."""
    if fmt != actual:
        return os.path.getsize(top) if fmt == "raw" else 512
    if fmt == "qcow2":
        return read_field(top, "size")
    return size


def qemu_open(top, fmt, actual, size, timeout):
    d, base = os.path.split(top)
    copy = os.path.join(d, "qemu-copy-" + base)
    shutil.copyfile(top, copy)
    end = device_size(top, fmt, actual, size) // 512 * 512
    cmds = ["-c", "length"]
    if end >= 512:
        cmds += ["-c", "read -q 0 512"]
    if end >= 1024 and end <= (1 << 62):
        cmds += ["-c", f"read -q {end - 512} 512"]
    argv = ["qemu-io", "-f", fmt] + cmds + [copy]
    try:
        p = subprocess.run(argv, cwd="/", capture_output=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        msg = (p.stderr + p.stdout).decode(errors="replace").strip()
        msg = "\n".join(l for l in msg.splitlines() if not re.fullmatch(r"[0-9.]+ [KMGTPE]?i?B|[0-9]+ bytes", l.strip()))
        ok = p.returncode == 0
        res = {"status": "ok" if ok else "refused", "exit": p.returncode, "message": msg}
    except subprocess.TimeoutExpired:
        res = {"status": "refused", "exit": None, "message": f"timeout after {timeout}s (killed)"}
    res["argv"] = argv
    os.unlink(copy)
    return res


def inspect(binary, top, fmt, timeout):
    argv = [binary, "inspect", "--json", "--format", fmt, top]
    try:
        p = subprocess.run(argv, cwd="/", capture_output=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return {"status": "hang", "argv": argv, "severity": None,
                "detail": f"no answer after {timeout}s (killed)"}
    out = p.stdout.decode(errors="replace")
    try:
        doc = json.loads(out)
        h = doc[0]["health"]
        return {"status": "ok", "argv": argv, "exit": p.returncode,
                "severity": h["severity"], "condition": h.get("condition"),
                "detail": h.get("detail"),
                "conditions": [dict(c, layer=i) for i, l in enumerate(doc[0].get("layers", []))
                               for c in l.get("conditions", []) if c["severity"] != "ok"],
                "json": doc}
    except (ValueError, KeyError, IndexError, TypeError):
        return {"status": "error", "argv": argv, "exit": p.returncode, "severity": None,
                "detail": (out + p.stderr.decode(errors="replace")).strip()[:2000]}


def not_tried(network, applied):
    """Why a case is handed to neither oracle, or None: a network backing
    would connect, and an encrypted image cannot be opened without its key
    (the issue's rule does not apply to either)."""
    if network:
        return "network backing: not handed to the oracles"
    for m in applied:
        if (m.get("applied") and m["kind"] == "field" and m["field"] == "crypt_method"
                and m["value"][0] == "abs" and m["value"][1] in (1, 2)):
            return "qcow2 encryption (crypt_method %d) without a key: not handed to the oracles" % m["value"][1]
    return None


def domain_xml(name, image, fmt):
    from xml.sax.saxutils import quoteattr, escape
    return f"""<domain type='qemu'>
  <name>{escape(name)}</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type={quoteattr(fmt)}/>
      <source file={quoteattr(image)}/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
"""


def unblock_fifos(d):
    """A FIFO backing blocks whoever opens it for reading (libvirtd probing the
    chain, or qemu): open every FIFO in d for writing and close it (EOF)."""
    for name in os.listdir(d):
        path = os.path.join(d, name)
        try:
            if stat.S_ISFIFO(os.lstat(path).st_mode):
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass


def virsh(uri, *argv, timeout=30):
    return subprocess.run(["virsh", "-q", "-c", uri] + list(argv), cwd="/",
                          capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)


def libvirt_message(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    lines = [l for l in lines if not re.match(r"error: Failed to create domain from ", l)]
    msg = "\n".join(re.sub(r"^error: ", "", l) for l in lines)
    return msg


def libvirt_open(uri, top, fmt, name, timeout, keep_xml=None):
    """libvirt's verdict: a transient paused domain whose only disk is a copy
    of top (same directory) with the declared format."""
    d, base = os.path.split(top)
    copy = os.path.join(d, "libvirt-copy-" + base)
    shutil.copyfile(top, copy)
    xml = domain_xml(name, copy, fmt)
    xml_path = keep_xml or os.path.join(d, "libvirt-domain.xml")
    with open(xml_path, "w") as f:
        f.write(xml)
    argv = ["virsh", "-q", "-c", uri, "create", "--paused", xml_path]
    started = time.monotonic()
    try:
        p = subprocess.run(argv, cwd="/", capture_output=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        text = (p.stderr + p.stdout).decode(errors="replace")
        if p.returncode == 0:
            res = {"status": "ok", "exit": 0, "message": ""}
        else:
            res = {"status": "refused", "exit": p.returncode, "message": libvirt_message(text)}
    except subprocess.TimeoutExpired:
        res = {"status": "refused", "exit": None,
               "message": f"timeout after {timeout}s (virsh killed)"}
        unblock_fifos(d)
    except Exception as e:
        res = {"status": "error", "exit": None, "message": repr(e)}
    finally:
        # always: the domain must not outlive the case
        for _ in range(3):
            try:
                p = virsh(uri, "destroy", name, timeout=timeout)
            except subprocess.TimeoutExpired:
                unblock_fifos(d)
                continue
            err = p.stderr.decode(errors="replace")
            if p.returncode == 0 or "ailed to get domain" in err or "not found" in err \
                    or "no domain with matching name" in err:
                break
            time.sleep(0.5)
    res["seconds"] = round(time.monotonic() - started, 2)
    res["argv"] = argv
    res["domain"] = name
    res["xml"] = xml
    try:
        os.unlink(copy)
    except OSError:
        pass
    if keep_xml is None:
        os.unlink(xml_path)
    return res


# Documented exceptions: conditions of chains that qemu-io and libvirt open
# but that are still wrong for the guest; the inspector may say warning or
# critical about them. Each is matched by a function of one inspector
# condition (its name and layer) and counted as "exception", never agreement.
BOUNDED = "partly inspected by the inspector's own bound"
LIBVIRT_AGREES_KEPT = 20
EXCEPTIONS = {
    "corrupt bit on a backing layer": (
        lambda c: c["condition"] == "corrupt" and c.get("layer", 0) > 0,
        "qemu checks the corrupt bit only when it opens an image read-write; a "
        "backing layer is opened read-only, so qemu and libvirt start the guest "
        "on metadata qemu itself declared inconsistent (reads may return wrong "
        "data) and any block commit or stream into that layer fails"),
    # Not a condition qemu opens: the inspector's own bound (the rule 2).
    # Matched in judge(), only when the oracle refuses and the verdict says so.
    BOUNDED: (
        lambda c: False,
        "the inspector reads the snapshot table only as far as its per-layer read "
        "limit and says the layer is partly inspected (info); qemu reads the whole "
        "table on open and may refuse an entry beyond that limit"),
}


def exception_for(ins):
    """The EXCEPTIONS key that covers every critical condition of a critical
    verdict (the rule is about critical only: a warning beside it is allowed),
    or None."""
    if ins.get("severity") != "critical":
        return None
    keys = set()
    for c in ins.get("conditions", []):
        if c["severity"] != "critical":
            continue
        hit = [k for k, (match, _) in EXCEPTIONS.items() if match(c)]
        if not hit:
            return None
        keys.update(hit)
    return sorted(keys)[0] if keys else None


def judge(q, lv, ins):
    """(result, kind, oracle): result is agree, disagree, exception or not
    tried; kind the direction of a disagreement (or the exception's key);
    oracle the one that decided (libvirt where it answered, else qemu)."""
    if lv is not None and lv.get("status") in ("ok", "refused"):
        oracle, o = "libvirt", lv
    elif q.get("status") in ("ok", "refused"):
        oracle, o = "qemu", q
    else:
        oracle, o = None, None
    if ins["status"] == "hang":
        return "disagree", "inspector hangs", oracle
    if ins["status"] == "error":
        return "disagree", "inspector error", oracle
    if o is None:
        return "not tried", None, None
    refused = o["status"] == "refused"
    critical = ins["severity"] == "critical"
    if refused and not critical and any(c.get("condition") == "partly-inspected"
                                        for c in ins.get("conditions", [])):
        return "exception", BOUNDED, oracle
    if not refused:
        exc = exception_for(ins)
        if exc:
            return "exception", exc, oracle
    if refused == critical:
        return "agree", None, oracle
    return "disagree", (f"{oracle} refuses, inspector {ins['severity']}" if refused
                        else f"{oracle} opens, inspector critical"), oracle


def verdict(q, ins, lv=None):
    """None when they agree, else the direction (an exception counts as its
    own kind, so that shrinking never turns a disagreement into one)."""
    result, kind, _ = judge(q, lv, ins)
    if result == "agree":
        return None
    if result == "exception":
        return "exception: " + kind
    return kind


# --------------------------------------------------------------------------

def normalize(msg, d):
    msg = msg.replace(os.path.realpath(d), "DIR").replace(d, "DIR")
    msg = re.sub(r"^qemu-io: can't open device DIR/[^:]*: ", "open: ", msg)
    depth = msg.count("Could not open backing file: ")
    msg = msg.replace("Could not open backing file: ", "")
    if depth:
        msg = msg.replace("open: ", f"open (backing depth {depth}): ", 1)
    msg = re.sub(r"qemu-copy-", "", msg)
    msg = re.sub(r"\b\d{3,}\b", "N", msg)
    return msg.splitlines()[0][:160] if msg else ""


def normalize_libvirt(msg, d):
    msg = msg.replace(os.path.realpath(d), "DIR").replace(d, "DIR")
    msg = re.sub(r"\d{4}-\d\d-\d\dT[0-9:.]+Z ", "", msg)
    msg = re.sub(r"-blockdev \{.*?\}: ", "", msg)
    msg = re.sub(r"libvirt-copy-", "", msg)
    msg = re.sub(r"\b\d{3,}\b", "N", msg)
    return " | ".join(l.strip() for l in msg.splitlines() if l.strip())[:300]


def mut_label(m):
    k = m["kind"]
    if k == "field":
        return f"field {m['field']}={m['value'][0]}:{m['value'][1]}@L{m['layer']}"
    if k == "ext":
        return f"ext {m['what']}@L{m['layer']}"
    if k == "backing-format":
        return f"backing-format {m['value']!r}@L{m['layer']}"
    if k == "backing-name":
        return f"backing-name {m['form']}@L{m['layer']}"
    return f"declared-format {m['value']}"


class Runner:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="differential-work-")
        self.lock = threading.Lock()
        self.counter = 0
        self.libvirt_calls = 0
        self.libvirt_seconds = 0.0
        # "qemu alone disagrees, libvirt agrees" examples kept, by kind: a
        # long run meets thousands; a few of each show the difference.
        self.agreeing_kept = {}

    def trial(self, spec, mutations, d=None, libvirt=False, keep_xml=False):
        with self.lock:
            self.counter += 1
            n = self.counter
        if d is None:
            d = os.path.join(self.work, f"c{n}")
        top, declared, applied, network = build(spec, d, mutations)
        ins = inspect(self.args.binary, top, declared, self.args.inspect_timeout)
        why = not_tried(network, applied)
        if why:
            q = {"status": "not tried", "message": why}
        else:
            q = qemu_open(top, declared, spec["layers"][0]["format"], spec["size"],
                          self.args.qemu_timeout)
        lv = None
        if libvirt:
            if why:
                lv = {"status": "not tried", "message": why}
            else:
                name = f"vax-diff-{os.getpid()}-s{spec['seed']}-c{spec['case']}-{n}"
                lv = libvirt_open(self.args.libvirt, top, declared, name,
                                  self.args.libvirt_timeout,
                                  keep_xml=os.path.join(d, "domain.xml") if keep_xml else None)
                with self.lock:
                    self.libvirt_calls += 1
                    self.libvirt_seconds += lv["seconds"]
        return d, top, declared, applied, network, q, ins, lv

    def run_case(self, number):
        """Phase 1: the case against qemu-io. With libvirt on, a case whose
        qemu verdict disagrees is left for phase 2 (finish)."""
        spec = draw_case(self.args.seed, number)
        try:
            d, top, declared, applied, network, q, ins, _ = self.trial(spec, spec["mutations"])
        except Exception as e:   # a generator bug must not stop the run
            return {"case": number, "result": "build-error", "error": repr(e)}
        res = {"case": number, "declared": declared, "layers": spec["layers"],
               "mutations": [mut_label(m) for m in applied if m["applied"]],
               "qemu": q["status"], "qemu_message": normalize(q.get("message", ""), d),
               "severity": ins.get("severity"), "condition": ins.get("condition"),
               "not_tried": not_tried(network, applied)}
        shutil.rmtree(d, ignore_errors=True)
        result, kind, oracle = judge(q, None, ins)
        res["qemu_result"], res["qemu_kind"] = result, kind
        if self.args.libvirt and result == "disagree" and not network:
            res["result"] = "pending"
            return res
        return self.conclude(spec, res, result, kind, oracle, libvirt=False)

    def finish(self, res):
        """Phase 2 (libvirt on): the case again, with libvirt asked too."""
        spec = draw_case(self.args.seed, res["case"])
        try:
            d, top, declared, applied, network, q, ins, lv = self.trial(
                spec, spec["mutations"], libvirt=True)
        except Exception as e:
            res.update(result="build-error", error=repr(e))
            return res
        res.update(qemu=q["status"], qemu_message=normalize(q.get("message", ""), d),
                   severity=ins.get("severity"), condition=ins.get("condition"),
                   libvirt=lv["status"], libvirt_message=normalize_libvirt(lv.get("message", ""), d))
        shutil.rmtree(d, ignore_errors=True)
        result, kind, oracle = judge(q, lv, ins)
        return self.conclude(spec, res, result, kind, oracle, libvirt=True)

    def conclude(self, spec, res, result, kind, oracle, libvirt):
        res["result"], res["decided_by"] = result, oracle
        if result == "exception":
            res["exception"] = kind
            return res
        if result != "disagree":
            if libvirt and res.get("qemu_kind") and oracle == "libvirt":
                # qemu alone disagreed, libvirt agrees with the inspector: the
                # first LIBVIRT_AGREES_KEPT of each kind kept as reproducers (not
                # shrunk) so the difference can be seen
                with self.lock:
                    kept = self.agreeing_kept.get(res["qemu_kind"], 0)
                    self.agreeing_kept[res["qemu_kind"]] = kept + 1
                if kept < LIBVIRT_AGREES_KEPT:
                    res["repro"], info = self.save(spec, spec["mutations"], res["qemu_kind"],
                                                   libvirt=True, sub="libvirt-agrees")
            return res
        res["kind"] = kind
        if res.get("qemu") == "not tried" and res.get("libvirt") in (None, "not tried"):
            res["repro"], info = self.save(spec, spec["mutations"], kind, libvirt=libvirt)
            res.update(info)
            return res
        muts = self.shrink(spec, spec["mutations"], kind, libvirt)
        res["shrunk"] = [mut_label(m) for m in muts]
        res["repro"], info = self.save(spec, muts, kind, libvirt=libvirt)
        res.update(info)
        return res

    def shrink(self, spec, muts, kind, libvirt=False):
        muts = list(muts)
        changed = True
        while changed and len(muts) > 0:
            changed = False
            for j in range(len(muts)):
                cand = muts[:j] + muts[j + 1:]
                try:
                    d, _, _, _, net, q, ins, lv = self.trial(spec, cand, libvirt=libvirt)
                except Exception:
                    continue
                shutil.rmtree(d, ignore_errors=True)
                if not net and verdict(q, ins, lv) == kind:
                    muts = cand
                    changed = True
                    break
        return muts

    def save(self, spec, muts, kind, libvirt=False, sub=None):
        slug = re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-")
        top_dir = os.path.join(self.args.out, sub) if sub else self.args.out
        d = os.path.join(top_dir, slug, f"seed-{spec['seed']}-case-{spec['case']}")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(os.path.dirname(d), exist_ok=True)
        _, top, declared, applied, network, q, ins, lv = self.trial(
            spec, muts, d, libvirt=libvirt, keep_xml=True)
        got = (verdict(q, ins, lv) if sub is None else verdict(q, ins)) if not network else kind
        rerun = {"qemu": f"cd / && cp {top} {os.path.join(os.path.dirname(top), 'qemu-copy-' + os.path.basename(top))} && "
                         + " ".join(q.get("argv", [])),
                 "inspector": "cd / && " + " ".join(ins["argv"])}
        if lv and lv.get("argv"):
            copy = os.path.join(os.path.dirname(top), "libvirt-copy-" + os.path.basename(top))
            rerun["libvirt"] = (f"cp {top} {copy} && virsh -c {self.args.libvirt} create --paused "
                                f"{os.path.join(d, 'domain.xml')}; virsh -c {self.args.libvirt} "
                                f"destroy {lv['domain']}")
        cj = {"seed": spec["seed"], "case": spec["case"], "kind": kind,
              "reproduces": got == kind, "layers": spec["layers"], "size": spec["size"],
              "declared_format": declared,
              "mutations_drawn": [mut_label(m) for m in spec["mutations"]],
              "mutations_applied": applied,
              "top": top, "qemu": q, "libvirt": lv,
              "decided_by": judge(q, lv, ins)[2],
              "inspector": {k: v for k, v in ins.items() if k != "json"},
              "inspector_json": ins.get("json"),
              "rerun": rerun}
        with open(os.path.join(d, "case.json"), "w") as f:
            json.dump(cj, f, indent=2, default=lambda o: o.decode("latin1") if isinstance(o, bytes) else str(o))
        info = {"qemu_message": normalize(q.get("message", ""), d),
                "severity": ins.get("severity"), "condition": ins.get("condition"),
                "detail": (ins.get("detail") or "").replace(d, "DIR"),
                "conditions": [(c["severity"], c["condition"]) for c in ins.get("conditions", [])]}
        if lv is not None:
            info["libvirt"] = lv["status"]
            info["libvirt_message"] = normalize_libvirt(lv.get("message", ""), d)
        return d, info


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--cases", type=int, default=None)
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--out", required=True)
    ap.add_argument("--binary", default=DEFAULT_BINARY)
    ap.add_argument("--jobs", type=int, default=max(2, (os.cpu_count() or 1) * 2))
    ap.add_argument("--qemu-timeout", type=float, default=10)
    ap.add_argument("--inspect-timeout", type=float, default=15)
    ap.add_argument("--libvirt", metavar="URI",
                    default=os.environ.get("VIRT_AGENTX_LIBVIRTD_URI") or None,
                    help="libvirt as the second oracle (default: $VIRT_AGENTX_LIBVIRTD_URI "
                         "if set, else off; 'off' disables it)")
    ap.add_argument("--libvirt-sample", type=int, default=20, metavar="K",
                    help="other cases also asked of libvirt (seeded sample; default 20)")
    ap.add_argument("--libvirt-timeout", type=float, default=30)
    ap.add_argument("--libvirt-jobs", type=int, default=None,
                    help="cases asked of libvirt at once (default: --jobs)")
    ap.add_argument("--list", action="store_true", help="print every case's result")
    args = ap.parse_args()
    if args.libvirt in ("", "off", "none"):
        args.libvirt = None
    if args.cases is None and args.seconds is None:
        ap.error("give --cases, --seconds or both")
    if not os.access(args.binary, os.X_OK):
        print(f"differential: {args.binary} is not executable", file=sys.stderr)
        return 2
    for tool in ("qemu-img", "qemu-io") + (("virsh",) if args.libvirt else ()):
        if not shutil.which(tool):
            print(f"differential: {tool} missing (apt-get install -y qemu-utils)", file=sys.stderr)
            return 2
    if args.libvirt:
        try:
            p = virsh(args.libvirt, "version", timeout=20)
            ok = p.returncode == 0
            why = p.stderr.decode(errors="replace").strip()
        except subprocess.TimeoutExpired:
            ok, why = False, "no answer in 20s"
        if not ok:
            print(f"differential: libvirt at {args.libvirt} does not answer: {why} "
                  "(run under scripts/with-libvirtd, or --libvirt off)", file=sys.stderr)
            return 2
    args.out = os.path.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)
    runner = Runner(args)
    started = time.monotonic()
    deadline = started + args.seconds if args.seconds else None
    results = []
    limit = args.cases if args.cases is not None else 1 << 62
    libvirt_elapsed = 0.0
    sample = []
    try:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            pending = set()
            nxt = 0
            while True:
                while (len(pending) < args.jobs * 2 and nxt < limit
                       and (deadline is None or time.monotonic() < deadline)):
                    pending.add(pool.submit(runner.run_case, nxt))
                    nxt += 1
                if not pending:
                    break
                done, pending = concurrent.futures.wait(
                    pending, return_when=concurrent.futures.FIRST_COMPLETED)
                for f in done:
                    results.append(f.result())
        if args.libvirt:
            # phase 2: (a) every case qemu-io and the inspector disagree on,
            # (b) a seeded sample of the other tried cases
            lv_started = time.monotonic()
            results.sort(key=lambda r: r["case"])
            others = [r for r in results if r["result"] in ("agree", "exception")
                      and not r.get("not_tried")]
            k = min(args.libvirt_sample, len(others))
            sample = random.Random(f"{args.seed}:libvirt-sample").sample(others, k)
            for r in sample:
                r["libvirt_asked"] = "sample"
            asked = [r for r in results if r["result"] == "pending"]
            for r in asked:
                r["libvirt_asked"] = "qemu disagrees"
            todo = asked + sorted(sample, key=lambda r: r["case"])
            with concurrent.futures.ThreadPoolExecutor(args.libvirt_jobs or args.jobs) as pool:
                done = list(pool.map(runner.finish, todo))
            libvirt_elapsed = time.monotonic() - lv_started
    finally:
        shutil.rmtree(runner.work, ignore_errors=True)
    elapsed = time.monotonic() - started
    results.sort(key=lambda r: r["case"])
    with open(os.path.join(args.out, f"results-seed-{args.seed}.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)
    c = collections.Counter(r["result"] for r in results)
    tried = len(results) - c["not tried"] - c["build-error"] - sum(
        1 for r in results if r["result"] == "disagree" and r.get("qemu") == "not tried")
    print(f"seed {args.seed}: {len(results)} cases in {elapsed:.1f}s; "
          f"tried {tried}, not tried {c['not tried']}, agreements {c['agree']}, "
          f"exceptions {c['exception']}, disagreements {c['disagree']}, "
          f"generator errors {c['build-error']}")
    qref = sum(1 for r in results if r.get("qemu") == "refused")
    print(f"  qemu refused {qref} of the tried cases")
    if args.libvirt:
        asked = [r for r in results if r.get("libvirt_asked")]
        lc = collections.Counter(r.get("libvirt") for r in asked)
        by = collections.Counter(r.get("decided_by") for r in results
                                 if r["result"] in ("agree", "disagree", "exception"))
        print(f"  libvirt ({args.libvirt}): asked {len(asked)} cases "
              f"({sum(1 for r in asked if r['libvirt_asked'] == 'qemu disagrees')} where qemu "
              f"disagrees, {sum(1 for r in asked if r['libvirt_asked'] == 'sample')} sampled), "
              f"{libvirt_elapsed:.1f}s wall, {runner.libvirt_calls} domains started or refused "
              f"({runner.libvirt_seconds:.1f}s in virsh), counting shrinking and reproducers; "
              f"opened {lc['ok']}, refused {lc['refused']}, not tried {lc['not tried']}"
              + (f", errors {lc['error']}" if lc['error'] else ""))
        print(f"  decided by libvirt {by['libvirt']}, by qemu-io {by['qemu']}")
        differ = [r for r in asked if r.get("libvirt") in ("ok", "refused")
                  and r.get("qemu") in ("ok", "refused") and r["libvirt"] != r["qemu"]]
        print(f"  libvirt and qemu-io differ on {len(differ)} of the asked cases")
        lvag = collections.defaultdict(list)
        for r in results:
            if r.get("qemu_kind") and r.get("decided_by") == "libvirt" and r["result"] == "agree":
                key = (r["qemu_kind"], r.get("condition"),
                       " + ".join(sorted(re.sub(r"@L\d+", "", x) for x in r["mutations"])))
                lvag[key].append(r)
        n = sum(len(v) for v in lvag.values())
        print(f"  qemu alone refuses/opens but libvirt agrees with the inspector: {n}")
        for (qk, cond, muts), rs in sorted(lvag.items(), key=lambda kv: (kv[0][0], -len(kv[1]))):
            r = rs[0]
            print(f"  - {qk} ({cond}): {muts or '(no mutation)'}  x{len(rs)}")
            print(f"      qemu: {r.get('qemu_message') or r['qemu']}")
            print(f"      libvirt: {r.get('libvirt')} {r.get('libvirt_message', '')}")
            print(f"      repro: {r.get('repro')}")
    exc = collections.Counter(r["exception"] for r in results if r["result"] == "exception")
    for key, count in sorted(exc.items()):
        by = collections.Counter(r.get("decided_by") for r in results if r.get("exception") == key)
        print(f"  exception: {key} x{count} (oracle opened: "
              + ", ".join(f"{o} {k}" for o, k in sorted(by.items())) + f"): {EXCEPTIONS[key][1]}")
    if args.list:
        for r in results:
            print(" ", json.dumps(r, default=str))
    groups = collections.defaultdict(list)
    for r in results:
        if r["result"] == "disagree":
            key = (r["kind"], r.get("condition"), r.get("qemu_message", "")[:100],
                   r.get("libvirt_message", "")[:100],
                   " + ".join(sorted(re.sub(r"@L\d+", "", x) for x in r.get("shrunk", r["mutations"]))))
            groups[key].append(r)
    for (kind, cond, qmsg, lmsg, muts), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], -len(kv[1]))):
        r = rs[0]
        print(f"- {kind} ({r.get('condition')}): {muts or '(no mutation)'}  x{len(rs)}")
        print(f"    qemu: {qmsg or r['qemu']}")
        if r.get("libvirt"):
            print(f"    libvirt: {r['libvirt']} {r.get('libvirt_message', '')}")
        print(f"    inspector: {r.get('severity')} {r.get('detail', '')[:300]}")
        print(f"    repro: {r.get('repro')}")
    for r in results:
        if r["result"] == "build-error":
            print(f"  generator error in case {r['case']}: {r['error']}", file=sys.stderr)
    return 1 if c["disagree"] else 0


if __name__ == "__main__":
    sys.exit(main())
