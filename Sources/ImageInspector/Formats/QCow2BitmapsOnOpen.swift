/// What qemu checks of the persistent bitmaps each time it opens a qcow2 image
/// (qcow2_read_extensions, then qcow2_load_dirty_bitmaps), read-only backings
/// included: a refusal here is an image qemu will not open.
extension QCow2BitmapDirectory {
    /// The most of the bitmap tables read with the header: a bitmap of a
    /// 1 TiB disk at qemu's default 64 KiB granularity has a 256-byte table.
    static let maxTablesReadOnOpen = 8192

    /// qemu's refusal, in its words, or nil. Without the autoclear bitmaps bit
    /// qemu ignores the extension (the bitmaps are then inconsistent, not
    /// fatal). `bitmaps` is the directory as far as it was read.
    static func refusalOnOpen(_ ext: QCow2BitmapsExtension, header: QCow2Header, source: ImageSource,
                              bitmaps: inout [QCow2Bitmap]) -> String? {
        let checked = header.autoclearFeatures.contains(.bitmaps)
        if checked, let refusal = extensionRefusal(ext, clusterSize: header.clusterSize) { return refusal }
        guard ext.count > 0, ext.directorySize <= LayerInspection.maxBitmapDirectoryRead,
              let read = try? source.read(at: ext.directoryOffset, count: Int(ext.directorySize)) else { return nil }
        let directory = QCow2BitmapDirectory(read.zeroFilled(to: Int(ext.directorySize)), count: ext.count,
                                             clusterSize: header.clusterSize, virtualSize: header.size)
        bitmaps = directory.bitmaps
        guard checked else { return nil }
        if let problem = directory.problem { return problem }
        return tableRefusal(directory.bitmaps, header: header, source: source)
    }

    /// load_bitmap for each bitmap: names are unique; a bitmap not in use has
    /// exactly the table its granularity needs for the virtual size, of valid
    /// entries. Tables beyond ``maxTablesReadOnOpen`` are left to `--deep`.
    private static func tableRefusal(_ bitmaps: [QCow2Bitmap], header: QCow2Header, source: ImageSource) -> String? {
        var seen = Set<String>()
        var budget = maxTablesReadOnOpen
        for bitmap in bitmaps {
            guard seen.insert(bitmap.name).inserted else { return "Bitmap already exists: \(bitmap.name)" }
            guard !bitmap.inUse else { continue }    // qemu skips the data of a bitmap in use
            let bytes = Int(bitmap.tableSize) * 8
            guard bytes <= budget, let read = try? source.read(at: bitmap.tableOffset, count: bytes) else { return nil }
            budget -= bytes
            let table = read.zeroFilled(to: bytes)
            for index in 0 ..< Int(bitmap.tableSize) {
                guard let entry = try? table.u64be(at: UInt64(index * 8)), isValidTableEntry(entry, clusterSize: header.clusterSize) else {
                    return "Could not read bitmap_table table from image for bitmap '\(bitmap.name)': Invalid argument"
                }
            }
            // One bit per granule of the virtual size, in whole clusters.
            let bits = (header.size + bitmap.granularity - 1) / bitmap.granularity
            let bitsPerCluster = header.clusterSize * 8
            guard UInt64(bitmap.tableSize) == (bits + bitsPerCluster - 1) / bitsPerCluster else {
                return "Could not read bitmap '\(bitmap.name)' from image: Invalid argument"
            }
        }
        return nil
    }

    /// Where a bitmap table entry keeps its data cluster's offset.
    static let tableEntryOffsetMask: UInt64 = 0x00FF_FFFF_FFFF_FE00

    /// A bitmap table entry qemu accepts (on open and in `qemu-img check`): no
    /// reserved bits; a data cluster offset that is cluster aligned and not
    /// combined with the all-ones flag.
    static func isValidTableEntry(_ entry: UInt64, clusterSize: UInt64) -> Bool {
        let offset = entry & tableEntryOffsetMask
        guard entry & 0xFF00_0000_0000_01FE == 0 else { return false }
        return offset == 0 || (entry & 1 == 0 && offset & (clusterSize - 1) == 0)
    }
}
