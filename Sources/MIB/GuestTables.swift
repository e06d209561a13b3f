import FoundationEssentials
import VirtModel

extension VirtAgentxMIB {
    /// guestMemoryTable's columns: a running domain's balloon figures, each cell
    /// present only where libvirt reported the figure.
    public enum GuestMemoryColumns {
        static func kibibytes(_ name: String, _ subID: UInt32, _ figure: @escaping @Sendable (GuestMemory) -> UInt64?) -> Column<Domain> {
            Column(name, subID, Syntaxes.gauge64, whenReported: { figure($0.guestMemory).map(SNMPValue.counter64) })
        }
        static func counter(_ name: String, _ subID: UInt32, _ figure: @escaping @Sendable (GuestMemory) -> UInt64?) -> Column<Domain> {
            Column(name, subID, .counter64, whenReported: { figure($0.guestMemory).map(SNMPValue.counter64) })
        }
        public static let unused = kibibytes("virtGuestMemoryUnused", 1) { $0.unusedKiB }
        public static let available = kibibytes("virtGuestMemoryAvailable", 2) { $0.availableKiB }
        public static let usable = kibibytes("virtGuestMemoryUsable", 3) { $0.usableKiB }
        public static let diskCaches = kibibytes("virtGuestMemoryDiskCaches", 4) { $0.diskCachesKiB }
        public static let resident = kibibytes("virtGuestMemoryResident", 5) { $0.residentKiB }
        public static let swapIn = counter("virtGuestMemorySwapIn", 6) { $0.swapInKiB }
        public static let swapOut = counter("virtGuestMemorySwapOut", 7) { $0.swapOutKiB }
        public static let majorFaults = counter("virtGuestMemoryMajorFaults", 8) { $0.majorFaults }
        public static let minorFaults = counter("virtGuestMemoryMinorFaults", 9) { $0.minorFaults }
        public static let lastUpdate = Column<Domain>("virtGuestMemoryLastUpdate", 10, .dateAndTime, whenReported: {
            $0.guestMemory.lastUpdate.map { .octets(DateAndTime.encode($0)) }
        })
    }

    public static let guestMemoryTable = Table<Domain>(
        "virtGuestMemoryTable", entry: "virtGuestMemoryEntry", 11,
        rows: { $0.domains.filter { $0.id >= 0 } }, index: { [$0.index] },
        columns: [
            GuestMemoryColumns.unused,
            GuestMemoryColumns.available,
            GuestMemoryColumns.usable,
            GuestMemoryColumns.diskCaches,
            GuestMemoryColumns.resident,
            GuestMemoryColumns.swapIn,
            GuestMemoryColumns.swapOut,
            GuestMemoryColumns.majorFaults,
            GuestMemoryColumns.minorFaults,
            GuestMemoryColumns.lastUpdate,
        ])

    /// One vCPU of a running domain.
    public struct VCPURow: Sendable {
        public var domainIndex: UInt32
        /// From 1: vCPU 0 is row 1.
        public var number: UInt32
        public var vcpu: VCPU
    }

    /// vcpuTable's columns, each declared once.
    public enum VCPUColumns {
        public static let index = Column<VCPURow>.index("virtVcpuIndex", 1, .unsigned32)
        public static let state = Column<VCPURow>("virtVcpuState", 2, Syntaxes.vcpuState, whenReported: {
            $0.vcpu.state.map { .integer($0.rawValue) }
        })
        public static let time = Column<VCPURow>("virtVcpuTime", 3, .counter64, whenReported: { $0.vcpu.timeNanoseconds.map(SNMPValue.counter64) })
        public static let wait = Column<VCPURow>("virtVcpuWait", 4, .counter64, whenReported: { $0.vcpu.waitNanoseconds.map(SNMPValue.counter64) })
        public static let delay = Column<VCPURow>("virtVcpuDelay", 5, .counter64, whenReported: { $0.vcpu.delayNanoseconds.map(SNMPValue.counter64) })
        public static let halted = Column<VCPURow>("virtVcpuHalted", 6, .truthValue, whenReported: { $0.vcpu.halted.map(SNMPValue.truthValue) })
    }

    public static let vcpuTable = Table<VCPURow>(
        "virtVcpuTable", entry: "virtVcpuEntry", 12,
        rows: { snapshot in
            snapshot.domains.filter { $0.id >= 0 }.flatMap { domain in
                domain.vcpuDetails.enumerated().map { VCPURow(domainIndex: domain.index, number: UInt32($0.offset + 1), vcpu: $0.element) }
            }
        },
        index: { [$0.domainIndex, $0.number] },
        columns: [
            VCPUColumns.index,
            VCPUColumns.state,
            VCPUColumns.time,
            VCPUColumns.wait,
            VCPUColumns.delay,
            VCPUColumns.halted,
        ])
}
