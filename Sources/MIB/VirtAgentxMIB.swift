import FoundationEssentials
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

    /// virtHost's scalars, each declared once: readers and notifications name them here.
    public enum HostScalars {
        public static let hypervisorType = Scalar("virtHostHypervisorType", 1, .displayString) { .string($0.host.hypervisorType) }
        public static let hypervisorVersion = Scalar("virtHostHypervisorVersion", 2, .displayString) { .string($0.host.hypervisorVersion) }
        public static let libvirtVersion = Scalar("virtHostLibvirtVersion", 3, .displayString) { .string($0.host.libvirtVersion) }
        public static let name = Scalar("virtHostName", 4, .displayString) { .string($0.host.hostname) }
        public static let uri = Scalar("virtHostURI", 5, .displayString) { .string($0.host.uri) }
        public static let connectionStatus = Scalar("virtHostConnectionStatus", 6, Syntaxes.connectionStatus) {
            .integer($0.host.connection.rawValue)
        }
        public static let lastPollTime = Scalar("virtHostLastPollTime", 7, .dateAndTime) {
            .octets($0.host.lastPoll.map(DateAndTime.encode) ?? DateAndTime.unknown)
        }
        public static let lastPollDuration = Scalar("virtHostLastPollDuration", 8, .unsigned32) { .gauge32($0.host.lastPollMilliseconds) }
        public static let domainCount = Scalar("virtHostDomainCount", 9, .gauge32) { .gauge(saturating: UInt64($0.domains.count)) }
        public static let cpuCount = Scalar("virtHostCpuCount", 10, .unsigned32) { .gauge32($0.host.cpus) }
        public static let memory = Scalar("virtHostMemory", 11, .gauge32) { .gauge(saturating: $0.host.memoryKiB) }
        public static let poolCount = Scalar("virtHostPoolCount", 12, .gauge32) { .gauge(saturating: UInt64($0.pools.count)) }
        public static let volumeCount = Scalar("virtHostVolumeCount", 13, .gauge32) { .gauge(saturating: UInt64($0.volumes.count)) }
        public static let diskCount = Scalar("virtHostDiskCount", 14, .gauge32) { .gauge(saturating: UInt64($0.disks.count)) }
        public static let unhealthyChainCount = Scalar("virtHostUnhealthyChainCount", 15, .gauge32) { .gauge32($0.host.unhealthyChains) }
        public static let dataAge = Scalar("virtHostDataAge", 16, .unsigned32) { _ in .gauge32(UInt32.max) }   // live: see `view(of:)`
        public static let abandonedCalls = Scalar("virtHostAbandonedCalls", 17, .gauge32) { .gauge32($0.host.abandonedCalls) }
        public static let abandonedCallsTotal = Scalar("virtHostAbandonedCallsTotal", 18, .counter32) { .counter32($0.host.abandonedCallsTotal) }
        public static let unresponsiveDomainCount = Scalar("virtHostUnresponsiveDomainCount", 19, .gauge32) {
            .gauge(saturating: UInt64($0.domains.count { $0.dataStatus == .unresponsive }))
        }
        public static let controlEnabled = Scalar("virtHostControlEnabled", 20, .truthValue) { .truthValue($0.host.controlEnabled) }
        public static let controlContext = Scalar("virtHostControlContext", 21, .displayString) {
            .string($0.host.controlEnabled ? ControlWrites.contextName : "")
        }
    }

    public static let hostScalars: [Scalar] = [
        HostScalars.hypervisorType,
        HostScalars.hypervisorVersion,
        HostScalars.libvirtVersion,
        HostScalars.name,
        HostScalars.uri,
        HostScalars.connectionStatus,
        HostScalars.lastPollTime,
        HostScalars.lastPollDuration,
        HostScalars.domainCount,
        HostScalars.cpuCount,
        HostScalars.memory,
        HostScalars.poolCount,
        HostScalars.volumeCount,
        HostScalars.diskCount,
        HostScalars.unhealthyChainCount,
        HostScalars.dataAge,
        HostScalars.abandonedCalls,
        HostScalars.abandonedCallsTotal,
        HostScalars.unresponsiveDomainCount,
        HostScalars.controlEnabled,
        HostScalars.controlContext,
    ]

    /// domainTable's columns, each declared once: readers, notifications and tests name them here.
    public enum DomainColumns {
        public static let index = Column<Domain>.index("virtDomainIndex", 1, .unsigned32)
        public static let name = Column<Domain>("virtDomainName", 2, .displayString) { .string($0.name) }
        public static let uuid = Column<Domain>("virtDomainUUID", 3, .displayString) { .string($0.uuid) }
        public static let state = Column<Domain>("virtDomainState", 4, Syntaxes.domainState) { .integer($0.state.rawValue) }
        public static let stateReason = Column<Domain>("virtDomainStateReason", 5, .integer32) { .integer($0.stateReason) }
        public static let stateReasonText = Column<Domain>("virtDomainStateReasonText", 6, .displayString) { .string($0.stateReasonText) }
        public static let id = Column<Domain>("virtDomainId", 7, .integer32) { .integer($0.id) }
        public static let vcpus = Column<Domain>("virtDomainVcpus", 8, .unsigned32) { .gauge32($0.vcpus) }
        public static let vcpusMax = Column<Domain>("virtDomainVcpusMax", 9, .unsigned32) { .gauge32($0.maxVcpus) }
        public static let memory = Column<Domain>("virtDomainMemory", 10, .gauge32) { .gauge(saturating: $0.memoryKiB) }
        public static let memoryMax = Column<Domain>("virtDomainMemoryMax", 11, .gauge32) { .gauge(saturating: $0.maxMemoryKiB) }
        public static let cpuTime = Column<Domain>("virtDomainCpuTime", 12, .counter64) { .counter64($0.cpuTimeNanoseconds) }
        public static let autostart = Column<Domain>("virtDomainAutostart", 13, .truthValue) { .truthValue($0.autostart) }
        public static let persistent = Column<Domain>("virtDomainPersistent", 14, .truthValue) { .truthValue($0.persistent) }
        public static let osType = Column<Domain>("virtDomainOSType", 15, .displayString) { .string($0.osType) }
        public static let dataStatus = Column<Domain>("virtDomainDataStatus", 16, Syntaxes.dataStatus) { .integer($0.dataStatus.rawValue) }
        public static let dataAge = Column<Domain>("virtDomainDataAge", 17, .unsigned32) { _ in .gauge32(UInt32.max) }   // live: see `parts(of:)`
        public static let title = Column<Domain>("virtDomainTitle", 18, .displayString) { .string($0.title) }
        public static let descriptionText = Column<Domain>("virtDomainDescription", 19, .displayString) { .string($0.descriptionText) }
        public static let cloudName = Column<Domain>("virtDomainCloudName", 20, .displayString) { .string($0.cloud.name) }
        public static let cloudProject = Column<Domain>("virtDomainCloudProject", 21, .displayString) { .string($0.cloud.project) }
        public static let cloudProjectUUID = Column<Domain>("virtDomainCloudProjectUUID", 22, .displayString) { .string($0.cloud.projectUUID) }
        public static let cloudUser = Column<Domain>("virtDomainCloudUser", 23, .displayString) { .string($0.cloud.user) }
        public static let cloudUserUUID = Column<Domain>("virtDomainCloudUserUUID", 24, .displayString) { .string($0.cloud.userUUID) }
        public static let cloudFlavor = Column<Domain>("virtDomainCloudFlavor", 25, .displayString) { .string($0.cloud.flavor) }
        public static let cpuUsage = Column<Domain>("virtDomainCpuUsage", 26, .gauge32) { .gauge32($0.cpuUsageHundredthsPercent) }
    }

    public static let domainTable = Table<Domain>(
        "virtDomainTable", entry: "virtDomainEntry", 2,
        rows: { $0.domains }, index: { [$0.index] },
        columns: [
            DomainColumns.index,
            DomainColumns.name,
            DomainColumns.uuid,
            DomainColumns.state,
            DomainColumns.stateReason,
            DomainColumns.stateReasonText,
            DomainColumns.id,
            DomainColumns.vcpus,
            DomainColumns.vcpusMax,
            DomainColumns.memory,
            DomainColumns.memoryMax,
            DomainColumns.cpuTime,
            DomainColumns.autostart,
            DomainColumns.persistent,
            DomainColumns.osType,
            DomainColumns.dataStatus,
            DomainColumns.dataAge,
            DomainColumns.title,
            DomainColumns.descriptionText,
            DomainColumns.cloudName,
            DomainColumns.cloudProject,
            DomainColumns.cloudProjectUUID,
            DomainColumns.cloudUser,
            DomainColumns.cloudUserUUID,
            DomainColumns.cloudFlavor,
            DomainColumns.cpuUsage,
        ])


    static let tables: [any TableDescription] = [
        domainTable, diskTable, chainLayerTable, interfaceTable, poolTable, volumeTable,
        layerSnapshotTable, layerBitmapTable, guestMemoryTable, vcpuTable, domainJobTable, blockJobTable, domainControlTable,
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
    static let accessibleOIDs = objects.filter(\.isServed).map(\.oid)

    /// The view that serves `snapshot`.
    public static func view(of snapshot: Snapshot) -> MIBView {
        let parts = parts(of: snapshot)
        return MIBView(scalars: parts.scalars, tables: parts.tables, objects: accessibleOIDs, live: parts.live)
    }

    /// The OID of `column` of `table` (virtAgentxObjects.table.1.column): its cells
    /// are this OID and a row index; what a reader walks for that column only.
    public static func oid<Entry>(of column: Column<Entry>, in table: Table<Entry>) -> OID {
        objectsRoot.appending(table.subID, 1, column.subID)
    }

    /// The module's scalar cells, tables and live cells (the data's age) for `snapshot`.
    static func parts(of snapshot: Snapshot) -> (scalars: [MIBView.Cell], tables: [TableCells],
                                                  live: [OID: @Sendable () -> SNMPValue]) {
        var live = [hostRoot.appending(HostScalars.dataAge.subID, 0): dataAge(since: snapshot.host.lastPoll)]
        let ageColumn = oid(of: DomainColumns.dataAge, in: domainTable)
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
