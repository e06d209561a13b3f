/// A legacy qcow (version 1) header: big-endian like qcow2, but with no
/// extensions, so no recorded backing format.
public struct QCowHeader: Sendable, Hashable, Codable {
    public var backingFileOffset: UInt64
    public var backingFileSize: UInt32
    public var size: UInt64
    public var clusterBits: UInt8
    public var l2Bits: UInt8
    /// 0 none, 1 AES.
    public var cryptMethod: UInt32
    public var backingFileName: String?

    public var clusterSize: UInt64 { 1 << UInt64(clusterBits) }

    /// qemu's qcow driver accepts clusters of 512 bytes to 64 KiB.
    static let clusterBitsRange: ClosedRange<UInt8> = 9 ... 16

    static func read(from source: ImageSource) throws -> QCowHeader {
        let head = try source.read(at: 0, count: InspectionLimits.initialReadSize)
        var header = QCowHeader(
            backingFileOffset: try head.u64be(at: 8), backingFileSize: try head.u32be(at: 16),
            size: try head.u64be(at: 24), clusterBits: try head.u8(at: 32), l2Bits: try head.u8(at: 33),
            cryptMethod: try head.u32be(at: 36), backingFileName: nil)
        guard clusterBitsRange.contains(header.clusterBits) else {
            throw HeaderProblem.clusterBitsOutOfRange(UInt32(header.clusterBits))
        }
        if header.backingFileOffset != 0 {
            guard header.backingFileSize <= InspectionLimits.maxBackingNameLength else {
                throw HeaderProblem.backingNameTooLong(header.backingFileSize, limit: InspectionLimits.maxBackingNameLength)
            }
            let bytes = try source.read(at: header.backingFileOffset, count: Int(header.backingFileSize))
            let name = try bytes.string(at: 0, count: UInt64(header.backingFileSize))
            header.backingFileName = name.isEmpty ? nil : name
        }
        return header
    }
}
