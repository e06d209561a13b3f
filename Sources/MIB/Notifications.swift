import ImageInspector
import VirtModel

/// An SNMPv2 notification ready to send: its OID and its varbinds, each with
/// the row index of the object it reports (the master adds sysUpTime.0).
public struct Notification: Sendable, Equatable {
    public var oid: OID
    public var varbinds: [MIBView.Cell]
}

/// The notification kinds, each of which can be switched off.
public struct NotificationKinds: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let domainState = NotificationKinds(rawValue: 1 << 0)
    public static let chainHealth = NotificationKinds(rawValue: 1 << 1)
    public static let poolState = NotificationKinds(rawValue: 1 << 2)
    public static let poolFull = NotificationKinds(rawValue: 1 << 3)
    public static let connection = NotificationKinds(rawValue: 1 << 4)
    /// A domain's statistics stop coming (its QEMU does not answer) or come again.
    public static let domainResponse = NotificationKinds(rawValue: 1 << 5)
    public static let all: NotificationKinds = [.domainState, .chainHealth, .poolState, .poolFull, .connection,
                                                .domainResponse]

    /// The names options use: domain-state, chain-health, pool-state, pool-full, connection, domain-response.
    public static let names: [String: NotificationKinds] = [
        "domain-state": .domainState, "chain-health": .chainHealth, "pool-state": .poolState,
        "pool-full": .poolFull, "connection": .connection, "domain-response": .domainResponse,
    ]
}

/// OIDs of the accessible-for-notify objects (virtNotifyObjects).
enum NotificationObjects {
    static let root = VirtAgentxMIB.objectsRoot.appending(8)
    static let previousChainHealth = root.appending(1)
    static let poolFullThreshold = root.appending(2)
}

extension VirtAgentxMIB {
    /// `virtAgentxNotifications`: the notifications' own OIDs.
    static let notificationsRoot = root.appending(0)

    /// What changed between two snapshots, as notifications. Nothing for the
    /// first snapshot (a fresh agent does not announce the whole world).
    public static func notifications(from old: Snapshot?, to new: Snapshot, kinds: NotificationKinds,
                                     poolFullPercent: UInt32) -> [Notification] {
        guard let old else { return [] }
        var result: [Notification] = []
        if kinds.contains(.connection) { result += connectionChanges(old, new) }
        // Rows only change meaningfully while connected: a lost connection keeps the old data.
        guard new.host.connection.isAnswering, old.host.lastPoll != nil else { return result }
        if kinds.contains(.domainState) { result += domainStateChanges(old, new) }
        if kinds.contains(.domainResponse) { result += domainResponseChanges(old, new) }
        if kinds.contains(.chainHealth) { result += chainHealthChanges(old, new) }
        if kinds.contains(.poolState) || kinds.contains(.poolFull) {
            result += poolChanges(old, new, kinds: kinds, fullPercent: poolFullPercent)
        }
        return result
    }

    private static func cell(_ table: Table<some Any>, _ column: UInt32, _ index: [UInt32], _ value: SNMPValue) -> MIBView.Cell {
        MIBView.Cell(oid: objectsRoot.appending(table.subID, 1, column).appending(index), value: value)
    }

    private static func connectionChanges(_ old: Snapshot, _ new: Snapshot) -> [Notification] {
        let wasUp = old.host.connection.isAnswering, isUp = new.host.connection.isAnswering
        // "Restored" only after a loss: the first connection of a fresh agent is not news.
        guard wasUp != isUp, wasUp || old.host.connection != .connecting else { return [] }
        return [Notification(oid: notificationsRoot.appending(isUp ? 6 : 5), varbinds: [
            MIBView.Cell(oid: hostRoot.appending(5, 0), value: .string(new.host.uri)),
            MIBView.Cell(oid: hostRoot.appending(6, 0), value: .integer(new.host.connection.rawValue)),
        ])]
    }

    private static func domainStateChanges(_ old: Snapshot, _ new: Snapshot) -> [Notification] {
        let before = Dictionary(old.domains.map { ($0.index, $0.state) }) { a, _ in a }
        return new.domains.compactMap { domain in
            guard let previous = before[domain.index], previous != domain.state else { return nil }
            let index = [domain.index]
            return Notification(oid: notificationsRoot.appending(1), varbinds: [
                cell(domainTable, 2, index, .string(domain.name)),
                cell(domainTable, 3, index, .string(domain.uuid)),
                cell(domainTable, 4, index, .integer(domain.state.rawValue)),
                cell(domainTable, 5, index, .integer(domain.stateReason)),
            ])
        }
    }

    /// virtDomainUnresponsive when a domain becomes unresponsive, virtDomainResponsive
    /// when its statistics come again (a stale domain is neither: libvirt answered for it).
    private static func domainResponseChanges(_ old: Snapshot, _ new: Snapshot) -> [Notification] {
        let before = Dictionary(old.domains.map { ($0.index, $0.dataStatus) }) { a, _ in a }
        return new.domains.compactMap { domain in
            guard let previous = before[domain.index] else { return nil }
            let wasStuck = previous == .unresponsive, isStuck = domain.dataStatus == .unresponsive
            guard wasStuck != isStuck else { return nil }
            let index = [domain.index]
            return Notification(oid: notificationsRoot.appending(isStuck ? 7 : 8), varbinds: [
                cell(domainTable, 2, index, .string(domain.name)),
                cell(domainTable, 3, index, .string(domain.uuid)),
                cell(domainTable, 16, index, .integer(domain.dataStatus.rawValue)),
            ])
        }
    }

    private static func chainHealthChanges(_ old: Snapshot, _ new: Snapshot) -> [Notification] {
        struct Key: Hashable { var domain: UInt32, disk: UInt32 }
        let before = Dictionary(old.disks.map { (Key(domain: $0.domainIndex, disk: $0.index), $0.verdict.condition) }) { a, _ in a }
        let names = Dictionary(new.domains.map { ($0.index, $0.name) }) { a, _ in a }
        return new.disks.compactMap { disk in
            let verdict = disk.verdict
            guard let previous = before[Key(domain: disk.domainIndex, disk: disk.index)],
                  previous != verdict.condition else { return nil }
            let index = [disk.domainIndex, disk.index]
            return Notification(oid: notificationsRoot.appending(2), varbinds: [
                cell(domainTable, 2, [disk.domainIndex], .string(names[disk.domainIndex] ?? "")),
                cell(diskTable, 2, index, .string(disk.target)),
                MIBView.Cell(oid: NotificationObjects.previousChainHealth.appending(0), value: .integer(previous.rawValue)),
                cell(diskTable, 18, index, .integer(verdict.condition.rawValue)),
                cell(diskTable, 19, index, .integer(Syntaxes.severityNumber(verdict.severity))),
                cell(diskTable, 20, index, .string(verdict.detail)),
            ])
        }
    }

    private static func poolChanges(_ old: Snapshot, _ new: Snapshot, kinds: NotificationKinds,
                                    fullPercent: UInt32) -> [Notification] {
        let before = Dictionary(old.pools.map { ($0.index, $0) }) { a, _ in a }
        var result: [Notification] = []
        for pool in new.pools {
            guard let previous = before[pool.index] else { continue }
            let index = [pool.index]
            if kinds.contains(.poolState), previous.state != pool.state {
                result.append(Notification(oid: notificationsRoot.appending(3), varbinds: [
                    cell(poolTable, 2, index, .string(pool.name)),
                    cell(poolTable, 5, index, .integer(pool.state.rawValue)),
                ]))
            }
            if kinds.contains(.poolFull), pool.usagePercent >= fullPercent, previous.usagePercent < fullPercent {
                result.append(Notification(oid: notificationsRoot.appending(4), varbinds: [
                    cell(poolTable, 2, index, .string(pool.name)),
                    cell(poolTable, 6, index, .counter64(pool.capacity)),
                    cell(poolTable, 8, index, .counter64(pool.available)),
                    MIBView.Cell(oid: NotificationObjects.poolFullThreshold.appending(0), value: .gauge32(fullPercent)),
                ]))
            }
        }
        return result
    }
}

extension StoragePool {
    /// Allocation as a whole percentage of capacity (0 for an empty or unsized pool).
    var usagePercent: UInt32 {
        capacity == 0 ? 0 : UInt32(min(100, Double(allocation) / Double(capacity) * 100))
    }
}
