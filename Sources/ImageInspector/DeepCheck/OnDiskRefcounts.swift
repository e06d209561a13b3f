/// The refcounts the image's refcount table and blocks record, read as qemu
/// reads them: a cluster whose refcount-table entry is zero or past the table
/// has refcount 0; a block that is not cluster-aligned cannot be read (qemu
/// counts a check error for every cluster it covers).
struct OnDiskRefcounts {
    enum Lookup: Equatable {
        case refcount(UInt64)
        /// The refcount-table entry covering the cluster is not cluster-aligned.
        case unreadable
    }

    /// The refcount table as stored (entries with their reserved bits).
    let table: [UInt64]
    let clusterSize: UInt64
    let refcountBits: UInt64
    /// Refcount entries per block: log2.
    let blockBits: Int
    private let file: MetadataFile
    private var cachedIndex = -1
    private var cached: [UInt8]

    static let offsetMask: UInt64 = 0xFFFF_FFFF_FFFF_FE00
    static let reservedMask: UInt64 = 0x1FF

    init(file: MetadataFile, header: QCow2Header, table: [UInt64]) {
        self.file = file
        self.table = table
        clusterSize = header.clusterSize
        refcountBits = header.refcountBits
        blockBits = Int(header.clusterBits) + 3 - Int(header.refcountOrder)
        cached = [UInt8](repeating: 0, count: Int(header.clusterSize))
    }

    var entriesPerBlock: Int { 1 << blockBits }

    /// The offset of refcount block `index` as qemu uses it (reserved bits masked off).
    func blockOffset(_ index: Int) -> UInt64 { index < table.count ? table[index] & Self.offsetMask : 0 }

    mutating func refcount(of cluster: Int) throws(DeepCheckError) -> Lookup {
        let index = cluster >> blockBits
        let offset = blockOffset(index)
        if offset == 0 { return .refcount(0) }
        if offset & (clusterSize - 1) != 0 { return .unreadable }
        if index != cachedIndex {
            try file.read(into: &cached, at: offset)
            cachedIndex = index
        }
        return .refcount(Self.entry(cluster & (entriesPerBlock - 1), in: cached, bits: refcountBits))
    }

    /// Entry `index` of a refcount block: sub-byte widths packed from the least
    /// significant bit, wider ones big-endian (qcow2 spec).
    static func entry(_ index: Int, in block: [UInt8], bits: UInt64) -> UInt64 {
        switch bits {
        case 1, 2, 4:
            let perByte = 8 / Int(bits)
            let byte = block[index / perByte]
            return UInt64(byte >> (UInt8(index % perByte) * UInt8(bits))) & ((1 << bits) - 1)
        default:
            let width = Int(bits) / 8
            var value: UInt64 = 0
            for byte in block[(index * width) ..< (index * width + width)] { value = value << 8 | UInt64(byte) }
            return value
        }
    }
}
