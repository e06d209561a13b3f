/// One deep check in progress: the file, its header, the refcounts counted so
/// far and what was found. The passes follow qemu's `qcow2_check_refcounts`:
/// count every reference (``countReferences()``), compare with the refcounts
/// on disk (``compareRefcounts()``), then check the COPIED flags of the active
/// tables against them (``checkCopiedFlags()``).
struct CheckRun {
    let file: MetadataFile
    let header: QCow2Header
    let clusterSize: UInt64
    let clusterBits: UInt64
    let extendedL2: Bool
    /// Data clusters live in an external file: only metadata is counted here.
    let externalData: Bool
    let l2Entries: Int
    let snapshotTable: QCow2SnapshotTable
    /// Entries the header gives the refcount table (its size in the file).
    let refcountTableEntries: UInt64
    var computed: ComputedRefcounts
    var onDisk: OnDiskRefcounts
    var result = QCow2CheckResult()
    /// One cluster, reused for every L2 table and refcount block read.
    var cluster: [UInt8]

    // Entry layouts (qcow2 spec; qemu's qcow2.h).
    static let copied: UInt64 = 1 << 63
    static let compressed: UInt64 = 1 << 62
    static let zero: UInt64 = 1
    static let l1OffsetMask: UInt64 = 0x00FF_FFFF_FFFF_FE00
    static let l1ReservedMask: UInt64 = 0x7F00_0000_0000_01FF
    static let l2OffsetMask: UInt64 = 0x00FF_FFFF_FFFF_FE00
    /// qemu's limits when it opens an image: a 32 MiB L1 table, an 8 MiB refcount table.
    static let maxL1Entries: UInt64 = (32 << 20) / 8
    static let maxRefcountTableBytes: UInt64 = 8 << 20

    init(file: MetadataFile, header: QCow2Header) throws(DeepCheckError) {
        self.file = file
        self.header = header
        clusterSize = header.clusterSize
        clusterBits = UInt64(header.clusterBits)
        extendedL2 = header.incompatibleFeatures.contains(.extendedL2)
        externalData = header.hasExternalDataFile
        l2Entries = Int(clusterSize) / (extendedL2 ? 16 : 8)
        try Self.validateAsQemuOpens(header, l2Entries: UInt64(l2Entries))
        snapshotTable = try QCow2SnapshotTable(file: file, header: header)

        let fileClusters = (file.size + clusterSize - 1) >> clusterBits
        guard fileClusters <= UInt64(QCow2DeepCheck.maxClusters) else { throw .tooLarge(clusters: fileClusters) }
        computed = ComputedRefcounts(fileClusters: Int(fileClusters), refcountBits: header.refcountBits)
        cluster = [UInt8](repeating: 0, count: Int(clusterSize))

        // Entries past the end of the file read as zero (no block): only those within it are kept.
        refcountTableEntries = UInt64(header.refcountTableClusters) * clusterSize / 8
        let inFile = header.refcountTableOffset < file.size ? (file.size - header.refcountTableOffset + 7) / 8 : 0
        var table = [UInt64](repeating: 0, count: Int(min(refcountTableEntries, inFile)))
        try file.read(into: &table, at: header.refcountTableOffset)
        for index in table.indices { table[index] = UInt64(bigEndian: table[index]) }
        onDisk = OnDiskRefcounts(file: file, header: header, table: table)

        result.totalClusters = (header.size + clusterSize - 1) >> clusterBits
        result.snapshots = snapshotTable.snapshots
    }

    /// What qemu refuses at open, before any check runs (qemu-img check fails the same way).
    static func validateAsQemuOpens(_ header: QCow2Header, l2Entries: UInt64) throws(DeepCheckError) {
        let clusterMask = header.clusterSize - 1
        guard UInt64(header.l1Size) <= maxL1Entries else { throw .unopenable("active L1 table too large (\(header.l1Size) entries)") }
        guard header.l1TableOffset & clusterMask == 0 else {
            throw .unopenable("active L1 table offset \(hex(header.l1TableOffset)) not cluster-aligned")
        }
        let bytesPerL1Entry = l2Entries * header.clusterSize
        let needed = header.size / bytesPerL1Entry + (header.size % bytesPerL1Entry == 0 ? 0 : 1)
        guard UInt64(header.l1Size) >= needed else {
            throw .unopenable("L1 table too small: \(header.l1Size) entries for \(header.size) bytes")
        }
        guard UInt64(header.refcountTableClusters) * header.clusterSize <= maxRefcountTableBytes else {
            throw .unopenable("refcount table too large (\(header.refcountTableClusters) clusters)")
        }
        guard header.refcountTableOffset & clusterMask == 0 else {
            throw .unopenable("refcount table offset \(hex(header.refcountTableOffset)) not cluster-aligned")
        }
    }

    mutating func run() throws(DeepCheckError) {
        try countReferences()
        try compareRefcounts()
        try checkCopiedFlags()
    }

    /// Counts one reference to every cluster `offset ..< offset + size` touches.
    /// A range ending a cluster or more past the end of the file is counted as
    /// a corruption instead, and none of it as referenced (as qemu does: the
    /// last cluster may be partly written, no more).
    mutating func reference(_ offset: UInt64, size: UInt64) {
        guard size > 0 else { return }
        let (end, overflow) = offset.addingReportingOverflow(size)
        if overflow || end >= file.size.addingReportingOverflow(clusterSize).partialValue {
            result.record(.corruption, "\(size) bytes at \(hex(offset)) referenced, ending past the end of the file (\(file.size) bytes)")
            return
        }
        let first = Int(offset >> clusterBits), last = Int((end - 1) >> clusterBits)
        for index in first ... last where !computed.increment(index) {
            result.record(.corruption, "cluster \(index): referenced more often than \(header.refcountBits)-bit refcounts count")
        }
    }

    /// Reads one cluster at `offset` into `cluster` (zeros past the end of the file).
    mutating func readCluster(at offset: UInt64) throws(DeepCheckError) {
        try file.read(into: &cluster, at: offset)
    }

    /// Entry `index` of the cluster buffer as a big-endian 64-bit word at byte `index * stride`.
    func word(_ byteOffset: Int) -> UInt64 {
        cluster.withUnsafeBytes { UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: byteOffset, as: UInt64.self)) }
    }
}
