/// Every table's row indexes, kept together so they can be saved and restored
/// as one (an object keeps its OID across agent restarts).
public struct RowIndexRegistry: Sendable, Codable, Equatable {
    /// Domains by UUID.
    public var domains = RowIndexes<String>()
    /// Disks by target device, per domain UUID.
    public var disks: [String: RowIndexes<String>] = [:]
    /// Interfaces by MAC address, per domain UUID.
    public var interfaces: [String: RowIndexes<String>] = [:]
    /// Pools by UUID.
    public var pools = RowIndexes<String>()
    /// Volumes by key, per pool UUID.
    public var volumes: [String: RowIndexes<String>] = [:]

    public init() {}

    public mutating func disk(_ target: String, ofDomain uuid: String) -> UInt32 {
        disks[uuid, default: RowIndexes()].index(for: target)
    }

    public mutating func interface(_ mac: String, ofDomain uuid: String) -> UInt32 {
        interfaces[uuid, default: RowIndexes()].index(for: mac)
    }

    public mutating func volume(_ key: String, ofPool uuid: String) -> UInt32 {
        volumes[uuid, default: RowIndexes()].index(for: key)
    }
}
