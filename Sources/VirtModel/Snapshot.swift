import ImageInspector

/// Everything the agent knows about one host at one instant.
///
/// A snapshot is an immutable value: the collector builds a new one per poll
/// and the SNMP side only ever reads whole snapshots, so a request never sees
/// half of one poll and half of another.
public struct Snapshot: Sendable, Equatable {
    public var host: Host
    /// Sorted by `Domain.index`.
    public var domains: [Domain]
    /// Sorted by (domain index, disk index).
    public var disks: [Disk]
    /// Sorted by (domain index, interface index).
    public var interfaces: [Interface]
    /// Sorted by `StoragePool.index`; each pool's volumes sorted by index.
    public var pools: [StoragePool]
    /// The last control action asked of each domain, by UUID (only when control is on).
    public var controls: [String: ControlRecord] = [:]

    public init(host: Host, domains: [Domain], disks: [Disk] = [], interfaces: [Interface] = [],
                pools: [StoragePool] = []) {
        self.host = host
        self.domains = domains.sorted { $0.index < $1.index }
        self.disks = disks.sorted { ($0.domainIndex, $0.index) < ($1.domainIndex, $1.index) }
        self.interfaces = interfaces.sorted { ($0.domainIndex, $0.index) < ($1.domainIndex, $1.index) }
        self.pools = pools.sorted { $0.index < $1.index }.map { pool in
            var pool = pool
            pool.volumes.sort { $0.index < $1.index }
            return pool
        }
    }

    public var volumes: [Volume] { pools.flatMap(\.volumes) }

    /// Disks and volumes whose chain verdict is warning or worse.
    public var unhealthyChainCount: UInt32 {
        let chains = disks.compactMap(\.chain) + volumes.compactMap(\.chain)
        return UInt32(clamping: chains.count { $0.health.severity >= .warning })
    }

    /// What the agent serves before its first successful poll.
    public static func empty(uri: String) -> Snapshot {
        Snapshot(host: Host(uri: uri), domains: [])
    }
}
