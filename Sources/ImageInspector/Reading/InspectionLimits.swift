/// Named bounds on what the inspector reads and accepts, with where each comes from.
///
/// Images are untrusted input (tenants control their contents and backing names),
/// so every size taken from a header is checked against one of these before it
/// decides how much to read.
public enum InspectionLimits {
    /// Bytes read at offset 0 of every layer in one positioned read.
    ///
    /// qemu-img writes the qcow2 header, its extensions and the backing name
    /// (at 0x210) within the first 4 KiB, and every other format's magic and
    /// fixed header fit too, so a healthy layer costs exactly one read of this size.
    public static let initialReadSize = 4096

    /// Most bytes read from one layer across all reads, the initial one included.
    ///
    /// Further reads happen only where a header says its data lies beyond the
    /// initial read: qcow2 extensions or backing name further into the first
    /// cluster (which can be up to 2 MiB), a VMDK descriptor (10 KiB at sector 1
    /// as qemu-img writes it), the ISO 9660 magic at 32769. 64 KiB is qemu's
    /// default cluster size, so everything qemu-img itself writes is covered;
    /// anything asking for more is reported rather than read.
    public static let maxBytesPerLayer = 64 * 1024

    /// Default number of layers walked before a chain is called too deep.
    ///
    /// libvirt stops at 200 and qemu allows deeper still, but real chains are a
    /// handful of snapshots; anything near 64 is a runaway snapshot job or a
    /// crafted chain, and each layer costs a stat (and a read when not cached),
    /// so 64 bounds the work per disk while staying far beyond any healthy chain.
    public static let defaultMaxDepth = 64

    /// qemu refuses qcow/qcow2 backing names longer than this (its 1024-byte buffer).
    public static let maxBackingNameLength: UInt32 = 1023

    /// QED reads its backing name into a PATH_MAX (4096) buffer, NUL included.
    public static let maxQEDBackingNameLength: UInt32 = 4095

    /// qemu keeps the backing format name in a 16-byte buffer and rejects longer ones.
    public static let maxBackingFormatLength: UInt32 = 15

    /// Cluster sizes qemu opens: 512 bytes (spec minimum) to 2 MiB (qemu's limit).
    public static let qcow2ClusterBits: ClosedRange<UInt32> = 9 ... 21

    /// Extended L2 entries need clusters of at least 16 KiB (qcow2 spec).
    public static let qcow2ExtendedL2MinClusterBits: UInt32 = 14

    /// Version 2 headers are exactly 72 bytes; version 3 headers at least 104.
    public static let qcow2V2HeaderLength: UInt32 = 72
    public static let qcow2V3MinHeaderLength: UInt32 = 104

    /// Refcount entries are at most 64 bits wide (refcount_order <= 6).
    public static let qcow2MaxRefcountOrder: UInt32 = 6

    /// qemu's bounds on the tables it reads when it opens a qcow2 image
    /// (block/qcow2.h): the active L1 table, the refcount table, the snapshots.
    public static let qcow2MaxL1Bytes: UInt64 = 32 << 20
    public static let qcow2MaxRefcountTableBytes: UInt64 = 8 << 20
    public static let qcow2MaxSnapshots: UInt32 = 65536
    /// One snapshot table entry's fixed part; qemu checks the table's extent with it.
    public static let qcow2SnapshotHeaderBytes: UInt64 = 40
}
