import Foundation
import VirtModel

/// VIRT-AGENTX-MIB described as data: the single Swift source of the OID tree
/// that `mibs/VIRT-AGENTX-MIB.txt` declares (a test proves the two agree).
public enum VirtAgentxMIB {
    /// The enterprise arc. 32473 is IANA's number reserved for documentation
    /// (RFC 5612): no Private Enterprise Number is registered for this project
    /// yet. Change it here and in the MIB file's MODULE-IDENTITY together.
    public static let enterpriseNumber: UInt32 = 32473

    /// `virtAgentxMIB` (MODULE-IDENTITY): enterprises.32473.
    public static let root: OID = [1, 3, 6, 1, 4, 1, enterpriseNumber]
    /// `virtAgentxObjects`
    public static let objectsRoot = root.appending(1)
    /// `virtHost`: the host scalars.
    public static let hostRoot = objectsRoot.appending(1)

    public static let hostScalars: [Scalar] = [
        Scalar("virtHostHypervisorType", 1, .displayString) { .string($0.host.hypervisorType) },
        Scalar("virtHostHypervisorVersion", 2, .displayString) { .string($0.host.hypervisorVersion) },
        Scalar("virtHostLibvirtVersion", 3, .displayString) { .string($0.host.libvirtVersion) },
        Scalar("virtHostName", 4, .displayString) { .string($0.host.hostname) },
        Scalar("virtHostURI", 5, .displayString) { .string($0.host.uri) },
        Scalar("virtHostConnectionStatus", 6, Syntaxes.connectionStatus) {
            .integer($0.host.connection.rawValue)
        },
        Scalar("virtHostLastPollTime", 7, .dateAndTime) {
            .octets($0.host.lastPoll.map(DateAndTime.encode) ?? DateAndTime.unknown)
        },
        Scalar("virtHostLastPollDuration", 8, .unsigned32) { .gauge32($0.host.lastPollMilliseconds) },
        Scalar("virtHostDomainCount", 9, .gauge32) { .gauge(saturating: UInt64($0.domains.count)) },
        Scalar("virtHostCpuCount", 10, .unsigned32) { .gauge32($0.host.cpus) },
        Scalar("virtHostMemory", 11, .gauge32) { .gauge(saturating: $0.host.memoryKiB) },
        Scalar("virtHostPoolCount", 12, .gauge32) { .gauge(saturating: UInt64($0.pools.count)) },
        Scalar("virtHostVolumeCount", 13, .gauge32) { .gauge(saturating: UInt64($0.volumes.count)) },
        Scalar("virtHostDiskCount", 14, .gauge32) { .gauge(saturating: UInt64($0.disks.count)) },
        Scalar("virtHostUnhealthyChainCount", 15, .gauge32) { .gauge32($0.host.unhealthyChains) },
        Scalar("virtHostDataAge", 16, .unsigned32) { _ in .gauge32(UInt32.max) },   // live: see `view(of:)`
        Scalar("virtHostAbandonedCalls", 17, .gauge32) { .gauge32($0.host.abandonedCalls) },
        Scalar("virtHostAbandonedCallsTotal", 18, .counter32) { .counter32($0.host.abandonedCallsTotal) },
        Scalar("virtHostUnresponsiveDomainCount", 19, .gauge32) {
            .gauge(saturating: UInt64($0.domains.count { $0.dataStatus == .unresponsive }))
        },
    ]

    public static let domainTable = Table<Domain>(
        "virtDomainTable", entry: "virtDomainEntry", 2,
        rows: { $0.domains }, index: { [$0.index] },
        columns: [
            .index("virtDomainIndex", 1, .unsigned32),
            Column("virtDomainName", 2, .displayString) { .string($0.name) },
            Column("virtDomainUUID", 3, .displayString) { .string($0.uuid) },
            Column("virtDomainState", 4, Syntaxes.domainState) { .integer($0.state.rawValue) },
            Column("virtDomainStateReason", 5, .integer32) { .integer($0.stateReason) },
            Column("virtDomainStateReasonText", 6, .displayString) { .string($0.stateReasonText) },
            Column("virtDomainId", 7, .integer32) { .integer($0.id) },
            Column("virtDomainVcpus", 8, .unsigned32) { .gauge32($0.vcpus) },
            Column("virtDomainVcpusMax", 9, .unsigned32) { .gauge32($0.maxVcpus) },
            Column("virtDomainMemory", 10, .gauge32) { .gauge(saturating: $0.memoryKiB) },
            Column("virtDomainMemoryMax", 11, .gauge32) { .gauge(saturating: $0.maxMemoryKiB) },
            Column("virtDomainCpuTime", 12, .counter64) { .counter64($0.cpuTimeNanoseconds) },
            Column("virtDomainAutostart", 13, .truthValue) { .truthValue($0.autostart) },
            Column("virtDomainPersistent", 14, .truthValue) { .truthValue($0.persistent) },
            Column("virtDomainOSType", 15, .displayString) { .string($0.osType) },
            Column("virtDomainDataStatus", 16, Syntaxes.dataStatus) { .integer($0.dataStatus.rawValue) },
            Column("virtDomainDataAge", 17, .unsigned32) { _ in .gauge32(UInt32.max) },   // live: see `parts(of:)`
        ])

    /// virtDomainDataAge's column number.
    static let domainDataAgeColumn: UInt32 = 17

    static let tables: [any TableDescription] = [
        domainTable, diskTable, chainLayerTable, interfaceTable, poolTable, volumeTable,
    ]

    /// Every object the module declares under `virtAgentxObjects`, in OID order.
    public static let objects: [MIBObject] = {
        let scalars = hostScalars.map {
            MIBObject(name: $0.name, oid: hostRoot.appending($0.subID), kind: .scalar,
                      syntax: $0.syntax, access: .readOnly)
        }
        let notifyOnly = [
            MIBObject(name: "virtNotifyPreviousChainHealth", oid: NotificationObjects.previousChainHealth,
                      kind: .scalar, syntax: Syntaxes.chainCondition, access: .accessibleForNotify),
            MIBObject(name: "virtNotifyPoolFullThreshold", oid: NotificationObjects.poolFullThreshold,
                      kind: .scalar, syntax: .unsigned32, access: .accessibleForNotify),
        ]
        return (scalars + tables.flatMap { $0.objects(under: objectsRoot) } + notifyOnly).sorted { $0.oid < $1.oid }
    }()

    /// What GET and GETNEXT may answer for.
    static let accessibleOIDs = objects.filter { $0.access == .readOnly }.map(\.oid)

    /// The view that serves `snapshot`.
    public static func view(of snapshot: Snapshot) -> MIBView {
        let parts = parts(of: snapshot)
        return MIBView(scalars: parts.scalars, tables: parts.tables, objects: accessibleOIDs, live: parts.live)
    }

    /// The module's scalar cells, tables and live cells (the data's age) for `snapshot`.
    static func parts(of snapshot: Snapshot) -> (scalars: [MIBView.Cell], tables: [TableCells],
                                                  live: [OID: @Sendable () -> SNMPValue]) {
        var live = [hostRoot.appending(16, 0): dataAge(since: snapshot.host.lastPoll)]
        let ageColumn = objectsRoot.appending(domainTable.subID, 1, domainDataAgeColumn)
        for domain in snapshot.domains {
            live[ageColumn.appending(domain.index)] = dataAge(since: domain.dataTime)
        }
        return (hostScalars.map { MIBView.Cell(oid: hostRoot.appending($0.subID, 0), value: $0.value(snapshot)) },
                tables.map { $0.cells(of: snapshot, under: objectsRoot) }, live)
    }

    /// virtHostDataAge and virtDomainDataAge: whole seconds since the data was read, at
    /// the time of the request; 4294967295 until it has been.
    static func dataAge(since lastPoll: Date?) -> @Sendable () -> SNMPValue {
        guard let lastPoll else { return { .gauge32(UInt32.max) } }
        return { .gauge32(UInt32(clamping: Int64(max(0, Date().timeIntervalSince(lastPoll))))) }
    }
}
