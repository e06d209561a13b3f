/// How a qcow2 image encrypts its clusters (header field crypt_method).
public enum QCow2Encryption: Sendable, Hashable, Codable {
    case none
    /// Legacy AES-CBC with the passphrase as key; qemu only reads these now.
    case aes
    case luks

    public var name: String {
        switch self {
        case .none: "none"
        case .aes: "aes"
        case .luks: "luks"
        }
    }
}

/// How compressed clusters are compressed (header byte 104).
public enum QCow2CompressionType: String, Sendable, Hashable, Codable {
    case zlib
    case zstd
}

/// A qcow2 header with its extensions and backing file name, every field as
/// the file states it (qcow2 spec, docs/interop/qcow2.rst). Values are only
/// ever compared or reported, never used to size an allocation.
public struct QCow2Header: Sendable, Hashable, Codable {
    public var version: UInt32
    public var backingFileOffset: UInt64
    public var backingFileSize: UInt32
    public var clusterBits: UInt32
    /// Virtual disk size in bytes.
    public var size: UInt64
    public var encryption: QCow2Encryption
    public var l1Size: UInt32
    public var l1TableOffset: UInt64
    public var refcountTableOffset: UInt64
    public var refcountTableClusters: UInt32
    public var snapshotCount: UInt32
    public var snapshotsOffset: UInt64
    public var incompatibleFeatures: QCow2IncompatibleFeatures
    public var compatibleFeatures: QCow2CompatibleFeatures
    public var autoclearFeatures: QCow2AutoclearFeatures
    /// Always 4 for version 2.
    public var refcountOrder: UInt32
    /// 72 for version 2.
    public var headerLength: UInt32
    public var compressionType: QCow2CompressionType
    public var extensions: QCow2Extensions
    /// The backing file name exactly as recorded (not resolved); nil when none.
    public var backingFileName: String?

    public var clusterSize: UInt64 { 1 << UInt64(clusterBits) }
    public var refcountBits: UInt64 { 1 << UInt64(refcountOrder) }
    /// qemu's name for the version: "0.10" is v2, "1.1" is v3.
    public var compat: String { version == 2 ? "0.10" : "1.1" }
    public var isDirty: Bool { incompatibleFeatures.contains(.dirty) }
    public var isCorrupt: Bool { incompatibleFeatures.contains(.corrupt) }
    public var hasExternalDataFile: Bool { incompatibleFeatures.contains(.externalDataFile) }

    /// Parses the header at the start of `source`, throwing a ``HeaderProblem``
    /// for anything qemu would refuse to open (feature bits are not problems
    /// here: they become conditions), or an I/O error from `source`.
    static func read(from source: ImageSource) throws -> QCow2Header {
        let head = try source.read(at: 0, count: InspectionLimits.initialReadSize)
        let version = try head.u32be(at: 4)
        guard version == 2 || version == 3 else { throw HeaderProblem.unsupportedVersion(version) }

        let clusterBits = try head.u32be(at: 20)
        guard InspectionLimits.qcow2ClusterBits.contains(clusterBits) else {
            throw HeaderProblem.clusterBitsOutOfRange(clusterBits)
        }
        let clusterSize = UInt64(1) << UInt64(clusterBits)

        let cryptMethod = try head.u32be(at: 32)
        let encryption: QCow2Encryption
        switch cryptMethod {
        case 0: encryption = .none
        case 1: encryption = .aes
        case 2: encryption = .luks
        default: throw HeaderProblem.unknownEncryptionMethod(cryptMethod)
        }

        var header = QCow2Header(
            version: version,
            backingFileOffset: try head.u64be(at: 8),
            backingFileSize: try head.u32be(at: 16),
            clusterBits: clusterBits,
            size: try head.u64be(at: 24),
            encryption: encryption,
            l1Size: try head.u32be(at: 36),
            l1TableOffset: try head.u64be(at: 40),
            refcountTableOffset: try head.u64be(at: 48),
            refcountTableClusters: try head.u32be(at: 56),
            snapshotCount: try head.u32be(at: 60),
            snapshotsOffset: try head.u64be(at: 64),
            incompatibleFeatures: [], compatibleFeatures: [], autoclearFeatures: [],
            refcountOrder: 4,
            headerLength: InspectionLimits.qcow2V2HeaderLength,
            compressionType: .zlib,
            extensions: QCow2Extensions(),
            backingFileName: nil)

        if version >= 3 {
            try header.readVersion3Fields(head, clusterSize: clusterSize)
        }
        if header.incompatibleFeatures.contains(.extendedL2),
           clusterBits < InspectionLimits.qcow2ExtendedL2MinClusterBits {
            throw HeaderProblem.extendedL2ClusterTooSmall(clusterBits: clusterBits)
        }

        // qemu ends the extension area where the backing name starts, else at
        // the end of the first cluster.
        let extensionEnd = header.backingFileOffset != 0 ? header.backingFileOffset : clusterSize
        header.extensions = try QCow2Extensions.read(from: source, start: UInt64(header.headerLength),
                                                    end: extensionEnd)
        header.backingFileName = try header.readBackingName(from: source, clusterSize: clusterSize)
        try header.checkAsQemuOpens()
        return header
    }

    /// What qemu checks of the fields before it opens the image (qcow2_do_open
    /// and its extension reader), each refused with qemu's own words. None of
    /// these reads a table: offsets and counts are only compared.
    func checkAsQemuOpens() throws {
        let limits = InspectionLimits.self
        // The refcount table.
        guard refcountTableClusters > 0 else {
            throw HeaderProblem.invalidTable(reason: "Image does not contain a reference count table")
        }
        guard UInt64(refcountTableClusters) <= limits.qcow2MaxRefcountTableBytes >> UInt64(clusterBits) else {
            throw HeaderProblem.invalidTable(reason: "Reference count table too large")
        }
        guard isValidTable(offset: refcountTableOffset, entries: UInt64(refcountTableClusters), entryBytes: clusterSize) else {
            throw HeaderProblem.invalidTable(reason: "Reference count table offset invalid")
        }
        // Encryption.
        switch (encryption, extensions.encryptionHeader) {
        case (.luks, nil): throw HeaderProblem.inconsistentEncryption("Missing CRYPTO header for crypt method 2")
        case (.none, .some), (.aes, .some):
            throw HeaderProblem.inconsistentEncryption("CRYPTO header extension only expected with LUKS encryption method")
        default: break
        }
        // The snapshot table.
        guard snapshotCount <= limits.qcow2MaxSnapshots else {
            throw HeaderProblem.invalidTable(reason: "Snapshot table too large")
        }
        guard isValidTable(offset: snapshotsOffset, entries: UInt64(snapshotCount), entryBytes: limits.qcow2SnapshotHeaderBytes) else {
            throw HeaderProblem.invalidTable(reason: "Snapshot table offset invalid")
        }
        // The active L1 table, which must map the whole virtual size.
        guard UInt64(l1Size) <= limits.qcow2MaxL1Bytes / 8 else {
            throw HeaderProblem.invalidTable(reason: "Active L1 table too large")
        }
        guard size <= UInt64(Int64.max) else { throw HeaderProblem.virtualSizeTooLarge(size, reason: "File too large") }
        // Each L1 entry maps one L2 table: a cluster of 8-byte entries (16 with extended L2).
        let l2Bits = UInt64(clusterBits) - (incompatibleFeatures.contains(.extendedL2) ? 4 : 3)
        let bytesPerL1Entry = UInt64(1) << (UInt64(clusterBits) + l2Bits)
        let needed = size / bytesPerL1Entry + (size % bytesPerL1Entry == 0 ? 0 : 1)
        guard needed <= UInt64(Int32.max) else { throw HeaderProblem.virtualSizeTooLarge(size, reason: "Image is too big") }
        guard UInt64(l1Size) >= needed else { throw HeaderProblem.invalidTable(reason: "L1 table is too small") }
        guard isValidTable(offset: l1TableOffset, entries: UInt64(l1Size), entryBytes: 8) else {
            throw HeaderProblem.invalidTable(reason: "Active L1 table offset invalid")
        }
        // An external data file qemu cannot find without a name.
        if hasExternalDataFile, extensions.externalDataFile?.isEmpty ?? true {
            throw HeaderProblem.dataFileRequired("'data-file' is required for this image")
        }
        if autoclearFeatures.contains(.rawExternalData), !hasExternalDataFile {
            throw HeaderProblem.dataFileRequired("data-file-raw requires a data file")
        }
    }

    /// qemu's rule for a table's place: cluster aligned, and its extent not overflowing.
    private func isValidTable(offset: UInt64, entries: UInt64, entryBytes: UInt64) -> Bool {
        guard offset % clusterSize == 0 else { return false }
        guard entries <= UInt64(Int64.max) / entryBytes else { return false }
        let (end, overflow) = offset.addingReportingOverflow(entries * entryBytes)
        return !overflow && end <= UInt64(Int64.max)
    }

    /// Fields 72...104 (and the compression type byte) of a version 3 header,
    /// with qemu's checks on them.
    private mutating func readVersion3Fields(_ head: ByteReader, clusterSize: UInt64) throws {
        incompatibleFeatures = QCow2IncompatibleFeatures(rawValue: try head.u64be(at: 72))
        compatibleFeatures = QCow2CompatibleFeatures(rawValue: try head.u64be(at: 80))
        autoclearFeatures = QCow2AutoclearFeatures(rawValue: try head.u64be(at: 88))
        refcountOrder = try head.u32be(at: 96)
        headerLength = try head.u32be(at: 100)
        // qemu checks the lower bound and the cluster; the spec's multiple-of-8
        // rule is not enforced by qemu, so it is not a problem here either.
        guard headerLength >= InspectionLimits.qcow2V3MinHeaderLength, UInt64(headerLength) <= clusterSize else {
            throw HeaderProblem.invalidHeaderLength(headerLength)
        }
        guard refcountOrder <= InspectionLimits.qcow2MaxRefcountOrder else {
            throw HeaderProblem.refcountOrderTooLarge(refcountOrder)
        }
        // The compression type byte exists only when the header is longer than 104.
        let typeByte: UInt8 = headerLength > InspectionLimits.qcow2V3MinHeaderLength ? try head.u8(at: 104) : 0
        switch (typeByte, incompatibleFeatures.contains(.compressionType)) {
        case (0, false): compressionType = .zlib
        case (1, true): compressionType = .zstd
        case (0, true): throw HeaderProblem.invalidCompressionType("compression type bit set for zlib")
        case (1, false): throw HeaderProblem.invalidCompressionType("zstd without the compression type bit")
        default: throw HeaderProblem.invalidCompressionType("unknown compression type \(typeByte)")
        }
    }

    /// The backing name, with qemu's limits: at most 1023 bytes, inside the first cluster.
    private func readBackingName(from source: ImageSource, clusterSize: UInt64) throws -> String? {
        guard backingFileOffset != 0 else { return nil }
        guard backingFileSize <= InspectionLimits.maxBackingNameLength else {
            throw HeaderProblem.backingNameTooLong(backingFileSize, limit: InspectionLimits.maxBackingNameLength)
        }
        guard backingFileOffset <= clusterSize, UInt64(backingFileSize) <= clusterSize - backingFileOffset else {
            throw HeaderProblem.backingNameOutsideHeader(offset: backingFileOffset, length: backingFileSize)
        }
        let bytes = try source.read(at: backingFileOffset, count: Int(backingFileSize))
        let name = try bytes.string(at: 0, count: UInt64(backingFileSize))
        return name.isEmpty ? nil : name
    }
}
