import FoundationEssentials
import VirtModel

/// RFC 7666's VM-MIB (mib-2 236), fed by the same snapshot as VIRT-AGENTX-MIB and
/// indexed alike: vmIndex N is virtDomainTable row N, and a domain's storage and
/// network rows carry its disk and interface indexes. Read-only; see the README's
/// capabilities statement for what libvirt cannot supply.
public enum VMMIB {
    /// `vmMIB`: mib-2.236.
    public static let root: OID = [1, 3, 6, 1, 2, 1, 236]
    static let objectsRoot = root.appending(1)
    static let hypervisorRoot = objectsRoot.appending(1)

    /// A scalar at its own OID (VM-MIB's scalars are not all under one node).
    struct VMScalar: Sendable {
        let name: String
        let oid: OID
        let syntax: Syntax
        let value: @Sendable (Snapshot) -> SNMPValue
    }

    static let scalars: [VMScalar] = [
        // "SHOULD NOT include its version": that is vmHvVersion.
        VMScalar(name: "vmHvSoftware", oid: hypervisorRoot.appending(1), syntax: .displayString) { .string($0.host.hypervisorType) },
        VMScalar(name: "vmHvVersion", oid: hypervisorRoot.appending(2), syntax: .displayString) { .string($0.host.hypervisorVersion) },
        // No registered identifier for libvirt's drivers: zeroDotZero, "unknown".
        VMScalar(name: "vmHvObjectID", oid: hypervisorRoot.appending(3), syntax: .objectIdentifier) { _ in .objectIdentifier([0, 0]) },
        VMScalar(name: "vmHvUpTime", oid: hypervisorRoot.appending(4), syntax: .timeTicks) { _ in .timeTicks(0) },  // live
        VMScalar(name: "vmNumber", oid: objectsRoot.appending(2), syntax: .integer32) {
            .integer(Int32(clamping: $0.domains.count))
        },
        VMScalar(name: "vmTableLastChange", oid: objectsRoot.appending(3), syntax: .timeTicks) {
            .timeTicks(ticks(from: $0.host.bootTime, to: $0.host.domainsChangedAt))
        },
    ]

    /// The notification switches: read-only here, set with vmNotifications in
    /// virt-agentx.conf or --vm-notifications.
    static let switches = [
        (name: "vmPerVMNotificationsEnabled", oid: objectsRoot.appending(9)),
        (name: "vmBulkNotificationsEnabled", oid: objectsRoot.appending(10)),
    ]

    /// A domain with its up time as of the snapshot.
    struct VMRow: Sendable {
        var domain: Domain
        var upTime: UInt32
    }

    /// vmTable's columns, each declared once: readers, notifications and tests name them here.
    enum VMColumns {
        static let index = Column<VMRow>.index("vmIndex", 1, .integer32)
        static let name = Column<VMRow>("vmName", 2, .displayString) { .string($0.domain.name) }
        static let uuid = Column<VMRow>("vmUUID", 3, .octetString) { .octets(uuidBytes($0.domain.uuid)) }
        static let osType = Column<VMRow>("vmOSType", 4, .displayString) { .string($0.domain.osType) }
        static let adminState = Column<VMRow>("vmAdminState", 5, .integer32) { .integer($0.domain.vmAdminState.rawValue) }
        static let operState = Column<VMRow>("vmOperState", 6, .integer32) { .integer($0.domain.vmOperState.rawValue) }
        static let autoStart = Column<VMRow>("vmAutoStart", 7, .integer32) { .integer($0.domain.autostart ? 2 : 3) }       // enabled(2), disabled(3)
        static let persistent = Column<VMRow>("vmPersistent", 8, .integer32) { .integer($0.domain.persistent ? 2 : 3) }     // persistent(2), transient(3)
        static let curCpuNumber = Column<VMRow>("vmCurCpuNumber", 9, .integer32) { .integer(Int32(clamping: $0.domain.vcpus)) }
        static let minCpuNumber = Column<VMRow>("vmMinCpuNumber", 10, .integer32) { _ in .integer(-1) }               // libvirt has no minimum
        static let maxCpuNumber = Column<VMRow>("vmMaxCpuNumber", 11, .integer32) { .integer(Int32(clamping: $0.domain.maxVcpus)) }
        static let memUnit = Column<VMRow>("vmMemUnit", 12, .integer32) { _ in .integer(1024) }                  // memory in KiB
        static let curMem = Column<VMRow>("vmCurMem", 13, .integer32) { .integer(Int32(clamping: $0.domain.memoryKiB)) }
        static let minMem = Column<VMRow>("vmMinMem", 14, .integer32) { _ in .integer(-1) }
        static let maxMem = Column<VMRow>("vmMaxMem", 15, .integer32) { .integer(Int32(clamping: $0.domain.maxMemoryKiB)) }
        static let upTime = Column<VMRow>("vmUpTime", 16, .timeTicks) { .timeTicks($0.upTime) }
        static let cpuTime = Column<VMRow>("vmCpuTime", 17, .counter64) { .counter64($0.domain.cpuTimeNanoseconds / 1_000) }  // microseconds
    }

    static let vmTable = Table<VMRow>(
        "vmTable", entry: "vmEntry", 4,
        rows: { snapshot in
            // libvirt reports no start time: up time counts from when the agent first
            // saw the domain active, as of the snapshot.
            snapshot.domains.map { VMRow(domain: $0, upTime: ticks(from: $0.activeSince, to: snapshot.host.lastPoll)) }
        },
        index: { [$0.domain.index] },
        columns: [
            VMColumns.index,
            VMColumns.name,
            VMColumns.uuid,
            VMColumns.osType,
            VMColumns.adminState,
            VMColumns.operState,
            VMColumns.autoStart,
            VMColumns.persistent,
            VMColumns.curCpuNumber,
            VMColumns.minCpuNumber,
            VMColumns.maxCpuNumber,
            VMColumns.memUnit,
            VMColumns.curMem,
            VMColumns.minMem,
            VMColumns.maxMem,
            VMColumns.upTime,
            VMColumns.cpuTime,
        ])

    /// One vCPU of a domain.
    struct VCPURow: Sendable {
        var domainIndex: UInt32
        var number: UInt32
        var timeNanoseconds: UInt64
    }

    /// vmCpuTable's columns, each declared once: readers, notifications and tests name them here.
    enum VMCpuColumns {
        static let index = Column<VCPURow>.index("vmCpuIndex", 1, .integer32)
        static let coreTime = Column<VCPURow>("vmCpuCoreTime", 2, .counter64) { .counter64($0.timeNanoseconds / 1_000) }
    }

    static let vmCpuTable = Table<VCPURow>(
        "vmCpuTable", entry: "vmCpuEntry", 5,
        rows: { snapshot in
            snapshot.domains.flatMap { domain in
                domain.vcpuTimesNanoseconds.enumerated().map {
                    VCPURow(domainIndex: domain.index, number: UInt32($0.offset + 1), timeNanoseconds: $0.element)
                }
            }
        },
        index: { [$0.domainIndex, $0.number] },
        columns: [
            VMCpuColumns.index,
            VMCpuColumns.coreTime,
        ])

    /// One (vCPU, host CPU) pair of a domain.
    struct AffinityRow: Sendable {
        var domainIndex: UInt32
        var vcpu: UInt32
        var hostCPU: UInt32
        var allowed: Bool
    }

    /// Above this many pairs on a host, only pinned vCPUs get rows: an unpinned
    /// vCPU may run everywhere, and thousands of domains times hundreds of host
    /// CPUs would make the table larger than all the others together.
    static let affinityRowLimit = 65_536

    /// vmCpuAffinityTable's columns, each declared once: readers, notifications and tests name them here.
    enum VMCpuAffinityColumns {
        static let physIndex = Column<AffinityRow>.index("vmCpuPhysIndex", 2, .integer32)
        /// hrDeviceIndex of host CPU 0 in HOST-RESOURCES-MIB's hrProcessorTable, as
        /// net-snmp numbers processors on Linux (HRDEV_PROC << 16, plus the CPU number):
        /// vmCpuPhysIndex "MUST be the same value that is used as the index in the hrProcessorTable".
        static let firstProcessorDeviceIndex: UInt32 = 3 << 16
        static let affinity = Column<AffinityRow>("vmCpuAffinity", 3, .integer32) { .integer($0.allowed ? 1 : 2) }   // enable(1), disable(2)
    }

    static let vmCpuAffinityTable = Table<AffinityRow>(
        "vmCpuAffinityTable", entry: "vmCpuAffinityEntry", 6,
        rows: { snapshot in
            let pairs = snapshot.domains.reduce(0) { $0 + $1.vcpuAffinity.reduce(0) { $0 + $1.count } }
            return snapshot.domains.flatMap { domain in
                domain.vcpuAffinity.enumerated().flatMap { vcpu, hosts -> [AffinityRow] in
                    if pairs > affinityRowLimit && hosts.allSatisfy({ $0 }) { return [] }
                    return hosts.enumerated().map {
                        AffinityRow(domainIndex: domain.index, vcpu: UInt32(vcpu + 1),
                                    hostCPU: VMCpuAffinityColumns.firstProcessorDeviceIndex + UInt32($0.offset), allowed: $0.element)
                    }
                }
            }
        },
        index: { [$0.domainIndex, $0.vcpu, $0.hostCPU] },
        columns: [
            VMCpuAffinityColumns.physIndex,
            VMCpuAffinityColumns.affinity,
        ])

    /// vmStorageTable's columns, each declared once: readers, notifications and tests name them here.
    enum VMStorageColumns {
        static let vmIndex = Column<Disk>.index("vmStorageVmIndex", 1, .integer32)
        static let index = Column<Disk>.index("vmStorageIndex", 2, .integer32)
        static let parent = Column<Disk>("vmStorageParent", 3, .integer32) { _ in .integer(0) }
        static let sourceType = Column<Disk>("vmStorageSourceType", 4, .integer32) { .integer($0.vmSourceType) }
        static let sourceTypeString = Column<Disk>("vmStorageSourceTypeString", 5, .displayString) {
            .string($0.driverFormat.isEmpty ? "\($0.sourceKind)" : $0.driverFormat)
        }
        static let resourceID = Column<Disk>("vmStorageResourceID", 6, .displayString) { .string($0.source) }
        static let access = Column<Disk>("vmStorageAccess", 7, .integer32) { .integer($0.readOnly ? 3 : 2) }   // readonly(3), readwrite(2)
        static let mediaType = Column<Disk>("vmStorageMediaType", 8, .integer32) { .integer($0.vmMediaType) }
        // "the name of the driver ... e.g., 'IDE' and 'SCSI'": libvirt's bus (virtio, sata, scsi, ide ...).
        static let mediaTypeString = Column<Disk>("vmStorageMediaTypeString", 9, .displayString) { .string($0.bus) }
        static let sizeUnit = Column<Disk>("vmStorageSizeUnit", 10, .integer32) { .integer(Int32(VMMIB.sizeUnit(for: $0.blockInfo))) }
        // "If this information is not available, this value MUST be -1": libvirt
        // gave no capacity (an empty drive, or its call failed).
        static let definedSize = Column<Disk>("vmStorageDefinedSize", 11, .integer32) {
            $0.blockInfo.capacity == 0 ? .integer(-1)
                : .integer(Int32(clamping: $0.blockInfo.capacity / VMMIB.sizeUnit(for: $0.blockInfo)))
        }
        // "MUST NOT be different from vmStorageDefinedSize when vmStorageSourceType is
        // 'block' or 'raw'": the hypervisor allocates all of it, however sparse the file.
        static let allocatedSize = Column<Disk>("vmStorageAllocatedSize", 12, .integer32) {
            $0.blockInfo.capacity == 0 ? .integer(-1)
                : .integer(Int32(clamping: ($0.vmSourceType == 3 || $0.vmSourceType == 4 ? $0.blockInfo.capacity : $0.blockInfo.allocation)
                                 / VMMIB.sizeUnit(for: $0.blockInfo)))
        }
        static let readIOs = Column<Disk>("vmStorageReadIOs", 13, .counter64) { .counter64($0.stats.readRequests) }
        static let writeIOs = Column<Disk>("vmStorageWriteIOs", 14, .counter64) { .counter64($0.stats.writeRequests) }
        static let readOctets = Column<Disk>("vmStorageReadOctets", 15, .counter64) { .counter64($0.stats.readBytes) }
        static let writeOctets = Column<Disk>("vmStorageWriteOctets", 16, .counter64) { .counter64($0.stats.writeBytes) }
        static let readLatency = Column<Disk>("vmStorageReadLatency", 17, .counter64) { .counter64($0.stats.readTimeNanoseconds / 1_000) }
        static let writeLatency = Column<Disk>("vmStorageWriteLatency", 18, .counter64) { .counter64($0.stats.writeTimeNanoseconds / 1_000) }
    }

    static let vmStorageTable = Table<Disk>(
        "vmStorageTable", entry: "vmStorageEntry", 7,
        rows: { $0.disks }, index: { [$0.domainIndex, $0.index] },
        columns: [
            VMStorageColumns.vmIndex,
            VMStorageColumns.index,
            VMStorageColumns.parent,
            VMStorageColumns.sourceType,
            VMStorageColumns.sourceTypeString,
            VMStorageColumns.resourceID,
            VMStorageColumns.access,
            VMStorageColumns.mediaType,
            VMStorageColumns.mediaTypeString,
            VMStorageColumns.sizeUnit,
            VMStorageColumns.definedSize,
            VMStorageColumns.allocatedSize,
            VMStorageColumns.readIOs,
            VMStorageColumns.writeIOs,
            VMStorageColumns.readOctets,
            VMStorageColumns.writeOctets,
            VMStorageColumns.readLatency,
            VMStorageColumns.writeLatency,
        ])

    /// vmNetworkTable's columns, each declared once: readers, notifications and tests name them here.
    enum VMNetworkColumns {
        static let index = Column<Interface>.index("vmNetworkIndex", 1, .integer32)
        static let ifIndex = Column<Interface>("vmNetworkIfIndex", 2, .integer32) { .integer(Int32(clamping: $0.hostIfIndex)) }
        static let parent = Column<Interface>("vmNetworkParent", 3, .integer32) { .integer(Int32(clamping: $0.parentIfIndex)) }
        static let model = Column<Interface>("vmNetworkModel", 4, .displayString) { .string($0.model) }
        static let physAddress = Column<Interface>("vmNetworkPhysAddress", 5, .octetString) { .octets($0.mac) }
    }

    static let vmNetworkTable = Table<Interface>(
        "vmNetworkTable", entry: "vmNetworkEntry", 8,
        rows: { $0.interfaces }, index: { [$0.domainIndex, $0.index] },
        columns: [
            VMNetworkColumns.index,
            VMNetworkColumns.ifIndex,
            VMNetworkColumns.parent,
            VMNetworkColumns.model,
            VMNetworkColumns.physAddress,
        ])

    static let tables: [any TableDescription] = [vmTable, vmCpuTable, vmCpuAffinityTable, vmStorageTable, vmNetworkTable]

    /// The objects served, for telling noSuchInstance from noSuchObject.
    public static let objects: [MIBObject] = scalars.map {
        MIBObject(name: $0.name, oid: $0.oid, kind: .scalar, syntax: $0.syntax, access: .readOnly)
    } + switches.map {
        MIBObject(name: $0.name, oid: $0.oid, kind: .scalar, syntax: .truthValue, access: .readOnly)
    } + tables.flatMap { $0.objects(under: objectsRoot) }

    /// The scalar cells, the tables, and the live cell (the hypervisor's up time) of `snapshot`.
    static func parts(of snapshot: Snapshot, notifications: VMNotificationPolicy) -> (
        scalars: [MIBView.Cell], tables: [TableCells], live: [OID: @Sendable () -> SNMPValue]
    ) {
        let scalarCells = scalars.map { MIBView.Cell(oid: $0.oid.appending(0), value: $0.value(snapshot)) } + [
            MIBView.Cell(oid: switches[0].oid.appending(0), value: .truthValue(notifications.perVMEnabled)),
            MIBView.Cell(oid: switches[1].oid.appending(0), value: .truthValue(notifications.bulkEnabled)),
        ]
        let tableCells = tables.map { $0.cells(of: snapshot, under: objectsRoot) }
        let boot = snapshot.host.bootTime
        return (scalarCells, tableCells,
                [hypervisorRoot.appending(4, 0): { .timeTicks(ticks(from: boot, to: Date())) }])
    }

    /// Hundredths of a second from `start` to `end`; 0 when either is unknown.
    static func ticks(from start: Date?, to end: Date?) -> UInt32 {
        guard let start, let end else { return 0 }
        return UInt32(clamping: Int64(max(0, end.timeIntervalSince(start)) * 100))
    }

    /// The 16 octets of a UUID's text form; empty (UUIDorZero's "none") if it is not one.
    static func uuidBytes(_ text: String) -> [UInt8] {
        let hex = text.filter { $0 != "-" }
        guard hex.count == 32 else { return [] }
        var bytes: [UInt8] = []
        var position = hex.startIndex
        while position < hex.endIndex {
            let next = hex.index(position, offsetBy: 2)
            guard let byte = UInt8(hex[position..<next], radix: 16) else { return [] }
            bytes.append(byte)
            position = next
        }
        return bytes
    }

    /// The smallest power-of-1024 unit in which both sizes fit an Integer32.
    static func sizeUnit(for info: BlockInfo) -> UInt64 {
        let bytes = max(info.capacity, info.allocation)
        var unit: UInt64 = 1
        while bytes / unit > UInt64(Int32.max) { unit *= 1024 }
        return unit
    }
}

extension Disk {
    /// VirtualMachineStorageSourceType: unknown(1), other(2), block(3), raw(4), sparse(5), network(6).
    var vmSourceType: Int32 {
        switch sourceKind {
        case .block: 3
        case .network: 6
        case .none: 1
        case .dir, .other: 2
        case .file, .volume: driverFormat == "raw" ? 4 : driverFormat.isEmpty ? 1 : 5
        }
    }

    /// IANAStorageMediaType: other(1), unknown(2), hardDisk(3), opticalDisk(4), floppyDisk(5).
    var vmMediaType: Int32 {
        switch device {
        case .disk, .lun: 3
        case .cdrom: 4
        case .floppy: 5
        case .other: 1
        }
    }
}
