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
    /// A deep check found something in a disk's or volume's chain, or no longer finds it.
    public static let deepCheck = NotificationKinds(rawValue: 1 << 6)
    public static let all: NotificationKinds = [.domainState, .chainHealth, .poolState, .poolFull, .connection,
                                                .domainResponse, .deepCheck]

    /// The names options use: domain-state, chain-health, pool-state, pool-full, connection, domain-response, deep-check.
    public static let names: [String: NotificationKinds] = [
        "domain-state": .domainState, "chain-health": .chainHealth, "pool-state": .poolState,
        "pool-full": .poolFull, "connection": .connection, "domain-response": .domainResponse,
        "deep-check": .deepCheck,
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

    /// The notifications, numbered as the module numbers them under virtAgentxNotifications.
    enum NotificationType: UInt32 {
        case domainStateChange = 1, diskChainHealthChange, poolStateChange, poolNearlyFull,
             libvirtConnectionLost, libvirtConnectionRestored, domainUnresponsive, domainResponsive,
             diskDeepCheckChange, volumeDeepCheckChange

        var oid: OID { notificationsRoot.appending(rawValue) }
    }

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
        if kinds.contains(.deepCheck) { result += deepCheckChanges(old, new) }
        if kinds.contains(.poolState) || kinds.contains(.poolFull) {
            result += poolChanges(old, new, kinds: kinds, fullPercent: poolFullPercent)
        }
        return result
    }

    /// `column`'s varbind in the row `index` of `table`.
    private static func cell<Row>(_ table: Table<Row>, _ column: Column<Row>, _ index: [UInt32],
                                  _ value: SNMPValue) -> Varbind {
        Varbind(oid: oid(of: column, in: table).appending(index), value: value)
    }

    /// A host scalar's varbind.
    private static func cell(_ scalar: Scalar, _ value: SNMPValue) -> Varbind {
        Varbind(oid: hostRoot.appending(scalar.subID, 0), value: value)
    }

    private static func connectionChanges(_ old: Snapshot, _ new: Snapshot) -> [Notification] {
        let wasUp = old.host.connection.isAnswering, isUp = new.host.connection.isAnswering
        // "Restored" only after a loss: the first connection of a fresh agent is not news.
        guard wasUp != isUp, wasUp || old.host.connection != .connecting else { return [] }
        return [Notification(oid: (isUp ? NotificationType.libvirtConnectionRestored : .libvirtConnectionLost).oid, varbinds: [
            cell(HostScalars.uri, .string(new.host.uri)),
            cell(HostScalars.connectionStatus, .integer(new.host.connection.rawValue)),
        ])]
    }

    private static func domainStateChanges(_ old: Snapshot, _ new: Snapshot) -> [Notification] {
        let before = Dictionary(old.domains.map { ($0.index, $0.state) }) { a, _ in a }
        return new.domains.compactMap { domain in
            guard let previous = before[domain.index], previous != domain.state else { return nil }
            let index = [domain.index]
            return Notification(oid: NotificationType.domainStateChange.oid, varbinds: [
                cell(domainTable, DomainColumns.name, index, .string(domain.name)),
                cell(domainTable, DomainColumns.uuid, index, .string(domain.uuid)),
                cell(domainTable, DomainColumns.state, index, .integer(domain.state.rawValue)),
                cell(domainTable, DomainColumns.stateReason, index, .integer(domain.stateReason)),
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
            return Notification(oid: (isStuck ? NotificationType.domainUnresponsive : .domainResponsive).oid, varbinds: [
                cell(domainTable, DomainColumns.name, index, .string(domain.name)),
                cell(domainTable, DomainColumns.uuid, index, .string(domain.uuid)),
                cell(domainTable, DomainColumns.dataStatus, index, .integer(domain.dataStatus.rawValue)),
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
            return Notification(oid: NotificationType.diskChainHealthChange.oid, varbinds: [
                cell(domainTable, DomainColumns.name, [disk.domainIndex], .string(names[disk.domainIndex] ?? "")),
                cell(diskTable, DiskColumns.target, index, .string(disk.target)),
                Varbind(oid: NotificationObjects.previousChainHealth.appending(0), value: .integer(previous.rawValue)),
                cell(diskTable, DiskColumns.chainHealth, index, .integer(verdict.condition.rawValue)),
                cell(diskTable, DiskColumns.chainSeverity, index, .integer(Syntaxes.severityNumber(verdict.severity))),
                cell(diskTable, DiskColumns.chainDetail, index, .string(verdict.detail)),
            ])
        }
    }

    /// virtDiskDeepCheckChange and virtVolumeDeepCheckChange when what the deep checks
    /// found in a chain changes: its counts, or whether a check failed. A first
    /// clean check is no news; a first check that finds something is.
    private static func deepCheckChanges(_ old: Snapshot, _ new: Snapshot) -> [Notification] {
        struct Found: Equatable {
            var corruptions, leaks, bitmaps: Int
            var failed: Bool
            init(_ summary: DeepCheckSummary) {
                (corruptions, leaks, bitmaps) = (summary.corruptions, summary.leaks, summary.bitmapProblems)
                failed = summary.state == .failed
            }
        }
        struct DiskKey: Hashable { var domain: UInt32, disk: UInt32 }
        struct VolumeKey: Hashable { var pool: UInt32, volume: UInt32 }
        let disksBefore = Dictionary(old.disks.map {
            (DiskKey(domain: $0.domainIndex, disk: $0.index), Found($0.deepCheckSummary(old.host.deepChecks)))
        }) { a, _ in a }
        let volumesBefore = Dictionary(old.volumes.map {
            (VolumeKey(pool: $0.poolIndex, volume: $0.index), Found($0.deepCheckSummary(old.host.deepChecks)))
        }) { a, _ in a }
        let domainNames = Dictionary(new.domains.map { ($0.index, $0.name) }) { a, _ in a }
        let poolNames = Dictionary(new.pools.map { ($0.index, $0.name) }) { a, _ in a }
        let disks: [Notification] = new.disks.compactMap { disk in
            let summary = disk.deepCheckSummary(new.host.deepChecks)
            guard let before = disksBefore[DiskKey(domain: disk.domainIndex, disk: disk.index)],
                  before != Found(summary) else { return nil }
            let index = [disk.domainIndex, disk.index]
            return Notification(oid: NotificationType.diskDeepCheckChange.oid, varbinds: [
                cell(domainTable, DomainColumns.name, [disk.domainIndex], .string(domainNames[disk.domainIndex] ?? "")),
                cell(diskTable, DiskColumns.target, index, .string(disk.target)),
                cell(diskTable, DiskColumns.deepCheckState, index, .integer(summary.state.rawValue)),
                cell(diskTable, DiskColumns.corruptions, index, .gauge(saturating: UInt64(summary.corruptions))),
                cell(diskTable, DiskColumns.leakedClusters, index, .gauge(saturating: UInt64(summary.leaks))),
                cell(diskTable, DiskColumns.bitmapProblems, index, .gauge(saturating: UInt64(summary.bitmapProblems))),
            ])
        }
        let volumes: [Notification] = new.volumes.compactMap { volume in
            let summary = volume.deepCheckSummary(new.host.deepChecks)
            guard let before = volumesBefore[VolumeKey(pool: volume.poolIndex, volume: volume.index)],
                  before != Found(summary) else { return nil }
            let index = [volume.poolIndex, volume.index]
            return Notification(oid: NotificationType.volumeDeepCheckChange.oid, varbinds: [
                cell(poolTable, PoolColumns.name, [volume.poolIndex], .string(poolNames[volume.poolIndex] ?? "")),
                cell(volumeTable, VolumeColumns.name, index, .string(volume.name)),
                cell(volumeTable, VolumeColumns.deepCheckState, index, .integer(summary.state.rawValue)),
                cell(volumeTable, VolumeColumns.corruptions, index, .gauge(saturating: UInt64(summary.corruptions))),
                cell(volumeTable, VolumeColumns.leakedClusters, index, .gauge(saturating: UInt64(summary.leaks))),
                cell(volumeTable, VolumeColumns.bitmapProblems, index, .gauge(saturating: UInt64(summary.bitmapProblems))),
            ])
        }
        return disks + volumes
    }

    private static func poolChanges(_ old: Snapshot, _ new: Snapshot, kinds: NotificationKinds,
                                    fullPercent: UInt32) -> [Notification] {
        let before = Dictionary(old.pools.map { ($0.index, $0) }) { a, _ in a }
        var result: [Notification] = []
        for pool in new.pools {
            guard let previous = before[pool.index] else { continue }
            let index = [pool.index]
            if kinds.contains(.poolState), previous.state != pool.state {
                result.append(Notification(oid: NotificationType.poolStateChange.oid, varbinds: [
                    cell(poolTable, PoolColumns.name, index, .string(pool.name)),
                    cell(poolTable, PoolColumns.state, index, .integer(pool.state.rawValue)),
                ]))
            }
            if kinds.contains(.poolFull), pool.usagePercent >= Double(fullPercent), previous.usagePercent < Double(fullPercent) {
                result.append(Notification(oid: NotificationType.poolNearlyFull.oid, varbinds: [
                    cell(poolTable, PoolColumns.name, index, .string(pool.name)),
                    cell(poolTable, PoolColumns.capacity, index, .counter64(pool.capacity)),
                    cell(poolTable, PoolColumns.available, index, .counter64(pool.available)),
                    Varbind(oid: NotificationObjects.poolFullThreshold.appending(0), value: .gauge32(fullPercent)),
                ]))
            }
        }
        return result
    }
}
