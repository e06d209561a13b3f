import VirtModel

/// RFC 7666's notifications: one per VM whose operational state changed (vmRunning,
/// vmPaused …, vmDeleted when its row goes), or, when too many VMs change at once,
/// one bulk notification per state naming them all in vmAffectedVMs.
public struct VMNotificationPolicy: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        /// Per-VM notifications, bulk ones when more than `perVMLimit` VMs change at once.
        case perVM = "per-vm"
        /// Only bulk notifications.
        case bulk
        case off
    }

    public var mode: Mode
    /// Per-VM notifications allowed for one change of the snapshot before the rest go
    /// out as bulk notifications: a host booting 500 VMs sends a handful, not 500.
    public var perVMLimit: Int

    public init(mode: Mode = .perVM, perVMLimit: Int = 10) {
        self.mode = mode
        self.perVMLimit = perVMLimit
    }

    var perVMEnabled: Bool { mode == .perVM }
    var bulkEnabled: Bool { mode != .off }
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

    /// What changed between two snapshots, as VM-MIB notifications.
    public static func notifications(from old: Snapshot?, to new: Snapshot, policy: VMNotificationPolicy) -> [Notification] {
        guard policy.mode != .off, let old, old.host.lastPoll != nil,
              new.host.connection.isAnswering, old.host.connection.isAnswering else { return [] }
        let before = Dictionary(old.domains.map { ($0.uuid, $0) }) { a, _ in a }
        let now = Set(new.domains.map(\.uuid))
        // (notification number, the domain as it is now, or as it was when deleted)
        var changes: [(number: UInt32, domain: Domain)] = []
        for domain in new.domains {
            guard let previous = before[domain.uuid], previous.vmOperState != domain.vmOperState,
                  let number = notificationNumber(domain.vmOperState) else { continue }
            changes.append((number, domain))
        }
        for domain in old.domains where !now.contains(domain.uuid) {
            changes.append((deletedNumber, domain))
        }
        guard !changes.isEmpty else { return [] }
        if policy.perVMEnabled && changes.count <= policy.perVMLimit {
            return changes.map { perVM($0.number, $0.domain) }
        }
        // A storm, or bulk only: one notification per state, naming every VM that reached it.
        let byNumber = Dictionary(grouping: changes, by: \.number)
        return byNumber.keys.sorted().map { number in
            Notification(oid: notificationsRoot.appending(number + 10),
                         varbinds: [MIBView.Cell(oid: affectedVMs.appending(0),
                                                 value: .octets(vmList(byNumber[number]!.map(\.domain.index))))])
        }
    }

    private static func perVM(_ number: UInt32, _ domain: Domain) -> Notification {
        func cell(_ column: Column<VMRow>, _ value: SNMPValue) -> Varbind {
            Varbind(oid: objectsRoot.appending(vmTable.subID, 1, column.subID, domain.index), value: value)
        }
        var varbinds = [
            cell(VMColumns.name, .string(domain.name)),
            cell(VMColumns.uuid, .octets(uuidBytes(domain.uuid))),
            cell(VMColumns.operState, .integer(domain.vmOperState.rawValue)),
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
