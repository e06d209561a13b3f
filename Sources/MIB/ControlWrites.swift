import VirtModel

/// What a SET may change, and whether it may, decided from the snapshot alone on
/// the net-snmp thread: nothing here waits. The action itself runs elsewhere
/// (LibvirtCollector's ControlExecutor), so GETs go on being answered while it
/// does; its outcome shows in virtControlStatus and in the log.
public enum ControlWrites {
    /// The SNMP context the writable objects are registered in, read-write. In the
    /// default context they stay read-only (notWritable): a community, which maps
    /// to the default context, cannot reach them.
    public static let contextName = "virt-control"

    /// The subtrees registered read-write in that context: the control table and
    /// RFC 7666's two notification switches.
    public static let roots: [OID] = [
        VirtAgentxMIB.objectsRoot.appending(VirtAgentxMIB.domainControlTable.subID),
        VMMIB.switches[0].oid,
        VMMIB.switches[1].oid,
    ]

    /// One varbind's write, once checked.
    public enum Write: Sendable, Equatable {
        case domain(uuid: String, name: String, action: DomainAction)
        case perVMNotifications(Bool)
        case bulkNotifications(Bool)
    }

    /// The SNMP error statuses (RFC 3416) a write is refused with.
    public enum Refusal: Int32, Error, Sendable {
        case noAccess = 6, wrongType = 7, wrongValue = 10, noCreation = 11, inconsistentValue = 12,
             resourceUnavailable = 13, commitFailed = 14, notWritable = 17
    }

    static let integerType: Int32 = 0x02

    /// The first check (type, value, object): what the varbind asks for.
    public static func write(_ oid: OID, type: Int32, integer: Int64, in snapshot: Snapshot) -> Result<Write, Refusal> {
        let entry = VirtAgentxMIB.objectsRoot.appending(VirtAgentxMIB.domainControlTable.subID, 1)
        if oid.components.count == entry.components.count + 2, oid.hasPrefix(entry) {
            let column = oid.components[entry.components.count], index = oid.components[entry.components.count + 1]
            guard column == VirtAgentxMIB.ControlColumns.action.subID else { return .failure(.notWritable) }
            guard type == integerType else { return .failure(.wrongType) }
            guard let action = DomainAction(rawValue: Int32(clamping: integer)), action != .none else { return .failure(.wrongValue) }
            guard let domain = snapshot.domains.first(where: { $0.index == index }) else { return .failure(.noCreation) }
            return .success(.domain(uuid: domain.uuid, name: domain.name, action: action))
        }
        for (position, switchObject) in VMMIB.switches.enumerated() where oid == switchObject.oid.appending(0) {
            guard type == integerType else { return .failure(.wrongType) }
            guard integer == 1 || integer == 2 else { return .failure(.wrongValue) }   // TruthValue
            return .success(position == 0 ? .perVMNotifications(integer == 1) : .bulkNotifications(integer == 1))
        }
        return .failure(ControlWrites.roots.contains { oid.hasPrefix($0) } ? .noCreation : .notWritable)
    }

    /// The second check: whether the domain's state allows the action now, and
    /// no other action of the agent's is still running on it.
    public static func check(_ write: Write, in snapshot: Snapshot, inProgress: Set<String>) -> Refusal? {
        guard case let .domain(uuid, _, action) = write else { return nil }
        guard let domain = snapshot.domains.first(where: { $0.uuid == uuid }) else { return .inconsistentValue }
        if inProgress.contains(uuid) { return .inconsistentValue }
        return domain.allows(action) ? nil : .inconsistentValue
    }
}

extension Domain {
    /// Whether libvirt would take `action` in the domain's present state.
    public func allows(_ action: DomainAction) -> Bool {
        switch action {
        case .none: false
        case .running: state == .shutoff || state == .paused
        // libvirt keeps a managed save only for a persistent domain.
        case .suspended: persistent && (state == .running || state == .paused || state == .blocked)
        case .paused: state == .running || state == .blocked
        case .shutdown, .reboot: state == .running || state == .blocked
        case .off: state != .shutoff && state != .nostate
        case .reset: state == .running || state == .blocked || state == .paused
        }
    }
}
