/// Header extension type codes (qcow2 spec, "Header extensions").
public enum QCow2ExtensionType {
    public static let end: UInt32 = 0
    public static let backingFormat: UInt32 = 0xE279_2ACA
    public static let featureNameTable: UInt32 = 0x6803_F857
    public static let bitmaps: UInt32 = 0x2385_2875
    public static let fullDiskEncryption: UInt32 = 0x0537_BE77
    public static let externalDataFile: UInt32 = 0x4441_5441
}

/// The bitmaps extension: where the persistent dirty bitmaps' directory is.
public struct QCow2BitmapsExtension: Sendable, Hashable, Codable {
    public var count: UInt32
    /// Must be zero (qemu refuses the image otherwise).
    public var reserved: UInt32 = 0
    public var directorySize: UInt64
    public var directoryOffset: UInt64
}

/// The full disk encryption header pointer: where the LUKS header lives inside the image.
public struct QCow2EncryptionHeaderPointer: Sendable, Hashable, Codable {
    public var offset: UInt64
    public var length: UInt64
}

/// An extension this inspector does not interpret (the spec says ignore it).
public struct QCow2UnknownExtension: Sendable, Hashable, Codable {
    public var type: UInt32
    public var length: UInt32
}

/// Everything the header extensions say.
public struct QCow2Extensions: Sendable, Hashable, Codable {
    /// Backing file format name (0xE2792ACA), as the child recorded it.
    public var backingFormat: String?
    /// Feature name table (0x6803F857), undecoded: see ``QCow2FeatureNameTable``.
    public var featureNameTable: QCow2FeatureNameTable?
    /// Bitmaps (0x23852875).
    public var bitmaps: QCow2BitmapsExtension?
    /// Full disk encryption header pointer (0x0537BE77).
    public var encryptionHeader: QCow2EncryptionHeaderPointer?
    /// External data file name (0x44415441).
    public var externalDataFile: String?
    public var unknown: [QCow2UnknownExtension] = []

    public init() {}

    /// Every usable entry of the feature name table, decoded (empty without one).
    public var featureNames: [QCow2FeatureName] { featureNameTable?.entries ?? [] }

    /// Walks the extensions from `start` up to `end` (the backing name's offset,
    /// or the end of the first cluster), as qemu does: each entry is a type, a
    /// length and data padded to 8 bytes; a type-0 entry ends the list. Bytes
    /// are asked of `source` entry by entry, so nothing past the terminator is read.
    static func read(from source: ImageSource, start: UInt64, end: UInt64) throws -> QCow2Extensions {
        var result = QCow2Extensions()
        var offset = start
        while offset < end {
            guard end - offset >= 8 else {
                throw HeaderProblem.extensionOverrun(type: 0, offset: offset, length: 0)
            }
            let entry = try source.read(at: offset, count: 8)
            let type = try entry.u32be(at: 0)
            let length = try entry.u32be(at: 4)
            let dataOffset = offset + 8
            if type == QCow2ExtensionType.end { break }
            guard UInt64(length) <= end - dataOffset else {
                throw HeaderProblem.extensionOverrun(type: type, offset: offset, length: length)
            }
            try result.interpret(type: type, length: length, at: dataOffset, in: source)
            offset = dataOffset + (UInt64(length) + 7) / 8 * 8
        }
        return result
    }

    private mutating func interpret(type: UInt32, length: UInt32, at offset: UInt64,
                                    in source: ImageSource) throws {
        func data() throws -> ByteReader {
            // Throws if the file ends before the data does. Inside the initial
            // read this is a view of it, not a copy.
            try source.read(at: offset, count: Int(length)).reader(at: 0, count: UInt64(length))
        }
        switch type {
        case QCow2ExtensionType.backingFormat:
            // qemu keeps the name in a 16-byte buffer and refuses longer ones.
            guard length <= InspectionLimits.maxBackingFormatLength else {
                throw HeaderProblem.invalidExtension(
                    type: type, reason: "backing format name of \(length) bytes is longer than 15")
            }
            // qemu takes an empty name as none recorded (it then probes); so does the inspector.
            let name = try data().string(at: 0, count: UInt64(length))
            backingFormat = name.isEmpty ? nil : name
        case QCow2ExtensionType.featureNameTable:
            // Kept as bytes: names are decoded only when a bit is reported.
            featureNameTable = QCow2FeatureNameTable(raw: try data().bytes(at: 0, count: UInt64(length)))
        case QCow2ExtensionType.bitmaps:
            guard length == 24 else {
                throw HeaderProblem.invalidExtension(type: type, reason: "bitmaps extension length \(length), expected 24")
            }
            let bytes = try data()
            bitmaps = QCow2BitmapsExtension(count: try bytes.u32be(at: 0), reserved: try bytes.u32be(at: 4),
                                            directorySize: try bytes.u64be(at: 8),
                                            directoryOffset: try bytes.u64be(at: 16))
        case QCow2ExtensionType.fullDiskEncryption:
            guard length == 16 else {
                throw HeaderProblem.invalidExtension(type: type, reason: "encryption header pointer length \(length), expected 16")
            }
            let bytes = try data()
            encryptionHeader = QCow2EncryptionHeaderPointer(offset: try bytes.u64be(at: 0), length: try bytes.u64be(at: 8))
        case QCow2ExtensionType.externalDataFile:
            externalDataFile = try data().string(at: 0, count: UInt64(length))
        default:
            unknown.append(QCow2UnknownExtension(type: type, length: length))
        }
    }
}

/// The feature name table extension (0x6803F857): the image's own names for
/// feature bits, as 48-byte entries (kind byte, bit byte, 46-byte name padded
/// with NULs).
///
/// qemu-img writes one (about a dozen entries) into every version 3 image, but
/// a name is only needed to report a set bit this inspector does not know, or
/// to list feature names in a report, which healthy images rarely have. Decoding
/// every entry of every layer was a quarter of the inspector's time, so the
/// table keeps the raw bytes (copied out of the initial read, so a cached
/// inspection does not hold on to the whole 4 KiB) and decodes on demand.
public struct QCow2FeatureNameTable: Sendable, Hashable, Codable {
    /// Size of one entry: kind byte, bit byte, 46-byte name.
    static let entrySize = 48

    /// The extension's data as the image recorded it; a trailing partial entry is ignored.
    let raw: [UInt8]

    init(raw: [UInt8]) { self.raw = raw }

    /// Encoded as its decoded entries, which is what a reader of the JSON wants.
    public init(from decoder: Decoder) throws {
        let entries = try decoder.singleValueContainer().decode([QCow2FeatureName].self)
        raw = entries.flatMap { entry -> [UInt8] in
            let name = Array(entry.name.utf8.prefix(Self.entrySize - 2))
            return [entry.kind.rawValue, entry.bit] + name + Array(repeating: 0, count: Self.entrySize - 2 - name.count)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(entries)
    }

    /// Offsets of the entries whose kind byte is one of the three bitmaps (an
    /// entry of any other kind names nothing this inspector reports: skipped).
    private var entryOffsets: some Sequence<Int> {
        stride(from: 0, to: raw.count / Self.entrySize * Self.entrySize, by: Self.entrySize)
            .lazy.filter { QCow2FeatureKind(rawValue: raw[$0]) != nil }
    }

    /// The entry at `offset`, one of ``entryOffsets`` (so its kind is valid).
    private func entry(at offset: Int) -> QCow2FeatureName {
        let nameBytes = raw[offset + 2 ..< offset + Self.entrySize]
        let end = nameBytes.firstIndex(of: 0) ?? nameBytes.endIndex
        return QCow2FeatureName(kind: QCow2FeatureKind(rawValue: raw[offset])!, bit: raw[offset + 1],
                                name: String(decoding: nameBytes[..<end], as: UTF8.self))
    }

    /// Whether the table has at least one usable entry.
    public var isEmpty: Bool { entryOffsets.first { _ in true } == nil }

    /// Every usable entry, decoded, in table order.
    public var entries: [QCow2FeatureName] { entryOffsets.map(entry(at:)) }

    /// The image's name for bit `bit` of the `kind` bitmap: the first matching entry's.
    public func name(kind: QCow2FeatureKind, bit: Int) -> String? {
        entryOffsets.first { raw[$0] == kind.rawValue && Int(raw[$0 + 1]) == bit }.map { entry(at: $0).name }
    }
}
