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
    /// Feature name table (0x6803F857).
    public var featureNames: [QCow2FeatureName] = []
    /// Bitmaps (0x23852875).
    public var bitmaps: QCow2BitmapsExtension?
    /// Full disk encryption header pointer (0x0537BE77).
    public var encryptionHeader: QCow2EncryptionHeaderPointer?
    /// External data file name (0x44415441).
    public var externalDataFile: String?
    public var unknown: [QCow2UnknownExtension] = []

    public init() {}

    /// Size of one feature name table entry: type byte, bit byte, 46-byte name.
    static let featureNameEntrySize: UInt64 = 48

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
            // Throws if the file ends before the data does.
            let bytes = try source.read(at: offset, count: Int(length))
            return ByteReader(try bytes.bytes(at: 0, count: UInt64(length)), baseOffset: offset)
        }
        switch type {
        case QCow2ExtensionType.backingFormat:
            // qemu keeps the name in a 16-byte buffer and refuses longer ones.
            guard length <= InspectionLimits.maxBackingFormatLength else {
                throw HeaderProblem.invalidExtension(
                    type: type, reason: "backing format name of \(length) bytes is longer than 15")
            }
            backingFormat = try data().string(at: 0, count: UInt64(length))
        case QCow2ExtensionType.featureNameTable:
            let table = try data()
            for index in 0 ..< UInt64(length) / Self.featureNameEntrySize {
                let base = index * Self.featureNameEntrySize
                guard let kind = QCow2FeatureKind(rawValue: try table.u8(at: base)) else { continue }
                featureNames.append(QCow2FeatureName(
                    kind: kind, bit: try table.u8(at: base + 1),
                    name: try table.string(at: base + 2, count: Self.featureNameEntrySize - 2)))
            }
        case QCow2ExtensionType.bitmaps:
            guard length == 24 else {
                throw HeaderProblem.invalidExtension(type: type, reason: "bitmaps extension length \(length), expected 24")
            }
            let bytes = try data()
            bitmaps = QCow2BitmapsExtension(count: try bytes.u32be(at: 0), directorySize: try bytes.u64be(at: 8),
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
