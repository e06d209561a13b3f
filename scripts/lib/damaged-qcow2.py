#!/usr/bin/python3
"""damaged-qcow2: small qcow2 images, each clean or damaged in one precise way,
checked by `qemu-img check` -- reference cases for the pure-Swift qcow2
consistency checker.

usage: damaged-qcow2.py OUTDIR

Every image is made with qemu-img / qemu-io (qemu-utils 7.2), then, for the
damaged ones, a few bytes are patched by parsing the qcow2 structures here
(header, L1/L2 tables, refcount table and blocks, snapshot table, bitmap
directory; see qemu's docs/interop/qcow2.txt). Images are written in OUTDIR
only (created if missing), as OUTDIR/<name>.qcow2; nothing else is touched.

Each image is then checked with `qemu-img check --output=json FILE` and the
result must come out as the case intends, or the script exits 1 naming the
case and what qemu-img said (and writes no cases.json):
  clean    neither corruptions nor leaks, exit status 0
  corrupt  corruptions > 0, exit status 2
  leak     leaks > 0, exit status 3 (or 2 when qemu also counts corruptions)
and never check-errors. Counts beyond that are not fixed here: the Swift tests
compare their counts with qemu-img's, count for count.

OUTDIR/cases.json (also printed on standard output) is a JSON list of
  {"name": "refcount-lowered-data",      short identifier, also the file stem
   "file": "/abs/OUTDIR/refcount-lowered-data.qcow2",
   "what": "one sentence: what was damaged, where",
   "qemu": {...},                         qemu-img check's parsed JSON
   "qemu_exit": 2,                        its exit status
   "qemu_args": [...]}                    only when the check needs more than
                                          FILE: the arguments that followed
                                          `qemu-img check --output=json`
                                          (the LUKS case: --object, --image-opts)

Uses Python 3 (stdlib only), qemu-img and qemu-io; runs in a few seconds.
"""
import json
import os
import random
import struct
import subprocess
import sys

QCOW_MAGIC = b"QFI\xfb"
OFLAG_COPIED = 1 << 63
OFLAG_COMPRESSED = 1 << 62
L1E_OFFSET_MASK = 0x00FFFFFFFFFFFE00
L2E_OFFSET_MASK = 0x00FFFFFFFFFFFE00
REFT_OFFSET_MASK = 0xFFFFFFFFFFFFFE00
INCOMPAT_EXTENDED_L2 = 1 << 4
EXT_END = 0x00000000
EXT_BITMAPS = 0x23852875

MiB = 1 << 20
KiB = 1 << 10


# --------------------------------------------------------------------------
# running qemu tools


def run(*args):
    """Run a qemu tool, failing loudly; returns its standard output.

    qemu times its LUKS key derivation by the thread's CPU time and gives up
    ("Unable to get accurate CPU usage") when a loaded machine measured none:
    that one failure is tried again, a few times."""
    for _ in range(5):
        p = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if p.returncode == 0 or "Unable to get accurate CPU usage" not in p.stderr:
            break
        if "create" in args:
            try:
                os.remove(args[-2])
            except OSError:
                pass
    if p.returncode != 0:
        raise SystemExit(
            "damaged-qcow2: %s failed (exit %d): %s"
            % (" ".join(args), p.returncode, (p.stderr or p.stdout).strip())
        )
    return p.stdout


def create(path, size, *opts):
    """qemu-img create -f qcow2 [-o OPT,...] PATH SIZE."""
    args = ["qemu-img", "create", "-q", "-f", "qcow2"]
    if opts:
        args += ["-o", ",".join(opts)]
    run(*args, path, str(size))


def qemu_io(path, *commands, image_opts=None, objects=()):
    """qemu-io -c CMD ... on PATH (or on an --image-opts string)."""
    args = ["qemu-io"]
    for o in objects:
        args += ["--object", o]
    if image_opts:
        args += ["--image-opts", image_opts]
    else:
        args += ["-f", "qcow2", path]
    for c in commands:
        args += ["-c", c]
    run(*args)


def qemu_check(args):
    """qemu-img check --output=json ARGS -> (parsed JSON or None, exit, stderr)."""
    p = subprocess.run(
        ["qemu-img", "check", "--output=json", *args],
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
    )
    try:
        result = json.loads(p.stdout)
    except ValueError:
        result = None
    return result, p.returncode, p.stderr.strip()


# --------------------------------------------------------------------------
# reading and patching qcow2 structures (all numbers big-endian)


class Qcow2:
    """A qcow2 file opened for in-place patching of its metadata."""

    def __init__(self, path):
        self.path = path
        self.f = open(path, "r+b")
        h = self.read(0, 112)
        if h[:4] != QCOW_MAGIC:
            raise ValueError("%s: not qcow2" % path)
        (self.version,) = struct.unpack_from(">I", h, 4)
        (self.cluster_bits,) = struct.unpack_from(">I", h, 20)
        (self.size,) = struct.unpack_from(">Q", h, 24)
        (self.l1_size,) = struct.unpack_from(">I", h, 36)
        (self.l1_offset, self.reftable_offset) = struct.unpack_from(">QQ", h, 40)
        (self.reftable_clusters, self.nb_snapshots) = struct.unpack_from(">II", h, 56)
        (self.snapshots_offset,) = struct.unpack_from(">Q", h, 64)
        if self.version >= 3:
            (self.incompatible,) = struct.unpack_from(">Q", h, 72)
            (self.refcount_order, self.header_length) = struct.unpack_from(">II", h, 96)
        else:
            self.incompatible, self.refcount_order, self.header_length = 0, 4, 72
        self.cluster_size = 1 << self.cluster_bits
        self.refcount_bits = 1 << self.refcount_order
        self.extended_l2 = bool(self.incompatible & INCOMPAT_EXTENDED_L2)
        self.l2_entry_size = 16 if self.extended_l2 else 8
        self.l2_entries = self.cluster_size // self.l2_entry_size
        self.refblock_entries = self.cluster_size * 8 // self.refcount_bits
        self.reftable_entries = self.reftable_clusters * self.cluster_size // 8

    def close(self):
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # raw access

    def read(self, offset, n):
        self.f.seek(offset)
        data = self.f.read(n)
        return data + bytes(n - len(data))  # past the end reads as zeros

    def write(self, offset, data):
        self.f.seek(offset)
        self.f.write(data)

    def u64(self, offset):
        return struct.unpack(">Q", self.read(offset, 8))[0]

    def put_u64(self, offset, value):
        self.write(offset, struct.pack(">Q", value))

    def file_size(self):
        return os.fstat(self.f.fileno()).st_size

    def file_clusters(self):
        return -(-self.file_size() // self.cluster_size)

    def cluster_of(self, offset):
        return offset >> self.cluster_bits

    # L1 and L2 tables

    def l1(self, i):
        return self.u64(self.l1_offset + 8 * i)

    def set_l1(self, i, entry):
        self.put_u64(self.l1_offset + 8 * i, entry)

    def l2(self, l2_offset, j):
        """(entry, subcluster bitmap or None) of L2 entry j of the table at l2_offset."""
        at = l2_offset + j * self.l2_entry_size
        entry = self.u64(at)
        return entry, (self.u64(at + 8) if self.extended_l2 else None)

    def set_l2(self, l2_offset, j, entry, bitmap=None):
        at = l2_offset + j * self.l2_entry_size
        self.put_u64(at, entry)
        if self.extended_l2 and bitmap is not None:
            self.put_u64(at + 8, bitmap)

    def l2_tables(self, l1_offset=None, l1_size=None):
        """[(l1 index, L1 entry, L2 table offset)] of an L1 table (the active one by default)."""
        if l1_offset is None:
            l1_offset, l1_size = self.l1_offset, self.l1_size
        out = []
        for i in range(l1_size):
            e = self.u64(l1_offset + 8 * i)
            if e & L1E_OFFSET_MASK:
                out.append((i, e, e & L1E_OFFSET_MASK))
        return out

    def compressed_geometry(self):
        """(offset bits x, sector-count mask) of compressed cluster descriptors."""
        x = 62 - (self.cluster_bits - 8)
        return x, (1 << (62 - x)) - 1

    def mappings(self, l1_offset=None, l1_size=None):
        """Allocated L2 entries reachable from an L1 table, as dicts with keys
        l1 (index), l2_offset, l2 (index), guest (guest offset), entry, bitmap,
        kind ('normal' or 'compressed'), host (host cluster offset, or the
        compressed data's byte offset), clusters (host cluster indexes the
        entry uses)."""
        out = []
        x, sector_mask = self.compressed_geometry()
        for i, _, l2_offset in self.l2_tables(l1_offset, l1_size):
            for j in range(self.l2_entries):
                entry, bitmap = self.l2(l2_offset, j)
                if entry & OFLAG_COMPRESSED:
                    host = entry & ((1 << x) - 1)
                    sectors = ((entry >> x) & sector_mask) + 1
                    start = host & ~511
                    end = start + sectors * 512 - 1
                    clusters = list(range(self.cluster_of(start), self.cluster_of(end) + 1))
                    kind = "compressed"
                elif entry & L2E_OFFSET_MASK:
                    host = entry & L2E_OFFSET_MASK
                    clusters = [self.cluster_of(host)]
                    kind = "normal"
                else:
                    continue
                guest = (i * self.l2_entries + j) * self.cluster_size
                out.append(dict(l1=i, l2_offset=l2_offset, l2=j, guest=guest, entry=entry,
                                bitmap=bitmap, kind=kind, host=host, clusters=clusters))
        return out

    def data(self, kind="normal"):
        """Active allocated L2 entries of one kind."""
        return [m for m in self.mappings() if m["kind"] == kind]

    def at(self, guest):
        """The active L2 entry mapping a guest offset (which must be allocated)."""
        for m in self.mappings():
            if m["guest"] <= guest < m["guest"] + self.cluster_size:
                return m
        raise ValueError("guest offset 0x%x is not allocated" % guest)

    def free_l2_slot(self, l2_offset):
        """Index of an unallocated entry in an L2 table."""
        for j in range(self.l2_entries):
            entry, _ = self.l2(l2_offset, j)
            if entry == 0:
                return j
        raise ValueError("no free L2 entry")

    # refcounts

    def reftable(self, i):
        return self.u64(self.reftable_offset + 8 * i)

    def set_reftable(self, i, entry):
        self.put_u64(self.reftable_offset + 8 * i, entry)

    def refblocks(self):
        """[(refcount table index, refcount block offset)] of allocated blocks."""
        out = []
        for i in range(self.reftable_entries):
            off = self.reftable(i) & REFT_OFFSET_MASK
            if off:
                out.append((i, off))
        return out

    def _refcount_slot(self, cluster):
        """(byte offset, byte length, bit shift) of a cluster's refcount entry."""
        block = self.reftable(cluster // self.refblock_entries) & REFT_OFFSET_MASK
        if not block:
            raise ValueError("cluster %d has no refcount block" % cluster)
        bit = (cluster % self.refblock_entries) * self.refcount_bits
        if self.refcount_bits < 8:
            # sub-byte entries: entry 0 is in the least significant bits
            return block + bit // 8, 1, bit % 8
        return block + bit // 8, self.refcount_bits // 8, 0

    def refcount(self, cluster):
        at, n, shift = self._refcount_slot(cluster)
        raw = int.from_bytes(self.read(at, n), "big")
        return (raw >> shift) & ((1 << self.refcount_bits) - 1)

    def set_refcount(self, cluster, value):
        mask = (1 << self.refcount_bits) - 1
        if not 0 <= value <= mask:
            raise ValueError("refcount %d does not fit %d bits" % (value, self.refcount_bits))
        at, n, shift = self._refcount_slot(cluster)
        raw = int.from_bytes(self.read(at, n), "big")
        raw = (raw & ~(mask << shift)) | (value << shift)
        self.write(at, raw.to_bytes(n, "big"))

    def add_refcount(self, cluster, delta, expect=None):
        """Change a cluster's refcount by delta, checking its current value."""
        old = self.refcount(cluster)
        if expect is not None and old != expect:
            raise ValueError("cluster %d: refcount %d, expected %d" % (cluster, old, expect))
        self.set_refcount(cluster, old + delta)
        return old

    # snapshots and header extensions

    def snapshots(self):
        """[{l1_offset, l1_size, id, name}] from the snapshot table."""
        out, at = [], self.snapshots_offset
        for _ in range(self.nb_snapshots):
            l1_offset, l1_size, id_len, name_len = struct.unpack(">QIHH", self.read(at, 16))
            (extra_len,) = struct.unpack(">I", self.read(at + 36, 4))
            body = at + 40 + extra_len
            sid = self.read(body, id_len).decode()
            name = self.read(body + id_len, name_len).decode()
            out.append(dict(l1_offset=l1_offset, l1_size=l1_size, id=sid, name=name))
            at += (40 + extra_len + id_len + name_len + 7) & ~7
        return out

    def extensions(self):
        """{type: (data offset, length)} of the header extensions."""
        out, at = {}, self.header_length
        while at + 8 <= self.cluster_size:
            etype, length = struct.unpack(">II", self.read(at, 8))
            if etype == EXT_END:
                break
            out[etype] = (at + 8, length)
            at += 8 + ((length + 7) & ~7)
        return out

    def bitmaps(self):
        """(directory offset, directory size, [{name, table_offset, table_size}])."""
        ext = self.extensions().get(EXT_BITMAPS)
        if not ext:
            return 0, 0, []
        nb, _, dir_size, dir_offset = struct.unpack(">IIQQ", self.read(ext[0], 24))
        out, at = [], dir_offset
        for _ in range(nb):
            table_offset, table_size, _flags, _type, _gran, name_len, extra_len = \
                struct.unpack(">QIIBBHI", self.read(at, 24))
            name = self.read(at + 24 + extra_len, name_len).decode()
            out.append(dict(name=name, table_offset=table_offset, table_size=table_size))
            at += (24 + extra_len + name_len + 7) & ~7
        return dir_offset, dir_size, out


def patch(path):
    return Qcow2(path)


# --------------------------------------------------------------------------
# base images (made by qemu tools only)


def make_default(path):
    """64 MiB, 64 KiB clusters, data at 0, 1 MiB and 32 MiB (two clusters)."""
    create(path, 64 * MiB)
    qemu_io(path, "write -P 0xab 0 64k", "write -P 0xcd 1M 64k", "write -P 0xef 32M 128k")


def make_small_clusters(path):
    """16 MiB, 4 KiB clusters (an L2 table maps 2 MiB): data in three L2 tables."""
    create(path, 16 * MiB, "cluster_size=4096")
    qemu_io(path, "write -P 0xab 0 8k", "write -P 0xcd 3M 4k", "write -P 0xef 10M 12k")


def make_refcount_bits(path, bits):
    """64 MiB with refcount_bits=BITS; data at 0, 1 MiB, 2 MiB; the 1 MiB
    cluster discarded again, which leaves a free cluster inside the file."""
    create(path, 64 * MiB, "refcount_bits=%d" % bits)
    qemu_io(path, "write -P 0xab 0 64k", "write -P 0x01 1M 64k",
            "write -P 0x02 2M 64k", "discard 1M 64k")


def make_snapshot(path):
    """1 GiB (two L2 tables): data at 0, 1 MiB, 600 MiB; snapshot 'snap1';
    then 0 rewritten. Active L1[0] -> its own copied L2 table (refcount 1),
    whose 1 MiB entry still shares its cluster with the snapshot (refcount 2);
    L1[1] -> the L2 table shared with the snapshot (refcount 2)."""
    create(path, 1024 * MiB)
    qemu_io(path, "write -P 0x11 0 64k", "write -P 0x22 1M 64k", "write -P 0x33 600M 64k")
    run("qemu-img", "snapshot", "-c", "snap1", path)
    qemu_io(path, "write -P 0x44 0 64k")


def make_compressed(path):
    """qemu-img convert -c from a raw image: text that compresses well (several
    compressed clusters per host cluster) and one incompressible cluster."""
    raw = path + ".source.raw"
    rnd = random.Random(7)
    with open(raw, "wb") as f:
        f.truncate(4 * MiB)
        for base in (0, 1 * MiB, 3 * MiB):
            f.seek(base)
            lines = b"".join(b"virt-agentx compressed line %06d\n" % n
                             for n in range(base, base + 6000))
            f.write(lines[: 3 * 64 * KiB])
        f.seek(2 * MiB)
        f.write(bytes(rnd.getrandbits(8) for _ in range(64 * KiB)))
    try:
        run("qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2", raw, path)
    finally:
        os.unlink(raw)


def make_extended_l2(path):
    """64 MiB, extended L2 entries (64 KiB clusters, 2 KiB subclusters):
    writes of a few subclusters, and one whole cluster."""
    create(path, 64 * MiB, "extended_l2=on")
    qemu_io(path, "write -P 0xab 0 4k", "write -P 0xcd 1030k 2k", "write -P 0xef 2M 64k")


def make_bitmaps(path):
    """64 MiB with two persistent bitmaps (b0 default granularity, b1 128 KiB),
    then data written, so both bitmaps have a data cluster."""
    create(path, 64 * MiB)
    run("qemu-img", "bitmap", "--add", path, "b0")
    run("qemu-img", "bitmap", "--add", "--granularity", "128k", path, "b1")
    qemu_io(path, "write -P 0xab 0 64k", "write -P 0xcd 5M 64k")


LUKS_SECRET = "secret,id=sec0,data=pw"


def luks_image_opts(path):
    return "driver=qcow2,file.filename=%s,encrypt.key-secret=sec0" % path


def make_luks(path):
    """64 MiB, LUKS-encrypted (fast key derivation), data at 0 and 1 MiB."""
    run("qemu-img", "create", "-q", "-f", "qcow2", "--object", LUKS_SECRET,
        "-o", "encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=10",
        path, str(64 * MiB))
    qemu_io(path, "write -P 0xab 0 64k", "write -P 0xcd 1M 64k",
            image_opts=luks_image_opts(path), objects=[LUKS_SECRET])


# --------------------------------------------------------------------------
# cases: each makes its image at PATH and returns (what, extra fields)

CASES = []


def case(name, expect):
    """Register a case; expect is 'clean', 'corrupt' or 'leak'."""
    def register(fn):
        CASES.append((name, expect, fn))
        return fn
    return register


def first_l2_table(img):
    return img.l2_tables()[0]


# clean images


@case("clean-default", "clean")
def clean_default(path):
    make_default(path)
    return "Nothing damaged: 64 KiB clusters, data at 0, 1 MiB and 32 MiB."


@case("clean-4k-clusters", "clean")
def clean_4k(path):
    make_small_clusters(path)
    return "Nothing damaged: 4 KiB clusters, data in three L2 tables."


@case("clean-refcount-bits-1", "clean")
def clean_rc1(path):
    make_refcount_bits(path, 1)
    return "Nothing damaged: refcount_bits=1, data at 0 and 2 MiB, a discarded cluster between."


@case("clean-refcount-bits-8", "clean")
def clean_rc8(path):
    make_refcount_bits(path, 8)
    return "Nothing damaged: refcount_bits=8, data at 0 and 2 MiB, a discarded cluster between."


@case("clean-refcount-bits-64", "clean")
def clean_rc64(path):
    make_refcount_bits(path, 64)
    return "Nothing damaged: refcount_bits=64, data at 0 and 2 MiB, a discarded cluster between."


@case("clean-snapshot", "clean")
def clean_snapshot(path):
    make_snapshot(path)
    return ("Nothing damaged: an internal snapshot, data written before and after it "
            "(shared clusters and L2 tables have refcount 2).")


@case("clean-compressed", "clean")
def clean_compressed(path):
    make_compressed(path)
    return "Nothing damaged: qemu-img convert -c output, compressed clusters sharing host clusters."


@case("clean-extended-l2", "clean")
def clean_extended_l2(path):
    make_extended_l2(path)
    return "Nothing damaged: extended L2 entries, data in single subclusters and a whole cluster."


@case("clean-bitmaps", "clean")
def clean_bitmaps(path):
    make_bitmaps(path)
    return "Nothing damaged: two persistent bitmaps (one with 128 KiB granularity) with data."


@case("clean-luks", "clean")
def clean_luks(path):
    # qemu-img check must decrypt the LUKS header to open the image: -U is no
    # help, it needs the secret, given with --object and --image-opts.
    make_luks(path)
    return ("Nothing damaged: LUKS-encrypted qcow2 (key secret 'pw'), data at 0 and 1 MiB.",
            {"qemu_args": ["--object", LUKS_SECRET, "--image-opts", luks_image_opts(path)]})


# refcounts of data and metadata clusters


@case("refcount-raised-data", "leak")
def refcount_raised_data(path):
    # qemu counts the leak, and a corruption: OFLAG_COPIED set with refcount 2.
    make_default(path)
    with patch(path) as img:
        m = img.at(0)
        img.add_refcount(m["clusters"][0], +1, expect=1)
    return ("Refcount of the data cluster of guest offset 0 (host cluster %d) raised from 1 to 2; "
            "its L2 entry keeps OFLAG_COPIED, which then no longer matches." % m["clusters"][0])


@case("refcount-lowered-data", "corrupt")
def refcount_lowered_data(path):
    make_default(path)
    with patch(path) as img:
        m = img.at(1 * MiB)
        img.add_refcount(m["clusters"][0], -1, expect=1)
    return ("Refcount of the data cluster of guest offset 1 MiB (host cluster %d) lowered from 1 to 0 "
            "while its L2 entry still references it." % m["clusters"][0])


@case("refcount-zeroed-l2-table", "corrupt")
def refcount_zeroed_l2(path):
    make_default(path)
    with patch(path) as img:
        _, _, l2_offset = first_l2_table(img)
        img.add_refcount(img.cluster_of(l2_offset), -1, expect=1)
    return ("Refcount of the L2 table's cluster (host cluster %d) lowered from 1 to 0; L1 entry 0 "
            "keeps OFLAG_COPIED." % img.cluster_of(l2_offset))


@case("refcount-zeroed-l1-table", "corrupt")
def refcount_zeroed_l1(path):
    make_default(path)
    with patch(path) as img:
        c = img.cluster_of(img.l1_offset)
        img.add_refcount(c, -1, expect=1)
    return "Refcount of the active L1 table's cluster (host cluster %d) lowered from 1 to 0." % c


@case("refcount-zeroed-refcount-table", "corrupt")
def refcount_zeroed_reftable(path):
    make_default(path)
    with patch(path) as img:
        c = img.cluster_of(img.reftable_offset)
        img.add_refcount(c, -1, expect=1)
    return "Refcount of the refcount table's own cluster (host cluster %d) lowered from 1 to 0." % c


@case("refcount-zeroed-refcount-block", "corrupt")
def refcount_zeroed_refblock(path):
    make_default(path)
    with patch(path) as img:
        _, block = img.refblocks()[0]
        c = img.cluster_of(block)
        img.add_refcount(c, -1, expect=1)
    return ("Refcount of refcount block 0's own cluster (host cluster %d, an entry of that "
            "same block) lowered from 1 to 0." % c)


# L2 entries


@case("l2-entry-cleared", "leak")
def l2_entry_cleared(path):
    make_default(path)
    with patch(path) as img:
        m = img.at(1 * MiB)
        img.set_l2(m["l2_offset"], m["l2"], 0)
    return ("L2 entry %d (guest offset 1 MiB) cleared: its data cluster (host cluster %d) "
            "keeps refcount 1 with no reference, a leak." % (m["l2"], m["clusters"][0]))


@case("l2-entries-shared", "corrupt")
def l2_entries_shared(path):
    make_default(path)
    with patch(path) as img:
        m = img.at(0)
        j = img.free_l2_slot(m["l2_offset"])
        img.set_l2(m["l2_offset"], j, m["entry"])
    return ("Unallocated L2 entry %d made a copy of entry %d (with OFLAG_COPIED): two guest "
            "clusters point at host cluster %d, whose refcount stays 1." % (j, m["l2"], m["clusters"][0]))


@case("l2-entry-beyond-eof", "corrupt")
def l2_entry_beyond_eof(path):
    # qemu 7.2 does not count a reference that far past the end of the file:
    # it counts a corruption for it instead ("counting reference for region
    # exceeding the end of the file"), then one more for OFLAG_COPIED set with
    # refcount 0, and the image end offset stays where it was.
    make_default(path)
    with patch(path) as img:
        m = img.at(1 * MiB)
        target = (img.file_clusters() + 4) * img.cluster_size
        img.set_l2(m["l2_offset"], m["l2"], (m["entry"] & ~L2E_OFFSET_MASK) | target)
    return ("L2 entry %d (guest offset 1 MiB) repointed from host cluster %d to offset 0x%x, "
            "4 clusters past the end of the file; the old cluster is left leaked."
            % (m["l2"], m["clusters"][0], target))


@case("l2-entry-misaligned", "corrupt")
def l2_entry_misaligned(path):
    # qemu counts one corruption for the alignment, and references the
    # cluster-long range starting at the misaligned offset: that range also
    # covers the next host cluster (here the data at 32 MiB), which then has
    # refcount 1 and 2 references, a second corruption.
    make_default(path)
    with patch(path) as img:
        m = img.at(1 * MiB)
        img.set_l2(m["l2_offset"], m["l2"], m["entry"] + 0x200)
    return ("L2 entry %d (guest offset 1 MiB) offset moved 512 bytes into its host cluster %d "
            "(0x%x): not cluster-aligned, and a cluster from there reaches into host cluster %d."
            % (m["l2"], m["clusters"][0], m["host"] + 0x200, m["clusters"][0] + 1))


# L1 entries


@case("l1-entry-beyond-eof", "corrupt")
def l1_entry_beyond_eof(path):
    make_default(path)
    with patch(path) as img:
        i, e, l2_offset = first_l2_table(img)
        target = (img.file_clusters() + 4) * img.cluster_size
        img.set_l1(i, (e & ~L1E_OFFSET_MASK) | target)
    return ("L1 entry %d repointed from the L2 table at 0x%x to 0x%x, 4 clusters past the end "
            "of the file (reads as an empty table); the old L2 table and its data clusters "
            "are left leaked." % (i, l2_offset, target))


def make_l1_misalignable(path):
    """Data only at L2 indexes >= 64, and the cluster right after the L2 table
    starting with 512 zero bytes, so an L2 table read 512 bytes late sees the
    same entries, shifted by 64."""
    create(path, 64 * MiB)
    qemu_io(path, "write -P 0xab 8193k 63k", "write -P 0xcd 9M 64k")


@case("l1-entry-misaligned", "corrupt")
def l1_entry_misaligned(path):
    # As for L2 entries: one corruption for the alignment, and the L2 table
    # range counted from the misaligned offset also references the next host
    # cluster (a data cluster), a second corruption.
    make_l1_misalignable(path)
    with patch(path) as img:
        i, e, l2_offset = first_l2_table(img)
        if img.read(l2_offset, 512) != bytes(512) or img.read(l2_offset + img.cluster_size, 512) != bytes(512):
            raise ValueError("layout not as planned for l1-entry-misaligned")
        img.set_l1(i, e + 0x200)
    return ("L1 entry %d offset moved 512 bytes into its L2 table (0x%x): not cluster-aligned, "
            "reaching into the next host cluster %d; the table read from there holds the same "
            "data references (data only at L2 indexes >= 64, zeros after the table)."
            % (i, l2_offset + 0x200, img.cluster_of(l2_offset) + 1))


# refcount table entries


@case("refcount-table-entry-beyond-eof", "corrupt")
def reftable_entry_beyond_eof(path):
    make_default(path)
    with patch(path) as img:
        if img.reftable(1):
            raise ValueError("refcount table entry 1 in use")
        target = (img.file_clusters() + 4) * img.cluster_size
        img.set_reftable(1, target)
    return ("Unused refcount table entry 1 set to 0x%x, a refcount block 4 clusters past the "
            "end of the file (entry 0, which covers every cluster, left intact)." % target)


@case("refcount-table-entry-misaligned", "corrupt")
def reftable_entry_misaligned(path):
    make_default(path)
    with patch(path) as img:
        if img.reftable(1):
            raise ValueError("refcount table entry 1 in use")
        _, block = img.refblocks()[0]
        img.set_reftable(1, block + 0x200)
    return ("Unused refcount table entry 1 set to 0x%x, 512 bytes into refcount block 0: "
            "not cluster-aligned (entry 0 left intact)." % (block + 0x200))


# OFLAG_COPIED


@case("copied-cleared-l2-entry", "corrupt")
def copied_cleared_l2(path):
    make_default(path)
    with patch(path) as img:
        m = img.at(0)
        assert img.refcount(m["clusters"][0]) == 1 and m["entry"] & OFLAG_COPIED
        img.set_l2(m["l2_offset"], m["l2"], m["entry"] & ~OFLAG_COPIED)
    return ("OFLAG_COPIED cleared on L2 entry %d (guest offset 0), whose data cluster %d has "
            "refcount 1." % (m["l2"], m["clusters"][0]))


@case("copied-set-shared-l2-entry", "corrupt")
def copied_set_shared_l2(path):
    make_snapshot(path)
    with patch(path) as img:
        m = img.at(1 * MiB)
        assert img.refcount(m["clusters"][0]) == 2 and not m["entry"] & OFLAG_COPIED
        img.set_l2(m["l2_offset"], m["l2"], m["entry"] | OFLAG_COPIED)
    return ("OFLAG_COPIED set on active L2 entry %d (guest offset 1 MiB), whose data cluster %d "
            "is shared with snapshot snap1 (refcount 2)." % (m["l2"], m["clusters"][0]))


@case("copied-cleared-l1-entry", "corrupt")
def copied_cleared_l1(path):
    make_default(path)
    with patch(path) as img:
        i, e, l2_offset = first_l2_table(img)
        assert img.refcount(img.cluster_of(l2_offset)) == 1 and e & OFLAG_COPIED
        img.set_l1(i, e & ~OFLAG_COPIED)
    return ("OFLAG_COPIED cleared on L1 entry %d, whose L2 table (host cluster %d) has refcount 1."
            % (i, img.cluster_of(l2_offset)))


@case("copied-set-shared-l1-entry", "corrupt")
def copied_set_shared_l1(path):
    make_snapshot(path)
    with patch(path) as img:
        i, e, l2_offset = next(t for t in img.l2_tables()
                               if img.refcount(img.cluster_of(t[2])) == 2)
        assert not e & OFLAG_COPIED
        img.set_l1(i, e | OFLAG_COPIED)
    return ("OFLAG_COPIED set on active L1 entry %d, whose L2 table (host cluster %d) is shared "
            "with snapshot snap1 (refcount 2)." % (i, img.cluster_of(l2_offset)))


# snapshot, compressed, extended L2, bitmaps


@case("snapshot-shared-refcount-lowered", "corrupt")
def snapshot_shared_lowered(path):
    make_snapshot(path)
    with patch(path) as img:
        m = img.at(1 * MiB)
        img.add_refcount(m["clusters"][0], -1, expect=2)
    return ("Refcount of data cluster %d (guest offset 1 MiB), shared by snapshot snap1 and "
            "the active layer, lowered from 2 to 1." % m["clusters"][0])


@case("compressed-refcount-lowered", "corrupt")
def compressed_lowered(path):
    make_compressed(path)
    with patch(path) as img:
        ms = img.data("compressed")
        users = {}
        for m in ms:
            for c in m["clusters"]:
                users[c] = users.get(c, 0) + 1
        c = max(users, key=lambda k: (users[k], -k))
        old = img.add_refcount(c, -1, expect=users[c])
    return ("Refcount of host cluster %d, holding data of %d compressed clusters, lowered from "
            "%d to %d." % (c, users[c], old, old - 1))


@case("extended-l2-entry-cleared", "leak")
def extended_l2_cleared(path):
    make_extended_l2(path)
    with patch(path) as img:
        m = img.at(1 * MiB)
        img.set_l2(m["l2_offset"], m["l2"], 0, 0)
    return ("Extended L2 entry %d (guest offset 1 MiB, one allocated subcluster) cleared, "
            "both 64-bit halves: its data cluster %d is left leaked."
            % (m["l2"], m["clusters"][0]))


@case("extended-l2-refcount-lowered", "corrupt")
def extended_l2_lowered(path):
    make_extended_l2(path)
    with patch(path) as img:
        m = img.at(0)
        img.add_refcount(m["clusters"][0], -1, expect=1)
    return ("Extended L2 image: refcount of the data cluster of guest offset 0 (host cluster %d, "
            "two allocated subclusters) lowered from 1 to 0." % m["clusters"][0])


@case("bitmap-directory-refcount-lowered", "corrupt")
def bitmap_directory_lowered(path):
    make_bitmaps(path)
    with patch(path) as img:
        dir_offset, _, _ = img.bitmaps()
        c = img.cluster_of(dir_offset)
        img.add_refcount(c, -1, expect=1)
    return "Refcount of the bitmap directory's cluster (host cluster %d) lowered from 1 to 0." % c


@case("bitmap-table-refcount-raised", "leak")
def bitmap_table_raised(path):
    make_bitmaps(path)
    with patch(path) as img:
        _, _, bms = img.bitmaps()
        b = bms[1]
        c = img.cluster_of(b["table_offset"])
        img.add_refcount(c, +1, expect=1)
    return ("Refcount of bitmap %s's bitmap table cluster (host cluster %d) raised from 1 to 2."
            % (b["name"], c))


# refcount widths


@case("refcount-bits-1-zeroed", "corrupt")
def rc1_zeroed(path):
    make_refcount_bits(path, 1)
    with patch(path) as img:
        m = img.at(2 * MiB)
        img.add_refcount(m["clusters"][0], -1, expect=1)
    return ("refcount_bits=1: the refcount bit of the data cluster of guest offset 2 MiB "
            "(host cluster %d) cleared." % m["clusters"][0])


@case("refcount-bits-1-set-free", "leak")
def rc1_set_free(path):
    make_refcount_bits(path, 1)
    with patch(path) as img:
        used = {c for m in img.mappings() for c in m["clusters"]}
        c = next(c for c in range(img.file_clusters())
                 if img.refcount(c) == 0 and c not in used)
        img.add_refcount(c, +1, expect=0)
    return ("refcount_bits=1: the refcount bit of free host cluster %d (the discarded cluster "
            "inside the file) set: a leak." % c)


@case("refcount-bits-64-raised", "leak")
def rc64_raised(path):
    make_refcount_bits(path, 64)
    with patch(path) as img:
        c = img.cluster_of(img.l1_offset)
        img.add_refcount(c, 1 << 40, expect=1)
    return ("refcount_bits=64: refcount of the L1 table's cluster (host cluster %d) raised from 1 "
            "to 2^40 + 1." % c)


@case("refcount-bits-64-lowered", "corrupt")
def rc64_lowered(path):
    make_refcount_bits(path, 64)
    with patch(path) as img:
        m = img.at(0)
        img.add_refcount(m["clusters"][0], -1, expect=1)
    return ("refcount_bits=64: refcount of the data cluster of guest offset 0 (host cluster %d) "
            "lowered from 1 to 0." % m["clusters"][0])


# 4 KiB clusters


@case("small-clusters-refcount-lowered", "corrupt")
def small_lowered(path):
    make_small_clusters(path)
    with patch(path) as img:
        m = img.at(3 * MiB)
        img.add_refcount(m["clusters"][0], -1, expect=1)
    return ("4 KiB clusters: refcount of the data cluster of guest offset 3 MiB (host cluster %d) "
            "lowered from 1 to 0." % m["clusters"][0])


@case("small-clusters-l2-entry-cleared", "leak")
def small_cleared(path):
    make_small_clusters(path)
    with patch(path) as img:
        m = img.at(10 * MiB + 8 * KiB)
        img.set_l2(m["l2_offset"], m["l2"], 0)
    return ("4 KiB clusters: L2 entry %d of the L2 table at 0x%x (guest offset 10 MiB + 8 KiB) "
            "cleared: host cluster %d is left leaked."
            % (m["l2"], m["l2_offset"], m["clusters"][0]))


# past the last used cluster


@case("leak-beyond-last-cluster", "leak")
def leak_beyond_last(path):
    make_default(path)
    with patch(path) as img:
        c = img.file_clusters()
        img.f.truncate((c + 1) * img.cluster_size)
        img.add_refcount(c, +1, expect=0)
    return ("File extended by one zero cluster (host cluster %d, after the last used one) and "
            "its refcount set to 1 in refcount block 0: a leak." % c)


# --------------------------------------------------------------------------


def verdict(expect, result, status):
    """None if qemu-img's check came out as the case intends, else why not."""
    if result is None:
        return "no JSON from qemu-img check (exit %d)" % status
    corruptions = result.get("corruptions", 0)
    leaks = result.get("leaks", 0)
    if result.get("check-errors", 0):
        return "check-errors %d" % result["check-errors"]
    if expect == "clean" and (corruptions or leaks or status != 0):
        return "expected a clean image"
    if expect == "corrupt" and (not corruptions or status != 2):
        return "expected corruptions"
    if expect == "leak" and (not leaks or status != (2 if corruptions else 3)):
        return "expected leaks"
    return None


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 64
    outdir = os.path.abspath(argv[1])
    os.makedirs(outdir, exist_ok=True)
    listing = os.path.join(outdir, "cases.json")
    if os.path.exists(listing):
        os.unlink(listing)  # a failed run leaves none behind
    cases, failures = [], []
    for name, expect, build in CASES:
        path = os.path.join(outdir, name + ".qcow2")
        if os.path.exists(path):
            os.unlink(path)
        try:
            made = build(path)
        except (ValueError, AssertionError, StopIteration) as e:
            failures.append("%s: could not make the image: %r" % (name, e))
            continue
        what, extra = made if isinstance(made, tuple) else (made, {})
        args = extra.get("qemu_args", [path])
        result, status, stderr = qemu_check(args)
        why = verdict(expect, result, status)
        if why:
            failures.append("%s: %s; qemu-img check said (exit %d): %s %s"
                            % (name, why, status, json.dumps(result), stderr))
        cases.append(dict(name=name, file=path, what=what, qemu=result,
                          qemu_exit=status, **extra))
    if failures:
        for f in failures:
            sys.stderr.write("damaged-qcow2: " + f + "\n")
        return 1
    text = json.dumps(cases, indent=2) + "\n"
    with open(listing, "w") as f:
        f.write(text)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
