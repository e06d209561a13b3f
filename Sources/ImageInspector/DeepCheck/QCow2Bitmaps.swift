/// A persistent dirty bitmap (the record of what changed since a backup), as
/// the qcow2 bitmap directory describes it.
public struct QCow2Bitmap: Sendable, Hashable {
    public var name: String
    /// Bytes of guest disk one bit stands for.
    public var granularity: UInt64
    /// Set while a QEMU has the bitmap loaded; left set when it was not saved
    /// cleanly (a crash): the bitmap can no longer be trusted.
    public var inUse: Bool
    /// QEMU loads and tracks it automatically when it opens the image.
    public var auto: Bool
    public var tableOffset: UInt64
    /// Entries of the bitmap table.
    public var tableSize: UInt32
}

/// The bitmap directory, read and validated as qemu reads it.
struct QCow2BitmapDirectory {
    var bitmaps: [QCow2Bitmap] = []

    /// qemu's limits (qcow2-bitmap.c): 65,535 bitmaps, a 64 MiB directory,
    /// names of 1,023 bytes, granularity 2^9 to 2^31.
    static let maxBitmaps: UInt32 = 65535
    static let maxDirectorySize: UInt64 = 64 << 20
    static let maxNameSize: UInt16 = 1023
    static let granularityBits: ClosedRange<UInt8> = 9 ... 31
    static let entryHeaderSize = 24
    static let knownFlags: UInt32 = 0b11

    /// Why qemu's check would call the directory broken (a corruption), if it would.
    private(set) var problem: String?

    private init(problem: String?) { self.problem = problem }

    init(file: MetadataFile, header: QCow2Header, bitmaps ext: QCow2BitmapsExtension) throws(DeepCheckError) {
        guard ext.count > 0 else {
            self.init(problem: nil)
            return
        }
        guard ext.count <= Self.maxBitmaps, ext.directorySize > 0, ext.directorySize <= Self.maxDirectorySize,
              ext.directoryOffset & (header.clusterSize - 1) == 0 else {
            self.init(problem: "bitmap directory (\(ext.count) bitmaps, \(ext.directorySize) bytes at \(hex(ext.directoryOffset))) is invalid")
            return
        }
        let directory: ByteReader
        do {
            directory = try file.read(at: ext.directoryOffset, count: Int(ext.directorySize))
        } catch {
            throw .readFailed(offset: ext.directoryOffset, "bitmap directory")
        }
        self.init(directory, count: ext.count, clusterSize: header.clusterSize)
    }

    /// Parses the directory's bytes: `count` entries as the header says.
    init(_ directory: ByteReader, count: UInt32, clusterSize: UInt64) {
        var position = 0
        while position < directory.count {
            guard position + Self.entryHeaderSize <= directory.count,
                  let entry = try? directory.reader(at: UInt64(position), count: UInt64(Self.entryHeaderSize)),
                  let tableOffset = try? entry.u64be(at: 0), let tableSize = try? entry.u32be(at: 8),
                  let flags = try? entry.u32be(at: 12), let type = try? entry.u8(at: 16),
                  let granularityBits = try? entry.u8(at: 17), let nameSize = try? entry.u16be(at: 18),
                  let extraSize = try? entry.u32be(at: 20) else {
                problem = "bitmap directory entry \(bitmaps.count) is truncated"
                return
            }
            let length = (Self.entryHeaderSize + Int(extraSize) + Int(nameSize) + 7) & ~7
            guard position + Self.entryHeaderSize + Int(extraSize) + Int(nameSize) <= directory.count,
                  let name = try? directory.string(at: UInt64(position + Self.entryHeaderSize) + UInt64(extraSize),
                                                   count: UInt64(nameSize)) else {
                problem = "bitmap directory entry \(bitmaps.count) is truncated"
                return
            }
            guard type == 1, nameSize > 0, nameSize <= Self.maxNameSize, Self.granularityBits.contains(granularityBits),
                  flags & ~Self.knownFlags == 0, tableSize > 0, tableOffset != 0,
                  tableOffset & (clusterSize - 1) == 0 else {
                problem = "bitmap '\(name)': invalid directory entry"
                return
            }
            bitmaps.append(QCow2Bitmap(name: name, granularity: UInt64(1) << UInt64(granularityBits),
                                       inUse: flags & 1 != 0, auto: flags & 2 != 0,
                                       tableOffset: tableOffset, tableSize: tableSize))
            position += length
        }
        if bitmaps.count != Int(count) {
            problem = "bitmap directory holds \(bitmaps.count) bitmaps, the header says \(count)"
        }
    }
}
