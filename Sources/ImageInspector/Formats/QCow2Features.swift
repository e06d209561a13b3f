/// qcow2 incompatible feature bits (header offset 72): an implementation must
/// refuse an image with a bit it does not know.
public struct QCow2IncompatibleFeatures: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Refcounts may be inconsistent: the image was not closed cleanly (or is
    /// open right now with lazy refcounts); qemu repairs them on open.
    public static let dirty = Self(rawValue: 1 << 0)
    /// qemu found an inconsistency and stopped writing; the image needs `qemu-img check -r`.
    public static let corrupt = Self(rawValue: 1 << 1)
    /// Guest data lives in a separate file.
    public static let externalDataFile = Self(rawValue: 1 << 2)
    /// Compressed clusters use the compression_type field (zstd) instead of zlib.
    public static let compressionType = Self(rawValue: 1 << 3)
    /// L2 entries are 128 bits with subcluster allocation.
    public static let extendedL2 = Self(rawValue: 1 << 4)

    /// Every bit this inspector (and qemu 7+) understands.
    public static let known: Self = [.dirty, .corrupt, .externalDataFile, .compressionType, .extendedL2]

    static let names: [(Self, String)] = [
        (.dirty, "dirty bit"), (.corrupt, "corrupt bit"), (.externalDataFile, "external data file"),
        (.compressionType, "compression type"), (.extendedL2, "extended L2 entries"),
    ]
}

/// qcow2 compatible feature bits (offset 80): unknown ones may be ignored.
public struct QCow2CompatibleFeatures: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Refcount updates may be postponed; the image is marked dirty while open.
    public static let lazyRefcounts = Self(rawValue: 1 << 0)

    static let names: [(Self, String)] = [(.lazyRefcounts, "lazy refcounts")]
}

/// qcow2 autoclear feature bits (offset 88): a writer that does not know a bit clears it.
public struct QCow2AutoclearFeatures: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The bitmaps extension is consistent.
    public static let bitmaps = Self(rawValue: 1 << 0)
    /// The external data file is a consistent raw image by itself.
    public static let rawExternalData = Self(rawValue: 1 << 1)

    static let names: [(Self, String)] = [(.bitmaps, "bitmaps"), (.rawExternalData, "raw external data")]
}

/// Which of the three feature bitmaps a feature-name-table entry names a bit of.
public enum QCow2FeatureKind: UInt8, Sendable, Hashable, Codable {
    case incompatible = 0
    case compatible = 1
    case autoclear = 2
}

/// One entry of the feature name table extension (0x6803F857): the image's own
/// name for a feature bit, so bits newer than this inspector can still be named.
public struct QCow2FeatureName: Sendable, Hashable, Codable {
    public var kind: QCow2FeatureKind
    public var bit: UInt8
    public var name: String
}

/// A feature bit as reported: its number and its name (ours, else the image's
/// feature name table's, else nil).
public struct FeatureBit: Sendable, Hashable, Codable, CustomStringConvertible {
    public var bit: Int
    public var name: String?

    public var description: String { name.map { "\($0) (bit \(bit))" } ?? "bit \(bit)" }
}

extension QCow2Header {
    /// Names the set bits of one feature bitmap, known names first, then the
    /// image's feature name table for bits this inspector does not know.
    static func namedBits(_ value: UInt64, kind: QCow2FeatureKind, known: [(UInt64, String)],
                          table: QCow2FeatureNameTable?) -> [FeatureBit] {
        guard value != 0 else { return [] }
        return (0 ..< 64).compactMap { bit -> FeatureBit? in
            let mask = UInt64(1) << UInt64(bit)
            guard value & mask != 0 else { return nil }
            let name = known.first { $0.0 == mask }?.1 ?? table?.name(kind: kind, bit: bit)
            return FeatureBit(bit: bit, name: name)
        }
    }

    /// Every incompatible bit set, named.
    public var incompatibleFeatureNames: [FeatureBit] {
        Self.namedBits(incompatibleFeatures.rawValue, kind: .incompatible,
                       known: QCow2IncompatibleFeatures.names.map { ($0.0.rawValue, $0.1) },
                       table: extensions.featureNameTable)
    }

    /// Incompatible bits set that qemu does not know: qemu refuses to open the image.
    public var unknownIncompatibleFeatures: [FeatureBit] {
        Self.namedBits(incompatibleFeatures.subtracting(.known).rawValue, kind: .incompatible,
                       known: [], table: extensions.featureNameTable)
    }

    /// Every compatible bit set, named.
    public var compatibleFeatureNames: [FeatureBit] {
        Self.namedBits(compatibleFeatures.rawValue, kind: .compatible,
                       known: QCow2CompatibleFeatures.names.map { ($0.0.rawValue, $0.1) },
                       table: extensions.featureNameTable)
    }

    /// Every autoclear bit set, named.
    public var autoclearFeatureNames: [FeatureBit] {
        Self.namedBits(autoclearFeatures.rawValue, kind: .autoclear,
                       known: QCow2AutoclearFeatures.names.map { ($0.0.rawValue, $0.1) },
                       table: extensions.featureNameTable)
    }
}
