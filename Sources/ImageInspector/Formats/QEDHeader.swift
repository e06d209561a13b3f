/// A QED header (little-endian; qemu docs/interop/qed_spec).
public struct QEDHeader: Sendable, Hashable, Codable {
    /// QED feature bits; any other bit makes qemu refuse the image.
    public struct Features: OptionSet, Sendable, Hashable, Codable {
        public let rawValue: UInt64
        public init(rawValue: UInt64) { self.rawValue = rawValue }
        public static let backingFile = Self(rawValue: 0x01)
        /// The image was not closed cleanly; qemu checks it on open.
        public static let needsCheck = Self(rawValue: 0x02)
        /// The backing file is raw and must not be probed.
        public static let backingFormatNoProbe = Self(rawValue: 0x04)
        public static let known: Self = [.backingFile, .needsCheck, .backingFormatNoProbe]
    }

    public var clusterSize: UInt32
    public var tableSize: UInt32
    /// Header size in clusters.
    public var headerSize: UInt32
    public var features: Features
    public var imageSize: UInt64
    public var backingFilenameOffset: UInt32
    public var backingFilenameSize: UInt32
    public var backingFileName: String?

    /// The backing format QED implies: raw when probing is forbidden, else unrecorded.
    public var backingFormat: String? { features.contains(.backingFormatNoProbe) ? "raw" : nil }

    /// Feature bits qemu does not know.
    public var unknownFeatures: [FeatureBit] {
        (0 ..< 64).compactMap { bit in
            features.subtracting(.known).rawValue & (1 << UInt64(bit)) != 0 ? FeatureBit(bit: bit, name: nil) : nil
        }
    }

    static func read(from source: ImageSource) throws -> QEDHeader {
        let head = try source.read(at: 0, count: InspectionLimits.initialReadSize)
        var header = QEDHeader(
            clusterSize: try head.u32le(at: 4), tableSize: try head.u32le(at: 8),
            headerSize: try head.u32le(at: 12), features: Features(rawValue: try head.u64le(at: 16)),
            imageSize: try head.u64le(at: 48), backingFilenameOffset: try head.u32le(at: 56),
            backingFilenameSize: try head.u32le(at: 60), backingFileName: nil)
        // qemu: a power of two from 4 KiB to 64 MiB.
        guard header.clusterSize.nonzeroBitCount == 1, (4096 ... 64 << 20).contains(header.clusterSize) else {
            throw HeaderProblem.invalidDescriptor("QED cluster size \(header.clusterSize)")
        }
        if header.features.contains(.backingFile) {
            let length = header.backingFilenameSize
            guard length <= InspectionLimits.maxQEDBackingNameLength else {
                throw HeaderProblem.backingNameTooLong(length, limit: InspectionLimits.maxQEDBackingNameLength)
            }
            // The name must lie inside the header clusters.
            let headerBytes = UInt64(header.headerSize) * UInt64(header.clusterSize)
            let offset = UInt64(header.backingFilenameOffset)
            guard offset <= headerBytes, UInt64(length) <= headerBytes - offset else {
                throw HeaderProblem.backingNameOutsideHeader(offset: offset, length: length)
            }
            let name = try source.read(at: offset, count: Int(length)).string(at: 0, count: UInt64(length))
            header.backingFileName = name.isEmpty ? nil : name
        }
        return header
    }
}
