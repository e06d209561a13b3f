import SystemPackage

/// Why bytes could not be had from an image.
public enum ImageReadError: Error, Sendable, Hashable {
    /// The system call failed (I/O error, permission...).
    case system(Errno)
    /// The header asked for bytes past the per-layer read budget
    /// (``InspectionLimits/maxBytesPerLayer``).
    case beyondReadLimit(offset: UInt64, count: Int)
}

/// Where the format parsers get their bytes: a file opened by ``ImageFile`` or,
/// in tests, bytes in memory. Parsers never see a file descriptor.
protocol ImageSource {
    /// Size of the image in bytes (apparent size for files, device size for block devices).
    var size: UInt64 { get }

    /// Up to `count` bytes at `offset`; fewer only at the end of the image.
    func read(at offset: UInt64, count: Int) throws(ImageReadError) -> ByteReader
}

/// An in-memory image: for parsing tests, and for bytes already read (those
/// of a file from offset `base` on: nothing is read before it).
struct MemoryImageSource: ImageSource {
    let bytes: [UInt8]
    var base: UInt64 = 0

    var size: UInt64 { base + UInt64(bytes.count) }

    func read(at offset: UInt64, count: Int) throws(ImageReadError) -> ByteReader {
        guard offset >= base, offset < size else { return ByteReader([], baseOffset: offset) }
        let start = Int(offset - base)
        let end = start + min(count, bytes.count - start)
        return ByteReader(bytes[start ..< end], baseOffset: offset)
    }
}
