import VirtModel

/// RFC 7666's notifications: per-VM ones (vmRunning, vmPaused …, vmDeleted when
/// a row goes) "generated if vmPerVMNotificationsEnabled is true(1)", bulk ones
/// (one per state, naming the VMs in vmAffectedVMs) "if vmBulkNotificationsEnabled
/// is true(1)": two independent switches.
public struct VMNotificationPolicy: Sendable, Equatable {
    /// How the configuration sets the switches.
    public enum Mode: String, Sendable, CaseIterable {
        /// Per-VM notifications only.
        case perVM = "per-vm"
        /// Bulk notifications only.
        case bulk
        /// Both, for every change.
        case both
        /// Not in RFC 7666 (which leaves rates to RFC 3413's filters): per-VM
        /// notifications, and bulk ones instead when more than `perVMLimit` VMs
        /// change at once, so a host booting 500 VMs sends a handful, not 500.
        case perVMOrBulk = "per-vm-or-bulk"
        case off
    }

    public var perVMEnabled: Bool
    public var bulkEnabled: Bool
    /// Set by `perVMOrBulk`: above this many VMs changed in one snapshot, the bulk
    /// notifications go instead of the per-VM ones.
    public var perVMLimit: Int?

    public init(mode: Mode = .perVM, perVMLimit: Int = 10) {
        perVMEnabled = [.perVM, .both, .perVMOrBulk].contains(mode)
        bulkEnabled = [.bulk, .both, .perVMOrBulk].contains(mode)
        self.perVMLimit = mode == .perVMOrBulk ? perVMLimit : nil
    }
}

extension VMMIB {
    static let notificationsRoot = root.appending(0)
    /// vmAffectedVMs (accessible-for-notify).
    static let affectedVMs = objectsRoot.appending(11)

    /// The per-VM notification of an operational state (the bulk one is 10 further on).
    private static func notificationNumber(_ state: VMOperState) -> UInt32? {
        switch state {
        case .running: 1
        case .shuttingdown: 2
        case .shutdown: 3
        case .paused: 4
        case .suspending: 5
        case .suspended: 6
        case .resuming: 7
        case .migrating: 8
        case .crashed: 9
        case .unknown, .other, .preparing: nil
        }
    }
    private static let deletedNumber: UInt32 = 10

    /// What changed between two snapshots, as VM-MIB notifications. A per-VM one
    /// carries the state the VM left: "The other state is indicated by the included
    /// value of vmOperState" (vmCrashed: "The previous state"; vmDeleted: "The prior
    /// state"). A new row left preparing(3), the RFC's state before the first.
    public static func notifications(from old: Snapshot?, to new: Snapshot, policy: VMNotificationPolicy) -> [Notification] {
        guard policy.perVMEnabled || policy.bulkEnabled, let old, old.host.lastPoll != nil,
              new.host.connection.isAnswering, old.host.connection.isAnswering else { return [] }
        let before = Dictionary(old.domains.map { ($0.uuid, $0) }) { a, _ in a }
        let now = Set(new.domains.map(\.uuid))
        // (notification number, the domain as it is now, or as it was when deleted, the state it left)
        var changes: [(number: UInt32, domain: Domain, previous: VMOperState)] = []
        for domain in new.domains {
            let previous = before[domain.uuid]?.vmOperState ?? .preparing
            guard previous != domain.vmOperState, let number = notificationNumber(domain.vmOperState) else { continue }
            changes.append((number, domain, previous))
        }
        for domain in old.domains where !now.contains(domain.uuid) {
            changes.append((deletedNumber, domain, domain.vmOperState))
        }
        guard !changes.isEmpty else { return [] }
        let storm = policy.perVMLimit.map { changes.count > $0 } ?? false
        var sent: [Notification] = []
        if policy.perVMEnabled && !storm {
            sent += changes.map { perVM($0.number, $0.domain, previous: $0.previous) }
        }
        if policy.bulkEnabled && (policy.perVMLimit == nil || storm) {
            let byNumber = Dictionary(grouping: changes, by: \.number)
            sent += byNumber.keys.sorted().map { number in
                Notification(oid: notificationsRoot.appending(number + 10),
                             varbinds: [MIBView.Cell(oid: affectedVMs.appending(0),
                                                     value: .octets(vmList(byNumber[number]!.map(\.domain.index))))])
            }
        }
        return sent
    }

    private static func perVM(_ number: UInt32, _ domain: Domain, previous: VMOperState) -> Notification {
        func cell(_ column: Column<VMRow>, _ value: SNMPValue) -> Varbind {
            Varbind(oid: objectsRoot.appending(vmTable.subID, 1, column.subID, domain.index), value: value)
        }
        var varbinds = [
            cell(VMColumns.name, .string(domain.name)),
            cell(VMColumns.uuid, .octets(uuidBytes(domain.uuid))),
            cell(VMColumns.operState, .integer(previous.rawValue)),
        ]
        if number == deletedNumber {
            varbinds.append(cell(VMColumns.persistent, .integer(domain.persistent ? 2 : 3)))
        }
        return Notification(oid: notificationsRoot.appending(number), varbinds: varbinds)
    }

    /// VirtualMachineList: one bit per vmIndex, vmIndex 1 the most significant bit of the first octet.
    static func vmList(_ indexes: [UInt32]) -> [UInt8] {
        guard let highest = indexes.max(), highest > 0 else { return [] }
        var octets = [UInt8](repeating: 0, count: Int((highest + 7) / 8))
        for index in indexes where index > 0 {
            octets[Int((index - 1) / 8)] |= 0x80 >> ((index - 1) % 8)
        }
        return octets
    }
}
