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

/// The bitmap directory, read and validated as qemu reads it (qcow2-bitmap.c,
/// bitmap_list_load and check_dir_entry): on every open with the autoclear
/// bitmaps bit set, and in `qemu-img check`. ``problem`` is qemu's own words.
struct QCow2BitmapDirectory {
    var bitmaps: [QCow2Bitmap] = []

    /// qemu's limits (qcow2-bitmap.c): 65,535 bitmaps, a 64 MiB directory,
    /// names of 1,023 bytes, granularity 2^9 to 2^31, 2^27 table entries and
    /// 512 MiB of bitmap data.
    static let maxBitmaps: UInt32 = 65535
    static let maxDirectorySize: UInt64 = 64 << 20
    static let maxNameSize: UInt16 = 1023
    static let granularityBits: ClosedRange<UInt8> = 9 ... 31
    static let maxTableSize: UInt32 = 0x800_0000
    static let maxDataBytes: UInt64 = 0x2000_0000
    static let entryHeaderSize = 24
    static let knownFlags: UInt32 = 0b11
    static let dirtyTrackingType: UInt8 = 1

    /// Why qemu would refuse the directory, if it would.
    private(set) var problem: String?

    private init(problem: String?) { self.problem = problem }

    init(file: MetadataFile, header: QCow2Header, bitmaps ext: QCow2BitmapsExtension) throws(DeepCheckError) {
        guard ext.count > 0 else {
            self.init(problem: nil)
            return
        }
        if let refusal = Self.extensionRefusal(ext, clusterSize: header.clusterSize) {
            self.init(problem: refusal)
            return
        }
        let directory: ByteReader
        do {
            directory = try file.read(at: ext.directoryOffset, count: Int(ext.directorySize))
        } catch {
            throw .readFailed(offset: ext.directoryOffset, "bitmap directory")
        }
        self.init(directory.zeroFilled(to: Int(ext.directorySize)), count: ext.count,
                  clusterSize: header.clusterSize, virtualSize: header.size)
    }

    /// What qemu refuses in the bitmaps extension itself, in its words (checked
    /// only with the autoclear bitmaps bit set: without it qemu ignores the bitmaps).
    static func extensionRefusal(_ ext: QCow2BitmapsExtension, clusterSize: UInt64) -> String? {
        if ext.reserved != 0 { return "bitmaps_ext: Reserved field is not zero" }
        if ext.count > maxBitmaps {
            return "bitmaps_ext: Image has \(ext.count) bitmaps, exceeding the QEMU supported maximum of \(maxBitmaps)"
        }
        if ext.count == 0 { return "found bitmaps extension with zero bitmaps" }
        if ext.directoryOffset & (clusterSize - 1) != 0 { return "bitmaps_ext: invalid bitmap directory offset" }
        if ext.directorySize > maxDirectorySize {
            return "bitmaps_ext: bitmap directory size (\(ext.directorySize)) exceeds the maximum supported size (\(maxDirectorySize))"
        }
        if ext.directorySize == 0 { return "Requested bitmap directory size is zero" }
        return nil
    }

    /// Parses the directory's bytes as qemu does: `count` entries, as the
    /// header says, that fill the directory exactly. Bytes beyond the end of
    /// the file read as zeros, as they do for qemu.
    init(_ directory: ByteReader, count: UInt32, clusterSize: UInt64, virtualSize: UInt64) {
        var position = 0
        while position < directory.count {
            guard position + Self.entryHeaderSize <= directory.count,
                  let tableOffset = try? directory.u64be(at: UInt64(position)),
                  let tableSize = try? directory.u32be(at: UInt64(position + 8)),
                  let flags = try? directory.u32be(at: UInt64(position + 12)),
                  let type = try? directory.u8(at: UInt64(position + 16)),
                  let granularityBits = try? directory.u8(at: UInt64(position + 17)),
                  let nameSize = try? directory.u16be(at: UInt64(position + 18)),
                  let extraSize = try? directory.u32be(at: UInt64(position + 20)) else {
                problem = "Broken bitmap directory"
                return
            }
            guard bitmaps.count < Int(count) else {
                problem = "More bitmaps found than specified in header extension"
                return
            }
            let length = (Self.entryHeaderSize + Int(extraSize) + Int(nameSize) + 7) & ~7
            guard position + length <= directory.count else {
                problem = "Broken bitmap directory"
                return
            }
            guard extraSize == 0 else {
                problem = "Bitmap extra data is not supported"
                return
            }
            let nameBytes = (try? directory.bytes(at: UInt64(position + Self.entryHeaderSize), count: UInt64(nameSize))) ?? []
            let name = String(decoding: nameBytes, as: UTF8.self)
            let dataBytes = UInt64(tableSize) * clusterSize
            let covered = Self.granularityBits.contains(granularityBits)
                ? (dataBytes * 8) << UInt64(granularityBits) : 0
            guard type == Self.dirtyTrackingType, nameSize <= Self.maxNameSize,
                  Self.granularityBits.contains(granularityBits), flags & ~Self.knownFlags == 0,
                  tableSize > 0, tableSize <= Self.maxTableSize, tableOffset != 0,
                  tableOffset & (clusterSize - 1) == 0, dataBytes <= Self.maxDataBytes,
                  flags & 1 != 0 || virtualSize <= covered else {
                problem = "Bitmap '\(name)' doesn't satisfy the constraints"
                return
            }
            bitmaps.append(QCow2Bitmap(name: name, granularity: UInt64(1) << UInt64(granularityBits),
                                       inUse: flags & 1 != 0, auto: flags & 2 != 0,
                                       tableOffset: tableOffset, tableSize: tableSize))
            position += length
        }
        if bitmaps.count != Int(count) {
            problem = "Less bitmaps found than specified in header extension"
        }
    }
}
