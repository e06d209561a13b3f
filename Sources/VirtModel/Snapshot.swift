/// Everything the agent knows about one host at one instant.
///
/// A snapshot is an immutable value: the collector builds a new one per poll
/// and the SNMP side only ever reads whole snapshots, so a request never sees
/// half of one poll and half of another.
public struct Snapshot: Sendable, Equatable {
    public var host: Host
    /// Sorted by `Domain.index`.
    public var domains: [Domain]

    public init(host: Host, domains: [Domain]) {
        self.host = host
        self.domains = domains.sorted { $0.index < $1.index }
    }

    /// What the agent serves before its first successful poll.
    public static func empty(uri: String) -> Snapshot {
        Snapshot(host: Host(uri: uri), domains: [])
    }
}
