/// An internal snapshot, as the qcow2 snapshot table describes it.
public struct QCow2Snapshot: Sendable, Hashable {
    public var id: String
    public var name: String
    /// When it was taken: seconds and nanoseconds since the epoch.
    public var dateSeconds: UInt32
    public var dateNanoseconds: UInt32
    /// The guest's clock then, in nanoseconds.
    public var vmClockNanoseconds: UInt64
    /// Bytes of saved VM state (RAM, devices); 0 for a disk-only snapshot.
    public var vmStateSize: UInt64
    public var l1TableOffset: UInt64
    public var l1Size: UInt32
}

/// The snapshot table, read as qemu reads it when it opens the image.
struct QCow2SnapshotTable {
    var snapshots: [QCow2Snapshot] = []
    /// Bytes from the table's start to the end of its last entry (qemu's snapshots_size).
    var size: UInt64 = 0
    /// For a partial listing: qemu's reason to refuse an entry that was read whole
    /// (too much extra data), which ended the listing.
    var refusal: String?

    /// qemu's limits: at most 65,536 snapshots, 64 MiB of table, 1 KiB of extra data each.
    static let maxSnapshots: UInt32 = 65536
    static let maxTableSize: UInt64 = 64 << 20
    static let maxExtraData: UInt32 = 1024
    static let headerSize: UInt64 = 40

    /// Reads the table from `file`. `partial`: for a listing read with the
    /// header, where `file` holds only the table's first bytes: an entry that does
    /// not fit ends the listing instead of failing it.
    init(file: some ImageSource, header: QCow2Header, partial: Bool = false) throws(DeepCheckError) {
        guard header.snapshotCount > 0 else { return }
        guard header.snapshotCount <= Self.maxSnapshots else {
            throw .unopenable("snapshot table too large: \(header.snapshotCount) snapshots")
        }
        guard header.snapshotsOffset & (header.clusterSize - 1) == 0 else {
            throw .unopenable("snapshot table offset \(hex(header.snapshotsOffset)) not cluster-aligned")
        }
        var offset = header.snapshotsOffset
        snapshots.reserveCapacity(Int(min(header.snapshotCount, 1024)))
        for number in 0 ..< header.snapshotCount {
            offset = (offset + 7) & ~7
            do throws(DeepCheckError) {
                let (snapshot, next) = try Self.entry(file, at: offset, number: number)
                snapshots.append(snapshot)
                offset = next
            } catch {
                // An entry that does not fit the bytes read ends a partial listing; one
                // qemu refuses, read whole, is its verdict on the image.
                if partial, case .snapshotExtraDataTooLarge = error {
                    refusal = error.qemuReason
                    break
                }
                if partial { break }
                throw error
            }
            guard offset - header.snapshotsOffset <= Self.maxTableSize else {
                throw .unopenable("snapshot table larger than 64 MiB")
            }
        }
        size = offset - header.snapshotsOffset
    }

    /// The entry at `offset` and the offset just past it.
    private static func entry(_ file: some ImageSource, at offset: UInt64, number: UInt32) throws(DeepCheckError) -> (QCow2Snapshot, UInt64) {
        let entry = try read(file, at: offset, count: Int(headerSize))
        let fields: (id: UInt64, name: UInt64, extra: UInt32, vmState: UInt32, l1Offset: UInt64, l1Size: UInt32,
                     seconds: UInt32, nanoseconds: UInt32, clock: UInt64)
        do throws(ByteReader.Overrun) {
            fields = (UInt64(try entry.u16be(at: 12)), UInt64(try entry.u16be(at: 14)), try entry.u32be(at: 36),
                      try entry.u32be(at: 32), try entry.u64be(at: 0), try entry.u32be(at: 8),
                      try entry.u32be(at: 16), try entry.u32be(at: 20), try entry.u64be(at: 24))
        } catch {
            throw .unopenable("snapshot table truncated")
        }
        guard fields.extra <= maxExtraData else {
            throw .snapshotExtraDataTooLarge(entry: number, bytes: fields.extra, offset: offset)
        }
        var vmStateSize = UInt64(fields.vmState)
        if fields.extra >= 8 {
            let extra = try read(file, at: offset + headerSize, count: 8)
            vmStateSize = (try? extra.u64be(at: 0)) ?? vmStateSize
        }
        let strings = try read(file, at: offset + headerSize + UInt64(fields.extra), count: Int(fields.id + fields.name))
        guard strings.count == Int(fields.id + fields.name) else { throw .unopenable("snapshot table truncated") }
        let snapshot = QCow2Snapshot(
            id: (try? strings.string(at: 0, count: fields.id)) ?? "",
            name: (try? strings.string(at: fields.id, count: fields.name)) ?? "",
            dateSeconds: fields.seconds, dateNanoseconds: fields.nanoseconds, vmClockNanoseconds: fields.clock,
            vmStateSize: vmStateSize, l1TableOffset: fields.l1Offset, l1Size: fields.l1Size)
        return (snapshot, offset + headerSize + UInt64(fields.extra) + fields.id + fields.name)
    }

    private static func read(_ file: some ImageSource, at offset: UInt64, count: Int) throws(DeepCheckError) -> ByteReader {
        do {
            return try file.read(at: offset, count: count)
        } catch {
            throw .readFailed(offset: offset, "snapshot table")
        }
    }
}

func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
